/*
 * decode.c - Viterbi decoding over [T][L] score arrays (pipeline layer).
 *
 * The hot loop of tagging.  A restriction (allowed[L][L], start[L]) is
 * applied by replacing forbidden scores with -inf once per call (a masked
 * copy of trans in the work object), so the O(T L^2) loop has no mask test:
 *   delta[0][j] = state[0][j]                   (-inf if start && !start[j])
 *   delta[t][j] = max_i (delta[t-1][i] + tm[i][j]) + state[t][j]
 * The max is a branch-free max-plus product with columns blocked in
 * registers.  No back pointers are stored: the backtrack recomputes
 *   y_{t-1} = lowest i with delta[t-1][i] + tm[i][y_t] maximal
 * with the same arithmetic (so it finds the exact max), O(L) per token.  The
 * final argmax also keeps the lowest label, so ties go to the lowest ids
 * (the best path smallest in reverse-lexicographic order).  When the best
 * final delta is -inf no allowed path exists and the unrestricted lattice
 * is decoded instead.
 */
#include "decode.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"
#ifdef __SSE2__
#include <emmintrin.h>
#endif

void decode_work_free(struct decode_work *w)
{
    if (!w)
        return;
    free(w->delta);
    free(w->tmask);
    memset(w, 0, sizeof(*w));
}

/* Capacity for need elements, doubling from cap; 0 on overflow. */
static size_t decode_newcap(size_t cap, size_t need)
{
    size_t n = cap ? cap : 64;
    while (n < need) {
        if (n > SIZE_MAX / 2)
            return 0;
        n *= 2;
    }
    return n;
}

static int decode_reserve(struct decode_work *w, size_t tl, size_t ll)
{
    if (tl > w->cap) {
        size_t n = decode_newcap(w->cap, tl);
        if (!n)
            return -1;
        double *d = util_realloc(w->delta, n, sizeof(double));
        if (!d)
            return -1;
        w->delta = d;
        w->cap = n;
    }
    if (ll > w->cap_ll) {
        size_t n = decode_newcap(w->cap_ll, ll);
        if (!n)
            return -1;
        double *m = util_realloc(w->tmask, n, sizeof(double));
        if (!m)
            return -1;
        w->tmask = m;
        w->cap_ll = n;
    }
    return 0;
}

/* out[j] = max_i (v[i] + M[i * L + j]) for j < L (max-plus vector-matrix
 * product; decode_maxplus and decode_maxplus_avx then add st[j]).  Blocks
 * of columns are kept in registers; the max is branch free (no argmax
 * here: back pointers are recomputed on the best path).
 * Every column takes x > s ? x : s over i = 0, 1, ... in order, whether
 * scalar or packed (MAXPD returns its second operand unless the first is
 * greater), so the result does not depend on the path taken. */
#ifdef __SSE2__
/* Columns j .. j + 2W - 1 of the product, W = 4, 2 or 1 packed pairs. */
static inline void maxplus_cols(size_t L, const double *restrict v, const double *restrict M,
                                double *restrict out, size_t j, int w)
{
    const double *m = M + j;
    __m128d a = _mm_set1_pd(v[0]);
    __m128d s0 = _mm_add_pd(a, _mm_loadu_pd(m));
    __m128d s1 = w > 1 ? _mm_add_pd(a, _mm_loadu_pd(m + 2)) : s0;
    __m128d s2 = w > 2 ? _mm_add_pd(a, _mm_loadu_pd(m + 4)) : s0;
    __m128d s3 = w > 2 ? _mm_add_pd(a, _mm_loadu_pd(m + 6)) : s0;
    for (size_t i = 1; i < L; i++) {
        m += L;
        a = _mm_set1_pd(v[i]);
        s0 = _mm_max_pd(_mm_add_pd(a, _mm_loadu_pd(m)), s0);
        if (w > 1)
            s1 = _mm_max_pd(_mm_add_pd(a, _mm_loadu_pd(m + 2)), s1);
        if (w > 2) {
            s2 = _mm_max_pd(_mm_add_pd(a, _mm_loadu_pd(m + 4)), s2);
            s3 = _mm_max_pd(_mm_add_pd(a, _mm_loadu_pd(m + 6)), s3);
        }
    }
    _mm_storeu_pd(out + j, s0);
    if (w > 1)
        _mm_storeu_pd(out + j + 2, s1);
    if (w > 2) {
        _mm_storeu_pd(out + j + 4, s2);
        _mm_storeu_pd(out + j + 6, s3);
    }
}
#endif

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define DECODE_AVX 1
#include <immintrin.h>

