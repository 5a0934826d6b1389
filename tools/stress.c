// SPDX-License-Identifier: GPL-2.0-only
/*
 * `tdpmmu stress`: N vCPU threads (guest accepts, private and shared
 * accesses, guest-requested conversions) and M host threads (attribute
 * conversions both ways, guest_memfd hole punches, range splits) hammer one
 * shared TD.  Every operation's result is classified; a result that is not
 * allowed, a VM bugged without a fatal injection, or a failed quiescent
 * invariant check is a violation.  Each thread draws its operations from
 * its own PRNG seeded from --seed, so the per-thread op streams repeat;
 * the interleaving does not.  The op log (ordered by the global sequence
 * number taken when an op starts) becomes a single-threaded .tdp replay.
 * docs/STRESS.md describes the options, outcomes and figures.
 */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "checker.h"
#include "cli_opts.h"
#include "commands.h"
#include "guest_accept_memory.h"
#include "parse_number.h"
#include "scenario.h"
#include "tdpmmu/trace.h"
#include "tdpmmu/vm.h"
#include "tdpmmu/vm_inspect.h"
#include "trace_file.h"

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

static const char *const op_names[NR_OPS] = {
	"accept", "accept_memory", "access",	   "guest_convert",  "convert", "punch",
	"split",  "inject",	   "inject_alloc", "inject_skipped", "promote",
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

static const char *const res_names[NR_RES] = {
	"ok", "status", "ve", "memory_fault", "enomem", "ebusy", "eagain", "eio", "undefined",
};

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
	enum tdx_module_version module;
	bool dpamt, demote_interruptible;
	enum tdx_error_policy policy;
	enum kvm_split_lock split_lock; /* --split-lock */
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
	u64 accept_status[8]; /* by tdx status: see accept_bucket() */
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

	atomic_ullong seq; /* ops started (the replay order) */
	atomic_bool stop;
	atomic_bool pause_req;
	pthread_mutex_t lock;
	pthread_cond_t parked_cv, resume_cv;
	int parked, active;
	u64 generation;

	pthread_mutex_t inj_lock;
	struct inject_slot inj[NR_TDX_LEAVES];
	bool alloc_armed_by_us;
	atomic_ullong fatal_armed; /* fatal injections armed since the VM was created */

	atomic_ullong guest_ops, host_ops; /* for --host-ratio pacing */
	atomic_ullong log_entries;
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

/* ---- violations ---- */

__attribute__((format(printf, 3, 4))) static void stress_violation_at(struct stress *s, u64 seq,
								      const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	pthread_mutex_lock(&s->lock);
	/* The earliest op to fail is the likeliest cause (others see its effect). */
	if (!s->violations++ || seq < s->violation_seq) {
		snprintf(s->first_violation, sizeof(s->first_violation), "%s", buf);
		s->violation_seq = seq;
	}
	pthread_mutex_unlock(&s->lock);
	fprintf(stderr, "tdpmmu stress: violation: %s\n", buf);
	atomic_store(&s->stop, true);
}

#define stress_violation(s, ...) stress_violation_at(s, atomic_load(&(s)->seq), __VA_ARGS__)

/* ---- logging ---- */

static struct log_ent *log_add(struct worker *w, u64 seq, enum stress_op op)
{
	struct stress *s = w->s;
	struct op_log *l = &w->log;
	struct log_ent *e;

	if (atomic_load_explicit(&s->log_overflow, memory_order_relaxed))
		return NULL;
	if (atomic_fetch_add_explicit(&s->log_entries, 1, memory_order_relaxed) >= s->o.log_limit) {
		atomic_store(&s->log_overflow, true);
		return NULL;
	}
	if (l->nr == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 1024;
		struct log_ent *p = realloc(l->ents, cap * sizeof(*p));

		if (!p) {
			atomic_store(&s->log_overflow, true);
			return NULL;
		}
		l->ents = p;
		l->cap = cap;
	}
	e = &l->ents[l->nr++];
	memset(e, 0, sizeof(*e));
	e->seq = seq;
	e->op = (u8)op;
	return e;
}

/* ---- random choices ---- */

static u64 rnd(struct worker *w, u64 n)
{
	return prng_below(&w->rng, n);
}

static bool chance(struct worker *w, u64 percent)
{
	return rnd(w, 100) < percent;
}

/* A random range inside [0, mem): 4K..4M, often 2M-aligned so huge pages are hit. */
static void rnd_range(struct worker *w, gpa_t *gpa, u64 *size)
{
	u64 mem = w->s->o.mem, sz;
	gpa_t g;

	switch (rnd(w, 4)) {
	case 0:
		sz = PAGE_SIZE * (1 + rnd(w, 4));
		break;
	case 1:
		sz = 2 * MB;
		break;
	case 2:
		sz = PAGE_SIZE * (1 + rnd(w, 1024));
		break;
	default:
		sz = 2 * MB * (1 + rnd(w, 2));
		break;
	}
	if (sz > mem)
		sz = mem;
	if (chance(w, 50) && mem >= 2 * MB)
		g = (rnd(w, mem / (2 * MB)) * 2 * MB);
	else
		g = rnd(w, mem / PAGE_SIZE) * PAGE_SIZE;
	if (g + sz > mem)
		g = mem - sz;
	g &= ~(PAGE_SIZE - 1);
	*gpa = g;
	*size = sz;
}

/* A whole huge region: 2M, or with max_level=1G (and the memory for it) 1G half the time. */
static void huge_region(struct worker *w, gpa_t *gpa, u64 *size)
{
	u64 mem = w->s->o.mem, sz = 2 * MB;

	if (w->s->o.max_level == PG_LEVEL_1G && mem >= 1024 * MB && chance(w, 50))
		sz = 1024 * MB;
	if (mem < sz) {
		*gpa = 0;
		*size = mem;
		return;
	}
	*gpa = rnd(w, mem / sz) * sz;
	*size = sz;
}

/* ---- outcome classification ---- */

static enum stress_res host_rc_res(struct stress *s, int rc)
{
	switch (rc) {
	case 0:
		return RES_OK;
	case -ENOMEM:
		return RES_ENOMEM;
	case -EBUSY:
		return RES_EBUSY;
	case -EAGAIN:
		return RES_EAGAIN;
	case -EIO:
		return RES_EIO;
	case -EFAULT:
		return RES_MEMORY_FAULT;
	default:
		(void)s;
		return RES_UNDEFINED;
	}
}

static enum stress_res guest_res(enum kvm_guest_result r, u64 status, bool accept)
{
	switch (r) {
	case KVM_GUEST_STATUS:
		if (!accept)
			return RES_UNDEFINED;
		if (tdx_status(status) == TDX_SUCCESS)
			return RES_OK;
		return tdx_status_name(status) ? RES_STATUS_OTHER : RES_UNDEFINED;
	case KVM_GUEST_OK:
		return accept ? RES_UNDEFINED : RES_OK;
	case KVM_GUEST_VE:
		return accept ? RES_UNDEFINED : RES_VE;
	case KVM_GUEST_EXIT_MEMORY_FAULT:
		return RES_MEMORY_FAULT;
	case KVM_GUEST_EIO:
		return RES_EIO;
	case KVM_GUEST_ENTER_FAILED: /* a RUNNABLE TD's VP.ENTER refused */
	case KVM_GUEST_STUCK: /* a step that could not complete: would hang */
		return RES_UNDEFINED;
	}
	return RES_UNDEFINED;
}

static int accept_bucket(u64 status)
{
	switch (tdx_status(status)) {
	case TDX_SUCCESS:
		return 0;
	case TDX_PAGE_ALREADY_ACCEPTED:
		return 1;
	case TDX_PAGE_SIZE_MISMATCH:
		return 2;
	case TDX_EPT_WALK_FAILED:
		return 3;
	case TDX_OPERAND_BUSY:
		return 4;
	default:
		return 5;
	}
}

static const char *const accept_bucket_names[6] = {
	"TDX_SUCCESS",	       "TDX_PAGE_ALREADY_ACCEPTED", "TDX_PAGE_SIZE_MISMATCH",
	"TDX_EPT_WALK_FAILED", "TDX_OPERAND_BUSY",	    "other",
};

/*
 * Is @res allowed for @op?  EIO only on a bugged VM; ENOMEM only when
 * allocation failures are injected; EBUSY/EAGAIN only from the RECOVER
 * policy's "nothing changed, try again" after an injected failure.
 */
static bool res_allowed(struct stress *s, enum stress_op op, enum stress_res res)
{
	bool inj = s->o.inject_rate > 0;

	switch (res) {
	case RES_OK:
		return true;
	case RES_STATUS_OTHER:
		return op == OP_ACCEPT || op == OP_ACCEPT_MEMORY;
	case RES_VE:
		return op == OP_ACCESS;
	case RES_MEMORY_FAULT:
		return op == OP_ACCEPT || op == OP_ACCEPT_MEMORY || op == OP_ACCESS;
	case RES_ENOMEM:
		return inj && op != OP_ACCEPT && op != OP_ACCESS && op != OP_ACCEPT_MEMORY;
	case RES_EBUSY:
	case RES_EAGAIN:
		return inj && s->o.policy == TDX_POLICY_RECOVER && op >= OP_GUEST_CONVERT;
	case RES_EIO:
		/* Only a fatal injection may bug the VM (see docs/STRESS.md). */
		return kvm_is_bugged(s->kvm) && s->fatal_armed;
	default:
		return false;
	}
}

static void record(struct worker *w, enum stress_op op, enum stress_res res, u64 seq,
		   const char *what)
{
	struct stress *s = w->s;

	w->res[op][res]++;
	if (!res_allowed(s, op, res))
		stress_violation_at(s, seq, "op #%llu %s (thread %d): result %s not allowed%s%s",
				    (unsigned long long)seq, op_names[op], w->idx, res_names[res],
				    what ? ": " : "", what ? what : "");
}

/* ---- injection ---- */

/*
 * Recoverable under every policy: BUSY on the map path (the fault is
 * retried), DEMOTE's INTERRUPTED_RESTARTABLE (restarted), allocation
 * failures (the operation fails with ENOMEM).
 */
static const enum tdx_leaf busy_map_leaves[] = {TDH_MEM_SEPT_ADD, TDH_MEM_PAGE_AUG};

/*
 * BUSY once on a leaf the glue retries once after kicking: recovered on its
 * own, but a genuine BUSY (a vCPU holding the entry) on the first call makes
 * the injected one hit the retry, which UPSTREAM treats as fatal.  Under
 * RECOVER a failed retry of BLOCK/REMOVE/DEMOTE is -EAGAIN, so these are in
 * the default set there; TRACK and SEPT.REMOVE failures stay fatal.
 */
static const enum tdx_leaf busy_retry_recover_leaves[] = {
	TDH_MEM_RANGE_BLOCK,
	TDH_MEM_PAGE_REMOVE,
	TDH_MEM_PAGE_DEMOTE,
};

/* --inject-fatal: may bug the VM (see docs/STRESS.md). */
static const enum tdx_leaf fatal_leaves[] = {
	TDH_MEM_SEPT_ADD,    TDH_MEM_PAGE_AUG,	  TDH_MEM_RANGE_BLOCK, TDH_MEM_TRACK,
	TDH_MEM_PAGE_REMOVE, TDH_MEM_SEPT_REMOVE, TDH_MEM_PAGE_DEMOTE, TDH_PHYMEM_PAMT_ADD,
};

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/*
 * Arm one injection if its leaf has none outstanding.  A BUSY rule with
 * count 1 is consumed by one call and the glue's retry (one more call on
 * the same leaf, under the write lock) succeeds; the slot stays busy until
 * the leaf has been called after+3 times past arming, so two rules can
 * never be due for one call and its retry.
 */
static void do_inject(struct worker *w, u64 seq)
{
	struct stress *s = w->s;
	struct tdx_td *td = kvm_tdx_td(s->kvm);
	struct fault_inject *afi = frame_allocator_inject(kvm_frame_allocator(s->kvm));
	struct log_ent *e;
	enum tdx_leaf leaf;
	u64 status, count = 1, after = rnd(w, 4);
	bool fatal = s->o.inject_fatal && chance(w, 20);
	int pick = (int)rnd(w, 10);

	if (pick == 0) {
		/* Allocation failure: armed until the allocator's rule list is spent. */
		pthread_mutex_lock(&s->inj_lock);
		if (atomic_load(&afi->armed)) {
			pthread_mutex_unlock(&s->inj_lock);
			w->res[OP_INJECT_SKIPPED][RES_OK]++;
			return;
		}
		e = log_add(w, seq, OP_INJECT_ALLOC);
		if (e) {
			e->count = (u32)count;
			e->after = (u32)after;
		}
		kvm_inject_alloc_fail(s->kvm, count, after);
		pthread_mutex_unlock(&s->inj_lock);
		w->res[OP_INJECT_ALLOC][RES_OK]++;
		return;
	}

	if (fatal) {
		/* BUSY once or twice on a retried leaf, or a status nobody expects. */
		leaf = fatal_leaves[rnd(w, ARRAY_LEN(fatal_leaves))];
		status =
			chance(w, 60) ? TDX_OPERAND_BUSY | TDX_OPERAND_ID_RCX : TDX_OPERAND_INVALID;
		if (status != TDX_OPERAND_INVALID)
			count = 1 + rnd(w, 2);
	} else if (pick == 1) {
		leaf = TDH_MEM_PAGE_DEMOTE;
		status = TDX_INTERRUPTED_RESTARTABLE;
		count = 1 + rnd(w, 3);
	} else if (s->o.policy == TDX_POLICY_RECOVER && chance(w, 50)) {
		leaf = busy_retry_recover_leaves[rnd(w, ARRAY_LEN(busy_retry_recover_leaves))];
		status = TDX_OPERAND_BUSY | TDX_OPERAND_ID_RCX;
		count = 1 + rnd(w, 2);
	} else {
		leaf = busy_map_leaves[rnd(w, ARRAY_LEN(busy_map_leaves))];
		status = TDX_OPERAND_BUSY | TDX_OPERAND_ID_RCX;
		count = 1 + rnd(w, 2);
	}

	pthread_mutex_lock(&s->inj_lock);
	if (s->inj[leaf].armed && tdxmod_leaf_calls(td, leaf) < s->inj[leaf].due) {
		pthread_mutex_unlock(&s->inj_lock);
		w->res[OP_INJECT_SKIPPED][RES_OK]++;
		return;
	}
	e = log_add(w, seq, OP_INJECT);
	if (e) {
		e->leaf = (u8)leaf;
		e->status = status;
		e->count = (u32)count;
		e->after = (u32)after;
	}
	kvm_inject_leaf(s->kvm, leaf, status, count, after);
	s->inj[leaf].armed = true;
	s->inj[leaf].due = tdxmod_leaf_calls(td, leaf) + after + count + 2;
	if (fatal)
		s->fatal_armed++;
	pthread_mutex_unlock(&s->inj_lock);
	w->res[OP_INJECT][RES_OK]++;
}

/* ---- the operations ---- */

static void vcpu_op(struct worker *w, u64 seq)
{
	struct stress *s = w->s;
	struct kvm *kvm = s->kvm;
	struct log_ent *e;
	u64 pick = rnd(w, 100), size, status = 0;
	gpa_t gpa;
	char what[160];

	if (pick < 35) {
		/* Lean 2M: 2M ACCEPTs rebuild the huge mappings punches and conversions took. */
		int level = chance(w, 65) ? PG_LEVEL_2M : PG_LEVEL_4K;
		enum kvm_guest_result r;
		enum stress_res res;

		gpa = rnd(w, s->o.mem / level_size(level)) * level_size(level);
		e = log_add(w, seq, OP_ACCEPT);
		if (e) {
			e->gpa = gpa;
			e->level = (u8)level;
			e->vcpu = (int16_t)w->vcpu;
		}
		r = kvm_guest_accept(kvm, w->vcpu, gpa, level, &status);
		res = guest_res(r, status, true);
		if (r == KVM_GUEST_STATUS)
			w->accept_status[accept_bucket(status)]++;
		snprintf(what, sizeof(what), "accept gpa=0x%llx level=%s status=0x%llx",
			 (unsigned long long)gpa, scn_level_name(level),
			 (unsigned long long)status);
		record(w, OP_ACCEPT, res, seq, what);
	} else if (pick < 45) {
		enum kvm_guest_result r;
		enum stress_res res;
		char st[64];

		rnd_range(w, &gpa, &size);
		e = log_add(w, seq, OP_ACCEPT_MEMORY);
		if (e) {
			e->gpa = gpa;
			e->size = size;
			e->vcpu = (int16_t)w->vcpu;
		}
		/* kvm_guest_accept_memory's loop, keeping the failing status for the report. */
		r = guest_accept_memory(kvm, w->vcpu, gpa, size, &status);
		res = guest_res(r, status, true);
		/*
		 * A 4K accept may fail only with OPERAND_BUSY: another vCPU (or a
		 * host SEAMCALL) held the entry; a Linux guest never accepts one
		 * page on two vCPUs at once, this stress does.  Anything else is a
		 * failure the guest would panic on.
		 */
		if (res == RES_STATUS_OTHER && !tdx_operand_busy(status))
			res = RES_UNDEFINED;
		snprintf(what, sizeof(what),
			 "accept_memory gpa=0x%llx size=0x%llx vcpu=%d -> %d/%s",
			 (unsigned long long)gpa, (unsigned long long)size, w->vcpu, (int)r,
			 tdx_status_format(status, st, sizeof(st)));
		record(w, OP_ACCEPT_MEMORY, res, seq, what);
	} else if (pick < 90) {
		bool shared = chance(w, 20), write = chance(w, 50);
		enum kvm_guest_result r;

		gpa = rnd(w, s->o.mem / PAGE_SIZE) * PAGE_SIZE;
		e = log_add(w, seq, OP_ACCESS);
		if (e) {
			e->gpa = gpa;
			e->flags = (shared ? LOG_SHARED : 0) | (write ? LOG_WRITE : 0);
			e->vcpu = (int16_t)w->vcpu;
		}
		r = kvm_guest_access(kvm, w->vcpu, gpa, shared, write);
		snprintf(what, sizeof(what), "access gpa=0x%llx%s%s", (unsigned long long)gpa,
			 shared ? " shared" : "", write ? " write" : "");
		record(w, OP_ACCESS, guest_res(r, 0, false), seq, what);
	} else {
		/* MapGPA: the guest asks, user space converts; private pages are then accepted. */
		bool to_private = chance(w, 60);
		int rc;

		rnd_range(w, &gpa, &size);
		e = log_add(w, seq, OP_GUEST_CONVERT);
		if (e) {
			e->gpa = gpa;
			e->size = size;
			e->flags = to_private ? LOG_TO_PRIVATE : 0;
			e->vcpu = (int16_t)w->vcpu;
		}
		rc = kvm_set_memory_attributes(kvm, gpa, size, to_private);
		snprintf(what, sizeof(what), "convert gpa=0x%llx size=0x%llx to=%s rc=%d",
			 (unsigned long long)gpa, (unsigned long long)size,
			 to_private ? "private" : "shared", rc);
		record(w, OP_GUEST_CONVERT, host_rc_res(s, rc), seq, what);
	}
}

static void host_op(struct worker *w, u64 seq)
{
	struct stress *s = w->s;
	struct kvm *kvm = s->kvm;
	struct log_ent *e;
	u64 pick = rnd(w, 100), size;
	enum stress_op op;
	gpa_t gpa;
	int rc, level = PG_LEVEL_4K;
	bool to_private = false;
	char what[96];

	if (s->o.inject_rate > 0 && (double)rnd(w, 1000000) < s->o.inject_rate * 1e6) {
		do_inject(w, seq);
		return;
	}
	if (w->follow) {
		/* The second half of a whole-region reconversion: back to private. */
		w->follow = false;
		op = OP_CONVERT;
		gpa = w->follow_gpa;
		size = w->follow_size;
		to_private = true;
	} else if (pick < 45) {
		/*
		 * Whole huge regions, so huge mappings keep being made and
		 * destroyed: reconversion (to shared now, back to private as
		 * the next op), a punch of the whole folio (the next fault gets
		 * a fresh huge folio and maps it huge), a host split.
		 */
		huge_region(w, &gpa, &size);
		if (pick < 15) {
			op = OP_CONVERT;
			w->follow = true;
			w->follow_gpa = gpa;
			w->follow_size = size;
		} else if (pick < 30) {
			op = OP_PUNCH;
		} else if (s->o.promote && pick >= 38) {
			/* Whole regions that may have been split: recover them. */
			op = OP_PROMOTE;
		} else {
			op = OP_SPLIT;
			level = size > 2 * MB && chance(w, 50) ? PG_LEVEL_2M : PG_LEVEL_4K;
		}
	} else {
		rnd_range(w, &gpa, &size);
		if (pick < 70) {
			op = OP_CONVERT;
			/* Lean private so the guest has private memory to accept and map huge. */
			to_private = chance(w, 65);
		} else if (pick < 80) {
			op = OP_PUNCH;
		} else if (s->o.promote && pick >= 92) {
			op = OP_PROMOTE;
		} else {
			op = OP_SPLIT;
			level = (s->o.max_level == PG_LEVEL_1G && chance(w, 30)) ? PG_LEVEL_2M
										 : PG_LEVEL_4K;
		}
	}
	e = log_add(w, seq, op);
	if (e) {
		e->gpa = gpa;
		e->size = size;
		e->level = (u8)level;
		e->flags = to_private ? LOG_TO_PRIVATE : 0;
	}
	if (op == OP_CONVERT)
		rc = kvm_set_memory_attributes(kvm, gpa, size, to_private);
	else if (op == OP_PUNCH)
		rc = kvm_gmem_punch_hole(kvm, gpa, size);
	else if (op == OP_PROMOTE)
		rc = kvm_promote_range(kvm, gpa, size);
	else
		rc = kvm_split_range(kvm, gpa, size, level);
	snprintf(what, sizeof(what), "%s gpa=0x%llx size=0x%llx rc=%d", op_names[op],
		 (unsigned long long)gpa, (unsigned long long)size, rc);
	record(w, op, host_rc_res(s, rc), seq, what);
	/* --promote: the recovery worker runs between host operations. */
	if (s->o.promote)
		kvm_promote_worker(kvm);
}

/* ---- pause / resume ---- */

static void worker_park(struct stress *s)
{
	u64 gen;

	pthread_mutex_lock(&s->lock);
	s->parked++;
	pthread_cond_broadcast(&s->parked_cv);
	gen = s->generation;
	while (s->generation == gen)
		pthread_cond_wait(&s->resume_cv, &s->lock);
	s->parked--;
	pthread_mutex_unlock(&s->lock);
}

static void pause_all(struct stress *s)
{
	pthread_mutex_lock(&s->lock);
	atomic_store(&s->pause_req, true);
	while (s->parked < s->active)
		pthread_cond_wait(&s->parked_cv, &s->lock);
	pthread_mutex_unlock(&s->lock);
}

static void resume_all(struct stress *s)
{
	pthread_mutex_lock(&s->lock);
	atomic_store(&s->pause_req, false);
	s->generation++;
	pthread_cond_broadcast(&s->resume_cv);
	pthread_mutex_unlock(&s->lock);
}

static void *worker_main(void *p)
{
	struct worker *w = p;
	struct stress *s = w->s;

	while (!atomic_load_explicit(&s->stop, memory_order_relaxed)) {
		u64 seq;

		if (atomic_load_explicit(&s->pause_req, memory_order_acquire)) {
			worker_park(s);
			continue;
		}
		/* Host ops are far cheaper than guest ops: pace them (see --host-ratio). */
		if (!w->is_vcpu && s->o.host_ratio > 0 && s->o.vcpus &&
		    (double)atomic_load_explicit(&s->host_ops, memory_order_relaxed) >
			    s->o.host_ratio * (double)atomic_load_explicit(&s->guest_ops,
									   memory_order_relaxed) +
				    16) {
			usleep(20);
			continue;
		}
		seq = atomic_fetch_add_explicit(&s->seq, 1, memory_order_relaxed);
		if (s->o.ops && seq >= s->o.ops) {
			atomic_store(&s->stop, true);
			break;
		}
		if (w->is_vcpu) {
			vcpu_op(w, seq);
			atomic_fetch_add_explicit(&s->guest_ops, 1, memory_order_relaxed);
		} else {
			host_op(w, seq);
			atomic_fetch_add_explicit(&s->host_ops, 1, memory_order_relaxed);
		}
		atomic_fetch_add_explicit(&w->done, 1, memory_order_relaxed);
	}
	pthread_mutex_lock(&s->lock);
	s->active--;
	pthread_cond_broadcast(&s->parked_cv);
	pthread_mutex_unlock(&s->lock);
	return NULL;
}

/* ---- quiescent check ---- */

struct check_msgs {
	struct stress *s;
	int n;
};

static void check_report(void *arg, const char *msg)
{
	struct check_msgs *m = arg;

	if (m->n++ < 8)
		fprintf(stderr, "tdpmmu stress: check: %s\n", msg);
}

/* How much of the mapped private memory is mapped huge now (workers parked). */
static void huge_sample(struct stress *s)
{
	u64 m[PG_LEVEL_512G + 1] = {0}, huge, all;

	kvm_count_mappings(s->kvm, m);
	huge = m[PG_LEVEL_2M] * 2 * MB + m[PG_LEVEL_1G] * 1024 * MB;
	all = huge + m[PG_LEVEL_4K] * PAGE_SIZE;
	if (!all)
		return;
	s->huge_share_last = (double)huge / (double)all;
	s->huge_share_sum += s->huge_share_last;
	s->huge_samples++;
}

/* Runs with every worker parked (or joined). */
static void quiescent_check(struct stress *s)
{
	struct check_msgs m = {.s = s};
	int v;

	/* A VM bugged on purpose promises only the module's own invariants. */
	if (kvm_is_bugged(s->kvm) && s->fatal_armed)
		v = tdxmod_check(kvm_tdx_td(s->kvm), check_report, &m);
	else
		v = tdpmmu_check(s->kvm, check_report, &m);

	if (v) {
		s->checks_failed++;
		stress_violation(s, "invariant check failed with %d violation(s)", v);
		return;
	}
	s->checks_passed++;
	huge_sample(s);
	if (kvm_is_bugged(s->kvm) && !s->fatal_armed)
		stress_violation(s, "VM bugged without a fatal injection");
}

/* ---- VM lifecycle ---- */

static int stress_vm_create(struct stress *s)
{
	struct kvm_config cfg;
	u64 status;
	int r;

	kvm_config_default(&cfg);
	cfg.mem = s->o.mem;
	cfg.nr_vcpus = s->o.vcpus;
	cfg.max_level = s->o.max_level;
	cfg.module = s->o.module;
	cfg.dpamt = s->o.dpamt;
	cfg.demote_interruptible = s->o.demote_interruptible;
	cfg.seed = s->o.seed;
	cfg.policy = s->o.policy;
	cfg.split_lock = s->o.split_lock;
	cfg.vcpu_threads = s->o.vcpu_threads;
	cfg.promote = s->o.promote;
	r = kvm_create(&cfg, &s->kvm);
	if (r)
		return r;
	status = kvm_tdx_finalize(s->kvm);
	if (status) {
		kvm_destroy(s->kvm);
		s->kvm = NULL;
		return -EIO;
	}
	memset(s->inj, 0, sizeof(s->inj));
	s->fatal_armed = 0;
	s->runs++;
	return 0;
}

static void add_counters(struct kvm_counters *t, const struct kvm_counters *c)
{
	int l;

	for (l = 0; l < NR_TDX_LEAVES; l++)
		t->leaf_calls[l] += c->leaf_calls[l];
	t->splits += c->splits;
	t->kicks += c->kicks;
	t->faults += c->faults;
	t->vm_bugged += c->vm_bugged;
	t->track_rounds += c->track_rounds;
	t->busy_retries += c->busy_retries;
	t->guest_inhibits += c->guest_inhibits;
	t->promotes += c->promotes;
	t->promote_tries += c->promote_tries;
	t->promote_refused += c->promote_refused;
	t->promote_rounds += c->promote_rounds;
}

/*
 * A VM that a fatal injection bugged: check that the damage is contained
 * (MMU ops fail with EIO, the module's invariants hold, teardown frees every
 * frame), then start a fresh one.
 */
static int stress_vm_retire(struct stress *s, bool restart)
{
	struct kvm_counters c = {};
	bool bugged = kvm_is_bugged(s->kvm);
	u64 leaked;

	kvm_get_counters(s->kvm, &c);
	add_counters(&s->counters_total, &c);
	if (bugged) {
		int rc = kvm_set_memory_attributes(s->kvm, 0, PAGE_SIZE, false);

		if (rc != -EIO)
			stress_violation(s, "bugged VM: convert returned %d, not -EIO", rc);
		if (s->fatal_armed)
			s->bugged_runs_expected++;
	}
	kvm_destroy(s->kvm);
	s->kvm = NULL;
	leaked = kvm_destroy_leaked_bytes();
	if (leaked)
		stress_violation(s, "teardown leaked %llu bytes", (unsigned long long)leaked);
	if (!restart || s->violations)
		return 0;
	if (stress_vm_create(s)) {
		stress_violation(s, "cannot create a new TD after a bugged one");
		return -1;
	}
	return 0;
}

/*
 * A split huge range stays split for the TD's life: the emptied S-EPT page
 * table stays, and faults map 4K under it (and a guest 4K ACCEPT inhibits
 * the range for good).  Without promotion, only a fresh TD has huge
 * mappings to make and split again.  Workers are parked; the op logs start
 * afresh, so a replay covers the TD that failed.
 */
static void td_recycle(struct stress *s)
{
	if (stress_vm_retire(s, true) || !s->kvm)
		return;
	for (int i = 0; i < s->nr_workers; i++) {
		s->w[i].log.nr = 0;
		s->w[i].follow = false;
	}
	atomic_store(&s->log_entries, 0);
	atomic_store(&s->log_overflow, false);
	s->log_run = s->runs;
	s->recycles++;
}

/* ---- replay ---- */

static int ent_cmp(const void *a, const void *b)
{
	const struct log_ent *x = a, *y = b;

	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static void write_ent(FILE *f, const struct log_ent *e)
{
	char st[96];

	switch (e->op) {
	case OP_ACCEPT:
		fprintf(f, "accept gpa=0x%llx level=%s vcpu=%d\n", (unsigned long long)e->gpa,
			scn_level_name(e->level), e->vcpu);
		break;
	case OP_ACCEPT_MEMORY:
		fprintf(f, "accept_memory gpa=0x%llx size=0x%llx vcpu=%d\n",
			(unsigned long long)e->gpa, (unsigned long long)e->size, e->vcpu);
		break;
	case OP_ACCESS:
		fprintf(f, "access gpa=0x%llx%s%s vcpu=%d\n", (unsigned long long)e->gpa,
			(e->flags & LOG_SHARED) ? " shared" : "",
			(e->flags & LOG_WRITE) ? " write" : "", e->vcpu);
		break;
	case OP_GUEST_CONVERT:
	case OP_CONVERT:
		fprintf(f, "convert gpa=0x%llx size=0x%llx to=%s\n", (unsigned long long)e->gpa,
			(unsigned long long)e->size,
			(e->flags & LOG_TO_PRIVATE) ? "private" : "shared");
		break;
	case OP_PUNCH:
		fprintf(f, "punch gpa=0x%llx size=0x%llx\n", (unsigned long long)e->gpa,
			(unsigned long long)e->size);
		break;
	case OP_SPLIT:
		fprintf(f, "split gpa=0x%llx size=0x%llx level=%s\n", (unsigned long long)e->gpa,
			(unsigned long long)e->size, scn_level_name(e->level));
		break;
	case OP_PROMOTE:
		fprintf(f, "promote gpa=0x%llx size=0x%llx\n", (unsigned long long)e->gpa,
			(unsigned long long)e->size);
		break;
	case OP_INJECT:
		fprintf(f, "inject %s status=%s count=%u after=%u\n", tdx_leaf_name(e->leaf),
			tdx_status_format(e->status, st, sizeof(st)), e->count, e->after);
		break;
	case OP_INJECT_ALLOC:
		fprintf(f, "inject alloc fail count=%u after=%u\n", e->count, e->after);
		break;
	}
}

static void write_header(FILE *f, const struct stress *s)
{
	fprintf(f, "# tdpmmu stress replay: seed=%llu vcpus=%d host-threads=%d policy=%s\n",
		(unsigned long long)s->o.seed, s->o.vcpus, s->o.host_threads,
		s->o.policy == TDX_POLICY_RECOVER ? "recover" : "upstream");
	fprintf(f, "# first violation: %s\n", s->first_violation);
	fprintf(f, "vm mem=0x%llx vcpus=%d max_level=%s module=%s%s%s%s%s seed=%llu\n",
		(unsigned long long)s->o.mem, s->o.vcpus, scn_level_name(s->o.max_level),
		s->o.module == TDX_MODULE_2_0 ? "2.0" : "1.5", s->o.dpamt ? " dpamt=on" : "",
		s->o.demote_interruptible ? " demote_interruptible=on" : "",
		s->o.promote ? " promote=on" : "",
		s->o.split_lock == KVM_SPLIT_LOCK_SHARED ? " split_lock=shared" : "",
		(unsigned long long)s->o.seed);
	fprintf(f, "finalize\n");
}

/* The .tdp text of ents[keep[i]] for kept ones, with the final check. */
static char *replay_text(const struct stress *s, const struct log_ent *ents, size_t n,
			 const bool *keep, size_t *len)
{
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);
	size_t i;

	if (!f)
		return NULL;
	write_header(f, s);
	for (i = 0; i < n; i++)
		if (!keep || keep[i])
			write_ent(f, &ents[i]);
	fprintf(f, "check\nexpect count vm_bugged=0\n");
	fclose(f);
	return buf;
}

/* 1: the replay fails (reproduces), 0: passes, -1: does not parse. */
static int replay_fails(const char *text, size_t len)
{
	struct scenario scn;
	struct scn_result res;
	struct scn_run_opts ro;
	FILE *null = fopen("/dev/null", "w");
	int r;

	if (!null)
		return -1;
	ro = (struct scn_run_opts){.out = null, .err = null};
	if (scenario_parse("replay", text, len, &scn)) {
		scenario_free(&scn);
		fclose(null);
		return -1;
	}
	memset(&res, 0, sizeof(res));
	r = scenario_run(&scn, &ro, &res);
	scn_result_free(&res);
	scenario_free(&scn);
	fclose(null);
	return r ? 1 : 0;
}

/*
 * Shrink by dropping chunks of ops while the replay still fails (a bounded
 * ddmin): halves, quarters, ... down to single ops, within a time budget.
 */
static void replay_minimize(const struct stress *s, const struct log_ent *ents, size_t n,
			    bool *keep, double budget_s)
{
	bool *saved = malloc(n ? n : 1);
	u64 t0 = now_ns();
	size_t chunk, i, j;

	if (!saved)
		return;
	for (chunk = n / 2 ? n / 2 : 1;; chunk /= 2) {
		for (i = 0; i < n; i += chunk) {
			size_t hi = i + chunk < n ? i + chunk : n, len;
			bool any = false;
			char *text;
			int r;

			if ((double)(now_ns() - t0) / 1e9 > budget_s)
				goto out;
			for (j = i; j < hi; j++)
				any |= keep[j];
			if (!any)
				continue;
			memcpy(&saved[i], &keep[i], hi - i);
			memset(&keep[i], 0, hi - i);
			text = replay_text(s, ents, n, keep, &len);
			r = text ? replay_fails(text, len) : -1;
			free(text);
			if (r != 1)
				memcpy(&keep[i], &saved[i], hi - i); /* needed */
		}
		if (chunk == 1)
			break;
	}
out:
	free(saved);
}

/* Gathers the log, writes the replay; returns a one-line verdict. */
static const char *produce_replay(struct stress *s, char *path, size_t pathlen)
{
	struct log_ent *ents;
	size_t n = 0, i, k, kept;
	bool *keep;
	char *text;
	size_t len;
	int r;
	FILE *f;

	if (atomic_load(&s->log_overflow))
		return "no replay: the op log exceeded --log-limit (rerun with a larger one)";
	if (s->runs > s->log_run)
		return "no replay: the violation happened after a VM restart";
	for (i = 0; i < (size_t)s->nr_workers; i++)
		n += s->w[i].log.nr;
	ents = malloc((n ? n : 1) * sizeof(*ents));
	keep = malloc((n ? n : 1) * sizeof(*keep));
	if (!ents || !keep) {
		free(ents);
		free(keep);
		return "no replay: out of memory";
	}
	for (i = 0, k = 0; i < (size_t)s->nr_workers; i++) {
		memcpy(&ents[k], s->w[i].log.ents, s->w[i].log.nr * sizeof(*ents));
		k += s->w[i].log.nr;
	}
	qsort(ents, n, sizeof(*ents), ent_cmp);
	/* Ops that started after the failing one cannot have caused it. */
	while (n && ents[n - 1].seq > s->violation_seq)
		n--;
	for (i = 0; i < n; i++)
		keep[i] = true;

	text = replay_text(s, ents, n, keep, &len);
	r = text ? replay_fails(text, len) : -1;
	free(text);
	if (r == 1) {
		/* Shortest failing prefix first (log2 n runs), then drop chunks. */
		size_t lo = 1, hi = n;

		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;
			int rm;

			text = replay_text(s, ents, mid, NULL, &len);
			rm = text ? replay_fails(text, len) : -1;
			free(text);
			if (rm == 1)
				hi = mid;
			else
				lo = mid + 1;
		}
		n = hi;
		replay_minimize(s, ents, n, keep, 60.0);
	}
	for (i = 0, kept = 0; i < n; i++)
		kept += keep[i];

	snprintf(path, pathlen, "%s", s->o.replay_path);
	f = fopen(path, "w");
	text = replay_text(s, ents, n, keep, &len);
	if (f && text) {
		fputs(r == 1 ? "# reproduces single-threaded: `tdpmmu run` exits 1\n"
			     : "# does NOT reproduce single-threaded (an interleaving was "
			       "needed)\n",
		      f);
		fwrite(text, 1, len, f);
	}
	if (f)
		fclose(f);
	free(text);
	free(ents);
	free(keep);
	if (!f)
		return "no replay: cannot write the replay file";
	fprintf(stderr, "tdpmmu stress: replay of %zu op(s) (of %zu logged) written to %s\n", kept,
		n, path);
	if (r == 1)
		return "replay reproduces single-threaded";
	if (r == -1)
		return "replay written but does not parse (scenario extension missing?)";
	return "replay does NOT reproduce single-threaded (needs the interleaving)";
}

