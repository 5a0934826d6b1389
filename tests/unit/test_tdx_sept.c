// SPDX-License-Identifier: GPL-2.0-only
/*
 * tdx/ glue against the real module model: the exact SEAMCALL sequences of
 * remove/split/free, the BUSY retry after a kick, -EBUSY on the map path,
 * -EIO (UPSTREAM) / rollback (RECOVER) on unexpected statuses,
 * INTERRUPTED_RESTARTABLE retries, pre-finalize (no TRACK), DPAMT refcounts.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "test_tdx_harness.h"

static struct tctx *tctx_create(enum tdxmod_version ver, bool dpamt, enum tdx_error_policy policy)
{
	return tctx_create_cfg(ver, dpamt, policy, false);
}

static u64 all_calls(struct tctx *t)
{
	u64 n = 0;
	int l;

	for (l = 0; l < NR_TDX_LEAVES; l++)
		if (l != TDH_VP_ENTER && l != TDG_MEM_PAGE_ACCEPT)
			n += calls(t, l);
	return n;
}

/* A 2M split is BLOCK, TRACK, DEMOTE and nothing else; every vCPU was kicked. */
static void test_split_sequence(void **state)
{
	struct tctx *t = tctx_create(TDX_MODULE_1_5, false, TDX_POLICY_UPSTREAM);
	struct tdx_stats st;
	u64 before, block, track, demote;

	(void)state;
	finalize(t);
	map_2m(t, 0x200000);
	assert_int_equal(tdx_vcpu_enter(t->kvm_tdx, 0), TDX_SUCCESS);
	assert_true(tdxmod_vcpu_in_td(td_of(t), 0));

	before = all_calls(t);
	block = calls(t, TDH_MEM_RANGE_BLOCK);
	track = calls(t, TDH_MEM_TRACK);
	demote = calls(t, TDH_MEM_PAGE_DEMOTE);
	assert_int_equal(split_2m(t, 0x200000, own(t, PG_LEVEL_4K, false)), 0);
	assert_int_equal(calls(t, TDH_MEM_RANGE_BLOCK), block + 1);
	assert_int_equal(calls(t, TDH_MEM_TRACK), track + 1);
	assert_int_equal(calls(t, TDH_MEM_PAGE_DEMOTE), demote + 1);
	assert_int_equal(all_calls(t), before + 3);

	assert_false(tdxmod_vcpu_in_td(td_of(t), 0));
	assert_int_equal(t->kicks, 1);
	assert_int_equal(t->holds, 0);
	tdx_get_stats(t->kvm_tdx, &st);
	assert_int_equal(st.kicks, 1);
	assert_int_equal(st.track_rounds, 1);
	assert_int_equal(st.busy_retries, 0);

	assert_int_equal(sept_state(t, 0x200000, PG_LEVEL_2M), TDX_SEPT_NL_MAPPED);
	assert_int_equal(sept_state(t, 0x3ff000, PG_LEVEL_4K), TDX_SEPT_PENDING);

	/* Remove one 4K child: BLOCK, TRACK, REMOVE. */
	before = all_calls(t);
	assert_int_equal(t->ops->remove_external_spte(ot(t), gpa_to_gfn(0x201000), PG_LEVEL_4K,
						      gpa_to_gfn(0x201000) /* unused w/o DPAMT */),
			 0);
	assert_int_equal(all_calls(t), before + 3);
	assert_int_equal(calls(t, TDH_MEM_PAGE_REMOVE), 1);
	assert_int_equal(sept_state(t, 0x201000, PG_LEVEL_4K), TDX_SEPT_FREE);
	tctx_destroy(t);
}

