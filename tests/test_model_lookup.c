/*
 * test_model_lookup.c - finding an attribute by its hash (model_attr_id and
 * the batched lookups of model_state_scores, src/model.c): a model loaded
 * from a file of format 6 (hashes stored in increasing order) looks its
 * attributes up in the buckets of their top bits, any other model in the
 * hash table; both give every attribute its id and no other key any, and a
 * file whose hashes crowd one bucket (more than MODEL_MAX_BUCKET) loads with
 * the table and tags the same.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "featset.h"
#include "hash.h"
#include "model.h"
#include "model_io.h"
#include "util.h"

#define SEED 77
#define NL 5

/* A model of attribute strings with n attributes of hashes h[0..n) (in
 * that order, not 0, all different): attribute a has one pair, label a % NL
 * of weight 1 + a % 11, or (every third one) two pairs, labels a % NL and
 * (a + 1) % NL. */
static struct crftag_model *hash_model(const uint64_t *h, uint32_t n)
{
    struct crftag_model *m = model_new();
    assert_non_null(m);
    /* hash version 1: the model is also saved in formats 5 and 6 */
    assert_int_equal(feat_config_attrs_hv(&m->feat, SEED, 1), CRFTAG_OK);
    char name[16];
    for (int i = 0; i < NL; i++) {
        snprintf(name, sizeof name, "L%d", i);
        assert_int_equal(labels_add(&m->labels, name), i);
    }
    m->nattr = n;
    m->attr_hash = util_malloc(n ? n : 1, sizeof *m->attr_hash);
    m->attr_off = util_malloc((size_t)n + 1, sizeof *m->attr_off);
    m->pair_label = util_malloc(2 * (size_t)n + 1, sizeof *m->pair_label);
    m->pair_w = util_malloc(2 * (size_t)n + 1, sizeof *m->pair_w);
    m->trans = util_calloc(NL * NL, sizeof *m->trans);
    assert_true(m->attr_hash && m->attr_off && m->pair_label && m->pair_w && m->trans);
    uint32_t np = 0;
    for (uint32_t a = 0; a < n; a++) {
        m->attr_hash[a] = h[a];
        m->attr_off[a] = np;
        m->pair_label[np] = (uint16_t)(a % NL);
        m->pair_w[np++] = (float)(1 + a % 11);
        if (a % 3 == 0) {
            m->pair_label[np] = (uint16_t)((a + 1) % NL);
            m->pair_w[np++] = -0.5f;
        }
    }
    m->attr_off[n] = np;
    m->npairs = np;
    assert_int_equal(model_finish(m, NULL), CRFTAG_OK);
    return m;
}

/* m saved in format version (5: the attributes in m's order; 6: in hash
 * order) and loaded again. */
static struct crftag_model *reload(const struct crftag_model *m, uint32_t version)
{
    unsigned char *buf;
    size_t len;
    struct crftag_error err;
    assert_int_equal(model_io_serialize_version(m, version, &buf, &len, &err), CRFTAG_OK);
    struct crftag_model *b;
    enum crftag_status st = crftag_model_load_mem(buf, len, &b, &err);
    if (st != CRFTAG_OK)
        fail_msg("%s", err.msg);
    free(buf);
    assert_int_equal(b->nattr, m->nattr);
    assert_int_equal(b->format_version, version);
    return b;
}

struct hash_at {
    uint64_t h;
    uint32_t a;
};

static int cmp_hash_at(const void *pa, const void *pb)
{
    uint64_t a = ((const struct hash_at *)pa)->h, b = ((const struct hash_at *)pb)->h;
    return a < b ? -1 : a > b;
}

/* score[L] += the weights of the attributes want[0..n) of b (HTAB_NONE:
 * none), one after another. */
static void scores_slowly(const struct crftag_model *b, size_t n, const uint32_t *want,
                          double *score)
{
    for (size_t i = 0; i < n; i++)
        if (want[i] != HTAB_NONE)
            for (uint32_t k = b->attr_off[want[i]]; k < b->attr_off[want[i] + 1]; k++)
                score[b->pair_label[k]] += b->pair_w[k];
}

