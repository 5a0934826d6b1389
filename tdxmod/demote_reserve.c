// SPDX-License-Identifier: GPL-2.0-only
/*
 * The model's storage for DEMOTE, made ahead.  The real module writes the
 * new S-EPT entries into the page the host hands it in R8; only the model
 * has to make storage for them.  (The 4K PAMT entries need none: the
 * model keeps a demoted page's as one word, pamt.c.)  Made inside
 * DEMOTE, that allocation and its zeroing ran under mmu_lock held for
 * write (a third of a split's hold time, docs/PERFORMANCE.md round 2).
 * The host glue tops this reserve up where it tops up its own page caches,
 * before the lock (tdxmod_demote_reserve_topup); DEMOTE takes from it and
 * makes its own only when it is empty (a raw SEAMCALL, a race between two
 * shared-lock splits).  Model memory only: no architectural effect.
 */
#include "tdxmod_internal.h"

static void *demote_sept_page_make(void)
{
	struct sept_page *sp = sept_page_alloc(0, 0);

	BASE_OOM_CHECK(sp, "an S-EPT page of the module model");
	return sp;
}

static void demote_sept_page_release(void *sp)
{
	sept_page_free(sp);
}

void demote_reserve_init(struct tdxmod_td *td)
{
	model_reserve_init(&td->demote_reserve);
}

void demote_reserve_destroy(struct tdxmod_td *td)
{
	model_reserve_destroy(&td->demote_reserve, demote_sept_page_release);
}

void tdxmod_demote_reserve_topup(struct tdxmod_td *td, unsigned int n)
{
	/* The module's PAMT 4K arrays, for calls under the same lock. */
	pamt_4k_reserve_topup(td->mod, n);
	model_reserve_topup(&td->demote_reserve, n, demote_sept_page_make);
}

struct sept_page *demote_reserve_sept_page(struct tdxmod_td *td, hpa_t hpa, int level)
{
	struct sept_page *sp = model_reserve_take(&td->demote_reserve);

	if (!sp)
		sp = demote_sept_page_make();
	sp->hpa = hpa;
	sp->level = level;
	return sp;
}
