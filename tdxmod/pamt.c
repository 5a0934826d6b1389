// SPDX-License-Identifier: GPL-2.0-only
/*
 * PAMT: per-page metadata at 1G/2M/4K, sparse (one region per 1G, made on
 * first use; 4K entries per 2M on first use), with the leaf rule, the
 * page-acquisition checks and the Dynamic PAMT node of each 2M entry.
 */
#include <stdlib.h>

#include "tdxmod_internal.h"

struct pamt_region *pamt_region_make(struct tdxmod *mod, u64 idx)
{
	struct pamt_region *r, *expected = NULL;

	r = calloc(1, sizeof(*r));
	BASE_OOM_CHECK(r, "a 1G PAMT region of the module model");
	if (!atomic_compare_exchange_strong_explicit(&mod->regions[idx], &expected, r,
						     memory_order_acq_rel, memory_order_acquire)) {
		free(r);
		return expected;
	}
	return r;
}

static _Atomic u64 *pamt_4k_index(struct pamt_region *r, bool alloc)
{
	_Atomic u64 *idx = atomic_load_explicit(&r->e4k, memory_order_acquire);
	_Atomic u64 *expected = NULL;

	if (idx || !alloc)
		return idx;
	idx = calloc(PTRS_PER_PTE, sizeof(*idx));
	BASE_OOM_CHECK(idx, "a PAMT index of the module model");
	if (!atomic_compare_exchange_strong_explicit(&r->e4k, &expected, idx, memory_order_acq_rel,
						     memory_order_acquire)) {
		free((void *)idx);
		return expected;
	}
	return idx;
}

_Static_assert(PTRS_PER_PTE * sizeof(struct pamt_entry) % PAGE_SIZE == 0 &&
		       PAMT_4K_ARRAY_PAGES <= PAGE_POOL_MAX_PAGES,
	       "a PAMT 4K array is whole pool pages");

/*
 * The 512 entries of 2M index @i2m as memory: made (all NDA) if there were
 * none and @alloc, made real from the implicit word whatever @alloc (the
 * caller wants an entry it may lock or write).  Two makers race by CAS.
 * The lookup of entries that are already memory is inline
 * (pamt_region_entry()); this is its way when they are not.
 */
struct pamt_entry *pamt_4k_array(struct tdxmod *mod, struct pamt_region *r, int i2m, bool alloc)
{
	_Atomic u64 *idx = pamt_4k_index(r, alloc);
	u64 v;

	if (!idx)
		return NULL;
	v = atomic_load_explicit(&idx[i2m], memory_order_acquire);
	for (;;) {
		struct pamt_entry *a;

		if (v && !(v & PAMT_4K_IMPLICIT))
			return (struct pamt_entry *)(uintptr_t)v;
		if (!v && !alloc)
			return NULL;
		/* Made ahead of the host's lock: no zeroing, no page fault here. */
		a = pamt_4k_array_new(mod);
		for (int i = 0; v && i < PTRS_PER_PTE; i++)
			atomic_init(&a[i].word, v & ~PAMT_4K_IMPLICIT);
		if (atomic_compare_exchange_strong_explicit(&idx[i2m], &v, (u64)(uintptr_t)a,
							    memory_order_acq_rel,
							    memory_order_acquire))
			return a;
		page_pool_free(a, PAMT_4K_ARRAY_PAGES);
	}
}

struct pamt_entry *pamt_4k_demote(struct tdxmod *mod, hpa_t hpa, u64 word)
{
	struct pamt_region *r = pamt_region(mod, hpa, true);
	int i2m = (int)((hpa >> 21) & 511);
	_Atomic u64 *idx;
	u64 none = 0;

	BASE_ASSERT(r && !(word & PAMT_LOCK_MASK));
	idx = pamt_4k_index(r, true);
	/* Never needed before: nothing to keep (no lock, no DPAMT bit). */
	if (atomic_compare_exchange_strong_explicit(&idx[i2m], &none, word | PAMT_4K_IMPLICIT,
						    memory_order_acq_rel, memory_order_acquire))
		return NULL;
	return pamt_4k_array(mod, r, i2m, true);
}

