// SPDX-License-Identifier: GPL-2.0-only
/* The fault path: levels, lpage_info, invalidate retry, no promotion in mirror roots. */
#include "test_mmu_fake.h"

static void test_fault_4k_private(void **state)
{
	struct test_vm *t = test_vm_create(0x100000, true);
	struct kvm_mmu_stats st;
	int level;
	kvm_pfn_t pfn;

	(void)state;
	assert_int_equal(test_fault(t->mmu, 0x123, test_pfn(0x123), PG_LEVEL_4K, true, &level),
			 RET_PF_FIXED);
	assert_int_equal(level, PG_LEVEL_4K);
	/* Parents linked top-down, then the leaf. */
	assert_int_equal(t->fx.calls[FAKE_LINK], 3);
	assert_int_equal(t->fx.calls[FAKE_SET], 1);
	assert_true(test_lookup(t, 0x123, true, &level, &pfn));
	assert_int_equal(pfn, test_pfn(0x123));
	assert_false(test_lookup(t, 0x123, false, NULL, NULL));
	fake_ext_check_coherent(&t->fx, t->mmu);
	kvm_mmu_get_stats(t->mmu, &st);
	assert_int_equal(st.mirror_pt_pages, 3);
	assert_int_equal(st.external_pages, 3);
	assert_int_equal(st.mirror_mappings[PG_LEVEL_4K], 1);
	assert_int_equal(st.faults, 1);
	/* Again: spurious, no hook. */
	assert_int_equal(test_fault(t->mmu, 0x123, test_pfn(0x123), PG_LEVEL_4K, true, NULL),
			 RET_PF_SPURIOUS);
	assert_int_equal(t->fx.calls[FAKE_SET], 1);
	test_vm_destroy(t);
}

static void test_fault_huge_and_adjust(void **state)
{
	struct test_vm *t = test_vm_create(0x40000 + 0x300, true);
	int level;
	kvm_pfn_t pfn;

	(void)state;
	/* 2M when aligned and allowed; PFN of the GFN itself is reported. */
	assert_int_equal(test_fault(t->mmu, 0x205, test_pfn(0x205), PG_LEVEL_2M, true, &level),
			 RET_PF_FIXED);
	assert_int_equal(level, PG_LEVEL_2M);
	assert_true(test_lookup(t, 0x3ff, true, &level, &pfn));
	assert_int_equal(pfn, test_pfn(0x3ff));
	/* 1G when allowed. */
	assert_int_equal(test_fault(t->mmu, 0x1, test_pfn(0x1), PG_LEVEL_1G, true, &level),
			 RET_PF_FIXED);
	assert_int_equal(level, PG_LEVEL_2M); /* the 1G range already has a table */
	/* MIXED forbids 2M. */
	test_wlock(t);
	kvm_mmu_hugepage_set_mixed(t->mmu, 0x400, PG_LEVEL_2M, true);
	test_wunlock(t);
	assert_true(kvm_mmu_hugepage_test_mixed(t->mmu, 0x5ff, PG_LEVEL_2M));
	assert_int_equal(test_fault(t->mmu, 0x401, test_pfn(0x401), PG_LEVEL_2M, true, &level),
			 RET_PF_FIXED);
	assert_int_equal(level, PG_LEVEL_4K);
	/* GUEST_INHIBIT forbids 2M, one-way, lock-free test. */
	assert_false(hugepage_test_guest_inhibit(t->mmu, 0x600, PG_LEVEL_2M));
	test_wlock(t);
	hugepage_set_guest_inhibit(t->mmu, 0x600, PG_LEVEL_2M);
	test_wunlock(t);
	assert_true(hugepage_test_guest_inhibit(t->mmu, 0x7ff, PG_LEVEL_2M));
	assert_false(hugepage_test_guest_inhibit(t->mmu, 0x800, PG_LEVEL_2M));
	assert_int_equal(kvm_mmu_max_mapping_level(t->mmu, 0x600, PG_LEVEL_2M), PG_LEVEL_4K);
	assert_int_equal(kvm_mmu_max_mapping_level(t->mmu, 0x800, PG_LEVEL_2M), PG_LEVEL_2M);
	/* GFN/PFN misaligned at 2M: 4K. */
	assert_int_equal(test_fault(t->mmu, 0x800, test_pfn(0x801), PG_LEVEL_2M, true, &level),
			 RET_PF_FIXED);
	assert_int_equal(level, PG_LEVEL_4K);
	/* The memslot's tail (0x300 GFNs past 1G) can't hold a 2M page. */
	assert_int_equal(kvm_mmu_max_mapping_level(t->mmu, 0x40200, PG_LEVEL_2M), PG_LEVEL_4K);
	assert_int_equal(kvm_mmu_max_mapping_level(t->mmu, 0x40100, PG_LEVEL_2M), PG_LEVEL_2M);
	assert_int_equal(kvm_mmu_max_mapping_level(t->mmu, 0x40000, PG_LEVEL_1G), PG_LEVEL_2M);
	/* A 1G mapping in a fresh 1G range: none here (slot too small), so check 2M. */
	assert_int_equal(test_fault(t->mmu, 0x40000, test_pfn(0x40000), PG_LEVEL_1G, true, &level),
			 RET_PF_FIXED);
	assert_int_equal(level, PG_LEVEL_2M);
	/* Outside the memslot. */
	assert_int_equal(test_fault(t->mmu, 0x40300, 0, PG_LEVEL_4K, true, NULL), -EINVAL);
	fake_ext_check_coherent(&t->fx, t->mmu);
	test_vm_destroy(t);
}

