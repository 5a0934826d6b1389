// SPDX-License-Identifier: GPL-2.0-only
/*
 * The external page table hooks that build and tear down the S-EPT:
 * link (SEPT.ADD), set (PAGE.ADD at build time, PAGE.AUG after), remove
 * (BLOCK -> TRACK -> kick -> PAGE.REMOVE) and free (BLOCK -> TRACK ->
 * kick -> SEPT.REMOVE).  Map hooks run under the shared mmu_lock and turn
 * OPERAND_BUSY into -EBUSY so the fault is retried; removal hooks run under
 * the exclusive lock and retry once after forcing the vCPUs out.
 */
#include <errno.h>
#include <stdlib.h>

#include "tdx_internal.h"

int tdx_sept_link_private_spt(void *opaque, gfn_t gfn, int level, hpa_t external_spt)
{
	struct kvm_tdx *kvm_tdx = opaque;
	gfn_t base = gfn_round_for_level(gfn, level);
	struct tdx_module_args args = {.rcx = tdx_gpa_level(base, level), .r8 = external_spt};
	struct tdx_sept_op op = {.leaf = TDH_MEM_SEPT_ADD, .gfn = base, .level = level};
	u64 err;
	int r;

	/* track_batch: the MMU flushed at the end of its last removal; be sure. */
	r = tdx_flush_pending(kvm_tdx);
	if (r)
		return r;

	/* DPAMT: the new S-EPT page's 2M region needs its PAMT_4K pair first. */
	r = tdx_pamt_get(kvm_tdx, external_spt);
	if (r)
		return r;

	err = tdx_seamcall(kvm_tdx, TDH_MEM_SEPT_ADD, &args);
	if (likely(!err))
		return 0;
	tdx_pamt_put(kvm_tdx, external_spt);
	if (tdx_operand_busy(err)) {
		/* The fault is retried: that is a BUSY retry too. */
		counter_inc(&kvm_tdx->busy_retries);
		return -EBUSY;
	}
	return tdx_handle_sept_error(kvm_tdx, &op, err);
}

int tdx_sept_set_private_spte(void *opaque, gfn_t gfn, int level, kvm_pfn_t pfn)
{
	struct kvm_tdx *kvm_tdx = opaque;
	gfn_t base = gfn_round_for_level(gfn, level);
	hpa_t hpa = pfn_to_hpa(pfn);
	struct tdx_module_args args = {.rcx = tdx_gpa_level(base, level), .r8 = hpa};
	struct tdx_sept_op op = {.gfn = base, .level = level};
	enum tdxmod_leaf leaf;
	u64 err;
	int r;

	r = tdx_flush_pending(kvm_tdx);
	if (r)
		return r;

	if (tdx_is_runnable(kvm_tdx)) {
		leaf = TDH_MEM_PAGE_AUG;
	} else {
		/* KVM_TDX_INIT_MEM_REGION: PAGE.ADD, which is 4K only. */
		leaf = TDH_MEM_PAGE_ADD;
		args.r9 = hpa; /* the source image; the model does not copy data */
		if (level != PG_LEVEL_4K) {
			op.leaf = leaf;
			return tdx_handle_sept_error(kvm_tdx, &op, TDX_OPERAND_INVALID);
		}
	}
	op.leaf = leaf;

	/* A 2M page needs no PAMT_4K pair; a 4K page needs its region's. */
	if (level == PG_LEVEL_4K) {
		r = tdx_pamt_get(kvm_tdx, hpa);
		if (r)
			return r;
	}

	err = tdx_seamcall(kvm_tdx, leaf, &args);
	if (likely(!err))
		return 0;
	if (level == PG_LEVEL_4K)
		tdx_pamt_put(kvm_tdx, hpa);
	if (tdx_operand_busy(err)) {
		counter_inc(&kvm_tdx->busy_retries);
		return -EBUSY;
	}
	return tdx_handle_sept_error(kvm_tdx, &op, err);
}

int tdx_sept_remove_private_spte(void *opaque, gfn_t gfn, int level, kvm_pfn_t pfn)
{
	struct kvm_tdx *kvm_tdx = opaque;
	gfn_t base = gfn_round_for_level(gfn, level);
	struct tdx_module_args in = {.rcx = tdx_gpa_level(base, level)}, out;
	struct tdx_sept_op op = {.leaf = TDH_MEM_PAGE_REMOVE, .gfn = base, .level = level};
	u64 err;
	int r;

	/*
	 * track_batch: BLOCK now (the guest loses the page at once), TRACK
	 * and REMOVE in the MMU's flush_external.  Without room in the queue,
	 * remove it now as upstream does.
	 */
	if (kvm_tdx->cfg.track_batch && tdx_batch_reserve(kvm_tdx)) {
		r = tdx_block(kvm_tdx, base, level);
		if (r)
			return r;
		tdx_batch_queue(kvm_tdx, base, level, pfn);
		return 0;
	}

	r = tdx_block_and_track(kvm_tdx, base, level);
	if (r)
		return r;
	op.blocked = true;

	err = tdh_do_no_vcpus(kvm_tdx, TDH_MEM_PAGE_REMOVE, &in, &out);
	if (unlikely(err))
		return tdx_handle_sept_error(kvm_tdx, &op, err);

	/*
	 * The page is the host's again (KVM would WBINVD and clear it here).
	 * Its region's PAMT_4K reference goes only for 4K pages.
	 */
	if (level == PG_LEVEL_4K)
		tdx_pamt_put(kvm_tdx, pfn_to_hpa(pfn));
	return 0;
}

static int __tdx_sept_free_private_spt(void *opaque, gfn_t gfn, int level, hpa_t external_spt)
{
	struct kvm_tdx *kvm_tdx = opaque;
	gfn_t base = gfn_round_for_level(gfn, level);
	struct tdx_module_args in = {.rcx = tdx_gpa_level(base, level)}, out;
	struct tdx_sept_op op = {.leaf = TDH_MEM_SEPT_REMOVE, .gfn = base, .level = level};
	u64 err;
	int r;

	/* SEPT.REMOVE needs every child FREE: finish the queued removals. */
	r = tdx_flush_pending(kvm_tdx);
	if (r)
		return r;

	r = tdx_block_and_track(kvm_tdx, base, level);
	if (r)
		return r;
	op.blocked = true;

	err = tdh_do_no_vcpus(kvm_tdx, TDH_MEM_SEPT_REMOVE, &in, &out);
	if (unlikely(err))
		return tdx_handle_sept_error(kvm_tdx, &op, err);

	tdx_pamt_put(kvm_tdx, external_spt);
	return 0;
}

/* Any failure leaves the page to the glue: the MMU forgets it (leaks it). */
int tdx_sept_free_private_spt(void *opaque, gfn_t gfn, int level, hpa_t external_spt)
{
	struct kvm_tdx *kvm_tdx = opaque;
	int r = __tdx_sept_free_private_spt(opaque, gfn, level, external_spt);

	if (r) {
		if (kvm_tdx->nr_stuck_spt == kvm_tdx->cap_stuck_spt) {
			size_t cap = kvm_tdx->cap_stuck_spt ? 2 * kvm_tdx->cap_stuck_spt : 16;
			hpa_t *p = realloc(kvm_tdx->stuck_spt, cap * sizeof(*p));

			if (!p)
				return r; /* truly leaked */
			kvm_tdx->stuck_spt = p;
			kvm_tdx->cap_stuck_spt = cap;
		}
		kvm_tdx->stuck_spt[kvm_tdx->nr_stuck_spt++] = external_spt;
	}
	return r;
}