/* Columns j .. j + 4W - 1 in AVX quadruples, W = 4, 2 or 1. */
__attribute__((target("avx"))) static inline void
maxplus_cols_avx(size_t L, const double *restrict v, const double *restrict M,
                 double *restrict out, size_t j, int w)
{
    const double *m = M + j;
    __m256d a = _mm256_set1_pd(v[0]);
    __m256d s0 = _mm256_add_pd(a, _mm256_loadu_pd(m));
    __m256d s1 = w > 1 ? _mm256_add_pd(a, _mm256_loadu_pd(m + 4)) : s0;
    __m256d s2 = w > 2 ? _mm256_add_pd(a, _mm256_loadu_pd(m + 8)) : s0;
    __m256d s3 = w > 2 ? _mm256_add_pd(a, _mm256_loadu_pd(m + 12)) : s0;
    for (size_t i = 1; i < L; i++) {
        m += L;
        a = _mm256_set1_pd(v[i]);
        s0 = _mm256_max_pd(_mm256_add_pd(a, _mm256_loadu_pd(m)), s0);
        if (w > 1)
            s1 = _mm256_max_pd(_mm256_add_pd(a, _mm256_loadu_pd(m + 4)), s1);
        if (w > 2) {
            s2 = _mm256_max_pd(_mm256_add_pd(a, _mm256_loadu_pd(m + 8)), s2);
            s3 = _mm256_max_pd(_mm256_add_pd(a, _mm256_loadu_pd(m + 12)), s3);
        }
    }
    _mm256_storeu_pd(out + j, s0);
    if (w > 1)
        _mm256_storeu_pd(out + j + 4, s1);
    if (w > 2) {
        _mm256_storeu_pd(out + j + 8, s2);
        _mm256_storeu_pd(out + j + 12, s3);
    }
}

/* All L <= 4 NV columns in one pass over the rows, in NV quadruples, the
 * last one loaded through the lane mask tail (the L - 4 (NV - 1) columns
 * it has; the lanes beyond read 0 and are not stored).  Each column takes
 * the same maxima in the same order as maxplus_cols_avx. */
