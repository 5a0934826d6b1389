// SPDX-License-Identifier: GPL-2.0-only
/*
 * Fault-injection sweep over every SEAMCALL call site of the TDX glue and
 * every status its leaf can return (the module model's tdxmod/ leaves and
 * the common walk/lock/PAMT/op-state checks).  Each row sets up a TD in
 * which the site runs at a known call number (after=K), injects the status
 * there, runs the operation and asserts the outcome:
 *
 *   RECOVERED: the operation's result is the defined one, the VM is not
 *              bugged, the full checker passes;
 *   BUGGED:    the VM is marked bugged and contained: later MMU ops fail
 *              with -EIO, the module-level invariants hold, teardown frees
 *              every frame (kvm_destroy_leaked_bytes() == 0).
 *
 * The expectation is derived from the UPSTREAM policy (tdx/tdx_error.c);
 * every row also runs under RECOVER, asserting only containment.  With
 * SWEEP_TABLE=FILE the test writes the site x status -> outcome table as
 * markdown (docs/FAULT-INJECTION.md is generated from it).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "checker.h"
#include "tdpmmu/vm.h"
#include "tdpmmu/vm_inspect.h"

#define M (1ULL << 20)
#define BUSY (TDX_OPERAND_BUSY | TDX_OPERAND_ID_RCX)
#define BUSY_SEPT (TDX_OPERAND_BUSY | TDX_OPERAND_ID_SEPT)

enum outcome { RECOVERED, BUGGED, TORN_DOWN };

/* The scenario that exercises a site: set-up, then the operation under test. */
enum action {
	ACT_FAULT, /* accept 4K at 0: SEPT.ADD x2, AUG */
	ACT_PAGE_ADD, /* before finalize: INIT_MEM_REGION of 4K at 0 */
	ACT_REMOVE, /* max_level 4K, page mapped: convert it to shared */
	ACT_FREE, /* teardown of a TD with a 4K page: the tables are freed */
	ACT_SPLIT, /* 2M mapped: split to 4K */
	ACT_FINALIZE, /* TDH.MR.FINALIZE */
	ACT_PAMT_ADD, /* DPAMT: accept 4K (pairs for S-EPT pages and the page) */
	ACT_PAMT_REMOVE, /* DPAMT: teardown drops the last reference of each region */
	ACT_PROMOTE, /* 2M accepted, split to 4K: promote it back */
};

struct site {
	const char *name; /* "remove: BLOCK" */
	enum action act;
	enum tdxmod_leaf leaf;
	u64 after;
	bool dpamt;
	/* how the glue treats OPERAND_BUSY at this site */
	enum { BUSY_FAIL_OP, BUSY_RETRY_ONCE, BUSY_FATAL } busy;
};

static const struct site sites[] = {
	{"link: SEPT.ADD (1G table)", ACT_FAULT, TDH_MEM_SEPT_ADD, 0, false, BUSY_FAIL_OP},
	{"link: SEPT.ADD (2M table)", ACT_FAULT, TDH_MEM_SEPT_ADD, 1, false, BUSY_FAIL_OP},
	{"set: PAGE.AUG", ACT_FAULT, TDH_MEM_PAGE_AUG, 0, false, BUSY_FAIL_OP},
	{"set: PAGE.ADD", ACT_PAGE_ADD, TDH_MEM_PAGE_ADD, 0, false, BUSY_FAIL_OP},
	{"remove: BLOCK", ACT_REMOVE, TDH_MEM_RANGE_BLOCK, 0, false, BUSY_RETRY_ONCE},
	{"remove: TRACK", ACT_REMOVE, TDH_MEM_TRACK, 0, false, BUSY_RETRY_ONCE},
	{"remove: PAGE.REMOVE", ACT_REMOVE, TDH_MEM_PAGE_REMOVE, 0, false, BUSY_RETRY_ONCE},
	/* Tables are freed only at teardown; its first BLOCK/TRACK are the 4K leaf's. */
	{"free: BLOCK", ACT_FREE, TDH_MEM_RANGE_BLOCK, 1, false, BUSY_RETRY_ONCE},
	{"free: TRACK", ACT_FREE, TDH_MEM_TRACK, 1, false, BUSY_RETRY_ONCE},
	{"free: SEPT.REMOVE", ACT_FREE, TDH_MEM_SEPT_REMOVE, 0, false, BUSY_RETRY_ONCE},
	{"split: BLOCK", ACT_SPLIT, TDH_MEM_RANGE_BLOCK, 0, false, BUSY_RETRY_ONCE},
	{"split: TRACK", ACT_SPLIT, TDH_MEM_TRACK, 0, false, BUSY_RETRY_ONCE},
	{"split: DEMOTE", ACT_SPLIT, TDH_MEM_PAGE_DEMOTE, 0, false, BUSY_RETRY_ONCE},
	{"finalize: MR.FINALIZE", ACT_FINALIZE, TDH_MR_FINALIZE, 0, false, BUSY_FAIL_OP},
	{"dpamt: PAMT.ADD", ACT_PAMT_ADD, TDH_PHYMEM_PAMT_ADD, 0, true, BUSY_FATAL},
	{"dpamt: PAMT.REMOVE", ACT_PAMT_REMOVE, TDH_PHYMEM_PAMT_REMOVE, 0, true, BUSY_FATAL},
	{"promote: BLOCK", ACT_PROMOTE, TDH_MEM_RANGE_BLOCK, 0, false, BUSY_RETRY_ONCE},
	{"promote: TRACK", ACT_PROMOTE, TDH_MEM_TRACK, 0, false, BUSY_RETRY_ONCE},
	{"promote: PROMOTE", ACT_PROMOTE, TDH_MEM_PAGE_PROMOTE, 0, false, BUSY_RETRY_ONCE},
};

