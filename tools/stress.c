// SPDX-License-Identifier: GPL-2.0-only
/*
 * `tdpmmu stress`: N vCPU threads (guest accepts, private and shared
 * accesses, guest-requested conversions) and M host threads (attribute
 * conversions both ways, guest_memfd hole punches, range splits) hammer one
 * shared TD.  Every operation's result is classified; a result that is not
 * allowed, a VM bugged without a fatal injection, or a failed quiescent
 * invariant check is a violation.  Each thread draws its operations from
 * its own PRNG seeded from --seed, so the per-thread op streams repeat;
 * the interleaving does not.  The op log (ordered by the global sequence
 * number taken when an op starts) becomes a single-threaded .tdp replay.
 * docs/STRESS.md describes the options, outcomes and figures.
 *
 * This file is the coordinator: it starts the workers, parks them for the
 * periodic checks and TD swaps, stops on time, --ops, a violation or
 * SIGINT, and reports.  The rest is in tools/stress_*.c, one concern each
 * (tools/stress_run.h lists them).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "stress_run.h"
#include "tdpmmu/trace.h"
#include "trace_file.h"

/*
 * SIGINT (Ctrl-C) stops the run as the time limit does: workers joined,
 * final check, the summary of what ran (JSON too), exit 130.  A second
 * SIGINT kills as usual (SA_RESETHAND).
 */
static volatile sig_atomic_t stress_sigint;

static void stress_on_sigint(int sig)
{
	(void)sig;
	stress_sigint = 1;
}

/* What the coordinator keeps besides the shared state. */
struct stress_coord {
	struct stress *s;
	struct sigaction old_sa; /* SIGINT's handler before the run */
	FILE *trace; /* --trace, or NULL */
	bool tty; /* a progress line on a terminal */
	u64 t0, last_check, last_progress, td_start; /* now_ns() */
	double secs; /* how long the workers ran */
};

/* Parse and check the options.  NULL: return *exit_code (0 after --help). */
static struct stress *stress_new(int argc, char **argv, int *exit_code)
{
	struct stress *s = calloc(1, sizeof(*s));
	int r;

	if (!s) {
		*exit_code = 1;
		return NULL;
	}
	r = stress_parse_opts(argc, argv, &s->o);
	if (r) {
		free(s);
		*exit_code = r == 1 ? 0 : 2;
		return NULL;
	}
	return s;
}

/* --trace FILE: events from now on.  -1 if FILE cannot be opened. */
static int stress_trace_begin(struct stress_coord *c)
{
	const struct stress_opts *o = &c->s->o;

	if (!o->trace)
		return 0;
	c->trace = trace_open_file(o->trace);
	if (!c->trace) {
		fprintf(stderr, "tdpmmu stress: --trace %s: %s\n", o->trace, strerror(errno));
		return -1;
	}
	trace_start(c->trace, o->trace_max);
	return 0;
}

/* Stop the trace; say whether --trace-max cut it. */
static void stress_trace_finish(struct stress_coord *c)
{
	u64 cut;

	if (!c->trace)
		return;
	cut = trace_dropped();
	trace_stop();
	trace_close_file(c->trace);
	if (cut)
		fprintf(stderr,
			"tdpmmu stress: --trace: the first %llu events written, %llu more "
			"cut (--trace-max)\n",
			(unsigned long long)c->s->o.trace_max, (unsigned long long)cut);
}

/*
 * SIGINT handler, trace file, locks, the TD and its workers.  0, or an
 * exit status with all of it undone but the locks (nothing waited on them).
 */
static int stress_build(struct stress_coord *c)
{
	struct sigaction sa = {.sa_handler = stress_on_sigint, .sa_flags = SA_RESETHAND};
	struct stress *s = c->s;
	int r;

	c->tty = !s->o.json && !s->o.quiet && isatty(STDOUT_FILENO);
	stress_sigint = 0;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &c->old_sa);
	if (stress_trace_begin(c)) {
		r = 2;
		goto out_sigint;
	}
	pthread_mutex_init(&s->lock, NULL);
	pthread_cond_init(&s->parked_cv, NULL);
	pthread_cond_init(&s->resume_cv, NULL);
	pthread_mutex_init(&s->inj_lock, NULL);

	r = stress_vm_create(s);
	if (r) {
		fprintf(stderr, "tdpmmu stress: cannot create the TD: %s\n", strerror(-r));
		goto out_trace;
	}
	if (stress_workers_init(s)) {
		kvm_destroy(s->kvm);
		goto out_trace;
	}
	return 0;

out_trace:
	if (c->trace) {
		trace_stop();
		trace_close_file(c->trace);
	}
	r = 1;
out_sigint:
	sigaction(SIGINT, &c->old_sa, NULL);
	return r;
}

