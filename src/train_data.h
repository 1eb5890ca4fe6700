/*
 * train_data.h - the training problem built from a corpus (pipeline layer).
 *
 * train_data.c checks the training input and turns a corpus into what the
 * objective (train.c) reads: the feature configuration, the gold label ids,
 * the attribute ids of every token (hashes mapped to ids, cut off by count,
 * packed as below), the (attribute, label) pairs of the model skeleton (seen
 * in training, or every label for the attributes seen --all-labels times)
 * and the observed counts of every parameter.
 */
#ifndef CRFTAG_TRAIN_DATA_H
#define CRFTAG_TRAIN_DATA_H

#include <stddef.h>
#include <float.h>
#include <math.h>
#include <stdint.h>
#include "crftag.h"

struct crftag_corpus;
struct crftag_model;
struct feat_config;
struct htab;

/* Training data in dense form. */
struct tdata {
    size_t nsent, ntok;
    const size_t *sent_start;    /* [nsent+1] (the corpus's, or sent_own) */
    size_t *tok_start;           /* [ntok+1] into pk, or NULL when tok32 holds them */
    uint32_t *tok32;             /* [ntok+1] the same offsets in 32 bits (tdata_shrink) */
    uint16_t *pk;                /* attribute ids of every token, packed (below) */
    size_t nids;                 /* attribute ids in pk */
    uint16_t *label;             /* [ntok] gold label ids (train only) */
    struct tnames *names;        /* when not NULL, train_map (adding) keeps the
                                    name of every attribute it adds */
    double *val;                 /* weighted attributes (FEAT_ATTRS, a weight not 1): */
                                 /* the weight of every id of pk, in pk's order; else NULL */
    size_t *val_start;           /* [ntok+1] token t's weights at val + val_start[t] */
    size_t *sent_own;            /* NULL, or sent_start's own copy (tdata_own) */
};

/* Once td is complete (no more tdata_repack): the token offsets in 32 bits
 * when they fit (halves them), and the gold labels freed when nothing reads
 * them any more (no weighted attributes: tdata_gold reads them).  Nothing
 * happens where memory is short. */
void tdata_shrink(struct tdata *td);

/* Copies sent_start, the one array td borrows from its corpus, so that the
 * corpus can be freed; -1 when out of memory (td unchanged). */
int tdata_own(struct tdata *td);

/* Names of the provisional attribute ids of train_map: id a's name at
 * text + off[a]. */
struct tnames {
    char *text;
    size_t len, cap;
    size_t *off;                 /* [n] */
    size_t n, off_cap;
};

/* The attribute ids of a token, packed: the optimizer reads them twice a
 * sentence at every evaluation, so they are kept small.  Sorted, each id is
 * the difference to the previous one (the first: to 0) in one uint16, or,
 * when that is 0xffff or more, 0xffff followed by the id itself in two
 * uint16 (low, high).  About 2.3 bytes an id instead of 4 on CoNLL-2000 and
 * WikiSER; sorted ids also read the weights in address order.  They are
 * packed as the features are extracted, so the unpacked ids of the whole
 * corpus never exist. */
struct pk_iter {
    const uint16_t *p, *e;
    uint32_t id;
};

/* Offset of token t's ids in td->pk. */
static inline size_t tdata_tok(const struct tdata *td, size_t t)
{
    return td->tok32 ? td->tok32[t] : td->tok_start[t];
}

static inline void pk_iter_init(struct pk_iter *it, const struct tdata *td, size_t t)
{
    it->p = td->pk + tdata_tok(td, t);
    it->e = td->pk + tdata_tok(td, t + 1);
    it->id = 0;
}

static inline int pk_iter_next(struct pk_iter *it)
{
    if (it->p >= it->e)
        return 0;
    uint32_t d = *it->p++;
    if (d == 0xffff) {
        it->id = (uint32_t)it->p[0] | (uint32_t)it->p[1] << 16;
        it->p += 2;
    } else {
        it->id += d;
    }
    return 1;
}

/* Checks the corpus and the parameters before anything is built. */
enum crftag_status train_check(const struct crftag_corpus *c,
                               const struct crftag_train_params *p,
                               struct crftag_error *err);

/* Sets up m->feat as p asks: the attributes of CRFsuite's format (attrs),
 * a CRF++ template (checked against ncols, the columns of the data), or the
 * built-in features with the entity lexicon of c, the word clusters and the
 * user lexicon files.  (attrs and ncols: of c, or over the ranks.) */
enum crftag_status train_features(struct crftag_model *m, const struct crftag_corpus *c,
                                  const struct crftag_train_params *p, int attrs,
                                  size_t ncols, struct crftag_error *err);

/* The labels of the model skeleton m from c: the label set, the BIO
 * constraint (when the gold sequences are valid IOB2 and p asks for it), a
 * fixed label bias (p->bias, unless "auto") and the label counts; *out
 * ([c->ntok], the caller frees it) receives the gold label ids. */
