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

/* The portable versions (one run at a time, quadruples of GCC's vector
 * type), and the fastest ones the CPU runs (AVX on x86-64 when it has it:
 * up to 48 labels held in registers over the runs), which give the same
 * bits: additions are additions, lane by lane. */
train_full_gather_fn train_full_gather_plain;
train_full_scatter_fn train_full_scatter_plain;
train_full_gather_fn *train_full_gather_pick(void);
train_full_scatter_fn *train_full_scatter_pick(void);

#endif
