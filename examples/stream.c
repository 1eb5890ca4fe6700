/*
 * stream.c - a multi-threaded streaming tagger: N threads share one model,
 * each with its own tagger; output keeps the input order.
 *
 *   cc stream.c $(pkg-config --cflags --libs crftag) -pthread -o stream
 *   ./stream MODEL [THREADS] < documents.txt
 *
 * Each input line is one document.  For each entity it prints
 *   LINE<TAB>START<TAB>END<TAB>TYPE<TAB>TEXT
 * (LINE counts from 1, START/END are byte offsets into the line).  Lines are
 * read in batches of BATCH; the threads tag a batch (taking lines from a
 * shared counter), then the main thread prints it in order, so memory holds
 * one batch whatever the input size.
 */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <crftag.h>

#define BATCH 256
#define MAX_THREADS 64

struct doc {
    char *text;                  /* the line, without its newline */
    size_t len;
    struct crftag_span *spans;   /* filled by a worker */
    size_t nspans;
    int failed;
};

struct batch {
    struct doc docs[BATCH];
    size_t n;
    size_t next;                 /* next document to tag, under lock */
    pthread_mutex_t lock;
};

struct worker {
    pthread_t th;
    struct crftag_tagger *tagger;   /* this thread's own */
    struct batch *b;
};

static void *work(void *arg)
{
    struct worker *w = arg;
    for (;;) {
        pthread_mutex_lock(&w->b->lock);
        size_t i = w->b->next++;
        pthread_mutex_unlock(&w->b->lock);
        if (i >= w->b->n)
            return NULL;
        struct doc *d = &w->b->docs[i];
        d->failed = crftag_tagger_tag_text(w->tagger, d->text, d->len, &d->spans, &d->nspans,
                                           NULL, NULL, NULL) != CRFTAG_OK;
    }
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s MODEL [THREADS] < text\n", argv[0]);
        return 2;
    }
    int nth = argc > 2 ? atoi(argv[2]) : 4;
    if (nth < 1 || nth > MAX_THREADS)
        nth = 4;
    struct crftag_model *m;
    struct crftag_error err;
    enum crftag_status st = crftag_model_load(argv[1], &m, &err);
    if (st != CRFTAG_OK) {
        fprintf(stderr, "%s: %s: %s\n", argv[1], crftag_strerror(st), err.msg);
        return 1;
    }
    static struct batch b;
    static struct worker w[MAX_THREADS];
    pthread_mutex_init(&b.lock, NULL);
    for (int k = 0; k < nth; k++) {
        w[k].b = &b;
        if (crftag_tagger_new(m, &w[k].tagger) != CRFTAG_OK) {
            fprintf(stderr, "out of memory\n");
            return 1;
        }
    }
    char *line = NULL;
    size_t cap = 0, lineno = 0;
    int eof = 0, status = 0;
    while (!eof && status == 0) {
        /* read a batch */
        b.n = b.next = 0;
        while (b.n < BATCH) {
            ssize_t got = getline(&line, &cap, stdin);
            if (got < 0) {
                eof = 1;
                break;
            }
            if (got > 0 && line[got - 1] == '\n')
                got--;
            struct doc *d = &b.docs[b.n++];
            d->text = malloc((size_t)got + 1);
            if (!d->text) {
                fprintf(stderr, "out of memory\n");
                return 1;
            }
            memcpy(d->text, line, (size_t)got);
            d->len = (size_t)got;
            d->spans = NULL;
            d->nspans = 0;
        }
        /* tag it with nth threads */
        int started = 0;
        while (started < nth && pthread_create(&w[started].th, NULL, work, &w[started]) == 0)
            started++;
        if (started == 0)
            work(&w[0]);            /* no thread could start: tag the batch here */
        for (int k = 0; k < started; k++)
            pthread_join(w[k].th, NULL);
        /* print in input order */
        for (size_t i = 0; i < b.n; i++) {
            struct doc *d = &b.docs[i];
            lineno++;
            if (d->failed) {
                fprintf(stderr, "line %zu: tagging failed\n", lineno);
                status = 1;
            }
            for (size_t k = 0; k < d->nspans; k++) {
                const struct crftag_span *s = &d->spans[k];
                printf("%zu\t%zu\t%zu\t%.*s\t%.*s\n", lineno, s->start, s->end,
                       (int)s->type_len, s->type, (int)(s->end - s->start), d->text + s->start);
            }
            crftag_spans_free(d->spans);
            free(d->text);
        }
        fflush(stdout);
    }
    free(line);
    for (int k = 0; k < nth; k++)
        crftag_tagger_free(w[k].tagger);
    crftag_model_free(m);
    pthread_mutex_destroy(&b.lock);
    return status;
}
