/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * tdxmod/: a model of the Intel TDX module's Secure-EPT interface.
 *
 * The host calls it only through tdxmod_seamcall() with the module's
 * register ABI (struct tdx_module_args), the guest through the TDCALL entry
 * points, and the checker/scenario runner through the read-only inspection
 * functions at the end.  It knows nothing of KVM.
 *
 * Concurrency is the module's own: every lock inside is a try-lock, and
 * contention returns TDX_OPERAND_BUSY with the operand of the busy lock.
 * Nothing here ever blocks.
 */
#ifndef TDPMMU_TDXMOD_H
#define TDPMMU_TDXMOD_H

#include "tdpmmu/base.h"
#include "tdpmmu/tdx_errno.h"
#include "tdpmmu/types.h"

enum tdxmod_version {
	TDX_MODULE_1_5,
	TDX_MODULE_2_0,
};

struct tdxmod_config {
	enum tdxmod_version version;
	bool dpamt; /* Dynamic PAMT (2.0 only) */
	bool demote_interruptible; /* no ENHANCED_DEMOTE_INTERRUPTIBILITY */
	u64 seed; /* pending-interrupt model when interruptible */
	int nr_vcpus; /* TDVPs created with the TD */
	int max_vcpus; /* upper bound, for sizing (>= nr_vcpus) */
};

/* Leaves the model implements.  The numbers are ours; names are the module's. */
enum tdxmod_leaf {
	TDH_MEM_PAGE_ADD,
	TDH_MEM_SEPT_ADD,
	TDH_MEM_PAGE_AUG,
	TDH_MEM_RANGE_BLOCK,
	TDH_MEM_RANGE_UNBLOCK,
	TDH_MEM_TRACK,
	TDH_MEM_PAGE_DEMOTE,
	TDH_MEM_PAGE_PROMOTE,
	TDH_MEM_PAGE_REMOVE,
	TDH_MEM_SEPT_REMOVE,
	TDH_MR_FINALIZE,
	TDH_PHYMEM_PAMT_ADD,
	TDH_PHYMEM_PAMT_REMOVE,
	TDH_VP_ENTER,
	TDG_MEM_PAGE_ACCEPT,
	NR_TDX_LEAVES,
};

/* "TDH.MEM.SEPT.ADD" etc.; tdxmod_leaf_from_name returns -1 if unknown. */
const char *tdxmod_leaf_name(enum tdxmod_leaf leaf);
int tdxmod_leaf_from_name(const char *name);

/* S-EPT entry states (public state numbers as RDX[15:8] reports them). */
enum tdx_sept_state {
	TDX_SEPT_FREE = 0,
	TDX_SEPT_BLOCKED = 1,
	TDX_SEPT_PENDING = 2,
	TDX_SEPT_PENDING_BLOCKED = 3,
	TDX_SEPT_MAPPED = 4,
	TDX_SEPT_NL_BLOCKED = 0x81,
	TDX_SEPT_NL_MAPPED = 0x84,
};
const char *tdxmod_sept_state_name(enum tdx_sept_state s);
/* -1 if unknown */
int tdxmod_sept_state_from_name(const char *name);

enum tdx_td_op_state {
	TDX_OP_STATE_INITIALIZED = 1,
	TDX_OP_STATE_RUNNABLE = 2,
};

/* PAMT page types. */
enum tdx_pamt_pt {
	PT_NDA = 0,
	PT_RSVD = 1,
	PT_REG = 3,
	PT_TDR = 4,
	PT_TDCX = 5,
	PT_TDVPR = 6,
	PT_EPT = 8,
	PT_PAMT = 15,
};

/*
 * Register image of one SEAMCALL.  The TDR is implicit (the td argument);
 * RDX carries only the flag bits (bit 0: allow_existing for SEPT.ADD).
 *
 *  leaf              in                              out
 *  SEPT.ADD          rcx=gpa|lvl rdx=flags r8=page    rcx,rdx = ext. error info
 *  PAGE.ADD          rcx=gpa|0 r8=page r9=source      rcx,rdx = ext. error info
 *  PAGE.AUG          rcx=gpa|lvl r8=page              rcx,rdx = ext. error info
 *  RANGE.BLOCK       rcx=gpa|lvl                      rcx,rdx = ext. error info
 *  RANGE.UNBLOCK     rcx=gpa|lvl                      rcx,rdx = ext. error info
 *  TRACK             -                                -
 *  PAGE.DEMOTE       rcx=gpa|lvl r8=page r12,r13=pair rcx,rdx = ext. error info
 *  PAGE.PROMOTE      rcx=gpa|lvl                      rcx=freed S-EPT page, r12,r13=pair
 *  PAGE.REMOVE       rcx=gpa|lvl                      rcx=removed page (|hint)
 *  SEPT.REMOVE       rcx=gpa|lvl                      rcx=removed S-EPT page (|hint)
 *  MR.FINALIZE       -                                -
 *  PHYMEM.PAMT.ADD   rcx=hpa2m|1 rdx,r8=pair           -
 *  PHYMEM.PAMT.REMOVE rcx=hpa2m|1                     rdx,r8=pair
 *
 * lvl is the TDX level (4K=0, 2M=1, 1G=2, 512G=3) of the entry operated on.
 */