enum crftag_status train_labels(struct crftag_model *m, const struct crftag_corpus *c,
                                const struct crftag_train_params *p, uint16_t **out,
                                struct crftag_error *err);

/* What train_labels sets once the label ids y[c->ntok] are known (also used
 * by data-parallel training, train_dist.c): the BIO constraint (iob2: the
 * gold sequences are valid IOB2), a fixed label bias and the label counts
 * of c. */
enum crftag_status train_label_meta(struct crftag_model *m, const struct crftag_corpus *c,
                                    const struct crftag_train_params *p, const uint16_t *y,
                                    int iob2, struct crftag_error *err);

/* Extracts the attributes of every sentence of c into *td (packed), mapping
 * hashes to ids through *ids (adding new ones when add != 0; unknown hashes
 * are dropped when add == 0).  counts[id] (when counts != NULL) counts
 * occurrences. */
enum crftag_status train_map(const struct feat_config *fc, const struct crftag_corpus *c,
                             struct htab *ids, int add, uint32_t **counts, size_t *counts_cap,
                             struct tdata *td, struct crftag_error *err);

/* The attributes of c (seen at least p->min_freq times) and their
 * (attribute, label) pairs into the model skeleton m, whose feature
 * configuration and labels are set; td (its labels set) receives the
 * attribute ids of every token. */
enum crftag_status train_attributes(struct crftag_model *m, const struct crftag_corpus *c,
                                    const struct crftag_train_params *p, struct tdata *td,
                                    struct crftag_error *err);

/* Adds the observed counts of every parameter in the gold paths of td to
 * obs[m->npairs + L*L] (pairs, then transitions). */
void train_observed(const struct crftag_model *m, const struct tdata *td, uint32_t *obs);

/* Sorts ids[0..n) and appends them packed to td->pk at *len (capacity
 * *cap); -1 when out of memory.  pk_trim gives back the slack once td->pk is
 * complete (len entries). */
/* Rewrites the ids of td through remap (UINT32_MAX: dropped), weights
 * (td->val) along; the ids of each token are sorted again. */
enum crftag_status tdata_repack(struct tdata *td, const uint32_t *remap,
                                struct crftag_error *err);

int pk_append(struct tdata *td, size_t *len, size_t *cap, uint32_t *ids, size_t n,
              double *vals, size_t *vcap);
void pk_trim(struct tdata *td, size_t len);

/* Allocates the pair labels of m for np pairs (CRFTAG_ERR_INVALID when np
 * exceeds MODEL_MAX_PAIRS). */
enum crftag_status train_pairs_alloc(struct crftag_model *m, size_t np, size_t L,
                                     struct crftag_error *err);

void tdata_free(struct tdata *td);

/* The gradient's and the objective's terms are rounded to multiples of
 * 2^-28 (TRAIN_QUANTUM) before they are summed: sums of such multiples are
 * exact in double while they stay below 2^25 in magnitude, so they do not
 * depend on the order of the additions, which the number of threads and
 * of ranks decides.  The whole optimization then runs the same to the bit
 * for any number of threads or ranks.  A term is off by at most 2^-29
 * (1.9e-9); larger sums round as any double sum does. */
#define TRAIN_QUANTUM (1.0 / 268435456.0)
static inline double train_quantize(double v)
{
    double r = v * 268435456.0;
#if FLT_EVAL_METHOD == 0
    /* round to the nearest integer: adding and subtracting 1.5 * 2^52 (no
     * library call; |r| < 2^51, so the sum's unit is 1) */
    if (r < 0x1p51 && r > -0x1p51)
        r = (r + 0x1.8p52) - 0x1.8p52;
#else
    r = nearbyint(r);
#endif
    return r * TRAIN_QUANTUM;
}

/* train_quantize over n values: v[k] rounded in place (acc NULL) or added
 * rounded to acc[k] (v unchanged).  train_quantize_pick returns the fastest
 * version the CPU runs (AVX: four values to an instruction, in
 * train_quantize's steps; the same bits). */
typedef void train_quantize_fn(double *restrict acc, double *restrict v, size_t n);
train_quantize_fn train_quantize_plain;
train_quantize_fn *train_quantize_pick(void);

/* Token t's attributes with td->val (weights): mode 0 adds w * v[q] to
 * row[label of q] (state), mode 1 adds w * row[label of q] to v[q]
 * (gradient); train.c's train_token for weighted attributes. */
void tdata_token_w(const struct crftag_model *m, const struct tdata *td, size_t t, double *v,
                   double *row, int mode);

/* With weighted attributes train_observed leaves the attributes' observed
 * values out; the objective takes them from the gold path instead: returns
 * the sum of state[i][gold_i] over the sentence's tokens t0 .. t0+T-1 and
 * subtracts 1 from mstate[i][gold_i] (so that the gradient pass adds
 * E[value] - observed value). */
double tdata_gold(const struct tdata *td, size_t t0, size_t T, size_t L, const double *state,
                  double *mstate);

#endif
