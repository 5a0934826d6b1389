// SPDX-License-Identifier: GPL-2.0-only
/*
 * Memory attributes per GFN (KVM_MEMORY_ATTRIBUTE_PRIVATE; all private at
 * creation) and KVM_SET_MEMORY_ATTRIBUTES: under the write mmu_lock and an
 * invalidation, split the private huge leaves that cross the range's ends
 * (to shared) and zap the mappings of the old kind, then store the new
 * attributes and recompute the MIXED flags of the huge pages touched.  An
 * error fails the operation with the attributes unchanged.
 */
#include <errno.h>

#include "vm_internal.h"

static inline u64 word_mask(gfn_t from, gfn_t to) /* bits [from, to) of one word, to <= 64 */
{
	u64 hi = to == 64 ? ~0ULL : (1ULL << to) - 1;

	return hi & ~((1ULL << from) - 1);
}

bool kvm_gfn_is_private(struct kvm *kvm, gfn_t gfn)
{
	return !(atomic_load_explicit(&kvm->shared_bits[gfn / 64], memory_order_acquire) &
		 (1ULL << (gfn % 64)));
}

/* Count the shared GFNs in [start, end). */
static u64 count_shared(struct kvm *kvm, gfn_t start, gfn_t end)
{
	u64 n = 0;

	while (start < end) {
		gfn_t w = start / 64, from = start % 64;
		gfn_t to = (end - w * 64) < 64 ? end - w * 64 : 64;
		u64 bits = atomic_load_explicit(&kvm->shared_bits[w], memory_order_relaxed);

		n += __builtin_popcountll(bits & word_mask(from, to));
		start = w * 64 + to;
	}
	return n;
}

static void set_shared(struct kvm *kvm, gfn_t start, gfn_t end, bool shared)
{
	while (start < end) {
		gfn_t w = start / 64, from = start % 64;
		gfn_t to = (end - w * 64) < 64 ? end - w * 64 : 64;
		u64 m = word_mask(from, to);

		if (shared)
			atomic_fetch_or_explicit(&kvm->shared_bits[w], m, memory_order_release);
		else
			atomic_fetch_and_explicit(&kvm->shared_bits[w], ~m, memory_order_release);
		start = w * 64 + to;
	}
}

/* hugepage_has_attrs' negation, for the part of the huge page inside the slot. */
static bool hugepage_mixed(struct kvm *kvm, gfn_t base, int level)
{
	gfn_t end = base + KVM_PAGES_PER_HPAGE(level);
	u64 n;

	if (end > kvm->nr_gfns)
		end = kvm->nr_gfns;
	n = count_shared(kvm, base, end);
	return n && n != end - base;
}

/* kvm_arch_post_set_memory_attributes: 2M first, 1G builds on it. */
static void update_mixed(struct kvm *kvm, gfn_t start, gfn_t end)
{
	int level;

	for (level = PG_LEVEL_2M; level <= PG_LEVEL_1G; level++) {
		u64 pages = KVM_PAGES_PER_HPAGE(level);
		gfn_t gfn;

		for (gfn = gfn_round_for_level(start, level); gfn < end; gfn += pages) {
			bool inside = gfn >= start && gfn + pages <= end;

			kvm_mmu_hugepage_set_mixed(kvm->mmu, gfn, level,
						   inside ? false
							  : hugepage_mixed(kvm, gfn, level));
		}
	}
}

int kvm_set_memory_attributes(struct kvm *kvm, gpa_t gpa, u64 size, bool to_private)
{
	u64 done;

	return kvm_set_memory_attributes_progress(kvm, gpa, size, to_private, &done);
}

int kvm_set_memory_attributes_progress(struct kvm *kvm, gpa_t gpa, u64 size, bool to_private,
				       u64 *done)
{
	gfn_t start = gpa_to_gfn(gpa), end = gpa_to_gfn(gpa + size);
	gfn_t wstart, wend, zapped = start;
	struct rwlock *lock;
	u64 shared;
	int r;

	*done = 0;
	r = kvm_host_range_begin(kvm, gpa, size);
	if (r)
		return r;

	shared = count_shared(kvm, start, end);
	if (to_private ? !shared : shared == end - start) {
		*done = size;
		return 0;
	}

	/*
	 * Invalidate the whole huge pages around the ends too, so a racing
	 * fault cannot map huge across GFNs whose attributes stay.
	 */
	wstart = gfn_round_for_level(start, KVM_MAX_HUGEPAGE_LEVEL);
	wend = gfn_round_for_level(end + KVM_PAGES_PER_HPAGE(KVM_MAX_HUGEPAGE_LEVEL) - 1,
				   KVM_MAX_HUGEPAGE_LEVEL);
	if (wend > kvm->nr_gfns)
		wend = kvm->nr_gfns;

	lock = kvm_mmu_lock(kvm->mmu);
	write_lock(lock);
	kvm_mmu_invalidate_begin(kvm->mmu, wstart, wend);
	if (to_private) {
		r = kvm_tdp_mmu_unmap_gfn_range(kvm->mmu, start, end, false);
	} else {
		/* Split first so only [start, end) is zapped, never a whole huge page. */
		r = kvm_split_cross_boundary_leafs(kvm, start, end);
		if (!r)
			r = kvm_tdp_mmu_unmap_gfn_range_progress(kvm->mmu, start, end, true,
								 &zapped);
	}
	if (!r) {
		zapped = end;
	} else if (r != -EAGAIN || kvm_mmu_is_bugged(kvm->mmu)) {
		zapped = start;
	}
	/*
	 * A recoverable failure part way (policy=recover: a REMOVE failed and
	 * its leaf is back) leaves [start, zapped) unmapped: the guest's
	 * private pages there are gone.  Keeping them private would make the
	 * guest's next access #VE on memory it had accepted; so that part is
	 * converted, and the caller learns how far it got (as the kernel's
	 * range operations report progress) and retries the rest.
	 */
	if (zapped > start) {
		set_shared(kvm, start, zapped, !to_private);
		update_mixed(kvm, start, zapped);
		*done = gfn_to_gpa(zapped - start);
	}
	kvm_mmu_invalidate_end(kvm->mmu, wstart, wend);
	write_unlock(lock);
	return r;
}
