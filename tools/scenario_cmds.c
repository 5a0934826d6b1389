// SPDX-License-Identifier: GPL-2.0-only
/*
 * The commands of the scenario language and their keys, as one table
 * (docs/SCENARIO-LANGUAGE.md describes each row; a test checks that every
 * row and key is there).  tools/scenario_parse.c reads each line against
 * it.  Only what no row can say is a hook here: the vm line's cross-key
 * rules and memslot list, `vcpu N enter|exit`, `expect count NAME=N` and
 * expect mirror's "level or absent".
 */
#include <errno.h>
#include <string.h>

#include "scenario_syntax.h"
#include "tdpmmu/tdxmod.h"

/* The tables read best one row a line. */
/* clang-format off */
static const struct choice on_off[] = {{"on", 1}, {"off", 0}, {NULL, 0}};
/* inhibit_precheck=off sets no_inhibit_precheck. */
static const struct choice on_off_negated[] = {{"on", 0}, {"off", 1}, {NULL, 0}};
static const struct choice modules[] = {{"1.5", TDX_MODULE_1_5}, {"2.0", TDX_MODULE_2_0}, {NULL, 0}};
static const struct choice policies[] = {
	{"upstream", TDX_POLICY_UPSTREAM}, {"recover", TDX_POLICY_RECOVER}, {NULL, 0}};
static const struct choice split_locks[] = {
	{"exclusive", KVM_SPLIT_LOCK_EXCLUSIVE}, {"shared", KVM_SPLIT_LOCK_SHARED}, {NULL, 0}};
static const struct choice to_kinds[] = {{"shared", 0}, {"private", 1}, {NULL, 0}};
static const struct choice exit_kinds[] = {{"accept", 0}, {NULL, 0}};

/* Key shapes (origin SCN_V1 unless said). */
#define K_GPA		{.name = "gpa", .type = V_ADDR, .required = true, TO_U64(gpa)}
#define K_SIZE		{.name = "size", .type = V_SIZE, .required = true, TO_U64(size)}
#define K_VCPU		{.name = "vcpu", .type = V_VCPU}
#define K_LEVEL(lv, req) {.name = "level", .type = V_LEVEL, .required = (req), .levels = (lv), TO_INT(level)}
#define K_FLAG(n, m)	{.name = n, .type = V_FLAG, TO_BOOL(m)}
#define K_CHOICE(n, ch, m, d, o) {.name = n, .type = V_CHOICE, .choices = ch, .def = (d), .origin = (o), TO_INT(m)}
#define K_ON_OFF(n, m, o) {.name = n, .type = V_CHOICE, .choices = on_off, .origin = (o), TO_BOOL(m)}
#define K_COUNT_AFTER	{.name = "count", .type = V_NUM, .def = 1, .min = 1, TO_U64(count)}, \
			{.name = "after", .type = V_NUM, TO_U64(after)}
#define KEYS(...)	((const struct key_spec[]){__VA_ARGS__, {.name = NULL}})

#define LEAF(l) (1u << (l))
#define SEAMCALL_LEAVES (LEAF(TDH_MEM_SEPT_ADD) | LEAF(TDH_MEM_PAGE_ADD) | LEAF(TDH_MEM_PAGE_AUG) | \
	LEAF(TDH_MEM_RANGE_BLOCK) | LEAF(TDH_MEM_RANGE_UNBLOCK) | LEAF(TDH_MEM_TRACK) | \
	LEAF(TDH_MEM_PAGE_DEMOTE) | LEAF(TDH_MEM_PAGE_PROMOTE) | LEAF(TDH_MEM_PAGE_REMOVE) | \
	LEAF(TDH_MEM_SEPT_REMOVE) | LEAF(TDH_MR_FINALIZE))
/* clang-format on */
_Static_assert(NR_TDX_LEAVES <= 32, "leaf masks are u32");

/*
 * Extension: vm slots=GPA:SIZE[,GPA:SIZE...] -- the private memslots, 4K
 * aligned, inside [0, mem), disjoint, at most KVM_MAX_MEMSLOTS.
 */
