/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The modelled host cost of a run: counts of SEAMCALLs, kicks and faults
 * priced with a per-operation table (microseconds on one logical CPU).
 * The figures and their sources are in docs/COST-MODEL.md; MEASURED ones
 * come from published measurements, the rest are marked ESTIMATE there.
 */
#ifndef TDPMMU_TOOLS_COST_MODEL_H
#define TDPMMU_TOOLS_COST_MODEL_H

#include "tdpmmu/vm.h"

struct cost_item {
	const char *name;
	double us_each;
	u64 count;
	double us_total;
};

#define COST_MAX_ITEMS 24

struct cost_report {
	struct cost_item items[COST_MAX_ITEMS];
	int nr_items;
	double total_us;
};

/* Price @c (counters of one run, @nr_vcpus vCPUs) with the default table. */
void cost_model_evaluate(const struct kvm_counters *c, int nr_vcpus, struct cost_report *out);

#endif
