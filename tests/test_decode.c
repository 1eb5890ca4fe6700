/*
 * test_decode.c - Viterbi against brute-force argmax over all (allowed)
 * paths, the BIO restriction from labels_bio_mask(), the tie rule, the
 * fallback when no allowed path exists, and work reuse.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "crf.h"
#include "decode.h"
#include "labels.h"
#include "testutil.h"

static uint64_t rng;   /* xorshift64* state (testutil.h) */

/* Integers in {-1, 0, 1}: sums are exact, so ties are frequent and exact. */
static void fill_int(double *a, size_t n)
{
    for (size_t k = 0; k < n; k++)
        a[k] = floor(rng_unif(&rng, -1, 2));
}

static int path_allowed(size_t T, size_t L, const unsigned char *allowed,
                        const unsigned char *start, const uint32_t *y)
{
    if (start && !start[y[0]])
        return 0;
    for (size_t t = 1; t < T; t++)
        if (allowed && !allowed[y[t - 1] * L + y[t]])
            return 0;
    return 1;
}

/* Steps y to the next path, FIRST token fastest, so that among equal scores
 * the first one met is the smallest in reverse-lexicographic order (compare
 * y[T-1] first) - the path the tie rule of decode.h yields: lowest final
 * label, then at each step back the lowest predecessor. */
static int next_path(size_t T, size_t L, uint32_t *y)
{
    for (size_t t = 0; t < T; t++) {
        if (++y[t] < L)
            return 1;
        y[t] = 0;
    }
    return 0;
}

/* Best allowed path into best[]; returns its score, -inf if none. */
static double brute(size_t T, size_t L, const double *state, const double *trans,
                    const unsigned char *allowed, const unsigned char *start, uint32_t *best)
{
    uint32_t y[8] = {0};
    double m = -INFINITY;
    do {
        if (!path_allowed(T, L, allowed, start, y))
            continue;
        double s = direct_score(T, L, state, trans, y);
        if (s > m) {
            m = s;
            memcpy(best, y, T * sizeof(uint32_t));
        }
    } while (next_path(T, L, y));
    return m;
}

static void test_brute_force(void **unused)
{
    (void)unused;
    struct decode_work w = {0};
    double state[6 * 4], trans[4 * 4], score;
    uint32_t y[6], by[6];
    rng_seed(&rng, 2024);
    for (size_t T = 1; T <= 6; T++)
        for (size_t L = 1; L <= 4; L++)
            for (int rep = 0; rep < 10; rep++) {
                fill(&rng, state, T * L, -3, 3);
                fill(&rng, trans, L * L, -3, 3);
                double bs = brute(T, L, state, trans, NULL, NULL, by);
                assert_int_equal(decode_viterbi(T, L, state, trans, NULL, NULL, y, &score, &w), 0);
                assert_true(close_to(score, bs, 1e-9));
                /* score is s(y) of the returned path, in the same summation
                 * order as crf_path_score */
                assert_true(score == crf_path_score(T, L, state, trans, y));
                assert_true(close_to(direct_score(T, L, state, trans, y), bs, 1e-9));
                assert_memory_equal(y, by, T * sizeof(uint32_t));
            }
    decode_work_free(&w);
}

/* Integer scores make ties common: the exact path of the tie rule. */
static void test_ties(void **unused)
{
    (void)unused;
    struct decode_work w = {0};
    double state[6 * 4], trans[4 * 4], score;
    uint32_t y[6], by[6];
    rng_seed(&rng, 7);
    for (size_t T = 1; T <= 6; T++)
        for (size_t L = 1; L <= 4; L++)
            for (int rep = 0; rep < 20; rep++) {
                fill_int(state, T * L);
                fill_int(trans, L * L);
                double bs = brute(T, L, state, trans, NULL, NULL, by);
                assert_int_equal(decode_viterbi(T, L, state, trans, NULL, NULL, y, &score, &w), 0);
                assert_true(score == bs);
                assert_memory_equal(y, by, T * sizeof(uint32_t));
            }
    /* all zero: every path ties, the answer is all label 0 */
    memset(state, 0, sizeof(state));
    memset(trans, 0, sizeof(trans));
    assert_int_equal(decode_viterbi(6, 4, state, trans, NULL, NULL, y, NULL, &w), 0);
    for (size_t t = 0; t < 6; t++)
        assert_int_equal(y[t], 0);
    decode_work_free(&w);
}

