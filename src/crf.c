/*
 * crf.c - scaled forward-backward and path scores of a linear-chain CRF
 * (core layer).
 *
 * This is the hot loop of training: it runs for every sentence at every
 * L-BFGS iteration.  Per call it takes T L exponentials, four to a vector
 * operation (v_exp: a polynomial, within 1 ulp of libm's exp, the same bits
 * in the plain, AVX and AVX2 copies), plus L^2 calls to libm's exp when trans
 * changed since the previous call on the same work object (exptrans is a
 * cache keyed on the bytes of trans) and T calls to log(); the O(T L^2)
 * work is three vector-matrix products (crf_vecmat_*) over contiguous rows
 * with no log/exp, four columns to an AVX instruction where the CPU has it
 * (the last quadruple of a row masked, so that L = 22 takes 6 of them, no
 * scalar tail).
 * Warm work buffers mean no allocation.
 *
 * Scaling (see crf.h): with c_j = max_i trans[i][j] and
 *   E[i][j]  = exp(trans[i][j] - c_j)                       (<= 1)
 *   x_0[j]   = exp(state[0][j] - m_0),  m_0 = max_j state[0][j]
 *   x_t[j]   = exp(state[t][j] + c_j - m_t),  m_t = max_j (state[t][j] + c_j)
 *   alpha[t][j]  = x_t[j] sum_i alpha[t-1][i] E[i][j] / C_t  (sums to 1)
 *   g_t[j]       = x_t[j] beta[t][j] / C_t                (kept in expstate)
 *   beta[t-1][i] = sum_j E[i][j] g_t[j]
 *   P(y_t = j)   = alpha[t][j] beta[t][j]
 *   P(y_{t-1} = i, y_t = j) = alpha[t-1][i] E[i][j] g_t[j]
 *   logZ = sum_t (log C_t + m_t)
 * Every factor is <= 1 and each token has one factor equal to 1.  The fast
 * path needs only the spread of each column of trans to be at most
 * K = CRF_MAX_SPREAD = 500 (E[i][j] >= e^-K).  Since max_i alpha[t-1][i] >=
 * 1/L, in_j = sum_i alpha[t-1][i] E[i][j] >= e^-K / L, hence
 *   C_t >= e^-K / L,  g_t[j] = P(y_t = j) / in_j <= L e^K,  beta <= L^2 e^K:
 * nothing overflows, and an alpha entry that underflows (huge state spreads,
 * e.g. scores ~1000) weighs at most ~1e-308 against an in_j >= e^-K / L, so
 * the relative error it causes stays below 1e-90, even if that label would
 * gain a lot later (it is reachable from the kept labels at a cost <= e^K).
 * With a wider transition spread a label lost at t = 0 may be the only way
 * to a path e^1000 more likely, so the sentence is computed in log space
 * (crf_fb_log) instead: same results, several times slower; trained weights
 * never get there.  As a last guard, marginals that do not sum to 1 (to
 * 1e-6) also send it there.
 */
#include "crf.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/* Largest max_i trans[i][j] - min_i trans[i][j] the scaled path accepts. */
#define CRF_MAX_SPREAD 500.0
/* Tolerance on sum_j P(y_t = j) = 1 before falling back to log space. */
#define CRF_SUM_TOL 1e-6

void crf_work_free(struct crf_work *w)
{
    if (!w)
        return;
    free(w->alpha);
    free(w->beta);
    free(w->expstate);
    free(w->scale);
    free(w->exptrans);
    memset(w, 0, sizeof(*w));
}

/* Grows *p to at least need doubles (doubling from cap); *p unchanged on
 * failure.  The caller updates its capacity once every buffer succeeded. */
static int crf_grow(double **p, size_t cap, size_t need, size_t *ncap)
{
    size_t n = cap ? cap : 64;
    while (n < need) {
        if (n > SIZE_MAX / 2)
            return -1;
        n *= 2;
    }
    double *np = util_realloc(*p, n, sizeof(double));
    if (!np)
        return -1;
    *p = np;
    *ncap = n;
    return 0;
}

