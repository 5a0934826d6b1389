// SPDX-License-Identifier: GPL-2.0-only
/*
 * The checker is checked, rule by rule: each test builds one violation
 * (raw SEAMCALLs that desynchronise the module from the mirror, or MMU
 * faults with a PFN of the test's choosing) and asserts that exactly that
 * rule is reported; the clean lifecycle asserts no rule fires on a correct
 * run.
 */
#include "test_checker_harness.h"

/* Build, finalize, accept huge and small, split, convert, punch: clean. */
static void test_clean_lifecycle(void **state)
{
	struct kvm *kvm = vm_make((struct vm_opts){.mem = 16 * MiB, .vcpus = 2});

	(void)state;
	assert_int_equal(kvm_tdx_init_mem_region(kvm, 0, 64 * 1024, NULL), 0);
	assert_clean(kvm);
	assert_int_equal(kvm_tdx_finalize(kvm), TDX_SUCCESS);
	accept_ok(kvm, 0, 2 * MiB, PG_LEVEL_2M);
	assert_int_equal(kvm_guest_access(kvm, 1, 2 * MiB + 4096, false, true), KVM_GUEST_OK);
	accept_ok(kvm, 1, 4 * MiB, PG_LEVEL_4K);
	assert_clean(kvm);
	assert_int_equal(kvm_split_range(kvm, 2 * MiB, 4096, PG_LEVEL_4K), 0);
	assert_clean(kvm);
	accept_ok(kvm, 0, 6 * MiB, PG_LEVEL_2M);
	assert_int_equal(kvm_set_memory_attributes(kvm, 6 * MiB + 8192, 8192, false), 0);
	assert_int_equal(kvm_guest_access(kvm, 0, 6 * MiB + 8192, true, true), KVM_GUEST_OK);
	assert_clean(kvm);
	accept_ok(kvm, 0, 8 * MiB, PG_LEVEL_2M);
	assert_int_equal(kvm_guest_access(kvm, 0, 8 * MiB, false, false), KVM_GUEST_OK);
	assert_int_equal(kvm_gmem_punch_hole(kvm, 8 * MiB + 4096, 4096), 0);
	assert_clean(kvm);
	kvm_destroy(kvm);
}

static void test_lock_mmu_lock_held(void **state)
{
	struct kvm *kvm = vm_make((struct vm_opts){0});
	struct rwlock *l = kvm_mmu_lock(kvm_get_mmu(kvm));

	(void)state;
	read_lock(l);
	assert_reported(kvm, "lock");
	read_unlock(l);
	assert_clean(kvm);
	kvm_destroy(kvm);
}

/* Raw BLOCK of a mapped leaf: the mirror leaf now sits on a BLOCKED entry. */
static void test_mirror_sept_state_blocked(void **state)
{
	struct kvm *kvm = vm_make((struct vm_opts){.finalize = true});

	(void)state;
	accept_ok(kvm, 0, 0, PG_LEVEL_2M);
	assert_clean(kvm);
	assert_int_equal(raw(kvm, TDH_MEM_RANGE_BLOCK, 0, PG_LEVEL_2M), TDX_SUCCESS);
	assert_reported(kvm, "mirror-sept-state");
	assert_non_null(strstr(first_msg("mirror-sept-state"), "gpa 0x0 level 2M"));
	kvm_destroy(kvm);
}

/*
 * Raw DEMOTE under a mirror 2M leaf: the S-EPT holds a table of 4K leaves
 * the mirror does not have.
 */
