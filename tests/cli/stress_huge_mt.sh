#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# tdpmmu stress lives in huge pages: with fresh TDs every --td-lifetime,
# whole-region punches, reconversions and host splits keep making and
# splitting 2M mappings, so DEMOTE keeps being called; the summary reports
# splits, DEMOTEs, PROMOTEs, the sampled share of private memory mapped
# huge and the TDs renewed.  --td-lifetime 0 keeps one TD.
. "$(dirname "$0")/lib.sh"

# The counts are per second of a machine that may be slow (ThreadSanitizer,
# a loaded CI host): a run that falls short is tried once more, three times
# longer; the same minimums must hold then.
for secs in 2 6; do
	"$bin" stress --seed 7 --seconds $secs --mem 64M --td-lifetime 0.2 --check-interval 0.1 \
		--json --replay "$tmp/r.tdp" >"$tmp/out.json" ||
		fail "stress failed: $(cat "$tmp/out.json")"
	grep -q '"result": "pass"' "$tmp/out.json" || fail "no pass result"
	huge=$(sed -n '/"huge"/,/}/p' "$tmp/out.json")
	d=$(echo "$huge" | sed -n 's/.*"demotes": \([0-9]*\).*/\1/p')
	r=$(echo "$huge" | sed -n 's/.*"td_recycles": \([0-9]*\).*/\1/p')
	n=$(echo "$huge" | sed -n 's/.*"samples": \([0-9]*\).*/\1/p')
	[ "${d:-0}" -ge 20 ] && [ "${r:-0}" -ge 2 ] && [ "${n:-0}" -ge 2 ] && break
done
[ "${d:-0}" -ge 20 ] || fail "only ${d:-no} DEMOTEs in $secs s"
[ "${r:-0}" -ge 2 ] || fail "only ${r:-no} TDs renewed"
[ "${n:-0}" -ge 2 ] || fail "only ${n:-no} huge-share samples"
echo "$huge" | grep -q '"mapped_huge_share_avg"' || fail "no mapped_huge_share_avg"
echo "$huge" | grep -q '"promotes"' || fail "no promotes"

"$bin" stress --seed 7 --seconds 1 --mem 32M --td-lifetime 0 --json --replay "$tmp/r2.tdp" \
	>"$tmp/out2.json" || fail "stress --td-lifetime 0 failed"
grep -q '"td_recycles": 0' "$tmp/out2.json" || fail "--td-lifetime 0 renewed the TD"
grep -q '"runs": 1,' "$tmp/out2.json" || fail "--td-lifetime 0: more than one run"
"$bin" stress --seed 7 --seconds 1 --mem 32M --quiet | grep -q "huge pages: splits=" ||
	fail "text summary: no huge pages line"
"$bin" stress --td-lifetime x >/dev/null 2>&1
[ $? -eq 2 ] || fail "--td-lifetime x not refused with 2"
exit 0
