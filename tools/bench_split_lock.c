// SPDX-License-Identifier: GPL-2.0-only
/*
 * `tdpmmu bench split-lock`: what splitting under the shared mmu_lock buys
 * (vm split_lock=, docs/SPLIT-SHARED.md), exclusive and shared side by side
 * in one run:
 *  - write-lock acquisitions of the default TD lifecycle (the built-in
 *    scenario of `tdpmmu run`) in each mode;
 *  - the latency of other vCPUs' faults while one vCPU keeps forcing
 *    fault-path splits (guest 4K ACCEPTs inside 2M mappings): N faulting
 *    threads, one splitting thread, p50/p99/max of each fault, against the
 *    same faulters with no splitter;
 *  - the cost of one split in each mode (the splitting ACCEPT's latency,
 *    and the write-lock hold it causes).
 */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench.h"
#include "commands.h"
#include "scenario.h"
#include "tdpmmu/vm.h"

#define MB (1ULL << 20)
#define HUGE (2 * MB)

static const char *const mode_names[] = {"exclusive", "shared"};

/* ---- default lifecycle ---- */

static json_t *lifecycle_one(enum kvm_split_lock mode, u64 *wlocks)
{
	struct scn_run_opts ro = {.no_vcpu_threads = true};
	struct scn_result res;
	struct scenario scn;
	FILE *devnull = fopen("/dev/null", "w");
	json_t *r = NULL;
	int rc;

	if (!devnull)
		return NULL;
	ro.out = ro.err = devnull;
	if (scenario_parse("<built-in>", (const char *)default_scenario, default_scenario_len,
			   &scn) ||
	    !scn.nr_cmds || scn.cmds[0].kind != SCN_VM) {
		scenario_free(&scn);
		fclose(devnull);
		return NULL;
	}
	scn.cmds[0].split_lock = mode;
	memset(&res, 0, sizeof(res));
	rc = scenario_run(&scn, &ro, &res);
	*wlocks = res.write_lock_acquisitions;
	r = json_pack("{s:i,s:I,s:f,s:I,s:I,s:I}", "scenario_exit", rc, "mmu_write_locks",
		      (json_int_t)res.write_lock_acquisitions, "write_lock_hold_us",
		      (double)res.write_lock_hold_ns / 1e3, "splits", (json_int_t)res.splits,
		      "guest_inhibits", (json_int_t)res.guest_inhibits, "faults",
		      (json_int_t)res.faults);
	scn_result_free(&res);
	scenario_free(&scn);
	fclose(devnull);
	return r;
}

/* ---- faults while splits run ---- */

struct sl_run {
	struct kvm *kvm;
	int nr_faulters;
	u64 nr_split; /* 2M regions at the bottom, mapped 2M, to split */
	u64 nr_regions; /* all 2M regions */
	bool splitter;
	atomic_bool stop;
	atomic_int ready;
	atomic_int faulting; /* faulters past their first fault */
	/* results */
	double *split_ns;
	u64 splits_done;
};

struct sl_faulter {
	struct sl_run *run;
	int id; /* vCPU */
	double *lat_ns;
	u64 n, cap;
	int errors;
};

static void sl_start_barrier(struct sl_run *run)
{
	atomic_fetch_add(&run->ready, 1);
	while (atomic_load(&run->ready) < run->nr_faulters + (run->splitter ? 1 : 0))
		sched_yield();
}

static void *faulter_main(void *p)
{
	struct sl_faulter *f = p;
	struct sl_run *run = f->run;
	/* Own 2M regions: every nr_faulters-th above the split area. */
	u64 region = run->nr_split + (u64)f->id;

	sl_start_barrier(run);
	while (!atomic_load(&run->stop) && f->n < f->cap && region < run->nr_regions) {
		for (u64 k = 1; k < 512 && f->n < f->cap && !atomic_load(&run->stop); k++) {
			gpa_t gpa = region * HUGE + k * 4096;
			u64 t0 = now_ns();
			enum kvm_guest_result r =
				kvm_guest_access(run->kvm, f->id, gpa, false, false);

			f->lat_ns[f->n++] = (double)(now_ns() - t0);
			if (f->n == 1)
				atomic_fetch_add(&run->faulting, 1);
			if (r != KVM_GUEST_VE)
				f->errors++;
		}
		region += (u64)run->nr_faulters;
	}
	return NULL;
}

