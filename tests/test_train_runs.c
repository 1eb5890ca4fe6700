/*
 * test_train_runs.c - the gather and scatter of the runs of every label
 * (train_runs.h): the version the CPU runs against the plain one and
 * against one scalar addition at a time, to the bit, for every row length
 * 1 to 60 (one register block and the wide loop), 0 to 7 consecutive runs
 * at scattered offsets, values of mixed sign and magnitude (and -0, whose
 * sum with +0 depends on the order), with nothing written outside the cells.
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_full_gather_same_bits),
        cmocka_unit_test(test_full_scatter_same_bits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
