// SPDX-License-Identifier: GPL-2.0-only
/*
 * TDH.MR.FINALIZE: ends the build phase; the TD becomes RUNNABLE.
 */
#include "tdxmod_internal.h"

/*
 * The module locks the TDR exclusively (operand RCX) instead of taking the
 * op-state lock; the model's exclusive op-state lock stands for it.  Op
 * state first (so a second FINALIZE is OP_STATE_INCORRECT), then "no vCPU".
 */
u64 tdh_mr_finalize(struct tdxmod_td *td, struct tdx_module_args *args)
{
	u64 err = TDX_SUCCESS;

	(void)args;
	if (!sharex_try_ex(&td->op_state_lock))
		return TDX_OPERAND_BUSY | TDX_OPERAND_ID_RCX;
	if (atomic_load(&td->op_state) != TDX_OP_STATE_INITIALIZED)
		err = TDX_OP_STATE_INCORRECT;
	else if (!td->nr_vcpus)
		err = TDX_NO_VCPUS;
	else
		atomic_store(&td->op_state, TDX_OP_STATE_RUNNABLE);
	sharex_release(&td->op_state_lock, true);
	return err;
}