static void test_sept_orphan_after_raw_demote(void **state)
{
	struct kvm *kvm = vm_make((struct vm_opts){.finalize = true});

	(void)state;
	accept_ok(kvm, 0, 0, PG_LEVEL_2M);
	kvm_raw_vcpu_exit(kvm, 0);
	assert_int_equal(raw(kvm, TDH_MEM_RANGE_BLOCK, 0, PG_LEVEL_2M), TDX_SUCCESS);
	assert_int_equal(raw(kvm, TDH_MEM_TRACK, 0, PG_LEVEL_4K), TDX_SUCCESS);
	assert_int_equal(raw(kvm, TDH_MEM_PAGE_DEMOTE, 0, PG_LEVEL_2M), TDX_SUCCESS);
	assert_reported(kvm, "sept-orphan");
	assert_true(reported("mirror-sept-state") > 0); /* mirror leaf on NL_MAPPED */
	kvm_destroy(kvm);
}

/* A raw SEPT.ADD alone: an S-EPT table the MMU never linked. */
static void test_sept_orphan_and_pt_accounting(void **state)
{
	struct kvm *kvm = vm_make((struct vm_opts){0});

	(void)state;
	assert_clean(kvm);
	assert_int_equal(raw(kvm, TDH_MEM_SEPT_ADD, 0, PG_LEVEL_512G), TDX_SUCCESS);
	assert_reported(kvm, "sept-orphan");
	assert_int_equal(reported("pt-accounting"), 1);
	kvm_destroy(kvm);
}

/*
 * Raw PROMOTE of a split range: the S-EPT has a 2M leaf where the mirror
 * still has a table of 4K leaves.
 */
static void test_mirror_sept_level_after_raw_promote(void **state)
{
	struct kvm *kvm = vm_make((struct vm_opts){.finalize = true});

	(void)state;
	assert_int_equal(kvm_guest_access(kvm, 0, 0, false, false), KVM_GUEST_VE);
	assert_int_equal(kvm_split_range(kvm, 0, 2 * MiB, PG_LEVEL_4K), 0);
	assert_clean(kvm);
	kvm_raw_vcpu_exit(kvm, 0);
	assert_int_equal(raw(kvm, TDH_MEM_RANGE_BLOCK, 0, PG_LEVEL_2M), TDX_SUCCESS);
	assert_int_equal(raw(kvm, TDH_MEM_TRACK, 0, PG_LEVEL_4K), TDX_SUCCESS);
	assert_int_equal(raw(kvm, TDH_MEM_PAGE_PROMOTE, 0, PG_LEVEL_2M), TDX_SUCCESS);
	assert_reported(kvm, "mirror-sept-level");
	kvm_destroy(kvm);
}

/*
 * Raw REMOVE of a mapped 4K page (PAMT: the frame is the host's again),
 * then raw AUG of another frame at the same GPA.
 */
static void test_pamt_then_pfn(void **state)
{
	struct kvm *kvm = vm_make((struct vm_opts){.max_level = PG_LEVEL_4K, .finalize = true});

	(void)state;
	accept_ok(kvm, 0, 0x5000, PG_LEVEL_4K);
	kvm_raw_vcpu_exit(kvm, 0);
	assert_int_equal(raw(kvm, TDH_MEM_RANGE_BLOCK, 0x5000, PG_LEVEL_4K), TDX_SUCCESS);
	assert_int_equal(raw(kvm, TDH_MEM_TRACK, 0, PG_LEVEL_4K), TDX_SUCCESS);
	assert_int_equal(raw(kvm, TDH_MEM_PAGE_REMOVE, 0x5000, PG_LEVEL_4K), TDX_SUCCESS);
	assert_reported(kvm, "pamt");
	assert_true(reported("mirror-sept-state") > 0);
	assert_int_equal(reported("mirror-sept-pfn"), 0);

	assert_int_equal(raw(kvm, TDH_MEM_PAGE_AUG, 0x5000, PG_LEVEL_4K), TDX_SUCCESS);
	assert_reported(kvm, "mirror-sept-pfn");
	assert_non_null(strstr(first_msg("mirror-sept-pfn"), "gpa 0x5000 level 4K"));
	kvm_destroy(kvm);
}

