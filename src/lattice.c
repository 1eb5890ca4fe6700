/*
 * lattice.c - forward-backward with forbidden transitions in log space,
 * path and span probabilities, exact n-best by A* (core layer).
 *
 * See lattice.h for the recurrences.  The scaled step of the forward pass:
 *   M = max_i la[t-1][i],  a_i = exp(la[t-1][i] - M)
 *   E[i][j] = exp(tm[i][j] - c_j),  c_j = max_i tm[i][j]     (0 if forbidden)
 *   la[t][j] = state[t][j] + M + c_j + log sum_i a_i E[i][j]
 * and of the backward pass, with ER[i][j] = exp(tm[i][j] - r_i), r_i the row
 * max, v_j = state[t][j] + lb[t][j], M = max_j v_j, b_j = exp(v_j - M):
 *   lb[t-1][i] = M + r_i + log sum_j ER[i][j] b_j
 * With every finite a_i, b_j >= e^-LAT_RANGE and every allowed E, ER >=
 * e^-LAT_RANGE, each term of the sums is >= e^-600: no underflow, full
 * relative precision.  A step that fails the test is done exactly in log
 * space, so the result never depends on which way a step went beyond
 * rounding.
 *
 * n-best: delta[t][j] (the best score of a prefix ending in j at t, as in
 * Viterbi) is an exact heuristic for a search from the last token back: a
 * node fixes the suffix y_t..y_{T-1} and has priority f = delta[t][y_t] +
 * g, g the score of the suffix past token t, which is the score of the best
 * complete path through that suffix.  Nodes come off a binary heap by f
 * (ties: the node nearer to token 0, then the older), so complete paths come
 * off in order of score, and a run of equal scores is searched depth first.
 */
#include "lattice.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

#define LAT_RANGE 300.0

void lattice_free(struct lattice *w)
{
    if (!w)
        return;
    free(w->ab);
    free(w->cache);
    free(w->delta);
    free(w->nodes);
    free(w->heap);
    memset(w, 0, sizeof *w);
}

/* log sum_k exp(v[k * vs] + u[k * us]) for k < n (-inf when empty). */
static double lat_lse(size_t n, const double *v, size_t vs, const double *u, size_t us)
{
    double m = -INFINITY;
    for (size_t k = 0; k < n; k++) {
        double a = v[k * vs] + u[k * us];
        m = a > m ? a : m;
    }
    if (m == -INFINITY)
        return m;
    double s = 0.0;
    for (size_t k = 0; k < n; k++)
        s += exp(v[k * vs] + u[k * us] - m);
    return m + log(s);
}

/* E, ER, c, r from tm, unless the cache holds them for this very tm. */
static void lat_cache(struct lattice *w, size_t L, const double *tm)
{
    size_t ll = L * L;
    double *E = w->cache, *ER = E + ll, *copy = ER + ll, *c = copy + ll, *r = c + L;
    if (w->cache_l == L && memcmp(copy, tm, ll * sizeof *tm) == 0)
        return;
    for (size_t j = 0; j < L; j++) {
        c[j] = -INFINITY;
        r[j] = -INFINITY;
    }
    for (size_t i = 0; i < L; i++)
        for (size_t j = 0; j < L; j++) {
            double x = tm[i * L + j];
            c[j] = x > c[j] ? x : c[j];
            r[i] = x > r[i] ? x : r[i];
        }
    w->col_ok = w->row_ok = 1;
    for (size_t i = 0; i < L; i++)
        for (size_t j = 0; j < L; j++) {
            double x = tm[i * L + j];
            if (x == -INFINITY) {
                E[i * L + j] = ER[i * L + j] = 0.0;
                continue;
            }
            w->col_ok &= c[j] - x <= LAT_RANGE;
            w->row_ok &= r[i] - x <= LAT_RANGE;
            E[i * L + j] = exp(x - c[j]);
            ER[i * L + j] = exp(x - r[i]);
        }
    memcpy(copy, tm, ll * sizeof *tm);
    w->cache_l = L;
}

