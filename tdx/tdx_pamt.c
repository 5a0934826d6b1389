// SPDX-License-Identifier: GPL-2.0-only
/*
 * Dynamic PAMT: the PAMT_4K level is populated per 2M region, on demand,
 * with a pair of 4K pages (TDH.PHYMEM.PAMT.ADD/REMOVE).  The glue keeps a
 * refcount per 2M region of host memory: 0->1 installs the pair, 1->0
 * removes it; a 2M DEMOTE installs a pair itself and starts the region at
 * 512.  Pairs come from caches filled outside mmu_lock
 * (tdx_pamt_cache.c), so the locked sections never allocate.
 */
#include <errno.h>
#include <stdlib.h>

#include "tdx_internal.h"

#define PAMT_2M_MASK (~(level_size(PG_LEVEL_2M) - 1))

void tdx_pamt_init(struct kvm_tdx *kvm_tdx)
{
	short_mutex_init(&kvm_tdx->pamt_lock);
	tdx_pamt_caches_init(kvm_tdx);
}

static struct tdx_pamt_ref **pamt_bucket(struct kvm_tdx *kvm_tdx, hpa_t hpa2m)
{
	return &kvm_tdx->pamt_hash[(hpa2m >> 21) % TDX_PAMT_HASH_BUCKETS];
}

static struct tdx_pamt_ref *pamt_ref_find(struct kvm_tdx *kvm_tdx, hpa_t hpa2m, bool create)
{
	struct tdx_pamt_ref **b = pamt_bucket(kvm_tdx, hpa2m), *r;

	for (r = *b; r; r = r->next)
		if (r->hpa2m == hpa2m)
			return r;
	if (!create)
		return NULL;
	r = calloc(1, sizeof(*r));
	if (!r)
		return NULL;
	r->hpa2m = hpa2m;
	r->next = *b;
	*b = r;
	return r;
}

/* ---- refcounts ---- */

int tdx_pamt_get(struct kvm_tdx *kvm_tdx, hpa_t hpa)
{
	hpa_t hpa2m = hpa & PAMT_2M_MASK;
	struct tdx_module_args args;
	struct tdx_pamt_ref *ref;
	struct tdx_sept_op op = {.leaf = TDH_PHYMEM_PAMT_ADD};
	hpa_t pair[2];
	u64 err;
	int r;

	if (!kvm_tdx->dpamt)
		return 0;

	mutex_lock_yield(&kvm_tdx->pamt_lock, "pamt_lock");
	ref = pamt_ref_find(kvm_tdx, hpa2m, true);
	if (!ref) {
		r = -ENOMEM;
		goto out;
	}
	if (ref->refcount++) {
		r = 0;
		goto out;
	}
	r = tdx_pamt_pair_get(kvm_tdx, pair);
	if (r) {
		ref->refcount = 0;
		goto out;
	}
	args = (struct tdx_module_args){.rcx = hpa2m | 1, .rdx = pair[0], .r8 = pair[1]};
	err = tdx_seamcall(kvm_tdx, TDH_PHYMEM_PAMT_ADD, &args);
	if (unlikely(err)) {
		ref->refcount = 0;
		tdx_pamt_pair_put(kvm_tdx, pair);
		r = tdx_handle_sept_error(kvm_tdx, &op, err);
		goto out;
	}
	ref->pair[0] = pair[0];
	ref->pair[1] = pair[1];
	counter_inc(&kvm_tdx->pamt_pairs);
out:
	pthread_mutex_unlock(&kvm_tdx->pamt_lock);
	return r;
}

static bool pamt_pair_is(const struct tdx_pamt_ref *ref, hpa_t a, hpa_t b)
{
	return a != b && (a == ref->pair[0] || a == ref->pair[1]) &&
	       (b == ref->pair[0] || b == ref->pair[1]);
}

