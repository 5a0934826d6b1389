/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * One `tdpmmu stress` run, private to the stress files (tools/stress*.c):
 * the operation kinds and outcome buckets, the op log's entries, the
 * options, and the state the coordinator (stress.c) shares with the worker
 * threads.  Each function below is owned by the file its comment names.
 */
#ifndef TDPMMU_TOOLS_STRESS_RUN_H
#define TDPMMU_TOOLS_STRESS_RUN_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

#include "tdpmmu/vm.h"

#define MB (1ULL << 20)

/* ---- operation kinds, what they count as, what they may return ---- */

enum stress_op {
	OP_ACCEPT, /* vCPU: TDG.MEM.PAGE.ACCEPT at 4K or 2M */
	OP_ACCEPT_MEMORY, /* vCPU: Linux-style accept of a range */
	OP_ACCESS, /* vCPU: private or shared load/store */
	OP_GUEST_CONVERT, /* vCPU: MapGPA -> KVM_SET_MEMORY_ATTRIBUTES */
	OP_CONVERT, /* host: KVM_SET_MEMORY_ATTRIBUTES */
	OP_PUNCH, /* host: fallocate(PUNCH_HOLE) */
	OP_SPLIT, /* host: range split */
	OP_INJECT, /* host: arm one leaf injection */
	OP_INJECT_ALLOC, /* host: arm one allocation failure */
	OP_INJECT_SKIPPED, /* host: an injection of that kind still pending */
	OP_PROMOTE, /* host: promote over a range (--promote) */
	NR_OPS,
};

/* Outcome buckets per op (host rc or guest result). */
enum stress_res {
	RES_OK, /* rc 0, KVM_GUEST_OK, TDX_SUCCESS */
	RES_STATUS_OTHER, /* accept: a defined non-success status */
	RES_VE,
	RES_MEMORY_FAULT, /* EXIT_MEMORY_FAULT / -EFAULT */
	RES_ENOMEM,
	RES_EBUSY,
	RES_EAGAIN,
	RES_EIO,
	RES_UNDEFINED, /* anything else: a violation */
	NR_RES,
};

/* Accept statuses by tdx status: see stress_accept_bucket(). */
#define NR_ACCEPT_BUCKETS 6

/* ---- the op log ---- */

struct log_ent {
	u64 seq;
	u8 op;
	u8 level;
	u8 flags; /* LOG_* */
	u8 leaf;
	int16_t vcpu;
	gpa_t gpa;
	u64 size;
	u64 status;
	u32 count, after;
};

#define LOG_SHARED 1
#define LOG_WRITE 2
#define LOG_TO_PRIVATE 4

struct op_log {
	struct log_ent *ents;
	size_t nr, cap;
};

/* ---- configuration and shared state ---- */

struct stress_opts {
	u64 seed;
	double seconds;
	u64 ops;
	int vcpus, host_threads;
	u64 mem;
	int max_level;
	int module; /* enum tdxmod_version (CLI_ENUM stores an int) */
	bool dpamt, demote_interruptible;
	int policy; /* enum tdx_error_policy */
	int split_lock; /* enum kvm_split_lock: --split-lock */
	double inject_rate;
	bool inject_fatal;
	double check_interval; /* seconds between quiescent checks */
	bool json, quiet;
	const char *replay_path;
	u64 log_limit; /* op log entries kept for the replay */
	bool vcpu_threads;
	double host_ratio; /* host ops per guest op (0: unpaced) */
	bool promote; /* vm promote=on, host `promote` ops, worker runs */
	const char *trace; /* --trace FILE */
	u64 trace_max; /* events written at most */
	double td_lifetime; /* seconds before the TD is replaced by a fresh one (0: never) */
};

struct stress;

struct worker {
	struct stress *s;
	pthread_t thread;
	int idx;
	bool is_vcpu;
	int vcpu;
	struct prng rng;
	struct op_log log;
	atomic_ullong done;
	/* [op][res], read by the coordinator only when paused or joined */
	u64 res[NR_OPS][NR_RES];
	u64 accept_status[NR_ACCEPT_BUCKETS];
	/* A whole-region reconversion's second half, done as this worker's next host op. */
	bool follow;
	gpa_t follow_gpa;
	u64 follow_size;
};

