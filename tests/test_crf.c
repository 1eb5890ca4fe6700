/*
 * test_crf.c - forward-backward against brute-force enumeration of all L^T
 * paths, finite differences of logZ, an independent log-space forward on
 * long sentences, and accumulation/reuse contracts of crf.h.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crf.h"
#include "testutil.h"

static uint64_t rng;   /* xorshift64* state (testutil.h) */

/* Steps y to the next path (last token fastest); 0 when wrapped around. */
static int next_path(size_t T, size_t L, uint32_t *y)
{
    for (size_t t = T; t-- > 0;) {
        if (++y[t] < L)
            return 1;
        y[t] = 0;
    }
    return 0;
}

/* Brute force: logZ = lse over all paths, marginals by summing
 * exp(s(y) - logZ).  mstate [T][L], mtrans [L][L] are overwritten. */
static double brute(size_t T, size_t L, const double *state, const double *trans,
                    double *mstate, double *mtrans)
{
    uint32_t y[8] = {0};
    double m = -INFINITY;
    do {
        double s = direct_score(T, L, state, trans, y);
        m = s > m ? s : m;
    } while (next_path(T, L, y));
    double sum = 0.0;
    do {
        sum += exp(direct_score(T, L, state, trans, y) - m);
    } while (next_path(T, L, y));
    double lz = m + log(sum);
    memset(mstate, 0, T * L * sizeof(double));
    memset(mtrans, 0, L * L * sizeof(double));
    do {
        double p = exp(direct_score(T, L, state, trans, y) - lz);
        for (size_t t = 0; t < T; t++)
            mstate[t * L + y[t]] += p;
        for (size_t t = 1; t < T; t++)
            mtrans[y[t - 1] * L + y[t]] += p;
    } while (next_path(T, L, y));
    return lz;
}

/* Compares crf_forward_backward with brute force on one lattice. */
static void check_lattice(size_t T, size_t L, const double *state, const double *trans,
                          struct crf_work *w, double rel, double abs_tol)
{
    double bs[5 * 4], bt[4 * 4], ms[5 * 4], mt[4 * 4], lz;
    double blz = brute(T, L, state, trans, bs, bt);
    /* mtrans starts at a non-zero offset: it must be added to. */
    for (size_t k = 0; k < L * L; k++)
        mt[k] = 0.25 * (double)k;
    assert_int_equal(crf_forward_backward(T, L, state, trans, &lz, ms, mt, w), 0);
    assert_true(close_to(lz, blz, rel));
    for (size_t t = 0; t < T; t++) {
        double sum = 0.0;
        for (size_t j = 0; j < L; j++) {
            assert_true(fabs(ms[t * L + j] - bs[t * L + j]) <= rel * bs[t * L + j] + abs_tol);
            sum += ms[t * L + j];
        }
        assert_true(fabs(sum - 1.0) <= 1e-12);
    }
    for (size_t k = 0; k < L * L; k++) {
        double got = mt[k] - 0.25 * (double)k;
        assert_true(fabs(got - bt[k]) <= rel * bt[k] + abs_tol + 1e-15 * (double)k);
    }
    /* logZ alone (no marginals) must agree exactly with the full call. */
    double lz2;
    assert_int_equal(crf_forward_backward(T, L, state, trans, &lz2, NULL, NULL, w), 0);
    assert_true(close_to(lz2, lz, 1e-15));
}

static void test_brute_force_small(void **unused)
{
    (void)unused;
    struct crf_work w = {0};
    double state[5 * 4], trans[4 * 4];
    rng_seed(&rng, 12345);
    for (size_t T = 1; T <= 5; T++)
        for (size_t L = 1; L <= 4; L++)
            for (int rep = 0; rep < 5; rep++) {
                fill(&rng, state, T * L, -3, 3);
                fill(&rng, trans, L * L, -3, 3);
                check_lattice(T, L, state, trans, &w, 1e-9, 1e-15);
            }
    crf_work_free(&w);
}

/* Scores of magnitude ~1000: exp() of them overflows; the column shift and
 * the log-space fallback must keep everything exact. */
