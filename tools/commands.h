/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The tdpmmu subcommands.  Each gets argv from its own name on
 * (argv[0] = "run", "stress", ...) and returns the exit status:
 * 0 success, 1 failure, 2 usage error.
 */
#ifndef TDPMMU_TOOLS_COMMANDS_H
#define TDPMMU_TOOLS_COMMANDS_H

int cmd_run(int argc, char **argv);
int cmd_stress(int argc, char **argv);
int cmd_bench(int argc, char **argv);
int cmd_explore(int argc, char **argv);

/* The built-in scenario of `tdpmmu run` (tools/default_scenario.tdp). */
extern const unsigned char default_scenario[];
extern const unsigned long default_scenario_len;

#endif /* TDPMMU_TOOLS_COMMANDS_H */
