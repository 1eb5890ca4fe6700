/*
 * optimize.c - limited-memory BFGS (see optimize.h).
 *
 * Nocedal, "Updating quasi-Newton matrices with limited storage", Math. of
 * Computation 35 (1980); the line search conditions are Wolfe's (Nocedal and
 * Wright, "Numerical Optimization", ch. 3).
 *
 * The vector kernels below each make one pass over their vectors and keep
 * independent partial sums, so that the additions do not wait on each other.
 * The order of every sum is fixed by n alone.
 */
#include "optimize.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

void optim_params_init(struct optim_params *p)
{
    memset(p, 0, sizeof *p);
    p->m = 6;
    p->epsilon = 1e-5;
    p->past = 0;
    p->delta = 1e-5;
    p->max_iterations = 0;
    p->max_linesearch = 40;
    p->ftol = 1e-4;
    p->wolfe = 0.9;
    p->min_step = 1e-20;
    p->max_step = 1e20;
    p->parts = 1;
}

const char *optim_reason(enum optim_status st)
{
    switch (st) {
    case OPTIM_CONVERGED: return "converged (gradient norm below epsilon)";
    case OPTIM_STOPPED: return "converged (objective improved less than delta)";
    case OPTIM_ALREADY_MINIMIZED: return "already minimized";
    case OPTIM_MAX_ITERATIONS: return "reached the maximum number of iterations";
    case OPTIM_CANCELED: return "canceled";
    case OPTIM_ERR_NOMEM: return "out of memory";
    case OPTIM_ERR_PARAMS: return "invalid parameters";
    case OPTIM_ERR_NOT_DESCENT: return "search direction does not decrease the objective";
    case OPTIM_ERR_MIN_STEP: return "line search step became smaller than the minimum";
    case OPTIM_ERR_MAX_STEP: return "line search step became larger than the maximum";
    case OPTIM_ERR_LINESEARCH: return "line search reached its maximum number of trials";
    }
    return "unknown optimizer status";
}

/* ---- vector kernels ----------------------------------------------------- */

/* Each kernel makes one pass over [0, n) of its vectors; sums keep four
 * independent partial sums. */

/* a . b */
static double vdot(const double *restrict a, const double *restrict b, size_t n)
{
    double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        s0 += a[i] * b[i];
        s1 += a[i + 1] * b[i + 1];
        s2 += a[i + 2] * b[i + 2];
        s3 += a[i + 3] * b[i + 3];
    }
    for (; i < n; i++)
        s0 += a[i] * b[i];
    return (s0 + s1) + (s2 + s3);
}

/* dst = g; returns g . d */
static double vcopy_dot(double *restrict dst, const double *restrict g,
                        const double *restrict d, size_t n)
{
    memcpy(dst, g, n * sizeof *dst);
    return vdot(g, d, n);
}

/* d = c * (d + a * v); returns z . d (0 when z is NULL) */
static double vaxpy_dot(double *restrict d, double a, const double *restrict v, double c,
                        const double *restrict z, size_t n)
{
    if (!z) {
        for (size_t i = 0; i < n; i++)
            d[i] = c * (d[i] + a * v[i]);
        return 0.0;
    }
    double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        double d0 = c * (d[i] + a * v[i]);
        double d1 = c * (d[i + 1] + a * v[i + 1]);
        double d2 = c * (d[i + 2] + a * v[i + 2]);
        double d3 = c * (d[i + 3] + a * v[i + 3]);
        d[i] = d0;
        d[i + 1] = d1;
        d[i + 2] = d2;
        d[i + 3] = d3;
        s0 += z[i] * d0;
        s1 += z[i + 1] * d1;
        s2 += z[i + 2] * d2;
        s3 += z[i + 3] * d3;
    }
    for (; i < n; i++) {
        d[i] = c * (d[i] + a * v[i]);
        s0 += z[i] * d[i];
    }
    return (s0 + s1) + (s2 + s3);
}

/* d = -g */
static void vneg(double *restrict d, const double *restrict g, size_t n)
{
    for (size_t i = 0; i < n; i++)
        d[i] = -g[i];
}

/* save = x; x = x + t * d */
static void vstep_save(double *restrict x, double *restrict save, double t,
                       const double *restrict d, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        save[i] = x[i];
        x[i] += t * d[i];
    }
}

/* x = base + t * d */
static void vstep(double *restrict x, const double *restrict base, double t,
                  const double *restrict d, size_t n)
{
    for (size_t i = 0; i < n; i++)
        x[i] = base[i] + t * d[i];
}

/* s = x - s and y = g - y (s, y held the previous point and gradient);
 * r = {y.s, y.y, x.x, g.g} */
