#!/bin/sh
# The whole test suite: plain build (all tests), ASan+UBSan build (unit and
# scenario tests), TSan build (multi-threaded tests), fuzz smoke (clang).
set -e
JOBS=$(nproc 2>/dev/null || echo 2)
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

step() { printf '\n== %s ==\n' "$*"; }

step "plain build"
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$JOBS"
ctest --test-dir build --output-on-failure -j"$JOBS"

step "ASan+UBSan build"
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DSANITIZE=address >/dev/null
cmake --build build-asan -j"$JOBS"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	ctest --test-dir build-asan --output-on-failure -j"$JOBS" -L 'unit|scenario|cli' -LE bench

# The TSan build uses clang, so every change is compiled by both gcc and
# clang with -Werror in each run.
step "TSan build (clang)"
CC=clang cmake -S . -B build-tsan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSANITIZE=thread >/dev/null
cmake --build build-tsan -j"$JOBS"
TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 \
	ctest --test-dir build-tsan --output-on-failure -j"$JOBS" -L mt

if [ -f fuzz/CMakeLists.txt ] && command -v clang >/dev/null; then
	step "fuzz smoke (libFuzzer)"
	CC=clang cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DFUZZ=ON >/dev/null
	cmake --build build-fuzz -j"$JOBS"
	ctest --test-dir build-fuzz --output-on-failure -L fuzz
fi
echo "check: all green"
