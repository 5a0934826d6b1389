#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# tdpmmu-bugs: `--bug NAME` (repeatable) before the command switches on a
# deliberate bug, `--bug list` prints the names, a bad name is a usage
# error; with a switch on, the race of examples/explore/punch-vs-fault.tdp
# is found, without it (and in tdpmmu) it is not.
. "$(dirname "$0")/lib.sh"
bugs=$(dirname "$bin")/tdpmmu-bugs
[ -x "$bugs" ] || fail "no $bugs (make builds it)"

"$bugs" --bug list >"$tmp/list" || fail "--bug list"
for b in skip_kick_after_track skip_track publish_child_before_link no_invalidate_retry \
	zap_without_split narrow_punch_invalidation skip_remote_tlb_flush \
	promote_ignores_invalidation; do
	grep -qx "$b" "$tmp/list" || fail "--bug list lacks $b"
done

"$bugs" --bug no_such_bug run >/dev/null 2>"$tmp/err"
[ $? = 2 ] || fail "unknown bug: exit 2"
grep -q "unknown bug 'no_such_bug'" "$tmp/err" || fail "unknown bug: message"
"$bugs" --bug >/dev/null 2>&1
[ $? = 2 ] || fail "--bug without NAME: exit 2"
"$bin" --bug list >/dev/null 2>&1
[ $? = 2 ] || fail "tdpmmu (no bugs) must refuse --bug"

f=$src/examples/explore/punch-vs-fault.tdp
"$bugs" explore "$f" >/dev/null 2>&1 || fail "tdpmmu-bugs with no bug on: must pass"
"$bugs" --bug no_invalidate_retry explore "$f" >"$tmp/out" 2>&1
[ $? = 1 ] || { cat "$tmp/out" >&2; fail "--bug no_invalidate_retry: explore must exit 1"; }
grep -q "first violation" "$tmp/out" || fail "no violation reported"
"$bugs" --bug no_invalidate_retry run "$f" >/dev/null 2>&1 ||
	fail "the race needs an interleaving: run in file order passes"

# The race explore --generate found on the fixed code (promotion vs. a punch
# across a region boundary): with the fix switched off, explore finds it
# again in the minimised scenario; with it on, every schedule passes.
p=$src/examples/explore/promote-undoes-punch-split.tdp
"$bugs" explore "$p" >"$tmp/out" 2>&1 || { cat "$tmp/out" >&2; fail "promote scenario, no bug: must pass"; }
"$bugs" --bug promote_ignores_invalidation explore "$p" >"$tmp/out" 2>&1
[ $? = 1 ] || { cat "$tmp/out" >&2; fail "--bug promote_ignores_invalidation: explore must exit 1"; }
grep -q "first violation" "$tmp/out" || fail "promote_ignores_invalidation: no violation reported"
grep -q "got EIO\|vm_bugged=0, got 1" "$tmp/out" ||
	fail "promote_ignores_invalidation: the violation is not the bugged VM: $(cat "$tmp/out")"
exit 0
