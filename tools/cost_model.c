// SPDX-License-Identifier: GPL-2.0-only
/*
 * Default cost table (docs/COST-MODEL.md gives each figure's source).
 * Per-SEAMCALL figures already include the SEAMCALL entry/exit.
 */
#include "cost_model.h"

struct leaf_cost {
	enum tdxmod_leaf leaf;
	double us;
};

static const struct leaf_cost leaf_costs[] = {
	{TDH_MEM_SEPT_ADD, 3.0}, /* ESTIMATE */
	{TDH_MEM_PAGE_ADD, 3.0}, /* ESTIMATE */
	{TDH_MEM_PAGE_AUG, 1.5}, /* ESTIMATE (4K; 2M priced the same: AUG does not zero) */
	{TDH_MEM_RANGE_BLOCK, 3.0}, /* ESTIMATE, sums to the DERIVED 16us removal */
	{TDH_MEM_RANGE_UNBLOCK, 3.0}, /* ESTIMATE, as BLOCK */
	{TDH_MEM_TRACK, 1.0}, /* ESTIMATE */
	{TDH_MEM_PAGE_DEMOTE, 10.0}, /* MEASURED average, SPR */
	{TDH_MEM_PAGE_PROMOTE, 10.0}, /* ESTIMATE, by symmetry */
	{TDH_MEM_PAGE_REMOVE, 3.0}, /* ESTIMATE */
	{TDH_MEM_SEPT_REMOVE, 3.0}, /* ESTIMATE, as REMOVE */
	{TDH_PHYMEM_PAMT_ADD, 4.0}, /* MEASURED average */
	{TDH_PHYMEM_PAMT_REMOVE, 2.0}, /* MEASURED average */
	{TDH_VP_ENTER, 2.5}, /* ESTIMATE, enter + exit round trip */
	{TDG_MEM_PAGE_ACCEPT, 0.5}, /* ESTIMATE, guest 4K zeroing */
};

/* Kick: 3us base + 1us per vCPU running in the TD (DERIVED 2-point fit). */
#define KICK_BASE_US 3.0
#define KICK_PER_VCPU_US 1.0
/* EPT-violation exit handling in KVM for a TD, excluding the SEAMCALLs (DERIVED). */
#define EPT_VIOLATION_US 6.0

static void add_item(struct cost_report *r, const char *name, double us, u64 count)
{
	struct cost_item *it;

	if (r->nr_items >= COST_MAX_ITEMS || !count)
		return;
	it = &r->items[r->nr_items++];
	it->name = name;
	it->us_each = us;
	it->count = count;
	it->us_total = us * (double)count;
	r->total_us += it->us_total;
}

void cost_model_evaluate(const struct kvm_counters *c, int nr_vcpus, struct cost_report *out)
{
	size_t i;

	out->nr_items = 0;
	out->total_us = 0;
	for (i = 0; i < ARRAY_SIZE(leaf_costs); i++)
		add_item(out, tdxmod_leaf_name(leaf_costs[i].leaf), leaf_costs[i].us,
			 c->leaf_calls[leaf_costs[i].leaf]);
	add_item(out, "kick", KICK_BASE_US + KICK_PER_VCPU_US * nr_vcpus, c->kicks);
	add_item(out, "ept_violation", EPT_VIOLATION_US, c->faults);
}
