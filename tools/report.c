// SPDX-License-Identifier: GPL-2.0-only
/*
 * Reports of a scenario run.  JSON goes through jansson; the human report
 * shows the same numbers, zero counters left out.
 */
#include <jansson.h>
#include <string.h>

#include "cost_model.h"
#include "report.h"
#include "report_config.h"
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

/*
 * The guest's own work (its TDCALLs) is not host CPU: keep it apart.
 * @host and @guest get the items of @all on each side.
 */
static void split_cost(const struct cost_report *all, struct cost_report *host,
		       struct cost_report *guest)
{
	memset(host, 0, sizeof(*host));
	memset(guest, 0, sizeof(*guest));
	for (int k = 0; k < all->nr_items; k++) {
		bool g = !strcmp(all->items[k].name, "TDG.MEM.PAGE.ACCEPT");
		struct cost_report *r = g ? guest : host;

		r->items[r->nr_items++] = all->items[k];
		r->total_us += all->items[k].us_total;
	}
}

static const char *leaf_name(int i)
{
	const char *n = tdxmod_leaf_name((enum tdxmod_leaf)i);

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
	P("promotes", c.promotes);
	P("promote_tries", c.promote_tries);
	P("promote_refused", c.promote_refused);
	P("promote_rounds", c.promote_rounds);
	P("promote_held_back", c.promote_held_back);
	P("pamt_pairs", c.pamt_pairs);
	P("guest_inhibits_4k", c.guest_inhibits_4k);
	{
		struct kvm_accept_stats as;

		kvm_get_accept_stats(kvm, &as);
		P("accept_below_mappable", as.below_mappable);
	}
	P("warn_huge_leaf_above_level", c.warn_huge_leaf_above_level);
	P("write_lock_acquisitions", c.write_lock_acquisitions);
	P("mmu_write_locks", c.write_lock_acquisitions);
	P("split_retries", c.split_retries);
	P("write_lock_hold_ns", c.write_lock_hold_ns);
	P("write_lock_hold_max_ns", c.write_lock_hold_max_ns);
	P("mappings.4K", m[PG_LEVEL_4K]);
	P("mappings.2M", m[PG_LEVEL_2M]);
	P("mappings.1G", m[PG_LEVEL_1G]);
	P("page_table_pages.mirror", mirror);
	P("page_table_pages.external", external);
#undef P
}

/*
 * "4 GiB", "64 MiB", "18.50 MiB": binary units, two decimals unless whole.
 * Decimals are cut, not rounded, so 1 GiB minus 4 KiB reads "1023.99 MiB",
 * never as the next unit.
 */
static const char *fmt_bytes(u64 b, char *buf, size_t len)
{
	static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
	u64 unit = 1;
	int u = 0;

	while (b / unit >= 1024 && u < 4) {
		unit <<= 10;
		u++;
	}
	if (!(b % unit))
		snprintf(buf, len, "%llu %s", (unsigned long long)(b / unit), units[u]);
	else
		snprintf(buf, len, "%llu.%02u %s", (unsigned long long)(b / unit),
			 (unsigned int)((b % unit) * 100 / unit) % 100, units[u]);
	return buf;
}

/* "32M", "1G", "0x3000": a size as a scenario writes it. */
static const char *fmt_size_key(u64 b, char *buf, size_t len)
{
	static const char sfx[] = "TGMK";

	for (int i = 0; i < 4; i++) {
		u64 unit = 1ULL << (10 * (4 - i));

		if (b && !(b % unit)) {
			snprintf(buf, len, "%llu%c", (unsigned long long)(b / unit), sfx[i]);
			return buf;
		}
	}
	snprintf(buf, len, "0x%llx", (unsigned long long)b);
	return buf;
}

static int print_config_key(void *arg, const char *key, const char *value, bool number)
{
	FILE *f = arg;
	char sz[32];
	u64 v;

	(void)number;
	if (!strcmp(key, "mem") && sscanf(value, "%llu", (unsigned long long *)&v) == 1)
		value = fmt_size_key(v, sz, sizeof(sz));
	fprintf(f, " %s=%s", key, value);
	return 0;
}

