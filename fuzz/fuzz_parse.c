// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer harness for the scenario parser (tools/scenario_parse.c): any
 * bytes must parse to either a valid scenario or a list of errors with
 * line numbers inside the file, without crashing, leaking or reading out of
 * bounds.  A valid scenario must start with `vm`.  Nothing is run.
 */
#include <stdio.h>
#include <stdlib.h>

#include "scenario.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	static FILE *null;
	struct scenario scn;
	size_t lines = 1, i;
	int errors;

	if (!null)
		null = fopen("/dev/null", "w");
	for (i = 0; i < size; i++)
		lines += data[i] == '\n';
	errors = scenario_parse("fuzz.tdp", (const char *)data, size, &scn);
	if (errors < 0 || (size_t)errors != scn.nr_errors)
		abort();
	for (i = 0; i < scn.nr_errors; i++)
		if (scn.errors[i].line < 0 || (size_t)scn.errors[i].line > lines ||
		    !scn.errors[i].msg)
			abort();
	if (!errors) {
		/* The contract: `vm` first, and every command keeps its line. */
		if (scn.nr_cmds && scn.cmds[0].kind != SCN_VM)
			abort();
		for (i = 0; i < scn.nr_cmds; i++)
			if (scn.cmds[i].line < 1 || (size_t)scn.cmds[i].line > lines)
				abort();
	}
	if (null)
		scenario_print_errors(&scn, null);
	scenario_free(&scn);
	return 0;
}
