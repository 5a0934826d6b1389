// SPDX-License-Identifier: GPL-2.0-only
/*
 * accept_memory() of a Linux TDX guest: at each address TDG.MEM.PAGE.ACCEPT
 * at the largest size that is aligned and fits, falling back to the next
 * smaller size on any failure.  Kept here rather than calling
 * kvm_guest_accept_memory() because the scenario's last status must be the
 * module status of the failing TDCALL, which that API folds into -EIO.
 */
#include <pthread.h>
#include <stdlib.h>

#include "guest_accept_memory.h"

enum kvm_guest_result guest_accept_memory(struct kvm *kvm, int vcpu, gpa_t gpa, u64 size,
					  u64 *status)
{
	int max_level = kvm_get_config(kvm)->max_level;
	gpa_t end = gpa + size;

	*status = TDX_SUCCESS;
	while (gpa < end) {
		enum kvm_guest_result res = KVM_GUEST_STATUS;
		u64 st = TDX_SUCCESS;
		int level;

		for (level = max_level; level >= PG_LEVEL_4K; level--) {
			u64 sz = level_size(level);

			if ((gpa & (sz - 1)) || end - gpa < sz)
				continue;
			res = kvm_guest_accept(kvm, vcpu, gpa, level, &st);
			if (res != KVM_GUEST_STATUS) {
				/* ENTER_FAILED and STUCK carry a status too. */
				*status = res == KVM_GUEST_ENTER_FAILED || res == KVM_GUEST_STUCK ? st : 0;
				return res;
			}
			if (tdx_status(st) == TDX_SUCCESS)
				break;
		}
		if (level < PG_LEVEL_4K) {
			if (tdx_status(st) != TDX_PAGE_ALREADY_ACCEPTED) {
				*status = st;
				return KVM_GUEST_STATUS;
			}
			level = PG_LEVEL_4K;
		}
		gpa += level_size(level);
	}
	return KVM_GUEST_STATUS;
}

struct accept_piece {
	struct kvm *kvm;
	int vcpu;
	gpa_t gpa;
	u64 size;
	enum kvm_guest_result res;
	u64 status;
	pthread_t thread;
	bool started;
};

static void *accept_piece_thread(void *arg)
{
	struct accept_piece *pc = arg;

	pc->res = guest_accept_memory(pc->kvm, pc->vcpu, pc->gpa, pc->size, &pc->status);
	return NULL;
}

static bool piece_failed(const struct accept_piece *pc)
{
	return pc->res != KVM_GUEST_STATUS || tdx_status(pc->status) != TDX_SUCCESS;
}

enum kvm_guest_result guest_accept_memory_parallel(struct kvm *kvm, gpa_t gpa, u64 size,
						   u64 *status)
{
	int n = kvm_get_config(kvm)->nr_vcpus;
	struct accept_piece *pcs = calloc((size_t)n, sizeof(*pcs));
	enum kvm_guest_result res = KVM_GUEST_STATUS;
	gpa_t end = gpa + size, start = gpa;
	int i;

	if (!pcs) /* no memory for the bookkeeping: do it on one vCPU */
		return guest_accept_memory(kvm, 0, gpa, size, status);
	for (i = 0; i < n; i++) {
		/* Cut on 2M boundaries so each piece can still be accepted huge. */
		gpa_t stop = i == n - 1 ? end : gpa + size / n * (i + 1);

		stop = (stop + level_size(PG_LEVEL_2M) - 1) & ~(level_size(PG_LEVEL_2M) - 1);
		if (stop > end)
			stop = end;
		pcs[i] = (struct accept_piece){.kvm = kvm,
					       .vcpu = i,
					       .gpa = start,
					       .size = stop - start,
					       .res = KVM_GUEST_STATUS};
		start = stop;
		if (!pcs[i].size)
			continue;
		if (!pthread_create(&pcs[i].thread, NULL, accept_piece_thread, &pcs[i]))
			pcs[i].started = true;
		else
			accept_piece_thread(&pcs[i]); /* no thread: accept it from here */
	}
	for (i = 0; i < n; i++)
		if (pcs[i].started)
			pthread_join(pcs[i].thread, NULL);
	*status = TDX_SUCCESS;
	for (i = 0; i < n; i++) {
		if (piece_failed(&pcs[i])) {
			res = pcs[i].res;
			*status = pcs[i].status;
			break;
		}
	}
	free(pcs);
	return res;
}
