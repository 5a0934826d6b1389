// SPDX-License-Identifier: GPL-2.0-only
#include <string.h>

#include "trace_file.h"

FILE *trace_open_file(const char *path)
{
	if (!strcmp(path, "-"))
		return stderr;
	return fopen(path, "w");
}

void trace_close_file(FILE *f)
{
	if (f && f != stderr)
		fclose(f);
	else if (f)
		fflush(f);
}
