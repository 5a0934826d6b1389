// SPDX-License-Identifier: GPL-2.0-only
/* TDG.MEM.PAGE.ACCEPT: statuses, the ACCEPT EPT-violation exit, injection. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "test_tdxmod_harness.h"

static void test_accept_exits(void **state)
{
	struct h *h = h_create();
	struct tdx_ept_exit ex;
	bool exited;

	(void)state;
	h_finalize(h);
	/* nothing mapped: exit at the PML4 entry, FREE non-leaf */
	assert_int_equal(h_accept(h, 0x200000, 0, &exited, &ex), TDX_SUCCESS);
	assert_true(exited);
	assert_int_equal(tdx_eeq_type(ex.ext_exit_qual), TDX_EXT_EXIT_QUAL_TYPE_ACCEPT);
	assert_int_equal(tdx_eeq_req_level(ex.ext_exit_qual), 0);
	assert_int_equal(tdx_eeq_err_level(ex.ext_exit_qual), 3);
	assert_int_equal(tdx_eeq_err_state(ex.ext_exit_qual), TDX_SEPT_FREE);
	assert_false(tdx_eeq_err_is_leaf(ex.ext_exit_qual));
	assert_int_equal(ex.gpa, 0x200000);
	h_tables(h, 0x200000, TDX_2M);
	assert_int_equal(h_aug(h, 0x200000, 1), TDX_SUCCESS);
	/* 4K accept under a PENDING 2M leaf: the split trigger */
	assert_int_equal(h_accept(h, 0x203000, 0, &exited, &ex), TDX_SUCCESS);
	assert_true(exited);
	assert_int_equal(tdx_eeq_req_level(ex.ext_exit_qual), 0);
	assert_int_equal(tdx_eeq_err_level(ex.ext_exit_qual), 1);
	assert_int_equal(tdx_eeq_err_state(ex.ext_exit_qual), TDX_SEPT_PENDING);
	assert_true(tdx_eeq_err_is_leaf(ex.ext_exit_qual));
	assert_int_equal(ex.gpa, 0x203000);
	/* PENDING_BLOCKED at the requested level: exit too */
	h_plain(h, TDH_MEM_RANGE_BLOCK, 0x200000, 1);
	assert_int_equal(h_accept(h, 0x200000, 1, &exited, &ex), TDX_SUCCESS);
	assert_true(exited);
	assert_int_equal(tdx_eeq_err_state(ex.ext_exit_qual), TDX_SEPT_PENDING_BLOCKED);
	assert_int_equal(tdx_eeq_req_level(ex.ext_exit_qual), 1);
	h_track(h);
	h_plain(h, TDH_MEM_RANGE_UNBLOCK, 0x200000, 1);
	assert_int_equal(h_accept(h, 0x200000, 1, &exited, &ex), TDX_SUCCESS);
	assert_false(exited);
	assert_int_equal(h_state(h, 0x200000, 1), TDX_SEPT_MAPPED);
	assert_int_equal(h_accept(h, 0x200000, 1, &exited, &ex), TDX_PAGE_ALREADY_ACCEPTED | 1);
	assert_int_equal(h_accept(h, 0x3ff000, 0, &exited, &ex), TDX_PAGE_ALREADY_ACCEPTED | 1);
	assert_false(exited);
	assert_int_equal(h_check(h), 0);
	h_destroy(h);
}

