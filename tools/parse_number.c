// SPDX-License-Identifier: GPL-2.0-only
/*
 * Numbers and sizes, as SCENARIO-FORMAT.md section 1 defines them, for the
 * scenario files and the command line alike.  Hand-rolled rather than
 * strtoull(): that one takes a sign, leading blanks and octal, none of
 * which the language has.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "parse_number.h"

static int digit_value(char c, unsigned base)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (base == 16 && c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (base == 16 && c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int tdpmmu_parse_u64(const char *s, bool suffix, u64 min, u64 max, u64 *out)
{
	unsigned base = 10;
	const char *c = s;
	bool digits = false;
	u64 v = 0;
	int d;

	if (!s)
		return -EINVAL;
	if (c[0] == '0' && (c[1] == 'x' || c[1] == 'X')) {
		base = 16;
		c += 2;
	}
	for (; (d = digit_value(*c, base)) >= 0; c++) {
		if (v > (UINT64_MAX - (u64)d) / base)
			return -ERANGE;
		v = v * base + (u64)d;
		digits = true;
	}
	if (!digits)
		return -EINVAL;
	/* One unit letter, last: "4K"; not "4KB", not "4k". */
	if (*c && suffix && !c[1]) {
		const char *units = "KMGT";
		const char *u = strchr(units, *c);
		unsigned shift;

		if (!u)
			return -EINVAL;
		shift = 10 * (unsigned)(u - units + 1);
		if (v > (UINT64_MAX >> shift))
			return -ERANGE;
		v <<= shift;
		c++;
	}
	if (*c)
		return -EINVAL;
	if (v < min || v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

int tdpmmu_parse_number(const char *s, bool suffix, u64 *out)
{
	return tdpmmu_parse_u64(s, suffix, 0, UINT64_MAX, out);
}

int tdpmmu_parse_double(const char *s, double min, double max, double *out)
{
	char *end;
	double x;

	if (!s || !(isdigit((unsigned char)*s) || *s == '.'))
		return -EINVAL;
	errno = 0;
	x = strtod(s, &end);
	if (end == s || *end)
		return -EINVAL;
	if (errno || !isfinite(x) || x < min || x > max)
		return -ERANGE;
	*out = x;
	return 0;
}