/* Statuses the leaves can return (tdxmod/: walk, locks, op state, PAMT, leaf checks). */
struct st {
	u64 status;
	u64 count;
	unsigned leaves; /* bit per enum tdxmod_leaf; 0 = every leaf */
};

#define L(x) (1u << (x))
#define WALKERS                                                                     \
	(L(TDH_MEM_SEPT_ADD) | L(TDH_MEM_PAGE_AUG) | L(TDH_MEM_PAGE_ADD) |          \
	 L(TDH_MEM_RANGE_BLOCK) | L(TDH_MEM_PAGE_REMOVE) | L(TDH_MEM_SEPT_REMOVE) | \
	 L(TDH_MEM_PAGE_DEMOTE) | L(TDH_MEM_PAGE_PROMOTE))
#define PAMT_USERS                                                         \
	(L(TDH_MEM_SEPT_ADD) | L(TDH_MEM_PAGE_AUG) | L(TDH_MEM_PAGE_ADD) | \
	 L(TDH_MEM_PAGE_DEMOTE) | L(TDH_MEM_PAGE_REMOVE))
#define TRACKED                                                                     \
	(L(TDH_MEM_PAGE_REMOVE) | L(TDH_MEM_SEPT_REMOVE) | L(TDH_MEM_PAGE_DEMOTE) | \
	 L(TDH_MEM_PAGE_PROMOTE))

static const struct st statuses[] = {
	{BUSY, 1, 0},
	{BUSY, 2, 0},
	{BUSY_SEPT, 1, WALKERS},
	{TDX_OPERAND_BUSY_HOST_PRIORITY, 1, WALKERS},
	{TDX_OPERAND_INVALID | TDX_OPERAND_ID_RCX, 1, 0},
	{TDX_OP_STATE_INCORRECT | TDX_OPERAND_ID_OP_STATE, 1, 0},
	{TDX_EPT_WALK_FAILED, 1, WALKERS},
	{TDX_EPT_ENTRY_STATE_INCORRECT, 1, WALKERS},
	{TDX_PAGE_METADATA_INCORRECT | TDX_OPERAND_ID_R8, 1, PAMT_USERS},
	{TDX_MISSING_PAMT_PAGE_PAIR, 1, PAMT_USERS},
	{TDX_GPA_RANGE_ALREADY_BLOCKED, 1, L(TDH_MEM_RANGE_BLOCK)},
	{TDX_GPA_RANGE_NOT_BLOCKED, 1, TRACKED},
	{TDX_TLB_TRACKING_NOT_DONE, 1, TRACKED},
	{TDX_EPT_PAGE_NOT_FREE, 1, L(TDH_MEM_SEPT_REMOVE)},
	{TDX_PAGE_NOT_FREE, 1, L(TDH_MEM_PAGE_DEMOTE) | L(TDH_PHYMEM_PAMT_ADD)},
	{TDX_INTERRUPTED_RESTARTABLE, 1, L(TDH_MEM_PAGE_DEMOTE)},
	{TDX_INTERRUPTED_RESTARTABLE, 3, L(TDH_MEM_PAGE_DEMOTE) | L(TDH_MEM_PAGE_PROMOTE)},
	{TDX_INTERRUPTED_RESTARTABLE, 9, L(TDH_MEM_PAGE_PROMOTE)},
	{TDX_EPT_INVALID_PROMOTE_CONDITIONS | TDX_OPERAND_ID_RCX, 1, L(TDH_MEM_PAGE_PROMOTE)},
	{TDX_PREVIOUS_TLB_EPOCH_BUSY, 1, L(TDH_MEM_TRACK)},
	{TDX_HPA_RANGE_NOT_FREE, 1, L(TDH_PHYMEM_PAMT_ADD)},
	{TDX_NO_PAMT_PAGE_PAIR, 1, L(TDH_PHYMEM_PAMT_ADD)},
	{TDX_PAMT_PAGE_NOT_EMPTY, 1, L(TDH_PHYMEM_PAMT_REMOVE)},
	{TDX_NO_VCPUS, 1, L(TDH_MR_FINALIZE)},
};

