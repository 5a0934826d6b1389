// SPDX-License-Identifier: GPL-2.0-only
/*
 * `size`: TDs of 1 GiB .. 1 TiB mapped through the VM API the way a Linux
 * guest does it (finalize, then kvm_guest_accept_memory over all memory:
 * ACCEPT -> EPT violation -> fault -> AUG -> re-ACCEPT), each in its own
 * child process (`tdpmmu bench size-child ...`) so that its peak RSS is
 * its own.  RSS is compared with the theoretical page-table bytes: 4 KiB
 * per mirror and per S-EPT page plus 16 bytes (the architectural PAMT
 * entry size) per PAMT entry in use (one per mapped leaf at its level and
 * one per S-EPT page).  Then the checker over the TD, and the zap (punch
 * hole) of a 1 TiB range holding few present leaves.
 */
#include <errno.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"
#include "checker.h"
#include "cli_opts.h"
#include "scenario.h"
#include "text_escape.h"
#include "tdpmmu/mmu.h"
#include "tdpmmu/tdx.h"
#include "tdpmmu/vm.h"
#include "tdpmmu/vm_inspect.h"

#define PAMT_ENTRY_BYTES 16

extern char **environ;

static void count_report(void *arg, const char *msg)
{
	(void)msg;
	(*(int *)arg)++;
}

static int td_create(u64 mem, int level, struct kvm **kvmp)
{
	struct kvm_config cfg;

	kvm_config_default(&cfg);
	cfg.mem = mem;
	cfg.max_level = level;
	cfg.nr_vcpus = 1;
	cfg.vcpu_threads = false;
	if (kvm_create(&cfg, kvmp))
		return -ENOMEM;
	return kvm_tdx_finalize(*kvmp) ? -EIO : 0;
}

/* size-child map MEM LEVEL: one JSON line on stdout. */
static int child_map(u64 mem, int level)
{
	u64 rss0 = bench_rss_bytes(), rss1, t0, t1, t2, mirror, external, maps[PG_LEVEL_512G + 1];
	struct kvm *kvm;
	int violations = 0;
	json_t *o;

	if (td_create(mem, level, &kvm))
		return 1;
	t0 = bench_cpu_ns();
	if (kvm_guest_accept_memory(kvm, 0, 0, mem))
		return 1;
	t1 = bench_cpu_ns();
	rss1 = bench_rss_bytes();
	kvm_count_pt_pages(kvm, &mirror, &external);
	kvm_count_mappings(kvm, maps);
	tdpmmu_check(kvm, count_report, &violations);
	t2 = bench_cpu_ns();
	o = json_pack("{s:f,s:f,s:I,s:I,s:I,s:I,s:I,s:I,s:i}", "map_s", (double)(t1 - t0) / 1e9,
		      "check_s", (double)(t2 - t1) / 1e9, "rss_before", (json_int_t)rss0,
		      "rss_after", (json_int_t)rss1, "mirror_pages", (json_int_t)mirror,
		      "external_pages", (json_int_t)external, "leaves_4K",
		      (json_int_t)maps[PG_LEVEL_4K], "leaves_2M", (json_int_t)maps[PG_LEVEL_2M],
		      "check_violations", violations);
	json_object_set_new(o, "peak_rss", json_integer((json_int_t)bench_hwm_bytes()));
	json_dumpf(o, stdout, JSON_COMPACT);
	putchar('\n');
	fflush(stdout);
	/* No teardown: the process ends here and the figures are out. */
	_exit(0);
}

