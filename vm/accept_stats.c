// SPDX-License-Identifier: GPL-2.0-only
/*
 * The guest's ACCEPT-level EPT violations, counted the way the huge-page
 * series measured a real TD boot: an instance of "the guest accepts at 4K
 * where KVM could map 2M" is an exit whose ACCEPT level is below the level
 * the host could map there before any guest inhibit (attributes uniform,
 * the huge page inside one memslot, a folio that large possible, the TD
 * RUNNABLE).  Each instance's GFN is kept so a bench can break the count
 * down by GFN range.
 */
#include <stdlib.h>
#include <string.h>

#include "vm_internal.h"

/* The level the host could map at @gfn, the guest's inhibits aside. */
static int host_mappable_level(struct kvm *kvm, gfn_t gfn)
{
	int level = kvm->cfg.max_level < PG_LEVEL_2M ? kvm->cfg.max_level : PG_LEVEL_2M;
	int folio;

	if (!tdx_td_is_runnable(kvm->kvm_tdx))
		return PG_LEVEL_4K;
	level = kvm_mmu_max_mapping_level_uninhibited(kvm->mmu, gfn, level);
	/* The folio there, or the one guest_memfd would allocate (4K after a punch split it). */
	folio = gmem_max_folio_level(&kvm->gmem, gfn);
	if (folio != PG_LEVEL_NONE && folio < level)
		level = folio;
	return level;
}

void kvm_accept_stats_exit(struct kvm *kvm, gfn_t gfn, int level)
{
	bool below = level < host_mappable_level(kvm, gfn);

	pthread_mutex_lock(&kvm->accept_lock);
	kvm->accept.level_exits++;
	if (level == PG_LEVEL_4K)
		kvm->accept.level_exits_4k++;
	if (below) {
		kvm->accept.below_mappable++;
		if (kvm->nr_below == kvm->cap_below) {
			size_t cap = kvm->cap_below ? kvm->cap_below * 2 : 1024;
			gfn_t *n = realloc(kvm->below_gfns, cap * sizeof(*n));

			if (n) {
				kvm->below_gfns = n;
				kvm->cap_below = cap;
			}
		}
		/* Out of memory: the count stays right, the breakdown misses it. */
		if (kvm->nr_below < kvm->cap_below)
			kvm->below_gfns[kvm->nr_below++] = gfn;
	}
	pthread_mutex_unlock(&kvm->accept_lock);
}

void kvm_accept_stats_write_lock(struct kvm *kvm)
{
	pthread_mutex_lock(&kvm->accept_lock);
	kvm->accept.write_locks++;
	pthread_mutex_unlock(&kvm->accept_lock);
}

void kvm_get_accept_stats(struct kvm *kvm, struct kvm_accept_stats *s)
{
	pthread_mutex_lock(&kvm->accept_lock);
	*s = kvm->accept;
	pthread_mutex_unlock(&kvm->accept_lock);
}

u64 kvm_accept_below_mappable_in(struct kvm *kvm, gfn_t start, gfn_t end)
{
	u64 n = 0;

	pthread_mutex_lock(&kvm->accept_lock);
	for (size_t i = 0; i < kvm->nr_below; i++)
		n += kvm->below_gfns[i] >= start && kvm->below_gfns[i] < end;
	pthread_mutex_unlock(&kvm->accept_lock);
	return n;
}

gfn_t *kvm_accept_below_mappable_gfns(struct kvm *kvm, u64 *nr)
{
	gfn_t *out;

	pthread_mutex_lock(&kvm->accept_lock);
	out = malloc((kvm->nr_below ? kvm->nr_below : 1) * sizeof(*out));
	*nr = 0;
	if (out) {
		if (kvm->nr_below)
			memcpy(out, kvm->below_gfns, kvm->nr_below * sizeof(*out));
		*nr = kvm->nr_below;
	}
	pthread_mutex_unlock(&kvm->accept_lock);
	return out;
}

void kvm_accept_stats_free(struct kvm *kvm)
{
	free(kvm->below_gfns);
	kvm->below_gfns = NULL;
	kvm->nr_below = kvm->cap_below = 0;
	pthread_mutex_destroy(&kvm->accept_lock);
}
