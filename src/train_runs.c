/*
 * train_runs.c - the runs of every label in the objective's gather and
 * scatter (see train_runs.h).
 *
 * On WikiSER (25 labels) 14 of a token's 35 attributes have such a run, on
 * CoNLL-2000 with its template (22 labels) most of the frequent ones.  One
 * run at a time, a quadruple of a row costs a load, an add and a store plus
 * the loop's step; with the row in registers over a token's consecutive
 * runs, the gather costs one add with a memory operand a quadruple, the
 * scatter an add and a store.
 */
#include "train_runs.h"

#include <string.h>

typedef double trun_v4 __attribute__((vector_size(32)));

/* d[y] += s[y] for y < L, in quadruples of GCC's vector type (AVX where the
 * caller is compiled for it, SSE2 pairs otherwise), the L % 4 last cells one
 * by one: each cell gets the same one addition as in a scalar loop. */
__attribute__((always_inline)) static inline void run_full(double *restrict d,
                                                           const double *restrict s, size_t L)
{
    size_t y = 0;
    for (; y + 4 <= L; y += 4) {
        trun_v4 a, b;
        memcpy(&a, d + y, sizeof a);
        memcpy(&b, s + y, sizeof b);
        a += b;
        memcpy(d + y, &a, sizeof a);
    }
    for (; y < L; y++)
        d[y] += s[y];
}

void train_full_gather_plain(double *restrict row, const double *restrict w,
                             const struct trun *run, size_t n, size_t L)
{
    for (size_t k = 0; k < n; k++)
        run_full(row, w + run[k].q0, L);
}

void train_full_scatter_plain(double *restrict g, const double *restrict row,
                              const struct trun *run, size_t n, size_t L)
{
    for (size_t k = 0; k < n; k++)
        run_full(g + run[k].q0, row, L);
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>

#define TRUN_AVX __attribute__((target("avx")))
#define TRUN_AVX_INLINE __attribute__((target("avx"), always_inline)) static inline

/* The gather of rows of W quadruples (W = 1 to 12; L = 4W - 4 + r, the last
 * quadruple cut to its first r cells by the mask: masked loads read
 * nothing past the row, the masked store writes nothing past it): the row
 * in W registers, each run's quadruples added to them in the runs' order. */
TRUN_AVX_INLINE void gather_cols(double *restrict row, const double *restrict w,
                                 const struct trun *run, size_t n, const int W, __m256i mask)
{
    const __m256d z = _mm256_setzero_pd();
    __m256d s0 = z, s1 = z, s2 = z, s3 = z, s4 = z, s5 = z;
    __m256d s6 = z, s7 = z, s8 = z, s9 = z, s10 = z, s11 = z;
#define FG_LOAD(p, q) ((q) == W - 1 ? _mm256_maskload_pd((p) + 4 * (q), mask) \
                                    : _mm256_loadu_pd((p) + 4 * (q)))
#define FG_ALL(X) X(0, s0) X(1, s1) X(2, s2) X(3, s3) X(4, s4) X(5, s5) \
                  X(6, s6) X(7, s7) X(8, s8) X(9, s9) X(10, s10) X(11, s11)
#define FG_INIT(q, s) if (W > (q)) s = FG_LOAD(row, q);
#define FG_ADD(q, s) if (W > (q)) s = _mm256_add_pd(s, FG_LOAD(p, q));
#define FG_STORE(q, s)                                   \
    if (W > (q)) {                                       \
        if ((q) == W - 1)                                \
            _mm256_maskstore_pd(row + 4 * (q), mask, s); \
        else                                             \
            _mm256_storeu_pd(row + 4 * (q), s);          \
    }
    FG_ALL(FG_INIT)
    for (size_t k = 0; k < n; k++) {
        const double *p = w + run[k].q0;
        FG_ALL(FG_ADD)
    }
    FG_ALL(FG_STORE)
#undef FG_LOAD
#undef FG_INIT
#undef FG_ADD
#undef FG_STORE
}

/* The scatter of rows of F whole quadruples (F = 0 to 11) and r = 0 to 3
 * cells: the quadruples of row in F registers and its last r cells in
 * three, each run's cells loaded, added to and stored. */
