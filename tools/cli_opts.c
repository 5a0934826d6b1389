// SPDX-License-Identifier: GPL-2.0-only
/*
 * Command-line numbers (cli_opts.h): strtoull/strtod accept a sign, leading
 * blanks, "inf" and values the caller then truncates; these do not.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>

#include "cli_opts.h"

bool cli_parse_u64(const char *s, bool suffix, u64 min, u64 max, u64 *v)
{
	unsigned long long x;
	unsigned shift = 0;
	char *end;

	if (!s || !isdigit((unsigned char)*s))
		return false;
	errno = 0;
	x = strtoull(s, &end, 0);
	if (errno || end == s)
		return false;
	if (suffix && *end) {
		switch (*end++) {
		case 'K':
			shift = 10;
			break;
		case 'M':
			shift = 20;
			break;
		case 'G':
			shift = 30;
			break;
		case 'T':
			shift = 40;
			break;
		default:
			return false;
		}
	}
	if (*end || (shift && x > (~0ULL >> shift)))
		return false;
	x <<= shift;
	if (x < min || x > max)
		return false;
	*v = x;
	return true;
}

bool cli_parse_int(const char *s, int min, int max, int *v)
{
	u64 x;

	if (min < 0 || !cli_parse_u64(s, false, (u64)min, (u64)max, &x))
		return false;
	*v = (int)x;
	return true;
}

bool cli_parse_seconds(const char *s, bool zero_ok, double *v)
{
	char *end;
	double x;

	if (!s || !(isdigit((unsigned char)*s) || *s == '.'))
		return false;
	errno = 0;
	x = strtod(s, &end);
	if (errno || end == s || *end || !isfinite(x) || x < 0 || (x == 0 && !zero_ok))
		return false;
	*v = x;
	return true;
}
