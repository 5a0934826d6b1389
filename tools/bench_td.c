// SPDX-License-Identifier: GPL-2.0-only
/*
 * The TD the MMU-level benchmarks (split, promote) start from: the TDX glue
 * and the MMU over one frame allocator, @n private 2M leaves mapped at GFN 0.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "tdpmmu/mmu.h"
#include "tdpmmu/tdx.h"

void bench_td_destroy(struct bench_td *e)
{
	if (e->mmu)
		kvm_mmu_destroy(e->mmu);
	if (e->tdx)
		tdx_vm_destroy(e->tdx);
	for (u64 i = 0; i < e->n; i++)
		if (e->folios && e->folios[i])
			frame_free(e->fa, e->folios[i], level_size(PG_LEVEL_2M));
	free(e->folios);
	if (e->fa)
		frame_allocator_destroy(e->fa);
}

/* A TD with @n private 2M leaves at GFN 0.. mapped through the MMU. */
int bench_td_create(struct bench_td *e, u64 n, enum tdxmod_version version)
{
	struct kvm_tdx_config cfg = {
		.module = {.version = version, .nr_vcpus = 1, .max_vcpus = 1},
		.policy = TDX_POLICY_UPSTREAM,
	};

	memset(e, 0, sizeof(*e));
	e->fa = frame_allocator_create();
	if (!e->fa)
		return -ENOMEM;
	e->tdx = tdx_vm_create(&cfg, e->fa, NULL, NULL);
	if (!e->tdx || tdx_td_finalize(e->tdx))
		return -ENOMEM;
	e->mmu = kvm_mmu_create(e->fa, tdx_external_ops(), e->tdx, n * 512);
	e->folios = calloc(n, sizeof(*e->folios));
	if (!e->mmu || !e->folios)
		return -ENOMEM;
	e->n = n;
	for (u64 i = 0; i < n; i++) {
		struct kvm_page_fault f = {.gfn = i * 512,
					   .is_private = true,
					   .write = true,
					   .max_level = PG_LEVEL_2M};
		int r;

		if (frame_alloc_guest(e->fa, PG_LEVEL_2M, &e->folios[i]))
			return -ENOMEM;
		f.pfn = e->folios[i] >> PAGE_SHIFT;
		do {
			f.mmu_seq = kvm_mmu_invalidate_seq(e->mmu);
			r = kvm_tdp_mmu_page_fault(e->mmu, &f);
		} while (r == RET_PF_RETRY);
		if (r != RET_PF_FIXED || f.mapped_level != PG_LEVEL_2M)
			return -EIO;
	}
	return 0;
}
