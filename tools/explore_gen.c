// SPDX-License-Identifier: GPL-2.0-only
/*
 * `tdpmmu explore --generate`: a race finder that needs no hand-written
 * scenario.  It draws small concurrent scenarios from a grammar over the
 * MMU-level commands and explores each with bounded preemption
 * (explore.c).  A scenario is
 *
 *   - a TD of 2-3 huge regions (2M each; in one scenario out of ten with
 *     max_level=1G, in one 1G folio),
 *   - a set-up prefix that puts each region in a random state: untouched,
 *     a folio allocated but unmapped, mapped 2M pending or accepted, split,
 *     a 4K accept inside a pending 2M, shared, plus pieces converted to
 *     shared or punched,
 *   - 2-3 logical threads of 1-4 commands each (access, accept, convert,
 *     punch, split) on interesting addresses and ranges (a region's ends,
 *     a whole region, a range straddling two regions),
 *   - in some scenarios, promotion on top (gen_promote_mix): `promote` in
 *     place of some thread commands, regions left promotable by the set-up,
 *     and promote=on so the recovery worker runs after every command,
 *   - at the end, `expect count vm_bugged=0` and the invariant checker.
 *
 * The stream of scenarios is a function of --seed alone.  On the first
 * violation the scenario is minimised (commands are dropped while the same
 * kind of violation is still found) and written as a .tdp file that
 * `tdpmmu explore FILE` replays.
 */
#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bugs.h"
#include "explore.h"
#include "scenario.h"
#include "tdpmmu/base.h"

#define GEN_MAX_ITEMS 64
#define GEN_MAX_THREADS 3

#define SZ_4K 0x1000ULL
#define SZ_1M 0x100000ULL
#define SZ_2M 0x200000ULL
#define SZ_1G 0x40000000ULL

struct gen_item {
	char text[96]; /* the command without vcpu= and thread= */
	bool guest; /* takes vcpu= (its thread's vCPU; 0 in the set-up) */
	int thread; /* -1: set-up */
};

struct gen_scn {
	unsigned long long index; /* in the --seed stream */
	int nr_regions;
	bool gig; /* max_level=1G */
	int focus; /* the threads mostly work on regions focus and focus + 1 */
	bool promote; /* the promotion overlay is on (gen_promote_mix) */
	bool promote_on; /* vm promote=on: the recovery worker runs after each command */
	int promotable; /* the region the overlay's set-up left promotable, or -1 */
	unsigned enabled; /* swarm: the thread commands (bits of gen_thread_cmds) in use */
	struct gen_item items[GEN_MAX_ITEMS];
	size_t n;
	bool drop[GEN_MAX_ITEMS]; /* removed by the minimiser */
};

struct gen_opts {
	u64 seed;
	double seconds; /* 0: no time bound */
	u64 count; /* 0: no count bound */
	int bound; /* preemptions; each scenario is explored at 0, 1, ... bound */
	u64 max_schedules; /* per scenario */
	double minimize_seconds;
	const char *out;
	bool print, json;
};

struct gen_ctx {
	struct prng rng; /* the base grammar: the stream of --seed */
	struct prng prom; /* the promotion overlay: its own stream per scenario */
	struct prng *cur; /* the one rnd() draws from */
	struct gen_scn *g;
};

static u64 rnd(struct gen_ctx *c, u64 n)
{
	return prng_next(c->cur) % n;
}

static void add(struct gen_ctx *c, int thread, bool guest, const char *fmt, ...)
{
	struct gen_item *it;
	va_list ap;

	if (c->g->n == GEN_MAX_ITEMS)
		return;
	it = &c->g->items[c->g->n++];
	it->thread = thread;
	it->guest = guest;
	va_start(ap, fmt);
	vsnprintf(it->text, sizeof(it->text), fmt, ap);
	va_end(ap);
}

/* Region @r's first GPA. */
static u64 region_base(const struct gen_scn *g, int r)
{
	/* With 1G folios too the regions are the first 2M ranges: inside one 1G folio. */
	(void)g;
	return (u64)r * SZ_2M;
}

/* An interesting 4K page of region @r: its first two, its middle, its last. */
static u64 pick_page(struct gen_ctx *c, int r)
{
	static const u64 off[] = {0, SZ_4K, SZ_1M, SZ_2M - SZ_4K};

	return region_base(c->g, r) + off[rnd(c, ARRAY_SIZE(off))];
}

