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

#include <float.h>
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
 * independent partial sums, in double also over float vectors (the
 * direction d and the correction pairs: each float is widened exactly, so a
 * sum is as accurate as over doubles holding the same values). */

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

/* a . b, b float */
static double vdotf(const double *restrict a, const float *restrict b, size_t n)
{
    double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        s0 += a[i] * (double)b[i];
        s1 += a[i + 1] * (double)b[i + 1];
        s2 += a[i + 2] * (double)b[i + 2];
        s3 += a[i + 3] * (double)b[i + 3];
    }
    for (; i < n; i++)
        s0 += a[i] * (double)b[i];
    return (s0 + s1) + (s2 + s3);
}

/* dst = g; returns g . d */
static double vcopy_dotf(double *restrict dst, const double *restrict g,
                         const float *restrict d, size_t n)
{
    memcpy(dst, g, n * sizeof *dst);
    return vdotf(g, d, n);
}

/* d = -g rounded to float; returns g . g */
static double vneg_to_float(float *restrict d, const double *restrict g, size_t n)
{
    for (size_t i = 0; i < n; i++)
        d[i] = (float)-g[i];
    return vdot(g, g, n);
}

/* w = -g; returns e . w */
static double vneg_dotf(double *restrict w, const double *restrict g, const float *restrict e,
                        size_t n)
{
    for (size_t i = 0; i < n; i++)
        w[i] = -g[i];
    return vdotf(w, e, n);
}

/* w = c * (w + a * v); returns z . w (0 when z is NULL) */
static double vaxpy_dotf(double *restrict w, double a, const float *restrict v, double c,
                         const float *restrict z, size_t n)
{
    if (!z) {
        for (size_t i = 0; i < n; i++)
            w[i] = c * (w[i] + a * (double)v[i]);
        return 0.0;
    }
    double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        double d0 = c * (w[i] + a * (double)v[i]);
        double d1 = c * (w[i + 1] + a * (double)v[i + 1]);
        double d2 = c * (w[i + 2] + a * (double)v[i + 2]);
        double d3 = c * (w[i + 3] + a * (double)v[i + 3]);
        w[i] = d0;
        w[i + 1] = d1;
        w[i + 2] = d2;
        w[i + 3] = d3;
        s0 += (double)z[i] * d0;
        s1 += (double)z[i + 1] * d1;
        s2 += (double)z[i + 2] * d2;
        s3 += (double)z[i + 3] * d3;
    }
    for (; i < n; i++) {
        w[i] = c * (w[i] + a * (double)v[i]);
        s0 += (double)z[i] * w[i];
    }
    return (s0 + s1) + (s2 + s3);
}

/* d = c * (w + a * v) rounded to float (w is left as it was) */
static void vaxpy_to_float(float *restrict d, const double *restrict w, double a,
                           const float *restrict v, double c, size_t n)
{
    for (size_t i = 0; i < n; i++)
        d[i] = (float)(c * (w[i] + a * (double)v[i]));
}

/* save = x; x = x + t * d */
static void vstep_save(double *restrict x, double *restrict save, double t,
                       const float *restrict d, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        save[i] = x[i];
        x[i] += t * (double)d[i];
    }
}

/* x = base + t * d */
static void vstep(double *restrict x, const double *restrict base, double t,
                  const float *restrict d, size_t n)
{
    for (size_t i = 0; i < n; i++)
        x[i] = base[i] + t * (double)d[i];
}

/* The new correction pair, s = x - xp and y = g - gp, rounded to float and
 * packed into xp: element i of xp (8 bytes) becomes the floats s[i], y[i]
 * (xp[i] is read first; memcpy, so that no type punning is involved).
 * r = {y.s, y.y of the rounded pair, x.x, g.g}
 *
 * gcc 12's basic-block vectorizer (-O2) computed these sums from the
 * differences before their rounding to float (it took (double)(float)v for
 * v), so a gcc build and a clang build trained different models; the
 * function is compiled without that pass (test_optimize's
 * test_pack_pair_sums_rounded checks the sums against the packed floats). */
