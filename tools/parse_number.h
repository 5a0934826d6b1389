/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The one number parser of the command line and the scenario language
 * (SCENARIO-FORMAT.md section 1): the whole word is the number, decimal or
 * 0x hex, no sign, no blanks, no octal (a leading 0 is decimal), nothing
 * that wraps.  Sizes and addresses may end in K, M, G or T (powers of 1024).
 * Every function returns 0 and stores the value, or returns -EINVAL (not a
 * number) or -ERANGE (overflow, or outside [min, max]) and leaves *out alone.
 */
#ifndef TDPMMU_TOOLS_PARSE_NUMBER_H
#define TDPMMU_TOOLS_PARSE_NUMBER_H

#include <stdbool.h>

#include "tdpmmu/types.h"

/* An integer in [@min, @max]; @suffix: K/M/G/T allowed (sizes, addresses). */
int tdpmmu_parse_u64(const char *s, bool suffix, u64 min, u64 max, u64 *out);

/* Any u64: the scenario parser's numbers. */
int tdpmmu_parse_number(const char *s, bool suffix, u64 *out);

/*
 * A finite real number in [@min, @max] (@min >= 0): digits or '.' first
 * (strtod's syntax from there: 0.25, 1e3), no sign, no "inf" or "nan".
 */
int tdpmmu_parse_double(const char *s, double min, double max, double *out);

#endif /* TDPMMU_TOOLS_PARSE_NUMBER_H */
