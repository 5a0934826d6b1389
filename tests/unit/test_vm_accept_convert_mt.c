// SPDX-License-Identifier: GPL-2.0-only
/*
 * Several vCPU threads accept (and touch) memory in parallel, Linux-style,
 * while a host thread converts ranges to shared and back and punches
 * holes.  The VM must stay healthy (not bugged), the module invariants
 * must hold, the mirror must agree with the S-EPT at the end, and every
 * frame must be freed at teardown.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>

#include <cmocka.h>

#include "tdpmmu/vm.h"
#include "tdpmmu/vm_inspect.h"

#define M (1ULL << 20)
#define NR_VCPUS 3
#define MEM (32 * M)

struct mt {
	struct kvm *kvm;
	int id;
	int errors;
};

static void *vcpu_main(void *p)
{
	struct mt *t = p;
	gpa_t base = (gpa_t)t->id * 8 * M;
	int round;

	for (round = 0; round < 3; round++) {
		gpa_t gpa;

		for (gpa = base; gpa < base + 8 * M; gpa += 2 * M) {
			u64 status;
			enum kvm_guest_result r;

			/* Mix sizes: 2M in even chunks, 4K pieces in odd ones. */
			if ((gpa / (2 * M)) % 2)
				r = kvm_guest_accept(t->kvm, t->id, gpa + 0x3000, PG_LEVEL_4K,
						     &status);
			else
				r = kvm_guest_accept(t->kvm, t->id, gpa, PG_LEVEL_2M, &status);
			if (r == KVM_GUEST_EIO)
				t->errors++;
			r = kvm_guest_access(t->kvm, t->id, gpa + 0x3000, false, true);
			if (r == KVM_GUEST_EIO)
				t->errors++;
		}
	}
	return NULL;
}

static void *host_main(void *p)
{
	struct mt *t = p;
	int i;

	for (i = 0; i < 12; i++) {
		gpa_t gpa = (gpa_t)(i % NR_VCPUS) * 8 * M + (u64)(i % 4) * 2 * M + 0x5000;
		int r;

		r = kvm_set_memory_attributes(t->kvm, gpa, 8192, false);
		if (r && r != -ENOMEM)
			t->errors++;
		if (kvm_guest_access(t->kvm, 0, gpa, true, true) == KVM_GUEST_EIO)
			t->errors++;
		r = kvm_set_memory_attributes(t->kvm, gpa, 8192, true);
		if (r && r != -ENOMEM)
			t->errors++;
		if (i % 3 == 2 && kvm_gmem_punch_hole(t->kvm, gpa + 0x10000, 4096))
			t->errors++;
	}
	return NULL;
}

struct cmp {
	struct kvm *kvm;
	int mismatches;
};

/* Every private mirror leaf has a present S-EPT leaf at the same level. */
static int cmp_leaf(void *arg, gpa_t gpa, int tdx_level, const struct tdxmod_sept_entry_info *info)
{
	struct cmp *c = arg;
	int level;

	if (!info->leaf)
		return 0;
	if (!kvm_mirror_lookup(c->kvm, gpa, &level, NULL) ||
	    level != tdx_sept_level_to_pg_level(tdx_level))
		c->mismatches++;
	return 0;
}

static void test_parallel_accept_convert(void **s)
{
	struct kvm_config cfg;
	struct kvm *kvm = NULL;
	pthread_t th[NR_VCPUS + 1];
	struct mt t[NR_VCPUS + 1];
	struct kvm_counters c;
	struct cmp cmp;
	int i;

	(void)s;
	kvm_config_default(&cfg);
	cfg.mem = MEM;
	cfg.nr_vcpus = NR_VCPUS;
	cfg.vcpu_threads = true;
	assert_int_equal(kvm_create(&cfg, &kvm), 0);
	assert_int_equal(kvm_tdx_init_mem_region(kvm, 0, 64 * 1024, NULL), 0);
	assert_int_equal(kvm_tdx_finalize(kvm), TDX_SUCCESS);

	for (i = 0; i <= NR_VCPUS; i++) {
		t[i] = (struct mt){.kvm = kvm, .id = i};
		assert_int_equal(
			pthread_create(&th[i], NULL, i < NR_VCPUS ? vcpu_main : host_main, &t[i]),
			0);
	}
	for (i = 0; i <= NR_VCPUS; i++) {
		pthread_join(th[i], NULL);
		assert_int_equal(t[i].errors, 0);
	}

	kvm_get_counters(kvm, &c);
	assert_int_equal(c.vm_bugged, 0);
	assert_true(c.leaf_calls[TDH_MEM_PAGE_AUG] > 0);
	assert_true(c.kicks >= c.track_rounds);

	/*
	 * Whether the racing conversions hit a 2M mapping depends on timing;
	 * make the split deterministic: a 4K conversion inside a 2M mapping
	 * that survived must split it exactly once.  If none survived, the
	 * guest's 2M accepts were all split during the race.
	 */
	{
		u64 before = c.splits;
		gpa_t gpa, huge = ~0ULL;
		int level;

		for (gpa = 0; gpa < MEM && huge == ~0ULL; gpa += 2 * M)
			if (kvm_mirror_lookup(kvm, gpa, &level, NULL) && level == PG_LEVEL_2M)
				huge = gpa;
		if (huge != ~0ULL) {
			assert_int_equal(kvm_set_memory_attributes(kvm, huge + 0x7000, 4096, false),
					 0);
			kvm_get_counters(kvm, &c);
			assert_int_equal(c.splits, before + 1);
			assert_true(kvm_mirror_lookup(kvm, huge, &level, NULL));
			assert_int_equal(level, PG_LEVEL_4K);
		} else {
			assert_true(before > 0);
		}
	}
	assert_int_equal(tdxmod_check(kvm_tdx_td(kvm), NULL, NULL), 0);
	cmp = (struct cmp){.kvm = kvm};
	tdxmod_sept_for_each(kvm_tdx_td(kvm), cmp_leaf, &cmp);
	assert_int_equal(cmp.mismatches, 0);
	kvm_destroy(kvm);
	assert_int_equal(kvm_destroy_leaked_bytes(), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parallel_accept_convert),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
