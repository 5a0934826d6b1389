#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# tdpmmu(1), generated from the help texts next to the binary: every command
# --help lists has its section, each option of a command's help is in it, and
# man renders the page without a warning.
. "$(dirname "$0")/lib.sh"
page="$(dirname "$bin")/tdpmmu.1"
[ -s "$page" ] || fail "no man page at $page"
cmds=$("$bin" --help | sed -n '/^commands:/,/^$/p' | awk 'NR > 1 && NF { print $1 }')
[ -n "$cmds" ] || fail "--help lists no commands"
for c in $cmds; do
	grep -qx "\.SS $c" "$page" || fail "man page: no section for '$c'"
	for o in $("$bin" "$c" --help | grep -o -- '--[a-z][a-z-]*' | sort -u); do
		grep -q -- "$o" "$page" || fail "man page: '$c $o' missing"
	done
done
if command -v man >/dev/null; then
	MANWIDTH=80 man --warnings -l "$page" >"$tmp/out" 2>"$tmp/err" || fail "man failed"
	[ -s "$tmp/err" ] && { cat "$tmp/err" >&2; fail "man warns"; }
	grep -q "tdpmmu run" "$tmp/out" || fail "rendered page lacks 'tdpmmu run'"
fi
exit 0
