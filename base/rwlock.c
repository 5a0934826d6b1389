// SPDX-License-Identifier: GPL-2.0-only
/*
 * A reader/writer lock that knows whether it is held and by whom, so that
 * entry points can assert the locking rule as lockdep does in the kernel,
 * and that measures write hold times for the report.  Writers are
 * preferred, as with the kernel's rwlock under contention (qrwlock).  The
 * reader side is per-thread slots (percpu-rwsem): readers on different
 * cores touch no common line that is written (include/tdpmmu/base.h).
 */
#include <limits.h>
#include <linux/futex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

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
/* Entries at and above this index hold nothing: the scans stop there. */
static _Thread_local int held_read_top;

static int held_read_slot(struct rwlock *l)
{
	for (int i = 0; i < held_read_top; i++)
		if (held_read[i].l == l && held_read[i].n > 0)
			return i;
	return -1;
}

static void held_read_add(struct rwlock *l)
{
	int i = held_read_slot(l);

	for (int j = 0; i < 0 && j <= held_read_top && j < RWLOCK_MAX_HELD_READ; j++)
		if (!held_read[j].n)
			i = j;
	BASE_ASSERT(i >= 0);
	held_read[i].l = l;
	held_read[i].n++;
	if (i >= held_read_top)
		held_read_top = i + 1;
}

static void held_read_del(struct rwlock *l)
{
	int i = held_read_slot(l);

	/* Unlocking a read lock this thread does not hold. */
	BASE_ASSERT(i >= 0);
	held_read[i].n--;
	while (held_read_top && !held_read[held_read_top - 1].n)
		held_read_top--;
}

void rwlock_init(struct rwlock *l)
{
	memset(l, 0, sizeof(*l));
	atomic_init(&l->wstate, 0);
	atomic_init(&l->drain_seq, 0);
	pthread_mutex_init(&l->wmutex, NULL);
	atomic_init(&l->writer, 0);
	atomic_init(&l->write_acquisitions, 0);
	atomic_init(&l->write_hold_ns, 0);
	atomic_init(&l->write_hold_max_ns, 0);
	atomic_init(&l->read_waits, 0);
	for (int i = 0; i < RWLOCK_SLOTS; i++)
		atomic_init(&l->rd[i].n, 0);
	l->write_since = 0;
}

void rwlock_destroy(struct rwlock *l)
{
	pthread_mutex_destroy(&l->wmutex);
}

_Atomic(tdpmmu_yield_hook_fn) tdpmmu_yield_hook;
#ifdef TDPMMU_BUGS
unsigned int tdpmmu_bugs;
#endif

static void futex_wait(atomic_uint *addr, unsigned int val)
{
	syscall(SYS_futex, addr, FUTEX_WAIT_PRIVATE, val, NULL, NULL, 0);
}

static void futex_wake(atomic_uint *addr, int n)
{
	syscall(SYS_futex, addr, FUTEX_WAKE_PRIVATE, n, NULL, NULL, 0);
}

/* The calling thread's reader slot: fixed for the thread's life. */
static atomic_int *rd_slot(struct rwlock *l)
{
	int s = stat_counter_slot();

	return &l->rd[s % RWLOCK_SLOTS].n;
}

int rwlock_readers(struct rwlock *l)
{
	int n = 0;

	for (int i = 0; i < RWLOCK_SLOTS; i++)
		n += atomic_load(&l->rd[i].n);
	return n;
}

/*
 * Dekker's pattern, sequentially consistent on both sides: a reader adds
 * itself, then looks for a writer; a writer announces itself, then looks
 * for readers.  At least one of them sees the other.
 */
static bool read_trylock_slot(struct rwlock *l, atomic_int *slot)
{
	atomic_fetch_add(slot, 1);
	if (likely(!atomic_load(&l->wstate)))
		return true;
	atomic_fetch_sub(slot, 1);
	/* The writer may be waiting for this slot to drain. */
	atomic_fetch_add(&l->drain_seq, 1);
	futex_wake(&l->drain_seq, 1);
	return false;
}

