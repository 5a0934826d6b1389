/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vm/: the TD as user space and the guest see it.  A struct kvm owns the
 * frame allocator, the TDX glue (and through it the module model), the MMU,
 * guest_memfd, memory attributes, one private memslot [0, mem), and the
 * vCPU threads.  This is the API the scenario runner, stress, explore and
 * bench drive.  Every entry point is safe to call from any thread unless
 * said otherwise; a bugged VM makes every MMU-level call fail with EIO
 * (KVM_BUG_ON's contained effect) and never aborts the process.
 */
#ifndef TDPMMU_VM_H
#define TDPMMU_VM_H

#include "tdpmmu/base.h"
#include "tdpmmu/tdx.h"
#include "tdpmmu/tdxmod.h"

struct kvm_config {
	u64 mem; /* bytes, multiple of 4K */
	int nr_vcpus; /* >= 1 */
	int max_level; /* PG_LEVEL_4K/2M/1G: mapping and folio limit */
	enum tdx_module_version module;
	bool dpamt;
	bool demote_interruptible;
	u64 seed;
	enum tdx_error_policy policy;
	bool track_batch; /* batch TRACK rounds per MMU operation (off) */
	bool vcpu_threads; /* run each vCPU as a thread (default true) */
};
void kvm_config_default(struct kvm_config *cfg);

struct kvm;

/* 0 or -errno; *kvmp set on success.  The TD is in op state INITIALIZED. */
int kvm_create(const struct kvm_config *cfg, struct kvm **kvmp);
/* Destroy: zap everything, tear the TD down, free every frame and page. */
void kvm_destroy(struct kvm *kvm);
const struct kvm_config *kvm_get_config(struct kvm *kvm);
/* Host frame bytes still allocated when this thread's last kvm_destroy() ended. */
u64 kvm_destroy_leaked_bytes(void);

/* ---- TD build (KVM_TDX_INIT_MEM_REGION / KVM_TDX_FINALIZE_VM) ---- */

/*
 * PAGE.ADD of [gpa, gpa+size), 4K at a time, through the MMU (mirror fault-in
 * at 4K, then set_external_spte -> PAGE.ADD).  Returns 0 or -errno; *status
 * gets the module status of the last SEAMCALL (TDX_OP_STATE_INCORRECT after
 * a raw finalize).
 */
int kvm_tdx_init_mem_region(struct kvm *kvm, gpa_t gpa, u64 size, u64 *status);
/* TDH.MR.FINALIZE; returns the module status. */
u64 kvm_tdx_finalize(struct kvm *kvm);

/* ---- The guest (run on the vCPU's thread) ---- */

enum kvm_guest_result {
	KVM_GUEST_STATUS, /* a TDCALL returned: see *status */
	KVM_GUEST_OK, /* access completed */
	KVM_GUEST_VE, /* #VE: access to a PENDING page */
	KVM_GUEST_EXIT_MEMORY_FAULT, /* KVM_EXIT_MEMORY_FAULT to user space */
	KVM_GUEST_EIO, /* the VM is bugged */
};

/*
 * TDG.MEM.PAGE.ACCEPT at @level (PG_LEVEL_4K/2M) with the full loop: TD exit,
 * EPT-violation handling (fault-in, or split when the guest accepts below
 * the mapped level), re-entry, re-execution, until the TDCALL returns.
 */
enum kvm_guest_result kvm_guest_accept(struct kvm *kvm, int vcpu, gpa_t gpa, int level,
				       u64 *status);
/* A guest load/store, private unless @shared, faults handled until done. */
enum kvm_guest_result kvm_guest_access(struct kvm *kvm, int vcpu, gpa_t gpa, bool shared,
				       bool write);

/*
 * A Linux guest accepting [gpa, gpa+size) (tdx_accept_memory): at each
 * address the largest size that fits (1G when max_level is 1G, 2M, 4K),
 * falling back to the next smaller size on any failure status.  0, or
 * -EIO (bugged VM or a 4K accept that failed other than ALREADY_ACCEPTED),
 * -EFAULT (KVM_EXIT_MEMORY_FAULT: the range is shared), -EINVAL.
 */
int kvm_guest_accept_memory(struct kvm *kvm, int vcpu, gpa_t gpa, u64 size);

/* ---- Host flows; return 0 or -errno (-ENOMEM, -EIO, -EBUSY, -EINVAL, -EAGAIN) ---- */

/* KVM_SET_MEMORY_ATTRIBUTES: to_private or to shared. */
int kvm_set_memory_attributes(struct kvm *kvm, gpa_t gpa, u64 size, bool to_private);
/*
 * The same, telling how far it got: *done bytes from @gpa were converted
 * (size on success).  A recoverable failure (-EAGAIN under policy=recover,
 * a PAGE.REMOVE refused part way) converts the part whose private pages
 * were already removed, so the guest never sees accepted memory vanish
 * while it stays private; the rest is untouched, and the caller retries
 * from @gpa + *done.  Any other failure converts nothing (*done = 0).
 */
int kvm_set_memory_attributes_progress(struct kvm *kvm, gpa_t gpa, u64 size, bool to_private,
				       u64 *done);
/* fallocate(PUNCH_HOLE) on the guest_memfd. */
int kvm_gmem_punch_hole(struct kvm *kvm, gpa_t gpa, u64 size);
/* Split every private mapping above @level overlapping the range. */
int kvm_split_range(struct kvm *kvm, gpa_t gpa, u64 size, int level);

/* ---- Raw access for conformance (bypasses the MMU) ---- */

/*
 * tdxmod_seamcall() with the pages the leaf needs taken from the frame
 * allocator (R8 page, DPAMT pair, and, with DPAMT, the PAMT pair of the 2M
 * region of a 4K page handed to the TD, as KVM's tdx_pamt_get does).
 * @tdx_level is RCX[2:0].  Returns the status; *ext1 and *ext2 get RCX/RDX out
 * (may be NULL).  Pages the module did not keep are freed again.
 */
u64 kvm_raw_seamcall(struct kvm *kvm, enum tdx_leaf leaf, gpa_t gpa, int tdx_level, u64 flags,
		     u64 *ext1, u64 *ext2);
u64 kvm_raw_tdcall_accept(struct kvm *kvm, int vcpu, gpa_t gpa, int tdx_level, bool *exited,
			  struct tdx_ept_exit *exit);
/* `vcpu N enter|exit`: epoch bookkeeping only. */
u64 kvm_raw_vcpu_enter(struct kvm *kvm, int vcpu);
void kvm_raw_vcpu_exit(struct kvm *kvm, int vcpu);

/* ---- Fault injection ---- */
int kvm_inject_leaf(struct kvm *kvm, enum tdx_leaf leaf, u64 status, u64 count, u64 after);
int kvm_inject_alloc_fail(struct kvm *kvm, u64 count, u64 after);

/* ---- Inspection ---- */

struct kvm_counters {
	u64 leaf_calls[NR_TDX_LEAVES];
	u64 splits; /* huge mirror leaves split */
	u64 kicks; /* all-vCPU leave requests */
	u64 faults; /* EPT violations handled by the MMU */
	u64 vm_bugged; /* 0 or 1 */
	u64 track_rounds; /* successful TDH.MEM.TRACK */
	u64 busy_retries;
	u64 write_lock_acquisitions;
	u64 write_lock_hold_ns;
	u64 write_lock_hold_max_ns;
	u64 guest_inhibits; /* gfn ranges where the guest inhibited huge mappings */
	u64 remote_tlb_flushes; /* shared-EPT TLB flushes after direct-root zaps */
	u64 dpamt_cache_empty; /* locked sections that found a DPAMT cache empty (retried) */
	/* WARN-class: a fault found a mirror huge leaf above its allowed level */
	u64 warn_huge_leaf_above_level;
};
void kvm_get_counters(struct kvm *kvm, struct kvm_counters *c);
bool kvm_is_bugged(struct kvm *kvm);

/* Present private leaves in the mirror per level: [PG_LEVEL_4K..PG_LEVEL_1G]. */
void kvm_count_mappings(struct kvm *kvm, u64 mappings[PG_LEVEL_512G + 1]);
/* Mirror page-table pages and external (S-EPT) pages currently allocated. */
void kvm_count_pt_pages(struct kvm *kvm, u64 *mirror, u64 *external);
/* The mirror leaf for @gpa: true and *level, *pfn if present. */
bool kvm_mirror_lookup(struct kvm *kvm, gpa_t gpa, int *level, kvm_pfn_t *pfn);

/*
 * For the checker (read-only, no allocation).  The folio level behind @gfn
 * in guest_memfd (@shared: the shared-memory backing) and *pfn (may be
 * NULL) of @gfn itself, or PG_LEVEL_NONE when nothing backs it.
 */
int kvm_gmem_folio_level(struct kvm *kvm, gfn_t gfn, bool shared, kvm_pfn_t *pfn);
/* Shared GFNs (attributes) in [start, end). */
u64 kvm_count_shared_gfns(struct kvm *kvm, gfn_t start, gfn_t end);
/* Frames the VM layer holds: [0] private guest_memfd, [1] shared backing. */
struct kvm_frame_usage {
	u64 gmem_bytes[2]; /* guest_memfd's own accounting */
	u64 gmem_counted[2]; /* the folios present, summed */
	u64 raw_bytes; /* pages handed to the module by raw SEAMCALLs */
};
void kvm_get_frame_usage(struct kvm *kvm, struct kvm_frame_usage *u);

/*
 * For the checker: every shared translation the vCPUs' TLBs hold (GFN and
 * the PFN of that 4K page).  Stops at and returns @fn's first nonzero value.
 */
typedef int (*kvm_shared_tlb_fn)(void *arg, int vcpu, gfn_t gfn, kvm_pfn_t pfn);
int kvm_shared_tlb_for_each(struct kvm *kvm, kvm_shared_tlb_fn fn, void *arg);

/* Pages in vCPU @vcpu's Dynamic PAMT cache (-1: the VM's, for host paths). */
u64 kvm_dpamt_cached_pages(struct kvm *kvm, int vcpu);

struct tdx_td *kvm_tdx_td(struct kvm *kvm);
struct tdx_module *kvm_tdx_module(struct kvm *kvm);
struct frame_allocator *kvm_frame_allocator(struct kvm *kvm);
struct kvm_mmu *kvm_get_mmu(struct kvm *kvm);

#endif /* TDPMMU_VM_H */
