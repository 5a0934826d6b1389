// SPDX-License-Identifier: GPL-2.0-only
/*
 * The option helper (cli_opts.h).  Two passes over argv: the first checks
 * every word and stores nothing, the second stores; so a command line
 * with an error anywhere leaves every destination as it was.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cli_opts.h"
#include "parse_number.h"
#include "tdpmmu/base.h"
#include "text_escape.h"

/* Tables are small; a bigger one is a programming error, caught in tests. */
#define CLI_MAX_OPTS 64

union cli_val {
	bool b;
	u64 u;
	int i;
	double d;
	const char *s;
};

static void print_hint(const struct cli_cmd *cmd, FILE *f)
{
	if (cmd->hint)
		fprintf(f, " (try '%s')\n", cmd->hint);
	else
		fprintf(f, " (try 'tdpmmu help %s')\n", cmd->name);
}

int cli_error(const struct cli_cmd *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "tdpmmu %s: ", cmd->name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	print_hint(cmd, stderr);
	return 2;
}

/* A word of the user's in a message: control bytes as \xNN, never raw. */
static char *escaped(const char *s)
{
	char *e = text_escape(s);

	return e ? e : strdup("?");
}

/* "2M" for 2 MiB, "1T" for 1 TiB, else decimal. */
static void fmt_size(char *buf, size_t len, u64 v, bool suffix)
{
	static const char units[] = "TGMK";

	for (int i = 0; suffix && v && i < 4; i++) {
		unsigned shift = 10 * (unsigned)(4 - i);

		if (!(v & ((1ULL << shift) - 1))) {
			snprintf(buf, len, "%llu%c", (unsigned long long)(v >> shift), units[i]);
			return;
		}
	}
	snprintf(buf, len, "%llu", (unsigned long long)v);
}

static u64 int_max(const struct cli_opt *o)
{
	if (o->kind == CLI_INT)
		return o->max && o->max < INT32_MAX ? o->max : INT32_MAX;
	return o->max ? o->max : UINT64_MAX;
}

/* printf at buf[*n], never past @len (a long text is cut, not overrun). */
static void __attribute__((format(printf, 4, 5)))
append(char *buf, size_t len, size_t *n, const char *fmt, ...)
{
	va_list ap;
	int r;

	if (*n >= len)
		return;
	va_start(ap, fmt);
	r = vsnprintf(buf + *n, len - *n, fmt, ap);
	va_end(ap);
	if (r > 0)
		*n += (size_t)r;
}

/* What a value of @o must look like: "a whole number from 1 to 16". */
static void describe(const struct cli_opt *o, char *buf, size_t len)
{
	bool sz = o->kind == CLI_SIZE;
	char lo[32], hi[32], al[32];
	const char *what;
	size_t n = 0;

	buf[0] = 0;
	for (const struct cli_choice *c = o->choices; c && c->name; c++)
		append(buf, len, &n, "%s%s", c->name, c[1].name ? "|" : "");
	switch (o->kind) {
	case CLI_U64:
	case CLI_INT:
	case CLI_SIZE:
		fmt_size(lo, sizeof(lo), o->min, sz);
		fmt_size(hi, sizeof(hi), int_max(o), sz);
		fmt_size(al, sizeof(al), o->align, sz);
		if (sz)
			what = "a size (4K, 2M, 0x200000)";
		else if (o->suffix)
			what = "a whole number (K, M, G, T: powers of 1024)";
		else
			what = "a whole number";
		append(buf, len, &n, "%s%s", n ? " or " : "", what);
		if (o->max || o->kind == CLI_INT)
			append(buf, len, &n, " from %s to %s", lo, hi);
		else if (o->min)
			append(buf, len, &n, " of at least %s", lo);
		if (o->align > 1)
			append(buf, len, &n, ", a multiple of %s", al);
		break;
	case CLI_DOUBLE:
		append(buf, len, &n, "a number %s %g", o->positive ? ">" : ">=", o->dmin);
		if (o->dmax)
			append(buf, len, &n, " and <= %g", o->dmax);
		break;
	case CLI_STRING:
		append(buf, len, &n, "a %s", o->metavar ? o->metavar : "value");
		break;
	default:
		break;
	}
}

/* @s as @o's value: 0, or -1 when it is not one. */
static int convert(const struct cli_opt *o, const char *s, union cli_val *v)
{
	for (const struct cli_choice *c = o->choices; c && c->name; c++) {
		if (!strcmp(s, c->name)) {
			v->i = c->value;
			return 0;
		}
	}
	switch (o->kind) {
	case CLI_U64:
	case CLI_SIZE:
	case CLI_INT:
		if (tdpmmu_parse_u64(s, o->kind == CLI_SIZE || o->suffix, o->min, int_max(o),
				     &v->u))
			return -1;
		if (o->align > 1 && v->u % o->align)
			return -1;
		if (o->kind == CLI_INT)
			v->i = (int)v->u;
		return 0;
	case CLI_DOUBLE:
		if (tdpmmu_parse_double(s, o->dmin, o->dmax ? o->dmax : HUGE_VAL, &v->d))
			return -1;
		return o->positive && v->d == o->dmin ? -1 : 0;
	case CLI_STRING:
		v->s = s;
		return *s ? 0 : -1;
	default:
		return -1; /* CLI_ENUM: not one of the choices */
	}
}

