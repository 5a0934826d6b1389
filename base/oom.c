// SPDX-License-Identifier: GPL-2.0-only
/*
 * The simulator itself out of memory (its model of the module, not the
 * modelled host's frames, which fail with -ENOMEM): a clear message and
 * exit status 1, never an assertion.  _exit: other threads may hold the
 * stdio locks that exit() would flush under.
 */
#include <stdio.h>
#include <unistd.h>

#include "tdpmmu/base.h"

void base_oom(const char *what)
{
	fprintf(stderr,
		"tdpmmu: out of memory: %s (the model keeps about 12 MiB of metadata per GiB "
		"mapped at 4K; see docs/LIMITS.md)\n",
		what);
	fflush(stderr);
	_exit(1);
}
