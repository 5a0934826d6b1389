// SPDX-License-Identifier: GPL-2.0-only
/*
 * `tdpmmu run [--json] [FILE|-]`: parse the whole scenario (exit 2 on any
 * error, nothing run), run it, report.  No FILE: the built-in scenario.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "gpa_map.h"
#include "trace_file.h"
#include "report.h"
#include "scenario.h"
#include "tdpmmu/mmu.h"
#include "tdpmmu/trace.h"

static void run_usage(FILE *f)
{
	fprintf(f, "usage: tdpmmu run [--json] [--trace FILE] [--map FILE] [FILE|-]\n"
		   "\n"
		   "Runs a scenario file (- for stdin; none: the built-in TD lifecycle)\n"
		   "and prints a report.\n"
		   "\n"
		   "  --json         print the report as one JSON object\n"
		   "  --trace FILE   write a kernel-style event log (ftrace's text format)\n"
		   "                 to FILE, - for stderr\n"
		   "  --map FILE     draw the guest physical address space at the end of\n"
		   "                 the run: FILE.svg or FILE.png\n"
		   "\n"
		   "The scenario language: docs/SCENARIO-LANGUAGE.md.\n"
		   "Exit status: 0 all expectations and checks held, 1 something failed,\n"
		   "2 usage or parse error.\n");
}

int cmd_run(int argc, char **argv)
{
	const char *path = NULL, *trace_path = NULL, *map_path = NULL;
	bool json = false, opts_done = false;
	FILE *trace = NULL;
	struct scenario scn;
	struct scn_result res;
	struct scn_run_opts ro;
	const char *name;
	int nerr, rc;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!opts_done && !strcmp(a, "--")) {
			opts_done = true;
		} else if (!opts_done && !strcmp(a, "--json")) {
			json = true;
		} else if (!opts_done && (!strcmp(a, "--trace") || !strcmp(a, "--map"))) {
			if (i + 1 >= argc) {
				fprintf(stderr, "tdpmmu run: %s needs a FILE\n", a);
				return 2;
			}
			*(!strcmp(a, "--trace") ? &trace_path : &map_path) = argv[++i];
		} else if (!opts_done && (!strcmp(a, "--help") || !strcmp(a, "-h"))) {
			run_usage(stdout);
			return 0;
		} else if (!opts_done && a[0] == '-' && a[1]) {
			fprintf(stderr, "tdpmmu run: unknown option '%s'\n", a);
			run_usage(stderr);
			return 2;
		} else if (path) {
			fprintf(stderr, "tdpmmu run: more than one scenario file ('%s', '%s')\n",
				path, a);
			return 2;
		} else {
			path = a;
		}
	}

	if (path) {
		nerr = scenario_parse_file(path, &scn);
		if (nerr < 0) {
			fprintf(stderr, "tdpmmu run: cannot read %s: %s\n", scn.file,
				scn.errors[0].msg);
			scenario_free(&scn);
			return 2;
		}
	} else {
		nerr = scenario_parse("<built-in>", (const char *)default_scenario,
				      default_scenario_len, &scn);
	}
	if (nerr) {
		scenario_print_errors(&scn, stderr);
		scenario_free(&scn);
		return 2;
	}
	if (map_path && !gpa_map_format_ok(map_path)) {
		fprintf(stderr, "tdpmmu run: --map %s: the name must end in .svg or .png\n",
			map_path);
		scenario_free(&scn);
		return 2;
	}
	if (trace_path) {
		trace = trace_open_file(trace_path);
		if (!trace) {
			fprintf(stderr, "tdpmmu run: --trace %s: %s\n", trace_path, strerror(errno));
			scenario_free(&scn);
			return 2;
		}
		trace_start(trace, 0);
	}

	ro = (struct scn_run_opts){
		.out = json ? stderr : stdout, /* stdout carries only the JSON object */
		.err = stderr,
		.timeline = true, /* both reports show mappings over time */
		.map_path = map_path,
	};
	kvm_mmu_register_thread();
	rc = scenario_run(&scn, &ro, &res);
	kvm_mmu_unregister_thread();
	if (trace) {
		trace_stop();
		trace_close_file(trace);
	}
	if (map_path && res.map_error) {
		fprintf(stderr, "tdpmmu run: --map %s: %s\n", map_path, res.map_error);
		rc = 1;
	}

	name = scn.file;
	if (json) {
		if (report_json(stdout, name, &res, rc) < 0) {
			fprintf(stderr, "tdpmmu run: cannot write the JSON report\n");
			rc = 1;
		}
	} else {
		report_human(stdout, name, &res, rc);
	}
	fflush(stdout);
	scn_result_free(&res);
	scenario_free(&scn);
	return rc;
}