/* BUSY from DEMOTE: kick with hold, retry once, release. */
static void test_split_busy_retry(void **state)
{
	struct tctx *t = tctx_create(TDX_MODULE_1_5, false, TDX_POLICY_UPSTREAM);
	struct tdx_stats st;

	(void)state;
	finalize(t);
	map_2m(t, 0x400000);
	assert_int_equal(tdxmod_inject(td_of(t), TDH_MEM_PAGE_DEMOTE, TDX_OPERAND_BUSY | 1, 1, 0),
			 0);
	assert_int_equal(split_2m(t, 0x400000, own(t, PG_LEVEL_4K, false)), 0);
	assert_int_equal(calls(t, TDH_MEM_PAGE_DEMOTE), 2);
	assert_int_equal(t->holds, 1);
	assert_int_equal(t->releases, 1);
	assert_false(t->held);
	tdx_get_stats(t->kvm_tdx, &st);
	assert_int_equal(st.busy_retries, 1);
	assert_int_equal(st.kicks, 2); /* TRACK's kick and the hold */
	assert_int_equal(sept_state(t, 0x400000, PG_LEVEL_2M), TDX_SEPT_NL_MAPPED);

	/* BUSY on BLOCK and on TRACK are retried the same way. */
	map_2m(t, 0x600000);
	assert_int_equal(
		tdxmod_inject(td_of(t), TDH_MEM_RANGE_BLOCK, TDX_OPERAND_BUSY | 0x92, 1, 0), 0);
	assert_int_equal(tdxmod_inject(td_of(t), TDH_MEM_TRACK, TDX_OPERAND_BUSY | 0xA9, 1, 0), 0);
	assert_int_equal(split_2m(t, 0x600000, own(t, PG_LEVEL_4K, false)), 0);
	tdx_get_stats(t->kvm_tdx, &st);
	assert_int_equal(st.busy_retries, 3);
	assert_int_equal(t->holds, 3);
	/* A second BUSY after the retry is not expected: the policy decides. */
	map_2m(t, 0x800000);
	assert_int_equal(tdxmod_inject(td_of(t), TDH_MEM_PAGE_DEMOTE, TDX_OPERAND_BUSY | 1, 2, 0),
			 0);
	assert_int_equal(split_2m(t, 0x800000, own(t, PG_LEVEL_4K, false)), -EIO);
	tdx_get_stats(t->kvm_tdx, &st);
	assert_int_equal(st.errors, 1);
	tctx_destroy(t);
}

static void test_split_interrupted(void **state)
{
	struct tctx *t = tctx_create(TDX_MODULE_1_5, false, TDX_POLICY_UPSTREAM);
	struct tdx_stats st;

	(void)state;
	finalize(t);
	map_2m(t, 0x200000);
	assert_int_equal(
		tdxmod_inject(td_of(t), TDH_MEM_PAGE_DEMOTE, TDX_INTERRUPTED_RESTARTABLE, 3, 0), 0);
	assert_int_equal(split_2m(t, 0x200000, own(t, PG_LEVEL_4K, false)), 0);
	assert_int_equal(calls(t, TDH_MEM_PAGE_DEMOTE), 4);
	tdx_get_stats(t->kvm_tdx, &st);
	assert_int_equal(st.interrupted_retries, 3);
	assert_int_equal(st.errors, 0);
	assert_int_equal(st.busy_retries, 0);
	assert_int_equal(sept_state(t, 0x200000, PG_LEVEL_2M), TDX_SEPT_NL_MAPPED);
	tctx_destroy(t);
}

