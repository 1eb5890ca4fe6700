/*
 * train.c - fitting CRF weights with L-BFGS (pipeline layer).
 *
 *   corpus --train_data.c--> attribute ids, (attribute, label) pairs (model.h
 *          layout), observed counts
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
 * own a gradient buffer, summed in thread order.  Every term of the sums
 * (a sentence's marginals and log Z, a parameter's observed and L2 terms)
 * is first rounded to a multiple of TRAIN_QUANTUM (train_data.h), which
 * makes the sums exact: the objective and gradient are the same to the bit
 * for any number of threads or ranks, and so is the whole optimization
 * (whose correction pairs are kept in float, optimize.h).
 *
 * optimize.c minimises the objective: L-BFGS, or with c1 > 0 OWL-QN (the
 * L1 term is the optimizer's).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "corpus.h"
#include "crf.h"
#include "decode.h"
#include "error.h"
#include "hash.h"
#include "labels.h"
#include "model.h"
#include "optimize.h"
#include "pool.h"
#include "train.h"
#include "train_data.h"
#include "train_init.h"
#include "train_runs.h"
#include "train_stop.h"
#include "train_dist.h"
#include "util.h"

void crftag_train_params_init_sz(struct crftag_train_params *dst, size_t size)
{
    struct crftag_train_params params, *p = &params;
    if (!dst)
        return;
    memset(p, 0, sizeof *p);
    p->c1 = CRFTAG_TRAIN_AUTO;    /* train_resolve */
    p->c2 = CRFTAG_TRAIN_AUTO;
    p->max_iter = 1000;
    p->delta = CRFTAG_TRAIN_AUTO;
    p->period = 10;
    p->epsilon = 1e-5;
    p->threads = 0;
    p->min_freq = 1;
    p->template_text = NULL;
    p->template_name = "template";
    p->hash_seed = HASH_DEFAULT_SEED;
    p->bio_constraint = 1;
    p->lexicon = 1;
    p->lexicon_folds = CRFTAG_LEXICON_FOLDS_AUTO;
    p->bias = CRFTAG_BIAS_AUTO;
    p->keep_names = 0;
    p->memory = CRFTAG_MEMORY_AUTO;
    p->all_labels = CRFTAG_ALL_LABELS_AUTO;
    util_struct_out(dst, size, p, sizeof *p);
}

void train_resolve(struct crftag_train_params *p)
{
    int tpl = p->template_text != NULL;
    if (p->c1 == CRFTAG_TRAIN_AUTO)
        p->c1 = tpl ? 0.1 : 0.0;
    if (p->c2 == CRFTAG_TRAIN_AUTO)
        p->c2 = tpl ? 0.05 : 1.0;
    if (p->delta == CRFTAG_TRAIN_AUTO)
        p->delta = tpl ? 1e-3 : 1e-5;
    if (p->lexicon_folds == CRFTAG_LEXICON_FOLDS_AUTO)
        p->lexicon_folds = CRFTAG_LEXICON_FOLDS;     /* bias auto may choose 0 */
}

/* Every label for the attributes seen CRFTAG_ALL_LABELS_DENSE times pays
 * with a template and the elastic net where the labels cover the tokens
 * (CoNLL-2000's chunks, O 13 %: held-out +0.14, test +0.15; UD-EWT's tags
 * with a word template +0.08 %) and loses where O dominates (BC5CDR with a
 * word template, O 88 %: -0.36 at that threshold, less at every other);
 * docs/ACCURACY.md, "Every label for the frequent attributes, measured
 * again". */
enum crftag_status train_resolve_labels(struct crftag_train_params *p,
                                        const struct crftag_corpus *c,
                                        struct crftag_error *err)
{
    if (p->all_labels != CRFTAG_ALL_LABELS_AUTO)
        return CRFTAG_OK;
    p->all_labels = 0;
    if (!p->template_text || !(p->c1 > 0) || !c || c->attrs)
        return CRFTAG_OK;
    uint64_t k[2] = { 0, c->ntok };     /* tokens labelled O, tokens */
    for (size_t t = 0; t < c->ntok; t++)
        k[0] += strcmp(c->cells[t * c->ncols + c->ncols - 1], "O") == 0;
    if (p->comm && dist_sum_u64(p->comm, k, 2))
        return err_set(err, CRFTAG_ERR_IO, NULL, 0, "the ranks could not exchange data");
    if (k[1] > 0 && 2 * k[0] < k[1])
        p->all_labels = CRFTAG_ALL_LABELS_DENSE;
    return CRFTAG_OK;
}

struct trainer;

struct worker {
    struct trainer *tr;
    size_t s0, s1;               /* sentences [s0, s1) */
    double *g;                   /* [nparams] gradient part (worker 0: the optimizer's g) */
    double f[2];                 /* sum of logZ; after worker_reduce: its share of f; */
                                 /* as the sums of the terms rounded (exact) and of */
                                 /* what the rounding left (f_add) */
    size_t k0, k1;               /* parameters reduced by worker_reduce */
    double *state;               /* [T][L] */
    size_t state_cap;
    double *mstate;
    size_t mstate_cap;
    double *mtrans;              /* [L*L] a sentence's transition marginals */
    struct trun *run;            /* a sentence's pair runs (train_state) */
    size_t run_cap;
    size_t *rend;                /* [T] where each token's runs end */
    size_t rend_cap;
    uint32_t *fq;                /* a sentence's pairs in one list (train_state_flat) */
    size_t fq_cap;
    size_t *fend;                /* [T] where each token's pairs end in fq */
    size_t fend_cap;
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
    train_quantize_fn *quantize; /* train_quantize over arrays */
    void (*worker)(void *, int); /* worker_run or its AVX version */
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
    struct trun *drun;
    size_t drun_cap;
    size_t *drend;
    size_t drend_cap;
    uint32_t *dpath;
    size_t dpath_cap;
    int dev_plain;               /* dev labels are plain tags: "F1" is accuracy */
    /* progress */
    double t0;
    int phase;                   /* crftag_progress.phase */
    int iterations;
    double last_f;
    int canceled;
    int bad_number;              /* 1 objective not finite, out of memory: 2 in */
                                 /* forward-backward, 3 scoring the dev data,   */
                                 /* 4 in the optimizer; 5 the sum over the      */
                                 /* ranks failed                                */
    struct dist_shares ds;       /* p->comm: the shares of the ranks */
    /* early stopping on the dev F1 (p->dev_patience > 0) */
    double *best_x;              /* [nparams] weights of the best dev F1 */
    double best_f1;
    int best_iter;
    int early_stopped;
    double best_fx;              /* the objective at best_iter */
    int interrupted;             /* p->stop asked to stop and keep the weights */
    size_t c_nsent, c_ntok;      /* the training corpus's sizes (it may be freed) */
};

