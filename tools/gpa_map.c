// SPDX-License-Identifier: GPL-2.0-only
/*
 * The guest physical address space as a picture (cairo: SVG or PNG).
 * Rows of equal GPA span, painted bottom-up: private and unmapped, then
 * shared (attributes), then punched holes, then every S-EPT leaf by level
 * and state, so what is mapped now always shows.  The S-EPT is read, not
 * the mirror: it is what the TD runs on and it knows PENDING from accepted.
 */
#include <cairo-svg.h>
#include <cairo.h>
#include <stdio.h>
#include <string.h>

#include "gpa_map.h"
#include "tdpmmu/tdxmod.h"
#include "tdpmmu/vm.h"
#include "tdpmmu/vm_inspect.h"

/* Not grey (but the unmapped background): text's antialiasing makes greys. */
const struct gpa_map_colour gpa_map_colours[NR_GPA_MAP_KINDS] = {
	[GPA_MAP_UNMAPPED] = {0xe6, 0xe6, 0xe6, "private, not mapped"},
	[GPA_MAP_PUNCHED] = {0x5c, 0x3a, 0x21, "punched (no backing)"},
	[GPA_MAP_SHARED] = {0xff, 0xa5, 0x00, "shared"},
	[GPA_MAP_4K_ACCEPTED] = {0x1f, 0x4e, 0xc8, "private 4K, accepted"},
	[GPA_MAP_4K_PENDING] = {0x9d, 0xb8, 0xf2, "private 4K, pending"},
	[GPA_MAP_2M_ACCEPTED] = {0x1a, 0x8f, 0x3c, "private 2M, accepted"},
	[GPA_MAP_2M_PENDING] = {0x9c, 0xe0, 0xae, "private 2M, pending"},
	[GPA_MAP_1G_ACCEPTED] = {0x8e, 0x2c, 0xb0, "private 1G, accepted"},
	[GPA_MAP_1G_PENDING] = {0xd9, 0xa6, 0xe8, "private 1G, pending"},
};

#define MAP_LEFT 112 /* GPA labels */
#define MAP_BAR_W 1024 /* a 2M row: 2 pixels per 4K page */
#define MAP_RIGHT 24
#define MAP_TOP 64 /* title and the offset axis */
#define MAP_ROW_H 22
#define MAP_ROW_GAP 6
#define MAP_MAX_ROWS 16
#define MAP_LEGEND_H 92

struct gpa_map {
	cairo_t *cr;
	u64 mem, row_span;
	int rows;
};

static u64 map_row_span(u64 mem)
{
	u64 span = 2ULL << 20;

	while (span < (1ULL << 62) && (mem + span - 1) / span > MAP_MAX_ROWS)
		span <<= 1;
	return span;
}

void gpa_map_dimensions(u64 mem, int *width, int *height)
{
	u64 span = map_row_span(mem);
	int rows = (int)((mem + span - 1) / span);

	if (rows < 1)
		rows = 1;
	*width = MAP_LEFT + MAP_BAR_W + MAP_RIGHT;
	*height = MAP_TOP + rows * (MAP_ROW_H + MAP_ROW_GAP) + MAP_LEGEND_H;
}

static bool ends_with(const char *s, const char *sfx)
{
	size_t n = strlen(s), m = strlen(sfx);

	return n > m && !strcmp(s + n - m, sfx);
}

bool gpa_map_format_ok(const char *path)
{
	return ends_with(path, ".svg") || ends_with(path, ".png");
}

static void set_colour(cairo_t *cr, enum gpa_map_kind k)
{
	const struct gpa_map_colour *c = &gpa_map_colours[k];

	cairo_set_source_rgb(cr, c->r / 255.0, c->g / 255.0, c->b / 255.0);
}

/* Paint [gpa, gpa + size) (clipped to mem) across the rows it spans. */
static void map_fill(struct gpa_map *m, gpa_t gpa, u64 size, enum gpa_map_kind k)
{
	u64 end = gpa + size;

	if (gpa >= m->mem)
		return;
	if (end > m->mem || end < gpa)
		end = m->mem;
	set_colour(m->cr, k);
	while (gpa < end) {
		u64 row = gpa / m->row_span, row_end = (row + 1) * m->row_span;
		u64 e = end < row_end ? end : row_end;
		double x0 = MAP_LEFT + (double)(gpa - row * m->row_span) * MAP_BAR_W / m->row_span;
		double x1 = MAP_LEFT + (double)(e - row * m->row_span) * MAP_BAR_W / m->row_span;

		cairo_rectangle(m->cr, x0, MAP_TOP + (double)row * (MAP_ROW_H + MAP_ROW_GAP),
				x1 - x0, MAP_ROW_H);
		cairo_fill(m->cr);
		gpa = e;
	}
}

