// SPDX-License-Identifier: GPL-2.0-only
/*
 * `tdpmmu stress`: its options, as one table for the shared option helper
 * (tools/cli_opts.c), which also prints the help.  Returns 0 to run, 1
 * after --help, 2 (with the message printed) on a bad option.
 */
#include "cli_opts.h"
#include "stress_run.h"

static const struct cli_choice stress_levels[] = {
	{"4K", PG_LEVEL_4K}, {"2M", PG_LEVEL_2M}, {"1G", PG_LEVEL_1G}, {NULL, 0}};
static const struct cli_choice stress_modules[] = {
	{"1.5", TDX_MODULE_1_5}, {"2.0", TDX_MODULE_2_0}, {NULL, 0}};
static const struct cli_choice stress_policies[] = {
	{"upstream", TDX_POLICY_UPSTREAM}, {"recover", TDX_POLICY_RECOVER}, {NULL, 0}};
static const struct cli_choice stress_split_locks[] = {
	{"exclusive", KVM_SPLIT_LOCK_EXCLUSIVE}, {"shared", KVM_SPLIT_LOCK_SHARED}, {NULL, 0}};

static const struct cli_opt stress_options[] = {
	CLI_OPT("seed", CLI_U64, CLI_AT(struct stress_opts, seed), "N",
		"per-thread op streams (default 1)", .suffix = true),
	CLI_OPT("seconds", CLI_DOUBLE, CLI_AT(struct stress_opts, seconds), "S",
		"stop after S seconds (default 5 unless --ops)", .positive = true),
	CLI_OPT("ops", CLI_U64, CLI_AT(struct stress_opts, ops), "N",
		"stop after N operations (all threads together)", .min = 1, .suffix = true),
	CLI_OPT("vcpus", CLI_INT, CLI_AT(struct stress_opts, vcpus), "N",
		"vCPU threads (default 2)", .min = 1, .max = 64),
	CLI_OPT("host-threads", CLI_INT, CLI_AT(struct stress_opts, host_threads), "M",
		"host threads (default 2)", .max = 64),
	CLI_OPT("mem", CLI_SIZE, CLI_AT(struct stress_opts, mem), "SIZE",
		"guest memory, a multiple of 2M up to 1T: 64M, 4G, 1T\n(default 512M)",
		.min = 2 * MB, .max = 1ULL << 40, .align = 2 * MB),
	CLI_OPT("max-level", CLI_ENUM, CLI_AT(struct stress_opts, max_level), "L",
		"4K|2M|1G (default 2M)", .choices = stress_levels),
	CLI_OPT("module", CLI_ENUM, CLI_AT(struct stress_opts, module), "V",
		"1.5|2.0 (default 1.5)", .choices = stress_modules),
	CLI_OPT("dpamt", CLI_FLAG, CLI_AT(struct stress_opts, dpamt), NULL,
		"Dynamic PAMT (implies --module 2.0)"),
	CLI_OPT("demote-interruptible", CLI_FLAG, CLI_AT(struct stress_opts, demote_interruptible),
		NULL, "DEMOTE may return INTERRUPTED_RESTARTABLE"),
	CLI_OPT("policy", CLI_ENUM, CLI_AT(struct stress_opts, policy), "P",
		"upstream|recover error policy (default upstream)", .choices = stress_policies),
	CLI_OPT("promote", CLI_FLAG, CLI_AT(struct stress_opts, promote), NULL,
		"vm promote=on, host promote ops, the recovery worker\n"
		"run after every host op (docs/PROMOTION.md)"),
	CLI_OPT("split-lock", CLI_ENUM, CLI_AT(struct stress_opts, split_lock), "L",
		"exclusive|shared: mmu_lock mode of the fault path's\nsplit (default exclusive)",
		.choices = stress_split_locks),
	CLI_OPT("inject-rate", CLI_DOUBLE, CLI_AT(struct stress_opts, inject_rate), "R",
		"probability per host op of arming one injection,\n"
		"recoverable ones only: BUSY on SEPT.ADD/AUG, DEMOTE\n"
		"INTERRUPTED_RESTARTABLE, allocation failure (and,\n"
		"with --policy recover, BUSY on BLOCK/REMOVE/DEMOTE)",
		.dmax = 1),
	CLI_OPT("inject-fatal", CLI_FLAG, CLI_AT(struct stress_opts, inject_fatal), NULL,
		"also inject fatal statuses; a VM bugged by them is\n"
		"checked for containment and replaced (expected)"),
	CLI_OPT("check-interval", CLI_DOUBLE, CLI_AT(struct stress_opts, check_interval), "S",
		"seconds between quiescent checks (default 0.25)"),
	CLI_OPT("replay", CLI_STRING, CLI_AT(struct stress_opts, replay_path), "FILE",
		"where to write the replay (default stress-replay.tdp)"),
	CLI_OPT("log-limit", CLI_U64, CLI_AT(struct stress_opts, log_limit), "N",
		"op log entries kept for the replay (default 2000000)", .suffix = true),
	CLI_OPT("vcpu-threads", CLI_FLAG, CLI_AT(struct stress_opts, vcpu_threads), NULL,
		"run guest ops on the VM's own vCPU threads"),
	CLI_OPT("host-ratio", CLI_DOUBLE, CLI_AT(struct stress_opts, host_ratio), "R",
		"at most R host ops per guest op (default 1; 0: unpaced)"),
	CLI_OPT("trace", CLI_STRING, CLI_AT(struct stress_opts, trace), "FILE",
		"kernel-style event log to FILE (- for stderr)"),
	CLI_OPT("trace-max", CLI_U64, CLI_AT(struct stress_opts, trace_max), "N",
		"events written to --trace at most (default 1000000)", .min = 1, .suffix = true),
	CLI_OPT("td-lifetime", CLI_DOUBLE, CLI_AT(struct stress_opts, td_lifetime), "S",
		"replace the TD by a fresh one every S seconds, so\n"
		"huge mappings keep being made (default 0.25; 0: never)"),
	CLI_OPT("json", CLI_FLAG, CLI_AT(struct stress_opts, json), NULL,
		"one JSON summary on stdout"),
	CLI_OPT("quiet", CLI_FLAG, CLI_AT(struct stress_opts, quiet), NULL, "no progress line"),
	{0},
};

