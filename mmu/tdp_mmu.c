// SPDX-License-Identifier: GPL-2.0-only
/*
 * SPTE updates of the TDP MMU (KVM's tdp_mmu.c core):
 *  - tdp_mmu_set_spte_atomic(): shared mmu_lock, cmpxchg; mirror SPTEs go
 *    through the frozen-SPTE protocol around link/set_external_spte, so an
 *    external parent is always linked before any child is set;
 *  - tdp_mmu_set_spte(): exclusive mmu_lock; for mirror SPTEs only leaf ->
 *    non-present (remove), non-leaf -> non-present (free table) and leaf ->
 *    non-leaf (split) are supported; anything else bugs the VM;
 *  - handle_changed_spte() / handle_removed_pt(): bookkeeping and teardown
 *    of unlinked tables, freed after an RCU grace period;
 *  - linking a new table and splitting a huge leaf.
 */
#include "mmu_internal.h"
#include "tdpmmu/trace.h"

static struct stat_counter *mappings_stat(struct kvm_mmu *mmu, bool mirror, int level)
{
	return mirror ? &mmu->mirror_mappings[level] : &mmu->direct_mappings[level];
}

static void kvm_update_page_stats(struct kvm_mmu *mmu, bool mirror, int level, s64 delta)
{
	stat_counter_add(mappings_stat(mmu, mirror, level), delta);
}

/*
 * What a hook's error means for the VM: -EBUSY/-ENOMEM/-EAGAIN are
 * recoverable (nothing changed externally); -EIO or anything unexpected
 * is KVM_BUG_ON.
 */
static int external_hook_result(struct kvm_mmu *mmu, int ret, const char *func, const char *hook,
				gfn_t gfn, int level)
{
	if (!ret || ret == -EBUSY || ret == -ENOMEM || ret == -EAGAIN || ret == -ENOBUFS ||
	    ret == -EINTR)
		return ret;
	__kvm_mmu_vm_bugged(mmu, func, hook, gfn, level);
	return -EIO;
}

static void handle_changed_spte(struct kvm_mmu *mmu, bool mirror, gfn_t gfn, u64 old_spte,
				u64 new_spte, int level, bool shared);

int tdp_mmu_flush_external(struct kvm_mmu *mmu)
{
	lockdep_assert_held_write(&mmu->mmu_lock);
	if (!mmu->ops || !mmu->ops->flush_external)
		return 0;
	/* The mirror entries are gone already: a failure cannot be undone. */
	if (kvm_x86_call(mmu, flush_external)) {
		kvm_mmu_vm_bugged_at(mmu, "flush_external failed", 0, 0);
		return -EIO;
	}
	return 0;
}

/*
 * The table @pt was unlinked: take every entry (freeze it), account the
 * change recursively, remove the leaves from the external table, then give
 * the table's external page back (children before parent), and free the
 * page after a grace period.  Entries are left FROZEN so that a lockless
 * walker still holding @pt sees nothing present.
 */
