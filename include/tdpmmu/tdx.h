/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * tdx/: the KVM-side TDX glue (arch/x86/kvm/vmx/tdx.c's role).  Implements
 * the external page table hooks with SEAMCALLs into the module model, owns
 * the TD's lifecycle calls (create, PAGE.ADD, finalize, teardown), the
 * BLOCK/TRACK/kick/retry protocol, the Dynamic PAMT page cache and the
 * error policy.  The kick is provided by the layer above (vm/) through
 * struct tdx_kick_ops.
 */
#ifndef TDPMMU_TDX_H
#define TDPMMU_TDX_H

#include "tdpmmu/base.h"
#include "tdpmmu/external_ops.h"
#include "tdpmmu/tdxmod.h"

/*
 * What to do when the external table fails unexpectedly.  UPSTREAM is
 * today's KVM: any unexpected SEAMCALL error marks the VM bugged.  The one
 * place that decides is tdx_sept_error_policy() (tdx/tdx_error.c).
 */
enum tdx_error_policy {
	TDX_POLICY_UPSTREAM,
	TDX_POLICY_RECOVER,
};

/* Requests to the VM layer (kvm_make_all_cpus_request's role). */
struct tdx_kick_ops {
	/*
	 * Every vCPU in the TD leaves it (TD exit, epoch bookkeeping) before
	 * this returns.  With @hold, vCPUs stay out until release_all();
	 * without, they may re-enter at once (KVM_REQ_OUTSIDE_GUEST_MODE).
	 */
	void (*kick_all)(void *vm, bool hold);
	void (*release_all)(void *vm);
};

struct kvm_tdx_config {
	struct tdxmod_config module;
	enum tdx_error_policy policy;
	/*
	 * Beyond upstream: removals BLOCK and queue; flush_external does one
	 * TRACK + kick for the whole MMU operation, then the PAGE.REMOVEs.
	 */
	bool track_batch;
};

struct kvm_tdx;

/* Creates the module model and the TD (TDR, root S-EPT page from @fa). */
struct kvm_tdx *tdx_vm_create(const struct kvm_tdx_config *cfg, struct frame_allocator *fa,
			      const struct tdx_kick_ops *kick, void *vm);
/* Tears the TD down; every frame the glue or the module held is freed. */
void tdx_vm_destroy(struct kvm_tdx *kvm_tdx);

/* The hook table; pass kvm_tdx as opaque. */
const struct kvm_external_ops *tdx_external_ops(void);

/* TDH.MR.FINALIZE.  Returns the module status. */
u64 tdx_td_finalize(struct kvm_tdx *kvm_tdx);
bool tdx_td_is_runnable(struct kvm_tdx *kvm_tdx);

/*
 * The module model and the TD under the glue: for vm/'s guest model, whose
 * TDCALLs go straight to the module as a real guest's do (not through the
 * host; docs/ARCHITECTURE.md, "the guest -> module edge"), and for
 * inspection (tdpmmu/vm_inspect.h).  Host-side questions (is a vCPU in the
 * TD, how many calls) go through the glue's functions instead.
 */
struct tdxmod_td *tdx_td(struct kvm_tdx *kvm_tdx);
struct tdxmod *tdx_module(struct kvm_tdx *kvm_tdx);

/*
 * DPAMT: make sure the 2M region of the 4K page @hpa has a PAMT page pair
 * (tdx_pamt_get: PAMT.ADD on 0->1), or drop a reference (tdx_pamt_put:
 * PAMT.REMOVE on 1->0).  No-ops without DPAMT.
 */
int tdx_pamt_get(struct kvm_tdx *kvm_tdx, hpa_t hpa);
void tdx_pamt_put(struct kvm_tdx *kvm_tdx, hpa_t hpa);

/* vCPU entry/exit through the module (TDH.VP.ENTER, TD exit). */
u64 tdx_vcpu_enter(struct kvm_tdx *kvm_tdx, int vcpu);
void tdx_vcpu_exit(struct kvm_tdx *kvm_tdx, int vcpu);

/* Whether @vcpu is inside the TD now (the module's view). */
bool tdx_vcpu_in_td(struct kvm_tdx *kvm_tdx, int vcpu);

/*
 * Raw module access for conformance scenarios, bypassing the MMU: the
 * SEAMCALL @leaf with the pages it needs taken from the frame allocator (R8
 * page, DPAMT pair, and, with DPAMT, the PAMT pair of the 2M region of a 4K
 * page handed to the TD, as tdx_pamt_get does).  @tdx_level is RCX[2:0].
 * Returns the status; *ext1 and *ext2 get RCX/RDX out (may be NULL).  Pages
 * the module did not keep are freed again; those it kept, when it gives
 * them back or at tdx_vm_destroy().
 */
u64 tdx_raw_seamcall(struct kvm_tdx *kvm_tdx, enum tdxmod_leaf leaf, gpa_t gpa, int tdx_level,
		     u64 flags, u64 *ext1, u64 *ext2);
/* Bytes of the pages raw SEAMCALLs handed to the module and it still holds. */
u64 tdx_raw_bytes(struct kvm_tdx *kvm_tdx);
/* TDG.MEM.PAGE.ACCEPT as the guest on @vcpu issues it, with no exit handling. */
u64 tdx_raw_tdcall_accept(struct kvm_tdx *kvm_tdx, int vcpu, gpa_t gpa, int tdx_level, bool *exited,
			  struct tdx_ept_exit *exit);
/* Fault injection: tdxmod_inject() on this TD. */
int tdx_inject_leaf(struct kvm_tdx *kvm_tdx, enum tdxmod_leaf leaf, u64 status, u64 count,
		    u64 after);

struct tdx_stats {
	u64 track_rounds; /* successful TDH.MEM.TRACK */
	u64 kicks; /* kick_all requests */
	u64 busy_retries; /* OPERAND_BUSY retried: after a kick, or the fault again */
	u64 interrupted_retries; /* DEMOTE/PROMOTE INTERRUPTED_RESTARTABLE retries */
	u64 interrupted_drops; /* DEMOTE restarted too often: UNBLOCK, -EINTR, lock dropped */
	u64 errors; /* unexpected statuses handled by the policy */
	u64 promote_refused; /* PROMOTE: TDX_EPT_INVALID_PROMOTE_CONDITIONS */
	u64 promote_failed; /* PROMOTE (or its BLOCK) refused otherwise */
	u64 promote_unblocks; /* UNBLOCKs undoing a refused PROMOTE's BLOCK */
	u64 promote_rounds; /* TRACK + kick rounds paid by promotions */
	u64 pamt_pairs; /* DPAMT: PAMT_4K page pairs (8 KiB each) installed now */
	u64 shared_split_busy; /* contention statuses met by shared-lock splits */
	u64 pamt_cache_empty; /* locked sections that found the DPAMT cache empty (retried) */
};
void tdx_get_stats(struct kvm_tdx *kvm_tdx, struct tdx_stats *st);
/* SEAMCALLs (and TDCALLs) of @leaf the module has counted for this TD. */
u64 tdx_leaf_calls(struct kvm_tdx *kvm_tdx, enum tdxmod_leaf leaf);

/* A SEAMCALL's failure as the error policy saw it. */
struct tdx_error_info {
	enum tdxmod_leaf leaf;
	u64 status;
	gfn_t gfn;
	int level; /* PG level */
};
/*
 * The first error the policy could not recover from (the hook returned
 * -EIO, so the MMU bugs the VM): true and *info, or false if none.
 */
bool tdx_get_fatal_error(struct kvm_tdx *kvm_tdx, struct tdx_error_info *info);

/* Status of the glue's last SEAMCALL (any thread), e.g. for INIT_MEM_REGION. */
u64 tdx_last_status(struct kvm_tdx *kvm_tdx);
/*
 * Fill the DPAMT page cache outside mmu_lock (topup_external_cache's
 * work): the running vCPU's (see tdx_vcpu_load), else the VM's.
 */
int tdx_topup_pamt_cache(struct kvm_tdx *kvm_tdx, int nr_ops);
/*
 * The calling thread runs vCPU @vcpu of @kvm_tdx until tdx_vcpu_put()
 * (kvm_get_running_vcpu()'s role): its faults use that vCPU's DPAMT
 * cache.  Returns what was running before, for tdx_vcpu_put().
 */
struct tdx_running_vcpu {
	struct kvm_tdx *kvm_tdx;
	int vcpu; /* -1: none */
};
struct tdx_running_vcpu tdx_vcpu_load(struct kvm_tdx *kvm_tdx, int vcpu);
void tdx_vcpu_put(struct tdx_running_vcpu prev);
/* Pages in vCPU @vcpu's DPAMT cache (-1: the VM's), for tests and reports. */
u64 tdx_pamt_cached_pages(struct kvm_tdx *kvm_tdx, int vcpu);

#endif /* TDPMMU_TDX_H */
