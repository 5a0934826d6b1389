// SPDX-License-Identifier: GPL-2.0-only
/*
 * Promotion of a mirror table into one huge leaf (mmu/tdp_mmu_promote.c)
 * over the fake external table: one hook call under the write lock with the
 * first frame and the table's external page, the mirror and the fake agree
 * after success and after every refusal, statistics move, the old table is
 * freed, only a hook error other than a refusal bugs the VM, and nothing is
 * tried for a table that does not qualify (hole, other frames, host veto).
 */
#include "test_mmu_fake.h"

static struct {
	u64 calls;
	int fail_ret, fail_count;
	gfn_t last_gfn;
	int last_level;
} promote_fake;

/* The fake's PROMOTE: 512 contiguous leaves one level down become one leaf. */
static int fake_promote(void *opaque, gfn_t gfn, int level, kvm_pfn_t pfn, hpa_t ext)
{
	struct fake_ext *fx = opaque;
	const u64 step = KVM_PAGES_PER_HPAGE(level - 1);
	long i;

	promote_fake.calls++;
	promote_fake.last_gfn = gfn;
	promote_fake.last_level = level;
	if (fx->mmu && !rwlock_held_write(kvm_mmu_lock(fx->mmu)))
		fx->errors++;
	if (promote_fake.fail_count) {
		promote_fake.fail_count--;
		return promote_fake.fail_ret;
	}
	pthread_mutex_lock(&fx->lock);
	i = fake_find(fx, gfn, level);
	if (i < 0 || fx->e[i].leaf || fx->e[i].val != ext)
		fx->errors++;
	for (int k = 0; k < PTRS_PER_PTE; k++) {
		long c = fake_find(fx, gfn + k * step, level - 1);

		if (c < 0 || !fx->e[c].leaf || fx->e[c].val != pfn + k * step)
			fx->errors++;
		else
			fake_del(fx, c);
	}
	i = fake_find(fx, gfn, level);
	if (i >= 0) {
		fx->e[i].leaf = true;
		fx->e[i].val = pfn;
	}
	pthread_mutex_unlock(&fx->lock);
	return 0;
}

static const struct kvm_external_ops promote_ops = {
	.link_external_spt = fake_link,
	.set_external_spte = fake_set,
	.remove_external_spte = fake_remove,
	.free_external_spt = fake_free,
	.split_external_spt = fake_split,
	.promote_external_spt = fake_promote,
	.topup_external_cache = fake_topup,
};

static struct test_vm *vm_create(gfn_t nr_gfns)
{
	struct test_vm *t = calloc(1, sizeof(*t));

	memset(&promote_fake, 0, sizeof(promote_fake));
	t->fa = frame_allocator_create();
	fake_ext_init(&t->fx);
	t->mmu = kvm_mmu_create(t->fa, &promote_ops, &t->fx, nr_gfns);
	assert_non_null(t->mmu);
	t->fx.mmu = t->mmu;
	return t;
}

static void map_split(struct test_vm *t, gfn_t gfn, int level, int target)
{
	int got;

	assert_int_equal(test_fault(t->mmu, gfn, test_pfn(gfn), level, true, &got), RET_PF_FIXED);
	assert_int_equal(got, level);
	test_wlock(t);
	assert_int_equal(kvm_tdp_mmu_split_huge_pages(t->mmu, gfn, gfn + 1, target, true), 0);
	test_wunlock(t);
}

static int promote(struct test_vm *t, gfn_t gfn, int level, kvm_mmu_promote_qualify_fn q)
{
	int r;

	test_wlock(t);
	r = kvm_tdp_mmu_promote_huge_page(t->mmu, gfn, level, q, NULL);
	test_wunlock(t);
	return r;
}

static int level_of(struct test_vm *t, gfn_t gfn)
{
	int level = 0;
	kvm_pfn_t pfn;

	if (!test_lookup(t, gfn, true, &level, &pfn))
		return 0;
	assert_int_equal(pfn, test_pfn(gfn));
	return level;
}

