/*
 * Workers that run copy jobs at once (-j): a fixed number of threads
 * taking work from a queue.  The queue is bounded (32 pieces a worker),
 * so a tree walk that feeds it never runs far ahead of the copies (memory
 * stays bounded by the depth of the tree, not by its size).
 */
#ifndef KCP_POOL_H
#define KCP_POOL_H

#include <stdbool.h>

struct pool;

/* Start n worker threads; NULL where none could be started. */
struct pool	*pool_new(int n);

/* Hand fn(arg) to a worker, waiting while the queue is full. */
void		 pool_submit(struct pool *p, void (*fn)(void *), void *arg);

/* Wake a worker for what is queued (the walk ends a directory). */
void		 pool_flush(struct pool *p);

/* Wait until every piece of work handed so far is done. */
void		 pool_wait(struct pool *p);

/* Wait, stop the workers and free the pool. */
void		 pool_free(struct pool *p);

/* The number of online CPUs, at least 1. */
int		 pool_cpus(void);

/* Jobs when -j does not say (kcp(1), Parallel copying). */
int		 pool_default_jobs(void);

/* Whether the calling thread is one of a pool's workers. */
bool		 pool_in_worker(void);

#endif
