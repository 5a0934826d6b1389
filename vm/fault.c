// SPDX-License-Identifier: GPL-2.0-only
/*
 * The fault path above the TDP MMU (kvm_mmu_page_fault / kvm_tdp_page_fault
 * and kvm_mmu_faultin_pfn's roles): private or shared by the access and the
 * attributes (a mismatch is KVM_EXIT_MEMORY_FAULT), the PFN from
 * guest_memfd or the shared backing, the maximum level, the invalidate
 * sequence read before the PFN is resolved (the MMU re-checks it under
 * mmu_lock), caches topped up before the lock.
 */
#include <errno.h>
#include <sched.h>

#include "vm_internal.h"

/*
 * tdx_gmem_max_mapping_level: private memory is 4K while the TD is built
 * (PAGE.ADD is 4K only) and at most 2M after (AUG stops at 2M).
 */
static int kvm_max_private_mapping_level(struct kvm *kvm, int level)
{
	if (!tdx_td_is_runnable(kvm->kvm_tdx))
		return PG_LEVEL_4K;
	return level < PG_LEVEL_2M ? level : PG_LEVEL_2M;
}

int kvm_mmu_page_fault(struct kvm *kvm, gfn_t gfn, bool private, bool write, int max_level,
		       enum kvm_fault_result *res)
{
	struct kvm_page_fault fault;
	int folio_level, level, r, tries;
	kvm_pfn_t pfn;

	if (gfn >= kvm->nr_gfns)
		return -EINVAL;
	/* No memslot: no RAM there; KVM exits to userspace (MMIO or error). */
	if (!kvm_gfn_in_memslot(kvm, gfn)) {
		*res = KVM_FAULT_MEMORY_FAULT;
		return 0;
	}

	/* Allocate outside mmu_lock; the MMU tops up again, cheaply, if needed. */
	r = kvm_mmu_topup_memory_caches(kvm->mmu);
	if (r)
		return r;

	for (tries = 0;; tries++) {
		if (kvm_mmu_is_bugged(kvm->mmu))
			return -EIO;
		/* KVM breaks out for a pending signal; bound it so a stuck module cannot hang us.
		 */
		if (tries == KVM_GUEST_MAX_FAULT_RETRIES)
			return -EAGAIN;
		fault = (struct kvm_page_fault){.gfn = gfn, .is_private = private, .write = write};
		fault.mmu_seq = kvm_mmu_invalidate_seq(kvm->mmu);

		/* The attributes decide; a disagreeing access exits to userspace. */
		if (private != kvm_gfn_is_private(kvm, gfn)) {
			*res = KVM_FAULT_MEMORY_FAULT;
			return 0;
		}
		r = gmem_get_pfn(private ? &kvm->gmem : &kvm->shared_mem, gfn, &pfn, &folio_level);
		if (r)
			return r;
		level = folio_level < kvm->cfg.max_level ? folio_level : kvm->cfg.max_level;
		if (private)
			level = kvm_max_private_mapping_level(kvm, level);
		fault.pfn = pfn;
		fault.max_level = level < max_level ? level : max_level;

		r = kvm_tdp_mmu_page_fault(kvm->mmu, &fault);
		if (r < 0)
			return r;
		if (r == RET_PF_FIXED || r == RET_PF_SPURIOUS) {
			if (private && r == RET_PF_FIXED)
				kvm_promote_after_fault(kvm, gfn, fault.mapped_level, folio_level);
			*res = KVM_FAULT_FIXED;
			return 0;
		}
		/* RET_PF_RETRY: an invalidation raced, or the module was busy. */
		yield_point(YIELD_BLOCKED, "fault retry");
		sched_yield();
	}
}
