// SPDX-License-Identifier: GPL-2.0-only
/*
 * Conformance of the TDX module model with the module source, leaf by leaf:
 * the first failing check wins, exact status and operand, RCX/RDX extended
 * error info, and the resulting S-EPT states.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "test_tdxmod_harness.h"

#define SVE BIT_ULL(63)
/* Architectural leaf as RCX reports it: MT=WB, IPAT, PS, SVE (+RWX if mapped). */
#define ARCH_LEAF(pa, rwx) ((pa) | (rwx) | 0x30ULL | 0x40ULL | 0x80ULL | SVE)
#define RWX_15 0x7ULL
#define RWX_20 0x407ULL /* 2.0 also sets XU (bit 10) */
#define LS(level, state) ((u64)(level) | ((u64)(state) << 8))

static u64 sept_add_flags(struct h *h, gpa_t gpa, int level, u64 rdx, hpa_t r8)
{
	h->a = (struct tdx_module_args){.rcx = gpa | (u64)level, .rdx = rdx, .r8 = r8};
	return tdxmod_seamcall(h->td, TDH_MEM_SEPT_ADD, &h->a);
}

static hpa_t sept_pa(struct h *h, gpa_t gpa, int level)
{
	struct tdxmod_sept_entry_info info;

	assert_int_equal(tdxmod_sept_lookup(h->td, gpa, level, &info), 0);
	return info.pa;
}

static void test_sept_add_checks(void **state)
{
	struct h *h = h_create();
	struct tdxmod_pamt_info pi;
	hpa_t page = h_alloc(h, 0);

	(void)state;
	/* RDX reserved bits are checked before anything else */
	assert_int_equal(sept_add_flags(h, 0, 0, 2, page),
			 TDX_OPERAND_INVALID | TDX_OPERAND_ID_RDX);
	assert_int_equal(sept_add_flags(h, 0, 0, 0, page),
			 TDX_OPERAND_INVALID | TDX_OPERAND_ID_RCX);
	assert_int_equal(sept_add_flags(h, 0x1000, 1, 0, page),
			 TDX_OPERAND_INVALID | TDX_OPERAND_ID_RCX);
	assert_int_equal(sept_add_flags(h, 0x1000 | 8, 0, 0, page),
			 TDX_OPERAND_INVALID | TDX_OPERAND_ID_RCX);
	/* shared bit, and a bit beyond GPAW */
	assert_int_equal(sept_add_flags(h, BIT_ULL(47), 3, 0, page),
			 TDX_OPERAND_INVALID | TDX_OPERAND_ID_RCX);
	assert_int_equal(sept_add_flags(h, BIT_ULL(48), 3, 0, page),
			 TDX_OPERAND_INVALID | TDX_OPERAND_ID_RCX);
	/* parent missing: the walk stops at the FREE PML4 entry */
	assert_int_equal(sept_add_flags(h, 0, 1, 0, page),
			 TDX_EPT_WALK_FAILED | TDX_OPERAND_ID_RCX);
	assert_int_equal(h->a.rcx, SVE);
	assert_int_equal(h->a.rdx, LS(3, TDX_SEPT_FREE));
	/* R8 checks come after the state check */
	assert_int_equal(sept_add_flags(h, 0, 3, 0, page + 0x800),
			 TDX_OPERAND_INVALID | TDX_OPERAND_ID_R8);
	assert_int_equal(sept_add_flags(h, 0, 3, 0, TDR_HPA),
			 TDX_PAGE_METADATA_INCORRECT | TDX_OPERAND_ID_R8);
	assert_int_equal(h_state(h, 0, 3), TDX_SEPT_FREE);
	assert_int_equal(tdxmod_chldcnt(h->td), 0);
	assert_int_equal(sept_add_flags(h, 0, 3, 0, page), TDX_SUCCESS);
	assert_int_equal(h->a.rcx, 0);
	assert_int_equal(h->a.rdx, 0);
	assert_int_equal(h_state(h, 0, 3), TDX_SEPT_NL_MAPPED);
	assert_int_equal(tdxmod_chldcnt(h->td), 1);
	/* existing table: state incorrect, unless allow_existing (R8 not consumed) */
	page = h_alloc(h, 0);
	assert_int_equal(sept_add_flags(h, 0, 3, 0, page),
			 TDX_EPT_ENTRY_STATE_INCORRECT | TDX_OPERAND_ID_RCX);
	assert_int_equal(h->a.rcx, RWX_15);
	assert_int_equal(h->a.rdx, LS(3, TDX_SEPT_NL_MAPPED));
	/* the state check precedes the R8 checks */
	assert_int_equal(sept_add_flags(h, 0, 3, 0, page + 1),
			 TDX_EPT_ENTRY_STATE_INCORRECT | TDX_OPERAND_ID_RCX);
	assert_int_equal(sept_add_flags(h, 0, 3, 1, page), TDX_SUCCESS);
	tdxmod_pamt_lookup(h->mod, page, &pi);
	assert_int_equal(pi.pt, PT_NDA);
	assert_int_equal(tdxmod_chldcnt(h->td), 1);
	/* a leaf in place of the table */
	h_tables(h, 0, TDX_2M);
	assert_int_equal(h_aug(h, 0, TDX_2M), TDX_SUCCESS);
	assert_int_equal(sept_add_flags(h, 0, 1, 1, h_alloc(h, 0)),
			 TDX_EPT_ENTRY_STATE_INCORRECT | TDX_OPERAND_ID_RCX);
	assert_int_equal(h->a.rdx, LS(1, TDX_SEPT_PENDING));
	assert_int_equal(h->a.rcx, ARCH_LEAF(sept_pa(h, 0, 1), 0));
	/* an S-EPT page inside a 2M private page */
	assert_int_equal(sept_add_flags(h, 0x200000, 1, 0, sept_pa(h, 0, 1) + 0x1000),
			 TDX_PAGE_METADATA_INCORRECT | TDX_OPERAND_ID_R8);
	assert_int_equal(h_check(h), 0);
	h_destroy(h);
}

