#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# The split_lock=shared explore scenarios (examples/explore/split-shared-*)
# reach exactly the same set of end states (statuses, mappings, splits,
# bugged) as the same scenarios with split_lock=exclusive, over every
# interleaving up to one preemption; and with shared, real module
# contention happens in some interleaving (a split given back for a retry).
. "$(dirname "$0")/lib.sh"

states() {
	"$bin" explore --preemptions 1 --keep-going "$1" >"$tmp/out" 2>&1
	grep -q "(complete)" "$tmp/out" || { cat "$tmp/out" >&2; fail "$1: incomplete"; }
	sed -n '/^  end states/,/^  violations/p' "$tmp/out" | sed -n 's/^ *[0-9][0-9]*  \(T0 .*\)$/\1/p' | sort
}

n=0
for f in "$src"/examples/explore/split-shared-*.tdp; do
	n=$((n + 1))
	sed -e 's/split_lock=shared/split_lock=exclusive/' -e '/mmu_write_locks/d' "$f" >"$tmp/excl.tdp"
	states "$f" >"$tmp/shared.states"
	grep -q "violations        0" "$tmp/out" || { cat "$tmp/out" >&2; fail "$f: violations"; }
	states "$tmp/excl.tdp" >"$tmp/excl.states"
	[ -s "$tmp/shared.states" ] || fail "$f: no end states"
	cmp -s "$tmp/shared.states" "$tmp/excl.states" ||
		{ diff "$tmp/excl.states" "$tmp/shared.states" >&2; fail "$f: end states differ"; }
done
[ $n -ge 5 ] || fail "only $n split-shared scenarios"

# Contention is real, not injected: some interleaving gives a split back.
f=$src/examples/explore/split-shared-vs-fault4k.tdp
sed 's/^check$/expect count split_retries=0\ncheck/' "$f" >"$tmp/retry.tdp"
"$bin" explore --preemptions 1 "$tmp/retry.tdp" >"$tmp/out" 2>&1
[ $? = 1 ] || fail "no interleaving of $f retried a split"
grep -q "expect failed: count split_retries=0, got [1-9]" "$tmp/out" || fail "retry message"
