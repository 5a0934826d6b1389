// SPDX-License-Identifier: GPL-2.0-only
/*
 * `tdpmmu explore`: run every interleaving (up to a preemption bound) of
 * the logical threads of a scenario and check each end state.
 *
 * A scenario for explore is an ordinary .tdp file in which some MMU-level
 * commands carry `thread=N`.  The commands before the first threaded one
 * are the setup, run single-threaded before each schedule; the threaded
 * commands of thread N run in order on logical thread N; the commands
 * after the last threaded one (expects, checks) are evaluated at each end
 * state, with the last status/rc of the thread that owns the last threaded
 * command in file order (what `tdpmmu run` would see).  Each end state is
 * also run through the invariant checker.
 *
 * Every schedule is replayed from scratch: a fresh TD, the setup, then the
 * threads under the scheduler of explore_sched.c.
 */
#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <pthread.h>

#include "checker.h"
#include "cli_opts.h"
#include "commands.h"
#include "explore.h"
#include "explore_sched.h"
#include "scenario.h"
#include "tdpmmu/trace.h"
#include "tdpmmu/vm.h"
#include "trace_file.h"

#define XP_MAX_STATES 256

struct xp_opts {
	int bound;
	u64 max_schedules;
	u64 max_steps;
	const char *replay;
	const char *trace; /* --trace FILE (with --replay) */
	bool json, keep_going;
	bool progress; /* progress line on stderr (a terminal) */
	const char *file;
	u64 deadline_ns; /* stop (incomplete) once now_ns() passes it; 0: none */
};

struct xp_end_state {
	char *sig;
	unsigned long long schedules;
};

struct xp {
	const struct xp_opts *o;
	struct scenario scn;
	/* indices into scn.cmds */
	size_t *setup, nr_setup;
	size_t *tcmd[XS_MAX_THREADS], nr_tcmd[XS_MAX_THREADS];
	size_t *endc, nr_end;
	int nr_threads;
	int last_owner;

	/* the schedule being run */
	struct scn_result res;
	struct scn_run_opts ro;
	struct scn_runner *tr[XS_MAX_THREADS];
	char *msg;
	size_t msg_len;

	/* totals */
	unsigned long long schedules, violations, max_choices, max_steps, nondet;
	struct xp_end_state states[XP_MAX_STATES];
	size_t nr_states;
	unsigned long long states_dropped;
	char *first_violation_sched;
	char *first_violation_msg;
	const char *first_violation_kind;
	bool complete, broken;
	bool sampling; /* explore_sample(): a replay that cannot go on runs its default */
};

/* --preemptions -1: no bound (explore and explore --generate). */
const struct cli_choice explore_unbounded[] = {{"-1", -1}, {NULL, 0}};

static const struct cli_opt explore_options[] = {
	CLI_OPT("preemptions", CLI_INT, CLI_AT(struct xp_opts, bound), "N",
		"preemptions per schedule (default 2; -1: unbounded)", .max = 1000,
		.choices = explore_unbounded),
	CLI_OPT("max-schedules", CLI_U64, CLI_AT(struct xp_opts, max_schedules), "N",
		"stop after N schedules (default 1000000)", .min = 1),
	CLI_OPT("max-steps", CLI_U64, CLI_AT(struct xp_opts, max_steps), "N",
		"yield points per schedule before it counts as a\n"
		"livelock (default 100000)",
		.min = 1),
	CLI_OPT("replay", CLI_STRING, CLI_AT(struct xp_opts, replay), "S",
		"run only schedule S (\"0,1,1,...\": the thread picked\n"
		"at each choice point, as printed for a violation)"),
	CLI_OPT("trace", CLI_STRING, CLI_AT(struct xp_opts, trace), "FILE",
		"with --replay: write a kernel-style event log of the\n"
		"schedule (yield points, SPTE changes, SEAMCALLs, ...)\n"
		"to FILE, - for stderr (docs/SCENARIO-LANGUAGE.md)"),
	CLI_OPT("keep-going", CLI_FLAG, CLI_AT(struct xp_opts, keep_going), NULL,
		"go on after a violation (deadlocks still stop)"),
	CLI_OPT("json", CLI_FLAG, CLI_AT(struct xp_opts, json), NULL,
		"report as one JSON object on stdout"),
	{0},
};

