// SPDX-License-Identifier: GPL-2.0-only
/*
 * The TD-wide sharex try-locks (tdxmod/sharex_lock.h): the answers of one
 * counter, per thread slots; exclusion under threads (TSan, -L mt).  And
 * DEMOTE's reserve (tdxmod/demote_reserve.c): taken from when topped up,
 * not needed for entries that exist, made inside DEMOTE when empty.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "test_tdxmod_harness.h"
#include "tdxmod_internal.h"

static void test_sharex_answers(void **state)
{
	static struct sharex_lock l;

	(void)state;
	assert_false(sharex_lock_held(&l));
	assert_true(sharex_try_sh(&l));
	assert_true(sharex_try_sh(&l));
	assert_false(sharex_try_ex(&l));
	sharex_release(&l, false);
	assert_false(sharex_try(&l, true));
	sharex_release(&l, false);
	assert_false(sharex_lock_held(&l));
	assert_true(sharex_try(&l, true));
	assert_false(sharex_try_sh(&l));
	assert_false(sharex_try_ex(&l));
	assert_true(sharex_lock_held(&l));
	sharex_release(&l, true);
	assert_false(sharex_lock_held(&l));
}

struct sx {
	struct sharex_lock l;
	u64 a, b; /* equal whenever the lock is not held exclusively */
	atomic_int bad, ex_won, sh_won;
};

static void *sx_thread(void *p)
{
	struct sx *s = p;

	for (int i = 0; i < 20000; i++) {
		if (i % 4 == 0) {
			if (!sharex_try_ex(&s->l))
				continue;
			s->a++;
			s->b++;
			atomic_fetch_add(&s->ex_won, 1);
			sharex_release(&s->l, true);
		} else {
			if (!sharex_try_sh(&s->l))
				continue;
			if (s->a != s->b)
				atomic_fetch_add(&s->bad, 1);
			atomic_fetch_add(&s->sh_won, 1);
			sharex_release(&s->l, false);
		}
	}
	return NULL;
}

static void test_sharex_excludes(void **state)
{
	static struct sx s;
	pthread_t t[3];

	(void)state;
	for (int i = 0; i < 3; i++)
		pthread_create(&t[i], NULL, sx_thread, &s);
	for (int i = 0; i < 3; i++)
		pthread_join(t[i], NULL);
	assert_int_equal(atomic_load(&s.bad), 0);
	assert_int_equal(s.a, (u64)atomic_load(&s.ex_won));
	assert_true(atomic_load(&s.sh_won) > 0);
	assert_false(sharex_lock_held(&s.l));
}

/*
 * More threads alive than there are owned slots: the overflow threads
 * share the last slot and release there atomically while the others
 * release their own slots with a plain store; no hold may be lost or
 * left behind.
 */
#define SX_MANY (2 * SHAREX_LOCK_SLOTS)
static pthread_barrier_t sx_all_alive;

static void *sx_thread_after_barrier(void *p)
{
	(void)stat_counter_slot(); /* claimed while all are alive */
	pthread_barrier_wait(&sx_all_alive);
	return sx_thread(p);
}

static void test_sharex_excludes_shared_slot(void **state)
{
	static struct sx s;
	pthread_t t[SX_MANY];

	(void)state;
	pthread_barrier_init(&sx_all_alive, NULL, SX_MANY);
	for (int i = 0; i < SX_MANY; i++)
		pthread_create(&t[i], NULL, sx_thread_after_barrier, &s);
	for (int i = 0; i < SX_MANY; i++)
		pthread_join(t[i], NULL);
	pthread_barrier_destroy(&sx_all_alive);
	assert_int_equal(atomic_load(&s.bad), 0);
	assert_int_equal(s.a, (u64)atomic_load(&s.ex_won));
	assert_true(atomic_load(&s.sh_won) > 0);
	assert_int_equal(sharex_lock_sharers(&s.l), 0);
	assert_false(sharex_lock_held(&s.l));
}

/* BLOCK + TRACK a pending 2M leaf at @gpa so DEMOTE may run. */
static void blocked_2m(struct h *h, gpa_t gpa)
{
	h_tables(h, gpa, TDX_2M);
	assert_int_equal(h_aug(h, gpa, TDX_2M), TDX_SUCCESS);
	h_block_track(h, gpa, TDX_2M);
}

static void test_demote_reserve(void **state)
{
	struct h *h = h_create();
	struct model_reserve *r = &h->td->demote_reserve;

	(void)state;
	h_finalize(h);
	tdxmod_demote_reserve_topup(h->td, 2);
	assert_int_equal(atomic_load(&r->nr), 2);
	tdxmod_demote_reserve_topup(h->td, 100); /* at most MODEL_RESERVE_MAX */
	assert_int_equal(atomic_load(&r->nr), MODEL_RESERVE_MAX);

	blocked_2m(h, 0x200000);
	assert_int_equal(h_call(h, TDH_MEM_PAGE_DEMOTE, 0x200000, TDX_2M, h_alloc(h, 0)),
			 TDX_SUCCESS);
	/* One S-EPT page taken. */
	assert_int_equal(atomic_load(&r->nr), MODEL_RESERVE_MAX - 1);
	assert_int_equal(h_state(h, 0x3ff000, TDX_4K), TDX_SEPT_PENDING);
	assert_int_equal(h_check(h), 0);

	/* Empty: DEMOTE makes its own, with the same result. */
	while (atomic_load(&r->nr))
		sept_page_free((struct sept_page *)r->obj[atomic_fetch_sub(&r->nr, 1) - 1]);
	blocked_2m(h, 0x400000);
	assert_int_equal(h_call(h, TDH_MEM_PAGE_DEMOTE, 0x400000, TDX_2M, h_alloc(h, 0)),
			 TDX_SUCCESS);
	assert_int_equal(h_state(h, 0x5ff000, TDX_4K), TDX_SEPT_PENDING);
	assert_int_equal(h_check(h), 0);
	h_destroy(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sharex_answers),
		cmocka_unit_test(test_sharex_excludes),
		cmocka_unit_test(test_sharex_excludes_shared_slot),
		cmocka_unit_test(test_demote_reserve),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
