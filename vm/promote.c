// SPDX-License-Identifier: GPL-2.0-only
/*
 * Recovering huge private mappings (docs/PROMOTION.md): which regions
 * qualify on the host's side, the host-initiated `promote` over a range
 * (bottom-up: 2M, then 1G), and promote=on's recovery worker.
 *
 * The worker's policy, in short: the fault that maps the last missing
 * child of a table only *queues* the region (the guest has not accepted
 * that child yet: trying right there would pay BLOCK/TRACK/kick for a
 * certain INVALID_PROMOTE_CONDITIONS); the worker tries it on its next
 * run, after a host-side re-check that costs no SEAMCALL; a refusal backs
 * off exponentially (runs 1, 2, 4, 8 later) and a region refused
 * PROMOTE_MAX_TRIES times is dropped until a new fault queues it again.
 *
 * Success can churn too: a Linux TD converts the same few pages (swiotlb,
 * virtio rings) private<->shared hundreds of times, and each time the
 * guest re-accepts the page its 2M region is complete again.  Promoting it
 * every time pays BLOCK/TRACK/kick/PROMOTE, and the next conversion pays
 * BLOCK/TRACK/kick/DEMOTE back.  So the worker remembers what it promoted:
 * the first re-promotion of a region is free, each one after waits twice
 * as many worker runs as the last (2, 4, 8, ... up to 2^16), and a region
 * that stays huge costs nothing.
 */
#include <errno.h>
#include <stdlib.h>

#include "vm_internal.h"

/* `promote` over a large range lets faults in after this many regions. */
#define PROMOTE_REGIONS_PER_HOLD 512

/* Bounds what one TD can queue; the `promote` command recovers the rest. */
#define PROMOTE_QUEUE_MAX 65536
#define PROMOTE_MAX_TRIES 4
/* Regions remembered for the churn hold-off, and its longest wait (runs). */
#define PROMOTE_HISTORY_MAX 65536
#define PROMOTE_CHURN_MAX_SHIFT 16

void kvm_promote_init(struct kvm *kvm)
{
	pthread_mutex_init(&kvm->promote.lock, NULL);
}

void kvm_promote_destroy(struct kvm *kvm)
{
	free(kvm->promote.v);
	kvm->promote.v = NULL;
	free(kvm->promote.hist);
	kvm->promote.hist = NULL;
	pthread_mutex_destroy(&kvm->promote.lock);
}

/*
 * Host side: uniformly private in the attributes and backed in order by
 * one folio of at least @level (PROMOTE's contiguity and alignment, and a
 * mapping never larger than its folio).
 */
static bool promote_qualify(void *arg, gfn_t gfn, int level, kvm_pfn_t pfn)
{
	struct kvm *kvm = arg;

	if (level > kvm->cfg.max_level)
		return false;
	if (kvm_count_shared_gfns(kvm, gfn, gfn + KVM_PAGES_PER_HPAGE(level)))
		return false;
	return gmem_folio_backs(&kvm->gmem, gfn, level, pfn);
}

static int promote_top_level(struct kvm *kvm)
{
	return kvm->cfg.max_level < PG_LEVEL_1G ? kvm->cfg.max_level : PG_LEVEL_1G;
}

int kvm_promote_range(struct kvm *kvm, gpa_t gpa, u64 size)
{
	gfn_t start = gpa_to_gfn(gpa), end = gpa_to_gfn(gpa + size);
	struct rwlock *lock;
	u64 visited = 0;
	int level, r;

	r = kvm_host_range_begin(kvm, gpa, size);
	if (r)
		return r;
	/* Before FINALIZE everything is 4K (PAGE.ADD): nothing to recover. */
	if (!tdx_td_is_runnable(kvm->kvm_tdx))
		return 0;

	lock = kvm_mmu_lock(kvm->mmu);
	write_lock(lock);
	/* Bottom-up: a 1G region needs its 2M children promoted first. */
	for (level = PG_LEVEL_2M; level <= promote_top_level(kvm) && !r; level++) {
		u64 n = KVM_PAGES_PER_HPAGE(level);
		gfn_t gfn;

		for (gfn = (start + n - 1) & ~(n - 1); gfn + n <= end; gfn += n) {
			/* cond_resched_rwlock_write's role: each region stands alone. */
			if (++visited % PROMOTE_REGIONS_PER_HOLD == 0) {
				write_unlock(lock);
				write_lock(lock);
			}
			r = kvm_tdp_mmu_promote_huge_page(kvm->mmu, gfn, level, promote_qualify,
							  kvm);
			if (!r)
				atomic_store(&kvm->promote.any, true);
			/* Not a candidate, or the module refused: not an error. */
			if (r != -EIO) {
				r = 0;
				continue;
			}
			break;
		}
	}
	write_unlock(lock);
	return r;
}

