/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Shared set-up for the tdx/ glue unit tests against the real module model
 * (header-only; cmocka included by the test): a TD with kick hooks that
 * count, frames the test owns, and the S-EPT links above a 2M mapping.
 */
#ifndef TEST_TDX_HARNESS_H
#define TEST_TDX_HARNESS_H

#include <stdlib.h>

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

static inline void t_kick_all(void *vm, bool hold)
{
	struct tctx *t = vm;
	struct tdxmod_td *td = tdx_td(t->kvm_tdx);
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

static inline void t_release_all(void *vm)
{
	struct tctx *t = vm;

	t->releases++;
	t->held = false;
}

static const struct tdx_kick_ops t_kick = {
	.kick_all = t_kick_all,
	.release_all = t_release_all,
};

static inline struct tctx *tctx_create_cfg(enum tdxmod_version ver, bool dpamt,
					   enum tdx_error_policy policy, bool track_batch)
{
	struct tctx *t = calloc(1, sizeof(*t));
	struct kvm_tdx_config cfg = {
		.module = {.version = ver,
			   .dpamt = dpamt,
			   .seed = 1,
			   .nr_vcpus = NR_VCPUS,
			   .max_vcpus = NR_VCPUS},
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

static inline void tctx_destroy(struct tctx *t)
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

static inline hpa_t own(struct tctx *t, int level, bool guest)
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

static inline void *ot(struct tctx *t)
{
	return t->kvm_tdx;
}

static inline struct tdxmod_td *td_of(struct tctx *t)
{
	return tdx_td(t->kvm_tdx);
}

static inline u64 calls(struct tctx *t, enum tdxmod_leaf leaf)
{
	return tdxmod_leaf_calls(td_of(t), leaf);
}

static inline int sept_state(struct tctx *t, gpa_t gpa, int pg_level)
{
	struct tdxmod_sept_entry_info info;

	if (tdxmod_sept_lookup(td_of(t), gpa, pg_level_to_tdx_sept_level(pg_level), &info))
		return -1;
	return info.state;
}

/* Link the 512G and 1G entries so 2M entries covering @gpa exist. */
static inline void link_upper(struct tctx *t, gpa_t gpa)
{
	gfn_t gfn = gpa_to_gfn(gpa);

	if (sept_state(t, gpa, PG_LEVEL_512G) == TDX_SEPT_FREE)
		assert_int_equal(t->ops->link_external_spt(ot(t), gfn, PG_LEVEL_512G,
							   own(t, PG_LEVEL_4K, false)),
				 0);
	if (sept_state(t, gpa, PG_LEVEL_1G) == TDX_SEPT_FREE)
		assert_int_equal(t->ops->link_external_spt(ot(t), gfn, PG_LEVEL_1G,
							   own(t, PG_LEVEL_4K, false)),
				 0);
}

static inline hpa_t map_2m(struct tctx *t, gpa_t gpa)
{
	hpa_t page = own(t, PG_LEVEL_2M, true);

	link_upper(t, gpa);
	assert_int_equal(
		t->ops->set_external_spte(ot(t), gpa_to_gfn(gpa), PG_LEVEL_2M, page >> PAGE_SHIFT),
		0);
	assert_int_equal(sept_state(t, gpa, PG_LEVEL_2M), TDX_SEPT_PENDING);
	return page;
}

/* split_external_spt of the 2M leaf at @gpa, with the frame it maps (as the MMU passes it). */
static inline int split_2m(struct tctx *t, gpa_t gpa, hpa_t spt)
{
	struct tdxmod_sept_entry_info info = {};

	tdxmod_sept_lookup(tdx_td(t->kvm_tdx), gpa, 1, &info);
	return t->ops->split_external_spt(ot(t), gpa_to_gfn(gpa), PG_LEVEL_2M,
					  info.pa >> PAGE_SHIFT, spt);
}

static inline void finalize(struct tctx *t)
{
	assert_int_equal(tdx_td_finalize(t->kvm_tdx), TDX_SUCCESS);
	assert_true(tdx_td_is_runnable(t->kvm_tdx));
}

#endif /* TEST_TDX_HARNESS_H */