/* ---- the objective ---------------------------------------------------- */

/* The pair runs of a sentence's attributes.  The state pass takes the
 * whole sentence in three steps, so that the cache misses of each overlap
 * and have a sentence's work to arrive in: decode the packed ids of every
 * token (prefetching their run offsets), load the runs [q0, q1) (prefetching
 * the first lines of pair_label and x), then walk the runs token by token;
 * the gradient pass walks the same runs again, a token's TRAIN_BATCH at a
 * time (prefetching pair_label and g first).  A run of every label (pair_label[q] == q - q0) is
 * walked without pair_label, and a token's consecutive runs of that kind
 * together (train_runs.h: the row in registers over them).  A label's
 * score adds its attributes' weights one attribute after another, in id
 * order; the gradient's terms are multiples of TRAIN_QUANTUM, whose sums
 * are exact in any order.  With at most TRAIN_FLAT_MAX labels and no run of
 * every label, the runs' pairs go through one list instead
 * (train_state_flat, train_runs.h): the same additions without a branch on
 * each run's length. */
#define TRAIN_BATCH 64

/* The objective's loops are compiled twice, as such and for AVX, and
 * worker_pick chooses: the vector operations (the runs of every label,
 * forward-backward's) in AVX quadruples or SSE2 pairs.  Adds are adds in
 * either: the same bits. */
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define TRAIN_HAVE_AVX 1
#define TRAIN_AVX __attribute__((target("avx")))
#endif
#define TRAIN_INLINE __attribute__((always_inline)) static inline
/* p as the compiler cannot see where it comes from: row[lab[j]] is then
 * addressed from the pointer, where gcc would recompute state + i L + lab[j]
 * at every pair (two instructions more) */
#define TRAIN_OPAQUE(p) __asm__("" : "+r"(p))

/* row[lab[j]] += w[j] for j < n.  The labels of a run are distinct, so
 * every cell gets one addition, whatever the order of the j: the n % 4 last
 * ones first, then quadruples, whose loop step costs a quarter of one a
 * pair.  The cell is read through src, a copy of row the compiler cannot
 * see is row (TRAIN_OPAQUE), so that the load and the store each address
 * it as row + 8 lab[j] (with one address for both, gcc computes it into
 * a register first: an instruction more a pair). */
#define RUN_ADD(j) row[lab[j]] = src[lab[j]] + w[j]
TRAIN_INLINE void run_gather(double *row, const uint16_t *restrict lab,
                             const double *restrict w, size_t n)
{
    size_t r = n & 3;
    const double *src = row;
    TRAIN_OPAQUE(row);
    TRAIN_OPAQUE(src);
    switch (r) {
    case 3:
        RUN_ADD(n - 3);
        /* fall through */
    case 2:
        RUN_ADD(n - 2);
        /* fall through */
    case 1:
        RUN_ADD(n - 1);
        /* fall through */
    default:
        break;
    }
    for (const uint16_t *e = lab + (n - r); lab != e; lab += 4, w += 4) {
        RUN_ADD(0);
        RUN_ADD(1);
        RUN_ADD(2);
        RUN_ADD(3);
    }
}
#undef RUN_ADD

/* g[j] += row[lab[j]] for j < n, in the same steps */
TRAIN_INLINE void run_scatter(double *restrict g, const uint16_t *restrict lab,
                              const double *restrict row, size_t n)
{
    size_t r = n & 3;
    TRAIN_OPAQUE(row);
    switch (r) {
    case 3:
        g[n - 3] += row[lab[n - 3]];
        /* fall through */
    case 2:
        g[n - 2] += row[lab[n - 2]];
        /* fall through */
    case 1:
        g[n - 1] += row[lab[n - 1]];
        /* fall through */
    default:
        break;
    }
    for (const uint16_t *e = lab + (n - r); lab != e; lab += 4, g += 4) {
        g[0] += row[lab[0]];
        g[1] += row[lab[1]];
        g[2] += row[lab[2]];
        g[3] += row[lab[3]];
    }
}

/* row[y] += x of the pairs of the runs r[0 .. n-1] (one token's) */
TRAIN_INLINE void train_token_state(const struct crftag_model *m, const double *x, double *row,
                                    const struct trun *r, size_t n, const int groups)
{
    size_t L = m->labels.n;
    const uint16_t *pl = m->pair_label;
    for (size_t j = 0; j < n; j++) {
        uint32_t q0 = r[j].q0, q1 = r[j].q1;
        if (groups && q1 - q0 == L) {
            /* every label (pair_label[q0 + y] == y): contiguous, with
             * the runs of every label that follow */
            size_t k = j + 1;
            while (k < n && r[k].q1 - r[k].q0 == L)
                k++;
            train_full_gather(row, x, r + j, k - j, L);
            j = k - 1;
        } else {
            run_gather(row, pl + q0, x + q0, q1 - q0);
        }
    }
}