static void test_ext_info_2_0(void **state)
{
	struct h *h = h_create_cfg(TDX_MODULE_2_0, false, false, 1);
	struct tdx_ept_exit ex;
	bool exited;

	(void)state;
	h_tables(h, 0, TDX_2M);
	assert_int_equal(sept_add_flags(h, 0, 2, 0, h_alloc(h, 0)),
			 TDX_EPT_ENTRY_STATE_INCORRECT | TDX_OPERAND_ID_RCX);
	assert_int_equal(h->a.rcx, RWX_20);
	assert_int_equal(h->a.rdx, LS(2, TDX_SEPT_NL_MAPPED));
	assert_int_equal(h_aug(h, 0, TDX_2M), TDX_SUCCESS);
	assert_int_equal(h_accept(h, 0, TDX_2M, &exited, &ex), TDX_SUCCESS);
	assert_int_equal(h_aug(h, 0x1000, TDX_4K), TDX_EPT_WALK_FAILED | TDX_OPERAND_ID_RCX);
	assert_int_equal(h->a.rcx, ARCH_LEAF(sept_pa(h, 0, 1), RWX_20));
	assert_int_equal(h->a.rdx, LS(1, TDX_SEPT_MAPPED));
	h_destroy(h);
}

static void test_aug_checks(void **state)
{
	struct h *h = h_create();
	hpa_t big, small;

	(void)state;
	/* AUG is allowed before FINALIZE */
	h_tables(h, 0, TDX_2M);
	assert_int_equal(h_aug(h, 0, TDX_1G), TDX_OPERAND_INVALID | TDX_OPERAND_ID_RCX);
	assert_int_equal(h_aug(h, 0x200000, TDX_4K), TDX_EPT_WALK_FAILED | TDX_OPERAND_ID_RCX);
	assert_int_equal(h->a.rcx, SVE);
	assert_int_equal(h->a.rdx, LS(1, TDX_SEPT_FREE));
	big = h_alloc(h, TDX_2M);
	assert_int_equal(h_call(h, TDH_MEM_PAGE_AUG, 0, TDX_2M, big + 0x1000),
			 TDX_OPERAND_INVALID | TDX_OPERAND_ID_R8);
	assert_int_equal(h_call(h, TDH_MEM_PAGE_AUG, 0, TDX_2M, big), TDX_SUCCESS);
	assert_int_equal(h_state(h, 0, TDX_2M), TDX_SEPT_PENDING);
	assert_int_equal(tdxmod_chldcnt(h->td), 2 + 512);
	/* 4K under a 2M leaf: walk failed at the leaf */
	assert_int_equal(h_aug(h, 0x1000, TDX_4K), TDX_EPT_WALK_FAILED | TDX_OPERAND_ID_RCX);
	assert_int_equal(h->a.rcx, ARCH_LEAF(big, 0));
	assert_int_equal(h->a.rdx, LS(1, TDX_SEPT_PENDING));
	/* the same entry again: state incorrect (before R8 is looked at) */
	assert_int_equal(h_call(h, TDH_MEM_PAGE_AUG, 0, TDX_2M, big),
			 TDX_EPT_ENTRY_STATE_INCORRECT | TDX_OPERAND_ID_RCX);
	assert_int_equal(h->a.rdx, LS(1, TDX_SEPT_PENDING));
	/* 2M over a 4K table */
	assert_int_equal(h_sept_add(h, 0x200000, TDX_2M), TDX_SUCCESS);
	assert_int_equal(h_aug(h, 0x200000, TDX_2M),
			 TDX_EPT_ENTRY_STATE_INCORRECT | TDX_OPERAND_ID_RCX);
	assert_int_equal(h->a.rcx, RWX_15);
	assert_int_equal(h->a.rdx, LS(1, TDX_SEPT_NL_MAPPED));
	/* R8 metadata: a 4K page inside a 2M page, a 2M range holding a 4K page */
	assert_int_equal(h_call(h, TDH_MEM_PAGE_AUG, 0x200000, TDX_4K, big + 0x3000),
			 TDX_PAGE_METADATA_INCORRECT | TDX_OPERAND_ID_R8);
	small = h_alloc(h, TDX_2M) + 0x5000;
	assert_int_equal(h_call(h, TDH_MEM_PAGE_AUG, 0x200000, TDX_4K, small), TDX_SUCCESS);
	assert_int_equal(h_call(h, TDH_MEM_PAGE_AUG, 0x400000, TDX_2M, small - 0x5000),
			 TDX_PAGE_METADATA_INCORRECT | TDX_OPERAND_ID_R8);
	assert_int_equal(h_state(h, 0x400000, TDX_2M), TDX_SEPT_FREE);
	assert_int_equal(h_check(h), 0);
	h_destroy(h);
}

