#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# vm split_lock=shared (SCENARIO-FORMAT §5.3) changes the lock, not the
# outcome: every scenario of the tree (tests/scenarios/*, examples/) is run
# as written (exclusive) and again with split_lock=shared added to its vm
# line; the exit status, the failed expectations and checks, the mappings,
# page-table pages, splits, guest inhibits, bugged state and the
# per-command timeline must be the same.  The write lock must never be
# taken more often, and less often where an ACCEPT below the mapped level
# ran.  (Called with a third argument "one FILE": compare that file.)
. "$(dirname "$0")/lib.sh"

digest() {
	grep -o '"result":"[a-z]*"\|"expects":{[^}]*}\|"checks":{[^}]*}\|"mappings":{[^}]*}\|"page_table_pages":{[^}]*}\|"splits":[0-9]*\|"vm_bugged":[0-9]*\|"guest_inhibits":[0-9]*\|"timeline":\[.*\]' "$1"
}
wlocks() {
	sed -n 's/.*"write_lock":{"acquisitions":\([0-9]*\),.*/\1/p' "$1"
}

if [ "$3" = one ]; then
	f=$4
	# split_lock=shared after the vm line's last key, before any comment.
	sed '0,/^vm /s/^\(vm [^#]*[^ #]\)\(.*\)$/\1 split_lock=shared\2/' "$f" >"$tmp/shared.tdp"
	"$bin" run --json "$f" >"$tmp/a.json" 2>"$tmp/a.err"
	ra=$?
	"$bin" run --json "$tmp/shared.tdp" >"$tmp/b.json" 2>"$tmp/b.err"
	rb=$?
	[ "$ra" = "$rb" ] || fail "$f: exit $ra exclusive, $rb shared"
	digest "$tmp/a.json" >"$tmp/a.d"
	digest "$tmp/b.json" >"$tmp/b.d"
	cmp -s "$tmp/a.d" "$tmp/b.d" || { diff "$tmp/a.d" "$tmp/b.d" >&2; fail "$f: outcome differs"; }
	grep -o 'expect failed.*\|check failed.*' "$tmp/a.err" >"$tmp/a.f"
	grep -o 'expect failed.*\|check failed.*' "$tmp/b.err" >"$tmp/b.f"
	cmp -s "$tmp/a.f" "$tmp/b.f" || { diff "$tmp/a.f" "$tmp/b.f" >&2; fail "$f: failures differ"; }
	wa=$(wlocks "$tmp/a.json")
	wb=$(wlocks "$tmp/b.json")
	[ -z "$wa" ] && { echo same; exit 0; } # parse error: no report
	[ "$wb" -le "$wa" ] || fail "$f: $wb write locks shared > $wa exclusive"
	if [ "$wb" -lt "$wa" ]; then echo fewer; else echo same; fi
	exit 0
fi

# Most of a run's wall time is waiting (RCU, vCPU threads): four at once.
for f in "$src"/tests/scenarios/*/*.tdp "$src"/examples/*.tdp; do
	grep -q '^vm .*split_lock=' "$f" || echo "$f"
done >"$tmp/list"
n=$(wc -l <"$tmp/list")
xargs -P 4 -I{} sh "$0" "$bin" "$src" one {} <"$tmp/list" >"$tmp/res" ||
	fail "some scenario differs (see above)"
[ "$(wc -l <"$tmp/res")" -eq "$n" ] || fail "$(wc -l <"$tmp/res") results for $n scenarios"
[ "$n" -ge 60 ] || fail "only $n scenarios compared"
fewer=$(grep -c fewer "$tmp/res")
# The ACCEPT exits below the mapped level no longer take the write lock.
[ "$fewer" -ge 20 ] || fail "only $fewer scenarios took the write lock less often"
echo "$n scenarios: same outcomes; $fewer with fewer write-lock acquisitions"
