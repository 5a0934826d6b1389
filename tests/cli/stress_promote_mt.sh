#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# `tdpmmu stress --promote` (label mt: the ThreadSanitizer build runs it
# too): promote=on, host `promote` ops and recovery-worker runs among
# conversions, punches, splits and guest accepts, with recoverable
# injections and with Dynamic PAMT.  It must pass with no violation and
# really promote; the replay's vm line carries promote=on.
. "$(dirname "$0")/lib.sh"

# Promotions are ~0.5% of operations: under ThreadSanitizer on a loaded
# host 2 s may hold a few hundred; a run with none is tried once more,
# four times longer.
for secs in 2 8; do
	"$bin" stress --promote --seed 3 --seconds $secs --vcpus 2 --host-threads 2 --mem 32M \
		--inject-rate 0.02 --check-interval 0.2 --json --replay "$tmp/r.tdp" >"$tmp/out.json" ||
		fail "stress --promote failed: $(cat "$tmp/out.json")"
	grep -q '"result": "pass"' "$tmp/out.json" || fail "no pass result"
	grep -q '"violations": 0' "$tmp/out.json" || fail "violations reported"
	p=$(sed -n 's/.*"promotes": \([0-9]*\).*/\1/p' "$tmp/out.json" | head -n 1)
	[ "${p:-0}" -gt 0 ] && break
done
[ "${p:-0}" -gt 0 ] || fail "no promotion in $secs s"

"$bin" stress --promote --seed 4 --seconds 1 --vcpus 2 --host-threads 2 --mem 16M --dpamt \
	--policy recover --demote-interruptible --json >"$tmp/out2.json" ||
	fail "stress --promote --dpamt failed: $(cat "$tmp/out2.json")"
grep -q '"result": "pass"' "$tmp/out2.json" || fail "dpamt run did not pass"
"$bin" stress --help | grep -q -- "--promote" || fail "--help lacks --promote"
exit 0