static int lat_reserve(struct lattice *w, size_t T, size_t L)
{
    size_t tl, ll, nc;
    if (util_mul(T, L, &tl) || util_mul(L, L, &ll) || util_mul(ll, 3, &nc) ||
        nc > SIZE_MAX - 3 * L)
        return -1;
    nc += 3 * L;
    if (tl > SIZE_MAX / 2 || UTIL_GROW(w->ab, w->cap_ab, 2 * tl))
        return -1;
    w->la = w->ab;
    w->lb = w->ab + tl;
    if (nc > w->cap_cache) {
        w->cache_l = 0;
        if (UTIL_GROW(w->cache, w->cap_cache, nc))
            return -1;
    }
    return 0;
}

/* la[t] from la[t-1]; scratch a[L], acc[L]. */
static void lat_forward_step(const struct lattice *w, size_t L, const double *prev,
                             const double *st, const double *tm, double *out)
{
    size_t ll = L * L;
    const double *E = w->cache, *c = E + 3 * ll;
    double *a = (double *)c + 2 * L;
    double m = -INFINITY;
    for (size_t i = 0; i < L; i++)
        m = prev[i] > m ? prev[i] : m;
    if (m == -INFINITY) {
        for (size_t j = 0; j < L; j++)
            out[j] = -INFINITY;
        return;
    }
    int fast = w->col_ok;
    for (size_t i = 0; i < L && fast; i++)
        fast = prev[i] == -INFINITY || prev[i] - m >= -LAT_RANGE;
    if (!fast) {
        for (size_t j = 0; j < L; j++)
            out[j] = st[j] + lat_lse(L, prev, 1, tm + j, L);
        return;
    }
    for (size_t i = 0; i < L; i++)
        a[i] = exp(prev[i] - m);
    for (size_t j = 0; j < L; j++)
        out[j] = 0.0;
    for (size_t i = 0; i < L; i++) {
        const double ai = a[i], *row = E + i * L;
        if (ai == 0.0)
            continue;
        for (size_t j = 0; j < L; j++)
            out[j] += ai * row[j];
    }
    for (size_t j = 0; j < L; j++)
        out[j] = out[j] > 0.0 ? st[j] + (m + c[j] + log(out[j])) : -INFINITY;
}

/* lb[t-1] from lb[t] and state[t]; scratch b[L]. */
static void lat_backward_step(const struct lattice *w, size_t L, const double *next,
                              const double *st, const double *tm, double *out)
{
    size_t ll = L * L;
    const double *ER = w->cache + ll, *r = w->cache + 3 * ll + L;
    double *b = (double *)r + L;
    double m = -INFINITY;
    for (size_t j = 0; j < L; j++) {
        b[j] = st[j] + next[j];
        m = b[j] > m ? b[j] : m;
    }
    if (m == -INFINITY) {
        for (size_t i = 0; i < L; i++)
            out[i] = -INFINITY;
        return;
    }
    int fast = w->row_ok;
    for (size_t j = 0; j < L && fast; j++)
        fast = b[j] == -INFINITY || b[j] - m >= -LAT_RANGE;
    if (!fast) {
        for (size_t i = 0; i < L; i++)
            out[i] = lat_lse(L, tm + i * L, 1, b, 1);
        return;
    }
    for (size_t j = 0; j < L; j++)
        b[j] = exp(b[j] - m);
    for (size_t i = 0; i < L; i++) {
        const double *row = ER + i * L;
        double s = 0.0;
        for (size_t j = 0; j < L; j++)
            s += row[j] * b[j];
        out[i] = s > 0.0 ? m + r[i] + log(s) : -INFINITY;
    }
}

