// SPDX-License-Identifier: GPL-2.0-only
/*
 * TDH.MEM.SEPT.REMOVE: free an empty S-EPT page (its parent entry blocked
 * and tracked once the TD is RUNNABLE).  RCX out = the page (| hint).
 */
#include "tdxmod_internal.h"

u64 tdh_mem_sept_remove(struct tdxmod_td *td, struct tdx_module_args *args)
{
	struct tdxmod *mod = td->mod;
	struct sept_page *child;
	const struct sept_rule *rule;
	struct pamt_ref ref;
	struct sept_walk w;
	hpa_t page;
	bool hint;
	u64 err;

	err = tdxmod_sept_leaf_prefix(td, args, OPS_ANY, 1, TDX_SEPT_MAX_LEVEL, true, &w);
	if (err)
		return err;
	err = tdxmod_sept_lock_mapped_pamt(td, args, &w, SEPT_OP_SEPT_REMOVE, &rule, &ref);
	if (err)
		goto out_unlock;
	page = septe_pa(w.entry);
	child = sept_child(w.sp, w.idx);
	for (int i = 0; i < PTRS_PER_PTE; i++) {
		const struct sept_rule *c = sept_rule(SEPT_OP_SEPT_REMOVE_CHILD,
						      septe_state(atomic_load(&child->e[i])));

		if (c->verdict != SEPT_ALLOW) {
			/* The details are the removed entry's, not the child's. */
			sept_set_details(td, args, w.entry, w.level);
			err = c->status | TDX_OPERAND_ID_RCX;
			goto out_pamt;
		}
	}
	pamt_set(ref.e, PT_NDA, 0);
	hint = pamt_dec_page_count(mod, page);
	stat_counter_add(&td->chldcnt, -1);
	sept_write_and_unlock(sept_walk_ptr(&w), septe_make(rule->next, 0));
	/* The child pointer stays: a lock-free walker may still follow it. */
	sept_page_retire(td, child);
	pamt_unlock(&ref);
	args->rcx = page | (hint ? TDX_PAMT_REMOVAL_HINT : 0);
	goto out;

out_pamt:
	pamt_unlock(&ref);
out_unlock:
	sept_lock_release(sept_walk_ptr(&w));
out:
	tdxmod_sept_leaf_release(td, true);
	return err;
}