/* An interesting range in or from region @r, as "gpa=0x.. size=0x..". */
static void pick_range(struct gen_ctx *c, int r, char *buf, size_t len)
{
	u64 b = region_base(c->g, r), gpa, size;
	bool next = r + 1 < c->g->nr_regions;

	u64 x = rnd(c, 20);

	if (x < 5) { /* one page */
		gpa = pick_page(c, r);
		size = SZ_4K;
	} else if (x < 10) { /* the whole region */
		gpa = b;
		size = SZ_2M;
	} else if (x < 18) {
		/* Across a boundary: the focus one when @r is on either side of it. */
		if (r == c->g->focus + 1) {
			b -= SZ_2M;
			next = true;
		}
		gpa = b + SZ_2M - SZ_4K;
		size = next ? 2 * SZ_4K : SZ_4K;
	} else if (x < 19) { /* all but the first page */
		gpa = b + SZ_4K;
		size = SZ_2M - SZ_4K;
	} else { /* two regions */
		gpa = b;
		size = next ? 2 * SZ_2M : SZ_2M;
	}
	snprintf(buf, len, "gpa=0x%llx size=0x%llx", (unsigned long long)gpa,
		 (unsigned long long)size);
}

/*
 * The region a thread command works on: races need the threads to meet,
 * so most commands go to the two regions on either side of one boundary.
 */
static int pick_region(struct gen_ctx *c)
{
	if (rnd(c, 5))
		return c->g->focus + (int)rnd(c, 2);
	return (int)rnd(c, (u64)c->g->nr_regions);
}

/* ---- The thread commands: one line each in gen_thread_cmds[] ---- */

static void gen_access(struct gen_ctx *c, int t, const char *name, const char *extra)
{
	(void)extra;
	add(c, t, true, "%s gpa=0x%llx%s%s", name, (unsigned long long)pick_page(c, pick_region(c)),
	    rnd(c, 7) ? "" : " shared", rnd(c, 3) ? "" : " write");
}

static void gen_accept(struct gen_ctx *c, int t, const char *name, const char *extra)
{
	int r = pick_region(c);

	(void)extra;
	if (rnd(c, 2))
		add(c, t, true, "%s gpa=0x%llx level=2M", name,
		    (unsigned long long)region_base(c->g, r));
	else
		add(c, t, true, "%s gpa=0x%llx level=4K", name,
		    (unsigned long long)pick_page(c, r));
}

/* A host command on a range; @extra: its other keys, "|"-separated choices. */
static void gen_range(struct gen_ctx *c, int t, const char *name, const char *extra)
{
	char range[64], choice[32] = "";

	pick_range(c, pick_region(c), range, sizeof(range));
	if (extra && *extra) {
		const char *alts[4], *p = extra;
		size_t n = 0, l;

		while (n < ARRAY_SIZE(alts) && p) {
			alts[n++] = p;
			p = strchr(p, '|');
			if (p)
				p++;
		}
		p = alts[rnd(c, n)];
		l = strcspn(p, "|");
		choice[0] = ' ';
		memcpy(choice + 1, p, l < sizeof(choice) - 2 ? l : sizeof(choice) - 2);
		choice[1 + (l < sizeof(choice) - 2 ? l : sizeof(choice) - 2)] = 0;
	}
	add(c, t, false, "%s %s%s", name, range, choice);
}

static const struct gen_cmd {
	const char *name;
	unsigned weight;
	void (*gen)(struct gen_ctx *c, int thread, const char *name, const char *extra);
	const char *extra; /* gen_range: alternatives for the other keys */
	const char *extra_1g; /* the same with max_level=1G (NULL: as extra) */
} gen_thread_cmds[] = {
	{"access", 20, gen_access, NULL, NULL},
	{"accept", 20, gen_accept, NULL, NULL},
	{"convert", 20, gen_range, "to=shared|to=private", NULL},
	{"punch", 20, gen_range, "", NULL},
	{"split", 10, gen_range, "level=4K", "level=4K|level=2M"},
	/* `promote` is not drawn here but by the overlay below (gen_promote_mix). */
};

static void gen_thread_cmd(struct gen_ctx *c, int t)
{
	unsigned total = 0, x;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(gen_thread_cmds); i++)
		if (c->g->enabled & (1u << i))
			total += gen_thread_cmds[i].weight;
	x = (unsigned)rnd(c, total);
	for (i = 0; !(c->g->enabled & (1u << i)) || x >= gen_thread_cmds[i].weight; i++)
		if (c->g->enabled & (1u << i))
			x -= gen_thread_cmds[i].weight;
	gen_thread_cmds[i].gen(c, t, gen_thread_cmds[i].name,
			       c->g->gig && gen_thread_cmds[i].extra_1g
				       ? gen_thread_cmds[i].extra_1g
				       : gen_thread_cmds[i].extra);
}

/* ---- The set-up prefix: one state per region ---- */