bool pamt_4k_promote(struct tdxmod *mod, hpa_t hpa, u64 *owner)
{
	struct pamt_region *r = pamt_region(mod, hpa, false);
	int i2m = (int)((hpa >> 21) & 511);
	_Atomic u64 *idx = r ? pamt_4k_index(r, false) : NULL;
	u64 v = idx ? atomic_load_explicit(&idx[i2m], memory_order_acquire) : 0;

	if (!(v & PAMT_4K_IMPLICIT))
		return false;
	BASE_ASSERT(((v & PAMT_PT_MASK) >> PAMT_PT_SHIFT) == PT_REG);
	*owner = v >> PAMT_OWNER_SHIFT;
	/* Back to 512 NDA entries; a racing maker of the array wins instead. */
	return atomic_compare_exchange_strong_explicit(&idx[i2m], &v, 0, memory_order_acq_rel,
						       memory_order_acquire);
}

bool pamt_region_4k_implicit(struct pamt_region *r, int i2m, u64 *word)
{
	u64 v = pamt_4k_slot(r, i2m);

	*word = v & ~PAMT_4K_IMPLICIT;
	return v & PAMT_4K_IMPLICIT;
}

static struct dpamt_node *pamt_nodes(struct pamt_region *r, bool alloc)
{
	struct dpamt_node *n = atomic_load_explicit(&r->node, memory_order_acquire);
	struct dpamt_node *expected = NULL;

	if (n || !alloc)
		return n;
	n = calloc(PTRS_PER_PTE, sizeof(*n));
	BASE_OOM_CHECK(n, "the Dynamic PAMT nodes of the module model");
	if (!atomic_compare_exchange_strong_explicit(&r->node, &expected, n, memory_order_acq_rel,
						     memory_order_acquire)) {
		free(n);
		return expected;
	}
	return n;
}

u32 pamt_region_page_count(struct pamt_region *r, int i2m)
{
	struct dpamt_node *n = pamt_nodes(r, false);

	return n ? atomic_load(&n[i2m].page_count) : 0;
}

void pamt_region_free(struct pamt_region *r)
{
	_Atomic u64 *idx = pamt_4k_index(r, false);

	for (int j = 0; idx && j < PTRS_PER_PTE; j++) {
		u64 v = atomic_load(&idx[j]);

		if (!(v & PAMT_4K_IMPLICIT))
			page_pool_free((void *)(uintptr_t)v, PAMT_4K_ARRAY_PAGES);
	}
	free((void *)idx);
	free(pamt_nodes(r, false));
	free(r);
}

struct dpamt_node *pamt_node(struct tdxmod *mod, hpa_t hpa)
{
	struct pamt_region *r = pamt_region(mod, hpa, true);

	return r ? &pamt_nodes(r, true)[(hpa >> 21) & 511] : NULL;
}

void pamt_node_set_pair(struct tdxmod *mod, hpa_t hpa, hpa_t hpa0, hpa_t hpa1, u32 page_count)
{
	struct dpamt_node *n = pamt_node(mod, hpa);

	atomic_store(&n->hpa0, hpa0);
	atomic_store(&n->hpa1, hpa1);
	atomic_store(&n->page_count, page_count);
	pamt_set_pamt_page(mod, hpa0, true);
	pamt_set_pamt_page(mod, hpa1, true);
}

void pamt_node_take_pair(struct tdxmod *mod, hpa_t hpa, u64 *hpa0, u64 *hpa1)
{
	struct dpamt_node *n = pamt_node(mod, hpa);

	*hpa0 = atomic_load(&n->hpa0);
	*hpa1 = atomic_load(&n->hpa1);
	pamt_set_pamt_page(mod, *hpa0, false);
	pamt_set_pamt_page(mod, *hpa1, false);
	atomic_store(&n->hpa0, 0);
	atomic_store(&n->hpa1, 0);
	atomic_store(&n->page_count, 0);
}

