// SPDX-License-Identifier: GPL-2.0-only
/*
 * TDH.VP.ENTER / TD exit bookkeeping for TLB tracking: entry takes the
 * current epoch's reference and flushes the vCPU's TLB model (vcpu_tlb.c)
 * when the epoch moved since its last entry.
 */
#include <stdlib.h>

#include "tdpmmu/trace.h"
#include "tdxmod_internal.h"

static u64 tdh_vp_enter(struct tdxmod_td *td, int vcpu)
{
	struct tdxmod_vcpu *v;
	u64 injected, epoch;

	yield_point(YIELD_SEAMCALL, "TDH.VP.ENTER");
	stat_counter_inc(&td->calls[TDH_VP_ENTER]);
	if (fault_inject_should_fail(&td->inject[TDH_VP_ENTER], &injected))
		return injected;
	if (vcpu < 0 || vcpu >= td->nr_vcpus)
		return TDX_OPERAND_INVALID | TDX_OPERAND_ID_RCX;
	/* A TD runs only once its measurement is finalized. */
	if (atomic_load(&td->op_state) != TDX_OP_STATE_RUNNABLE)
		return TDX_OP_STATE_INCORRECT;
	v = &td->vcpus[vcpu];
	if (atomic_load(&v->in_td))
		return TDX_SUCCESS;
	if (!sharex_try_sh(&td->epoch_lock))
		return TDX_OPERAND_BUSY | TDX_OPERAND_ID_TD_EPOCH;
	epoch = atomic_load(&td->td_epoch);
	atomic_store(&v->vcpu_epoch, epoch);
	atomic_fetch_add(&td->refcount[epoch & 1], 1);
	atomic_store(&v->in_td, true);
	sharex_release(&td->epoch_lock, false);
	if (epoch != v->last_epoch) {
		tlb_flush_vcpu(v);
		v->last_epoch = epoch;
	}
	return TDX_SUCCESS;
}

/* The SEAMCALL's one trace point (every call, as the leaf counter counts). */
u64 tdxmod_vp_enter(struct tdxmod_td *td, int vcpu)
{
	u64 err = tdh_vp_enter(td, vcpu);
	char st[64];

	if (trace_enabled())
		trace_tdx_vp_enter(vcpu, tdx_status_format(err, st, sizeof(st)));
	return err;
}

void tdxmod_vp_exit(struct tdxmod_td *td, int vcpu)
{
	struct tdxmod_vcpu *v;

	if (vcpu < 0 || vcpu >= td->nr_vcpus)
		return;
	v = &td->vcpus[vcpu];
	if (!atomic_exchange(&v->in_td, false))
		return;
	atomic_fetch_sub(&td->refcount[atomic_load(&v->vcpu_epoch) & 1], 1);
}

bool tdxmod_vcpu_in_td(struct tdxmod_td *td, int vcpu)
{
	if (vcpu < 0 || vcpu >= td->nr_vcpus)
		return false;
	return atomic_load(&td->vcpus[vcpu].in_td);
}

u64 tdxmod_vcpu_tlb_epoch(struct tdxmod_td *td, int vcpu)
{
	if (vcpu < 0 || vcpu >= td->nr_vcpus)
		return 0;
	return td->vcpus[vcpu].last_epoch;
}