static void gen_region_state(struct gen_ctx *c, int r)
{
	unsigned long long b = region_base(c->g, r);
	unsigned long long p = pick_page(c, r);
	bool private_mapped = false, focus = r == c->g->focus || r == c->g->focus + 1;
	/* Around the focus boundary mostly huge states: no table, a bare folio, 2M mapped. */
	static const int focus_states[] = {0, 1, 2, 3};
	int st = focus && rnd(c, 10) < 7 ? focus_states[rnd(c, ARRAY_SIZE(focus_states))]
					 : (int)rnd(c, 14);

	/* Weighted to the huge states: 3 of 14 each for a bare folio, 2M pending, 2M accepted. */
	switch (st) {
	case 0: /* untouched */
		return;
	case 1:
	case 8:
	case 9: /* a folio, allocated and unmapped (zapped by a round trip via shared) */
		add(c, -1, true, "access gpa=0x%llx", b);
		add(c, -1, false, "convert gpa=0x%llx size=2M to=shared", b);
		add(c, -1, false, "convert gpa=0x%llx size=2M to=private", b);
		return;
	case 10:
	case 11:
	case 2: /* mapped 2M, pending */
		add(c, -1, true, "access gpa=0x%llx", b);
		private_mapped = true;
		break;
	case 12:
	case 13:
	case 3: /* mapped 2M, accepted */
		add(c, -1, true, "accept gpa=0x%llx level=2M", b);
		private_mapped = true;
		break;
	case 4: /* accepted, split by the host */
		add(c, -1, true, "accept gpa=0x%llx level=2M", b);
		add(c, -1, false, "split gpa=0x%llx size=2M level=4K", b);
		private_mapped = true;
		break;
	case 5: /* a 4K accept, nothing mapped before */
		add(c, -1, true, "accept gpa=0x%llx level=4K", p);
		private_mapped = true;
		break;
	case 6: /* a 4K accept inside a pending 2M mapping: split by the guest */
		add(c, -1, true, "access gpa=0x%llx", b);
		add(c, -1, true, "accept gpa=0x%llx level=4K", p);
		private_mapped = true;
		break;
	default: /* shared, with a shared mapping */
		add(c, -1, false, "convert gpa=0x%llx size=2M to=shared", b);
		add(c, -1, true, "access gpa=0x%llx shared", p);
		return;
	}
	if (private_mapped && !rnd(c, focus ? 8 : 4)) {
		p = pick_page(c, r);
		add(c, -1, false, "convert gpa=0x%llx size=4K to=shared", p);
		if (rnd(c, 2))
			add(c, -1, true, "access gpa=0x%llx shared", p);
	}
	if (private_mapped && !rnd(c, focus ? 8 : 4))
		add(c, -1, false, "punch gpa=0x%llx size=4K", (unsigned long long)pick_page(c, r));
}

/*
 * ---- Promotion: an overlay on the base grammar ----
 *
 * Promotion races need a region whose 512 children are all mapped, which
 * the base grammar makes rarely, and `promote` in the swarm of thread
 * commands would reshuffle the whole --seed stream.  So promotion is laid
 * over the scenario the base grammar drew, with draws from a PRNG of its
 * own (seeded by the seed and the scenario index): a scenario without the
 * overlay is exactly the one the base grammar gives, and the weights below
 * decide how many scenarios change and how.  They were tuned by measuring
 * the schedules each deliberate bug takes to be found (docs/EXPLORE.md).
 */
static const struct gen_promote_mix {
	unsigned scenario; /* % of scenarios with the overlay */
	unsigned on; /* % of them with vm promote=on */
	unsigned state; /* % of them where one focus region gets a promotable set-up */
	unsigned second; /* % of them with a second `promote` (the first always) */
} gen_promote_mix = {35, 35, 50, 20};

/* `promote` on one region, the two around the focus boundary, or all of the TD. */
static void gen_promote(struct gen_ctx *c, int t)
{
	u64 x = rnd(c, 10), gpa, size;

	if (x < 6) {
		/* Mostly at the region the set-up left promotable, if any. */
		int r = c->g->promotable >= 0 && rnd(c, 4) ? c->g->promotable : pick_region(c);

		gpa = region_base(c->g, r);
		size = SZ_2M;
	} else if (x < 8) {
		gpa = region_base(c->g, c->g->focus);
		size = 2 * SZ_2M;
	} else {
		/* With 1G: every 2M region of the folio, then the 1G one. */
		gpa = 0;
		size = c->g->gig ? SZ_1G : (u64)c->g->nr_regions * SZ_2M;
	}
	add(c, t, false, "promote gpa=0x%llx size=0x%llx", (unsigned long long)gpa,
	    (unsigned long long)size);
}

