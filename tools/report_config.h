/* SPDX-License-Identifier: GPL-2.0-only */
/* Every `vm` key in force, for the reports (tools/report_config.c). */
#ifndef TDPMMU_TOOLS_REPORT_CONFIG_H
#define TDPMMU_TOOLS_REPORT_CONFIG_H

#include "tdpmmu/vm.h"

/*
 * Called once per key with its value as text; @number: the value is a
 * decimal number (JSON writes it as one).  A non-zero return stops.
 */
typedef int (*report_config_fn)(void *arg, const char *key, const char *value, bool number);
int report_config_for_each(const struct kvm_config *cfg, report_config_fn fn, void *arg);

#endif /* TDPMMU_TOOLS_REPORT_CONFIG_H */
