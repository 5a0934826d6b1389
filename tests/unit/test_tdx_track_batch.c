// SPDX-License-Identifier: GPL-2.0-only
/*
 * tdx/ glue, track_batch (beyond upstream): removals BLOCK and queue; flush_external
 * does one TRACK + kick, then the PAGE.REMOVEs (and DPAMT puts); every other
 * hook flushes first; a failed REMOVE in the flush is -EIO under either
 * policy, and the rest of the queue still goes.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "test_tdx_harness.h"

static void assert_queue_flushed(struct tctx *t, u64 track, u64 remove)
{
	assert_int_equal(calls(t, TDH_MEM_TRACK), track);
	assert_int_equal(calls(t, TDH_MEM_PAGE_REMOVE), remove);
}

/* Four removals: four BLOCKs at once, then ONE TRACK + kick and four REMOVEs. */
static void test_queue_and_flush(void **state)
{
	struct tctx *t = tctx_create_cfg(TDX_MODULE_1_5, false, TDX_POLICY_UPSTREAM, true);
	hpa_t page[4];
	struct tdx_stats st;

	(void)state;
	finalize(t);
	for (int i = 0; i < 4; i++)
		page[i] = map_2m(t, 0x200000 * (gpa_t)(i + 1));
	/* A vCPU in the TD: REMOVE is refused unless its epoch was tracked out. */
	assert_int_equal(tdx_vcpu_enter(t->kvm_tdx, 0), TDX_SUCCESS);

	for (int i = 0; i < 4; i++) {
		gpa_t gpa = 0x200000 * (gpa_t)(i + 1);

		assert_int_equal(t->ops->remove_external_spte(ot(t), gpa_to_gfn(gpa), PG_LEVEL_2M,
							      page[i] >> PAGE_SHIFT),
				 0);
		assert_int_equal(sept_state(t, gpa, PG_LEVEL_2M), TDX_SEPT_PENDING_BLOCKED);
	}
	assert_int_equal(calls(t, TDH_MEM_RANGE_BLOCK), 4);
	assert_queue_flushed(t, 0, 0);
	assert_int_equal(t->kicks, 0);
	assert_true(tdxmod_vcpu_in_td(td_of(t), 0));

	assert_non_null(t->ops->flush_external);
	assert_int_equal(t->ops->flush_external(ot(t)), 0);
	assert_queue_flushed(t, 1, 4);
	assert_int_equal(t->kicks, 1);
	assert_false(tdxmod_vcpu_in_td(td_of(t), 0));
	for (int i = 0; i < 4; i++)
		assert_int_equal(sept_state(t, 0x200000 * (gpa_t)(i + 1), PG_LEVEL_2M),
				 TDX_SEPT_FREE);
	tdx_get_stats(t->kvm_tdx, &st);
	assert_int_equal(st.track_rounds, 1);
	assert_int_equal(st.errors, 0);

	/* Empty queue: nothing at all. */
	assert_int_equal(t->ops->flush_external(ot(t)), 0);
	assert_queue_flushed(t, 1, 4);
	assert_int_equal(t->kicks, 1);
	tctx_destroy(t);
}

/* Without track_batch the flush hook is a no-op and removal is upstream's. */
static void test_default_unbatched(void **state)
{
	struct tctx *t = tctx_create_cfg(TDX_MODULE_1_5, false, TDX_POLICY_UPSTREAM, false);
	hpa_t page;

	(void)state;
	finalize(t);
	page = map_2m(t, 0x200000);
	assert_int_equal(t->ops->remove_external_spte(ot(t), gpa_to_gfn(0x200000), PG_LEVEL_2M,
						      page >> PAGE_SHIFT),
			 0);
	assert_queue_flushed(t, 1, 1);
	assert_int_equal(t->ops->flush_external(ot(t)), 0);
	assert_queue_flushed(t, 1, 1);
	assert_int_equal(t->kicks, 1);
	tctx_destroy(t);
}

/* A split (and a link/set) finishes the queue before its own work. */
static void test_split_flushes_first(void **state)
{
	struct tctx *t = tctx_create_cfg(TDX_MODULE_1_5, false, TDX_POLICY_UPSTREAM, true);
	hpa_t page;

	(void)state;
	finalize(t);
	page = map_2m(t, 0x200000);
	map_2m(t, 0x400000);
	assert_int_equal(t->ops->remove_external_spte(ot(t), gpa_to_gfn(0x200000), PG_LEVEL_2M,
						      page >> PAGE_SHIFT),
			 0);
	assert_queue_flushed(t, 0, 0);
	assert_int_equal(split_2m(t, 0x400000, own(t, PG_LEVEL_4K, false)), 0);
	/* One TRACK for the queue, one for the split's own BLOCK. */
	assert_queue_flushed(t, 2, 1);
	assert_int_equal(sept_state(t, 0x200000, PG_LEVEL_2M), TDX_SEPT_FREE);
	assert_int_equal(sept_state(t, 0x400000, PG_LEVEL_2M), TDX_SEPT_NL_MAPPED);

	/* set: the queued leaf is gone before the AUG. */
	page = map_2m(t, 0x600000);
	assert_int_equal(t->ops->remove_external_spte(ot(t), gpa_to_gfn(0x600000), PG_LEVEL_2M,
						      page >> PAGE_SHIFT),
			 0);
	assert_int_equal(t->ops->set_external_spte(ot(t), gpa_to_gfn(0x600000), PG_LEVEL_2M,
						   page >> PAGE_SHIFT),
			 0);
	assert_queue_flushed(t, 3, 2);
	assert_int_equal(sept_state(t, 0x600000, PG_LEVEL_2M), TDX_SEPT_PENDING);
	tctx_destroy(t);
}

