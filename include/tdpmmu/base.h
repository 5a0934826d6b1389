/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * base/: host frame allocator, page-table page allocation, fault injection
 * points, a reader/writer lock that knows who holds it, a seeded PRNG and
 * small atomic counters.  Everything above builds on these.
 */
#ifndef TDPMMU_BASE_H
#define TDPMMU_BASE_H

#include <pthread.h>
#include <stdatomic.h>

#include "tdpmmu/types.h"

/* ------------------------------------------------------------------ */
/* Fault injection (the contract's `inject`)                           */
/* ------------------------------------------------------------------ */

/*
 * A list of rules consulted in the order added.  On each call every rule
 * still waiting (its `after` not yet used up) counts the call; the first
 * rule that is due (after used up, count left) fires and its value is
 * returned.  Thread-safe.  A call costs O(log rules), not O(rules): a
 * rule's waiting ends at a fixed call number (the calls seen when it was
 * added plus `after`), so the waiting rules sit in a heap by that number
 * and the due ones in a heap by their order.
 */
struct fault_inject_rule {
	u64 value; /* status to return (leaf rules) or unused (alloc) */
	u64 count; /* fires left */
	u64 due; /* call number (fault_inject.calls) from which it may fire */
};

struct fault_inject {
	pthread_mutex_t lock;
	struct fault_inject_rule *rules;
	size_t nr_rules, cap;
	size_t *waiting, nr_waiting; /* min-heap by (due, index) */
	size_t *ready, nr_ready; /* min-heap by index: due, count left */
	u64 calls; /* calls seen while a rule was armed */
	atomic_bool armed; /* fast path: false when no rule has fires left */
};

void fault_inject_init(struct fault_inject *fi);
void fault_inject_destroy(struct fault_inject *fi);
int fault_inject_add(struct fault_inject *fi, u64 value, u64 count, u64 after);
/* The rules' walk (base/fault_inject.c), for a point with rules left. */
bool __fault_inject_should_fail(struct fault_inject *fi, u64 *value);
/*
 * True if a rule fires for this call; *value gets the rule's value.  The
 * test for "no rules left" is inline: every SEAMCALL asks.
 */
static inline bool fault_inject_should_fail(struct fault_inject *fi, u64 *value)
{
	if (likely(!atomic_load_explicit(&fi->armed, memory_order_acquire)))
		return false;
	return __fault_inject_should_fail(fi, value);
}

/* ------------------------------------------------------------------ */
/* Host frame allocator                                                */
/* ------------------------------------------------------------------ */

/*
 * Host physical frames are numbers only: no memory stands behind a guest
 * frame, so a TiB-size guest costs only its metadata.  Blocks are 4K, 2M or
 * 1G, naturally aligned and physically contiguous.  A block may be freed in
 * 4K pieces (a punched folio).  Allocation failures can be injected
 * (`inject alloc fail`) for every allocation of a host page that the
 * kernel could fail: page-table pages, external pages, PAMT pages, cache
 * top-ups.  Guest memory (guest_memfd folios) uses frame_alloc_guest(),
 * which is not an injection point.
 */
struct frame_allocator;

struct frame_allocator *frame_allocator_create(void);
/* Frees the allocator; leaked frames are reported by frame_allocator_in_use(). */
void frame_allocator_destroy(struct frame_allocator *fa);

/* 0 or -ENOMEM (injected).  @level is PG_LEVEL_4K/2M/1G. */
int frame_alloc(struct frame_allocator *fa, int level, hpa_t *hpa);
int frame_alloc_guest(struct frame_allocator *fa, int level, hpa_t *hpa);
/* Free @size bytes (multiple of 4K, aligned) starting at @hpa. */
void frame_free(struct frame_allocator *fa, hpa_t hpa, u64 size);
/* Bytes currently allocated (all kinds). */
u64 frame_allocator_in_use(struct frame_allocator *fa);
/* The injection point for `inject alloc fail`. */
struct fault_inject *frame_allocator_inject(struct frame_allocator *fa);

/*
 * Real 4 KiB, 4 KiB-aligned zeroed pages for the MMU's own page tables.
 * Counted, and an injection point shared with frame_alloc() (same @fa).
 */
