/*
 * train.c - fitting CRF weights with L-BFGS (pipeline layer).
 *
 *   corpus --feat_extract--> attribute hashes --count, cut-off--> attribute ids
 *          --(attribute, label) pairs seen--> packed runs (model.h layout)
 *          --L-BFGS over the negative log-likelihood--> weights --> model
 *
 * Parameters x = [pair weights (npairs)] [transitions (L*L)].  The objective
 *
 *   f(x) = sum_s ( logZ_s - score_s(gold) ) + c2 |x|^2      (+ c1 |x|_1 by OWL-QN)
 *
 * (c1 and c2 mean what they mean in CRFsuite, so the same values give the
 * same objective) has gradient  E[counts] - observed counts + 2 c2 x.  The observed counts do
 * not depend on x, so they are computed once; each evaluation runs
 * forward-backward over all sentences, split over worker threads that each
 * own a gradient buffer, summed in thread order (so the result depends on
 * the thread count only through floating-point rounding).
 *
 * With L2 alone the objective is smooth, and optimize.c minimises it; with
 * c1 > 0, liblbfgs's OWL-QN does.  Only this file includes <lbfgs.h>.
 */
#include <lbfgs.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clusters.h"
#include "corpus.h"
#include "crf.h"
#include "decode.h"
#include "error.h"
#include "features.h"
#include "hash.h"
#include "labels.h"
#include "lexicon.h"
#include "model.h"
#include "optimize.h"
#include "pool.h"
#include "train.h"
#include "util.h"

void crftag_train_params_init_sz(struct crftag_train_params *dst, size_t size)
{
    struct crftag_train_params params, *p = &params;
    if (!dst)
        return;
    memset(p, 0, sizeof *p);
    p->c1 = 0.0;
    p->c2 = 1.0;
    p->max_iter = 1000;
    p->delta = 1e-5;
    p->period = 10;
    p->epsilon = 1e-5;
    p->threads = 0;
    p->min_freq = 1;
    p->template_text = NULL;
    p->template_name = "template";
    p->hash_seed = HASH_DEFAULT_SEED;
    p->bio_constraint = 1;
    p->lexicon = 1;
    p->lexicon_folds = 20;
    p->bias = CRFTAG_BIAS_AUTO;
    util_struct_out(dst, size, p, sizeof *p);
}

/* liblbfgs 1.10 (Debian) has no lbfgs_strerror. */
static const char *train_lbfgs_reason(int code)
{
    switch (code) {
    case LBFGS_SUCCESS: return "converged (gradient norm below epsilon)";
    case LBFGS_STOP: return "converged (objective improved less than delta)";
    case LBFGS_ALREADY_MINIMIZED: return "already minimized";
    case LBFGSERR_UNKNOWNERROR: return "unknown error";
    case LBFGSERR_LOGICERROR: return "logic error";
    case LBFGSERR_OUTOFMEMORY: return "out of memory";
    case LBFGSERR_CANCELED: return "canceled";
    case LBFGSERR_INVALID_N: return "invalid number of variables";
    case LBFGSERR_INVALID_N_SSE: return "invalid number of variables for SSE";
    case LBFGSERR_INVALID_X_SSE: return "variables not aligned for SSE";
    case LBFGSERR_INVALID_EPSILON: return "invalid epsilon";
    case LBFGSERR_INVALID_TESTPERIOD: return "invalid period";
    case LBFGSERR_INVALID_DELTA: return "invalid delta";
    case LBFGSERR_INVALID_LINESEARCH: return "invalid line search";
    case LBFGSERR_INVALID_MINSTEP: return "invalid minimum step";
    case LBFGSERR_INVALID_MAXSTEP: return "invalid maximum step";
    case LBFGSERR_INVALID_FTOL: return "invalid ftol";
    case LBFGSERR_INVALID_WOLFE: return "invalid Wolfe coefficient";
    case LBFGSERR_INVALID_GTOL: return "invalid gtol";
    case LBFGSERR_INVALID_XTOL: return "invalid xtol";
    case LBFGSERR_INVALID_MAXLINESEARCH: return "invalid maximum line search";
    case LBFGSERR_INVALID_ORTHANTWISE: return "invalid L1 coefficient";
    case LBFGSERR_INVALID_ORTHANTWISE_START: return "invalid OWL-QN start";
    case LBFGSERR_INVALID_ORTHANTWISE_END: return "invalid OWL-QN end";
    case LBFGSERR_OUTOFINTERVAL: return "line search step out of interval";
    case LBFGSERR_INCORRECT_TMINMAX: return "line search interval incorrect";
    case LBFGSERR_ROUNDING_ERROR: return "stopped by rounding errors (no further progress)";
    case LBFGSERR_MINIMUMSTEP: return "line search step became smaller than the minimum";
    case LBFGSERR_MAXIMUMSTEP: return "line search step became larger than the maximum";
    case LBFGSERR_MAXIMUMLINESEARCH: return "line search reached its maximum number of trials";
    case LBFGSERR_MAXIMUMITERATION: return "reached the maximum number of iterations";
    case LBFGSERR_WIDTHTOOSMALL: return "line search interval too small";
    case LBFGSERR_INVALIDPARAMETERS: return "invalid parameters";
    case LBFGSERR_INCREASEGRADIENT: return "search direction does not decrease the objective";
    }
    return "unknown liblbfgs status";
}

/* Training data in dense form. */
struct tdata {
    size_t nsent, ntok;
    const size_t *sent_start;    /* [nsent+1] (the corpus's) */
    size_t *tok_start;           /* [ntok+1] into pk */
    uint16_t *pk;                /* attribute ids of every token, packed (below) */
    size_t nids;                 /* attribute ids in pk */
    uint16_t *label;             /* [ntok] gold label ids (train only) */
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

static inline void pk_iter_init(struct pk_iter *it, const struct tdata *td, size_t t)
{
    it->p = td->pk + td->tok_start[t];
    it->e = td->pk + td->tok_start[t + 1];
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

/* Sorts ids[0..n) (insertion sort: 20 to 50 ids) and appends them packed to
 * td->pk at *len (capacity *cap). */
static int pk_append(struct tdata *td, size_t *len, size_t *cap, uint32_t *ids, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        uint32_t v = ids[i];
        size_t j = i;
        for (; j > 0 && ids[j - 1] > v; j--)
            ids[j] = ids[j - 1];
        ids[j] = v;
    }
    /* + 1: pk exists even when no token has an attribute (min-freq can drop
     * them all), so that td->pk + offset is never arithmetic on NULL */
    if (util_grow((void **)&td->pk, cap, *len + 3 * n + 1, sizeof *td->pk))
        return -1;
    uint16_t *pk = td->pk;
    size_t q = *len;
    uint32_t prev = 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t a = ids[i];
        if (a - prev < 0xffff) {
            pk[q++] = (uint16_t)(a - prev);
        } else {
            pk[q++] = 0xffff;
            pk[q++] = (uint16_t)(a & 0xffff);
            pk[q++] = (uint16_t)(a >> 16);
        }
        prev = a;
    }
    *len = q;
    td->nids += n;
    return 0;
}

