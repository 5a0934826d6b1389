// SPDX-License-Identifier: GPL-2.0-only
/*
 * TDPMMU_BUG_SKIP_REMOTE_TLB_FLUSH ("skip_remote_tlb_flush"): a zap of the
 * direct root (the shared EPT) returns without kvm_flush_remote_tlbs, so a
 * vCPU keeps using a shared translation the direct root no longer gives.
 * The checker's [shared-tlb] rule must catch it after a conversion back
 * to private; with the switch off the flush empties the vCPUs' TLBs and
 * the checker is clean.  A shared access served from the TLB must not
 * walk (or fault) again.
 */
#include "test_checker_harness.h"

static void run(bool bug)
{
	struct kvm *kvm = vm_make((struct vm_opts){.finalize = true, .vcpus = 2});
	struct kvm_counters c0, c1;

	tdpmmu_bugs = bug ? 1u << TDPMMU_BUG_SKIP_REMOTE_TLB_FLUSH : 0;
	assert_int_equal(kvm_set_memory_attributes(kvm, 2 * MiB, 2 * MiB, false), 0);
	/* Both vCPUs touch the shared page: one fault, then TLB fills. */
	assert_int_equal(kvm_guest_access(kvm, 0, 2 * MiB + 0x5000, true, false), KVM_GUEST_OK);
	assert_int_equal(kvm_guest_access(kvm, 1, 2 * MiB + 0x5000, true, false), KVM_GUEST_OK);
	kvm_get_counters(kvm, &c0);
	/* A TLB hit: no EPT violation. */
	assert_int_equal(kvm_guest_access(kvm, 0, 2 * MiB + 0x5000, true, true), KVM_GUEST_OK);
	kvm_get_counters(kvm, &c1);
	assert_int_equal(c1.faults, c0.faults);
	assert_clean(kvm);

	/* Back to private: the direct root's leaf is zapped. */
	assert_int_equal(kvm_set_memory_attributes(kvm, 2 * MiB, 2 * MiB, true), 0);
	kvm_get_counters(kvm, &c1);
	if (bug) {
		assert_int_equal(c1.remote_tlb_flushes, c0.remote_tlb_flushes);
		assert_reported(kvm, "shared-tlb");
		assert_int_equal(reported("shared-tlb"), 2); /* one per vCPU */
	} else {
		assert_int_equal(c1.remote_tlb_flushes, c0.remote_tlb_flushes + 1);
		assert_clean(kvm);
		/* The shared access no longer completes from a stale entry. */
		assert_int_equal(kvm_guest_access(kvm, 0, 2 * MiB + 0x5000, true, false),
				 KVM_GUEST_EXIT_MEMORY_FAULT);
	}
	tdpmmu_bugs = 0;
	kvm_destroy(kvm);
}

static void test_off_clean(void **state)
{
	(void)state;
	run(false);
}

static void test_on_caught(void **state)
{
	(void)state;
	run(true);
}

/* A direct-root table replaced by a huge leaf flushes too (KVM does). */
static void test_table_to_huge_flushes(void **state)
{
	struct kvm *kvm = vm_make((struct vm_opts){.finalize = true});
	struct kvm_counters c0, c1;
	int level = 0;

	(void)state;
	assert_int_equal(kvm_set_memory_attributes(kvm, 2 * MiB, 0x1000, false), 0);
	/* Mixed 2M: the shared page is mapped 4K, under a direct table. */
	assert_int_equal(kvm_guest_access(kvm, 0, 2 * MiB, true, false), KVM_GUEST_OK);
	assert_int_equal(kvm_set_memory_attributes(kvm, 2 * MiB + 0x1000, 2 * MiB - 0x1000, false),
			 0);
	kvm_get_counters(kvm, &c0);
	assert_int_equal(kvm_guest_access(kvm, 0, 2 * MiB + 0x8000, true, false), KVM_GUEST_OK);
	kvm_get_counters(kvm, &c1);
	assert_int_equal(c1.remote_tlb_flushes, c0.remote_tlb_flushes + 1);
	read_lock(kvm_mmu_lock(kvm_get_mmu(kvm)));
	assert_true(kvm_tdp_mmu_lookup(kvm_get_mmu(kvm), gpa_to_gfn(2 * MiB), false, &level, NULL));
	read_unlock(kvm_mmu_lock(kvm_get_mmu(kvm)));
	assert_int_equal(level, PG_LEVEL_2M);
	assert_clean(kvm);
	kvm_destroy(kvm);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_off_clean),
		cmocka_unit_test(test_on_caught),
		cmocka_unit_test(test_table_to_huge_flushes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
