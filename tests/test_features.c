/*
 * test_features.c - the feature extractor (src/features.c): determinism and
 * seed, window locality, specific built-in attributes found by intersecting
 * attribute sets, attribute counts computed by hand from the documented
 * set, template parsing and errors (line numbers), CRF++ expansion of
 * out-of-range rows, the documented template hash, extra columns, and
 * invariants on real WikiSER sentences (tests/data/features_wikiser_sample.txt,
 * the first 60 sentences of the WikiSER dev split, Apache-2.0).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "corpus.h"
#include "featset.h"
#include "hash.h"
#include "lexicon.h"

#define SEED HASH_DEFAULT_SEED
#define MAXA 256

/* A token's attributes, sorted. */
struct aset {
    size_t n;
    uint64_t v[MAXA];
};

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static void aset_from(struct aset *s, const struct feat_buf *b, size_t i)
{
    s->n = b->start[i + 1] - b->start[i];
    assert_true(s->n <= MAXA);
    memcpy(s->v, b->ids + b->start[i], s->n * sizeof *s->v);
    qsort(s->v, s->n, sizeof *s->v, cmp_u64);
}

static int aset_has(const struct aset *s, uint64_t x)
{
    return bsearch(&x, s->v, s->n, sizeof x, cmp_u64) != NULL;
}

static int aset_equal(const struct aset *a, const struct aset *b)
{
    return a->n == b->n && memcmp(a->v, b->v, a->n * sizeof *a->v) == 0;
}

/* a := a minus b (b == NULL: nothing) intersected with c (c == NULL: all). */
static void aset_filter(struct aset *a, const struct aset *minus, const struct aset *keep)
{
    size_t k = 0;
    for (size_t i = 0; i < a->n; i++) {
        if (minus && aset_has(minus, a->v[i]))
            continue;
        if (keep && !aset_has(keep, a->v[i]))
            continue;
        a->v[k++] = a->v[i];
    }
    a->n = k;
}

static size_t aset_common(const struct aset *a, const struct aset *b)
{
    size_t c = 0;
    for (size_t i = 0; i < a->n; i++)
        c += aset_has(b, a->v[i]);
    return c;
}

/* Attributes of token i of the sentence toks[0..n) (one column). */
static void attrs_of(const struct feat_config *fc, const char *const *toks, size_t n, size_t i,
                     struct aset *s)
{
    struct feat_buf b;
    memset(&b, 0, sizeof b);
    assert_int_equal(feat_extract(fc, toks, n, 1, &b), CRFTAG_OK);
    assert_int_equal(b.start[0], 0);
    aset_from(s, &b, i);
    for (size_t k = 0; k < b.start[n]; k++)
        assert_true(b.ids[k] != 0);
    feat_buf_free(&b);
}

static size_t count_of(const struct feat_config *fc, const char *const *toks, size_t n, size_t i)
{
    struct aset s;
    attrs_of(fc, toks, n, i, &s);
    return s.n;
}

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* ------------------------------------------------------------------------ */
/* Built-in set                                                             */
/* ------------------------------------------------------------------------ */

static void test_builtin_deterministic_and_seeded(void **state)
{
    (void)state;
    const char *s[] = { "QEMU", "uses", "SPICE", "for", "remote", "display", "." };
    struct feat_config a, b, c;
    assert_int_equal(feat_config_builtin(&a, SEED), CRFTAG_OK);
    assert_int_equal(feat_config_builtin(&b, SEED), CRFTAG_OK);
    assert_int_equal(feat_config_builtin(&c, SEED ^ ((uint64_t)1 << 40)), CRFTAG_OK);
    assert_int_equal(a.kind, FEAT_BUILTIN);
    assert_int_equal(a.builtin_version, 4);
    assert_int_equal(a.ncols, 1);
    assert_null(a.template_text);

    struct feat_buf ba, bb, bc;
    memset(&ba, 0, sizeof ba);
    memset(&bb, 0, sizeof bb);
    memset(&bc, 0, sizeof bc);
    assert_int_equal(feat_extract(&a, s, N(s), 1, &ba), CRFTAG_OK);
    assert_int_equal(feat_extract(&b, s, N(s), 1, &bb), CRFTAG_OK);
    assert_int_equal(feat_extract(&c, s, N(s), 1, &bc), CRFTAG_OK);
    /* same config, same seed: identical output, in the same order */
    assert_int_equal(ba.start[N(s)], bb.start[N(s)]);
    assert_memory_equal(ba.start, bb.start, (N(s) + 1) * sizeof *ba.start);
    assert_memory_equal(ba.ids, bb.ids, ba.start[N(s)] * sizeof *ba.ids);
    /* another seed: same counts, but no attribute in common */
    assert_memory_equal(ba.start, bc.start, (N(s) + 1) * sizeof *ba.start);
    for (size_t i = 0; i < N(s); i++) {
        struct aset x, y;
        aset_from(&x, &ba, i);
        aset_from(&y, &bc, i);
        assert_int_equal(aset_common(&x, &y), 0);
    }
    /* a reused buffer gives the same result as a fresh one, after a longer
     * and a shorter sentence */
    const char *longer[] = { "a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l" };
    assert_int_equal(feat_extract(&a, longer, N(longer), 1, &bb), CRFTAG_OK);
    assert_int_equal(feat_extract(&a, s, 2, 1, &bb), CRFTAG_OK);
    assert_int_equal(feat_extract(&a, s, N(s), 1, &bb), CRFTAG_OK);
    assert_memory_equal(ba.ids, bb.ids, ba.start[N(s)] * sizeof *ba.ids);

    feat_buf_free(&ba);
    feat_buf_free(&bb);
    feat_buf_free(&bc);
    feat_config_free(&a);
    feat_config_free(&b);
    feat_config_free(&c);
}

/* Versions 2 and 3: the same attributes (same counts) under other kind ids,
 * each pinned by the documented hash of w(0) and of the bias; version 3's
 * lexicon folds a plural 's' (test_lexicon_plural).  Version 4 (the
 * default) adds attributes: test_builtin_v4. */
/* The documented attribute of a string piece s[0..n) after state h0: hash
 * version 1 its bytes then 0x00, version 2 one piece. */
static uint64_t str_attr(uint32_t hv, uint64_t h0, const char *s, size_t n)
{
    if (hv == 1)
        return hash_end(hash_byte(hash_bytes(h0, s, n), 0));
    return hash_end(hash2_add(h0, hash2_str(s, n)));
}

/* The same after a small integer p (version 1: a byte; version 2: a piece). */
static uint64_t int_str_attr(uint32_t hv, uint64_t h0, unsigned p, const char *s, size_t n)
{
    return str_attr(hv, hv == 1 ? hash_byte(h0, (unsigned char)p) : hash2_add(h0, p), s, n);
}

/* The state after the seed and kind id id with hash version hv. */
static uint64_t kid_state(uint32_t hv, uint64_t id)
{
    return hv == 1 ? hash_u64(hash_begin(SEED), id) : hash2_add(hash_begin(SEED), id);
}

