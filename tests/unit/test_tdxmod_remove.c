// SPDX-License-Identifier: GPL-2.0-only
/* SEPT.ADD, PAGE.AUG, PAGE.REMOVE, SEPT.REMOVE, PAGE.PROMOTE. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "test_tdxmod_harness.h"

static void test_sept_add(void **state)
{
	struct h *h = h_create();
	hpa_t p;

	(void)state;
	assert_int_equal(h_sept_add(h, 0, TDX_4K), TDX_OPERAND_INVALID | TDX_OPERAND_ID_RCX);
	assert_int_equal(h_sept_add(h, 0, 4), TDX_OPERAND_INVALID | TDX_OPERAND_ID_RCX);
	assert_int_equal(h_sept_add(h, 0x40000000, TDX_1G),
			 TDX_EPT_WALK_FAILED | TDX_OPERAND_ID_RCX);
	h->a = (struct tdx_module_args){.rcx = 3, .rdx = 4, .r8 = h_alloc(h, 0)};
	assert_int_equal(tdxmod_seamcall(h->td, TDH_MEM_SEPT_ADD, &h->a),
			 TDX_OPERAND_INVALID | TDX_OPERAND_ID_RDX);
	assert_int_equal(h_call(h, TDH_MEM_SEPT_ADD, 0, 3, 0x1001),
			 TDX_OPERAND_INVALID | TDX_OPERAND_ID_R8);
	p = h_alloc(h, 0);
	assert_int_equal(h_call(h, TDH_MEM_SEPT_ADD, 0, 3, p), TDX_SUCCESS);
	/* existing without allow_existing: state incorrect (beats a bad R8) */
	assert_int_equal(h_call(h, TDH_MEM_SEPT_ADD, 0, 3, 0x1001),
			 TDX_EPT_ENTRY_STATE_INCORRECT | TDX_OPERAND_ID_RCX);
	assert_int_equal(h->a.rdx, 3 | (0x84 << 8));
	/* with allow_existing: success, page unused */
	h->a = (struct tdx_module_args){.rcx = 3, .rdx = 1, .r8 = h_alloc(h, 0)};
	assert_int_equal(tdxmod_seamcall(h->td, TDH_MEM_SEPT_ADD, &h->a), TDX_SUCCESS);
	assert_int_equal(tdxmod_chldcnt(h->td), 1);
	/* page already an S-EPT page */
	assert_int_equal(h_call(h, TDH_MEM_SEPT_ADD, 0, 2, p),
			 TDX_PAGE_METADATA_INCORRECT | TDX_OPERAND_ID_R8);
	assert_int_equal(h_sept_add(h, 0, TDX_1G), TDX_SUCCESS);
	assert_int_equal(h_sept_add(h, 0x7f8000000000ULL, TDX_512G), TDX_SUCCESS);
	assert_int_equal(h_state(h, 0x7fffc0000000ULL, 3), TDX_SEPT_NL_MAPPED);
	assert_int_equal(h_sept_add(h, 0x800000000000ULL, TDX_512G),
			 TDX_OPERAND_INVALID | TDX_OPERAND_ID_RCX);
	/* SEPT.ADD over a leaf: state incorrect */
	assert_int_equal(h_aug(h, 0x200000, 1), TDX_SUCCESS);
	assert_int_equal(h_sept_add(h, 0x200000, TDX_2M),
			 TDX_EPT_ENTRY_STATE_INCORRECT | TDX_OPERAND_ID_RCX);
	/* AUG over it / AUG 4K below a 2M leaf */
	assert_int_equal(h_aug(h, 0x200000, 1), TDX_EPT_ENTRY_STATE_INCORRECT | TDX_OPERAND_ID_RCX);
	assert_int_equal(h_aug(h, 0x201000, 0), TDX_EPT_WALK_FAILED | TDX_OPERAND_ID_RCX);
	assert_int_equal(h->a.rdx, 1 | (TDX_SEPT_PENDING << 8));
	/* AUG 2M on a misaligned / partly used range */
	assert_int_equal(h_call(h, TDH_MEM_PAGE_AUG, 0x400000, 1, h_alloc(h, 0) + 0x1000),
			 TDX_OPERAND_INVALID | TDX_OPERAND_ID_R8);
	h_tables(h, 0x600000, 0);
	{
		hpa_t big = h_alloc(h, 1);

		assert_int_equal(h_call(h, TDH_MEM_PAGE_AUG, 0x600000, 0, big + 0x5000),
				 TDX_SUCCESS);
		assert_int_equal(h_call(h, TDH_MEM_PAGE_AUG, 0x400000, 1, big),
				 TDX_PAGE_METADATA_INCORRECT | TDX_OPERAND_ID_R8);
	}
	/* AUG level 2 is out of range */
	assert_int_equal(h_aug(h, 0x40000000, 2), TDX_OPERAND_INVALID | TDX_OPERAND_ID_RCX);
	assert_int_equal(h_check(h), 0);
	h_destroy(h);
}

