// SPDX-License-Identifier: GPL-2.0-only
/*
 * tdxmod_check: module-level invariants (S-EPT vs PAMT, chldcnt, locks,
 * double mappings, Dynamic PAMT page counts).  Run on a quiescent TD.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "tdxmod_internal.h"

struct held {
	hpa_t hpa;
	u64 size;
	gpa_t gpa;
	int level;
};

struct check_ctx {
	struct tdxmod_td *td;
	tdxmod_report_fn report;
	void *arg;
	int violations;
	u64 chldcnt;
	/*
	 * Fast pass (!collect): count the pages the S-EPT holds and the PAMT
	 * entries the TD owns; only if they disagree is the slow pass run,
	 * which collects and sorts the held ranges to name the culprits.
	 */
	bool collect;
	u64 nr_held_pages, nr_owned, held_hash, owned_hash;
	struct held *held;
	size_t nr_held, cap_held;
};

static void violation(struct check_ctx *c, const char *fmt, ...)
{
	char buf[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	c->violations++;
	if (c->report)
		c->report(c->arg, buf);
}

/* Order-independent fingerprint of a PAMT entry (page and PAMT level). */
static u64 pamt_key(hpa_t hpa, int pamt_level)
{
	u64 x = hpa | (u64)pamt_level;

	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	return x ^ (x >> 33);
}

static void add_held(struct check_ctx *c, hpa_t hpa, u64 size, gpa_t gpa, int level)
{
	if (!c->collect) {
		/* TDR and root (level < 0 or above the tree) are not PT_REG/PT_EPT. */
		if (level >= 0 && level <= TDX_SEPT_MAX_LEVEL) {
			c->nr_held_pages++;
			c->held_hash += pamt_key(hpa, size == PAGE_SIZE ? 0 : level);
		}
		return;
	}
	if (c->nr_held == c->cap_held) {
		c->cap_held = c->cap_held ? c->cap_held * 2 : 256;
		c->held = realloc(c->held, c->cap_held * sizeof(*c->held));
		BASE_ASSERT(c->held);
	}
	c->held[c->nr_held++] = (struct held){hpa, size, gpa, level};
}

static void check_pamt(struct check_ctx *c, hpa_t hpa, int want_level, enum tdx_pamt_pt want_pt,
		       gpa_t gpa, int level)
{
	struct tdxmod_pamt_info pi;

	tdxmod_pamt_lookup(c->td->mod, hpa, &pi);
	if (pi.tdx_level != want_level || pi.pt != want_pt || pi.owner != tdr_owner(c->td))
		violation(c,
			  "tdxmod: gpa 0x%" PRIx64 " level %d: PAMT of hpa 0x%" PRIx64
			  " is pt %d level %d owner 0x%" PRIx64
			  ", want pt %d level %d owner 0x%" PRIx64,
			  gpa, level, hpa, pi.pt, pi.tdx_level, pi.owner, want_pt, want_level,
			  tdr_owner(c->td));
	if (pi.locked)
		violation(c, "tdxmod: PAMT entry of hpa 0x%" PRIx64 " left locked", hpa);
}

static void check_page(struct check_ctx *c, struct sept_page *sp, gpa_t base)
{
	for (int i = 0; i < PTRS_PER_PTE; i++) {
		u64 e = atomic_load(&sp->e[i]);
		gpa_t gpa = base + (u64)i * tdxmod_level_size(sp->level);
		enum tdx_sept_state s = septe_state(e);
		struct sept_page *child;

		if ((e & SEPTE_LOCK) && !c->collect)
			violation(c, "tdxmod: gpa 0x%" PRIx64 " level %d: entry lock held", gpa,
				  sp->level);
		if (s == TDX_SEPT_FREE)
			continue;
		if (septe_leaf(e)) {
			if (sp->level > 2 && !c->collect)
				violation(c, "tdxmod: gpa 0x%" PRIx64 " level %d: leaf above 1G",
					  gpa, sp->level);
			if (!c->collect)
				check_pamt(c, septe_pa(e), sp->level, PT_REG, gpa, sp->level);
			add_held(c, septe_pa(e), tdxmod_level_size(sp->level), gpa, sp->level);
			c->chldcnt += tdxmod_level_pages(sp->level);
			continue;
		}
		child = sept_child(sp, i);
		if (!child || child->hpa != septe_pa(e) || child->level != sp->level - 1) {
			if (c->collect)
				continue;
			violation(c,
				  "tdxmod: gpa 0x%" PRIx64 " level %d: non-leaf without its page",
				  gpa, sp->level);
			continue;
		}
		if (!c->collect)
			check_pamt(c, child->hpa, 0, PT_EPT, gpa, sp->level);
		add_held(c, child->hpa, PAGE_SIZE, gpa, sp->level);
		c->chldcnt++;
		check_page(c, child, gpa);
	}
}

static int held_cmp(const void *a, const void *b)
{
	const struct held *x = a, *y = b;

	return x->hpa < y->hpa ? -1 : x->hpa > y->hpa;
}

static bool is_held(struct check_ctx *c, hpa_t hpa)
{
	size_t lo = 0, hi = c->nr_held;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (c->held[mid].hpa + c->held[mid].size <= hpa)
			lo = mid + 1;
		else if (c->held[mid].hpa > hpa)
			hi = mid;
		else
			return true;
	}
	return false;
}

