/*
 * cluster_learn.c - learning word clusters from text (core layer).
 *
 * The text comes from the learner of clusters.c (struct crftag_clusterer:
 * a stream of word ids); the result is a cluster table (clusters.h).
 *
 * Learning (cl_learn)
 * -------------------
 * 1. Vocabulary: the words seen at least min_count times (at most max_words
 *    of the most frequent), in order of decreasing count (ties: first seen
 *    first).  Two pseudo-words complete it: RARE stands for every other
 *    token, EOS for the boundary between sentences.  W = V + 2 words.
 * 2. Bigram counts n(u, w) of adjacent words (EOS before each sentence and
 *    after the last), as successor and predecessor lists per word.
 * 3. Exchange algorithm (Kneser and Ney 1993; Martin, Liermann and Ney
 *    1998): every word w has a class c(w) of C.  With N(c, d) the number of
 *    bigrams whose left word is in class c and right word in class d, and
 *    Nl(c), Nr(c) its row and column sums, the log-likelihood of the class
 *    bigram model P(w_i | w_i-1) = P(c_i | c_i-1) P(w_i | c_i) is, up to a
 *    term that no clustering changes,
 *
 *        Q = sum_cd f(N(c,d)) - sum_c f(Nl(c)) - sum_c f(Nr(c)),  f(x) = x ln x
 *
 *    (Q / T + ln T is the average mutual information of adjacent classes,
 *    T bigrams).  A pass takes the words in vocabulary order; each word is
 *    taken out of its class and put in the class where Q grows most (its
 *    own class on ties).  The change of Q for a candidate class only
 *    involves the classes of the word's neighbours, so a pass costs
 *    O(C x sum over words of their distinct neighbour classes).  Passes stop
 *    after max_iter, or when fewer than 0.1 % of the words moved.
 *    Initial classes: word of rank r in class r mod C.
 * 4. Tree: the non-empty classes are merged two at a time, always the pair
 *    whose merge loses the least Q (Brown et al. 1992; the losses of all
 *    pairs are kept in a table and corrected in O(1) per pair after each
 *    merge, as in Brown's algorithm), until one is left.  The first cluster
 *    of a merged pair (lower index) is the '0' branch, the other the '1'
 *    branch; a class's path is the string of branches from the root to it
 *    (at most CL_MAXPATH digits: deeper classes share the path of their
 *    ancestor at that depth), "0" when there is only one class.
 * 5. Table: the V vocabulary words (pseudo-words left out) with the path of
 *    their class, in path order, then by decreasing count.
 *
 * Everything is deterministic: the same text and parameters give the same
 * table, on any machine (floating-point ties are broken by index).  The
 * learner, like the table, tells words apart by a 64-bit hash of their bytes.
 */
#include "clusters.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "util.h"

#define CL_FTAB 65536                          /* f(x) tabulated below this */

/* ------------------------------------------------------------------------ */
/* Learning                                                                 */
/* ------------------------------------------------------------------------ */

struct cl_ctx {
    const struct crftag_cluster_params *p;
    double t0;
    size_t W, V;                 /* words with the two pseudo-words, real words */
    uint32_t *vid;               /* [V] learner id of vocabulary word v */
    /* bigrams without self-pairs, by left word (succ) and right word (pred) */
    size_t *succ_start, *pred_start;  /* [W + 1] */
    uint32_t *succ_w, *pred_w;
    uint64_t *succ_n, *pred_n;
    uint64_t *self;              /* [W] n(w, w) */
    uint64_t *nl, *nr;           /* [W] bigrams with w left / right */
    uint64_t total;              /* bigrams */
    double *ftab;                /* [CL_FTAB] f(x) */
    /* exchange */
    size_t C;
    uint32_t *cls;               /* [W] */
    int64_t *N, *NT;             /* [C*C] N[c*C + d], NT[d*C + c] */
    int64_t *Nl, *Nr;            /* [C] */
};

static inline double cl_f(const struct cl_ctx *x, int64_t v)
{
    if (v < CL_FTAB)
        return x->ftab[v];
    double d = (double)v;
    return d * log(d);
}