/* Every attribute of b is found at its position; the keys around them (one
 * above, one below, the same top half, the first and last buckets, 0,
 * random ones) are found exactly when they are b's; model_state_scores over
 * all of them, in batches, adds the weights of the attributes found. */
static void check_lookups(const struct crftag_model *b, uint64_t *rng)
{
    uint32_t n = b->nattr;
    for (uint32_t a = 0; a < n; a++)
        if (model_attr_id(b, b->attr_hash[a]) != a)
            fail_msg("attribute %u of %u (hash %016llx) not found", a, n,
                     (unsigned long long)b->attr_hash[a]);
    struct hash_at *sorted = malloc(((size_t)n + 1) * sizeof *sorted);
    size_t nk = 0, cap = 9 * (size_t)n + 1000;
    uint64_t *keys = malloc(cap * sizeof *keys);
    uint32_t *want = malloc(cap * sizeof *want);
    assert_true(sorted && keys && want);
    for (uint32_t a = 0; a < n; a++) {
        sorted[a].h = b->attr_hash[a];
        sorted[a].a = a;
    }
    qsort(sorted, n, sizeof *sorted, cmp_hash_at);
    const uint64_t fixed[] = {0, 1, 2, 3, UINT64_MAX, UINT64_MAX - 1, UINT64_C(1) << 63,
                              (UINT64_C(1) << 63) - 1, UINT64_C(1) << 32, 0xffffffff};
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
        keys[nk++] = fixed[i];
    for (uint32_t a = 0; a < n; a++) {
        uint64_t h = b->attr_hash[a], r = xorshift64(rng);
        keys[nk++] = h;
        keys[nk++] = h + 1;
        keys[nk++] = h - 1;
        keys[nk++] = h ^ 2;
        keys[nk++] = (h & ~UINT64_C(0xffffffff)) | (r & 0xffffffff);      /* its bucket */
        keys[nk++] = (h & ~UINT64_C(0xffffffff)) | (r >> 32);
        keys[nk++] = h & ~UINT64_C(0xffffffff);                 /* its bucket's ends */
        keys[nk++] = h | UINT64_C(0xffffffff);
    }
    while (nk < cap)
        keys[nk++] = xorshift64(rng);
    size_t found = 0;
    for (size_t i = 0; i < nk; i++) {
        struct hash_at key = { keys[i], 0 };
        const struct hash_at *at = n ? bsearch(&key, sorted, n, sizeof *sorted, cmp_hash_at)
                                     : NULL;
        want[i] = at ? at->a : HTAB_NONE;
        found += at != NULL;
        uint32_t got = model_attr_id(b, keys[i]);
        if (got != want[i])
            fail_msg("key %016llx: %u, expected %u (n %u)", (unsigned long long)keys[i], got,
                     want[i], n);
    }
    assert_true(found >= n && found < nk);
    double got[NL] = {0}, exp[NL] = {0};
    model_state_scores(b, keys, nk, got);
    scores_slowly(b, nk, want, exp);
    assert_memory_equal(got, exp, sizeof got);
    /* a token at a time too: 1 to 3 keys */
    for (size_t i = 0; i < nk; i += 1 + i % 3) {
        size_t k = nk - i < 1 + i % 3 ? nk - i : 1 + i % 3;
        double g[NL] = {0}, e[NL] = {0};
        model_state_scores(b, keys + i, k, g);
        scores_slowly(b, k, want + i, e);
        assert_memory_equal(g, e, sizeof g);
    }
    free(sorted);
    free(keys);
    free(want);
}

/* n random hashes (not 0, all different); from n = 2 on they include the
 * first and the last hash, 1 and 2^64 - 1. */
