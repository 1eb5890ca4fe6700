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

/* The runs of a sentence's T tokens as one list of pairs (train_flat_fill),
 * the gather (train_flat_gather) and the scatter (train_flat_scatter) of
 * each token, for the tests: the runs of token i are run[rend[i - 1] ..
 * rend[i]) (rend[-1] = 0); fills fq (room for the runs' pairs plus 4 *
 * ceil(L / 4)) and fend[T], then adds x of token i's pairs to state[i][label]
 * and state[i][label] to g of the pairs. */
typedef void train_flat_sentence_fn(double *state, double *g, const uint16_t *restrict pl,
                                    const double *restrict x, struct trun *run,
                                    const size_t *rend, size_t T, size_t L,
                                    uint32_t *restrict fq, size_t *fend);
train_flat_sentence_fn train_flat_sentence_plain;
train_flat_sentence_fn *train_flat_sentence_pick(void);

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

/* ---- runs of fewer labels: one list of pairs --------------------------- */

/* Runs of 1 to L pairs walked one at a time take a branch on each run's
 * length (its remainder and its loop), which the CPU mispredicts about
 * once a run when the lengths follow no pattern (CoNLL-2000: 19 runs a
 * token, of 1 to 20 pairs).  With L <= TRAIN_FLAT_MAX, a sentence's pair
 * indices are written instead into one list, the runs one after another,
 * each as 4 * ceil(L / 4) indices q0, q0 + 1, ... without a branch on its
 * length (those past the run are overwritten by the next run, or lie past
 * the list's end), and a token's pairs are walked in one loop.  The
 * additions are those of the runs one after another, each run's in the
 * order of its pairs: every cell gets the same sum in the same order. */
#define TRAIN_FLAT_MAX 32

/* p as the compiler cannot see where it comes from (see train_flat_gather) */
#define TRUN_OPAQUE(p) __asm__("" : "+r"(p))

typedef uint32_t trun_u4 __attribute__((vector_size(16)));

/* fq[0 ..) = the pair indices of the runs of T tokens one after another
 * (token i's runs: run[rend[i - 1] .. rend[i]), rend[-1] = 0), in one loop
 * over the runs (a loop a token would mispredict its end at every token);
 * run[k].q1 becomes where run k ends in fq, fend[i] where token i's pairs
 * end.  Returns the number of pairs; fq holds that many plus
 * 4 * ceil(L / 4).  Indices past a run's end wrap modulo 2^32 and are
 * never read. */
TRUN_INLINE size_t flat_fill_runs(uint32_t *restrict fq, struct trun *run, size_t nr,
                                  const int nq)
{
    size_t pos = 0;
    for (size_t k = 0; k < nr; k++) {
        uint32_t q0 = run[k].q0;
        const trun_u4 b = {q0, q0, q0, q0};
#define TRUN_FILL(c)                                                         \
        if (nq > (c)) {                                                      \
            trun_u4 v = b + (trun_u4){4 * (c), 4 * (c) + 1, 4 * (c) + 2, 4 * (c) + 3}; \
            memcpy(fq + pos + 4 * (c), &v, sizeof v);                        \
        }
        TRUN_FILL(0)
        TRUN_FILL(1)
        TRUN_FILL(2)
        TRUN_FILL(3)
        TRUN_FILL(4)
        TRUN_FILL(5)
        TRUN_FILL(6)
        TRUN_FILL(7)
#undef TRUN_FILL
        pos += run[k].q1 - q0;
        run[k].q1 = (uint32_t)pos;
    }
    return pos;
}

