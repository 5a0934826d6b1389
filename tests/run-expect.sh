#!/bin/sh
# run-expect.sh [--stderr-from TDP] WANT CMD...: run CMD, pass iff its exit
# status is WANT.  With --stderr-from, TDP's "# stderr: LINE: MESSAGE"
# comments are the exact standard error CMD must print, in order, each line
# as "TDP:LINE: MESSAGE" (TDP as it appears in CMD): the refused or failed
# scenario must say what is wrong and where, not only fail.
tdp=
if [ "$1" = --stderr-from ]; then
	tdp=$2
	shift 2
fi
want=$1
shift
err=$(mktemp) || exit 1
trap 'rm -f "$err" "$err.want"' EXIT
"$@" 2>"$err"
rc=$?
cat "$err" >&2
if [ "$rc" -ne "$want" ]; then
	echo "run-expect: exit status $rc, wanted $want: $*" >&2
	exit 1
fi
[ -n "$tdp" ] || exit 0
sed -n "s|^# stderr: |$tdp:|p" "$tdp" >"$err.want"
if [ ! -s "$err.want" ]; then
	echo "run-expect: $tdp has no '# stderr: LINE: MESSAGE' lines" >&2
	exit 1
fi
if ! cmp -s "$err" "$err.want"; then
	echo "run-expect: standard error differs from the '# stderr:' lines of $tdp:" >&2
	diff "$err.want" "$err" >&2
	exit 1
fi
exit 0