/* A mirror mapping of a frame guest_memfd does not hold for the GFN. */
static void test_gmem_pfn_foreign_frame(void **state)
{
	struct kvm *kvm = vm_make((struct vm_opts){.max_level = PG_LEVEL_4K, .finalize = true});
	kvm_pfn_t pfn = fresh_pfn(kvm, PG_LEVEL_4K);

	(void)state;
	assert_int_equal(
		mmu_map(kvm, 7, true, pfn, PG_LEVEL_4K, kvm_mmu_invalidate_seq(kvm_get_mmu(kvm))),
		RET_PF_FIXED);
	assert_reported(kvm, "gmem-pfn");
	assert_int_equal(reported("mirror-sept-pfn"), 0); /* the module agrees with the mirror */
	assert_int_equal(reported("sept-orphan"), 0);
	kvm_destroy(kvm);
}

/* A direct (shared) 2M leaf over a 4K folio of the shared backing. */
static void test_folio_level(void **state)
{
	struct kvm *kvm = vm_make((struct vm_opts){.max_level = PG_LEVEL_4K, .finalize = true});

	(void)state;
	assert_int_equal(kvm_set_memory_attributes(kvm, 0, 2 * MiB, false), 0);
	assert_int_equal(kvm_guest_access(kvm, 0, 0, true, true), KVM_GUEST_OK);
	assert_clean(kvm);
	assert_int_equal(kvm_gmem_folio_level(kvm, 0, true, NULL), PG_LEVEL_4K);
	assert_int_equal(mmu_map(kvm, 0, false, fresh_pfn(kvm, PG_LEVEL_2M), PG_LEVEL_2M,
				 kvm_mmu_invalidate_seq(kvm_get_mmu(kvm))),
			 RET_PF_FIXED);
	assert_reported(kvm, "folio-level");
	kvm_destroy(kvm);
}

/* One frame at two shared GPAs. */
static void test_double_map(void **state)
{
	struct kvm *kvm = vm_make((struct vm_opts){.max_level = PG_LEVEL_4K, .finalize = true});
	kvm_pfn_t pfn = fresh_pfn(kvm, PG_LEVEL_4K);
	u64 seq = kvm_mmu_invalidate_seq(kvm_get_mmu(kvm));

	(void)state;
	assert_int_equal(kvm_set_memory_attributes(kvm, 0, 2 * MiB, false), 0);
	seq = kvm_mmu_invalidate_seq(kvm_get_mmu(kvm));
	assert_int_equal(mmu_map(kvm, 3, false, pfn, PG_LEVEL_4K, seq), RET_PF_FIXED);
	run_check(kvm);
	assert_int_equal(reported("double-map"), 0);
	assert_int_equal(mmu_map(kvm, 9, false, pfn, PG_LEVEL_4K, seq), RET_PF_FIXED);
	assert_reported(kvm, "double-map");
	kvm_destroy(kvm);
}

/* A direct leaf on a private GFN, and a mirror leaf on a shared one. */
static void test_attrs(void **state)
{
	struct kvm *kvm = vm_make((struct vm_opts){.max_level = PG_LEVEL_4K, .finalize = true});
	u64 seq;

	(void)state;
	seq = kvm_mmu_invalidate_seq(kvm_get_mmu(kvm));
	assert_int_equal(mmu_map(kvm, 3, false, fresh_pfn(kvm, PG_LEVEL_4K), PG_LEVEL_4K, seq),
			 RET_PF_FIXED);
	assert_reported(kvm, "shared-attr");
	assert_int_equal(reported("private-attr"), 0);
	kvm_destroy(kvm);

	kvm = vm_make((struct vm_opts){.max_level = PG_LEVEL_4K, .finalize = true});
	assert_int_equal(kvm_set_memory_attributes(kvm, 0, 4096, false), 0);
	seq = kvm_mmu_invalidate_seq(kvm_get_mmu(kvm));
	assert_int_equal(mmu_map(kvm, 0, true, fresh_pfn(kvm, PG_LEVEL_4K), PG_LEVEL_4K, seq),
			 RET_PF_FIXED);
	assert_reported(kvm, "private-attr");
	assert_int_equal(reported("shared-attr"), 0);
	kvm_destroy(kvm);
}