/* UPSTREAM: what the glue does with @st at @site. */
static enum outcome expected_upstream(const struct site *site, const struct st *st)
{
	u64 s = tdx_status(st->status);

	if (site->act == ACT_FREE || site->act == ACT_PAMT_REMOVE)
		return TORN_DOWN; /* only the teardown's leak check applies */
	if (site->act == ACT_FINALIZE)
		return RECOVERED; /* the status is returned, the TD stays INITIALIZED */
	/*
	 * A promotion never costs the VM (docs/PROMOTION.md); a failed TRACK
	 * is tried once more after a kick, and a single injection is spent.
	 */
	if (site->act == ACT_PROMOTE)
		return RECOVERED;
	if (s == TDX_OPERAND_BUSY) {
		if (site->busy == BUSY_FAIL_OP)
			return RECOVERED;
		if (site->busy == BUSY_RETRY_ONCE && st->count == 1)
			return RECOVERED;
		return BUGGED;
	}
	if (s == TDX_INTERRUPTED_RESTARTABLE && site->leaf == TDH_MEM_PAGE_DEMOTE)
		return RECOVERED;
	return BUGGED;
}

/* ---- running one row ---- */

struct row_result {
	enum outcome outcome;
	char result[64]; /* the operation's result */
	int check_violations;
	u64 leaked;
	bool fired;
};

static void quiet_report(void *arg, const char *msg)
{
	(void)arg;
	print_message("    check: %s\n", msg);
}

static struct kvm *vm_new(enum tdx_error_policy policy, int max_level, bool dpamt)
{
	struct kvm_config cfg;
	struct kvm *kvm = NULL;

	kvm_config_default(&cfg);
	cfg.mem = 8 * M;
	cfg.nr_vcpus = 1;
	cfg.max_level = max_level;
	cfg.module = dpamt ? TDX_MODULE_2_0 : TDX_MODULE_1_5;
	cfg.dpamt = dpamt;
	cfg.policy = policy;
	cfg.vcpu_threads = false;
	cfg.seed = 1;
	assert_int_equal(kvm_create(&cfg, &kvm), 0);
	return kvm;
}

static u64 leaf_calls(struct kvm *kvm, enum tdxmod_leaf leaf)
{
	struct kvm_counters c;

	kvm_get_counters(kvm, &c);
	return c.leaf_calls[leaf];
}

static void accept(struct kvm *kvm, gpa_t gpa, int level, char *res, size_t len)
{
	u64 status = 0;
	enum kvm_guest_result r = kvm_guest_accept(kvm, 0, gpa, level, &status);
	char buf[64];

	if (r == KVM_GUEST_EIO)
		snprintf(res, len, "accept: EIO");
	else if (r == KVM_GUEST_STATUS)
		snprintf(res, len, "accept: %s", tdx_status_format(status, buf, sizeof(buf)));
	else
		snprintf(res, len, "accept: result %d", (int)r);
}

static void accept_setup(struct kvm *kvm, gpa_t gpa, int level)
{
	u64 status = ~0ULL;

	assert_int_equal(kvm_guest_accept(kvm, 0, gpa, level, &status), KVM_GUEST_STATUS);
	assert_int_equal(tdx_status(status), TDX_SUCCESS);
}