static void test_brute_force_huge(void **unused)
{
    (void)unused;
    struct crf_work w = {0};
    double state[5 * 4], trans[4 * 4];
    rng_seed(&rng, 777);
    for (size_t T = 1; T <= 5; T++)
        for (size_t L = 1; L <= 4; L++)
            for (int rep = 0; rep < 5; rep++) {
                fill(&rng, state, T * L, -1000, 1000);
                fill(&rng, trans, L * L, -1000, 1000);
                check_lattice(T, L, state, trans, &w, 1e-9, 1e-15);
                /* huge states, ordinary transitions: the scaled path */
                fill(&rng, trans, L * L, -3, 3);
                check_lattice(T, L, state, trans, &w, 1e-9, 1e-15);
            }
    crf_work_free(&w);
}

/* A lattice built so that the scaled recursion underflows completely: label
 * 1 is e^-1000 unlikely at t = 0, but only 1 -> 1 survives the transition. */
static void test_fallback_underflow(void **unused)
{
    (void)unused;
    struct crf_work w = {0};
    const double state[3 * 2] = {0, -1000, 0, 0, 0, 0};
    const double trans[2 * 2] = {-1000, -1000, -1000, 1000};
    check_lattice(3, 2, state, trans, &w, 1e-9, 1e-15);
    double ms[6], lz;
    assert_int_equal(crf_forward_backward(3, 2, state, trans, &lz, ms, NULL, &w), 0);
    /* logZ = log(e^-2000 + e^0) + ... : the path 1,1,1 scores 1000, every
     * other path at most -1000 + 0 - 1000 (two big penalties). */
    assert_true(close_to(lz, 1000.0, 1e-12));
    assert_true(close_to(ms[1], 1.0, 1e-12));

    /* Here every C_t is e^-400 (not tiny): label 1 starts e^-800 unlikely
     * (exp underflows to 0) and then gains e^400 per token; switching label
     * costs 2000.  Path 1,1,1,1 scores 400, the all-0 path 0. */
    const double st4[4 * 2] = {0, -800, 0, 400, 0, 400, 0, 400};
    const double tr4[2 * 2] = {0, -2000, -2000, 0};
    check_lattice(4, 2, st4, tr4, &w, 1e-9, 1e-15);
    assert_int_equal(crf_forward_backward(4, 2, st4, tr4, &lz, NULL, NULL, &w), 0);
    assert_true(close_to(lz, 400.0, 1e-12));

    /* Same with a switch cost of 500 (the scaled path's limit): label 1 is
     * still lost at t = 0, but reachable from label 0 at t = 1; the best
     * path 0,1,1,1 scores 700. */
    const double tr5[2 * 2] = {0, -500, -500, 0};
    check_lattice(4, 2, st4, tr5, &w, 1e-9, 1e-15);
    assert_int_equal(crf_forward_backward(4, 2, st4, tr5, &lz, NULL, NULL, &w), 0);
    assert_true(close_to(lz, 700.0, 1e-12));
    crf_work_free(&w);
}

/* crf_vecmat_pick's version (AVX here when the CPU has it) gives
 * crf_vecmat_plain's results to the bit, for every width of the column
 * blocks and their remainders (one block up to L = 48, blocks of 32 and
 * the rest beyond), strided v, and values of mixed sign and magnitude; it
 * writes nothing past out[L - 1] (the masked last quadruple). */
#define VM_LMAX 105
static void test_vecmat_same_bits(void **unused)
{
    (void)unused;
    uint64_t r = 0x2545F4914F6CDD1DULL;
    for (size_t L = 1; L <= VM_LMAX; L++) {
        crf_vecmat_fn *fast = crf_vecmat_pick(L);
        for (size_t n = 0; n <= 9; n += 3) {
            size_t vs = 1 + (L + n) % 3;
            double v[9 * 3 + 1], M[9 * VM_LMAX], a[VM_LMAX], b[VM_LMAX];
            for (size_t k = 0; k < sizeof v / sizeof v[0]; k++) {
                r ^= r << 13; r ^= r >> 7; r ^= r << 17;
                v[k] = ((double)(r >> 11) / 9007199254740992.0 - 0.3) * 1e3;
            }
            for (size_t k = 0; k < n * L; k++) {
                r ^= r << 13; r ^= r >> 7; r ^= r << 17;
                M[k] = ldexp((double)(r >> 11) / 9007199254740992.0, (int)(r % 40) - 20);
            }
            memset(a, 0xff, sizeof a);
            memset(b, 0xff, sizeof b);
            crf_vecmat_plain(n, L, v, vs, M, a);
            fast(n, L, v, vs, M, b);
            assert_memory_equal(a, b, L * sizeof a[0]);
            for (size_t k = L; k < VM_LMAX; k++) {
                uint64_t bits;
                memcpy(&bits, &b[k], sizeof bits);
                assert_true(bits == UINT64_MAX);
            }
        }
    }
}

