// SPDX-License-Identifier: GPL-2.0-only
/*
 * TDPMMU_BUG_NARROW_PUNCH_INVALIDATION ("narrow_punch_invalidation"): the
 * punch invalidates only the hole, not the folios around its ends (issue
 * 9).  A fault just outside the hole then maps 2M while the punch's
 * end-side split has dropped mmu_lock, and the zap meets a huge private
 * leaf partly inside the hole: the VM is bugged.  `tdpmmu explore` must
 * find it on the three shapes (fault, 2M ACCEPT, 1G folio), with a
 * schedule that fails again on replay; with the switch off every schedule
 * passes.
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

#define SETUP(vm, more)                                \
	vm "finalize\n"                                \
	   "access gpa=0x200000 vcpu=0\n"              \
	   "convert gpa=0x200000 size=2M to=shared\n"  \
	   "convert gpa=0x200000 size=2M to=private\n" \
	   "access gpa=0x400000 vcpu=1\n" more

#define END                                     \
	"punch gpa=0x3ff000 size=8K thread=1\n" \
	"expect rc=0 thread=1\n"                \
	"expect mirror gpa=0x3ff000 absent\n"   \
	"expect count vm_bugged=0\n"            \
	"check\n"

/* (a) a touch at 2M, (b) a 2M ACCEPT there, (c) the same over a 1G folio. */
static const char *const shapes[] = {
	SETUP("vm mem=8M vcpus=2\n", "") "access gpa=0x200000 vcpu=0 thread=0\n" END,
	SETUP("vm mem=8M vcpus=2\n", "") "accept gpa=0x200000 level=2M vcpu=0 thread=0\n" END,
	SETUP("vm mem=1G vcpus=2 max_level=1G\n",
	      "access gpa=0x600000 vcpu=1\n") "access gpa=0x200000 vcpu=0 thread=0\n" END,
};

static char path[4096];

static void write_scenario(const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

/* Run `tdpmmu explore [--preemptions 1] [ARG] FILE`, stdout into @out. */
static int explore(char *out, size_t len, bool bound1, const char *arg)
{
	return test_explore_capture(out, len, bound1 ? "--preemptions=1" : NULL, arg, path);
}

static void run(int shape, bool bug)
{
	static char out[65536], again[65536];
	bool bound1 = shape == 2; /* 1G TDs are slow to build: one preemption finds it */
	char sched[4096], arg[4200];
	const char *p;

	write_scenario(shapes[shape]);
	tdpmmu_bugs = bug ? 1u << TDPMMU_BUG_NARROW_PUNCH_INVALIDATION : 0;
	if (!bug) {
		assert_int_equal(explore(out, sizeof(out), bound1, NULL), 0);
		assert_non_null(strstr(out, "(complete)"));
		assert_non_null(strstr(out, "violations        0"));
		goto out;
	}
	assert_int_equal(explore(out, sizeof(out), bound1, NULL), 1);
	print_message("%s", out);
	/* The punch hit the fault's huge leaf: EIO, a bugged VM. */
	assert_non_null(strstr(out, "expect failed: rc=0 thread=1, got EIO"));
	assert_non_null(strstr(out, "expect failed: count vm_bugged=0, got 1"));
	p = strstr(out, "--replay ");
	assert_non_null(p);
	assert_int_equal(sscanf(p + 9, "%4095s", sched), 1);
	/* Only an interleaving shows it: not the first schedule. */
	assert_non_null(strchr(sched, '1'));
	snprintf(arg, sizeof(arg), "--replay=%s", sched);
	assert_int_equal(explore(again, sizeof(again), bound1, arg), 1);
	assert_non_null(strstr(again, "violations        1"));
out:
	tdpmmu_bugs = 0;
	unlink(path);
}

static int setup(void **state)
{
	int fd;

	(void)state;
	fd = test_mkstemps(path, sizeof(path), "test-bugs-narrow-punch.XXXXXX", 0);
	if (fd < 0)
		return -1;
	close(fd);
	return 0;
}

static void test_fault_off(void **state)
{
	(void)state;
	run(0, false);
}

static void test_fault_on(void **state)
{
	(void)state;
	run(0, true);
}

static void test_accept2m_off(void **state)
{
	(void)state;
	run(1, false);
}

static void test_accept2m_on(void **state)
{
	(void)state;
	run(1, true);
}

static void test_fault_1g_off(void **state)
{
	(void)state;
	run(2, false);
}

static void test_fault_1g_on(void **state)
{
	(void)state;
	run(2, true);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_fault_off, setup),
		cmocka_unit_test_setup(test_fault_on, setup),
		cmocka_unit_test_setup(test_accept2m_off, setup),
		cmocka_unit_test_setup(test_accept2m_on, setup),
		cmocka_unit_test_setup(test_fault_1g_off, setup),
		cmocka_unit_test_setup(test_fault_1g_on, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
