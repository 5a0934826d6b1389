// SPDX-License-Identifier: GPL-2.0-only
/*
 * TDPMMU_BUG_SKIP_KICK_AFTER_TRACK: the split's TRACK moves the epoch but
 * no vCPU is forced out, so a vCPU still inside the TD keeps the old epoch
 * (and its cached 2M translation).  The module must refuse the DEMOTE
 * (TDX_TLB_TRACKING_NOT_DONE) and the VM is bugged; with the switch off
 * the same split succeeds and the checker is clean.
 */
#include "test_checker_harness.h"

static void split_with_vcpu_inside(bool bug)
{
	struct kvm *kvm = vm_make((struct vm_opts){.vcpus = 2, .finalize = true});
	struct tdxmod_sept_entry_info info;
	struct kvm_counters c;
	int rc;

	tdpmmu_bugs = bug ? 1u << TDPMMU_BUG_SKIP_KICK_AFTER_TRACK : 0;
	accept_ok(kvm, 0, 0, PG_LEVEL_2M);
	assert_int_equal(kvm_guest_access(kvm, 0, 0x1000, false, false), KVM_GUEST_OK);
	assert_true(tdxmod_vcpu_in_td(kvm_tdx_td(kvm), 0));
	assert_clean(kvm);

	rc = kvm_split_range(kvm, 0, PAGE_SIZE, PG_LEVEL_4K);
	kvm_get_counters(kvm, &c);
	assert_int_equal(leaf_calls(kvm, TDH_MEM_TRACK), 1);
	assert_int_equal(tdxmod_sept_lookup(kvm_tdx_td(kvm), 0, 1, &info), 0);
	if (bug) {
		assert_int_equal(rc, -EIO);
		assert_true(kvm_is_bugged(kvm));
		assert_int_equal(c.kicks, 0);
		/* The module refused: the entry stays blocked, not demoted. */
		assert_int_equal(info.state, TDX_SEPT_BLOCKED);
	} else {
		assert_int_equal(rc, 0);
		assert_false(kvm_is_bugged(kvm));
		assert_true(c.kicks >= 1);
		assert_int_equal(info.state, TDX_SEPT_NL_MAPPED);
		assert_clean(kvm);
	}
	tdpmmu_bugs = 0;
	kvm_destroy(kvm);
}

static void test_off_clean(void **state)
{
	(void)state;
	split_with_vcpu_inside(false);
}

static void test_on_caught(void **state)
{
	(void)state;
	split_with_vcpu_inside(true);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_off_clean),
		cmocka_unit_test(test_on_caught),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
