// SPDX-License-Identifier: GPL-2.0-only
/*
 * lpage_info of the memslot (KVM's disallow_lpage per 2M/1G page): a count
 * of reasons plus the MIXED (attributes differ inside) and GUEST_INHIBIT
 * (the TD guest accepted below this level) flags, and the max mapping
 * level computed from them.
 */
#include "mmu_internal.h"

static atomic_uint *lpage_info_slot(struct kvm_mmu *mmu, gfn_t gfn, int level)
{
	u64 idx;

	if (level < PG_LEVEL_2M || level > PG_LEVEL_1G || gfn >= mmu->nr_gfns)
		return NULL;
	idx = gfn / KVM_PAGES_PER_HPAGE(level);
	return &mmu->lpage_info[level - PG_LEVEL_2M][idx];
}

void kvm_mmu_hugepage_set_mixed(struct kvm_mmu *mmu, gfn_t gfn, int level, bool mixed)
{
	atomic_uint *l = lpage_info_slot(mmu, gfn, level);

	lockdep_assert_held_write(&mmu->mmu_lock);
	if (!l)
		return;
	if (mixed)
		atomic_fetch_or(l, KVM_LPAGE_MIXED_FLAG);
	else
		atomic_fetch_and(l, ~KVM_LPAGE_MIXED_FLAG);
}

bool kvm_mmu_hugepage_test_mixed(struct kvm_mmu *mmu, gfn_t gfn, int level)
{
	atomic_uint *l = lpage_info_slot(mmu, gfn, level);

	return l && (atomic_load(l) & KVM_LPAGE_MIXED_FLAG);
}

void hugepage_set_guest_inhibit(struct kvm_mmu *mmu, gfn_t gfn, int level)
{
	atomic_uint *l = lpage_info_slot(mmu, gfn, level);

	lockdep_assert_held_write(&mmu->mmu_lock);
	if (l)
		atomic_fetch_or(l, KVM_LPAGE_GUEST_INHIBIT_FLAG);
}

bool hugepage_set_guest_inhibit_shared(struct kvm_mmu *mmu, gfn_t gfn, int level)
{
	atomic_uint *l = lpage_info_slot(mmu, gfn, level);

	/* One-way and atomic: concurrent setters agree, one of them wins. */
	lockdep_assert_held(&mmu->mmu_lock);
	return l &&
	       !(atomic_fetch_or(l, KVM_LPAGE_GUEST_INHIBIT_FLAG) & KVM_LPAGE_GUEST_INHIBIT_FLAG);
}

bool hugepage_test_guest_inhibit(struct kvm_mmu *mmu, gfn_t gfn, int level)
{
	atomic_uint *l = lpage_info_slot(mmu, gfn, level);

	return l && (atomic_load(l) & KVM_LPAGE_GUEST_INHIBIT_FLAG);
}

int kvm_mmu_max_mapping_level(struct kvm_mmu *mmu, gfn_t gfn, int max_level)
{
	int level = max_level < KVM_MAX_HUGEPAGE_LEVEL ? max_level : KVM_MAX_HUGEPAGE_LEVEL;

	for (; level > PG_LEVEL_4K; level--) {
		atomic_uint *l = lpage_info_slot(mmu, gfn, level);

		if (l && !atomic_load(l))
			break;
	}
	return level < PG_LEVEL_4K ? PG_LEVEL_4K : level;
}
