// SPDX-License-Identifier: GPL-2.0-only
/*
 * `tdpmmu stress`: the op log.  Each worker appends to its own log (no
 * lock), stamped with the global sequence number taken when the op
 * started; all logs together are capped by --log-limit.  Gathered and
 * sorted by that number they are the single-threaded order the replay
 * (stress_replay.c) writes.
 */
#include <stdlib.h>
#include <string.h>

#include "stress_run.h"

/* Appends @ent (its seq and op set) unless the log is full: then no replay, but the run goes on. */
void stress_log(struct worker *w, const struct log_ent *ent)
{
	struct stress *s = w->s;
	struct op_log *l = &w->log;

	if (atomic_load_explicit(&s->log_overflow, memory_order_relaxed))
		return;
	if (atomic_fetch_add_explicit(&s->log_entries, 1, memory_order_relaxed) >= s->o.log_limit) {
		atomic_store(&s->log_overflow, true);
		return;
	}
	if (l->nr == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 1024;
		struct log_ent *p = realloc(l->ents, cap * sizeof(*p));

		if (!p) {
			atomic_store(&s->log_overflow, true);
			return;
		}
		l->ents = p;
		l->cap = cap;
	}
	l->ents[l->nr++] = *ent;
}

/* A fresh TD (--td-lifetime): the logs start afresh, so a replay covers the TD that failed. */
void stress_log_restart(struct stress *s)
{
	for (int i = 0; i < s->nr_workers; i++)
		s->w[i].log.nr = 0;
	atomic_store(&s->log_entries, 0);
	atomic_store(&s->log_overflow, false);
	s->log_run = s->runs;
}

static int ent_cmp(const void *a, const void *b)
{
	const struct log_ent *x = a, *y = b;

	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Every worker's entries in one array, in the order the ops started; NULL: out of memory. */
struct log_ent *stress_log_gather(const struct stress *s, size_t *nr)
{
	struct log_ent *ents;
	size_t n = 0, i, k;

	for (i = 0; i < (size_t)s->nr_workers; i++)
		n += s->w[i].log.nr;
	ents = malloc((n ? n : 1) * sizeof(*ents));
	if (!ents)
		return NULL;
	for (i = 0, k = 0; i < (size_t)s->nr_workers; i++) {
		memcpy(&ents[k], s->w[i].log.ents, s->w[i].log.nr * sizeof(*ents));
		k += s->w[i].log.nr;
	}
	qsort(ents, n, sizeof(*ents), ent_cmp);
	*nr = n;
	return ents;
}

void stress_log_free(struct stress *s)
{
	for (int i = 0; i < s->nr_workers; i++)
		free(s->w[i].log.ents);
}
