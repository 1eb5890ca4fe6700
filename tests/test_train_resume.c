/*
 * test_train_resume.c - stopping and continuing a training: the stop hook
 * of crftag_train_params (keep the weights so far, or abort), also during
 * the first training of bias "auto" and with dev data (the best weights so
 * far are kept); continuing from a model's weights (init), refused for other
 * features; Wapiti template macros refused; the learned lexicon's size in
 * crftag_model_info.
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

#include "corpus.h"
#include "crftag.h"
#include "testutil.h"

#define SLICE "tests/data/corpus_wikiser_30.txt"

/* What the callbacks saw; stop answers `answer` from iteration `at` on. */
struct watch {
    int iterations;          /* progress calls */
    int final_lines;         /* of them, phase 0 (not bias auto's first training) */
    double first_objective;
    double f1[512];
    int stops;               /* stop calls */
    int at, answer;
};

static int on_progress(const struct crftag_progress *p, void *user)
{
    struct watch *w = user;
    if (w->iterations == 0)
        w->first_objective = p->objective;
    if (w->iterations < 512)
        w->f1[w->iterations] = p->dev_f1;
    w->iterations++;
    w->final_lines += p->phase == 0;
    return 0;
}

static int on_stop(void *user)
{
    struct watch *w = user;
    w->stops++;
    return w->stops >= w->at ? w->answer : 0;
}

static void params(struct crftag_train_params *p, struct watch *w)
{
    crftag_train_params_init(p);
    p->threads = 2;
    p->bias = NULL;
    p->clusters = NULL;
    p->max_iter = 200;
    p->epsilon = 0;
    p->delta = 0;
    p->progress = on_progress;
    p->stop = on_stop;
    p->user = w;
}

/* CRFTAG_STOP_KEEP at iteration 5: a model of 5 iterations that says it
 * was interrupted; CRFTAG_STOP_ABORT: no model, CRFTAG_ERR_CANCELED. */
static void test_stop_keep_and_abort(void **state)
{
    (void)state;
    struct crftag_corpus *c = load_corpus(SLICE);
    struct crftag_train_params p;
    struct watch w = {.at = 5, .answer = CRFTAG_STOP_KEEP};
    params(&p, &w);
    struct crftag_model *m = NULL;
    struct crftag_error err;
    assert_int_equal(crftag_train(c, &p, &m, &err), CRFTAG_OK);
    assert_non_null(m);
    struct crftag_model_info in;
    crftag_model_get_info(m, &in);
    assert_int_equal(in.iterations, 5);
    assert_int_equal(w.iterations, 5);
    assert_string_equal(in.stop_reason, "interrupted after 5 iterations");
    assert_true(in.num_nonzero > 0);
    crftag_model_free(m);

    memset(&w, 0, sizeof w);
    w.at = 3;
    w.answer = CRFTAG_STOP_ABORT;
    m = (struct crftag_model *)&w;
    assert_int_equal(crftag_train(c, &p, &m, &err), CRFTAG_ERR_CANCELED);
    assert_null(m);
    assert_int_equal(w.iterations, 3);
    crftag_corpus_free(c);
}

/* Entity F1 of model m on corpus c. */
static double model_f1(const struct crftag_model *m, const struct crftag_corpus *c)
{
    struct crftag_tagger *t;
    struct crftag_eval *ev;
    struct crftag_error err;
    assert_int_equal(crftag_tagger_new(m, &t), CRFTAG_OK);
    assert_int_equal(crftag_eval_new(&ev), CRFTAG_OK);
    for (size_t s = 0; s < c->nsent; s++) {
        struct sentence sen;
        corpus_sentence(c, s, &sen);
        uint32_t ids[512];
        const char *gold[512], *pred[512];
        assert_true(sen.n <= 512);
        assert_int_equal(crftag_tagger_tag(t, sen.cols, sen.n, sen.ncols, ids, NULL, &err),
                         CRFTAG_OK);
        for (size_t i = 0; i < sen.n; i++) {
            gold[i] = sen.cols[i * sen.ncols + sen.ncols - 1];
            pred[i] = crftag_model_label(m, ids[i]);
        }
        assert_int_equal(crftag_eval_add(ev, gold, pred, sen.n), CRFTAG_OK);
    }
    double f1 = crftag_eval_f1(ev);
    crftag_eval_free(ev);
    crftag_tagger_free(t);
    return f1;
}

