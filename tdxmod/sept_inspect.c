// SPDX-License-Identifier: GPL-2.0-only
/*
 * Read-only inspection of the S-EPT tree for the checker and tests: one
 * entry by GPA, or every entry in order.
 */
#include <errno.h>

#include "tdxmod_internal.h"

static void sept_fill_info(u64 e, struct tdxmod_sept_entry_info *info)
{
	info->state = septe_state(e);
	info->leaf = septe_leaf(e);
	info->pa = septe_pa(e);
	info->locked = e & SEPTE_LOCK;
	info->host_priority = e & SEPTE_HP;
	info->accept_counter = septe_accept_counter(e);
}

int tdxmod_sept_lookup(struct tdxmod_td *td, gpa_t gpa, int tdx_level,
		       struct tdxmod_sept_entry_info *info)
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

static int sept_for_each_page(struct sept_page *sp, gpa_t base, tdxmod_sept_visit_fn fn, void *arg)
{
	for (int i = 0; i < PTRS_PER_PTE; i++) {
		u64 e = atomic_load_explicit(&sp->e[i], memory_order_acquire);
		gpa_t gpa = base + (u64)i * tdxmod_level_size(sp->level);
		struct tdxmod_sept_entry_info info;
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

int tdxmod_sept_for_each(struct tdxmod_td *td, tdxmod_sept_visit_fn fn, void *arg)
{
	return sept_for_each_page(td->root, 0, fn, arg);
}
