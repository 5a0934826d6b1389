// SPDX-License-Identifier: GPL-2.0-only
/*
 * The explorer's scheduler: token passing between real pthreads with one
 * semaphore each, choice points at yield points, bounded-preemption DFS
 * with replay from scratch (CHESS-style context bounding).
 *
 * Only the thread holding the token touches the scheduler's state; the
 * semaphore hand-off orders everything it wrote before the next holder
 * reads it.
 */
#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "explore_sched.h"
#include "tdpmmu/base.h"
#include "tdpmmu/trace.h"

/* BLOCKED yields in a row, with no thread making progress, that mean deadlock. */
#define XS_DEADLOCK_SPINS 1000

struct xs_choice {
	unsigned char ncand;
	unsigned char cand[XS_MAX_THREADS]; /* default first */
	unsigned char cost[XS_MAX_THREADS]; /* preemptions each one costs */
	unsigned char idx; /* the one taken */
	int preempt_before;
};

struct xs_thr {
	struct xs_sched *s;
	int id;
	pthread_t thread;
	sem_t go;
	bool done;
	/*
	 * After a YIELD_BLOCKED: the threads that must run before this one
	 * may run again (the others that could run then).  A spinning thread
	 * thus lets everyone else go first, which keeps retry loops (a fault
	 * retrying while an invalidation is in progress) from alternating
	 * among themselves forever.
	 */
	unsigned wait;
};

struct xs_sched {
	int bound;
	unsigned long long max_steps;
	FILE *trace;

	/* DFS state: the log of the last run; its first prefix_len are forced. */
	struct xs_choice *choices;
	size_t nr_choices, cap, prefix_len;
	int *replay;
	size_t nr_replay;

	/* the run in progress */
	int nr;
	struct xs_thr thr[XS_MAX_THREADS];
	void (*fn)(void *, int);
	void *arg;
	sem_t ctl;
	int preemptions;
	unsigned long long steps, spins, nondet;
	enum xs_outcome outcome;
	char detail[160];
	bool broken; /* threads parked for good: unusable */
};

static _Thread_local int xs_self = -1;
static struct xs_sched *xs_active;

struct xs_sched *xs_create(int bound, unsigned long long max_steps)
{
	struct xs_sched *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->bound = bound;
	s->max_steps = max_steps;
	sem_init(&s->ctl, 0, 0);
	return s;
}

void xs_destroy(struct xs_sched *s)
{
	if (!s || s->broken)
		return;
	sem_destroy(&s->ctl);
	free(s->choices);
	free(s->replay);
	free(s);
}

void xs_set_trace(struct xs_sched *s, FILE *f)
{
	s->trace = f;
}

int xs_set_replay(struct xs_sched *s, const char *str)
{
	const char *p = str;
	size_t n = 0;

	free(s->replay);
	s->replay = calloc(strlen(str) / 2 + 1, sizeof(*s->replay));
	s->nr_replay = 0;
	if (!s->replay)
		return -1;
	while (*p) {
		char *end;
		long v = strtol(p, &end, 10);

		if (end == p || v < 0 || v >= XS_MAX_THREADS)
			return -1;
		s->replay[n++] = (int)v;
		p = end;
		if (*p == ',')
			p++;
		else if (*p)
			return -1;
	}
	s->nr_replay = n;
	return 0;
}

static void xs_wait(struct xs_thr *t)
{
	while (sem_wait(&t->go) && errno == EINTR)
		;
	if (t->s->broken)
		for (;;)
			sem_wait(&t->go); /* never posted again */
}

/* Give the token to @next (the controller if -1) and, if @me >= 0, wait for it back. */
static void xs_pass(struct xs_sched *s, int me, int next)
{
	if (me >= 0 && next == me)
		return;
	if (next < 0)
		sem_post(&s->ctl);
	else
		sem_post(&s->thr[next].go);
	if (me >= 0)
		xs_wait(&s->thr[me]);
}

/* Stop the run: park the caller for good and wake the controller. */
static void xs_abort(struct xs_sched *s, int me, enum xs_outcome o, const char *fmt,
		     const char *where)
{
	s->outcome = o;
	snprintf(s->detail, sizeof(s->detail), fmt, me, where);
	s->broken = true;
	sem_post(&s->ctl);
	for (;;)
		sem_wait(&s->thr[me].go);
}

enum xs_reason { XS_YIELD, XS_BLOCKED, XS_SWITCH };

static void add_cand(struct xs_choice *c, int id, int cost)
{
	c->cand[c->ncand] = (unsigned char)id;
	c->cost[c->ncand] = (unsigned char)cost;
	c->ncand++;
}

