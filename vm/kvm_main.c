// SPDX-License-Identifier: GPL-2.0-only
/*
 * The VM: creation (frame allocator, TDX glue, MMU with the TDX hooks,
 * guest_memfd, attributes, vCPUs), teardown (zap everything, tear the TD
 * down, free every frame), and inspection.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tdpmmu/vm_inspect.h"
#include "vm_internal.h"

void kvm_config_default(struct kvm_config *cfg)
{
	*cfg = (struct kvm_config){
		.mem = 64ULL << 20,
		.nr_vcpus = 1,
		.max_level = PG_LEVEL_2M,
		.module = TDX_MODULE_1_5,
		.dpamt = false,
		.demote_interruptible = false,
		.seed = 0,
		.policy = TDX_POLICY_UPSTREAM,
		.vcpu_threads = true,
	};
}

static _Thread_local u64 destroy_leaked;

static void kvm_free(struct kvm *kvm)
{
	kvm_vcpus_stop(kvm);
	if (kvm->mmu)
		kvm_mmu_destroy(kvm->mmu);
	if (kvm->kvm_tdx)
		tdx_vm_destroy(kvm->kvm_tdx);
	kvm_vcpus_destroy(kvm);
	gmem_destroy(&kvm->gmem);
	gmem_destroy(&kvm->shared_mem);
	kvm_accept_stats_free(kvm);
	free((void *)kvm->shared_bits);
	pthread_mutex_destroy(&kvm->enter_lock);
	pthread_cond_destroy(&kvm->enter_cond);
	kvm_promote_destroy(kvm);
	if (kvm->fa) {
		destroy_leaked = frame_allocator_in_use(kvm->fa);
		frame_allocator_destroy(kvm->fa);
	}
	free(kvm);
}

u64 kvm_destroy_leaked_bytes(void)
{
	return destroy_leaked;
}

/* Slots 4K aligned, non-empty, inside [0, mem), pairwise disjoint. */
static bool kvm_memslots_valid(const struct kvm_config *cfg)
{
	if (cfg->nr_memslots < 0 || cfg->nr_memslots > KVM_MAX_MEMSLOTS)
		return false;
	for (int i = 0; i < cfg->nr_memslots; i++) {
		const struct kvm_memslot_range *a = &cfg->memslots[i];

		if (!a->size || ((a->base | a->size) & (PAGE_SIZE - 1)) || a->base >= cfg->mem ||
		    a->size > cfg->mem - a->base)
			return false;
		for (int j = 0; j < i; j++) {
			const struct kvm_memslot_range *b = &cfg->memslots[j];

			if (a->base < b->base + b->size && b->base < a->base + a->size)
				return false;
		}
	}
	return true;
}

int kvm_create(const struct kvm_config *cfg, struct kvm **kvmp)
{
	struct kvm_tdx_config tcfg = {};
	struct kvm *kvm;
	int r = -ENOMEM;

	if (!cfg || !cfg->mem || (cfg->mem & (PAGE_SIZE - 1)) || cfg->nr_vcpus < 1 ||
	    cfg->max_level < PG_LEVEL_4K || cfg->max_level > PG_LEVEL_1G ||
	    (cfg->dpamt && cfg->module != TDX_MODULE_2_0))
		return -EINVAL;
	if (!kvm_memslots_valid(cfg))
		return -EINVAL;

	kvm_thread_ensure_registered();
	kvm = calloc(1, sizeof(*kvm));
	if (!kvm)
		return -ENOMEM;
	kvm->cfg = *cfg;
	kvm->nr_gfns = gpa_to_gfn(cfg->mem);
	pthread_mutex_init(&kvm->enter_lock, NULL);
	pthread_cond_init(&kvm->enter_cond, NULL);
	pthread_mutex_init(&kvm->accept_lock, NULL);
	atomic_init(&kvm->no_vcpu_enter, false);
	kvm_promote_init(kvm);

	kvm->fa = frame_allocator_create();
	if (!kvm->fa)
		goto err;
	kvm->shared_bits = calloc((kvm->nr_gfns + 63) / 64, sizeof(u64));
	if (!kvm->shared_bits)
		goto err;
	r = gmem_init(&kvm->gmem, kvm->fa, kvm->nr_gfns, cfg->max_level);
	if (!r)
		r = gmem_init(&kvm->shared_mem, kvm->fa, kvm->nr_gfns, cfg->max_level);
	if (r)
		goto err;
	if (cfg->nr_memslots) {
		kvm->gmem.slots = &kvm->cfg;
		kvm->shared_mem.slots = &kvm->cfg;
	}
	r = kvm_vcpus_create(kvm);
	if (r)
		goto err;

	tcfg.module = (struct tdxmod_config){
		.version = cfg->module,
		.dpamt = cfg->dpamt,
		.demote_interruptible = cfg->demote_interruptible,
		.seed = cfg->seed,
		.nr_vcpus = cfg->nr_vcpus,
		.max_vcpus = cfg->nr_vcpus,
	};
	tcfg.policy = cfg->policy;
	tcfg.track_batch = cfg->track_batch;
	r = -ENOMEM;
	kvm->kvm_tdx = tdx_vm_create(&tcfg, kvm->fa, &kvm_tdx_kick_ops, kvm);
	if (!kvm->kvm_tdx)
		goto err;
	kvm->mmu = kvm_mmu_create(kvm->fa, tdx_external_ops(), kvm->kvm_tdx, kvm->nr_gfns);
	if (!kvm->mmu)
		goto err;
	kvm_memslots_init_lpage(kvm);
	kvm_mmu_set_flush_remote_tlbs(kvm->mmu, kvm_flush_shared_tlbs, kvm);
	*kvmp = kvm;
	return 0;
err:
	kvm_free(kvm);
	return r;
}

