/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Kernel-style event trace: one trace point per event, written as a line
 * in the shape of ftrace's text output,
 *
 *   TASK-TID [CPU] ..... SECONDS.MICROS: EVENT: key=value key=value ...
 *
 * so the log can be grepped and read with the tools people use for
 * /sys/kernel/tracing/trace.  Event names are the kernel's where one
 * exists (kvm_tdp_mmu_spte_changed, kvm_page_fault, kvm_mmu_split_huge_page).
 *
 * The layers call the trace_*() points below; nothing formats a line
 * anywhere else.  A tool turns the trace on with trace_start(); when off, a
 * trace point costs one relaxed atomic load.  Names (leaves, statuses,
 * levels) are passed as strings, since base/ sits below the layers that
 * own them.
 */
#ifndef TDPMMU_TRACE_H
#define TDPMMU_TRACE_H

#include <stdatomic.h>
#include <stdio.h>

#include "tdpmmu/types.h"

extern atomic_bool tdpmmu_trace_on;

static inline bool trace_enabled(void)
{
	return atomic_load_explicit(&tdpmmu_trace_on, memory_order_relaxed);
}

/*
 * Write events to @f (not closed by trace_stop) until trace_stop().  At
 * most @max_events lines (0: no bound); past the bound events are counted,
 * not written, and trace_stop() writes one line saying how many were cut.
 */
void trace_start(FILE *f, u64 max_events);
/* Stop tracing and flush.  Returns the number of events written. */
u64 trace_stop(void);
/* Events not written because of the bound. */
u64 trace_dropped(void);
/*
 * The traced part ends here (a run's counters are snapshot): write a
 * comment line saying @why and stop writing events.  No-op when off.
 */
void trace_end(const char *why);

/* One line; the event points below are the only callers. */
void __trace_event(const char *event, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* "4K", "2M", "1G", "512G" for PG levels 1..4. */
const char *trace_level_name(int pg_level);

/*
 * A mirror or direct SPTE changed (handle_changed_spte): @mirror says which
 * root.  Levels are PG levels.
 */
#define trace_kvm_tdp_mmu_spte_changed(mirror, gfn, level, old_spte, new_spte)                 \
	do {                                                                                   \
		if (trace_enabled())                                                           \
			__trace_event(                                                         \
				"kvm_tdp_mmu_spte_changed",                                    \
				"root=%s gfn=0x%llx level=%s old_spte=0x%llx new_spte=0x%llx", \
				(mirror) ? "mirror" : "direct", (unsigned long long)(gfn),     \
				trace_level_name(level), (unsigned long long)(old_spte),       \
				(unsigned long long)(new_spte));                               \
	} while (0)

/* An EPT violation handled by the MMU; @outcome: "fixed", "memory_fault", "EIO", ... */
#define trace_kvm_page_fault(vcpu, gpa, private, write, outcome)                              \
	do {                                                                                  \
		if (trace_enabled())                                                          \
			__trace_event("kvm_page_fault",                                       \
				      "vcpu=%d gpa=0x%llx private=%d write=%d outcome=%s",    \
				      (int)(vcpu), (unsigned long long)(gpa), (int)(private), \
				      (int)(write), (outcome));                               \
	} while (0)

/*
 * A SEAMCALL into the module (every call, failed and injected ones too).
 * @gpa/@level: the entry RCX names, or @level NULL for leaves without one.
 */
#define trace_tdx_seamcall(leaf, gpa, level, status)                                        \
	do {                                                                                \
		if (trace_enabled())                                                        \
			__trace_seamcall("tdx_seamcall", (leaf), (gpa), (level), (status)); \
	} while (0)
/* TDH.VP.ENTER: vCPU @vcpu enters the TD (epoch bookkeeping, TLB flush). */
#define trace_tdx_vp_enter(vcpu, status)                                                     \
	do {                                                                                 \
		if (trace_enabled())                                                         \
			__trace_event("tdx_seamcall", "leaf=TDH.VP.ENTER vcpu=%d status=%s", \
				      (int)(vcpu), (status));                                \
	} while (0)
/* The guest's TDCALL (TDG.MEM.PAGE.ACCEPT). */
#define trace_tdx_tdcall(leaf, vcpu, gpa, level, status)                          \
	do {                                                                      \
		if (trace_enabled())                                              \
			__trace_tdcall((leaf), (vcpu), (gpa), (level), (status)); \
	} while (0)
void __trace_seamcall(const char *event, const char *leaf, u64 gpa, const char *level,
		      const char *status);
void __trace_tdcall(const char *leaf, int vcpu, u64 gpa, const char *level, const char *status);

/* A successful TDH.MEM.TRACK: the TD epoch moved (round @n since the VM began). */
#define trace_kvm_tdx_track(n)                                                                 \
	do {                                                                                   \
		if (trace_enabled())                                                           \
			__trace_event("kvm_tdx_track", "round=%llu", (unsigned long long)(n)); \
	} while (0)
/* All vCPUs told to leave the TD (@hold: kept out until released). */
#define trace_kvm_tdx_kick(n, hold)                                          \
	do {                                                                 \
		if (trace_enabled())                                         \
			__trace_event("kvm_tdx_kick", "kick=%llu hold=%d",   \
				      (unsigned long long)(n), (int)(hold)); \
	} while (0)

/* A huge mirror leaf became a table of smaller leaves (errno 0), or the split failed. */
#define trace_kvm_mmu_split_huge_page(mirror, gfn, level, err)                                   \
	do {                                                                                     \
		if (trace_enabled())                                                             \
			__trace_event("kvm_mmu_split_huge_page",                                 \
				      "root=%s gfn=0x%llx level=%s errno=%d",                    \
				      (mirror) ? "mirror" : "direct", (unsigned long long)(gfn), \
				      trace_level_name(level), (int)(err));                      \
	} while (0)
/* A table of small leaves became one huge leaf by promotion (errno 0), or the try failed. */
#define trace_kvm_mmu_promote_huge_page(mirror, gfn, level, err)                                 \
	do {                                                                                     \
		if (trace_enabled())                                                             \
			__trace_event("kvm_mmu_promote_huge_page",                               \
				      "root=%s gfn=0x%llx level=%s errno=%d",                    \
				      (mirror) ? "mirror" : "direct", (unsigned long long)(gfn), \
				      trace_level_name(level), (int)(err));                      \
	} while (0)

/*
 * tdpmmu explore: logical thread @thread reached a yield point (@kind at
 * @where) at step @step; @next runs next (@choice: the explorer chose).
 */
#define trace_explore_yield(step, thread, kind, where, choice, next)                              \
	do {                                                                                      \
		if (trace_enabled())                                                              \
			__trace_event("explore_yield",                                            \
				      "step=%llu thread=T%d kind=%s where=\"%s\" %s=T%d",         \
				      (unsigned long long)(step), (int)(thread), (kind), (where), \
				      (choice) ? "choice" : "next", (int)(next));                 \
	} while (0)

/* KVM_BUG_ON: why the VM was bugged (the first cause only). */
#define trace_kvm_vm_bugged(reason, func, gfn, level)                                              \
	do {                                                                                       \
		if (trace_enabled())                                                               \
			__trace_event("kvm_vm_bugged",                                             \
				      "reason=\"%s\" func=%s gfn=0x%llx level=%s", (reason),       \
				      (func), (unsigned long long)(gfn), trace_level_name(level)); \
	} while (0)

#endif /* TDPMMU_TRACE_H */
