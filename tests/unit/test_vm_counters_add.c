// SPDX-License-Identifier: GPL-2.0-only
/*
 * kvm_counters_add: every field of struct kvm_counters is folded, each the
 * way its row below says.  The rows are checked to cover the struct
 * exactly, so a new field without a row fails here, and a row whose field
 * kvm_counters_add() forgets (or folds the wrong way) fails the fold test.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "tdpmmu/base.h"
#include "tdpmmu/vm.h"

enum fold {
	FOLD_SUM, /* counts, and levels summed over the VMs */
	FOLD_MAX, /* maxima */
};

struct counter_row {
	const char *name;
	size_t offset;
	size_t nr; /* u64 slots: arrays have several */
	enum fold fold;
};

#define ROW(field, how)                                                              \
	{                                                                            \
#field, offsetof(struct kvm_counters, field),                        \
			sizeof(((struct kvm_counters *)0)->field) / sizeof(u64), how \
	}

/* In declaration order. */
static const struct counter_row rows[] = {
	ROW(leaf_calls, FOLD_SUM),
	ROW(splits, FOLD_SUM),
	ROW(kicks, FOLD_SUM),
	ROW(faults, FOLD_SUM),
	ROW(vm_bugged, FOLD_SUM),
	ROW(track_rounds, FOLD_SUM),
	ROW(busy_retries, FOLD_SUM),
	ROW(write_lock_acquisitions, FOLD_SUM),
	ROW(write_lock_hold_ns, FOLD_SUM),
	ROW(write_lock_hold_max_ns, FOLD_MAX),
	ROW(promotes, FOLD_SUM),
	ROW(promote_tries, FOLD_SUM),
	ROW(promote_refused, FOLD_SUM),
	ROW(promote_failed, FOLD_SUM),
	ROW(promote_rounds, FOLD_SUM),
	ROW(promote_queued, FOLD_SUM),
	ROW(promote_held_back, FOLD_SUM),
	ROW(pamt_pairs, FOLD_SUM),
	ROW(split_retries, FOLD_SUM),
	ROW(shared_split_busy, FOLD_SUM),
	ROW(read_lock_waits, FOLD_SUM),
	ROW(guest_inhibits, FOLD_SUM),
	ROW(guest_inhibits_4k, FOLD_SUM),
	ROW(remote_tlb_flushes, FOLD_SUM),
	ROW(dpamt_cache_empty, FOLD_SUM),
	ROW(warn_huge_leaf_above_level, FOLD_SUM),
};

#define NR_ROWS (sizeof(rows) / sizeof(rows[0]))

static u64 *slot(struct kvm_counters *c, const struct counter_row *row, size_t k)
{
	return (u64 *)((char *)c + row->offset) + k;
}

/* The rows follow one another with no gap and end where the struct ends. */
static void test_rows_cover_struct(void **state)
{
	size_t end = 0;

	(void)state;
	for (size_t i = 0; i < NR_ROWS; i++) {
		if (rows[i].offset != end)
			fail_msg("row %s: at %zu, expected %zu (a field without a row before it?)",
				 rows[i].name, rows[i].offset, end);
		assert_true(rows[i].nr >= 1);
		end = rows[i].offset + rows[i].nr * sizeof(u64);
	}
	if (end != sizeof(struct kvm_counters))
		fail_msg("rows end at %zu, struct kvm_counters is %zu bytes: a field has no row",
			 end, sizeof(struct kvm_counters));
	assert_int_equal(rows[0].nr, NR_TDX_LEAVES);
}

/*
 * A distinct value in every slot of both operands, so a slot left out,
 * taken from a neighbour or folded the wrong way shows; each fold is tried
 * with the larger value on either side.
 */
static void fill(struct kvm_counters *c, u64 base)
{
	u64 v = base;

	for (size_t i = 0; i < NR_ROWS; i++)
		for (size_t k = 0; k < rows[i].nr; k++)
			*slot(c, &rows[i], k) = v++;
}

static void check_fold(u64 sum_base, u64 c_base)
{
	struct kvm_counters sum, c, want;

	fill(&sum, sum_base);
	fill(&c, c_base);
	want = sum;
	for (size_t i = 0; i < NR_ROWS; i++) {
		for (size_t k = 0; k < rows[i].nr; k++) {
			u64 a = *slot(&sum, &rows[i], k), b = *slot(&c, &rows[i], k);

			*slot(&want, &rows[i], k) =
				rows[i].fold == FOLD_MAX ? (a > b ? a : b) : a + b;
		}
	}
	kvm_counters_add(&sum, &c);
	for (size_t i = 0; i < NR_ROWS; i++) {
		for (size_t k = 0; k < rows[i].nr; k++) {
			u64 got = *slot(&sum, &rows[i], k), exp = *slot(&want, &rows[i], k);

			if (got != exp)
				fail_msg("%s[%zu]: got %llu, expected %llu", rows[i].name, k,
					 (unsigned long long)got, (unsigned long long)exp);
		}
	}
}

static void test_every_field_folds(void **state)
{
	(void)state;
	check_fold(1000, 1ULL << 32);
	check_fold(1ULL << 32, 1000);
}

/* Adding to zeros copies: what a run of one VM reports. */
static void test_add_to_zero_copies(void **state)
{
	struct kvm_counters sum = {0}, c;

	(void)state;
	fill(&c, 7);
	kvm_counters_add(&sum, &c);
	assert_memory_equal(&sum, &c, sizeof(c));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rows_cover_struct),
		cmocka_unit_test(test_every_field_folds),
		cmocka_unit_test(test_add_to_zero_copies),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
