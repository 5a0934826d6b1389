// SPDX-License-Identifier: GPL-2.0-only
/*
 * tools/cli_opts.c: the option helper every subcommand parses with, and
 * its single-value helpers (numbers that would wrap or truncate refused).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "cli_opts.h"
#include "parse_number.h"
#include "tdpmmu/base.h"

struct t_opts {
	bool json, quiet;
	u64 seed, mem, ops;
	int bound, mode;
	double seconds, rate;
	const char *out, *tag;
};

static const struct cli_choice t_unbounded[] = {{"-1", -1}, {NULL, 0}};
static const struct cli_choice t_modes[] = {{"exclusive", 10}, {"shared", 20}, {NULL, 0}};

static const struct cli_opt t_table[] = {
	CLI_OPT("json", CLI_FLAG, CLI_AT(struct t_opts, json), NULL, "JSON out"),
	CLI_OPT("quiet", CLI_FLAG, CLI_AT(struct t_opts, quiet), NULL, "no progress",
		.short_name = 'q'),
	CLI_OPT("seed", CLI_U64, CLI_AT(struct t_opts, seed), "N", "the seed"),
	CLI_OPT("ops", CLI_U64, CLI_AT(struct t_opts, ops), "N", "operations", .suffix = true),
	CLI_OPT("mem", CLI_SIZE, CLI_AT(struct t_opts, mem), "SIZE", "memory\nsecond line",
		.min = 2 << 20, .max = 1ULL << 40, .align = 2 << 20),
	CLI_BLANK,
	CLI_OPT("preemptions", CLI_INT, CLI_AT(struct t_opts, bound), "N", "bound", .max = 1000,
		.choices = t_unbounded),
	CLI_OPT("split-lock", CLI_ENUM, CLI_AT(struct t_opts, mode), "L", "lock mode",
		.choices = t_modes),
	CLI_OPT("seconds", CLI_DOUBLE, CLI_AT(struct t_opts, seconds), "S", "time",
		.positive = true),
	CLI_OPT("inject-rate", CLI_DOUBLE, CLI_AT(struct t_opts, rate), "R", "rate", .dmax = 1),
	CLI_OPT("out", CLI_STRING, CLI_AT(struct t_opts, out), "FILE", "output"),
	CLI_OPT("tag", CLI_STRING, CLI_AT(struct t_opts, tag), "T", NULL, .repeat = true),
	CLI_OPT("ignored", CLI_FLAG, 0, NULL, NULL),
	{0},
};

static const struct cli_cmd t_cli = {
	.name = "test",
	.synopsis = "[options] [FILE...]",
	.about = "About the test command.",
	.epilog = "Exit status: 0 or 2.",
	.opts = t_table,
	.max_args = 2,
	.args_name = "FILE",
};

static const struct t_opts t_defaults = {.seed = 1, .mem = 512 << 20, .bound = 2, .rate = 0.5};

/* Parse @words (argv after the command) into *o from the defaults; stderr into @err. */
static int parse(const struct cli_cmd *cmd, struct t_opts *o, char **argv, int *nargs, char *err,
		 size_t errlen, const char *const *words)
{
	FILE *tmp = tmpfile();
	int argc = 1, saved, r;
	size_t n;

	argv[0] = "test";
	while (words[argc - 1])
		argv[argc] = (char *)words[argc - 1], argc++;
	argv[argc] = NULL;
	*o = t_defaults;
	assert_non_null(tmp);
	fflush(stderr);
	saved = dup(2);
	dup2(fileno(tmp), 2);
	r = cli_parse(cmd, argc, argv, o, nargs);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	rewind(tmp);
	n = fread(err, 1, errlen - 1, tmp);
	err[n] = 0;
	fclose(tmp);
	return r;
}

#define PARSE(o, argv, nargs, err, ...)                         \
	parse(&t_cli, (o), (argv), (nargs), (err), sizeof(err), \
	      (const char *const[]){__VA_ARGS__, NULL})

