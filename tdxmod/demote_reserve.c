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
#include <stdlib.h>

#include "tdxmod_internal.h"

void demote_reserve_init(struct tdxmod_td *td)
{
	pthread_mutex_init(&td->demote_reserve.lock, NULL);
}

void demote_reserve_destroy(struct tdxmod_td *td)
{
	struct demote_reserve *r = &td->demote_reserve;

	for (unsigned int i = 0; i < atomic_load(&r->nr_sept); i++)
		sept_page_free(r->sept[i]);
	pthread_mutex_destroy(&r->lock);
}

void tdxmod_demote_reserve_topup(struct tdxmod_td *td, unsigned int n)
{
	struct demote_reserve *r = &td->demote_reserve;

	/* The module's PAMT 4K arrays, for calls under the same lock. */
	pamt_4k_reserve_topup(td->mod, n);
	if (n > DEMOTE_RESERVE_MAX)
		n = DEMOTE_RESERVE_MAX;
	/* The common case, every fault: full, nothing written. */
	if (atomic_load_explicit(&r->nr_sept, memory_order_relaxed) >= n)
		return;
	pthread_mutex_lock(&r->lock);
	while (atomic_load(&r->nr_sept) < n) {
		struct sept_page *sp = sept_page_alloc(0, 0);

		BASE_OOM_CHECK(sp, "an S-EPT page of the module model");
		r->sept[atomic_load(&r->nr_sept)] = sp;
		atomic_fetch_add(&r->nr_sept, 1);
	}
	pthread_mutex_unlock(&r->lock);
}

struct sept_page *demote_reserve_sept_page(struct tdxmod_td *td, hpa_t hpa, int level)
{
	struct demote_reserve *r = &td->demote_reserve;
	struct sept_page *sp = NULL;

	if (atomic_load_explicit(&r->nr_sept, memory_order_relaxed)) {
		pthread_mutex_lock(&r->lock);
		if (atomic_load(&r->nr_sept))
			sp = r->sept[atomic_fetch_sub(&r->nr_sept, 1) - 1];
		pthread_mutex_unlock(&r->lock);
	}
	if (!sp) {
		sp = sept_page_alloc(hpa, level);
		BASE_OOM_CHECK(sp, "an S-EPT page of the module model");
	}
	sp->hpa = hpa;
	sp->level = level;
	return sp;
}
