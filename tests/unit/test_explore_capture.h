/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Run `tdpmmu explore [A1] [A2] FILE` in-process with its stdout captured
 * (through a temporary file under $TMPDIR): the test_bugs_* tests read
 * the report.  Include after <cmocka.h> and "commands.h".
 */
#ifndef TDPMMU_TEST_EXPLORE_CAPTURE_H
#define TDPMMU_TEST_EXPLORE_CAPTURE_H

#include <stdio.h>
#include <unistd.h>

#include "test_tmpfile.h"

/* The exit status of cmd_explore; its stdout, NUL-ended, in @out. */
static inline int test_explore_capture(char *out, size_t len, const char *a1, const char *a2,
				       const char *file)
{
	char outpath[4096];
	char *argv[5];
	int argc = 0, fd, saved, rc;
	FILE *f;
	size_t n;

	argv[argc++] = "explore";
	if (a1)
		argv[argc++] = (char *)a1;
	if (a2)
		argv[argc++] = (char *)a2;
	argv[argc++] = (char *)file;
	argv[argc] = NULL;
	fd = test_mkstemps(outpath, sizeof(outpath), "test-explore-out.XXXXXX", 0);
	assert_true(fd >= 0);
	fflush(stdout);
	saved = dup(1);
	dup2(fd, 1);
	rc = cmd_explore(argc, argv);
	fflush(stdout);
	dup2(saved, 1);
	close(saved);
	f = fdopen(fd, "r");
	assert_non_null(f);
	rewind(f);
	n = fread(out, 1, len - 1, f);
	out[n] = 0;
	fclose(f);
	unlink(outpath);
	return rc;
}

#endif
