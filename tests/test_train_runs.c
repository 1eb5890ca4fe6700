/*
 * test_train_runs.c - the gather and scatter of the runs of every label
 * (train_runs.h): the version the CPU runs against the plain one and
 * against one scalar addition at a time, to the bit, for every row length
 * 1 to 60 (one register block and the wide loop), 0 to 7 consecutive runs
 * at scattered offsets, values of mixed sign and magnitude (and -0, whose
 * sum with +0 depends on the order), with nothing written outside the cells.
 * And the runs of fewer labels as one list of pairs (train_flat_*): a
 * sentence's gather and scatter against one run at a time, one scalar
 * addition at a time, to the bit, for L = 1 to TRAIN_FLAT_MAX, 0 to 24 runs
 * of 1 to L labels each over 1 to 6 tokens (some without a run; a label in
 * many runs, so that the order of the gather's additions shows in the
 * sums), and where each run and token ends in the list.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "train_runs.h"

#define LMAX 60
#define NRUN 7
#define NW (NRUN * (LMAX + 5) + 8)      /* the weights the runs point into */

static uint64_t rng = 0x9E3779B97F4A7C15ULL;

/* a double of mixed sign and magnitude, sometimes -0 or +0 */
static double value(void)
{
    uint64_t r = xorshift64(&rng);
    if (r % 17 == 0)
        return r % 2 ? -0.0 : 0.0;
    double u = (double)(r >> 11) / 9007199254740992.0 - 0.5;
    return ldexp(u, (int)(r % 30) - 15);
}

/* n runs of L cells at increasing, distinct offsets into [0, NW) with gaps
 * of 0 to 4 cells between them */
static void make_runs(struct trun *run, size_t n, size_t L)
{
    uint32_t q = (uint32_t)(xorshift64(&rng) % 5);
    for (size_t k = 0; k < n; k++) {
        run[k].q0 = q;
        run[k].q1 = q + (uint32_t)L;
        q += (uint32_t)L + (uint32_t)(xorshift64(&rng) % 5);
    }
}

static void test_full_gather_same_bits(void **unused)
{
    (void)unused;
    train_full_gather_fn *fast = train_full_gather_pick();
    static double w[NW];
    for (size_t L = 1; L <= LMAX; L++) {
        for (size_t n = 0; n <= NRUN; n++) {
            struct trun run[NRUN];
            double ref[LMAX + 8], a[LMAX + 8], b[LMAX + 8];
            make_runs(run, n, L);
            for (size_t k = 0; k < NW; k++)
                w[k] = value();
            for (size_t y = 0; y < LMAX + 8; y++)
                ref[y] = y < L ? value() : 12345.0;
            memcpy(a, ref, sizeof a);
            memcpy(b, ref, sizeof b);
            for (size_t k = 0; k < n; k++)           /* one addition at a time */
                for (size_t y = 0; y < L; y++)
                    ref[y] += w[run[k].q0 + y];
            train_full_gather_plain(a, w, run, n, L);
            fast(b, w, run, n, L);
            assert_memory_equal(ref, a, sizeof a);
            assert_memory_equal(ref, b, sizeof b);
        }
    }
}

static void test_full_scatter_same_bits(void **unused)
{
    (void)unused;
    train_full_scatter_fn *fast = train_full_scatter_pick();
    static double ref[NW], a[NW], b[NW];
    for (size_t L = 1; L <= LMAX; L++) {
        for (size_t n = 0; n <= NRUN; n++) {
            struct trun run[NRUN];
            double row[LMAX];
            make_runs(run, n, L);
            for (size_t y = 0; y < L; y++)
                row[y] = value();
            for (size_t k = 0; k < NW; k++)
                ref[k] = value();
            memcpy(a, ref, sizeof a);
            memcpy(b, ref, sizeof b);
            for (size_t k = 0; k < n; k++)
                for (size_t y = 0; y < L; y++)
                    ref[run[k].q0 + y] += row[y];
            train_full_scatter_plain(a, row, run, n, L);
            fast(b, row, run, n, L);
            assert_memory_equal(ref, a, sizeof a);
            assert_memory_equal(ref, b, sizeof b);
        }
    }
}

#define FNRUN 24
#define FNTOK 6
#define FNP (FNRUN * (TRAIN_FLAT_MAX + 4) + 8)   /* the pairs the runs point into */
#define FROW (FNTOK * TRAIN_FLAT_MAX + 4)

