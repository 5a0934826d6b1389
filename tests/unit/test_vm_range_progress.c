// SPDX-License-Identifier: GPL-2.0-only
/*
 * Range operations that report progress, under policy=recover, when the
 * third PAGE.REMOVE fails: they return -EAGAIN and report exactly the
 * leaves removed before the failure (GFN order); retrying from there
 * completes them.  Under the upstream policy the VM is bugged and nothing
 * is reported done.  On success *done is the size.
 *
 * kvm_set_memory_attributes_progress (issue 9): the part done is shared.
 * kvm_gmem_punch_hole_progress: the part done is punched too (its backing
 * freed), the rest stays mapped, backed and accepted.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>

#include <cmocka.h>

#include "tdpmmu/base.h"
#include "tdpmmu/vm.h"
#include "tdpmmu/vm_inspect.h"

#define M (1ULL << 20)

static struct kvm *vm_new(enum tdx_error_policy policy)
{
	struct kvm_config cfg;
	struct kvm *kvm = NULL;

	kvm_config_default(&cfg);
	cfg.mem = 32 * M;
	cfg.policy = policy;
	cfg.vcpu_threads = false;
	cfg.seed = 1;
	assert_int_equal(kvm_create(&cfg, &kvm), 0);
	assert_int_equal(kvm_tdx_finalize(kvm), TDX_SUCCESS);
	return kvm;
}

static void run(enum tdx_error_policy policy, int level)
{
	struct kvm *kvm = vm_new(policy);
	u64 unit = level == PG_LEVEL_2M ? 2 * M : 0x1000, done = 12345, status;
	enum kvm_guest_result res;

	for (int i = 0; i < 4; i++) {
		res = kvm_guest_accept(kvm, 0, 4 * M + i * unit, level, &status);
		assert_int_equal(res, KVM_GUEST_STATUS);
		assert_int_equal(status, TDX_SUCCESS);
	}
	/* The third REMOVE fails: two leaves went, two stay. */
	assert_int_equal(kvm_inject_leaf(kvm, TDH_MEM_PAGE_REMOVE, TDX_OPERAND_INVALID, 1, 2), 0);
	if (policy == TDX_POLICY_RECOVER) {
		assert_int_equal(
			kvm_set_memory_attributes_progress(kvm, 4 * M, 4 * unit, false, &done),
			-EAGAIN);
		assert_int_equal(done, 2 * unit);
		assert_false(kvm_is_bugged(kvm));
		/* Converted part: shared; the rest: private and still accepted. */
		assert_int_equal(kvm_guest_access(kvm, 0, 4 * M + unit, false, false),
				 KVM_GUEST_EXIT_MEMORY_FAULT);
		assert_int_equal(kvm_guest_access(kvm, 0, 4 * M + unit, true, false), KVM_GUEST_OK);
		assert_int_equal(kvm_guest_access(kvm, 0, 4 * M + 2 * unit, false, false),
				 KVM_GUEST_OK);
		assert_int_equal(kvm_set_memory_attributes_progress(kvm, 4 * M + done,
								    4 * unit - done, false, &done),
				 0);
		assert_int_equal(done, 2 * unit);
		assert_int_equal(tdxmod_check(kvm_tdx_td(kvm), NULL, NULL), 0);
	} else {
		assert_int_equal(
			kvm_set_memory_attributes_progress(kvm, 4 * M, 4 * unit, false, &done),
			-EIO);
		assert_int_equal(done, 0);
		assert_true(kvm_is_bugged(kvm));
	}
	kvm_destroy(kvm);
	assert_int_equal(kvm_destroy_leaked_bytes(), 0);
}

static void run_punch(enum tdx_error_policy policy, int level)
{
	struct kvm *kvm = vm_new(policy);
	struct frame_allocator *fa = kvm_frame_allocator(kvm);
	u64 unit = level == PG_LEVEL_2M ? 2 * M : 0x1000, done = 12345, status, before;
	enum kvm_guest_result res;

	for (int i = 0; i < 4; i++) {
		res = kvm_guest_accept(kvm, 0, 4 * M + i * unit, level, &status);
		assert_int_equal(res, KVM_GUEST_STATUS);
		assert_int_equal(status, TDX_SUCCESS);
	}
	before = frame_allocator_in_use(fa);
	/* The third REMOVE fails: two leaves went, two stay. */
	assert_int_equal(kvm_inject_leaf(kvm, TDH_MEM_PAGE_REMOVE, TDX_OPERAND_INVALID, 1, 2), 0);
	if (policy == TDX_POLICY_RECOVER) {
		assert_int_equal(kvm_gmem_punch_hole_progress(kvm, 4 * M, 4 * unit, &done),
				 -EAGAIN);
		assert_int_equal(done, 2 * unit);
		assert_false(kvm_is_bugged(kvm));
		/* The punched part's backing is gone, the rest's is not. */
		assert_int_equal(before - frame_allocator_in_use(fa), 2 * unit);
		/* The rest: still mapped and accepted. */
		assert_int_equal(kvm_guest_access(kvm, 0, 4 * M + 2 * unit, false, false),
				 KVM_GUEST_OK);
		assert_int_equal(tdxmod_check(kvm_tdx_td(kvm), NULL, NULL), 0);
		assert_int_equal(
			kvm_gmem_punch_hole_progress(kvm, 4 * M + done, 4 * unit - done, &done), 0);
		assert_int_equal(done, 2 * unit);
		assert_int_equal(before - frame_allocator_in_use(fa), 4 * unit);
		assert_int_equal(tdxmod_check(kvm_tdx_td(kvm), NULL, NULL), 0);
	} else {
		assert_int_equal(kvm_gmem_punch_hole_progress(kvm, 4 * M, 4 * unit, &done), -EIO);
		assert_int_equal(done, 0);
		assert_true(kvm_is_bugged(kvm));
		assert_int_equal(frame_allocator_in_use(fa), before);
	}
	kvm_destroy(kvm);
	assert_int_equal(kvm_destroy_leaked_bytes(), 0);
}

static void test_recover_2m(void **s)
{
	(void)s;
	run(TDX_POLICY_RECOVER, PG_LEVEL_2M);
}

static void test_recover_4k(void **s)
{
	(void)s;
	run(TDX_POLICY_RECOVER, PG_LEVEL_4K);
}

static void test_upstream_2m(void **s)
{
	(void)s;
	run(TDX_POLICY_UPSTREAM, PG_LEVEL_2M);
}

static void test_punch_recover_2m(void **s)
{
	(void)s;
	run_punch(TDX_POLICY_RECOVER, PG_LEVEL_2M);
}

static void test_punch_recover_4k(void **s)
{
	(void)s;
	run_punch(TDX_POLICY_RECOVER, PG_LEVEL_4K);
}

static void test_punch_upstream_2m(void **s)
{
	(void)s;
	run_punch(TDX_POLICY_UPSTREAM, PG_LEVEL_2M);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_recover_2m),	 cmocka_unit_test(test_recover_4k),
		cmocka_unit_test(test_upstream_2m),	 cmocka_unit_test(test_punch_recover_2m),
		cmocka_unit_test(test_punch_recover_4k), cmocka_unit_test(test_punch_upstream_2m),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