__attribute__((target("avx"), always_inline)) static inline void
maxplus_all_avx(size_t L, const double *restrict v, const double *restrict M,
                const double *restrict st, double *restrict out, const int NV, __m256i tail)
{
    /* quadruple k of row m: loaded whole (k < NV - 1) or through the mask */
#define MP_LOAD(m, k) (k < NV - 1 ? _mm256_loadu_pd((m) + 4 * k) \
                                  : _mm256_maskload_pd((m) + 4 * k, tail))
    __m256d a = _mm256_set1_pd(v[0]), z = _mm256_setzero_pd();
    __m256d s0 = _mm256_add_pd(a, MP_LOAD(M, 0));
    __m256d s1 = NV > 1 ? _mm256_add_pd(a, MP_LOAD(M, 1)) : z;
    __m256d s2 = NV > 2 ? _mm256_add_pd(a, MP_LOAD(M, 2)) : z;
    __m256d s3 = NV > 3 ? _mm256_add_pd(a, MP_LOAD(M, 3)) : z;
    __m256d s4 = NV > 4 ? _mm256_add_pd(a, MP_LOAD(M, 4)) : z;
    __m256d s5 = NV > 5 ? _mm256_add_pd(a, MP_LOAD(M, 5)) : z;
    __m256d s6 = NV > 6 ? _mm256_add_pd(a, MP_LOAD(M, 6)) : z;
    __m256d s7 = NV > 7 ? _mm256_add_pd(a, MP_LOAD(M, 7)) : z;
    const double *m = M;
    for (size_t i = 1; i < L; i++) {
        m += L;
        a = _mm256_set1_pd(v[i]);
        s0 = _mm256_max_pd(_mm256_add_pd(a, MP_LOAD(m, 0)), s0);
        if (NV > 1)
            s1 = _mm256_max_pd(_mm256_add_pd(a, MP_LOAD(m, 1)), s1);
        if (NV > 2)
            s2 = _mm256_max_pd(_mm256_add_pd(a, MP_LOAD(m, 2)), s2);
        if (NV > 3)
            s3 = _mm256_max_pd(_mm256_add_pd(a, MP_LOAD(m, 3)), s3);
        if (NV > 4)
            s4 = _mm256_max_pd(_mm256_add_pd(a, MP_LOAD(m, 4)), s4);
        if (NV > 5)
            s5 = _mm256_max_pd(_mm256_add_pd(a, MP_LOAD(m, 5)), s5);
        if (NV > 6)
            s6 = _mm256_max_pd(_mm256_add_pd(a, MP_LOAD(m, 6)), s6);
        if (NV > 7)
            s7 = _mm256_max_pd(_mm256_add_pd(a, MP_LOAD(m, 7)), s7);
    }
    /* plus the state scores (the same double sums as added afterwards) */
    s0 = _mm256_add_pd(s0, MP_LOAD(st, 0));
    if (NV > 1)
        s1 = _mm256_add_pd(s1, MP_LOAD(st, 1));
    if (NV > 2)
        s2 = _mm256_add_pd(s2, MP_LOAD(st, 2));
    if (NV > 3)
        s3 = _mm256_add_pd(s3, MP_LOAD(st, 3));
    if (NV > 4)
        s4 = _mm256_add_pd(s4, MP_LOAD(st, 4));
    if (NV > 5)
        s5 = _mm256_add_pd(s5, MP_LOAD(st, 5));
    if (NV > 6)
        s6 = _mm256_add_pd(s6, MP_LOAD(st, 6));
    if (NV > 7)
        s7 = _mm256_add_pd(s7, MP_LOAD(st, 7));
#undef MP_LOAD
    /* quadruple k stored whole, or the L - 4 k columns of the last one */
    double last[4];
#define MP_STORE(k, sk)                                          \
    do {                                                         \
        if (k < NV - 1) {                                        \
            _mm256_storeu_pd(out + 4 * k, sk);                   \
        } else if (k == NV - 1) {                                \
            _mm256_storeu_pd(last, sk);                          \
            for (size_t j = 4 * (size_t)k; j < L; j++)           \
                out[j] = last[j - 4 * (size_t)k];                \
        }                                                        \
    } while (0)
    MP_STORE(0, s0);
    MP_STORE(1, s1);
    MP_STORE(2, s2);
    MP_STORE(3, s3);
    MP_STORE(4, s4);
    MP_STORE(5, s5);
    MP_STORE(6, s6);
    MP_STORE(7, s7);
#undef MP_STORE
}

