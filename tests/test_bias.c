/*
 * test_bias.c - label bias: the spec parser, decoding with a bias, the bias
 * stored in a trained model.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crftag.h"
#include "labels.h"
#include "testutil.h"

static void test_parse(void **state)
{
    (void)state;
    struct labels l;
    labels_init(&l);
    const char *names[] = { "O", "B-Algorithm", "I-Algorithm", "B-Library", "I-Library" };
    for (int i = 0; i < 5; i++)
        assert_int_equal(labels_add(&l, names[i]), i);
    float b[5];
    char msg[200];
    assert_int_equal(labels_bias_parse(&l, "0.5,Algorithm=1.25", b, msg, sizeof msg), 0);
    assert_true(b[0] == 0.0f && b[1] == 1.25f && b[2] == 1.25f && b[3] == 0.5f && b[4] == 0.5f);
    assert_int_equal(labels_bias_parse(&l, "Library=-2", b, msg, sizeof msg), 0);
    assert_true(b[0] == 0.0f && b[1] == 0.0f && b[3] == -2.0f && b[4] == -2.0f);
    assert_int_equal(labels_bias_parse(&l, "", b, msg, sizeof msg), 0);
    assert_true(b[1] == 0.0f);
    static const struct { const char *spec, *msg; } bad[] = {
        { "Device=1", "no label has the type 'Device'" },
        { "x", "'x' is not a number" },
        { "Algorithm=", "expected X or TYPE=X" },
        { "=1", "empty type" },
        { "200", "-100..100" },
        { "nan", "-100..100" },
        { "1,", "expected X or TYPE=X" },
    };
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        assert_int_equal(labels_bias_parse(&l, bad[k].spec, b, msg, sizeof msg), -1);
        if (!strstr(msg, bad[k].msg))
            fail_msg("'%s': message \"%s\" lacks \"%s\"", bad[k].spec, msg, bad[k].msg);
    }
    labels_free(&l);

    /* plain tags (no type): "0" (no bias) is accepted, any other value not */
    labels_init(&l);
    const char *pos[] = { "NOUN", "VERB", "PUNCT" };
    for (int i = 0; i < 3; i++)
        assert_int_equal(labels_add(&l, pos[i]), i);
    assert_int_equal(labels_bias_parse(&l, "0", b, msg, sizeof msg), 0);
    assert_true(b[0] == 0.0f && b[1] == 0.0f && b[2] == 0.0f);
    assert_int_equal(labels_bias_parse(&l, "0.5", b, msg, sizeof msg), -1);
    assert_non_null(strstr(msg, "no label has a type"));
    labels_free(&l);
}

static struct crftag_model *train_small(const char *bias)
{
    struct crftag_corpus *c = load_corpus("tests/data/corpus_wikiser_30.txt");
    struct crftag_error err;
    struct crftag_train_params p;
    crftag_train_params_init(&p);
    assert_string_equal(p.bias, CRFTAG_BIAS_AUTO);
    p.max_iter = 30;
    p.threads = 1;
    p.bias = bias;
    struct crftag_model *m = NULL;
    enum crftag_status st = crftag_train(c, &p, &m, &err);
    crftag_corpus_free(c);
    if (st != CRFTAG_OK)
        return NULL;
    return m;
}

static const char *const SENT[] = { "The", "server", "speaks", "HTTP", "and", "SPICE", "to",
                                    "the", "Linux", "client", "." };
#define NS (sizeof SENT / sizeof SENT[0])

static size_t count_o(const struct crftag_model *m, const uint32_t *ids)
{
    size_t n = 0;
    for (size_t i = 0; i < NS; i++)
        n += strcmp(crftag_model_label(m, ids[i]), "O") == 0;
    return n;
}

