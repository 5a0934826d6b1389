// SPDX-License-Identifier: GPL-2.0-only
/*
 * Raw SEAMCALLs for conformance scenarios (they bypass the MMU) and fault
 * injection, behind the glue so that vm/ never calls the module or does
 * PAMT bookkeeping itself.  Pages a raw SEAMCALL needs come from the frame
 * allocator; those the module did not keep are freed at once, those it kept
 * are remembered and freed when the module gives them back or at teardown.
 * Raw calls do not change tdx_last_status(): that is the glue's own.
 */
#include <errno.h>
#include <stdlib.h>

#include "tdx_internal.h"

static int raw_remember(struct kvm_tdx *kvm_tdx, hpa_t hpa, u64 size)
{
	struct tdx_raw_pages *raw = &kvm_tdx->raw;
	int r = 0;

	pthread_mutex_lock(&raw->lock);
	if (raw->nr == raw->cap) {
		size_t cap = raw->cap ? raw->cap * 2 : 16;
		hpa_t *p = realloc(raw->pages, cap * sizeof(*p));
		u64 *s = p ? realloc(raw->sizes, cap * sizeof(*s)) : NULL;

		if (p)
			raw->pages = p;
		if (!p || !s) {
			r = -ENOMEM;
			goto out;
		}
		raw->sizes = s;
		raw->cap = cap;
	}
	raw->pages[raw->nr] = hpa;
	raw->sizes[raw->nr++] = size;
out:
	pthread_mutex_unlock(&raw->lock);
	return r;
}

/* Forget @hpa if a raw SEAMCALL gave it; its size, or 0 if not ours. */
static u64 raw_forget(struct kvm_tdx *kvm_tdx, hpa_t hpa)
{
	struct tdx_raw_pages *raw = &kvm_tdx->raw;
	u64 size = 0;

	pthread_mutex_lock(&raw->lock);
	for (size_t i = 0; i < raw->nr; i++) {
		if (raw->pages[i] != hpa)
			continue;
		size = raw->sizes[i];
		raw->pages[i] = raw->pages[--raw->nr];
		raw->sizes[i] = raw->sizes[raw->nr];
		break;
	}
	pthread_mutex_unlock(&raw->lock);
	return size;
}

void tdx_raw_init(struct kvm_tdx *kvm_tdx)
{
	pthread_mutex_init(&kvm_tdx->raw.lock, NULL);
}

void tdx_raw_teardown(struct kvm_tdx *kvm_tdx)
{
	struct tdx_raw_pages *raw = &kvm_tdx->raw;

	for (size_t i = 0; i < raw->nr; i++)
		frame_free(kvm_tdx->fa, raw->pages[i], raw->sizes[i]);
	free(raw->pages);
	free(raw->sizes);
	pthread_mutex_destroy(&raw->lock);
}

u64 tdx_raw_bytes(struct kvm_tdx *kvm_tdx)
{
	struct tdx_raw_pages *raw = &kvm_tdx->raw;
	u64 bytes = 0;

	pthread_mutex_lock(&raw->lock);
	for (size_t i = 0; i < raw->nr; i++)
		bytes += raw->sizes[i];
	pthread_mutex_unlock(&raw->lock);
	return bytes;
}

struct raw_page {
	hpa_t hpa;
	u64 size;
	bool pamt; /* tdx_pamt_get done for it */
	bool pamt_page; /* a DPAMT pair page */
};

static int raw_alloc(struct kvm_tdx *kvm_tdx, struct raw_page *p, int level, bool guest, bool pamt)
{
	struct frame_allocator *fa = kvm_tdx->fa;
	int r = guest ? frame_alloc_guest(fa, level, &p->hpa) : frame_alloc(fa, level, &p->hpa);

	if (r)
		return r;
	p->size = level_size(level);
	if (pamt && level == PG_LEVEL_4K) {
		/* Host side, no mmu_lock: fill the VM's cache first. */
		r = tdx_topup_pamt_cache(kvm_tdx, 1);
		if (!r)
			r = tdx_pamt_get(kvm_tdx, p->hpa);
		if (r) {
			frame_free(fa, p->hpa, p->size);
			p->hpa = 0;
			return r;
		}
		p->pamt = true;
	}
	return 0;
}

/*
 * What a page operand gets when its host page could not be allocated: an
 * aligned address beyond any physical address width, so the module itself
 * decides, in its own check order, whether (and when) the operand matters.
 */
#define RAW_INVALID_HPA (1ULL << 63)

/* The operand for @p: its page, or RAW_INVALID_HPA if it has none. */
static hpa_t raw_hpa(const struct raw_page *p)
{
	return p->hpa ? p->hpa : RAW_INVALID_HPA;
}

static bool raw_page_kept(struct kvm_tdx *kvm_tdx, const struct raw_page *p)
{
	struct tdxmod_pamt_info info;

	if (p->pamt_page)
		return tdxmod_is_pamt_page(kvm_tdx->mod, p->hpa);
	if (tdxmod_pamt_lookup(kvm_tdx->mod, p->hpa, &info))
		return false;
	return info.pt != PT_NDA;
}

