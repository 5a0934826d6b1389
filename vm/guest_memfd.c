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
	short_mutex_init(&gmem->lock);
	return 0;
}

static void gmem_free(struct guest_memfd *gmem, hpa_t hpa, u64 size)
{
	frame_free(gmem->fa, hpa, size);
	gmem->bytes -= size;
}

/* The slot's last 4K frame is gone: it holds nothing, and may get a 2M folio again. */
static void slot_release(struct gmem_1g *g1, size_t i2)
{
	free(g1->pages[i2]);
	g1->pages[i2] = NULL;
	g1->nr_used--;
}

static void gmem_1g_tables_free(struct gmem_1g *g1)
{
	free(g1->folio2m);
	g1->folio2m = NULL;
	free(g1->pages);
	g1->pages = NULL;
}

void gmem_destroy(struct guest_memfd *gmem)
{
	size_t i;

	if (!gmem->idx)
		return;
	gmem_punch(gmem, 0, gmem->nr_gfns);
	for (i = 0; i < gmem->nr_1g; i++)
		gmem_1g_tables_free(&gmem->idx[i]);
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
	size_t i2 = (gfn / GFNS_2M) % 512;
	int level = PG_LEVEL_4K;

	if (gfn >= gmem->nr_gfns)
		return PG_LEVEL_NONE;
	pthread_mutex_lock(&gmem->lock);
	g1 = &gmem->idx[gfn / GFNS_1G];
	if (g1->folio || (!g1->nr_used && !g1->split && gmem->max_level >= PG_LEVEL_1G &&
			  range_in_slot(gmem, gfn_round_for_level(gfn, PG_LEVEL_1G), GFNS_1G)))
		level = PG_LEVEL_1G;
	else if (gmem_slot_folio(g1, i2) ||
		 (!gmem_slot_pages(g1, i2) && !g1->split && gmem->max_level >= PG_LEVEL_2M &&
		  range_in_slot(gmem, gfn_round_for_level(gfn, PG_LEVEL_2M), GFNS_2M)))
		level = PG_LEVEL_2M;
	pthread_mutex_unlock(&gmem->lock);
	return level;
}

/* A fresh table of 4K frames for slot @i2 (not linked yet), or NULL. */
static struct gmem_pages *pages_new(struct gmem_1g *g1)
{
	if (!g1->pages)
		g1->pages = calloc(512, sizeof(*g1->pages));
	return g1->pages ? calloc(1, sizeof(struct gmem_pages)) : NULL;
}

int gmem_get_pfn(struct guest_memfd *gmem, gfn_t gfn, kvm_pfn_t *pfn, int *folio_level)
{
	struct gmem_1g *g1;
	struct gmem_pages *pg;
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
	if (!g1->folio2m) {
		g1->folio2m = calloc(512, sizeof(*g1->folio2m));
		if (!g1->folio2m) {
			r = -ENOMEM;
			goto out;
		}
	}
	pg = gmem_slot_pages(g1, i2);
	if (!g1->folio2m[i2] && !pg && !g1->split && gmem->max_level >= PG_LEVEL_2M &&
	    range_in_slot(gmem, gfn_round_for_level(gfn, PG_LEVEL_2M), GFNS_2M)) {
		r = frame_alloc_guest(gmem->fa, PG_LEVEL_2M, &hpa);
		if (r)
			goto out;
		g1->folio2m[i2] = (u32)(hpa >> GMEM_FOLIO_2M_SHIFT);
		g1->nr_used++;
		gmem->bytes += level_size(PG_LEVEL_2M);
	}
	if (g1->folio2m[i2]) {
		*pfn = (gmem_slot_folio(g1, i2) >> PAGE_SHIFT) + (gfn % GFNS_2M);
		*folio_level = PG_LEVEL_2M;
		goto out;
	}
	if (!pg) {
		/* Linked only with its first frame: a table exists iff it holds one. */
		pg = pages_new(g1);
		if (!pg) {
			r = -ENOMEM;
			goto out;
		}
		r = frame_alloc_guest(gmem->fa, PG_LEVEL_4K, &hpa);
		if (r) {
			free(pg);
			goto out;
		}
		g1->pages[i2] = pg;
		g1->nr_used++;
		pg->hpa[i4] = hpa;
		pg->nr_pages = 1;
		gmem->bytes += PAGE_SIZE;
	} else if (!pg->hpa[i4]) {
		r = frame_alloc_guest(gmem->fa, PG_LEVEL_4K, &hpa);
		if (r)
			goto out;
		pg->hpa[i4] = hpa;
		pg->nr_pages++;
		gmem->bytes += PAGE_SIZE;
	}
	*pfn = pg->hpa[i4] >> PAGE_SHIFT;
	*folio_level = PG_LEVEL_4K;
out:
	pthread_mutex_unlock(&gmem->lock);
	return r;
}

/* Punch [start, end) (GFNs inside the 2M slot @i2 at @base) out of it. */
static void punch_slot(struct guest_memfd *gmem, struct gmem_1g *g1, size_t i2, gfn_t base,
		       gfn_t start, gfn_t end)
{
	hpa_t folio = gmem_slot_folio(g1, i2);
	struct gmem_pages *pg;
	u64 k;

	if (folio) {
		if (start == base && end == base + GFNS_2M) {
			gmem_free(gmem, folio, level_size(PG_LEVEL_2M));
			g1->folio2m[i2] = 0;
			g1->nr_used--;
			return;
		}
		/* Split the folio: its pages live on individually, at 4K. */
		pg = pages_new(g1);
		BASE_OOM_CHECK(pg, "the 4K frames of a split guest_memfd folio");
		for (k = 0; k < 512; k++)
			pg->hpa[k] = folio + k * PAGE_SIZE;
		pg->nr_pages = 512;
		g1->pages[i2] = pg;
		g1->folio2m[i2] = 0;
	}
	pg = gmem_slot_pages(g1, i2);
	if (!pg)
		return;
	for (k = start - base; k < end - base; k++) {
		if (!pg->hpa[k])
			continue;
		gmem_free(gmem, pg->hpa[k], PAGE_SIZE);
		pg->hpa[k] = 0;
		pg->nr_pages--;
	}
	if (!pg->nr_pages)
		slot_release(g1, i2);
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
			for (g = 0; g < 512; g++) {
				struct gmem_pages *pg = pages_new(g1);
				u64 k;

				BASE_OOM_CHECK(pg, "the 4K frames of a split guest_memfd folio");
				for (k = 0; k < 512; k++)
					pg->hpa[k] = g1->folio + (g * 512 + k) * PAGE_SIZE;
				pg->nr_pages = 512;
				g1->pages[g] = pg;
			}
			g1->nr_used = 512;
			g1->folio = 0;
			g1->split = true;
		}
		if (g1->folio2m || g1->pages) {
			for (g = gfn; g < end1;) {
				gfn_t base2 = gfn_round_for_level(g, PG_LEVEL_2M);
				gfn_t end2 = base2 + GFNS_2M < end1 ? base2 + GFNS_2M : end1;

				punch_slot(gmem, g1, (base2 / GFNS_2M) % 512, base2, g, end2);
				g = end2;
			}
			if (!g1->nr_used) {
				gmem_1g_tables_free(g1);
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
	else if (level == PG_LEVEL_2M)
		first = gmem_slot_folio(g1, i2);
	pthread_mutex_unlock(&gmem->lock);
	return first && first >> PAGE_SHIFT == pfn;
}
