/*
 * tag_mt.h - `crftag tag --threads N`: the input cut into batches of whole
 * units by the reading thread, tagged by N workers, written in input order
 * (tag_mt.c).
 */
#ifndef CRFTAG_CLI_TAG_MT_H
#define CRFTAG_CLI_TAG_MT_H

#include <stddef.h>
#include <stdio.h>

/* One unit of input (a paragraph, a line, a sentence, a record): bytes
 * data[off, off + len) of its batch, and numbers that the mode gives them. */
struct mt_unit {
    size_t off, len;
    size_t a, b, c;
    long line;
    int kind;
    /* set by mt: */
    int first;                   /* the first unit of its batch */
    int context;                 /* a copy of an earlier unit (mt_context), given
                                    again with out NULL: tag it for the document
                                    memory only, write and report nothing */
};

/* What a mode does with its units. */
struct mt_ops {
    /* A worker's context (its own tagger and buffers), made before the
     * threads start; NULL after an error message. */
    void *(*worker_new)(void *user);
    void (*worker_free)(void *w);
    /* Tags unit u (its bytes at data + u->off) and writes the answer to out:
     * 0, 1 when the unit was refused (reported, the others go on; the exit
     * status becomes 1), or -1 after an error message that ends the run. */
    int (*tag)(void *w, const char *data, const struct mt_unit *u, FILE *out);
};

struct mt;

/* Starts nthreads (> 1) workers that write to stdout, flushing it after
 * each batch when flush is set.  NULL after an error message.  Until
 * mt_finish, the calling thread's own error messages (cli_error) wait, to be
 * printed after everything read before them has been written. */
struct mt *mt_start(int nthreads, const struct mt_ops *ops, void *user, int flush);

/* A new unit of len bytes in the batch being filled (a full batch is handed
 * to the workers first, waiting for room in the ring): *u to fill in, and
 * the returned pointer to its len bytes, both valid until the next mt_ call.
 * NULL when the run has failed (a worker's error, or writing): stop reading
 * and call mt_finish. */
char *mt_add(struct mt *mt, size_t len, struct mt_unit **u);

/* Starts every batch with copies of the k units before it (context units,
 * struct mt_unit.context), so that a worker can rebuild what one thread
 * would remember at that point (the document memory of k sentences, each
 * unit holding one or more).  Call it before the first mt_add; 0: none. */
void mt_context(struct mt *mt, size_t k);

/* Hands the batch being filled (if any unit) to the workers: call it before
 * a read that may wait, so that everything read so far is answered. */
void mt_dispatch(struct mt *mt);

/* Hands on the last batch, waits until every batch is written or the run
 * has failed, stops the workers and frees mt.  Returns 0, 1 when a unit was
 * refused, or -1 when the run failed (the message printed). */
int mt_finish(struct mt *mt);

/* The number of threads of --threads n: n, or the processors online for 0. */
int mt_threads(int n);

#endif