/* A set-up that leaves region @r promotable, or nearly. */
static void gen_promotable_state(struct gen_ctx *c, int r)
{
	unsigned long long b = region_base(c->g, r), p = pick_page(c, r);
	u64 st = rnd(c, 6);

	/* 512 4K children, by a host split of a 2M leaf: accepted, or pending. */
	if (st == 1 || st == 5)
		add(c, -1, true, "access gpa=0x%llx", b);
	else
		add(c, -1, true, "accept gpa=0x%llx level=2M", b);
	add(c, -1, false, "split gpa=0x%llx size=2M level=4K", b);
	switch (st) {
	case 0: /* all MAPPED */
	case 1: /* all PENDING */
		break;
	case 2: /* one hole: a thread's fault or accept there completes the table */
	case 3: /* and faulted again, PENDING: refused until the guest accepts it */
		add(c, -1, false, "convert gpa=0x%llx size=4K to=shared", p);
		add(c, -1, false, "convert gpa=0x%llx size=4K to=private", p);
		if (st == 3)
			add(c, -1, true, "access gpa=0x%llx", p);
		break;
	default: /* promoted already: a MAPPED or a PENDING 2M leaf */
		add(c, -1, false, "promote gpa=0x%llx size=2M", b);
		break;
	}
}

static void gen_scenario(struct prng *rng, u64 seed, unsigned long long index, struct gen_scn *g)
{
	struct gen_ctx c = {.rng = *rng, .g = g};
	const struct gen_promote_mix *pm = &gen_promote_mix;
	int nr_threads, t;

	c.cur = &c.rng;
	prng_seed(&c.prom, (seed ^ 0x70726f6d6f7465ULL) * 0x9E3779B97F4A7C15ULL + index);

	memset(g, 0, sizeof(*g));
	g->index = index;
	/* A 1G TD costs ~6x more per schedule (its folio's metadata). */
	g->gig = !rnd(&c, 10);
	g->nr_regions = rnd(&c, 10) < 6 ? 2 : 3;
	g->focus = (int)rnd(&c, (u64)g->nr_regions - 1);
	/*
	 * Swarm testing: each scenario uses a random subset of the thread
	 * commands, so the few that make a race meet more often.
	 */
	while (!g->enabled)
		g->enabled = (unsigned)rnd(&c, 1u << ARRAY_SIZE(gen_thread_cmds));
	g->promote = prng_below(&c.prom, 100) < pm->scenario;
	g->promote_on = g->promote && prng_below(&c.prom, 100) < pm->on;
	/*
	 * The overlay replaces what the base grammar drew (and drew from its
	 * own stream), so the base stream goes on as without it.
	 */
	g->promotable = g->promote && prng_below(&c.prom, 100) < pm->state
				? g->focus + (int)prng_below(&c.prom, 2)
				: -1;
	for (int r = 0; r < g->nr_regions; r++) {
		size_t n = g->n;

		gen_region_state(&c, r);
		if (r == g->promotable) {
			g->n = n;
			c.cur = &c.prom;
			gen_promotable_state(&c, r);
			c.cur = &c.rng;
		}
	}
	nr_threads = rnd(&c, 10) < 8 ? 2 : 3;
	for (t = 0; t < nr_threads; t++) {
		/* 1-4 commands, mostly few: each doubles the schedules. */
		static const int lens[] = {1, 1, 1, 1, 2, 2, 3, 4};
		int n = lens[rnd(&c, ARRAY_SIZE(lens))];

		for (int i = 0; i < n; i++)
			gen_thread_cmd(&c, t);
	}
	*rng = c.rng;
	/*
	 * `promote` is added at the end of a thread, not in place of a
	 * command: what the base grammar drew still meets in every order.
	 */
	c.cur = &c.prom;
	for (int i = 0; g->promote && i < 1 + (rnd(&c, 100) < pm->second); i++)
		gen_promote(&c, (int)rnd(&c, (u64)nr_threads));
}

/* Threads that still have a command, renumbered from 0; returns how many. */
static int gen_threads(const struct gen_scn *g, int map[GEN_MAX_THREADS])
{
	bool used[GEN_MAX_THREADS] = {0};
	int n = 0;

	for (size_t i = 0; i < g->n; i++)
		if (!g->drop[i] && g->items[i].thread >= 0)
			used[g->items[i].thread] = true;
	for (int t = 0; t < GEN_MAX_THREADS; t++)
		map[t] = used[t] ? n++ : -1;
	return n;
}

static size_t gen_live(const struct gen_scn *g, bool threaded)
{
	size_t n = 0;

	for (size_t i = 0; i < g->n; i++)
		if (!g->drop[i] && (g->items[i].thread >= 0) == threaded)
			n++;
	return n;
}

