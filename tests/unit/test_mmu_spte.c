// SPDX-License-Identifier: GPL-2.0-only
/* SPTE encoding helpers (mmu/spte.c, tdpmmu/spte.h). */
#include "test_mmu_fake.h"

static void test_leaf_4k(void **state)
{
	u64 s = make_spte(PG_LEVEL_4K, 0x1234, true, true);

	(void)state;
	assert_true(is_shadow_present_pte(s));
	assert_true(is_last_spte(s, PG_LEVEL_4K));
	assert_false(is_large_pte(s)); /* 4K leaves are leaves by level */
	assert_int_equal(spte_to_pfn(s), 0x1234);
	assert_true(s & VMX_EPT_READABLE_MASK);
	assert_true(s & VMX_EPT_WRITABLE_MASK);
	assert_true(s & VMX_EPT_EXECUTABLE_MASK);
	assert_true(s & VMX_EPT_ACCESS_BIT);
	assert_true(s & VMX_EPT_DIRTY_BIT);
	assert_int_equal((s >> VMX_EPT_MT_EPTE_SHIFT) & 7, MTRR_TYPE_WRBACK);
	assert_true(s & EPT_SPTE_HOST_WRITABLE);
	assert_true(s & EPT_SPTE_MMU_WRITABLE);
	assert_null(spte_to_child_pt(s, PG_LEVEL_4K));

	s = make_spte(PG_LEVEL_4K, 0x1234, false, false);
	assert_false(is_writable_pte(s));
	assert_false(s & EPT_SPTE_MMU_WRITABLE);
	assert_false(s & VMX_EPT_DIRTY_BIT);
}

static void test_leaf_huge(void **state)
{
	u64 s = make_spte(PG_LEVEL_2M, 0x200, true, false);

	(void)state;
	assert_true(is_large_pte(s));
	assert_true(is_last_spte(s, PG_LEVEL_2M));
	assert_int_equal(spte_to_pfn(s), 0x200);
	assert_null(spte_to_child_pt(s, PG_LEVEL_2M));
	s = make_spte(PG_LEVEL_1G, 0x40000, true, false);
	assert_true(is_last_spte(s, PG_LEVEL_1G));
}

static void test_nonleaf(void **state)
{
	u64 *pt = aligned_alloc(PAGE_SIZE, PAGE_SIZE);
	u64 s = make_nonleaf_spte(pt);

	(void)state;
	assert_true(is_shadow_present_pte(s));
	assert_false(is_large_pte(s));
	assert_false(is_last_spte(s, PG_LEVEL_2M));
	assert_true(is_last_spte(s, PG_LEVEL_4K) == true); /* level decides at 4K */
	assert_ptr_equal(spte_to_child_pt(s, PG_LEVEL_2M), pt);
	assert_true(s & VMX_EPT_ACCESS_BIT);
	assert_int_equal(s & VMX_EPT_RWX_MASK, VMX_EPT_RWX_MASK);
	free(pt);
}

static void test_frozen_and_nonpresent(void **state)
{
	(void)state;
	assert_true(is_frozen_spte(FROZEN_SPTE));
	assert_false(is_shadow_present_pte(FROZEN_SPTE));
	assert_false(is_shadow_present_pte(SHADOW_NONPRESENT_VALUE));
	assert_false(is_frozen_spte(SHADOW_NONPRESENT_VALUE));
	assert_int_equal(FROZEN_SPTE & VMX_EPT_RWX_MASK, 0);
	assert_int_equal(spte_to_pfn(FROZEN_SPTE), 0);
	assert_null(spte_to_child_pt(FROZEN_SPTE, PG_LEVEL_2M));
	assert_true(FROZEN_SPTE & VMX_EPT_SUPPRESS_VE_BIT);
}

static void test_small_spte(void **state)
{
	u64 huge = make_spte(PG_LEVEL_2M, 0x400, true, true);
	u64 g = make_spte(PG_LEVEL_1G, 0x80000, true, false);

	(void)state;
	for (int i = 0; i < PTRS_PER_PTE; i++) {
		u64 c = make_small_spte(huge, PG_LEVEL_2M, i);

		assert_int_equal(spte_to_pfn(c), 0x400 + i);
		assert_false(is_large_pte(c));
		assert_true(is_last_spte(c, PG_LEVEL_4K));
		/* Every other attribute is inherited. */
		assert_int_equal(c & ~(SPTE_BASE_ADDR_MASK | PT_PAGE_SIZE_MASK),
				 huge & ~(SPTE_BASE_ADDR_MASK | PT_PAGE_SIZE_MASK));
	}
	/* 1G -> 2M children stay huge, stride 512. */
	assert_int_equal(spte_to_pfn(make_small_spte(g, PG_LEVEL_1G, 3)), 0x80000 + 3 * 512);
	assert_true(is_large_pte(make_small_spte(g, PG_LEVEL_1G, 3)));
	/* and back */
	assert_int_equal(make_huge_spte(make_small_spte(huge, PG_LEVEL_2M, 7), PG_LEVEL_2M), huge);
}

static void test_index(void **state)
{
	(void)state;
	assert_int_equal(SPTE_INDEX(0x1ff, PG_LEVEL_4K), 511);
	assert_int_equal(SPTE_INDEX(0x200, PG_LEVEL_4K), 0);
	assert_int_equal(SPTE_INDEX(0x200, PG_LEVEL_2M), 1);
	assert_int_equal(SPTE_INDEX(1ULL << 27, PG_LEVEL_512G), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_leaf_4k),	   cmocka_unit_test(test_leaf_huge),
		cmocka_unit_test(test_nonleaf),	   cmocka_unit_test(test_frozen_and_nonpresent),
		cmocka_unit_test(test_small_spte), cmocka_unit_test(test_index),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