static void check_builtin_versions(uint32_t hv)
{
    struct feat_config v2, v3, v4, bad;
    assert_int_equal(feat_config_builtin_hv(&v2, SEED, 2, hv), CRFTAG_OK);
    assert_int_equal(feat_config_builtin_hv(&v3, SEED, 3, hv), CRFTAG_OK);
    assert_int_equal(feat_config_builtin_hv(&v4, SEED, 4, hv), CRFTAG_OK);
    assert_int_equal(v4.hash_version, hv);
    assert_int_equal(v2.builtin_version, 2);
    assert_int_equal(v3.builtin_version, 3);
    assert_int_equal(v4.builtin_version, 4);
    assert_int_equal(FEAT_BUILTIN_VERSION, 4);
    assert_int_equal(feat_lex_fold(&v2), 0);
    assert_int_equal(feat_lex_fold(&v3), LEX_FOLD_PLURAL);
    assert_int_equal(feat_lex_fold(&v4), LEX_FOLD_PLURAL);
    assert_int_equal(feat_config_builtin_version(&bad, SEED, 1), CRFTAG_ERR_INVALID);
    assert_int_equal(feat_config_builtin_version(&bad, SEED, 5), CRFTAG_ERR_INVALID);
    feat_config_free(&v4);
    const char *s[] = { "QEMU", "uses", "hash", "tables", "." };
    for (size_t i = 0; i < N(s); i++) {
        struct aset a, b;
        attrs_of(&v2, s, N(s), i, &a);
        attrs_of(&v3, s, N(s), i, &b);
        assert_int_equal(a.n, b.n);
        assert_int_equal(aset_common(&a, &b), 0);
    }
    for (uint64_t v = 2; v <= 3; v++) {
        struct aset a;
        attrs_of(v == 2 ? &v2 : &v3, s, N(s), 0, &a);
        uint64_t k0 = kid_state(hv, ((uint64_t)1 << 32) | (v << 16) | 0);
        uint64_t k3 = kid_state(hv, ((uint64_t)1 << 32) | (v << 16) | 3);
        assert_true(aset_has(&a, hash_end(k0)));                             /* bias */
        assert_true(aset_has(&a, str_attr(hv, k3, "QEMU", 4)));
        assert_false(aset_has(&a, str_attr(hv, k3, "uses", 4)));
        assert_false(aset_has(&a, str_attr(3 - hv, k3, "QEMU", 4)));   /* not the other version's */
    }
    feat_config_free(&v2);
    feat_config_free(&v3);
}

static void test_builtin_versions(void **state)
{
    (void)state;
    check_builtin_versions(1);
    check_builtin_versions(2);
    struct feat_config fc;
    assert_int_equal(feat_config_builtin(&fc, SEED), CRFTAG_OK);
    assert_int_equal(fc.hash_version, 2);                /* new configurations */
    feat_config_free(&fc);
    assert_int_equal(feat_config_builtin_hv(&fc, SEED, 4, 0), CRFTAG_ERR_INVALID);
    assert_int_equal(feat_config_builtin_hv(&fc, SEED, 4, 3), CRFTAG_ERR_INVALID);
}

static void test_builtin_window(void **state)
{
    (void)state;
    struct feat_config fc;
    assert_int_equal(feat_config_builtin(&fc, SEED), CRFTAG_OK);
    /* "uses" has the window emulator QEMU [uses] SPICE for in both */
    const char *a[] = { "The", "emulator", "QEMU", "uses", "SPICE", "for", "display", "." };
    const char *b[] = { "Yesterday", ",", "this", "emulator", "QEMU", "uses", "SPICE", "for",
                        "output", "too" };
    struct aset sa, sb, sc, sd;
    attrs_of(&fc, a, N(a), 3, &sa);
    attrs_of(&fc, b, N(b), 5, &sb);
    assert_true(aset_equal(&sa, &sb));
    /* changing w(+3) changes nothing */
    const char *c3[] = { "The", "emulator", "QEMU", "uses", "SPICE", "for", "Output", "!" };
    attrs_of(&fc, c3, N(c3), 3, &sc);
    assert_true(aset_equal(&sa, &sc));
    /* changing w(+2) changes some attributes but not all */
    const char *c2[] = { "The", "emulator", "QEMU", "uses", "SPICE", "With", "display", "." };
    attrs_of(&fc, c2, N(c2), 3, &sd);
    size_t common = aset_common(&sa, &sd);
    assert_true(common > 0);
    assert_true(common < sa.n);
    /* exactly the 3 attributes that read w(+2): ss(+2), lw(+2) and
     * lw(+1)|lw(+2) ("for" -> "With": all differ); version 3 has no lw(+2) */
    assert_int_equal(sa.n - common, 3);
    assert_int_equal(sa.n, sd.n);
    struct feat_config v3;
    assert_int_equal(feat_config_builtin_version(&v3, SEED, 3), CRFTAG_OK);
    struct aset s3a, s3d;
    attrs_of(&v3, a, N(a), 3, &s3a);
    attrs_of(&v3, c2, N(c2), 3, &s3d);
    assert_int_equal(s3a.n - aset_common(&s3a, &s3d), 2);
    assert_int_equal(s3a.n + 2, sa.n);
    feat_config_free(&v3);
    /* the sentinels are consistent: token 0 of two sentences that agree on
     * tokens 0..2 */
    const char *e[] = { "QEMU", "uses", "SPICE", "a" };
    const char *f[] = { "QEMU", "uses", "SPICE", "b", "c" };
    attrs_of(&fc, e, N(e), 0, &sa);
    attrs_of(&fc, f, N(f), 0, &sb);
    assert_true(aset_equal(&sa, &sb));
    /* ... and the last token of two sentences that agree on the last three */
    const char *g[] = { "x", "y", "on", "Linux", "." };
    const char *h[] = { "on", "Linux", "." };
    attrs_of(&fc, g, N(g), 4, &sa);
    attrs_of(&fc, h, N(h), 2, &sb);
    assert_true(aset_equal(&sa, &sb));
    /* a sentence-initial token differs from the same token later on (BOS
     * sentinels, sentence-initial capital) */
    const char *k[] = { "on", "QEMU", "uses", "SPICE" };
    attrs_of(&fc, e, N(e), 0, &sa);
    attrs_of(&fc, k, N(k), 1, &sb);
    assert_false(aset_equal(&sa, &sb));
    feat_config_free(&fc);
}

/* The one attribute shared by x1 in ctx1, x2 in ctx2, x3 in ctx3 and by none
 * of the controls (each placed in the context of the same index). */
static void unique_common(const struct feat_config *fc, const char *x[3], const char *ctl[][3],
                          size_t nctl, struct aset *out)
{
    const char *ctx[3][5] = {
        { "we", "run", NULL, "today", "!" },
        { "Many", "PEOPLE", NULL, "at", "42" },
        { "(", "The", NULL, "KERNEL", "x86" },
    };
    struct aset s;
    for (int c = 0; c < 3; c++) {
        const char *sent[5];
        memcpy(sent, ctx[c], sizeof sent);
        sent[2] = x[c];
        attrs_of(fc, sent, 5, 2, &s);
        if (c == 0)
            *out = s;
        else
            aset_filter(out, NULL, &s);
        for (size_t k = 0; k < nctl; k++) {
            sent[2] = ctl[k][c];
            attrs_of(fc, sent, 5, 2, &s);
            aset_filter(out, &s, NULL);
        }
    }
}

