// SPDX-License-Identifier: GPL-2.0-only
/*
 * The scenario parser against the contract: a table of malformed lines with
 * the exact message and line number each must produce, and well-formed lines
 * with the values they must parse to.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "scenario.h"
#include "test_tools_parse_harness.h"

/* One bad line after VM (so on line 2), with the one error it must give. */
static const struct bad_line bad_lines[] = {
	{"foo", "unknown command 'foo'"},
	{"Accept gpa=0 level=4K", "unknown command 'Accept'"},
	{"accept gpa=0x1000", "missing required key 'level' for 'accept'"},
	{"accept level=4K", "missing required key 'gpa' for 'accept'"},
	{"accept gpa=0x1001 level=4K", "gpa 0x1001 is not 4K aligned"},
	{"accept gpa=0x1000 level=2M", "gpa 0x1000 is not aligned to level 2M"},
	{"accept gpa=0x0 level=1G", "bad level '1G' for 'level' (want 4K|2M)"},
	{"accept gpa=0x0 level=4k", "bad level '4k' for 'level' (want 4K|2M)"},
	{"accept gpa=0x0 level=4K level=4K", "'level' given twice"},
	{"accept gpa= level=4K", "missing value for 'gpa'"},
	{"accept gpa level=4K", "missing value for 'gpa'"},
	{"accept gpa=zz level=4K", "bad number 'zz' for 'gpa'"},
	{"accept gpa=4k level=4K", "bad number '4k' for 'gpa'"},
	{"accept gpa=-4K level=4K", "bad number '-4K' for 'gpa'"},
	{"accept gpa=0x level=4K", "bad number '0x' for 'gpa'"},
	{"accept gpa=4KK level=4K", "bad number '4KK' for 'gpa'"},
	{"accept gpa=0x10000000000000000 level=4K",
	 "number '0x10000000000000000' for 'gpa' overflows"},
	{"accept gpa=18446744073709551616 level=4K",
	 "number '18446744073709551616' for 'gpa' overflows"},
	{"accept gpa=16777216T level=4K", "number '16777216T' for 'gpa' overflows"},
	{"accept gpa=64M level=4K",
	 "range [0x4000000, 0x4001000) is outside guest memory [0, 0x4000000)"},
	{"accept gpa=0 level=4K vcpu=2", "vcpu 2 out of range (vcpus=2)"},
	{"accept gpa=0 level=4K vcpu=1K", "bad number '1K' for 'vcpu'"},
	{"accept gpa=0 level=4K foo=1", "unknown key 'foo' for 'accept'"},
	{"access gpa=0 shared shared", "'shared' given twice"},
	{"access gpa=0 private", "unknown flag 'private' for 'access'"},
	{"access gpa=0 shared=1", "'shared' is a flag and takes no value"},
	{"access gpa=0x3fff000 write vcpu=9", "vcpu 9 out of range (vcpus=2)"},
	{"add gpa=0x1000 size=64M",
	 "range [0x1000, 0x4001000) is outside guest memory [0, 0x4000000)"},
	{"convert gpa=0 size=4K to=sideways",
	 "bad value 'sideways' for 'to' (want shared|private)"},
	{"convert gpa=0 size=4K", "missing required key 'to' for 'convert'"},
	{"convert gpa=0 size=0 to=shared", "'size' must be a positive multiple of 4K, got 0"},
	{"punch gpa=0 size=6K", "'size' must be a positive multiple of 4K, got 6K"},
	{"punch gpa=62M size=4M",
	 "range [0x3e00000, 0x4200000) is outside guest memory [0, 0x4000000)"},
	{"punch gpa=0x800 size=4K", "gpa 0x800 is not 4K aligned"},
	{"split gpa=0 size=2M level=1G", "bad level '1G' for 'level' (want 4K|2M)"},
	{"split gpa=0 size=2M", "missing required key 'level' for 'split'"},
	{"seamcall TDH.MEM.PAGE.FOLD gpa=0", "unknown leaf 'TDH.MEM.PAGE.FOLD' for 'seamcall'"},
	{"seamcall TDG.MEM.PAGE.ACCEPT gpa=0", "unknown leaf 'TDG.MEM.PAGE.ACCEPT' for 'seamcall'"},
	{"seamcall TDH.VP.ENTER", "unknown leaf 'TDH.VP.ENTER' for 'seamcall'"},
	{"seamcall gpa=0", "missing leaf for 'seamcall'"},
	{"seamcall", "missing leaf for 'seamcall'"},
	{"seamcall TDH.MEM.PAGE.AUG gpa=0x200000 level=1G",
	 "gpa 0x200000 is not aligned to level 1G"},
	{"seamcall TDH.MEM.SEPT.ADD gpa=1G level=512G",
	 "gpa 0x40000000 is not aligned to level 512G"},
	{"seamcall TDH.MEM.PAGE.AUG gpa=256T",
	 "gpa 0x1000000000000 is outside the 48-bit S-EPT address space"},
	{"seamcall TDH.MEM.PAGE.AUG gpa=0 allow_existing",
	 "flag 'allow_existing' applies only to TDH.MEM.SEPT.ADD"},
	{"seamcall TDH.MEM.PAGE.AUG gpa=0 level=3M",
	 "bad level '3M' for 'level' (want 4K|2M|1G|512G)"},
	{"tdcall TDG.MEM.PAGE.ACCEPT gpa=0", "missing required key 'level' for 'tdcall'"},
	{"tdcall TDH.MEM.PAGE.AUG gpa=0 level=4K",
	 "unknown leaf 'TDH.MEM.PAGE.AUG' for 'tdcall' (want TDG.MEM.PAGE.ACCEPT)"},
	{"tdcall TDG.MEM.PAGE.ACCEPT gpa=0 level=4K vcpu=5", "vcpu 5 out of range (vcpus=2)"},
	{"vcpu 2 enter", "vcpu 2 out of range (vcpus=2)"},
	{"vcpu 0 sleep", "bad vcpu action 'sleep' (want enter|exit)"},
	{"vcpu 0", "usage: vcpu N enter|exit"},
	{"vcpu x enter", "bad vCPU index 'x'"},
	{"inject TDH.MEM.TRACK", "missing required key 'status' for 'inject'"},
	{"inject TDH.MEM.TRACK status=TDX_NOPE", "unknown status 'TDX_NOPE'"},
	{"inject TDH.MEM.TRACK status=TDX_OPERAND_BUSY|RBX",
	 "unknown operand 'RBX' in status 'TDX_OPERAND_BUSY|RBX'"},
	{"inject TDH.MEM.TRACK status=OK", "unknown status 'OK'"},
	{"inject TDH.MEM.TRACK status=TDX_OPERAND_BUSY count=0", "count must be at least 1"},
	{"inject TDH.MEM.TRACK status=TDX_OPERAND_BUSY when=1", "unknown key 'when' for 'inject'"},
	{"inject alloc", "usage: inject alloc fail [count=N] [after=K]"},
	{"inject alloc fail count=1M", "bad number '1M' for 'count'"},
	{"inject alloc fail status=TDX_SUCCESS", "unknown key 'status' for 'inject alloc fail'"},
	{"inject NOPE status=TDX_SUCCESS", "unknown leaf 'NOPE' for 'inject'"},
	{"expect", "missing expectation for 'expect'"},
	{"expect status=FOO", "unknown status 'FOO'"},
	{"expect status=", "missing value for 'status'"},
	{"expect status=TDX_SUCCESS rc=0", "unknown key 'rc' for 'expect status'"},
	{"expect status=TDX_OPERAND_BUSY|0x100000000",
	 "bad operand '0x100000000' in status 'TDX_OPERAND_BUSY|0x100000000'"},
	{"expect status=0x1FFFFFFFFFFFFFFFF", "overflowing status '0x1FFFFFFFFFFFFFFFF'"},
	{"expect status=ok", "unknown status 'ok'"},
	{"expect rc=ENOENT", "unknown rc 'ENOENT' (want 0|ENOMEM|EIO|EBUSY|EINVAL|EAGAIN)"},
	{"expect rc=-12", "unknown rc '-12' (want 0|ENOMEM|EIO|EBUSY|EINVAL|EAGAIN)"},
	{"expect sept gpa=0 level=3M state=MAPPED",
	 "bad level '3M' for 'level' (want 4K|2M|1G|512G)"},
	{"expect sept gpa=0 level=4K state=GONE", "unknown S-EPT state 'GONE'"},
	{"expect sept gpa=0 level=4K", "missing required key 'state' for 'expect sept'"},
	{"expect sept gpa=0x201800 level=2M state=MAPPED", "gpa 0x201800 is not 4K aligned"},
	{"expect mirror gpa=0x9ff800 level=2M", "gpa 0x9ff800 is not 4K aligned"},
	{"expect mirror gpa=0", "expect mirror needs exactly one of 'level=L' and 'absent'"},
	{"expect mirror gpa=0 level=4K absent",
	 "expect mirror needs exactly one of 'level=L' and 'absent'"},
	{"expect mirror gpa=0 level=512G", "bad level '512G' for 'level' (want 4K|2M|1G)"},
	{"expect mirror gpa=64M absent",
	 "range [0x4000000, 0x4001000) is outside guest memory [0, 0x4000000)"},
	{"expect count splits", "usage: expect count NAME=N"},
	{"expect count splits=1 kicks=1", "usage: expect count NAME=N"},
	{"expect count nope=1", "unknown counter 'nope'"},
	{"expect count splits=x", "bad number 'x' for 'splits'"},
	{"expect count splits=", "missing value for 'splits'"},
	{"expect exit=accept req_level=4K err_level=2M",
	 "missing required key 'err_state' for 'expect exit'"},
	{"expect exit=reject req_level=4K err_level=2M err_state=FREE",
	 "bad value 'reject' for 'exit' (want accept)"},
	{"expect whatever",
	 "unknown expectation 'whatever' (want status=, exit=, rc=, sept, mirror, count)"},
	{"check now", "'check' takes no arguments"},
	{"stats all", "'stats' takes no arguments"},
	{"finalize now", "'finalize' takes no arguments"},
	{"vm mem=64M", "'vm' given twice (first at line 1)"},
};

