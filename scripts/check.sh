#!/bin/sh
# The whole test suite: plain build (all tests), install and the C example
# against it, ASan+UBSan build (unit and scenario tests), TSan build
# (multi-threaded tests), fuzz smoke (clang).
set -e
JOBS=$(nproc 2>/dev/null || echo 2)
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

step() { printf '\n== %s ==\n' "$*"; }

step "plain build"
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTDPMMU_TESTS=ON >/dev/null
cmake --build build -j"$JOBS"
ctest --test-dir build --output-on-failure -j"$JOBS"

# make install into a staging DESTDIR, then examples/c built against it with
# pkg-config alone (PKG_CONFIG_SYSROOT_DIR maps the .pc's prefix into it).
step "install (DESTDIR) and examples/c against it"
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
DESTDIR="$stage/root" cmake --install build --prefix /usr/local >/dev/null
for f in bin/tdpmmu include/tdpmmu/vm.h lib/pkgconfig/tdpmmu.pc share/man/man1/tdpmmu.1; do
	[ -e "$stage/root/usr/local/$f" ] || { echo "install: $f missing" >&2; exit 1; }
done
# bench size re-runs the binary (bench size-child) for each size: from the
# install as from the build tree.
"$stage/root/usr/local/bin/tdpmmu" bench --quick --repeats 1 --json size >/dev/null
cp -r examples/c "$stage/example"
PKG_CONFIG_PATH="$stage/root/usr/local/lib/pkgconfig" PKG_CONFIG_SYSROOT_DIR="$stage/root" \
	make -s -C "$stage/example" CFLAGS="-O2 -Wall -Wextra -Werror"
"$stage/example/split_td"

step "ASan+UBSan build"
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DSANITIZE=address -DTDPMMU_TESTS=ON >/dev/null
cmake --build build-asan -j"$JOBS"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	ctest --test-dir build-asan --output-on-failure -j"$JOBS" -L 'unit|scenario|cli' -LE bench

# The TSan build uses clang, so every change is compiled by both gcc and
# clang with -Werror in each run.
step "TSan build (clang)"
CC=clang cmake -S . -B build-tsan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSANITIZE=thread -DTDPMMU_TESTS=ON >/dev/null
cmake --build build-tsan -j"$JOBS"
TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 \
	ctest --test-dir build-tsan --output-on-failure -j"$JOBS" -L mt

if [ -f fuzz/CMakeLists.txt ] && command -v clang >/dev/null; then
	step "fuzz smoke (libFuzzer)"
	CC=clang cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DFUZZ=ON -DTDPMMU_TESTS=ON >/dev/null
	cmake --build build-fuzz -j"$JOBS"
	ctest --test-dir build-fuzz --output-on-failure -L fuzz
fi
echo "check: all green"