static const char *rc_name(int rc)
{
	switch (rc) {
	case 0:
		return "0";
	case -ENOMEM:
		return "ENOMEM";
	case -EIO:
		return "EIO";
	case -EBUSY:
		return "EBUSY";
	case -EAGAIN:
		return "EAGAIN";
	case -EINVAL:
		return "EINVAL";
	default:
		return "?";
	}
}

/* Builds the TD up to the site; returns it with the injection point ahead. */
static struct kvm *setup(enum action act, enum tdx_error_policy policy, bool dpamt)
{
	struct kvm *kvm = vm_new(
		policy, act == ACT_REMOVE || act == ACT_PAMT_REMOVE ? PG_LEVEL_4K : PG_LEVEL_2M,
		dpamt);

	if (act == ACT_PAGE_ADD || act == ACT_FINALIZE)
		return kvm;
	assert_int_equal(kvm_tdx_finalize(kvm), 0);
	switch (act) {
	case ACT_REMOVE:
	case ACT_PAMT_REMOVE:
		accept_setup(kvm, 0, PG_LEVEL_4K);
		break;
	case ACT_FREE:
		accept_setup(kvm, 2 * M, PG_LEVEL_4K);
		break;
	case ACT_SPLIT:
		accept_setup(kvm, 0, PG_LEVEL_2M);
		break;
	case ACT_PROMOTE:
		accept_setup(kvm, 0, PG_LEVEL_2M);
		assert_int_equal(kvm_split_range(kvm, 0, 2 * M, PG_LEVEL_4K), 0);
		break;
	default:
		break;
	}
	return kvm;
}

static void act(struct kvm *kvm, enum action a, char *res, size_t len)
{
	u64 status = 0;
	char buf[64];
	int rc;

	switch (a) {
	case ACT_FAULT:
	case ACT_PAMT_ADD:
		accept(kvm, 0, PG_LEVEL_4K, res, len);
		return;
	case ACT_PAGE_ADD:
		rc = kvm_tdx_init_mem_region(kvm, 0, PAGE_SIZE, &status);
		snprintf(res, len, "init_mem_region: rc=%s", rc_name(rc));
		return;
	case ACT_REMOVE:
		rc = kvm_set_memory_attributes(kvm, 0, PAGE_SIZE, false);
		snprintf(res, len, "convert: rc=%s", rc_name(rc));
		return;
	case ACT_FREE:
	case ACT_PAMT_REMOVE:
		return; /* the teardown is the operation */
	case ACT_SPLIT:
		rc = kvm_split_range(kvm, 0, 2 * M, PG_LEVEL_4K);
		snprintf(res, len, "split: rc=%s", rc_name(rc));
		return;
	case ACT_PROMOTE:
		rc = kvm_promote_range(kvm, 0, 2 * M);
		snprintf(res, len, "promote: rc=%s", rc_name(rc));
		return;
	case ACT_FINALIZE:
		status = kvm_tdx_finalize(kvm);
		snprintf(res, len, "finalize: %s", tdx_status_format(status, buf, sizeof(buf)));
		return;
	}
}

static void run_row(const struct site *site, const struct st *st, enum tdx_error_policy policy,
		    struct row_result *rr)
{
	struct kvm *kvm = setup(site->act, policy, site->dpamt);
	u64 before;

	memset(rr, 0, sizeof(*rr));
	before = leaf_calls(kvm, site->leaf);
	assert_int_equal(kvm_inject_leaf(kvm, site->leaf, st->status, st->count, site->after), 0);
	act(kvm, site->act, rr->result, sizeof(rr->result));
	if (site->act == ACT_FREE || site->act == ACT_PAMT_REMOVE) {
		kvm_destroy(kvm);
		rr->leaked = kvm_destroy_leaked_bytes();
		rr->outcome = TORN_DOWN;
		rr->fired = true; /* not countable after teardown */
		snprintf(rr->result, sizeof(rr->result), "teardown: leaked %llu bytes",
			 (unsigned long long)rr->leaked);
		return;
	}
	/* The site must really have run past the injection point. */
	rr->fired = leaf_calls(kvm, site->leaf) > before + site->after;

	if (!kvm_is_bugged(kvm)) {
		rr->outcome = RECOVERED;
		rr->check_violations = tdpmmu_check(kvm, quiet_report, NULL);
	} else {
		enum kvm_guest_result g;

		rr->outcome = BUGGED;
		/* Contained: MMU-level ops fail with EIO, module invariants hold. */
		assert_int_equal(kvm_set_memory_attributes(kvm, 0, PAGE_SIZE, false), -EIO);
		assert_int_equal(kvm_gmem_punch_hole(kvm, 0, PAGE_SIZE), -EIO);
		g = kvm_guest_access(kvm, 0, 0, false, false);
		assert_int_equal(g, KVM_GUEST_EIO);
		rr->check_violations = tdxmod_check(kvm_tdx_td(kvm), quiet_report, NULL);
	}
	kvm_destroy(kvm);
	rr->leaked = kvm_destroy_leaked_bytes();
}

