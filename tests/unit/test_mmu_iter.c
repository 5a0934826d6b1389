// SPDX-License-Identifier: GPL-2.0-only
/* The TDP iterator (mmu/tdp_iter.h): pre-order, ranges, min level, restart. */
#include "test_mmu_fake.h"
#include "mmu_internal.h"

/* A hand-built 4-level table: 4K leaves at @g4k, 2M leaves at @g2m. */
struct hand_pt {
	u64 *pages[64];
	int nr;
};

static u64 *hand_page(struct hand_pt *h)
{
	u64 *p = aligned_alloc(PAGE_SIZE, PAGE_SIZE);

	for (int i = 0; i < PTRS_PER_PTE; i++)
		p[i] = SHADOW_NONPRESENT_VALUE;
	h->pages[h->nr++] = p;
	return p;
}

/* Walk to the table at @level covering @gfn, creating tables. */
static u64 *hand_table(struct hand_pt *h, u64 *root, gfn_t gfn, int level)
{
	u64 *pt = root;

	for (int l = PT64_ROOT_4LEVEL; l > level; l--) {
		u64 *e = &pt[SPTE_INDEX(gfn, l)];

		if (!is_shadow_present_pte(*e))
			*e = make_nonleaf_spte(hand_page(h));
		pt = spte_to_child_pt(*e, l);
	}
	return pt;
}

static void hand_map(struct hand_pt *h, u64 *root, gfn_t gfn, int level)
{
	u64 *pt = hand_table(h, root, gfn, level);

	pt[SPTE_INDEX(gfn, level)] = make_spte(level, test_pfn(gfn), true, false);
}

static void hand_free(struct hand_pt *h)
{
	for (int i = 0; i < h->nr; i++)
		free(h->pages[i]);
}

struct visit {
	gfn_t gfn;
	int level;
};

static int walk(u64 *root, int min_level, gfn_t start, gfn_t end, struct visit *v, int max)
{
	struct tdp_iter iter;
	int n = 0;

	for_each_tdp_pte_min_level (iter, root, PT64_ROOT_4LEVEL, min_level, start, end) {
		if (!is_shadow_present_pte(iter.old_spte))
			continue;
		if (n < max)
			v[n] = (struct visit){iter.gfn, iter.level};
		n++;
	}
	return n;
}

static void test_preorder(void **state)
{
	struct hand_pt h = {0};
	u64 *root = hand_page(&h);
	struct visit v[16];
	int n;

	(void)state;
	hand_map(&h, root, 0x5, PG_LEVEL_4K);
	hand_map(&h, root, 0x7, PG_LEVEL_4K);
	hand_map(&h, root, 0x400, PG_LEVEL_2M);
	n = walk(root, PG_LEVEL_4K, 0, TDP_MMU_MAX_GFN_EXCLUSIVE, v, 16);
	/* 512G entry, 1G entry, 2M non-leaf, 4K 5, 4K 7, 2M leaf at 0x400 */
	assert_int_equal(n, 6);
	assert_int_equal(v[0].level, 4);
	assert_int_equal(v[1].level, 3);
	assert_int_equal(v[2].level, 2);
	assert_int_equal(v[2].gfn, 0);
	assert_int_equal(v[3].gfn, 5);
	assert_int_equal(v[3].level, 1);
	assert_int_equal(v[4].gfn, 7);
	assert_int_equal(v[5].gfn, 0x400);
	assert_int_equal(v[5].level, 2);
	hand_free(&h);
}

