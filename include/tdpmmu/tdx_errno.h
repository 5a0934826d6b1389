/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * TDX module completion status codes and operand ids, shared by the module
 * model (tdxmod/) and the KVM-side glue (tdx/), as the kernel shares
 * asm/shared/tdx_errno.h.  Values are the module's (tdx_error_codes_defs.h).
 */
#ifndef TDPMMU_TDX_ERRNO_H
#define TDPMMU_TDX_ERRNO_H

#include "tdpmmu/types.h"

#define TDX_STATUS_MASK 0xFFFFFFFF00000000ULL
#define TDX_OPERAND_MASK 0x00000000FFFFFFFFULL
#define TDX_ERROR_BIT BIT_ULL(63)

#define TDX_SUCCESS 0x0000000000000000ULL
#define TDX_INTERRUPTED_RESUMABLE 0x8000000300000000ULL
#define TDX_INTERRUPTED_RESTARTABLE 0x8000000400000000ULL
#define TDX_OPERAND_INVALID 0xC000010000000000ULL
#define TDX_OPERAND_ADDR_RANGE_ERROR 0xC000010100000000ULL
#define TDX_OPERAND_BUSY 0x8000020000000000ULL
#define TDX_PREVIOUS_TLB_EPOCH_BUSY 0x8000020100000000ULL
#define TDX_OPERAND_BUSY_HOST_PRIORITY 0x8000020400000000ULL
#define TDX_HOST_PRIORITY_BUSY_TIMEOUT 0x9000020500000000ULL
#define TDX_PAGE_METADATA_INCORRECT 0xC000030000000000ULL
#define TDX_PAGE_NOT_FREE 0xC000030300000000ULL
#define TDX_HPA_RANGE_NOT_FREE 0xC000030400000000ULL
#define TDX_NO_PAMT_PAGE_PAIR 0xC000030500000000ULL
#define TDX_PAMT_PAGE_NOT_EMPTY 0xC000030600000000ULL
#define TDX_MISSING_PAMT_PAGE_PAIR 0x8000030800000000ULL
#define TDX_TD_FATAL 0xE000060400000000ULL
#define TDX_OP_STATE_INCORRECT 0xC000060800000000ULL
#define TDX_NO_VCPUS 0xC000060900000000ULL
#define TDX_EPT_WALK_FAILED 0xC0000B0000000000ULL
#define TDX_GPA_RANGE_NOT_BLOCKED 0xC0000B0600000000ULL
#define TDX_GPA_RANGE_ALREADY_BLOCKED 0x00000B0700000000ULL
#define TDX_TLB_TRACKING_NOT_DONE 0xC0000B0800000000ULL
#define TDX_EPT_INVALID_PROMOTE_CONDITIONS 0xC0000B0900000000ULL
#define TDX_PAGE_ALREADY_ACCEPTED 0x00000B0A00000000ULL
#define TDX_PAGE_SIZE_MISMATCH 0xC0000B0B00000000ULL
#define TDX_EPT_ENTRY_STATE_INCORRECT 0xC0000B0D00000000ULL
#define TDX_EPT_PAGE_NOT_FREE 0xC0000B0E00000000ULL

/* Operand ids (low 32 bits). */
#define TDX_OPERAND_ID_RAX 0x00
#define TDX_OPERAND_ID_RCX 0x01
#define TDX_OPERAND_ID_RDX 0x02
#define TDX_OPERAND_ID_R8 0x08
#define TDX_OPERAND_ID_R12 0x0C
#define TDX_OPERAND_ID_R13 0x0D
#define TDX_OPERAND_ID_TDR 0x80
#define TDX_OPERAND_ID_SEPT 0x92
#define TDX_OPERAND_ID_TD_EPOCH 0xA9
#define TDX_OPERAND_ID_OP_STATE 0xAC

/* PAMT removal hint returned in the PA by 2.0 modules with Dynamic PAMT. */
#define TDX_PAMT_REMOVAL_HINT BIT_ULL(62)

static inline u64 tdx_status(u64 err)
{
	return err & TDX_STATUS_MASK;
}

static inline bool tdx_operand_busy(u64 err)
{
	return tdx_status(err) == TDX_OPERAND_BUSY;
}

/* Name <-> value for the status proper (high 32 bits).  NULL/false if unknown. */
const char *tdx_status_name(u64 status);
bool tdx_status_from_name(const char *name, u64 *status);
/* Name of an operand id ("RCX", "SEPT_TREE", ...) or NULL. */
const char *tdx_operand_name(u32 operand);
bool tdx_operand_from_name(const char *name, u32 *operand);
/* "TDX_OPERAND_BUSY|SEPT_TREE" style, into @buf. */
const char *tdx_status_format(u64 err, char *buf, size_t len);

#endif /* TDPMMU_TDX_ERRNO_H */
