// SPDX-License-Identifier: GPL-2.0-only
/*
 * Scenario parser: text -> array of commands, every rule of the contract
 * checked before anything runs.  All errors of the file are collected (one
 * per bad token or rule, in line order); a file with any error runs nothing.
 * No VM calls here: only the name tables of the module's headers.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "parse_number.h"
#include "scenario.h"
#include "scenario_syntax.h"
#include "text_escape.h"
#include "tdpmmu/tdx_errno.h"
#include "tdpmmu/tdxmod.h"

#define MAX_TOKENS 64

static void *xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n);

	if (!q) {
		fprintf(stderr, "tdpmmu: out of memory\n");
		exit(1);
	}
	return q;
}

static char *xstrdup(const char *s)
{
	size_t n = strlen(s) + 1;

	return memcpy(xrealloc(NULL, n), s, n);
}

static void add_error(struct scenario *scn, int line, const char *fmt, va_list ap)
{
	char buf[512];

	vsnprintf(buf, sizeof(buf), fmt, ap);
	if (!(scn->nr_errors & (scn->nr_errors - 1))) /* doubling, as the commands */
		scn->errors = xrealloc(scn->errors, (scn->nr_errors ? 2 * scn->nr_errors : 1) *
							    sizeof(*scn->errors));
	scn->errors[scn->nr_errors].line = line;
	scn->errors[scn->nr_errors].msg = xstrdup(buf);
	scn->nr_errors++;
}

__attribute__((format(printf, 2, 3))) static void perr(struct parser *p, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	add_error(p->scn, p->line, fmt, ap);
	va_end(ap);
	p->line_failed = true;
}

/* ---- values ---- */

const char *scn_level_name(int pg_level)
{
	switch (pg_level) {
	case PG_LEVEL_4K:
		return "4K";
	case PG_LEVEL_2M:
		return "2M";
	case PG_LEVEL_1G:
		return "1G";
	case PG_LEVEL_512G:
		return "512G";
	default:
		return "?";
	}
}

int scn_level_from_name(const char *s)
{
	for (int l = PG_LEVEL_4K; l <= PG_LEVEL_512G; l++)
		if (!strcmp(s, scn_level_name(l)))
			return l;
	return 0;
}

static const struct {
	const char *name;
	int rc;
} rc_names[] = {
	{"0", 0},	   {"ENOMEM", -ENOMEM}, {"EIO", -EIO},
	{"EBUSY", -EBUSY}, {"EINVAL", -EINVAL}, {"EAGAIN", -EAGAIN},
};

const char *scn_rc_name(int rc)
{
	static _Thread_local char buf[24];

	for (size_t i = 0; i < ARRAY_SIZE(rc_names); i++)
		if (rc_names[i].rc == rc)
			return rc_names[i].name;
	snprintf(buf, sizeof(buf), "%d", rc);
	return buf;
}

/* tools/parse_number.c: the same numbers everywhere (stress --mem too). */
static int parse_number(const char *s, bool suffix, u64 *out)
{
	return tdpmmu_parse_number(s, suffix, out);
}

int scn_parse_number(const char *s, bool suffix, u64 *out)
{
	return parse_number(s, suffix, out);
}

static const struct {
	const char *name;
	enum scn_status_kind kind;
} status_kinds[] = {
	{"OK", SCN_ST_OK},
	{"VE", SCN_ST_VE},
	{"EXIT_MEMORY_FAULT", SCN_ST_EXIT_MEMORY_FAULT},
	{"EIO", SCN_ST_EIO},
	{"EXIT_EPT_VIOLATION", SCN_ST_EXIT_EPT_VIOLATION},
};

const char *scn_status_format(const struct scn_status *st, char *buf, size_t len)
{
	if (st->kind == SCN_ST_NONE) {
		snprintf(buf, len, "no status");
		return buf;
	}
	if (st->kind != SCN_ST_MODULE) {
		for (size_t i = 0; i < ARRAY_SIZE(status_kinds); i++)
			if (status_kinds[i].kind == st->kind)
				snprintf(buf, len, "%s", status_kinds[i].name);
		return buf;
	}
	if (st->any_operand) {
		const char *n = tdx_status_name(tdx_status(st->value));

		snprintf(buf, len, "%s", n ? n : "?");
		return buf;
	}
	if (!tdx_status_name(tdx_status(st->value))) {
		snprintf(buf, len, "0x%016llx", (unsigned long long)st->value);
		return buf;
	}
	return tdx_status_format(st->value, buf, len);
}

