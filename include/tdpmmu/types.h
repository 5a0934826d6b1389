/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Basic types and x86 paging geometry shared by every layer.
 *
 * Levels: the MMU uses KVM's PG_LEVEL_* numbering (4K = 1); the TDX module
 * ABI uses its own (4K = 0).  Convert only with the helpers below.
 */
#ifndef TDPMMU_TYPES_H
#define TDPMMU_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int64_t s64;

typedef u64 gfn_t; /* guest frame number (GPA >> 12), no shared bit */
typedef u64 gpa_t; /* guest physical address */
typedef u64 hpa_t; /* host physical address (a frame of the model) */
typedef u64 kvm_pfn_t; /* host frame number (HPA >> 12) */

#define BIT_ULL(n) (1ULL << (n))
#define GENMASK_ULL(h, l) (((~0ULL) << (l)) & (~0ULL >> (63 - (h))))
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#define PAGE_SHIFT 12
#define PAGE_SIZE (1ULL << PAGE_SHIFT)
#define PTRS_PER_PTE 512
#define SPTE_LEVEL_BITS 9

enum pg_level {
	PG_LEVEL_NONE = 0,
	PG_LEVEL_4K = 1,
	PG_LEVEL_2M = 2,
	PG_LEVEL_1G = 3,
	PG_LEVEL_512G = 4,
};

/* Four-level EPT everywhere (the contract's S-EPT has four levels). */
#define PT64_ROOT_4LEVEL 4

/* Number of 4K pages covered by one entry at @level. */
static inline u64 KVM_PAGES_PER_HPAGE(int level)
{
	return 1ULL << ((level - 1) * SPTE_LEVEL_BITS);
}

static inline u64 level_size(int level)
{
	return KVM_PAGES_PER_HPAGE(level) << PAGE_SHIFT;
}

static inline gfn_t gfn_round_for_level(gfn_t gfn, int level)
{
	return gfn & ~(KVM_PAGES_PER_HPAGE(level) - 1);
}

static inline gpa_t gfn_to_gpa(gfn_t gfn)
{
	return gfn << PAGE_SHIFT;
}

static inline gfn_t gpa_to_gfn(gpa_t gpa)
{
	return gpa >> PAGE_SHIFT;
}

/* KVM PG_LEVEL_* <-> TDX S-EPT level (RCX[2:0]). */
static inline int pg_level_to_tdx_sept_level(int level)
{
	return level - 1;
}

static inline int tdx_sept_level_to_pg_level(int tdx_level)
{
	return tdx_level + 1;
}

#define container_of(ptr, type, member) ((type *)((char *)(ptr)-offsetof(type, member)))

#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

#endif /* TDPMMU_TYPES_H */