/* ---- promote=on ---- */

static size_t promote_hist_slot(size_t cap, gfn_t gfn, int level)
{
	return (size_t)((gfn ^ (u64)level) * 0x9E3779B97F4A7C15ULL >> 32) & (cap - 1);
}

/*
 * q->lock held.  The history of the @level region at @gfn; with @create a
 * new entry when there is none (NULL when the table is full: the region
 * then simply has no hold-off, nothing else is lost).
 */
static struct kvm_promote_history *promote_hist_find(struct kvm_promote_queue *q, gfn_t gfn,
						     int level, bool create)
{
	size_t i;

	if (create && (q->hist_n + 1) * 2 > q->hist_cap) {
		size_t cap = q->hist_cap ? 2 * q->hist_cap : 64;
		struct kvm_promote_history *h;

		if (q->hist_n >= PROMOTE_HISTORY_MAX || !(h = malloc(cap * sizeof(*h))))
			return NULL;
		for (i = 0; i < cap; i++)
			h[i].gfn = ~0ULL;
		for (size_t j = 0; j < q->hist_cap; j++) {
			if (q->hist[j].gfn == ~0ULL)
				continue;
			i = promote_hist_slot(cap, q->hist[j].gfn, q->hist[j].level);
			while (h[i].gfn != ~0ULL)
				i = (i + 1) & (cap - 1);
			h[i] = q->hist[j];
		}
		free(q->hist);
		q->hist = h;
		q->hist_cap = cap;
	}
	if (!q->hist_cap)
		return NULL;
	i = promote_hist_slot(q->hist_cap, gfn, level);
	for (; q->hist[i].gfn != ~0ULL; i = (i + 1) & (q->hist_cap - 1))
		if (q->hist[i].gfn == gfn && q->hist[i].level == level)
			return &q->hist[i];
	if (!create)
		return NULL;
	q->hist[i] = (struct kvm_promote_history){.gfn = gfn, .level = level};
	q->hist_n++;
	return &q->hist[i];
}

/* q->lock held: the worker promoted the region; space out the next time. */
static void promote_hist_note_success(struct kvm_promote_queue *q, gfn_t gfn, int level)
{
	struct kvm_promote_history *h = promote_hist_find(q, gfn, level, true);
	unsigned int shift;

	if (!h)
		return;
	h->promotions++;
	h->not_before = 0;
	if (h->promotions < 2)
		return;
	shift = h->promotions - 1 < PROMOTE_CHURN_MAX_SHIFT ? h->promotions - 1
							    : PROMOTE_CHURN_MAX_SHIFT;
	h->hold = 1ULL << shift;
}

/*
 * q->lock held: the earliest run at which the region may be tried.  The
 * hold-off counts from the first time the region is queued after its last
 * promotion; later faults in it do not push it further out.
 */
static u64 promote_hist_due(struct kvm_promote_queue *q, gfn_t gfn, int level, u64 due)
{
	struct kvm_promote_history *h = promote_hist_find(q, gfn, level, false);

	if (!h || !h->hold)
		return due;
	if (!h->not_before) {
		h->not_before = due + h->hold;
		counter_inc(&q->held_back);
	}
	return h->not_before > due ? h->not_before : due;
}

/* q->lock held. */
static void promote_enqueue_locked(struct kvm_promote_queue *q, gfn_t gfn, int level, u64 due)
{
	due = promote_hist_due(q, gfn, level, due);
	for (size_t i = 0; i < q->n; i++) {
		if (q->v[i].gfn == gfn && q->v[i].level == level) {
			/* A new fault in it: a fresh start (but no earlier than its hold-off). */
			q->v[i].tries = 0;
			q->v[i].due = due;
			return;
		}
	}
	if (q->n == q->cap) {
		size_t cap = q->cap ? 2 * q->cap : 64;
		struct kvm_promote_candidate *v;

		if (cap > PROMOTE_QUEUE_MAX)
			return;
		v = realloc(q->v, cap * sizeof(*v));
		if (!v)
			return; /* nothing lost but an optimisation */
		q->v = v;
		q->cap = cap;
	}
	q->v[q->n++] = (struct kvm_promote_candidate){.gfn = gfn, .level = level, .due = due};
	counter_inc(&q->queued);
}