void kvm_destroy(struct kvm *kvm)
{
	if (!kvm)
		return;
	kvm_thread_ensure_registered();
	kvm_free(kvm);
}

const struct kvm_config *kvm_get_config(struct kvm *kvm)
{
	return &kvm->cfg;
}

/* ---- TD build ---- */

int kvm_tdx_init_mem_region(struct kvm *kvm, gpa_t gpa, u64 size, u64 *status)
{
	gpa_t end = gpa + size;
	int r = 0;

	kvm_thread_ensure_registered();
	if (!kvm_range_valid(kvm, gpa, size))
		return -EINVAL;
	for (; gpa < end; gpa += PAGE_SIZE) {
		enum kvm_fault_result res;

		/* kvm_tdp_map_page at 4K: mirror fault-in, then PAGE.ADD. */
		r = kvm_mmu_page_fault(kvm, gpa_to_gfn(gpa), true, true, PG_LEVEL_4K, &res);
		if (!r && res == KVM_FAULT_MEMORY_FAULT)
			r = -EINVAL; /* shared GPA: nothing to add */
		if (r)
			break;
	}
	if (status)
		*status = tdx_last_status(kvm->kvm_tdx);
	return r;
}

u64 kvm_tdx_finalize(struct kvm *kvm)
{
	struct rwlock *lock = kvm_mmu_lock(kvm->mmu);
	u64 err;

	/* No fault may see a half-changed TD state. */
	write_lock(lock);
	err = tdx_td_finalize(kvm->kvm_tdx);
	write_unlock(lock);
	return err;
}

/* ---- inspection ---- */

void kvm_get_counters(struct kvm *kvm, struct kvm_counters *c)
{
	struct rwlock *lock = kvm_mmu_lock(kvm->mmu);
	struct kvm_mmu_stats ms;
	struct tdx_stats ts;
	int l;

	kvm_mmu_get_stats(kvm->mmu, &ms);
	tdx_get_stats(kvm->kvm_tdx, &ts);
	for (l = 0; l < NR_TDX_LEAVES; l++)
		c->leaf_calls[l] = tdx_leaf_calls(kvm->kvm_tdx, l);
	c->splits = ms.splits;
	c->kicks = ts.kicks;
	c->faults = counter_read(&kvm->ept_violations);
	c->vm_bugged = kvm_mmu_is_bugged(kvm->mmu);
	c->track_rounds = ts.track_rounds;
	c->busy_retries = ts.busy_retries + counter_read(&kvm->enter_busy_retries);
	c->write_lock_acquisitions = atomic_load(&lock->write_acquisitions);
	c->write_lock_hold_ns = atomic_load(&lock->write_hold_ns);
	c->write_lock_hold_max_ns = atomic_load(&lock->write_hold_max_ns);
	c->guest_inhibits = counter_read(&kvm->guest_inhibits);
	c->promotes = ms.promotes;
	c->promote_tries = ms.promote_tries;
	c->promote_refused = ts.promote_refused;
	c->promote_failed = ts.promote_failed;
	c->promote_rounds = ts.promote_rounds;
	c->promote_queued = counter_read(&kvm->promote.queued);
	c->promote_held_back = counter_read(&kvm->promote.held_back);
	c->pamt_pairs = ts.pamt_pairs;
	c->split_retries = counter_read(&kvm->split_retries);
	c->shared_split_busy = ts.shared_split_busy;
	c->read_lock_waits = atomic_load(&lock->read_waits);
	c->guest_inhibits_4k = counter_read(&kvm->guest_inhibits_4k);
	c->remote_tlb_flushes = ms.remote_tlb_flushes;
	c->dpamt_cache_empty = ts.pamt_cache_empty;
	c->warn_huge_leaf_above_level = ms.warn_huge_leaf_above_level;
}

/* Every field has its line below: a new one must say how it folds. */
_Static_assert(sizeof(struct kvm_counters) == (NR_TDX_LEAVES + 25) * sizeof(u64),
	       "struct kvm_counters changed: update kvm_counters_add()");