/* Every version of forward-backward the CPU has (crf_fb_version: AVX and
 * AVX2 here, whose exp takes its integer steps in halves or whole) gives the
 * portable one's logZ and marginals to the bit: L = 1 to 25 and 33 (whole
 * and padded quadruples), T = 1 to 40, state scores of spread 10 to 2000
 * (exp near 1 down to underflow), transitions of spread 6 and of 1200 (the
 * log-space pass), mtrans accumulated onto values already there. */
static void test_fb_versions_same_bits(void **unused)
{
    (void)unused;
    static const size_t Ls[] = {1, 2, 3, 4, 5, 7, 8, 9, 22, 25, 33};
    static const size_t Ts[] = {1, 2, 3, 6, 17, 40};
    static const double sspread[] = {5.0, 60.0, 1000.0};
    enum { TMAX = 40, LMAX = 33 };
    static double state[TMAX * LMAX], trans[LMAX * LMAX], mt0[LMAX * LMAX];
    static double ms[2][TMAX * LMAX], mt[2][LMAX * LMAX];
    struct crf_work w[2] = {{0}, {0}};
    int versions = 0;
    rng_seed(&rng, 4242);
    for (int k = 1; k <= 2; k++) {
        crf_fb_fn *fast = crf_fb_version(k);
        if (!fast)
            continue;
        versions++;
        for (size_t li = 0; li < sizeof Ls / sizeof Ls[0]; li++)
            for (size_t ti = 0; ti < sizeof Ts / sizeof Ts[0]; ti++)
                for (size_t si = 0; si < 3; si++)
                    for (int wide = 0; wide < 2; wide++) {
                        size_t L = Ls[li], T = Ts[ti];
                        double tw = wide ? 600.0 : 3.0;
                        fill(&rng, state, T * L, -sspread[si], sspread[si]);
                        fill(&rng, trans, L * L, -tw, tw);
                        fill(&rng, mt0, L * L, 0.0, 2.0);
                        double lz[2];
                        for (int v = 0; v < 2; v++) {
                            memcpy(mt[v], mt0, L * L * sizeof mt0[0]);
                            crf_fb_fn *fn = v ? fast : crf_fb_version(0);
                            assert_int_equal(fn(T, L, state, trans, &lz[v], ms[v], mt[v], &w[v]),
                                             0);
                        }
                        assert_memory_equal(&lz[0], &lz[1], sizeof lz[0]);
                        assert_memory_equal(ms[0], ms[1], T * L * sizeof ms[0][0]);
                        assert_memory_equal(mt[0], mt[1], L * L * sizeof mt[0][0]);
                    }
    }
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
    if (__builtin_cpu_supports("avx2"))
        assert_int_equal(versions, 2);
#endif
    crf_work_free(&w[0]);
    crf_work_free(&w[1]);
}

/* Distance in units in the last place between two doubles of the same
 * sign (0 and the denormals included): the distance of their bit patterns. */
static uint64_t ulp_dist(double a, double b)
{
    uint64_t ia, ib;
    memcpy(&ia, &a, sizeof ia);
    memcpy(&ib, &b, sizeof ib);
    return ia > ib ? ia - ib : ib - ia;
}

/* Runs every version of crf_vexp over x[0..n), checks they agree to the bit
 * and returns the larger distance to libm's exp in ulps. */
