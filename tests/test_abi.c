/*
 * test_abi.c - binary compatibility of the public structs a caller allocates
 * ("Binary compatibility" in crftag.h): a program compiled against an older,
 * shorter struct, running with this library.
 *
 * Oracles: the "old" structs below are the first fields of today's, as an
 * older header declared them.  Each is passed through a buffer filled with
 * guard bytes, with its own (smaller) size: no byte past that size may
 * change, the bytes within it must equal the first bytes of today's struct
 * filled by the same call, and a caller's struct larger than the library's
 * gets zeros past the library's size.  Params: a short struct followed by
 * guard bytes (which, read as the later pointer fields, would crash) trains
 * and learns exactly as today's struct with the missing fields at their
 * defaults.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "crftag.h"
#include "testutil.h"

#define SLICE "tests/data/corpus_wikiser_30.txt"
#define MODEL "tests/data/model_builtin_v2.crftag"

#define GUARD 0xA5
#define EXTRA 24            /* bytes of a caller's struct newer than ours */

/* A caller's struct and the guard bytes after it. */
union guarded {
    max_align_t align;
    unsigned char b[1024];
};

static void guard_fill(union guarded *g)
{
    memset(g->b, GUARD, sizeof g->b);
}

/* bytes [from, end of buffer) still hold the guard */
static void assert_untouched(const union guarded *g, size_t from)
{
    for (size_t i = from; i < sizeof g->b; i++)
        if (g->b[i] != GUARD)
            fail_msg("byte %zu past the caller's %zu-byte struct was written", i, from);
}

/* bytes [from, to) are zero */
static void assert_zero(const union guarded *g, size_t from, size_t to)
{
    for (size_t i = from; i < to; i++)
        if (g->b[i] != 0)
            fail_msg("byte %zu of the caller's struct (past ours) is not 0", i);
}

/* A caller's struct of size n filled by a call that wrote whole into a
 * struct of the library's size lib: its first min(n, lib) bytes are whole's,
 * the rest up to n zero, nothing after n written. */
static void assert_filled(const union guarded *g, size_t n, const void *whole, size_t lib)
{
    assert_memory_equal(g->b, whole, n < lib ? n : lib);
    if (n > lib)
        assert_zero(g, lib, n);
    assert_untouched(g, n);
}

/* ------------------------------------------------------------------------ */
/* Outputs: crftag_model_info, crftag_eval_counts                           */
/* ------------------------------------------------------------------------ */

/* crftag_model_info as crftag 0.1.0 declared it (before plain_tags). */
struct model_info_010 {
    uint32_t format_version;
    size_t num_labels;
    size_t num_columns;
    const char *features;
    uint32_t builtin_version;
    const char *template_text;
    uint64_t hash_seed;
    size_t num_attributes;
    size_t num_features;
    size_t num_nonzero;
    int bio_constrained;
    double c1, c2;
    uint32_t iterations;
    uint32_t min_freq;
    double train_seconds;
    double final_objective;
    size_t train_sentences;
    size_t train_tokens;
    const char *stop_reason;
    size_t num_cluster_words;
    size_t num_clusters;
    size_t num_user_lexicon_entries;
    size_t num_user_lexicon_types;
};

/* An older header still: only the first four fields. */
struct model_info_4 {
    uint32_t format_version;
    size_t num_labels;
    size_t num_columns;
    const char *features;
};

_Static_assert(sizeof(struct model_info_010) < sizeof(struct crftag_model_info),
               "crftag_model_info grew after 0.1.0");

/* crftag_progress before the held-out scores of bias auto. */
struct progress_phase {
    int iteration;
    double objective, gnorm, xnorm;
    size_t active;
    double dev_f1, seconds;
    int dev_plain_tags;
    int phase;
};

/* crftag_progress grows at the end, past the older sizeof (not in its tail
 * padding): a callback compiled against the older struct reads its fields
 * where they were; crftag_bias_candidate, an element of arrays, keeps the
 * layout of its first release. */
_Static_assert(offsetof(struct crftag_progress, phase) == offsetof(struct progress_phase, phase),
               "crftag_progress: the older fields stay where they were");
_Static_assert(offsetof(struct crftag_progress, bias_candidates) >= sizeof(struct progress_phase),
               "crftag_progress: new fields past the older sizeof");
