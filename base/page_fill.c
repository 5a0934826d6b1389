// SPDX-License-Identifier: GPL-2.0-only
/*
 * Writing a page of 512 entries that step by a fixed amount: a split's new
 * table (make_small_sptes) and DEMOTE's new S-EPT page.  Sixteen-byte
 * stores, a cache line per iteration.  Into a page already in the cache
 * (DEMOTE's, zeroed by the top-up before the lock) a scalar loop of 512
 * eight-byte stores is bound by the store port: this takes DEMOTE from
 * about 800 to 500 cycles, under mmu_lock (docs/PERFORMANCE.md, round 2,
 * session 5).  Into a cold page the line fetches bound it either way.
 * GCC vector extensions: the same code for any target, and the sanitizers
 * instrument the stores as the 16-byte accesses they are.
 */
#include "tdpmmu/base.h"

/* may_alias: the page is an array of u64 (DEMOTE's: of _Atomic u64, not yet published). */
typedef u64 u64x2 __attribute__((vector_size(16), may_alias));

void page_fill_step(void *page, u64 first, u64 step)
{
	u64x2 *line = page;
	u64x2 v0 = {first, first + step};
	u64x2 two = {2 * step, 2 * step};
	u64x2 v1 = v0 + two, v2 = v1 + two, v3 = v2 + two;
	u64x2 eight = two * 4;

	BASE_ASSERT(!((uintptr_t)page & 15));
	for (int i = 0; i < PTRS_PER_PTE / 2; i += 4) {
		line[i] = v0;
		line[i + 1] = v1;
		line[i + 2] = v2;
		line[i + 3] = v3;
		v0 += eight;
		v1 += eight;
		v2 += eight;
		v3 += eight;
	}
}
