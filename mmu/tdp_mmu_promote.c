// SPDX-License-Identifier: GPL-2.0-only
/*
 * Promotion of a private (mirror) table back into one huge leaf, under the
 * exclusive mmu_lock: the reverse of tdp_mmu_split_huge_page().
 *
 * Order: the external table first (promote_external_spt: BLOCK -> TRACK ->
 * kick -> PAGE.PROMOTE), then the mirror.  Nothing in the mirror changes
 * until the module has merged the children, so a refusal needs no undo on
 * this side; and no other writer can see the mirror in between (faults
 * take mmu_lock for read, every other change takes it for write).  Once
 * the huge leaf is published, the old table's entries are frozen, its
 * leaves are accounted away without any hook (the module merged them, it
 * did not remove them), and the table and its external page are freed
 * after a grace period (a lockless walker may still hold the table).
 *
 * This is the only mirror non-leaf -> leaf change; tdp_mmu_set_spte()
 * still refuses it, since its hooks would remove the children.
 */
#include "tdpmmu/trace.h"
#include "mmu_internal.h"

/* The table at @level covering @gfn in @root, or NULL (and *sptep, *old). */
static struct kvm_mmu_page *promote_find_table(struct kvm_mmu *mmu, struct kvm_mmu_page *root,
					       gfn_t gfn, int level, u64 **sptep, u64 *old)
{
	struct tdp_iter iter;

	for_each_tdp_pte_root(iter, root, level, gfn, gfn + 1)
	{
		if (!is_shadow_present_pte(iter.old_spte))
			return NULL;
		if (iter.level > level && is_last_spte(iter.old_spte, iter.level))
			return NULL;
		if (iter.level != level)
			continue;
		if (is_last_spte(iter.old_spte, level))
			return NULL; /* already huge */
		*sptep = iter.sptep;
		*old = iter.old_spte;
		return sptep_to_sp(mmu, spte_to_child_pt(iter.old_spte, level));
	}
	return NULL;
}

/* Bits a child may differ in: Accessed/Dirty (as PROMOTE ignores A/D). */
#define PROMOTE_IGNORED_BITS (SPTE_BASE_ADDR_MASK | VMX_EPT_ACCESS_BIT | VMX_EPT_DIRTY_BIT)

/*
 * The mirror's half of PROMOTE's own conditions: 512 present leaves one
 * level down mapping the frames of one @level-aligned block in order, with
 * the same permissions.  *child0 gets child 0 with every child's A/D bits.
 */
static bool promote_children_ok(struct kvm_mmu_page *sp, int level, u64 *child0)
{
	const u64 step = KVM_PAGES_PER_HPAGE(level - 1);
	u64 c0 = kvm_tdp_mmu_read_spte(&sp->spt[0]);
	u64 ad = c0 & (VMX_EPT_ACCESS_BIT | VMX_EPT_DIRTY_BIT);
	kvm_pfn_t pfn0;

	if (!is_shadow_present_pte(c0) || !is_last_spte(c0, level - 1))
		return false;
	pfn0 = spte_to_pfn(c0);
	if (pfn0 & (KVM_PAGES_PER_HPAGE(level) - 1))
		return false;
	for (int i = 1; i < PTRS_PER_PTE; i++) {
		u64 c = kvm_tdp_mmu_read_spte(&sp->spt[i]);

		if (!is_shadow_present_pte(c) || !is_last_spte(c, level - 1) ||
		    spte_to_pfn(c) != pfn0 + i * step ||
		    (c & ~PROMOTE_IGNORED_BITS) != (c0 & ~PROMOTE_IGNORED_BITS))
			return false;
		ad |= c & (VMX_EPT_ACCESS_BIT | VMX_EPT_DIRTY_BIT);
	}
	*child0 = c0 | ad;
	return true;
}

bool kvm_tdp_mmu_promote_candidate(struct kvm_mmu *mmu, gfn_t gfn, int level, kvm_pfn_t *pfn)
{
	struct kvm_mmu_page *sp;
	u64 *sptep, old, c0;
	bool ok = false;

	lockdep_assert_held(&mmu->mmu_lock);
	if (!mmu->mirror_root || level < PG_LEVEL_2M || level > KVM_MAX_HUGEPAGE_LEVEL)
		return false;
	gfn = gfn_round_for_level(gfn, level);
	kvm_mmu_rcu_read_lock();
	sp = promote_find_table(mmu, mmu->mirror_root, gfn, level, &sptep, &old);
	if (sp && promote_children_ok(sp, level, &c0)) {
		ok = true;
		if (pfn)
			*pfn = spte_to_pfn(c0);
	}
	kvm_mmu_rcu_read_unlock();
	return ok;
}

