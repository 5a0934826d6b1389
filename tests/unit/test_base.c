// SPDX-License-Identifier: GPL-2.0-only
/* base/: frame allocator, fault injection, rwlock assertions and hold time, PRNG. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <time.h>
#include <cmocka.h>

#include "tdpmmu/base.h"

static void test_frame_alignment_and_accounting(void **state)
{
	struct frame_allocator *fa = frame_allocator_create();
	hpa_t a, b, c;

	(void)state;
	assert_int_equal(frame_alloc(fa, PG_LEVEL_4K, &a), 0);
	assert_int_equal(frame_alloc(fa, PG_LEVEL_2M, &b), 0);
	assert_int_equal(frame_alloc(fa, PG_LEVEL_1G, &c), 0);
	assert_int_equal(a & (PAGE_SIZE - 1), 0);
	assert_int_equal(b & ((2ULL << 20) - 1), 0);
	assert_int_equal(c & ((1ULL << 30) - 1), 0);
	assert_true(a != 0 && b != 0 && c != 0);
	/* No overlap between the blocks. */
	assert_true(a + PAGE_SIZE <= b || b + (2ULL << 20) <= a);
	assert_true(b + (2ULL << 20) <= c || c + (1ULL << 30) <= b);
	assert_int_equal(frame_allocator_in_use(fa), PAGE_SIZE + (2ULL << 20) + (1ULL << 30));
	/* A 2M block freed in 4K pieces is accounted piece by piece. */
	frame_free(fa, b, PAGE_SIZE);
	frame_free(fa, b + PAGE_SIZE, (2ULL << 20) - PAGE_SIZE);
	frame_free(fa, a, PAGE_SIZE);
	frame_free(fa, c, 1ULL << 30);
	assert_int_equal(frame_allocator_in_use(fa), 0);
	frame_allocator_destroy(fa);
}

static void test_frame_distinct_4k(void **state)
{
	struct frame_allocator *fa = frame_allocator_create();
	hpa_t seen[2048];
	int i, j;

	(void)state;
	for (i = 0; i < 2048; i++) {
		assert_int_equal(frame_alloc(fa, PG_LEVEL_4K, &seen[i]), 0);
		for (j = 0; j < i; j += 97)
			assert_true(seen[j] != seen[i]);
	}
	for (i = 1; i < 2048; i++)
		assert_true(seen[i] != seen[i - 1]);
	for (i = 0; i < 2048; i++)
		frame_free(fa, seen[i], PAGE_SIZE);
	assert_int_equal(frame_allocator_in_use(fa), 0);
	frame_allocator_destroy(fa);
}

static void test_frame_merge(void **state)
{
	struct frame_allocator *fa = frame_allocator_create();
	hpa_t big, again, small[PTRS_PER_PTE];
	int i;

	(void)state;
	/* A 2M block handed out, freed as 512 4K frames, comes back whole. */
	assert_int_equal(frame_alloc(fa, PG_LEVEL_2M, &big), 0);
	for (i = 0; i < PTRS_PER_PTE; i++)
		frame_free(fa, big + (u64)i * PAGE_SIZE, PAGE_SIZE);
	assert_int_equal(frame_alloc(fa, PG_LEVEL_2M, &again), 0);
	assert_int_equal(again, big);
	frame_free(fa, again, 2ULL << 20);
	/* 512 4K frames from one 2M block, all freed: the 1G chunk is whole again. */
	for (i = 0; i < PTRS_PER_PTE; i++)
		assert_int_equal(frame_alloc(fa, PG_LEVEL_4K, &small[i]), 0);
	for (i = 0; i < PTRS_PER_PTE; i++)
		assert_true((small[i] & ~((2ULL << 20) - 1)) == (small[0] & ~((2ULL << 20) - 1)));
	for (i = PTRS_PER_PTE - 1; i >= 0; i--)
		frame_free(fa, small[i], PAGE_SIZE);
	assert_int_equal(frame_alloc(fa, PG_LEVEL_1G, &again), 0);
	assert_int_equal(again, big & ~((1ULL << 30) - 1));
	frame_free(fa, again, 1ULL << 30);
	assert_int_equal(frame_allocator_in_use(fa), 0);
	frame_allocator_destroy(fa);
}

