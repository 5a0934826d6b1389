/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Test helper for tests/unit/test_mmu_*.c: a fake external page table
 * behind struct kvm_external_ops.  It keeps its own shadow table keyed by
 * (gfn, level), checks each hook's preconditions the way the TDX module
 * would (parent linked before a child, table empty before it is freed,
 * ...), records calls, and fails on demand.  fake_ext_check_coherent()
 * asserts mirror == external.
 */
#ifndef TEST_MMU_FAKE_H
#define TEST_MMU_FAKE_H

#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "tdpmmu/mmu.h"
#include "tdpmmu/spte.h"

enum fake_op { FAKE_LINK, FAKE_SET, FAKE_REMOVE, FAKE_FREE, FAKE_SPLIT, FAKE_TOPUP, FAKE_NR_OPS };

struct fake_entry {
	gfn_t gfn;
	int level;
	bool leaf;
	u64 val; /* pfn for a leaf, external page hpa for a table */
};

struct fake_ext {
	pthread_mutex_t lock;
	struct fake_entry *e;
	size_t nr, cap;
	u64 calls[FAKE_NR_OPS];
	u64 errors; /* precondition violations seen */
	int fail_ret[FAKE_NR_OPS]; /* return this ... */
	int fail_count[FAKE_NR_OPS]; /* ... for the next N calls */
	/* Called inside the hook (while the mirror SPTE is frozen). */
	void (*in_hook)(struct fake_ext *fx, enum fake_op op, gfn_t gfn, int level);
	void *in_hook_arg;
	struct kvm_mmu *mmu;
};

static inline long fake_find(struct fake_ext *fx, gfn_t gfn, int level)
{
	for (size_t i = 0; i < fx->nr; i++)
		if (fx->e[i].gfn == gfn && fx->e[i].level == level)
			return (long)i;
	return -1;
}

static inline void fake_add(struct fake_ext *fx, gfn_t gfn, int level, bool leaf, u64 val)
{
	if (fx->nr == fx->cap) {
		fx->cap = fx->cap ? fx->cap * 2 : 1024;
		fx->e = realloc(fx->e, fx->cap * sizeof(*fx->e));
	}
	fx->e[fx->nr++] = (struct fake_entry){gfn, level, leaf, val};
}

static inline void fake_del(struct fake_ext *fx, long i)
{
	fx->e[i] = fx->e[--fx->nr];
}

/* The parent of an entry at @level must be a linked table (the root always is). */
static inline bool fake_parent_ok(struct fake_ext *fx, gfn_t gfn, int level)
{
	long p;

	if (level == PT64_ROOT_4LEVEL)
		return true;
	p = fake_find(fx, gfn_round_for_level(gfn, level + 1), level + 1);
	return p >= 0 && !fx->e[p].leaf;
}

static inline int fake_begin(struct fake_ext *fx, enum fake_op op, gfn_t gfn, int level)
{
	int ret = 0;

	pthread_mutex_lock(&fx->lock);
	fx->calls[op]++;
	if (fx->fail_count[op]) {
		fx->fail_count[op]--;
		ret = fx->fail_ret[op];
	}
	pthread_mutex_unlock(&fx->lock);
	if (fx->in_hook)
		fx->in_hook(fx, op, gfn, level);
	return ret;
}

static inline int fake_link(void *opaque, gfn_t gfn, int level, hpa_t ext)
{
	struct fake_ext *fx = opaque;
	int ret = fake_begin(fx, FAKE_LINK, gfn, level);

	if (ret)
		return ret;
	pthread_mutex_lock(&fx->lock);
	if (level <= PG_LEVEL_4K || !ext || fake_find(fx, gfn, level) >= 0 ||
	    !fake_parent_ok(fx, gfn, level) || gfn != gfn_round_for_level(gfn, level))
		fx->errors++;
	else
		fake_add(fx, gfn, level, false, ext);
	pthread_mutex_unlock(&fx->lock);
	return 0;
}

