/*
 * crf.h - linear-chain CRF arithmetic on dense score arrays (core layer).
 *
 * Inputs are log-potentials: state[t * L + y] for label y at token t, and
 * trans[i * L + j] for label j following label i.  A path y has score
 *   s(y) = sum_t state[t][y_t] + sum_{t>0} trans[y_{t-1}][y_t]
 * and probability exp(s(y) - logZ).
 *
 * Forward-backward runs in scaled probability space (double):
 *   alpha[0][j] = exp(state[0][j] - m_0) / C_0
 *   alpha[t][j] = sum_i alpha[t-1][i] exp(trans[i][j]) exp(state[t][j] - m_t) / C_t
 *   beta[T-1][i] = 1
 *   beta[t][i]  = sum_j exp(trans[i][j]) exp(state[t+1][j] - m_{t+1}) beta[t+1][j] / C_{t+1}
 *   logZ = sum_t (log C_t + m_t)
 * with m_t = max_j state[t][j] and C_t the sum that normalizes alpha[t].
 */
#ifndef CRFTAG_CRF_H
#define CRFTAG_CRF_H

#include <stddef.h>
#include <stdint.h>

/* Reusable buffers; zero-initialize, free with crf_work_free.  Grown on
 * demand, never shrunk, so a warm work object allocates nothing.
 *   alpha, beta, expstate: [T][L]; scale: [T] (C_t);
 *   exptrans: [3][L][L] + [2][L]: exp(trans[i][j] - c_j) with c_j the column
 *   max of trans (c_j is folded into state[t][j] for t > 0, so m_t is the max
 *   of state[t][j] + c_j), its transpose, a copy of the trans it was computed
 *   from, c, and a scratch row.  It is reused while trans is bitwise unchanged
 *   (cache_l != 0).  Not shared between threads. */
struct crf_work {
    double *alpha, *beta, *expstate, *scale, *exptrans;
    size_t cap_tl, cap_t, cap_ll;
    size_t cache_l;          /* L of the cached exptrans, 0 = none */
    double tspread;          /* max_{i,j} (c_j - trans[i][j]) of the cache */
};

void crf_work_free(struct crf_work *w);

/* out[j] = sum_{k < n} v[k * vs] M[k * L + j] for j < L (M has rows of L):
 * the vector-matrix product of forward-backward.  crf_vecmat_plain is
 * portable C; crf_vecmat_pick(L) returns the fastest version the CPU runs
 * (AVX on x86-64 when it has it), which gives the same results to the bit:
 * each column is summed in the same order, without fused multiply-adds. */
typedef void crf_vecmat_fn(size_t n, size_t L, const double *restrict v, size_t vs,
                           const double *restrict M, double *restrict out);
crf_vecmat_fn crf_vecmat_plain;
crf_vecmat_fn *crf_vecmat_pick(size_t L);

/* x[j] = exp(x[j]) for j < n, the exp of forward-backward: within 1 ulp of
 * libm's exp for x <= 709 (0 below the underflow point,
 * denormals in between), exactly 1 at 0, NaN for NaN.  crf_vexp_plain is the
 * portable version, crf_vexp_pick() returns the one forward-backward runs
 * (AVX2, else AVX, on x86-64 when the CPU has it); all give the same bits. */
typedef void crf_vexp_fn(size_t n, double *x);
crf_vexp_fn crf_vexp_plain;
crf_vexp_fn *crf_vexp_pick(void);
/* Version k of crf_vexp: 0 the portable one, 1 for AVX, 2 for AVX2 (the
 * one crf_vexp_pick prefers), NULL when the CPU or the compiler lacks it. */
crf_vexp_fn *crf_vexp_version(int k);

/* Computes logZ and, when not NULL, the marginals:
 *   mstate[t * L + y] = P(y_t = y)                               [T][L]
 *   mtrans[i * L + j] += sum_{t>0} P(y_{t-1} = i, y_t = j)        [L][L]
 * (mtrans is ADDED to, so a caller can accumulate expected counts.)
 * Returns 0 and sets *logz, or -1 when out of memory.  T may be 0 (logZ 0).
 * Scores must be finite; L >= 1 when T > 0.  When a column of trans spans
 * more than 500 (weights of magnitude ~1000) the sentence is computed in log
 * space instead (slower, same results); huge state scores need no fallback. */
int crf_forward_backward(size_t T, size_t L, const double *state, const double *trans,
                         double *logz, double *mstate, double *mtrans, struct crf_work *w);

/* Version k of crf_forward_backward, as crf_vexp_version numbers them
 * (crf_forward_backward runs the highest the CPU has); NULL when the CPU or
 * the compiler lacks it.  All give the same bits. */
typedef int crf_fb_fn(size_t T, size_t L, const double *state, const double *trans,
                      double *logz, double *mstate, double *mtrans, struct crf_work *w);
crf_fb_fn *crf_fb_version(int k);

/* Score s(y) of a path y[0..T). */
double crf_path_score(size_t T, size_t L, const double *state, const double *trans,
                      const uint32_t *y);

#endif
