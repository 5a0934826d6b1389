// SPDX-License-Identifier: GPL-2.0-only
/*
 * `tdpmmu stress`: the worker threads.  Each runs its own op stream
 * (vCPU or host) until told to stop; the coordinator parks them all for a
 * quiescent check or a TD swap (stress_pause_all) and lets them go again
 * (stress_resume_all).  Host threads are paced against guest ops
 * (--host-ratio), since host ops are far cheaper.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "stress_run.h"

static void worker_park(struct stress *s)
{
	u64 gen;

	pthread_mutex_lock(&s->lock);
	s->parked++;
	pthread_cond_broadcast(&s->parked_cv);
	gen = s->generation;
	while (s->generation == gen)
		pthread_cond_wait(&s->resume_cv, &s->lock);
	s->parked--;
	pthread_mutex_unlock(&s->lock);
}

void stress_pause_all(struct stress *s)
{
	pthread_mutex_lock(&s->lock);
	atomic_store(&s->pause_req, true);
	while (s->parked < s->active)
		pthread_cond_wait(&s->parked_cv, &s->lock);
	pthread_mutex_unlock(&s->lock);
}

void stress_resume_all(struct stress *s)
{
	pthread_mutex_lock(&s->lock);
	atomic_store(&s->pause_req, false);
	s->generation++;
	pthread_cond_broadcast(&s->resume_cv);
	pthread_mutex_unlock(&s->lock);
}

static void *worker_main(void *p)
{
	struct worker *w = p;
	struct stress *s = w->s;

	while (!atomic_load_explicit(&s->stop, memory_order_relaxed)) {
		u64 seq;

		if (atomic_load_explicit(&s->pause_req, memory_order_acquire)) {
			worker_park(s);
			continue;
		}
		/* Host ops are far cheaper than guest ops: pace them (see --host-ratio). */
		if (!w->is_vcpu && s->o.host_ratio > 0 && s->o.vcpus &&
		    (double)atomic_load_explicit(&s->host_ops, memory_order_relaxed) >
			    s->o.host_ratio * (double)atomic_load_explicit(&s->guest_ops,
									   memory_order_relaxed) +
				    16) {
			usleep(20);
			continue;
		}
		seq = atomic_fetch_add_explicit(&s->seq, 1, memory_order_relaxed);
		if (s->o.ops && seq >= s->o.ops) {
			atomic_store(&s->stop, true);
			break;
		}
		if (w->is_vcpu) {
			stress_vcpu_op(w, seq);
			atomic_fetch_add_explicit(&s->guest_ops, 1, memory_order_relaxed);
		} else {
			stress_host_op(w, seq);
			atomic_fetch_add_explicit(&s->host_ops, 1, memory_order_relaxed);
		}
		atomic_fetch_add_explicit(&w->done, 1, memory_order_relaxed);
	}
	pthread_mutex_lock(&s->lock);
	s->active--;
	pthread_cond_broadcast(&s->parked_cv);
	pthread_mutex_unlock(&s->lock);
	return NULL;
}

/* Each worker's op stream is seeded from --seed and its index, so it repeats. */
int stress_workers_init(struct stress *s)
{
	s->nr_workers = s->o.vcpus + s->o.host_threads;
	s->w = calloc(s->nr_workers, sizeof(*s->w));
	if (!s->w)
		return -ENOMEM;
	s->active = s->nr_workers;
	for (int i = 0; i < s->nr_workers; i++) {
		struct worker *w = &s->w[i];

		w->s = s;
		w->idx = i;
		w->is_vcpu = i < s->o.vcpus;
		w->vcpu = w->is_vcpu ? i : -1;
		prng_seed(&w->rng, s->o.seed * 0x9E3779B97F4A7C15ULL + (u64)i + 1);
	}
	return 0;
}

/* A thread that cannot start stops the run; those started run on until joined. */
void stress_workers_start(struct stress *s)
{
	for (int i = 0; i < s->nr_workers; i++) {
		if (pthread_create(&s->w[i].thread, NULL, worker_main, &s->w[i])) {
			fprintf(stderr, "tdpmmu stress: cannot start thread %d\n", i);
			atomic_store(&s->stop, true);
			pthread_mutex_lock(&s->lock);
			s->active -= s->nr_workers - i;
			pthread_mutex_unlock(&s->lock);
			s->nr_workers = i;
			break;
		}
	}
}

void stress_workers_join(struct stress *s)
{
	atomic_store(&s->stop, true);
	stress_resume_all(s);
	for (int i = 0; i < s->nr_workers; i++)
		pthread_join(s->w[i].thread, NULL);
}

/* For the progress line: read while the workers run. */
u64 stress_ops_done(const struct stress *s)
{
	u64 n = 0;
	int i;

	for (i = 0; i < s->nr_workers; i++)
		n += atomic_load_explicit(&s->w[i].done, memory_order_relaxed);
	return n;
}
