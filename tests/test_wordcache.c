/*
 * test_wordcache.c - the tagger's cache of per-word state rows
 * (tag_cache.c): with it, every state score (as bits) and every tag equal
 * those computed without it, on real text, with the shipped model (hash
 * version 2, format 7) and a format 6 model (hash version 1); so do they
 * when the table is tiny and every word has the same hash (each lookup
 * then rests on the byte comparison), when words are longer than the
 * longest cached, when many distinct words evict each other, and in
 * sentences of 1, 2 and 3 tokens (sentinels at every offset).  Label bias
 * and marginals go through the cached rows too.  Models whose sums are not
 * exact in any order (float weights, templates) do not use it.
 *
 * feat_word_attrs and feat_pair_attrs give each token the attributes of
 * feat_extract, as a multiset, with lexicons, clusters and a user lexicon,
 * in both hash versions and builtin versions 3 and 4; a word's part at each
 * offset depends on the word alone, the sentinels' on nothing; and
 * feat_tokens_part, given a word's cached pieces, gives the same pair
 * attributes.
 *
 * Data: models/wikiser.crftag, tests/data/model_builtin_v6.crftag,
 * model_builtin_v2.crftag, model_template_v6.crftag and the 20,000 tokens
 * of WikiSER dev in tests/data/eval_wikiser-dev-20k.tsv.gz.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "corpus.h"
#include "crftag.h"
#include "featset.h"
#include "feat_builtin.h"
#include "hash.h"
#include "lexicon.h"
#include "model.h"
#include "tagger.h"
#include "testutil.h"
#include "tmpfiles.h"

#define SHIPPED "models/wikiser.crftag"
#define DEV "tests/data/eval_wikiser-dev-20k.tsv.gz"

static struct crftag_corpus *dev;

static int setup(void **state)
{
    dev = load_corpus(DEV);
    return setup_dir(state);
}

static int teardown(void **state)
{
    crftag_corpus_free(dev);
    return teardown_dir(state);
}

static struct crftag_model *load(const char *path)
{
    struct crftag_model *m = NULL;
    struct crftag_error err;
    assert_int_equal(crftag_model_load(path, &m, &err), CRFTAG_OK);
    return m;
}

/* Tags sentence s with t into ids; the state rows stay in t->state. */
static void tag_sentence(struct crftag_tagger *t, const struct sentence *s, uint32_t *ids)
{
    struct crftag_error err;
    double score;
    assert_int_equal(crftag_tagger_tag(t, s->cols, s->n, s->ncols, ids, &score, &err),
                     CRFTAG_OK);
}

/* Tags the first nsent sentences of corpus c (all: SIZE_MAX) with t (the
 * cache as set up by the caller) and with a tagger without cache; asserts
 * the state rows (bits, label bias included) and the tags are the same.
 * Returns the tokens tagged. */
