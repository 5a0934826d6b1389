// SPDX-License-Identifier: GPL-2.0-only
/*
 * Scenario runner: executes a parsed, valid scenario against the VM API.
 * Keeps the "last status" (module status, or what the guest saw) and the
 * last rc, evaluates every expectation (a failure is reported and the run
 * goes on), runs the checker on `check`, and snapshots the counters for
 * the report before tearing the VM down.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "checker.h"
#include "guest_accept_memory.h"
#include "report.h"
#include "scenario.h"
#include "tdpmmu/trace.h"
#include "tdpmmu/vm.h"
#include "tdpmmu/vm_inspect.h"

struct runner {
	const struct scenario *scn;
	const struct scn_run_opts *opts;
	struct scn_result *res;
	struct kvm *kvm;
	const struct scn_cmd *cmd; /* being run */

	struct scn_status last; /* last status */
	bool have_exit; /* last tdcall exited: fields below */
	struct tdx_ept_exit exit;
	bool have_rc;
	int last_rc;
	int check_violations; /* of the running `check` */
};

__attribute__((format(printf, 2, 3))) static void run_error(struct runner *r, const char *fmt, ...)
{
	va_list ap;

	fprintf(r->opts->err, "%s:%d: run failed: ", r->scn->file, r->cmd->line);
	va_start(ap, fmt);
	vfprintf(r->opts->err, fmt, ap);
	va_end(ap);
	fputc('\n', r->opts->err);
	r->res->run_errors++;
}

/* Kept for the JSON report; an allocation failure only loses the detail. */
static void record_failure(struct runner *r, const char *want, const char *got)
{
	struct scn_result *res = r->res;
	struct scn_failure *f = realloc(res->failures, (res->nr_failures + 1) * sizeof(*f));

	if (!f)
		return;
	res->failures = f;
	f += res->nr_failures;
	f->line = r->cmd->line;
	f->want = strdup(want);
	f->got = strdup(got);
	if (!f->want || !f->got) {
		free(f->want);
		free(f->got);
		return;
	}
	res->nr_failures++;
}

/* For --map: a hole shows as punched until something maps it again. */
static void record_punch(struct runner *r, gpa_t gpa, u64 size)
{
	struct scn_result *res = r->res;
	struct gpa_map_range *p;

	if (!r->opts->map_path)
		return;
	p = realloc(res->punched, (res->nr_punched + 1) * sizeof(*p));
	if (!p)
		return;
	res->punched = p;
	p[res->nr_punched++] = (struct gpa_map_range){gpa, size};
}

/* WANT is the expectation as written, without the leading "expect ". */
__attribute__((format(printf, 3, 4))) static void expect_result(struct runner *r, bool ok,
								const char *got_fmt, ...)
{
	const char *want = r->cmd->text;
	char got[256];
	va_list ap;

	if (ok) {
		r->res->expects_passed++;
		return;
	}
	r->res->expects_failed++;
	if (!strncmp(want, "expect ", 7))
		want += 7;
	va_start(ap, got_fmt);
	vsnprintf(got, sizeof(got), got_fmt, ap);
	va_end(ap);
	fprintf(r->opts->err, "%s:%d: expect failed: %s, got %s\n", r->scn->file, r->cmd->line,
		want, got);
	record_failure(r, want, got);
}

static void set_status(struct runner *r, enum scn_status_kind kind, u64 value)
{
	r->last = (struct scn_status){.kind = kind, .value = value};
	r->have_exit = false;
}

static enum scn_status_kind guest_kind(enum kvm_guest_result g)
{
	switch (g) {
	case KVM_GUEST_OK:
		return SCN_ST_OK;
	case KVM_GUEST_VE:
		return SCN_ST_VE;
	case KVM_GUEST_EXIT_MEMORY_FAULT:
		return SCN_ST_EXIT_MEMORY_FAULT;
	case KVM_GUEST_EIO:
		return SCN_ST_EIO;
	case KVM_GUEST_ENTER_FAILED: /* the command ends with VP.ENTER's status */
	case KVM_GUEST_STUCK:
	case KVM_GUEST_STATUS:
	default:
		return SCN_ST_MODULE;
	}
}

