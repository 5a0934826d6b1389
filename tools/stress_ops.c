// SPDX-License-Identifier: GPL-2.0-only
/*
 * `tdpmmu stress`: the operations the threads draw.  A vCPU thread
 * accepts (one page, or a range as Linux does), loads and stores, and asks
 * for conversions (MapGPA); a host thread converts, punches holes, splits
 * and (--promote) promotes, mostly over whole huge regions so that huge
 * mappings keep being made and torn down.  Each op is logged before it
 * runs and its result classified (stress_outcome.c).
 */
#include <stdio.h>

#include "guest_accept_memory.h"
#include "scenario.h"
#include "stress_run.h"

/* ---- random ranges ---- */

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

/* ---- the operations ---- */

void stress_vcpu_op(struct worker *w, u64 seq)
{
	struct stress *s = w->s;
	struct kvm *kvm = s->kvm;
	u64 pick = rnd(w, 100), size, status = 0;
	gpa_t gpa;
	char what[160];

	if (pick < 35) {
		/* Lean 2M: 2M ACCEPTs rebuild the huge mappings punches and conversions took. */
		int level = chance(w, 65) ? PG_LEVEL_2M : PG_LEVEL_4K;
		enum kvm_guest_result r;
		enum stress_res res;

		gpa = rnd(w, s->o.mem / level_size(level)) * level_size(level);
		stress_log(w, &(struct log_ent){.seq = seq,
						.op = OP_ACCEPT,
						.gpa = gpa,
						.level = (u8)level,
						.vcpu = (int16_t)w->vcpu});
		r = kvm_guest_accept(kvm, w->vcpu, gpa, level, &status);
		res = stress_guest_res(r, status, true);
		if (r == KVM_GUEST_STATUS)
			w->accept_status[stress_accept_bucket(status)]++;
		snprintf(what, sizeof(what), "accept gpa=0x%llx level=%s status=0x%llx",
			 (unsigned long long)gpa, scn_level_name(level),
			 (unsigned long long)status);
		stress_record(w, OP_ACCEPT, res, seq, what);
	} else if (pick < 45) {
		enum kvm_guest_result r;
		enum stress_res res;
		char st[64];

		rnd_range(w, &gpa, &size);
		stress_log(w, &(struct log_ent){.seq = seq,
						.op = OP_ACCEPT_MEMORY,
						.gpa = gpa,
						.size = size,
						.vcpu = (int16_t)w->vcpu});
		/* kvm_guest_accept_memory's loop, keeping the failing status for the report. */
		r = guest_accept_memory(kvm, w->vcpu, gpa, size, &status);
		res = stress_guest_res(r, status, true);
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
		stress_record(w, OP_ACCEPT_MEMORY, res, seq, what);
	} else if (pick < 90) {
		bool shared = chance(w, 20), write = chance(w, 50);
		enum kvm_guest_result r;

		gpa = rnd(w, s->o.mem / PAGE_SIZE) * PAGE_SIZE;
		stress_log(w, &(struct log_ent){.seq = seq,
						.op = OP_ACCESS,
						.gpa = gpa,
						.flags = (shared ? LOG_SHARED : 0) |
							 (write ? LOG_WRITE : 0),
						.vcpu = (int16_t)w->vcpu});
		r = kvm_guest_access(kvm, w->vcpu, gpa, shared, write);
		snprintf(what, sizeof(what), "access gpa=0x%llx%s%s", (unsigned long long)gpa,
			 shared ? " shared" : "", write ? " write" : "");
		stress_record(w, OP_ACCESS, stress_guest_res(r, 0, false), seq, what);
	} else {
		/* MapGPA: the guest asks, user space converts; private pages are then accepted. */
		bool to_private = chance(w, 60);
		int rc;

		rnd_range(w, &gpa, &size);
		stress_log(w, &(struct log_ent){.seq = seq,
						.op = OP_GUEST_CONVERT,
						.gpa = gpa,
						.size = size,
						.flags = to_private ? LOG_TO_PRIVATE : 0,
						.vcpu = (int16_t)w->vcpu});
		rc = kvm_set_memory_attributes(kvm, gpa, size, to_private);
		snprintf(what, sizeof(what), "convert gpa=0x%llx size=0x%llx to=%s rc=%d",
			 (unsigned long long)gpa, (unsigned long long)size,
			 to_private ? "private" : "shared", rc);
		stress_record(w, OP_GUEST_CONVERT, stress_host_res(rc), seq, what);
	}
}

void stress_host_op(struct worker *w, u64 seq)
{
	struct stress *s = w->s;
	struct kvm *kvm = s->kvm;
	u64 pick = rnd(w, 100), size;
	enum stress_op op;
	gpa_t gpa;
	int rc, level = PG_LEVEL_4K;
	bool to_private = false;
	char what[96];

	if (s->o.inject_rate > 0 && (double)rnd(w, 1000000) < s->o.inject_rate * 1e6) {
		stress_inject(w, seq);
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
	stress_log(w, &(struct log_ent){.seq = seq,
					.op = (u8)op,
					.gpa = gpa,
					.size = size,
					.level = (u8)level,
					.flags = to_private ? LOG_TO_PRIVATE : 0});
	if (op == OP_CONVERT)
		rc = kvm_set_memory_attributes(kvm, gpa, size, to_private);
	else if (op == OP_PUNCH)
		rc = kvm_gmem_punch_hole(kvm, gpa, size);
	else if (op == OP_PROMOTE)
		rc = kvm_promote_range(kvm, gpa, size);
	else
		rc = kvm_split_range(kvm, gpa, size, level);
	snprintf(what, sizeof(what), "%s gpa=0x%llx size=0x%llx rc=%d", stress_op_name(op),
		 (unsigned long long)gpa, (unsigned long long)size, rc);
	stress_record(w, op, stress_host_res(rc), seq, what);
	/* --promote: the recovery worker runs between host operations. */
	if (s->o.promote)
		kvm_promote_worker(kvm);
}