static void test_alloc_fail_injection(void **state)
{
	struct frame_allocator *fa = frame_allocator_create();
	hpa_t h;
	void *p;

	(void)state;
	/* Second and third allocations fail; guest folios are not injection points. */
	assert_int_equal(fault_inject_add(frame_allocator_inject(fa), 0, 2, 1), 0);
	assert_int_equal(frame_alloc(fa, PG_LEVEL_4K, &h), 0);
	assert_int_equal(frame_alloc_guest(fa, PG_LEVEL_2M, &h), 0);
	assert_int_equal(frame_alloc(fa, PG_LEVEL_4K, &h), -ENOMEM);
	assert_null(pt_page_alloc(fa));
	p = pt_page_alloc(fa);
	assert_non_null(p);
	assert_int_equal(pt_pages_in_use(fa), 1);
	pt_page_free(fa, p);
	assert_int_equal(pt_pages_in_use(fa), 0);
	frame_allocator_destroy(fa);
}

static void test_inject_rule_order(void **state)
{
	struct fault_inject fi;
	u64 v = 0;

	(void)state;
	fault_inject_init(&fi);
	/* Rule A: 1 fire after 1 call; rule B: 2 fires after 0 calls. */
	fault_inject_add(&fi, 0xA, 1, 1);
	fault_inject_add(&fi, 0xB, 2, 0);
	/* Call 1: A counts it (waiting), B is due and fires. */
	assert_true(fault_inject_should_fail(&fi, &v));
	assert_int_equal(v, 0xB);
	/* Call 2: A is due and fires first; B stays due. */
	assert_true(fault_inject_should_fail(&fi, &v));
	assert_int_equal(v, 0xA);
	assert_true(fault_inject_should_fail(&fi, &v));
	assert_int_equal(v, 0xB);
	assert_false(fault_inject_should_fail(&fi, &v));
	fault_inject_destroy(&fi);
}

static void test_rwlock_assertions(void **state)
{
	struct rwlock l;

	(void)state;
	rwlock_init(&l);
	assert_false(rwlock_held(&l));
	read_lock(&l);
	assert_true(rwlock_held_read(&l));
	assert_false(rwlock_held_write(&l));
	read_unlock(&l);
	write_lock(&l);
	assert_true(rwlock_held_write(&l));
	write_unlock(&l);
	assert_false(rwlock_held(&l));
	assert_int_equal(counter_read(&l.write_acquisitions), 1);
	rwlock_destroy(&l);
}

struct rwlock_other {
	struct rwlock *l;
	bool held_read, held;
};

static void *rwlock_other_thread(void *arg)
{
	struct rwlock_other *o = arg;

	o->held_read = rwlock_held_read(o->l);
	o->held = rwlock_held(o->l);
	return NULL;
}

/* "Held for read" is per thread: another thread's read lock does not count. */
static void test_rwlock_read_holder_per_thread(void **state)
{
	struct rwlock l, m;
	struct rwlock_other o = {.l = &l};
	pthread_t t;

	(void)state;
	rwlock_init(&l);
	rwlock_init(&m);
	read_lock(&l);
	read_lock(&l); /* recursive read: still held after one unlock */
	read_lock(&m);
	assert_int_equal(pthread_create(&t, NULL, rwlock_other_thread, &o), 0);
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_false(o.held_read);
	assert_false(o.held);
	assert_true(rwlock_held_read(&l));
	read_unlock(&l);
	assert_true(rwlock_held_read(&l));
	read_unlock(&l);
	assert_false(rwlock_held_read(&l));
	assert_true(rwlock_held_read(&m));
	read_unlock(&m);
	assert_false(rwlock_held(&m));
	rwlock_destroy(&l);
	rwlock_destroy(&m);
}

/*
 * Several read locks released out of order: the thread's table of held
 * read locks gets holes, and a lock taken again, or one taken after a
 * hole, is still known as held, and only by its holder.
 */