static size_t compare_corpus(const struct crftag_model *m, struct crftag_tagger *t,
                             const struct crftag_corpus *c, size_t nsent)
{
    struct crftag_tagger *ref;
    assert_int_equal(crftag_tagger_new(m, &ref), CRFTAG_OK);
    tagger_wc_shape(ref, 0, 0, UINT64_MAX);
    assert_false(tagger_wc_usable(ref));
    if (t->bias_on)
        memcpy(ref->bias, t->bias, m->labels.n * sizeof *ref->bias), ref->bias_on = 1;
    size_t L = m->labels.n, ntok = 0;
    for (size_t k = 0; k < c->nsent && k < nsent; k++) {
        struct sentence s;
        corpus_sentence(c, k, &s);
        if (s.n == 0)
            continue;
        uint32_t *a = malloc(s.n * sizeof *a), *b = malloc(s.n * sizeof *b);
        assert_non_null(a);
        assert_non_null(b);
        tag_sentence(t, &s, a);
        tag_sentence(ref, &s, b);
        assert_memory_equal(t->state, ref->state, s.n * L * sizeof(double));
        assert_memory_equal(a, b, s.n * sizeof *a);
        ntok += s.n;
        free(a);
        free(b);
    }
    crftag_tagger_free(ref);
    return ntok;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* Sorts x[0..n) and y[0..n) and asserts they are equal. */
static void assert_same_set(uint64_t *x, uint64_t *y, size_t n)
{
    qsort(x, n, sizeof *x, cmp_u64);
    qsort(y, n, sizeof *y, cmp_u64);
    assert_memory_equal(x, y, n * sizeof *x);
}

/* The attributes of word tk[j] at offset k, into o; returns the count. */
static size_t word_attrs(const struct feat_config *fc, const struct feat_tok *tk, ptrdiff_t j,
                         int k, uint64_t *o)
{
    size_t m = feat_word_attrs(fc, tk, j, k, o);
    assert_true(m <= FEAT_BUILTIN_MAX);
    return m;
}

/* Checks the parts of feat_word_attrs and feat_pair_attrs against
 * feat_extract on the first nsent sentences of dev with fc: token i's
 * attributes are the union of its words' at each offset and its pair
 * attributes; a word's attributes at each offset are those of the word
 * alone in a sentence of its own, and so are the sentinels'; and
 * feat_tokens_part, given the pieces of the tokens it skips, gives the same
 * pair attributes and, for the others, the same word attributes. */
static void check_parts(const struct feat_config *fc, size_t nsent)
{
    struct feat_buf all = {0}, fb = {0}, one = {0}, part = {0};
    uint64_t x[128], y[128], z[FEAT_BUILTIN_MAX];
    size_t nword = 0, npair = 0;
    for (size_t k = 0; k < nsent && k < dev->nsent; k++) {
        struct sentence s;
        corpus_sentence(dev, k, &s);
        if (s.n == 0)
            continue;
        assert_int_equal(feat_extract(fc, s.cols, s.n, s.ncols, &all), CRFTAG_OK);
        const struct feat_tok *tk = feat_tokens(fc, s.cols, s.n, s.ncols, 0, &fb);
        assert_non_null(tk);
        unsigned char *full = malloc(s.n);
        uint64_t *pieces = malloc(2 * s.n * sizeof *pieces);
        assert_true(full && pieces);
        for (size_t i = 0; i < s.n; i++) {
            full[i] = (unsigned char)((k + i) % 3 == 0);
            pieces[2 * i] = tk[i].hlw;
            pieces[2 * i + 1] = tk[i].hss;
        }
        const struct feat_tok *tp = feat_tokens_part(fc, s.cols, s.n, s.ncols, full, pieces,
                                                     &part);
        assert_non_null(tp);
        for (size_t i = 0; i < s.n; i++) {
            size_t na = all.start[i + 1] - all.start[i], m = 0;
            assert_true(na <= 128);
            for (int d = -2; d <= 2; d++) {
                size_t nw = word_attrs(fc, tk, (ptrdiff_t)i + d, d, y + m);
                if (d == 0)
                    assert_true(nw >= 9);
                else
                    assert_true(nw >= 1);
                nword += nw;
                m += nw;
            }
            size_t np = feat_pair_attrs(fc, tk, i, y + m);
            assert_true(np >= 8);
            npair += np;
            m += np;
            assert_int_equal(m, na);
            memcpy(x, all.ids + all.start[i], na * sizeof *x);
            assert_same_set(x, y, na);
            /* feat_tokens_part: the same pair attributes, in the same order */
            assert_int_equal(feat_pair_attrs(fc, tp, i, z), np);
            assert_int_equal(feat_pair_attrs(fc, tk, i, y), np);
            assert_memory_equal(z, y, np * sizeof *z);
            /* the word alone in a sentence of its own, and in feat_tokens_part's
             * tokens when given in full */
            const char *w = s.cols[i * s.ncols];
            const struct feat_tok *t1 = feat_tokens(fc, &w, 1, 1, 0, &one);
            assert_non_null(t1);
            for (int d = -2; d <= 2; d++) {
                size_t nw = word_attrs(fc, tk, (ptrdiff_t)i, d, x);
                assert_int_equal(word_attrs(fc, t1, 0, d, y), nw);
                assert_memory_equal(x, y, nw * sizeof *x);
                if (full[i]) {
                    assert_int_equal(word_attrs(fc, tp, (ptrdiff_t)i, d, y), nw);
                    assert_memory_equal(x, y, nw * sizeof *x);
                }
            }
            /* the sentinels -2, -1, n, n + 1: those of a sentence of 1 token */
            static const ptrdiff_t edge1[4] = { -2, -1, 1, 2 };
            ptrdiff_t edge[4] = { -2, -1, (ptrdiff_t)s.n, (ptrdiff_t)s.n + 1 };
            for (int e = 0; e < 4; e++) {
                for (int d = -2; d <= 2; d++) {
                    if (d == 0)
                        continue;
                    size_t nw = word_attrs(fc, tk, edge[e], d, x);
                    assert_int_equal(word_attrs(fc, t1, edge1[e], d, y), nw);
                    assert_memory_equal(x, y, nw * sizeof *x);
                }
            }
        }
        free(full);
        free(pieces);
    }
    assert_true(nword > 0 && npair > 0);
    feat_buf_free(&all);
    feat_buf_free(&fb);
    feat_buf_free(&one);
    feat_buf_free(&part);
}

static const char ULEX_TEXT[] = "Linux\tOperating_System\n"
                                "Mac OS X\tOperating_System\n"
                                "Python\tLanguage\n"
                                "Java\tLanguage\n";

static void test_parts(void **state)
{
    (void)state;
    /* hash version 2, lexicon and clusters (the shipped model) */
    struct crftag_model *m = load(SHIPPED);
    assert_non_null(m->feat.lex);
    assert_non_null(m->feat.cl);
    check_parts(&m->feat, 300);
    crftag_model_free(m);
    /* hash version 1 */
    m = load("tests/data/model_builtin_v6.crftag");
    check_parts(&m->feat, 300);
    crftag_model_free(m);
    /* a user lexicon, both hash versions */
    for (uint32_t hv = 1; hv <= 2; hv++) {
        struct feat_config fc;
        const char *p = write_tmp("u.txt", ULEX_TEXT);
        assert_int_equal(feat_config_builtin_hv(&fc, HASH_DEFAULT_SEED, FEAT_BUILTIN_VERSION, hv),
                         CRFTAG_OK);
        assert_int_equal(lex_read_user(&p, 1, HASH_DEFAULT_SEED, feat_lex_fold(&fc), &fc.ulex,
                                       NULL, NULL),
                         CRFTAG_OK);
        check_parts(&fc, 300);
        feat_config_free(&fc);
    }
    /* version 3 (no lw(-2), lw(+2), no neighbours' lexicon matches) */
    struct feat_config fc;
    assert_int_equal(feat_config_builtin_hv(&fc, HASH_DEFAULT_SEED, 3, 2), CRFTAG_OK);
    check_parts(&fc, 100);
    feat_config_free(&fc);
}

/* The shipped model over 20,000 tokens of WikiSER dev with the default
 * cache: identical rows and tags, and most tokens found in the cache. */
static void test_shipped_default(void **state)
{
    (void)state;
    struct crftag_model *m = load(SHIPPED);
    assert_true(m->w_fixed);
    struct crftag_tagger *t;
    assert_int_equal(crftag_tagger_new(m, &t), CRFTAG_OK);
    assert_true(tagger_wc_usable(t));
    size_t ntok = compare_corpus(m, t, dev, SIZE_MAX);
    assert_true(ntok > 19000);
    assert_int_equal(t->wc.lookups, ntok);
    /* 20k tokens, 4,096 entries: about 60 % found */
    assert_true(t->wc.hits * 2 > t->wc.lookups);
    assert_int_equal(t->wc.nent, TAGGER_WC_ENTRIES);
    crftag_tagger_free(t);
    crftag_model_free(m);
}

/* A format 6 model (hash version 1, weights stored as fixed point). */
static void test_format6_hash1(void **state)
{
    (void)state;
    struct crftag_model *m = load("tests/data/model_builtin_v6.crftag");
    assert_true(m->w_fixed);
    assert_int_equal(m->feat.hash_version, 1);
    struct crftag_tagger *t;
    assert_int_equal(crftag_tagger_new(m, &t), CRFTAG_OK);
    assert_true(tagger_wc_usable(t));
    compare_corpus(m, t, dev, SIZE_MAX);
    assert_true(t->wc.hits * 2 > t->wc.lookups);
    crftag_tagger_free(t);
    crftag_model_free(m);
}

/* Two entries and every hash 0: every word lands in the one set with the
 * same hash, so only the byte comparison tells words apart; repeated words
 * ("the the", punctuation) still hit. */
static void test_collisions(void **state)
{
    (void)state;
    struct crftag_model *m = load(SHIPPED);
    struct crftag_tagger *t;
    assert_int_equal(crftag_tagger_new(m, &t), CRFTAG_OK);
    tagger_wc_shape(t, 2, TAGGER_WC_MAXLEN, 0);
    compare_corpus(m, t, dev, 300);
    assert_int_equal(t->wc.nent, 2);
    assert_true(t->wc.hits > 0);
    assert_true(t->wc.hits < t->wc.lookups);
    /* the same with 4 bits of hash over 8 entries */
    tagger_wc_shape(t, 8, TAGGER_WC_MAXLEN, 0xf);
    compare_corpus(m, t, dev, 300);
    assert_true(t->wc.hits > 0);
    crftag_tagger_free(t);
    crftag_model_free(m);
}

/* Words of the same hash and length that differ in one byte, in one
 * sentence and across sentences. */
static void test_same_hash_same_length(void **state)
{
    (void)state;
    struct crftag_model *m = load(SHIPPED);
    struct crftag_tagger *t;
    assert_int_equal(crftag_tagger_new(m, &t), CRFTAG_OK);
    tagger_wc_shape(t, 2, TAGGER_WC_MAXLEN, 0);
    static const char *const s1[] = { "Linux", "Linus", "Linux", "linux", "Linux", "." };
    static const char *const s2[] = { "Linus", "uses", "Linux", "and", "Linus", "Linux" };
    struct crftag_corpus *c;
    struct crftag_error err;
    assert_int_equal(crftag_corpus_new(&c), CRFTAG_OK);
    for (int r = 0; r < 3; r++) {
        struct sentence s = { 6, 1, (const char **)(r == 1 ? s2 : s1), 1 };
        assert_int_equal(corpus_add(c, &s, &err), CRFTAG_OK);
    }
    compare_corpus(m, t, c, SIZE_MAX);
    assert_true(t->wc.hits > 0);
    crftag_corpus_free(c);
    crftag_tagger_free(t);
    crftag_model_free(m);
}

/* Words longer than the longest cached are computed every time: with a
 * limit of 3 bytes only short words are found, and the results hold. */
static void test_long_words(void **state)
{
    (void)state;
    struct crftag_model *m = load(SHIPPED);
    struct crftag_tagger *t;
    assert_int_equal(crftag_tagger_new(m, &t), CRFTAG_OK);
    tagger_wc_shape(t, 64, 3, UINT64_MAX);
    compare_corpus(m, t, dev, 400);
    uint64_t hits = t->wc.hits;
    assert_true(hits > 0);
    /* a sentence of words longer than TAGGER_WC_MAXLEN, twice: never found */
    tagger_wc_shape(t, TAGGER_WC_ENTRIES, TAGGER_WC_MAXLEN, UINT64_MAX);
    static const char *const s1[] = { "org.apache.commons.lang3.StringUtilsHelper",
                                      "AbstractSingletonProxyFactoryBeanX",
                                      "org.apache.commons.lang3.StringUtilsHelper" };
    struct crftag_corpus *c;
    struct crftag_error err;
    assert_int_equal(crftag_corpus_new(&c), CRFTAG_OK);
    struct sentence s = { 3, 1, (const char **)s1, 1 };
    assert_int_equal(corpus_add(c, &s, &err), CRFTAG_OK);
    assert_int_equal(corpus_add(c, &s, &err), CRFTAG_OK);
    hits = t->wc.hits;
    compare_corpus(m, t, c, SIZE_MAX);
    assert_int_equal(t->wc.hits, hits);
    crftag_corpus_free(c);
    crftag_tagger_free(t);
    crftag_model_free(m);
}

/* 16 entries over 20,000 tokens: entries are replaced all the time. */
static void test_eviction(void **state)
{
    (void)state;
    struct crftag_model *m = load(SHIPPED);
    struct crftag_tagger *t;
    assert_int_equal(crftag_tagger_new(m, &t), CRFTAG_OK);
    tagger_wc_shape(t, 16, TAGGER_WC_MAXLEN, UINT64_MAX);
    compare_corpus(m, t, dev, SIZE_MAX);
    assert_int_equal(t->wc.nent, 16);
    assert_true(t->wc.hits > 0);
    assert_true(t->wc.hits * 2 < t->wc.lookups);
    crftag_tagger_free(t);
    crftag_model_free(m);
}

/* Sentences of 1, 2 and 3 tokens (the first and the last of dev's
 * sentences): every row of a token reads a sentinel at some offset, from
 * words found and not found, in both hash versions. */
static void test_short_sentences(void **state)
{
    (void)state;
    struct crftag_corpus *c;
    struct crftag_error err;
    assert_int_equal(crftag_corpus_new(&c), CRFTAG_OK);
    for (size_t k = 0; k < 400 && k < dev->nsent; k++) {
        struct sentence s;
        corpus_sentence(dev, k, &s);
        for (size_t len = 1; len <= 3 && len <= s.n; len++) {
            struct sentence h = { len, s.ncols, s.cols, s.line };
            struct sentence t = { len, s.ncols, s.cols + (s.n - len) * s.ncols, s.line };
            assert_int_equal(corpus_add(c, &h, &err), CRFTAG_OK);
            assert_int_equal(corpus_add(c, &t, &err), CRFTAG_OK);
        }
    }
    static const char *const paths[] = { SHIPPED, "tests/data/model_builtin_v6.crftag" };
    for (size_t p = 0; p < 2; p++) {
        struct crftag_model *m = load(paths[p]);
        struct crftag_tagger *t;
        assert_int_equal(crftag_tagger_new(m, &t), CRFTAG_OK);
        assert_true(compare_corpus(m, t, c, SIZE_MAX) > 2000);
        assert_true(t->wc.hits * 2 > t->wc.lookups);
        assert_true(t->wc.hits < t->wc.lookups);
        crftag_tagger_free(t);
        crftag_model_free(m);
    }
    crftag_corpus_free(c);
}

/* A label bias is added after the cached rows: the same rows and tags. */
static void test_bias(void **state)
{
    (void)state;
    struct crftag_model *m = load(SHIPPED);
    struct crftag_tagger *t;
    struct crftag_error err;
    assert_int_equal(crftag_tagger_new(m, &t), CRFTAG_OK);
    assert_int_equal(crftag_tagger_set_bias(t, "0.5,Application=1.75", &err), CRFTAG_OK);
    assert_true(t->bias_on);
    compare_corpus(m, t, dev, 600);
    crftag_tagger_free(t);
    crftag_model_free(m);
}

/* Marginals (crftag_tagger_tag_tokens) read the cached rows: the same bits. */
static void test_marginals(void **state)
{
    (void)state;
    struct crftag_model *m = load(SHIPPED);
    struct crftag_tagger *t, *ref;
    assert_int_equal(crftag_tagger_new(m, &t), CRFTAG_OK);
    assert_int_equal(crftag_tagger_new(m, &ref), CRFTAG_OK);
    tagger_wc_shape(ref, 0, 0, UINT64_MAX);
    size_t L = m->labels.n;
    for (size_t k = 0; k < 200 && k < dev->nsent; k++) {
        struct sentence s;
        corpus_sentence(dev, k, &s);
        const char **tok = malloc(s.n * sizeof *tok);
        size_t *len = malloc(s.n * sizeof *len);
        uint32_t *a = malloc(s.n * sizeof *a), *b = malloc(s.n * sizeof *b);
        double *ma = malloc(s.n * L * sizeof *ma), *mb = malloc(s.n * L * sizeof *mb);
        assert_true(tok && len && a && b && ma && mb);
        for (size_t i = 0; i < s.n; i++) {
            tok[i] = s.cols[i * s.ncols];
            len[i] = strlen(tok[i]);
        }
        double sa, sb;
        struct crftag_error err;
        assert_int_equal(crftag_tagger_tag_tokens(t, tok, len, s.n, a, &sa, ma, &err),
                         CRFTAG_OK);
        assert_int_equal(crftag_tagger_tag_tokens(ref, tok, len, s.n, b, &sb, mb, &err),
                         CRFTAG_OK);
        assert_memory_equal(a, b, s.n * sizeof *a);
        assert_memory_equal(&sa, &sb, sizeof sa);
        assert_memory_equal(ma, mb, s.n * L * sizeof *ma);
        free(tok);
        free(len);
        free(a);
        free(b);
        free(ma);
        free(mb);
    }
    assert_true(t->wc.hits > 0);
    crftag_tagger_free(t);
    crftag_tagger_free(ref);
    crftag_model_free(m);
}

/* Float weights (format 3) and templates: no cache, nothing allocated. */
static void test_not_used(void **state)
{
    (void)state;
    static const char *const paths[] = { "tests/data/model_builtin_v2.crftag",
                                         "tests/data/model_template_v6.crftag" };
    for (size_t k = 0; k < 2; k++) {
        struct crftag_model *m = load(paths[k]);
        struct crftag_tagger *t;
        assert_int_equal(crftag_tagger_new(m, &t), CRFTAG_OK);
        assert_false(tagger_wc_usable(t));
        if (m->feat.ncols == 1)
            compare_corpus(m, t, dev, 50);
        assert_int_equal(t->wc.lookups, 0);
        assert_int_equal(t->wc.nent, 0);
        crftag_tagger_free(t);
        crftag_model_free(m);
    }
    /* a fixed-point model that says otherwise is not cached either, nor one
     * whose weights take 4 bytes (a row's sum could overflow 32 bits) */
    struct crftag_model *m = load(SHIPPED);
    struct crftag_tagger *t;
    assert_int_equal(m->w_bytes, 3);
    assert_int_equal(m->w_shift, MODEL_WEIGHT_SHIFT);
    assert_int_equal(crftag_tagger_new(m, &t), CRFTAG_OK);
    assert_true(tagger_wc_usable(t));
    m->w_bytes = 4;
    assert_false(tagger_wc_usable(t));
    compare_corpus(m, t, dev, 50);
    assert_int_equal(t->wc.lookups, 0);
    m->w_bytes = 3;
    m->w_fixed = 0;
    assert_false(tagger_wc_usable(t));
    crftag_tagger_free(t);
    crftag_model_free(m);
}

/* model_state_scatter, given the attributes of many sentences at once (more
 * than one batch) each with its token's row, gives every row the bits of
 * model_state_scores on that token's attributes alone: so for float weights
 * (a template model) as well as fixed point ones, with attributes found and
 * not found, dense rows and sparse runs. */
static void test_scatter(void **state)
{
    (void)state;
    static const char *const paths[] = { SHIPPED, "tests/data/model_builtin_v6.crftag",
                                         "tests/data/model_template_v6.crftag" };
    for (size_t p = 0; p < 3; p++) {
        struct crftag_model *m = load(paths[p]);
        size_t L = m->labels.n, ntok = 0, nid = 0, found = 0;
        struct feat_buf fb;
        memset(&fb, 0, sizeof fb);
        /* the first 20 sentences' tokens and attributes */
        size_t cap = 1 << 17, tcap = 4096;
        uint64_t *ids = malloc(cap * sizeof *ids);
        double **dst = malloc(cap * sizeof *dst);
        double *rows = calloc(tcap * L, sizeof *rows), *ref = calloc(tcap * L, sizeof *ref);
        assert_non_null(ids);
        assert_non_null(dst);
        assert_non_null(rows);
        assert_non_null(ref);
        for (size_t k = 0; k < 20 && k < dev->nsent; k++) {
            struct sentence s;
            corpus_sentence(dev, k, &s);
            if (s.n == 0 || m->feat.ncols > s.ncols)
                continue;
            assert_int_equal(feat_extract(&m->feat, s.cols, s.n, s.ncols, &fb), CRFTAG_OK);
            for (size_t i = 0; i < s.n; i++, ntok++) {
                assert_true(ntok < tcap);
                size_t a = fb.start[i], na = fb.start[i + 1] - a;
                model_state_scores(m, fb.ids + a, na, ref + ntok * L);
                /* and one no model has, among them */
                assert_true(nid < cap);
                ids[nid] = UINT64_C(0x9e3779b97f4a7c15) * (ntok + 1);
                dst[nid++] = rows + ntok * L;
                for (size_t j = 0; j < na; j++) {
                    assert_true(nid < cap);
                    found += model_attr_id(m, fb.ids[a + j]) != HTAB_NONE;
                    ids[nid] = fb.ids[a + j];
                    dst[nid++] = rows + ntok * L;
                }
            }
        }
        assert_true(nid > 1000);
        assert_true(found > 100 && found < nid);
        model_state_scatter(m, ids, dst, nid);
        assert_memory_equal(rows, ref, ntok * L * sizeof *rows);
        /* and a mutation is seen: one attribute found moved to token 0 */
        size_t j = nid / 2;
        while (model_attr_id(m, ids[j]) == HTAB_NONE || dst[j] == rows)
            j++;
        memset(rows, 0, ntok * L * sizeof *rows);
        dst[j] = rows;
        model_state_scatter(m, ids, dst, nid);
        assert_true(memcmp(rows, ref, ntok * L * sizeof *rows) != 0);
        feat_buf_free(&fb);
        free(ids);
        free(dst);
        free(rows);
        free(ref);
        crftag_model_free(m);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parts),
        cmocka_unit_test(test_shipped_default),
        cmocka_unit_test(test_format6_hash1),
        cmocka_unit_test(test_collisions),
        cmocka_unit_test(test_same_hash_same_length),
        cmocka_unit_test(test_long_words),
        cmocka_unit_test(test_eviction),
        cmocka_unit_test(test_short_sentences),
        cmocka_unit_test(test_bias),
        cmocka_unit_test(test_marginals),
        cmocka_unit_test(test_not_used),
        cmocka_unit_test(test_scatter),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