static void map_fill_shared(struct gpa_map *m, struct kvm *kvm)
{
	gfn_t nr = m->mem >> PAGE_SHIFT, run = 0;
	bool in_run = false;

	/* Whole 2M blocks first: a TD is mostly all private or all shared there. */
	for (gfn_t g = 0; g < nr;) {
		gfn_t blk = g + 512 <= nr && !(g % 512) ? 512 : 1;
		u64 n = kvm_count_shared_gfns(kvm, g, g + blk);

		if (blk == 512 && n && n != 512) {
			blk = 1;
			n = kvm_count_shared_gfns(kvm, g, g + 1);
		}
		if (n && !in_run) {
			run = g;
			in_run = true;
		} else if (!n && in_run) {
			map_fill(m, run << PAGE_SHIFT, (g - run) << PAGE_SHIFT, GPA_MAP_SHARED);
			in_run = false;
		}
		g += blk;
	}
	if (in_run)
		map_fill(m, run << PAGE_SHIFT, (nr - run) << PAGE_SHIFT, GPA_MAP_SHARED);
}

static int map_sept_leaf(void *arg, gpa_t gpa, int tdx_level,
			 const struct tdxmod_sept_entry_info *info)
{
	static const enum gpa_map_kind acc[] = {GPA_MAP_4K_ACCEPTED, GPA_MAP_2M_ACCEPTED,
						GPA_MAP_1G_ACCEPTED};
	static const enum gpa_map_kind pend[] = {GPA_MAP_4K_PENDING, GPA_MAP_2M_PENDING,
						 GPA_MAP_1G_PENDING};
	struct gpa_map *m = arg;
	bool pending;

	if (!info->leaf || tdx_level > 2)
		return 0;
	switch (info->state) {
	case TDX_SEPT_PENDING:
	case TDX_SEPT_PENDING_BLOCKED:
		pending = true;
		break;
	case TDX_SEPT_MAPPED:
	case TDX_SEPT_BLOCKED:
		pending = false;
		break;
	default:
		return 0;
	}
	map_fill(m, gpa, level_size(tdx_level + 1), pending ? pend[tdx_level] : acc[tdx_level]);
	return 0;
}

/* "0x1e00000" style, the way addresses appear in scenarios and traces. */
static void map_text(cairo_t *cr, double x, double y, const char *s, bool right)
{
	cairo_text_extents_t ext;

	cairo_text_extents(cr, s, &ext);
	cairo_move_to(cr, right ? x - ext.x_advance : x, y);
	cairo_show_text(cr, s);
}

static void fmt_span(u64 b, char *buf, size_t len)
{
	static const char *const units[] = {"", "K", "M", "G", "T"};
	int u = 0;

	while (b >= 1024 && !(b % 1024) && u < 4) {
		b /= 1024;
		u++;
	}
	snprintf(buf, len, "%llu%s", (unsigned long long)b, units[u]);
}

