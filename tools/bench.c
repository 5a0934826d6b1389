// SPDX-License-Identifier: GPL-2.0-only
/*
 * `tdpmmu bench [--quick] [--json] [--repeats N] [NAME...]`: run the named
 * benchmarks (all by default), print a text report or one JSON object.
 * Benchmarks report; they never fail on a slow figure (the tests assert
 * behaviour).  Exit 0, 1 if a benchmark could not run, 2 on usage errors.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "bench.h"
#include "cli_opts.h"
#include "commands.h"
#include "text_escape.h"
#include "tdpmmu/mmu.h"

static const struct {
	const char *name;
	json_t *(*fn)(const struct bench_opts *o);
	const char *help;
} benches[] = {
	{"fault", bench_fault, "private 4K/2M faults/s vs direct root and a lower-bound loop"},
	{"scale2", bench_scale2, "2 threads on disjoint ranges vs 1 thread"},
	{"split", bench_split, "2M->4K split vs a lower bound; write-lock hold per split"},
	{"promote", bench_promote, "4K->2M promotion vs a lower bound; write-lock hold"},
	{"convert", bench_convert, "N scattered 4K conversions inside 2M mappings"},
	{"size", bench_size, "map 1G..1T TDs: time, RSS vs page-table bytes, checker, zap"},
	{"boot", bench_boot,
	 "calibrated TD boot vs the published figures; lifecycle at 4K-only vs 2M"},
	{"split-lock", bench_split_lock,
	 "fault-path split under the exclusive vs shared mmu_lock: write locks, fault p99"},
};

struct bench_args {
	struct bench_opts b;
	bool json;
	const char *plot_dir;
};

static const struct cli_opt bench_options[] = {
	CLI_OPT("quick", CLI_FLAG, CLI_AT(struct bench_args, b.quick), NULL,
		"smaller sizes, 3 repeats (under a minute)"),
	CLI_OPT("json", CLI_FLAG, CLI_AT(struct bench_args, json), NULL,
		"one JSON object on stdout (schema in docs/PERFORMANCE.md)"),
	CLI_OPT("repeats", CLI_INT, CLI_AT(struct bench_args, b.repeats), "N",
		"repeats per measurement (default 3 quick, 5 otherwise)", .min = 1, .max = 16),
	CLI_OPT("plot", CLI_STRING, CLI_AT(struct bench_args, plot_dir), "DIR",
		"also draw each benchmark: DIR/bench-NAME*.svg (`make plots`)"),
	CLI_BLANK,
	CLI_OPT("mem", CLI_SIZE, CLI_AT(struct bench_args, b.boot_mem), "SIZE",
		"boot: the calibrated boot at this size only (default: 4G and\n"
		"8G, and the lifecycle at 4K-only vs 2M)",
		.min = 2ULL << 20, .align = 2ULL << 20),
	CLI_OPT("emit", CLI_STRING, CLI_AT(struct bench_args, b.emit), "FILE",
		"boot: write the calibrated boot scenario to FILE (- = stdout)\n"
		"and run nothing"),
	{0},
};

static void bench_usage(FILE *f);

static const struct cli_cmd bench_cli = {
	.name = "bench",
	.synopsis = "[--quick] [--json] [--repeats N] [NAME...]",
	.opts = bench_options,
	.max_args = -1,
	.usage = bench_usage,
};

static void bench_usage(FILE *f)
{
	fprintf(f, "usage: tdpmmu bench [--quick] [--json] [--repeats N] [NAME...]\n"
		   "       tdpmmu bench size-child mmu|map|zap ARGS   (internal)\n\n"
		   "Benchmarks (all when no NAME is given):\n");
	for (size_t i = 0; i < ARRAY_SIZE(benches); i++)
		fprintf(f, "  %-10s %s\n", benches[i].name, benches[i].help);
	fprintf(f, "\n");
	cli_print_options(&bench_cli, f);
	fprintf(f, "\n"
		   "Speeds are ratios against a baseline measured in the same run, with\n"
		   "min/median/max over repeats.  A progress line goes to stderr on a terminal.\n"
		   "\n");
	bench_size_child_usage(f);
}

/* ---- text report, printed from the JSON: tables, as in docs/PERFORMANCE.md ---- */

static bool is_stat(json_t *v)
{
	return json_is_object(v) && json_object_get(v, "median") && json_object_get(v, "min");
}

