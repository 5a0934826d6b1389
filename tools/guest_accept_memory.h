/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The guest's accept_memory() over a range, as a Linux TDX guest does it
 * (arch/x86/coco/tdx: largest size that fits first, fall back to smaller
 * sizes), on one vCPU or split among all vCPUs running at the same time.
 * Used by the scenario command `accept_memory` (docs/SCENARIOS.md).
 */
#ifndef TDPMMU_TOOLS_GUEST_ACCEPT_MEMORY_H
#define TDPMMU_TOOLS_GUEST_ACCEPT_MEMORY_H

#include "tdpmmu/vm.h"

/*
 * Accept [gpa, gpa+size) on @vcpu.  Returns KVM_GUEST_STATUS with *status
 * TDX_SUCCESS when every page is accepted, else the first failure: a 4K
 * accept's failing status (KVM_GUEST_STATUS), KVM_GUEST_EIO or
 * KVM_GUEST_EXIT_MEMORY_FAULT.  A 4K page already accepted is not a failure
 * (as kvm_guest_accept_memory).
 */
enum kvm_guest_result guest_accept_memory(struct kvm *kvm, int vcpu, gpa_t gpa, u64 size,
					  u64 *status);

/*
 * The same with the range cut into one contiguous, 2M-aligned piece per
 * vCPU, each accepted by its vCPU from its own thread, all at once.  The
 * result is the failure of the lowest-numbered vCPU that failed, if any.
 */
enum kvm_guest_result guest_accept_memory_parallel(struct kvm *kvm, gpa_t gpa, u64 size,
						   u64 *status);

#endif