static void test_page_add_and_finalize(void **state)
{
	struct h *h = h_create();
	hpa_t page;

	(void)state;
	assert_int_equal(h_call(h, TDH_MEM_PAGE_ADD, 0, TDX_4K, h_alloc(h, 0)),
			 TDX_EPT_WALK_FAILED | TDX_OPERAND_ID_RCX);
	assert_int_equal(h->a.rdx, LS(3, TDX_SEPT_FREE));
	h_tables(h, 0, TDX_4K);
	assert_int_equal(h_call(h, TDH_MEM_PAGE_ADD, 0, TDX_2M, h_alloc(h, 1)),
			 TDX_OPERAND_INVALID | TDX_OPERAND_ID_RCX);
	page = h_alloc(h, 0);
	assert_int_equal(h_call(h, TDH_MEM_PAGE_ADD, 0, TDX_4K, page), TDX_SUCCESS);
	assert_int_equal(h_state(h, 0, TDX_4K), TDX_SEPT_MAPPED);
	assert_int_equal(h_call(h, TDH_MEM_PAGE_ADD, 0, TDX_4K, h_alloc(h, 0)),
			 TDX_EPT_ENTRY_STATE_INCORRECT | TDX_OPERAND_ID_RCX);
	assert_int_equal(h->a.rcx, ARCH_LEAF(page, RWX_15));
	assert_int_equal(h->a.rdx, LS(0, TDX_SEPT_MAPPED));
	/* TRACK is allowed before FINALIZE */
	assert_int_equal(tdxmod_td_epoch(h->td), 1);
	assert_int_equal(h_track(h), TDX_SUCCESS);
	assert_int_equal(tdxmod_td_epoch(h->td), 2);
	assert_int_equal(h_finalize(h), TDX_SUCCESS);
	assert_int_equal(tdxmod_op_state(h->td), TDX_OP_STATE_RUNNABLE);
	assert_int_equal(h_finalize(h), TDX_OP_STATE_INCORRECT);
	/* op state is checked before the page info: no operand */
	assert_int_equal(h_call(h, TDH_MEM_PAGE_ADD, 0x1000, TDX_4K, h_alloc(h, 0)),
			 TDX_OP_STATE_INCORRECT);
	assert_int_equal(h_call(h, TDH_MEM_PAGE_ADD, 0x1000, TDX_2M, h_alloc(h, 0)),
			 TDX_OP_STATE_INCORRECT);
	assert_int_equal(h_state(h, 0x1000, TDX_4K), TDX_SEPT_FREE);
	assert_int_equal(h_check(h), 0);
	h_destroy(h);

	/* a TD without vCPUs cannot be finalized */
	h = h_create_cfg(TDX_MODULE_1_5, false, false, 0);
	assert_int_equal(h_finalize(h), TDX_NO_VCPUS);
	assert_int_equal(tdxmod_op_state(h->td), TDX_OP_STATE_INITIALIZED);
	h_destroy(h);
}

static void test_block_checks(void **state)
{
	struct h *h = h_create();
	hpa_t big;

	(void)state;
	h_finalize(h);
	h_tables(h, 0, TDX_2M);
	/* FREE 2M entry whose parent exists: state incorrect, not walk failed */
	assert_int_equal(h_plain(h, TDH_MEM_RANGE_BLOCK, 0, TDX_2M),
			 TDX_EPT_ENTRY_STATE_INCORRECT | TDX_OPERAND_ID_RCX);
	assert_int_equal(h->a.rcx, SVE);
	assert_int_equal(h->a.rdx, LS(1, TDX_SEPT_FREE));
	/* its parent absent: walk failed */
	assert_int_equal(h_plain(h, TDH_MEM_RANGE_BLOCK, 0x40000000, TDX_2M),
			 TDX_EPT_WALK_FAILED | TDX_OPERAND_ID_RCX);
	assert_int_equal(h->a.rdx, LS(2, TDX_SEPT_FREE));
	big = h_alloc(h, TDX_2M);
	assert_int_equal(h_call(h, TDH_MEM_PAGE_AUG, 0, TDX_2M, big), TDX_SUCCESS);
	assert_int_equal(h_plain(h, TDH_MEM_RANGE_BLOCK, 0, TDX_2M), TDX_SUCCESS);
	assert_int_equal(h_state(h, 0, TDX_2M), TDX_SEPT_PENDING_BLOCKED);
	assert_int_equal(h_plain(h, TDH_MEM_RANGE_BLOCK, 0, TDX_2M),
			 0x00000B0700000001ULL /* GPA_RANGE_ALREADY_BLOCKED|RCX */);
	assert_int_equal(h->a.rcx, ARCH_LEAF(big, 0));
	assert_int_equal(h->a.rdx, LS(1, TDX_SEPT_PENDING_BLOCKED));
	assert_int_equal(h_plain(h, TDH_MEM_RANGE_BLOCK, 0x1000, TDX_4K),
			 TDX_EPT_WALK_FAILED | TDX_OPERAND_ID_RCX);
	assert_int_equal(h->a.rdx, LS(1, TDX_SEPT_PENDING_BLOCKED));
	/* below an NL_BLOCKED entry nothing is reachable */
	assert_int_equal(h_sept_add(h, 0x200000, TDX_2M), TDX_SUCCESS);
	assert_int_equal(h_plain(h, TDH_MEM_RANGE_BLOCK, 0x200000, TDX_2M), TDX_SUCCESS);
	assert_int_equal(h_state(h, 0x200000, TDX_2M), TDX_SEPT_NL_BLOCKED);
	assert_int_equal(h_aug(h, 0x201000, TDX_4K), TDX_EPT_WALK_FAILED | TDX_OPERAND_ID_RCX);
	assert_int_equal(h->a.rcx, 0);
	assert_int_equal(h->a.rdx, LS(1, TDX_SEPT_NL_BLOCKED));
	assert_int_equal(h_plain(h, TDH_MEM_RANGE_BLOCK, 0x200000, TDX_4K),
			 TDX_EPT_WALK_FAILED | TDX_OPERAND_ID_RCX);
	assert_int_equal(h_plain(h, TDH_MEM_RANGE_BLOCK, 0x200000, TDX_2M),
			 TDX_GPA_RANGE_ALREADY_BLOCKED | TDX_OPERAND_ID_RCX);
	assert_int_equal(sept_add_flags(h, 0x200000, TDX_2M, 1, h_alloc(h, 0)),
			 TDX_EPT_ENTRY_STATE_INCORRECT | TDX_OPERAND_ID_RCX);
	assert_int_equal(h->a.rdx, LS(1, TDX_SEPT_NL_BLOCKED));
	assert_int_equal(h_check(h), 0);
	h_destroy(h);
}

