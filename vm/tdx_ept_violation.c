// SPDX-License-Identifier: GPL-2.0-only
/*
 * EPT-violation TD exits (tdx_handle_ept_violation): when the guest's
 * ACCEPT asks for a smaller level than the host mapped
 * (tdx_handle_mismatched_accept), split under the write mmu_lock and set
 * the one-way guest inhibit for the larger levels, then run the normal
 * fault; the guest re-executes its ACCEPT after re-entry.
 */
#include <errno.h>

#include "vm_internal.h"

static int tdx_handle_mismatched_accept(struct kvm *kvm, gfn_t gfn, int level)
{
	struct rwlock *lock = kvm_mmu_lock(kvm->mmu);
	gfn_t start, end;
	int r;

	if (level > PG_LEVEL_2M)
		return 0;
	/*
	 * Lock-free: the bit is one-way and set only after the split.  Without
	 * this test (vm no_inhibit_precheck) every ACCEPT-level exit takes the
	 * write lock: the series measured 17,626 such acquisitions in a boot
	 * against 11 with it.
	 */
	if (!kvm->cfg.no_inhibit_precheck && hugepage_test_guest_inhibit(kvm->mmu, gfn, level + 1))
		return 0;

	start = gfn_round_for_level(gfn, level);
	end = start + KVM_PAGES_PER_HPAGE(level);
	if (end > kvm->nr_gfns)
		end = kvm->nr_gfns;

	write_lock(lock);
	kvm_accept_stats_write_lock(kvm);
	/*
	 * No TLB flush needed afterwards: BLOCK + TRACK + kick inside each
	 * split already made every vCPU drop the huge translation.
	 */
	r = kvm_tdp_mmu_split_huge_pages(kvm->mmu, start, end, level, true);
	if (!r && !hugepage_test_guest_inhibit(kvm->mmu, gfn, level + 1)) {
		hugepage_set_guest_inhibit(kvm->mmu, gfn, level + 1);
		if (level == PG_LEVEL_4K)
			hugepage_set_guest_inhibit(kvm->mmu, gfn, level + 2);
		counter_inc(&kvm->guest_inhibits);
	}
	write_unlock(lock);
	return r;
}

int tdx_handle_ept_violation(struct kvm *kvm, int vcpu, bool shared_access, bool write,
			     const struct tdx_ept_exit *exit, enum kvm_fault_result *res)
{
	gfn_t gfn = gpa_to_gfn(exit->gpa);
	int r;

	(void)vcpu;
	counter_inc(&kvm->ept_violations);
	if (kvm_mmu_is_bugged(kvm->mmu))
		return -EIO;

	if (!shared_access && tdx_eeq_type(exit->ext_exit_qual) == TDX_EXT_EXIT_QUAL_TYPE_ACCEPT) {
		int level = tdx_sept_level_to_pg_level(tdx_eeq_req_level(exit->ext_exit_qual));

		kvm_accept_stats_exit(kvm, gfn, level);
		r = tdx_handle_mismatched_accept(kvm, gfn, level);
		if (r)
			return r;
	}
	/* Private faults are always handled as writes (TDX has no read-only private). */
	return kvm_mmu_page_fault(kvm, gfn, !shared_access, write || !shared_access,
				  KVM_MAX_HUGEPAGE_LEVEL, res);
}
