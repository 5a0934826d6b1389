/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Private to tdx/: struct kvm_tdx and the helpers the glue's files share.
 */
#ifndef TDPMMU_TDX_INTERNAL_H
#define TDPMMU_TDX_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>

#include "tdpmmu/tdx.h"

static inline hpa_t pfn_to_hpa(kvm_pfn_t pfn)
{
	return pfn << PAGE_SHIFT;
}

/* KVM's TD state as the glue tracks it (kvm_tdx->state). */
enum tdx_td_state {
	TD_STATE_INITIALIZED,
	TD_STATE_RUNNABLE,
};

/* Per-2M-region DPAMT refcount (the kernel's pamt_refcount) and its pair. */
struct tdx_pamt_ref {
	hpa_t hpa2m;
	u32 refcount;
	hpa_t pair[2]; /* valid while refcount > 0 */
	struct tdx_pamt_ref *next;
};

#define TDX_PAMT_HASH_BUCKETS 1024

struct tdx_pamt_cache {
	pthread_mutex_t lock;
	hpa_t *pages; /* 4K frames, used two at a time */
	size_t nr, cap;
};

/* Pages the module kept from raw SEAMCALLs (tdx_raw.c). */
struct tdx_raw_pages {
	pthread_mutex_t lock;
	hpa_t *pages;
	u64 *sizes;
	size_t nr, cap;
};

/* One removal waiting for the batch's TRACK (cfg.track_batch). */
struct tdx_batched_remove {
	gfn_t gfn; /* base of the leaf */
	int level;
	kvm_pfn_t pfn;
};

struct kvm_tdx {
	struct kvm_tdx_config cfg;
	struct frame_allocator *fa;
	struct tdxmod *mod;
	struct tdxmod_td *td;
	hpa_t tdr_hpa;
	hpa_t root_hpa;

	const struct tdx_kick_ops *kick;
	void *vm;

	_Atomic int state; /* enum tdx_td_state */
	bool dpamt;

	/* Global pamt_lock's role: 0<->1 transitions of the per-2M refcounts. */
	pthread_mutex_t pamt_lock;
	struct tdx_pamt_ref *pamt_hash[TDX_PAMT_HASH_BUCKETS];
	struct tdx_pamt_cache pamt_cache; /* host-side paths (no vCPU running) */
	struct tdx_pamt_cache *vcpu_pamt_cache; /* one per vCPU, for its faults */
	int nr_vcpu_pamt_caches;
	atomic_ullong pamt_cache_empty; /* a locked section found its cache empty */

	atomic_ullong last_status;

	/* The first SEAMCALL error the VM did not survive (tdx_error.c). */
	atomic_bool fatal_claimed, fatal_recorded;
	struct tdx_error_info fatal;

	/*
	 * S-EPT pages whose SEPT.REMOVE failed: the MMU gave them up, the
	 * module may still hold them.  Freed once the TD is torn down (the
	 * reclaim KVM does after releasing the HKID).  Changed only by the
	 * free hook, under the exclusive mmu_lock.
	 */
	hpa_t *stuck_spt;
	size_t nr_stuck_spt, cap_stuck_spt;

	/*
	 * cfg.track_batch: leaves BLOCKed by remove_external_spte whose
	 * TRACK + PAGE.REMOVE wait for tdx_flush_batched().  Changed only
	 * under the exclusive mmu_lock (removal hooks, the MMU's flush).
	 */
	struct tdx_batched_remove *batched;
	size_t nr_batched, cap_batched;

	/* struct tdx_stats, updated concurrently. */
	atomic_ullong track_rounds;
	atomic_ullong kicks;
	atomic_ullong busy_retries;
	atomic_ullong interrupted_retries;
	atomic_ullong interrupted_drops; /* DEMOTE gave up the lock after restarts */
	atomic_ullong errors;
	/* promote_external_spt (tdx_promote.c) */
	atomic_ullong promote_refused; /* TDX_EPT_INVALID_PROMOTE_CONDITIONS */
	atomic_ullong promote_failed; /* any other refusal (BUSY, interrupted, ...) */
	atomic_ullong promote_unblocks; /* UNBLOCKs after a refused PROMOTE */
	atomic_ullong promote_rounds; /* TRACK + kick rounds paid by promotions */
	atomic_ullong pamt_pairs; /* DPAMT: PAMT_4K page pairs installed now */

	struct tdx_raw_pages raw;
	atomic_ullong shared_split_busy; /* contention met by shared-lock splits */
};

