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

/*
 * The range the punch invalidates: every folio it can touch, i.e. the
 * hole's ends rounded out to the largest folio guest_memfd makes (as the
 * kernel's guest_memfd does for huge folios, and as conversion does).
 * The splits at the ends drop mmu_lock to allocate; a fault just outside
 * the hole must see the invalidation and retry, or it maps a huge leaf
 * across an end that a split already looked at (and the zap then meets a
 * huge private leaf partly inside the hole), or maps 2M inside a 1G folio
 * that the punch is about to split to 4K.
 */
static void punch_invalidation_range(struct kvm *kvm, gfn_t start, gfn_t end, gfn_t *wstart,
				     gfn_t *wend)
{
	int level = kvm->gmem.max_level;
	u64 pages = KVM_PAGES_PER_HPAGE(level);

	*wstart = start;
	*wend = end;
	/* The injected bug: the race this widening closes comes back. */
	if (tdpmmu_bug(TDPMMU_BUG_NARROW_PUNCH_INVALIDATION) || level <= PG_LEVEL_4K)
		return;
	*wstart = gfn_round_for_level(start, level);
	*wend = gfn_round_for_level(end + pages - 1, level);
	if (*wend > kvm->nr_gfns)
		*wend = kvm->nr_gfns;
}

int kvm_gmem_punch_hole(struct kvm *kvm, gpa_t gpa, u64 size)
{
	u64 done;

	return kvm_gmem_punch_hole_progress(kvm, gpa, size, &done);
}

int kvm_gmem_punch_hole_progress(struct kvm *kvm, gpa_t gpa, u64 size, u64 *done)
{
	gfn_t start = gpa_to_gfn(gpa), end = gpa_to_gfn(gpa + size);
	gfn_t wstart, wend, zapped = start;
	struct rwlock *lock;
	int r;

	*done = 0;
	r = kvm_host_range_begin(kvm, gpa, size);
	if (r)
		return r;

	punch_invalidation_range(kvm, start, end, &wstart, &wend);
	lock = kvm_mmu_lock(kvm->mmu);
	write_lock(lock);
	kvm_mmu_invalidate_begin(kvm->mmu, wstart, wend);
	r = kvm_split_cross_boundary_leafs(kvm, start, end);
	if (!r)
		r = punch_split_1g_folios(kvm, start, end);
	if (!r)
		r = kvm_tdp_mmu_unmap_gfn_range_progress(kvm->mmu, start, end, true, &zapped);
	if (!r)
		zapped = end;
	else if (r != -EAGAIN || kvm_mmu_is_bugged(kvm->mmu))
		zapped = start;
	/*
	 * A REMOVE that failed part way (policy=recover) left [start, zapped)
	 * unmapped: punch that part too, so what was done is done whole (no
	 * backing left behind a hole the guest already lost) and the caller
	 * retries from where it stopped, as with a conversion.
	 */
	if (zapped > start) {
		gmem_punch(&kvm->gmem, start, zapped);
		*done = gfn_to_gpa(zapped - start);
	}
	kvm_mmu_invalidate_end(kvm->mmu, wstart, wend);
	write_unlock(lock);
	return r;
}