bool pamt_is_pamt_page(struct tdxmod *mod, hpa_t hpa)
{
	struct pamt_region *r = pamt_region(mod, hpa, false);
	u64 v = r ? pamt_4k_slot(r, (int)((hpa >> 21) & 511)) : 0;

	/* Implicit entries are a demoted guest page's: never a PAMT page. */
	if (!v || (v & PAMT_4K_IMPLICIT))
		return false;
	return atomic_load(&((struct pamt_entry *)(uintptr_t)v)[(hpa >> 12) & 511].word) &
	       PAMT_IS_PAMT_PAGE;
}

void pamt_set_pamt_page(struct tdxmod *mod, hpa_t hpa, bool on)
{
	struct pamt_entry *e = pamt_entry_at(mod, hpa, 0, true);

	if (on)
		atomic_fetch_or(&e->word, PAMT_IS_PAMT_PAGE);
	else
		atomic_fetch_and(&e->word, ~PAMT_IS_PAMT_PAGE);
}

/*
 * Leaf rule: the largest level whose entry is not NDA.  With Dynamic PAMT a
 * 2M entry that is NDA has no 4K entries below it (the walk ends there);
 * a PT_PAMT 2M entry is a node and the walk goes on to 4K.
 */
static int pamt_walk_level(struct tdxmod *mod, struct pamt_region *r, hpa_t hpa, int target_level)
{
	enum tdx_pamt_pt pt2m;

	if (target_level == 2 || pamt_pt(&r->e1g) != PT_NDA)
		return 2;
	pt2m = pamt_pt(&r->e2m[(hpa >> 21) & 511]);
	if (target_level == 1 || (pt2m != PT_NDA && pt2m != PT_PAMT))
		return 1;
	if (tdxmod_dpamt(mod) && pt2m == PT_NDA)
		return 1;
	return 0;
}

u64 pamt_walk_lock(struct tdxmod *mod, hpa_t hpa, int target_level, bool ex, struct pamt_ref *ref)
{
	/* Made first if never used: all NDA, the walk's answer as without it. */
	struct pamt_region *r = pamt_region(mod, hpa, true);

	BASE_ASSERT(r);
	ref->level = pamt_walk_level(mod, r, hpa, target_level);
	ref->e = pamt_region_entry(mod, r, hpa, ref->level, true);
	ref->ex = ex;
	ref->locked = false;
	BASE_ASSERT(ref->e);
	if (!pamt_lock_try(ref->e, ex))
		return TDX_OPERAND_BUSY;
	ref->locked = true;
	return TDX_SUCCESS;
}

bool pamt_4k_range_clear(struct tdxmod *mod, hpa_t hpa, u64 mask)
{
	struct pamt_region *r = pamt_region(mod, hpa, false);
	struct pamt_entry *a;
	u64 v;

	if (!r)
		return true;
	/* Read once: an implicit word is checked as it is, never made real. */
	v = pamt_4k_slot(r, (int)((hpa >> 21) & 511));
	if (v & PAMT_4K_IMPLICIT)
		return !(v & mask);
	a = (struct pamt_entry *)(uintptr_t)v;
	if (!a)
		return true;
	for (int i = 0; i < PTRS_PER_PTE; i++)
		if (atomic_load(&a[i].word) & mask)
			return false;
	return true;
}

u64 pamt_check_and_lock_free(struct tdxmod *mod, hpa_t hpa, int level, u32 operand,
			     struct pamt_ref *ref)
{
	u64 err;