static void check_owned_entry(struct check_ctx *c, struct pamt_entry *e, hpa_t hpa, int level)
{
	enum tdx_pamt_pt pt = pamt_pt(e);

	if ((pt != PT_REG && pt != PT_EPT) || pamt_owner(e) != tdr_owner(c->td))
		return;
	if (!c->collect) {
		c->nr_owned++;
		c->owned_hash += pamt_key(hpa, level);
	} else if (!is_held(c, hpa))
		violation(c,
			  "tdxmod: hpa 0x%" PRIx64 " level %d: PAMT pt %d owned by the TD"
			  " but not in its S-EPT",
			  hpa, level, pt);
}

/* DPAMT counts, and pages the PAMT gives the TD that its S-EPT does not hold. */
static void check_regions(struct check_ctx *c)
{
	struct tdxmod *mod = c->td->mod;

	for (u64 r = 0; r < PAMT_NR_REGIONS; r++) {
		struct pamt_region *pr = atomic_load(&mod->regions[r]);
		hpa_t base = r << 30;

		if (!pr)
			continue;
		check_owned_entry(c, &pr->e1g, base, 2);
		for (int i = 0; i < PTRS_PER_PTE; i++) {
			hpa_t b2m = base + ((u64)i << 21);
			/* One load: the entries are either memory or one word. */
			u64 slot = pamt_4k_slot(pr, i);
			bool one_word = slot & PAMT_4K_IMPLICIT;
			struct pamt_entry *a = one_word ? NULL
							: (struct pamt_entry *)(uintptr_t)slot,
					  implicit;
			u32 used = 0;

			check_owned_entry(c, &pr->e2m[i], b2m, 1);
			/* 512 entries of one word: read as such, not made real. */
			if (one_word) {
				atomic_init(&implicit.word, slot & ~PAMT_4K_IMPLICIT);
				atomic_init(&implicit.bepoch, 0);
			}
			for (int j = 0; (a || one_word) && j < PTRS_PER_PTE; j++) {
				struct pamt_entry *e = a ? &a[j] : &implicit;

				if (pamt_pt(e) == PT_REG || pamt_pt(e) == PT_EPT)
					used++;
				check_owned_entry(c, e, b2m + ((u64)j << 12), 0);
			}
			if (!tdxmod_dpamt(mod) || c->collect)
				continue;
			if (pamt_pt(&pr->e2m[i]) == PT_PAMT) {
				if (pamt_region_page_count(pr, i) != used)
					violation(c,
						  "tdxmod: hpa 0x%" PRIx64 ": DPAMT page count %u,"
						  " %u pages in use",
						  b2m, pamt_region_page_count(pr, i), used);
			} else if (used) {
				violation(c,
					  "tdxmod: hpa 0x%" PRIx64 ": %u 4K pages in use"
					  " without a PAMT page pair",
					  b2m, used);
			}
		}
	}
}

int tdxmod_check(struct tdxmod_td *td, tdxmod_report_fn report, void *arg)
{
	struct check_ctx c = {.td = td, .report = report, .arg = arg};

	if (sharex_lock_held(&td->sept_lock))
		violation(&c, "tdxmod: S-EPT tree lock held");
	if (sharex_lock_held(&td->epoch_lock))
		violation(&c, "tdxmod: TD epoch lock held");
	if (sharex_lock_held(&td->op_state_lock))
		violation(&c, "tdxmod: op-state lock held");
	check_page(&c, td->root, 0);
	if (c.chldcnt != stat_counter_read(&td->chldcnt))
		violation(&c, "tdxmod: chldcnt %" PRIu64 ", S-EPT holds %" PRIu64,
			  stat_counter_read(&td->chldcnt), c.chldcnt);
	check_regions(&c);
	if (!c.violations && c.nr_held_pages == c.nr_owned && c.held_hash == c.owned_hash)
		return 0;

	/* Something is off: name double mappings and stray PAMT owners. */
	c.collect = true;
	add_held(&c, td->tdr_hpa, PAGE_SIZE, 0, -1);
	add_held(&c, td->root->hpa, PAGE_SIZE, 0, TDX_SEPT_MAX_LEVEL + 1);
	check_page(&c, td->root, 0);
	qsort(c.held, c.nr_held, sizeof(*c.held), held_cmp);
	for (size_t i = 1; i < c.nr_held; i++) {
		struct held *p = &c.held[i - 1], *n = &c.held[i];

		if (p->hpa + p->size > n->hpa)
			violation(&c,
				  "tdxmod: hpa 0x%" PRIx64 " mapped twice (gpa 0x%" PRIx64
				  " level %d and gpa 0x%" PRIx64 " level %d)",
				  n->hpa, p->gpa, p->level, n->gpa, n->level);
	}
	check_regions(&c);
	free(c.held);
	return c.violations;
}