/*
 * NAME, NAME|OPERAND or a 64-bit number; with @others also OK/VE/... .
 * Returns NULL or an error message (static or in @msg).
 */
static const char *parse_status(const char *s, bool others, struct scn_status *st, char *msg,
				size_t mlen)
{
	char name[128];
	const char *bar;
	u64 v;
	u32 op;
	int r;

	memset(st, 0, sizeof(*st));
	if (s[0] >= '0' && s[0] <= '9') {
		r = parse_number(s, false, &v);
		if (r) {
			snprintf(msg, mlen, "%s status '%s'", r == -ERANGE ? "overflowing" : "bad",
				 s);
			return msg;
		}
		st->kind = SCN_ST_MODULE;
		st->value = v;
		return NULL;
	}
	for (size_t i = 0; i < ARRAY_SIZE(status_kinds); i++) {
		if (!strcmp(s, status_kinds[i].name)) {
			if (!others)
				break;
			st->kind = status_kinds[i].kind;
			return NULL;
		}
	}
	bar = strchr(s, '|');
	if (bar) {
		if ((size_t)(bar - s) >= sizeof(name))
			goto unknown;
		memcpy(name, s, bar - s);
		name[bar - s] = 0;
	} else {
		snprintf(name, sizeof(name), "%s", s);
	}
	if (!tdx_status_from_name(name, &v))
		goto unknown;
	st->kind = SCN_ST_MODULE;
	st->value = tdx_status(v);
	if (!bar) {
		st->any_operand = st->value == TDX_OPERAND_BUSY;
		return NULL;
	}
	bar++;
	if (*bar >= '0' && *bar <= '9') {
		r = parse_number(bar, false, &v);
		if (r || v > TDX_OPERAND_MASK) {
			snprintf(msg, mlen, "bad operand '%s' in status '%s'", bar, s);
			return msg;
		}
		st->value |= v;
		return NULL;
	}
	if (!tdx_operand_from_name(bar, &op)) {
		snprintf(msg, mlen, "unknown operand '%s' in status '%s'", bar, s);
		return msg;
	}
	st->value |= op;
	return NULL;
unknown:
	snprintf(msg, mlen, "unknown status '%s'", s);
	return msg;
}

