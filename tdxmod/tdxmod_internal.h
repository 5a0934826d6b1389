/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Private state of the TDX module model.  Only the tdxmod/ sources include this.
 */
#ifndef TDPMMU_TDXMOD_INTERNAL_H
#define TDPMMU_TDXMOD_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>

#include "tdpmmu/tdxmod.h"
#include "sharex_lock.h"

/* GPAW 48, four-level S-EPT: the shared bit is bit 47. */
#define TDX_GPAW 48
#define TDX_SHARED_BIT BIT_ULL(TDX_GPAW - 1)
#define TDX_SEPT_MAX_LEVEL 3 /* TDX level of the PML4 entries */
#define TDX_MAX_PA_BITS 46 /* the frame allocator stays below 2^46 */
#define TDX_PAGE_INFO_RSVD (GENMASK_ULL(11, 3) | GENMASK_ULL(63, 52))

/* ------------------------------------------------------------------ */
/* Try-locks (the module's sharex locks)                               */
/* ------------------------------------------------------------------ */

#define SHAREX_EX (-1)

static inline bool sharex_word_try_sh(atomic_int *l)
{
	int v = atomic_load_explicit(l, memory_order_relaxed);

	while (v >= 0) {
		if (atomic_compare_exchange_weak_explicit(l, &v, v + 1, memory_order_acquire,
							  memory_order_relaxed))
			return true;
	}
	return false;
}

static inline bool sharex_word_try_ex(atomic_int *l)
{
	int v = 0;

	return atomic_compare_exchange_strong_explicit(l, &v, SHAREX_EX, memory_order_acquire,
						       memory_order_relaxed);
}

static inline bool sharex_word_try(atomic_int *l, bool ex)
{
	return ex ? sharex_word_try_ex(l) : sharex_word_try_sh(l);
}

static inline void sharex_word_release(atomic_int *l, bool ex)
{
	if (ex)
		atomic_store_explicit(l, 0, memory_order_release);
	else
		atomic_fetch_sub_explicit(l, 1, memory_order_release);
}

static inline bool sharex_lock_try(struct sharex_lock *l, bool ex)
{
	return ex ? sharex_lock_try_ex(l) : sharex_lock_try_sh(l);
}

/* One word (PAMT entries) or sharded (the TD-wide locks, sharex_lock.h). */
#define sharex_try_sh(l) \
	_Generic((l), struct sharex_lock * : sharex_lock_try_sh, default : sharex_word_try_sh)(l)
#define sharex_try_ex(l) \
	_Generic((l), struct sharex_lock * : sharex_lock_try_ex, default : sharex_word_try_ex)(l)
#define sharex_try(l, ex) \
	_Generic((l), struct sharex_lock * : sharex_lock_try, default : sharex_word_try)(l, ex)
#define sharex_release(l, ex)                   \
	_Generic((l), struct sharex_lock *      \
		 : sharex_lock_release, default \
		 : sharex_word_release)(l, ex)

/* ------------------------------------------------------------------ */
/* S-EPT entries: one atomic 64-bit word each                          */
/* ------------------------------------------------------------------ */

/*
 * Our own compact encoding (the architectural one is produced only for
 * RCX/RDX extended error info):
 *  [7:0]   public state (enum tdx_sept_state)
 *  [8]     leaf
 *  [11]    TDEL, entry lock
 *  [51:12] PA
 *  [52]    TDHP, host priority
 *  [62:53] 2M accept counter
 */
#define SEPTE_STATE_MASK 0xFFULL
#define SEPTE_LEAF BIT_ULL(8)
#define SEPTE_LOCK BIT_ULL(11)
#define SEPTE_PA_MASK GENMASK_ULL(51, 12)
#define SEPTE_HP BIT_ULL(52)
#define SEPTE_ACCEPT_SHIFT 53
#define SEPTE_ACCEPT_MASK GENMASK_ULL(62, 53)

static inline enum tdx_sept_state septe_state(u64 e)
{
	return (enum tdx_sept_state)(e & SEPTE_STATE_MASK);
}

static inline bool septe_leaf(u64 e)
{
	return e & SEPTE_LEAF;
}

static inline hpa_t septe_pa(u64 e)
{
	return e & SEPTE_PA_MASK;
}

static inline u32 septe_accept_counter(u64 e)
{
	return (u32)((e & SEPTE_ACCEPT_MASK) >> SEPTE_ACCEPT_SHIFT);
}

