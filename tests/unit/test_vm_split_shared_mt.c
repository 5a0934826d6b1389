// SPDX-License-Identifier: GPL-2.0-only
/*
 * split_lock=shared with real threads (and under ThreadSanitizer, label
 * "mt"): every vCPU ACCEPTs 4K pages inside every 2M mapping at once, so
 * several vCPUs race to split the same huge leaf under the read lock while
 * the others fault, AUG and ACCEPT around it.  Each leaf must be split
 * exactly once, never with the write lock, the VM never bugged, and the
 * mirror and the S-EPT must agree.  A second run adds a host thread that
 * converts and punches (write lock) in the same 2M ranges.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

#include "tdpmmu/vm.h"
#include "tdpmmu/vm_inspect.h"

#define M (1ULL << 20)
#define NR_VCPUS 4
#define NR_HUGE 8
#define MEM (NR_HUGE * 2 * M)

struct mt {
	struct kvm *kvm;
	int id;
	int errors;
	int accepted; /* TDX_SUCCESS */
};

static int report_eio(const char *what, gpa_t gpa)
{
	fprintf(stderr, "%s 0x%llx: EIO\n", what, (unsigned long long)gpa);
	return 1;
}

static void *vcpu_main(void *p)
{
	struct mt *t = p;

	for (int h = 0; h < NR_HUGE; h++) {
		/* Start in a different leaf than the others, then meet them. */
		gpa_t base = (gpa_t)((h + t->id) % NR_HUGE) * 2 * M;

		for (int k = 0; k < 4; k++) {
			gpa_t gpa = base + ((u64)(t->id * 4 + k) * 32 + 1) * 4096;
			enum kvm_guest_result r;
			u64 status = 0;

			r = kvm_guest_accept(t->kvm, t->id, gpa, PG_LEVEL_4K, &status);
			if (r == KVM_GUEST_EIO)
				t->errors += report_eio("accept", gpa);
			else if (r == KVM_GUEST_STATUS && status == TDX_SUCCESS)
				t->accepted++;
			/* A neighbouring page: #VE (still pending) or fine. */
			r = kvm_guest_access(t->kvm, t->id, gpa + 4096, false, true);
			if (r == KVM_GUEST_EIO)
				t->errors += report_eio("access", gpa);
		}
	}
	return NULL;
}

static void *host_main(void *p)
{
	struct mt *t = p;

	for (int i = 0; i < 2 * NR_HUGE; i++) {
		gpa_t gpa = (gpa_t)(i % NR_HUGE) * 2 * M + 0x1f0000;
		int r;

		r = kvm_set_memory_attributes(t->kvm, gpa, 4096, false);
		if (r && r != -ENOMEM)
			t->errors++;
		r = kvm_set_memory_attributes(t->kvm, gpa, 4096, true);
		if (r && r != -ENOMEM)
			t->errors++;
		if (i % 4 == 3 && kvm_gmem_punch_hole(t->kvm, gpa + 0x8000, 4096))
			t->errors++;
	}
	return NULL;
}

struct cmp {
	struct kvm *kvm;
	int mismatches;
};

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

static struct kvm *setup(void)
{
	struct kvm_config cfg;
	struct kvm *kvm = NULL;

	kvm_config_default(&cfg);
	assert_int_equal(cfg.split_lock, KVM_SPLIT_LOCK_EXCLUSIVE); /* the default */
	cfg.mem = MEM;
	cfg.nr_vcpus = NR_VCPUS;
	cfg.vcpu_threads = true;
	cfg.split_lock = KVM_SPLIT_LOCK_SHARED;
	assert_int_equal(kvm_create(&cfg, &kvm), 0);
	assert_int_equal(kvm_tdx_finalize(kvm), TDX_SUCCESS);
	/* Every 2M range mapped 2M, PENDING (the guest touched it first). */
	for (int h = 0; h < NR_HUGE; h++) {
		int level;

		assert_int_equal(kvm_guest_access(kvm, 0, (gpa_t)h * 2 * M, false, false),
				 KVM_GUEST_VE);
		assert_true(kvm_mirror_lookup(kvm, (gpa_t)h * 2 * M, &level, NULL));
		assert_int_equal(level, PG_LEVEL_2M);
	}
	return kvm;
}

static void finish(struct kvm *kvm)
{
	struct cmp cmp = {.kvm = kvm};

	assert_int_equal(tdxmod_check(kvm_tdx_td(kvm), NULL, NULL), 0);
	tdxmod_sept_for_each(kvm_tdx_td(kvm), cmp_leaf, &cmp);
	assert_int_equal(cmp.mismatches, 0);
	kvm_destroy(kvm);
	assert_int_equal(kvm_destroy_leaked_bytes(), 0);
}

static void run_threads(struct kvm *kvm, bool host, struct mt *t)
{
	pthread_t th[NR_VCPUS + 1];
	int n = NR_VCPUS + (host ? 1 : 0);

	for (int i = 0; i < n; i++) {
		t[i] = (struct mt){.kvm = kvm, .id = i};
		assert_int_equal(
			pthread_create(&th[i], NULL, i < NR_VCPUS ? vcpu_main : host_main, &t[i]),
			0);
	}
	for (int i = 0; i < n; i++) {
		pthread_join(th[i], NULL);
		assert_int_equal(t[i].errors, 0);
	}
}

static void test_split_same_leaves(void **s)
{
	struct kvm *kvm = setup();
	struct mt t[NR_VCPUS + 1];
	struct kvm_counters before, c;
	int accepted = 0;

	(void)s;
	kvm_get_counters(kvm, &before);
	run_threads(kvm, false, t);
	for (int i = 0; i < NR_VCPUS; i++)
		accepted += t[i].accepted;
	kvm_get_counters(kvm, &c);
	/* Every ACCEPT succeeded, on distinct pages. */
	assert_int_equal(accepted, NR_VCPUS * NR_HUGE * 4);
	assert_int_equal(c.vm_bugged, 0);
	/* One split per leaf, however many vCPUs wanted it. */
	assert_int_equal(c.splits - before.splits, NR_HUGE);
	/*
	 * Each split ends in one successful DEMOTE; retried ones add calls.
	 * (shared_split_busy also counts BLOCKs that found the tree lock busy,
	 * which never reached DEMOTE, so it cannot be subtracted from them.)
	 */
	assert_true(c.leaf_calls[TDH_MEM_PAGE_DEMOTE] >= NR_HUGE);
	/* Nobody took mmu_lock for write. */
	assert_int_equal(c.write_lock_acquisitions, before.write_lock_acquisitions);
	for (int h = 0; h < NR_HUGE; h++) {
		int level;

		assert_true(kvm_mirror_lookup(kvm, (gpa_t)h * 2 * M, &level, NULL));
		assert_int_equal(level, PG_LEVEL_4K);
	}
	finish(kvm);
}

static void test_split_vs_convert_punch(void **s)
{
	struct kvm *kvm = setup();
	struct mt t[NR_VCPUS + 1];
	struct kvm_counters c;

	(void)s;
	run_threads(kvm, true, t);
	kvm_get_counters(kvm, &c);
	assert_int_equal(c.vm_bugged, 0);
	/* Each leaf split once, by a vCPU (read lock) or the host (write). */
	assert_int_equal(c.splits, NR_HUGE);
	finish(kvm);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_split_same_leaves),
		cmocka_unit_test(test_split_vs_convert_punch),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
