/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Private to vm/: struct kvm, the vCPUs, guest_memfd and the memory
 * attributes.
 */
#ifndef TDPMMU_VM_INTERNAL_H
#define TDPMMU_VM_INTERNAL_H

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>

#include "tdpmmu/mmu.h"
#include "tdpmmu/vm.h"

/* ---- guest_memfd (and the shared-memory backing, same structure) ---- */

/*
 * A small radix tree of folios: per 1G index either a 1G folio or a table
 * of 2M slots; per 2M slot either a 2M folio or a table of 4K frames.  A
 * 2M slot whose folio was split by a partial punch keeps `split` until
 * every one of its pages is gone: its pages stay 4K.
 */
struct gmem_2m {
	hpa_t folio; /* 2M folio (0: none) */
	hpa_t *pages; /* 512 4K frames when not a 2M folio (0: none) */
	u32 nr_pages; /* frames present in pages[] */
	bool split; /* remains of a larger folio: 4K only */
};

struct gmem_1g {
	hpa_t folio; /* 1G folio (0: none) */
	struct gmem_2m *slots; /* 512 entries, allocated on first use */
	u32 nr_used; /* slots with any backing */
	bool split; /* remains of a 1G folio: no new 1G folio */
};

struct guest_memfd {
	pthread_mutex_t lock; /* filemap_invalidate_lock's role */
	struct frame_allocator *fa;
	gfn_t nr_gfns;
	int max_level; /* largest folio */
	struct gmem_1g *idx; /* nr_gfns / 512^2 rounded up */
	size_t nr_1g;
	u64 bytes; /* backing currently allocated */
};

int gmem_init(struct guest_memfd *gmem, struct frame_allocator *fa, gfn_t nr_gfns, int max_level);
void gmem_destroy(struct guest_memfd *gmem);
/*
 * kvm_gmem_get_pfn: the frame backing @gfn, allocating a folio as large as
 * max_level, alignment, the memslot and earlier splits allow.  *folio_level
 * is the level of the folio (the mapping limit).  0 or -ENOMEM.
 */
int gmem_get_pfn(struct guest_memfd *gmem, gfn_t gfn, kvm_pfn_t *pfn, int *folio_level);
/* Whether a 1G folio backs @gfn now. */
bool gmem_has_1g_folio(struct guest_memfd *gmem, gfn_t gfn);
/* Free the backing of [start, end), splitting folios the hole cuts. */
void gmem_punch(struct guest_memfd *gmem, gfn_t start, gfn_t end);

/* ---- vCPUs ---- */

typedef void (*vcpu_work_fn)(struct kvm *kvm, int vcpu, void *arg);

/* One cached shared translation (shared_tlb.c); 4K granule, direct-mapped. */
#define KVM_SHARED_TLB_ENTRIES 64
struct kvm_shared_tlb_entry {
	gfn_t gfn;
	kvm_pfn_t pfn;
	bool valid;
};

struct kvm_vcpu {
	struct kvm *kvm;
	int id;
	/*
	 * Held while the vCPU executes inside the TD (a module call on its
	 * behalf); the kicker takes it to make the vCPU leave: acquiring it
	 * is the vCPU's acknowledgement.  Never held while taking mmu_lock.
	 */
	pthread_mutex_t lock;

	/* Thread mode: one piece of work at a time, posted by a caller. */
	pthread_t thread;
	bool has_thread;
	pthread_mutex_t req_lock; /* serialises callers */
	pthread_mutex_t work_lock;
	pthread_cond_t work_cond;
	vcpu_work_fn work;
	void *work_arg;
	bool work_done;
	bool stop;

	/* Cached direct-root translations; under @lock (shared_tlb.c). */
	struct kvm_shared_tlb_entry shared_tlb[KVM_SHARED_TLB_ENTRIES];
};

/* ---- the VM ---- */

struct kvm {
	struct kvm_config cfg;
	struct frame_allocator *fa;
	struct kvm_tdx *kvm_tdx;
	struct kvm_mmu *mmu;
	gfn_t nr_gfns;

	struct guest_memfd gmem; /* private memory */
	struct guest_memfd shared_mem; /* host memory behind shared GPAs */

	/* KVM_MEMORY_ATTRIBUTE_PRIVATE per GFN, stored inverted: bit set = shared. */
	_Atomic u64 *shared_bits;

