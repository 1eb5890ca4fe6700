/*
 * test_api.c - the embedding API of include/crftag.h: thread safety (1 vs 8
 * threads sharing one model give identical output), token/text tagging,
 * marginals against a brute-force oracle, NULL safety and ownership.
 *
 * Data: the shipped model models/wikiser.crftag, the WikiSER slice
 * tests/data/corpus_wikiser_30.txt and the first API_DEV_SENTENCES sentences
 * of corpora/wikiser-dev.txt.gz (both real annotated text).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crftag.h"
#include "featset.h"
#include "model.h"

#define MODEL_PATH "models/wikiser.crftag"
#define API_DEV_SENTENCES 600
#define API_THREADS 8

static struct crftag_model *g_model;

/* ---- a corpus held in memory: sentence s has n[s] tokens tok[s][i] ---- */
struct sents {
    size_t ns;
    size_t *n;
    char ***tok;
    size_t **len;
};

static void sents_add_file(struct sents *c, const char *path, size_t max)
{
    struct crftag_reader *r;
    struct crftag_error err;
    assert_int_equal(crftag_reader_open(path, &r, &err), CRFTAG_OK);
    const char *const *cols;
    size_t n, ncols, added = 0;
    int rc;
    while (added < max && (rc = crftag_reader_next(r, &cols, &n, &ncols, &err)) > 0) {
        c->n = realloc(c->n, (c->ns + 1) * sizeof *c->n);
        c->tok = realloc(c->tok, (c->ns + 1) * sizeof *c->tok);
        c->len = realloc(c->len, (c->ns + 1) * sizeof *c->len);
        assert_non_null(c->n);
        assert_non_null(c->tok);
        assert_non_null(c->len);
        c->n[c->ns] = n;
        c->tok[c->ns] = calloc(n + 1, sizeof(char *));
        c->len[c->ns] = calloc(n + 1, sizeof(size_t));
        for (size_t i = 0; i < n; i++) {
            c->tok[c->ns][i] = strdup(cols[i * ncols]);
            c->len[c->ns][i] = strlen(cols[i * ncols]);
        }
        c->ns++;
        added++;
    }
    crftag_reader_close(r);
    assert_true(added > 0);
}

static void sents_free(struct sents *c)
{
    for (size_t s = 0; s < c->ns; s++) {
        for (size_t i = 0; i < c->n[s]; i++)
            free(c->tok[s][i]);
        free(c->tok[s]);
        free(c->len[s]);
    }
    free(c->n);
    free(c->tok);
    free(c->len);
}

/* ---- results of tagging every sentence ---- */
struct result {
    uint32_t **ids;      /* [ns][n] */
    double *score;       /* [ns] */
    double **marg;       /* [ns][n * L] */
    char **text_out;     /* [ns] spans of the sentence text, "s e type;" ... */
};

struct job {
    const struct sents *c;
    struct result *res;
    size_t first, step;  /* sentences first, first + step, ... */
    int status;
};

/* Joins the tokens of a sentence with single spaces (the text form). */
static char *sent_text(const struct sents *c, size_t s, size_t *out_len)
{
    size_t len = 0;
    for (size_t i = 0; i < c->n[s]; i++)
        len += c->len[s][i] + 1;
    char *t = malloc(len + 1), *p = t;
    for (size_t i = 0; i < c->n[s]; i++) {
        memcpy(p, c->tok[s][i], c->len[s][i]);
        p += c->len[s][i];
        *p++ = ' ';
    }
    *p = '\0';
    *out_len = len;
    return t;
}

static void *job_run(void *arg)
{
    struct job *j = arg;
    struct crftag_tagger *t;
    if (crftag_tagger_new(g_model, &t) != CRFTAG_OK) {
        j->status = -1;
        return NULL;
    }
    size_t L = crftag_model_num_labels(g_model);
    for (size_t s = j->first; s < j->c->ns && j->status == 0; s += j->step) {
        size_t n = j->c->n[s];
        j->res->ids[s] = malloc((n + 1) * sizeof(uint32_t));
        j->res->marg[s] = malloc((n * L + 1) * sizeof(double));
        if (crftag_tagger_tag_tokens(t, (const char *const *)j->c->tok[s], j->c->len[s], n,
                                     j->res->ids[s], &j->res->score[s], j->res->marg[s],
                                     NULL) != CRFTAG_OK)
            j->status = -1;
        size_t tl;
        char *text = sent_text(j->c, s, &tl);
        struct crftag_span *sp;
        size_t nsp;
        if (crftag_tagger_tag_text(t, text, tl, &sp, &nsp, NULL, NULL, NULL) != CRFTAG_OK) {
            j->status = -1;
        } else {
            char *buf = malloc(64 * (nsp + 1) + tl + 1), *p = buf;
            *p = '\0';
            for (size_t k = 0; k < nsp; k++)
                p += sprintf(p, "%zu %zu %.*s;", sp[k].start, sp[k].end, (int)sp[k].type_len,
                             sp[k].type);
            j->res->text_out[s] = buf;
            crftag_spans_free(sp);
        }
        free(text);
    }
    crftag_tagger_free(t);
    return NULL;
}