/* decode_maxplus with AVX (the same maxima: VMAXPD is MAXPD four wide). */
__attribute__((target("avx"))) static void decode_maxplus_avx(size_t L, const double *restrict v,
                                                               const double *restrict M,
                                                               const double *restrict st,
                                                               double *restrict out)
{
    if (L <= 32) {
        /* one pass: the broadcasts and the loop shared by all columns */
        int nv = (int)((L + 3) / 4), r = (int)L - 4 * (nv - 1);
        __m256i tail = _mm256_set_epi64x(r > 3 ? -1 : 0, r > 2 ? -1 : 0, r > 1 ? -1 : 0, -1);
        switch (nv) {
        case 1: maxplus_all_avx(L, v, M, st, out, 1, tail); return;
        case 2: maxplus_all_avx(L, v, M, st, out, 2, tail); return;
        case 3: maxplus_all_avx(L, v, M, st, out, 3, tail); return;
        case 4: maxplus_all_avx(L, v, M, st, out, 4, tail); return;
        case 5: maxplus_all_avx(L, v, M, st, out, 5, tail); return;
        case 6: maxplus_all_avx(L, v, M, st, out, 6, tail); return;
        case 7: maxplus_all_avx(L, v, M, st, out, 7, tail); return;
        default: maxplus_all_avx(L, v, M, st, out, 8, tail); return;
        }
    }
    size_t j = 0;
    for (; j + 16 <= L; j += 16)
        maxplus_cols_avx(L, v, M, out, j, 4);
    if (j + 8 <= L) {
        maxplus_cols_avx(L, v, M, out, j, 2);
        j += 8;
    }
    if (j + 4 <= L) {
        maxplus_cols_avx(L, v, M, out, j, 1);
        j += 4;
    }
    if (j + 2 <= L) {
        maxplus_cols(L, v, M, out, j, 1);
        j += 2;
    }
    for (; j < L; j++) {
        double s0 = v[0] + M[j];
        for (size_t i = 1; i < L; i++) {
            double x = v[i] + M[i * L + j];
            s0 = x > s0 ? x : s0;
        }
        out[j] = s0;
    }
    for (j = 0; j < L; j++)
        out[j] += st[j];
}
#endif

static void decode_maxplus(size_t L, const double *restrict v, const double *restrict M,
                           const double *restrict st, double *restrict out)
{
    size_t j = 0;
#ifdef __SSE2__
    for (; j + 8 <= L; j += 8)
        maxplus_cols(L, v, M, out, j, 4);
    if (j + 4 <= L) {
        maxplus_cols(L, v, M, out, j, 2);
        j += 4;
    }
    if (j + 2 <= L) {
        maxplus_cols(L, v, M, out, j, 1);
        j += 2;
    }
#else
    for (; j + 8 <= L; j += 8) {
        const double *m = M + j;
        double s0 = v[0] + m[0], s1 = v[0] + m[1], s2 = v[0] + m[2], s3 = v[0] + m[3];
        double s4 = v[0] + m[4], s5 = v[0] + m[5], s6 = v[0] + m[6], s7 = v[0] + m[7];
        for (size_t i = 1; i < L; i++) {
            m += L;
            const double a = v[i];
            double x0 = a + m[0], x1 = a + m[1], x2 = a + m[2], x3 = a + m[3];
            double x4 = a + m[4], x5 = a + m[5], x6 = a + m[6], x7 = a + m[7];
            s0 = x0 > s0 ? x0 : s0;
            s1 = x1 > s1 ? x1 : s1;
            s2 = x2 > s2 ? x2 : s2;
            s3 = x3 > s3 ? x3 : s3;
            s4 = x4 > s4 ? x4 : s4;
            s5 = x5 > s5 ? x5 : s5;
            s6 = x6 > s6 ? x6 : s6;
            s7 = x7 > s7 ? x7 : s7;
        }
        out[j] = s0;
        out[j + 1] = s1;
        out[j + 2] = s2;
        out[j + 3] = s3;
        out[j + 4] = s4;
        out[j + 5] = s5;
        out[j + 6] = s6;
        out[j + 7] = s7;
    }
#endif
    for (; j < L; j++) {
        double s0 = v[0] + M[j];
        for (size_t i = 1; i < L; i++) {
            double x = v[i] + M[i * L + j];
            s0 = x > s0 ? x : s0;
        }
        out[j] = s0;
    }
    for (j = 0; j < L; j++)
        out[j] += st[j];
}

/* Fills delta with tm as transition scores and start as the start mask (may
 * be NULL); returns the argmax of delta[T-1] (lowest on ties). */
