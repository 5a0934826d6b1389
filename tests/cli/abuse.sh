#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# The abuse pass of issue 9, kept as tests: each input that once hung,
# aborted, wrapped or lied now gets a clear message and a defined status.
. "$(dirname "$0")/lib.sh"

s=$src/tests/scenarios

# A guest step that can never complete ends with a run error, not a hang
# and not EIO (the VM is not bugged: the expect after it holds).
for f in "$s"/fail/guest-stuck-*.tdp; do
	"$bin" run "$f" >"$tmp/out" 2>"$tmp/err"
	[ $? = 1 ] || fail "$f must exit 1"
	grep -q "^$f:[0-9]*: run failed: the guest step did not complete: " "$tmp/err" ||
		fail "$f: no run error: $(cat "$tmp/err")"
	grep -q "expect failed" "$tmp/err" && fail "$f: the VM was bugged or the status wrong"
done
"$bin" run "$s/fail/guest-stuck-alloc.tdp" 2>&1 >/dev/null | grep -q "last fault error: ENOMEM" ||
	fail "stuck on allocations: the message does not say ENOMEM"
"$bin" run "$s/fail/guest-stuck-vp-enter.tdp" 2>&1 >/dev/null |
	grep -q "TDH.VP.ENTER returned TDX_OPERAND_BUSY 4096 times in a row" ||
	fail "stuck on VP.ENTER: the message does not say so"

# A write error on stdout fails the command.
if [ -w /dev/full ]; then
	"$bin" run --json "$s/vm/enter-refused.tdp" >/dev/full 2>"$tmp/err"
	[ $? = 1 ] || fail "run --json > /dev/full must exit 1"
	grep -q "^tdpmmu: error writing to stdout" "$tmp/err" || fail "no write-error message"
fi

# Input size limit: a clear message, exit 2, and reading stops (/dev/zero).
head -c 16777217 /dev/zero | tr '\0' '\n' >"$tmp/big.tdp"
"$bin" run "$tmp/big.tdp" >"$tmp/out" 2>"$tmp/err"
[ $? = 2 ] || fail "a 16 MiB + 1 file must exit 2"
grep -q "larger than 16 MiB, the limit for a scenario" "$tmp/err" || fail "no size-limit message"
"$bin" run /dev/zero >"$tmp/out" 2>"$tmp/err"
[ $? = 2 ] || fail "run /dev/zero must exit 2"
grep -q "^tdpmmu run: cannot read /dev/zero: larger than 16 MiB" "$tmp/err" ||
	fail "run /dev/zero: $(cat "$tmp/err")"

{ echo "vm mem=8M"; yes check | head -n 1000001; } >"$tmp/many.tdp"
"$bin" run "$tmp/many.tdp" >"$tmp/out" 2>"$tmp/err"
[ $? = 2 ] || fail "10^6 + 1 commands must exit 2"
[ "$(cat "$tmp/err")" = "$tmp/many.tdp:1000001: error: too many commands (at most 1000000 in a scenario)" ] ||
	fail "too many commands: $(head -3 "$tmp/err")"

# Lexer: only spaces and tabs separate tokens; CRLF is fine; a bare CR and
# other control bytes are refused by name and never echoed raw.
printf 'vm mem=8M\r\nfinalize\r\naccess gpa=0\r\nexpect status=VE\r\n' >"$tmp/crlf.tdp"
"$bin" run "$tmp/crlf.tdp" >/dev/null 2>&1 || fail "a CRLF file must run"
printf 'vm mem=8M\rfinalize\raccess gpa=0\r' >"$tmp/cr.tdp"
"$bin" run "$tmp/cr.tdp" >/dev/null 2>"$tmp/err"
[ $? = 2 ] || fail "a CR-only file must exit 2"
[ "$(cat "$tmp/err")" = "$tmp/cr.tdp:1: error: carriage return (CR) not followed by a line feed: lines end in LF or CRLF (a file with CR-only line ends is one line)" ] ||
	fail "CR-only: $(cat "$tmp/err")"
