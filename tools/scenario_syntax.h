/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The scenario language as data (private to the parser): one row per
 * command form, with its positional argument, its key=value specs, where it
 * may appear, which address rules apply and where each value goes in
 * struct scn_cmd.  tools/scenario_cmds.c holds the table and the few hooks;
 * tools/scenario_parse.c is the one routine that reads a line against it.
 * A new command or key is a row here, not a new parser.
 */
#ifndef TDPMMU_TOOLS_SCENARIO_SYNTAX_H
#define TDPMMU_TOOLS_SCENARIO_SYNTAX_H

#include <stddef.h>

#include "scenario.h"

/* The most keys one command form has (a row with more is refused by the tests). */
#define SCN_MAX_KEYS 16
#define SCN_MAX_VCPUS 1024

#define LV(l) (1u << (l))
#define LV_4K_2M (LV(PG_LEVEL_4K) | LV(PG_LEVEL_2M))
#define LV_TO_1G (LV_4K_2M | LV(PG_LEVEL_1G))
#define LV_ALL (LV_TO_1G | LV(PG_LEVEL_512G))

/* Where an item comes from (docs/SCENARIO-LANGUAGE.md marks [v2] and [ext]). */
enum scn_origin {
	SCN_V1, /* the contract's §1-4 */
	SCN_V2, /* the contract's §5 */
	SCN_EXT, /* this project's extension */
};

enum vtype {
	V_ADDR, /* number, K/M/G/T suffix allowed */
	V_SIZE, /* same, positive multiple of 4K */
	V_NUM, /* plain number */
	V_VCPU, /* plain number, below the vm's vcpus (checked after the address rules) */
	V_LEVEL, /* 4K/2M/1G/512G restricted by .levels */
	V_CHOICE, /* one of .choices: its .val */
	V_STATUS, /* module status: name[|operand] or 64-bit number */
	V_STATUS_ANY, /* same, or OK/VE/EXIT_MEMORY_FAULT/EIO/EXIT_EPT_VIOLATION */
	V_RC,
	V_STATE,
	V_FLAG,
	V_TEXT, /* the raw value, checked by the row's hook (str in struct kv) */
};

/* How a parsed value is written into struct scn_cmd (offsetof + width). */
enum vstore { S_NONE, S_U64, S_INT, S_BOOL, S_STATUS };

struct choice {
	const char *name;
	int val;
};

struct key_spec {
	const char *name;
	enum vtype type;
	bool required;
	enum scn_origin origin;
	unsigned levels; /* V_LEVEL: allowed levels */
	const struct choice *choices; /* V_CHOICE, ends with {NULL} */
	enum vstore store;
	size_t off; /* in struct scn_cmd */
	u64 def; /* stored when the key is not given (or its value is bad) */
	u64 min; /* "KEY must be at least MIN" (0: no minimum) */
	const char *excludes; /* another key of the row that may not be given with this one */
	int only_leaf; /* a flag valid only with this leaf + 1 (0: any) */
};

/* The type-checked destination of a key: TO(gpa, S_U64, u64). */
#define SCN_FIELD_CHECK(m, T) \
	(0 * sizeof(char[sizeof(((struct scn_cmd *)0)->m) == sizeof(T) ? 1 : -1]))
#define TO(m, s, T) .store = (s), .off = offsetof(struct scn_cmd, m) + SCN_FIELD_CHECK(m, T)
#define TO_U64(m) TO(m, S_U64, u64)
#define TO_INT(m) TO(m, S_INT, int)
#define TO_BOOL(m) TO(m, S_BOOL, bool)
#define TO_STATUS(m) TO(m, S_STATUS, struct scn_status)

enum scn_where {
	W_ANY,
	W_FIRST, /* the first command, once */
	W_SETUP, /* before the first command that ends set-up (finalize) */
};

