// SPDX-License-Identifier: GPL-2.0-only
/*
 * Read-only views of guest_memfd, the memory attributes and the frames the
 * VM layer holds, for the invariant checker.  Nothing here allocates or
 * changes state; callers run them when no operation is in flight.
 */
#include <errno.h>

#include "vm_internal.h"

#define GFNS_2M 512ULL
#define GFNS_1G (512ULL * 512ULL)

/* Backing of @gfn in @gmem without allocating: folio level or PG_LEVEL_NONE. */
static int gmem_peek(struct guest_memfd *gmem, gfn_t gfn, kvm_pfn_t *pfn)
{
	struct gmem_1g *g1;
	struct gmem_pages *pg;
	size_t i2 = (gfn / GFNS_2M) % 512;
	int level = PG_LEVEL_NONE;
	kvm_pfn_t p = 0;

	if (gfn >= gmem->nr_gfns || !gmem->idx)
		return PG_LEVEL_NONE;
	pthread_mutex_lock(&gmem->lock);
	g1 = &gmem->idx[gfn / GFNS_1G];
	pg = gmem_slot_pages(g1, i2);
	if (g1->folio) {
		p = (g1->folio >> PAGE_SHIFT) + gfn % GFNS_1G;
		level = PG_LEVEL_1G;
	} else if (gmem_slot_folio(g1, i2)) {
		p = (gmem_slot_folio(g1, i2) >> PAGE_SHIFT) + gfn % GFNS_2M;
		level = PG_LEVEL_2M;
	} else if (pg && pg->hpa[gfn % 512]) {
		p = pg->hpa[gfn % 512] >> PAGE_SHIFT;
		level = PG_LEVEL_4K;
	}
	pthread_mutex_unlock(&gmem->lock);
	if (pfn)
		*pfn = p;
	return level;
}

int kvm_gmem_folio_level(struct kvm *kvm, gfn_t gfn, bool shared, kvm_pfn_t *pfn)
{
	return gmem_peek(shared ? &kvm->shared_mem : &kvm->gmem, gfn, pfn);
}

/* The folios actually present, summed (independent of gmem->bytes). */
static u64 gmem_recount(struct guest_memfd *gmem)
{
	u64 bytes = 0;

	for (size_t i = 0; i < gmem->nr_1g; i++) {
		struct gmem_1g *g1 = &gmem->idx[i];

		if (g1->folio)
			bytes += level_size(PG_LEVEL_1G);
		for (size_t j = 0; j < 512; j++) {
			struct gmem_pages *pg = gmem_slot_pages(g1, j);

			if (gmem_slot_folio(g1, j))
				bytes += level_size(PG_LEVEL_2M);
			for (size_t k = 0; pg && k < 512; k++)
				if (pg->hpa[k])
					bytes += PAGE_SIZE;
		}
	}
	return bytes;
}

void kvm_get_frame_usage(struct kvm *kvm, struct kvm_frame_usage *u)
{
	struct guest_memfd *g[2] = {&kvm->gmem, &kvm->shared_mem};

	for (int i = 0; i < 2; i++) {
		pthread_mutex_lock(&g[i]->lock);
		u->gmem_bytes[i] = g[i]->bytes;
		u->gmem_counted[i] = gmem_recount(g[i]);
		pthread_mutex_unlock(&g[i]->lock);
	}
	u->raw_bytes = tdx_raw_bytes(kvm->kvm_tdx);
}

u64 kvm_count_shared_gfns(struct kvm *kvm, gfn_t start, gfn_t end)
{
	u64 n = 0;

	if (end > kvm->nr_gfns)
		end = kvm->nr_gfns;
	while (start < end) {
		gfn_t w = start / 64, from = start % 64;
		gfn_t to = end - w * 64 < 64 ? end - w * 64 : 64;
		u64 bits = atomic_load_explicit(&kvm->shared_bits[w], memory_order_acquire);
		u64 hi = to == 64 ? ~0ULL : (1ULL << to) - 1;

		n += (u64)__builtin_popcountll(bits & hi & ~((1ULL << from) - 1));
		start = w * 64 + to;
	}
	return n;
}
