/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The invariant checker behind `check` and stress's quiescent checks: the
 * module's own invariants (tdxmod_check) plus the cross-layer ones, read
 * through the public headers only.  Call it when no operation is in
 * flight (vCPUs idle, no host flow running).
 *
 * Each violation message starts with its rule:
 *  [lock]               mmu_lock or a PAMT entry lock left held
 *  [module]             tdxmod_check: S-EPT vs PAMT (type, owner, level),
 *                       child counts, module locks, HPA mapped twice, DPAMT
 *  [mirror-sept-level]  a mirror entry where the S-EPT has a leaf above it
 *  [mirror-sept-state]  mirror non-leaf <-> NL_MAPPED; mirror leaf <->
 *                       MAPPED or PENDING (never blocked or free at rest)
 *  [mirror-sept-pfn]    mirror leaf PFN != S-EPT leaf HPA
 *  [sept-orphan]        a non-FREE S-EPT entry the mirror lacks (or with the
 *                       other leaf/non-leaf kind)
 *  [pamt]               a mirror leaf's frame is not PT_REG, owned by the
 *                       TD, at the mapping's level
 *  [gmem-pfn]           a leaf's PFN is not the frame guest_memfd (mirror)
 *                       or the shared backing (direct) holds for the GFN now
 *                       (stale PFN)
 *  [folio-level]        a leaf larger than the folio behind it
 *  [double-map]         a frame mapped at two GPAs (either root)
 *  [private-attr]       a mirror leaf covering a shared GFN
 *  [shared-attr]        a direct leaf covering a private GFN
 *  [stale-translation]  a vCPU (in the TD, or outside it in the current
 *                       epoch, i.e. no flush on re-entry) caches a
 *                       translation that is not a MAPPED S-EPT leaf with
 *                       the same GPA, level and HPA
 *  [shared-tlb]         a vCPU caches a shared translation (GFN -> PFN)
 *                       that the direct root no longer gives (a direct-root
 *                       zap without kvm_flush_remote_tlbs)
 *  [pt-accounting]      MMU page-table / external page / leaf counters
 *                       differ from what the tables hold
 *  [gmem-accounting]    guest_memfd's byte count differs from its folios
 *  [frame-balance]      frame-allocator bytes in use != frames the layers
 *                       hold (>= only with Dynamic PAMT)
 * On a bugged VM only [lock] and [module] are checked.
 */
#ifndef TDPMMU_TOOLS_CHECKER_H
#define TDPMMU_TOOLS_CHECKER_H

struct kvm;

/* Reports each violation through @report; returns the number of violations. */
int tdpmmu_check(struct kvm *kvm, void (*report)(void *, const char *), void *arg);

#endif /* TDPMMU_TOOLS_CHECKER_H */
