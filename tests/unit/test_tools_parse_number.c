// SPDX-License-Identifier: GPL-2.0-only
/*
 * tools/parse_number.c, the one number parser: what the scenario language
 * (SCENARIO-FORMAT.md section 1) accepts, through the scenario parser and
 * through the command line alike.
 */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "cli_opts.h"
#include "parse_number.h"
#include "scenario.h"
#include "tdpmmu/base.h"

static const struct {
	const char *s;
	bool suffix;
	int err;
	u64 v;
} cases[] = {
	{"0", false, 0, 0},
	{"4096", false, 0, 4096},
	{"010", false, 0, 10}, /* decimal: the language has no octal */
	{"0x200000", false, 0, 0x200000},
	{"0X1000", false, 0, 0x1000},
	{"0xAbC", false, 0, 0xabc},
	{"4K", true, 0, 4096},
	{"2M", true, 0, 2ULL << 20},
	{"1G", true, 0, 1ULL << 30},
	{"1T", true, 0, 1ULL << 40},
	{"0x10K", true, 0, 16 << 10},
	{"18446744073709551615", false, 0, UINT64_MAX},
	{"0xffffffffffffffff", false, 0, UINT64_MAX},
	{"16777215T", true, 0, 16777215ULL << 40},
	{"4K", false, -EINVAL, 0}, /* no suffix where a plain number is wanted */
	{"4k", true, -EINVAL, 0},
	{"4KB", true, -EINVAL, 0},
	{"1P", true, -EINVAL, 0},
	{"", true, -EINVAL, 0},
	{"0x", false, -EINVAL, 0},
	{"K", true, -EINVAL, 0},
	{" 1", false, -EINVAL, 0},
	{"1 ", false, -EINVAL, 0},
	{"+1", false, -EINVAL, 0},
	{"-1", false, -EINVAL, 0},
	{"1x", false, -EINVAL, 0},
	{"0x1g", false, -EINVAL, 0},
	{"1.5", false, -EINVAL, 0},
	{"18446744073709551616", false, -ERANGE, 0},
	{"0x1ffffffffffffffff", true, -ERANGE, 0},
	{"16777216T", true, -ERANGE, 0}, /* 2^64 */
};

/* The scenario parser's numbers are this parser's, error for error. */
static void test_scenario_numbers(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		u64 v = 7;
		int r = scn_parse_number(cases[i].s, cases[i].suffix, &v);

		if (r != cases[i].err)
			fail_msg("scn_parse_number(\"%s\", %d) = %d, want %d", cases[i].s,
				 cases[i].suffix, r, cases[i].err);
		assert_int_equal(v, r ? 7 : cases[i].v); /* untouched on failure */
		assert_int_equal(tdpmmu_parse_number(cases[i].s, cases[i].suffix, &v), r);
	}
}

/* The command line's sizes: the same words, the same values. */
struct size_opts {
	u64 mem;
};

static const struct cli_opt size_opts[] = {
	CLI_OPT("mem", CLI_SIZE, CLI_AT(struct size_opts, mem), "SIZE", "memory"),
	CLI_OPT("n", CLI_U64, CLI_AT(struct size_opts, mem), "N", "a number"),
	{0},
};

static const struct cli_cmd size_cli = {.name = "test", .opts = size_opts};

static void test_cli_numbers(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		char *argv[] = {"test", cases[i].suffix ? "--mem" : "--n", (char *)cases[i].s,
				NULL};
		struct size_opts o = {.mem = 7};
		int nargs = -1, r;

		r = cli_parse(&size_cli, 3, argv, &o, &nargs);
		if (r != (cases[i].err ? 2 : CLI_CONTINUE))
			fail_msg("--%s '%s': %d", argv[1] + 2, cases[i].s, r);
		assert_int_equal(o.mem, cases[i].err ? 7 : cases[i].v);
	}
}

static void test_range(void **state)
{
	u64 v = 7;

	(void)state;
	assert_int_equal(tdpmmu_parse_u64("2M", true, 2 << 20, 1ULL << 40, &v), 0);
	assert_int_equal(v, 2 << 20);
	assert_int_equal(tdpmmu_parse_u64("1T", true, 2 << 20, 1ULL << 40, &v), 0);
	assert_int_equal(tdpmmu_parse_u64("2T", true, 2 << 20, 1ULL << 40, &v), -ERANGE);
	assert_int_equal(tdpmmu_parse_u64("1M", true, 2 << 20, 1ULL << 40, &v), -ERANGE);
	assert_int_equal(tdpmmu_parse_u64("x", true, 2 << 20, 1ULL << 40, &v), -EINVAL);
	assert_int_equal(tdpmmu_parse_u64(NULL, true, 0, 1, &v), -EINVAL);
	assert_int_equal(v, 1ULL << 40);
}

static void test_double(void **state)
{
	double v = 7;

	(void)state;
	assert_int_equal(tdpmmu_parse_double("0.25", 0, 1, &v), 0);
	assert_true(v == 0.25);
	assert_int_equal(tdpmmu_parse_double(".5", 0, 1, &v), 0);
	assert_true(v == 0.5);
	assert_int_equal(tdpmmu_parse_double("1e3", 0, 1e9, &v), 0);
	assert_true(v == 1000);
	assert_int_equal(tdpmmu_parse_double("1.5", 0, 1, &v), -ERANGE);
	assert_int_equal(tdpmmu_parse_double("1e999", 0, HUGE_VAL, &v), -ERANGE);
	assert_int_equal(tdpmmu_parse_double("inf", 0, HUGE_VAL, &v), -EINVAL);
	assert_int_equal(tdpmmu_parse_double("nan", 0, HUGE_VAL, &v), -EINVAL);
	assert_int_equal(tdpmmu_parse_double("-1", -5, 5, &v), -EINVAL);
	assert_int_equal(tdpmmu_parse_double(" 1", 0, 5, &v), -EINVAL);
	assert_int_equal(tdpmmu_parse_double("2s", 0, 5, &v), -EINVAL);
	assert_int_equal(tdpmmu_parse_double("", 0, 5, &v), -EINVAL);
	assert_true(v == 1000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scenario_numbers),
		cmocka_unit_test(test_cli_numbers),
		cmocka_unit_test(test_range),
		cmocka_unit_test(test_double),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
