// SPDX-License-Identifier: GPL-2.0-only
/* TDH.MEM.PAGE.DEMOTE: raw-demote scenario, check order, PAMT split, interruptibility. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "test_tdxmod_harness.h"
#include "tdxmod_internal.h"

/* /work/shared/scenarios/raw-demote.tdp, step by step. */
static void test_raw_demote(void **state)
{
	struct h *h = h_create_cfg(TDX_MODULE_1_5, false, false, 1);
	struct tdxmod_pamt_info pi;
	hpa_t page;

	(void)state;
	assert_int_equal(h_finalize(h), TDX_SUCCESS);
	assert_int_equal(h_sept_add(h, 0, TDX_512G), TDX_SUCCESS);
	assert_int_equal(h_sept_add(h, 0, TDX_1G), TDX_SUCCESS);
	page = h_alloc(h, 1);
	assert_int_equal(h_call(h, TDH_MEM_PAGE_AUG, 0x200000, 1, page), TDX_SUCCESS);
	assert_int_equal(h_state(h, 0x200000, TDX_2M), TDX_SEPT_PENDING);
	assert_int_equal(h_call(h, TDH_MEM_PAGE_DEMOTE, 0x200000, 1, h_alloc(h, 0)),
			 TDX_GPA_RANGE_NOT_BLOCKED | TDX_OPERAND_ID_RCX);
	/* details: PENDING 2M leaf */
	assert_int_equal(h->a.rdx, 1 | (TDX_SEPT_PENDING << 8));
	assert_int_equal(h->a.rcx & ~0xFFFULL & GENMASK_ULL(51, 0), page);
	assert_true(h->a.rcx & BIT_ULL(7));
	assert_int_equal(tdxmod_vp_enter(h->td, 0), TDX_SUCCESS);
	assert_int_equal(h_plain(h, TDH_MEM_RANGE_BLOCK, 0x200000, 1), TDX_SUCCESS);
	tdxmod_pamt_lookup(h->mod, page, &pi);
	assert_int_equal(pi.tdx_level, 1);
	assert_int_equal(pi.bepoch, 1);
	assert_int_equal(h_track(h), TDX_SUCCESS);
	assert_int_equal(tdxmod_td_epoch(h->td), 2);
	assert_int_equal(h_call(h, TDH_MEM_PAGE_DEMOTE, 0x200000, 1, h_alloc(h, 0)),
			 TDX_TLB_TRACKING_NOT_DONE | TDX_OPERAND_ID_RCX);
	assert_int_equal(h_state(h, 0x200000, TDX_2M), TDX_SEPT_PENDING_BLOCKED);
	tdxmod_vp_exit(h->td, 0);
	assert_int_equal(h_call(h, TDH_MEM_PAGE_DEMOTE, 0x200000, 1, h_alloc(h, 0)), TDX_SUCCESS);
	assert_int_equal(h_state(h, 0x200000, TDX_2M), TDX_SEPT_NL_MAPPED);
	assert_int_equal(h_state(h, 0x3ff000, TDX_4K), TDX_SEPT_PENDING);
	{
		struct tdxmod_sept_entry_info info;

		assert_int_equal(tdxmod_sept_lookup(h->td, 0x3ff000, 0, &info), 0);
		assert_int_equal(info.pa, page + 0x1ff000);
		assert_true(info.leaf);
	}
	tdxmod_pamt_lookup(h->mod, page + 0x1000, &pi);
	assert_int_equal(pi.tdx_level, 0);
	assert_int_equal(pi.pt, PT_REG);
	assert_int_equal(pi.owner, TDR_HPA >> 12);
	assert_int_equal(tdxmod_chldcnt(h->td), 3 + 512);
	assert_int_equal(h_check(h), 0);
	h_destroy(h);
}

/* A finalized TD with @page mapped at 2M (GPA 2M), blocked, tracked, demoted. */
static void aug_demote_2m(struct h *h, hpa_t page)
{
	assert_int_equal(h_finalize(h), TDX_SUCCESS);
	h_tables(h, 0x200000, TDX_2M);
	assert_int_equal(h_call(h, TDH_MEM_PAGE_AUG, 0x200000, TDX_2M, page), TDX_SUCCESS);
	h_block_track(h, 0x200000, TDX_2M);
	assert_int_equal(h_call(h, TDH_MEM_PAGE_DEMOTE, 0x200000, TDX_2M, h_alloc(h, 0)),
			 TDX_SUCCESS);
}

