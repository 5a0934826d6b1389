// SPDX-License-Identifier: GPL-2.0-only
/*
 * `promote`: 4K -> 2M promotions of private tables on the MMU directly
 * (TDX hooks: BLOCK, TRACK, kick, PROMOTE) against a lower bound that does
 * what any promotion must: read the 512 mirror and 512 S-EPT children to
 * check them, write the 512 PAMT 4K entries back to free, and write both
 * parents; the write-lock hold time of each promotion.
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "tdpmmu/mmu.h"
#include "tdpmmu/tdx.h"

#define MAX_REPEATS 16

/* @n private 2M leaves at GFN 0.., each split to 4K (MAPPED children). */
static int promote_env_create(struct bench_td *e, u64 n, enum tdxmod_version version)
{
	struct rwlock *lock;
	int r = bench_td_create(e, n, version);

	if (r)
		return r;
	/*
	 * The AUGed 2M leaves are PENDING; split, they give 512 PENDING
	 * children each, which PROMOTE merges as readily as MAPPED ones.
	 */
	lock = kvm_mmu_lock(e->mmu);
	write_lock(lock);
	r = kvm_tdp_mmu_split_huge_pages(e->mmu, 0, n * 512, PG_LEVEL_4K, true);
	write_unlock(lock);
	return r;
}

/* The lower bound: the reads and writes of @n promotions, pre-touched. */
static double promote_lower_bound(u64 n)
{
	u64 *mirror = aligned_alloc(PAGE_SIZE, n * PAGE_SIZE);
	_Atomic u64 *sept = aligned_alloc(PAGE_SIZE, n * PAGE_SIZE);
	_Atomic u64 *pamt = aligned_alloc(PAGE_SIZE, 2 * n * PAGE_SIZE);
	_Atomic u64 *parents = calloc(2 * n, sizeof(*parents));
	u64 t0, t1, bad = 0;

	if (!mirror || !sept || !pamt || !parents) {
		free(mirror);
		free((void *)sept);
		free((void *)pamt);
		free((void *)parents);
		return -1;
	}
	for (u64 s = 0; s < n; s++) {
		u64 pa = (s + 1) << 21;

		for (int i = 0; i < PTRS_PER_PTE; i++) {
			mirror[s * 512 + i] = (pa + ((u64)i << 12)) | 0x7;
			atomic_init(&sept[s * 512 + i], (pa + ((u64)i << 12)) | 0x104);
			atomic_init(&pamt[2 * (s * 512 + i)], 3);
			atomic_init(&pamt[2 * (s * 512 + i) + 1], 0);
		}
	}
	t0 = bench_thread_cpu_ns();
	for (u64 s = 0; s < n; s++) {
		u64 pa = (s + 1) << 21;

		/* Check both tables' children: contiguous, same attributes. */
		for (int i = 0; i < PTRS_PER_PTE; i++) {
			u64 want = pa + ((u64)i << 12);

			bad |= (mirror[s * 512 + i] ^ (want | 0x7)) |
			       (atomic_load_explicit(&sept[s * 512 + i], memory_order_relaxed) ^
				(want | 0x104));
		}
		/* Merge the PAMT: 512 4K entries (two words) back to free. */
		for (int i = 0; i < PTRS_PER_PTE; i++) {
			atomic_store_explicit(&pamt[2 * (s * 512 + i)], 0, memory_order_relaxed);
			atomic_store_explicit(&pamt[2 * (s * 512 + i) + 1], 0,
					      memory_order_relaxed);
		}
		/* The two parents become the huge leaf. */
		atomic_store_explicit(&parents[2 * s], pa | 0x87, memory_order_release);
		atomic_store_explicit(&parents[2 * s + 1], pa | 0x187, memory_order_release);
	}
	t1 = bench_thread_cpu_ns();
	free(mirror);
	free((void *)sept);
	free((void *)pamt);
	free((void *)parents);
	return bad ? -1 : (double)(t1 - t0) / 1e9;
}

/*
 * One module version.  1.5 locks each of the 512 children (a locked
 * instruction each way); 2.0 holds the tree lock exclusively instead.
 */
static json_t *bench_promote_version(const struct bench_opts *o, enum tdxmod_version version)
{
	u64 n = o->quick ? 256 : 1024;
	double ratio[MAX_REPEATS], per_us[MAX_REPEATS], hold_med[MAX_REPEATS],
		hold_p99[MAX_REPEATS], lb_us[MAX_REPEATS];
	double *holds = calloc(n, sizeof(*holds));
	int rep;

	if (!holds)
		return NULL;
	for (rep = 0; rep < o->repeats && rep < MAX_REPEATS; rep++) {
		struct bench_td e;
		struct rwlock *lock;
		double lb, total;
		u64 t0, t1;

		bench_progress("promote repeat %d/%d", rep + 1, o->repeats);
		if (promote_env_create(&e, n, version)) {
			bench_td_destroy(&e);
			free(holds);
			return NULL;
		}
		lock = kvm_mmu_lock(e.mmu);
		t0 = bench_thread_cpu_ns();
		for (u64 i = 0; i < n; i++) {
			u64 h0;
			int r;

			write_lock(lock);
			h0 = counter_read(&lock->write_hold_ns);
			r = kvm_tdp_mmu_promote_huge_page(e.mmu, i * 512, PG_LEVEL_2M, NULL, NULL);
			write_unlock(lock);
			holds[i] = (double)(counter_read(&lock->write_hold_ns) - h0);
			if (r) {
				bench_td_destroy(&e);
				free(holds);
				return NULL;
			}
		}
		t1 = bench_thread_cpu_ns();
		bench_td_destroy(&e);
		total = (double)(t1 - t0) / 1e9;
		lb = promote_lower_bound(n);
		if (lb <= 0) {
			free(holds);
			return NULL;
		}
		ratio[rep] = total / lb;
		per_us[rep] = total / (double)n * 1e6;
		lb_us[rep] = lb / (double)n * 1e6;
		hold_med[rep] = bench_percentile(holds, (int)n, 50) / 1e3;
		hold_p99[rep] = bench_percentile(holds, (int)n, 99) / 1e3;
	}
	free(holds);
	return json_pack("{s:I,s:o,s:o,s:o,s:o,s:o}", "promotions", (json_int_t)n,
			 "promote_vs_lower_bound", bench_stat(ratio, rep), "us_per_promote",
			 bench_stat(per_us, rep), "lower_bound_us_per_promote",
			 bench_stat(lb_us, rep), "hold_us_median", bench_stat(hold_med, rep),
			 "hold_us_p99", bench_stat(hold_p99, rep));
}

json_t *bench_promote(const struct bench_opts *o)
{
	json_t *v15 = bench_promote_version(o, TDX_MODULE_1_5);
	json_t *v20 = v15 ? bench_promote_version(o, TDX_MODULE_2_0) : NULL;

	if (!v20) {
		json_decref(v15);
		return NULL;
	}
	return json_pack("{s:s,s:o,s:o}", "path",
			 "thread CPU time (hold times: wall, as the lock measures them); "
			 "kvm_tdp_mmu_promote_huge_page on the MMU directly, one 4K table per "
			 "call under write_lock (TDX hooks: BLOCK, TRACK, kick, PROMOTE); no vCPUs",
			 "module_1_5", v15, "module_2_0", v20);
}
