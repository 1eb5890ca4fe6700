/*
 * test_model.c - the state scores of the in-memory model (src/model.c): the
 * dense rows that model_finish builds for long weight runs give the same
 * sums, to the bit, as adding every pair in order, and are made for exactly
 * the runs they should be.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hash.h"
#include "model.h"
#include "util.h"

/* A model of L labels whose attribute a has a run of a % (L + 3) pairs
 * (labels going up from a % L, wrapping), so runs of every length up to
 * L + 2: the longest ones repeat labels and must stay sparse. */
static struct crftag_model *runs_model(size_t L, uint32_t nattr)
{
    struct crftag_model *m = model_new();
    assert_non_null(m);
    char name[32];
    for (size_t i = 0; i < L; i++) {
        snprintf(name, sizeof name, "L%zu", i);
        assert_int_equal(labels_add(&m->labels, name), (int)i);
    }
    m->nattr = nattr;
    m->attr_hash = util_malloc(nattr, sizeof *m->attr_hash);
    m->attr_off = util_malloc(nattr + 1, sizeof *m->attr_off);
    assert_non_null(m->attr_hash);
    assert_non_null(m->attr_off);
    uint32_t np = 0;
    m->attr_off[0] = 0;
    for (uint32_t a = 0; a < nattr; a++) {
        m->attr_hash[a] = hash_end(hash_u64(hash_begin(11), a));
        np += a % (uint32_t)(L + 3);
        m->attr_off[a + 1] = np;
    }
    m->npairs = np;
    m->pair_label = util_malloc(np ? np : 1, sizeof *m->pair_label);
    m->pair_w = util_malloc(np ? np : 1, sizeof *m->pair_w);
    assert_non_null(m->pair_label);
    assert_non_null(m->pair_w);
    uint32_t seed = 7;
    for (uint32_t a = 0; a < nattr; a++) {
        uint32_t k0 = m->attr_off[a], len = m->attr_off[a + 1] - k0;
        for (uint32_t k = 0; k < len; k++) {
            uint32_t y = len <= L ? (a % L + k) % L : k % L;
            if (len <= L && a % 2)             /* ascending, not from a % L */
                y = (uint32_t)((size_t)k * L / len);
            m->pair_label[k0 + k] = (uint16_t)y;
            seed = seed * 1103515245u + 12345u;
            m->pair_w[k0 + k] = ((float)(seed >> 8) / 16777216.0f - 0.5f) * 4.0f;
        }
        /* labels must go up for a dense row: sort the run */
        if (len <= L)
            for (uint32_t i = 1; i < len; i++)
                for (uint32_t j = i; j > 0 && m->pair_label[k0 + j - 1] > m->pair_label[k0 + j];
                     j--) {
                    uint16_t t = m->pair_label[k0 + j];
                    m->pair_label[k0 + j] = m->pair_label[k0 + j - 1];
                    m->pair_label[k0 + j - 1] = t;
                }
    }
    m->trans = util_calloc(L * L, sizeof *m->trans);
    assert_non_null(m->trans);
    assert_int_equal(model_finish(m, NULL), CRFTAG_OK);
    return m;
}

static void check_scores(size_t L)
{
    const uint32_t nattr = 500;
    struct crftag_model *m = runs_model(L, nattr);
    if (L + 2 >= 8)                  /* runs long enough for dense rows */
        assert_true(m->dense_w != NULL);
    /* every attribute, one token each, then all at once (several batches),
     * plus an unknown hash */
    uint64_t *ids = malloc((nattr + 1) * sizeof *ids);
    double *got = malloc(L * sizeof *got), *want = malloc(L * sizeof *want);
    assert_non_null(ids);
    assert_non_null(got);
    assert_non_null(want);
    for (uint32_t a = 0; a < nattr; a++)
        ids[a] = m->attr_hash[a];
    ids[nattr] = 12345;
    for (uint32_t a = 0; a <= nattr; a++) {
        for (size_t y = 0; y < L; y++)
            got[y] = want[y] = 0.25 * (double)y;
        model_state_scores(m, ids + a, 1, got);
        if (a < nattr)
            for (uint32_t k = m->attr_off[a]; k < m->attr_off[a + 1]; k++)
                want[m->pair_label[k]] += m->pair_w[k];
        assert_memory_equal(got, want, L * sizeof *got);
    }
    memset(got, 0, L * sizeof *got);
    memset(want, 0, L * sizeof *want);
    model_state_scores(m, ids, nattr + 1, got);
    for (uint32_t a = 0; a < nattr; a++)
        for (uint32_t k = m->attr_off[a]; k < m->attr_off[a + 1]; k++)
            want[m->pair_label[k]] += m->pair_w[k];
    assert_memory_equal(got, want, L * sizeof *got);
    free(ids);
    free(got);
    free(want);
    crftag_model_free(m);
}

