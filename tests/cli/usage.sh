#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Usage errors exit 2 with a message; --help and --version exit 0.
. "$(dirname "$0")/lib.sh"
status() { "$@" >"$tmp/out" 2>"$tmp/err"; echo $?; }

[ "$(status "$bin")" = 2 ] || fail "no arguments must exit 2"
grep -q usage "$tmp/err" || fail "no arguments: no usage on stderr"
[ "$(status "$bin" frobnicate)" = 2 ] || fail "unknown command must exit 2"
grep -q "unknown command 'frobnicate'" "$tmp/err" || fail "unknown command: message"
[ "$(status "$bin" run --bogus)" = 2 ] || fail "unknown run option must exit 2"
grep -q "unknown option '--bogus'" "$tmp/err" || fail "unknown option: message"
[ "$(status "$bin" run a.tdp b.tdp)" = 2 ] || fail "two files must exit 2"
[ "$(status "$bin" run /nonexistent/x.tdp)" = 2 ] || fail "unreadable file must exit 2"
grep -q "cannot read /nonexistent/x.tdp" "$tmp/err" || fail "unreadable: message"
[ -s "$tmp/out" ] && fail "usage error wrote to stdout"

[ "$(status "$bin" --help)" = 0 ] || fail "--help must exit 0"
grep -q "tdpmmu run" "$tmp/out" || fail "--help does not document run"
for c in stress bench explore; do
	grep -q "$c" "$tmp/out" || fail "--help does not list $c"
done
[ "$(status "$bin" run --help)" = 0 ] || fail "run --help must exit 0"
grep -q -- "--json" "$tmp/out" || fail "run --help does not document --json"
grep -q "docs/SCENARIO-LANGUAGE.md" "$tmp/out" || fail "run --help does not name the language reference"
for o in --trace --map; do
	grep -q -- "$o FILE" "$tmp/out" || fail "run --help does not document $o"
done
[ "$(status "$bin" help run)" = 0 ] || fail "help run must exit 0"
grep -q "^usage: tdpmmu run" "$tmp/out" || fail "help run does not print run's help"
[ "$(status "$bin" help nope)" = 2 ] || fail "help of an unknown command must exit 2"
[ "$(status "$bin" run --map x.pdf)" = 2 ] || fail "--map x.pdf must exit 2"
grep -q "must end in .svg or .png" "$tmp/err" || fail "--map x.pdf: message"
[ "$(status "$bin" run --trace)" = 2 ] || fail "--trace without FILE must exit 2"
# One size parser: stress --mem takes T like the scenario language.
[ "$(status "$bin" stress --mem 1T --ops 20 --quiet)" = 0 ] || fail "stress --mem 1T"
[ "$(status "$bin" stress --mem 2T --ops 20 --quiet)" = 2 ] || fail "stress --mem 2T is too big"
[ "$(status "$bin" --version)" = 0 ] || fail "--version must exit 0"
grep -Eq '^tdpmmu [0-9]+\.[0-9]+\.[0-9]+$' "$tmp/out" || fail "--version format"
echo ok