struct tdx_module_args {
	u64 rcx, rdx, r8, r9, r10, r11, r12, r13;
};

struct tdxmod; /* the platform: PAMT, configuration */
struct tdxmod_td; /* one TD: TDR/TDCS, S-EPT, epochs, TDVPs */

struct tdxmod *tdxmod_create(const struct tdxmod_config *cfg);
void tdxmod_destroy(struct tdxmod *mod);

/*
 * TDH.MNG.CREATE + KEY.CONFIG + INIT + VP.CREATE rolled into one: a TD in
 * op state INITIALIZED with cfg->nr_vcpus TDVPs and an empty S-EPT root
 * (the PML4 page, at @root_hpa).  @tdr_hpa identifies the TD (PAMT owner).
 */
struct tdxmod_td *tdxmod_td_create(struct tdxmod *mod, hpa_t tdr_hpa, hpa_t root_hpa);
/*
 * Model memory only, no architectural effect: make the module model's
 * storage for the next @n (at most 4) DEMOTEs of @td -- the new S-EPT
 * page's entries -- and for @n 2M pages' 4K PAMT entries made real under
 * the lock (tdxmod/pamt_reserve.c), ready and touched.  The real module writes into the
 * page the host hands it; the model allocates, and should not do so under the host's
 * mmu_lock.  Call where the host tops up its page caches, before the
 * lock.  DEMOTE makes its own when the reserve is empty.
 */
void tdxmod_demote_reserve_topup(struct tdxmod_td *td, unsigned int n);
/*
 * TD teardown: frees the model's storage.  Pages still mapped or used as
 * S-EPT pages are released from the PAMT (as TDH.PHYMEM.PAGE.RECLAIM would)
 * and reported through @reclaim so the caller can free the frames.
 */
void tdxmod_td_destroy(struct tdxmod_td *td, void (*reclaim)(void *arg, hpa_t hpa, u64 size),
		       void *arg);

/* SEAMCALL: counts the call, consults injection, then runs the leaf. */
u64 tdxmod_seamcall(struct tdxmod_td *td, enum tdxmod_leaf leaf, struct tdx_module_args *args);

/* `inject LEAF status=S count=N after=K` (leaf may be TDG_MEM_PAGE_ACCEPT). */
int tdxmod_inject(struct tdxmod_td *td, enum tdxmod_leaf leaf, u64 status, u64 count, u64 after);

/* ------------------------------------------------------------------ */
/* vCPUs: TDH.VP.ENTER / TD exit, and the guest                        */
/* ------------------------------------------------------------------ */

/*
 * TDH.VP.ENTER bookkeeping: vCPU @vcpu is now inside the TD in the current
 * epoch (refcount[epoch & 1]++); flushes its TLB if the epoch moved since
 * its last entry.  May return TDX_OPERAND_BUSY|TD_EPOCH (TRACK in progress)
 * or |SEPT_TREE.  Counted as TDH.VP.ENTER.
 */
u64 tdxmod_vp_enter(struct tdxmod_td *td, int vcpu);
/* TD exit: the vCPU leaves the TD (refcount[vcpu_epoch & 1]--). */
void tdxmod_vp_exit(struct tdxmod_td *td, int vcpu);
bool tdxmod_vcpu_in_td(struct tdxmod_td *td, int vcpu);

/* An EPT-violation TD exit as TDH.VP.ENTER reports it. */
struct tdx_ept_exit {
	u64 exit_qual; /* RCX */
	u64 ext_exit_qual; /* RDX: type[3:0], info[63:32] */
	gpa_t gpa; /* R8, 4K aligned */
};

#define TDX_EXT_EXIT_QUAL_TYPE_MASK 0xFULL
#define TDX_EXT_EXIT_QUAL_TYPE_ACCEPT 1
#define TDX_EXT_EXIT_QUAL_TYPE_PENDING_EPT_VIOLATION 6
static inline int tdx_eeq_type(u64 eeq)
{
	return (int)(eeq & TDX_EXT_EXIT_QUAL_TYPE_MASK);
}
static inline int tdx_eeq_req_level(u64 eeq) /* TDX level */
{
	return (int)((eeq >> 32) & 7);
}
static inline int tdx_eeq_err_level(u64 eeq)
{
	return (int)((eeq >> 35) & 7);
}
static inline int tdx_eeq_err_state(u64 eeq)
{
	return (int)((eeq >> 38) & 0xff);
}
static inline bool tdx_eeq_err_is_leaf(u64 eeq)
{
	return (eeq >> 46) & 1;
}