/*
 * The model keeps a demoted page's 512 4K PAMT entries as one word until
 * one of them is needed (tdxmod/pamt.c): the checker reads the word, a
 * PROMOTE of untouched entries merges it back without an array, and a
 * REMOVE of one 4K page makes the 512 real with the same values.
 */
static void test_demote_pamt_one_word(void **state)
{
	struct h *h = h_create_cfg(TDX_MODULE_1_5, false, false, 1);
	u64 reg = pamt_word_make(PT_REG, TDR_HPA >> 12), word;
	struct tdxmod_pamt_info pi;
	struct pamt_region *r;
	struct pamt_entry *a, *reserved;
	hpa_t page = h_alloc(h, TDX_2M);
	int i2m = (int)((page >> 21) & 511);

	(void)state;
	aug_demote_2m(h, page);
	r = pamt_region(h->mod, page, false);
	assert_non_null(r);
	assert_null(pamt_region_4k(r, i2m));
	assert_true(pamt_region_4k_implicit(r, i2m, &word));
	assert_int_equal(word, reg);
	assert_false(tdxmod_is_pamt_page(h->mod, page + 0x1000));
	/* 512 pages owned in the PAMT, as the S-EPT holds them. */
	assert_int_equal(h_check(h), 0);

	/* Merged back: the word goes, no array was ever made. */
	h_block_track(h, 0x200000, TDX_2M);
	assert_int_equal(h_plain(h, TDH_MEM_PAGE_PROMOTE, 0x200000, TDX_2M), TDX_SUCCESS);
	assert_false(pamt_region_4k_implicit(r, i2m, &word));
	assert_null(pamt_region_4k(r, i2m));
	tdxmod_pamt_lookup(h->mod, page + 0x1000, &pi);
	assert_int_equal(pi.tdx_level, 1);
	assert_int_equal(pi.pt, PT_REG);
	assert_int_equal(h_check(h), 0);

	/* Demoted again, then one 4K page removed: the 512 made real. */
	h_block_track(h, 0x200000, TDX_2M);
	assert_int_equal(h_call(h, TDH_MEM_PAGE_DEMOTE, 0x200000, TDX_2M, h_alloc(h, 0)),
			 TDX_SUCCESS);
	/* The array comes from the reserve made before the host's lock. */
	tdxmod_demote_reserve_topup(h->td, 2);
	assert_int_equal(atomic_load(&h->mod->pamt_4k_reserve.nr), 2);
	reserved = h->mod->pamt_4k_reserve.obj[1];
	h_block_track(h, 0x201000, TDX_4K);
	assert_int_equal(atomic_load(&h->mod->pamt_4k_reserve.nr), 1);
	assert_int_equal(h_plain(h, TDH_MEM_PAGE_REMOVE, 0x201000, TDX_4K), TDX_SUCCESS);
	assert_false(pamt_region_4k_implicit(r, i2m, &word));
	a = pamt_region_4k(r, i2m);
	assert_ptr_equal(a, reserved);
	for (int i = 0; i < PTRS_PER_PTE; i++) {
		assert_int_equal(pamt_pt(&a[i]), i == 1 ? PT_NDA : PT_REG);
		assert_int_equal(pamt_owner(&a[i]), i == 1 ? 0 : TDR_HPA >> 12);
		assert_false(pamt_locked(&a[i]));
	}
	assert_int_equal(h_check(h), 0);
	h_destroy(h);
}

/*
 * TD teardown releases a page of 4K leaves whose PAMT entries are still
 * one word as a whole: the word goes to "all NDA", no array is made (one
 * was before), and all 512 pages are reported reclaimed.
 */
