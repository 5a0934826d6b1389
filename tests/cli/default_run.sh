#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# `tdpmmu run` with no file: the built-in TD lifecycle passes, in seconds,
# its human report has every section, and `--json` carries the numbers the
# lifecycle must produce.  examples/td-lifecycle.tdp is the same scenario.
. "$(dirname "$0")/lib.sh"

cmp -s "$src/tools/default_scenario.tdp" "$src/examples/td-lifecycle.tdp" ||
	fail "examples/td-lifecycle.tdp differs from tools/default_scenario.tdp"

t0=$(date +%s)
"$bin" run >"$tmp/human" 2>"$tmp/human.err" || fail "tdpmmu run: exit $?: $(cat "$tmp/human.err")"
t1=$(date +%s)
# Well under 0.1 s in a plain build; the bound leaves room for sanitizers.
[ $((t1 - t0)) -le 20 ] || fail "tdpmmu run took $((t1 - t0)) s"
[ -s "$tmp/human.err" ] && fail "tdpmmu run wrote to stderr: $(cat "$tmp/human.err")"
for s in "tdpmmu: <built-in>: PASS" "TD: 4 GiB, 4 vCPUs, max_level 2M" "Mappings over time" \
	"accept_memory gpa=0x1400000 size=4076M parallel" "At the end of the run" \
	"SEAMCALLs and TDCALLs per leaf" "TDH.MEM.PAGE.DEMOTE" "TRACK rounds" "vCPU kicks" \
	"mmu_lock for write" "promotions" "Modelled cost" "host total" "docs/COST-MODEL.md" "Wall time" \
	"Result     PASS"; do
	grep -qF "$s" "$tmp/human" || fail "human report lacks '$s'"
done

"$bin" run --json >"$tmp/json" 2>"$tmp/json.err" || fail "tdpmmu run --json: exit $?"
python3 - "$tmp/json" "$tmp/human" <<'PY' || exit 1
import json, re, sys
doc = json.load(open(sys.argv[1]))
human = open(sys.argv[2]).read()
def need(c, what):
    if not c:
        print("FAIL: default run JSON: " + what, file=sys.stderr)
        sys.exit(1)
c = doc["counts"]
need(doc["version"] == 1 and doc["result"] == "pass", "result pass")
need(doc["file"] == "<built-in>", "file")
need(doc["expects"]["failed"] == 0 and doc["expects"]["passed"] >= 60, "expects")
need(doc["checks"]["failed"] == 0 and doc["checks"]["passed"] == 4, "4 checks passed")
need(doc["td"] == {"mem": 4 << 30, "vcpus": 4, "max_level": "2M", "module": "1.5",
                   "dpamt": False, "demote_interruptible": False}, "td %r" % doc.get("td"))
# The lifecycle: a 3M image added 4K at a time, 8 splits (5 virtio rings,
# swiotlb growth, 2 balloon pages), every removal tracked, nothing bugged;
# promote=on: 4 promotions (2 image regions, a ring, the swiotlb growth).
need(c["TDH.MEM.PAGE.ADD"] == 768, "PAGE.ADD 768")
need(c["TDH.MR.FINALIZE"] == 1, "one finalize")
need(c["splits"] == 8 and c["TDH.MEM.PAGE.DEMOTE"] == 8, "8 splits")
need(c["promotes"] == 4 and c["TDH.MEM.PAGE.PROMOTE"] == 4 and c["promote_tries"] == 4,
     "4 promotions, each at the first try")
need(c["TDH.MEM.TRACK"] > 0 and c["track_rounds"] > 0 and c["kicks"] > 0, "TRACK and kicks")
need(c["TDH.MEM.RANGE.BLOCK"] == c["TDH.MEM.TRACK"], "a TRACK per BLOCK")
need(c["TDH.MEM.PAGE.AUG"] > 2000, "AUG of the accepted memory")
need(c["vm_bugged"] == 0, "vm_bugged 0")
m = doc["mappings"]
need(m["2M"] == 2003 and m["4K"] == 3066 and m["1G"] == 0, "mappings %r" % m)
need(doc["page_table_pages"]["mirror"] == doc["page_table_pages"]["external"],
     "mirror and external table pages agree")
need(doc["write_lock"]["acquisitions"] > 0 and doc["write_lock"]["hold_ns"] > 0, "write lock")
cost = doc["modelled_host_cost"]
need(cost["total_us"] > 0 and any(i["name"] == "TDH.MEM.PAGE.DEMOTE" for i in cost["items"]),
     "modelled cost")
need(abs(sum(i["us_total"] for i in cost["items"]) - cost["total_us"]) < 1e-6, "cost sums")
need(0 < doc["wall_time_ns"] < 20e9, "wall time under 20 s")
need(doc["teardown"]["leaked_bytes"] == 0, "teardown frees everything")
tl = doc["timeline"]
need(tl and tl[0]["command"].startswith("add ") and tl[0]["4K"] == 768, "timeline starts at add")
# All 2048 regions 2M once the image's two are promoted back.
need(any(p["2M"] == 2048 for p in tl), "all of memory mapped 2M at some point")
need(tl[-1]["promotes"] == 4, "timeline promotions")
need(tl[-1]["4K"] == m["4K"] and tl[-1]["2M"] == m["2M"], "timeline ends at the final mappings")
need(tl[-1]["splits"] == 8, "timeline splits")
# The human report shows the same numbers.
need("mappings          4K %d, 2M %d, 1G 0" % (m["4K"], m["2M"]) in human, "human mappings")
need(re.search(r"TDH\.MEM\.PAGE\.ADD\s+768\s", human), "human PAGE.ADD row")
PY

# The shipped copy runs the same.
"$bin" run --json "$src/examples/td-lifecycle.tdp" >"$tmp/ex.json" 2>/dev/null ||
	fail "examples/td-lifecycle.tdp: exit $?"
python3 -c '
import json, sys
a, b = (json.load(open(f)) for f in sys.argv[1:])
sys.exit(0 if a["counts"] == b["counts"] and a["mappings"] == b["mappings"] else 1)' \
	"$tmp/json" "$tmp/ex.json" || fail "examples/td-lifecycle.tdp counts differ from the built-in run"
exit 0