/* g[q] += row[label of q] over the runs run[0 .. n-1] of one token, in
 * batches: the first lines of pair_label and g loaded first */
TRAIN_INLINE void train_token_grad(const struct crftag_model *m, const struct trun *run,
                                   size_t n, double *g, const double *row, const int groups)
{
    size_t L = m->labels.n;
    const uint16_t *pl = m->pair_label;
    for (size_t j0 = 0; j0 < n; j0 += TRAIN_BATCH) {
        size_t j1 = n - j0 < TRAIN_BATCH ? n : j0 + TRAIN_BATCH;
        for (size_t j = j0; j < j1; j++) {
            __builtin_prefetch(&pl[run[j].q0]);
            __builtin_prefetch(&g[run[j].q0], 1);
        }
        for (size_t j = j0; j < j1; j++) {
            uint32_t q0 = run[j].q0, q1 = run[j].q1;
            if (groups && q1 - q0 == L) {
                size_t k = j + 1;
                while (k < j1 && run[k].q1 - run[k].q0 == L)
                    k++;
                train_full_scatter(g, row, run + j, k - j, L);
                j = k - 1;
            } else {
                run_scatter(g + q0, pl + q0, row, q1 - q0);
            }
        }
    }
}

/* f[0] += v rounded (train_quantize), f[1] += what the rounding left: f[0]
 * is exact whatever the order of the additions, f[1] a sum of terms below
 * 2^-29, so f[0] + f[1] is f to double precision, and its rounding differs
 * between orders far less often than f's last bit changes. */
static inline void f_add(double f[2], double v)
{
    double q = train_quantize(v);
    f[0] += q;
    f[1] += v - q;
}

/* The runs of sentence [t0, t0 + T) (no weights): the runs of token i at
 * run[rend[i - 1] .. rend[i]) (rend[-1] = 0); returns their number.  The
 * ids of every token are decoded first (their run offsets prefetched), then
 * the runs loaded (the first lines of pair_label and x prefetched). */
TRAIN_INLINE size_t train_runs_load(const struct crftag_model *m, const struct tdata *td,
                                    size_t t0, size_t T, const double *x, struct trun *run,
                                    size_t *rend)
{
    const uint16_t *pl = m->pair_label;
    const uint32_t *off = m->attr_off;
    /* the sentence's ids (in run[].q0 for now), their offsets prefetched */
    size_t nr = 0;
    for (size_t i = 0; i < T; i++) {
        struct pk_iter it;
        pk_iter_init(&it, td, t0 + i);
        while (pk_iter_next(&it)) {
            __builtin_prefetch(&off[it.id]);
            run[nr++].q0 = it.id;
        }
        rend[i] = nr;
    }
    /* their runs, the first lines of pair_label and x prefetched */
    for (size_t k = 0; k < nr; k++) {
        uint32_t id = run[k].q0;
        uint32_t q0 = off[id], q1 = off[id + 1];
        run[k].q0 = q0;
        run[k].q1 = q1;
        __builtin_prefetch(&pl[q0]);
        __builtin_prefetch(&x[q0], 0);
    }
    return nr;
}

/* state[i][y] = sum of the weights x of the pairs of token t0 + i's
 * attributes.  Without weights (td->val NULL) the runs of token i are left
 * at run[rend[i - 1] .. rend[i]) (rend[-1] = 0), for train_token_grad; run
 * holds at least as many entries as the sentence's ids (train_runs_max). */
TRAIN_INLINE void train_state(const struct crftag_model *m, const struct tdata *td, size_t t0,
                              size_t T, size_t L, const double *x, double *state,
                              struct trun *run, size_t *rend, const int groups)
{
    memset(state, 0, T * L * sizeof *state);
    if (td->val) {                               /* weighted */
        for (size_t i = 0; i < T; i++)
            tdata_token_w(m, td, t0 + i, (double *)x, state + i * L, 0);
        return;
    }
    train_runs_load(m, td, t0, T, x, run, rend);
    for (size_t i = 0, r0 = 0; i < T; i++) {
        train_token_state(m, x, state + i * L, run + r0, rend[i] - r0, groups);
        r0 = rend[i];
    }
}

/* train_state through the list of pairs (L <= TRAIN_FLAT_MAX): also
 * leaves the pairs of token i at (*fq)[fend[i - 1] .. fend[i]) (fend[-1] =
 * 0) for flat_scatter; -1 when out of memory. */
TRAIN_INLINE int train_state_flat(const struct crftag_model *m, const struct tdata *td,
                                  size_t t0, size_t T, size_t L, const double *x,
                                  double *state, struct trun *run, size_t *rend,
                                  uint32_t **fq, size_t *fq_cap, size_t *fend)
{
    memset(state, 0, T * L * sizeof *state);
    if (td->val) {                               /* weighted */
        for (size_t i = 0; i < T; i++)
            tdata_token_w(m, td, t0 + i, (double *)x, state + i * L, 0);
        return 0;
    }
    size_t nr = train_runs_load(m, td, t0, T, x, run, rend);
    size_t np = 0, room = 4 * ((L + 3) / 4);
    for (size_t k = 0; k < nr; k++)
        np += run[k].q1 - run[k].q0;
    if (np > UINT32_MAX - room || UTIL_GROW(*fq, *fq_cap, np + room))
        return -1;
    uint32_t *f = *fq;
    train_flat_fill(f, run, rend, fend, T, L);
    const uint16_t *pl = m->pair_label;
    for (size_t i = 0, p0 = 0; i < T; i++) {
        train_flat_gather(state + i * L, pl, x, f + p0, fend[i] - p0);
        p0 = fend[i];
    }
    return 0;
}