/* Parse one key's value into @kv; reports errors. */
static void parse_value(struct parser *p, const struct key_spec *k, const char *val, struct kv *kv)
{
	char msg[256], want[64];
	const char *e;
	int i, r;

	kv->given = true;
	switch (k->type) {
	case V_ADDR:
	case V_SIZE:
	case V_NUM:
	case V_VCPU:
		r = parse_number(val, k->type == V_ADDR || k->type == V_SIZE, &kv->num);
		if (r == -ERANGE) {
			perr(p, "number '%s' for '%s' overflows", val, k->name);
			return;
		}
		if (r) {
			perr(p, "bad number '%s' for '%s'", val, k->name);
			return;
		}
		if (k->type == V_SIZE && (!kv->num || kv->num % PAGE_SIZE)) {
			perr(p, "'%s' must be a positive multiple of 4K, got %s", k->name, val);
			return;
		}
		break;
	case V_LEVEL:
		kv->ival = scn_level_from_name(val);
		if (!kv->ival || !(k->levels & LV(kv->ival))) {
			want[0] = 0;
			for (int l = PG_LEVEL_4K; l <= PG_LEVEL_512G; l++)
				if (k->levels & LV(l))
					snprintf(want + strlen(want), sizeof(want) - strlen(want),
						 "%s%s", want[0] ? "|" : "", scn_level_name(l));
			perr(p, "bad level '%s' for '%s' (want %s)", val, k->name, want);
			return;
		}
		break;
	case V_CHOICE:
		for (i = 0; k->choices[i].name; i++)
			if (!strcmp(val, k->choices[i].name))
				break;
		if (!k->choices[i].name) {
			want[0] = 0;
			for (i = 0; k->choices[i].name; i++)
				snprintf(want + strlen(want), sizeof(want) - strlen(want), "%s%s",
					 i ? "|" : "", k->choices[i].name);
			perr(p, "bad value '%s' for '%s' (want %s)", val, k->name, want);
			return;
		}
		kv->ival = k->choices[i].val;
		break;
	case V_STATUS:
	case V_STATUS_ANY:
		e = parse_status(val, k->type == V_STATUS_ANY, &kv->st, msg, sizeof(msg));
		if (e) {
			perr(p, "%s", e);
			return;
		}
		break;
	case V_RC:
		for (i = 0; i < (int)ARRAY_SIZE(rc_names); i++)
			if (!strcmp(val, rc_names[i].name))
				break;
		if (i == (int)ARRAY_SIZE(rc_names)) {
			perr(p, "unknown rc '%s' (want 0|ENOMEM|EIO|EBUSY|EINVAL|EAGAIN)", val);
			return;
		}
		kv->ival = rc_names[i].rc;
		break;
	case V_STATE:
		kv->ival = tdxmod_sept_state_from_name(val);
		if (kv->ival < 0) {
			perr(p, "unknown S-EPT state '%s'", val);
			return;
		}
		break;
	case V_FLAG:
		break;
	case V_TEXT:
		kv->str = val;
		break;
	}
	kv->ok = true;
}

static int nr_keys(const struct key_spec *keys)
{
	int n = 0;

	while (keys && keys[n].name)
		n++;
	return n;
}

/*
 * Generic key=value / flag processing of toks[from..n) against @keys.
 * Returns true if every given value parsed and every required key is there.
 */
static bool parse_keys(struct parser *p, const char *cmd, const struct key_spec *keys, char **toks,
		       int from, int n, struct kv *kv)
{
	bool ok = true;
	int nkeys = nr_keys(keys);

	memset(kv, 0, sizeof(*kv) * SCN_MAX_KEYS);
	for (int i = from; i < n; i++) {
		char *tok = toks[i];
		char *eq = strchr(tok, '=');
		char key[64];
		const char *val = eq ? eq + 1 : NULL;
		int k;

		snprintf(key, sizeof(key), "%.*s", eq ? (int)(eq - tok) : (int)strlen(tok), tok);
		for (k = 0; k < nkeys; k++)
			if (!strcmp(keys[k].name, key))
				break;
		if (k == nkeys) {
			if (eq)
				perr(p, "unknown key '%s' for '%s'", key, cmd);
			else
				perr(p, "unknown flag '%s' for '%s'", key, cmd);
			ok = false;
			continue;
		}
		if (kv[k].given) {
			perr(p, "'%s' given twice", key);
			ok = false;
			continue;
		}
		if (keys[k].type == V_FLAG) {
			if (eq) {
				perr(p, "'%s' is a flag and takes no value", key);
				ok = false;
				continue;
			}
		} else if (!eq || !*val) {
			perr(p, "missing value for '%s'", key);
			kv[k].given = true;
			ok = false;
			continue;
		}
		parse_value(p, &keys[k], val, &kv[k]);
		if (!kv[k].ok && keys[k].type != V_FLAG)
			ok = false;
		if (keys[k].type == V_FLAG)
			kv[k].ok = true;
	}
	for (int k = 0; k < nkeys; k++) {
		if (keys[k].required && !kv[k].given) {
			perr(p, "missing required key '%s' for '%s'", keys[k].name, cmd);
			ok = false;
		}
	}
	return ok;
}

/* ---- range and alignment rules ---- */

static bool check_aligned(struct parser *p, const char *key, u64 gpa, int level)
{
	if (gpa % PAGE_SIZE) {
		perr(p, "%s 0x%llx is not 4K aligned", key, (unsigned long long)gpa);
		return false;
	}
	if (level > PG_LEVEL_4K && gpa % level_size(level)) {
		perr(p, "%s 0x%llx is not aligned to level %s", key, (unsigned long long)gpa,
		     scn_level_name(level));
		return false;
	}
	return true;
}

