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
#include "text_escape.h"
#include "tdpmmu/tdx_errno.h"
#include "tdpmmu/tdxmod.h"

#define MAX_TOKENS 64
#define MAX_KEYS 16
#define SCN_MAX_VCPUS 1024

#define LV(l) (1u << (l))
#define LV_4K_2M (LV(PG_LEVEL_4K) | LV(PG_LEVEL_2M))
#define LV_TO_1G (LV_4K_2M | LV(PG_LEVEL_1G))
#define LV_ALL (LV_TO_1G | LV(PG_LEVEL_512G))

enum vtype {
	V_ADDR, /* number, K/M/G/T suffix allowed */
	V_SIZE, /* same, positive multiple of 4K */
	V_NUM, /* plain number */
	V_LEVEL, /* 4K/2M/1G/512G restricted by .levels */
	V_CHOICE, /* one of .choices, index in ival */
	V_STATUS, /* status name[|operand] or 64-bit number (+ OK/VE/... if .levels) */
	V_RC,
	V_STATE,
	V_FLAG,
	V_TEXT, /* the raw value, checked by the command (str in struct kv) */
};

struct key_spec {
	const char *name;
	enum vtype type;
	bool required;
	unsigned levels; /* V_LEVEL: allowed; V_STATUS: non-module kinds ok */
	const char *const *choices; /* V_CHOICE, NULL-terminated */
	const char *want; /* V_LEVEL/V_CHOICE: "4K|2M" for messages */
};

struct kv {
	bool given, ok;
	u64 num;
	int ival;
	struct scn_status st;
	const char *str; /* V_TEXT */
};

static const char *const on_off[] = {"off", "on", NULL};
static const char *const modules[] = {"1.5", "2.0", NULL};
static const char *const policies[] = {"upstream", "recover", NULL};
static const char *const to_kind[] = {"shared", "private", NULL};
static const char *const exit_kind[] = {"accept", NULL};
static const char *const split_locks[] = {"exclusive", "shared", NULL};

struct parser {
	struct scenario *scn;
	int line;
	bool any_cmd; /* a command was seen */
	int vm_line; /* line of the (first, valid-position) vm, 0 if none */
	bool mem_known, vcpus_known;
	u64 mem;
	int nr_vcpus;
	int finalize_line;
	bool line_failed; /* an error was reported for this line */
	bool too_many; /* SCN_MAX_CMDS reached (reported once) */
	int nr_memslots; /* vm slots=: MMU-level ranges must lie in one */
	struct kvm_memslot_range memslots[KVM_MAX_MEMSLOTS];
};

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
	char msg[256];
	const char *e;
	int r;

	kv->given = true;
	switch (k->type) {
	case V_ADDR:
	case V_SIZE:
	case V_NUM:
		r = parse_number(val, k->type != V_NUM, &kv->num);
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
			perr(p, "bad level '%s' for '%s' (want %s)", val, k->name, k->want);
			return;
		}
		break;
	case V_CHOICE:
		for (kv->ival = 0; k->choices[kv->ival]; kv->ival++)
			if (!strcmp(val, k->choices[kv->ival]))
				break;
		if (!k->choices[kv->ival]) {
			perr(p, "bad value '%s' for '%s' (want %s)", val, k->name, k->want);
			return;
		}
		break;
	case V_STATUS:
		e = parse_status(val, k->levels, &kv->st, msg, sizeof(msg));
		if (e) {
			perr(p, "%s", e);
			return;
		}
		break;
	case V_RC:
		for (kv->ival = 0; kv->ival < (int)ARRAY_SIZE(rc_names); kv->ival++)
			if (!strcmp(val, rc_names[kv->ival].name))
				break;
		if (kv->ival == (int)ARRAY_SIZE(rc_names)) {
			perr(p, "unknown rc '%s' (want 0|ENOMEM|EIO|EBUSY|EINVAL|EAGAIN)", val);
			return;
		}
		kv->ival = rc_names[kv->ival].rc;
		break;
	case V_STATE:
		kv->ival = tdx_sept_state_from_name(val);
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

/*
 * Generic key=value / flag processing of toks[from..n) against @keys.
 * Returns true if every given value parsed and every required key is there.
 */
