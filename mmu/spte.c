// SPDX-License-Identifier: GPL-2.0-only
/*
 * SPTE construction (KVM's spte.c, EPT flavour with A/D bits enabled).
 */
#include "tdpmmu/base.h"
#include "tdpmmu/spte.h"

u64 make_spte(int level, kvm_pfn_t pfn, bool writable, bool dirty)
{
	u64 spte = SPTE_MMU_PRESENT_MASK | VMX_EPT_READABLE_MASK | VMX_EPT_EXECUTABLE_MASK |
		   VMX_EPT_ACCESS_BIT | (MTRR_TYPE_WRBACK << VMX_EPT_MT_EPTE_SHIFT) |
		   EPT_SPTE_HOST_WRITABLE;

	BASE_ASSERT(level >= PG_LEVEL_4K && level <= PG_LEVEL_1G);
	BASE_ASSERT(!(pfn & (KVM_PAGES_PER_HPAGE(level) - 1)));
	if (level > PG_LEVEL_4K)
		spte |= PT_PAGE_SIZE_MASK;
	/* Writable-bit invariant: W implies MMU-writable implies Host-writable. */
	if (writable) {
		spte |= VMX_EPT_WRITABLE_MASK | EPT_SPTE_MMU_WRITABLE;
		if (dirty)
			spte |= VMX_EPT_DIRTY_BIT;
	}
	spte |= (pfn << PAGE_SHIFT) & SPTE_BASE_ADDR_MASK;
	return spte;
}

u64 make_nonleaf_spte(u64 *child_pt)
{
	u64 pa = (u64)(uintptr_t)child_pt;

	BASE_ASSERT(!(pa & (PAGE_SIZE - 1)) && !(pa & ~SPTE_BASE_ADDR_MASK));
	/* Accessed is always set on non-leaf SPTEs when A/D bits are enabled. */
	return SPTE_MMU_PRESENT_MASK | VMX_EPT_RWX_MASK | VMX_EPT_ACCESS_BIT | pa;
}

u64 make_small_spte(u64 huge_spte, int huge_level, int index)
{
	int child_level = huge_level - 1;
	u64 child = huge_spte;

	BASE_ASSERT(is_shadow_present_pte(huge_spte) && is_large_pte(huge_spte));
	BASE_ASSERT(huge_level > PG_LEVEL_4K && index >= 0 && index < PTRS_PER_PTE);
	child += ((u64)index * KVM_PAGES_PER_HPAGE(child_level)) << PAGE_SHIFT;
	if (child_level == PG_LEVEL_4K)
		child &= ~PT_PAGE_SIZE_MASK;
	return child;
}

void make_small_sptes(u64 huge_spte, int huge_level, u64 *spt)
{
	page_fill_step(spt, make_small_spte(huge_spte, huge_level, 0),
		       KVM_PAGES_PER_HPAGE(huge_level - 1) << PAGE_SHIFT);
}

u64 make_huge_spte(u64 small_spte, int level)
{
	u64 mask = (KVM_PAGES_PER_HPAGE(level) << PAGE_SHIFT) - 1;

	BASE_ASSERT(is_shadow_present_pte(small_spte) && level > PG_LEVEL_4K);
	return (small_spte | PT_PAGE_SIZE_MASK) & ~(mask & SPTE_BASE_ADDR_MASK);
}
