// SPDX-License-Identifier: GPL-2.0-only
/*
 * A reader/writer lock that knows whether it is held and by whom, so that
 * entry points can assert the locking rule as lockdep does in the kernel,
 * and that measures write hold times for the report.  Writers are
 * preferred, as with the kernel's rwlock under contention (qrwlock).
 */
#include <stdio.h>
#include <stdlib.h>

#include "tdpmmu/base.h"

static uintptr_t self_id(void)
{
	return (uintptr_t)pthread_self() + 1;
}

/*
 * The read locks the calling thread holds (lockdep's per-task held-lock
 * stack): so that "held for read" means held by this thread, not by
 * anyone.  A thread holds few rwlocks at a time.
 */
#define RWLOCK_MAX_HELD_READ 8
static _Thread_local struct {
	struct rwlock *l;
	int n;
} held_read[RWLOCK_MAX_HELD_READ];

static int held_read_slot(struct rwlock *l)
{
	for (int i = 0; i < RWLOCK_MAX_HELD_READ; i++)
		if (held_read[i].l == l && held_read[i].n > 0)
			return i;
	return -1;
}

static void held_read_add(struct rwlock *l)
{
	int i = held_read_slot(l);

	for (int j = 0; i < 0 && j < RWLOCK_MAX_HELD_READ; j++)
		if (!held_read[j].n)
			i = j;
	BASE_ASSERT(i >= 0);
	held_read[i].l = l;
	held_read[i].n++;
}

static void held_read_del(struct rwlock *l)
{
	int i = held_read_slot(l);

	/* Unlocking a read lock this thread does not hold. */
	BASE_ASSERT(i >= 0);
	held_read[i].n--;
}

void rwlock_init(struct rwlock *l)
{
	pthread_rwlockattr_t attr;

	pthread_rwlockattr_init(&attr);
	pthread_rwlockattr_setkind_np(&attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	pthread_rwlock_init(&l->lock, &attr);
	pthread_rwlockattr_destroy(&attr);
	atomic_init(&l->readers, 0);
	atomic_init(&l->writer, 0);
	atomic_init(&l->write_acquisitions, 0);
	atomic_init(&l->write_hold_ns, 0);
	atomic_init(&l->write_hold_max_ns, 0);
	l->write_since_ns = 0;
}

void rwlock_destroy(struct rwlock *l)
{
	pthread_rwlock_destroy(&l->lock);
}

void (*tdpmmu_yield_hook)(enum yield_kind kind, const char *where);
#ifdef TDPMMU_BUGS
unsigned int tdpmmu_bugs;
#endif

/*
 * Under the explorer a blocking acquisition would stall the one running
 * logical thread forever: try, and hand the CPU on while the lock is taken.
 */
void read_lock(struct rwlock *l)
{
	yield_point(YIELD_LOCK, "read_lock");
	if (unlikely(tdpmmu_yield_hook != NULL)) {
		while (pthread_rwlock_tryrdlock(&l->lock))
			yield_point(YIELD_BLOCKED, "read_lock");
	} else {
		pthread_rwlock_rdlock(&l->lock);
	}
	atomic_fetch_add(&l->readers, 1);
	held_read_add(l);
}

void read_unlock(struct rwlock *l)
{
	BASE_ASSERT(atomic_load(&l->readers) > 0);
	held_read_del(l);
	atomic_fetch_sub(&l->readers, 1);
	pthread_rwlock_unlock(&l->lock);
}

void write_lock(struct rwlock *l)
{
	yield_point(YIELD_LOCK, "write_lock");
	if (unlikely(tdpmmu_yield_hook != NULL)) {
		while (pthread_rwlock_trywrlock(&l->lock))
			yield_point(YIELD_BLOCKED, "write_lock");
	} else {
		pthread_rwlock_wrlock(&l->lock);
	}
	atomic_store(&l->writer, self_id());
	l->write_since_ns = now_ns();
	counter_inc(&l->write_acquisitions);
}

void write_unlock(struct rwlock *l)
{
	u64 held, max;

	BASE_ASSERT(atomic_load(&l->writer) == self_id());
	held = now_ns() - l->write_since_ns;
	counter_add(&l->write_hold_ns, held);
	max = counter_read(&l->write_hold_max_ns);
	while (held > max && !atomic_compare_exchange_weak(&l->write_hold_max_ns,
							   (unsigned long long *)&max, held))
		;
	atomic_store(&l->writer, 0);
	pthread_rwlock_unlock(&l->lock);
}

bool rwlock_held_write(struct rwlock *l)
{
	return atomic_load(&l->writer) == self_id();
}

bool rwlock_held_read(struct rwlock *l)
{
	return held_read_slot(l) >= 0;
}

bool rwlock_held(struct rwlock *l)
{
	return rwlock_held_read(l) || rwlock_held_write(l);
}

void base_assert_fail(const char *cond, const char *file, int line, const char *func)
{
	fprintf(stderr, "tdpmmu: internal assertion failed: %s (%s:%d, %s)\n", cond, file, line,
		func);
	abort();
}
