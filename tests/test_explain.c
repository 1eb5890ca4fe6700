/*
 * test_explain.c - looking inside trained models (src/explain.c, names kept
 * by training in train_data.c): on models trained here from tests/data
 * (built-in features, with and without L1, and the CoNLL-2000 template), the
 * contributions of crftag_model_explain sum to the path score of
 * crftag_tagger_tag, for the tagger's labels and for the gold ones; the name
 * stored for every attribute met is the one rendered for it from the input;
 * a model trained without names has none; bad arguments are refused.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "corpus.h"
#include "featset.h"
#include "hash.h"
#include "labels.h"
#include "model.h"
#include "model_io.h"
#include "testutil.h"

/* A model trained on path (template text tpl, or NULL: built-in). */
static struct crftag_model *train(const char *path, const char *tpl, double c1, int names,
                                  struct crftag_corpus **out_c)
{
    struct crftag_corpus *c = load_corpus(path);
    struct crftag_train_params p;
    crftag_train_params_init(&p);
    assert_int_equal(p.keep_names, 0);
    p.max_iter = 30;
    p.threads = 1;
    p.bias = NULL;
    p.c1 = c1;
    p.template_text = tpl;
    p.keep_names = names;
    struct crftag_model *m;
    struct crftag_error err;
    if (crftag_train(c, &p, &m, &err) != CRFTAG_OK)
        fail_msg("train: %s", err.msg);
    *out_c = c;
    return m;
}

/* Every sentence of c: the contributions sum to the tagger's score (and to
 * the score of the gold labels, computed from the model's arrays), and the
 * stored name of each attribute met is the name rendered for it. */
static void check_sums(const struct crftag_model *m, const struct crftag_corpus *c)
{
    struct crftag_tagger *t;
    assert_int_equal(crftag_tagger_new(m, &t), CRFTAG_OK);
    uint32_t ids[512], gold[512];
    size_t named = 0, L = m->labels.n;
    for (size_t s = 0; s < c->nsent; s++) {
        struct sentence sen;
        corpus_sentence(c, s, &sen);
        assert_true(sen.n <= 512);
        double score;
        assert_int_equal(crftag_tagger_tag(t, sen.cols, sen.n, sen.ncols, ids, &score, NULL),
                         CRFTAG_OK);
        struct crftag_contribution *x;
        size_t nx;
        assert_int_equal(crftag_model_explain(m, sen.cols, sen.n, sen.ncols, ids, &x, &nx, NULL),
                         CRFTAG_OK);
        double sum = 0;
        for (size_t k = 0; k < nx; k++) {
            sum += x[k].value;
            assert_int_equal(x[k].label, ids[x[k].token]);
            if (k > 0 && x[k].token == x[k - 1].token && x[k - 1].kind == x[k].kind)
                assert_true(fabs(x[k].value) <= fabs(x[k - 1].value));
            if (x[k].kind == CRFTAG_CONTRIB_TRANSITION) {
                assert_true(x[k].token > 0 && x[k].name == NULL);
                assert_int_equal(x[k].prev_label, ids[x[k].token - 1]);
                continue;
            }
            assert_non_null(x[k].name);
            uint32_t a = model_attr_id(m, x[k].hash);
            assert_true(a != HTAB_NONE);
            if (crftag_model_has_names(m)) {
                const char *stored = crftag_model_attribute(m, a, NULL, NULL);
                if (strcmp(stored, x[k].name) != 0)
                    fail_msg("attribute %u: stored '%s', rendered '%s'", a, stored, x[k].name);
                named++;
            }
        }
        assert_true(close_to(sum, score, 1e-9));
        crftag_contributions_free(x);

        /* gold labels: the same sum as the score from the model's arrays */
        double direct = 0;
        for (size_t i = 0; i < sen.n; i++) {
            gold[i] = (uint32_t)labels_find(&m->labels, sen.cols[i * sen.ncols + sen.ncols - 1]);
            if (i > 0)
                direct += m->trans[gold[i - 1] * L + gold[i]];
        }
        assert_int_equal(crftag_model_explain(m, sen.cols, sen.n, sen.ncols, gold, &x, &nx, NULL),
                         CRFTAG_OK);
        struct feat_buf fb = {0};
        assert_int_equal(feat_extract(&m->feat, sen.cols, sen.n, sen.ncols, &fb), CRFTAG_OK);
        for (size_t i = 0; i < sen.n; i++) {
            double st[512] = {0};
            model_state_scores(m, fb.ids + fb.start[i], fb.start[i + 1] - fb.start[i], st);
            direct += st[gold[i]];
        }
        feat_buf_free(&fb);
        sum = 0;
        for (size_t k = 0; k < nx; k++)
            sum += x[k].value;
        assert_true(close_to(sum, direct, 1e-9));
        crftag_contributions_free(x);
    }
    assert_true(!crftag_model_has_names(m) || named > 1000);
    crftag_tagger_free(t);
}

