// SPDX-License-Identifier: GPL-2.0-only
/*
 * Secure-EPT pages and entries: allocation, the module's walk and
 * architectural error details (the entry locks are in tdxmod_internal.h).
 */
#include <stdlib.h>
#include <string.h>

#include "tdxmod_internal.h"

struct sept_page *sept_page_alloc(hpa_t hpa, int level)
{
	/* Already touched, reused: no page fault in DEMOTE or SEPT.ADD. */
	_Atomic u64 *e = page_pool_alloc(1);
	struct sept_page *sp;

	if (!e)
		return NULL;
	/* The record lives with its page (as the MMU's headers, tdp_mmu_sp.c). */
	sp = page_owner_area((void *)e);
	memset(sp, 0, sizeof(*sp));
	sp->e = e;
	/* The child pointers are made when the first child is linked. */
	sp->hpa = hpa;
	sp->level = level;
	/* A zeroed page is 512 FREE entries: no second pass over it. */
	_Static_assert(TDX_SEPT_FREE == 0, "a FREE entry is all zero");
	return sp;
}

void sept_page_free(struct sept_page *sp)
{
	free((void *)atomic_load(&sp->child));
	/* Last: the record goes with its page. */
	page_pool_free((void *)sp->e, 1);
}

_Atomic(struct sept_page *) *sept_child_slot(struct sept_page *sp, int idx)
{
	_Atomic(struct sept_page *) *c = atomic_load_explicit(&sp->child, memory_order_acquire);
	_Atomic(struct sept_page *) *expected = NULL;

	BASE_ASSERT(sp->level > 0);
	if (!c) {
		c = calloc(PTRS_PER_PTE, sizeof(*c));
		BASE_OOM_CHECK(c, "an S-EPT child index of the module model");
		if (!atomic_compare_exchange_strong_explicit(
			    &sp->child, &expected, c, memory_order_acq_rel, memory_order_acquire)) {
			free((void *)c);
			c = expected;
		}
	}
	return &c[idx];
}

/*
 * The guest's ACCEPT and access walk without the tree lock, so a page
 * unlinked by SEPT.REMOVE/PROMOTE is kept until the TD is destroyed.
 */
void sept_page_retire(struct tdxmod_td *td, struct sept_page *sp)
{
	pthread_mutex_lock(&td->retired_lock);
	sp->retired_next = td->retired;
	td->retired = sp;
	pthread_mutex_unlock(&td->retired_lock);
}

bool sept_walk(struct tdxmod_td *td, gpa_t gpa, int level, struct sept_walk *w)
{
	struct sept_page *sp = td->root;
	int l = TDX_SEPT_MAX_LEVEL;

	for (;;) {
		int idx = sept_index(gpa, l);
		u64 e = atomic_load_explicit(&sp->e[idx], memory_order_acquire);

		w->sp = sp;
		w->idx = idx;
		w->level = l;
		w->entry = e;
		if (l == level)
			return true;
		if (!septe_present(e) || septe_leaf(e))
			return false;
		sp = sept_child(sp, idx);
		BASE_ASSERT(sp);
		l--;
	}
}

/*
 * The architectural entry as the module returns it in RCX: FREE reads as
 * SVE only; a non-leaf is masked to the permissions (PS clear, no PA); a
 * leaf to permissions, MT, IPAT, PS, PA and SVE.  Leaves carry MT=WB, IPAT
 * and SVE.  The permission set is R/W/X in 1.5 and R/W/Xs/Xu in 2.0.
 */
#define EPT_RWX 0x7ULL
#define EPT_XU BIT_ULL(10)
#define EPT_MT_WB (6ULL << 3)
#define EPT_IPAT BIT_ULL(6)
#define EPT_PS BIT_ULL(7)
#define EPT_SVE BIT_ULL(63)

u64 sept_arch_entry(u64 e, bool xu)
{
	enum tdx_sept_state s = septe_state(e);
	u64 rwx = EPT_RWX | (xu ? EPT_XU : 0);

	switch (s) {
	case TDX_SEPT_FREE:
		return EPT_SVE;
	case TDX_SEPT_NL_MAPPED:
		return rwx;
	case TDX_SEPT_NL_BLOCKED:
		return 0;
	default:
		return (s == TDX_SEPT_MAPPED ? rwx : 0) | EPT_MT_WB | EPT_IPAT | EPT_PS |
		       septe_pa(e) | EPT_SVE;
	}
}

void sept_set_details(struct tdxmod_td *td, struct tdx_module_args *args, u64 e, int level)
{
	args->rcx = sept_arch_entry(e, td->mod->cfg.version == TDX_MODULE_2_0);
	args->rdx = (u64)(level & 7) | ((u64)septe_state(e) << 8);
}
