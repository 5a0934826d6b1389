// SPDX-License-Identifier: GPL-2.0-only
/*
 * TDH.MEM.SEPT.ADD: make the FREE entry at RCX's level a non-leaf pointing
 * to the new S-EPT page in R8.  RDX bit 0 = allow_existing.
 */
#include "tdxmod_internal.h"

#define SEPT_ADD_ALLOW_EXISTING BIT_ULL(0)

u64 tdh_mem_sept_add(struct tdxmod_td *td, struct tdx_module_args *args)
{
	struct tdxmod *mod = td->mod;
	u64 flags = args->rdx;
	hpa_t page = args->r8;
	int level = page_info_level(args->rcx);
	const struct sept_rule *rule;
	struct sept_page *sp;
	struct pamt_ref ref;
	struct sept_walk w;
	u64 err;

	if (flags & ~SEPT_ADD_ALLOW_EXISTING) {
		args->rcx = 0;
		args->rdx = 0;
		return TDX_OPERAND_INVALID | TDX_OPERAND_ID_RDX;
	}
	err = tdxmod_sept_leaf_prefix(td, args, OPS_ANY, 1, TDX_SEPT_MAX_LEVEL, false, &w);
	if (err)
		return err;

	err = sept_rule_check(td, args, SEPT_OP_SEPT_ADD, &w, &rule);
	if (err) {
		sept_lock_release(sept_walk_ptr(&w));
		goto out;
	}
	if (septe_state(w.entry) == rule->next) {
		/*
		 * Already there (NL_MAPPED): the table allows it, RDX decides.
		 * With allow_existing: success, R8 not consumed.
		 */
		if (!(flags & SEPT_ADD_ALLOW_EXISTING)) {
			sept_set_details(td, args, w.entry, w.level);
			err = TDX_EPT_ENTRY_STATE_INCORRECT | TDX_OPERAND_ID_RCX;
		}
		sept_lock_release(sept_walk_ptr(&w));
		goto out;
	}
	err = pamt_check_and_lock_free(mod, page, 0, TDX_OPERAND_ID_R8, &ref);
	if (err) {
		sept_lock_release(sept_walk_ptr(&w));
		goto out;
	}
	sp = sept_page_alloc(page, level - 1);
	BASE_OOM_CHECK(sp, "an S-EPT page of the module model");
	pamt_set(ref.e, PT_EPT, tdr_owner(td));
	pamt_inc_page_count(mod, page);
	stat_counter_add(&td->chldcnt, 1);
	atomic_store_explicit(sept_child_slot(w.sp, w.idx), sp, memory_order_release);
	sept_write_and_unlock(sept_walk_ptr(&w), septe_make(rule->next, page));
	pamt_unlock(&ref);
out:
	tdxmod_sept_leaf_release(td, false);
	return err;
}
