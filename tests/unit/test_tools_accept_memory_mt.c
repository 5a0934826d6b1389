// SPDX-License-Identifier: GPL-2.0-only
/*
 * `accept_memory` run for real: the Linux-style size fallback, the parallel
 * split among vCPU threads (its 2M-aligned cut points keep huge accepts
 * possible), and the last status on each kind of failure.  Multi-threaded:
 * also run under ThreadSanitizer.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "scenario.h"
#include "tdpmmu/mmu.h"

static int run_text(const char *text, struct scn_result *res)
{
	struct scn_run_opts ro = {.out = stderr, .err = stderr, .timeline = true};
	struct scenario scn;
	int rc;

	if (scenario_parse("t.tdp", text, strlen(text), &scn)) {
		scenario_print_errors(&scn, stderr);
		fail();
	}
	rc = scenario_run(&scn, &ro, res);
	scenario_free(&scn);
	return rc;
}

/* A range not 2M aligned at either end, cut in four: 4K head and tail, 2M body. */
static void test_parallel_unaligned(void **state)
{
	static const char text[] = "vm mem=64M vcpus=4 max_level=2M seed=1\n"
				   "finalize\n"
				   "accept_memory gpa=0x1000 size=0x3000000 parallel\n"
				   "expect status=TDX_SUCCESS\n"
				   "expect mirror gpa=0x1000 level=4K\n"
				   "expect mirror gpa=0x200000 level=2M\n"
				   "expect mirror gpa=0x2e00000 level=2M\n"
				   "expect mirror gpa=0x3000000 level=4K\n"
				   "expect mirror gpa=0x3001000 absent\n"
				   "expect mirror gpa=0x0 absent\n"
				   "expect count splits=0\n"
				   "check\n";
	struct scn_result res;

	(void)state;
	assert_int_equal(run_text(text, &res), 0);
	assert_int_equal(res.expects_failed, 0);
	assert_int_equal(res.checks_passed, 1);
	/* [0x1000, 2M): 511 pages; [2M, 48M): 23 x 2M; [48M, 48M+4K): 1 page. */
	assert_int_equal(res.mappings[0], 512);
	assert_int_equal(res.mappings[1], 23);
	assert_int_equal(res.nr_timeline, 1);
	scn_result_free(&res);
}

/* Every vCPU accepts its own piece: each takes TD entries of its own. */
static void test_parallel_all_vcpus(void **state)
{
	static const char text[] = "vm mem=256M vcpus=4 max_level=2M seed=2\n"
				   "finalize\n"
				   "accept_memory gpa=0 size=256M parallel\n"
				   "expect status=TDX_SUCCESS\n"
				   "expect count TDH.MEM.PAGE.AUG=128\n"
				   "expect count TDG.MEM.PAGE.ACCEPT=256\n"
				   "check\n";
	struct scn_result res;

	(void)state;
	assert_int_equal(run_text(text, &res), 0);
	assert_int_equal(res.expects_failed, 0);
	assert_int_equal(res.mappings[1], 128);
	assert_int_equal(res.mappings[0], 0);
	scn_result_free(&res);
}

/* Failures: the status is what went wrong, not a generic error. */
static void test_failure_status(void **state)
{
	static const char text[] = "vm mem=64M vcpus=2 max_level=2M seed=3\n"
				   "finalize\n"
				   /* Shared memory inside the range: the exit to userspace. */
				   "convert gpa=0x2000000 size=2M to=shared\n"
				   "accept_memory gpa=0x1e00000 size=4M parallel\n"
				   "expect status=EXIT_MEMORY_FAULT\n"
				   /* A failing 4K accept: its status is the last status. */
				   "inject TDG.MEM.PAGE.ACCEPT status=TDX_OPERAND_INVALID|RCX\n"
				   "accept_memory gpa=0x1000 size=4K vcpu=1\n"
				   "expect status=TDX_OPERAND_INVALID|RCX\n"
				   /* A failing 2M accept falls back to 4K and succeeds there. */
				   "inject TDG.MEM.PAGE.ACCEPT status=TDX_OPERAND_BUSY|RCX\n"
				   "accept_memory gpa=0x400000 size=2M vcpu=0\n"
				   "expect status=TDX_SUCCESS\n"
				   "expect mirror gpa=0x400000 level=4K\n"
				   "expect mirror gpa=0x5ff000 level=4K\n"
				   /* Already accepted 4K pages are not a failure. */
				   "accept_memory gpa=0x400000 size=8K vcpu=1\n"
				   "expect status=TDX_SUCCESS\n"
				   "check\n";
	struct scn_result res;

	(void)state;
	assert_int_equal(run_text(text, &res), 0);
	assert_int_equal(res.expects_failed, 0);
	assert_int_equal(res.expects_passed, 6);
	scn_result_free(&res);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parallel_unaligned),
		cmocka_unit_test(test_parallel_all_vcpus),
		cmocka_unit_test(test_failure_status),
	};
	int rc;

	kvm_mmu_register_thread();
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	kvm_mmu_unregister_thread();
	return rc;
}