/* Whole files: every error, in order. */
struct want_err {
	int line;
	const char *msg;
};
static const struct {
	const char *text;
	struct want_err errs[6];
} bad_files[] = {
	{"vm mem=64M vcpus=0", {{1, "vcpus must be between 1 and 1024, got 0"}}},
	{"vm", {{1, "missing required key 'mem' for 'vm'"}}},
	{"vm vcpus=1", {{1, "missing required key 'mem' for 'vm'"}}},
	{"vm mem=6K", {{1, "'mem' must be a positive multiple of 4K, got 6K"}}},
	{"vm mem=64M max_level=512G", {{1, "bad level '512G' for 'max_level' (want 4K|2M|1G)"}}},
	{"vm mem=64M module=3.0", {{1, "bad value '3.0' for 'module' (want 1.5|2.0)"}}},
	{"vm mem=64M dpamt=on", {{1, "dpamt=on needs module=2.0"}}},
	{"vm mem=64M module=1.5 dpamt=on", {{1, "dpamt=on needs module=2.0"}}},
	{"vm mem=64M dpamt=yes", {{1, "bad value 'yes' for 'dpamt' (want on|off)"}}},
	{"vm mem=64M seed=1K", {{1, "bad number '1K' for 'seed'"}}},
	{"vm mem=512T", {{1, "mem 0x2000000000000 is larger than the 48-bit S-EPT address space"}}},
	{"", {{1, "no 'vm' command"}}},
	{"# nothing\n\n   \t\n", {{1, "no 'vm' command"}}},
	{"finalize\nvm mem=64M",
	 {{1, "first command must be 'vm'"}, {2, "'vm' must be the first command"}}},
	{"accept gpa=0 level=4K", {{1, "first command must be 'vm'"}}},
	{"bogus", {{1, "first command must be 'vm'"}, {1, "unknown command 'bogus'"}}},
	{"vm mem=64M\nfinalize\nadd gpa=0", {{3, "'add' after 'finalize' (line 2)"}}},
	{"vm mem=64M\nfinalize\nfinalize\nadd gpa=0", {{4, "'add' after 'finalize' (line 2)"}}},
	/* A bad mem makes no range checks later (no cascade). */
	{"vm mem=x\naccept gpa=1T level=4K", {{1, "bad number 'x' for 'mem'"}}},
	/* Every bad token of a line is told, in order. */
	{VM "accept gpa=0x1001 level=3M vcpu=7 x=1",
	 {{2, "bad level '3M' for 'level' (want 4K|2M)"},
	  {2, "unknown key 'x' for 'accept'"},
	  {2, "gpa 0x1001 is not 4K aligned"},
	  {2, "vcpu 7 out of range (vcpus=2)"}}},
	/* The contract's own example of a refused file. */
	{"vm mem=64M vcpus=0\naccept gpa=0x1001 level=2M\nconvert gpa=0x0 size=4K to=sideways\n"
	 "seamcall TDH.MEM.PAGE.FOLD gpa=0x0\nexpect sept gpa=0x0 level=3M state=MAPPED\n",
	 {{1, "vcpus must be between 1 and 1024, got 0"},
	  {2, "gpa 0x1001 is not 4K aligned"},
	  {3, "bad value 'sideways' for 'to' (want shared|private)"},
	  {4, "unknown leaf 'TDH.MEM.PAGE.FOLD' for 'seamcall'"},
	  {5, "bad level '3M' for 'level' (want 4K|2M|1G|512G)"}}},
};

