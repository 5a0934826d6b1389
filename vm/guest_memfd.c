// SPDX-License-Identifier: GPL-2.0-only
/*
 * guest_memfd: the folios behind private GFNs (and, as a second instance,
 * the host memory behind shared GFNs).  Folios are as large as max_level,
 * natural alignment and the memslot allow.  A punch smaller than a folio
 * splits it: what remains is backed by its own 4K pages and is never again
 * backed (so never mapped) larger until the whole huge range is punched.
 */
#include <errno.h>
#include <stdlib.h>

#include "vm_internal.h"

#define GFNS_2M 512ULL
#define GFNS_1G (512ULL * 512ULL)

int gmem_init(struct guest_memfd *gmem, struct frame_allocator *fa, gfn_t nr_gfns, int max_level)
{
	gmem->fa = fa;
	gmem->nr_gfns = nr_gfns;
	gmem->max_level = max_level;
	gmem->nr_1g = (nr_gfns + GFNS_1G - 1) / GFNS_1G;
	gmem->bytes = 0;
	gmem->idx = calloc(gmem->nr_1g, sizeof(*gmem->idx));
	if (!gmem->idx)
		return -ENOMEM;
	pthread_mutex_init(&gmem->lock, NULL);
	return 0;
}

static void gmem_free(struct guest_memfd *gmem, hpa_t hpa, u64 size)
{
	frame_free(gmem->fa, hpa, size);
	gmem->bytes -= size;
}

static void slot_release(struct gmem_1g *g1, struct gmem_2m *s)
{
	free(s->pages);
	s->pages = NULL;
	s->nr_pages = 0;
	s->split = false;
	g1->nr_used--;
}

void gmem_destroy(struct guest_memfd *gmem)
{
	size_t i;

	if (!gmem->idx)
		return;
	gmem_punch(gmem, 0, gmem->nr_gfns);
	for (i = 0; i < gmem->nr_1g; i++)
		free(gmem->idx[i].slots);
	free(gmem->idx);
	gmem->idx = NULL;
	pthread_mutex_destroy(&gmem->lock);
}

static bool range_in_slot(struct guest_memfd *gmem, gfn_t base, u64 nr)
{
	if (gmem->slots)
		return kvm_cfg_range_in_slot(gmem->slots, gmem->nr_gfns, base, nr);
	return base + nr <= gmem->nr_gfns;
}

int gmem_max_folio_level(struct guest_memfd *gmem, gfn_t gfn)
{
	struct gmem_1g *g1;
	struct gmem_2m *s;
	int level = PG_LEVEL_4K;

	if (gfn >= gmem->nr_gfns)
		return PG_LEVEL_NONE;
	pthread_mutex_lock(&gmem->lock);
	g1 = &gmem->idx[gfn / GFNS_1G];
	s = g1->slots ? &g1->slots[(gfn / GFNS_2M) % 512] : NULL;
	if (g1->folio || (!g1->nr_used && !g1->split && gmem->max_level >= PG_LEVEL_1G &&
			  range_in_slot(gmem, gfn_round_for_level(gfn, PG_LEVEL_1G), GFNS_1G)))
		level = PG_LEVEL_1G;
	else if ((s && s->folio) ||
		 ((!s || (!s->nr_pages && !s->split)) && !g1->split &&
		  gmem->max_level >= PG_LEVEL_2M &&
		  range_in_slot(gmem, gfn_round_for_level(gfn, PG_LEVEL_2M), GFNS_2M)))
		level = PG_LEVEL_2M;
	pthread_mutex_unlock(&gmem->lock);
	return level;
}

int gmem_get_pfn(struct guest_memfd *gmem, gfn_t gfn, kvm_pfn_t *pfn, int *folio_level)
{
	struct gmem_1g *g1;
	struct gmem_2m *s;
	size_t i1 = gfn / GFNS_1G, i2 = (gfn / GFNS_2M) % 512, i4 = gfn % 512;
	hpa_t hpa;
	int r = 0;

	if (gfn >= gmem->nr_gfns)
		return -EINVAL;
	pthread_mutex_lock(&gmem->lock);
	g1 = &gmem->idx[i1];
	if (!g1->folio && !g1->nr_used && !g1->split && gmem->max_level >= PG_LEVEL_1G &&
	    range_in_slot(gmem, gfn_round_for_level(gfn, PG_LEVEL_1G), GFNS_1G)) {
		r = frame_alloc_guest(gmem->fa, PG_LEVEL_1G, &hpa);
		if (r)
			goto out;
		g1->folio = hpa;
		gmem->bytes += level_size(PG_LEVEL_1G);
	}
	if (g1->folio) {
		*pfn = (g1->folio >> PAGE_SHIFT) + (gfn % GFNS_1G);
		*folio_level = PG_LEVEL_1G;
		goto out;
	}
	if (!g1->slots) {
		g1->slots = calloc(512, sizeof(*g1->slots));
		if (!g1->slots) {
			r = -ENOMEM;
			goto out;
		}
	}
	s = &g1->slots[i2];
	if (!s->folio && !s->nr_pages && !s->split && !g1->split &&
	    gmem->max_level >= PG_LEVEL_2M &&
	    range_in_slot(gmem, gfn_round_for_level(gfn, PG_LEVEL_2M), GFNS_2M)) {
		r = frame_alloc_guest(gmem->fa, PG_LEVEL_2M, &hpa);
		if (r)
			goto out;
		s->folio = hpa;
		g1->nr_used++;
		gmem->bytes += level_size(PG_LEVEL_2M);
	}
	if (s->folio) {
		*pfn = (s->folio >> PAGE_SHIFT) + (gfn % GFNS_2M);
		*folio_level = PG_LEVEL_2M;
		goto out;
	}
	if (!s->pages) {
		s->pages = calloc(512, sizeof(*s->pages));
		if (!s->pages) {
			r = -ENOMEM;
			goto out;
		}
	}
	if (!s->pages[i4]) {
		r = frame_alloc_guest(gmem->fa, PG_LEVEL_4K, &hpa);
		if (r)
			goto out;
		s->pages[i4] = hpa;
		if (!s->nr_pages++)
			g1->nr_used++;
		gmem->bytes += PAGE_SIZE;
	}
	*pfn = s->pages[i4] >> PAGE_SHIFT;
	*folio_level = PG_LEVEL_4K;
out:
	pthread_mutex_unlock(&gmem->lock);
	return r;
}

