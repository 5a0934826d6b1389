// SPDX-License-Identifier: GPL-2.0-only
/*
 * The MMU's split under the read lock (mmu/tdp_mmu_split_shared.c) over the
 * fake external table: the hook runs with mmu_lock held for read only and
 * the mirror entry frozen; success publishes 512 children and accounts
 * them; -EBUSY/-EAGAIN/-ENOMEM put the huge leaf back bit for bit and free
 * the unused table; -EIO bugs the VM; a second walker meets the frozen
 * entry and backs off; 1G goes to 2M then 4K.
 */
#include "test_mmu_fake.h"

struct shared_hook_state {
	int calls;
	int not_read_locked; /* hook ran without the read lock, or with the write lock */
	int visible_while_frozen; /* the leaf was seen present during the hook */
	int nested_ret; /* a second split walk from inside the hook */
	bool nest;
	gfn_t start, end;
};

static struct shared_hook_state hs;

static int fake_split_shared(void *opaque, gfn_t gfn, int level, kvm_pfn_t pfn, hpa_t ext)
{
	struct fake_ext *fx = opaque;
	struct rwlock *lock = kvm_mmu_lock(fx->mmu);
	int ret = fake_begin(fx, FAKE_SPLIT, gfn, level);
	long i;

	hs.calls++;
	if (!rwlock_held_read(lock) || rwlock_held_write(lock))
		hs.not_read_locked++;
	if (kvm_tdp_mmu_lookup(fx->mmu, gfn, true, NULL, NULL))
		hs.visible_while_frozen++;
	if (hs.nest) {
		hs.nest = false;
		hs.nested_ret =
			kvm_tdp_mmu_split_huge_pages_shared(fx->mmu, hs.start, hs.end, PG_LEVEL_4K);
	}
	if (ret)
		return ret;
	pthread_mutex_lock(&fx->lock);
	i = fake_find(fx, gfn, level);
	if (i < 0 || !fx->e[i].leaf || !ext || level <= PG_LEVEL_4K || fx->e[i].val != pfn) {
		fx->errors++;
	} else {
		fx->e[i].leaf = false;
		fx->e[i].val = ext;
		for (int k = 0; k < PTRS_PER_PTE; k++)
			fake_add(fx, gfn + k * KVM_PAGES_PER_HPAGE(level - 1), level - 1, true,
				 pfn + k * KVM_PAGES_PER_HPAGE(level - 1));
	}
	pthread_mutex_unlock(&fx->lock);
	return 0;
}

static const struct kvm_external_ops shared_ops = {
	.link_external_spt = fake_link,
	.set_external_spte = fake_set,
	.remove_external_spte = fake_remove,
	.free_external_spt = fake_free,
	.split_external_spt = fake_split,
	.split_external_spt_shared = fake_split_shared,
	.topup_external_cache = fake_topup,
};

static struct test_vm *vm_create(gfn_t nr_gfns)
{
	struct test_vm *t = calloc(1, sizeof(*t));

	t->fa = frame_allocator_create();
	fake_ext_init(&t->fx);
	t->mmu = kvm_mmu_create(t->fa, &shared_ops, &t->fx, nr_gfns);
	assert_non_null(t->mmu);
	t->fx.mmu = t->mmu;
	memset(&hs, 0, sizeof(hs));
	return t;
}

static void map_level(struct test_vm *t, gfn_t gfn, int want)
{
	int level;

	assert_int_equal(test_fault(t->mmu, gfn, test_pfn(gfn), want, true, &level), RET_PF_FIXED);
	assert_int_equal(level, want);
}

static int split_shared(struct test_vm *t, gfn_t start, gfn_t end)
{
	int r;

	assert_int_equal(kvm_mmu_topup_memory_caches(t->mmu), 0);
	read_lock(kvm_mmu_lock(t->mmu));
	r = kvm_tdp_mmu_split_huge_pages_shared(t->mmu, start, end, PG_LEVEL_4K);
	read_unlock(kvm_mmu_lock(t->mmu));
	return r;
}