int lattice_run(struct lattice *w, size_t T, size_t L, const double *state, const double *tm,
                const unsigned char *start)
{
    if (T == 0 || L == 0 || lat_reserve(w, T, L))
        return -1;
    lat_cache(w, L, tm);
    w->T = T;
    w->L = L;
    double *la = w->la, *lb = w->lb;
    for (size_t j = 0; j < L; j++)
        la[j] = !start || start[j] ? state[j] : -INFINITY;
    for (size_t t = 1; t < T; t++)
        lat_forward_step(w, L, la + (t - 1) * L, state + t * L, tm, la + t * L);
    static const double zero = 0.0;
    w->logz = lat_lse(L, la + (T - 1) * L, 1, &zero, 0);
    for (size_t j = 0; j < L; j++)
        lb[(T - 1) * L + j] = 0.0;
    for (size_t t = T - 1; t > 0; t--)
        lat_backward_step(w, L, lb + t * L, state + t * L, tm, lb + (t - 1) * L);
    return 0;
}

void lattice_marginals(const struct lattice *w, double *out)
{
    size_t L = w->L;
    for (size_t t = 0; t < w->T; t++) {
        const double *a = w->la + t * L, *b = w->lb + t * L;
        double lz = lat_lse(L, a, 1, b, 1);
        for (size_t j = 0; j < L; j++)
            out[t * L + j] = lz == -INFINITY ? 0.0 : exp(a[j] + b[j] - lz);
    }
}

/* s(y) of y[0..T) in the order of crf_path_score; -inf when forbidden. */
static double lat_score(size_t T, size_t L, const double *state, const double *tm,
                        const unsigned char *start, const uint32_t *y)
{
    if (start && !start[y[0]])
        return -INFINITY;
    double s = state[y[0]];
    for (size_t t = 1; t < T; t++) {
        s += tm[(size_t)y[t - 1] * L + y[t]];
        s += state[t * L + y[t]];
    }
    return s;
}

double lattice_path_logprob(const struct lattice *w, const double *state, const double *tm,
                            const uint32_t *y)
{
    double s = lat_score(w->T, w->L, state, tm, NULL, y);
    /* a forbidden start shows in la[0] */
    if (w->la[y[0]] == -INFINITY || w->logz == -INFINITY)
        return -INFINITY;
    return s - w->logz;
}

double lattice_span_logprob(const struct lattice *w, const double *state, const double *tm,
                            size_t b, size_t e, const uint32_t *lab, uint32_t excl)
{
    size_t L = w->L;
    if (w->logz == -INFINITY)
        return -INFINITY;
    double s = w->la[b * L + lab[0]];
    for (size_t t = b + 1; t < e; t++) {
        s += tm[(size_t)lab[t - 1 - b] * L + lab[t - b]];
        s += state[t * L + lab[t - b]];
    }
    uint32_t last = lab[e - 1 - b];
    if (e == w->T || excl >= L)
        return s + w->lb[(e - 1) * L + last] - w->logz;
    double mx = -INFINITY, sum = 0.0;
    const double *row = tm + (size_t)last * L, *st = state + e * L, *nb = w->lb + e * L;
    for (size_t j = 0; j < L; j++)
        if (j != excl) {
            double x = row[j] + st[j] + nb[j];
            mx = x > mx ? x : mx;
        }
    if (mx == -INFINITY)
        return -INFINITY;
    for (size_t j = 0; j < L; j++)
        if (j != excl)
            sum += exp(row[j] + st[j] + nb[j] - mx);
    return s + mx + log(sum) - w->logz;
}

/* ---- n-best ---------------------------------------------------------- */

/* Node a comes off the heap before node b. */
static int nb_before(const struct lattice_node *nodes, size_t a, size_t b)
{
    const struct lattice_node *x = &nodes[a], *y = &nodes[b];
    if (x->f != y->f)
        return x->f > y->f;
    if (x->t != y->t)
        return x->t < y->t;
    return a < b;
}