static void handle_removed_pt(struct kvm_mmu *mmu, u64 *pt, bool shared)
{
	struct kvm_mmu_page *sp = sptep_to_sp(mmu, pt);
	int level;
	gfn_t base_gfn;
	bool mirror;

	BASE_ASSERT(sp && !sp->is_root);
	level = sp->level;
	base_gfn = sp->gfn;
	mirror = sp->is_mirror;
	/* Mirror tables can only be torn down under the exclusive lock. */
	KVM_MMU_BUG_ON(mmu, mirror && shared);
	tdp_unaccount_mmu_page(mmu, sp);

	for (int i = 0; i < PTRS_PER_PTE; i++) {
		u64 *sptep = pt + i;
		gfn_t gfn = base_gfn + (u64)i * KVM_PAGES_PER_HPAGE(level);
		u64 old_spte;

		if (shared) {
			/* Another thread may own the entry (frozen): wait it out. */
			do {
				old_spte = kvm_tdp_mmu_write_spte_atomic(sptep, FROZEN_SPTE);
			} while (is_frozen_spte(old_spte));
		} else {
			old_spte = kvm_tdp_mmu_read_spte(sptep);
			if (!is_shadow_present_pte(old_spte))
				continue;
			old_spte = kvm_tdp_mmu_write_spte_atomic(sptep, FROZEN_SPTE);
		}
		handle_changed_spte(mmu, mirror, gfn, old_spte, FROZEN_SPTE, level, shared);

		if (mirror && is_shadow_present_pte(old_spte) && is_last_spte(old_spte, level)) {
			int ret = kvm_x86_call(mmu, remove_external_spte, gfn, level,
					       spte_to_pfn(old_spte));
			/* The table is gone from the mirror: no way back. */
			if (ret)
				kvm_mmu_vm_bugged_at(mmu,
						     "remove_external_spte failed (table removed)",
						     gfn, level);
		}
	}

	if (mirror && sp->external_spt) {
		int ret =
			kvm_x86_call(mmu, free_external_spt, base_gfn, level + 1, sp->external_spt);
		if (ret) {
			/* The external table may still own the page: leak it. */
			kvm_mmu_vm_bugged_at(mmu, "free_external_spt failed", base_gfn, level + 1);
			sp->external_spt = 0;
			counter_inc(&mmu->external_leaked);
		}
	}
	tdp_mmu_free_sp_rcu(sp);
}

static void handle_changed_spte(struct kvm_mmu *mmu, bool mirror, gfn_t gfn, u64 old_spte,
				u64 new_spte, int level, bool shared)
{
	bool was_present = is_shadow_present_pte(old_spte);
	bool is_present = is_shadow_present_pte(new_spte);
	bool was_leaf = was_present && is_last_spte(old_spte, level);
	bool is_leaf = is_present && is_last_spte(new_spte, level);
	bool pfn_changed = spte_to_pfn(old_spte) != spte_to_pfn(new_spte);

	BASE_ASSERT(level >= PG_LEVEL_4K && level <= PT64_ROOT_4LEVEL);
	BASE_ASSERT(!(gfn & (KVM_PAGES_PER_HPAGE(level) - 1)));
	/* A present leaf is never replaced by one with another PFN. */
	BASE_ASSERT(!(was_leaf && is_leaf && pfn_changed));

	if (old_spte == new_spte)
		return;
	if (!was_present && !is_present)
		return;
	trace_kvm_tdp_mmu_spte_changed(mirror, gfn, level, old_spte, new_spte);
	if (is_leaf != was_leaf)
		kvm_update_page_stats(mmu, mirror, level, is_leaf ? 1 : -1);
	if (was_present && !was_leaf && (is_leaf || !is_present || pfn_changed))
		handle_removed_pt(mmu, spte_to_child_pt(old_spte, level), shared);
}

/* The external half of a to-present change of a frozen mirror SPTE. */
static int set_external_spte_present(struct kvm_mmu *mmu, gfn_t gfn, u64 old_spte, u64 new_spte,
				     int level)
{
	struct kvm_mmu_page *child;

	/* Only !present -> leaf (set) and !present -> non-leaf (link) here. */
	if (KVM_MMU_BUG_ON(mmu,
			   is_shadow_present_pte(old_spte) || !is_shadow_present_pte(new_spte)))
		return -EIO;
	if (is_last_spte(new_spte, level))
		return kvm_x86_call(mmu, set_external_spte, gfn, level, spte_to_pfn(new_spte));

	child = sptep_to_sp(mmu, spte_to_child_pt(new_spte, level));
	if (KVM_MMU_BUG_ON(mmu, !child || !child->external_spt || child->level + 1 != level ||
					child->gfn != gfn))
		return -EIO;
	return kvm_x86_call(mmu, link_external_spt, gfn, level, child->external_spt);
}