/* f(a + b) - f(a) - f(b): 0 when a or b is 0 */
static inline double cl_g(const struct cl_ctx *x, int64_t a, int64_t b)
{
    if (a == 0 || b == 0)
        return 0.0;
    return cl_f(x, a + b) - cl_f(x, a) - cl_f(x, b);
}

static void cl_ctx_free(struct cl_ctx *x)
{
    free(x->vid);
    free(x->succ_start);
    free(x->pred_start);
    free(x->succ_w);
    free(x->pred_w);
    free(x->succ_n);
    free(x->pred_n);
    free(x->self);
    free(x->nl);
    free(x->nr);
    free(x->ftab);
    free(x->cls);
    free(x->N);
    free(x->NT);
    free(x->Nl);
    free(x->Nr);
}

struct cl_rank {
    uint64_t count;
    uint32_t id;
};

static int cl_rank_cmp(const void *a, const void *b)
{
    const struct cl_rank *x = a, *y = b;
    if (x->count != y->count)
        return x->count > y->count ? -1 : 1;
    return x->id < y->id ? -1 : x->id > y->id;
}

/* Step 1: the vocabulary; map[id] = its word (or RARE). */
static enum crftag_status cl_vocab(const struct crftag_clusterer *cr, struct cl_ctx *x,
                                   uint32_t **map_out, struct crftag_error *err)
{
    const struct crftag_cluster_params *p = x->p;
    struct cl_rank *rk = util_malloc(cr->nw, sizeof *rk);
    uint32_t *map = util_malloc(cr->nw, sizeof *map);
    if (!rk || !map) {
        free(rk);
        free(map);
        return err_set(err, CRFTAG_ERR_NOMEM, NULL, 0, "out of memory (vocabulary)");
    }
    size_t nk = 0;
    for (size_t i = 0; i < cr->nw; i++) {
        const char *w = cr->text + cr->off[i];
        if (cr->count[i] >= p->min_count && cl_word_ok(w, strlen(w))) {
            rk[nk].count = cr->count[i];
            rk[nk].id = (uint32_t)i;
            nk++;
        }
    }
    qsort(rk, nk, sizeof *rk, cl_rank_cmp);
    if (p->max_words && nk > p->max_words)
        nk = p->max_words;
    if (nk == 0) {
        free(rk);
        free(map);
        return err_set(err, CRFTAG_ERR_INVALID, NULL, 0,
                       "no word occurs %lu times or more in the text (%zu tokens)",
                       (unsigned long)p->min_count, cr->ntok);
    }
    x->V = nk;
    x->W = nk + 2;
    x->vid = util_malloc(nk, sizeof *x->vid);
    if (!x->vid) {
        free(rk);
        free(map);
        return err_set(err, CRFTAG_ERR_NOMEM, NULL, 0, "out of memory (vocabulary)");
    }
    for (size_t i = 0; i < cr->nw; i++)
        map[i] = (uint32_t)nk;   /* RARE */
    for (size_t v = 0; v < nk; v++) {
        x->vid[v] = rk[v].id;
        map[rk[v].id] = (uint32_t)v;
    }
    free(rk);
    *map_out = map;
    return CRFTAG_OK;
}

/* Fills start[W + 1], w[], n[] from pairs grouped by key (a or b). */
static int cl_csr(size_t W, size_t np, const uint32_t *key, const uint32_t *other,
                  const uint64_t *cnt, size_t **start, uint32_t **w, uint64_t **n)
{
    *start = util_calloc(W + 1, sizeof **start);
    *w = util_malloc(np, sizeof **w);
    *n = util_malloc(np, sizeof **n);
    if (!*start || !*w || !*n)
        return -1;
    size_t *s = *start;
    for (size_t k = 0; k < np; k++)
        s[key[k] + 1]++;
    for (size_t i = 0; i < W; i++)
        s[i + 1] += s[i];
    size_t *fill = util_malloc(W, sizeof *fill);
    if (!fill)
        return -1;
    memcpy(fill, s, W * sizeof *fill);
    for (size_t k = 0; k < np; k++) {
        size_t at = fill[key[k]]++;
        (*w)[at] = other[k];
        (*n)[at] = cnt[k];
    }
    free(fill);
    return 0;
}