/* More than the ids of sentence [t0, t0 + T): its packed length plus 1 (so
 * that the run buffer is never NULL) */
static inline size_t train_runs_max(const struct tdata *td, size_t t0, size_t T)
{
    return tdata_tok(td, t0 + T) - tdata_tok(td, t0) + 1;
}

static int worker_reserve(struct worker *w, const struct tdata *td, size_t t0, size_t T,
                          size_t L)
{
    if (UTIL_GROW(w->state, w->state_cap, T * L))
        return -1;
    if (UTIL_GROW(w->mstate, w->mstate_cap, T * L))
        return -1;
    if (UTIL_GROW(w->run, w->run_cap, train_runs_max(td, t0, T)))
        return -1;
    if (UTIL_GROW(w->rend, w->rend_cap, T))
        return -1;
    if (UTIL_GROW(w->fend, w->fend_cap, T))
        return -1;
    return 0;
}

TRAIN_INLINE void worker_body(void *arg, int part, const int groups, const int flat)
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
    w->f[0] = w->f[1] = 0.0;
    w->oom = 0;
    for (size_t s = w->s0; s < w->s1; s++) {
        size_t t0 = td->sent_start[s];
        size_t T = td->sent_start[s + 1] - t0;
        if (worker_reserve(w, td, t0, T, L)) {
            w->oom = 1;
            return;
        }
        if (flat) {
            if (train_state_flat(m, td, t0, T, L, x, w->state, w->run, w->rend, &w->fq,
                                 &w->fq_cap, w->fend)) {
                w->oom = 1;
                return;
            }
        } else {
            train_state(m, td, t0, T, L, x, w->state, w->run, w->rend, groups);
        }
        double logz;
        memset(w->mtrans, 0, L * L * sizeof *w->mtrans);
        if (crf_forward_backward(T, L, w->state, trans, &logz, w->mstate, w->mtrans,
                                 &w->cw)) {
            w->oom = 1;
            return;
        }
        if (td->val)                             /* weighted: observed from the gold path */
            logz -= tdata_gold(td, t0, T, L, w->state, w->mstate);
        /* every term rounded to a multiple of TRAIN_QUANTUM, so that the
         * sums are exact, the same for any split of the sentences */
        f_add(w->f, logz);
        tr->quantize(gtrans, w->mtrans, L * L);
        tr->quantize(NULL, w->mstate, T * L);
        for (size_t i = 0, r0 = 0, p0 = 0; i < T; i++) {
            if (td->val) {
                tdata_token_w(m, td, t0 + i, g, w->mstate + i * L, 1);
            } else if (flat) {
                for (size_t j = r0; j < w->rend[i]; j++) {
                    __builtin_prefetch(&m->pair_label[w->run[j].q0]);
                    __builtin_prefetch(&g[w->run[j].q0], 1);
                }
                train_flat_scatter(g, m->pair_label, w->mstate + i * L, w->fq + p0,
                                   w->fend[i] - p0);
                r0 = w->rend[i];
                p0 = w->fend[i];
            } else {
                train_token_grad(m, w->run + r0, w->rend[i] - r0, g, w->mstate + i * L,
                                 groups);
                r0 = w->rend[i];
            }
        }
    }
}

/* Each copy twice more: with the groups of runs of every label
 * (train_runs.h), and without, for the models that have no such run (the
 * groups' code in the loops costs the other runs a few instructions; the
 * runs of every label, if any, then go through run_gather: the same
 * additions). */
static void worker_run(void *arg, int part)
{
    worker_body(arg, part, 0, 0);
}

static void worker_run_groups(void *arg, int part)
{
    worker_body(arg, part, 1, 0);
}

static void worker_run_flat(void *arg, int part)
{
    worker_body(arg, part, 0, 1);
}

#ifdef TRAIN_HAVE_AVX
TRAIN_AVX static void worker_run_avx(void *arg, int part)
{
    worker_body(arg, part, 0, 0);
}

TRAIN_AVX static void worker_run_avx_groups(void *arg, int part)
{
    worker_body(arg, part, 1, 0);
}

TRAIN_AVX static void worker_run_avx_flat(void *arg, int part)
{
    worker_body(arg, part, 0, 1);
}
#endif

/* The groups of runs of every label when m has such runs (train_runs.h),
 * else the list of pairs when L <= TRAIN_FLAT_MAX, else one run at a time */
static void (*worker_pick(int groups, size_t L))(void *, int)
{
    int flat = !groups && L >= 1 && L <= TRAIN_FLAT_MAX;
#ifdef TRAIN_HAVE_AVX
    if (__builtin_cpu_supports("avx"))
        return groups ? worker_run_avx_groups : flat ? worker_run_avx_flat : worker_run_avx;
#endif
    return groups ? worker_run_groups : flat ? worker_run_flat : worker_run;
}

/* Whether an attribute of m has a pair of every label */
static int train_has_full_runs(const struct crftag_model *m)
{
    size_t L = m->labels.n;
    for (size_t a = 0; a < m->nattr; a++)
        if (m->attr_off[a + 1] - m->attr_off[a] == L)
            return 1;
    return 0;
}

/* Second phase of an evaluation, over parameters [k0, k1) of worker w: adds
 * the other workers' gradients to g (worker 0's, in thread order; exact, as
 * every term is a multiple of TRAIN_QUANTUM), then the observed counts and,
 * in one process, the L2 term (worker_l2); w->f gets this range's share of
 * f, its terms rounded as well. */
static void worker_l2_range(struct trainer *tr, struct worker *w);

