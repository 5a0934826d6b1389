// SPDX-License-Identifier: GPL-2.0-only
/*
 * The guest: TDG.MEM.PAGE.ACCEPT and loads/stores run on the vCPU inside
 * the TD, looping over EPT-violation exits (exit, host handles the fault,
 * re-enter, re-execute) until the TDCALL returns or the access completes;
 * and a Linux-like accept of a range (largest size first, falling back to
 * the next smaller size on any failure status).
 */
#include <errno.h>

#include "vm_internal.h"

/*
 * The guest -> module edge.  A TD's TDCALLs (TDG.MEM.PAGE.ACCEPT) and its
 * loads/stores through the S-EPT reach the TDX module directly, never KVM:
 * the host sees them only as the TD exits they end in.  So the guest model
 * calls tdxmod_tdg_mem_page_accept() and tdxmod_guest_access() on the TD
 * (tdx_td()), and only here; everything the host does, including asking
 * whether a vCPU is inside the TD, goes through the tdx/ glue.
 */

/*
 * KVM_GUEST_MAX_EXITS: a module that answers BUSY for ever, or allocations
 * that always fail, end the step with KVM_GUEST_STUCK instead of hanging
 * the run.  Every exit that is not stuck makes progress, so legitimate
 * steps need few, except those that wait for another vCPU's shared-lock
 * split (KVM_GUEST_MAX_BUSY_EXITS).
 */

struct guest_op {
	gpa_t gpa;
	int level; /* accept: PG level */
	bool accept, shared, write;
	u64 status;
	enum kvm_guest_result result;
	struct kvm_guest_info *info;
	int fault_err; /* the last exit's handler result */
};

/* After a TD exit: run the host's handler; false if the operation ends. */
static bool guest_handle_exit(struct kvm *kvm, int vcpu, struct guest_op *op,
			      const struct tdx_ept_exit *exit)
{
	enum kvm_fault_result res = KVM_FAULT_FIXED;
	int r = tdx_handle_ept_violation(kvm, vcpu, op->shared, op->write, exit, &res);

	op->fault_err = r;
	if (op->info)
		op->info->fault_err = r;
	/* EIO means a bugged VM (the contract); other errors are retried below. */
	if (kvm_mmu_is_bugged(kvm->mmu)) {
		op->result = KVM_GUEST_EIO;
		return false;
	}
	/* Other errors (-ENOMEM, -EAGAIN): the guest re-executes and exits again. */
	if (!r && res == KVM_FAULT_MEMORY_FAULT) {
		op->result = KVM_GUEST_EXIT_MEMORY_FAULT;
		return false;
	}
	return true;
}

static void guest_enter_failed(struct guest_op *op, u64 status)
{
	op->status = status;
	/* BUSY for ever is a step that cannot complete, not a refusal. */
	op->result = tdx_operand_busy(status) ? KVM_GUEST_STUCK : KVM_GUEST_ENTER_FAILED;
	if (op->info)
		op->info->enter_failed = true;
}

static void guest_op_run(struct kvm *kvm, int id, void *arg)
{
	struct guest_op *op = arg;
	struct kvm_vcpu *vcpu = &kvm->vcpus[id];
	struct tdxmod_td *td = tdx_td(kvm->kvm_tdx); /* for the TDCALLs only */
	int exits, busy_exits = 0;
	u64 st;

	for (exits = 0; exits < KVM_GUEST_MAX_EXITS; exits++) {
		struct tdx_ept_exit exit = {};
		bool exited = false;

		if (op->info)
			op->info->exits = exits;
		if (kvm_mmu_is_bugged(kvm->mmu)) {
			op->result = KVM_GUEST_EIO;
			return;
		}
		st = kvm_vcpu_guest_begin(vcpu);
		if (st) {
			guest_enter_failed(op, st);
			return;
		}
		if (op->accept) {
			u64 rcx = op->gpa | (u64)pg_level_to_tdx_sept_level(op->level);

			op->status = tdxmod_tdg_mem_page_accept(td, id, rcx, &exited, &exit);
			if (!exited) {
				kvm_vcpu_guest_done(vcpu);
				op->result = KVM_GUEST_STATUS;
				return;
			}
		} else if (!op->shared) {
			switch (tdxmod_guest_access(td, id, op->gpa, op->write, &exit)) {
			case TDX_ACCESS_OK:
				kvm_vcpu_guest_done(vcpu);
				op->result = KVM_GUEST_OK;
				return;
			case TDX_ACCESS_VE:
				kvm_vcpu_guest_done(vcpu);
				op->result = KVM_GUEST_VE;
				return;
			case TDX_ACCESS_EPT_VIOLATION:
				break;
			}
		} else {
			/* Shared GPAs: the vCPU's TLB, else the shared EPT (direct root). */
			if (kvm_vcpu_shared_translate(vcpu, gpa_to_gfn(op->gpa))) {
				kvm_vcpu_guest_done(vcpu);
				op->result = KVM_GUEST_OK;
				return;
			}
			exit.gpa = op->gpa;
		}
		kvm_vcpu_td_exit(vcpu);
		if (!guest_handle_exit(kvm, id, op, &exit))
			return;
		/*
		 * -EBUSY: the shared-lock split found the leaf owned by another
		 * vCPU's split (or the module's locks held by it) and gave the
		 * fault back.  That is waiting for someone else's progress, which
		 * can take many exits when the owner is descheduled: count such
		 * exits against their own, much larger, bound.
		 */
		if (op->fault_err == -EBUSY && busy_exits < KVM_GUEST_MAX_BUSY_EXITS) {
			busy_exits++;
			exits--;
		}
	}
	/* Stuck: not EIO, which means a bugged VM; the caller reports it. */
	op->result = KVM_GUEST_STUCK;
	op->status = tdx_last_status(kvm->kvm_tdx);
	if (op->info)
		op->info->exits = exits;
}

