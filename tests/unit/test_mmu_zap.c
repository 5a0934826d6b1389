// SPDX-License-Identifier: GPL-2.0-only
/*
 * Zaps: partial overlap of huge leaves (mirror: must have been split,
 * else bugged; direct: over-zap), split + unmap leaves the outside mapped,
 * zap_all skips the mirror root, teardown frees everything, and a table
 * freed while a reader holds RCU stays readable (frozen) until it leaves.
 */
#include "test_mmu_fake.h"
#include "mmu_internal.h"

static void map_level(struct test_vm *t, gfn_t gfn, int want, bool private)
{
	int level;

	assert_int_equal(test_fault(t->mmu, gfn, test_pfn(gfn), want, private, &level),
			 RET_PF_FIXED);
	assert_int_equal(level, want);
}

static int unmap(struct test_vm *t, gfn_t start, gfn_t end, bool private)
{
	int r;

	test_wlock(t);
	r = kvm_tdp_mmu_unmap_gfn_range(t->mmu, start, end, private);
	test_wunlock(t);
	return r;
}

static void test_mirror_partial_overlap_bugs(void **state)
{
	struct test_vm *t = test_vm_create(0x10000, true);

	(void)state;
	map_level(t, 0x200, PG_LEVEL_2M, true);
	assert_int_equal(unmap(t, 0x300, 0x500, true), -EIO);
	assert_true(kvm_mmu_is_bugged(t->mmu));
	assert_true(test_lookup(t, 0x200, true, NULL, NULL));
	assert_int_equal(t->fx.calls[FAKE_REMOVE], 0);
	fake_ext_check_coherent(&t->fx, t->mmu);
	test_vm_destroy(t);
}

static void test_split_then_unmap(void **state)
{
	struct test_vm *t = test_vm_create(0x10000, true);
	struct kvm_mmu_stats st;

	(void)state;
	map_level(t, 0x0, PG_LEVEL_2M, true);
	map_level(t, 0x200, PG_LEVEL_2M, true);
	map_level(t, 0x400, PG_LEVEL_2M, true);
	test_wlock(t);
	assert_int_equal(kvm_tdp_mmu_split_cross_boundary_leafs(t->mmu, 0x100, 0x300, true), 0);
	assert_int_equal(kvm_tdp_mmu_unmap_gfn_range(t->mmu, 0x100, 0x300, true), 0);
	test_wunlock(t);
	assert_false(kvm_mmu_is_bugged(t->mmu));
	assert_int_equal(t->fx.calls[FAKE_REMOVE], 0x200);
	for (gfn_t g = 0; g < 0x600; g += 0x40)
		assert_true(test_lookup(t, g, true, NULL, NULL) == (g < 0x100 || g >= 0x300));
	kvm_mmu_get_stats(t->mmu, &st);
	assert_int_equal(st.mirror_mappings[PG_LEVEL_4K], 0x200);
	assert_int_equal(st.mirror_mappings[PG_LEVEL_2M], 1);
	fake_ext_check_coherent(&t->fx, t->mmu);
	/* A whole aligned leaf is fine without a split. */
	assert_int_equal(unmap(t, 0x400, 0x600, true), 0);
	assert_false(kvm_mmu_is_bugged(t->mmu));
	fake_ext_check_coherent(&t->fx, t->mmu);
	test_vm_destroy(t);
}

static void test_direct_overzap(void **state)
{
	struct test_vm *t = test_vm_create(0x10000, true);

	(void)state;
	map_level(t, 0x200, PG_LEVEL_2M, false);
	map_level(t, 0x200, PG_LEVEL_2M, true);
	assert_int_equal(unmap(t, 0x300, 0x301, false), 0);
	assert_false(kvm_mmu_is_bugged(t->mmu));
	assert_false(test_lookup(t, 0x200, false, NULL, NULL));
	/* The private side is another root: untouched. */
	assert_true(test_lookup(t, 0x200, true, NULL, NULL));
	test_vm_destroy(t);
}

static void test_zap_all(void **state)
{
	struct test_vm *t = test_vm_create(0x10000, true);
	struct kvm_mmu_stats st;

	(void)state;
	map_level(t, 0x10, PG_LEVEL_4K, false);
	map_level(t, 0x400, PG_LEVEL_2M, false);
	map_level(t, 0x10, PG_LEVEL_4K, true);
	test_wlock(t);
	assert_int_equal(kvm_tdp_mmu_zap_all(t->mmu), 0);
	test_wunlock(t);
	kvm_mmu_get_stats(t->mmu, &st);
	assert_int_equal(st.direct_pt_pages, 0);
	assert_int_equal(st.direct_mappings[PG_LEVEL_4K] + st.direct_mappings[PG_LEVEL_2M], 0);
	assert_int_equal(st.mirror_pt_pages, 3);
	assert_true(test_lookup(t, 0x10, true, NULL, NULL));
	fake_ext_check_coherent(&t->fx, t->mmu);
	test_vm_destroy(t);
}