/* With dev data, an interrupted training keeps the weights of the best dev
 * F1 so far, not the last ones. */
static void test_stop_keeps_best_dev(void **state)
{
    (void)state;
    struct crftag_corpus *all = load_corpus(SLICE), *c = NULL, *dv = NULL;
    struct crftag_error err;
    assert_int_equal(crftag_corpus_new(&c), CRFTAG_OK);
    assert_int_equal(crftag_corpus_new(&dv), CRFTAG_OK);
    for (size_t s = 0; s < all->nsent; s++) {   /* alternately training and dev */
        struct sentence sen;
        corpus_sentence(all, s, &sen);
        assert_int_equal(corpus_add(s % 2 ? dv : c, &sen, &err), CRFTAG_OK);
    }
    struct crftag_train_params p;
    struct watch w = {.at = 30, .answer = CRFTAG_STOP_KEEP};
    params(&p, &w);
    p.dev = dv;
    struct crftag_model *m;
    assert_int_equal(crftag_train(c, &p, &m, &err), CRFTAG_OK);
    int best = 0;
    for (int i = 1; i < w.iterations; i++)
        if (w.f1[i] > w.f1[best])
            best = i;
    struct crftag_model_info in;
    crftag_model_get_info(m, &in);
    char want[96];
    snprintf(want, sizeof want, "interrupted after 30 iterations; kept the weights of "
             "iteration %d (best dev F1 %.2f", best + 1, w.f1[best]);
    assert_non_null(strstr(in.stop_reason, want));
    assert_true(w.f1[best] > w.f1[w.iterations - 1] + 0.5);   /* not the last weights */
    assert_true(fabs(model_f1(m, dv) - w.f1[best]) < 0.02);     /* float weights */
    crftag_model_free(m);
    crftag_corpus_free(c);
    crftag_corpus_free(dv);
    crftag_corpus_free(all);
}

/* The first training of bias "auto" (on 90 % of the sentences) stops too,
 * and its model is returned. */
static void test_stop_bias_auto(void **state)
{
    (void)state;
    struct crftag_corpus *c = load_corpus(SLICE);
    struct crftag_error err;
    for (int k = 0; k < 3; k++)      /* 120 sentences: enough for "auto" */
        assert_int_equal(crftag_corpus_read(c, SLICE, &err), CRFTAG_OK);
    struct crftag_train_params p;
    struct watch w = {.at = 4, .answer = CRFTAG_STOP_KEEP};
    params(&p, &w);
    p.bias = CRFTAG_BIAS_AUTO;
    struct crftag_model *m;
    assert_int_equal(crftag_train(c, &p, &m, &err), CRFTAG_OK);
    assert_int_equal(w.iterations, 4);       /* the first training's lines ... */
    assert_int_equal(w.final_lines, 0);      /* ... and the final training never ran */
    struct crftag_model_info in;
    crftag_model_get_info(m, &in);
    assert_int_equal(in.iterations, 4);
    assert_non_null(strstr(in.stop_reason, "interrupted after 4 iterations (the first "
                                           "training of bias auto"));
    assert_true(in.train_sentences < 120 && in.train_sentences >= 100);
    crftag_model_free(m);
    crftag_corpus_free(c);
}

/* Continuing from a trained model starts at its objective, far below the
 * objective of the zero start; the mapping keeps the model's weights. */
static void test_init_continues(void **state)
{
    (void)state;
    struct crftag_corpus *c = load_corpus(SLICE);
    struct crftag_train_params p;
    struct watch w = {0};
    params(&p, &w);
    p.stop = NULL;
    p.max_iter = 60;
    p.delta = 1e-5;
    p.epsilon = 1e-5;
    struct crftag_model *a, *b;
    struct crftag_error err;
    assert_int_equal(crftag_train(c, &p, &a, &err), CRFTAG_OK);
    struct crftag_model_info ia;
    crftag_model_get_info(a, &ia);
    double scratch_first = w.first_objective;

    memset(&w, 0, sizeof w);
    p.init = a;
    p.max_iter = 1;
    assert_int_equal(crftag_train(c, &p, &b, &err), CRFTAG_OK);
    /* one more step from a's weights (float-rounded): no worse than a */
    assert_true(w.first_objective <= ia.final_objective * 1.001);
    assert_true(w.first_objective < scratch_first / 4);
    struct crftag_model_info ib;
    crftag_model_get_info(b, &ib);
    assert_int_equal(ib.num_attributes, ia.num_attributes);
    assert_int_equal(ib.num_labels, ia.num_labels);
    crftag_model_free(b);

    /* another feature configuration is refused before any iteration */
    memset(&w, 0, sizeof w);
    p.template_text = "U00:%x[0,0]\nU01:%x[-1,0]\n";
    b = (struct crftag_model *)&w;
    assert_int_equal(crftag_train(c, &p, &b, &err), CRFTAG_ERR_INVALID);
    assert_null(b);
    assert_non_null(strstr(err.msg, "initial model was trained with the built-in features"));
    assert_int_equal(w.iterations, 0);
    crftag_model_free(a);
    crftag_corpus_free(c);
}