static void test_bad_lines(void **state)
{
	(void)state;
	check_bad_lines(bad_lines, ARRAY_SIZE(bad_lines));
}

static void test_bad_files(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(bad_files); i++) {
		const char *text = bad_files[i].text;
		size_t len = strlen(text);
		struct scenario scn;
		size_t want = 0;

		while (want < ARRAY_SIZE(bad_files[i].errs) && bad_files[i].errs[want].msg)
			want++;
		scenario_parse("t.tdp", text, len, &scn);
		if (scn.nr_errors != want) {
			print_error("file %zu: %zu errors, want %zu\n", i, scn.nr_errors, want);
			for (size_t e = 0; e < scn.nr_errors; e++)
				print_error("  %d: %s\n", scn.errors[e].line, scn.errors[e].msg);
			fail();
		}
		for (size_t e = 0; e < want; e++) {
			assert_int_equal(scn.errors[e].line, bad_files[i].errs[e].line);
			assert_string_equal(scn.errors[e].msg, bad_files[i].errs[e].msg);
		}
		scenario_free(&scn);
	}
}

/* A NUL byte inside a line must not silently cut it short. */
static void test_nul_byte(void **state)
{
	static const char text[] = "vm mem=64M\naccept gpa=0 level=4K\0 x\n";
	struct scenario scn;

	(void)state;
	assert_int_equal(scenario_parse("t", text, sizeof(text) - 1, &scn), 1);
	assert_int_equal(scn.errors[0].line, 2);
	assert_string_equal(scn.errors[0].msg, "NUL byte in line");
	scenario_free(&scn);
}

