/*
 * optimize.h - limited-memory BFGS for smooth objectives (pipeline layer).
 *
 * Between two gradient evaluations L-BFGS does vector work of its own over
 * all weights (liblbfgs: about 35 scalar passes an iteration with m = 6), in
 * one thread, which bounds what the training threads can gain.  Here:
 *   - the two-loop recursion fuses each update with the next dot product:
 *     2m + 5 passes an iteration in all;
 *   - every pass runs over fixed blocks of the vectors, split over the
 *     caller's threads (optim_params.run); the sums are kept per block and
 *     added in block order, so results do not depend on the thread count;
 *   - sums keep independent partial sums, so additions do not wait on each
 *     other;
 *   - storage (76 bytes a parameter with m = 6, against 120 with every
 *     vector in double): the gradient and one work vector in double (the
 *     line search's start point, then the new pair, then the two-loop
 *     recursion's accumulator), the direction and the 2m correction
 *     vectors (s, y) in float, every dot product summed in double; the
 *     line search's start gradient lives in the slot of the pair that the
 *     new one replaces.  Rounding to float makes results depend on the
 *     last bits of the gradient, which the caller keeps independent of how
 *     it is computed (train.c rounds the terms of its sums, so that they
 *     are exact).
 * The line search tries the unit step (1 / |g| at the first iteration) and
 * accepts it under the Wolfe conditions (sufficient decrease ftol, curvature
 * wolfe), or, when the objective changed by no more than its rounding
 * (64 DBL_EPSILON |f|), under the approximate Wolfe conditions of Hager and
 * Zhang, read from the slopes; else it shrinks by safeguarded quadratic
 * interpolation, or grows by 2.1 while the slope is still too steep,
 * bisecting once bracketed.
 * The stopping tests are liblbfgs's: |g| / max(1, |x|) <= epsilon, and
 * (f(k - past) - f(k)) / f(k) < delta.
 *
 * No global state, no printing.
 */
#ifndef CRFTAG_OPTIMIZE_H
#define CRFTAG_OPTIMIZE_H

#include <stddef.h>

struct optim_params {
    int m;              /* corrections kept                          6     */
    double epsilon;     /* converged when |g| / max(1, |x|) <= this  1e-5  */
    int past;           /* delta test over this many iterations;     0     */
                        /*   0 = no delta test                             */
    double delta;       /* stop when the relative decrease is less   1e-5  */
    int max_iterations; /* 0 = no limit                              0     */
    int max_linesearch; /* evaluations per line search               40    */
    double ftol;        /* sufficient decrease coefficient           1e-4  */
    double wolfe;       /* curvature coefficient (ftol < wolfe < 1)  0.9   */
    double min_step;    /* line search step bounds                   1e-20 */
    double max_step;    /*                                           1e20  */
    /* Parallel vector work (optional): run(run_ctx, fn, arg) calls fn(arg,
     * part) for part = 0 .. parts - 1 and returns when all have returned.
     * The results are the same for any number of parts. */
    void (*run)(void *run_ctx, void (*fn)(void *arg, int part), void *arg);
    void *run_ctx;      /*                                           NULL  */
    int parts;          /*                                           1     */
    /* L1: c1 > 0 minimises f(x) + c1 |x|_1 by OWL-QN (Andrew and Gao,
     * ICML 2007): the direction from the pseudo-gradient, kept in its
     * orthant, and a backtracking line search that projects every point on
     * the orthant of the start (a coordinate that would cross 0 stays 0);
     * the pairs are of f's gradient.  The objective passed to progress and
     * returned includes c1 |x|_1; the norm and the epsilon test are of the
     * pseudo-gradient. */
    double c1;          /*                                           0     */
};

enum optim_status {
    OPTIM_CONVERGED = 0,     /* |g| / max(1, |x|) <= epsilon                 */
    OPTIM_STOPPED,           /* decrease over `past` iterations below delta  */
    OPTIM_ALREADY_MINIMIZED, /* the start point passes the epsilon test      */
    OPTIM_MAX_ITERATIONS,    /* max_iterations done; x is the last point     */
    OPTIM_CANCELED,          /* progress returned non-zero; x is that point  */
    OPTIM_ERR_NOMEM,         /* x is unchanged                               */
    OPTIM_ERR_PARAMS,        /* invalid parameters; x is unchanged           */
    OPTIM_ERR_NOT_DESCENT,   /* the direction does not descend (the          */
                             /*   gradient is wrong, or rounding)            */
    OPTIM_ERR_MIN_STEP,      /* line search failures: x and f are the last   */
    OPTIM_ERR_MAX_STEP,      /*   accepted point                             */
    OPTIM_ERR_LINESEARCH
};

/* f(x); writes the gradient to g[n].  A non-finite value makes the line
 * search shrink the step. */
typedef double (*optim_evaluate_fn)(void *inst, const double *x, double *g, size_t n);

/* Called after iteration k (1, 2, ...) with its point; non-zero cancels. */
typedef int (*optim_progress_fn)(void *inst, const double *x, const double *g, double fx,
                                 double xnorm, double gnorm, size_t n, int k);

void optim_params_init(struct optim_params *p);

/* Minimises from x[n] (in place); *fx receives the final objective.
 * progress may be NULL. */
enum optim_status optim_lbfgs(size_t n, double *x, double *fx, optim_evaluate_fn evaluate,
                              optim_progress_fn progress, void *inst,
                              const struct optim_params *p);

/* One block of the pass that stores a new correction pair (for the tests):
 * s = x - xp and y = g - gp, each rounded to float, packed into xp (element
 * i, 8 bytes, becomes the floats s[i], y[i]); r = {y.s, y.y of the rounded
 * floats, x.x, g.g}, each summed in double over alternate elements in two
 * partial sums, (even) + (odd). */
void optim_pack_pair(double *restrict xp, const double *restrict x, const double *restrict g,
                     const double *restrict gp, size_t n, double r[4]);

/* A short English phrase for a status ("converged (...)"). */
const char *optim_reason(enum optim_status st);

#endif