/*
 * The last status of a guest step.  A step that could not complete (a rule
 * that keeps the module BUSY, allocations that always fail) is a run error
 * that says why; its last status is the last SEAMCALL's.
 */
static void set_guest_status(struct runner *r, enum kvm_guest_result g, u64 status,
			     const struct kvm_guest_info *info)
{
	bool has_status =
		g == KVM_GUEST_STATUS || g == KVM_GUEST_ENTER_FAILED || g == KVM_GUEST_STUCK;
	char sb[64];

	set_status(r, guest_kind(g), has_status ? status : 0);
	if (g != KVM_GUEST_STUCK)
		return;
	if (info && info->enter_failed)
		run_error(r,
			  "the guest step did not complete: TDH.VP.ENTER returned %s "
			  "%d times in a row",
			  tdx_status_format(status, sb, sizeof(sb)), KVM_GUEST_MAX_ENTER_BUSY);
	else if (!info) /* accept_memory: one of its accepts got stuck */
		run_error(r,
			  "the guest step did not complete after bounded retries (last SEAMCALL "
			  "status: %s)",
			  tdx_status_format(status, sb, sizeof(sb)));
	else
		run_error(r,
			  "the guest step did not complete: %d EPT-violation exits, the fault "
			  "retried up to %d times each (last fault error: %s, last SEAMCALL "
			  "status: %s)",
			  info->exits, KVM_GUEST_MAX_FAULT_RETRIES,
			  info->fault_err ? scn_rc_name(info->fault_err) : "none",
			  tdx_status_format(status, sb, sizeof(sb)));
}

/* An `inject alloc fail` came before the running command (explore's threads too). */
static bool alloc_injected(const struct runner *r)
{
	for (size_t i = 0; i < r->scn->nr_cmds && r->scn->cmds[i].line < r->cmd->line; i++)
		if (r->scn->cmds[i].kind == SCN_INJECT_ALLOC)
			return true;
	return false;
}

static void set_rc(struct runner *r, int rc)
{
	r->have_rc = true;
	r->last_rc = rc;
	/*
	 * Host frames fail only by injection; without one, ENOMEM means the
	 * simulator itself ran out of memory (a huge `add`): say so, fail.
	 */
	if (rc == -ENOMEM && !alloc_injected(r))
		run_error(r, "out of memory with no `inject alloc fail` in force: the simulator "
			     "itself ran out (about 12 MiB per GiB mapped at 4K; docs/LIMITS.md)");
}

static void snapshot(struct runner *r)
{
	struct scn_result *res = r->res;
	struct kvm_counters c;
	u64 m[PG_LEVEL_512G + 1] = {0};

	kvm_get_counters(r->kvm, &c);
	memcpy(res->leaf_calls, c.leaf_calls, sizeof(res->leaf_calls));
	res->splits = c.splits;
	res->kicks = c.kicks;
	res->faults = c.faults;
	res->vm_bugged = c.vm_bugged;
	res->track_rounds = c.track_rounds;
	res->busy_retries = c.busy_retries;
	res->guest_inhibits = c.guest_inhibits;
	res->promotes = c.promotes;
	res->promote_tries = c.promote_tries;
	res->promote_refused = c.promote_refused;
	res->promote_rounds = c.promote_rounds;
	res->guest_inhibits_4k = c.guest_inhibits_4k;
	res->warn_huge_leaf_above_level = c.warn_huge_leaf_above_level;
	res->write_lock_acquisitions = c.write_lock_acquisitions;
	res->write_lock_hold_ns = c.write_lock_hold_ns;
	res->write_lock_hold_max_ns = c.write_lock_hold_max_ns;
	{
		struct kvm_accept_stats as;

		kvm_get_accept_stats(r->kvm, &as);
		res->accept_below_mappable = as.below_mappable;
		res->accept_level_exits = as.level_exits;
		res->accept_write_locks = as.write_locks;
		free(res->below_gfns);
		res->below_gfns = kvm_accept_below_mappable_gfns(r->kvm, &res->nr_below_gfns);
	}
	kvm_count_mappings(r->kvm, m);
	res->mappings[0] = m[PG_LEVEL_4K];
	res->mappings[1] = m[PG_LEVEL_2M];
	res->mappings[2] = m[PG_LEVEL_1G];
	kvm_count_pt_pages(r->kvm, &res->pt_mirror, &res->pt_external);
}

