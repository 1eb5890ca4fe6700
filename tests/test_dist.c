/*
 * test_dist.c - data-parallel training without MPI: R threads play the
 * ranks, with collectives over shared memory (struct crftag_comm), each
 * holding a block of the sentences read by crftag_corpus_read_part.  The
 * model of every rank must be the one a single process trains: the same
 * attributes, pairs, labels and counts, the objective within 1e-9 and the
 * same tags; also with a rank that holds no sentence, with the min-freq
 * cut-off on the summed counts, the automatic label bias, weighted
 * attributes (CRFsuite's format), a stop asked on
 * one rank, early stopping on dev data that one rank holds, and the
 * refusals.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "crftag.h"
#include "testutil.h"

#define FILE30 "tests/data/corpus_wikiser_30.txt"
#define FILE300 "corpora/wikiser-train.txt.gz"      /* its first 300 sentences */
#define FILECS "tests/data/crfsuite_conll_30.txt"   /* CRFsuite's format, name:weight */
#define RMAX 4

struct group {
    int size;
    pthread_barrier_t bar;
    void *buf[RMAX];
    void *scratch;
};

struct rank {
    struct group *g;
    struct crftag_comm comm;
    const char *path;
    size_t first, count;           /* its sentences of path */
    struct crftag_train_params p;
    struct crftag_model *m;
    enum crftag_status st;
};

static int g_allreduce(void *buf, size_t count, enum crftag_comm_type type,
                       enum crftag_comm_op op, void *user)
{
    struct rank *r = user;
    struct group *g = r->g;
    size_t elem = type == CRFTAG_COMM_DOUBLE ? sizeof(double) : sizeof(uint64_t);
    g->buf[r->comm.rank] = buf;
    pthread_barrier_wait(&g->bar);
    if (r->comm.rank == 0) {        /* in rank order, as MPI may not: the same on every rank */
        g->scratch = malloc(count * elem + 1);
        memcpy(g->scratch, g->buf[0], count * elem);
        for (int k = 1; k < g->size; k++)
            for (size_t i = 0; i < count; i++) {
                if (type == CRFTAG_COMM_DOUBLE) {
                    ((double *)g->scratch)[i] += ((double *)g->buf[k])[i];
                    continue;
                }
                uint64_t *a = (uint64_t *)g->scratch + i, b = ((uint64_t *)g->buf[k])[i];
                *a = op == CRFTAG_COMM_SUM ? *a + b : op == CRFTAG_COMM_MAX ? (*a > b ? *a : b)
                                                                             : *a | b;
            }
    }
    pthread_barrier_wait(&g->bar);
    memcpy(buf, g->scratch, count * elem);
    pthread_barrier_wait(&g->bar);
    if (r->comm.rank == 0)
        free(g->scratch);
    return 0;
}

static int g_bcast(void *buf, size_t len, int root, void *user)
{
    struct rank *r = user;
    struct group *g = r->g;
    if (r->comm.rank == root)
        g->buf[root] = buf;
    pthread_barrier_wait(&g->bar);
    if (r->comm.rank != root)
        memcpy(buf, g->buf[root], len);
    pthread_barrier_wait(&g->bar);
    return 0;
}

static void *rank_main(void *arg)
{
    struct rank *r = arg;
    struct crftag_corpus *c;
    struct crftag_error err;
    assert_int_equal(crftag_corpus_new(&c), CRFTAG_OK);
    if (r->count)
        assert_int_equal(crftag_corpus_read_part(c, r->path, r->first, r->count, NULL, &err),
                         CRFTAG_OK);
    r->st = crftag_train(c, &r->p, &r->m, &err);
    crftag_corpus_free(c);
    return NULL;
}

/* rank_main with the dev data (p.dev) on rank 0 only */
static void *rank_dev0_main(void *arg)
{
    struct rank *r = arg;
    if (r->comm.rank > 0)
        r->p.dev = NULL;
    return rank_main(arg);
}

/* Trains on path (nsent sentences) in R ranks running fn, holding the
 * blocks cut at cut[0..R-2], with p; fills out[R] (models, or NULL) and
 * returns rank 0's status. */