static bool parse_keys(struct parser *p, const char *cmd, const struct key_spec *keys, char **toks,
		       int from, int n, struct kv *kv)
{
	bool ok = true;
	int nkeys = 0;

	while (nkeys < MAX_KEYS && keys[nkeys].name)
		nkeys++;
	memset(kv, 0, sizeof(*kv) * MAX_KEYS);
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

/*
 * Extension: vm slots=GPA:SIZE[,GPA:SIZE...] -- the private memslots, 4K
 * aligned, inside [0, mem), disjoint, at most KVM_MAX_MEMSLOTS.
 */
static void parse_slots(struct parser *p, struct scn_cmd *c, const char *val, u64 mem, bool mem_ok)
{
	char buf[512], *save = NULL, *tok;

	if (strlen(val) >= sizeof(buf)) {
		perr(p, "slots list too long");
		return;
	}
	strcpy(buf, val);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *colon = strchr(tok, ':');
		struct kvm_memslot_range *m;
		u64 base, size;

		if (c->nr_memslots == KVM_MAX_MEMSLOTS) {
			perr(p, "more than %d memslots in 'slots'", KVM_MAX_MEMSLOTS);
			return;
		}
		if (!colon) {
			perr(p, "bad memslot '%s' in 'slots' (want GPA:SIZE)", tok);
			return;
		}
		*colon = 0;
		if (parse_number(tok, true, &base) || parse_number(colon + 1, true, &size)) {
			perr(p, "bad number in memslot '%s:%s'", tok, colon + 1);
			return;
		}
		if (!size || (base | size) % PAGE_SIZE) {
			perr(p, "memslot 0x%llx:0x%llx is not 4K aligned or empty",
			     (unsigned long long)base, (unsigned long long)size);
			return;
		}
		if (mem_ok && (base >= mem || size > mem - base)) {
			perr(p, "memslot [0x%llx, 0x%llx) is outside guest memory [0, 0x%llx)",
			     (unsigned long long)base, (unsigned long long)(base + size),
			     (unsigned long long)mem);
			return;
		}
		for (int i = 0; i < c->nr_memslots; i++) {
			m = &c->memslots[i];
			if (base < m->base + m->size && m->base < base + size) {
				perr(p, "memslot [0x%llx, 0x%llx) overlaps [0x%llx, 0x%llx)",
				     (unsigned long long)base, (unsigned long long)(base + size),
				     (unsigned long long)m->base,
				     (unsigned long long)(m->base + m->size));
				return;
			}
		}
		m = &c->memslots[c->nr_memslots++];
		m->base = base;
		m->size = size;
	}
	if (!c->nr_memslots)
		perr(p, "empty 'slots'");
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

/* ---- commands ---- */

#define KEY_GPA_REQ                                \
	{                                          \
		"gpa", V_ADDR, true, 0, NULL, NULL \
	}
#define KEY_SIZE_REQ                                \
	{                                           \
		"size", V_SIZE, true, 0, NULL, NULL \
	}
#define KEY_VCPU                                    \
	{                                           \
		"vcpu", V_NUM, false, 0, NULL, NULL \
	}
#define KEY_END                                    \
	{                                          \
		NULL, V_FLAG, false, 0, NULL, NULL \
	}

static const struct key_spec vm_keys[] = {
	{"mem", V_SIZE, true, 0, NULL, NULL},
	{"vcpus", V_NUM, false, 0, NULL, NULL},
	{"max_level", V_LEVEL, false, LV_TO_1G, NULL, "4K|2M|1G"},
	{"module", V_CHOICE, false, 0, modules, "1.5|2.0"},
	{"dpamt", V_CHOICE, false, 0, on_off, "on|off"},
	{"demote_interruptible", V_CHOICE, false, 0, on_off, "on|off"},
	{"seed", V_NUM, false, 0, NULL, NULL},
	/* Extension: the glue's error policy (docs/SCENARIOS.md). */
	{"policy", V_CHOICE, false, 0, policies, "upstream|recover"},
	/* Extension: TRACK rounds batched per MMU operation (docs/SCENARIOS.md). */
	{"track_batch", V_CHOICE, false, 0, on_off, "on|off"},
	/* Version 2 (§5.2): recover huge mappings by promotion. */
	{"promote", V_CHOICE, false, 0, on_off, "on|off"},
	/* v2 §5.3: the fault path's split under the shared mmu_lock. */
	{"split_lock", V_CHOICE, false, 0, split_locks, "exclusive|shared"},
	/* Extension: several private memslots (docs/SCENARIOS.md). */
	{"slots", V_TEXT, false, 0, NULL, NULL},
	/* Extension: the lock-free guest-inhibit test before the write lock (docs/SCENARIOS.md). */
	{"inhibit_precheck", V_CHOICE, false, 0, on_off, "on|off"},
	KEY_END,
};

static void parse_vm(struct parser *p, struct scn_cmd *c, char **toks, int n)
{
	struct kv kv[MAX_KEYS];
	bool first = !p->any_cmd;

	parse_keys(p, "vm", vm_keys, toks, 1, n, kv);
	if (!first) {
		if (p->vm_line)
			perr(p, "'vm' given twice (first at line %d)", p->vm_line);
		else
			perr(p, "'vm' must be the first command");
	}
	c->mem = kv[0].num;
	c->nr_vcpus = 1;
	c->max_level = kv[2].ok ? kv[2].ival : PG_LEVEL_2M;
	c->module = kv[3].ok && kv[3].ival ? TDX_MODULE_2_0 : TDX_MODULE_1_5;
	c->dpamt = kv[4].ok && kv[4].ival;
	c->demote_interruptible = kv[5].ok && kv[5].ival;
	c->seed = kv[6].num;
	c->policy = kv[7].ok && kv[7].ival ? TDX_POLICY_RECOVER : TDX_POLICY_UPSTREAM;
	c->track_batch = kv[8].ok && kv[8].ival;
	c->promote = kv[9].ok && kv[9].ival;
	c->split_lock = kv[10].ok && kv[10].ival ? KVM_SPLIT_LOCK_SHARED : KVM_SPLIT_LOCK_EXCLUSIVE;
	c->no_inhibit_precheck = kv[12].ok && !kv[12].ival;

	bool mem_ok = kv[0].ok;

	if (mem_ok && c->mem > SCN_GPA_LIMIT) {
		perr(p, "mem 0x%llx is larger than the 48-bit S-EPT address space",
		     (unsigned long long)c->mem);
		mem_ok = false;
	}
	bool vcpus_ok = !kv[1].given || kv[1].ok;

	if (kv[1].given && kv[1].ok) {
		if (kv[1].num < 1 || kv[1].num > SCN_MAX_VCPUS) {
			perr(p, "vcpus must be between 1 and %d, got %llu", SCN_MAX_VCPUS,
			     (unsigned long long)kv[1].num);
			vcpus_ok = false;
		} else {
			c->nr_vcpus = (int)kv[1].num;
		}
	}
	if (c->dpamt && (!kv[3].given || kv[3].ok) && c->module != TDX_MODULE_2_0)
		perr(p, "dpamt=on needs module=2.0");
	if (kv[11].ok)
		parse_slots(p, c, kv[11].str, c->mem, mem_ok);
	if (first) {
		p->nr_memslots = c->nr_memslots;
		memcpy(p->memslots, c->memslots, sizeof(p->memslots));
		p->vm_line = p->line;
		p->mem_known = mem_ok;
		p->mem = c->mem;
		p->vcpus_known = vcpus_ok;
		p->nr_vcpus = c->nr_vcpus;
	}
}

static const struct key_spec add_keys[] = {
	KEY_GPA_REQ,
	{"size", V_SIZE, false, 0, NULL, NULL},
	KEY_END,
};

static void parse_add(struct parser *p, struct scn_cmd *c, char **toks, int n)
{
	struct kv kv[MAX_KEYS];

	parse_keys(p, "add", add_keys, toks, 1, n, kv);
	if (p->finalize_line)
		perr(p, "'add' after 'finalize' (line %d)", p->finalize_line);
	c->gpa = kv[0].num;
	c->size = kv[1].given ? kv[1].num : PAGE_SIZE;
	if (kv[0].ok && check_aligned(p, "gpa", c->gpa, PG_LEVEL_4K) && (!kv[1].given || kv[1].ok))
		check_in_mem(p, c->gpa, c->size);
}

static const struct key_spec accept_keys[] = {
	KEY_GPA_REQ,
	{"level", V_LEVEL, true, LV_4K_2M, NULL, "4K|2M"},
	KEY_VCPU,
	KEY_END,
};

static void parse_accept(struct parser *p, struct scn_cmd *c, char **toks, int n)
{
	struct kv kv[MAX_KEYS];

	parse_keys(p, "accept", accept_keys, toks, 1, n, kv);
	c->gpa = kv[0].num;
	c->level = kv[1].ival;
	if (kv[0].ok && check_aligned(p, "gpa", c->gpa, kv[1].ok ? c->level : PG_LEVEL_4K) &&
	    kv[1].ok)
		check_in_mem(p, c->gpa, level_size(c->level));
	check_vcpu(p, &kv[2], &c->vcpu);
}

/* Extension: accept_memory gpa=ADDR size=SIZE [vcpu=N] [parallel] (docs/SCENARIOS.md). */
static const struct key_spec accept_memory_keys[] = {
	KEY_GPA_REQ, KEY_SIZE_REQ, KEY_VCPU, {"parallel", V_FLAG, false, 0, NULL, NULL}, KEY_END,
};

static void parse_accept_memory(struct parser *p, struct scn_cmd *c, char **toks, int n)
{
	struct kv kv[MAX_KEYS];

	parse_keys(p, "accept_memory", accept_memory_keys, toks, 1, n, kv);
	c->gpa = kv[0].num;
	c->size = kv[1].num;
	c->parallel = kv[3].given;
	if (kv[0].ok && check_aligned(p, "gpa", c->gpa, PG_LEVEL_4K) && kv[1].ok)
		check_in_mem(p, c->gpa, c->size);
	check_vcpu(p, &kv[2], &c->vcpu);
	/* parallel runs on every vCPU: naming one would be meaningless. */
	if (kv[2].given && kv[3].given)
		perr(p, "'vcpu' and 'parallel' are mutually exclusive");
}

static const struct key_spec access_keys[] = {
	KEY_GPA_REQ,
	{"shared", V_FLAG, false, 0, NULL, NULL},
	{"write", V_FLAG, false, 0, NULL, NULL},
	KEY_VCPU,
	KEY_END,
};

static void parse_access(struct parser *p, struct scn_cmd *c, char **toks, int n)
{
	struct kv kv[MAX_KEYS];

	parse_keys(p, "access", access_keys, toks, 1, n, kv);
	c->gpa = kv[0].num;
	c->shared = kv[1].given;
	c->write = kv[2].given;
	if (kv[0].ok && check_aligned(p, "gpa", c->gpa, PG_LEVEL_4K))
		check_in_mem(p, c->gpa, PAGE_SIZE);
	check_vcpu(p, &kv[3], &c->vcpu);
}

static const struct key_spec convert_keys[] = {
	KEY_GPA_REQ,
	KEY_SIZE_REQ,
	{"to", V_CHOICE, true, 0, to_kind, "shared|private"},
	KEY_END,
};
static const struct key_spec punch_keys[] = {
	KEY_GPA_REQ,
	KEY_SIZE_REQ,
	KEY_END,
};
static const struct key_spec split_keys[] = {
	KEY_GPA_REQ,
	KEY_SIZE_REQ,
	{"level", V_LEVEL, true, LV_4K_2M, NULL, "4K|2M"},
	KEY_END,
};

/* convert, punch, split: a 4K-aligned range inside guest memory. */
static void parse_range_cmd(struct parser *p, struct scn_cmd *c, const char *name,
			    const struct key_spec *keys, char **toks, int n)
{
	struct kv kv[MAX_KEYS];

	parse_keys(p, name, keys, toks, 1, n, kv);
	c->gpa = kv[0].num;
	c->size = kv[1].num;
	c->to_private = c->kind == SCN_CONVERT && kv[2].ival == 1;
	c->level = c->kind == SCN_SPLIT ? kv[2].ival : 0;
	if (kv[0].ok && check_aligned(p, "gpa", c->gpa, PG_LEVEL_4K) && kv[1].ok)
		check_in_mem(p, c->gpa, c->size);
}

static const struct key_spec seamcall_keys[] = {
	{"gpa", V_ADDR, false, 0, NULL, NULL},
	{"level", V_LEVEL, false, LV_ALL, NULL, "4K|2M|1G|512G"},
	{"allow_existing", V_FLAG, false, 0, NULL, NULL},
	KEY_END,
};

static bool is_seamcall_leaf(int leaf)
{
	switch (leaf) {
	case TDH_MEM_SEPT_ADD:
	case TDH_MEM_PAGE_ADD:
	case TDH_MEM_PAGE_AUG:
	case TDH_MEM_RANGE_BLOCK:
	case TDH_MEM_RANGE_UNBLOCK:
	case TDH_MEM_TRACK:
	case TDH_MEM_PAGE_DEMOTE:
	case TDH_MEM_PAGE_PROMOTE:
	case TDH_MEM_PAGE_REMOVE:
	case TDH_MEM_SEPT_REMOVE:
	case TDH_MR_FINALIZE:
		return true;
	default:
		return false;
	}
}

static void parse_seamcall(struct parser *p, struct scn_cmd *c, char **toks, int n)
{
	struct kv kv[MAX_KEYS];
	int leaf = -1;

	if (n < 2 || strchr(toks[1], '=')) {
		perr(p, "missing leaf for 'seamcall'");
	} else {
		leaf = tdx_leaf_from_name(toks[1]);
		if (leaf < 0 || !is_seamcall_leaf(leaf)) {
			perr(p, "unknown leaf '%s' for 'seamcall'", toks[1]);
			leaf = -1;
		}
	}
	parse_keys(p, "seamcall", seamcall_keys, toks, n >= 2 && !strchr(toks[1], '=') ? 2 : 1, n,
		   kv);
	c->leaf = leaf < 0 ? TDH_MEM_TRACK : (enum tdx_leaf)leaf;
	c->gpa = kv[0].num;
	c->level = kv[1].given ? kv[1].ival : PG_LEVEL_4K;
	c->allow_existing = kv[2].given;
	if (kv[2].given && leaf >= 0 && leaf != TDH_MEM_SEPT_ADD)
		perr(p, "flag 'allow_existing' applies only to TDH.MEM.SEPT.ADD");
	if (kv[0].ok && (!kv[1].given || kv[1].ok) && check_aligned(p, "gpa", c->gpa, c->level))
		check_in_sept(p, c->gpa, level_size(c->level));
}

static const struct key_spec tdcall_keys[] = {
	KEY_GPA_REQ,
	{"level", V_LEVEL, true, LV_ALL, NULL, "4K|2M|1G|512G"},
	KEY_VCPU,
	KEY_END,
};

static void parse_tdcall(struct parser *p, struct scn_cmd *c, char **toks, int n)
{
	struct kv kv[MAX_KEYS];
	int from = 2;

	if (n < 2 || strchr(toks[1], '=')) {
		perr(p, "missing leaf for 'tdcall'");
		from = 1;
	} else if (tdx_leaf_from_name(toks[1]) != TDG_MEM_PAGE_ACCEPT) {
		perr(p, "unknown leaf '%s' for 'tdcall' (want TDG.MEM.PAGE.ACCEPT)", toks[1]);
	}
	parse_keys(p, "tdcall", tdcall_keys, toks, from, n, kv);
	c->leaf = TDG_MEM_PAGE_ACCEPT;
	c->gpa = kv[0].num;
	c->level = kv[1].ival;
	if (kv[0].ok && kv[1].ok && check_aligned(p, "gpa", c->gpa, c->level))
		check_in_sept(p, c->gpa, level_size(c->level));
	check_vcpu(p, &kv[2], &c->vcpu);
}

static void parse_vcpu(struct parser *p, struct scn_cmd *c, char **toks, int n)
{
	struct kv kv = {0};
	int r;

	if (n != 3) {
		perr(p, "usage: vcpu N enter|exit");
		return;
	}
	r = parse_number(toks[1], false, &kv.num);
	if (r) {
		perr(p, "%s vCPU index '%s'", r == -ERANGE ? "overflowing" : "bad", toks[1]);
	} else {
		kv.given = kv.ok = true;
		check_vcpu(p, &kv, &c->vcpu);
	}
	if (!strcmp(toks[2], "enter"))
		c->kind = SCN_VCPU_ENTER;
	else if (!strcmp(toks[2], "exit"))
		c->kind = SCN_VCPU_EXIT;
	else
		perr(p, "bad vcpu action '%s' (want enter|exit)", toks[2]);
}

static const struct key_spec inject_keys[] = {
	{"status", V_STATUS, true, 0, NULL, NULL},
	{"count", V_NUM, false, 0, NULL, NULL},
	{"after", V_NUM, false, 0, NULL, NULL},
	KEY_END,
};
static const struct key_spec inject_alloc_keys[] = {
	{"count", V_NUM, false, 0, NULL, NULL},
	{"after", V_NUM, false, 0, NULL, NULL},
	KEY_END,
};

static void parse_inject(struct parser *p, struct scn_cmd *c, char **toks, int n)
{
	struct kv kv[MAX_KEYS];
	const struct kv *count, *after;

	if (n < 2 || strchr(toks[1], '=')) {
		perr(p, "missing leaf for 'inject' (a leaf name or 'alloc fail')");
		parse_keys(p, "inject", inject_keys, toks, 1, n, kv);
	} else if (!strcmp(toks[1], "alloc")) {
		c->kind = SCN_INJECT_ALLOC;
		if (n < 3 || strcmp(toks[2], "fail")) {
			perr(p, "usage: inject alloc fail [count=N] [after=K]");
			return;
		}
		parse_keys(p, "inject alloc fail", inject_alloc_keys, toks, 3, n, kv);
		count = &kv[0];
		after = &kv[1];
		goto counts;
	} else {
		int leaf = tdx_leaf_from_name(toks[1]);

		/* Any leaf the model counts; the contract names the SEAMCALLs and ACCEPT. */
		if (leaf < 0)
			perr(p, "unknown leaf '%s' for 'inject'", toks[1]);
		else
			c->leaf = (enum tdx_leaf)leaf;
		parse_keys(p, "inject", inject_keys, toks, 2, n, kv);
	}
	c->status = kv[0].st;
	count = &kv[1];
	after = &kv[2];
counts:
	c->count = count->given ? count->num : 1;
	c->after = after->given ? after->num : 0;
	if (count->given && count->ok && !count->num)
		perr(p, "count must be at least 1");
}

static const struct key_spec expect_status_keys[] = {
	{"status", V_STATUS, true, 1, NULL, NULL},
	KEY_END,
};
static const struct key_spec expect_rc_keys[] = {
	{"rc", V_RC, true, 0, NULL, NULL},
	KEY_END,
};
static const struct key_spec expect_exit_keys[] = {
	{"exit", V_CHOICE, true, 0, exit_kind, "accept"},
	{"req_level", V_LEVEL, true, LV_ALL, NULL, "4K|2M|1G|512G"},
	{"err_level", V_LEVEL, true, LV_ALL, NULL, "4K|2M|1G|512G"},
	{"err_state", V_STATE, true, 0, NULL, NULL},
	KEY_END,
};
static const struct key_spec expect_sept_keys[] = {
	KEY_GPA_REQ,
	{"level", V_LEVEL, true, LV_ALL, NULL, "4K|2M|1G|512G"},
	{"state", V_STATE, true, 0, NULL, NULL},
	KEY_END,
};
static const struct key_spec expect_mirror_keys[] = {
	KEY_GPA_REQ,
	{"level", V_LEVEL, false, LV_TO_1G, NULL, "4K|2M|1G"},
	{"absent", V_FLAG, false, 0, NULL, NULL},
	KEY_END,
};

static const struct {
	const char *name;
	enum scn_counter counter;
} counter_names[] = {
	{"splits", SCN_CNT_SPLITS},
	{"kicks", SCN_CNT_KICKS},
	{"faults", SCN_CNT_FAULTS},
	{"vm_bugged", SCN_CNT_VM_BUGGED},
	{"track_rounds", SCN_CNT_TRACK_ROUNDS},
	{"busy_retries", SCN_CNT_BUSY_RETRIES},
	{"guest_inhibits", SCN_CNT_GUEST_INHIBITS},
	{"promotes", SCN_CNT_PROMOTES},
	{"promote_tries", SCN_CNT_PROMOTE_TRIES},
	{"mmu_write_locks", SCN_CNT_MMU_WRITE_LOCKS},
	{"split_retries", SCN_CNT_SPLIT_RETRIES},
	{"accept_below_mappable", SCN_CNT_ACCEPT_BELOW_MAPPABLE},
};

static void parse_expect_count(struct parser *p, struct scn_cmd *c, char **toks, int n)
{
	char name[128];
	char *eq;
	int leaf, r;

	c->kind = SCN_EXPECT_COUNT;
	if (n != 3 || !(eq = strchr(toks[2], '='))) {
		perr(p, "usage: expect count NAME=N");
		return;
	}
	snprintf(name, sizeof(name), "%.*s", (int)(eq - toks[2]), toks[2]);
	leaf = tdx_leaf_from_name(name);
	if (leaf >= 0) {
		c->counter = SCN_CNT_LEAF;
		c->leaf = (enum tdx_leaf)leaf;
	} else {
		size_t i;

		for (i = 0; i < ARRAY_SIZE(counter_names); i++)
			if (!strcmp(name, counter_names[i].name))
				break;
		if (i == ARRAY_SIZE(counter_names))
			perr(p, "unknown counter '%s'", name);
		else
			c->counter = counter_names[i].counter;
	}
	if (!eq[1]) {
		perr(p, "missing value for '%s'", name);
		return;
	}
	r = parse_number(eq + 1, false, &c->value);
	if (r == -ERANGE)
		perr(p, "number '%s' for '%s' overflows", eq + 1, name);
	else if (r)
		perr(p, "bad number '%s' for '%s'", eq + 1, name);
}

static void parse_expect(struct parser *p, struct scn_cmd *c, char **toks, int n)
{
	struct kv kv[MAX_KEYS];
	char key[64];
	char *eq;

	if (n < 2) {
		perr(p, "missing expectation for 'expect'");
		return;
	}
	eq = strchr(toks[1], '=');
	snprintf(key, sizeof(key), "%.*s", eq ? (int)(eq - toks[1]) : (int)strlen(toks[1]),
		 toks[1]);
	if (eq && !strcmp(key, "status")) {
		c->kind = SCN_EXPECT_STATUS;
		parse_keys(p, "expect status", expect_status_keys, toks, 1, n, kv);
		c->status = kv[0].st;
	} else if (eq && !strcmp(key, "rc")) {
		c->kind = SCN_EXPECT_RC;
		parse_keys(p, "expect rc", expect_rc_keys, toks, 1, n, kv);
		c->rc = kv[0].ival;
	} else if (eq && !strcmp(key, "exit")) {
		c->kind = SCN_EXPECT_EXIT;
		parse_keys(p, "expect exit", expect_exit_keys, toks, 1, n, kv);
		c->req_level = kv[1].ival;
		c->err_level = kv[2].ival;
		c->err_state = kv[3].ival;
	} else if (!eq && !strcmp(key, "sept")) {
		c->kind = SCN_EXPECT_SEPT;
		parse_keys(p, "expect sept", expect_sept_keys, toks, 2, n, kv);
		c->gpa = kv[0].num;
		c->level = kv[1].ival;
		c->state = kv[2].ival;
		/* v2 5.1: an observation takes any 4K address inside the entry. */
		if (kv[0].ok && kv[1].ok && check_aligned(p, "gpa", c->gpa, PG_LEVEL_4K))
			check_in_sept(p, c->gpa, PAGE_SIZE);
	} else if (!eq && !strcmp(key, "mirror")) {
		c->kind = SCN_EXPECT_MIRROR;
		parse_keys(p, "expect mirror", expect_mirror_keys, toks, 2, n, kv);
		c->gpa = kv[0].num;
		c->level = kv[1].ival;
		c->absent = kv[2].given;
		if (kv[1].given == kv[2].given)
			perr(p, "expect mirror needs exactly one of 'level=L' and 'absent'");
		if (kv[0].ok && (!kv[1].given || kv[1].ok) &&
		    check_aligned(p, "gpa", c->gpa, PG_LEVEL_4K))
			check_in_mem(p, c->gpa, PAGE_SIZE);
	} else if (!eq && !strcmp(key, "count")) {
		parse_expect_count(p, c, toks, n);
	} else {
		perr(p, "unknown expectation '%s' (want status=, exit=, rc=, sept, mirror, count)",
		     toks[1]);
	}
}

static void parse_noargs(struct parser *p, const char *name, int n)
{
	if (n > 1)
		perr(p, "'%s' takes no arguments", name);
}

/*
 * `thread=N` (for tdpmmu explore) on the MMU-level guest and host commands
 * and on `expect status=` / `expect rc=`:
 * taken out of toks before the command's own keys are parsed.  Returns the
 * new token count.
 */
static int take_thread_key(struct parser *p, struct scn_cmd *c, char **toks, int n)
{
	static const char *const cmds[] = {"accept", "access",	"convert", "punch",
					   "split",  "promote", NULL};
	bool allowed = false;
	int i, j;

	for (i = 0; cmds[i]; i++)
		allowed |= !strcmp(toks[0], cmds[i]);
	/* ... and on `expect status=`/`expect rc=`: that thread's last result. */
	for (i = 1; !strcmp(toks[0], "expect") && i < n; i++)
		allowed |= !strncmp(toks[i], "status=", 7) || !strncmp(toks[i], "rc=", 3);
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
	struct scn_cmd *c;
	const char *cmd = toks[0];

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

	size_t tl = 0;

	for (int i = 0; i < n; i++)
		tl += strlen(toks[i]) + 1;
	c->text = xrealloc(NULL, tl + 1);
	c->text[0] = 0;
	for (int i = 0; i < n; i++) {
		if (i)
			strcat(c->text, " ");
		strcat(c->text, toks[i]);
	}

	if (strcmp(cmd, "vm") && !p->any_cmd)
		perr(p, "first command must be 'vm'");
	n = take_thread_key(p, c, toks, n);

	if (!strcmp(cmd, "vm")) {
		c->kind = SCN_VM;
		parse_vm(p, c, toks, n);
	} else if (!strcmp(cmd, "add")) {
		c->kind = SCN_ADD;
		parse_add(p, c, toks, n);
	} else if (!strcmp(cmd, "finalize")) {
		c->kind = SCN_FINALIZE;
		parse_noargs(p, cmd, n);
		if (!p->finalize_line)
			p->finalize_line = p->line;
	} else if (!strcmp(cmd, "accept")) {
		c->kind = SCN_ACCEPT;
		parse_accept(p, c, toks, n);
	} else if (!strcmp(cmd, "accept_memory")) {
		c->kind = SCN_ACCEPT_MEMORY;
		parse_accept_memory(p, c, toks, n);
	} else if (!strcmp(cmd, "access")) {
		c->kind = SCN_ACCESS;
		parse_access(p, c, toks, n);
	} else if (!strcmp(cmd, "convert")) {
		c->kind = SCN_CONVERT;
		parse_range_cmd(p, c, cmd, convert_keys, toks, n);
	} else if (!strcmp(cmd, "punch")) {
		c->kind = SCN_PUNCH;
		parse_range_cmd(p, c, cmd, punch_keys, toks, n);
	} else if (!strcmp(cmd, "split")) {
		c->kind = SCN_SPLIT;
		parse_range_cmd(p, c, cmd, split_keys, toks, n);
	} else if (!strcmp(cmd, "promote")) {
		c->kind = SCN_PROMOTE;
		parse_range_cmd(p, c, cmd, punch_keys, toks, n);
	} else if (!strcmp(cmd, "seamcall")) {
		c->kind = SCN_SEAMCALL;
		parse_seamcall(p, c, toks, n);
	} else if (!strcmp(cmd, "tdcall")) {
		c->kind = SCN_TDCALL;
		parse_tdcall(p, c, toks, n);
	} else if (!strcmp(cmd, "vcpu")) {
		c->kind = SCN_VCPU_ENTER;
		parse_vcpu(p, c, toks, n);
	} else if (!strcmp(cmd, "inject")) {
		c->kind = SCN_INJECT;
		parse_inject(p, c, toks, n);
	} else if (!strcmp(cmd, "check")) {
		c->kind = SCN_CHECK;
		parse_noargs(p, cmd, n);
	} else if (!strcmp(cmd, "stats")) {
		c->kind = SCN_STATS;
		parse_noargs(p, cmd, n);
	} else if (!strcmp(cmd, "expect")) {
		parse_expect(p, c, toks, n);
	} else {
		perr(p, "unknown command '%s'", cmd);
	}
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
