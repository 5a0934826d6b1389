// SPDX-License-Identifier: GPL-2.0-only
/*
 * TDH.MEM.PAGE.PROMOTE: merge 512 uniform, contiguous children into one
 * leaf at the non-leaf entry's level and free the child S-EPT page.
 * RCX out = the freed S-EPT page (| hint); DPAMT 2M: R12/R13 = the pair.
 */
#include "tdxmod_internal.h"

/* Merge the PAMT entries one level below @level into the entry at @level. */
static void pamt_promote(struct tdxmod_td *td, hpa_t page, int level, struct tdx_module_args *args)
{
	struct tdxmod *mod = td->mod;
	struct pamt_entry *pe = pamt_entry_at(mod, page, level, true);
	u64 owner = 0;
	/* 4K entries DEMOTE left implicit and nothing needed since: one word. */
	bool merged = level == 1 && pamt_4k_promote(mod, page, &owner);

	if (!merged)
		owner = pamt_owner(pamt_entry_at(mod, page, level - 1, true));
	for (int i = 0; !merged && i < PTRS_PER_PTE; i++) {
		struct pamt_entry *c = pamt_entry_at(mod, page + i * tdxmod_level_size(level - 1),
						     level - 1, true);

		BASE_ASSERT(pamt_pt(c) == PT_REG && pamt_owner(c) == owner);
		pamt_set(c, PT_NDA, 0);
	}
	if (level == 1 && tdxmod_dpamt(mod) && pamt_pt(pe) == PT_PAMT)
		pamt_node_take_pair(mod, page, &args->r12, &args->r13);
	pamt_set(pe, PT_REG, owner);
}

/*
 * Scan the children in order, as the module does: lock child i (1.5 only;
 * 2.0 holds the tree exclusively), then check it.  Child 0: PA aligned to
 * the merged size, then MAPPED or PENDING; child i must equal child 0 with
 * the PA stepped.  A partial 2M accept counter is ignored (cleaned first).
 * Returns TDX_SUCCESS, TDX_OPERAND_BUSY or TDX_EPT_INVALID_PROMOTE_CONDITIONS;
 * *nr_locked children are left locked.
 */
static u64 promote_scan(struct sept_page *child, int level, bool lock, int *nr_locked)
{
	const struct sept_rule *r;
	u64 c0 = 0;

	*nr_locked = 0;
	for (int i = 0; i < PTRS_PER_PTE; i++) {
		u64 c;

		if (lock) {
			if (sept_lock_acquire_host(&child->e[i]))
				return TDX_OPERAND_BUSY;
			(*nr_locked)++;
		}
		c = atomic_load(&child->e[i]);
		if (i == 0) {
			c0 = c;
			if (septe_pa(c0) & (tdxmod_level_size(level) - 1))
				return TDX_EPT_INVALID_PROMOTE_CONDITIONS;
			r = sept_rule(SEPT_OP_PROMOTE_CHILD, septe_state(c0));
			if (r->verdict != SEPT_ALLOW)
				return r->status;
			continue;
		}
		if (septe_state(c) != septe_state(c0) || !septe_leaf(c) ||
		    septe_pa(c) != septe_pa(c0) + i * tdxmod_level_size(level - 1))
			return TDX_EPT_INVALID_PROMOTE_CONDITIONS;
	}
	return TDX_SUCCESS;
}

u64 tdh_mem_page_promote(struct tdxmod_td *td, struct tdx_module_args *args)
{
	struct tdxmod *mod = td->mod;
	/* 1.5 takes the tree lock shared and locks every child; 2.0 takes it exclusive. */
	bool tree_ex = mod->cfg.version == TDX_MODULE_2_0;
	u64 orig_rcx = args->rcx, orig_rdx = args->rdx;
	int nr_locked = 0;
	struct sept_page *child;
	const struct sept_rule *rule;
	struct pamt_ref ref;
	struct sept_walk w;
	hpa_t sept_pa, pa0;
	bool hint;
	u64 err, c0;

	err = tdxmod_sept_leaf_prefix(td, args, OPS_ANY, 1, 2, tree_ex, &w);
	if (err)
		return err;
	err = tdxmod_sept_lock_mapped_pamt(td, args, &w, SEPT_OP_PAGE_PROMOTE, &rule, &ref);
	if (err)
		goto out_unlock;
	sept_pa = septe_pa(w.entry);
	child = sept_child(w.sp, w.idx);
	err = promote_scan(child, w.level, !tree_ex, &nr_locked);
	if (err) {
		/* Details are those of the non-leaf entry being promoted. */
		sept_set_details(td, args, w.entry, w.level);
		err |= TDX_OPERAND_ID_RCX;
		goto out_children;
	}
	if (tdxmod_host_interrupt_pending(mod)) {
		args->rcx = orig_rcx;
		args->rdx = orig_rdx;
		err = TDX_INTERRUPTED_RESTARTABLE;
		goto out_children;
	}

	/* Commit. */
	c0 = atomic_load(&child->e[0]);
	pa0 = septe_pa(c0);
	pamt_promote(td, pa0, w.level, args);
	pamt_set(ref.e, PT_NDA, 0);
	hint = pamt_dec_page_count(mod, sept_pa);
	stat_counter_add(&td->chldcnt, -1);
	/* rule->next is SEPT_NEXT_FROM_CHILD: the children's common state decides. */
	sept_write_and_unlock(
		sept_walk_ptr(&w),
		septe_make(sept_rule(SEPT_OP_PROMOTE_CHILD, septe_state(c0))->next, pa0));
	/* The retired page keeps its (now stale) entries for lock-free walkers. */
	for (int i = 0; i < nr_locked; i++)
		sept_lock_release(&child->e[i]);
	sept_page_retire(td, child);
	pamt_unlock(&ref);
	args->rcx = sept_pa | (hint ? TDX_PAMT_REMOVAL_HINT : 0);
	goto out;

out_children:
	for (int i = 0; i < nr_locked; i++)
		sept_lock_release(&child->e[i]);
	pamt_unlock(&ref);
out_unlock:
	sept_lock_release(sept_walk_ptr(&w));
out:
	tdxmod_sept_leaf_release(td, tree_ex);
	return err;
}
