// SPDX-License-Identifier: GPL-2.0-only
/*
 * TDPMMU_BUG_PUBLISH_CHILD_BEFORE_LINK: a new mirror table is made visible
 * (instead of staying frozen) before its external parent is linked.  The
 * race, replayed through the yield hook: while the first fault is inside
 * its TDH.MEM.SEPT.ADD, a second fault walks the same path.  With the
 * switch off it finds the entry frozen and retries; with it on it walks
 * into the unlinked table and links a child below it, and the module
 * refuses (TDX_EPT_WALK_FAILED: no parent in the S-EPT) -- the VM is
 * bugged.
 */
#include "test_checker_harness.h"

static struct {
	struct kvm *kvm;
	bool armed;
	int inner_rc;
	bool inner_ran;
	kvm_pfn_t pfn;
} race;

static void hook(enum yield_kind kind, const char *where)
{
	if (!race.armed || kind != YIELD_SEAMCALL || strcmp(where, "TDH.MEM.SEPT.ADD"))
		return;
	race.armed = false;
	race.inner_ran = true;
	race.inner_rc = mmu_map(race.kvm, 1, true, race.pfn, PG_LEVEL_4K,
				kvm_mmu_invalidate_seq(kvm_get_mmu(race.kvm)));
}

static void run(bool bug)
{
	struct kvm *kvm = vm_make((struct vm_opts){0});
	int r;

	tdpmmu_bugs = bug ? 1u << TDPMMU_BUG_PUBLISH_CHILD_BEFORE_LINK : 0;
	race.kvm = kvm;
	race.pfn = 0x7777; /* never mapped: the second fault never gets that far */
	race.inner_ran = false;
	race.armed = true;
	tdpmmu_yield_hook = hook;
	/* KVM_TDX_INIT_MEM_REGION of one page: links every level, then PAGE.ADD. */
	r = kvm_tdx_init_mem_region(kvm, 0, PAGE_SIZE, NULL);
	tdpmmu_yield_hook = NULL;
	assert_true(race.inner_ran);
	if (bug) {
		assert_int_equal(race.inner_rc, -EIO);
		assert_true(kvm_is_bugged(kvm));
		/* Only the module's own invariants are checked on a bugged VM. */
		(void)r;
	} else {
		assert_int_equal(r, 0);
		assert_int_equal(race.inner_rc, RET_PF_RETRY);
		assert_false(kvm_is_bugged(kvm));
		assert_true(kvm_mirror_lookup(kvm, 0, NULL, NULL));
		assert_false(kvm_mirror_lookup(kvm, PAGE_SIZE, NULL, NULL));
		assert_clean(kvm);
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_off_clean),
		cmocka_unit_test(test_on_caught),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