/* size-child zap MEM K dense|spread: K 2M leaves, then punch the whole range. */
static int child_zap(u64 mem, u64 k, bool spread)
{
	u64 maps[PG_LEVEL_512G + 1], mirror, external, t0, t1, t2;
	struct kvm_counters c;
	struct rwlock *lock;
	int r;
	struct kvm *kvm;
	u64 status;
	json_t *o;

	if (td_create(mem, PG_LEVEL_2M, &kvm))
		return 1;
	for (u64 i = 0; i < k; i++) {
		gpa_t gpa = spread ? i * (mem / k) : i << 21;

		gpa &= ~((2ULL << 20) - 1);
		if (kvm_guest_accept(kvm, 0, gpa, PG_LEVEL_2M, &status) != KVM_GUEST_STATUS ||
		    status)
			return 1;
	}
	kvm_count_mappings(kvm, maps);
	kvm_count_pt_pages(kvm, &mirror, &external);
	/* The MMU's zap alone, then the whole punch (now only the backing). */
	lock = kvm_mmu_lock(kvm_get_mmu(kvm));
	write_lock(lock);
	t0 = bench_cpu_ns();
	r = kvm_tdp_mmu_unmap_gfn_range(kvm_get_mmu(kvm), 0, gpa_to_gfn(mem), true);
	t1 = bench_cpu_ns();
	write_unlock(lock);
	if (r || kvm_gmem_punch_hole(kvm, 0, mem))
		return 1;
	t2 = bench_cpu_ns();
	kvm_get_counters(kvm, &c);
	o = json_pack("{s:f,s:f,s:I,s:I,s:I}", "zap_s", (double)(t1 - t0) / 1e9,
		      "punch_after_zap_s", (double)(t2 - t1) / 1e9, "present_leaves",
		      (json_int_t)(maps[PG_LEVEL_4K] + maps[PG_LEVEL_2M]), "present_tables",
		      (json_int_t)mirror, "write_lock_hold_max_ns",
		      (json_int_t)c.write_lock_hold_max_ns);
	json_object_set_new(o, "peak_rss", json_integer((json_int_t)bench_hwm_bytes()));
	json_dumpf(o, stdout, JSON_COMPACT);
	putchar('\n');
	fflush(stdout);
	_exit(0);
}

/*
 * size-child mmu MEM: the page tables alone -- the MMU with the TDX hooks
 * and the module model, no VM (no guest_memfd, no vCPU TLB model, no
 * attributes) -- faulted in at 2M, one fault per leaf.
 */
static int child_mmu(u64 mem)
{
	struct kvm_tdx_config cfg = {
		.module = {.version = TDX_MODULE_1_5, .nr_vcpus = 1, .max_vcpus = 1},
		.policy = TDX_POLICY_UPSTREAM,
	};
	u64 rss0, rss1, t0, t1;
	struct frame_allocator *fa;
	struct kvm_mmu_stats st;
	struct kvm_tdx *tdx;
	struct kvm_mmu *mmu;
	json_t *o;

	kvm_mmu_register_thread();
	rss0 = bench_rss_bytes();
	fa = frame_allocator_create();
	tdx = fa ? tdx_vm_create(&cfg, fa, NULL, NULL) : NULL;
	if (!tdx || tdx_td_finalize(tdx))
		return 1;
	mmu = kvm_mmu_create(fa, tdx_external_ops(), tdx, gpa_to_gfn(mem));
	if (!mmu)
		return 1;
	t0 = bench_cpu_ns();
	for (gfn_t gfn = 0; gfn < gpa_to_gfn(mem); gfn += 512) {
		struct kvm_page_fault f = {
			.gfn = gfn, .is_private = true, .write = true, .max_level = PG_LEVEL_2M};
		hpa_t hpa;
		int r;

		if (frame_alloc_guest(fa, PG_LEVEL_2M, &hpa))
			return 1;
		f.pfn = hpa >> PAGE_SHIFT;
		do {
			f.mmu_seq = kvm_mmu_invalidate_seq(mmu);
			r = kvm_tdp_mmu_page_fault(mmu, &f);
		} while (r == RET_PF_RETRY);
		if (r != RET_PF_FIXED)
			return 1;
	}
	t1 = bench_cpu_ns();
	rss1 = bench_rss_bytes();
	kvm_mmu_get_stats(mmu, &st);
	o = json_pack("{s:f,s:I,s:I,s:I,s:I,s:I,s:I}", "map_s", (double)(t1 - t0) / 1e9,
		      "rss_before", (json_int_t)rss0, "rss_after", (json_int_t)rss1, "mirror_pages",
		      (json_int_t)st.mirror_pt_pages, "external_pages",
		      (json_int_t)st.external_pages, "leaves_4K",
		      (json_int_t)st.mirror_mappings[PG_LEVEL_4K], "leaves_2M",
		      (json_int_t)st.mirror_mappings[PG_LEVEL_2M]);
	json_object_set_new(o, "peak_rss", json_integer((json_int_t)bench_hwm_bytes()));
	json_dumpf(o, stdout, JSON_COMPACT);
	putchar('\n');
	fflush(stdout);
	_exit(0);
}

/* ---- `tdpmmu bench size-child`: what run_child() starts ---- */

struct size_child_args {
	u64 mem, k;
	int level, zap_spread;
};

static const struct cli_choice size_child_levels[] = {
	{"4K", PG_LEVEL_4K}, {"2M", PG_LEVEL_2M}, {"1G", PG_LEVEL_1G}, {NULL, 0}};
static const struct cli_choice size_child_spread[] = {{"dense", 0}, {"spread", 1}, {NULL, 0}};