static uint64_t vexp_check(size_t n, const double *x)
{
    double a[64], b[64];
    assert_true(n <= 64);
    memcpy(a, x, n * sizeof *x);
    memcpy(b, x, n * sizeof *x);
    crf_vexp_plain(n, a);
    crf_vexp_pick()(n, b);
    assert_memory_equal(a, b, n * sizeof *a);
    for (int k = 1; k <= 2; k++) {
        if (!crf_vexp_version(k))
            continue;
        memcpy(b, x, n * sizeof *x);
        crf_vexp_version(k)(n, b);
        assert_memory_equal(a, b, n * sizeof *a);
    }
    uint64_t worst = 0;
    for (size_t k = 0; k < n; k++) {
        uint64_t d = ulp_dist(a[k], exp(x[k]));
        worst = d > worst ? d : worst;
    }
    return worst;
}

/* The exp of forward-backward against libm's over a dense sweep of [-746,
 * 0] (where forward-backward uses it: 1.5 million points, 22 at a time as
 * for the 22 labels of CoNLL-2000, so the padded last quadruple is covered),
 * [-1, 0] and [-2^-20, 0] more densely still, [0, 709] more sparsely, with
 * both versions the same to the bit; and the special values. */
static void test_vexp_ulp(void **unused)
{
    (void)unused;
    static const struct { double lo, hi; size_t n; } ranges[] = {
        {-746.0, 0.0, 1500000}, {-1.0, 0.0, 200000}, {-0x1p-20, 0.0, 20000},
        {0.0, 709.0, 100000}, {-709.2, -707.9, 20000}, {-745.3, -744.9, 20000},
    };
    uint64_t worst = 0;
    double x[22];
    for (size_t g = 0; g < sizeof ranges / sizeof ranges[0]; g++) {
        double lo = ranges[g].lo, step = (ranges[g].hi - lo) / (double)ranges[g].n;
        for (size_t i = 0; i <= ranges[g].n;) {
            size_t n = 0;
            for (; n < 22 && i <= ranges[g].n; n++, i++)
                x[n] = lo + (double)i * step;
            uint64_t d = vexp_check(n, x);
            worst = d > worst ? d : worst;
        }
    }
    assert_true(worst <= 1);

    /* Every length from 1 to 9 (whole and padded quadruples). */
    for (size_t n = 1; n <= 9; n++) {
        for (size_t k = 0; k < n; k++)
            x[k] = -0.37 * (double)(k + 1) * (double)n;
        assert_true(vexp_check(n, x) <= 1);
    }

    double sp[] = {0.0, -0.0, -INFINITY, NAN, -746.0, -745.14, -1e300, -DBL_MIN, -1e-300,
                   -0x1p-1074, 709.78, 710.0, 1e300, INFINITY, -708.4, -745.13};
    size_t ns = sizeof sp / sizeof sp[0];
    double a[sizeof sp / sizeof sp[0]], b[sizeof sp / sizeof sp[0]];
    memcpy(a, sp, sizeof sp);
    memcpy(b, sp, sizeof sp);
    crf_vexp_plain(ns, a);
    crf_vexp_pick()(ns, b);
    assert_memory_equal(a, b, sizeof a);
    for (int k = 1; k <= 2; k++) {
        if (!crf_vexp_version(k))
            continue;
        memcpy(b, sp, sizeof sp);
        crf_vexp_version(k)(ns, b);
        assert_memory_equal(a, b, sizeof a);
    }
    assert_true(a[0] == 1.0 && a[1] == 1.0);                 /* exactly 1 at 0 */
    assert_true(a[2] == 0.0 && !signbit(a[2]));              /* -inf */
    assert_true(isnan(a[3]));                                /* NaN */
    assert_true(a[4] == 0.0 && a[5] == 0.0 && a[6] == 0.0);  /* underflow */
    assert_true(a[7] == 1.0 && a[8] == 1.0 && a[9] == 1.0);
    assert_true(ulp_dist(a[10], exp(sp[10])) <= 1);          /* just below overflow */
    assert_true(isinf(a[11]) && isinf(a[12]) && isinf(a[13]));
    assert_true(ulp_dist(a[14], exp(sp[14])) <= 1);          /* first denormals */
    assert_true(a[15] == 0x1p-1074);                         /* the smallest denormal */
}