static void result_init(struct result *r, size_t ns)
{
    r->ids = calloc(ns, sizeof *r->ids);
    r->score = calloc(ns, sizeof *r->score);
    r->marg = calloc(ns, sizeof *r->marg);
    r->text_out = calloc(ns, sizeof *r->text_out);
}

static void result_free(struct result *r, size_t ns)
{
    for (size_t s = 0; s < ns; s++) {
        free(r->ids[s]);
        free(r->marg[s]);
        free(r->text_out[s]);
    }
    free(r->ids);
    free(r->score);
    free(r->marg);
    free(r->text_out);
}

static void tag_with_threads(const struct sents *c, struct result *r, size_t nthreads)
{
    pthread_t th[API_THREADS];
    struct job jobs[API_THREADS];
    result_init(r, c->ns);
    for (size_t k = 0; k < nthreads; k++) {
        jobs[k] = (struct job){.c = c, .res = r, .first = k, .step = nthreads, .status = 0};
        assert_int_equal(pthread_create(&th[k], NULL, job_run, &jobs[k]), 0);
    }
    for (size_t k = 0; k < nthreads; k++) {
        pthread_join(th[k], NULL);
        assert_int_equal(jobs[k].status, 0);
    }
}

/* 1 thread and 8 threads sharing one model: identical labels, scores,
 * marginals and text spans, sentence by sentence. */
static void test_threads_identical(void **state)
{
    (void)state;
    struct sents c = {0};
    sents_add_file(&c, "tests/data/corpus_wikiser_30.txt", SIZE_MAX);
    sents_add_file(&c, "corpora/wikiser-dev.txt.gz", API_DEV_SENTENCES);
    struct result r1, r8;
    tag_with_threads(&c, &r1, 1);
    tag_with_threads(&c, &r8, API_THREADS);
    size_t L = crftag_model_num_labels(g_model), tokens = 0, entities = 0;
    for (size_t s = 0; s < c.ns; s++) {
        size_t n = c.n[s];
        tokens += n;
        assert_memory_equal(r1.ids[s], r8.ids[s], n * sizeof(uint32_t));
        assert_memory_equal(&r1.score[s], &r8.score[s], sizeof(double));
        assert_memory_equal(r1.marg[s], r8.marg[s], n * L * sizeof(double));
        assert_string_equal(r1.text_out[s], r8.text_out[s]);
        for (const char *p = r1.text_out[s]; *p; p++)
            entities += *p == ';';
    }
    print_message("%zu sentences, %zu tokens, %zu entities: 1 thread == %d threads\n", c.ns,
                  tokens, entities, API_THREADS);
    assert_true(entities > 100);  /* the model finds entities in real text */
    result_free(&r1, c.ns);
    result_free(&r8, c.ns);
    sents_free(&c);
}

/* tag_tokens (pointer + length, not NUL-terminated) == tag (NUL-terminated
 * columns), on slices of one buffer with no NUL between tokens. */
static void test_tokens_not_nul_terminated(void **state)
{
    (void)state;
    const char *buf = "QEMUusesSPICEonLinux.";
    const char *tok[] = {buf, buf + 4, buf + 8, buf + 13, buf + 15, buf + 20};
    size_t len[] = {4, 4, 5, 2, 5, 1};
    const char *cols[] = {"QEMU", "uses", "SPICE", "on", "Linux", "."};
    uint32_t a[6], b[6];
    double sa, sb;
    struct crftag_tagger *t;
    assert_int_equal(crftag_tagger_new(g_model, &t), CRFTAG_OK);
    assert_int_equal(crftag_tagger_tag_tokens(t, tok, len, 6, a, &sa, NULL, NULL), CRFTAG_OK);
    assert_int_equal(crftag_tagger_tag(t, cols, 6, 1, b, &sb, NULL), CRFTAG_OK);
    assert_memory_equal(a, b, sizeof a);
    assert_true(sa == sb);
    /* Linux is a named entity in WikiSER */
    assert_string_not_equal(crftag_model_label(g_model, a[4]), "O");
    crftag_tagger_free(t);
}

