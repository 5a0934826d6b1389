// SPDX-License-Identifier: GPL-2.0-only
/* Dynamic PAMT: PAMT.ADD/REMOVE, MISSING_PAMT_PAGE_PAIR, DEMOTE/PROMOTE pairs, hints. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "test_tdxmod_harness.h"
#include "tdxmod_internal.h"

static u64 pamt_add(struct h *h, hpa_t hpa2m, hpa_t p0, hpa_t p1)
{
	h->a = (struct tdx_module_args){.rcx = hpa2m | 1, .rdx = p0, .r8 = p1};
	return tdxmod_seamcall(h->td, TDH_PHYMEM_PAMT_ADD, &h->a);
}

static u64 pamt_remove(struct h *h, hpa_t hpa2m)
{
	h->a = (struct tdx_module_args){.rcx = hpa2m | 1};
	return tdxmod_seamcall(h->td, TDH_PHYMEM_PAMT_REMOVE, &h->a);
}

static void test_dpamt_off(void **state)
{
	struct h *h = h_create_cfg(TDX_MODULE_2_0, false, false, 1);

	(void)state;
	assert_int_equal(pamt_add(h, 0x40000000, 0x1000, 0x3000),
			 TDX_OPERAND_INVALID | TDX_OPERAND_ID_RAX);
	h_destroy(h);
	h = h_create_cfg(TDX_MODULE_1_5, true, false, 1);
	assert_int_equal(pamt_remove(h, 0x40000000), TDX_OPERAND_INVALID | TDX_OPERAND_ID_RAX);
	h_destroy(h);
}

/*
 * Host memory layout: X (no pair) holds the pair pages, POOL has a pair and
 * provides the S-EPT table pages, REGION is the region under test, FREE2M
 * has no pair.
 */
#define X (1ULL << 32)
#define POOL (X + 0x200000)
#define REGION (X + 0x400000)
#define FREE2M (X + 0x600000)

static void pool_setup(struct h *h)
{
	assert_int_equal(pamt_add(h, POOL, X + 0x1000, X + 0x2000), TDX_SUCCESS);
	h->next = POOL;
	h_tables(h, 0, TDX_2M);
}

