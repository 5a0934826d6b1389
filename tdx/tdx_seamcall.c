// SPDX-License-Identifier: GPL-2.0-only
/*
 * The one door to the module model (arch/x86/virt/vmx/tdx/tdx.c's role):
 * every SEAMCALL of the glue goes through here so the last status is
 * known for reports (KVM_TDX_INIT_MEM_REGION's error, the runner's
 * "last status").
 */
#include "tdx_internal.h"

u64 tdx_seamcall(struct kvm_tdx *kvm_tdx, enum tdxmod_leaf leaf, struct tdx_module_args *args)
{
	u64 err = tdxmod_seamcall(kvm_tdx->td, leaf, args);

	/* Written only on change: threads calling at once need not share the line. */
	if (atomic_load_explicit(&kvm_tdx->last_status, memory_order_relaxed) != err)
		atomic_store_explicit(&kvm_tdx->last_status, err, memory_order_relaxed);
	return err;
}

u64 tdx_last_status(struct kvm_tdx *kvm_tdx)
{
	return atomic_load_explicit(&kvm_tdx->last_status, memory_order_relaxed);
}