static void test_demote_teardown_one_word(void **state)
{
	struct h *h = h_create_cfg(TDX_MODULE_1_5, false, false, 1);
	hpa_t page = h_alloc(h, TDX_2M);
	int i2m = (int)((page >> 21) & 511);
	struct tdxmod_pamt_info pi;
	struct pamt_region *r;
	unsigned int reserved;
	u64 word, reclaimed;

	(void)state;
	aug_demote_2m(h, page);
	r = pamt_region(h->mod, page, false);
	assert_true(pamt_region_4k_implicit(r, i2m, &word));
	tdxmod_demote_reserve_topup(h->td, 2);
	reserved = atomic_load(&h->mod->pamt_4k_reserve.nr);
	reclaimed = h->reclaimed;

	tdxmod_td_destroy(h->td, h_reclaim, h);
	h->td = NULL;
	assert_false(pamt_region_4k_implicit(r, i2m, &word));
	assert_null(pamt_region_4k(r, i2m));
	assert_int_equal(atomic_load(&h->mod->pamt_4k_reserve.nr), reserved);
	tdxmod_pamt_lookup(h->mod, page + 0x1000, &pi);
	assert_int_equal(pi.pt, PT_NDA);
	/* The 2M page as 512 4K pages, and the S-EPT pages with them. */
	assert_true(h->reclaimed - reclaimed >= (2ULL << 20) + PAGE_SIZE);
	h_destroy(h);
}

static void setup_pending_2m(struct h *h, gpa_t gpa)
{
	h_tables(h, gpa, TDX_2M);
	assert_int_equal(h_aug(h, gpa, 1), TDX_SUCCESS);
}

static void test_demote_errors(void **state)
{
	struct h *h = h_create();
	hpa_t busy;

	(void)state;
	h_finalize(h);
	/* level 0 and 3 out of range for DEMOTE; misaligned; shared bit; >= 2^48 */
	assert_int_equal(h_call(h, TDH_MEM_PAGE_DEMOTE, 0, 0, h_alloc(h, 0)),
			 TDX_OPERAND_INVALID | TDX_OPERAND_ID_RCX);
	assert_int_equal(h_call(h, TDH_MEM_PAGE_DEMOTE, 0, 3, h_alloc(h, 0)),
			 TDX_OPERAND_INVALID | TDX_OPERAND_ID_RCX);
	assert_int_equal(h_call(h, TDH_MEM_PAGE_DEMOTE, 0x1000, 1, h_alloc(h, 0)),
			 TDX_OPERAND_INVALID | TDX_OPERAND_ID_RCX);
	assert_int_equal(h_call(h, TDH_MEM_PAGE_DEMOTE, BIT_ULL(47), 1, h_alloc(h, 0)),
			 TDX_OPERAND_INVALID | TDX_OPERAND_ID_RCX);
	assert_int_equal(h_call(h, TDH_MEM_PAGE_DEMOTE, BIT_ULL(48), 1, h_alloc(h, 0)),
			 TDX_OPERAND_INVALID | TDX_OPERAND_ID_RCX);
	assert_int_equal(h_call(h, TDH_MEM_PAGE_DEMOTE, 0x200000 | 0x100, 1, h_alloc(h, 0)),
			 TDX_OPERAND_INVALID | TDX_OPERAND_ID_RCX);
	/* RDX reserved bits beat everything else */
	h->a = (struct tdx_module_args){.rcx = 0x1000 | 0, .rdx = 2};
	assert_int_equal(tdxmod_seamcall(h->td, TDH_MEM_PAGE_DEMOTE, &h->a),
			 TDX_OPERAND_INVALID | TDX_OPERAND_ID_RDX);
	/* walk failed: the 1G entry is FREE */
	assert_int_equal(h_call(h, TDH_MEM_PAGE_DEMOTE, 0x200000, 1, h_alloc(h, 0)),
			 TDX_EPT_WALK_FAILED | TDX_OPERAND_ID_RCX);
	assert_int_equal(h->a.rdx, 3);
	h_tables(h, 0x200000, TDX_2M);
	/* FREE entry: state incorrect (not GPA_RANGE_NOT_BLOCKED) */
	assert_int_equal(h_call(h, TDH_MEM_PAGE_DEMOTE, 0x200000, 1, h_alloc(h, 0)),
			 TDX_EPT_ENTRY_STATE_INCORRECT | TDX_OPERAND_ID_RCX);
	assert_int_equal(h->a.rcx, BIT_ULL(63));
	assert_int_equal(h->a.rdx, 1);
	/* NL_MAPPED (4K table exists): state incorrect */
	h_tables(h, 0x400000, TDX_4K);
	assert_int_equal(h_call(h, TDH_MEM_PAGE_DEMOTE, 0x400000, 1, h_alloc(h, 0)),
			 TDX_EPT_ENTRY_STATE_INCORRECT | TDX_OPERAND_ID_RCX);
	assert_int_equal(h->a.rdx, 1 | (0x84 << 8));
	assert_int_equal(h->a.rcx, 7);
	assert_int_equal(h_aug(h, 0x200000, 1), TDX_SUCCESS);
	/* check order: not blocked AND bad R8: NOT_BLOCKED wins */
	assert_int_equal(h_call(h, TDH_MEM_PAGE_DEMOTE, 0x200000, 1, 0x123),
			 TDX_GPA_RANGE_NOT_BLOCKED | TDX_OPERAND_ID_RCX);
	/* blocked but not tracked AND bad R8: tracking wins; no details */
	assert_int_equal(h_plain(h, TDH_MEM_RANGE_BLOCK, 0x200000, 1), TDX_SUCCESS);
	assert_int_equal(h_call(h, TDH_MEM_PAGE_DEMOTE, 0x200000, 1, 0x123),
			 TDX_TLB_TRACKING_NOT_DONE | TDX_OPERAND_ID_RCX);
	assert_int_equal(h->a.rcx, 0);
	assert_int_equal(h->a.rdx, 0);
	h_track(h);
	/* R8 errors */
	assert_int_equal(h_call(h, TDH_MEM_PAGE_DEMOTE, 0x200000, 1, 0x123),
			 TDX_OPERAND_INVALID | TDX_OPERAND_ID_R8);
	assert_int_equal(h_call(h, TDH_MEM_PAGE_DEMOTE, 0x200000, 1, BIT_ULL(46)),
			 TDX_OPERAND_INVALID | TDX_OPERAND_ID_R8);
	busy = h_alloc(h, 0);
	assert_int_equal(h_call(h, TDH_MEM_PAGE_DEMOTE, 0x200000, 1, ROOT_HPA),
			 TDX_PAGE_METADATA_INCORRECT | TDX_OPERAND_ID_R8);
	/* R8 inside the 2M guest page itself */
	{
		struct tdxmod_sept_entry_info info;

		tdxmod_sept_lookup(h->td, 0x200000, 1, &info);
		assert_int_equal(h_call(h, TDH_MEM_PAGE_DEMOTE, 0x200000, 1, info.pa + 0x1000),
				 TDX_PAGE_METADATA_INCORRECT | TDX_OPERAND_ID_R8);
	}
	/* failed demote leaves the entry blocked */
	assert_int_equal(h_state(h, 0x200000, TDX_2M), TDX_SEPT_PENDING_BLOCKED);
	assert_int_equal(h_call(h, TDH_MEM_PAGE_DEMOTE, 0x200000, 1, busy), TDX_SUCCESS);
	assert_int_equal(h_state(h, 0x200000, TDX_4K), TDX_SEPT_PENDING);
	assert_int_equal(h_state(h, 0x201000, TDX_4K), TDX_SEPT_PENDING);
	assert_int_equal(h_check(h), 0);
	h_destroy(h);
}