static enum crftag_status train_ranks_with(void *(*fn)(void *), const char *path, int R,
                                           const size_t *cut, size_t nsent,
                                           const struct crftag_train_params *p,
                                           struct crftag_model **out)
{
    struct group g = { .size = R };
    struct rank r[RMAX];
    pthread_t th[RMAX];
    pthread_barrier_init(&g.bar, NULL, (unsigned)R);
    for (int k = 0; k < R; k++) {
        r[k].g = &g;
        r[k].comm = (struct crftag_comm){ k, R, g_allreduce, g_bcast, &r[k] };
        r[k].first = k ? cut[k - 1] : 0;
        r[k].count = (k < R - 1 ? cut[k] : nsent) - r[k].first;
        r[k].p = *p;
        r[k].p.comm = &r[k].comm;
        r[k].m = NULL;
        r[k].path = path;
        assert_int_equal(pthread_create(&th[k], NULL, fn, &r[k]), 0);
    }
    for (int k = 0; k < R; k++)
        pthread_join(th[k], NULL);
    pthread_barrier_destroy(&g.bar);
    for (int k = 0; k < R; k++) {
        out[k] = r[k].m;
        assert_int_equal(r[k].st, r[0].st);
    }
    return r[0].st;
}

static enum crftag_status train_ranks(int R, const size_t *cut, size_t nsent,
                                      const struct crftag_train_params *p,
                                      struct crftag_model **out)
{
    return train_ranks_with(rank_main, FILE30, R, cut, nsent, p, out);
}

static enum crftag_status train_ranks_file(const char *path, int R, const size_t *cut,
                                           size_t nsent, const struct crftag_train_params *p,
                                           struct crftag_model **out)
{
    return train_ranks_with(rank_main, path, R, cut, nsent, p, out);
}

static enum crftag_status train_ranks_dev0(const char *path, int R, const size_t *cut,
                                           size_t nsent, const struct crftag_train_params *p,
                                           struct crftag_model **out)
{
    return train_ranks_with(rank_dev0_main, path, R, cut, nsent, p, out);
}

/* The tags of every token of FILE30 by m, as label ids. */
static size_t tags_of(const struct crftag_model *m, uint32_t *ids, size_t cap)
{
    struct crftag_reader *rd;
    struct crftag_tagger *t;
    const char *const *cols;
    size_t n, ncols, k = 0;
    assert_int_equal(crftag_reader_open(FILE30, &rd, NULL), CRFTAG_OK);
    assert_int_equal(crftag_tagger_new(m, &t), CRFTAG_OK);
    while (crftag_reader_next(rd, &cols, &n, &ncols, NULL) > 0) {
        assert_true(k + n <= cap);
        assert_int_equal(crftag_tagger_tag(t, cols, n, ncols, ids + k, NULL, NULL), CRFTAG_OK);
        k += n;
    }
    crftag_tagger_free(t);
    crftag_reader_close(rd);
    return k;
}

/* m and ref: the same skeleton, counts, objective (1e-9) and tags. */
static void assert_same_model(const struct crftag_model *ref, const struct crftag_model *m)
{
    struct crftag_model_info a, b;
    crftag_model_get_info(ref, &a);
    crftag_model_get_info(m, &b);
    assert_int_equal(a.num_attributes, b.num_attributes);
    assert_int_equal(a.num_features, b.num_features);
    assert_int_equal(a.num_labels, b.num_labels);
    assert_int_equal(a.iterations, b.iterations);
    assert_int_equal(a.train_sentences, b.train_sentences);
    assert_int_equal(a.train_tokens, b.train_tokens);
    assert_true(close_to(a.final_objective, b.final_objective, 1e-9));
    for (uint32_t y = 0; y < a.num_labels; y++) {
        assert_string_equal(crftag_model_label(ref, y), crftag_model_label(m, y));
        assert_int_equal(crftag_model_label_count(ref, y), crftag_model_label_count(m, y));
    }
    static uint32_t t0[4096], t1[4096];
    size_t n0 = tags_of(ref, t0, 4096), n1 = tags_of(m, t1, 4096);
    assert_int_equal(n0, n1);
    assert_memory_equal(t0, t1, n0 * sizeof *t0);
}

