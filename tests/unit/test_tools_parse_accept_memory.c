// SPDX-License-Identifier: GPL-2.0-only
/*
 * The `accept_memory` extension of the scenario language (docs/SCENARIOS.md):
 * every malformed form with the exact message it must produce, and the
 * values the well-formed ones parse to, through the parser's public API.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "test_tools_parse_harness.h"

static const struct bad_line bad_lines[] = {
	{"accept_memory gpa=0", "missing required key 'size' for 'accept_memory'"},
	{"accept_memory size=2M", "missing required key 'gpa' for 'accept_memory'"},
	{"accept_memory gpa=0x1001 size=4K", "gpa 0x1001 is not 4K aligned"},
	{"accept_memory gpa=0 size=6K", "'size' must be a positive multiple of 4K, got 6K"},
	{"accept_memory gpa=0 size=0", "'size' must be a positive multiple of 4K, got 0"},
	{"accept_memory gpa=62M size=4M",
	 "range [0x3e00000, 0x4200000) is outside guest memory [0, 0x4000000)"},
	{"accept_memory gpa=0 size=4K vcpu=2", "vcpu 2 out of range (vcpus=2)"},
	{"accept_memory gpa=0 size=4K vcpu=0 parallel",
	 "'vcpu' and 'parallel' are mutually exclusive"},
	{"accept_memory gpa=0 size=4K parallel=1", "'parallel' is a flag and takes no value"},
	{"accept_memory gpa=0 size=4K parallel parallel", "'parallel' given twice"},
	{"accept_memory gpa=0 size=4K level=2M", "unknown key 'level' for 'accept_memory'"},
	{"accept_memory gpa=0 size=4K serial", "unknown flag 'serial' for 'accept_memory'"},
	{"accept_memory gpa=0 size=4k", "bad number '4k' for 'size'"},
	{"Accept_memory gpa=0 size=4K", "unknown command 'Accept_memory'"},
};

static void test_bad_lines(void **state)
{
	(void)state;
	check_bad_lines(bad_lines, ARRAY_SIZE(bad_lines));
}

static void parse_ok(const char *line, struct scn_cmd *out)
{
	char text[512];
	struct scenario scn;

	snprintf(text, sizeof(text), VM "%s\n", line);
	if (scenario_parse("t.tdp", text, strlen(text), &scn)) {
		print_error("'%s': %s\n", line, scn.errors[0].msg);
		fail();
	}
	assert_int_equal(scn.nr_cmds, 2);
	*out = scn.cmds[1];
	out->text = NULL; /* freed below */
	scenario_free(&scn);
}

static void test_good_lines(void **state)
{
	struct scn_cmd c;

	(void)state;
	parse_ok("accept_memory gpa=0x1000 size=62M parallel", &c);
	assert_int_equal(c.kind, SCN_ACCEPT_MEMORY);
	assert_int_equal(c.gpa, 0x1000);
	assert_int_equal(c.size, 62ULL << 20);
	assert_true(c.parallel);
	assert_int_equal(c.vcpu, 0);

	parse_ok("accept_memory size=4K vcpu=1 gpa=2M", &c);
	assert_int_equal(c.kind, SCN_ACCEPT_MEMORY);
	assert_int_equal(c.gpa, 2ULL << 20);
	assert_int_equal(c.size, 4096);
	assert_false(c.parallel);
	assert_int_equal(c.vcpu, 1);

	/* The whole of guest memory, vCPU defaulting to 0. */
	parse_ok("accept_memory gpa=0 size=64M", &c);
	assert_int_equal(c.size, 64ULL << 20);
	assert_false(c.parallel);
	assert_int_equal(c.vcpu, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bad_lines),
		cmocka_unit_test(test_good_lines),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