/* ------------------------------------------------------------------ */
/* S-EPT state rules as data (sept_state_table.c)                      */
/* ------------------------------------------------------------------ */

/* Rows of the state tables: the module's compact state index. */
enum sept_state_idx {
	SEPT_IDX_FREE,
	SEPT_IDX_BLOCKED,
	SEPT_IDX_PENDING,
	SEPT_IDX_PENDING_BLOCKED,
	SEPT_IDX_MAPPED,
	SEPT_IDX_NL_BLOCKED,
	SEPT_IDX_NL_MAPPED,
	NR_SEPT_STATES,
};

/* Per-state flags, as the module's sept_special_flags. */
struct sept_state_flags {
	enum tdx_sept_state state;
	const char *name;
	bool leaf;
	bool present; /* RWX != 0: the walk goes on (non-leaf) or translates (leaf) */
	bool any_blocked;
	bool tlb_tracking_required;
};

extern const u8 sept_state_idx1[256];
extern const struct sept_state_flags sept_state_flags[NR_SEPT_STATES];

static inline int sept_state_index(enum tdx_sept_state s)
{
	int i = (unsigned int)s < 256 ? sept_state_idx1[s] : 0;

	BASE_ASSERT(i);
	return i - 1;
}

static inline const struct sept_state_flags *sept_state_flags_of(enum tdx_sept_state s)
{
	return &sept_state_flags[sept_state_index(s)];
}

/*
 * The checks of a state against a leaf: one per host leaf that looks at an
 * entry, plus the rule on each child for PROMOTE and SEPT.REMOVE, and the
 * guest's ACCEPT on the entry at its level or on where the walk stopped.
 */
enum sept_op {
	SEPT_OP_PAGE_ADD,
	SEPT_OP_SEPT_ADD,
	SEPT_OP_PAGE_AUG,
	SEPT_OP_RANGE_BLOCK,
	SEPT_OP_RANGE_UNBLOCK,
	SEPT_OP_PAGE_DEMOTE,
	SEPT_OP_PAGE_PROMOTE,
	SEPT_OP_PROMOTE_CHILD,
	SEPT_OP_PAGE_REMOVE,
	SEPT_OP_SEPT_REMOVE,
	SEPT_OP_SEPT_REMOVE_CHILD,
	SEPT_OP_ACCEPT,
	SEPT_OP_ACCEPT_ABOVE,
	NR_SEPT_OPS,
};

enum sept_verdict {
	SEPT_VERDICT_MISSING, /* a hole in the table: asserted never to be read */
	SEPT_ALLOW, /* go on; on success the entry becomes @next */
	SEPT_FAIL, /* fail with @status (the leaf adds the operand id) */
	SEPT_EXIT, /* ACCEPT only: an EPT-violation TD exit */
};

/* PROMOTE: the merged leaf takes the children's state (SEPT_OP_PROMOTE_CHILD). */
#define SEPT_NEXT_FROM_CHILD 0xFF

struct sept_rule {
	u8 verdict; /* enum sept_verdict */
	/* enum tdx_sept_state after success; for a child row, the parent's */
	u8 next;
	u8 child; /* DEMOTE: the state of the 512 new children */
	u64 status;
};

extern const struct sept_rule sept_rules[NR_SEPT_OPS][NR_SEPT_STATES];
const char *sept_op_name(enum sept_op op);

static inline const struct sept_rule *sept_rule(enum sept_op op, enum tdx_sept_state s)
{
	const struct sept_rule *r = &sept_rules[op][sept_state_index(s)];

	BASE_ASSERT(r->verdict != SEPT_VERDICT_MISSING);
	return r;
}

static inline bool sept_state_any_blocked(enum tdx_sept_state s)
{
	return sept_state_flags_of(s)->any_blocked;
}

static inline bool sept_state_tlb_tracking_required(enum tdx_sept_state s)
{
	return sept_state_flags_of(s)->tlb_tracking_required;
}

static inline u64 septe_make(enum tdx_sept_state s, hpa_t pa)
{
	return (u64)s | (sept_state_flags_of(s)->leaf ? SEPTE_LEAF : 0) | (pa & SEPTE_PA_MASK);
}

/* Present for the walk: RWX != 0 (NL_MAPPED, MAPPED). */
static inline bool septe_present(u64 e)
{
	return sept_state_flags_of(septe_state(e))->present;
}

