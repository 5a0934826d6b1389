// SPDX-License-Identifier: GPL-2.0-only
/*
 * Raw module access for conformance scenarios (bypasses the MMU) and fault
 * injection.  Pages a raw SEAMCALL needs come from the frame allocator;
 * those the module did not keep are freed at once, those it kept are
 * remembered and freed when the module gives them back or at teardown.
 */
#include <errno.h>
#include <stdlib.h>

#include "vm_internal.h"

static int raw_remember(struct kvm *kvm, hpa_t hpa, u64 size)
{
	int r = 0;

	pthread_mutex_lock(&kvm->raw_lock);
	if (kvm->nr_raw == kvm->cap_raw) {
		size_t cap = kvm->cap_raw ? kvm->cap_raw * 2 : 16;
		hpa_t *p = realloc(kvm->raw_pages, cap * sizeof(*p));
		u64 *s = p ? realloc(kvm->raw_sizes, cap * sizeof(*s)) : NULL;

		if (p)
			kvm->raw_pages = p;
		if (!p || !s) {
			r = -ENOMEM;
			goto out;
		}
		kvm->raw_sizes = s;
		kvm->cap_raw = cap;
	}
	kvm->raw_pages[kvm->nr_raw] = hpa;
	kvm->raw_sizes[kvm->nr_raw++] = size;
out:
	pthread_mutex_unlock(&kvm->raw_lock);
	return r;
}

/* Forget @hpa if a raw SEAMCALL gave it; its size, or 0 if not ours. */
static u64 raw_forget(struct kvm *kvm, hpa_t hpa)
{
	u64 size = 0;
	size_t i;

	pthread_mutex_lock(&kvm->raw_lock);
	for (i = 0; i < kvm->nr_raw; i++) {
		if (kvm->raw_pages[i] != hpa)
			continue;
		size = kvm->raw_sizes[i];
		kvm->raw_pages[i] = kvm->raw_pages[--kvm->nr_raw];
		kvm->raw_sizes[i] = kvm->raw_sizes[kvm->nr_raw];
		break;
	}
	pthread_mutex_unlock(&kvm->raw_lock);
	return size;
}

void kvm_raw_pages_free(struct kvm *kvm)
{
	size_t i;

	for (i = 0; i < kvm->nr_raw; i++)
		frame_free(kvm->fa, kvm->raw_pages[i], kvm->raw_sizes[i]);
	free(kvm->raw_pages);
	free(kvm->raw_sizes);
	kvm->raw_pages = NULL;
	kvm->raw_sizes = NULL;
	kvm->nr_raw = kvm->cap_raw = 0;
}

struct raw_page {
	hpa_t hpa;
	u64 size;
	bool pamt; /* tdx_pamt_get done for it */
	bool pamt_page; /* a DPAMT pair page */
};

static int raw_alloc(struct kvm *kvm, struct raw_page *p, int level, bool guest, bool pamt)
{
	int r = guest ? frame_alloc_guest(kvm->fa, level, &p->hpa)
		      : frame_alloc(kvm->fa, level, &p->hpa);

	if (r)
		return r;
	p->size = level_size(level);
	if (pamt && level == PG_LEVEL_4K) {
		/* Host side, no mmu_lock: fill the VM's cache first. */
		r = tdx_topup_pamt_cache(kvm->kvm_tdx, 1);
		if (!r)
			r = tdx_pamt_get(kvm->kvm_tdx, p->hpa);
		if (r) {
			frame_free(kvm->fa, p->hpa, p->size);
			p->hpa = 0;
			return r;
		}
		p->pamt = true;
	}
	return 0;
}

static bool raw_page_kept(struct kvm *kvm, const struct raw_page *p)
{
	struct tdx_pamt_info info;

	if (p->pamt_page)
		return tdxmod_is_pamt_page(kvm_tdx_module(kvm), p->hpa);
	if (tdxmod_pamt_lookup(kvm_tdx_module(kvm), p->hpa, &info))
		return false;
	return info.pt != PT_NDA;
}

static void raw_release(struct kvm *kvm, hpa_t hpa)
{
	u64 size = raw_forget(kvm, hpa);

	if (!size)
		return;
	if (size == PAGE_SIZE)
		tdx_pamt_put(kvm->kvm_tdx, hpa);
	frame_free(kvm->fa, hpa, size);
}

