/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The layers under a struct kvm, for inspection: the invariant checker
 * (tools/checker.c), stress's fault injection, the scenario runner's
 * `expect sept`, the fuzzers and tests read the module's S-EPT and PAMT, the
 * MMU's tables and the frame allocator through these.  Not part of the
 * driving API (tdpmmu/vm.h): a program that runs a TD needs none of them,
 * and nothing may change a layer's state through them that the layer's own
 * API would not.
 */
#ifndef TDPMMU_VM_INSPECT_H
#define TDPMMU_VM_INSPECT_H

#include "tdpmmu/vm.h"

struct kvm_mmu;

struct tdxmod_td *kvm_tdx_td(struct kvm *kvm);
struct tdxmod *kvm_tdx_module(struct kvm *kvm);
struct frame_allocator *kvm_frame_allocator(struct kvm *kvm);
struct kvm_mmu *kvm_get_mmu(struct kvm *kvm);

#endif /* TDPMMU_VM_INSPECT_H */
