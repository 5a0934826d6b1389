// SPDX-License-Identifier: GPL-2.0-only
/*
 * What every S-EPT leaf does before its own work, in the module's order:
 * TD op state (shared op-state lock), page-info and GPA checks, the S-EPT
 * tree lock, the walk, the entry lock; plus the BLOCK/TRACK precondition
 * shared by the leaves that remove or demote a mapping, and the simulated
 * host interrupt that DEMOTE polls.
 */
#include "tdxmod_internal.h"

bool tdxmod_page_info_valid(u64 rcx, int min_level, int max_level)
{
	int level = page_info_level(rcx);

	if (rcx & TDX_PAGE_INFO_RSVD)
		return false;
	if (level < min_level || level > max_level)
		return false;
	return !(page_info_gpa(rcx) & (tdxmod_level_size(level) - 1));
}

bool tdxmod_gpa_private_valid(gpa_t gpa)
{
	return gpa < BIT_ULL(TDX_GPAW) && !(gpa & TDX_SHARED_BIT);
}

bool tdxmod_is_tlb_tracked(struct tdxmod_td *td, u64 bepoch)
{
	u64 epoch = atomic_load(&td->td_epoch);

	if (bepoch + 1 == epoch && !atomic_load(&td->refcount[bepoch & 1]))
		return true;
	return bepoch + 1 < epoch;
}

u64 tdxmod_check_blocked_and_tracked(struct tdxmod_td *td, struct tdx_module_args *args, u64 entry,
				     int level, _Atomic u64 *bepoch)
{
	enum tdx_sept_state s = septe_state(entry);

	if (!tdxmod_tracking_required(td) || !sept_state_tlb_tracking_required(s))
		return TDX_SUCCESS;
	if (!sept_state_any_blocked(s)) {
		sept_set_details(td, args, entry, level);
		return TDX_GPA_RANGE_NOT_BLOCKED | TDX_OPERAND_ID_RCX;
	}
	if (!tdxmod_is_tlb_tracked(td, atomic_load(bepoch)))
		return TDX_TLB_TRACKING_NOT_DONE | TDX_OPERAND_ID_RCX;
	return TDX_SUCCESS;
}

u64 tdxmod_sept_lock_mapped_pamt(struct tdxmod_td *td, struct tdx_module_args *args,
				 struct sept_walk *w, enum sept_op op,
				 const struct sept_rule **rule, struct pamt_ref *ref)
{
	u64 err;

	err = sept_rule_check(td, args, op, w, rule);
	if (err)
		return err;
	/* The page at its size for a leaf, the child S-EPT page for a non-leaf. */
	err = pamt_walk_lock(td->mod, septe_pa(w->entry), septe_leaf(w->entry) ? w->level : 0, true,
			     ref);
	if (err)
		return err | TDX_OPERAND_ID_RCX;
	err = tdxmod_check_blocked_and_tracked(td, args, w->entry, w->level, &ref->e->bepoch);
	if (err)
		pamt_unlock(ref);
	return err;
}

/*
 * Order as in the module: TD/op state, page info (level, alignment,
 * reserved bits), GPA validity, tree lock, walk, entry lock.
 */
u64 tdxmod_sept_leaf_prefix(struct tdxmod_td *td, struct tdx_module_args *args, unsigned int ops,
			    int min_level, int max_level, bool tree_ex, struct sept_walk *w)
{
	u64 rcx = args->rcx;
	gpa_t gpa = page_info_gpa(rcx);
	int level = page_info_level(rcx);
	u64 err;

	args->rcx = 0;
	args->rdx = 0;
	err = tdxmod_op_state_enter(td, ops);
	if (err)
		return err;
	if (!tdxmod_page_info_valid(rcx, min_level, max_level) || !tdxmod_gpa_private_valid(gpa)) {
		err = TDX_OPERAND_INVALID | TDX_OPERAND_ID_RCX;
		goto out_op;
	}
	if (!sharex_try(&td->sept_lock, tree_ex)) {
		err = TDX_OPERAND_BUSY | TDX_OPERAND_ID_SEPT;
		goto out_op;
	}
	if (!sept_walk(td, gpa, level, w)) {
		sept_set_details(td, args, w->entry, w->level);
		err = TDX_EPT_WALK_FAILED | TDX_OPERAND_ID_RCX;
		goto out_tree;
	}
	if (sept_lock_acquire_host(sept_walk_ptr(w))) {
		sept_set_details(td, args, w->entry, w->level);
		err = TDX_OPERAND_BUSY | TDX_OPERAND_ID_RCX;
		goto out_tree;
	}
	/* Re-read under the entry lock. */
	w->entry = atomic_load_explicit(sept_walk_ptr(w), memory_order_acquire);
	/*
	 * Another thread may run while this one holds the tree lock (shared
	 * or exclusive) and the entry lock: explore reaches the BUSY answers
	 * of real contention (e.g. a split's BLOCK against another vCPU's AUG).
	 */
	yield_point(YIELD_SEAMCALL, "S-EPT tree and entry locked");
	return TDX_SUCCESS;

out_tree:
	sharex_release(&td->sept_lock, tree_ex);
out_op:
	tdxmod_op_state_exit(td);
	return err;
}

bool tdxmod_host_interrupt_pending(struct tdxmod *mod)
{
	bool pending;

	if (!mod->cfg.demote_interruptible)
		return false;
	pthread_mutex_lock(&mod->prng_lock);
	pending = prng_below(&mod->prng, 4) == 0;
	pthread_mutex_unlock(&mod->prng_lock);
	return pending;
}
