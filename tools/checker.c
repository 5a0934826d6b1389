// SPDX-License-Identifier: GPL-2.0-only
/*
 * The invariant checker.  Everything is read through the public headers,
 * as an outside observer would: the module model's inspection calls, the
 * MMU's present-SPTE walk, the VM's accessors.
 *
 * Cost: one walk of each root and of the S-EPT, one lookup per present
 * entry, sorts of the present leaves, and the folios guest_memfd holds;
 * all O(present entries + backing), never O(guest size).
 *
 * Every message starts with the rule's name in brackets (see checker.h),
 * then the GPA and level, then what each table says.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <urcu.h>

#include "checker.h"
#include "scenario.h"
#include "tdpmmu/mmu.h"
#include "tdpmmu/spte.h"
#include "tdpmmu/tdxmod.h"
#include "tdpmmu/vm.h"
#include "tdpmmu/vm_inspect.h"

/* Beyond this many messages only the number of violations is told. */
#define CHECK_MAX_MESSAGES 32

/* Frames the TDX glue holds for the TD itself: TDR and the S-EPT root. */
#define TDX_TD_CONTROL_PAGES 2

struct mirror_ent {
	gfn_t gfn;
	int level;
	bool leaf;
	bool private; /* mirror root (else direct) */
	kvm_pfn_t pfn;
};

struct ent_vec {
	struct mirror_ent *v;
	size_t n, cap;
};

struct check_ctx {
	void (*report)(void *, const char *);
	void *arg;
	int violations;
	struct kvm *kvm;
	struct tdxmod_td *td;
	struct tdxmod *mod;
	struct ent_vec mirror, direct;
	bool private_walk;
	/* what the walks counted */
	u64 nonleaf[2]; /* [0] direct, [1] mirror: tables below the root */
	u64 leaves[2][PG_LEVEL_512G + 1];
	u64 sept_nonleaf; /* S-EPT pages below the root */
	bool oom;
};

__attribute__((format(printf, 2, 3))) static void violation(struct check_ctx *c, const char *fmt,
							    ...)
{
	char buf[384];
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

	violation(c, "[module] %s", msg);
}

static const char *state_name(enum tdx_sept_state s)
{
	const char *n = tdxmod_sept_state_name(s);

	return n ? n : "?";
}

static const char *lvl(int pg_level)
{
	return scn_level_name(pg_level);
}