static void test_rwlock_held_read_out_of_order(void **state)
{
	struct rwlock l[4];

	(void)state;
	for (int i = 0; i < 4; i++)
		rwlock_init(&l[i]);
	for (int i = 0; i < 4; i++)
		read_lock(&l[i]);
	read_unlock(&l[1]);
	read_unlock(&l[3]);
	assert_true(rwlock_held_read(&l[0]) && rwlock_held_read(&l[2]));
	assert_false(rwlock_held_read(&l[1]) || rwlock_held_read(&l[3]));
	read_lock(&l[3]); /* into the hole */
	read_unlock(&l[0]);
	read_unlock(&l[2]);
	assert_true(rwlock_held_read(&l[3]));
	assert_false(rwlock_held_read(&l[0]) || rwlock_held_read(&l[1]) || rwlock_held_read(&l[2]));
	read_lock(&l[2]);
	read_lock(&l[2]);
	read_unlock(&l[3]);
	assert_true(rwlock_held_read(&l[2]));
	assert_false(rwlock_held_read(&l[3]));
	read_unlock(&l[2]);
	assert_true(rwlock_held_read(&l[2]));
	read_unlock(&l[2]);
	for (int i = 0; i < 4; i++) {
		assert_false(rwlock_held(&l[i]));
		rwlock_destroy(&l[i]);
	}
}

/*
 * The write lock's hold time (TSC-based, base/hold_clock.c) agrees with
 * CLOCK_MONOTONIC over a hold of some milliseconds, and a clock read
 * backwards counts as nothing.
 */
static void test_rwlock_hold_time(void **state)
{
	struct rwlock l;
	struct timespec ts = {.tv_nsec = 3000000};
	u64 t0, t1, held;

	(void)state;
	rwlock_init(&l);
	t0 = now_ns();
	write_lock(&l);
	nanosleep(&ts, NULL);
	write_unlock(&l);
	t1 = now_ns();
	held = counter_read(&l.write_hold_ns);
	assert_true(held >= 2900000);
	assert_true(held <= t1 - t0 + 100000);
	assert_int_equal(counter_read(&l.write_hold_max_ns), held);
	assert_int_equal(hold_clock_ns(hold_clock() + 1000, hold_clock()), 0);
	rwlock_destroy(&l);
}

static void test_prng_reproducible(void **state)
{
	struct prng a, b;
	int i;

	(void)state;
	prng_seed(&a, 42);
	prng_seed(&b, 42);
	for (i = 0; i < 100; i++)
		assert_int_equal(prng_next(&a), prng_next(&b));
	for (i = 0; i < 1000; i++)
		assert_true(prng_below(&a, 7) < 7);
}

/* Pages are zeroed and aligned, each has its own private word, freed ones come back zeroed. */
static void test_page_pool(void **state)
{
	u64 *a, *b, *c;
	int marker;

	(void)state;
	a = page_pool_alloc(1);
	b = page_pool_alloc(3);
	assert_non_null(a);
	assert_non_null(b);
	assert_int_equal((uintptr_t)a & (PAGE_SIZE - 1), 0);
	assert_int_equal((uintptr_t)b & (PAGE_SIZE - 1), 0);
	for (int i = 0; i < 3 * 512; i++)
		assert_int_equal(b[i], 0);
	assert_null(page_private(a));
	page_set_private(a, &marker);
	page_set_private(b, a);
	assert_ptr_equal(page_private(a), &marker);
	assert_ptr_equal(page_private(b), a);
	a[0] = a[511] = ~0ULL;
	page_pool_free(a, 1);
	c = page_pool_alloc(1);
	/* The pool reuses the page just freed: zero again, private cleared. */
	assert_ptr_equal(c, a);
	assert_int_equal(c[0], 0);
	assert_int_equal(c[511], 0);
	assert_null(page_private(c));
	assert_ptr_equal(page_private(b), a);
	page_pool_free(c, 1);
	page_pool_free(b, 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_frame_alignment_and_accounting),
		cmocka_unit_test(test_frame_distinct_4k),
		cmocka_unit_test(test_frame_merge),
		cmocka_unit_test(test_alloc_fail_injection),
		cmocka_unit_test(test_inject_rule_order),
		cmocka_unit_test(test_rwlock_assertions),
		cmocka_unit_test(test_rwlock_read_holder_per_thread),
		cmocka_unit_test(test_rwlock_held_read_out_of_order),
		cmocka_unit_test(test_rwlock_hold_time),
		cmocka_unit_test(test_prng_reproducible),
		cmocka_unit_test(test_page_pool),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
