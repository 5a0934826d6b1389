// SPDX-License-Identifier: GPL-2.0-only
/*
 * TDPMMU_BUG_ZAP_WITHOUT_SPLIT: a punch or a conversion to shared zaps
 * without first splitting the private huge leaf that crosses the range's
 * ends.  Zapping the whole 2M leaf would unmap (and un-accept) memory
 * outside the range; the MMU's zap refuses a partial mirror leaf
 * (KVM_BUG_ON): the operation fails with EIO, the VM is bugged, and the
 * S-EPT still maps the 2M page untouched.  With the switch off the 2M leaf
 * is split and only the range goes, and the checker is clean.
 */
#include "test_checker_harness.h"

static void run(bool bug, bool punch)
{
	struct kvm *kvm = vm_make((struct vm_opts){.finalize = true});
	struct tdxmod_sept_entry_info info;
	int level = 0, rc;

	tdpmmu_bugs = bug ? 1u << TDPMMU_BUG_ZAP_WITHOUT_SPLIT : 0;
	accept_ok(kvm, 0, 2 * MiB, PG_LEVEL_2M);
	assert_clean(kvm);
	rc = punch ? kvm_gmem_punch_hole(kvm, 2 * MiB + 0x3000, 0x2000)
		   : kvm_set_memory_attributes(kvm, 2 * MiB + 0x3000, 0x2000, false);
	assert_int_equal(tdxmod_sept_lookup(kvm_tdx_td(kvm), 2 * MiB, 1, &info), 0);
	if (bug) {
		assert_int_equal(rc, -EIO);
		assert_true(kvm_is_bugged(kvm));
		assert_int_equal(info.state, TDX_SEPT_MAPPED);
		assert_int_equal(leaf_calls(kvm, TDH_MEM_PAGE_DEMOTE), 0);
	} else {
		assert_int_equal(rc, 0);
		assert_false(kvm_is_bugged(kvm));
		assert_int_equal(info.state, TDX_SEPT_NL_MAPPED);
		assert_true(kvm_mirror_lookup(kvm, 2 * MiB, &level, NULL));
		assert_int_equal(level, PG_LEVEL_4K);
		assert_false(kvm_mirror_lookup(kvm, 2 * MiB + 0x3000, NULL, NULL));
		assert_clean(kvm);
	}
	tdpmmu_bugs = 0;
	kvm_destroy(kvm);
}

static void test_punch_off_clean(void **state)
{
	(void)state;
	run(false, true);
}

static void test_punch_on_caught(void **state)
{
	(void)state;
	run(true, true);
}

static void test_convert_off_clean(void **state)
{
	(void)state;
	run(false, false);
}

static void test_convert_on_caught(void **state)
{
	(void)state;
	run(true, false);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_punch_off_clean),
		cmocka_unit_test(test_punch_on_caught),
		cmocka_unit_test(test_convert_off_clean),
		cmocka_unit_test(test_convert_on_caught),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