/* [gpa, gpa+size) inside guest memory [0, mem) (MMU-level commands). */
static void check_in_mem(struct parser *p, u64 gpa, u64 size)
{
	if (!p->mem_known)
		return;
	if (gpa >= p->mem || size > p->mem - gpa) {
		perr(p, "range [0x%llx, 0x%llx) is outside guest memory [0, 0x%llx)",
		     (unsigned long long)gpa, (unsigned long long)(gpa + size),
		     (unsigned long long)p->mem);
		return;
	}
	for (int i = 0; i < p->nr_memslots; i++) {
		const struct kvm_memslot_range *m = &p->memslots[i];

		if (gpa >= m->base && gpa - m->base < m->size && size <= m->size - (gpa - m->base))
			return;
	}
	if (p->nr_memslots)
		perr(p, "range [0x%llx, 0x%llx) is not inside one memslot (vm slots=)",
		     (unsigned long long)gpa, (unsigned long long)(gpa + size));
}

/* Raw module access: any GPA the 4-level S-EPT can address. */
static void check_in_sept(struct parser *p, u64 gpa, u64 size)
{
	if (gpa >= SCN_GPA_LIMIT || size > SCN_GPA_LIMIT - gpa)
		perr(p, "gpa 0x%llx is outside the 48-bit S-EPT address space",
		     (unsigned long long)gpa);
}

static void check_vcpu(struct parser *p, const struct kv *kv, int *vcpu)
{
	*vcpu = 0;
	if (!kv->given || !kv->ok)
		return;
	if (p->vcpus_known && kv->num >= (u64)p->nr_vcpus) {
		perr(p, "vcpu %llu out of range (vcpus=%d)", (unsigned long long)kv->num,
		     p->nr_vcpus);
		return;
	}
	if (kv->num >= SCN_MAX_VCPUS) {
		perr(p, "vcpu %llu out of range", (unsigned long long)kv->num);
		return;
	}
	*vcpu = (int)kv->num;
}

/* ---- the generic routine: a line against its row of tools/scenario_cmds.c ---- */

void scn_perr(struct parser *p, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	add_error(p->scn, p->line, fmt, ap);
	va_end(ap);
	p->line_failed = true;
}

void scn_check_vcpu(struct parser *p, const struct kv *kv, int *vcpu)
{
	check_vcpu(p, kv, vcpu);
}

static int key_index(const struct key_spec *keys, const char *name)
{
	for (int k = 0; keys && keys[k].name; k++)
		if (!strcmp(keys[k].name, name))
			return k;
	return -1;
}

const struct kv *scn_kv(const struct cmd_spec *row, const struct kv *kv, const char *name)
{
	int k = key_index(row->keys, name);

	/* A hook naming a key its row lacks: a bug in the table, caught by any test. */
	if (k < 0) {
		fprintf(stderr, "tdpmmu: no key '%s' in the row of '%s'\n", name, row->cmd);
		abort();
	}
	return &kv[k];
}

static bool key_good(const struct key_spec *k, const struct kv *kv)
{
	return kv->given ? kv->ok : !k->required;
}

bool scn_key_good(const struct cmd_spec *row, const struct kv *kv, const char *name)
{
	const struct kv *v = scn_kv(row, kv, name);

	return key_good(&row->keys[v - kv], v);
}

/* Given and parsed: the value, else the key's default. */
static void store_value(struct scn_cmd *c, const struct key_spec *k, const struct kv *kv)
{
	static const struct scn_status no_status;
	bool have = kv->given && kv->ok;
	bool num = k->type == V_ADDR || k->type == V_SIZE || k->type == V_NUM;
	char *dst = (char *)c + k->off;
	u64 v64 = have ? kv->num : k->def;
	int vi = have ? (num ? (int)kv->num : kv->ival) : (int)k->def;
	bool vb = have ? k->type == V_FLAG || kv->ival : k->def;

	switch (k->store) {
	case S_NONE:
		break;
	case S_U64:
		memcpy(dst, &v64, sizeof(v64));
		break;
	case S_INT:
		memcpy(dst, &vi, sizeof(vi));
		break;
	case S_BOOL:
		memcpy(dst, &vb, sizeof(vb));
		break;
	case S_STATUS:
		memcpy(dst, have ? &kv->st : &no_status, sizeof(kv->st));
		break;
	}
}