static void timeline_add(struct runner *r)
{
	struct scn_result *res = r->res;
	u64 m[PG_LEVEL_512G + 1] = {0};
	struct scn_timeline_point *pt;
	struct kvm_counters c;

	/*
	 * End of an MMU-level command.  promote=on: the recovery worker runs
	 * between commands (docs/PROMOTION.md); its promotions belong to this
	 * point of the timeline.
	 */
	if (kvm_get_config(r->kvm)->promote)
		kvm_promote_worker(r->kvm);
	if (!r->opts->timeline || res->nr_timeline >= SCN_TIMELINE_MAX)
		return;
	if (!res->timeline) {
		res->timeline = calloc(SCN_TIMELINE_MAX, sizeof(*res->timeline));
		if (!res->timeline)
			return;
	}
	kvm_count_mappings(r->kvm, m);
	pt = &res->timeline[res->nr_timeline++];
	pt->line = r->cmd->line;
	pt->text = r->cmd->text;
	pt->mappings[0] = m[PG_LEVEL_4K];
	pt->mappings[1] = m[PG_LEVEL_2M];
	pt->mappings[2] = m[PG_LEVEL_1G];
	kvm_get_counters(r->kvm, &c);
	pt->splits = c.splits;
	pt->track_rounds = c.track_rounds;
	pt->promotes = c.promotes;
}

static u64 counter_value(const struct kvm_counters *c, const struct scn_cmd *cmd)
{
	switch (cmd->counter) {
	case SCN_CNT_LEAF:
		return c->leaf_calls[cmd->leaf];
	case SCN_CNT_SPLITS:
		return c->splits;
	case SCN_CNT_KICKS:
		return c->kicks;
	case SCN_CNT_FAULTS:
		return c->faults;
	case SCN_CNT_VM_BUGGED:
		return c->vm_bugged;
	case SCN_CNT_TRACK_ROUNDS:
		return c->track_rounds;
	case SCN_CNT_BUSY_RETRIES:
		return c->busy_retries;
	case SCN_CNT_GUEST_INHIBITS:
		return c->guest_inhibits;
	case SCN_CNT_PROMOTES:
		return c->promotes;
	case SCN_CNT_PROMOTE_TRIES:
		return c->promote_tries;
	case SCN_CNT_MMU_WRITE_LOCKS:
		return c->write_lock_acquisitions;
	case SCN_CNT_SPLIT_RETRIES:
		return c->split_retries;
	case SCN_CNT_ACCEPT_BELOW_MAPPABLE:
		return 0; /* read by the caller from kvm_get_accept_stats() */
	}
	return 0;
}

static bool status_matches(const struct scn_status *want, const struct scn_status *got)
{
	if (want->kind != got->kind)
		return false;
	if (want->kind != SCN_ST_MODULE)
		return true;
	if (want->any_operand)
		return tdx_status(want->value) == tdx_status(got->value);
	return want->value == got->value;
}

static void check_report(void *arg, const char *msg)
{
	struct runner *r = arg;

	fprintf(r->opts->err, "%s:%d: check failed: %s\n", r->scn->file, r->cmd->line, msg);
	/* `failed` gets one object per failed check: its first violation. */
	if (!r->check_violations++)
		record_failure(r, "check", msg);
}