/* One 4K S-EPT page: 512 entries at @level. */
struct sept_page {
	_Atomic u64 *e; /* PTRS_PER_PTE entries: one page_pool_alloc() page */
	/*
	 * The model's way from a non-leaf entry to its child page: 512
	 * pointers, made when the first child is linked (never at level 0, and
	 * not for a page of 2M leaves that were never demoted).
	 */
	_Atomic(_Atomic(struct sept_page *) *) child;
	hpa_t hpa;
	int level;
	struct sept_page *retired_next;
};
/* It lives in its entries' page's owner area (sept.c). */
_Static_assert(sizeof(struct sept_page) <= PAGE_OWNER_BYTES, "the record fits its page's slot");

/* ------------------------------------------------------------------ */
/* PAMT                                                                 */
/* ------------------------------------------------------------------ */

/*
 * One 16-byte entry, laid out as the module's pamt_entry_t: a 64-bit word
 * holding the entry lock (16 bits), the page type (8 bits) and the owner
 * (40 bits, a 4K frame number), then BEPOCH.  The lock shares the word
 * with the type and owner, so every change of those keeps the lock bits
 * (a CAS on the whole word) and the lock's CAS retries when they change.
 *
 *  [0]     exclusive
 *  [15:1]  shared holders (the module's lock also has a host-priority bit:
 *          only the guest side would need it, and no TDCALL takes a PAMT lock)
 *  [19:16] pt (enum tdx_pamt_pt)
 *  [23]    the model's DPAMT bitmap bit (a separate bitmap in the module;
 *          kept in the type byte's unused top bit)
 *  [63:24] owner
 */
#define PAMT_LOCK_EX BIT_ULL(0)
#define PAMT_LOCK_SH_ONE BIT_ULL(1)
#define PAMT_LOCK_MASK GENMASK_ULL(15, 0)
#define PAMT_PT_SHIFT 16
#define PAMT_PT_MASK GENMASK_ULL(19, 16)
#define PAMT_IS_PAMT_PAGE BIT_ULL(23)
#define PAMT_OWNER_SHIFT 24

struct pamt_entry {
	_Atomic u64 word;
	_Atomic u64 bepoch;
};

_Static_assert(sizeof(struct pamt_entry) == 16, "a PAMT entry is 16 bytes, as the module's");

static inline u64 pamt_word_make(enum tdx_pamt_pt pt, u64 owner)
{
	return ((u64)pt << PAMT_PT_SHIFT) | (owner << PAMT_OWNER_SHIFT);
}

/* The entry lock: the module's sharex try-lock, over the word's low 16 bits. */
static inline bool pamt_lock_try(struct pamt_entry *e, bool ex)
{
	u64 v = atomic_load_explicit(&e->word, memory_order_relaxed);

	for (;;) {
		u64 n;

		if (v & (ex ? PAMT_LOCK_MASK : PAMT_LOCK_EX))
			return false;
		n = v + (ex ? PAMT_LOCK_EX : PAMT_LOCK_SH_ONE);
		/* 2^15 sharers would carry into the type: never with this many threads. */
		if (atomic_compare_exchange_weak_explicit(&e->word, &v, n, memory_order_acquire,
							  memory_order_relaxed))
			return true;
	}
}

static inline void pamt_lock_release(struct pamt_entry *e, bool ex)
{
	atomic_fetch_sub_explicit(&e->word, ex ? PAMT_LOCK_EX : PAMT_LOCK_SH_ONE,
				  memory_order_release);
}

static inline bool pamt_locked(struct pamt_entry *e)
{
	return atomic_load(&e->word) & PAMT_LOCK_MASK;
}

struct dpamt_node {
	_Atomic u64 hpa0, hpa1;
	atomic_uint page_count;
};

/*
 * One 1G region, allocated on first use.  Its DPAMT nodes and the index of
 * its 4K entries are made on first use too: most regions of a large TD
 * hold only 2M pages, and the model's memory should follow what is used.
 */
struct pamt_region {
	struct pamt_entry e1g;
	struct pamt_entry e2m[PTRS_PER_PTE];
	_Atomic(struct dpamt_node *) node; /* [512], Dynamic PAMT only */
	/*
	 * [512], made on first use: per 2M, the 512 4K entries.  A slot is 0
	 * (all NDA, unlocked: none were ever needed), a pointer to the 512
	 * entries, or PAMT_4K_IMPLICIT | word: all 512 are that word,
	 * unlocked, BEPOCH 0 -- what DEMOTE makes of a 2M page.  The module's
	 * PAMT is static and DEMOTE writes the 512; the model keeps them as
	 * one word until something needs one of them (pamt.c).
	 */
	_Atomic(_Atomic u64 *) e4k;
};

