// SPDX-License-Identifier: GPL-2.0-only
/*
 * `tdpmmu run [--json] [--trace FILE] [--map FILE] [FILE|-]`: parse the
 * whole scenario (exit 2 on any error, nothing run), run it, report.  No
 * FILE: the built-in scenario.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli_opts.h"
#include "commands.h"
#include "gpa_map.h"
#include "trace_file.h"
#include "report.h"
#include "scenario.h"
#include "tdpmmu/mmu.h"
#include "tdpmmu/trace.h"

struct run_opts {
	bool json;
	const char *trace, *map;
};

static const struct cli_opt run_options[] = {
	CLI_OPT("json", CLI_FLAG, CLI_AT(struct run_opts, json), NULL,
		"print the report as one JSON object"),
	CLI_OPT("trace", CLI_STRING, CLI_AT(struct run_opts, trace), "FILE",
		"write a kernel-style event log (ftrace's text format)\n"
		"to FILE, - for stderr"),
	CLI_OPT("map", CLI_STRING, CLI_AT(struct run_opts, map), "FILE",
		"draw the guest physical address space at the end of\n"
		"the run: FILE.svg or FILE.png"),
	{0},
};

static const struct cli_cmd run_cli = {
	.name = "run",
	.synopsis = "[--json] [--trace FILE] [--map FILE] [FILE|-]",
	.about = "Runs a scenario file (- for stdin; none: the built-in TD lifecycle)\n"
		 "and prints a report.",
	.epilog = "The scenario language: docs/SCENARIO-LANGUAGE.md.\n"
		  "Exit status: 0 all expectations and checks held, 1 something failed,\n"
		  "2 usage or parse error.",
	.opts = run_options,
	.max_args = 1,
	.args_name = "scenario FILE",
};

int cmd_run(int argc, char **argv)
{
	struct run_opts o = {0};
	const char *path = NULL, *trace_path, *map_path;
	bool json;
	FILE *trace = NULL;
	struct scenario scn;
	struct scn_result res;
	struct scn_run_opts ro;
	const char *name;
	int nerr, rc, nargs;

	rc = cli_parse(&run_cli, argc, argv, &o, &nargs);
	if (rc != CLI_CONTINUE)
		return rc;
	if (nargs)
		path = argv[1];
	json = o.json;
	trace_path = o.trace;
	map_path = o.map;

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
