// SPDX-License-Identifier: GPL-2.0-only
/*
 * Zeroed PAMT 4K arrays made ahead, module-wide.  A 2M page's 4K entries
 * become memory the first time a call needs one of them: a 4K AUG or ADD
 * in a 2M range never used at 4K, or a BLOCK/REMOVE of a page whose
 * entries DEMOTE left implicit (pamt.c).  Those calls run under the host's
 * mmu_lock; allocated there, the array's zeroing (or, with an empty page
 * pool, its first-touch page faults) ran under the lock too: the write
 * hold of a scattered 4K conversion went from 13-16 to 34-47 us when
 * DEMOTE stopped writing the entries (docs/PERFORMANCE.md, round 2,
 * session 4).  The host glue tops this up before the lock, with DEMOTE's
 * reserve (tdxmod_demote_reserve_topup).  Model memory only.
 */
#include "tdxmod_internal.h"

static void *pamt_4k_array_make(void)
{
	struct pamt_entry *a = page_pool_alloc(PAMT_4K_ARRAY_PAGES);

	BASE_OOM_CHECK(a, "a PAMT_4K array of the module model");
	return a;
}

static void pamt_4k_array_release(void *a)
{
	page_pool_free(a, PAMT_4K_ARRAY_PAGES);
}

void pamt_4k_reserve_init(struct tdxmod *mod)
{
	model_reserve_init(&mod->pamt_4k_reserve);
}

void pamt_4k_reserve_destroy(struct tdxmod *mod)
{
	model_reserve_destroy(&mod->pamt_4k_reserve, pamt_4k_array_release);
}

void pamt_4k_reserve_topup(struct tdxmod *mod, unsigned int n)
{
	model_reserve_topup(&mod->pamt_4k_reserve, n, pamt_4k_array_make);
}

struct pamt_entry *pamt_4k_array_new(struct tdxmod *mod)
{
	struct pamt_entry *a = model_reserve_take(&mod->pamt_4k_reserve);

	/* Empty (a raw SEAMCALL, racing makers): made here. */
	return a ? a : pamt_4k_array_make();
}