/* Bit 0 of a word is PAMT_LOCK_EX: never set in an implicit (unlocked) one. */
#define PAMT_4K_IMPLICIT BIT_ULL(0)

#define PAMT_NR_REGIONS (1ULL << (TDX_MAX_PA_BITS - 30))

struct pamt_ref {
	struct pamt_entry *e;
	int level; /* level reached */
	bool locked, ex;
};

/* Objects of the model's storage made ahead of the host's locks (model_reserve.c). */
#define MODEL_RESERVE_MAX 4
struct model_reserve {
	pthread_mutex_t lock;
	atomic_uint nr; /* read without the lock: full or not */
	void *obj[MODEL_RESERVE_MAX];
};

void model_reserve_init(struct model_reserve *r);
void model_reserve_destroy(struct model_reserve *r, void (*release)(void *obj));
/* Up to @n (at most MODEL_RESERVE_MAX) objects, made by @make. */
void model_reserve_topup(struct model_reserve *r, unsigned int n, void *(*make)(void));
/* One object, or NULL when empty. */
void *model_reserve_take(struct model_reserve *r);

struct tdxmod {
	struct tdxmod_config cfg;
	struct model_reserve pamt_4k_reserve; /* zeroed PAMT 4K arrays (pamt_reserve.c) */
	_Atomic(struct pamt_region *) *regions;
	pthread_mutex_t prng_lock;
	struct prng prng;
};

/* ------------------------------------------------------------------ */
/* TD                                                                   */
/* ------------------------------------------------------------------ */

/*
 * A cached translation in 16 bytes: the GPA aligned to its level (at least
 * 4K, so the low bits are free) with the TDX level in bits 1:0, and the HPA.
 */
struct tlb_entry {
	u64 gpa_level; /* TLB_EMPTY = empty slot */
	hpa_t hpa;
};

#define TLB_EMPTY (~0ULL)
#define TLB_LEVEL_MASK 3ULL

static inline gpa_t tlb_entry_gpa(const struct tlb_entry *te)
{
	return te->gpa_level & ~(PAGE_SIZE - 1);
}

static inline int tlb_entry_level(const struct tlb_entry *te)
{
	return (int)(te->gpa_level & TLB_LEVEL_MASK);
}

struct tdxmod_vcpu {
	atomic_bool in_td;
	_Atomic u64 vcpu_epoch;
	u64 last_epoch; /* epoch of the last entry, for the flush */
	pthread_mutex_t tlb_lock;
	struct tlb_entry *tlb;
	size_t tlb_cap, tlb_used;
};

struct tdxmod_td {
	struct tdxmod *mod;
	hpa_t tdr_hpa;
	struct sept_page *root;

	struct sharex_lock op_state_lock;
	_Atomic int op_state;
	struct sharex_lock sept_lock; /* the Secure-EPT tree lock */
	struct sharex_lock epoch_lock;
	_Atomic u64 td_epoch;
	atomic_int refcount[2];
	struct stat_counter chldcnt; /* sharded: every AUG and REMOVE counts */

	int nr_vcpus;
	struct tdxmod_vcpu *vcpus;

	struct fault_inject inject[NR_TDX_LEAVES];
	struct stat_counter calls[NR_TDX_LEAVES]; /* sharded: bumped by every call */

	struct model_reserve demote_reserve; /* S-EPT pages for DEMOTE (demote_reserve.c) */

	/* S-EPT pages freed by SEPT.REMOVE/PROMOTE: lock-free walkers may still be in them. */
	pthread_mutex_t retired_lock;
	struct sept_page *retired;
};

/* sept.c */
struct sept_page *sept_page_alloc(hpa_t hpa, int level);
void sept_page_retire(struct tdxmod_td *td, struct sept_page *sp);
void sept_page_free(struct sept_page *sp);
static inline struct sept_page *sept_child(struct sept_page *sp, int idx)
{
	_Atomic(struct sept_page *) *c = atomic_load_explicit(&sp->child, memory_order_acquire);

	return c ? atomic_load_explicit(&c[idx], memory_order_acquire) : NULL;
}
/* The slot that links entry @idx of @sp (level > 0) to its child page. */
_Atomic(struct sept_page *) *sept_child_slot(struct sept_page *sp, int idx);

