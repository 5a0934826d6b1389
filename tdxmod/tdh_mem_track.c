// SPDX-License-Identifier: GPL-2.0-only
/*
 * TDH.MEM.TRACK: advance the TD's TLB epoch once no vCPU is still inside
 * the TD in the previous epoch.
 */
#include "tdxmod_internal.h"

u64 tdh_mem_track(struct tdxmod_td *td, struct tdx_module_args *args)
{
	u64 err, epoch;

	(void)args;
	err = tdxmod_op_state_enter(td, OPS_ANY);
	if (err)
		return err;
	if (!sharex_try_ex(&td->epoch_lock)) {
		err = TDX_OPERAND_BUSY | TDX_OPERAND_ID_TD_EPOCH;
		goto out;
	}
	epoch = atomic_load(&td->td_epoch);
	if (atomic_load(&td->refcount[(epoch - 1) & 1]))
		err = TDX_PREVIOUS_TLB_EPOCH_BUSY;
	else
		atomic_store(&td->td_epoch, epoch + 1);
	sharex_release(&td->epoch_lock, true);
out:
	tdxmod_op_state_exit(td);
	return err;
}
