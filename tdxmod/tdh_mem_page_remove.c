// SPDX-License-Identifier: GPL-2.0-only
/*
 * TDH.MEM.PAGE.REMOVE: take a leaf page away from the TD (blocked and
 * tracked first once the TD is RUNNABLE).  RCX out = the page (| hint).
 */
#include "tdxmod_internal.h"

u64 tdh_mem_page_remove(struct tdxmod_td *td, struct tdx_module_args *args)
{
	struct tdxmod *mod = td->mod;
	const struct sept_rule *rule;
	struct pamt_ref ref;
	struct sept_walk w;
	hpa_t page;
	bool hint = false;
	u64 err;

	err = tdxmod_sept_leaf_prefix(td, args, OPS_ANY, 0, 2, false, &w);
	if (err)
		return err;
	err = tdxmod_sept_lock_mapped_pamt(td, args, &w, SEPT_OP_PAGE_REMOVE, &rule, &ref);
	if (err)
		goto out_unlock;
	page = septe_pa(w.entry);
	pamt_set(ref.e, PT_NDA, 0);
	if (w.level == 0)
		hint = pamt_dec_page_count(mod, page);
	stat_counter_add(&td->chldcnt, -(s64)tdxmod_level_pages(w.level));
	sept_write_and_unlock(sept_walk_ptr(&w), septe_make(rule->next, 0));
	pamt_unlock(&ref);
	args->rcx = page | (hint ? TDX_PAMT_REMOVAL_HINT : 0);
	goto out;

out_unlock:
	sept_lock_release(sept_walk_ptr(&w));
out:
	tdxmod_sept_leaf_release(td, false);
	return err;
}
