// SPDX-License-Identifier: GPL-2.0-only
/*
 * The per-vCPU TLB model: private translations a vCPU cached while in the
 * TD, kept in an open-addressed table per vCPU.  TDH.VP.ENTER flushes it
 * when the TD epoch moved since the vCPU last entered; ACCEPT and guest
 * accesses fill and read it; the checker walks it to prove no stale
 * translation survives a BLOCK + TRACK.  Nothing is ever evicted (an
 * evicted stale entry would hide from the checker), so the table is kept
 * small instead: 16-byte entries, grown at three quarters full.
 */
#include <stdlib.h>

#include "tdxmod_internal.h"

void tlb_flush_vcpu(struct tdxmod_vcpu *v)
{
	pthread_mutex_lock(&v->tlb_lock);
	for (size_t i = 0; i < v->tlb_cap; i++)
		v->tlb[i].gpa_level = TLB_EMPTY;
	v->tlb_used = 0;
	pthread_mutex_unlock(&v->tlb_lock);
}

static size_t tlb_slot(size_t cap, gpa_t gpa)
{
	return (size_t)((gpa >> PAGE_SHIFT) * 0x9E3779B97F4A7C15ULL >> 20) & (cap - 1);
}

/* The slot holding @gpa (one entry per GPA, whatever its level), or the empty slot for it. */
static size_t tlb_find(const struct tlb_entry *tab, size_t cap, gpa_t gpa)
{
	size_t i = tlb_slot(cap, gpa);

	while (tab[i].gpa_level != TLB_EMPTY && tlb_entry_gpa(&tab[i]) != gpa)
		i = (i + 1) & (cap - 1);
	return i;
}

static void tlb_grow(struct tdxmod_vcpu *v)
{
	size_t cap = v->tlb_cap ? v->tlb_cap * 2 : 64;
	struct tlb_entry *tab = malloc(cap * sizeof(*tab));

	BASE_OOM_CHECK(tab, "a vCPU TLB of the module model");
	for (size_t i = 0; i < cap; i++)
		tab[i].gpa_level = TLB_EMPTY;
	for (size_t i = 0; i < v->tlb_cap; i++)
		if (v->tlb[i].gpa_level != TLB_EMPTY)
			tab[tlb_find(tab, cap, tlb_entry_gpa(&v->tlb[i]))] = v->tlb[i];
	free(v->tlb);
	v->tlb = tab;
	v->tlb_cap = cap;
}

void tlb_insert(struct tdxmod_vcpu *v, gpa_t gpa, hpa_t hpa, int level)
{
	gpa_t base = gpa & ~(tdxmod_level_size(level) - 1);
	size_t i;

	pthread_mutex_lock(&v->tlb_lock);
	if ((v->tlb_used + 1) * 4 > v->tlb_cap * 3)
		tlb_grow(v);
	i = tlb_find(v->tlb, v->tlb_cap, base);
	if (v->tlb[i].gpa_level == TLB_EMPTY)
		v->tlb_used++;
	v->tlb[i] = (struct tlb_entry){base | (u64)level, hpa};
	pthread_mutex_unlock(&v->tlb_lock);
}

/* A cached translation covering @gpa (any level). */
bool tlb_lookup(struct tdxmod_vcpu *v, gpa_t gpa, struct tlb_entry *out)
{
	bool found = false;

	pthread_mutex_lock(&v->tlb_lock);
	for (int level = 0; level <= 2 && v->tlb_cap && !found; level++) {
		gpa_t base = gpa & ~(tdxmod_level_size(level) - 1);
		size_t i = tlb_find(v->tlb, v->tlb_cap, base);

		if (v->tlb[i].gpa_level == (base | (u64)level)) {
			*out = v->tlb[i];
			found = true;
		}
	}
	pthread_mutex_unlock(&v->tlb_lock);
	return found;
}

int tdxmod_tlb_for_each(struct tdxmod_td *td, int vcpu, tdxmod_tlb_visit_fn fn, void *arg)
{
	struct tdxmod_vcpu *v;
	int ret = 0;

	if (vcpu < 0 || vcpu >= td->nr_vcpus)
		return -1;
	v = &td->vcpus[vcpu];
	pthread_mutex_lock(&v->tlb_lock);
	for (size_t i = 0; i < v->tlb_cap && !ret; i++)
		if (v->tlb[i].gpa_level != TLB_EMPTY)
			ret = fn(arg, vcpu, tlb_entry_gpa(&v->tlb[i]), v->tlb[i].hpa,
				 tlb_entry_level(&v->tlb[i]));
	pthread_mutex_unlock(&v->tlb_lock);
	return ret;
}
