// SPDX-License-Identifier: GPL-2.0-only
/*
 * Host frame allocator.  Frames are numbers: a bump pointer hands out 1G
 * chunks of a large host-physical space, carved into 2M and 4K blocks on
 * demand.  Freed blocks merge back, buddy style: when all 512 4K frames
 * of a 2M block are free again the 2M block is free, and likewise for 2M
 * blocks of a 1G chunk.  Without merging, a long stress run that punches
 * holes into 2M folios would need fresh host-physical space (and fresh
 * module PAMT metadata) for every new 2M folio, and grow without bound.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tdpmmu/base.h"

/* Start above 0 so that HPA 0 never looks like a valid page. */
#define FA_BASE (1ULL << 30)
#define FA_LIMIT (1ULL << 46)

/* Sizes: 0 = 4K, 1 = 2M, 2 = 1G. */
static const unsigned int fa_shift[3] = {12, 21, 30};

/*
 * A block of size idx+1 that is split into 512 blocks of size idx, some of
 * them free.  Blocks with free children sit on the level's partial list;
 * a block whose 512 children are all free is merged and freed one size up.
 */
struct fa_parent {
	hpa_t base;
	u32 nfree;
	u32 partial_pos;
	u64 free_bits[PTRS_PER_PTE / 64];
	struct fa_parent *hash_next;
};

struct fa_level {
	struct fa_parent **hash; /* keyed by parent base */
	size_t hash_size, nr_parents;
	struct fa_parent **partial; /* parents with at least one free child */
	size_t nr_partial, partial_cap;
};

struct frame_allocator {
	pthread_mutex_t lock;
	hpa_t next_1g; /* bump pointer */
	struct fa_level level[2]; /* children of size 4K and 2M */
	hpa_t *free_1g; /* free 1G chunks */
	size_t nr_free_1g, free_1g_cap;
	u64 in_use;
	atomic_ullong pt_pages;
	struct fault_inject inject;
};

static size_t fa_hash(hpa_t base, size_t size)
{
	return (size_t)((base >> 21) * 0x9E3779B97F4A7C15ULL >> 17) & (size - 1);
}

static struct fa_parent *parent_find(struct fa_level *l, hpa_t base)
{
	struct fa_parent *p;

	if (!l->hash_size)
		return NULL;
	for (p = l->hash[fa_hash(base, l->hash_size)]; p; p = p->hash_next)
		if (p->base == base)
			return p;
	return NULL;
}

static int parent_hash_grow(struct fa_level *l)
{
	size_t size = l->hash_size ? l->hash_size * 2 : 256, i;
	struct fa_parent **hash = calloc(size, sizeof(*hash));

	if (!hash)
		return -ENOMEM;
	for (i = 0; i < l->hash_size; i++) {
		struct fa_parent *p = l->hash[i], *next;

		for (; p; p = next) {
			size_t h = fa_hash(p->base, size);

			next = p->hash_next;
			p->hash_next = hash[h];
			hash[h] = p;
		}
	}
	free(l->hash);
	l->hash = hash;
	l->hash_size = size;
	return 0;
}

static struct fa_parent *parent_new(struct fa_level *l, hpa_t base, bool all_free)
{
	struct fa_parent *p;
	size_t h;

	if (l->nr_parents >= l->hash_size && parent_hash_grow(l))
		return NULL;
	p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->base = base;
	if (all_free) {
		memset(p->free_bits, 0xff, sizeof(p->free_bits));
		p->nfree = PTRS_PER_PTE;
	}
	h = fa_hash(base, l->hash_size);
	p->hash_next = l->hash[h];
	l->hash[h] = p;
	l->nr_parents++;
	return p;
}

static void parent_delete(struct fa_level *l, struct fa_parent *p)
{
	struct fa_parent **pp = &l->hash[fa_hash(p->base, l->hash_size)];

	while (*pp != p)
		pp = &(*pp)->hash_next;
	*pp = p->hash_next;
	l->nr_parents--;
	free(p);
}

