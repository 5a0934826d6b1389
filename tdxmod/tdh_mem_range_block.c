// SPDX-License-Identifier: GPL-2.0-only
/*
 * TDH.MEM.RANGE.BLOCK: block a leaf or non-leaf entry and record the TLB
 * epoch of the block in the PAMT (BEPOCH), for the later tracking check.
 */
#include "tdxmod_internal.h"

u64 tdh_mem_range_block(struct tdx_td *td, struct tdx_module_args *args)
{
	enum tdx_sept_state s;
	struct sept_walk w;
	u64 err, e;

	err = tdx_sept_leaf_prefix(td, args, OPS_ANY, 0, TDX_SEPT_MAX_LEVEL, true, &w);
	if (err)
		return err;
	s = septe_state(w.entry);
	if (sept_state_any_blocked(s)) {
		/* A warning (bit 63 clear), with the details. */
		sept_set_details(td, args, w.entry, w.level);
		sept_lock_release(sept_walk_ptr(&w));
		err = TDX_GPA_RANGE_ALREADY_BLOCKED | TDX_OPERAND_ID_RCX;
		goto out;
	}
	if (s != TDX_SEPT_NL_MAPPED && s != TDX_SEPT_MAPPED && s != TDX_SEPT_PENDING) {
		sept_set_details(td, args, w.entry, w.level);
		sept_lock_release(sept_walk_ptr(&w));
		err = TDX_EPT_ENTRY_STATE_INCORRECT | TDX_OPERAND_ID_RCX;
		goto out;
	}
	/* Blocking clears a partial 2M accept. */
	e = (w.entry & ~(SEPTE_STATE_MASK | SEPTE_ACCEPT_MASK)) | sept_state_blocked(s);
	sept_write_and_unlock(sept_walk_ptr(&w), e);
	/* Sampled after the entry is blocked. */
	atomic_store(&sept_bepoch_entry(td->mod, e, w.level)->bepoch, atomic_load(&td->td_epoch));
out:
	tdx_sept_leaf_release(td, true);
	return err;
}