static void test_decode_with_bias(void **state)
{
    (void)state;
    struct crftag_model *m = train_small(NULL);
    assert_non_null(m);
    for (uint32_t y = 0; y < crftag_model_num_labels(m); y++)
        assert_true(crftag_model_label_bias(m, y) == 0.0);
    struct crftag_tagger *t;
    assert_int_equal(crftag_tagger_new(m, &t), CRFTAG_OK);
    uint32_t a[NS], b[NS];
    double sa, sb;
    assert_int_equal(crftag_tagger_tag(t, SENT, NS, 1, a, &sa, NULL), CRFTAG_OK);
    size_t o0 = count_o(m, a);
    assert_true(o0 > 0 && o0 < NS);
    /* a large positive bias: no token is O; a large negative one: all are */
    assert_int_equal(crftag_tagger_set_bias(t, "50", NULL), CRFTAG_OK);
    assert_int_equal(crftag_tagger_tag(t, SENT, NS, 1, b, &sb, NULL), CRFTAG_OK);
    assert_int_equal(count_o(m, b), 0);
    assert_int_equal(crftag_tagger_set_bias(t, "-50", NULL), CRFTAG_OK);
    assert_int_equal(crftag_tagger_tag(t, SENT, NS, 1, b, &sb, NULL), CRFTAG_OK);
    assert_int_equal(count_o(m, b), NS);
    /* a bias too small to change the path: same labels, same (unbiased) score */
    assert_int_equal(crftag_tagger_set_bias(t, "0.000001", NULL), CRFTAG_OK);
    assert_int_equal(crftag_tagger_tag(t, SENT, NS, 1, b, &sb, NULL), CRFTAG_OK);
    assert_memory_equal(a, b, sizeof a);
    assert_true(fabs(sa - sb) < 1e-9 * (1 + fabs(sa)));
    /* marginals include the bias, as decoding: with +50 on every entity label
     * O has next to no mass */
    size_t L = crftag_model_num_labels(m), len[NS];
    for (size_t i = 0; i < NS; i++)
        len[i] = strlen(SENT[i]);
    double *ma = malloc(NS * L * sizeof *ma), *mb = malloc(NS * L * sizeof *mb);
    assert_int_equal(crftag_tagger_set_bias(t, "0", NULL), CRFTAG_OK);
    assert_int_equal(crftag_tagger_tag_tokens(t, SENT, len, NS, a, NULL, ma, NULL), CRFTAG_OK);
    assert_int_equal(crftag_tagger_set_bias(t, "50", NULL), CRFTAG_OK);
    assert_int_equal(crftag_tagger_tag_tokens(t, SENT, len, NS, b, NULL, mb, NULL), CRFTAG_OK);
    for (size_t i = 0; i < NS; i++)
        assert_true(mb[i * L + 0] < 1e-15 && ma[i * L + 0] > 1e-6);
    assert_string_equal(crftag_model_label(m, 0), "O");
    free(ma);
    free(mb);
    /* a bad spec leaves the bias as it was */
    struct crftag_error err;
    assert_int_equal(crftag_tagger_set_bias(t, "Nothing=1", &err), CRFTAG_ERR_INVALID);
    assert_non_null(strstr(err.msg, "Nothing"));
    assert_int_equal(crftag_tagger_tag(t, SENT, NS, 1, b, NULL, NULL), CRFTAG_OK);
    assert_int_equal(count_o(m, b), 0);
    assert_int_equal(crftag_tagger_set_bias(NULL, "1", NULL), CRFTAG_ERR_INVALID);
    crftag_tagger_free(t);
    crftag_model_free(m);
}

static void test_bias_in_model(void **state)
{
    (void)state;
    assert_null(train_small("Nothing=1"));
    struct crftag_model *m = train_small("-50,Protocol=50");
    assert_non_null(m);
    char path[] = "/tmp/crftag-test-bias-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    struct crftag_error err;
    assert_int_equal(crftag_model_save(m, path, &err), CRFTAG_OK);
    struct crftag_model *back;
    assert_int_equal(crftag_model_load(path, &back, &err), CRFTAG_OK);
    unlink(path);
    for (uint32_t y = 0; y < crftag_model_num_labels(m); y++) {
        const char *name = crftag_model_label(m, y);
        double want = strcmp(name, "O") == 0 ? 0 : strstr(name, "-Protocol") ? 50 : -50;
        assert_true(crftag_model_label_bias(m, y) == want);
        assert_true(crftag_model_label_bias(back, y) == want);
    }
    /* the loaded model decodes with its bias: only Protocol labels; NULL
     * restores it after "0" turned it off */
    struct crftag_tagger *t;
    assert_int_equal(crftag_tagger_new(back, &t), CRFTAG_OK);
    uint32_t ids[NS];
    assert_int_equal(crftag_tagger_tag(t, SENT, NS, 1, ids, NULL, NULL), CRFTAG_OK);
    for (size_t i = 0; i < NS; i++)
        assert_non_null(strstr(crftag_model_label(back, ids[i]), "-Protocol"));
    assert_int_equal(crftag_tagger_set_bias(t, "0", NULL), CRFTAG_OK);
    assert_int_equal(crftag_tagger_tag(t, SENT, NS, 1, ids, NULL, NULL), CRFTAG_OK);
    size_t prot = 0;
    for (size_t i = 0; i < NS; i++)
        prot += strstr(crftag_model_label(back, ids[i]), "-Protocol") != NULL;
    assert_true(prot < NS);
    assert_int_equal(crftag_tagger_set_bias(t, NULL, NULL), CRFTAG_OK);
    assert_int_equal(crftag_tagger_tag(t, SENT, NS, 1, ids, NULL, NULL), CRFTAG_OK);
    for (size_t i = 0; i < NS; i++)
        assert_non_null(strstr(crftag_model_label(back, ids[i]), "-Protocol"));
    crftag_tagger_free(t);
    crftag_model_free(back);
    crftag_model_free(m);
}