static void unblock_operand(enum tdxmod_version v, u32 operand)
{
	struct h *h = h_create_cfg(v, false, false, 1);

	h_finalize(h);
	h_tables(h, 0, TDX_2M);
	assert_int_equal(h_aug(h, 0, TDX_2M), TDX_SUCCESS);
	assert_int_equal(h_plain(h, TDH_MEM_RANGE_UNBLOCK, 0, TDX_2M),
			 TDX_EPT_ENTRY_STATE_INCORRECT | TDX_OPERAND_ID_RCX);
	assert_int_equal(h->a.rdx, LS(1, TDX_SEPT_PENDING));
	assert_int_equal(h_plain(h, TDH_MEM_RANGE_BLOCK, 0, TDX_2M), TDX_SUCCESS);
	assert_int_equal(h_plain(h, TDH_MEM_RANGE_UNBLOCK, 0, TDX_2M),
			 TDX_TLB_TRACKING_NOT_DONE | operand);
	assert_int_equal(h->a.rcx, 0);
	assert_int_equal(h->a.rdx, 0);
	assert_int_equal(h_state(h, 0, TDX_2M), TDX_SEPT_PENDING_BLOCKED);
	assert_int_equal(h_track(h), TDX_SUCCESS);
	assert_int_equal(h_plain(h, TDH_MEM_RANGE_UNBLOCK, 0, TDX_2M), TDX_SUCCESS);
	assert_int_equal(h_state(h, 0, TDX_2M), TDX_SEPT_PENDING);
	assert_int_equal(h_check(h), 0);
	h_destroy(h);
}

static void test_unblock(void **state)
{
	struct h *h;

	(void)state;
	unblock_operand(TDX_MODULE_1_5, TDX_OPERAND_ID_SEPT);
	unblock_operand(TDX_MODULE_2_0, TDX_OPERAND_ID_RCX);
	/* before FINALIZE no tracking is required */
	h = h_create();
	h_tables(h, 0, TDX_2M);
	assert_int_equal(h_aug(h, 0, TDX_2M), TDX_SUCCESS);
	assert_int_equal(h_plain(h, TDH_MEM_RANGE_BLOCK, 0, TDX_2M), TDX_SUCCESS);
	assert_int_equal(h_plain(h, TDH_MEM_RANGE_UNBLOCK, 0, TDX_2M), TDX_SUCCESS);
	assert_int_equal(h_state(h, 0, TDX_2M), TDX_SEPT_PENDING);
	h_destroy(h);
}

