// SPDX-License-Identifier: GPL-2.0-only
/*
 * A few objects of the model's own storage made ahead, outside the host's
 * locks, for calls that would otherwise make them under one (DEMOTE's
 * S-EPT page, demote_reserve.c; a 2M page's PAMT 4K array, pamt_reserve.c).
 * The count is read without the lock: the common top-up (full) writes
 * nothing.
 */
#include <stdlib.h>

#include "tdxmod_internal.h"

void model_reserve_init(struct model_reserve *r)
{
	short_mutex_init(&r->lock);
	atomic_init(&r->nr, 0);
}

void model_reserve_destroy(struct model_reserve *r, void (*release)(void *obj))
{
	for (unsigned int i = 0; i < atomic_load(&r->nr); i++)
		release(r->obj[i]);
	pthread_mutex_destroy(&r->lock);
}

void model_reserve_topup(struct model_reserve *r, unsigned int n, void *(*make)(void))
{
	if (n > MODEL_RESERVE_MAX)
		n = MODEL_RESERVE_MAX;
	if (atomic_load_explicit(&r->nr, memory_order_relaxed) >= n)
		return;
	pthread_mutex_lock(&r->lock);
	while (atomic_load(&r->nr) < n) {
		r->obj[atomic_load(&r->nr)] = make();
		atomic_fetch_add(&r->nr, 1);
	}
	pthread_mutex_unlock(&r->lock);
}

void *model_reserve_take(struct model_reserve *r)
{
	void *obj = NULL;

	if (!atomic_load_explicit(&r->nr, memory_order_relaxed))
		return NULL;
	pthread_mutex_lock(&r->lock);
	if (atomic_load(&r->nr))
		obj = r->obj[atomic_fetch_sub(&r->nr, 1) - 1];
	pthread_mutex_unlock(&r->lock);
	return obj;
}
