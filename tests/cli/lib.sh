# SPDX-License-Identifier: GPL-2.0-only
# Sourced by every tests/cli/*.sh (not a test itself): the arguments CTest
# passes ($1 the tdpmmu binary, $2 the source tree), fail, and a scratch
# directory $tmp that goes away at exit.
bin=$1
src=$2
fail() { echo "FAIL: $*" >&2; exit 1; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/tdpmmu-cli.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
