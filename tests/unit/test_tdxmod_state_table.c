// SPDX-License-Identifier: GPL-2.0-only
/*
 * The S-EPT state table (tdxmod/sept_state_table.c) against the spec and
 * against the leaves.
 *
 * The leaves read the table, so comparing the two alone would prove little:
 * a changed cell changes the leaf with it.  So the test holds its own
 * statement of the rules, @spec below, written from the TDX module (its
 * per-leaf allowed-state lookup, restricted to the model's states, and the
 * statuses its leaves return), and checks three things:
 *  - the table says what @spec says, cell by cell (a changed or missing
 *    row fails here);
 *  - every leaf, run on a TD built with an entry in each state, does what
 *    @spec says: status class and operand, the state left behind, DEMOTE's
 *    children (a leaf whose code bypasses or contradicts the table fails
 *    here);
 *  - each cell, changed in every way, and each row, emptied, no longer
 *    matches what the leaf did: every cell is really exercised.
 *
 * The TD stays INITIALIZED, so the blocked-and-tracked gate (op state and
 * BEPOCH, not in the table) stays out of the way; the gate has its own
 * tests (test_tdxmod_remove, test_tdxmod_demote).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "test_tdxmod_harness.h"
#include "tdxmod_internal.h"

#define G 0x40000000ULL /* 1G aligned: room for entries at every level */

struct outcome {
	bool observed; /* false: no TD can show this cell (see unobservable()) */
	int verdict;
	u64 status; /* SEPT_FAIL: the status without its operand */
	int next; /* SEPT_ALLOW: the entry's state after the leaf */
	int child; /* DEMOTE: child 0's state after */
};

static struct outcome seen[NR_SEPT_OPS][NR_SEPT_STATES];

/* clang-format off */
#define OK(n)		{true, SEPT_ALLOW, 0, TDX_SEPT_##n, 0}
#define SPLIT(c)	{true, SEPT_ALLOW, 0, TDX_SEPT_NL_MAPPED, TDX_SEPT_##c}
#define NO(st)		{true, SEPT_FAIL, TDX_##st, 0, 0}
#define BAD		NO(EPT_ENTRY_STATE_INCORRECT)
#define VIOLATION	{true, SEPT_EXIT, 0, 0, 0}
/* clang-format on */

/*
 * The rules as the module has them.  Columns: FREE, BLOCKED, PENDING,
 * PENDING_BLOCKED, MAPPED, NL_BLOCKED, NL_MAPPED.  Allowed states per leaf
 * (module 1.5 seamcall_sept_state_lookup): PAGE.ADD FREE; SEPT.ADD FREE,
 * NL_MAPPED; AUG FREE; BLOCK NL_MAPPED, MAPPED, PENDING; UNBLOCK the three
 * blocked; DEMOTE the four leaves; PROMOTE and SEPT.REMOVE the two
 * non-leaves; REMOVE the four leaves; ACCEPT PENDING.
 */
