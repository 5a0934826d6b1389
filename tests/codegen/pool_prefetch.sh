#!/bin/sh
# The page pool's prefetch of the page ahead must be in the code: GCC 12 at
# -O2 once removed it whole, silently (docs/PERFORMANCE.md, round 2, session
# 6).  $1: the base library (libtdpmmu_base.a).  Skipped (77) without objdump.
command -v objdump >/dev/null 2>&1 || { echo "skip: no objdump"; exit 77; }
n=$(objdump -d "$1" | grep -c 'prefetch')
if [ "$n" -lt 1 ]; then
	echo "FAIL: no prefetch instruction in $1 (base/page_pool.c pool_prefetch_ahead)" >&2
	exit 1
fi
echo "ok: $n prefetch instructions in $(basename "$1")"