static void test_destroy_frees_everything(void **state)
{
	struct test_vm *t = test_vm_create(0x80000, true);

	(void)state;
	for (gfn_t g = 0; g < 0x80000; g += 0x4321)
		assert_true(test_fault(t->mmu, g, test_pfn(g), PG_LEVEL_2M, true, NULL) > 0);
	map_level(t, 0x7fe00, PG_LEVEL_2M, false);
	fake_ext_check_coherent(&t->fx, t->mmu);
	/* test_vm_destroy asserts: no external entry, no page, no frame left. */
	test_vm_destroy(t);
}

/* RCU: a reader inside rcu_read_lock keeps a zapped table readable. */
struct rcu_reader {
	struct test_vm *t;
	pthread_mutex_t m;
	pthread_cond_t c;
	int stage;
	u64 *pt;
	int frozen_seen;
};

static void stage_wait(struct rcu_reader *r, int stage)
{
	pthread_mutex_lock(&r->m);
	while (r->stage < stage)
		pthread_cond_wait(&r->c, &r->m);
	pthread_mutex_unlock(&r->m);
}

static void stage_set(struct rcu_reader *r, int stage)
{
	pthread_mutex_lock(&r->m);
	r->stage = stage;
	pthread_cond_broadcast(&r->c);
	pthread_mutex_unlock(&r->m);
}

static void *reader_thread(void *arg)
{
	struct rcu_reader *r = arg;
	struct tdp_iter iter;

	kvm_mmu_register_thread();
	read_lock(kvm_mmu_lock(r->t->mmu));
	kvm_mmu_rcu_read_lock();
	for_each_tdp_pte_root(iter, r->t->mmu->mirror_root, PG_LEVEL_4K, 0x10,
			      0x11) if (iter.level == PG_LEVEL_4K) r->pt = iter.pt_path[0];
	/* Keep RCU, drop mmu_lock so the zap can run. */
	read_unlock(kvm_mmu_lock(r->t->mmu));
	stage_set(r, 1);
	stage_wait(r, 2);
	/* The table is unlinked and queued for freeing, but still ours to read. */
	for (int i = 0; i < PTRS_PER_PTE; i++)
		r->frozen_seen += is_frozen_spte(kvm_tdp_mmu_read_spte(&r->pt[i]));
	kvm_mmu_rcu_read_unlock();
	kvm_mmu_unregister_thread();
	return NULL;
}

static void test_rcu_deferred_free(void **state)
{
	struct test_vm *t = test_vm_create(0x10000, true);
	struct rcu_reader r = {
		.t = t, .m = PTHREAD_MUTEX_INITIALIZER, .c = PTHREAD_COND_INITIALIZER};
	struct kvm_mmu_stats st;
	pthread_t th;

	(void)state;
	map_level(t, 0x10, PG_LEVEL_4K, true);
	map_level(t, 0x11, PG_LEVEL_4K, true);
	pthread_create(&th, NULL, reader_thread, &r);
	stage_wait(&r, 1);
	assert_non_null(r.pt);
	/* Zap the 2M non-leaf above the 4K table the reader holds. */
	test_wlock(t);
	t->mmu->tearing_down = false;
	for (int l = PG_LEVEL_4K; l <= PG_LEVEL_2M; l++) {
		struct tdp_iter iter;

		kvm_mmu_rcu_read_lock();
		for_each_tdp_pte_root(iter, t->mmu->mirror_root, l, 0,
				      0x200) if (iter.level == l &&
						 is_shadow_present_pte(iter.old_spte) &&
						 l == PG_LEVEL_2M)
			tdp_mmu_iter_set_spte(t->mmu, t->mmu->mirror_root, &iter,
					      SHADOW_NONPRESENT_VALUE);
		kvm_mmu_rcu_read_unlock();
	}
	test_wunlock(t);
	kvm_mmu_get_stats(t->mmu, &st);
	assert_int_equal(st.mirror_pt_pages, 2);
	stage_set(&r, 2);
	pthread_join(th, NULL);
	/* The two present entries were frozen by the teardown; ASan sees no UAF. */
	assert_int_equal(r.frozen_seen, 2);
	fake_ext_check_coherent(&t->fx, t->mmu);
	test_vm_destroy(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mirror_partial_overlap_bugs),
		cmocka_unit_test(test_split_then_unmap),
		cmocka_unit_test(test_direct_overzap),
		cmocka_unit_test(test_zap_all),
		cmocka_unit_test(test_destroy_frees_everything),
		cmocka_unit_test(test_rcu_deferred_free),
	};
	return cmocka_run_group_tests(tests, test_setup_rcu, test_teardown_rcu);
}