static int nb_push(struct lattice *w, size_t *nh, size_t *nn, double f, double g, size_t parent,
                   uint32_t t, uint32_t label)
{
    if (UTIL_GROW(w->nodes, w->cap_nodes, *nn + 1) || UTIL_GROW(w->heap, w->cap_heap, *nh + 1))
        return -1;
    size_t id = (*nn)++;
    w->nodes[id] = (struct lattice_node){.f = f, .g = g, .parent = parent, .t = t, .label = label};
    size_t k = (*nh)++;
    while (k > 0) {
        size_t p = (k - 1) / 2;
        if (!nb_before(w->nodes, id, w->heap[p]))
            break;
        w->heap[k] = w->heap[p];
        k = p;
    }
    w->heap[k] = id;
    return 0;
}

static size_t nb_pop(struct lattice *w, size_t *nh)
{
    size_t top = w->heap[0], last = w->heap[--*nh], k = 0, n = *nh;
    for (;;) {
        size_t c = 2 * k + 1;
        if (c >= n)
            break;
        if (c + 1 < n && nb_before(w->nodes, w->heap[c + 1], w->heap[c]))
            c++;
        if (!nb_before(w->nodes, w->heap[c], last))
            break;
        w->heap[k] = w->heap[c];
        k = c;
    }
    if (n > 0)
        w->heap[k] = last;
    return top;
}

/* delta[T][L], the Viterbi prefix scores. */
static int nb_delta(struct lattice *w, size_t T, size_t L, const double *state, const double *tm,
                    const unsigned char *start)
{
    size_t tl;
    if (util_mul(T, L, &tl) || UTIL_GROW(w->delta, w->cap_delta, tl))
        return -1;
    double *d = w->delta;
    for (size_t j = 0; j < L; j++)
        d[j] = !start || start[j] ? state[j] : -INFINITY;
    for (size_t t = 1; t < T; t++) {
        const double *dp = d + (t - 1) * L;
        for (size_t j = 0; j < L; j++) {
            double m = -INFINITY;
            for (size_t i = 0; i < L; i++) {
                double x = dp[i] + tm[i * L + j];
                m = x > m ? x : m;
            }
            d[t * L + j] = m + state[t * L + j];
        }
    }
    return 0;
}

int lattice_nbest(struct lattice *w, size_t T, size_t L, const double *state, const double *tm,
                  const unsigned char *start, size_t k, uint32_t *out_ids, double *out_scores,
                  size_t *out_count)
{
    *out_count = 0;
    if (T == 0 || L == 0 || T > UINT32_MAX || L > UINT32_MAX || nb_delta(w, T, L, state, tm, start))
        return -1;
    size_t nh = 0, nn = 0, got = 0;
    const double *dl = w->delta + (T - 1) * L;
    for (size_t j = 0; j < L; j++)
        if (dl[j] != -INFINITY && nb_push(w, &nh, &nn, dl[j], 0.0, SIZE_MAX, (uint32_t)(T - 1),
                                          (uint32_t)j))
            return -1;
    while (got < k && nh > 0) {
        size_t id = nb_pop(w, &nh);
        struct lattice_node n = w->nodes[id];
        if (n.t == 0) {
            uint32_t *y = out_ids + got * T;
            for (size_t u = 0, x = id; u < T; u++, x = w->nodes[x].parent)
                y[u] = w->nodes[x].label;
            if (out_scores)
                out_scores[got] = lat_score(T, L, state, tm, start, y);
            got++;
            continue;
        }
        const double *dp = w->delta + (size_t)(n.t - 1) * L;
        double sj = state[(size_t)n.t * L + n.label];
        for (size_t i = 0; i < L; i++) {
            double x = tm[i * L + n.label];
            if (dp[i] == -INFINITY || x == -INFINITY)
                continue;
            double g = n.g + (x + sj);
            if (nb_push(w, &nh, &nn, dp[i] + g, g, id, n.t - 1, (uint32_t)i))
                return -1;
        }
    }
    *out_count = got;
    return 0;
}