static inline int fake_set(void *opaque, gfn_t gfn, int level, kvm_pfn_t pfn)
{
	struct fake_ext *fx = opaque;
	int ret = fake_begin(fx, FAKE_SET, gfn, level);

	if (ret)
		return ret;
	pthread_mutex_lock(&fx->lock);
	if (fake_find(fx, gfn, level) >= 0 || !fake_parent_ok(fx, gfn, level) ||
	    gfn != gfn_round_for_level(gfn, level))
		fx->errors++;
	else
		fake_add(fx, gfn, level, true, pfn);
	pthread_mutex_unlock(&fx->lock);
	return 0;
}

/* The hooks that run only under the exclusive mmu_lock check that they do. */
static inline int fake_begin_write(struct fake_ext *fx, enum fake_op op, gfn_t gfn, int level)
{
	int ret = fake_begin(fx, op, gfn, level);

	if (fx->mmu && !rwlock_held_write(kvm_mmu_lock(fx->mmu)))
		fx->errors++;
	return ret;
}

static inline int fake_remove(void *opaque, gfn_t gfn, int level, kvm_pfn_t pfn)
{
	struct fake_ext *fx = opaque;
	int ret = fake_begin_write(fx, FAKE_REMOVE, gfn, level);
	long i;

	if (ret)
		return ret;
	pthread_mutex_lock(&fx->lock);
	i = fake_find(fx, gfn, level);
	if (i < 0 || !fx->e[i].leaf || fx->e[i].val != pfn)
		fx->errors++;
	else
		fake_del(fx, i);
	pthread_mutex_unlock(&fx->lock);
	return 0;
}

static inline int fake_free(void *opaque, gfn_t gfn, int level, hpa_t ext)
{
	struct fake_ext *fx = opaque;
	int ret = fake_begin_write(fx, FAKE_FREE, gfn, level);
	long i;

	if (ret)
		return ret;
	pthread_mutex_lock(&fx->lock);
	i = fake_find(fx, gfn, level);
	if (i < 0 || fx->e[i].leaf || fx->e[i].val != ext) {
		fx->errors++;
	} else {
		/* Children first: the table must be empty. */
		for (size_t j = 0; j < fx->nr; j++)
			if (fx->e[j].level == level - 1 &&
			    gfn_round_for_level(fx->e[j].gfn, level) == gfn)
				fx->errors++;
		fake_del(fx, i);
	}
	pthread_mutex_unlock(&fx->lock);
	return 0;
}