static void vupdate(double *restrict s, double *restrict y, const double *restrict x,
                    const double *restrict g, size_t n, double r[4])
{
    double ys0 = 0, ys1 = 0, yy0 = 0, yy1 = 0, xx0 = 0, xx1 = 0, gg0 = 0, gg1 = 0;
    size_t i = 0;
    for (; i + 2 <= n; i += 2) {
        double s0 = x[i] - s[i], s1 = x[i + 1] - s[i + 1];
        double y0 = g[i] - y[i], y1 = g[i + 1] - y[i + 1];
        s[i] = s0;
        s[i + 1] = s1;
        y[i] = y0;
        y[i + 1] = y1;
        ys0 += y0 * s0;
        ys1 += y1 * s1;
        yy0 += y0 * y0;
        yy1 += y1 * y1;
        xx0 += x[i] * x[i];
        xx1 += x[i + 1] * x[i + 1];
        gg0 += g[i] * g[i];
        gg1 += g[i + 1] * g[i + 1];
    }
    for (; i < n; i++) {
        double s0 = x[i] - s[i], y0 = g[i] - y[i];
        s[i] = s0;
        y[i] = y0;
        ys0 += y0 * s0;
        yy0 += y0 * y0;
        xx0 += x[i] * x[i];
        gg0 += g[i] * g[i];
    }
    r[0] = ys0 + ys1;
    r[1] = yy0 + yy1;
    r[2] = xx0 + xx1;
    r[3] = gg0 + gg1;
}

/* ---- vector operations over blocks -------------------------------------- */

/* An operation runs over fixed blocks of OPT_BLOCK elements; each block's
 * sums are kept, then added in block order.  Which thread runs a block does
 * not change any result: it is the same for every number of parts. */
#define OPT_BLOCK 8192

enum vop {
    V_DOT,       /* r0 = c . e                                  */
    V_COPY_DOT,  /* a = c;  r0 = c . e                          */
    V_NEG_DOT,   /* a = -c; r0 = e . a (e may be NULL)          */
    V_AXPY_DOT,  /* a = t * (a + s * c); r0 = e . a (e: NULL ok) */
    V_STEP_SAVE, /* b = a;  a = a + t * c                       */
    V_STEP,      /* a = c + t * e                               */
    V_UPDATE     /* a = c - a, b = e - b; r = {b.a, b.b, c.c, e.e} */
};

struct vjob {
    enum vop op;
    size_t n, nblocks;
    double *a, *b;
    const double *c, *e;
    double s, t;
    int parts;
    double (*sum)[4];    /* [nblocks] */
};

static void vjob_part(void *arg, int part)
{
    struct vjob *j = arg;
    size_t b0 = j->nblocks * (size_t)part / (size_t)j->parts;
    size_t b1 = j->nblocks * (size_t)(part + 1) / (size_t)j->parts;
    for (size_t b = b0; b < b1; b++) {
        size_t i = b * OPT_BLOCK, len = j->n - i < OPT_BLOCK ? j->n - i : OPT_BLOCK;
        double *r = j->sum[b];
        r[0] = 0.0;
        switch (j->op) {
        case V_DOT:
            r[0] = vdot(j->c + i, j->e + i, len);
            break;
        case V_COPY_DOT:
            r[0] = vcopy_dot(j->a + i, j->c + i, j->e + i, len);
            break;
        case V_NEG_DOT:
            vneg(j->a + i, j->c + i, len);
            if (j->e)
                r[0] = vdot(j->e + i, j->a + i, len);
            break;
        case V_AXPY_DOT:
            r[0] = vaxpy_dot(j->a + i, j->s, j->c + i, j->t, j->e ? j->e + i : NULL, len);
            break;
        case V_STEP_SAVE:
            vstep_save(j->a + i, j->b + i, j->t, j->c + i, len);
            break;
        case V_STEP:
            vstep(j->a + i, j->c + i, j->t, j->e + i, len);
            break;
        case V_UPDATE:
            vupdate(j->a + i, j->b + i, j->c + i, j->e + i, len, r);
            break;
        }
    }
}

struct opt {
    size_t n;
    optim_evaluate_fn evaluate;
    void *inst;
    const struct optim_params *p;
    double (*sum)[4];    /* [nblocks] */
    size_t nblocks;
};

/* Runs one operation; r (may be NULL) receives its sums. */
static void vrun(const struct opt *o, enum vop op, double *a, double *b, const double *c,
                 const double *e, double s, double t, double r[4])
{
    struct vjob j = {op, o->n, o->nblocks, a, b, c, e, s, t, 1, o->sum};
    const struct optim_params *p = o->p;
    if (p->run && p->parts > 1 && o->nblocks > 1) {
        j.parts = p->parts;
        p->run(p->run_ctx, vjob_part, &j);
    } else {
        vjob_part(&j, 0);
    }
    if (r) {
        r[0] = r[1] = r[2] = r[3] = 0.0;
        for (size_t k = 0; k < o->nblocks; k++)
            for (int q = 0; q < (op == V_UPDATE ? 4 : 1); q++)
                r[q] += o->sum[k][q];
    }
}