/* The scenario as .tdp text (malloc'd). */
static char *gen_render(const struct gen_scn *g, const struct gen_opts *o, size_t *len)
{
	int map[GEN_MAX_THREADS], nt = gen_threads(g, map);
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);

	if (!f)
		return NULL;
	fprintf(f, "# tdpmmu explore --generate --seed %llu: scenario %llu\n",
		(unsigned long long)o->seed, g->index);
	fprintf(f, "vm mem=%s vcpus=%d%s%s\n", g->gig ? "1G" : (g->nr_regions == 2 ? "4M" : "6M"),
		nt > 0 ? nt : 1, g->gig ? " max_level=1G" : "", g->promote_on ? " promote=on" : "");
	fprintf(f, "finalize\n");
	for (size_t i = 0; i < g->n; i++) {
		const struct gen_item *it = &g->items[i];

		if (g->drop[i] || it->thread >= 0)
			continue;
		fprintf(f, "%s%s\n", it->text, it->guest ? " vcpu=0" : "");
	}
	for (int t = 0; t < GEN_MAX_THREADS; t++) {
		for (size_t i = 0; i < g->n; i++) {
			const struct gen_item *it = &g->items[i];

			if (g->drop[i] || it->thread != t)
				continue;
			if (it->guest)
				fprintf(f, "%s vcpu=%d thread=%d\n", it->text, map[t], map[t]);
			else
				fprintf(f, "%s thread=%d\n", it->text, map[t]);
		}
	}
	fprintf(f, "expect count vm_bugged=0\n");
	if (fclose(f)) {
		free(buf);
		return NULL;
	}
	return buf;
}

/*
 * Explore @g.  Returns 0 (no violation), 1 (violation: @out), 2 (not
 * explorable or not parseable: a generator bug, reported).
 */
static int gen_explore(const struct gen_scn *g, const struct gen_opts *o, u64 deadline,
		       unsigned long long max_schedules, struct explore_outcome *out)
{
	struct explore_limits l = {.max_schedules = max_schedules, .deadline_ns = deadline};
	struct scenario scn;
	char name[64];
	size_t len;
	char *text = gen_render(g, o, &len);
	int map[GEN_MAX_THREADS], nt = gen_threads(g, map), r;
	unsigned long long spent = 0;

	memset(out, 0, sizeof(*out));
	if (!text || !nt) {
		free(text);
		return 2;
	}
	l.bound = o->bound;
	snprintf(name, sizeof(name), "generated-%llu.tdp", g->index);
	if (scenario_parse(name, text, len, &scn)) {
		fprintf(stderr, "tdpmmu explore --generate: internal error: scenario %llu:\n%s",
			g->index, text);
		scenario_print_errors(&scn, stderr);
		scenario_free(&scn);
		free(text);
		return 2;
	}
	/*
	 * Iterative preemption bounding (as CHESS does): every schedule with
	 * 0 preemptions, then with at most 1, ... up to the bound, within a
	 * quarter of the budget.  A scenario too big for that (a 2M punch is
	 * ~512 SEAMCALLs, each a choice point, and the DFS moves the last ones
	 * first) gets the rest of the budget as random schedules instead
	 * (explore_sample), which reach early preemptions as often as late ones.
	 */
	for (int b = l.bound < 0 ? -1 : 0, bound = l.bound;; b++) {
		struct explore_outcome o1;

		l.bound = b;
		l.max_schedules = max_schedules / 4 - spent;
		if (!l.max_schedules)
			break;
		r = explore_scenario(&scn, &l, &o1);
		spent += o1.schedules;
		o1.schedules = spent;
		explore_outcome_free(out);
		*out = o1;
		if (r || (deadline && now_ns() >= deadline))
			goto done;
		if (b < 0 || b >= bound) {
			if (out->complete)
				goto done; /* every schedule within the bound ran */
			break;
		}
		if (!out->complete || spent >= max_schedules / 4)
			break;
	}
	/* Too many schedules for the budget: sample the rest at random. */
	if (spent < max_schedules) {
		struct explore_outcome o2;

		l.bound = o->bound;
		l.max_schedules = max_schedules - spent;
		r = explore_sample(&scn, &l, o->seed * 0x9E3779B97F4A7C15ULL + g->index, &o2);
		spent += o2.schedules;
		o2.schedules = spent;
		explore_outcome_free(out);
		*out = o2;
	}
done:
	scenario_free(&scn);
	free(text);
	return r;
}

/*
 * Drop commands while the same kind of violation is still found: whole
 * threads first, then single thread commands, then set-up commands; again
 * until nothing more can go or the time is up.  Returns the schedules spent.
 */