_Static_assert(offsetof(struct crftag_progress, num_bias_candidates) >
               offsetof(struct crftag_progress, bias_candidates),
               "crftag_progress: new fields at the end");
_Static_assert(offsetof(struct crftag_bias_candidate, bias) == 0 &&
               offsetof(struct crftag_bias_candidate, precision) == 8 &&
               offsetof(struct crftag_bias_candidate, recall) == 16 &&
               offsetof(struct crftag_bias_candidate, f1) == 24 &&
               offsetof(struct crftag_bias_candidate, correct_chunks) == 32 &&
               offsetof(struct crftag_bias_candidate, pred_chunks) == 40 &&
               offsetof(struct crftag_bias_candidate, gold_chunks) == 48 &&
               offsetof(struct crftag_bias_candidate, chosen) == 56,
               "crftag_bias_candidate keeps its layout");

static void test_model_info_short(void **state)
{
    (void)state;
    struct crftag_model *m;
    struct crftag_error err;
    assert_int_equal(crftag_model_load(MODEL, &m, &err), CRFTAG_OK);
    struct crftag_model_info whole;
    crftag_model_get_info(m, &whole);
    const size_t lib = sizeof whole;
    const size_t sizes[] = { 0, sizeof(struct model_info_4), offsetof(struct crftag_model_info, c1),
                             sizeof(struct model_info_010), lib, lib + EXTRA };
    union guarded g;
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
        guard_fill(&g);
        crftag_model_get_info_sz(m, (struct crftag_model_info *)g.b, sizes[k]);
        assert_filled(&g, sizes[k], &whole, lib);
    }

    /* the fields an 0.1.0 program has are filled */
    guard_fill(&g);
    crftag_model_get_info_sz(m, (struct crftag_model_info *)g.b, sizeof(struct model_info_010));
    struct model_info_010 old;
    memcpy(&old, g.b, sizeof old);
    assert_true(old.format_version >= 2);
    assert_int_equal(old.format_version, whole.format_version);
    assert_int_equal(old.num_labels, crftag_model_num_labels(m));
    assert_int_equal(old.num_columns, 1);
    assert_string_equal(old.features, "builtin");
    assert_int_equal(old.builtin_version, 2);
    assert_int_equal(old.num_attributes, whole.num_attributes);
    assert_true(old.num_features > 0);
    assert_int_equal(old.num_features, whole.num_features);
    assert_true(old.c2 == whole.c2);
    assert_int_equal(old.iterations, whole.iterations);
    assert_string_equal(old.stop_reason, whole.stop_reason);
    assert_int_equal(old.num_user_lexicon_types, whole.num_user_lexicon_types);

    /* NULL out: nothing happens; NULL model: zeros, within the caller's size */
    crftag_model_get_info_sz(m, NULL, sizeof whole);
    guard_fill(&g);
    crftag_model_get_info_sz(NULL, (struct crftag_model_info *)g.b, sizeof(struct model_info_4));
    assert_zero(&g, 0, sizeof(struct model_info_4));
    assert_untouched(&g, sizeof(struct model_info_4));
    crftag_model_free(m);
}

/* crftag_eval_counts as crftag 0.1.0 declared it (before plain_tags and
 * accuracy). */
struct eval_counts_010 {
    uint64_t tokens;
    uint64_t correct_tokens;
    uint64_t gold_chunks;
    uint64_t pred_chunks;
    uint64_t correct_chunks;
};

