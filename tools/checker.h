/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The invariant checker behind `check`: the module's own invariants
 * (tdxmod_check) plus the cross-layer ones (mirror == S-EPT, no stale
 * translation in a vCPU inside the TD, mmu_lock released), read through
 * the public headers only.  Call it when no operation is in flight.
 */
#ifndef TDPMMU_TOOLS_CHECKER_H
#define TDPMMU_TOOLS_CHECKER_H

struct kvm;

/* Reports each violation through @report; returns the number of violations. */
int tdpmmu_check(struct kvm *kvm, void (*report)(void *, const char *), void *arg);

#endif /* TDPMMU_TOOLS_CHECKER_H */