/* The cause of a bugged VM, in one line (the JSON `bugged` in words). */
static void print_bug_cause(FILE *f, const struct scn_result *res)
{
	const struct kvm_bug_info *b = &res->bug;
	char st[64];

	fprintf(f, "  VM bugged            YES");
	if (res->bugged_line)
		fprintf(f, ", during line %d", res->bugged_line);
	fprintf(f, ": %s (in %s)", b->reason ? b->reason : "unknown", b->func ? b->func : "?");
	if (b->has_leaf)
		fprintf(f, "; %s returned %s", leaf_name(b->leaf),
			tdx_status_format(b->status, st, sizeof(st)));
	if (b->has_gfn)
		fprintf(f, "; gfn 0x%llx level %s", (unsigned long long)b->gfn,
			scn_level_name(b->level));
	fputc('\n', f);
}

static u64 mapped_bytes(const u64 m[3])
{
	return m[0] * level_size(PG_LEVEL_4K) + m[1] * level_size(PG_LEVEL_2M) +
	       m[2] * level_size(PG_LEVEL_1G);
}

/* The first word of a command ("convert", "accept_memory", ...). */
static size_t cmd_word_len(const char *text)
{
	const char *sp = text ? strchr(text, ' ') : NULL;

	return text ? (sp ? (size_t)(sp - text) : strlen(text)) : 0;
}

static bool same_cmd(const struct scn_timeline_point *a, const struct scn_timeline_point *b)
{
	size_t n = cmd_word_len(a->text);

	return a->text && b->text && n == cmd_word_len(b->text) && !strncmp(a->text, b->text, n);
}

#define TIMELINE_ROWS 40
#define TIMELINE_MERGE 4 /* merge runs of at least this many commands of one kind */

static void print_timeline_row(FILE *f, const struct scn_timeline_point *first,
			       const struct scn_timeline_point *last, size_t n)
{
	char step[51], lines[24], sz[32];

	if (n == 1) {
		snprintf(lines, sizeof(lines), "%d", first->line);
		snprintf(step, sizeof(step), "%s", first->text ? first->text : "?");
		if (first->text && strlen(first->text) >= sizeof(step))
			memcpy(step + sizeof(step) - 4, "...", 4);
	} else {
		snprintf(lines, sizeof(lines), "%d-%d", first->line, last->line);
		snprintf(step, sizeof(step), "%.*s x%zu", (int)cmd_word_len(first->text),
			 first->text, n);
	}
	fprintf(f, "  %-9s %-50s %7llu %6llu %4llu %11s %6llu %6llu\n", lines, step,
		(unsigned long long)last->mappings[0], (unsigned long long)last->mappings[1],
		(unsigned long long)last->mappings[2],
		fmt_bytes(mapped_bytes(last->mappings), sz, sizeof(sz)),
		(unsigned long long)last->splits, (unsigned long long)last->track_rounds);
}

/*
 * Mappings per level after each MMU-level command.  Consecutive commands of
 * the same kind are merged into one row (their last point is shown), and a
 * long timeline keeps its first and last rows.
 */
static void print_timeline(FILE *f, const struct scn_result *res)
{
	size_t starts[SCN_TIMELINE_MAX + 1], nr = 0;

	if (!res->nr_timeline)
		return;
	for (size_t i = 0; i < res->nr_timeline;) {
		size_t j = i + 1;

		while (j < res->nr_timeline && same_cmd(&res->timeline[i], &res->timeline[j]))
			j++;
		/* Short runs read better step by step. */
		if (j - i < TIMELINE_MERGE)
			j = i + 1;
		starts[nr++] = i;
		i = j;
	}
	starts[nr] = res->nr_timeline;
	fprintf(f,
		"\nMappings over time (present private leaves in the mirror after each step,\n"
		"splits and TRACK rounds so far; runs of one command merged, last state shown)\n");
	fprintf(f, "  %-9s %-50s %7s %6s %4s %11s %6s %6s\n", "line", "step", "4K", "2M", "1G",
		"mapped", "splits", "TRACK");
	for (size_t g = 0; g < nr; g++) {
		if (nr > TIMELINE_ROWS && g == TIMELINE_ROWS / 2) {
			size_t skip = nr - TIMELINE_ROWS;

			fprintf(f, "  %-9s (%zu more steps)\n", "...", skip);
			g += skip - 1;
			continue;
		}
		print_timeline_row(f, &res->timeline[starts[g]], &res->timeline[starts[g + 1] - 1],
				   starts[g + 1] - starts[g]);
	}
}