static inline int sept_index(gpa_t gpa, int level)
{
	return (int)((gpa >> (PAGE_SHIFT + SPTE_LEVEL_BITS * level)) & (PTRS_PER_PTE - 1));
}

static inline u64 tdxmod_level_size(int level)
{
	return PAGE_SIZE << (SPTE_LEVEL_BITS * level);
}

static inline u64 tdxmod_level_pages(int level)
{
	return 1ULL << (SPTE_LEVEL_BITS * level);
}

struct sept_walk {
	struct sept_page *sp; /* page holding the entry reached */
	int idx;
	int level; /* level reached */
	u64 entry; /* copy of the entry reached */
};

/* The module's walk: descends while present and non-leaf; true if @level reached. */
bool sept_walk(struct tdxmod_td *td, gpa_t gpa, int level, struct sept_walk *w);
static inline _Atomic u64 *sept_walk_ptr(struct sept_walk *w)
{
	return &w->sp->e[w->idx];
}

/*
 * The entry locks, inline: every S-EPT leaf and ACCEPT takes and releases
 * one (a call each on the fault path otherwise).
 */
/* Entry lock, host side: TDX_SUCCESS or TDX_OPERAND_BUSY (sets TDHP). */
static inline u64 sept_lock_acquire_host(_Atomic u64 *p)
{
	u64 old = atomic_load_explicit(p, memory_order_relaxed);

	for (;;) {
		if (old & SEPTE_LOCK) {
			/* Tell the guest side to back off. */
			atomic_fetch_or_explicit(p, SEPTE_HP, memory_order_relaxed);
			return TDX_OPERAND_BUSY;
		}
		if (atomic_compare_exchange_weak_explicit(p, &old, (old | SEPTE_LOCK) & ~SEPTE_HP,
							  memory_order_acquire,
							  memory_order_relaxed))
			return TDX_SUCCESS;
	}
}

/* Guest side: fails if locked or TDHP set. */
static inline u64 sept_lock_acquire_guest(_Atomic u64 *p)
{
	u64 old = atomic_load_explicit(p, memory_order_relaxed);

	for (;;) {
		if (old & SEPTE_LOCK)
			return TDX_OPERAND_BUSY;
		if (old & SEPTE_HP)
			return TDX_OPERAND_BUSY_HOST_PRIORITY;
		if (atomic_compare_exchange_weak_explicit(
			    p, &old, old | SEPTE_LOCK, memory_order_acquire, memory_order_relaxed))
			return TDX_SUCCESS;
	}
}

static inline void sept_lock_release(_Atomic u64 *p)
{
	atomic_fetch_and_explicit(p, ~SEPTE_LOCK, memory_order_release);
}

/* Write @val (unlocked) over a locked entry, keeping a concurrently set TDHP. */
static inline void sept_write_and_unlock(_Atomic u64 *p, u64 val)
{
	u64 old = atomic_load_explicit(p, memory_order_relaxed);

	val &= ~(SEPTE_LOCK | SEPTE_HP);
	while (!atomic_compare_exchange_weak_explicit(p, &old, val | (old & SEPTE_HP),
						      memory_order_release, memory_order_relaxed))
		;
}

/* RCX/RDX extended error info; @xu: 2.0 counts XU (bit 10) in the permissions. */
u64 sept_arch_entry(u64 e, bool xu);
void sept_set_details(struct tdxmod_td *td, struct tdx_module_args *args, u64 e, int level);
/*
 * A host leaf's state check: *rule = the cell for @op and the entry @w
 * reached; unless it allows, the entry's details go to RCX/RDX and the
 * cell's status | RCX is returned.  The entry lock stays with the caller.
 */
u64 sept_rule_check(struct tdxmod_td *td, struct tdx_module_args *args, enum sept_op op,
		    const struct sept_walk *w, const struct sept_rule **rule);

/* Op state, gpa and page-info validation shared by the TDH.MEM leaves. */
bool tdxmod_page_info_valid(u64 rcx, int min_level, int max_level);
bool tdxmod_gpa_private_valid(gpa_t gpa);
static inline gpa_t page_info_gpa(u64 rcx)
{
	return rcx & GENMASK_ULL(51, 12);
}

static inline int page_info_level(u64 rcx)
{
	return (int)(rcx & 7);
}

bool tdxmod_is_tlb_tracked(struct tdxmod_td *td, u64 bepoch);
/*
 * The gate of DEMOTE, PROMOTE, REMOVE and SEPT.REMOVE, applied only when
 * both the op state and the entry's state require TLB tracking: the entry
 * must be blocked (else GPA_RANGE_NOT_BLOCKED with @entry's details) and
 * its BEPOCH tracked (else TLB_TRACKING_NOT_DONE, no details).
 */
