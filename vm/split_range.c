// SPDX-License-Identifier: GPL-2.0-only
/*
 * Host-initiated split of the private mappings in a range, attributes
 * unchanged (KVM's range split: a huge leaf only partly inside is split
 * too), and the split at a range's ends that precedes a partial zap.
 */
#include <errno.h>

#include "vm_internal.h"

int kvm_split_range(struct kvm *kvm, gpa_t gpa, u64 size, int level)
{
	struct rwlock *lock;
	int r;

	if (level < PG_LEVEL_4K || level >= PG_LEVEL_1G)
		return -EINVAL;
	r = kvm_host_range_begin(kvm, gpa, size);
	if (r)
		return r;

	lock = kvm_mmu_lock(kvm->mmu);
	write_lock(lock);
	r = kvm_tdp_mmu_split_huge_pages(kvm->mmu, gpa_to_gfn(gpa), gpa_to_gfn(gpa + size), level,
					 true);
	write_unlock(lock);
	return r;
}

int kvm_split_cross_boundary_leafs(struct kvm *kvm, gfn_t start, gfn_t end)
{
	/* The injected bug: the zap that follows then takes whole huge pages. */
	if (tdpmmu_bug(TDPMMU_BUG_ZAP_WITHOUT_SPLIT))
		return 0;
	return kvm_tdp_mmu_split_cross_boundary_leafs(kvm->mmu, start, end, true);
}