/* Gives back the slack of td->pk once it is complete. */
static void pk_trim(struct tdata *td, size_t len)
{
    if (len > 0) {
        uint16_t *shrunk = realloc(td->pk, len * sizeof *td->pk);
        if (shrunk)
            td->pk = shrunk;
    }
}

struct trainer;

struct worker {
    struct trainer *tr;
    size_t s0, s1;               /* sentences [s0, s1) */
    double *g;                   /* [nparams] gradient part (worker 0: the optimizer's g) */
    double f;                    /* sum of logZ; after worker_reduce: its share of f */
    size_t k0, k1;               /* parameters reduced by worker_reduce */
    double *state;               /* [T][L] */
    size_t state_cap;
    double *mstate;
    size_t mstate_cap;
    struct crf_work cw;
    int oom;
};

struct trainer {
    const struct crftag_train_params *p;
    struct crftag_model *m;      /* skeleton: labels, attrs, pairs */
    struct tdata td;
    size_t L;
    size_t npairs, nparams;
    uint32_t *obs;               /* [nparams] observed counts (exact: ntok < 2^32) */
    const double *x;             /* current point (during evaluate) */
    double *g;                   /* gradient being computed (during evaluate) */
    int nthreads;
    struct worker *w;            /* [nthreads] */
    struct pool *pool;           /* nthreads parts */
    /* dev */
    const struct crftag_corpus *dev;
    struct tdata dv;
    struct decode_work dw;
    double *dstate;
    size_t dstate_cap;
    uint32_t *dpath;
    size_t dpath_cap;
    int dev_plain;               /* dev labels are plain tags: "F1" is accuracy */
    /* progress */
    double t0;
    int iterations;
    double last_f;
    int canceled;
    int bad_number;              /* 1 objective not finite, out of memory: 2 in */
                                 /* forward-backward, 3 scoring the dev data,   */
                                 /* 4 in the optimizer                          */
    /* early stopping on the dev F1 (p->dev_patience > 0) */
    double *best_x;              /* [nparams] weights of the best dev F1 */
    double best_f1;
    int best_iter;
    int early_stopped;
};

/* ---- building the data ------------------------------------------------ */

/* Extracts the attributes of every sentence of c into *td (packed), mapping
 * hashes to ids through *ids (adding new ones when add != 0; unknown hashes
 * are dropped when add == 0).  counts[id] (when counts != NULL) counts
 * occurrences. */
static enum crftag_status train_map(const struct feat_config *fc, const struct crftag_corpus *c,
                                    struct htab *ids, int add, uint32_t **counts,
                                    size_t *counts_cap, struct tdata *td,
                                    struct crftag_error *err)
{
    struct feat_buf fb = {0};
    size_t cap = 0, len = 0, tcap = 0;
    uint32_t *tok = NULL;        /* one token's ids */
    enum crftag_status st = CRFTAG_OK;
    td->nsent = c->nsent;
    td->ntok = c->ntok;
    td->sent_start = c->sent_start;
    td->nids = 0;
    td->tok_start = util_malloc(c->ntok + 1, sizeof *td->tok_start);
    if (!td->tok_start)
        return err_set(err, CRFTAG_ERR_NOMEM, NULL, 0, "out of memory (training data)");
    td->tok_start[0] = 0;
    for (size_t s = 0; s < c->nsent; s++) {
        struct sentence sen;
        corpus_sentence(c, s, &sen);
        /* with held-out folds, training sentences see the other folds' lexicon */
        size_t view = add && fc->lex ? lex_train_view(fc->lex, s) : 0;
        st = feat_extract_view(fc, sen.cols, sen.n, sen.ncols, view, &fb);
        if (st != CRFTAG_OK) {
            err_set(err, st, NULL, 0, "out of memory (features)");
            goto out;
        }
        size_t t0 = c->sent_start[s];
        for (size_t i = 0; i < sen.n; i++) {
            size_t n = 0;
            if (util_grow((void **)&tok, &tcap, fb.start[i + 1] - fb.start[i] + 1, sizeof *tok)) {
                st = err_set(err, CRFTAG_ERR_NOMEM, NULL, 0, "out of memory (training data)");
                goto out;
            }
            for (size_t k = fb.start[i]; k < fb.start[i + 1]; k++) {
                uint32_t id;
                if (add) {
                    int inserted;
                    uint32_t *slot = htab_put(ids, fb.ids[k], (uint32_t)ids->n, &inserted);
                    if (!slot || ids->n >= UINT32_MAX - 1) {
                        st = err_set(err, CRFTAG_ERR_NOMEM, NULL, 0, "out of memory (attributes)");
                        goto out;
                    }
                    id = *slot;
                    if (counts) {
                        if (util_grow((void **)counts, counts_cap, ids->n, sizeof **counts)) {
                            st = err_set(err, CRFTAG_ERR_NOMEM, NULL, 0, "out of memory");
                            goto out;
                        }
                        if (inserted)
                            (*counts)[id] = 0;
                        (*counts)[id]++;
                    }
                } else {
                    id = htab_get(ids, fb.ids[k]);
                    if (id == HTAB_NONE)
                        continue;
                }
                tok[n++] = id;
            }
            if (pk_append(td, &len, &cap, tok, n)) {
                st = err_set(err, CRFTAG_ERR_NOMEM, NULL, 0, "out of memory (training data)");
                goto out;
            }
            td->tok_start[t0 + i + 1] = len;
        }
    }
    pk_trim(td, len);
out:
    free(tok);
    feat_buf_free(&fb);
    return st;
}