static int partial_add(struct fa_level *l, struct fa_parent *p)
{
	if (l->nr_partial == l->partial_cap) {
		size_t cap = l->partial_cap ? l->partial_cap * 2 : 64;
		struct fa_parent **v = realloc(l->partial, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		l->partial = v;
		l->partial_cap = cap;
	}
	p->partial_pos = (u32)l->nr_partial;
	l->partial[l->nr_partial++] = p;
	return 0;
}

static void partial_del(struct fa_level *l, struct fa_parent *p)
{
	struct fa_parent *last = l->partial[--l->nr_partial];

	l->partial[p->partial_pos] = last;
	last->partial_pos = p->partial_pos;
}

static int take_block(struct frame_allocator *fa, int idx, hpa_t *hpa);
static void give_block(struct frame_allocator *fa, int idx, hpa_t hpa);

/* One free child from a parent on the partial list; lock held. */
static hpa_t take_child(struct fa_level *l, struct fa_parent *p, int idx)
{
	unsigned int w = 0, bit;

	while (!p->free_bits[w])
		w++;
	bit = (unsigned int)__builtin_ctzll(p->free_bits[w]);
	p->free_bits[w] &= ~BIT_ULL(bit);
	if (!--p->nfree) {
		partial_del(l, p);
		{
			hpa_t base = p->base;

			parent_delete(l, p);
			return base + ((u64)(w * 64 + bit) << fa_shift[idx]);
		}
	}
	return p->base + ((u64)(w * 64 + bit) << fa_shift[idx]);
}

/* Take one block of size @idx; lock held. */
static int take_block(struct frame_allocator *fa, int idx, hpa_t *hpa)
{
	struct fa_level *l;
	struct fa_parent *p;
	hpa_t big;

	if (idx == 2) {
		if (fa->nr_free_1g) {
			*hpa = fa->free_1g[--fa->nr_free_1g];
			return 0;
		}
		if (fa->next_1g >= FA_LIMIT)
			return -ENOMEM;
		*hpa = fa->next_1g;
		fa->next_1g += 1ULL << 30;
		return 0;
	}
	l = &fa->level[idx];
	if (l->nr_partial) {
		*hpa = take_child(l, l->partial[l->nr_partial - 1], idx);
		return 0;
	}
	/* Split a block one size up into 512 free children. */
	if (take_block(fa, idx + 1, &big))
		return -ENOMEM;
	p = parent_new(l, big, true);
	if (!p || partial_add(l, p)) {
		if (p)
			parent_delete(l, p);
		give_block(fa, idx + 1, big);
		return -ENOMEM;
	}
	*hpa = take_child(l, p, idx);
	return 0;
}

/* Free one block of size @idx, merging upwards; lock held. */
static void give_block(struct frame_allocator *fa, int idx, hpa_t hpa)
{
	struct fa_level *l;
	struct fa_parent *p;
	hpa_t base;
	unsigned int i;

	if (idx == 2) {
		if (fa->nr_free_1g == fa->free_1g_cap) {
			size_t cap = fa->free_1g_cap ? fa->free_1g_cap * 2 : 64;
			hpa_t *v = realloc(fa->free_1g, cap * sizeof(*v));

			if (!v)
				return; /* the chunk is lost for reuse; accounting is right */
			fa->free_1g = v;
			fa->free_1g_cap = cap;
		}
		fa->free_1g[fa->nr_free_1g++] = hpa;
		return;
	}
	l = &fa->level[idx];
	base = hpa & ~((1ULL << fa_shift[idx + 1]) - 1);
	i = (unsigned int)((hpa - base) >> fa_shift[idx]);
	p = parent_find(l, base);
	if (!p) {
		p = parent_new(l, base, false);
		if (!p)
			return;
		if (partial_add(l, p)) {
			parent_delete(l, p);
			return;
		}
	}
	/* A frame freed twice is a bug in the model, not an input error. */
	BASE_ASSERT(!(p->free_bits[i / 64] & BIT_ULL(i % 64)));
	p->free_bits[i / 64] |= BIT_ULL(i % 64);
	if (++p->nfree == PTRS_PER_PTE) {
		partial_del(l, p);
		parent_delete(l, p);
		give_block(fa, idx + 1, base);
	}
}

struct frame_allocator *frame_allocator_create(void)
{
	struct frame_allocator *fa = calloc(1, sizeof(*fa));

	if (!fa)
		return NULL;
	short_mutex_init(&fa->lock);
	fa->next_1g = FA_BASE;
	atomic_init(&fa->pt_pages, 0);
	fault_inject_init(&fa->inject);
	return fa;
}

void frame_allocator_destroy(struct frame_allocator *fa)
{
	int i;

	if (!fa)
		return;
	for (i = 0; i < 2; i++) {
		struct fa_level *l = &fa->level[i];
		size_t h;

		for (h = 0; h < l->hash_size; h++) {
			struct fa_parent *p = l->hash[h], *next;

			for (; p; p = next) {
				next = p->hash_next;
				free(p);
			}
		}
		free(l->hash);
		free(l->partial);
	}
	free(fa->free_1g);
	fault_inject_destroy(&fa->inject);
	pthread_mutex_destroy(&fa->lock);
	free(fa);
}

static int level_idx(int level)
{
	BASE_ASSERT(level >= PG_LEVEL_4K && level <= PG_LEVEL_1G);
	return level - 1;
}

static int do_alloc(struct frame_allocator *fa, int level, hpa_t *hpa)
{
	int r;

	pthread_mutex_lock(&fa->lock);
	r = take_block(fa, level_idx(level), hpa);
	if (!r)
		fa->in_use += level_size(level);
	pthread_mutex_unlock(&fa->lock);
	return r;
}

int frame_alloc(struct frame_allocator *fa, int level, hpa_t *hpa)
{
	if (fault_inject_should_fail(&fa->inject, NULL))
		return -ENOMEM;
	return do_alloc(fa, level, hpa);
}

int frame_alloc_guest(struct frame_allocator *fa, int level, hpa_t *hpa)
{
	return do_alloc(fa, level, hpa);
}

void frame_free(struct frame_allocator *fa, hpa_t hpa, u64 size)
{
	BASE_ASSERT(!(hpa & (PAGE_SIZE - 1)) && !(size & (PAGE_SIZE - 1)));
	pthread_mutex_lock(&fa->lock);
	BASE_ASSERT(fa->in_use >= size);
	fa->in_use -= size;
	while (size) {
		int idx = 0;

		if (!(hpa & ((1ULL << 30) - 1)) && size >= (1ULL << 30))
			idx = 2;
		else if (!(hpa & ((2ULL << 20) - 1)) && size >= (2ULL << 20))
			idx = 1;
		give_block(fa, idx, hpa);
		hpa += 1ULL << fa_shift[idx];
		size -= 1ULL << fa_shift[idx];
	}
	pthread_mutex_unlock(&fa->lock);
}

u64 frame_allocator_in_use(struct frame_allocator *fa)
{
	u64 v;

	pthread_mutex_lock(&fa->lock);
	v = fa->in_use;
	pthread_mutex_unlock(&fa->lock);
	return v;
}

struct fault_inject *frame_allocator_inject(struct frame_allocator *fa)
{
	return &fa->inject;
}

void *pt_page_alloc(struct frame_allocator *fa)
{
	void *p;

	if (fault_inject_should_fail(&fa->inject, NULL))
		return NULL;
	p = page_pool_alloc(1);
	if (!p)
		return NULL;
	counter_inc(&fa->pt_pages);
	return p;
}

void pt_page_free(struct frame_allocator *fa, void *page)
{
	if (!page)
		return;
	atomic_fetch_sub(&fa->pt_pages, 1);
	page_pool_free(page, 1);
}

u64 pt_pages_in_use(struct frame_allocator *fa)
{
	return counter_read(&fa->pt_pages);
}