static uint64_t *random_hashes(uint32_t n, uint64_t *rng)
{
    uint64_t *h = malloc(((size_t)n + 1) * sizeof *h);
    assert_non_null(h);
    for (uint32_t a = 0; a < n; a++)
        h[a] = hash_end(hash_u64(hash_begin(SEED), xorshift64(rng)));
    if (n >= 2) {
        h[n / 3] = 1;
        h[n / 2] = UINT64_MAX;
    }
    return h;
}

/* Loaded from format 6, models of 1 attribute or more use the buckets
 * (a model without attributes, the trainer's and the in-memory one the
 * table); every path finds the same. */
static void test_sorted_buckets(void **state)
{
    (void)state;
    uint64_t rng = 12345;
    const uint32_t sizes[] = {0, 1, 2, 3, 5, 17, 64, 65, 1000, 4097, 100000};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        uint32_t n = sizes[i];
        uint64_t *h = random_hashes(n, &rng);
        struct crftag_model *m = hash_model(h, n);
        assert_null(m->attr_bucket);                 /* not loaded: the table */
        check_lookups(m, &rng);
        struct crftag_model *b = reload(m, 6);
        if (n > 0) {
            assert_non_null(b->attr_bucket);
            /* at least n / 2 buckets (rounded down), at most n (2 for the
             * smallest) */
            size_t nb = (size_t)1 << (64 - b->attr_shift);
            assert_true(nb >= n / 2 && (nb <= n || nb == 2));
            assert_int_equal(b->attrs.cap, 0);
        } else {
            assert_null(b->attr_bucket);
        }
        for (uint32_t a = 1; a < n; a++)
            assert_true(b->attr_hash[a] > b->attr_hash[a - 1]);
        check_lookups(b, &rng);
        /* the same weights found for the same hashes in both */
        for (uint32_t a = 0; a < n; a++) {
            uint32_t x = model_attr_id(b, h[a]);
            assert_true(x != HTAB_NONE);
            assert_int_equal(b->attr_off[x + 1] - b->attr_off[x],
                             m->attr_off[a + 1] - m->attr_off[a]);
            assert_true(b->pair_w[b->attr_off[x]] == m->pair_w[m->attr_off[a]]);
        }
        crftag_model_free(b);
        crftag_model_free(m);
        free(h);
    }
}

/* Format 5 keeps the attributes in the model's order: out of hash order,
 * such a model loads with the table. */
static void test_unsorted_table(void **state)
{
    (void)state;
    uint64_t rng = 999;
    const uint32_t sizes[] = {7, 300, 20000};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        uint32_t n = sizes[i];
        uint64_t *h = random_hashes(n, &rng);
        struct crftag_model *m = hash_model(h, n);
        struct crftag_model *b = reload(m, 5);
        assert_memory_equal(b->attr_hash, h, n * sizeof *h);
        assert_true(h[n / 3] == 1 && h[n / 3 - 1] > h[n / 3]);    /* out of order */
        assert_null(b->attr_bucket);
        assert_true(b->attrs.cap > 0);
        check_lookups(b, &rng);
        crftag_model_free(b);
        crftag_model_free(m);
        free(h);
    }
}

/* 64 attributes (32 buckets of their top 5 bits), `crowd` of them in bucket
 * 3 and the others two at most in each of the other buckets. */
static uint64_t *crowded_hashes(uint32_t crowd, uint64_t *rng)
{
    const uint32_t n = 64;
    uint64_t *h = malloc(n * sizeof *h);
    assert_non_null(h);
    for (uint32_t a = 0; a < n; a++) {
        uint64_t bucket = a < crowd ? 3 : (uint64_t)(4 + a % 28);
        h[a] = bucket << 59 | (xorshift64(rng) >> 5);
    }
    return h;
}

/* Up to MODEL_MAX_BUCKET hashes in a bucket the model keeps the buckets; one
 * more and it uses the table, which finds the same. */
