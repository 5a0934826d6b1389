// SPDX-License-Identifier: GPL-2.0-only
/*
 * Slot assignment of the sharded statistics counters: the first time a
 * thread counts it claims a free slot of its own, which it gives back when
 * it exits (a thread-specific key's destructor); with none free it takes
 * the shared slot.  Claim and give-back are an acquire and a release on
 * the mask of claimed slots, so a thread that inherits a slot sees the
 * value its previous owner left there and goes on adding to it.
 */
#include "tdpmmu/base.h"

_Thread_local int stat_counter_slot_plus1;

static atomic_uint owned; /* bit s: slot s is some living thread's own */
static pthread_key_t slot_key;
static pthread_once_t slot_key_once = PTHREAD_ONCE_INIT;

static void slot_release(void *arg)
{
	unsigned int s = (unsigned int)(uintptr_t)arg - 1;

	/* A count made after this (a later destructor) goes to the shared slot. */
	stat_counter_slot_plus1 = STAT_COUNTER_SHARED_SLOT + 1;
	atomic_fetch_and_explicit(&owned, ~(1u << s), memory_order_release);
}

static void slot_key_create(void)
{
	/* Without the key a claimed slot is never given back: claim none. */
	if (pthread_key_create(&slot_key, slot_release))
		atomic_store(&owned, (1u << STAT_COUNTER_SHARED_SLOT) - 1);
}

int stat_counter_slot_init(void)
{
	unsigned int m;

	pthread_once(&slot_key_once, slot_key_create);
	m = atomic_load_explicit(&owned, memory_order_relaxed);
	for (;;) {
		unsigned int free = ~m & ((1u << STAT_COUNTER_SHARED_SLOT) - 1);
		int s;

		if (!free)
			break;
		s = __builtin_ctz(free);
		if (atomic_compare_exchange_weak_explicit(&owned, &m, m | (1u << s),
							  memory_order_acquire,
							  memory_order_relaxed)) {
			/* Unless it can be given back at exit: then it stays claimed, unused. */
			if (pthread_setspecific(slot_key, (void *)(uintptr_t)(s + 1)))
				break;
			stat_counter_slot_plus1 = s + 1;
			return s;
		}
	}
	stat_counter_slot_plus1 = STAT_COUNTER_SHARED_SLOT + 1;
	return STAT_COUNTER_SHARED_SLOT;
}
