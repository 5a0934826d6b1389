// SPDX-License-Identifier: GPL-2.0-only
/*
 * TDH.MEM.RANGE.BLOCK: block a leaf or non-leaf entry and record the TLB
 * epoch of the block in the PAMT (BEPOCH), for the later tracking check.
 */
#include "tdxmod_internal.h"

u64 tdh_mem_range_block(struct tdxmod_td *td, struct tdx_module_args *args)
{
	const struct sept_rule *rule;
	struct sept_walk w;
	u64 err, e;

	err = tdxmod_sept_leaf_prefix(td, args, OPS_ANY, 0, TDX_SEPT_MAX_LEVEL, true, &w);
	if (err)
		return err;
	/* Already blocked: GPA_RANGE_ALREADY_BLOCKED, a warning (bit 63 clear). */
	err = sept_rule_check(td, args, SEPT_OP_RANGE_BLOCK, &w, &rule);
	if (err) {
		sept_lock_release(sept_walk_ptr(&w));
		goto out;
	}
	/* Blocking clears a partial 2M accept. */
	e = (w.entry & ~(SEPTE_STATE_MASK | SEPTE_ACCEPT_MASK)) | rule->next;
	sept_write_and_unlock(sept_walk_ptr(&w), e);
	/* Sampled after the entry is blocked. */
	atomic_store(&sept_bepoch_entry(td->mod, e, w.level)->bepoch, atomic_load(&td->td_epoch));
out:
	tdxmod_sept_leaf_release(td, true);
	return err;
}