/* The row's gpa rules: aligned, then inside [0, mem) and a memslot or the S-EPT. */
static void check_geometry(struct parser *p, const struct scn_cmd *c, const struct cmd_spec *row,
			   const struct kv *kv)
{
	const struct scn_geometry *g = &row->geo;
	int lk = key_index(row->keys, "level");
	bool level_good = lk < 0 || key_good(&row->keys[lk], &kv[lk]);
	u64 extent = PAGE_SIZE;

	if (g->extent == E_NONE || !scn_kv(row, kv, "gpa")->ok || (g->level_gates && !level_good))
		return;
	if (!check_aligned(p, "gpa", c->gpa, g->align_level ? c->level : PG_LEVEL_4K))
		return;
	if (g->extent == E_SIZE) {
		if (!scn_key_good(row, kv, "size"))
			return;
		extent = c->size;
	} else if (g->extent == E_LEVEL) {
		if (!level_good)
			return;
		extent = level_size(c->level);
	}
	if (g->sept)
		check_in_sept(p, c->gpa, extent);
	else
		check_in_mem(p, c->gpa, extent);
}

/* Does toks[0..n) select @row (and from which token do its arguments start)? */
static bool row_matches(const struct cmd_spec *row, char **toks, int n)
{
	const char *eq;

	if (strcmp(row->cmd, toks[0]))
		return false;
	if (!row->sub)
		return true;
	if (n < 2)
		return false;
	eq = strchr(toks[1], '=');
	if (row->sub_is_key)
		return eq && (size_t)(eq - toks[1]) == strlen(row->sub) &&
		       !strncmp(toks[1], row->sub, eq - toks[1]);
	return !eq && !strcmp(toks[1], row->sub);
}

/* The form of the command toks[0] that toks select: a sub form, else the plain one. */
static const struct cmd_spec *find_row(char **toks, int n)
{
	const struct cmd_spec *plain = NULL;

	for (size_t i = 0; i < scn_nr_cmds; i++) {
		const struct cmd_spec *row = &scn_cmds[i];

		if (!row_matches(row, toks, n))
			continue;
		if (row->sub)
			return row;
		plain = row;
	}
	return plain;
}

/* The positional argument (a leaf, or a word that must follow); false: stop here. */
static bool parse_positional(struct parser *p, struct scn_cmd *c, const struct cmd_spec *row,
			     const char *name, char **toks, int n, int *from, bool *leaf_ok)
{
	const char *tok = *from < n ? toks[*from] : NULL;
	int leaf;

	*leaf_ok = false;
	switch (row->pos.type) {
	case P_NONE:
		break;
	case P_WORD:
		if (!tok || strcmp(tok, row->pos.word)) {
			perr(p, "%s", row->usage);
			return false;
		}
		(*from)++;
		break;
	case P_LEAF:
		c->leaf = (enum tdxmod_leaf)row->pos.def_leaf;
		if (!tok || strchr(tok, '=')) {
			perr(p, "missing leaf for '%s'%s", name,
			     row->pos.missing_hint ? row->pos.missing_hint : "");
			break;
		}
		(*from)++;
		leaf = tdxmod_leaf_from_name(tok);
		if (leaf < 0 || (row->pos.leaves && !(row->pos.leaves & (1u << leaf)))) {
			perr(p, "unknown leaf '%s' for '%s'%s", tok, name,
			     row->pos.unknown_hint ? row->pos.unknown_hint : "");
			break;
		}
		c->leaf = (enum tdxmod_leaf)leaf;
		*leaf_ok = true;
		break;
	}
	return true;
}

