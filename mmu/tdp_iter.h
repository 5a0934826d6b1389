/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Pre-order walk of a TDP page table (KVM's tdp_iter).  Must run inside
 * rcu_read_lock() on a thread registered with liburcu
 * (kvm_mmu_register_thread()): page tables unlinked by other threads are
 * freed only after a grace period.
 */
#ifndef TDPMMU_MMU_TDP_ITER_H
#define TDPMMU_MMU_TDP_ITER_H

#include "tdpmmu/spte.h"

static inline u64 kvm_tdp_mmu_read_spte(u64 *sptep)
{
	return __atomic_load_n(sptep, __ATOMIC_ACQUIRE);
}

static inline void __kvm_tdp_mmu_write_spte(u64 *sptep, u64 new_spte)
{
	__atomic_store_n(sptep, new_spte, __ATOMIC_RELEASE);
}

static inline u64 kvm_tdp_mmu_write_spte_atomic(u64 *sptep, u64 new_spte)
{
	return __atomic_exchange_n(sptep, new_spte, __ATOMIC_ACQ_REL);
}

/* cmpxchg; on failure *old gets the current value. */
static inline bool kvm_tdp_mmu_try_cmpxchg_spte(u64 *sptep, u64 *old, u64 new_spte)
{
	return __atomic_compare_exchange_n(sptep, old, new_spte, false, __ATOMIC_ACQ_REL,
					   __ATOMIC_ACQUIRE);
}

struct tdp_iter {
	/* The walk is heading for this GFN's last-level entry. */
	gfn_t next_last_level_gfn;
	/* next_last_level_gfn when the walk last yielded (forward progress). */
	gfn_t yielded_gfn;
	u64 *pt_path[PT64_ROOT_4LEVEL];
	u64 *sptep;
	gfn_t gfn; /* first GFN mapped by sptep */
	int root_level;
	int min_level;
	int level;
	u64 old_spte; /* snapshot of *sptep */
	bool valid;
	/* The lock was dropped: the next step restarts from the root. */
	bool yielded;
};

/*
 * The walk, inline (every fault steps it from the root down): a pre-order
 * traversal that can be restarted from the root at the GFN it had reached
 * (after a yield or a failed cmpxchg).
 */
static inline void tdp_iter_refresh_sptep(struct tdp_iter *iter)
{
	iter->sptep = iter->pt_path[iter->level - 1] + SPTE_INDEX(iter->gfn, iter->level);
	iter->old_spte = kvm_tdp_mmu_read_spte(iter->sptep);
}

static inline void tdp_iter_restart(struct tdp_iter *iter)
{
	iter->yielded = false;
	iter->yielded_gfn = iter->next_last_level_gfn;
	iter->level = iter->root_level;
	iter->gfn = gfn_round_for_level(iter->next_last_level_gfn, iter->level);
	tdp_iter_refresh_sptep(iter);
	iter->valid = true;
}

static inline void tdp_iter_start(struct tdp_iter *iter, u64 *root_pt, int root_level,
				  int min_level, gfn_t next_last_level_gfn)
{
	iter->valid = false;
	if (!root_pt || root_level < PG_LEVEL_4K || root_level > PT64_ROOT_4LEVEL ||
	    min_level < PG_LEVEL_4K || min_level > root_level ||
	    next_last_level_gfn >= (1ULL << (root_level * SPTE_LEVEL_BITS)))
		return;
	iter->next_last_level_gfn = next_last_level_gfn;
	iter->root_level = root_level;
	iter->min_level = min_level;
	iter->pt_path[root_level - 1] = root_pt;
	tdp_iter_restart(iter);
}

static inline bool tdp_iter_step_down(struct tdp_iter *iter)
{
	u64 *child;

	if (iter->level == iter->min_level)
		return false;
	/* Re-read: never descend into a table that was just unlinked. */
	iter->old_spte = kvm_tdp_mmu_read_spte(iter->sptep);
	child = spte_to_child_pt(iter->old_spte, iter->level);
	if (!child)
		return false;
	iter->level--;
	iter->pt_path[iter->level - 1] = child;
	iter->gfn = gfn_round_for_level(iter->next_last_level_gfn, iter->level);
	tdp_iter_refresh_sptep(iter);
	return true;
}

static inline bool tdp_iter_step_side(struct tdp_iter *iter)
{
	if (SPTE_INDEX(iter->gfn, iter->level) == PTRS_PER_PTE - 1)
		return false;
	iter->gfn += KVM_PAGES_PER_HPAGE(iter->level);
	iter->next_last_level_gfn = iter->gfn;
	iter->sptep++;
	iter->old_spte = kvm_tdp_mmu_read_spte(iter->sptep);
	return true;
}

static inline bool tdp_iter_step_up(struct tdp_iter *iter)
{
	if (iter->level == iter->root_level)
		return false;
	iter->level++;
	iter->gfn = gfn_round_for_level(iter->gfn, iter->level);
	tdp_iter_refresh_sptep(iter);
	return true;
}

static inline void tdp_iter_next(struct tdp_iter *iter)
{
	if (iter->yielded) {
		tdp_iter_restart(iter);
		return;
	}
	if (tdp_iter_step_down(iter))
		return;
	do {
		if (tdp_iter_step_side(iter))
			return;
	} while (tdp_iter_step_up(iter));
	iter->valid = false;
}

/* Every entry whose range intersects [start, end), down to @min_level. */
#define for_each_tdp_pte_min_level(iter, root_pt, root_level, min_level, start, end) \
	for (tdp_iter_start(&(iter), root_pt, root_level, min_level, start);         \
	     (iter).valid && (iter).gfn < (end); tdp_iter_next(&(iter)))

/* First GFN no 4-level table can map. */
#define TDP_MMU_MAX_GFN_EXCLUSIVE (1ULL << (PT64_ROOT_4LEVEL * SPTE_LEVEL_BITS))

#endif /* TDPMMU_MMU_TDP_ITER_H */
