/*
 * test_featname.c - attribute names (src/featname.c, template.c): on real
 * sentences (tests/data), every token gets exactly as many names as
 * attributes, and the name of every attribute that reads strings (words,
 * shapes, affixes, flags, bigrams, lexicon types, cluster paths) hashes,
 * read back into its kind and bytes, to the attribute itself; templates are
 * named by their CRF++ feature strings.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "clusters.h"
#include "corpus.h"
#include "feat_builtin.h"
#include "featname.h"
#include "featset.h"
#include "hash.h"
#include "lexicon.h"
#include "template.h"
#include "testutil.h"

#define SEED HASH_DEFAULT_SEED

/* The bytes a displayed value stands for: the sentinels back to their 3
 * bytes; *n in, *n out. */
static const char *raw_of(const char *v, size_t *n, char *buf)
{
    if (*n == 4 && v[0] == '_' && (v[1] == 'B' || v[1] == 'E') && (v[3] == '1' || v[3] == '2')) {
        buf[0] = 0;
        buf[1] = v[1];
        buf[2] = (char)(v[3] - '0');
        *n = 3;
        return buf;
    }
    if (*n == 9 && memcmp(v, "<unknown>", 9) == 0) {
        buf[0] = 0;
        buf[1] = 'U';
        *n = 2;
        return buf;
    }
    return v;
}

static int pos_of(const char *p)
{
    return p[1] == '0' ? 0 : (p[1] == '-' ? -1 : 1) * (p[2] - '0');
}

static uint64_t hash_value(uint64_t h, const char *v, size_t n, int reverse)
{
    char buf[4];
    v = raw_of(v, &n, buf);
    for (size_t j = 0; j < n; j++)
        h = hash_byte(h, (unsigned char)v[reverse ? n - 1 - j : j]);
    return h;
}

/* State h followed by the value v[0..n) as an attribute's string with the
 * hash version of fc: version 1 its bytes (reversed when reverse) and 0x00,
 * version 2 one piece (never reversed). */
static uint64_t value_piece(const struct feat_config *fc, uint64_t h, const char *v, size_t n,
                            int reverse)
{
    if (fc->hash_version == 1)
        return hash_byte(hash_value(h, v, n, reverse), FEAT_SEP);
    char buf[4];
    v = raw_of(v, &n, buf);
    return hash2_add(h, hash2_str(v, n));
}

/* The attribute named `name` rebuilt from its kind and bytes, or 0 when the
 * kind is not one checked here. */
static uint64_t rehash(const struct feat_config *fc, const char *name)
{
    static const char *const which[4] = { "w", "lw", "shape", "sshape" };
    static const int base[4] = { BK_W, BK_LW, BK_SH, BK_SS };
    static const char *const flag[BF_COUNT] = {
        "alldigit", "hasdigit", "initcap", "allcaps", "mixedcaps", "hyphen", "dot", "slash",
        "plus-or-hash", "underscore", "allpunct", "nonascii", "single", "len1", "len2",
        "len3-4", "len5-8", "len9+",
    };
    const char *eq = strchr(name, '=');
    const char *br = strchr(name, '[');
    if (strcmp(name, "bias") == 0)
        return fc->tpl[BK_BIAS].id0;
    static const char *const nb[5] = { "initcap[0]@start", "initcap[-1]", "allcaps[-1]",
                                       "initcap[+1]", "allcaps[+1]" };
    for (int k = 0; k < 5; k++)
        if (strcmp(name, nb[k]) == 0)
            return fc->tpl[BK_INITCAP_FIRST + k].id0;
    if (!eq) {
        for (int b = 0; b < BF_COUNT; b++)
            if (br && (size_t)(br - name) == strlen(flag[b]) && strcmp(br, "[0]") == 0 &&
                strncmp(name, flag[b], strlen(flag[b])) == 0)
                return fc->tpl[BK_FLAG + b].id0;
        return 0;
    }
    const char *v = eq + 1;
    size_t kl = (size_t)(br - name);
    const char *bar = strchr(name, '|');
    if (bar && bar < eq) {
        /* bigram: a|b with exactly one '|' in the value */
        const char *vb = strchr(v, '|');
        if (!vb || strchr(vb + 1, '|'))
            return 0;
        static const char *const bn[8] = {
            "lw[-1]|lw[0]", "lw[0]|lw[+1]", "lw[-2]|lw[-1]", "lw[+1]|lw[+2]",
            "sshape[-1]|sshape[0]", "sshape[0]|sshape[+1]", "lw[-1]|sshape[0]",
            "sshape[0]|lw[+1]",
        };
        for (int k = 0; k < 8; k++) {
            if (strlen(bn[k]) == (size_t)(eq - name) && strncmp(name, bn[k], strlen(bn[k])) == 0) {
                uint64_t h = value_piece(fc, fc->tpl[BK_LW_M1_0 + k].h0, v, (size_t)(vb - v), 0);
                return hash_end(value_piece(fc, h, vb + 1, strlen(vb + 1), 0));
            }
        }
        return 0;
    }
    int kind = -1, rev = 0;
    for (int w = 0; w < 4; w++)
        if (kl == strlen(which[w]) && strncmp(name, which[w], kl) == 0)
            kind = base[w] + pos_of(br) + 2;
    if (strncmp(name, "pre[0]=", 7) == 0)
        kind = BK_PRE;
    if (strncmp(name, "suf[0]=", 7) == 0)
        kind = BK_SUF, rev = 1;
    if (strncmp(name, "suf3[", 5) == 0)
        kind = pos_of(br) < 0 ? BK_SUF3_PREV : BK_SUF3_NEXT, rev = 1;
    if (strncmp(name, "cl[", 3) == 0)
        kind = BK_CL_0 + pos_of(br);
    if (strncmp(name, "lex[0]=", 7) == 0 && !strchr(v, '/'))
        kind = BK_LEX_T;
    if (kind < 0)
        return 0;
    return hash_end(value_piece(fc, fc->tpl[kind].h0, v, strlen(v), rev));
}

