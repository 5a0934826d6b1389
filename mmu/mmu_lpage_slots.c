// SPDX-License-Identifier: GPL-2.0-only
/*
 * lpage_info beyond the flags: a huge page that is not wholly inside one
 * memslot is never allowed (KVM counts it at slot creation), and the level
 * the host could map if the guest had not inhibited it (what the boot
 * calibration counts as "the guest accepts below what KVM could map").
 */
#include "mmu_internal.h"

void kvm_mmu_lpage_disallow(struct kvm_mmu *mmu, gfn_t gfn, int level)
{
	u64 idx;

	if (level < PG_LEVEL_2M || level > PG_LEVEL_1G || gfn >= mmu->nr_gfns)
		return;
	idx = gfn / KVM_PAGES_PER_HPAGE(level);
	atomic_fetch_add(&mmu->lpage_info[level - PG_LEVEL_2M][idx], 1);
}

int kvm_mmu_max_mapping_level_uninhibited(struct kvm_mmu *mmu, gfn_t gfn, int max_level)
{
	int level = max_level < KVM_MAX_HUGEPAGE_LEVEL ? max_level : KVM_MAX_HUGEPAGE_LEVEL;

	if (gfn >= mmu->nr_gfns)
		return PG_LEVEL_4K;
	for (; level > PG_LEVEL_4K; level--) {
		u64 idx = gfn / KVM_PAGES_PER_HPAGE(level);
		unsigned int v = atomic_load(&mmu->lpage_info[level - PG_LEVEL_2M][idx]);

		if (!(v & ~KVM_LPAGE_GUEST_INHIBIT_FLAG))
			break;
	}
	return level < PG_LEVEL_4K ? PG_LEVEL_4K : level;
}
