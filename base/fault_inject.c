// SPDX-License-Identifier: GPL-2.0-only
/*
 * Fault-injection points: ordered rules, each with an `after` to let calls
 * pass and a `count` of fires.  Every rule still waiting counts each call;
 * the first rule that is due fires (SCENARIO-FORMAT.md, `inject`).
 */
#include <errno.h>
#include <stdlib.h>

#include "tdpmmu/base.h"

void fault_inject_init(struct fault_inject *fi)
{
	pthread_mutex_init(&fi->lock, NULL);
	fi->rules = NULL;
	fi->nr_rules = fi->cap = 0;
	atomic_init(&fi->armed, false);
}

void fault_inject_destroy(struct fault_inject *fi)
{
	free(fi->rules);
	fi->rules = NULL;
	fi->nr_rules = fi->cap = 0;
	pthread_mutex_destroy(&fi->lock);
}

int fault_inject_add(struct fault_inject *fi, u64 value, u64 count, u64 after)
{
	if (!count)
		return 0;
	pthread_mutex_lock(&fi->lock);
	if (fi->nr_rules == fi->cap) {
		size_t cap = fi->cap ? fi->cap * 2 : 4;
		struct fault_inject_rule *r = realloc(fi->rules, cap * sizeof(*r));

		if (!r) {
			pthread_mutex_unlock(&fi->lock);
			return -ENOMEM;
		}
		fi->rules = r;
		fi->cap = cap;
	}
	fi->rules[fi->nr_rules++] = (struct fault_inject_rule){
		.value = value, .count = count, .after = after, .seen = 0};
	atomic_store(&fi->armed, true);
	pthread_mutex_unlock(&fi->lock);
	return 0;
}

bool fault_inject_should_fail(struct fault_inject *fi, u64 *value)
{
	struct fault_inject_rule *fired = NULL;
	bool armed = false;
	size_t i;

	/* Fast path: nothing to inject (the common case, and hot). */
	if (!atomic_load_explicit(&fi->armed, memory_order_acquire))
		return false;

	pthread_mutex_lock(&fi->lock);
	for (i = 0; i < fi->nr_rules; i++) {
		struct fault_inject_rule *r = &fi->rules[i];

		if (!r->count)
			continue;
		if (r->seen < r->after) {
			r->seen++;
		} else if (!fired) {
			fired = r;
			r->count--;
			if (value)
				*value = r->value;
		}
		if (r->count)
			armed = true;
	}
	atomic_store(&fi->armed, armed);
	pthread_mutex_unlock(&fi->lock);
	return fired != NULL;
}
