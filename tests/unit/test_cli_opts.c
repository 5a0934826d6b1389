// SPDX-License-Identifier: GPL-2.0-only
/* tools/cli_opts.c: command-line numbers refuse what would wrap or truncate. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "cli_opts.h"

static void test_u64(void **state)
{
	u64 v = 7;

	(void)state;
	assert_true(cli_parse_u64("0x10", false, 0, ~0ULL, &v));
	assert_int_equal(v, 16);
	assert_true(cli_parse_u64("2M", true, 0, ~0ULL, &v));
	assert_int_equal(v, 2 << 20);
	assert_true(cli_parse_u64("1T", true, 0, ~0ULL, &v));
	assert_int_equal(v, 1ULL << 40);
	assert_true(cli_parse_u64("18446744073709551615", false, 0, ~0ULL, &v));
	assert_int_equal(v, ~0ULL);
	v = 7;
	assert_false(cli_parse_u64("18446744073709551616", false, 0, ~0ULL, &v));
	assert_false(cli_parse_u64("16777216T", true, 0, ~0ULL, &v)); /* 2^64 */
	assert_false(cli_parse_u64("2M", false, 0, ~0ULL, &v));
	assert_false(cli_parse_u64("-1", false, 0, ~0ULL, &v));
	assert_false(cli_parse_u64(" 1", false, 0, ~0ULL, &v));
	assert_false(cli_parse_u64("+1", false, 0, ~0ULL, &v));
	assert_false(cli_parse_u64("1x", false, 0, ~0ULL, &v));
	assert_false(cli_parse_u64("", false, 0, ~0ULL, &v));
	assert_false(cli_parse_u64("5", false, 6, 9, &v));
	assert_int_equal(v, 7); /* untouched on failure */
}

static void test_int(void **state)
{
	int v = 3;

	(void)state;
	assert_true(cli_parse_int("16", 1, 16, &v));
	assert_int_equal(v, 16);
	/* 2^32 + 1 once became 1 through an (int) cast. */
	assert_false(cli_parse_int("4294967297", 1, 16, &v));
	assert_false(cli_parse_int("0", 1, 16, &v));
	assert_int_equal(v, 16);
}

static void test_seconds(void **state)
{
	double v = 1;

	(void)state;
	assert_true(cli_parse_seconds("0.5", false, &v));
	assert_true(v == 0.5);
	assert_false(cli_parse_seconds("0", false, &v));
	assert_true(cli_parse_seconds("0", true, &v));
	assert_false(cli_parse_seconds("inf", false, &v));
	assert_false(cli_parse_seconds("nan", true, &v));
	assert_false(cli_parse_seconds("1e999", false, &v));
	assert_false(cli_parse_seconds("-1", true, &v));
	assert_false(cli_parse_seconds("2s", false, &v));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_u64),
		cmocka_unit_test(test_int),
		cmocka_unit_test(test_seconds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