/* The map path: OPERAND_BUSY is -EBUSY (fault retried), other errors -EIO. */
static void test_map_busy_and_eio(void **state)
{
	struct tctx *t = tctx_create(TDX_MODULE_1_5, false, TDX_POLICY_UPSTREAM);
	struct tdx_stats st;
	hpa_t page;

	(void)state;
	finalize(t);
	link_upper(t, 0x200000);
	page = own(t, PG_LEVEL_2M, true);
	assert_int_equal(tdxmod_inject(td_of(t), TDH_MEM_PAGE_AUG, TDX_OPERAND_BUSY | 0x92, 1, 0),
			 0);
	assert_int_equal(t->ops->set_external_spte(ot(t), gpa_to_gfn(0x200000), PG_LEVEL_2M,
						   page >> PAGE_SHIFT),
			 -EBUSY);
	assert_int_equal(sept_state(t, 0x200000, PG_LEVEL_2M), TDX_SEPT_FREE);
	assert_int_equal(t->kicks, 0); /* no kicking under the shared lock */
	assert_int_equal(t->ops->set_external_spte(ot(t), gpa_to_gfn(0x200000), PG_LEVEL_2M,
						   page >> PAGE_SHIFT),
			 0);

	assert_int_equal(tdxmod_inject(td_of(t), TDH_MEM_SEPT_ADD, TDX_OPERAND_BUSY | 1, 1, 0), 0);
	assert_int_equal(t->ops->link_external_spt(ot(t), gpa_to_gfn(0x400000), PG_LEVEL_2M,
						   own(t, PG_LEVEL_4K, false)),
			 -EBUSY);
	/* Already mapped: the module says EPT_ENTRY_STATE_INCORRECT -> -EIO. */
	assert_int_equal(t->ops->set_external_spte(ot(t), gpa_to_gfn(0x200000), PG_LEVEL_2M,
						   page >> PAGE_SHIFT),
			 -EIO);
	tdx_get_stats(t->kvm_tdx, &st);
	assert_int_equal(st.errors, 1);
	tctx_destroy(t);
}

/* Unexpected DEMOTE status: UPSTREAM -> -EIO, entry left BLOCKED. */
static void test_split_eio_upstream(void **state)
{
	struct tctx *t = tctx_create(TDX_MODULE_1_5, false, TDX_POLICY_UPSTREAM);

	(void)state;
	finalize(t);
	map_2m(t, 0x200000);
	assert_int_equal(tdxmod_inject(td_of(t), TDH_MEM_PAGE_DEMOTE,
				       TDX_EPT_ENTRY_STATE_INCORRECT | 1, 1, 0),
			 0);
	assert_int_equal(split_2m(t, 0x200000, own(t, PG_LEVEL_4K, false)), -EIO);
	assert_int_equal(sept_state(t, 0x200000, PG_LEVEL_2M), TDX_SEPT_PENDING_BLOCKED);
	assert_int_equal(calls(t, TDH_MEM_RANGE_UNBLOCK), 0);
	tctx_destroy(t);
}

/* RECOVER: the blocked entry is unblocked and the caller may retry. */
static void test_split_recover(void **state)
{
	struct tctx *t = tctx_create(TDX_MODULE_1_5, false, TDX_POLICY_RECOVER);

	(void)state;
	finalize(t);
	map_2m(t, 0x200000);
	assert_int_equal(tdxmod_inject(td_of(t), TDH_MEM_PAGE_DEMOTE,
				       TDX_EPT_ENTRY_STATE_INCORRECT | 1, 1, 0),
			 0);
	assert_int_equal(split_2m(t, 0x200000, own(t, PG_LEVEL_4K, false)), -EAGAIN);
	assert_int_equal(calls(t, TDH_MEM_RANGE_UNBLOCK), 1);
	assert_int_equal(sept_state(t, 0x200000, PG_LEVEL_2M), TDX_SEPT_PENDING);
	/* And the retry works. */
	assert_int_equal(split_2m(t, 0x200000, own(t, PG_LEVEL_4K, false)), 0);
	assert_int_equal(sept_state(t, 0x200000, PG_LEVEL_2M), TDX_SEPT_NL_MAPPED);
	tctx_destroy(t);
}