static void test_eval_counts_short(void **state)
{
    (void)state;
    struct crftag_eval *e;
    assert_int_equal(crftag_eval_new(&e), CRFTAG_OK);
    const char *gold[] = { "B-PER", "I-PER", "O", "B-LOC", "O" };
    const char *pred[] = { "B-PER", "I-PER", "O", "B-ORG", "B-LOC" };
    assert_int_equal(crftag_eval_add(e, gold, pred, 5), CRFTAG_OK);

    struct crftag_eval_counts whole, type_whole;
    crftag_eval_total(e, &whole);
    const char *type = crftag_eval_type(e, 0, &type_whole);
    assert_non_null(type);
    const size_t lib = sizeof whole;
    const size_t sizes[] = { 0, sizeof(uint64_t), sizeof(struct eval_counts_010), lib,
                             lib + EXTRA };
    union guarded g;
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
        guard_fill(&g);
        crftag_eval_total_sz(e, (struct crftag_eval_counts *)g.b, sizes[k]);
        assert_filled(&g, sizes[k], &whole, lib);
        guard_fill(&g);
        assert_ptr_equal(crftag_eval_type_sz(e, 0, (struct crftag_eval_counts *)g.b, sizes[k]),
                         type);
        assert_filled(&g, sizes[k], &type_whole, lib);
    }

    guard_fill(&g);
    crftag_eval_total_sz(e, (struct crftag_eval_counts *)g.b, sizeof(struct eval_counts_010));
    struct eval_counts_010 old;
    memcpy(&old, g.b, sizeof old);
    assert_int_equal(old.tokens, 5);
    assert_int_equal(old.correct_tokens, 3);
    assert_int_equal(old.gold_chunks, 2);
    assert_int_equal(old.pred_chunks, 3);
    assert_int_equal(old.correct_chunks, 1);
    assert_untouched(&g, sizeof old);
    crftag_eval_free(e);
}

/* ------------------------------------------------------------------------ */
/* Params: crftag_train_params, crftag_cluster_params                       */
/* ------------------------------------------------------------------------ */

/* crftag_train_params as a header before the lexicon fields declared it. */
struct train_params_old {
    double c1;
    double c2;
    int max_iter;
    double delta;
    int period;
    double epsilon;
    int threads;
    uint32_t min_freq;
    const char *template_text;
    const char *template_name;
    uint64_t hash_seed;
    int bio_constraint;
    const struct crftag_corpus *dev;
    int (*progress)(const struct crftag_progress *p, void *user);
    void *user;
};

_Static_assert(sizeof(struct train_params_old) ==
               offsetof(struct crftag_train_params, lexicon),
               "the old params end where crftag_train_params.lexicon starts");

static void test_train_params_init_short(void **state)
{
    (void)state;
    struct crftag_train_params whole;
    crftag_train_params_init(&whole);
    const size_t lib = sizeof whole;
    const size_t sizes[] = { 0, offsetof(struct crftag_train_params, threads),
                             sizeof(struct train_params_old), lib, lib + EXTRA };
    union guarded g;
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
        guard_fill(&g);
        crftag_train_params_init_sz((struct crftag_train_params *)g.b, sizes[k]);
        assert_filled(&g, sizes[k], &whole, lib);
    }
    guard_fill(&g);
    crftag_train_params_init_sz((struct crftag_train_params *)g.b, sizeof(struct train_params_old));
    struct train_params_old old;
    memcpy(&old, g.b, sizeof old);
    assert_true(old.c1 == CRFTAG_TRAIN_AUTO && old.c2 == CRFTAG_TRAIN_AUTO);
    assert_int_equal(old.max_iter, 1000);
    assert_int_equal(old.period, 10);
    assert_int_equal(old.min_freq, 1);
    assert_null(old.template_text);
    assert_string_equal(old.template_name, "template");
    assert_int_equal(old.bio_constraint, 1);
    assert_null(old.progress);
    crftag_train_params_init_sz(NULL, lib);   /* does nothing */
}

static void assert_same_model(const struct crftag_model *a, const struct crftag_model *b)
{
    struct crftag_model_info x, y;
    crftag_model_get_info(a, &x);
    crftag_model_get_info(b, &y);
    assert_int_equal(x.num_labels, y.num_labels);
    assert_int_equal(x.num_attributes, y.num_attributes);
    assert_int_equal(x.num_features, y.num_features);
    assert_int_equal(x.num_nonzero, y.num_nonzero);
    assert_int_equal(x.iterations, y.iterations);
    assert_true(x.final_objective == y.final_objective);
    for (uint32_t i = 0; i < x.num_labels; i++)
        assert_true(crftag_model_label_bias(a, i) == crftag_model_label_bias(b, i));
}

/* Training with a short params struct: the fields it has are used, the
 * ones past it (lexicon, lexicon_folds, bias, ..., all pointers among them)
 * take their defaults and are never read from the guard bytes. */
