// SPDX-License-Identifier: GPL-2.0-only
/*
 * base/stat_counter.c with threads: a thread's slot is its own (adds are a
 * plain load and store), so no two living threads may have the same one
 * unless both are in the shared slot; sums stay exact with more threads
 * than slots; a slot comes back when its thread exits and its successor
 * goes on from the value left there.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "tdpmmu/base.h"

#define NR_THREADS (2 * STAT_COUNTER_SLOTS)
#define ADDS 20000

struct shared {
	struct stat_counter c;
	pthread_barrier_t all_counted, may_exit;
	int slot[NR_THREADS];
};

struct arg {
	struct shared *s;
	int i;
};

static void *adder(void *p)
{
	struct arg *a = p;

	for (int k = 0; k < ADDS; k++)
		stat_counter_inc(&a->s->c);
	stat_counter_add(&a->s->c, -1);
	a->s->slot[a->i] = stat_counter_slot();
	/* All alive at once: the slots seen are held at the same time. */
	pthread_barrier_wait(&a->s->all_counted);
	pthread_barrier_wait(&a->s->may_exit);
	return NULL;
}

static void test_sum_exact_slots_exclusive(void **state)
{
	static struct shared s;
	struct arg args[NR_THREADS];
	pthread_t t[NR_THREADS];
	int per_slot[STAT_COUNTER_SLOTS] = {0};

	(void)state;
	memset(&s.c, 0, sizeof(s.c));
	pthread_barrier_init(&s.all_counted, NULL, NR_THREADS + 1);
	pthread_barrier_init(&s.may_exit, NULL, NR_THREADS + 1);
	for (int i = 0; i < NR_THREADS; i++) {
		args[i] = (struct arg){.s = &s, .i = i};
		assert_int_equal(pthread_create(&t[i], NULL, adder, &args[i]), 0);
	}
	pthread_barrier_wait(&s.all_counted);
	for (int i = 0; i < NR_THREADS; i++) {
		assert_in_range(s.slot[i], 0, STAT_COUNTER_SLOTS - 1);
		per_slot[s.slot[i]]++;
	}
	/* The main thread may own one slot too; nobody else shares an own slot. */
	for (int k = 0; k < STAT_COUNTER_SHARED_SLOT; k++)
		assert_true(per_slot[k] <= 1);
	/* More threads than slots: the rest share the last one. */
	assert_true(per_slot[STAT_COUNTER_SHARED_SLOT] >= NR_THREADS - STAT_COUNTER_SHARED_SLOT);
	pthread_barrier_wait(&s.may_exit);
	for (int i = 0; i < NR_THREADS; i++)
		pthread_join(t[i], NULL);
	assert_int_equal(stat_counter_read(&s.c), (u64)NR_THREADS * (ADDS - 1));
	pthread_barrier_destroy(&s.all_counted);
	pthread_barrier_destroy(&s.may_exit);
}

static void *one_add(void *p)
{
	struct stat_counter *c = p;

	stat_counter_add(c, 3);
	return (void *)(intptr_t)stat_counter_slot();
}

/*
 * Threads one after another, many more than slots: each exits before the
 * next starts, so each gets a slot of its own (the one given back), and
 * every add is kept.
 */
static void test_slot_given_back_at_exit(void **state)
{
	static struct stat_counter c;
	int n = 4 * STAT_COUNTER_SLOTS;

	(void)state;
	for (int i = 0; i < n; i++) {
		pthread_t t;
		void *slot;

		assert_int_equal(pthread_create(&t, NULL, one_add, &c), 0);
		pthread_join(t, &slot);
		assert_int_not_equal((int)(intptr_t)slot, STAT_COUNTER_SHARED_SLOT);
	}
	assert_int_equal(stat_counter_read(&c), 3ULL * (u64)n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sum_exact_slots_exclusive),
		cmocka_unit_test(test_slot_given_back_at_exit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