/* Labels O, B-X, I-X, B-Y, I-Y and their IOB2 mask. */
enum { O = 0, BX = 1, IX = 2, BY = 3, IY = 4, NL = 5 };

static void bio_mask(unsigned char *allowed, unsigned char *start)
{
    struct labels l;
    labels_init(&l);
    static const char *const names[NL] = {"O", "B-X", "I-X", "B-Y", "I-Y"};
    for (long k = 0; k < NL; k++)
        assert_int_equal(labels_add(&l, names[k]), k);
    assert_int_equal(labels_bio_mask(&l, allowed, start), 1);
    labels_free(&l);
}

static void assert_bio_valid(size_t T, const uint32_t *y)
{
    assert_true(y[0] != IX && y[0] != IY);
    for (size_t t = 1; t < T; t++) {
        if (y[t] == IX)
            assert_true(y[t - 1] == BX || y[t - 1] == IX);
        if (y[t] == IY)
            assert_true(y[t - 1] == BY || y[t - 1] == IY);
    }
}

static void test_bio_brute_force(void **unused)
{
    (void)unused;
    struct decode_work w = {0};
    unsigned char allowed[NL * NL], start[NL];
    double state[6 * NL], trans[NL * NL], score;
    uint32_t y[6], by[6];
    bio_mask(allowed, start);
    /* sanity of the mask this test relies on */
    assert_false(allowed[O * NL + IX]);
    assert_false(allowed[BY * NL + IX]);
    assert_true(allowed[BX * NL + IX]);
    assert_false(start[IX]);
    rng_seed(&rng, 55);
    for (size_t T = 1; T <= 6; T++)
        for (int rep = 0; rep < 20; rep++) {
            fill(&rng, state, T * NL, -3, 3);
            fill(&rng, trans, NL * NL, -3, 3);
            double bs = brute(T, NL, state, trans, allowed, start, by);
            assert_int_equal(decode_viterbi(T, NL, state, trans, allowed, start, y, &score, &w), 0);
            assert_true(path_allowed(T, NL, allowed, start, y));
            assert_bio_valid(T, y);
            assert_true(close_to(score, bs, 1e-9));
            assert_true(score == crf_path_score(T, NL, state, trans, y));
            assert_memory_equal(y, by, T * sizeof(uint32_t));
        }
    decode_work_free(&w);
}

/* I-X is hugely favoured everywhere: unrestricted Viterbi says all I-X,
 * the restricted one must start with B-X and never put I-X after O/B-Y. */
static void test_bio_against_scores(void **unused)
{
    (void)unused;
    struct decode_work w = {0};
    unsigned char allowed[NL * NL], start[NL];
    enum { T = 6 };
    double state[T * NL], trans[NL * NL] = {0}, score;
    uint32_t y[T], by[T];
    bio_mask(allowed, start);
    memset(state, 0, sizeof(state));
    for (size_t t = 0; t < T; t++)
        state[t * NL + IX] = 100.0;
    assert_int_equal(decode_viterbi(T, NL, state, trans, NULL, NULL, y, NULL, &w), 0);
    for (size_t t = 0; t < T; t++)
        assert_int_equal(y[t], IX);
    assert_int_equal(decode_viterbi(T, NL, state, trans, allowed, start, y, &score, &w), 0);
    assert_int_equal(y[0], BX);
    for (size_t t = 1; t < T; t++)
        assert_int_equal(y[t], IX);
    assert_true(score == 500.0);
    /* O at t = 2 and B-Y at t = 4 win by far; I-X (score 100) is still
     * favoured at t = 3 and t = 5 but may not follow O or B-Y. */
    state[2 * NL + IX] = 0.0;
    state[2 * NL + O] = 300.0;
    state[4 * NL + IX] = 0.0;
    state[4 * NL + BY] = 300.0;
    assert_int_equal(decode_viterbi(T, NL, state, trans, allowed, start, y, &score, &w), 0);
    assert_bio_valid(T, y);
    /* t3 and t5 tie between O, B-X, B-Y (and I-Y at t5): lowest id, O */
    const uint32_t want[T] = {BX, IX, O, O, BY, O};
    assert_memory_equal(y, want, sizeof(want));
    assert_true(score == 700.0);
    assert_true(score == brute(T, NL, state, trans, allowed, start, by));
    /* a transition score pushing O -> I-X changes nothing either */
    trans[O * NL + IX] = 1000.0;
    trans[BY * NL + IX] = 1000.0;
    assert_int_equal(decode_viterbi(T, NL, state, trans, allowed, start, y, &score, &w), 0);
    assert_memory_equal(y, want, sizeof(want));
    decode_work_free(&w);
}

