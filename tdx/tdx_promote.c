// SPDX-License-Identifier: GPL-2.0-only
/*
 * promote_external_spt: merge the 512 children of an S-EPT non-leaf into
 * one leaf, BLOCK -> TRACK -> kick -> PAGE.PROMOTE (the module wants the
 * non-leaf NL_BLOCKED and tracked; PROMOTE leaves the new leaf unblocked).
 *
 * A promotion is an optimisation, so no status of it may cost the VM: the
 * module's refusal (a mix of accepted and pending children:
 * TDX_EPT_INVALID_PROMOTE_CONDITIONS), a BUSY that outlives the retry with
 * the vCPUs held out, a host interrupt that keeps coming back, or any
 * other failure after the BLOCK ends with UNBLOCK (the entry is tracked, so
 * UNBLOCK may run) and the children exactly as they were.  Whatever the
 * error policy: only an UNBLOCK that fails, or a TRACK that fails twice
 * (the blocked entry cannot be tracked, so cannot be unblocked), is -EIO.
 */
#include <errno.h>

#include "tdx_internal.h"

/*
 * INTERRUPTED_RESTARTABLE: nothing was committed.  DEMOTE must finish, so
 * it restarts without end; a promotion may give up and try another day.
 */
#define TDX_PROMOTE_MAX_RESTARTS 8

static int tdx_promote_unblock(struct kvm_tdx *kvm_tdx, gfn_t base, int level)
{
	struct tdx_module_args in = {.rcx = tdx_gpa_level(base, level)}, out;

	counter_inc(&kvm_tdx->promote_unblocks);
	if (tdh_do_no_vcpus(kvm_tdx, TDH_MEM_RANGE_UNBLOCK, &in, &out)) {
		counter_inc(&kvm_tdx->errors);
		return -EIO;
	}
	return 0;
}

/* DPAMT: PROMOTE handed back the pair a DEMOTE (or the 4K AUGs) installed. */
static void tdx_promote_pamt(struct kvm_tdx *kvm_tdx, kvm_pfn_t pfn, int level,
			     const struct tdx_module_args *out)
{
	hpa_t pair[2] = {out->r12, out->r13};

	if (!kvm_tdx->dpamt || level != PG_LEVEL_2M || !pair[0] || !pair[1])
		return;
	tdx_pamt_promoted(kvm_tdx, pfn_to_hpa(pfn) & ~(level_size(PG_LEVEL_2M) - 1), pair);
}

int tdx_sept_promote_private_spt(void *opaque, gfn_t gfn, int level, kvm_pfn_t pfn,
				 hpa_t external_spt)
{
	struct kvm_tdx *kvm_tdx = opaque;
	gfn_t base = gfn_round_for_level(gfn, level);
	struct tdx_module_args in = {.rcx = tdx_gpa_level(base, level)}, out;
	int restarts = 0;
	u64 err;
	int r;

	if (level != PG_LEVEL_2M && level != PG_LEVEL_1G)
		return -EPERM;
	/* Before FINALIZE there is nothing huge to make (PAGE.ADD is 4K). */
	if (!tdx_is_runnable(kvm_tdx))
		return -EPERM;

	/* track_batch: queued removals are finished before anything else. */
	r = tdx_flush_pending(kvm_tdx);
	if (r)
		return r;

	/* BLOCK failing changed nothing: not worth a bugged VM. */
	err = tdh_do_no_vcpus(kvm_tdx, TDH_MEM_RANGE_BLOCK, &in, &out);
	if (err) {
		counter_inc(&kvm_tdx->promote_failed);
		return -EAGAIN;
	}
	/*
	 * A blocked entry that is not tracked can be neither promoted nor
	 * unblocked: after a failed TRACK, make every vCPU leave the TD (a
	 * vCPU still in the previous epoch is what TRACK refuses for) and
	 * try once more before giving up on the VM.
	 */
	r = tdx_track(kvm_tdx);
	if (r) {
		tdx_kick_all(kvm_tdx, false);
		r = tdx_track(kvm_tdx);
	}
	if (r)
		return -EIO;
	counter_inc(&kvm_tdx->promote_rounds);

	for (;;) {
		err = tdh_do_no_vcpus(kvm_tdx, TDH_MEM_PAGE_PROMOTE, &in, &out);
		if (tdx_status(err) != TDX_INTERRUPTED_RESTARTABLE ||
		    ++restarts > TDX_PROMOTE_MAX_RESTARTS)
			break;
		counter_inc(&kvm_tdx->interrupted_retries);
	}
	if (likely(!err)) {
		/* RCX = the freed S-EPT page (| DPAMT removal hint). */
		if ((out.rcx & ~TDX_PAMT_REMOVAL_HINT) != external_spt)
			counter_inc(&kvm_tdx->errors);
		tdx_pamt_put(kvm_tdx, external_spt);
		tdx_promote_pamt(kvm_tdx, pfn, level, &out);
		return 0;
	}

	if (tdx_status(err) == TDX_EPT_INVALID_PROMOTE_CONDITIONS)
		counter_inc(&kvm_tdx->promote_refused);
	else
		counter_inc(&kvm_tdx->promote_failed);
	r = tdx_promote_unblock(kvm_tdx, base, level);
	if (r)
		return r;
	return tdx_status(err) == TDX_EPT_INVALID_PROMOTE_CONDITIONS ? -EPERM : -EAGAIN;
}
