// SPDX-License-Identifier: GPL-2.0-only
/*
 * Parallel faults under the shared mmu_lock: several threads fault the
 * same and different GFNs (private through the frozen-SPTE protocol,
 * shared through plain cmpxchg), with a writer thread zapping and
 * splitting in between.  No mapping is lost or duplicated: the fake
 * external table refuses double sets and orphan children, and at the end
 * mirror == external and every GFN maps its own PFN.
 */
#include "test_mmu_fake.h"

#define NR_THREADS 4
#define NR_GFNS 0x2000ULL /* 16 x 2M */

struct worker {
	struct test_vm *t;
	int id;
	int errors;
};

static int fault_until_done(struct kvm_mmu *mmu, gfn_t gfn, int max_level, bool private)
{
	for (int tries = 0; tries < 100000; tries++) {
		int r = test_fault(mmu, gfn, test_pfn(gfn), max_level, private, NULL);

		if (r == RET_PF_FIXED || r == RET_PF_SPURIOUS)
			return 0;
		if (r != RET_PF_RETRY)
			return r;
	}
	return -ETIMEDOUT;
}

static void *fault_worker(void *arg)
{
	struct worker *w = arg;
	struct prng p;

	kvm_mmu_register_thread();
	prng_seed(&p, 1234 + w->id);
	for (int i = 0; i < 3000; i++) {
		/* Half the time a GFN every thread hits, else a thread-private one. */
		gfn_t gfn = (i & 1) ? (i * 7) % NR_GFNS
				    : (prng_below(&p, NR_GFNS / NR_THREADS) * NR_THREADS + w->id);
		/* The upper half may map 2M. */
		int max = gfn >= NR_GFNS / 2 ? PG_LEVEL_2M : PG_LEVEL_4K;

		if (fault_until_done(w->t->mmu, gfn, max, true))
			w->errors++;
		if (!(i % 5) && fault_until_done(w->t->mmu, gfn, max, false))
			w->errors++;
	}
	kvm_mmu_unregister_thread();
	return NULL;
}

static void *writer_worker(void *arg)
{
	struct worker *w = arg;
	struct kvm_mmu *mmu = w->t->mmu;

	kvm_mmu_register_thread();
	for (int i = 0; i < 50; i++) {
		gfn_t g = (NR_GFNS / 2) + (i % 8) * 0x200;

		write_lock(kvm_mmu_lock(mmu));
		kvm_mmu_invalidate_begin(mmu, g, g + 0x200);
		if (kvm_tdp_mmu_split_cross_boundary_leafs(mmu, g + 0x80, g + 0x100, true) ||
		    kvm_tdp_mmu_unmap_gfn_range(mmu, g + 0x80, g + 0x100, true) ||
		    kvm_tdp_mmu_unmap_gfn_range(mmu, g, g + 0x200, false))
			w->errors++;
		kvm_mmu_invalidate_end(mmu, g, g + 0x200);
		write_unlock(kvm_mmu_lock(mmu));
		sched_yield();
	}
	kvm_mmu_unregister_thread();
	return NULL;
}

static void test_parallel_faults(void **state)
{
	struct test_vm *t = test_vm_create(NR_GFNS, true);
	struct worker w[NR_THREADS + 1];
	pthread_t th[NR_THREADS + 1];
	struct kvm_mmu_stats st;
	u64 leaves = 0;

	(void)state;
	for (int i = 0; i <= NR_THREADS; i++) {
		w[i] = (struct worker){.t = t, .id = i};
		pthread_create(&th[i], NULL, i < NR_THREADS ? fault_worker : writer_worker, &w[i]);
	}
	for (int i = 0; i <= NR_THREADS; i++) {
		pthread_join(th[i], NULL);
		assert_int_equal(w[i].errors, 0);
	}
	assert_false(kvm_mmu_is_bugged(t->mmu));
	fake_ext_check_coherent(&t->fx, t->mmu);

	/* Fault everything in once more: each GFN maps its own PFN, exactly once. */
	for (gfn_t g = 0; g < NR_GFNS; g++)
		assert_int_equal(fault_until_done(t->mmu, g, PG_LEVEL_4K, true), 0);
	for (gfn_t g = 0; g < NR_GFNS; g++) {
		kvm_pfn_t pfn;

		assert_true(test_lookup(t, g, true, NULL, &pfn));
		assert_int_equal(pfn, test_pfn(g));
	}
	kvm_mmu_get_stats(t->mmu, &st);
	for (int l = PG_LEVEL_4K; l <= PG_LEVEL_1G; l++)
		leaves += st.mirror_mappings[l] * KVM_PAGES_PER_HPAGE(l);
	assert_int_equal(leaves, NR_GFNS);
	assert_int_equal(fake_count(&t->fx, PG_LEVEL_4K, true) +
				 fake_count(&t->fx, PG_LEVEL_2M, true) * 512,
			 NR_GFNS);
	fake_ext_check_coherent(&t->fx, t->mmu);
	test_vm_destroy(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parallel_faults),
	};
	return cmocka_run_group_tests(tests, test_setup_rcu, test_teardown_rcu);
}
