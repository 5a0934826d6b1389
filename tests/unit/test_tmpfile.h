/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Temporary files for tests, under $TMPDIR when it is set (CI and
 * sandboxed runs may not allow /tmp), else /tmp.
 */
#ifndef TDPMMU_TEST_TMPFILE_H
#define TDPMMU_TEST_TMPFILE_H

#include <stdio.h>
#include <stdlib.h>

/*
 * mkstemps() on "$TMPDIR/@name" written into @buf; @name holds the
 * XXXXXX and then @suffixlen more characters.  -1 if it does not fit.
 */
static inline int test_mkstemps(char *buf, size_t len, const char *name, int suffixlen)
{
	const char *dir = getenv("TMPDIR");
	int n;

	if (!dir || !*dir)
		dir = "/tmp";
	n = snprintf(buf, len, "%s/%s", dir, name);
	if (n < 0 || (size_t)n >= len)
		return -1;
	return mkstemps(buf, suffixlen);
}

#endif
