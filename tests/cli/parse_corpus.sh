#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# The parser's language cannot drift: every case of parse_corpus/cases.txt
# (each command with a missing, bad, unknown, duplicate or out-of-range key,
# in the wrong place, ...) is run as case.tdp, and its exit status and, for a
# refused file, its whole stderr must equal parse_corpus/expected.txt.  A
# file that parses only records that it did (what it then does is the
# runner's business).  After a deliberate change of a message:
#   sh tests/cli/parse_corpus.sh build/tdpmmu . --update
. "$(dirname "$0")/lib.sh"

case $bin in /*) ;; *) bin=$PWD/$bin ;; esac
dir=$(cd "$src" && pwd)/tests/cli/parse_corpus
awk -v d="$tmp" '
	/^=== / { n++; name[n] = $2; f = sprintf("%s/%04d.tdp", d, n); print $2 > (d "/names"); next }
	n { print > f }
' "$dir/cases.txt"
cd "$tmp" || fail "no scratch directory"
i=0
while read -r name; do
	i=$((i + 1))
	cp "$(printf '%04d.tdp' $i)" case.tdp
	"$bin" run case.tdp >/dev/null 2>err
	rc=$?
	echo "=== $name"
	case $rc in
	2) echo "exit 2" && cat err ;;
	0 | 1) echo "parsed" ;;
	*) echo "exit $rc (crashed?)" && cat err ;;
	esac
done <names >got
[ "$i" -gt 0 ] || fail "no cases in $dir/cases.txt"
if [ "$3" = --update ]; then
	cp got "$dir/expected.txt"
	echo "updated $dir/expected.txt ($i cases)"
	exit 0
fi
cmp -s "$dir/expected.txt" got || { diff "$dir/expected.txt" got >&2; fail "parser output differs"; }
echo "ok ($i cases)"