/* Makes room for T tokens and L labels; -1 on overflow or OOM. */
static int crf_reserve(struct crf_work *w, size_t T, size_t L)
{
    size_t tl, ll;
    if (util_mul(T, L, &tl) || util_mul(L, L, &ll) || ll > SIZE_MAX / 8)
        return -1;
    size_t nx = 3 * ll + 2 * L;          /* exptrans; L <= L^2 as L >= 1 */
    if (tl > w->cap_tl) {
        size_t c1, c2, c3;
        if (crf_grow(&w->alpha, w->cap_tl, tl, &c1) ||
            crf_grow(&w->beta, w->cap_tl, tl, &c2) ||
            crf_grow(&w->expstate, w->cap_tl, tl, &c3))
            return -1;
        w->cap_tl = c1 < c2 ? (c1 < c3 ? c1 : c3) : (c2 < c3 ? c2 : c3);
    }
    if (T > w->cap_t && crf_grow(&w->scale, w->cap_t, T, &w->cap_t))
        return -1;
    if (nx > w->cap_ll) {
        w->cache_l = 0;
        if (crf_grow(&w->exptrans, w->cap_ll, nx, &w->cap_ll))
            return -1;
    }
    return 0;
}

/* Fills E, its transpose and c from trans unless the cached copy matches. */
static void crf_exptrans(size_t L, const double *trans, struct crf_work *w)
{
    size_t ll = L * L;
    double *E = w->exptrans, *ET = E + ll, *copy = E + 2 * ll, *c = E + 3 * ll;
    if (w->cache_l == L && memcmp(copy, trans, ll * sizeof(double)) == 0)
        return;
    for (size_t j = 0; j < L; j++)
        c[j] = trans[j];
    for (size_t i = 1; i < L; i++) {
        const double *row = trans + i * L;
        for (size_t j = 0; j < L; j++)
            c[j] = row[j] > c[j] ? row[j] : c[j];
    }
    double spread = 0.0;
    for (size_t i = 0; i < L; i++) {
        for (size_t j = 0; j < L; j++) {
            double d = trans[i * L + j] - c[j];
            double e = exp(d);
            spread = -d > spread ? -d : spread;
            E[i * L + j] = e;
            ET[j * L + i] = e;
        }
    }
    memcpy(copy, trans, ll * sizeof(double));
    w->tspread = spread;
    w->cache_l = L;
}

/* out[j] = sum_{k < n} v[k * vs] M[k * L + j] for j < L: a vector-matrix
 * product over the rows of M.  Blocks of 8 (then 4) columns are summed in
 * registers: no stores in the loop, one load of v per 8 multiply-adds, and
 * independent accumulators (about 1.7x faster than an axpy at -O2). */