static void test_remove_checks(void **state)
{
	struct h *h = h_create();
	hpa_t big;
	u64 cnt;

	(void)state;
	h_finalize(h);
	h_tables(h, 0, TDX_2M);
	big = h_alloc(h, TDX_2M);
	assert_int_equal(h_call(h, TDH_MEM_PAGE_AUG, 0, TDX_2M, big), TDX_SUCCESS);
	cnt = tdxmod_chldcnt(h->td);
	assert_int_equal(h_plain(h, TDH_MEM_PAGE_REMOVE, 0, 3),
			 TDX_OPERAND_INVALID | TDX_OPERAND_ID_RCX);
	assert_int_equal(h_plain(h, TDH_MEM_PAGE_REMOVE, 0x1000, TDX_4K),
			 TDX_EPT_WALK_FAILED | TDX_OPERAND_ID_RCX);
	assert_int_equal(h->a.rdx, LS(1, TDX_SEPT_PENDING));
	assert_int_equal(h_plain(h, TDH_MEM_PAGE_REMOVE, 0, TDX_1G),
			 TDX_EPT_ENTRY_STATE_INCORRECT | TDX_OPERAND_ID_RCX);
	assert_int_equal(h->a.rcx, RWX_15);
	assert_int_equal(h->a.rdx, LS(2, TDX_SEPT_NL_MAPPED));
	assert_int_equal(h_plain(h, TDH_MEM_PAGE_REMOVE, 0, TDX_2M),
			 TDX_GPA_RANGE_NOT_BLOCKED | TDX_OPERAND_ID_RCX);
	assert_int_equal(h->a.rcx, ARCH_LEAF(big, 0));
	assert_int_equal(h->a.rdx, LS(1, TDX_SEPT_PENDING));
	/* a vCPU inside the TD during the epoch of the block */
	assert_int_equal(tdxmod_vp_enter(h->td, 0), TDX_SUCCESS);
	assert_int_equal(h_plain(h, TDH_MEM_RANGE_BLOCK, 0, TDX_2M), TDX_SUCCESS);
	assert_int_equal(h_plain(h, TDH_MEM_PAGE_REMOVE, 0, TDX_2M),
			 TDX_TLB_TRACKING_NOT_DONE | TDX_OPERAND_ID_RCX);
	assert_int_equal(h->a.rcx, 0);
	assert_int_equal(h->a.rdx, 0);
	assert_int_equal(h_track(h), TDX_SUCCESS);
	assert_int_equal(h_plain(h, TDH_MEM_PAGE_REMOVE, 0, TDX_2M),
			 TDX_TLB_TRACKING_NOT_DONE | TDX_OPERAND_ID_RCX);
	/* the vCPU still in the old epoch also blocks the next TRACK */
	assert_int_equal(h_track(h), TDX_PREVIOUS_TLB_EPOCH_BUSY);
	tdxmod_vp_exit(h->td, 0);
	assert_int_equal(h_plain(h, TDH_MEM_PAGE_REMOVE, 0, TDX_2M), TDX_SUCCESS);
	assert_int_equal(h->a.rcx, big);
	assert_int_equal(h_state(h, 0, TDX_2M), TDX_SEPT_FREE);
	assert_int_equal(tdxmod_chldcnt(h->td), cnt - 512);
	assert_int_equal(h_check(h), 0);
	h_destroy(h);

	/* before FINALIZE an unblocked page is removed at once */
	h = h_create();
	h_tables(h, 0, TDX_4K);
	assert_int_equal(h_call(h, TDH_MEM_PAGE_ADD, 0, TDX_4K, h_alloc(h, 0)), TDX_SUCCESS);
	assert_int_equal(h_plain(h, TDH_MEM_PAGE_REMOVE, 0, TDX_4K), TDX_SUCCESS);
	assert_int_equal(h_state(h, 0, TDX_4K), TDX_SEPT_FREE);
	assert_int_equal(h_check(h), 0);
	h_destroy(h);
}

static void test_sept_remove_checks(void **state)
{
	struct h *h = h_create();
	hpa_t table;

	(void)state;
	h_finalize(h);
	h_tables(h, 0, TDX_4K);
	assert_int_equal(h_aug(h, 0, TDX_4K), TDX_SUCCESS);
	assert_int_equal(h_plain(h, TDH_MEM_SEPT_REMOVE, 0, TDX_4K),
			 TDX_OPERAND_INVALID | TDX_OPERAND_ID_RCX);
	/* not blocked comes before "page not free" */
	assert_int_equal(h_plain(h, TDH_MEM_SEPT_REMOVE, 0, TDX_2M),
			 TDX_GPA_RANGE_NOT_BLOCKED | TDX_OPERAND_ID_RCX);
	assert_int_equal(h->a.rcx, RWX_15);
	assert_int_equal(h->a.rdx, LS(1, TDX_SEPT_NL_MAPPED));
	assert_int_equal(h_plain(h, TDH_MEM_RANGE_BLOCK, 0, TDX_2M), TDX_SUCCESS);
	/* and "not tracked" too */
	assert_int_equal(h_plain(h, TDH_MEM_SEPT_REMOVE, 0, TDX_2M),
			 TDX_TLB_TRACKING_NOT_DONE | TDX_OPERAND_ID_RCX);
	assert_int_equal(h_track(h), TDX_SUCCESS);
	assert_int_equal(h_plain(h, TDH_MEM_SEPT_REMOVE, 0, TDX_2M),
			 TDX_EPT_PAGE_NOT_FREE | TDX_OPERAND_ID_RCX);
	assert_int_equal(h->a.rcx, 0);
	assert_int_equal(h->a.rdx, LS(1, TDX_SEPT_NL_BLOCKED));
	assert_int_equal(h_state(h, 0, TDX_2M), TDX_SEPT_NL_BLOCKED);
	/* a leaf is not a table */
	assert_int_equal(h_aug(h, 0x200000, TDX_2M), TDX_SUCCESS);
	assert_int_equal(h_plain(h, TDH_MEM_SEPT_REMOVE, 0x200000, TDX_2M),
			 TDX_EPT_ENTRY_STATE_INCORRECT | TDX_OPERAND_ID_RCX);
	assert_int_equal(h->a.rdx, LS(1, TDX_SEPT_PENDING));
	assert_int_equal(h_check(h), 0);
	h_destroy(h);

	/* before FINALIZE: no block needed, but the page must be empty */
	h = h_create();
	h_tables(h, 0, TDX_4K);
	table = sept_pa(h, 0, TDX_2M);
	assert_int_equal(h_aug(h, 0x3000, TDX_4K), TDX_SUCCESS);
	assert_int_equal(h_plain(h, TDH_MEM_SEPT_REMOVE, 0, TDX_2M),
			 TDX_EPT_PAGE_NOT_FREE | TDX_OPERAND_ID_RCX);
	assert_int_equal(h->a.rdx, LS(1, TDX_SEPT_NL_MAPPED));
	assert_int_equal(h_plain(h, TDH_MEM_PAGE_REMOVE, 0x3000, TDX_4K), TDX_SUCCESS);
	assert_int_equal(h_plain(h, TDH_MEM_SEPT_REMOVE, 0, TDX_2M), TDX_SUCCESS);
	assert_int_equal(h->a.rcx, table);
	assert_int_equal(h_state(h, 0, TDX_2M), TDX_SEPT_FREE);
	assert_int_equal(h_check(h), 0);
	h_destroy(h);
}

