// SPDX-License-Identifier: GPL-2.0-only
/*
 * split_external_spt: demote a huge S-EPT leaf to a table of leaves one
 * level down, BLOCK -> TRACK -> kick -> DEMOTE (no UNBLOCK after success:
 * DEMOTE leaves the parent NL_MAPPED).  The operands and the DPAMT pages
 * are set up and settled as in the shared-lock split (tdx_split_prep.c).
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
	struct tdx_split s = tdx_split_operands(kvm_tdx, gfn, level, external_spt);
	struct tdx_sept_op op = {.leaf = TDH_MEM_PAGE_DEMOTE, .gfn = s.base, .level = level};
	struct tdx_module_args out;
	int restarts = 0;
	u64 err;
	int r;

	if (level != PG_LEVEL_2M && level != PG_LEVEL_1G)
		return tdx_handle_sept_error(kvm_tdx, &op, TDX_OPERAND_INVALID);

	/* track_batch: queued removals are finished before anything else. */
	r = tdx_flush_pending(kvm_tdx);
	if (r)
		return r;

	r = tdx_split_get(kvm_tdx, &s);
	if (r)
		return r;

	r = tdx_block_and_track(kvm_tdx, s.base, level);
	if (r)
		goto out_put;
	op.blocked = true;

	for (;;) {
		err = tdh_do_no_vcpus(kvm_tdx, TDH_MEM_PAGE_DEMOTE, &s.in, &out);
		if (tdx_status(err) != TDX_INTERRUPTED_RESTARTABLE)
			break;
		if (++restarts > TDX_DEMOTE_MAX_RESTARTS) {
			struct tdx_module_args ub = {.rcx = s.in.rcx}, ub_out;

			/* Back as it was, so the lock can be dropped. */
			err = tdh_do_no_vcpus(kvm_tdx, TDH_MEM_RANGE_UNBLOCK, &ub, &ub_out);
			if (err) {
				/* The tables cannot be trusted any more, whatever the policy. */
				counter_inc(&kvm_tdx->errors);
				r = -EIO;
				goto out_put;
			}
			counter_inc(&kvm_tdx->interrupted_drops);
			r = -EINTR;
			goto out_put;
		}
		counter_inc(&kvm_tdx->interrupted_retries);
	}
	if (unlikely(err)) {
		r = tdx_handle_sept_error(kvm_tdx, &op, err);
		goto out_put;
	}

	tdx_split_demoted(kvm_tdx, &s, pfn);
	return 0;

out_put:
	tdx_split_put(kvm_tdx, &s);
	return r;
}
