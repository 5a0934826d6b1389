// SPDX-License-Identifier: GPL-2.0-only
/*
 * The JSON report against docs/schema/run-report.schema.json.  No
 * maintained JSON Schema validator is packaged for C in Debian, so this
 * test checks the keywords the schema uses (type, enum, required,
 * properties, additionalProperties, items, minimum, $ref into $defs) with
 * jansson, and refuses a schema that uses any other.  Reports of a passing
 * run, a failing run (failed expectation and check) and a bugged VM.
 */
#include <jansson.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "report.h"
#include "scenario.h"
#include "tdpmmu/mmu.h"

static json_t *schema;

static bool type_is(const json_t *v, const char *t)
{
	if (!strcmp(t, "object"))
		return json_is_object(v);
	if (!strcmp(t, "array"))
		return json_is_array(v);
	if (!strcmp(t, "string"))
		return json_is_string(v);
	if (!strcmp(t, "integer"))
		return json_is_integer(v);
	if (!strcmp(t, "number"))
		return json_is_number(v);
	if (!strcmp(t, "boolean"))
		return json_is_boolean(v);
	if (!strcmp(t, "null"))
		return json_is_null(v);
	fail_msg("schema: unknown type '%s'", t);
	return false;
}

/* 0 if @v is valid against @s; else prints the path and returns -1. */
static int validate(const json_t *v, const json_t *s, const char *path)
{
	const char *key;
	json_t *k;
	char sub[512];

	json_object_foreach((json_t *)s, key, k)
	{
		static const char *const known[] = {
			"$schema", "$id",      "title",	     "description",	     "type",
			"enum",	   "required", "properties", "additionalProperties", "items",
			"minimum", "$ref",     "$defs"};
		bool ok = false;

		for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
			ok |= !strcmp(key, known[i]);
		if (!ok)
			fail_msg("schema keyword '%s' at %s is not checked by this test", key,
				 path);
	}
	if ((k = json_object_get(s, "$ref"))) {
		const char *ref = json_string_value(k);

		assert_non_null(ref);
		assert_int_equal(strncmp(ref, "#/$defs/", 8), 0);
		return validate(v, json_object_get(json_object_get(schema, "$defs"), ref + 8),
				path);
	}
	if ((k = json_object_get(s, "type"))) {
		bool ok = false;

		if (json_is_string(k)) {
			ok = type_is(v, json_string_value(k));
		} else {
			size_t i;
			json_t *t;

			json_array_foreach(k, i, t) ok |= type_is(v, json_string_value(t));
		}
		if (!ok) {
			print_error("%s: wrong type\n", path);
			return -1;
		}
	}
	if ((k = json_object_get(s, "enum"))) {
		bool ok = false;
		size_t i;
		json_t *e;

		json_array_foreach(k, i, e) ok |= json_equal(e, (json_t *)v);
		if (!ok) {
			print_error("%s: not one of the enum\n", path);
			return -1;
		}
	}
	if ((k = json_object_get(s, "minimum")) && json_is_number(v) &&
	    json_number_value(v) < json_number_value(k)) {
		print_error("%s: below the minimum\n", path);
		return -1;
	}
	if (json_is_object(v)) {
		json_t *props = json_object_get(s, "properties"), *add, *m;
		size_t i;

		json_array_foreach(json_object_get(s, "required"), i,
				   m) if (!json_object_get(v, json_string_value(m)))
		{
			print_error("%s: missing member '%s'\n", path, json_string_value(m));
			return -1;
		}
		add = json_object_get(s, "additionalProperties");
		json_object_foreach((json_t *)v, key, m)
		{
			json_t *ps = props ? json_object_get(props, key) : NULL;

			snprintf(sub, sizeof(sub), "%s.%s", path, key);
			if (!ps && json_is_false(add)) {
				print_error("%s: member not allowed\n", sub);
				return -1;
			}
			if (!ps && json_is_object(add))
				ps = add;
			if (ps && validate(m, ps, sub))
				return -1;
		}
	}
	if (json_is_array(v) && (k = json_object_get(s, "items"))) {
		size_t i;
		json_t *e;

		json_array_foreach(v, i, e)
		{
			snprintf(sub, sizeof(sub), "%s[%zu]", path, i);
			if (validate(e, k, sub))
				return -1;
		}
	}
	return 0;
}

/* Run @text and return its JSON report. */
static json_t *report_of(const char *text)
{
	struct scenario scn;
	struct scn_result res;
	struct scn_run_opts ro;
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len), *null = fopen("/dev/null", "w");
	json_error_t err;
	json_t *doc;
	int rc;

	assert_non_null(out);
	assert_non_null(null);
	ro = (struct scn_run_opts){.out = null, .err = null, .timeline = true};
	assert_int_equal(scenario_parse("s.tdp", text, strlen(text), &scn), 0);
	kvm_mmu_register_thread();
	rc = scenario_run(&scn, &ro, &res);
	kvm_mmu_unregister_thread();
	assert_int_equal(report_json(out, scn.file, &res, rc), 0);
	fclose(out);
	fclose(null);
	scn_result_free(&res);
	scenario_free(&scn);
	doc = json_loads(buf, 0, &err);
	free(buf);
	assert_non_null(doc);
	return doc;
}

