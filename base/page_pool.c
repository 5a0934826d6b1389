// SPDX-License-Identifier: GPL-2.0-only
/*
 * Zeroed pages for the models' page tables (the MMU's SPT pages, the module
 * model's S-EPT entry pages and PAMT 4K arrays), from a process-wide pool
 * that keeps freed pages for reuse, as the kernel's page allocator does for
 * KVM's memory caches.  Why: on the development VM the first user write to
 * a fresh page costs 7-14 us (populated or not), 20x a whole split's lower
 * bound, and page faults on fresh heap were half of a 2M -> 4K split's CPU
 * time (docs/PERFORMANCE.md, round 2).  A reused page costs a memset.
 *
 * Pages come in 256 KiB chunks aligned to their size; a chunk's first page
 * is its header and holds the private word of each page, so the MMU finds a
 * table's header in O(1) without a lock, as KVM does with page_private().
 * Under ASan a page in the pool is poisoned: a use after free still traps.
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "tdpmmu/base.h"

#if defined(__SANITIZE_ADDRESS__)
#define PAGE_POOL_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define PAGE_POOL_ASAN 1
#endif
#endif
#ifdef PAGE_POOL_ASAN
#include <sanitizer/asan_interface.h>
#define pool_poison(p, n) ASAN_POISON_MEMORY_REGION(p, n)
#define pool_unpoison(p, n) ASAN_UNPOISON_MEMORY_REGION(p, n)
#else
#define pool_poison(p, n) ((void)(p), (void)(n))
#define pool_unpoison(p, n) ((void)(p), (void)(n))
#endif

#define CHUNK_PAGES 64
#define CHUNK_SIZE ((size_t)CHUNK_PAGES * PAGE_SIZE)
#define CHUNK_MAGIC 0x70672d6368756e6bULL

/*
 * What the pool keeps per page, 64 bytes in the chunk's first page (as the
 * kernel's struct page is 64 bytes in the memmap): the private word and an
 * area the page's owner keeps its own record in (page_owner_area()).
 */
struct page_slot {
	_Atomic(void *) private;
	_Alignas(8) unsigned char owner[PAGE_OWNER_BYTES];
};
_Static_assert(sizeof(struct page_slot) == 64, "one cache line per page");

struct page_chunk {
	union {
		u64 magic; /* in slot 0: the chunk's first page holds the slots */
		struct page_slot slot[CHUNK_PAGES];
	};
};
_Static_assert(sizeof(struct page_chunk) == PAGE_SIZE, "the slots fill the first page");

/* A page's slot, by address alone (no check: also for prefetching). */
static struct page_slot *page_slot_of(const void *page)
{
	struct page_chunk *c =
		(struct page_chunk *)((uintptr_t)page & ~(uintptr_t)(CHUNK_SIZE - 1));

	return &c->slot[((uintptr_t)page - (uintptr_t)c) >> PAGE_SHIFT];
}

/*
 * Free pages by size, in arrays rather than linked through the pages
 * themselves: popping a linked list reads the popped page's first word, a
 * cold cache and TLB miss on a page freed long ago, serially before the
 * page can be zeroed (18 % of a split's CPU, docs/PERFORMANCE.md round 2,
 * second slice).  From an array the page is first touched by the memset.
 */
struct free_stack {
	void **p;
	size_t nr, cap;
};

static struct {
	pthread_mutex_t lock;
	struct free_stack free[PAGE_POOL_MAX_PAGES + 1]; /* by size */
	char *fresh, *fresh_end; /* never handed out: already zero */
} pool = {.lock = SHORT_MUTEX_INITIALIZER};

/* A chunk aligned to its size, populated; NULL when out of memory. */
static struct page_chunk *chunk_map(void)
{
	size_t len = 2 * CHUNK_SIZE;
	char *m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *c;

	if (m == MAP_FAILED)
		return NULL;
	c = (char *)(((uintptr_t)m + CHUNK_SIZE - 1) & ~(uintptr_t)(CHUNK_SIZE - 1));
	if (c > m)
		munmap(m, (size_t)(c - m));
	if (c + CHUNK_SIZE < m + len)
		munmap(c + CHUNK_SIZE, (size_t)(m + len - (c + CHUNK_SIZE)));
	/* 4K pages only: a THP would put 2 MiB in RSS for a few tables. */
	madvise(c, CHUNK_SIZE, MADV_NOHUGEPAGE);
	/* Touched here, in one go, not by the first write under a lock. */
	memset(c, 0, CHUNK_SIZE);
	return (struct page_chunk *)c;
}

/* Under pool.lock.  The simulator's own memory: out of it is fatal. */
static void push_free(void *p, unsigned int npages)
{
	struct free_stack *f = &pool.free[npages];

	if (f->nr == f->cap) {
		size_t cap = f->cap ? 2 * f->cap : 256;
		void **n = realloc(f->p, cap * sizeof(*n));

		BASE_OOM_CHECK(n, "the page pool's free list");
		f->p = n;
		f->cap = cap;
	}
	f->p[f->nr++] = p;
	/* The whole page, and its owner's record, trap a use after free. */
	pool_poison(p, npages * PAGE_SIZE);
	pool_poison(page_slot_of(p)->owner, PAGE_OWNER_BYTES);
}