static const struct cli_opt size_child_mem =
	CLI_OPT(NULL, CLI_SIZE, CLI_AT(struct size_child_args, mem), "MEM", NULL, .min = 2ULL << 20,
		.max = 1ULL << 40, .align = 2ULL << 20);
static const struct cli_opt size_child_level =
	CLI_OPT(NULL, CLI_ENUM, CLI_AT(struct size_child_args, level), "LEVEL", NULL,
		.choices = size_child_levels);
static const struct cli_opt size_child_how =
	CLI_OPT(NULL, CLI_ENUM, CLI_AT(struct size_child_args, zap_spread), "HOW", NULL,
		.choices = size_child_spread);

static const struct cli_cmd size_child_cli = {
	.name = "bench size-child",
	.synopsis = "mmu MEM | map MEM LEVEL | zap MEM K dense|spread",
	.about = "Internal: one run of `tdpmmu bench size` in a process of its own, so\n"
		 "that its peak RSS is its own; `bench size` starts it (as /proc/self/exe)\n"
		 "and reads the one JSON line it prints.  mmu: MEM of page tables faulted\n"
		 "in at 2M (MMU and module model, no VM); map: a TD of MEM accepted by the\n"
		 "guest up to LEVEL (4K|2M|1G), then the checker; zap: K 2M leaves (dense\n"
		 "from 0, or spread over MEM), then the zap and punch of all of MEM.  MEM is\n"
		 "a multiple of 2M up to 1T; K is 1 .. MEM/2M.",
	.hint = "tdpmmu help bench",
	.min_args = 2,
	.max_args = 4,
	.args_name = "mmu|map|zap and MEM",
};

void bench_size_child_usage(FILE *f)
{
	cli_usage_default(&size_child_cli, f);
}

int bench_size_child(int argc, char **argv)
{
	struct size_child_args a = {0};
	struct cli_opt k =
		CLI_OPT(NULL, CLI_U64, CLI_AT(struct size_child_args, k), "K", NULL, .min = 1);
	static const struct {
		const char *kind, *usage;
		int nargs;
	} kinds[] = {{"mmu", "mmu MEM", 2},
		     {"map", "map MEM LEVEL", 3},
		     {"zap", "zap MEM K dense|spread", 4}};
	int r, n, i;

	r = cli_parse(&size_child_cli, argc, argv, &a, &n);
	if (r != CLI_CONTINUE)
		return r;
	for (i = 0; i < (int)ARRAY_SIZE(kinds); i++)
		if (!strcmp(argv[1], kinds[i].kind))
			break;
	if (i == (int)ARRAY_SIZE(kinds)) {
		char *e = text_escape(argv[1]);

		cli_error(&size_child_cli, "unknown run '%s': want mmu|map|zap", e ? e : "?");
		free(e);
		return 2;
	}
	if (n != kinds[i].nargs)
		return cli_error(&size_child_cli, "wrong number of arguments: want %s",
				 kinds[i].usage);
	if (!cli_parse_arg(&size_child_cli, &size_child_mem, argv[2], &a))
		return 2;
	switch (i) {
	case 0:
		return child_mmu(a.mem);
	case 1:
		if (!cli_parse_arg(&size_child_cli, &size_child_level, argv[3], &a))
			return 2;
		return child_map(a.mem, a.level);
	default:
		k.max = a.mem >> 21;
		if (!cli_parse_arg(&size_child_cli, &k, argv[3], &a) ||
		    !cli_parse_arg(&size_child_cli, &size_child_how, argv[4], &a))
			return 2;
		return child_zap(a.mem, a.k, a.zap_spread);
	}
}

/* Run a child, parse its JSON line; *maxrss gets its peak RSS in bytes. */
static json_t *run_child(const struct bench_opts *o, char *const args[], u64 *maxrss)
{
	posix_spawn_file_actions_t fa;
	char buf[4096];
	struct rusage ru;
	int pipefd[2], status;
	size_t len = 0;
	ssize_t n;
	pid_t pid;
	char *argv[10] = {"tdpmmu", "bench", "size-child"};
	int i;

	for (i = 0; args[i] && i < 6; i++)
		argv[3 + i] = args[i];
	argv[3 + i] = NULL;
	if (pipe(pipefd))
		return NULL;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, pipefd[1], STDOUT_FILENO);
	posix_spawn_file_actions_addclose(&fa, pipefd[0]);
	if (posix_spawn(&pid, o->self, &fa, NULL, argv, environ)) {
		posix_spawn_file_actions_destroy(&fa);
		close(pipefd[0]);
		close(pipefd[1]);
		return NULL;
	}
	posix_spawn_file_actions_destroy(&fa);
	close(pipefd[1]);
	while (len < sizeof(buf) - 1 && (n = read(pipefd[0], buf + len, sizeof(buf) - 1 - len)) > 0)
		len += (size_t)n;
	buf[len] = 0;
	close(pipefd[0]);
	if (wait4(pid, &status, 0, &ru) != pid || !WIFEXITED(status) || WEXITSTATUS(status))
		return NULL;
	*maxrss = (u64)ru.ru_maxrss * 1024;
	return json_loads(buf, 0, NULL);
}

