// SPDX-License-Identifier: GPL-2.0-only
/*
 * vm/ end to end: TD build and finalize, guest accept/access, conversion,
 * punch hole, host split, accept below the mapping, fault injection
 * (ENOMEM mid-conversion, BUSY on DEMOTE, INTERRUPTED_RESTARTABLE), DPAMT,
 * and a clean teardown (every frame freed).  Each test runs with vCPU
 * threads and in single-thread mode.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>

#include <cmocka.h>

#include "tdpmmu/vm.h"
#include "tdpmmu/vm_inspect.h"

#define M (1ULL << 20)

static struct kvm *vm_new(bool threads, u64 mem, int vcpus, int module, bool dpamt)
{
	struct kvm_config cfg;
	struct kvm *kvm = NULL;

	kvm_config_default(&cfg);
	cfg.mem = mem;
	cfg.nr_vcpus = vcpus;
	cfg.module = module;
	cfg.dpamt = dpamt;
	cfg.vcpu_threads = threads;
	cfg.seed = 1;
	assert_int_equal(kvm_create(&cfg, &kvm), 0);
	return kvm;
}

static void vm_free(struct kvm *kvm)
{
	kvm_destroy(kvm);
	assert_int_equal(kvm_destroy_leaked_bytes(), 0);
}

static int sept(struct kvm *kvm, gpa_t gpa, int pg_level)
{
	struct tdxmod_sept_entry_info info;

	if (tdxmod_sept_lookup(kvm_tdx_td(kvm), gpa, pg_level_to_tdx_sept_level(pg_level), &info))
		return -1;
	return info.state;
}

static int mirror_level(struct kvm *kvm, gpa_t gpa)
{
	int level = 0;

	if (!kvm_mirror_lookup(kvm, gpa, &level, NULL))
		return 0;
	return level;
}

static u64 leaf(struct kvm *kvm, enum tdxmod_leaf l)
{
	struct kvm_counters c;

	kvm_get_counters(kvm, &c);
	return c.leaf_calls[l];
}

static struct kvm_counters counters(struct kvm *kvm)
{
	struct kvm_counters c;

	kvm_get_counters(kvm, &c);
	return c;
}

static void accept_ok(struct kvm *kvm, int vcpu, gpa_t gpa, int level)
{
	u64 status = ~0ULL;

	assert_int_equal(kvm_guest_accept(kvm, vcpu, gpa, level, &status), KVM_GUEST_STATUS);
	assert_int_equal(status, TDX_SUCCESS);
}

static int check_report(struct kvm *kvm)
{
	return tdxmod_check(kvm_tdx_td(kvm), NULL, NULL);
}

/* td-lifecycle: build 4K, finalize, accept 2M, share 4K of it, shared access. */
static void lifecycle(bool threads)
{
	struct kvm *kvm = vm_new(threads, 64 * M, 2, TDX_MODULE_1_5, false);
	u64 status = 0;

	assert_int_equal(kvm_tdx_init_mem_region(kvm, 0x100000, 16 * 1024, &status), 0);
	assert_int_equal(status, TDX_SUCCESS);
	assert_int_equal(leaf(kvm, TDH_MEM_PAGE_ADD), 4);
	assert_int_equal(mirror_level(kvm, 0x100000), PG_LEVEL_4K);
	assert_int_equal(sept(kvm, 0x100000, PG_LEVEL_4K), TDX_SEPT_MAPPED);
	assert_int_equal(kvm_tdx_finalize(kvm), TDX_SUCCESS);

	accept_ok(kvm, 0, 0x400000, PG_LEVEL_2M);
	assert_int_equal(mirror_level(kvm, 0x400000), PG_LEVEL_2M);
	assert_int_equal(sept(kvm, 0x400000, PG_LEVEL_2M), TDX_SEPT_MAPPED);

	assert_int_equal(kvm_set_memory_attributes(kvm, 0x401000, 4096, false), 0);
	assert_int_equal(sept(kvm, 0x400000, PG_LEVEL_2M), TDX_SEPT_NL_MAPPED);
	assert_int_equal(sept(kvm, 0x401000, PG_LEVEL_4K), TDX_SEPT_FREE);
	assert_int_equal(sept(kvm, 0x402000, PG_LEVEL_4K), TDX_SEPT_MAPPED);
	assert_int_equal(mirror_level(kvm, 0x402000), PG_LEVEL_4K);
	assert_int_equal(mirror_level(kvm, 0x401000), 0);
	assert_int_equal(counters(kvm).splits, 1);
	assert_int_equal(leaf(kvm, TDH_MEM_PAGE_DEMOTE), 1);

	assert_int_equal(kvm_guest_access(kvm, 1, 0x401000, true, true), KVM_GUEST_OK);
	/* A private access to the shared page is an exit to userspace. */
	assert_int_equal(kvm_guest_access(kvm, 1, 0x401000, false, false),
			 KVM_GUEST_EXIT_MEMORY_FAULT);
	/* And back to private: huge allowed again, the page must be accepted anew. */
	assert_int_equal(kvm_set_memory_attributes(kvm, 0x401000, 4096, true), 0);
	assert_int_equal(kvm_guest_access(kvm, 0, 0x401000, false, false), KVM_GUEST_VE);
	accept_ok(kvm, 0, 0x401000, PG_LEVEL_4K);
	assert_int_equal(kvm_guest_access(kvm, 0, 0x401000, false, true), KVM_GUEST_OK);
	assert_int_equal(check_report(kvm), 0);
	assert_int_equal(counters(kvm).vm_bugged, 0);
	vm_free(kvm);
}