static u64 demote(struct h *h, gpa_t gpa, int level, hpa_t r8, hpa_t r12, hpa_t r13)
{
	h->a = (struct tdx_module_args){.rcx = gpa | (u64)level, .r8 = r8, .r12 = r12, .r13 = r13};
	return tdxmod_seamcall(h->td, TDH_MEM_PAGE_DEMOTE, &h->a);
}

static void test_demote_order(void **state)
{
	struct h *h = h_create();
	hpa_t big, sept;

	(void)state;
	h_finalize(h);
	h_tables(h, 0, TDX_2M);
	sept = h_alloc(h, 0);
	assert_int_equal(demote(h, 0, TDX_4K, sept, 0, 0),
			 TDX_OPERAND_INVALID | TDX_OPERAND_ID_RCX);
	assert_int_equal(demote(h, 0, TDX_2M, sept, 0, 0),
			 TDX_EPT_ENTRY_STATE_INCORRECT | TDX_OPERAND_ID_RCX);
	assert_int_equal(h->a.rdx, LS(1, TDX_SEPT_FREE));
	big = h_alloc(h, TDX_2M);
	assert_int_equal(h_call(h, TDH_MEM_PAGE_AUG, 0, TDX_2M, big), TDX_SUCCESS);
	/* tracking checks come before R8 */
	assert_int_equal(demote(h, 0, TDX_2M, sept + 1, 0, 0),
			 TDX_GPA_RANGE_NOT_BLOCKED | TDX_OPERAND_ID_RCX);
	assert_int_equal(h->a.rdx, LS(1, TDX_SEPT_PENDING));
	assert_int_equal(h_plain(h, TDH_MEM_RANGE_BLOCK, 0, TDX_2M), TDX_SUCCESS);
	assert_int_equal(demote(h, 0, TDX_2M, sept + 1, 0, 0),
			 TDX_TLB_TRACKING_NOT_DONE | TDX_OPERAND_ID_RCX);
	assert_int_equal(h_track(h), TDX_SUCCESS);
	assert_int_equal(demote(h, 0, TDX_2M, sept + 1, 0, 0),
			 TDX_OPERAND_INVALID | TDX_OPERAND_ID_R8);
	assert_int_equal(demote(h, 0, TDX_2M, big + 0x1000, 0, 0),
			 TDX_PAGE_METADATA_INCORRECT | TDX_OPERAND_ID_R8);
	/* failures leave the entry blocked */
	assert_int_equal(h_state(h, 0, TDX_2M), TDX_SEPT_PENDING_BLOCKED);
	assert_int_equal(demote(h, 0, TDX_2M, sept, 0, 0), TDX_SUCCESS);
	assert_int_equal(h_state(h, 0, TDX_2M), TDX_SEPT_NL_MAPPED);
	assert_int_equal(h_state(h, 0x1ff000, TDX_4K), TDX_SEPT_PENDING);
	assert_int_equal(sept_pa(h, 0x1ff000, TDX_4K), big + 0x1ff000);
	/* demoting again: the entry is now a table */
	assert_int_equal(demote(h, 0, TDX_2M, h_alloc(h, 0), 0, 0),
			 TDX_EPT_ENTRY_STATE_INCORRECT | TDX_OPERAND_ID_RCX);
	assert_int_equal(h->a.rdx, LS(1, TDX_SEPT_NL_MAPPED));
	assert_int_equal(h_check(h), 0);
	h_destroy(h);
}

/* Dynamic PAMT host layout as in test_tdxmod_dpamt.c. */
#define X (1ULL << 32)
#define POOL (X + 0x200000)
#define REGION (X + 0x400000)

