// SPDX-License-Identifier: GPL-2.0-only
/*
 * TDH.MEM.PAGE.ADD: build-time 4K page, MAPPED at once (TD INITIALIZED only).
 * R9 (the source page) is not modelled.
 *
 * The module locks the TDR exclusively for this leaf and so holds the whole
 * TD: it takes neither the op-state lock, nor the tree lock, nor the entry
 * lock.  The model takes the op-state lock shared and the tree lock
 * exclusive instead, and reports contention on either as the TDR (RDX).
 */
#include "tdxmod_internal.h"

u64 tdh_mem_page_add(struct tdxmod_td *td, struct tdx_module_args *args)
{
	struct tdxmod *mod = td->mod;
	u64 rcx = args->rcx;
	gpa_t gpa = page_info_gpa(rcx);
	hpa_t page = args->r8;
	const struct sept_rule *rule;
	struct pamt_ref ref;
	struct sept_walk w;
	u64 err;

	args->rcx = 0;
	args->rdx = 0;
	if (!sharex_try_sh(&td->op_state_lock))
		return TDX_OPERAND_BUSY | TDX_OPERAND_ID_RDX;
	if (atomic_load(&td->op_state) != TDX_OP_STATE_INITIALIZED) {
		err = TDX_OP_STATE_INCORRECT;
		goto out_op;
	}
	if (!sharex_try_ex(&td->sept_lock)) {
		err = TDX_OPERAND_BUSY | TDX_OPERAND_ID_RDX;
		goto out_op;
	}
	if (!tdxmod_page_info_valid(rcx, 0, 0) || !tdxmod_gpa_private_valid(gpa)) {
		err = TDX_OPERAND_INVALID | TDX_OPERAND_ID_RCX;
		goto out;
	}
	if (!sept_walk(td, gpa, 0, &w)) {
		sept_set_details(td, args, w.entry, w.level);
		err = TDX_EPT_WALK_FAILED | TDX_OPERAND_ID_RCX;
		goto out;
	}
	/* No entry lock: the TD is held whole (see above). */
	err = sept_rule_check(td, args, SEPT_OP_PAGE_ADD, &w, &rule);
	if (err)
		goto out;
	err = pamt_check_and_lock_free(mod, page, 0, TDX_OPERAND_ID_R8, &ref);
	if (err)
		goto out;
	pamt_set(ref.e, PT_REG, tdr_owner(td));
	pamt_inc_page_count(mod, page);
	stat_counter_add(&td->chldcnt, 1);
	sept_write_and_unlock(sept_walk_ptr(&w), septe_make(rule->next, page));
	pamt_unlock(&ref);
out:
	sharex_release(&td->sept_lock, true);
out_op:
	tdxmod_op_state_exit(td);
	return err;
}