/* n runs of 1 to L pairs at increasing offsets into [0, FNP) with gaps of
 * 0 to 3 pairs, each run's labels a random subset of 0 .. L-1 in
 * increasing order (model.h); pl of the gaps random labels too.  Returns
 * the number of pairs. */
static size_t make_flat_runs(struct trun *run, size_t n, size_t L, uint16_t *pl)
{
    for (size_t q = 0; q < FNP; q++)
        pl[q] = (uint16_t)(xorshift64(&rng) % L);
    uint32_t q = (uint32_t)(xorshift64(&rng) % 4);
    size_t np = 0;
    for (size_t k = 0; k < n; k++) {
        uint32_t q1 = q;
        for (size_t y = 0; y < L; y++)
            if (xorshift64(&rng) % 3 == 0 || (y == L - 1 && q1 == q))
                pl[q1++] = (uint16_t)y;
        run[k].q0 = q;
        run[k].q1 = q1;
        np += q1 - q;
        q = q1 + (uint32_t)(xorshift64(&rng) % 4);
    }
    return np;
}

static void test_flat_sentence_same_bits(void **unused)
{
    (void)unused;
    train_flat_sentence_fn *fns[2] = {train_flat_sentence_plain, train_flat_sentence_pick()};
    static uint16_t pl[FNP];
    static double x[FNP], gref[FNP], g[FNP];
    for (size_t L = 1; L <= TRAIN_FLAT_MAX; L++) {
        for (size_t n = 0; n <= FNRUN; n++) {
            struct trun run[FNRUN], r2[FNRUN];
            size_t rend[FNTOK], fend[FNTOK];
            double ref[FROW], state[FROW];
            size_t np = make_flat_runs(run, n, L, pl);
            /* 1 to FNTOK tokens of 0 or more runs each */
            size_t T = 1 + (size_t)(xorshift64(&rng) % FNTOK);
            for (size_t i = 0; i < T; i++)
                rend[i] = i == T - 1 ? n : (size_t)(xorshift64(&rng) % (n + 1));
            for (size_t i = 1; i < T; i++)           /* in order */
                for (size_t j = i; j > 0 && rend[j] < rend[j - 1]; j--) {
                    size_t t = rend[j];
                    rend[j] = rend[j - 1];
                    rend[j - 1] = t;
                }
            for (size_t q = 0; q < FNP; q++) {
                x[q] = value();
                g[q] = value();
            }
            for (size_t y = 0; y < FROW; y++)
                state[y] = y < T * L ? value() : 12345.0;
            memcpy(ref, state, sizeof ref);
            memcpy(gref, g, sizeof gref);
            /* one run, one pair at a time; then the scatter */
            for (size_t i = 0, k = 0; i < T; i++)
                for (; k < rend[i]; k++)
                    for (uint32_t q = run[k].q0; q < run[k].q1; q++)
                        ref[i * L + pl[q]] += x[q];
            for (size_t i = 0, k = 0; i < T; i++)
                for (; k < rend[i]; k++)
                    for (uint32_t q = run[k].q0; q < run[k].q1; q++)
                        gref[q] += ref[i * L + pl[q]];
            for (int f = 0; f < 2; f++) {
                double a[FROW];
                memcpy(a, state, sizeof a);
                memcpy(r2, run, sizeof r2);
                double *ga = test_malloc(FNP * sizeof *ga);
                memcpy(ga, g, FNP * sizeof *ga);
                /* exactly the room train_flat_fill asks for */
                uint32_t *fq = test_malloc((np + 4 * ((L + 3) / 4)) * sizeof *fq);
                fns[f](a, ga, pl, x, r2, rend, T, L, fq, fend);
                assert_memory_equal(ref, a, sizeof a);
                assert_memory_equal(gref, ga, FNP * sizeof *ga);
                size_t end = 0;                      /* where runs and tokens end */
                for (size_t i = 0, k = 0; i < T; i++) {
                    for (; k < rend[i]; k++) {
                        end += run[k].q1 - run[k].q0;
                        assert_int_equal(r2[k].q1, end);
                        assert_int_equal(r2[k].q0, run[k].q0);
                    }
                    assert_int_equal(fend[i], end);
                }
                test_free(fq);
                test_free(ga);
            }
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_full_gather_same_bits),
        cmocka_unit_test(test_full_scatter_same_bits),
        cmocka_unit_test(test_flat_sentence_same_bits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
