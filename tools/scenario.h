/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The scenario language (.tdp, docs SCENARIO-FORMAT.md): the parsed form of
 * a file, the parser and the runner.  The parser validates the whole file
 * before anything runs, so it never touches a VM; the runner executes a
 * valid scenario against include/tdpmmu/vm.h.
 */
#ifndef TDPMMU_TOOLS_SCENARIO_H
#define TDPMMU_TOOLS_SCENARIO_H

#include <stdio.h>

#include "tdpmmu/tdx.h"
#include "tdpmmu/tdxmod.h"
#include "tdpmmu/types.h"
#include "gpa_map.h"
#include "tdpmmu/vm.h"

/* Logical threads `thread=N` can name (tdpmmu explore). */
#define SCN_MAX_THREADS 4

/* Private GPAs the S-EPT can address: raw seamcall/tdcall are bound by this. */
#define SCN_GPA_LIMIT (1ULL << 48)

enum scn_kind {
	SCN_VM,
	SCN_ADD,
	SCN_FINALIZE,
	SCN_ACCEPT,
	SCN_ACCESS,
	SCN_CONVERT,
	SCN_PUNCH,
	SCN_SPLIT,
	SCN_SEAMCALL,
	SCN_TDCALL,
	SCN_VCPU_ENTER,
	SCN_VCPU_EXIT,
	SCN_INJECT,
	SCN_INJECT_ALLOC,
	SCN_CHECK,
	SCN_STATS,
	SCN_EXPECT_STATUS,
	SCN_EXPECT_EXIT,
	SCN_EXPECT_RC,
	SCN_EXPECT_SEPT,
	SCN_EXPECT_MIRROR,
	SCN_EXPECT_COUNT,
	SCN_ACCEPT_MEMORY, /* extension: Linux-style accept of a range */
	SCN_PROMOTE, /* version 2 (§5.2): host-initiated promotion over a range */
};

/* What the "last status" is (and what `expect status=` compares against). */
enum scn_status_kind {
	SCN_ST_NONE, /* nothing has set a status yet */
	SCN_ST_MODULE, /* a TDX module status (SEAMCALL/TDCALL) */
	SCN_ST_OK,
	SCN_ST_VE,
	SCN_ST_EXIT_MEMORY_FAULT,
	SCN_ST_EIO,
	SCN_ST_EXIT_EPT_VIOLATION,
};

struct scn_status {
	enum scn_status_kind kind;
	u64 value; /* SCN_ST_MODULE: full 64-bit status */
	bool any_operand; /* `TDX_OPERAND_BUSY` alone: compare the high 32 bits */
};

/* Counters `expect count NAME=N` can name besides the leaves. */
enum scn_counter {
	SCN_CNT_LEAF, /* leaf_calls[cmd.leaf] */
	SCN_CNT_SPLITS,
	SCN_CNT_KICKS,
	SCN_CNT_FAULTS,
	SCN_CNT_VM_BUGGED,
	SCN_CNT_TRACK_ROUNDS, /* extension */
	SCN_CNT_BUSY_RETRIES, /* extension */
	SCN_CNT_GUEST_INHIBITS, /* extension */
	SCN_CNT_PROMOTES, /* version 2 (§5.2) */
	SCN_CNT_PROMOTE_TRIES, /* extension */
	SCN_CNT_MMU_WRITE_LOCKS, /* v2 §5.3 */
	SCN_CNT_SPLIT_RETRIES, /* extension: split_lock=shared splits given back */
	SCN_CNT_ACCEPT_BELOW_MAPPABLE, /* extension */
};

struct scn_cmd {
	enum scn_kind kind;
	int line;
	char *text; /* the command as written, comment stripped, single-spaced */

