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

void tdp_iter_start(struct tdp_iter *iter, u64 *root_pt, int root_level, int min_level,
		    gfn_t next_last_level_gfn);
void tdp_iter_next(struct tdp_iter *iter);
void tdp_iter_restart(struct tdp_iter *iter);

/* Every entry whose range intersects [start, end), down to @min_level. */
#define for_each_tdp_pte_min_level(iter, root_pt, root_level, min_level, start, end) \
	for (tdp_iter_start(&(iter), root_pt, root_level, min_level, start);         \
	     (iter).valid && (iter).gfn < (end); tdp_iter_next(&(iter)))

/* First GFN no 4-level table can map. */
#define TDP_MMU_MAX_GFN_EXCLUSIVE (1ULL << (PT64_ROOT_4LEVEL * SPTE_LEVEL_BITS))

#endif /* TDPMMU_MMU_TDP_ITER_H */
