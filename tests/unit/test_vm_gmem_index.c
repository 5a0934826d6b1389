// SPDX-License-Identifier: GPL-2.0-only
/*
 * guest_memfd's compact index: a 2M folio is a 4-byte frame number, 4K
 * frames live in tables made only where needed.  The folio rules must be
 * those of the 24-byte slots it replaced: a partial punch splits a folio
 * for good (its remains keep their frames, at 4K) until the whole range is
 * punched, a split 1G folio never comes back as 1G, and the tables go away
 * when a 1G range holds nothing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <cmocka.h>

#include "vm_internal.h"

#define GFNS_2M 512ULL
#define GFNS_1G (512ULL * 512ULL)
#define MiB (1ULL << 20)
#define GiB (1ULL << 30)

struct t {
	struct frame_allocator *fa;
	struct guest_memfd g;
};

static struct t *t_create(int max_level, gfn_t nr_gfns)
{
	struct t *t = calloc(1, sizeof(*t));

	t->fa = frame_allocator_create();
	assert_non_null(t->fa);
	assert_int_equal(gmem_init(&t->g, t->fa, nr_gfns, max_level), 0);
	return t;
}

static void t_destroy(struct t *t)
{
	gmem_destroy(&t->g);
	assert_true(frame_allocator_in_use(t->fa) == 0);
	frame_allocator_destroy(t->fa);
	free(t);
}

static kvm_pfn_t pfn_of(struct t *t, gfn_t gfn, int want_level)
{
	kvm_pfn_t pfn;
	int level;

	assert_int_equal(gmem_get_pfn(&t->g, gfn, &pfn, &level), 0);
	assert_int_equal(level, want_level);
	return pfn;
}

static void test_2m_folio_split_and_back(void **state)
{
	struct t *t = t_create(PG_LEVEL_2M, 2 * GFNS_1G);
	gfn_t s = GFNS_1G + 3 * GFNS_2M; /* a 2M slot in the second 1G range */
	kvm_pfn_t f, p5;
	struct gmem_1g *g1 = &t->g.idx[1];

	(void)state;
	assert_int_equal(gmem_max_folio_level(&t->g, s), PG_LEVEL_2M);
	f = pfn_of(t, s + 7, PG_LEVEL_2M) - 7;
	assert_true(pfn_of(t, s + 511, PG_LEVEL_2M) == f + 511);
	assert_true(gmem_folio_backs(&t->g, s, PG_LEVEL_2M, f));
	assert_true(gmem_slot_folio(g1, 3) == f << PAGE_SHIFT);
	assert_null(g1->pages); /* no 4K table anywhere in this 1G range */
	assert_true(t->g.bytes == 2 * MiB);

	/* Punch one 4K page: the folio is split, its other pages stay where they were. */
	gmem_punch(&t->g, s + 5, s + 6);
	assert_true(t->g.bytes == 2 * MiB - PAGE_SIZE);
	assert_int_equal(gmem_max_folio_level(&t->g, s), PG_LEVEL_4K);
	assert_false(gmem_folio_backs(&t->g, s, PG_LEVEL_2M, f));
	assert_true(gmem_slot_folio(g1, 3) == 0);
	assert_non_null(gmem_slot_pages(g1, 3));
	assert_int_equal(gmem_slot_pages(g1, 3)->nr_pages, 511);
	assert_true(pfn_of(t, s, PG_LEVEL_4K) == f);
	assert_true(pfn_of(t, s + 6, PG_LEVEL_4K) == f + 6);
	/* The hole gets a frame again, at 4K (the allocator may hand back the same one). */
	p5 = pfn_of(t, s + 5, PG_LEVEL_4K);
	assert_true(p5 != 0);
	assert_int_equal(gmem_slot_pages(g1, 3)->nr_pages, 512);
	/* Still 4K after punching all but one page. */
	gmem_punch(&t->g, s, s + 511);
	assert_int_equal(gmem_max_folio_level(&t->g, s), PG_LEVEL_4K);
	assert_int_equal(gmem_slot_pages(g1, 3)->nr_pages, 1);
	/* The last one: the range is empty, its tables are gone, 2M again. */
	gmem_punch(&t->g, s + 511, s + 512);
	assert_true(t->g.bytes == 0);
	assert_null(g1->folio2m);
	assert_null(g1->pages);
	assert_int_equal(gmem_max_folio_level(&t->g, s), PG_LEVEL_2M);
	pfn_of(t, s, PG_LEVEL_2M);
	/* A neighbour slot is untouched by all this. */
	pfn_of(t, s + GFNS_2M, PG_LEVEL_2M);
	t_destroy(t);
}

static void test_4k_only_and_whole_punch(void **state)
{
	struct t *t = t_create(PG_LEVEL_4K, GFNS_1G);
	struct gmem_1g *g1 = &t->g.idx[0];

	(void)state;
	assert_int_equal(gmem_max_folio_level(&t->g, 0), PG_LEVEL_4K);
	pfn_of(t, 1, PG_LEVEL_4K);
	pfn_of(t, GFNS_2M + 2, PG_LEVEL_4K);
	assert_int_equal(g1->nr_used, 2);
	assert_int_equal(gmem_slot_pages(g1, 0)->nr_pages, 1);
	assert_null(gmem_slot_pages(g1, 2));
	assert_true(t->g.bytes == 2 * PAGE_SIZE);
	gmem_punch(&t->g, 0, GFNS_1G);
	assert_true(t->g.bytes == 0);
	assert_int_equal(g1->nr_used, 0);
	assert_null(g1->pages);
	t_destroy(t);
}

static void test_1g_folio_split(void **state)
{
	struct t *t = t_create(PG_LEVEL_1G, GFNS_1G);
	struct gmem_1g *g1 = &t->g.idx[0];
	kvm_pfn_t f;

	(void)state;
	f = pfn_of(t, 9, PG_LEVEL_1G) - 9;
	gmem_punch(&t->g, 2 * GFNS_2M, 3 * GFNS_2M); /* a whole 2M inside the 1G folio */
	assert_true(t->g.bytes == GiB - 2 * MiB);
	assert_true(g1->split);
	assert_int_equal(g1->nr_used, 511);
	/* The remains are 4K frames of the old folio; the hole comes back at 4K. */
	assert_true(pfn_of(t, GFNS_2M + 1, PG_LEVEL_4K) == f + GFNS_2M + 1);
	assert_int_equal(gmem_max_folio_level(&t->g, 2 * GFNS_2M), PG_LEVEL_4K);
	pfn_of(t, 2 * GFNS_2M, PG_LEVEL_4K);
	assert_false(gmem_has_1g_folio(&t->g, 0));
	/* Everything punched: a 1G folio again. */
	gmem_punch(&t->g, 0, GFNS_1G);
	assert_false(g1->split);
	assert_null(g1->pages);
	assert_int_equal(gmem_max_folio_level(&t->g, 0), PG_LEVEL_1G);
	t_destroy(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_2m_folio_split_and_back),
		cmocka_unit_test(test_4k_only_and_whole_punch),
		cmocka_unit_test(test_1g_folio_split),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
