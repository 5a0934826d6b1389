// SPDX-License-Identifier: GPL-2.0-only
/*
 * A program against the installed library: create a TD, let the guest
 * accept 2M (KVM maps it 2M), split the mapping to 4K from the host, and
 * run the invariant checker.  Build:
 *   cc -o split_td split_td.c $(pkg-config --cflags --libs tdpmmu)
 * Exit 0 when the TD looks as it must after each step.
 */
#include <stdio.h>

#include <tdpmmu/checker.h>
#include <tdpmmu/vm.h>

#define GPA (2ULL << 20) /* a 2M-aligned private GPA */

static void print_violation(void *arg, const char *msg)
{
	(void)arg;
	fprintf(stderr, "violation: %s\n", msg);
}

static int fail(struct kvm *kvm, const char *what)
{
	fprintf(stderr, "split_td: %s\n", what);
	kvm_destroy(kvm);
	return 1;
}

int main(void)
{
	struct kvm_config cfg;
	struct kvm_counters c;
	struct kvm *kvm;
	kvm_pfn_t pfn;
	u64 status;
	int level;

	kvm_config_default(&cfg);
	cfg.mem = 32ULL << 20;
	cfg.max_level = PG_LEVEL_2M;
	if (kvm_create(&cfg, &kvm)) {
		fprintf(stderr, "split_td: kvm_create failed\n");
		return 1;
	}
	if (kvm_tdx_finalize(kvm) != TDX_SUCCESS)
		return fail(kvm, "TDH.MR.FINALIZE failed");

	/* The guest accepts 2M: EPT violation, PAGE.AUG at 2M, ACCEPT. */
	if (kvm_guest_accept(kvm, 0, GPA, PG_LEVEL_2M, &status) != KVM_GUEST_STATUS ||
	    status != TDX_SUCCESS)
		return fail(kvm, "2M accept failed");
	if (!kvm_mirror_lookup(kvm, GPA, &level, &pfn) || level != PG_LEVEL_2M)
		return fail(kvm, "no 2M mapping after the accept");

	/* The host splits it: BLOCK, TRACK, kick, DEMOTE. */
	if (kvm_split_range(kvm, GPA, 2ULL << 20, PG_LEVEL_4K))
		return fail(kvm, "split failed");
	if (!kvm_mirror_lookup(kvm, GPA + 0x1000, &level, &pfn) || level != PG_LEVEL_4K)
		return fail(kvm, "no 4K mapping after the split");
	kvm_get_counters(kvm, &c);
	if (c.leaf_calls[TDH_MEM_PAGE_DEMOTE] != 1 || c.splits != 1)
		return fail(kvm, "expected one DEMOTE and one split");

	if (tdpmmu_check(kvm, print_violation, NULL))
		return fail(kvm, "invariant violations");

	printf("split_td: 2M mapping split to 4K (DEMOTE calls %llu, TRACK rounds %llu), "
	       "invariants hold\n",
	       (unsigned long long)c.leaf_calls[TDH_MEM_PAGE_DEMOTE],
	       (unsigned long long)c.track_rounds);
	kvm_destroy(kvm);
	return 0;
}
