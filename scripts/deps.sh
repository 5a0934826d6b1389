#!/bin/sh
# Install the Debian build dependencies when missing (as root), or print the
# exact apt-get line and fail.
PKGS="cmake make gcc clang pkg-config liburcu-dev libcmocka-dev libjansson-dev libcairo2-dev libclang-rt-14-dev valgrind"
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
