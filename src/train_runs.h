/*
 * train_runs.h - the runs of every label in the objective's gather and
 * scatter (pipeline layer, train.c).
 *
 * An attribute seen with every label has a run of L pairs whose labels are
 * 0 .. L-1 in order (model.h: pair_label[q0 + y] == y), so its weights and
 * its gradient cells are contiguous rows of L.  A token's consecutive runs
 * of that kind are passed together: the kernels keep the state row (or
 * the marginal row) in registers over all of them.
 */
#ifndef CRFTAG_TRAIN_RUNS_H
#define CRFTAG_TRAIN_RUNS_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* The pairs [q0, q1) of one attribute (model.h: attr_off) */
struct trun {
    uint32_t q0, q1;
};

/* Gather: row[y] += w[run[k].q0 + y] for y < L, the runs k = 0 .. n-1 one
 * after another, so that every row[y] is the same sum in the same order
 * as with one run at a time. */
typedef void train_full_gather_fn(double *restrict row, const double *restrict w,
                                  const struct trun *run, size_t n, size_t L);
/* Scatter: g[run[k].q0 + y] += row[y] for y < L and k < n (the runs' cells
 * are distinct: one addition each). */
typedef void train_full_scatter_fn(double *restrict g, const double *restrict row,
                                   const struct trun *run, size_t n, size_t L);

/* The compiled versions, for the tests: train_full_*_plain as portable C
 * (quadruples of GCC's vector type as SSE2 pairs), train_full_*_pick() the
 * same code compiled for AVX when the CPU has it; the objective inlines
 * train_full_gather / train_full_scatter into its own two copies.  All
 * give the same bits: additions are additions, lane by lane. */
train_full_gather_fn train_full_gather_plain;
train_full_scatter_fn train_full_scatter_plain;
train_full_gather_fn *train_full_gather_pick(void);
train_full_scatter_fn *train_full_scatter_pick(void);

#define TRUN_INLINE __attribute__((always_inline)) static inline

typedef double trun_v4 __attribute__((vector_size(32)));

/* d[y] += s[y] for y < L, in quadruples, the L % 4 last cells one by one:
 * each cell gets the same one addition as in a scalar loop. */
TRUN_INLINE void run_full(double *restrict d, const double *restrict s, size_t L)
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

/* Rows of F quadruples (F = 0 to 11) and r = 0 to 3 cells: the row in F
 * vector registers and r scalar ones over the runs. */
#define TRUN_ALL(X) X(0, v0) X(1, v1) X(2, v2) X(3, v3) X(4, v4) X(5, v5) \
                    X(6, v6) X(7, v7) X(8, v8) X(9, v9) X(10, v10)
#define TRUN_ZERO(q, v) trun_v4 v = {0.0, 0.0, 0.0, 0.0};
#define TRUN_LOAD(q, v) if (F > (q)) memcpy(&v, row + 4 * (q), sizeof v);

TRUN_INLINE void full_gather_cols(double *restrict row, const double *restrict w,
                                  const struct trun *run, size_t n, const int F, size_t r)
{
    TRUN_ALL(TRUN_ZERO)
    TRUN_ALL(TRUN_LOAD)
    double *rt = row + 4 * F;
    double t0 = r > 0 ? rt[0] : 0.0, t1 = r > 1 ? rt[1] : 0.0, t2 = r > 2 ? rt[2] : 0.0;
#define TRUN_GADD(q, v)                           \
    if (F > (q)) {                                \
        trun_v4 b;                                \
        memcpy(&b, p + 4 * (q), sizeof b);        \
        v += b;                                   \
    }
#define TRUN_GSTORE(q, v) if (F > (q)) memcpy(row + 4 * (q), &v, sizeof v);
    for (size_t k = 0; k < n; k++) {
        const double *p = w + run[k].q0;
        TRUN_ALL(TRUN_GADD)
        const double *pt = p + 4 * F;
        if (r > 0)
            t0 += pt[0];
        if (r > 1)
            t1 += pt[1];
        if (r > 2)
            t2 += pt[2];
    }
    TRUN_ALL(TRUN_GSTORE)
    if (r > 0)
        rt[0] = t0;
    if (r > 1)
        rt[1] = t1;
    if (r > 2)
        rt[2] = t2;
#undef TRUN_GADD
#undef TRUN_GSTORE
}

TRUN_INLINE void full_scatter_cols(double *restrict g, const double *restrict row,
                                   const struct trun *run, size_t n, const int F, size_t r)
{
    TRUN_ALL(TRUN_ZERO)
    TRUN_ALL(TRUN_LOAD)
    const double *rt = row + 4 * F;
    const double t0 = r > 0 ? rt[0] : 0.0, t1 = r > 1 ? rt[1] : 0.0, t2 = r > 2 ? rt[2] : 0.0;
#define TRUN_SADD(q, v)                           \
    if (F > (q)) {                                \
        trun_v4 b;                                \
        memcpy(&b, p + 4 * (q), sizeof b);        \
        b += v;                                   \
        memcpy(p + 4 * (q), &b, sizeof b);        \
    }
    for (size_t k = 0; k < n; k++) {
        double *p = g + run[k].q0;
        TRUN_ALL(TRUN_SADD)
        double *pt = p + 4 * F;
        if (r > 0)
            pt[0] += t0;
        if (r > 1)
            pt[1] += t1;
        if (r > 2)
            pt[2] += t2;
    }
#undef TRUN_SADD
}
#undef TRUN_ZERO
#undef TRUN_LOAD
#undef TRUN_ALL

#define TRUN_CASES(f)                                                                \
    switch (L / 4) {                                                                 \
    case 0: f(a, b, run, n, 0, r); break;                                            \
    case 1: f(a, b, run, n, 1, r); break;                                            \
    case 2: f(a, b, run, n, 2, r); break;                                            \
    case 3: f(a, b, run, n, 3, r); break;                                            \
    case 4: f(a, b, run, n, 4, r); break;                                            \
    case 5: f(a, b, run, n, 5, r); break;                                            \
    case 6: f(a, b, run, n, 6, r); break;                                            \
    case 7: f(a, b, run, n, 7, r); break;                                            \
    case 8: f(a, b, run, n, 8, r); break;                                            \
    case 9: f(a, b, run, n, 9, r); break;                                            \
    case 10: f(a, b, run, n, 10, r); break;                                          \
    default: f(a, b, run, n, 11, r); break;                                          \
    }

/* The gather and the scatter: rows of up to 47 labels in registers, longer
 * ones a run at a time (run_full). */
TRUN_INLINE void train_full_gather(double *restrict a, const double *restrict b,
                                   const struct trun *run, size_t n, size_t L)
{
    if (L > 47) {
        for (size_t k = 0; k < n; k++)
            run_full(a, b + run[k].q0, L);
        return;
    }
    size_t r = L % 4;
    TRUN_CASES(full_gather_cols)
}

TRUN_INLINE void train_full_scatter(double *restrict a, const double *restrict b,
                                    const struct trun *run, size_t n, size_t L)
{
    if (L > 47) {
        for (size_t k = 0; k < n; k++)
            run_full(a + run[k].q0, b, L);
        return;
    }
    size_t r = L % 4;
    TRUN_CASES(full_scatter_cols)
}
#undef TRUN_CASES

#endif
