#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Plots of `tdpmmu bench --json` output, written as plain SVG (no matplotlib).

usage: tdpmmu bench --json [--quick] size boot > bench.json
       python3 scripts/plot_bench.py bench.json docs/

Writes OUTDIR/bench-size.svg (cost vs guest size: map CPU time, RSS growth
and the theoretical page-table bytes, log-log) and OUTDIR/bench-boot.svg
(the default TD lifecycle at 4K-only vs 2M: SEAMCALLs per leaf and the
modelled host cost, log scale).
"""
import json
import math
import os
import sys
from xml.sax.saxutils import escape

W, H = 720, 420
ML, MR, MT, MB = 80, 170, 50, 70
COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b"]


class Svg:
    def __init__(self, title):
        self.parts = [
            '<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" '
            'font-family="sans-serif" font-size="12">' % (W, H),
            '<rect width="100%" height="100%" fill="white"/>',
        ]
        self.text(W / 2, 24, title, size=15, anchor="middle", weight="bold")

    def text(self, x, y, s, size=12, anchor="start", weight="normal", rotate=None, color="#000"):
        tr = ' transform="rotate(%d %.1f %.1f)"' % (rotate, x, y) if rotate else ""
        self.parts.append(
            '<text x="%.1f" y="%.1f" font-size="%d" text-anchor="%s" font-weight="%s" '
            'fill="%s"%s>%s</text>' % (x, y, size, anchor, weight, color, tr, escape(str(s))))

    def line(self, x1, y1, x2, y2, color="#000", width=1, dash=None):
        d = ' stroke-dasharray="%s"' % dash if dash else ""
        self.parts.append('<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="%s" '
                          'stroke-width="%s"%s/>' % (x1, y1, x2, y2, color, width, d))

    def rect(self, x, y, w, h, color):
        self.parts.append('<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"/>'
                          % (x, y, w, h, color))

    def circle(self, x, y, color):
        self.parts.append('<circle cx="%.1f" cy="%.1f" r="4" fill="%s"/>' % (x, y, color))

    def polyline(self, pts, color, dash=None):
        d = ' stroke-dasharray="%s"' % dash if dash else ""
        self.parts.append('<polyline fill="none" stroke="%s" stroke-width="2"%s points="%s"/>'
                          % (color, d, " ".join("%.1f,%.1f" % p for p in pts)))

    def save(self, path):
        with open(path, "w") as f:
            f.write("\n".join(self.parts + ["</svg>"]) + "\n")


def log_axis(lo, hi):
    lo = 10 ** math.floor(math.log10(lo))
    hi = 10 ** math.ceil(math.log10(hi))
    return lo, hi


def fmt(v):
    if v >= 1:
        return "%g" % v
    return "%.0e" % v


def axes_log(svg, xlo, xhi, ylo, yhi, xlabel, ylabel, xticks):
    x0, x1, y0, y1 = ML, W - MR, H - MB, MT
    svg.line(x0, y0, x1, y0)
    svg.line(x0, y0, x0, y1)
    fx = lambda v: x0 + (math.log10(v) - math.log10(xlo)) / (math.log10(xhi) - math.log10(xlo)) * (x1 - x0)
    fy = lambda v: y0 - (math.log10(v) - math.log10(ylo)) / (math.log10(yhi) - math.log10(ylo)) * (y0 - y1)
    for v, label in xticks:
        svg.line(fx(v), y0, fx(v), y0 + 5)
        svg.text(fx(v), y0 + 20, label, anchor="middle")
    e = math.log10(ylo)
    while e <= math.log10(yhi) + 1e-9:
        v = 10 ** e
        svg.line(x0 - 5, fy(v), x1, fy(v), color="#ddd")
        svg.text(x0 - 8, fy(v) + 4, fmt(v), anchor="end")
        e += 1
    svg.text((x0 + x1) / 2, H - 25, xlabel, anchor="middle")
    svg.text(22, (y0 + y1) / 2, ylabel, anchor="middle", rotate=-90)
    return fx, fy


def legend(svg, items):
    x, y = W - MR + 15, MT + 10
    for i, (label, color, dash) in enumerate(items):
        svg.line(x, y + i * 22, x + 25, y + i * 22, color=color, width=3, dash=dash)
        svg.text(x + 32, y + i * 22 + 4, label, size=11)


def plot_size(doc, out):
    size = doc["benchmarks"]["size"]
    runs = [m for m in size["maps"] if m.get("path", "vm") == "vm" and m["level"] == "2M"]
    runs.sort(key=lambda m: m["mem"])
    gib = [m["mem"] / 2**30 for m in runs]
    series = [
        ("map CPU time (s)", [m["map_s"] for m in runs], COLORS[0], None),
        ("checker CPU time (s)", [m["check_s"] for m in runs], COLORS[2], None),
        ("RSS growth (GiB)", [(m["rss_after"] - m["rss_before"]) / 2**30 for m in runs], COLORS[1], None),
        ("page-table bytes (GiB)", [m["theoretical_bytes"] / 2**30 for m in runs], COLORS[3], "6,4"),
    ]
    vals = [v for _, ys, _, _ in series for v in ys if v > 0]
    ylo, yhi = log_axis(min(vals), max(vals))
    svg = Svg("TD mapped at 2M through the guest's ACCEPT: cost vs guest size")
    fx, fy = axes_log(svg, min(gib) / 2, max(gib) * 2, ylo, yhi, "guest memory (GiB, log)",
                      "seconds / GiB (log)", [(g, "%g" % g) for g in gib])
    for label, ys, color, dash in series:
        pts = [(fx(g), fy(y)) for g, y in zip(gib, ys) if y > 0]
        svg.polyline(pts, color, dash)
        for p in pts:
            svg.circle(p[0], p[1], color)
    legend(svg, [(l, c, d) for l, _, c, d in series])
    svg.save(os.path.join(out, "bench-size.svg"))


def plot_boot(doc, out):
    boot = doc["benchmarks"]["boot"]
    leaves = sorted(set(boot["4K"]["leaf_calls"]) | set(boot["2M"]["leaf_calls"]))
    cats = [(l.replace("TDH.MEM.", "").replace("TDH.", "").replace("TDG.MEM.", "G:"),
             boot["4K"]["leaf_calls"].get(l, 0), boot["2M"]["leaf_calls"].get(l, 0)) for l in leaves]
    cats.append(("host cost (us)", boot["4K"]["cost_total_us"], boot["2M"]["cost_total_us"]))
    vals = [v for _, a, b in cats for v in (a, b) if v > 0]
    ylo, yhi = log_axis(min(vals), max(vals))
    svg = Svg("Default TD lifecycle: 4K-only vs 2M (SEAMCALLs per leaf, modelled host cost)")
    x0, x1, y0, y1 = ML, W - MR, H - MB - 30, MT
    svg.line(x0, y0, x1, y0)
    svg.line(x0, y0, x0, y1)
    fy = lambda v: y0 - (math.log10(v) - math.log10(ylo)) / (math.log10(yhi) - math.log10(ylo)) * (y0 - y1)
    e = math.log10(ylo)
    while e <= math.log10(yhi) + 1e-9:
        v = 10 ** e
        svg.line(x0 - 5, fy(v), x1, fy(v), color="#ddd")
        svg.text(x0 - 8, fy(v) + 4, fmt(v), anchor="end")
        e += 1
    slot = (x1 - x0) / len(cats)
    bw = slot * 0.35
    for i, (name, a, b) in enumerate(cats):
        cx = x0 + slot * (i + 0.5)
        for j, (v, color) in enumerate(((a, COLORS[1]), (b, COLORS[0]))):
            if v > 0:
                svg.rect(cx - bw + j * bw, fy(v), bw - 1, y0 - fy(v), color)
        svg.text(cx, y0 + 12, name, size=10, anchor="end", rotate=-35)
    svg.text(22, (y0 + y1) / 2, "calls / microseconds (log)", anchor="middle", rotate=-90)
    legend(svg, [("max_level=4K", COLORS[1], None), ("max_level=2M", COLORS[0], None)])
    svg.text(W - MR + 15, MT + 70, "4K/2M SEAMCALLs: %.0fx" % boot["seamcalls_4K_vs_2M"], size=11)
    svg.text(W - MR + 15, MT + 88, "4K/2M host cost: %.0fx" % boot["host_cost_4K_vs_2M"], size=11)
    svg.save(os.path.join(out, "bench-boot.svg"))


def main():
    if len(sys.argv) != 3:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    with open(sys.argv[1]) as f:
        doc = json.load(f)
    done = 0
    if "size" in doc["benchmarks"]:
        plot_size(doc, sys.argv[2])
        done += 1
    if "boot" in doc["benchmarks"]:
        plot_boot(doc, sys.argv[2])
        done += 1
    if not done:
        print("plot_bench: no size or boot results in the input", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
