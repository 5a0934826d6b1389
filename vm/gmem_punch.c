// SPDX-License-Identifier: GPL-2.0-only
/*
 * fallocate(PUNCH_HOLE) on the guest_memfd: split the private huge leaves
 * that cross the hole's ends, zap the private mappings in the hole, then
 * free the backing (zap before the folio is split: a mapping is never
 * larger than the folio behind it).
 */
#include <errno.h>

#include "vm_internal.h"

/*
 * A hole that cuts a 1G folio leaves the rest of it backed at 4K, far
 * beyond the hole's ends: split every huge mapping of that folio to 4K
 * first, or a 2M mapping elsewhere in it would outlive its folio.
 */
static int punch_split_1g_folios(struct kvm *kvm, gfn_t start, gfn_t end)
{
	const gfn_t gfns_1g = KVM_PAGES_PER_HPAGE(PG_LEVEL_1G);
	gfn_t ends[2] = {start, end - 1};
	int i, r;

	if (kvm->cfg.max_level < PG_LEVEL_1G)
		return 0;
	for (i = 0; i < 2; i++) {
		gfn_t base = gfn_round_for_level(ends[i], PG_LEVEL_1G);
		gfn_t top = base + gfns_1g < kvm->nr_gfns ? base + gfns_1g : kvm->nr_gfns;

		if (start <= base && end >= top)
			continue; /* the whole folio goes */
		if (i == 1 && base == gfn_round_for_level(start, PG_LEVEL_1G))
			break;
		if (!gmem_has_1g_folio(&kvm->gmem, base))
			continue;
		r = kvm_tdp_mmu_split_huge_pages(kvm->mmu, base, top, PG_LEVEL_4K, true);
		if (r)
			return r;
	}
	return 0;
}

int kvm_gmem_punch_hole(struct kvm *kvm, gpa_t gpa, u64 size)
{
	gfn_t start = gpa_to_gfn(gpa), end = gpa_to_gfn(gpa + size);
	struct rwlock *lock;
	int r;

	r = kvm_host_range_begin(kvm, gpa, size);
	if (r)
		return r;

	lock = kvm_mmu_lock(kvm->mmu);
	write_lock(lock);
	kvm_mmu_invalidate_begin(kvm->mmu, start, end);
	r = kvm_split_cross_boundary_leafs(kvm, start, end);
	if (!r)
		r = punch_split_1g_folios(kvm, start, end);
	if (!r)
		r = kvm_tdp_mmu_unmap_gfn_range(kvm->mmu, start, end, true);
	if (!r)
		gmem_punch(&kvm->gmem, start, end);
	kvm_mmu_invalidate_end(kvm->mmu, start, end);
	write_unlock(lock);
	return r;
}
