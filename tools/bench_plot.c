// SPDX-License-Identifier: GPL-2.0-only
/*
 * `tdpmmu bench --plot DIR`: one SVG per benchmark (DIR/bench-NAME.svg),
 * drawn with cairo from the benchmark's JSON result, so every benchmark
 * gets a picture without a plot written for each:
 *
 * - configurations measured side by side ("4K" and "2M", "scattered_4K"
 *   and "one_range...") become grouped horizontal bars, one colour per
 *   configuration, on a log scale (counts and times span decades);
 * - an array of records (TD sizes, K spread leaves) becomes lines of every
 *   numeric column against the first, log-log;
 * - otherwise the benchmark's numbers are plain bars.
 *
 * A statistic {min, median, max} is drawn at its median with a min..max
 * whisker.
 */
#include <cairo-svg.h>
#include <cairo.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "bench.h"

#define PLOT_W 960
#define PLOT_LEFT 330
#define PLOT_RIGHT 40
#define PLOT_TOP 70
#define PLOT_MAX_ROWS 40
#define PLOT_MAX_SERIES 6

static const double plot_colours[PLOT_MAX_SERIES][3] = {
	{0.12, 0.47, 0.71}, {0.84, 0.15, 0.16}, {0.17, 0.63, 0.17},
	{0.58, 0.40, 0.74}, {1.00, 0.50, 0.05}, {0.55, 0.34, 0.29},
};

struct plot_val {
	bool ok;
	double v, lo, hi; /* median, min, max (lo = hi = v for a plain number) */
};

static struct plot_val plot_value(json_t *v)
{
	struct plot_val p = {0};

	if (json_is_object(v) && json_object_get(v, "median")) {
		p.v = json_number_value(json_object_get(v, "median"));
		p.lo = json_number_value(json_object_get(v, "min"));
		p.hi = json_number_value(json_object_get(v, "max"));
		p.ok = true;
	} else if (json_is_number(v)) {
		p.v = p.lo = p.hi = json_number_value(v);
		p.ok = true;
	}
	p.ok = p.ok && p.v > 0; /* log scale */
	return p;
}

static bool is_stat(json_t *v)
{
	return json_is_object(v) && json_object_get(v, "median");
}

/* "leaf_calls.TDH.MEM.PAGE.AUG"-style names of the numbers in @o, one level deep. */
static int plot_rows(json_t *configs, char rows[][96], int max)
{
	const char *k, *k2, *k3;
	json_t *c, *v, *v2;
	int n = 0;

	json_object_foreach(configs, k, c)
	{
		json_object_foreach(c, k2, v)
		{
			char name[96];

			if (json_is_object(v) && !is_stat(v)) {
				json_object_foreach(v, k3, v2)
				{
					snprintf(name, sizeof(name), "%s.%s", k2, k3);
					bool seen = false;

					for (int i = 0; i < n; i++)
						seen |= !strcmp(rows[i], name);
					if (!seen && n < max && plot_value(v2).ok)
						snprintf(rows[n++], 96, "%s", name);
				}
				continue;
			}
			snprintf(name, sizeof(name), "%s", k2);
			bool seen = false;

			for (int i = 0; i < n; i++)
				seen |= !strcmp(rows[i], name);
			if (!seen && n < max && plot_value(v).ok)
				snprintf(rows[n++], 96, "%s", name);
		}
	}
	return n;
}

static json_t *plot_at(json_t *o, const char *path)
{
	const char *dot = strchr(path, '.');
	char head[96];

	if (json_object_get(o, path) || !dot)
		return json_object_get(o, path);
	snprintf(head, sizeof(head), "%.*s", (int)(dot - path), path);
	return json_object_get(json_object_get(o, head), dot + 1);
}

static void plot_text(cairo_t *cr, double x, double y, const char *s, double align)
{
	cairo_text_extents_t e;

	cairo_text_extents(cr, s, &e);
	cairo_move_to(cr, x - align * e.x_advance, y);
	cairo_show_text(cr, s);
}

/* Decades of a log axis covering [lo, hi]. */
static void plot_decades(double lo, double hi, int *d0, int *d1)
{
	*d0 = (int)floor(log10(lo));
	*d1 = (int)ceil(log10(hi));
	if (*d1 <= *d0)
		*d1 = *d0 + 1;
}

