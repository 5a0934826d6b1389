// SPDX-License-Identifier: GPL-2.0-only
/*
 * `tdpmmu stress`: its usage text and option parser.  Returns 0 to run,
 * 1 after --help, 2 (with the message printed) on a bad option.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli_opts.h"
#include "parse_number.h"
#include "scenario.h"
#include "stress_run.h"

static void stress_usage(FILE *f)
{
	fprintf(f, "usage: tdpmmu stress [options]\n"
		   "\n"
		   "Multi-threaded randomized run on one TD, with periodic quiescent\n"
		   "invariant checks.  Exit 0 if no violation, 1 on a violation, 2 usage.\n"
		   "\n"
		   "  --seed N            per-thread op streams (default 1)\n"
		   "  --seconds S         stop after S seconds (default 5 unless --ops)\n"
		   "  --ops N             stop after N operations (all threads together)\n"
		   "  --vcpus N           vCPU threads (default 2)\n"
		   "  --host-threads M    host threads (default 2)\n"
		   "  --mem SIZE          guest memory, a multiple of 2M up to 1T: 64M, 4G, 1T\n"
		   "                      (default 512M)\n"
		   "  --max-level L       4K|2M|1G (default 2M)\n"
		   "  --module V          1.5|2.0 (default 1.5)\n"
		   "  --dpamt             Dynamic PAMT (implies --module 2.0)\n"
		   "  --demote-interruptible  DEMOTE may return INTERRUPTED_RESTARTABLE\n"
		   "  --policy P          upstream|recover error policy (default upstream)\n"
		   "  --promote           vm promote=on, host promote ops, the recovery worker\n"
		   "                      run after every host op (docs/PROMOTION.md)\n"
		   "  --split-lock L      exclusive|shared: mmu_lock mode of the fault path's\n"
		   "                      split (default exclusive)\n"
		   "  --inject-rate R     probability per host op of arming one injection,\n"
		   "                      recoverable ones only: BUSY on SEPT.ADD/AUG, DEMOTE\n"
		   "                      INTERRUPTED_RESTARTABLE, allocation failure (and,\n"
		   "                      with --policy recover, BUSY on BLOCK/REMOVE/DEMOTE)\n"
		   "  --inject-fatal      also inject fatal statuses; a VM bugged by them is\n"
		   "                      checked for containment and replaced (expected)\n"
		   "  --check-interval S  seconds between quiescent checks (default 0.25)\n"
		   "  --replay FILE       where to write the replay (default stress-replay.tdp)\n"
		   "  --log-limit N       op log entries kept for the replay (default 2000000)\n"
		   "  --vcpu-threads      run guest ops on the VM's own vCPU threads\n"
		   "  --host-ratio R      at most R host ops per guest op (default 1; 0: unpaced)\n"
		   "  --trace FILE        kernel-style event log to FILE (- for stderr),\n"
		   "                      at most --trace-max events (default 1000000)\n"
		   "  --td-lifetime S     replace the TD by a fresh one every S seconds, so\n"
		   "                      huge mappings keep being made (default 0.25; 0: never)\n"
		   "  --json              one JSON summary on stdout\n"
		   "  --quiet             no progress line\n");
}

/* Numbers and sizes as everywhere else (tools/parse_number.c): 4K ... 1T. */
static bool parse_u64(const char *sarg, u64 *v)
{
	return cli_parse_u64(sarg, true, 0, ~0ULL, v);
}

static bool parse_double(const char *sarg, double *v)
{
	return cli_parse_seconds(sarg, true, v); /* finite, >= 0: no "inf" */
}