static uint32_t decode_run(size_t T, size_t L, const double *state, const double *tm,
                           const unsigned char *start, struct decode_work *w)
{
    double *delta = w->delta;
    void (*maxplus)(size_t, const double *restrict, const double *restrict,
                    const double *restrict, double *restrict) = decode_maxplus;
#ifdef DECODE_AVX
    if (L >= 4 && __builtin_cpu_supports("avx"))
        maxplus = decode_maxplus_avx;
#endif
    for (size_t j = 0; j < L; j++)
        delta[j] = (!start || start[j]) ? state[j] : -INFINITY;
    for (size_t t = 1; t < T; t++) {
        double *dt = delta + t * L;
        const double *st = state + t * L;
        maxplus(L, dt - L, tm, st, dt);
    }
    const double *dl = delta + (T - 1) * L;
    uint32_t best = 0;
    for (size_t j = 1; j < L; j++)
        if (dl[j] > dl[best])
            best = (uint32_t)j;
    return best;
}

/* Backtrack: y_{t-1} = the lowest i with delta[t-1][i] + tm[i][y_t] equal
 * to the max, recomputed with the same arithmetic as decode_maxplus. */
static void decode_backtrack(size_t T, size_t L, const double *tm, uint32_t best,
                             const struct decode_work *w, uint32_t *y)
{
    y[T - 1] = best;
    for (size_t t = T - 1; t > 0; t--) {
        const double *dp = w->delta + (t - 1) * L, *col = tm + y[t];
        uint32_t arg = 0;
        double m = dp[0] + col[0];
        for (size_t i = 1; i < L; i++) {
            double x = dp[i] + col[i * L];
            if (x > m) {
                m = x;
                arg = (uint32_t)i;
            }
        }
        y[t - 1] = arg;
    }
}

static int decode_masked(size_t T, size_t L, const double *state, const double *trans,
                         const double *tmask, const unsigned char *start, uint32_t *y,
                         double *score, struct decode_work *w)
{
    const double *tm = tmask ? tmask : trans;
    uint32_t best = decode_run(T, L, state, tm, start, w);
    double s = w->delta[(T - 1) * L + best];
    if ((tmask || start) && isinf(s) && s < 0) {
        /* No allowed path: decode the unrestricted lattice. */
        tm = trans;
        best = decode_run(T, L, state, tm, NULL, w);
        s = w->delta[(T - 1) * L + best];
    }
    decode_backtrack(T, L, tm, best, w, y);
    if (score)
        *score = s;
    return 0;
}

/* T, L and the work arrays checked and reserved (tmask too when allowed);
 * 0 or -1.  *done set when T == 0 (score 0). */
static int decode_begin(size_t T, size_t L, int mask, double *score, struct decode_work *w,
                        int *done)
{
    *done = 0;
    if (T == 0) {
        if (score)
            *score = 0.0;
        *done = 1;
        return 0;
    }
    size_t tl, ll;
    if (L == 0 || L > UINT32_MAX || util_mul(T, L, &tl) || util_mul(L, L, &ll))
        return -1;
    return decode_reserve(w, tl, mask ? ll : 0);
}

int decode_viterbi(size_t T, size_t L, const double *state, const double *trans,
                   const unsigned char *allowed, const unsigned char *start,
                   uint32_t *y, double *score, struct decode_work *w)
{
    int done;
    if (decode_begin(T, L, allowed != NULL, score, w, &done))
        return -1;
    if (done)
        return 0;
    const double *tm = NULL;
    if (allowed) {
        double *m = w->tmask;
        for (size_t k = 0; k < L * L; k++)
            m[k] = allowed[k] ? trans[k] : -INFINITY;
        tm = m;
    }
    return decode_masked(T, L, state, trans, tm, start, y, score, w);
}

int decode_viterbi_tm(size_t T, size_t L, const double *state, const double *trans,
                      const double *tmask, const unsigned char *start, uint32_t *y,
                      double *score, struct decode_work *w)
{
    int done;
    if (decode_begin(T, L, 0, score, w, &done))
        return -1;
    if (done)
        return 0;
    return decode_masked(T, L, state, trans, tmask, start, y, score, w);
}
