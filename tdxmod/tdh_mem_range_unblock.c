// SPDX-License-Identifier: GPL-2.0-only
/*
 * TDH.MEM.RANGE.UNBLOCK: undo a BLOCK once the TLB tracking of the blocked
 * range is done (when the op state requires tracking).
 */
#include "tdxmod_internal.h"

u64 tdh_mem_range_unblock(struct tdxmod_td *td, struct tdx_module_args *args)
{
	const struct sept_rule *rule;
	struct sept_walk w;
	u64 err;

	err = tdxmod_sept_leaf_prefix(td, args, OPS_ANY, 0, TDX_SEPT_MAX_LEVEL, true, &w);
	if (err)
		return err;
	err = sept_rule_check(td, args, SEPT_OP_RANGE_UNBLOCK, &w, &rule);
	if (err) {
		sept_lock_release(sept_walk_ptr(&w));
		goto out;
	}
	/* Not in the table: depends on the op state and the BEPOCH. */
	if (tdxmod_tracking_required(td) &&
	    !tdxmod_is_tlb_tracked(
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
	sept_write_and_unlock(sept_walk_ptr(&w), (w.entry & ~SEPTE_STATE_MASK) | rule->next);
out:
	tdxmod_sept_leaf_release(td, true);
	return err;
}
