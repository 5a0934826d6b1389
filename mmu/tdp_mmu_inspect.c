// SPDX-License-Identifier: GPL-2.0-only
/*
 * Read-only views of the page tables for the checker, the report and
 * tests (KVM's kvm_tdp_mmu_get_walk / debugfs page stats roles).
 */
#include "mmu_internal.h"

bool kvm_tdp_mmu_lookup(struct kvm_mmu *mmu, gfn_t gfn, bool private, int *level, kvm_pfn_t *pfn)
{
	lockdep_assert_held(&mmu->mmu_lock);
	/* The same walk the vCPUs' page walker does, with the lock held. */
	return kvm_tdp_mmu_walk_lockless(mmu, gfn, private, level, pfn);
}

int kvm_tdp_mmu_for_each_present(struct kvm_mmu *mmu, bool private, kvm_tdp_mmu_present_fn fn,
				 void *arg)
{
	struct kvm_mmu_page *root = tdp_mmu_root(mmu, private);
	struct tdp_iter iter;
	int ret = 0;

	lockdep_assert_held(&mmu->mmu_lock);
	kvm_mmu_rcu_read_lock();
	for_each_tdp_pte_root(iter, root, PG_LEVEL_4K, 0, TDP_MMU_MAX_GFN_EXCLUSIVE)
	{
		if (!is_shadow_present_pte(iter.old_spte))
			continue;
		ret = fn(arg, iter.gfn, iter.level, iter.old_spte,
			 is_last_spte(iter.old_spte, iter.level));
		if (ret)
			break;
	}
	kvm_mmu_rcu_read_unlock();
	return ret;
}
