#!/bin/sh
# The layer check must catch an upward call: linking mmu/'s objects plus one
# call into vm/ against only the layers below mmu/ must fail, naming the
# symbol.  $1: the build tree.
out=$(cmake --build "$1" --target layer_check_upward 2>&1)
if [ $? -eq 0 ]; then
	echo "FAIL: an mmu/ -> vm/ call linked without vm/" >&2
	exit 1
fi
if ! printf '%s\n' "$out" | grep -q "undefined reference to .kvm_destroy"; then
	printf '%s\n' "$out" >&2
	echo "FAIL: the link failed, but not on the upward call" >&2
	exit 1
fi
echo "ok: upward call mmu/ -> vm/ (kvm_destroy) does not link"
