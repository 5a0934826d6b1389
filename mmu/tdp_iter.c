// SPDX-License-Identifier: GPL-2.0-only
/*
 * The TDP iterator: a pre-order traversal that can be restarted from the
 * root at the GFN it had reached (after a yield or a failed cmpxchg).
 */
#include "tdp_iter.h"

static void tdp_iter_refresh_sptep(struct tdp_iter *iter)
{
	iter->sptep = iter->pt_path[iter->level - 1] + SPTE_INDEX(iter->gfn, iter->level);
	iter->old_spte = kvm_tdp_mmu_read_spte(iter->sptep);
}

void tdp_iter_restart(struct tdp_iter *iter)
{
	iter->yielded = false;
	iter->yielded_gfn = iter->next_last_level_gfn;
	iter->level = iter->root_level;
	iter->gfn = gfn_round_for_level(iter->next_last_level_gfn, iter->level);
	tdp_iter_refresh_sptep(iter);
	iter->valid = true;
}

void tdp_iter_start(struct tdp_iter *iter, u64 *root_pt, int root_level, int min_level,
		    gfn_t next_last_level_gfn)
{
	iter->valid = false;
	if (!root_pt || root_level < PG_LEVEL_4K || root_level > PT64_ROOT_4LEVEL ||
	    min_level < PG_LEVEL_4K || min_level > root_level ||
	    next_last_level_gfn >= (1ULL << (root_level * SPTE_LEVEL_BITS)))
		return;
	iter->next_last_level_gfn = next_last_level_gfn;
	iter->root_level = root_level;
	iter->min_level = min_level;
	iter->pt_path[root_level - 1] = root_pt;
	tdp_iter_restart(iter);
}

static bool try_step_down(struct tdp_iter *iter)
{
	u64 *child;

	if (iter->level == iter->min_level)
		return false;
	/* Re-read: never descend into a table that was just unlinked. */
	iter->old_spte = kvm_tdp_mmu_read_spte(iter->sptep);
	child = spte_to_child_pt(iter->old_spte, iter->level);
	if (!child)
		return false;
	iter->level--;
	iter->pt_path[iter->level - 1] = child;
	iter->gfn = gfn_round_for_level(iter->next_last_level_gfn, iter->level);
	tdp_iter_refresh_sptep(iter);
	return true;
}

static bool try_step_side(struct tdp_iter *iter)
{
	if (SPTE_INDEX(iter->gfn, iter->level) == PTRS_PER_PTE - 1)
		return false;
	iter->gfn += KVM_PAGES_PER_HPAGE(iter->level);
	iter->next_last_level_gfn = iter->gfn;
	iter->sptep++;
	iter->old_spte = kvm_tdp_mmu_read_spte(iter->sptep);
	return true;
}

static bool try_step_up(struct tdp_iter *iter)
{
	if (iter->level == iter->root_level)
		return false;
	iter->level++;
	iter->gfn = gfn_round_for_level(iter->gfn, iter->level);
	tdp_iter_refresh_sptep(iter);
	return true;
}

void tdp_iter_next(struct tdp_iter *iter)
{
	if (iter->yielded) {
		tdp_iter_restart(iter);
		return;
	}
	if (try_step_down(iter))
		return;
	do {
		if (try_step_side(iter))
			return;
	} while (try_step_up(iter));
	iter->valid = false;
}
