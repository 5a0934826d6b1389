#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# The runner's last-status / last-rc bookkeeping and expectation matching,
# through inline scenarios: injected statuses with operands, TDX_OPERAND_BUSY
# alone matching any operand, full hex statuses, tdcall exits, the guest's
# outcomes, `expect sept` on a path that ends at a leaf above the level,
# alloc-failure rc, and `stats`.
. "$(dirname "$0")/lib.sh"

cat >"$tmp/pass.tdp" <<'END'
vm mem=16M
finalize
inject TDH.MEM.TRACK status=TDX_OPERAND_BUSY|RCX count=2 after=1
seamcall TDH.MEM.TRACK
expect status=TDX_SUCCESS
seamcall TDH.MEM.TRACK
expect status=TDX_OPERAND_BUSY
seamcall TDH.MEM.TRACK
expect status=TDX_OPERAND_BUSY|RCX
expect status=0x8000020000000001
seamcall TDH.MEM.TRACK
expect status=TDX_SUCCESS
expect count TDH.MEM.TRACK=4
tdcall TDG.MEM.PAGE.ACCEPT gpa=0x200000 level=2M
expect status=EXIT_EPT_VIOLATION
access gpa=0x0 shared
expect status=EXIT_MEMORY_FAULT
accept gpa=0x400000 level=2M
expect status=TDX_SUCCESS
expect mirror gpa=0x400000 level=2M
expect sept gpa=0x400000 level=2M state=MAPPED
expect count vm_bugged=0
stats
END
"$bin" run "$tmp/pass.tdp" >"$tmp/out" 2>"$tmp/err"
[ $? = 0 ] || { cat "$tmp/err" >&2; fail "pass.tdp must pass"; }
grep -q "expects *12 passed, 0 failed" "$tmp/out" || { cat "$tmp/out" >&2; fail "pass.tdp counts"; }
for c in TDH.MEM.SEPT.ADD TDH.MEM.PAGE.ADD TDH.MEM.PAGE.AUG TDH.MEM.RANGE.BLOCK \
	TDH.MEM.RANGE.UNBLOCK TDH.MEM.TRACK TDH.MEM.PAGE.DEMOTE TDH.MEM.PAGE.PROMOTE \
	TDH.MEM.PAGE.REMOVE TDH.MEM.SEPT.REMOVE TDH.MR.FINALIZE TDG.MEM.PAGE.ACCEPT \
	splits kicks faults vm_bugged; do
	grep -q "^$c  *[0-9][0-9]*$" "$tmp/out" || fail "stats does not print $c"
done
grep -q "^TDH.MEM.TRACK  *4$" "$tmp/out" || fail "stats: TRACK count (injected calls count)"

cat >"$tmp/fail.tdp" <<'END'
vm mem=16M
finalize
inject TDH.MEM.TRACK status=TDX_OPERAND_BUSY|RCX
seamcall TDH.MEM.TRACK
expect status=TDX_OPERAND_BUSY|RDX
expect status=TDX_SUCCESS
accept gpa=0x400000 level=2M
expect sept gpa=0x400000 level=4K state=MAPPED
expect mirror gpa=0x400000 absent
expect status=EIO
END
"$bin" run "$tmp/fail.tdp" >"$tmp/out" 2>"$tmp/err"
[ $? = 1 ] || fail "fail.tdp must exit 1"
cat >"$tmp/want" <<END
$tmp/fail.tdp:5: expect failed: status=TDX_OPERAND_BUSY|RDX, got TDX_OPERAND_BUSY|RCX
$tmp/fail.tdp:6: expect failed: status=TDX_SUCCESS, got TDX_OPERAND_BUSY|RCX
$tmp/fail.tdp:8: expect failed: sept gpa=0x400000 level=4K state=MAPPED, got no entry (a leaf above 4K maps it)
$tmp/fail.tdp:9: expect failed: mirror gpa=0x400000 absent, got 2M
$tmp/fail.tdp:10: expect failed: status=EIO, got TDX_SUCCESS
END
cmp -s "$tmp/want" "$tmp/err" || { diff "$tmp/want" "$tmp/err" >&2; fail "fail.tdp stderr"; }

# An allocation failure: add fails with ENOMEM (extension: add sets rc), the
# TD stays consistent, the retry works.
printf 'vm mem=16M\ninject alloc fail\nadd gpa=0\nexpect rc=ENOMEM\nadd gpa=0\nexpect rc=0\nexpect status=TDX_SUCCESS\nexpect mirror gpa=0 level=4K\ncheck\n' >"$tmp/alloc.tdp"
"$bin" run "$tmp/alloc.tdp" >"$tmp/out" 2>"$tmp/err"
[ $? = 0 ] || { cat "$tmp/err" >&2; fail "alloc.tdp must pass"; }
echo ok
