// SPDX-License-Identifier: GPL-2.0-only
/*
 * Several threads hammer one TD with conflicting host SEAMCALLs, guest
 * ACCEPTs/accesses and vCPU entries/exits.  Every outcome must be success,
 * TDX_OPERAND_BUSY or a legitimate state error, and the state must pass
 * tdxmod_check afterwards.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "test_tdxmod_harness.h"

#define NR_PAGES 32
#define ITERS 3000
#define BASE_GPA 0x200000ULL

struct worker {
	struct h *h;
	int id;
	unsigned int seed;
	hpa_t next;
	int bad;
	u64 bad_status;
	int busy, ok;
};

static bool allowed(u64 err)
{
	switch (err & TDX_STATUS_MASK) {
	case TDX_SUCCESS:
	case TDX_OPERAND_BUSY:
	case TDX_PREVIOUS_TLB_EPOCH_BUSY:
	case TDX_EPT_ENTRY_STATE_INCORRECT:
	case TDX_GPA_RANGE_ALREADY_BLOCKED:
	case TDX_GPA_RANGE_NOT_BLOCKED:
	case TDX_TLB_TRACKING_NOT_DONE:
	case TDX_EPT_WALK_FAILED:
	case TDX_PAGE_ALREADY_ACCEPTED:
	case TDX_EPT_PAGE_NOT_FREE:
		return true;
	default:
		return false;
	}
}

static void note(struct worker *w, u64 err)
{
	if (!allowed(err)) {
		w->bad++;
		w->bad_status = err;
	}
	if (tdx_operand_busy(err))
		w->busy++;
	if (!err)
		w->ok++;
}

static void *host_thread(void *arg)
{
	struct worker *w = arg;
	struct tdxmod_td *td = w->h->td;

	for (int i = 0; i < ITERS; i++) {
		gpa_t gpa = BASE_GPA + (u64)(rand_r(&w->seed) % NR_PAGES) * PAGE_SIZE;
		struct tdx_module_args a = {.rcx = gpa};
		int op = rand_r(&w->seed) % 7;
		u64 err;

		switch (op) {
		case 0:
			a.r8 = w->next;
			w->next += PAGE_SIZE;
			err = tdxmod_seamcall(td, TDH_MEM_PAGE_AUG, &a);
			break;
		case 1:
			err = tdxmod_seamcall(td, TDH_MEM_RANGE_BLOCK, &a);
			break;
		case 2:
			err = tdxmod_seamcall(td, TDH_MEM_RANGE_UNBLOCK, &a);
			break;
		case 3:
			err = tdxmod_seamcall(td, TDH_MEM_PAGE_REMOVE, &a);
			break;
		case 4:
			err = tdxmod_seamcall(td, TDH_MEM_TRACK, &a);
			break;
		case 5:
			/* the whole 4K table: NL_MAPPED <-> NL_BLOCKED */
			a.rcx = BASE_GPA | 1;
			err = tdxmod_seamcall(td,
					      (rand_r(&w->seed) & 1) ? TDH_MEM_RANGE_BLOCK
								     : TDH_MEM_RANGE_UNBLOCK,
					      &a);
			break;
		default:
			a.rcx = BASE_GPA | 1;
			a.r8 = w->next;
			w->next += PAGE_SIZE;
			err = tdxmod_seamcall(td, TDH_MEM_PAGE_DEMOTE, &a);
			break;
		}
		note(w, err);
	}
	return NULL;
}

static void *guest_thread(void *arg)
{
	struct worker *w = arg;
	struct tdxmod_td *td = w->h->td;
	int vcpu = w->id - 2;

	for (int i = 0; i < ITERS; i++) {
		gpa_t gpa = BASE_GPA + (u64)(rand_r(&w->seed) % NR_PAGES) * PAGE_SIZE;
		struct tdx_ept_exit ex;
		bool exited;
		u64 err = tdxmod_vp_enter(td, vcpu);

		note(w, err);
		if (err)
			continue;
		note(w, tdxmod_tdg_mem_page_accept(td, vcpu, gpa, &exited, &ex));
		tdxmod_guest_access(td, vcpu, gpa, true, &ex);
		tdxmod_vp_exit(td, vcpu);
	}
	return NULL;
}

static void test_hammer(void **state)
{
	struct h *h = h_create();
	struct worker w[4];
	pthread_t t[4];
	int busy = 0, ok = 0;

	(void)state;
	h_tables(h, BASE_GPA, TDX_4K);
	h_finalize(h);
	for (int i = 0; i < 4; i++) {
		w[i] = (struct worker){.h = h,
				       .id = i,
				       .seed = 1234u + (unsigned int)i,
				       .next = (1ULL << 36) + ((u64)i << 32)};
		pthread_create(&t[i], NULL, i < 2 ? host_thread : guest_thread, &w[i]);
	}
	for (int i = 0; i < 4; i++) {
		pthread_join(t[i], NULL);
		if (w[i].bad)
			fprintf(stderr, "worker %d: unexpected status 0x%llx\n", i,
				(unsigned long long)w[i].bad_status);
		assert_int_equal(w[i].bad, 0);
		busy += w[i].busy;
		ok += w[i].ok;
	}
	assert_true(ok > 0);
	fprintf(stderr, "ok %d busy %d\n", ok, busy);
	assert_int_equal(h_check(h), 0);
	h_destroy(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hammer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