static void test_promote_2m(void **state)
{
	struct test_vm *t = vm_create(0x10000);
	struct kvm_mmu_stats st0, st;

	(void)state;
	map_split(t, 0x200, PG_LEVEL_2M, PG_LEVEL_4K);
	kvm_mmu_get_stats(t->mmu, &st0);
	assert_int_equal(st0.mirror_mappings[PG_LEVEL_4K], 512);
	/* Any gfn in the region names it. */
	assert_int_equal(promote(t, 0x3ff, PG_LEVEL_2M, NULL), 0);
	assert_int_equal(promote_fake.calls, 1);
	assert_int_equal(promote_fake.last_gfn, 0x200);
	assert_int_equal(promote_fake.last_level, PG_LEVEL_2M);
	assert_int_equal(level_of(t, 0x200), PG_LEVEL_2M);
	assert_int_equal(level_of(t, 0x3ff), PG_LEVEL_2M);
	kvm_mmu_get_stats(t->mmu, &st);
	assert_int_equal(st.promotes, 1);
	assert_int_equal(st.promote_tries, 1);
	assert_int_equal(st.mirror_mappings[PG_LEVEL_4K], 0);
	assert_int_equal(st.mirror_mappings[PG_LEVEL_2M], 1);
	assert_int_equal(st.mirror_pt_pages, st0.mirror_pt_pages - 1);
	assert_int_equal(st.external_pages, st0.external_pages - 1);
	fake_ext_check_coherent(&t->fx, t->mmu);
	/* Already huge: not a candidate, nothing tried. */
	assert_int_equal(promote(t, 0x200, PG_LEVEL_2M, NULL), -ENOENT);
	assert_int_equal(promote_fake.calls, 1);
	/* And it splits again like any 2M leaf. */
	map_split(t, 0x400, PG_LEVEL_2M, PG_LEVEL_4K);
	test_wlock(t);
	assert_int_equal(kvm_tdp_mmu_split_huge_pages(t->mmu, 0x200, 0x201, PG_LEVEL_4K, true), 0);
	test_wunlock(t);
	assert_int_equal(level_of(t, 0x3ff), PG_LEVEL_4K);
	fake_ext_check_coherent(&t->fx, t->mmu);
	test_vm_destroy(t);
}

static void test_promote_refused(void **state)
{
	static const int refusals[] = {-EPERM, -EAGAIN, -ENOMEM};
	struct test_vm *t = vm_create(0x10000);
	struct kvm_mmu_stats st;

	(void)state;
	map_split(t, 0x200, PG_LEVEL_2M, PG_LEVEL_4K);
	for (size_t i = 0; i < ARRAY_SIZE(refusals); i++) {
		promote_fake.fail_ret = refusals[i];
		promote_fake.fail_count = 1;
		assert_int_equal(promote(t, 0x200, PG_LEVEL_2M, NULL), refusals[i]);
		assert_false(kvm_mmu_is_bugged(t->mmu));
		assert_int_equal(level_of(t, 0x200), PG_LEVEL_4K);
		fake_ext_check_coherent(&t->fx, t->mmu);
	}
	kvm_mmu_get_stats(t->mmu, &st);
	assert_int_equal(st.promotes, 0);
	assert_int_equal(st.promote_tries, 3);
	assert_int_equal(st.mirror_mappings[PG_LEVEL_4K], 512);
	/* An error that is not a refusal: KVM_BUG_ON. */
	promote_fake.fail_ret = -EIO;
	promote_fake.fail_count = 1;
	assert_int_equal(promote(t, 0x200, PG_LEVEL_2M, NULL), -EIO);
	assert_true(kvm_mmu_is_bugged(t->mmu));
	assert_int_equal(promote(t, 0x200, PG_LEVEL_2M, NULL), -EIO);
	assert_int_equal(promote_fake.calls, 4);
	test_vm_destroy(t);
}

static bool veto(void *arg, gfn_t gfn, int level, kvm_pfn_t pfn)
{
	(void)arg;
	assert_int_equal(gfn, 0x200);
	assert_int_equal(level, PG_LEVEL_2M);
	assert_int_equal(pfn, test_pfn(0x200));
	return false;
}

