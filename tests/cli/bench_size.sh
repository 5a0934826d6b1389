#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# bench size runs each size in a child process, `tdpmmu bench size-child`
# (the binary itself, /proc/self/exe, so a build tree and an install behave
# alike): each child prints one JSON line with its figures, and `bench
# size` gathers them.  Named bench_* (label bench): it measures.
. "$(dirname "$0")/lib.sh"

"$bin" bench size-child mmu 64M >"$tmp/mmu" || fail "size-child mmu"
"$bin" bench size-child map 64M 2M >"$tmp/map" || fail "size-child map"
"$bin" bench size-child zap 64M 4 spread >"$tmp/zap" || fail "size-child zap"
python3 - "$tmp" <<'PY' || fail "size-child output"
import json, sys
t = sys.argv[1]
def one(name):
    lines = open(t + "/" + name).read().splitlines()
    assert len(lines) == 1, name + ": not one line"
    return json.loads(lines[0])
m = one("mmu")
# 64M at 2M: 32 leaves under one 1G table under one 512G table (+ the root).
assert m["leaves_2M"] == 32 and m["leaves_4K"] == 0, m
v = one("map")
assert v["leaves_2M"] + v["leaves_4K"] > 0 and v["check_violations"] == 0, v
z = one("zap")
assert z["present_leaves"] == 4 and z["peak_rss"] > 0, z
PY

"$bin" bench --quick --repeats 1 --json size >"$tmp/size" 2>"$tmp/err" ||
	{ cat "$tmp/err" >&2; fail "bench size"; }
python3 - "$tmp/size" <<'PY' || fail "bench size json"
import json, sys
s = json.load(open(sys.argv[1]))["benchmarks"]["size"]
assert s["maps"] and all(r["theoretical_bytes"] > 0 for r in s["maps"]), s["maps"]
PY
echo ok
