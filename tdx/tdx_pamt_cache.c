// SPDX-License-Identifier: GPL-2.0-only
/*
 * The Dynamic PAMT page caches, as the kernel keeps them: one per vCPU,
 * topped up by the fault path before it takes mmu_lock (the vCPU's
 * kvm_mmu_topup_memory_caches), and one per VM for the host-side paths
 * (conversion, punch, host split, TD build, raw SEAMCALLs), topped up with
 * the lock dropped.  A locked section never allocates: it takes pages
 * from the cache of whoever runs it, and an empty cache fails with
 * -ENOBUFS so the caller drops out, tops up and retries.
 *
 * Which cache: the vCPU the calling thread runs (tdx_vcpu_load, the role
 * of kvm_get_running_vcpu()), else the VM's.
 */
#include <errno.h>
#include <stdlib.h>

#include "tdx_internal.h"

static _Thread_local struct tdx_running_vcpu running = {.vcpu = -1};

struct tdx_running_vcpu tdx_vcpu_load(struct kvm_tdx *kvm_tdx, int vcpu)
{
	struct tdx_running_vcpu prev = running;

	running = (struct tdx_running_vcpu){.kvm_tdx = kvm_tdx, .vcpu = vcpu};
	return prev;
}

void tdx_vcpu_put(struct tdx_running_vcpu prev)
{
	running = prev;
}

static struct tdx_pamt_cache *pamt_cache_of(struct kvm_tdx *kvm_tdx, int vcpu)
{
	if (vcpu >= 0 && vcpu < kvm_tdx->nr_vcpu_pamt_caches)
		return &kvm_tdx->vcpu_pamt_cache[vcpu];
	return &kvm_tdx->pamt_cache;
}

static struct tdx_pamt_cache *current_pamt_cache(struct kvm_tdx *kvm_tdx)
{
	return pamt_cache_of(kvm_tdx, running.kvm_tdx == kvm_tdx ? running.vcpu : -1);
}

static void pamt_cache_init(struct tdx_pamt_cache *c)
{
	short_mutex_init(&c->lock);
	c->pages = NULL;
	c->nr = c->cap = 0;
}

void tdx_pamt_caches_init(struct kvm_tdx *kvm_tdx)
{
	int n = kvm_tdx->cfg.module.nr_vcpus;

	pamt_cache_init(&kvm_tdx->pamt_cache);
	/* Without per-vCPU caches (calloc failed) the VM's serves all. */
	kvm_tdx->vcpu_pamt_cache = n > 0 ? calloc(n, sizeof(*kvm_tdx->vcpu_pamt_cache)) : NULL;
	kvm_tdx->nr_vcpu_pamt_caches = kvm_tdx->vcpu_pamt_cache ? n : 0;
	for (int i = 0; i < kvm_tdx->nr_vcpu_pamt_caches; i++)
		pamt_cache_init(&kvm_tdx->vcpu_pamt_cache[i]);
}

static void pamt_cache_destroy(struct kvm_tdx *kvm_tdx, struct tdx_pamt_cache *c)
{
	for (size_t i = 0; i < c->nr; i++)
		frame_free(kvm_tdx->fa, c->pages[i], PAGE_SIZE);
	free(c->pages);
	c->pages = NULL;
	c->nr = c->cap = 0;
	pthread_mutex_destroy(&c->lock);
}

void tdx_pamt_caches_teardown(struct kvm_tdx *kvm_tdx)
{
	pamt_cache_destroy(kvm_tdx, &kvm_tdx->pamt_cache);
	for (int i = 0; i < kvm_tdx->nr_vcpu_pamt_caches; i++)
		pamt_cache_destroy(kvm_tdx, &kvm_tdx->vcpu_pamt_cache[i]);
	free(kvm_tdx->vcpu_pamt_cache);
	kvm_tdx->vcpu_pamt_cache = NULL;
	kvm_tdx->nr_vcpu_pamt_caches = 0;
}

/* Room for @want pages, reserved outside any locked section. */
static int pamt_cache_reserve(struct tdx_pamt_cache *c, size_t want)
{
	size_t cap = c->cap ? c->cap : 16;
	hpa_t *p;

	if (want <= c->cap)
		return 0;
	while (cap < want)
		cap *= 2;
	p = realloc(c->pages, cap * sizeof(*p));
	if (!p)
		return -ENOMEM;
	c->pages = p;
	c->cap = cap;
	return 0;
}

int tdx_pamt_pair_get(struct kvm_tdx *kvm_tdx, hpa_t pair[2])
{
	struct tdx_pamt_cache *c = current_pamt_cache(kvm_tdx);

	pthread_mutex_lock(&c->lock);
	if (c->nr < 2) {
		pthread_mutex_unlock(&c->lock);
		counter_inc(&kvm_tdx->pamt_cache_empty);
		return -ENOBUFS;
	}
	pair[0] = c->pages[--c->nr];
	pair[1] = c->pages[--c->nr];
	pthread_mutex_unlock(&c->lock);
	return 0;
}

void tdx_pamt_pair_put(struct kvm_tdx *kvm_tdx, const hpa_t pair[2])
{
	struct tdx_pamt_cache *c = current_pamt_cache(kvm_tdx);

	pthread_mutex_lock(&c->lock);
	for (int i = 0; i < 2; i++) {
		/* The pair came from this cache: the room is there, unless a
		 * top-up of another size raced; then the page goes back. */
		if (c->nr < c->cap)
			c->pages[c->nr++] = pair[i];
		else
			frame_free(kvm_tdx->fa, pair[i], PAGE_SIZE);
	}
	pthread_mutex_unlock(&c->lock);
}

int tdx_topup_external_cache(void *opaque, int nr_ops)
{
	struct kvm_tdx *kvm_tdx = opaque;
	struct tdx_pamt_cache *c = current_pamt_cache(kvm_tdx);
	/* Up to two pairs per operation: a split needs R8's and DEMOTE's. */
	size_t want = 4 * (size_t)(nr_ops > 0 ? nr_ops : 1);
	int r;

	/*
	 * The module model's storage for a split's DEMOTE (one per fault with
	 * split_lock=shared, one per split otherwise; two for a second vCPU's):
	 * made here, before mmu_lock, not inside DEMOTE under it.
	 */
	if (kvm_tdx->td)
		tdxmod_demote_reserve_topup(kvm_tdx->td, 2);
	if (!kvm_tdx->dpamt)
		return 0;

	pthread_mutex_lock(&c->lock);
	r = pamt_cache_reserve(c, want);
	while (!r && c->nr < want) {
		hpa_t hpa;

		r = frame_alloc(kvm_tdx->fa, PG_LEVEL_4K, &hpa);
		if (!r)
			c->pages[c->nr++] = hpa;
	}
	pthread_mutex_unlock(&c->lock);
	return r;
}

int tdx_topup_pamt_cache(struct kvm_tdx *kvm_tdx, int nr_ops)
{
	return tdx_topup_external_cache(kvm_tdx, nr_ops);
}

u64 tdx_pamt_cached_pages(struct kvm_tdx *kvm_tdx, int vcpu)
{
	struct tdx_pamt_cache *c = pamt_cache_of(kvm_tdx, vcpu);
	u64 n;

	pthread_mutex_lock(&c->lock);
	n = c->nr;
	pthread_mutex_unlock(&c->lock);
	return n;
}
