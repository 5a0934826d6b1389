// SPDX-License-Identifier: GPL-2.0-only
/*
 * Zaps under the exclusive mmu_lock: leaves of a GFN range (unmap), and
 * whole roots (zap_all, teardown), bottom-up so that external tables are
 * emptied before they are freed.
 */
#include "mmu_internal.h"

static gfn_t tdp_mmu_clamp_end(struct kvm_mmu *mmu, gfn_t end)
{
	(void)mmu;
	return end < TDP_MMU_MAX_GFN_EXCLUSIVE ? end : TDP_MMU_MAX_GFN_EXCLUSIVE;
}

/*
 * tdp_mmu_zap_leafs().  Leaves go in GFN order, so on a failure every leaf
 * below the one that failed is gone and none above it is touched:
 * *@done (if not NULL) gets that GFN, or @end on success.
 */
static int tdp_mmu_zap_leafs(struct kvm_mmu *mmu, struct kvm_mmu_page *root, gfn_t start, gfn_t end,
			     gfn_t *done)
{
	struct tdp_iter iter;
	bool flush = false;
	int ret = 0;

	end = tdp_mmu_clamp_end(mmu, end);
	if (done)
		*done = end;
	kvm_mmu_rcu_read_lock();
	for_each_tdp_pte_root(iter, root, PG_LEVEL_4K, start, end)
	{
		if (!is_shadow_present_pte(iter.old_spte) ||
		    !is_last_spte(iter.old_spte, iter.level))
			continue;
		/*
		 * Zapping a whole huge private leaf would unmap (and make the
		 * guest lose the acceptance of) memory outside the range: the
		 * caller must have split it first.
		 */
		if (root->is_mirror &&
		    KVM_MMU_BUG_ON(mmu, iter.gfn < start ||
						iter.gfn + KVM_PAGES_PER_HPAGE(iter.level) > end)) {
			if (done)
				*done = iter.gfn > start ? iter.gfn : start;
			ret = -EIO;
			break;
		}
		ret = tdp_mmu_iter_set_spte(mmu, root, &iter, SHADOW_NONPRESENT_VALUE);
		if (ret) {
			if (done)
				*done = iter.gfn > start ? iter.gfn : start;
			break;
		}
		flush = true;
	}
	kvm_mmu_rcu_read_unlock();
	/* The vCPUs may still cache what the direct root no longer gives. */
	if (flush && !root->is_mirror)
		kvm_flush_remote_tlbs(mmu);
	/* Also after a failure: the leaves zapped before it must go too. */
	if (root->is_mirror && tdp_mmu_flush_external(mmu))
		ret = -EIO;
	return ret;
}

int kvm_tdp_mmu_unmap_gfn_range_progress(struct kvm_mmu *mmu, gfn_t start, gfn_t end, bool private,
					 gfn_t *done)
{
	lockdep_assert_held_write(&mmu->mmu_lock);
	*done = start;
	if (kvm_mmu_is_bugged(mmu))
		return -EIO;
	if (start >= end) {
		*done = end;
		return 0;
	}
	return tdp_mmu_zap_leafs(mmu, tdp_mmu_root(mmu, private), start, end, done);
}

int kvm_tdp_mmu_unmap_gfn_range(struct kvm_mmu *mmu, gfn_t start, gfn_t end, bool private)
{
	gfn_t done;

	return kvm_tdp_mmu_unmap_gfn_range_progress(mmu, start, end, private, &done);
}

/* __tdp_mmu_zap_root(): every present entry at exactly @zap_level. */
static void __tdp_mmu_zap_root(struct kvm_mmu *mmu, struct kvm_mmu_page *root, int zap_level)
{
	struct tdp_iter iter;

	for_each_tdp_pte_root(iter, root, zap_level, 0, TDP_MMU_MAX_GFN_EXCLUSIVE)
	{
		if (!is_shadow_present_pte(iter.old_spte) || iter.level > zap_level)
			continue;
		/* Teardown ignores hook failures (they bug the VM, the zap goes on). */
		tdp_mmu_iter_set_spte(mmu, root, &iter, SHADOW_NONPRESENT_VALUE);
	}
}

/*
 * Zap in passes 4K, 2M, 1G, root level so that tables are empty (and the
 * external table got every leaf removal) before their non-leaf is zapped.
 */
void tdp_mmu_zap_root(struct kvm_mmu *mmu, struct kvm_mmu_page *root)
{
	lockdep_assert_held_write(&mmu->mmu_lock);
	kvm_mmu_rcu_read_lock();
	for (int level = PG_LEVEL_4K; level <= root->level; level++)
		__tdp_mmu_zap_root(mmu, root, level);
	kvm_mmu_rcu_read_unlock();
	/* A failure bugs the VM; teardown goes on regardless. */
	if (root->is_mirror)
		tdp_mmu_flush_external(mmu);
}

int kvm_tdp_mmu_zap_all(struct kvm_mmu *mmu)
{
	lockdep_assert_held_write(&mmu->mmu_lock);
	if (kvm_mmu_is_bugged(mmu))
		return -EIO;
	/* Mirror roots are skipped: only destroy tears them down, as in KVM. */
	tdp_mmu_zap_root(mmu, mmu->direct_root);
	kvm_flush_remote_tlbs(mmu);
	return 0;
}