static void check_split(int R, const size_t *cut, uint32_t min_freq, int folds)
{
    struct crftag_corpus *c = load_corpus(FILE30);
    size_t nsent;
    crftag_corpus_size(c, &nsent, NULL);
    struct crftag_train_params p;
    crftag_train_params_init(&p);
    p.bias = "0";
    p.max_iter = 15;
    p.threads = 1;
    p.min_freq = min_freq;
    p.lexicon_folds = folds;
    struct crftag_model *ref, *m[RMAX];
    assert_int_equal(crftag_train(c, &p, &ref, NULL), CRFTAG_OK);
    assert_int_equal(train_ranks(R, cut, nsent, &p, m), CRFTAG_OK);
    for (int k = 0; k < R; k++) {
        assert_same_model(ref, m[k]);
        crftag_model_free(m[k]);
    }
    crftag_model_free(ref);
    crftag_corpus_free(c);
}

static void test_two_ranks(void **state)
{
    (void)state;
    size_t cut[] = { 13 };
    check_split(2, cut, 1, 20);
}

static void test_three_ranks_min_freq(void **state)
{
    (void)state;
    size_t cut[] = { 7, 19 };
    check_split(3, cut, 2, 4);
}

static void test_empty_rank(void **state)
{
    (void)state;
    size_t cut[] = { 10, 10, 30 };     /* rank 1 and rank 3 hold none */
    check_split(4, cut, 1, 20);
}

static void test_refused(void **state)
{
    (void)state;
    struct crftag_train_params p;
    crftag_train_params_init(&p);
    p.max_iter = 2;
    size_t cut[] = { 15 };
    struct crftag_model *m[RMAX];
    p.bias = "0";
    p.dev_patience = 2;                  /* no rank holds dev data */
    p.dev = NULL;
    assert_int_equal(train_ranks(2, cut, 30, &p, m), CRFTAG_ERR_INVALID);
    assert_null(m[0]);
    assert_null(m[1]);
}

/* The bias "auto" (the default): the held-out blocks are global sentence
 * numbers and the chunk counts are summed, so the ranks choose the lexicon
 * and the bias one process chooses, then train the same model (the same
 * iterations, objectives within 1e-6).  On these 300 sentences the lexicon
 * of the sentences' own entities scores higher (so a wrong choice shows),
 * and with 20 folds given the bias is not zero (so that one shows). */
static void test_auto_bias(void **state)
{
    (void)state;
    struct crftag_corpus *c;
    assert_int_equal(crftag_corpus_new(&c), CRFTAG_OK);
    assert_int_equal(crftag_corpus_read_part(c, FILE300, 0, 300, NULL, NULL), CRFTAG_OK);
    for (int given = 0; given < 2; given++) {
        struct crftag_train_params p;
        crftag_train_params_init(&p);    /* bias "auto", the lexicon chosen */
        p.max_iter = 30;
        p.threads = 1;
        if (given)
            p.lexicon_folds = CRFTAG_LEXICON_FOLDS;
        struct crftag_model *ref, *m[RMAX];
        assert_int_equal(crftag_train(c, &p, &ref, NULL), CRFTAG_OK);
        float b = crftag_model_label_bias(ref, 1);
        double lf = 0, lo = 0;
        int own = -1;
        if (!given) {
            assert_int_equal(crftag_model_lexicon_scores(ref, &lf, &lo, &own), 1);
            print_message("lexicon: held-out F1 %.2f with folds, %.2f with their own\n", lf, lo);
            assert_int_equal(own, 1);
        } else {
            assert_int_equal(crftag_model_lexicon_scores(ref, NULL, NULL, NULL), 0);
            assert_true(b > 0);
        }
        size_t cut[] = { 41, 41, 233 };  /* uneven, rank 1 holds none */
        assert_int_equal(train_ranks_file(FILE300, 4, cut, 300, &p, m), CRFTAG_OK);
        for (int k = 0; k < 4; k++) {
            struct crftag_model_info a, i;
            crftag_model_get_info(ref, &a);
            crftag_model_get_info(m[k], &i);
            for (uint32_t y = 0; y < a.num_labels; y++)
                assert_true(crftag_model_label_bias(m[k], y) ==
                            crftag_model_label_bias(ref, y));
            if (!given) {
                double kf = 0, ko = 0;
                int kown = -1;
                assert_int_equal(crftag_model_lexicon_scores(m[k], &kf, &ko, &kown), 1);
                assert_true(kf == lf && ko == lo && kown == own);
            }
            assert_int_equal(a.num_features, i.num_features);
            assert_int_equal(a.iterations, i.iterations);
            /* the final training continues from the first one's weights:
             * 60 iterations in a row amplify the last-bit differences of
             * sums taken in another order (4e-8 relative measured), so 1e-6 */
            assert_true(close_to(a.final_objective, i.final_objective, 1e-6));
            crftag_model_free(m[k]);
        }
        crftag_model_free(ref);
    }
    crftag_corpus_free(c);
}