static void explore_usage(FILE *f);

static const struct cli_cmd explore_cli = {
	.name = "explore",
	.synopsis = "[options] FILE",
	.about = "Runs every interleaving of the logical threads of FILE (commands with\n"
		 "thread=N) up to a preemption bound, and checks every end state with the\n"
		 "invariant checker and the expects after the threaded commands.",
	.epilog = "Exit status: 0 no violation, 1 a violation, 2 usage or parse error.\n"
		  "See docs/EXPLORE.md.",
	.opts = explore_options,
	.min_args = 1,
	.max_args = 1,
	.args_name = "scenario FILE",
	.usage = explore_usage,
};

/* Both modes: `tdpmmu help explore` (and so the man page) shows --generate too. */
static void explore_usage(FILE *f)
{
	cli_usage_default(&explore_cli, f);
	fprintf(f, "\n");
	explore_generate_usage(f);
}

/* 0: go on; -1: help printed; otherwise the exit status of a usage error. */
static int parse_args(int argc, char **argv, struct xp_opts *o)
{
	int r, nargs;

	*o = (struct xp_opts){.bound = 2, .max_schedules = 1000000, .max_steps = 100000};
	r = cli_parse(&explore_cli, argc, argv, o, &nargs);
	if (r != CLI_CONTINUE)
		return r == 0 ? -1 : r;
	o->file = argv[1];
	if (o->trace && !o->replay)
		return cli_error(&explore_cli, "--trace needs --replay (one schedule)");
	return 0;
}

static int push(size_t **v, size_t *n, size_t i)
{
	size_t *p = realloc(*v, (*n + 1) * sizeof(**v));

	if (!p)
		return -1;
	p[(*n)++] = i;
	*v = p;
	return 0;
}

/* Split the scenario into setup, threads and end; 2 on a usage error. */
static int xp_split(struct xp *x)
{
	const struct scenario *scn = &x->scn;
	size_t first = scn->nr_cmds, last = 0, i;
	bool used[XS_MAX_THREADS] = {0};

	for (i = 0; i < scn->nr_cmds; i++) {
		if (!scn->cmds[i].threaded)
			continue;
		if (first == scn->nr_cmds)
			first = i;
		last = i;
		used[scn->cmds[i].thread] = true;
	}
	if (first == scn->nr_cmds) {
		fprintf(stderr, "%s: error: no command has thread=N: nothing to explore\n",
			scn->file);
		return 2;
	}
	for (i = 0; i < XS_MAX_THREADS && used[i]; i++)
		x->nr_threads = (int)i + 1;
	for (; i < XS_MAX_THREADS; i++) {
		if (used[i]) {
			fprintf(stderr, "%s: error: threads must be numbered from 0 without gaps\n",
				scn->file);
			return 2;
		}
	}
	for (i = 0; i < scn->nr_cmds; i++) {
		const struct scn_cmd *c = &scn->cmds[i];
		int r;

		if (i < first) {
			r = push(&x->setup, &x->nr_setup, i);
		} else if (i > last) {
			r = push(&x->endc, &x->nr_end, i);
		} else if (c->threaded) {
			r = push(&x->tcmd[c->thread], &x->nr_tcmd[c->thread], i);
		} else {
			fprintf(stderr,
				"%s:%d: error: a command without thread= between threaded commands "
				"(put set-up before them, expects and checks after them)\n",
				scn->file, c->line);
			return 2;
		}
		if (r)
			return 2;
	}
	x->last_owner = scn->cmds[last].thread;
	return 0;
}

/*
 * Tearing a TD down waits for an RCU barrier, which liburcu's call_rcu
 * thread answers only every ~10 ms.  Reapers destroy finished TDs in the
 * background, several at once so that their barriers overlap, while the
 * next schedules run.
 */
#define XP_REAPERS 32
#define XP_REAP_QUEUE 256

