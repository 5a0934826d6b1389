// SPDX-License-Identifier: GPL-2.0-only
/*
 * The S-EPT entry state rules as data, the way the TDX module keeps them:
 * per state, its flags (leaf, present for the walk, any_blocked,
 * tlb_tracking_required); per leaf and state, whether the leaf may operate
 * on the entry, the state it leaves behind, or the status it fails with.
 *
 * Only the state part lives here.  What also depends on the level, the TD's
 * op state, the BEPOCH, a flag in RDX or the children of a non-leaf entry is
 * checked by the leaf's code, which says so where it consults the table.
 */
#include "tdxmod_internal.h"

/*
 * enum tdx_sept_state (the public state number) -> 1 + row of the tables
 * below; 0 for a number that is no state.
 */
const u8 sept_state_idx1[256] = {
	[TDX_SEPT_FREE] = 1 + SEPT_IDX_FREE,
	[TDX_SEPT_BLOCKED] = 1 + SEPT_IDX_BLOCKED,
	[TDX_SEPT_PENDING] = 1 + SEPT_IDX_PENDING,
	[TDX_SEPT_PENDING_BLOCKED] = 1 + SEPT_IDX_PENDING_BLOCKED,
	[TDX_SEPT_MAPPED] = 1 + SEPT_IDX_MAPPED,
	[TDX_SEPT_NL_BLOCKED] = 1 + SEPT_IDX_NL_BLOCKED,
	[TDX_SEPT_NL_MAPPED] = 1 + SEPT_IDX_NL_MAPPED,
};

/* Present = RWX != 0: the walk descends through it (NL_MAPPED) or translates (MAPPED). */
const struct sept_state_flags sept_state_flags[NR_SEPT_STATES] = {
	[SEPT_IDX_FREE] = {TDX_SEPT_FREE, "FREE", .leaf = false, .present = false,
			   .any_blocked = false, .tlb_tracking_required = false},
	[SEPT_IDX_BLOCKED] = {TDX_SEPT_BLOCKED, "BLOCKED", .leaf = true, .present = false,
			      .any_blocked = true, .tlb_tracking_required = true},
	[SEPT_IDX_PENDING] = {TDX_SEPT_PENDING, "PENDING", .leaf = true, .present = false,
			      .any_blocked = false, .tlb_tracking_required = true},
	[SEPT_IDX_PENDING_BLOCKED] = {TDX_SEPT_PENDING_BLOCKED, "PENDING_BLOCKED", .leaf = true,
				      .present = false, .any_blocked = true,
				      .tlb_tracking_required = true},
	[SEPT_IDX_MAPPED] = {TDX_SEPT_MAPPED, "MAPPED", .leaf = true, .present = true,
			     .any_blocked = false, .tlb_tracking_required = true},
	[SEPT_IDX_NL_BLOCKED] = {TDX_SEPT_NL_BLOCKED, "NL_BLOCKED", .leaf = false, .present = false,
				 .any_blocked = true, .tlb_tracking_required = true},
	[SEPT_IDX_NL_MAPPED] = {TDX_SEPT_NL_MAPPED, "NL_MAPPED", .leaf = false, .present = true,
				.any_blocked = false, .tlb_tracking_required = true},
};

/* clang-format off */
#define ALLOW(n)		{.verdict = SEPT_ALLOW, .next = (n)}
#define ALLOW_SPLIT(n, c)	{.verdict = SEPT_ALLOW, .next = (n), .child = (c)}
#define FAIL(st)		{.verdict = SEPT_FAIL, .status = (st)}
#define EXIT			{.verdict = SEPT_EXIT}
#define INCORRECT		FAIL(TDX_EPT_ENTRY_STATE_INCORRECT)

/*
 * One row per check, one column per state, every cell written out: a
 * missing cell (verdict 0) trips an assertion rather than pass as allowed.
 * Statuses carry no operand id: the leaf adds it (RCX for the host leaves,
 * the level for ACCEPT).  Failures leave the entry as it was.
 */