static void worker_reduce(void *arg, int part)
{
    struct trainer *tr = arg;
    struct worker *w = &tr->w[part];
    const double *x = tr->x;
    double *g = tr->g;
    for (size_t k = w->k0; k < w->k1; k++) {
        double gk = g[k];
        for (int i = 1; i < tr->nthreads; i++)
            gk += tr->w[i].g[k];
        double o = (double)tr->obs[k];
        /* -o x as -o times x rounded (exact: the ranks' parts of o add up
         * to o's term) plus the small rest */
        double xq = train_quantize(x[k]);
        w->f[0] -= o * xq;
        w->f[1] -= o * (x[k] - xq);
        g[k] = gk - o;
    }
    if (!tr->p->comm)
        worker_l2_range(tr, w);
}

/* The L2 term over parameters [k0, k1) of worker w, added to g and w->f
 * (its terms rounded).  Data-parallel, after the sum over the ranks (on
 * every rank alike), so that g is the one process's to the bit. */
static void worker_l2_range(struct trainer *tr, struct worker *w)
{
    const double *x = tr->x;
    double *g = tr->g;
    double c2 = tr->p->c2;
    if (!(c2 > 0))
        return;
    for (size_t k = w->k0; k < w->k1; k++) {
        f_add(w->f, c2 * x[k] * x[k]);
        g[k] += 2.0 * c2 * x[k];
    }
}

static void worker_l2(void *arg, int part)
{
    struct trainer *tr = arg;
    worker_l2_range(tr, &tr->w[part]);
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
    train_run(tr, tr->worker);
    double logz[2] = {0.0, 0.0};
    for (int i = 0; i < tr->nthreads; i++) {
        logz[0] += tr->w[i].f[0];
        logz[1] += tr->w[i].f[1];
        if (tr->w[i].oom)
            tr->bad_number = 2;
    }
    /* the gradients summed and the rest of f, over parameter ranges */
    for (int i = 0; i < tr->nthreads; i++) {
        tr->w[i].k0 = np * (size_t)i / (size_t)tr->nthreads;
        tr->w[i].k1 = np * (size_t)(i + 1) / (size_t)tr->nthreads;
        tr->w[i].f[0] = i == 0 ? logz[0] : 0.0;
        tr->w[i].f[1] = i == 0 ? logz[1] : 0.0;
    }
    train_run(tr, worker_reduce);
    tr->w[0].g = NULL;
    double f[2] = {0.0, 0.0};
    for (int i = 0; i < tr->nthreads; i++) {
        f[0] += tr->w[i].f[0];
        f[1] += tr->w[i].f[1];
    }
    /* data-parallel: the sums over the ranks, the same bits on every rank
     * (exact: multiples of TRAIN_QUANTUM), then the L2 term */
    if (tr->p->comm) {
        if (dist_sum(tr->p->comm, g, np) || dist_sum(tr->p->comm, f, 2)) {
            tr->bad_number = 5;
            return INFINITY;
        }
        for (int i = 0; i < tr->nthreads; i++)
            tr->w[i].f[0] = tr->w[i].f[1] = 0.0;
        train_run(tr, worker_l2);
        for (int i = 0; i < tr->nthreads; i++) {
            f[0] += tr->w[i].f[0];
            f[1] += tr->w[i].f[1];
        }
    }
    /* the exact sum and the small one of the remainders (whose rounding is
     * far below f's last bit) */
    double fx = f[0] + f[1];
    if (!isfinite(fx)) {
        tr->bad_number = 1;
        return INFINITY;
    }
    return fx;
}

/* optim_params.run: the optimizer's vector work on the training threads */
static void train_par(void *ctx, void (*fn)(void *, int), void *arg)
{
    pool_run(ctx, fn, arg);
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
        if (UTIL_GROW(tr->dstate, tr->dstate_cap, T * L) ||
            UTIL_GROW(tr->dpath, tr->dpath_cap, T) ||
            UTIL_GROW(tr->drun, tr->drun_cap, train_runs_max(dv, t0, T)) ||
            UTIL_GROW(tr->drend, tr->drend_cap, T) ||
            UTIL_GROW(gold, cap, T) ||
            UTIL_GROW(pred, cap2, T))
            goto out;
        train_state(m, dv, t0, T, L, x, tr->dstate, tr->drun, tr->drend, 1);
        if (decode_viterbi(T, L, tr->dstate, x + tr->npairs, m->bio_constrained ? m->allowed : NULL,
                           m->bio_constrained ? m->allowed_start : NULL, tr->dpath, NULL, &tr->dw))
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

static int train_report(struct trainer *tr, const double *x, double fx,
                        double xnorm, double gnorm, int n, int k, double f1);

/* Data-parallel: the ranks' verdicts on stopping (none, keep the weights,
 * cancel) combined by their maximum, so that a signal that reached one rank
 * only, or a progress callback that canceled on one, stops them all at the
 * end of the same iteration.  Non-zero when the ranks could not agree. */
static int train_agree_stop(struct trainer *tr)
{
    uint64_t v = tr->canceled ? 2 : tr->interrupted ? 1 : 0;
    if (dist_max_u64(tr->p->comm, &v, 1)) {
        tr->bad_number = 5;
        return 1;
    }
    tr->canceled = v == 2;
    tr->interrupted = v == 1;
    return 0;
}

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
    /* data-parallel: the rank that holds the dev data scores it, every rank
     * gets its F1, so that all keep the same best */
    if (tr->p->comm && tr->ds.has_dev && dist_from_any(tr->p->comm, tr->dev != NULL, &f1)) {
        tr->bad_number = 5;
        return 1;
    }
    if (tr->best_x) {
        if (f1 < 0) {            /* out of memory while scoring the dev data */
            tr->bad_number = 3;
            return 1;
        }
        if (f1 > tr->best_f1) {
            tr->best_f1 = f1;
            tr->best_iter = k;
            tr->best_fx = fx;
            memcpy(tr->best_x, x, (size_t)n * sizeof *x);
        }
    }
    int stop = tr->p->progress && train_report(tr, x, fx, xnorm, gnorm, n, k, f1);
    if (!stop)
        stop = train_poll_stop(tr->p, &tr->interrupted, &tr->canceled);
    /* data-parallel: every rank stops at the same iteration, the same way */
    if (tr->p->comm && train_agree_stop(tr))
        return 1;
    if (stop || tr->interrupted || tr->canceled)
        return 1;
    if (tr->best_x && tr->p->dev_patience > 0 && k - tr->best_iter >= tr->p->dev_patience) {
        tr->early_stopped = 1;
        return 1;
    }
    return 0;
}