void *pt_page_alloc(struct frame_allocator *fa);
void pt_page_free(struct frame_allocator *fa, void *page);
u64 pt_pages_in_use(struct frame_allocator *fa);
/*
 * Zeroed, already-touched pages from a process-wide pool that reuses freed
 * pages (base/page_pool.c); each has a private word (KVM: page_private()),
 * O(1) without a lock.
 */
#define PAGE_POOL_MAX_PAGES 4
void *page_pool_alloc(unsigned int npages);
void page_pool_free(void *p, unsigned int npages);
/*
 * Write the 512 u64 entries @first + i * @step into @page (16-byte
 * aligned; base/page_fill.c).  Plain stores: for a page no other thread
 * can reach yet, published afterwards with a release store.
 */
void page_fill_step(void *page, u64 first, u64 step);
void page_set_private(void *page, void *priv);
void *page_private(const void *page);
/*
 * PAGE_OWNER_BYTES (8-byte aligned) kept with each pool page for whoever
 * allocated it, in the pool's own line for the page (the private word's):
 * a header lives there instead of in a malloc'd object of its own.  Valid
 * from the page's allocation until it is freed; not zeroed.
 */
#define PAGE_OWNER_BYTES 56
void *page_owner_area(const void *page);

/* ------------------------------------------------------------------ */
/* Reader/writer lock with holder assertions (lockdep's role)          */
/* ------------------------------------------------------------------ */

/*
 * The reader side counts in per-thread slots (a thread's slot as for
 * struct stat_counter below), each on its own cache line, as the kernel's
 * percpu-rwsem does: a read acquisition is one locked instruction on a line
 * no other thread writes, so readers on different cores do not queue for
 * one line.  A writer announces itself in @wstate, then waits for the slots
 * to drain; readers that find it announced step back and wait.  Writers
 * are preferred, as with the kernel's rwlock under contention (qrwlock).
 */
#define RWLOCK_SLOTS 8
struct rwlock {
	atomic_int wstate; /* 0; 1: a writer holds or waits; 2: and readers sleep */
	atomic_uint drain_seq; /* bumped when a reader leaves while a writer waits */
	pthread_mutex_t wmutex; /* writers among themselves */
	atomic_uintptr_t writer; /* owning thread id + 1 when held for write */
	/* statistics for the report */
	atomic_ullong write_acquisitions;
	atomic_ullong write_hold_ns;
	atomic_ullong write_hold_max_ns;
	atomic_ullong read_waits; /* read acquisitions that found it taken for write */
	u64 write_since; /* hold_clock() at the acquisition, while held for write */
	char pad[64]; /* the slots' lines hold nothing else */
	struct {
		atomic_int n; /* read holds by the threads of this slot */
		char pad[64 - sizeof(atomic_int)];
	} rd[RWLOCK_SLOTS];
};

void rwlock_init(struct rwlock *l);
void rwlock_destroy(struct rwlock *l);
void read_lock(struct rwlock *l);
void read_unlock(struct rwlock *l);
void write_lock(struct rwlock *l);
void write_unlock(struct rwlock *l);
bool rwlock_held_write(struct rwlock *l); /* by the calling thread */
bool rwlock_held_read(struct rwlock *l); /* by the calling thread, for read */
bool rwlock_held(struct rwlock *l); /* by the calling thread, read or write */
int rwlock_readers(struct rwlock *l); /* read holds by all threads (quiet lock only) */

/*
 * Assertion that reports and aborts: for programming errors that make the
 * model itself wrong (never for guest, host or scenario input).
 */
