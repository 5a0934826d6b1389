/* SPDX-License-Identifier: GPL-2.0-only */
/* Shared set-up for the tdxmod unit tests (header-only; cmocka included by the test). */
#ifndef TEST_TDXMOD_HARNESS_H
#define TEST_TDXMOD_HARNESS_H

#include <stdio.h>
#include <stdlib.h>

#include "tdpmmu/tdxmod.h"

#define TDR_HPA 0x1000ULL
#define ROOT_HPA 0x2000ULL
#define TDX_4K 0
#define TDX_2M 1
#define TDX_1G 2
#define TDX_512G 3

struct h {
	struct tdxmod *mod;
	struct tdxmod_td *td;
	hpa_t next; /* bump allocator for host pages, 1G aligned start */
	struct tdx_module_args a; /* registers of the last call */
	u64 reclaimed;
};

static inline hpa_t h_alloc(struct h *h, int tdx_level)
{
	u64 size = PAGE_SIZE << (9 * tdx_level);

	h->next = (h->next + size - 1) & ~(size - 1);
	h->next += size;
	return h->next - size;
}

static inline struct h *h_create_cfg(enum tdxmod_version v, bool dpamt, bool intr, int vcpus)
{
	struct tdxmod_config cfg = {.version = v,
				    .dpamt = dpamt,
				    .demote_interruptible = intr,
				    .seed = 1,
				    .nr_vcpus = vcpus,
				    .max_vcpus = vcpus};
	struct h *h = calloc(1, sizeof(*h));

	h->mod = tdxmod_create(&cfg);
	h->td = tdxmod_td_create(h->mod, TDR_HPA, ROOT_HPA);
	h->next = 1ULL << 32;
	return h;
}

static inline struct h *h_create(void)
{
	return h_create_cfg(TDX_MODULE_1_5, false, false, 2);
}

static inline void h_reclaim(void *arg, hpa_t hpa, u64 size)
{
	(void)hpa;
	((struct h *)arg)->reclaimed += size;
}

static inline void h_report(void *arg, const char *msg)
{
	(void)arg;
	fprintf(stderr, "check: %s\n", msg);
}

static inline int h_check(struct h *h)
{
	return tdxmod_check(h->td, h_report, NULL);
}

static inline void h_destroy(struct h *h)
{
	tdxmod_td_destroy(h->td, h_reclaim, h);
	tdxmod_destroy(h->mod);
	free(h);
}

/* One SEAMCALL on gpa|level with R8 = @r8; the registers stay in h->a. */
static inline u64 h_call(struct h *h, enum tdxmod_leaf leaf, gpa_t gpa, int level, u64 r8)
{
	h->a = (struct tdx_module_args){.rcx = gpa | (u64)level, .r8 = r8};
	return tdxmod_seamcall(h->td, leaf, &h->a);
}

static inline u64 h_sept_add(struct h *h, gpa_t gpa, int level)
{
	return h_call(h, TDH_MEM_SEPT_ADD, gpa, level, h_alloc(h, 0));
}

static inline u64 h_aug(struct h *h, gpa_t gpa, int level)
{
	return h_call(h, TDH_MEM_PAGE_AUG, gpa, level, h_alloc(h, level));
}

static inline u64 h_plain(struct h *h, enum tdxmod_leaf leaf, gpa_t gpa, int level)
{
	return h_call(h, leaf, gpa, level, 0);
}

static inline u64 h_track(struct h *h)
{
	h->a = (struct tdx_module_args){0};
	return tdxmod_seamcall(h->td, TDH_MEM_TRACK, &h->a);
}

static inline u64 h_finalize(struct h *h)
{
	h->a = (struct tdx_module_args){0};
	return tdxmod_seamcall(h->td, TDH_MR_FINALIZE, &h->a);
}

/* Table pages down to the entry at @level for @gpa (allow_existing). */
static inline void h_tables(struct h *h, gpa_t gpa, int level)
{
	for (int l = TDX_512G; l > level; l--) {
		h->a = (struct tdx_module_args){.rcx = (gpa & ~((PAGE_SIZE << (9 * l)) - 1)) |
						       (u64)l,
						.rdx = 1,
						.r8 = h_alloc(h, 0)};
		tdxmod_seamcall(h->td, TDH_MEM_SEPT_ADD, &h->a);
	}
}

static inline enum tdx_sept_state h_state(struct h *h, gpa_t gpa, int level)
{
	struct tdxmod_sept_entry_info info;

	if (tdxmod_sept_lookup(h->td, gpa, level, &info))
		return (enum tdx_sept_state) - 1;
	return info.state;
}

static inline u64 h_accept(struct h *h, gpa_t gpa, int level, bool *exited, struct tdx_ept_exit *ex)
{
	return tdxmod_tdg_mem_page_accept(h->td, 0, gpa | (u64)level, exited, ex);
}

/* BLOCK + TRACK with no vCPU inside: the entry is then blocked and tracked. */
static inline void h_block_track(struct h *h, gpa_t gpa, int level)
{
	h_plain(h, TDH_MEM_RANGE_BLOCK, gpa, level);
	h_track(h);
}

#endif