static void test_values(void **state)
{
	char *argv[32], err[512];
	struct t_opts o;
	int n = -1;

	(void)state;
	/* Both spellings, flags, a short option, and arguments among the options. */
	assert_int_equal(PARSE(&o, argv, &n, err, "a.tdp", "--seed", "0x10", "--mem=1T", "-q",
			       "--json", "--preemptions", "-1", "--split-lock=shared", "--seconds",
			       "0.5", "--inject-rate", "1", "--out", "-", "b.tdp"),
			 CLI_CONTINUE);
	assert_string_equal(err, "");
	assert_true(o.json && o.quiet);
	assert_int_equal(o.seed, 16);
	assert_int_equal(o.mem, 1ULL << 40);
	assert_int_equal(o.bound, -1);
	assert_int_equal(o.mode, 20);
	assert_true(o.seconds == 0.5 && o.rate == 1);
	assert_string_equal(o.out, "-");
	assert_int_equal(n, 2);
	assert_string_equal(argv[1], "a.tdp");
	assert_string_equal(argv[2], "b.tdp");

	/* Not given: the defaults stay. */
	assert_int_equal(PARSE(&o, argv, &n, err, "--json"), CLI_CONTINUE);
	assert_int_equal(o.seed, 1);
	assert_int_equal(o.mem, 512 << 20);
	assert_int_equal(n, 0);

	/* "--" ends the options; "-" is an argument; a repeatable option: the last. */
	assert_int_equal(PARSE(&o, argv, &n, err, "--tag", "x", "--tag=y", "-", "--", "--json"),
			 CLI_CONTINUE);
	assert_string_equal(o.tag, "y");
	assert_false(o.json);
	assert_int_equal(n, 2);
	assert_string_equal(argv[1], "-");
	assert_string_equal(argv[2], "--json");

	/* An option without a destination is accepted and ignored. */
	assert_int_equal(PARSE(&o, argv, &n, err, "--ignored"), CLI_CONTINUE);
	/* A count may take a unit where the table says so. */
	assert_int_equal(PARSE(&o, argv, &n, err, "--ops", "1M"), CLI_CONTINUE);
	assert_int_equal(o.ops, 1 << 20);
}

/* Every bad word: exit 2, one line naming it, and nothing stored. */
static void test_errors(void **state)
{
	static const struct {
		const char *words[4];
		const char *msg;
	} bad[] = {
		{{"--bogus"}, "tdpmmu test: unknown option '--bogus' (try 'tdpmmu help test')\n"},
		{{"--bogus=1"}, "tdpmmu test: unknown option '--bogus' (try 'tdpmmu help test')\n"},
		{{"-x"}, "tdpmmu test: unknown option '-x' (try 'tdpmmu help test')\n"},
		{{"-qq"}, "tdpmmu test: unknown option '-qq' (try 'tdpmmu help test')\n"},
		{{"--jso"}, "tdpmmu test: unknown option '--jso' (try 'tdpmmu help test')\n"},
		{{"--out"}, "tdpmmu test: missing FILE after '--out' (try 'tdpmmu help test')\n"},
		{{"--out="},
		 "tdpmmu test: bad value '' for --out: want a FILE (try 'tdpmmu help test')\n"},
		{{"--json=yes"},
		 "tdpmmu test: option '--json' takes no value (try 'tdpmmu help test')\n"},
		{{"--seed", "1", "--seed", "2"},
		 "tdpmmu test: option '--seed' given twice (try 'tdpmmu help test')\n"},
		{{"--json", "--json"},
		 "tdpmmu test: option '--json' given twice (try 'tdpmmu help test')\n"},
		{{"--seed", "-1"},
		 "tdpmmu test: bad value '-1' for --seed: want a whole number "
		 "(try 'tdpmmu help test')\n"},
		{{"--seed", "1K"}, NULL},
		{{"--ops", "1KB"},
		 "tdpmmu test: bad value '1KB' for --ops: want a whole number (K, M, "
		 "G, T: powers of 1024) (try 'tdpmmu help test')\n"},
		{{"--seed", "18446744073709551616"}, NULL},
		{{"--mem", "3M"},
		 "tdpmmu test: bad value '3M' for --mem: want a size (4K, 2M, "
		 "0x200000) from 2M to 1T, a multiple of 2M (try 'tdpmmu help "
		 "test')\n"},
		{{"--mem", "2T"}, NULL},
		{{"--preemptions", "1001"},
		 "tdpmmu test: bad value '1001' for --preemptions: want "
		 "-1 or a whole number from 0 to 1000 (try 'tdpmmu "
		 "help test')\n"},
		{{"--preemptions", "4294967297"}, NULL}, /* not 1 through an (int) cast */
		{{"--preemptions", "-2"}, NULL},
		{{"--split-lock", "none"},
		 "tdpmmu test: bad value 'none' for --split-lock: want "
		 "exclusive|shared (try 'tdpmmu help test')\n"},
		{{"--seconds", "0"},
		 "tdpmmu test: bad value '0' for --seconds: want a number > 0 "
		 "(try 'tdpmmu help test')\n"},
		{{"--seconds", "inf"}, NULL},
		{{"--inject-rate", "1.5"},
		 "tdpmmu test: bad value '1.5' for --inject-rate: want a "
		 "number >= 0 and <= 1 (try 'tdpmmu help test')\n"},
		{{"a", "b", "c"},
		 "tdpmmu test: unexpected argument 'c': at most 2 FILE (try "
		 "'tdpmmu help test')\n"},
		{{"--out", "\033[31m", "--bogus\033"},
		 "tdpmmu test: unknown option '--bogus\\x1b' "
		 "(try 'tdpmmu help test')\n"},
	};
	char *argv[32], err[512];
	struct t_opts o;
	int n;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		/* Valid words first: not stored either.  Then the case, NULL-ended. */
		const char *w[2 + ARRAY_SIZE(bad[i].words) + 1] = {"-q", "--tag=z"};

		memcpy(w + 2, bad[i].words, sizeof(bad[i].words));
		n = -1;
		if (parse(&t_cli, &o, argv, &n, err, sizeof(err), w) != 2)
			fail_msg("case %zu (%s): not a usage error", i, bad[i].words[0]);
		if (bad[i].msg && strcmp(err, bad[i].msg))
			fail_msg("case %zu: message\n%s want\n%s", i, err, bad[i].msg);
		if (!bad[i].msg && (!strstr(err, "tdpmmu test: bad value '") ||
				    strchr(err, '\n') != err + strlen(err) - 1))
			fail_msg("case %zu: message %s", i, err);
		assert_false(o.quiet);
		assert_null(o.tag);
		assert_false(o.json);
		assert_int_equal(o.seed, 1);
		assert_null(o.out);
		assert_int_equal(n, -1);
	}
}