u64 tdxmod_check_blocked_and_tracked(struct tdxmod_td *td, struct tdx_module_args *args, u64 entry,
				     int level, _Atomic u64 *bepoch);
/*
 * The step after the leaf prefix shared by PAGE.REMOVE, SEPT.REMOVE and
 * PROMOTE (@op): check the entry's state against the table (*rule), lock
 * exclusively the PAMT entry of what it maps (the page at its size, or the
 * child S-EPT page), then apply the blocked-and-tracked gate.  On failure
 * the PAMT entry is left unlocked; the prefix's locks stay with the caller.
 */
u64 tdxmod_sept_lock_mapped_pamt(struct tdxmod_td *td, struct tdx_module_args *args,
				 struct sept_walk *w, enum sept_op op,
				 const struct sept_rule **rule, struct pamt_ref *ref);
#define OPS(x) (1u << (x))
#define OPS_ANY (OPS(TDX_OP_STATE_INITIALIZED) | OPS(TDX_OP_STATE_RUNNABLE))
/* Shared part of the TDH.MEM prefix: op-state lock (SH) and allowed op state. */
static inline u64 tdxmod_op_state_enter(struct tdxmod_td *td, unsigned int allowed_mask)
{
	if (!sharex_try_sh(&td->op_state_lock))
		return TDX_OPERAND_BUSY | TDX_OPERAND_ID_OP_STATE;
	if (!(allowed_mask & OPS(atomic_load(&td->op_state)))) {
		sharex_release(&td->op_state_lock, false);
		return TDX_OP_STATE_INCORRECT;
	}
	return TDX_SUCCESS;
}

static inline void tdxmod_op_state_exit(struct tdxmod_td *td)
{
	sharex_release(&td->op_state_lock, false);
}
static inline bool tdxmod_tracking_required(struct tdxmod_td *td)
{
	return atomic_load(&td->op_state) == TDX_OP_STATE_RUNNABLE;
}

/* Common prefix for the TDH.MEM leaves that take a page-info in RCX:
 * op state, page info, gpa, tree lock, walk, entry lock.  On success the
 * entry is locked (w filled); on failure everything is released. */
u64 tdxmod_sept_leaf_prefix(struct tdxmod_td *td, struct tdx_module_args *args, unsigned int ops,
			    int min_level, int max_level, bool tree_ex, struct sept_walk *w);
static inline void tdxmod_sept_leaf_release(struct tdxmod_td *td, bool tree_ex)
{
	sharex_release(&td->sept_lock, tree_ex);
	tdxmod_op_state_exit(td);
}

/* demote_reserve.c: DEMOTE's new S-EPT page. */
void demote_reserve_init(struct tdxmod_td *td);
void demote_reserve_destroy(struct tdxmod_td *td);
/* An S-EPT page of 512 FREE entries for @hpa at @level: reserved, else made now. */
struct sept_page *demote_reserve_sept_page(struct tdxmod_td *td, hpa_t hpa, int level);

/* Pending-host-interrupt model for DEMOTE/PROMOTE. */
bool tdxmod_host_interrupt_pending(struct tdxmod *mod);

/* pamt.c */
/*
 * DEMOTE and PROMOTE of the 2M page @hpa, on its 4K entries: see
 * pamt_region.e4k.  pamt_4k_demote() returns NULL when the entries are now
 * implicit @word, else the existing entries, for the caller to write;
 * pamt_4k_promote() returns true (and the owner) when implicit entries
 * were merged back, false when the caller must merge real ones.
 */
struct pamt_entry *pamt_4k_demote(struct tdxmod *mod, hpa_t hpa, u64 word);
bool pamt_4k_promote(struct tdxmod *mod, hpa_t hpa, u64 *owner);
/* For readers that must not make implicit entries real (the checker). */
bool pamt_region_4k_implicit(struct pamt_region *r, int i2m, u64 *word);
/*
 * The lookups every leaf makes, inline (a region, an entry); what they
 * make on first use, or make real, is made in pamt.c.
 */
struct pamt_region *pamt_region_make(struct tdxmod *mod, u64 idx);
struct pamt_entry *pamt_4k_array(struct tdxmod *mod, struct pamt_region *r, int i2m, bool alloc);

