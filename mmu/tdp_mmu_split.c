// SPDX-License-Identifier: GPL-2.0-only
/*
 * Splitting huge leaves under the exclusive mmu_lock (eager split /
 * kvm_split_cross_boundary_leafs).  The page table and its external page
 * are allocated with the lock dropped, then the walk restarts from the
 * root; the split itself (fill 512 entries, swap the parent, hook) runs
 * entirely under the lock.
 */
#include "mmu_internal.h"

/*
 * tdp_mmu_alloc_sp_for_split: lock (and RCU) dropped around the
 * allocation, as KVM does with GFP_KERNEL_ACCOUNT.  Beyond KVM, the new
 * table is also filled there, from the huge leaf @huge_spte at @level as
 * last seen, not under the lock (the page comes zeroed: see
 * page_pool_alloc()).  The caller writes them again if the leaf it finds
 * after the lock is retaken is another.
 */
static struct kvm_mmu_page *tdp_mmu_alloc_sp_for_split(struct kvm_mmu *mmu, bool mirror,
						       u64 huge_spte, int level, int *err)
{
	struct kvm_mmu_page *sp = NULL;

	kvm_mmu_rcu_read_unlock();
	write_unlock(&mmu->mmu_lock);
	*err = 0;
	/* Pages the implementer needs for the split (e.g. DPAMT). */
	if (mirror && mmu->ops->topup_external_cache)
		*err = kvm_x86_call(mmu, topup_external_cache, 1);
	if (!*err) {
		/* Every entry is written below before anything reads it. */
		sp = __tdp_mmu_alloc_sp(mmu, mirror, false);
		if (!sp)
			*err = -ENOMEM;
		else
			make_small_sptes(huge_spte, level, sp->spt);
	}
	write_lock(&mmu->mmu_lock);
	kvm_mmu_rcu_read_lock();
	return sp;
}

/*
 * A split whose hook finds the implementer's cache empty right after the
 * top-up (another user took the pages) tries again this often, then fails
 * with -ENOMEM.  One the external table keeps interrupting (-EINTR) is
 * tried again, with the lock dropped in between, this often, then fails
 * with -EAGAIN (nothing changed, the VM intact).
 */
#define SPLIT_MAX_EMPTY_RETRIES 8
#define SPLIT_MAX_INTERRUPTED_ROUNDS 64

static bool leaf_crosses(gfn_t gfn, int level, gfn_t boundary)
{
	return gfn < boundary && gfn + KVM_PAGES_PER_HPAGE(level) > boundary;
}

static int tdp_mmu_split_huge_pages_root(struct kvm_mmu *mmu, struct kvm_mmu_page *root,
					 gfn_t start, gfn_t end, int target_level,
					 const gfn_t *boundary)
{
	struct kvm_mmu_page *sp = NULL;
	int empty_retries = 0, interrupted = 0, filled_level = 0;
	u64 filled_from = 0; /* the leaf sp's entries were made from */
	struct tdp_iter iter;
	int ret = 0;

	kvm_mmu_rcu_read_lock();
	/*
	 * Pre-order: after a split the walk goes down into the new table, so
	 * a 1G leaf is split to 2M and then those to 4K as needed.
	 */
	for_each_tdp_pte_root(iter, root, target_level + 1, start, end)
	{
		if (!is_shadow_present_pte(iter.old_spte) ||
		    !is_last_spte(iter.old_spte, iter.level))
			continue;
		if (boundary && !leaf_crosses(iter.gfn, iter.level, *boundary))
			continue;

		if (!sp) {
			filled_from = iter.old_spte;
			filled_level = iter.level;
			sp = tdp_mmu_alloc_sp_for_split(mmu, root->is_mirror, filled_from,
							filled_level, &ret);
			if (!sp || kvm_mmu_is_bugged(mmu)) {
				ret = ret ? ret : -EIO;
				break;
			}
			/* The lock was dropped: look again from the root. */
			iter.yielded = true;
			continue;
		}

		tdp_mmu_init_child_sp(sp, root->is_mirror, iter.gfn, iter.level - 1);
		ret = tdp_mmu_split_huge_page(mmu, root, &iter, sp, false,
					      iter.old_spte == filled_from &&
						      iter.level == filled_level);
		if (ret) {
			/* The huge leaf is back; the table may have been seen. */
			tdp_mmu_free_sp_rcu(sp);
			sp = NULL;
			/* The implementer's cache ran dry: top up (lock dropped), retry. */
			if ((ret == -ENOBUFS && ++empty_retries <= SPLIT_MAX_EMPTY_RETRIES) ||
			    (ret == -EINTR && ++interrupted <= SPLIT_MAX_INTERRUPTED_ROUNDS)) {
				ret = 0;
				iter.yielded = true;
				continue;
			}
			if (ret == -ENOBUFS)
				ret = -ENOMEM;
			if (ret == -EINTR)
				ret = -EAGAIN;
			break;
		}
		sp = NULL;
	}
	kvm_mmu_rcu_read_unlock();
	/* Allocated but not needed after the restart: never visible. */
	if (sp)
		tdp_mmu_free_sp(sp);
	return ret;
}

int kvm_tdp_mmu_split_huge_pages(struct kvm_mmu *mmu, gfn_t start, gfn_t end, int target_level,
				 bool private)
{
	lockdep_assert_held_write(&mmu->mmu_lock);
	if (kvm_mmu_is_bugged(mmu))
		return -EIO;
	if (target_level < PG_LEVEL_4K || target_level >= KVM_MAX_HUGEPAGE_LEVEL || start >= end)
		return target_level >= PG_LEVEL_4K ? 0 : -EINVAL;
	return tdp_mmu_split_huge_pages_root(mmu, tdp_mmu_root(mmu, private), start, end,
					     target_level, NULL);
}

int kvm_tdp_mmu_split_cross_boundary_leafs(struct kvm_mmu *mmu, gfn_t start, gfn_t end,
					   bool private)
{
	struct kvm_mmu_page *root;
	int ret;

	lockdep_assert_held_write(&mmu->mmu_lock);
	if (kvm_mmu_is_bugged(mmu))
		return -EIO;
	if (start >= end)
		return 0;
	root = tdp_mmu_root(mmu, private);
	/*
	 * Only the leaves that contain a boundary can cross it: walk the one
	 * GFN on each side of it.
	 */
	ret = tdp_mmu_split_huge_pages_root(mmu, root, start, start + 1, PG_LEVEL_4K, &start);
	if (!ret)
		ret = tdp_mmu_split_huge_pages_root(mmu, root, end - 1, end, PG_LEVEL_4K, &end);
	return ret;
}