static const struct outcome spec[NR_SEPT_OPS][NR_SEPT_STATES] = {
	[SEPT_OP_PAGE_ADD] = {OK(MAPPED), BAD, BAD, BAD, BAD, BAD, BAD},
	[SEPT_OP_SEPT_ADD] = {OK(NL_MAPPED), BAD, BAD, BAD, BAD, BAD, OK(NL_MAPPED)},
	[SEPT_OP_PAGE_AUG] = {OK(PENDING), BAD, BAD, BAD, BAD, BAD, BAD},
	[SEPT_OP_RANGE_BLOCK] = {BAD, NO(GPA_RANGE_ALREADY_BLOCKED), OK(PENDING_BLOCKED),
				 NO(GPA_RANGE_ALREADY_BLOCKED), OK(BLOCKED),
				 NO(GPA_RANGE_ALREADY_BLOCKED), OK(NL_BLOCKED)},
	[SEPT_OP_RANGE_UNBLOCK] = {BAD, OK(MAPPED), BAD, OK(PENDING), BAD, OK(NL_MAPPED), BAD},
	[SEPT_OP_PAGE_DEMOTE] = {BAD, SPLIT(MAPPED), SPLIT(PENDING), SPLIT(PENDING), SPLIT(MAPPED),
				 BAD, BAD},
	/* The children the test builds for PROMOTE are MAPPED. */
	[SEPT_OP_PAGE_PROMOTE] = {BAD, BAD, BAD, BAD, BAD, OK(MAPPED), OK(MAPPED)},
	[SEPT_OP_PROMOTE_CHILD] = {NO(EPT_INVALID_PROMOTE_CONDITIONS),
				   NO(EPT_INVALID_PROMOTE_CONDITIONS), OK(PENDING),
				   NO(EPT_INVALID_PROMOTE_CONDITIONS), OK(MAPPED),
				   NO(EPT_INVALID_PROMOTE_CONDITIONS),
				   NO(EPT_INVALID_PROMOTE_CONDITIONS)},
	[SEPT_OP_PAGE_REMOVE] = {BAD, OK(FREE), OK(FREE), OK(FREE), OK(FREE), BAD, BAD},
	[SEPT_OP_SEPT_REMOVE] = {BAD, BAD, BAD, BAD, BAD, OK(FREE), OK(FREE)},
	[SEPT_OP_SEPT_REMOVE_CHILD] = {OK(FREE), NO(EPT_PAGE_NOT_FREE), NO(EPT_PAGE_NOT_FREE),
				       NO(EPT_PAGE_NOT_FREE), NO(EPT_PAGE_NOT_FREE),
				       NO(EPT_PAGE_NOT_FREE), NO(EPT_PAGE_NOT_FREE)},
	[SEPT_OP_ACCEPT] = {VIOLATION, VIOLATION, OK(MAPPED), VIOLATION, NO(PAGE_ALREADY_ACCEPTED),
			    NO(PAGE_SIZE_MISMATCH), NO(PAGE_SIZE_MISMATCH)},
	[SEPT_OP_ACCEPT_ABOVE] = {VIOLATION, VIOLATION, VIOLATION, VIOLATION,
				  NO(PAGE_ALREADY_ACCEPTED), VIOLATION, VIOLATION},
};

static bool is_nl(enum tdx_sept_state s)
{
	return s == TDX_SEPT_NL_MAPPED || s == TDX_SEPT_NL_BLOCKED;
}

static bool is_blocked(enum tdx_sept_state s)
{
	return s == TDX_SEPT_BLOCKED || s == TDX_SEPT_PENDING_BLOCKED || s == TDX_SEPT_NL_BLOCKED;
}

/*
 * The entry at @level for @gpa in state @s, through the leaves themselves.
 * A non-leaf is made by SEPT.ADD (512 FREE children) or, if @populated, by
 * demoting a MAPPED leaf (512 uniform MAPPED children).  @nl_page: the
 * S-EPT page for SEPT.ADD (0: any).
 */
static void make_state(struct h *h, gpa_t gpa, int level, enum tdx_sept_state s, bool populated,
		       hpa_t nl_page)
{
	struct tdx_ept_exit x;
	bool ex;

	h_tables(h, gpa, level);
	if (is_nl(s) && !populated) {
		assert_int_equal(
			h_call(h, TDH_MEM_SEPT_ADD, gpa, level, nl_page ? nl_page : h_alloc(h, 0)),
			TDX_SUCCESS);
	} else if (s != TDX_SEPT_FREE) {
		bool pending = s == TDX_SEPT_PENDING || s == TDX_SEPT_PENDING_BLOCKED;

		assert_int_equal(h_aug(h, gpa, level), TDX_SUCCESS);
		if (!pending) {
			assert_int_equal(h_accept(h, gpa, level, &ex, &x), TDX_SUCCESS);
			assert_false(ex);
		}
		if (is_nl(s))
			assert_int_equal(h_call(h, TDH_MEM_PAGE_DEMOTE, gpa, level, h_alloc(h, 0)),
					 TDX_SUCCESS);
	}
	if (is_blocked(s))
		assert_int_equal(h_plain(h, TDH_MEM_RANGE_BLOCK, gpa, level), TDX_SUCCESS);
	assert_int_equal(h_state(h, gpa, level), s);
}

/* Cells no TD can show, and why.  Everything else must be observed. */
static bool unobservable(enum sept_op op, enum tdx_sept_state s)
{
	/* PAGE.ADD works at 4K only, and a 4K entry is never a non-leaf. */
	if (op == SEPT_OP_PAGE_ADD && is_nl(s))
		return true;
	/* The walk goes through an NL_MAPPED entry: it never stops there. */
	if (op == SEPT_OP_ACCEPT_ABOVE && s == TDX_SEPT_NL_MAPPED)
		return true;
	return false;
}