static struct {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct kvm *q[XP_REAP_QUEUE];
	size_t head, n;
	int busy;
	bool stop;
	pthread_t t[XP_REAPERS];
	int nr;
} reap = {.lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER};

static void *reaper(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&reap.lock);
	for (;;) {
		struct kvm *kvm;

		while (!reap.n && !reap.stop)
			pthread_cond_wait(&reap.cond, &reap.lock);
		if (!reap.n)
			break;
		kvm = reap.q[reap.head];
		reap.head = (reap.head + 1) % XP_REAP_QUEUE;
		reap.n--;
		reap.busy++;
		pthread_cond_broadcast(&reap.cond);
		pthread_mutex_unlock(&reap.lock);
		kvm_destroy(kvm);
		pthread_mutex_lock(&reap.lock);
		reap.busy--;
		pthread_cond_broadcast(&reap.cond);
	}
	pthread_mutex_unlock(&reap.lock);
	return NULL;
}

/* Only the controller calls this, between schedules. */
static void reap_kvm(struct kvm *kvm)
{
	pthread_mutex_lock(&reap.lock);
	while (reap.nr < XP_REAPERS && !pthread_create(&reap.t[reap.nr], NULL, reaper, NULL))
		reap.nr++;
	if (!reap.nr) {
		pthread_mutex_unlock(&reap.lock);
		kvm_destroy(kvm);
		return;
	}
	while (reap.n == XP_REAP_QUEUE)
		pthread_cond_wait(&reap.cond, &reap.lock);
	reap.q[(reap.head + reap.n) % XP_REAP_QUEUE] = kvm;
	reap.n++;
	pthread_cond_broadcast(&reap.cond);
	pthread_mutex_unlock(&reap.lock);
}

static void reap_finish(void)
{
	pthread_mutex_lock(&reap.lock);
	reap.stop = true;
	pthread_cond_broadcast(&reap.cond);
	pthread_mutex_unlock(&reap.lock);
	for (int i = 0; i < reap.nr; i++)
		pthread_join(reap.t[i], NULL);
	reap.nr = 0;
	/* A later exploration in the same process starts reapers that must wait. */
	reap.stop = false;
}

/* The body of logical thread @id: its commands, in order. */
static void xp_thread(void *arg, int id)
{
	struct xp *x = arg;

	for (size_t i = 0; i < x->nr_tcmd[id]; i++)
		scn_runner_cmd(x->tr[id], &x->scn.cmds[x->tcmd[id][i]]);
}

static void xp_check_report(void *arg, const char *msg)
{
	struct xp *x = arg;

	fprintf(x->ro.err, "%s: end state: check failed: %s\n", x->scn.file, msg);
}

static void xp_record_state(struct xp *x, const char *sig)
{
	size_t i;

	for (i = 0; i < x->nr_states; i++) {
		if (!strcmp(x->states[i].sig, sig)) {
			x->states[i].schedules++;
			return;
		}
	}
	if (x->nr_states == XP_MAX_STATES) {
		x->states_dropped++;
		return;
	}
	x->states[x->nr_states].sig = strdup(sig);
	x->states[x->nr_states].schedules = 1;
	if (x->states[x->nr_states].sig)
		x->nr_states++;
}

/* The end state in one line: what each thread saw, and the mappings. */
static void xp_signature(struct xp *x, struct kvm *kvm, char *buf, size_t len)
{
	u64 m[PG_LEVEL_512G + 1] = {0};
	struct kvm_counters c;
	size_t off = 0;
	char one[128];

	buf[0] = 0;
	for (int t = 0; t < x->nr_threads; t++) {
		enum scn_kind k = SCN_ACCEPT;

		/* The thread's last action decides whether its result is an rc. */
		for (size_t i = 0; i < x->nr_tcmd[t]; i++) {
			enum scn_kind ki = x->scn.cmds[x->tcmd[t][i]].kind;

			if (ki == SCN_ACCEPT || ki == SCN_ACCESS || ki == SCN_CONVERT ||
			    ki == SCN_PUNCH || ki == SCN_SPLIT || ki == SCN_PROMOTE)
				k = ki;
		}
		scn_runner_last(x->tr[t],
				k == SCN_CONVERT || k == SCN_PUNCH || k == SCN_SPLIT ||
					k == SCN_PROMOTE,
				one, sizeof(one));
		off += (size_t)snprintf(buf + off, len - off, "T%d %s; ", t, one);
		if (off >= len)
			return;
	}
	kvm_count_mappings(kvm, m);
	kvm_get_counters(kvm, &c);
	snprintf(buf + off, len - off, "mappings 4K=%llu 2M=%llu; splits=%llu vm_bugged=%llu",
		 (unsigned long long)m[PG_LEVEL_4K], (unsigned long long)m[PG_LEVEL_2M],
		 (unsigned long long)c.splits, (unsigned long long)c.vm_bugged);
}