static void store(const struct cli_opt *o, const union cli_val *v, void *opts)
{
	void *dest;

	if (!o->at || !opts)
		return;
	dest = (char *)opts + o->at - 1;
	switch (o->kind) {
	case CLI_FLAG:
		*(bool *)dest = true;
		break;
	case CLI_U64:
	case CLI_SIZE:
		*(u64 *)dest = v->u;
		break;
	case CLI_INT:
	case CLI_ENUM:
		*(int *)dest = v->i;
		break;
	case CLI_DOUBLE:
		*(double *)dest = v->d;
		break;
	case CLI_STRING:
		*(const char **)dest = v->s;
		break;
	default:
		break;
	}
}

static int bad_value(const struct cli_cmd *cmd, const char *name, const struct cli_opt *o,
		     const char *s)
{
	char want[256], *e = escaped(s);

	describe(o, want, sizeof(want));
	cli_error(cmd, "bad value '%s' for %s: want %s", e, name, want);
	free(e);
	return 2;
}

bool cli_parse_arg(const struct cli_cmd *cmd, const struct cli_opt *spec, const char *s, void *opts)
{
	union cli_val v;

	if (convert(spec, s, &v)) {
		bad_value(cmd, spec->metavar ? spec->metavar : "argument", spec, s);
		return false;
	}
	store(spec, &v, opts);
	return true;
}

static const struct cli_opt *find_long(const struct cli_opt *opts, const char *name, size_t len)
{
	for (const struct cli_opt *o = opts; o->kind != CLI_END; o++)
		if (o->kind != CLI_TEXT && o->name && strlen(o->name) == len &&
		    !strncmp(o->name, name, len))
			return o;
	return NULL;
}

static const struct cli_opt *find_short(const struct cli_opt *opts, char c)
{
	for (const struct cli_opt *o = opts; o->kind != CLI_END; o++)
		if (o->kind != CLI_TEXT && o->short_name && o->short_name == c)
			return o;
	return NULL;
}

/* An option word with what follows "=" cut off, escaped, for a message. */
static int word_error(const struct cli_cmd *cmd, const char *fmt, const char *a)
{
	const char *eq = strchr(a, '=');
	char *w = strndup(a, eq ? (size_t)(eq - a) : strlen(a)), *e = escaped(w ? w : "?");

	cli_error(cmd, fmt, e);
	free(e);
	free(w);
	return 2;
}

/*
 * One pass: check every word, and with @apply store the values and move
 * the arguments to argv[1..].  CLI_CONTINUE or the exit status.
 */
static int parse_pass(const struct cli_cmd *cmd, int argc, char **argv, void *opts, bool apply,
		      int *nargs)
{
	bool seen[CLI_MAX_OPTS] = {false}, opts_done = false;
	int n = 0;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *val = NULL, *eq = NULL;
		const struct cli_opt *o;
		char optname[80];
		union cli_val v = {0};

		if (!opts_done && !strcmp(a, "--")) {
			opts_done = true;
			continue;
		}
		if (opts_done || a[0] != '-' || !a[1]) {
			if (cmd->max_args >= 0 && n >= cmd->max_args) {
				char *e = escaped(a);

				if (cmd->max_args)
					cli_error(cmd, "unexpected argument '%s': at most %d %s", e,
						  cmd->max_args,
						  cmd->args_name ? cmd->args_name : "argument(s)");
				else
					cli_error(cmd, "unexpected argument '%s'", e);
				free(e);
				return 2;
			}
			if (apply)
				argv[1 + n] = argv[i];
			n++;
			continue;
		}
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			if (apply)
				cli_usage(cmd, stdout);
			return 0;
		}
		if (a[1] == '-') {
			eq = strchr(a + 2, '=');
			o = find_long(cmd->opts, a + 2, eq ? (size_t)(eq - a - 2) : strlen(a + 2));
			if (!o && !strncmp(a, "--help=", 7))
				return word_error(cmd, "option '%s' takes no value", a);
		} else {
			o = a[2] ? NULL : find_short(cmd->opts, a[1]);
		}
		if (!o)
			return word_error(cmd, "unknown option '%s'", a);
		if (o->name)
			snprintf(optname, sizeof(optname), "--%s", o->name);
		else
			snprintf(optname, sizeof(optname), "-%c", o->short_name);
		if (seen[o - cmd->opts] && !o->repeat)
			return cli_error(cmd, "option '%s' given twice", optname);
		seen[o - cmd->opts] = true;
		if (o->kind == CLI_FLAG) {
			if (eq)
				return cli_error(cmd, "option '%s' takes no value", optname);
		} else {
			if (eq)
				val = eq + 1;
			else if (i + 1 < argc)
				val = argv[++i];
			else
				return cli_error(cmd, "missing %s after '%s'",
						 o->metavar ? o->metavar : "value", optname);
			if (convert(o, val, &v))
				return bad_value(cmd, optname, o, val);
		}
		if (apply)
			store(o, &v, opts);
	}
	if (n < cmd->min_args)
		return cli_error(cmd, "missing %s", cmd->args_name ? cmd->args_name : "argument");
	*nargs = n;
	return CLI_CONTINUE;
}

