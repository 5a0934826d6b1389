// SPDX-License-Identifier: GPL-2.0-only
/*
 * PLACEHOLDER: `tdpmmu stress` is written by another engineer and replaces
 * this file.  Until then the command refuses to run (usage error, exit 2).
 */
#include <stdio.h>
#include <string.h>

#include "commands.h"

int cmd_stress(int argc, char **argv)
{
	if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		printf("usage: tdpmmu stress [options]\n\n"
		       "  not built in this version\n");
		return 0;
	}
	fprintf(stderr, "tdpmmu stress: not built in this version\n");
	return 2;
}