/* ---- options ---- */

static void stress_usage(FILE *f)
{
	fprintf(f, "usage: tdpmmu stress [options]\n"
		   "\n"
		   "Multi-threaded randomized run on one TD, with periodic quiescent\n"
		   "invariant checks.  Exit 0 if no violation, 1 on a violation, 2 usage.\n"
		   "\n"
		   "  --seed N            per-thread op streams (default 1)\n"
		   "  --seconds S         stop after S seconds (default 5 unless --ops)\n"
		   "  --ops N             stop after N operations (all threads together)\n"
		   "  --vcpus N           vCPU threads (default 2)\n"
		   "  --host-threads M    host threads (default 2)\n"
		   "  --mem SIZE          guest memory, a multiple of 2M up to 1T: 64M, 4G, 1T\n"
		   "                      (default 512M)\n"
		   "  --max-level L       4K|2M|1G (default 2M)\n"
		   "  --module V          1.5|2.0 (default 1.5)\n"
		   "  --dpamt             Dynamic PAMT (implies --module 2.0)\n"
		   "  --demote-interruptible  DEMOTE may return INTERRUPTED_RESTARTABLE\n"
		   "  --policy P          upstream|recover error policy (default upstream)\n"
		   "  --promote           vm promote=on, host promote ops, the recovery worker\n"
		   "                      run after every host op (docs/PROMOTION.md)\n"
		   "  --split-lock L      exclusive|shared: mmu_lock mode of the fault path's\n"
		   "                      split (default exclusive)\n"
		   "  --inject-rate R     probability per host op of arming one injection,\n"
		   "                      recoverable ones only: BUSY on SEPT.ADD/AUG, DEMOTE\n"
		   "                      INTERRUPTED_RESTARTABLE, allocation failure (and,\n"
		   "                      with --policy recover, BUSY on BLOCK/REMOVE/DEMOTE)\n"
		   "  --inject-fatal      also inject fatal statuses; a VM bugged by them is\n"
		   "                      checked for containment and replaced (expected)\n"
		   "  --check-interval S  seconds between quiescent checks (default 0.25)\n"
		   "  --replay FILE       where to write the replay (default stress-replay.tdp)\n"
		   "  --log-limit N       op log entries kept for the replay (default 2000000)\n"
		   "  --vcpu-threads      run guest ops on the VM's own vCPU threads\n"
		   "  --host-ratio R      at most R host ops per guest op (default 1; 0: unpaced)\n"
		   "  --trace FILE        kernel-style event log to FILE (- for stderr),\n"
		   "                      at most --trace-max events (default 1000000)\n"
		   "  --td-lifetime S     replace the TD by a fresh one every S seconds, so\n"
		   "                      huge mappings keep being made (default 0.25; 0: never)\n"
		   "  --json              one JSON summary on stdout\n"
		   "  --quiet             no progress line\n");
}

