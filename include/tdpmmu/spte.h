/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * EPT-format SPTEs as KVM's TDP MMU builds them (arch/x86/kvm/mmu/spte.h,
 * EPT flavour).  Public so the checker and tests can decode what
 * kvm_tdp_mmu_for_each_present() hands out.
 *
 * A page-table page of the model is a real 4 KiB page of this process;
 * its "physical" frame number is its virtual address >> 12 (identity map),
 * so a non-leaf SPTE leads straight to the child page.
 */
#ifndef TDPMMU_SPTE_H
#define TDPMMU_SPTE_H

#include "tdpmmu/types.h"

#define VMX_EPT_READABLE_MASK BIT_ULL(0)
#define VMX_EPT_WRITABLE_MASK BIT_ULL(1)
#define VMX_EPT_EXECUTABLE_MASK BIT_ULL(2)
#define VMX_EPT_RWX_MASK (VMX_EPT_READABLE_MASK | VMX_EPT_WRITABLE_MASK | VMX_EPT_EXECUTABLE_MASK)
#define VMX_EPT_MT_EPTE_SHIFT 3
#define MTRR_TYPE_WRBACK 6ULL
#define VMX_EPT_IPAT_BIT BIT_ULL(6)
#define PT_PAGE_SIZE_MASK BIT_ULL(7) /* huge leaf at level > 4K */
#define VMX_EPT_ACCESS_BIT BIT_ULL(8)
#define VMX_EPT_DIRTY_BIT BIT_ULL(9)
#define SPTE_MMU_PRESENT_MASK BIT_ULL(11) /* software "shadow present" */
#define SPTE_BASE_ADDR_MASK GENMASK_ULL(51, 12)
#define EPT_SPTE_HOST_WRITABLE BIT_ULL(57)
#define EPT_SPTE_MMU_WRITABLE BIT_ULL(58)
#define VMX_EPT_SUPPRESS_VE_BIT BIT_ULL(63)

/* Non-present value of every zapped SPTE: suppress-#VE set, so TDX gets EPT violations. */
#define SHADOW_NONPRESENT_VALUE VMX_EPT_SUPPRESS_VE_BIT
/*
 * An SPTE owned by one thread mid-update (or a removed table's entries).
 * Not shadow-present, no RWX, no PFN: other walkers must retry.
 */
#define FROZEN_SPTE (SHADOW_NONPRESENT_VALUE | 0x5a0ULL)

_Static_assert(!(FROZEN_SPTE & SPTE_MMU_PRESENT_MASK), "FROZEN_SPTE must not be present");
_Static_assert(!(FROZEN_SPTE & VMX_EPT_RWX_MASK), "FROZEN_SPTE must not be accessible");

static inline bool is_frozen_spte(u64 spte)
{
	return spte == FROZEN_SPTE;
}

static inline bool is_shadow_present_pte(u64 spte)
{
	return spte & SPTE_MMU_PRESENT_MASK;
}

static inline bool is_large_pte(u64 spte)
{
	return spte & PT_PAGE_SIZE_MASK;
}

/* A leaf is any 4K entry, or a larger one with the page-size bit. */
static inline bool is_last_spte(u64 spte, int level)
{
	return level == PG_LEVEL_4K || is_large_pte(spte);
}

static inline bool is_writable_pte(u64 spte)
{
	return spte & VMX_EPT_WRITABLE_MASK;
}

static inline kvm_pfn_t spte_to_pfn(u64 spte)
{
	return (spte & SPTE_BASE_ADDR_MASK) >> PAGE_SHIFT;
}

/* The child page table of a present non-leaf SPTE, else NULL. */
static inline u64 *spte_to_child_pt(u64 spte, int level)
{
	if (!is_shadow_present_pte(spte) || is_last_spte(spte, level))
		return NULL;
	return (u64 *)(uintptr_t)(spte_to_pfn(spte) << PAGE_SHIFT);
}

/* Index of @gfn's entry in the page table at @level. */
static inline int SPTE_INDEX(gfn_t gfn, int level)
{
	return (gfn >> ((level - 1) * SPTE_LEVEL_BITS)) & (PTRS_PER_PTE - 1);
}

/* A present leaf at @level mapping @pfn (aligned to the level), RWX, WB. */
u64 make_spte(int level, kvm_pfn_t pfn, bool writable, bool dirty);
/* A present non-leaf pointing to the page table @child_pt. */
u64 make_nonleaf_spte(u64 *child_pt);
/*
 * Entry @index of the table that replaces the huge leaf @huge_spte: same
 * attributes, PFN stepped by the child size, page-size bit dropped at 4K.
 */
u64 make_small_spte(u64 huge_spte, int huge_level, int index);
/* All 512 of them into @spt: the checks once, then one step per entry. */
void make_small_sptes(u64 huge_spte, int huge_level, u64 *spt);
/* The huge leaf at @level that the small leaf @small_spte would be part of. */
u64 make_huge_spte(u64 small_spte, int level);

#endif /* TDPMMU_SPTE_H */
