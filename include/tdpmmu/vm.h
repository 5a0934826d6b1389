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

/* Which mmu_lock mode the fault path's split takes (vm split_lock=). */
enum kvm_split_lock {
	KVM_SPLIT_LOCK_EXCLUSIVE, /* the seed: mmu_lock held for write */
	KVM_SPLIT_LOCK_SHARED, /* mmu_lock held for read, frozen-leaf protocol */
};

/* Private memslots beyond the default one (docs/SCENARIOS.md, `vm ... slots=`). */
#define KVM_MAX_MEMSLOTS 8
struct kvm_memslot_range {
	u64 base, size; /* bytes, 4K aligned, inside [0, mem) */
};

struct kvm_config {
	u64 mem; /* bytes, multiple of 4K */
	int nr_vcpus; /* >= 1 */
	int max_level; /* PG_LEVEL_4K/2M/1G: mapping and folio limit */
	enum tdxmod_version module;
	bool dpamt;
	bool demote_interruptible;
	u64 seed;
	enum tdx_error_policy policy;
	bool track_batch; /* batch TRACK rounds per MMU operation (off) */
	bool vcpu_threads; /* run each vCPU as a thread (default true) */
	/* Recover huge private mappings by promotion on its own (off; docs/PROMOTION.md). */
	bool promote;
	enum kvm_split_lock split_lock; /* fault-path splits (exclusive) */
	/* 0: one private memslot [0, mem); else these, disjoint (GPAs elsewhere are no RAM). */
	int nr_memslots;
	struct kvm_memslot_range memslots[KVM_MAX_MEMSLOTS];
	/* Take mmu_lock for write on every ACCEPT-level exit, without the lock-free inhibit test.
	 */
	bool no_inhibit_precheck;
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
	KVM_GUEST_ENTER_FAILED, /* TDH.VP.ENTER refused: the guest did not run; *status */
	KVM_GUEST_STUCK, /* no completion after bounded retries; *status: last SEAMCALL's */
};

/*
 * Bounds of a guest step that makes no progress (KVM breaks such loops
 * on a pending signal; we bound them): TDH.VP.ENTER BUSY in a row, EPT-violation
 * exits, and retries of one fault.  Past them the step is KVM_GUEST_STUCK.
 */
#define KVM_GUEST_MAX_ENTER_BUSY 4096
#define KVM_GUEST_MAX_EXITS 256
/* Exits that waited for another vCPU's split (split_lock=shared), counted apart. */
#define KVM_GUEST_MAX_BUSY_EXITS 65536
#define KVM_GUEST_MAX_FAULT_RETRIES 256

/* How a guest step went, for a run error that says why it got stuck. */
struct kvm_guest_info {
	int exits; /* EPT-violation exits taken */
	int fault_err; /* the last exit handler's result (0 or -errno) */
	bool enter_failed; /* TDH.VP.ENTER did not let the vCPU in */
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
/* The same, with the status (ENTER_FAILED, STUCK) and how it went (@info may be NULL). */
enum kvm_guest_result kvm_guest_accept_info(struct kvm *kvm, int vcpu, gpa_t gpa, int level,
					    u64 *status, struct kvm_guest_info *info);
enum kvm_guest_result kvm_guest_access_info(struct kvm *kvm, int vcpu, gpa_t gpa, bool shared,
					    bool write, u64 *status, struct kvm_guest_info *info);

/*
 * A Linux guest accepting [gpa, gpa+size) (tdx_accept_memory): at each
 * address the largest size that fits (1G when max_level is 1G, 2M, 4K),
 * falling back to the next smaller size on any failure status.  0, or
 * -EIO (bugged VM or a 4K accept that failed other than ALREADY_ACCEPTED),
 * -EFAULT (KVM_EXIT_MEMORY_FAULT: the range is shared), -EINVAL, -EAGAIN (a
 * step got stuck: KVM_GUEST_STUCK), -EPERM (TDH.VP.ENTER refused).
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
/*
 * The same, reporting progress in *done (bytes from @gpa).  policy=recover:
 * when a PAGE.REMOVE fails part way (-EAGAIN, the VM not bugged), the part
 * whose mappings are gone, [@gpa, @gpa + *done), is punched (its backing
 * freed) and the rest is untouched: the caller retries from @gpa + *done.
 * Any other failure punches nothing (*done = 0); success: *done = @size.
 */
int kvm_gmem_punch_hole_progress(struct kvm *kvm, gpa_t gpa, u64 size, u64 *done);
/* Split every private mapping above @level overlapping the range. */
int kvm_split_range(struct kvm *kvm, gpa_t gpa, u64 size, int level);
/*
 * Host-initiated recovery of huge private mappings (scenario `promote`):
 * every 2M region, then (max_level=1G) every 1G region, fully inside the
 * range whose children qualify on the host's side is promoted.  0 also
 * when nothing was promoted or the module refused; -EINVAL, -EIO (bugged).
 */
int kvm_promote_range(struct kvm *kvm, gpa_t gpa, u64 size);
/*
 * promote=on: one run of the recovery worker over the regions the fault
 * path queued (docs/PROMOTION.md).  Any thread; a no-op when nothing is
 * due.  Returns the number of promotions made.
 */
int kvm_promote_worker(struct kvm *kvm);

/* ---- Raw access for conformance (bypasses the MMU) ---- */

/*
 * tdx_raw_seamcall(): the SEAMCALL with the pages the leaf needs taken from
 * the frame allocator (see tdpmmu/tdx.h).  @tdx_level is RCX[2:0].  Returns
 * the status; *ext1 and *ext2 get RCX/RDX out (may be NULL).
 */
u64 kvm_raw_seamcall(struct kvm *kvm, enum tdxmod_leaf leaf, gpa_t gpa, int tdx_level, u64 flags,
		     u64 *ext1, u64 *ext2);
u64 kvm_raw_tdcall_accept(struct kvm *kvm, int vcpu, gpa_t gpa, int tdx_level, bool *exited,
			  struct tdx_ept_exit *exit);
/* `vcpu N enter|exit`: epoch bookkeeping only. */
u64 kvm_raw_vcpu_enter(struct kvm *kvm, int vcpu);
void kvm_raw_vcpu_exit(struct kvm *kvm, int vcpu);

/* ---- Fault injection ---- */
int kvm_inject_leaf(struct kvm *kvm, enum tdxmod_leaf leaf, u64 status, u64 count, u64 after);
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
	u64 promotes; /* huge private leaves created by promotion (any level) */
	u64 promote_tries; /* promotions tried (each a BLOCK/TRACK/kick round) */
	u64 promote_refused; /* tries the module refused: INVALID_PROMOTE_CONDITIONS */
	u64 promote_failed; /* tries refused otherwise (BUSY, interrupted, BLOCK) */
	u64 promote_rounds; /* TRACK + kick rounds the tries paid */
	u64 promote_queued; /* promote=on: regions the fault path queued */
	u64 promote_held_back; /* promote=on: re-promotions of a churning region held back */
	u64 pamt_pairs; /* DPAMT: PAMT_4K page pairs (8 KiB each) installed now */
	/* split_lock=shared: fault-path splits given back for a retry (busy, no memory) */
	u64 split_retries;
	u64 shared_split_busy; /* contention statuses those splits met in the module */
	u64 read_lock_waits; /* mmu_lock read acquisitions that waited for a writer */
	/*
	 * Huge ranges a guest ACCEPT capped, the first time: an ACCEPT at level
	 * L forbids mappings above L around it (KVM's guest inhibit).  A 4K
	 * ACCEPT caps its 2M (and 1G) range; a 2M ACCEPT caps its 1G range.
	 */
	u64 guest_inhibits;
	u64 guest_inhibits_4k; /* of guest_inhibits, by 4K ACCEPTs */
	u64 remote_tlb_flushes; /* shared-EPT TLB flushes after direct-root zaps */
	u64 dpamt_cache_empty; /* locked sections that found a DPAMT cache empty (retried) */
	/* WARN-class: a fault found a mirror huge leaf above its allowed level */
	u64 warn_huge_leaf_above_level;
};
void kvm_get_counters(struct kvm *kvm, struct kvm_counters *c);
/*
 * Fold one VM's counters @c into @sum (a run of several VMs one after the
 * other): counts add up, write_lock_hold_max_ns takes the larger.  The
 * levels add up too, so they say what the VMs had together: vm_bugged how
 * many were bugged, pamt_pairs the pairs each held when it was read.
 */