/* Numbers and sizes as everywhere else (tools/parse_number.c): 4K ... 1T. */
static bool parse_u64(const char *sarg, u64 *v)
{
	return cli_parse_u64(sarg, true, 0, ~0ULL, v);
}

static bool parse_double(const char *sarg, double *v)
{
	return cli_parse_seconds(sarg, true, v); /* finite, >= 0: no "inf" */
}

static int parse_opts(int argc, char **argv, struct stress_opts *o)
{
	enum {
		O_SEED = 256,
		O_SECONDS,
		O_OPS,
		O_VCPUS,
		O_HOST,
		O_MEM,
		O_MAXLVL,
		O_MODULE,
		O_DPAMT,
		O_DEMOTE,
		O_POLICY,
		O_PROMOTE,
		O_RATE,
		O_FATAL,
		O_CHECK,
		O_REPLAY,
		O_LOGLIM,
		O_VTHREADS,
		O_HRATIO,
		O_TDLIFE,
		O_JSON,
		O_TRACE,
		O_TRACE_MAX,
		O_QUIET,
		O_HELP,
		O_SPLITLOCK,
	};
	static const struct option lo[] = {
		{"seed", required_argument, NULL, O_SEED},
		{"seconds", required_argument, NULL, O_SECONDS},
		{"ops", required_argument, NULL, O_OPS},
		{"vcpus", required_argument, NULL, O_VCPUS},
		{"host-threads", required_argument, NULL, O_HOST},
		{"mem", required_argument, NULL, O_MEM},
		{"max-level", required_argument, NULL, O_MAXLVL},
		{"module", required_argument, NULL, O_MODULE},
		{"dpamt", no_argument, NULL, O_DPAMT},
		{"demote-interruptible", no_argument, NULL, O_DEMOTE},
		{"policy", required_argument, NULL, O_POLICY},
		{"promote", no_argument, NULL, O_PROMOTE},
		{"inject-rate", required_argument, NULL, O_RATE},
		{"inject-fatal", no_argument, NULL, O_FATAL},
		{"check-interval", required_argument, NULL, O_CHECK},
		{"replay", required_argument, NULL, O_REPLAY},
		{"log-limit", required_argument, NULL, O_LOGLIM},
		{"vcpu-threads", no_argument, NULL, O_VTHREADS},
		{"host-ratio", required_argument, NULL, O_HRATIO},
		{"td-lifetime", required_argument, NULL, O_TDLIFE},
		{"json", no_argument, NULL, O_JSON},
		{"trace", required_argument, NULL, O_TRACE},
		{"trace-max", required_argument, NULL, O_TRACE_MAX},
		{"quiet", no_argument, NULL, O_QUIET},
		{"help", no_argument, NULL, O_HELP},
		{"split-lock", required_argument, NULL, O_SPLITLOCK},
		{NULL, 0, NULL, 0},
	};
	bool seconds_given = false;
	int c, li = -1;
	u64 v;

	*o = (struct stress_opts){
		.seed = 1,
		.seconds = 5,
		.vcpus = 2,
		.host_threads = 2,
		.mem = 512 * MB,
		.max_level = PG_LEVEL_2M,
		.module = TDX_MODULE_1_5,
		.policy = TDX_POLICY_UPSTREAM,
		.check_interval = 0.25,
		.host_ratio = 1.0,
		.td_lifetime = 0.25,
		.replay_path = "stress-replay.tdp",
		.log_limit = 2000000,
		.trace_max = 1000000,
	};
	optind = 1;
	opterr = 0;
	while ((li = -1, c = getopt_long(argc, argv, "h", lo, &li)) != -1) {
		switch (c) {
		case O_SEED:
			if (!parse_u64(optarg, &o->seed))
				goto bad;
			break;
		case O_SECONDS:
			/* 0 would mean "no time limit": that is --ops alone. */
			if (!cli_parse_seconds(optarg, false, &o->seconds))
				goto bad;
			seconds_given = true;
			break;
		case O_OPS:
			if (!parse_u64(optarg, &o->ops) || !o->ops)
				goto bad;
			break;
		case O_VCPUS:
			if (!parse_u64(optarg, &v) || v < 1 || v > 64)
				goto bad;
			o->vcpus = (int)v;
			break;
		case O_HOST:
			if (!parse_u64(optarg, &v) || v > 64)
				goto bad;
			o->host_threads = (int)v;
			break;
		case O_MEM:
			if (!parse_u64(optarg, &o->mem) || o->mem < 2 * MB || o->mem % (2 * MB) ||
			    o->mem > (1ULL << 40))
				goto bad;
			break;
		case O_MAXLVL:
			o->max_level = scn_level_from_name(optarg);
			if (!o->max_level || o->max_level > PG_LEVEL_1G)
				goto bad;
			break;
		case O_MODULE:
			if (!strcmp(optarg, "1.5"))
				o->module = TDX_MODULE_1_5;
			else if (!strcmp(optarg, "2.0"))
				o->module = TDX_MODULE_2_0;
			else
				goto bad;
			break;
		case O_DPAMT:
			o->dpamt = true;
			o->module = TDX_MODULE_2_0;
			break;
		case O_DEMOTE:
			o->demote_interruptible = true;
			break;
		case O_POLICY:
			if (!strcmp(optarg, "upstream"))
				o->policy = TDX_POLICY_UPSTREAM;
			else if (!strcmp(optarg, "recover"))
				o->policy = TDX_POLICY_RECOVER;
			else
				goto bad;
			break;
		case O_PROMOTE:
			o->promote = true;
			break;
		case O_SPLITLOCK:
			if (!strcmp(optarg, "exclusive"))
				o->split_lock = KVM_SPLIT_LOCK_EXCLUSIVE;
			else if (!strcmp(optarg, "shared"))
				o->split_lock = KVM_SPLIT_LOCK_SHARED;
			else
				goto bad;
			break;
		case O_RATE:
			if (!parse_double(optarg, &o->inject_rate) || o->inject_rate > 1)
				goto bad;
			break;
		case O_FATAL:
			o->inject_fatal = true;
			break;
		case O_CHECK:
			if (!parse_double(optarg, &o->check_interval))
				goto bad;
			break;
		case O_REPLAY:
			o->replay_path = optarg;
			break;
		case O_LOGLIM:
			if (!parse_u64(optarg, &o->log_limit))
				goto bad;
			break;
		case O_VTHREADS:
			o->vcpu_threads = true;
			break;
		case O_HRATIO:
			if (!parse_double(optarg, &o->host_ratio))
				goto bad;
			break;
		case O_TDLIFE:
			if (!parse_double(optarg, &o->td_lifetime))
				goto bad;
			break;
		case O_JSON:
			o->json = true;
			break;
		case O_TRACE:
			o->trace = optarg;
			break;
		case O_TRACE_MAX:
			if (!parse_u64(optarg, &o->trace_max) || !o->trace_max)
				goto bad;
			break;
		case O_QUIET:
			o->quiet = true;
			break;
		case O_HELP:
		case 'h':
			stress_usage(stdout);
			return 1;
		default:
			goto bad;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "tdpmmu stress: unexpected argument '%s' (try --help)\n",
			argv[optind]);
		return 2;
	}
	if (o->dpamt && o->module != TDX_MODULE_2_0)
		goto bad;
	if (o->ops && !seconds_given)
		o->seconds = 0;
	if (o->inject_fatal && o->inject_rate == 0)
		o->inject_rate = 0.01;
	return 0;
bad:
	if (li >= 0 && lo[li].has_arg && optarg)
		fprintf(stderr, "tdpmmu stress: bad value '%s' for --%s (try --help)\n", optarg,
			lo[li].name);
	else
		fprintf(stderr, "tdpmmu stress: bad or unknown option '%s' (try --help)\n",
			optind - 1 < argc && optind > 0 ? argv[optind - 1] : "");
	return 2;
}

