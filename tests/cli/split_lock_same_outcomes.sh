#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# vm split_lock=shared (SCENARIO-FORMAT §5.3) changes the lock, not the
# outcome: every scenario of the tree (tests/scenarios/*, examples/, the
# built-in lifecycle) is run as written (exclusive) and again with
# split_lock=shared added to its vm line; the exit status, the failed
# expectations and checks, the mappings, page-table pages, splits, guest
# inhibits, bugged state and the per-command timeline must be the same.
# The write lock must be taken less often where a fault-path split or an
# ACCEPT-level check ran, and never more.
. "$(dirname "$0")/lib.sh"

digest() {
	grep -o '"result":"[a-z]*"\|"expects":{[^}]*}\|"checks":{[^}]*}\|"mappings":{[^}]*}\|"page_table_pages":{[^}]*}\|"splits":[0-9]*\|"vm_bugged":[0-9]*\|"guest_inhibits":[0-9]*\|"timeline":\[.*\]' "$1"
}
wlocks() {
	sed -n 's/.*"write_lock":{"acquisitions":\([0-9]*\),.*/\1/p' "$1"
}

n=0
fewer=0
for f in "$src"/tests/scenarios/*/*.tdp "$src"/examples/*.tdp "$src"/tools/default_scenario.tdp; do
	grep -q '^vm .*split_lock=' "$f" && continue
	n=$((n + 1))
	# split_lock=shared after the vm line's last key, before any comment.
	sed '0,/^vm /s/^\(vm [^#]*[^ #]\)\(.*\)$/\1 split_lock=shared\2/' "$f" >"$tmp/shared.tdp"
	# Both at once: most of a run's wall time is waiting (RCU, threads).
	("$bin" run --json "$f" >"$tmp/a.json" 2>"$tmp/a.err"; echo $? >"$tmp/a.rc") &
	"$bin" run --json "$tmp/shared.tdp" >"$tmp/b.json" 2>"$tmp/b.err"
	rb=$?
	wait
	ra=$(cat "$tmp/a.rc")
	[ "$ra" = "$rb" ] || fail "$f: exit $ra exclusive, $rb shared"
	digest "$tmp/a.json" >"$tmp/a.d"
	digest "$tmp/b.json" >"$tmp/b.d"
	cmp -s "$tmp/a.d" "$tmp/b.d" || { diff "$tmp/a.d" "$tmp/b.d" >&2; fail "$f: outcome differs"; }
	grep -o 'expect failed.*\|check failed.*' "$tmp/a.err" >"$tmp/a.f"
	grep -o 'expect failed.*\|check failed.*' "$tmp/b.err" >"$tmp/b.f"
	cmp -s "$tmp/a.f" "$tmp/b.f" || { diff "$tmp/a.f" "$tmp/b.f" >&2; fail "$f: failures differ"; }
	wa=$(wlocks "$tmp/a.json")
	wb=$(wlocks "$tmp/b.json")
	[ -z "$wa" ] && continue # parse error: no report
	[ "$wb" -le "$wa" ] || fail "$f: $wb write locks shared > $wa exclusive"
	[ "$wb" -lt "$wa" ] && fewer=$((fewer + 1))
done
[ $n -ge 60 ] || fail "only $n scenarios compared"
# The fault-path splits of the shipped scenarios no longer take the write lock.
[ $fewer -ge 20 ] || fail "only $fewer scenarios took the write lock less often"
echo "$n scenarios: same outcomes; $fewer with fewer write-lock acquisitions"
