/*
 * train_runs.c - the compiled copies of the kernels of train_runs.h (the
 * objective inlines its own), for the tests.
 *
 * On WikiSER (25 labels) about a third of a token's 35 attributes have a
 * run of every label, in groups of about five consecutive ids; on
 * CoNLL-2000 with its template (22 labels) none.  One run at a time, a
 * quadruple of a row costs a load, an add, a store and the loop's step;
 * with the row in registers over a group, the gather costs an add with a
 * memory operand a quadruple, the scatter an add and a store.
 */
#include "train_runs.h"

void train_full_gather_plain(double *restrict row, const double *restrict w,
                             const struct trun *run, size_t n, size_t L)
{
    train_full_gather(row, w, run, n, L);
}

void train_full_scatter_plain(double *restrict g, const double *restrict row,
                              const struct trun *run, size_t n, size_t L)
{
    train_full_scatter(g, row, run, n, L);
}

void train_flat_sentence_plain(double *state, double *g, const uint16_t *restrict pl,
                               const double *restrict x, struct trun *run, const size_t *rend,
                               size_t T, size_t L, uint32_t *restrict fq, size_t *fend)
{
    train_flat_sentence(state, g, pl, x, run, rend, T, L, fq, fend);
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
__attribute__((target("avx"))) static void full_gather_avx(double *restrict row,
                                                           const double *restrict w,
                                                           const struct trun *run, size_t n,
                                                           size_t L)
{
    train_full_gather(row, w, run, n, L);
}

__attribute__((target("avx"))) static void full_scatter_avx(double *restrict g,
                                                            const double *restrict row,
                                                            const struct trun *run, size_t n,
                                                            size_t L)
{
    train_full_scatter(g, row, run, n, L);
}

__attribute__((target("avx"))) static void flat_sentence_avx(double *state, double *g,
                                                             const uint16_t *restrict pl,
                                                             const double *restrict x,
                                                             struct trun *run,
                                                             const size_t *rend, size_t T,
                                                             size_t L, uint32_t *restrict fq,
                                                             size_t *fend)
{
    train_flat_sentence(state, g, pl, x, run, rend, T, L, fq, fend);
}

train_full_gather_fn *train_full_gather_pick(void)
{
    return __builtin_cpu_supports("avx") ? full_gather_avx : train_full_gather_plain;
}

train_flat_sentence_fn *train_flat_sentence_pick(void)
{
    return __builtin_cpu_supports("avx") ? flat_sentence_avx : train_flat_sentence_plain;
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

train_flat_sentence_fn *train_flat_sentence_pick(void)
{
    return train_flat_sentence_plain;
}

train_full_scatter_fn *train_full_scatter_pick(void)
{
    return train_full_scatter_plain;
}
#endif