static int __tdp_mmu_set_spte_atomic(struct kvm_mmu *mmu, bool mirror, struct tdp_iter *iter,
				     u64 new_spte)
{
	int ret;

	BASE_ASSERT(!iter->yielded && !is_frozen_spte(iter->old_spte));
	yield_point(YIELD_CMPXCHG, mirror ? "freeze mirror spte" : "cmpxchg spte");
	if (!mirror) {
		/* On failure iter->old_spte gets the current value: caller retries. */
		if (!kvm_tdp_mmu_try_cmpxchg_spte(iter->sptep, &iter->old_spte, new_spte))
			return -EBUSY;
		return 0;
	}

	/* No atomic zap of a mirror SPTE: the external table can't follow. */
	if (KVM_MMU_BUG_ON(mmu, !is_shadow_present_pte(new_spte)))
		return -EIO;
	/* Own the entry while the external table is changed. */
	if (!kvm_tdp_mmu_try_cmpxchg_spte(iter->sptep, &iter->old_spte, FROZEN_SPTE))
		return -EBUSY;
	/* Deliberate bug: a walker can reach the child before the external link. */
	if (tdpmmu_bug(TDPMMU_BUG_PUBLISH_CHILD_BEFORE_LINK) &&
	    !is_last_spte(new_spte, iter->level))
		__kvm_tdp_mmu_write_spte(iter->sptep, new_spte);
	ret = set_external_spte_present(mmu, iter->gfn, iter->old_spte, new_spte, iter->level);
	if (ret) {
		/* Nothing was published: put the old value back. */
		__kvm_tdp_mmu_write_spte(iter->sptep, iter->old_spte);
		return external_hook_result(mmu, ret, __func__,
					    is_last_spte(new_spte, iter->level)
						    ? "set_external_spte failed"
						    : "link_external_spt failed",
					    iter->gfn, iter->level);
	}
	/* Another thread may see the frozen entry between freeze and publish. */
	yield_point(YIELD_CMPXCHG, "publish mirror spte");
	__kvm_tdp_mmu_write_spte(iter->sptep, new_spte);
	return 0;
}

/*
 * Shared mmu_lock.  0, -EBUSY (lost a race or the external table was busy:
 * retry), -ENOMEM, -EAGAIN, or -EIO (VM bugged).
 */
int tdp_mmu_set_spte_atomic(struct kvm_mmu *mmu, struct kvm_mmu_page *root, struct tdp_iter *iter,
			    u64 new_spte)
{
	int ret;

	lockdep_assert_held(&mmu->mmu_lock);
	ret = __tdp_mmu_set_spte_atomic(mmu, root->is_mirror, iter, new_spte);
	if (ret)
		return ret;
	handle_changed_spte(mmu, root->is_mirror, iter->gfn, iter->old_spte, new_spte, iter->level,
			    true);
	return 0;
}

enum mirror_transition {
	MIRROR_NOP,
	MIRROR_REMOVE_LEAF,
	MIRROR_REMOVE_TABLE,
	MIRROR_SPLIT,
	MIRROR_UNSUPPORTED,
};

static enum mirror_transition mirror_transition(u64 old_spte, u64 new_spte, int level)
{
	bool was_present = is_shadow_present_pte(old_spte);
	bool is_present = is_shadow_present_pte(new_spte);

	if (!was_present && !is_present)
		return MIRROR_NOP;
	if (was_present && !is_present)
		return is_last_spte(old_spte, level) ? MIRROR_REMOVE_LEAF : MIRROR_REMOVE_TABLE;
	if (was_present && is_last_spte(old_spte, level) && !is_last_spte(new_spte, level))
		return MIRROR_SPLIT;
	return MIRROR_UNSUPPORTED;
}

/*
 * Exclusive mmu_lock.  Writes the SPTE, does the bookkeeping, then calls
 * the external hook for a mirror SPTE.  0 or a negative errno; on a
 * recoverable hook failure the old leaf is back in place (outside
 * teardown), so the mirror matches the external table.
 */