/* One cell: a number, a text, or a statistic as "median [min..max]". */
static const char *cell(json_t *v, char *buf, size_t len)
{
	if (is_stat(v))
		snprintf(buf, len, "%.4g [%.4g..%.4g]", json_real_value(json_object_get(v, "median")),
			 json_real_value(json_object_get(v, "min")),
			 json_real_value(json_object_get(v, "max")));
	else if (json_is_integer(v))
		snprintf(buf, len, "%lld", (long long)json_integer_value(v));
	else if (json_is_real(v) && fabs(json_real_value(v)) >= 100 && fabs(json_real_value(v)) < 1e15)
		snprintf(buf, len, "%.0f", json_real_value(v));
	else if (json_is_real(v))
		snprintf(buf, len, "%.4g", json_real_value(v));
	else if (json_is_string(v))
		snprintf(buf, len, "%s", json_string_value(v));
	else if (json_is_boolean(v))
		snprintf(buf, len, "%s", json_is_true(v) ? "yes" : "no");
	else if (!v || json_is_null(v))
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "...");
	return buf;
}

/* The value at a dotted path below @o ("leaf_calls.TDH.MEM.PAGE.AUG": first dot only). */
static json_t *at_path(json_t *o, const char *path)
{
	const char *dot = strchr(path, '.');
	char head[128];

	if (json_object_get(o, path) || !dot)
		return json_object_get(o, path);
	snprintf(head, sizeof(head), "%.*s", (int)(dot - path), path);
	return json_object_get(json_object_get(o, head), dot + 1);
}

/* Row names of an object: its keys, one level of plain sub-objects flattened. */
static void row_names(json_t *o, json_t *rows)
{
	const char *k, *k2;
	json_t *v, *v2;
	char name[256];

	json_object_foreach(o, k, v)
	{
		if (json_is_object(v) && !is_stat(v)) {
			json_object_foreach(v, k2, v2)
			{
				snprintf(name, sizeof(name), "%s.%s", k, k2);
				if (!json_object_get(rows, name))
					json_object_set_new(rows, name, json_true());
			}
		} else if (!json_is_array(v) && !json_object_get(rows, k)) {
			json_object_set_new(rows, k, json_true());
		}
	}
}

/* Objects of one shape side by side ({"4K": {...}, "2M": {...}}): a column each. */
static void print_side_by_side(const char *title, json_t *o)
{
	json_t *rows = json_object(), *c;
	const char *k, *row;
	char buf[96];

	json_object_foreach(o, k, c) row_names(c, rows);
	printf("  %s\n    %-40s", title, "");
	json_object_foreach(o, k, c) printf(" %30s", k);
	printf("\n");
	json_object_foreach(rows, row, c)
	{
		printf("    %-40s", row);
		json_object_foreach(o, k, c) printf(" %30s", cell(at_path(c, row), buf, sizeof(buf)));
		printf("\n");
	}
	json_decref(rows);
}

/* An array of records: a row each, a column per scalar member. */
static void print_records(const char *title, json_t *a)
{
	json_t *first = json_array_get(a, 0), *v, *r;
	const char *k;
	char buf[96];
	size_t i;

	printf("  %s\n   ", title);
	json_object_foreach(first, k, v) if (!json_is_object(v) || is_stat(v)) printf(" %14s", k);
	printf("\n");
	json_array_foreach(a, i, r)
	{
		printf("   ");
		json_object_foreach(first, k, v) if (!json_is_object(v) || is_stat(v))
			printf(" %14s", cell(json_object_get(r, k), buf, sizeof(buf)));
		printf("\n");
	}
}

static bool all_objects(json_t *o)
{
	const char *k;
	json_t *v;
	size_t n = 0;

	json_object_foreach(o, k, v)
	{
		if (!json_is_object(v) || is_stat(v))
			return false;
		n++;
	}
	return n > 1;
}

static void print_flat(const char *prefix, const char *key, json_t *v, int depth)
{
	char name[256], buf[96];

	snprintf(name, sizeof(name), "%s%s%s", prefix, *prefix ? "." : "", key);
	if (json_is_object(v) && !is_stat(v) && depth < 4) {
		const char *k;
		json_t *c;

		json_object_foreach(v, k, c) print_flat(name, k, c, depth + 1);
	} else {
		printf("  %-52s %s\n", name, cell(v, buf, sizeof(buf)));
	}
}

/*
 * A goal and how the measurement compares, in words: "MET: measured 0.95,
 * goal <= 1.1".  A goal whose measurement could not decide it (met: null,
 * e.g. a fitted constant below zero) says UNDETERMINED.
 */