static void test_lifecycle_threads(void **s)
{
	(void)s;
	lifecycle(true);
}

static void test_lifecycle_single(void **s)
{
	(void)s;
	lifecycle(false);
}

/* Access maps 2M PENDING; a 4K accept splits it and sets the guest inhibit. */
static void accept_below_mapping(bool threads)
{
	struct kvm *kvm = vm_new(threads, 32 * M, 1, TDX_MODULE_1_5, false);
	struct kvm_counters c;

	assert_int_equal(kvm_tdx_finalize(kvm), TDX_SUCCESS);
	assert_int_equal(kvm_guest_access(kvm, 0, 0x600000, false, false), KVM_GUEST_VE);
	assert_int_equal(mirror_level(kvm, 0x600000), PG_LEVEL_2M);
	assert_int_equal(sept(kvm, 0x600000, PG_LEVEL_2M), TDX_SEPT_PENDING);
	accept_ok(kvm, 0, 0x601000, PG_LEVEL_4K);
	assert_int_equal(sept(kvm, 0x600000, PG_LEVEL_2M), TDX_SEPT_NL_MAPPED);
	assert_int_equal(sept(kvm, 0x601000, PG_LEVEL_4K), TDX_SEPT_MAPPED);
	assert_int_equal(sept(kvm, 0x602000, PG_LEVEL_4K), TDX_SEPT_PENDING);
	c = counters(kvm);
	assert_int_equal(c.leaf_calls[TDH_MEM_PAGE_DEMOTE], 1);
	assert_int_equal(c.leaf_calls[TDH_MEM_RANGE_BLOCK], 1);
	assert_int_equal(c.leaf_calls[TDH_MEM_TRACK], 1);
	assert_int_equal(c.guest_inhibits, 1);
	assert_int_equal(c.splits, 1);
	/* Second 4K accept in the range: no new split, no write lock for a split. */
	accept_ok(kvm, 0, 0x602000, PG_LEVEL_4K);
	assert_int_equal(counters(kvm).leaf_calls[TDH_MEM_PAGE_DEMOTE], 1);
	/* A fresh 4K accept elsewhere maps 4K directly (Linux-guest flow). */
	accept_ok(kvm, 0, 0x801000, PG_LEVEL_4K);
	assert_int_equal(mirror_level(kvm, 0x801000), PG_LEVEL_4K);
	assert_int_equal(counters(kvm).leaf_calls[TDH_MEM_PAGE_DEMOTE], 1);
	assert_int_equal(check_report(kvm), 0);
	vm_free(kvm);
}

static void test_accept_below_threads(void **s)
{
	(void)s;
	accept_below_mapping(true);
}

static void test_accept_below_single(void **s)
{
	(void)s;
	accept_below_mapping(false);
}