/* Names and attributes of every sentence of c agree. */
static void check_corpus(const struct feat_config *fc, const struct crftag_corpus *c,
                         size_t *out_checked, size_t *out_total)
{
    struct feat_buf fb;
    struct feat_names nm;
    memset(&fb, 0, sizeof fb);
    memset(&nm, 0, sizeof nm);
    size_t checked = 0, total = 0;
    for (size_t s = 0; s < c->nsent; s++) {
        struct sentence sen;
        corpus_sentence(c, s, &sen);
        assert_int_equal(feat_extract(fc, sen.cols, sen.n, sen.ncols, &fb), CRFTAG_OK);
        assert_int_equal(feat_names(fc, sen.cols, sen.n, sen.ncols, 0, &nm), CRFTAG_OK);
        for (size_t i = 0; i <= sen.n; i++)
            assert_int_equal(nm.start[i], fb.start[i]);
        /* templates: feat_extract (no names; tokens away from the sentence
         * ends take a path of their own) gives the ids the naming pass does */
        if (fc->kind == FEAT_TEMPLATE && fb.start[sen.n] > 0)
            assert_memory_equal(nm.fb.ids, fb.ids, fb.start[sen.n] * sizeof *fb.ids);
        for (size_t k = 0; k < fb.start[sen.n]; k++) {
            const char *name = feat_name(&nm, k);
            assert_true(name[0] != '\0');
            if (fc->kind != FEAT_BUILTIN)
                continue;
            uint64_t h = rehash(fc, name);
            if (h) {
                if (h != fb.ids[k])
                    fail_msg("name '%s' does not hash to its attribute", name);
                checked++;
            }
        }
        total += fb.start[sen.n];
    }
    feat_buf_free(&fb);
    feat_names_free(&nm);
    *out_checked = checked;
    *out_total = total;
}

static void check_builtin_names(uint32_t hv)
{
    struct crftag_corpus *c = load_corpus("tests/data/corpus_wikiser_30.txt");
    struct feat_config fc;
    assert_int_equal(feat_config_builtin_hv(&fc, SEED, FEAT_BUILTIN_VERSION, hv), CRFTAG_OK);
    assert_int_equal(lex_build(c, 0, feat_lex_fold(&fc), SEED, &fc.lex, NULL), CRFTAG_OK);
    struct crftag_clusters *cl;
    assert_int_equal(cl_read("models/clusters-en.txt.gz", &cl, NULL), CRFTAG_OK);
    assert_int_equal(feat_config_set_clusters(&fc, cl), CRFTAG_OK);
    size_t checked, total;
    check_corpus(&fc, c, &checked, &total);
    /* all but the lexicon's position and bucket attributes are checked */
    assert_true(total > 10000);
    assert_true(checked > total * 9 / 10);

    /* a few names written out */
    const char *toks[] = { "Run", "docker-compose", "on", "Ubuntu" };
    struct feat_names nm;
    memset(&nm, 0, sizeof nm);
    assert_int_equal(feat_names(&fc, toks, 4, 1, 0, &nm), CRFTAG_OK);
    const char *want[] = { "w[0]=docker-compose", "suf[0]=ose", "pre[0]=dock", "hyphen[0]",
                           "lw[-1]|lw[0]=run|docker-compose", "sshape[-1]=Xx",
                           "initcap[-1]", "len9+[0]", "suf3[+1]=on", "lw[+2]=ubuntu" };
    for (size_t w = 0; w < sizeof want / sizeof want[0]; w++) {
        int found = 0;
        for (size_t k = nm.start[1]; k < nm.start[2]; k++)
            found |= strcmp(feat_name(&nm, k), want[w]) == 0;
        if (!found)
            fail_msg("no attribute named '%s'", want[w]);
    }
    /* version 4: lw(-2) after sshape(-2), then lw(-1) */
    assert_string_equal(feat_name(&nm, nm.start[0] + 2), "lw[-2]=_B-2");
    assert_string_equal(feat_name(&nm, nm.start[0] + 3), "lw[-1]=_B-1");
    feat_names_free(&nm);
    feat_config_free(&fc);
    crftag_corpus_free(c);
}