	gpa_t gpa;
	u64 size;
	int level; /* PG_LEVEL_* */
	int vcpu;
	bool shared, write; /* access */
	bool to_private; /* convert */
	bool parallel; /* accept_memory: split the range among all vCPUs */
	bool allow_existing; /* seamcall TDH.MEM.SEPT.ADD */
	bool absent; /* expect mirror ... absent */
	/*
	 * Extension for `tdpmmu explore`: `thread=N` on accept, access,
	 * convert, punch, split (and on expect status=/rc=, which then see
	 * that thread's last result) marks a command of logical thread N
	 * (0..3); `tdpmmu run` runs such commands in file order like any other.
	 */
	bool threaded;
	int thread;
	enum tdxmod_leaf leaf; /* seamcall/tdcall/inject/expect count */
	u64 count, after; /* inject */

	struct scn_status status; /* inject, expect status */
	int rc; /* expect rc: 0 or -errno */
	int state; /* expect sept: enum tdx_sept_state */
	int req_level, err_level, err_state; /* expect exit (PG levels, state) */
	enum scn_counter counter; /* expect count */
	u64 value; /* expect count */

	/* vm */
	u64 mem;
	int nr_vcpus;
	int max_level;
	enum tdxmod_version module;
	bool dpamt, demote_interruptible;
	u64 seed;
	enum tdx_error_policy policy;
	bool track_batch;
	bool promote; /* version 2 (§5.2) */
	enum kvm_split_lock split_lock; /* v2 §5.3 */
	int nr_memslots; /* extension: vm slots= */
	struct kvm_memslot_range memslots[KVM_MAX_MEMSLOTS];
	bool no_inhibit_precheck; /* extension: vm inhibit_precheck=off */
};

struct scn_error {
	int line;
	char *msg;
};

struct scenario {
	char *file; /* name used in messages ("<stdin>" for -) */
	struct scn_cmd *cmds;
	size_t nr_cmds;
	struct scn_error *errors;
	size_t nr_errors;
};

/*
 * Input limits: a larger file is refused with a clear message (and reading
 * stops there: `tdpmmu run /dev/zero`).  They also keep line numbers well
 * inside an int.
 */
#define SCN_MAX_FILE_BYTES (16 << 20)
#define SCN_MAX_CMDS 1000000

/*
 * Parse @len bytes of @text named @file.  Always fills @scn (free it with
 * scenario_free); returns the number of errors (0: valid, ready to run).
 */
int scenario_parse(const char *file, const char *text, size_t len, struct scenario *scn);
/*
 * Read @path ("-" for stdin) and parse it.  Returns the number of parse
 * errors, or -errno if the file cannot be read (scn->errors then holds one
 * message for line 0).
 */
int scenario_parse_file(const char *path, struct scenario *scn);
/* `FILE:LINE: error: MESSAGE`, one line each, in order. */
void scenario_print_errors(const struct scenario *scn, FILE *f);
void scenario_free(struct scenario *scn);

/* Names for messages and reports. */
const char *scn_level_name(int pg_level);
/* The inverse of scn_level_name: a PG_LEVEL_*, or 0 for an unknown name. */
int scn_level_from_name(const char *s);
const char *scn_rc_name(int rc);
/*
 * Decimal or 0x hex, with @suffix optionally one of K M G T (powers of
 * 1024).  0, -EINVAL (not a number), -ERANGE (overflow).
 */
int scn_parse_number(const char *s, bool suffix, u64 *out);
/* Formats a status for `got ...`: "TDX_SUCCESS", "TDX_OPERAND_BUSY|RCX", "VE", ... */
const char *scn_status_format(const struct scn_status *st, char *buf, size_t len);

/* ---- Runner ---- */

#define SCN_TIMELINE_MAX 4096

/* Mappings per level after an MMU-level command, for the report's timeline. */
struct scn_timeline_point {
	int line;
	const char *text; /* the command (points into the scenario: valid while it lives) */
	u64 mappings[3]; /* 4K, 2M, 1G */
	u64 splits, track_rounds; /* so far */
	u64 promotes; /* so far */
};

