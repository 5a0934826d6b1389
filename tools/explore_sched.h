/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The deterministic scheduler behind `tdpmmu explore`.  Logical threads are
 * real pthreads, but exactly one runs at a time: the token passes at the
 * yield points of include/tdpmmu/base.h.  Where more than one thread may
 * run next the scheduler records a choice point; a depth-first search over
 * the choice points, replaying each schedule from scratch, enumerates every
 * schedule with at most `bound` preemptions (a switch away from a thread
 * that could have gone on).  A switch forced by YIELD_BLOCKED or by a
 * thread's end costs nothing, so blocking is always explored fully.
 */
#ifndef TDPMMU_TOOLS_EXPLORE_SCHED_H
#define TDPMMU_TOOLS_EXPLORE_SCHED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#define XS_MAX_THREADS 4

enum xs_outcome {
	XS_DONE, /* every thread ran to its end */
	XS_DEADLOCK, /* every thread left is blocked, for good */
	XS_LIVELOCK, /* the step limit was reached */
	XS_REPLAY_MISMATCH, /* --replay named a thread that could not run there */
};

struct xs_sched;

/*
 * @bound: preemptions per schedule (< 0: unbounded).  @max_steps: yield
 * points one schedule may pass before it is called a livelock.
 */
struct xs_sched *xs_create(int bound, unsigned long long max_steps);
/*
 * Threads (or a schedule) left parked by a deadlock or livelock cannot be
 * undone: after such an outcome xs_destroy() leaks what they use.
 */
void xs_destroy(struct xs_sched *s);

/*
 * Run one schedule: @nr threads, thread i runs fn(arg, i).  The schedule
 * is the DFS's current one (the first one at start, then whatever
 * xs_next() chose), or the replay given to xs_set_replay().  The yield
 * hook is installed for the duration.  After XS_DEADLOCK or XS_LIVELOCK
 * the threads stay parked and nothing else may be run.
 */
enum xs_outcome xs_run(struct xs_sched *s, int nr, void (*fn)(void *arg, int id), void *arg);
/* Move to the next schedule in DFS order; false when all were run. */
bool xs_next(struct xs_sched *s);

/* "0,1,1,0": the thread picked at each choice point of the last run. */
void xs_schedule_string(const struct xs_sched *s, char *buf, size_t len);
/* Follow @str ("0,1,1") at the first choice points, then the default. -1 if malformed. */
int xs_set_replay(struct xs_sched *s, const char *str);
/* Print every yield point of the following runs to @f (NULL: off). */
void xs_set_trace(struct xs_sched *s, FILE *f);

/* About the last run. */
size_t xs_choice_points(const struct xs_sched *s);
unsigned long long xs_steps(const struct xs_sched *s);
/*
 * Choice point @k of the last run: the candidates (the default first) into
 * @cands, the one taken into *@picked; returns how many (0: no such point).
 */
int xs_choice_at(const struct xs_sched *s, size_t k, int *picked, int cands[XS_MAX_THREADS]);
int xs_preemptions(const struct xs_sched *s);
/* For a deadlock or livelock: which thread, where. */
const char *xs_outcome_detail(const struct xs_sched *s);
/* Choice points whose candidates differed on replay (should stay 0). */
unsigned long long xs_nondeterminism(const struct xs_sched *s);

const char *xs_outcome_name(enum xs_outcome o);

#endif /* TDPMMU_TOOLS_EXPLORE_SCHED_H */