static void map_axes(struct gpa_map *m, const char *title)
{
	cairo_t *cr = m->cr;
	char buf[64];

	cairo_select_font_face(cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_BOLD);
	cairo_set_font_size(cr, 14);
	cairo_set_source_rgb(cr, 0, 0, 0);
	map_text(cr, 8, 22, title, false);
	cairo_select_font_face(cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
	cairo_set_font_size(cr, 11);
	fmt_span(m->row_span, buf, sizeof(buf));
	map_text(cr, 8, 40, "GPA of each row's start; offset within the row (one row =", false);
	{
		char more[80];

		snprintf(more, sizeof(more), "%s) along the top", buf);
		cairo_text_extents_t ext;

		cairo_text_extents(
			cr, "GPA of each row's start; offset within the row (one row =", &ext);
		map_text(cr, 8 + ext.x_advance + 4, 40, more, false);
	}
	/* Offset ticks: eighths of a row. */
	for (int i = 0; i <= 8; i++) {
		double x = MAP_LEFT + (double)i * MAP_BAR_W / 8;

		snprintf(buf, sizeof(buf), "+0x%llx", (unsigned long long)(m->row_span / 8 * i));
		cairo_move_to(cr, x + 0.5, MAP_TOP - 8);
		cairo_line_to(cr, x + 0.5, MAP_TOP - 2);
		cairo_set_line_width(cr, 1);
		cairo_stroke(cr);
		cairo_text_extents_t ext;

		cairo_text_extents(cr, buf, &ext);
		cairo_move_to(cr,
			      i == 8 ? x - ext.x_advance
			      : i    ? x - ext.x_advance / 2
				     : x,
			      MAP_TOP - 11);
		cairo_show_text(cr, buf);
	}
	for (int r = 0; r < m->rows; r++) {
		snprintf(buf, sizeof(buf), "0x%llx", (unsigned long long)(r * m->row_span));
		map_text(cr, MAP_LEFT - 8, MAP_TOP + r * (MAP_ROW_H + MAP_ROW_GAP) + 15, buf, true);
	}
}

static void map_legend(struct gpa_map *m, int height)
{
	cairo_t *cr = m->cr;
	double y0 = height - MAP_LEGEND_H + 14;

	cairo_set_font_size(cr, 11);
	for (int k = 0; k < NR_GPA_MAP_KINDS; k++) {
		double x = MAP_LEFT + (k % 3) * 300.0, y = y0 + (k / 3) * 24.0;

		set_colour(cr, (enum gpa_map_kind)k);
		cairo_rectangle(cr, x, y, 28, 14);
		cairo_fill_preserve(cr);
		cairo_set_source_rgb(cr, 0.3, 0.3, 0.3);
		cairo_set_line_width(cr, 1);
		cairo_stroke(cr);
		cairo_set_source_rgb(cr, 0, 0, 0);
		map_text(cr, x + 36, y + 11, gpa_map_colours[k].label, false);
	}
}

int gpa_map_draw(struct kvm *kvm, const char *path, const char *title,
		 const struct gpa_map_range *punched, size_t nr_punched, const char **err)
{
	struct gpa_map m = {.mem = kvm_get_config(kvm)->mem};
	bool png = ends_with(path, ".png");
	cairo_surface_t *s;
	int w, h, ret = 0;

	m.row_span = map_row_span(m.mem);
	m.rows = (int)((m.mem + m.row_span - 1) / m.row_span);
	gpa_map_dimensions(m.mem, &w, &h);
	if (!gpa_map_format_ok(path)) {
		*err = "the name must end in .svg or .png";
		return -1;
	}
	s = png ? cairo_image_surface_create(CAIRO_FORMAT_RGB24, w, h)
		: cairo_svg_surface_create(path, w, h);
	if (cairo_surface_status(s) != CAIRO_STATUS_SUCCESS) {
		*err = cairo_status_to_string(cairo_surface_status(s));
		cairo_surface_destroy(s);
		return -1;
	}
	m.cr = cairo_create(s);
	cairo_set_source_rgb(m.cr, 1, 1, 1);
	cairo_paint(m.cr);
	/* Crisp edges: every range boundary falls on whole pixels in a 2M row. */
	cairo_set_antialias(m.cr, CAIRO_ANTIALIAS_NONE);

	map_fill(&m, 0, m.mem, GPA_MAP_UNMAPPED);
	map_fill_shared(&m, kvm);
	for (size_t i = 0; i < nr_punched; i++)
		map_fill(&m, punched[i].gpa, punched[i].size, GPA_MAP_PUNCHED);
	tdxmod_sept_for_each(kvm_tdx_td(kvm), map_sept_leaf, &m);

	cairo_set_antialias(m.cr, CAIRO_ANTIALIAS_DEFAULT);
	map_axes(&m, title);
	map_legend(&m, h);

	cairo_destroy(m.cr);
	cairo_surface_flush(s);
	if (png && cairo_surface_write_to_png(s, path) != CAIRO_STATUS_SUCCESS) {
		*err = "cannot write the PNG file";
		ret = -1;
	}
	cairo_surface_finish(s);
	if (!ret && cairo_surface_status(s) != CAIRO_STATUS_SUCCESS) {
		*err = cairo_status_to_string(cairo_surface_status(s));
		ret = -1;
	}
	cairo_surface_destroy(s);
	return ret;
}