static void test_builtin(void **state)
{
    (void)state;
    struct crftag_corpus *c;
    struct crftag_model *m = train("tests/data/corpus_wikiser_30.txt", NULL, 0, 1, &c);
    assert_true(crftag_model_has_names(m));
    check_sums(m, c);
    /* every attribute has a name; "w[0]=..." names exist */
    size_t words = 0;
    for (size_t a = 0; a < m->nattr; a++) {
        const char *name = crftag_model_attribute(m, a, NULL, NULL);
        assert_non_null(name);
        words += strncmp(name, "w[0]=", 5) == 0;
    }
    assert_true(words > 100);
    /* saved and loaded (attributes now in hash order), the names are the same */
    size_t len;
    unsigned char *buf;
    assert_int_equal(model_io_serialize(m, &buf, &len, NULL), CRFTAG_OK);
    struct crftag_model *b;
    assert_int_equal(crftag_model_load_mem(buf, len, &b, NULL), CRFTAG_OK);
    assert_int_equal(b->nattr, m->nattr);
    size_t moved = 0;
    for (size_t a = 0; a < m->nattr; a++) {
        uint32_t ba = model_attr_id(b, m->attr_hash[a]);
        assert_true(ba != HTAB_NONE);
        moved += ba != a;
        if (a > 0)
            assert_true(b->attr_hash[a] > b->attr_hash[a - 1]);
        assert_string_equal(crftag_model_attribute(b, ba, NULL, NULL),
                            crftag_model_attribute(m, a, NULL, NULL));
    }
    assert_true(moved > 0);
    check_sums(b, c);
    crftag_model_free(b);
    free(buf);
    crftag_model_free(m);
    crftag_corpus_free(c);
}

/* With L1, attributes without weights are dropped: the names follow. */
static void test_l1_compacted(void **state)
{
    (void)state;
    struct crftag_corpus *c, *c2;
    struct crftag_model *full = train("tests/data/corpus_wikiser_30.txt", NULL, 0, 1, &c2);
    struct crftag_model *m = train("tests/data/corpus_wikiser_30.txt", NULL, 1.0, 1, &c);
    assert_true(m->nattr < full->nattr);
    check_sums(m, c);
    crftag_model_free(full);
    crftag_model_free(m);
    crftag_corpus_free(c);
    crftag_corpus_free(c2);
}

static void test_template(void **state)
{
    (void)state;
    size_t len;
    char *raw = read_file("tests/data/features_conll2000.tpl", &len);
    char *tpl = calloc(len + 1, 1);
    memcpy(tpl, raw, len);
    free(raw);
    struct crftag_corpus *c;
    struct crftag_model *m = train("tests/data/corpus_conll_30.txt.gz", tpl, 0, 1, &c);
    check_sums(m, c);
    int found = 0;
    for (size_t a = 0; a < m->nattr; a++)
        found |= strcmp(crftag_model_attribute(m, a, NULL, NULL), "U12:NN") == 0;
    assert_true(found);
    crftag_model_free(m);
    crftag_corpus_free(c);
    free(tpl);
}

/* Without names: hashes only, explaining still names the input's features. */
static void test_no_names(void **state)
{
    (void)state;
    struct crftag_corpus *c;
    struct crftag_model *m = train("tests/data/corpus_wikiser_30.txt", NULL, 0, 0, &c);
    assert_false(crftag_model_has_names(m));
    uint64_t h;
    size_t nw;
    assert_null(crftag_model_attribute(m, 0, &h, &nw));
    assert_true(h == m->attr_hash[0] && nw > 0);
    check_sums(m, c);
    crftag_model_free(m);
    crftag_corpus_free(c);
}

static void test_bad_arguments(void **state)
{
    (void)state;
    struct crftag_corpus *c;
    struct crftag_model *m = train("tests/data/corpus_wikiser_30.txt", NULL, 0, 1, &c);
    const char *toks[] = { "Linux", "runs" };
    uint32_t ids[2] = { 0, (uint32_t)m->labels.n };
    struct crftag_contribution *x = (struct crftag_contribution *)1;
    size_t nx = 9;
    struct crftag_error err;
    assert_int_equal(crftag_model_explain(m, toks, 2, 1, ids, &x, &nx, &err), CRFTAG_ERR_INVALID);
    assert_null(x);
    assert_int_equal(nx, 0);
    assert_non_null(strstr(err.msg, "label 16 of token 1"));
    assert_int_equal(crftag_model_explain(m, toks, 2, 0, ids, &x, &nx, NULL), CRFTAG_ERR_INVALID);
    assert_int_equal(crftag_model_explain(NULL, toks, 2, 1, ids, &x, &nx, NULL),
                     CRFTAG_ERR_INVALID);
    assert_int_equal(crftag_model_explain(m, toks, 2, 1, NULL, &x, &nx, NULL), CRFTAG_ERR_INVALID);
    assert_int_equal(crftag_model_explain(m, toks, 0, 1, NULL, &x, &nx, NULL), CRFTAG_OK);
    assert_null(x);
    assert_int_equal(nx, 0);
    uint32_t lab;
    assert_true(crftag_model_attribute_weight(m, 0, 1000, &lab) == 0.0);
    assert_int_equal(lab, UINT32_MAX);
    assert_true(crftag_model_attribute_weight(NULL, 0, 0, NULL) == 0.0);
    assert_true(crftag_model_transition(m, 0, (uint32_t)m->labels.n) == 0.0);
    assert_true(crftag_model_transition(m, 1, 2) == m->trans[1 * m->labels.n + 2]);
    crftag_contributions_free(NULL);
    crftag_model_free(m);
    crftag_corpus_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_builtin),
        cmocka_unit_test(test_l1_compacted),
        cmocka_unit_test(test_template),
        cmocka_unit_test(test_no_names),
        cmocka_unit_test(test_bad_arguments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
