#!/bin/sh
# run-expect.sh WANT CMD...: run CMD, pass iff its exit status is WANT.
want=$1
shift
"$@"
rc=$?
if [ "$rc" -ne "$want" ]; then
	echo "run-expect: exit status $rc, wanted $want: $*" >&2
	exit 1
fi
exit 0