static void parse_slots(struct parser *p, struct scn_cmd *c, const char *val, u64 mem, bool mem_ok)
{
	char buf[512], *save = NULL, *tok;

	if (strlen(val) >= sizeof(buf)) {
		scn_perr(p, "slots list too long");
		return;
	}
	strcpy(buf, val);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *colon = strchr(tok, ':');
		struct kvm_memslot_range *m;
		u64 base, size;

		if (c->nr_memslots == KVM_MAX_MEMSLOTS) {
			scn_perr(p, "more than %d memslots in 'slots'", KVM_MAX_MEMSLOTS);
			return;
		}
		if (!colon) {
			scn_perr(p, "bad memslot '%s' in 'slots' (want GPA:SIZE)", tok);
			return;
		}
		*colon = 0;
		if (scn_parse_number(tok, true, &base) ||
		    scn_parse_number(colon + 1, true, &size)) {
			scn_perr(p, "bad number in memslot '%s:%s'", tok, colon + 1);
			return;
		}
		if (!size || (base | size) % PAGE_SIZE) {
			scn_perr(p, "memslot 0x%llx:0x%llx is not 4K aligned or empty",
				 (unsigned long long)base, (unsigned long long)size);
			return;
		}
		if (mem_ok && (base >= mem || size > mem - base)) {
			scn_perr(p, "memslot [0x%llx, 0x%llx) is outside guest memory [0, 0x%llx)",
				 (unsigned long long)base, (unsigned long long)(base + size),
				 (unsigned long long)mem);
			return;
		}
		for (int i = 0; i < c->nr_memslots; i++) {
			m = &c->memslots[i];
			if (base < m->base + m->size && m->base < base + size) {
				scn_perr(p, "memslot [0x%llx, 0x%llx) overlaps [0x%llx, 0x%llx)",
					 (unsigned long long)base,
					 (unsigned long long)(base + size),
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
		scn_perr(p, "empty 'slots'");
}

/* The vm line's rules across keys; the first vm's TD bounds the later lines. */
static void check_vm(struct parser *p, struct scn_cmd *c, const struct cmd_spec *row,
		     const struct kv *kv)
{
	const struct kv *vcpus = scn_kv(row, kv, "vcpus");
	const struct kv *slots = scn_kv(row, kv, "slots");
	bool mem_ok = scn_kv(row, kv, "mem")->ok;
	bool vcpus_ok = !vcpus->given || vcpus->ok;

	if (mem_ok && c->mem > SCN_GPA_LIMIT) {
		scn_perr(p, "mem 0x%llx is larger than the 48-bit S-EPT address space",
			 (unsigned long long)c->mem);
		mem_ok = false;
	}
	if (vcpus->given && vcpus->ok && (vcpus->num < 1 || vcpus->num > SCN_MAX_VCPUS)) {
		scn_perr(p, "vcpus must be between 1 and %d, got %llu", SCN_MAX_VCPUS,
			 (unsigned long long)vcpus->num);
		c->nr_vcpus = 1;
		vcpus_ok = false;
	}
	if (c->dpamt && scn_key_good(row, kv, "module") && c->module != TDX_MODULE_2_0)
		scn_perr(p, "dpamt=on needs module=2.0");
	if (slots->ok)
		parse_slots(p, c, slots->str, c->mem, mem_ok);
	if (p->first_line == p->line) {
		p->nr_memslots = c->nr_memslots;
		memcpy(p->memslots, c->memslots, sizeof(p->memslots));
		p->mem_known = mem_ok;
		p->mem = c->mem;
		p->vcpus_known = vcpus_ok;
		p->nr_vcpus = c->nr_vcpus;
	}
}

static void parse_vcpu(struct parser *p, struct scn_cmd *c, char **toks, int n)
{
	struct kv kv = {0};
	int r;

	if (n != 3) {
		scn_perr(p, "usage: vcpu N enter|exit");
		return;
	}
	r = scn_parse_number(toks[1], false, &kv.num);
	if (r) {
		scn_perr(p, "%s vCPU index '%s'", r == -ERANGE ? "overflowing" : "bad", toks[1]);
	} else {
		kv.given = kv.ok = true;
		scn_check_vcpu(p, &kv, &c->vcpu);
	}
	if (!strcmp(toks[2], "enter"))
		c->kind = SCN_VCPU_ENTER;
	else if (!strcmp(toks[2], "exit"))
		c->kind = SCN_VCPU_EXIT;
	else
		scn_perr(p, "bad vcpu action '%s' (want enter|exit)", toks[2]);
}

const struct scn_counter_name scn_counter_names[] = {
	{"splits", SCN_CNT_SPLITS, SCN_V1},
	{"kicks", SCN_CNT_KICKS, SCN_V1},
	{"faults", SCN_CNT_FAULTS, SCN_V1},
	{"vm_bugged", SCN_CNT_VM_BUGGED, SCN_V1},
	{"track_rounds", SCN_CNT_TRACK_ROUNDS, SCN_EXT},
	{"busy_retries", SCN_CNT_BUSY_RETRIES, SCN_EXT},
	{"guest_inhibits", SCN_CNT_GUEST_INHIBITS, SCN_EXT},
	{"promotes", SCN_CNT_PROMOTES, SCN_V2},
	{"promote_tries", SCN_CNT_PROMOTE_TRIES, SCN_EXT},
	{"mmu_write_locks", SCN_CNT_MMU_WRITE_LOCKS, SCN_V2},
	{"split_retries", SCN_CNT_SPLIT_RETRIES, SCN_EXT},
	{"accept_below_mappable", SCN_CNT_ACCEPT_BELOW_MAPPABLE, SCN_EXT},
};
const size_t scn_nr_counter_names = ARRAY_SIZE(scn_counter_names);

/* expect count NAME=N: NAME is a leaf or a counter, so not a key of a row. */
static void parse_expect_count(struct parser *p, struct scn_cmd *c, char **toks, int n)
{
	char name[128];
	char *eq;
	int leaf, r;

	if (n != 3 || !(eq = strchr(toks[2], '='))) {
		scn_perr(p, "usage: expect count NAME=N");
		return;
	}
	snprintf(name, sizeof(name), "%.*s", (int)(eq - toks[2]), toks[2]);
	leaf = tdxmod_leaf_from_name(name);
	if (leaf >= 0) {
		c->counter = SCN_CNT_LEAF;
		c->leaf = (enum tdxmod_leaf)leaf;
	} else {
		size_t i;

		for (i = 0; i < scn_nr_counter_names; i++)
			if (!strcmp(name, scn_counter_names[i].name))
				break;
		if (i == scn_nr_counter_names)
			scn_perr(p, "unknown counter '%s'", name);
		else
			c->counter = scn_counter_names[i].counter;
	}
	if (!eq[1]) {
		scn_perr(p, "missing value for '%s'", name);
		return;
	}
	r = scn_parse_number(eq + 1, false, &c->value);
	if (r == -ERANGE)
		scn_perr(p, "number '%s' for '%s' overflows", eq + 1, name);
	else if (r)
		scn_perr(p, "bad number '%s' for '%s'", eq + 1, name);
}

static void check_expect_mirror(struct parser *p, struct scn_cmd *c, const struct cmd_spec *row,
				const struct kv *kv)
{
	(void)c;
	if (scn_kv(row, kv, "level")->given == scn_kv(row, kv, "absent")->given)
		scn_perr(p, "expect mirror needs exactly one of 'level=L' and 'absent'");
}

/* `expect` with no form of the table: name the forms there are. */
static void parse_expect_unknown(struct parser *p, struct scn_cmd *c, char **toks, int n)
{
	char want[256] = "";

	(void)c;
	if (n < 2) {
		scn_perr(p, "missing expectation for 'expect'");
		return;
	}
	for (size_t i = 0; i < scn_nr_cmds; i++) {
		const struct cmd_spec *r = &scn_cmds[i];

		if (strcmp(r->cmd, "expect") || !r->sub)
			continue;
		snprintf(want + strlen(want), sizeof(want) - strlen(want), "%s%s%s",
			 want[0] ? ", " : "", r->sub, r->sub_is_key ? "=" : "");
	}
	scn_perr(p, "unknown expectation '%s' (want %s)", toks[1], want);
}

/*
 * The language.  Messages name a row by .name (default: "cmd sub"); the
 * order of the expect forms is the order "unknown expectation" lists them.
 */
/* clang-format off */
const struct cmd_spec scn_cmds[] = {
	/* TD set-up */
	{.cmd = "vm", .kind = SCN_VM, .where = W_FIRST, .check = check_vm,
	 .keys = KEYS(
		{.name = "mem", .type = V_SIZE, .required = true, TO_U64(mem)},
		{.name = "vcpus", .type = V_NUM, .def = 1, TO_INT(nr_vcpus)},
		{.name = "max_level", .type = V_LEVEL, .levels = LV_TO_1G, .def = PG_LEVEL_2M, TO_INT(max_level)},
		K_CHOICE("module", modules, module, TDX_MODULE_1_5, SCN_V1),
		K_ON_OFF("dpamt", dpamt, SCN_V1),
		K_ON_OFF("demote_interruptible", demote_interruptible, SCN_V1),
		{.name = "seed", .type = V_NUM, TO_U64(seed)},
		K_CHOICE("policy", policies, policy, TDX_POLICY_UPSTREAM, SCN_EXT),
		K_ON_OFF("track_batch", track_batch, SCN_EXT),
		K_ON_OFF("promote", promote, SCN_V2),
		K_CHOICE("split_lock", split_locks, split_lock, KVM_SPLIT_LOCK_EXCLUSIVE, SCN_V2),
		{.name = "slots", .type = V_TEXT, .origin = SCN_EXT}, /* check_vm */
		{.name = "inhibit_precheck", .type = V_CHOICE, .choices = on_off_negated, .origin = SCN_EXT,
		 TO_BOOL(no_inhibit_precheck)})},
	{.cmd = "add", .kind = SCN_ADD, .where = W_SETUP, .geo = {.extent = E_SIZE},
	 .keys = KEYS(K_GPA, {.name = "size", .type = V_SIZE, .def = PAGE_SIZE, TO_U64(size)})},
	{.cmd = "finalize", .kind = SCN_FINALIZE, .ends_setup = true},

	/* The guest and the host, through the MMU */
	{.cmd = "accept", .kind = SCN_ACCEPT, .thread = true, .geo = {.extent = E_LEVEL, .align_level = true},
	 .keys = KEYS(K_GPA, K_LEVEL(LV_4K_2M, true), K_VCPU)},
	/* parallel runs on every vCPU: naming one would be meaningless. */
	{.cmd = "accept_memory", .kind = SCN_ACCEPT_MEMORY, .origin = SCN_EXT, .geo = {.extent = E_SIZE},
	 .keys = KEYS(K_GPA, K_SIZE, K_VCPU,
		{.name = "parallel", .type = V_FLAG, .excludes = "vcpu", TO_BOOL(parallel)})},
	{.cmd = "access", .kind = SCN_ACCESS, .thread = true, .geo = {.extent = E_PAGE},
	 .keys = KEYS(K_GPA, K_FLAG("shared", shared), K_FLAG("write", write), K_VCPU)},
	{.cmd = "convert", .kind = SCN_CONVERT, .thread = true, .geo = {.extent = E_SIZE},
	 .keys = KEYS(K_GPA, K_SIZE,
		{.name = "to", .type = V_CHOICE, .required = true, .choices = to_kinds, TO_BOOL(to_private)})},
	{.cmd = "punch", .kind = SCN_PUNCH, .thread = true, .geo = {.extent = E_SIZE},
	 .keys = KEYS(K_GPA, K_SIZE)},
	{.cmd = "split", .kind = SCN_SPLIT, .thread = true, .geo = {.extent = E_SIZE},
	 .keys = KEYS(K_GPA, K_SIZE, K_LEVEL(LV_4K_2M, true))},
	{.cmd = "promote", .kind = SCN_PROMOTE, .origin = SCN_V2, .thread = true, .geo = {.extent = E_SIZE},
	 .keys = KEYS(K_GPA, K_SIZE)},

	/* Raw TDX module access (bypasses the MMU) */
	{.cmd = "seamcall", .kind = SCN_SEAMCALL,
	 .pos = {.type = P_LEAF, .leaves = SEAMCALL_LEAVES, .def_leaf = TDH_MEM_TRACK},
	 .geo = {.extent = E_LEVEL, .align_level = true, .level_gates = true, .sept = true},
	 .keys = KEYS({.name = "gpa", .type = V_ADDR, TO_U64(gpa)},
		{.name = "level", .type = V_LEVEL, .levels = LV_ALL, .def = PG_LEVEL_4K, TO_INT(level)},
		{.name = "allow_existing", .type = V_FLAG, .only_leaf = TDH_MEM_SEPT_ADD + 1, TO_BOOL(allow_existing)})},
	{.cmd = "tdcall", .kind = SCN_TDCALL,
	 .pos = {.type = P_LEAF, .leaves = LEAF(TDG_MEM_PAGE_ACCEPT), .def_leaf = TDG_MEM_PAGE_ACCEPT,
		 .unknown_hint = " (want TDG.MEM.PAGE.ACCEPT)"},
	 .geo = {.extent = E_LEVEL, .align_level = true, .level_gates = true, .sept = true},
	 .keys = KEYS(K_GPA, K_LEVEL(LV_ALL, true), K_VCPU)},
	{.cmd = "vcpu", .kind = SCN_VCPU_ENTER, .parse = parse_vcpu},

	/* Faults on purpose */
	{.cmd = "inject", .sub = "alloc", .name = "inject alloc fail", .kind = SCN_INJECT_ALLOC,
	 .pos = {.type = P_WORD, .word = "fail"}, .usage = "usage: inject alloc fail [count=N] [after=K]",
	 .keys = KEYS(K_COUNT_AFTER)},
	/* Any leaf the model counts; the contract names the SEAMCALLs and ACCEPT. */
	{.cmd = "inject", .kind = SCN_INJECT,
	 .pos = {.type = P_LEAF, .missing_hint = " (a leaf name or 'alloc fail')"},
	 .keys = KEYS({.name = "status", .type = V_STATUS, .required = true, TO_STATUS(status)}, K_COUNT_AFTER)},

	/* Checks and expectations */
	{.cmd = "check", .kind = SCN_CHECK},
	{.cmd = "stats", .kind = SCN_STATS},
	{.cmd = "expect", .sub = "status", .sub_is_key = true, .kind = SCN_EXPECT_STATUS, .thread = true,
	 .keys = KEYS({.name = "status", .type = V_STATUS_ANY, .required = true, TO_STATUS(status)})},
	{.cmd = "expect", .sub = "exit", .sub_is_key = true, .kind = SCN_EXPECT_EXIT,
	 .keys = KEYS({.name = "exit", .type = V_CHOICE, .required = true, .choices = exit_kinds},
		{.name = "req_level", .type = V_LEVEL, .required = true, .levels = LV_ALL, TO_INT(req_level)},
		{.name = "err_level", .type = V_LEVEL, .required = true, .levels = LV_ALL, TO_INT(err_level)},
		{.name = "err_state", .type = V_STATE, .required = true, TO_INT(err_state)})},
	{.cmd = "expect", .sub = "rc", .sub_is_key = true, .kind = SCN_EXPECT_RC, .thread = true,
	 .keys = KEYS({.name = "rc", .type = V_RC, .required = true, TO_INT(rc)})},
	/* v2 5.1: an observation takes any 4K address inside the entry. */
	{.cmd = "expect", .sub = "sept", .kind = SCN_EXPECT_SEPT,
	 .geo = {.extent = E_PAGE, .level_gates = true, .sept = true},
	 .keys = KEYS(K_GPA, K_LEVEL(LV_ALL, true),
		{.name = "state", .type = V_STATE, .required = true, TO_INT(state)})},
	{.cmd = "expect", .sub = "mirror", .kind = SCN_EXPECT_MIRROR, .check = check_expect_mirror,
	 .geo = {.extent = E_PAGE, .level_gates = true},
	 .keys = KEYS(K_GPA, K_LEVEL(LV_TO_1G, false), K_FLAG("absent", absent))},
	{.cmd = "expect", .sub = "count", .kind = SCN_EXPECT_COUNT, .parse = parse_expect_count},
	{.cmd = "expect", .parse = parse_expect_unknown},
};
/* clang-format on */
const size_t scn_nr_cmds = ARRAY_SIZE(scn_cmds);
