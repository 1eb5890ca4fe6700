/*
 * lattice.h - probabilities over the decoding lattice: forward-backward with
 * forbidden transitions and starts, path and span probabilities, n-best
 * paths (core layer).
 *
 * The lattice is the one Viterbi decodes: state[T][L] (with any label bias
 * already added), tm[L][L] the transitions with -inf where a transition is
 * forbidden (the BIO mask), start[L] the labels that may begin a sentence
 * (NULL: all).  A path y has score
 *   s(y) = state[0][y_0] + sum_{t>0} (tm[y_{t-1}][y_t] + state[t][y_t])
 * (-inf when it uses a forbidden transition or start) and probability
 * P(y) = exp(s(y) - logZ), logZ = log sum_y exp s(y) over the allowed paths.
 *
 * Forward-backward is kept in log space, la[t][j] = log alpha and
 * lb[t][j] = log beta:
 *   la[0][j]   = state[0][j]                         (-inf if !start[j])
 *   la[t][j]   = state[t][j] + lse_i (la[t-1][i] + tm[i][j])
 *   lb[T-1][j] = 0
 *   lb[t-1][i] = lse_j (tm[i][j] + state[t][j] + lb[t][j])
 * Each step is computed as a scaled vector-matrix product (one exp per label,
 * then L^2 multiply-adds with exp(tm - column max) cached per tm) when the
 * finite entries of the incoming vector lie within LAT_RANGE of their max
 * and the allowed transitions of each column (row) within LAT_RANGE of each
 * other, so no term underflows; otherwise that step is computed with an
 * exact log-sum-exp per entry (L^2 exp).  -inf entries (forbidden) stay
 * exactly -inf, and no step ever overflows.
 */
#ifndef CRFTAG_LATTICE_H
#define CRFTAG_LATTICE_H

#include <stddef.h>
#include <stdint.h>

/* One node of the n-best search: labels y_t..y_{T-1} fixed (y_t = label,
 * the rest through parent), g = their score past token t (transitions from
 * y_t on, states after t), f = delta[t][y_t] + g. */
struct lattice_node {
    double f, g;
    size_t parent;           /* SIZE_MAX at t = T - 1 */
    uint32_t t, label;
};

/* Reusable buffers; zero-initialize, free with lattice_free.  Grown on
 * demand, never shrunk.  Not shared between threads.  After a successful
 * lattice_run, T, L, logz, la and lb describe that lattice. */
struct lattice {
    size_t T, L;
    double logz;             /* -inf when no path is allowed */
    double *la, *lb;         /* [T][L] each, in ab */
    double *ab;
    size_t cap_ab;
    double *cache;           /* [3][L][L] + [3][L]: E, ER, copy of tm, c, r, scratch */
    size_t cap_cache, cache_l;
    int col_ok, row_ok;      /* the spreads of E / ER allow the scaled step */
    double *delta;           /* [T][L] n-best: best prefix scores */
    size_t cap_delta;
    struct lattice_node *nodes;
    size_t cap_nodes;
    size_t *heap;
    size_t cap_heap;
};

void lattice_free(struct lattice *w);

/* Forward-backward over the lattice (T >= 1, L >= 1; state finite, tm finite
 * or -inf).  Sets w->T, w->L, w->logz, w->la, w->lb.  Returns 0, or -1 when
 * out of memory. */
int lattice_run(struct lattice *w, size_t T, size_t L, const double *state, const double *tm,
                const unsigned char *start);

/* Marginals out[t][j] = P(y_t = j) of the last lattice_run (each row
 * normalized by its own sum, so it sums to 1 up to rounding; all 0 when no
 * path is allowed). */
void lattice_marginals(const struct lattice *w, double *out);

/* log P(y) of the path y[0..T) of the last lattice_run (state and tm as
 * given to it); -inf for a forbidden path. */
double lattice_path_logprob(const struct lattice *w, const double *state, const double *tm,
                            const uint32_t *y);

/* log P(y_b..y_{e-1} = lab[0..e-b), y_e != excl) for tokens b..e-1 (b < e <=
 * T) of the last lattice_run: the labels of the span fixed, the labels
 * before it free, and the label after it (if e < T) anything but excl
 * (excl >= L: anything). */
double lattice_span_logprob(const struct lattice *w, const double *state, const double *tm,
                            size_t b, size_t e, const uint32_t *lab, uint32_t excl);

/* The k best allowed paths of the lattice (T >= 1, L >= 1), best first, into
 * out_ids[k][T], their scores s(y) into out_scores[k] (may be NULL), their
 * number (< k when fewer paths are allowed) into *out_count.  Exact A* from
 * the last token back, with the Viterbi prefix scores as the (exact)
 * heuristic; among equal scores the search goes depth first.  Returns 0, or
 * -1 when out of memory. */
int lattice_nbest(struct lattice *w, size_t T, size_t L, const double *state, const double *tm,
                  const unsigned char *start, size_t k, uint32_t *out_ids, double *out_scores,
                  size_t *out_count);

#endif
