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

#include "tdpmmu/tdx.h"

#define NR_VCPUS 2

struct tctx {
	struct frame_allocator *fa;
	struct kvm_tdx *kvm_tdx;
	const struct kvm_external_ops *ops;
	int kicks, holds, releases;
	bool held;
	/* frames the test owns (guest pages, external pages) */
	hpa_t owned[64];
	u64 owned_size[64];
	int nr_owned;
};

static void t_kick_all(void *vm, bool hold)
{
	struct tctx *t = vm;
	struct tdx_td *td = tdx_td(t->kvm_tdx);
	int v;

	t->kicks++;
	if (hold) {
		t->holds++;
		t->held = true;
	}
	for (v = 0; v < NR_VCPUS; v++)
		if (tdxmod_vcpu_in_td(td, v))
			tdxmod_vp_exit(td, v);
}

static void t_release_all(void *vm)
{
	struct tctx *t = vm;

	t->releases++;
	t->held = false;
}

static const struct tdx_kick_ops t_kick = {
	.kick_all = t_kick_all,
	.release_all = t_release_all,
};

static struct tctx *tctx_create(enum tdx_module_version ver, bool dpamt,
				enum tdx_error_policy policy, bool track_batch)
{
	struct tctx *t = calloc(1, sizeof(*t));
	struct kvm_tdx_config cfg = {
		.module = { .version = ver, .dpamt = dpamt, .seed = 1, .nr_vcpus = NR_VCPUS,
			    .max_vcpus = NR_VCPUS },
		.policy = policy,
		.track_batch = track_batch,
	};

	assert_non_null(t);
	t->fa = frame_allocator_create();
	assert_non_null(t->fa);
	t->kvm_tdx = tdx_vm_create(&cfg, t->fa, &t_kick, t);
	assert_non_null(t->kvm_tdx);
	t->ops = tdx_external_ops();
	return t;
}

static void tctx_destroy(struct tctx *t)
{
	int i;

	tdx_vm_destroy(t->kvm_tdx);
	for (i = 0; i < t->nr_owned; i++)
		frame_free(t->fa, t->owned[i], t->owned_size[i]);
	/* The glue freed its own frames (TDR, root, PAMT pairs, cache). */
	assert_int_equal(frame_allocator_in_use(t->fa), 0);
	frame_allocator_destroy(t->fa);
	free(t);
}

static hpa_t own(struct tctx *t, int level, bool guest)
{
	hpa_t hpa;

	if (guest)
		assert_int_equal(frame_alloc_guest(t->fa, level, &hpa), 0);
	else
		assert_int_equal(frame_alloc(t->fa, level, &hpa), 0);
	t->owned[t->nr_owned] = hpa;
	t->owned_size[t->nr_owned++] = level_size(level);
	return hpa;
}

static void *ot(struct tctx *t)
{
	return t->kvm_tdx;
}

static struct tdx_td *td_of(struct tctx *t)
{
	return tdx_td(t->kvm_tdx);
}

static u64 calls(struct tctx *t, enum tdx_leaf leaf)
{
	return tdxmod_leaf_calls(td_of(t), leaf);
}

static int sept_state(struct tctx *t, gpa_t gpa, int pg_level)
{
	struct tdx_sept_entry_info info;

	if (tdxmod_sept_lookup(td_of(t), gpa, pg_level_to_tdx_sept_level(pg_level), &info))
		return -1;
	return info.state;
}

/* Link the 512G and 1G entries so 2M entries covering @gpa exist. */
static void link_upper(struct tctx *t, gpa_t gpa)
{
	gfn_t gfn = gpa_to_gfn(gpa);

	if (sept_state(t, gpa, PG_LEVEL_512G) == TDX_SEPT_FREE)
		assert_int_equal(t->ops->link_external_spt(ot(t), gfn, PG_LEVEL_512G,
							   own(t, PG_LEVEL_4K, false)), 0);
	if (sept_state(t, gpa, PG_LEVEL_1G) == TDX_SEPT_FREE)
		assert_int_equal(t->ops->link_external_spt(ot(t), gfn, PG_LEVEL_1G,
							   own(t, PG_LEVEL_4K, false)), 0);
}

static hpa_t map_2m(struct tctx *t, gpa_t gpa)
{
	hpa_t page = own(t, PG_LEVEL_2M, true);

	link_upper(t, gpa);
	assert_int_equal(t->ops->set_external_spte(ot(t), gpa_to_gfn(gpa), PG_LEVEL_2M,
						   page >> PAGE_SHIFT), 0);
	assert_int_equal(sept_state(t, gpa, PG_LEVEL_2M), TDX_SEPT_PENDING);
	return page;
}

static void finalize(struct tctx *t)
{
	assert_int_equal(tdx_td_finalize(t->kvm_tdx), TDX_SUCCESS);
	assert_true(tdx_td_is_runnable(t->kvm_tdx));
}


