// SPDX-License-Identifier: GPL-2.0-only
/*
 * vCPUs: threads that run guest work posted by callers, TD entry/exit
 * through the module (epoch bookkeeping), and the kick
 * (kvm_make_all_cpus_request(KVM_REQ_OUTSIDE_GUEST_MODE) and
 * wait_for_sept_zap's hold).
 *
 * A vCPU that has run guest code stays inside the TD until it takes an
 * exit or is kicked.  "Inside, executing" is vcpu->lock held; the kicker
 * takes each vCPU's lock, so it waits for the vCPU to reach a boundary
 * (its acknowledgement) and then makes it leave.  A vCPU never holds its
 * lock while waiting for mmu_lock, and the kicker never needs anything
 * a vCPU holds while waiting for mmu_lock: no deadlock against mmu_lock.
 */
#define _LGPL_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <urcu/urcu-memb.h>

#include "vm_internal.h"

/* ---- RCU registration of whatever thread calls us ---- */

static pthread_key_t rcu_key;
static pthread_once_t rcu_key_once = PTHREAD_ONCE_INIT;

static void rcu_thread_exit(void *p)
{
	(void)p;
	kvm_mmu_unregister_thread();
}

static void rcu_key_init(void)
{
	pthread_key_create(&rcu_key, rcu_thread_exit);
}

void kvm_thread_ensure_registered(void)
{
	/* A caller that registered the thread itself keeps ownership of it. */
	if (URCU_TLS(urcu_memb_reader).registered)
		return;
	pthread_once(&rcu_key_once, rcu_key_init);
	kvm_mmu_register_thread();
	pthread_setspecific(rcu_key, (void *)1);
}

/* ---- entry, exit, kick ---- */

u64 kvm_vcpu_guest_begin(struct kvm_vcpu *vcpu)
{
	struct kvm *kvm = vcpu->kvm;
	int busy = 0;

	for (;;) {
		u64 st;

		/* Under the explorer a condvar wait would stall the one running thread. */
		while (tdpmmu_yield_hook && atomic_load(&kvm->no_vcpu_enter))
			yield_point(YIELD_BLOCKED, "vcpu enter held off");
		if (atomic_load(&kvm->no_vcpu_enter)) {
			pthread_mutex_lock(&kvm->enter_lock);
			while (atomic_load(&kvm->no_vcpu_enter))
				pthread_cond_wait(&kvm->enter_cond, &kvm->enter_lock);
			pthread_mutex_unlock(&kvm->enter_lock);
		}
		mutex_lock_yield(&vcpu->lock, "vcpu lock");
		/* Checked under the lock: a holding kicker sets it before taking ours. */
		if (atomic_load(&kvm->no_vcpu_enter)) {
			pthread_mutex_unlock(&vcpu->lock);
			continue;
		}
		if (tdx_vcpu_in_td(kvm->kvm_tdx, vcpu->id))
			return TDX_SUCCESS;
		/* TDH.VP.ENTER; BUSY (a TRACK holds the epoch lock): try again. */
		st = tdx_vcpu_enter(kvm->kvm_tdx, vcpu->id);
		if (!st)
			return TDX_SUCCESS;
		pthread_mutex_unlock(&vcpu->lock);
		/* Refused (e.g. the TD is not RUNNABLE): the guest does not run. */
		if (!tdx_operand_busy(st) || ++busy == KVM_GUEST_MAX_ENTER_BUSY)
			return st;
		counter_inc(&kvm->enter_busy_retries);
		yield_point(YIELD_BLOCKED, "VP.ENTER busy");
		sched_yield();
	}
}

void kvm_vcpu_guest_done(struct kvm_vcpu *vcpu)
{
	pthread_mutex_unlock(&vcpu->lock);
}

void kvm_vcpu_td_exit(struct kvm_vcpu *vcpu)
{
	struct kvm *kvm = vcpu->kvm;

	if (tdx_vcpu_in_td(kvm->kvm_tdx, vcpu->id))
		tdx_vcpu_exit(kvm->kvm_tdx, vcpu->id);
	pthread_mutex_unlock(&vcpu->lock);
}

static void kvm_kick_all(void *vm, bool hold)
{
	struct kvm *kvm = vm;
	int i;

	if (hold)
		atomic_store(&kvm->no_vcpu_enter, true);
	for (i = 0; i < kvm->cfg.nr_vcpus; i++) {
		struct kvm_vcpu *vcpu = &kvm->vcpus[i];

		mutex_lock_yield(&vcpu->lock, "kick: vcpu lock");
		if (tdx_vcpu_in_td(kvm->kvm_tdx, i))
			tdx_vcpu_exit(kvm->kvm_tdx, i);
		pthread_mutex_unlock(&vcpu->lock);
	}
}

static void kvm_release_all(void *vm)
{
	struct kvm *kvm = vm;

	pthread_mutex_lock(&kvm->enter_lock);
	atomic_store(&kvm->no_vcpu_enter, false);
	pthread_cond_broadcast(&kvm->enter_cond);
	pthread_mutex_unlock(&kvm->enter_lock);
}

