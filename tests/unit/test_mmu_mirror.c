// SPDX-License-Identifier: GPL-2.0-only
/*
 * Mirror SPTE transitions: the allowed ones under each lock mode reach the
 * right hook, every unsupported one bugs the VM (contained: -EIO, no abort,
 * SPTE untouched), and the frozen-SPTE protocol.
 */
#include "test_mmu_fake.h"
#include "mmu_internal.h"

/* The SPTE at @level on @gfn's path in the mirror root (walk only). */
static u64 *mirror_sptep(struct kvm_mmu *mmu, gfn_t gfn, int level)
{
	struct tdp_iter iter;
	u64 *sptep = NULL;

	kvm_mmu_rcu_read_lock();
	for_each_tdp_pte_root(iter, mmu->mirror_root, level, gfn, gfn + 1)
	{
		if (iter.level == level) {
			sptep = iter.sptep;
			break;
		}
	}
	kvm_mmu_rcu_read_unlock();
	return sptep;
}

static void map_4k(struct test_vm *t, gfn_t gfn)
{
	assert_int_equal(test_fault(t->mmu, gfn, test_pfn(gfn), PG_LEVEL_4K, true, NULL),
			 RET_PF_FIXED);
}

static void map_2m(struct test_vm *t, gfn_t gfn)
{
	int level;

	assert_int_equal(test_fault(t->mmu, gfn, test_pfn(gfn), PG_LEVEL_2M, true, &level),
			 RET_PF_FIXED);
	assert_int_equal(level, PG_LEVEL_2M);
}

/* Try one exclusive-lock transition; returns the result, checks containment. */
static int try_transition(struct test_vm *t, gfn_t gfn, int level, u64 new_spte)
{
	u64 *sptep = mirror_sptep(t->mmu, gfn, level);
	u64 old;
	int r;

	assert_non_null(sptep);
	old = *sptep;
	test_wlock(t);
	r = tdp_mmu_set_spte(t->mmu, true, sptep, old, new_spte, gfn_round_for_level(gfn, level),
			     level);
	test_wunlock(t);
	if (r == -EIO)
		assert_int_equal(*sptep, old); /* refused before writing */
	return r;
}

static void expect_bugged_and_contained(struct test_vm *t)
{
	assert_true(kvm_mmu_is_bugged(t->mmu));
	assert_int_equal(test_fault(t->mmu, 0x9000, test_pfn(0x9000), PG_LEVEL_4K, true, NULL),
			 -EIO);
	test_wlock(t);
	assert_int_equal(kvm_tdp_mmu_unmap_gfn_range(t->mmu, 0, 1, true), -EIO);
	assert_int_equal(kvm_tdp_mmu_split_huge_pages(t->mmu, 0, 1, PG_LEVEL_4K, true), -EIO);
	assert_int_equal(kvm_tdp_mmu_split_cross_boundary_leafs(t->mmu, 1, 2, true), -EIO);
	test_wunlock(t);
}

static void test_unsupported_nonpresent_to_leaf(void **state)
{
	struct test_vm *t = test_vm_create(0x10000, true);

	(void)state;
	map_4k(t, 0x10);
	assert_int_equal(try_transition(t, 0x11, PG_LEVEL_4K,
					make_spte(PG_LEVEL_4K, test_pfn(0x11), true, false)),
			 -EIO);
	assert_int_equal(t->fx.calls[FAKE_SET], 1);
	expect_bugged_and_contained(t);
	fake_ext_check_coherent(&t->fx, t->mmu);
	test_vm_destroy(t);
}

static void test_unsupported_leaf_to_leaf(void **state)
{
	struct test_vm *t = test_vm_create(0x10000, true);

	(void)state;
	map_4k(t, 0x10);
	/* Same PFN, write-protected: still a leaf -> leaf change. */
	assert_int_equal(try_transition(t, 0x10, PG_LEVEL_4K,
					make_spte(PG_LEVEL_4K, test_pfn(0x10), false, false)),
			 -EIO);
	expect_bugged_and_contained(t);
	fake_ext_check_coherent(&t->fx, t->mmu);
	test_vm_destroy(t);
}

static void test_unsupported_promotion(void **state)
{
	struct test_vm *t = test_vm_create(0x10000, true);

	(void)state;
	map_4k(t, 0x210);
	assert_int_equal(try_transition(t, 0x200, PG_LEVEL_2M,
					make_spte(PG_LEVEL_2M, test_pfn(0x200), true, false)),
			 -EIO);
	assert_true(test_lookup(t, 0x210, true, NULL, NULL));
	expect_bugged_and_contained(t);
	fake_ext_check_coherent(&t->fx, t->mmu);
	test_vm_destroy(t);
}

