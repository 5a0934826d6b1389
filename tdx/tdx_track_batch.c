// SPDX-License-Identifier: GPL-2.0-only
/*
 * Beyond upstream: TRACK rounds batched per MMU operation.  With
 * cfg.track_batch, remove_external_spte only BLOCKs the leaf and queues
 * it; the MMU's flush_external at the end of the operation then does one
 * TRACK + kick for all of them and the PAGE.REMOVEs.  A TRACK after the
 * last BLOCK covers every earlier BLOCK (the module compares each entry's
 * blocking epoch with the TD epoch), so one round suffices.  Everything
 * runs under the exclusive mmu_lock.
 */
#include <errno.h>
#include <stdlib.h>

#include "tdx_internal.h"

bool tdx_batch_reserve(struct kvm_tdx *kvm_tdx)
{
	struct tdx_batched_remove *p;
	size_t cap;

	if (kvm_tdx->nr_batched < kvm_tdx->cap_batched)
		return true;
	cap = kvm_tdx->cap_batched ? 2 * kvm_tdx->cap_batched : 64;
	p = realloc(kvm_tdx->batched, cap * sizeof(*p));
	if (!p)
		return false;
	kvm_tdx->batched = p;
	kvm_tdx->cap_batched = cap;
	return true;
}

void tdx_batch_queue(struct kvm_tdx *kvm_tdx, gfn_t gfn, int level, kvm_pfn_t pfn)
{
	BASE_ASSERT(kvm_tdx->nr_batched < kvm_tdx->cap_batched);
	kvm_tdx->batched[kvm_tdx->nr_batched++] = (struct tdx_batched_remove){
		.gfn = gfn,
		.level = level,
		.pfn = pfn,
	};
}

int tdx_flush_batched(void *opaque)
{
	struct kvm_tdx *kvm_tdx = opaque;
	size_t nr = kvm_tdx->nr_batched;
	int ret = 0;

	if (!nr)
		return 0;
	/* The queue is consumed whatever happens: the mirror forgot it all. */
	kvm_tdx->nr_batched = 0;

	/* The policy already judged a failed TRACK (always fatal); leaves stay BLOCKED. */
	if (tdx_track(kvm_tdx))
		return -EIO;

	for (size_t i = 0; i < nr; i++) {
		const struct tdx_batched_remove *b = &kvm_tdx->batched[i];
		struct tdx_module_args in = {.rcx = tdx_gpa_level(b->gfn, b->level)}, out;
		struct tdx_sept_op op = {.leaf = TDH_MEM_PAGE_REMOVE,
					 .gfn = b->gfn,
					 .level = b->level,
					 .blocked = true};
		u64 err = tdh_do_no_vcpus(kvm_tdx, TDH_MEM_PAGE_REMOVE, &in, &out);

		if (unlikely(err)) {
			/* Go on: the other leaves are tracked and can still go. */
			ret = tdx_handle_batched_error(kvm_tdx, &op, err);
			continue;
		}
		if (b->level == PG_LEVEL_4K)
			tdx_pamt_put(kvm_tdx, (hpa_t)b->pfn << PAGE_SHIFT);
	}
	return ret;
}
