// SPDX-License-Identifier: GPL-2.0-only
/*
 * Memory caches for the fault path (KVM's per-vCPU mmu_page_header_cache,
 * mmu_shadow_page_cache and mmu_external_spt_cache).  The fault path runs
 * under the shared mmu_lock and must not allocate, so the pages it may
 * need are taken here first, without the lock.  Here a cache belongs to a
 * thread (one per vCPU thread), found through a thread-local pointer
 * tagged with the MMU's unique id.
 */
#include <stdlib.h>

#include "mmu_internal.h"

static _Thread_local struct {
	u64 mmu_id;
	struct kvm_mmu_memory_cache *cache;
} tls_cache;

struct kvm_mmu_memory_cache *kvm_mmu_thread_cache(struct kvm_mmu *mmu)
{
	struct kvm_mmu_memory_cache *c;
	pthread_t self;

	if (tls_cache.mmu_id == mmu->id && tls_cache.cache)
		return tls_cache.cache;

	self = pthread_self();
	pthread_mutex_lock(&mmu->cache_lock);
	for (c = mmu->caches; c; c = c->next)
		if (pthread_equal(c->owner, self))
			break;
	if (!c) {
		c = calloc(1, sizeof(*c));
		if (c) {
			c->owner = self;
			c->next = mmu->caches;
			mmu->caches = c;
		}
	}
	pthread_mutex_unlock(&mmu->cache_lock);
	if (c) {
		tls_cache.mmu_id = mmu->id;
		tls_cache.cache = c;
	}
	return c;
}

int kvm_mmu_topup_memory_caches(struct kvm_mmu *mmu)
{
	struct kvm_mmu_memory_cache *c = kvm_mmu_thread_cache(mmu);
	bool mirror = mmu->mirror_root != NULL;

	if (!c)
		return -ENOMEM;
	while (c->nr_sp < KVM_MMU_CACHE_MIN) {
		struct kvm_mmu_page *sp = tdp_mmu_alloc_sp(mmu, false);

		if (!sp)
			return -ENOMEM;
		c->sp[c->nr_sp++] = sp;
	}
	while (mirror && c->nr_external < KVM_MMU_CACHE_MIN) {
		if (frame_alloc(mmu->fa, PG_LEVEL_4K, &c->external[c->nr_external]))
			return -ENOMEM;
		c->nr_external++;
	}
	/* One link per level below the root plus the leaf itself. */
	if (mirror && mmu->ops->topup_external_cache)
		return kvm_x86_call(mmu, topup_external_cache, PT64_ROOT_4LEVEL);
	return 0;
}

/* A page table (and for mirror its external page) from this thread's cache. */
struct kvm_mmu_page *kvm_mmu_cache_alloc_sp(struct kvm_mmu *mmu, bool mirror)
{
	struct kvm_mmu_memory_cache *c = kvm_mmu_thread_cache(mmu);
	struct kvm_mmu_page *sp;

	if (!c || !c->nr_sp || (mirror && !c->nr_external))
		return NULL;
	sp = c->sp[--c->nr_sp];
	if (mirror) {
		sp->is_mirror = true;
		sp->external_spt = c->external[--c->nr_external];
	}
	return sp;
}

void kvm_mmu_free_caches(struct kvm_mmu *mmu)
{
	struct kvm_mmu_memory_cache *c, *next;

	pthread_mutex_lock(&mmu->cache_lock);
	for (c = mmu->caches; c; c = next) {
		next = c->next;
		while (c->nr_sp)
			tdp_mmu_free_sp(c->sp[--c->nr_sp]);
		while (c->nr_external)
			frame_free(mmu->fa, c->external[--c->nr_external], PAGE_SIZE);
		free(c);
	}
	mmu->caches = NULL;
	pthread_mutex_unlock(&mmu->cache_lock);
}

/* External pages waiting in the per-thread caches (checker's frame balance). */
u64 kvm_mmu_cached_external_pages(struct kvm_mmu *mmu)
{
	struct kvm_mmu_memory_cache *c;
	u64 n = 0;

	pthread_mutex_lock(&mmu->cache_lock);
	for (c = mmu->caches; c; c = c->next)
		n += c->nr_external;
	pthread_mutex_unlock(&mmu->cache_lock);
	return n;
}
