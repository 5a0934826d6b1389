// SPDX-License-Identifier: GPL-2.0-only
/*
 * The module and its TDs: creation, teardown, the SEAMCALL dispatcher
 * (count, inject, run), and the simple inspection getters.
 */
#include <stdlib.h>
#include <string.h>

#include "tdpmmu/trace.h"
#include "tdxmod_internal.h"

static const char *const tdxmod_leaf_names[NR_TDX_LEAVES] = {
	[TDH_MEM_PAGE_ADD] = "TDH.MEM.PAGE.ADD",
	[TDH_MEM_SEPT_ADD] = "TDH.MEM.SEPT.ADD",
	[TDH_MEM_PAGE_AUG] = "TDH.MEM.PAGE.AUG",
	[TDH_MEM_RANGE_BLOCK] = "TDH.MEM.RANGE.BLOCK",
	[TDH_MEM_RANGE_UNBLOCK] = "TDH.MEM.RANGE.UNBLOCK",
	[TDH_MEM_TRACK] = "TDH.MEM.TRACK",
	[TDH_MEM_PAGE_DEMOTE] = "TDH.MEM.PAGE.DEMOTE",
	[TDH_MEM_PAGE_PROMOTE] = "TDH.MEM.PAGE.PROMOTE",
	[TDH_MEM_PAGE_REMOVE] = "TDH.MEM.PAGE.REMOVE",
	[TDH_MEM_SEPT_REMOVE] = "TDH.MEM.SEPT.REMOVE",
	[TDH_MR_FINALIZE] = "TDH.MR.FINALIZE",
	[TDH_PHYMEM_PAMT_ADD] = "TDH.PHYMEM.PAMT.ADD",
	[TDH_PHYMEM_PAMT_REMOVE] = "TDH.PHYMEM.PAMT.REMOVE",
	[TDH_VP_ENTER] = "TDH.VP.ENTER",
	[TDG_MEM_PAGE_ACCEPT] = "TDG.MEM.PAGE.ACCEPT",
};

const char *tdxmod_leaf_name(enum tdxmod_leaf leaf)
{
	if ((unsigned int)leaf >= NR_TDX_LEAVES)
		return NULL;
	return tdxmod_leaf_names[leaf];
}

int tdxmod_leaf_from_name(const char *name)
{
	for (int i = 0; i < NR_TDX_LEAVES; i++)
		if (!strcmp(tdxmod_leaf_names[i], name))
			return i;
	return -1;
}

/* The names are the state table's (sept_state_table.c). */
const char *tdxmod_sept_state_name(enum tdx_sept_state s)
{
	if ((unsigned int)s >= 256 || !sept_state_idx1[s])
		return NULL;
	return sept_state_flags[sept_state_idx1[s] - 1].name;
}

int tdxmod_sept_state_from_name(const char *name)
{
	for (int i = 0; i < NR_SEPT_STATES; i++)
		if (!strcmp(sept_state_flags[i].name, name))
			return (int)sept_state_flags[i].state;
	return -1;
}

struct tdxmod *tdxmod_create(const struct tdxmod_config *cfg)
{
	struct tdxmod *mod = calloc(1, sizeof(*mod));

	if (!mod)
		return NULL;
	mod->cfg = *cfg;
	/* Dynamic PAMT exists only in 2.0 modules. */
	if (mod->cfg.version != TDX_MODULE_2_0)
		mod->cfg.dpamt = false;
	if (mod->cfg.max_vcpus < mod->cfg.nr_vcpus)
		mod->cfg.max_vcpus = mod->cfg.nr_vcpus;
	mod->regions = calloc(PAMT_NR_REGIONS, sizeof(*mod->regions));
	if (!mod->regions) {
		free(mod);
		return NULL;
	}
	pthread_mutex_init(&mod->prng_lock, NULL);
	pamt_4k_reserve_init(mod);
	prng_seed(&mod->prng, cfg->seed);
	return mod;
}

void tdxmod_destroy(struct tdxmod *mod)
{
	if (!mod)
		return;
	for (u64 i = 0; i < PAMT_NR_REGIONS; i++) {
		struct pamt_region *r = atomic_load(&mod->regions[i]);

		if (r)
			pamt_region_free(r);
	}
	free((void *)mod->regions);
	pamt_4k_reserve_destroy(mod);
	pthread_mutex_destroy(&mod->prng_lock);
	free(mod);
}

struct tdxmod_td *tdxmod_td_create(struct tdxmod *mod, hpa_t tdr_hpa, hpa_t root_hpa)
{
	struct tdxmod_td *td;
	struct pamt_entry *e;

