// SPDX-License-Identifier: GPL-2.0-only
/*
 * The 16-byte PAMT entry: the entry lock lives in the same word as the page
 * type, the owner and the DPAMT bitmap bit.  Changing any of them must keep
 * the others, and the lock must still exclude and share as the module's
 * sharex lock does -- also while other threads change the other fields.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "test_tdxmod_harness.h"
#include "tdxmod_internal.h"

/* The model's owner is a TDR frame number below 2^46: the widest one. */
#define OWNER_MAX ((1ULL << (TDX_MAX_PA_BITS - PAGE_SHIFT)) - 1)

static void test_layout(void **state)
{
	struct pamt_entry e = {0};

	(void)state;
	assert_int_equal(sizeof(struct pamt_entry), 16);
	assert_int_equal(sizeof(struct pamt_region) % 16, 0);
	pamt_set(&e, PT_PAMT, OWNER_MAX);
	assert_int_equal(pamt_pt(&e), PT_PAMT);
	assert_true(pamt_owner(&e) == OWNER_MAX);
	assert_false(pamt_locked(&e));
	pamt_set(&e, PT_NDA, 0);
	assert_true(atomic_load(&e.word) == 0);
}

static void test_lock_is_sharex(void **state)
{
	struct pamt_entry e = {0};

	(void)state;
	pamt_set(&e, PT_REG, 0x1234);
	/* exclusive excludes everything */
	assert_true(pamt_lock_try(&e, true));
	assert_false(pamt_lock_try(&e, true));
	assert_false(pamt_lock_try(&e, false));
	assert_true(pamt_locked(&e));
	/* the holder changes type and owner: the lock stays held */
	pamt_set(&e, PT_EPT, 0x5678);
	assert_true(pamt_locked(&e));
	assert_false(pamt_lock_try(&e, false));
	pamt_lock_release(&e, true);
	assert_false(pamt_locked(&e));
	assert_int_equal(pamt_pt(&e), PT_EPT);
	assert_true(pamt_owner(&e) == 0x5678);
	/* shared: many holders, no exclusive until the last one leaves */
	for (int i = 0; i < 100; i++)
		assert_true(pamt_lock_try(&e, false));
	assert_false(pamt_lock_try(&e, true));
	for (int i = 0; i < 99; i++)
		pamt_lock_release(&e, false);
	assert_false(pamt_lock_try(&e, true));
	pamt_lock_release(&e, false);
	assert_true(pamt_lock_try(&e, true));
	pamt_lock_release(&e, true);
	assert_int_equal(pamt_pt(&e), PT_EPT);
	assert_true(pamt_owner(&e) == 0x5678);
}

/* Through the module: the bitmap bit, the lookup's "locked", the walk's lock. */
static void test_module_entry(void **state)
{
	struct h *h = h_create();
	hpa_t page = h_alloc(h, 0);
	struct tdxmod_pamt_info pi;
	struct pamt_ref ref;

	(void)state;
	pamt_set_pamt_page(h->mod, page, true);
	assert_int_equal(pamt_walk_lock(h->mod, page, 0, true, &ref), TDX_SUCCESS);
	assert_int_equal(ref.level, 0);
	tdxmod_pamt_lookup(h->mod, page, &pi);
	assert_true(pi.locked);
	assert_true(tdxmod_is_pamt_page(h->mod, page));
	pamt_set(ref.e, PT_REG, 7);
	assert_true(tdxmod_is_pamt_page(h->mod, page));
	pamt_unlock(&ref);
	tdxmod_pamt_lookup(h->mod, page, &pi);
	assert_false(pi.locked);
	assert_int_equal(pi.pt, PT_REG);
	assert_true(pi.owner == 7);
	pamt_set(ref.e, PT_NDA, 0);
	pamt_set_pamt_page(h->mod, page, false);
	assert_false(tdxmod_is_pamt_page(h->mod, page));
	assert_true(atomic_load(&ref.e->word) == 0);
	h_destroy(h);
}

#define ROUNDS 20000
#define NR_LOCKERS 3

static struct pamt_entry shared_e;
static _Atomic int inside_ex, inside_sh, broken; /* cmocka asserts only on the main thread */
static _Atomic u64 owner_sum;

/*
 * Lockers take the lock (exclusive or shared, in turn) and, exclusively,
 * bump the owner; a fourth thread toggles the bitmap bit without the lock,
 * as pamt_set_pamt_page does.  No update may be lost, and the lock must
 * exclude as it should.
 */
static void *locker(void *arg)
{
	long id = (long)arg;

	for (int i = 0; i < ROUNDS; i++) {
		bool ex = (i + id) % 2 == 0;

		while (!pamt_lock_try(&shared_e, ex))
			;
		if (ex) {
			if (atomic_fetch_add(&inside_ex, 1) || atomic_load(&inside_sh))
				atomic_fetch_add(&broken, 1);
			pamt_set(&shared_e, PT_REG, pamt_owner(&shared_e) + 1);
			atomic_fetch_add(&owner_sum, 1);
			atomic_fetch_sub(&inside_ex, 1);
		} else {
			atomic_fetch_add(&inside_sh, 1);
			if (atomic_load(&inside_ex) || pamt_pt(&shared_e) != PT_REG)
				atomic_fetch_add(&broken, 1);
			atomic_fetch_sub(&inside_sh, 1);
		}
		pamt_lock_release(&shared_e, ex);
	}
	return NULL;
}

static void *bitmap_toggler(void *arg)
{
	(void)arg;
	for (int i = 0; i < ROUNDS * 2; i++) {
		atomic_fetch_or(&shared_e.word, PAMT_IS_PAMT_PAGE);
		atomic_fetch_and(&shared_e.word, ~PAMT_IS_PAMT_PAGE);
	}
	return NULL;
}

static void test_lock_concurrent(void **state)
{
	pthread_t t[NR_LOCKERS + 1];

	(void)state;
	pamt_set(&shared_e, PT_REG, 0);
	for (long i = 0; i < NR_LOCKERS; i++)
		assert_int_equal(pthread_create(&t[i], NULL, locker, (void *)i), 0);
	assert_int_equal(pthread_create(&t[NR_LOCKERS], NULL, bitmap_toggler, NULL), 0);
	for (int i = 0; i <= NR_LOCKERS; i++)
		pthread_join(t[i], NULL);
	assert_int_equal(atomic_load(&broken), 0);
	assert_false(pamt_locked(&shared_e));
	assert_false(atomic_load(&shared_e.word) & PAMT_IS_PAMT_PAGE);
	assert_int_equal(pamt_pt(&shared_e), PT_REG);
	assert_true(pamt_owner(&shared_e) == atomic_load(&owner_sum));
	assert_true(atomic_load(&owner_sum) == (u64)NR_LOCKERS * ROUNDS / 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layout),
		cmocka_unit_test(test_lock_is_sharex),
		cmocka_unit_test(test_module_entry),
		cmocka_unit_test(test_lock_concurrent),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