static void test_builtin_specific(void **state)
{
    (void)state;
    struct feat_config fc;
    assert_int_equal(feat_config_builtin_version(&fc, SEED, 3), CRFTAG_OK);
    struct aset lw, tmp;

    /* lower-cased word: Linux, LINUX and linux share exactly one attribute
     * that Minux, MINUX, minux (same shapes, flags, suffixes) lack */
    const char *x1[3] = { "Linux", "LINUX", "linux" };
    const char *c1[][3] = { { "Minux", "MINUX", "minux" } };
    unique_common(&fc, x1, c1, 1, &lw);
    assert_int_equal(lw.n, 1);
    /* it is not there for another word */
    const char *s1[] = { "we", "run", "Linus", "today", "!" };
    attrs_of(&fc, s1, 5, 2, &tmp);
    assert_false(aset_has(&tmp, lw.v[0]));
    /* it does not depend on the context (it is w(0)'s) */
    const char *s2[] = { "Linux" };
    attrs_of(&fc, s2, 1, 0, &tmp);
    assert_true(aset_has(&tmp, lw.v[0]));

    /* suffix of 3 characters: Node.js, Vue.js, Ember.js share one attribute
     * that Node.ts (suffix .ts, same flags) and Node_js (suffix js, _js)
     * lack */
    struct aset suf;
    const char *x2[3] = { "Node.js", "Vue.js", "Ember.js" };
    const char *c2[][3] = { { "Node.ts", "Vue.ts", "Ember.ts" },
                            { "Node_js", "Vue_js", "Ember_js" } };
    unique_common(&fc, x2, c2, 2, &suf);
    assert_int_equal(suf.n, 1);
    const char *s3[] = { "Backbone.js" };
    attrs_of(&fc, s3, 1, 0, &tmp);
    assert_true(aset_has(&tmp, suf.v[0]));
    const char *s4[] = { "js" };     /* suffix "js" only */
    attrs_of(&fc, s4, 1, 0, &tmp);
    assert_false(aset_has(&tmp, suf.v[0]));

    /* prefixes count UTF-8 characters: "Zürich" and "Züge" share exactly
     * the prefixes "Z" and "Zü" and nothing else w(0)-specific */
    struct aset pre;
    const char *x3[3] = { "Zürich", "Züge", "Zürcher" };
    const char *c3[][3] = { { "Xürich", "Xüge", "Xürcher" } };
    unique_common(&fc, x3, c3, 1, &pre);
    assert_int_equal(pre.n, 2);
    feat_config_free(&fc);
}

static void test_builtin_counts(void **state)
{
    (void)state;
    struct feat_config fc;
    assert_int_equal(feat_config_builtin_version(&fc, SEED, 3), CRFTAG_OK);
    /* 23 + 2 * min(4, chars) + true flags of w(0) + true flags of w(-1/+1),
     * computed by hand from the documented set */
    const char *s[] = { "QEMU", "uses", "SPICE", "." };
    /* QEMU: initcap, allcaps, len3-4, initcap at i=0; BOS: none; uses: none */
    assert_int_equal(count_of(&fc, s, 4, 0), 23 + 8 + 4);
    /* uses: len3-4; QEMU and SPICE: initcap + allcaps each */
    assert_int_equal(count_of(&fc, s, 4, 1), 23 + 8 + 1 + 4);
    /* SPICE: initcap, allcaps, len5-8; uses, ".": none */
    assert_int_equal(count_of(&fc, s, 4, 2), 23 + 8 + 3);
    /* ".": allpunct, dot, single, len1; SPICE: 2; EOS: none */
    assert_int_equal(count_of(&fc, s, 4, 3), 23 + 2 + 4 + 2);

    const char *t[] = { "the", "MySQL", "and", "C++", "on", "x86-64", "under", "GPLv3", "in",
                        "Zü", "with", "TCP/IP", "as", "node_modules", "é", "2024" };
    size_t n = N(t);
    /* MySQL: initcap, mixed, len5-8; the, and: none */
    assert_int_equal(count_of(&fc, t, n, 1), 23 + 8 + 3);
    /* C++: initcap, plus/hash, len3-4 (one letter: not all caps) */
    assert_int_equal(count_of(&fc, t, n, 3), 23 + 6 + 3);
    /* x86-64: has digit, hyphen, len5-8 */
    assert_int_equal(count_of(&fc, t, n, 5), 23 + 8 + 3);
    /* GPLv3: initcap, has digit, mixed, len5-8 */
    assert_int_equal(count_of(&fc, t, n, 7), 23 + 8 + 4);
    /* Zü (2 characters, 3 bytes): initcap, non-ASCII, len2 */
    assert_int_equal(count_of(&fc, t, n, 9), 23 + 4 + 3);
    /* with: len3-4; Zü: initcap; TCP/IP: initcap, allcaps */
    assert_int_equal(count_of(&fc, t, n, 10), 23 + 8 + 1 + 3);
    /* TCP/IP: initcap, allcaps, slash, len5-8; with, as: none */
    assert_int_equal(count_of(&fc, t, n, 11), 23 + 8 + 4);
    /* node_modules: underscore, len9+ */
    assert_int_equal(count_of(&fc, t, n, 13), 23 + 8 + 2);
    /* é: non-ASCII, single, len1 */
    assert_int_equal(count_of(&fc, t, n, 14), 23 + 2 + 3);
    /* 2024: all digits, has digit, len3-4; é: none */
    assert_int_equal(count_of(&fc, t, n, 15), 23 + 8 + 3);
    /* an empty token: no prefixes, suffixes or length bucket */
    const char *u[] = { "" };
    assert_int_equal(count_of(&fc, u, 1, 0), 23);
    feat_config_free(&fc);
}

static void test_builtin_extra_columns_and_edges(void **state)
{
    (void)state;
    struct feat_config fc;
    assert_int_equal(feat_config_builtin(&fc, SEED), CRFTAG_OK);
    const char *one[] = { "QEMU", "uses", "SPICE" };
    const char *three[] = { "QEMU", "NNP", "B-Application", "uses", "VBZ", "O",
                            "SPICE", "NNP", "B-Protocol" };
    struct feat_buf a, b;
    memset(&a, 0, sizeof a);
    memset(&b, 0, sizeof b);
    assert_int_equal(feat_extract(&fc, one, 3, 1, &a), CRFTAG_OK);
    assert_int_equal(feat_extract(&fc, three, 3, 3, &b), CRFTAG_OK);
    assert_memory_equal(a.start, b.start, 4 * sizeof *a.start);
    assert_memory_equal(a.ids, b.ids, a.start[3] * sizeof *a.ids);
    /* n = 0 */
    assert_int_equal(feat_extract(&fc, NULL, 0, 1, &a), CRFTAG_OK);
    assert_int_equal(a.start[0], 0);
    struct feat_buf z;
    memset(&z, 0, sizeof z);
    assert_int_equal(feat_extract(&fc, NULL, 0, 1, &z), CRFTAG_OK);
    assert_non_null(z.start);
    assert_int_equal(z.start[0], 0);
    /* stride below ncols */
    assert_int_equal(feat_extract(&fc, one, 3, 0, &z), CRFTAG_ERR_INVALID);
    feat_buf_free(&z);
    feat_buf_free(&a);
    feat_buf_free(&b);
    feat_buf_free(&b);
    feat_buf_free(NULL);
    feat_config_free(&fc);
    feat_config_free(&fc);
    feat_config_free(NULL);
}

