// SPDX-License-Identifier: GPL-2.0-only
/*
 * TDH.MEM.RANGE.UNBLOCK: undo a BLOCK once the TLB tracking of the blocked
 * range is done (when the op state requires tracking).
 */
#include "tdxmod_internal.h"

u64 tdh_mem_range_unblock(struct tdx_td *td, struct tdx_module_args *args)
{
	enum tdx_sept_state s;
	struct sept_walk w;
	u64 err;

	err = tdx_sept_leaf_prefix(td, args, OPS_ANY, 0, TDX_SEPT_MAX_LEVEL, true, &w);
	if (err)
		return err;
	s = septe_state(w.entry);
	if (!sept_state_any_blocked(s)) {
		sept_set_details(td, args, w.entry, w.level);
		sept_lock_release(sept_walk_ptr(&w));
		err = TDX_EPT_ENTRY_STATE_INCORRECT | TDX_OPERAND_ID_RCX;
		goto out;
	}
	if (tdx_tracking_required(td) &&
	    !tdx_is_tlb_tracked(
		    td, atomic_load(&sept_bepoch_entry(td->mod, w.entry, w.level)->bepoch))) {
		/*
		 * 1.5 reports the tree as the operand here, unlike the other
		 * leaves; 2.0 (is_tlb_and_iotlb_tracked) reports RCX.
		 */
		sept_lock_release(sept_walk_ptr(&w));
		err = TDX_TLB_TRACKING_NOT_DONE |
		      (td->mod->cfg.version == TDX_MODULE_2_0 ? TDX_OPERAND_ID_RCX
							      : TDX_OPERAND_ID_SEPT);
		goto out;
	}
	sept_write_and_unlock(sept_walk_ptr(&w),
			      (w.entry & ~SEPTE_STATE_MASK) | sept_state_unblocked(s));
out:
	tdx_sept_leaf_release(td, true);
	return err;
}