static void assert_queue_flushed(struct tctx *t, u64 track, u64 remove)
{
	assert_int_equal(calls(t, TDH_MEM_TRACK), track);
	assert_int_equal(calls(t, TDH_MEM_PAGE_REMOVE), remove);
}

/* Four removals: four BLOCKs at once, then ONE TRACK + kick and four REMOVEs. */
static void test_queue_and_flush(void **state)
{
	struct tctx *t = tctx_create(TDX_MODULE_1_5, false, TDX_POLICY_UPSTREAM, true);
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
							      page[i] >> PAGE_SHIFT), 0);
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
	struct tctx *t = tctx_create(TDX_MODULE_1_5, false, TDX_POLICY_UPSTREAM, false);
	hpa_t page;

	(void)state;
	finalize(t);
	page = map_2m(t, 0x200000);
	assert_int_equal(t->ops->remove_external_spte(ot(t), gpa_to_gfn(0x200000), PG_LEVEL_2M,
						      page >> PAGE_SHIFT), 0);
	assert_queue_flushed(t, 1, 1);
	assert_int_equal(t->ops->flush_external(ot(t)), 0);
	assert_queue_flushed(t, 1, 1);
	assert_int_equal(t->kicks, 1);
	tctx_destroy(t);
}

/* A split (and a link/set) finishes the queue before its own work. */
static void test_split_flushes_first(void **state)
{
	struct tctx *t = tctx_create(TDX_MODULE_1_5, false, TDX_POLICY_UPSTREAM, true);
	hpa_t page;

	(void)state;
	finalize(t);
	page = map_2m(t, 0x200000);
	map_2m(t, 0x400000);
	assert_int_equal(t->ops->remove_external_spte(ot(t), gpa_to_gfn(0x200000), PG_LEVEL_2M,
						      page >> PAGE_SHIFT), 0);
	assert_queue_flushed(t, 0, 0);
	assert_int_equal(t->ops->split_external_spt(ot(t), gpa_to_gfn(0x400000), PG_LEVEL_2M,
						    own(t, PG_LEVEL_4K, false)), 0);
	/* One TRACK for the queue, one for the split's own BLOCK. */
	assert_queue_flushed(t, 2, 1);
	assert_int_equal(sept_state(t, 0x200000, PG_LEVEL_2M), TDX_SEPT_FREE);
	assert_int_equal(sept_state(t, 0x400000, PG_LEVEL_2M), TDX_SEPT_NL_MAPPED);

	/* set: the queued leaf is gone before the AUG. */
	page = map_2m(t, 0x600000);
	assert_int_equal(t->ops->remove_external_spte(ot(t), gpa_to_gfn(0x600000), PG_LEVEL_2M,
						      page >> PAGE_SHIFT), 0);
	assert_int_equal(t->ops->set_external_spte(ot(t), gpa_to_gfn(0x600000), PG_LEVEL_2M,
						   page >> PAGE_SHIFT), 0);
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
	struct tctx *t = tctx_create(TDX_MODULE_2_0, true, TDX_POLICY_UPSTREAM, true);
	struct tdx_pamt_info pi;
	hpa_t page, spt;

	(void)state;
	assert_int_equal(t->ops->topup_external_cache(ot(t), 4), 0);
	finalize(t);
	page = map_2m(t, 0x200000);
	spt = own(t, PG_LEVEL_4K, false);
	assert_int_equal(t->ops->split_external_spt(ot(t), gpa_to_gfn(0x200000), PG_LEVEL_2M, spt),
			 0);
	for (int i = 0; i < 512; i++) {
		gpa_t gpa = 0x200000 + (u64)i * PAGE_SIZE;

		assert_int_equal(t->ops->remove_external_spte(ot(t), gpa_to_gfn(gpa), PG_LEVEL_4K,
							      (page >> PAGE_SHIFT) + i), 0);
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
	struct tctx *t = tctx_create(TDX_MODULE_1_5, false, policy, true);
	hpa_t p1, p2;
	struct tdx_stats st;

	finalize(t);
	p1 = map_2m(t, 0x200000);
	p2 = map_2m(t, 0x400000);
	assert_int_equal(t->ops->remove_external_spte(ot(t), gpa_to_gfn(0x200000), PG_LEVEL_2M,
						      p1 >> PAGE_SHIFT), 0);
	assert_int_equal(t->ops->remove_external_spte(ot(t), gpa_to_gfn(0x400000), PG_LEVEL_2M,
						      p2 >> PAGE_SHIFT), 0);
	assert_int_equal(tdxmod_inject(td_of(t), TDH_MEM_PAGE_REMOVE,
				       TDX_EPT_ENTRY_STATE_INCORRECT | 1, 1, 0), 0);
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