/* Marginals against brute force over all L^3 paths of a 3-token sentence,
 * using the same state scores (internal feat_extract + model_state_scores)
 * and the model's transitions. */
static void test_marginals_brute_force(void **state)
{
    (void)state;
    const struct crftag_model *m = g_model;
    const char *cols[] = {"Install", "Docker", "now"};
    size_t len[] = {7, 6, 3}, L = m->labels.n, n = 3;
    struct feat_buf fb = {0};
    assert_int_equal(feat_extract(&m->feat, cols, n, 1, &fb), CRFTAG_OK);
    double *st = calloc(n * L, sizeof *st), *p = calloc(n * L, sizeof *p);
    for (size_t i = 0; i < n; i++)
        model_state_scores(m, fb.ids + fb.start[i], fb.start[i + 1] - fb.start[i], st + i * L);
    feat_buf_free(&fb);
    double z = 0, maxs = -INFINITY;
    for (size_t a = 0; a < L; a++)
        for (size_t b = 0; b < L; b++)
            for (size_t c = 0; c < L; c++) {
                double s = st[a] + st[L + b] + st[2 * L + c] + m->trans[a * L + b] +
                           m->trans[b * L + c];
                if (s > maxs)
                    maxs = s;
            }
    for (size_t a = 0; a < L; a++)
        for (size_t b = 0; b < L; b++)
            for (size_t c = 0; c < L; c++) {
                double w = exp(st[a] + st[L + b] + st[2 * L + c] + m->trans[a * L + b] +
                               m->trans[b * L + c] - maxs);
                z += w;
                p[a] += w;
                p[L + b] += w;
                p[2 * L + c] += w;
            }
    double *marg = malloc(n * L * sizeof *marg);
    uint32_t ids[3];
    double score;
    struct crftag_tagger *t;
    assert_int_equal(crftag_tagger_new(m, &t), CRFTAG_OK);
    crftag_tagger_set_constrained(t, 0);
    assert_int_equal(crftag_tagger_set_bias(t, "0", NULL), CRFTAG_OK);   /* the model's scores */
    assert_int_equal(crftag_tagger_tag_tokens(t, cols, len, n, ids, &score, marg, NULL),
                     CRFTAG_OK);
    assert_true(fabs(score - maxs) < 1e-9 * (1 + fabs(maxs)));  /* Viterbi = brute max */
    for (size_t i = 0; i < n; i++) {
        double sum = 0;
        for (size_t y = 0; y < L; y++) {
            assert_true(fabs(marg[i * L + y] - p[i * L + y] / z) < 1e-9);
            sum += marg[i * L + y];
        }
        assert_true(fabs(sum - 1.0) < 1e-9);
    }
    crftag_tagger_free(t);
    free(marg);
    free(st);
    free(p);
}

/* tag_text: spans are byte ranges of the text, built from whole tokens; the
 * type is borrowed from the model's label names; offsets are relative to the
 * whole text across sentences. */
