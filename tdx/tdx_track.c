// SPDX-License-Identifier: GPL-2.0-only
/*
 * BLOCK / TRACK / kick and the retry after forcing vCPUs out
 * (tdh_do_no_vcpus, tdx_track in KVM).  All of it runs with mmu_lock held
 * for write by the MMU, which is what makes the single retry enough: no
 * other host S-EPT writer can interfere, and the held-out vCPUs cannot.
 */
#include <errno.h>

#include "tdpmmu/trace.h"
#include "tdx_internal.h"

void tdx_kick_all(struct kvm_tdx *kvm_tdx, bool hold)
{
	counter_inc(&kvm_tdx->kicks);
	trace_kvm_tdx_kick(counter_read(&kvm_tdx->kicks), hold);
	if (kvm_tdx->kick && kvm_tdx->kick->kick_all)
		kvm_tdx->kick->kick_all(kvm_tdx->vm, hold);
}

void tdx_release_all(struct kvm_tdx *kvm_tdx)
{
	if (kvm_tdx->kick && kvm_tdx->kick->release_all)
		kvm_tdx->kick->release_all(kvm_tdx->vm);
}

u64 tdh_do_no_vcpus(struct kvm_tdx *kvm_tdx, enum tdxmod_leaf leaf,
		    const struct tdx_module_args *in, struct tdx_module_args *out)
{
	u64 err;

	*out = *in;
	err = tdx_seamcall(kvm_tdx, leaf, out);
	if (likely(!tdx_operand_busy(err)))
		return err;

	/*
	 * A vCPU holds a lock in the module (a TDCALL, VP.ENTER's epoch
	 * lock): force every vCPU out and keep it out, then the retry cannot
	 * meet it.
	 */
	counter_inc(&kvm_tdx->busy_retries);
	tdx_kick_all(kvm_tdx, true);
	*out = *in;
	err = tdx_seamcall(kvm_tdx, leaf, out);
	tdx_release_all(kvm_tdx);
	return err;
}

int tdx_handle_sept_error(struct kvm_tdx *kvm_tdx, const struct tdx_sept_op *op, u64 err)
{
	struct tdx_module_args in = {.rcx = tdx_gpa_level(op->gfn, op->level)}, out;

	switch (tdx_sept_error_policy(kvm_tdx, op, err)) {
	case TDX_ERR_RETRY:
		return -EAGAIN;
	case TDX_ERR_UNBLOCK_RETRY:
		/* If even the UNBLOCK fails the tables cannot be trusted any more. */
		if (tdh_do_no_vcpus(kvm_tdx, TDH_MEM_RANGE_UNBLOCK, &in, &out))
			return tdx_fatal(kvm_tdx, op, err);
		return -EAGAIN;
	case TDX_ERR_BUG:
	default:
		return tdx_fatal(kvm_tdx, op, err);
	}
}

int tdx_block(struct kvm_tdx *kvm_tdx, gfn_t gfn, int level)
{
	struct tdx_module_args in = {.rcx = tdx_gpa_level(gfn, level)}, out;
	struct tdx_sept_op op = {.leaf = TDH_MEM_RANGE_BLOCK, .gfn = gfn, .level = level};
	u64 err;

	err = tdh_do_no_vcpus(kvm_tdx, TDH_MEM_RANGE_BLOCK, &in, &out);
	if (unlikely(err))
		return tdx_handle_sept_error(kvm_tdx, &op, err);
	return 0;
}

int tdx_block_and_track(struct kvm_tdx *kvm_tdx, gfn_t gfn, int level)
{
	int r = tdx_block(kvm_tdx, gfn, level);

	return r ? r : tdx_track(kvm_tdx);
}

int tdx_track(struct kvm_tdx *kvm_tdx)
{
	struct tdx_module_args in = {}, out;
	struct tdx_sept_op op = {.leaf = TDH_MEM_TRACK};
	u64 err;

	/* Before TDH.MR.FINALIZE the module requires no TLB tracking. */
	if (unlikely(!tdx_is_runnable(kvm_tdx)))
		return 0;
	if (tdpmmu_bug(TDPMMU_BUG_SKIP_TRACK))
		return 0;

	err = tdh_do_no_vcpus(kvm_tdx, TDH_MEM_TRACK, &in, &out);
	if (unlikely(err))
		return tdx_handle_sept_error(kvm_tdx, &op, err);
	counter_inc(&kvm_tdx->track_rounds);
	trace_kvm_tdx_track(counter_read(&kvm_tdx->track_rounds));

	/*
	 * The epoch moved to N+1; every vCPU that entered in epoch N must
	 * leave the TD before the blocked entry counts as tracked.  The kick
	 * returns only when all have exited (KVM_REQ_OUTSIDE_GUEST_MODE
	 * waits for the acks); they may re-enter at once, in N+1.
	 */
	if (!tdpmmu_bug(TDPMMU_BUG_SKIP_KICK_AFTER_TRACK))
		tdx_kick_all(kvm_tdx, false);
	return 0;
}
