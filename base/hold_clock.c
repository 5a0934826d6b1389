// SPDX-License-Identifier: GPL-2.0-only
/*
 * The clock of the write lock's hold times.  Every write_lock and
 * write_unlock reads it, four times per split with the lock dropped for
 * the allocation: clock_gettime() costs about 80 cycles on the development
 * VM, the TSC about 30, and the difference was 5-10 % of a split's CPU
 * time (docs/PERFORMANCE.md, round 2, session 6).  The TSC is read raw
 * and a hold converted to nanoseconds with a ratio measured once against
 * CLOCK_MONOTONIC.  The TSC must be invariant and synchronized across
 * CPUs (constant_tsc, nonstop_tsc: any x86 host of TDX); a hold that
 * reads backwards (a thread moved to a CPU whose TSC lags) counts as 0.
 * Elsewhere the clock is CLOCK_MONOTONIC itself.
 */
#include <pthread.h>

#include "tdpmmu/base.h"

#if defined(__x86_64__) || defined(__i386__)
#include <x86intrin.h>

/* Long enough that a microsecond of jitter is a part in a thousand. */
#define CALIBRATION_NS 1000000ULL

static double ns_per_tick;
static pthread_once_t calibrated = PTHREAD_ONCE_INIT;

static void calibrate(void)
{
	u64 n0 = now_ns(), c0 = __rdtsc(), n1, c1;

	do
		n1 = now_ns();
	while (n1 - n0 < CALIBRATION_NS);
	c1 = __rdtsc();
	ns_per_tick = c1 > c0 ? (double)(n1 - n0) / (double)(c1 - c0) : 1.0;
}

u64 hold_clock(void)
{
	return __rdtsc();
}

u64 hold_clock_ns(u64 since, u64 until)
{
	pthread_once(&calibrated, calibrate);
	return until > since ? (u64)((double)(until - since) * ns_per_tick) : 0;
}
#else
u64 hold_clock(void)
{
	return now_ns();
}

u64 hold_clock_ns(u64 since, u64 until)
{
	return until > since ? until - since : 0;
}
#endif