printf 'vm mem=8M\nfinalize\vaccess gpa=0\nbogus\033[31mred\nexpect status=\377\n# \033 in a comment is fine\n' >"$tmp/ctl.tdp"
"$bin" run "$tmp/ctl.tdp" >/dev/null 2>"$tmp/err"
[ $? = 2 ] || fail "control bytes must exit 2"
cat >"$tmp/want" <<END
$tmp/ctl.tdp:2: error: control character 0x0b in line (tokens are separated by spaces or tabs)
$tmp/ctl.tdp:3: error: control character 0x1b in line (tokens are separated by spaces or tabs)
$tmp/ctl.tdp:4: error: unknown status '\xff'
END
cmp -s "$tmp/want" "$tmp/err" || { diff "$tmp/want" "$tmp/err" >&2; fail "control bytes: stderr differs"; }

# A file name with control bytes or invalid UTF-8: escaped in messages,
# and --json still has "file".
bad=$(printf '%s/n\377me\033.tdp' "$tmp")
printf 'vm mem=8M\n' >"$bad"
"$bin" run --json "$bad" >"$tmp/out" 2>"$tmp/err" || fail "a run under an odd name failed"
grep -q '"file": *"[^"]*n\\\\xffme\\\\x1b.tdp"' "$tmp/out" || fail "--json: file missing or raw: $(cat "$tmp/out")"
printf 'bogus\n' >"$bad"
"$bin" run "$bad" 2>&1 >/dev/null | grep -q "$(printf '\033')" && fail "an ESC reached stderr raw"

# stress and bench options.
"$bin" stress --seconds 0 >/dev/null 2>"$tmp/err"
[ $? = 2 ] || fail "stress --seconds 0 must exit 2 (it ran for ever)"
grep -q "bad value '0' for --seconds" "$tmp/err" || fail "stress --seconds 0: $(cat "$tmp/err")"
"$bin" stress extra-positional >/dev/null 2>"$tmp/err"
[ $? = 2 ] || fail "stress extra-positional must exit 2"
grep -q "unexpected argument 'extra-positional'" "$tmp/err" || fail "stress: names the wrong word"
"$bin" bench --repeats 4294967297 >/dev/null 2>"$tmp/err"
[ $? = 2 ] || fail "bench --repeats 4294967297 must exit 2 (it ran as 1)"

# SIGINT during stress --json: a clean stop, the partial summary, exit 130.
"$bin" stress --json --quiet --seconds 60 >"$tmp/st.json" 2>"$tmp/err" &
pid=$!
sleep 1
kill -INT $pid
wait $pid
rc=$?
[ $rc = 130 ] || fail "stress after SIGINT: exit $rc, want 130"
grep -q '"interrupted": *true' "$tmp/st.json" || fail "stress after SIGINT: no JSON summary"

# The simulator out of memory: a message and exit 1, never an assertion.
# (Skipped where a tight address-space limit cannot even start the binary, e.g. ASan.)
# (The subshell waits for the binary, so its "Aborted" goes to /dev/null too.)
if (ulimit -v 60000 && "$bin" --version; rc=$?; exit $rc) >/dev/null 2>&1; then
	printf 'vm mem=64G\nadd gpa=0 size=64G\n' >"$tmp/huge.tdp"
	(ulimit -v 60000 && exec "$bin" run "$tmp/huge.tdp") >/dev/null 2>"$tmp/err"
	rc=$?
	[ $rc = 1 ] || fail "add 64G under 60 MB: exit $rc, want 1: $(cat "$tmp/err")"
	grep -q "out of memory" "$tmp/err" || fail "add 64G: no out-of-memory message"
	grep -q "assertion" "$tmp/err" && fail "add 64G: an assertion"
fi
echo ok