static void test_args(void **state)
{
	const struct cli_cmd one = {.name = "one",
				    .opts = t_table,
				    .min_args = 1,
				    .max_args = 1,
				    .args_name = "scenario FILE",
				    .hint = "tdpmmu one --help"};
	const struct cli_cmd none = {.name = "none", .opts = t_table};
	char *argv[32], err[512];
	struct t_opts o;
	int n = -1;

	(void)state;
	assert_int_equal(parse(&one, &o, argv, &n, err, sizeof(err), (const char *[]){NULL}), 2);
	assert_string_equal(err, "tdpmmu one: missing scenario FILE (try 'tdpmmu one --help')\n");
	assert_int_equal(parse(&none, &o, argv, &n, err, sizeof(err), (const char *[]){"x", NULL}),
			 2);
	assert_string_equal(err, "tdpmmu none: unexpected argument 'x' (try 'tdpmmu help none')\n");
}

static char *help_of(const struct cli_cmd *cmd)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	cli_usage(cmd, f);
	fclose(f);
	return buf;
}

/* The help comes from the table: every shown option, its METAVAR, aligned. */
static void test_help(void **state)
{
	char *argv[32], err[512], *h = help_of(&t_cli);
	struct t_opts o;
	int n = -1;

	(void)state;
	assert_non_null(strstr(h, "usage: tdpmmu test [options] [FILE...]\n\nAbout the test "
				  "command.\n\n"));
	assert_non_null(strstr(h, "  --json           JSON out\n"));
	assert_non_null(strstr(h, "  -q, --quiet      no progress\n"));
	assert_non_null(strstr(h, "  --mem SIZE       memory\n                   second line\n"
				  "\n  --preemptions N"));
	assert_non_null(strstr(h, "  -h, --help       this text\n\nExit status: 0 or 2.\n"));
	assert_null(strstr(h, "--tag")); /* no help: not shown */
	assert_null(strstr(h, "--ignored"));
	free(h);

	/* -h and --help: the help, exit 0, nothing stored, even after other options. */
	assert_int_equal(PARSE(&o, argv, &n, err, "--json", "--help", "--bogus"), 0);
	assert_false(o.json);
	assert_string_equal(err, "");
	assert_int_equal(PARSE(&o, argv, &n, err, "-h"), 0);
	assert_int_equal(PARSE(&o, argv, &n, err, "--help=x"), 2);
}

