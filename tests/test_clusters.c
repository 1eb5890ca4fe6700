/*
 * test_clusters.c - word clusters: learning on a fixed text, the cluster
 * file reader and writer, cluster features, clusters in trained models.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clusters.h"
#include "corpus.h"
#include "crftag.h"
#include "featset.h"
#include "hash.h"
#include "model.h"

/* ------------------------------------------------------------------------ */
/* Helpers                                                                  */
/* ------------------------------------------------------------------------ */

#include "tmpfiles.h"
#include "testutil.h"

/* A text where two groups of words occur in identical contexts: animals
 * ("the cat eats grass .", "a dog sleeps .") and tools ("use the hammer to
 * fix it ."), each sentence in every variant, plus filler sentences. */
static const char *const ANIMALS[] = { "cat", "dog", "cow", "pig", "goat" };
static const char *const TOOLS[] = { "hammer", "saw", "drill", "wrench", "file" };

static void add_fixed_text(struct crftag_clusterer *cl, int rounds)
{
    for (int r = 0; r < rounds; r++) {
        for (size_t k = 0; k < 5; k++) {
            const char *s1[] = { "the", ANIMALS[k], "eats", "grass", "." };
            const char *s2[] = { "a", ANIMALS[k], "sleeps", "." };
            const char *s3[] = { "use", "the", TOOLS[k], "to", "fix", "it", "." };
            const char *s4[] = { "a", TOOLS[k], "is", "sharp", "." };
            assert_int_equal(crftag_clusterer_add_sentence(cl, s1, 5), CRFTAG_OK);
            assert_int_equal(crftag_clusterer_add_sentence(cl, s2, 4), CRFTAG_OK);
            assert_int_equal(crftag_clusterer_add_sentence(cl, s3, 7), CRFTAG_OK);
            assert_int_equal(crftag_clusterer_add_sentence(cl, s4, 5), CRFTAG_OK);
        }
        assert_int_equal(crftag_clusterer_add_text(cl, "The weather is nice today. "
                                                       "It rains in April.\n\nSo it goes.",
                                                   strlen("The weather is nice today. "
                                                          "It rains in April.\n\nSo it goes.")),
                         CRFTAG_OK);
    }
}

static struct crftag_clusters *learn_fixed(int nclusters)
{
    struct crftag_clusterer *cl;
    assert_int_equal(crftag_clusterer_new(&cl), CRFTAG_OK);
    add_fixed_text(cl, 3);
    struct crftag_cluster_params p;
    crftag_cluster_params_init(&p);
    p.num_clusters = nclusters;
    p.min_count = 2;
    struct crftag_clusters *k = NULL;
    struct crftag_error err;
    assert_int_equal(crftag_clusterer_learn(cl, &p, &k, &err), CRFTAG_OK);
    crftag_clusterer_free(cl);
    return k;
}

/* ------------------------------------------------------------------------ */
/* Learning                                                                 */
/* ------------------------------------------------------------------------ */

static void test_learn_groups(void **state)
{
    (void)state;
    struct crftag_clusterer *cl;
    assert_int_equal(crftag_clusterer_new(&cl), CRFTAG_OK);
    add_fixed_text(cl, 3);
    size_t ns, nt, nw;
    crftag_clusterer_size(cl, &ns, &nt, &nw);
    /* 20 + 3 (the raw text: 3 sentences, the blank line ends one) per round */
    assert_int_equal(ns, 3 * (20 + 3));
    assert_int_equal(nt, 3 * (5 * (5 + 4 + 7 + 5) + 6 + 5 + 4));
    crftag_clusterer_free(cl);

    struct crftag_clusters *k = learn_fixed(8);
    const char *a = crftag_clusters_get(k, "cat"), *t = crftag_clusters_get(k, "hammer");
    assert_non_null(a);
    assert_non_null(t);
    for (size_t i = 0; i < 5; i++) {
        assert_string_equal(crftag_clusters_get(k, ANIMALS[i]), a);
        assert_string_equal(crftag_clusters_get(k, TOOLS[i]), t);
    }
    assert_string_not_equal(a, t);
    /* the lookup falls back to ASCII lower case */
    assert_string_equal(crftag_clusters_get(k, "CAT"), a);
    assert_null(crftag_clusters_get(k, "unicorn"));
    /* min_count 2: every word of the text is seen 3 times or more */
    size_t words, clusters;
    crftag_clusters_size(k, &words, &clusters);
    assert_true(clusters >= 2 && clusters <= 8);
    /* the paths are the leaves of a binary tree: bit strings, none a prefix
     * of another */
    for (size_t i = 0; i < k->npaths; i++) {
        const char *p = cl_path(k, i);
        assert_true(strlen(p) >= 1 && strspn(p, "01") == strlen(p));
        for (size_t j = 0; j < k->npaths; j++)
            if (i != j)
                assert_false(strncmp(p, cl_path(k, j), strlen(p)) == 0);
    }
    assert_int_equal(k->flat, 0);
    crftag_clusters_free(k);
}