#if defined(__GNUC__) && !defined(__clang__)
__attribute__((optimize("no-tree-slp-vectorize")))
#endif
void optim_pack_pair(double *restrict xp, const double *restrict x, const double *restrict g,
                     const double *restrict gp, size_t n, double r[4])
{
    double ys0 = 0, ys1 = 0, yy0 = 0, yy1 = 0, xx0 = 0, xx1 = 0, gg0 = 0, gg1 = 0;
    size_t i = 0;
    for (; i + 2 <= n; i += 2) {
        float p0[2] = {(float)(x[i] - xp[i]), (float)(g[i] - gp[i])};
        float p1[2] = {(float)(x[i + 1] - xp[i + 1]), (float)(g[i + 1] - gp[i + 1])};
        memcpy(&xp[i], p0, sizeof p0);
        memcpy(&xp[i + 1], p1, sizeof p1);
        ys0 += (double)p0[1] * (double)p0[0];
        ys1 += (double)p1[1] * (double)p1[0];
        yy0 += (double)p0[1] * (double)p0[1];
        yy1 += (double)p1[1] * (double)p1[1];
        xx0 += x[i] * x[i];
        xx1 += x[i + 1] * x[i + 1];
        gg0 += g[i] * g[i];
        gg1 += g[i + 1] * g[i + 1];
    }
    for (; i < n; i++) {
        float p0[2] = {(float)(x[i] - xp[i]), (float)(g[i] - gp[i])};
        memcpy(&xp[i], p0, sizeof p0);
        ys0 += (double)p0[1] * (double)p0[0];
        yy0 += (double)p0[1] * (double)p0[1];
        xx0 += x[i] * x[i];
        gg0 += g[i] * g[i];
    }
    r[0] = ys0 + ys1;
    r[1] = yy0 + yy1;
    r[2] = xx0 + xx1;
    r[3] = gg0 + gg1;
}

/* s[i], y[i] = the floats optim_pack_pair left in packed[i] */
static void vunpack(float *restrict s, float *restrict y, const double *restrict packed,
                    size_t n)
{
    for (size_t i = 0; i < n; i++) {
        float p[2];
        memcpy(p, &packed[i], sizeof p);
        s[i] = p[0];
        y[i] = p[1];
    }
}

/* ---- OWL-QN (c1 > 0): the L1 term's kernels ------------------------------
 *
 * Andrew and Gao, "Scalable training of L1-regularized log-linear models",
 * ICML 2007.  The objective is F(x) = f(x) + c1 |x|_1, f the caller's
 * (smooth) one.  Its pseudo-gradient at x, gradient g of f: */
static inline double pgrad(double x, double g, double c1)
{
    if (x > 0)
        return g + c1;
    if (x < 0)
        return g - c1;
    if (g + c1 < 0)
        return g + c1;    /* moving up lowers F */
    if (g - c1 > 0)
        return g - c1;    /* moving down lowers F */
    return 0.0;
}

/* Returns {pg . pg, |x|_1} of the pseudo-gradient pg(x, g); with d (not
 * NULL) also d = -pg rounded to float. */
static void vpg_norm(float *restrict d, const double *restrict x, const double *restrict g,
                     double c1, size_t n, double r[4])
{
    double pp = 0, l1 = 0;
    for (size_t i = 0; i < n; i++) {
        double v = pgrad(x[i], g[i], c1);
        if (d)
            d[i] = (float)-v;
        pp += v * v;
        l1 += fabs(x[i]);
    }
    r[0] = pp;
    r[1] = l1;
}

/* w = -pg(x, g); returns e . w */
static double vpg_neg_dotf(double *restrict w, const double *restrict x,
                           const double *restrict g, double c1, const float *restrict e,
                           size_t n)
{
    for (size_t i = 0; i < n; i++)
        w[i] = -pgrad(x[i], g[i], c1);
    return vdotf(w, e, n);
}