struct kvm_counters;

/* A failed expectation or check, for the JSON report's `failed`. */
struct scn_failure {
	int line;
	char *want; /* the expectation as written ("check" for a check) */
	char *got;
};

struct scn_result {
	int expects_passed, expects_failed;
	int checks_passed, checks_failed;
	int run_errors; /* commands that could not run (kvm_create failed, ...) */
	bool have_vm;
	int nr_vcpus;
	/* The TD as the `vm` line made it (for the report's header). */
	u64 mem;
	int max_level;
	enum tdxmod_version module;
	bool dpamt, demote_interruptible;
	/* Snapshot at the end of the run, before teardown. */
	u64 leaf_calls[NR_TDX_LEAVES];
	u64 splits, kicks, faults, vm_bugged;
	u64 promotes, promote_tries, promote_refused, promote_rounds;
	u64 track_rounds, busy_retries, guest_inhibits, guest_inhibits_4k;
	/* kvm_get_accept_stats() */
	u64 accept_below_mappable, accept_level_exits, accept_write_locks;
	gfn_t *below_gfns; /* the GFN of each accept_below_mappable instance */
	u64 nr_below_gfns;
	u64 warn_huge_leaf_above_level; /* WARN-class MMU event */
	u64 write_lock_acquisitions, write_lock_hold_ns, write_lock_hold_max_ns;
	u64 mappings[3]; /* present private mirror leaves: 4K, 2M, 1G */
	u64 pt_mirror, pt_external;
	u64 wall_ns;
	/* Teardown (kvm_destroy after the snapshot): its time, frames left over. */
	u64 teardown_ns, teardown_leaked_bytes;
	struct scn_timeline_point *timeline;
	size_t nr_timeline;
	/* Every vm key in force (the `vm` line with its defaults filled in). */
	struct kvm_config config;
	struct scn_failure *failures;
	size_t nr_failures;
	/* A bugged VM: the line of the command that bugged it, and why. */
	int bugged_line;
	struct kvm_bug_info bug;
	/* --map: the ranges punched (for the picture), and why drawing failed. */
	struct gpa_map_range *punched;
	size_t nr_punched;
	const char *map_error;
};

struct scn_run_opts {
	FILE *out; /* `stats` output */
	FILE *err; /* failed expects, check violations, run errors */
	bool timeline; /* record the mapping timeline */
	bool no_vcpu_threads; /* vCPU work on the caller's thread (tdpmmu explore) */
	const char *map_path; /* --map: draw the GPA space here at the end */
};

/*
 * Run a valid scenario.  Returns 0 if every expectation and check held and
 * every command ran, 1 otherwise.  @res is filled for the report; free it
 * with scn_result_free.
 */
int scenario_run(const struct scenario *scn, const struct scn_run_opts *opts,
		 struct scn_result *res);
void scn_result_free(struct scn_result *res);

/*
 * Step by step (tdpmmu explore): a runner with its own last status and rc
 * on @kvm (NULL: the `vm` command creates it).  Commands run as in
 * scenario_run(); the VM is never destroyed by the runner.
 */
struct scn_runner;
struct kvm;
struct scn_runner *scn_runner_new(const struct scenario *scn, const struct scn_run_opts *opts,
				  struct scn_result *res, struct kvm *kvm);
void scn_runner_cmd(struct scn_runner *sr, const struct scn_cmd *cmd);
struct kvm *scn_runner_kvm(struct scn_runner *sr);
/* @dst's last status, exit and rc become @src's. */
void scn_runner_take_last(struct scn_runner *dst, const struct scn_runner *src);
/* The runner's last rc ("rc=0") if @rc, else its last status ("status=VE"). */
const char *scn_runner_last(const struct scn_runner *sr, bool rc, char *buf, size_t len);
void scn_runner_free(struct scn_runner *sr);

#endif /* TDPMMU_TOOLS_SCENARIO_H */
