// SPDX-License-Identifier: GPL-2.0-only
/*
 * Page-table pages: allocation (header, SPT page, external page for mirror
 * tables), the spt -> header lookup KVM does with page_private(), the
 * accounting of linked pages, and freeing (immediate for pages never made
 * visible, after an RCU grace period otherwise).
 */
#include <stdlib.h>
#include <string.h>

#include "mmu_internal.h"

/*
 * The header of the table @spt points into: the page's private word, set
 * when the header was made (KVM: sptep_to_sp() via page_private()).
 */
struct kvm_mmu_page *sptep_to_sp(struct kvm_mmu *mmu, u64 *spt)
{
	u64 *page = (u64 *)((uintptr_t)spt & ~(uintptr_t)(PAGE_SIZE - 1));
	struct kvm_mmu_page *sp = page_private(page);

	/* Still checked: the header is this MMU's and owns this page. */
	if (sp && (sp->spt != page || sp->mmu != mmu))
		return NULL;
	return sp;
}

/*
 * Header + SPT page (+ external page for a mirror table), all or nothing.
 * No mmu_lock: the split path calls this with the lock dropped.  Without
 * @fill the entries are left zero (not non-present): only for a table
 * whose every entry the caller writes before linking it (a split's:
 * make_small_sptes, tdp_mmu_split.c).
 */
struct kvm_mmu_page *__tdp_mmu_alloc_sp(struct kvm_mmu *mmu, bool mirror, bool fill)
{
	u64 *spt = pt_page_alloc(mmu->fa);
	struct kvm_mmu_page *sp;

	if (!spt)
		return NULL;
	/*
	 * The header lives with its page, in the pool's line for it (the one
	 * page_set_private() writes), not in an object of its own: a freed
	 * malloc object is a cold line of its own when reused (about 400
	 * cycles of a split, docs/PERFORMANCE.md round 2, session 5).
	 */
	sp = page_owner_area(spt);
	memset(sp, 0, sizeof(*sp));
	sp->mmu = mmu;
	sp->spt = spt;
	if (mirror && frame_alloc(mmu->fa, PG_LEVEL_4K, &sp->external_spt)) {
		pt_page_free(mmu->fa, spt);
		return NULL;
	}
	/* Non-present entries are SHADOW_NONPRESENT_VALUE, not 0. */
	if (fill)
		page_fill_step(spt, SHADOW_NONPRESENT_VALUE, 0);
	sp->is_mirror = mirror;
	page_set_private(spt, sp);
	return sp;
}

struct kvm_mmu_page *tdp_mmu_alloc_sp(struct kvm_mmu *mmu, bool mirror)
{
	return __tdp_mmu_alloc_sp(mmu, mirror, true);
}

void tdp_mmu_init_child_sp(struct kvm_mmu_page *sp, bool mirror, gfn_t gfn, int level)
{
	BASE_ASSERT(sp->is_mirror == mirror);
	BASE_ASSERT(!mirror || sp->external_spt);
	sp->gfn = gfn;
	sp->level = level;
}

/* Frees the header, the SPT page and the external page if still ours. */
void tdp_mmu_free_sp(struct kvm_mmu_page *sp)
{
	struct kvm_mmu *mmu = sp->mmu;

	if (sp->external_spt)
		frame_free(mmu->fa, sp->external_spt, PAGE_SIZE);
	/* Last: the header goes with its page. */
	pt_page_free(mmu->fa, sp->spt);
}

#ifdef TDPMMU_TSAN
char kvm_mmu_rcu_tsan_sync;
#endif

static void tdp_mmu_free_sp_rcu_callback(struct rcu_head *head)
{
	struct kvm_mmu_page *sp = container_of(head, struct kvm_mmu_page, rcu_head);
	struct kvm_mmu *mmu;

	kvm_mmu_rcu_free_begin(sp);
	mmu = sp->mmu;
	tdp_mmu_free_sp(sp);
	kvm_mmu_rcu_free_end(mmu);
}

/* For a table a lockless walker may still be reading. */
void tdp_mmu_free_sp_rcu(struct kvm_mmu_page *sp)
{
	yield_point(YIELD_RCU, "call_rcu");
	kvm_mmu_rcu_free_queue(sp);
	call_rcu(&sp->rcu_head, tdp_mmu_free_sp_rcu_callback);
}

void tdp_account_mmu_page(struct kvm_mmu *mmu, struct kvm_mmu_page *sp)
{
	counter_inc(sp->is_mirror ? &mmu->mirror_pt_pages : &mmu->direct_pt_pages);
	if (sp->is_mirror)
		counter_inc(&mmu->external_pages);
}

void tdp_unaccount_mmu_page(struct kvm_mmu *mmu, struct kvm_mmu_page *sp)
{
	atomic_fetch_sub(sp->is_mirror ? &mmu->mirror_pt_pages : &mmu->direct_pt_pages, 1);
	if (sp->is_mirror)
		atomic_fetch_sub(&mmu->external_pages, 1);
}
