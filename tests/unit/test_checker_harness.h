/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Shared by the checker's tests (test_checker_*.c, test_bugs_*.c): a TD
 * with chosen options, and tdpmmu_check() with its messages collected so
 * a test can ask whether one exact rule was reported.
 */
#ifndef TEST_CHECKER_HARNESS_H
#define TEST_CHECKER_HARNESS_H

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "checker.h"
#include "tdpmmu/mmu.h"
#include "tdpmmu/vm.h"
#include "tdpmmu/vm_inspect.h"

#define MiB (1ULL << 20)

struct check_log {
	char msgs[64][400];
	int n;
};

static struct check_log check_log;

static void check_log_report(void *arg, const char *msg)
{
	struct check_log *l = arg;

	if (l->n < 64)
		snprintf(l->msgs[l->n++], sizeof(l->msgs[0]), "%s", msg);
}

/* Run the checker; returns the number of violations, messages in check_log. */
static inline int run_check(struct kvm *kvm)
{
	memset(&check_log, 0, sizeof(check_log));
	return tdpmmu_check(kvm, check_log_report, &check_log);
}

/* How many messages of the last run_check() start with "[rule]". */
static inline int reported(const char *rule)
{
	char tag[64];
	int n = 0;

	snprintf(tag, sizeof(tag), "[%s]", rule);
	for (int i = 0; i < check_log.n; i++)
		if (!strncmp(check_log.msgs[i], tag, strlen(tag)))
			n++;
	return n;
}

/* The first message of the last run_check() for "[rule]", or "". */
static inline const char *first_msg(const char *rule)
{
	char tag[64];

	snprintf(tag, sizeof(tag), "[%s]", rule);
	for (int i = 0; i < check_log.n; i++)
		if (!strncmp(check_log.msgs[i], tag, strlen(tag)))
			return check_log.msgs[i];
	return "";
}

static inline void dump_check_log(void)
{
	for (int i = 0; i < check_log.n; i++)
		print_message("    checker: %s\n", check_log.msgs[i]);
}

static inline void assert_clean(struct kvm *kvm)
{
	int v = run_check(kvm);

	if (v)
		dump_check_log();
	assert_int_equal(v, 0);
}

static inline void assert_reported(struct kvm *kvm, const char *rule)
{
	run_check(kvm);
	if (!reported(rule)) {
		print_message("    want [%s], got:\n", rule);
		dump_check_log();
	}
	assert_true(reported(rule) > 0);
}

struct vm_opts {
	u64 mem;
	int vcpus;
	int max_level;
	bool finalize;
};

static inline struct kvm *vm_make(struct vm_opts o)
{
	struct kvm_config cfg;
	struct kvm *kvm = NULL;

	kvm_config_default(&cfg);
	cfg.mem = o.mem ? o.mem : 8 * MiB;
	cfg.nr_vcpus = o.vcpus ? o.vcpus : 1;
	cfg.max_level = o.max_level ? o.max_level : PG_LEVEL_2M;
	cfg.vcpu_threads = false;
	cfg.seed = 1;
	assert_int_equal(kvm_create(&cfg, &kvm), 0);
	if (o.finalize)
		assert_int_equal(kvm_tdx_finalize(kvm), TDX_SUCCESS);
	return kvm;
}

static inline u64 raw(struct kvm *kvm, enum tdxmod_leaf leaf, gpa_t gpa, int pg_level)
{
	return kvm_raw_seamcall(kvm, leaf, gpa, pg_level_to_tdx_sept_level(pg_level), 0, NULL,
				NULL);
}

static inline void accept_ok(struct kvm *kvm, int vcpu, gpa_t gpa, int level)
{
	u64 status = ~0ULL;

	assert_int_equal(kvm_guest_accept(kvm, vcpu, gpa, level, &status), KVM_GUEST_STATUS);
	assert_int_equal(status, TDX_SUCCESS);
}

static inline u64 leaf_calls(struct kvm *kvm, enum tdxmod_leaf leaf)
{
	struct kvm_counters c;

	kvm_get_counters(kvm, &c);
	return c.leaf_calls[leaf];
}

/*
 * One EPT violation handled straight by the MMU, with a PFN the test
 * chooses (bypassing guest_memfd and the attributes): the way to build a
 * state the VM layer would never produce.
 */
static inline int mmu_map(struct kvm *kvm, gfn_t gfn, bool private, kvm_pfn_t pfn, int max_level,
			  u64 seq)
{
	struct kvm_page_fault f = {
		.gfn = gfn,
		.is_private = private,
		.write = true,
		.pfn = pfn,
		.max_level = max_level,
		.mmu_seq = seq,
	};

	return kvm_tdp_mmu_page_fault(kvm_get_mmu(kvm), &f);
}

static inline kvm_pfn_t fresh_pfn(struct kvm *kvm, int level)
{
	hpa_t hpa;

	assert_int_equal(frame_alloc_guest(kvm_frame_allocator(kvm), level, &hpa), 0);
	return hpa >> PAGE_SHIFT;
}

#endif /* TEST_CHECKER_HARNESS_H */