/* Real WikiSER sentences: no 0, no duplicate within a token, counts within
 * the documented bounds, and a long sentence. */
static void test_builtin_wikiser(void **state)
{
    (void)state;
    FILE *f = fopen("tests/data/features_wikiser_sample.txt", "r");
    assert_non_null(f);
    char line[1024];
    char *toks[4096];
    size_t n = 0, nsent = 0, ntok = 0;
    struct feat_config fc;
    assert_int_equal(feat_config_builtin(&fc, SEED), CRFTAG_OK);
    struct feat_buf b;
    memset(&b, 0, sizeof b);
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = '\0';
        if (strcmp(line, "<s>") == 0) {
            n = 0;
            continue;
        }
        if (strcmp(line, "</s>") == 0) {
            assert_int_equal(feat_extract(&fc, (const char *const *)toks, n, 1, &b), CRFTAG_OK);
            for (size_t i = 0; i < n; i++) {
                struct aset s;
                aset_from(&s, &b, i);
                assert_true(s.n >= 23 + 2 && s.n <= 64);
                assert_true(s.v[0] != 0);
                for (size_t k = 1; k < s.n; k++)
                    assert_true(s.v[k] != s.v[k - 1]);
            }
            for (size_t i = 0; i < n; i++)
                free(toks[i]);
            nsent++;
            ntok += n;
            continue;
        }
        assert_true(n < N(toks));
        line[strcspn(line, "\t")] = '\0';
        toks[n] = strdup(line);
        assert_non_null(toks[n]);
        n++;
    }
    fclose(f);
    assert_int_equal(nsent, 60);
    assert_true(ntok > 1000);
    feat_buf_free(&b);
    feat_config_free(&fc);
}

/* ------------------------------------------------------------------------ */
/* Templates                                                                */
/* ------------------------------------------------------------------------ */

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    static char buf[65536];
    *len = fread(buf, 1, sizeof buf - 1, f);
    buf[*len] = '\0';
    fclose(f);
    return buf;
}

static void test_template_classic(void **state)
{
    (void)state;
    size_t len;
    const char *text = read_file("tests/data/features_conll2000.tpl", &len);
    struct feat_config fc;
    struct crftag_error err;
    assert_int_equal(feat_config_template(&fc, text, len, "conll.tpl", SEED, &err), CRFTAG_OK);
    assert_int_equal(fc.kind, FEAT_TEMPLATE);
    assert_int_equal(fc.ncols, 2);
    assert_int_equal(fc.ntemplates, 19);
    assert_non_null(fc.template_text);
    assert_string_equal(fc.template_text, text);

    /* a CoNLL-2000 sentence; every token gets one attribute per U line (no
     * two lines share an identifier) */
    const char *s[] = { "Confidence", "NN", "B-NP", "in", "IN", "B-PP", "the", "DT", "B-NP",
                        "pound", "NN", "I-NP", "is", "VBZ", "B-VP" };
    struct feat_buf b2, b3;
    memset(&b2, 0, sizeof b2);
    memset(&b3, 0, sizeof b3);
    assert_int_equal(feat_extract(&fc, s, 5, 3, &b3), CRFTAG_OK);
    for (size_t i = 0; i < 5; i++)
        assert_int_equal(b3.start[i + 1] - b3.start[i], 19);
    /* extra column (the chunk tag) ignored */
    const char *s2[] = { "Confidence", "NN", "in", "IN", "the", "DT", "pound", "NN", "is", "VBZ" };
    assert_int_equal(feat_extract(&fc, s2, 5, 2, &b2), CRFTAG_OK);
    assert_memory_equal(b2.ids, b3.ids, 5 * 19 * sizeof *b2.ids);
    assert_int_equal(feat_extract(&fc, s2, 5, 1, &b2), CRFTAG_ERR_INVALID);

    /* parsing is deterministic: re-parsing the stored text gives the same
     * attributes (a model re-parses it at load time) */
    struct feat_config fc2;
    assert_int_equal(feat_config_template(&fc2, fc.template_text, strlen(fc.template_text),
                                          "again", SEED, &err), CRFTAG_OK);
    assert_int_equal(feat_extract(&fc2, s2, 5, 2, &b2), CRFTAG_OK);
    assert_memory_equal(b2.ids, b3.ids, 5 * 19 * sizeof *b2.ids);
    feat_config_free(&fc2);

    /* reordering lines changes nothing (the hash is of the line's text) */
    const char *fwd = "U00:%x[0,0]\nU01:%x[-1,1]/%x[0,1]\nU02:%x[1,0]\n";
    const char *rev = "U02:%x[1,0]\nU01:%x[-1,1]/%x[0,1]\nU00:%x[0,0]\n";
    struct feat_config ff, fr;
    assert_int_equal(feat_config_template(&ff, fwd, strlen(fwd), "f", SEED, &err), CRFTAG_OK);
    assert_int_equal(feat_config_template(&fr, rev, strlen(rev), "r", SEED, &err), CRFTAG_OK);
    assert_int_equal(feat_extract(&ff, s2, 5, 2, &b2), CRFTAG_OK);
    assert_int_equal(feat_extract(&fr, s2, 5, 2, &b3), CRFTAG_OK);
    for (size_t i = 0; i < 5; i++) {
        struct aset x, y;
        aset_from(&x, &b2, i);
        aset_from(&y, &b3, i);
        assert_int_equal(x.n, 3);
        assert_true(aset_equal(&x, &y));
    }
    feat_config_free(&ff);
    feat_config_free(&fr);
    feat_buf_free(&b2);
    feat_buf_free(&b3);
    feat_config_free(&fc);
}

static void expect_ok(const char *text, size_t ncols, size_t ntpl)
{
    struct feat_config fc;
    struct crftag_error err;
    memset(&err, 0, sizeof err);
    enum crftag_status st = feat_config_template(&fc, text, strlen(text), "t", SEED, &err);
    if (st != CRFTAG_OK)
        fail_msg("'%s' refused: %s", text, err.msg);
    assert_int_equal(fc.ncols, ncols);
    assert_int_equal(fc.ntemplates, ntpl);
    feat_config_free(&fc);
}

static void expect_err(const char *text, long line, const char *needle)
{
    struct feat_config fc;
    struct crftag_error err;
    memset(&err, 0, sizeof err);
    enum crftag_status st = feat_config_template(&fc, text, strlen(text), "my.tpl", SEED, &err);
    if (st != CRFTAG_ERR_PARSE)
        fail_msg("'%s' accepted (status %d)", text, (int)st);
    assert_int_equal(err.code, CRFTAG_ERR_PARSE);
    assert_string_equal(err.file, "my.tpl");
    assert_int_equal(err.line, line);
    if (!strstr(err.msg, needle))
        fail_msg("message '%s' lacks '%s'", err.msg, needle);
    /* fc is left empty */
    assert_int_equal(fc.ntemplates, 0);
    assert_null(fc.tpl);
    assert_null(fc.template_text);
    feat_config_free(&fc);
}