/* Both hash versions: the built-in names re-hash to their attributes. */
static void test_builtin_names(void **state)
{
    (void)state;
    check_builtin_names(1);
    check_builtin_names(2);
}

static void check_template_names(uint32_t hv)
{
    size_t len;
    char *text = read_file("tests/data/features_conll2000.tpl", &len);
    struct feat_config fc;
    assert_int_equal(feat_config_template_hv(&fc, text, len, "t", SEED, hv, NULL), CRFTAG_OK);
    struct crftag_corpus *c = load_corpus("tests/data/corpus_conll_30.txt.gz");
    size_t checked, total;
    check_corpus(&fc, c, &checked, &total);
    assert_true(total > 5000);
    const char *cols[] = { "Confidence", "NN", "in", "IN", "the", "DT" };
    struct feat_names nm;
    memset(&nm, 0, sizeof nm);
    assert_int_equal(feat_names(&fc, cols, 3, 2, 0, &nm), CRFTAG_OK);
    assert_string_equal(feat_name(&nm, 0), "U00:_B-2");
    assert_string_equal(feat_name(&nm, 2), "U02:Confidence");
    assert_string_equal(feat_name(&nm, nm.start[1] + 5), "U05:Confidence/in");
    assert_string_equal(feat_name(&nm, nm.start[2] + 4), "U04:_B+2");
    feat_names_free(&nm);
    feat_config_free(&fc);
    crftag_corpus_free(c);
    free(text);
}

static void test_template_names(void **state)
{
    (void)state;
    check_template_names(1);
    check_template_names(2);
}

/* Short sentences against a template reading 3 rows either way, with
 * literal text between and after the macros: every token of 1 to 7 tokens,
 * inside the sentence or reading sentinels, gets the same ids from
 * feat_extract as from the naming pass, and the names are as CRF++ writes
 * them. */
static void check_template_rows_at_ends(uint32_t hv)
{
    const char *tpl = "U00:%x[-3,0]\nU01:%x[3,1]\nU02:%x[-1,0]/%x[0,0]/%x[1,0]\n"
                      "U03:<%x[-2,1]|%x[2,0]>\nU04:%x[0,1]-%x[0,0] end\nU05:fixed\nB\n";
    struct feat_config fc;
    assert_int_equal(feat_config_template_hv(&fc, tpl, strlen(tpl), "t", SEED, hv, NULL),
                     CRFTAG_OK);
    const char *cols[] = { "a", "DT", "bb", "NN", "ccc", "VBZ", "d", "IN", "eeeee", "JJ",
                           "f", "NNS", "gg", "." };
    struct feat_buf fb;
    struct feat_names nm;
    memset(&fb, 0, sizeof fb);
    memset(&nm, 0, sizeof nm);
    for (size_t n = 1; n <= 7; n++) {
        assert_int_equal(feat_extract(&fc, cols, n, 2, &fb), CRFTAG_OK);
        assert_int_equal(feat_names(&fc, cols, n, 2, 0, &nm), CRFTAG_OK);
        assert_int_equal(fb.start[n], 6 * n);
        assert_memory_equal(nm.fb.ids, fb.ids, fb.start[n] * sizeof *fb.ids);
    }
    /* n = 7: token 3 reads no sentinel, tokens 0 and 6 read several */
    assert_string_equal(feat_name(&nm, 3 * 6 + 0), "U00:a");
    assert_string_equal(feat_name(&nm, 3 * 6 + 1), "U01:.");
    assert_string_equal(feat_name(&nm, 3 * 6 + 2), "U02:ccc/d/eeeee");
    assert_string_equal(feat_name(&nm, 3 * 6 + 3), "U03:<NN|f>");
    assert_string_equal(feat_name(&nm, 3 * 6 + 4), "U04:IN-d end");
    assert_string_equal(feat_name(&nm, 0), "U00:_B-3");
    assert_string_equal(feat_name(&nm, 6 * 6 + 1), "U01:_B+3");
    assert_string_equal(feat_name(&nm, 6 * 6 + 3), "U03:<JJ|_B+2>");
    feat_buf_free(&fb);
    feat_names_free(&nm);
    feat_config_free(&fc);
}