static struct scn_cmd parse_one(struct scenario *scn, const char *line)
{
	char text[512];

	snprintf(text, sizeof(text), VM "%s\n", line);
	if (scenario_parse("t.tdp", text, strlen(text), scn)) {
		print_error("'%s': %s\n", line, scn->errors[0].msg);
		fail();
	}
	assert_int_equal(scn->nr_cmds, 2);
	assert_int_equal(scn->cmds[1].line, 2);
	return scn->cmds[1];
}

#define PARSE(line, c)           \
	struct scenario scn_##c; \
	struct scn_cmd c = parse_one(&scn_##c, line)

static void test_vm(void **state)
{
	struct scenario scn;
	const char *t = "vm mem=1G vcpus=4 max_level=1G module=2.0 dpamt=on "
			"demote_interruptible=on seed=0x2a";

	(void)state;
	assert_int_equal(scenario_parse("t", t, strlen(t), &scn), 0);
	assert_int_equal(scn.cmds[0].kind, SCN_VM);
	assert_int_equal(scn.cmds[0].mem, 1ULL << 30);
	assert_int_equal(scn.cmds[0].nr_vcpus, 4);
	assert_int_equal(scn.cmds[0].max_level, PG_LEVEL_1G);
	assert_int_equal(scn.cmds[0].module, TDX_MODULE_2_0);
	assert_true(scn.cmds[0].dpamt);
	assert_true(scn.cmds[0].demote_interruptible);
	assert_int_equal(scn.cmds[0].seed, 42);
	scenario_free(&scn);

	/* Defaults. */
	t = "vm mem=64M";
	assert_int_equal(scenario_parse("t", t, strlen(t), &scn), 0);
	assert_int_equal(scn.cmds[0].mem, 64ULL << 20);
	assert_int_equal(scn.cmds[0].nr_vcpus, 1);
	assert_int_equal(scn.cmds[0].max_level, PG_LEVEL_2M);
	assert_int_equal(scn.cmds[0].module, TDX_MODULE_1_5);
	assert_false(scn.cmds[0].dpamt);
	assert_false(scn.cmds[0].demote_interruptible);
	assert_int_equal(scn.cmds[0].seed, 0);
	scenario_free(&scn);
}

static void test_numbers(void **state)
{
	static const struct {
		const char *s;
		u64 v;
	} nums[] = {
		{"0", 0},
		{"4096", 4096},
		{"0x200000", 0x200000},
		{"0X1000", 0x1000},
		{"4K", 4096},
		{"2M", 2ULL << 20},
		{"1G", 1ULL << 30},
		{"1T", 1ULL << 40},
		{"0x10K", 16 << 10},
		{"0xffffffffffffffff", UINT64_MAX},
		{"16777215T", 16777215ULL << 40},
	};
	u64 v;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(nums); i++) {
		assert_int_equal(scn_parse_number(nums[i].s, true, &v), 0);
		assert_int_equal(v, nums[i].v);
	}
	assert_int_equal(scn_parse_number("4K", false, &v), -EINVAL);
	assert_int_equal(scn_parse_number("", true, &v), -EINVAL);
	assert_int_equal(scn_parse_number("1P", true, &v), -EINVAL);
	assert_int_equal(scn_parse_number("16777216T", true, &v), -ERANGE);
	assert_int_equal(scn_parse_number("0x1ffffffffffffffff", true, &v), -ERANGE);
}

