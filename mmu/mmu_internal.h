/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Private state of the MMU (KVM's mmu_internal.h / tdp_mmu.h roles).
 */
#ifndef TDPMMU_MMU_INTERNAL_H
#define TDPMMU_MMU_INTERNAL_H

#include <errno.h>

#if defined(__SANITIZE_THREAD__)
#define TDPMMU_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define TDPMMU_TSAN 1
#endif
#endif
/*
 * liburcu's read side inlined (its _LGPL_SOURCE): a store to the thread's
 * reader counter instead of two calls into the library, each through
 * __tls_get_addr, on every fault.  Not under ThreadSanitizer: there the
 * library's code must stay the uninstrumented library's (mmu.c's
 * suppression names liburcu.so).
 */
#ifndef TDPMMU_TSAN
#define _LGPL_SOURCE
#endif
#include <urcu.h>

#include "tdpmmu/mmu.h"
#include "tdpmmu/spte.h"
#include "tdp_iter.h"

/* One page table: the header KVM keeps in struct kvm_mmu_page. */
struct kvm_mmu_page {
	u64 *spt; /* 512 SPTEs */
	gfn_t gfn; /* first GFN mapped, no shared bit */
	int level; /* level of the entries in spt */
	bool is_mirror;
	bool is_root;
	/*
	 * Mirror pages: the external page handed to the external table for
	 * this table (0 for the root, whose external page is the implementer's).
	 */
	hpa_t external_spt;
	struct kvm_mmu *mmu; /* for the RCU callback */
	struct rcu_head rcu_head;
};
/* It lives in its page's owner area (tdp_mmu_sp.c). */
_Static_assert(sizeof(struct kvm_mmu_page) <= PAGE_OWNER_BYTES, "the header fits its page's slot");

/* Pages for one fault, filled without mmu_lock (kvm_mmu_memory_cache). */
#define KVM_MMU_CACHE_MIN PT64_ROOT_4LEVEL
struct kvm_mmu_memory_cache {
	struct kvm_mmu_page *sp[KVM_MMU_CACHE_MIN];
	int nr_sp;
	hpa_t external[KVM_MMU_CACHE_MIN];
	int nr_external;
	pthread_t owner;
	struct kvm_mmu_memory_cache *next;
};

/* lpage_info.disallow_lpage flag bits; the low bits count other reasons. */
#define KVM_LPAGE_MIXED_FLAG (1U << 31)
#define KVM_LPAGE_GUEST_INHIBIT_FLAG (1U << 30)

struct kvm_mmu {
	u64 id; /* unique, tags the thread-local cache pointer */
	struct frame_allocator *fa;
	const struct kvm_external_ops *ops;
	void *opaque;
	gfn_t nr_gfns;
	struct rwlock mmu_lock;
	atomic_bool vm_bugged;
	/* Its cause: written once by the claimer, readable once recorded. */
	atomic_bool bug_claimed, bug_recorded;
	struct kvm_mmu_bug_info bug;
	/* Set by destroy: hook failures no longer restore (teardown must finish). */
	bool tearing_down;

	struct kvm_mmu_page *mirror_root; /* NULL without ops */
	struct kvm_mmu_page *direct_root;

	pthread_mutex_t cache_lock;
	struct kvm_mmu_memory_cache *caches;

	/* mmu_invalidate_*: range fields written under the write lock. */
	atomic_ullong invalidate_seq;
	atomic_long invalidate_in_progress;
	gfn_t invalidate_range_start, invalidate_range_end;

	/* lpage_info[0] for 2M, [1] for 1G. */
	atomic_uint *lpage_info[2];
	u64 nr_lpage[2];

	/* kvm_flush_remote_tlbs: the VM's, for the direct root (mmu_tlb.c). */
	void (*flush_remote_tlbs)(void *opaque);
	void *flush_remote_tlbs_opaque;

	/* statistics */
	atomic_ullong remote_tlb_flushes;
	atomic_ullong warn_huge_leaf_above_level; /* WARN-class: see tdp_mmu_fault.c */
	atomic_ullong splits;
	atomic_ullong promotes, promote_tries;
	struct stat_counter faults; /* sharded: every fault of every thread */
	atomic_ullong mirror_pt_pages, direct_pt_pages;
	atomic_ullong external_pages, external_leaked;
	struct stat_counter mirror_mappings[PG_LEVEL_512G + 1];
	struct stat_counter direct_mappings[PG_LEVEL_512G + 1];
};

/*
 * Call the external page table hook @func (struct kvm_external_ops) with the
 * MMU's opaque first, as the kernel's kvm_x86_call(func)(...) does through
 * static calls.
 */
#define kvm_x86_call(mmu, func, ...) ((mmu)->ops->func((mmu)->opaque, ##__VA_ARGS__))

/*
 * RCU read sections of the MMU.  ThreadSanitizer cannot see the ordering
 * liburcu's grace period gives (the library is not instrumented), so under
 * TSan each read-side exit releases, and each RCU free callback acquires,
 * one sync object: every reader that left before the callback ran
 * happens-before the free.
 */
#ifdef TDPMMU_TSAN
void __tsan_acquire(void *addr);
void __tsan_release(void *addr);
extern char kvm_mmu_rcu_tsan_sync;
#endif

static inline void kvm_mmu_rcu_read_lock(void)
{
	rcu_read_lock();
}

static inline void kvm_mmu_rcu_read_unlock(void)
{
#ifdef TDPMMU_TSAN
	__tsan_release(&kvm_mmu_rcu_tsan_sync);
#endif
	rcu_read_unlock();
}

/* Around call_rcu: the queueing thread's writes happen-before the free. */
static inline void kvm_mmu_rcu_free_queue(void *obj)
{
#ifdef TDPMMU_TSAN
	__tsan_release(obj);
#else
	(void)obj;
#endif
}

static inline void kvm_mmu_rcu_free_begin(void *obj)
{
#ifdef TDPMMU_TSAN
	__tsan_acquire(obj);
	__tsan_acquire(&kvm_mmu_rcu_tsan_sync);
#else
	(void)obj;
#endif
}

/*
 * A free callback's last use of its MMU happens-before rcu_barrier()
 * returns in kvm_mmu_destroy, which then frees the MMU: liburcu's own
 * hand-off is invisible to TSan, so say it.
 */
static inline void kvm_mmu_rcu_free_end(struct kvm_mmu *mmu)
{
#ifdef TDPMMU_TSAN
	__tsan_release(mmu);
#else
	(void)mmu;
#endif
}

static inline void kvm_mmu_rcu_barrier_done(struct kvm_mmu *mmu)
{
#ifdef TDPMMU_TSAN
	__tsan_acquire(mmu);
#else
	(void)mmu;
#endif
}

static inline struct kvm_mmu_page *tdp_mmu_root(struct kvm_mmu *mmu, bool private)
{
	return private && mmu->mirror_root ? mmu->mirror_root : mmu->direct_root;
}

#define for_each_tdp_pte_root(iter, root, min_level, start, end) \
	for_each_tdp_pte_min_level (iter, (root)->spt, (root)->level, min_level, start, end)

/* KVM_BUG_ON: mark the VM bugged if @cond; the caller returns -EIO. */
#define KVM_MMU_BUG_ON(mmu, cond) __kvm_mmu_bug_on(mmu, !!(cond), __func__, "KVM_BUG_ON(" #cond ")")
static inline bool __kvm_mmu_bug_on(struct kvm_mmu *mmu, bool cond, const char *func,
				    const char *what)
{
	if (unlikely(cond))
		__kvm_mmu_vm_bugged(mmu, func, what, 0, 0);
	return cond;
}

/* tdp_mmu_sp.c: page-table page allocation, lookup, freeing */
struct kvm_mmu_page *tdp_mmu_alloc_sp(struct kvm_mmu *mmu, bool mirror);
struct kvm_mmu_page *__tdp_mmu_alloc_sp(struct kvm_mmu *mmu, bool mirror, bool fill);
void tdp_mmu_free_sp(struct kvm_mmu_page *sp);
void tdp_mmu_free_sp_rcu(struct kvm_mmu_page *sp);
struct kvm_mmu_page *sptep_to_sp(struct kvm_mmu *mmu, u64 *spt);
void tdp_mmu_init_child_sp(struct kvm_mmu_page *sp, bool mirror, gfn_t gfn, int level);
void tdp_account_mmu_page(struct kvm_mmu *mmu, struct kvm_mmu_page *sp);
void tdp_unaccount_mmu_page(struct kvm_mmu *mmu, struct kvm_mmu_page *sp);

/* mmu_cache.c: per-thread caches for the fault path */
struct kvm_mmu_memory_cache *kvm_mmu_thread_cache(struct kvm_mmu *mmu);
struct kvm_mmu_page *kvm_mmu_cache_alloc_sp(struct kvm_mmu *mmu, bool mirror);
void kvm_mmu_free_caches(struct kvm_mmu *mmu);

/* tdp_mmu.c: SPTE updates */
int tdp_mmu_set_spte_atomic(struct kvm_mmu *mmu, struct kvm_mmu_page *root, struct tdp_iter *iter,
			    u64 new_spte);
int tdp_mmu_set_spte(struct kvm_mmu *mmu, bool mirror, u64 *sptep, u64 old_spte, u64 new_spte,
		     gfn_t gfn, int level);
int tdp_mmu_iter_set_spte(struct kvm_mmu *mmu, struct kvm_mmu_page *root, struct tdp_iter *iter,
			  u64 new_spte);
int tdp_mmu_link_sp(struct kvm_mmu *mmu, struct kvm_mmu_page *root, struct tdp_iter *iter,
		    struct kvm_mmu_page *sp, bool shared);
/* @filled: sp's entries were already made from this leaf (tdp_mmu_split.c). */
int tdp_mmu_split_huge_page(struct kvm_mmu *mmu, struct kvm_mmu_page *root, struct tdp_iter *iter,
			    struct kvm_mmu_page *sp, bool shared, bool filled);
/*
 * End of an operation that may have removed external leaves: let a
 * batching external table finish them (ops->flush_external).  Exclusive
 * mmu_lock.  0, or -EIO with the VM bugged.
 */
int tdp_mmu_flush_external(struct kvm_mmu *mmu);

/*
 * mmu_tlb.c: make every vCPU drop its cached direct-root translations
 * (KVM's kvm_flush_remote_tlbs), after a direct-root change that takes a
 * translation away.  mmu_lock held.
 */
void kvm_flush_remote_tlbs(struct kvm_mmu *mmu);

/* tdp_mmu_zap.c */
void tdp_mmu_zap_root(struct kvm_mmu *mmu, struct kvm_mmu_page *root);

/* tdp_mmu_fault.c */
int kvm_tdp_mmu_map(struct kvm_mmu *mmu, struct kvm_page_fault *fault);

#endif /* TDPMMU_MMU_INTERNAL_H */