static void test_template_rows_at_ends(void **state)
{
    (void)state;
    check_template_rows_at_ends(1);
    check_template_rows_at_ends(2);
}

/* Templates with more macros than feat_template_sentence keeps cell offsets
 * for (70 in all), and input with a wider stride than the columns read: the
 * same ids as the naming pass, which reads every cell through its row. */
static void check_template_many_macros(uint32_t hv)
{
    char tpl[2048];
    size_t len = 0;
    for (int line = 0; line < 2; line++) {
        len += (size_t)snprintf(tpl + len, sizeof tpl - len, "U%02d:", line);
        for (int k = 0; k < (line ? 30 : 40); k++)
            len += (size_t)snprintf(tpl + len, sizeof tpl - len, "%%x[%d,%d]/", k % 5 - 2, k % 2);
        len += (size_t)snprintf(tpl + len, sizeof tpl - len, "\n");
    }
    len += (size_t)snprintf(tpl + len, sizeof tpl - len, "U02:%%x[0,1]\nU03:%%x[-1,0]|%%x[1,1]\n");
    struct feat_config fc;
    assert_int_equal(feat_config_template_hv(&fc, tpl, len, "t", SEED, hv, NULL), CRFTAG_OK);
    const char *cols[] = { "a", "DT", "x", "bb", "NN", "x", "ccc", "VBZ", "x", "d", "IN", "x",
                           "eeeee", "JJ", "x", "f", "NNS", "x" };
    for (int many = 0; many < 2; many++) {
        struct feat_config one = fc;
        if (!many) {         /* the last two lines alone: the offsets kept */
            one.tpl += 2;
            one.ntemplates -= 2;
        }
        struct feat_buf fb;
        struct feat_names nm;
        memset(&fb, 0, sizeof fb);
        memset(&nm, 0, sizeof nm);
        for (size_t n = 1; n <= 6; n++) {
            assert_int_equal(feat_extract(&one, cols, n, 3, &fb), CRFTAG_OK);
            assert_int_equal(feat_names(&one, cols, n, 3, 0, &nm), CRFTAG_OK);
            assert_int_equal(fb.start[n], nm.fb.start[n]);
            assert_memory_equal(nm.fb.ids, fb.ids, fb.start[n] * sizeof *fb.ids);
        }
        if (!many)
            assert_string_equal(feat_name(&nm, 5 * 2 + 1), "U03:eeeee|_B+1");
        feat_buf_free(&fb);
        feat_names_free(&nm);
    }
    feat_config_free(&fc);
}