static void record(struct outcome *o, u64 err, u64 want_operand, int before, int after)
{
	o->observed = true;
	if (err == TDX_SUCCESS) {
		o->verdict = SEPT_ALLOW;
		o->next = after;
		return;
	}
	o->verdict = SEPT_FAIL;
	o->status = err & TDX_STATUS_MASK;
	/* The operand is the leaf's, not the table's: RCX, or ACCEPT's level. */
	assert_int_equal(err & TDX_OPERAND_MASK, want_operand);
	/* A failure leaves the entry as it was. */
	assert_int_equal(after, before);
}

static void observe(enum sept_op op, enum tdx_sept_state s, struct outcome *o)
{
	struct h *h = h_create();
	struct tdx_ept_exit x;
	bool ex = false;
	int level = 1; /* 2M: every host leaf but PAGE.ADD works there */
	u64 err;

	memset(o, 0, sizeof(*o));
	switch (op) {
	case SEPT_OP_PAGE_ADD:
		make_state(h, G, 0, s, false, 0);
		level = 0;
		err = h_call(h, TDH_MEM_PAGE_ADD, G, 0, h_alloc(h, 0));
		break;
	case SEPT_OP_SEPT_ADD:
		make_state(h, G, 1, s, false, 0);
		/* allow_existing: the table's NL_MAPPED cell is for that flag. */
		h->a = (struct tdx_module_args){.rcx = G | 1, .rdx = 1, .r8 = h_alloc(h, 0)};
		err = tdxmod_seamcall(h->td, TDH_MEM_SEPT_ADD, &h->a);
		break;
	case SEPT_OP_PAGE_AUG:
		make_state(h, G, 1, s, false, 0);
		err = h_aug(h, G, 1);
		break;
	case SEPT_OP_RANGE_BLOCK:
	case SEPT_OP_RANGE_UNBLOCK:
	case SEPT_OP_PAGE_REMOVE:
	case SEPT_OP_SEPT_REMOVE:
	case SEPT_OP_PAGE_PROMOTE: {
		static const enum tdxmod_leaf leaf[NR_SEPT_OPS] = {
			[SEPT_OP_RANGE_BLOCK] = TDH_MEM_RANGE_BLOCK,
			[SEPT_OP_RANGE_UNBLOCK] = TDH_MEM_RANGE_UNBLOCK,
			[SEPT_OP_PAGE_REMOVE] = TDH_MEM_PAGE_REMOVE,
			[SEPT_OP_SEPT_REMOVE] = TDH_MEM_SEPT_REMOVE,
			[SEPT_OP_PAGE_PROMOTE] = TDH_MEM_PAGE_PROMOTE,
		};

		/* PROMOTE needs children it could merge; SEPT.REMOVE, FREE ones. */
		make_state(h, G, 1, s, op == SEPT_OP_PAGE_PROMOTE, 0);
		err = h_plain(h, leaf[op], G, 1);
		break;
	}
	case SEPT_OP_PAGE_DEMOTE:
		make_state(h, G, 1, s, false, 0);
		err = h_call(h, TDH_MEM_PAGE_DEMOTE, G, 1, h_alloc(h, 0));
		if (!err)
			o->child = h_state(h, G, 0);
		break;
	case SEPT_OP_PROMOTE_CHILD:
		if (is_nl(s)) {
			/*
			 * A non-leaf child needs a 1G promote.  Its S-EPT page is
			 * 1G aligned so that the alignment check, which comes
			 * first, passes and the state check decides.
			 */
			make_state(h, G, 2, TDX_SEPT_NL_MAPPED, false, 0);
			make_state(h, G, 1, s, false, h_alloc(h, 2));
			level = 2;
			err = h_plain(h, TDH_MEM_PAGE_PROMOTE, G, 2);
			break;
		}
		/* 512 uniform 4K children from a demoted 2M leaf; child 0 then in @s. */
		make_state(h, G, 1, TDX_SEPT_NL_MAPPED, true, 0);
		if (s == TDX_SEPT_PENDING || s == TDX_SEPT_PENDING_BLOCKED) {
			/* Redo it from a PENDING 2M leaf. */
			h_destroy(h);
			h = h_create();
			make_state(h, G, 1, TDX_SEPT_PENDING, false, 0);
			assert_int_equal(h_call(h, TDH_MEM_PAGE_DEMOTE, G, 1, h_alloc(h, 0)),
					 TDX_SUCCESS);
		}
		if (s == TDX_SEPT_FREE)
			assert_int_equal(h_plain(h, TDH_MEM_PAGE_REMOVE, G, 0), TDX_SUCCESS);
		if (is_blocked(s))
			assert_int_equal(h_plain(h, TDH_MEM_RANGE_BLOCK, G, 0), TDX_SUCCESS);
		assert_int_equal(h_state(h, G, 0), s);
		err = h_plain(h, TDH_MEM_PAGE_PROMOTE, G, 1);
		break;
	case SEPT_OP_SEPT_REMOVE_CHILD:
		/* A 1G non-leaf whose first 2M child is in @s (any state exists at 2M). */
		make_state(h, G, 2, TDX_SEPT_NL_MAPPED, false, 0);
		make_state(h, G, 1, s, false, 0);
		level = 2;
		err = h_plain(h, TDH_MEM_SEPT_REMOVE, G, 2);
		break;
	case SEPT_OP_ACCEPT:
		make_state(h, G, 1, s, false, 0);
		err = h_accept(h, G, 1, &ex, &x);
		break;
	case SEPT_OP_ACCEPT_ABOVE:
		/* The 2M entry in @s, the guest accepts 4K inside it. */
		make_state(h, G, 1, s, false, 0);
		err = h_accept(h, G + PAGE_SIZE, 0, &ex, &x);
		break;
	default:
		fail();
		return;
	}
	if (ex) {
		o->observed = true;
		o->verdict = SEPT_EXIT;
	} else {
		bool guest = op == SEPT_OP_ACCEPT || op == SEPT_OP_ACCEPT_ABOVE;
		bool child = op == SEPT_OP_PROMOTE_CHILD || op == SEPT_OP_SEPT_REMOVE_CHILD;
		/* ACCEPT's status carries the level reached (2M), a host leaf's RCX. */
		u64 operand = guest ? 1 : TDX_OPERAND_ID_RCX;
		/* A child row is about its parent's fate: the entry at @level. */
		int before = child ? (int)TDX_SEPT_NL_MAPPED : (int)s;

		record(o, err, operand, before, h_state(h, G, level));
	}
	assert_int_equal(h_check(h), 0);
	h_destroy(h);
}

