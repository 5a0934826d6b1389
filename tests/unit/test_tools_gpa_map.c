// SPDX-License-Identifier: GPL-2.0-only
/*
 * tdpmmu run --map: render a run's guest physical address space and read
 * it back.  The PNG must have the size the layout promises, show the
 * colour of every kind of range the run made (4K accepted, 2M pending,
 * shared, punched, unmapped) and none of the kinds it did not (1G).
 */
#include <cairo.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "test_tmpfile.h"

#include "gpa_map.h"
#include "scenario.h"
#include "tdpmmu/mmu.h"

/*
 * cairo's text goes through fontconfig, which keeps its caches until exit
 * by design: not a leak of ours.
 */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
	return "leak:libfontconfig.so\n";
}

static const char scenario_text[] = "vm mem=32M vcpus=1 max_level=2M\n"
				    "finalize\n"
				    "access gpa=0x800000\n" /* 2M PENDING */
				    "accept gpa=0x401000 level=4K\n" /* 4K accepted */
				    "convert gpa=0x1000000 size=2M to=shared\n"
				    "punch gpa=0x1400000 size=2M\n";

static void run_with_map(const char *path)
{
	struct scenario scn;
	struct scn_result res;
	struct scn_run_opts ro = {.out = stderr, .err = stderr, .map_path = path};

	assert_int_equal(scenario_parse("map.tdp", scenario_text, strlen(scenario_text), &scn), 0);
	kvm_mmu_register_thread();
	assert_int_equal(scenario_run(&scn, &ro, &res), 0);
	kvm_mmu_unregister_thread();
	assert_null(res.map_error);
	scn_result_free(&res);
	scenario_free(&scn);
}

static u64 count_colour(cairo_surface_t *s, enum gpa_map_kind k)
{
	const struct gpa_map_colour *c = &gpa_map_colours[k];
	int w = cairo_image_surface_get_width(s), h = cairo_image_surface_get_height(s);
	int stride = cairo_image_surface_get_stride(s);
	const unsigned char *d = cairo_image_surface_get_data(s);
	u32 want = ((u32)c->r << 16) | ((u32)c->g << 8) | c->b;
	u64 n = 0;

	for (int y = 0; y < h; y++)
		for (int x = 0; x < w; x++) {
			u32 px;

			memcpy(&px, d + (size_t)y * stride + (size_t)x * 4, 4);
			n += (px & 0xffffff) == want;
		}
	return n;
}

/* Pixels of one colour outside the legend (whose swatches show every kind). */
static u64 count_in_bars(cairo_surface_t *s, enum gpa_map_kind k, int legend_h)
{
	cairo_surface_t *bars;
	cairo_t *cr;
	u64 n;
	int w = cairo_image_surface_get_width(s), h = cairo_image_surface_get_height(s);

	bars = cairo_image_surface_create(CAIRO_FORMAT_RGB24, w, h - legend_h);
	cr = cairo_create(bars);
	cairo_set_source_surface(cr, s, 0, 0);
	cairo_paint(cr);
	cairo_destroy(cr);
	cairo_surface_flush(bars);
	n = count_colour(bars, k);
	cairo_surface_destroy(bars);
	return n;
}

static void test_png(void **state)
{
	char path[4096];
	cairo_surface_t *s;
	int fd, w, h;

	(void)state;
	fd = test_mkstemps(path, sizeof(path), "tdpmmu-map-XXXXXX.png", 4);
	assert_true(fd >= 0);
	close(fd);
	run_with_map(path);

	s = cairo_image_surface_create_from_png(path);
	assert_int_equal(cairo_surface_status(s), CAIRO_STATUS_SUCCESS);
	gpa_map_dimensions(32ULL << 20, &w, &h);
	assert_int_equal(cairo_image_surface_get_width(s), w);
	assert_int_equal(cairo_image_surface_get_height(s), h);

	/* 16 rows of 2M, 1024 pixels each: a 4K page is 2 x 22 pixels. */
	assert_int_equal(count_in_bars(s, GPA_MAP_4K_ACCEPTED, 92), 2 * 22);
	assert_int_equal(count_in_bars(s, GPA_MAP_2M_PENDING, 92), 1024 * 22);
	assert_int_equal(count_in_bars(s, GPA_MAP_SHARED, 92), 1024 * 22);
	assert_int_equal(count_in_bars(s, GPA_MAP_PUNCHED, 92), 1024 * 22);
	assert_true(count_in_bars(s, GPA_MAP_UNMAPPED, 92) > 10 * 1024 * 22);
	assert_int_equal(count_in_bars(s, GPA_MAP_1G_ACCEPTED, 92), 0);
	assert_int_equal(count_in_bars(s, GPA_MAP_1G_PENDING, 92), 0);
	assert_int_equal(count_in_bars(s, GPA_MAP_2M_ACCEPTED, 92), 0);
	/* The legend shows every kind. */
	for (int k = 0; k < NR_GPA_MAP_KINDS; k++)
		assert_true(count_colour(s, (enum gpa_map_kind)k) > 0);
	cairo_surface_destroy(s);
	unlink(path);
}

static void test_svg(void **state)
{
	char path[4096], head[512], want[64];
	FILE *f;
	size_t n;
	int fd, w, h;

	(void)state;
	fd = test_mkstemps(path, sizeof(path), "tdpmmu-map-XXXXXX.svg", 4);
	assert_true(fd >= 0);
	close(fd);
	run_with_map(path);
	f = fopen(path, "r");
	assert_non_null(f);
	n = fread(head, 1, sizeof(head) - 1, f);
	head[n] = 0;
	fclose(f);
	gpa_map_dimensions(32ULL << 20, &w, &h);
	snprintf(want, sizeof(want), "viewBox=\"0 0 %d %d\"", w, h);
	assert_non_null(strstr(head, "<svg"));
	assert_non_null(strstr(head, want));
	unlink(path);
}

static void test_format(void **state)
{
	(void)state;
	assert_true(gpa_map_format_ok("a.svg"));
	assert_true(gpa_map_format_ok("dir/a.png"));
	assert_false(gpa_map_format_ok("a.pdf"));
	assert_false(gpa_map_format_ok(".png"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_png),
		cmocka_unit_test(test_svg),
		cmocka_unit_test(test_format),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