static void test_path_score(void **unused)
{
    (void)unused;
    double state[5 * 4], trans[4 * 4];
    uint32_t y[5];
    rng_seed(&rng, 99);
    for (size_t T = 1; T <= 5; T++)
        for (size_t L = 1; L <= 4; L++) {
            fill(&rng, state, T * L, -3, 3);
            fill(&rng, trans, L * L, -3, 3);
            for (size_t t = 0; t < T; t++)
                y[t] = (uint32_t)(rng_unif(&rng, 0, (double)L));
            double s = crf_path_score(T, L, state, trans, y);
            assert_true(close_to(s, direct_score(T, L, state, trans, y), 1e-13));
        }
    /* hand-computed: 1 + (10) + 2 + (20) + 3 */
    const double st[3 * 2] = {1, 0, 0, 2, 3, 0};
    const double tr[2 * 2] = {0, 10, 20, 0};
    const uint32_t p[3] = {0, 1, 0};
    assert_true(crf_path_score(3, 2, st, tr, p) == 36.0);
    assert_true(crf_path_score(0, 2, st, tr, p) == 0.0);
}

/* d logZ / d state[t][j] = P(y_t = j); d logZ / d trans[i][j] = expected
 * count of i -> j. Central differences, h = 1e-5. */
static void test_gradient(void **unused)
{
    (void)unused;
    struct crf_work w = {0};
    enum { T = 5, L = 4 };
    double state[T * L], trans[L * L], ms[T * L], mt[L * L], lz, lp, lm;
    const double h = 1e-5;
    rng_seed(&rng, 4242);
    for (int rep = 0; rep < 3; rep++) {
        fill(&rng, state, T * L, -3, 3);
        fill(&rng, trans, L * L, -3, 3);
        memset(mt, 0, sizeof(mt));
        assert_int_equal(crf_forward_backward(T, L, state, trans, &lz, ms, mt, &w), 0);
        for (size_t k = 0; k < T * L; k++) {
            double v = state[k];
            state[k] = v + h;
            assert_int_equal(crf_forward_backward(T, L, state, trans, &lp, NULL, NULL, &w), 0);
            state[k] = v - h;
            assert_int_equal(crf_forward_backward(T, L, state, trans, &lm, NULL, NULL, &w), 0);
            state[k] = v;
            assert_true(fabs((lp - lm) / (2 * h) - ms[k]) <= 1e-6);
        }
        for (size_t k = 0; k < L * L; k++) {
            double v = trans[k];
            trans[k] = v + h;
            assert_int_equal(crf_forward_backward(T, L, state, trans, &lp, NULL, NULL, &w), 0);
            trans[k] = v - h;
            assert_int_equal(crf_forward_backward(T, L, state, trans, &lm, NULL, NULL, &w), 0);
            trans[k] = v;
            assert_true(fabs((lp - lm) / (2 * h) - mt[k]) <= 1e-6);
        }
    }
    crf_work_free(&w);
}

/* Independent oracle for long sentences: log-space forward. */
static double log_forward(size_t T, size_t L, const double *state, const double *trans)
{
    double *a = malloc(L * sizeof(double)), *b = malloc(L * sizeof(double));
    assert_non_null(a);
    assert_non_null(b);
    for (size_t j = 0; j < L; j++)
        a[j] = state[j];
    for (size_t t = 1; t < T; t++) {
        for (size_t j = 0; j < L; j++) {
            double m = -INFINITY, s = 0.0;
            for (size_t i = 0; i < L; i++)
                m = fmax(m, a[i] + trans[i * L + j]);
            for (size_t i = 0; i < L; i++)
                s += exp(a[i] + trans[i * L + j] - m);
            b[j] = state[t * L + j] + m + log(s);
        }
        memcpy(a, b, L * sizeof(double));
    }
    double m = -INFINITY, s = 0.0;
    for (size_t j = 0; j < L; j++)
        m = fmax(m, a[j]);
    for (size_t j = 0; j < L; j++)
        s += exp(a[j] - m);
    free(a);
    free(b);
    return m + log(s);
}

