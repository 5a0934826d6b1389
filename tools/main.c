// SPDX-License-Identifier: GPL-2.0-only
/*
 * tdpmmu: the command line.  A table of subcommands; each parses its own
 * options.  Exit status 2 is a usage (or scenario parse) error.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "bugs.h"
#include "commands.h"
#include "tdpmmu/base.h"
#include "tdpmmu/types.h"

#ifndef TDPMMU_VERSION
#define TDPMMU_VERSION "unknown"
#endif

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *help;
} commands[] = {
	{"run", cmd_run, "run a scenario file, or the built-in TD lifecycle"},
	{"stress", cmd_stress, "multi-threaded randomized runs with the invariant checker"},
	{"bench", cmd_bench, "benchmarks (SEAMCALLs, TRACK rounds, kicks, lock hold times)"},
	{"explore", cmd_explore, "exhaustive interleaving exploration of small configurations"},
};

static void usage(FILE *f)
{
	fprintf(f, "usage: tdpmmu COMMAND [ARGS...]\n"
		   "       tdpmmu --help | --version\n"
		   "\n"
		   "A user-space TDP MMU with mirror/external page tables and TDX huge pages,\n"
		   "driven against a model of the TDX module.\n"
		   "\n"
		   "commands:\n");
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		fprintf(f, "  %-8s %s\n", commands[i].name, commands[i].help);
	fprintf(f, "\n"
		   "  tdpmmu run [--json] [--trace FILE] [--map FILE] [FILE|-]\n"
#ifdef TDPMMU_BUGS
		   "  tdpmmu-bugs [--bug NAME]... COMMAND ...   with deliberate bugs (--bug list)\n"
#endif
		   "  tdpmmu COMMAND --help   options of one command (or: tdpmmu help COMMAND)\n"
		   "\n"
		   "The scenario language: docs/SCENARIO-LANGUAGE.md.\n"
		   "\n"
		   "Exit status: 0 success, 1 an expectation, invariant or run failed,\n"
		   "2 usage or parse error.\n");
}

/*
 * A report that could not be written (a full disk, a closed pipe) is a
 * failed run, not a success: check stdout once everything is written.
 */
static int check_stdout(int rc)
{
	if (fflush(stdout) == 0 && !ferror(stdout))
		return rc;
	fprintf(stderr, "tdpmmu: error writing to stdout: %s\n",
		errno ? strerror(errno) : "write error");
	return rc ? rc : 1;
}

#ifdef TDPMMU_BUGS
/*
 * tdpmmu-bugs: `--bug NAME` (repeatable) before the command switches on a
 * deliberate bug; `--bug list` prints the names.  Returns how many
 * arguments were taken, or -1 (done: exit with *status).
 */
static int take_bugs(int argc, char **argv, int *status)
{
	int i = 1;

	while (i < argc && !strcmp(argv[i], "--bug")) {
		int id;

		if (i + 1 >= argc) {
			fprintf(stderr, "tdpmmu-bugs: --bug needs a NAME (--bug list)\n");
			*status = 2;
			return -1;
		}
		if (!strcmp(argv[i + 1], "list")) {
			for (id = 0; id < NR_TDPMMU_BUGS; id++)
				printf("%s\n", tdpmmu_bug_name(id));
			*status = 0;
			return -1;
		}
		id = tdpmmu_bug_by_name(argv[i + 1]);
		if (id < 0) {
			fprintf(stderr, "tdpmmu-bugs: unknown bug '%s' (--bug list)\n",
				argv[i + 1]);
			*status = 2;
			return -1;
		}
		tdpmmu_bugs |= 1u << id;
		i += 2;
	}
	return i - 1;
}
#endif

static int tdpmmu_main(int argc, char **argv)
{
#ifdef TDPMMU_BUGS
	int status, taken = take_bugs(argc, argv, &status);

	if (taken < 0)
		return status;
	argv[taken] = argv[0];
	argc -= taken;
	argv += taken;
#endif
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "help") && argc > 2) {
		/* `tdpmmu help run` is `tdpmmu run --help`. */
		char *sub[] = {argv[2], "--help", NULL};

		for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
			if (!strcmp(argv[2], commands[i].name))
				return commands[i].fn(2, sub);
		fprintf(stderr, "tdpmmu: no command '%s' (try tdpmmu --help)\n", argv[2]);
		return 2;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("tdpmmu %s\n", TDPMMU_VERSION);
		return 0;
	}
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "tdpmmu: unknown command '%s' (try tdpmmu --help)\n", argv[1]);
	return 2;
}

int main(int argc, char **argv)
{
	return check_stdout(tdpmmu_main(argc, argv));
}