static void xp_violation(struct xp *x, struct xs_sched *s, const char *kind)
{
	/* One digit and a comma per choice point. */
	size_t len = 2 * xs_choice_points(s) + 16;
	char *sched = malloc(len);

	x->violations++;
	if (x->first_violation_kind || !sched) {
		free(sched);
		return;
	}
	xs_schedule_string(s, sched, len);
	x->first_violation_kind = kind;
	x->first_violation_sched = sched;
	x->first_violation_msg = strdup(x->msg ? x->msg : "");
}

/*
 * One schedule, from a fresh TD.  Returns 0 (ran; violations counted), 1
 * when exploring must stop (the setup failed, or threads are stuck).
 */
static int xp_run_one(struct xp *x, struct xs_sched *s)
{
	struct scn_runner *r0;
	enum xs_outcome out;
	struct kvm *kvm;
	char sig[1024];
	int t, bad;

	scn_result_free(&x->res);
	memset(&x->res, 0, sizeof(x->res));
	free(x->msg);
	x->msg = NULL;
	x->ro = (struct scn_run_opts){.no_vcpu_threads = true};
	x->ro.err = open_memstream(&x->msg, &x->msg_len);
	x->ro.out = fopen("/dev/null", "w");
	if (!x->ro.err || !x->ro.out) {
		fprintf(stderr, "tdpmmu explore: %s\n", strerror(errno));
		return 1;
	}

	/* The setup, single-threaded (no yield hook yet). */
	r0 = scn_runner_new(&x->scn, &x->ro, &x->res, NULL);
	if (!r0)
		return 1;
	for (size_t i = 0; i < x->nr_setup; i++)
		scn_runner_cmd(r0, &x->scn.cmds[x->setup[i]]);
	kvm = scn_runner_kvm(r0);
	if (!kvm || x->res.expects_failed || x->res.checks_failed || x->res.run_errors) {
		fclose(x->ro.err);
		fclose(x->ro.out);
		fprintf(stderr, "%s%s: error: the set-up before the threaded commands failed\n",
			x->msg ? x->msg : "", x->scn.file);
		if (kvm)
			kvm_destroy(kvm);
		scn_runner_free(r0);
		return 1;
	}
	for (t = 0; t < x->nr_threads; t++)
		x->tr[t] = scn_runner_new(&x->scn, &x->ro, &x->res, kvm);

	out = xs_run(s, x->nr_threads, xp_thread, x);
	x->schedules++;
	if (xs_choice_points(s) > x->max_choices)
		x->max_choices = xs_choice_points(s);
	if (xs_steps(s) > x->max_steps)
		x->max_steps = xs_steps(s);
	if (out == XS_DEADLOCK || out == XS_LIVELOCK) {
		fprintf(x->ro.err, "%s: %s: %s\n", x->scn.file, xs_outcome_name(out),
			xs_outcome_detail(s));
		fflush(x->ro.err);
		xp_violation(x, s, xs_outcome_name(out));
		x->broken = true;
		/* The threads hold the TD: leave it all as it is. */
		return 1;
	}
	if (out == XS_REPLAY_MISMATCH && !x->sampling) {
		fprintf(stderr, "tdpmmu explore: --replay: %s\n", xs_outcome_detail(s));
		fclose(x->ro.err);
		fclose(x->ro.out);
		return 1;
	}

	/* The end state: expects and checks. */
	scn_runner_take_last(r0, x->tr[x->last_owner]);
	for (size_t i = 0; i < x->nr_end; i++)
		scn_runner_cmd(r0, &x->scn.cmds[x->endc[i]]);
	bad = tdpmmu_check(kvm, xp_check_report, x);
	xp_signature(x, kvm, sig, sizeof(sig));
	xp_record_state(x, sig);
	if (x->o->replay)
		printf("end state: %s\n", sig);
	fflush(x->ro.err);
	if (bad || x->res.expects_failed || x->res.checks_failed || x->res.run_errors)
		xp_violation(x, s, bad || x->res.checks_failed ? "invariant" : "expect");

	for (t = 0; t < x->nr_threads; t++) {
		scn_runner_free(x->tr[t]);
		x->tr[t] = NULL;
	}
	scn_runner_free(r0);
	reap_kvm(kvm);
	fclose(x->ro.err);
	fclose(x->ro.out);
	x->nondet = xs_nondeterminism(s);
	return 0;
}