/* One argument through a spec: cli_parse_arg(). */
static void test_arg(void **state)
{
	static const struct cli_opt mem = CLI_OPT(NULL, CLI_SIZE, CLI_AT(struct t_opts, mem), "MEM",
						  NULL, .min = 2 << 20, .align = 2 << 20);
	struct t_opts o = {0};

	(void)state;
	assert_true(cli_parse_arg(&t_cli, &mem, "4M", &o));
	assert_int_equal(o.mem, 4 << 20);
	assert_false(cli_parse_arg(&t_cli, &mem, "5M", &o));
	assert_int_equal(o.mem, 4 << 20);
}

/* The shared number parser under every option (tools/parse_number.c). */
static void test_u64(void **state)
{
	u64 v = 7;

	(void)state;
	assert_int_equal(tdpmmu_parse_u64("0x10", false, 0, ~0ULL, &v), 0);
	assert_int_equal(v, 16);
	assert_int_equal(tdpmmu_parse_u64("2M", true, 0, ~0ULL, &v), 0);
	assert_int_equal(v, 2 << 20);
	assert_int_equal(tdpmmu_parse_u64("1T", true, 0, ~0ULL, &v), 0);
	assert_int_equal(v, 1ULL << 40);
	assert_int_equal(tdpmmu_parse_u64("18446744073709551615", false, 0, ~0ULL, &v), 0);
	assert_int_equal(v, ~0ULL);
	v = 7;
	assert_int_equal(tdpmmu_parse_u64("18446744073709551616", false, 0, ~0ULL, &v), -ERANGE);
	assert_int_equal(tdpmmu_parse_u64("16777216T", true, 0, ~0ULL, &v), -ERANGE); /* 2^64 */
	assert_int_equal(tdpmmu_parse_u64("2M", false, 0, ~0ULL, &v), -EINVAL);
	assert_int_equal(tdpmmu_parse_u64("-1", false, 0, ~0ULL, &v), -EINVAL);
	assert_int_equal(tdpmmu_parse_u64(" 1", false, 0, ~0ULL, &v), -EINVAL);
	assert_int_equal(tdpmmu_parse_u64("+1", false, 0, ~0ULL, &v), -EINVAL);
	assert_int_equal(tdpmmu_parse_u64("1x", false, 0, ~0ULL, &v), -EINVAL);
	assert_int_equal(tdpmmu_parse_u64("", false, 0, ~0ULL, &v), -EINVAL);
	assert_int_equal(tdpmmu_parse_u64("5", false, 6, 9, &v), -ERANGE);
	assert_int_equal(v, 7); /* untouched on failure */
}

static void test_int(void **state)
{
	u64 v = 3;

	(void)state;
	assert_int_equal(tdpmmu_parse_u64("16", false, 1, 16, &v), 0);
	assert_int_equal(v, 16);
	/* 2^32 + 1 once became 1 through an (int) cast. */
	assert_int_equal(tdpmmu_parse_u64("4294967297", false, 1, 16, &v), -ERANGE);
	assert_int_equal(tdpmmu_parse_u64("0", false, 1, 16, &v), -ERANGE);
	assert_int_equal(v, 16);
}

static void test_seconds(void **state)
{
	double v = 1;

	(void)state;
	assert_int_equal(tdpmmu_parse_double("0.5", 0, 1e9, &v), 0);
	assert_true(v == 0.5);
	assert_int_equal(tdpmmu_parse_double("0", 0, 1e9, &v), 0);
	assert_true(v == 0);
	assert_int_not_equal(tdpmmu_parse_double("inf", 0, 1e9, &v), 0);
	assert_int_not_equal(tdpmmu_parse_double("nan", 0, 1e9, &v), 0);
	assert_int_not_equal(tdpmmu_parse_double("1e999", 0, 1e9, &v), 0);
	assert_int_not_equal(tdpmmu_parse_double("-1", 0, 1e9, &v), 0);
	assert_int_not_equal(tdpmmu_parse_double("2s", 0, 1e9, &v), 0);
	assert_true(v == 0); /* untouched on failure */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_values), cmocka_unit_test(test_errors),
		cmocka_unit_test(test_args),   cmocka_unit_test(test_help),
		cmocka_unit_test(test_arg),    cmocka_unit_test(test_u64),
		cmocka_unit_test(test_int),    cmocka_unit_test(test_seconds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
