/*
 * pool.c - threads kept for the parts of one job at a time (see pool.h).
 *
 * A job is published by bumping `gen` (under the mutex, so that a thread
 * about to sleep cannot miss it); each thread runs its part and decrements
 * `pending`, and the last one wakes the caller.  Both sides spin a little
 * before they sleep, unless there are more parts than cores: a spinning
 * thread would then take the core of one with work.
 */
#include "pool.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "util.h"

#define POOL_SPIN 4000    /* polls before sleeping: some 0.1 ms */

struct slot {
    struct pool *p;
    int part;
};

struct pool {
    int n;                   /* parts */
    int nthreads;            /* threads started: parts 1..nthreads */
    int spin;                /* polls before sleeping: POOL_SPIN, or 0 when
                              * there are more parts than cores */
    pthread_t tid[POOL_MAX];
    struct slot slot[POOL_MAX];
    pthread_mutex_t mu;
    pthread_cond_t go, done;
    atomic_uint gen;         /* job number */
    atomic_int pending;      /* threads still running the job */
    atomic_int stop;
    void (*fn)(void *arg, int part);
    void *arg;
};

static inline void pool_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

static void *pool_thread(void *arg)
{
    struct slot *s = arg;
    struct pool *p = s->p;
    unsigned seen = 0;
    for (;;) {
        unsigned g = atomic_load(&p->gen);
        for (int i = 0; g == seen && i < p->spin; i++) {
            pool_relax();
            g = atomic_load(&p->gen);
        }
        if (g == seen) {
            pthread_mutex_lock(&p->mu);
            while ((g = atomic_load(&p->gen)) == seen)
                pthread_cond_wait(&p->go, &p->mu);
            pthread_mutex_unlock(&p->mu);
        }
        seen = g;
        if (atomic_load(&p->stop))
            return NULL;
        p->fn(p->arg, s->part);
        if (atomic_fetch_sub(&p->pending, 1) == 1) {
            pthread_mutex_lock(&p->mu);
            pthread_cond_signal(&p->done);
            pthread_mutex_unlock(&p->mu);
        }
    }
}

struct pool *pool_new(int n)
{
    if (n < 1)
        n = 1;
    if (n > POOL_MAX)
        n = POOL_MAX;
    struct pool *p = util_calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->n = n;
    p->spin = n <= util_ncpu() ? POOL_SPIN : 0;
    atomic_init(&p->gen, 0);
    atomic_init(&p->pending, 0);
    atomic_init(&p->stop, 0);
    if (n > 1) {
        if (pthread_mutex_init(&p->mu, NULL) != 0) {
            free(p);
            return NULL;
        }
        if (pthread_cond_init(&p->go, NULL) != 0) {
            pthread_mutex_destroy(&p->mu);
            free(p);
            return NULL;
        }
        if (pthread_cond_init(&p->done, NULL) != 0) {
            pthread_cond_destroy(&p->go);
            pthread_mutex_destroy(&p->mu);
            free(p);
            return NULL;
        }
        for (int i = 1; i < n; i++) {
            p->slot[i].p = p;
            p->slot[i].part = i;
            if (pthread_create(&p->tid[i], NULL, pool_thread, &p->slot[i]) != 0)
                break;
            p->nthreads = i;
        }
    }
    return p;
}

int pool_parts(const struct pool *p)
{
    return p->n;
}

void pool_run(struct pool *p, void (*fn)(void *arg, int part), void *arg)
{
    if (p->nthreads > 0) {
        p->fn = fn;
        p->arg = arg;
        atomic_store(&p->pending, p->nthreads);
        pthread_mutex_lock(&p->mu);
        atomic_fetch_add(&p->gen, 1);
        pthread_cond_broadcast(&p->go);
        pthread_mutex_unlock(&p->mu);
    }
    fn(arg, 0);
    for (int i = p->nthreads + 1; i < p->n; i++)    /* threads that did not start */
        fn(arg, i);
    if (p->nthreads > 0) {
        for (int i = 0; atomic_load(&p->pending) > 0 && i < p->spin; i++)
            pool_relax();
        pthread_mutex_lock(&p->mu);
        while (atomic_load(&p->pending) > 0)
            pthread_cond_wait(&p->done, &p->mu);
        pthread_mutex_unlock(&p->mu);
    }
}

void pool_free(struct pool *p)
{
    if (!p)
        return;
    if (p->nthreads > 0) {
        pthread_mutex_lock(&p->mu);
        atomic_store(&p->stop, 1);
        atomic_fetch_add(&p->gen, 1);
        pthread_cond_broadcast(&p->go);
        pthread_mutex_unlock(&p->mu);
        for (int i = 1; i <= p->nthreads; i++)
            pthread_join(p->tid[i], NULL);
    }
    if (p->n > 1) {
        pthread_cond_destroy(&p->done);
        pthread_cond_destroy(&p->go);
        pthread_mutex_destroy(&p->mu);
    }
    free(p);
}
