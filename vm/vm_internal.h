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
 * A small radix tree of folios: per 1G index either a 1G folio or two
 * tables of 2M slots, made on first use; per 2M slot either a 2M folio or
 * a table of 4K frames.  A 2M slot whose folio was split by a partial punch
 * keeps its table of 4K frames until every one of them is gone: until then
 * no 2M folio can back it.
 *
 * Sized for TiB guests mapped at 2M: a 2M folio costs 4 bytes (its frame
 * number in folio2m[]); the pointers to 4K tables are a second table, made
 * only for a 1G range that holds 4K frames.
 */
struct gmem_pages {
	u32 nr_pages; /* frames present in hpa[]; the table is freed at 0 */
	hpa_t hpa[512]; /* 4K frames (0: none) */
};

#define GMEM_FOLIO_2M_SHIFT 21

struct gmem_1g {
	hpa_t folio; /* 1G folio (0: none) */
	u32 *folio2m; /* [512]: 2M folio's hpa >> 21 (0: none) */
	struct gmem_pages **pages; /* [512]: 4K frames of a slot without a 2M folio */
	u32 nr_used; /* slots with any backing */
	bool split; /* remains of a 1G folio: no new 1G folio */
};

/* A frame number needs 25 bits below 2^46, and 0 is never a folio (frames start at 1G). */
_Static_assert(46 - GMEM_FOLIO_2M_SHIFT <= 32, "a 2M frame number fits a u32");

static inline hpa_t gmem_slot_folio(const struct gmem_1g *g1, size_t i2)
{
	return g1->folio2m ? (hpa_t)g1->folio2m[i2] << GMEM_FOLIO_2M_SHIFT : 0;
}

static inline struct gmem_pages *gmem_slot_pages(const struct gmem_1g *g1, size_t i2)
{
	return g1->pages ? g1->pages[i2] : NULL;
}

struct guest_memfd {
	pthread_mutex_t lock; /* filemap_invalidate_lock's role */
	const struct kvm_config *slots; /* memslots bounding folios (NULL: [0, nr_gfns)) */
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
/* The folio level behind @gfn now, or the one gmem_get_pfn would allocate (no allocation). */
int gmem_max_folio_level(struct guest_memfd *gmem, gfn_t gfn);
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

/* ---- promote=on: regions waiting for the recovery worker (promote.c) ---- */

struct kvm_promote_candidate {
	gfn_t gfn; /* aligned to level */
	int level; /* PG_LEVEL_2M or PG_LEVEL_1G */
	int tries; /* refusals so far */
	u64 due; /* worker run at which to try */
};

/*
 * A region the worker promoted before: a later demotion (a conversion, a
 * punch, a 4K ACCEPT) brings it back to the queue, and each promotion after
 * the first doubles how long the next one waits (promote.c).
 */
struct kvm_promote_history {
	gfn_t gfn; /* aligned to level; ~0 = free slot */
	int level;
	unsigned int promotions;
	u64 hold; /* worker runs the next re-promotion waits once queued */
	u64 not_before; /* worker run; 0 until queued after the last promotion */
};

struct kvm_promote_queue {
	pthread_mutex_t lock;
	struct kvm_promote_candidate *v;
	size_t n, cap;
	struct kvm_promote_history *hist; /* open addressing, hist_cap a power of 2 */
	size_t hist_n, hist_cap;
	atomic_ullong held_back; /* re-promotions a churning region had to wait for */
	u64 run; /* worker runs so far */
	atomic_ullong queued;
	atomic_bool any; /* a promotion was made in this VM */
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

	atomic_ullong ept_violations;
	atomic_ullong guest_inhibits;
	atomic_ullong enter_busy_retries; /* VP.ENTER tried again after BUSY */

	struct kvm_promote_queue promote;
	atomic_ullong split_retries; /* split_lock=shared: splits given back */
	atomic_ullong guest_inhibits_4k; /* of them, by a 4K ACCEPT (2M capped to 4K) */

	/* accept_stats.c */
	pthread_mutex_t accept_lock;
	struct kvm_accept_stats accept;
	gfn_t *below_gfns;
	size_t nr_below, cap_below;
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
 * and return TDX_SUCCESS with vcpu->lock held: the caller runs guest code,
 * then calls kvm_vcpu_guest_done() (still inside) or kvm_vcpu_td_exit() (TD
 * exit).  A refused VP.ENTER (or BUSY KVM_GUEST_MAX_ENTER_BUSY times in a
 * row) returns its status with the lock not held: the guest does not run.
 */
u64 kvm_vcpu_guest_begin(struct kvm_vcpu *vcpu);
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

/* guest_memfd.c: one folio of at least @level backs the @level region at @gfn, from @pfn. */
bool gmem_folio_backs(struct guest_memfd *gmem, gfn_t gfn, int level, kvm_pfn_t pfn);

/* promote.c */
void kvm_promote_init(struct kvm *kvm);
void kvm_promote_destroy(struct kvm *kvm);
/*
 * promote=on: a private fault mapped @gfn at @level (its folio: @folio_level);
 * queue the parent region for the worker if that completed it.
 */
void kvm_promote_after_fault(struct kvm *kvm, gfn_t gfn, int level, int folio_level);
/*
 * An ACCEPT below the mapped level with the guest inhibit already set: true
 * if a promotion may have put a huge leaf there again (then split anyway).
 */
bool kvm_promote_mapped_above(struct kvm *kvm, gfn_t gfn, int level);
/*
 * shared_tlb.c.  With vcpu->lock held (inside the TD): true if the vCPU's
 * TLB or a walk of the direct root translates @gfn (and it is cached).
 */
bool kvm_vcpu_shared_translate(struct kvm_vcpu *vcpu, gfn_t gfn);
/* kvm_flush_remote_tlbs for the MMU: empty every vCPU's shared TLB. */
void kvm_flush_shared_tlbs(void *vm);

/* mem_attributes.c */
bool kvm_gfn_is_private(struct kvm *kvm, gfn_t gfn);

/* accept_stats.c: record an ACCEPT-level exit at @gfn for @level; the write-lock count. */
void kvm_accept_stats_exit(struct kvm *kvm, gfn_t gfn, int level);
void kvm_accept_stats_write_lock(struct kvm *kvm);
void kvm_accept_stats_free(struct kvm *kvm);
/* memslots.c: the private memslots' lpage_info edges and guest_memfd bounds. */
void kvm_memslots_init_lpage(struct kvm *kvm);
/* Whether [base, base+nr) lies inside one memslot of @cfg (nr_gfns: the default slot). */
bool kvm_cfg_range_in_slot(const struct kvm_config *cfg, gfn_t nr_gfns, gfn_t base, u64 nr);

/* fault.c */
enum kvm_fault_result {
	KVM_FAULT_FIXED,
	KVM_FAULT_MEMORY_FAULT, /* KVM_EXIT_MEMORY_FAULT */
};
/*
 * kvm_mmu_page_fault: 0 and *res, or -errno (-EIO bugged, -ENOMEM, -EINVAL,
 * -EAGAIN when the fault was retried KVM_GUEST_MAX_FAULT_RETRIES times in a row
 * without being fixed: the caller re-enters the guest, which exits again).
 */
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
