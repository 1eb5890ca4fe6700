/*
 * decode.h - Viterbi decoding (pipeline layer).
 *
 *   delta[0][j] = state[0][j]                        (-inf if !start[j])
 *   delta[t][j] = max_i delta[t-1][i] + trans[i][j] + state[t][j]
 *                 over i with allowed[i][j]          (back[t][j] = argmax)
 *   y_{T-1} = argmax_j delta[T-1][j], y_{t-1} = back[t][y_t]
 * (back[t][y_t] is recomputed from delta[t-1] along the chosen path only, so
 * the forward pass is a branch-free max.)
 *
 * Ties go to the lowest label id.
 */
#ifndef CRFTAG_DECODE_H
#define CRFTAG_DECODE_H

#include <stddef.h>
#include <stdint.h>

/* Reusable buffers; zero-initialize, free with decode_work_free.  Grown on
 * demand, never shrunk.  Not shared between threads. */
struct decode_work {
    double *delta;           /* [T][L] */
    size_t cap;
    double *tmask;           /* [L][L] trans with -inf where !allowed */
    size_t cap_ll;
};

void decode_work_free(struct decode_work *w);

/* Best path of the lattice into y[0..T).  allowed ([L][L]) and start ([L])
 * may be NULL (no restriction); if no path satisfies them, falls back to the
 * unrestricted best path.  *score (may be NULL) gets s(y).  Returns 0, or -1
 * when out of memory (or when T > 0 and L == 0).  T may be 0.  Scores must
 * be finite. */
int decode_viterbi(size_t T, size_t L, const double *state, const double *trans,
                   const unsigned char *allowed, const unsigned char *start,
                   uint32_t *y, double *score, struct decode_work *w);

/* The same with the mask already applied: tmask ([L][L], trans with -inf
 * where not allowed; NULL: no restriction) is decoded, and trans when no
 * path satisfies tmask and start.  Same results as decode_viterbi with the
 * allowed that made tmask, without building it each call. */
int decode_viterbi_tm(size_t T, size_t L, const double *state, const double *trans,
                      const double *tmask, const unsigned char *start, uint32_t *y,
                      double *score, struct decode_work *w);

#endif