static void test_tag_text_spans(void **state)
{
    (void)state;
    const char *text = "Azure Sphere runs a Linux kernel on ARM chips.  It was announced by "
                       "Microsoft in 2018 and runs on Windows 10, supports Wi-Fi and TLS and is "
                       "written in Python.";
    struct crftag_tagger *t;
    assert_int_equal(crftag_tagger_new(g_model, &t), CRFTAG_OK);
    struct crftag_span *sp;
    struct crftag_token *tk;
    size_t nsp, ntk;
    assert_int_equal(crftag_tagger_tag_text(t, text, strlen(text), &sp, &nsp, &tk, &ntk, NULL),
                     CRFTAG_OK);
    assert_true(nsp >= 3);
    assert_true(ntk > 20);
    int seen_second = 0;
    for (size_t k = 0; k < nsp; k++) {
        assert_true(sp[k].token_begin < sp[k].token_end && sp[k].token_end <= ntk);
        assert_int_equal(sp[k].start, tk[sp[k].token_begin].start);
        assert_int_equal(sp[k].end, tk[sp[k].token_end - 1].end);
        assert_true(k == 0 || sp[k].start >= sp[k - 1].end);
        int owned = 0;
        for (uint32_t id = 0; id < crftag_model_num_labels(g_model); id++) {
            const char *lab = crftag_model_label(g_model, id);
            if (sp[k].type == lab + 2 && strlen(lab) == sp[k].type_len + 2)
                owned = 1;
        }
        assert_true(owned);
        if (sp[k].start > strlen("Azure Sphere runs a Linux kernel on ARM chips."))
            seen_second = 1;
    }
    assert_true(seen_second);   /* entities of the second sentence, global offsets */
    crftag_spans_free(sp);
    crftag_tokens_free(tk);
    /* empty text */
    assert_int_equal(crftag_tagger_tag_text(t, NULL, 0, &sp, &nsp, NULL, NULL, NULL), CRFTAG_OK);
    assert_null(sp);
    assert_int_equal(nsp, 0);
    crftag_tagger_free(t);
}

/* A model loaded from memory tags like the one loaded from the file; the
 * buffer is not kept (freed before tagging). */
