// SPDX-License-Identifier: GPL-2.0-only
/* tdx_errno names, leaf/state names, FINALIZE and op-state gating. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "test_tdxmod_harness.h"

static void test_status_names(void **state)
{
	char buf[64];
	u64 v;
	u32 op;

	(void)state;
	assert_string_equal(tdx_status_name(TDX_EPT_WALK_FAILED | 1), "TDX_EPT_WALK_FAILED");
	assert_true(tdx_status_from_name("TDX_GPA_RANGE_ALREADY_BLOCKED", &v));
	assert_int_equal(v, TDX_GPA_RANGE_ALREADY_BLOCKED);
	assert_false(tdx_status_from_name("TDX_NOPE", &v));
	assert_true(tdx_operand_from_name("SEPT_TREE", &op));
	assert_int_equal(op, 0x92);
	assert_string_equal(tdx_operand_name(0xA9), "TD_EPOCH");
	assert_string_equal(tdx_operand_name(0xAC), "OP_STATE");
	assert_string_equal(tdx_status_format(TDX_OPERAND_BUSY | 0x92, buf, sizeof(buf)),
			    "TDX_OPERAND_BUSY|SEPT_TREE");
	assert_string_equal(tdx_status_format(TDX_PAGE_ALREADY_ACCEPTED | 1, buf, sizeof(buf)),
			    "TDX_PAGE_ALREADY_ACCEPTED|1");
	assert_string_equal(tdx_status_format(TDX_PAGE_SIZE_MISMATCH | 1, buf, sizeof(buf)),
			    "TDX_PAGE_SIZE_MISMATCH|1");
	assert_string_equal(tdx_status_format(TDX_SUCCESS, buf, sizeof(buf)), "TDX_SUCCESS");
	assert_string_equal(tdx_status_format(TDX_OPERAND_INVALID | 0x55, buf, sizeof(buf)),
			    "TDX_OPERAND_INVALID|0x55");
	assert_string_equal(tdx_status_format(0x1234ULL << 32, buf, sizeof(buf)),
			    "0x0000123400000000");
	assert_int_equal(tdxmod_leaf_from_name("TDH.MEM.PAGE.DEMOTE"), TDH_MEM_PAGE_DEMOTE);
	assert_int_equal(tdxmod_leaf_from_name("TDG.MEM.PAGE.ACCEPT"), TDG_MEM_PAGE_ACCEPT);
	assert_int_equal(tdxmod_leaf_from_name("X"), -1);
	assert_int_equal(tdxmod_sept_state_from_name("NL_BLOCKED"), TDX_SEPT_NL_BLOCKED);
	assert_string_equal(tdxmod_sept_state_name(TDX_SEPT_PENDING_BLOCKED), "PENDING_BLOCKED");
}

static void test_finalize(void **state)
{
	struct h *h = h_create();

	(void)state;
	assert_int_equal(tdxmod_op_state(h->td), TDX_OP_STATE_INITIALIZED);
	h_tables(h, 0, TDX_4K);
	assert_int_equal(h_call(h, TDH_MEM_PAGE_ADD, 0, 0, h_alloc(h, 0)), TDX_SUCCESS);
	assert_int_equal(h_state(h, 0, TDX_4K), TDX_SEPT_MAPPED);
	assert_int_equal(h_finalize(h), TDX_SUCCESS);
	assert_int_equal(tdxmod_op_state(h->td), TDX_OP_STATE_RUNNABLE);
	assert_int_equal(h_finalize(h), TDX_OP_STATE_INCORRECT);
	/* PAGE.ADD after finalize: op state is checked before anything else. */
	assert_int_equal(h_call(h, TDH_MEM_PAGE_ADD, 0x1000, 0, h_alloc(h, 0)),
			 TDX_OP_STATE_INCORRECT);
	assert_int_equal(h_call(h, TDH_MEM_PAGE_ADD, 0x1001, 0, 1), TDX_OP_STATE_INCORRECT);
	assert_int_equal(tdxmod_leaf_calls(h->td, TDH_MR_FINALIZE), 2);
	assert_int_equal(tdxmod_leaf_calls(h->td, TDH_MEM_PAGE_ADD), 3);
	assert_int_equal(h_check(h), 0);
	h_destroy(h);
}

static void test_page_add_errors(void **state)
{
	struct h *h = h_create();

	(void)state;
	/* level must be 4K */
	assert_int_equal(h_call(h, TDH_MEM_PAGE_ADD, 0x200000, 1, h_alloc(h, 0)),
			 TDX_OPERAND_INVALID | TDX_OPERAND_ID_RCX);
	/* no table: walk fails at the PML4 entry, FREE */
	assert_int_equal(h_call(h, TDH_MEM_PAGE_ADD, 0, 0, h_alloc(h, 0)),
			 TDX_EPT_WALK_FAILED | TDX_OPERAND_ID_RCX);
	assert_int_equal(h->a.rcx, BIT_ULL(63));
	assert_int_equal(h->a.rdx, 3);
	h_tables(h, 0, TDX_4K);
	/* R8 misaligned */
	assert_int_equal(h_call(h, TDH_MEM_PAGE_ADD, 0, 0, 0x10000800),
			 TDX_OPERAND_INVALID | TDX_OPERAND_ID_R8);
	/* R8 already in use (the TDR) */
	assert_int_equal(h_call(h, TDH_MEM_PAGE_ADD, 0, 0, TDR_HPA),
			 TDX_PAGE_METADATA_INCORRECT | TDX_OPERAND_ID_R8);
	assert_int_equal(h_call(h, TDH_MEM_PAGE_ADD, 0, 0, h_alloc(h, 0)), TDX_SUCCESS);
	/* Occupied: state incorrect wins over a bad R8 (state is checked first). */
	assert_int_equal(h_call(h, TDH_MEM_PAGE_ADD, 0, 0, 0x10000800),
			 TDX_EPT_ENTRY_STATE_INCORRECT | TDX_OPERAND_ID_RCX);
	assert_int_equal(h->a.rdx, 0 | (TDX_SEPT_MAPPED << 8));
	assert_int_equal(h_check(h), 0);
	assert_int_equal(tdxmod_chldcnt(h->td), 4);
	h_destroy(h);
}

static void test_destroy_reclaims(void **state)
{
	struct h *h = h_create();

	(void)state;
	h_tables(h, 0x200000, TDX_4K); /* 3 S-EPT pages */
	h_finalize(h);
	assert_int_equal(h_aug(h, 0x200000, 0), TDX_SUCCESS);
	h_tables(h, 0x40000000, TDX_2M); /* +1 (the PML4 entry exists) */
	assert_int_equal(h_aug(h, 0x40000000, 1), TDX_SUCCESS);
	tdxmod_td_destroy(h->td, h_reclaim, h);
	assert_int_equal(h->reclaimed, 4 * 4096 + 4096 + 0x200000);
	{
		struct tdxmod_pamt_info pi;

		tdxmod_pamt_lookup(h->mod, TDR_HPA, &pi);
		assert_int_equal(pi.pt, PT_NDA);
	}
	tdxmod_destroy(h->mod);
	free(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_status_names),
		cmocka_unit_test(test_finalize),
		cmocka_unit_test(test_page_add_errors),
		cmocka_unit_test(test_destroy_reclaims),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
