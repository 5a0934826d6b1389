// SPDX-License-Identifier: GPL-2.0-only
/* RANGE.BLOCK, RANGE.UNBLOCK, TRACK, VP.ENTER/exit and the TLB model. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "test_tdxmod_harness.h"

static void test_block(void **state)
{
	struct h *h = h_create();
	struct tdxmod_pamt_info pi;
	struct tdxmod_sept_entry_info info;

	(void)state;
	h_finalize(h);
	h_tables(h, 0x200000, TDX_4K);
	assert_int_equal(h_plain(h, TDH_MEM_RANGE_BLOCK, 0x200000, 0),
			 TDX_EPT_ENTRY_STATE_INCORRECT | TDX_OPERAND_ID_RCX);
	assert_int_equal(h->a.rcx, BIT_ULL(63));
	assert_int_equal(h->a.rdx, 0);
	assert_int_equal(h_plain(h, TDH_MEM_RANGE_BLOCK, 0x200000, 4),
			 TDX_OPERAND_INVALID | TDX_OPERAND_ID_RCX);
	assert_int_equal(h_plain(h, TDH_MEM_RANGE_BLOCK, 0x40000000, 1),
			 TDX_EPT_WALK_FAILED | TDX_OPERAND_ID_RCX);
	assert_int_equal(h->a.rdx, 2);
	assert_int_equal(h_aug(h, 0x200000, 0), TDX_SUCCESS);
	h_track(h);
	h_track(h);
	assert_int_equal(h_plain(h, TDH_MEM_RANGE_BLOCK, 0x200000, 0), TDX_SUCCESS);
	assert_int_equal(h_state(h, 0x200000, 0), TDX_SEPT_PENDING_BLOCKED);
	tdxmod_sept_lookup(h->td, 0x200000, 0, &info);
	tdxmod_pamt_lookup(h->mod, info.pa, &pi);
	assert_int_equal(pi.bepoch, 3);
	/* already blocked: warning class, with details */
	assert_int_equal(h_plain(h, TDH_MEM_RANGE_BLOCK, 0x200000, 0),
			 TDX_GPA_RANGE_ALREADY_BLOCKED | TDX_OPERAND_ID_RCX);
	assert_false(TDX_GPA_RANGE_ALREADY_BLOCKED & TDX_ERROR_BIT);
	assert_int_equal(h->a.rdx, TDX_SEPT_PENDING_BLOCKED << 8);
	/* non-leaf block records bepoch in the child S-EPT page's PAMT */
	h_track(h);
	assert_int_equal(h_plain(h, TDH_MEM_RANGE_BLOCK, 0x200000, 1), TDX_SUCCESS);
	assert_int_equal(h_state(h, 0x200000, 1), TDX_SEPT_NL_BLOCKED);
	tdxmod_sept_lookup(h->td, 0x200000, 1, &info);
	tdxmod_pamt_lookup(h->mod, info.pa, &pi);
	assert_int_equal(pi.pt, PT_EPT);
	assert_int_equal(pi.bepoch, 4);
	/* lookup follows NL_BLOCKED down, the module's walk does not */
	assert_int_equal(h_state(h, 0x200000, 0), TDX_SEPT_PENDING_BLOCKED);
	assert_int_equal(h_plain(h, TDH_MEM_RANGE_BLOCK, 0x200000, 0),
			 TDX_EPT_WALK_FAILED | TDX_OPERAND_ID_RCX);
	assert_int_equal(h->a.rdx, 1 | (0x81 << 8));
	assert_int_equal(h->a.rcx, 0);
	assert_int_equal(h_check(h), 0);
	h_destroy(h);
}

static void test_track_and_unblock(void **state)
{
	struct h *h = h_create();

	(void)state;
	h_tables(h, 0, TDX_4K);
	assert_int_equal(h_aug(h, 0, 0), TDX_SUCCESS);
	/* before finalize: UNBLOCK needs no tracking */
	assert_int_equal(h_plain(h, TDH_MEM_RANGE_BLOCK, 0, 0), TDX_SUCCESS);
	assert_int_equal(h_plain(h, TDH_MEM_RANGE_UNBLOCK, 0, 0), TDX_SUCCESS);
	assert_int_equal(h_state(h, 0, 0), TDX_SEPT_PENDING);
	assert_int_equal(h_plain(h, TDH_MEM_RANGE_UNBLOCK, 0, 0),
			 TDX_EPT_ENTRY_STATE_INCORRECT | TDX_OPERAND_ID_RCX);
	assert_int_equal(h->a.rdx, TDX_SEPT_PENDING << 8);
	h_finalize(h);
	assert_int_equal(tdxmod_vp_enter(h->td, 0), TDX_SUCCESS);
	assert_int_equal(h_plain(h, TDH_MEM_RANGE_BLOCK, 0, 0), TDX_SUCCESS);
	/* not tracked: UNBLOCK reports SEPT_TREE */
	assert_int_equal(h_plain(h, TDH_MEM_RANGE_UNBLOCK, 0, 0),
			 TDX_TLB_TRACKING_NOT_DONE | TDX_OPERAND_ID_SEPT);
	assert_int_equal(h_track(h), TDX_SUCCESS);
	/* vCPU 0 still in epoch 1 */
	assert_int_equal(h_track(h), TDX_PREVIOUS_TLB_EPOCH_BUSY);
	assert_int_equal(tdxmod_td_epoch(h->td), 2);
	assert_int_equal(h_plain(h, TDH_MEM_RANGE_UNBLOCK, 0, 0),
			 TDX_TLB_TRACKING_NOT_DONE | TDX_OPERAND_ID_SEPT);
	tdxmod_vp_exit(h->td, 0);
	assert_false(tdxmod_vcpu_in_td(h->td, 0));
	assert_int_equal(h_plain(h, TDH_MEM_RANGE_UNBLOCK, 0, 0), TDX_SUCCESS);
	/* bepoch < epoch-1 is tracked regardless of refcounts */
	assert_int_equal(tdxmod_vp_enter(h->td, 1), TDX_SUCCESS);
	assert_int_equal(h_plain(h, TDH_MEM_RANGE_BLOCK, 0, 0), TDX_SUCCESS);
	assert_int_equal(h_track(h), TDX_SUCCESS);
	tdxmod_vp_exit(h->td, 1);
	assert_int_equal(h_track(h), TDX_SUCCESS);
	assert_int_equal(tdxmod_vp_enter(h->td, 1), TDX_SUCCESS);
	assert_int_equal(h_plain(h, TDH_MEM_RANGE_UNBLOCK, 0, 0), TDX_SUCCESS);
	tdxmod_vp_exit(h->td, 1);
	assert_int_equal(h_check(h), 0);
	h_destroy(h);
}