struct raw {
	gfn_t gfn;
	int level;
	u64 spte;
};

static int raw_cb(void *arg, gfn_t gfn, int level, u64 spte, bool is_leaf)
{
	struct raw *r = arg;

	if (is_leaf && gfn == r->gfn && level == r->level)
		r->spte = spte;
	return 0;
}

static u64 raw_leaf(struct test_vm *t, gfn_t gfn, int level)
{
	struct raw r = {.gfn = gfn, .level = level};

	read_lock(kvm_mmu_lock(t->mmu));
	kvm_tdp_mmu_for_each_present(t->mmu, true, raw_cb, &r);
	read_unlock(kvm_mmu_lock(t->mmu));
	return r.spte;
}

static void test_split_shared_2m(void **state)
{
	struct test_vm *t = vm_create(0x10000);
	struct kvm_mmu_stats st;
	int level;

	(void)state;
	map_level(t, 0x200, PG_LEVEL_2M);
	assert_int_equal(split_shared(t, 0x201, 0x202), 0);
	assert_int_equal(hs.calls, 1);
	assert_int_equal(hs.not_read_locked, 0);
	assert_int_equal(hs.visible_while_frozen, 0);
	assert_true(test_lookup(t, 0x3ff, true, &level, NULL));
	assert_int_equal(level, PG_LEVEL_4K);
	kvm_mmu_get_stats(t->mmu, &st);
	assert_int_equal(st.splits, 1);
	assert_int_equal(st.mirror_mappings[PG_LEVEL_4K], 512);
	assert_int_equal(st.mirror_mappings[PG_LEVEL_2M], 0);
	assert_int_equal(st.mirror_pt_pages, 3);
	fake_ext_check_coherent(&t->fx, t->mmu);
	/* Nothing left to split: no hook call. */
	assert_int_equal(split_shared(t, 0x200, 0x400), 0);
	assert_int_equal(hs.calls, 1);
	test_vm_destroy(t);
}

static void test_split_shared_failures_restore(void **state)
{
	static const int errs[] = {-EBUSY, -EAGAIN, -ENOMEM};
	struct test_vm *t = vm_create(0x10000);
	struct kvm_mmu_stats st;
	u64 before;

	(void)state;
	map_level(t, 0x200, PG_LEVEL_2M);
	before = raw_leaf(t, 0x200, PG_LEVEL_2M);
	assert_true(before != 0);
	for (size_t i = 0; i < ARRAY_SIZE(errs); i++) {
		fake_fail(&t->fx, FAKE_SPLIT, errs[i], 1);
		assert_int_equal(split_shared(t, 0x201, 0x202), errs[i]);
		/* The huge leaf is back exactly; nothing else moved. */
		assert_int_equal(raw_leaf(t, 0x200, PG_LEVEL_2M), before);
		assert_false(kvm_mmu_is_bugged(t->mmu));
		kvm_mmu_get_stats(t->mmu, &st);
		assert_int_equal(st.splits, 0);
		assert_int_equal(st.mirror_mappings[PG_LEVEL_2M], 1);
		assert_int_equal(st.mirror_mappings[PG_LEVEL_4K], 0);
		assert_int_equal(st.mirror_pt_pages, 2);
		fake_ext_check_coherent(&t->fx, t->mmu);
	}
	/* The retry succeeds. */
	assert_int_equal(split_shared(t, 0x201, 0x202), 0);
	fake_ext_check_coherent(&t->fx, t->mmu);
	test_vm_destroy(t);
}