static void test_accept_statuses(void **state)
{
	struct h *h = h_create();
	struct tdx_ept_exit ex;
	bool exited;

	(void)state;
	h_finalize(h);
	assert_int_equal(h_accept(h, 0, 2, &exited, &ex), TDX_OPERAND_INVALID | TDX_OPERAND_ID_RCX);
	assert_int_equal(h_accept(h, 0x1000, 1, &exited, &ex),
			 TDX_OPERAND_INVALID | TDX_OPERAND_ID_RCX);
	assert_int_equal(h_accept(h, BIT_ULL(47), 0, &exited, &ex),
			 TDX_OPERAND_INVALID | TDX_OPERAND_ID_RCX);
	h_tables(h, 0x200000, 0);
	/* 2M accept where a 4K table exists */
	assert_int_equal(h_accept(h, 0x200000, 1, &exited, &ex), TDX_PAGE_SIZE_MISMATCH | 1);
	assert_false(exited);
	/* FREE 4K entry at the requested level: exit, err_level 0 */
	assert_int_equal(h_accept(h, 0x200000, 0, &exited, &ex), TDX_SUCCESS);
	assert_true(exited);
	assert_int_equal(tdx_eeq_err_level(ex.ext_exit_qual), 0);
	assert_int_equal(h_aug(h, 0x200000, 0), TDX_SUCCESS);
	assert_int_equal(h_accept(h, 0x200000, 0, &exited, &ex), TDX_SUCCESS);
	assert_false(exited);
	assert_int_equal(h_accept(h, 0x200000, 0, &exited, &ex), TDX_PAGE_ALREADY_ACCEPTED | 0);
	/* injection applies to ACCEPT and is counted */
	assert_int_equal(tdxmod_inject(h->td, TDG_MEM_PAGE_ACCEPT, TDX_OPERAND_BUSY | 1, 2, 1), 0);
	assert_int_equal(h_accept(h, 0x200000, 0, &exited, &ex), TDX_PAGE_ALREADY_ACCEPTED);
	assert_int_equal(h_accept(h, 0x200000, 0, &exited, &ex), TDX_OPERAND_BUSY | 1);
	assert_int_equal(h_accept(h, 0x200000, 0, &exited, &ex), TDX_OPERAND_BUSY | 1);
	assert_int_equal(h_accept(h, 0x200000, 0, &exited, &ex), TDX_PAGE_ALREADY_ACCEPTED);
	assert_int_equal(tdxmod_leaf_calls(h->td, TDG_MEM_PAGE_ACCEPT), 11);
	h_destroy(h);
}

static void test_inject_no_state_change(void **state)
{
	struct h *h = h_create();

	(void)state;
	h_tables(h, 0, 0);
	assert_int_equal(tdxmod_inject(h->td, TDH_MEM_PAGE_AUG, TDX_OPERAND_BUSY | 0x92, 1, 0), 0);
	assert_int_equal(h_aug(h, 0, 0), TDX_OPERAND_BUSY | TDX_OPERAND_ID_SEPT);
	assert_int_equal(h_state(h, 0, 0), TDX_SEPT_FREE);
	assert_int_equal(h_aug(h, 0, 0), TDX_SUCCESS);
	assert_int_equal(
		tdxmod_inject(h->td, TDH_MEM_PAGE_DEMOTE, TDX_INTERRUPTED_RESTARTABLE, 1, 0), 0);
	assert_int_equal(h_call(h, TDH_MEM_PAGE_DEMOTE, 0, 1, h_alloc(h, 0)),
			 TDX_INTERRUPTED_RESTARTABLE);
	assert_int_equal(tdxmod_leaf_calls(h->td, TDH_MEM_PAGE_AUG), 2);
	assert_int_equal(tdxmod_leaf_calls(h->td, TDH_MEM_PAGE_DEMOTE), 1);
	assert_int_equal(h_check(h), 0);
	h_destroy(h);
}

/* Entry lock held by a host call: guest gets BUSY; host vs host BUSY|RCX. */
static void test_entry_lock_busy(void **state)
{
	struct h *h = h_create();
	struct tdxmod_sept_entry_info info;
	struct tdx_ept_exit ex;
	bool exited;
	int n;

	(void)state;
	h_tables(h, 0, 0);
	assert_int_equal(h_aug(h, 0, 0), TDX_SUCCESS);
	/* Simulate a guest ACCEPT in flight: the model's entry-lock primitive on a
	 * reached entry is exercised through two host calls racing in
	 * test_tdxmod_locks_mt; here we check the status shape via the checker. */
	n = h_check(h);
	assert_int_equal(n, 0);
	assert_int_equal(tdxmod_sept_lookup(h->td, 0, 0, &info), 0);
	assert_false(info.locked);
	assert_int_equal(h_accept(h, 0, 0, &exited, &ex), TDX_SUCCESS);
	h_destroy(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_accept_exits),
		cmocka_unit_test(test_accept_statuses),
		cmocka_unit_test(test_inject_no_state_change),
		cmocka_unit_test(test_entry_lock_busy),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