static void test_ranges_and_min_level(void **state)
{
	struct hand_pt h = {0};
	u64 *root = hand_page(&h);
	struct visit v[16];
	int n;

	(void)state;
	hand_map(&h, root, 0x5, PG_LEVEL_4K);
	hand_map(&h, root, 0x7, PG_LEVEL_4K);
	hand_map(&h, root, 0x400, PG_LEVEL_2M);
	hand_map(&h, root, 1ULL << 18, PG_LEVEL_4K); /* second 1G region */

	/* [6, 8): only 4K gfn 7 among the leaves, plus its ancestors. */
	n = walk(root, PG_LEVEL_4K, 6, 8, v, 16);
	assert_int_equal(n, 4);
	assert_int_equal(v[3].gfn, 7);

	/* A range starting inside a 2M leaf still visits it. */
	n = walk(root, PG_LEVEL_4K, 0x401, 0x402, v, 16);
	assert_int_equal(n, 3);
	assert_int_equal(v[2].gfn, 0x400);
	assert_int_equal(v[2].level, PG_LEVEL_2M);

	/* min level 2M never enters 4K tables. */
	n = walk(root, PG_LEVEL_2M, 0, TDP_MMU_MAX_GFN_EXCLUSIVE, v, 16);
	for (int i = 0; i < n; i++)
		assert_true(v[i].level >= PG_LEVEL_2M);
	assert_int_equal(n, 6); /* 512G, 1G, 2M nl, 2M leaf, 1G, 2M nl */

	/* A range past everything. */
	n = walk(root, PG_LEVEL_4K, 1ULL << 30, 1ULL << 31, v, 16);
	assert_int_equal(n, 0);
	hand_free(&h);
}

static void test_restart(void **state)
{
	struct hand_pt h = {0};
	u64 *root = hand_page(&h);
	struct tdp_iter iter = {0}; /* gcc sees the inline start's early return */
	int seen7 = 0, n = 0;

	(void)state;
	hand_map(&h, root, 0x5, PG_LEVEL_4K);
	hand_map(&h, root, 0x7, PG_LEVEL_4K);
	for_each_tdp_pte_min_level (iter, root, PT64_ROOT_4LEVEL, PG_LEVEL_4K, 0, 0x200) {
		n++;
		if (iter.level == PG_LEVEL_4K && iter.gfn == 7 && !seen7++) {
			/* As after a yield: the next step walks again from the root to gfn 7. */
			iter.yielded = true;
			continue;
		}
	}
	assert_int_equal(seen7, 2);
	/* 512 4K entries + 3 ancestors + 3 ancestors again + gfn 7 revisited */
	assert_int_equal(n, 512 + 3 + 3 + 1);

	/* A restart refreshes old_spte from memory. */
	tdp_iter_start(&iter, root, PT64_ROOT_4LEVEL, PG_LEVEL_4K, 5);
	while (iter.level != PG_LEVEL_4K)
		tdp_iter_next(&iter);
	assert_int_equal(iter.gfn, 5);
	hand_table(&h, root, 5, PG_LEVEL_4K)[5] = SHADOW_NONPRESENT_VALUE;
	assert_true(is_shadow_present_pte(iter.old_spte));
	tdp_iter_restart(&iter);
	assert_int_equal(iter.level, PT64_ROOT_4LEVEL);
	while (iter.level != PG_LEVEL_4K)
		tdp_iter_next(&iter);
	assert_false(is_shadow_present_pte(iter.old_spte));
	hand_free(&h);
}

static void test_invalid_start(void **state)
{
	struct hand_pt h = {0};
	u64 *root = hand_page(&h);
	struct tdp_iter iter;

	(void)state;
	tdp_iter_start(&iter, NULL, 4, 1, 0);
	assert_false(iter.valid);
	tdp_iter_start(&iter, root, 5, 1, 0);
	assert_false(iter.valid);
	tdp_iter_start(&iter, root, 4, 1, TDP_MMU_MAX_GFN_EXCLUSIVE);
	assert_false(iter.valid);
	/* the last GFN is reachable and the walk ends after it */
	tdp_iter_start(&iter, root, 4, 4, TDP_MMU_MAX_GFN_EXCLUSIVE - 1);
	assert_true(iter.valid);
	assert_int_equal(SPTE_INDEX(iter.gfn, 4), 511);
	tdp_iter_next(&iter);
	assert_false(iter.valid);
	hand_free(&h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_preorder),
		cmocka_unit_test(test_ranges_and_min_level),
		cmocka_unit_test(test_restart),
		cmocka_unit_test(test_invalid_start),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