/*
 * Every row goes through here: positional, keys (unknown, twice, missing,
 * bad values), where the command may appear, the row's hook, the gpa
 * rules, the vCPU index, and the per-key limits, in that order (the order
 * of the messages).
 */
static void parse_row(struct parser *p, struct scn_cmd *c, const struct cmd_spec *row, char **toks,
		      int n)
{
	struct kv kv[SCN_MAX_KEYS];
	const struct key_spec *keys = row->keys;
	int from = row->sub && !row->sub_is_key ? 2 : 1;
	char name[64];
	bool leaf_ok = false;

	c->kind = row->kind;
	if (row->parse) {
		row->parse(p, c, toks, n);
		return;
	}
	if (row->name)
		snprintf(name, sizeof(name), "%s", row->name);
	else if (row->sub)
		snprintf(name, sizeof(name), "%s %s", row->cmd, row->sub);
	else
		snprintf(name, sizeof(name), "%s", row->cmd);
	if (!keys && row->pos.type == P_NONE) {
		if (n > from)
			perr(p, "'%s' takes no arguments", name);
	} else {
		if (!parse_positional(p, c, row, name, toks, n, &from, &leaf_ok))
			return;
		parse_keys(p, name, keys, toks, from, n, kv);
		for (int k = 0; keys && keys[k].name; k++)
			store_value(c, &keys[k], &kv[k]);
	}
	if (row->where == W_FIRST) {
		if (!p->any_cmd)
			p->first_line = p->line;
		else if (p->first_line)
			perr(p, "'%s' given twice (first at line %d)", name, p->first_line);
		else
			perr(p, "'%s' must be the first command", name);
	}
	if (row->where == W_SETUP && p->finalize_line)
		perr(p, "'%s' after 'finalize' (line %d)", name, p->finalize_line);
	if (row->ends_setup && !p->finalize_line)
		p->finalize_line = p->line;
	if (!keys)
		return;
	for (int k = 0; keys[k].name; k++)
		if (keys[k].only_leaf && kv[k].given && leaf_ok &&
		    (int)c->leaf != keys[k].only_leaf - 1)
			perr(p, "flag '%s' applies only to %s", keys[k].name,
			     tdxmod_leaf_name((enum tdxmod_leaf)(keys[k].only_leaf - 1)));
	if (row->check)
		row->check(p, c, row, kv);
	check_geometry(p, c, row, kv);
	for (int k = 0; keys[k].name; k++)
		if (keys[k].type == V_VCPU)
			check_vcpu(p, &kv[k], &c->vcpu);
	for (int k = 0; keys[k].name; k++) {
		int x = keys[k].excludes ? key_index(keys, keys[k].excludes) : -1;

		if (x >= 0 && kv[k].given && kv[x].given)
			perr(p, "'%s' and '%s' are mutually exclusive", keys[x].name, keys[k].name);
		if (keys[k].min && kv[k].given && kv[k].ok && kv[k].num < keys[k].min)
			perr(p, "%s must be at least %llu", keys[k].name,
			     (unsigned long long)keys[k].min);
	}
}

/*
 * `thread=N` (for tdpmmu explore) where a row says so: on the MMU-level
 * guest and host commands and on `expect status=` / `expect rc=` (that
 * thread's last result).  A keyed form takes it when its key is anywhere
 * on the line.  Taken out of toks before the row's own keys are parsed;
 * returns the new token count.
 */
static int take_thread_key(struct parser *p, struct scn_cmd *c, char **toks, int n)
{
	bool allowed = false;
	int i, j;

	for (size_t r = 0; r < scn_nr_cmds && !allowed; r++) {
		const struct cmd_spec *row = &scn_cmds[r];
		size_t len = row->sub ? strlen(row->sub) : 0;

		if (!row->thread || strcmp(row->cmd, toks[0]))
			continue;
		if (!row->sub_is_key) {
			allowed = row_matches(row, toks, n);
			continue;
		}
		for (i = 1; i < n; i++)
			allowed |= !strncmp(toks[i], row->sub, len) && toks[i][len] == '=';
	}
	if (!allowed)
		return n;
	for (i = 1, j = 1; i < n; i++) {
		u64 v;

		if (strncmp(toks[i], "thread=", 7)) {
			toks[j++] = toks[i];
			continue;
		}
		if (c->threaded)
			perr(p, "'thread' given twice");
		else if (!toks[i][7])
			perr(p, "missing value for 'thread'");
		else if (parse_number(toks[i] + 7, false, &v) || v >= SCN_MAX_THREADS)
			perr(p, "thread must be between 0 and %d, got '%s'", SCN_MAX_THREADS - 1,
			     toks[i] + 7);
		else
			c->thread = (int)v;
		c->threaded = true;
	}
	return j;
}

