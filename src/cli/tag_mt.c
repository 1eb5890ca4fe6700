/*
 * tag_mt.c - `crftag tag --threads N` (N > 1): the calling thread reads the
 * input and cuts it into batches of whole units (paragraphs, lines,
 * sentences, records); N workers, each with its own tagger over the shared
 * model, tag a batch at a time into the batch's own output buffer
 * (open_memstream); the buffers are written to stdout in input order by
 * whichever worker finds the next one done, so the output is byte for byte
 * that of one thread.
 *
 * The batches live in a ring of MT_SLOTS(N) slots: the reader waits for the
 * slot of the batch it starts to be written, so memory stays bounded
 * whatever the input.  A slot goes FREE -> FILL (the reader's alone) ->
 * QUEUED -> BUSY (one worker's) -> DONE -> written -> FREE, each step under
 * the mutex.  Messages a worker prints (cli_error) are kept with their
 * place in the batch's output (cli_error_hook) and printed when the output
 * before them has been written, so an error still follows exactly what was
 * answered before it; an error that ends the run (or a failed write) ends
 * the process at once with CLI_FAIL, and what follows it is never written
 * (the reader may be waiting on an idle pipe: it is not waited for).  A batch is handed on when it holds
 * MT_BATCH_BYTES or MT_BATCH_UNITS, or when the reader is about to wait for
 * input (mt_dispatch), so a program on the other end of a pipe gets every
 * answer before it writes more.
 *
 * With mt_context(k), the reader keeps a copy of the last k units it
 * queued and puts them first in every batch it starts, marked context: a
 * worker tags them again for its document memory only (output and messages
 * dropped), so each batch starts with the memory one thread would have.
 */
#include "tag_mt.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

#define MT_BATCH_BYTES ((size_t)64 << 10)
#define MT_BATCH_UNITS 512
#define MT_SLOTS(n) (3 * (size_t)(n) + 2)

enum { B_FREE, B_FILL, B_QUEUED, B_BUSY, B_DONE };

struct mt_note {
    size_t off;                 /* bytes of output written before it */
    char *msg;
};

struct mt_batch {
    int state;
    char *data;                 /* [cap] the units' bytes */
    size_t len, cap;
    struct mt_unit *u;          /* [ucap] */
    size_t n, ucap;
    FILE *f;                    /* while tagged: the output stream */
    char *out;                  /* the output, when tagged */
    size_t out_len;
    struct mt_note *notes;      /* [notes_cap] messages, by output offset */
    size_t nnotes, notes_cap;
    int fatal;                  /* tagging stopped at an error */
    int bad;                    /* a unit was refused */
};

struct mt_worker {
    struct mt *mt;
    void *w;
    pthread_t th;
};

struct mt {
    const struct mt_ops *ops;
    void *user;
    int flush;
    pthread_mutex_t mu;
    pthread_cond_t work;        /* to the workers: a batch queued, or the end */
    pthread_cond_t moved;       /* to the reader: a batch written, or failure */
    struct mt_batch *b;         /* [nslots]; batch number s is in slot s % nslots */
    size_t nslots;
    uint64_t fill;              /* the batch being filled (or next to fill) */
    int filling;                /* the reader holds batch fill (its slot is FILL) */
    uint64_t queued;            /* batches before this one are queued */
    uint64_t take;              /* the next batch a worker takes */
    uint64_t wnext;             /* the next batch to write */
    int writing;                /* a worker is writing */
    int stop;                   /* no more batches will come */
    int failed;                 /* the run failed: nothing more is written */
    int wfailed;                /* ... by a worker's error or writing (reported) */
    char *held;                 /* the reader's first message, printed by mt_finish */
    int bad;                    /* a unit was refused */
    struct mt_worker *wk;       /* [nthreads] */
    int nthreads, started;
    size_t ctx_k;               /* mt_context: units to copy into each batch */
    struct mt_batch ctx;        /* the last ctx.n <= ctx_k units queued (data, u) */
};

int mt_threads(int n)
{
    if (n > 0)
        return n;
    long c = sysconf(_SC_NPROCESSORS_ONLN);
    return c > 0 ? (c > 1024 ? 1024 : (int)c) : 1;
}

static void *grow(void *p, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap)
        return p;
    size_t c = *cap ? *cap : 16;
    while (c < need) {
        if (c > SIZE_MAX / 2 / size)
            return NULL;
        c *= 2;
    }
    void *q = realloc(p, c * size);
    if (q)
        *cap = c;
    return q;
}