static const char *outcome_name(enum outcome o)
{
	return o == RECOVERED ? "recovered" : o == BUGGED ? "bugged" : "teardown";
}

static bool st_applies(const struct st *st, const struct site *site)
{
	return !st->leaves || (st->leaves & L(site->leaf));
}

static void test_sweep_seamcall(void **state)
{
	const char *table = getenv("SWEEP_TABLE");
	FILE *f = table ? fopen(table, "w") : NULL;
	int rows = 0, failures = 0;
	size_t i, j;

	(void)state;
	if (f)
		fprintf(f, "| site | injected status | count | UPSTREAM | RECOVER |\n"
			   "|---|---|---|---|---|\n");
	for (i = 0; i < sizeof(sites) / sizeof(sites[0]); i++) {
		for (j = 0; j < sizeof(statuses) / sizeof(statuses[0]); j++) {
			const struct site *site = &sites[i];
			const struct st *st = &statuses[j];
			struct row_result up, rec;
			enum outcome want;
			char sbuf[64];
			bool bad = false;

			if (!st_applies(st, site))
				continue;
			want = expected_upstream(site, st);
			run_row(site, st, TDX_POLICY_UPSTREAM, &up);
			run_row(site, st, TDX_POLICY_RECOVER, &rec);
			rows++;
			tdx_status_format(st->status, sbuf, sizeof(sbuf));
			if (!up.fired || up.outcome != want || up.check_violations || up.leaked ||
			    rec.check_violations || rec.leaked)
				bad = true;
			if (bad) {
				failures++;
				print_message("FAIL %s x %s count=%llu: upstream %s (want %s) [%s] "
					      "fired=%d checks=%d leaked=%llu; recover %s [%s] "
					      "checks=%d leaked=%llu\n",
					      site->name, sbuf, (unsigned long long)st->count,
					      outcome_name(up.outcome), outcome_name(want),
					      up.result, up.fired, up.check_violations,
					      (unsigned long long)up.leaked,
					      outcome_name(rec.outcome), rec.result,
					      rec.check_violations, (unsigned long long)rec.leaked);
			}
			if (f)
				fprintf(f, "| %s | %s | %llu | %s (%s) | %s (%s) |%s\n", site->name,
					sbuf, (unsigned long long)st->count,
					outcome_name(up.outcome), up.result,
					outcome_name(rec.outcome), rec.result,
					bad ? " **FAIL**" : "");
		}
	}
	if (f)
		fclose(f);
	print_message("%d rows, %d failing\n", rows, failures);
	assert_true(rows > 100);
	assert_int_equal(failures, 0);
}

/* ---- allocation failures at each allocation of conversion, punch, split, fault ---- */

enum alloc_op { AOP_FAULT, AOP_CONVERT, AOP_PUNCH, AOP_SPLIT };

static const char *const alloc_op_names[] = {"fault (accept 4K)", "convert (splits 2M)",
					     "punch (splits 2M)", "split 2M->4K"};

