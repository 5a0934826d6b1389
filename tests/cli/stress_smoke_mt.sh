#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# A bounded `tdpmmu stress` run (label mt: the ThreadSanitizer build runs it
# too): 4 vCPU threads and 2 host threads for ~2 s with recoverable
# injections, then the fatal-injection mode (bugged VMs replaced).  It must
# pass, print a JSON summary with operations done and checks passed, and
# refuse bad options with exit 2.
. "$(dirname "$0")/lib.sh"

"$bin" stress --seed 7 --seconds 2 --vcpus 4 --host-threads 2 --mem 32M \
	--inject-rate 0.02 --check-interval 0.2 --json --replay "$tmp/r.tdp" >"$tmp/out.json" ||
	fail "stress run failed: $(cat "$tmp/out.json")"
grep -q '"result": "pass"' "$tmp/out.json" || fail "no pass result"
grep -q '"violations": 0' "$tmp/out.json" || fail "violations reported"
ops=$(sed -n 's/.*"ops_total": \([0-9]*\).*/\1/p' "$tmp/out.json")
[ "${ops:-0}" -gt 100 ] || fail "too few operations: $ops"
checks=$(sed -n '/"checks"/,/}/s/.*"passed": \([0-9]*\).*/\1/p' "$tmp/out.json")
[ "${checks:-0}" -ge 2 ] || fail "too few quiescent checks: $checks"

"$bin" stress --seed 8 --seconds 1 --vcpus 2 --host-threads 2 --mem 16M --dpamt \
	--inject-fatal --json --replay "$tmp/r2.tdp" >"$tmp/out2.json" ||
	fail "fatal-injection run failed: $(cat "$tmp/out2.json")"
grep -q '"result": "pass"' "$tmp/out2.json" || fail "fatal run did not pass"

"$bin" stress --vcpus 0 >/dev/null 2>&1
[ $? -eq 2 ] || fail "--vcpus 0 not refused with 2"
"$bin" stress --bogus >/dev/null 2>&1
[ $? -eq 2 ] || fail "unknown option not refused with 2"
"$bin" stress --help | grep -q -- "--inject-rate" || fail "--help"
exit 0
