// SPDX-License-Identifier: GPL-2.0-only
/*
 * The trace sink (include/tdpmmu/trace.h): formats one ftrace-shaped line
 * per event and writes it whole under a lock, so lines of concurrent
 * threads never interleave.
 */
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/syscall.h>

#include "tdpmmu/trace.h"

atomic_bool tdpmmu_trace_on;

static pthread_mutex_t trace_lock = PTHREAD_MUTEX_INITIALIZER;
static FILE *trace_out;
static u64 trace_max, trace_written, trace_cut;
static struct timespec trace_t0;

static _Thread_local char trace_task[16];
static _Thread_local long trace_tid;

void trace_start(FILE *f, u64 max_events)
{
	pthread_mutex_lock(&trace_lock);
	trace_out = f;
	trace_max = max_events;
	trace_written = 0;
	trace_cut = 0;
	clock_gettime(CLOCK_MONOTONIC, &trace_t0);
	fprintf(f, "# tracer: tdpmmu\n"
		   "#\n"
		   "#           TASK-PID     CPU#  |||||  TIMESTAMP  FUNCTION\n"
		   "#              | |         |   |||||     |         |\n");
	pthread_mutex_unlock(&trace_lock);
	atomic_store(&tdpmmu_trace_on, true);
}

u64 trace_stop(void)
{
	u64 n;

	atomic_store(&tdpmmu_trace_on, false);
	pthread_mutex_lock(&trace_lock);
	n = trace_written;
	if (trace_out) {
		if (trace_cut)
			fprintf(trace_out, "# trace bound reached: %llu more events not written\n",
				(unsigned long long)trace_cut);
		fflush(trace_out);
	}
	trace_out = NULL;
	pthread_mutex_unlock(&trace_lock);
	return n;
}

void trace_end(const char *why)
{
	if (!trace_enabled())
		return;
	atomic_store(&tdpmmu_trace_on, false);
	pthread_mutex_lock(&trace_lock);
	if (trace_out)
		fprintf(trace_out, "# %s\n", why);
	pthread_mutex_unlock(&trace_lock);
}

u64 trace_dropped(void)
{
	u64 n;

	pthread_mutex_lock(&trace_lock);
	n = trace_cut;
	pthread_mutex_unlock(&trace_lock);
	return n;
}

const char *trace_level_name(int pg_level)
{
	static const char *const names[] = {"none", "4K", "2M", "1G", "512G"};

	return pg_level >= 0 && pg_level <= 4 ? names[pg_level] : "?";
}

static void trace_task_init(void)
{
	if (trace_tid)
		return;
	trace_tid = (long)syscall(SYS_gettid);
	if (pthread_getname_np(pthread_self(), trace_task, sizeof(trace_task)) || !trace_task[0])
		snprintf(trace_task, sizeof(trace_task), "tdpmmu");
	/* ftrace's TASK-PID column: no spaces in the task name. */
	for (char *p = trace_task; *p; p++)
		if (*p == ' ')
			*p = '_';
}

void __trace_event(const char *event, const char *fmt, ...)
{
	char fields[512], line[768];
	struct timespec t;
	va_list ap;
	u64 us;
	int cpu, n;

	trace_task_init();
	va_start(ap, fmt);
	vsnprintf(fields, sizeof(fields), fmt, ap);
	va_end(ap);
	cpu = sched_getcpu();

	pthread_mutex_lock(&trace_lock);
	if (!trace_out) {
		pthread_mutex_unlock(&trace_lock);
		return;
	}
	if (trace_max && trace_written >= trace_max) {
		trace_cut++;
		pthread_mutex_unlock(&trace_lock);
		return;
	}
	/* Timestamps are taken under the lock, so they increase down the file. */
	clock_gettime(CLOCK_MONOTONIC, &t);
	us = (u64)(t.tv_sec - trace_t0.tv_sec) * 1000000 +
	     (u64)((t.tv_nsec - trace_t0.tv_nsec) / 1000);
	n = snprintf(line, sizeof(line), "%16s-%-7ld [%03d] ..... %6llu.%06llu: %s: %s\n",
		     trace_task, trace_tid, cpu < 0 ? 0 : cpu, (unsigned long long)(us / 1000000),
		     (unsigned long long)(us % 1000000), event, fields);
	if (n > (int)sizeof(line) - 1) {
		n = (int)sizeof(line) - 1;
		line[n - 1] = '\n';
	}
	fwrite(line, 1, (size_t)n, trace_out);
	trace_written++;
	pthread_mutex_unlock(&trace_lock);
}

void __trace_seamcall(const char *event, const char *leaf, u64 gpa, const char *level,
		      const char *status)
{
	if (level)
		__trace_event(event, "leaf=%s gpa=0x%llx level=%s status=%s", leaf,
			      (unsigned long long)gpa, level, status);
	else
		__trace_event(event, "leaf=%s status=%s", leaf, status);
}

void __trace_tdcall(const char *leaf, int vcpu, u64 gpa, const char *level, const char *status)
{
	__trace_event("tdx_tdcall", "leaf=%s vcpu=%d gpa=0x%llx level=%s status=%s", leaf, vcpu,
		      (unsigned long long)gpa, level, status);
}