static void test_fault_1g(void **state)
{
	struct test_vm *t = test_vm_create(0x80000, true);
	struct kvm_mmu_stats st;
	int level;

	(void)state;
	assert_int_equal(test_fault(t->mmu, 0x40007, test_pfn(0x40007), PG_LEVEL_1G, true, &level),
			 RET_PF_FIXED);
	assert_int_equal(level, PG_LEVEL_1G);
	kvm_mmu_get_stats(t->mmu, &st);
	assert_int_equal(st.mirror_mappings[PG_LEVEL_1G], 1);
	fake_ext_check_coherent(&t->fx, t->mmu);
	test_vm_destroy(t);
}

static void test_no_promotion_in_mirror(void **state)
{
	struct test_vm *t = test_vm_create(0x100000, true);
	int level;
	kvm_pfn_t pfn;

	(void)state;
	assert_int_equal(test_fault(t->mmu, 0x205, test_pfn(0x205), PG_LEVEL_4K, true, NULL),
			 RET_PF_FIXED);
	/* 2M would be allowed, but a table exists: the smaller mapping wins. */
	assert_int_equal(test_fault(t->mmu, 0x210, test_pfn(0x210), PG_LEVEL_2M, true, &level),
			 RET_PF_FIXED);
	assert_int_equal(level, PG_LEVEL_4K);
	assert_true(test_lookup(t, 0x210, true, &level, &pfn));
	assert_int_equal(level, PG_LEVEL_4K);
	assert_int_equal(pfn, test_pfn(0x210));
	assert_true(test_lookup(t, 0x205, true, &level, NULL));
	assert_int_equal(t->fx.calls[FAKE_REMOVE] + t->fx.calls[FAKE_FREE], 0);
	/* The direct root does promote (KVM replaces the table by the huge leaf). */
	assert_int_equal(test_fault(t->mmu, 0x205, test_pfn(0x205), PG_LEVEL_4K, false, NULL),
			 RET_PF_FIXED);
	assert_int_equal(test_fault(t->mmu, 0x210, test_pfn(0x210), PG_LEVEL_2M, false, &level),
			 RET_PF_FIXED);
	assert_int_equal(level, PG_LEVEL_2M);
	/* A huge mirror leaf above the goal: it maps the GFN, it wins. */
	assert_int_equal(test_fault(t->mmu, 0x405, test_pfn(0x405), PG_LEVEL_2M, true, NULL),
			 RET_PF_FIXED);
	assert_int_equal(test_fault(t->mmu, 0x406, test_pfn(0x406), PG_LEVEL_4K, true, &level),
			 RET_PF_SPURIOUS);
	assert_int_equal(level, PG_LEVEL_2M);
	fake_ext_check_coherent(&t->fx, t->mmu);
	test_vm_destroy(t);
}

/*
 * A fault allowed only 4K that finds a 2M mirror leaf: the leaf wins
 * (RET_PF_SPURIOUS), the VM goes on, and the WARN-class event is counted.
 */