static void test_fallback(void **unused)
{
    (void)unused;
    struct decode_work w = {0};
    double state[5 * 3], trans[3 * 3], score, bs;
    uint32_t y[5], by[5];
    unsigned char none[9] = {0}, nostart[3] = {0}, start1[3] = {0, 1, 0};
    unsigned char only00[9] = {1, 0, 0, 0, 0, 0, 0, 0, 0};
    rng_seed(&rng, 3);
    for (size_t T = 1; T <= 5; T++) {
        fill(&rng, state, T * 3, -3, 3);
        fill(&rng, trans, 9, -3, 3);
        bs = brute(T, 3, state, trans, NULL, NULL, by);
        /* no start label allowed: no path at all */
        assert_int_equal(decode_viterbi(T, 3, state, trans, NULL, nostart, y, &score, &w), 0);
        assert_true(score == bs);
        assert_memory_equal(y, by, T * sizeof(uint32_t));
        /* every transition forbidden: no path once T >= 2 */
        assert_int_equal(decode_viterbi(T, 3, state, trans, none, NULL, y, &score, &w), 0);
        if (T >= 2) {
            assert_true(score == bs);
            assert_memory_equal(y, by, T * sizeof(uint32_t));
        }
        /* only label 1 may start, only 0 -> 0 may follow: T = 1 gives [1],
         * longer sentences have no allowed path */
        assert_int_equal(decode_viterbi(T, 3, state, trans, only00, start1, y, &score, &w), 0);
        if (T == 1) {
            assert_int_equal(y[0], 1);
            assert_true(score == state[1]);
        } else {
            assert_true(score == bs);
            assert_memory_equal(y, by, T * sizeof(uint32_t));
        }
        /* only 0 -> 0 without a start mask: the all-zero path is forced */
        assert_int_equal(decode_viterbi(T, 3, state, trans, only00, NULL, y, &score, &w), 0);
        if (T >= 2) {
            for (size_t t = 0; t < T; t++)
                assert_int_equal(y[t], 0);
            assert_true(score == crf_path_score(T, 3, state, trans, y));
        }
    }
    decode_work_free(&w);
}

/* decode_viterbi_tm with the mask applied beforehand gives the same path
 * and the same score bits as decode_viterbi with the mask, including the
 * fallback when no path is allowed (random masks, some forbidding all). */
static void test_premasked_same(void **unused)
{
    (void)unused;
    enum { ML = 5, MT = 7 };
    struct decode_work w1 = {0}, w2 = {0};
    double state[MT * ML], trans[ML * ML], tmask[ML * ML], s1, s2;
    uint32_t y1[MT], y2[MT];
    unsigned char allowed[ML * ML], start[ML];
    rng_seed(&rng, 77);
    int fallbacks = 0;
    for (int rep = 0; rep < 400; rep++) {
        size_t T = (size_t)rep % (MT + 1);
        fill(&rng, state, MT * ML, -3, 3);
        fill(&rng, trans, ML * ML, -3, 3);
        int density = rep % 4;     /* 0: nothing allowed ... 3: most allowed */
        for (size_t k = 0; k < ML * ML; k++)
            allowed[k] = rng_unif(&rng, 0, 4) < density;
        for (size_t k = 0; k < ML; k++)
            start[k] = rng_unif(&rng, 0, 4) < density + 1;
        for (size_t k = 0; k < ML * ML; k++)
            tmask[k] = allowed[k] ? trans[k] : -INFINITY;
        const unsigned char *st = rep % 3 ? start : NULL;
        assert_int_equal(decode_viterbi(T, ML, state, trans, allowed, st, y1, &s1, &w1), 0);
        assert_int_equal(decode_viterbi_tm(T, ML, state, trans, tmask, st, y2, &s2, &w2), 0);
        assert_memory_equal(&s1, &s2, sizeof s1);
        assert_memory_equal(y1, y2, T * sizeof *y1);
        if (T > 0 && !path_allowed(T, ML, allowed, st, y1))
            fallbacks++;
        /* no mask: the plain decoder */
        assert_int_equal(decode_viterbi(T, ML, state, trans, NULL, st, y1, &s1, &w1), 0);
        assert_int_equal(decode_viterbi_tm(T, ML, state, trans, NULL, st, y2, &s2, &w2), 0);
        assert_memory_equal(&s1, &s2, sizeof s1);
        assert_memory_equal(y1, y2, T * sizeof *y1);
    }
    assert_true(fallbacks > 0);    /* the fallback was exercised */
    decode_work_free(&w1);
    decode_work_free(&w2);
}