/* Step 2: bigram counts. */
static enum crftag_status cl_bigrams(const struct crftag_clusterer *cr, struct cl_ctx *x,
                                     const uint32_t *map, struct crftag_error *err)
{
    size_t W = x->W;
    uint32_t EOS = (uint32_t)(x->V + 1);
    struct htab pairs;
    memset(&pairs, 0, sizeof pairs);
    uint32_t *pa = NULL, *pb = NULL;
    uint64_t *pn = NULL;
    size_t np = 0, pcap = 0;
    enum crftag_status st = CRFTAG_OK;
    x->self = util_calloc(W, sizeof *x->self);
    x->nl = util_calloc(W, sizeof *x->nl);
    x->nr = util_calloc(W, sizeof *x->nr);
    if (!x->self || !x->nl || !x->nr || htab_init(&pairs, 1024))
        st = CRFTAG_ERR_NOMEM;
    uint32_t prev = EOS;
    for (size_t i = 0; i <= cr->ns && st == CRFTAG_OK; i++) {
        uint32_t cur;
        if (i == cr->ns) {
            if (prev == EOS)
                break;
            cur = EOS;
        } else {
            cur = cr->stream[i] == CL_EOS_MARK ? EOS : map[cr->stream[i]];
        }
        x->nl[prev]++;
        x->nr[cur]++;
        x->total++;
        if (cur == prev) {
            x->self[cur]++;
        } else {
            uint64_t key = (uint64_t)prev * W + cur + 1;
            int ins;
            uint32_t *slot = htab_put(&pairs, key, (uint32_t)np, &ins);
            if (!slot) {
                st = CRFTAG_ERR_NOMEM;
                break;
            }
            if (ins) {
                if (np == pcap) {
                    size_t c2 = pcap ? 2 * pcap : 4096;
                    void *q1 = util_realloc(pa, c2, sizeof *pa);
                    if (q1)
                        pa = q1;
                    void *q2 = util_realloc(pb, c2, sizeof *pb);
                    if (q2)
                        pb = q2;
                    void *q3 = util_realloc(pn, c2, sizeof *pn);
                    if (q3)
                        pn = q3;
                    if (!q1 || !q2 || !q3) {
                        st = CRFTAG_ERR_NOMEM;
                        break;
                    }
                    pcap = c2;
                }
                pa[np] = prev;
                pb[np] = cur;
                pn[np] = 0;
                np++;
            }
            pn[*slot]++;
        }
        prev = cur;
    }
    htab_free(&pairs);
    if (st == CRFTAG_OK &&
        (cl_csr(W, np, pa, pb, pn, &x->succ_start, &x->succ_w, &x->succ_n) ||
         cl_csr(W, np, pb, pa, pn, &x->pred_start, &x->pred_w, &x->pred_n)))
        st = CRFTAG_ERR_NOMEM;
    free(pa);
    free(pb);
    free(pn);
    if (st != CRFTAG_OK)
        return err_set(err, st, NULL, 0, "out of memory (bigram counts)");
    return CRFTAG_OK;
}

/* Q / T + ln T in bits. */
static double cl_ami(const struct cl_ctx *x)
{
    size_t C = x->C;
    double q = 0;
    for (size_t k = 0; k < C * C; k++)
        q += cl_f(x, x->N[k]);
    for (size_t c = 0; c < C; c++)
        q -= cl_f(x, x->Nl[c]) + cl_f(x, x->Nr[c]);
    double T = (double)x->total;
    return (q / T + log(T)) / log(2.0);
}

/* Adds sign * (the bigrams of word w, whose neighbour class counts are
 * sd / pd over the lists S / P) to class c. */
