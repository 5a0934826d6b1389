// SPDX-License-Identifier: GPL-2.0-only
/*
 * TDH.PHYMEM.PAMT.ADD / REMOVE (2.0 with Dynamic PAMT): install or take
 * back the pair of 4K pages that holds a 2M region's PAMT_4K entries.
 */
#include "tdxmod_internal.h"

#define PAMT_PAGE_INFO_LEVEL_2M 1ULL

static bool pamt_rcx_valid(u64 rcx)
{
	hpa_t hpa = rcx & ~0xFFFULL;

	return (rcx & 0xFFF) == PAMT_PAGE_INFO_LEVEL_2M && hpa_valid(hpa, tdxmod_level_size(1));
}

static bool pamt_page_free(struct tdxmod *mod, hpa_t hpa)
{
	return pamt_page_nda(mod, hpa) && !pamt_is_pamt_page(mod, hpa);
}

u64 tdh_phymem_pamt_add(struct tdxmod_td *td, struct tdx_module_args *args)
{
	struct tdxmod *mod = td->mod;
	hpa_t hpa = args->rcx & ~0xFFFULL, hpa0 = args->rdx, hpa1 = args->r8;
	struct pamt_entry *e1g, *e2m;
	u64 err = TDX_SUCCESS;

	if (!tdxmod_dpamt(mod))
		return TDX_OPERAND_INVALID | TDX_OPERAND_ID_RAX;
	if (!pamt_rcx_valid(args->rcx))
		return TDX_OPERAND_INVALID | TDX_OPERAND_ID_RCX;
	if (!hpa_valid(hpa0, PAGE_SIZE))
		return TDX_OPERAND_INVALID | TDX_OPERAND_ID_RDX;
	if (!hpa_valid(hpa1, PAGE_SIZE))
		return TDX_OPERAND_INVALID | TDX_OPERAND_ID_R8;
	e1g = pamt_entry_at(mod, hpa, 2, true);
	e2m = pamt_entry_at(mod, hpa, 1, true);
	if (!pamt_lock_try(e2m, true))
		return TDX_OPERAND_BUSY | TDX_OPERAND_ID_RCX;
	if (pamt_pt(e1g) != PT_NDA || pamt_pt(e2m) != PT_NDA) {
		err = TDX_HPA_RANGE_NOT_FREE | TDX_OPERAND_ID_RCX;
		goto out;
	}
	if (!pamt_page_free(mod, hpa0)) {
		err = TDX_PAGE_NOT_FREE | TDX_OPERAND_ID_RDX;
		goto out;
	}
	if (!pamt_page_free(mod, hpa1) || hpa1 == hpa0) {
		err = TDX_PAGE_NOT_FREE | TDX_OPERAND_ID_R8;
		goto out;
	}
	pamt_node_set_pair(mod, hpa, hpa0, hpa1, 0);
	pamt_set(e2m, PT_PAMT, 0);
out:
	pamt_lock_release(e2m, true);
	return err;
}

u64 tdh_phymem_pamt_remove(struct tdxmod_td *td, struct tdx_module_args *args)
{
	struct tdxmod *mod = td->mod;
	hpa_t hpa = args->rcx & ~0xFFFULL;
	struct pamt_entry *e2m;
	u64 err = TDX_SUCCESS;

	if (!tdxmod_dpamt(mod))
		return TDX_OPERAND_INVALID | TDX_OPERAND_ID_RAX;
	if (!pamt_rcx_valid(args->rcx))
		return TDX_OPERAND_INVALID | TDX_OPERAND_ID_RCX;
	e2m = pamt_entry_at(mod, hpa, 1, true);
	if (!pamt_lock_try(e2m, true))
		return TDX_OPERAND_BUSY | TDX_OPERAND_ID_RCX;
	if (pamt_pt(e2m) != PT_PAMT) {
		err = TDX_NO_PAMT_PAGE_PAIR | TDX_OPERAND_ID_RCX;
		goto out;
	}
	_Static_assert(PT_NDA == 0, "an NDA entry has no PT bits");
	/* Every 4K entry of the range NDA (read, never made real). */
	if (!pamt_4k_range_clear(mod, hpa, PAMT_PT_MASK)) {
		err = TDX_PAMT_PAGE_NOT_EMPTY | TDX_OPERAND_ID_RCX;
		goto out;
	}
	pamt_node_take_pair(mod, hpa, &args->rdx, &args->r8);
	pamt_set(e2m, PT_NDA, 0);
out:
	pamt_lock_release(e2m, true);
	return err;
}