static void test_split_shared_eio_bugs(void **state)
{
	struct test_vm *t = vm_create(0x10000);
	u64 before;

	(void)state;
	map_level(t, 0x200, PG_LEVEL_2M);
	before = raw_leaf(t, 0x200, PG_LEVEL_2M);
	fake_fail(&t->fx, FAKE_SPLIT, -EIO, 1);
	assert_int_equal(split_shared(t, 0x201, 0x202), -EIO);
	assert_true(kvm_mmu_is_bugged(t->mmu));
	assert_int_equal(raw_leaf(t, 0x200, PG_LEVEL_2M), before);
	fake_ext_check_coherent(&t->fx, t->mmu);
	/* A bugged VM refuses further splits. */
	assert_int_equal(split_shared(t, 0x201, 0x202), -EIO);
	test_vm_destroy(t);
}

static void test_split_shared_meets_frozen(void **state)
{
	struct test_vm *t = vm_create(0x10000);
	int level;

	(void)state;
	map_level(t, 0x200, PG_LEVEL_2M);
	/* From inside the hook (entry frozen), another walk of the same leaf. */
	hs.nest = true;
	hs.start = 0x300;
	hs.end = 0x301;
	assert_int_equal(split_shared(t, 0x201, 0x202), 0);
	assert_int_equal(hs.nested_ret, -EBUSY);
	assert_int_equal(hs.calls, 1);
	assert_true(test_lookup(t, 0x300, true, &level, NULL));
	assert_int_equal(level, PG_LEVEL_4K);
	/* A fault on the frozen range would have retried; now it is spurious. */
	assert_int_equal(test_fault(t->mmu, 0x300, test_pfn(0x300), PG_LEVEL_4K, true, &level),
			 RET_PF_SPURIOUS);
	fake_ext_check_coherent(&t->fx, t->mmu);
	test_vm_destroy(t);
}

static void test_split_shared_1g(void **state)
{
	struct test_vm *t = vm_create(0x80000);
	struct kvm_mmu_stats st;
	int level;

	(void)state;
	map_level(t, 0x40000, PG_LEVEL_1G);
	assert_int_equal(split_shared(t, 0x40201, 0x40202), 0);
	/* 1G -> 2M (one hook call), then the 2M covering the range -> 4K. */
	assert_int_equal(hs.calls, 2);
	assert_true(test_lookup(t, 0x40201, true, &level, NULL));
	assert_int_equal(level, PG_LEVEL_4K);
	assert_true(test_lookup(t, 0x40400, true, &level, NULL));
	assert_int_equal(level, PG_LEVEL_2M);
	kvm_mmu_get_stats(t->mmu, &st);
	assert_int_equal(st.splits, 2);
	assert_int_equal(st.mirror_mappings[PG_LEVEL_1G], 0);
	assert_int_equal(st.mirror_mappings[PG_LEVEL_2M], 511);
	assert_int_equal(st.mirror_mappings[PG_LEVEL_4K], 512);
	fake_ext_check_coherent(&t->fx, t->mmu);
	test_vm_destroy(t);
}

static void test_split_shared_without_hook(void **state)
{
	struct test_vm *t = test_vm_create(0x10000, true); /* fake_ops: no shared hook */

	(void)state;
	map_level(t, 0x200, PG_LEVEL_2M);
	read_lock(kvm_mmu_lock(t->mmu));
	assert_int_equal(kvm_tdp_mmu_split_huge_pages_shared(t->mmu, 0x200, 0x201, PG_LEVEL_4K),
			 -EOPNOTSUPP);
	read_unlock(kvm_mmu_lock(t->mmu));
	fake_ext_check_coherent(&t->fx, t->mmu);
	test_vm_destroy(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_split_shared_2m),
		cmocka_unit_test(test_split_shared_failures_restore),
		cmocka_unit_test(test_split_shared_eio_bugs),
		cmocka_unit_test(test_split_shared_meets_frozen),
		cmocka_unit_test(test_split_shared_1g),
		cmocka_unit_test(test_split_shared_without_hook),
	};
	return cmocka_run_group_tests(tests, test_setup_rcu, test_teardown_rcu);
}