static bool xs_enabled(struct xs_sched *s, int i)
{
	return !s->thr[i].done && !s->thr[i].wait;
}

/* Candidates other than @me that may run. */
static void add_others(struct xs_sched *s, struct xs_choice *c, int me, int cost)
{
	for (int i = 0; i < s->nr; i++)
		if (i != me && xs_enabled(s, i))
			add_cand(c, i, cost);
}

/* @id runs (or ran to its end): nobody waits for it any more. */
static void xs_scheduled(struct xs_sched *s, int id)
{
	for (int i = 0; i < s->nr; i++)
		s->thr[i].wait &= ~(1u << id);
}

static int xs_choose(struct xs_sched *s, int me, enum xs_reason why)
{
	struct xs_choice c = {0};
	size_t k;
	int idx = 0;

	switch (why) {
	case XS_YIELD:
		add_cand(&c, me, 0);
		if (s->bound < 0 || s->preemptions < s->bound)
			add_others(s, &c, me, 1);
		break;
	case XS_BLOCKED:
		add_others(s, &c, me, 0);
		if (!c.ncand)
			add_cand(&c, me, 0);
		break;
	case XS_SWITCH: /* start, or @me ended */
		add_others(s, &c, me, 0);
		if (!c.ncand) {
			/* Only waiting threads are left: let them all try again. */
			for (int i = 0; i < s->nr; i++)
				s->thr[i].wait = 0;
			add_others(s, &c, me, 0);
		}
		break;
	}
	if (!c.ncand)
		return -1;
	if (c.ncand == 1)
		return c.cand[0];

	k = s->nr_choices;
	if (k == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 256;
		struct xs_choice *n = realloc(s->choices, cap * sizeof(*n));

		if (!n) /* out of memory: no more choice points this run */
			return c.cand[0];
		s->choices = n;
		s->cap = cap;
	}
	if (k < s->prefix_len) {
		const struct xs_choice *old = &s->choices[k];

		idx = old->idx;
		if (old->ncand != c.ncand || memcmp(old->cand, c.cand, c.ncand)) {
			/* The replay went elsewhere: keep the thread if it can run. */
			s->nondet++;
			int want = old->cand[old->idx];

			idx = 0;
			for (int i = 0; i < c.ncand; i++)
				if (c.cand[i] == want)
					idx = i;
		}
	} else if (k < s->nr_replay) {
		idx = -1;
		for (int i = 0; i < c.ncand; i++)
			if (c.cand[i] == s->replay[k])
				idx = i;
		if (idx < 0) {
			s->outcome = XS_REPLAY_MISMATCH;
			snprintf(s->detail, sizeof(s->detail),
				 "choice %zu: thread %d cannot run there", k, s->replay[k]);
			idx = 0;
		}
	}
	c.idx = (unsigned char)idx;
	c.preempt_before = s->preemptions;
	s->choices[k] = c;
	s->nr_choices = k + 1;
	s->preemptions += c.cost[idx];
	return c.cand[idx];
}

static const char *const kind_names[] = {
	[YIELD_LOCK] = "lock", [YIELD_CMPXCHG] = "cmpxchg", [YIELD_SEAMCALL] = "seamcall",
	[YIELD_RCU] = "rcu",   [YIELD_BLOCKED] = "blocked",
};

static void xs_hook(enum yield_kind kind, const char *where)
{
	int me = xs_self, next;
	struct xs_sched *s;
	size_t before;

	/*
	 * Not a logical thread (the controller, liburcu's call_rcu thread, a
	 * TD reaper): leave before reading the scheduler's state.
	 */
	if (me < 0)
		return;
	s = xs_active;
	if (!s)
		return;
	if (++s->steps > s->max_steps)
		xs_abort(s, me, XS_LIVELOCK, "thread %d still running at %s after the step limit",
			 where);
	if (kind == YIELD_BLOCKED) {
		unsigned others = 0;

		for (int i = 0; i < s->nr; i++)
			if (i != me && xs_enabled(s, i))
				others |= 1u << i;
		s->thr[me].wait = others;
		if (++s->spins > XS_DEADLOCK_SPINS)
			xs_abort(s, me, XS_DEADLOCK, "no thread can progress (thread %d at %s)",
				 where);
	} else {
		s->spins = 0;
	}
	before = s->nr_choices;
	next = xs_choose(s, me, kind == YIELD_BLOCKED ? XS_BLOCKED : XS_YIELD);
	if (s->trace)
		trace_explore_yield(s->steps, me, kind_names[kind], where,
				    s->nr_choices > before, next);
	xs_scheduled(s, next);
	xs_pass(s, me, next);
}