/* ---- the summary ---- */

static void totals(const struct stress *s, u64 res[NR_OPS][NR_RES], u64 *total, u64 acc[6])
{
	int i, op, r;

	memset(res, 0, sizeof(u64) * NR_OPS * NR_RES);
	memset(acc, 0, sizeof(u64) * 6);
	*total = 0;
	for (i = 0; i < s->nr_workers; i++) {
		for (op = 0; op < NR_OPS; op++)
			for (r = 0; r < NR_RES; r++)
				res[op][r] += s->w[i].res[op][r];
		for (r = 0; r < 6; r++)
			acc[r] += s->w[i].accept_status[r];
	}
	for (op = 0; op < NR_OPS; op++)
		for (r = 0; r < NR_RES; r++)
			*total += res[op][r];
}

/*
 * SIGINT (Ctrl-C) stops the run as the time limit does: workers joined,
 * final check, the summary of what ran (JSON too), exit 130.  A second
 * SIGINT kills as usual (SA_RESETHAND).
 */
static volatile sig_atomic_t stress_sigint;

static void stress_on_sigint(int sig)
{
	(void)sig;
	stress_sigint = 1;
}

static void print_summary(const struct stress *s, double secs, const char *replay_verdict,
			  const char *replay_file)
{
	u64 res[NR_OPS][NR_RES], total, acc[6];
	const struct kvm_counters *c = &s->counters_total;
	int op, r;

	totals(s, res, &total, acc);
	if (s->o.json) {
		json_t *j = json_object(), *ops = json_object(), *counts = json_object();
		json_t *accs = json_object();

		json_object_set_new(j, "version", json_integer(1));
		json_object_set_new(j, "result", json_string(s->violations ? "fail" : "pass"));
		json_object_set_new(j, "seed", json_integer((json_int_t)s->o.seed));
		json_object_set_new(j, "vcpus", json_integer(s->o.vcpus));
		json_object_set_new(j, "host_threads", json_integer(s->o.host_threads));
		json_object_set_new(j, "seconds", json_real(secs));
		json_object_set_new(j, "interrupted", json_boolean(stress_sigint));
		json_object_set_new(j, "ops_total", json_integer((json_int_t)total));
		json_object_set_new(j, "ops_per_sec", json_real(secs > 0 ? total / secs : 0));
		for (op = 0; op < NR_OPS; op++) {
			json_t *o = json_object();

			for (r = 0; r < NR_RES; r++)
				if (res[op][r])
					json_object_set_new(o, res_names[r],
							    json_integer((json_int_t)res[op][r]));
			json_object_set_new(ops, op_names[op], o);
		}
		json_object_set_new(j, "ops", ops);
		for (r = 0; r < 6; r++)
			json_object_set_new(accs, accept_bucket_names[r],
					    json_integer((json_int_t)acc[r]));
		json_object_set_new(j, "accept_status", accs);
		for (r = 0; r < NR_TDX_LEAVES; r++)
			json_object_set_new(counts, tdx_leaf_name(r),
					    json_integer((json_int_t)c->leaf_calls[r]));
		json_object_set_new(counts, "splits", json_integer((json_int_t)c->splits));
		json_object_set_new(counts, "kicks", json_integer((json_int_t)c->kicks));
		json_object_set_new(counts, "faults", json_integer((json_int_t)c->faults));
		json_object_set_new(counts, "track_rounds",
				    json_integer((json_int_t)c->track_rounds));
		json_object_set_new(counts, "busy_retries",
				    json_integer((json_int_t)c->busy_retries));
		json_object_set_new(counts, "vm_bugged", json_integer((json_int_t)c->vm_bugged));
		json_object_set_new(counts, "promotes", json_integer((json_int_t)c->promotes));
		json_object_set_new(counts, "promote_tries",
				    json_integer((json_int_t)c->promote_tries));
		json_object_set_new(counts, "promote_refused",
				    json_integer((json_int_t)c->promote_refused));
		json_object_set_new(j, "counts", counts);
		json_object_set_new(
			j, "huge",
			json_pack("{s:I,s:I,s:I,s:f,s:f,s:I,s:I}", "splits", (json_int_t)c->splits,
				  "demotes", (json_int_t)c->leaf_calls[TDH_MEM_PAGE_DEMOTE],
				  "promotes", (json_int_t)c->leaf_calls[TDH_MEM_PAGE_PROMOTE],
				  "mapped_huge_share_avg",
				  s->huge_samples ? s->huge_share_sum / (double)s->huge_samples
						  : 0.0,
				  "mapped_huge_share_last", s->huge_share_last, "samples",
				  (json_int_t)s->huge_samples, "td_recycles",
				  (json_int_t)s->recycles));
		json_object_set_new(j, "checks",
				    json_pack("{s:i,s:i}", "passed", s->checks_passed, "failed",
					      s->checks_failed));
		json_object_set_new(j, "runs", json_integer((json_int_t)s->runs));
		json_object_set_new(j, "bugged_runs_expected",
				    json_integer((json_int_t)s->bugged_runs_expected));
		json_object_set_new(j, "violations", json_integer(s->violations));
		if (s->violations) {
			json_object_set_new(j, "first_violation", json_string(s->first_violation));
			json_object_set_new(j, "replay", json_string(replay_verdict));
			if (replay_file)
				json_object_set_new(j, "replay_file", json_string(replay_file));
		}
		json_dumpf(j, stdout, JSON_INDENT(2));
		fputc('\n', stdout);
		json_decref(j);
		return;
	}
	printf("tdpmmu stress: %s  seed=%llu vcpus=%d host-threads=%d\n",
	       s->violations ? "FAIL" : "pass", (unsigned long long)s->o.seed, s->o.vcpus,
	       s->o.host_threads);
	printf("  %llu ops in %.2f s = %.0f ops/s; checks %d passed, %d failed; runs %llu "
	       "(bugged, expected: %llu)\n",
	       (unsigned long long)total, secs, secs > 0 ? total / secs : 0.0, s->checks_passed,
	       s->checks_failed, (unsigned long long)s->runs,
	       (unsigned long long)s->bugged_runs_expected);
	for (op = 0; op < NR_OPS; op++) {
		u64 n = 0;

		for (r = 0; r < NR_RES; r++)
			n += res[op][r];
		if (!n)
			continue;
		printf("  %-14s %10llu:", op_names[op], (unsigned long long)n);
		for (r = 0; r < NR_RES; r++)
			if (res[op][r])
				printf(" %s=%llu", res_names[r], (unsigned long long)res[op][r]);
		printf("\n");
	}
	printf("  accept statuses:");
	for (r = 0; r < 6; r++)
		if (acc[r])
			printf(" %s=%llu", accept_bucket_names[r], (unsigned long long)acc[r]);
	printf("\n");
	printf("  leaves: AUG=%llu SEPT.ADD=%llu BLOCK=%llu TRACK=%llu DEMOTE=%llu REMOVE=%llu "
	       "SEPT.REMOVE=%llu; splits=%llu kicks=%llu faults=%llu busy_retries=%llu\n",
	       (unsigned long long)c->leaf_calls[TDH_MEM_PAGE_AUG],
	       (unsigned long long)c->leaf_calls[TDH_MEM_SEPT_ADD],
	       (unsigned long long)c->leaf_calls[TDH_MEM_RANGE_BLOCK],
	       (unsigned long long)c->leaf_calls[TDH_MEM_TRACK],
	       (unsigned long long)c->leaf_calls[TDH_MEM_PAGE_DEMOTE],
	       (unsigned long long)c->leaf_calls[TDH_MEM_PAGE_REMOVE],
	       (unsigned long long)c->leaf_calls[TDH_MEM_SEPT_REMOVE],
	       (unsigned long long)c->splits, (unsigned long long)c->kicks,
	       (unsigned long long)c->faults, (unsigned long long)c->busy_retries);
	if (s->o.promote)
		printf("  promotions: %llu of %llu tries (%llu refused by the module, %llu TRACK "
		       "rounds)\n",
		       (unsigned long long)c->promotes, (unsigned long long)c->promote_tries,
		       (unsigned long long)c->promote_refused,
		       (unsigned long long)c->promote_rounds);
	printf("  huge pages: splits=%llu DEMOTE=%llu PROMOTE=%llu; private memory mapped huge "
	       "%.1f%% on average over %llu samples (%.1f%% at the last); TDs renewed %llu\n",
	       (unsigned long long)c->splits,
	       (unsigned long long)c->leaf_calls[TDH_MEM_PAGE_DEMOTE],
	       (unsigned long long)c->leaf_calls[TDH_MEM_PAGE_PROMOTE],
	       s->huge_samples ? 100.0 * s->huge_share_sum / (double)s->huge_samples : 0.0,
	       (unsigned long long)s->huge_samples, 100.0 * s->huge_share_last,
	       (unsigned long long)s->recycles);
	if (s->violations) {
		printf("  first violation: %s\n", s->first_violation);
		printf("  reproduce: tdpmmu stress --seed %llu (same options); %s%s%s\n",
		       (unsigned long long)s->o.seed, replay_verdict, replay_file ? ": " : "",
		       replay_file ? replay_file : "");
	}
}

