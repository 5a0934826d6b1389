/* SPDX-License-Identifier: GPL-2.0-only */
/* The one number parser of the command line and the scenario language. */
#ifndef TDPMMU_TOOLS_PARSE_NUMBER_H
#define TDPMMU_TOOLS_PARSE_NUMBER_H

#include <stdbool.h>

#include "tdpmmu/types.h"

/*
 * Decimal or 0x hex, optionally (@suffix: sizes and addresses) followed by
 * one of K M G T (powers of 1024).  0, -EINVAL (not a number), -ERANGE
 * (overflow).
 */
int tdpmmu_parse_number(const char *s, bool suffix, u64 *out);

#endif /* TDPMMU_TOOLS_PARSE_NUMBER_H */