/* CRFsuite's format with weighted attributes (name:weight), a rank with no
 * sentence among them: the weights travel with the attribute ids, and the
 * empty rank takes the kind of features of the others. */
static void test_weighted_attrs(void **state)
{
    (void)state;
    struct crftag_corpus *c = load_corpus(FILECS);
    struct crftag_train_params p;
    crftag_train_params_init(&p);
    p.max_iter = 15;
    p.threads = 1;
    struct crftag_model *ref, *m[RMAX];
    assert_int_equal(crftag_train(c, &p, &ref, NULL), CRFTAG_OK);
    struct crftag_model_info a;
    crftag_model_get_info(ref, &a);
    size_t cut[] = { 9, 9 };             /* rank 1 holds none */
    assert_int_equal(train_ranks_file(FILECS, 3, cut, 30, &p, m), CRFTAG_OK);
    for (int k = 0; k < 3; k++) {
        struct crftag_model_info i;
        crftag_model_get_info(m[k], &i);
        assert_string_equal(i.features, a.features);
        assert_int_equal(i.num_attributes, a.num_attributes);
        assert_int_equal(i.num_features, a.num_features);
        assert_int_equal(i.iterations, a.iterations);
        assert_true(close_to(a.final_objective, i.final_objective, 1e-9));
        crftag_model_free(m[k]);
    }
    crftag_model_free(ref);
    crftag_corpus_free(c);
}

/* p.stop asks rank `who` alone to stop at `at` iterations. */
struct stop_at {
    int calls, at;
};

static int stop_once(void *user)
{
    struct stop_at *s = user;
    return ++s->calls == s->at ? CRFTAG_STOP_KEEP : 0;
}

static void *rank_stop_main(void *arg)
{
    struct rank *r = arg;
    static struct stop_at at[RMAX];
    at[r->comm.rank] = (struct stop_at){ 0, r->comm.rank == 1 ? 4 : -1 };
    r->p.stop = stop_once;
    r->p.user = &at[r->comm.rank];
    return rank_main(arg);
}

/* A signal that reached one rank only (its stop callback): every rank
 * stops at the end of the same iteration and keeps the same weights; with
 * dev data on rank 0 alone, early stopping ends every rank at the same
 * iteration with the weights of the same best one. */
static void test_stop_agreed(void **state)
{
    (void)state;
    struct crftag_train_params p;
    crftag_train_params_init(&p);
    p.bias = "0";
    p.max_iter = 15;
    p.threads = 1;
    size_t cut[] = { 10, 20 };
    struct crftag_model *m[RMAX];
    assert_int_equal(train_ranks_with(rank_stop_main, FILE30, 3, cut, 30, &p, m), CRFTAG_OK);
    struct crftag_model_info i0;
    crftag_model_get_info(m[0], &i0);
    assert_int_equal(i0.iterations, 4);
    assert_string_equal(i0.stop_reason, "interrupted after 4 iterations");
    for (int k = 1; k < 3; k++) {
        struct crftag_model_info i;
        crftag_model_get_info(m[k], &i);
        assert_int_equal(i.iterations, 4);
        assert_true(i.final_objective == i0.final_objective);
        crftag_model_free(m[k]);
    }
    crftag_model_free(m[0]);

    /* early stopping: dev data on rank 0 only; one process as reference */
    struct crftag_corpus *c = load_corpus(FILE30), *dev = load_corpus(FILE30);
    struct crftag_model *ref;
    p.max_iter = 60;
    p.dev = dev;
    p.dev_patience = 2;
    p.c2 = 0.001;                        /* so that the dev F1 stops improving */
    assert_int_equal(crftag_train(c, &p, &ref, NULL), CRFTAG_OK);
    struct crftag_model_info a;
    crftag_model_get_info(ref, &a);
    assert_non_null(strstr(a.stop_reason, "early stopping"));
    assert_int_equal(train_ranks_dev0(FILE30, 3, cut, 30, &p, m), CRFTAG_OK);
    for (int k = 0; k < 3; k++) {
        struct crftag_model_info i;
        crftag_model_get_info(m[k], &i);
        assert_int_equal(i.iterations, a.iterations);
        if (k == 0)
            assert_string_equal(i.stop_reason, a.stop_reason);
        static uint32_t t0[4096], t1[4096];
        size_t n0 = tags_of(ref, t0, 4096), n1 = tags_of(m[k], t1, 4096);
        assert_int_equal(n0, n1);
        assert_memory_equal(t0, t1, n0 * sizeof *t0);
        crftag_model_free(m[k]);
    }
    crftag_model_free(ref);
    crftag_corpus_free(c);
    crftag_corpus_free(dev);
}