/* The direction kept in the orthant the pseudo-gradient points away from:
 * d[i] = 0 where it does not descend (d[i] pg[i] >= 0); returns pg . d */
static double vpg_project(float *restrict d, const double *restrict x,
                          const double *restrict g, double c1, size_t n)
{
    double s = 0;
    for (size_t i = 0; i < n; i++) {
        double v = pgrad(x[i], g[i], c1);
        if ((double)d[i] * v >= 0)
            d[i] = 0.0f;
        s += (double)d[i] * v;
    }
    return s;
}

/* The line search's point: x = xp + t d, each coordinate that leaves the
 * orthant of xp (xp's sign, or for xp[i] = 0 the sign of -pg) set to 0.
 * With save: xp = x first.  Returns {pg(xp) . (x - xp), |x|_1}; pg(xp) from
 * xp and its gradient gp. */
static void vpg_step(double *restrict x, double *restrict xp, int save,
                     const double *restrict gp, double t, const float *restrict d,
                     double c1, size_t n, double r[4])
{
    double s = 0, l1 = 0;
    for (size_t i = 0; i < n; i++) {
        double base = save ? x[i] : xp[i];
        if (save)
            xp[i] = base;
        double v = pgrad(base, gp[i], c1);
        double orth = base != 0 ? base : -v;
        double y = base + t * (double)d[i];
        if (y * orth <= 0)
            y = 0.0;
        x[i] = y;
        s += v * (y - base);
        l1 += fabs(y);
    }
    r[0] = s;
    r[1] = l1;
}

/* ---- vector operations over blocks -------------------------------------- */

/* An operation runs over fixed blocks of OPT_BLOCK elements; each block's
 * sums are kept, then added in block order.  Which thread runs a block does
 * not change any result: it is the same for every number of parts.
 * Operands: a, b double outputs, c, e double inputs; fa, fb float outputs,
 * fc, fe float inputs (the direction and the correction pairs). */
#define OPT_BLOCK 8192

enum vop {
    V_DOT,        /* r0 = c . e                                        */
    V_DOTF,       /* r0 = c . fe                                       */
    V_COPY_DOTF,  /* a = c;  r0 = c . fe                               */
    V_NEG_F,      /* fa = -c; r0 = c . c                               */
    V_NEG_DOTF,   /* a = -c; r0 = fe . a                               */
    V_AXPY_DOTF,  /* a = t * (a + s * fc); r0 = fe . a (fe: NULL ok)   */
    V_AXPY_F,     /* fa = t * (c + s * fc)                             */
    V_STEP_SAVE,  /* b = a;  a = a + t * fc                            */
    V_STEP,       /* a = c + t * fc                                    */
    V_PACK,       /* a[i] = {c - a, e - ce} packed as floats; r = {y.s, */
                  /*   y.y, c.c, e.e}; ce = the previous gradient      */
    V_UNPACK,     /* fa, fb = the floats packed in c                   */
    /* OWL-QN, c = x, e = g (or ce = gp), s = c1; pg the pseudo-gradient */
    V_PG_NORM,    /* r = {pg(c, e) . pg, |c|_1}; fa = -pg (fa: NULL ok) */
    V_PG_NEG_DOTF,/* a = -pg(c, e); r0 = fe . a                        */
    V_PG_PROJECT, /* fa[i] = 0 where fa[i] pg[i] >= 0; r0 = pg . fa    */
    V_PG_STEP_SAVE, /* b = a; then as V_PG_STEP                        */
    V_PG_STEP     /* a = b + t fc in b's orthant; r = {pg(b, ce) .     */
                  /*   (a - b), |a|_1}                                 */
};

/* how many sums an operation returns */
static int vop_sums(enum vop op)
{
    switch (op) {
    case V_PACK: return 4;
    case V_PG_NORM: case V_PG_STEP_SAVE: case V_PG_STEP: return 2;
    default: return 1;
    }
}