static void test_pamt_add_remove(void **state)
{
	struct h *h = h_create_cfg(TDX_MODULE_2_0, true, false, 1);
	hpa_t p0 = POOL + 0x100000, p1 = POOL + 0x101000, sept = REGION + 0x5000;
	struct tdxmod_pamt_info pi;

	(void)state;
	pool_setup(h);
	assert_int_equal(pamt_add(h, REGION + 0x1000, p0, p1),
			 TDX_OPERAND_INVALID | TDX_OPERAND_ID_RCX);
	assert_int_equal(pamt_add(h, REGION, p0 + 1, p1), TDX_OPERAND_INVALID | TDX_OPERAND_ID_RDX);
	assert_int_equal(pamt_add(h, REGION, p0, p1 + 8), TDX_OPERAND_INVALID | TDX_OPERAND_ID_R8);
	assert_int_equal(pamt_add(h, REGION, TDR_HPA, p1), TDX_PAGE_NOT_FREE | TDX_OPERAND_ID_RDX);
	assert_int_equal(pamt_add(h, REGION, p0, p0), TDX_PAGE_NOT_FREE | TDX_OPERAND_ID_R8);
	assert_int_equal(pamt_add(h, REGION, p0, X + 0x1000),
			 TDX_PAGE_NOT_FREE | TDX_OPERAND_ID_R8);
	assert_int_equal(pamt_remove(h, REGION), TDX_NO_PAMT_PAGE_PAIR | TDX_OPERAND_ID_RCX);
	assert_int_equal(pamt_add(h, REGION, p0, p1), TDX_SUCCESS);
	assert_true(tdxmod_is_pamt_page(h->mod, p0));
	assert_int_equal(pamt_add(h, REGION, X + 0x5000, X + 0x6000),
			 TDX_HPA_RANGE_NOT_FREE | TDX_OPERAND_ID_RCX);
	/* a PAMT page cannot be handed to a TD */
	assert_int_equal(h_call(h, TDH_MEM_SEPT_ADD, 0, 1, p0),
			 TDX_PAGE_METADATA_INCORRECT | TDX_OPERAND_ID_R8);
	/* an S-EPT page in a region without a pair */
	assert_int_equal(h_call(h, TDH_MEM_SEPT_ADD, 0, 1, FREE2M),
			 TDX_MISSING_PAMT_PAGE_PAIR | TDX_OPERAND_ID_R8);
	assert_int_equal(h_call(h, TDH_MEM_SEPT_ADD, 0, 1, sept), TDX_SUCCESS);
	tdxmod_pamt_lookup(h->mod, sept, &pi);
	assert_true(pi.dpamt_pair);
	assert_int_equal(pi.dpamt_page_count, 1);
	assert_int_equal(pamt_remove(h, REGION), TDX_PAMT_PAGE_NOT_EMPTY | TDX_OPERAND_ID_RCX);
	/* 4K AUG and PAGE.ADD need a pair */
	assert_int_equal(h_call(h, TDH_MEM_PAGE_AUG, 0, 0, FREE2M),
			 TDX_MISSING_PAMT_PAGE_PAIR | TDX_OPERAND_ID_R8);
	assert_int_equal(h_call(h, TDH_MEM_PAGE_ADD, 0, 0, FREE2M),
			 TDX_MISSING_PAMT_PAGE_PAIR | TDX_OPERAND_ID_R8);
	assert_int_equal(h_call(h, TDH_MEM_PAGE_AUG, 0, 0, REGION + 0x8000), TDX_SUCCESS);
	/* a 2M AUG needs no pair, and a region with a pair is not 2M-free */
	h_tables(h, 0x200000, TDX_2M);
	assert_int_equal(h_call(h, TDH_MEM_PAGE_AUG, 0x200000, 1, REGION),
			 TDX_PAGE_METADATA_INCORRECT | TDX_OPERAND_ID_R8);
	assert_int_equal(h_call(h, TDH_MEM_PAGE_AUG, 0x200000, 1, FREE2M), TDX_SUCCESS);
	assert_int_equal(h_check(h), 0);
	/* remove the page: count 2 -> 1 (no hint); the table: 1 -> 0 (hint) */
	assert_int_equal(h_plain(h, TDH_MEM_PAGE_REMOVE, 0, 0), TDX_SUCCESS);
	assert_int_equal(h->a.rcx, REGION + 0x8000);
	assert_int_equal(h_plain(h, TDH_MEM_RANGE_BLOCK, 0, 1), TDX_SUCCESS);
	assert_int_equal(h_plain(h, TDH_MEM_SEPT_REMOVE, 0, 1), TDX_SUCCESS);
	assert_int_equal(h->a.rcx, sept | TDX_PAMT_REMOVAL_HINT);
	assert_int_equal(pamt_remove(h, REGION), TDX_SUCCESS);
	assert_int_equal(h->a.rdx, p0);
	assert_int_equal(h->a.r8, p1);
	assert_false(tdxmod_is_pamt_page(h->mod, p0));
	assert_int_equal(h_check(h), 0);
	h_destroy(h);
}