int cli_parse(const struct cli_cmd *cmd, int argc, char **argv, void *opts, int *nargs)
{
	size_t nr = 0;
	int r;

	while (cmd->opts && cmd->opts[nr].kind != CLI_END)
		nr++;
	if (nr > CLI_MAX_OPTS)
		return cli_error(cmd, "internal error: more than %d options", CLI_MAX_OPTS);
	if (!cmd->opts) {
		static const struct cli_opt none[] = {{0}};
		struct cli_cmd c = *cmd;

		c.opts = none;
		return cli_parse(&c, argc, argv, opts, nargs);
	}
	r = parse_pass(cmd, argc, argv, opts, false, nargs);
	if (r != CLI_CONTINUE)
		return r ? r : (cli_usage(cmd, stdout), 0);
	return parse_pass(cmd, argc, argv, opts, true, nargs);
}

/* ---- help ---- */

/* "--name METAVAR" (or "-h, --help"). */
static int opt_left(const struct cli_opt *o, char *buf, size_t len)
{
	const char *meta = o->kind == CLI_FLAG ? NULL : o->metavar ? o->metavar : "VALUE";
	size_t n = 0;

	buf[0] = 0;
	if (o->short_name)
		append(buf, len, &n, "-%c%s", o->short_name, o->name ? ", " : "");
	if (o->name)
		append(buf, len, &n, "--%s", o->name);
	if (meta)
		append(buf, len, &n, " %s", meta);
	return (int)strlen(buf);
}

/* The help column: after the longest "--name METAVAR", at most 24. */
#define CLI_HELP_COL_MAX 24

void cli_print_options(const struct cli_cmd *cmd, FILE *f)
{
	static const struct cli_opt help = {
		.name = "help", .short_name = 'h', .kind = CLI_FLAG, .help = "this text"};
	char left[96];
	int col = opt_left(&help, left, sizeof(left));

	for (const struct cli_opt *o = cmd->opts; o && o->kind != CLI_END; o++) {
		int n = o->kind == CLI_TEXT || !o->help ? 0 : opt_left(o, left, sizeof(left));

		if (n > col && n <= CLI_HELP_COL_MAX)
			col = n;
	}
	for (const struct cli_opt *o = cmd->opts;; o++) {
		bool last = !o || o->kind == CLI_END;
		const struct cli_opt *p = last ? &help : o;
		const char *h = p->help;
		int n;

		if (p->kind == CLI_TEXT) {
			fprintf(f, "%s%s\n", *h ? "  " : "", h);
			continue;
		}
		if (h) {
			int pad;

			n = opt_left(p, left, sizeof(left));
			fprintf(f, "  %s", left);
			/* A long option: its help starts on the next line. */
			if (n > col) {
				fputc('\n', f);
				pad = col + 4;
			} else {
				pad = col - n + 2;
			}
			for (;;) {
				size_t l = strcspn(h, "\n");

				fprintf(f, "%*s%.*s\n", pad, "", (int)l, h);
				if (!h[l])
					break;
				h += l + 1;
				pad = col + 4;
			}
		}
		if (last)
			break;
	}
}

void cli_usage_default(const struct cli_cmd *cmd, FILE *f)
{
	fprintf(f, "usage: tdpmmu %s%s%s\n", cmd->name, cmd->synopsis ? " " : "",
		cmd->synopsis ? cmd->synopsis : "");
	if (cmd->about)
		fprintf(f, "\n%s\n", cmd->about);
	fprintf(f, "\n");
	cli_print_options(cmd, f);
	if (cmd->epilog)
		fprintf(f, "\n%s\n", cmd->epilog);
}

void cli_usage(const struct cli_cmd *cmd, FILE *f)
{
	if (cmd->usage)
		cmd->usage(f);
	else
		cli_usage_default(cmd, f);
}

/* ---- the single-value helpers (stress) ---- */