static void test_remove(void **state)
{
	struct h *h = h_create();
	struct tdxmod_sept_entry_info info;
	struct tdxmod_pamt_info pi;

	(void)state;
	h_tables(h, 0x200000, 0);
	assert_int_equal(h_aug(h, 0x200000, 0), TDX_SUCCESS);
	assert_int_equal(h_plain(h, TDH_MEM_PAGE_REMOVE, 0x200000, 3),
			 TDX_OPERAND_INVALID | TDX_OPERAND_ID_RCX);
	assert_int_equal(h_plain(h, TDH_MEM_PAGE_REMOVE, 0x201000, 0),
			 TDX_EPT_ENTRY_STATE_INCORRECT | TDX_OPERAND_ID_RCX);
	assert_int_equal(h_plain(h, TDH_MEM_PAGE_REMOVE, 0x200000, 1),
			 TDX_EPT_ENTRY_STATE_INCORRECT | TDX_OPERAND_ID_RCX);
	/* INITIALIZED: no block needed */
	tdxmod_sept_lookup(h->td, 0x200000, 0, &info);
	assert_int_equal(h_plain(h, TDH_MEM_PAGE_REMOVE, 0x200000, 0), TDX_SUCCESS);
	assert_int_equal(h->a.rcx, info.pa);
	tdxmod_pamt_lookup(h->mod, info.pa, &pi);
	assert_int_equal(pi.pt, PT_NDA);
	h_finalize(h);
	assert_int_equal(h_aug(h, 0x200000, 0), TDX_SUCCESS);
	assert_int_equal(h_plain(h, TDH_MEM_PAGE_REMOVE, 0x200000, 0),
			 TDX_GPA_RANGE_NOT_BLOCKED | TDX_OPERAND_ID_RCX);
	assert_int_equal(h->a.rdx, TDX_SEPT_PENDING << 8);
	tdxmod_vp_enter(h->td, 0);
	h_block_track(h, 0x200000, 0);
	assert_int_equal(h_plain(h, TDH_MEM_PAGE_REMOVE, 0x200000, 0),
			 TDX_TLB_TRACKING_NOT_DONE | TDX_OPERAND_ID_RCX);
	tdxmod_vp_exit(h->td, 0);
	assert_int_equal(h_plain(h, TDH_MEM_PAGE_REMOVE, 0x200000, 0), TDX_SUCCESS);
	assert_false(h->a.rcx & TDX_PAMT_REMOVAL_HINT);
	assert_int_equal(h_state(h, 0x200000, 0), TDX_SEPT_FREE);

	/* SEPT.REMOVE */
	assert_int_equal(h_plain(h, TDH_MEM_SEPT_REMOVE, 0x200000, 0),
			 TDX_OPERAND_INVALID | TDX_OPERAND_ID_RCX);
	assert_int_equal(h_aug(h, 0x201000, 0), TDX_SUCCESS);
	assert_int_equal(h_plain(h, TDH_MEM_SEPT_REMOVE, 0x200000, 1),
			 TDX_GPA_RANGE_NOT_BLOCKED | TDX_OPERAND_ID_RCX);
	h_block_track(h, 0x200000, 1);
	/* blocked, tracked, but a child is still there */
	assert_int_equal(h_plain(h, TDH_MEM_SEPT_REMOVE, 0x200000, 1),
			 TDX_EPT_PAGE_NOT_FREE | TDX_OPERAND_ID_RCX);
	assert_int_equal(h_check(h), 0);
	/* unblock, remove the child, then the table */
	assert_int_equal(h_plain(h, TDH_MEM_RANGE_UNBLOCK, 0x200000, 1), TDX_SUCCESS);
	h_block_track(h, 0x201000, 0);
	assert_int_equal(h_plain(h, TDH_MEM_PAGE_REMOVE, 0x201000, 0), TDX_SUCCESS);
	h_block_track(h, 0x200000, 1);
	tdxmod_sept_lookup(h->td, 0x200000, 1, &info);
	assert_int_equal(h_plain(h, TDH_MEM_SEPT_REMOVE, 0x200000, 1), TDX_SUCCESS);
	assert_int_equal(h->a.rcx, info.pa);
	assert_int_equal(h_state(h, 0x200000, 1), TDX_SEPT_FREE);
	assert_int_equal(h_plain(h, TDH_MEM_SEPT_REMOVE, 0x200000, 1),
			 TDX_EPT_ENTRY_STATE_INCORRECT | TDX_OPERAND_ID_RCX);
	assert_int_equal(tdxmod_chldcnt(h->td), 2);
	assert_int_equal(h_check(h), 0);
	h_destroy(h);
}