static void test_load_mem(void **state)
{
    (void)state;
    FILE *f = fopen(MODEL_PATH, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long sz = ftell(f);
    rewind(f);
    char *buf = malloc((size_t)sz);
    assert_int_equal(fread(buf, 1, (size_t)sz, f), (size_t)sz);
    fclose(f);
    struct crftag_model *m;
    assert_int_equal(crftag_model_load_mem(buf, (size_t)sz, &m, NULL), CRFTAG_OK);
    free(buf);
    const char *tok[] = {"Kubernetes", "runs", "on", "Google", "Cloud", "."};
    size_t len[] = {10, 4, 2, 6, 5, 1};
    uint32_t a[6], b[6];
    struct crftag_tagger *t1, *t2;
    assert_int_equal(crftag_tagger_new(m, &t1), CRFTAG_OK);
    assert_int_equal(crftag_tagger_new(g_model, &t2), CRFTAG_OK);
    assert_int_equal(crftag_tagger_tag_tokens(t1, tok, len, 6, a, NULL, NULL, NULL), CRFTAG_OK);
    assert_int_equal(crftag_tagger_tag_tokens(t2, tok, len, 6, b, NULL, NULL, NULL), CRFTAG_OK);
    assert_memory_equal(a, b, sizeof a);
    crftag_tagger_free(t1);
    crftag_tagger_free(t2);
    crftag_model_free(m);
}

/* Every public call refuses NULL arguments without crashing, clears its
 * outputs, and says why through err. */
static void test_null_safety(void **state)
{
    (void)state;
    struct crftag_error err;
    struct crftag_model *m = (void *)1;
    struct crftag_tagger *t = (void *)1;
    assert_int_equal(crftag_model_load(NULL, &m, &err), CRFTAG_ERR_INVALID);
    assert_null(m);
    assert_int_not_equal(crftag_model_load(MODEL_PATH, NULL, NULL), CRFTAG_OK);
    m = (void *)1;
    assert_int_not_equal(crftag_model_load_mem(NULL, 10, &m, &err), CRFTAG_OK);
    assert_null(m);
    m = (void *)1;
    assert_int_not_equal(crftag_model_load_mem("garbage", 7, &m, &err), CRFTAG_OK);
    assert_null(m);
    assert_int_equal(crftag_tagger_new(NULL, &t), CRFTAG_ERR_INVALID);
    assert_null(t);
    assert_int_equal(crftag_tagger_new(g_model, NULL), CRFTAG_ERR_INVALID);
    crftag_tagger_free(NULL);
    crftag_model_free(NULL);
    crftag_spans_free(NULL);
    crftag_tokens_free(NULL);
    crftag_tagger_set_constrained(NULL, 1);
    assert_int_equal(crftag_model_num_labels(NULL), 0);
    assert_null(crftag_model_label(NULL, 0));
    assert_null(crftag_model_label(g_model, (uint32_t)crftag_model_num_labels(g_model)));
    assert_int_equal(crftag_model_label_count(NULL, 0), 0);
    struct crftag_model_info info;
    crftag_model_get_info(NULL, &info);
    assert_int_equal(info.num_labels, 0);
    assert_non_null(crftag_strerror((enum crftag_status)-1000));
    assert_string_equal(crftag_version(), CRFTAG_VERSION_STRING);

    assert_int_equal(crftag_tagger_new(g_model, &t), CRFTAG_OK);
    const char *tok[] = {"a", NULL};
    size_t len[] = {1, 1};
    uint32_t ids[2];
    double score = 5;
    assert_int_equal(crftag_tagger_tag_tokens(NULL, tok, len, 1, ids, &score, NULL, &err),
                     CRFTAG_ERR_INVALID);
    assert_true(score == 0.0);
    assert_int_equal(err.code, CRFTAG_ERR_INVALID);
    assert_int_equal(crftag_tagger_tag_tokens(t, NULL, len, 1, ids, NULL, NULL, &err),
                     CRFTAG_ERR_INVALID);
    assert_int_equal(crftag_tagger_tag_tokens(t, tok, NULL, 1, ids, NULL, NULL, &err),
                     CRFTAG_ERR_INVALID);
    assert_int_equal(crftag_tagger_tag_tokens(t, tok, len, 1, NULL, NULL, NULL, &err),
                     CRFTAG_ERR_INVALID);
    assert_int_equal(crftag_tagger_tag_tokens(t, tok, len, 2, ids, NULL, NULL, &err),
                     CRFTAG_ERR_INVALID);
    assert_non_null(strstr(err.msg, "token 1"));
    assert_int_equal(crftag_tagger_tag_tokens(t, NULL, NULL, 0, NULL, NULL, NULL, NULL),
                     CRFTAG_OK);
    assert_int_equal(crftag_tagger_tag(NULL, tok, 1, 1, ids, NULL, NULL), CRFTAG_ERR_INVALID);
    assert_int_equal(crftag_tagger_tag(t, tok, 1, 0, ids, NULL, NULL), CRFTAG_ERR_INVALID);

    struct crftag_span *sp = (void *)1;
    struct crftag_token *tk = (void *)1;
    size_t nsp = 9, ntk = 9;
    assert_int_equal(crftag_tagger_tag_text(NULL, "x", 1, &sp, &nsp, NULL, NULL, &err),
                     CRFTAG_ERR_INVALID);
    assert_null(sp);
    assert_int_equal(nsp, 0);
    assert_int_equal(crftag_tagger_tag_text(t, NULL, 3, &sp, &nsp, NULL, NULL, &err),
                     CRFTAG_ERR_INVALID);
    assert_int_equal(crftag_tagger_tag_text(t, "x", 1, NULL, &nsp, NULL, NULL, &err),
                     CRFTAG_ERR_INVALID);
    assert_int_equal(crftag_tagger_tag_text(t, "x", 1, &sp, NULL, NULL, NULL, &err),
                     CRFTAG_ERR_INVALID);
    assert_int_equal(crftag_tagger_tag_text(t, "x", 1, &sp, &nsp, &tk, NULL, &err),
                     CRFTAG_ERR_INVALID);
    assert_null(tk);
    /* a NUL byte inside the text is whitespace for the tokenizer, not an end */
    assert_int_equal(crftag_tagger_tag_text(t, "Linux\0Linux", 11, &sp, &nsp, &tk, &ntk, NULL),
                     CRFTAG_OK);
    assert_int_equal(ntk, 2);
    assert_int_equal(tk[1].start, 6);
    crftag_spans_free(sp);
    crftag_tokens_free(tk);
    crftag_tagger_free(t);

    assert_int_equal(crftag_reader_open(NULL, NULL, NULL), CRFTAG_ERR_INVALID);
    assert_int_equal(crftag_corpus_new(NULL), CRFTAG_ERR_INVALID);
    assert_int_equal(crftag_eval_new(NULL), CRFTAG_ERR_INVALID);
    assert_int_equal(crftag_chunks(NULL, 3, NULL), 0);
}

static int setup(void **state)
{
    (void)state;
    struct crftag_error err;
    return crftag_model_load(MODEL_PATH, &g_model, &err) == CRFTAG_OK ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    crftag_model_free(g_model);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_threads_identical),
        cmocka_unit_test(test_tokens_not_nul_terminated),
        cmocka_unit_test(test_marginals_brute_force),
        cmocka_unit_test(test_tag_text_spans),
        cmocka_unit_test(test_load_mem),
        cmocka_unit_test(test_null_safety),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