static void test_commands(void **state)
{
	(void)state;
	{
		PARSE("add gpa=0x100000 size=16K", c);
		assert_int_equal(c.kind, SCN_ADD);
		assert_int_equal(c.gpa, 0x100000);
		assert_int_equal(c.size, 0x4000);
		scenario_free(&scn_c);
	}
	{
		PARSE("add gpa=0", c);
		assert_int_equal(c.size, PAGE_SIZE);
		scenario_free(&scn_c);
	}
	{
		PARSE("\taccept   gpa=2M\tlevel=2M vcpu=1   # a comment\r", c);
		assert_int_equal(c.kind, SCN_ACCEPT);
		assert_int_equal(c.gpa, 0x200000);
		assert_int_equal(c.level, PG_LEVEL_2M);
		assert_int_equal(c.vcpu, 1);
		assert_string_equal(c.text, "accept gpa=2M level=2M vcpu=1");
		scenario_free(&scn_c);
	}
	{
		PARSE("access write gpa=0x3fff000 shared", c);
		assert_int_equal(c.kind, SCN_ACCESS);
		assert_true(c.shared);
		assert_true(c.write);
		assert_int_equal(c.vcpu, 0);
		scenario_free(&scn_c);
	}
	{
		PARSE("convert gpa=0x401000 size=4K to=private", c);
		assert_int_equal(c.kind, SCN_CONVERT);
		assert_true(c.to_private);
		scenario_free(&scn_c);
	}
	{
		PARSE("split gpa=0x1000 size=4K level=4K", c);
		assert_int_equal(c.kind, SCN_SPLIT);
		assert_int_equal(c.level, PG_LEVEL_4K);
		scenario_free(&scn_c);
	}
	{
		PARSE("seamcall TDH.MEM.SEPT.ADD gpa=0 level=512G allow_existing", c);
		assert_int_equal(c.kind, SCN_SEAMCALL);
		assert_int_equal(c.leaf, TDH_MEM_SEPT_ADD);
		assert_int_equal(c.level, PG_LEVEL_512G);
		assert_true(c.allow_existing);
		scenario_free(&scn_c);
	}
	{
		PARSE("seamcall TDH.MEM.TRACK", c);
		assert_int_equal(c.leaf, TDH_MEM_TRACK);
		assert_int_equal(c.level, PG_LEVEL_4K);
		scenario_free(&scn_c);
	}
	{
		/* Raw calls are bound by the S-EPT, not by mem. */
		PARSE("seamcall TDH.MEM.PAGE.AUG gpa=1T level=1G", c);
		assert_int_equal(c.gpa, 1ULL << 40);
		assert_int_equal(c.level, PG_LEVEL_1G);
		scenario_free(&scn_c);
	}
	{
		PARSE("tdcall TDG.MEM.PAGE.ACCEPT gpa=0x200000 level=2M vcpu=1", c);
		assert_int_equal(c.kind, SCN_TDCALL);
		assert_int_equal(c.level, PG_LEVEL_2M);
		assert_int_equal(c.vcpu, 1);
		scenario_free(&scn_c);
	}
	{
		/* v2 5.1: observations take any 4K address inside the entry. */
		PARSE("expect sept gpa=0x9ff000 level=1G state=FREE", c);
		assert_int_equal(c.kind, SCN_EXPECT_SEPT);
		assert_int_equal(c.gpa, 0x9ff000);
		assert_int_equal(c.level, PG_LEVEL_1G);
		scenario_free(&scn_c);
	}
	{
		PARSE("expect mirror gpa=0x9ff000 level=2M", c);
		assert_int_equal(c.kind, SCN_EXPECT_MIRROR);
		assert_int_equal(c.gpa, 0x9ff000);
		assert_int_equal(c.level, PG_LEVEL_2M);
		scenario_free(&scn_c);
	}
	{
		PARSE("vcpu 1 enter", c);
		assert_int_equal(c.kind, SCN_VCPU_ENTER);
		assert_int_equal(c.vcpu, 1);
		scenario_free(&scn_c);
	}
	{
		PARSE("vcpu 0x1 exit", c);
		assert_int_equal(c.kind, SCN_VCPU_EXIT);
		assert_int_equal(c.vcpu, 1);
		scenario_free(&scn_c);
	}
	{
		PARSE("inject TDH.MEM.PAGE.DEMOTE status=TDX_INTERRUPTED_RESTARTABLE count=2 "
		      "after=1",
		      c);
		assert_int_equal(c.kind, SCN_INJECT);
		assert_int_equal(c.leaf, TDH_MEM_PAGE_DEMOTE);
		assert_int_equal(c.status.value, TDX_INTERRUPTED_RESTARTABLE);
		assert_int_equal(c.count, 2);
		assert_int_equal(c.after, 1);
		scenario_free(&scn_c);
	}
	{
		PARSE("inject TDG.MEM.PAGE.ACCEPT status=TDX_OPERAND_BUSY|SEPT_TREE", c);
		assert_int_equal(c.leaf, TDG_MEM_PAGE_ACCEPT);
		assert_int_equal(c.status.value, TDX_OPERAND_BUSY | TDX_OPERAND_ID_SEPT);
		assert_int_equal(c.count, 1);
		assert_int_equal(c.after, 0);
		scenario_free(&scn_c);
	}
	{
		PARSE("inject alloc fail count=3", c);
		assert_int_equal(c.kind, SCN_INJECT_ALLOC);
		assert_int_equal(c.count, 3);
		assert_int_equal(c.after, 0);
		scenario_free(&scn_c);
	}
	{
		PARSE("check", c);
		assert_int_equal(c.kind, SCN_CHECK);
		scenario_free(&scn_c);
	}
	{
		PARSE("stats", c);
		assert_int_equal(c.kind, SCN_STATS);
		scenario_free(&scn_c);
	}
}

