/*
 * train_dense.h - dense rows for the frequent long pair runs of training
 * (pipeline layer).
 *
 * Each evaluation of the objective adds, for every token, the weights of its
 * attributes' (attribute, label) pairs to the token's state row (a gather
 * through pair_label) and, after forward-backward, the token's marginals to
 * the same pairs' gradient (a scatter).  On CoNLL-2000 a token has 19
 * attributes and 152 pairs; the thousand attributes with the most pair
 * occurrences (frequent, with runs of 6 to 20 of the 22 labels) hold 83 % of
 * them.  Those attributes get a dense row of L weights (0 for the labels
 * without a pair), filled from x before each evaluation (tdense_fill), added
 * to the state row in SIMD; their marginals are added to a dense row of each
 * worker, and folded into the gradient of their pairs at the end
 * (tdense_fold).
 *
 * Same results to the bit: a label's state score is the same sum in the
 * same order (adding a 0 to a sum that is never -0 changes nothing), and a
 * pair's gradient receives the same terms in the same order, into a dense
 * cell first and then added to the pair's 0.
 */
#ifndef CRFTAG_TRAIN_DENSE_H
#define CRFTAG_TRAIN_DENSE_H

#include <stddef.h>
#include <stdint.h>

struct crftag_model;

struct tdense {
    size_t n;                /* dense rows (0: none) */
    size_t L, lp;            /* labels; row length, L rounded up to 4 */
    uint32_t *attr;          /* [n] the attribute of each row, ascending */
    uint64_t *bits;          /* [nattr / 64 + 1] attribute a has a row */
    uint32_t *rank;          /* [nattr / 64 + 1] rows of the attributes below 64 i */
    double *x;               /* [n][lp] the weights of the rows' pairs, 0 elsewhere */
};

/* Chooses the rows: the attributes whose run has at least max(4, L / 4)
 * pairs and fewer than L (a run of every label is dense already), by pair
 * occurrences (run length times the attribute's count, the sum of obs over
 * its run), at most cells / lp rows.  Out of memory leaves d without rows
 * (d->n == 0), which gives the same results. */
void tdense_build(struct tdense *d, const struct crftag_model *m, const uint32_t *obs,
                  size_t cells);

void tdense_free(struct tdense *d);

/* Row of attribute a plus 1, or 0 when it has none. */
__attribute__((always_inline)) static inline size_t tdense_find(const struct tdense *d, uint32_t a)
{
    uint64_t w = d->bits[a >> 6];
    uint64_t b = UINT64_C(1) << (a & 63);
    if (!(w & b))
        return 0;
    return (size_t)d->rank[a >> 6] + (size_t)__builtin_popcountll(w & (b - 1)) + 1;
}

/* d->x from the point x (pair weights first, model.h's order). */
void tdense_fill(struct tdense *d, const struct crftag_model *m, const double *x);

/* g[q] += dg[row][label of q] for every pair q of the rows; dg is [n][lp]. */
void tdense_fold(const struct tdense *d, const struct crftag_model *m, const double *dg,
                 double *g);

#endif