static void test_template_parse(void **state)
{
    (void)state;
    /* accepted: comments, blank lines, CR, trailing blanks, B, constants,
     * literal text, duplicate identifiers, extreme rows and columns */
    expect_ok("# c\r\n\r\nU00:%x[0,0]  \r\n\t\nB\r\n", 1, 1);
    expect_ok("U00:%x[0,0]\nU01:\nU02:%x[-1,0]/%x[0,0]/x\nB\n", 1, 3);
    expect_ok("U00:%x[0,0]\nU00:%x[1,0]", 1, 2);
    expect_ok("U00:%x[-1000,1000]\nU01:%x[+1000,0]\n", 1001, 2);
    expect_ok("U", 1, 1);
    expect_ok("Bfoo\nU0:%x[0,3]\n", 4, 1);
    expect_ok("U5:100%\n", 1, 1);

    const char *pre = "# header\nU00:%x[0,0]\n\n";   /* 3 lines, bad line is 4 */
    char buf[256];
    static const struct { const char *line, *needle; } bad[] = {
        { "U01:%x[0]", "expected ','" },
        { "U01:%x[a,0]", "row is not an integer" },
        { "U01:%x[0,-1]", "unsigned" },
        { "U01:%x[0,0", "missing ']'" },
        { "U01:%x[0,0)", "missing ']'" },
        { "U01:%x[1001,0]", "row outside" },
        { "U01:%x[-1001,0]", "row outside" },
        { "U01:%x[99999999999999999999,0]", "row outside" },
        { "U01:%x[0,1001]", "column greater" },
        { "U01:%x[,0]", "row is not an integer" },
        { "U01:%x[0,]", "column is not an integer" },
        { "U01:%x0,0]", "expected '%x[row,col]'" },
        { "X01:%x[0,0]", "unknown line type" },
        { "u01:%x[0,0]", "unknown line type" },
        { "B01:%x[0,0]", "not supported" },
        { "B01:%x[-1,0]/%x[0,0]", "not supported" },
    };
    for (size_t k = 0; k < N(bad); k++) {
        snprintf(buf, sizeof buf, "%s%s\nU02:%%x[1,0]\n", pre, bad[k].line);
        expect_err(buf, 4, bad[k].needle);
    }
    /* the first error wins; the line count includes CRLF lines */
    expect_err("U00:%x[0,0]\r\n\r\nZ\r\nY\r\n", 3, "unknown line type");
    /* no U line at all */
    expect_err("", 0, "no 'U' line");
    expect_err("# only\nB\n", 0, "no 'U' line");
    /* err may be NULL */
    struct feat_config fc;
    assert_int_equal(feat_config_template(&fc, "X", 1, NULL, SEED, NULL), CRFTAG_ERR_PARSE);
}

/* The documented hash of a template attribute (template.c): kind id 2 << 32,
 * then the line text with each macro replaced by value + 0x00. */
static void test_template_hash_spec(void **state)
{
    (void)state;
    const char *text = "U05:%x[-1,0]/%x[0,0]\nU9:%x[1,0]x\nU7:\n";
    struct feat_config fc;
    assert_int_equal(feat_config_template_hv(&fc, text, strlen(text), "t", SEED, 1, NULL),
                     CRFTAG_OK);
    const char *s[] = { "QEMU", "uses" };
    struct feat_buf b;
    memset(&b, 0, sizeof b);
    assert_int_equal(feat_extract(&fc, s, 2, 1, &b), CRFTAG_OK);
    uint64_t k = hash_u64(hash_begin(SEED), (uint64_t)2 << 32);
    uint64_t e1 = hash_end(hash_byte(hash_bytes(hash_bytes(hash_byte(hash_bytes(
                      hash_bytes(k, "U05:", 4), "QEMU", 4), 0), "/", 1), "uses", 4), 0));
    uint64_t e2 = hash_end(hash_bytes(hash_byte(hash_bytes(k, "U9:_B+1", 7), 0), "x", 1));
    uint64_t e3 = hash_end(hash_bytes(k, "U7:", 3));
    assert_int_equal(b.start[2] - b.start[1], 3);
    assert_true(b.ids[b.start[1] + 0] == e1);
    assert_true(b.ids[b.start[1] + 1] == e2);
    assert_true(b.ids[b.start[1] + 2] == e3);
    feat_buf_free(&b);
    feat_config_free(&fc);
}

#define P2(s) hash2_str(s, strlen(s))

/* Hash version 2 (template.c): kind id 2 << 32 and the leading literal, then
 * per macro its value (or sentinel) and the literal after it, each a piece. */
static void test_template_hash_spec_v2(void **state)
{
    (void)state;
    const char *text = "U05:%x[-1,0]/%x[0,0]\nU9:%x[1,0]x\nU7:\nU8:%x[-1,0]%x[-2,1]\n";
    struct feat_config fc;
    assert_int_equal(feat_config_template(&fc, text, strlen(text), "t", SEED, NULL), CRFTAG_OK);
    assert_int_equal(fc.hash_version, 2);
    const char *s[] = { "QEMU", "A", "uses", "B" };
    struct feat_buf b;
    memset(&b, 0, sizeof b);
    assert_int_equal(feat_extract(&fc, s, 2, 2, &b), CRFTAG_OK);
    uint64_t k = hash2_add(hash_begin(SEED), (uint64_t)2 << 32);
    uint64_t e1 = hash_end(hash2_add(hash2_add(hash2_add(hash2_add(hash2_add(
                      k, P2("U05:")), P2("QEMU")), P2("/")), P2("uses")), P2("")));
    uint64_t e2 = hash_end(hash2_add(hash2_add(hash2_add(k, P2("U9:")), P2("_B+1")), P2("x")));
    uint64_t e3 = hash_end(hash2_add(k, P2("U7:")));
    uint64_t e4 = hash_end(hash2_add(hash2_add(hash2_add(hash2_add(hash2_add(
                      k, P2("U8:")), P2("QEMU")), P2("")), P2("_B-1")), P2("")));
    assert_int_equal(b.start[2] - b.start[1], 4);
    assert_true(b.ids[b.start[1] + 0] == e1);
    assert_true(b.ids[b.start[1] + 1] == e2);
    assert_true(b.ids[b.start[1] + 2] == e3);
    assert_true(b.ids[b.start[1] + 3] == e4);
    /* the same ids when the cells are hashed in the slow path (token 0) */
    uint64_t f1 = hash_end(hash2_add(hash2_add(hash2_add(hash2_add(hash2_add(
                      k, P2("U05:")), P2("_B-1")), P2("/")), P2("QEMU")), P2("")));
    assert_true(b.ids[0] == f1);
    feat_buf_free(&b);
    feat_config_free(&fc);
}

static uint64_t tpl_attr(const char *tpl, const char *const *toks, size_t n, size_t i)
{
    struct feat_config fc;
    assert_int_equal(feat_config_template(&fc, tpl, strlen(tpl), "t", SEED, NULL), CRFTAG_OK);
    struct feat_buf b;
    memset(&b, 0, sizeof b);
    assert_int_equal(feat_extract(&fc, toks, n, 1, &b), CRFTAG_OK);
    assert_int_equal(b.start[i + 1] - b.start[i], 1);
    uint64_t id = b.ids[b.start[i]];
    feat_buf_free(&b);
    feat_config_free(&fc);
    return id;
}

