/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The deliberate-bug switches by name, for the `tdpmmu-bugs` CLI
 * (`--bug NAME`).  In the ordinary build there are none to switch on.
 */
#ifndef TDPMMU_TOOLS_BUGS_H
#define TDPMMU_TOOLS_BUGS_H

#include <stddef.h>

/* The switch called @name (lower case, as in `--bug list`), or -1. */
int tdpmmu_bug_by_name(const char *name);
/* The name of switch @id, or NULL. */
const char *tdpmmu_bug_name(int id);
/* The switches that are on, space-separated as "--bug a --bug b" ("" if none). */
void tdpmmu_bugs_describe(char *buf, size_t len);

#endif /* TDPMMU_TOOLS_BUGS_H */
