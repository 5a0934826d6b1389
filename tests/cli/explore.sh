#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# tdpmmu explore: the shipped scenarios (examples/explore/) explore
# completely, with more than one schedule and no violation, and still run
# under `tdpmmu run`; an expectation that holds only in some interleavings
# is found, with a schedule that --replay reproduces; usage errors exit 2.
. "$(dirname "$0")/lib.sh"

n=0
for f in "$src"/examples/explore/*.tdp; do
	n=$((n + 1))
	"$bin" run "$f" >/dev/null 2>"$tmp/err" || { cat "$tmp/err" >&2; fail "run $f"; }
	opt=
	case $f in *two-accepts-vs-convert.tdp | *punch-edge-vs-fault-1g.tdp) opt="--preemptions 1" ;; esac
	"$bin" explore $opt --json "$f" >"$tmp/json" 2>&1 || { cat "$tmp/json" >&2; fail "explore $f"; }
	grep -q '"result": "pass"' "$tmp/json" || fail "$f: result"
	grep -q '"violations": 0,' "$tmp/json" || fail "$f: violations"
	grep -q '"complete": true' "$tmp/json" || fail "$f: incomplete"
	s=$(sed -n 's/^  "schedules": \([0-9]*\),/\1/p' "$tmp/json")
	[ "${s:-0}" -gt 1 ] || fail "$f: ${s:-no} schedules"
done
[ $n -ge 4 ] || fail "only $n scenarios in examples/explore"

# More preemptions, more schedules; none, one per starting thread.
f=$src/examples/explore/punch-vs-fault.tdp
s0=$("$bin" explore --preemptions 0 "$f" | sed -n 's/^  schedules *\([0-9]*\) .*/\1/p')
s1=$("$bin" explore --preemptions 1 "$f" | sed -n 's/^  schedules *\([0-9]*\) .*/\1/p')
s2=$("$bin" explore --preemptions 2 "$f" | sed -n 's/^  schedules *\([0-9]*\) .*/\1/p')
[ "$s0" = 2 ] || fail "bound 0: $s0 schedules"
"$bin" explore "$f" >"$tmp/out" 2>&1 || fail "explore $f"
grep -q "violations        0" "$tmp/out" || fail "text report"
[ "$(sed -n 's/^  schedules *\([0-9]*\) (complete)/\1/p' "$tmp/out")" = "$s2" ] ||
	fail "text report: schedules"
[ "$s1" -gt "$s0" ] && [ "$s2" -gt "$s1" ] || fail "bounds: $s0 $s1 $s2"

# An order-dependent expectation: the 2M accept succeeds only if it wins.
cat >"$tmp/race.tdp" <<'END'
vm mem=4M vcpus=2
finalize
accept gpa=0x200000 level=2M vcpu=0 thread=0
expect status=TDX_SUCCESS thread=0
accept gpa=0x201000 level=4K vcpu=1 thread=1
expect count vm_bugged=0
check
END
"$bin" run "$tmp/race.tdp" >/dev/null 2>&1 || fail "race.tdp passes in file order"
"$bin" explore "$tmp/race.tdp" >"$tmp/out" 2>&1
[ $? = 1 ] || { cat "$tmp/out" >&2; fail "race.tdp: explore must exit 1"; }
grep -q "expect failed: status=TDX_SUCCESS thread=0, got TDX_PAGE_SIZE_MISMATCH" "$tmp/out" ||
	fail "race.tdp: message"
sched=$(sed -n 's/^  replay with *tdpmmu explore --replay \([0-9,]*\) .*/\1/p' "$tmp/out")
[ -n "$sched" ] || fail "race.tdp: no replay schedule"
"$bin" explore --replay "$sched" --trace "$tmp/race.tdp" >"$tmp/replay" 2>&1
[ $? = 1 ] || fail "replay of $sched must fail again"
grep -q "schedules         1 (replay)" "$tmp/replay" || fail "replay: one schedule"
grep -q "TDH.MEM.PAGE.AUG" "$tmp/replay" || fail "replay: trace"
"$bin" explore --keep-going "$tmp/race.tdp" >"$tmp/out" 2>&1
[ $? = 1 ] || fail "keep-going exit"
grep -q "(complete)" "$tmp/out" || fail "keep-going explores everything"

# Usage and scenario errors: exit 2.
printf 'vm mem=4M\nfinalize\naccept gpa=0 level=4K\n' >"$tmp/none.tdp"
"$bin" explore "$tmp/none.tdp" >/dev/null 2>&1
[ $? = 2 ] || fail "no thread= must be a usage error"
printf 'vm mem=4M\naccept gpa=0 level=4K thread=0\ncheck\naccept gpa=0 level=4K thread=1\n' >"$tmp/mid.tdp"
"$bin" explore "$tmp/mid.tdp" >/dev/null 2>&1
[ $? = 2 ] || fail "unthreaded command between threaded ones"
printf 'vm mem=4M\naccept gpa=0 level=4K thread=1\n' >"$tmp/gap.tdp"
"$bin" explore "$tmp/gap.tdp" >/dev/null 2>&1
[ $? = 2 ] || fail "thread numbers with a gap"
printf 'vm mem=4M\naccept gpa=0 level=4K thread=4\n' >"$tmp/big.tdp"
"$bin" explore "$tmp/big.tdp" 2>"$tmp/err" >/dev/null
[ $? = 2 ] && grep -q "thread must be between 0 and 3" "$tmp/err" || fail "thread=4"
printf 'vm mem=4M\nfinalize\ninject alloc fail thread=0\n' >"$tmp/key.tdp"
"$bin" explore "$tmp/key.tdp" 2>/dev/null >/dev/null
[ $? = 2 ] || fail "thread= on inject"
"$bin" explore --preemptions x "$f" >/dev/null 2>&1
[ $? = 2 ] || fail "bad --preemptions"
"$bin" explore --replay 0,a "$f" >/dev/null 2>&1
[ $? = 2 ] || fail "bad --replay"
"$bin" explore >/dev/null 2>&1
[ $? = 2 ] || fail "no file"
"$bin" explore --help | grep -q "preemptions" || fail "--help"
echo "explore: ok"