#define BASE_ASSERT(cond)                                                      \
	do {                                                                   \
		if (unlikely(!(cond)))                                         \
			base_assert_fail(#cond, __FILE__, __LINE__, __func__); \
	} while (0)
void base_assert_fail(const char *cond, const char *file, int line, const char *func)
	__attribute__((noreturn));

/*
 * The simulator's own memory ran out (a model structure could not be
 * allocated): print what and exit 1.  Not for the modelled host's
 * allocations, which return -ENOMEM to their caller.
 */
void base_oom(const char *what) __attribute__((noreturn));
#define BASE_OOM_CHECK(p, what)              \
	do {                                 \
		if (unlikely(!(p)))          \
			base_oom(what);      \
	} while (0)

#define lockdep_assert_held_write(l) BASE_ASSERT(rwlock_held_write(l))
#define lockdep_assert_held(l) BASE_ASSERT(rwlock_held(l))

/* ------------------------------------------------------------------ */
/* Yield points (for `tdpmmu explore`)                                 */
/* ------------------------------------------------------------------ */

/*
 * Places where another thread could interleave: SPTE compare-and-exchange,
 * lock acquisition, SEAMCALL entry, RCU grace period.  Normally a no-op;
 * the explorer installs a hook (before any thread starts) that runs one
 * logical thread at a time and picks who goes next at every yield point.
 * YIELD_BLOCKED means "I cannot make progress until someone else runs"
 * (a lock is taken): the hook must switch to another thread.
 */
enum yield_kind {
	YIELD_LOCK,
	YIELD_CMPXCHG,
	YIELD_SEAMCALL,
	YIELD_RCU,
	YIELD_BLOCKED,
};
/*
 * Atomic: the explorer installs and removes it while threads outside the
 * exploration (its TD reapers) may pass yield points.
 */
typedef void (*tdpmmu_yield_hook_fn)(enum yield_kind kind, const char *where);
extern _Atomic(tdpmmu_yield_hook_fn) tdpmmu_yield_hook;

static inline void yield_point(enum yield_kind kind, const char *where)
{
	tdpmmu_yield_hook_fn hook = atomic_load_explicit(&tdpmmu_yield_hook, memory_order_relaxed);

	if (unlikely(hook != NULL))
		hook(kind, where);
}

/*
 * A mutex for a critical section of a few loads and stores that threads
 * enter at the same moments (the page pool, the frame allocator, the
 * module model's reserves: every vCPU faulting through a new 2M range).
 * Contended, the default type sleeps at once: two system calls, some
 * microseconds with page-table isolation, for a hold of tens of
 * nanoseconds, and that was most of what a second faulting thread cost
 * (docs/PERFORMANCE.md, round 2, session 6).  glibc's adaptive type spins
 * a bounded while first, as the kernel's mutexes spin on a running owner.
 */
#ifdef PTHREAD_ADAPTIVE_MUTEX_INITIALIZER_NP
#define SHORT_MUTEX_INITIALIZER PTHREAD_ADAPTIVE_MUTEX_INITIALIZER_NP
#else
#define SHORT_MUTEX_INITIALIZER PTHREAD_MUTEX_INITIALIZER
#endif

static inline void short_mutex_init(pthread_mutex_t *m)
{
	pthread_mutexattr_t a;

	pthread_mutexattr_init(&a);
#ifdef PTHREAD_ADAPTIVE_MUTEX_INITIALIZER_NP
	pthread_mutexattr_settype(&a, PTHREAD_MUTEX_ADAPTIVE_NP);
#endif
	pthread_mutex_init(m, &a);
	pthread_mutexattr_destroy(&a);
}

/*
 * pthread_mutex_lock for a mutex that may be held across a yield point
 * (a vCPU's lock while it runs a TDCALL): under the explorer, try and hand
 * the CPU on while it is taken, as read_lock/write_lock do.
 */
static inline void mutex_lock_yield(pthread_mutex_t *m, const char *where)
{
	if (likely(tdpmmu_yield_hook == NULL)) {
		pthread_mutex_lock(m);
		return;
	}
	yield_point(YIELD_LOCK, where);
	while (pthread_mutex_trylock(m))
		yield_point(YIELD_BLOCKED, where);
}

/* ------------------------------------------------------------------ */
/* Deliberate protocol bugs (checker tests only)                       */
/* ------------------------------------------------------------------ */

/*
 * Each switch breaks one step of the protocol so a test can prove that the
 * checker or the module model catches it.  They exist only in the
 * tdpmmu_core_bugs library (compiled with TDPMMU_BUGS); in every other
 * build tdpmmu_bug() is the constant false.
 */
enum tdpmmu_bug_id {
	TDPMMU_BUG_SKIP_KICK_AFTER_TRACK,
	TDPMMU_BUG_SKIP_TRACK,
	TDPMMU_BUG_PUBLISH_CHILD_BEFORE_LINK,
	TDPMMU_BUG_NO_INVALIDATE_RETRY,
	TDPMMU_BUG_ZAP_WITHOUT_SPLIT,
	TDPMMU_BUG_NARROW_PUNCH_INVALIDATION, /* "narrow_punch_invalidation" */
	TDPMMU_BUG_SKIP_REMOTE_TLB_FLUSH, /* "skip_remote_tlb_flush" */
	TDPMMU_BUG_PROMOTE_IGNORES_INVALIDATION, /* "promote_ignores_invalidation" */
	NR_TDPMMU_BUGS,
};
#ifdef TDPMMU_BUGS
extern unsigned int tdpmmu_bugs;
#define tdpmmu_bug(id) unlikely(tdpmmu_bugs &(1u << (id)))
#else
#define tdpmmu_bug(id) false
#endif

/* ------------------------------------------------------------------ */
/* Misc                                                                */
/* ------------------------------------------------------------------ */

/* splitmix64/xoshiro-style PRNG: reproducible from a seed, one per user. */
struct prng {
	u64 s[4];
};
void prng_seed(struct prng *p, u64 seed);
u64 prng_next(struct prng *p);
/* Uniform in [0, n). n > 0. */
u64 prng_below(struct prng *p, u64 n);

u64 now_ns(void);
/* Cheap clock for lock hold times (base/hold_clock.c): raw reads, and ns between two. */
u64 hold_clock(void);
u64 hold_clock_ns(u64 since, u64 until);

static inline void counter_inc(atomic_ullong *c)
{
	atomic_fetch_add_explicit(c, 1, memory_order_relaxed);
}

static inline void counter_add(atomic_ullong *c, u64 v)
{
	atomic_fetch_add_explicit(c, v, memory_order_relaxed);
}

/* For a counter only one thread at a time adds to (under a lock): no locked add. */
static inline void counter_add_exclusive(atomic_ullong *c, u64 v)
{
	atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + v,
			      memory_order_relaxed);
}

