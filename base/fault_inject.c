// SPDX-License-Identifier: GPL-2.0-only
/*
 * Fault-injection points: ordered rules, each with an `after` to let calls
 * pass and a `count` of fires.  Every rule still waiting counts each call;
 * the first rule that is due fires (SCENARIO-FORMAT.md, `inject`).
 *
 * A waiting rule counts every call from its addition on, so it becomes due
 * at a fixed call number; two heaps (waiting by that number, due by order)
 * make a call O(log rules) where scanning every rule made 10^5 rules
 * quadratic.
 */
#include <errno.h>
#include <stdlib.h>

#include "tdpmmu/base.h"

void fault_inject_init(struct fault_inject *fi)
{
	pthread_mutex_init(&fi->lock, NULL);
	fi->rules = NULL;
	fi->nr_rules = fi->cap = 0;
	fi->waiting = fi->ready = NULL;
	fi->nr_waiting = fi->nr_ready = 0;
	fi->calls = 0;
	atomic_init(&fi->armed, false);
}

void fault_inject_destroy(struct fault_inject *fi)
{
	free(fi->rules);
	free(fi->waiting);
	free(fi->ready);
	fi->rules = NULL;
	fi->waiting = fi->ready = NULL;
	fi->nr_rules = fi->cap = fi->nr_waiting = fi->nr_ready = 0;
	pthread_mutex_destroy(&fi->lock);
}

/* Heap order: waiting rules by (due, index), ready rules by index. */
static bool rule_before(const struct fault_inject *fi, bool by_due, size_t a, size_t b)
{
	if (by_due && fi->rules[a].due != fi->rules[b].due)
		return fi->rules[a].due < fi->rules[b].due;
	return a < b;
}

static void heap_push(const struct fault_inject *fi, bool by_due, size_t *h, size_t *n, size_t v)
{
	size_t i = (*n)++;

	while (i && rule_before(fi, by_due, v, h[(i - 1) / 2])) {
		h[i] = h[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	h[i] = v;
}

static void heap_pop(const struct fault_inject *fi, bool by_due, size_t *h, size_t *n)
{
	size_t v = h[--(*n)], i = 0;

	for (;;) {
		size_t c = 2 * i + 1;

		if (c >= *n)
			break;
		if (c + 1 < *n && rule_before(fi, by_due, h[c + 1], h[c]))
			c++;
		if (!rule_before(fi, by_due, h[c], v))
			break;
		h[i] = h[c];
		i = c;
	}
	if (*n)
		h[i] = v;
}

static int fault_inject_grow(struct fault_inject *fi)
{
	size_t cap = fi->cap ? fi->cap * 2 : 4;
	struct fault_inject_rule *r = realloc(fi->rules, cap * sizeof(*r));
	size_t *w, *q;

	if (!r)
		return -ENOMEM;
	fi->rules = r;
	w = realloc(fi->waiting, cap * sizeof(*w));
	if (!w)
		return -ENOMEM;
	fi->waiting = w;
	q = realloc(fi->ready, cap * sizeof(*q));
	if (!q)
		return -ENOMEM;
	fi->ready = q;
	fi->cap = cap;
	return 0;
}

int fault_inject_add(struct fault_inject *fi, u64 value, u64 count, u64 after)
{
	size_t i;

	if (!count)
		return 0;
	pthread_mutex_lock(&fi->lock);
	if (fi->nr_rules == fi->cap && fault_inject_grow(fi)) {
		pthread_mutex_unlock(&fi->lock);
		return -ENOMEM;
	}
	i = fi->nr_rules++;
	fi->rules[i] = (struct fault_inject_rule){
		.value = value,
		.count = count,
		/* Saturates: a rule waiting 2^64 calls never fires. */
		.due = after > ~0ULL - fi->calls ? ~0ULL : fi->calls + after,
	};
	heap_push(fi, true, fi->waiting, &fi->nr_waiting, i);
	atomic_store(&fi->armed, true);
	pthread_mutex_unlock(&fi->lock);
	return 0;
}

bool __fault_inject_should_fail(struct fault_inject *fi, u64 *value)
{
	bool fired = false;
	u64 call;

	pthread_mutex_lock(&fi->lock);
	call = fi->calls++;
	while (fi->nr_waiting && fi->rules[fi->waiting[0]].due <= call) {
		size_t i = fi->waiting[0];

		heap_pop(fi, true, fi->waiting, &fi->nr_waiting);
		heap_push(fi, false, fi->ready, &fi->nr_ready, i);
	}
	if (fi->nr_ready) {
		struct fault_inject_rule *r = &fi->rules[fi->ready[0]];

		fired = true;
		if (value)
			*value = r->value;
		if (!--r->count)
			heap_pop(fi, false, fi->ready, &fi->nr_ready);
	}
	atomic_store(&fi->armed, fi->nr_waiting || fi->nr_ready);
	pthread_mutex_unlock(&fi->lock);
	return fired;
}