static void *splitter_main(void *p)
{
	struct sl_run *run = p;
	int vcpu = run->nr_faulters;

	sl_start_barrier(run);
	/* Splits start once every faulter is faulting. */
	while (atomic_load(&run->faulting) < run->nr_faulters)
		sched_yield();
	for (u64 i = 0; i < run->nr_split; i++) {
		u64 status = 0, t0 = now_ns();

		if (kvm_guest_accept(run->kvm, vcpu, i * HUGE + 4096, PG_LEVEL_4K, &status) !=
			    KVM_GUEST_STATUS ||
		    status != TDX_SUCCESS)
			break;
		run->split_ns[run->splits_done++] = (double)(now_ns() - t0);
	}
	atomic_store(&run->stop, true);
	return NULL;
}

struct sl_result {
	double *lat; /* pooled fault latencies, ns */
	u64 nr_lat;
	double *split; /* pooled split latencies, ns */
	u64 nr_split;
	u64 splits, write_locks, write_hold_ns, shared_busy, split_retries, read_waits;
	double window_ms;
	bool ok;
};

/*
 * One TD: @nr_split 2M regions mapped 2M (to be split by the guest's 4K
 * ACCEPTs), the rest with the guest inhibit set and one 4K page mapped, so
 * every access of the faulters is a 4K fault (AUG, #VE).  With
 * @splitter, the faulters run while the splits do; without, for
 * @window_ns.
 */
static int sl_run_one(enum kvm_split_lock mode, int nr_faulters, u64 mem, u64 nr_split,
		      bool splitter, u64 window_ns, struct sl_result *out)
{
	struct kvm_config cfg;
	struct sl_run run = {
		.nr_faulters = nr_faulters, .nr_split = nr_split, .splitter = splitter};
	struct sl_faulter *f = calloc((size_t)nr_faulters + 1, sizeof(*f));
	pthread_t *th = calloc((size_t)nr_faulters + 1, sizeof(*th));
	struct kvm_counters c0, c1;
	u64 cap = 200000, t0;
	int r = -1;

	if (!f || !th)
		goto out_free;
	kvm_config_default(&cfg);
	cfg.mem = mem;
	cfg.nr_vcpus = nr_faulters + 1;
	cfg.max_level = PG_LEVEL_2M;
	cfg.vcpu_threads = false; /* each bench thread is its vCPU */
	cfg.split_lock = mode;
	if (kvm_create(&cfg, &run.kvm))
		goto out_free;
	run.nr_regions = mem / HUGE;
	if (kvm_tdx_finalize(run.kvm))
		goto out_destroy;
	for (u64 i = 0; i < run.nr_regions; i++) {
		u64 status;

		if (i < nr_split) {
			if (kvm_guest_access(run.kvm, 0, i * HUGE, false, false) != KVM_GUEST_VE)
				goto out_destroy;
		} else if (kvm_guest_accept(run.kvm, 0, i * HUGE, PG_LEVEL_4K, &status) !=
				   KVM_GUEST_STATUS ||
			   status != TDX_SUCCESS) {
			goto out_destroy;
		}
	}
	run.split_ns = calloc(nr_split ? nr_split : 1, sizeof(double));
	if (!run.split_ns)
		goto out_destroy;
	for (int i = 0; i < nr_faulters; i++) {
		f[i] = (struct sl_faulter){.run = &run, .id = i, .cap = cap};
		f[i].lat_ns = malloc(cap * sizeof(double));
		if (!f[i].lat_ns)
			goto out_threads;
	}
	kvm_get_counters(run.kvm, &c0);
	t0 = now_ns();
	for (int i = 0; i < nr_faulters; i++)
		pthread_create(&th[i], NULL, faulter_main, &f[i]);
	if (splitter) {
		pthread_create(&th[nr_faulters], NULL, splitter_main, &run);
	} else {
		struct timespec ts = {.tv_sec = (time_t)(window_ns / 1000000000ULL),
				      .tv_nsec = (long)(window_ns % 1000000000ULL)};

		/* Sleep: a spinning main thread would take a CPU from the faulters. */
		nanosleep(&ts, NULL);
		atomic_store(&run.stop, true);
	}
	for (int i = 0; i < nr_faulters + (splitter ? 1 : 0); i++)
		pthread_join(th[i], NULL);
	out->window_ms += (double)(now_ns() - t0) / 1e6;
	kvm_get_counters(run.kvm, &c1);
	out->splits += c1.splits - c0.splits;
	out->write_locks += c1.write_lock_acquisitions - c0.write_lock_acquisitions;
	out->write_hold_ns += c1.write_lock_hold_ns - c0.write_lock_hold_ns;
	out->shared_busy += c1.shared_split_busy - c0.shared_split_busy;
	out->split_retries += c1.split_retries - c0.split_retries;
	out->read_waits += c1.read_lock_waits - c0.read_lock_waits;
	r = c1.vm_bugged ? -1 : 0;
	for (int i = 0; i < nr_faulters; i++) {
		double *n = realloc(out->lat, (out->nr_lat + f[i].n) * sizeof(double) + 1);

		if (f[i].errors || !n) {
			r = -1;
			if (n)
				out->lat = n;
			continue;
		}
		out->lat = n;
		memcpy(out->lat + out->nr_lat, f[i].lat_ns, f[i].n * sizeof(double));
		out->nr_lat += f[i].n;
	}
	if (splitter) {
		double *n =
			realloc(out->split, (out->nr_split + run.splits_done) * sizeof(double) + 1);

		if (!n || run.splits_done != nr_split)
			r = -1;
		if (n) {
			out->split = n;
			memcpy(out->split + out->nr_split, run.split_ns,
			       run.splits_done * sizeof(double));
			out->nr_split += run.splits_done;
		}
	}
out_threads:
	for (int i = 0; i < nr_faulters; i++)
		free(f[i].lat_ns);
	free(run.split_ns);
out_destroy:
	kvm_destroy(run.kvm);
out_free:
	free(f);
	free(th);
	return r;
}