static void test_pass(void **state)
{
	json_t *doc = report_of("vm mem=32M vcpus=2 policy=recover track_batch=on seed=7\n"
				"finalize\n"
				"accept gpa=0x200000 level=2M vcpu=1\n"
				"check\n");

	(void)state;
	assert_int_equal(validate(doc, schema, "$"), 0);
	assert_true(json_is_false(json_object_get(doc, "vm_bugged")));
	assert_int_equal(json_array_size(json_object_get(doc, "failed")), 0);
	assert_null(json_object_get(doc, "bugged"));
	assert_int_equal(
		json_integer_value(json_object_get(json_object_get(doc, "config"), "seed")), 7);
	assert_string_equal(
		json_string_value(json_object_get(json_object_get(doc, "config"), "policy")),
		"recover");
	json_decref(doc);
}

static void test_failed(void **state)
{
	json_t *doc = report_of("vm mem=32M\n"
				"finalize\n"
				"access gpa=0x200000\n"
				"expect status=OK\n"
				"seamcall TDH.MEM.SEPT.ADD gpa=1T level=512G\n"
				"check\n"
				"expect count splits=3\n");
	json_t *failed = json_object_get(doc, "failed"), *f;

	(void)state;
	assert_int_equal(validate(doc, schema, "$"), 0);
	assert_int_equal(json_array_size(failed), 3);
	f = json_array_get(failed, 0);
	assert_int_equal(json_integer_value(json_object_get(f, "line")), 4);
	assert_string_equal(json_string_value(json_object_get(f, "want")), "status=OK");
	assert_string_equal(json_string_value(json_object_get(f, "got")), "VE");
	f = json_array_get(failed, 1);
	assert_int_equal(json_integer_value(json_object_get(f, "line")), 6);
	assert_string_equal(json_string_value(json_object_get(f, "want")), "check");
	f = json_array_get(failed, 2);
	assert_int_equal(json_integer_value(json_object_get(f, "line")), 7);
	assert_string_equal(json_string_value(json_object_get(f, "got")), "0");
	json_decref(doc);
}

static void test_bugged(void **state)
{
	/* upstream policy: a DEMOTE that stays BUSY after the kick bugs the VM. */
	json_t *doc = report_of("vm mem=32M vcpus=1\n"
				"finalize\n"
				"access gpa=0x200000\n"
				"inject TDH.MEM.PAGE.DEMOTE status=TDX_OPERAND_BUSY|RCX count=2\n"
				"accept gpa=0x201000 level=4K\n"
				"expect count vm_bugged=1\n");
	json_t *b = json_object_get(doc, "bugged");

	(void)state;
	assert_int_equal(validate(doc, schema, "$"), 0);
	assert_true(json_is_true(json_object_get(doc, "vm_bugged")));
	assert_non_null(b);
	assert_int_equal(json_integer_value(json_object_get(b, "line")), 5);
	assert_string_equal(json_string_value(json_object_get(b, "leaf")), "TDH.MEM.PAGE.DEMOTE");
	assert_string_equal(json_string_value(json_object_get(b, "status")),
			    "TDX_OPERAND_BUSY|RCX");
	assert_int_equal(json_integer_value(json_object_get(b, "gfn")), 0x200);
	assert_string_equal(json_string_value(json_object_get(b, "level")), "2M");
	assert_string_equal(json_string_value(json_object_get(b, "reason")),
			    "split_external_spt failed");
	json_decref(doc);
}

/* The validator bites: wrong types and missing members are refused. */
static void test_schema_refuses(void **state)
{
	json_t *doc = report_of("vm mem=32M\nfinalize\n");

	(void)state;
	assert_int_equal(validate(doc, schema, "$"), 0);
	json_object_set_new(doc, "vm_bugged", json_integer(0));
	assert_int_equal(validate(doc, schema, "$"), -1);
	json_object_set_new(doc, "vm_bugged", json_false());
	json_object_del(json_object_get(doc, "config"), "split_lock");
	assert_int_equal(validate(doc, schema, "$"), -1);
	json_decref(doc);
}

static int load_schema(void **state)
{
	json_error_t err;

	(void)state;
	schema = json_load_file(TDPMMU_SOURCE_DIR "/docs/schema/run-report.schema.json", 0, &err);
	if (!schema)
		fprintf(stderr, "schema: %s:%d: %s\n", err.source, err.line, err.text);
	return schema ? 0 : -1;
}

static int free_schema(void **state)
{
	(void)state;
	json_decref(schema);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pass),
		cmocka_unit_test(test_failed),
		cmocka_unit_test(test_bugged),
		cmocka_unit_test(test_schema_refuses),
	};

	return cmocka_run_group_tests(tests, load_schema, free_schema);
}