void report_human(FILE *f, const char *file, const struct scn_result *res, bool failed)
{
	struct cost_report cr;
	char b1[32], b2[32];
	u64 seamcalls = 0;

	fprintf(f, "tdpmmu: %s: %s\n", file, failed ? "FAIL" : "PASS");
	if (res->have_vm)
		fprintf(f, "TD: %s, %d vCPU%s, max_level %s, TDX module %s%s%s\n",
			fmt_bytes(res->mem, b1, sizeof(b1)), res->nr_vcpus,
			res->nr_vcpus == 1 ? "" : "s", scn_level_name(res->max_level),
			res->module == TDX_MODULE_2_0 ? "2.0" : "1.5",
			res->dpamt ? ", Dynamic PAMT" : "",
			res->demote_interruptible ? ", DEMOTE interruptible" : "");
	if (res->have_vm) {
		fprintf(f, "vm   ");
		report_config_for_each(&res->config, print_config_key, f);
		fputc('\n', f);
	}
	fprintf(f, "  expects           %d passed, %d failed\n", res->expects_passed,
		res->expects_failed);
	fprintf(f, "  invariant checks  %d passed, %d failed%s\n", res->checks_passed,
		res->checks_failed,
		res->checks_passed + res->checks_failed ? "" : " (the scenario ran no `check`)");
	if (res->run_errors)
		fprintf(f, "  run errors        %d\n", res->run_errors);
	if (!res->have_vm)
		return;

	print_timeline(f, res);
	fprintf(f, "\nAt the end of the run\n");
	fprintf(f, "  mappings          4K %llu, 2M %llu, 1G %llu (%s private memory mapped)\n",
		(unsigned long long)res->mappings[0], (unsigned long long)res->mappings[1],
		(unsigned long long)res->mappings[2],
		fmt_bytes(mapped_bytes(res->mappings), b1, sizeof(b1)));
	fprintf(f, "  page-table pages  mirror %llu, external (S-EPT) %llu\n",
		(unsigned long long)res->pt_mirror, (unsigned long long)res->pt_external);

	evaluate_cost(res, &cr);
	fprintf(f, "\nSEAMCALLs and TDCALLs per leaf   %10s %14s\n", "calls", "modelled us");
	for (int i = 0; i < NR_TDX_LEAVES; i++) {
		double us = 0;

		if (!res->leaf_calls[i])
			continue;
		for (int k = 0; k < cr.nr_items; k++)
			if (!strcmp(cr.items[k].name, leaf_name(i)))
				us = cr.items[k].us_total;
		if (i != TDG_MEM_PAGE_ACCEPT)
			seamcalls += res->leaf_calls[i];
		fprintf(f, "  %-30s %10llu %14.1f%s\n", leaf_name(i),
			(unsigned long long)res->leaf_calls[i], us,
			i == TDG_MEM_PAGE_ACCEPT ? "  (guest TDCALL)" : "");
	}
	fprintf(f, "  %-30s %10llu\n", "all SEAMCALLs", (unsigned long long)seamcalls);

	fprintf(f, "\nMMU events\n");
	fprintf(f, "  splits (huge -> 4K)  %llu\n", (unsigned long long)res->splits);
	fprintf(f,
		"  huge ranges capped by the guest's ACCEPT level  %llu  (%llu 2M ranges by 4K "
		"ACCEPTs, %llu 1G ranges by 2M ACCEPTs)\n",
		(unsigned long long)res->guest_inhibits, (unsigned long long)res->guest_inhibits_4k,
		(unsigned long long)(res->guest_inhibits - res->guest_inhibits_4k));
	if (res->promote_tries)
		fprintf(f,
			"  promotions           %llu of %llu tries (%llu refused by the module), "
			"%llu TRACK rounds\n",
			(unsigned long long)res->promotes, (unsigned long long)res->promote_tries,
			(unsigned long long)res->promote_refused,
			(unsigned long long)res->promote_rounds);
	fprintf(f, "  EPT violations       %llu\n", (unsigned long long)res->faults);
	fprintf(f, "  ACCEPT-level exits   %llu      accepted below the mappable level %llu\n",
		(unsigned long long)res->accept_level_exits,
		(unsigned long long)res->accept_below_mappable);
	fprintf(f, "  TRACK rounds         %llu      vCPU kicks %llu (of %d vCPU%s each)\n",
		(unsigned long long)res->track_rounds, (unsigned long long)res->kicks,
		res->nr_vcpus, res->nr_vcpus == 1 ? "" : "s");
	fprintf(f, "  BUSY retries         %llu      VM bugged %s\n",
		(unsigned long long)res->busy_retries, res->vm_bugged ? "YES (below)" : "no");
	if (res->warn_huge_leaf_above_level)
		fprintf(f,
			"  WARN                 %llu faults found a mirror huge leaf above their "
			"allowed level\n",
			(unsigned long long)res->warn_huge_leaf_above_level);
	fprintf(f,
		"  mmu_lock for write   %llu acquisitions, held %.1f us in total, %.1f us mean, "
		"%.1f us max\n",
		(unsigned long long)res->write_lock_acquisitions, res->write_lock_hold_ns / 1e3,
		res->write_lock_acquisitions
			? res->write_lock_hold_ns / 1e3 / (double)res->write_lock_acquisitions
			: 0.0,
		res->write_lock_hold_max_ns / 1e3);
	if (res->vm_bugged)
		print_bug_cause(f, res);

	{
		struct cost_report host, guest;

		split_cost(&cr, &host, &guest);
		fprintf(f, "\nModelled cost (per-operation table: docs/COST-MODEL.md, "
			   "tools/cost_model.c)\n");
		fprintf(f, "  %-24s %9s %10s %12s %6s\n", "host operation", "us each", "count",
			"us total", "share");
		for (int k = 0; k < host.nr_items; k++)
			fprintf(f, "  %-24s %9.1f %10llu %12.1f %5.1f%%\n", host.items[k].name,
				host.items[k].us_each, (unsigned long long)host.items[k].count,
				host.items[k].us_total,
				host.total_us > 0 ? 100.0 * host.items[k].us_total / host.total_us
						  : 0.0);
		fprintf(f, "  %-24s %9s %10s %12.1f  (%.2f ms of host CPU)\n", "host total", "", "",
			host.total_us, host.total_us / 1e3);
		for (int k = 0; k < guest.nr_items; k++)
			fprintf(f, "  %-24s %9.1f %10llu %12.1f  (guest vCPU time, not host)\n",
				guest.items[k].name, guest.items[k].us_each,
				(unsigned long long)guest.items[k].count, guest.items[k].us_total);
	}

	fprintf(f, "\nWall time  %.1f ms for the run, teardown %.1f ms%s%s\n", res->wall_ns / 1e6,
		res->teardown_ns / 1e6, res->teardown_leaked_bytes ? ", frames left over: " : "",
		res->teardown_leaked_bytes ? fmt_bytes(res->teardown_leaked_bytes, b2, sizeof(b2))
					   : "");
	fprintf(f, "Result     %s: %d/%d expects, %d/%d invariant checks held\n",
		failed ? "FAIL" : "PASS", res->expects_passed,
		res->expects_passed + res->expects_failed, res->checks_passed,
		res->checks_passed + res->checks_failed);
}