int stress_parse_opts(int argc, char **argv, struct stress_opts *o)
{
	enum {
		O_SEED = 256,
		O_SECONDS,
		O_OPS,
		O_VCPUS,
		O_HOST,
		O_MEM,
		O_MAXLVL,
		O_MODULE,
		O_DPAMT,
		O_DEMOTE,
		O_POLICY,
		O_PROMOTE,
		O_RATE,
		O_FATAL,
		O_CHECK,
		O_REPLAY,
		O_LOGLIM,
		O_VTHREADS,
		O_HRATIO,
		O_TDLIFE,
		O_JSON,
		O_TRACE,
		O_TRACE_MAX,
		O_QUIET,
		O_HELP,
		O_SPLITLOCK,
	};
	static const struct option lo[] = {
		{"seed", required_argument, NULL, O_SEED},
		{"seconds", required_argument, NULL, O_SECONDS},
		{"ops", required_argument, NULL, O_OPS},
		{"vcpus", required_argument, NULL, O_VCPUS},
		{"host-threads", required_argument, NULL, O_HOST},
		{"mem", required_argument, NULL, O_MEM},
		{"max-level", required_argument, NULL, O_MAXLVL},
		{"module", required_argument, NULL, O_MODULE},
		{"dpamt", no_argument, NULL, O_DPAMT},
		{"demote-interruptible", no_argument, NULL, O_DEMOTE},
		{"policy", required_argument, NULL, O_POLICY},
		{"promote", no_argument, NULL, O_PROMOTE},
		{"inject-rate", required_argument, NULL, O_RATE},
		{"inject-fatal", no_argument, NULL, O_FATAL},
		{"check-interval", required_argument, NULL, O_CHECK},
		{"replay", required_argument, NULL, O_REPLAY},
		{"log-limit", required_argument, NULL, O_LOGLIM},
		{"vcpu-threads", no_argument, NULL, O_VTHREADS},
		{"host-ratio", required_argument, NULL, O_HRATIO},
		{"td-lifetime", required_argument, NULL, O_TDLIFE},
		{"json", no_argument, NULL, O_JSON},
		{"trace", required_argument, NULL, O_TRACE},
		{"trace-max", required_argument, NULL, O_TRACE_MAX},
		{"quiet", no_argument, NULL, O_QUIET},
		{"help", no_argument, NULL, O_HELP},
		{"split-lock", required_argument, NULL, O_SPLITLOCK},
		{NULL, 0, NULL, 0},
	};
	bool seconds_given = false;
	int c, li = -1;
	u64 v;

	*o = (struct stress_opts){
		.seed = 1,
		.seconds = 5,
		.vcpus = 2,
		.host_threads = 2,
		.mem = 512 * MB,
		.max_level = PG_LEVEL_2M,
		.module = TDX_MODULE_1_5,
		.policy = TDX_POLICY_UPSTREAM,
		.check_interval = 0.25,
		.host_ratio = 1.0,
		.td_lifetime = 0.25,
		.replay_path = "stress-replay.tdp",
		.log_limit = 2000000,
		.trace_max = 1000000,
	};
	optind = 1;
	opterr = 0;
	while ((li = -1, c = getopt_long(argc, argv, "h", lo, &li)) != -1) {
		switch (c) {
		case O_SEED:
			if (!parse_u64(optarg, &o->seed))
				goto bad;
			break;
		case O_SECONDS:
			/* 0 would mean "no time limit": that is --ops alone. */
			if (!cli_parse_seconds(optarg, false, &o->seconds))
				goto bad;
			seconds_given = true;
			break;
		case O_OPS:
			if (!parse_u64(optarg, &o->ops) || !o->ops)
				goto bad;
			break;
		case O_VCPUS:
			if (!parse_u64(optarg, &v) || v < 1 || v > 64)
				goto bad;
			o->vcpus = (int)v;
			break;
		case O_HOST:
			if (!parse_u64(optarg, &v) || v > 64)
				goto bad;
			o->host_threads = (int)v;
			break;
		case O_MEM:
			if (!parse_u64(optarg, &o->mem) || o->mem < 2 * MB || o->mem % (2 * MB) ||
			    o->mem > (1ULL << 40))
				goto bad;
			break;
		case O_MAXLVL:
			o->max_level = scn_level_from_name(optarg);
			if (!o->max_level || o->max_level > PG_LEVEL_1G)
				goto bad;
			break;
		case O_MODULE:
			if (!strcmp(optarg, "1.5"))
				o->module = TDX_MODULE_1_5;
			else if (!strcmp(optarg, "2.0"))
				o->module = TDX_MODULE_2_0;
			else
				goto bad;
			break;
		case O_DPAMT:
			o->dpamt = true;
			o->module = TDX_MODULE_2_0;
			break;
		case O_DEMOTE:
			o->demote_interruptible = true;
			break;
		case O_POLICY:
			if (!strcmp(optarg, "upstream"))
				o->policy = TDX_POLICY_UPSTREAM;
			else if (!strcmp(optarg, "recover"))
				o->policy = TDX_POLICY_RECOVER;
			else
				goto bad;
			break;
		case O_PROMOTE:
			o->promote = true;
			break;
		case O_SPLITLOCK:
			if (!strcmp(optarg, "exclusive"))
				o->split_lock = KVM_SPLIT_LOCK_EXCLUSIVE;
			else if (!strcmp(optarg, "shared"))
				o->split_lock = KVM_SPLIT_LOCK_SHARED;
			else
				goto bad;
			break;
		case O_RATE:
			if (!parse_double(optarg, &o->inject_rate) || o->inject_rate > 1)
				goto bad;
			break;
		case O_FATAL:
			o->inject_fatal = true;
			break;
		case O_CHECK:
			if (!parse_double(optarg, &o->check_interval))
				goto bad;
			break;
		case O_REPLAY:
			o->replay_path = optarg;
			break;
		case O_LOGLIM:
			if (!parse_u64(optarg, &o->log_limit))
				goto bad;
			break;
		case O_VTHREADS:
			o->vcpu_threads = true;
			break;
		case O_HRATIO:
			if (!parse_double(optarg, &o->host_ratio))
				goto bad;
			break;
		case O_TDLIFE:
			if (!parse_double(optarg, &o->td_lifetime))
				goto bad;
			break;
		case O_JSON:
			o->json = true;
			break;
		case O_TRACE:
			o->trace = optarg;
			break;
		case O_TRACE_MAX:
			if (!parse_u64(optarg, &o->trace_max) || !o->trace_max)
				goto bad;
			break;
		case O_QUIET:
			o->quiet = true;
			break;
		case O_HELP:
		case 'h':
			stress_usage(stdout);
			return 1;
		default:
			goto bad;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "tdpmmu stress: unexpected argument '%s' (try --help)\n",
			argv[optind]);
		return 2;
	}
	if (o->dpamt && o->module != TDX_MODULE_2_0)
		goto bad;
	if (o->ops && !seconds_given)
		o->seconds = 0;
	if (o->inject_fatal && o->inject_rate == 0)
		o->inject_rate = 0.01;
	return 0;
bad:
	if (li >= 0 && lo[li].has_arg && optarg)
		fprintf(stderr, "tdpmmu stress: bad value '%s' for --%s (try --help)\n", optarg,
			lo[li].name);
	else
		fprintf(stderr, "tdpmmu stress: bad or unknown option '%s' (try --help)\n",
			optind - 1 < argc && optind > 0 ? argv[optind - 1] : "");
	return 2;
}
