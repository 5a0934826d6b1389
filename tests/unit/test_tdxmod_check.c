// SPDX-License-Identifier: GPL-2.0-only
/*
 * tdxmod_check: its fast counting pass must still catch double mappings and
 * stray PAMT owners (the state is corrupted through the model's internals).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "test_tdxmod_harness.h"
#include "tdxmod_internal.h"

static int nr_twice, nr_stray;

static void count_report(void *arg, const char *msg)
{
	(void)arg;
	if (strstr(msg, "mapped twice"))
		nr_twice++;
	if (strstr(msg, "not in its S-EPT"))
		nr_stray++;
}

/* Point the 4K entry of @gpa at @pa as a MAPPED leaf, behind the module's back. */
static void force_leaf(struct h *h, gpa_t gpa, hpa_t pa)
{
	struct sept_walk w;

	assert_true(sept_walk(h->td, gpa, 0, &w));
	atomic_store(sept_walk_ptr(&w), septe_make(TDX_SEPT_MAPPED, pa));
	stat_counter_add(&h->td->chldcnt, 1);
}

static void test_check_catches(void **state)
{
	struct h *h = h_create();
	hpa_t page = h_alloc(h, 0), stray = h_alloc(h, 0);

	(void)state;
	h_tables(h, 0, TDX_4K);
	assert_int_equal(h_call(h, TDH_MEM_PAGE_AUG, 0, TDX_4K, page), TDX_SUCCESS);
	assert_int_equal(h_check(h), 0);
	/* the same page mapped twice, and a page the PAMT gives the TD that no
	 * entry holds: the counts balance, the fingerprints do not */
	force_leaf(h, 0x1000, page);
	pamt_set(pamt_entry_at(h->mod, stray, 0, true), PT_REG, tdxmod_td_tdr_owner(h->td));
	nr_twice = nr_stray = 0;
	assert_true(tdxmod_check(h->td, count_report, NULL) >= 2);
	assert_int_equal(nr_twice, 1);
	assert_int_equal(nr_stray, 1);
	/* undo, so that teardown is clean */
	pamt_set(pamt_entry_at(h->mod, stray, 0, true), PT_NDA, 0);
	{
		struct sept_walk w;

		assert_true(sept_walk(h->td, 0x1000, 0, &w));
		atomic_store(sept_walk_ptr(&w), septe_make(TDX_SEPT_FREE, 0));
		stat_counter_add(&h->td->chldcnt, -1);
	}
	assert_int_equal(h_check(h), 0);
	h_destroy(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_check_catches),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