static void plot_title(cairo_t *cr, const char *name, const char *path)
{
	char t[160];

	cairo_set_source_rgb(cr, 0, 0, 0);
	cairo_select_font_face(cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_BOLD);
	cairo_set_font_size(cr, 15);
	snprintf(t, sizeof(t), "tdpmmu bench %s", name);
	plot_text(cr, 16, 26, t, 0);
	cairo_select_font_face(cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
	cairo_set_font_size(cr, 10);
	if (path) {
		snprintf(t, sizeof(t), "%.150s%s", path, strlen(path) > 150 ? "..." : "");
		plot_text(cr, 16, 44, t, 0);
	}
}

/* Grouped horizontal bars of @configs (an object of same-shaped objects). */
static int plot_bars(const char *file, const char *name, const char *path, json_t *configs)
{
	static char rows[PLOT_MAX_ROWS][96];
	int nrows = plot_rows(configs, rows, PLOT_MAX_ROWS), nser = 0, d0, d1, h;
	double lo = INFINITY, hi = 0, bar_h = 9, span = PLOT_W - PLOT_LEFT - PLOT_RIGHT;
	const char *k;
	json_t *c;
	cairo_surface_t *s;
	cairo_t *cr;

	json_object_foreach(configs, k, c) nser++;
	if (nser > PLOT_MAX_SERIES)
		nser = PLOT_MAX_SERIES;
	for (int r = 0; r < nrows; r++)
		json_object_foreach(configs, k, c)
		{
			struct plot_val p = plot_value(plot_at(c, rows[r]));

			if (p.ok) {
				lo = fmin(lo, p.lo > 0 ? p.lo : p.v);
				hi = fmax(hi, p.hi);
			}
		}
	if (!nrows)
		return 0;
	plot_decades(lo, hi, &d0, &d1);
	h = PLOT_TOP + nrows * (int)(nser * bar_h + 8) + 60;
	s = cairo_svg_surface_create(file, PLOT_W, h);
	cr = cairo_create(s);
	cairo_set_source_rgb(cr, 1, 1, 1);
	cairo_paint(cr);
	plot_title(cr, name, path);

	/* Decade grid and labels. */
	cairo_set_font_size(cr, 10);
	for (int d = d0; d <= d1; d++) {
		double x = PLOT_LEFT + span * (d - d0) / (d1 - d0);
		char lab[24];

		cairo_set_source_rgb(cr, 0.85, 0.85, 0.85);
		cairo_move_to(cr, x, PLOT_TOP - 6);
		cairo_line_to(cr, x, h - 50);
		cairo_stroke(cr);
		cairo_set_source_rgb(cr, 0, 0, 0);
		snprintf(lab, sizeof(lab), "1e%d", d);
		plot_text(cr, x, PLOT_TOP - 10, lab, 0.5);
	}
	for (int r = 0; r < nrows; r++) {
		double y = PLOT_TOP + r * (nser * bar_h + 8);
		int i = 0;

		cairo_set_source_rgb(cr, 0, 0, 0);
		plot_text(cr, PLOT_LEFT - 8, y + nser * bar_h / 2 + 4, rows[r], 1);
		json_object_foreach(configs, k, c)
		{
			struct plot_val p = plot_value(plot_at(c, rows[r]));
			double x0 = PLOT_LEFT, by = y + i * bar_h;

			if (i >= nser)
				break;
			if (p.ok) {
				double x = PLOT_LEFT + span * (log10(p.v) - d0) / (d1 - d0);

				cairo_set_source_rgb(cr, plot_colours[i][0], plot_colours[i][1],
						     plot_colours[i][2]);
				cairo_rectangle(cr, x0, by, fmax(x - x0, 1), bar_h - 1);
				cairo_fill(cr);
				if (p.hi > p.lo && p.lo > 0) {
					double xl =
						PLOT_LEFT + span * (log10(p.lo) - d0) / (d1 - d0);
					double xh =
						PLOT_LEFT + span * (log10(p.hi) - d0) / (d1 - d0);

					cairo_set_source_rgb(cr, 0, 0, 0);
					cairo_move_to(cr, xl, by + bar_h / 2);
					cairo_line_to(cr, xh, by + bar_h / 2);
					cairo_stroke(cr);
				}
			}
			i++;
		}
	}
	/* Legend. */
	{
		int i = 0;

		json_object_foreach(configs, k, c)
		{
			double x = PLOT_LEFT + i * 200.0;

			if (i >= nser)
				break;
			cairo_set_source_rgb(cr, plot_colours[i][0], plot_colours[i][1],
					     plot_colours[i][2]);
			cairo_rectangle(cr, x, h - 32, 14, 10);
			cairo_fill(cr);
			cairo_set_source_rgb(cr, 0, 0, 0);
			plot_text(cr, x + 20, h - 23, k, 0);
			i++;
		}
		plot_text(cr, PLOT_W - PLOT_RIGHT, h - 8,
			  "log scale; whiskers: min..max over repeats", 1);
	}
	cairo_destroy(cr);
	cairo_surface_finish(s);
	{
		int ok = cairo_surface_status(s) == CAIRO_STATUS_SUCCESS ? 0 : -1;

		cairo_surface_destroy(s);
		return ok;
	}
}

/* Every numeric column of the records against the first, log-log. */
static int plot_lines(const char *file, const char *name, const char *path, const char *key,
		      json_t *recs)
{
	json_t *first = json_array_get(recs, 0), *v, *r;
	const char *cols[PLOT_MAX_SERIES + 1], *k;
	int ncol = 0, h = 480, dx0, dx1, dy0, dy1;
	double xlo = INFINITY, xhi = 0, ylo = INFINITY, yhi = 0;
	double pw = PLOT_W - 120 - PLOT_RIGHT, ph = h - PLOT_TOP - 90;
	cairo_surface_t *s;
	cairo_t *cr;
	size_t i;

	/* x: the size-like column when there is one (mem, present_leaves, ...), else the first. */
	static const char *const xs[] = {"mem", "bytes", "size", "present_leaves", "k", "pages"};

	cols[ncol] = NULL;
	for (size_t x = 0; x < sizeof(xs) / sizeof(xs[0]) && !cols[0]; x++)
		if (plot_value(json_object_get(first, xs[x])).ok) {
			cols[0] = xs[x];
			ncol = 1;
		}
	json_object_foreach(first, k, v) if (ncol <= PLOT_MAX_SERIES && plot_value(v).ok &&
					     (!ncol || strcmp(k, cols[0]))) cols[ncol++] = k;
	if (ncol < 2)
		return 0;
	json_array_foreach(recs, i, r)
	{
		struct plot_val x = plot_value(json_object_get(r, cols[0]));

		if (!x.ok)
			continue;
		xlo = fmin(xlo, x.v);
		xhi = fmax(xhi, x.v);
		for (int c = 1; c < ncol; c++) {
			struct plot_val y = plot_value(json_object_get(r, cols[c]));

			if (y.ok) {
				ylo = fmin(ylo, y.v);
				yhi = fmax(yhi, y.v);
			}
		}
	}
	if (!(xhi > 0) || !(yhi > 0))
		return 0;
	plot_decades(xlo, xhi, &dx0, &dx1);
	plot_decades(ylo, yhi, &dy0, &dy1);
	s = cairo_svg_surface_create(file, PLOT_W, h);
	cr = cairo_create(s);
	cairo_set_source_rgb(cr, 1, 1, 1);
	cairo_paint(cr);
	plot_title(cr, name, path);
	cairo_set_font_size(cr, 10);
#define PX(x) (120 + pw * (log10(x) - dx0) / (dx1 - dx0))
#define PY(y) (PLOT_TOP + ph - ph * (log10(y) - dy0) / (dy1 - dy0))
	for (int d = dx0; d <= dx1; d++) {
		char lab[24];

		snprintf(lab, sizeof(lab), "1e%d", d);
		cairo_set_source_rgb(cr, 0.85, 0.85, 0.85);
		cairo_move_to(cr, PX(pow(10, d)), PLOT_TOP);
		cairo_line_to(cr, PX(pow(10, d)), PLOT_TOP + ph);
		cairo_stroke(cr);
		cairo_set_source_rgb(cr, 0, 0, 0);
		plot_text(cr, PX(pow(10, d)), PLOT_TOP + ph + 14, lab, 0.5);
	}
	for (int d = dy0; d <= dy1; d++) {
		char lab[24];

		snprintf(lab, sizeof(lab), "1e%d", d);
		cairo_set_source_rgb(cr, 0.85, 0.85, 0.85);
		cairo_move_to(cr, 120, PY(pow(10, d)));
		cairo_line_to(cr, 120 + pw, PY(pow(10, d)));
		cairo_stroke(cr);
		cairo_set_source_rgb(cr, 0, 0, 0);
		plot_text(cr, 114, PY(pow(10, d)) + 3, lab, 1);
	}
	{
		char lab[128];

		snprintf(lab, sizeof(lab), "%s: %s (x axis, log) against the other columns", key,
			 cols[0]);
		plot_text(cr, 120 + pw / 2, PLOT_TOP + ph + 30, lab, 0.5);
	}
	for (int c = 1; c < ncol; c++) {
		bool started = false;

		cairo_set_source_rgb(cr, plot_colours[c - 1][0], plot_colours[c - 1][1],
				     plot_colours[c - 1][2]);
		cairo_set_line_width(cr, 2);
		json_array_foreach(recs, i, r)
		{
			struct plot_val x = plot_value(json_object_get(r, cols[0]));
			struct plot_val y = plot_value(json_object_get(r, cols[c]));

			if (!x.ok || !y.ok)
				continue;
			if (started)
				cairo_line_to(cr, PX(x.v), PY(y.v));
			else
				cairo_move_to(cr, PX(x.v), PY(y.v));
			started = true;
		}
		cairo_stroke(cr);
		json_array_foreach(recs, i, r)
		{
			struct plot_val x = plot_value(json_object_get(r, cols[0]));
			struct plot_val y = plot_value(json_object_get(r, cols[c]));

			if (x.ok && y.ok) {
				cairo_arc(cr, PX(x.v), PY(y.v), 3, 0, 2 * M_PI);
				cairo_fill(cr);
			}
		}
		cairo_rectangle(cr, 120 + (c - 1) * 160.0, h - 30, 14, 10);
		cairo_fill(cr);
		cairo_set_source_rgb(cr, 0, 0, 0);
		plot_text(cr, 140 + (c - 1) * 160.0, h - 21, cols[c], 0);
	}
#undef PX
#undef PY
	cairo_destroy(cr);
	cairo_surface_finish(s);
	{
		int ok = cairo_surface_status(s) == CAIRO_STATUS_SUCCESS ? 0 : -1;

		cairo_surface_destroy(s);
		return ok;
	}
}

int bench_plot(const char *dir, const char *name, json_t *b)
{
	const char *path = json_string_value(json_object_get(b, "path")), *k;
	json_t *configs = json_object(), *v;
	char file[1024];
	int ret = 0, n = 0;

	/* Top-level configurations, or one member holding them. */
	json_object_foreach(b, k, v) if (json_is_object(v) && !is_stat(v))
		json_object_set(configs, k, v);
	if (json_object_size(configs) == 1) {
		json_t *only = json_object_iter_value(json_object_iter(configs));
		const char *k2;
		json_t *v2;
		bool nested = true;

		json_object_foreach(only, k2, v2) nested &= json_is_object(v2) && !is_stat(v2);
		if (nested) {
			json_decref(configs);
			configs = json_incref(only);
		}
	}
	if (json_object_size(configs) >= 1) {
		snprintf(file, sizeof(file), "%s/bench-%s.svg", dir, name);
		ret |= plot_bars(file, name, path, configs);
		n++;
	}
	json_decref(configs);
	json_object_foreach(b, k, v)
	{
		if (!json_is_array(v) || !json_is_object(json_array_get(v, 0)) ||
		    !strcmp(k, "goals"))
			continue;
		snprintf(file, sizeof(file), "%s/bench-%s-%s.svg", dir, name, k);
		ret |= plot_lines(file, name, path, k, v);
		n++;
	}
	if (!n) {
		/* Plain numbers only: one configuration of bars. */
		json_t *one = json_pack("{s:O}", name, b);

		snprintf(file, sizeof(file), "%s/bench-%s.svg", dir, name);
		ret |= plot_bars(file, name, path, one);
		json_decref(one);
	}
	return ret;
}