/* Does the table's cell @r say what the leaf did (@o)? */
static bool cell_matches(enum sept_op op, const struct sept_rule *r, const struct outcome *o)
{
	int next;

	if (r->verdict != o->verdict)
		return false;
	if (r->verdict == SEPT_FAIL)
		return r->status == o->status;
	if (r->verdict != SEPT_ALLOW)
		return true;
	next = r->next;
	if (next == SEPT_NEXT_FROM_CHILD) /* the children were MAPPED */
		next = sept_rules[SEPT_OP_PROMOTE_CHILD][SEPT_IDX_MAPPED].next;
	if (next != o->next)
		return false;
	return op != SEPT_OP_PAGE_DEMOTE || r->child == o->child;
}

static bool outcomes_equal(const struct outcome *a, const struct outcome *b)
{
	if (a->verdict != b->verdict)
		return false;
	if (a->verdict == SEPT_FAIL)
		return a->status == b->status;
	if (a->verdict == SEPT_ALLOW)
		return a->next == b->next && a->child == b->child;
	return true;
}

/* The table says what the module says, every cell (observable or not). */
static void test_table_matches_spec(void **state)
{
	(void)state;
	for (int op = 0; op < NR_SEPT_OPS; op++) {
		for (int i = 0; i < NR_SEPT_STATES; i++) {
			const struct sept_rule *r = &sept_rules[op][i];

			assert_int_not_equal(r->verdict, SEPT_VERDICT_MISSING);
			if (r->verdict == SEPT_FAIL)
				assert_int_not_equal(r->status, TDX_SUCCESS);
			if (!cell_matches(op, r, &spec[op][i]))
				fail_msg("%s on %s: the table and the module disagree",
					 sept_op_name(op), sept_state_flags[i].name);
		}
	}
}

/* Each leaf, on a TD with the entry in each state, does what the module does. */
static void test_leaves_match_spec(void **state)
{
	(void)state;
	for (int op = 0; op < NR_SEPT_OPS; op++) {
		for (int i = 0; i < NR_SEPT_STATES; i++) {
			enum tdx_sept_state s = sept_state_flags[i].state;

			if (unobservable(op, s)) {
				/* Such a cell can only refuse. */
				assert_int_not_equal(spec[op][i].verdict, SEPT_ALLOW);
				continue;
			}
			observe(op, s, &seen[op][i]);
			if (!outcomes_equal(&seen[op][i], &spec[op][i]))
				fail_msg("%s on %s: the leaf and the module disagree",
					 sept_op_name(op), sept_state_flags[i].name);
			/* Hence also the leaf and the table. */
			assert_true(cell_matches(op, &sept_rules[op][i], &seen[op][i]));
		}
	}
}

