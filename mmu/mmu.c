// SPDX-License-Identifier: GPL-2.0-only
/*
 * The MMU object: creation and teardown of the roots, the bugged flag,
 * thread registration with RCU, and statistics.
 */
#include <stdlib.h>

#include "mmu_internal.h"
#include "tdpmmu/trace.h"

static atomic_ullong next_mmu_id = 1;

void kvm_mmu_register_thread(void)
{
	rcu_register_thread();
}

void kvm_mmu_unregister_thread(void)
{
	rcu_unregister_thread();
}

static struct kvm_mmu_page *tdp_mmu_alloc_root(struct kvm_mmu *mmu, bool mirror)
{
	/* The mirror root's external page is the implementer's (TDR's root S-EPT). */
	struct kvm_mmu_page *root = tdp_mmu_alloc_sp(mmu, false);

	if (!root)
		return NULL;
	root->is_mirror = mirror;
	root->is_root = true;
	root->level = PT64_ROOT_4LEVEL;
	root->gfn = 0;
	return root;
}

static void lpage_info_init(struct kvm_mmu *mmu, int i)
{
	int level = PG_LEVEL_2M + i;
	u64 pages = KVM_PAGES_PER_HPAGE(level);

	mmu->nr_lpage[i] = (mmu->nr_gfns + pages - 1) / pages;
	mmu->lpage_info[i] = calloc(mmu->nr_lpage[i] ? mmu->nr_lpage[i] : 1, sizeof(atomic_uint));
	/* A huge page sticking out of the memslot is never allowed. */
	if (mmu->lpage_info[i] && (mmu->nr_gfns & (pages - 1)))
		atomic_store(&mmu->lpage_info[i][mmu->nr_lpage[i] - 1], 1);
}

/* What creation set up besides the roots and caches. */
static void kvm_mmu_free(struct kvm_mmu *mmu)
{
	free(mmu->lpage_info[0]);
	free(mmu->lpage_info[1]);
	pthread_mutex_destroy(&mmu->cache_lock);
	rwlock_destroy(&mmu->mmu_lock);
	free(mmu);
}

struct kvm_mmu *kvm_mmu_create(struct frame_allocator *fa, const struct kvm_external_ops *ops,
			       void *opaque, gfn_t nr_gfns)
{
	struct kvm_mmu *mmu;

	if (!fa || !nr_gfns || nr_gfns > TDP_MMU_MAX_GFN_EXCLUSIVE)
		return NULL;
	if (ops &&
	    (!ops->link_external_spt || !ops->set_external_spte || !ops->remove_external_spte ||
	     !ops->free_external_spt || !ops->split_external_spt))
		return NULL;
	mmu = calloc(1, sizeof(*mmu));
	if (!mmu)
		return NULL;
	mmu->id = atomic_fetch_add(&next_mmu_id, 1);
	mmu->fa = fa;
	mmu->ops = ops;
	mmu->opaque = opaque;
	mmu->nr_gfns = nr_gfns;
	rwlock_init(&mmu->mmu_lock);
	short_mutex_init(&mmu->cache_lock);
	lpage_info_init(mmu, 0);
	lpage_info_init(mmu, 1);
	if (!mmu->lpage_info[0] || !mmu->lpage_info[1])
		goto fail;
	if (ops) {
		mmu->mirror_root = tdp_mmu_alloc_root(mmu, true);
		if (!mmu->mirror_root)
			goto fail;
	}
	mmu->direct_root = tdp_mmu_alloc_root(mmu, false);
	if (!mmu->direct_root)
		goto fail;
	return mmu;
fail:
	if (mmu->mirror_root)
		tdp_mmu_free_sp(mmu->mirror_root);
	kvm_mmu_free(mmu);
	return NULL;
}

/*
 * kvm_mmu_uninit_tdp_mmu: zap every root, free it after a grace period, wait
 * for RCU.  The roots live as long as the MMU (faults use them without
 * references), so nothing else can hold one here.
 */
