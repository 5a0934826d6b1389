// SPDX-License-Identifier: GPL-2.0-only
/*
 * `tdpmmu stress`: the TD's life, seen from the coordinator with every
 * worker parked.  Create and finalize it; check it (the invariant checker,
 * or the module's own invariants alone once a fatal injection bugged it)
 * and sample how much of it is mapped huge; retire a bugged TD after
 * checking the damage is contained; replace a TD whose huge mappings have
 * all been split (--td-lifetime).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "checker.h"
#include "stress_run.h"
#include "tdpmmu/vm_inspect.h"

/* ---- quiescent check ---- */

struct check_msgs {
	struct stress *s;
	int n;
};

static void check_report(void *arg, const char *msg)
{
	struct check_msgs *m = arg;

	if (m->n++ < 8)
		fprintf(stderr, "tdpmmu stress: check: %s\n", msg);
}

/* How much of the mapped private memory is mapped huge now (workers parked). */
static void huge_sample(struct stress *s)
{
	u64 m[PG_LEVEL_512G + 1] = {0}, huge, all;

	kvm_count_mappings(s->kvm, m);
	huge = m[PG_LEVEL_2M] * 2 * MB + m[PG_LEVEL_1G] * 1024 * MB;
	all = huge + m[PG_LEVEL_4K] * PAGE_SIZE;
	if (!all)
		return;
	s->huge_share_last = (double)huge / (double)all;
	s->huge_share_sum += s->huge_share_last;
	s->huge_samples++;
}

/* Runs with every worker parked (or joined). */
void stress_quiescent_check(struct stress *s)
{
	struct check_msgs m = {.s = s};
	int v;

	/* A VM bugged on purpose promises only the module's own invariants. */
	if (kvm_is_bugged(s->kvm) && s->fatal_armed)
		v = tdxmod_check(kvm_tdx_td(s->kvm), check_report, &m);
	else
		v = tdpmmu_check(s->kvm, check_report, &m);

	if (v) {
		s->checks_failed++;
		stress_violation(s, "invariant check failed with %d violation(s)", v);
		return;
	}
	s->checks_passed++;
	huge_sample(s);
	if (kvm_is_bugged(s->kvm) && !s->fatal_armed)
		stress_violation(s, "VM bugged without a fatal injection");
}

/* ---- VM lifecycle ---- */

int stress_vm_create(struct stress *s)
{
	struct kvm_config cfg;
	u64 status;
	int r;

	kvm_config_default(&cfg);
	cfg.mem = s->o.mem;
	cfg.nr_vcpus = s->o.vcpus;
	cfg.max_level = s->o.max_level;
	cfg.module = s->o.module;
	cfg.dpamt = s->o.dpamt;
	cfg.demote_interruptible = s->o.demote_interruptible;
	cfg.seed = s->o.seed;
	cfg.policy = s->o.policy;
	cfg.split_lock = s->o.split_lock;
	cfg.vcpu_threads = s->o.vcpu_threads;
	cfg.promote = s->o.promote;
	r = kvm_create(&cfg, &s->kvm);
	if (r)
		return r;
	status = kvm_tdx_finalize(s->kvm);
	if (status) {
		kvm_destroy(s->kvm);
		s->kvm = NULL;
		return -EIO;
	}
	stress_inject_reset(s);
	s->runs++;
	return 0;
}

/*
 * A VM that a fatal injection bugged: check that the damage is contained
 * (MMU ops fail with EIO, the module's invariants hold, teardown frees every
 * frame), then start a fresh one.
 */
int stress_vm_retire(struct stress *s, bool restart)
{
	struct kvm_counters c = {};
	bool bugged = kvm_is_bugged(s->kvm);
	u64 leaked;

	kvm_get_counters(s->kvm, &c);
	kvm_counters_add(&s->counters_total, &c);
	if (bugged) {
		int rc = kvm_set_memory_attributes(s->kvm, 0, PAGE_SIZE, false);

		if (rc != -EIO)
			stress_violation(s, "bugged VM: convert returned %d, not -EIO", rc);
		if (s->fatal_armed)
			s->bugged_runs_expected++;
	}
	kvm_destroy(s->kvm);
	s->kvm = NULL;
	leaked = kvm_destroy_leaked_bytes();
	if (leaked)
		stress_violation(s, "teardown leaked %llu bytes", (unsigned long long)leaked);
	if (!restart || s->violations)
		return 0;
	if (stress_vm_create(s)) {
		stress_violation(s, "cannot create a new TD after a bugged one");
		return -1;
	}
	return 0;
}

/*
 * A split huge range stays split for the TD's life: the emptied S-EPT page
 * table stays, and faults map 4K under it (and a guest 4K ACCEPT inhibits
 * the range for good).  Without promotion, only a fresh TD has huge
 * mappings to make and split again.  Workers are parked; the op logs start
 * afresh, so a replay covers the TD that failed.
 */
void stress_td_recycle(struct stress *s)
{
	if (stress_vm_retire(s, true) || !s->kvm)
		return;
	for (int i = 0; i < s->nr_workers; i++)
		s->w[i].follow = false;
	stress_log_restart(s);
	s->recycles++;
}