static json_t *ju(u64 v)
{
	return json_integer((json_int_t)v);
}

static int json_config_key(void *arg, const char *key, const char *value, bool number)
{
	json_t *o = arg;
	unsigned long long v;

	if (number && sscanf(value, "%llu", &v) == 1)
		return json_object_set_new(o, key, ju(v));
	return json_object_set_new(o, key, json_string(value));
}

/* `bugged`: line, leaf, status, gfn, level, reason (null where not known). */
static json_t *json_bugged(const struct scn_result *res)
{
	const struct kvm_bug_info *b = &res->bug;
	char st[64];

	return json_pack("{s:o, s:o, s:o, s:o, s:o, s:s, s:s}", "line",
			 res->bugged_line ? json_integer(res->bugged_line) : json_null(), "leaf",
			 b->has_leaf ? json_string(leaf_name(b->leaf)) : json_null(), "status",
			 b->has_leaf ? json_string(tdx_status_format(b->status, st, sizeof(st)))
				     : json_null(),
			 "gfn", b->has_gfn ? ju(b->gfn) : json_null(), "level",
			 b->has_gfn ? json_string(scn_level_name(b->level)) : json_null(), "reason",
			 b->reason ? b->reason : "unknown", "func", b->func ? b->func : "?");
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
	json_object_set_new(root, "vm_bugged", json_boolean(res->vm_bugged));
	{
		json_t *failed = json_array();

		for (size_t i = 0; i < res->nr_failures; i++)
			json_array_append_new(failed, json_pack("{s:i, s:s, s:s}", "line",
								res->failures[i].line, "want",
								res->failures[i].want, "got",
								res->failures[i].got));
		json_object_set_new(root, "failed", failed);
	}
	if (res->have_vm) {
		json_t *config = json_object();

		report_config_for_each(&res->config, json_config_key, config);
		json_object_set_new(root, "config", config);
	}
	if (res->vm_bugged)
		json_object_set_new(root, "bugged", json_bugged(res));

	for (int i = 0; i < NR_TDX_LEAVES; i++)
		json_object_set_new(counts, leaf_name(i), ju(res->leaf_calls[i]));
	json_object_set_new(counts, "splits", ju(res->splits));
	json_object_set_new(counts, "kicks", ju(res->kicks));
	json_object_set_new(counts, "faults", ju(res->faults));
	json_object_set_new(counts, "vm_bugged", ju(res->vm_bugged));
	json_object_set_new(counts, "track_rounds", ju(res->track_rounds));
	json_object_set_new(counts, "busy_retries", ju(res->busy_retries));
	json_object_set_new(counts, "guest_inhibits", ju(res->guest_inhibits));
	json_object_set_new(counts, "promotes", ju(res->promotes));
	json_object_set_new(counts, "promote_tries", ju(res->promote_tries));
	json_object_set_new(counts, "promote_refused", ju(res->promote_refused));
	json_object_set_new(counts, "promote_rounds", ju(res->promote_rounds));
	/* v2 §5.3 */
	json_object_set_new(counts, "mmu_write_locks", ju(res->write_lock_acquisitions));
	json_object_set_new(counts, "guest_inhibits_4k", ju(res->guest_inhibits_4k));
	json_object_set_new(counts, "accept_below_mappable", ju(res->accept_below_mappable));
	json_object_set_new(counts, "warn_huge_leaf_above_level",
			    ju(res->warn_huge_leaf_above_level));
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
		json_object_set_new(
			root, "td",
			json_pack("{s:o, s:i, s:s, s:s, s:b, s:b}", "mem", ju(res->mem), "vcpus",
				  res->nr_vcpus, "max_level", scn_level_name(res->max_level),
				  "module", res->module == TDX_MODULE_2_0 ? "2.0" : "1.5", "dpamt",
				  res->dpamt, "demote_interruptible", res->demote_interruptible));
		json_object_set_new(root, "teardown",
				    json_pack("{s:o, s:o}", "wall_time_ns", ju(res->teardown_ns),
					      "leaked_bytes", ju(res->teardown_leaked_bytes)));
	}
	if (res->have_vm) {
		struct cost_report all, side[2];
		static const char *const names[] = {"modelled_host_cost", "modelled_guest_cost"};

		evaluate_cost(res, &all);
		split_cost(&all, &side[0], &side[1]);
		for (int s = 0; s < 2; s++) {
			const struct cost_report *cr = &side[s];
			json_t *items = json_array();

			for (int i = 0; i < cr->nr_items; i++)
				json_array_append_new(items,
						      json_pack("{s:s, s:f, s:o, s:f}", "name",
								cr->items[i].name, "us_each",
								cr->items[i].us_each, "count",
								ju(cr->items[i].count), "us_total",
								cr->items[i].us_total));
			json_object_set_new(
				root, names[s],
				json_pack("{s:f, s:o}", "total_us", cr->total_us, "items", items));
		}
	}
	for (size_t i = 0; i < res->nr_timeline; i++) {
		const struct scn_timeline_point *p = &res->timeline[i];

		json_array_append_new(timeline,
				      json_pack("{s:i, s:s, s:o, s:o, s:o, s:o, s:o, s:o}", "line",
						p->line, "command", p->text ? p->text : "", "4K",
						ju(p->mappings[0]), "2M", ju(p->mappings[1]), "1G",
						ju(p->mappings[2]), "splits", ju(p->splits),
						"track_rounds", ju(p->track_rounds), "promotes",
						ju(p->promotes)));
	}
	json_object_set_new(root, "timeline", timeline);

	if (json_dumpf(root, f, JSON_COMPACT) || fputc('\n', f) == EOF)
		ret = -1;
	json_decref(root);
	return ret;
}
