// SPDX-License-Identifier: GPL-2.0-only
/*
 * The fault path under the shared mmu_lock: level adjustment from
 * lpage_info, the stale check, and kvm_tdp_mmu_map's walk that links the
 * missing tables and installs the leaf with atomic (frozen for mirror)
 * updates.
 */
#include "mmu_internal.h"

/* kvm_mmu_hugepage_adjust: req_level from lpage_info, goal_level, aligned PFN. */
static void kvm_mmu_hugepage_adjust(struct kvm_mmu *mmu, struct kvm_page_fault *fault)
{
	int level;

	fault->req_level = PG_LEVEL_4K;
	fault->goal_level = PG_LEVEL_4K;
	if (fault->max_level <= PG_LEVEL_4K)
		return;
	level = kvm_mmu_max_mapping_level(mmu, fault->gfn, fault->max_level);
	fault->req_level = level;
	/*
	 * GFN and PFN must agree below the level (KVM's VM_BUG_ON); a caller
	 * that got it wrong gets a smaller mapping instead of an abort.
	 */
	while (level > PG_LEVEL_4K &&
	       ((fault->gfn ^ fault->pfn) & (KVM_PAGES_PER_HPAGE(level) - 1)))
		level--;
	fault->goal_level = level;
	fault->pfn &= ~(KVM_PAGES_PER_HPAGE(level) - 1);
}

/*
 * A mirror root never trades an existing table for a huge leaf
 * (promotion): step the goal down and keep walking; the existing smaller
 * mappings win.
 */
static void disallowed_hugepage_adjust(struct kvm_page_fault *fault, u64 spte, int cur_level)
{
	if (cur_level > PG_LEVEL_4K && cur_level == fault->goal_level &&
	    is_shadow_present_pte(spte) && !is_large_pte(spte)) {
		u64 step = KVM_PAGES_PER_HPAGE(cur_level) - KVM_PAGES_PER_HPAGE(cur_level - 1);

		fault->pfn |= fault->gfn & step;
		fault->goal_level--;
	}
}

static int pf_result(int ret)
{
	switch (ret) {
	case 0:
		return RET_PF_FIXED;
	case -EBUSY:
	case -EAGAIN:
	case -ENOBUFS: /* the implementer's cache ran dry: the retry tops it up */
		return RET_PF_RETRY;
	default:
		return ret; /* -ENOMEM, -EIO */
	}
}

static int tdp_mmu_map_handle_target_level(struct kvm_mmu *mmu, struct kvm_mmu_page *root,
					   struct kvm_page_fault *fault, struct tdp_iter *iter)
{
	u64 new_spte;
	int ret;

	BASE_ASSERT(iter->level == fault->goal_level);
	if (is_shadow_present_pte(iter->old_spte) && is_last_spte(iter->old_spte, iter->level)) {
		/* Another fault got here first; every leaf is RWX. */
		fault->mapped_level = iter->level;
		return RET_PF_SPURIOUS;
	}
	new_spte = make_spte(iter->level, fault->pfn, true, fault->write);
	ret = pf_result(tdp_mmu_set_spte_atomic(mmu, root, iter, new_spte));
	if (ret == RET_PF_FIXED)
		fault->mapped_level = iter->level;
	/* A table replaced by a huge leaf: its translations are gone (direct root). */
	if (ret == RET_PF_FIXED && !root->is_mirror && is_shadow_present_pte(iter->old_spte))
		kvm_flush_remote_tlbs(mmu);
	return ret;
}

int kvm_tdp_mmu_map(struct kvm_mmu *mmu, struct kvm_page_fault *fault)
{
	struct kvm_mmu_page *root = tdp_mmu_root(mmu, fault->is_private);
	bool mirror = root->is_mirror;
	struct tdp_iter iter;
	int ret = RET_PF_RETRY;

	kvm_mmu_hugepage_adjust(mmu, fault);
	fault->mapped_level = PG_LEVEL_NONE;

	kvm_mmu_rcu_read_lock();
	for_each_tdp_pte_root(iter, root, PG_LEVEL_4K, fault->gfn, fault->gfn + 1)
	{
		struct kvm_mmu_page *sp;
		int r;

		if (mirror)
			disallowed_hugepage_adjust(fault, iter.old_spte, iter.level);
		/* Another thread owns this entry: retry the whole fault. */
		if (is_frozen_spte(iter.old_spte))
			goto retry;
		if (iter.level == fault->goal_level) {
			ret = tdp_mmu_map_handle_target_level(mmu, root, fault, &iter);
			goto retry;
		}
		if (is_shadow_present_pte(iter.old_spte) && !is_large_pte(iter.old_spte))
			continue;

		if (is_shadow_present_pte(iter.old_spte) && mirror) {
			/*
			 * A huge mirror leaf above the goal: splitting it needs
			 * the exclusive lock (BLOCK/TRACK/DEMOTE); the leaf
			 * already maps the GFN, so it wins.  A mapping larger
			 * than the fault allows should not exist (only a race
			 * with a huge fault gets here): a WARN-class event,
			 * counted for the report, the VM goes on.
			 */
			counter_inc(&mmu->warn_huge_leaf_above_level);
			fault->mapped_level = iter.level;
			ret = RET_PF_SPURIOUS;
			goto retry;
		}

		sp = kvm_mmu_cache_alloc_sp(mmu, mirror);
		if (!sp) {
			ret = -ENOMEM;
			goto retry;
		}
		tdp_mmu_init_child_sp(sp, mirror, iter.gfn, iter.level - 1);
		if (is_shadow_present_pte(iter.old_spte))
			r = tdp_mmu_split_huge_page(mmu, root, &iter, sp, true, false);
		else
			r = tdp_mmu_link_sp(mmu, root, &iter, sp, true);
		if (r) {
			/* Never published (cmpxchg lost or the hook refused). */
			tdp_mmu_free_sp(sp);
			ret = pf_result(r);
			goto retry;
		}
	}
	/* The walk ended above the goal level: something changed under us. */
retry:
	kvm_mmu_rcu_read_unlock();
	return ret;
}

int kvm_tdp_mmu_page_fault(struct kvm_mmu *mmu, struct kvm_page_fault *fault)
{
	int r;

	stat_counter_inc(&mmu->faults);
	if (kvm_mmu_is_bugged(mmu))
		return -EIO;
	if (fault->gfn >= mmu->nr_gfns)
		return -EINVAL;
	r = kvm_mmu_topup_memory_caches(mmu);
	if (r)
		return r;

	read_lock(&mmu->mmu_lock);
	if (kvm_mmu_is_bugged(mmu))
		r = -EIO;
	else if (mmu_invalidate_retry_gfn(mmu, fault->mmu_seq, fault->gfn))
		r = RET_PF_RETRY; /* is_page_fault_stale() */
	else
		r = kvm_tdp_mmu_map(mmu, fault);
	read_unlock(&mmu->mmu_lock);
	return r;
}
