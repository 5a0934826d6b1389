#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# bench --json: a tiny subset runs and prints one valid JSON object whose
# ratios are there and sane; usage errors exit 2.  Named bench_* so the
# sanitizer builds can leave it out (it measures, it does not assert speed).
. "$(dirname "$0")/lib.sh"

"$bin" bench --help >"$tmp/help" || fail "--help"
grep -q "fault" "$tmp/help" || fail "--help lists the benchmarks"
"$bin" bench no-such-bench >/dev/null 2>&1
[ $? = 2 ] || fail "unknown benchmark must exit 2"

mkdir "$tmp/plots"
"$bin" bench --quick --json --repeats 1 --plot "$tmp/plots" fault split convert >"$tmp/out" 2>"$tmp/err"
rc=$?
[ $rc = 0 ] || { cat "$tmp/err" >&2; fail "bench exit $rc"; }
[ "$(wc -l <"$tmp/out")" -eq 1 ] || fail "--json: stdout is not one line"
python3 - "$tmp/out" <<'PY' || fail "json schema"
import json, sys
doc = json.load(open(sys.argv[1]))
def need(c, what):
    if not c:
        print("schema: " + what, file=sys.stderr)
        sys.exit(1)
def stat(v, what):
    need(isinstance(v, dict) and all(isinstance(v.get(k), float) for k in ("min", "median", "max")),
         what + " is a min/median/max stat")
    need(0 < v["min"] <= v["median"] <= v["max"], what + " ordered and positive")
need(doc.get("version") == 1 and doc.get("quick") is True, "version/quick")
need(doc["machine"]["cpus"] >= 1, "machine.cpus")
b = doc["benchmarks"]
need(set(b) == {"fault", "split", "convert"}, "only the named benchmarks ran")
for lv in ("4K", "2M"):
    f = b["fault"][lv]
    stat(f["mirror_vs_lower_bound"], "fault.%s.mirror_vs_lower_bound" % lv)
    stat(f["mirror_vs_direct"], "fault.%s.mirror_vs_direct" % lv)
    for k in ("mirror", "direct", "lower_bound"):
        stat(f["faults_per_s"][k], "fault.%s.faults_per_s.%s" % (lv, k))
    # The lower bound does strictly less work than the mirror path.
    need(f["mirror_vs_lower_bound"]["median"] > 1, "mirror slower than its lower bound")
for g in b["fault"]["goals"] + b["split"]["goals"]:
    need(isinstance(g["met"], bool) and g["cmp"] in ("<=", ">="), "goal record")
stat(b["split"]["split_vs_lower_bound"], "split.split_vs_lower_bound")
stat(b["split"]["hold_us_p99"], "split.hold_us_p99")
stat(b["split"]["lower_bound_us_per_split"], "split.lower_bound_us_per_split")
# With one repeat the ratio is the two times divided.
sp = b["split"]
r = sp["us_per_split"]["median"] / sp["lower_bound_us_per_split"]["median"]
need(abs(r / sp["split_vs_lower_bound"]["median"] - 1) < 1e-6, "split ratio = us_per_split / lower bound")
stat(sp["cold_lower_bound_us_per_split"], "split.cold_lower_bound_us_per_split")
r = sp["us_per_split"]["median"] / sp["cold_lower_bound_us_per_split"]["median"]
need(abs(r / sp["split_vs_cold_lower_bound"]["median"] - 1) < 1e-6, "split ratio = us_per_split / cold lower bound")
# A 4K conversion inside a 2M leaf splits it once and removes one page.
sc = b["convert"]["scattered_4K"]
need(sc["splits_per_unit"] == 1.0, "one split per scattered page")
need(sc["seamcalls_per_unit"].get("TDH.MEM.PAGE.DEMOTE") == 1.0, "one DEMOTE per page")
need(sc["seamcalls_per_unit"].get("TDH.MEM.PAGE.REMOVE") == 1.0, "one REMOVE per page")
PY
# scale2: wall-time speedups and the CPU time two threads spend over one's.
"$bin" bench --quick --json --repeats 1 scale2 >"$tmp/s2" 2>"$tmp/err" ||
	{ cat "$tmp/err" >&2; fail "bench scale2"; }
python3 - "$tmp/s2" <<'PY' || fail "scale2 json schema"
import json, sys
s = json.load(open(sys.argv[1]))["benchmarks"]["scale2"]
for key in ("speedup_2_vs_1", "cpu_2_vs_1"):
    for k in ("mirror", "direct", "lower_bound"):
        v = s[key][k]
        if not (isinstance(v["median"], float) and 0 < v["min"] <= v["median"] <= v["max"]):
            sys.exit("scale2.%s.%s is not a positive min/median/max stat" % (key, k))
# The same faults split over two threads cost about the same CPU time: not 0, not 10x.
if not 0.2 < s["cpu_2_vs_1"]["lower_bound"]["median"] < 5:
    sys.exit("scale2.cpu_2_vs_1.lower_bound out of range")
PY
# --plot: one cairo SVG per benchmark (make plots).
for b in fault split convert; do
	head -c 200 "$tmp/plots/bench-$b.svg" 2>/dev/null | grep -q '<svg' || fail "--plot: no bench-$b.svg"
done
echo ok
