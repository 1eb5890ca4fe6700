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
    size_t named = 0, L = m->labels.n, gold_skipped = 0;
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
        int unknown = 0;         /* a gold label the model does not have */
        for (size_t i = 0; i < sen.n; i++) {
            long g = labels_find(&m->labels, sen.cols[i * sen.ncols + sen.ncols - 1]);
            unknown |= g < 0;
            gold[i] = g < 0 ? 0 : (uint32_t)g;
            if (i > 0)
                direct += m->trans[gold[i - 1] * L + gold[i]];
        }
        gold_skipped += unknown;
        if (unknown)
            continue;
        assert_int_equal(crftag_model_explain(m, sen.cols, sen.n, sen.ncols, gold, &x, &nx, NULL),
                         CRFTAG_OK);
        struct feat_buf fb = {0};
        assert_int_equal(feat_extract(&m->feat, sen.cols, sen.n, sen.ncols, &fb), CRFTAG_OK);
        for (size_t i = 0; i < sen.n; i++) {
            double st[512] = {0};
            if (m->feat.kind == FEAT_ATTRS)       /* values scale the weights */
                model_state_scores_w(m, fb.ids + fb.start[i], fb.val + fb.start[i],
                                     fb.start[i + 1] - fb.start[i], st);
            else
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
    assert_true(gold_skipped * 10 <= c->nsent);
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

/* Attribute strings (CRFsuite's format, some with ":weight" values): each
 * feature's value is the attribute's value times its weight, and the names
 * are the attributes' names without the value; trained here, and a model
 * file CRFsuite wrote. */
static void test_attrs(void **state)
{
    (void)state;
    struct crftag_corpus *c;
    struct crftag_model *m = train("tests/data/crfsuite_conll_30.txt", NULL, 0, 1, &c);
    assert_int_equal(m->feat.kind, FEAT_ATTRS);
    check_sums(m, c);
    /* the first token "B-NP bias w=confidence suf\:3=nce ... len:1 ...": the
     * feature of "len" is its weight times 1; the second token's "len:0.2"
     * has a fifth of its weight, and the name "suf:3=nce" is unescaped */
    struct sentence sen;
    corpus_sentence(c, 0, &sen);
    uint32_t ids[64];
    assert_true(sen.n <= 64);
    struct crftag_tagger *t;
    assert_int_equal(crftag_tagger_new(m, &t), CRFTAG_OK);
    assert_int_equal(crftag_tagger_tag(t, sen.cols, sen.n, sen.ncols, ids, NULL, NULL), CRFTAG_OK);
    struct crftag_contribution *x;
    size_t nx;
    assert_int_equal(crftag_model_explain(m, sen.cols, sen.n, sen.ncols, ids, &x, &nx, NULL),
                     CRFTAG_OK);
    double wl[64];
    assert_true(m->labels.n <= 64);
    assert_int_equal(crftag_model_attr_weights(m, "len", 3, wl), 1);
    int seen_len0 = 0, seen_len1 = 0, seen_suf = 0;
    for (size_t k = 0; k < nx; k++) {
        if (x[k].kind != CRFTAG_CONTRIB_FEATURE)
            continue;
        if (strcmp(x[k].name, "len") == 0 && x[k].token == 0) {
            assert_true(close_to(x[k].value, wl[ids[0]], 1e-12));
            seen_len0 = 1;
        }
        if (strcmp(x[k].name, "len") == 0 && x[k].token == 1) {
            assert_true(close_to(x[k].value, 0.2 * wl[ids[1]], 1e-12));
            assert_true(wl[ids[1]] != 0);
            seen_len1 = 1;
        }
        seen_suf |= x[k].token == 0 && strcmp(x[k].name, "suf:3=nce") == 0;
    }
    assert_true(seen_len0 && seen_len1 && seen_suf);
    crftag_contributions_free(x);
    crftag_tagger_free(t);
    crftag_model_free(m);
    crftag_corpus_free(c);

    /* a model CRFsuite wrote (its weights as floats): the same sums */
    FILE *f = popen("gzip -dc tests/data/crfsuite_model_conll.crfsuite.gz", "r");
    assert_non_null(f);
    size_t cap = 1 << 20, len = 0, got;
    char *buf = malloc(cap);
    assert_non_null(buf);
    while ((got = fread(buf + len, 1, cap - len, f)) > 0)
        len += got;
    assert_int_equal(pclose(f), 0);
    assert_true(len > 1000 && len < cap);
    struct crftag_model *cm;
    struct crftag_error err;
    if (crftag_model_load_mem(buf, len, &cm, &err) != CRFTAG_OK)
        fail_msg("load: %s", err.msg);
    free(buf);
    c = load_corpus("tests/data/crfsuite_conll_30.txt");
    check_sums(cm, c);
    crftag_model_free(cm);
    crftag_corpus_free(c);
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

/* Names dropped from a model that kept them: none left, the same tags and
 * sums, and a file saved from it without names (smaller) that loads and
 * tags the same. */
static void test_drop_names(void **state)
{
    (void)state;
    struct crftag_corpus *c;
    struct crftag_model *m = train("tests/data/corpus_wikiser_30.txt", NULL, 0, 1, &c);
    assert_true(crftag_model_has_names(m));
    void *with, *without;
    size_t nwith, nwithout;
    assert_int_equal(crftag_model_save_mem(m, &with, &nwith, NULL), CRFTAG_OK);
    crftag_model_drop_names(m);
    assert_false(crftag_model_has_names(m));
    assert_null(crftag_model_attribute(m, 0, NULL, NULL));
    crftag_model_drop_names(m);          /* again: nothing happens */
    crftag_model_drop_names(NULL);
    check_sums(m, c);
    assert_int_equal(crftag_model_save_mem(m, &without, &nwithout, NULL), CRFTAG_OK);
    assert_true(nwithout + 1000 < nwith);
    struct crftag_model *a, *b;
    assert_int_equal(crftag_model_load_mem(with, nwith, &a, NULL), CRFTAG_OK);
    assert_int_equal(crftag_model_load_mem(without, nwithout, &b, NULL), CRFTAG_OK);
    assert_true(crftag_model_has_names(a));
    assert_false(crftag_model_has_names(b));
    struct crftag_tagger *ta, *tb;
    assert_int_equal(crftag_tagger_new(a, &ta), CRFTAG_OK);
    assert_int_equal(crftag_tagger_new(b, &tb), CRFTAG_OK);
    uint32_t ia[512], ib[512];
    for (size_t s = 0; s < c->nsent; s++) {
        struct sentence sen;
        corpus_sentence(c, s, &sen);
        assert_true(sen.n <= 512);
        double sa, sb;
        assert_int_equal(crftag_tagger_tag(ta, sen.cols, sen.n, sen.ncols, ia, &sa, NULL),
                         CRFTAG_OK);
        assert_int_equal(crftag_tagger_tag(tb, sen.cols, sen.n, sen.ncols, ib, &sb, NULL),
                         CRFTAG_OK);
        assert_memory_equal(ia, ib, sen.n * sizeof *ia);
        assert_true(sa == sb);
    }
    crftag_tagger_free(ta);
    crftag_tagger_free(tb);
    crftag_model_free(a);
    crftag_model_free(b);
    free(with);
    free(without);
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
        cmocka_unit_test(test_attrs),
        cmocka_unit_test(test_drop_names),
        cmocka_unit_test(test_bad_arguments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
