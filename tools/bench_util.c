// SPDX-License-Identifier: GPL-2.0-only
/*
 * What the benchmarks share: clock, RSS, progress line, summary statistics
 * and goal records.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

static u64 clock_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (u64)ts.tv_sec * 1000000000ULL + (u64)ts.tv_nsec;
}

u64 bench_cpu_ns(void)
{
	return clock_ns(CLOCK_PROCESS_CPUTIME_ID);
}

u64 bench_thread_cpu_ns(void)
{
	return clock_ns(CLOCK_THREAD_CPUTIME_ID);
}

u64 bench_hwm_bytes(void)
{
	char line[256];
	unsigned long kb = 0;
	FILE *f = fopen("/proc/self/status", "r");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmHWM: %lu kB", &kb) == 1)
			break;
	fclose(f);
	return (u64)kb * 1024;
}

u64 bench_rss_bytes(void)
{
	unsigned long size = 0, resident = 0;
	FILE *f = fopen("/proc/self/statm", "r");

	if (!f)
		return 0;
	if (fscanf(f, "%lu %lu", &size, &resident) != 2)
		resident = 0;
	fclose(f);
	return (u64)resident * (u64)sysconf(_SC_PAGESIZE);
}

static int progress_on = -1;

void bench_progress(const char *fmt, ...)
{
	va_list ap;

	if (progress_on < 0)
		progress_on = isatty(STDERR_FILENO);
	if (!progress_on)
		return;
	fputs("\r\033[K[bench] ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fflush(stderr);
}

void bench_progress_done(void)
{
	if (progress_on > 0) {
		fputs("\r\033[K", stderr);
		fflush(stderr);
	}
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

double bench_percentile(double *v, int n, double p)
{
	double pos;
	int i;

	if (n <= 0)
		return 0;
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	pos = p / 100.0 * (n - 1);
	i = (int)pos;
	if (i >= n - 1)
		return v[n - 1];
	return v[i] + (v[i + 1] - v[i]) * (pos - i);
}

double bench_median(double *v, int n)
{
	return bench_percentile(v, n, 50);
}

json_t *bench_stat(double *v, int n)
{
	double med = bench_median(v, n);

	return json_pack("{s:f,s:f,s:f,s:i}", "min", n ? v[0] : 0.0, "median", med, "max",
			 n ? v[n - 1] : 0.0, "n", n);
}

json_t *bench_goal(const char *goal, double target, bool le, double value, const char *why)
{
	bool met = le ? value <= target : value >= target;

	return json_pack("{s:s,s:s,s:f,s:f,s:b,s:s}", "goal", goal, "cmp",
			 le ? "<=" : ">=", "target", target, "value", value, "met", met, "why",
			 why ? why : "");
}