/* Before finalize no BLOCK/TRACK is needed; MAPPED children stay MAPPED. */
static void test_demote_initialized_mapped(void **state)
{
	struct h *h = h_create();
	bool exited;
	struct tdx_ept_exit ex;

	(void)state;
	setup_pending_2m(h, 0x200000);
	assert_int_equal(h_accept(h, 0x200000, 1, &exited, &ex), TDX_SUCCESS);
	assert_false(exited);
	assert_int_equal(h_state(h, 0x200000, TDX_2M), TDX_SEPT_MAPPED);
	assert_int_equal(h_call(h, TDH_MEM_PAGE_DEMOTE, 0x200000, 1, h_alloc(h, 0)), TDX_SUCCESS);
	assert_int_equal(h_state(h, 0x3ff000, TDX_4K), TDX_SEPT_MAPPED);
	assert_int_equal(h_check(h), 0);
	h_destroy(h);
}

/* 1G leaf (made by PROMOTE) demoted back into 512 2M leaves. */
static void test_demote_1g(void **state)
{
	struct h *h = h_create();
	hpa_t base;

	(void)state;
	h_tables(h, 0x40000000, TDX_2M);
	base = h_alloc(h, 2);
	for (int i = 0; i < 512; i++)
		assert_int_equal(h_call(h, TDH_MEM_PAGE_AUG, 0x40000000 + i * 0x200000ULL, 1,
					base + i * 0x200000ULL),
				 TDX_SUCCESS);
	assert_int_equal(h_plain(h, TDH_MEM_PAGE_PROMOTE, 0x40000000, 2), TDX_SUCCESS);
	assert_int_equal(h_state(h, 0x40000000, TDX_1G), TDX_SEPT_PENDING);
	assert_int_equal(h_check(h), 0);
	assert_int_equal(h_call(h, TDH_MEM_PAGE_DEMOTE, 0x40000000, 2, h_alloc(h, 0)), TDX_SUCCESS);
	assert_int_equal(h_state(h, 0x40200000, TDX_2M), TDX_SEPT_PENDING);
	{
		struct tdxmod_pamt_info pi;

		tdxmod_pamt_lookup(h->mod, base + 0x200000, &pi);
		assert_int_equal(pi.tdx_level, 1);
		assert_int_equal(pi.pt, PT_REG);
	}
	assert_int_equal(h_check(h), 0);
	h_destroy(h);
}

