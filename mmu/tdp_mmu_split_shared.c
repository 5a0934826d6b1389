// SPDX-License-Identifier: GPL-2.0-only
/*
 * Splitting a huge mirror leaf with mmu_lock held for READ (the fault
 * path's split, vm split_lock=shared).  The protocol:
 *
 *  1. the child table is filled from the thread's fault cache (topped up
 *     before the lock) while nobody can see it;
 *  2. the huge leaf is frozen by cmpxchg (the frozen value the atomic map
 *     path uses): from here every other MMU thread that reaches the entry
 *     backs off and retries, and no other thread can act on the entry;
 *  3. the hook splits the external leaf (TDX: BLOCK -> TRACK -> kick ->
 *     DEMOTE) while the mirror entry is frozen;
 *  4. success: the child table is published with one store (release), so a
 *     walker sees either the frozen entry or a complete table;
 *     failure: the huge leaf is written back bit for bit, the table was
 *     never visible and is freed at once, and the fault is retried
 *     (-EBUSY, -ENOMEM, -EAGAIN) - or the VM is bugged for -EIO only.
 *
 * Writers (conversion, punch, zap) hold mmu_lock for write, so they never
 * see a frozen entry of ours: the freeze and its end lie inside one
 * read-locked section.
 */
#include "mmu_internal.h"

/* Never leaves a frozen entry behind; @iter->old_spte is the value after. */
static int tdp_mmu_split_huge_page_shared(struct kvm_mmu *mmu, struct tdp_iter *iter,
					  struct kvm_mmu_page *sp)
{
	u64 huge_spte = iter->old_spte;
	u64 table_spte = make_nonleaf_spte(sp->spt);
	int level = iter->level;
	int ret;

	make_small_sptes(huge_spte, level, sp->spt);

	yield_point(YIELD_CMPXCHG, "freeze huge mirror leaf");
	if (!kvm_tdp_mmu_try_cmpxchg_spte(iter->sptep, &iter->old_spte, FROZEN_SPTE))
		return -EBUSY; /* another splitter or a zap's leftovers: retry */

	ret = kvm_x86_call(mmu, split_external_spt_shared, iter->gfn, level, spte_to_pfn(huge_spte),
			   sp->external_spt);
	if (ret) {
		/* The external leaf is as it was: so is the mirror leaf. */
		__kvm_tdp_mmu_write_spte(iter->sptep, huge_spte);
		iter->old_spte = huge_spte;
		if (ret != -EBUSY && ret != -ENOMEM && ret != -EAGAIN && ret != -ENOBUFS &&
		    ret != -EINTR) {
			kvm_mmu_vm_bugged_at(mmu, "split_external_spt_shared failed", iter->gfn,
					     level);
			return -EIO;
		}
		return ret;
	}

	/* Others see the frozen entry until this store. */
	yield_point(YIELD_CMPXCHG, "publish split table");
	__kvm_tdp_mmu_write_spte(iter->sptep, table_spte);
	iter->old_spte = table_spte;

	tdp_account_mmu_page(mmu, sp);
	stat_counter_add(&mmu->mirror_mappings[level], -1);
	stat_counter_add(&mmu->mirror_mappings[level - 1], PTRS_PER_PTE);
	counter_inc(&mmu->splits);
	return 0;
}

int kvm_tdp_mmu_split_huge_pages_shared(struct kvm_mmu *mmu, gfn_t start, gfn_t end,
					int target_level)
{
	struct kvm_mmu_page *root = mmu->mirror_root;
	struct tdp_iter iter;
	int ret = 0;

	lockdep_assert_held(&mmu->mmu_lock);
	if (kvm_mmu_is_bugged(mmu))
		return -EIO;
	if (!root || !mmu->ops->split_external_spt_shared)
		return -EOPNOTSUPP;
	if (target_level < PG_LEVEL_4K || target_level >= KVM_MAX_HUGEPAGE_LEVEL || start >= end)
		return target_level >= PG_LEVEL_4K ? 0 : -EINVAL;

	kvm_mmu_rcu_read_lock();
	/* Pre-order: after a split the walk goes down into the new table. */
	for_each_tdp_pte_root(iter, root, target_level + 1, start, end)
	{
		struct kvm_mmu_page *sp;

		if (is_frozen_spte(iter.old_spte)) {
			ret = -EBUSY; /* another thread owns it */
			break;
		}
		if (!is_shadow_present_pte(iter.old_spte) ||
		    !is_last_spte(iter.old_spte, iter.level))
			continue;

		sp = kvm_mmu_cache_alloc_sp(mmu, true);
		if (!sp) {
			ret = -ENOMEM;
			break;
		}
		tdp_mmu_init_child_sp(sp, true, iter.gfn, iter.level - 1);
		ret = tdp_mmu_split_huge_page_shared(mmu, &iter, sp);
		if (ret) {
			/* Never published. */
			tdp_mmu_free_sp(sp);
			break;
		}
	}
	kvm_mmu_rcu_read_unlock();
	return ret;
}