const struct sept_rule sept_rules[NR_SEPT_OPS][NR_SEPT_STATES] = {
	/* Build time, 4K only, TD INITIALIZED only (code). */
	[SEPT_OP_PAGE_ADD] = {
		[SEPT_IDX_FREE] = ALLOW(TDX_SEPT_MAPPED),
		[SEPT_IDX_BLOCKED] = INCORRECT,
		[SEPT_IDX_PENDING] = INCORRECT,
		[SEPT_IDX_PENDING_BLOCKED] = INCORRECT,
		[SEPT_IDX_MAPPED] = INCORRECT,
		[SEPT_IDX_NL_BLOCKED] = INCORRECT,
		[SEPT_IDX_NL_MAPPED] = INCORRECT,
	},
	/* NL_MAPPED: only with RDX.allow_existing (code), unchanged, R8 not consumed. */
	[SEPT_OP_SEPT_ADD] = {
		[SEPT_IDX_FREE] = ALLOW(TDX_SEPT_NL_MAPPED),
		[SEPT_IDX_BLOCKED] = INCORRECT,
		[SEPT_IDX_PENDING] = INCORRECT,
		[SEPT_IDX_PENDING_BLOCKED] = INCORRECT,
		[SEPT_IDX_MAPPED] = INCORRECT,
		[SEPT_IDX_NL_BLOCKED] = INCORRECT,
		[SEPT_IDX_NL_MAPPED] = ALLOW(TDX_SEPT_NL_MAPPED),
	},
	[SEPT_OP_PAGE_AUG] = {
		[SEPT_IDX_FREE] = ALLOW(TDX_SEPT_PENDING),
		[SEPT_IDX_BLOCKED] = INCORRECT,
		[SEPT_IDX_PENDING] = INCORRECT,
		[SEPT_IDX_PENDING_BLOCKED] = INCORRECT,
		[SEPT_IDX_MAPPED] = INCORRECT,
		[SEPT_IDX_NL_BLOCKED] = INCORRECT,
		[SEPT_IDX_NL_MAPPED] = INCORRECT,
	},
	/* Blocking an already blocked entry is a warning (bit 63 clear). */
	[SEPT_OP_RANGE_BLOCK] = {
		[SEPT_IDX_FREE] = INCORRECT,
		[SEPT_IDX_BLOCKED] = FAIL(TDX_GPA_RANGE_ALREADY_BLOCKED),
		[SEPT_IDX_PENDING] = ALLOW(TDX_SEPT_PENDING_BLOCKED),
		[SEPT_IDX_PENDING_BLOCKED] = FAIL(TDX_GPA_RANGE_ALREADY_BLOCKED),
		[SEPT_IDX_MAPPED] = ALLOW(TDX_SEPT_BLOCKED),
		[SEPT_IDX_NL_BLOCKED] = FAIL(TDX_GPA_RANGE_ALREADY_BLOCKED),
		[SEPT_IDX_NL_MAPPED] = ALLOW(TDX_SEPT_NL_BLOCKED),
	},
	/* Then, when the op state requires it, the BEPOCH must be tracked (code). */
	[SEPT_OP_RANGE_UNBLOCK] = {
		[SEPT_IDX_FREE] = INCORRECT,
		[SEPT_IDX_BLOCKED] = ALLOW(TDX_SEPT_MAPPED),
		[SEPT_IDX_PENDING] = INCORRECT,
		[SEPT_IDX_PENDING_BLOCKED] = ALLOW(TDX_SEPT_PENDING),
		[SEPT_IDX_MAPPED] = INCORRECT,
		[SEPT_IDX_NL_BLOCKED] = ALLOW(TDX_SEPT_NL_MAPPED),
		[SEPT_IDX_NL_MAPPED] = INCORRECT,
	},
	/*
	 * 2M/1G leaves only (code: the level range); the entry becomes a
	 * non-leaf over 512 unblocked children (.child).  Then the blocked and
	 * tracked gate (code: needs the op state and the BEPOCH).
	 */
	[SEPT_OP_PAGE_DEMOTE] = {
		[SEPT_IDX_FREE] = INCORRECT,
		[SEPT_IDX_BLOCKED] = ALLOW_SPLIT(TDX_SEPT_NL_MAPPED, TDX_SEPT_MAPPED),
		[SEPT_IDX_PENDING] = ALLOW_SPLIT(TDX_SEPT_NL_MAPPED, TDX_SEPT_PENDING),
		[SEPT_IDX_PENDING_BLOCKED] = ALLOW_SPLIT(TDX_SEPT_NL_MAPPED, TDX_SEPT_PENDING),
		[SEPT_IDX_MAPPED] = ALLOW_SPLIT(TDX_SEPT_NL_MAPPED, TDX_SEPT_MAPPED),
		[SEPT_IDX_NL_BLOCKED] = INCORRECT,
		[SEPT_IDX_NL_MAPPED] = INCORRECT,
	},
	/*
	 * The non-leaf entry; the merged leaf takes its state from the children
	 * (SEPT_OP_PROMOTE_CHILD).  Then the blocked and tracked gate (code).
	 */
	[SEPT_OP_PAGE_PROMOTE] = {
		[SEPT_IDX_FREE] = INCORRECT,
		[SEPT_IDX_BLOCKED] = INCORRECT,
		[SEPT_IDX_PENDING] = INCORRECT,
		[SEPT_IDX_PENDING_BLOCKED] = INCORRECT,
		[SEPT_IDX_MAPPED] = INCORRECT,
		[SEPT_IDX_NL_BLOCKED] = ALLOW(SEPT_NEXT_FROM_CHILD),
		[SEPT_IDX_NL_MAPPED] = ALLOW(SEPT_NEXT_FROM_CHILD),
	},
	/*
	 * Each of the 512 children of a PROMOTE.  The code checks child 0's PA
	 * alignment first, then its state here; every other child must equal
	 * child 0 with the PA stepped (code).
	 */
	[SEPT_OP_PROMOTE_CHILD] = {
		[SEPT_IDX_FREE] = FAIL(TDX_EPT_INVALID_PROMOTE_CONDITIONS),
		[SEPT_IDX_BLOCKED] = FAIL(TDX_EPT_INVALID_PROMOTE_CONDITIONS),
		[SEPT_IDX_PENDING] = ALLOW(TDX_SEPT_PENDING),
		[SEPT_IDX_PENDING_BLOCKED] = FAIL(TDX_EPT_INVALID_PROMOTE_CONDITIONS),
		[SEPT_IDX_MAPPED] = ALLOW(TDX_SEPT_MAPPED),
		[SEPT_IDX_NL_BLOCKED] = FAIL(TDX_EPT_INVALID_PROMOTE_CONDITIONS),
		[SEPT_IDX_NL_MAPPED] = FAIL(TDX_EPT_INVALID_PROMOTE_CONDITIONS),
	},
	/* Any leaf; then the blocked and tracked gate (code). */
	[SEPT_OP_PAGE_REMOVE] = {
		[SEPT_IDX_FREE] = INCORRECT,
		[SEPT_IDX_BLOCKED] = ALLOW(TDX_SEPT_FREE),
		[SEPT_IDX_PENDING] = ALLOW(TDX_SEPT_FREE),
		[SEPT_IDX_PENDING_BLOCKED] = ALLOW(TDX_SEPT_FREE),
		[SEPT_IDX_MAPPED] = ALLOW(TDX_SEPT_FREE),
		[SEPT_IDX_NL_BLOCKED] = INCORRECT,
		[SEPT_IDX_NL_MAPPED] = INCORRECT,
	},
	/* Any non-leaf; then the blocked and tracked gate (code). */
	[SEPT_OP_SEPT_REMOVE] = {
		[SEPT_IDX_FREE] = INCORRECT,
		[SEPT_IDX_BLOCKED] = INCORRECT,
		[SEPT_IDX_PENDING] = INCORRECT,
		[SEPT_IDX_PENDING_BLOCKED] = INCORRECT,
		[SEPT_IDX_MAPPED] = INCORRECT,
		[SEPT_IDX_NL_BLOCKED] = ALLOW(TDX_SEPT_FREE),
		[SEPT_IDX_NL_MAPPED] = ALLOW(TDX_SEPT_FREE),
	},
	/* Each of the 512 entries of the S-EPT page SEPT.REMOVE frees. */
	[SEPT_OP_SEPT_REMOVE_CHILD] = {
		[SEPT_IDX_FREE] = ALLOW(TDX_SEPT_FREE),
		[SEPT_IDX_BLOCKED] = FAIL(TDX_EPT_PAGE_NOT_FREE),
		[SEPT_IDX_PENDING] = FAIL(TDX_EPT_PAGE_NOT_FREE),
		[SEPT_IDX_PENDING_BLOCKED] = FAIL(TDX_EPT_PAGE_NOT_FREE),
		[SEPT_IDX_MAPPED] = FAIL(TDX_EPT_PAGE_NOT_FREE),
		[SEPT_IDX_NL_BLOCKED] = FAIL(TDX_EPT_PAGE_NOT_FREE),
		[SEPT_IDX_NL_MAPPED] = FAIL(TDX_EPT_PAGE_NOT_FREE),
	},
	/*
	 * The guest's ACCEPT, on the entry at the requested level.  EXIT: the
	 * TDCALL ends in an EPT-violation TD exit for the host to fix.
	 */
	[SEPT_OP_ACCEPT] = {
		[SEPT_IDX_FREE] = EXIT,
		[SEPT_IDX_BLOCKED] = EXIT,
		[SEPT_IDX_PENDING] = ALLOW(TDX_SEPT_MAPPED),
		[SEPT_IDX_PENDING_BLOCKED] = EXIT,
		[SEPT_IDX_MAPPED] = FAIL(TDX_PAGE_ALREADY_ACCEPTED),
		[SEPT_IDX_NL_BLOCKED] = FAIL(TDX_PAGE_SIZE_MISMATCH),
		[SEPT_IDX_NL_MAPPED] = FAIL(TDX_PAGE_SIZE_MISMATCH),
	},
	/*
	 * ACCEPT whose walk stopped above the requested level, on the entry it
	 * stopped at (never NL_MAPPED: the walk goes through it).  Nothing is
	 * ever allowed here: the guest accepts at most what is mapped.
	 */
	[SEPT_OP_ACCEPT_ABOVE] = {
		[SEPT_IDX_FREE] = EXIT,
		[SEPT_IDX_BLOCKED] = EXIT,
		[SEPT_IDX_PENDING] = EXIT,
		[SEPT_IDX_PENDING_BLOCKED] = EXIT,
		[SEPT_IDX_MAPPED] = FAIL(TDX_PAGE_ALREADY_ACCEPTED),
		[SEPT_IDX_NL_BLOCKED] = EXIT,
		[SEPT_IDX_NL_MAPPED] = EXIT,
	},
};
/* clang-format on */