static void cl_move(struct cl_ctx *x, size_t w, size_t c, int64_t sign, const int64_t *sd,
                    const uint32_t *S, size_t nS, const int64_t *pd, const uint32_t *P,
                    size_t nP)
{
    size_t C = x->C;
    for (size_t k = 0; k < nS; k++) {
        x->N[c * C + S[k]] += sign * sd[S[k]];
        x->NT[S[k] * C + c] += sign * sd[S[k]];
    }
    for (size_t k = 0; k < nP; k++) {
        x->N[P[k] * C + c] += sign * pd[P[k]];
        x->NT[c * C + P[k]] += sign * pd[P[k]];
    }
    x->N[c * C + c] += sign * (int64_t)x->self[w];
    x->NT[c * C + c] += sign * (int64_t)x->self[w];
    x->Nl[c] += sign * (int64_t)x->nl[w];
    x->Nr[c] += sign * (int64_t)x->nr[w];
}

/* Step 3, start: word of rank r in class r mod C, and the class counts. */
static void cl_exchange_init(struct cl_ctx *x)
{
    size_t W = x->W, C = x->C;
    for (size_t w = 0; w < W; w++)
        x->cls[w] = (uint32_t)(w % C);
    for (size_t w = 0; w < W; w++) {
        size_t c = x->cls[w];
        for (size_t k = x->succ_start[w]; k < x->succ_start[w + 1]; k++) {
            x->N[c * C + x->cls[x->succ_w[k]]] += (int64_t)x->succ_n[k];
            x->NT[x->cls[x->succ_w[k]] * C + c] += (int64_t)x->succ_n[k];
        }
        x->N[c * C + c] += (int64_t)x->self[w];
        x->NT[c * C + c] += (int64_t)x->self[w];
        x->Nl[c] += (int64_t)x->nl[w];
        x->Nr[c] += (int64_t)x->nr[w];
    }
}

/* The class where word w, taken out of its class a, makes Q grow most (a on
 * ties); its neighbour class counts are sd / pd over the lists S / P. */
static size_t cl_best_class(const struct cl_ctx *x, size_t w, size_t a, const int64_t *sd,
                            const uint32_t *S, size_t nS, const int64_t *pd,
                            const uint32_t *P, size_t nP)
{
    size_t C = x->C;
    int64_t self = (int64_t)x->self[w], nl = (int64_t)x->nl[w], nr = (int64_t)x->nr[w];
    size_t best = a;
    double bestg = 0;
    for (size_t c0 = 0; c0 <= C; c0++) {
        /* the word's own class first, so that it wins ties */
        size_t c = c0 == 0 ? a : c0 - 1;
        if (c0 > 0 && c == a)
            continue;
        const int64_t *row = x->N + c * C, *col = x->NT + c * C;
        double g = 0;
        for (size_t k = 0; k < nS; k++) {
            int64_t v = row[S[k]];
            g += cl_f(x, v + sd[S[k]]) - cl_f(x, v);
        }
        for (size_t k = 0; k < nP; k++) {
            int64_t v = col[P[k]];
            g += cl_f(x, v + pd[P[k]]) - cl_f(x, v);
        }
        int64_t v = row[c], s = sd[c], q = pd[c];
        if (s)
            g -= cl_f(x, v + s) - cl_f(x, v);
        if (q)
            g -= cl_f(x, v + q) - cl_f(x, v);
        g += cl_f(x, v + s + q + self) - cl_f(x, v);
        g -= cl_f(x, x->Nl[c] + nl) - cl_f(x, x->Nl[c]);
        g -= cl_f(x, x->Nr[c] + nr) - cl_f(x, x->Nr[c]);
        if (c0 == 0 || g > bestg + 1e-9 * (fabs(bestg) + 1.0)) {
            bestg = g;
            best = c;
        }
    }
    return best;
}