static void test_crowded_bucket(void **state)
{
    (void)state;
    uint64_t rng = 4242;
    for (uint32_t crowd = MODEL_MAX_BUCKET - 1; crowd <= MODEL_MAX_BUCKET + 2; crowd++) {
        uint64_t *h = crowded_hashes(crowd, &rng);
        struct crftag_model *m = hash_model(h, 64);
        struct crftag_model *b = reload(m, 6);
        if (crowd <= MODEL_MAX_BUCKET) {
            assert_non_null(b->attr_bucket);
            assert_int_equal(b->attr_shift, 59);
            assert_int_equal(b->attr_bucket[4] - b->attr_bucket[3], crowd);
        } else {
            assert_null(b->attr_bucket);
            assert_true(b->attrs.cap > 0);
        }
        check_lookups(b, &rng);
        crftag_model_free(b);
        crftag_model_free(m);
        free(h);
    }
}

/* A model file whose attribute names all hash into one bucket (found by
 * trying names) tags a sentence of them as a model of ordinary names does:
 * token t has the attribute of name t alone, whose only pair (besides
 * every third name's second one, of weight -0.5) sends it to label t % NL. */
static void test_one_bucket_tags(void **state)
{
    (void)state;
    enum { N = 80 };
    for (int crowded = 0; crowded <= 1; crowded++) {
        struct feat_config fc;
        memset(&fc, 0, sizeof fc);
        assert_int_equal(feat_config_attrs_hv(&fc, SEED, 1), CRFTAG_OK);   /* as hash_model */
        char names[N][24];
        uint64_t h[N];
        uint32_t n = 0;
        for (unsigned long i = 0; n < N; i++) {
            assert_true(i < 10000000);
            char s[24];
            snprintf(s, sizeof s, "w=%lu", i);
            uint64_t x = feat_attr_id(&fc, s, strlen(s));
            if (crowded && x >> 57 != 0x55)        /* the top 7 bits: 1 in 128 */
                continue;
            memcpy(names[n], s, sizeof s);
            h[n++] = x;
        }
        feat_config_free(&fc);
        struct crftag_model *m = hash_model(h, N);
        struct crftag_model *b = reload(m, 6);
        if (crowded) {
            assert_null(b->attr_bucket);             /* 80 in one of 64 buckets */
        } else {
            assert_non_null(b->attr_bucket);
        }
        const char *nm[N];
        size_t natt[N];
        uint32_t got[N];
        for (uint32_t t = 0; t < N; t++) {
            nm[t] = names[t];
            natt[t] = 1;
        }
        struct crftag_tagger *tg;
        struct crftag_error err;
        assert_int_equal(crftag_tagger_new(b, &tg), CRFTAG_OK);
        assert_int_equal(crftag_tagger_tag_attrs(tg, N, natt, nm, NULL, got, NULL, NULL, &err),
                         CRFTAG_OK);
        for (uint32_t t = 0; t < N; t++)
            assert_int_equal(got[t], t % NL);
        /* with weights (the one-at-a-time scores) */
        double w[N];
        for (uint32_t t = 0; t < N; t++)
            w[t] = 0.5;
        assert_int_equal(crftag_tagger_tag_attrs(tg, N, natt, nm, w, got, NULL, NULL, &err),
                         CRFTAG_OK);
        for (uint32_t t = 0; t < N; t++)
            assert_int_equal(got[t], t % NL);
        /* the weights of an attribute, by its name */
        double out[NL];
        assert_int_equal(crftag_model_attr_weights(b, names[7], strlen(names[7]), out), 1);
        assert_true(out[7 % NL] == 1 + 7 % 11);
        assert_int_equal(crftag_model_attr_weights(b, "w=absent", 8, out), 0);
        crftag_tagger_free(tg);
        crftag_model_free(b);
        crftag_model_free(m);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sorted_buckets),
        cmocka_unit_test(test_unsorted_table),
        cmocka_unit_test(test_crowded_bucket),
        cmocka_unit_test(test_one_bucket_tags),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