static void raw_release(struct kvm_tdx *kvm_tdx, hpa_t hpa)
{
	u64 size = raw_forget(kvm_tdx, hpa);

	if (!size)
		return;
	if (size == PAGE_SIZE)
		tdx_pamt_put(kvm_tdx, hpa);
	frame_free(kvm_tdx->fa, hpa, size);
}

u64 tdx_raw_seamcall(struct kvm_tdx *kvm_tdx, enum tdxmod_leaf leaf, gpa_t gpa, int tdx_level,
		     u64 flags, u64 *ext1, u64 *ext2)
{
	struct tdx_module_args args = {.rcx = gpa | (u64)(tdx_level & 7), .rdx = flags};
	bool dpamt = kvm_tdx->dpamt;
	struct raw_page pages[3] = {};
	int nr = 0, i;
	u64 err;

	switch (leaf) {
	case TDH_MEM_SEPT_ADD:
		raw_alloc(kvm_tdx, &pages[nr++], PG_LEVEL_4K, false, dpamt);
		args.r8 = raw_hpa(&pages[0]);
		break;
	case TDH_MEM_PAGE_ADD:
		raw_alloc(kvm_tdx, &pages[nr++], PG_LEVEL_4K, true, dpamt);
		args.r8 = args.r9 = raw_hpa(&pages[0]);
		break;
	case TDH_MEM_PAGE_AUG: {
		int level = tdx_sept_level_to_pg_level(tdx_level);

		if (level > PG_LEVEL_1G)
			level = PG_LEVEL_4K;
		raw_alloc(kvm_tdx, &pages[nr++], level, true, dpamt);
		args.r8 = raw_hpa(&pages[0]);
		break;
	}
	case TDH_MEM_PAGE_DEMOTE:
		raw_alloc(kvm_tdx, &pages[nr++], PG_LEVEL_4K, false, dpamt);
		args.r8 = raw_hpa(&pages[0]);
		if (dpamt && tdx_level == 1) {
			for (i = 0; i < 2; i++) {
				pages[nr].pamt_page = true;
				raw_alloc(kvm_tdx, &pages[nr++], PG_LEVEL_4K, false, false);
			}
			args.r12 = raw_hpa(&pages[1]);
			args.r13 = raw_hpa(&pages[2]);
		}
		break;
	default:
		break;
	}
	/*
	 * A page that could not be allocated goes in as an invalid address:
	 * the module is called (and counted) all the same, and its own check
	 * order decides (SEPT.ADD with allow_existing over an existing table
	 * never looks at R8; DEMOTE reports a failed walk first).
	 */

	err = tdxmod_seamcall(kvm_tdx->td, leaf, &args);
	if (ext1)
		*ext1 = args.rcx;
	if (ext2)
		*ext2 = args.rdx;

	if (!err) {
		switch (leaf) {
		case TDH_MEM_PAGE_REMOVE:
		case TDH_MEM_SEPT_REMOVE:
			raw_release(kvm_tdx, args.rcx & ~(TDX_PAMT_REMOVAL_HINT | (PAGE_SIZE - 1)));
			break;
		case TDH_MEM_PAGE_PROMOTE:
			raw_release(kvm_tdx, args.rcx & ~(TDX_PAMT_REMOVAL_HINT | (PAGE_SIZE - 1)));
			if (dpamt && tdx_level == 1) {
				raw_release(kvm_tdx, args.r12);
				raw_release(kvm_tdx, args.r13);
			}
			break;
		default:
			break;
		}
	}

	for (i = 0; i < nr; i++) {
		struct raw_page *p = &pages[i];

		if (!p->hpa)
			continue;
		if (raw_page_kept(kvm_tdx, p) && !raw_remember(kvm_tdx, p->hpa, p->size))
			continue;
		if (p->pamt)
			tdx_pamt_put(kvm_tdx, p->hpa);
		frame_free(kvm_tdx->fa, p->hpa, p->size);
	}
	return err;
}

u64 tdx_raw_tdcall_accept(struct kvm_tdx *kvm_tdx, int vcpu, gpa_t gpa, int tdx_level, bool *exited,
			  struct tdx_ept_exit *exit)
{
	return tdxmod_tdg_mem_page_accept(kvm_tdx->td, vcpu, gpa | (u64)(tdx_level & 7), exited,
					  exit);
}

bool tdx_vcpu_in_td(struct kvm_tdx *kvm_tdx, int vcpu)
{
	return tdxmod_vcpu_in_td(kvm_tdx->td, vcpu);
}

int tdx_inject_leaf(struct kvm_tdx *kvm_tdx, enum tdxmod_leaf leaf, u64 status, u64 count,
		    u64 after)
{
	return tdxmod_inject(kvm_tdx->td, leaf, status, count, after);
}