void kvm_counters_add(struct kvm_counters *sum, const struct kvm_counters *c);

/*
 * ACCEPT-level EPT violations (accept_stats.c).  below_mappable: the guest
 * accepted at a level below the one the host could map at that GFN
 * (attributes, memslot, folio and max_level allow it; the guest inhibit is
 * not counted, it is the guest's own doing) -- the figure the huge-page
 * series measured on a real TD boot.  write_locks: mmu_lock write
 * acquisitions by the mismatched-accept path.
 */
struct kvm_accept_stats {
	u64 level_exits; /* EPT violations of ACCEPT type (any level) */
	u64 level_exits_4k; /* ... at 4K */
	u64 below_mappable;
	u64 write_locks;
};
void kvm_get_accept_stats(struct kvm *kvm, struct kvm_accept_stats *s);
/* below_mappable instances at GFNs in [start, end). */
u64 kvm_accept_below_mappable_in(struct kvm *kvm, gfn_t start, gfn_t end);
/* The GFN of every below_mappable instance, in order; *nr set; caller frees. */
gfn_t *kvm_accept_below_mappable_gfns(struct kvm *kvm, u64 *nr);
/* Whether @gfn is inside a private memslot. */
bool kvm_gfn_in_memslot(struct kvm *kvm, gfn_t gfn);
bool kvm_is_bugged(struct kvm *kvm);

/* Why the VM is bugged: where the MMU bugged it and the SEAMCALL behind it. */
struct kvm_bug_info {
	bool bugged;
	const char *reason; /* "split_external_spt failed", "KVM_BUG_ON(...)" */
	const char *func; /* the MMU function that bugged the VM */
	bool has_gfn;
	gfn_t gfn;
	int level; /* PG level; 0: no entry */
	bool has_leaf; /* an unrecoverable SEAMCALL error caused it: */
	enum tdxmod_leaf leaf;
	u64 status;
};
void kvm_get_bug_info(struct kvm *kvm, struct kvm_bug_info *bi);

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

/* The layers under the VM, for the checker and tests: tdpmmu/vm_inspect.h. */
/*
 * For the checker: every shared translation the vCPUs' TLBs hold (GFN and
 * the PFN of that 4K page).  Stops at and returns @fn's first nonzero value.
 */
typedef int (*kvm_shared_tlb_fn)(void *arg, int vcpu, gfn_t gfn, kvm_pfn_t pfn);
int kvm_shared_tlb_for_each(struct kvm *kvm, kvm_shared_tlb_fn fn, void *arg);

/* Pages in vCPU @vcpu's Dynamic PAMT cache (-1: the VM's, for host paths). */
u64 kvm_dpamt_cached_pages(struct kvm *kvm, int vcpu);

#endif /* TDPMMU_VM_H */
