// SPDX-License-Identifier: GPL-2.0-only
/*
 * `tdpmmu stress`: the summary of a run, as text or (--json) one JSON
 * object: ops by kind and result, accept statuses, SEAMCALL and MMU
 * counts, huge-page figures, checks, and the first violation with the
 * replay's verdict.  docs/STRESS.md describes the fields.
 */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "stress_run.h"

static void totals(const struct stress *s, u64 res[NR_OPS][NR_RES], u64 *total,
		   u64 acc[NR_ACCEPT_BUCKETS])
{
	int i, op, r;

	memset(res, 0, sizeof(u64) * NR_OPS * NR_RES);
	memset(acc, 0, sizeof(u64) * NR_ACCEPT_BUCKETS);
	*total = 0;
	for (i = 0; i < s->nr_workers; i++) {
		for (op = 0; op < NR_OPS; op++)
			for (r = 0; r < NR_RES; r++)
				res[op][r] += s->w[i].res[op][r];
		for (r = 0; r < NR_ACCEPT_BUCKETS; r++)
			acc[r] += s->w[i].accept_status[r];
	}
	for (op = 0; op < NR_OPS; op++)
		for (r = 0; r < NR_RES; r++)
			*total += res[op][r];
}

void stress_print_summary(const struct stress *s, double secs, bool interrupted,
			  const char *replay_verdict, const char *replay_file)
{
	u64 res[NR_OPS][NR_RES], total, acc[NR_ACCEPT_BUCKETS];
	const struct kvm_counters *c = &s->counters_total;
	int op, r;

	totals(s, res, &total, acc);
	if (s->o.json) {
		json_t *j = json_object(), *ops = json_object(), *counts = json_object();
		json_t *accs = json_object();

		json_object_set_new(j, "version", json_integer(1));
		json_object_set_new(j, "result", json_string(s->violations ? "fail" : "pass"));
		json_object_set_new(j, "seed", json_integer((json_int_t)s->o.seed));
		json_object_set_new(j, "vcpus", json_integer(s->o.vcpus));
		json_object_set_new(j, "host_threads", json_integer(s->o.host_threads));
		json_object_set_new(j, "seconds", json_real(secs));
		json_object_set_new(j, "interrupted", json_boolean(interrupted));
		json_object_set_new(j, "ops_total", json_integer((json_int_t)total));
		json_object_set_new(j, "ops_per_sec", json_real(secs > 0 ? total / secs : 0));
		for (op = 0; op < NR_OPS; op++) {
			json_t *o = json_object();

			for (r = 0; r < NR_RES; r++)
				if (res[op][r])
					json_object_set_new(o, stress_res_name(r),
							    json_integer((json_int_t)res[op][r]));
			json_object_set_new(ops, stress_op_name(op), o);
		}
		json_object_set_new(j, "ops", ops);
		for (r = 0; r < NR_ACCEPT_BUCKETS; r++)
			json_object_set_new(accs, stress_accept_bucket_name(r),
					    json_integer((json_int_t)acc[r]));
		json_object_set_new(j, "accept_status", accs);
		for (r = 0; r < NR_TDX_LEAVES; r++)
			json_object_set_new(counts, tdxmod_leaf_name(r),
					    json_integer((json_int_t)c->leaf_calls[r]));
		json_object_set_new(counts, "splits", json_integer((json_int_t)c->splits));
		json_object_set_new(counts, "kicks", json_integer((json_int_t)c->kicks));
		json_object_set_new(counts, "faults", json_integer((json_int_t)c->faults));
		json_object_set_new(counts, "track_rounds",
				    json_integer((json_int_t)c->track_rounds));
		json_object_set_new(counts, "busy_retries",
				    json_integer((json_int_t)c->busy_retries));
		json_object_set_new(counts, "vm_bugged", json_integer((json_int_t)c->vm_bugged));
		json_object_set_new(counts, "promotes", json_integer((json_int_t)c->promotes));
		json_object_set_new(counts, "promote_tries",
				    json_integer((json_int_t)c->promote_tries));
		json_object_set_new(counts, "promote_refused",
				    json_integer((json_int_t)c->promote_refused));
		json_object_set_new(j, "counts", counts);
		json_object_set_new(
			j, "huge",
			json_pack("{s:I,s:I,s:I,s:f,s:f,s:I,s:I}", "splits", (json_int_t)c->splits,
				  "demotes", (json_int_t)c->leaf_calls[TDH_MEM_PAGE_DEMOTE],
				  "promotes", (json_int_t)c->leaf_calls[TDH_MEM_PAGE_PROMOTE],
				  "mapped_huge_share_avg",
				  s->huge_samples ? s->huge_share_sum / (double)s->huge_samples
						  : 0.0,
				  "mapped_huge_share_last", s->huge_share_last, "samples",
				  (json_int_t)s->huge_samples, "td_recycles",
				  (json_int_t)s->recycles));
		json_object_set_new(j, "checks",
				    json_pack("{s:i,s:i}", "passed", s->checks_passed, "failed",
					      s->checks_failed));
		json_object_set_new(j, "runs", json_integer((json_int_t)s->runs));
		json_object_set_new(j, "bugged_runs_expected",
				    json_integer((json_int_t)s->bugged_runs_expected));
		json_object_set_new(j, "violations", json_integer(s->violations));
		if (s->violations) {
			json_object_set_new(j, "first_violation", json_string(s->first_violation));
			json_object_set_new(j, "replay", json_string(replay_verdict));
			if (replay_file)
				json_object_set_new(j, "replay_file", json_string(replay_file));
		}
		json_dumpf(j, stdout, JSON_INDENT(2));
		fputc('\n', stdout);
		json_decref(j);
		return;
	}
	printf("tdpmmu stress: %s  seed=%llu vcpus=%d host-threads=%d\n",
	       s->violations ? "FAIL" : "pass", (unsigned long long)s->o.seed, s->o.vcpus,
	       s->o.host_threads);
	printf("  %llu ops in %.2f s = %.0f ops/s; checks %d passed, %d failed; runs %llu "
	       "(bugged, expected: %llu)\n",
	       (unsigned long long)total, secs, secs > 0 ? total / secs : 0.0, s->checks_passed,
	       s->checks_failed, (unsigned long long)s->runs,
	       (unsigned long long)s->bugged_runs_expected);
	for (op = 0; op < NR_OPS; op++) {
		u64 n = 0;

		for (r = 0; r < NR_RES; r++)
			n += res[op][r];
		if (!n)
			continue;
		printf("  %-14s %10llu:", stress_op_name(op), (unsigned long long)n);
		for (r = 0; r < NR_RES; r++)
			if (res[op][r])
				printf(" %s=%llu", stress_res_name(r),
				       (unsigned long long)res[op][r]);
		printf("\n");
	}
	printf("  accept statuses:");
	for (r = 0; r < NR_ACCEPT_BUCKETS; r++)
		if (acc[r])
			printf(" %s=%llu", stress_accept_bucket_name(r),
			       (unsigned long long)acc[r]);
	printf("\n");
	printf("  leaves: AUG=%llu SEPT.ADD=%llu BLOCK=%llu TRACK=%llu DEMOTE=%llu REMOVE=%llu "
	       "SEPT.REMOVE=%llu; splits=%llu kicks=%llu faults=%llu busy_retries=%llu\n",
	       (unsigned long long)c->leaf_calls[TDH_MEM_PAGE_AUG],
	       (unsigned long long)c->leaf_calls[TDH_MEM_SEPT_ADD],
	       (unsigned long long)c->leaf_calls[TDH_MEM_RANGE_BLOCK],
	       (unsigned long long)c->leaf_calls[TDH_MEM_TRACK],
	       (unsigned long long)c->leaf_calls[TDH_MEM_PAGE_DEMOTE],
	       (unsigned long long)c->leaf_calls[TDH_MEM_PAGE_REMOVE],
	       (unsigned long long)c->leaf_calls[TDH_MEM_SEPT_REMOVE],
	       (unsigned long long)c->splits, (unsigned long long)c->kicks,
	       (unsigned long long)c->faults, (unsigned long long)c->busy_retries);
	if (s->o.promote)
		printf("  promotions: %llu of %llu tries (%llu refused by the module, %llu TRACK "
		       "rounds)\n",
		       (unsigned long long)c->promotes, (unsigned long long)c->promote_tries,
		       (unsigned long long)c->promote_refused,
		       (unsigned long long)c->promote_rounds);
	printf("  huge pages: splits=%llu DEMOTE=%llu PROMOTE=%llu; private memory mapped huge "
	       "%.1f%% on average over %llu samples (%.1f%% at the last); TDs renewed %llu\n",
	       (unsigned long long)c->splits,
	       (unsigned long long)c->leaf_calls[TDH_MEM_PAGE_DEMOTE],
	       (unsigned long long)c->leaf_calls[TDH_MEM_PAGE_PROMOTE],
	       s->huge_samples ? 100.0 * s->huge_share_sum / (double)s->huge_samples : 0.0,
	       (unsigned long long)s->huge_samples, 100.0 * s->huge_share_last,
	       (unsigned long long)s->recycles);
	if (s->violations) {
		printf("  first violation: %s\n", s->first_violation);
		printf("  reproduce: tdpmmu stress --seed %llu (same options); %s%s%s\n",
		       (unsigned long long)s->o.seed, replay_verdict, replay_file ? ": " : "",
		       replay_file ? replay_file : "");
	}
}
