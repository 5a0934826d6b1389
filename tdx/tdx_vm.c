// SPDX-License-Identifier: GPL-2.0-only
/*
 * The TD's lifecycle on the KVM side: create (module, TDR, root S-EPT
 * page), finalize, teardown; the hook table; vCPU entry/exit; statistics.
 */
#include <errno.h>
#include <stdlib.h>

#include "tdx_internal.h"

static const struct kvm_external_ops tdx_ops = {
	.link_external_spt = tdx_sept_link_private_spt,
	.set_external_spte = tdx_sept_set_private_spte,
	.remove_external_spte = tdx_sept_remove_private_spte,
	.free_external_spt = tdx_sept_free_private_spt,
	.split_external_spt = tdx_sept_split_private_spt,
	.promote_external_spt = tdx_sept_promote_private_spt,
	.split_external_spt_shared = tdx_sept_split_private_spt_shared,
	.topup_external_cache = tdx_topup_external_cache,
	.flush_external = tdx_flush_batched,
};

const struct kvm_external_ops *tdx_external_ops(void)
{
	return &tdx_ops;
}

struct kvm_tdx *tdx_vm_create(const struct kvm_tdx_config *cfg, struct frame_allocator *fa,
			      const struct tdx_kick_ops *kick, void *vm)
{
	struct kvm_tdx *kvm_tdx = calloc(1, sizeof(*kvm_tdx));

	if (!kvm_tdx)
		return NULL;
	kvm_tdx->cfg = *cfg;
	kvm_tdx->fa = fa;
	kvm_tdx->kick = kick;
	kvm_tdx->vm = vm;
	kvm_tdx->dpamt = cfg->module.dpamt && cfg->module.version == TDX_MODULE_2_0;
	atomic_init(&kvm_tdx->state, TD_STATE_INITIALIZED);
	tdx_pamt_init(kvm_tdx);
	tdx_raw_init(kvm_tdx);

	kvm_tdx->mod = tdxmod_create(&cfg->module);
	if (!kvm_tdx->mod)
		goto err;
	if (frame_alloc(fa, PG_LEVEL_4K, &kvm_tdx->tdr_hpa))
		goto err_mod;
	if (frame_alloc(fa, PG_LEVEL_4K, &kvm_tdx->root_hpa))
		goto err_tdr;
	kvm_tdx->td = tdxmod_td_create(kvm_tdx->mod, kvm_tdx->tdr_hpa, kvm_tdx->root_hpa);
	if (!kvm_tdx->td)
		goto err_root;
	return kvm_tdx;

err_root:
	frame_free(fa, kvm_tdx->root_hpa, PAGE_SIZE);
err_tdr:
	frame_free(fa, kvm_tdx->tdr_hpa, PAGE_SIZE);
err_mod:
	tdxmod_destroy(kvm_tdx->mod);
err:
	tdx_raw_teardown(kvm_tdx);
	tdx_pamt_teardown(kvm_tdx);
	free(kvm_tdx);
	return NULL;
}

/*
 * Pages the module still held are the owners' (guest_memfd's guest pages,
 * the MMU's external pages) to free: the module only lets go of them.
 */
static void tdx_reclaim_page(void *arg, hpa_t hpa, u64 size)
{
	(void)arg;
	(void)hpa;
	(void)size;
}

void tdx_vm_destroy(struct kvm_tdx *kvm_tdx)
{
	if (!kvm_tdx)
		return;
	tdxmod_td_destroy(kvm_tdx->td, tdx_reclaim_page, kvm_tdx);
	tdxmod_destroy(kvm_tdx->mod);
	/* The module let go of every page: the S-EPT pages it kept are ours again. */
	for (size_t i = 0; i < kvm_tdx->nr_stuck_spt; i++)
		frame_free(kvm_tdx->fa, kvm_tdx->stuck_spt[i], PAGE_SIZE);
	free(kvm_tdx->stuck_spt);
	tdx_raw_teardown(kvm_tdx);
	free(kvm_tdx->batched);
	frame_free(kvm_tdx->fa, kvm_tdx->root_hpa, PAGE_SIZE);
	frame_free(kvm_tdx->fa, kvm_tdx->tdr_hpa, PAGE_SIZE);
	tdx_pamt_teardown(kvm_tdx);
	free(kvm_tdx);
}

u64 tdx_td_finalize(struct kvm_tdx *kvm_tdx)
{
	struct tdx_module_args args = {};
	u64 err = tdx_seamcall(kvm_tdx, TDH_MR_FINALIZE, &args);

	if (!err)
		atomic_store(&kvm_tdx->state, TD_STATE_RUNNABLE);
	return err;
}

bool tdx_td_is_runnable(struct kvm_tdx *kvm_tdx)
{
	return tdx_is_runnable(kvm_tdx);
}

struct tdxmod_td *tdx_td(struct kvm_tdx *kvm_tdx)
{
	return kvm_tdx->td;
}

struct tdxmod *tdx_module(struct kvm_tdx *kvm_tdx)
{
	return kvm_tdx->mod;
}

u64 tdx_vcpu_enter(struct kvm_tdx *kvm_tdx, int vcpu)
{
	return tdxmod_vp_enter(kvm_tdx->td, vcpu);
}

void tdx_vcpu_exit(struct kvm_tdx *kvm_tdx, int vcpu)
{
	tdxmod_vp_exit(kvm_tdx->td, vcpu);
}

u64 tdx_leaf_calls(struct kvm_tdx *kvm_tdx, enum tdxmod_leaf leaf)
{
	return tdxmod_leaf_calls(kvm_tdx->td, leaf);
}

void tdx_get_stats(struct kvm_tdx *kvm_tdx, struct tdx_stats *st)
{
	st->track_rounds = counter_read(&kvm_tdx->track_rounds);
	st->kicks = counter_read(&kvm_tdx->kicks);
	st->busy_retries = counter_read(&kvm_tdx->busy_retries);
	st->interrupted_retries = counter_read(&kvm_tdx->interrupted_retries);
	st->interrupted_drops = counter_read(&kvm_tdx->interrupted_drops);
	st->errors = counter_read(&kvm_tdx->errors);
	st->promote_refused = counter_read(&kvm_tdx->promote_refused);
	st->promote_failed = counter_read(&kvm_tdx->promote_failed);
	st->promote_unblocks = counter_read(&kvm_tdx->promote_unblocks);
	st->promote_rounds = counter_read(&kvm_tdx->promote_rounds);
	st->pamt_pairs = counter_read(&kvm_tdx->pamt_pairs);
	st->shared_split_busy = counter_read(&kvm_tdx->shared_split_busy);
	st->pamt_cache_empty = counter_read(&kvm_tdx->pamt_cache_empty);
}
