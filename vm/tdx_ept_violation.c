// SPDX-License-Identifier: GPL-2.0-only
/*
 * EPT-violation TD exits (tdx_handle_ept_violation): when the guest's
 * ACCEPT asks for a smaller level than the host mapped
 * (tdx_handle_mismatched_accept), split under the write mmu_lock and set
 * the one-way guest inhibit for the larger levels, then run the normal
 * fault; the guest re-executes its ACCEPT after re-entry.
 */
#include <errno.h>
#include <sched.h>

#include "tdpmmu/trace.h"
#include "vm_internal.h"

/*
 * split_lock=shared: the same split with mmu_lock held for read
 * (mmu/tdp_mmu_split_shared.c), so the other vCPUs keep faulting.  A
 * contended split gives the fault back (-EBUSY): the guest re-executes its
 * ACCEPT and exits again, as with KVM's RET_PF_RETRY.
 */
static int tdx_split_for_accept_shared(struct kvm *kvm, gfn_t gfn, int level, gfn_t start,
				       gfn_t end)
{
	struct rwlock *lock = kvm_mmu_lock(kvm->mmu);
	int r;

	/* Every page the split may take, before the lock. */
	r = kvm_mmu_topup_memory_caches(kvm->mmu);
	if (r)
		return r;
	read_lock(lock);
	r = kvm_tdp_mmu_split_huge_pages_shared(kvm->mmu, start, end, level);
	/* One of several concurrent setters counts it. */
	if (!r && hugepage_set_guest_inhibit_shared(kvm->mmu, gfn, level + 1)) {
		if (level == PG_LEVEL_4K)
			hugepage_set_guest_inhibit_shared(kvm->mmu, gfn, level + 2);
		counter_inc(&kvm->guest_inhibits);
		if (level == PG_LEVEL_4K)
			counter_inc(&kvm->guest_inhibits_4k);
	}
	read_unlock(lock);
	/* An empty DPAMT cache or a DEMOTE interrupted too often: retry the fault. */
	if (r == -ENOBUFS || r == -EINTR)
		r = -EBUSY;
	if (r == -EBUSY || r == -ENOMEM || r == -EAGAIN) {
		counter_inc(&kvm->split_retries);
		/* Whoever owns the entry must run before a retry can succeed. */
		yield_point(YIELD_BLOCKED, "shared split retry");
		sched_yield();
	}
	return r;
}

static int tdx_handle_mismatched_accept(struct kvm *kvm, gfn_t gfn, int level, u64 eeq)
{
	struct rwlock *lock = kvm_mmu_lock(kvm->mmu);
	bool shared = kvm->cfg.split_lock == KVM_SPLIT_LOCK_SHARED;
	gfn_t start, end;
	int r;

	if (level > PG_LEVEL_2M)
		return 0;
	/*
	 * Lock-free: the bit is one-way and set only after the split.  Only a
	 * promotion can map the range huge again (a pending huge leaf the
	 * guest now accepts below its level): then split anyway.  Under
	 * the shared lock a fault that read lpage_info before the bit was set
	 * may still install a huge leaf after the split's walk; the exit says
	 * so (the S-EPT walk ended on a leaf above the ACCEPT level), and then
	 * the split runs again.  Without this test (vm inhibit_precheck=off)
	 * every ACCEPT-level exit takes the write lock: the series measured
	 * 17,626 such acquisitions in a boot against 11 with it.
	 */
	if (!kvm->cfg.no_inhibit_precheck &&
	    hugepage_test_guest_inhibit(kvm->mmu, gfn, level + 1) &&
	    !kvm_promote_mapped_above(kvm, gfn, level) &&
	    !(shared && tdx_eeq_err_is_leaf(eeq) &&
	      tdx_sept_level_to_pg_level(tdx_eeq_err_level(eeq)) > level))
		return 0;

	start = gfn_round_for_level(gfn, level);
	end = start + KVM_PAGES_PER_HPAGE(level);
	if (end > kvm->nr_gfns)
		end = kvm->nr_gfns;

	if (shared) {
		r = tdx_split_for_accept_shared(kvm, gfn, level, start, end);
		if (r != -EOPNOTSUPP)
			return r;
	}

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
		if (level == PG_LEVEL_4K)
			counter_inc(&kvm->guest_inhibits_4k);
	}
	write_unlock(lock);
	return r;
}

static int __tdx_handle_ept_violation(struct kvm *kvm, bool shared_access, bool write,
				      const struct tdx_ept_exit *exit, enum kvm_fault_result *res)
{
	gfn_t gfn = gpa_to_gfn(exit->gpa);
	int r;

	if (kvm_mmu_is_bugged(kvm->mmu))
		return -EIO;

	if (!shared_access && tdx_eeq_type(exit->ext_exit_qual) == TDX_EXT_EXIT_QUAL_TYPE_ACCEPT) {
		int level = tdx_sept_level_to_pg_level(tdx_eeq_req_level(exit->ext_exit_qual));

		kvm_accept_stats_exit(kvm, gfn, level);
		r = tdx_handle_mismatched_accept(kvm, gfn, level, exit->ext_exit_qual);
		if (r)
			return r;
	}
	/* Private faults are always handled as writes (TDX has no read-only private). */
	return kvm_mmu_page_fault(kvm, gfn, !shared_access, write || !shared_access,
				  KVM_MAX_HUGEPAGE_LEVEL, res);
}

static const char *fault_outcome(int r, const enum kvm_fault_result *res)
{
	switch (r) {
	case 0:
		return *res == KVM_FAULT_MEMORY_FAULT ? "memory_fault" : "fixed";
	case -EIO:
		return "EIO";
	case -ENOMEM:
		return "ENOMEM";
	case -EAGAIN:
		return "EAGAIN";
	case -EBUSY:
		return "EBUSY";
	default:
		return "error";
	}
}

int tdx_handle_ept_violation(struct kvm *kvm, int vcpu, bool shared_access, bool write,
			     const struct tdx_ept_exit *exit, enum kvm_fault_result *res)
{
	int r;

	counter_inc(&kvm->ept_violations);
	r = __tdx_handle_ept_violation(kvm, shared_access, write, exit, res);
	trace_kvm_page_fault(vcpu, exit->gpa, !shared_access, write, fault_outcome(r, res));
	return r;
}
