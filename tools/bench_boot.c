// SPDX-License-Identifier: GPL-2.0-only
/*
 * `boot`: the built-in TD lifecycle of `tdpmmu run` (tools/default_scenario.tdp)
 * run twice through the scenario runner, once as written (max_level=2M) and
 * once with max_level=4K: SEAMCALLs per leaf and the modelled host cost
 * (tools/cost_model.h), and the ratio 4K / 2M.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "commands.h"
#include "cost_model.h"
#include "scenario.h"

/* The default scenario with every "max_level=2M" replaced by @level. */
static char *scenario_text(const char *level, size_t *len)
{
	const char *src = (const char *)default_scenario, *p, *key = "max_level=2M";
	size_t n = default_scenario_len, o = 0;
	char *out = malloc(n * 2 + 1);

	if (!out)
		return NULL;
	for (p = src; p < src + n;) {
		if ((size_t)(src + n - p) >= strlen(key) && !strncmp(p, key, strlen(key))) {
			o += (size_t)sprintf(out + o, "max_level=%s", level);
			p += strlen(key);
		} else {
			out[o++] = *p++;
		}
	}
	out[o] = 0;
	*len = o;
	return out;
}

static json_t *boot_one(const char *level, bool threads, double *cost_us, u64 *seamcalls,
			u64 *leaves)
{
	struct scn_run_opts ro = {.out = NULL, .err = NULL, .no_vcpu_threads = !threads};
	struct scn_result res;
	struct scenario scn;
	struct kvm_counters c = {};
	struct cost_report cr;
	json_t *calls = json_object(), *cost = json_object();
	FILE *devnull = fopen("/dev/null", "w");
	size_t len;
	char *text = scenario_text(level, &len);
	int rc;

	if (!text || !devnull)
		goto fail;
	ro.out = ro.err = devnull;
	if (scenario_parse("<built-in>", text, len, &scn)) {
		scenario_free(&scn);
		goto fail;
	}
	memset(&res, 0, sizeof(res));
	rc = scenario_run(&scn, &ro, &res);
	*seamcalls = 0;
	for (int l = 0; l < NR_TDX_LEAVES; l++) {
		c.leaf_calls[l] = res.leaf_calls[l];
		if (res.leaf_calls[l])
			json_object_set_new(calls, tdx_leaf_name(l),
					    json_integer((json_int_t)res.leaf_calls[l]));
		if (l != TDG_MEM_PAGE_ACCEPT && l != TDH_VP_ENTER)
			*seamcalls += res.leaf_calls[l];
	}
	c.kicks = res.kicks;
	c.faults = res.faults;
	c.splits = res.splits;
	c.track_rounds = res.track_rounds;
	cost_model_evaluate(&c, res.nr_vcpus, &cr);
	for (int i = 0; i < cr.nr_items; i++)
		json_object_set_new(cost, cr.items[i].name, json_real(cr.items[i].us_total));
	*cost_us = cr.total_us;
	*leaves = res.mappings[0] + res.mappings[1] + res.mappings[2];
	free(text);
	fclose(devnull);
	{
		json_t *r = json_pack(
			"{s:s,s:b,s:i,s:o,s:I,s:o,s:f,s:I,s:I,s:I,s:I,s:I,s:I,s:f}", "max_level",
			level, "vcpu_threads", threads, "scenario_exit", rc, "leaf_calls", calls,
			"host_seamcalls", (json_int_t)*seamcalls, "cost_us", cost, "cost_total_us",
			cr.total_us, "faults", (json_int_t)res.faults, "kicks",
			(json_int_t)res.kicks, "track_rounds", (json_int_t)res.track_rounds,
			"splits", (json_int_t)res.splits, "final_leaves_4K",
			(json_int_t)res.mappings[0], "final_leaves_2M", (json_int_t)res.mappings[1],
			"wall_ms", (double)res.wall_ns / 1e6);

		scn_result_free(&res);
		scenario_free(&scn);
		return r;
	}
fail:
	free(text);
	if (devnull)
		fclose(devnull);
	json_decref(calls);
	json_decref(cost);
	return NULL;
}

json_t *bench_boot(const struct bench_opts *o)
{
	double cost4, cost2;
	u64 sc4, sc2, lv4, lv2;
	json_t *r4, *r2;

	/*
	 * --quick runs the vCPUs' work on the callers' threads: the same
	 * operations and counts without a thread hand-off per guest step
	 * (which is most of the 4K run's wall time on a loaded machine).
	 */
	bench_progress("boot 4K");
	r4 = boot_one("4K", !o->quick, &cost4, &sc4, &lv4);
	bench_progress("boot 2M");
	r2 = boot_one("2M", !o->quick, &cost2, &sc2, &lv2);
	if (!r4 || !r2) {
		json_decref(r4);
		json_decref(r2);
		return NULL;
	}
	return json_pack("{s:s,s:o,s:o,s:f,s:f}", "path",
			 "scenario runner on the built-in lifecycle (tools/default_scenario.tdp), "
			 "max_level rewritten to 4K for the 4K-only run; host SEAMCALLs exclude "
			 "TDG.MEM.PAGE.ACCEPT and TDH.VP.ENTER; --quick: vCPU work on the "
			 "callers' threads",
			 "4K", r4, "2M", r2, "seamcalls_4K_vs_2M",
			 sc2 ? (double)sc4 / (double)sc2 : 0.0, "host_cost_4K_vs_2M",
			 cost2 > 0 ? cost4 / cost2 : 0.0);
}
