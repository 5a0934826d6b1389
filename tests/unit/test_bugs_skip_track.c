// SPDX-License-Identifier: GPL-2.0-only
/*
 * TDPMMU_BUG_SKIP_TRACK: BLOCK is followed by DEMOTE (split) or REMOVE
 * (punch) with no TRACK, so the blocked entry's epoch never becomes
 * tracked.  The module must refuse (TDX_TLB_TRACKING_NOT_DONE), leaving
 * the entry blocked, and the VM is bugged -- even with every vCPU outside
 * the TD.  With the switch off both flows succeed and the checker is clean.
 */
#include "test_checker_harness.h"

enum flow { FLOW_SPLIT, FLOW_PUNCH };

static void run(bool bug, enum flow flow)
{
	int rc, level = flow == FLOW_SPLIT ? PG_LEVEL_2M : PG_LEVEL_4K;
	struct kvm *kvm = vm_make((struct vm_opts){.max_level = level, .finalize = true});
	struct tdxmod_sept_entry_info info;

	tdpmmu_bugs = bug ? 1u << TDPMMU_BUG_SKIP_TRACK : 0;
	accept_ok(kvm, 0, 0, level);
	assert_int_equal(kvm_mirror_lookup(kvm, 0, &rc, NULL), true);
	assert_int_equal(rc, level);
	assert_int_equal(kvm_guest_access(kvm, 0, 0, false, false), KVM_GUEST_OK);
	kvm_raw_vcpu_exit(kvm, 0);
	assert_clean(kvm);

	rc = flow == FLOW_SPLIT ? kvm_split_range(kvm, 0, PAGE_SIZE, PG_LEVEL_4K)
				: kvm_gmem_punch_hole(kvm, 0, PAGE_SIZE);
	assert_int_equal(
		tdxmod_sept_lookup(kvm_tdx_td(kvm), 0, pg_level_to_tdx_sept_level(level), &info),
		0);
	if (bug) {
		assert_int_equal(rc, -EIO);
		assert_true(kvm_is_bugged(kvm));
		assert_int_equal(leaf_calls(kvm, TDH_MEM_TRACK), 0);
		assert_int_equal(info.state, TDX_SEPT_BLOCKED);
	} else {
		assert_int_equal(rc, 0);
		assert_false(kvm_is_bugged(kvm));
		assert_true(leaf_calls(kvm, TDH_MEM_TRACK) >= 1);
		assert_int_equal(info.state,
				 flow == FLOW_SPLIT ? TDX_SEPT_NL_MAPPED : TDX_SEPT_FREE);
		assert_clean(kvm);
	}
	tdpmmu_bugs = 0;
	kvm_destroy(kvm);
}

static void test_split_off_clean(void **state)
{
	(void)state;
	run(false, FLOW_SPLIT);
}

static void test_split_on_caught(void **state)
{
	(void)state;
	run(true, FLOW_SPLIT);
}

static void test_punch_off_clean(void **state)
{
	(void)state;
	run(false, FLOW_PUNCH);
}

static void test_punch_on_caught(void **state)
{
	(void)state;
	run(true, FLOW_PUNCH);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_split_off_clean),
		cmocka_unit_test(test_split_on_caught),
		cmocka_unit_test(test_punch_off_clean),
		cmocka_unit_test(test_punch_on_caught),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