/* Step 3: the exchange algorithm. */
static enum crftag_status cl_exchange(struct cl_ctx *x, struct crftag_error *err)
{
    size_t W = x->W, C = x->C;
    x->cls = util_malloc(W, sizeof *x->cls);
    x->N = util_calloc(C * C, sizeof *x->N);
    x->NT = util_calloc(C * C, sizeof *x->NT);
    x->Nl = util_calloc(C, sizeof *x->Nl);
    x->Nr = util_calloc(C, sizeof *x->Nr);
    int64_t *sd = util_calloc(C, sizeof *sd), *pd = util_calloc(C, sizeof *pd);
    uint32_t *S = util_malloc(C, sizeof *S), *P = util_malloc(C, sizeof *P);
    enum crftag_status st = CRFTAG_OK;
    if (!x->cls || !x->N || !x->NT || !x->Nl || !x->Nr || !sd || !pd || !S || !P) {
        st = err_set(err, CRFTAG_ERR_NOMEM, NULL, 0, "out of memory (%zu classes)", C);
        goto out;
    }
    cl_exchange_init(x);
    for (int it = 1; it <= x->p->max_iter; it++) {
        size_t moves = 0;
        for (size_t w = 0; w < W; w++) {
            size_t a = x->cls[w], nS = 0, nP = 0;
            for (size_t k = x->succ_start[w]; k < x->succ_start[w + 1]; k++) {
                uint32_t c = x->cls[x->succ_w[k]];
                if (sd[c] == 0)
                    S[nS++] = c;
                sd[c] += (int64_t)x->succ_n[k];
            }
            for (size_t k = x->pred_start[w]; k < x->pred_start[w + 1]; k++) {
                uint32_t c = x->cls[x->pred_w[k]];
                if (pd[c] == 0)
                    P[nP++] = c;
                pd[c] += (int64_t)x->pred_n[k];
            }
            cl_move(x, w, a, -1, sd, S, nS, pd, P, nP);
            size_t best = cl_best_class(x, w, a, sd, S, nS, pd, P, nP);
            cl_move(x, w, best, +1, sd, S, nS, pd, P, nP);
            if (best != a) {
                x->cls[w] = (uint32_t)best;
                moves++;
            }
            for (size_t k = 0; k < nS; k++)
                sd[S[k]] = 0;
            for (size_t k = 0; k < nP; k++)
                pd[P[k]] = 0;
        }
        if (x->p->progress) {
            struct crftag_cluster_progress pr = { "exchange", it, moves, x->V, cl_ami(x),
                                                  util_now() - x->t0 };
            if (x->p->progress(&pr, x->p->user)) {
                st = err_set(err, CRFTAG_ERR_CANCELED, NULL, 0, "canceled");
                goto out;
            }
        }
        if (moves * 1000 < W)
            break;
    }
out:
    free(sd);
    free(pd);
    free(S);
    free(P);
    return st;
}

/* Q change of merging clusters i and j (active[]) of the K x K matrix M. */
static double cl_merge_delta(const struct cl_ctx *x, const int64_t *M, const int64_t *Ml,
                             const int64_t *Mr, const unsigned char *active, size_t K,
                             size_t i, size_t j)
{
    double d = 0;
    for (size_t c = 0; c < K; c++) {
        if (!active[c] || c == i || c == j)
            continue;
        d += cl_g(x, M[i * K + c], M[j * K + c]) + cl_g(x, M[c * K + i], M[c * K + j]);
    }
    int64_t ii = M[i * K + i], ij = M[i * K + j], ji = M[j * K + i], jj = M[j * K + j];
    d += cl_f(x, ii + ij + ji + jj) - cl_f(x, ii) - cl_f(x, ij) - cl_f(x, ji) - cl_f(x, jj);
    d -= cl_g(x, Ml[i], Ml[j]) + cl_g(x, Mr[i], Mr[j]);
    return d;
}

/* Step 4's agglomeration over K clusters (the non-empty classes); tree
 * nodes: leaves 0..K-1, merges K..2K-2. */
struct cl_merge {
    size_t K;
    int64_t *M, *Ml, *Mr;        /* [K*K] bigrams between clusters, [K] row and column sums */
    double *D;                   /* [K*K] Q change of merging i < j, at D[i*K + j] */
    unsigned char *active;       /* [K] cluster not merged into another yet */
    size_t *node;                /* [K] tree node of cluster k */
    size_t *left, *right;        /* [2K] children of the merge nodes */
};

/* Merges the K clusters of g, always the pair that loses the least Q, until
 * one is left; returns the number of tree nodes (the root is the last). */