/*
 * The table @sp was replaced by a huge leaf mapping the same frames: take
 * its entries (frozen, for lockless walkers still inside it), move the
 * statistics, and free it after a grace period.  Its external page came
 * back with the promotion, so tdp_mmu_free_sp() frees it too.
 */
static void handle_promoted_pt(struct kvm_mmu *mmu, struct kvm_mmu_page *sp, int level)
{
	tdp_unaccount_mmu_page(mmu, sp);
	for (int i = 0; i < PTRS_PER_PTE; i++)
		__kvm_tdp_mmu_write_spte(&sp->spt[i], FROZEN_SPTE);
	stat_counter_add(&mmu->mirror_mappings[level - 1], -(s64)PTRS_PER_PTE);
	stat_counter_add(&mmu->mirror_mappings[level], 1);
	tdp_mmu_free_sp_rcu(sp);
}

int kvm_tdp_mmu_promote_huge_page(struct kvm_mmu *mmu, gfn_t gfn, int level,
				  kvm_mmu_promote_qualify_fn qualify, void *arg)
{
	struct kvm_mmu_page *sp;
	u64 *sptep, old, c0;
	int ret;

	lockdep_assert_held_write(&mmu->mmu_lock);
	if (kvm_mmu_is_bugged(mmu))
		return -EIO;
	if (!mmu->mirror_root || level < PG_LEVEL_2M || level > KVM_MAX_HUGEPAGE_LEVEL)
		return -ENOENT;
	if (!mmu->ops->promote_external_spt)
		return -EOPNOTSUPP;
	gfn = gfn_round_for_level(gfn, level);
	if (gfn + KVM_PAGES_PER_HPAGE(level) > mmu->nr_gfns)
		return -ENOENT;
	/*
	 * A promotion maps a huge leaf, as a fault does: not while a punch or
	 * a conversion that dropped mmu_lock between its splits and its zap
	 * is invalidating part of the region, or the zap meets a huge leaf
	 * partly inside its range (KVM_BUG_ON).  Try again later.
	 */
	if (!tdpmmu_bug(TDPMMU_BUG_PROMOTE_IGNORES_INVALIDATION) &&
	    mmu_invalidate_in_progress_range(mmu, gfn, gfn + KVM_PAGES_PER_HPAGE(level)))
		return -EAGAIN;

	kvm_mmu_rcu_read_lock();
	sp = promote_find_table(mmu, mmu->mirror_root, gfn, level, &sptep, &old);
	if (!sp || !promote_children_ok(sp, level, &c0) ||
	    (qualify && !qualify(arg, gfn, level, spte_to_pfn(c0)))) {
		ret = -ENOENT;
		goto out;
	}
	if (KVM_MMU_BUG_ON(mmu, !sp->external_spt || sp->gfn != gfn || sp->level + 1 != level)) {
		ret = -EIO;
		goto out;
	}

	counter_inc(&mmu->promote_tries);
	ret = kvm_x86_call(mmu, promote_external_spt, gfn, level, spte_to_pfn(c0),
			   sp->external_spt);
	if (ret) {
		/* -EPERM / -EAGAIN / -ENOMEM: refused, all as it was. */
		if (ret != -EPERM && ret != -EAGAIN && ret != -ENOMEM && ret != -ENOBUFS &&
		    ret != -EINTR) {
			kvm_mmu_vm_bugged_at(mmu, "promote_external_spt failed", gfn, level);
			ret = -EIO;
		}
		goto out;
	}

	/* Under the write lock nobody else changes the parent entry. */
	BASE_ASSERT(kvm_tdp_mmu_read_spte(sptep) == old);
	yield_point(YIELD_CMPXCHG, "publish promoted spte");
	__kvm_tdp_mmu_write_spte(sptep, make_huge_spte(c0, level));
	handle_promoted_pt(mmu, sp, level);
	counter_inc(&mmu->promotes);
out:
	/* Tried ones only: a region that was not a candidate is not an event. */
	if (ret != -ENOENT && ret != -EOPNOTSUPP)
		trace_kvm_mmu_promote_huge_page(true, gfn, level, ret);
	kvm_mmu_rcu_read_unlock();
	return ret;
}
