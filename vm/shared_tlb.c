// SPDX-License-Identifier: GPL-2.0-only
/*
 * The vCPUs' TLBs for shared GPAs (the shared EPT is the direct root).  A
 * shared access hits the vCPU's TLB, or walks the direct root and caches
 * the translation; the CPU does not look at the table again while the
 * entry is cached.  So every direct-root change that takes a translation
 * away must be followed by kvm_flush_remote_tlbs before mmu_lock is
 * released, as KVM does after its zaps.
 *
 * The TLB is touched only under vcpu->lock: by the vCPU while it executes
 * inside the TD, and by the flush, which takes each vCPU's lock as the
 * kick does (the vCPU's acknowledgement of the request).
 */
#include <string.h>

#include "vm_internal.h"

static struct kvm_shared_tlb_entry *tlb_slot(struct kvm_vcpu *vcpu, gfn_t gfn)
{
	return &vcpu->shared_tlb[gfn % KVM_SHARED_TLB_ENTRIES];
}

bool kvm_vcpu_shared_translate(struct kvm_vcpu *vcpu, gfn_t gfn)
{
	struct kvm_shared_tlb_entry *e = tlb_slot(vcpu, gfn);
	kvm_pfn_t pfn;

	if (e->valid && e->gfn == gfn)
		return true;
	if (!kvm_tdp_mmu_walk_lockless(vcpu->kvm->mmu, gfn, false, NULL, &pfn))
		return false;
	/* Between the walk and the fill: a zap here must still be flushed. */
	yield_point(YIELD_SEAMCALL, "shared TLB fill");
	*e = (struct kvm_shared_tlb_entry){.gfn = gfn, .pfn = pfn, .valid = true};
	return true;
}

/* kvm_flush_remote_tlbs, as registered with the MMU (mmu_lock held). */
void kvm_flush_shared_tlbs(void *vm)
{
	struct kvm *kvm = vm;
	int i;

	for (i = 0; i < kvm->cfg.nr_vcpus; i++) {
		struct kvm_vcpu *vcpu = &kvm->vcpus[i];

		mutex_lock_yield(&vcpu->lock, "tlb flush: vcpu lock");
		for (int j = 0; j < KVM_SHARED_TLB_ENTRIES; j++)
			vcpu->shared_tlb[j].valid = false;
		pthread_mutex_unlock(&vcpu->lock);
	}
}

int kvm_shared_tlb_for_each(struct kvm *kvm, kvm_shared_tlb_fn fn, void *arg)
{
	int i, r = 0;

	for (i = 0; i < kvm->cfg.nr_vcpus && !r; i++) {
		struct kvm_vcpu *vcpu = &kvm->vcpus[i];
		struct kvm_shared_tlb_entry copy[KVM_SHARED_TLB_ENTRIES];

		/* Copy under the lock, call back without it. */
		pthread_mutex_lock(&vcpu->lock);
		memcpy(copy, vcpu->shared_tlb, sizeof(copy));
		pthread_mutex_unlock(&vcpu->lock);
		for (int j = 0; j < KVM_SHARED_TLB_ENTRIES && !r; j++)
			if (copy[j].valid)
				r = fn(arg, i, copy[j].gfn, copy[j].pfn);
	}
	return r;
}