void kvm_counters_add(struct kvm_counters *sum, const struct kvm_counters *c)
{
	int l;

	for (l = 0; l < NR_TDX_LEAVES; l++)
		sum->leaf_calls[l] += c->leaf_calls[l];
	sum->splits += c->splits;
	sum->kicks += c->kicks;
	sum->faults += c->faults;
	sum->vm_bugged += c->vm_bugged;
	sum->track_rounds += c->track_rounds;
	sum->busy_retries += c->busy_retries;
	sum->write_lock_acquisitions += c->write_lock_acquisitions;
	sum->write_lock_hold_ns += c->write_lock_hold_ns;
	if (c->write_lock_hold_max_ns > sum->write_lock_hold_max_ns)
		sum->write_lock_hold_max_ns = c->write_lock_hold_max_ns;
	sum->promotes += c->promotes;
	sum->promote_tries += c->promote_tries;
	sum->promote_refused += c->promote_refused;
	sum->promote_failed += c->promote_failed;
	sum->promote_rounds += c->promote_rounds;
	sum->promote_queued += c->promote_queued;
	sum->promote_held_back += c->promote_held_back;
	sum->pamt_pairs += c->pamt_pairs;
	sum->split_retries += c->split_retries;
	sum->shared_split_busy += c->shared_split_busy;
	sum->read_lock_waits += c->read_lock_waits;
	sum->guest_inhibits += c->guest_inhibits;
	sum->guest_inhibits_4k += c->guest_inhibits_4k;
	sum->remote_tlb_flushes += c->remote_tlb_flushes;
	sum->dpamt_cache_empty += c->dpamt_cache_empty;
	sum->warn_huge_leaf_above_level += c->warn_huge_leaf_above_level;
}

u64 kvm_dpamt_cached_pages(struct kvm *kvm, int vcpu)
{
	return tdx_pamt_cached_pages(kvm->kvm_tdx, vcpu);
}

bool kvm_is_bugged(struct kvm *kvm)
{
	return kvm_mmu_is_bugged(kvm->mmu);
}

void kvm_get_bug_info(struct kvm *kvm, struct kvm_bug_info *bi)
{
	struct kvm_mmu_bug_info mb;
	struct tdx_error_info te;

	memset(bi, 0, sizeof(*bi));
	bi->bugged = kvm_mmu_is_bugged(kvm->mmu);
	if (!bi->bugged)
		return;
	bi->reason = "unknown";
	bi->func = "?";
	if (kvm_mmu_get_bug_info(kvm->mmu, &mb)) {
		bi->reason = mb.reason;
		bi->func = mb.func;
		bi->has_gfn = mb.level != 0;
		bi->gfn = mb.gfn;
		bi->level = mb.level;
	}
	/* The glue knows the leaf and status; its entry is the precise one. */
	if (tdx_get_fatal_error(kvm->kvm_tdx, &te)) {
		bi->has_leaf = true;
		bi->leaf = te.leaf;
		bi->status = te.status;
		if (te.level) {
			bi->has_gfn = true;
			bi->gfn = te.gfn;
			bi->level = te.level;
		}
	}
}

void kvm_count_mappings(struct kvm *kvm, u64 mappings[PG_LEVEL_512G + 1])
{
	struct kvm_mmu_stats ms;
	int l;

	kvm_mmu_get_stats(kvm->mmu, &ms);
	for (l = 0; l <= PG_LEVEL_512G; l++)
		mappings[l] = ms.mirror_mappings[l];
}

void kvm_count_pt_pages(struct kvm *kvm, u64 *mirror, u64 *external)
{
	struct kvm_mmu_stats ms;

	kvm_mmu_get_stats(kvm->mmu, &ms);
	if (mirror)
		*mirror = ms.mirror_pt_pages;
	if (external)
		*external = ms.external_pages;
}

bool kvm_mirror_lookup(struct kvm *kvm, gpa_t gpa, int *level, kvm_pfn_t *pfn)
{
	struct rwlock *lock = kvm_mmu_lock(kvm->mmu);
	bool present;

	kvm_thread_ensure_registered();
	read_lock(lock);
	present = kvm_tdp_mmu_lookup(kvm->mmu, gpa_to_gfn(gpa), true, level, pfn);
	read_unlock(lock);
	return present;
}

struct tdxmod_td *kvm_tdx_td(struct kvm *kvm)
{
	return tdx_td(kvm->kvm_tdx);
}

struct tdxmod *kvm_tdx_module(struct kvm *kvm)
{
	return tdx_module(kvm->kvm_tdx);
}

struct frame_allocator *kvm_frame_allocator(struct kvm *kvm)
{
	return kvm->fa;
}

struct kvm_mmu *kvm_get_mmu(struct kvm *kvm)
{
	return kvm->mmu;
}
