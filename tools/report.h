/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Run reports: the human one and the JSON one (SCENARIO-FORMAT.md section 4,
 * plus extra members), and the `stats` listing.
 */
#ifndef TDPMMU_TOOLS_REPORT_H
#define TDPMMU_TOOLS_REPORT_H

#include <stdio.h>

#include "scenario.h"

struct kvm;

/* @failed: the run's result (exit status 1). */
void report_human(FILE *f, const char *file, const struct scn_result *res, bool failed);
/* One JSON object and a newline.  0, or -1 if jansson could not build it. */
int report_json(FILE *f, const char *file, const struct scn_result *res, bool failed);

/* `stats`: every counter of the VM now, one per line. */
void scenario_print_stats(struct kvm *kvm, FILE *f);

#endif /* TDPMMU_TOOLS_REPORT_H */