/* The address rules of a command with a `gpa`: alignment and range. */
enum scn_extent {
	E_NONE, /* no gpa rules */
	E_PAGE, /* [gpa, gpa+4K) */
	E_SIZE, /* [gpa, gpa+size) */
	E_LEVEL, /* the entry at `level` */
};

struct scn_geometry {
	enum scn_extent extent;
	bool align_level; /* gpa aligned to `level` (else to 4K) */
	bool level_gates; /* a bad or missing `level` skips every gpa rule */
	bool sept; /* bound by the 48-bit S-EPT, not by [0, mem) and the memslots */
};

enum scn_pos { P_NONE, P_LEAF, P_WORD };

struct parser;
struct kv;
struct cmd_spec;

/* Runs after the keys and the section rule, before the address rules. */
typedef void (*scn_check_fn)(struct parser *p, struct scn_cmd *c, const struct cmd_spec *row,
			     const struct kv *kv);
/* A command parsed wholly by hand: toks[0] is the command. */
typedef void (*scn_parse_fn)(struct parser *p, struct scn_cmd *c, char **toks, int n);

struct cmd_spec {
	const char *cmd; /* first token */
	/*
	 * Second token that selects this form: a word (`expect sept`), or,
	 * with .sub_is_key, the key of a key=value (`expect status=`).  The
	 * row of a command without .sub takes what no other form matches.
	 */
	const char *sub;
	bool sub_is_key;
	const char *name; /* in messages (default: cmd [sub]) */
	enum scn_kind kind;
	enum scn_origin origin;
	enum scn_where where;
	bool ends_setup; /* W_SETUP commands are refused after this one */
	bool thread; /* takes thread=N (tdpmmu explore) */
	struct {
		enum scn_pos type;
		const char *word; /* P_WORD: must follow, else .usage */
		u32 leaves; /* P_LEAF: allowed leaves, 0: any */
		int def_leaf; /* P_LEAF: c->leaf when missing or bad */
		const char *missing_hint, *unknown_hint; /* appended to the messages */
	} pos;
	const char *usage;
	struct scn_geometry geo;
	const struct key_spec *keys; /* ends with {NULL} */
	scn_check_fn check;
	scn_parse_fn parse;
};

/* The parser's state: what later lines are checked against. */
struct parser {
	struct scenario *scn;
	int line;
	bool any_cmd; /* a command was seen */
	int first_line; /* line of the (first, valid-position) W_FIRST command, 0 if none */
	bool mem_known, vcpus_known;
	u64 mem;
	int nr_vcpus;
	int finalize_line;
	bool line_failed; /* an error was reported for this line */
	bool too_many; /* SCN_MAX_CMDS reached (reported once) */
	int nr_memslots; /* vm slots=: MMU-level ranges must lie in one */
	struct kvm_memslot_range memslots[KVM_MAX_MEMSLOTS];
};

struct kv {
	bool given, ok;
	u64 num;
	int ival;
	struct scn_status st;
	const char *str; /* V_TEXT */
};

/* tools/scenario_cmds.c */
extern const struct cmd_spec scn_cmds[];
extern const size_t scn_nr_cmds;
/* `expect count NAME=N`: the counters besides the leaf names. */
struct scn_counter_name {
	const char *name;
	enum scn_counter counter;
	enum scn_origin origin;
};
extern const struct scn_counter_name scn_counter_names[];
extern const size_t scn_nr_counter_names;

/* tools/scenario_parse.c, for the hooks */
__attribute__((format(printf, 2, 3))) void scn_perr(struct parser *p, const char *fmt, ...);
/* The value of @row's key @name (it must exist). */
const struct kv *scn_kv(const struct cmd_spec *row, const struct kv *kv, const char *name);
/* Given and parsed, or not given and optional. */
bool scn_key_good(const struct cmd_spec *row, const struct kv *kv, const char *name);
void scn_check_vcpu(struct parser *p, const struct kv *kv, int *vcpu);

#endif /* TDPMMU_TOOLS_SCENARIO_SYNTAX_H */
