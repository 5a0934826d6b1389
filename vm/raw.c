// SPDX-License-Identifier: GPL-2.0-only
/*
 * Raw module access for conformance scenarios (bypasses the MMU) and fault
 * injection: the glue does the work (tdx/tdx_raw.c); the VM serialises
 * with the vCPU the call is made for.
 */
#include "vm_internal.h"

u64 kvm_raw_seamcall(struct kvm *kvm, enum tdxmod_leaf leaf, gpa_t gpa, int tdx_level, u64 flags,
		     u64 *ext1, u64 *ext2)
{
	return tdx_raw_seamcall(kvm->kvm_tdx, leaf, gpa, tdx_level, flags, ext1, ext2);
}

u64 kvm_raw_tdcall_accept(struct kvm *kvm, int vcpu, gpa_t gpa, int tdx_level, bool *exited,
			  struct tdx_ept_exit *exit)
{
	struct kvm_vcpu *v;
	u64 st;

	if (vcpu < 0 || vcpu >= kvm->cfg.nr_vcpus)
		return TDX_OPERAND_INVALID;
	v = &kvm->vcpus[vcpu];
	pthread_mutex_lock(&v->lock);
	st = tdx_raw_tdcall_accept(kvm->kvm_tdx, vcpu, gpa, tdx_level, exited, exit);
	pthread_mutex_unlock(&v->lock);
	return st;
}

u64 kvm_raw_vcpu_enter(struct kvm *kvm, int vcpu)
{
	struct kvm_vcpu *v;
	u64 st = TDX_SUCCESS;

	if (vcpu < 0 || vcpu >= kvm->cfg.nr_vcpus)
		return TDX_OPERAND_INVALID;
	v = &kvm->vcpus[vcpu];
	pthread_mutex_lock(&v->lock);
	if (!tdx_vcpu_in_td(kvm->kvm_tdx, vcpu))
		st = tdx_vcpu_enter(kvm->kvm_tdx, vcpu);
	pthread_mutex_unlock(&v->lock);
	return st;
}

void kvm_raw_vcpu_exit(struct kvm *kvm, int vcpu)
{
	struct kvm_vcpu *v;

	if (vcpu < 0 || vcpu >= kvm->cfg.nr_vcpus)
		return;
	v = &kvm->vcpus[vcpu];
	pthread_mutex_lock(&v->lock);
	if (tdx_vcpu_in_td(kvm->kvm_tdx, vcpu))
		tdx_vcpu_exit(kvm->kvm_tdx, vcpu);
	pthread_mutex_unlock(&v->lock);
}

int kvm_inject_leaf(struct kvm *kvm, enum tdxmod_leaf leaf, u64 status, u64 count, u64 after)
{
	return tdx_inject_leaf(kvm->kvm_tdx, leaf, status, count, after);
}

int kvm_inject_alloc_fail(struct kvm *kvm, u64 count, u64 after)
{
	return fault_inject_add(frame_allocator_inject(kvm->fa), 0, count, after);
}
