#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# tdpmmu explore --generate: the scenario stream is a function of --seed;
# every generated scenario is valid and passes in file order on the fixed
# code; with a deliberate bug on, a fixed seed finds a violation within a
# few scenarios, writes it minimised, and `explore FILE` replays it (exit 1
# with the bug, 0 without); usage errors exit 2.
. "$(dirname "$0")/lib.sh"
bugs=$(dirname "$bin")/tdpmmu-bugs

"$bin" explore --generate --print --count 6 --seed 3 >"$tmp/a" || fail "--print"
"$bin" explore --generate --print --count 6 --seed 3 >"$tmp/b" || fail "--print again"
cmp -s "$tmp/a" "$tmp/b" || fail "--seed 3 is not reproducible"
"$bin" explore --generate --print --count 6 --seed 4 >"$tmp/c" || fail "--print seed 4"
cmp -s "$tmp/a" "$tmp/c" && fail "seeds 3 and 4 give the same scenarios"
[ "$(grep -c '^vm ' "$tmp/a")" = 6 ] || fail "--count 6: $(grep -c '^vm ' "$tmp/a") scenarios"
grep -q ' thread=1$' "$tmp/a" || fail "no second thread"
# Each one alone, in file order.
awk -v d="$tmp" '/^# tdpmmu explore --generate/{n++} {print > (d "/s" n ".tdp")}' "$tmp/a"
for s in "$tmp"/s*.tdp; do
	"$bin" run "$s" >/dev/null 2>"$tmp/err" || { cat "$s" "$tmp/err" >&2; fail "run $s"; }
done

# Promotion is in the mix (an overlay on some scenarios): `promote` in a
# thread, and (seed 1, scenario 1) promote=on with a region the set-up left
# promotable (accepted 2M, split by the host); such a scenario explores clean.
grep -q '^promote gpa=.* thread=' "$tmp/a" || fail "seed 3: no promote in a thread"
"$bin" explore --generate --print --count 2 --seed 1 |
	awk '/^# tdpmmu explore --generate/{n++} n==2' >"$tmp/p.tdp"
grep -q '^vm .* promote=on$' "$tmp/p.tdp" || fail "seed 1 scenario 1: no promote=on"
grep -q '^split gpa=0x200000 size=2M level=4K$' "$tmp/p.tdp" || fail "no promotable set-up"
grep -q '^promote gpa=0x0 size=0x400000 thread=1$' "$tmp/p.tdp" || fail "no promote in thread 1"
"$bin" explore --max-schedules 40 "$tmp/p.tdp" >"$tmp/out" 2>&1 ||
	{ cat "$tmp/p.tdp" "$tmp/out" >&2; fail "a promote scenario: exit 0"; }
# The promotion merged the split region in every schedule: two 2M mappings.
grep -q "violations        0" "$tmp/out" || fail "promote scenario: violations"
grep -q "mappings 4K=0 2M=2;" "$tmp/out" || { cat "$tmp/out" >&2; fail "not promoted"; }
# A bug is found in a scenario that carries `promote` (seed 3, scenario 0).
"$bugs" --bug skip_kick_after_track explore --generate --seed 3 --count 1 \
	--minimize-seconds 0 --out "$tmp/k.tdp" >/dev/null 2>&1
[ $? = 1 ] || fail "skip_kick_after_track: must exit 1"
grep -q '^promote gpa=.* thread=0$' "$tmp/k.tdp" || fail "the scenario has no promote"

# A few scenarios explored on the fixed code: no violation.
"$bin" explore --generate --count 2 --seed 3 --max-schedules 50 >"$tmp/out" 2>/dev/null ||
	{ cat "$tmp/out" >&2; fail "fixed code: exit 0"; }
grep -q "scenarios         2 " "$tmp/out" || fail "summary: scenarios"

# The finder finds a race: narrow_punch_invalidation brings back the hole
# punch vs. fault race (issue 9), which needs one preemption at the right
# point; seed 1 meets it in its 4th scenario, after two with `promote`.
[ "$("$bin" explore --generate --print --count 4 --seed 1 | grep -c '^promote .* thread=')" -ge 2 ] ||
	fail "seed 1: promote is not in the mix"
"$bugs" --bug narrow_punch_invalidation explore --generate --seed 1 --count 4 \
	--minimize-seconds 20 --out "$tmp/found.tdp" --json >"$tmp/json" 2>"$tmp/err"
[ $? = 1 ] || { cat "$tmp/json" "$tmp/err" >&2; fail "narrow_punch_invalidation: must exit 1"; }
grep -q '"result": "fail"' "$tmp/json" || fail "json result"
grep -q '"bugs": "--bug narrow_punch_invalidation"' "$tmp/json" || fail "json bugs"
[ -s "$tmp/found.tdp" ] || fail "no scenario written"
grep -q "^# Replay: tdpmmu-bugs --bug narrow_punch_invalidation explore" "$tmp/found.tdp" ||
	fail "header"
# The schedule written in the file replays the violation, and passes when fixed.
sched=$(sed -n 's/^    "schedule": "\([0-9,]*\)",$/\1/p' "$tmp/json")
[ -n "$sched" ] || fail "no schedule in the JSON"
grep -q -- "--replay $sched " "$tmp/found.tdp" || fail "the file lacks the --replay line"
"$bugs" --bug narrow_punch_invalidation explore --replay "$sched" "$tmp/found.tdp" >/dev/null 2>&1
[ $? = 1 ] || fail "the written schedule must replay the violation"
# On the fixed code the same schedule passes, or no longer fits: the wider
# invalidation adds choice points, so a long (unminimised) schedule can leave
# the fixed code's path; it must never show a violation.
"$bin" explore --replay "$sched" "$tmp/found.tdp" >"$tmp/fixed" 2>&1 ||
	grep -q "cannot run there" "$tmp/fixed" || { cat "$tmp/fixed" >&2; fail "the written schedule passes when fixed"; }
# When minimising ran to its end (not cut by --minimize-seconds, as in a
# sanitizer build), the race is down to 2-3 threaded commands that a full
# `explore FILE` finds again.
m=$(sed -n 's/^    "minimise_seconds": \([0-9]*\).*/\1/p' "$tmp/json")
if [ "${m:-20}" -lt 19 ]; then
	n=$(grep -c 'thread=' "$tmp/found.tdp")
	[ "$n" -ge 2 ] && [ "$n" -le 3 ] || fail "minimised scenario has $n threaded commands"
	"$bugs" --bug narrow_punch_invalidation explore "$tmp/found.tdp" >/dev/null 2>&1
	[ $? = 1 ] || fail "explore FILE must find the violation again"
	"$bin" explore "$tmp/found.tdp" >/dev/null 2>&1 || fail "explore FILE passes when fixed"
fi
grep -q 'thread=1' "$tmp/found.tdp" || fail "a race needs two threads"

for bad in "--seconds 0" "--seconds x" "--count 0" "--count 1.5" "--preemptions 2000" \
	"--bogus" "extra"; do
	"$bin" explore --generate $bad >/dev/null 2>&1
	[ $? = 2 ] || fail "explore --generate $bad: exit 2"
done
exit 0