/* crftag_corpus_read_part: counts, blocks, the end of the file. */
static void test_read_part(void **state)
{
    (void)state;
    struct crftag_corpus *c;
    size_t seen, ns, nt;
    assert_int_equal(crftag_corpus_new(&c), CRFTAG_OK);
    assert_int_equal(crftag_corpus_read_part(c, FILE30, SIZE_MAX, 0, &seen, NULL), CRFTAG_OK);
    assert_int_equal(seen, 30);
    crftag_corpus_size(c, &ns, NULL);
    assert_int_equal(ns, 0);
    assert_int_equal(crftag_corpus_read_part(c, FILE30, 5, 3, &seen, NULL), CRFTAG_OK);
    assert_int_equal(seen, 8);
    assert_int_equal(crftag_corpus_read_part(c, FILE30, 28, 10, &seen, NULL), CRFTAG_OK);
    assert_int_equal(seen, 30);
    crftag_corpus_size(c, &ns, &nt);
    assert_int_equal(ns, 5);
    crftag_corpus_free(c);
}

/* crftag_corpus_read_part_format: the format given, not detected.  The
 * CRFsuite file is read as attributes when detected; read as columns, its
 * lines hold varying numbers of fields, refused at the first that differs
 * (line 17, in a sentence before the block: every sentence read is checked). */
static void test_read_part_format(void **state)
{
    (void)state;
    const char *path = "tests/data/crfsuite_conll_30.txt";
    struct crftag_corpus *a, *b;
    struct crftag_error err;
    size_t seen, ns;
    assert_int_equal(crftag_corpus_new(&a), CRFTAG_OK);
    assert_int_equal(crftag_corpus_new(&b), CRFTAG_OK);
    assert_int_equal(crftag_corpus_read_part_format(a, path, CRFTAG_INPUT_AUTO, 4, 6, &seen, NULL),
                     CRFTAG_OK);
    assert_int_equal(seen, 10);
    assert_int_equal(crftag_corpus_attrs(a), 1);
    crftag_corpus_size(a, &ns, NULL);
    assert_int_equal(ns, 6);
    assert_int_equal(crftag_corpus_read_part_format(b, path, CRFTAG_INPUT_COLUMNS, 4, 6, &seen,
                                                    &err),
                     CRFTAG_ERR_PARSE);
    assert_string_equal(err.file, path);
    assert_int_equal(err.line, 17);
    crftag_corpus_size(b, &ns, NULL);
    assert_int_equal(ns, 0);
    assert_int_equal(crftag_corpus_read_part_format(b, path, 7, 0, 1, NULL, NULL),
                     CRFTAG_ERR_INVALID);
    crftag_corpus_free(a);
    crftag_corpus_free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_two_ranks),
        cmocka_unit_test(test_three_ranks_min_freq),
        cmocka_unit_test(test_empty_rank),
        cmocka_unit_test(test_refused),
        cmocka_unit_test(test_auto_bias),
        cmocka_unit_test(test_weighted_attrs),
        cmocka_unit_test(test_stop_agreed),
        cmocka_unit_test(test_read_part),
        cmocka_unit_test(test_read_part_format),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
