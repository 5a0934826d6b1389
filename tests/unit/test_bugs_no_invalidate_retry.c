// SPDX-License-Identifier: GPL-2.0-only
/*
 * TDPMMU_BUG_NO_INVALIDATE_RETRY: mmu_invalidate_retry_gfn() never says
 * retry.  The race, replayed in order: a fault snapshots the invalidate
 * sequence and resolves the PFN; a hole punch then zaps the GFN and frees
 * that frame; the fault finally maps.  With the switch off the MMU sees
 * the sequence moved and retries (nothing mapped, checker clean); with it
 * on the freed frame is mapped and the checker reports the stale PFN (a
 * mapping guest_memfd no longer backs).
 */
#include "test_checker_harness.h"

static void race(bool bug)
{
	struct kvm *kvm = vm_make((struct vm_opts){.max_level = PG_LEVEL_4K, .finalize = true});
	struct kvm_mmu *mmu = kvm_get_mmu(kvm);
	const gpa_t gpa = 0x5000;
	kvm_pfn_t pfn = 0;
	int level = 0, r;
	u64 seq;

	tdpmmu_bugs = bug ? 1u << TDPMMU_BUG_NO_INVALIDATE_RETRY : 0;
	accept_ok(kvm, 0, gpa, PG_LEVEL_4K);
	assert_true(kvm_mirror_lookup(kvm, gpa, &level, &pfn));
	assert_int_equal(kvm_gmem_folio_level(kvm, gpa_to_gfn(gpa), false, NULL), PG_LEVEL_4K);

	/* The fault's first half: sequence snapshot, PFN resolved. */
	seq = kvm_mmu_invalidate_seq(mmu);
	/* The racing punch: zap, free the frame. */
	assert_int_equal(kvm_gmem_punch_hole(kvm, gpa, PAGE_SIZE), 0);
	assert_false(kvm_mirror_lookup(kvm, gpa, NULL, NULL));
	assert_int_equal(kvm_gmem_folio_level(kvm, gpa_to_gfn(gpa), false, NULL), PG_LEVEL_NONE);
	assert_clean(kvm);
	/* The fault's second half. */
	r = mmu_map(kvm, gpa_to_gfn(gpa), true, pfn, PG_LEVEL_4K, seq);
	if (bug) {
		assert_int_equal(r, RET_PF_FIXED);
		assert_reported(kvm, "gmem-pfn");
		assert_non_null(strstr(first_msg("gmem-pfn"), "stale pfn"));
	} else {
		assert_int_equal(r, RET_PF_RETRY);
		assert_false(kvm_mirror_lookup(kvm, gpa, NULL, NULL));
		assert_clean(kvm);
	}
	tdpmmu_bugs = 0;
	kvm_destroy(kvm);
}

static void test_off_clean(void **state)
{
	(void)state;
	race(false);
}

static void test_on_caught(void **state)
{
	(void)state;
	race(true);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_off_clean),
		cmocka_unit_test(test_on_caught),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