/* Odd and even label counts, below and above the SIMD widths (every count
 * of AVX quadruples of a dense row, 2 to 8, whole or overlapping). */
static void test_dense_rows_same_sums(void **state)
{
    (void)state;
    size_t Ls[] = {1, 2, 3, 4, 5, 8, 9, 13, 17, 22, 23, 25, 29, 32, 33, 70};
    for (size_t i = 0; i < sizeof Ls / sizeof Ls[0]; i++)
        check_scores(Ls[i]);
}

/* The attributes with a dense row are exactly those whose run has
 * dense_min pairs or more with labels going up, and each row holds its
 * run's weights at their labels, zero elsewhere: for attribute counts that
 * are and are not multiples of four, and runs of every length. */
static void test_dense_rows_which(void **state)
{
    (void)state;
    size_t Ls[] = {5, 9, 22, 25};
    uint32_t ns[] = {1, 2, 3, 4, 5, 7, 8, 9, 31, 499, 501, 502, 503};
    for (size_t i = 0; i < sizeof Ls / sizeof Ls[0]; i++)
        for (size_t j = 0; j < sizeof ns / sizeof ns[0]; j++) {
            size_t L = Ls[i];
            struct crftag_model *m = runs_model(L, ns[j]);
            size_t rows = 0;
            for (uint32_t a = 0; a < m->nattr; a++) {
                uint32_t k0 = m->attr_off[a], k1 = m->attr_off[a + 1];
                int up = 1;
                for (uint32_t k = k0 + 1; k < k1; k++)
                    up &= m->pair_label[k] > m->pair_label[k - 1];
                int want = k1 - k0 >= m->dense_min && up;
                int got = m->dense_bits && (m->dense_bits[a / 64] >> (a % 64) & 1);
                assert_int_equal(got, want);
                if (!want)
                    continue;
                assert_int_equal(m->dense_rank[a / 64] +
                                     (size_t)__builtin_popcountll(m->dense_bits[a / 64] &
                                                                  ((UINT64_C(1) << (a % 64)) - 1)),
                                 rows);
                const float *row = m->dense_w + rows * L;
                float *exp = calloc(L, sizeof *exp);
                assert_non_null(exp);
                for (uint32_t k = k0; k < k1; k++)
                    exp[m->pair_label[k]] = m->pair_w[k];
                assert_memory_equal(row, exp, L * sizeof *exp);
                free(exp);
                rows++;
            }
            if (L + 2 >= 8 && ns[j] >= 31)
                assert_true(rows > 0);
            crftag_model_free(m);
        }
}

/* No weights yet (a training skeleton): no dense rows, lookups work. */
static void test_no_weights(void **state)
{
    (void)state;
    struct crftag_model *m = runs_model(5, 40);
    free(m->pair_w);
    m->pair_w = NULL;
    assert_int_equal(model_finish(m, NULL), CRFTAG_OK);
    assert_null(m->dense_w);
    assert_int_equal(m->dense_min, UINT32_MAX);
    assert_int_equal(htab_get(&m->attrs, m->attr_hash[17]), 17);
    crftag_model_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dense_rows_same_sums),
        cmocka_unit_test(test_dense_rows_which),
        cmocka_unit_test(test_no_weights),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