static unsigned long long gen_minimize(struct gen_scn *g, const struct gen_opts *o,
				       const char *kind, struct explore_outcome *best, bool *broken)
{
	u64 deadline = now_ns() + (u64)(o->minimize_seconds * 1e9);
	unsigned long long spent = 0;
	bool progress = true;

	while (progress && now_ns() < deadline) {
		progress = false;
		/* Candidates: a whole thread (t = 0..2), then every single command. */
		for (int step = 0; step < GEN_MAX_THREADS + (int)g->n; step++) {
			bool save[GEN_MAX_ITEMS], changed = false;
			struct explore_outcome out;
			int r;

			if (now_ns() >= deadline)
				break;
			memcpy(save, g->drop, sizeof(save));
			if (step < GEN_MAX_THREADS) {
				for (size_t i = 0; i < g->n; i++) {
					if (!g->drop[i] && g->items[i].thread == step) {
						g->drop[i] = true;
						changed = true;
					}
				}
				/* Dropping the only thread cannot help. */
				if (changed && gen_live(g, true) == 0)
					changed = false;
			} else {
				size_t i = (size_t)(step - GEN_MAX_THREADS);

				if (!g->drop[i]) {
					g->drop[i] = true;
					changed = gen_live(g, true) > 0;
				}
			}
			if (!changed) {
				memcpy(g->drop, save, sizeof(save));
				continue;
			}
			r = gen_explore(g, o, deadline, o->max_schedules * 4, &out);
			spent += out.schedules;
			*broken |= out.broken;
			if (r == 1 && !strcmp(out.kind, kind)) {
				explore_outcome_free(best);
				*best = out;
				progress = true;
			} else {
				explore_outcome_free(&out);
				memcpy(g->drop, save, sizeof(save));
			}
		}
	}
	return spent;
}

/* ~31 years: now_ns() + S * 1e9 stays inside a u64. */
#define GEN_MAX_SECONDS 1e9
/* --max-schedules is multiplied by 4 for the minimiser. */
#define GEN_MAX_SCHEDULES 1000000000000ULL

static const struct cli_opt gen_options[] = {
	CLI_OPT("generate", CLI_FLAG, 0, NULL, NULL), /* the mode itself */
	CLI_OPT("seed", CLI_U64, CLI_AT(struct gen_opts, seed), "N",
		"the scenario stream (default 1)"),
	CLI_OPT("seconds", CLI_DOUBLE, CLI_AT(struct gen_opts, seconds), "S",
		"stop after S seconds (default 60 unless --count)", .positive = true,
		.dmax = GEN_MAX_SECONDS),
	CLI_OPT("count", CLI_U64, CLI_AT(struct gen_opts, count), "N", "stop after N scenarios",
		.min = 1),
	CLI_OPT("preemptions", CLI_INT, CLI_AT(struct gen_opts, bound), "N",
		"bound per schedule (default 2), explored 0, 1, .. N", .max = 1000,
		.choices = explore_unbounded),
	CLI_OPT("max-schedules", CLI_U64, CLI_AT(struct gen_opts, max_schedules), "N",
		"schedules per scenario (default 500)", .min = 1, .max = GEN_MAX_SCHEDULES),
	CLI_OPT("minimize-seconds", CLI_DOUBLE, CLI_AT(struct gen_opts, minimize_seconds), "S",
		"time for minimising a violation (default 60)", .dmax = GEN_MAX_SECONDS),
	CLI_OPT("out", CLI_STRING, CLI_AT(struct gen_opts, out), "FILE",
		"where the violating scenario goes\n"
		"(default explore-found-SEED.tdp)"),
	CLI_OPT("print", CLI_FLAG, CLI_AT(struct gen_opts, print), NULL,
		"print the scenarios instead of exploring them"),
	CLI_OPT("json", CLI_FLAG, CLI_AT(struct gen_opts, json), NULL,
		"the summary as one JSON object on stdout"),
	{0},
};

static const struct cli_cmd gen_cli = {
	.name = "explore --generate",
	.synopsis = "[options]",
	.about = "Generates small concurrent scenarios (a random set-up over 2-3 huge\n"
		 "regions, then 2-3 logical threads of 1-4 access/accept/convert/punch/split\n"
		 "commands; in about a third, host promotes and promote=on over a region\n"
		 "left promotable) and explores each with bounded preemption.  On the first\n"
		 "violation the scenario is minimised and written as a .tdp file that\n"
		 "`tdpmmu explore FILE` replays.",
	.epilog = "Progress goes to stderr every few seconds.  Exit status: 0 no violation,\n"
		  "1 a violation (scenario written), 2 usage error.  See docs/EXPLORE.md.",
	.hint = "tdpmmu explore --generate --help",
	.opts = gen_options,
};