struct vjob {
    enum vop op;
    size_t n, nblocks;
    double *a, *b;
    const double *c, *e, *ce;
    float *fa, *fb;
    const float *fc, *fe;
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
        case V_DOTF:
            r[0] = vdotf(j->c + i, j->fe + i, len);
            break;
        case V_COPY_DOTF:
            r[0] = vcopy_dotf(j->a + i, j->c + i, j->fe + i, len);
            break;
        case V_NEG_F:
            r[0] = vneg_to_float(j->fa + i, j->c + i, len);
            break;
        case V_NEG_DOTF:
            r[0] = vneg_dotf(j->a + i, j->c + i, j->fe + i, len);
            break;
        case V_AXPY_DOTF:
            r[0] = vaxpy_dotf(j->a + i, j->s, j->fc + i, j->t, j->fe ? j->fe + i : NULL, len);
            break;
        case V_AXPY_F:
            vaxpy_to_float(j->fa + i, j->c + i, j->s, j->fc + i, j->t, len);
            break;
        case V_STEP_SAVE:
            vstep_save(j->a + i, j->b + i, j->t, j->fc + i, len);
            break;
        case V_STEP:
            vstep(j->a + i, j->c + i, j->t, j->fc + i, len);
            break;
        case V_PACK:
            optim_pack_pair(j->a + i, j->c + i, j->e + i, j->ce + i, len, r);
            break;
        case V_UNPACK:
            vunpack(j->fa + i, j->fb + i, j->c + i, len);
            break;
        case V_PG_NORM:
            vpg_norm(j->fa ? j->fa + i : NULL, j->c + i, j->e + i, j->s, len, r);
            break;
        case V_PG_NEG_DOTF:
            r[0] = vpg_neg_dotf(j->a + i, j->c + i, j->e + i, j->s, j->fe + i, len);
            break;
        case V_PG_PROJECT:
            r[0] = vpg_project(j->fa + i, j->c + i, j->e + i, j->s, len);
            break;
        case V_PG_STEP_SAVE:
        case V_PG_STEP:
            vpg_step(j->a + i, j->b + i, j->op == V_PG_STEP_SAVE, j->ce + i, j->t, j->fc + i,
                     j->s, len, r);
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

/* Runs the operation of *jp (op, vectors and scalars set; the rest is
 * filled here); r (may be NULL) receives its sums. */
static void vrun(const struct opt *o, const struct vjob *jp, double r[4])
{
    struct vjob j = *jp;
    j.n = o->n;
    j.nblocks = o->nblocks;
    j.parts = 1;
    j.sum = o->sum;
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
            for (int q = 0; q < vop_sums(j.op); q++)
                r[q] += o->sum[k][q];
    }
}

/* vrun for the operations of one sum: returns r0 */
static double vrun1(const struct opt *o, const struct vjob *jp)
{
    double r[4];
    vrun(o, jp, r);
    return r[0];
}

/* ---- line search -------------------------------------------------------- */

/* Objective values closer than OPT_NOISE * DBL_EPSILON * |f| are taken as
 * equal up to rounding (the logistic problem of tests/test_optimize.c, 40
 * terms, varies by 4 such units between nearly equal points) */
#define OPT_NOISE 64

/* From x (objective *f, gradient g) along d, starting with step *stp.  xp
 * and gp receive the start point and gradient.  On success x, *f and g are
 * the accepted point; on failure they are the start point again. */