static inline u64 counter_read(atomic_ullong *c)
{
	return atomic_load_explicit(c, memory_order_relaxed);
}

/*
 * A statistics counter sharded by thread: each thread adds to its own
 * slot (its own cache line), a read sums the slots.  For hot counters that
 * several threads bump on every operation, where one shared atomic would
 * make them queue for its cache line.  A read is not a snapshot across
 * slots: read it when the counter is quiet or when a near value is enough.
 * No alignment requirement (structs holding one may come from calloc): the
 * 64-byte stride alone keeps the slots' values on distinct cache lines.
 *
 * A thread's slot is its own while it lives (claimed on its first count,
 * given back when it exits, base/stat_counter.c): only that thread writes
 * it, so an add is a relaxed load and store, not a locked read-modify-write
 * (every fault bumps four of these).  Threads beyond the first
 * STAT_COUNTER_SLOTS - 1 alive at once share the last slot and add
 * atomically.  The reader/writer and sharex locks index their per-thread
 * slots with the same number.
 */
#define STAT_COUNTER_SLOTS 8
#define STAT_COUNTER_SHARED_SLOT (STAT_COUNTER_SLOTS - 1)
struct stat_counter {
	struct {
		atomic_ullong v;
		char pad[64 - sizeof(atomic_ullong)];
	} slot[STAT_COUNTER_SLOTS];
};

extern _Thread_local int stat_counter_slot_plus1;
int stat_counter_slot_init(void);

/* The calling thread's slot, in [0, STAT_COUNTER_SLOTS). */
static inline int stat_counter_slot(void)
{
	int s = stat_counter_slot_plus1;

	return likely(s) ? s - 1 : stat_counter_slot_init();
}

static inline void stat_counter_add(struct stat_counter *c, s64 delta)
{
	int s = stat_counter_slot();
	atomic_ullong *v = &c->slot[s].v;

	/* The thread's own slot has one writer; the shared one needs a locked add. */
	if (likely(s != STAT_COUNTER_SHARED_SLOT))
		counter_add_exclusive(v, (u64)delta);
	else
		counter_add(v, (u64)delta);
}

static inline void stat_counter_inc(struct stat_counter *c)
{
	stat_counter_add(c, 1);
}

static inline u64 stat_counter_read(const struct stat_counter *c)
{
	u64 sum = 0;

	for (int i = 0; i < STAT_COUNTER_SLOTS; i++)
		sum += atomic_load_explicit((atomic_ullong *)&c->slot[i].v, memory_order_relaxed);
	return sum;
}

#endif /* TDPMMU_BASE_H */
