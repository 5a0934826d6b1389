#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# A bad file: every error as FILE:LINE: error: MESSAGE on stderr, in order,
# exit 2, nothing run (no report on stdout).  Same through stdin.
. "$(dirname "$0")/lib.sh"

f=$src/tests/scenarios/bad/shared-bad-input.tdp
"$bin" run "$f" >"$tmp/out" 2>"$tmp/err"
[ $? = 2 ] || fail "bad file must exit 2"
[ -s "$tmp/out" ] && fail "bad file: something ran (stdout not empty)"
cat >"$tmp/want" <<END
$f:3: error: vcpus must be between 1 and 1024, got 0
$f:4: error: gpa 0x1001 is not 4K aligned
$f:5: error: bad value 'sideways' for 'to' (want shared|private)
$f:6: error: unknown leaf 'TDH.MEM.PAGE.FOLD' for 'seamcall'
$f:7: error: bad level '3M' for 'level' (want 4K|2M|1G|512G)
END
cmp -s "$tmp/want" "$tmp/err" || { diff "$tmp/want" "$tmp/err" >&2; fail "stderr differs"; }

"$bin" run --json - <"$f" >"$tmp/out" 2>"$tmp/err"
[ $? = 2 ] || fail "bad stdin must exit 2"
[ -s "$tmp/out" ] && fail "bad stdin: something ran"
head -1 "$tmp/err" | grep -qx '<stdin>:3: error: vcpus must be between 1 and 1024, got 0' ||
	fail "stdin errors are not named <stdin>"
[ "$(wc -l <"$tmp/err")" -eq 5 ] || fail "stdin: want 5 error lines"

# Every file in tests/scenarios/bad/ is refused the same way.
for b in "$src"/tests/scenarios/bad/*.tdp; do
	"$bin" run "$b" >"$tmp/out" 2>"$tmp/err"
	[ $? = 2 ] || fail "$b must exit 2"
	grep -q "^$b:[0-9]*: error: " "$tmp/err" || fail "$b: no FILE:LINE: error: line"
	grep -qv "^$b:[0-9]*: error: " "$tmp/err" && fail "$b: stray stderr output"
done
echo ok