/* Punch 4K in a 2M mapping: split, zap one page, folio split: 4K forever. */
static void test_punch(void **s)
{
	struct kvm *kvm = vm_new(true, 32 * M, 1, TDX_MODULE_1_5, false);

	(void)s;
	assert_int_equal(kvm_tdx_finalize(kvm), TDX_SUCCESS);
	accept_ok(kvm, 0, 0x200000, PG_LEVEL_2M);
	assert_int_equal(kvm_gmem_punch_hole(kvm, 0x203000, 4096), 0);
	assert_int_equal(sept(kvm, 0x200000, PG_LEVEL_2M), TDX_SEPT_NL_MAPPED);
	assert_int_equal(sept(kvm, 0x203000, PG_LEVEL_4K), TDX_SEPT_FREE);
	assert_int_equal(mirror_level(kvm, 0x204000), PG_LEVEL_4K);
	/* Re-fault of the hole: 4K (the folio was split). */
	accept_ok(kvm, 0, 0x203000, PG_LEVEL_4K);
	assert_int_equal(mirror_level(kvm, 0x203000), PG_LEVEL_4K);
	/* Punch the whole 2M: everything gone; then it may be 2M again. */
	assert_int_equal(kvm_gmem_punch_hole(kvm, 0x200000, 2 * M), 0);
	assert_int_equal(mirror_level(kvm, 0x200000), 0);
	assert_int_equal(kvm_gmem_punch_hole(kvm, 0x800000, 2 * M), 0); /* no folio: no-op */
	/* (0x200000 stays 4K: the 4K accept set the one-way guest inhibit.) */
	accept_ok(kvm, 0, 0x400000, PG_LEVEL_2M);
	assert_int_equal(mirror_level(kvm, 0x400000), PG_LEVEL_2M);
	assert_int_equal(check_report(kvm), 0);
	vm_free(kvm);
}

/* ENOMEM during a conversion's split: the operation fails, the VM lives. */
static void test_enomem_conversion(void **s)
{
	struct kvm *kvm = vm_new(true, 32 * M, 1, TDX_MODULE_1_5, false);

	(void)s;
	assert_int_equal(kvm_tdx_finalize(kvm), TDX_SUCCESS);
	accept_ok(kvm, 0, 0x200000, PG_LEVEL_2M);
	assert_int_equal(kvm_inject_alloc_fail(kvm, 100, 0), 0);
	assert_int_equal(kvm_set_memory_attributes(kvm, 0x201000, 4096, false), -ENOMEM);
	assert_false(kvm_is_bugged(kvm));
	assert_int_equal(mirror_level(kvm, 0x200000), PG_LEVEL_2M);
	assert_int_equal(sept(kvm, 0x200000, PG_LEVEL_2M), TDX_SEPT_MAPPED);
	/* Attributes unchanged: a private access still works. */
	assert_int_equal(kvm_guest_access(kvm, 0, 0x201000, false, true), KVM_GUEST_OK);
	/* Use up the remaining failures, then it works. */
	while (kvm_set_memory_attributes(kvm, 0x201000, 4096, false) == -ENOMEM)
		;
	assert_int_equal(mirror_level(kvm, 0x201000), 0);
	assert_int_equal(mirror_level(kvm, 0x202000), PG_LEVEL_4K);
	assert_int_equal(kvm_guest_access(kvm, 0, 0x201000, true, true), KVM_GUEST_OK);
	assert_int_equal(check_report(kvm), 0);
	vm_free(kvm);
}

/* BUSY on DEMOTE: kick + retry; INTERRUPTED_RESTARTABLE: retried. */
static void test_demote_busy_interrupted(void **s)
{
	struct kvm *kvm = vm_new(true, 32 * M, 2, TDX_MODULE_1_5, false);
	struct kvm_counters c;

	(void)s;
	assert_int_equal(kvm_tdx_finalize(kvm), TDX_SUCCESS);
	accept_ok(kvm, 0, 0x200000, PG_LEVEL_2M);
	accept_ok(kvm, 1, 0x400000, PG_LEVEL_2M);
	assert_int_equal(kvm_inject_leaf(kvm, TDH_MEM_PAGE_DEMOTE, TDX_OPERAND_BUSY | 1, 1, 0), 0);
	assert_int_equal(kvm_split_range(kvm, 0x200000, 4096, PG_LEVEL_4K), 0);
	c = counters(kvm);
	assert_int_equal(c.leaf_calls[TDH_MEM_PAGE_DEMOTE], 2);
	assert_int_equal(c.busy_retries, 1);
	assert_int_equal(c.kicks, 2);
	assert_int_equal(sept(kvm, 0x200000, PG_LEVEL_2M), TDX_SEPT_NL_MAPPED);

	assert_int_equal(
		kvm_inject_leaf(kvm, TDH_MEM_PAGE_DEMOTE, TDX_INTERRUPTED_RESTARTABLE, 2, 0), 0);
	assert_int_equal(kvm_split_range(kvm, 0x400000, 2 * M, PG_LEVEL_4K), 0);
	c = counters(kvm);
	assert_int_equal(c.leaf_calls[TDH_MEM_PAGE_DEMOTE], 5);
	assert_int_equal(c.vm_bugged, 0);
	assert_int_equal(sept(kvm, 0x400000, PG_LEVEL_2M), TDX_SEPT_NL_MAPPED);
	/* Both vCPUs were kicked out and can run again. */
	assert_int_equal(kvm_guest_access(kvm, 1, 0x400000, false, true), KVM_GUEST_OK);
	assert_int_equal(check_report(kvm), 0);
	vm_free(kvm);
}

