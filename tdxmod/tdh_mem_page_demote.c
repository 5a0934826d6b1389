// SPDX-License-Identifier: GPL-2.0-only
/*
 * TDH.MEM.PAGE.DEMOTE: split a 2M (1G) leaf into 512 4K (2M) leaves in the
 * new S-EPT page R8.  With Dynamic PAMT a 2M split takes the PAMT page
 * pair for the new 4K PAMT entries in R12/R13.
 */
#include "tdxmod_internal.h"

#define DEMOTE_L2_SEPT_ADD_MODE BIT_ULL(0)

/*
 * DPAMT pair checks of pamt_demote, in its order: R12 then R13 address,
 * R12 then R13 metadata NDA, then the bitmap test-and-set of R12 then R13
 * (so R13 == R12 fails on R13).
 */
static u64 demote_check_pair(struct tdxmod *mod, hpa_t hpa0, hpa_t hpa1)
{
	if (!hpa_valid(hpa0, PAGE_SIZE))
		return TDX_OPERAND_INVALID | TDX_OPERAND_ID_R12;
	if (!hpa_valid(hpa1, PAGE_SIZE))
		return TDX_OPERAND_INVALID | TDX_OPERAND_ID_R13;
	if (!pamt_page_nda(mod, hpa0))
		return TDX_PAGE_NOT_FREE | TDX_OPERAND_ID_R12;
	if (!pamt_page_nda(mod, hpa1))
		return TDX_PAGE_NOT_FREE | TDX_OPERAND_ID_R13;
	if (pamt_is_pamt_page(mod, hpa0))
		return TDX_PAGE_NOT_FREE | TDX_OPERAND_ID_R12;
	if (pamt_is_pamt_page(mod, hpa1) || hpa1 == hpa0)
		return TDX_PAGE_NOT_FREE | TDX_OPERAND_ID_R13;
	return TDX_SUCCESS;
}

/* Split the PAMT of a page mapped at @level into 512 entries one level down. */
static void pamt_demote(struct tdxmod_td *td, hpa_t page, int level, struct pamt_entry *pe,
			hpa_t hpa0, hpa_t hpa1)
{
	struct tdxmod *mod = td->mod;
	u64 word = pamt_word_make(PT_REG, pamt_owner(pe));
	/*
	 * @page is aligned to @level: its 512 smaller entries are contiguous.
	 * 4K entries never needed before stay one implicit word (no array).
	 */
	struct pamt_entry *first = level == 1 ? pamt_4k_demote(mod, page, word)
					      : pamt_entry_at(mod, page, level - 1, true);

	/*
	 * No walk reaches these entries before the parent entry changes below
	 * (a seq_cst update that publishes them): relaxed stores suffice.
	 */
	for (int i = 0; first && i < PTRS_PER_PTE; i++) {
		u64 old = atomic_load_explicit(&first[i].word, memory_order_relaxed);

		atomic_store_explicit(&first[i].word,
				      (old & (PAMT_LOCK_MASK | PAMT_IS_PAMT_PAGE)) | word,
				      memory_order_relaxed);
		atomic_store_explicit(&first[i].bepoch, 0, memory_order_relaxed);
	}
	if (level == 1 && tdxmod_dpamt(mod)) {
		pamt_node_set_pair(mod, page, hpa0, hpa1, PTRS_PER_PTE);
		pamt_set(pe, PT_PAMT, 0);
	} else {
		pamt_set(pe, PT_NDA, 0);
	}
}

u64 tdh_mem_page_demote(struct tdxmod_td *td, struct tdx_module_args *args)
{
	struct tdxmod *mod = td->mod;
	u64 orig_rcx = args->rcx, orig_rdx = args->rdx;
	hpa_t new_page = args->r8;
	struct pamt_ref sept_ref = {0}, page_ref = {0};
	const struct sept_rule *rule;
	struct sept_page *sp;
	struct sept_walk w;
	hpa_t page;
	u64 err, child, step;

	if (args->rdx & ~DEMOTE_L2_SEPT_ADD_MODE) {
		args->rcx = 0;
		args->rdx = 0;
		return TDX_OPERAND_INVALID | TDX_OPERAND_ID_RDX;
	}
	err = tdxmod_sept_leaf_prefix(td, args, OPS_ANY, 1, 2, false, &w);
	if (err)
		return err;
	err = sept_rule_check(td, args, SEPT_OP_PAGE_DEMOTE, &w, &rule);
	if (err)
		goto out_unlock;
	page = septe_pa(w.entry);
	/* Not in the table: the gate needs the op state and the BEPOCH. */
	err = tdxmod_check_blocked_and_tracked(td, args, w.entry & ~SEPTE_ACCEPT_MASK, w.level,
					       &sept_bepoch_entry(mod, w.entry, w.level)->bepoch);
	if (err)
		goto out_unlock;
	err = pamt_check_and_lock_free(mod, new_page, 0, TDX_OPERAND_ID_R8, &sept_ref);
	if (err)
		goto out_unlock;
	/* Nothing is committed yet: a pending interrupt just restarts the call. */
	if (tdxmod_host_interrupt_pending(mod)) {
		args->rcx = orig_rcx;
		args->rdx = orig_rdx;
		err = TDX_INTERRUPTED_RESTARTABLE;
		goto out_sept_page;
	}
	err = pamt_walk_lock(mod, page, w.level, true, &page_ref);
	if (err) {
		err |= TDX_OPERAND_ID_RCX;
		goto out_sept_page;
	}
	BASE_ASSERT(page_ref.level == w.level && pamt_pt(page_ref.e) == PT_REG);
	if (w.level == 1 && tdxmod_dpamt(mod)) {
		err = demote_check_pair(mod, args->r12, args->r13);
		if (err)
			goto out_page;
	}

	/* Commit: 512 unblocked, unlocked copies of the entry, PA stepping. */
	sp = demote_reserve_sept_page(td, new_page, w.level - 1);
	child = septe_make(rule->child, page);
	step = tdxmod_level_size(w.level - 1);
	/*
	 * No one can reach the page before it is published below (child
	 * pointer, parent entry: release), so plain stores fill it.
	 */
	page_fill_step((void *)sp->e, child, step);
	pamt_demote(td, page, w.level, page_ref.e, args->r12, args->r13);
	pamt_set(sept_ref.e, PT_EPT, tdr_owner(td));
	pamt_inc_page_count(mod, new_page);
	stat_counter_add(&td->chldcnt, 1);
	atomic_store_explicit(sept_child_slot(w.sp, w.idx), sp, memory_order_release);
	sept_write_and_unlock(sept_walk_ptr(&w), septe_make(rule->next, new_page));
	pamt_unlock(&page_ref);
	pamt_unlock(&sept_ref);
	goto out;

out_page:
	pamt_unlock(&page_ref);
out_sept_page:
	pamt_unlock(&sept_ref);
out_unlock:
	sept_lock_release(sept_walk_ptr(&w));
out:
	tdxmod_sept_leaf_release(td, false);
	return err;
}