TRUN_INLINE size_t train_flat_fill(uint32_t *restrict fq, struct trun *run,
                                   const size_t *restrict rend, size_t *restrict fend,
                                   size_t T, size_t L)
{
    size_t nr = T ? rend[T - 1] : 0, pos;
    /* a loop for each number of quadruples, unrolled */
    switch ((L + 3) / 4) {
    case 1: pos = flat_fill_runs(fq, run, nr, 1); break;
    case 2: pos = flat_fill_runs(fq, run, nr, 2); break;
    case 3: pos = flat_fill_runs(fq, run, nr, 3); break;
    case 4: pos = flat_fill_runs(fq, run, nr, 4); break;
    case 5: pos = flat_fill_runs(fq, run, nr, 5); break;
    case 6: pos = flat_fill_runs(fq, run, nr, 6); break;
    case 7: pos = flat_fill_runs(fq, run, nr, 7); break;
    default: pos = flat_fill_runs(fq, run, nr, 8); break;
    }
    for (size_t i = 0; i < T; i++)
        fend[i] = rend[i] ? run[rend[i] - 1].q1 : 0;
    return pos;
}

/* row[pl[f[j]]] += x[f[j]] for j < n, in the order of j (a label comes
 * again in later runs): quadruples, then the n % 4 last.  The cell is read
 * through src, a copy of row the compiler cannot see is row, so that the
 * load and the store each address it as row + 8 label (with one address
 * for both, gcc computes it into a register first: an instruction more a
 * pair). */
#define TRUN_FLAT_ADD(j) row[pl[f[j]]] = src[pl[f[j]]] + x[f[j]]
TRUN_INLINE void train_flat_gather(double *row, const uint16_t *restrict pl,
                                   const double *restrict x, const uint32_t *restrict f,
                                   size_t n)
{
    size_t r = n & 3;
    const double *src = row;
    TRUN_OPAQUE(row);
    TRUN_OPAQUE(src);
    for (const uint32_t *e = f + (n - r); f != e; f += 4) {
        TRUN_FLAT_ADD(0);
        TRUN_FLAT_ADD(1);
        TRUN_FLAT_ADD(2);
        TRUN_FLAT_ADD(3);
    }
    switch (r) {
    case 3:
        TRUN_FLAT_ADD(0);
        f++;
        /* fall through */
    case 2:
        TRUN_FLAT_ADD(0);
        f++;
        /* fall through */
    case 1:
        TRUN_FLAT_ADD(0);
        /* fall through */
    default:
        break;
    }
}
#undef TRUN_FLAT_ADD

/* g[f[j]] += row[pl[f[j]]] for j < n (a pair comes once in a token, and
 * the objective's gradient terms are exact: any order) */
#define TRUN_FLAT_SCATTER(j) g[f[j]] += row[pl[f[j]]]
TRUN_INLINE void train_flat_scatter(double *g, const uint16_t *restrict pl,
                                    const double *restrict row, const uint32_t *restrict f,
                                    size_t n)
{
    size_t r = n & 3;
    TRUN_OPAQUE(row);
    for (const uint32_t *e = f + (n - r); f != e; f += 4) {
        TRUN_FLAT_SCATTER(0);
        TRUN_FLAT_SCATTER(1);
        TRUN_FLAT_SCATTER(2);
        TRUN_FLAT_SCATTER(3);
    }
    switch (r) {
    case 3:
        TRUN_FLAT_SCATTER(2);
        /* fall through */
    case 2:
        TRUN_FLAT_SCATTER(1);
        /* fall through */
    case 1:
        TRUN_FLAT_SCATTER(0);
        /* fall through */
    default:
        break;
    }
}
#undef TRUN_FLAT_SCATTER

TRUN_INLINE void train_flat_sentence(double *state, double *g, const uint16_t *restrict pl,
                                     const double *restrict x, struct trun *run,
                                     const size_t *rend, size_t T, size_t L,
                                     uint32_t *restrict fq, size_t *fend)
{
    train_flat_fill(fq, run, rend, fend, T, L);
    for (size_t i = 0, p0 = 0; i < T; i++) {
        train_flat_gather(state + i * L, pl, x, fq + p0, fend[i] - p0);
        p0 = fend[i];
    }
    for (size_t i = 0, p0 = 0; i < T; i++) {
        train_flat_scatter(g, pl, state + i * L, fq + p0, fend[i] - p0);
        p0 = fend[i];
    }
}

#endif