static inline int fake_split(void *opaque, gfn_t gfn, int level, kvm_pfn_t pfn, hpa_t ext)
{
	struct fake_ext *fx = opaque;
	int ret = fake_begin_write(fx, FAKE_SPLIT, gfn, level);
	long i;

	if (ret)
		return ret;
	pthread_mutex_lock(&fx->lock);
	i = fake_find(fx, gfn, level);
	/* The MMU must pass the frame the huge leaf maps. */
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

static inline int fake_topup(void *opaque, int nr)
{
	(void)nr;
	return fake_begin(opaque, FAKE_TOPUP, 0, 0);
}

static const struct kvm_external_ops fake_ops __attribute__((unused)) = {
	.link_external_spt = fake_link,
	.set_external_spte = fake_set,
	.remove_external_spte = fake_remove,
	.free_external_spt = fake_free,
	.split_external_spt = fake_split,
	.topup_external_cache = fake_topup,
};

static inline void fake_ext_init(struct fake_ext *fx)
{
	memset(fx, 0, sizeof(*fx));
	pthread_mutex_init(&fx->lock, NULL);
}

static inline void fake_ext_destroy(struct fake_ext *fx)
{
	free(fx->e);
	pthread_mutex_destroy(&fx->lock);
}

static inline void fake_fail(struct fake_ext *fx, enum fake_op op, int ret, int count)
{
	pthread_mutex_lock(&fx->lock);
	fx->fail_ret[op] = ret;
	fx->fail_count[op] = count;
	pthread_mutex_unlock(&fx->lock);
}

struct coherence_walk {
	struct fake_ext *fx;
	size_t seen;
	u64 mismatches;
};

static inline int coherence_cb(void *arg, gfn_t gfn, int level, u64 spte, bool is_leaf)
{
	struct coherence_walk *w = arg;
	long i = fake_find(w->fx, gfn, level);

	w->seen++;
	if (i < 0 || w->fx->e[i].leaf != is_leaf ||
	    (is_leaf && w->fx->e[i].val != spte_to_pfn(spte)))
		w->mismatches++;
	return 0;
}

/* mirror == external: same entries, same kinds, same PFNs; no frozen SPTE left. */
static inline void fake_ext_check_coherent(struct fake_ext *fx, struct kvm_mmu *mmu)
{
	struct coherence_walk w = {.fx = fx};
	bool locked = !rwlock_held(kvm_mmu_lock(mmu));

	if (locked)
		read_lock(kvm_mmu_lock(mmu));
	pthread_mutex_lock(&fx->lock);
	kvm_tdp_mmu_for_each_present(mmu, true, coherence_cb, &w);
	assert_int_equal(w.mismatches, 0);
	assert_int_equal(w.seen, fx->nr);
	assert_int_equal(fx->errors, 0);
	pthread_mutex_unlock(&fx->lock);
	if (locked)
		read_unlock(kvm_mmu_lock(mmu));
}

/* Count of entries of one kind at one level in the fake external table. */
static inline size_t fake_count(struct fake_ext *fx, int level, bool leaf)
{
	size_t n = 0;

	for (size_t i = 0; i < fx->nr; i++)
		n += fx->e[i].level == level && fx->e[i].leaf == leaf;
	return n;
}

/* A fault on @gfn backed by @pfn (same alignment), up to @max_level. */
static inline int test_fault(struct kvm_mmu *mmu, gfn_t gfn, kvm_pfn_t pfn, int max_level,
			     bool private, int *mapped_level)
{
	struct kvm_page_fault f = {
		.gfn = gfn,
		.is_private = private,
		.write = true,
		.pfn = pfn,
		.max_level = max_level,
		.mmu_seq = kvm_mmu_invalidate_seq(mmu),
	};
	int r = kvm_tdp_mmu_page_fault(mmu, &f);

	if (mapped_level)
		*mapped_level = f.mapped_level;
	return r;
}

/* Backing PFNs for tests: gfn + a 1G-aligned offset, so every level aligns. */
#define TEST_PFN_BASE 0x4000000ULL
static inline kvm_pfn_t test_pfn(gfn_t gfn)
{
	return TEST_PFN_BASE + gfn;
}

/* One MMU over the fake external table. */
struct test_vm {
	struct frame_allocator *fa;
	struct fake_ext fx;
	struct kvm_mmu *mmu;
};

static inline struct test_vm *test_vm_create(gfn_t nr_gfns, bool mirror)
{
	struct test_vm *t = calloc(1, sizeof(*t));

	t->fa = frame_allocator_create();
	fake_ext_init(&t->fx);
	t->mmu = kvm_mmu_create(t->fa, mirror ? &fake_ops : NULL, &t->fx, nr_gfns);
	assert_non_null(t->mmu);
	t->fx.mmu = t->mmu;
	return t;
}

/* Destroy and check that every page and frame came back. */
static inline void test_vm_destroy(struct test_vm *t)
{
	kvm_mmu_destroy(t->mmu);
	assert_int_equal(t->fx.nr, 0);
	assert_int_equal(t->fx.errors, 0);
	assert_int_equal(pt_pages_in_use(t->fa), 0);
	assert_int_equal(frame_allocator_in_use(t->fa), 0);
	frame_allocator_destroy(t->fa);
	fake_ext_destroy(&t->fx);
	free(t);
}

static inline void test_wlock(struct test_vm *t)
{
	write_lock(kvm_mmu_lock(t->mmu));
}

static inline void test_wunlock(struct test_vm *t)
{
	write_unlock(kvm_mmu_lock(t->mmu));
}

static inline bool test_lookup(struct test_vm *t, gfn_t gfn, bool private, int *level,
			       kvm_pfn_t *pfn)
{
	bool r;

	read_lock(kvm_mmu_lock(t->mmu));
	r = kvm_tdp_mmu_lookup(t->mmu, gfn, private, level, pfn);
	read_unlock(kvm_mmu_lock(t->mmu));
	return r;
}

static inline int test_setup_rcu(void **state)
{
	(void)state;
	kvm_mmu_register_thread();
	return 0;
}

static inline int test_teardown_rcu(void **state)
{
	(void)state;
	kvm_mmu_unregister_thread();
	return 0;
}

#endif /* TEST_MMU_FAKE_H */
