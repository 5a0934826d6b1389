// SPDX-License-Identifier: GPL-2.0-only
/*
 * Host frame allocator.  Frames are numbers: a bump pointer hands out 1G
 * chunks of a large host-physical space, carved into 2M and 4K blocks on
 * demand; freed blocks go to per-size free lists (no coalescing: the
 * model never needs a freed 4K piece back as part of a 2M block).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tdpmmu/base.h"

/* Start above 0 so that HPA 0 never looks like a valid page. */
#define FA_BASE (1ULL << 30)
#define FA_LIMIT (1ULL << 46)

struct frame_stack {
	hpa_t *v;
	size_t n, cap;
};

struct frame_allocator {
	pthread_mutex_t lock;
	hpa_t next_1g;			/* bump pointer */
	struct frame_stack free[3];	/* 4K, 2M, 1G */
	u64 in_use;
	atomic_ullong pt_pages;
	struct fault_inject inject;
};

static int stack_push(struct frame_stack *s, hpa_t hpa)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 1024;
		hpa_t *v = realloc(s->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		s->v = v;
		s->cap = cap;
	}
	s->v[s->n++] = hpa;
	return 0;
}

struct frame_allocator *frame_allocator_create(void)
{
	struct frame_allocator *fa = calloc(1, sizeof(*fa));

	if (!fa)
		return NULL;
	pthread_mutex_init(&fa->lock, NULL);
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
	for (i = 0; i < 3; i++)
		free(fa->free[i].v);
	fault_inject_destroy(&fa->inject);
	pthread_mutex_destroy(&fa->lock);
	free(fa);
}

/* Take one block of size index @idx (0: 4K, 1: 2M, 2: 1G); lock held. */
static int take_block(struct frame_allocator *fa, int idx, hpa_t *hpa)
{
	struct frame_stack *s = &fa->free[idx];
	hpa_t big, step;
	int i;

	if (s->n) {
		*hpa = s->v[--s->n];
		return 0;
	}
	if (idx == 2) {
		if (fa->next_1g >= FA_LIMIT)
			return -ENOMEM;
		*hpa = fa->next_1g;
		fa->next_1g += 1ULL << 30;
		return 0;
	}
	/* Carve the next size up into 512 blocks; keep 511, return one. */
	if (take_block(fa, idx + 1, &big))
		return -ENOMEM;
	step = idx == 0 ? PAGE_SIZE : (2ULL << 20);
	for (i = PTRS_PER_PTE - 1; i >= 1; i--) {
		if (stack_push(s, big + (u64)i * step))
			return -ENOMEM;
	}
	*hpa = big;
	return 0;
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
		u64 step = PAGE_SIZE;

		if (!(hpa & ((1ULL << 30) - 1)) && size >= (1ULL << 30)) {
			idx = 2;
			step = 1ULL << 30;
		} else if (!(hpa & ((2ULL << 20) - 1)) && size >= (2ULL << 20)) {
			idx = 1;
			step = 2ULL << 20;
		}
		/* A failed push only loses the frame for reuse; accounting is right. */
		(void)stack_push(&fa->free[idx], hpa);
		hpa += step;
		size -= step;
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
	p = aligned_alloc(PAGE_SIZE, PAGE_SIZE);
	if (!p)
		return NULL;
	memset(p, 0, PAGE_SIZE);
	counter_inc(&fa->pt_pages);
	return p;
}

void pt_page_free(struct frame_allocator *fa, void *page)
{
	if (!page)
		return;
	atomic_fetch_sub(&fa->pt_pages, 1);
	free(page);
}

u64 pt_pages_in_use(struct frame_allocator *fa)
{
	return counter_read(&fa->pt_pages);
}