/* A vCPU inside the TD caching a translation whose entry got blocked. */
static void test_stale_translation_in_td(void **state)
{
	struct kvm *kvm = vm_make((struct vm_opts){.max_level = PG_LEVEL_4K, .finalize = true});

	(void)state;
	accept_ok(kvm, 0, 0x3000, PG_LEVEL_4K);
	assert_int_equal(kvm_guest_access(kvm, 0, 0x3000, false, false), KVM_GUEST_OK);
	assert_true(tdxmod_vcpu_in_td(kvm_tdx_td(kvm), 0));
	assert_clean(kvm);
	assert_int_equal(raw(kvm, TDH_MEM_RANGE_BLOCK, 0x3000, PG_LEVEL_4K), TDX_SUCCESS);
	assert_reported(kvm, "stale-translation");
	kvm_destroy(kvm);
}

/*
 * Outside the TD the translation stays reachable until the epoch moves
 * (re-entry in the same epoch keeps the TLB); after a TRACK it is not.
 */
static void test_stale_translation_outside_td(void **state)
{
	struct kvm *kvm = vm_make((struct vm_opts){.max_level = PG_LEVEL_4K, .finalize = true});

	(void)state;
	accept_ok(kvm, 0, 0x3000, PG_LEVEL_4K);
	assert_int_equal(kvm_guest_access(kvm, 0, 0x3000, false, false), KVM_GUEST_OK);
	kvm_raw_vcpu_exit(kvm, 0);
	assert_false(tdxmod_vcpu_in_td(kvm_tdx_td(kvm), 0));
	assert_int_equal(raw(kvm, TDH_MEM_RANGE_BLOCK, 0x3000, PG_LEVEL_4K), TDX_SUCCESS);
	assert_reported(kvm, "stale-translation");
	assert_non_null(strstr(first_msg("stale-translation"), "outside the TD"));

	assert_int_equal(raw(kvm, TDH_MEM_TRACK, 0, PG_LEVEL_4K), TDX_SUCCESS);
	run_check(kvm);
	assert_int_equal(reported("stale-translation"), 0);
	assert_true(reported("mirror-sept-state") > 0); /* still blocked */
	kvm_destroy(kvm);
}

/* A frame allocated that no layer holds: a leak at a quiescent point. */
static void test_frame_balance(void **state)
{
	struct kvm *kvm = vm_make((struct vm_opts){.finalize = true});
	struct frame_allocator *fa = kvm_frame_allocator(kvm);
	hpa_t hpa;

	(void)state;
	accept_ok(kvm, 0, 0, PG_LEVEL_2M);
	assert_clean(kvm);
	assert_int_equal(frame_alloc(fa, PG_LEVEL_4K, &hpa), 0);
	assert_reported(kvm, "frame-balance");
	frame_free(fa, hpa, PAGE_SIZE);
	assert_clean(kvm);
	kvm_destroy(kvm);
	assert_int_equal(kvm_destroy_leaked_bytes(), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_clean_lifecycle),
		cmocka_unit_test(test_lock_mmu_lock_held),
		cmocka_unit_test(test_mirror_sept_state_blocked),
		cmocka_unit_test(test_sept_orphan_after_raw_demote),
		cmocka_unit_test(test_sept_orphan_and_pt_accounting),
		cmocka_unit_test(test_mirror_sept_level_after_raw_promote),
		cmocka_unit_test(test_pamt_then_pfn),
		cmocka_unit_test(test_gmem_pfn_foreign_frame),
		cmocka_unit_test(test_folio_level),
		cmocka_unit_test(test_double_map),
		cmocka_unit_test(test_attrs),
		cmocka_unit_test(test_stale_translation_in_td),
		cmocka_unit_test(test_stale_translation_outside_td),
		cmocka_unit_test(test_frame_balance),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
