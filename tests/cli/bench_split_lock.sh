#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# bench split-lock --quick --json: one JSON object; the default lifecycle
# takes mmu_lock for write less often with split_lock=shared and sees the
# same splits; in the fault benchmark the shared splits take no write lock
# and no fault waited for mmu_lock because of them, every split done in
# both modes.  Timings are not asserted (docs/PERFORMANCE.md records them).
. "$(dirname "$0")/lib.sh"

"$bin" bench --quick --json --repeats 1 split-lock >"$tmp/out" 2>"$tmp/err" ||
	{ cat "$tmp/err" >&2; fail "bench exit"; }
python3 - "$tmp/out" <<'PY' || fail "json"
import json, sys
b = json.load(open(sys.argv[1]))["benchmarks"]["split-lock"]
def need(c, what):
    if not c:
        print("split-lock: " + what, file=sys.stderr)
        sys.exit(1)
life = b["default_lifecycle"]
need(life["shared"]["mmu_write_locks"] < life["exclusive"]["mmu_write_locks"], "lifecycle write locks")
need(life["shared"]["splits"] == life["exclusive"]["splits"] > 0, "lifecycle splits")
need(life["shared"]["scenario_exit"] == life["exclusive"]["scenario_exit"] == 0, "lifecycle passes")
f = b["faults_while_splitting"]
n = f["config"]["splits_per_run"] * f["config"]["repeats"]
for m in ("exclusive", "shared"):
    need(f[m]["counts"]["splits"] == n, m + " splits")
    need(f[m]["faults"]["samples"] > 0 and f[m]["split"]["samples"] == n, m + " samples")
need(f["exclusive"]["counts"]["mmu_write_locks"] >= n, "exclusive takes the write lock per split")
need(f["shared"]["counts"]["mmu_write_locks"] == 0, "shared never takes the write lock")
need(f["shared"]["counts"]["fault_read_lock_waits"] == 0, "no fault waited in shared mode")
need(all(g["met"] for g in b["goals"]), "goals")
PY