static void xp_report_text(struct xp *x, double secs)
{
	char bound[32];

	printf("tdpmmu explore: %s: %s%s\n", x->scn.file, x->violations ? "FAIL" : "PASS",
	       x->violations || x->complete || x->o->replay
		       ? ""
		       : " so far: the search was cut before it was complete (see schedules)");
	printf("  threads           %d (%zu set-up, %zu threaded, %zu end commands)\n",
	       x->nr_threads, x->nr_setup, x->scn.nr_cmds - x->nr_setup - x->nr_end, x->nr_end);
	if (x->o->bound < 0)
		printf("  preemption bound  none\n");
	else
		printf("  preemption bound  %d\n", x->o->bound);
	snprintf(bound, sizeof(bound), "%d", x->o->bound);
	if (x->o->replay)
		printf("  schedules         %llu (replay)\n", x->schedules);
	else if (x->complete)
		printf("  schedules         %llu (complete): every schedule with %s%s "
		       "preemptions\n",
		       x->schedules, x->o->bound < 0 ? "any number of" : "at most ",
		       x->o->bound < 0 ? "" : bound);
	else if (x->violations && !x->o->keep_going)
		printf("  schedules         %llu (incomplete): stopped at the first violation "
		       "(--keep-going runs the rest)\n",
		       x->schedules);
	else
		printf("  schedules         %llu (incomplete): stopped by --max-schedules %llu; "
		       "schedules after it were not run\n",
		       x->schedules, (unsigned long long)x->o->max_schedules);
	printf("  choice points     %llu at most per schedule, %llu yield points at most\n",
	       x->max_choices, x->max_steps);
	printf("  end states        %zu distinct\n", x->nr_states);
	for (size_t i = 0; i < x->nr_states; i++)
		printf("    %8llu  %s\n", x->states[i].schedules, x->states[i].sig);
	printf("  violations        %llu\n", x->violations);
	if (x->nondet)
		printf("  nondeterminism    %llu choice points differed on replay\n", x->nondet);
	if (x->first_violation_kind) {
		printf("  first violation   %s, schedule %s\n", x->first_violation_kind,
		       x->first_violation_sched);
		printf("  replay with       tdpmmu explore --replay %s %s\n",
		       x->first_violation_sched, x->scn.file);
		fputs(x->first_violation_msg, stdout);
	}
	printf("  wall time         %.3f s\n", secs);
}