static void test_learn_deterministic(void **state)
{
    (void)state;
    struct crftag_clusters *a = learn_fixed(6), *b = learn_fixed(6);
    assert_int_equal(a->nwords, b->nwords);
    for (size_t w = 0; w < a->nwords; w++) {
        assert_string_equal(cl_word(a, w), cl_word(b, w));
        assert_string_equal(cl_path(a, a->word_path[w]), cl_path(b, b->word_path[w]));
        assert_true(a->word_count[w] == b->word_count[w]);
    }
    /* the table lists words by path, then by decreasing count */
    for (size_t w = 1; w < a->nwords; w++) {
        int c = strcmp(cl_path(a, a->word_path[w - 1]), cl_path(a, a->word_path[w]));
        assert_true(c < 0 || (c == 0 && a->word_count[w - 1] >= a->word_count[w]));
    }
    crftag_clusters_free(a);
    crftag_clusters_free(b);
}

static void test_learn_errors(void **state)
{
    (void)state;
    struct crftag_clusterer *cl;
    assert_int_equal(crftag_clusterer_new(&cl), CRFTAG_OK);
    struct crftag_cluster_params p;
    crftag_cluster_params_init(&p);
    struct crftag_clusters *k = (struct crftag_clusters *)1;
    struct crftag_error err;
    assert_int_equal(crftag_clusterer_learn(cl, &p, &k, &err), CRFTAG_ERR_INVALID);
    assert_null(k);
    assert_non_null(strstr(err.msg, "no text"));
    const char *s[] = { "one", "two" };
    assert_int_equal(crftag_clusterer_add_sentence(cl, s, 2), CRFTAG_OK);
    assert_int_equal(crftag_clusterer_learn(cl, &p, &k, &err), CRFTAG_ERR_INVALID);
    assert_non_null(strstr(err.msg, "no word occurs 3 times"));
    p.num_clusters = 1;
    assert_int_equal(crftag_clusterer_learn(cl, &p, &k, &err), CRFTAG_ERR_INVALID);
    p.num_clusters = 2;
    p.min_count = 1;
    p.max_iter = 0;                  /* no pass: the initial classes, a tree */
    assert_int_equal(crftag_clusterer_learn(cl, &p, &k, &err), CRFTAG_OK);
    assert_int_equal(k->nwords, 2);
    crftag_clusters_free(k);
    const char *bad[] = { "x", NULL };
    assert_int_equal(crftag_clusterer_add_sentence(cl, bad, 2), CRFTAG_ERR_INVALID);
    crftag_clusterer_free(cl);
}

/* Raw text and annotated files: the tokens `crftag tag` sees, the token
 * column of WikiSER and CoNLL files. */
