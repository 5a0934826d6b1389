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

int cmd_stress(int argc, char **argv)
{
	struct stress *s;
	u64 t0, last_check, last_progress, td_start;
	bool tty;
	double secs;
	char replay_file[1024];
	const char *verdict = NULL;
	struct sigaction sa = {.sa_handler = stress_on_sigint, .sa_flags = SA_RESETHAND}, old_sa;
	FILE *trace = NULL;
	int r, ret;

	s = calloc(1, sizeof(*s));
	if (!s)
		return 1;
	r = stress_parse_opts(argc, argv, &s->o);
	if (r) {
		free(s);
		return r == 1 ? 0 : 2;
	}
	tty = !s->o.json && !s->o.quiet && isatty(STDOUT_FILENO);
	stress_sigint = 0;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &old_sa);
	if (s->o.trace) {
		trace = trace_open_file(s->o.trace);
		if (!trace) {
			fprintf(stderr, "tdpmmu stress: --trace %s: %s\n", s->o.trace,
				strerror(errno));
			free(s);
			return 2;
		}
		trace_start(trace, s->o.trace_max);
	}
	pthread_mutex_init(&s->lock, NULL);
	pthread_cond_init(&s->parked_cv, NULL);
	pthread_cond_init(&s->resume_cv, NULL);
	pthread_mutex_init(&s->inj_lock, NULL);

	r = stress_vm_create(s);
	if (r) {
		fprintf(stderr, "tdpmmu stress: cannot create the TD: %s\n", strerror(-r));
		trace_stop();
		trace_close_file(trace);
		free(s);
		return 1;
	}
	if (stress_workers_init(s)) {
		kvm_destroy(s->kvm);
		free(s);
		return 1;
	}
	stress_log_restart(s);
	t0 = now_ns();
	last_check = last_progress = td_start = t0;
	stress_workers_start(s);

	for (;;) {
		u64 now = now_ns();
		double el = (double)(now - t0) / 1e9;

		if (atomic_load(&s->stop) || stress_sigint)
			break;
		if (s->o.seconds > 0 && el >= s->o.seconds)
			break;
		/* A fatal injection took the VM down: check containment, start afresh. */
		if (s->fatal_armed && kvm_is_bugged(s->kvm)) {
			stress_pause_all(s);
			stress_quiescent_check(s);
			if (!s->violations)
				stress_vm_retire(s, true);
			stress_resume_all(s);
			if (!s->kvm)
				break;
		} else if ((double)(now - last_check) / 1e9 >= s->o.check_interval) {
			stress_pause_all(s);
			stress_quiescent_check(s);
			if (!s->violations && kvm_is_bugged(s->kvm) && s->fatal_armed) {
				stress_vm_retire(s, true);
			} else if (!s->violations && s->o.td_lifetime > 0 &&
				   (double)(now - td_start) / 1e9 >= s->o.td_lifetime) {
				stress_td_recycle(s);
				td_start = now_ns();
			}
			stress_resume_all(s);
			if (!s->kvm)
				break;
			last_check = now_ns();
		}
		if (tty && (double)(now - last_progress) / 1e9 >= 1.0) {
			u64 n = stress_ops_done(s);

			printf("\r%.0fs: %llu ops, %.0f ops/s, %d checks", el,
			       (unsigned long long)n, el > 0 ? n / el : 0.0, s->checks_passed);
			fflush(stdout);
			last_progress = now;
		}
		usleep(2000);
	}
	stress_workers_join(s);
	secs = (double)(now_ns() - t0) / 1e9;
	if (tty)
		printf("\n");
	if (trace) {
		u64 cut = trace_dropped();

		trace_stop();
		trace_close_file(trace);
		if (cut)
			fprintf(stderr,
				"tdpmmu stress: --trace: the first %llu events written, %llu more "
				"cut (--trace-max)\n",
				(unsigned long long)s->o.trace_max, (unsigned long long)cut);
	}

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
	stress_print_summary(s, secs, stress_sigint, verdict,
			     verdict && !strncmp(verdict, "replay", 6) ? replay_file : NULL);
	ret = s->violations ? 1 : 0;
	if (stress_sigint) {
		fprintf(stderr,
			"tdpmmu stress: interrupted after %.1f s; the summary covers the run so "
			"far\n",
			secs);
		if (!ret)
			ret = 130;
	}
	sigaction(SIGINT, &old_sa, NULL);

	stress_log_free(s);
	free(s->w);
	pthread_mutex_destroy(&s->lock);
	pthread_cond_destroy(&s->parked_cv);
	pthread_cond_destroy(&s->resume_cv);
	pthread_mutex_destroy(&s->inj_lock);
	free(s);
	return ret;
}
