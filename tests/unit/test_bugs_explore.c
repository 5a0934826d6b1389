// SPDX-License-Identifier: GPL-2.0-only
/*
 * `tdpmmu explore` finds a race that only some interleavings show.  The
 * scenario is examples/explore/punch-vs-fault.tdp (a vCPU fault against a
 * hole punch in the same 2M folio).  With TDPMMU_BUG_NO_INVALIDATE_RETRY
 * the fault does not retry after the punch moved the invalidate sequence,
 * and maps the split folio 2M over the freed page: the exploration must
 * report a violation with a schedule, and replaying that schedule must
 * fail again.  Without the bug every schedule passes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "commands.h"
#include "test_explore_capture.h"
#include "tdpmmu/base.h"

static const char scenario[] = "vm mem=4M vcpus=1\n"
			       "finalize\n"
			       "access gpa=0x200000 vcpu=0\n"
			       "convert gpa=0x200000 size=2M to=shared\n"
			       "convert gpa=0x200000 size=2M to=private\n"
			       "access gpa=0x200000 vcpu=0 thread=0\n"
			       "punch gpa=0x201000 size=4K thread=1\n"
			       "expect rc=0 thread=1\n"
			       "expect mirror gpa=0x201000 absent\n"
			       "expect count vm_bugged=0\n";

static char path[4096];

/* Run `tdpmmu explore ARGS... FILE` with stdout captured into @out. */
static int explore(char *out, size_t len, const char *a1, const char *a2)
{
	return test_explore_capture(out, len, a1, a2, path);
}

static int setup(void **state)
{
	int fd;

	(void)state;
	fd = test_mkstemps(path, sizeof(path), "test-bugs-explore.XXXXXX", 0);
	if (fd < 0 || write(fd, scenario, sizeof(scenario) - 1) != (ssize_t)sizeof(scenario) - 1)
		return -1;
	close(fd);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	unlink(path);
	return 0;
}

static void test_clean_without_bug(void **state)
{
	static char out[65536];

	(void)state;
	tdpmmu_bugs = 0;
	assert_int_equal(explore(out, sizeof(out), NULL, NULL), 0);
	assert_non_null(strstr(out, "(complete)"));
	assert_non_null(strstr(out, "violations        0"));
}

static void test_bug_found_and_replayed(void **state)
{
	static char out[65536], again[65536];
	char sched[4096], arg[4200];
	const char *p;

	(void)state;
	tdpmmu_bugs = 1u << TDPMMU_BUG_NO_INVALIDATE_RETRY;
	assert_int_equal(explore(out, sizeof(out), NULL, NULL), 1);
	print_message("%s", out);
	p = strstr(out, "--replay ");
	assert_non_null(p);
	assert_int_equal(sscanf(p + 9, "%4095s", sched), 1);
	/* The race needs the punch inside the fault: not the first schedule. */
	assert_non_null(strchr(sched, '1'));

	snprintf(arg, sizeof(arg), "--replay=%s", sched);
	assert_int_equal(explore(again, sizeof(again), arg, NULL), 1);
	assert_non_null(strstr(again, "schedules         1 (replay)"));
	assert_non_null(strstr(again, "violations        1"));
	tdpmmu_bugs = 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_clean_without_bug),
		cmocka_unit_test(test_bug_found_and_replayed),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