static void test_add_files(void **state)
{
    (void)state;
    struct crftag_clusterer *cl;
    struct crftag_error err;
    assert_int_equal(crftag_clusterer_new(&cl), CRFTAG_OK);
    const char *raw = write_tmp("raw.txt", "QEMU uses SPICE (a protocol).\nIt runs on\n"
                                           "Linux.\n\n\nNode.js is fast.\n");
    assert_int_equal(crftag_clusterer_add_file(cl, raw, 0, &err), CRFTAG_OK);
    size_t ns, nt, nw;
    crftag_clusterer_size(cl, &ns, &nt, &nw);
    /* QEMU uses SPICE ( a protocol ) . | It runs on Linux . | Node.js is fast . */
    assert_int_equal(ns, 3);
    assert_int_equal(nt, 8 + 5 + 4);
    const char *wk = write_tmp("wk.txt", "<s>\nQEMU\tB-Application\nruns\tO\n</s>\n"
                                         "<s>\nMac OS X\tB-Operating_System\n</s>\n");
    assert_int_equal(crftag_clusterer_add_file(cl, wk, 0, &err), CRFTAG_OK);
    crftag_clusterer_size(cl, &ns, &nt, &nw);
    assert_int_equal(ns, 5);
    assert_int_equal(nt, 17 + 3);
    const char *conll = write_tmp("c.txt", "QEMU NNP B-NP\nruns VBZ B-VP\n\nLinux NNP B-NP\n");
    assert_int_equal(crftag_clusterer_add_file(cl, conll, 1, &err), CRFTAG_OK);
    crftag_clusterer_size(cl, &ns, &nt, &nw);
    assert_int_equal(ns, 7);
    assert_int_equal(nt, 23);
    /* QEMU 3 times, runs 3 times, Linux twice, "Mac OS X" is one word */
    struct crftag_cluster_params p;
    crftag_cluster_params_init(&p);
    p.min_count = 1;
    struct crftag_clusters *k;
    assert_int_equal(crftag_clusterer_learn(cl, &p, &k, &err), CRFTAG_OK);
    assert_non_null(crftag_clusters_get(k, "Mac OS X"));
    assert_non_null(crftag_clusters_get(k, "Node.js"));
    assert_null(crftag_clusters_get(k, "Node"));
    for (size_t w = 0; w < k->nwords; w++)
        if (strcmp(cl_word(k, w), "QEMU") == 0)
            assert_int_equal(k->word_count[w], 3);
    crftag_clusters_free(k);
    /* a bad annotated file: its file and line */
    const char *bad = write_tmp("bad.txt", "<s>\nQEMU\tB-Application\n<s>\n");
    assert_int_not_equal(crftag_clusterer_add_file(cl, bad, 0, &err), CRFTAG_OK);
    assert_string_equal(err.file, bad);
    assert_int_equal(err.line, 3);
    assert_int_equal(crftag_clusterer_add_file(cl, "/nonexistent/x.txt", 0, &err),
                     CRFTAG_ERR_IO);
    crftag_clusterer_free(cl);
}

/* ------------------------------------------------------------------------ */
/* Cluster files                                                            */
/* ------------------------------------------------------------------------ */

static void test_file_roundtrip(void **state)
{
    (void)state;
    struct crftag_clusters *k = learn_fixed(8), *back;
    char path[160];
    snprintf(path, sizeof path, "%s/clusters.txt", tmpdir);
    struct crftag_error err;
    assert_int_equal(crftag_clusters_write(k, path, &err), CRFTAG_OK);
    assert_int_equal(crftag_clusters_read(path, &back, &err), CRFTAG_OK);
    assert_int_equal(back->nwords, k->nwords);
    for (size_t w = 0; w < k->nwords; w++) {
        assert_string_equal(cl_word(back, w), cl_word(k, w));
        assert_string_equal(cl_path(back, back->word_path[w]), cl_path(k, k->word_path[w]));
        assert_true(back->word_count[w] == k->word_count[w]);
    }
    /* the lines are word, path, count */
    FILE *f = fopen(path, "r");
    char line[256];
    assert_non_null(fgets(line, sizeof line, f));
    fclose(f);
    char want[256];
    snprintf(want, sizeof want, "%s\t%s\t%llu\n", cl_word(k, 0), cl_path(k, k->word_path[0]),
             (unsigned long long)k->word_count[0]);
    assert_string_equal(line, want);
    crftag_clusters_free(back);
    crftag_clusters_free(k);
}

static void test_file_formats(void **state)
{
    (void)state;
    struct crftag_clusters *k;
    struct crftag_error err;
    /* word first, counts optional, blank lines skipped */
    const char *a = write_tmp("a.txt", "Linux\t0110\t12\nBSD\t0110\n\nruns\t10\t7\n");
    assert_int_equal(crftag_clusters_read(a, &k, &err), CRFTAG_OK);
    assert_int_equal(k->nwords, 3);
    assert_int_equal(k->npaths, 2);
    assert_string_equal(crftag_clusters_get(k, "BSD"), "0110");
    assert_int_equal(k->flat, 0);
    crftag_clusters_free(k);
    /* Liang's wcluster order: path, word, count */
    const char *b = write_tmp("b.txt", "0110\tLinux\t12\n0110\tBSD\t3\n10\truns\t7\n");
    assert_int_equal(crftag_clusters_read(b, &k, &err), CRFTAG_OK);
    assert_string_equal(crftag_clusters_get(k, "runs"), "10");
    assert_string_equal(crftag_clusters_get(k, "RUNS"), "10");      /* lower-cased */
    assert_null(crftag_clusters_get(k, "linux"));       /* only the query is folded */
    crftag_clusters_free(k);
    /* flat cluster ids */
    const char *c = write_tmp("c.txt", "Linux\t17\nruns\t3\n0101\t3\n");
    assert_int_equal(crftag_clusters_read(c, &k, &err), CRFTAG_OK);
    assert_int_equal(k->flat, 1);
    assert_string_equal(crftag_clusters_get(k, "0101"), "3");
    crftag_clusters_free(k);
}