static void xp_report_json(struct xp *x, double secs)
{
	json_t *o = json_object(), *states = json_array();

	json_object_set_new(o, "version", json_integer(1));
	json_object_set_new(o, "file", json_string(x->scn.file));
	json_object_set_new(o, "result", json_string(x->violations ? "fail" : "pass"));
	json_object_set_new(o, "threads", json_integer(x->nr_threads));
	json_object_set_new(o, "preemption_bound", json_integer(x->o->bound));
	json_object_set_new(o, "schedules", json_integer((json_int_t)x->schedules));
	json_object_set_new(o, "complete", json_boolean(x->complete));
	json_object_set_new(o, "max_choice_points", json_integer((json_int_t)x->max_choices));
	json_object_set_new(o, "max_yield_points", json_integer((json_int_t)x->max_steps));
	for (size_t i = 0; i < x->nr_states; i++) {
		json_t *e = json_object();

		json_object_set_new(e, "state", json_string(x->states[i].sig));
		json_object_set_new(e, "schedules",
				    json_integer((json_int_t)x->states[i].schedules));
		json_array_append_new(states, e);
	}
	json_object_set_new(o, "end_states", states);
	json_object_set_new(o, "violations", json_integer((json_int_t)x->violations));
	if (x->first_violation_kind) {
		json_t *v = json_object();

		json_object_set_new(v, "kind", json_string(x->first_violation_kind));
		json_object_set_new(v, "schedule", json_string(x->first_violation_sched));
		json_object_set_new(v, "messages", json_string(x->first_violation_msg));
		json_object_set_new(o, "first_violation", v);
	}
	json_object_set_new(o, "nondeterminism", json_integer((json_int_t)x->nondet));
	json_object_set_new(o, "wall_seconds", json_real(secs));
	json_dumpf(o, stdout, JSON_INDENT(2));
	putchar('\n');
	json_decref(o);
}

static void xp_free(struct xp *x)
{
	free(x->setup);
	free(x->endc);
	for (int t = 0; t < XS_MAX_THREADS; t++)
		free(x->tcmd[t]);
	for (size_t i = 0; i < x->nr_states; i++)
		free(x->states[i].sig);
	free(x->first_violation_sched);
	free(x->first_violation_msg);
	free(x->msg);
	scn_result_free(&x->res);
}

/* The DFS over schedules: 0, or 1 when exploring had to stop early. */
static int xp_loop(struct xp *x, struct xs_sched *s)
{
	const struct xp_opts *o = x->o;

	u64 start = now_ns(), last = start;
	bool shown = false;
	int r = 0;

	for (;;) {
		if (xp_run_one(x, s)) {
			r = 1;
			break;
		}
		/* A long search says how far it got, on a terminal (stdout is the report). */
		if (o->progress && now_ns() - last >= 1000000000ULL) {
			double el = (double)(now_ns() - start) / 1e9;

			fprintf(stderr,
				"\r%.0fs: %llu schedules (%.0f/s), %zu end states, %llu violations",
				el, x->schedules, x->schedules / el, x->nr_states, x->violations);
			last = now_ns();
			shown = true;
		}
		if (x->violations && !o->keep_going)
			break;
		if (o->replay)
			break;
		if (!xs_next(s)) {
			x->complete = true;
			break;
		}
		if (x->schedules >= o->max_schedules)
			break;
		if (o->deadline_ns && now_ns() > o->deadline_ns)
			break;
	}
	if (shown)
		fprintf(stderr, "\n");
	return r;
}

int explore_scenario(const struct scenario *scn, const struct explore_limits *l,
		     struct explore_outcome *out)
{
	struct xp_opts o = {.bound = l->bound,
			    .max_schedules = l->max_schedules ? l->max_schedules : 1000000,
			    .max_steps = l->max_steps ? l->max_steps : 100000,
			    .deadline_ns = l->deadline_ns,
			    .file = scn->file};
	struct xp x = {.o = &o, .scn = *scn};
	struct xs_sched *s;
	int stopped;

	memset(out, 0, sizeof(*out));
	if (xp_split(&x)) {
		xp_free(&x);
		return 2;
	}
	s = xs_create(o.bound, o.max_steps);
	if (!s) {
		xp_free(&x);
		return 2;
	}
	stopped = xp_loop(&x, s);
	if (!x.broken)
		reap_finish();
	out->schedules = x.schedules;
	out->complete = x.complete;
	out->broken = x.broken;
	out->max_choice_points = x.max_choices;
	if (x.first_violation_kind) {
		out->kind = x.first_violation_kind;
		out->schedule = x.first_violation_sched;
		out->messages = x.first_violation_msg;
		x.first_violation_sched = NULL;
		x.first_violation_msg = NULL;
	} else if (stopped) {
		/* The set-up failed (its messages went to stderr). */
		out->kind = "setup";
	}
	/* A broken schedule's threads still use the scheduler: leave it. */
	if (!x.broken)
		xs_destroy(s);
	xp_free(&x);
	return out->kind ? 1 : 0;
}

