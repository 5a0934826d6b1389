/* SPDX-License-Identifier: GPL-2.0-only */
/* `--trace FILE` of run, explore --replay and stress: where the trace goes. */
#ifndef TDPMMU_TOOLS_TRACE_FILE_H
#define TDPMMU_TOOLS_TRACE_FILE_H

#include <stdio.h>

/* "-": stderr; else FILE created/truncated.  NULL and errno on failure. */
FILE *trace_open_file(const char *path);
/* Closes what trace_open_file opened (never stderr). */
void trace_close_file(FILE *f);

#endif /* TDPMMU_TOOLS_TRACE_FILE_H */
