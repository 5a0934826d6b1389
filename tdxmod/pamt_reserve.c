// SPDX-License-Identifier: GPL-2.0-only
/*
 * Zeroed PAMT 4K arrays made ahead, module-wide.  A 2M page's 4K entries
 * become memory the first time a call needs one of them: a 4K AUG or ADD
 * in a 2M range never used at 4K, or a BLOCK/REMOVE of a page whose
 * entries DEMOTE left implicit (pamt.c).  Those calls run under the host's
 * mmu_lock; allocated there, the array's zeroing (or, with an empty page
 * pool, its first-touch page faults) ran under the lock too: the write
 * hold of a scattered 4K conversion went from 12-19 to 41-51 us when
 * DEMOTE stopped writing the entries (docs/PERFORMANCE.md, round 2,
 * session 4).  The host glue tops this up before the lock, with DEMOTE's
 * reserve (tdxmod_demote_reserve_topup).  Model memory only.
 */
#include <stdlib.h>

#include "tdxmod_internal.h"

void pamt_4k_reserve_init(struct tdxmod *mod)
{
	pthread_mutex_init(&mod->pamt_4k_reserve.lock, NULL);
}

void pamt_4k_reserve_destroy(struct tdxmod *mod)
{
	struct pamt_4k_reserve *r = &mod->pamt_4k_reserve;

	for (unsigned int i = 0; i < atomic_load(&r->nr); i++)
		page_pool_free(r->a[i], PAMT_4K_ARRAY_PAGES);
	pthread_mutex_destroy(&r->lock);
}

void pamt_4k_reserve_topup(struct tdxmod *mod, unsigned int n)
{
	struct pamt_4k_reserve *r = &mod->pamt_4k_reserve;

	if (n > PAMT_4K_RESERVE_MAX)
		n = PAMT_4K_RESERVE_MAX;
	/* The common case, every fault: full, nothing written. */
	if (atomic_load_explicit(&r->nr, memory_order_relaxed) >= n)
		return;
	pthread_mutex_lock(&r->lock);
	while (atomic_load(&r->nr) < n) {
		struct pamt_entry *a = page_pool_alloc(PAMT_4K_ARRAY_PAGES);

		BASE_OOM_CHECK(a, "a PAMT_4K array of the module model");
		r->a[atomic_load(&r->nr)] = a;
		atomic_fetch_add(&r->nr, 1);
	}
	pthread_mutex_unlock(&r->lock);
}

struct pamt_entry *pamt_4k_array_new(struct tdxmod *mod)
{
	struct pamt_4k_reserve *r = &mod->pamt_4k_reserve;
	struct pamt_entry *a = NULL;

	if (atomic_load_explicit(&r->nr, memory_order_relaxed)) {
		pthread_mutex_lock(&r->lock);
		if (atomic_load(&r->nr))
			a = r->a[atomic_fetch_sub(&r->nr, 1) - 1];
		pthread_mutex_unlock(&r->lock);
	}
	if (!a) {
		/* Empty (a raw SEAMCALL, racing makers): made here. */
		a = page_pool_alloc(PAMT_4K_ARRAY_PAGES);
		BASE_OOM_CHECK(a, "a PAMT_4K array of the module model");
	}
	return a;
}
