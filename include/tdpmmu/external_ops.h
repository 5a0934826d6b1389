/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The external page table hook table: the kvm_x86_ops subset through which
 * the TDP MMU propagates every change of a mirror SPTE.  The MMU calls
 * these; tdx/ implements them.  A VM without an external table has no
 * table (NULL) and no mirror root.
 *
 * Levels are KVM PG_LEVEL_*.  @opaque is what the implementer registered.
 * Return 0, or a negative errno:
 *   -EBUSY   map path only (link/set under the shared mmu_lock): the module
 *            was busy; the MMU restores the SPTE and the fault is retried.
 *   -ENOMEM  a page the operation needed could not be had.
 *   -EAGAIN  split/remove could not complete but nothing changed and the VM
 *            is intact (recoverable policies only).
 *   -ENOBUFS the implementer's page cache (topup_external_cache) is empty;
 *            nothing changed.  It never allocates under mmu_lock: the MMU
 *            drops out of the locked section, tops up and retries (the
 *            fault is retried; a split drops the lock and tries again).
 *   -EINTR   split only: the external table was interrupted too often with
 *            mmu_lock held (TDX: DEMOTE's INTERRUPTED_RESTARTABLE); nothing
 *            changed.  The MMU drops the lock and tries again, a bounded
 *            number of times, then fails the split with -EAGAIN.
 *   -EIO     the external table failed in a way the policy treats as fatal:
 *            the VM must be marked bugged by the caller.
 */
#ifndef TDPMMU_EXTERNAL_OPS_H
#define TDPMMU_EXTERNAL_OPS_H

#include "tdpmmu/types.h"

struct kvm_external_ops {
	/*
	 * Make the entry at @level covering @gfn a non-leaf pointing to the
	 * external page @external_spt (an HPA from the frame allocator).
	 * Shared mmu_lock.  TDX: TDH.MEM.SEPT.ADD.
	 */
	int (*link_external_spt)(void *opaque, gfn_t gfn, int level, hpa_t external_spt);
	/*
	 * Map @pfn at @level for @gfn.  Shared mmu_lock (or exclusive when the
	 * caller holds it).  TDX: PAGE.ADD before finalize, PAGE.AUG after.
	 */
	int (*set_external_spte)(void *opaque, gfn_t gfn, int level, kvm_pfn_t pfn);
	/*
	 * Remove the leaf at @level mapping @pfn.  Exclusive mmu_lock.
	 * TDX: BLOCK -> TRACK -> kick -> PAGE.REMOVE.
	 */
	int (*remove_external_spte)(void *opaque, gfn_t gfn, int level, kvm_pfn_t pfn);
	/*
	 * The non-leaf at @level (its child page @external_spt, now all free)
	 * is going away.  Exclusive mmu_lock.  TDX: BLOCK -> TRACK -> kick ->
	 * SEPT.REMOVE.  On success the page belongs to the caller again.
	 */
	int (*free_external_spt)(void *opaque, gfn_t gfn, int level, hpa_t external_spt);
	/*
	 * Split the leaf at @level (2M or 1G) covering @gfn, which maps @pfn
	 * (its first 4K frame), into a table of leaves one level down, using
	 * @external_spt as the new external page.  Exclusive mmu_lock.
	 * TDX: BLOCK -> TRACK -> kick -> DEMOTE.
	 */
	int (*split_external_spt)(void *opaque, gfn_t gfn, int level, kvm_pfn_t pfn,
				  hpa_t external_spt);
	/*
	 * Fill the implementer's caches (e.g. Dynamic PAMT page pairs) so that
	 * the next @nr_ops operations under mmu_lock need no allocation.
	 * Called without mmu_lock.  -ENOMEM on failure.
	 */
	int (*topup_external_cache)(void *opaque, int nr_ops);
	/*
	 * Optional (NULL: the implementer does not batch).  A batching
	 * remove_external_spte may only BLOCK the leaf and queue its removal;
	 * this completes every queued removal (TDX: one TRACK + kick, then
	 * the PAGE.REMOVEs).  The MMU calls it at the end of each operation
	 * that may have removed leaves, still holding mmu_lock for write and
	 * before guest pages can be freed.  The implementer flushes itself
	 * before any other hook that needs the queued entries gone.  0, or
	 * -EIO: the mirror entries are already gone, so the VM is bugged.
	 */
	int (*flush_external)(void *opaque);
};

#endif /* TDPMMU_EXTERNAL_OPS_H */