void tdx_pamt_put(struct kvm_tdx *kvm_tdx, hpa_t hpa)
{
	hpa_t hpa2m = hpa & PAMT_2M_MASK;
	struct tdx_module_args args = {.rcx = hpa2m | 1};
	struct tdx_sept_op op = {.leaf = TDH_PHYMEM_PAMT_REMOVE};
	struct tdx_pamt_ref *ref;
	u64 err;

	if (!kvm_tdx->dpamt)
		return;

	mutex_lock_yield(&kvm_tdx->pamt_lock, "pamt_lock");
	ref = pamt_ref_find(kvm_tdx, hpa2m, false);
	if (!ref || !ref->refcount) {
		/* A put without a get: the glue's bookkeeping is off. */
		counter_inc(&kvm_tdx->errors);
		goto out;
	}
	if (--ref->refcount)
		goto out;
	err = tdx_seamcall(kvm_tdx, TDH_PHYMEM_PAMT_REMOVE, &args);
	if (unlikely(err)) {
		/* The pair stays installed; keep owning it (freed at teardown). */
		ref->refcount = 1;
		tdx_handle_sept_error(kvm_tdx, &op, err);
		goto out;
	}
	/*
	 * Free only the pair we installed.  A module that claims success but
	 * hands back other pages (an injected status leaves the registers as
	 * they were) must not make us free pages we do not own: keep owning
	 * ours (freed at teardown) and count the error.
	 */
	if (!pamt_pair_is(ref, args.rdx, args.r8)) {
		ref->refcount = 1;
		counter_inc(&kvm_tdx->errors);
		goto out;
	}
	frame_free(kvm_tdx->fa, args.rdx, PAGE_SIZE);
	frame_free(kvm_tdx->fa, args.r8, PAGE_SIZE);
	ref->pair[0] = ref->pair[1] = 0;
	atomic_fetch_sub(&kvm_tdx->pamt_pairs, 1);
out:
	pthread_mutex_unlock(&kvm_tdx->pamt_lock);
}

void tdx_pamt_demoted(struct kvm_tdx *kvm_tdx, hpa_t hpa2m, const hpa_t pair[2])
{
	struct tdx_pamt_ref *ref;

	mutex_lock_yield(&kvm_tdx->pamt_lock, "pamt_lock");
	ref = pamt_ref_find(kvm_tdx, hpa2m, true);
	/*
	 * A mapped 2M page's region cannot have had a pair (AUG needs it
	 * NDA), so the module accepted this one only if the count was 0.
	 */
	if (!ref || ref->refcount) {
		counter_inc(&kvm_tdx->errors);
		if (ref)
			ref->refcount += PTRS_PER_PTE;
		goto out;
	}
	ref->refcount = PTRS_PER_PTE;
	ref->pair[0] = pair[0];
	ref->pair[1] = pair[1];
	counter_inc(&kvm_tdx->pamt_pairs);
out:
	pthread_mutex_unlock(&kvm_tdx->pamt_lock);
}

void tdx_pamt_promoted(struct kvm_tdx *kvm_tdx, hpa_t hpa2m, const hpa_t pair[2])
{
	struct tdx_pamt_ref *ref;

	mutex_lock_yield(&kvm_tdx->pamt_lock, "pamt_lock");
	ref = pamt_ref_find(kvm_tdx, hpa2m, false);
	/* Its 512 PAMT_4K users merged into one 2M page: the pair is free. */
	if (!ref || ref->refcount != PTRS_PER_PTE || ref->pair[0] != pair[0] ||
	    ref->pair[1] != pair[1])
		counter_inc(&kvm_tdx->errors);
	if (ref && ref->refcount) {
		ref->refcount = 0;
		ref->pair[0] = ref->pair[1] = 0;
		atomic_fetch_sub(&kvm_tdx->pamt_pairs, 1);
	}
	pthread_mutex_unlock(&kvm_tdx->pamt_lock);
	tdx_pamt_pair_put(kvm_tdx, pair);
}

void tdx_pamt_teardown(struct kvm_tdx *kvm_tdx)
{
	size_t i;

	/* The module is gone: pairs still installed are plain frames again. */
	for (i = 0; i < TDX_PAMT_HASH_BUCKETS; i++) {
		struct tdx_pamt_ref *r = kvm_tdx->pamt_hash[i], *next;

		for (; r; r = next) {
			next = r->next;
			if (r->refcount) {
				frame_free(kvm_tdx->fa, r->pair[0], PAGE_SIZE);
				frame_free(kvm_tdx->fa, r->pair[1], PAGE_SIZE);
			}
			free(r);
		}
		kvm_tdx->pamt_hash[i] = NULL;
	}
	tdx_pamt_caches_teardown(kvm_tdx);
	pthread_mutex_destroy(&kvm_tdx->pamt_lock);
}