/* cli_error_hook of a worker tagging batch user. */
static void mt_note(void *user, const char *msg)
{
    struct mt_batch *b = user;
    long off = fflush(b->f) == 0 ? ftell(b->f) : -1;
    struct mt_note *nn = grow(b->notes, &b->notes_cap, b->nnotes + 1, sizeof *nn);
    char *m = strdup(msg);
    if (nn)
        b->notes = nn;
    if (off < 0 || !nn || !m) {          /* out of memory: say it now */
        free(m);
        fprintf(stderr, "crftag: %s\n", msg);
        return;
    }
    b->notes[b->nnotes].off = (size_t)off;
    b->notes[b->nnotes++].msg = m;
}

/* cli_error_hook of a context unit: its messages were given with its batch. */
static void mt_discard(void *user, const char *msg)
{
    (void)user;
    (void)msg;
}

/* Tags batch b (the caller's alone) into b->out. */
static void mt_tag_batch(struct mt *mt, void *w, struct mt_batch *b)
{
    b->out = NULL;
    b->out_len = 0;
    b->f = open_memstream(&b->out, &b->out_len);
    if (!b->f) {
        cli_errorf("out of memory");
        b->fatal = 1;
        return;
    }
    cli_error_hook(mt_note, b);
    for (size_t i = 0; i < b->n; i++) {
        if (b->u[i].context) {          /* for the memory: nothing written or said */
            cli_error_hook(mt_discard, NULL);
            (void)mt->ops->tag(w, b->data, &b->u[i], NULL);
            cli_error_hook(mt_note, b);
            continue;
        }
        int r = mt->ops->tag(w, b->data, &b->u[i], b->f);
        if (r > 0)
            b->bad = 1;
        if (r < 0) {
            b->fatal = 1;
            break;
        }
    }
    cli_error_hook(NULL, NULL);
    if (fclose(b->f) != 0) {
        cli_errorf("out of memory");
        b->fatal = 1;
        for (size_t k = 0; k < b->nnotes; k++)
            free(b->notes[k].msg);
        b->nnotes = 0;                  /* the offsets are no longer sure */
        b->out_len = 0;
    }
    b->f = NULL;
}

/* Writes batch b's output and messages: 0, or -1 when writing failed
 * (reported) or the batch ended the run. */
static int mt_write_batch(const struct mt *mt, struct mt_batch *b)
{
    size_t pos = 0;
    int rc = 0;
    for (size_t k = 0; k < b->nnotes && rc == 0; k++) {
        size_t off = b->notes[k].off;
        if (off > pos && fwrite(b->out + pos, 1, off - pos, stdout) != off - pos)
            rc = -1;
        pos = off > pos ? off : pos;
        if (rc == 0 && mt->flush && fflush(stdout) != 0)
            rc = -1;
        if (rc == 0)
            fprintf(stderr, "crftag: %s\n", b->notes[k].msg);
    }
    if (rc == 0 && b->out_len > pos &&
        fwrite(b->out + pos, 1, b->out_len - pos, stdout) != b->out_len - pos)
        rc = -1;
    if (rc == 0 && (ferror(stdout) || (mt->flush && fflush(stdout) != 0)))
        rc = -1;
    if (rc < 0)
        cli_errorf("writing output: %s", strerror(errno));
    return rc < 0 || b->fatal ? -1 : 0;
}

static void mt_batch_reset(struct mt_batch *b)
{
    for (size_t k = 0; k < b->nnotes; k++)
        free(b->notes[k].msg);
    b->nnotes = 0;
    free(b->out);
    b->out = NULL;
    b->out_len = 0;
    b->len = b->n = 0;
    b->fatal = b->bad = 0;
    b->state = B_FREE;
}

/* Called with the mutex held by a worker whose batch is done: unless
 * another worker is at it, writes the batches done in order. */
static void mt_write_done(struct mt *mt)
{
    if (mt->writing)
        return;
    mt->writing = 1;
    for (;;) {
        struct mt_batch *b = &mt->b[mt->wnext % mt->nslots];
        if (mt->failed || mt->wnext >= mt->queued || b->state != B_DONE)
            break;
        pthread_mutex_unlock(&mt->mu);
        int rc = mt_write_batch(mt, b);
        pthread_mutex_lock(&mt->mu);
        if (b->bad)
            mt->bad = 1;
        if (rc < 0) {
            /* the run failed (reported) and nothing more will be written:
             * end the process now, for the reader may be waiting for input
             * that never comes (an idle pipe) and would hold the exit
             * until it does.  What was written before the failure goes
             * out first; stdin's lock, which the reader may hold, is not
             * needed (_exit, not exit). */
            fflush(stdout);
            fflush(stderr);
            _exit(CLI_FAIL);
        }
        mt_batch_reset(b);
        mt->wnext++;
        pthread_cond_broadcast(&mt->moved);
        if (mt->failed)
            pthread_cond_broadcast(&mt->work);
    }
    mt->writing = 0;
}