/* An unexpected DEMOTE status bugs the VM (UPSTREAM): EIO everywhere. */
static void test_bugged(void **s)
{
	struct kvm *kvm = vm_new(true, 32 * M, 1, TDX_MODULE_1_5, false);
	u64 status;

	(void)s;
	assert_int_equal(kvm_tdx_finalize(kvm), TDX_SUCCESS);
	accept_ok(kvm, 0, 0x200000, PG_LEVEL_2M);
	assert_int_equal(
		kvm_inject_leaf(kvm, TDH_MEM_PAGE_DEMOTE, TDX_EPT_ENTRY_STATE_INCORRECT | 1, 1, 0),
		0);
	assert_int_equal(kvm_split_range(kvm, 0x200000, 4096, PG_LEVEL_4K), -EIO);
	assert_true(kvm_is_bugged(kvm));
	assert_int_equal(counters(kvm).vm_bugged, 1);
	assert_int_equal(kvm_set_memory_attributes(kvm, 0, 4096, false), -EIO);
	assert_int_equal(kvm_gmem_punch_hole(kvm, 0, 4096), -EIO);
	assert_int_equal(kvm_guest_accept(kvm, 0, 0x600000, PG_LEVEL_4K, &status), KVM_GUEST_EIO);
	assert_int_equal(kvm_guest_access(kvm, 0, 0x600000, false, false), KVM_GUEST_EIO);
	kvm_destroy(kvm);
}

/* DPAMT on module 2.0: 4K mappings get pairs, a split sets the region to 512. */
static void test_dpamt(void **s)
{
	struct kvm *kvm = vm_new(true, 32 * M, 1, TDX_MODULE_2_0, true);
	struct tdxmod_pamt_info pi;
	kvm_pfn_t pfn;
	int level;

	(void)s;
	assert_int_equal(kvm_tdx_init_mem_region(kvm, 0, 8192, NULL), 0);
	assert_true(leaf(kvm, TDH_PHYMEM_PAMT_ADD) >= 1);
	assert_int_equal(kvm_tdx_finalize(kvm), TDX_SUCCESS);
	accept_ok(kvm, 0, 0x200000, PG_LEVEL_2M);
	assert_int_equal(kvm_set_memory_attributes(kvm, 0x200000, 4096, false), 0);
	assert_true(kvm_mirror_lookup(kvm, 0x201000, &level, &pfn));
	assert_int_equal(level, PG_LEVEL_4K);
	assert_int_equal(tdxmod_pamt_lookup(kvm_tdx_module(kvm), pfn << 12, &pi), 0);
	assert_true(pi.dpamt_pair);
	assert_int_equal(pi.dpamt_page_count, 511);
	assert_int_equal(check_report(kvm), 0);
	assert_false(kvm_is_bugged(kvm));
	vm_free(kvm);
}

/* The Linux-like accept of a range, and max_level=1G falling back. */
static void test_accept_memory(void **s)
{
	struct kvm_config cfg;
	struct kvm *kvm = NULL;
	u64 m[PG_LEVEL_512G + 1];

	(void)s;
	kvm_config_default(&cfg);
	cfg.mem = 1ULL << 30;
	cfg.max_level = PG_LEVEL_1G;
	assert_int_equal(kvm_create(&cfg, &kvm), 0);
	assert_int_equal(kvm_tdx_finalize(kvm), TDX_SUCCESS);
	assert_int_equal(kvm_guest_accept_memory(kvm, 0, 0, 8 * M + 8192), 0);
	kvm_count_mappings(kvm, m);
	assert_int_equal(m[PG_LEVEL_2M], 4);
	assert_int_equal(m[PG_LEVEL_4K], 2);
	assert_int_equal(m[PG_LEVEL_1G], 0);
	assert_int_equal(check_report(kvm), 0);
	vm_free(kvm);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lifecycle_threads),
		cmocka_unit_test(test_lifecycle_single),
		cmocka_unit_test(test_accept_below_threads),
		cmocka_unit_test(test_accept_below_single),
		cmocka_unit_test(test_punch),
		cmocka_unit_test(test_enomem_conversion),
		cmocka_unit_test(test_demote_busy_interrupted),
		cmocka_unit_test(test_bugged),
		cmocka_unit_test(test_dpamt),
		cmocka_unit_test(test_accept_memory),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
