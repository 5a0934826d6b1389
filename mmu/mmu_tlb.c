// SPDX-License-Identifier: GPL-2.0-only
/*
 * The MMU's side of the vCPUs' TLBs for the direct (shared) root:
 * kvm_flush_remote_tlbs after a change that takes a translation away, and
 * the walk a vCPU's page walker does to fill its TLB (no mmu_lock: SPTEs
 * are read atomically and page tables are freed only after an RCU grace
 * period, as for KVM's lockless walks).
 */
#include "mmu_internal.h"

void kvm_mmu_set_flush_remote_tlbs(struct kvm_mmu *mmu, void (*fn)(void *opaque), void *opaque)
{
	mmu->flush_remote_tlbs = fn;
	mmu->flush_remote_tlbs_opaque = opaque;
}

void kvm_flush_remote_tlbs(struct kvm_mmu *mmu)
{
	/* The injected bug: the vCPUs keep the translations just zapped. */
	if (tdpmmu_bug(TDPMMU_BUG_SKIP_REMOTE_TLB_FLUSH))
		return;
	atomic_fetch_add(&mmu->remote_tlb_flushes, 1);
	if (mmu->flush_remote_tlbs)
		mmu->flush_remote_tlbs(mmu->flush_remote_tlbs_opaque);
}

bool kvm_tdp_mmu_walk_lockless(struct kvm_mmu *mmu, gfn_t gfn, bool private, int *level,
			       kvm_pfn_t *pfn)
{
	struct kvm_mmu_page *root = tdp_mmu_root(mmu, private);
	struct tdp_iter iter;
	bool found = false;

	if (gfn >= TDP_MMU_MAX_GFN_EXCLUSIVE)
		return false;
	kvm_mmu_rcu_read_lock();
	for_each_tdp_pte_root(iter, root, PG_LEVEL_4K, gfn, gfn + 1)
	{
		if (!is_shadow_present_pte(iter.old_spte) ||
		    !is_last_spte(iter.old_spte, iter.level))
			continue;
		found = true;
		if (level)
			*level = iter.level;
		if (pfn)
			*pfn = spte_to_pfn(iter.old_spte) + (gfn - iter.gfn);
		break;
	}
	kvm_mmu_rcu_read_unlock();
	return found;
}
