/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The command-line option helper of every subcommand: a command is a table
 * of options, and one parser gives them all the same behaviour.
 *
 *   --opt VALUE and --opt=VALUE; a value is the next word even when it
 *   starts with '-' (--preemptions -1); -h and --help print the help (exit
 *   0); options and arguments may be mixed; "--" ends the options; "-" is
 *   an argument.  An unknown option, a missing or bad value, an option
 *   given twice, a value given to a flag, too many or too few arguments:
 *   one line "tdpmmu CMD: ... (try 'tdpmmu help CMD')" on stderr, exit 2,
 *   and no destination written (the whole command line is checked before
 *   anything is stored).
 *
 * Numbers go through tools/parse_number.c, the scenario language's parser.
 * The help text is generated from the same table (cli_usage()), and the
 * man page from the help (cmake/man.cmake).
 */
#ifndef TDPMMU_TOOLS_CLI_OPTS_H
#define TDPMMU_TOOLS_CLI_OPTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "tdpmmu/types.h"

enum cli_kind {
	CLI_END = 0, /* ends the table (all zero) */
	CLI_FLAG, /* bool: set when given; takes no value */
	CLI_U64, /* u64: decimal or 0x hex, in [min, max] */
	CLI_SIZE, /* u64: as CLI_U64 plus K/M/G/T, and a multiple of align */
	CLI_INT, /* int: as CLI_U64, in [min, max] (min >= 0; see choices) */
	CLI_DOUBLE, /* double: finite, in [dmin, dmax]; > 0 when positive */
	CLI_STRING, /* const char *: any non-empty word (FILE, DIR, ...) */
	CLI_ENUM, /* int: the value of the choice named */
	CLI_TEXT, /* no option: a line of help between options ("" = blank) */
};

/* A named value: CLI_ENUM's words, or words a CLI_INT takes besides numbers. */
struct cli_choice {
	const char *name;
	int value;
};

/* One option: a row of a table is CLI_OPT(), see below. */
struct cli_opt {
	const char *name; /* "json" for --json */
	enum cli_kind kind;
	size_t at; /* CLI_AT(): where the value goes; 0: accepted and ignored */
	const char *metavar; /* "FILE", "N", ...: in the help and messages */
	const char *help; /* lines after the first are indented; NULL: not shown */
	char short_name; /* 'x' for -x, or 0 */
	u64 min, max; /* CLI_U64, CLI_SIZE, CLI_INT; max 0: no upper bound */
	u64 align; /* CLI_SIZE: a multiple of this (0: any) */
	bool suffix; /* CLI_U64: K/M/G/T allowed too (a count: --ops 1M) */
	double dmin, dmax; /* CLI_DOUBLE; dmax 0: no upper bound */
	bool positive; /* CLI_DOUBLE: > dmin, not >= */
	const struct cli_choice *choices; /* CLI_ENUM, CLI_INT; ends with {NULL} */
	bool repeat; /* may be given more than once (the last value counts) */
};

/*
 * The destination of an option: a member of the options struct the caller
 * passes to cli_parse(), of the type enum cli_kind names.  (Stored + 1 so
 * that 0 means "none".)  A table is then static const, and the help can be
 * printed without an options struct.  An option not given leaves its
 * member as it was: set the defaults first; a member whose default no
 * valid value can equal (0 for a number that must be > 0) tells whether
 * the option was given.
 */
#define CLI_AT(type, member) (offsetof(type, member) + 1)

/*
 * A row: the five members every option has, then what its kind needs,
 * designated:
 *   CLI_OPT("repeats", CLI_INT, CLI_AT(struct args, repeats), "N",
 *           "repeats per measurement", .min = 1, .max = 16),
 * A table ends with {0}.
 */
#define CLI_OPT(name_, kind_, at_, metavar_, help_, ...)                              \
	{                                                                             \
		.name = (name_), .kind = (kind_), .at = (at_), .metavar = (metavar_), \
		.help = (help_), __VA_ARGS__                                          \
	}
/* A blank line in the help, between groups of options. */
#define CLI_BLANK CLI_OPT(NULL, CLI_TEXT, 0, NULL, "")

struct cli_cmd {
	const char *name; /* in messages: "tdpmmu NAME: ..." ("run", "explore --generate") */
	const char *synopsis; /* after "usage: tdpmmu NAME ": "[options] FILE" */
	const char *about; /* paragraph after the usage line (or NULL) */
	const char *epilog; /* after the options: exit status, references (or NULL) */
	const char *hint; /* how to get the help; NULL: "tdpmmu help NAME" */
	const struct cli_opt *opts; /* ends with {0}; -h/--help are implicit */
	int min_args, max_args; /* non-option arguments; max_args < 0: no limit */
	const char *args_name; /* "FILE": in "missing FILE" */
	/* The whole help, if the default layout does not fit (cli_usage_default() helps). */
	void (*usage)(FILE *f);
};

/* cli_parse(): go on with the command; any other value is the exit status. */
#define CLI_CONTINUE (-1)

/*
 * Parse argv[1..argc-1] (argv[0] is the command's own name) against
 * @cmd->opts into @opts (the struct the CLI_AT()s name).  On CLI_CONTINUE
 * every option given is stored and the arguments are moved, in order, to
 * argv[1..*nargs].  Otherwise nothing is stored and the help (status 0)
 * or an error (status 2) was printed.
 */
int cli_parse(const struct cli_cmd *cmd, int argc, char **argv, void *opts, int *nargs);

/*
 * One argument (not an option) parsed as @spec says (kind, range, where in
 * @opts): true, or false after "tdpmmu CMD: bad value 'S' for METAVAR
 * (want ...)".
 */
bool cli_parse_arg(const struct cli_cmd *cmd, const struct cli_opt *spec, const char *s,
		   void *opts);

/* "tdpmmu CMD: MESSAGE (try 'HINT')" on stderr; returns 2, the usage status. */
int cli_error(const struct cli_cmd *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* The help: @cmd->usage, or cli_usage_default(). */
void cli_usage(const struct cli_cmd *cmd, FILE *f);
/* usage line, about, the option table, epilog. */
void cli_usage_default(const struct cli_cmd *cmd, FILE *f);
/* The option table alone, "  --name METAVAR   help", aligned. */
void cli_print_options(const struct cli_cmd *cmd, FILE *f);

#endif /* TDPMMU_TOOLS_CLI_OPTS_H */