static const char *const sept_op_names[NR_SEPT_OPS] = {
	[SEPT_OP_PAGE_ADD] = "TDH.MEM.PAGE.ADD",
	[SEPT_OP_SEPT_ADD] = "TDH.MEM.SEPT.ADD",
	[SEPT_OP_PAGE_AUG] = "TDH.MEM.PAGE.AUG",
	[SEPT_OP_RANGE_BLOCK] = "TDH.MEM.RANGE.BLOCK",
	[SEPT_OP_RANGE_UNBLOCK] = "TDH.MEM.RANGE.UNBLOCK",
	[SEPT_OP_PAGE_DEMOTE] = "TDH.MEM.PAGE.DEMOTE",
	[SEPT_OP_PAGE_PROMOTE] = "TDH.MEM.PAGE.PROMOTE",
	[SEPT_OP_PROMOTE_CHILD] = "TDH.MEM.PAGE.PROMOTE (child)",
	[SEPT_OP_PAGE_REMOVE] = "TDH.MEM.PAGE.REMOVE",
	[SEPT_OP_SEPT_REMOVE] = "TDH.MEM.SEPT.REMOVE",
	[SEPT_OP_SEPT_REMOVE_CHILD] = "TDH.MEM.SEPT.REMOVE (child)",
	[SEPT_OP_ACCEPT] = "TDG.MEM.PAGE.ACCEPT",
	[SEPT_OP_ACCEPT_ABOVE] = "TDG.MEM.PAGE.ACCEPT (above the level)",
};

const char *sept_op_name(enum sept_op op)
{
	return (unsigned int)op < NR_SEPT_OPS ? sept_op_names[op] : NULL;
}

u64 sept_rule_check(struct tdxmod_td *td, struct tdx_module_args *args, enum sept_op op,
		    const struct sept_walk *w, const struct sept_rule **rule)
{
	const struct sept_rule *r = sept_rule(op, septe_state(w->entry));

	*rule = r;
	if (r->verdict == SEPT_ALLOW)
		return TDX_SUCCESS;
	sept_set_details(td, args, w->entry, w->level);
	return r->status | TDX_OPERAND_ID_RCX;
}