static void *mt_run(void *arg)
{
    struct mt_worker *wk = arg;
    struct mt *mt = wk->mt;
    pthread_mutex_lock(&mt->mu);
    for (;;) {
        while (!mt->failed && mt->take >= mt->queued && !mt->stop)
            pthread_cond_wait(&mt->work, &mt->mu);
        if (mt->failed || mt->take >= mt->queued)
            break;
        struct mt_batch *b = &mt->b[mt->take++ % mt->nslots];
        b->state = B_BUSY;
        pthread_mutex_unlock(&mt->mu);
        mt_tag_batch(mt, wk->w, b);
        pthread_mutex_lock(&mt->mu);
        b->state = B_DONE;
        mt_write_done(mt);
    }
    pthread_mutex_unlock(&mt->mu);
    return NULL;
}

/* cli_error_hook of the reader: its message waits until what was read
 * before has been written. */
static void mt_hold(void *user, const char *msg)
{
    struct mt *mt = user;
    if (!mt->held && !(mt->held = strdup(msg)))
        fprintf(stderr, "crftag: %s\n", msg);
}

struct mt *mt_start(int nthreads, const struct mt_ops *ops, void *user, int flush)
{
    struct mt *mt = calloc(1, sizeof *mt);
    if (!mt) {
        cli_errorf("out of memory");
        return NULL;
    }
    mt->ops = ops;
    mt->user = user;
    mt->flush = flush;
    mt->nthreads = nthreads;
    mt->nslots = MT_SLOTS(nthreads);
    mt->b = calloc(mt->nslots, sizeof *mt->b);
    mt->wk = calloc((size_t)nthreads, sizeof *mt->wk);
    if (!mt->b || !mt->wk) {
        cli_errorf("out of memory");
        free(mt->b);
        free(mt->wk);
        free(mt);
        return NULL;
    }
    pthread_mutex_init(&mt->mu, NULL);
    pthread_cond_init(&mt->work, NULL);
    pthread_cond_init(&mt->moved, NULL);
    int ok = 1;
    for (int i = 0; i < nthreads && ok; i++) {
        mt->wk[i].mt = mt;
        ok = (mt->wk[i].w = ops->worker_new(user)) != NULL;
    }
    for (int i = 0; i < nthreads && ok; i++) {
        int e = pthread_create(&mt->wk[i].th, NULL, mt_run, &mt->wk[i]);
        if (e != 0) {
            cli_errorf("cannot start a thread: %s", strerror(e));
            ok = 0;
        } else {
            mt->started++;
        }
    }
    if (!ok) {
        mt->failed = mt->wfailed = 1;
        mt_finish(mt);
        return NULL;
    }
    cli_error_hook(mt_hold, mt);
    return mt;
}

void mt_context(struct mt *mt, size_t k)
{
    mt->ctx_k = k;
}

/* Room in batch b for bytes more bytes (and a NUL) and units more units:
 * 0, or -1 when out of memory. */
static int mt_room(struct mt_batch *b, size_t bytes, size_t units)
{
    char *d = grow(b->data, &b->cap, b->len + bytes + 1, 1);
    if (d)
        b->data = d;
    struct mt_unit *nu = grow(b->u, &b->ucap, b->n + units + 1, sizeof *nu);
    if (nu)
        b->u = nu;
    return d && nu ? 0 : -1;
}

/* Appends copies of units [from, src->n) of src, their bytes with them, to
 * dst: 0, or -1 when out of memory (dst unchanged). */
static int mt_copy_units(struct mt_batch *dst, const struct mt_batch *src, size_t from)
{
    size_t bytes = 0;
    for (size_t i = from; i < src->n; i++)
        bytes += src->u[i].len;
    if (mt_room(dst, bytes, src->n - from))
        return -1;
    for (size_t i = from; i < src->n; i++) {
        struct mt_unit *c = &dst->u[dst->n++];
        *c = src->u[i];
        c->off = dst->len;
        memcpy(dst->data + dst->len, src->data + src->u[i].off, src->u[i].len);
        dst->len += src->u[i].len;
    }
    return 0;
}

