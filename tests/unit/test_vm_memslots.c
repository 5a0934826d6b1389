// SPDX-License-Identifier: GPL-2.0-only
/*
 * Several private memslots through the vm API: kvm_create refuses bad
 * layouts; a huge page never spans a slot edge; a GPA between slots is no
 * RAM (the fault exits to userspace); accept_below_mappable is kept per GFN.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>

#include <cmocka.h>

#include "tdpmmu/vm.h"

static void slots_cfg(struct kvm_config *cfg)
{
	kvm_config_default(cfg);
	cfg->mem = 64ULL << 20;
	cfg->vcpu_threads = false;
	cfg->nr_memslots = 2;
	cfg->memslots[0] = (struct kvm_memslot_range){0, 5ULL << 20};
	cfg->memslots[1] = (struct kvm_memslot_range){32ULL << 20, 32ULL << 20};
}

static void test_bad_layouts(void **state)
{
	struct kvm_config cfg;
	struct kvm *kvm = NULL;

	(void)state;
	slots_cfg(&cfg);
	cfg.memslots[1].base = 4ULL << 20; /* overlaps slot 0 */
	assert_int_equal(kvm_create(&cfg, &kvm), -EINVAL);
	slots_cfg(&cfg);
	cfg.memslots[1].size = 64ULL << 20; /* past mem */
	assert_int_equal(kvm_create(&cfg, &kvm), -EINVAL);
	slots_cfg(&cfg);
	cfg.memslots[0].size = 0x1800; /* not 4K */
	assert_int_equal(kvm_create(&cfg, &kvm), -EINVAL);
	slots_cfg(&cfg);
	cfg.nr_memslots = KVM_MAX_MEMSLOTS + 1;
	assert_int_equal(kvm_create(&cfg, &kvm), -EINVAL);
	assert_null(kvm);
}

static void test_edges_and_gaps(void **state)
{
	struct kvm_config cfg;
	struct kvm_accept_stats as;
	struct kvm *kvm;
	u64 status, nr;
	gfn_t *gfns;
	int level;

	(void)state;
	slots_cfg(&cfg);
	assert_int_equal(kvm_create(&cfg, &kvm), 0);
	assert_int_equal(tdx_status(kvm_tdx_finalize(kvm)), TDX_SUCCESS);
	assert_true(kvm_gfn_in_memslot(kvm, 0x4ff));
	assert_false(kvm_gfn_in_memslot(kvm, 0x500));
	assert_true(kvm_gfn_in_memslot(kvm, 0x2000));

	/* [4M, 6M) sticks out of slot 0: accepted 2M it is refused, 4K maps 4K. */
	assert_int_equal(kvm_guest_accept(kvm, 0, 4ULL << 20, PG_LEVEL_2M, &status),
			 KVM_GUEST_STATUS);
	assert_int_not_equal(tdx_status(status), TDX_SUCCESS);
	assert_int_equal(kvm_guest_accept(kvm, 0, 4ULL << 20, PG_LEVEL_4K, &status),
			 KVM_GUEST_STATUS);
	assert_int_equal(tdx_status(status), TDX_SUCCESS);
	assert_true(kvm_mirror_lookup(kvm, 4ULL << 20, &level, NULL));
	assert_int_equal(level, PG_LEVEL_4K);

	/* Inside slot 1: 2M as usual; a 4K accept in a fresh 2M range counts. */
	assert_int_equal(kvm_guest_accept(kvm, 0, 32ULL << 20, PG_LEVEL_2M, &status),
			 KVM_GUEST_STATUS);
	assert_int_equal(tdx_status(status), TDX_SUCCESS);
	assert_int_equal(kvm_guest_accept(kvm, 0, (34ULL << 20) + 0x3000, PG_LEVEL_4K, &status),
			 KVM_GUEST_STATUS);
	assert_int_equal(tdx_status(status), TDX_SUCCESS);

	/* A fresh page at the slot edge: the exit is 4K, but 2M was never mappable. */
	assert_int_equal(kvm_guest_accept(kvm, 0, 0x4ff000, PG_LEVEL_4K, &status),
			 KVM_GUEST_STATUS);
	assert_int_equal(tdx_status(status), TDX_SUCCESS);

	/* Between the slots: no RAM. */
	assert_int_equal(kvm_guest_access(kvm, 0, 16ULL << 20, false, false),
			 KVM_GUEST_EXIT_MEMORY_FAULT);

	kvm_get_accept_stats(kvm, &as);
	assert_int_equal(as.below_mappable, 1); /* the slot-edge 4K accepts are not */
	assert_true(as.level_exits_4k >= 2);
	assert_int_equal(kvm_accept_below_mappable_in(kvm, 0x2200, 0x2400), 1);
	assert_int_equal(kvm_accept_below_mappable_in(kvm, 0, 0x2200), 0);
	gfns = kvm_accept_below_mappable_gfns(kvm, &nr);
	assert_non_null(gfns);
	assert_int_equal(nr, 1);
	assert_int_equal(gfns[0], 0x2203);
	free(gfns);
	kvm_destroy(kvm);
	assert_int_equal(kvm_destroy_leaked_bytes(), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bad_layouts),
		cmocka_unit_test(test_edges_and_gaps),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