static size_t cl_tree_merge(const struct cl_ctx *x, struct cl_merge *g)
{
    size_t K = g->K;
    int64_t *M = g->M, *Ml = g->Ml, *Mr = g->Mr;
    double *D = g->D;
    unsigned char *active = g->active;
    for (size_t i = 0; i < K; i++)
        for (size_t j = i + 1; j < K; j++)
            D[i * K + j] = cl_merge_delta(x, M, Ml, Mr, active, K, i, j);
    size_t nnode = K;
    for (size_t step = 0; step + 1 < K; step++) {
        size_t a = SIZE_MAX, b = SIZE_MAX;
        double best = 0;
        for (size_t i = 0; i < K; i++) {
            if (!active[i])
                continue;
            for (size_t j = i + 1; j < K; j++) {
                if (active[j] && (a == SIZE_MAX || D[i * K + j] > best)) {
                    best = D[i * K + j];
                    a = i;
                    b = j;
                }
            }
        }
        /* O(1) corrections of the other pairs: their terms in columns / rows
         * a and b become one term in the merged column / row */
        for (size_t i = 0; i < K; i++) {
            if (!active[i] || i == a || i == b)
                continue;
            for (size_t j = i + 1; j < K; j++) {
                if (!active[j] || j == a || j == b)
                    continue;
                int64_t ia = M[i * K + a], ja = M[j * K + a], ib = M[i * K + b],
                        jb = M[j * K + b];
                int64_t ai = M[a * K + i], aj = M[a * K + j], bi = M[b * K + i],
                        bj = M[b * K + j];
                D[i * K + j] += cl_g(x, ia + ib, ja + jb) - cl_g(x, ia, ja) - cl_g(x, ib, jb) +
                                cl_g(x, ai + bi, aj + bj) - cl_g(x, ai, aj) - cl_g(x, bi, bj);
            }
        }
        for (size_t c = 0; c < K; c++)
            M[a * K + c] += M[b * K + c];
        for (size_t c = 0; c < K; c++)
            M[c * K + a] += M[c * K + b];
        Ml[a] += Ml[b];
        Mr[a] += Mr[b];
        active[b] = 0;
        g->left[nnode] = g->node[a];
        g->right[nnode] = g->node[b];
        g->node[a] = nnode++;
        for (size_t j = 0; j < K; j++) {
            if (!active[j] || j == a)
                continue;
            double d = cl_merge_delta(x, M, Ml, Mr, active, K, a < j ? a : j, a < j ? j : a);
            D[(a < j ? a : j) * K + (a < j ? j : a)] = d;
        }
    }
    return nnode;
}

/* The path of every node of the tree below root (CL_MAXPATH + 1 bytes each
 * in npath, its length in depth), root first; stack has room for 2K nodes. */
static void cl_tree_paths(size_t K, size_t root, const size_t *left, const size_t *right,
                          size_t *stack, unsigned char *depth, char *npath)
{
    size_t top = 0;
    depth[root] = 0;
    npath[root * (CL_MAXPATH + 1)] = '\0';
    stack[top++] = root;
    while (top) {
        size_t v = stack[--top];
        if (v < K)
            continue;
        char *pv = npath + v * (CL_MAXPATH + 1);
        size_t d = depth[v];
        for (int side = 0; side < 2; side++) {
            size_t u = side ? right[v] : left[v];
            char *pu = npath + u * (CL_MAXPATH + 1);
            memcpy(pu, pv, d);
            size_t du = d;
            if (du < CL_MAXPATH)
                pu[du++] = (char)('0' + side);
            pu[du] = '\0';
            depth[u] = (unsigned char)du;
            stack[top++] = u;
        }
    }
}

/* Step 4: the tree over the non-empty classes; path[c] (CL_MAXPATH + 1
 * bytes each) for every class c. */