static void check_long(size_t T, size_t L, double range, double trange, uint64_t seed)
{
    struct crf_work w = {0};
    double *state = malloc(T * L * sizeof(double));
    double *ms = malloc(T * L * sizeof(double));
    double *trans = malloc(L * L * sizeof(double));
    double *mt = calloc(L * L, sizeof(double));
    assert_non_null(state);
    assert_non_null(ms);
    assert_non_null(trans);
    assert_non_null(mt);
    rng_seed(&rng, seed);
    fill(&rng, state, T * L, -range, range);
    fill(&rng, trans, L * L, -trange, trange);
    double lz;
    assert_int_equal(crf_forward_backward(T, L, state, trans, &lz, ms, mt, &w), 0);
    assert_true(isfinite(lz));
    assert_true(close_to(lz, log_forward(T, L, state, trans), 1e-9));
    for (size_t t = 0; t < T; t++) {
        double sum = 0.0;
        for (size_t j = 0; j < L; j++) {
            assert_true(isfinite(ms[t * L + j]));
            assert_true(ms[t * L + j] >= 0.0);
            sum += ms[t * L + j];
        }
        assert_true(fabs(sum - 1.0) <= 1e-9);
    }
    /* Expected transition counts total T - 1; each column j sums to the
     * marginal mass of label j over t >= 1. */
    double tot = 0.0;
    for (size_t k = 0; k < L * L; k++) {
        assert_true(isfinite(mt[k]) && mt[k] >= 0.0);
        tot += mt[k];
    }
    assert_true(close_to(tot, (double)(T - 1), 1e-9));
    for (size_t j = 0; j < L; j++) {
        double col = 0.0, mass = 0.0;
        for (size_t i = 0; i < L; i++)
            col += mt[i * L + j];
        for (size_t t = 1; t < T; t++)
            mass += ms[t * L + j];
        assert_true(close_to(col, mass, 1e-9));
    }
    free(state);
    free(ms);
    free(trans);
    free(mt);
    crf_work_free(&w);
}

static void test_long_sentence(void **unused)
{
    (void)unused;
    check_long(5000, 25, 50.0, 50.0, 31337);
}

static void test_long_sentence_huge(void **unused)
{
    (void)unused;
    check_long(5000, 5, 1000.0, 1000.0, 2718);       /* log-space path */
    check_long(5000, 25, 1000.0, 100.0, 1618);       /* scaled path */
}

static void test_mtrans_accumulates(void **unused)
{
    (void)unused;
    struct crf_work w = {0};
    enum { T = 4, L = 3 };
    double state[T * L], trans[L * L], once[L * L] = {0}, twice[L * L] = {0}, lz;
    rng_seed(&rng, 5);
    fill(&rng, state, T * L, -3, 3);
    fill(&rng, trans, L * L, -3, 3);
    assert_int_equal(crf_forward_backward(T, L, state, trans, &lz, NULL, once, &w), 0);
    assert_int_equal(crf_forward_backward(T, L, state, trans, &lz, NULL, twice, &w), 0);
    assert_int_equal(crf_forward_backward(T, L, state, trans, &lz, NULL, twice, &w), 0);
    double tot = 0.0;
    for (size_t k = 0; k < L * L; k++) {
        assert_true(close_to(twice[k], 2.0 * once[k], 1e-14));
        tot += once[k];
    }
    assert_true(close_to(tot, T - 1, 1e-12));
    crf_work_free(&w);
}

static void test_t0_t1(void **unused)
{
    (void)unused;
    struct crf_work w = {0};
    const double state[3] = {0.5, -1.0, 2.0};
    const double trans[9] = {1, 2, 3, 4, 5, 6, 7, 8, 9};
    double mt[9], ms[3], lz = 123.0;
    for (size_t k = 0; k < 9; k++)
        mt[k] = (double)k;
    assert_int_equal(crf_forward_backward(0, 3, state, trans, &lz, ms, mt, &w), 0);
    assert_true(lz == 0.0);
    assert_int_equal(crf_forward_backward(1, 3, state, trans, &lz, ms, mt, &w), 0);
    double z = exp(0.5) + exp(-1.0) + exp(2.0);
    assert_true(close_to(lz, log(z), 1e-15));
    assert_true(close_to(ms[0], exp(0.5) / z, 1e-15));
    assert_true(close_to(ms[1], exp(-1.0) / z, 1e-15));
    assert_true(close_to(ms[2], exp(2.0) / z, 1e-15));
    for (size_t k = 0; k < 9; k++)
        assert_true(mt[k] == (double)k);      /* no transitions at T <= 1 */
    crf_work_free(&w);
    crf_work_free(&w);                        /* freeing twice is harmless */
    crf_work_free(NULL);
}