	ref->locked = false;
	if (!hpa_valid(hpa, tdxmod_level_size(level)))
		return TDX_OPERAND_INVALID | operand;
	err = pamt_walk_lock(mod, hpa, level, true, ref);
	if (err)
		return err | operand;
	if (ref->level != level) {
		err = TDX_PAGE_METADATA_INCORRECT;
		if (tdxmod_dpamt(mod) && ref->level == 1 && pamt_pt(ref->e) == PT_NDA)
			err = TDX_MISSING_PAMT_PAGE_PAIR;
		goto fail;
	}
	if (pamt_pt(ref->e) != PT_NDA) {
		err = TDX_PAGE_METADATA_INCORRECT;
		goto fail;
	}
	/* ref->e is the page's 4K entry here: the bitmap bit is in its word. */
	if (level == 0 && (atomic_load(&ref->e->word) & PAMT_IS_PAMT_PAGE)) {
		err = TDX_PAGE_METADATA_INCORRECT;
		goto fail;
	}
	if (level == 1 && !pamt_4k_range_clear(mod, hpa, PAMT_PT_MASK | PAMT_IS_PAMT_PAGE)) {
		err = TDX_PAGE_METADATA_INCORRECT;
		goto fail;
	}
	return TDX_SUCCESS;
fail:
	pamt_unlock(ref);
	return err | operand;
}

/*
 * A copy of the leaf entry of @hpa (the largest level not NDA) in *@e, and
 * its level; false when there is none (all NDA).  A copy, so that implicit
 * 4K entries are read as they are, not made real.
 */
bool pamt_leaf_read(struct tdxmod *mod, hpa_t hpa, int *level, struct pamt_entry *e)
{
	struct pamt_region *r = pamt_region(mod, hpa, false);
	struct pamt_entry *src;
	enum tdx_pamt_pt pt2m;
	u64 v;

	*level = 0;
	if (!r)
		return false;
	if (pamt_pt(&r->e1g) != PT_NDA) {
		*level = 2;
		src = &r->e1g;
		goto copy;
	}
	src = &r->e2m[(hpa >> 21) & 511];
	pt2m = pamt_pt(src);
	if (pt2m != PT_NDA && pt2m != PT_PAMT) {
		*level = 1;
		goto copy;
	}
	v = pamt_4k_slot(r, (int)((hpa >> 21) & 511));
	if (v & PAMT_4K_IMPLICIT) {
		atomic_init(&e->word, v & ~PAMT_4K_IMPLICIT);
		atomic_init(&e->bepoch, 0);
		return true;
	}
	if (!v)
		return false;
	src = &((struct pamt_entry *)(uintptr_t)v)[(hpa >> 12) & 511];
copy:
	atomic_init(&e->word, atomic_load(&src->word));
	atomic_init(&e->bepoch, atomic_load(&src->bepoch));
	return true;
}

bool pamt_page_nda(struct tdxmod *mod, hpa_t hpa)
{
	int level;
	struct pamt_entry e;

	return !pamt_leaf_read(mod, hpa, &level, &e) || pamt_pt(&e) == PT_NDA;
}

void pamt_inc_page_count(struct tdxmod *mod, hpa_t hpa)
{
	if (tdxmod_dpamt(mod))
		atomic_fetch_add(&pamt_node(mod, hpa)->page_count, 1);
}

bool pamt_dec_page_count(struct tdxmod *mod, hpa_t hpa)
{
	if (!tdxmod_dpamt(mod))
		return false;
	return atomic_fetch_sub(&pamt_node(mod, hpa)->page_count, 1) == 1;
}

int tdxmod_pamt_lookup(struct tdxmod *mod, hpa_t hpa, struct tdxmod_pamt_info *info)
{
	int level;
	struct pamt_entry copy, *e = pamt_leaf_read(mod, hpa, &level, &copy) ? &copy : NULL;
	struct pamt_region *r = pamt_region(mod, hpa, false);

	info->tdx_level = level;
	info->pt = e ? pamt_pt(e) : PT_NDA;
	info->owner = e ? pamt_owner(e) : 0;
	info->bepoch = e ? atomic_load(&e->bepoch) : 0;
	info->locked = e ? pamt_locked(e) : false;
	info->dpamt_pair = r && pamt_pt(&r->e2m[(hpa >> 21) & 511]) == PT_PAMT;
	info->dpamt_page_count = r ? pamt_region_page_count(r, (int)((hpa >> 21) & 511)) : 0;
	return 0;
}

bool tdxmod_is_pamt_page(struct tdxmod *mod, hpa_t hpa)
{
	return pamt_is_pamt_page(mod, hpa);
}