static void test_template_out_of_range(void **state)
{
    (void)state;
    const char *a[] = { "a", "b", "c" };
    const char *x[] = { "x", "y" };
    const char *lone[] = { "z" };
    const char *m1 = "U00:%x[-1,0]";
    const char *m2 = "U00:%x[-2,0]";
    const char *p1 = "U00:%x[1,0]";
    /* before the sentence: the same sentinel in every sentence ... */
    uint64_t bos_a = tpl_attr(m1, a, 3, 0);
    assert_true(bos_a == tpl_attr(m1, x, 2, 0));
    assert_true(bos_a == tpl_attr(m1, lone, 1, 0));
    /* ... unlike an in-range token */
    assert_true(bos_a != tpl_attr(m1, a, 3, 1));
    assert_true(tpl_attr(m1, a, 3, 1) == tpl_attr(m1, a, 3, 1));
    /* CRF++ numbering: %x[-2,0] at token 1 reads _B-1, like %x[-1,0] at
     * token 0; at token 0 it reads _B-2, which differs */
    assert_true(tpl_attr(m2, a, 3, 1) == bos_a);
    assert_true(tpl_attr(m2, a, 3, 0) != bos_a);
    /* after the sentence: _B+1 */
    uint64_t eos = tpl_attr(p1, a, 3, 2);
    assert_true(eos == tpl_attr(p1, x, 2, 1));
    assert_true(eos != bos_a);
    assert_true(eos != tpl_attr(p1, a, 3, 1));
    /* the sentinel is the CRF++ string: a token "_B-1" reads the same */
    const char *fake[] = { "_B-1", "q" };
    assert_true(tpl_attr(m1, fake, 2, 1) == bos_a);
    /* far out of range */
    assert_true(tpl_attr("U00:%x[1000,0]", a, 3, 0) != tpl_attr("U00:%x[999,0]", a, 3, 0));
    assert_true(tpl_attr("U00:%x[-1000,0]", a, 3, 2) == tpl_attr("U00:%x[-999,0]", a, 3, 1));
}

static void test_template_dedup(void **state)
{
    (void)state;
    /* two lines with one identifier: "U00:a" twice at token 0 is kept once */
    const char *tpl = "U00:%x[0,0]\nU00:%x[1,0]\nU01:%x[0,0]\n";
    struct feat_config fc;
    assert_int_equal(feat_config_template(&fc, tpl, strlen(tpl), "t", SEED, NULL), CRFTAG_OK);
    assert_int_equal(fc.ntemplates, 3);
    const char *s[] = { "a", "a" };
    struct feat_buf b;
    memset(&b, 0, sizeof b);
    assert_int_equal(feat_extract(&fc, s, 2, 1, &b), CRFTAG_OK);
    assert_int_equal(b.start[1] - b.start[0], 2);   /* U00:a, U01:a */
    assert_int_equal(b.start[2] - b.start[1], 3);   /* U00:a, U00:_B+1, U01:a */
    /* U00:a is the same attribute at both tokens */
    assert_true(b.ids[0] == b.ids[b.start[1]]);
    feat_buf_free(&b);
    feat_config_free(&fc);
}

/* ------------------------------------------------------------------------ */
/* Lexicon                                                                  */
/* ------------------------------------------------------------------------ */

/* Four labelled sentences; with 2 folds, s0 and s1 are fold 0, s2 and s3
 * fold 1.  Types in order of appearance: BOOK = 0, PER = 1. */
static const char *const LEX_CORPUS[][2] = {
    { "Alice", "B-BOOK" }, { "in", "I-BOOK" }, { "Wonderland", "I-BOOK" }, { "is", "O" },
    { NULL, NULL },
    { "Alice", "B-PER" }, { "met", "O" }, { "Bob", "B-PER" }, { NULL, NULL },
    { "Bob", "S-PER" }, { "uses", "O" }, { "Alice", "O" }, { NULL, NULL },
    { "Carol", "I-PER" }, { "and", "O" }, { "Bob", "B-PER" }, { NULL, NULL },
};

static struct crftag_corpus *lex_corpus(void)
{
    struct crftag_corpus *c;
    assert_int_equal(crftag_corpus_new(&c), CRFTAG_OK);
    const char *cols[16];
    size_t n = 0;
    for (size_t k = 0; k < N(LEX_CORPUS); k++) {
        if (LEX_CORPUS[k][0]) {
            cols[2 * n] = LEX_CORPUS[k][0];
            cols[2 * n + 1] = LEX_CORPUS[k][1];
            n++;
            continue;
        }
        struct sentence sen = { n, 2, cols, 1 };
        assert_int_equal(corpus_add(c, &sen, NULL), CRFTAG_OK);
        n = 0;
    }
    return c;
}

static unsigned lv(unsigned type, unsigned rb, unsigned cb)
{
    return 1 + (type * LEX_NRB + rb) * LEX_NCB + cb;
}

static void expect_match(const struct lexicon *lx, size_t view, const char *const *toks,
                         size_t n, const unsigned *val, const unsigned *pos)
{
    uint16_t v[16];
    unsigned char p[16];
    lex_match(lx, view, toks, n, 1, v, p);
    for (size_t i = 0; i < n; i++) {
        if (v[i] != val[i])
            print_message("token %zu (%s): %u, not %u\n", i, toks[i], v[i], val[i]);
        assert_int_equal(v[i], val[i]);
        assert_int_equal(p[i], pos[i]);
    }
}

/* The lexicon's entries are the chunks the scorer sees (crftag_chunks,
 * conlleval's rules): I-ORG after B-LOC starts a chunk of its own, and
 * S-PER I-PER is one chunk, as conlleval counts it.  So "New" (LOC), "York"
 * (ORG) and "Bob Smith" (PER) are entries, "New York" and "Bob" are not. */
static void test_lexicon_chunks_are_conlleval(void **state)
{
    (void)state;
    struct crftag_corpus *c;
    assert_int_equal(crftag_corpus_new(&c), CRFTAG_OK);
    const char *cols[] = { "New", "B-LOC", "York", "I-ORG", "Bob",  "S-PER",
                           "Smith", "I-PER", "rocks", "O" };
    struct sentence sen = { 5, 2, cols, 1 };
    assert_int_equal(corpus_add(c, &sen, NULL), CRFTAG_OK);
    struct lexicon *lx;
    assert_int_equal(lex_build(c, 0, 0, SEED, &lx, NULL), CRFTAG_OK);
    assert_non_null(lx);
    assert_int_equal(lx->nent, 3);
    const char *toks[] = { "New", "York", "Bob", "Smith", "Bob" };
    unsigned v[] = { lv(0, 6, 0), lv(1, 6, 0), lv(2, 6, 0), lv(2, 6, 0), 0 };
    unsigned p[] = { 1, 1, 2, 4, 0 };
    expect_match(lx, 0, toks, 5, v, p);
    lex_free(lx);
    crftag_corpus_free(c);
}

/* Values (type, ratio and count buckets) and held-out views computed by
 * hand from LEX_CORPUS. */