/*
 * DPAMT: 512 queued 4K removals keep their PAMT references until the
 * flush; freeing their table (SEPT.REMOVE needs every child FREE) flushes
 * first, and the region's pair goes with the last put.
 */
static void test_free_flushes_children_dpamt(void **state)
{
	struct tctx *t = tctx_create_cfg(TDX_MODULE_2_0, true, TDX_POLICY_UPSTREAM, true);
	struct tdxmod_pamt_info pi;
	hpa_t page, spt;

	(void)state;
	assert_int_equal(t->ops->topup_external_cache(ot(t), 4), 0);
	finalize(t);
	page = map_2m(t, 0x200000);
	spt = own(t, PG_LEVEL_4K, false);
	assert_int_equal(split_2m(t, 0x200000, spt), 0);
	for (int i = 0; i < 512; i++) {
		gpa_t gpa = 0x200000 + (u64)i * PAGE_SIZE;

		assert_int_equal(t->ops->remove_external_spte(ot(t), gpa_to_gfn(gpa), PG_LEVEL_4K,
							      (page >> PAGE_SHIFT) + i),
				 0);
	}
	assert_int_equal(calls(t, TDH_MEM_PAGE_REMOVE), 0);
	assert_int_equal(tdxmod_pamt_lookup(tdx_module(t->kvm_tdx), page, &pi), 0);
	assert_int_equal(pi.dpamt_page_count, 512);

	assert_int_equal(t->ops->free_external_spt(ot(t), gpa_to_gfn(0x200000), PG_LEVEL_2M, spt),
			 0);
	assert_int_equal(calls(t, TDH_MEM_PAGE_REMOVE), 512);
	assert_int_equal(calls(t, TDH_MEM_SEPT_REMOVE), 1);
	/* split, batch, SEPT.REMOVE: three TRACK rounds instead of 514. */
	assert_int_equal(calls(t, TDH_MEM_TRACK), 3);
	assert_int_equal(sept_state(t, 0x200000, PG_LEVEL_2M), TDX_SEPT_FREE);
	assert_int_equal(tdxmod_pamt_lookup(tdx_module(t->kvm_tdx), page, &pi), 0);
	assert_false(pi.dpamt_pair);
	tctx_destroy(t);
}

/* A REMOVE failing in the flush: -EIO under either policy, the rest still goes. */
static void flush_error(enum tdx_error_policy policy)
{
	struct tctx *t = tctx_create_cfg(TDX_MODULE_1_5, false, policy, true);
	hpa_t p1, p2;
	struct tdx_stats st;

	finalize(t);
	p1 = map_2m(t, 0x200000);
	p2 = map_2m(t, 0x400000);
	assert_int_equal(t->ops->remove_external_spte(ot(t), gpa_to_gfn(0x200000), PG_LEVEL_2M,
						      p1 >> PAGE_SHIFT),
			 0);
	assert_int_equal(t->ops->remove_external_spte(ot(t), gpa_to_gfn(0x400000), PG_LEVEL_2M,
						      p2 >> PAGE_SHIFT),
			 0);
	assert_int_equal(tdxmod_inject(td_of(t), TDH_MEM_PAGE_REMOVE,
				       TDX_EPT_ENTRY_STATE_INCORRECT | 1, 1, 0),
			 0);
	assert_int_equal(t->ops->flush_external(ot(t)), -EIO);
	assert_queue_flushed(t, 1, 2);
	assert_int_equal(calls(t, TDH_MEM_RANGE_UNBLOCK), 0);
	assert_int_equal(sept_state(t, 0x200000, PG_LEVEL_2M), TDX_SEPT_PENDING_BLOCKED);
	assert_int_equal(sept_state(t, 0x400000, PG_LEVEL_2M), TDX_SEPT_FREE);
	tdx_get_stats(t->kvm_tdx, &st);
	assert_int_equal(st.errors, 1);
	/* The queue was consumed. */
	assert_int_equal(t->ops->flush_external(ot(t)), 0);
	assert_queue_flushed(t, 1, 2);
	tctx_destroy(t);
}

static void test_flush_error_upstream(void **state)
{
	(void)state;
	flush_error(TDX_POLICY_UPSTREAM);
}

static void test_flush_error_recover(void **state)
{
	(void)state;
	flush_error(TDX_POLICY_RECOVER);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_queue_and_flush),
		cmocka_unit_test(test_default_unbatched),
		cmocka_unit_test(test_split_flushes_first),
		cmocka_unit_test(test_free_flushes_children_dpamt),
		cmocka_unit_test(test_flush_error_upstream),
		cmocka_unit_test(test_flush_error_recover),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
