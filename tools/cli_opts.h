/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Numbers on the command line, parsed one way for every subcommand: the
 * whole word must be the number, nothing may wrap or be truncated, and a
 * range is checked before the value is used.
 */
#ifndef TDPMMU_CLI_OPTS_H
#define TDPMMU_CLI_OPTS_H

#include <stdbool.h>

#include "tdpmmu/types.h"

/*
 * Decimal or 0x hex, optionally with a K/M/G/T suffix (powers of 1024) when
 * @suffix; in [@min, @max].  No sign, no overflow, no trailing characters.
 */
bool cli_parse_u64(const char *s, bool suffix, u64 min, u64 max, u64 *v);
/* An int in [@min, @max] (min >= 0). */
bool cli_parse_int(const char *s, int min, int max, int *v);
/* A finite number of seconds, > 0 (or >= 0 when @zero_ok); no "inf", no "nan". */
bool cli_parse_seconds(const char *s, bool zero_ok, double *v);

#endif
