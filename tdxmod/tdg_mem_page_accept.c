// SPDX-License-Identifier: GPL-2.0-only
/*
 * The guest side: TDG.MEM.PAGE.ACCEPT (walks without the tree lock, takes
 * only the entry lock) and guest loads/stores through the S-EPT.
 */
#include <stdio.h>

#include "tdpmmu/trace.h"
#include "tdxmod_internal.h"

#define EXIT_QUAL_READ BIT_ULL(0)
#define EXIT_QUAL_WRITE BIT_ULL(1)

static void accept_violation(gpa_t gpa, int req_level, const struct sept_walk *w,
			     struct tdx_ept_exit *exit)
{
	u64 info = (u64)(req_level & 7) | ((u64)(w->level & 7) << 3) |
		   ((u64)septe_state(w->entry) << 6) | ((u64)septe_leaf(w->entry) << 14);

	/* A write, with the entry's R/W/X in bits 5:3 as for any EPT violation. */
	exit->exit_qual = EXIT_QUAL_WRITE | ((sept_arch_entry(w->entry, false) & 7) << 3);
	exit->ext_exit_qual = TDX_EXT_EXIT_QUAL_TYPE_ACCEPT | (info << 32);
	exit->gpa = gpa & ~(PAGE_SIZE - 1);
}

static u64 tdg_mem_page_accept(struct tdxmod_td *td, int vcpu, u64 rcx, bool *exited,
			       struct tdx_ept_exit *exit)
{
	gpa_t gpa = page_info_gpa(rcx);
	int level = page_info_level(rcx);
	const struct sept_rule *r;
	struct sept_walk w;
	u64 injected, err;

	(void)vcpu;
	*exited = false;
	yield_point(YIELD_SEAMCALL, "TDG.MEM.PAGE.ACCEPT");
	stat_counter_inc(&td->calls[TDG_MEM_PAGE_ACCEPT]);
	if (fault_inject_should_fail(&td->inject[TDG_MEM_PAGE_ACCEPT], &injected))
		return injected;
	if (!tdxmod_page_info_valid(rcx, 0, 1) || !tdxmod_gpa_private_valid(gpa))
		return TDX_OPERAND_INVALID | TDX_OPERAND_ID_RCX;

	if (!sept_walk(td, gpa, level, &w)) {
		/* Stopped above the requested level; the status carries the level reached. */
		r = sept_rule(SEPT_OP_ACCEPT_ABOVE, septe_state(w.entry));
		if (r->verdict == SEPT_FAIL)
			return r->status | (u64)w.level;
		goto violation;
	}
	/* Busy and host-priority both reach the guest as OPERAND_BUSY. */
	if (sept_lock_acquire_guest(sept_walk_ptr(&w)))
		return TDX_OPERAND_BUSY | TDX_OPERAND_ID_RCX;
	/* The host may run a SEAMCALL while the guest holds the entry lock. */
	yield_point(YIELD_SEAMCALL, "TDG.MEM.PAGE.ACCEPT entry locked");
	w.entry = atomic_load_explicit(sept_walk_ptr(&w), memory_order_acquire);
	r = sept_rule(SEPT_OP_ACCEPT, septe_state(w.entry));
	if (r->verdict == SEPT_FAIL) {
		err = r->status | (u64)w.level;
		goto out_unlock;
	}
	if (r->verdict == SEPT_EXIT) {
		sept_lock_release(sept_walk_ptr(&w));
		goto violation;
	}
	/* Zeroing is not modelled; a 2M accept completes in one call. */
	sept_write_and_unlock(sept_walk_ptr(&w), septe_make(r->next, septe_pa(w.entry)));
	return TDX_SUCCESS;

out_unlock:
	sept_lock_release(sept_walk_ptr(&w));
	return err;
violation:
	accept_violation(gpa, level, &w, exit);
	*exited = true;
	return TDX_SUCCESS;
}

/* The TDCALL's one trace point (every call, as the leaf counter counts). */
u64 tdxmod_tdg_mem_page_accept(struct tdxmod_td *td, int vcpu, u64 rcx, bool *exited,
			       struct tdx_ept_exit *exit)
{
	u64 err = tdg_mem_page_accept(td, vcpu, rcx, exited, exit);
	char st[64];

	if (trace_enabled()) {
		if (*exited)
			snprintf(st, sizeof(st), "EXIT_EPT_VIOLATION");
		else
			tdx_status_format(err, st, sizeof(st));
		trace_tdx_tdcall("TDG.MEM.PAGE.ACCEPT", vcpu, page_info_gpa(rcx),
				 trace_level_name(page_info_level(rcx) + 1), st);
	}
	return err;
}

enum tdxmod_access tdxmod_guest_access(struct tdxmod_td *td, int vcpu, gpa_t gpa, bool write,
				       struct tdx_ept_exit *exit)
{
	struct tdxmod_vcpu *v = (vcpu >= 0 && vcpu < td->nr_vcpus) ? &td->vcpus[vcpu] : NULL;
	struct tlb_entry te;
	struct sept_walk w;

	/* A cached translation is used as long as it is cached: that is what tracking is for. */
	yield_point(YIELD_SEAMCALL, "guest access");
	if (v && tlb_lookup(v, gpa, &te))
		return TDX_ACCESS_OK;
	if (tdxmod_gpa_private_valid(gpa)) {
		sept_walk(td, gpa, 0, &w);
		if (septe_leaf(w.entry) && septe_state(w.entry) == TDX_SEPT_MAPPED) {
			if (v)
				tlb_insert(v, gpa, septe_pa(w.entry), w.level);
			return TDX_ACCESS_OK;
		}
		if (septe_leaf(w.entry) && septe_state(w.entry) == TDX_SEPT_PENDING)
			return TDX_ACCESS_VE;
	}
	if (exit) {
		exit->exit_qual = write ? EXIT_QUAL_WRITE : EXIT_QUAL_READ;
		exit->ext_exit_qual = 0;
		exit->gpa = gpa & ~(PAGE_SIZE - 1);
	}
	return TDX_ACCESS_EPT_VIOLATION;
}
