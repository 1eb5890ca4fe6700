/*
 * train_dist.h - data-parallel training: the merge points (pipeline layer).
 *
 * With crftag_train_params.comm, each rank holds a contiguous block of the
 * sentences (include/crftag.h, struct crftag_comm).  What training learns
 * from the data is merged here, so that every rank builds the model skeleton
 * that one process would build from all the sentences:
 *
 *   sentence and token counts  -> each rank's first global sentence (folds)
 *   labels                     -> label ids in order of first appearance
 *   IOB2 check, label counts   -> and / sum
 *   entity lexicon             -> lexicon.c, lex_build_shared
 *   attribute hashes, counts   -> ids in order of first appearance, the
 *                                 min-freq cut-off on the summed counts
 *   (attribute, label) pairs   -> bitwise or of the label sets
 *
 * train.c then sums loss and gradient over the ranks at every evaluation
 * (dist_sum) and checks at the end that every rank holds the same weights.
 */
#ifndef CRFTAG_TRAIN_DIST_H
#define CRFTAG_TRAIN_DIST_H

#include <stddef.h>
#include <stdint.h>
#include "crftag.h"

struct crftag_model;
struct tdata;
struct lexicon;

/* The shares of the ranks: this rank's first global sentence, the totals. */
struct dist_shares {
    size_t sent0, nsent, ntok, ncols;
    int has_dev;                 /* some rank holds dev data (p->dev) */
    int attrs;                   /* the shares are in CRFsuite's format */
};

/* Collective: the shares, and the checks train_check makes on the corpus,
 * over all ranks (every rank gets the same verdict). */
enum crftag_status dist_check(const struct crftag_corpus *c,
                              const struct crftag_train_params *p,
                              struct dist_shares *out, struct crftag_error *err);

/* lex_build over the sentences of every rank. */
enum crftag_status dist_lexicon(const struct crftag_corpus *c,
                                const struct crftag_train_params *p, unsigned fold,
                                struct lexicon **out, struct crftag_error *err);

/* train_labels over every rank: the same labels, ids, BIO constraint and
 * label counts on every rank; *out receives this rank's gold label ids. */
enum crftag_status dist_labels(struct crftag_model *m, const struct crftag_corpus *c,
                               const struct crftag_train_params *p, uint16_t **out,
                               struct crftag_error *err);

/* train_attributes over every rank: the same attributes and pairs on every
 * rank; td receives this rank's tokens as attribute ids. */
enum crftag_status dist_attributes(struct crftag_model *m, const struct crftag_corpus *c,
                                   const struct crftag_train_params *p, struct tdata *td,
                                   struct crftag_error *err);

/* Sums buf[n] over the ranks in place; 0, or -1 when the callback failed. */
int dist_sum(const struct crftag_comm *comm, double *buf, size_t n);

/* The same on counts (uint64): sum, maximum. */
int dist_sum_u64(const struct crftag_comm *comm, uint64_t *buf, size_t n);
int dist_max_u64(const struct crftag_comm *comm, uint64_t *buf, size_t n);

/* *v of the ranks that pass mine non-zero (they hold the same value) into
 * *v of every rank, bit for bit (a maximum of the bits, the others sending
 * 0); 0 or -1.  Some rank must pass mine. */
int dist_from_any(const struct crftag_comm *comm, int mine, double *v);

/* Collective: CRFTAG_OK when x[n] is bitwise the same on every rank. */
enum crftag_status dist_same(const struct crftag_comm *comm, const double *x, size_t n,
                             struct crftag_error *err);

#endif
