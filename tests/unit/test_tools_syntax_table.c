// SPDX-License-Identifier: GPL-2.0-only
/*
 * The parser's table of commands (tools/scenario_cmds.c) is well formed and
 * documented: every row, key and counter is in docs/SCENARIO-LANGUAGE.md,
 * with its [ext] / [v2] mark, so adding a row without its documentation
 * fails here.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "scenario_syntax.h"

static char *doc;

static int load_doc(void **state)
{
	FILE *f = fopen(TDPMMU_SOURCE_DIR "/docs/SCENARIO-LANGUAGE.md", "r");
	size_t len = 0;

	(void)state;
	if (!f)
		return -1;
	doc = malloc(1 << 20);
	if (doc)
		len = fread(doc, 1, (1 << 20) - 1, f);
	fclose(f);
	if (!doc)
		return -1;
	doc[len] = 0;
	return 0;
}

static int free_doc(void **state)
{
	(void)state;
	free(doc);
	return 0;
}

/* @item (already backquoted or followed by '=') is in the doc, with its origin mark. */
static void want_doc(const char *item, enum scn_origin origin)
{
	char mark[160];

	if (!strstr(doc, item))
		fail_msg("docs/SCENARIO-LANGUAGE.md does not mention %s", item);
	if (origin == SCN_V1)
		return;
	snprintf(mark, sizeof(mark), "%s %s", item, origin == SCN_EXT ? "[ext]" : "[v2");
	if (!strstr(doc, mark))
		fail_msg("docs/SCENARIO-LANGUAGE.md does not mark %s as %s", item,
			 origin == SCN_EXT ? "[ext]" : "[v2]");
}

static void test_rows_well_formed(void **state)
{
	(void)state;
	for (size_t i = 0; i < scn_nr_cmds; i++) {
		const struct cmd_spec *row = &scn_cmds[i];
		int n = 0;

		assert_non_null(row->cmd);
		/* Exactly one of: a hook that parses the line, or keys/positional/no args. */
		if (row->parse)
			assert_null(row->keys);
		for (n = 0; row->keys && row->keys[n].name; n++) {
			const struct key_spec *k = &row->keys[n];

			for (int j = 0; j < n; j++)
				assert_string_not_equal(row->keys[j].name, k->name);
			assert_true(k->off < sizeof(struct scn_cmd));
			if (k->type == V_CHOICE)
				assert_non_null(k->choices);
			if (k->type == V_LEVEL)
				assert_true(k->levels != 0);
			if (k->excludes)
				assert_non_null(scn_kv(row, (const struct kv[SCN_MAX_KEYS]){0},
						       k->excludes));
		}
		/* parse_keys() holds SCN_MAX_KEYS values. */
		assert_true(n <= SCN_MAX_KEYS);
		if (row->geo.extent != E_NONE) {
			int g = -1;

			for (int j = 0; j < n; j++)
				if (!strcmp(row->keys[j].name, "gpa"))
					g = j;
			assert_true(g >= 0);
		}
		if (row->pos.type == P_WORD)
			assert_non_null(row->usage);
		/* A plain row after a form of the same command would never be reached. */
		for (size_t j = 0; j < i && !row->sub; j++)
			if (!strcmp(scn_cmds[j].cmd, row->cmd))
				assert_non_null(scn_cmds[j].sub);
	}
}

static void test_rows_documented(void **state)
{
	char item[160];

	(void)state;
	for (size_t i = 0; i < scn_nr_cmds; i++) {
		const struct cmd_spec *row = &scn_cmds[i];

		if (row->name)
			snprintf(item, sizeof(item), "`%s", row->name);
		else if (row->sub)
			snprintf(item, sizeof(item), "`%s %s%s", row->cmd, row->sub,
				 row->sub_is_key ? "=" : "");
		else
			snprintf(item, sizeof(item), "`%s", row->cmd);
		want_doc(item, SCN_V1);
		if (row->origin != SCN_V1) {
			snprintf(item, sizeof(item), "`%s`", row->cmd);
			want_doc(item, row->origin);
		}
		for (int k = 0; row->keys && row->keys[k].name; k++) {
			const struct key_spec *ks = &row->keys[k];

			/* `KEY` in a table or the text, or KEY=VALUE in a synopsis. */
			snprintf(item, sizeof(item), "%s=", ks->name);
			if (ks->origin == SCN_V1 && strstr(doc, item))
				continue;
			snprintf(item, sizeof(item), "`%s`", ks->name);
			want_doc(item, ks->origin);
		}
	}
	for (size_t i = 0; i < scn_nr_counter_names; i++) {
		snprintf(item, sizeof(item), "`%s`", scn_counter_names[i].name);
		want_doc(item, scn_counter_names[i].origin);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rows_well_formed),
		cmocka_unit_test(test_rows_documented),
	};

	return cmocka_run_group_tests(tests, load_doc, free_doc);
}