static void test_t0_t1(void **unused)
{
    (void)unused;
    struct decode_work w = {0};
    const double state[4] = {0.5, 2.0, 2.0, -1.0};
    const double trans[16] = {0};
    uint32_t y[1] = {77};
    double score = 5.0;
    assert_int_equal(decode_viterbi(0, 4, state, trans, NULL, NULL, y, &score, &w), 0);
    assert_true(score == 0.0);
    assert_int_equal(y[0], 77);               /* nothing written */
    assert_int_equal(decode_viterbi(0, 4, state, trans, NULL, NULL, y, NULL, &w), 0);
    assert_int_equal(decode_viterbi(1, 4, state, trans, NULL, NULL, y, &score, &w), 0);
    assert_int_equal(y[0], 1);                /* tie 1 vs 2: lowest id */
    assert_true(score == 2.0);
    const unsigned char start[4] = {1, 0, 1, 1};
    assert_int_equal(decode_viterbi(1, 4, state, trans, NULL, start, y, &score, &w), 0);
    assert_int_equal(y[0], 2);
    assert_true(score == 2.0);
    assert_int_equal(decode_viterbi(1, 0, state, trans, NULL, NULL, y, &score, &w), -1);
    decode_work_free(&w);
    decode_work_free(&w);
    decode_work_free(NULL);
}

/* A warm work object across sentences of varying T and L gives the same
 * answers as a fresh one, including a long sentence. */
static void test_work_reuse(void **unused)
{
    (void)unused;
    struct decode_work shared = {0};
    enum { TMAX = 3000, LMAX = 25 };
    double *state = malloc(TMAX * LMAX * sizeof(double));
    double trans[LMAX * LMAX], s1, s2;
    uint32_t *y1 = malloc(TMAX * sizeof(uint32_t)), *y2 = malloc(TMAX * sizeof(uint32_t));
    assert_non_null(state);
    assert_non_null(y1);
    assert_non_null(y2);
    rng_seed(&rng, 11);
    for (int rep = 0; rep < 12; rep++) {
        size_t T = rep == 5 ? TMAX : 1 + (size_t)rng_unif(&rng, 0, 60);
        size_t L = 1 + (size_t)rng_unif(&rng, 0, LMAX);
        fill(&rng, state, T * L, -5, 5);
        fill(&rng, trans, L * L, -5, 5);
        struct decode_work fresh = {0};
        assert_int_equal(decode_viterbi(T, L, state, trans, NULL, NULL, y1, &s1, &shared), 0);
        assert_int_equal(decode_viterbi(T, L, state, trans, NULL, NULL, y2, &s2, &fresh), 0);
        assert_true(s1 == s2);
        assert_memory_equal(y1, y2, T * sizeof(uint32_t));
        assert_true(s1 == crf_path_score(T, L, state, trans, y1));
        for (size_t t = 0; t < T; t++)
            assert_true(y1[t] < L);
        decode_work_free(&fresh);
    }
    free(state);
    free(y1);
    free(y2);
    decode_work_free(&shared);
}

/* Viterbi written out plainly, one scalar max at a time in label order (the
 * arithmetic decode.c specifies): delta, the score and the path, ties to the
 * lowest labels. */