static double vrun1(const struct opt *o, enum vop op, double *a, double *b, const double *c,
                    const double *e, double s, double t)
{
    double r[4];
    vrun(o, op, a, b, c, e, s, t, r);
    return r[0];
}

/* ---- line search -------------------------------------------------------- */

/* From x (objective *f, gradient g) along d, starting with step *stp.  xp
 * and gp receive the start point and gradient.  On success x, *f and g are
 * the accepted point; on failure they are the start point again. */
static enum optim_status linesearch(const struct opt *o, double *x, double *f, double *g,
                                    const double *d, double *stp, double *xp, double *gp)
{
    const struct optim_params *p = o->p;
    size_t n = o->n;
    double finit = *f;
    double dginit = vrun1(o, V_COPY_DOT, gp, NULL, g, d, 0, 0);
    if (!(dginit < 0))
        return OPTIM_ERR_NOT_DESCENT;
    double t = *stp, lo = 0.0, hi = 0.0;    /* hi = 0: no upper bracket yet */
    enum optim_status st;
    for (int count = 1;; count++) {
        if (count == 1)
            vrun(o, V_STEP_SAVE, x, xp, d, NULL, 0, t, NULL);
        else
            vrun(o, V_STEP, x, NULL, xp, d, 0, t, NULL);
        double fx = o->evaluate(o->inst, x, g, n);
        double next;
        if (!(fx <= finit + p->ftol * t * dginit)) {
            /* too long (or not finite): the minimum of the quadratic through
             * f(0), the slope at 0 and f(t), kept within [0.1, 0.5] of the
             * step; bisection once a shorter acceptable step is known */
            hi = t;
            next = lo + 0.5 * (hi - lo);
            if (lo == 0.0 && isfinite(fx)) {
                double q = -dginit * t * t / (2.0 * (fx - finit - dginit * t));
                next = q < 0.1 * t ? 0.1 * t : q > 0.5 * t ? 0.5 * t : q;
            }
        } else {
            double dg = vrun1(o, V_DOT, NULL, NULL, g, d, 0, 0);
            if (dg >= p->wolfe * dginit) {
                *f = fx;
                *stp = t;
                return OPTIM_CONVERGED;
            }
            lo = t;    /* still descending steeply: go further */
            next = hi > 0.0 ? lo + 0.5 * (hi - lo) : 2.1 * t;
        }
        if (next < p->min_step) {
            st = OPTIM_ERR_MIN_STEP;
            break;
        }
        if (next > p->max_step) {
            st = OPTIM_ERR_MAX_STEP;
            break;
        }
        if (count >= p->max_linesearch) {
            st = OPTIM_ERR_LINESEARCH;
            break;
        }
        t = next;
    }
    memcpy(x, xp, n * sizeof *x);
    memcpy(g, gp, n * sizeof *g);
    *f = finit;
    return st;
}

/* ---- the iteration ------------------------------------------------------ */

static int params_ok(size_t n, const struct optim_params *p)
{
    return n > 0 && p->m > 0 && p->epsilon >= 0 && p->past >= 0 && p->delta >= 0 &&
           p->max_iterations >= 0 && p->max_linesearch > 0 && p->ftol > 0 &&
           p->wolfe > p->ftol && p->wolfe < 1 && p->min_step > 0 &&
           p->max_step >= p->min_step;
}

/* d = -H g by the two-loop recursion over the bound pairs in use (slot j:
 * s + j*n, y + j*n, ys[j] = y.s; the newest is slot end - 1), each update
 * fused with the next dot product; idx[0] is the newest pair.  alpha and idx
 * are scratch of m entries. */
static inline void two_loop(const struct opt *o, double *d, const double *g, const double *s,
                            const double *y, const double *ys, double *alpha, int *idx,
                            size_t end, size_t bound, size_t m, double gamma)
{
    size_t n = o->n;
    for (size_t i = 0; i < bound; i++)
        idx[i] = (int)((end + m - 1 - i) % m);
    double acc = vrun1(o, V_NEG_DOT, d, NULL, g, s + (size_t)idx[0] * n, 0, 0);
    for (size_t i = 0; i < bound; i++) {
        alpha[i] = acc / ys[idx[i]];
        const double *yi = y + (size_t)idx[i] * n;
        if (i + 1 < bound)
            acc = vrun1(o, V_AXPY_DOT, d, NULL, yi, s + (size_t)idx[i + 1] * n, -alpha[i],
                        1.0);
        else
            acc = vrun1(o, V_AXPY_DOT, d, NULL, yi, yi, -alpha[i], gamma);
    }
    for (size_t i = bound; i-- > 0;) {
        double beta = acc / ys[idx[i]];
        const double *z = i > 0 ? y + (size_t)idx[i - 1] * n : NULL;
        acc = vrun1(o, V_AXPY_DOT, d, NULL, s + (size_t)idx[i] * n, z, alpha[i] - beta,
                    1.0);
    }
}