/*
 * Under the explorer a blocking acquisition would stall the one running
 * logical thread forever: try, and hand the CPU on while the lock is taken.
 */
void read_lock(struct rwlock *l)
{
	atomic_int *slot = rd_slot(l);

	yield_point(YIELD_LOCK, "read_lock");
	if (unlikely(tdpmmu_yield_hook != NULL)) {
		while (!read_trylock_slot(l, slot))
			yield_point(YIELD_BLOCKED, "read_lock");
	} else if (!read_trylock_slot(l, slot)) {
		/* A writer holds it or waits for it (writers are preferred). */
		counter_inc(&l->read_waits);
		do {
			int v = atomic_load(&l->wstate);

			while (v) {
				if (v == 1 && !atomic_compare_exchange_strong(&l->wstate, &v, 2))
					continue;
				futex_wait((atomic_uint *)&l->wstate, 2);
				v = atomic_load(&l->wstate);
			}
		} while (!read_trylock_slot(l, slot));
	}
	held_read_add(l);
}

void read_unlock(struct rwlock *l)
{
	atomic_int *slot = rd_slot(l);

	held_read_del(l);
	BASE_ASSERT(atomic_load_explicit(slot, memory_order_relaxed) > 0);
	atomic_fetch_sub(slot, 1);
	if (unlikely(atomic_load(&l->wstate))) {
		atomic_fetch_add(&l->drain_seq, 1);
		futex_wake(&l->drain_seq, 1);
	}
}

/* With wmutex held: announced; true once no reader is left. */
static bool readers_drained(struct rwlock *l, bool wait)
{
	for (;;) {
		unsigned int seq = atomic_load(&l->drain_seq);

		if (!rwlock_readers(l))
			return true;
		if (!wait)
			return false;
		futex_wait(&l->drain_seq, seq);
	}
}

void write_lock(struct rwlock *l)
{
	yield_point(YIELD_LOCK, "write_lock");
	if (unlikely(tdpmmu_yield_hook != NULL)) {
		/*
		 * All or nothing between two yield points, as a trywrlock: no
		 * announcement is left standing while this thread is blocked.
		 */
		for (;;) {
			if (!pthread_mutex_trylock(&l->wmutex)) {
				atomic_store(&l->wstate, 1);
				if (readers_drained(l, false))
					break;
				atomic_store(&l->wstate, 0);
				pthread_mutex_unlock(&l->wmutex);
			}
			yield_point(YIELD_BLOCKED, "write_lock");
		}
	} else {
		pthread_mutex_lock(&l->wmutex);
		atomic_store(&l->wstate, 1);
		readers_drained(l, true);
	}
	/*
	 * The writer field and the write statistics are written only by the
	 * holder, and the writers' mutex orders holders: plain stores, no
	 * locked instruction (readers of the statistics load them atomically).
	 */
	atomic_store_explicit(&l->writer, self_id(), memory_order_relaxed);
	l->write_since = hold_clock();
	counter_add_exclusive(&l->write_acquisitions, 1);
}

void write_unlock(struct rwlock *l)
{
	u64 held, max;
	int v;

	BASE_ASSERT(atomic_load_explicit(&l->writer, memory_order_relaxed) == self_id());
	held = hold_clock_ns(l->write_since, hold_clock());
	counter_add_exclusive(&l->write_hold_ns, held);
	max = counter_read(&l->write_hold_max_ns);
	if (held > max)
		atomic_store_explicit(&l->write_hold_max_ns, held, memory_order_relaxed);
	atomic_store_explicit(&l->writer, 0, memory_order_relaxed);
	v = atomic_exchange(&l->wstate, 0);
	pthread_mutex_unlock(&l->wmutex);
	if (v == 2)
		futex_wake((atomic_uint *)&l->wstate, INT_MAX);
}

bool rwlock_held_write(struct rwlock *l)
{
	/* Only this thread ever stores its own id there. */
	return atomic_load_explicit(&l->writer, memory_order_relaxed) == self_id();
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