u64 kvm_raw_seamcall(struct kvm *kvm, enum tdx_leaf leaf, gpa_t gpa, int tdx_level, u64 flags,
		     u64 *ext1, u64 *ext2)
{
	struct tdx_module_args args = {.rcx = gpa | (u64)(tdx_level & 7), .rdx = flags};
	bool dpamt = kvm->cfg.dpamt;
	struct raw_page pages[3] = {};
	int nr = 0, i, r = 0;
	u64 err;

	switch (leaf) {
	case TDH_MEM_SEPT_ADD:
		r = raw_alloc(kvm, &pages[nr++], PG_LEVEL_4K, false, dpamt);
		args.r8 = pages[0].hpa;
		break;
	case TDH_MEM_PAGE_ADD:
		r = raw_alloc(kvm, &pages[nr++], PG_LEVEL_4K, true, dpamt);
		args.r8 = args.r9 = pages[0].hpa;
		break;
	case TDH_MEM_PAGE_AUG: {
		int level = tdx_sept_level_to_pg_level(tdx_level);

		if (level > PG_LEVEL_1G)
			level = PG_LEVEL_4K;
		r = raw_alloc(kvm, &pages[nr++], level, true, dpamt);
		args.r8 = pages[0].hpa;
		break;
	}
	case TDH_MEM_PAGE_DEMOTE:
		r = raw_alloc(kvm, &pages[nr++], PG_LEVEL_4K, false, dpamt);
		args.r8 = pages[0].hpa;
		if (!r && dpamt && tdx_level == 1) {
			for (i = 0; i < 2 && !r; i++) {
				pages[nr].pamt_page = true;
				r = raw_alloc(kvm, &pages[nr++], PG_LEVEL_4K, false, false);
			}
			args.r12 = pages[1].hpa;
			args.r13 = pages[2].hpa;
		}
		break;
	default:
		break;
	}
	if (r) {
		/* No page to give: as if the module refused R8. */
		err = TDX_OPERAND_INVALID | TDX_OPERAND_ID_R8;
		goto out_free;
	}

	err = tdxmod_seamcall(kvm_tdx_td(kvm), leaf, &args);
	if (ext1)
		*ext1 = args.rcx;
	if (ext2)
		*ext2 = args.rdx;

	if (!err) {
		switch (leaf) {
		case TDH_MEM_PAGE_REMOVE:
		case TDH_MEM_SEPT_REMOVE:
			raw_release(kvm, args.rcx & ~(TDX_PAMT_REMOVAL_HINT | (PAGE_SIZE - 1)));
			break;
		case TDH_MEM_PAGE_PROMOTE:
			raw_release(kvm, args.rcx & ~(TDX_PAMT_REMOVAL_HINT | (PAGE_SIZE - 1)));
			if (dpamt && tdx_level == 1) {
				raw_release(kvm, args.r12);
				raw_release(kvm, args.r13);
			}
			break;
		default:
			break;
		}
	}

out_free:
	for (i = 0; i < nr; i++) {
		struct raw_page *p = &pages[i];

		if (!p->hpa)
			continue;
		if (!r && raw_page_kept(kvm, p) && !raw_remember(kvm, p->hpa, p->size))
			continue;
		if (p->pamt)
			tdx_pamt_put(kvm->kvm_tdx, p->hpa);
		frame_free(kvm->fa, p->hpa, p->size);
	}
	return err;
}

u64 kvm_raw_tdcall_accept(struct kvm *kvm, int vcpu, gpa_t gpa, int tdx_level, bool *exited,
			  struct tdx_ept_exit *exit)
{
	struct kvm_vcpu *v;
	u64 st;

	if (vcpu < 0 || vcpu >= kvm->cfg.nr_vcpus)
		return TDX_OPERAND_INVALID;
	v = &kvm->vcpus[vcpu];
	pthread_mutex_lock(&v->lock);
	st = tdxmod_tdg_mem_page_accept(kvm_tdx_td(kvm), vcpu, gpa | (u64)(tdx_level & 7), exited,
					exit);
	pthread_mutex_unlock(&v->lock);
	return st;
}

u64 kvm_raw_vcpu_enter(struct kvm *kvm, int vcpu)
{
	struct kvm_vcpu *v;
	u64 st = TDX_SUCCESS;

	if (vcpu < 0 || vcpu >= kvm->cfg.nr_vcpus)
		return TDX_OPERAND_INVALID;
	v = &kvm->vcpus[vcpu];
	pthread_mutex_lock(&v->lock);
	if (!tdxmod_vcpu_in_td(kvm_tdx_td(kvm), vcpu))
		st = tdx_vcpu_enter(kvm->kvm_tdx, vcpu);
	pthread_mutex_unlock(&v->lock);
	return st;
}

void kvm_raw_vcpu_exit(struct kvm *kvm, int vcpu)
{
	struct kvm_vcpu *v;

	if (vcpu < 0 || vcpu >= kvm->cfg.nr_vcpus)
		return;
	v = &kvm->vcpus[vcpu];
	pthread_mutex_lock(&v->lock);
	if (tdxmod_vcpu_in_td(kvm_tdx_td(kvm), vcpu))
		tdx_vcpu_exit(kvm->kvm_tdx, vcpu);
	pthread_mutex_unlock(&v->lock);
}

int kvm_inject_leaf(struct kvm *kvm, enum tdx_leaf leaf, u64 status, u64 count, u64 after)
{
	return tdxmod_inject(kvm_tdx_td(kvm), leaf, status, count, after);
}

int kvm_inject_alloc_fail(struct kvm *kvm, u64 count, u64 after)
{
	return fault_inject_add(frame_allocator_inject(kvm->fa), 0, count, after);
}