static enum optim_status linesearch(const struct opt *o, double *x, double *f, double *g,
                                    const float *d, double *stp, double *xp, double *gp)
{
    const struct optim_params *p = o->p;
    size_t n = o->n;
    double finit = *f;
    double dginit = vrun1(o, &(struct vjob){.op = V_COPY_DOTF, .a = gp, .c = g, .fe = d});
    if (!(dginit < 0))
        return OPTIM_ERR_NOT_DESCENT;
    double t = *stp, lo = 0.0, hi = 0.0;    /* hi = 0: no upper bracket yet */
    enum optim_status st;
    for (int count = 1;; count++) {
        if (count == 1)
            vrun(o, &(struct vjob){.op = V_STEP_SAVE, .a = x, .b = xp, .fc = d, .t = t}, NULL);
        else
            vrun(o, &(struct vjob){.op = V_STEP, .a = x, .c = xp, .fc = d, .t = t}, NULL);
        double fx = o->evaluate(o->inst, x, g, n);
        double next;
        if (!(fx <= finit + p->ftol * t * dginit) && isfinite(fx) &&
            fx - finit <= OPT_NOISE * DBL_EPSILON * fabs(finit)) {
            /* not lower by the test, but the difference is within the
             * objective's rounding (a sum of many terms), where comparing
             * values decides nothing: near the minimum the decrease a step
             * can make is below it.  The slopes are still exact enough:
             * accept under the approximate Wolfe conditions (Hager and
             * Zhang, SIAM J. Optim. 16 (2005)), the sufficient decrease
             * read from the slopes (on a quadratic, (2 ftol - 1) dginit >=
             * dg is the test itself) */
            double dg = vrun1(o, &(struct vjob){.op = V_DOTF, .c = g, .fe = d});
            if (dg >= p->wolfe * dginit && dg <= (2.0 * p->ftol - 1.0) * dginit) {
                *f = fx;
                *stp = t;
                return OPTIM_CONVERGED;
            }
        }
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
            double dg = vrun1(o, &(struct vjob){.op = V_DOTF, .c = g, .fe = d});
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

/* OWL-QN's line search (c1 > 0; Andrew and Gao's backtracking): from x
 * (objective *f = f(x) + c1 |x|_1, gradient g of f) along d, which descends
 * (dginit = pg . d < 0), each point projected on the orthant of x; accepts
 * the first step t with F(x_t) <= F(x) + ftol pg . (x_t - x), halving from
 * *stp.  xp and gp receive the start point and gradient; on failure x, *f
 * and g are the start point again. */
static enum optim_status linesearch_l1(const struct opt *o, double *x, double *f, double *g,
                                       const float *d, double dginit, double *stp,
                                       double *xp, double *gp)
{
    const struct optim_params *p = o->p;
    size_t n = o->n;
    double finit = *f;
    if (!(dginit < 0))
        return OPTIM_ERR_NOT_DESCENT;
    vrun(o, &(struct vjob){.op = V_COPY_DOTF, .a = gp, .c = g, .fe = d}, NULL);
    double t = *stp;
    enum optim_status st;
    for (int count = 1;; count++) {
        double r[4];
        vrun(o, &(struct vjob){.op = count == 1 ? V_PG_STEP_SAVE : V_PG_STEP, .a = x, .b = xp,
                               .ce = gp, .fc = d, .s = p->c1, .t = t}, r);
        double fx = o->evaluate(o->inst, x, g, n) + p->c1 * r[1];
        if (fx <= finit + p->ftol * r[0]) {
            *f = fx;
            *stp = t;
            return OPTIM_CONVERGED;
        }
        /* at the objective's rounding floor: neither this decrease nor any
         * shorter step's can show above the rounding of f (a sum of many
         * terms), so the start point is as good as the objective can tell:
         * stop there (without this, a step that changes nothing would be
         * accepted, again and again) */
        double noise = OPT_NOISE * DBL_EPSILON * fabs(finit);
        if (isfinite(fx) && fx - finit <= noise && -p->ftol * r[0] <= noise) {
            st = OPTIM_STOPPED;
            break;
        }
        if (count >= p->max_linesearch) {
            st = OPTIM_ERR_LINESEARCH;
            break;
        }
        t *= 0.5;
        if (t < p->min_step) {
            st = OPTIM_ERR_MIN_STEP;
            break;
        }
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
           p->max_step >= p->min_step && p->c1 >= 0;
}

/* d = -H g (c1 > 0: -H pg, the pseudo-gradient at x) by the two-loop
 * recursion over the pairs in use (slot j: s_j =
 * hist + 2 j n, y_j = s_j + n, ys[j] = y.s; the newest is slot end - 1),
 * each update fused with the next dot product, in double in w; the last
 * update writes d rounded to float.  idx[0] is the newest pair; alpha and
 * idx are scratch of m entries. */
static inline void two_loop(const struct opt *o, float *d, double *w, const double *x,
                            const double *g, const float *hist, const double *ys,
                            double *alpha, int *idx, size_t end, size_t bound, size_t m,
                            double gamma)
{
    size_t n = o->n;
    for (size_t i = 0; i < bound; i++)
        idx[i] = (int)((end + m - 1 - i) % m);
#define S_(j) (hist + 2 * (size_t)(j) * n)
#define Y_(j) (hist + (2 * (size_t)(j) + 1) * n)
    /* with c1 > 0 the recursion runs on the pseudo-gradient */
    double acc = o->p->c1 > 0
                     ? vrun1(o, &(struct vjob){.op = V_PG_NEG_DOTF, .a = w, .c = x, .e = g,
                                               .s = o->p->c1, .fe = S_(idx[0])})
                     : vrun1(o, &(struct vjob){.op = V_NEG_DOTF, .a = w, .c = g,
                                               .fe = S_(idx[0])});
    for (size_t i = 0; i < bound; i++) {
        alpha[i] = acc / ys[idx[i]];
        const float *z = i + 1 < bound ? S_(idx[i + 1]) : Y_(idx[i]);
        acc = vrun1(o, &(struct vjob){.op = V_AXPY_DOTF, .a = w, .fc = Y_(idx[i]), .fe = z,
                                      .s = -alpha[i], .t = i + 1 < bound ? 1.0 : gamma});
    }
    for (size_t i = bound; i-- > 0;) {
        double beta = acc / ys[idx[i]];
        if (i > 0)
            acc = vrun1(o, &(struct vjob){.op = V_AXPY_DOTF, .a = w, .fc = S_(idx[i]),
                                          .fe = Y_(idx[i - 1]), .s = alpha[i] - beta,
                                          .t = 1.0});
        else
            vrun(o, &(struct vjob){.op = V_AXPY_F, .fa = d, .c = w, .fc = S_(idx[i]),
                                   .s = alpha[i] - beta, .t = 1.0}, NULL);
    }
#undef S_
#undef Y_
}

enum optim_status optim_lbfgs(size_t n, double *x, double *fx, optim_evaluate_fn evaluate,
                              optim_progress_fn progress, void *inst,
                              const struct optim_params *p)
{
    if (!x || !fx || !evaluate || !p || !params_ok(n, p))
        return OPTIM_ERR_PARAMS;
    size_t m = (size_t)p->m;
    if (n > SIZE_MAX / sizeof(double) / 2 || 2 * m > SIZE_MAX / sizeof(float) / n)
        return OPTIM_ERR_NOMEM;
    struct opt o = {n, evaluate, inst, p, NULL, (n + OPT_BLOCK - 1) / OPT_BLOCK};
    double *mem = util_malloc(2, n * sizeof *mem);
    float *d = util_malloc(n, sizeof *d);
    float *hist = util_malloc(2 * m, n * sizeof *hist);
    double *small = util_malloc(2 * m + (size_t)p->past + 1, sizeof *small);
    int *idx = util_malloc(m, sizeof *idx);
    o.sum = util_malloc(o.nblocks, sizeof *o.sum);
    if (!mem || !d || !hist || !small || !idx || !o.sum) {
        free(mem);
        free(d);
        free(hist);
        free(small);
        free(idx);
        free(o.sum);
        return OPTIM_ERR_NOMEM;
    }
    /* g, the gradient; w, the line search's start point, then the new pair
     * packed, then the two-loop's work vector.  The 2m floats of a slot
     * (s_j, y_j) are 8n bytes, the size of n doubles: during the line
     * search, slot end holds its start gradient (slot end is unused, or
     * holds the oldest pair, which the direction has used for the last
     * time and the new pair replaces) */
    double *g = mem, *w = mem + n;
    double *ys = small, *alpha = small + m, *pf = small + 2 * m;
    enum optim_status st;

    const double c1 = p->c1;    /* > 0: OWL-QN, f + c1 |x|_1 */
    double f = evaluate(inst, x, g, n);
    double xnorm = sqrt(vrun1(&o, &(struct vjob){.op = V_DOT, .c = x, .e = x}));
    double gnorm;    /* |g|, or with c1 > 0 |pg| */
    if (c1 > 0) {
        double r[4];    /* d = -pg */
        vrun(&o, &(struct vjob){.op = V_PG_NORM, .fa = d, .c = x, .e = g, .s = c1}, r);
        gnorm = sqrt(r[0]);
        f += c1 * r[1];
    } else {
        gnorm = sqrt(vrun1(&o, &(struct vjob){.op = V_NEG_F, .fa = d, .c = g}));  /* d = -g */
    }
    *fx = f;
    if (isfinite(f) && gnorm / (xnorm > 1.0 ? xnorm : 1.0) <= p->epsilon) {
        st = OPTIM_ALREADY_MINIMIZED;
        goto out;
    }
    pf[0] = f;
    double step = gnorm > 0 ? 1.0 / gnorm : 1.0;
    double gamma = 1.0;
    size_t end = 0, bound = 0;    /* next slot to write; slots in use */
    for (int k = 1;; k++) {
        float *slot = hist + 2 * end * n;
        double *gp = (double *)(void *)slot;
        if (c1 > 0) {
            /* the direction kept where it descends; where nothing is left,
             * the steepest descent of the pseudo-gradient */
            double dg = vrun1(&o, &(struct vjob){.op = V_PG_PROJECT, .fa = d, .c = x, .e = g,
                                                 .s = c1});
            if (!(dg < 0) && k > 1) {
                double r[4];
                vrun(&o, &(struct vjob){.op = V_PG_NORM, .fa = d, .c = x, .e = g, .s = c1}, r);
                dg = -r[0];
                step = r[0] > 0 ? 1.0 / sqrt(r[0]) : 1.0;
            }
            st = linesearch_l1(&o, x, &f, g, d, dg, &step, w, gp);
        } else {
            st = linesearch(&o, x, &f, g, d, &step, w, gp);
        }
        *fx = f;
        if (st != OPTIM_CONVERGED)
            break;
        double u[4];    /* y.s, y.y, x.x, g.g */
        vrun(&o, &(struct vjob){.op = V_PACK, .a = w, .c = x, .e = g, .ce = gp}, u);
        vrun(&o, &(struct vjob){.op = V_UNPACK, .fa = slot, .fb = slot + n, .c = w}, NULL);
        xnorm = sqrt(u[2]);
        /* keep the pair only with positive curvature (the Wolfe conditions
         * give it; rounding may not).  Either way slot end was overwritten,
         * and when all m were in use it held the oldest pair.  (Decided
         * before the stopping tests, which do not use the pairs.) */
        if (u[0] > 0 && u[1] > 0) {
            ys[end] = u[0];
            gamma = u[0] / u[1];
            end = (end + 1) % m;
            if (bound < m)
                bound++;
        } else if (bound == m) {
            bound--;
        }
        /* with no pair left the next direction is the steepest descent:
         * with c1 > 0 the pass that sums |pg|^2 writes it too, d = -pg */
        gnorm = sqrt(c1 > 0 ? vrun1(&o, &(struct vjob){.op = V_PG_NORM,
                                                       .fa = bound == 0 ? d : NULL, .c = x,
                                                       .e = g, .s = c1})
                            : u[3]);
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
        if (bound == 0) {
            if (!(c1 > 0))    /* (with c1 > 0, d = -pg already) */
                vrun(&o, &(struct vjob){.op = V_NEG_F, .fa = d, .c = g}, NULL);
            step = 1.0 / gnorm;
            continue;
        }
        two_loop(&o, d, w, x, g, hist, ys, alpha, idx, end, bound, m, gamma);
        step = 1.0;
    }
out:
    free(mem);
    free(d);
    free(hist);
    free(small);
    free(idx);
    free(o.sum);
    return st;
}
