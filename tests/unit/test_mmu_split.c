// SPDX-License-Identifier: GPL-2.0-only
/*
 * Splits under the exclusive lock: 512 children with inherited attributes
 * and PFN stride, one hook call per split, range split vs cross-boundary,
 * 1G -> 2M -> 4K, allocation failure and hook failure leave everything
 * consistent.
 */
#include "test_mmu_fake.h"

static void map_level(struct test_vm *t, gfn_t gfn, int want)
{
	int level;

	assert_int_equal(test_fault(t->mmu, gfn, test_pfn(gfn), want, true, &level), RET_PF_FIXED);
	assert_int_equal(level, want);
}

static int level_of(struct test_vm *t, gfn_t gfn)
{
	int level = 0;
	kvm_pfn_t pfn;

	if (!test_lookup(t, gfn, true, &level, &pfn))
		return 0;
	assert_int_equal(pfn, test_pfn(gfn));
	return level;
}

static int split_range(struct test_vm *t, gfn_t start, gfn_t end, int target)
{
	int r;

	test_wlock(t);
	r = kvm_tdp_mmu_split_huge_pages(t->mmu, start, end, target, true);
	test_wunlock(t);
	return r;
}

static int split_cross(struct test_vm *t, gfn_t start, gfn_t end)
{
	int r;

	test_wlock(t);
	r = kvm_tdp_mmu_split_cross_boundary_leafs(t->mmu, start, end, true);
	test_wunlock(t);
	return r;
}

struct child_check {
	u64 huge_attrs;
	int n;
};

static int child_cb(void *arg, gfn_t gfn, int level, u64 spte, bool is_leaf)
{
	struct child_check *c = arg;
	u64 mask = SPTE_BASE_ADDR_MASK | PT_PAGE_SIZE_MASK;

	if (level != PG_LEVEL_4K)
		return 0;
	assert_true(is_leaf);
	assert_int_equal(spte_to_pfn(spte), test_pfn(gfn));
	assert_int_equal(spte & ~mask, c->huge_attrs & ~mask);
	c->n++;
	return 0;
}

static void test_split_2m(void **state)
{
	struct test_vm *t = test_vm_create(0x10000, true);
	struct child_check c = {0};
	struct kvm_mmu_stats st;
	int level;

	(void)state;
	map_level(t, 0x200, PG_LEVEL_2M);
	c.huge_attrs = make_spte(PG_LEVEL_2M, test_pfn(0x200), true, true);
	assert_int_equal(split_range(t, 0x250, 0x251, PG_LEVEL_4K), 0);
	assert_int_equal(t->fx.calls[FAKE_SPLIT], 1);
	read_lock(kvm_mmu_lock(t->mmu));
	kvm_tdp_mmu_for_each_present(t->mmu, true, child_cb, &c);
	read_unlock(kvm_mmu_lock(t->mmu));
	assert_int_equal(c.n, 512);
	assert_true(test_lookup(t, 0x3ff, true, &level, NULL));
	assert_int_equal(level, PG_LEVEL_4K);
	kvm_mmu_get_stats(t->mmu, &st);
	assert_int_equal(st.splits, 1);
	assert_int_equal(st.mirror_mappings[PG_LEVEL_4K], 512);
	assert_int_equal(st.mirror_mappings[PG_LEVEL_2M], 0);
	assert_int_equal(st.mirror_pt_pages, 3);
	fake_ext_check_coherent(&t->fx, t->mmu);
	/* Nothing left to split. */
	assert_int_equal(split_range(t, 0, 0x10000, PG_LEVEL_4K), 0);
	assert_int_equal(t->fx.calls[FAKE_SPLIT], 1);
	test_vm_destroy(t);
}

static void test_range_vs_cross_boundary(void **state)
{
	struct test_vm *t = test_vm_create(0x10000, true);
	struct kvm_mmu_stats st;

	(void)state;
	for (gfn_t g = 0; g < 0x800; g += 0x200)
		map_level(t, g, PG_LEVEL_2M);
	/* Aligned boundaries: nothing crosses. */
	assert_int_equal(split_cross(t, 0x200, 0x600), 0);
	assert_int_equal(t->fx.calls[FAKE_SPLIT], 0);
	/* Only the two end leaves cross [0x100, 0x700). */
	assert_int_equal(split_cross(t, 0x100, 0x700), 0);
	assert_int_equal(t->fx.calls[FAKE_SPLIT], 2);
	assert_int_equal(level_of(t, 0x0), PG_LEVEL_4K);
	assert_int_equal(level_of(t, 0x200), PG_LEVEL_2M);
	assert_int_equal(level_of(t, 0x400), PG_LEVEL_2M);
	assert_int_equal(level_of(t, 0x6ff), PG_LEVEL_4K);
	fake_ext_check_coherent(&t->fx, t->mmu);
	/* A range split takes every huge leaf it overlaps, partly or fully. */
	for (gfn_t g = 0x800; g < 0x1000; g += 0x200)
		map_level(t, g, PG_LEVEL_2M);
	assert_int_equal(split_range(t, 0x900, 0xd00, PG_LEVEL_4K), 0);
	assert_int_equal(t->fx.calls[FAKE_SPLIT], 5);
	assert_int_equal(level_of(t, 0x800), PG_LEVEL_4K);
	assert_int_equal(level_of(t, 0xc00), PG_LEVEL_4K);
	assert_int_equal(level_of(t, 0xe00), PG_LEVEL_2M);
	kvm_mmu_get_stats(t->mmu, &st);
	assert_int_equal(st.splits, 5);
	assert_int_equal(st.mirror_mappings[PG_LEVEL_2M], 3);
	fake_ext_check_coherent(&t->fx, t->mmu);
	test_vm_destroy(t);
}