/* pamt_reserve.c */
#define PAMT_4K_ARRAY_PAGES (PTRS_PER_PTE * sizeof(struct pamt_entry) / PAGE_SIZE)
void pamt_4k_reserve_init(struct tdxmod *mod);
void pamt_4k_reserve_destroy(struct tdxmod *mod);
void pamt_4k_reserve_topup(struct tdxmod *mod, unsigned int n);
/* A zeroed array for 512 4K entries: from the reserve, else made now. */
struct pamt_entry *pamt_4k_array_new(struct tdxmod *mod);

static inline struct pamt_region *pamt_region(struct tdxmod *mod, hpa_t hpa, bool alloc)
{
	u64 idx = hpa >> 30;
	struct pamt_region *r;

	if (idx >= PAMT_NR_REGIONS)
		return NULL;
	r = atomic_load_explicit(&mod->regions[idx], memory_order_acquire);
	if (r || !alloc)
		return r;
	return pamt_region_make(mod, idx);
}

/* The 4K slot of 2M index @i2m (pamt_region.e4k), as it is: 0 if none. */
static inline u64 pamt_4k_slot(struct pamt_region *r, int i2m)
{
	_Atomic u64 *idx = atomic_load_explicit(&r->e4k, memory_order_acquire);

	return idx ? atomic_load_explicit(&idx[i2m], memory_order_acquire) : 0;
}

/* Read-only views of a region: NULL / 0 where nothing was ever made (or implicit). */
static inline struct pamt_entry *pamt_region_4k(struct pamt_region *r, int i2m)
{
	u64 v = pamt_4k_slot(r, i2m);

	return v & PAMT_4K_IMPLICIT ? NULL : (struct pamt_entry *)(uintptr_t)v;
}
u32 pamt_region_page_count(struct pamt_region *r, int i2m);

/* The entry of @hpa at @level in @r (made if @alloc); NULL means "all NDA". */
static inline struct pamt_entry *pamt_region_entry(struct tdxmod *mod, struct pamt_region *r,
						   hpa_t hpa, int level, bool alloc)
{
	int i2m = (int)((hpa >> 21) & 511);
	struct pamt_entry *a;
	u64 v;

	if (level == 2)
		return &r->e1g;
	if (level == 1)
		return &r->e2m[i2m];
	v = pamt_4k_slot(r, i2m);
	if (v && !(v & PAMT_4K_IMPLICIT))
		a = (struct pamt_entry *)(uintptr_t)v;
	else
		a = v || alloc ? pamt_4k_array(mod, r, i2m, alloc) : NULL;
	return a ? &a[(hpa >> 12) & 511] : NULL;
}

/* The entry of @hpa at @level; with !alloc, NULL means "all NDA". */
static inline struct pamt_entry *pamt_entry_at(struct tdxmod *mod, hpa_t hpa, int level, bool alloc)
{
	struct pamt_region *r = pamt_region(mod, hpa, alloc);

	return r ? pamt_region_entry(mod, r, hpa, level, alloc) : NULL;
}

struct dpamt_node *pamt_node(struct tdxmod *mod, hpa_t hpa);
void pamt_region_free(struct pamt_region *r);
static inline enum tdx_pamt_pt pamt_pt(struct pamt_entry *e)
{
	return (enum tdx_pamt_pt)((atomic_load(&e->word) & PAMT_PT_MASK) >> PAMT_PT_SHIFT);
}

static inline u64 pamt_owner(struct pamt_entry *e)
{
	return atomic_load(&e->word) >> PAMT_OWNER_SHIFT;
}

/*
 * Dynamic PAMT: give the 2M region at @hpa its PAMT page pair (DEMOTE or
 * PAMT.ADD), or take it back into hpa0, hpa1 (PROMOTE or PAMT.REMOVE).
 * The caller holds the region's 2M PAMT entry and sets its PT.
 */
void pamt_node_set_pair(struct tdxmod *mod, hpa_t hpa, hpa_t hpa0, hpa_t hpa1, u32 page_count);
void pamt_node_take_pair(struct tdxmod *mod, hpa_t hpa, u64 *hpa0, u64 *hpa1);
static inline void pamt_set(struct pamt_entry *e, enum tdx_pamt_pt pt, u64 owner)
{
	u64 old = atomic_load(&e->word);

	/* The lock bits and the bitmap bit are not ours to change. */
	while (!atomic_compare_exchange_weak(&e->word, &old,
					     (old & (PAMT_LOCK_MASK | PAMT_IS_PAMT_PAGE)) |
						     pamt_word_make(pt, owner)))
		;
	atomic_store(&e->bepoch, 0);
}

