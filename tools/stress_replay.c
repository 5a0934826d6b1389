// SPDX-License-Identifier: GPL-2.0-only
/*
 * `tdpmmu stress`: after a violation, the op log as a single-threaded .tdp
 * scenario (docs/SCENARIO-FORMAT.md) that `tdpmmu run` replays.  Ops that
 * started after the failing one are cut; if the replay still fails it is
 * shortened (the shortest failing prefix, then chunks dropped while it
 * still fails) within a time budget.  The verdict says whether it
 * reproduces without the interleaving.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenario.h"
#include "stress_run.h"

static void write_ent(FILE *f, const struct log_ent *e)
{
	char st[96];

	switch (e->op) {
	case OP_ACCEPT:
		fprintf(f, "accept gpa=0x%llx level=%s vcpu=%d\n", (unsigned long long)e->gpa,
			scn_level_name(e->level), e->vcpu);
		break;
	case OP_ACCEPT_MEMORY:
		fprintf(f, "accept_memory gpa=0x%llx size=0x%llx vcpu=%d\n",
			(unsigned long long)e->gpa, (unsigned long long)e->size, e->vcpu);
		break;
	case OP_ACCESS:
		fprintf(f, "access gpa=0x%llx%s%s vcpu=%d\n", (unsigned long long)e->gpa,
			(e->flags & LOG_SHARED) ? " shared" : "",
			(e->flags & LOG_WRITE) ? " write" : "", e->vcpu);
		break;
	case OP_GUEST_CONVERT:
	case OP_CONVERT:
		fprintf(f, "convert gpa=0x%llx size=0x%llx to=%s\n", (unsigned long long)e->gpa,
			(unsigned long long)e->size,
			(e->flags & LOG_TO_PRIVATE) ? "private" : "shared");
		break;
	case OP_PUNCH:
		fprintf(f, "punch gpa=0x%llx size=0x%llx\n", (unsigned long long)e->gpa,
			(unsigned long long)e->size);
		break;
	case OP_SPLIT:
		fprintf(f, "split gpa=0x%llx size=0x%llx level=%s\n", (unsigned long long)e->gpa,
			(unsigned long long)e->size, scn_level_name(e->level));
		break;
	case OP_PROMOTE:
		fprintf(f, "promote gpa=0x%llx size=0x%llx\n", (unsigned long long)e->gpa,
			(unsigned long long)e->size);
		break;
	case OP_INJECT:
		fprintf(f, "inject %s status=%s count=%u after=%u\n", tdxmod_leaf_name(e->leaf),
			tdx_status_format(e->status, st, sizeof(st)), e->count, e->after);
		break;
	case OP_INJECT_ALLOC:
		fprintf(f, "inject alloc fail count=%u after=%u\n", e->count, e->after);
		break;
	}
}

static void write_header(FILE *f, const struct stress *s)
{
	fprintf(f, "# tdpmmu stress replay: seed=%llu vcpus=%d host-threads=%d policy=%s\n",
		(unsigned long long)s->o.seed, s->o.vcpus, s->o.host_threads,
		s->o.policy == TDX_POLICY_RECOVER ? "recover" : "upstream");
	fprintf(f, "# first violation: %s\n", s->first_violation);
	fprintf(f, "vm mem=0x%llx vcpus=%d max_level=%s module=%s%s%s%s%s seed=%llu\n",
		(unsigned long long)s->o.mem, s->o.vcpus, scn_level_name(s->o.max_level),
		s->o.module == TDX_MODULE_2_0 ? "2.0" : "1.5", s->o.dpamt ? " dpamt=on" : "",
		s->o.demote_interruptible ? " demote_interruptible=on" : "",
		s->o.promote ? " promote=on" : "",
		s->o.split_lock == KVM_SPLIT_LOCK_SHARED ? " split_lock=shared" : "",
		(unsigned long long)s->o.seed);
	fprintf(f, "finalize\n");
}

/* The .tdp text of ents[keep[i]] for kept ones, with the final check. */
static char *replay_text(const struct stress *s, const struct log_ent *ents, size_t n,
			 const bool *keep, size_t *len)
{
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);
	size_t i;

	if (!f)
		return NULL;
	write_header(f, s);
	for (i = 0; i < n; i++)
		if (!keep || keep[i])
			write_ent(f, &ents[i]);
	fprintf(f, "check\nexpect count vm_bugged=0\n");
	fclose(f);
	return buf;
}