/* One injection outstanding per leaf: armed after the leaf's call count reached. */
struct inject_slot {
	bool armed;
	u64 due; /* leaf_calls at which the rule has surely fired and retried */
};

struct stress {
	struct stress_opts o;
	struct kvm *kvm;
	struct worker *w;
	int nr_workers;

	/* The workers (stress_workers.c); lock also guards the first violation. */
	atomic_ullong seq; /* ops started (the replay order) */
	atomic_bool stop;
	atomic_bool pause_req;
	pthread_mutex_t lock;
	pthread_cond_t parked_cv, resume_cv;
	int parked, active;
	u64 generation;

	/* Injections armed on this TD (stress_inject.c). */
	pthread_mutex_t inj_lock;
	struct inject_slot inj[NR_TDX_LEAVES];
	atomic_ullong fatal_armed; /* fatal injections armed since the VM was created */

	atomic_ullong guest_ops, host_ops; /* for --host-ratio pacing */
	atomic_ullong log_entries; /* all workers' entries, against --log-limit */
	atomic_bool log_overflow;

	/* results */
	int checks_passed, checks_failed;
	u64 runs, bugged_runs_expected;
	int violations;
	char first_violation[512];
	u64 violation_seq;
	struct kvm_counters counters_total;
	/* Share of mapped private memory mapped huge, sampled at each quiescent check. */
	double huge_share_sum, huge_share_last;
	u64 huge_samples;
	u64 recycles; /* TDs replaced at the end of --td-lifetime */
	u64 log_run; /* the run (s->runs) the op logs start in */
};

/* ---- stress_outcome.c: names, classification, violations ---- */

const char *stress_op_name(enum stress_op op);
const char *stress_res_name(enum stress_res res);
const char *stress_accept_bucket_name(int bucket);
enum stress_res stress_host_res(int rc);
enum stress_res stress_guest_res(enum kvm_guest_result r, u64 status, bool accept);
int stress_accept_bucket(u64 status);
/* Counts @res for @op; a result @op may not have is a violation. */
void stress_record(struct worker *w, enum stress_op op, enum stress_res res, u64 seq,
		   const char *what);
__attribute__((format(printf, 3, 4))) void stress_violation_at(struct stress *s, u64 seq,
							       const char *fmt, ...);
#define stress_violation(s, ...) stress_violation_at(s, atomic_load(&(s)->seq), __VA_ARGS__)

/* ---- stress_log.c: the op log ---- */

void stress_log(struct worker *w, const struct log_ent *ent);
void stress_log_restart(struct stress *s);
struct log_ent *stress_log_gather(const struct stress *s, size_t *n);
void stress_log_free(struct stress *s);

/* ---- stress_ops.c, stress_inject.c: what the threads do ---- */

/* Random choices from the worker's own PRNG, so each thread's op stream repeats. */
static inline u64 rnd(struct worker *w, u64 n)
{
	return prng_below(&w->rng, n);
}

static inline bool chance(struct worker *w, u64 percent)
{
	return rnd(w, 100) < percent;
}

void stress_vcpu_op(struct worker *w, u64 seq);
void stress_host_op(struct worker *w, u64 seq);
void stress_inject(struct worker *w, u64 seq);
void stress_inject_reset(struct stress *s);

/* ---- stress_workers.c: the threads, parked and resumed ---- */

int stress_workers_init(struct stress *s);
void stress_workers_start(struct stress *s);
void stress_workers_join(struct stress *s);
void stress_pause_all(struct stress *s);
void stress_resume_all(struct stress *s);
u64 stress_ops_done(const struct stress *s);

/* ---- stress_vm.c: the TD's life, checked with every worker parked ---- */

int stress_vm_create(struct stress *s);
int stress_vm_retire(struct stress *s, bool restart);
void stress_td_recycle(struct stress *s);
void stress_quiescent_check(struct stress *s);

/* ---- stress_replay.c, stress_opts.c, stress_summary.c ---- */

const char *stress_write_replay(struct stress *s, char *path, size_t pathlen);
int stress_parse_opts(int argc, char **argv, struct stress_opts *o);
void stress_print_summary(const struct stress *s, double secs, bool interrupted,
			  const char *replay_verdict, const char *replay_file);

#endif
