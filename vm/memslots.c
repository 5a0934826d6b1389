// SPDX-License-Identifier: GPL-2.0-only
/*
 * Several private memslots (a TD's RAM below 4G, above 4G and its firmware
 * flash are separate slots in QEMU): GPAs between them are not RAM, a
 * guest_memfd folio and a huge mapping never span two of them.  With no
 * slots configured there is one, [0, mem).
 */
#include "vm_internal.h"

bool kvm_cfg_range_in_slot(const struct kvm_config *cfg, gfn_t nr_gfns, gfn_t base, u64 nr)
{
	if (!cfg->nr_memslots)
		return base < nr_gfns && nr <= nr_gfns - base;
	for (int i = 0; i < cfg->nr_memslots; i++) {
		gfn_t s = gpa_to_gfn(cfg->memslots[i].base);
		u64 n = gpa_to_gfn(cfg->memslots[i].size);

		if (base >= s && base - s < n && nr <= n - (base - s))
			return true;
	}
	return false;
}

bool kvm_gfn_in_memslot(struct kvm *kvm, gfn_t gfn)
{
	return kvm_cfg_range_in_slot(&kvm->cfg, kvm->nr_gfns, gfn, 1);
}

/* KVM's slot creation: huge pages not wholly inside the slot are disallowed. */
void kvm_memslots_init_lpage(struct kvm *kvm)
{
	if (!kvm->cfg.nr_memslots)
		return;
	for (int level = PG_LEVEL_2M; level <= PG_LEVEL_1G; level++) {
		u64 pages = KVM_PAGES_PER_HPAGE(level);

		for (gfn_t g = 0; g < kvm->nr_gfns; g += pages)
			if (!kvm_cfg_range_in_slot(&kvm->cfg, kvm->nr_gfns, g, pages))
				kvm_mmu_lpage_disallow(kvm->mmu, g, level);
	}
}
