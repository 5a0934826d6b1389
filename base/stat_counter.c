// SPDX-License-Identifier: GPL-2.0-only
/*
 * Slot assignment of the sharded statistics counters: each thread gets the
 * next slot, round robin, the first time it counts.
 */
#include "tdpmmu/base.h"

_Thread_local int stat_counter_slot_plus1;

int stat_counter_slot_init(void)
{
	static atomic_uint next;
	int s = (int)(atomic_fetch_add_explicit(&next, 1, memory_order_relaxed) %
		      STAT_COUNTER_SLOTS);

	stat_counter_slot_plus1 = s + 1;
	return s;
}
