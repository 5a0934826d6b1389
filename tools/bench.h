/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * `tdpmmu bench`: the benchmarks and what they share.  Every speed figure
 * is a ratio against a baseline measured in the same run (the machine is
 * shared and noisy), reported as min/median/max over repeats.  Each
 * benchmark fills one JSON object; the text report is printed from it.
 */
#ifndef TDPMMU_TOOLS_BENCH_H
#define TDPMMU_TOOLS_BENCH_H

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

#include "tdpmmu/types.h"
#include "tdpmmu/tdxmod.h"

struct bench_opts {
	bool quick;
	int repeats;
	const char *self; /* path of the tdpmmu binary (size runs children) */
	const char *emit; /* boot --emit FILE: write the calibrated boot scenario, run nothing */
	u64 boot_mem; /* boot --mem SIZE: the TD's RAM (0: 4G and 8G) */
};

/* ---- bench_util.c (wall time: now_ns() of base.h) ---- */
/*
 * CPU time of the process / of the calling thread: what single-threaded
 * figures are measured in, so that time the shared machine gives to other
 * work does not count.
 */
u64 bench_cpu_ns(void);
u64 bench_thread_cpu_ns(void);
/* Current resident set of this process in bytes (/proc/self/statm). */
u64 bench_rss_bytes(void);
/*
 * Peak resident set of this process (VmHWM), in bytes.  Not wait4's
 * ru_maxrss: posix_spawn's child runs on the parent's memory until exec,
 * and that peak would count.
 */
u64 bench_hwm_bytes(void);
/* Progress on stderr when it is a terminal ("\r" line, cleared at the end). */
void bench_progress(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void bench_progress_done(void);
/* {"min":..,"median":..,"max":..,"n":..} of @n samples (sorted in place). */
json_t *bench_stat(double *v, int n);
double bench_median(double *v, int n);
/* Percentile (0..100) of @n samples, sorted in place. */
double bench_percentile(double *v, int n, double p);
/* A goal line: {"goal":..,"target":..,"value":..,"met":..,"why":..}. */
json_t *bench_goal(const char *goal, double target, bool le, double value, const char *why);

/* ---- the benchmarks: each returns its object (NULL: could not run) ---- */
json_t *bench_fault(const struct bench_opts *o);
json_t *bench_scale2(const struct bench_opts *o);
json_t *bench_split(const struct bench_opts *o);
json_t *bench_promote(const struct bench_opts *o);
json_t *bench_convert(const struct bench_opts *o);
json_t *bench_size(const struct bench_opts *o);
json_t *bench_boot(const struct bench_opts *o);
json_t *bench_split_lock(const struct bench_opts *o);
/* bench_boot.c: `bench boot --emit FILE [--mem SIZE]`; exit status. */
int bench_boot_emit(const struct bench_opts *o);

/*
 * bench_size.c: `tdpmmu bench size-child ...`, the child process of one
 * size run (an internal subcommand, in bench's help); exit status.
 */
int bench_size_child(int argc, char **argv);
void bench_size_child_usage(FILE *f);

/* --plot DIR: DIR/bench-NAME*.svg from one benchmark's result (cairo).  0 or -1. */
int bench_plot(const char *dir, const char *name, json_t *result);

/* bench_td.c: the TD the split and promote benchmarks start from. */
struct bench_td {
	struct frame_allocator *fa;
	struct kvm_tdx *tdx;
	struct kvm_mmu *mmu;
	hpa_t *folios;
	u64 n;
};
/* @n private 2M leaves at GFN 0.., mapped through the MMU; 0 or -errno. */
int bench_td_create(struct bench_td *e, u64 n, enum tdxmod_version version);
/* Also after a failed bench_td_create(). */
void bench_td_destroy(struct bench_td *e);

#endif /* TDPMMU_TOOLS_BENCH_H */