	struct kvm_vcpu *vcpus;
	/* wait_for_sept_zap: vCPUs may not enter while set. */
	atomic_bool no_vcpu_enter;
	pthread_mutex_t enter_lock;
	pthread_cond_t enter_cond;

	pthread_mutex_t raw_lock; /* raw pages */
	hpa_t *raw_pages;
	u64 *raw_sizes;
	size_t nr_raw, cap_raw;

	atomic_ullong ept_violations;
	atomic_ullong guest_inhibits;
};

/* vcpu.c */
int kvm_vcpus_create(struct kvm *kvm);
/* Stop and join the threads (the vCPU structs stay for kicks). */
void kvm_vcpus_stop(struct kvm *kvm);
void kvm_vcpus_destroy(struct kvm *kvm);
/* Run @fn on the vCPU (its thread, or the caller's in single-thread mode). */
void kvm_vcpu_run_work(struct kvm *kvm, int vcpu, vcpu_work_fn fn, void *arg);
/*
 * Enter the TD if not inside (TDH.VP.ENTER; waits while entry is held off)
 * and return with vcpu->lock held: the caller runs guest code, then calls
 * kvm_vcpu_guest_done() (still inside) or kvm_vcpu_td_exit() (TD exit).
 */
void kvm_vcpu_guest_begin(struct kvm_vcpu *vcpu);
void kvm_vcpu_guest_done(struct kvm_vcpu *vcpu);
void kvm_vcpu_td_exit(struct kvm_vcpu *vcpu);
extern const struct tdx_kick_ops kvm_tdx_kick_ops;
/* liburcu registration of the calling thread, once, undone at thread exit. */
void kvm_thread_ensure_registered(void);

/*
 * split_range.c: split the private huge leaves that cross @start or @end so
 * that a zap of [start, end) (punch, conversion to shared) takes no GFN
 * outside it.  mmu_lock held for write, inside an invalidation.
 */
int kvm_split_cross_boundary_leafs(struct kvm *kvm, gfn_t start, gfn_t end);

/*
 * shared_tlb.c.  With vcpu->lock held (inside the TD): true if the vCPU's
 * TLB or a walk of the direct root translates @gfn (and it is cached).
 */
bool kvm_vcpu_shared_translate(struct kvm_vcpu *vcpu, gfn_t gfn);
/* kvm_flush_remote_tlbs for the MMU: empty every vCPU's shared TLB. */
void kvm_flush_shared_tlbs(void *vm);

/* raw.c: frames handed to the module by raw SEAMCALLs, freed at teardown. */
void kvm_raw_pages_free(struct kvm *kvm);

/* mem_attributes.c */
bool kvm_gfn_is_private(struct kvm *kvm, gfn_t gfn);

/* fault.c */
enum kvm_fault_result {
	KVM_FAULT_FIXED,
	KVM_FAULT_MEMORY_FAULT, /* KVM_EXIT_MEMORY_FAULT */
};
/* kvm_mmu_page_fault: 0 and *res, or -errno (-EIO bugged, -ENOMEM, -EINVAL). */
int kvm_mmu_page_fault(struct kvm *kvm, gfn_t gfn, bool private, bool write, int max_level,
		       enum kvm_fault_result *res);

/* tdx_ept_violation.c */
int tdx_handle_ept_violation(struct kvm *kvm, int vcpu, bool shared_access, bool write,
			     const struct tdx_ept_exit *exit, enum kvm_fault_result *res);

static inline bool kvm_range_valid(struct kvm *kvm, gpa_t gpa, u64 size)
{
	return size && !(gpa & (PAGE_SIZE - 1)) && !(size & (PAGE_SIZE - 1)) &&
	       gpa_to_gfn(gpa) < kvm->nr_gfns && gpa_to_gfn(size) <= kvm->nr_gfns - gpa_to_gfn(gpa);
}

/*
 * Entry of a host operation on private mappings (punch, conversion,
 * split): the caller may be any thread, so it registers with RCU before
 * walking; a bugged VM refuses all such work.  0, -EINVAL or -EIO.
 */
static inline int kvm_host_range_begin(struct kvm *kvm, gpa_t gpa, u64 size)
{
	kvm_thread_ensure_registered();
	if (!kvm_range_valid(kvm, gpa, size))
		return -EINVAL;
	if (kvm_mmu_is_bugged(kvm->mmu))
		return -EIO;
	return 0;
}

#endif /* TDPMMU_VM_INTERNAL_H */