/* Before finalize: PAGE.ADD at 4K; removal is BLOCK + REMOVE, no TRACK. */
static void test_prefinalize(void **state)
{
	struct tctx *t = tctx_create(TDX_MODULE_1_5, false, TDX_POLICY_UPSTREAM);
	hpa_t page;
	gfn_t gfn = gpa_to_gfn(0x100000);

	(void)state;
	link_upper(t, 0x100000);
	assert_int_equal(
		t->ops->link_external_spt(ot(t), gfn, PG_LEVEL_2M, own(t, PG_LEVEL_4K, false)), 0);
	page = own(t, PG_LEVEL_4K, true);
	assert_int_equal(t->ops->set_external_spte(ot(t), gfn, PG_LEVEL_4K, page >> PAGE_SHIFT), 0);
	assert_int_equal(calls(t, TDH_MEM_PAGE_ADD), 1);
	assert_int_equal(calls(t, TDH_MEM_PAGE_AUG), 0);
	assert_int_equal(sept_state(t, 0x100000, PG_LEVEL_4K), TDX_SEPT_MAPPED);
	/* 2M before finalize is refused (KVM_BUG_ON): -EIO without a SEAMCALL. */
	assert_int_equal(t->ops->set_external_spte(ot(t), gpa_to_gfn(0x200000), PG_LEVEL_2M,
						   own(t, PG_LEVEL_2M, true) >> PAGE_SHIFT),
			 -EIO);
	assert_int_equal(calls(t, TDH_MEM_PAGE_ADD), 1);

	assert_int_equal(t->ops->remove_external_spte(ot(t), gfn, PG_LEVEL_4K, page >> PAGE_SHIFT),
			 0);
	assert_int_equal(calls(t, TDH_MEM_RANGE_BLOCK), 1);
	assert_int_equal(calls(t, TDH_MEM_TRACK), 0);
	assert_int_equal(calls(t, TDH_MEM_PAGE_REMOVE), 1);
	assert_int_equal(t->kicks, 0);
	/* Free the now empty 4K table: BLOCK + SEPT.REMOVE. */
	assert_int_equal(t->ops->free_external_spt(ot(t), gfn, PG_LEVEL_2M, 0), 0);
	assert_int_equal(calls(t, TDH_MEM_SEPT_REMOVE), 1);
	assert_int_equal(sept_state(t, 0x100000, PG_LEVEL_2M), TDX_SEPT_FREE);
	tctx_destroy(t);
}

/* DPAMT: pairs for S-EPT pages and 4K pages; DEMOTE sets the region to 512. */
static void test_dpamt(void **state)
{
	struct tctx *t = tctx_create(TDX_MODULE_2_0, true, TDX_POLICY_UPSTREAM);
	struct tdxmod_pamt_info pi;
	hpa_t page, spt;
	u64 adds;

	(void)state;
	assert_int_equal(t->ops->topup_external_cache(ot(t), 4), 0);
	finalize(t);
	link_upper(t, 0x200000);
	adds = calls(t, TDH_PHYMEM_PAMT_ADD);
	assert_true(adds >= 1);
	page = map_2m(t, 0x200000);
	/* A 2M page needs no pair. */
	assert_int_equal(calls(t, TDH_PHYMEM_PAMT_ADD), adds);

	spt = own(t, PG_LEVEL_4K, false);
	assert_int_equal(split_2m(t, 0x200000, spt), 0);
	assert_int_equal(tdxmod_pamt_lookup(tdx_module(t->kvm_tdx), page, &pi), 0);
	assert_true(pi.dpamt_pair);
	assert_int_equal(pi.dpamt_page_count, 512);

	/* 512 puts later the pair goes: remove every 4K child. */
	for (int i = 0; i < 512; i++) {
		gpa_t gpa = 0x200000 + (u64)i * PAGE_SIZE;

		assert_int_equal(t->ops->remove_external_spte(ot(t), gpa_to_gfn(gpa), PG_LEVEL_4K,
							      (page >> PAGE_SHIFT) + i),
				 0);
		if (i == 0) {
			assert_int_equal(tdxmod_pamt_lookup(tdx_module(t->kvm_tdx), page, &pi), 0);
			assert_int_equal(pi.dpamt_page_count, 511);
		}
	}
	assert_int_equal(tdxmod_pamt_lookup(tdx_module(t->kvm_tdx), page, &pi), 0);
	assert_false(pi.dpamt_pair);
	assert_true(calls(t, TDH_PHYMEM_PAMT_REMOVE) >= 1);
	tctx_destroy(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_split_sequence),	   cmocka_unit_test(test_split_busy_retry),
		cmocka_unit_test(test_split_interrupted),  cmocka_unit_test(test_map_busy_and_eio),
		cmocka_unit_test(test_split_eio_upstream), cmocka_unit_test(test_split_recover),
		cmocka_unit_test(test_prefinalize),	   cmocka_unit_test(test_dpamt),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