/*
 * TDG.MEM.PAGE.ACCEPT by the guest on @vcpu (which must be inside the TD
 * for the TLB model; the model does not insist).  rcx = gpa | level.
 * Returns the TDCALL status, or sets *exited and fills @exit when the
 * call ends in an EPT-violation TD exit (the TDCALL is then re-executed
 * by the guest after re-entry; the return value is TDX_SUCCESS and
 * meaningless).  A 2M accept completes in one call in this model.
 */
u64 tdxmod_tdg_mem_page_accept(struct tdxmod_td *td, int vcpu, u64 rcx, bool *exited,
			       struct tdx_ept_exit *exit);

/* A guest load/store to a private GPA through the S-EPT. */
enum tdxmod_access {
	TDX_ACCESS_OK, /* translated; the vCPU's TLB caches it */
	TDX_ACCESS_VE, /* PENDING page: #VE injected */
	TDX_ACCESS_EPT_VIOLATION, /* TD exit to the host; @exit filled */
};
enum tdxmod_access tdxmod_guest_access(struct tdxmod_td *td, int vcpu, gpa_t gpa, bool write,
				       struct tdx_ept_exit *exit);

/* ------------------------------------------------------------------ */
/* Inspection (read-only; for the checker, scenarios and reports)      */
/* ------------------------------------------------------------------ */

struct tdxmod_sept_entry_info {
	enum tdx_sept_state state;
	bool leaf;
	hpa_t pa; /* leaf: page; non-leaf: child S-EPT page */
	bool locked; /* entry lock (TDEL) held */
	bool host_priority; /* TDHP */
	u32 accept_counter; /* 2M PENDING partial accept */
};

/*
 * The entry at @tdx_level covering @gpa, following every non-leaf entry
 * (NL_MAPPED or NL_BLOCKED) down.  0: found (a FREE entry above the level
 * counts as FREE at the level); -ENOENT: the path ends at a leaf above
 * @tdx_level; -EINVAL: bad level/gpa.
 */
int tdxmod_sept_lookup(struct tdxmod_td *td, gpa_t gpa, int tdx_level,
		       struct tdxmod_sept_entry_info *info);

/* Pre-order visit of every non-FREE entry. Stop early by returning non-zero. */
typedef int (*tdxmod_sept_visit_fn)(void *arg, gpa_t gpa, int tdx_level,
				    const struct tdxmod_sept_entry_info *info);
int tdxmod_sept_for_each(struct tdxmod_td *td, tdxmod_sept_visit_fn fn, void *arg);

struct tdxmod_pamt_info {
	int tdx_level; /* level of the leaf PAMT entry (largest non-NDA) */
	enum tdx_pamt_pt pt;
	u64 owner; /* TDR PA >> 12 */
	u64 bepoch;
	bool locked;
	/* DPAMT: for the 2M region of hpa */
	bool dpamt_pair; /* PT_PAMT node present */
	u32 dpamt_page_count;
};
int tdxmod_pamt_lookup(struct tdxmod *mod, hpa_t hpa, struct tdxmod_pamt_info *info);
/* DPAMT bitmap: is @hpa in use as a PAMT page? */
bool tdxmod_is_pamt_page(struct tdxmod *mod, hpa_t hpa);

enum tdx_td_op_state tdxmod_op_state(struct tdxmod_td *td);
u64 tdxmod_td_epoch(struct tdxmod_td *td);
u64 tdxmod_td_tdr_owner(struct tdxmod_td *td);
u64 tdxmod_chldcnt(struct tdxmod_td *td);
u64 tdxmod_leaf_calls(struct tdxmod_td *td, enum tdxmod_leaf leaf);
struct tdxmod *tdxmod_td_module(struct tdxmod_td *td);

/* The per-vCPU TLB model: cached private translations. */
typedef int (*tdxmod_tlb_visit_fn)(void *arg, int vcpu, gpa_t gpa, hpa_t hpa, int tdx_level);
int tdxmod_tlb_for_each(struct tdxmod_td *td, int vcpu, tdxmod_tlb_visit_fn fn, void *arg);
/*
 * The epoch of @vcpu's last TDH.VP.ENTER: its cached translations survive
 * the next entry (are still reachable) while this equals tdxmod_td_epoch().
 */
u64 tdxmod_vcpu_tlb_epoch(struct tdxmod_td *td, int vcpu);

/*
 * Module-level invariants: PAMT agrees with the S-EPT (type, owner, level;
 * S-EPT pages PT_EPT), chldcnt, no lock held, no HPA mapped twice, DPAMT
 * page counts.  Each violation is reported through @report; returns the
 * number of violations.
 */
typedef void (*tdxmod_report_fn)(void *arg, const char *msg);
int tdxmod_check(struct tdxmod_td *td, tdxmod_report_fn report, void *arg);

#endif /* TDPMMU_TDXMOD_H */