/*
 * A reused page is written at once (zeroed, or filled by a split) and was
 * freed long before, so its 64 lines come from memory: a split's table and
 * its S-EPT page were a third of its CPU time.  Each pop therefore starts
 * fetching the page that the pop after next will return: a split takes
 * two pages, so that is the same kind of page for the next split, one
 * split (about 1 us) ahead.  SLUB prefetches its next free object the same
 * way.  One line in four: the hardware's own prefetchers fetch the rest,
 * and a prefetch for every line stalls the pop once the CPU's miss buffers
 * are full (measured: every line -14 % CPU per split against none; every
 * fourth line 5-10 % less again; docs/PERFORMANCE.md, round 2, session 6).
 * A hint only: the page stays on the free stack, untouched.
 *
 * always_inline: GCC 12 at -O2 found this function free of side effects
 * and removed the call, prefetches and all (session 6 found it so).
 */
#define POOL_PREFETCH_STRIDE 256

static inline __attribute__((always_inline)) void pool_prefetch_ahead(const struct free_stack *f,
								      unsigned int npages)
{
	const char *q;

	if (f->nr < 2)
		return;
	q = f->p[f->nr - 2];
	for (size_t off = 0; off < (size_t)npages * PAGE_SIZE; off += POOL_PREFETCH_STRIDE)
		__builtin_prefetch(q + off, 1, 2);
	/* And its slot (private word, owner's record), written with it. */
	__builtin_prefetch(page_slot_of(q), 1, 2);
}

/* A page from the pool; *@reused: it may hold old contents (a fresh one is zero). */
static void *pool_pop(unsigned int npages, bool *reused)
{
	void *p;

	BASE_ASSERT(npages >= 1 && npages <= PAGE_POOL_MAX_PAGES);
	pthread_mutex_lock(&pool.lock);
	if (pool.free[npages].nr) {
		p = pool.free[npages].p[--pool.free[npages].nr];
		pool_unpoison(p, npages * PAGE_SIZE);
		pool_unpoison(page_slot_of(p)->owner, PAGE_OWNER_BYTES);
		pool_prefetch_ahead(&pool.free[npages], npages);
		pthread_mutex_unlock(&pool.lock);
		*reused = true;
		return p;
	}
	if ((size_t)(pool.fresh_end - pool.fresh) < npages * PAGE_SIZE) {
		struct page_chunk *c = chunk_map();

		if (!c) {
			pthread_mutex_unlock(&pool.lock);
			return NULL;
		}
		/* The old chunk's tail: single pages. */
		for (; pool.fresh < pool.fresh_end; pool.fresh += PAGE_SIZE)
			push_free(pool.fresh, 1);
		c->magic = CHUNK_MAGIC;
		pool.fresh = (char *)c + PAGE_SIZE;
		pool.fresh_end = (char *)c + CHUNK_SIZE;
		pool_poison(pool.fresh, CHUNK_SIZE - PAGE_SIZE);
	}
	p = pool.fresh;
	pool.fresh += npages * PAGE_SIZE;
	pool_unpoison(p, npages * PAGE_SIZE);
	pthread_mutex_unlock(&pool.lock);
	*reused = false;
	return p;
}

/*
 * Zeroed even for a caller that then writes every entry (a split's new
 * table): glibc's memset of a 4 KiB page is `rep stosb`, which takes the
 * cold lines without reading them, and the caller's stores then hit the
 * cache.  Storing into the cold page directly reads each line first: a
 * split was 2-14 % slower in CPU, and longer under mmu_lock, without the
 * zeroing (docs/PERFORMANCE.md, round 2, session 6).
 */
void *page_pool_alloc(unsigned int npages)
{
	bool reused;
	void *p = pool_pop(npages, &reused);

	if (p && reused)
		memset(p, 0, npages * PAGE_SIZE);
	return p;
}

void page_pool_free(void *p, unsigned int npages)
{
	if (!p)
		return;
	BASE_ASSERT(npages >= 1 && npages <= PAGE_POOL_MAX_PAGES);
	page_set_private(p, NULL);
	pthread_mutex_lock(&pool.lock);
	push_free(p, npages);
	pthread_mutex_unlock(&pool.lock);
}

static struct page_chunk *page_chunk(const void *page, size_t *idx)
{
	struct page_chunk *c =
		(struct page_chunk *)((uintptr_t)page & ~(uintptr_t)(CHUNK_SIZE - 1));

	*idx = ((uintptr_t)page - (uintptr_t)c) >> PAGE_SHIFT;
	BASE_ASSERT(!((uintptr_t)page & (PAGE_SIZE - 1)));
	BASE_ASSERT(c->magic == CHUNK_MAGIC && *idx > 0);
	return c;
}

void page_set_private(void *page, void *priv)
{
	size_t i;
	struct page_chunk *c = page_chunk(page, &i);

	atomic_store_explicit(&c->slot[i].private, priv, memory_order_release);
}

void *page_private(const void *page)
{
	size_t i;
	struct page_chunk *c = page_chunk(page, &i);

	return atomic_load_explicit(&c->slot[i].private, memory_order_acquire);
}

void *page_owner_area(const void *page)
{
	size_t i;
	struct page_chunk *c = page_chunk(page, &i);

	return c->slot[i].owner;
}