static void run_vm(struct runner *r, const struct scn_cmd *c)
{
	struct kvm_config cfg;
	int err;

	kvm_config_default(&cfg);
	cfg.mem = c->mem;
	cfg.nr_vcpus = c->nr_vcpus;
	cfg.max_level = c->max_level;
	cfg.module = c->module;
	cfg.dpamt = c->dpamt;
	cfg.demote_interruptible = c->demote_interruptible;
	cfg.seed = c->seed;
	cfg.policy = c->policy;
	cfg.track_batch = c->track_batch;
	cfg.promote = c->promote;
	cfg.split_lock = c->split_lock;
	cfg.nr_memslots = c->nr_memslots;
	memcpy(cfg.memslots, c->memslots, sizeof(cfg.memslots));
	cfg.no_inhibit_precheck = c->no_inhibit_precheck;
	cfg.vcpu_threads = !r->opts->no_vcpu_threads;
	err = kvm_create(&cfg, &r->kvm);
	if (err) {
		r->kvm = NULL;
		run_error(r, "cannot create the VM: %s", strerror(-err));
		return;
	}
	r->res->have_vm = true;
	r->res->nr_vcpus = c->nr_vcpus;
	r->res->mem = c->mem;
	r->res->max_level = c->max_level;
	r->res->module = c->module;
	r->res->dpamt = c->dpamt;
	r->res->demote_interruptible = c->demote_interruptible;
	r->res->config = cfg;
}

static void run_expect_exit(struct runner *r, const struct scn_cmd *c)
{
	char got[160];
	int type, req, errl, st;

	if (!r->have_exit) {
		char sb[96];

		expect_result(r, false, "%s", scn_status_format(&r->last, sb, sizeof(sb)));
		return;
	}
	type = tdx_eeq_type(r->exit.ext_exit_qual);
	req = tdx_sept_level_to_pg_level(tdx_eeq_req_level(r->exit.ext_exit_qual));
	errl = tdx_sept_level_to_pg_level(tdx_eeq_err_level(r->exit.ext_exit_qual));
	st = tdx_eeq_err_state(r->exit.ext_exit_qual);
	snprintf(got, sizeof(got), "exit=%s req_level=%s err_level=%s err_state=%s",
		 type == TDX_EXT_EXIT_QUAL_TYPE_ACCEPT ? "accept" : "other", scn_level_name(req),
		 scn_level_name(errl),
		 tdxmod_sept_state_name(st) ? tdxmod_sept_state_name(st) : "?");
	expect_result(r,
		      type == TDX_EXT_EXIT_QUAL_TYPE_ACCEPT && req == c->req_level &&
			      errl == c->err_level && st == c->err_state,
		      "%s", got);
}

static void run_expect_sept(struct runner *r, const struct scn_cmd *c)
{
	struct tdxmod_sept_entry_info info;
	int err = tdxmod_sept_lookup(kvm_tdx_td(r->kvm), c->gpa,
				     pg_level_to_tdx_sept_level(c->level), &info);

	if (err == -ENOENT) {
		expect_result(r, false, "no entry (a leaf above %s maps it)",
			      scn_level_name(c->level));
	} else if (err) {
		expect_result(r, false, "lookup error %d", err);
	} else {
		const char *n = tdxmod_sept_state_name(info.state);

		expect_result(r, (int)info.state == c->state, "%s", n ? n : "?");
	}
}

static void run_expect_mirror(struct runner *r, const struct scn_cmd *c)
{
	int level = 0;
	kvm_pfn_t pfn;
	bool present = kvm_mirror_lookup(r->kvm, c->gpa, &level, &pfn);

	if (c->absent)
		expect_result(r, !present, "%s", scn_level_name(level));
	else
		expect_result(r, present && level == c->level, "%s",
			      present ? scn_level_name(level) : "absent");
}