static void *xs_thread_main(void *p)
{
	struct xs_thr *t = p;
	struct xs_sched *s = t->s;
	int next;

	xs_self = t->id;
	{
		char name[16];

		/* The trace's TASK column: the logical thread. */
		snprintf(name, sizeof(name), "T%d", t->id);
		pthread_setname_np(pthread_self(), name);
	}
	xs_wait(t);
	s->fn(s->arg, t->id);
	t->done = true;
	s->spins = 0;
	xs_scheduled(s, t->id);
	next = xs_choose(s, t->id, XS_SWITCH);
	if (s->trace)
		trace_explore_yield(s->steps, t->id, "end", "", false, next);
	if (next >= 0)
		xs_scheduled(s, next);
	xs_pass(s, -1, next);
	return NULL;
}

enum xs_outcome xs_run(struct xs_sched *s, int nr, void (*fn)(void *arg, int id), void *arg)
{
	int first, i;

	if (s->broken || nr < 1 || nr > XS_MAX_THREADS)
		return XS_DEADLOCK;
	s->nr = nr;
	s->fn = fn;
	s->arg = arg;
	s->nr_choices = 0;
	s->preemptions = 0;
	s->steps = s->spins = 0;
	s->outcome = XS_DONE;
	s->detail[0] = 0;
	for (i = 0; i < nr; i++) {
		s->thr[i] = (struct xs_thr){.s = s, .id = i};
		sem_init(&s->thr[i].go, 0, 0);
	}
	xs_active = s;
	tdpmmu_yield_hook = xs_hook;
	for (i = 0; i < nr; i++) {
		if (pthread_create(&s->thr[i].thread, NULL, xs_thread_main, &s->thr[i])) {
			/* Cannot happen in practice; run what we have. */
			s->nr = i;
			break;
		}
	}
	first = xs_choose(s, -1, XS_SWITCH);
	if (first >= 0) {
		xs_scheduled(s, first);
		xs_pass(s, -1, first);
		while (sem_wait(&s->ctl) && errno == EINTR)
			;
	}
	if (s->broken)
		return s->outcome; /* threads stay parked; the hook stays inert for others */
	for (i = 0; i < s->nr; i++) {
		pthread_join(s->thr[i].thread, NULL);
		sem_destroy(&s->thr[i].go);
	}
	tdpmmu_yield_hook = NULL;
	xs_active = NULL;
	return s->outcome;
}

bool xs_next(struct xs_sched *s)
{
	if (s->nr_replay)
		return false;
	for (size_t i = s->nr_choices; i-- > 0;) {
		struct xs_choice *c = &s->choices[i];

		for (int j = c->idx + 1; j < c->ncand; j++) {
			if (s->bound >= 0 && c->preempt_before + c->cost[j] > s->bound)
				continue;
			c->idx = (unsigned char)j;
			s->prefix_len = i + 1;
			s->nr_choices = i + 1;
			return true;
		}
	}
	return false;
}

void xs_schedule_string(const struct xs_sched *s, char *buf, size_t len)
{
	size_t off = 0;

	if (len)
		buf[0] = 0;
	for (size_t i = 0; i < s->nr_choices && off + 1 < len; i++) {
		int n = snprintf(buf + off, len - off, "%s%d", i ? "," : "",
				 s->choices[i].cand[s->choices[i].idx]);

		if (n < 0 || (size_t)n >= len - off) {
			buf[off] = 0;
			break;
		}
		off += (size_t)n;
	}
}

size_t xs_choice_points(const struct xs_sched *s)
{
	return s->nr_choices;
}

int xs_choice_at(const struct xs_sched *s, size_t k, int *picked, int cands[XS_MAX_THREADS])
{
	const struct xs_choice *c;

	if (k >= s->nr_choices)
		return 0;
	c = &s->choices[k];
	for (int i = 0; i < c->ncand; i++)
		cands[i] = c->cand[i];
	*picked = c->cand[c->idx];
	return c->ncand;
}

unsigned long long xs_steps(const struct xs_sched *s)
{
	return s->steps;
}

int xs_preemptions(const struct xs_sched *s)
{
	return s->preemptions;
}

const char *xs_outcome_detail(const struct xs_sched *s)
{
	return s->detail;
}

unsigned long long xs_nondeterminism(const struct xs_sched *s)
{
	return s->nondet;
}

const char *xs_outcome_name(enum xs_outcome o)
{
	switch (o) {
	case XS_DONE:
		return "done";
	case XS_DEADLOCK:
		return "deadlock";
	case XS_LIVELOCK:
		return "livelock";
	case XS_REPLAY_MISMATCH:
		return "replay mismatch";
	}
	return "?";
}
