// SPDX-License-Identifier: GPL-2.0-only
/*
 * Reports of a scenario run.  JSON goes through jansson; the human report
 * shows the same numbers, zero counters left out.
 */
#include <jansson.h>
#include <string.h>

#include "cost_model.h"
#include "report.h"
#include "tdpmmu/vm.h"

/* The modelled host cost (tools/cost_model.c) of the run's counters. */
static void evaluate_cost(const struct scn_result *res, struct cost_report *cr)
{
	struct kvm_counters c = {0};

	memcpy(c.leaf_calls, res->leaf_calls, sizeof(c.leaf_calls));
	c.splits = res->splits;
	c.kicks = res->kicks;
	c.faults = res->faults;
	c.vm_bugged = res->vm_bugged;
	c.track_rounds = res->track_rounds;
	c.busy_retries = res->busy_retries;
	c.write_lock_acquisitions = res->write_lock_acquisitions;
	c.write_lock_hold_ns = res->write_lock_hold_ns;
	c.write_lock_hold_max_ns = res->write_lock_hold_max_ns;
	c.guest_inhibits = res->guest_inhibits;
	memset(cr, 0, sizeof(*cr));
	cost_model_evaluate(&c, res->nr_vcpus, cr);
}

static const char *leaf_name(int i)
{
	const char *n = tdx_leaf_name((enum tdx_leaf)i);

	return n ? n : "?";
}

void scenario_print_stats(struct kvm *kvm, FILE *f)
{
	struct kvm_counters c;
	u64 m[PG_LEVEL_512G + 1] = {0};
	u64 mirror = 0, external = 0;

	kvm_get_counters(kvm, &c);
	kvm_count_mappings(kvm, m);
	kvm_count_pt_pages(kvm, &mirror, &external);
	for (int i = 0; i < NR_TDX_LEAVES; i++)
		fprintf(f, "%-26s %llu\n", leaf_name(i), (unsigned long long)c.leaf_calls[i]);
#define P(name, v) fprintf(f, "%-26s %llu\n", name, (unsigned long long)(v))
	P("splits", c.splits);
	P("kicks", c.kicks);
	P("faults", c.faults);
	P("vm_bugged", c.vm_bugged);
	P("track_rounds", c.track_rounds);
	P("busy_retries", c.busy_retries);
	P("guest_inhibits", c.guest_inhibits);
	P("write_lock_acquisitions", c.write_lock_acquisitions);
	P("write_lock_hold_ns", c.write_lock_hold_ns);
	P("write_lock_hold_max_ns", c.write_lock_hold_max_ns);
	P("mappings.4K", m[PG_LEVEL_4K]);
	P("mappings.2M", m[PG_LEVEL_2M]);
	P("mappings.1G", m[PG_LEVEL_1G]);
	P("page_table_pages.mirror", mirror);
	P("page_table_pages.external", external);
#undef P
}

void report_human(FILE *f, const char *file, const struct scn_result *res, bool failed)
{
	struct cost_report cr;
	bool any = false;

	fprintf(f, "tdpmmu: %s: %s\n", file, failed ? "FAIL" : "PASS");
	fprintf(f, "  expects           %d passed, %d failed\n", res->expects_passed,
		res->expects_failed);
	fprintf(f, "  checks            %d passed, %d failed\n", res->checks_passed,
		res->checks_failed);
	if (res->run_errors)
		fprintf(f, "  run errors        %d\n", res->run_errors);
	if (!res->have_vm)
		return;
	fprintf(f, "  mappings          4K %llu, 2M %llu, 1G %llu\n",
		(unsigned long long)res->mappings[0], (unsigned long long)res->mappings[1],
		(unsigned long long)res->mappings[2]);
	fprintf(f, "  page-table pages  mirror %llu, external %llu\n",
		(unsigned long long)res->pt_mirror, (unsigned long long)res->pt_external);
	fprintf(f, "  calls            ");
	for (int i = 0; i < NR_TDX_LEAVES; i++) {
		if (!res->leaf_calls[i])
			continue;
		fprintf(f, " %s=%llu", leaf_name(i), (unsigned long long)res->leaf_calls[i]);
		any = true;
	}
	fprintf(f, "%s\n", any ? "" : " none");
	fprintf(f,
		"  splits %llu, kicks %llu, faults %llu, TRACK rounds %llu, busy retries %llu, "
		"vm_bugged %llu\n",
		(unsigned long long)res->splits, (unsigned long long)res->kicks,
		(unsigned long long)res->faults, (unsigned long long)res->track_rounds,
		(unsigned long long)res->busy_retries, (unsigned long long)res->vm_bugged);
	fprintf(f,
		"  mmu_lock (write)  %llu acquisitions, held %.1f us in total, %.1f us at most\n",
		(unsigned long long)res->write_lock_acquisitions, res->write_lock_hold_ns / 1e3,
		res->write_lock_hold_max_ns / 1e3);
	evaluate_cost(res, &cr);
	fprintf(f, "  modelled host cost %.1f us (docs/COST-MODEL.md)\n", cr.total_us);
	fprintf(f, "  wall time         %.1f ms\n", res->wall_ns / 1e6);
}

