// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer harness: fuzz bytes become a sequence of MMU-level operations
 * on a small TD (8M, 2 vCPUs, vcpu_threads=false so a run is
 * deterministic), with the invariant checker after every operation.  The
 * first byte picks the configuration (max level, module/DPAMT, policy,
 * interruptible DEMOTE); then every 4 bytes are one operation:
 *
 *   byte 0: operation      byte 1..2: address / size    byte 3: flags
 *
 * Aborts (so libFuzzer reports the input) when: the checker finds a
 * violation; an operation returns a result outside its defined set; the
 * VM is bugged although only recoverable injections were made; a bugged
 * VM lets an MMU operation through; teardown leaks a frame.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "checker.h"
#include "tdpmmu/vm.h"
#include "tdpmmu/vm_inspect.h"

#define MB (1ULL << 20)
#define MEM (8 * MB)

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

static void report(void *arg, const char *msg)
{
	fprintf(stderr, "fuzz_ops: op %d: violation: %s\n", *(int *)arg, msg);
}

static void die(int op, const char *what, long v)
{
	fprintf(stderr, "fuzz_ops: op %d: %s (%ld)\n", op, what, v);
	abort();
}

static const enum tdxmod_leaf inject_leaves[] = {
	TDH_MEM_SEPT_ADD,	TDH_MEM_PAGE_AUG,    TDH_MEM_RANGE_BLOCK, TDH_MEM_TRACK,
	TDH_MEM_PAGE_REMOVE,	TDH_MEM_SEPT_REMOVE, TDH_MEM_PAGE_DEMOTE, TDH_PHYMEM_PAMT_ADD,
	TDH_PHYMEM_PAMT_REMOVE, TDG_MEM_PAGE_ACCEPT,
};

static const u64 inject_statuses[] = {
	TDX_OPERAND_BUSY | TDX_OPERAND_ID_RCX,
	TDX_INTERRUPTED_RESTARTABLE,
	TDX_OPERAND_INVALID | TDX_OPERAND_ID_RCX,
	TDX_EPT_WALK_FAILED,
	TDX_TLB_TRACKING_NOT_DONE,
	TDX_OPERAND_BUSY | TDX_OPERAND_ID_SEPT,
};

/* Recoverable whatever happens around it (docs/FAULT-INJECTION.md). */
static bool inject_recoverable(enum tdxmod_leaf leaf, u64 status)
{
	if (tdx_operand_busy(status))
		return leaf == TDH_MEM_SEPT_ADD || leaf == TDH_MEM_PAGE_AUG;
	if (tdx_status(status) == TDX_INTERRUPTED_RESTARTABLE)
		return leaf == TDH_MEM_PAGE_DEMOTE;
	return false;
}

