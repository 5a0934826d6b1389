// SPDX-License-Identifier: GPL-2.0-only
/*
 * Names of the deliberate-bug switches (include/tdpmmu/base.h).  They are
 * part of the tdpmmu-bugs command line and of the reports it writes.
 */
#include <stdio.h>
#include <string.h>

#include "bugs.h"
#include "tdpmmu/base.h"

static const char *const bug_names[NR_TDPMMU_BUGS] = {
	[TDPMMU_BUG_SKIP_KICK_AFTER_TRACK] = "skip_kick_after_track",
	[TDPMMU_BUG_SKIP_TRACK] = "skip_track",
	[TDPMMU_BUG_PUBLISH_CHILD_BEFORE_LINK] = "publish_child_before_link",
	[TDPMMU_BUG_NO_INVALIDATE_RETRY] = "no_invalidate_retry",
	[TDPMMU_BUG_ZAP_WITHOUT_SPLIT] = "zap_without_split",
	[TDPMMU_BUG_NARROW_PUNCH_INVALIDATION] = "narrow_punch_invalidation",
	[TDPMMU_BUG_SKIP_REMOTE_TLB_FLUSH] = "skip_remote_tlb_flush",
	[TDPMMU_BUG_PROMOTE_IGNORES_INVALIDATION] = "promote_ignores_invalidation",
};

int tdpmmu_bug_by_name(const char *name)
{
	for (int i = 0; i < NR_TDPMMU_BUGS; i++)
		if (bug_names[i] && !strcmp(name, bug_names[i]))
			return i;
	return -1;
}

const char *tdpmmu_bug_name(int id)
{
	return id >= 0 && id < NR_TDPMMU_BUGS ? bug_names[id] : NULL;
}

void tdpmmu_bugs_describe(char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = 0;
#ifdef TDPMMU_BUGS
	for (int i = 0; i < NR_TDPMMU_BUGS && off < len; i++)
		if (tdpmmu_bugs & (1u << i))
			off += (size_t)snprintf(buf + off, len - off, "%s--bug %s", off ? " " : "",
						bug_names[i] ? bug_names[i] : "?");
#else
	(void)off;
	(void)len;
#endif
}