void explore_generate_usage(FILE *f)
{
	cli_usage(&gen_cli, f);
}

/* 0: go on; -1: help printed; otherwise the exit status of a usage error. */
static int gen_parse_args(int argc, char **argv, struct gen_opts *o, char *outbuf, size_t outlen)
{
	int r, nargs;

	*o = (struct gen_opts){.seed = 1, .bound = 2, .max_schedules = 500, .minimize_seconds = 60};
	r = cli_parse(&gen_cli, argc, argv, o, &nargs);
	if (r != CLI_CONTINUE)
		return r == 0 ? -1 : r;
	/* --seconds is > 0 when given. */
	if (!o->seconds && !o->count)
		o->seconds = 60;
	if (!o->out) {
		snprintf(outbuf, outlen, "explore-found-%llu.tdp", (unsigned long long)o->seed);
		o->out = outbuf;
	}
	return 0;
}

/* The minimised scenario, with how it was found, as a comment. */
static int gen_write(const struct gen_scn *g, const struct gen_opts *o,
		     const struct explore_outcome *v, int bound)
{
	size_t len;
	char *text = gen_render(g, o, &len), bugs[256];
	FILE *f = fopen(o->out, "w");
	const char *m;
	int err;

	if (!f || !text) {
		fprintf(stderr, "tdpmmu explore --generate: %s: %s\n", o->out, strerror(errno));
		if (f)
			fclose(f);
		free(text);
		return -1;
	}
	tdpmmu_bugs_describe(bugs, sizeof(bugs));
	fprintf(f, "# Found by tdpmmu explore --generate --seed %llu (scenario %llu)%s%s,\n",
		(unsigned long long)o->seed, g->index, *bugs ? " with " : "", bugs);
	fprintf(f, "# minimised.  Violation: %s, schedule %s.\n", v->kind,
		v->schedule && *v->schedule ? v->schedule : "- (one thread)");
	fprintf(f, "# Replay: %s%s%s explore %s\n", *bugs ? "tdpmmu-bugs" : "tdpmmu",
		*bugs ? " " : "", bugs, o->out);
	if (v->schedule && *v->schedule)
		fprintf(f, "#   or that schedule alone: %s%s%s explore --replay %s %s\n",
			*bugs ? "tdpmmu-bugs" : "tdpmmu", *bugs ? " " : "", bugs, v->schedule,
			o->out);
	/* The DFS of `explore FILE` (bound 2) covers bounds 0 and 1 too. */
	if (bound > 2 || bound < 0)
		fprintf(f, "#   (found with --preemptions %d: explore with the same)\n", bound);
	fprintf(f, "# Messages (line numbers count from the `vm` line as line 2):\n");
	for (m = v->messages; m && *m;) {
		size_t l = strcspn(m, "\n");

		fprintf(f, "#   %.*s\n", (int)l, m);
		m += l + (m[l] == '\n');
	}
	/* Skip the generator's own header line. */
	fputs(strchr(text, '\n') + 1, f);
	free(text);
	err = ferror(f);
	if (fclose(f) || err) {
		fprintf(stderr, "tdpmmu explore --generate: %s: write error\n", o->out);
		return -1;
	}
	return 0;
}