static bool guest_args_ok(struct kvm *kvm, int vcpu, gpa_t gpa)
{
	return vcpu >= 0 && vcpu < kvm->cfg.nr_vcpus && !(gpa & (PAGE_SIZE - 1));
}

enum kvm_guest_result kvm_guest_accept(struct kvm *kvm, int vcpu, gpa_t gpa, int level, u64 *status)
{
	return kvm_guest_accept_info(kvm, vcpu, gpa, level, status, NULL);
}

enum kvm_guest_result kvm_guest_accept_info(struct kvm *kvm, int vcpu, gpa_t gpa, int level,
					    u64 *status, struct kvm_guest_info *info)
{
	struct guest_op op = {
		.gpa = gpa, .level = level, .accept = true, .write = true, .info = info};

	if (!guest_args_ok(kvm, vcpu, gpa) || level < PG_LEVEL_4K || level > PG_LEVEL_1G) {
		if (status)
			*status = TDX_OPERAND_INVALID | TDX_OPERAND_ID_RCX;
		return KVM_GUEST_STATUS;
	}
	if (kvm_mmu_is_bugged(kvm->mmu))
		return KVM_GUEST_EIO;
	kvm_vcpu_run_work(kvm, vcpu, guest_op_run, &op);
	if (status)
		*status = op.status;
	return op.result;
}

enum kvm_guest_result kvm_guest_access(struct kvm *kvm, int vcpu, gpa_t gpa, bool shared,
				       bool write)
{
	return kvm_guest_access_info(kvm, vcpu, gpa, shared, write, NULL, NULL);
}

enum kvm_guest_result kvm_guest_access_info(struct kvm *kvm, int vcpu, gpa_t gpa, bool shared,
					    bool write, u64 *status, struct kvm_guest_info *info)
{
	struct guest_op op = {
		.gpa = gpa & ~(PAGE_SIZE - 1), .shared = shared, .write = write, .info = info};

	if (!guest_args_ok(kvm, vcpu, 0) || gpa_to_gfn(gpa) >= kvm->nr_gfns)
		return KVM_GUEST_EXIT_MEMORY_FAULT;
	if (kvm_mmu_is_bugged(kvm->mmu))
		return KVM_GUEST_EIO;
	kvm_vcpu_run_work(kvm, vcpu, guest_op_run, &op);
	if (status)
		*status = op.status;
	return op.result;
}

/* try_accept_one: true if the TDCALL at @level succeeded; *status has its status. */
static bool try_accept_one(struct kvm *kvm, int vcpu, gpa_t gpa, int level, u64 *status, int *err)
{
	enum kvm_guest_result res = kvm_guest_accept(kvm, vcpu, gpa, level, status);

	if (res == KVM_GUEST_EIO)
		*err = -EIO;
	else if (res == KVM_GUEST_STUCK)
		*err = -EAGAIN;
	else if (res == KVM_GUEST_ENTER_FAILED)
		*err = -EPERM;
	else if (res == KVM_GUEST_EXIT_MEMORY_FAULT)
		*err = -EFAULT;
	return res == KVM_GUEST_STATUS && tdx_status(*status) == TDX_SUCCESS;
}

int kvm_guest_accept_memory(struct kvm *kvm, int vcpu, gpa_t gpa, u64 size)
{
	gpa_t end = gpa + size;
	int err = 0;

	if (!guest_args_ok(kvm, vcpu, gpa) || (size & (PAGE_SIZE - 1)))
		return -EINVAL;
	while (gpa < end) {
		u64 status = 0;
		int level;

		for (level = kvm->cfg.max_level; level >= PG_LEVEL_4K; level--) {
			u64 sz = level_size(level);

			if ((gpa & (sz - 1)) || end - gpa < sz)
				continue;
			if (try_accept_one(kvm, vcpu, gpa, level, &status, &err))
				break;
			if (err)
				return err;
		}
		if (level < PG_LEVEL_4K) {
			/* Even 4K failed: only "already accepted" is fine. */
			if (tdx_status(status) != TDX_PAGE_ALREADY_ACCEPTED)
				return -EIO;
			level = PG_LEVEL_4K;
		}
		gpa += level_size(level);
	}
	return 0;
}