/* 1: the replay fails (reproduces), 0: passes, -1: does not parse. */
static int replay_fails(const char *text, size_t len)
{
	struct scenario scn;
	struct scn_result res;
	struct scn_run_opts ro;
	FILE *null = fopen("/dev/null", "w");
	int r;

	if (!null)
		return -1;
	ro = (struct scn_run_opts){.out = null, .err = null};
	if (scenario_parse("replay", text, len, &scn)) {
		scenario_free(&scn);
		fclose(null);
		return -1;
	}
	memset(&res, 0, sizeof(res));
	r = scenario_run(&scn, &ro, &res);
	scn_result_free(&res);
	scenario_free(&scn);
	fclose(null);
	return r ? 1 : 0;
}

/* Does the replay of ents[0, n) (the kept ones) still fail?  As replay_fails(). */
static int replay_check(const struct stress *s, const struct log_ent *ents, size_t n,
			const bool *keep)
{
	size_t len;
	char *text = replay_text(s, ents, n, keep, &len);
	int r = text ? replay_fails(text, len) : -1;

	free(text);
	return r;
}

/*
 * Shrink by dropping chunks of ops while the replay still fails (a bounded
 * ddmin): halves, quarters, ... down to single ops, within a time budget.
 */
static void replay_minimize(const struct stress *s, const struct log_ent *ents, size_t n,
			    bool *keep, double budget_s)
{
	bool *saved = malloc(n ? n : 1);
	u64 t0 = now_ns();
	size_t chunk, i, j;

	if (!saved)
		return;
	for (chunk = n / 2 ? n / 2 : 1;; chunk /= 2) {
		for (i = 0; i < n; i += chunk) {
			size_t hi = i + chunk < n ? i + chunk : n;
			bool any = false;

			if ((double)(now_ns() - t0) / 1e9 > budget_s)
				goto out;
			for (j = i; j < hi; j++)
				any |= keep[j];
			if (!any)
				continue;
			memcpy(&saved[i], &keep[i], hi - i);
			memset(&keep[i], 0, hi - i);
			if (replay_check(s, ents, n, keep) != 1)
				memcpy(&keep[i], &saved[i], hi - i); /* needed */
		}
		if (chunk == 1)
			break;
	}
out:
	free(saved);
}

/* Gathers the log, writes the replay; returns a one-line verdict. */
const char *stress_write_replay(struct stress *s, char *path, size_t pathlen)
{
	struct log_ent *ents;
	size_t n = 0, i, kept;
	bool *keep = NULL;
	char *text;
	size_t len;
	int r;
	FILE *f;

	if (atomic_load(&s->log_overflow))
		return "no replay: the op log exceeded --log-limit (rerun with a larger one)";
	if (s->runs > s->log_run)
		return "no replay: the violation happened after a VM restart";
	ents = stress_log_gather(s, &n);
	if (ents)
		keep = malloc((n ? n : 1) * sizeof(*keep));
	if (!ents || !keep) {
		free(ents);
		return "no replay: out of memory";
	}
	/* Ops that started after the failing one cannot have caused it. */
	while (n && ents[n - 1].seq > s->violation_seq)
		n--;
	for (i = 0; i < n; i++)
		keep[i] = true;

	r = replay_check(s, ents, n, keep);
	if (r == 1) {
		/* Shortest failing prefix first (log2 n runs), then drop chunks. */
		size_t lo = 1, hi = n;

		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;

			if (replay_check(s, ents, mid, NULL) == 1)
				hi = mid;
			else
				lo = mid + 1;
		}
		n = hi;
		replay_minimize(s, ents, n, keep, 60.0);
	}
	for (i = 0, kept = 0; i < n; i++)
		kept += keep[i];

	snprintf(path, pathlen, "%s", s->o.replay_path);
	f = fopen(path, "w");
	text = replay_text(s, ents, n, keep, &len);
	if (f && text) {
		fputs(r == 1 ? "# reproduces single-threaded: `tdpmmu run` exits 1\n"
			     : "# does NOT reproduce single-threaded (an interleaving was "
			       "needed)\n",
		      f);
		fwrite(text, 1, len, f);
	}
	if (f)
		fclose(f);
	free(text);
	free(ents);
	free(keep);
	if (!f)
		return "no replay: cannot write the replay file";
	fprintf(stderr, "tdpmmu stress: replay of %zu op(s) (of %zu logged) written to %s\n", kept,
		n, path);
	if (r == 1)
		return "replay reproduces single-threaded";
	if (r == -1)
		return "replay written but does not parse (scenario extension missing?)";
	return "replay does NOT reproduce single-threaded (needs the interleaving)";
}