static void expect_bad(const char *name, const char *text, long line, const char *msg)
{
    const char *p = write_tmp(name, text);
    struct crftag_clusters *k = (struct crftag_clusters *)1;
    struct crftag_error err;
    assert_int_equal(crftag_clusters_read(p, &k, &err), CRFTAG_ERR_PARSE);
    assert_null(k);
    assert_string_equal(err.file, p);
    assert_int_equal(err.line, line);
    if (!strstr(err.msg, msg))
        fail_msg("message \"%s\" lacks \"%s\"", err.msg, msg);
}

static void test_file_errors(void **state)
{
    (void)state;
    expect_bad("e1.txt", "Linux\t0110\nruns 10\n", 2, "no TAB");
    expect_bad("e2.txt", "Linux\t0110\n\nruns\t10\nBSD\t01x1\n", 4, "'01x1' of 'BSD'");
    expect_bad("e3.txt", "Linux\t0110\nruns\t10\nLinux\t10\n", 3, "'Linux' is listed twice");
    expect_bad("e4.txt", "Linux\t0110\tmany\n", 1, "count 'many'");
    expect_bad("e5.txt", "Linux\t0110\t1\tx\n", 1, "more than 3");
    expect_bad("e6.txt", "\t0110\t1\n", 1, "empty word");
    expect_bad("e7.txt", "Linux\t0101010101010101010101010101010101010101010101010101010101010101"
                         "0\n", 1, "65 digits");
    expect_bad("e8.txt", "\n\n", 0, "no word");
    /* Liang's order holds for the whole file */
    expect_bad("e9.txt", "0110\tLinux\t12\nruns\t10\t7\n", 2, "PATH<TAB>WORD");
    struct crftag_clusters *k;
    struct crftag_error err;
    assert_int_equal(crftag_clusters_read("/nonexistent/c.txt", &k, &err), CRFTAG_ERR_IO);
}

/* ------------------------------------------------------------------------ */
/* Features                                                                 */
/* ------------------------------------------------------------------------ */

static struct crftag_clusters *small_table(void)
{
    struct crftag_clusters *c = cl_new();
    assert_non_null(c);
    static const char *const t[][2] = {
        { "Linux", "0110" }, { "BSD", "0110" }, { "Solaris", "0111" }, { "runs", "10" },
        { "on", "111000111010" }, { "in", "111000111011" },
    };
    for (size_t k = 0; k < sizeof t / sizeof t[0]; k++)
        assert_int_equal(cl_add(c, t[k][0], strlen(t[k][0]), t[k][1], strlen(t[k][1]), 1),
                         CRFTAG_OK);
    return c;
}

/* Attributes of tokens tok[0..n) with and without the small table. */
/* The built-in attributes of version `version` (with clusters when `with`). */
static void extract_v(const char *const *tok, size_t n, int with, uint32_t version,
                      struct feat_buf *b)
{
    struct feat_config fc;
    assert_int_equal(feat_config_builtin_version(&fc, HASH_DEFAULT_SEED, version), CRFTAG_OK);
    if (with)
        assert_int_equal(feat_config_set_clusters(&fc, small_table()), CRFTAG_OK);
    assert_int_equal(feat_extract(&fc, tok, n, 1, b), CRFTAG_OK);
    feat_config_free(&fc);
}

/* The same with built-in version 3 (clusters of w(-1), w(0), w(+1)). */
static void extract(const char *const *tok, size_t n, int with, struct feat_buf *b)
{
    extract_v(tok, n, with, 3, b);
}

/* The cluster attributes of token i: those after the ones without clusters. */
static size_t tail(const struct feat_buf *with, const struct feat_buf *without, size_t i,
                   const uint64_t **out)
{
    size_t nw = with->start[i + 1] - with->start[i];
    size_t nwo = without->start[i + 1] - without->start[i];
    assert_true(nw >= nwo);
    /* clusters only add attributes: the others are unchanged */
    assert_memory_equal(with->ids + with->start[i], without->ids + without->start[i],
                        nwo * sizeof(uint64_t));
    *out = with->ids + with->start[i] + nwo;
    return nw - nwo;
}