static void test_unsupported_link_exclusive(void **state)
{
	struct test_vm *t = test_vm_create(0x10000, true);
	u64 *page = aligned_alloc(PAGE_SIZE, PAGE_SIZE);

	(void)state;
	map_4k(t, 0x10);
	/* A non-present 2M entry made non-leaf under the write lock. */
	assert_int_equal(try_transition(t, 0x200, PG_LEVEL_2M, make_nonleaf_spte(page)), -EIO);
	expect_bugged_and_contained(t);
	fake_ext_check_coherent(&t->fx, t->mmu);
	free(page);
	test_vm_destroy(t);
}

static void test_unsupported_nonleaf_to_nonleaf(void **state)
{
	struct test_vm *t = test_vm_create(0x10000, true);
	u64 *page = aligned_alloc(PAGE_SIZE, PAGE_SIZE);

	(void)state;
	map_4k(t, 0x10);
	assert_int_equal(try_transition(t, 0x0, PG_LEVEL_2M, make_nonleaf_spte(page)), -EIO);
	expect_bugged_and_contained(t);
	fake_ext_check_coherent(&t->fx, t->mmu);
	free(page);
	test_vm_destroy(t);
}

static void test_allowed_leaf_to_nonpresent(void **state)
{
	struct test_vm *t = test_vm_create(0x10000, true);

	(void)state;
	map_4k(t, 0x10);
	map_4k(t, 0x11);
	assert_int_equal(try_transition(t, 0x10, PG_LEVEL_4K, SHADOW_NONPRESENT_VALUE), 0);
	assert_int_equal(t->fx.calls[FAKE_REMOVE], 1);
	assert_false(kvm_mmu_is_bugged(t->mmu));
	assert_false(test_lookup(t, 0x10, true, NULL, NULL));
	fake_ext_check_coherent(&t->fx, t->mmu);
	test_vm_destroy(t);
}

static void test_allowed_nonleaf_to_nonpresent(void **state)
{
	struct test_vm *t = test_vm_create(0x10000, true);
	struct kvm_mmu_stats st;

	(void)state;
	map_4k(t, 0x10);
	map_4k(t, 0x11);
	map_4k(t, 0x1ff);
	/* Zap the 2M non-leaf: three leaves removed, then the table freed. */
	assert_int_equal(try_transition(t, 0x0, PG_LEVEL_2M, SHADOW_NONPRESENT_VALUE), 0);
	assert_int_equal(t->fx.calls[FAKE_REMOVE], 3);
	assert_int_equal(t->fx.calls[FAKE_FREE], 1);
	assert_false(kvm_mmu_is_bugged(t->mmu));
	kvm_mmu_get_stats(t->mmu, &st);
	assert_int_equal(st.mirror_pt_pages, 2);
	assert_int_equal(st.mirror_mappings[PG_LEVEL_4K], 0);
	fake_ext_check_coherent(&t->fx, t->mmu);
	/* The 1G non-leaf above it, now with an empty 2M level. */
	assert_int_equal(try_transition(t, 0x0, PG_LEVEL_1G, SHADOW_NONPRESENT_VALUE), 0);
	assert_int_equal(t->fx.calls[FAKE_FREE], 2);
	fake_ext_check_coherent(&t->fx, t->mmu);
	test_vm_destroy(t);
}

static void test_allowed_leaf_to_nonleaf(void **state)
{
	struct test_vm *t = test_vm_create(0x10000, true);

	(void)state;
	map_2m(t, 0x200);
	test_wlock(t);
	assert_int_equal(kvm_tdp_mmu_split_huge_pages(t->mmu, 0x200, 0x201, PG_LEVEL_4K, true), 0);
	test_wunlock(t);
	assert_int_equal(t->fx.calls[FAKE_SPLIT], 1);
	assert_false(kvm_mmu_is_bugged(t->mmu));
	fake_ext_check_coherent(&t->fx, t->mmu);
	test_vm_destroy(t);
}

static void test_remove_hook_failure(void **state)
{
	struct test_vm *t = test_vm_create(0x10000, true);

	(void)state;
	map_4k(t, 0x10);
	fake_fail(&t->fx, FAKE_REMOVE, -EAGAIN, 1);
	test_wlock(t);
	assert_int_equal(kvm_tdp_mmu_unmap_gfn_range(t->mmu, 0x10, 0x11, true), -EAGAIN);
	test_wunlock(t);
	/* Recoverable: the leaf is back, the VM fine. */
	assert_true(test_lookup(t, 0x10, true, NULL, NULL));
	assert_false(kvm_mmu_is_bugged(t->mmu));
	fake_ext_check_coherent(&t->fx, t->mmu);
	fake_fail(&t->fx, FAKE_REMOVE, -EIO, 1);
	test_wlock(t);
	assert_int_equal(kvm_tdp_mmu_unmap_gfn_range(t->mmu, 0x10, 0x11, true), -EIO);
	test_wunlock(t);
	assert_true(kvm_mmu_is_bugged(t->mmu));
	fake_ext_check_coherent(&t->fx, t->mmu);
	test_vm_destroy(t);
}