/* A 4K-aligned range in [0, MEM) from two bytes, often 2M-aligned. */
static void range(const unsigned char *b, u8 flags, gpa_t *gpa, u64 *size)
{
	u64 pages = MEM / PAGE_SIZE;
	gpa_t g = ((u64)b[0] << 4 | (b[1] >> 4)) % pages * PAGE_SIZE;
	u64 sz = ((u64)(b[1] & 0xf) + 1) * PAGE_SIZE;

	if (flags & 0x10) {
		g &= ~(2 * MB - 1);
		sz = 2 * MB * (1 + ((flags >> 5) & 1));
	}
	if (g + sz > MEM)
		sz = MEM - g;
	*gpa = g;
	*size = sz;
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	struct kvm_config cfg;
	struct kvm *kvm;
	bool fatal = false, enomem_ok = false;
	size_t pos;
	int op = 0;
	u8 c;

	if (size < 1 || size > 4 * 256 + 1)
		return 0;
	c = data[0];
	kvm_config_default(&cfg);
	cfg.mem = MEM;
	cfg.nr_vcpus = 2;
	cfg.max_level = (c & 3) == 0 ? PG_LEVEL_4K : (c & 3) == 3 ? PG_LEVEL_1G : PG_LEVEL_2M;
	cfg.module = (c & 4) ? TDX_MODULE_2_0 : TDX_MODULE_1_5;
	cfg.dpamt = (c & 12) == 12;
	cfg.policy = (c & 16) ? TDX_POLICY_RECOVER : TDX_POLICY_UPSTREAM;
	cfg.demote_interruptible = c & 32;
	cfg.seed = c;
	cfg.vcpu_threads = false;
	if (kvm_create(&cfg, &kvm))
		die(-1, "kvm_create failed", 0);
	/* Bit 6: exercise the build-time PAGE.ADD path before finalizing. */
	if (c & 64) {
		u64 st;

		if (kvm_tdx_init_mem_region(kvm, 0, 4 * PAGE_SIZE, &st))
			die(-1, "init_mem_region failed", (long)st);
	}
	if (kvm_tdx_finalize(kvm))
		die(-1, "finalize failed", 0);

	for (pos = 1; pos + 4 <= size; pos += 4, op++) {
		const unsigned char *b = data + pos;
		u8 flags = b[3];
		int vcpu = flags & 1, rc = 0, v;
		bool bugged_before = kvm_is_bugged(kvm);
		enum kvm_guest_result gr = KVM_GUEST_OK;
		gpa_t gpa;
		u64 sz, st = 0;

		range(b + 1, flags, &gpa, &sz);
		switch (b[0] % 9) {
		case 0: /* accept */
			gpa &= ~(((flags & 2) ? 2 * MB : PAGE_SIZE) - 1);
			gr = kvm_guest_accept(kvm, vcpu, gpa,
					      (flags & 2) ? PG_LEVEL_2M : PG_LEVEL_4K, &st);
			if (gr == KVM_GUEST_STATUS && !tdx_status_name(st))
				die(op, "accept: undefined status", (long)st);
			if (gr == KVM_GUEST_OK || gr == KVM_GUEST_VE)
				die(op, "accept: access result", gr);
			break;
		case 1: /* access */
			gr = kvm_guest_access(kvm, vcpu, gpa, flags & 2, flags & 4);
			if (gr == KVM_GUEST_STATUS)
				die(op, "access: status result", gr);
			break;
		case 2: /* accept_memory */
			rc = kvm_guest_accept_memory(kvm, vcpu, gpa, sz);
			if (rc && rc != -EFAULT && rc != -EIO)
				die(op, "accept_memory: rc", rc);
			/* -EIO without a bug: a 4K accept failed, only after an injection. */
			if (rc == -EIO && !kvm_is_bugged(kvm) && !fatal)
				die(op, "accept_memory: EIO on a healthy VM", rc);
			rc = 0;
			break;
		case 3: /* convert */
			rc = kvm_set_memory_attributes(kvm, gpa, sz, flags & 2);
			break;
		case 4: /* punch */
			rc = kvm_gmem_punch_hole(kvm, gpa, sz);
			break;
		case 5: /* split */
			rc = kvm_split_range(kvm, gpa, sz, (flags & 2) ? PG_LEVEL_2M : PG_LEVEL_4K);
			break;
		case 6: { /* inject a leaf status */
			enum tdxmod_leaf leaf = inject_leaves[b[1] % (sizeof(inject_leaves) /
								      sizeof(inject_leaves[0]))];
			u64 status = inject_statuses[b[2] % (sizeof(inject_statuses) /
							     sizeof(inject_statuses[0]))];

			if (!inject_recoverable(leaf, status))
				fatal = true;
			kvm_inject_leaf(kvm, leaf, status, 1 + (flags >> 6), (flags >> 1) & 7);
			break;
		}
		case 7: /* allocation failure */
			enomem_ok = true;
			kvm_inject_alloc_fail(kvm, 1 + (flags >> 6), (flags >> 1) & 15);
			break;
		case 8: /* a quiescent check only */
			break;
		}
		if (rc && rc != -ENOMEM && rc != -EIO && rc != -EBUSY && rc != -EAGAIN)
			die(op, "host op: undefined rc", rc);
		if (rc == -ENOMEM && !enomem_ok)
			die(op, "ENOMEM without an allocation failure", rc);
		if ((rc == -EBUSY || rc == -EAGAIN) && !fatal && cfg.policy != TDX_POLICY_RECOVER)
			die(op, "EBUSY/EAGAIN without an injection", rc);
		if (kvm_is_bugged(kvm)) {
			if (!fatal)
				die(op, "VM bugged by recoverable injections only", 0);
			if (bugged_before && (b[0] % 9) >= 3 && (b[0] % 9) <= 5 && rc != -EIO)
				die(op, "bugged VM let a host op through", rc);
			v = tdxmod_check(kvm_tdx_td(kvm), report, &op);
		} else {
			if (rc == -EIO || gr == KVM_GUEST_EIO)
				die(op, "EIO from a VM that is not bugged", rc);
			v = tdpmmu_check(kvm, report, &op);
		}
		if (v)
			die(op, "invariant violation(s)", v);
	}
	kvm_destroy(kvm);
	if (kvm_destroy_leaked_bytes())
		die(op, "teardown leaked bytes", (long)kvm_destroy_leaked_bytes());
	return 0;
}