static void test_demote_pair_order(void **state)
{
	struct h *h = h_create_cfg(TDX_MODULE_2_0, true, false, 1);
	hpa_t sept = POOL + 0x10000, q0 = X + 0x3000, q1 = X + 0x4000;

	(void)state;
	h->a = (struct tdx_module_args){.rcx = POOL | 1, .rdx = X + 0x1000, .r8 = X + 0x2000};
	assert_int_equal(tdxmod_seamcall(h->td, TDH_PHYMEM_PAMT_ADD, &h->a), TDX_SUCCESS);
	h->next = POOL;
	h_tables(h, 0, TDX_2M);
	h_finalize(h);
	assert_int_equal(h_call(h, TDH_MEM_PAGE_AUG, 0, TDX_2M, REGION), TDX_SUCCESS);
	h_block_track(h, 0, TDX_2M);
	/* R12 used as a PAMT page and R13 owned by the TD: R13's metadata first */
	assert_int_equal(demote(h, 0, TDX_2M, sept, X + 0x1000, TDR_HPA),
			 TDX_PAGE_NOT_FREE | TDX_OPERAND_ID_R13);
	assert_int_equal(demote(h, 0, TDX_2M, sept, X + 0x1000, q1),
			 TDX_PAGE_NOT_FREE | TDX_OPERAND_ID_R12);
	/* the same page twice fails on R13 */
	assert_int_equal(demote(h, 0, TDX_2M, sept, q0, q0),
			 TDX_PAGE_NOT_FREE | TDX_OPERAND_ID_R13);
	assert_int_equal(demote(h, 0, TDX_2M, sept, q0 + 4, q1),
			 TDX_OPERAND_INVALID | TDX_OPERAND_ID_R12);
	assert_int_equal(h_state(h, 0, TDX_2M), TDX_SEPT_PENDING_BLOCKED);
	assert_false(tdxmod_is_pamt_page(h->mod, q0));
	assert_int_equal(demote(h, 0, TDX_2M, sept, q0, q1), TDX_SUCCESS);
	assert_true(tdxmod_is_pamt_page(h->mod, q0));
	assert_int_equal(h_check(h), 0);
	h_destroy(h);
}

static void test_promote_conditions(void **state)
{
	struct h *h = h_create();
	hpa_t base, table;
	struct tdx_ept_exit ex;
	bool exited;

	(void)state;
	h_tables(h, 0, TDX_4K);
	table = sept_pa(h, 0, TDX_2M);
	base = h_alloc(h, TDX_2M);
	/* child 0 FREE: promote conditions, with the table entry's details */
	assert_int_equal(h_plain(h, TDH_MEM_PAGE_PROMOTE, 0, TDX_2M),
			 TDX_EPT_INVALID_PROMOTE_CONDITIONS | TDX_OPERAND_ID_RCX);
	assert_int_equal(h->a.rcx, RWX_15);
	assert_int_equal(h->a.rdx, LS(1, TDX_SEPT_NL_MAPPED));
	for (int i = 0; i < 512; i++)
		assert_int_equal(
			h_call(h, TDH_MEM_PAGE_AUG, (u64)i << 12, TDX_4K, base + ((u64)i << 12)),
			TDX_SUCCESS);
	/* one child accepted: states differ */
	assert_int_equal(h_accept(h, 0x5000, TDX_4K, &exited, &ex), TDX_SUCCESS);
	assert_int_equal(h_plain(h, TDH_MEM_PAGE_PROMOTE, 0, TDX_2M),
			 TDX_EPT_INVALID_PROMOTE_CONDITIONS | TDX_OPERAND_ID_RCX);
	assert_int_equal(h_plain(h, TDH_MEM_PAGE_REMOVE, 0x5000, TDX_4K), TDX_SUCCESS);
	assert_int_equal(h_call(h, TDH_MEM_PAGE_AUG, 0x5000, TDX_4K, base + 0x5000), TDX_SUCCESS);
	/* unblocked in RUNNABLE */
	h_finalize(h);
	assert_int_equal(h_plain(h, TDH_MEM_PAGE_PROMOTE, 0, TDX_2M),
			 TDX_GPA_RANGE_NOT_BLOCKED | TDX_OPERAND_ID_RCX);
	assert_int_equal(h->a.rdx, LS(1, TDX_SEPT_NL_MAPPED));
	assert_int_equal(h_plain(h, TDH_MEM_RANGE_BLOCK, 0, TDX_2M), TDX_SUCCESS);
	assert_int_equal(h_plain(h, TDH_MEM_PAGE_PROMOTE, 0, TDX_2M),
			 TDX_TLB_TRACKING_NOT_DONE | TDX_OPERAND_ID_RCX);
	assert_int_equal(h_track(h), TDX_SUCCESS);
	assert_int_equal(h_plain(h, TDH_MEM_PAGE_PROMOTE, 0, TDX_2M), TDX_SUCCESS);
	assert_int_equal(h->a.rcx, table);
	assert_int_equal(h_state(h, 0, TDX_2M), TDX_SEPT_PENDING);
	assert_int_equal(sept_pa(h, 0, TDX_2M), base);
	assert_int_equal(h_check(h), 0);
	h_destroy(h);
}

static void expect_exit(const struct tdx_ept_exit *ex, gpa_t gpa, int req, int err_level,
			int err_state, bool leaf)
{
	assert_int_equal(tdx_eeq_type(ex->ext_exit_qual), TDX_EXT_EXIT_QUAL_TYPE_ACCEPT);
	assert_int_equal(tdx_eeq_req_level(ex->ext_exit_qual), req);
	assert_int_equal(tdx_eeq_err_level(ex->ext_exit_qual), err_level);
	assert_int_equal(tdx_eeq_err_state(ex->ext_exit_qual), err_state);
	assert_int_equal(tdx_eeq_err_is_leaf(ex->ext_exit_qual), leaf);
	assert_int_equal(ex->gpa, gpa);
}