int cmd_explore_generate(int argc, char **argv)
{
	struct gen_opts o;
	char outbuf[64], bugs[256];
	struct prng rng;
	struct gen_scn *g = malloc(sizeof(*g));
	struct explore_outcome v = {0};
	unsigned long long scenarios = 0, schedules = 0, complete = 0, found_sched = 0;
	unsigned long long min_sched = 0;
	size_t orig_cmds = 0, min_cmds = 0;
	double found_s = 0, min_s = 0;
	u64 start = now_ns(), deadline, last_progress = start;
	int r, status = 0, bound = 2;
	bool broken = false, written = false;

	if (!g)
		return 1;
	r = gen_parse_args(argc, argv, &o, outbuf, sizeof(outbuf));
	if (r) {
		free(g);
		return r < 0 ? 0 : r;
	}
	deadline = o.seconds > 0 ? start + (u64)(o.seconds * 1e9) : 0;
	prng_seed(&rng, o.seed);
	tdpmmu_bugs_describe(bugs, sizeof(bugs));
	for (;;) {
		struct explore_outcome out;

		if (o.count && scenarios >= o.count)
			break;
		if (deadline && now_ns() >= deadline)
			break;
		gen_scenario(&rng, o.seed, scenarios, g);
		scenarios++;
		if (o.print) {
			size_t len;
			char *text = gen_render(g, &o, &len);

			if (text)
				fputs(text, stdout);
			free(text);
			continue;
		}
		r = gen_explore(g, &o, deadline, o.max_schedules, &out);
		schedules += out.schedules;
		complete += out.complete;
		if (r == 2) {
			status = 2;
			break;
		}
		if (r == 1) {
			found_s = (double)(now_ns() - start) / 1e9;
			found_sched = schedules;
			orig_cmds = gen_live(g, false) + gen_live(g, true);
			bound = o.bound;
			fprintf(stderr,
				"explore --generate: violation (%s) in scenario %llu after %.1f s, "
				"%llu schedules; minimising\n",
				out.kind, g->index, found_s, schedules);
			v = out;
			broken |= out.broken;
			min_sched = gen_minimize(g, &o, v.kind, &v, &broken);
			min_cmds = gen_live(g, false) + gen_live(g, true);
			min_s = (double)(now_ns() - start) / 1e9 - found_s;
			/* A violation is exit 1 even if the file cannot be written (said on
			 * stderr). */
			written = !gen_write(g, &o, &v, bound);
			status = 1;
			break;
		}
		explore_outcome_free(&out);
		if (now_ns() - last_progress > 2000000000ULL) {
			last_progress = now_ns();
			fprintf(stderr,
				"explore --generate: %.0f s, %llu scenarios (%llu complete), "
				"%llu schedules, no violation\n",
				(double)(last_progress - start) / 1e9, scenarios, complete,
				schedules);
		}
	}
	if (o.print) {
		free(g);
		return 0;
	}
	if (o.json) {
		json_t *j = json_object();

		json_object_set_new(j, "version", json_integer(1));
		json_object_set_new(j, "seed", json_integer((json_int_t)o.seed));
		json_object_set_new(j, "bugs", json_string(bugs));
		json_object_set_new(j, "result", json_string(status == 1 ? "fail" : "pass"));
		json_object_set_new(j, "scenarios", json_integer((json_int_t)scenarios));
		json_object_set_new(j, "complete", json_integer((json_int_t)complete));
		json_object_set_new(j, "schedules", json_integer((json_int_t)schedules));
		if (status == 1) {
			json_t *f = json_object();

			json_object_set_new(f, "scenario", json_integer((json_int_t)g->index));
			json_object_set_new(f, "kind", json_string(v.kind));
			json_object_set_new(f, "seconds_to_find", json_real(found_s));
			json_object_set_new(f, "schedules_to_find",
					    json_integer((json_int_t)found_sched));
			json_object_set_new(f, "commands", json_integer((json_int_t)orig_cmds));
			json_object_set_new(f, "minimised_commands",
					    json_integer((json_int_t)min_cmds));
			json_object_set_new(f, "minimise_seconds", json_real(min_s));
			json_object_set_new(f, "minimise_schedules",
					    json_integer((json_int_t)min_sched));
			json_object_set_new(f, "schedule",
					    json_string(v.schedule ? v.schedule : ""));
			if (written)
				json_object_set_new(f, "file", json_string(o.out));
			json_object_set_new(j, "violation", f);
		}
		json_object_set_new(j, "wall_seconds", json_real((double)(now_ns() - start) / 1e9));
		json_dumpf(j, stdout, JSON_INDENT(2));
		putchar('\n');
		json_decref(j);
	} else {
		printf("tdpmmu explore --generate: seed %llu%s%s: %s\n", (unsigned long long)o.seed,
		       *bugs ? ", bugs " : "", bugs, status == 1 ? "FAIL" : "PASS");
		printf("  scenarios         %llu (%llu explored completely)\n", scenarios,
		       complete);
		printf("  schedules         %llu\n", schedules);
		if (status == 1) {
			printf("  violation         %s in scenario %llu, after %.1f s and %llu "
			       "schedules\n",
			       v.kind, g->index, found_s, found_sched);
			printf("  minimised         %zu -> %zu commands (set-up and threads) in "
			       "%.1f "
			       "s\n",
			       orig_cmds, min_cmds, min_s);
			printf("  written to        %s\n",
			       written ? o.out : "(not written: see stderr)");
			printf("  replay with       %s%s%s explore %s\n",
			       *bugs ? "tdpmmu-bugs" : "tdpmmu", *bugs ? " " : "", bugs, o.out);
			fputs(v.messages ? v.messages : "", stdout);
		}
		printf("  wall time         %.1f s\n", (double)(now_ns() - start) / 1e9);
	}
	if (fflush(stdout) || ferror(stdout))
		status = status ? status : 1;
	explore_outcome_free(&v);
	if (broken) {
		/* Threads are parked inside a TD for good: leave without unwinding. */
		fflush(stderr);
		_exit(status);
	}
	free(g);
	return status;
}
