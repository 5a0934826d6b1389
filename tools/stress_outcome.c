// SPDX-License-Identifier: GPL-2.0-only
/*
 * `tdpmmu stress`: what each operation may return.  Every result is put in
 * a bucket (ok, a defined status, #VE, memory fault, an errno); whether the
 * bucket is allowed depends on the op and on the run's options (injection,
 * error policy, a fatal injection armed).  A result that is not allowed is
 * a violation: the earliest one is kept as the run's verdict and stops it.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

#include "stress_run.h"

static const char *const op_names[NR_OPS] = {
	"accept", "accept_memory", "access",	   "guest_convert",  "convert", "punch",
	"split",  "inject",	   "inject_alloc", "inject_skipped", "promote",
};

static const char *const res_names[NR_RES] = {
	"ok", "status", "ve", "memory_fault", "enomem", "ebusy", "eagain", "eio", "undefined",
};

const char *stress_op_name(enum stress_op op)
{
	return op_names[op];
}

const char *stress_res_name(enum stress_res res)
{
	return res_names[res];
}

void stress_violation_at(struct stress *s, u64 seq, const char *fmt, ...)
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

enum stress_res stress_host_res(int rc)
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
		return RES_UNDEFINED;
	}
}

enum stress_res stress_guest_res(enum kvm_guest_result r, u64 status, bool accept)
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

int stress_accept_bucket(u64 status)
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

static const char *const accept_bucket_names[NR_ACCEPT_BUCKETS] = {
	"TDX_SUCCESS",	       "TDX_PAGE_ALREADY_ACCEPTED", "TDX_PAGE_SIZE_MISMATCH",
	"TDX_EPT_WALK_FAILED", "TDX_OPERAND_BUSY",	    "other",
};

const char *stress_accept_bucket_name(int bucket)
{
	return accept_bucket_names[bucket];
}

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

void stress_record(struct worker *w, enum stress_op op, enum stress_res res, u64 seq,
		   const char *what)
{
	struct stress *s = w->s;

	w->res[op][res]++;
	if (!res_allowed(s, op, res))
		stress_violation_at(s, seq, "op #%llu %s (thread %d): result %s not allowed%s%s",
				    (unsigned long long)seq, op_names[op], w->idx, res_names[res],
				    what ? ": " : "", what ? what : "");
}