static void test_accept_table(void **state)
{
	struct h *h = h_create();
	struct tdx_ept_exit ex;
	bool exited;

	(void)state;
	h_finalize(h);
	/* nothing mapped: exit at the FREE PML4 entry */
	assert_int_equal(h_accept(h, 0x3000, TDX_4K, &exited, &ex), TDX_SUCCESS);
	assert_true(exited);
	expect_exit(&ex, 0x3000, 0, 3, TDX_SEPT_FREE, false);
	assert_int_equal(ex.exit_qual, 2); /* a write, no permissions */
	assert_int_equal(h_accept(h, 0, TDX_1G, &exited, &ex),
			 TDX_OPERAND_INVALID | TDX_OPERAND_ID_RCX);
	assert_false(exited);
	assert_int_equal(h_accept(h, BIT_ULL(47), TDX_4K, &exited, &ex),
			 TDX_OPERAND_INVALID | TDX_OPERAND_ID_RCX);
	h_tables(h, 0, TDX_2M);
	/* FREE 2M with its parent: exit at the requested level */
	assert_int_equal(h_accept(h, 0x200000, TDX_2M, &exited, &ex), TDX_SUCCESS);
	expect_exit(&ex, 0x200000, 1, 1, TDX_SEPT_FREE, false);
	/* 2M PENDING, 4K accept: exit naming the 2M leaf */
	assert_int_equal(h_aug(h, 0, TDX_2M), TDX_SUCCESS);
	assert_int_equal(h_accept(h, 0x1000, TDX_4K, &exited, &ex), TDX_SUCCESS);
	assert_true(exited);
	expect_exit(&ex, 0x1000, 0, 1, TDX_SEPT_PENDING, true);
	assert_int_equal(h_state(h, 0, TDX_2M), TDX_SEPT_PENDING);
	assert_int_equal(h_accept(h, 0, TDX_2M, &exited, &ex), TDX_SUCCESS);
	assert_false(exited);
	assert_int_equal(h_state(h, 0, TDX_2M), TDX_SEPT_MAPPED);
	/* already accepted at 2M: operand = the mapped level */
	assert_int_equal(h_accept(h, 0x1000, TDX_4K, &exited, &ex), 0x00000B0A00000001ULL);
	assert_false(exited);
	assert_int_equal(h_accept(h, 0, TDX_2M, &exited, &ex), TDX_PAGE_ALREADY_ACCEPTED | 1);
	/* 2M over a 4K table */
	assert_int_equal(h_sept_add(h, 0x200000, TDX_2M), TDX_SUCCESS);
	assert_int_equal(h_accept(h, 0x200000, TDX_2M, &exited, &ex), TDX_PAGE_SIZE_MISMATCH | 1);
	assert_false(exited);
	/* 4K cases */
	assert_int_equal(h_aug(h, 0x200000, TDX_4K), TDX_SUCCESS);
	assert_int_equal(h_accept(h, 0x200000, TDX_4K, &exited, &ex), TDX_SUCCESS);
	assert_int_equal(h_accept(h, 0x200000, TDX_4K, &exited, &ex),
			 TDX_PAGE_ALREADY_ACCEPTED | 0);
	assert_int_equal(h_plain(h, TDH_MEM_RANGE_BLOCK, 0x200000, TDX_4K), TDX_SUCCESS);
	assert_int_equal(h_accept(h, 0x200000, TDX_4K, &exited, &ex), TDX_SUCCESS);
	expect_exit(&ex, 0x200000, 0, 0, TDX_SEPT_BLOCKED, true);
	/* below an NL_BLOCKED table */
	assert_int_equal(h_plain(h, TDH_MEM_RANGE_BLOCK, 0x200000, TDX_2M), TDX_SUCCESS);
	assert_int_equal(h_accept(h, 0x201000, TDX_4K, &exited, &ex), TDX_SUCCESS);
	expect_exit(&ex, 0x201000, 0, 1, TDX_SEPT_NL_BLOCKED, false);
	assert_int_equal(h_accept(h, 0x200000, TDX_2M, &exited, &ex), TDX_PAGE_SIZE_MISMATCH | 1);
	/* PENDING_BLOCKED at the requested level */
	assert_int_equal(h_aug(h, 0x400000, TDX_2M), TDX_SUCCESS);
	assert_int_equal(h_plain(h, TDH_MEM_RANGE_BLOCK, 0x400000, TDX_2M), TDX_SUCCESS);
	assert_int_equal(h_accept(h, 0x400000, TDX_2M, &exited, &ex), TDX_SUCCESS);
	expect_exit(&ex, 0x400000, 1, 1, TDX_SEPT_PENDING_BLOCKED, true);
	assert_int_equal(h_check(h), 0);
	h_destroy(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sept_add_checks),
		cmocka_unit_test(test_ext_info_2_0),
		cmocka_unit_test(test_aug_checks),
		cmocka_unit_test(test_page_add_and_finalize),
		cmocka_unit_test(test_block_checks),
		cmocka_unit_test(test_unblock),
		cmocka_unit_test(test_remove_checks),
		cmocka_unit_test(test_sept_remove_checks),
		cmocka_unit_test(test_demote_order),
		cmocka_unit_test(test_demote_pair_order),
		cmocka_unit_test(test_promote_conditions),
		cmocka_unit_test(test_accept_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