static void test_demote_interrupted(void **state)
{
	struct h *h = h_create_cfg(TDX_MODULE_1_5, false, true, 1);
	int interrupted = 0, ok = 0;

	(void)state;
	setup_pending_2m(h, 0x200000);
	for (int i = 0; i < 64 && !ok; i++) {
		u64 err;

		h->a = (struct tdx_module_args){.rcx = 0x200001, .rdx = 0, .r8 = h_alloc(h, 0)};
		err = tdxmod_seamcall(h->td, TDH_MEM_PAGE_DEMOTE, &h->a);
		if (err == TDX_INTERRUPTED_RESTARTABLE) {
			interrupted++;
			/* nothing committed, RCX restored */
			assert_int_equal(h->a.rcx, 0x200001);
			assert_int_equal(h_state(h, 0x200000, TDX_2M), TDX_SEPT_PENDING);
			assert_int_equal(h_check(h), 0);
		} else {
			assert_int_equal(err, TDX_SUCCESS);
			ok = 1;
		}
	}
	assert_true(ok);
	/* seed 1 with p=1/4: try many fresh module instances until one interrupts */
	h_destroy(h);
	for (u64 seed = 1; seed < 50 && !interrupted; seed++) {
		struct tdxmod_config cfg = {.version = TDX_MODULE_1_5,
					    .demote_interruptible = true,
					    .seed = seed,
					    .nr_vcpus = 1,
					    .max_vcpus = 1};
		struct h *g = calloc(1, sizeof(*g));

		g->mod = tdxmod_create(&cfg);
		g->td = tdxmod_td_create(g->mod, TDR_HPA, ROOT_HPA);
		g->next = 1ULL << 32;
		setup_pending_2m(g, 0x200000);
		if (h_call(g, TDH_MEM_PAGE_DEMOTE, 0x200000, 1, h_alloc(g, 0)) ==
		    TDX_INTERRUPTED_RESTARTABLE) {
			interrupted++;
			assert_int_equal(g->a.rcx, 0x200001);
			assert_int_equal(h_state(g, 0x200000, TDX_2M), TDX_SEPT_PENDING);
		}
		assert_int_equal(h_check(g), 0);
		h_destroy(g);
	}
	assert_true(interrupted > 0);
}

static void test_demote_never_interrupted_when_off(void **state)
{
	(void)state;
	for (int i = 0; i < 20; i++) {
		struct h *h = h_create();

		setup_pending_2m(h, 0x200000);
		assert_int_equal(h_call(h, TDH_MEM_PAGE_DEMOTE, 0x200000, 1, h_alloc(h, 0)),
				 TDX_SUCCESS);
		h_destroy(h);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_raw_demote),
		cmocka_unit_test(test_demote_pamt_one_word),
		cmocka_unit_test(test_demote_teardown_one_word),
		cmocka_unit_test(test_demote_errors),
		cmocka_unit_test(test_demote_initialized_mapped),
		cmocka_unit_test(test_demote_1g),
		cmocka_unit_test(test_demote_interrupted),
		cmocka_unit_test(test_demote_never_interrupted_when_off),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