enum optim_status optim_lbfgs(size_t n, double *x, double *fx, optim_evaluate_fn evaluate,
                              optim_progress_fn progress, void *inst,
                              const struct optim_params *p)
{
    if (!x || !fx || !evaluate || !p || !params_ok(n, p))
        return OPTIM_ERR_PARAMS;
    size_t m = (size_t)p->m;
    if (n > SIZE_MAX / sizeof(double))
        return OPTIM_ERR_NOMEM;
    struct opt o = {n, evaluate, inst, p, NULL, (n + OPT_BLOCK - 1) / OPT_BLOCK};
    double *mem = util_malloc(2 * m + 2, n * sizeof *mem);
    double *small = util_malloc(2 * m + (size_t)p->past + 1, sizeof *small);
    int *idx = util_malloc(m, sizeof *idx);
    o.sum = util_malloc(o.nblocks, sizeof *o.sum);
    if (!mem || !small || !idx || !o.sum) {
        free(mem);
        free(small);
        free(idx);
        free(o.sum);
        return OPTIM_ERR_NOMEM;
    }
    double *g = mem, *d = mem + n;
    double *s = mem + 2 * n, *y = mem + (2 + m) * n;    /* slot j: s + j*n, y + j*n */
    double *ys = small, *alpha = small + m, *pf = small + 2 * m;
    enum optim_status st;

    double f = evaluate(inst, x, g, n);
    *fx = f;
    double xnorm = sqrt(vrun1(&o, V_DOT, NULL, NULL, x, x, 0, 0));
    double gnorm = sqrt(-vrun1(&o, V_NEG_DOT, d, NULL, g, g, 0, 0));    /* d = -g */
    if (isfinite(f) && gnorm / (xnorm > 1.0 ? xnorm : 1.0) <= p->epsilon) {
        st = OPTIM_ALREADY_MINIMIZED;
        goto out;
    }
    pf[0] = f;
    double step = gnorm > 0 ? 1.0 / gnorm : 1.0;
    double gamma = 1.0;
    size_t end = 0, bound = 0;    /* next slot to write; slots in use */
    for (int k = 1;; k++) {
        double *xp = s + end * n, *gp = y + end * n;
        st = linesearch(&o, x, &f, g, d, &step, xp, gp);
        *fx = f;
        if (st != OPTIM_CONVERGED)
            break;
        double u[4];    /* y.s, y.y, x.x, g.g */
        vrun(&o, V_UPDATE, xp, gp, x, g, 0, 0, u);
        xnorm = sqrt(u[2]);
        gnorm = sqrt(u[3]);
        if (progress && progress(inst, x, g, f, xnorm, gnorm, n, k)) {
            st = OPTIM_CANCELED;
            break;
        }
        if (gnorm / (xnorm > 1.0 ? xnorm : 1.0) <= p->epsilon) {
            st = OPTIM_CONVERGED;
            break;
        }
        if (p->past > 0) {
            size_t at = (size_t)k % (size_t)p->past;
            if (k >= p->past && (pf[at] - f) / f < p->delta) {
                st = OPTIM_STOPPED;
                break;
            }
            pf[at] = f;
        }
        if (p->max_iterations > 0 && k >= p->max_iterations) {
            st = OPTIM_MAX_ITERATIONS;
            break;
        }
        /* keep the pair only with positive curvature (the Wolfe conditions
         * give it; rounding may not).  Either way slot end was overwritten,
         * and when all m were in use it held the oldest pair. */
        if (u[0] > 0 && u[1] > 0) {
            ys[end] = u[0];
            gamma = u[0] / u[1];
            end = (end + 1) % m;
            if (bound < m)
                bound++;
        } else if (bound == m) {
            bound--;
        }
        if (bound == 0) {
            vrun(&o, V_NEG_DOT, d, NULL, g, NULL, 0, 0, NULL);
            step = 1.0 / gnorm;
            continue;
        }
        two_loop(&o, d, g, s, y, ys, alpha, idx, end, bound, m, gamma);
        step = 1.0;
    }
out:
    free(mem);
    free(small);
    free(idx);
    free(o.sum);
    return st;
}
