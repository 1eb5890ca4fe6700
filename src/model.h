/*
 * model.h - the in-memory model (core layer).
 *
 * Weights are sparse: only (attribute, label) pairs seen in training carry a
 * weight, stored per attribute as a packed run:
 *
 *   attribute hash --model_attr_id--> a in [0, nattr)
 *   pairs of a:  k in [attr_off[a], attr_off[a+1])  label pair_label[k],
 *                                                   weight pair_w[k]
 *   transitions: trans[i * L + j]  score of label j following label i
 *
 * A model loaded from a file whose hashes go strictly up (attr_hash[a] is
 * the a-th smallest, as the file stores them) finds a hash h by its top bits:
 * the attributes whose hashes start with those bits are the positions
 * [attr_bucket[h >> attr_shift], attr_bucket[(h >> attr_shift) + 1]) of
 * attr_hash, a few (hashes are uniform), and a is the position holding h.
 * That index is 4 bytes a bucket, with 2^(64 - attr_shift) >= nattr / 2
 * buckets, built in one sequential pass.  Any other model (built by the
 * trainer, or loaded with its hashes out of order, or with more than
 * MODEL_MAX_BUCKET hashes in one bucket, which only a crafted file has)
 * uses the hash table attrs instead.
 *
 * State score of label y at token t = sum over the attributes a of t of the
 * weights of pairs (a, y).  A model is immutable after model_finish() or
 * loading; any number of threads may read it.
 */
#ifndef CRFTAG_MODEL_H
#define CRFTAG_MODEL_H

#include <stddef.h>
#include <stdint.h>
#include "crftag.h"
#include "featset.h"
#include "hash.h"
#include "labels.h"

/* The most (attribute, label) pairs a model holds: npairs and the run
 * offsets attr_off are uint32_t, and the file stores npairs as a u32
 * (docs/MODEL_FORMAT.md).  Training's parameters, npairs + L * L, are
 * counted in size_t (optimize.h). */
#define MODEL_MAX_PAIRS UINT32_MAX

/* Training metadata, stored in the model file and shown by `crftag info`. */
struct model_meta {
    double c1, c2;
    uint32_t iterations;
    uint32_t min_freq;
    double train_seconds;
    double final_objective;
    uint64_t train_sentences;
    uint64_t train_tokens;
    char *stop_reason;           /* owned, may be NULL */
    uint64_t *label_counts;      /* [labels.n] training frequency of each label */
    int interrupted;             /* training stopped by crftag_train_params.stop */
                                 /* (CRFTAG_STOP_KEEP); not stored in files */
};

/* A model's document memory (memory.c): the window the tagging programs
 * use, in sentences (0: none), and its flags (CRFTAG_MEMORY_ABBREV), both
 * saved from format 8 on; the held-out F1 without it, with it, and with it
 * and the abbreviations when training chose it (never saved). */
#define MODEL_MAX_MEMORY 1000    /* the longest window, in sentences */
struct model_memory {
    size_t window;
    unsigned flags;
    int scored;
    double f1[3];
};

/* The lexicon training chose with lexicon_folds CRFTAG_LEXICON_FOLDS_AUTO
 * (train_bias.c): the held-out F1 of the first trainings with held-out
 * folds and with the sentences' own entities, and own = 1 when the second
 * won (never saved). */
struct model_lexchoice {
    int scored;
    int own;
    double f1[2];
};

