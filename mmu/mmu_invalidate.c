// SPDX-License-Identifier: GPL-2.0-only
/*
 * The mmu_invalidate protocol between writers that unmap (under the
 * exclusive mmu_lock) and faults that resolved a PFN without the lock.
 */
#include "mmu_internal.h"

void kvm_mmu_invalidate_begin(struct kvm_mmu *mmu, gfn_t start, gfn_t end)
{
	lockdep_assert_held_write(&mmu->mmu_lock);
	/* The first writer in resets the range; later ones widen it. */
	if (atomic_fetch_add(&mmu->invalidate_in_progress, 1) == 0) {
		mmu->invalidate_range_start = start;
		mmu->invalidate_range_end = end;
	} else {
		if (start < mmu->invalidate_range_start)
			mmu->invalidate_range_start = start;
		if (end > mmu->invalidate_range_end)
			mmu->invalidate_range_end = end;
	}
}

void kvm_mmu_invalidate_end(struct kvm_mmu *mmu, gfn_t start, gfn_t end)
{
	(void)start;
	(void)end;
	lockdep_assert_held_write(&mmu->mmu_lock);
	/* The sequence moves before in_progress can reach 0. */
	atomic_fetch_add_explicit(&mmu->invalidate_seq, 1, memory_order_release);
	BASE_ASSERT(atomic_fetch_sub(&mmu->invalidate_in_progress, 1) > 0);
}

u64 kvm_mmu_invalidate_seq(struct kvm_mmu *mmu)
{
	return atomic_load_explicit(&mmu->invalidate_seq, memory_order_acquire);
}

bool mmu_invalidate_retry_gfn(struct kvm_mmu *mmu, u64 seq, gfn_t gfn)
{
	lockdep_assert_held(&mmu->mmu_lock);
	if (tdpmmu_bug(TDPMMU_BUG_NO_INVALIDATE_RETRY))
		return false;
	if (atomic_load(&mmu->invalidate_in_progress) && gfn >= mmu->invalidate_range_start &&
	    gfn < mmu->invalidate_range_end)
		return true;
	return atomic_load(&mmu->invalidate_seq) != seq;
}

bool mmu_invalidate_in_progress_range(struct kvm_mmu *mmu, gfn_t start, gfn_t end)
{
	lockdep_assert_held(&mmu->mmu_lock);
	return atomic_load(&mmu->invalidate_in_progress) && start < mmu->invalidate_range_end &&
	       end > mmu->invalidate_range_start;
}
