// SPDX-License-Identifier: GPL-2.0-only
/*
 * TDH.MEM.PAGE.AUG: add a PENDING page (4K or 2M) for the guest to accept.
 */
#include "tdxmod_internal.h"

u64 tdh_mem_page_aug(struct tdxmod_td *td, struct tdx_module_args *args)
{
	struct tdxmod *mod = td->mod;
	hpa_t page = args->r8;
	int level = page_info_level(args->rcx);
	const struct sept_rule *rule;
	struct pamt_ref ref;
	struct sept_walk w;
	u64 err;

	err = tdxmod_sept_leaf_prefix(td, args, OPS_ANY, 0, 1, false, &w);
	if (err)
		return err;
	err = sept_rule_check(td, args, SEPT_OP_PAGE_AUG, &w, &rule);
	if (err) {
		sept_lock_release(sept_walk_ptr(&w));
		goto out;
	}
	err = pamt_check_and_lock_free(mod, page, level, TDX_OPERAND_ID_R8, &ref);
	if (err) {
		sept_lock_release(sept_walk_ptr(&w));
		goto out;
	}
	pamt_set(ref.e, PT_REG, tdr_owner(td));
	if (level == 0)
		pamt_inc_page_count(mod, page);
	stat_counter_add(&td->chldcnt, (s64)tdxmod_level_pages(level));
	sept_write_and_unlock(sept_walk_ptr(&w), septe_make(rule->next, page));
	pamt_unlock(&ref);
out:
	tdxmod_sept_leaf_release(td, false);
	return err;
}
