/* SPDX-License-Identifier: GPL-2.0-only */
/* Shared by the scenario-parser tests (header-only; cmocka included by the test). */
#ifndef TEST_TOOLS_PARSE_HARNESS_H
#define TEST_TOOLS_PARSE_HARNESS_H

#include <stdio.h>
#include <string.h>

#include "scenario.h"

/* The TD line a one-line case follows, so that the case is line 2. */
#define VM "vm mem=64M vcpus=2 max_level=2M\n"

struct bad_line {
	const char *line;
	const char *msg;
};

/* Each row, after VM, must give exactly one error: on line 2, with its message. */
static inline void check_bad_lines(const struct bad_line *rows, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char text[512];
		struct scenario scn;
		int nr;

		snprintf(text, sizeof(text), VM "%s\n", rows[i].line);
		nr = scenario_parse("t.tdp", text, strlen(text), &scn);
		if (nr != 1 || scn.errors[0].line != 2 || strcmp(scn.errors[0].msg, rows[i].msg)) {
			print_error("row %zu '%s': %d errors, first: %d: %s\n  want 2: %s\n", i,
				    rows[i].line, nr, nr ? scn.errors[0].line : 0,
				    nr ? scn.errors[0].msg : "-", rows[i].msg);
			fail();
		}
		scenario_free(&scn);
	}
}

#endif /* TEST_TOOLS_PARSE_HARNESS_H */
