// SPDX-License-Identifier: GPL-2.0-only
/*
 * Dynamic PAMT page caches (issue 9): each vCPU's faults take pages from
 * that vCPU's cache, topped up before the fault takes mmu_lock; the
 * host-side paths (TD build, punch, conversion) use the VM's cache.  No
 * locked section allocates, so with enough pages cached none of them
 * finds its cache empty, and the checker (frame balance included) is
 * clean.  Each test runs with vCPU threads and in single-thread mode.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>

#include <cmocka.h>

#include "checker.h"
#include "tdpmmu/vm.h"

#define M (1ULL << 20)

static void report(void *arg, const char *msg)
{
	(void)arg;
	print_message("checker: %s\n", msg);
}

static void run(bool threads)
{
	struct kvm_config cfg;
	struct kvm_counters c;
	struct kvm *kvm = NULL;
	u64 status = 0;

	kvm_config_default(&cfg);
	cfg.mem = 16 * M;
	cfg.nr_vcpus = 2;
	cfg.module = TDX_MODULE_2_0;
	cfg.dpamt = true;
	cfg.vcpu_threads = threads;
	cfg.seed = 1;
	assert_int_equal(kvm_create(&cfg, &kvm), 0);

	/* TD build runs on the host: the VM's cache. */
	assert_int_equal(kvm_tdx_init_mem_region(kvm, 0x100000, 16 * 1024, &status), 0);
	assert_true(kvm_dpamt_cached_pages(kvm, -1) > 0);
	assert_int_equal(kvm_dpamt_cached_pages(kvm, 0), 0);
	assert_int_equal(kvm_dpamt_cached_pages(kvm, 1), 0);
	assert_int_equal(kvm_tdx_finalize(kvm), TDX_SUCCESS);

	/* vCPU 1's 4K accept: its fault tops up and uses vCPU 1's cache only. */
	assert_int_equal(kvm_guest_accept(kvm, 1, 4 * M + 0x3000, PG_LEVEL_4K, &status),
			 KVM_GUEST_STATUS);
	assert_int_equal(status, TDX_SUCCESS);
	assert_true(kvm_dpamt_cached_pages(kvm, 1) > 0);
	assert_int_equal(kvm_dpamt_cached_pages(kvm, 0), 0);

	/* vCPU 0 maps 2M, then the host punches inside it: a host-side split. */
	assert_int_equal(kvm_guest_accept(kvm, 0, 8 * M, PG_LEVEL_2M, &status), KVM_GUEST_STATUS);
	assert_int_equal(status, TDX_SUCCESS);
	assert_true(kvm_dpamt_cached_pages(kvm, 0) > 0);
	assert_int_equal(kvm_gmem_punch_hole(kvm, 8 * M + 0x5000, 0x1000), 0);
	assert_int_equal(kvm_set_memory_attributes(kvm, 8 * M + 0x9000, 0x1000, false), 0);

	kvm_get_counters(kvm, &c);
	assert_int_equal(c.dpamt_cache_empty, 0);
	assert_int_equal(c.vm_bugged, 0);
	assert_int_equal(tdpmmu_check(kvm, report, NULL), 0);
	kvm_destroy(kvm);
	assert_int_equal(kvm_destroy_leaked_bytes(), 0);
}

static void test_threads(void **s)
{
	(void)s;
	run(true);
}

static void test_single(void **s)
{
	(void)s;
	run(false);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_threads),
		cmocka_unit_test(test_single),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