	if (!hpa_valid(tdr_hpa, PAGE_SIZE) || !hpa_valid(root_hpa, PAGE_SIZE) ||
	    tdr_hpa == root_hpa)
		return NULL;
	td = calloc(1, sizeof(*td));
	if (!td)
		return NULL;
	td->mod = mod;
	td->tdr_hpa = tdr_hpa;
	td->root = sept_page_alloc(root_hpa, TDX_SEPT_MAX_LEVEL);
	td->nr_vcpus = mod->cfg.nr_vcpus;
	td->vcpus = calloc(mod->cfg.max_vcpus ? mod->cfg.max_vcpus : 1, sizeof(*td->vcpus));
	if (!td->root || !td->vcpus) {
		if (td->root)
			sept_page_free(td->root);
		free(td->vcpus);
		free(td);
		return NULL;
	}
	for (int i = 0; i < mod->cfg.max_vcpus; i++)
		pthread_mutex_init(&td->vcpus[i].tlb_lock, NULL);
	atomic_init(&td->op_state, TDX_OP_STATE_INITIALIZED);
	/* The module starts counting epochs at 1. */
	atomic_init(&td->td_epoch, 1);
	for (int i = 0; i < NR_TDX_LEAVES; i++)
		fault_inject_init(&td->inject[i]);
	pthread_mutex_init(&td->retired_lock, NULL);
	demote_reserve_init(td);

	/*
	 * TDR and the root (a TDCS page in the module) are the TD's control
	 * pages; the model does not demand a DPAMT pair for them nor count
	 * them in the pair's page count (TDH.MNG.CREATE is not modelled).
	 */
	e = pamt_entry_at(mod, tdr_hpa, 0, true);
	pamt_set(e, PT_TDR, tdr_hpa >> PAGE_SHIFT);
	e = pamt_entry_at(mod, root_hpa, 0, true);
	pamt_set(e, PT_TDCX, tdr_hpa >> PAGE_SHIFT);
	return td;
}

struct td_destroy_ctx {
	struct tdxmod_td *td;
	void (*reclaim)(void *arg, hpa_t hpa, u64 size);
	void *arg;
};

static void td_release_page(struct td_destroy_ctx *c, hpa_t hpa, int level, bool report)
{
	struct tdxmod *mod = c->td->mod;
	struct pamt_entry *e = pamt_entry_at(mod, hpa, level, false);

	if (e && report && level == 0)
		pamt_dec_page_count(mod, hpa);
	if (e)
		pamt_set(e, PT_NDA, 0);
	if (report && c->reclaim)
		c->reclaim(c->arg, hpa, tdxmod_level_size(level));
}

/*
 * A page of 4K leaves that DEMOTE made and whose 4K PAMT entries are still
 * one implicit word (pamt.c): nothing touched them at 4K, so the 512 leaves
 * map the 2M range in order.  Released as a whole, the word goes back to
 * "all NDA" without the 512 entries being made real first.  False (nothing
 * done) for any other page.
 */
static bool td_release_demoted_range(struct td_destroy_ctx *c, struct sept_page *sp)
{
	struct tdxmod *mod = c->td->mod;
	hpa_t base = septe_pa(atomic_load(&sp->e[0]));
	u64 owner;

	if (sp->level != 0 || (base & (tdxmod_level_size(1) - 1)))
		return false;
	for (int i = 0; i < PTRS_PER_PTE; i++) {
		u64 e = atomic_load(&sp->e[i]);

		if (septe_state(e) == TDX_SEPT_FREE || !septe_leaf(e) ||
		    septe_pa(e) != base + (u64)i * PAGE_SIZE)
			return false;
	}
	if (!pamt_4k_promote(mod, base, &owner))
		return false;
	BASE_ASSERT(owner == tdr_owner(c->td));
	for (int i = 0; i < PTRS_PER_PTE; i++) {
		pamt_dec_page_count(mod, base + (u64)i * PAGE_SIZE);
		if (c->reclaim)
			c->reclaim(c->arg, base + (u64)i * PAGE_SIZE, PAGE_SIZE);
	}
	return true;
}

static void td_destroy_page(struct td_destroy_ctx *c, struct sept_page *sp)
{
	if (td_release_demoted_range(c, sp))
		return;
	for (int i = 0; i < PTRS_PER_PTE; i++) {
		u64 e = atomic_load(&sp->e[i]);
		struct sept_page *child;

		if (septe_state(e) == TDX_SEPT_FREE)
			continue;
		if (septe_leaf(e)) {
			td_release_page(c, septe_pa(e), sp->level, true);
			continue;
		}
		child = sept_child(sp, i);
		if (child) {
			td_destroy_page(c, child);
			td_release_page(c, child->hpa, 0, true);
			sept_page_free(child);
		}
	}
}

/*
 * Reports every page the TD still holds: mapped pages at their mapping
 * size and S-EPT pages.  The TDR and the root page came from the caller
 * of tdxmod_td_create and are not reported (their PAMT entries are freed).
 */