static void test_promote_not_candidate(void **state)
{
	struct test_vm *t = vm_create(0x10000);

	(void)state;
	/* Nothing mapped, or a 2M leaf: no table to promote. */
	assert_int_equal(promote(t, 0x200, PG_LEVEL_2M, NULL), -ENOENT);
	map_split(t, 0x200, PG_LEVEL_2M, PG_LEVEL_4K);
	/* The host's side says no. */
	assert_int_equal(promote(t, 0x200, PG_LEVEL_2M, veto), -ENOENT);
	/* A hole. */
	test_wlock(t);
	assert_int_equal(kvm_tdp_mmu_unmap_gfn_range(t->mmu, 0x300, 0x301, true), 0);
	test_wunlock(t);
	assert_int_equal(promote(t, 0x200, PG_LEVEL_2M, NULL), -ENOENT);
	/* Refilled with another frame: not contiguous. */
	assert_int_equal(test_fault(t->mmu, 0x300, test_pfn(0x5300), PG_LEVEL_4K, true, NULL),
			 RET_PF_FIXED);
	assert_int_equal(promote(t, 0x200, PG_LEVEL_2M, NULL), -ENOENT);
	assert_int_equal(promote_fake.calls, 0);
	/* Outside the memslot or at a level that cannot be a leaf. */
	assert_int_equal(promote(t, 0x20000, PG_LEVEL_2M, NULL), -ENOENT);
	assert_int_equal(promote(t, 0x200, PG_LEVEL_4K, NULL), -ENOENT);
	assert_false(kvm_mmu_is_bugged(t->mmu));
	fake_ext_check_coherent(&t->fx, t->mmu);
	test_wlock(t);
	assert_int_equal(kvm_tdp_mmu_unmap_gfn_range(t->mmu, 0x300, 0x301, true), 0);
	test_wunlock(t);
	test_vm_destroy(t);
}

static void test_promote_1g(void **state)
{
	const gfn_t g1 = KVM_PAGES_PER_HPAGE(PG_LEVEL_1G);
	struct test_vm *t = vm_create(2 * g1);
	struct kvm_mmu_stats st;
	kvm_pfn_t pfn;

	(void)state;
	/* A 1G leaf split to 2M, one of those to 4K. */
	map_split(t, g1, PG_LEVEL_1G, PG_LEVEL_2M);
	test_wlock(t);
	assert_int_equal(
		kvm_tdp_mmu_split_huge_pages(t->mmu, g1 + 0x400, g1 + 0x401, PG_LEVEL_4K, true), 0);
	test_wunlock(t);
	/* Not a 1G candidate while one child is a table. */
	read_lock(kvm_mmu_lock(t->mmu));
	assert_false(kvm_tdp_mmu_promote_candidate(t->mmu, g1, PG_LEVEL_1G, NULL));
	assert_true(kvm_tdp_mmu_promote_candidate(t->mmu, g1 + 0x400, PG_LEVEL_2M, &pfn));
	read_unlock(kvm_mmu_lock(t->mmu));
	assert_int_equal(pfn, test_pfn(g1 + 0x400));
	assert_int_equal(promote(t, g1, PG_LEVEL_1G, NULL), -ENOENT);
	/* Bottom-up. */
	assert_int_equal(promote(t, g1 + 0x400, PG_LEVEL_2M, NULL), 0);
	assert_int_equal(promote(t, g1, PG_LEVEL_1G, NULL), 0);
	assert_int_equal(level_of(t, g1 + 0x12345), PG_LEVEL_1G);
	kvm_mmu_get_stats(t->mmu, &st);
	assert_int_equal(st.promotes, 2);
	assert_int_equal(st.mirror_mappings[PG_LEVEL_1G], 1);
	assert_int_equal(st.mirror_mappings[PG_LEVEL_2M], 0);
	assert_int_equal(st.mirror_mappings[PG_LEVEL_4K], 0);
	fake_ext_check_coherent(&t->fx, t->mmu);
	test_vm_destroy(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_promote_2m),
		cmocka_unit_test(test_promote_refused),
		cmocka_unit_test(test_promote_not_candidate),
		cmocka_unit_test(test_promote_1g),
	};
	return cmocka_run_group_tests(tests, test_setup_rcu, test_teardown_rcu);
}
