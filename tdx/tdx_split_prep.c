// SPDX-License-Identifier: GPL-2.0-only
/*
 * What both split hooks (tdx_split.c with mmu_lock held for write,
 * tdx_split_shared.c with it held for read) set up before their BLOCK and
 * settle after their DEMOTE: the operands, and under DPAMT the PAMT_4K
 * pages they need.  Everything is taken before the BLOCK, so a shortage
 * leaves the S-EPT untouched.
 */
#include "tdx_internal.h"

struct tdx_split tdx_split_operands(struct kvm_tdx *kvm_tdx, gfn_t gfn, int level,
				    hpa_t external_spt)
{
	gfn_t base = gfn_round_for_level(gfn, level);

	return (struct tdx_split){
		.base = base,
		.dpamt_pair = kvm_tdx->dpamt && level == PG_LEVEL_2M,
		.in = {.rcx = tdx_gpa_level(base, level), .r8 = external_spt},
	};
}

int tdx_split_get(struct kvm_tdx *kvm_tdx, struct tdx_split *s)
{
	int r;

	/* DPAMT: R8's own region needs a pair; the demoted 2M range gets one in R12/R13. */
	r = tdx_pamt_get(kvm_tdx, s->in.r8);
	if (r)
		return r;
	if (s->dpamt_pair) {
		r = tdx_pamt_pair_get(kvm_tdx, s->pair);
		if (r) {
			tdx_pamt_put(kvm_tdx, s->in.r8);
			return r;
		}
		s->in.r12 = s->pair[0];
		s->in.r13 = s->pair[1];
	}
	return 0;
}

void tdx_split_put(struct kvm_tdx *kvm_tdx, const struct tdx_split *s)
{
	if (s->dpamt_pair)
		tdx_pamt_pair_put(kvm_tdx, s->pair);
	tdx_pamt_put(kvm_tdx, s->in.r8);
}

void tdx_split_demoted(struct kvm_tdx *kvm_tdx, const struct tdx_split *s, kvm_pfn_t pfn)
{
	/* The demoted range now has 512 PAMT_4K users (KVM's per-2M refcount). */
	if (s->dpamt_pair)
		tdx_pamt_demoted(kvm_tdx, pfn_to_hpa(pfn) & ~(level_size(PG_LEVEL_2M) - 1),
				 s->pair);
}