void kvm_mmu_destroy(struct kvm_mmu *mmu)
{
	struct kvm_mmu_page *roots[2] = {mmu->mirror_root, mmu->direct_root};

	if (!mmu)
		return;
	write_lock(&mmu->mmu_lock);
	mmu->tearing_down = true;
	for (int i = 0; i < 2; i++) {
		if (!roots[i])
			continue;
		tdp_mmu_zap_root(mmu, roots[i]);
	}
	write_unlock(&mmu->mmu_lock);
	for (int i = 0; i < 2; i++)
		if (roots[i])
			tdp_mmu_free_sp_rcu(roots[i]);
	mmu->mirror_root = mmu->direct_root = NULL;
	/* Every page queued by call_rcu is freed before the MMU goes. */
	rcu_barrier();
	kvm_mmu_rcu_barrier_done(mmu);
	kvm_mmu_free_caches(mmu);
	kvm_mmu_free(mmu);
}

struct rwlock *kvm_mmu_lock(struct kvm_mmu *mmu)
{
	return &mmu->mmu_lock;
}

bool kvm_mmu_has_mirror(struct kvm_mmu *mmu)
{
	return mmu->mirror_root != NULL;
}

void __kvm_mmu_vm_bugged(struct kvm_mmu *mmu, const char *func, const char *reason, gfn_t gfn,
			 int level)
{
	/* The first cause wins; later ones are consequences. */
	if (!atomic_exchange(&mmu->bug_claimed, true)) {
		mmu->bug = (struct kvm_mmu_bug_info){func, reason, gfn, level};
		atomic_store_explicit(&mmu->bug_recorded, true, memory_order_release);
		trace_kvm_vm_bugged(reason, func, gfn, level);
	}
	atomic_store(&mmu->vm_bugged, true);
}

bool kvm_mmu_get_bug_info(struct kvm_mmu *mmu, struct kvm_mmu_bug_info *info)
{
	if (!atomic_load_explicit(&mmu->bug_recorded, memory_order_acquire))
		return false;
	*info = mmu->bug;
	return true;
}

bool kvm_mmu_is_bugged(struct kvm_mmu *mmu)
{
	return atomic_load(&mmu->vm_bugged);
}

void kvm_mmu_get_stats(struct kvm_mmu *mmu, struct kvm_mmu_stats *st)
{
	st->splits = counter_read(&mmu->splits);
	st->promotes = counter_read(&mmu->promotes);
	st->promote_tries = counter_read(&mmu->promote_tries);
	st->remote_tlb_flushes = counter_read(&mmu->remote_tlb_flushes);
	st->warn_huge_leaf_above_level = counter_read(&mmu->warn_huge_leaf_above_level);
	st->faults = stat_counter_read(&mmu->faults);
	st->mirror_pt_pages = counter_read(&mmu->mirror_pt_pages);
	st->direct_pt_pages = counter_read(&mmu->direct_pt_pages);
	st->external_pages = counter_read(&mmu->external_pages);
	st->external_leaked = counter_read(&mmu->external_leaked);
	for (int l = 0; l <= PG_LEVEL_512G; l++) {
		st->mirror_mappings[l] = stat_counter_read(&mmu->mirror_mappings[l]);
		st->direct_mappings[l] = stat_counter_read(&mmu->direct_mappings[l]);
	}
}

#ifdef TDPMMU_TSAN
/*
 * liburcu is not built with ThreadSanitizer: its internal hand-offs (e.g.
 * rcu_barrier()'s completion freed by the call_rcu thread) look racy.
 * Ignore what the library itself does; the MMU's own RCU ordering is
 * annotated in mmu_internal.h.
 */
const char *__tsan_default_suppressions(void);
const char *__tsan_default_suppressions(void)
{
	return "called_from_lib:liburcu.so\n";
}
#endif