/* One work object across sentences of varying T and L and changing trans
 * (the exp(trans) cache must notice) gives the results of a fresh one. */
static void test_work_reuse(void **unused)
{
    (void)unused;
    struct crf_work shared = {0};
    double state[40 * 6], trans[6 * 6];
    double ms1[40 * 6], ms2[40 * 6], mt1[36], mt2[36], lz1, lz2;
    rng_seed(&rng, 8);
    fill(&rng, trans, 36, -3, 3);
    for (int rep = 0; rep < 30; rep++) {
        size_t T = 1 + (size_t)rng_unif(&rng, 0, 40), L = 1 + (size_t)rng_unif(&rng, 0, 6);
        fill(&rng, state, T * L, -3, 3);
        if (rep % 3 == 0)
            trans[(size_t)rng_unif(&rng, 0, (double)(L * L))] += 0.5;   /* in place */
        struct crf_work fresh = {0};
        memset(mt1, 0, sizeof(mt1));
        memset(mt2, 0, sizeof(mt2));
        assert_int_equal(crf_forward_backward(T, L, state, trans, &lz1, ms1, mt1, &shared), 0);
        assert_int_equal(crf_forward_backward(T, L, state, trans, &lz2, ms2, mt2, &fresh), 0);
        assert_true(lz1 == lz2);
        assert_memory_equal(ms1, ms2, T * L * sizeof(double));
        assert_memory_equal(mt1, mt2, L * L * sizeof(double));
        crf_work_free(&fresh);
    }
    crf_work_free(&shared);
}

/* Once the buffers are big enough, calls with smaller T and L allocate
 * nothing: the pointers and capacities stay as they were. */
static void test_no_alloc_when_warm(void **unused)
{
    (void)unused;
    struct crf_work w = {0};
    double state[50 * 10], trans[10 * 10], ms[50 * 10], mt[100] = {0}, lz;
    rng_seed(&rng, 21);
    fill(&rng, state, 500, -3, 3);
    fill(&rng, trans, 100, -3, 3);
    assert_int_equal(crf_forward_backward(50, 10, state, trans, &lz, ms, mt, &w), 0);
    struct crf_work before = w;
    for (size_t T = 1; T <= 50; T += 7)
        for (size_t L = 1; L <= 10; L += 3) {
            assert_int_equal(crf_forward_backward(T, L, state, trans, &lz, ms, mt, &w), 0);
            assert_ptr_equal(w.alpha, before.alpha);
            assert_ptr_equal(w.beta, before.beta);
            assert_ptr_equal(w.expstate, before.expstate);
            assert_ptr_equal(w.scale, before.scale);
            assert_ptr_equal(w.exptrans, before.exptrans);
            assert_true(w.cap_tl == before.cap_tl && w.cap_t == before.cap_t &&
                        w.cap_ll == before.cap_ll);
        }
    crf_work_free(&w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_brute_force_small),
        cmocka_unit_test(test_brute_force_huge),
        cmocka_unit_test(test_fallback_underflow),
        cmocka_unit_test(test_path_score),
        cmocka_unit_test(test_vecmat_same_bits),
        cmocka_unit_test(test_vexp_ulp),
        cmocka_unit_test(test_fb_versions_same_bits),
        cmocka_unit_test(test_gradient),
        cmocka_unit_test(test_long_sentence),
        cmocka_unit_test(test_long_sentence_huge),
        cmocka_unit_test(test_mtrans_accumulates),
        cmocka_unit_test(test_t0_t1),
        cmocka_unit_test(test_work_reuse),
        cmocka_unit_test(test_no_alloc_when_warm),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