static int count_tlb(void *arg, int vcpu, gpa_t gpa, hpa_t hpa, int level)
{
	(void)vcpu;
	(void)gpa;
	(void)hpa;
	(void)level;
	(*(int *)arg)++;
	return 0;
}

static void test_access_and_tlb(void **state)
{
	struct h *h = h_create();
	struct tdx_ept_exit ex;
	bool exited;
	int n = 0;

	(void)state;
	h_finalize(h);
	h_tables(h, 0x200000, TDX_2M);
	assert_int_equal(tdxmod_guest_access(h->td, 0, 0x200000, true, &ex),
			 TDX_ACCESS_EPT_VIOLATION);
	assert_int_equal(ex.gpa, 0x200000);
	assert_int_equal(h_aug(h, 0x200000, 1), TDX_SUCCESS);
	assert_int_equal(tdxmod_guest_access(h->td, 0, 0x201000, false, &ex), TDX_ACCESS_VE);
	assert_int_equal(h_accept(h, 0x200000, 1, &exited, &ex), TDX_SUCCESS);
	assert_int_equal(tdxmod_vp_enter(h->td, 0), TDX_SUCCESS);
	assert_int_equal(tdxmod_guest_access(h->td, 0, 0x201000, false, &ex), TDX_ACCESS_OK);
	tdxmod_tlb_for_each(h->td, 0, count_tlb, &n);
	assert_int_equal(n, 1);
	/* blocked: a cached translation still works until the flush */
	assert_int_equal(h_plain(h, TDH_MEM_RANGE_BLOCK, 0x200000, 1), TDX_SUCCESS);
	assert_int_equal(tdxmod_guest_access(h->td, 0, 0x202000, false, &ex), TDX_ACCESS_OK);
	assert_int_equal(tdxmod_guest_access(h->td, 1, 0x202000, false, &ex),
			 TDX_ACCESS_EPT_VIOLATION);
	assert_int_equal(h_track(h), TDX_SUCCESS);
	tdxmod_vp_exit(h->td, 0);
	assert_int_equal(tdxmod_vp_enter(h->td, 0), TDX_SUCCESS);
	n = 0;
	tdxmod_tlb_for_each(h->td, 0, count_tlb, &n);
	assert_int_equal(n, 0);
	assert_int_equal(tdxmod_guest_access(h->td, 0, 0x202000, false, &ex),
			 TDX_ACCESS_EPT_VIOLATION);
	tdxmod_vp_exit(h->td, 0);
	assert_int_equal(tdxmod_leaf_calls(h->td, TDH_VP_ENTER), 2);
	h_destroy(h);
}

static void test_epoch_busy(void **state)
{
	struct h *h = h_create();

	(void)state;
	/* Before TDH.MR.FINALIZE the TD cannot run. */
	assert_int_equal(tdxmod_vp_enter(h->td, 0), TDX_OP_STATE_INCORRECT);
	assert_false(tdxmod_vcpu_in_td(h->td, 0));
	assert_int_equal(h_finalize(h), TDX_SUCCESS);
	/* inject models TRACK holding the epoch lock */
	assert_int_equal(tdxmod_inject(h->td, TDH_VP_ENTER, TDX_OPERAND_BUSY | 0xA9, 1, 0), 0);
	assert_int_equal(tdxmod_vp_enter(h->td, 0), TDX_OPERAND_BUSY | TDX_OPERAND_ID_TD_EPOCH);
	assert_false(tdxmod_vcpu_in_td(h->td, 0));
	assert_int_equal(tdxmod_vp_enter(h->td, 0), TDX_SUCCESS);
	assert_int_equal(tdxmod_vp_enter(h->td, 5), TDX_OPERAND_INVALID | TDX_OPERAND_ID_RCX);
	tdxmod_vp_exit(h->td, 0);
	h_destroy(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_block),
		cmocka_unit_test(test_track_and_unblock),
		cmocka_unit_test(test_access_and_tlb),
		cmocka_unit_test(test_epoch_busy),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