static void test_lexicon_build_and_match(void **state)
{
    (void)state;
    struct crftag_corpus *c = lex_corpus();
    struct lexicon *lx;
    assert_int_equal(lex_build(c, 2, 0, SEED, &lx, NULL), CRFTAG_OK);
    assert_non_null(lx);
    assert_int_equal(lx->ntypes, 2);
    assert_string_equal(lx->types[0], "BOOK");
    assert_string_equal(lx->types[1], "PER");
    assert_int_equal(lx->nent, 4);       /* Alice in Wonderland, Alice, Bob, Carol */
    assert_int_equal(lx->nviews, 3);
    assert_int_equal(lex_train_view(lx, 0), 1);
    assert_int_equal(lex_train_view(lx, 1), 1);
    assert_int_equal(lex_train_view(lx, 2), 2);
    assert_int_equal(lex_train_view(lx, 3), 2);

    const char *toks[] = { "Alice", "in", "Wonderland", "and", "Bob", "Alice", "in" };
    /* view 0, all data: "Alice in Wonderland" BOOK 1 of 1; "Bob" PER 3 of 3
     * (count bucket 2..4); "Alice" PER 1 of 3 occurrences (ratio 0.33 ->
     * bucket 2); "Alice in" is only a prefix, so "Alice" matches alone */
    unsigned v0[] = { lv(0, 6, 0), lv(0, 6, 0), lv(0, 6, 0), 0, lv(1, 6, 1), lv(1, 2, 0),
                      0 };
    unsigned p0[] = { 2, 3, 4, 0, 1, 1, 0 };
    expect_match(lx, 0, toks, 7, v0, p0);
    /* view 1 (fold 0 held out: s2, s3 only): no BOOK, "Alice" never an
     * entity there; "Bob" 2 of 2 */
    unsigned v1[] = { 0, 0, 0, 0, lv(1, 6, 1), 0, 0 };
    unsigned p1[] = { 0, 0, 0, 0, 1, 0, 0 };
    expect_match(lx, 1, toks, 7, v1, p1);
    /* view 2 (s0, s1): "Alice" 1 of 2 (ratio 0.5 -> bucket 4), "Bob" 1 of 1 */
    unsigned v2[] = { lv(0, 6, 0), lv(0, 6, 0), lv(0, 6, 0), 0, lv(1, 6, 0), lv(1, 4, 0),
                      0 };
    expect_match(lx, 2, toks, 7, v2, p0);
    /* ASCII case does not matter */
    const char *folded[] = { "aLICE", "IN", "wonderland", "and", "BOB", "alice", "in" };
    expect_match(lx, 0, folded, 7, v0, p0);
    const char *carol[] = { "Carol" };
    unsigned vc[] = { lv(1, 6, 0) }, pc[] = { 1 }, none[] = { 0 };
    expect_match(lx, 0, carol, 1, vc, pc);
    expect_match(lx, 1, carol, 1, vc, pc);
    expect_match(lx, 2, carol, 1, none, none);
    lex_free(lx);

    /* without folds: one view, the training sentences see view 0 */
    assert_int_equal(lex_build(c, 0, 0, SEED, &lx, NULL), CRFTAG_OK);
    assert_int_equal(lx->nviews, 1);
    assert_int_equal(lex_train_view(lx, 3), 0);
    expect_match(lx, 0, toks, 7, v0, p0);
    lex_free(lx);
    assert_int_equal(lex_build(c, LEX_MAXFOLDS + 1, 0, SEED, &lx, NULL), CRFTAG_ERR_INVALID);
    crftag_corpus_free(c);
}

/* LEX_FOLD_PLURAL (built-in version 3): "hash tables" labelled once and
 * "hash table" left O once are one entry, labelled 1 time in 2; without the
 * folding they are two texts, the entity 1 of 1.  "class", "DES" (3
 * bytes), "virus", "x86s", "GPUs" are not folded. */
static const char *const PL_CORPUS[][2] = {
    { "hash", "B-DS" }, { "tables", "I-DS" }, { "and", "O" }, { "Kernels", "B-DEV" },
    { NULL, NULL },
    { "a", "O" }, { "hash", "O" }, { "table", "O" }, { "DES", "B-ALG" }, { "class", "B-DS" },
    { "virus", "B-DS" }, { "x86s", "B-DEV" }, { "GPUs", "B-DEV" }, { NULL, NULL },
};

static void test_lexicon_plural(void **state)
{
    (void)state;
    struct crftag_corpus *c;
    assert_int_equal(crftag_corpus_new(&c), CRFTAG_OK);
    const char *cols[16];
    size_t n = 0;
    for (size_t k = 0; k < N(PL_CORPUS); k++) {
        if (PL_CORPUS[k][0]) {
            cols[2 * n] = PL_CORPUS[k][0];
            cols[2 * n + 1] = PL_CORPUS[k][1];
            n++;
            continue;
        }
        struct sentence sen = { n, 2, cols, 1 };
        assert_int_equal(corpus_add(c, &sen, NULL), CRFTAG_OK);
        n = 0;
    }
    struct lexicon *plain, *fold;
    assert_int_equal(lex_build(c, 0, 0, SEED, &plain, NULL), CRFTAG_OK);
    assert_int_equal(lex_build(c, 0, LEX_FOLD_PLURAL, SEED, &fold, NULL), CRFTAG_OK);
    assert_int_equal(plain->fold, 0);
    assert_int_equal(fold->fold, LEX_FOLD_PLURAL);
    assert_int_equal(plain->nent, 7);
    assert_int_equal(fold->nent, 7);
    /* types: DS 0, DEV 1, ALG 2 */
    const char *t1[] = { "Hash", "Tables", "hash", "table", "kernel", "KERNELs" };
    unsigned pp[] = { 2, 4, 2, 4, 1, 1 };
    unsigned vf[] = { lv(0, 4, 0), lv(0, 4, 0), lv(0, 4, 0), lv(0, 4, 0), lv(1, 6, 0),
                      lv(1, 6, 0) };
    expect_match(fold, 0, t1, 6, vf, pp);
    unsigned vp[] = { lv(0, 6, 0), lv(0, 6, 0), 0, 0, 0, lv(1, 6, 0) };
    unsigned ppl[] = { 2, 4, 0, 0, 0, 1 };
    expect_match(plain, 0, t1, 6, vp, ppl);
    /* not folded: too short, or s after s, u or a non-letter */
    const char *t2[] = { "DE", "DES", "clas", "class", "viru", "virus", "x86", "x86s", "GPU",
                         "GPUs" };
    unsigned v2[] = { 0, lv(2, 6, 0), 0, lv(0, 6, 0), 0, lv(0, 6, 0), 0, lv(1, 6, 0), 0,
                      lv(1, 6, 0) };
    unsigned p2[] = { 0, 1, 0, 1, 0, 1, 0, 1, 0, 1 };
    expect_match(fold, 0, t2, 10, v2, p2);
    expect_match(plain, 0, t2, 10, v2, p2);
    lex_free(plain);
    lex_free(fold);
    crftag_corpus_free(c);
}

/* With version 3, the lexicon adds exactly 3 attributes to a matched token
 * (position and type and ratio bucket; position, ratio and count buckets;
 * type) and changes no other attribute (version 4: test_builtin_v4). */