struct xp_pick {
	int picked, nc, cands[XS_MAX_THREADS];
};

/*
 * A choice point in [start, n) for the next preemption: first a thread,
 * uniformly among those that were running at some point there, then one of
 * its points, uniformly.  So a thread with a few yields (a 4K punch) is
 * preempted as often as one with thousands (a 2M punch) in the same run.
 */
static size_t pick_point(const struct xp_pick *p, size_t start, size_t n, struct prng *rng)
{
	size_t count[XS_MAX_THREADS] = {0}, nth;
	int threads[XS_MAX_THREADS], nt = 0, t;

	for (size_t i = start; i < n; i++)
		count[p[i].cands[0]]++;
	for (t = 0; t < XS_MAX_THREADS; t++)
		if (count[t])
			threads[nt++] = t;
	t = threads[prng_next(rng) % (u64)nt];
	nth = prng_next(rng) % count[t];
	for (size_t i = start; i < n; i++)
		if (p[i].cands[0] == t && !nth--)
			return i;
	return start;
}

/*
 * Random schedules with up to @l->bound preemptions, each at a uniformly
 * chosen choice point: a preemption is added to a schedule already run by
 * replaying its choices up to a random point and taking another candidate
 * there.  Unlike the DFS, which moves the last choice points first, this
 * reaches early preemptions in long schedules (a punch of 2M is ~512 SEAMCALLs).
 */
int explore_sample(const struct scenario *scn, const struct explore_limits *l, u64 seed,
		   struct explore_outcome *out)
{
	struct xp_opts o = {.bound = -1,
			    .max_schedules = l->max_schedules ? l->max_schedules : 1000,
			    .max_steps = l->max_steps ? l->max_steps : 100000,
			    .deadline_ns = l->deadline_ns,
			    .file = scn->file};
	struct xp x = {.o = &o, .scn = *scn, .sampling = true};
	struct xs_sched *s;
	struct prng rng;
	char *str = NULL;
	size_t cap = 0, nbase = 0, capbase = 0, ndef = 0;
	struct xp_pick *base = NULL, *def = NULL;
	int depth = 0, start = 0, bound = l->bound < 0 ? 3 : l->bound;

	memset(out, 0, sizeof(*out));
	if (xp_split(&x)) {
		xp_free(&x);
		return 2;
	}
	s = xs_create(-1, o.max_steps);
	if (!s) {
		xp_free(&x);
		return 2;
	}
	prng_seed(&rng, seed);
	while (x.schedules < o.max_schedules && !x.violations) {
		size_t off = 0, k;
		int picked;
		const struct xp_pick *from;
		size_t nfrom;

		if (o.deadline_ns && now_ns() > o.deadline_ns)
			break;
		if (x.schedules && !bound)
			break;
		if (x.schedules) {
			/* Add a preemption to the last schedule, or start over from the default. */
			if (depth >= bound || nbase <= (size_t)start) {
				depth = start = 0;
			}
			from = depth ? base : def;
			nfrom = depth ? nbase : ndef;
			if (!nfrom)
				break; /* no choice at all: the one schedule was all */
			k = pick_point(from, (size_t)start, nfrom, &rng);
			if (cap < 4 * (k + 2)) {
				char *p = realloc(str, 4 * (k + 2));

				if (!p)
					break;
				str = p;
				cap = 4 * (k + 2);
			}
			for (size_t i = 0; i < k; i++)
				off += (size_t)snprintf(str + off, cap - off, "%d,",
							from[i].picked);
			do
				picked = from[k].cands[prng_next(&rng) % (u64)from[k].nc];
			while (picked == from[k].picked);
			snprintf(str + off, cap - off, "%d", picked);
			if (xs_set_replay(s, str))
				break;
			depth++;
			start = (int)k + 1;
		}
		if (xp_run_one(&x, s))
			break;
		/* Remember the run's choices: the base for the next preemption. */
		nbase = xs_choice_points(s);
		if (nbase > capbase) {
			struct xp_pick *p = realloc(base, nbase * sizeof(*p));

			if (!p)
				break;
			base = p;
			capbase = nbase;
		}
		for (size_t i = 0; i < nbase; i++)
			base[i].nc = xs_choice_at(s, i, &base[i].picked, base[i].cands);
		if (x.schedules == 1) {
			def = malloc((nbase ? nbase : 1) * sizeof(*def));
			if (!def)
				break;
			memcpy(def, base, nbase * sizeof(*def));
			ndef = nbase;
		}
	}
	free(base);
	free(def);
	if (!x.broken)
		reap_finish();
	out->schedules = x.schedules;
	out->broken = x.broken;
	out->max_choice_points = x.max_choices;
	if (x.first_violation_kind) {
		out->kind = x.first_violation_kind;
		out->schedule = x.first_violation_sched;
		out->messages = x.first_violation_msg;
		x.first_violation_sched = NULL;
		x.first_violation_msg = NULL;
	}
	free(str);
	if (!x.broken)
		xs_destroy(s);
	xp_free(&x);
	return out->kind ? 1 : 0;
}