int tdp_mmu_set_spte(struct kvm_mmu *mmu, bool mirror, u64 *sptep, u64 old_spte, u64 new_spte,
		     gfn_t gfn, int level)
{
	enum mirror_transition t = MIRROR_NOP;
	int ret = 0;

	lockdep_assert_held_write(&mmu->mmu_lock);
	BASE_ASSERT(!is_frozen_spte(old_spte) && !is_frozen_spte(new_spte));

	if (mirror) {
		t = mirror_transition(old_spte, new_spte, level);
		/* Checked before writing, so a refused change leaves no trace. */
		if (KVM_MMU_BUG_ON(mmu, t == MIRROR_UNSUPPORTED))
			return -EIO;
	}

	old_spte = kvm_tdp_mmu_write_spte_atomic(sptep, new_spte);
	handle_changed_spte(mmu, mirror, gfn, old_spte, new_spte, level, false);

	if (t == MIRROR_REMOVE_LEAF) {
		ret = kvm_x86_call(mmu, remove_external_spte, gfn, level, spte_to_pfn(old_spte));
	} else if (t == MIRROR_SPLIT) {
		struct kvm_mmu_page *child = sptep_to_sp(mmu, spte_to_child_pt(new_spte, level));

		if (KVM_MMU_BUG_ON(mmu, !child || !child->external_spt ||
						child->level + 1 != level || child->gfn != gfn))
			ret = -EIO;
		else
			ret = kvm_x86_call(mmu, split_external_spt, gfn, level,
					   spte_to_pfn(old_spte), child->external_spt);
	}
	if (!ret)
		return 0;

	ret = external_hook_result(mmu, ret, __func__,
				   t == MIRROR_SPLIT ? "split_external_spt failed"
						     : "remove_external_spte failed",
				   gfn, level);
	if (!mmu->tearing_down) {
		/*
		 * The external leaf is still there: restore the mirror leaf
		 * without running the change machinery (the new child table
		 * of a failed split never reached the external table).
		 */
		__kvm_tdp_mmu_write_spte(sptep, old_spte);
		kvm_update_page_stats(mmu, mirror, level, 1);
	}
	return ret;
}

int tdp_mmu_iter_set_spte(struct kvm_mmu *mmu, struct kvm_mmu_page *root, struct tdp_iter *iter,
			  u64 new_spte)
{
	int ret;

	BASE_ASSERT(!iter->yielded);
	ret = tdp_mmu_set_spte(mmu, root->is_mirror, iter->sptep, iter->old_spte, new_spte,
			       iter->gfn, iter->level);
	iter->old_spte = kvm_tdp_mmu_read_spte(iter->sptep);
	return ret;
}

int tdp_mmu_link_sp(struct kvm_mmu *mmu, struct kvm_mmu_page *root, struct tdp_iter *iter,
		    struct kvm_mmu_page *sp, bool shared)
{
	u64 spte = make_nonleaf_spte(sp->spt);
	int ret;

	if (shared)
		ret = tdp_mmu_set_spte_atomic(mmu, root, iter, spte);
	else
		ret = tdp_mmu_iter_set_spte(mmu, root, iter, spte);
	if (ret)
		return ret;
	tdp_account_mmu_page(mmu, sp);
	return 0;
}

/*
 * Replace the huge leaf at @iter by the table @sp holding its 512 pieces.
 * No TLB flush: the translation does not change.  On failure the huge leaf
 * is in place and @sp must be freed by the caller (after a grace period:
 * it may have been visible).
 */
int tdp_mmu_split_huge_page(struct kvm_mmu *mmu, struct kvm_mmu_page *root, struct tdp_iter *iter,
			    struct kvm_mmu_page *sp, bool shared, bool filled)
{
	u64 huge_spte = iter->old_spte;
	int level = iter->level;
	int ret;

	/* @filled: sp's entries are already those of this leaf. */
	if (!filled)
		make_small_sptes(huge_spte, level, sp->spt);
	ret = tdp_mmu_link_sp(mmu, root, iter, sp, shared);
	if (ret)
		return ret;
	kvm_update_page_stats(mmu, root->is_mirror, level - 1, PTRS_PER_PTE);
	if (root->is_mirror)
		counter_inc(&mmu->splits);
	trace_kvm_mmu_split_huge_page(root->is_mirror, iter->gfn, level, 0);
	return 0;
}
