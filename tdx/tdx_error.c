// SPDX-License-Identifier: GPL-2.0-only
/*
 * The error policy: the only place that decides what an unexpected
 * SEAMCALL status means for the VM (TDX_BUG_ON's role).  Expected statuses
 * (OPERAND_BUSY on the map path, INTERRUPTED_RESTARTABLE from DEMOTE) are
 * handled by their callers and never get here.  The policy only decides;
 * tdx_handle_sept_error() (tdx_track.c) carries the decision out, since
 * undoing may take a SEAMCALL with the vCPUs held out.
 */
#include <errno.h>

#include "tdx_internal.h"

static enum tdx_error_action tdx_recover(const struct tdx_sept_op *op)
{
	switch (op->leaf) {
	case TDH_MEM_RANGE_BLOCK:
		/* Nothing changed in the module: the caller may simply retry. */
		return TDX_ERR_RETRY;
	case TDH_MEM_PAGE_DEMOTE:
	case TDH_MEM_PAGE_REMOVE:
	case TDH_MEM_SEPT_REMOVE:
		/*
		 * BLOCK and TRACK were done, so the entry is tracked and
		 * UNBLOCK may bring it back as it was.
		 */
		return op->blocked ? TDX_ERR_UNBLOCK_RETRY : TDX_ERR_RETRY;
	default:
		/* Map path, TRACK (the blocked entry is not tracked), PAMT. */
		return TDX_ERR_BUG;
	}
}

/* The first error the VM does not survive: the cause reports show. */
int tdx_fatal(struct kvm_tdx *kvm_tdx, const struct tdx_sept_op *op, u64 err)
{
	if (!atomic_exchange(&kvm_tdx->fatal_claimed, true)) {
		kvm_tdx->fatal = (struct tdx_error_info){op->leaf, err, op->gfn, op->level};
		atomic_store_explicit(&kvm_tdx->fatal_recorded, true, memory_order_release);
	}
	return -EIO;
}

bool tdx_get_fatal_error(struct kvm_tdx *kvm_tdx, struct tdx_error_info *info)
{
	if (!atomic_load_explicit(&kvm_tdx->fatal_recorded, memory_order_acquire))
		return false;
	*info = kvm_tdx->fatal;
	return true;
}

enum tdx_error_action tdx_sept_error_policy(struct kvm_tdx *kvm_tdx, const struct tdx_sept_op *op,
					    u64 err)
{
	counter_inc(&kvm_tdx->errors);

	switch (kvm_tdx->cfg.policy) {
	case TDX_POLICY_RECOVER:
		return tdx_recover(op);
	case TDX_POLICY_UPSTREAM:
	default:
		/* KVM: TDX_BUG_ON -> KVM_BUG_ON; the MMU marks the VM bugged. */
		(void)err;
		return TDX_ERR_BUG;
	}
}

int tdx_handle_batched_error(struct kvm_tdx *kvm_tdx, const struct tdx_sept_op *op, u64 err)
{
	counter_inc(&kvm_tdx->errors);
	/*
	 * Under either policy: the mirror no longer maps the leaf, so an
	 * UNBLOCK would leave the S-EPT mapping what KVM forgot.  Bug the VM.
	 */
	return tdx_fatal(kvm_tdx, op, err);
}