/* ---- tdx_seamcall.c: one SEAMCALL, the status remembered ---- */
u64 tdx_seamcall(struct kvm_tdx *kvm_tdx, enum tdxmod_leaf leaf, struct tdx_module_args *args);

static inline u64 tdx_gpa_level(gfn_t gfn, int pg_level)
{
	return gfn_to_gpa(gfn) | (u64)pg_level_to_tdx_sept_level(pg_level);
}

/* ---- tdx_track.c ---- */
/* Kick every vCPU out of the TD (hold: keep them out until release). */
void tdx_kick_all(struct kvm_tdx *kvm_tdx, bool hold);
void tdx_release_all(struct kvm_tdx *kvm_tdx);
/*
 * tdh_do_no_vcpus: run @leaf with @in; on TDX_OPERAND_BUSY kick all vCPUs
 * and hold them out, run it once more, release.  @out gets the registers of
 * the last attempt.  Caller holds mmu_lock for write.
 */
u64 tdh_do_no_vcpus(struct kvm_tdx *kvm_tdx, enum tdxmod_leaf leaf,
		    const struct tdx_module_args *in, struct tdx_module_args *out);
/* TDH.MEM.TRACK + kick (nothing before RUNNABLE).  0 or -EIO (policy). */
int tdx_track(struct kvm_tdx *kvm_tdx);
/* TDH.MEM.RANGE.BLOCK of the entry at @level covering @gfn.  0 or policy. */
int tdx_block(struct kvm_tdx *kvm_tdx, gfn_t gfn, int level);
/* The head of every removal and split: BLOCK, then TRACK + kick. */
int tdx_block_and_track(struct kvm_tdx *kvm_tdx, gfn_t gfn, int level);

/* ---- tdx_pamt_cache.c ---- */
/*
 * Take one pair from the running vCPU's cache (or, on a host-side path,
 * the VM's).  Never allocates: an empty cache returns -ENOBUFS, and the
 * caller drops out of its locked section, tops up and retries.
 */
int tdx_pamt_pair_get(struct kvm_tdx *kvm_tdx, hpa_t pair[2]);
/* Give a pair back to the cache it would come from. */
void tdx_pamt_pair_put(struct kvm_tdx *kvm_tdx, const hpa_t pair[2]);
void tdx_pamt_caches_init(struct kvm_tdx *kvm_tdx);
void tdx_pamt_caches_teardown(struct kvm_tdx *kvm_tdx);

/* ---- tdx_pamt.c ---- */
/* After a successful 2M DEMOTE: the region's refcount becomes 512 with @pair. */
void tdx_pamt_demoted(struct kvm_tdx *kvm_tdx, hpa_t hpa2m, const hpa_t pair[2]);
/* After a 2M PROMOTE that returned @pair: the region has no 4K users left. */
void tdx_pamt_promoted(struct kvm_tdx *kvm_tdx, hpa_t hpa2m, const hpa_t pair[2]);
int tdx_topup_external_cache(void *opaque, int nr_ops);
void tdx_pamt_init(struct kvm_tdx *kvm_tdx);
/* After the TD is gone: free every pair and cached page. */
void tdx_pamt_teardown(struct kvm_tdx *kvm_tdx);

/* ---- tdx_raw.c ---- */
void tdx_raw_init(struct kvm_tdx *kvm_tdx);
/* After the TD is gone: free the pages raw SEAMCALLs left with the module. */
void tdx_raw_teardown(struct kvm_tdx *kvm_tdx);

/* ---- tdx_error.c: the error policy ---- */

/* What the failed operation had done, so a recovering policy can undo it. */
struct tdx_sept_op {
	enum tdxmod_leaf leaf; /* the SEAMCALL that failed */
	gfn_t gfn;
	int level; /* PG level of the entry */
	bool blocked; /* the entry was BLOCKed (and tracked) by this op */
};
/* What the caller of the policy does about an unexpected status. */
enum tdx_error_action {
	TDX_ERR_BUG, /* -EIO: the MMU marks the VM bugged */
	TDX_ERR_RETRY, /* nothing to undo: -EAGAIN */
	TDX_ERR_UNBLOCK_RETRY, /* UNBLOCK the op's entry, then -EAGAIN (-EIO if that fails) */
};
/*
 * Decide what an unexpected status means (and count it).  UPSTREAM: BUG.
 * RECOVER: undo what can be undone and retry, or BUG when it cannot.
 */
enum tdx_error_action tdx_sept_error_policy(struct kvm_tdx *kvm_tdx, const struct tdx_sept_op *op,
					    u64 err);
