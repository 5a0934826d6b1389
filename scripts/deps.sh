#!/bin/sh
# Install the Debian packages a goal needs when missing (as root), or print
# the exact apt-get line and fail.
#   deps.sh run     build and run the CLI (make run, make install)
#   deps.sh check   build and run the whole test suite (make check)
# libcairo2-dev: the CLI draws its --map pictures with cairo.
RUN_PKGS="cmake make gcc pkg-config liburcu-dev libjansson-dev libcairo2-dev"
# clang: the TSan build and the fuzz harnesses; libclang-rt-14-dev: their
# runtimes; libcmocka-dev: the unit tests; python3: the CLI tests read JSON.
CHECK_PKGS="$RUN_PKGS clang libclang-rt-14-dev libcmocka-dev python3"
case "${1:-check}" in
run) PKGS=$RUN_PKGS ;;
check) PKGS=$CHECK_PKGS ;;
*)
	echo "usage: deps.sh run|check" >&2
	exit 2
	;;
esac
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = 0 ]; then
	echo "deps: installing:$missing"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq && apt-get install -y -qq $missing >/dev/null || {
		echo "deps: apt-get install failed" >&2
		exit 1
	}
	exit 0
fi
echo "deps: missing Debian packages. Run as root:" >&2
echo "  apt-get install -y$missing" >&2
exit 1