/* Punch [start, end) (GFNs inside one 2M slot) out of a slot. */
static void punch_slot(struct guest_memfd *gmem, struct gmem_1g *g1, struct gmem_2m *s, gfn_t base,
		       gfn_t start, gfn_t end)
{
	u64 k;

	if (s->folio) {
		if (start == base && end == base + GFNS_2M) {
			gmem_free(gmem, s->folio, level_size(PG_LEVEL_2M));
			s->folio = 0;
			g1->nr_used--;
			return;
		}
		/* Split the folio: its pages live on individually, at 4K. */
		s->pages = calloc(512, sizeof(*s->pages));
		BASE_ASSERT(s->pages);
		for (k = 0; k < 512; k++)
			s->pages[k] = s->folio + k * PAGE_SIZE;
		s->nr_pages = 512;
		s->folio = 0;
		s->split = true;
	}
	if (!s->pages)
		return;
	for (k = start - base; k < end - base; k++) {
		if (!s->pages[k])
			continue;
		gmem_free(gmem, s->pages[k], PAGE_SIZE);
		s->pages[k] = 0;
		s->nr_pages--;
	}
	if (!s->nr_pages)
		slot_release(g1, s);
}

bool gmem_has_1g_folio(struct guest_memfd *gmem, gfn_t gfn)
{
	bool r;

	pthread_mutex_lock(&gmem->lock);
	r = gmem->idx[gfn / GFNS_1G].folio != 0;
	pthread_mutex_unlock(&gmem->lock);
	return r;
}

void gmem_punch(struct guest_memfd *gmem, gfn_t start, gfn_t end)
{
	gfn_t gfn = start;

	if (end > gmem->nr_gfns)
		end = gmem->nr_gfns;
	pthread_mutex_lock(&gmem->lock);
	while (gfn < end) {
		gfn_t base1 = gfn_round_for_level(gfn, PG_LEVEL_1G);
		gfn_t end1 = base1 + GFNS_1G < end ? base1 + GFNS_1G : end;
		struct gmem_1g *g1 = &gmem->idx[base1 / GFNS_1G];
		gfn_t g;

		if (g1->folio) {
			if (gfn == base1 && end1 == base1 + GFNS_1G) {
				gmem_free(gmem, g1->folio, level_size(PG_LEVEL_1G));
				g1->folio = 0;
				gfn = end1;
				continue;
			}
			/* Split the 1G folio into 2M slots of 4K pages. */
			if (!g1->slots)
				g1->slots = calloc(512, sizeof(*g1->slots));
			BASE_ASSERT(g1->slots);
			for (g = 0; g < 512; g++) {
				struct gmem_2m *s = &g1->slots[g];
				u64 k;

				s->pages = calloc(512, sizeof(*s->pages));
				BASE_ASSERT(s->pages);
				for (k = 0; k < 512; k++)
					s->pages[k] = g1->folio + (g * 512 + k) * PAGE_SIZE;
				s->nr_pages = 512;
				s->split = true;
			}
			g1->nr_used = 512;
			g1->folio = 0;
			g1->split = true;
		}
		if (g1->slots) {
			for (g = gfn; g < end1;) {
				gfn_t base2 = gfn_round_for_level(g, PG_LEVEL_2M);
				gfn_t end2 = base2 + GFNS_2M < end1 ? base2 + GFNS_2M : end1;

				punch_slot(gmem, g1, &g1->slots[(base2 / GFNS_2M) % 512], base2, g,
					   end2);
				g = end2;
			}
			if (!g1->nr_used) {
				free(g1->slots);
				g1->slots = NULL;
				g1->split = false;
			}
		}
		gfn = end1;
	}
	pthread_mutex_unlock(&gmem->lock);
}

bool gmem_folio_backs(struct guest_memfd *gmem, gfn_t gfn, int level, kvm_pfn_t pfn)
{
	size_t i1 = gfn / GFNS_1G, i2 = (gfn / GFNS_2M) % 512;
	struct gmem_1g *g1;
	hpa_t first = 0;

	if (level < PG_LEVEL_2M || level > gmem->max_level ||
	    gfn != gfn_round_for_level(gfn, level) ||
	    gfn + KVM_PAGES_PER_HPAGE(level) > gmem->nr_gfns)
		return false;
	pthread_mutex_lock(&gmem->lock);
	g1 = &gmem->idx[i1];
	/* A split folio's remains are 4K pages for good, contiguous or not. */
	if (g1->folio)
		first = g1->folio + (gfn % GFNS_1G) * PAGE_SIZE;
	else if (level == PG_LEVEL_2M && g1->slots && g1->slots[i2].folio)
		first = g1->slots[i2].folio;
	pthread_mutex_unlock(&gmem->lock);
	return first && first >> PAGE_SHIFT == pfn;
}