static void test_huge_leaf_above_level_warn(void **state)
{
	struct test_vm *t = test_vm_create(0x10000, true);
	struct kvm_mmu_stats st;
	int level = 0;

	(void)state;
	assert_int_equal(test_fault(t->mmu, 0x200, test_pfn(0x200), PG_LEVEL_2M, true, &level),
			 RET_PF_FIXED);
	assert_int_equal(level, PG_LEVEL_2M);
	kvm_mmu_get_stats(t->mmu, &st);
	assert_int_equal(st.warn_huge_leaf_above_level, 0);
	assert_int_equal(test_fault(t->mmu, 0x234, test_pfn(0x234), PG_LEVEL_4K, true, &level),
			 RET_PF_SPURIOUS);
	assert_int_equal(level, PG_LEVEL_2M);
	kvm_mmu_get_stats(t->mmu, &st);
	assert_int_equal(st.warn_huge_leaf_above_level, 1);
	assert_false(kvm_mmu_is_bugged(t->mmu));
	/* The same fault allowed 2M is a plain spurious fault: no warning. */
	assert_int_equal(test_fault(t->mmu, 0x234, test_pfn(0x234), PG_LEVEL_2M, true, &level),
			 RET_PF_SPURIOUS);
	kvm_mmu_get_stats(t->mmu, &st);
	assert_int_equal(st.warn_huge_leaf_above_level, 1);
	fake_ext_check_coherent(&t->fx, t->mmu);
	test_vm_destroy(t);
}

static void test_invalidate_retry(void **state)
{
	struct test_vm *t = test_vm_create(0x1000, true);
	u64 seq = kvm_mmu_invalidate_seq(t->mmu);
	struct kvm_page_fault f = {
		.gfn = 0x15, .is_private = true, .pfn = test_pfn(0x15), .max_level = PG_LEVEL_4K};

	(void)state;
	test_wlock(t);
	kvm_mmu_invalidate_begin(t->mmu, 0x10, 0x20);
	test_wunlock(t);
	f.mmu_seq = seq;
	assert_int_equal(kvm_tdp_mmu_page_fault(t->mmu, &f), RET_PF_RETRY);
	/* Outside the range with an unchanged sequence: fine. */
	assert_int_equal(test_fault(t->mmu, 0x30, test_pfn(0x30), PG_LEVEL_4K, true, NULL),
			 RET_PF_FIXED);
	test_wlock(t);
	kvm_mmu_invalidate_end(t->mmu, 0x10, 0x20);
	test_wunlock(t);
	assert_int_equal(kvm_mmu_invalidate_seq(t->mmu), seq + 1);
	/* The old snapshot is stale everywhere now. */
	f.gfn = 0x40;
	f.pfn = test_pfn(0x40);
	assert_int_equal(kvm_tdp_mmu_page_fault(t->mmu, &f), RET_PF_RETRY);
	assert_false(test_lookup(t, 0x40, true, NULL, NULL));
	f.mmu_seq = kvm_mmu_invalidate_seq(t->mmu);
	assert_int_equal(kvm_tdp_mmu_page_fault(t->mmu, &f), RET_PF_FIXED);
	fake_ext_check_coherent(&t->fx, t->mmu);
	test_vm_destroy(t);
}

static void test_topup_enomem(void **state)
{
	struct test_vm *t = test_vm_create(0x1000, true);
	struct kvm_mmu_stats st;

	(void)state;
	fault_inject_add(frame_allocator_inject(t->fa), 0, 1, 0);
	assert_int_equal(test_fault(t->mmu, 0x5, test_pfn(0x5), PG_LEVEL_4K, true, NULL), -ENOMEM);
	assert_false(test_lookup(t, 0x5, true, NULL, NULL));
	assert_int_equal(t->fx.calls[FAKE_LINK], 0);
	assert_int_equal(test_fault(t->mmu, 0x5, test_pfn(0x5), PG_LEVEL_4K, true, NULL),
			 RET_PF_FIXED);
	kvm_mmu_get_stats(t->mmu, &st);
	assert_int_equal(st.faults, 2);
	fake_ext_check_coherent(&t->fx, t->mmu);
	test_vm_destroy(t);
}

static void test_no_mirror_vm(void **state)
{
	struct test_vm *t = test_vm_create(0x1000, false);
	int level;

	(void)state;
	assert_false(kvm_mmu_has_mirror(t->mmu));
	assert_int_equal(test_fault(t->mmu, 0x200, test_pfn(0x200), PG_LEVEL_2M, true, &level),
			 RET_PF_FIXED);
	assert_int_equal(level, PG_LEVEL_2M);
	assert_true(test_lookup(t, 0x200, false, NULL, NULL));
	assert_int_equal(t->fx.calls[FAKE_SET] + t->fx.calls[FAKE_LINK], 0);
	test_vm_destroy(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fault_4k_private),
		cmocka_unit_test(test_fault_huge_and_adjust),
		cmocka_unit_test(test_fault_1g),
		cmocka_unit_test(test_no_promotion_in_mirror),
		cmocka_unit_test(test_huge_leaf_above_level_warn),
		cmocka_unit_test(test_invalidate_retry),
		cmocka_unit_test(test_topup_enomem),
		cmocka_unit_test(test_no_mirror_vm),
	};
	return cmocka_run_group_tests(tests, test_setup_rcu, test_teardown_rcu);
}