static void test_sweep_alloc(void **state)
{
	const char *table = getenv("SWEEP_ALLOC_TABLE");
	FILE *f = table ? fopen(table, "w") : NULL;
	int op, dp, failures = 0, enomem = 0;

	(void)state;
	if (f)
		fprintf(f, "| operation | DPAMT | allocation K failed | result | VM |\n"
			   "|---|---|---|---|---|\n");
	for (dp = 0; dp < 2; dp++) {
		for (op = AOP_FAULT; op <= AOP_SPLIT; op++) {
			u64 k;

			for (k = 0; k < 12; k++) {
				struct kvm *kvm = vm_new(TDX_POLICY_UPSTREAM, PG_LEVEL_2M, dp);
				char res[64];
				int rc = 0, v;
				bool bugged;

				assert_int_equal(kvm_tdx_finalize(kvm), 0);
				if (op != AOP_FAULT)
					accept_setup(kvm, 0, PG_LEVEL_2M);
				assert_int_equal(kvm_inject_alloc_fail(kvm, 1, k), 0);
				switch (op) {
				case AOP_FAULT:
					/* The guest re-executes after ENOMEM: it must succeed. */
					accept(kvm, 2 * M + 0x5000, PG_LEVEL_4K, res, sizeof(res));
					if (strcmp(res, "accept: TDX_SUCCESS"))
						rc = -EINVAL;
					break;
				case AOP_CONVERT:
					rc = kvm_set_memory_attributes(kvm, 0x3000, 0x2000, false);
					snprintf(res, sizeof(res), "convert: rc=%s", rc_name(rc));
					break;
				case AOP_PUNCH:
					rc = kvm_gmem_punch_hole(kvm, 0x3000, 0x2000);
					snprintf(res, sizeof(res), "punch: rc=%s", rc_name(rc));
					break;
				case AOP_SPLIT:
					rc = kvm_split_range(kvm, 0, 2 * M, PG_LEVEL_4K);
					snprintf(res, sizeof(res), "split: rc=%s", rc_name(rc));
					break;
				}
				bugged = kvm_is_bugged(kvm);
				enomem += rc == -ENOMEM;
				v = tdpmmu_check(kvm, quiet_report, NULL);
				/* After the failure the operation must work when retried. */
				if (!bugged && rc == -ENOMEM) {
					if (op == AOP_CONVERT)
						rc = kvm_set_memory_attributes(kvm, 0x3000, 0x2000,
									       false);
					else if (op == AOP_PUNCH)
						rc = kvm_gmem_punch_hole(kvm, 0x3000, 0x2000);
					else if (op == AOP_SPLIT)
						rc = kvm_split_range(kvm, 0, 2 * M, PG_LEVEL_4K);
					if (rc)
						rc = -EINVAL;
					else
						rc = -ENOMEM; /* report the first result */
					v += tdpmmu_check(kvm, quiet_report, NULL);
				}
				kvm_destroy(kvm);
				if (bugged || v || (rc && rc != -ENOMEM) ||
				    kvm_destroy_leaked_bytes()) {
					failures++;
					print_message(
						"FAIL alloc %s dpamt=%d after=%llu: %s bugged=%d "
						"checks=%d leaked=%llu\n",
						alloc_op_names[op], dp, (unsigned long long)k, res,
						bugged, v,
						(unsigned long long)kvm_destroy_leaked_bytes());
				}
				if (f)
					fprintf(f, "| %s | %s | %llu | %s | %s |\n",
						alloc_op_names[op], dp ? "on" : "off",
						(unsigned long long)k, res,
						bugged ? "bugged" : "ok");
			}
		}
	}
	if (f)
		fclose(f);
	assert_int_equal(failures, 0);
	/* Each host op of each mode failed at least once (table page, external page). */
	assert_true(enomem >= 6);
}

/*
 * Regression (found by `tdpmmu stress`, replay reduced to 2 ops): a hole in
 * a 1G folio leaves all of it backed at 4K, so a 2M mapping elsewhere in
 * the same folio must be split before the folio is.
 */
static void test_punch_in_1g_folio(void **state)
{
	struct kvm_config cfg;
	struct kvm *kvm = NULL;
	int level = 0;

	(void)state;
	kvm_config_default(&cfg);
	cfg.mem = 2048 * M;
	cfg.nr_vcpus = 1;
	cfg.max_level = PG_LEVEL_1G;
	cfg.vcpu_threads = false;
	assert_int_equal(kvm_create(&cfg, &kvm), 0);
	assert_int_equal(kvm_tdx_finalize(kvm), 0);
	accept_setup(kvm, 0x43e00000, PG_LEVEL_2M);
	assert_true(kvm_mirror_lookup(kvm, 0x43e00000, &level, NULL));
	assert_int_equal(level, PG_LEVEL_2M);
	assert_int_equal(kvm_gmem_punch_hole(kvm, 0x7ed9a000, 2 * M), 0);
	assert_true(kvm_mirror_lookup(kvm, 0x43e00000, &level, NULL));
	assert_int_equal(level, PG_LEVEL_4K);
	assert_int_equal(tdpmmu_check(kvm, quiet_report, NULL), 0);
	assert_false(kvm_is_bugged(kvm));
	kvm_destroy(kvm);
	assert_int_equal(kvm_destroy_leaked_bytes(), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sweep_seamcall),
		cmocka_unit_test(test_sweep_alloc),
		cmocka_unit_test(test_punch_in_1g_folio),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