/* Record @op/@err as the first error the VM does not survive; -EIO. */
int tdx_fatal(struct kvm_tdx *kvm_tdx, const struct tdx_sept_op *op, u64 err);
/*
 * tdx_track.c: carry out the policy's decision.  -EIO (the MMU marks the VM
 * bugged) or -EAGAIN (undone; the operation may be retried).
 */
int tdx_handle_sept_error(struct kvm_tdx *kvm_tdx, const struct tdx_sept_op *op, u64 err);
/*
 * A PAGE.REMOVE (or the TRACK) of a batch failed: the MMU already dropped
 * the mirror entries, so nothing can be rolled back.  -EIO.
 */
int tdx_handle_batched_error(struct kvm_tdx *kvm_tdx, const struct tdx_sept_op *op, u64 err);

/* ---- tdx_track_batch.c (cfg.track_batch) ---- */
/*
 * Make room for one more queued removal.  false: no memory, the caller
 * removes the leaf at once instead.
 */
bool tdx_batch_reserve(struct kvm_tdx *kvm_tdx);
/* Queue a leaf that was just BLOCKed (after tdx_batch_reserve()). */
void tdx_batch_queue(struct kvm_tdx *kvm_tdx, gfn_t gfn, int level, kvm_pfn_t pfn);
/* flush_external: one TRACK + kick, then every queued PAGE.REMOVE.  0 or -EIO. */
int tdx_flush_batched(void *opaque);
/* Before a hook that needs the queued leaves gone.  0 or -EIO. */
static inline int tdx_flush_pending(struct kvm_tdx *kvm_tdx)
{
	return kvm_tdx->nr_batched ? tdx_flush_batched(kvm_tdx) : 0;
}

/* ---- tdx_split_prep.c: what both split hooks share ---- */
/* A split's DEMOTE operands, and the DPAMT pages taken for them. */
struct tdx_split {
	gfn_t base; /* first gfn of the huge leaf */
	bool dpamt_pair; /* DPAMT and a 2M leaf: the demoted range needs a pair */
	hpa_t pair[2];
	/* RCX: GPA and level; R8: the new S-EPT page; R12/R13: the pair. */
	struct tdx_module_args in;
};
/* The operands for the leaf at @level covering @gfn; nothing is taken yet. */
struct tdx_split tdx_split_operands(struct kvm_tdx *kvm_tdx, gfn_t gfn, int level,
				    hpa_t external_spt);
/*
 * Take the PAMT_4K pages the DEMOTE needs: 0, or the error of
 * tdx_pamt_get()/tdx_pamt_pair_get(), and then nothing is held.
 */
int tdx_split_get(struct kvm_tdx *kvm_tdx, struct tdx_split *s);
/* The split failed or gave up: give back what tdx_split_get() took. */
void tdx_split_put(struct kvm_tdx *kvm_tdx, const struct tdx_split *s);
/* The DEMOTE of the leaf mapping @pfn succeeded: account its pair. */
void tdx_split_demoted(struct kvm_tdx *kvm_tdx, const struct tdx_split *s, kvm_pfn_t pfn);

/* ---- hooks (tdx_sept.c, tdx_split.c) ---- */
int tdx_sept_link_private_spt(void *opaque, gfn_t gfn, int level, hpa_t external_spt);
int tdx_sept_set_private_spte(void *opaque, gfn_t gfn, int level, kvm_pfn_t pfn);
int tdx_sept_remove_private_spte(void *opaque, gfn_t gfn, int level, kvm_pfn_t pfn);
int tdx_sept_free_private_spt(void *opaque, gfn_t gfn, int level, hpa_t external_spt);
int tdx_sept_split_private_spt(void *opaque, gfn_t gfn, int level, kvm_pfn_t pfn,
			       hpa_t external_spt);
/* tdx_promote.c */
int tdx_sept_promote_private_spt(void *opaque, gfn_t gfn, int level, kvm_pfn_t pfn,
				 hpa_t external_spt);
/* tdx_split_shared.c: the same with mmu_lock held for read. */
int tdx_sept_split_private_spt_shared(void *opaque, gfn_t gfn, int level, kvm_pfn_t pfn,
				      hpa_t external_spt);

static inline bool tdx_is_runnable(struct kvm_tdx *kvm_tdx)
{
	return atomic_load(&kvm_tdx->state) == TD_STATE_RUNNABLE;
}

#endif /* TDPMMU_TDX_INTERNAL_H */