static void test_split_1g(void **state)
{
	struct test_vm *t = test_vm_create(0x80000, true);
	struct kvm_mmu_stats st;

	(void)state;
	map_level(t, 0x40000, PG_LEVEL_1G);
	/* Crossing 0x40005: 1G -> 2M, then the 2M containing it -> 4K. */
	assert_int_equal(split_cross(t, 0x40005, 0x80000), 0);
	assert_int_equal(t->fx.calls[FAKE_SPLIT], 2);
	assert_int_equal(level_of(t, 0x40004), PG_LEVEL_4K);
	assert_int_equal(level_of(t, 0x40200), PG_LEVEL_2M);
	kvm_mmu_get_stats(t->mmu, &st);
	assert_int_equal(st.mirror_mappings[PG_LEVEL_2M], 511);
	assert_int_equal(st.mirror_mappings[PG_LEVEL_4K], 512);
	fake_ext_check_coherent(&t->fx, t->mmu);
	/* Range split to 2M leaves the 2M leaves alone. */
	map_level(t, 0x0, PG_LEVEL_1G);
	assert_int_equal(split_range(t, 0x0, 0x1, PG_LEVEL_2M), 0);
	assert_int_equal(t->fx.calls[FAKE_SPLIT], 3);
	assert_int_equal(level_of(t, 0x0), PG_LEVEL_2M);
	fake_ext_check_coherent(&t->fx, t->mmu);
	test_vm_destroy(t);
}

static void test_split_enomem(void **state)
{
	struct test_vm *t = test_vm_create(0x10000, true);
	struct kvm_mmu_stats st;

	(void)state;
	map_level(t, 0x0, PG_LEVEL_2M);
	map_level(t, 0x200, PG_LEVEL_2M);
	/* The first allocation fails. */
	fault_inject_add(frame_allocator_inject(t->fa), 0, 1, 0);
	assert_int_equal(split_range(t, 0x0, 0x400, PG_LEVEL_4K), -ENOMEM);
	assert_int_equal(level_of(t, 0x0), PG_LEVEL_2M);
	assert_int_equal(level_of(t, 0x200), PG_LEVEL_2M);
	assert_int_equal(t->fx.calls[FAKE_SPLIT], 0);
	fake_ext_check_coherent(&t->fx, t->mmu);
	/* Mid-operation: the second split's external page fails (after 3 allocations). */
	fault_inject_add(frame_allocator_inject(t->fa), 0, 1, 3);
	assert_int_equal(split_range(t, 0x0, 0x400, PG_LEVEL_4K), -ENOMEM);
	assert_int_equal(level_of(t, 0x0), PG_LEVEL_4K);
	assert_int_equal(level_of(t, 0x200), PG_LEVEL_2M);
	assert_false(kvm_mmu_is_bugged(t->mmu));
	kvm_mmu_get_stats(t->mmu, &st);
	assert_int_equal(st.splits, 1);
	fake_ext_check_coherent(&t->fx, t->mmu);
	/* And it completes when memory is back. */
	assert_int_equal(split_range(t, 0x0, 0x400, PG_LEVEL_4K), 0);
	assert_int_equal(level_of(t, 0x200), PG_LEVEL_4K);
	fake_ext_check_coherent(&t->fx, t->mmu);
	test_vm_destroy(t);
}