const struct tdx_kick_ops kvm_tdx_kick_ops = {
	.kick_all = kvm_kick_all,
	.release_all = kvm_release_all,
};

/* ---- vCPU threads ---- */

/* Guest work runs as the vCPU: its faults use the vCPU's DPAMT cache. */
static void vcpu_run_fn(struct kvm *kvm, int id, vcpu_work_fn fn, void *arg)
{
	struct tdx_running_vcpu prev = tdx_vcpu_load(kvm->kvm_tdx, id);

	fn(kvm, id, arg);
	tdx_vcpu_put(prev);
}

static void *vcpu_thread(void *p)
{
	struct kvm_vcpu *vcpu = p;

	kvm_thread_ensure_registered();
	pthread_mutex_lock(&vcpu->work_lock);
	for (;;) {
		while (!vcpu->work && !vcpu->stop)
			pthread_cond_wait(&vcpu->work_cond, &vcpu->work_lock);
		if (vcpu->stop)
			break;
		pthread_mutex_unlock(&vcpu->work_lock);
		vcpu_run_fn(vcpu->kvm, vcpu->id, vcpu->work, vcpu->work_arg);
		pthread_mutex_lock(&vcpu->work_lock);
		vcpu->work = NULL;
		vcpu->work_done = true;
		pthread_cond_broadcast(&vcpu->work_cond);
	}
	pthread_mutex_unlock(&vcpu->work_lock);
	return NULL;
}

void kvm_vcpu_run_work(struct kvm *kvm, int id, vcpu_work_fn fn, void *arg)
{
	struct kvm_vcpu *vcpu = &kvm->vcpus[id];

	if (!vcpu->has_thread) {
		mutex_lock_yield(&vcpu->req_lock, "vcpu req_lock");
		kvm_thread_ensure_registered();
		vcpu_run_fn(kvm, id, fn, arg);
		pthread_mutex_unlock(&vcpu->req_lock);
		return;
	}
	pthread_mutex_lock(&vcpu->req_lock);
	pthread_mutex_lock(&vcpu->work_lock);
	vcpu->work_arg = arg;
	vcpu->work_done = false;
	vcpu->work = fn;
	pthread_cond_broadcast(&vcpu->work_cond);
	while (!vcpu->work_done)
		pthread_cond_wait(&vcpu->work_cond, &vcpu->work_lock);
	pthread_mutex_unlock(&vcpu->work_lock);
	pthread_mutex_unlock(&vcpu->req_lock);
}

int kvm_vcpus_create(struct kvm *kvm)
{
	int i;

	kvm->vcpus = calloc(kvm->cfg.nr_vcpus, sizeof(*kvm->vcpus));
	if (!kvm->vcpus)
		return -ENOMEM;
	for (i = 0; i < kvm->cfg.nr_vcpus; i++) {
		struct kvm_vcpu *vcpu = &kvm->vcpus[i];

		vcpu->kvm = kvm;
		vcpu->id = i;
		pthread_mutex_init(&vcpu->lock, NULL);
		pthread_mutex_init(&vcpu->req_lock, NULL);
		pthread_mutex_init(&vcpu->work_lock, NULL);
		pthread_cond_init(&vcpu->work_cond, NULL);
	}
	if (!kvm->cfg.vcpu_threads)
		return 0;
	for (i = 0; i < kvm->cfg.nr_vcpus; i++) {
		struct kvm_vcpu *vcpu = &kvm->vcpus[i];

		if (pthread_create(&vcpu->thread, NULL, vcpu_thread, vcpu))
			return -EAGAIN;
		vcpu->has_thread = true;
	}
	return 0;
}

void kvm_vcpus_stop(struct kvm *kvm)
{
	int i;

	if (!kvm->vcpus)
		return;
	for (i = 0; i < kvm->cfg.nr_vcpus; i++) {
		struct kvm_vcpu *vcpu = &kvm->vcpus[i];

		if (!vcpu->has_thread)
			continue;
		pthread_mutex_lock(&vcpu->work_lock);
		vcpu->stop = true;
		pthread_cond_broadcast(&vcpu->work_cond);
		pthread_mutex_unlock(&vcpu->work_lock);
		pthread_join(vcpu->thread, NULL);
		vcpu->has_thread = false;
	}
}

void kvm_vcpus_destroy(struct kvm *kvm)
{
	int i;

	if (!kvm->vcpus)
		return;
	kvm_vcpus_stop(kvm);
	for (i = 0; i < kvm->cfg.nr_vcpus; i++) {
		struct kvm_vcpu *vcpu = &kvm->vcpus[i];

		pthread_mutex_destroy(&vcpu->lock);
		pthread_mutex_destroy(&vcpu->req_lock);
		pthread_mutex_destroy(&vcpu->work_lock);
		pthread_cond_destroy(&vcpu->work_cond);
	}
	free(kvm->vcpus);
	kvm->vcpus = NULL;
}