/*
 * Every cell changed, and every row emptied, no longer matches what the
 * leaf did (so, by the test above, no longer matches the spec either).
 */
static void test_changed_table_is_caught(void **state)
{
	(void)state;
	if (!seen[0][0].observed)
		skip();
	for (int op = 0; op < NR_SEPT_OPS; op++) {
		int nr_observed = 0;

		for (int i = 0; i < NR_SEPT_STATES; i++) {
			const struct sept_rule *r = &sept_rules[op][i];
			const struct outcome *o = &seen[op][i];
			struct sept_rule m;

			if (!o->observed)
				continue;
			nr_observed++;
			/* A missing row: zero cells. */
			m = (struct sept_rule){0};
			assert_false(cell_matches(op, &m, o));
			/* Allowed <-> refused. */
			m = *r;
			m.verdict = r->verdict == SEPT_ALLOW ? SEPT_FAIL : SEPT_ALLOW;
			m.status = TDX_EPT_ENTRY_STATE_INCORRECT;
			m.next = sept_state_flags[i].state;
			assert_false(cell_matches(op, &m, o));
			/* Another status, another next state, another child state. */
			m = *r;
			if (r->verdict == SEPT_FAIL) {
				m.status = r->status == TDX_EPT_ENTRY_STATE_INCORRECT
						   ? TDX_GPA_RANGE_NOT_BLOCKED
						   : TDX_EPT_ENTRY_STATE_INCORRECT;
				assert_false(cell_matches(op, &m, o));
			} else if (r->verdict == SEPT_ALLOW) {
				m.next = r->next == TDX_SEPT_FREE ? TDX_SEPT_MAPPED : TDX_SEPT_FREE;
				assert_false(cell_matches(op, &m, o));
				if (op == SEPT_OP_PAGE_DEMOTE) {
					m = *r;
					m.child = r->child == TDX_SEPT_MAPPED ? TDX_SEPT_PENDING
									      : TDX_SEPT_MAPPED;
					assert_false(cell_matches(op, &m, o));
				}
			} else {
				m.verdict = SEPT_FAIL;
				m.status = TDX_PAGE_ALREADY_ACCEPTED;
				assert_false(cell_matches(op, &m, o));
			}
		}
		/* Each row is checked by at least most of its cells. */
		assert_true(nr_observed >= NR_SEPT_STATES - 3);
	}
}

/* The state flags the code reads beside the table (the gate, the walk, the names). */
static void test_state_flags(void **state)
{
	(void)state;
	for (int i = 0; i < NR_SEPT_STATES; i++) {
		const struct sept_state_flags *f = &sept_state_flags[i];

		assert_int_equal(sept_state_index(f->state), i);
		assert_string_equal(tdxmod_sept_state_name(f->state), f->name);
		assert_int_equal(tdxmod_sept_state_from_name(f->name), (int)f->state);
		/* What BLOCK leaves behind is blocked; what UNBLOCK leaves is not. */
		if (sept_rules[SEPT_OP_RANGE_BLOCK][i].verdict == SEPT_ALLOW)
			assert_true(
				sept_state_any_blocked(sept_rules[SEPT_OP_RANGE_BLOCK][i].next));
		if (sept_rules[SEPT_OP_RANGE_UNBLOCK][i].verdict == SEPT_ALLOW)
			assert_false(
				sept_state_any_blocked(sept_rules[SEPT_OP_RANGE_UNBLOCK][i].next));
		/* BLOCK refuses exactly the blocked states with ALREADY_BLOCKED. */
		assert_int_equal(sept_rules[SEPT_OP_RANGE_BLOCK][i].status ==
					 TDX_GPA_RANGE_ALREADY_BLOCKED,
				 f->any_blocked);
		assert_int_equal(septe_leaf(septe_make(f->state, 0)), f->leaf);
	}
	assert_null(tdxmod_sept_state_name((enum tdx_sept_state)0x42));
	assert_int_equal(tdxmod_sept_state_from_name("NOPE"), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table_matches_spec),
		cmocka_unit_test(test_leaves_match_spec),
		cmocka_unit_test(test_changed_table_is_caught),
		cmocka_unit_test(test_state_flags),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
