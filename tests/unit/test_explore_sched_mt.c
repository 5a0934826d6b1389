// SPDX-License-Identifier: GPL-2.0-only
/*
 * The explorer's scheduler on toy threads that only call yield_point():
 * exact schedule counts under a preemption bound, a lost update that only
 * some interleavings show, replay of a schedule string, and a lock-order
 * deadlock (two mutexes taken in opposite orders) reported as such.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "explore_sched.h"
#include "tdpmmu/base.h"

struct toy {
	int yields; /* per thread */
	int counter;
	int steps[XS_MAX_THREADS];
};

static void yielder(void *arg, int id)
{
	struct toy *t = arg;

	for (int i = 0; i < t->yields; i++) {
		t->steps[id]++;
		yield_point(YIELD_CMPXCHG, "toy");
	}
}

static unsigned long long count_schedules(int nr, int yields, int bound)
{
	struct xs_sched *s = xs_create(bound, 1000);
	unsigned long long n = 0;

	assert_non_null(s);
	do {
		struct toy t = {.yields = yields};

		assert_int_equal(xs_run(s, nr, yielder, &t), XS_DONE);
		for (int i = 0; i < nr; i++)
			assert_int_equal(t.steps[i], yields);
		assert_true(bound < 0 || xs_preemptions(s) <= bound);
		n++;
	} while (xs_next(s));
	xs_destroy(s);
	return n;
}

static void test_counts(void **state)
{
	(void)state;
	/* No preemption: only who starts. */
	assert_int_equal(count_schedules(2, 3, 0), 2);
	assert_int_equal(count_schedules(3, 3, 0), 6);
	/* One preemption: none, or at one of the first thread's 3 yields. */
	assert_int_equal(count_schedules(2, 3, 1), 2 * (1 + 3));
	/* A single thread has one schedule. */
	assert_int_equal(count_schedules(1, 5, 2), 1);
	/* More budget, more schedules; unbounded is the most. */
	assert_true(count_schedules(2, 3, 2) > count_schedules(2, 3, 1));
	assert_true(count_schedules(2, 3, -1) >= count_schedules(2, 3, 2));
}

/* counter++ as load, yield, store: a preemption in between loses an update. */
static void incrementer(void *arg, int id)
{
	struct toy *t = arg;
	int v;

	(void)id;
	v = t->counter;
	yield_point(YIELD_CMPXCHG, "load");
	t->counter = v + 1;
	yield_point(YIELD_CMPXCHG, "store");
}

static void test_lost_update_and_replay(void **state)
{
	struct xs_sched *s = xs_create(1, 1000);
	char bad[256] = "";
	int lost = 0, fine = 0;

	(void)state;
	do {
		struct toy t = {0};

		assert_int_equal(xs_run(s, 2, incrementer, &t), XS_DONE);
		if (t.counter == 1) {
			lost++;
			if (!bad[0])
				xs_schedule_string(s, bad, sizeof(bad));
		} else {
			assert_int_equal(t.counter, 2);
			fine++;
		}
	} while (xs_next(s));
	xs_destroy(s);
	assert_true(lost > 0);
	assert_true(fine > 0);

	/* The schedule string brings the lost update back. */
	s = xs_create(1, 1000);
	assert_int_equal(xs_set_replay(s, bad), 0);
	for (int i = 0; i < 3; i++) {
		struct toy t = {0};
		char again[256];

		assert_int_equal(xs_run(s, 2, incrementer, &t), XS_DONE);
		assert_int_equal(t.counter, 1);
		xs_schedule_string(s, again, sizeof(again));
		assert_string_equal(again, bad);
	}
	assert_false(xs_next(s));
	assert_int_equal(xs_set_replay(s, "0,x"), -1);
	xs_destroy(s);
}

static pthread_mutex_t ma = PTHREAD_MUTEX_INITIALIZER, mb = PTHREAD_MUTEX_INITIALIZER;

static void ab_ba(void *arg, int id)
{
	pthread_mutex_t *first = id ? &mb : &ma, *second = id ? &ma : &mb;

	(void)arg;
	mutex_lock_yield(first, "first");
	mutex_lock_yield(second, "second");
	pthread_mutex_unlock(second);
	pthread_mutex_unlock(first);
}

/* Last: a deadlock leaves its threads parked for good. */
static void test_deadlock(void **state)
{
	struct xs_sched *s = xs_create(2, 100000);
	enum xs_outcome o = XS_DONE;
	int runs = 0;

	(void)state;
	do {
		o = xs_run(s, 2, ab_ba, NULL);
		runs++;
	} while (o == XS_DONE && xs_next(s));
	assert_int_equal(o, XS_DEADLOCK);
	assert_true(runs > 1); /* the first schedule runs one thread, then the other */
	assert_non_null(strstr(xs_outcome_detail(s), "no thread can progress"));
	/* The hook stays installed but ignores threads it does not run. */
	yield_point(YIELD_LOCK, "controller");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_counts),
		cmocka_unit_test(test_lost_update_and_replay),
		cmocka_unit_test(test_deadlock),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