static void aug_512(struct h *h, gpa_t gpa, hpa_t base)
{
	h_tables(h, gpa, 0);
	for (int i = 0; i < 512; i++)
		assert_int_equal(
			h_call(h, TDH_MEM_PAGE_AUG, gpa + i * 4096ULL, 0, base + i * 4096ULL),
			TDX_SUCCESS);
}

static void test_promote(void **state)
{
	struct h *h = h_create_cfg(TDX_MODULE_2_0, false, false, 1);
	hpa_t base = h_alloc(h, 1);
	bool exited;
	struct tdx_ept_exit ex;
	struct tdxmod_pamt_info pi;

	(void)state;
	h_finalize(h);
	aug_512(h, 0x200000, base);
	assert_int_equal(h_plain(h, TDH_MEM_PAGE_PROMOTE, 0x200000, 0),
			 TDX_OPERAND_INVALID | TDX_OPERAND_ID_RCX);
	assert_int_equal(h_plain(h, TDH_MEM_PAGE_PROMOTE, 0x200000, 1),
			 TDX_GPA_RANGE_NOT_BLOCKED | TDX_OPERAND_ID_RCX);
	/* mixed PENDING/MAPPED children */
	assert_int_equal(h_accept(h, 0x200000, 0, &exited, &ex), TDX_SUCCESS);
	h_block_track(h, 0x200000, 1);
	assert_int_equal(h_plain(h, TDH_MEM_PAGE_PROMOTE, 0x200000, 1),
			 TDX_EPT_INVALID_PROMOTE_CONDITIONS | TDX_OPERAND_ID_RCX);
	assert_int_equal(h_plain(h, TDH_MEM_RANGE_UNBLOCK, 0x200000, 1), TDX_SUCCESS);
	for (int i = 1; i < 512; i++)
		assert_int_equal(h_accept(h, 0x200000 + i * 4096ULL, 0, &exited, &ex), TDX_SUCCESS);
	h_block_track(h, 0x200000, 1);
	assert_int_equal(h_plain(h, TDH_MEM_PAGE_PROMOTE, 0x200000, 1), TDX_SUCCESS);
	assert_false(h->a.rcx & TDX_PAMT_REMOVAL_HINT);
	assert_int_equal(h_state(h, 0x200000, 1), TDX_SEPT_MAPPED);
	tdxmod_pamt_lookup(h->mod, base + 0x3000, &pi);
	assert_int_equal(pi.tdx_level, 1);
	assert_int_equal(pi.pt, PT_REG);
	/* promote again: now a leaf */
	assert_int_equal(h_plain(h, TDH_MEM_PAGE_PROMOTE, 0x200000, 1),
			 TDX_EPT_ENTRY_STATE_INCORRECT | TDX_OPERAND_ID_RCX);
	assert_int_equal(h_accept(h, 0x201000, 0, &exited, &ex), TDX_PAGE_ALREADY_ACCEPTED | 1);
	assert_int_equal(h_check(h), 0);
	h_destroy(h);
}

static void test_promote_noncontiguous(void **state)
{
	struct h *h = h_create();
	hpa_t base = h_alloc(h, 1);

	(void)state;
	h_tables(h, 0, 0);
	for (int i = 0; i < 512; i++)
		assert_int_equal(
			h_call(h, TDH_MEM_PAGE_AUG, i * 4096ULL, 0, base + (i ^ 1) * 4096ULL),
			TDX_SUCCESS);
	/* INITIALIZED: no block needed; PAs out of order */
	assert_int_equal(h_plain(h, TDH_MEM_PAGE_PROMOTE, 0, 1),
			 TDX_EPT_INVALID_PROMOTE_CONDITIONS | TDX_OPERAND_ID_RCX);
	assert_int_equal(h_check(h), 0);
	h_destroy(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sept_add),
		cmocka_unit_test(test_remove),
		cmocka_unit_test(test_promote),
		cmocka_unit_test(test_promote_noncontiguous),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