static void tdata_free(struct tdata *td)
{
    free(td->tok_start);
    free(td->pk);
    free(td->label);
    memset(td, 0, sizeof *td);
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* Whether np pairs and the L * L transitions fit liblbfgs's int count. */
static enum crftag_status train_pairs_fit(size_t np, size_t L, struct crftag_error *err)
{
    if (np + L * L > (size_t)INT32_MAX - 16)
        return err_set(err, CRFTAG_ERR_INVALID, NULL, 0,
                       "too many features (%zu) for the optimizer", np);
    return CRFTAG_OK;
}

/* Allocates the pair labels of m for np pairs (the weights, pair_w, once the
 * optimizer is done with its own copy). */
static enum crftag_status train_pairs_alloc(struct crftag_model *m, size_t np, size_t L,
                                            struct crftag_error *err)
{
    enum crftag_status st = train_pairs_fit(np, L, err);
    if (st != CRFTAG_OK)
        return st;
    m->npairs = (uint32_t)np;
    m->pair_label = util_malloc(np, sizeof *m->pair_label);
    if (!m->pair_label)
        return err_set(err, CRFTAG_ERR_NOMEM, NULL, 0, "out of memory (features)");
    return CRFTAG_OK;
}

/* Whether attribute a gets a pair for every label (all_labels > 0 and a was
 * seen at least all_labels times). */
static inline int train_all_labels(const uint32_t *acount, uint32_t all_labels, uint32_t a)
{
    return all_labels && acount[a] >= all_labels;
}

/* L <= 64: one bit set of labels per attribute (8 bytes an attribute rather
 * than 8 bytes an attribute occurrence). */
static enum crftag_status train_pairs_mask(struct crftag_model *m, const struct tdata *td,
                                           const uint32_t *acount, uint32_t all_labels,
                                           struct crftag_error *err)
{
    uint32_t na = m->nattr;
    uint64_t *mask = util_calloc(na ? na : 1, sizeof *mask);
    if (!mask)
        return err_set(err, CRFTAG_ERR_NOMEM, NULL, 0, "out of memory (features)");
    for (size_t t = 0; t < td->ntok; t++) {
        uint64_t bit = UINT64_C(1) << td->label[t];
        struct pk_iter it;
        for (pk_iter_init(&it, td, t); pk_iter_next(&it);)
            mask[it.id] |= bit;
    }
    if (all_labels) {
        size_t L = m->labels.n;
        uint64_t every = L >= 64 ? ~UINT64_C(0) : (UINT64_C(1) << L) - 1;
        for (uint32_t a = 0; a < na; a++)
            if (train_all_labels(acount, all_labels, a))
                mask[a] = every;
    }
    size_t np = 0;
    for (uint32_t a = 0; a < na; a++) {
        uint32_t c = (uint32_t)__builtin_popcountll(mask[a]);
        m->attr_off[a + 1] = m->attr_off[a] + c;
        np += c;
    }
    enum crftag_status st = train_pairs_alloc(m, np, m->labels.n, err);
    if (st == CRFTAG_OK) {
        size_t q = 0;
        for (uint32_t a = 0; a < na; a++)
            for (uint64_t b = mask[a]; b; b &= b - 1)
                m->pair_label[q++] = (uint16_t)__builtin_ctzll(b);
    }
    free(mask);
    return st;
}

/* Any L: sort the keys a << 16 | y of every occurrence (and of every label
 * of an all-labels attribute), keep the distinct. */
static enum crftag_status train_pairs_sort(struct crftag_model *m, const struct tdata *td,
                                           size_t L, const uint32_t *acount, uint32_t all_labels,
                                           struct crftag_error *err)
{
    size_t nall = 0;    /* pairs of the all-labels attributes: distinct already */
    for (uint32_t a = 0; a < m->nattr; a++)
        if (train_all_labels(acount, all_labels, a))
            nall += L;
    enum crftag_status st = train_pairs_fit(nall, L, err);    /* before sorting them */
    if (st != CRFTAG_OK)
        return st;
    size_t nkeys = td->nids + nall;
    uint64_t *pairs = util_malloc(nkeys ? nkeys : 1, sizeof *pairs);
    if (!pairs)
        return err_set(err, CRFTAG_ERR_NOMEM, NULL, 0, "out of memory (features)");
    size_t np = 0;
    for (size_t t = 0; t < td->ntok; t++) {
        struct pk_iter it;
        for (pk_iter_init(&it, td, t); pk_iter_next(&it);)
            pairs[np++] = (uint64_t)it.id << 16 | td->label[t];
    }
    for (uint32_t a = 0; a < m->nattr; a++)
        if (train_all_labels(acount, all_labels, a))
            for (size_t y = 0; y < L; y++)
                pairs[np++] = (uint64_t)a << 16 | y;
    qsort(pairs, np, sizeof *pairs, cmp_u64);
    size_t u = 0;
    for (size_t i = 0; i < np; i++)
        if (u == 0 || pairs[i] != pairs[u - 1])
            pairs[u++] = pairs[i];
    st = train_pairs_alloc(m, u, L, err);
    if (st == CRFTAG_OK) {
        for (size_t i = 0; i < u; i++) {
            uint32_t a = (uint32_t)(pairs[i] >> 16);
            m->pair_label[i] = (uint16_t)(pairs[i] & 0xffff);
            m->attr_off[a + 1]++;
        }
        for (uint32_t a = 0; a < m->nattr; a++)
            m->attr_off[a + 1] += m->attr_off[a];
    }
    free(pairs);
    return st;
}

/* Builds attributes (with the min_freq cut-off) and the (attribute, label)
 * pairs seen in training (every label, for the attributes seen at least
 * all_labels times) into the model skeleton, and rewrites the ids of td to
 * the final attribute ids. */
static enum crftag_status train_build(struct trainer *tr, struct htab *prov,
                                      const uint32_t *counts, struct crftag_error *err)
{
    struct crftag_model *m = tr->m;
    struct tdata *td = &tr->td;
    size_t nprov = prov->n;
    uint32_t min_freq = tr->p->min_freq ? tr->p->min_freq : 1;
    uint32_t *remap = util_malloc(nprov, sizeof *remap);
    uint64_t *prov_hash = util_malloc(nprov, sizeof *prov_hash);
    uint32_t *acount = NULL;
    enum crftag_status st = CRFTAG_OK;
    if (!remap || !prov_hash) {
        st = err_set(err, CRFTAG_ERR_NOMEM, NULL, 0, "out of memory (attributes)");
        goto out;
    }
    for (size_t i = 0; i < prov->cap; i++)
        if (prov->keys[i])
            prov_hash[prov->vals[i]] = prov->keys[i];
    uint32_t na = 0;
    for (size_t a = 0; a < nprov; a++)
        remap[a] = counts[a] >= min_freq ? na++ : UINT32_MAX;
    m->nattr = na;
    m->attr_hash = util_malloc(na, sizeof *m->attr_hash);
    m->attr_off = util_calloc((size_t)na + 1, sizeof *m->attr_off);
    if (!m->attr_hash || !m->attr_off) {
        st = err_set(err, CRFTAG_ERR_NOMEM, NULL, 0, "out of memory (attributes)");
        goto out;
    }
    for (size_t a = 0; a < nprov; a++)
        if (remap[a] != UINT32_MAX)
            m->attr_hash[remap[a]] = prov_hash[a];
    uint32_t all_labels = tr->p->all_labels;
    if (all_labels) {
        acount = util_malloc(na ? na : 1, sizeof *acount);
        if (!acount) {
            st = err_set(err, CRFTAG_ERR_NOMEM, NULL, 0, "out of memory (attributes)");
            goto out;
        }
        for (size_t a = 0; a < nprov; a++)
            if (remap[a] != UINT32_MAX)
                acount[remap[a]] = counts[a];
    }

    /* with a cut-off, repack the ids (the remap keeps their order) */
    if (na < nprov) {
        struct tdata nt = *td;
        size_t len = 0, cap = 0, tcap = 0;
        uint32_t *tok = NULL;
        nt.pk = NULL;
        nt.nids = 0;
        for (size_t t = 0; t < td->ntok && st == CRFTAG_OK; t++) {
            size_t n = 0;
            struct pk_iter it;
            for (pk_iter_init(&it, td, t); pk_iter_next(&it);) {
                if (remap[it.id] == UINT32_MAX)
                    continue;
                if (util_grow((void **)&tok, &tcap, n + 1, sizeof *tok)) {
                    st = CRFTAG_ERR_NOMEM;
                    break;
                }
                tok[n++] = remap[it.id];
            }
            size_t start = len;
            if (st == CRFTAG_OK && pk_append(&nt, &len, &cap, tok, n))
                st = CRFTAG_ERR_NOMEM;
            td->tok_start[t] = start;        /* token t + 1 is read through the old offsets */
        }
        td->tok_start[td->ntok] = len;
        free(tok);
        if (st != CRFTAG_OK) {
            free(nt.pk);
            st = err_set(err, CRFTAG_ERR_NOMEM, NULL, 0, "out of memory (training data)");
            goto out;
        }
        pk_trim(&nt, len);
        free(td->pk);
        td->pk = nt.pk;
        td->nids = nt.nids;
    }

    /* distinct (attribute, label) pairs, by attribute then label */
    st = tr->L <= 64 ? train_pairs_mask(m, td, acount, all_labels, err)
                     : train_pairs_sort(m, td, tr->L, acount, all_labels, err);
out:
    free(acount);
    free(remap);
    free(prov_hash);
    return st;
}

/* Observed counts of every parameter in the gold paths. */
static void train_observed(struct trainer *tr)
{
    const struct crftag_model *m = tr->m;
    const struct tdata *td = &tr->td;
    size_t L = tr->L;
    uint32_t *obs = tr->obs;
    for (size_t s = 0; s < td->nsent; s++) {
        for (size_t t = td->sent_start[s]; t < td->sent_start[s + 1]; t++) {
            uint16_t y = td->label[t];
            struct pk_iter it;
            for (pk_iter_init(&it, td, t); pk_iter_next(&it);) {
                uint32_t a = it.id;
                for (uint32_t q = m->attr_off[a]; q < m->attr_off[a + 1]; q++)
                    if (m->pair_label[q] == y) {
                        obs[q]++;
                        break;
                    }
            }
            if (t > td->sent_start[s])
                obs[tr->npairs + (size_t)td->label[t - 1] * L + y]++;
        }
    }
}

/* ---- the objective ---------------------------------------------------- */

/* The pair runs of token t's attributes, in batches of TRAIN_BATCH ids:
 * decode the ids (loading their run offsets), load the runs' first lines of
 * pair_label and v, then walk the runs, so that the cache misses of a batch
 * overlap.  mode 0: row[y] += v[q] (state); mode 1: v[q] += row[y]
 * (gradient).  Same order of sums as one attribute after another.  A run of
 * every label (pair_label[q] == q - q0) is walked without pair_label, in a
 * loop the compiler vectorizes: same sums, same order. */
#define TRAIN_BATCH 64

static inline void train_token(const struct crftag_model *m, const struct tdata *td, size_t t,
                               double *v, double *row, int mode)
{
    size_t L = m->labels.n;
    struct pk_iter it;
    uint32_t buf[TRAIN_BATCH];
    pk_iter_init(&it, td, t);
    for (int more = 1; more;) {
        size_t n = 0;
        while (n < TRAIN_BATCH && (more = pk_iter_next(&it))) {
            __builtin_prefetch(&m->attr_off[it.id]);
            buf[n++] = it.id;
        }
        for (size_t j = 0; j < n; j++) {
            uint32_t k = m->attr_off[buf[j]];
            __builtin_prefetch(&m->pair_label[k]);
            if (mode)
                __builtin_prefetch(&v[k], 1);
            else
                __builtin_prefetch(&v[k], 0);
        }
        for (size_t j = 0; j < n; j++) {
            uint32_t q0 = m->attr_off[buf[j]], q1 = m->attr_off[buf[j] + 1];
            if (q1 - q0 == L) {
                /* every label (pair_label[q0 + y] == y): contiguous */
                double *w = v + q0;
                if (mode == 0)
                    for (size_t y = 0; y < L; y++)
                        row[y] += w[y];
                else
                    for (size_t y = 0; y < L; y++)
                        w[y] += row[y];
            } else if (mode == 0) {
                for (uint32_t q = q0; q < q1; q++)
                    row[m->pair_label[q]] += v[q];
            } else {
                for (uint32_t q = q0; q < q1; q++)
                    v[q] += row[m->pair_label[q]];
            }
        }
    }
}

/* state[t][y] = sum of the weights x of the pairs of token t's attributes. */
static void train_state(const struct crftag_model *m, const struct tdata *td, size_t t0,
                        size_t T, size_t L, const double *x, double *state)
{
    memset(state, 0, T * L * sizeof *state);
    for (size_t i = 0; i < T; i++) {
        train_token(m, td, t0 + i, (double *)x, state + i * L, 0);
    }
}

static int worker_reserve(struct worker *w, size_t T, size_t L)
{
    if (util_grow((void **)&w->state, &w->state_cap, T * L, sizeof *w->state))
        return -1;
    if (util_grow((void **)&w->mstate, &w->mstate_cap, T * L, sizeof *w->mstate))
        return -1;
    return 0;
}

static void worker_run(void *arg, int part)
{
    struct trainer *tr = arg;
    struct worker *w = &tr->w[part];
    const struct crftag_model *m = tr->m;
    const struct tdata *td = &tr->td;
    size_t L = tr->L;
    const double *x = tr->x;
    const double *trans = x + tr->npairs;
    double *g = w->g;
    double *gtrans = g + tr->npairs;
    memset(g, 0, tr->nparams * sizeof *g);
    w->f = 0.0;
    w->oom = 0;
    for (size_t s = w->s0; s < w->s1; s++) {
        size_t t0 = td->sent_start[s];
        size_t T = td->sent_start[s + 1] - t0;
        if (worker_reserve(w, T, L)) {
            w->oom = 1;
            return;
        }
        train_state(m, td, t0, T, L, x, w->state);
        double logz;
        if (crf_forward_backward(T, L, w->state, trans, &logz, w->mstate, gtrans, &w->cw)) {
            w->oom = 1;
            return;
        }
        w->f += logz;
        for (size_t i = 0; i < T; i++) {
            train_token(m, td, t0 + i, g, w->mstate + i * L, 1);
        }
    }
}

/* Second phase of an evaluation, over parameters [k0, k1) of worker w: adds
 * the other workers' gradients to g (worker 0's, in thread order), then the
 * observed counts and the L2 term; w->f gets this range's share of f. */
static void worker_reduce(void *arg, int part)
{
    struct trainer *tr = arg;
    struct worker *w = &tr->w[part];
    const double *x = tr->x;
    double *g = tr->g;
    double c2 = tr->p->c2;
    double f = w->f;
    for (size_t k = w->k0; k < w->k1; k++) {
        double gk = g[k];
        for (int i = 1; i < tr->nthreads; i++)
            gk += tr->w[i].g[k];
        double o = (double)tr->obs[k];
        f -= o * x[k];
        gk -= o;
        if (c2 > 0) {
            f += c2 * x[k] * x[k];
            gk += 2.0 * c2 * x[k];
        }
        g[k] = gk;
    }
    w->f = f;
}

/* Runs fn on every worker, worker 0 in this thread. */
static void train_run(struct trainer *tr, void (*fn)(void *, int))
{
    pool_run(tr->pool, fn, tr);
}

static double train_evaluate(void *instance, const double *x, double *g, size_t np)
{
    struct trainer *tr = instance;
    tr->x = x;
    tr->g = g;
    tr->w[0].g = g;              /* worker 0 sums straight into g */
    train_run(tr, worker_run);
    double logz = 0.0;
    for (int i = 0; i < tr->nthreads; i++) {
        logz += tr->w[i].f;
        if (tr->w[i].oom)
            tr->bad_number = 2;
    }
    /* the gradients summed and the rest of f, over parameter ranges */
    for (int i = 0; i < tr->nthreads; i++) {
        tr->w[i].k0 = np * (size_t)i / (size_t)tr->nthreads;
        tr->w[i].k1 = np * (size_t)(i + 1) / (size_t)tr->nthreads;
        tr->w[i].f = i == 0 ? logz : 0.0;
    }
    train_run(tr, worker_reduce);
    tr->w[0].g = NULL;
    double f = 0.0;
    for (int i = 0; i < tr->nthreads; i++)
        f += tr->w[i].f;
    if (!isfinite(f)) {
        tr->bad_number = 1;
        return INFINITY;
    }
    return f;
}

/* optim_params.run: the optimizer's vector work on the training threads */
static void train_par(void *ctx, void (*fn)(void *, int), void *arg)
{
    pool_run(ctx, fn, arg);
}

/* train_evaluate for liblbfgs */
static lbfgsfloatval_t train_evaluate_lbfgs(void *instance, const lbfgsfloatval_t *x,
                                            lbfgsfloatval_t *g, const int n,
                                            const lbfgsfloatval_t step)
{
    (void)step;
    return train_evaluate(instance, x, g, (size_t)n);
}

/* ---- dev evaluation ----------------------------------------------------- */

static double train_dev_f1(struct trainer *tr, const double *x)
{
    const struct crftag_model *m = tr->m;
    const struct tdata *dv = &tr->dv;
    const struct crftag_corpus *dev = tr->dev;
    size_t L = tr->L;
    struct crftag_eval *ev = NULL;
    const char **gold = NULL, **pred = NULL;
    size_t cap = 0, cap2 = 0;
    double f1 = -1.0;
    struct crftag_eval_counts tot;
    if (crftag_eval_new(&ev) != CRFTAG_OK)
        return -1.0;
    for (size_t s = 0; s < dv->nsent; s++) {
        size_t t0 = dv->sent_start[s];
        size_t T = dv->sent_start[s + 1] - t0;
        if (util_grow((void **)&tr->dstate, &tr->dstate_cap, T * L, sizeof *tr->dstate) ||
            util_grow((void **)&tr->dpath, &tr->dpath_cap, T, sizeof *tr->dpath) ||
            util_grow((void **)&gold, &cap, T, sizeof *gold) ||
            util_grow((void **)&pred, &cap2, T, sizeof *pred))
            goto out;
        train_state(m, dv, t0, T, L, x, tr->dstate);
        if (decode_viterbi(T, L, tr->dstate, x + tr->npairs, m->bio ? m->allowed : NULL,
                           m->bio ? m->allowed_start : NULL, tr->dpath, NULL, &tr->dw))
            goto out;
        for (size_t i = 0; i < T; i++) {
            gold[i] = dev->cells[(t0 + i) * dev->ncols + dev->ncols - 1];
            pred[i] = m->labels.names[tr->dpath[i]];
        }
        if (crftag_eval_add(ev, gold, pred, T) != CRFTAG_OK)
            goto out;
    }
    crftag_eval_total(ev, &tot);
    tr->dev_plain = tot.plain_tags;
    f1 = tot.plain_tags ? tot.accuracy : crftag_eval_f1(ev);
out:
    crftag_eval_free(ev);
    free(gold);
    free(pred);
    return f1;
}

static int train_report(struct trainer *tr, const lbfgsfloatval_t *x, lbfgsfloatval_t fx,
                        lbfgsfloatval_t xnorm, lbfgsfloatval_t gnorm, int n, int k, double f1);

static int train_progress(void *instance, const double *x, const double *g, double fx,
                          double xnorm, double gnorm, size_t np, int k)
{
    (void)g;
    struct trainer *tr = instance;
    int n = (int)np;
    tr->iterations = k;
    tr->last_f = fx;
    double f1 = -1.0;
    if (tr->dev && (tr->best_x || tr->p->progress))
        f1 = train_dev_f1(tr, x);
    if (tr->best_x) {
        if (f1 < 0) {            /* out of memory while scoring the dev data */
            tr->bad_number = 3;
            return 1;
        }
        if (f1 > tr->best_f1) {
            tr->best_f1 = f1;
            tr->best_iter = k;
            memcpy(tr->best_x, x, (size_t)n * sizeof *x);
        }
    }
    if (tr->p->progress && train_report(tr, x, fx, xnorm, gnorm, n, k, f1))
        return 1;
    if (tr->best_x && k - tr->best_iter >= tr->p->dev_patience) {
        tr->early_stopped = 1;
        return 1;
    }
    return 0;
}

/* train_progress for liblbfgs */
static int train_progress_lbfgs(void *instance, const lbfgsfloatval_t *x,
                                const lbfgsfloatval_t *g, const lbfgsfloatval_t fx,
                                const lbfgsfloatval_t xnorm, const lbfgsfloatval_t gnorm,
                                const lbfgsfloatval_t step, int n, int k, int ls)
{
    (void)step;
    (void)ls;
    return train_progress(instance, x, g, fx, xnorm, gnorm, (size_t)n, k);
}

/* Passes one progress line to the caller's callback; non-zero cancels. */
static int train_report(struct trainer *tr, const lbfgsfloatval_t *x, lbfgsfloatval_t fx,
                        lbfgsfloatval_t xnorm, lbfgsfloatval_t gnorm, int n, int k, double f1)
{
    struct crftag_progress pr;
    memset(&pr, 0, sizeof pr);
    pr.iteration = k;
    pr.objective = fx;
    pr.gnorm = gnorm;
    pr.xnorm = xnorm;
    size_t active = 0;
    for (int i = 0; i < n; i++)
        active += x[i] != 0.0;
    pr.active = active;
    pr.dev_f1 = f1;
    pr.dev_plain_tags = tr->dev_plain;
    pr.seconds = util_now() - tr->t0;
    if (tr->p->progress(&pr, tr->p->user)) {
        tr->canceled = 1;
        return 1;
    }
    return 0;
}

/* ---- driver ------------------------------------------------------------ */

static enum crftag_status train_check(const struct crftag_corpus *c,
                                      const struct crftag_train_params *p,
                                      struct crftag_error *err)
{
    if (!c || !p)
        return err_set(err, CRFTAG_ERR_INVALID, NULL, 0, "no corpus or parameters");
    if (c->nsent == 0 || c->ntok == 0)
        return err_set(err, CRFTAG_ERR_INVALID, NULL, 0, "the training data holds no sentences");
    if (c->ncols < 2)
        return err_set(err, CRFTAG_ERR_INVALID, NULL, 0,
                       "the training data has no label column (1 column per token)");
    if (!(p->c1 >= 0 && isfinite(p->c1)) || !(p->c2 >= 0 && isfinite(p->c2)))
        return err_set(err, CRFTAG_ERR_INVALID, NULL, 0, "c1 and c2 must be finite and >= 0");
    if (p->lexicon_folds < 0 || p->lexicon_folds > LEX_MAXFOLDS)
        return err_set(err, CRFTAG_ERR_INVALID, NULL, 0, "lexicon folds must be 0..%d",
                       LEX_MAXFOLDS);
    if (p->max_iter < 0 || p->period < 0 || !(p->delta >= 0) || !(p->epsilon >= 0))
        return err_set(err, CRFTAG_ERR_INVALID, NULL, 0,
                       "max-iter, period, delta and epsilon must be >= 0");
    if (p->threads < 0)
        return err_set(err, CRFTAG_ERR_INVALID, NULL, 0, "threads must be >= 0");
    if (p->dev_patience < 0)
        return err_set(err, CRFTAG_ERR_INVALID, NULL, 0, "dev patience must be >= 0");
    if (p->clusters && p->template_text)
        return err_set(err, CRFTAG_ERR_INVALID, p->clusters, 0,
                       "word clusters are features of the built-in set, not of templates");
    if (p->num_lexicon_files > 0 && p->template_text)
        return err_set(err, CRFTAG_ERR_INVALID, p->lexicon_files ? p->lexicon_files[0] : NULL,
                       0, "lexicon files are features of the built-in set, not of templates");
    if (p->num_lexicon_files > LEX_MAXFILES)
        return err_set(err, CRFTAG_ERR_INVALID, NULL, 0, "%zu lexicon files (at most %d)",
                       p->num_lexicon_files, LEX_MAXFILES);
    if (p->num_lexicon_files > 0 && !p->lexicon_files)
        return err_set(err, CRFTAG_ERR_INVALID, NULL, 0,
                       "num_lexicon_files is %zu but lexicon_files is NULL",
                       p->num_lexicon_files);
    if (p->dev_patience > 0 && (!p->dev || p->dev->nsent == 0))
        return err_set(err, CRFTAG_ERR_INVALID, NULL, 0,
                       "early stopping (dev patience) needs dev data");
    if (c->ntok >= UINT32_MAX)
        return err_set(err, CRFTAG_ERR_INVALID, NULL, 0,
                       "the training data holds %zu tokens (at most 4294967294)", c->ntok);
    if (p->dev && p->dev->ncols != c->ncols)
        return err_set(err, CRFTAG_ERR_INVALID, NULL, 0,
                       "the dev data has %zu columns per token, the training data %zu",
                       p->dev->ncols, c->ncols);
    return CRFTAG_OK;
}

/* Gold labels of c as ids into m->labels (adding them when add != 0); dev
 * labels unknown to the model map to 0 (they are only used through strings). */
static enum crftag_status train_labels(struct crftag_model *m, const struct crftag_corpus *c,
                                       uint16_t **out, int *iob2, struct crftag_error *err)
{
    uint16_t *y = util_malloc(c->ntok, sizeof *y);
    if (!y)
        return err_set(err, CRFTAG_ERR_NOMEM, NULL, 0, "out of memory");
    for (size_t t = 0; t < c->ntok; t++) {
        long id = labels_add(&m->labels, c->cells[t * c->ncols + c->ncols - 1]);
        if (id < 0) {
            free(y);
            if (m->labels.n >= 65535)
                return err_set(err, CRFTAG_ERR_INVALID, NULL, 0,
                               "cannot add label (at most 65535 labels)");
            return err_set(err, CRFTAG_ERR_NOMEM, NULL, 0, "out of memory (labels)");
        }
        y[t] = (uint16_t)id;
    }
    /* Are the gold sequences valid IOB2?  Then decoding may be constrained. */
    size_t L = m->labels.n;
    unsigned char *allowed = util_malloc(L * L, 1), *start = util_malloc(L, 1);
    if (!allowed || !start) {
        free(allowed);
        free(start);
        free(y);
        return err_set(err, CRFTAG_ERR_NOMEM, NULL, 0, "out of memory");
    }
    int ok = labels_bio_mask(&m->labels, allowed, start);
    for (size_t s = 0; ok && s < c->nsent; s++)
        for (size_t t = c->sent_start[s]; ok && t < c->sent_start[s + 1]; t++)
            ok = t == c->sent_start[s] ? start[y[t]] : allowed[(size_t)y[t - 1] * L + y[t]];
    free(allowed);
    free(start);
    *iob2 = ok;
    *out = y;
    return CRFTAG_OK;
}

static void trainer_free(struct trainer *tr)
{
    pool_free(tr->pool);
    if (tr->w) {
        for (int i = 0; i < tr->nthreads; i++) {
            free(tr->w[i].g);
            free(tr->w[i].state);
            free(tr->w[i].mstate);
            crf_work_free(&tr->w[i].cw);
        }
        free(tr->w);
    }
    free(tr->obs);
    tdata_free(&tr->td);
    tdata_free(&tr->dv);
    decode_work_free(&tr->dw);
    free(tr->dstate);
    free(tr->dpath);
    free(tr->best_x);
}

/* Splits sentences over threads with about equal work.  A token costs its
 * packed attribute ids (the sparse gather and scatter, td->tok_start counts
 * them in uint16 units) plus L^2 / 64 + 1 for the dense forward-backward:
 * on CoNLL-2000 (L = 22, 19 ids a token) that balances the two threads'
 * shares of an evaluation to within 2 %, where equal token counts left the
 * second thread 3 to 7 % behind. */
static void train_split(struct trainer *tr)
{
    const struct tdata *td = &tr->td;
    size_t k = tr->L * tr->L / 64 + 1;
    size_t total = k * td->ntok + td->tok_start[td->ntok], s = 0;
    for (int i = 0; i < tr->nthreads; i++) {
        tr->w[i].s0 = s;
        size_t goal = total / (size_t)tr->nthreads * (size_t)(i + 1);
        while (s < td->nsent && (k * td->sent_start[s] + td->tok_start[td->sent_start[s]] < goal
                                 || i == tr->nthreads - 1))
            s++;
        tr->w[i].s1 = s;
    }
}

/* Builds everything the optimizer needs: the model skeleton (features,
 * labels, attributes, pairs), the training data as attribute ids, the
 * observed counts, the dev data and the workers.  On failure the caller
 * still calls trainer_free() and frees tr->m. */
static enum crftag_status trainer_setup(struct trainer *tr, const struct crftag_corpus *c,
                                        const struct crftag_train_params *p,
                                        struct crftag_error *err)
{
    enum crftag_status st = train_check(c, p, err);
    if (st != CRFTAG_OK)
        return st;
    tr->p = p;
    tr->t0 = util_now();
    struct htab prov = {0};
    uint32_t *counts = NULL;
    size_t counts_cap = 0;
    struct crftag_model *m = model_new();
    if (!m)
        return err_set(err, CRFTAG_ERR_NOMEM, NULL, 0, "out of memory");
    tr->m = m;

    /* features */
    if (p->template_text) {
        st = feat_config_template(&m->feat, p->template_text, strlen(p->template_text),
                                  p->template_name ? p->template_name : "template",
                                  p->hash_seed, err);
        if (st != CRFTAG_OK)
            goto out;
        if (m->feat.ncols > c->ncols - 1) {
            st = err_set(err, CRFTAG_ERR_INVALID, p->template_name, 0,
                         "the template reads column %zu, but the training data has %zu "
                         "feature column%s (columns 0..%zu) before the label",
                         m->feat.ncols - 1, c->ncols - 1, c->ncols - 1 == 1 ? "" : "s",
                         c->ncols - 2);
            goto out;
        }
    } else {
        st = feat_config_builtin(&m->feat, p->hash_seed);
        if (st != CRFTAG_OK) {
            err_set(err, st, NULL, 0, "out of memory (built-in features)");
            goto out;
        }
        if (p->lexicon) {
            st = lex_build(c, (size_t)p->lexicon_folds, feat_lex_fold(&m->feat), p->hash_seed,
                           &m->feat.lex, err);
            if (st != CRFTAG_OK)
                goto out;
        }
        if (p->clusters) {
            struct crftag_clusters *cl;
            st = cl_read(p->clusters, &cl, err);
            if (st != CRFTAG_OK)
                goto out;
            st = feat_config_set_clusters(&m->feat, cl);
            if (st != CRFTAG_OK) {
                err_set(err, st, p->clusters, 0, "out of memory (word clusters)");
                goto out;
            }
        }
        if (p->num_lexicon_files > 0) {
            st = lex_read_user(p->lexicon_files, p->num_lexicon_files, p->hash_seed,
                               feat_lex_fold(&m->feat), &m->feat.ulex, NULL, err);
            if (st != CRFTAG_OK)
                goto out;
            if (!m->feat.ulex) {
                st = err_set(err, CRFTAG_ERR_PARSE, p->lexicon_files[0], 0,
                             "no entry in the lexicon file%s (only blank and '#' lines)",
                             p->num_lexicon_files == 1 ? "" : "s");
                goto out;
            }
        }
    }

    /* labels */
    int iob2 = 0;
    st = train_labels(m, c, &tr->td.label, &iob2, err);
    if (st != CRFTAG_OK)
        goto out;
    tr->L = m->labels.n;
    m->bio = iob2 && p->bio_constraint;
    /* "auto" is chosen by crftag_train (train_bias.c); the objective is the
     * same for every bias */
    if (p->bias && p->bias[0] && strcmp(p->bias, CRFTAG_BIAS_AUTO) != 0) {
        char msg[200];
        m->label_bias = util_calloc(tr->L, sizeof *m->label_bias);
        if (!m->label_bias) {
            st = err_set(err, CRFTAG_ERR_NOMEM, NULL, 0, "out of memory");
            goto out;
        }
        if (labels_bias_parse(&m->labels, p->bias, m->label_bias, msg, sizeof msg)) {
            st = err_set(err, CRFTAG_ERR_INVALID, NULL, 0, "%s", msg);
            goto out;
        }
    }
    m->meta.label_counts = util_calloc(tr->L, sizeof *m->meta.label_counts);
    if (!m->meta.label_counts) {
        st = err_set(err, CRFTAG_ERR_NOMEM, NULL, 0, "out of memory");
        goto out;
    }
    for (size_t t = 0; t < c->ntok; t++)
        m->meta.label_counts[tr->td.label[t]]++;

    /* attributes and pairs */
    st = train_map(&m->feat, c, &prov, 1, &counts, &counts_cap, &tr->td, err);
    if (st != CRFTAG_OK)
        goto out;
    st = train_build(tr, &prov, counts, err);
    htab_free(&prov);
    free(counts);
    counts = NULL;
    if (st != CRFTAG_OK)
        goto out;
    st = model_finish(m, err);
    if (st != CRFTAG_OK)
        goto out;

    size_t L = tr->L;
    tr->npairs = m->npairs;
    tr->nparams = m->npairs + L * L;
    tr->obs = util_calloc(tr->nparams, sizeof *tr->obs);
    m->trans = util_calloc(L * L, sizeof *m->trans);
    if (!tr->obs || !m->trans) {
        st = err_set(err, CRFTAG_ERR_NOMEM, NULL, 0, "out of memory (%zu parameters)", tr->nparams);
        goto out;
    }
    train_observed(tr);

    /* dev data: attribute ids of the model, unknown attributes dropped */
    if (p->dev && p->dev->nsent > 0) {
        tr->dev = p->dev;
        st = train_map(&m->feat, p->dev, &m->attrs, 0, NULL, NULL, &tr->dv, err);
        if (st != CRFTAG_OK)
            goto out;
    }
    /* The optimizer works on attribute ids only: the hash -> id table is
     * rebuilt (model_finish) when the weights are in. */
    htab_free(&m->attrs);

    /* threads */
    tr->nthreads = p->threads > 0 ? p->threads : util_ncpu();
    if (tr->nthreads > POOL_MAX)    /* a worker for each part of the pool */
        tr->nthreads = POOL_MAX;
    if ((size_t)tr->nthreads > c->nsent)
        tr->nthreads = (int)c->nsent;
    tr->w = util_calloc((size_t)tr->nthreads, sizeof *tr->w);
    if (!tr->w) {
        st = err_set(err, CRFTAG_ERR_NOMEM, NULL, 0, "out of memory");
        goto out;
    }
    for (int i = 0; i < tr->nthreads; i++)
        tr->w[i].tr = tr;
    tr->pool = pool_new(tr->nthreads);
    if (!tr->pool) {
        st = err_set(err, CRFTAG_ERR_NOMEM, NULL, 0, "out of memory");
        goto out;
    }
    for (int i = 1; i < tr->nthreads; i++) {
        tr->w[i].g = util_malloc(tr->nparams, sizeof *tr->w[i].g);
        if (!tr->w[i].g) {
            st = err_set(err, CRFTAG_ERR_NOMEM, NULL, 0, "out of memory (gradient buffers)");
            goto out;
        }
    }
    train_split(tr);

out:
    htab_free(&prov);
    free(counts);
    return st;
}

enum crftag_status train_objective(const struct crftag_corpus *c,
                                   const struct crftag_train_params *p, const double *x,
                                   size_t n, double *f, double *g, size_t *out_nparams,
                                   struct crftag_error *err)
{
    struct trainer tr;
    memset(&tr, 0, sizeof tr);
    enum crftag_status st = trainer_setup(&tr, c, p, err);
    if (st == CRFTAG_OK) {
        if (out_nparams)
            *out_nparams = tr.nparams;
        if (x && n != tr.nparams)
            st = err_set(err, CRFTAG_ERR_INVALID, NULL, 0, "expected %zu parameters", tr.nparams);
        else if (x)
            *f = train_evaluate(&tr, x, g, n);
    }
    trainer_free(&tr);
    crftag_model_free(tr.m);
    return st;
}

enum crftag_status train_fit(const struct crftag_corpus *c,
                             const struct crftag_train_params *p,
                             struct crftag_model **out, struct crftag_error *err)
{
    if (out)
        *out = NULL;
    err_clear(err);
    if (!out)
        return err_set(err, CRFTAG_ERR_INVALID, NULL, 0, "no output model pointer");
    struct trainer tr;
    memset(&tr, 0, sizeof tr);
    lbfgsfloatval_t *x = NULL;
    enum crftag_status st = trainer_setup(&tr, c, p, err);
    struct crftag_model *m = tr.m;
    if (st != CRFTAG_OK)
        goto fail;
    size_t L = tr.L;
    x = lbfgs_malloc((int)tr.nparams);
    if (!x) {
        st = err_set(err, CRFTAG_ERR_NOMEM, NULL, 0, "out of memory (%zu parameters)", tr.nparams);
        goto fail;
    }
    memset(x, 0, tr.nparams * sizeof *x);
    if (p->dev_patience > 0) {
        tr.best_x = util_malloc(tr.nparams, sizeof *tr.best_x);
        if (!tr.best_x) {
            st = err_set(err, CRFTAG_ERR_NOMEM, NULL, 0, "out of memory (%zu parameters)",
                         tr.nparams);
            goto fail;
        }
        tr.best_f1 = -1.0;
    }

    /* optimize: L2 alone by optimize.c, with L1 by liblbfgs's OWL-QN */
    const char *reason;
    int failed;
    lbfgsfloatval_t fx = 0;
    if (p->c1 > 0) {
        lbfgs_parameter_t lp;
        lbfgs_parameter_init(&lp);
        lp.m = 6;
        lp.epsilon = p->epsilon;
        lp.past = p->period;
        lp.delta = p->delta;
        lp.max_iterations = p->max_iter;
        lp.orthantwise_c = p->c1;
        lp.orthantwise_start = 0;
        lp.orthantwise_end = (int)tr.nparams;
        lp.linesearch = LBFGS_LINESEARCH_BACKTRACKING;
        int ret = lbfgs((int)tr.nparams, x, &fx, train_evaluate_lbfgs, train_progress_lbfgs,
                        &tr, &lp);
        if (tr.early_stopped)    /* liblbfgs's code is LBFGSERR_CANCELED */
            ret = LBFGS_SUCCESS;
        reason = train_lbfgs_reason(ret);
        failed = ret == LBFGSERR_OUTOFMEMORY || ret == LBFGSERR_INVALIDPARAMETERS ||
                 ret == LBFGSERR_LOGICERROR || ret == LBFGSERR_UNKNOWNERROR ||
                 (ret >= LBFGSERR_INVALID_N && ret <= LBFGSERR_INVALID_ORTHANTWISE_END) ||
                 (tr.iterations == 0 && ret != LBFGS_ALREADY_MINIMIZED);
        if (ret == LBFGSERR_OUTOFMEMORY)
            tr.bad_number = 4;
    } else {
        struct optim_params op;
        optim_params_init(&op);
        op.epsilon = p->epsilon;
        op.past = p->period;
        op.delta = p->delta;
        op.max_iterations = p->max_iter;
        op.run = train_par;
        op.run_ctx = tr.pool;
        op.parts = pool_parts(tr.pool);
        enum optim_status ret =
            optim_lbfgs(tr.nparams, x, &fx, train_evaluate, train_progress, &tr, &op);
        if (tr.early_stopped)
            ret = OPTIM_CONVERGED;
        reason = optim_reason(ret);
        failed = ret == OPTIM_ERR_NOMEM || ret == OPTIM_ERR_PARAMS ||
                 (tr.iterations == 0 && ret != OPTIM_ALREADY_MINIMIZED);
        if (ret == OPTIM_ERR_NOMEM)
            tr.bad_number = 4;
        /* a step that made the objective infinite was shortened */
        if (!failed && tr.bad_number == 1)
            tr.bad_number = 0;
    }
    if (tr.canceled) {
        st = err_set(err, CRFTAG_ERR_CANCELED, NULL, 0, "training canceled after %d iterations",
                     tr.iterations);
        goto fail;
    }
    if (tr.early_stopped) /* the weights of the best dev F1 */
        memcpy(x, tr.best_x, tr.nparams * sizeof *x);
    if (tr.bad_number >= 2) {
        st = err_set(err, CRFTAG_ERR_NOMEM, NULL, 0, "out of memory (%s)",
                     tr.bad_number == 2   ? "forward-backward"
                     : tr.bad_number == 3 ? "dev evaluation"
                                          : "optimizer");
        goto fail;
    }
    if (tr.bad_number || failed) {
        /* ALREADY_MINIMIZED: the zero start is optimal (a single label) */
        if (tr.bad_number == 1)
            st = err_set(err, CRFTAG_ERR_OPTIMIZER, NULL, 0,
                         "the objective became infinite or NaN (L-BFGS: %s)", reason);
        else
            st = err_set(err, CRFTAG_ERR_OPTIMIZER, NULL, 0, "L-BFGS failed: %s", reason);
        goto fail;
    }
    for (size_t k = 0; k < tr.nparams; k++) {
        if (!isfinite(x[k])) {
            st = err_set(err, CRFTAG_ERR_OPTIMIZER, NULL, 0, "a weight is not finite");
            goto fail;
        }
    }

    /* weights into the model */
    m->pair_w = util_malloc(tr.npairs ? tr.npairs : 1, sizeof *m->pair_w);
    if (!m->pair_w) {
        st = err_set(err, CRFTAG_ERR_NOMEM, NULL, 0, "out of memory (%zu weights)", tr.npairs);
        goto fail;
    }
    for (size_t k = 0; k < tr.npairs; k++)
        m->pair_w[k] = (float)x[k];
    for (size_t k = 0; k < L * L; k++)
        m->trans[k] = (float)x[tr.npairs + k];
    m->meta.c1 = p->c1;
    m->meta.c2 = p->c2;
    m->meta.iterations = (uint32_t)tr.iterations;
    m->meta.min_freq = p->min_freq ? p->min_freq : 1;
    m->meta.final_objective = tr.last_f;
    m->meta.train_sentences = c->nsent;
    m->meta.train_tokens = c->ntok;
    if (tr.early_stopped) {
        char why[128];
        snprintf(why, sizeof why,
                 "early stopping: best dev %s %.2f at iteration %d, none better in %d more",
                 tr.dev_plain ? "accuracy" : "F1", tr.best_f1, tr.best_iter, p->dev_patience);
        m->meta.stop_reason = util_strdup(why);
    } else {
        m->meta.stop_reason = util_strdup(reason);
    }
    if (!m->meta.stop_reason) {
        st = err_set(err, CRFTAG_ERR_NOMEM, NULL, 0, "out of memory");
        goto fail;
    }
    lbfgs_free(x);
    x = NULL;
    free(tr.obs);
    tr.obs = NULL;
    st = p->c1 > 0 ? model_compact(m, err) : model_finish(m, err);
    if (st != CRFTAG_OK)
        goto fail;
    m->meta.train_seconds = util_now() - tr.t0;
    trainer_free(&tr);
    *out = m;
    return CRFTAG_OK;

fail:
    if (x)
        lbfgs_free(x);
    trainer_free(&tr);
    crftag_model_free(m);
    return st;
}