void crf_vecmat_plain(size_t n, size_t L, const double *restrict v, size_t vs,
                      const double *restrict M, double *restrict out)
{
    size_t j = 0;
    for (; j + 8 <= L; j += 8) {
        double s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0;
        double s4 = 0.0, s5 = 0.0, s6 = 0.0, s7 = 0.0;
        const double *m = M + j;
        for (size_t k = 0; k < n; k++, m += L) {
            const double a = v[k * vs];
            s0 += a * m[0];
            s1 += a * m[1];
            s2 += a * m[2];
            s3 += a * m[3];
            s4 += a * m[4];
            s5 += a * m[5];
            s6 += a * m[6];
            s7 += a * m[7];
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
    for (; j + 4 <= L; j += 4) {
        double s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0;
        const double *m = M + j;
        for (size_t k = 0; k < n; k++, m += L) {
            const double a = v[k * vs];
            s0 += a * m[0];
            s1 += a * m[1];
            s2 += a * m[2];
            s3 += a * m[3];
        }
        out[j] = s0;
        out[j + 1] = s1;
        out[j + 2] = s2;
        out[j + 3] = s3;
    }
    for (; j < L; j++) {
        double s0 = 0.0;
        for (size_t k = 0; k < n; k++)
            s0 += v[k * vs] * M[k * L + j];
        out[j] = s0;
    }
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>

/* Columns j .. j + 4W - 1 of crf_vecmat in AVX quadruples, W = 1 to 12
 * (twelve accumulators, a broadcast, a loaded quadruple and the mask fit
 * the 16 registers), the last quadruple cut to its first r columns (r = 1
 * to 4; masked loads read nothing past them, so nothing past the matrix).
 * Each column's sum is taken in the order of crf_vecmat_plain, with a
 * multiply then an add (no fused multiply-add), so the results are the
 * same to the bit. */
__attribute__((target("avx"), always_inline)) static inline void
vecmat_cols_avx(size_t n, size_t L, const double *restrict v, size_t vs,
                const double *restrict M, double *restrict out, size_t j, const int W,
                int r)
{
    const __m256i mask = _mm256_setr_epi64x(-1, r > 1 ? -1 : 0, r > 2 ? -1 : 0,
                                            r > 3 ? -1 : 0);
    const __m256d z = _mm256_setzero_pd();
    __m256d s0 = z, s1 = z, s2 = z, s3 = z, s4 = z, s5 = z;
    __m256d s6 = z, s7 = z, s8 = z, s9 = z, s10 = z, s11 = z;
    const double *m = M + j;
#define VM_LOAD(q) ((q) == W - 1 ? _mm256_maskload_pd(m + 4 * (q), mask) \
                                 : _mm256_loadu_pd(m + 4 * (q)))
#define VM_STEP(q, s) \
    if (W > (q))      \
        s = _mm256_add_pd(s, _mm256_mul_pd(a, VM_LOAD(q)))
    for (size_t k = 0; k < n; k++, m += L) {
        const __m256d a = _mm256_broadcast_sd(v + k * vs);
        VM_STEP(0, s0);
        VM_STEP(1, s1);
        VM_STEP(2, s2);
        VM_STEP(3, s3);
        VM_STEP(4, s4);
        VM_STEP(5, s5);
        VM_STEP(6, s6);
        VM_STEP(7, s7);
        VM_STEP(8, s8);
        VM_STEP(9, s9);
        VM_STEP(10, s10);
        VM_STEP(11, s11);
    }
#undef VM_STEP
#undef VM_LOAD
    double *o = out + j;
#define VM_STORE(q, s)                                  \
    if (W > (q)) {                                      \
        if ((q) == W - 1)                               \
            _mm256_maskstore_pd(o + 4 * (q), mask, s);  \
        else                                            \
            _mm256_storeu_pd(o + 4 * (q), s);           \
    }
    VM_STORE(0, s0);
    VM_STORE(1, s1);
    VM_STORE(2, s2);
    VM_STORE(3, s3);
    VM_STORE(4, s4);
    VM_STORE(5, s5);
    VM_STORE(6, s6);
    VM_STORE(7, s7);
    VM_STORE(8, s8);
    VM_STORE(9, s9);
    VM_STORE(10, s10);
    VM_STORE(11, s11);
#undef VM_STORE
}

/* One block of up to 48 columns (12 quadruples) when L <= 48, so that a
 * row of M is read once a k: L = 22 is 6 quadruples, the last of 2 columns,
 * L = 25 is 7, the last of one.  Wider: blocks of 32 while more than 48
 * columns are left, then the rest in one block. */
#define VECMAT_CASE(W) \
    case W: vecmat_cols_avx(n, L, v, vs, M, out, j, W, r); break
__attribute__((target("avx"))) static void crf_vecmat_avx(size_t n, size_t L,
                                                          const double *restrict v, size_t vs,
                                                          const double *restrict M,
                                                          double *restrict out)
{
    size_t j = 0;
    for (; L - j > 48; j += 32)
        vecmat_cols_avx(n, L, v, vs, M, out, j, 8, 4);
    size_t left = L - j;
    int r = (int)((left - 1) % 4) + 1;
    switch ((left + 3) / 4) {
    VECMAT_CASE(1);
    VECMAT_CASE(2);
    VECMAT_CASE(3);
    VECMAT_CASE(4);
    VECMAT_CASE(5);
    VECMAT_CASE(6);
    VECMAT_CASE(7);
    VECMAT_CASE(8);
    VECMAT_CASE(9);
    VECMAT_CASE(10);
    VECMAT_CASE(11);
    default: vecmat_cols_avx(n, L, v, vs, M, out, j, 12, r); break;
    }
}
#undef VECMAT_CASE

crf_vecmat_fn *crf_vecmat_pick(size_t L)
{
    return L >= 1 && __builtin_cpu_supports("avx") ? crf_vecmat_avx : crf_vecmat_plain;
}
#else
crf_vecmat_fn *crf_vecmat_pick(size_t L)
{
    (void)L;
    return crf_vecmat_plain;
}
#endif

/* log(sum_k exp(v[k * stride] + u[k * ustride])) for k < n, -inf if empty. */
static double crf_lse2(size_t n, const double *v, size_t stride, const double *u,
                       size_t ustride)
{
    double m = -INFINITY;
    for (size_t k = 0; k < n; k++) {
        double a = v[k * stride] + u[k * ustride];
        m = a > m ? a : m;
    }
    if (isinf(m))
        return m;
    double s = 0.0;
    for (size_t k = 0; k < n; k++)
        s += exp(v[k * stride] + u[k * ustride] - m);
    return m + log(s);
}

/* Plain log-space forward-backward, for lattices that defeat the scaling.
 * alpha/beta hold log values here:
 *   la[t][j] = state[t][j] + lse_i (la[t-1][i] + trans[i][j])
 *   lb[t-1][i] = lse_j (trans[i][j] + state[t][j] + lb[t][j]) */
static void crf_fb_log(size_t T, size_t L, const double *state, const double *trans,
                       double *logz, double *mstate, double *mtrans, struct crf_work *w)
{
    double *la = w->alpha, *lb = w->beta;
    static const double zero = 0.0;
    for (size_t j = 0; j < L; j++)
        la[j] = state[j];
    for (size_t t = 1; t < T; t++)
        for (size_t j = 0; j < L; j++)
            la[t * L + j] = state[t * L + j] +
                            crf_lse2(L, la + (t - 1) * L, 1, trans + j, L);
    double lz = crf_lse2(L, la + (T - 1) * L, 1, &zero, 0);
    *logz = lz;
    if (!mstate && !mtrans)
        return;
    for (size_t j = 0; j < L; j++)
        lb[(T - 1) * L + j] = 0.0;
    for (size_t t = T - 1; t > 0; t--) {
        /* expstate[t][j] = state[t][j] + lb[t][j] */
        double *sb = w->expstate + t * L;
        for (size_t j = 0; j < L; j++)
            sb[j] = state[t * L + j] + lb[t * L + j];
        for (size_t i = 0; i < L; i++)
            lb[(t - 1) * L + i] = crf_lse2(L, trans + i * L, 1, sb, 1);
    }
    /* Each token is normalized by its own lse_j(la[t][j] + lb[t][j]) (= logZ
     * up to rounding), so its marginals sum to 1 even when logZ ~ 1e6. */
    for (size_t t = 0; t < T; t++) {
        const double *a = la + t * L, *b = lb + t * L;
        double lzt = crf_lse2(L, a, 1, b, 1);
        if (mstate)
            for (size_t j = 0; j < L; j++)
                mstate[t * L + j] = exp(a[j] + b[j] - lzt);
        if (mtrans && t > 0) {
            const double *ap = la + (t - 1) * L, *sb = w->expstate + t * L;
            for (size_t i = 0; i < L; i++)
                for (size_t j = 0; j < L; j++)
                    mtrans[i * L + j] += exp(ap[i] + trans[i * L + j] + sb[j] - lzt);
        }
    }
}

/* The scaled forward-backward is compiled three times, as such, for AVX
 * and for AVX2 (crf_forward_backward chooses): its elementwise products run in
 * quadruples of GCC's vector type (SSE2 pairs in the plain version), each
 * value the same multiply as the scalar loop's; the sums stay scalar loops,
 * in their order.  The same bits in every copy. */
#define CRF_INLINE __attribute__((always_inline)) static inline

typedef double crf_v4 __attribute__((vector_size(32)));

/* d[j] = a[j] * b[j] (d may be a or b) */
CRF_INLINE void v_mul(size_t L, double *d, const double *a, const double *b)
{
    size_t j = 0;
    for (; j + 4 <= L; j += 4) {
        crf_v4 x, y;
        memcpy(&x, a + j, sizeof x);
        memcpy(&y, b + j, sizeof y);
        x *= y;
        memcpy(d + j, &x, sizeof x);
    }
    for (; j < L; j++)
        d[j] = a[j] * b[j];
}

/* d[j] *= s */
CRF_INLINE void v_scale(size_t L, double *d, double s)
{
    const crf_v4 sv = {s, s, s, s};
    size_t j = 0;
    for (; j + 4 <= L; j += 4) {
        crf_v4 x;
        memcpy(&x, d + j, sizeof x);
        x *= sv;
        memcpy(d + j, &x, sizeof x);
    }
    for (; j < L; j++)
        d[j] *= s;
}

/* g[j] *= b[j] * s */
CRF_INLINE void v_mul_scaled(size_t L, double *g, const double *b, double s)
{
    const crf_v4 sv = {s, s, s, s};
    size_t j = 0;
    for (; j + 4 <= L; j += 4) {
        crf_v4 x, y;
        memcpy(&x, g + j, sizeof x);
        memcpy(&y, b + j, sizeof y);
        x *= y * sv;
        memcpy(g + j, &x, sizeof x);
    }
    for (; j < L; j++)
        g[j] *= b[j] * s;
}

/* d[j] += a[j] * b[j] (a multiply, then an add) */
CRF_INLINE void v_add_mul(size_t L, double *d, const double *a, const double *b)
{
    size_t j = 0;
    for (; j + 4 <= L; j += 4) {
        crf_v4 x, y, z;
        memcpy(&x, d + j, sizeof x);
        memcpy(&y, a + j, sizeof y);
        memcpy(&z, b + j, sizeof z);
        x += y * z;
        memcpy(d + j, &x, sizeof x);
    }
    for (; j < L; j++)
        d[j] += a[j] * b[j];
}

/* exp over a quadruple, in the operations of IEEE double alone (+, -, *,
 * comparisons and integer arithmetic on the bits; no fused multiply-add, no
 * libm), so that the plain and AVX copies, and every x86-64 CPU, give the same
 * bits.  Within 1 ulp of libm's exp over [-746, 709] (test_vexp_ulp; equal
 * to glibc's for 90 % of the arguments, 1 ulp from it, and from expl
 * rounded to double, for the others), exactly 1 at 0, 0 below the
 * underflow point (denormals rounded once), +inf above 709.78, NaN for NaN,
 * 0 for -inf.
 *   x = n ln2 + r, |r| <= ln2 / 2 (and a little: n = x / ln2 rounded)
 *   exp(r) = sum_{k <= 13} r^k / k!   (the first term left out is below
 *            0.05 ulp for |r| <= 0.35), Horner's scheme
 *   exp(x) = (exp(r) 2^n1) 2^n2,  n1 = n / 2 rounded, n2 = n - n1
 * Both powers of two are normal (|n1|, |n2| <= 538 once x is clamped to
 * [-746, 710]), so the first product is exact and the second rounds once,
 * to a denormal or 0 when exp(x) is below 2^-1022.  n and n1 come out of the
 * low bits of x / ln2 + 1.5 * 2^52 and n / 2 + 1.5 * 2^52 (each sum rounds
 * to an integer; 1.5 keeps the exponent fixed for either sign).  ln2 is split in two, its high part
 * with 32 significant bits, so that n ln2_hi is exact and x - n ln2_hi too
 * (the two are within a factor 2 of each other, or n = 0). */
typedef long long crf_i4 __attribute__((vector_size(32)));

#define VEXP_LN2_HI 0x1.62e42feep-1           /* 32 significant bits */
#define VEXP_LN2_LO 0x1.a39ef35793c76p-33     /* ln2 - VEXP_LN2_HI */
#define VEXP_INV_LN2 0x1.71547652b82fep0
#define VEXP_SHIFT 0x1.8p52

/* a quadruple of a; m ? a : b lane by lane (m all ones or all zeros) */
#define V4(a) ((crf_v4){(a), (a), (a), (a)})
#define V4_SELECT(m, a, b) ((crf_v4)(((crf_i4)(a) & (m)) | ((crf_i4)(b) & ~(m))))

/* x[0..3] = exp(x[0..3]) */
CRF_INLINE void v_exp4(double *xp)
{
    const crf_v4 shift = V4(VEXP_SHIFT);
    crf_v4 x;
    memcpy(&x, xp, sizeof x);
    /* NaN fails both comparisons and is kept. */
    x = V4_SELECT(x < V4(-746.0), V4(-746.0), x);
    x = V4_SELECT(x > V4(710.0), V4(710.0), x);
    const crf_v4 t = x * V4(VEXP_INV_LN2) + shift;
    const crf_v4 n = t - shift;
    const crf_v4 r = (x - n * V4(VEXP_LN2_HI)) - n * V4(VEXP_LN2_LO);
    crf_v4 p = V4(1.0 / 6227020800.0);                  /* 1 / 13! */
    p = p * r + V4(1.0 / 479001600.0);
    p = p * r + V4(1.0 / 39916800.0);
    p = p * r + V4(1.0 / 3628800.0);
    p = p * r + V4(1.0 / 362880.0);
    p = p * r + V4(1.0 / 40320.0);
    p = p * r + V4(1.0 / 5040.0);
    p = p * r + V4(1.0 / 720.0);
    p = p * r + V4(1.0 / 120.0);
    p = p * r + V4(1.0 / 24.0);
    p = p * r + V4(1.0 / 6.0);
    p = p * r + V4(0.5);
    p = p * r + V4(1.0);
    p = p * r + V4(1.0);
    const crf_v4 t1 = n * V4(0.5) + shift;
    const crf_i4 ni = (crf_i4)t - (crf_i4)shift, n1 = (crf_i4)t1 - (crf_i4)shift;
    const crf_i4 bias = {1023, 1023, 1023, 1023};
    const crf_v4 s1 = (crf_v4)((n1 + bias) << 52), s2 = (crf_v4)((ni - n1 + bias) << 52);
    x = p * s1 * s2;
    memcpy(xp, &x, sizeof x);
}

/* x[j] = exp(x[j]) for j < L (v_exp4).  When L is not a multiple of 4 the
 * last four values are taken first, out of place, and stored last, over the
 * results of the whole quadruples; below 4 values they are padded with 0.
 * Each value gets the same operations wherever it lies. */
CRF_INLINE void v_exp(size_t L, double *x)
{
    double tail[4] = {0.0, 0.0, 0.0, 0.0};
    if (L < 4) {
        for (size_t j = 0; j < L; j++)
            tail[j] = x[j];
        v_exp4(tail);
        for (size_t j = 0; j < L; j++)
            x[j] = tail[j];
        return;
    }
    const int ragged = L % 4 != 0;
    if (ragged) {
        memcpy(tail, x + L - 4, sizeof tail);
        v_exp4(tail);
    }
    for (size_t j = 0; j + 4 <= L; j += 4)
        v_exp4(x + j);
    if (ragged)
        memcpy(x + L - 4, tail, sizeof tail);
}

/* d[j] = a[j] + b[j] for j < L (L >= 1); returns max_j d[j], the same value
 * whatever the order the maximum is taken in (or, with a NaN in d, possibly
 * that NaN). */
CRF_INLINE double v_add_max(size_t L, double *d, const double *a, const double *b)
{
    if (L < 4) {
        double m = d[0] = a[0] + b[0];
        for (size_t j = 1; j < L; j++) {
            double v = d[j] = a[j] + b[j];
            m = v > m ? v : m;
        }
        return m;
    }
    crf_v4 mx, x, y;
    memcpy(&mx, a, sizeof mx);
    memcpy(&y, b, sizeof y);
    mx += y;
    memcpy(d, &mx, sizeof mx);
    size_t j = 4;
    for (; j + 4 <= L; j += 4) {
        memcpy(&x, a + j, sizeof x);
        memcpy(&y, b + j, sizeof y);
        x += y;
        memcpy(d + j, &x, sizeof x);
        mx = V4_SELECT(x > mx, x, mx);
    }
    double m = mx[0];
    for (int k = 1; k < 4; k++)
        m = mx[k] > m ? mx[k] : m;
    for (; j < L; j++) {
        double v = d[j] = a[j] + b[j];
        m = v > m ? v : m;
    }
    return m;
}

/* d[j] -= s */
CRF_INLINE void v_sub(size_t L, double *d, double s)
{
    const crf_v4 sv = V4(s);
    size_t j = 0;
    for (; j + 4 <= L; j += 4) {
        crf_v4 x;
        memcpy(&x, d + j, sizeof x);
        x -= sv;
        memcpy(d + j, &x, sizeof x);
    }
    for (; j < L; j++)
        d[j] -= s;
}

/* sum_j a[j] in four interleaved partial sums (rounded otherwise than v_sum;
 * for the tolerance check of the marginals) */
CRF_INLINE double v_sum4(size_t L, const double *a)
{
    crf_v4 acc = V4(0.0);
    size_t j = 0;
    for (; j + 4 <= L; j += 4) {
        crf_v4 x;
        memcpy(&x, a + j, sizeof x);
        acc += x;
    }
    double s = (acc[0] + acc[1]) + (acc[2] + acc[3]);
    for (; j < L; j++)
        s += a[j];
    return s;
}

CRF_INLINE double v_sum(size_t L, const double *a)
{
    double s = 0.0;
    for (size_t j = 0; j < L; j++)
        s += a[j];
    return s;
}

/* Forward, t = 0 of crf_forward_backward: x[0] = exp(state[0] - m),
 * alpha[0] = x[0] / C, scale[0] = C; returns log C + m. */
CRF_INLINE double crf_forward0(size_t L, const double *state, double *x, double *alpha,
                                  double *scale)
{
    double m = state[0];
    for (size_t j = 1; j < L; j++)
        m = state[j] > m ? state[j] : m;
    for (size_t j = 0; j < L; j++)
        x[j] = state[j] - m;
    v_exp(L, x);
    double C = 0.0;
    for (size_t j = 0; j < L; j++) {
        alpha[j] = x[j];
        C += x[j];
    }
    v_scale(L, alpha, 1.0 / C);
    scale[0] = C;
    return log(C) + m;
}

/* Backward: g_t = x_t beta_t / C_t (in place in x), beta[t-1] = E g_t
 * (computed as g_t^T E^T, over the rows of E^T). */
CRF_INLINE void crf_backward(crf_vecmat_fn *vecmat, size_t T, size_t L, const double *ET,
                                const double *scale, double *x, double *beta)
{
    double *bt = beta + (T - 1) * L;
    for (size_t j = 0; j < L; j++)
        bt[j] = 1.0;
    for (size_t t = T - 1; t > 0; t--) {
        double *g = x + t * L, *bp = beta + (t - 1) * L;
        const double *b = beta + t * L;
        v_mul_scaled(L, g, b, 1.0 / scale[t]);
        vecmat(L, L, g, 1, ET, bp);
    }
}

/* State marginals ms[t][j] = alpha[t][j] beta[t][j] (ms may be beta itself
 * when the caller does not want them), with the sum-to-one check that guards
 * against overflow in beta: -1 when a row fails it, else 0. */
CRF_INLINE int crf_state_marginals(size_t T, size_t L, const double *alpha,
                                      const double *beta, double *ms)
{
    for (size_t t = 0; t < T; t++) {
        const double *a = alpha + t * L, *b = beta + t * L;
        double *p = ms + t * L;
        v_mul(L, p, a, b);
        double sum = v_sum4(L, p);
        if (!(fabs(sum - 1.0) <= CRF_SUM_TOL))
            return -1;
    }
    return 0;
}

CRF_INLINE int crf_fb(size_t T, size_t L, const double *state, const double *trans,
                      double *logz, double *mstate, double *mtrans, struct crf_work *w)
{
    if (T == 0) {
        *logz = 0.0;
        return 0;
    }
    if (L == 0) {
        *logz = -INFINITY;
        return 0;
    }
    if (crf_reserve(w, T, L))
        return -1;
    if (T > 1)
        crf_exptrans(L, trans, w);
    const size_t ll = L * L;
    const double *E = w->exptrans, *ET = E + ll, *c = E + 3 * ll;
    double *row = w->exptrans + 3 * ll + L;
    double *alpha = w->alpha, *beta = w->beta, *x = w->expstate, *scale = w->scale;
    crf_vecmat_fn *vecmat = crf_vecmat_pick(L);

    if (T > 1 && !(w->tspread <= CRF_MAX_SPREAD)) {
        crf_fb_log(T, L, state, trans, logz, mstate, mtrans, w);
        return 0;
    }

    double lz = crf_forward0(L, state, x, alpha, scale);   /* forward, t = 0 */

    /* Forward, t > 0: alpha[t][j] = x_t[j] sum_i alpha[t-1][i] E[i][j] / C_t. */
    for (size_t t = 1; t < T; t++) {
        const double *st = state + t * L, *ap = alpha + (t - 1) * L;
        double *xt = x + t * L, *at = alpha + t * L;
        double m = v_add_max(L, xt, st, c);
        v_sub(L, xt, m);
        v_exp(L, xt);
        vecmat(L, L, ap, 1, E, at);
        v_mul(L, at, at, xt);
        double C = v_sum(L, at);
        if (!(C > 0.0)) {                 /* only NaN input gets here */
            crf_fb_log(T, L, state, trans, logz, mstate, mtrans, w);
            return 0;
        }
        v_scale(L, at, 1.0 / C);
        scale[t] = C;
        lz += log(C) + m;
    }
    if (!mstate && !mtrans) {
        *logz = lz;
        return 0;
    }

    crf_backward(vecmat, T, L, ET, scale, x, beta);
    if (crf_state_marginals(T, L, alpha, beta, mstate ? mstate : beta)) {
        crf_fb_log(T, L, state, trans, logz, mstate, mtrans, w);
        return 0;
    }
    *logz = lz;

    /* Transition marginals: row[j] = sum_{t>0} alpha[t-1][i] g_t[j] (column
     * i of alpha times the [T-1][L] matrix g), mtrans[i][j] += E[i][j] row[j]. */
    if (mtrans && T > 1) {
        for (size_t i = 0; i < L; i++) {
            vecmat(T - 1, L, alpha + i, L, x + L, row);
            v_add_mul(L, mtrans + i * L, E + i * L, row);
        }
    }
    return 0;
}

static int crf_fb_plain(size_t T, size_t L, const double *state, const double *trans,
                        double *logz, double *mstate, double *mtrans, struct crf_work *w)
{
    return crf_fb(T, L, state, trans, logz, mstate, mtrans, w);
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
__attribute__((target("avx"))) static int crf_fb_avx(size_t T, size_t L, const double *state,
                                                     const double *trans, double *logz,
                                                     double *mstate, double *mtrans,
                                                     struct crf_work *w)
{
    return crf_fb(T, L, state, trans, logz, mstate, mtrans, w);
}

/* with AVX2, v_exp's integer operations on quadruples take one instruction
 * each (AVX alone splits them in halves); no fused multiply-add either */
__attribute__((target("avx2"))) static int crf_fb_avx2(size_t T, size_t L,
                                                       const double *state,
                                                       const double *trans, double *logz,
                                                       double *mstate, double *mtrans,
                                                       struct crf_work *w)
{
    return crf_fb(T, L, state, trans, logz, mstate, mtrans, w);
}
#endif

crf_fb_fn *crf_fb_version(int k)
{
    switch (k) {
    case 0: return crf_fb_plain;
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
    case 1: return __builtin_cpu_supports("avx") ? crf_fb_avx : NULL;
    case 2: return __builtin_cpu_supports("avx2") ? crf_fb_avx2 : NULL;
#endif
    default: return NULL;
    }
}

int crf_forward_backward(size_t T, size_t L, const double *state, const double *trans,
                         double *logz, double *mstate, double *mtrans, struct crf_work *w)
{
    /* the newest version the CPU has (crf_fb_version numbers them) */
    for (int k = 2; k > 0; k--) {
        crf_fb_fn *fb = crf_fb_version(k);
        if (fb)
            return fb(T, L, state, trans, logz, mstate, mtrans, w);
    }
    return crf_fb_plain(T, L, state, trans, logz, mstate, mtrans, w);
}

void crf_vexp_plain(size_t n, double *x)
{
    v_exp(n, x);
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
__attribute__((target("avx"))) static void crf_vexp_avx(size_t n, double *x)
{
    v_exp(n, x);
}

__attribute__((target("avx2"))) static void crf_vexp_avx2(size_t n, double *x)
{
    v_exp(n, x);
}
#endif

crf_vexp_fn *crf_vexp_version(int k)
{
    switch (k) {
    case 0: return crf_vexp_plain;
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
    case 1: return __builtin_cpu_supports("avx") ? crf_vexp_avx : NULL;
    case 2: return __builtin_cpu_supports("avx2") ? crf_vexp_avx2 : NULL;
#endif
    default: return NULL;
    }
}

crf_vexp_fn *crf_vexp_pick(void)
{
    for (int k = 2; k > 0; k--)
        if (crf_vexp_version(k))
            return crf_vexp_version(k);
    return crf_vexp_plain;
}

double crf_path_score(size_t T, size_t L, const double *state, const double *trans,
                      const uint32_t *y)
{
    if (T == 0)
        return 0.0;
    /* Same summation order as the Viterbi recursion: ((s + trans) + state). */
    double s = state[y[0]];
    for (size_t t = 1; t < T; t++) {
        s += trans[(size_t)y[t - 1] * L + y[t]];
        s += state[t * L + y[t]];
    }
    return s;
}