static void test_cluster_features(void **state)
{
    (void)state;
    const char *s1[] = { "Linux", "runs", "on", "ARM" };
    const char *s2[] = { "BSD", "runs", "in", "ARM" };
    const char *s3[] = { "LINUX", "runs", "on", "x86" };
    struct feat_buf a, a0, b, b0, c, c0;
    memset(&a, 0, sizeof a);
    memset(&a0, 0, sizeof a0);
    memset(&b, 0, sizeof b);
    memset(&b0, 0, sizeof b0);
    memset(&c, 0, sizeof c);
    memset(&c0, 0, sizeof c0);
    extract(s1, 4, 1, &a);
    extract(s1, 4, 0, &a0);
    extract(s2, 4, 1, &b);
    extract(s2, 4, 0, &b0);
    extract(s3, 4, 1, &c);
    extract(s3, 4, 0, &c0);
    const uint64_t *ta[4], *tb[4], *tc[4];
    size_t na[4], nb[4], nc[4];
    for (size_t i = 0; i < 4; i++) {
        na[i] = tail(&a, &a0, i, &ta[i]);
        nb[i] = tail(&b, &b0, i, &tb[i]);
        nc[i] = tail(&c, &c0, i, &tc[i]);
    }
    /* counts: Linux "0110" (the path: 1) at 0, runs "10" (1) at +1 -> 2;
     * runs: Linux 1, runs 1, on "111000111010" (prefixes 4, 6, 10 + the
     * path: 4) -> 6; on: 1 + 4 + ARM (unknown: 1) -> 6; ARM: on 4 + 1 -> 5 */
    assert_int_equal(na[0], 2);
    assert_int_equal(na[1], 6);
    assert_int_equal(na[2], 6);
    assert_int_equal(na[3], 5);
    /* Linux and BSD share a cluster: the same attributes for themselves */
    assert_int_equal(nb[0], na[0]);
    assert_memory_equal(ta[0], tb[0], na[0] * sizeof(uint64_t));
    /* "on" and "in" share the prefixes 1110, 111000, 1110001110, not the path */
    assert_int_equal(nb[2], na[2]);
    const uint64_t *on = ta[2] + 1, *in = tb[2] + 1;   /* after w(-1), before w(+1) */
    assert_memory_equal(on, in, 3 * sizeof(uint64_t));
    assert_true(on[3] != in[3]);
    /* the word at 0 and the same word as a neighbour give different attributes */
    assert_true(ta[0][0] != ta[1][0]);
    /* "LINUX" is looked up as "linux"? no: as it is, then lower-cased, and
     * "linux" is not in the table ("Linux" is): unknown */
    assert_int_equal(nc[0], 2);
    assert_true(tc[0][0] != ta[0][0]);
    /* ARM and x86 are both unknown: the same attribute */
    assert_true(ta[3][4] == tc[3][4]);
    /* version 4 reads the same clusters */
    feat_buf_free(&a);
    feat_buf_free(&a0);
    extract_v(s1, 4, 1, 4, &a);
    extract_v(s1, 4, 0, 4, &a0);
    for (size_t i = 0; i < 4; i++)
        assert_int_equal(tail(&a, &a0, i, &ta[i]), na[i]);
    feat_buf_free(&a);
    feat_buf_free(&a0);
    feat_buf_free(&b);
    feat_buf_free(&b0);
    feat_buf_free(&c);
    feat_buf_free(&c0);
}

/* ------------------------------------------------------------------------ */
/* Training with clusters                                                   */
/* ------------------------------------------------------------------------ */