/* 120 sentences (the 30 of the slice four times): enough for bias "auto"
 * to hold some out and train first on the rest */
static struct crftag_corpus *corpus_120(void)
{
    struct crftag_corpus *c = load_corpus("tests/data/corpus_wikiser_30.txt");
    struct crftag_error err;
    for (int k = 0; k < 3; k++)
        assert_int_equal(crftag_corpus_read(c, "tests/data/corpus_wikiser_30.txt", &err),
                         CRFTAG_OK);
    return c;
}

/* crftag_train_take trains the model crftag_train trains (with bias "auto",
 * whose final training frees the corpus, and with a fixed bias); on
 * failure, and with the corpus as its own dev data, it frees the corpus
 * too (make asan and valgrind see a leak or a use after free). */
static void test_train_take(void **state)
{
    (void)state;
    const char *biases[] = { CRFTAG_BIAS_AUTO, "0" };
    for (int b = 0; b < 2; b++) {
        struct crftag_train_params p;
        crftag_train_params_init(&p);
        p.max_iter = 20;
        p.threads = 2;
        p.bias = biases[b];
        struct crftag_error err;
        struct crftag_corpus *c = corpus_120();
        struct crftag_model *m1, *m2;
        enum crftag_status st = crftag_train(c, &p, &m1, &err);
        if (st != CRFTAG_OK)
            fail_msg("bias %s: %s", biases[b], err.msg);
        crftag_corpus_free(c);
        assert_int_equal(crftag_train_take(corpus_120(), &p, &m2, &err), CRFTAG_OK);
        struct crftag_model_info i1, i2;
        crftag_model_get_info(m1, &i1);
        crftag_model_get_info(m2, &i2);
        assert_int_equal(i1.iterations, i2.iterations);
        assert_true(i1.final_objective == i2.final_objective);
        assert_int_equal(i2.train_sentences, 120);
        assert_int_equal(i1.train_tokens, i2.train_tokens);
        size_t nl = crftag_model_num_labels(m1);
        assert_int_equal(nl, crftag_model_num_labels(m2));
        for (uint32_t y = 0; y < nl; y++)
            assert_true(crftag_model_label_bias(m1, y) == crftag_model_label_bias(m2, y));
        struct crftag_tagger *t1, *t2;
        uint32_t ids1[NS], ids2[NS];
        assert_int_equal(crftag_tagger_new(m1, &t1), CRFTAG_OK);
        assert_int_equal(crftag_tagger_new(m2, &t2), CRFTAG_OK);
        assert_int_equal(crftag_tagger_tag(t1, SENT, NS, 1, ids1, NULL, NULL), CRFTAG_OK);
        assert_int_equal(crftag_tagger_tag(t2, SENT, NS, 1, ids2, NULL, NULL), CRFTAG_OK);
        assert_memory_equal(ids1, ids2, sizeof ids1);
        crftag_tagger_free(t1);
        crftag_tagger_free(t2);
        crftag_model_free(m1);
        crftag_model_free(m2);

        /* the corpus as its own dev data: freed at the end */
        c = corpus_120();
        p.dev = c;
        assert_int_equal(crftag_train_take(c, &p, &m2, &err), CRFTAG_OK);
        crftag_model_free(m2);
        p.dev = NULL;
        /* a failure (a bias that names no label) frees it too */
        p.bias = "Nothing=1";
        m2 = (struct crftag_model *)&p;
        assert_int_equal(crftag_train_take(corpus_120(), &p, &m2, &err), CRFTAG_ERR_INVALID);
        assert_null(m2);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse),
        cmocka_unit_test(test_decode_with_bias),
        cmocka_unit_test(test_bias_in_model),
        cmocka_unit_test(test_train_take),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