/* Keeps copies of the last ctx_k units of batch b (whose first units are
 * the copies kept before it, so these are the last ctx_k of the input);
 * on failure keeps none (the next batch then starts without memory: the
 * caller's error ends the run). */
static int mt_keep_context(struct mt *mt, const struct mt_batch *b)
{
    mt->ctx.n = mt->ctx.len = 0;
    return mt_copy_units(&mt->ctx, b, b->n > mt->ctx_k ? b->n - mt->ctx_k : 0);
}

/* Queues the batch being filled (mutex held). */
static void mt_queue(struct mt *mt)
{
    struct mt_batch *b = &mt->b[mt->fill % mt->nslots];
    if (!mt->filling || b->n == 0)
        return;
    if (mt->ctx_k > 0 && mt_keep_context(mt, b)) {
        cli_errorf("out of memory");         /* held: mt_finish prints it */
        mt->failed = 1;
        pthread_cond_broadcast(&mt->work);
    }
    mt->filling = 0;
    b->state = B_QUEUED;
    mt->fill++;
    mt->queued = mt->fill;
    pthread_cond_signal(&mt->work);
}

void mt_dispatch(struct mt *mt)
{
    pthread_mutex_lock(&mt->mu);
    mt_queue(mt);
    pthread_mutex_unlock(&mt->mu);
}

/* mt_add out of memory: the run fails. */
static char *mt_nomem(struct mt *mt)
{
    cli_errorf("out of memory");
    pthread_mutex_lock(&mt->mu);
    mt->failed = 1;
    pthread_cond_broadcast(&mt->work);
    pthread_mutex_unlock(&mt->mu);
    return NULL;
}

char *mt_add(struct mt *mt, size_t len, struct mt_unit **u)
{
    struct mt_batch *b = &mt->b[mt->fill % mt->nslots];
    if (mt->filling &&
        (b->n >= MT_BATCH_UNITS || (b->n > 0 && b->len + len > MT_BATCH_BYTES))) {
        pthread_mutex_lock(&mt->mu);
        mt_queue(mt);
        pthread_mutex_unlock(&mt->mu);
        b = &mt->b[mt->fill % mt->nslots];
    }
    if (!mt->filling) {
        pthread_mutex_lock(&mt->mu);
        while (!mt->failed && b->state != B_FREE)
            pthread_cond_wait(&mt->moved, &mt->mu);
        int failed = mt->failed;
        if (!failed) {
            b->state = B_FILL;
            mt->filling = 1;
        }
        pthread_mutex_unlock(&mt->mu);
        if (failed)
            return NULL;
        /* the batch starts with the units before it */
        if (mt_copy_units(b, &mt->ctx, 0))
            return mt_nomem(mt);
        for (size_t i = 0; i < b->n; i++) {
            b->u[i].first = i == 0;
            b->u[i].context = 1;
        }
    }
    if (mt_room(b, len, 1))
        return mt_nomem(mt);
    *u = &b->u[b->n++];
    memset(*u, 0, sizeof **u);
    (*u)->first = b->n == 1;
    (*u)->off = b->len;
    (*u)->len = len;
    b->len += len;
    return b->data + (*u)->off;
}

int mt_finish(struct mt *mt)
{
    pthread_mutex_lock(&mt->mu);
    mt_queue(mt);
    mt->stop = 1;
    pthread_cond_broadcast(&mt->work);
    while (mt->started > 0 && !mt->failed && mt->wnext < mt->queued)
        pthread_cond_wait(&mt->moved, &mt->mu);
    int rc = mt->failed ? -1 : mt->bad ? 1 : 0;
    int wfailed = mt->wfailed;
    pthread_mutex_unlock(&mt->mu);
    cli_error_hook(NULL, NULL);
    if (mt->held && !wfailed)
        cli_errorf("%s", mt->held);
    free(mt->held);
    for (int i = 0; i < mt->started; i++)
        pthread_join(mt->wk[i].th, NULL);
    for (int i = 0; i < mt->nthreads; i++)
        if (mt->wk[i].w)
            mt->ops->worker_free(mt->wk[i].w);
    for (size_t s = 0; s < mt->nslots; s++) {
        mt_batch_reset(&mt->b[s]);
        free(mt->b[s].data);
        free(mt->b[s].u);
        free(mt->b[s].notes);
    }
    pthread_cond_destroy(&mt->work);
    pthread_cond_destroy(&mt->moved);
    pthread_mutex_destroy(&mt->mu);
    free(mt->b);
    free(mt->wk);
    free(mt->ctx.data);
    free(mt->ctx.u);
    free(mt);
    return rc;
}
