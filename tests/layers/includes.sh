#!/bin/sh
# The include rules the build cannot see (quoted includes resolve next to
# the including file): nothing reaches into another directory with "../",
# and nothing includes a .c file.  A layer's private headers are reached
# only through its PRIVATE include directory (its own sources and its unit
# tests, see tests/CMakeLists.txt).  $1: the source tree.
cd "$1" || exit 1
bad=$(grep -rnE '^[[:space:]]*#[[:space:]]*include[[:space:]]*"([^"]*\.\./[^"]*|[^"]*\.c)"' \
	base tdxmod tdx mmu vm tools tests fuzz examples include 2>/dev/null)
if [ -n "$bad" ]; then
	printf '%s\n' "$bad" >&2
	echo "FAIL: includes through ../ or of .c files (use the layer's include directory)" >&2
	exit 1
fi
echo "ok: no ../ or .c includes"
