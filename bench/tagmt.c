/*
 * tagmt.c - tagging throughput through the public library API with 1..N
 * threads sharing one model, each with its own crftag_tagger.
 *
 *   tagmt MODEL FILE [MAXTHREADS] [REPEAT]
 *
 * FILE (tokenized: WikiSER blocks or CoNLL columns) is read into memory
 * first; then for t = 1, 2, 4, ... MAXTHREADS threads take sentences from a
 * shared counter (in blocks of 64) and tag them (features + Viterbi; no I/O),
 * REPEAT passes over the file.  Prints tokens/s and the speed-up over one
 * thread.  Uses only <crftag.h>.
 */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <crftag.h>

struct sent {
    char **cols;
    size_t n, ncols;
};

struct job {
    const struct crftag_model *m;
    const struct sent *s;
    size_t nsent;
    int repeat;
    atomic_size_t next;
    atomic_int failed;
};

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void *work(void *arg)
{
    struct job *j = arg;
    struct crftag_tagger *t;
    if (crftag_tagger_new(j->m, &t) != CRFTAG_OK) {
        atomic_store(&j->failed, 1);
        return NULL;
    }
    size_t cap = 0;
    uint32_t *ids = NULL;
    size_t total = j->nsent * (size_t)j->repeat;
    for (;;) {
        size_t b = atomic_fetch_add(&j->next, 64);
        if (b >= total)
            break;
        size_t e = b + 64 < total ? b + 64 : total;
        for (size_t k = b; k < e; k++) {
            const struct sent *s = &j->s[k % j->nsent];
            if (s->n > cap) {
                free(ids);
                cap = s->n * 2;
                ids = malloc(cap * sizeof *ids);
                if (!ids) {
                    atomic_store(&j->failed, 1);
                    crftag_tagger_free(t);
                    return NULL;
                }
            }
            if (crftag_tagger_tag(t, (const char *const *)s->cols, s->n, s->ncols, ids, NULL,
                                  NULL) != CRFTAG_OK)
                atomic_store(&j->failed, 1);
        }
    }
    free(ids);
    crftag_tagger_free(t);
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: tagmt MODEL FILE [MAXTHREADS] [REPEAT]\n");
        return 2;
    }
    int maxth = argc > 3 ? atoi(argv[3]) : 2;
    int repeat = argc > 4 ? atoi(argv[4]) : 3;
    if (maxth < 1 || maxth > 256 || repeat < 1) {
        fprintf(stderr, "tagmt: bad MAXTHREADS or REPEAT\n");
        return 2;
    }
    struct crftag_error err;
    struct crftag_model *m;
    double t0 = now();
    if (crftag_model_load(argv[1], &m, &err) != CRFTAG_OK) {
        fprintf(stderr, "tagmt: %s: %s\n", argv[1], err.msg);
        return 1;
    }
    double tload = now() - t0;
    struct crftag_reader *r;
    if (crftag_reader_open(argv[2], &r, &err) != CRFTAG_OK) {
        fprintf(stderr, "tagmt: %s: %s\n", argv[2], err.msg);
        return 1;
    }
    struct sent *s = NULL;
    size_t nsent = 0, cap = 0, ntok = 0;
    const char *const *cols;
    size_t n, ncols;
    int rc;
    while ((rc = crftag_reader_next(r, &cols, &n, &ncols, &err)) == 1) {
        if (nsent == cap) {
            cap = cap ? 2 * cap : 1024;
            struct sent *ns = realloc(s, cap * sizeof *s);
            if (!ns)
                return 1;
            s = ns;
        }
        struct sent *d = &s[nsent++];
        d->n = n;
        d->ncols = ncols;
        d->cols = malloc(n * ncols * sizeof *d->cols);
        if (!d->cols)
            return 1;
        for (size_t i = 0; i < n * ncols; i++) {
            d->cols[i] = strdup(cols[i]);
            if (!d->cols[i])
                return 1;
        }
        ntok += n;
    }
    crftag_reader_close(r);
    if (rc < 0) {
        fprintf(stderr, "tagmt: %s:%ld: %s\n", argv[2], err.line, err.msg);
        return 1;
    }
    printf("tagmt: %s loaded in %.1f ms; %zu sentences, %zu tokens, %d passes\n", argv[1],
           tload * 1e3, nsent, ntok, repeat);
    printf("%8s %14s %10s\n", "threads", "tokens/s", "speed-up");
    double base = 0;
    for (int th = 1; th <= maxth; th *= 2) {
        struct job j;
        j.m = m;
        j.s = s;
        j.nsent = nsent;
        j.repeat = repeat;
        atomic_init(&j.next, 0);
        atomic_init(&j.failed, 0);
        pthread_t tid[256];
        double a = now();
        for (int i = 0; i < th; i++)
            if (pthread_create(&tid[i], NULL, work, &j)) {
                fprintf(stderr, "tagmt: cannot start a thread\n");
                return 1;
            }
        for (int i = 0; i < th; i++)
            pthread_join(tid[i], NULL);
        double sec = now() - a;
        if (atomic_load(&j.failed)) {
            fprintf(stderr, "tagmt: tagging failed\n");
            return 1;
        }
        double tps = (double)ntok * repeat / sec;
        if (th == 1)
            base = tps;
        printf("%8d %14.0f %10.2f\n", th, tps, tps / base);
        if (th < maxth && th * 2 > maxth)
            th = maxth / 2;     /* end on maxth itself */
    }
    for (size_t k = 0; k < nsent; k++) {
        for (size_t i = 0; i < s[k].n * s[k].ncols; i++)
            free(s[k].cols[i]);
        free(s[k].cols);
    }
    free(s);
    crftag_model_free(m);
    return 0;
}