static enum crftag_status cl_tree(struct cl_ctx *x, char *path, struct crftag_error *err)
{
    size_t C = x->C, K = 0;
    enum crftag_status st = CRFTAG_OK;
    size_t *kc = util_malloc(C, sizeof *kc);        /* cluster k -> class */
    size_t *ck = util_malloc(C, sizeof *ck);        /* class -> cluster k */
    int64_t *cnt = util_calloc(C, sizeof *cnt);
    if (!kc || !ck || !cnt) {
        free(kc);
        free(ck);
        free(cnt);
        return err_set(err, CRFTAG_ERR_NOMEM, NULL, 0, "out of memory (cluster tree)");
    }
    for (size_t w = 0; w < x->W; w++)
        cnt[x->cls[w]]++;
    for (size_t c = 0; c < C; c++) {
        ck[c] = SIZE_MAX;
        if (cnt[c]) {
            ck[c] = K;
            kc[K++] = c;
        }
    }
    free(cnt);
    struct cl_merge g;
    g.K = K;
    g.M = util_malloc(K * K, sizeof *g.M);
    g.Ml = util_malloc(K, sizeof *g.Ml);
    g.Mr = util_malloc(K, sizeof *g.Mr);
    g.D = util_malloc(K * K, sizeof *g.D);
    g.active = util_malloc(K, 1);
    g.node = util_malloc(K, sizeof *g.node);
    g.left = util_malloc(2 * K, sizeof *g.left);
    g.right = util_malloc(2 * K, sizeof *g.right);
    size_t *stack = util_malloc(2 * K, sizeof *stack);
    unsigned char *depth = util_malloc(2 * K, 1);
    char *npath = util_malloc(2 * K, CL_MAXPATH + 1);
    if (!g.M || !g.Ml || !g.Mr || !g.D || !g.active || !g.node || !g.left || !g.right ||
        !stack || !depth || !npath) {
        st = err_set(err, CRFTAG_ERR_NOMEM, NULL, 0, "out of memory (cluster tree)");
        goto out;
    }
    for (size_t i = 0; i < K; i++) {
        for (size_t j = 0; j < K; j++)
            g.M[i * K + j] = x->N[kc[i] * C + kc[j]];
        g.Ml[i] = x->Nl[kc[i]];
        g.Mr[i] = x->Nr[kc[i]];
        g.active[i] = 1;
        g.node[i] = i;
    }
    size_t nnode = cl_tree_merge(x, &g);
    cl_tree_paths(K, nnode - 1, g.left, g.right, stack, depth, npath);
    for (size_t c = 0; c < C; c++) {
        char *dst = path + c * (CL_MAXPATH + 1);
        if (ck[c] == SIZE_MAX)
            dst[0] = '\0';
        else if (K == 1)
            strcpy(dst, "0");
        else
            strcpy(dst, npath + ck[c] * (CL_MAXPATH + 1));
    }
    if (x->p->progress) {
        struct crftag_cluster_progress pr = { "tree", 0, 0, x->V, cl_ami(x),
                                              util_now() - x->t0 };
        if (x->p->progress(&pr, x->p->user))
            st = err_set(err, CRFTAG_ERR_CANCELED, NULL, 0, "canceled");
    }
out:
    free(kc);
    free(ck);
    free(g.M);
    free(g.Ml);
    free(g.Mr);
    free(g.D);
    free(g.active);
    free(g.node);
    free(g.left);
    free(g.right);
    free(stack);
    free(depth);
    free(npath);
    return st;
}

struct cl_out {
    const char *path;
    uint32_t v;
};

static int cl_out_cmp(const void *a, const void *b)
{
    const struct cl_out *x = a, *y = b;
    int r = strcmp(x->path, y->path);
    if (r)
        return r;
    return x->v < y->v ? -1 : x->v > y->v;   /* vocabulary order: by count */
}