static json_t *size_one(const struct bench_opts *o, u64 mem, int level, bool vm)
{
	char memstr[32], lvstr[8];
	char *args[] = {vm ? "map" : "mmu", memstr, vm ? lvstr : NULL, NULL};
	u64 maxrss = 0, mirror, external, l4, l2, theo, rss;
	json_t *c;

	snprintf(memstr, sizeof(memstr), "%llu", (unsigned long long)mem);
	snprintf(lvstr, sizeof(lvstr), "%s", scn_level_name(level));
	c = run_child(o, args, &maxrss);
	if (!c)
		return NULL;
	mirror = (u64)json_integer_value(json_object_get(c, "mirror_pages"));
	external = (u64)json_integer_value(json_object_get(c, "external_pages"));
	l4 = (u64)json_integer_value(json_object_get(c, "leaves_4K"));
	l2 = (u64)json_integer_value(json_object_get(c, "leaves_2M"));
	theo = (mirror + external) * PAGE_SIZE + (l4 + l2 + external) * PAMT_ENTRY_BYTES;
	rss = (u64)json_integer_value(json_object_get(c, "rss_after")) -
	      (u64)json_integer_value(json_object_get(c, "rss_before"));
	json_object_set_new(c, "mem", json_integer((json_int_t)mem));
	json_object_set_new(c, "level", json_string(level == PG_LEVEL_4K ? "4K" : "2M"));
	json_object_set_new(c, "path", json_string(vm ? "vm" : "mmu"));
	json_object_set_new(c, "theoretical_bytes", json_integer((json_int_t)theo));
	json_object_set_new(c, "rss_growth_vs_theoretical", json_real((double)rss / (double)theo));
	maxrss = (u64)json_integer_value(json_object_get(c, "peak_rss"));
	json_object_set_new(c, "peak_rss_vs_theoretical", json_real((double)maxrss / (double)theo));
	json_object_set_new(
		c, "map_ns_per_leaf",
		json_real(json_real_value(json_object_get(c, "map_s")) * 1e9 / (double)(l4 + l2)));
	return c;
}

static json_t *zap_one(const struct bench_opts *o, u64 mem, u64 k, bool spread)
{
	char memstr[32], kstr[32];
	char *args[] = {"zap", memstr, kstr, spread ? "spread" : "dense", NULL};
	u64 maxrss;
	json_t *c;

	snprintf(memstr, sizeof(memstr), "%llu", (unsigned long long)mem);
	snprintf(kstr, sizeof(kstr), "%llu", (unsigned long long)k);
	c = run_child(o, args, &maxrss);
	if (!c)
		return NULL;
	json_object_set_new(
		c, "ns_per_present_leaf",
		json_real(json_real_value(json_object_get(c, "zap_s")) * 1e9 /
			  (double)json_integer_value(json_object_get(c, "present_leaves"))));
	return c;
}

