#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# run --trace: every line has ftrace's shape, and the events agree with the
# counters of the same run's JSON report (SEAMCALLs/TDCALLs per leaf, TRACK
# rounds, kicks, splits, faults, the bugged-VM cause).
. "$(dirname "$0")/lib.sh"

check() { # check SCENARIO
	"$bin" run --json --trace "$tmp/trace" ${1:+"$1"} >"$tmp/json" 2>/dev/null
	[ $? -le 1 ] || fail "run $1"
	python3 - "$tmp/trace" "$tmp/json" "$1" <<'PY' || fail "trace of $1 disagrees with its counters"
import collections, json, re, sys
trace, doc, name = open(sys.argv[1]).read().splitlines(), json.load(open(sys.argv[2])), sys.argv[3]
line_re = re.compile(r"^\s*(\S+)-(\d+)\s+\[(\d{3})\] \S{5}\s+(\d+)\.(\d{6}): (\w+): (.*)$")
ev = collections.Counter()
leaves = collections.Counter()
ok_sets = 0
mirror_sets = 0
bugged = []
last_ts = -1.0
for l in trace:
    if l.startswith("#"):
        continue
    m = line_re.match(l)
    if not m:
        sys.exit("%s: not an ftrace line: %r" % (name, l))
    ts = float(m.group(4) + "." + m.group(5))
    if ts < last_ts:
        sys.exit("%s: timestamps go back: %r" % (name, l))
    last_ts = ts
    event = m.group(6)
    kv = dict(re.findall(r'(\w+)=("[^"]*"|\S+)', m.group(7)))
    ev[event] += 1
    if event in ("tdx_seamcall", "tdx_tdcall"):
        for k in ("leaf", "status"):
            if k not in kv:
                sys.exit("%s: %s without %s" % (name, event, k))
        leaves[kv["leaf"]] += 1
        if kv["leaf"] in ("TDH.MEM.PAGE.AUG", "TDH.MEM.PAGE.ADD") and kv["status"] == "TDX_SUCCESS":
            ok_sets += 1
    elif event == "kvm_mmu_split_huge_page":
        if kv.get("root") == "mirror":
            ev["mirror_splits"] += 1
    elif event == "kvm_tdp_mmu_spte_changed":
        for k in ("root", "gfn", "level", "old_spte", "new_spte"):
            if k not in kv:
                sys.exit("%s: spte change without %s" % (name, k))
        old, new = int(kv["old_spte"], 16), int(kv["new_spte"], 16)
        present = lambda s: bool(s & (1 << 11))
        leaf = lambda s: present(s) and (kv["level"] == "4K" or bool(s & (1 << 7)))
        if kv["root"] == "mirror" and not present(old) and leaf(new):
            mirror_sets += 1
    elif event == "kvm_vm_bugged":
        bugged.append(kv)
c = doc["counts"]
want = {
    "kvm_tdx_track": c["track_rounds"],
    "kvm_tdx_kick": c["kicks"],
    "mirror_splits": c["splits"],
    "kvm_page_fault": c["faults"],
}
for k, v in want.items():
    if ev[k] != v:
        sys.exit("%s: %d %s events, counter says %d" % (name, ev[k], k, v))
for leaf, v in c.items():
    if leaf.startswith("TD") and leaves[leaf] != v:
        sys.exit("%s: %d %s events, counter says %d" % (name, leaves[leaf], leaf, v))
# Every successful AUG/ADD is one mirror SPTE going non-present -> leaf
# (raw seamcalls, in tdxmod/, bypass the MMU).
if "/tdxmod/" not in name and mirror_sets != ok_sets:
    sys.exit("%s: %d mirror leaves set, %d successful AUG/ADD" % (name, mirror_sets, ok_sets))
if doc["vm_bugged"] != (len(bugged) == 1):
    sys.exit("%s: %d kvm_vm_bugged events, vm_bugged %s" % (name, len(bugged), doc["vm_bugged"]))
if bugged and bugged[0]["reason"].strip('"') != doc["bugged"]["reason"]:
    sys.exit("%s: bugged reason differs" % name)
PY
}

for f in tests/scenarios/vm/punch.tdp tests/scenarios/vm/conversion.tdp \
	tests/scenarios/policy/upstream-demote-busy.tdp tests/scenarios/vm/split.tdp \
	tests/scenarios/tdxmod/raw-accept.tdp examples/linux-boot-lazy-accept.tdp; do
	check "$src/$f"
done
# The built-in lifecycle: several vCPU threads at once.
check ""

# - is stderr; a bad path is a usage error.
"$bin" run --trace - "$src/tests/scenarios/vm/split.tdp" 2>"$tmp/err" >/dev/null ||
	fail "run --trace -"
grep -q ': tdx_seamcall: leaf=TDH.MEM.PAGE.DEMOTE gpa=0x' "$tmp/err" ||
	fail "--trace - wrote no DEMOTE line to stderr"
"$bin" run --trace /nonexistent/dir/trace "$src/tests/scenarios/vm/split.tdp" >/dev/null 2>&1
[ $? -eq 2 ] || fail "--trace to an unwritable path must exit 2"

# stress --trace is bounded: --trace-max lines of events, then one line
# saying how many were cut.
"$bin" stress --ops 400 --quiet --trace "$tmp/st" --trace-max 50 >/dev/null 2>"$tmp/err" ||
	fail "stress --trace"
[ "$(grep -vc '^#' "$tmp/st")" -eq 50 ] || fail "stress --trace-max 50 wrote $(grep -vc '^#' "$tmp/st") events"
grep -q '^# trace bound reached: [0-9]* more events not written' "$tmp/st" || fail "stress trace: no bound line"
grep -q 'more cut (--trace-max)' "$tmp/err" || fail "stress: the cut is not reported"
exit 0