static void run_cmd(struct runner *r, const struct scn_cmd *c)
{
	struct kvm *kvm = r->kvm;
	u64 status = 0;
	char sb[96];
	int err;

	switch (c->kind) {
	case SCN_VM:
		run_vm(r, c);
		return;
	case SCN_ADD:
		err = kvm_tdx_init_mem_region(kvm, c->gpa, c->size, &status);
		set_status(r, SCN_ST_MODULE, status);
		/* Extension: `expect rc=` also sees add's errno (ENOMEM under injection). */
		set_rc(r, err);
		timeline_add(r);
		return;
	case SCN_FINALIZE:
		set_status(r, SCN_ST_MODULE, kvm_tdx_finalize(kvm));
		return;
	case SCN_ACCEPT: {
		struct kvm_guest_info gi = {0};
		enum kvm_guest_result g =
			kvm_guest_accept_info(kvm, c->vcpu, c->gpa, c->level, &status, &gi);

		set_guest_status(r, g, status, &gi);
		timeline_add(r);
		return;
	}
	case SCN_ACCEPT_MEMORY: {
		enum kvm_guest_result g =
			c->parallel ? guest_accept_memory_parallel(kvm, c->gpa, c->size, &status)
				    : guest_accept_memory(kvm, c->vcpu, c->gpa, c->size, &status);

		set_guest_status(r, g, status, NULL);
		timeline_add(r);
		return;
	}
	case SCN_ACCESS: {
		struct kvm_guest_info gi = {0};
		enum kvm_guest_result g = kvm_guest_access_info(kvm, c->vcpu, c->gpa, c->shared,
								c->write, &status, &gi);

		set_guest_status(r, g, status, &gi);
		timeline_add(r);
		return;
	}
	case SCN_CONVERT:
		set_rc(r, kvm_set_memory_attributes(kvm, c->gpa, c->size, c->to_private));
		timeline_add(r);
		return;
	case SCN_PUNCH:
		set_rc(r, kvm_gmem_punch_hole(kvm, c->gpa, c->size));
		if (!r->last_rc)
			record_punch(r, c->gpa, c->size);
		timeline_add(r);
		return;
	case SCN_SPLIT:
		set_rc(r, kvm_split_range(kvm, c->gpa, c->size, c->level));
		timeline_add(r);
		return;
	case SCN_PROMOTE:
		set_rc(r, kvm_promote_range(kvm, c->gpa, c->size));
		timeline_add(r);
		return;
	case SCN_SEAMCALL:
		set_status(r, SCN_ST_MODULE,
			   kvm_raw_seamcall(kvm, c->leaf, c->gpa,
					    pg_level_to_tdx_sept_level(c->level),
					    c->allow_existing ? 1 : 0, NULL, NULL));
		return;
	case SCN_TDCALL: {
		bool exited = false;
		struct tdx_ept_exit ex = {0};

		status = kvm_raw_tdcall_accept(kvm, c->vcpu, c->gpa,
					       pg_level_to_tdx_sept_level(c->level), &exited, &ex);
		if (exited) {
			set_status(r, SCN_ST_EXIT_EPT_VIOLATION, 0);
			r->have_exit = true;
			r->exit = ex;
		} else {
			set_status(r, SCN_ST_MODULE, status);
		}
		return;
	}
	case SCN_VCPU_ENTER:
		set_status(r, SCN_ST_MODULE, kvm_raw_vcpu_enter(kvm, c->vcpu));
		return;
	case SCN_VCPU_EXIT:
		kvm_raw_vcpu_exit(kvm, c->vcpu);
		return;
	case SCN_INJECT:
		err = kvm_inject_leaf(kvm, c->leaf, c->status.value, c->count, c->after);
		if (err)
			run_error(r, "inject: %s", strerror(-err));
		return;
	case SCN_INJECT_ALLOC:
		err = kvm_inject_alloc_fail(kvm, c->count, c->after);
		if (err)
			run_error(r, "inject alloc fail: %s", strerror(-err));
		return;
	case SCN_CHECK:
		r->check_violations = 0;
		tdpmmu_check(kvm, check_report, r);
		if (r->check_violations)
			r->res->checks_failed++;
		else
			r->res->checks_passed++;
		return;
	case SCN_STATS:
		scenario_print_stats(kvm, r->opts->out);
		return;
	case SCN_EXPECT_STATUS:
		expect_result(r, status_matches(&c->status, &r->last), "%s",
			      scn_status_format(&r->last, sb, sizeof(sb)));
		return;
	case SCN_EXPECT_EXIT:
		run_expect_exit(r, c);
		return;
	case SCN_EXPECT_RC:
		expect_result(r, r->have_rc && r->last_rc == c->rc, "%s",
			      r->have_rc ? scn_rc_name(r->last_rc) : "no rc");
		return;
	case SCN_EXPECT_SEPT:
		run_expect_sept(r, c);
		return;
	case SCN_EXPECT_MIRROR:
		run_expect_mirror(r, c);
		return;
	case SCN_EXPECT_COUNT: {
		struct kvm_counters kc;
		u64 v;

		kvm_get_counters(kvm, &kc);
		v = counter_value(&kc, c);
		if (c->counter == SCN_CNT_ACCEPT_BELOW_MAPPABLE) {
			struct kvm_accept_stats as;

			kvm_get_accept_stats(kvm, &as);
			v = as.below_mappable;
		}
		expect_result(r, v == c->value, "%llu", (unsigned long long)v);
		return;
	}
	}
}

