// SPDX-License-Identifier: GPL-2.0-only
/*
 * A deliberate upward call (mmu/ -> vm/), linked only by the
 * layer_check_upward target that tests/layers/upward_call.sh expects to
 * fail: proof that the layer check catches one.
 */
#include "tdpmmu/vm.h"

void layer_check_upward_call(void);

void layer_check_upward_call(void)
{
	kvm_destroy(NULL);
}