void tdxmod_td_destroy(struct tdxmod_td *td, void (*reclaim)(void *arg, hpa_t hpa, u64 size),
		       void *arg)
{
	struct td_destroy_ctx c = {td, reclaim, arg};

	if (!td)
		return;
	td_destroy_page(&c, td->root);
	td_release_page(&c, td->root->hpa, 0, false);
	td_release_page(&c, td->tdr_hpa, 0, false);
	sept_page_free(td->root);
	while (td->retired) {
		struct sept_page *sp = td->retired;

		td->retired = sp->retired_next;
		sept_page_free(sp);
	}
	for (int i = 0; i < td->mod->cfg.max_vcpus; i++) {
		free(td->vcpus[i].tlb);
		pthread_mutex_destroy(&td->vcpus[i].tlb_lock);
	}
	free(td->vcpus);
	for (int i = 0; i < NR_TDX_LEAVES; i++)
		fault_inject_destroy(&td->inject[i]);
	pthread_mutex_destroy(&td->retired_lock);
	demote_reserve_destroy(td);
	free(td);
}

typedef u64 (*tdxmod_leaf_fn)(struct tdxmod_td *td, struct tdx_module_args *args);

static const tdxmod_leaf_fn tdxmod_leaf_fns[NR_TDX_LEAVES] = {
	[TDH_MEM_PAGE_ADD] = tdh_mem_page_add,
	[TDH_MEM_SEPT_ADD] = tdh_mem_sept_add,
	[TDH_MEM_PAGE_AUG] = tdh_mem_page_aug,
	[TDH_MEM_RANGE_BLOCK] = tdh_mem_range_block,
	[TDH_MEM_RANGE_UNBLOCK] = tdh_mem_range_unblock,
	[TDH_MEM_TRACK] = tdh_mem_track,
	[TDH_MEM_PAGE_DEMOTE] = tdh_mem_page_demote,
	[TDH_MEM_PAGE_PROMOTE] = tdh_mem_page_promote,
	[TDH_MEM_PAGE_REMOVE] = tdh_mem_page_remove,
	[TDH_MEM_SEPT_REMOVE] = tdh_mem_sept_remove,
	[TDH_MR_FINALIZE] = tdh_mr_finalize,
	[TDH_PHYMEM_PAMT_ADD] = tdh_phymem_pamt_add,
	[TDH_PHYMEM_PAMT_REMOVE] = tdh_phymem_pamt_remove,
};

/* The trace point of every counted SEAMCALL; @rcx is the input RCX. */
static void tdxmod_trace_seamcall(enum tdxmod_leaf leaf, u64 rcx, u64 err)
{
	char st[64];
	bool has_gpa = leaf != TDH_MEM_TRACK && leaf != TDH_MR_FINALIZE &&
		       leaf != TDH_PHYMEM_PAMT_ADD && leaf != TDH_PHYMEM_PAMT_REMOVE;

	if (!trace_enabled())
		return;
	tdx_status_format(err, st, sizeof(st));
	trace_tdx_seamcall(tdxmod_leaf_name(leaf), rcx & ~0xFFFULL,
			   has_gpa ? trace_level_name((int)(rcx & 7) + 1) : NULL, st);
}

u64 tdxmod_seamcall(struct tdxmod_td *td, enum tdxmod_leaf leaf, struct tdx_module_args *args)
{
	u64 injected, rcx = args->rcx, err;

	if ((unsigned int)leaf >= NR_TDX_LEAVES || !tdxmod_leaf_fns[leaf])
		return TDX_OPERAND_INVALID | TDX_OPERAND_ID_RAX;
	yield_point(YIELD_SEAMCALL, tdxmod_leaf_name(leaf));
	stat_counter_inc(&td->calls[leaf]);
	if (fault_inject_should_fail(&td->inject[leaf], &injected))
		err = injected;
	else
		err = tdxmod_leaf_fns[leaf](td, args);
	tdxmod_trace_seamcall(leaf, rcx, err);
	return err;
}

int tdxmod_inject(struct tdxmod_td *td, enum tdxmod_leaf leaf, u64 status, u64 count, u64 after)
{
	if ((unsigned int)leaf >= NR_TDX_LEAVES)
		return -1;
	return fault_inject_add(&td->inject[leaf], status, count, after);
}

enum tdx_td_op_state tdxmod_op_state(struct tdxmod_td *td)
{
	return (enum tdx_td_op_state)atomic_load(&td->op_state);
}

u64 tdxmod_td_epoch(struct tdxmod_td *td)
{
	return atomic_load(&td->td_epoch);
}

u64 tdxmod_td_tdr_owner(struct tdxmod_td *td)
{
	return tdr_owner(td);
}

u64 tdxmod_chldcnt(struct tdxmod_td *td)
{
	return stat_counter_read(&td->chldcnt);
}

u64 tdxmod_leaf_calls(struct tdxmod_td *td, enum tdxmod_leaf leaf)
{
	if ((unsigned int)leaf >= NR_TDX_LEAVES)
		return 0;
	return stat_counter_read(&td->calls[leaf]);
}

struct tdxmod *tdxmod_td_module(struct tdxmod_td *td)
{
	return td->mod;
}
