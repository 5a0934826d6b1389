// SPDX-License-Identifier: GPL-2.0-only
/*
 * The invariant checker.  Everything is read through the public headers,
 * as an outside observer would: the module model's inspection calls, the
 * MMU's present-SPTE walk, the VM's accessors.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "checker.h"
#include "scenario.h"
#include "tdpmmu/mmu.h"
#include "tdpmmu/spte.h"
#include "tdpmmu/tdxmod.h"
#include "tdpmmu/vm.h"

/* Beyond this many messages only the number of violations is told. */
#define CHECK_MAX_MESSAGES 32

struct mirror_ent {
	gfn_t gfn;
	int level;
	bool leaf;
	kvm_pfn_t pfn;
};

struct check_ctx {
	void (*report)(void *, const char *);
	void *arg;
	int violations;
	struct tdx_td *td;
	struct mirror_ent *ents;
	size_t nr_ents, cap;
	bool oom;
};

__attribute__((format(printf, 2, 3))) static void violation(struct check_ctx *c, const char *fmt,
							    ...)
{
	char buf[320];
	va_list ap;

	if (c->violations++ >= CHECK_MAX_MESSAGES)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	c->report(c->arg, buf);
}

static void module_report(void *arg, const char *msg)
{
	struct check_ctx *c = arg;

	violation(c, "module: %s", msg);
}

static const char *state_name(enum tdx_sept_state s)
{
	const char *n = tdx_sept_state_name(s);

	return n ? n : "?";
}

static int ent_cmp(const void *a, const void *b)
{
	const struct mirror_ent *x = a, *y = b;

	if (x->level != y->level)
		return x->level < y->level ? -1 : 1;
	if (x->gfn != y->gfn)
		return x->gfn < y->gfn ? -1 : 1;
	return 0;
}

/* Every present mirror SPTE has its S-EPT counterpart at the same level. */
static int mirror_visit(void *arg, gfn_t gfn, int level, u64 spte, bool is_leaf)
{
	struct check_ctx *c = arg;
	struct tdx_sept_entry_info info;
	gpa_t gpa = gfn_to_gpa(gfn);
	kvm_pfn_t pfn = spte_to_pfn(spte);

	if (c->nr_ents == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 1024;
		struct mirror_ent *e = realloc(c->ents, cap * sizeof(*e));

		if (!e) {
			c->oom = true;
			return 1;
		}
		c->ents = e;
		c->cap = cap;
	}
	c->ents[c->nr_ents++] = (struct mirror_ent){gfn, level, is_leaf, pfn};

	if (tdxmod_sept_lookup(c->td, gpa, pg_level_to_tdx_sept_level(level), &info)) {
		violation(c, "mirror %s %s at gpa 0x%llx: no S-EPT entry at that level",
			  is_leaf ? "leaf" : "non-leaf", scn_level_name(level),
			  (unsigned long long)gpa);
		return 0;
	}
	if (!is_leaf) {
		if (info.state != TDX_SEPT_NL_MAPPED)
			violation(c, "mirror non-leaf %s at gpa 0x%llx: S-EPT entry is %s",
				  scn_level_name(level), (unsigned long long)gpa,
				  state_name(info.state));
		return 0;
	}
	if (info.state != TDX_SEPT_MAPPED && info.state != TDX_SEPT_PENDING) {
		violation(c, "mirror leaf %s at gpa 0x%llx: S-EPT entry is %s",
			  scn_level_name(level), (unsigned long long)gpa, state_name(info.state));
		return 0;
	}
	if (info.pa >> PAGE_SHIFT != pfn)
		violation(c, "mirror leaf %s at gpa 0x%llx: pfn 0x%llx, S-EPT maps hpa 0x%llx",
			  scn_level_name(level), (unsigned long long)gpa, (unsigned long long)pfn,
			  (unsigned long long)info.pa);
	return 0;
}

/* Every non-FREE S-EPT entry has a mirror counterpart (same level). */
static int sept_visit(void *arg, gpa_t gpa, int tdx_level, const struct tdx_sept_entry_info *info)
{
	struct check_ctx *c = arg;
	struct mirror_ent key = {.gfn = gpa_to_gfn(gpa),
				 .level = tdx_sept_level_to_pg_level(tdx_level)};

	if (!c->nr_ents || !bsearch(&key, c->ents, c->nr_ents, sizeof(key), ent_cmp))
		violation(c, "S-EPT %s entry %s at gpa 0x%llx has no mirror counterpart",
			  state_name(info->state), scn_level_name(key.level),
			  (unsigned long long)gpa);
	return 0;
}

/*
 * A vCPU inside the TD may only hold translations the S-EPT still gives
 * (a BLOCKED one until the TRACK round's exit): anything else is a stale
 * TLB entry, i.e. a missing TRACK or kick.
 */
static int tlb_visit(void *arg, int vcpu, gpa_t gpa, hpa_t hpa, int tdx_level)
{
	struct check_ctx *c = arg;
	struct tdx_sept_entry_info info;
	u64 size = level_size(tdx_sept_level_to_pg_level(tdx_level));
	gpa_t base = gpa & ~(size - 1);

	if (tdxmod_sept_lookup(c->td, base, tdx_level, &info) ||
	    (info.state != TDX_SEPT_MAPPED && info.state != TDX_SEPT_BLOCKED) ||
	    info.pa + (gpa - base) != hpa)
		violation(c,
			  "stale translation: vCPU %d caches gpa 0x%llx -> hpa 0x%llx (%s), "
			  "S-EPT entry is %s",
			  vcpu, (unsigned long long)gpa, (unsigned long long)hpa,
			  scn_level_name(tdx_sept_level_to_pg_level(tdx_level)),
			  state_name(info.state));
	return 0;
}

int tdpmmu_check(struct kvm *kvm, void (*report)(void *, const char *), void *arg)
{
	struct check_ctx c = {.report = report, .arg = arg, .td = kvm_tdx_td(kvm)};
	struct kvm_mmu *mmu = kvm_get_mmu(kvm);
	struct rwlock *lock = kvm_mmu_lock(mmu);

	/* Between commands nobody may hold mmu_lock. */
	if (atomic_load(&lock->readers) || atomic_load(&lock->writer))
		violation(&c, "mmu_lock still held (readers %d, writer %s)",
			  atomic_load(&lock->readers), atomic_load(&lock->writer) ? "yes" : "no");

	tdxmod_check(c.td, module_report, &c);

	/*
	 * A bugged VM (KVM_BUG_ON) is known to be out of sync by definition:
	 * only the module's own invariants must still hold.
	 */
	if (!kvm_is_bugged(kvm)) {
		read_lock(lock);
		kvm_tdp_mmu_for_each_present(mmu, true, mirror_visit, &c);
		read_unlock(lock);
		if (c.oom) {
			violation(&c, "checker out of memory: mirror walk incomplete");
		} else {
			if (c.nr_ents)
				qsort(c.ents, c.nr_ents, sizeof(*c.ents), ent_cmp);
			tdxmod_sept_for_each(c.td, sept_visit, &c);
		}
		for (int v = 0; v < kvm_get_config(kvm)->nr_vcpus; v++)
			if (tdxmod_vcpu_in_td(c.td, v))
				tdxmod_tlb_for_each(c.td, v, tlb_visit, &c);
	}
	free(c.ents);

	if (c.violations > CHECK_MAX_MESSAGES) {
		char buf[80];

		snprintf(buf, sizeof(buf), "... and %d more violations",
			 c.violations - CHECK_MAX_MESSAGES);
		report(arg, buf);
	}
	return c.violations;
}
