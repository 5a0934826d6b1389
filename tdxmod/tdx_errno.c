// SPDX-License-Identifier: GPL-2.0-only
/*
 * Names of TDX completion statuses and operand ids, for scenarios and reports.
 */
#include <stdio.h>
#include <string.h>

#include "tdpmmu/tdx_errno.h"

#define S(x)          \
	{             \
		x, #x \
	}
static const struct {
	u64 status;
	const char *name;
} tdx_status_names[] = {
	S(TDX_SUCCESS),
	S(TDX_INTERRUPTED_RESUMABLE),
	S(TDX_INTERRUPTED_RESTARTABLE),
	S(TDX_OPERAND_INVALID),
	S(TDX_OPERAND_ADDR_RANGE_ERROR),
	S(TDX_OPERAND_BUSY),
	S(TDX_PREVIOUS_TLB_EPOCH_BUSY),
	S(TDX_OPERAND_BUSY_HOST_PRIORITY),
	S(TDX_HOST_PRIORITY_BUSY_TIMEOUT),
	S(TDX_PAGE_METADATA_INCORRECT),
	S(TDX_PAGE_NOT_FREE),
	S(TDX_HPA_RANGE_NOT_FREE),
	S(TDX_NO_PAMT_PAGE_PAIR),
	S(TDX_PAMT_PAGE_NOT_EMPTY),
	S(TDX_MISSING_PAMT_PAGE_PAIR),
	S(TDX_TD_FATAL),
	S(TDX_OP_STATE_INCORRECT),
	S(TDX_NO_VCPUS),
	S(TDX_EPT_WALK_FAILED),
	S(TDX_GPA_RANGE_NOT_BLOCKED),
	S(TDX_GPA_RANGE_ALREADY_BLOCKED),
	S(TDX_TLB_TRACKING_NOT_DONE),
	S(TDX_EPT_INVALID_PROMOTE_CONDITIONS),
	S(TDX_PAGE_ALREADY_ACCEPTED),
	S(TDX_PAGE_SIZE_MISMATCH),
	S(TDX_EPT_ENTRY_STATE_INCORRECT),
	S(TDX_EPT_PAGE_NOT_FREE),
};
#undef S

static const struct {
	u32 id;
	const char *name;
} tdx_operand_names[] = {
	{TDX_OPERAND_ID_RAX, "RAX"},	       {TDX_OPERAND_ID_RCX, "RCX"},
	{TDX_OPERAND_ID_RDX, "RDX"},	       {TDX_OPERAND_ID_R8, "R8"},
	{TDX_OPERAND_ID_R12, "R12"},	       {TDX_OPERAND_ID_R13, "R13"},
	{TDX_OPERAND_ID_TDR, "TDR"},	       {TDX_OPERAND_ID_SEPT, "SEPT_TREE"},
	{TDX_OPERAND_ID_TD_EPOCH, "TD_EPOCH"}, {TDX_OPERAND_ID_OP_STATE, "OP_STATE"},
};

const char *tdx_status_name(u64 status)
{
	status &= TDX_STATUS_MASK;
	for (size_t i = 0; i < ARRAY_SIZE(tdx_status_names); i++)
		if (tdx_status_names[i].status == status)
			return tdx_status_names[i].name;
	return NULL;
}

bool tdx_status_from_name(const char *name, u64 *status)
{
	for (size_t i = 0; i < ARRAY_SIZE(tdx_status_names); i++) {
		if (!strcmp(tdx_status_names[i].name, name)) {
			*status = tdx_status_names[i].status;
			return true;
		}
	}
	return false;
}

const char *tdx_operand_name(u32 operand)
{
	for (size_t i = 0; i < ARRAY_SIZE(tdx_operand_names); i++)
		if (tdx_operand_names[i].id == operand)
			return tdx_operand_names[i].name;
	return NULL;
}

bool tdx_operand_from_name(const char *name, u32 *operand)
{
	for (size_t i = 0; i < ARRAY_SIZE(tdx_operand_names); i++) {
		if (!strcmp(tdx_operand_names[i].name, name)) {
			*operand = tdx_operand_names[i].id;
			return true;
		}
	}
	return false;
}

/* Statuses whose low bits are an S-EPT level rather than an operand id. */
static bool tdx_status_has_level(u64 status)
{
	return status == TDX_PAGE_ALREADY_ACCEPTED || status == TDX_PAGE_SIZE_MISMATCH;
}

const char *tdx_status_format(u64 err, char *buf, size_t len)
{
	u64 status = err & TDX_STATUS_MASK;
	u32 operand = (u32)(err & TDX_OPERAND_MASK);
	const char *name = tdx_status_name(status);
	const char *op;

	if (!len)
		return buf;
	if (!name) {
		snprintf(buf, len, "0x%016llx", (unsigned long long)err);
		return buf;
	}
	if (!operand && !tdx_status_has_level(status)) {
		snprintf(buf, len, "%s", name);
		return buf;
	}
	if (tdx_status_has_level(status)) {
		snprintf(buf, len, "%s|%u", name, operand);
		return buf;
	}
	op = tdx_operand_name(operand);
	if (op)
		snprintf(buf, len, "%s|%s", name, op);
	else
		snprintf(buf, len, "%s|0x%x", name, operand);
	return buf;
}
