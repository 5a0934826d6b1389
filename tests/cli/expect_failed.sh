#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# A failed expectation: FILE:LINE: expect failed: WANT, got GOT; the run
# continues (later expectations are evaluated) and exits 1.
. "$(dirname "$0")/lib.sh"

f=$src/tests/scenarios/fail/expect-count-wrong.tdp
"$bin" run "$f" >"$tmp/out" 2>"$tmp/err"
[ $? = 1 ] || fail "failed expectation must exit 1"
grep -qx "$f:3: expect failed: count TDH.MEM.TRACK=5, got 0" "$tmp/err" ||
	{ cat "$tmp/err" >&2; fail "expect failed line"; }
grep -q "expects *1 passed, 1 failed" "$tmp/out" || { cat "$tmp/out" >&2; fail "report counts"; }
grep -q "FAIL" "$tmp/out" || fail "report does not say FAIL"

printf 'vm mem=16M\nexpect status=TDX_SUCCESS\nexpect rc=0\n' >"$tmp/t.tdp"
"$bin" run "$tmp/t.tdp" >"$tmp/out" 2>"$tmp/err"
[ $? = 1 ] || fail "expectation before any status must fail"
grep -qx "$tmp/t.tdp:2: expect failed: status=TDX_SUCCESS, got no status" "$tmp/err" ||
	{ cat "$tmp/err" >&2; fail "no-status line"; }
grep -qx "$tmp/t.tdp:3: expect failed: rc=0, got no rc" "$tmp/err" ||
	{ cat "$tmp/err" >&2; fail "no-rc line"; }

f=$src/tests/scenarios/fail/raw-desync-check.tdp
"$bin" run "$f" >"$tmp/out" 2>"$tmp/err"
[ $? = 1 ] || fail "mirror/S-EPT desync must fail check"
grep -q "^$f:6: check failed: \[sept-orphan\] gpa 0x0 level 512G: S-EPT NL_MAPPED" \
	"$tmp/err" || { cat "$tmp/err" >&2; fail "check failure line"; }
echo ok
