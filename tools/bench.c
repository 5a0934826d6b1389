// SPDX-License-Identifier: GPL-2.0-only
/*
 * `tdpmmu bench [--quick] [--json] [--repeats N] [NAME...]`: run the named
 * benchmarks (all by default), print a text report or one JSON object.
 * Benchmarks report; they never fail on a slow figure (the tests assert
 * behaviour).  Exit 0, 1 if a benchmark could not run, 2 on usage errors.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "bench.h"
#include "commands.h"
#include "tdpmmu/mmu.h"

static const struct {
	const char *name;
	json_t *(*fn)(const struct bench_opts *o);
	const char *help;
} benches[] = {
	{"fault", bench_fault, "private 4K/2M faults/s vs direct root and a lower-bound loop"},
	{"scale2", bench_scale2, "2 threads on disjoint ranges vs 1 thread"},
	{"split", bench_split, "2M->4K split vs a lower bound; write-lock hold per split"},
	{"convert", bench_convert, "N scattered 4K conversions inside 2M mappings"},
	{"size", bench_size, "map 1G..1T TDs: time, RSS vs page-table bytes, checker, zap"},
	{"boot", bench_boot,
	 "calibrated TD boot vs the published figures; lifecycle at 4K-only vs 2M"},
};

static void usage(FILE *f)
{
	fprintf(f, "usage: tdpmmu bench [--quick] [--json] [--repeats N] [NAME...]\n\n"
		   "Benchmarks (all when no NAME is given):\n");
	for (size_t i = 0; i < ARRAY_SIZE(benches); i++)
		fprintf(f, "  %-8s %s\n", benches[i].name, benches[i].help);
	fprintf(f, "\n"
		   "  --quick       smaller sizes, 3 repeats (under a minute)\n"
		   "  --json        one JSON object on stdout (schema in docs/PERFORMANCE.md)\n"
		   "  --repeats N   repeats per measurement (default 3 quick, 5 otherwise)\n"
		   "  --mem SIZE    boot: the calibrated boot at this size only (default: 4G and\n"
		   "                8G, and the lifecycle at 4K-only vs 2M)\n"
		   "  --emit FILE   boot: write the calibrated boot scenario to FILE (- = stdout)\n"
		   "                and run nothing\n\n"
		   "Speeds are ratios against a baseline measured in the same run, with\n"
		   "min/median/max over repeats.  A progress line goes to stderr on a terminal.\n");
}

/* ---- text report, printed from the JSON ---- */

static bool is_stat(json_t *v)
{
	return json_is_object(v) && json_object_get(v, "median") && json_object_get(v, "min");
}

static void print_value(const char *prefix, const char *key, json_t *v, int depth)
{
	char name[256];

	snprintf(name, sizeof(name), "%s%s%s", prefix, *prefix ? "." : "", key);
	if (is_stat(v)) {
		printf("  %-52s %12.4g  (min %.4g, max %.4g)\n", name,
		       json_real_value(json_object_get(v, "median")),
		       json_real_value(json_object_get(v, "min")),
		       json_real_value(json_object_get(v, "max")));
	} else if (json_is_object(v) && depth < 4) {
		const char *k;
		json_t *c;

		json_object_foreach(v, k, c) print_value(name, k, c, depth + 1);
	} else if (json_is_array(v) && depth < 4) {
		char idx[24];
		size_t i;
		json_t *c;

		json_array_foreach(v, i, c)
		{
			snprintf(idx, sizeof(idx), "%zu", i);
			print_value(name, idx, c, depth + 1);
		}
	} else if (json_is_integer(v)) {
		printf("  %-52s %12lld\n", name, (long long)json_integer_value(v));
	} else if (json_is_real(v)) {
		printf("  %-52s %12.4g\n", name, json_real_value(v));
	} else if (json_is_string(v)) {
		printf("  %-52s %s\n", name, json_string_value(v));
	} else if (json_is_boolean(v)) {
		printf("  %-52s %s\n", name, json_is_true(v) ? "yes" : "no");
	}
}

static void print_bench(const char *name, json_t *b)
{
	const char *k;
	json_t *v, *goals;
	size_t i;

	printf("== %s ==\n", name);
	json_object_foreach(b, k, v)
	{
		if (!strcmp(k, "goals"))
			continue;
		print_value("", k, v, 0);
	}
	goals = json_object_get(b, "goals");
	json_array_foreach(goals, i, v)
	{
		const char *why = json_string_value(json_object_get(v, "why"));

		printf("  goal: %-46s %s (%.3g %s %.3g)%s%s\n",
		       json_string_value(json_object_get(v, "goal")),
		       json_is_true(json_object_get(v, "met")) ? "MET" : "NOT MET",
		       json_real_value(json_object_get(v, "value")),
		       json_string_value(json_object_get(v, "cmp")),
		       json_real_value(json_object_get(v, "target")), why && *why ? " -- " : "",
		       why ? why : "");
	}
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

/* "4G", "4096M", "0x100000000": a positive multiple of 2M. */
static int parse_size_arg(const char *s, u64 *out)
{
	char *end;
	unsigned long long v = strtoull(s, &end, 0);

	if (end == s)
		return -1;
	switch (*end) {
	case 'G':
		v <<= 30, end++;
		break;
	case 'M':
		v <<= 20, end++;
		break;
	}
	if (*end || !v || v % (2ULL << 20))
		return -1;
	*out = v;
	return 0;
}

int cmd_bench(int argc, char **argv)
{
	struct bench_opts o = {.self = "/proc/self/exe"};
	bool json = false, want[ARRAY_SIZE(benches)] = {}, any = false;
	json_t *doc, *results;
	int i, rc = 0;
	u64 t0;

	if (argc > 1 && !strcmp(argv[1], "--size-child"))
		return bench_size_child(argc - 1, argv + 1);
	for (i = 1; i < argc; i++) {
		size_t b;

		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			usage(stdout);
			return 0;
		} else if (!strcmp(argv[i], "--quick")) {
			o.quick = true;
		} else if (!strcmp(argv[i], "--json")) {
			json = true;
		} else if (!strcmp(argv[i], "--emit") && i + 1 < argc) {
			o.emit = argv[++i];
		} else if (!strcmp(argv[i], "--mem") && i + 1 < argc) {
			if (parse_size_arg(argv[++i], &o.boot_mem)) {
				fprintf(stderr, "tdpmmu bench: bad --mem '%s'\n", argv[i]);
				return 2;
			}
		} else if (!strcmp(argv[i], "--repeats") && i + 1 < argc) {
			char *end;

			o.repeats = (int)strtol(argv[++i], &end, 10);
			if (*end || o.repeats < 1 || o.repeats > 16) {
				fprintf(stderr, "tdpmmu bench: --repeats takes 1..16\n");
				return 2;
			}
		} else {
			for (b = 0; b < ARRAY_SIZE(benches); b++)
				if (!strcmp(argv[i], benches[b].name))
					break;
			if (b == ARRAY_SIZE(benches)) {
				fprintf(stderr, "tdpmmu bench: unknown benchmark or option '%s'\n",
					argv[i]);
				usage(stderr);
				return 2;
			}
			want[b] = any = true;
		}
	}
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