json_t *bench_size(const struct bench_opts *o)
{
	static const struct {
		u64 mem;
		int level;
		bool quick;
	} runs[] = {
		{1ULL << 30, PG_LEVEL_2M, true},   {64ULL << 30, PG_LEVEL_2M, true},
		{1ULL << 40, PG_LEVEL_2M, true},   {4ULL << 30, PG_LEVEL_4K, true},
		{64ULL << 30, PG_LEVEL_4K, false},
	};
	json_t *maps = json_array(), *zaps = json_array(), *goals = json_array(), *t1t = NULL;
	json_t *mmu1t;
	double fit_a = 0, fit_b = 0, fit_share = 0;

	for (size_t i = 0; i < ARRAY_SIZE(runs); i++) {
		json_t *r;

		if (o->quick && !runs[i].quick)
			continue;
		bench_progress("size: map %llu GiB at %s", (unsigned long long)(runs[i].mem >> 30),
			       runs[i].level == PG_LEVEL_4K ? "4K" : "2M");
		r = size_one(o, runs[i].mem, runs[i].level, true);
		if (!r)
			goto fail;
		if (runs[i].mem == 1ULL << 40)
			t1t = r;
		json_array_append_new(maps, r);
	}
	/* The page tables alone for 1 TiB: what the model adds beyond them. */
	bench_progress("size: 1 TiB page tables alone");
	mmu1t = size_one(o, 1ULL << 40, PG_LEVEL_2M, false);
	if (!mmu1t)
		goto fail;
	json_array_append_new(maps, mmu1t);

	/*
	 * Zap of [0, 1 TiB) holding K present 2M leaves, spread one per
	 * 1 TiB / K (each in its own table) or packed at the start.  At a
	 * fixed range the cost must follow K, not the range.
	 */
	{
		static const u64 ks[] = {16, 128, 1024};
		double spread_s[ARRAY_SIZE(ks)] = {}, sx = 0, sy = 0, sxx = 0, sxy = 0, n;

		for (size_t i = 0; i < ARRAY_SIZE(ks); i++) {
			for (int spread = 0; spread < 2; spread++) {
				json_t *z;

				bench_progress("size: zap %llu leaves %s",
					       (unsigned long long)ks[i],
					       spread ? "spread" : "dense");
				z = zap_one(o, 1ULL << 40, ks[i], spread);
				if (!z)
					goto fail;
				json_object_set_new(z, "spread", json_boolean(spread));
				if (spread)
					spread_s[i] = json_real_value(json_object_get(z, "zap_s"));
				json_array_append_new(zaps, z);
			}
		}
		/*
		 * Least squares zap_s = a + b * K over the spread runs: b is the
		 * cost per present leaf (with its table), a what the 1 TiB range
		 * costs by itself (the walk over its 1G entries).
		 */
		n = (double)ARRAY_SIZE(ks);
		for (size_t i = 0; i < ARRAY_SIZE(ks); i++) {
			sx += (double)ks[i];
			sy += spread_s[i];
			sxx += (double)ks[i] * (double)ks[i];
			sxy += (double)ks[i] * spread_s[i];
		}
		fit_b = (n * sxy - sx * sy) / (n * sxx - sx * sx);
		fit_a = (sy - fit_b * sx) / n;
		fit_share = fit_a / spread_s[ARRAY_SIZE(ks) - 1];
	}
	if (t1t) {
		json_array_append_new(
			goals, bench_goal("1 TiB TD mapped at 2M in < 2 s", 2, true,
					  json_real_value(json_object_get(t1t, "map_s")), NULL));
		json_array_append_new(
			goals,
			bench_goal(
				"1 TiB TD: RSS growth <= 1.1x page-table bytes", 1.1, true,
				json_real_value(json_object_get(t1t, "rss_growth_vs_theoretical")),
				"whole VM (guest_memfd index, vCPU TLB model, attributes "
				"included)"));
		json_array_append_new(
			goals, bench_goal("1 TiB page tables alone: RSS growth <= 1.1x", 1.1, true,
					  json_real_value(json_object_get(
						  mmu1t, "rss_growth_vs_theoretical")),
					  "MMU + module model only"));
	}
	{
		json_t *g = bench_goal("zap of 1 TiB with K spread leaves: fixed part of a + b*K fit "
				       "<= 10% of the K=1024 time",
				       0.1, true, fit_share,
				       "the rest follows the present leaves (and their tables)");

		/* A fixed part below zero is noise larger than it: no evidence either way. */
		if (fit_a < 0) {
			json_object_set_new(g, "met", json_null());
			json_object_set_new(g, "why",
					    json_string("the fitted fixed part is negative: timing "
							"noise exceeds it, so the fit decides nothing"));
		}
		json_array_append_new(goals, g);
	}
	return json_pack(
		"{s:s,s:o,s:o,s:{s:f,s:f,s:f},s:o}", "path",
		"CPU time; VM API in a child process per run: kvm_guest_accept_memory (ACCEPT -> "
		"EPT violation -> fault -> AUG -> ACCEPT) over all memory, 1 vCPU in "
		"single-thread mode; tdpmmu_check; zap = kvm_tdp_mmu_unmap_gfn_range of [0, 1 TiB) "
		"under write_lock, then the punch of the backing",
		"maps", maps, "zaps", zaps, "zap_spread_fit", "fixed_us", fit_a * 1e6,
		"us_per_leaf", fit_b * 1e6, "fixed_share_at_1024", fit_share, "goals", goals);
fail:
	json_decref(maps);
	json_decref(zaps);
	json_decref(goals);
	return NULL;
}