static void test_expects(void **state)
{
	static const struct {
		const char *line;
		enum scn_status_kind kind;
		u64 value;
		bool any;
	} st[] = {
		{"expect status=TDX_SUCCESS", SCN_ST_MODULE, 0, false},
		{"expect status=TDX_GPA_RANGE_NOT_BLOCKED|RCX", SCN_ST_MODULE,
		 0xC0000B0600000001ULL, false},
		{"expect status=TDX_OPERAND_BUSY", SCN_ST_MODULE, TDX_OPERAND_BUSY, true},
		{"expect status=TDX_OPERAND_BUSY|SEPT_TREE", SCN_ST_MODULE, 0x8000020000000092ULL,
		 false},
		{"expect status=TDX_OPERAND_BUSY|TD_EPOCH", SCN_ST_MODULE, 0x80000200000000A9ULL,
		 false},
		{"expect status=TDX_OP_STATE_INCORRECT|OP_STATE", SCN_ST_MODULE,
		 0xC0000608000000ACULL, false},
		{"expect status=TDX_OPERAND_INVALID|R8", SCN_ST_MODULE, 0xC000010000000008ULL,
		 false},
		{"expect status=TDX_PAGE_ALREADY_ACCEPTED|1", SCN_ST_MODULE, 0x00000B0A00000001ULL,
		 false},
		{"expect status=TDX_PAGE_SIZE_MISMATCH|0x0", SCN_ST_MODULE, 0xC0000B0B00000000ULL,
		 false},
		{"expect status=TDX_PAGE_ALREADY_ACCEPTED", SCN_ST_MODULE, 0x00000B0A00000000ULL,
		 false},
		{"expect status=0xC0000B0600000001", SCN_ST_MODULE, 0xC0000B0600000001ULL, false},
		{"expect status=0", SCN_ST_MODULE, 0, false},
		{"expect status=OK", SCN_ST_OK, 0, false},
		{"expect status=VE", SCN_ST_VE, 0, false},
		{"expect status=EXIT_MEMORY_FAULT", SCN_ST_EXIT_MEMORY_FAULT, 0, false},
		{"expect status=EIO", SCN_ST_EIO, 0, false},
		{"expect status=EXIT_EPT_VIOLATION", SCN_ST_EXIT_EPT_VIOLATION, 0, false},
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(st); i++) {
		PARSE(st[i].line, c);
		assert_int_equal(c.kind, SCN_EXPECT_STATUS);
		assert_int_equal(c.status.kind, st[i].kind);
		assert_int_equal(c.status.value, st[i].value);
		assert_int_equal(c.status.any_operand, st[i].any);
		scenario_free(&scn_c);
	}
	static const struct {
		const char *line;
		int rc;
	} rcs[] = {
		{"expect rc=0", 0},
		{"expect rc=ENOMEM", -ENOMEM},
		{"expect rc=EIO", -EIO},
		{"expect rc=EBUSY", -EBUSY},
		{"expect rc=EINVAL", -EINVAL},
		{"expect rc=EAGAIN", -EAGAIN},
	};
	for (size_t i = 0; i < ARRAY_SIZE(rcs); i++) {
		PARSE(rcs[i].line, c);
		assert_int_equal(c.kind, SCN_EXPECT_RC);
		assert_int_equal(c.rc, rcs[i].rc);
		scenario_free(&scn_c);
	}
	{
		PARSE("expect sept gpa=0 level=512G state=NL_MAPPED", c);
		assert_int_equal(c.kind, SCN_EXPECT_SEPT);
		assert_int_equal(c.level, PG_LEVEL_512G);
		assert_int_equal(c.state, TDX_SEPT_NL_MAPPED);
		scenario_free(&scn_c);
	}
	{
		PARSE("expect sept gpa=0x3ff000 level=4K state=PENDING_BLOCKED", c);
		assert_int_equal(c.gpa, 0x3ff000);
		assert_int_equal(c.state, TDX_SEPT_PENDING_BLOCKED);
		scenario_free(&scn_c);
	}
	{
		PARSE("expect mirror gpa=0x400000 absent", c);
		assert_int_equal(c.kind, SCN_EXPECT_MIRROR);
		assert_true(c.absent);
		scenario_free(&scn_c);
	}
	{
		PARSE("expect mirror gpa=0x400000 level=2M", c);
		assert_false(c.absent);
		assert_int_equal(c.level, PG_LEVEL_2M);
		scenario_free(&scn_c);
	}
	{
		PARSE("expect count TDG.MEM.PAGE.ACCEPT=3", c);
		assert_int_equal(c.kind, SCN_EXPECT_COUNT);
		assert_int_equal(c.counter, SCN_CNT_LEAF);
		assert_int_equal(c.leaf, TDG_MEM_PAGE_ACCEPT);
		assert_int_equal(c.value, 3);
		scenario_free(&scn_c);
	}
	{
		PARSE("expect count vm_bugged=0", c);
		assert_int_equal(c.counter, SCN_CNT_VM_BUGGED);
		assert_int_equal(c.value, 0);
		scenario_free(&scn_c);
	}
	{
		PARSE("expect count splits=0x10", c);
		assert_int_equal(c.counter, SCN_CNT_SPLITS);
		assert_int_equal(c.value, 16);
		scenario_free(&scn_c);
	}
	{
		PARSE("expect exit=accept req_level=4K err_level=2M err_state=PENDING", c);
		assert_int_equal(c.kind, SCN_EXPECT_EXIT);
		assert_int_equal(c.req_level, PG_LEVEL_4K);
		assert_int_equal(c.err_level, PG_LEVEL_2M);
		assert_int_equal(c.err_state, TDX_SEPT_PENDING);
		scenario_free(&scn_c);
	}
}

