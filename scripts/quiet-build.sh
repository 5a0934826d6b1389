#!/bin/sh
# quiet-build.sh BUILD_DIR LOG [TARGET...]: configure and build with one
# progress line instead of the build tool's chatter; the whole output goes to
# LOG and is shown when a step fails.
bdir=$1
log=$2
shift 2
jobs=${JOBS:-$(nproc 2>/dev/null || echo 2)}
mkdir -p "$bdir"
: >"$log"

fail() {
	cat "$log" >&2
	echo "build: failed (full log above, also in $log)" >&2
	exit 1
}

cmake -S . -B "$bdir" -DCMAKE_BUILD_TYPE=RelWithDebInfo >>"$log" 2>&1 || fail
targets=""
for t in "$@"; do
	targets="$targets --target $t"
done
rcfile="$log.rc"
tty=
[ -t 1 ] && tty=1
# The percentage of the last "[ NN%]" line, rewritten in place on a terminal.
{
	cmake --build "$bdir" -j"$jobs" $targets 2>&1
	echo $? >"$rcfile"
} | tee -a "$log" | awk -v tty="$tty" '
	/^\[ *[0-9]+%\]/ {
		match($0, /[0-9]+%/)
		pct = substr($0, RSTART, RLENGTH)
		if (tty) { printf "\rbuild: %4s", pct; fflush() }
	}
	END { if (tty) printf "\r            \r" }'
rc=$(cat "$rcfile" 2>/dev/null || echo 1)
rm -f "$rcfile"
[ "$rc" = 0 ] || fail
echo "build: done (log: $log)"
