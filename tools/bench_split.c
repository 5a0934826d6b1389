// SPDX-License-Identifier: GPL-2.0-only
/*
 * `split`: 2M -> 4K splits of private leaves on the MMU directly (TDX hooks:
 * BLOCK, TRACK, kick, DEMOTE) against a lower bound that writes the 2x512
 * entries a split must write (512 mirror children, 512 S-EPT children, both
 * parents) into pre-touched pages; the write-lock hold time of each split.
 *
 * `convert`: the VM path (include/tdpmmu/vm.h) -- a TD whose memory the
 * guest accepted at 2M, then N scattered 4K pages converted to shared,
 * and one range conversion whose ends cut two 2M mappings.
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "tdpmmu/mmu.h"
#include "tdpmmu/tdx.h"
#include "tdpmmu/vm.h"

#define MAX_REPEATS 16

/*
 * What split @s must write at least: its 512 mirror children and 512 S-EPT
 * children (not yet visible), then both parents.  Inlined into the timed
 * loops of both lower bounds.
 */
static inline void split_lower_bound_one(u64 s, u64 *mirror, _Atomic u64 *sept,
					 _Atomic u64 *parents)
{
	u64 pa = (s + 1) << 21;

	for (int i = 0; i < PTRS_PER_PTE; i++) {
		mirror[i] = (pa + ((u64)i << 12)) | 0x7;
		atomic_store_explicit(&sept[i], (pa + ((u64)i << 12)) | 0x104,
				      memory_order_relaxed);
	}
	atomic_exchange_explicit(&parents[2 * s], (u64)(uintptr_t)mirror | 1, memory_order_acq_rel);
	atomic_store_explicit(&parents[2 * s + 1], (u64)(uintptr_t)sept | 0x84,
			      memory_order_release);
}

/* The lower bound: the entries of @n splits, into pre-touched pages. */
static double split_lower_bound(u64 n)
{
	u64 *mirror = aligned_alloc(PAGE_SIZE, n * PAGE_SIZE);
	_Atomic u64 *sept = aligned_alloc(PAGE_SIZE, n * PAGE_SIZE);
	_Atomic u64 *parents = calloc(2 * n, sizeof(*parents));
	u64 t0, t1;

	if (!mirror || !sept || !parents) {
		free(mirror);
		free((void *)sept);
		free((void *)parents);
		return -1;
	}
	memset(mirror, 0, n * PAGE_SIZE);
	memset((void *)sept, 0, n * PAGE_SIZE);
	t0 = bench_thread_cpu_ns();
	for (u64 s = 0; s < n; s++)
		split_lower_bound_one(s, &mirror[s * 512], &sept[s * 512], parents);
	t1 = bench_thread_cpu_ns();
	free(mirror);
	free((void *)sept);
	free((void *)parents);
	return (double)(t1 - t0) / 1e9;
}

/*
 * Twice the last-level cache of the development VM (32 MiB): writing it
 * leaves none of the pages written before it cached.
 */
#define SCRUB_BYTES (64ULL << 20)

/*
 * Not a goal's yardstick: the same entries as the lower bound, but each
 * split's two pages are scattered 4 KiB pages that are not in the cache (a
 * scrub comes between their touch and the timed loop), as a split's two
 * pages from the page pool are.  What the memory traffic of a split costs
 * without any of its protocol (docs/PERFORMANCE.md, round 2, session 6).
 * Run after the splits, so the scrub does not change what they find.
 */
static double split_cold_lower_bound(u64 n)
{
	char *pages = aligned_alloc(PAGE_SIZE, 2 * n * PAGE_SIZE);
	u64 **page = calloc(2 * n, sizeof(*page));
	_Atomic u64 *parents = calloc(2 * n, sizeof(*parents));
	char *scrub = malloc(SCRUB_BYTES);
	double secs = -1;
	struct prng p;
	u64 t0, t1;

	if (!pages || !page || !parents || !scrub)
		goto out;
	memset(pages, 0, 2 * n * PAGE_SIZE);
	/* A random order of the pages (Fisher-Yates), as a pool's free stack gives. */
	prng_seed(&p, 6);
	for (u64 i = 0; i < 2 * n; i++)
		page[i] = (u64 *)(pages + i * PAGE_SIZE);
	for (u64 i = 2 * n - 1; i > 0; i--) {
		u64 j = prng_below(&p, i + 1), *t = page[i];

		page[i] = page[j];
		page[j] = t;
	}
	memset(scrub, 1, SCRUB_BYTES);
	t0 = bench_thread_cpu_ns();
	for (u64 s = 0; s < n; s++)
		split_lower_bound_one(s, page[2 * s], (_Atomic u64 *)page[2 * s + 1], parents);
	t1 = bench_thread_cpu_ns();
	secs = (double)(t1 - t0) / 1e9;
out:
	free(scrub);
	free((void *)parents);
	free(page);
	free(pages);
	return secs;
}