/* ---- the command ---- */

static u64 ops_done(const struct stress *s)
{
	u64 n = 0;
	int i;

	for (i = 0; i < s->nr_workers; i++)
		n += atomic_load_explicit(&s->w[i].done, memory_order_relaxed);
	return n;
}

int cmd_stress(int argc, char **argv)
{
	struct stress *s;
	u64 t0, last_check, last_progress, td_start;
	bool tty;
	double secs;
	char replay_file[1024];
	const char *verdict = NULL;
	struct sigaction sa = {.sa_handler = stress_on_sigint, .sa_flags = SA_RESETHAND}, old_sa;
	FILE *trace = NULL;
	int i, r, ret;

	s = calloc(1, sizeof(*s));
	if (!s)
		return 1;
	r = parse_opts(argc, argv, &s->o);
	if (r) {
		free(s);
		return r == 1 ? 0 : 2;
	}
	tty = !s->o.json && !s->o.quiet && isatty(STDOUT_FILENO);
	stress_sigint = 0;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &old_sa);
	if (s->o.trace) {
		trace = trace_open_file(s->o.trace);
		if (!trace) {
			fprintf(stderr, "tdpmmu stress: --trace %s: %s\n", s->o.trace,
				strerror(errno));
			free(s);
			return 2;
		}
		trace_start(trace, s->o.trace_max);
	}
	pthread_mutex_init(&s->lock, NULL);
	pthread_cond_init(&s->parked_cv, NULL);
	pthread_cond_init(&s->resume_cv, NULL);
	pthread_mutex_init(&s->inj_lock, NULL);

	r = stress_vm_create(s);
	if (r) {
		fprintf(stderr, "tdpmmu stress: cannot create the TD: %s\n", strerror(-r));
		trace_stop();
		trace_close_file(trace);
		free(s);
		return 1;
	}
	s->nr_workers = s->o.vcpus + s->o.host_threads;
	s->w = calloc(s->nr_workers, sizeof(*s->w));
	if (!s->w) {
		kvm_destroy(s->kvm);
		free(s);
		return 1;
	}
	s->active = s->nr_workers;
	for (i = 0; i < s->nr_workers; i++) {
		struct worker *w = &s->w[i];

		w->s = s;
		w->idx = i;
		w->is_vcpu = i < s->o.vcpus;
		w->vcpu = w->is_vcpu ? i : -1;
		prng_seed(&w->rng, s->o.seed * 0x9E3779B97F4A7C15ULL + (u64)i + 1);
	}
	s->log_run = s->runs;
	t0 = now_ns();
	last_check = last_progress = td_start = t0;
	for (i = 0; i < s->nr_workers; i++) {
		if (pthread_create(&s->w[i].thread, NULL, worker_main, &s->w[i])) {
			fprintf(stderr, "tdpmmu stress: cannot start thread %d\n", i);
			atomic_store(&s->stop, true);
			pthread_mutex_lock(&s->lock);
			s->active -= s->nr_workers - i;
			pthread_mutex_unlock(&s->lock);
			s->nr_workers = i;
			break;
		}
	}

	for (;;) {
		u64 now = now_ns();
		double el = (double)(now - t0) / 1e9;

		if (atomic_load(&s->stop) || stress_sigint)
			break;
		if (s->o.seconds > 0 && el >= s->o.seconds)
			break;
		/* A fatal injection took the VM down: check containment, start afresh. */
		if (s->fatal_armed && kvm_is_bugged(s->kvm)) {
			pause_all(s);
			quiescent_check(s);
			if (!s->violations)
				stress_vm_retire(s, true);
			resume_all(s);
			if (!s->kvm)
				break;
		} else if ((double)(now - last_check) / 1e9 >= s->o.check_interval) {
			pause_all(s);
			quiescent_check(s);
			if (!s->violations && kvm_is_bugged(s->kvm) && s->fatal_armed) {
				stress_vm_retire(s, true);
			} else if (!s->violations && s->o.td_lifetime > 0 &&
				   (double)(now - td_start) / 1e9 >= s->o.td_lifetime) {
				td_recycle(s);
				td_start = now_ns();
			}
			resume_all(s);
			if (!s->kvm)
				break;
			last_check = now_ns();
		}
		if (tty && (double)(now - last_progress) / 1e9 >= 1.0) {
			u64 n = ops_done(s);

			printf("\r%.0fs: %llu ops, %.0f ops/s, %d checks", el,
			       (unsigned long long)n, el > 0 ? n / el : 0.0, s->checks_passed);
			fflush(stdout);
			last_progress = now;
		}
		usleep(2000);
	}
	atomic_store(&s->stop, true);
	resume_all(s);
	for (i = 0; i < s->nr_workers; i++)
		pthread_join(s->w[i].thread, NULL);
	secs = (double)(now_ns() - t0) / 1e9;
	if (tty)
		printf("\n");
	if (trace) {
		u64 cut = trace_dropped();

		trace_stop();
		trace_close_file(trace);
		if (cut)
			fprintf(stderr,
				"tdpmmu stress: --trace: the first %llu events written, %llu more "
				"cut (--trace-max)\n",
				(unsigned long long)s->o.trace_max, (unsigned long long)cut);
	}

	/* The final check, with everything joined. */
	if (s->kvm && !s->violations)
		quiescent_check(s);
	if (s->violations) {
		fprintf(stderr, "tdpmmu stress: FAILED with seed %llu\n",
			(unsigned long long)s->o.seed);
		verdict = produce_replay(s, replay_file, sizeof(replay_file));
		fprintf(stderr, "tdpmmu stress: %s\n", verdict);
	}
	if (s->kvm)
		stress_vm_retire(s, false);
	print_summary(s, secs, verdict,
		      verdict && !strncmp(verdict, "replay", 6) ? replay_file : NULL);
	ret = s->violations ? 1 : 0;
	if (stress_sigint) {
		fprintf(stderr,
			"tdpmmu stress: interrupted after %.1f s; the summary covers the run so "
			"far\n",
			secs);
		if (!ret)
			ret = 130;
	}
	sigaction(SIGINT, &old_sa, NULL);

	for (i = 0; i < s->nr_workers; i++)
		free(s->w[i].log.ents);
	free(s->w);
	pthread_mutex_destroy(&s->lock);
	pthread_cond_destroy(&s->parked_cv);
	pthread_cond_destroy(&s->resume_cv);
	pthread_mutex_destroy(&s->inj_lock);
	free(s);
	return ret;
}