bool pamt_is_pamt_page(struct tdxmod *mod, hpa_t hpa);
void pamt_set_pamt_page(struct tdxmod *mod, hpa_t hpa, bool on);
/* Find the entry per the leaf rule, stopping at @target_level; lock it. */
u64 pamt_walk_lock(struct tdxmod *mod, hpa_t hpa, int target_level, bool ex, struct pamt_ref *ref);
static inline void pamt_unlock(struct pamt_ref *ref)
{
	if (ref->locked)
		pamt_lock_release(ref->e, ref->ex);
	ref->locked = false;
}

/* check_and_lock_explicit_*_private_hpa: NDA page of @level for a TD. */
u64 pamt_check_and_lock_free(struct tdxmod *mod, hpa_t hpa, int level, u32 operand,
			     struct pamt_ref *ref);
/* Largest non-NDA level (leaf rule), without locking. */
bool pamt_leaf_read(struct tdxmod *mod, hpa_t hpa, int *level, struct pamt_entry *e);
/*
 * No 4K entry of @hpa's 2M range has a bit of @mask set (PAMT_PT_MASK: all
 * NDA).  Reads the range's slot once and never makes implicit entries real.
 */
bool pamt_4k_range_clear(struct tdxmod *mod, hpa_t hpa, u64 mask);
/* The 4K page's PAMT leaf is NDA (the PAMT-page bitmap bit not considered). */
bool pamt_page_nda(struct tdxmod *mod, hpa_t hpa);
void pamt_inc_page_count(struct tdxmod *mod, hpa_t hpa);
/* Returns true when the count dropped to zero (the removal hint). */
bool pamt_dec_page_count(struct tdxmod *mod, hpa_t hpa);
static inline bool tdxmod_dpamt(struct tdxmod *mod)
{
	return mod->cfg.version == TDX_MODULE_2_0 && mod->cfg.dpamt;
}

static inline bool hpa_valid(hpa_t hpa, u64 align)
{
	return !(hpa & (align - 1)) && hpa < (1ULL << TDX_MAX_PA_BITS);
}

static inline u64 tdr_owner(struct tdxmod_td *td)
{
	return td->tdr_hpa >> PAGE_SHIFT;
}

/* PAMT entry holding BEPOCH for an S-EPT entry: the page at its size, or the child S-EPT page. */
static inline struct pamt_entry *sept_bepoch_entry(struct tdxmod *mod, u64 e, int level)
{
	return pamt_entry_at(mod, septe_pa(e), septe_leaf(e) ? level : 0, true);
}

/* Leaf handlers. */
u64 tdh_mem_sept_add(struct tdxmod_td *td, struct tdx_module_args *args);
u64 tdh_mem_page_add(struct tdxmod_td *td, struct tdx_module_args *args);
u64 tdh_mem_page_aug(struct tdxmod_td *td, struct tdx_module_args *args);
u64 tdh_mem_range_block(struct tdxmod_td *td, struct tdx_module_args *args);
u64 tdh_mem_range_unblock(struct tdxmod_td *td, struct tdx_module_args *args);
u64 tdh_mem_track(struct tdxmod_td *td, struct tdx_module_args *args);
u64 tdh_mem_page_demote(struct tdxmod_td *td, struct tdx_module_args *args);
u64 tdh_mem_page_promote(struct tdxmod_td *td, struct tdx_module_args *args);
u64 tdh_mem_page_remove(struct tdxmod_td *td, struct tdx_module_args *args);
u64 tdh_mem_sept_remove(struct tdxmod_td *td, struct tdx_module_args *args);
u64 tdh_mr_finalize(struct tdxmod_td *td, struct tdx_module_args *args);
u64 tdh_phymem_pamt_add(struct tdxmod_td *td, struct tdx_module_args *args);
u64 tdh_phymem_pamt_remove(struct tdxmod_td *td, struct tdx_module_args *args);

/* vcpu_tlb.c */
void tlb_flush_vcpu(struct tdxmod_vcpu *v);
void tlb_insert(struct tdxmod_vcpu *v, gpa_t gpa, hpa_t hpa, int level);
bool tlb_lookup(struct tdxmod_vcpu *v, gpa_t gpa, struct tlb_entry *out);

#endif /* TDPMMU_TDXMOD_INTERNAL_H */