TRUN_AVX_INLINE void scatter_cols(double *restrict g, const double *restrict row,
                                  const struct trun *run, size_t n, const int F, size_t r)
{
    const __m256d z = _mm256_setzero_pd();
    __m256d s0 = z, s1 = z, s2 = z, s3 = z, s4 = z, s5 = z;
    __m256d s6 = z, s7 = z, s8 = z, s9 = z, s10 = z, s11 = z;
    const double *rt = row + 4 * F;
    const double t0 = r > 0 ? rt[0] : 0.0, t1 = r > 1 ? rt[1] : 0.0, t2 = r > 2 ? rt[2] : 0.0;
#define FS_INIT(q, s) if (F > (q)) s = _mm256_loadu_pd(row + 4 * (q));
#define FS_ADD(q, s) \
    if (F > (q))     \
        _mm256_storeu_pd(p + 4 * (q), _mm256_add_pd(_mm256_loadu_pd(p + 4 * (q)), s));
    FG_ALL(FS_INIT)
    for (size_t k = 0; k < n; k++) {
        double *p = g + run[k].q0;
        FG_ALL(FS_ADD)
        double *pt = p + 4 * F;
        if (r > 0)
            pt[0] += t0;
        if (r > 1)
            pt[1] += t1;
        if (r > 2)
            pt[2] += t2;
    }
#undef FS_INIT
#undef FS_ADD
}
#undef FG_ALL

/* The generic loop for rows of more than 48 (gather) or 47 (scatter)
 * labels, compiled for AVX */
TRUN_AVX static void full_gather_wide(double *restrict row, const double *restrict w,
                                      const struct trun *run, size_t n, size_t L)
{
    for (size_t k = 0; k < n; k++)
        run_full(row, w + run[k].q0, L);
}

TRUN_AVX static void full_scatter_wide(double *restrict g, const double *restrict row,
                                       const struct trun *run, size_t n, size_t L)
{
    for (size_t k = 0; k < n; k++)
        run_full(g + run[k].q0, row, L);
}

#define FG_CASE(W) \
    case W: gather_cols(row, w, run, n, W, mask); break
TRUN_AVX static void full_gather_avx(double *restrict row, const double *restrict w,
                                     const struct trun *run, size_t n, size_t L)
{
    if (L > 48 || L == 0) {
        full_gather_wide(row, w, run, n, L);
        return;
    }
    int r = (int)((L - 1) % 4) + 1;
    const __m256i mask = _mm256_setr_epi64x(-1, r > 1 ? -1 : 0, r > 2 ? -1 : 0,
                                            r > 3 ? -1 : 0);
    switch ((L + 3) / 4) {
    FG_CASE(1);
    FG_CASE(2);
    FG_CASE(3);
    FG_CASE(4);
    FG_CASE(5);
    FG_CASE(6);
    FG_CASE(7);
    FG_CASE(8);
    FG_CASE(9);
    FG_CASE(10);
    FG_CASE(11);
    default: gather_cols(row, w, run, n, 12, mask); break;
    }
}
#undef FG_CASE

#define FS_CASE(F) \
    case F: scatter_cols(g, row, run, n, F, r); break
TRUN_AVX static void full_scatter_avx(double *restrict g, const double *restrict row,
                                      const struct trun *run, size_t n, size_t L)
{
    if (L > 47) {
        full_scatter_wide(g, row, run, n, L);
        return;
    }
    size_t r = L % 4;
    switch (L / 4) {
    FS_CASE(0);
    FS_CASE(1);
    FS_CASE(2);
    FS_CASE(3);
    FS_CASE(4);
    FS_CASE(5);
    FS_CASE(6);
    FS_CASE(7);
    FS_CASE(8);
    FS_CASE(9);
    FS_CASE(10);
    default: scatter_cols(g, row, run, n, 11, r); break;
    }
}
#undef FS_CASE

train_full_gather_fn *train_full_gather_pick(void)
{
    return __builtin_cpu_supports("avx") ? full_gather_avx : train_full_gather_plain;
}

train_full_scatter_fn *train_full_scatter_pick(void)
{
    return __builtin_cpu_supports("avx") ? full_scatter_avx : train_full_scatter_plain;
}
#else
train_full_gather_fn *train_full_gather_pick(void)
{
    return train_full_gather_plain;
}

train_full_scatter_fn *train_full_scatter_pick(void)
{
    return train_full_scatter_plain;
}
#endif