json_t *bench_split(const struct bench_opts *o)
{
	u64 n = o->quick ? 256 : 1024;
	double ratio[MAX_REPEATS], per_split_us[MAX_REPEATS], lb_us[MAX_REPEATS],
		hold_med[MAX_REPEATS], hold_p99[MAX_REPEATS], hold_vs_lb[MAX_REPEATS],
		cold_us[MAX_REPEATS], vs_cold[MAX_REPEATS];
	double *holds = calloc(n, sizeof(*holds));
	json_t *goals;
	int rep;

	if (!holds)
		return NULL;
	for (rep = 0; rep < o->repeats; rep++) {
		struct bench_td e;
		struct rwlock *lock;
		double lb, total;
		u64 t0, t1;

		bench_progress("split repeat %d/%d", rep + 1, o->repeats);
		if (bench_td_create(&e, n, TDX_MODULE_1_5)) {
			bench_td_destroy(&e);
			free(holds);
			return NULL;
		}
		lock = kvm_mmu_lock(e.mmu);
		t0 = bench_thread_cpu_ns();
		for (u64 i = 0; i < n; i++) {
			u64 h0, r;

			write_lock(lock);
			/* Hold time so far, excluding this acquisition (still open). */
			h0 = counter_read(&lock->write_hold_ns);
			r = (u64)kvm_tdp_mmu_split_huge_pages(e.mmu, i * 512, i * 512 + 512,
							      PG_LEVEL_4K, true);
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
		lb = split_lower_bound(n);
		if (lb <= 0) {
			free(holds);
			return NULL;
		}
		ratio[rep] = total / lb;
		per_split_us[rep] = total / (double)n * 1e6;
		lb_us[rep] = lb / (double)n * 1e6;
		hold_med[rep] = bench_percentile(holds, (int)n, 50) / 1e3;
		hold_p99[rep] = bench_percentile(holds, (int)n, 99) / 1e3;
		hold_vs_lb[rep] = hold_med[rep] / lb_us[rep];
	}
	free(holds);
	for (rep = 0; rep < o->repeats; rep++) {
		double cold = split_cold_lower_bound(n);

		if (cold <= 0)
			return NULL;
		cold_us[rep] = cold / (double)n * 1e6;
		vs_cold[rep] = per_split_us[rep] / cold_us[rep];
	}
	goals = json_array();
	json_array_append_new(goals, bench_goal("split <= 4x its lower bound", 4, true,
						bench_median(ratio, o->repeats), NULL));
	json_array_append_new(goals, bench_goal("... stretch <= 2x", 2, true,
						bench_median(ratio, o->repeats), NULL));
	json_array_append_new(goals, bench_goal("split hold median <= 3x its lower bound", 3, true,
						bench_median(hold_vs_lb, o->repeats), NULL));
	/*
	 * The lower bound's own time is reported too: it moves with the heap
	 * and cache state each repeat's teardown leaves (docs/PERFORMANCE.md,
	 * session 4), and the ratio with it.
	 */
	return json_pack(
		"{s:s,s:I,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o}", "path",
		"thread CPU time (hold times: wall, as the lock measures them); "
		"kvm_tdp_mmu_split_huge_pages on the MMU directly, one 2M leaf per "
		"call under write_lock (TDX hooks: BLOCK, TRACK, kick, DEMOTE); no vCPUs",
		"splits", (json_int_t)n, "split_vs_lower_bound", bench_stat(ratio, o->repeats),
		"us_per_split", bench_stat(per_split_us, o->repeats), "lower_bound_us_per_split",
		bench_stat(lb_us, o->repeats), "hold_us_median", bench_stat(hold_med, o->repeats),
		"hold_us_p99", bench_stat(hold_p99, o->repeats), "hold_median_vs_lower_bound",
		bench_stat(hold_vs_lb, o->repeats), "cold_lower_bound_us_per_split",
		bench_stat(cold_us, o->repeats), "split_vs_cold_lower_bound",
		bench_stat(vs_cold, o->repeats), "goals", goals);
}

/* ---- convert ---- */

static json_t *counter_delta(const struct kvm_counters *a, const struct kvm_counters *b, double per,
			     u64 wall_ns)
{
	json_t *leaves = json_object();

	for (int l = 0; l < NR_TDX_LEAVES; l++)
		if (b->leaf_calls[l] != a->leaf_calls[l])
			json_object_set_new(
				leaves, tdxmod_leaf_name(l),
				json_real((double)(b->leaf_calls[l] - a->leaf_calls[l]) / per));
	return json_pack("{s:o,s:f,s:f,s:f,s:f,s:f,s:f,s:f}", "seamcalls_per_unit", leaves,
			 "track_rounds_per_unit", (double)(b->track_rounds - a->track_rounds) / per,
			 "kicks_per_unit", (double)(b->kicks - a->kicks) / per, "splits_per_unit",
			 (double)(b->splits - a->splits) / per, "write_lock_acquisitions_per_unit",
			 (double)(b->write_lock_acquisitions - a->write_lock_acquisitions) / per,
			 "write_lock_hold_us_per_unit",
			 (double)(b->write_lock_hold_ns - a->write_lock_hold_ns) / per / 1e3,
			 "write_lock_hold_max_us", (double)b->write_lock_hold_max_ns / 1e3,
			 "wall_us_per_unit", (double)wall_ns / per / 1e3);
}

static int convert_td(u64 mem, struct kvm **kvmp)
{
	struct kvm_config cfg;
	int r;

	kvm_config_default(&cfg);
	cfg.mem = mem;
	cfg.nr_vcpus = 2;
	cfg.vcpu_threads = false;
	cfg.max_level = PG_LEVEL_2M;
	r = kvm_create(&cfg, kvmp);
	if (r)
		return r;
	if (kvm_tdx_finalize(*kvmp))
		return -EIO;
	return kvm_guest_accept_memory(*kvmp, 0, 0, mem);
}

json_t *bench_convert(const struct bench_opts *o)
{
	u64 mem = o->quick ? 1ULL << 30 : 4ULL << 30, n2m = mem >> 21;
	int n = o->quick ? 64 : 256;
	struct kvm_counters c0, c1;
	struct kvm *kvm = NULL;
	struct prng p;
	json_t *scattered, *range;
	u64 t0, t1;

	bench_progress("convert: accepting %llu MiB at 2M", (unsigned long long)(mem >> 20));
	if (convert_td(mem, &kvm)) {
		kvm_destroy(kvm);
		return NULL;
	}
	/*
	 * First one call on a range whose ends cut two 2M leaves and which
	 * covers 14 more whole: [base + 4K, base + 16 * 2M - 4K).
	 */
	{
		gpa_t base = (n2m / 2) << 21;

		kvm_get_counters(kvm, &c0);
		t0 = now_ns();
		if (kvm_set_memory_attributes(kvm, base + PAGE_SIZE, (16ULL << 21) - 2 * PAGE_SIZE,
					      false)) {
			kvm_destroy(kvm);
			return NULL;
		}
		t1 = now_ns();
		kvm_get_counters(kvm, &c1);
		range = counter_delta(&c0, &c1, 1, t1 - t0);
	}

	/* Then n scattered pages, one in each of n other 2M leaves. */
	prng_seed(&p, 1);
	kvm_get_counters(kvm, &c0);
	t0 = now_ns();
	for (int i = 0; i < n; i++) {
		u64 region = (u64)i * (n2m / 2 / (u64)n);
		gpa_t gpa = (region << 21) + (prng_below(&p, 512) << 12);

		bench_progress("convert %d/%d", i + 1, n);
		if (kvm_set_memory_attributes(kvm, gpa, PAGE_SIZE, false)) {
			json_decref(range);
			kvm_destroy(kvm);
			return NULL;
		}
	}
	t1 = now_ns();
	kvm_get_counters(kvm, &c1);
	scattered = counter_delta(&c0, &c1, n, t1 - t0);
	json_object_set_new(scattered, "pages", json_integer(n));
	kvm_destroy(kvm);
	return json_pack("{s:s,s:I,s:o,s:o}", "path",
			 "kvm_set_memory_attributes (VM API) on a TD the guest accepted at 2M, "
			 "2 vCPUs in single-thread mode; scattered: one call per page "
			 "(KVM_SET_MEMORY_ATTRIBUTES takes one range), figures per page",
			 "mem", (json_int_t)mem, "scattered_4K", scattered,
			 "one_range_cutting_2_leaves_spanning_16", range);
}