/* Frozen protocol: a failing hook leaves the old value. */
static void test_frozen_set_failure(void **state)
{
	struct test_vm *t = test_vm_create(0x10000, true);
	struct kvm_mmu_stats st;

	(void)state;
	map_4k(t, 0x10);
	fake_fail(&t->fx, FAKE_SET, -EBUSY, 1);
	assert_int_equal(test_fault(t->mmu, 0x11, test_pfn(0x11), PG_LEVEL_4K, true, NULL),
			 RET_PF_RETRY);
	assert_int_equal(*mirror_sptep(t->mmu, 0x11, PG_LEVEL_4K), SHADOW_NONPRESENT_VALUE);
	fake_ext_check_coherent(&t->fx, t->mmu);
	map_4k(t, 0x11);

	/* A failed link frees the table it tried to link; nothing leaks. */
	fake_fail(&t->fx, FAKE_LINK, -EBUSY, 1);
	assert_int_equal(test_fault(t->mmu, 0x40000, test_pfn(0x40000), PG_LEVEL_4K, true, NULL),
			 -EINVAL);
	assert_int_equal(test_fault(t->mmu, 0x8000, test_pfn(0x8000), PG_LEVEL_4K, true, NULL),
			 RET_PF_RETRY);
	assert_int_equal(*mirror_sptep(t->mmu, 0x8000, PG_LEVEL_2M), SHADOW_NONPRESENT_VALUE);
	kvm_mmu_get_stats(t->mmu, &st);
	assert_int_equal(st.mirror_pt_pages, 3);
	fake_ext_check_coherent(&t->fx, t->mmu);
	map_4k(t, 0x8000);
	fake_ext_check_coherent(&t->fx, t->mmu);

	/* -EIO from set: VM bugged, old value kept. */
	fake_fail(&t->fx, FAKE_SET, -EIO, 1);
	assert_int_equal(test_fault(t->mmu, 0x12, test_pfn(0x12), PG_LEVEL_4K, true, NULL), -EIO);
	assert_int_equal(*mirror_sptep(t->mmu, 0x12, PG_LEVEL_4K), SHADOW_NONPRESENT_VALUE);
	assert_true(kvm_mmu_is_bugged(t->mmu));
	fake_ext_check_coherent(&t->fx, t->mmu);
	test_vm_destroy(t);
}

/* A walker meeting a frozen SPTE retries. */
static int nested_result[FAKE_NR_OPS];
static u64 frozen_seen[FAKE_NR_OPS];

static void nested_fault_in_hook(struct fake_ext *fx, enum fake_op op, gfn_t gfn, int level)
{
	struct kvm_page_fault f = {
		.gfn = gfn, .is_private = true, .pfn = test_pfn(gfn), .max_level = PG_LEVEL_4K};

	if (op != FAKE_SET && op != FAKE_LINK)
		return;
	frozen_seen[op] = *mirror_sptep(fx->mmu, gfn, level);
	/* Same GFN, mmu_lock already held for read by the outer fault. */
	f.mmu_seq = kvm_mmu_invalidate_seq(fx->mmu);
	nested_result[op] = kvm_tdp_mmu_map(fx->mmu, &f);
}

static void test_frozen_walker_retries(void **state)
{
	struct test_vm *t = test_vm_create(0x10000, true);

	(void)state;
	t->fx.in_hook = nested_fault_in_hook;
	map_4k(t, 0x10);
	t->fx.in_hook = NULL;
	assert_int_equal(frozen_seen[FAKE_SET], FROZEN_SPTE);
	assert_int_equal(frozen_seen[FAKE_LINK], FROZEN_SPTE);
	assert_int_equal(nested_result[FAKE_SET], RET_PF_RETRY);
	assert_int_equal(nested_result[FAKE_LINK], RET_PF_RETRY);
	/* The nested walker never called a hook itself. */
	assert_int_equal(t->fx.calls[FAKE_SET], 1);
	assert_int_equal(t->fx.calls[FAKE_LINK], 3);
	fake_ext_check_coherent(&t->fx, t->mmu);
	test_vm_destroy(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unsupported_nonpresent_to_leaf),
		cmocka_unit_test(test_unsupported_leaf_to_leaf),
		cmocka_unit_test(test_unsupported_promotion),
		cmocka_unit_test(test_unsupported_link_exclusive),
		cmocka_unit_test(test_unsupported_nonleaf_to_nonleaf),
		cmocka_unit_test(test_allowed_leaf_to_nonpresent),
		cmocka_unit_test(test_allowed_nonleaf_to_nonpresent),
		cmocka_unit_test(test_allowed_leaf_to_nonleaf),
		cmocka_unit_test(test_remove_hook_failure),
		cmocka_unit_test(test_frozen_set_failure),
		cmocka_unit_test(test_frozen_walker_retries),
	};
	return cmocka_run_group_tests(tests, test_setup_rcu, test_teardown_rcu);
}