static const struct cli_cmd stress_cli = {
	.name = "stress",
	.synopsis = "[options]",
	.about = "Multi-threaded randomized run on one TD, with periodic quiescent\n"
		 "invariant checks.  Exit 0 if no violation, 1 on a violation, 2 usage.",
	.opts = stress_options,
};

/* 0: go on; 1: help printed (exit 0); 2: a usage error, printed. */
int stress_parse_opts(int argc, char **argv, struct stress_opts *o)
{
	int r, nargs;

	*o = (struct stress_opts){
		.seed = 1,
		.seconds = 0, /* > 0 when given: 5 unless --ops, below */
		.vcpus = 2,
		.host_threads = 2,
		.mem = 512 * MB,
		.max_level = PG_LEVEL_2M,
		.module = -1, /* given or not: --dpamt needs 2.0 */
		.policy = TDX_POLICY_UPSTREAM,
		.check_interval = 0.25,
		.host_ratio = 1.0,
		.td_lifetime = 0.25,
		.replay_path = "stress-replay.tdp",
		.log_limit = 2000000,
		.trace_max = 1000000,
	};
	r = cli_parse(&stress_cli, argc, argv, o, &nargs);
	if (r != CLI_CONTINUE)
		return r == 0 ? 1 : r;
	if (o->dpamt && o->module == TDX_MODULE_1_5)
		return cli_error(&stress_cli, "--dpamt needs --module 2.0");
	if (o->module == -1)
		o->module = o->dpamt ? TDX_MODULE_2_0 : TDX_MODULE_1_5;
	if (!o->seconds)
		o->seconds = o->ops ? 0 : 5;
	if (o->inject_fatal && o->inject_rate == 0)
		o->inject_rate = 0.01;
	return 0;
}