static void test_template_many_macros(void **state)
{
    (void)state;
    check_template_many_macros(1);
    check_template_many_macros(2);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int cmp_id(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* The distinct names and the distinct ids of all attributes of corpus path
 * with fc: equal counts (no two names share an id). */
static void check_no_collision(const struct feat_config *fc, const char *path, size_t min)
{
    struct crftag_corpus *c = load_corpus(path);
    struct feat_buf fb;
    struct feat_names nm;
    memset(&fb, 0, sizeof fb);
    memset(&nm, 0, sizeof nm);
    size_t n = 0, cap = 1 << 16;
    char **names = malloc(cap * sizeof *names);
    uint64_t *ids = malloc(cap * sizeof *ids);
    assert_non_null(names);
    assert_non_null(ids);
    for (size_t s = 0; s < c->nsent; s++) {
        struct sentence sen;
        corpus_sentence(c, s, &sen);
        assert_int_equal(feat_extract(fc, sen.cols, sen.n, sen.ncols, &fb), CRFTAG_OK);
        assert_int_equal(feat_names(fc, sen.cols, sen.n, sen.ncols, 0, &nm), CRFTAG_OK);
        for (size_t k = 0; k < fb.start[sen.n]; k++) {
            if (n == cap) {
                cap *= 2;
                names = realloc(names, cap * sizeof *names);
                ids = realloc(ids, cap * sizeof *ids);
                assert_non_null(names);
                assert_non_null(ids);
            }
            names[n] = strdup(feat_name(&nm, k));
            assert_non_null(names[n]);
            ids[n++] = fb.ids[k];
        }
    }
    qsort(names, n, sizeof *names, cmp_str);
    qsort(ids, n, sizeof *ids, cmp_id);
    size_t dn = n > 0, di = n > 0;
    for (size_t k = 1; k < n; k++) {
        dn += strcmp(names[k], names[k - 1]) != 0;
        di += ids[k] != ids[k - 1];
    }
    print_message("  %s, hash version %u: %zu attributes, %zu distinct names, %zu distinct ids\n",
                  path, (unsigned)fc->hash_version, n, dn, di);
    assert_true(dn >= min);
    assert_int_equal(dn, di);
    for (size_t k = 0; k < n; k++)
        free(names[k]);
    free(names);
    free(ids);
    feat_buf_free(&fb);
    feat_names_free(&nm);
    crftag_corpus_free(c);
}

/* No two attributes of the corpora in tests/data share an id, with either
 * hash version: the built-in set (with the lexicon and the shipped word
 * clusters) on the WikiSER and UD samples, the CoNLL-2000 template on the
 * CoNLL sample. */
/* Attribute strings (CRFsuite's fields in canonical form): one name a
 * field, escapes undone and the weight left out, each hashing to the id
 * feat_extract gives it, in both hash versions. */
static void test_attrs_names(void **state)
{
    (void)state;
    const char *cols[] = { "w=the\tsuf\\:3=he\tlen:0.3", "a\\\\b\tt\\tab:2\tbias",
                           "x\\ny:-1.5e-3" };
    const char *want[] = { "w=the", "suf:3=he", "len", "a\\b", "t\tab", "bias", "x\ny" };
    for (uint32_t hv = 1; hv <= 2; hv++) {
        struct feat_config fc;
        assert_int_equal(feat_config_attrs_hv(&fc, SEED, hv), CRFTAG_OK);
        struct feat_buf fb;
        struct feat_names nm;
        memset(&fb, 0, sizeof fb);
        memset(&nm, 0, sizeof nm);
        assert_int_equal(feat_extract(&fc, cols, 3, 1, &fb), CRFTAG_OK);
        assert_int_equal(feat_names(&fc, cols, 3, 1, 0, &nm), CRFTAG_OK);
        assert_int_equal(fb.start[3], 7);
        assert_int_equal(nm.start[1], 3);
        assert_int_equal(nm.start[2], 6);
        assert_int_equal(nm.start[3], 7);
        for (size_t k = 0; k < 7; k++) {
            assert_string_equal(feat_name(&nm, k), want[k]);
            assert_true(feat_attr_id(&fc, want[k], strlen(want[k])) == fb.ids[k]);
        }
        feat_buf_free(&fb);
        feat_names_free(&nm);
        feat_config_free(&fc);
    }
}

static void test_no_collisions(void **state)
{
    (void)state;
    size_t len;
    char *text = read_file("tests/data/features_conll2000.tpl", &len);
    for (uint32_t hv = 1; hv <= 2; hv++) {
        struct feat_config fc;
        assert_int_equal(feat_config_builtin_hv(&fc, SEED, FEAT_BUILTIN_VERSION, hv), CRFTAG_OK);
        struct crftag_corpus *c = load_corpus("tests/data/corpus_wikiser_30.txt");
        assert_int_equal(lex_build(c, 0, feat_lex_fold(&fc), SEED, &fc.lex, NULL), CRFTAG_OK);
        crftag_corpus_free(c);
        struct crftag_clusters *cl;
        assert_int_equal(cl_read("models/clusters-en.txt.gz", &cl, NULL), CRFTAG_OK);
        assert_int_equal(feat_config_set_clusters(&fc, cl), CRFTAG_OK);
        check_no_collision(&fc, "tests/data/corpus_wikiser_30.txt", 8000);
        check_no_collision(&fc, "tests/data/ud_ewt_train_300.txt.gz", 8000);
        feat_config_free(&fc);
        assert_int_equal(feat_config_template_hv(&fc, text, len, "t", SEED, hv, NULL), CRFTAG_OK);
        check_no_collision(&fc, "tests/data/corpus_conll_30.txt.gz", 1000);
        feat_config_free(&fc);
    }
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_builtin_names),
        cmocka_unit_test(test_template_names),
        cmocka_unit_test(test_template_rows_at_ends),
        cmocka_unit_test(test_template_many_macros),
        cmocka_unit_test(test_attrs_names),
        cmocka_unit_test(test_no_collisions),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
