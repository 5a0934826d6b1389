// SPDX-License-Identifier: GPL-2.0-only
/*
 * Fault-injection rules: the heap-based rule set fires exactly what the
 * contract's definition (every waiting rule counts each call, the first
 * due rule fires) says, checked against that definition written as a
 * plain scan over random rule sets; and 10^5 rules stay cheap.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tdpmmu/base.h"

struct ref_rule {
	u64 value, count, after, seen;
};

/* The contract's definition, as a scan of every rule on every call. */
static bool ref_should_fail(struct ref_rule *rules, size_t n, u64 *value)
{
	bool fired = false;

	for (size_t i = 0; i < n; i++) {
		struct ref_rule *r = &rules[i];

		if (!r->count)
			continue;
		if (r->seen < r->after) {
			r->seen++;
		} else if (!fired) {
			fired = true;
			r->count--;
			*value = r->value;
		}
	}
	return fired;
}

static void test_inject_matches_definition(void **state)
{
	struct prng rng;

	(void)state;
	prng_seed(&rng, 42);
	for (int round = 0; round < 200; round++) {
		struct ref_rule ref[24];
		struct fault_inject fi;
		size_t n = 0;

		fault_inject_init(&fi);
		for (int call = 0; call < 120; call++) {
			u64 want = 0, got = 0;
			bool w, g;

			/* Rules are added between calls too, as a scenario's inject lines are. */
			if (n < 24 && prng_below(&rng, 4) == 0) {
				u64 v = 0x100 + n, c = 1 + prng_below(&rng, 4),
				    a = prng_below(&rng, 3) ? prng_below(&rng, 20) : 0;

				ref[n++] = (struct ref_rule){.value = v, .count = c, .after = a};
				assert_int_equal(fault_inject_add(&fi, v, c, a), 0);
			}
			w = ref_should_fail(ref, n, &want);
			g = fault_inject_should_fail(&fi, &got);
			assert_int_equal(g, w);
			if (w)
				assert_int_equal(got, want);
		}
		fault_inject_destroy(&fi);
	}
}

static void test_inject_many_rules(void **state)
{
	enum { N = 100000 };
	struct fault_inject fi;
	u64 v;

	(void)state;
	fault_inject_init(&fi);
	/* Added in reverse `after` order: each fires on its own call, in call order. */
	for (u64 i = 0; i < N; i++)
		assert_int_equal(fault_inject_add(&fi, i, 1, N - 1 - i), 0);
	for (u64 call = 0; call < N; call++) {
		assert_true(fault_inject_should_fail(&fi, &v));
		assert_int_equal(v, N - 1 - call);
	}
	assert_false(fault_inject_should_fail(&fi, &v));
	fault_inject_destroy(&fi);

	fault_inject_init(&fi);
	for (u64 i = 0; i < N; i++)
		assert_int_equal(fault_inject_add(&fi, i, 1, 0), 0);
	for (u64 call = 0; call < N; call++) {
		assert_true(fault_inject_should_fail(&fi, &v));
		assert_int_equal(v, call);
	}
	assert_false(fault_inject_should_fail(&fi, &v));
	fault_inject_destroy(&fi);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_inject_matches_definition),
		cmocka_unit_test(test_inject_many_rules),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