static void test_dpamt_demote_promote(void **state)
{
	struct h *h = h_create_cfg(TDX_MODULE_2_0, true, false, 1);
	hpa_t page = REGION, q0 = X + 0x3000, q1 = X + 0x4000, sept = POOL + 0x10000;
	struct tdxmod_pamt_info pi;

	(void)state;
	pool_setup(h);
	h_finalize(h);
	assert_int_equal(h_call(h, TDH_MEM_PAGE_AUG, 0, 1, page), TDX_SUCCESS);
	h_block_track(h, 0, 1);
	h->a = (struct tdx_module_args){.rcx = 1, .r8 = FREE2M, .r12 = q0, .r13 = q1};
	assert_int_equal(tdxmod_seamcall(h->td, TDH_MEM_PAGE_DEMOTE, &h->a),
			 TDX_MISSING_PAMT_PAGE_PAIR | TDX_OPERAND_ID_R8);
	h->a = (struct tdx_module_args){.rcx = 1, .r8 = sept, .r12 = X + 0x1000, .r13 = q1};
	assert_int_equal(tdxmod_seamcall(h->td, TDH_MEM_PAGE_DEMOTE, &h->a),
			 TDX_PAGE_NOT_FREE | TDX_OPERAND_ID_R12);
	h->a = (struct tdx_module_args){.rcx = 1, .r8 = sept, .r12 = q0, .r13 = 3};
	assert_int_equal(tdxmod_seamcall(h->td, TDH_MEM_PAGE_DEMOTE, &h->a),
			 TDX_OPERAND_INVALID | TDX_OPERAND_ID_R13);
	assert_int_equal(h_state(h, 0, 1), TDX_SEPT_PENDING_BLOCKED);
	assert_int_equal(h_check(h), 0);
	h->a = (struct tdx_module_args){.rcx = 1, .r8 = sept, .r12 = q0, .r13 = q1};
	assert_int_equal(tdxmod_seamcall(h->td, TDH_MEM_PAGE_DEMOTE, &h->a), TDX_SUCCESS);
	tdxmod_pamt_lookup(h->mod, page + 0x7000, &pi);
	assert_int_equal(pi.tdx_level, 0);
	assert_int_equal(pi.pt, PT_REG);
	assert_true(pi.dpamt_pair);
	assert_int_equal(pi.dpamt_page_count, 512);
	assert_true(tdxmod_is_pamt_page(h->mod, q0));
	assert_int_equal(h_check(h), 0);
	/*
	 * The 512 4K entries are one implicit word (all PT_REG): PAMT.REMOVE
	 * finds the range not empty by reading it, and leaves it one word.
	 */
	assert_int_equal(pamt_remove(h, page), TDX_PAMT_PAGE_NOT_EMPTY | TDX_OPERAND_ID_RCX);
	{
		struct pamt_region *r = pamt_region(h->mod, page, false);
		u64 word;

		assert_non_null(r);
		assert_true(pamt_region_4k_implicit(r, (int)((page >> 21) & 511), &word));
		assert_null(pamt_region_4k(r, (int)((page >> 21) & 511)));
		assert_true(pamt_4k_range_clear(h->mod, FREE2M, PAMT_PT_MASK));
		assert_false(pamt_4k_range_clear(h->mod, page, PAMT_PT_MASK));
	}
	assert_true(tdxmod_is_pamt_page(h->mod, q0));
	/* PROMOTE returns the pair; the pool still holds the tables: no hint */
	h_block_track(h, 0, 1);
	assert_int_equal(h_plain(h, TDH_MEM_PAGE_PROMOTE, 0, 1), TDX_SUCCESS);
	assert_int_equal(h->a.rcx, sept);
	assert_int_equal(h->a.r12, q0);
	assert_int_equal(h->a.r13, q1);
	assert_false(tdxmod_is_pamt_page(h->mod, q0));
	tdxmod_pamt_lookup(h->mod, page, &pi);
	assert_int_equal(pi.tdx_level, 1);
	assert_false(pi.dpamt_pair);
	assert_int_equal(h_check(h), 0);
	h_destroy(h);
}

/* Teardown of a demoted page left as one word: the pair's count goes to 0. */
static void test_dpamt_demoted_teardown(void **state)
{
	struct h *h = h_create_cfg(TDX_MODULE_2_0, true, false, 1);
	hpa_t page = REGION, q0 = X + 0x3000, q1 = X + 0x4000, sept = POOL + 0x10000;
	struct tdxmod_pamt_info pi;
	u64 word;

	(void)state;
	pool_setup(h);
	h_finalize(h);
	assert_int_equal(h_call(h, TDH_MEM_PAGE_AUG, 0, 1, page), TDX_SUCCESS);
	h_block_track(h, 0, 1);
	h->a = (struct tdx_module_args){.rcx = 1, .r8 = sept, .r12 = q0, .r13 = q1};
	assert_int_equal(tdxmod_seamcall(h->td, TDH_MEM_PAGE_DEMOTE, &h->a), TDX_SUCCESS);
	assert_true(pamt_region_4k_implicit(pamt_region(h->mod, page, false),
					    (int)((page >> 21) & 511), &word));
	tdxmod_td_destroy(h->td, h_reclaim, h);
	h->td = NULL;
	tdxmod_pamt_lookup(h->mod, page + 0x7000, &pi);
	assert_int_equal(pi.pt, PT_NDA);
	assert_true(pi.dpamt_pair);
	assert_int_equal(pi.dpamt_page_count, 0);
	h_destroy(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dpamt_off),
		cmocka_unit_test(test_pamt_add_remove),
		cmocka_unit_test(test_dpamt_demote_promote),
		cmocka_unit_test(test_dpamt_demoted_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
