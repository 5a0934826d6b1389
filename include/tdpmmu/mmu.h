/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * mmu/: KVM's TDP MMU for one VM with one memslot [0, nr_gfns).
 *
 * With an external hook table the MMU has two 4-level roots: a mirror root
 * for private GFNs (every change is propagated to the external table through
 * the hooks) and a direct root for shared GFNs.  Without one, only a direct
 * root.  GFNs never carry a shared bit: the root is chosen by @private.
 *
 * Locking (KVM's mmu_lock, an rwlock with holder assertions):
 *  - the fault path takes it for read itself;
 *  - zaps, splits, invalidate begin/end, set_mixed and set_guest_inhibit
 *    need it held for write by the caller;
 *  - inspection needs it held (read or write) by the caller.
 *
 * RCU: every thread that calls into the MMU must have called
 * kvm_mmu_register_thread() (liburcu's rcu_register_thread()) first and
 * kvm_mmu_unregister_thread() before it exits.  The thread that calls
 * kvm_mmu_destroy() must be registered too.
 *
 * Errors: 0 or a negative errno.  A VM the MMU marked bugged (a hook
 * returned -EIO, or an unsupported mirror transition) makes every later
 * fault, zap and split return -EIO (KVM_BUG_ON's contained effect); the
 * process never aborts.  Inspection keeps working.
 */
#ifndef TDPMMU_MMU_H
#define TDPMMU_MMU_H

#include "tdpmmu/base.h"
#include "tdpmmu/external_ops.h"

/* Largest mapping the MMU makes (KVM_MAX_HUGEPAGE_LEVEL). */
#define KVM_MAX_HUGEPAGE_LEVEL PG_LEVEL_1G

/* Fault results (KVM's RET_PF_*); errors are negative errnos. */
enum {
	RET_PF_CONTINUE = 0,
	RET_PF_RETRY = 1,
	RET_PF_FIXED = 5,
	RET_PF_SPURIOUS = 6,
};

struct kvm_mmu;

/* liburcu registration of the calling thread (see above). */
void kvm_mmu_register_thread(void);
void kvm_mmu_unregister_thread(void);

/*
 * @ops NULL: no external table, one direct root.  Else a mirror root
 * (private) and a direct root (shared).  NULL on allocation failure.
 */
struct kvm_mmu *kvm_mmu_create(struct frame_allocator *fa, const struct kvm_external_ops *ops,
			       void *opaque, gfn_t nr_gfns);
/*
 * Zap every root (mirror too, with the hooks), wait for an RCU grace
 * period, free every page and cache.  Takes mmu_lock itself.  An external
 * page whose free_external_spt failed is leaked on purpose (as KVM does:
 * the external table may still own it); kvm_mmu_stats.external_leaked
 * counts them.
 */
void kvm_mmu_destroy(struct kvm_mmu *mmu);

struct rwlock *kvm_mmu_lock(struct kvm_mmu *mmu);
bool kvm_mmu_has_mirror(struct kvm_mmu *mmu);

/*
 * KVM_BUG_ON's effect: mark the VM bugged (idempotent), and test it.  The
 * first call records why (the cause the reports show and the trace logs):
 * @reason is static text, @func the site, @gfn/@level the entry involved
 * (@level 0: none).  kvm_mmu_vm_bugged() records the site only.
 */
void __kvm_mmu_vm_bugged(struct kvm_mmu *mmu, const char *func, const char *reason, gfn_t gfn,
			 int level);
#define kvm_mmu_vm_bugged_at(mmu, reason, gfn, level) \
	__kvm_mmu_vm_bugged(mmu, __func__, reason, gfn, level)
#define kvm_mmu_vm_bugged(mmu) __kvm_mmu_vm_bugged(mmu, __func__, "KVM_BUG_ON", 0, 0)
bool kvm_mmu_is_bugged(struct kvm_mmu *mmu);

struct kvm_mmu_bug_info {
	const char *func; /* where the VM was bugged */
	const char *reason;
	gfn_t gfn;
	int level; /* PG level of the entry; 0: none */
};
/* true and *info once the VM is bugged and its cause recorded. */
bool kvm_mmu_get_bug_info(struct kvm_mmu *mmu, struct kvm_mmu_bug_info *info);

/* ---- mmu_invalidate protocol ---- */

/*
 * Writer side, mmu_lock held for write: begin (in_progress++, widen the
 * range to include [start, end)) ... unmap ... end (seq++, in_progress--).
 */
void kvm_mmu_invalidate_begin(struct kvm_mmu *mmu, gfn_t start, gfn_t end);
void kvm_mmu_invalidate_end(struct kvm_mmu *mmu, gfn_t start, gfn_t end);
/* Reader side: snapshot before resolving the PFN (no lock needed). */
u64 kvm_mmu_invalidate_seq(struct kvm_mmu *mmu);
/* mmu_lock held (either mode): true if a fault with @seq must retry. */
bool mmu_invalidate_retry_gfn(struct kvm_mmu *mmu, u64 seq, gfn_t gfn);
/* An invalidation in progress covers some GFN of [start, end). */
bool mmu_invalidate_in_progress_range(struct kvm_mmu *mmu, gfn_t start, gfn_t end);

/* ---- lpage_info of the memslot (levels 2M and 1G) ---- */

/* KVM_LPAGE_MIXED_FLAG for the huge page of @level covering @gfn.  Write lock. */
void kvm_mmu_hugepage_set_mixed(struct kvm_mmu *mmu, gfn_t gfn, int level, bool mixed);
bool kvm_mmu_hugepage_test_mixed(struct kvm_mmu *mmu, gfn_t gfn, int level);
/*
 * KVM_LPAGE_GUEST_INHIBIT_FLAG: one-way, set under the write lock after
 * the split; the test is lock-free.  Levels 2M/1G; others are ignored
 * (set) or false (test).
 */
void hugepage_set_guest_inhibit(struct kvm_mmu *mmu, gfn_t gfn, int level);
bool hugepage_test_guest_inhibit(struct kvm_mmu *mmu, gfn_t gfn, int level);
/* The same set with mmu_lock held for read; true if this call set it. */
bool hugepage_set_guest_inhibit_shared(struct kvm_mmu *mmu, gfn_t gfn, int level);
/*
 * kvm_mmu_max_mapping_level: min(@max_level, KVM_MAX_HUGEPAGE_LEVEL),
 * stepped down while lpage_info disallows the level (MIXED, GUEST_INHIBIT,
 * or a huge page that sticks out of the memslot).
 */
int kvm_mmu_max_mapping_level(struct kvm_mmu *mmu, gfn_t gfn, int max_level);
/* One more reason to disallow the huge page of @level covering @gfn (slot edges). */
void kvm_mmu_lpage_disallow(struct kvm_mmu *mmu, gfn_t gfn, int level);
/* kvm_mmu_max_mapping_level as if no guest inhibit were set (lock-free). */
int kvm_mmu_max_mapping_level_uninhibited(struct kvm_mmu *mmu, gfn_t gfn, int max_level);

/* ---- the fault ---- */

struct kvm_page_fault {
	/* Inputs, from vm/. */
	gfn_t gfn;
	bool is_private; /* mirror root (ignored without external ops) */
	bool write;
	bool exec;
	kvm_pfn_t pfn; /* host frame backing @gfn itself (4K granule) */
	int max_level; /* from folio size, config, TD state */
	u64 mmu_seq; /* kvm_mmu_invalidate_seq() before resolving @pfn */

	/* Outputs / working state. */
	int req_level; /* kvm_mmu_max_mapping_level() result */
	int goal_level; /* level actually targeted (may be lowered) */
	int mapped_level; /* level of the leaf that maps @gfn on FIXED/SPURIOUS */
};

/*
 * Fill the calling thread's caches of page-table pages and external pages
 * and ops->topup_external_cache.  Called without mmu_lock.  0 or -ENOMEM.
 */
int kvm_mmu_topup_memory_caches(struct kvm_mmu *mmu);

/*
 * Handle one EPT violation.  Tops up the caches (no-op when full), takes
 * mmu_lock for read, retries if the invalidate sequence moved, adjusts the
 * level, maps.  Never replaces a present non-leaf by a huge leaf in the
 * mirror root: an existing smaller mapping wins (mapped_level tells).
 * RET_PF_FIXED / RET_PF_SPURIOUS / RET_PF_RETRY, or -ENOMEM / -EIO /
 * -EINVAL (gfn outside the memslot).
 */
int kvm_tdp_mmu_page_fault(struct kvm_mmu *mmu, struct kvm_page_fault *fault);

/* ---- zaps (mmu_lock held for write) ---- */

/*
 * Zap the leaves in [start, end) of the private (mirror) or shared
 * (direct) root.  In the direct root a huge leaf partly inside is zapped
 * whole; in the mirror root it must have been split first: if not, the VM
 * is marked bugged and -EIO is returned.  Hook failure: -EAGAIN/-ENOMEM/
 * -EBUSY restore the leaf and are returned; -EIO marks the VM bugged.
 */
int kvm_tdp_mmu_unmap_gfn_range(struct kvm_mmu *mmu, gfn_t start, gfn_t end, bool private);
/*
 * The same, telling how far it got: leaves go in GFN order, so on a
 * failure every leaf in [start, *done) is gone and none in [*done, end)
 * was touched; *done is @end on success.
 */
int kvm_tdp_mmu_unmap_gfn_range_progress(struct kvm_mmu *mmu, gfn_t start, gfn_t end, bool private,
					 gfn_t *done);
/*
 * kvm_arch_flush_shadow_all's zap: every SPTE of the direct root.  The
 * mirror root is skipped, as in KVM (only destroy tears it down).
 */
int kvm_tdp_mmu_zap_all(struct kvm_mmu *mmu);

/* ---- splits (mmu_lock held for write; may be dropped and retaken) ---- */

/*
 * Split every leaf above @target_level overlapping [start, end) (also the
 * ones only partly inside) down to @target_level.  0, -ENOMEM (allocation;
 * what was split stays split, all consistent), -EAGAIN (hook asked to retry;
 * that leaf restored), -EIO (VM bugged).
 */
int kvm_tdp_mmu_split_huge_pages(struct kvm_mmu *mmu, gfn_t start, gfn_t end, int target_level,
				 bool private);
/* Split to 4K only the huge leaves that cross @start or @end.  Same errors. */
int kvm_tdp_mmu_split_cross_boundary_leafs(struct kvm_mmu *mmu, gfn_t start, gfn_t end,
					   bool private);

/* ---- promotion (mmu_lock held for write) ---- */

/*
 * The host's side of "may these children become one leaf": the region
 * [@gfn, @gfn + 512^(@level-1)) is uniformly private and backed, in order,
 * by one folio of at least @level whose first 4K frame is @pfn.  Called
 * with mmu_lock held; must not sleep or take mmu_lock.
 */
typedef bool (*kvm_mmu_promote_qualify_fn)(void *arg, gfn_t gfn, int level, kvm_pfn_t pfn);

/*
 * Promote the private (mirror) table at @level (2M or 1G) covering @gfn
 * into one huge leaf if its 512 children are present leaves one level
 * down, mapping contiguous, @level-aligned frames, and @qualify agrees:
 * promote_external_spt, then the huge leaf replaces the table in the
 * mirror, and the table is freed after a grace period.  0 (promoted),
 * -ENOENT (not a candidate: nothing tried), -EPERM / -EAGAIN / -ENOMEM
 * (the external table refused; the children are as they were), -EIO (VM
 * bugged), -EOPNOTSUPP (no promote hook).
 */
int kvm_tdp_mmu_promote_huge_page(struct kvm_mmu *mmu, gfn_t gfn, int level,
				  kvm_mmu_promote_qualify_fn qualify, void *arg);
/*
 * mmu_lock held (either mode): the mirror table at @level covering @gfn
 * has 512 present leaves at @level - 1 mapping contiguous, aligned frames;
 * *pfn (may be NULL) gets the first.  No external call.
 */
bool kvm_tdp_mmu_promote_candidate(struct kvm_mmu *mmu, gfn_t gfn, int level, kvm_pfn_t *pfn);
/*
 * The fault path's split with mmu_lock held for READ (any holder may be
 * faulting or splitting at the same time): split every private leaf above
 * @target_level overlapping [start, end) with the frozen-leaf protocol
 * (mmu/tdp_mmu_split_shared.c).  Pages come from the caller's fault cache
 * (kvm_mmu_topup_memory_caches() before the lock).  0 (nothing left to
 * split), -EBUSY (another thread owns an entry, or the external table was
 * contended: the leaf is back as it was, retry), -ENOMEM (cache empty),
 * -EAGAIN (policy), -EIO (VM bugged), -EOPNOTSUPP (no shared-lock hook).
 */
int kvm_tdp_mmu_split_huge_pages_shared(struct kvm_mmu *mmu, gfn_t start, gfn_t end,
					int target_level);
/* ---- the vCPUs' TLBs for the direct root (shared EPT) ---- */

/*
 * Register the VM's kvm_flush_remote_tlbs: every vCPU drops its cached
 * shared translations before it uses one again.  The MMU calls it, with
 * mmu_lock held, after each direct-root change that takes a translation
 * away: zapped leaves, zap_all, a table replaced by a huge leaf.  A split
 * keeps every translation, so it does not flush.
 */
void kvm_mmu_set_flush_remote_tlbs(struct kvm_mmu *mmu, void (*fn)(void *opaque), void *opaque);
/*
 * The walk a vCPU's page walker does to fill its TLB: no mmu_lock (RCU
 * inside), the SPTEs as they are now.  Same results as kvm_tdp_mmu_lookup.
 */
bool kvm_tdp_mmu_walk_lockless(struct kvm_mmu *mmu, gfn_t gfn, bool private, int *level,
			       kvm_pfn_t *pfn);

/* ---- inspection (mmu_lock held, either mode) ---- */

/* True and *level / *pfn (of @gfn itself, may be NULL) if a present leaf maps @gfn. */
bool kvm_tdp_mmu_lookup(struct kvm_mmu *mmu, gfn_t gfn, bool private, int *level, kvm_pfn_t *pfn);

/*
 * Pre-order walk of every present SPTE below the root (the root's own
 * entries included, at level 4).  @spte is the raw value; for a leaf,
 * spte_to_pfn() (tdpmmu/spte.h) gives the PFN of its first 4K page.
 * Return nonzero from @fn to stop; that value is returned.
 */
typedef int (*kvm_tdp_mmu_present_fn)(void *arg, gfn_t gfn, int level, u64 spte, bool is_leaf);
int kvm_tdp_mmu_for_each_present(struct kvm_mmu *mmu, bool private, kvm_tdp_mmu_present_fn fn,
				 void *arg);

struct kvm_mmu_stats {
	u64 splits; /* huge mirror leaves split (successful only) */
	u64 promotes; /* huge mirror leaves created by promotion */
	u64 promote_tries; /* promote_external_spt calls */
	u64 faults; /* kvm_tdp_mmu_page_fault calls, whatever the outcome */
	u64 mirror_pt_pages; /* mirror non-root page-table pages linked */
	u64 direct_pt_pages; /* direct non-root page-table pages linked */
	u64 external_pages; /* external pages linked to the external table */
	u64 external_leaked; /* external pages leaked after a failed free hook */
	u64 mirror_mappings[PG_LEVEL_512G + 1]; /* present mirror leaves per level */
	u64 direct_mappings[PG_LEVEL_512G + 1]; /* present direct leaves per level */
	u64 remote_tlb_flushes; /* kvm_flush_remote_tlbs after direct-root changes */
	/* WARN-class: a fault found a mirror huge leaf above its allowed level */
	u64 warn_huge_leaf_above_level;
};
void kvm_mmu_get_stats(struct kvm_mmu *mmu, struct kvm_mmu_stats *st);
/* External pages held in the fault caches (not linked anywhere yet). */
u64 kvm_mmu_cached_external_pages(struct kvm_mmu *mmu);

#endif /* TDPMMU_MMU_H */