static void test_lexicon_features(void **state)
{
    (void)state;
    struct crftag_corpus *c = lex_corpus();
    struct feat_config plain, fc;
    assert_int_equal(feat_config_builtin_version(&plain, SEED, 3), CRFTAG_OK);
    assert_int_equal(feat_config_builtin_version(&fc, SEED, 3), CRFTAG_OK);
    assert_int_equal(lex_build(c, 2, 0, SEED, &fc.lex, NULL), CRFTAG_OK);
    const char *toks[] = { "Carol", "saw", "Bob", "and", "Alice", "in", "Wonderland" };
    struct aset a, b, x, y;
    for (size_t i = 0; i < N(toks); i++) {
        attrs_of(&plain, toks, N(toks), i, &a);
        attrs_of(&fc, toks, N(toks), i, &b);
        int matched = i == 0 || i == 2 || i >= 4;
        assert_int_equal(b.n, a.n + (matched ? 3 : 0));
        assert_int_equal(aset_common(&a, &b), a.n);
    }
    /* "Carol" and "Bob": single PER tokens, ratio 1; count buckets differ
     * (1 vs 3): they share 2 of their 3 lexicon attributes */
    attrs_of(&plain, toks, N(toks), 0, &a);
    attrs_of(&fc, toks, N(toks), 0, &b);
    attrs_of(&plain, toks, N(toks), 2, &x);
    attrs_of(&fc, toks, N(toks), 2, &y);
    assert_int_equal(aset_common(&b, &y) - aset_common(&a, &x), 2);
    /* view 1 does not know "Alice in Wonderland": no lexicon attribute there */
    struct feat_buf fb;
    memset(&fb, 0, sizeof fb);
    assert_int_equal(feat_extract_view(&fc, toks, N(toks), 1, 1, &fb), CRFTAG_OK);
    size_t n5 = fb.start[6] - fb.start[5];
    assert_int_equal(feat_extract_view(&plain, toks, N(toks), 1, 1, &fb), CRFTAG_OK);
    assert_int_equal(fb.start[6] - fb.start[5], n5);
    feat_buf_free(&fb);
    feat_config_free(&plain);
    feat_config_free(&fc);
    crftag_corpus_free(c);
}

/* kind state of version v with hash version hv */
static uint64_t kind_h0(uint32_t hv, uint64_t v, uint64_t kind)
{
    return kid_state(hv, ((uint64_t)1 << 32) | (v << 16) | kind);
}

/* Version 4 = version 3 + the lower-cased words at -2 and +2 and the lexicon
 * match (position, type) of w(-1) and w(+1); each pinned by its documented
 * hash, counted, and absent from version 3, whose attributes stay those of
 * test_builtin_counts. */
static void check_builtin_v4(uint32_t hv)
{
    struct feat_config v3, v4;
    assert_int_equal(feat_config_builtin_hv(&v3, SEED, 3, hv), CRFTAG_OK);
    assert_int_equal(feat_config_builtin_hv(&v4, SEED, FEAT_BUILTIN_VERSION, hv), CRFTAG_OK);
    assert_int_equal(v4.builtin_version, 4);
    const char *s[] = { "QEMU", "uses", "hash", "tables", "." };
    /* no lexicon, no clusters: 2 more a token, lw(-2) and lw(+2) */
    for (size_t i = 0; i < N(s); i++)
        assert_int_equal(count_of(&v4, s, N(s), i), count_of(&v3, s, N(s), i) + 2);
    assert_int_equal(count_of(&v3, s, N(s), 0), 23 + 8 + 4);   /* test_builtin_counts */
    struct aset a, b;
    attrs_of(&v4, s, N(s), 1, &a);
    attrs_of(&v3, s, N(s), 1, &b);
    /* lw(+2) of "uses" is "tables"; lw(-2) the sentinel {0, 'B', 1} */
    static const char bos1[3] = { 0, 'B', 1 };
    uint64_t lwp2 = str_attr(hv, kind_h0(hv, 4, 10), "tables", 6);
    uint64_t lwm2 = str_attr(hv, kind_h0(hv, 4, 6), bos1, 3);
    assert_true(aset_has(&a, lwp2));
    assert_true(aset_has(&a, lwm2));
    /* version 3 has no such kind: the same bytes under its own id are not there */
    assert_false(aset_has(&b, str_attr(hv, kind_h0(hv, 3, 10), "tables", 6)));
    /* lower-cased: "TABLES" at +2 gives the same attribute */
    const char *t[] = { "QEMU", "uses", "hash", "TABLES", "." };
    attrs_of(&v4, t, N(t), 1, &a);
    assert_true(aset_has(&a, lwp2));

    /* lexicon neighbours: "Carol saw Bob and Alice in Wonderland" matches
     * Carol (single PER), Bob (single PER), Alice in Wonderland (BOOK) */
    struct crftag_corpus *c = lex_corpus();
    assert_int_equal(lex_build(c, 2, 0, SEED, &v3.lex, NULL), CRFTAG_OK);
    assert_int_equal(lex_build(c, 2, 0, SEED, &v4.lex, NULL), CRFTAG_OK);
    const char *toks[] = { "Carol", "saw", "Bob", "and", "Alice", "in", "Wonderland" };
    /* matched neighbours of each token: 0, 2, 2, 2, 1, 2, 1 */
    static const size_t nb[] = { 0, 2, 0, 2, 1, 2, 1 };
    for (size_t i = 0; i < N(toks); i++)
        assert_int_equal(count_of(&v4, toks, N(toks), i),
                         count_of(&v3, toks, N(toks), i) + 2 + nb[i]);
    /* "saw": w(-1) is a single PER (position 1), w(+1) too */
    attrs_of(&v4, toks, N(toks), 1, &a);
    int per = -1;
    for (size_t k = 0; k < v4.lex->ntypes; k++)
        if (strcmp(v4.lex->types[k], "PER") == 0)
            per = (int)k;
    assert_true(per >= 0);
    uint64_t m1 = int_str_attr(hv, kind_h0(hv, 4, 64), 1, "PER", 3);
    uint64_t p1 = int_str_attr(hv, kind_h0(hv, 4, 65), 1, "PER", 3);
    assert_true(aset_has(&a, m1));
    assert_true(aset_has(&a, p1));
    /* "and": w(+1) is the first token of a BOOK match (position 2) */
    attrs_of(&v4, toks, N(toks), 3, &a);
    assert_true(aset_has(&a, m1));
    assert_true(aset_has(&a, int_str_attr(hv, kind_h0(hv, 4, 65), 2, "BOOK", 4)));
    crftag_corpus_free(c);

    /* version 4 reads the word clusters as version 3 did (tests/test_clusters.c) */
    feat_config_free(&v3);
    feat_config_free(&v4);
}

static void test_builtin_v4(void **state)
{
    (void)state;
    check_builtin_v4(1);
    check_builtin_v4(2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_builtin_deterministic_and_seeded),
        cmocka_unit_test(test_builtin_versions),
        cmocka_unit_test(test_builtin_v4),
        cmocka_unit_test(test_builtin_window),
        cmocka_unit_test(test_builtin_specific),
        cmocka_unit_test(test_builtin_counts),
        cmocka_unit_test(test_builtin_extra_columns_and_edges),
        cmocka_unit_test(test_builtin_wikiser),
        cmocka_unit_test(test_template_classic),
        cmocka_unit_test(test_template_parse),
        cmocka_unit_test(test_template_hash_spec),
        cmocka_unit_test(test_template_hash_spec_v2),
        cmocka_unit_test(test_template_out_of_range),
        cmocka_unit_test(test_template_dedup),
        cmocka_unit_test(test_lexicon_build_and_match),
        cmocka_unit_test(test_lexicon_chunks_are_conlleval),
        cmocka_unit_test(test_lexicon_plural),
        cmocka_unit_test(test_lexicon_features),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
