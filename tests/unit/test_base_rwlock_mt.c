// SPDX-License-Identifier: GPL-2.0-only
/*
 * base/rwlock.c with threads: readers in their own slots exclude a writer
 * and are excluded by it, a waiting reader wakes when the writer leaves,
 * a writer waits for the readers to drain.  TSan (ctest -L mt) checks the
 * exclusion too: the protected words are plain.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "tdpmmu/base.h"

struct shared {
	struct rwlock l;
	u64 a, b; /* equal whenever the lock is not held for write */
	atomic_int reader_in, writer_in;
	atomic_bool stop;
	atomic_int bad;
};

static void *reader(void *p)
{
	struct shared *s = p;

	for (int i = 0; i < 20000 && !atomic_load(&s->stop); i++) {
		read_lock(&s->l);
		if (s->a != s->b || !rwlock_held_read(&s->l) || rwlock_held_write(&s->l))
			atomic_fetch_add(&s->bad, 1);
		read_unlock(&s->l);
	}
	return NULL;
}

static void *writer(void *p)
{
	struct shared *s = p;

	for (int i = 0; i < 2000; i++) {
		write_lock(&s->l);
		s->a++;
		/*
		 * No check of rwlock_readers() here: a reader that is trying
		 * counts itself for a moment before it sees the writer and
		 * steps back.
		 */
		s->b++;
		write_unlock(&s->l);
	}
	return NULL;
}

static void test_readers_and_writer_exclude(void **state)
{
	static struct shared s;
	pthread_t t[3];

	(void)state;
	rwlock_init(&s.l);
	pthread_create(&t[0], NULL, reader, &s);
	pthread_create(&t[1], NULL, reader, &s);
	pthread_create(&t[2], NULL, writer, &s);
	for (int i = 0; i < 3; i++)
		pthread_join(t[i], NULL);
	assert_int_equal(atomic_load(&s.bad), 0);
	assert_int_equal(s.a, 2000);
	assert_int_equal(s.b, 2000);
	assert_int_equal(rwlock_readers(&s.l), 0);
	assert_int_equal(counter_read(&s.l.write_acquisitions), 2000);
	rwlock_destroy(&s.l);
}

static void sleep_ms(int ms)
{
	struct timespec ts = {0, ms * 1000000L};

	nanosleep(&ts, NULL);
}

static void *read_once(void *p)
{
	struct shared *s = p;

	read_lock(&s->l);
	atomic_store(&s->reader_in, 1);
	read_unlock(&s->l);
	return NULL;
}

/* A reader waits while a writer holds it, and wakes when it leaves. */
static void test_reader_waits_for_writer(void **state)
{
	static struct shared s;
	pthread_t t;

	(void)state;
	rwlock_init(&s.l);
	write_lock(&s.l);
	pthread_create(&t, NULL, read_once, &s);
	/* The reader finds the writer in (however late it is scheduled)... */
	for (int i = 0; i < 10000 && !counter_read(&s.l.read_waits); i++)
		sleep_ms(1);
	assert_int_equal(counter_read(&s.l.read_waits), 1);
	sleep_ms(10);
	/* ...and stays out until the writer leaves. */
	assert_int_equal(atomic_load(&s.reader_in), 0);
	write_unlock(&s.l);
	pthread_join(t, NULL);
	assert_int_equal(atomic_load(&s.reader_in), 1);
	rwlock_destroy(&s.l);
}

static void *write_once(void *p)
{
	struct shared *s = p;

	write_lock(&s->l);
	atomic_store(&s->writer_in, 1);
	write_unlock(&s->l);
	return NULL;
}

/* A writer waits for a reader already inside, and gets in when it leaves. */
static void test_writer_waits_for_reader(void **state)
{
	static struct shared s;
	pthread_t t;

	(void)state;
	rwlock_init(&s.l);
	read_lock(&s.l);
	assert_int_equal(rwlock_readers(&s.l), 1);
	pthread_create(&t, NULL, write_once, &s);
	sleep_ms(30);
	assert_int_equal(atomic_load(&s.writer_in), 0);
	read_unlock(&s.l);
	pthread_join(t, NULL);
	assert_int_equal(atomic_load(&s.writer_in), 1);
	assert_int_equal(rwlock_readers(&s.l), 0);
	rwlock_destroy(&s.l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_readers_and_writer_exclude),
		cmocka_unit_test(test_reader_waits_for_writer),
		cmocka_unit_test(test_writer_waits_for_reader),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