static void test_train_with_clusters(void **state)
{
    (void)state;
    const char *corpus = "tests/data/corpus_wikiser_30.txt";
    struct crftag_corpus *c = load_corpus(corpus);
    struct crftag_error err;
    /* clusters learned from the corpus' own tokens */
    struct crftag_clusterer *cl;
    assert_int_equal(crftag_clusterer_new(&cl), CRFTAG_OK);
    assert_int_equal(crftag_clusterer_add_file(cl, corpus, 0, &err), CRFTAG_OK);
    struct crftag_cluster_params cp;
    crftag_cluster_params_init(&cp);
    cp.num_clusters = 16;
    cp.min_count = 1;
    struct crftag_clusters *k;
    assert_int_equal(crftag_clusterer_learn(cl, &cp, &k, &err), CRFTAG_OK);
    char cpath[160], mpath[160];
    snprintf(cpath, sizeof cpath, "%s/c16.txt", tmpdir);
    snprintf(mpath, sizeof mpath, "%s/m.crftag", tmpdir);
    assert_int_equal(crftag_clusters_write(k, cpath, &err), CRFTAG_OK);

    struct crftag_train_params p;
    crftag_train_params_init(&p);
    assert_null(p.clusters);
    p.clusters = cpath;
    p.max_iter = 30;
    p.threads = 1;
    struct crftag_model *m;
    assert_int_equal(crftag_train(c, &p, &m, &err), CRFTAG_OK);
    struct crftag_model_info info;
    crftag_model_get_info(m, &info);
    size_t words, nclusters;
    crftag_clusters_size(k, &words, &nclusters);
    assert_int_equal(info.num_cluster_words, words);
    assert_int_equal(info.num_clusters, nclusters);
    /* the model holds the table: saved, loaded, the same attributes */
    assert_int_equal(crftag_model_save(m, mpath, &err), CRFTAG_OK);
    unlink(cpath);
    struct crftag_model *back;
    assert_int_equal(crftag_model_load(mpath, &back, &err), CRFTAG_OK);
    const char *toks[] = { "QEMU", "runs", "on", "Linux", "and", "Zyxwv", "." };
    struct feat_buf fa, fb;
    memset(&fa, 0, sizeof fa);
    memset(&fb, 0, sizeof fb);
    assert_int_equal(feat_extract(&m->feat, toks, 7, 1, &fa), CRFTAG_OK);
    assert_int_equal(feat_extract(&back->feat, toks, 7, 1, &fb), CRFTAG_OK);
    assert_int_equal(fa.start[7], fb.start[7]);
    assert_memory_equal(fa.ids, fb.ids, fa.start[7] * sizeof(uint64_t));
    /* and some cluster attribute carries a weight */
    struct feat_buf f0;
    memset(&f0, 0, sizeof f0);
    struct feat_config plain;
    assert_int_equal(feat_config_builtin(&plain, m->feat.seed), CRFTAG_OK);
    size_t weighted = 0;
    for (size_t i = 0; i < c->nsent && i < 30; i++) {
        const char *const *cols = c->cells + c->sent_start[i] * c->ncols;
        size_t n = c->sent_start[i + 1] - c->sent_start[i];
        assert_int_equal(feat_extract(&m->feat, cols, n, c->ncols, &fa), CRFTAG_OK);
        assert_int_equal(feat_extract(&plain, cols, n, c->ncols, &f0), CRFTAG_OK);
        for (size_t t = 0; t < n; t++) {
            size_t extra = (fa.start[t + 1] - fa.start[t]) - (f0.start[t + 1] - f0.start[t]);
            for (size_t j = fa.start[t + 1] - extra; j < fa.start[t + 1]; j++)
                weighted += model_attr_id(m, fa.ids[j]) != HTAB_NONE;
        }
    }
    assert_true(weighted > 0);
    feat_config_free(&plain);
    feat_buf_free(&f0);
    feat_buf_free(&fa);
    feat_buf_free(&fb);
    crftag_model_free(back);
    crftag_model_free(m);

    /* clusters with a template, a missing file, a bad file: refused */
    p.template_text = "U00:%x[0,0]\n";
    assert_int_equal(crftag_train(c, &p, &m, &err), CRFTAG_ERR_INVALID);
    assert_null(m);
    p.template_text = NULL;
    p.clusters = "/nonexistent/clusters.txt";
    assert_int_equal(crftag_train(c, &p, &m, &err), CRFTAG_ERR_IO);
    p.clusters = write_tmp("badc.txt", "Linux\t0110\nruns\n");
    assert_int_equal(crftag_train(c, &p, &m, &err), CRFTAG_ERR_PARSE);
    assert_int_equal(err.line, 2);
    crftag_clusters_free(k);
    crftag_clusterer_free(cl);
    crftag_corpus_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_learn_groups),
        cmocka_unit_test(test_learn_deterministic),
        cmocka_unit_test(test_learn_errors),
        cmocka_unit_test(test_add_files),
        cmocka_unit_test(test_file_roundtrip),
        cmocka_unit_test(test_file_formats),
        cmocka_unit_test(test_file_errors),
        cmocka_unit_test(test_cluster_features),
        cmocka_unit_test(test_train_with_clusters),
    };
    return cmocka_run_group_tests(tests, setup_dir, teardown_dir);
}
