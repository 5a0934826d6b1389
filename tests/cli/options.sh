#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# One option helper for every subcommand (tools/cli_opts.c): the same
# spellings, the same messages and exit 2 for the same mistakes, whatever
# the command; numbers as in the scenario language.
. "$(dirname "$0")/lib.sh"
f=$src/examples/explore/punch-vs-fault.tdp

# usage_error WANT CMD...: exit 2, nothing on stdout, exactly the line WANT on stderr.
usage_error() {
	want=$1
	shift
	"$bin" "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	[ $rc = 2 ] || fail "'$*': exit $rc, want 2"
	[ -s "$tmp/out" ] && fail "'$*': wrote to stdout"
	[ "$(cat "$tmp/err")" = "$want" ] || fail "'$*': stderr '$(cat "$tmp/err")', want '$want'"
}

for c in run explore bench stress "explore --generate"; do
	name=${c%% *}
	hint="try 'tdpmmu help $name'"
	[ "$c" = "explore --generate" ] && hint="try 'tdpmmu explore --generate --help'"
	usage_error "tdpmmu $c: unknown option '--bogus' ($hint)" $c --bogus
	usage_error "tdpmmu $c: unknown option '--bogus' ($hint)" $c --bogus=1
	usage_error "tdpmmu $c: option '--json' takes no value ($hint)" $c --json=yes
	usage_error "tdpmmu $c: option '--json' given twice ($hint)" $c --json --json
	"$bin" $c -h >"$tmp/h1" && "$bin" $c --help >"$tmp/h2" || fail "$c --help"
	cmp -s "$tmp/h1" "$tmp/h2" || fail "$c: -h and --help differ"
	grep -q -- "-h, --help" "$tmp/h1" || fail "$c --help does not list -h, --help"
done

# stress: its table too, and its own rule across options.
usage_error "tdpmmu stress: --dpamt needs --module 2.0 (try 'tdpmmu help stress')" \
	stress --module 1.5 --dpamt
usage_error "tdpmmu stress: --dpamt needs --module 2.0 (try 'tdpmmu help stress')" \
	stress --dpamt --module 1.5

# --opt VALUE and --opt=VALUE are one thing; a value may start with '-'.
"$bin" explore --preemptions=0 --max-schedules=1 "$f" >"$tmp/a" 2>&1
"$bin" explore --preemptions 0 --max-schedules 1 "$f" >"$tmp/b" 2>&1
grep -q "schedules *1 .*--max-schedules 1" "$tmp/a" || fail "--opt=VALUE not taken: $(cat "$tmp/a")"
grep -q "schedules *1 .*--max-schedules 1" "$tmp/b" || fail "--opt VALUE not taken: $(cat "$tmp/b")"
"$bin" explore --preemptions -1 --max-schedules 1 "$f" >/dev/null 2>&1 || fail "--preemptions -1"

usage_error "tdpmmu run: missing FILE after '--trace' (try 'tdpmmu help run')" run --trace
usage_error "tdpmmu run: unexpected argument 'b.tdp': at most 1 scenario FILE (try 'tdpmmu help run')" \
	run a.tdp b.tdp
usage_error "tdpmmu explore: missing scenario FILE (try 'tdpmmu help explore')" explore --json
usage_error "tdpmmu explore: bad value '1001' for --preemptions: want -1 or a whole number from 0 to 1000 (try 'tdpmmu help explore')" \
	explore --preemptions 1001 "$f"
usage_error "tdpmmu explore: bad value '0' for --max-schedules: want a whole number of at least 1 (try 'tdpmmu help explore')" \
	explore --max-schedules 0 "$f"
usage_error "tdpmmu explore: --trace needs --replay (one schedule) (try 'tdpmmu help explore')" \
	explore --trace "$tmp/t" "$f"
usage_error "tdpmmu explore --generate: bad value '0' for --seconds: want a number > 0 and <= 1e+09 (try 'tdpmmu explore --generate --help')" \
	explore --generate --seconds 0
usage_error "tdpmmu explore --generate: bad value '1.5' for --count: want a whole number of at least 1 (try 'tdpmmu explore --generate --help')" \
	explore --generate --count 1.5
usage_error "tdpmmu bench: bad value '4294967297' for --repeats: want a whole number from 1 to 16 (try 'tdpmmu help bench')" \
	bench --repeats 4294967297
usage_error "tdpmmu bench: unknown benchmark 'nope' (try 'tdpmmu help bench')" bench nope
# Sizes are the scenario language's: 4096M is 4G, 3M is not a multiple of 2M.
usage_error "tdpmmu bench: bad value '3M' for --mem: want a size (4K, 2M, 0x200000) of at least 2M, a multiple of 2M (try 'tdpmmu help bench')" \
	bench boot --mem 3M --emit -
"$bin" bench boot --mem 4096M --emit "$tmp/a.tdp" && "$bin" bench boot --mem 0x100000000 --emit "$tmp/b.tdp" ||
	fail "bench --mem 4096M / 0x100000000"
cmp -s "$tmp/a.tdp" "$src/examples/td-boot-4g.tdp" && cmp -s "$tmp/b.tdp" "$tmp/a.tdp" || fail "--mem 4096M is not 4G"

# bench size-child, the internal subcommand `bench size` runs: its arguments too.
h="(try 'tdpmmu help bench')"
usage_error "tdpmmu bench size-child: missing mmu|map|zap and MEM $h" bench size-child
usage_error "tdpmmu bench size-child: unknown run 'frob': want mmu|map|zap $h" bench size-child frob 4M
usage_error "tdpmmu bench size-child: wrong number of arguments: want map MEM LEVEL $h" \
	bench size-child map 4M
usage_error "tdpmmu bench size-child: bad value '3M' for MEM: want a size (4K, 2M, 0x200000) from 2M to 1T, a multiple of 2M $h" \
	bench size-child mmu 3M
usage_error "tdpmmu bench size-child: bad value '3' for LEVEL: want 4K|2M|1G $h" \
	bench size-child map 4M 3
usage_error "tdpmmu bench size-child: bad value '0' for K: want a whole number from 1 to 2 $h" \
	bench size-child zap 4M 0 dense
usage_error "tdpmmu bench size-child: bad value 'sparse' for HOW: want dense|spread $h" \
	bench size-child zap 4M 1 sparse
"$bin" bench --help | grep -q "^usage: tdpmmu bench size-child " || fail "bench --help: no size-child"

# A bad word anywhere: nothing done, not even what the words before it ask.
usage_error "tdpmmu run: unknown option '--bogus' (try 'tdpmmu help run')" \
	run --trace "$tmp/never" --map "$tmp/never.svg" --bogus "$f"
[ -e "$tmp/never" ] || [ -e "$tmp/never.svg" ] && fail "a refused command line wrote a file"
# Control bytes in a word are escaped, never echoed raw.
"$bin" run "$(printf -- '--\033x')" 2>&1 | grep -q "$(printf '\033')" && fail "ESC echoed raw"
# "--" ends the options: a file named like an option.
cp "$src/tests/scenarios/vm/enter-refused.tdp" "$tmp/--json"
(cd "$tmp" && "$bin" run -- --json >/dev/null) || fail "run -- --json (a file)"
echo ok
