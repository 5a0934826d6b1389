/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * `tdpmmu explore` as a library: explore one parsed scenario (the
 * generator and its minimiser call this once per scenario), and the
 * generator's entry point.
 */
#ifndef TDPMMU_TOOLS_EXPLORE_H
#define TDPMMU_TOOLS_EXPLORE_H

#include <stdbool.h>
#include <stdio.h>

#include "cli_opts.h"
#include "scenario.h"
#include "tdpmmu/types.h"

struct explore_limits {
	int bound; /* preemptions per schedule, < 0: none */
	unsigned long long max_schedules; /* 0: the default (1000000) */
	unsigned long long max_steps; /* 0: the default (100000) */
	u64 deadline_ns; /* now_ns() after which to stop, incomplete; 0: none */
};

struct explore_outcome {
	unsigned long long schedules, max_choice_points;
	bool complete;
	/*
	 * A deadlock or livelock left threads parked for good (they and their
	 * TD leak; later explorations still work).
	 */
	bool broken;
	/* NULL: no violation; else "invariant", "expect", "deadlock", "livelock", "setup". */
	const char *kind;
	char *schedule; /* of the first violation ("0,1,1"); NULL for "setup" */
	char *messages; /* its messages */
};

/*
 * Explore @scn (valid, with threaded commands), quietly.  Returns 0 (no
 * violation), 1 (a violation: @out says which), 2 (not explorable: no
 * threads, or threads with gaps).  Free @out with explore_outcome_free().
 */
int explore_scenario(const struct scenario *scn, const struct explore_limits *l,
		     struct explore_outcome *out);
/*
 * Explore @scn by @l->max_schedules random schedules of up to @l->bound
 * preemptions each, at uniformly random choice points (reproducible from
 * @seed).  Returns as explore_scenario(); @out->complete stays false.
 */
int explore_sample(const struct scenario *scn, const struct explore_limits *l, u64 seed,
		   struct explore_outcome *out);
void explore_outcome_free(struct explore_outcome *out);

/* `tdpmmu explore --generate ...` (tools/explore_gen.c). */
int cmd_explore_generate(int argc, char **argv);
/* Its help, which `tdpmmu explore --help` includes. */
void explore_generate_usage(FILE *f);
/* --preemptions -1: unbounded, in both modes (a CLI_INT's choices). */
extern const struct cli_choice explore_unbounded[];

#endif /* TDPMMU_TOOLS_EXPLORE_H */
