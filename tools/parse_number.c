// SPDX-License-Identifier: GPL-2.0-only
/* Numbers and sizes, as SCENARIO-FORMAT.md section 1 defines them. */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "parse_number.h"

int tdpmmu_parse_number(const char *s, bool suffix, u64 *out)
{
	unsigned base = 10;
	u64 v = 0;
	const char *c = s;
	bool digits = false;

	if (c[0] == '0' && (c[1] == 'x' || c[1] == 'X')) {
		base = 16;
		c += 2;
	}
	for (;; c++) {
		unsigned d;

		if (*c >= '0' && *c <= '9')
			d = *c - '0';
		else if (base == 16 && *c >= 'a' && *c <= 'f')
			d = *c - 'a' + 10;
		else if (base == 16 && *c >= 'A' && *c <= 'F')
			d = *c - 'A' + 10;
		else
			break;
		if (v > (UINT64_MAX - d) / base)
			return -ERANGE;
		v = v * base + d;
		digits = true;
	}
	if (!digits)
		return -EINVAL;
	if (*c && suffix && !c[1]) {
		const char *units = "KMGT";
		const char *u = strchr(units, *c);

		if (!u)
			return -EINVAL;
		unsigned shift = 10 * (unsigned)(u - units + 1);

		if (v > (UINT64_MAX >> shift))
			return -ERANGE;
		v <<= shift;
		c++;
	}
	if (*c)
		return -EINVAL;
	*out = v;
	return 0;
}