/* Passes one progress line to the caller's callback; non-zero cancels. */
static int train_report(struct trainer *tr, const double *x, double fx,
                        double xnorm, double gnorm, int n, int k, double f1)
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
    pr.phase = tr->phase;
    pr.seconds = util_now() - tr->t0;
    if (tr->p->progress(&pr, tr->p->user)) {
        tr->canceled = 1;
        return 1;
    }
    return 0;
}

/* ---- driver ------------------------------------------------------------ */

static void trainer_free(struct trainer *tr)
{
    pool_free(tr->pool);
    if (tr->w) {
        for (int i = 0; i < tr->nthreads; i++) {
            free(tr->w[i].g);
            free(tr->w[i].state);
            free(tr->w[i].mstate);
            free(tr->w[i].mtrans);
            free(tr->w[i].run);
            free(tr->w[i].rend);
            free(tr->w[i].fq);
            free(tr->w[i].fend);
            crf_work_free(&tr->w[i].cw);
        }
        free(tr->w);
    }
    free(tr->obs);
    tdata_free(&tr->td);
    tdata_free(&tr->dv);
    decode_work_free(&tr->dw);
    free(tr->dstate);
    free(tr->drun);
    free(tr->drend);
    free(tr->dpath);
    free(tr->best_x);
}

/* Splits sentences over threads with about equal work.  A token costs its
 * packed attribute ids (the sparse gather and scatter, the token offsets count
 * them in uint16 units) plus L^2 / 64 + 1 for the dense forward-backward:
 * on CoNLL-2000 (L = 22, 19 ids a token) that balances the two threads'
 * shares of an evaluation to within 2 %, where equal token counts left the
 * second thread 3 to 7 % behind. */
static void train_split(struct trainer *tr)
{
    const struct tdata *td = &tr->td;
    size_t k = tr->L * tr->L / 64 + 1;
    size_t total = k * td->ntok + tdata_tok(td, td->ntok), s = 0;
    for (int i = 0; i < tr->nthreads; i++) {
        tr->w[i].s0 = s;
        size_t goal = total / (size_t)tr->nthreads * (size_t)(i + 1);
        while (s < td->nsent && (k * td->sent_start[s] + tdata_tok(td, td->sent_start[s]) < goal
                                 || i == tr->nthreads - 1))
            s++;
        tr->w[i].s1 = s;
    }
}

/* The worker threads (at most one a sentence), their gradient buffers and
 * their shares of the sentences. */
static enum crftag_status trainer_threads(struct trainer *tr, size_t nsent,
                                          struct crftag_error *err)
{
    const struct crftag_train_params *p = tr->p;
    tr->nthreads = p->threads > 0 ? p->threads : util_ncpu();
    if (tr->nthreads > POOL_MAX)    /* a worker for each part of the pool */
        tr->nthreads = POOL_MAX;
    if ((size_t)tr->nthreads > nsent)
        tr->nthreads = nsent ? (int)nsent : 1;    /* a rank may hold none */
    tr->w = util_calloc((size_t)tr->nthreads, sizeof *tr->w);
    if (!tr->w)
        return err_set(err, CRFTAG_ERR_NOMEM, NULL, 0, "out of memory");
    for (int i = 0; i < tr->nthreads; i++) {
        tr->w[i].tr = tr;
        tr->w[i].mtrans = util_malloc(tr->L * tr->L, sizeof *tr->w[i].mtrans);
        if (!tr->w[i].mtrans)
            return err_set(err, CRFTAG_ERR_NOMEM, NULL, 0, "out of memory");
    }
    tr->pool = pool_new(tr->nthreads);
    if (!tr->pool)
        return err_set(err, CRFTAG_ERR_NOMEM, NULL, 0, "out of memory");
    for (int i = 1; i < tr->nthreads; i++) {
        tr->w[i].g = util_malloc(tr->nparams, sizeof *tr->w[i].g);
        if (!tr->w[i].g)
            return err_set(err, CRFTAG_ERR_NOMEM, NULL, 0, "out of memory (gradient buffers)");
    }
    train_split(tr);
    tr->quantize = train_quantize_pick();
    tr->worker = worker_pick(train_has_full_runs(tr->m), tr->L);
    return CRFTAG_OK;
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
    if (st == CRFTAG_OK && p->comm)
        st = dist_check(c, p, &tr->ds, err);
    if (st != CRFTAG_OK)
        return st;
    tr->p = p;
    tr->t0 = util_now();
    struct crftag_model *m = model_new();
    if (!m)
        return err_set(err, CRFTAG_ERR_NOMEM, NULL, 0, "out of memory");
    tr->m = m;

    /* features, labels, attributes and pairs (train_data.c) */
    st = p->comm ? train_features(m, c, p, tr->ds.attrs, tr->ds.ncols, err)
                 : train_features(m, c, p, c->attrs, c->ncols, err);
    if (st == CRFTAG_OK)
        st = p->comm ? dist_labels(m, c, p, &tr->td.label, err)
                     : train_labels(m, c, p, &tr->td.label, err);
    if (st != CRFTAG_OK)
        return st;
    tr->L = m->labels.n;
    st = p->comm ? dist_attributes(m, c, p, &tr->td, err)
                 : train_attributes(m, c, p, &tr->td, err);
    if (st == CRFTAG_OK)
        st = model_finish(m, err);
    if (st != CRFTAG_OK)
        return st;