enum crftag_status cl_learn(const struct crftag_clusterer *cr,
                            const struct crftag_cluster_params *p, struct crftag_clusters **out,
                            struct crftag_error *err)
{
    *out = NULL;
    struct cl_ctx x;
    memset(&x, 0, sizeof x);
    x.p = p;
    x.t0 = util_now();
    uint32_t *map = NULL;
    char *path = NULL;
    struct cl_out *ord = NULL;
    struct crftag_clusters *c = NULL;
    enum crftag_status st = cl_vocab(cr, &x, &map, err);
    if (st == CRFTAG_OK)
        st = cl_bigrams(cr, &x, map, err);
    free(map);
    if (st != CRFTAG_OK)
        goto out;
    x.ftab = util_malloc(CL_FTAB, sizeof *x.ftab);
    if (!x.ftab) {
        st = err_set(err, CRFTAG_ERR_NOMEM, NULL, 0, "out of memory");
        goto out;
    }
    x.ftab[0] = 0;
    for (size_t v = 1; v < CL_FTAB; v++)
        x.ftab[v] = (double)v * log((double)v);
    x.C = (size_t)p->num_clusters < x.W ? (size_t)p->num_clusters : x.W;
    st = cl_exchange(&x, err);
    if (st != CRFTAG_OK)
        goto out;
    path = util_malloc(x.C, CL_MAXPATH + 1);
    ord = util_malloc(x.V, sizeof *ord);
    c = cl_new();
    if (!path || !ord || !c) {
        st = err_set(err, CRFTAG_ERR_NOMEM, NULL, 0, "out of memory");
        goto out;
    }
    st = cl_tree(&x, path, err);
    if (st != CRFTAG_OK)
        goto out;
    for (size_t v = 0; v < x.V; v++) {
        ord[v].path = path + x.cls[v] * (CL_MAXPATH + 1);
        ord[v].v = (uint32_t)v;
    }
    qsort(ord, x.V, sizeof *ord, cl_out_cmp);
    for (size_t k = 0; k < x.V && st == CRFTAG_OK; k++) {
        uint32_t id = x.vid[ord[k].v];
        const char *w = cr->text + cr->off[id];
        st = cl_add(c, w, strlen(w), ord[k].path, strlen(ord[k].path), cr->count[id]);
        if (st != CRFTAG_OK)
            st = err_set(err, CRFTAG_ERR_NOMEM, NULL, 0, "out of memory (cluster table)");
    }
out:
    cl_ctx_free(&x);
    free(path);
    free(ord);
    if (st != CRFTAG_OK) {
        cl_free(c);
        return st;
    }
    *out = c;
    return CRFTAG_OK;
}

/* ------------------------------------------------------------------------ */
/* Public API                                                               */
/* ------------------------------------------------------------------------ */

void crftag_cluster_params_init_sz(struct crftag_cluster_params *dst, size_t size)
{
    struct crftag_cluster_params params, *p = &params;
    if (!dst)
        return;
    memset(p, 0, sizeof *p);
    p->num_clusters = 256;
    p->min_count = 3;
    p->max_iter = 20;
    p->max_words = 0;
    util_struct_out(dst, size, p, sizeof *p);
}

enum crftag_status crftag_clusterer_learn_sz(const struct crftag_clusterer *cl,
                                             const struct crftag_cluster_params *params,
                                             size_t size, struct crftag_clusters **out,
                                             struct crftag_error *err)
{
    /* the caller's params over the defaults: fields past its size keep them */
    struct crftag_cluster_params whole, *p = NULL;
    if (params) {
        crftag_cluster_params_init(&whole);
        util_struct_in(&whole, sizeof whole, params, size);
        p = &whole;
    }
    if (out)
        *out = NULL;
    if (!cl || !p || !out)
        return err_set(err, CRFTAG_ERR_INVALID, NULL, 0, "NULL argument");
    if (p->num_clusters < 2 || p->num_clusters > CL_MAXCLASSES)
        return err_set(err, CRFTAG_ERR_INVALID, NULL, 0, "number of clusters must be 2..%d",
                       CL_MAXCLASSES);
    if (p->min_count < 1)
        return err_set(err, CRFTAG_ERR_INVALID, NULL, 0, "minimum count must be at least 1");
    if (p->max_iter < 0)
        return err_set(err, CRFTAG_ERR_INVALID, NULL, 0, "passes must be at least 0");
    if (cl->ntok == 0)
        return err_set(err, CRFTAG_ERR_INVALID, NULL, 0, "no text to learn clusters from");
    enum crftag_status st = cl_learn(cl, p, out, err);
    if (st == CRFTAG_OK)
        err_clear(err);
    return st;
}