/* mmu_lock held: the @level region at @gfn is complete and qualifies. */
static bool promote_is_candidate(struct kvm *kvm, gfn_t gfn, int level)
{
	kvm_pfn_t pfn;

	return kvm_tdp_mmu_promote_candidate(kvm->mmu, gfn, level, &pfn) &&
	       promote_qualify(kvm, gfn, level, pfn);
}

void kvm_promote_after_fault(struct kvm *kvm, gfn_t gfn, int level, int folio_level)
{
	struct kvm_promote_queue *q = &kvm->promote;
	struct rwlock *lock = kvm_mmu_lock(kvm->mmu);
	int plevel = level + 1;
	gfn_t base;
	bool ok;

	/* Cheap host-side filter first: no folio of that size, no scan. */
	if (!kvm->cfg.promote || plevel > promote_top_level(kvm) || folio_level < plevel)
		return;
	base = gfn_round_for_level(gfn, plevel);
	if (base + KVM_PAGES_PER_HPAGE(plevel) > kvm->nr_gfns)
		return;

	read_lock(lock);
	ok = promote_is_candidate(kvm, base, plevel);
	read_unlock(lock);
	if (!ok)
		return;
	mutex_lock_yield(&q->lock, "promote queue");
	/* Not now: the guest has yet to accept the child this fault mapped. */
	promote_enqueue_locked(q, base, plevel, q->run + 1);
	pthread_mutex_unlock(&q->lock);
}

static void promote_remove_locked(struct kvm_promote_queue *q, size_t i)
{
	q->v[i] = q->v[--q->n];
}

int kvm_promote_worker(struct kvm *kvm)
{
	struct kvm_promote_queue *q = &kvm->promote;
	struct rwlock *lock;
	bool due = false;
	int done = 0;

	/* Before FINALIZE nothing may be huge: keep the queue for later. */
	if (!tdx_td_is_runnable(kvm->kvm_tdx))
		return 0;
	mutex_lock_yield(&q->lock, "promote queue");
	q->run++;
	for (size_t i = 0; i < q->n && !due; i++)
		due = q->v[i].due <= q->run;
	pthread_mutex_unlock(&q->lock);
	if (!due || kvm_mmu_is_bugged(kvm->mmu))
		return 0;

	kvm_thread_ensure_registered();
	lock = kvm_mmu_lock(kvm->mmu);
	write_lock(lock);
	mutex_lock_yield(&q->lock, "promote queue");
	for (size_t i = 0; i < q->n;) {
		struct kvm_promote_candidate *c = &q->v[i];
		gfn_t gfn = c->gfn;
		int level = c->level, r;

		if (c->due > q->run) {
			i++;
			continue;
		}
		r = kvm_tdp_mmu_promote_huge_page(kvm->mmu, gfn, level, promote_qualify, kvm);
		if (r == -EPERM || r == -EAGAIN || r == -ENOMEM) {
			if (++c->tries >= PROMOTE_MAX_TRIES) {
				promote_remove_locked(q, i);
			} else {
				c->due = q->run + (1ULL << c->tries);
				i++;
			}
			continue;
		}
		promote_remove_locked(q, i);
		if (r == -EIO)
			break;
		if (r)
			continue; /* no longer a candidate: a new fault will queue it */
		done++;
		promote_hist_note_success(q, gfn, level);
		atomic_store(&kvm->promote.any, true);
		/* Bottom-up: this 2M leaf may complete its 1G table; same run. */
		if (level < promote_top_level(kvm)) {
			gfn_t up = gfn_round_for_level(gfn, level + 1);

			if (up + KVM_PAGES_PER_HPAGE(level + 1) <= kvm->nr_gfns &&
			    promote_is_candidate(kvm, up, level + 1))
				promote_enqueue_locked(q, up, level + 1, q->run);
		}
	}
	pthread_mutex_unlock(&q->lock);
	write_unlock(lock);
	return done;
}

bool kvm_promote_mapped_above(struct kvm *kvm, gfn_t gfn, int level)
{
	struct rwlock *lock = kvm_mmu_lock(kvm->mmu);
	int mapped;
	bool r;

	/* Cheap while nothing was ever promoted (the common case). */
	if (!atomic_load(&kvm->promote.any))
		return false;
	read_lock(lock);
	r = kvm_tdp_mmu_lookup(kvm->mmu, gfn, true, &mapped, NULL) && mapped > level;
	read_unlock(lock);
	return r;
}
