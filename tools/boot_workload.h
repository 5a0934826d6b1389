/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The calibrated TD boot (EDK2 + Linux to login) as a scenario, built from
 * the figures the TDX huge-page series published for a real boot (Yan Zhao,
 * June-July 2025; ../shared/reference/huge-page-series.md §1.4): the memslot
 * layout, the firmware and early-kernel 4K accepts where they were seen,
 * the repeated private<->shared conversions of the same few GFNs, the
 * kernel's lazy acceptance up to login on eight vCPUs.  Every choice and
 * its source is in docs/PERFORMANCE.md ("The calibrated TD boot").
 */
#ifndef TDPMMU_TOOLS_BOOT_WORKLOAD_H
#define TDPMMU_TOOLS_BOOT_WORKLOAD_H

#include <stdio.h>

#include "tdpmmu/types.h"

struct boot_workload_params {
	u64 mem; /* guest RAM: 2G below 4G (slot 1), the rest from 4G (slot 2) */
	int nr_vcpus; /* 8 */
	/* Bytes the kernel's page allocator accepts (2M units) before login: the one fitted figure.
	 */
	u64 kernel_accept;
	const char *vm_extra; /* appended to the vm line ("inhibit_precheck=off ..."), or NULL */
	/*
	 * What-ifs, 0 by default (the published report does not locate them):
	 * 4K pages the kernel makes shared inside 2M mappings after login's
	 * accepts (dma_alloc_coherent), and 2M ranges that hold a shared page
	 * when the allocator accepts them (accepted 4K around it).
	 */
	int coherent_dma;
	int mixed_ranges;
};

void boot_workload_default(struct boot_workload_params *p, u64 mem);
/* Write the scenario to @f.  0, or -EINVAL for a size it cannot lay out (< 2G + 512M). */
int boot_workload_emit(FILE *f, const struct boot_workload_params *p);
/* The same into a malloc'ed buffer (*len set); NULL on error. */
char *boot_workload_text(const struct boot_workload_params *p, size_t *len);

/* The three GFN ranges of the published distribution, [start, end). */
struct boot_gfn_range {
	const char *name;
	gfn_t start, end;
	u64 published; /* instances the series counted there */
};
extern const struct boot_gfn_range boot_gfn_ranges[3];

#endif /* TDPMMU_TOOLS_BOOT_WORKLOAD_H */