static void print_goals(json_t *goals)
{
	json_t *v;
	size_t i;

	if (!json_array_size(goals))
		return;
	printf("  goals\n");
	json_array_foreach(goals, i, v)
	{
		const char *why = json_string_value(json_object_get(v, "why"));
		json_t *met = json_object_get(v, "met");

		printf("    %-62s %-12s measured %.3g, goal %s %.3g%s%s\n",
		       json_string_value(json_object_get(v, "goal")),
		       json_is_null(met)   ? "UNDETERMINED"
		       : json_is_true(met) ? "MET"
					   : "NOT MET",
		       json_real_value(json_object_get(v, "value")),
		       json_string_value(json_object_get(v, "cmp")),
		       json_real_value(json_object_get(v, "target")), why && *why ? " -- " : "",
		       why ? why : "");
	}
}

static void print_bench(const char *name, json_t *b)
{
	const char *k;
	json_t *v, *group;

	printf("== %s ==\n", name);
	json_object_foreach(b, k, v)
	{
		if (!strcmp(k, "goals"))
			continue;
		if (json_is_string(v))
			printf("  %s: %s\n", k, json_string_value(v));
	}
	/* Configurations measured side by side ("4K", "2M") share one table. */
	group = json_object();
	json_object_foreach(b, k, v) if (json_is_object(v) && !is_stat(v) && !all_objects(v))
		json_object_set(group, k, v);
	if (json_object_size(group) > 1)
		print_side_by_side("by configuration", group);
	json_object_foreach(b, k, v)
	{
		if (!strcmp(k, "goals") || json_is_string(v) ||
		    (json_object_size(group) > 1 && json_object_get(group, k)))
			continue;
		if (json_is_object(v) && all_objects(v))
			print_side_by_side(k, v);
		else if (json_is_array(v) && json_is_object(json_array_get(v, 0)))
			print_records(k, v);
		else
			print_flat("", k, v, 0);
	}
	json_decref(group);
	print_goals(json_object_get(b, "goals"));
	printf("\n");
}

static json_t *machine_info(void)
{
	struct utsname u;

	if (uname(&u))
		memset(&u, 0, sizeof(u));
	return json_pack("{s:i,s:s,s:s}", "cpus", (int)sysconf(_SC_NPROCESSORS_ONLN), "kernel",
			 u.release, "arch", u.machine);
}

int cmd_bench(int argc, char **argv)
{
	struct bench_args a = {.b = {.self = "/proc/self/exe"}};
	struct bench_opts o;
	bool json, want[ARRAY_SIZE(benches)] = {}, any = false;
	const char *plot_dir;
	json_t *doc, *results;
	int i, nargs, rc = 0;
	u64 t0;

	if (argc > 1 && !strcmp(argv[1], "size-child"))
		return bench_size_child(argc - 1, argv + 1);
	rc = cli_parse(&bench_cli, argc, argv, &a, &nargs);
	if (rc != CLI_CONTINUE)
		return rc;
	rc = 0;
	for (i = 1; i <= nargs; i++) {
		size_t b;

		for (b = 0; b < ARRAY_SIZE(benches); b++)
			if (!strcmp(argv[i], benches[b].name))
				break;
		if (b == ARRAY_SIZE(benches)) {
			char *e = text_escape(argv[i]);

			cli_error(&bench_cli, "unknown benchmark '%s'", e ? e : "?");
			free(e);
			return 2;
		}
		want[b] = any = true;
	}
	o = a.b;
	json = a.json;
	plot_dir = a.plot_dir;
	if (!o.repeats)
		o.repeats = o.quick ? 3 : 5;
	if (o.emit)
		return bench_boot_emit(&o);

	kvm_mmu_register_thread();
	results = json_object();
	t0 = now_ns();
	for (size_t b = 0; b < ARRAY_SIZE(benches); b++) {
		json_t *r;

		if (any && !want[b])
			continue;
		bench_progress("%s", benches[b].name);
		r = benches[b].fn(&o);
		bench_progress_done();
		if (!r) {
			fprintf(stderr, "tdpmmu bench: %s could not run\n", benches[b].name);
			rc = 1;
			continue;
		}
		if (!json)
			print_bench(benches[b].name, r);
		if (plot_dir && bench_plot(plot_dir, benches[b].name, r)) {
			fprintf(stderr, "tdpmmu bench: cannot draw %s in %s\n", benches[b].name,
				plot_dir);
			rc = 1;
		}
		json_object_set_new(results, benches[b].name, r);
	}
	doc = json_pack("{s:i,s:b,s:i,s:o,s:f,s:o}", "version", 1, "quick", o.quick, "repeats",
			o.repeats, "machine", machine_info(), "wall_s",
			(double)(now_ns() - t0) / 1e9, "benchmarks", results);
	if (json) {
		json_dumpf(doc, stdout, JSON_COMPACT);
		putchar('\n');
	} else {
		printf("total %.1f s\n", json_real_value(json_object_get(doc, "wall_s")));
	}
	json_decref(doc);
	kvm_mmu_unregister_thread();
	return rc;
}