static json_t *ju(u64 v)
{
	return json_integer((json_int_t)v);
}

int report_json(FILE *f, const char *file, const struct scn_result *res, bool failed)
{
	json_t *root = json_object();
	json_t *counts = json_object();
	json_t *timeline = json_array();
	int ret = 0;

	if (!root || !counts || !timeline) {
		json_decref(root);
		json_decref(counts);
		json_decref(timeline);
		return -1;
	}
	json_object_set_new(root, "version", json_integer(1));
	json_object_set_new(root, "result", json_string(failed ? "fail" : "pass"));
	json_object_set_new(root, "file", json_string(file));
	json_object_set_new(root, "expects",
			    json_pack("{s:i, s:i}", "passed", res->expects_passed, "failed",
				      res->expects_failed));
	json_object_set_new(root, "checks",
			    json_pack("{s:i, s:i}", "passed", res->checks_passed, "failed",
				      res->checks_failed));
	json_object_set_new(root, "run_errors", json_integer(res->run_errors));

	for (int i = 0; i < NR_TDX_LEAVES; i++)
		json_object_set_new(counts, leaf_name(i), ju(res->leaf_calls[i]));
	json_object_set_new(counts, "splits", ju(res->splits));
	json_object_set_new(counts, "kicks", ju(res->kicks));
	json_object_set_new(counts, "faults", ju(res->faults));
	json_object_set_new(counts, "vm_bugged", ju(res->vm_bugged));
	json_object_set_new(counts, "track_rounds", ju(res->track_rounds));
	json_object_set_new(counts, "busy_retries", ju(res->busy_retries));
	json_object_set_new(counts, "guest_inhibits", ju(res->guest_inhibits));
	json_object_set_new(root, "counts", counts);

	json_object_set_new(root, "mappings",
			    json_pack("{s:o, s:o, s:o}", "4K", ju(res->mappings[0]), "2M",
				      ju(res->mappings[1]), "1G", ju(res->mappings[2])));
	json_object_set_new(root, "page_table_pages",
			    json_pack("{s:o, s:o}", "mirror", ju(res->pt_mirror), "external",
				      ju(res->pt_external)));
	json_object_set_new(root, "write_lock",
			    json_pack("{s:o, s:o, s:o}", "acquisitions",
				      ju(res->write_lock_acquisitions), "hold_ns",
				      ju(res->write_lock_hold_ns), "hold_max_ns",
				      ju(res->write_lock_hold_max_ns)));
	json_object_set_new(root, "wall_time_ns", ju(res->wall_ns));
	if (res->have_vm) {
		struct cost_report cr;
		json_t *items = json_array();

		evaluate_cost(res, &cr);
		for (int i = 0; i < cr.nr_items; i++)
			json_array_append_new(items, json_pack("{s:s, s:f, s:o, s:f}", "name",
							       cr.items[i].name, "us_each",
							       cr.items[i].us_each, "count",
							       ju(cr.items[i].count), "us_total",
							       cr.items[i].us_total));
		json_object_set_new(
			root, "modelled_host_cost",
			json_pack("{s:f, s:o}", "total_us", cr.total_us, "items", items));
	}
	for (size_t i = 0; i < res->nr_timeline; i++) {
		const struct scn_timeline_point *p = &res->timeline[i];

		json_array_append_new(timeline,
				      json_pack("{s:i, s:o, s:o, s:o}", "line", p->line, "4K",
						ju(p->mappings[0]), "2M", ju(p->mappings[1]), "1G",
						ju(p->mappings[2])));
	}
	json_object_set_new(root, "timeline", timeline);

	if (json_dumpf(root, f, JSON_COMPACT) || fputc('\n', f) == EOF)
		ret = -1;
	json_decref(root);
	return ret;
}
