/*
 * pool.h - a fixed set of threads that run the parts of one job at a time
 * (core layer).
 *
 * The trainer runs two jobs an evaluation and the optimizer a dozen short
 * ones an iteration, so the threads are started once and kept: a job costs
 * a wake-up, not a thread start.  Between jobs a thread waits briefly on a
 * counter (a job often follows within microseconds), then sleeps on a
 * condition variable.
 */
#ifndef CRFTAG_POOL_H
#define CRFTAG_POOL_H

struct pool;

#define POOL_MAX 64    /* parts at most */

/* A pool of n parts (1..POOL_MAX; more are cut to POOL_MAX): part 0 runs
 * in the caller's thread, parts 1..n-1 in threads of their own.  NULL when out of memory.  A thread that cannot
 * be started leaves its part to the caller's thread, so pool_run always runs
 * every part. */
struct pool *pool_new(int n);

/* The number of parts. */
int pool_parts(const struct pool *p);

/* Runs fn(arg, part) for every part and returns when all have returned.
 * One job at a time: not to be called from two threads at once, nor from
 * inside fn. */
void pool_run(struct pool *p, void (*fn)(void *arg, int part), void *arg);

/* Stops and joins the threads; NULL is fine. */
void pool_free(struct pool *p);

#endif