struct crftag_model {
    struct feat_config feat;
    struct labels labels;        /* L = labels.n */
    int bio_constrained;         /* 1: IOB2 labels, BIO-constrained decoding by default */
    struct htab attrs;           /* attribute hash -> a when attr_bucket is NULL */
    uint32_t *attr_bucket;       /* [2^(64 - attr_shift) + 1] or NULL (see above) */
    unsigned attr_shift;         /* 33 to 63 */
    uint32_t nattr;
    uint32_t *attr_off;          /* [nattr + 1] */
    uint64_t *attr_hash;         /* [nattr] hash of attribute a (for saving) */
    uint32_t npairs;
    uint16_t *pair_label;        /* [npairs] */
    float *pair_w;               /* [npairs] */
    /* Dense copies of the long runs (built by model_finish, for scoring):
     * every attribute whose run has dense_min pairs or more (with labels
     * going up) has a row of L floats, 0 for the labels without a pair;
     * the rows are in the order of the attributes: bit a % 64 of
     * dense_bits[a / 64] tells whether a has one, and its row is
     * dense_rank[a / 64] plus the bits set below that one (dense_rank
     * shares dense_bits' allocation). */
    uint32_t dense_min;          /* UINT32_MAX: no dense rows */
    uint64_t *dense_bits;        /* [ceil(nattr / 64)] */
    uint32_t *dense_rank;        /* [ceil(nattr / 64)] */
    float *dense_w;              /* [rows][L] */
    float *trans;                /* [L][L] */
    double *warm_w;              /* the first training of bias auto: its pair     */
                                 /* weights, then trans, unrounded (train_init.c); */
                                 /* NULL otherwise, never saved                    */
    unsigned char *allowed;      /* [L][L] BIO mask, 1 = allowed */
    unsigned char *allowed_start;/* [L] */
    struct model_meta meta;
    uint32_t format_version;     /* of the file it was loaded from (0: not loaded,
                                    i.e. CRFTAG_MODEL_FORMAT_VERSION) */
    int w_fixed;                 /* 1: every pair weight is k * 2^-s with one s <= 31
                                    for all and |k| <= 2^31, k an integer (the
                                    file stored them so; tagger_state relies on it) */
    unsigned w_shift;            /* with w_fixed: that s */
    unsigned w_bytes;            /* with w_fixed: every |k| <= 2^(8 w_bytes - 1) (the
                                    bytes of k's zigzag code in the file) */
    int crfsuite_file;           /* 1: read from a CRFsuite model file
                                    (model_crfsuite.c; format_version is its) */
    float *label_bias;           /* [L] added to the state scores before Viterbi
                                    decoding (NULL: none); a decision rule that
                                    trades precision for recall per label */
    char *names;                 /* [names_len] attribute names, each NUL-terminated
                                    (featname.h; NULL: the model keeps none) */
    size_t names_len;
    size_t *name_off;            /* [nattr] attribute a's name at names + name_off[a] */
    struct model_memory mem;     /* document memory (memory.c) */
    struct model_lexchoice lexchoice; /* train_bias.c; not saved */
    struct crftag_bias_candidate *bias_cand; /* [nbias_cand] the held-out scores of  */
    size_t nbias_cand;           /* bias auto (train_bias.c); NULL, 0: none; never saved */
};

/* The longest bucket of attr_bucket: with more hashes than that sharing their
 * top bits the model uses attrs (uniform hashes, 1 to 2 a bucket on average,
 * give about 10 at most; only a crafted file has more). */
#define MODEL_MAX_BUCKET 32

/* The attribute of hash h, or HTAB_NONE. */
static inline uint32_t model_attr_id(const struct crftag_model *m, uint64_t h)
{
    if (!m->attr_bucket)
        return htab_get(&m->attrs, h);
    const uint32_t *b = m->attr_bucket + (h >> m->attr_shift);
    for (uint32_t p = b[0], end = b[1]; p < end; p++)
        if (m->attr_hash[p] == h)
            return p;
    return HTAB_NONE;
}

/* Names kept in a model (names, name_off) are cut to this many bytes, at a
 * UTF-8 character boundary: a name is for people, and the file format takes
 * 4096.  model_name_len gives the bytes kept of s[0 .. n). */
#define MODEL_NAME_MAX 1024
size_t model_name_len(const char *s, size_t n);

/* An empty model (all zero / NULL); free with crftag_model_free(). */
struct crftag_model *model_new(void);

/* Builds the attribute index or hash table and the BIO mask from
 * attr_hash[], labels and bio_constrained after the arrays are filled (by the
 * trainer or the loader). */
enum crftag_status model_finish(struct crftag_model *m, struct crftag_error *err);

/* Training rounds the weights of (attribute, label) pairs to multiples of
 * 2^-MODEL_WEIGHT_SHIFT (6.1e-5: a score moves by at most half of that per
 * attribute), which the model file stores as small integers
 * (docs/MODEL_FORMAT.md).  A pair whose weight rounds to 0 is kept (as
 * after L2 training every pair seen in training is); with L1 it is dropped. */
#define MODEL_WEIGHT_SHIFT 14

/* x rounded to the nearest multiple of 2^-MODEL_WEIGHT_SHIFT (halves away
 * from 0), as a float; never -0. */
float model_weight_round(double x);

/* Drops pairs whose weight is 0 (after L1) and attributes left without pairs,
 * then calls model_finish. */
enum crftag_status model_compact(struct crftag_model *m, struct crftag_error *err);

/* For a model that has warm_w and is only read by train_init.c from now on:
 * frees what scoring needed and train_init.c does not (dense rows, float
 * weights and transitions; the pairs' index and labels stay). */
void model_keep_warm_only(struct crftag_model *m);

/* Adds to score[L] the weights of attribute hashes ids[0..n). */
void model_state_scores(const struct crftag_model *m, const uint64_t *ids, size_t n,
                        double *score);

/* Adds the weights of attribute hash ids[j] to the row dst[j] (L doubles)
 * for j < n: a whole sentence's attributes at once, so that the lookups'
 * cache misses overlap.  Each row gets its attributes in the order of ids,
 * so a row's sum is that of model_state_scores given them in that order. */
void model_state_scatter(const struct crftag_model *m, const uint64_t *ids, double *const *dst,
                         size_t n);

/* The same with attribute i's weights scaled by val[i] (FEAT_ATTRS). */
void model_state_scores_w(const struct crftag_model *m, const uint64_t *ids, const double *val,
                          size_t n, double *score);

#endif
