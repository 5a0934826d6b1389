// SPDX-License-Identifier: GPL-2.0-only
/*
 * fallocate(PUNCH_HOLE) on the guest_memfd: split the private huge leaves
 * that cross the hole's ends, zap the private mappings in the hole, then
 * free the backing (zap before the folio is split: a mapping is never
 * larger than the folio behind it).
 */
#include <errno.h>

#include "vm_internal.h"

int kvm_gmem_punch_hole(struct kvm *kvm, gpa_t gpa, u64 size)
{
	gfn_t start = gpa_to_gfn(gpa), end = gpa_to_gfn(gpa + size);
	struct rwlock *lock;
	int r;

	kvm_thread_ensure_registered();
	if (!kvm_range_valid(kvm, gpa, size))
		return -EINVAL;
	if (kvm_mmu_is_bugged(kvm->mmu))
		return -EIO;

	lock = kvm_mmu_lock(kvm->mmu);
	write_lock(lock);
	kvm_mmu_invalidate_begin(kvm->mmu, start, end);
	r = kvm_tdp_mmu_split_cross_boundary_leafs(kvm->mmu, start, end, true);
	if (!r)
		r = kvm_tdp_mmu_unmap_gfn_range(kvm->mmu, start, end, true);
	if (!r)
		gmem_punch(&kvm->gmem, start, end);
	kvm_mmu_invalidate_end(kvm->mmu, start, end);
	write_unlock(lock);
	return r;
}
