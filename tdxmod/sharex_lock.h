/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The TD-wide sharex try-locks of the module model (op-state lock, S-EPT
 * tree lock, TD epoch lock) with the shared side counted in per-thread
 * slots, each on its own cache line (a brlock): every S-EPT leaf takes two
 * of them shared, and one shared counter would make the vCPUs of a TD
 * queue for its line on every fault.  Same answers as one counter: a
 * shared try fails while the lock is held exclusively, an exclusive try
 * fails while anyone holds it.  Only a shared and an exclusive try racing
 * can now both fail (each sees the other's attempt), which a try-lock's
 * contract allows: BUSY is the module's answer to any contention.  Under
 * the explorer no thread switch falls between a try's two steps, so it
 * sees exactly the single-counter behaviour.
 *
 * Calls go through the sharex_* names of tdxmod_internal.h, which pick this
 * or the one-word lock (PAMT entries) by the operand's type.
 */
#ifndef TDPMMU_TDXMOD_SHAREX_LOCK_H
#define TDPMMU_TDXMOD_SHAREX_LOCK_H

#include <stdatomic.h>
#include <stdbool.h>

#include "tdpmmu/base.h"

#define SHAREX_LOCK_SLOTS 8

struct sharex_lock {
	atomic_int ex; /* 1 while held exclusively (or an exclusive try is looking) */
	char pad[64 - sizeof(atomic_int)];
	struct {
		atomic_int n; /* shared holds by the threads of this slot */
		char pad[64 - sizeof(atomic_int)];
	} sh[SHAREX_LOCK_SLOTS];
};

/* A thread's slot is its stat_counter slot: its own, or the shared one. */
_Static_assert(SHAREX_LOCK_SLOTS == STAT_COUNTER_SLOTS, "one lock slot per stat_counter slot");

static inline atomic_int *sharex_lock_slot(struct sharex_lock *l)
{
	return &l->sh[stat_counter_slot()].n;
}

static inline int sharex_lock_sharers(struct sharex_lock *l)
{
	int n = 0;

	for (int i = 0; i < SHAREX_LOCK_SLOTS; i++)
		n += atomic_load(&l->sh[i].n);
	return n;
}

/* Dekker's pattern, sequentially consistent: at least one side sees the other. */
static inline bool sharex_lock_try_sh(struct sharex_lock *l)
{
	atomic_int *slot = sharex_lock_slot(l);

	atomic_fetch_add(slot, 1);
	if (likely(!atomic_load(&l->ex)))
		return true;
	atomic_fetch_sub_explicit(slot, 1, memory_order_release);
	return false;
}

static inline bool sharex_lock_try_ex(struct sharex_lock *l)
{
	int v = 0;

	if (!atomic_compare_exchange_strong(&l->ex, &v, 1))
		return false;
	if (likely(!sharex_lock_sharers(l)))
		return true;
	atomic_store_explicit(&l->ex, 0, memory_order_release);
	return false;
}

/*
 * Leaving a shared hold needs no store-load order (a try-lock: nobody
 * waits to be woken), only release.  In a slot that is the thread's own,
 * no other thread writes the count, so a load and a release store do it
 * without a locked instruction (two per S-EPT leaf); the shared slot
 * subtracts atomically.
 */
static inline void sharex_lock_release(struct sharex_lock *l, bool ex)
{
	atomic_int *n;

	if (ex) {
		atomic_store_explicit(&l->ex, 0, memory_order_release);
		return;
	}
	n = sharex_lock_slot(l);
	if (likely(n != &l->sh[STAT_COUNTER_SHARED_SLOT].n))
		atomic_store_explicit(n, atomic_load_explicit(n, memory_order_relaxed) - 1,
				      memory_order_release);
	else
		atomic_fetch_sub_explicit(n, 1, memory_order_release);
}

/* Held by anyone (a quiet lock: the checker). */
static inline bool sharex_lock_held(struct sharex_lock *l)
{
	return atomic_load(&l->ex) || sharex_lock_sharers(l);
}

#endif /* TDPMMU_TDXMOD_SHAREX_LOCK_H */
