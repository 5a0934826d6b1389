// SPDX-License-Identifier: GPL-2.0-only
/*
 * Secure-EPT pages and entries: allocation, the module's walk, entry locks,
 * architectural error details, and the read-only inspection of the tree.
 */
#include <errno.h>
#include <stdlib.h>

#include "tdxmod_internal.h"

struct sept_page *sept_page_alloc(hpa_t hpa, int level)
{
	struct sept_page *sp = calloc(1, sizeof(*sp));

	if (!sp)
		return NULL;
	/* Already touched, reused: no page fault in DEMOTE or SEPT.ADD. */
	sp->e = page_pool_alloc(1);
	if (!sp->e) {
		free(sp);
		return NULL;
	}
	/* The child pointers are made when the first child is linked. */
	sp->hpa = hpa;
	sp->level = level;
	for (int i = 0; i < PTRS_PER_PTE; i++)
		atomic_init(&sp->e[i], septe_make(TDX_SEPT_FREE, 0));
	return sp;
}

void sept_page_free(struct sept_page *sp)
{
	free((void *)atomic_load(&sp->child));
	page_pool_free((void *)sp->e, 1);
	free(sp);
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
void sept_page_retire(struct tdx_td *td, struct sept_page *sp)
{
	pthread_mutex_lock(&td->retired_lock);
	sp->retired_next = td->retired;
	td->retired = sp;
	pthread_mutex_unlock(&td->retired_lock);
}

bool sept_walk(struct tdx_td *td, gpa_t gpa, int level, struct sept_walk *w)
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

u64 sept_lock_acquire_host(_Atomic u64 *p)
{
	u64 old = atomic_load_explicit(p, memory_order_relaxed);

	for (;;) {
		if (old & SEPTE_LOCK) {
			/* Tell the guest side to back off. */
			atomic_fetch_or_explicit(p, SEPTE_HP, memory_order_relaxed);
			return TDX_OPERAND_BUSY;
		}
		if (atomic_compare_exchange_weak_explicit(p, &old, (old | SEPTE_LOCK) & ~SEPTE_HP,
							  memory_order_acquire,
							  memory_order_relaxed))
			return TDX_SUCCESS;
	}
}

u64 sept_lock_acquire_guest(_Atomic u64 *p)
{
	u64 old = atomic_load_explicit(p, memory_order_relaxed);

	for (;;) {
		if (old & SEPTE_LOCK)
			return TDX_OPERAND_BUSY;
		if (old & SEPTE_HP)
			return TDX_OPERAND_BUSY_HOST_PRIORITY;
		if (atomic_compare_exchange_weak_explicit(
			    p, &old, old | SEPTE_LOCK, memory_order_acquire, memory_order_relaxed))
			return TDX_SUCCESS;
	}
}

void sept_lock_release(_Atomic u64 *p)
{
	atomic_fetch_and_explicit(p, ~SEPTE_LOCK, memory_order_release);
}

void sept_write_and_unlock(_Atomic u64 *p, u64 val)
{
	u64 old = atomic_load_explicit(p, memory_order_relaxed);

	val &= ~(SEPTE_LOCK | SEPTE_HP);
	while (!atomic_compare_exchange_weak_explicit(p, &old, val | (old & SEPTE_HP),
						      memory_order_release, memory_order_relaxed))
		;
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

void sept_set_details(struct tdx_td *td, struct tdx_module_args *args, u64 e, int level)
{
	args->rcx = sept_arch_entry(e, td->mod->cfg.version == TDX_MODULE_2_0);
	args->rdx = (u64)(level & 7) | ((u64)septe_state(e) << 8);
}

bool tdx_page_info_valid(u64 rcx, int min_level, int max_level)
{
	int level = page_info_level(rcx);

	if (rcx & TDX_PAGE_INFO_RSVD)
		return false;
	if (level < min_level || level > max_level)
		return false;
	return !(page_info_gpa(rcx) & (tdx_level_size(level) - 1));
}

bool tdx_gpa_private_valid(gpa_t gpa)
{
	return gpa < BIT_ULL(TDX_GPAW) && !(gpa & TDX_SHARED_BIT);
}

bool tdx_is_tlb_tracked(struct tdx_td *td, u64 bepoch)
{
	u64 epoch = atomic_load(&td->td_epoch);

	if (bepoch + 1 == epoch && !atomic_load(&td->refcount[bepoch & 1]))
		return true;
	return bepoch + 1 < epoch;
}

u64 tdx_check_blocked_and_tracked(struct tdx_td *td, struct tdx_module_args *args, u64 entry,
				  int level, _Atomic u64 *bepoch)
{
	enum tdx_sept_state s = septe_state(entry);

	if (!tdx_tracking_required(td) || !sept_state_tlb_tracking_required(s))
		return TDX_SUCCESS;
	if (!sept_state_any_blocked(s)) {
		sept_set_details(td, args, entry, level);
		return TDX_GPA_RANGE_NOT_BLOCKED | TDX_OPERAND_ID_RCX;
	}
	if (!tdx_is_tlb_tracked(td, atomic_load(bepoch)))
		return TDX_TLB_TRACKING_NOT_DONE | TDX_OPERAND_ID_RCX;
	return TDX_SUCCESS;
}

u64 tdx_sept_lock_mapped_pamt(struct tdx_td *td, struct tdx_module_args *args, struct sept_walk *w,
			      bool leaf, struct pamt_ref *ref)
{
	enum tdx_sept_state s = septe_state(w->entry);
	bool ok = leaf ? septe_leaf(w->entry) : s == TDX_SEPT_NL_MAPPED || s == TDX_SEPT_NL_BLOCKED;
	u64 err;

	if (!ok) {
		sept_set_details(td, args, w->entry, w->level);
		return TDX_EPT_ENTRY_STATE_INCORRECT | TDX_OPERAND_ID_RCX;
	}
	err = pamt_walk_lock(td->mod, septe_pa(w->entry), leaf ? w->level : 0, true, ref);
	if (err)
		return err | TDX_OPERAND_ID_RCX;
	err = tdx_check_blocked_and_tracked(td, args, w->entry, w->level, &ref->e->bepoch);
	if (err)
		pamt_unlock(ref);
	return err;
}

u64 tdx_op_state_enter(struct tdx_td *td, unsigned int allowed_mask)
{
	if (!sharex_try_sh(&td->op_state_lock))
		return TDX_OPERAND_BUSY | TDX_OPERAND_ID_OP_STATE;
	if (!(allowed_mask & OPS(atomic_load(&td->op_state)))) {
		sharex_release(&td->op_state_lock, false);
		return TDX_OP_STATE_INCORRECT;
	}
	return TDX_SUCCESS;
}

void tdx_op_state_exit(struct tdx_td *td)
{
	sharex_release(&td->op_state_lock, false);
}

/*
 * Order as in the module: TD/op state, page info (level, alignment,
 * reserved bits), GPA validity, tree lock, walk, entry lock.
 */
u64 tdx_sept_leaf_prefix(struct tdx_td *td, struct tdx_module_args *args, unsigned int ops,
			 int min_level, int max_level, bool tree_ex, struct sept_walk *w)
{
	u64 rcx = args->rcx;
	gpa_t gpa = page_info_gpa(rcx);
	int level = page_info_level(rcx);
	u64 err;

	args->rcx = 0;
	args->rdx = 0;
	err = tdx_op_state_enter(td, ops);
	if (err)
		return err;
	if (!tdx_page_info_valid(rcx, min_level, max_level) || !tdx_gpa_private_valid(gpa)) {
		err = TDX_OPERAND_INVALID | TDX_OPERAND_ID_RCX;
		goto out_op;
	}
	if (!sharex_try(&td->sept_lock, tree_ex)) {
		err = TDX_OPERAND_BUSY | TDX_OPERAND_ID_SEPT;
		goto out_op;
	}
	if (!sept_walk(td, gpa, level, w)) {
		sept_set_details(td, args, w->entry, w->level);
		err = TDX_EPT_WALK_FAILED | TDX_OPERAND_ID_RCX;
		goto out_tree;
	}
	if (sept_lock_acquire_host(sept_walk_ptr(w))) {
		sept_set_details(td, args, w->entry, w->level);
		err = TDX_OPERAND_BUSY | TDX_OPERAND_ID_RCX;
		goto out_tree;
	}
	/* Re-read under the entry lock. */
	w->entry = atomic_load_explicit(sept_walk_ptr(w), memory_order_acquire);
	/*
	 * Another thread may run while this one holds the tree lock (shared
	 * or exclusive) and the entry lock: explore reaches the BUSY answers
	 * of real contention (e.g. a split's BLOCK against another vCPU's AUG).
	 */
	yield_point(YIELD_SEAMCALL, "S-EPT tree and entry locked");
	return TDX_SUCCESS;

out_tree:
	sharex_release(&td->sept_lock, tree_ex);
out_op:
	tdx_op_state_exit(td);
	return err;
}

void tdx_sept_leaf_release(struct tdx_td *td, bool tree_ex)
{
	sharex_release(&td->sept_lock, tree_ex);
	tdx_op_state_exit(td);
}

bool tdx_host_interrupt_pending(struct tdx_module *mod)
{
	bool pending;

	if (!mod->cfg.demote_interruptible)
		return false;
	pthread_mutex_lock(&mod->prng_lock);
	pending = prng_below(&mod->prng, 4) == 0;
	pthread_mutex_unlock(&mod->prng_lock);
	return pending;
}

/* ------------------------------------------------------------------ */
/* Inspection                                                          */
/* ------------------------------------------------------------------ */

static void sept_fill_info(u64 e, struct tdx_sept_entry_info *info)
{
	info->state = septe_state(e);
	info->leaf = septe_leaf(e);
	info->pa = septe_pa(e);
	info->locked = e & SEPTE_LOCK;
	info->host_priority = e & SEPTE_HP;
	info->accept_counter = septe_accept_counter(e);
}

int tdxmod_sept_lookup(struct tdx_td *td, gpa_t gpa, int tdx_level,
		       struct tdx_sept_entry_info *info)
{
	struct sept_page *sp = td->root;

	if (tdx_level < 0 || tdx_level > TDX_SEPT_MAX_LEVEL || gpa >= BIT_ULL(TDX_GPAW))
		return -EINVAL;
	for (int l = TDX_SEPT_MAX_LEVEL;; l--) {
		u64 e = atomic_load_explicit(&sp->e[sept_index(gpa, l)], memory_order_acquire);
		enum tdx_sept_state s = septe_state(e);

		if (l == tdx_level || s == TDX_SEPT_FREE) {
			sept_fill_info(e, info);
			return 0;
		}
		if (septe_leaf(e))
			return -ENOENT;
		sp = sept_child(sp, sept_index(gpa, l));
		if (!sp)
			return -ENOENT;
	}
}

static int sept_for_each_page(struct sept_page *sp, gpa_t base, tdx_sept_visit_fn fn, void *arg)
{
	for (int i = 0; i < PTRS_PER_PTE; i++) {
		u64 e = atomic_load_explicit(&sp->e[i], memory_order_acquire);
		gpa_t gpa = base + (u64)i * tdx_level_size(sp->level);
		struct tdx_sept_entry_info info;
		struct sept_page *child;
		int ret;

		if (septe_state(e) == TDX_SEPT_FREE)
			continue;
		sept_fill_info(e, &info);
		ret = fn(arg, gpa, sp->level, &info);
		if (ret)
			return ret;
		if (septe_leaf(e))
			continue;
		child = sept_child(sp, i);
		if (child) {
			ret = sept_for_each_page(child, gpa, fn, arg);
			if (ret)
				return ret;
		}
	}
	return 0;
}

int tdxmod_sept_for_each(struct tdx_td *td, tdx_sept_visit_fn fn, void *arg)
{
	return sept_for_each_page(td->root, 0, fn, arg);
}