static void parse_line(struct parser *p, char **toks, int n)
{
	struct scenario *scn = p->scn;
	const struct cmd_spec *row;
	struct scn_cmd *c;
	size_t tl = 0;

	if (scn->nr_cmds == SCN_MAX_CMDS) {
		if (!p->too_many) /* once, not once per extra line */
			perr(p, "too many commands (at most %d in a scenario)", SCN_MAX_CMDS);
		p->too_many = true;
		return;
	}
	/* Doubling at each power of two: 10^6 commands must not copy quadratically. */
	if (!(scn->nr_cmds & (scn->nr_cmds - 1)))
		scn->cmds = xrealloc(scn->cmds,
				     (scn->nr_cmds ? 2 * scn->nr_cmds : 1) * sizeof(*scn->cmds));
	c = &scn->cmds[scn->nr_cmds++];
	memset(c, 0, sizeof(*c));
	c->line = p->line;

	for (int i = 0; i < n; i++)
		tl += strlen(toks[i]) + 1;
	c->text = xrealloc(NULL, tl + 1);
	c->text[0] = 0;
	for (int i = 0; i < n; i++) {
		if (i)
			strcat(c->text, " ");
		strcat(c->text, toks[i]);
	}

	if (!p->any_cmd) {
		for (size_t i = 0; i < scn_nr_cmds; i++)
			if (scn_cmds[i].where == W_FIRST && strcmp(toks[0], scn_cmds[i].cmd))
				perr(p, "first command must be '%s'", scn_cmds[i].cmd);
	}
	n = take_thread_key(p, c, toks, n);
	row = find_row(toks, n);
	if (row)
		parse_row(p, c, row, toks, n);
	else
		perr(p, "unknown command '%s'", toks[0]);
	p->any_cmd = true;
}

/*
 * Tokens are separated by spaces or tabs only; a CRLF line end is fine (its
 * CR is dropped).  Any other control byte is refused by name, never echoed:
 * a CR alone (a CR-only file is one long line), \v, \f, escape sequences.
 */
static void check_line_bytes(struct parser *p, char *buf, size_t n, bool has_lf)
{
	if (n && buf[n - 1] == '\r' && has_lf)
		buf[--n] = 0;
	for (size_t i = 0, comment = 0; i < n; i++) {
		unsigned char c = (unsigned char)buf[i];

		comment |= c == '#';
		/* A comment is never echoed: only a bare CR matters there. */
		if (c == '\t' || (c >= 0x20 && c != 0x7f) || (comment && c != '\r'))
			continue;
		if (c == '\r')
			perr(p, "carriage return (CR) not followed by a line feed: lines end in LF "
				"or CRLF (a file with CR-only line ends is one line)");
		else
			perr(p,
			     "control character 0x%02x in line (tokens are separated by "
			     "spaces or tabs)",
			     c);
		return;
	}
}