static json_t *lat_json(double *v, u64 n)
{
	if (!n)
		return json_null();
	/* bench_percentile sorts in place. */
	return json_pack("{s:I,s:f,s:f,s:f,s:f}", "samples", (json_int_t)n, "p50_us",
			 bench_percentile(v, (int)n, 50) / 1e3, "p99_us",
			 bench_percentile(v, (int)n, 99) / 1e3, "p99_9_us",
			 bench_percentile(v, (int)n, 99.9) / 1e3, "max_us",
			 bench_percentile(v, (int)n, 100) / 1e3);
}

json_t *bench_split_lock(const struct bench_opts *o)
{
	int repeats = o->repeats ? o->repeats : (o->quick ? 3 : 5);
	int nr_faulters = 3;
	u64 mem = o->quick ? 512 * MB : 2048 * MB;
	u64 nr_split = o->quick ? 64 : 256;
	json_t *doc = json_object(), *life = json_object(), *lat = json_object();
	struct sl_result res[2] = {}, idle = {}, alone[2] = {};
	u64 wl[2] = {};
	double rate[2] = {}, waits[2] = {};
	bool ok = true;

	for (int m = 0; m < 2; m++) {
		json_t *one;

		bench_progress("split-lock: lifecycle %s", mode_names[m]);
		one = lifecycle_one((enum kvm_split_lock)m, &wl[m]);
		if (!one)
			ok = false;
		else
			json_object_set_new(life, mode_names[m], one);
	}
	json_object_set_new(doc, "default_lifecycle", life);

	for (int rep = 0; rep < repeats && ok; rep++) {
		/* Interleaved, so drift of the shared machine hits both alike. */
		for (int m = 0; m < 2 && ok; m++) {
			bench_progress("split-lock: faults while splitting, %s, %d/%d",
				       mode_names[m], rep + 1, repeats);
			if (sl_run_one((enum kvm_split_lock)m, nr_faulters, mem, nr_split, true, 0,
				       &res[m]))
				ok = false;
		}
		/* The split's own cost: no other vCPU running. */
		for (int m = 0; m < 2 && ok; m++)
			if (sl_run_one((enum kvm_split_lock)m, 0, mem / 4, nr_split, true, 0,
				       &alone[m]))
				ok = false;
		bench_progress("split-lock: faults, no splits, %d/%d", rep + 1, repeats);
		if (ok && sl_run_one(KVM_SPLIT_LOCK_EXCLUSIVE, nr_faulters, mem, 0, false,
				     (u64)(res[0].window_ms / (rep + 1) * 1e6 / 2), &idle))
			ok = false;
	}
	bench_progress_done();
	if (!ok) {
		json_decref(doc);
		json_decref(lat);
		for (int m = 0; m < 2; m++) {
			free(res[m].lat);
			free(res[m].split);
		}
		free(idle.lat);
		for (int m = 0; m < 2; m++)
			free(alone[m].split);
		return NULL;
	}

	json_object_set_new(lat, "config",
			    json_pack("{s:i,s:I,s:I,s:i}", "faulting_threads", nr_faulters,
				      "mem_mb", (json_int_t)(mem / MB), "splits_per_run",
				      (json_int_t)nr_split, "repeats", repeats));
	for (int m = 0; m < 2; m++) {
		struct sl_result *r = &res[m];
		json_t *one = json_object();

		json_object_set_new(one, "faults", lat_json(r->lat, r->nr_lat));
		/* Other vCPUs' progress while the splits ran. */
		rate[m] = r->window_ms > 0 ? (double)r->nr_lat / r->window_ms : 0;
		json_object_set_new(one, "faults_per_ms", json_real(rate[m]));
		json_object_set_new(one, "split", lat_json(r->split, r->nr_split));
		json_object_set_new(
			one, "counts",
			json_pack("{s:I,s:I,s:f,s:I,s:I,s:I,s:f,s:f}", "splits",
				  (json_int_t)r->splits, "mmu_write_locks",
				  (json_int_t)r->write_locks, "write_lock_hold_us_per_split",
				  r->splits ? (double)r->write_hold_ns / 1e3 / (double)r->splits
					    : 0.0,
				  "shared_split_busy", (json_int_t)r->shared_busy, "split_retries",
				  (json_int_t)r->split_retries, "fault_read_lock_waits",
				  (json_int_t)r->read_waits, "waits_per_split",
				  r->splits ? (double)r->read_waits / (double)r->splits : 0.0,
				  "window_ms_total", r->window_ms));
		waits[m] = r->splits ? (double)r->read_waits / (double)r->splits : 0.0;
		json_object_set_new(lat, mode_names[m], one);
	}
	for (int m = 0; m < 2; m++)
		json_object_set_new(lat, m ? "split_alone_shared" : "split_alone_exclusive",
				    lat_json(alone[m].split, alone[m].nr_split));
	json_object_set_new(
		lat, "no_splits",
		json_pack("{s:f,s:o}", "faults_per_ms",
			  idle.window_ms > 0 ? (double)idle.nr_lat / idle.window_ms : 0.0, "faults",
			  lat_json(idle.lat, idle.nr_lat)));
	json_object_set_new(doc, "faults_while_splitting", lat);

	json_object_set_new(
		doc, "goals",
		json_pack("[o,o]",
			  bench_goal("lifecycle write locks shared/exclusive", 1.0, true,
				     wl[0] ? (double)wl[1] / (double)wl[0] : 0,
				     "the fault path's splits and ACCEPT-level checks leave the "
				     "write lock"),
			  bench_goal("faults waiting for mmu_lock per split, shared", 0.1, true,
				     waits[1],
				     "a split under the read lock stops no other fault")));
	for (int m = 0; m < 2; m++) {
		free(res[m].lat);
		free(res[m].split);
	}
	free(idle.lat);
	for (int m = 0; m < 2; m++)
		free(alone[m].split);
	return doc;
}
