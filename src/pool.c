/*
 * The worker pool of -j.  Signals stay with the main thread (the walk):
 * workers block them all and notice a stop request at their next pause
 * point, as a sequential copy does.
 */
#include "config.h"

#include <err.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <unistd.h>

#include "engine.h"
#include "pool.h"
#include "quote.h"

struct work {
	void		(*fn)(void *);
	void		*arg;
};

struct pool {
	pthread_mutex_t	 lock;
	pthread_cond_t	 more;		/* work queued, or closing */
	pthread_cond_t	 room;		/* room in the queue */
	pthread_cond_t	 idle;		/* nothing queued or running */
	struct work	*queue;
	int		 cap, head, count;
	int		 running;	/* pieces of work being done */
	bool		 closing;
	int		 n;
	pthread_t	*threads;
};

/*
 * Workers when -j does not say: as many as bench/run found fastest on
 * the 2-core machine it was tuned on, never more than the CPUs online.
 */
#define JOBS_DEFAULT	4

/*
 * Room in the queue for this many pieces of work a worker: enough that the
 * walk seldom waits for a worker, and a worker seldom for the walk.
 */
#define QUEUE_PER_WORKER	32

/*
 * Sleeping workers are woken once this much work is queued (or the walk
 * flushes, waits, or the queue is full), not for every piece: a wake-up
 * is two system calls, as many as copying a small file's bytes.
 */
#define WAKE_AT			8

/* Set in the pool's threads: their copies are not split into parts. */
static _Thread_local bool in_worker;

static void *
worker(void *arg)
{
	struct pool *p = arg;
	struct work w;

	in_worker = true;
	pthread_mutex_lock(&p->lock);
	for (;;) {
		while (p->count == 0 && !p->closing)
			pthread_cond_wait(&p->more, &p->lock);
		if (p->count == 0)
			break;		/* closing, and nothing left */
		w = p->queue[p->head];
		p->head = (p->head + 1) % p->cap;
		p->count--;
		p->running++;
		/* More queued: the next sleeping worker takes it. */
		if (p->count > 0)
			pthread_cond_signal(&p->more);
		/*
		 * A walk waiting for room goes on once half the queue is
		 * free, not at every piece taken (each wake-up costs calls).
		 */
		if (p->count <= p->cap / 2)
			pthread_cond_signal(&p->room);
		pthread_mutex_unlock(&p->lock);
		w.fn(w.arg);
		pthread_mutex_lock(&p->lock);
		if (--p->running == 0 && p->count == 0)
			pthread_cond_broadcast(&p->idle);
	}
	pthread_mutex_unlock(&p->lock);
	/* What this thread kept for itself: quoting slots, its pipe. */
	quote_free();
	engine_thread_done();
	return NULL;
}

struct pool *
pool_new(int n)
{
	sigset_t all, old;
	struct pool *p;
	int i;

	if ((p = calloc(1, sizeof(*p))) == NULL ||
	    (p->threads = calloc((size_t)n, sizeof(*p->threads))) == NULL ||
	    (p->queue = calloc((size_t)n * QUEUE_PER_WORKER,
	    sizeof(*p->queue))) == NULL)
		err(1, "out of memory");
	p->cap = n * QUEUE_PER_WORKER;
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->more, NULL);
	pthread_cond_init(&p->room, NULL);
	pthread_cond_init(&p->idle, NULL);
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	for (i = 0; i < n; i++)
		if (pthread_create(&p->threads[i], NULL, worker, p) != 0)
			break;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	p->n = i;
	if (p->n == 0) {
		pool_free(p);
		return NULL;
	}
	return p;
}

void
pool_submit(struct pool *p, void (*fn)(void *), void *arg)
{
	pthread_mutex_lock(&p->lock);
	while (p->count == p->cap) {
		pthread_cond_signal(&p->more);
		pthread_cond_wait(&p->room, &p->lock);
	}
	p->queue[(p->head + p->count) % p->cap] = (struct work){ fn, arg };
	p->count++;
	if (p->count >= WAKE_AT)
		pthread_cond_signal(&p->more);
	pthread_mutex_unlock(&p->lock);
}

void
pool_flush(struct pool *p)
{
	pthread_mutex_lock(&p->lock);
	if (p->count > 0)
		pthread_cond_signal(&p->more);
	pthread_mutex_unlock(&p->lock);
}

void
pool_wait(struct pool *p)
{
	pthread_mutex_lock(&p->lock);
	if (p->count > 0)
		pthread_cond_signal(&p->more);
	while (p->count > 0 || p->running > 0)
		pthread_cond_wait(&p->idle, &p->lock);
	pthread_mutex_unlock(&p->lock);
}

void
pool_free(struct pool *p)
{
	int i;

	pthread_mutex_lock(&p->lock);
	p->closing = true;
	pthread_cond_broadcast(&p->more);
	pthread_mutex_unlock(&p->lock);
	for (i = 0; i < p->n; i++)
		pthread_join(p->threads[i], NULL);
	pthread_mutex_destroy(&p->lock);
	pthread_cond_destroy(&p->more);
	pthread_cond_destroy(&p->room);
	pthread_cond_destroy(&p->idle);
	free(p->queue);
	free(p->threads);
	free(p);
}

int
pool_cpus(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n > 0 ? (int)n : 1;
}

int
pool_default_jobs(void)
{
	int cpus = pool_cpus();

	return cpus < JOBS_DEFAULT ? cpus : JOBS_DEFAULT;
}

bool
pool_in_worker(void)
{
	return in_worker;
}
