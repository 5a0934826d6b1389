// SPDX-License-Identifier: GPL-2.0-only
/*
 * split_external_spt_shared: the fault path's split with mmu_lock held for
 * READ (vm split_lock=shared).  The steps are those of tdx_split.c, BLOCK
 * -> TRACK -> kick -> DEMOTE, with the same operands and DPAMT pages
 * (tdx_split_prep.c), but the single-retry guarantee of the exclusive
 * path is gone: other vCPUs' faults AUG and SEPT.ADD (tree lock shared)
 * and other splitters BLOCK and UNBLOCK (tree lock exclusive) at the same
 * time, and a vCPU hold (tdh_do_no_vcpus) cannot be nested.  So no vCPU
 * is ever held out here; a contention status is answered by
 * undoing what this call did and -EBUSY, the MMU puts the frozen mirror
 * leaf back and the vCPU retries its fault.
 *
 * Retry policy (docs/SPLIT-SHARED.md):
 *  - BLOCK: OPERAND_BUSY (any operand) -> -EBUSY at once, nothing changed.
 *  - TRACK: OPERAND_BUSY (TD_EPOCH: another TRACK, a VP.ENTER) or
 *    PREVIOUS_TLB_EPOCH_BUSY (vCPUs still in the epoch before, e.g. while
 *    another splitter's TRACK is not yet drained) -> kick, try again.  The
 *    entry is BLOCKED and only a tracked entry may be UNBLOCKed, so TRACK
 *    must succeed; both causes are transient and a kick clears the second.
 *  - DEMOTE: INTERRUPTED_RESTARTABLE -> restart in place a few times;
 *    OPERAND_BUSY -> try again a few times; then UNBLOCK and -EBUSY.
 *  - UNBLOCK (undo): OPERAND_BUSY -> try again (the entry is tracked, so
 *    only transient tree/entry-lock contention can refuse it).
 *  - Anything else goes to the error policy, as in the exclusive path.
 */
#include <errno.h>
#include <sched.h>

#include "tdx_internal.h"

/* DEMOTE attempts before giving the fault back (BUSY, or interrupted). */
#define TDX_SHARED_DEMOTE_TRIES 8
/* Bounds that only a broken model reaches; then the policy decides. */
#define TDX_SHARED_MUST_SUCCEED_TRIES 100000

static void tdx_shared_backoff(const char *where)
{
	/* Another thread holds what we need: let it run. */
	yield_point(YIELD_BLOCKED, where);
	sched_yield();
}

static bool tdx_track_contended(u64 err)
{
	return tdx_operand_busy(err) || tdx_status(err) == TDX_PREVIOUS_TLB_EPOCH_BUSY;
}

/* TRACK + kick until it succeeds; a kick drains the previous epoch. */
static int tdx_track_shared(struct kvm_tdx *kvm_tdx)
{
	struct tdx_sept_op op = {.leaf = TDH_MEM_TRACK};
	int tries = 0;
	u64 err;

	if (unlikely(!tdx_is_runnable(kvm_tdx)))
		return 0;
	if (tdpmmu_bug(TDPMMU_BUG_SKIP_TRACK))
		return 0;
	for (;;) {
		struct tdx_module_args args = {};

		err = tdx_seamcall(kvm_tdx, TDH_MEM_TRACK, &args);
		if (!err)
			break;
		if (!tdx_track_contended(err) || ++tries > TDX_SHARED_MUST_SUCCEED_TRIES)
			return tdx_handle_sept_error(kvm_tdx, &op, err);
		counter_inc(&kvm_tdx->shared_split_busy);
		tdx_kick_all(kvm_tdx, false);
		tdx_shared_backoff("TRACK busy");
	}
	counter_inc(&kvm_tdx->track_rounds);
	/*
	 * Every vCPU that entered in the epoch of our BLOCK leaves now.  A
	 * concurrent splitter's TRACK only moves the epoch further: an entry
	 * blocked in epoch N is tracked once the epoch is past N + 1, or at
	 * N + 1 with nobody left in N, whoever advanced it.
	 */
	if (!tdpmmu_bug(TDPMMU_BUG_SKIP_KICK_AFTER_TRACK))
		tdx_kick_all(kvm_tdx, false);
	return 0;
}