static double plain_viterbi(size_t T, size_t L, const double *state, const double *tm,
                            double *delta, uint32_t *y)
{
    for (size_t j = 0; j < L; j++)
        delta[j] = state[j];
    for (size_t t = 1; t < T; t++)
        for (size_t j = 0; j < L; j++) {
            double s = delta[(t - 1) * L] + tm[j];
            for (size_t i = 1; i < L; i++) {
                double x = delta[(t - 1) * L + i] + tm[i * L + j];
                s = x > s ? x : s;
            }
            delta[t * L + j] = s + state[t * L + j];
        }
    uint32_t best = 0;
    for (size_t j = 1; j < L; j++)
        if (delta[(T - 1) * L + j] > delta[(T - 1) * L + best])
            best = (uint32_t)j;
    y[T - 1] = best;
    for (size_t t = T - 1; t > 0; t--) {
        uint32_t arg = 0;
        double m = delta[(t - 1) * L] + tm[y[t]];
        for (size_t i = 1; i < L; i++) {
            double x = delta[(t - 1) * L + i] + tm[i * L + y[t]];
            if (x > m) {
                m = x;
                arg = (uint32_t)i;
            }
        }
        y[t - 1] = arg;
    }
    return delta[(T - 1) * L + best];
}

/* Every label count up to 40 (the vector paths of 1 to 8 quadruples, whole
 * or with a partial last one, and the blocked path beyond 32 labels) gives
 * the plain loop's path and score, bit for bit, on ties (integers) and on
 * random scores, masked (-inf) transitions included. */
static void test_every_label_count(void **unused)
{
    (void)unused;
    enum { T = 9, LMAX = 40 };
    static double state[T * LMAX], trans[LMAX * LMAX], delta[T * LMAX];
    uint32_t y1[T], y2[T];
    struct decode_work w = {0};
    rng_seed(&rng, 41);
    for (size_t L = 1; L <= LMAX; L++) {
        for (int rep = 0; rep < 6; rep++) {
            if (rep % 2) {
                fill(&rng, state, T * L, -5, 5);
                fill(&rng, trans, L * L, -5, 5);
            } else {
                fill_int(state, T * L);
                fill_int(trans, L * L);
            }
            if (rep >= 4)
                for (size_t k = 0; k < L * L; k++)
                    if (k % 3 == 1 && k != 0)
                        trans[k] = -INFINITY;
            double s1, s2 = plain_viterbi(T, L, state, trans, delta, y2);
            assert_int_equal(decode_viterbi_tm(T, L, state, trans, NULL, NULL, y1, &s1, &w), 0);
            assert_memory_equal(&s1, &s2, sizeof s1);
            assert_memory_equal(y1, y2, sizeof y1);
        }
    }
    decode_work_free(&w);
}

/* Once the buffers are big enough, smaller calls allocate nothing. */
static void test_no_alloc_when_warm(void **unused)
{
    (void)unused;
    struct decode_work w = {0};
    double state[50 * 10], trans[10 * 10];
    unsigned char allowed[100], start[10];
    uint32_t y[50];
    rng_seed(&rng, 21);
    fill(&rng, state, 500, -3, 3);
    fill(&rng, trans, 100, -3, 3);
    for (size_t k = 0; k < 100; k++)
        allowed[k] = (k % 3) != 0;
    for (size_t k = 0; k < 10; k++)
        start[k] = (k % 2) != 0;
    assert_int_equal(decode_viterbi(50, 10, state, trans, allowed, start, y, NULL, &w), 0);
    struct decode_work before = w;
    for (size_t T = 1; T <= 50; T += 7)
        for (size_t L = 1; L <= 10; L += 3) {
            assert_int_equal(decode_viterbi(T, L, state, trans, allowed, start, y, NULL, &w), 0);
            assert_int_equal(decode_viterbi(T, L, state, trans, NULL, NULL, y, NULL, &w), 0);
            assert_ptr_equal(w.delta, before.delta);
            assert_ptr_equal(w.tmask, before.tmask);
            assert_true(w.cap == before.cap && w.cap_ll == before.cap_ll);
        }
    decode_work_free(&w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_brute_force),
        cmocka_unit_test(test_ties),
        cmocka_unit_test(test_bio_brute_force),
        cmocka_unit_test(test_bio_against_scores),
        cmocka_unit_test(test_fallback),
        cmocka_unit_test(test_premasked_same),
        cmocka_unit_test(test_t0_t1),
        cmocka_unit_test(test_work_reuse),
        cmocka_unit_test(test_no_alloc_when_warm),
        cmocka_unit_test(test_every_label_count),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