static double stress_seconds_since(u64 from, u64 now)
{
	return (double)(now - from) / 1e9;
}

/*
 * With every worker parked: the quiescent check, then a bugged VM retired
 * or, at the end of --td-lifetime, a fresh TD.  false: no TD is left.
 */
static bool stress_checkpoint(struct stress_coord *c, u64 now)
{
	struct stress *s = c->s;

	/* A fatal injection took the VM down: check containment, start afresh. */
	if (s->fatal_armed && kvm_is_bugged(s->kvm)) {
		stress_pause_all(s);
		stress_quiescent_check(s);
		if (!s->violations)
			stress_vm_retire(s, true);
		stress_resume_all(s);
		return s->kvm != NULL;
	}
	if (stress_seconds_since(c->last_check, now) < s->o.check_interval)
		return true;
	stress_pause_all(s);
	stress_quiescent_check(s);
	if (!s->violations && kvm_is_bugged(s->kvm) && s->fatal_armed) {
		stress_vm_retire(s, true);
	} else if (!s->violations && s->o.td_lifetime > 0 &&
		   stress_seconds_since(c->td_start, now) >= s->o.td_lifetime) {
		stress_td_recycle(s);
		c->td_start = now_ns();
	}
	stress_resume_all(s);
	if (!s->kvm)
		return false;
	c->last_check = now_ns();
	return true;
}

/* Once a second on a terminal: where the run is. */
static void stress_progress(struct stress_coord *c, u64 now)
{
	double el = stress_seconds_since(c->t0, now);
	u64 n;

	if (!c->tty || stress_seconds_since(c->last_progress, now) < 1.0)
		return;
	n = stress_ops_done(c->s);
	printf("\r%.0fs: %llu ops, %.0f ops/s, %d checks", el, (unsigned long long)n,
	       el > 0 ? n / el : 0.0, c->s->checks_passed);
	fflush(stdout);
	c->last_progress = now;
}

/* Start the workers and stop them on a violation, --ops, time or SIGINT. */
static void stress_run(struct stress_coord *c)
{
	struct stress *s = c->s;

	stress_log_restart(s);
	c->t0 = now_ns();
	c->last_check = c->last_progress = c->td_start = c->t0;
	stress_workers_start(s);

	for (;;) {
		u64 now = now_ns();

		if (atomic_load(&s->stop) || stress_sigint)
			break;
		if (s->o.seconds > 0 && stress_seconds_since(c->t0, now) >= s->o.seconds)
			break;
		if (!stress_checkpoint(c, now))
			break;
		stress_progress(c, now);
		usleep(2000);
	}
	stress_workers_join(s);
	c->secs = stress_seconds_since(c->t0, now_ns());
	if (c->tty)
		printf("\n");
}

/* The final check, the replay of a failure, the summary.  The exit status. */
static int stress_report(struct stress_coord *c)
{
	struct stress *s = c->s;
	char replay_file[1024];
	const char *verdict = NULL;
	int ret;

	/* The final check, with everything joined. */
	if (s->kvm && !s->violations)
		stress_quiescent_check(s);
	if (s->violations) {
		fprintf(stderr, "tdpmmu stress: FAILED with seed %llu\n",
			(unsigned long long)s->o.seed);
		verdict = stress_write_replay(s, replay_file, sizeof(replay_file));
		fprintf(stderr, "tdpmmu stress: %s\n", verdict);
	}
	if (s->kvm)
		stress_vm_retire(s, false);
	stress_print_summary(s, c->secs, stress_sigint, verdict,
			     verdict && !strncmp(verdict, "replay", 6) ? replay_file : NULL);
	ret = s->violations ? 1 : 0;
	if (stress_sigint) {
		fprintf(stderr,
			"tdpmmu stress: interrupted after %.1f s; the summary covers the run so "
			"far\n",
			c->secs);
		if (!ret)
			ret = 130;
	}
	return ret;
}

static void stress_free(struct stress_coord *c)
{
	struct stress *s = c->s;

	sigaction(SIGINT, &c->old_sa, NULL);
	stress_log_free(s);
	free(s->w);
	pthread_mutex_destroy(&s->lock);
	pthread_cond_destroy(&s->parked_cv);
	pthread_cond_destroy(&s->resume_cv);
	pthread_mutex_destroy(&s->inj_lock);
	free(s);
}

int cmd_stress(int argc, char **argv)
{
	struct stress_coord c = {};
	int ret;

	c.s = stress_new(argc, argv, &ret);
	if (!c.s)
		return ret;
	ret = stress_build(&c);
	if (ret) {
		free(c.s);
		return ret;
	}
	stress_run(&c);
	stress_trace_finish(&c);
	ret = stress_report(&c);
	stress_free(&c);
	return ret;
}