static void test_split_hook_failure(void **state)
{
	struct test_vm *t = test_vm_create(0x10000, true);
	struct kvm_mmu_stats st;

	(void)state;
	map_level(t, 0x200, PG_LEVEL_2M);
	fake_fail(&t->fx, FAKE_SPLIT, -EAGAIN, 1);
	assert_int_equal(split_range(t, 0x200, 0x201, PG_LEVEL_4K), -EAGAIN);
	assert_int_equal(level_of(t, 0x2ff), PG_LEVEL_2M);
	assert_false(kvm_mmu_is_bugged(t->mmu));
	kvm_mmu_get_stats(t->mmu, &st);
	assert_int_equal(st.splits, 0);
	assert_int_equal(st.mirror_mappings[PG_LEVEL_2M], 1);
	assert_int_equal(st.mirror_mappings[PG_LEVEL_4K], 0);
	assert_int_equal(st.mirror_pt_pages, 2);
	fake_ext_check_coherent(&t->fx, t->mmu);
	fake_fail(&t->fx, FAKE_SPLIT, -ENOMEM, 1);
	assert_int_equal(split_cross(t, 0x201, 0x202), -ENOMEM);
	assert_int_equal(level_of(t, 0x2ff), PG_LEVEL_2M);
	fake_ext_check_coherent(&t->fx, t->mmu);
	fake_fail(&t->fx, FAKE_SPLIT, -EIO, 1);
	assert_int_equal(split_range(t, 0x200, 0x201, PG_LEVEL_4K), -EIO);
	assert_true(kvm_mmu_is_bugged(t->mmu));
	fake_ext_check_coherent(&t->fx, t->mmu);
	test_vm_destroy(t);
}

/*
 * -ENOBUFS: the implementer's cache ran dry.  The split drops the lock,
 * tops up and tries again (bounded); the fault path retries.  Never a
 * bugged VM.
 */
static void test_split_cache_empty(void **state)
{
	struct test_vm *t = test_vm_create(0x10000, true);
	int topups;

	(void)state;
	map_level(t, 0x200, PG_LEVEL_2M);
	topups = t->fx.calls[FAKE_TOPUP];
	fake_fail(&t->fx, FAKE_SPLIT, -ENOBUFS, 2);
	assert_int_equal(split_cross(t, 0x201, 0x202), 0);
	assert_int_equal(level_of(t, 0x2ff), PG_LEVEL_4K);
	/* One top-up before the first try, one before each retry. */
	assert_int_equal(t->fx.calls[FAKE_TOPUP] - topups, 3);
	assert_false(kvm_mmu_is_bugged(t->mmu));
	fake_ext_check_coherent(&t->fx, t->mmu);

	/* Always empty: bounded, -ENOMEM, the huge leaf intact. */
	map_level(t, 0x400, PG_LEVEL_2M);
	fake_fail(&t->fx, FAKE_SPLIT, -ENOBUFS, 1000);
	assert_int_equal(split_cross(t, 0x401, 0x402), -ENOMEM);
	assert_int_equal(level_of(t, 0x4ff), PG_LEVEL_2M);
	assert_false(kvm_mmu_is_bugged(t->mmu));
	fake_fail(&t->fx, FAKE_SPLIT, 0, 0);
	fake_ext_check_coherent(&t->fx, t->mmu);

	/* The map path: the fault is retried, nothing is left behind. */
	fake_fail(&t->fx, FAKE_SET, -ENOBUFS, 1);
	assert_int_equal(test_fault(t->mmu, 0x800, test_pfn(0x800), PG_LEVEL_2M, true, NULL),
			 RET_PF_RETRY);
	assert_int_equal(level_of(t, 0x800), 0);
	map_level(t, 0x800, PG_LEVEL_2M);
	assert_false(kvm_mmu_is_bugged(t->mmu));
	fake_ext_check_coherent(&t->fx, t->mmu);
	test_vm_destroy(t);
}

static void test_split_direct(void **state)
{
	struct test_vm *t = test_vm_create(0x10000, true);
	struct kvm_mmu_stats st;
	int level;

	(void)state;
	assert_int_equal(test_fault(t->mmu, 0x200, test_pfn(0x200), PG_LEVEL_2M, false, NULL),
			 RET_PF_FIXED);
	test_wlock(t);
	assert_int_equal(kvm_tdp_mmu_split_huge_pages(t->mmu, 0x200, 0x201, PG_LEVEL_4K, false), 0);
	test_wunlock(t);
	assert_true(test_lookup(t, 0x3ff, false, &level, NULL));
	assert_int_equal(level, PG_LEVEL_4K);
	kvm_mmu_get_stats(t->mmu, &st);
	assert_int_equal(st.splits, 0); /* counts mirror splits only */
	assert_int_equal(st.direct_mappings[PG_LEVEL_4K], 512);
	assert_int_equal(t->fx.calls[FAKE_SPLIT], 0);
	test_vm_destroy(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_split_2m),
		cmocka_unit_test(test_range_vs_cross_boundary),
		cmocka_unit_test(test_split_1g),
		cmocka_unit_test(test_split_enomem),
		cmocka_unit_test(test_split_hook_failure),
		cmocka_unit_test(test_split_cache_empty),
		cmocka_unit_test(test_split_direct),
	};
	return cmocka_run_group_tests(tests, test_setup_rcu, test_teardown_rcu);
}