static void test_train_short_params(void **state)
{
    (void)state;
    struct crftag_corpus *c = load_corpus(SLICE);
    struct crftag_error err;

    union guarded g;
    guard_fill(&g);
    crftag_train_params_init_sz((struct crftag_train_params *)g.b, sizeof(struct train_params_old));
    struct train_params_old old;
    memcpy(&old, g.b, sizeof old);
    old.max_iter = 30;
    old.threads = 1;
    memcpy(g.b, &old, sizeof old);
    struct crftag_model *m_old = NULL;
    assert_int_equal(crftag_train_sz(c, (const struct crftag_train_params *)g.b, sizeof old,
                                     &m_old, &err),
                     CRFTAG_OK);
    assert_untouched(&g, sizeof old);

    struct crftag_train_params p;
    crftag_train_params_init(&p);
    p.max_iter = 30;
    p.threads = 1;
    struct crftag_model *m_new = NULL;
    assert_int_equal(crftag_train(c, &p, &m_new, &err), CRFTAG_OK);
    assert_same_model(m_old, m_new);

    /* the missing fields were the defaults, not zeros: no lexicon differs */
    struct crftag_model *m_nolex = NULL;
    p.lexicon = 0;
    assert_int_equal(crftag_train(c, &p, &m_nolex, &err), CRFTAG_OK);
    struct crftag_model_info a, b;
    crftag_model_get_info(m_old, &a);
    crftag_model_get_info(m_nolex, &b);
    assert_true(a.num_attributes != b.num_attributes);

    crftag_model_free(m_old);
    crftag_model_free(m_new);
    crftag_model_free(m_nolex);
    crftag_corpus_free(c);
}

/* crftag_cluster_params before max_words and the progress callback. */
struct cluster_params_old {
    int num_clusters;
    uint32_t min_count;
    int max_iter;
};

static struct crftag_clusters *learn(const void *p, size_t size)
{
    struct crftag_clusterer *cl;
    struct crftag_clusters *k = NULL;
    struct crftag_error err;
    assert_int_equal(crftag_clusterer_new(&cl), CRFTAG_OK);
    assert_int_equal(crftag_clusterer_add_file(cl, SLICE, 0, &err), CRFTAG_OK);
    assert_int_equal(crftag_clusterer_learn_sz(cl, p, size, &k, &err), CRFTAG_OK);
    crftag_clusterer_free(cl);
    return k;
}

static void test_cluster_params_short(void **state)
{
    (void)state;
    struct crftag_cluster_params whole;
    crftag_cluster_params_init(&whole);
    const size_t lib = sizeof whole;
    const size_t sizes[] = { 0, sizeof(struct cluster_params_old), lib, lib + EXTRA };
    union guarded g;
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
        guard_fill(&g);
        crftag_cluster_params_init_sz((struct crftag_cluster_params *)g.b, sizes[k]);
        assert_filled(&g, sizes[k], &whole, lib);
    }

    guard_fill(&g);
    crftag_cluster_params_init_sz((struct crftag_cluster_params *)g.b,
                                  sizeof(struct cluster_params_old));
    struct cluster_params_old old;
    memcpy(&old, g.b, sizeof old);
    assert_int_equal(old.num_clusters, 256);
    assert_int_equal(old.min_count, 3);
    old.num_clusters = 8;
    old.min_count = 2;
    memcpy(g.b, &old, sizeof old);
    struct crftag_clusters *k_old = learn(g.b, sizeof old);
    assert_untouched(&g, sizeof old);

    whole.num_clusters = 8;
    whole.min_count = 2;
    struct crftag_clusters *k_new = learn(&whole, sizeof whole);
    size_t w1, c1, w2, c2;
    crftag_clusters_size(k_old, &w1, &c1);
    crftag_clusters_size(k_new, &w2, &c2);
    assert_true(w1 > 0);
    assert_int_equal(w1, w2);
    assert_int_equal(c1, c2);
    const char *words[] = { "the", "QEMU", "Linux", "," };
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) {
        const char *a = crftag_clusters_get(k_old, words[i]);
        const char *b = crftag_clusters_get(k_new, words[i]);
        if (a || b) {
            assert_non_null(a);
            assert_non_null(b);
            assert_string_equal(a, b);
        }
    }
    crftag_clusters_free(k_old);
    crftag_clusters_free(k_new);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_model_info_short),
        cmocka_unit_test(test_eval_counts_short),
        cmocka_unit_test(test_train_params_init_short),
        cmocka_unit_test(test_train_short_params),
        cmocka_unit_test(test_cluster_params_short),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