int scenario_run(const struct scenario *scn, const struct scn_run_opts *opts,
		 struct scn_result *res)
{
	struct runner r = {.scn = scn, .opts = opts, .res = res};
	u64 start = now_ns();

	memset(res, 0, sizeof(*res));
	for (size_t i = 0; i < scn->nr_cmds; i++) {
		r.cmd = &scn->cmds[i];
		run_cmd(&r, r.cmd);
		if (r.kvm && !res->bugged_line && kvm_is_bugged(r.kvm))
			res->bugged_line = r.cmd->line;
		/* Without a VM nothing else can run (the parser made vm first). */
		if (!r.kvm)
			break;
	}
	if (r.kvm) {
		u64 t;

		/* The trace ends where the counters are taken, so the two agree. */
		trace_end(
			"end of run: the report's counters are taken here; teardown is not traced");
		snapshot(&r);
		kvm_get_bug_info(r.kvm, &res->bug);
		if (opts->map_path) {
			char title[256];

			snprintf(title, sizeof(title),
				 "tdpmmu: %s: guest physical address space at the end of the run",
				 scn->file);
			gpa_map_draw(r.kvm, opts->map_path, title, res->punched, res->nr_punched,
				     &res->map_error);
		}
		t = now_ns();
		kvm_destroy(r.kvm);
		res->teardown_ns = now_ns() - t;
		res->teardown_leaked_bytes = kvm_destroy_leaked_bytes();
	}
	res->wall_ns = now_ns() - start;
	return res->expects_failed || res->checks_failed || res->run_errors || !res->have_vm;
}

void scn_result_free(struct scn_result *res)
{
	free(res->timeline);
	free(res->below_gfns);
	res->below_gfns = NULL;
	res->timeline = NULL;
	res->nr_timeline = 0;
	for (size_t i = 0; i < res->nr_failures; i++) {
		free(res->failures[i].want);
		free(res->failures[i].got);
	}
	free(res->failures);
	res->failures = NULL;
	res->nr_failures = 0;
	free(res->punched);
	res->punched = NULL;
	res->nr_punched = 0;
}

/* ---- Step by step, for tdpmmu explore ---- */

struct scn_runner {
	struct runner r;
};

struct scn_runner *scn_runner_new(const struct scenario *scn, const struct scn_run_opts *opts,
				  struct scn_result *res, struct kvm *kvm)
{
	struct scn_runner *sr = calloc(1, sizeof(*sr));

	if (!sr)
		return NULL;
	sr->r = (struct runner){.scn = scn, .opts = opts, .res = res, .kvm = kvm};
	return sr;
}

void scn_runner_cmd(struct scn_runner *sr, const struct scn_cmd *cmd)
{
	sr->r.cmd = cmd;
	if (sr->r.kvm || cmd->kind == SCN_VM)
		run_cmd(&sr->r, cmd);
}

struct kvm *scn_runner_kvm(struct scn_runner *sr)
{
	return sr->r.kvm;
}

void scn_runner_take_last(struct scn_runner *dst, const struct scn_runner *src)
{
	dst->r.last = src->r.last;
	dst->r.have_exit = src->r.have_exit;
	dst->r.exit = src->r.exit;
	dst->r.have_rc = src->r.have_rc;
	dst->r.last_rc = src->r.last_rc;
}

const char *scn_runner_last(const struct scn_runner *sr, bool rc, char *buf, size_t len)
{
	char sb[96];

	if (rc && sr->r.have_rc)
		snprintf(buf, len, "rc=%s", scn_rc_name(sr->r.last_rc));
	else
		snprintf(buf, len, "status=%s", scn_status_format(&sr->r.last, sb, sizeof(sb)));
	return buf;
}

void scn_runner_free(struct scn_runner *sr)
{
	free(sr);
}