/* Undo our BLOCK (the entry is tracked).  -EBUSY, or the policy's answer. */
static int tdx_unblock_shared(struct kvm_tdx *kvm_tdx, gfn_t gfn, int level)
{
	int tries = 0;
	u64 err;

	for (;;) {
		struct tdx_module_args args = {.rcx = tdx_gpa_level(gfn, level)};

		err = tdx_seamcall(kvm_tdx, TDH_MEM_RANGE_UNBLOCK, &args);
		if (!err)
			return -EBUSY;
		if (!tdx_operand_busy(err) || ++tries > TDX_SHARED_MUST_SUCCEED_TRIES)
			break;
		tdx_shared_backoff("UNBLOCK busy");
	}
	/* Blocked for good: the policy decides (UPSTREAM bugs the VM). */
	counter_inc(&kvm_tdx->errors);
	return -EIO;
}

/*
 * DEMOTE failed with an unexpected status after BLOCK + TRACK.  The policy
 * decides as in tdx_error.c, but RECOVER's UNBLOCK must not hold vCPUs out
 * here (see above), so it is retried like any other contended UNBLOCK.
 */
static int tdx_demote_failed_shared(struct kvm_tdx *kvm_tdx, const struct tdx_sept_op *op, u64 err)
{
	int r;

	if (kvm_tdx->cfg.policy != TDX_POLICY_RECOVER)
		return tdx_handle_sept_error(kvm_tdx, op, err);
	counter_inc(&kvm_tdx->errors);
	r = tdx_unblock_shared(kvm_tdx, op->gfn, op->level);
	return r == -EBUSY ? -EAGAIN : r;
}

int tdx_sept_split_private_spt_shared(void *opaque, gfn_t gfn, int level, kvm_pfn_t pfn,
				      hpa_t external_spt)
{
	struct kvm_tdx *kvm_tdx = opaque;
	struct tdx_split s = tdx_split_operands(kvm_tdx, gfn, level, external_spt);
	struct tdx_sept_op op = {.leaf = TDH_MEM_RANGE_BLOCK, .gfn = s.base, .level = level};
	struct tdx_module_args out;
	int tries = 0;
	u64 err;
	int r;

	if (level != PG_LEVEL_2M && level != PG_LEVEL_1G)
		return tdx_handle_sept_error(kvm_tdx, &op, TDX_OPERAND_INVALID);
	/* Batched removals are only queued and flushed under the write lock. */
	BASE_ASSERT(!kvm_tdx->nr_batched);

	/* From the caches filled before mmu_lock (topup_external_cache). */
	r = tdx_split_get(kvm_tdx, &s);
	if (r)
		return r;

	/* BLOCK: tree lock exclusive; anyone else in the tree makes it BUSY. */
	out = s.in;
	err = tdx_seamcall(kvm_tdx, TDH_MEM_RANGE_BLOCK, &out);
	if (tdx_operand_busy(err)) {
		counter_inc(&kvm_tdx->shared_split_busy);
		r = -EBUSY;
		goto out_put;
	}
	if (unlikely(err)) {
		r = tdx_handle_sept_error(kvm_tdx, &op, err);
		goto out_put;
	}
	r = tdx_track_shared(kvm_tdx);
	if (r)
		goto out_put; /* TRACK failed for good: policy (-EIO) */
	op.blocked = true;
	op.leaf = TDH_MEM_PAGE_DEMOTE;

	for (;;) {
		out = s.in;
		err = tdx_seamcall(kvm_tdx, TDH_MEM_PAGE_DEMOTE, &out);
		if (!err)
			break;
		if (tdx_status(err) == TDX_INTERRUPTED_RESTARTABLE)
			counter_inc(&kvm_tdx->interrupted_retries);
		else if (tdx_operand_busy(err))
			counter_inc(&kvm_tdx->shared_split_busy);
		else
			break;
		if (++tries >= TDX_SHARED_DEMOTE_TRIES) {
			/* Give the fault back; the entry returns as it was. */
			r = tdx_unblock_shared(kvm_tdx, s.base, level);
			goto out_put;
		}
		if (tdx_operand_busy(err))
			tdx_shared_backoff("DEMOTE busy");
	}
	if (unlikely(err)) {
		r = tdx_demote_failed_shared(kvm_tdx, &op, err);
		goto out_put;
	}

	tdx_split_demoted(kvm_tdx, &s, pfn);
	return 0;

out_put:
	tdx_split_put(kvm_tdx, &s);
	return r;
}