/* add after a raw TDH.MR.FINALIZE is not a parse error: it runs and fails. */
static void test_add_after_raw_finalize(void **state)
{
	const char *t = "vm mem=64M\nseamcall TDH.MR.FINALIZE\nadd gpa=0\n";
	struct scenario scn;

	(void)state;
	assert_int_equal(scenario_parse("t", t, strlen(t), &scn), 0);
	assert_int_equal(scn.nr_cmds, 3);
	scenario_free(&scn);
}

static void test_status_format(void **state)
{
	struct scn_status s = {.kind = SCN_ST_MODULE, .value = 0xC0000B0600000001ULL};
	char buf[96];

	(void)state;
	assert_string_equal(scn_status_format(&s, buf, sizeof(buf)),
			    "TDX_GPA_RANGE_NOT_BLOCKED|RCX");
	s.kind = SCN_ST_VE;
	assert_string_equal(scn_status_format(&s, buf, sizeof(buf)), "VE");
	s.kind = SCN_ST_NONE;
	assert_string_equal(scn_status_format(&s, buf, sizeof(buf)), "no status");
	s = (struct scn_status){.kind = SCN_ST_MODULE, .value = 0x1234ULL << 32};
	assert_string_equal(scn_status_format(&s, buf, sizeof(buf)), "0x0000123400000000");
	assert_string_equal(scn_rc_name(-ENOMEM), "ENOMEM");
	assert_string_equal(scn_rc_name(0), "0");
}

static void test_print_errors(void **state)
{
	const char *t = "vm mem=64M\naccept gpa=1 level=4K\n";
	struct scenario scn;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	(void)state;
	assert_non_null(f);
	assert_int_equal(scenario_parse("dir/x.tdp", t, strlen(t), &scn), 1);
	scenario_print_errors(&scn, f);
	fclose(f);
	assert_string_equal(buf, "dir/x.tdp:2: error: gpa 0x1 is not 4K aligned\n");
	free(buf);
	scenario_free(&scn);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bad_lines),     cmocka_unit_test(test_bad_files),
		cmocka_unit_test(test_nul_byte),      cmocka_unit_test(test_vm),
		cmocka_unit_test(test_numbers),	      cmocka_unit_test(test_commands),
		cmocka_unit_test(test_expects),	      cmocka_unit_test(test_add_after_raw_finalize),
		cmocka_unit_test(test_status_format), cmocka_unit_test(test_print_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
