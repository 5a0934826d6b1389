// SPDX-License-Identifier: GPL-2.0-only
/*
 * `tdpmmu stress --inject-rate`: a host op may instead arm one injected
 * SEAMCALL status or allocation failure.  At most one injection is
 * outstanding per leaf, so a rule can never be due for both a call and
 * the glue's retry of it.  Recoverable kinds only, unless --inject-fatal:
 * a VM those bug is checked for containment and replaced (stress_vm.c).
 */
#include <string.h>

#include "stress_run.h"
#include "tdpmmu/vm_inspect.h"

/*
 * Recoverable under every policy: BUSY on the map path (the fault is
 * retried), DEMOTE's INTERRUPTED_RESTARTABLE (restarted), allocation
 * failures (the operation fails with ENOMEM).
 */
static const enum tdxmod_leaf busy_map_leaves[] = {TDH_MEM_SEPT_ADD, TDH_MEM_PAGE_AUG};

/*
 * BUSY once on a leaf the glue retries once after kicking: recovered on its
 * own, but a genuine BUSY (a vCPU holding the entry) on the first call makes
 * the injected one hit the retry, which UPSTREAM treats as fatal.  Under
 * RECOVER a failed retry of BLOCK/REMOVE/DEMOTE is -EAGAIN, so these are in
 * the default set there; TRACK and SEPT.REMOVE failures stay fatal.
 */
static const enum tdxmod_leaf busy_retry_recover_leaves[] = {
	TDH_MEM_RANGE_BLOCK,
	TDH_MEM_PAGE_REMOVE,
	TDH_MEM_PAGE_DEMOTE,
};

/* --inject-fatal: may bug the VM (see docs/STRESS.md). */
static const enum tdxmod_leaf fatal_leaves[] = {
	TDH_MEM_SEPT_ADD,    TDH_MEM_PAGE_AUG,	  TDH_MEM_RANGE_BLOCK, TDH_MEM_TRACK,
	TDH_MEM_PAGE_REMOVE, TDH_MEM_SEPT_REMOVE, TDH_MEM_PAGE_DEMOTE, TDH_PHYMEM_PAMT_ADD,
};

/* Allocation failure: armed until the allocator's rule list is spent. */
static bool arm_alloc_fail(struct worker *w, u64 seq, u64 count, u64 after)
{
	struct stress *s = w->s;
	struct fault_inject *afi = frame_allocator_inject(kvm_frame_allocator(s->kvm));
	bool armed = false;

	pthread_mutex_lock(&s->inj_lock);
	if (!atomic_load(&afi->armed)) {
		stress_log(w, &(struct log_ent){.seq = seq,
						.op = OP_INJECT_ALLOC,
						.count = (u32)count,
						.after = (u32)after});
		kvm_inject_alloc_fail(s->kvm, count, after);
		armed = true;
	}
	pthread_mutex_unlock(&s->inj_lock);
	return armed;
}

/*
 * A BUSY rule with count 1 is consumed by one call and the glue's retry
 * (one more call on the same leaf, under the write lock) succeeds; the
 * slot stays busy until the leaf has been called after+3 times past
 * arming, so two rules can never be due for one call and its retry.
 */
static bool arm_leaf(struct worker *w, u64 seq, enum tdxmod_leaf leaf, u64 status, u64 count,
		     u64 after, bool fatal)
{
	struct stress *s = w->s;
	struct tdxmod_td *td = kvm_tdx_td(s->kvm);
	bool armed = false;

	pthread_mutex_lock(&s->inj_lock);
	if (!s->inj[leaf].armed || tdxmod_leaf_calls(td, leaf) >= s->inj[leaf].due) {
		stress_log(w, &(struct log_ent){.seq = seq,
						.op = OP_INJECT,
						.leaf = (u8)leaf,
						.status = status,
						.count = (u32)count,
						.after = (u32)after});
		kvm_inject_leaf(s->kvm, leaf, status, count, after);
		s->inj[leaf].armed = true;
		s->inj[leaf].due = tdxmod_leaf_calls(td, leaf) + after + count + 2;
		if (fatal)
			s->fatal_armed++;
		armed = true;
	}
	pthread_mutex_unlock(&s->inj_lock);
	return armed;
}

/* Arm one injection, unless one of its kind (its leaf, or the allocator's) is outstanding. */
void stress_inject(struct worker *w, u64 seq)
{
	struct stress *s = w->s;
	enum tdxmod_leaf leaf;
	u64 status, count = 1, after = rnd(w, 4);
	bool fatal = s->o.inject_fatal && chance(w, 20);
	int pick = (int)rnd(w, 10);

	if (pick == 0) {
		if (arm_alloc_fail(w, seq, count, after))
			w->res[OP_INJECT_ALLOC][RES_OK]++;
		else
			w->res[OP_INJECT_SKIPPED][RES_OK]++;
		return;
	}

	if (fatal) {
		/* BUSY once or twice on a retried leaf, or a status nobody expects. */
		leaf = fatal_leaves[rnd(w, ARRAY_SIZE(fatal_leaves))];
		status =
			chance(w, 60) ? TDX_OPERAND_BUSY | TDX_OPERAND_ID_RCX : TDX_OPERAND_INVALID;
		if (status != TDX_OPERAND_INVALID)
			count = 1 + rnd(w, 2);
	} else if (pick == 1) {
		leaf = TDH_MEM_PAGE_DEMOTE;
		status = TDX_INTERRUPTED_RESTARTABLE;
		count = 1 + rnd(w, 3);
	} else if (s->o.policy == TDX_POLICY_RECOVER && chance(w, 50)) {
		leaf = busy_retry_recover_leaves[rnd(w, ARRAY_SIZE(busy_retry_recover_leaves))];
		status = TDX_OPERAND_BUSY | TDX_OPERAND_ID_RCX;
		count = 1 + rnd(w, 2);
	} else {
		leaf = busy_map_leaves[rnd(w, ARRAY_SIZE(busy_map_leaves))];
		status = TDX_OPERAND_BUSY | TDX_OPERAND_ID_RCX;
		count = 1 + rnd(w, 2);
	}
	if (arm_leaf(w, seq, leaf, status, count, after, fatal))
		w->res[OP_INJECT][RES_OK]++;
	else
		w->res[OP_INJECT_SKIPPED][RES_OK]++;
}

/* A new TD: nothing armed yet. */
void stress_inject_reset(struct stress *s)
{
	memset(s->inj, 0, sizeof(s->inj));
	s->fatal_armed = 0;
}