/* init with bias "auto" keeps init's bias and runs no first training. */
static void test_init_keeps_bias(void **state)
{
    (void)state;
    struct crftag_corpus *c = load_corpus(SLICE);
    struct crftag_train_params p;
    struct watch w = {0};
    params(&p, &w);
    p.stop = NULL;
    p.max_iter = 20;
    p.bias = "0.75";
    struct crftag_model *a, *b;
    struct crftag_error err;
    assert_int_equal(crftag_train(c, &p, &a, &err), CRFTAG_OK);
    p.bias = CRFTAG_BIAS_AUTO;
    p.init = a;
    p.max_iter = 2;
    assert_int_equal(crftag_train(c, &p, &b, &err), CRFTAG_OK);
    for (uint32_t y = 0; y < crftag_model_num_labels(b); y++) {
        const char *l = crftag_model_label(b, y);
        assert_true(crftag_model_label_bias(b, y) == (strcmp(l, "O") == 0 ? 0.0 : 0.75));
    }
    crftag_model_free(b);
    crftag_model_free(a);
    crftag_corpus_free(c);
}

/* Wapiti's %t / %m / %X macros are refused, naming the line. */
static void test_wapiti_macros(void **state)
{
    (void)state;
    struct crftag_corpus *c = load_corpus(SLICE);
    struct crftag_train_params p;
    struct watch w = {0};
    params(&p, &w);
    const char *bad[] = { "U00:%x[0,0]\n\nU01:%t[0,0,\"^[A-Z]\"]\n",
                          "U00:%x[0,0]\n\nU01:%m[0,0,\"[0-9]+\"]\n",
                          "U00:%x[0,0]\n\nU01:%X[0,0]\n" };
    for (size_t k = 0; k < 3; k++) {
        struct crftag_model *m;
        struct crftag_error err;
        p.template_text = bad[k];
        p.template_name = "w.tpl";
        assert_int_equal(crftag_train(c, &p, &m, &err), CRFTAG_ERR_PARSE);
        assert_string_equal(err.file, "w.tpl");
        assert_int_equal(err.line, 3);
        assert_non_null(strstr(err.msg, "Wapiti"));
    }
    crftag_corpus_free(c);
}

/* crftag_model_info counts the learned lexicon (none with lexicon = 0). */
static void test_info_lexicon(void **state)
{
    (void)state;
    struct crftag_corpus *c = load_corpus(SLICE);
    struct crftag_train_params p;
    struct watch w = {0};
    params(&p, &w);
    p.stop = NULL;
    p.max_iter = 3;
    struct crftag_model *m;
    struct crftag_error err;
    assert_int_equal(crftag_train(c, &p, &m, &err), CRFTAG_OK);
    struct crftag_model_info in;
    crftag_model_get_info(m, &in);
    assert_true(in.num_lexicon_entries > 10);
    assert_true(in.num_lexicon_types >= 5 && in.num_lexicon_types <= 20);
    crftag_model_free(m);
    p.lexicon = 0;
    assert_int_equal(crftag_train(c, &p, &m, &err), CRFTAG_OK);
    crftag_model_get_info(m, &in);
    assert_int_equal(in.num_lexicon_entries, 0);
    assert_int_equal(in.num_lexicon_types, 0);
    crftag_model_free(m);
    crftag_corpus_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stop_keep_and_abort),
        cmocka_unit_test(test_stop_keeps_best_dev),
        cmocka_unit_test(test_stop_bias_auto),
        cmocka_unit_test(test_init_continues),
        cmocka_unit_test(test_init_keeps_bias),
        cmocka_unit_test(test_wapiti_macros),
        cmocka_unit_test(test_info_lexicon),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