    size_t L = tr->L;
    tr->npairs = m->npairs;
    tr->nparams = m->npairs + L * L;
    tr->obs = util_calloc(tr->nparams, sizeof *tr->obs);
    m->trans = util_calloc(L * L, sizeof *m->trans);
    if (!tr->obs || !m->trans)
        return err_set(err, CRFTAG_ERR_NOMEM, NULL, 0, "out of memory (%zu parameters)",
                       tr->nparams);
    train_observed(m, &tr->td, tr->obs);
    tdata_shrink(&tr->td);

    /* dev data: attribute ids of the model, unknown attributes dropped */
    if (p->dev && p->dev->nsent > 0) {
        tr->dev = p->dev;
        st = train_map(&m->feat, p->dev, &m->attrs, 0, NULL, NULL, &tr->dv, err);
        if (st != CRFTAG_OK)
            return st;
        tdata_shrink(&tr->dv);
    }
    /* The optimizer works on attribute ids only: the hash -> id table is
     * rebuilt (model_finish) when the weights are in. */
    htab_free(&m->attrs);

    return trainer_threads(tr, c->nsent, err);
}

enum crftag_status train_objective(const struct crftag_corpus *c,
                                   const struct crftag_train_params *p, const double *x,
                                   size_t n, double *f, double *g, size_t *out_nparams,
                                   struct crftag_error *err)
{
    struct crftag_train_params q;
    if (p) {
        q = *p;
        train_resolve(&q);
        enum crftag_status st = train_resolve_labels(&q, c, err);
        if (st != CRFTAG_OK)
            return st;
        p = &q;
    }
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

/* optimize.c minimises the objective from x (with c1 > 0 by OWL-QN), its
 * vector work on the training threads.  Returns the reason it stopped;
 * *failed when that is a failure. */
static const char *train_optimize(struct trainer *tr, double *x,
                                     double *fx, int *failed)
{
    const struct crftag_train_params *p = tr->p;
    struct optim_params op;
    optim_params_init(&op);
    op.epsilon = p->epsilon;
    op.past = p->period;
    op.delta = p->delta;
    op.max_iterations = p->max_iter;
    op.run = train_par;
    op.run_ctx = tr->pool;
    op.parts = pool_parts(tr->pool);
    op.c1 = p->c1;
    enum optim_status ret =
        optim_lbfgs(tr->nparams, x, fx, train_evaluate, train_progress, tr, &op);
    if (tr->early_stopped)
        ret = OPTIM_CONVERGED;
    *failed = ret == OPTIM_ERR_NOMEM || ret == OPTIM_ERR_PARAMS ||
              (tr->iterations == 0 && ret != OPTIM_ALREADY_MINIMIZED);
    if (ret == OPTIM_ERR_NOMEM)
        tr->bad_number = 4;
    /* a step that made the objective infinite was shortened */
    if (!*failed && tr->bad_number == 1)
        tr->bad_number = 0;
    return optim_reason(ret);
}

/* What the optimizer's run left: an error when it was canceled, ran out of
 * memory, failed or left a weight that is not finite.  After early stopping,
 * x receives the weights of the best dev F1. */
static enum crftag_status train_outcome(struct trainer *tr, double *x,
                                        const char *reason, int failed,
                                        struct crftag_error *err)
{
    if (tr->canceled)
        return err_set(err, CRFTAG_ERR_CANCELED, NULL, 0,
                       "training canceled after %d iterations", tr->iterations);
    if (tr->early_stopped || (tr->interrupted && tr->best_iter > 0))
        memcpy(x, tr->best_x, tr->nparams * sizeof *x);   /* the best dev F1's */
    if (tr->bad_number == 5)
        return err_set(err, CRFTAG_ERR_IO, NULL, 0, "the ranks could not sum the gradient");
    if (tr->bad_number >= 2)
        return err_set(err, CRFTAG_ERR_NOMEM, NULL, 0, "out of memory (%s)",
                       tr->bad_number == 2   ? "forward-backward"
                       : tr->bad_number == 3 ? "dev evaluation"
                                             : "optimizer");
    if (tr->bad_number || failed) {
        /* ALREADY_MINIMIZED: the zero start is optimal (a single label) */
        if (tr->bad_number == 1)
            return err_set(err, CRFTAG_ERR_OPTIMIZER, NULL, 0,
                           "the objective became infinite or NaN (L-BFGS: %s)", reason);
        return err_set(err, CRFTAG_ERR_OPTIMIZER, NULL, 0, "L-BFGS failed: %s", reason);
    }
    for (size_t k = 0; k < tr->nparams; k++)
        if (!isfinite(x[k]))
            return err_set(err, CRFTAG_ERR_OPTIMIZER, NULL, 0, "a weight is not finite");
    return CRFTAG_OK;
}

/* Copies the weights x (pair weights rounded by model_weight_round,
 * transitions as float) and the training metadata into the model; reason
 * is why the optimizer stopped. */
static enum crftag_status train_weights_to_model(struct trainer *tr,
                                                 const double *x, const char *reason,
                                                 struct crftag_error *err)
{
    const struct crftag_train_params *p = tr->p;
    struct crftag_model *m = tr->m;
    size_t L = tr->L;
    m->pair_w = util_malloc(tr->npairs ? tr->npairs : 1, sizeof *m->pair_w);
    if (!m->pair_w)
        return err_set(err, CRFTAG_ERR_NOMEM, NULL, 0, "out of memory (%zu weights)",
                       tr->npairs);
    for (size_t k = 0; k < tr->npairs; k++)
        m->pair_w[k] = model_weight_round(x[k]);
    for (size_t k = 0; k < L * L; k++)
        m->trans[k] = (float)x[tr->npairs + k];
    m->meta.c1 = p->c1;
    m->meta.c2 = p->c2;
    m->meta.iterations = (uint32_t)tr->iterations;
    m->meta.min_freq = p->min_freq ? p->min_freq : 1;
    m->meta.final_objective = tr->last_f;
    m->meta.train_sentences = p->comm ? tr->ds.nsent : tr->c_nsent;
    m->meta.train_tokens = p->comm ? tr->ds.ntok : tr->c_ntok;
    struct train_end e = {reason, tr->iterations, tr->early_stopped, tr->interrupted,
                          p->dev_patience, tr->best_x && tr->best_iter > 0 &&
                          (tr->early_stopped || tr->interrupted), tr->best_iter,
                          tr->best_f1, tr->best_fx, tr->dev_plain};
    m->meta.stop_reason = train_stop_reason(&e);
    m->meta.interrupted = tr->interrupted;
    if (!m->meta.stop_reason)
        return err_set(err, CRFTAG_ERR_NOMEM, NULL, 0, "out of memory");
    return CRFTAG_OK;
}

static enum crftag_status fit(const struct crftag_corpus *c, const struct crftag_train_params *p,
                              struct crftag_corpus **own, struct crftag_model **init, int phase,
                              struct crftag_model **out, struct crftag_error *err);

enum crftag_status train_fit(const struct crftag_corpus *c,
                             const struct crftag_train_params *p,
                             struct crftag_corpus **own,
                             struct crftag_model **out, struct crftag_error *err)
{
    return fit(c, p, own, NULL, 0, out, err);
}

enum crftag_status train_fit_first(const struct crftag_corpus *c,
                                   const struct crftag_train_params *p, int phase,
                                   struct crftag_corpus **own,
                                   struct crftag_model **out, struct crftag_error *err)
{
    return fit(c, p, own, NULL, phase, out, err);
}

enum crftag_status train_fit_from(const struct crftag_corpus *c,
                                  const struct crftag_train_params *p,
                                  struct crftag_corpus **own,
                                  struct crftag_model **init, struct crftag_model **out,
                                  struct crftag_error *err)
{
    return fit(c, p, own, init, 0, out, err);
}

static enum crftag_status fit(const struct crftag_corpus *c, const struct crftag_train_params *p,
                              struct crftag_corpus **own, struct crftag_model **init, int phase,
                              struct crftag_model **out, struct crftag_error *err)
{
    if (out)
        *out = NULL;
    err_clear(err);
    if (!out)
        return err_set(err, CRFTAG_ERR_INVALID, NULL, 0, "no output model pointer");
    struct trainer tr;
    memset(&tr, 0, sizeof tr);
    double *x = NULL;
    tr.phase = phase;
    enum crftag_status st = trainer_setup(&tr, c, p, err);
    struct crftag_model *m = tr.m;
    if (st != CRFTAG_OK)
        goto fail;
    /* the sentences are in tr.td now: a corpus handed over goes before the
     * optimizer's memory is taken (its sizes are kept for the model) */
    tr.c_nsent = c->nsent;
    tr.c_ntok = c->ntok;
    if (own && *own == c && p->dev != c) {     /* (dev data are read at every iteration) */
        if (tdata_own(&tr.td)) {
            st = err_set(err, CRFTAG_ERR_NOMEM, NULL, 0, "out of memory");
            goto fail;
        }
        crftag_corpus_free(*own);
        *own = NULL;
        c = NULL;
    }
    x = util_malloc(tr.nparams, sizeof *x);
    if (!x) {
        st = err_set(err, CRFTAG_ERR_NOMEM, NULL, 0, "out of memory (%zu parameters)", tr.nparams);
        goto fail;
    }
    memset(x, 0, tr.nparams * sizeof *x);
    const struct crftag_model *from = init && *init ? *init : p->init;
    if (from && (st = train_init_weights(from, m, x, err)) != CRFTAG_OK)
        goto fail;
    if (init) {
        crftag_model_free(*init);
        *init = NULL;
    }
    /* the best dev F1's weights (data-parallel: on every rank when one holds dev data) */
    int has_dev = p->comm ? tr.ds.has_dev : tr.dev != NULL;
    if (p->dev_patience > 0 || (has_dev && p->stop)) {
        tr.best_x = util_malloc(tr.nparams, sizeof *tr.best_x);
        if (!tr.best_x) {
            st = err_set(err, CRFTAG_ERR_NOMEM, NULL, 0, "out of memory (%zu parameters)",
                         tr.nparams);
            goto fail;
        }
        tr.best_f1 = -1.0;
    }

    /* optimize: optimize.c, L-BFGS (OWL-QN with L1) */
    int failed;
    double fx = 0;
    const char *reason = train_optimize(&tr, x, &fx, &failed);
    st = train_outcome(&tr, x, reason, failed, err);
    if (st == CRFTAG_OK && p->comm)
        st = dist_same(p->comm, x, tr.nparams, err);
    if (st == CRFTAG_OK)
        st = train_weights_to_model(&tr, x, reason, err);
    if (st != CRFTAG_OK)
        goto fail;
    /* the first training of bias auto hands its weights on unrounded (the
     * final training starts from them; with L1, model_compact keeps those
     * of the pairs it keeps) */
    if (phase != 0 && (m->warm_w = util_malloc(tr.nparams, sizeof *x)))   /* a first training */
        memcpy(m->warm_w, x, tr.nparams * sizeof *x);
    free(x);
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
        free(x);
    trainer_free(&tr);
    crftag_model_free(m);
    return st;
}
