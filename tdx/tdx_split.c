// SPDX-License-Identifier: GPL-2.0-only
/*
 * split_external_spt: demote a huge S-EPT leaf to a table of leaves one
 * level down, BLOCK -> TRACK -> kick -> DEMOTE (no UNBLOCK after success:
 * DEMOTE leaves the parent NL_MAPPED).  Everything it needs is taken
 * before the BLOCK, so a shortage leaves the S-EPT untouched.
 */
#include <errno.h>

#include "tdx_internal.h"

/*
 * Modules without ENHANCED_DEMOTE_INTERRUPTIBILITY may report a pending host
 * interrupt; nothing was committed, so run it again, but only a few times
 * with mmu_lock held for write: then UNBLOCK (the entry is as before) and
 * return -EINTR, and the MMU drops the lock and tries the split again
 * (bounded there too).  Huge pages stay allowed on such modules (the
 * scenario contract's demote_interruptible=on), unlike v3 of the series,
 * which refuses them.
 */
#define TDX_DEMOTE_MAX_RESTARTS 16

int tdx_sept_split_private_spt(void *opaque, gfn_t gfn, int level, kvm_pfn_t pfn,
			       hpa_t external_spt)
{
	struct kvm_tdx *kvm_tdx = opaque;
	gfn_t base = gfn_round_for_level(gfn, level);
	struct tdx_module_args in = {.rcx = tdx_gpa_level(base, level), .r8 = external_spt}, out;
	struct tdx_sept_op op = {.leaf = TDH_MEM_PAGE_DEMOTE, .gfn = base, .level = level};
	bool dpamt_pair = kvm_tdx->dpamt && level == PG_LEVEL_2M;
	hpa_t pair[2] = {};
	int restarts = 0;
	u64 err;
	int r;

	if (level != PG_LEVEL_2M && level != PG_LEVEL_1G)
		return tdx_handle_sept_error(kvm_tdx, &op, TDX_OPERAND_INVALID);

	/* track_batch: queued removals are finished before anything else. */
	r = tdx_flush_pending(kvm_tdx);
	if (r)
		return r;

	/* DPAMT: R8's own region needs a pair; the demoted 2M range gets one in R12/R13. */
	r = tdx_pamt_get(kvm_tdx, external_spt);
	if (r)
		return r;
	if (dpamt_pair) {
		r = tdx_pamt_pair_get(kvm_tdx, pair);
		if (r)
			goto out_put_spt;
		in.r12 = pair[0];
		in.r13 = pair[1];
	}

	r = tdx_block_and_track(kvm_tdx, base, level);
	if (r)
		goto out_put_pair;
	op.blocked = true;

	for (;;) {
		err = tdh_do_no_vcpus(kvm_tdx, TDH_MEM_PAGE_DEMOTE, &in, &out);
		if (tdx_status(err) != TDX_INTERRUPTED_RESTARTABLE)
			break;
		if (++restarts > TDX_DEMOTE_MAX_RESTARTS) {
			struct tdx_module_args ub = {.rcx = in.rcx}, ub_out;

			/* Back as it was, so the lock can be dropped. */
			err = tdh_do_no_vcpus(kvm_tdx, TDH_MEM_RANGE_UNBLOCK, &ub, &ub_out);
			if (err) {
				/* The tables cannot be trusted any more, whatever the policy. */
				counter_inc(&kvm_tdx->errors);
				r = -EIO;
				goto out_put_pair;
			}
			counter_inc(&kvm_tdx->interrupted_drops);
			r = -EINTR;
			goto out_put_pair;
		}
		counter_inc(&kvm_tdx->interrupted_retries);
	}
	if (unlikely(err)) {
		r = tdx_handle_sept_error(kvm_tdx, &op, err);
		goto out_put_pair;
	}

	/* The demoted range now has 512 PAMT_4K users (KVM's per-2M refcount). */
	if (dpamt_pair)
		tdx_pamt_demoted(kvm_tdx, pfn_to_hpa(pfn) & ~(level_size(PG_LEVEL_2M) - 1), pair);
	return 0;

out_put_pair:
	if (dpamt_pair)
		tdx_pamt_pair_put(kvm_tdx, pair);
out_put_spt:
	tdx_pamt_put(kvm_tdx, external_spt);
	return r;
}