void explore_outcome_free(struct explore_outcome *out)
{
	free(out->schedule);
	free(out->messages);
	out->schedule = out->messages = NULL;
}

int cmd_explore(int argc, char **argv)
{
	struct xp_opts o;
	struct xp x = {.o = &o};
	struct xs_sched *s;
	FILE *trace = NULL;
	u64 start;
	int r, status;

	for (int i = 1; i < argc && strcmp(argv[i], "--"); i++)
		if (!strcmp(argv[i], "--generate"))
			return cmd_explore_generate(argc, argv);
	r = parse_args(argc, argv, &o);
	if (r)
		return r < 0 ? 0 : r;
	r = scenario_parse_file(o.file, &x.scn);
	if (r) {
		scenario_print_errors(&x.scn, stderr);
		scenario_free(&x.scn);
		return 2;
	}
	if (xp_split(&x)) {
		xp_free(&x);
		scenario_free(&x.scn);
		return 2;
	}
	s = xs_create(o.bound, o.max_steps);
	if (!s || (o.replay && xs_set_replay(s, o.replay))) {
		fprintf(stderr, "tdpmmu explore: bad --replay '%s'\n", o.replay ? o.replay : "");
		xs_destroy(s);
		xp_free(&x);
		scenario_free(&x.scn);
		return 2;
	}
	if (o.trace) {
		trace = trace_open_file(o.trace);
		if (!trace) {
			fprintf(stderr, "tdpmmu explore: --trace %s: %s\n", o.trace,
				strerror(errno));
			xs_destroy(s);
			xp_free(&x);
			return 2;
		}
		xs_set_trace(s, trace);
		trace_start(trace, 0);
	}

	start = now_ns();
	o.progress = !o.replay && isatty(STDERR_FILENO);
	status = xp_loop(&x, s);
	if (trace) {
		trace_stop();
		trace_close_file(trace);
	}
	if (!x.broken)
		reap_finish();
	if (x.violations)
		status = 1;
	if (status && !x.violations && !x.broken) {
		/* set-up failure or replay mismatch: already reported */
		xs_destroy(s);
		xp_free(&x);
		scenario_free(&x.scn);
		return 1;
	}
	if (o.json)
		xp_report_json(&x, (double)(now_ns() - start) / 1e9);
	else
		xp_report_text(&x, (double)(now_ns() - start) / 1e9);
	if (x.broken) {
		/* Threads are parked inside the TD for good: leave without unwinding. */
		fflush(stdout);
		fflush(stderr);
		_exit(1);
	}
	xs_destroy(s);
	xp_free(&x);
	scenario_free(&x.scn);
	return status;
}