static unsigned long long ull(u64 v)
{
	return (unsigned long long)v;
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

static bool vec_push(struct check_ctx *c, struct ent_vec *v, struct mirror_ent e)
{
	if (v->n == v->cap) {
		size_t cap = v->cap ? v->cap * 2 : 1024;
		struct mirror_ent *p = realloc(v->v, cap * sizeof(*p));

		if (!p) {
			c->oom = true;
			return false;
		}
		v->v = p;
		v->cap = cap;
	}
	v->v[v->n++] = e;
	return true;
}

/* The walk only records (mmu_lock held); the checks run after it. */
static int record_visit(void *arg, gfn_t gfn, int level, u64 spte, bool is_leaf)
{
	struct check_ctx *c = arg;
	bool priv = c->private_walk;
	struct mirror_ent e = {gfn, level, is_leaf, priv, is_leaf ? spte_to_pfn(spte) : 0};

	if (is_leaf)
		c->leaves[priv][level]++;
	else if (level > PG_LEVEL_4K)
		c->nonleaf[priv]++;
	return vec_push(c, priv ? &c->mirror : &c->direct, e) ? 0 : 1;
}

/* ---- mirror == S-EPT ---------------------------------------------------- */

static void check_mirror_ent(struct check_ctx *c, const struct mirror_ent *e)
{
	struct tdxmod_sept_entry_info info;
	gpa_t gpa = gfn_to_gpa(e->gfn);
	const char *kind = e->leaf ? "leaf" : "non-leaf";

	if (tdxmod_sept_lookup(c->td, gpa, pg_level_to_tdx_sept_level(e->level), &info)) {
		violation(c,
			  "[mirror-sept-level] gpa 0x%llx level %s: mirror %s, "
			  "S-EPT has a leaf above this level (no entry at %s)",
			  ull(gpa), lvl(e->level), kind, lvl(e->level));
		return;
	}
	if (!e->leaf) {
		if (info.state != TDX_SEPT_NL_MAPPED)
			violation(c,
				  "[mirror-sept-state] gpa 0x%llx level %s: mirror non-leaf, "
				  "S-EPT entry %s (want NL_MAPPED)",
				  ull(gpa), lvl(e->level), state_name(info.state));
		return;
	}
	/* At rest a mirror leaf maps an entry the guest can use or accept. */
	if (info.state != TDX_SEPT_MAPPED && info.state != TDX_SEPT_PENDING) {
		violation(c,
			  "[mirror-sept-state] gpa 0x%llx level %s: mirror leaf pfn 0x%llx, "
			  "S-EPT entry %s (want MAPPED or PENDING)",
			  ull(gpa), lvl(e->level), ull(e->pfn), state_name(info.state));
		return;
	}
	if (info.pa >> PAGE_SHIFT != e->pfn)
		violation(c,
			  "[mirror-sept-pfn] gpa 0x%llx level %s: mirror leaf pfn 0x%llx, "
			  "S-EPT %s hpa 0x%llx",
			  ull(gpa), lvl(e->level), ull(e->pfn), state_name(info.state),
			  ull(info.pa));
}

/* Every non-FREE S-EPT entry has a mirror counterpart (same level, same kind). */
static int sept_visit(void *arg, gpa_t gpa, int tdx_level,
		      const struct tdxmod_sept_entry_info *info)
{
	struct check_ctx *c = arg;
	struct mirror_ent key = {.gfn = gpa_to_gfn(gpa),
				 .level = tdx_sept_level_to_pg_level(tdx_level)};
	struct mirror_ent *m = NULL;

	if (!info->leaf && key.level > PG_LEVEL_4K)
		c->sept_nonleaf++;
	if (c->mirror.n)
		m = bsearch(&key, c->mirror.v, c->mirror.n, sizeof(key), ent_cmp);
	if (!m)
		violation(c,
			  "[sept-orphan] gpa 0x%llx level %s: S-EPT %s hpa 0x%llx, "
			  "mirror has no entry at this level",
			  ull(gpa), lvl(key.level), state_name(info->state), ull(info->pa));
	else if (m->leaf != info->leaf)
		violation(c, "[sept-orphan] gpa 0x%llx level %s: S-EPT %s (%s), mirror %s",
			  ull(gpa), lvl(key.level), state_name(info->state),
			  info->leaf ? "leaf" : "non-leaf", m->leaf ? "leaf" : "non-leaf");
	return 0;
}

/* ---- per-leaf rules: PAMT, guest_memfd, folio size, attributes ---------- */

static void check_leaf_pamt(struct check_ctx *c, const struct mirror_ent *e)
{
	struct tdxmod_pamt_info pi;
	u64 owner = tdxmod_td_tdr_owner(c->td);
	int want = pg_level_to_tdx_sept_level(e->level);

	if (tdxmod_pamt_lookup(c->mod, e->pfn << PAGE_SHIFT, &pi)) {
		violation(c, "[pamt] gpa 0x%llx level %s: mirror pfn 0x%llx has no PAMT entry",
			  ull(gfn_to_gpa(e->gfn)), lvl(e->level), ull(e->pfn));
		return;
	}
	if (pi.pt != PT_REG || pi.owner != owner || pi.tdx_level != want)
		violation(c,
			  "[pamt] gpa 0x%llx level %s: mirror pfn 0x%llx, PAMT pt %d owner "
			  "0x%llx level %s (want PT_REG owner 0x%llx level %s)",
			  ull(gfn_to_gpa(e->gfn)), lvl(e->level), ull(e->pfn), pi.pt, ull(pi.owner),
			  lvl(tdx_sept_level_to_pg_level(pi.tdx_level)), ull(owner), lvl(e->level));
	if (pi.locked)
		violation(c, "[lock] gpa 0x%llx level %s: PAMT entry of pfn 0x%llx left locked",
			  ull(gfn_to_gpa(e->gfn)), lvl(e->level), ull(e->pfn));
}

/*
 * The frame is the one guest_memfd (or the shared backing) holds for the
 * GFN now, and its folio is at least as large as the mapping.  A mapping
 * of a PFN the backing no longer gives the GFN is a stale PFN: a fault
 * that missed an invalidation (mmu_invalidate_retry).
 */
static void check_leaf_backing(struct check_ctx *c, const struct mirror_ent *e)
{
	const char *root = e->private ? "mirror" : "direct";
	const char *backing = e->private ? "guest_memfd" : "shared backing";
	gpa_t gpa = gfn_to_gpa(e->gfn);
	kvm_pfn_t pfn = 0;
	int folio = kvm_gmem_folio_level(c->kvm, e->gfn, !e->private, &pfn);

	if (folio == PG_LEVEL_NONE) {
		violation(c,
			  "[gmem-pfn] gpa 0x%llx level %s: %s leaf pfn 0x%llx, %s has no "
			  "folio at this gfn (stale pfn)",
			  ull(gpa), lvl(e->level), root, ull(e->pfn), backing);
		return;
	}
	if (pfn != e->pfn)
		violation(c,
			  "[gmem-pfn] gpa 0x%llx level %s: %s leaf pfn 0x%llx, %s gives pfn "
			  "0x%llx (stale pfn)",
			  ull(gpa), lvl(e->level), root, ull(e->pfn), backing, ull(pfn));
	if (folio < e->level)
		violation(c,
			  "[folio-level] gpa 0x%llx level %s: %s leaf pfn 0x%llx larger than "
			  "the %s folio behind it (%s)",
			  ull(gpa), lvl(e->level), root, ull(e->pfn), backing, lvl(folio));
}

static void check_leaf_attrs(struct check_ctx *c, const struct mirror_ent *e)
{
	gfn_t end = e->gfn + KVM_PAGES_PER_HPAGE(e->level);
	u64 shared = kvm_count_shared_gfns(c->kvm, e->gfn, end);
	u64 want = e->private ? 0 : end - e->gfn;

	if (shared == want)
		return;
	if (e->private)
		violation(c,
			  "[private-attr] gpa 0x%llx level %s: mirror leaf pfn 0x%llx, %llu of "
			  "its gfns are shared",
			  ull(gfn_to_gpa(e->gfn)), lvl(e->level), ull(e->pfn), ull(shared));
	else
		violation(c,
			  "[shared-attr] gpa 0x%llx level %s: direct leaf pfn 0x%llx, %llu of "
			  "its gfns are private",
			  ull(gfn_to_gpa(e->gfn)), lvl(e->level), ull(e->pfn), ull(want - shared));
}

static int pfn_cmp(const void *a, const void *b)
{
	const struct mirror_ent *x = *(const struct mirror_ent *const *)a;
	const struct mirror_ent *y = *(const struct mirror_ent *const *)b;

	return x->pfn < y->pfn ? -1 : x->pfn > y->pfn;
}

/* No host frame is mapped at two GPAs (in either root, or in both). */
static void check_double_map(struct check_ctx *c)
{
	size_t n = 0, i;
	const struct mirror_ent **v;
	struct ent_vec *vecs[2] = {&c->mirror, &c->direct};

	v = malloc((c->mirror.n + c->direct.n + 1) * sizeof(*v));
	if (!v) {
		c->oom = true;
		return;
	}
	for (int k = 0; k < 2; k++)
		for (i = 0; i < vecs[k]->n; i++)
			if (vecs[k]->v[i].leaf)
				v[n++] = &vecs[k]->v[i];
	qsort(v, n, sizeof(*v), pfn_cmp);
	for (i = 1; i < n; i++) {
		const struct mirror_ent *p = v[i - 1], *q = v[i];

		if (p->pfn + KVM_PAGES_PER_HPAGE(p->level) > q->pfn)
			violation(c,
				  "[double-map] gpa 0x%llx level %s: %s leaf pfn 0x%llx overlaps "
				  "the %s leaf pfn 0x%llx at gpa 0x%llx level %s",
				  ull(gfn_to_gpa(q->gfn)), lvl(q->level),
				  q->private ? "mirror" : "direct", ull(q->pfn),
				  p->private ? "mirror" : "direct", ull(p->pfn),
				  ull(gfn_to_gpa(p->gfn)), lvl(p->level));
	}
	free(v);
}

/* ---- the security property: no reachable stale translation -------------- */

/*
 * A cached translation is reachable while the vCPU is in the TD, and also
 * outside it if it would re-enter in the same epoch (no flush).  Each one
 * must be a MAPPED S-EPT leaf now, same GPA, level and HPA: anything else
 * means a remove/demote/conversion/punch returned with a missing TRACK or
 * kick.
 */
static int tlb_visit(void *arg, int vcpu, gpa_t gpa, hpa_t hpa, int tdx_level)
{
	struct check_ctx *c = arg;
	struct tdxmod_sept_entry_info info = {.state = TDX_SEPT_FREE};
	int level = tdx_sept_level_to_pg_level(tdx_level);
	gpa_t base = gpa & ~(level_size(level) - 1);
	int r = tdxmod_sept_lookup(c->td, base, tdx_level, &info);

	if (r || !info.leaf || info.state != TDX_SEPT_MAPPED || info.pa + (gpa - base) != hpa)
		violation(c,
			  "[stale-translation] gpa 0x%llx level %s: vCPU %d (%s the TD) caches "
			  "hpa 0x%llx, S-EPT entry %s hpa 0x%llx (want MAPPED, same hpa)",
			  ull(gpa), lvl(level), vcpu,
			  tdxmod_vcpu_in_td(c->td, vcpu) ? "in" : "outside", ull(hpa),
			  r ? "(leaf above)" : state_name(info.state), ull(info.pa));
	return 0;
}

static void check_tlbs(struct check_ctx *c)
{
	u64 epoch = tdxmod_td_epoch(c->td);

	for (int v = 0; v < kvm_get_config(c->kvm)->nr_vcpus; v++)
		if (tdxmod_vcpu_in_td(c->td, v) || tdxmod_vcpu_tlb_epoch(c->td, v) == epoch)
			tdxmod_tlb_for_each(c->td, v, tlb_visit, c);
}

/*
 * The vCPUs' shared TLBs: every cached shared translation must be one the
 * direct root gives now (same GFN, same PFN).  Otherwise a direct-root
 * zap returned without kvm_flush_remote_tlbs.
 */
static int shared_tlb_visit(void *arg, int vcpu, gfn_t gfn, kvm_pfn_t pfn)
{
	struct check_ctx *c = arg;
	struct kvm_mmu *mmu = kvm_get_mmu(c->kvm);
	kvm_pfn_t now = 0;
	bool mapped;

	read_lock(kvm_mmu_lock(mmu));
	mapped = kvm_tdp_mmu_lookup(mmu, gfn, false, NULL, &now);
	read_unlock(kvm_mmu_lock(mmu));
	if (!mapped || now != pfn)
		violation(c,
			  "[shared-tlb] gpa 0x%llx: vCPU %d caches shared pfn 0x%llx, direct root "
			  "%s 0x%llx",
			  ull(gfn_to_gpa(gfn)), vcpu, ull(pfn), mapped ? "maps pfn" : "maps nothing at",
			  ull(mapped ? now : gfn_to_gpa(gfn)));
	return 0;
}

/* ---- accounting ----------------------------------------------------------- */

static void check_pt_accounting(struct check_ctx *c)
{
	struct kvm_mmu_stats st;
	static const char *const root_name[2] = {"direct", "mirror"};

	kvm_mmu_get_stats(kvm_get_mmu(c->kvm), &st);
	if (st.mirror_pt_pages != c->nonleaf[1])
		violation(c, "[pt-accounting] mirror: %llu page-table pages accounted, %llu linked",
			  ull(st.mirror_pt_pages), ull(c->nonleaf[1]));
	if (st.direct_pt_pages != c->nonleaf[0])
		violation(c, "[pt-accounting] direct: %llu page-table pages accounted, %llu linked",
			  ull(st.direct_pt_pages), ull(c->nonleaf[0]));
	if (st.external_pages != c->sept_nonleaf)
		violation(c,
			  "[pt-accounting] external: %llu S-EPT pages accounted by the MMU, %llu "
			  "linked in the S-EPT",
			  ull(st.external_pages), ull(c->sept_nonleaf));
	for (int l = PG_LEVEL_4K; l <= PG_LEVEL_1G; l++) {
		u64 *have[2] = {st.direct_mappings, st.mirror_mappings};

		for (int k = 0; k < 2; k++)
			if (have[k][l] != c->leaves[k][l])
				violation(c,
					  "[pt-accounting] %s level %s: %llu leaves accounted, "
					  "%llu present",
					  root_name[k], lvl(l), ull(have[k][l]),
					  ull(c->leaves[k][l]));
	}
}

/*
 * Every frame is somebody's: guest_memfd's accounting matches its folios,
 * and the allocator's bytes in use are exactly the frames the layers hold
 * (backing, raw pages, TD control pages, S-EPT pages linked, leaked or
 * cached).  With Dynamic PAMT the glue's PAMT pages are not visible from
 * here, so only "at least" is checked then.
 */
static u64 frames_accounted(struct check_ctx *c, struct kvm_frame_usage *u)
{
	struct kvm_mmu *mmu = kvm_get_mmu(c->kvm);
	struct kvm_mmu_stats st;

	kvm_mmu_get_stats(mmu, &st);
	kvm_get_frame_usage(c->kvm, u);
	return u->gmem_bytes[0] + u->gmem_bytes[1] + u->raw_bytes +
	       (TDX_TD_CONTROL_PAGES + st.external_pages + st.external_leaked +
		kvm_mmu_cached_external_pages(mmu)) *
		       PAGE_SIZE;
}

static void check_frames(struct check_ctx *c)
{
	struct frame_allocator *fa = kvm_frame_allocator(c->kvm);
	bool exact = !kvm_get_config(c->kvm)->dpamt;
	struct kvm_frame_usage u;
	u64 held = frames_accounted(c, &u), in_use = frame_allocator_in_use(fa);

	for (int i = 0; i < 2; i++)
		if (u.gmem_bytes[i] != u.gmem_counted[i])
			violation(c, "[gmem-accounting] %s: %llu bytes accounted, folios hold %llu",
				  i ? "shared backing" : "guest_memfd", ull(u.gmem_bytes[i]),
				  ull(u.gmem_counted[i]));
	if (in_use == held || (!exact && in_use > held))
		return;
	/* Table pages freed after a grace period still hold their external page. */
	rcu_barrier();
	held = frames_accounted(c, &u);
	in_use = frame_allocator_in_use(fa);
	if (in_use < held || (exact && in_use != held))
		violation(c,
			  "[frame-balance] frame allocator: %llu bytes in use, layers hold %llu "
			  "(guest_memfd %llu, shared %llu, raw %llu)",
			  ull(in_use), ull(held), ull(u.gmem_bytes[0]), ull(u.gmem_bytes[1]),
			  ull(u.raw_bytes));
}

/* ---- entry point ------------------------------------------------------------ */

int tdpmmu_check(struct kvm *kvm, void (*report)(void *, const char *), void *arg)
{
	struct check_ctx c = {.report = report,
			      .arg = arg,
			      .kvm = kvm,
			      .td = kvm_tdx_td(kvm),
			      .mod = kvm_tdx_module(kvm)};
	struct kvm_mmu *mmu = kvm_get_mmu(kvm);
	struct rwlock *lock = kvm_mmu_lock(mmu);
	size_t i;

	/* Between commands nobody may hold mmu_lock. */
	if (rwlock_readers(lock) || atomic_load(&lock->writer))
		violation(&c, "[lock] mmu_lock still held (readers %d, writer %s)",
			  rwlock_readers(lock), atomic_load(&lock->writer) ? "yes" : "no");

	tdxmod_check(c.td, module_report, &c);

	/*
	 * A bugged VM (KVM_BUG_ON) is known to be out of sync by definition,
	 * and its vCPUs never run again: only the module's own invariants
	 * must still hold.
	 */
	if (!kvm_is_bugged(kvm)) {
		read_lock(lock);
		c.private_walk = true;
		kvm_tdp_mmu_for_each_present(mmu, true, record_visit, &c);
		c.private_walk = false;
		if (!c.oom)
			kvm_tdp_mmu_for_each_present(mmu, false, record_visit, &c);
		read_unlock(lock);
		if (c.oom) {
			violation(&c, "[checker] out of memory: walk incomplete");
			goto out;
		}
		for (i = 0; i < c.mirror.n; i++) {
			const struct mirror_ent *e = &c.mirror.v[i];

			check_mirror_ent(&c, e);
			if (!e->leaf)
				continue;
			check_leaf_pamt(&c, e);
			check_leaf_backing(&c, e);
			check_leaf_attrs(&c, e);
		}
		for (i = 0; i < c.direct.n; i++) {
			if (!c.direct.v[i].leaf)
				continue;
			check_leaf_backing(&c, &c.direct.v[i]);
			check_leaf_attrs(&c, &c.direct.v[i]);
		}
		if (c.mirror.n)
			qsort(c.mirror.v, c.mirror.n, sizeof(*c.mirror.v), ent_cmp);
		tdxmod_sept_for_each(c.td, sept_visit, &c);
		check_double_map(&c);
		check_tlbs(&c);
		kvm_shared_tlb_for_each(kvm, shared_tlb_visit, &c);
		check_pt_accounting(&c);
		check_frames(&c);
	}
out:
	free(c.mirror.v);
	free(c.direct.v);

	if (c.violations > CHECK_MAX_MESSAGES) {
		char buf[80];

		snprintf(buf, sizeof(buf), "... and %d more violations",
			 c.violations - CHECK_MAX_MESSAGES);
		report(arg, buf);
	}
	return c.violations;
}