int scenario_parse(const char *file, const char *text, size_t len, struct scenario *scn)
{
	struct parser p = {.scn = scn};
	size_t pos = 0;

	memset(scn, 0, sizeof(*scn));
	/* Every message prints the name: no control bytes, valid UTF-8 (JSON). */
	scn->file = text_escape(file);
	if (!scn->file)
		scn->file = xstrdup("<file>");
	if (len > SCN_MAX_FILE_BYTES) {
		p.line = 0;
		perr(&p, "larger than %d MiB, the limit for a scenario", SCN_MAX_FILE_BYTES >> 20);
		return (int)scn->nr_errors;
	}
	while (pos < len) {
		size_t end = pos;
		char *buf, *toks[MAX_TOKENS];
		int n = 0;

		while (end < len && text[end] != '\n')
			end++;
		p.line++;
		p.line_failed = false;
		buf = xrealloc(NULL, end - pos + 1);
		memcpy(buf, text + pos, end - pos);
		buf[end - pos] = 0;
		/* A NUL byte would silently cut the line short: refuse it. */
		if (memchr(text + pos, 0, end - pos))
			perr(&p, "NUL byte in line");
		else
			check_line_bytes(&p, buf, end - pos, end < len);
		pos = end + 1;

		char *hash = strchr(buf, '#');
		char *save = NULL;

		if (hash)
			*hash = 0;
		for (char *s = strtok_r(buf, " \t", &save); s; s = strtok_r(NULL, " \t", &save)) {
			if (n == MAX_TOKENS) {
				perr(&p, "too many tokens (at most %d)", MAX_TOKENS);
				break;
			}
			toks[n++] = s;
		}
		if (n && !p.line_failed)
			parse_line(&p, toks, n);
		free(buf);
	}
	if (!p.any_cmd && !scn->nr_errors) {
		p.line = 1;
		perr(&p, "no 'vm' command");
	}
	return (int)scn->nr_errors;
}

int scenario_parse_file(const char *path, struct scenario *scn)
{
	bool is_stdin = !strcmp(path, "-");
	FILE *f = is_stdin ? stdin : fopen(path, "rb");
	char *text = NULL;
	size_t len = 0, cap = 0;
	int err = 0;

	if (f) {
		for (;;) {
			if (len + 4096 > cap) {
				cap = cap ? cap * 2 : 65536;
				text = xrealloc(text, cap);
			}
			size_t r = fread(text + len, 1, cap - len, f);

			len += r;
			if (r == 0)
				break;
			/* /dev/zero, a runaway pipe: stop reading past the limit. */
			if (len > SCN_MAX_FILE_BYTES) {
				err = EFBIG;
				break;
			}
		}
		if (ferror(f))
			err = errno ? errno : EIO;
		if (!is_stdin)
			fclose(f);
	} else {
		err = errno;
	}
	if (err) {
		free(text);
		memset(scn, 0, sizeof(*scn));
		scn->file = text_escape(is_stdin ? "<stdin>" : path);
		if (!scn->file)
			scn->file = xstrdup("<file>");
		scn->errors = xrealloc(NULL, sizeof(*scn->errors));
		scn->errors[0].line = 0;
		if (err == EFBIG) {
			char m[96];

			snprintf(m, sizeof(m), "larger than %d MiB, the limit for a scenario",
				 SCN_MAX_FILE_BYTES >> 20);
			scn->errors[0].msg = xstrdup(m);
		} else {
			scn->errors[0].msg = xstrdup(strerror(err));
		}
		scn->nr_errors = 1;
		return -err;
	}
	int r = scenario_parse(is_stdin ? "<stdin>" : path, text ? text : "", len, scn);

	free(text);
	return r;
}

void scenario_print_errors(const struct scenario *scn, FILE *f)
{
	for (size_t i = 0; i < scn->nr_errors; i++) {
		/* Messages quote tokens: escape what a terminal would act on. */
		char *msg = text_escape(scn->errors[i].msg);
		const char *m = msg ? msg : scn->errors[i].msg;

		if (scn->errors[i].line)
			fprintf(f, "%s:%d: error: %s\n", scn->file, scn->errors[i].line, m);
		else
			fprintf(f, "%s: error: %s\n", scn->file, m);
		free(msg);
	}
}

void scenario_free(struct scenario *scn)
{
	for (size_t i = 0; i < scn->nr_cmds; i++)
		free(scn->cmds[i].text);
	for (size_t i = 0; i < scn->nr_errors; i++)
		free(scn->errors[i].msg);
	free(scn->cmds);
	free(scn->errors);
	free(scn->file);
	memset(scn, 0, sizeof(*scn));
}
