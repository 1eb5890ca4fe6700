/*
 * test_train.c - the trainer: gradient against finite differences, thread
 * count invariance, learning a real slice, cancellation, L1 sparsity, BIO
 * detection, plain tags (dev accuracy instead of F1) and parameter errors.
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
#include <unistd.h>

#include "corpus.h"
#include "crftag.h"
#include "featset.h"
#include "labels.h"
#include "model.h"
#include "train.h"
#include "train_data.h"
#include "testutil.h"

#define SLICE "tests/data/corpus_wikiser_30.txt"

/* Writes text to a temporary file; returns its malloc'd path. */
static char *temp_file(const char *text)
{
    char *path = strdup("/tmp/crftag-test-train.XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    size_t len = strlen(text);
    assert_int_equal(write(fd, text, len), (ssize_t)len);
    close(fd);
    return path;
}

static uint64_t rng = 88172645463325252ULL;
static double rnd(void)   /* xorshift64, uniform in [-1, 1) */
{
    return (double)(xorshift64(&rng) >> 11) / (double)(1ULL << 52) - 1.0;
}

static const char *small_template = "U00:%x[0,0]\nU01:%x[-1,0]\nU02:%x[0,0]/%x[1,0]\nB\n";

/* The gradient g of the objective of c under p at x[n] agrees with central
 * differences (step 1e-5) for every stride-th parameter. */
static void check_central_differences(const struct crftag_corpus *c,
                                      const struct crftag_train_params *p, double *x, size_t n,
                                      const double *g, size_t stride)
{
    struct crftag_error err;
    const double h = 1e-5;
    double *gs = malloc(n * sizeof *gs);     /* the gradients at x +- h, not used */
    assert_non_null(gs);
    for (size_t k = 0; k < n; k += stride) {
        double xk = x[k], fp, fm;
        x[k] = xk + h;
        assert_int_equal(train_objective(c, p, x, n, &fp, gs, NULL, &err), CRFTAG_OK);
        x[k] = xk - h;
        assert_int_equal(train_objective(c, p, x, n, &fm, gs, NULL, &err), CRFTAG_OK);
        x[k] = xk;
        double fd = (fp - fm) / (2 * h);
        assert_true(fabs(fd - g[k]) <= 1e-5 * (1 + fabs(g[k])));
    }
    free(gs);
}

/* d f / d x_k by central differences equals g_k, at a random point; also
 * with a weight for every (attribute, label) pair, seen or not. */
static void check_gradient(uint32_t all_labels)
{
    char *path = temp_file("<s>\nQEMU\tB-Application\nuses\tO\nSPICE\tB-Protocol\n.\tO\n</s>\n"
                           "<s>\nLinux\tB-Operating_System\nkernel\tO\non\tO\nARM\tB-Architecture\n"
                           "Cortex\tI-Architecture\n</s>\n<s>\nthe\tO\nQEMU\tB-Application\n"
                           "emulator\tI-Application\n</s>\n");
    struct crftag_corpus *c = load_corpus(path);
    struct crftag_train_params p;
    crftag_train_params_init(&p);
    p.template_text = small_template;
    p.c2 = 0.7;
    p.threads = 1;
    p.all_labels = all_labels;
    size_t n = 0;
    struct crftag_error err;
    assert_int_equal(train_objective(c, &p, NULL, 0, NULL, NULL, &n, &err), CRFTAG_OK);
    assert_true(n > 49);   /* 7 labels: 49 transitions + state features */
    if (all_labels == 1)   /* 32 attributes: 11 words, 9 previous words, 12 word pairs */
        assert_int_equal(n, 32 * 7 + 49);
    double *x = malloc(n * sizeof *x), *g = malloc(n * sizeof *g);
    for (size_t k = 0; k < n; k++)
        x[k] = rnd();
    double f;
    assert_int_equal(train_objective(c, &p, x, n, &f, g, NULL, &err), CRFTAG_OK);
    assert_true(isfinite(f) && f > 0);
    check_central_differences(c, &p, x, n, g, 1);
    free(x);
    free(g);
    crftag_corpus_free(c);
    unlink(path);
    free(path);
}

static void test_gradient_finite_differences(void **state)
{
    (void)state;
    check_gradient(0);
    check_gradient(1);
}

/* The pair runs of every length from 1 to L (word k has k of the 9 labels:
 * a run of L labels is the contiguous case), tokens of 66 attributes (more
 * than a batch of the objective's loops, 64), in sentences of several tokens:
 * the gradient equals central differences, and is the same to the bit for
 * 1 and 2 threads. */
static void test_gradient_runs(void **state)
{
    (void)state;
    char text[4096], tpl[1024];
    size_t len = 0, tl = 0;
    for (int k = 1; k <= 9; k++) {         /* word k with labels A .. (A + k - 1) */
        len += (size_t)snprintf(text + len, sizeof text - len, "<s>\n");
        for (int y = 0; y < k; y++)
            len += (size_t)snprintf(text + len, sizeof text - len, "w%d\t%c\n", k, 'A' + y);
        len += (size_t)snprintf(text + len, sizeof text - len, "</s>\n");
    }
    for (int i = 0; i < 66; i++)
        tl += (size_t)snprintf(tpl + tl, sizeof tpl - tl, "U%02d:%%x[0,0]\n", i);
    snprintf(tpl + tl, sizeof tpl - tl, "B\n");
    char *path = temp_file(text);
    struct crftag_corpus *c = load_corpus(path);
    struct crftag_train_params p;
    crftag_train_params_init(&p);
    p.template_text = tpl;
    p.c2 = 0.3;
    p.threads = 1;
    size_t n = 0;
    struct crftag_error err;
    assert_int_equal(train_objective(c, &p, NULL, 0, NULL, NULL, &n, &err), CRFTAG_OK);
    assert_int_equal(n, 66 * (1 + 2 + 3 + 4 + 5 + 6 + 7 + 8 + 9) + 81);
    double *x = malloc(n * sizeof *x), *g = malloc(n * sizeof *g), *g2 = malloc(n * sizeof *g2);
    for (size_t k = 0; k < n; k++)
        x[k] = 0.3 * rnd();
    double f, f2;
    assert_int_equal(train_objective(c, &p, x, n, &f, g, NULL, &err), CRFTAG_OK);
    p.threads = 2;
    assert_int_equal(train_objective(c, &p, x, n, &f2, g2, NULL, &err), CRFTAG_OK);
    assert_memory_equal(g, g2, n * sizeof *g);
    p.threads = 1;
    check_central_differences(c, &p, x, n, g, 5);   /* every fifth: every place in the runs */
    free(x);
    free(g);
    free(g2);
    crftag_corpus_free(c);
    unlink(path);
    free(path);
}

/* Runs of every label next to runs of all labels but one, in one token:
 * word k has k of the 9 labels; its second column (c1 for odd k: all nine
 * labels, c0: eight) and third (e for k = 2 .. 8: eight labels, f for 1
 * and 9: all nine) give attributes of both kinds, the template's lines
 * taking the three columns in turn, so that a token's ids (numbered as the
 * first sentence, word 3, shows them) alternate between partial runs, runs
 * of every label and runs of eight labels: the groups of runs of every
 * label (train_runs.h) start and end between the others.  The gradient
 * equals central differences and is the same for 1 and 2 threads. */
static void test_gradient_mixed_runs(void **state)
{
    (void)state;
    char text[4096], tpl[1024];
    size_t len = 0, tl = 0;
    static const int order[] = {3, 1, 2, 4, 5, 6, 7, 8, 9};
    for (int o = 0; o < 9; o++) {
        int k = order[o];
        for (int y = 0; y < k; y++)
            len += (size_t)snprintf(text + len, sizeof text - len, "w%d\tc%d\t%s\t%c\n", k,
                                    k % 2, k == 1 || k == 9 ? "f" : "e", 'A' + y);
        len += (size_t)snprintf(text + len, sizeof text - len, "\n");   /* sentence end */
    }
    for (int i = 0; i < 69; i++)
        tl += (size_t)snprintf(tpl + tl, sizeof tpl - tl, "U%02d:%%x[0,%d]\n", i, i % 3);
    snprintf(tpl + tl, sizeof tpl - tl, "B\n");
    char *path = temp_file(text);
    struct crftag_corpus *c = load_corpus(path);
    struct crftag_train_params p;
    crftag_train_params_init(&p);
    p.template_text = tpl;
    p.c2 = 0.3;
    p.threads = 1;
    p.all_labels = 0;            /* the pairs seen (no O: AUTO would give every label) */
    size_t n = 0;
    struct crftag_error err;
    assert_int_equal(train_objective(c, &p, NULL, 0, NULL, NULL, &n, &err), CRFTAG_OK);
    /* 23 attributes of each column: words 45 pairs, c0 8 and c1 9, e 8 and f 9 */
    assert_int_equal(n, 23 * (45 + 17 + 17) + 81);
    double *x = malloc(n * sizeof *x), *g = malloc(n * sizeof *g), *g2 = malloc(n * sizeof *g2);
    for (size_t k = 0; k < n; k++)
        x[k] = 0.3 * rnd();
    double f, f2;
    assert_int_equal(train_objective(c, &p, x, n, &f, g, NULL, &err), CRFTAG_OK);
    p.threads = 2;
    assert_int_equal(train_objective(c, &p, x, n, &f2, g2, NULL, &err), CRFTAG_OK);
    assert_memory_equal(g, g2, n * sizeof *g);
    p.threads = 1;
    check_central_differences(c, &p, x, n, g, 3);
    free(x);
    free(g);
    free(g2);
    crftag_corpus_free(c);
    unlink(path);
    free(path);
}

/* The objective and gradient do not depend on the thread count: the
 * gradient's terms are rounded so that their sums are exact (to the bit),
 * the objective is that exact sum plus a small one of the remainders. */
static void test_threads_invariance(void **state)
{
    (void)state;
    struct crftag_corpus *c = load_corpus(SLICE);
    struct crftag_train_params p;
    crftag_train_params_init(&p);
    size_t n = 0;
    struct crftag_error err;
    assert_int_equal(train_objective(c, &p, NULL, 0, NULL, NULL, &n, &err), CRFTAG_OK);
    double *x = malloc(n * sizeof *x), *g1 = malloc(n * sizeof *g1), *g3 = malloc(n * sizeof *g3);
    for (size_t k = 0; k < n; k++)
        x[k] = 0.1 * rnd();
    double f1, f3;
    p.threads = 1;
    assert_int_equal(train_objective(c, &p, x, n, &f1, g1, NULL, &err), CRFTAG_OK);
    p.threads = 3;
    assert_int_equal(train_objective(c, &p, x, n, &f3, g3, NULL, &err), CRFTAG_OK);
    assert_true(fabs(f1 - f3) <= 1e-15 * fabs(f1));
    assert_memory_equal(g1, g3, n * sizeof *g1);
    free(x);
    free(g1);
    free(g3);
    crftag_corpus_free(c);
}

/* train_quantize_pick's version (AVX here when the CPU has it) rounds as
 * train_quantize, to the bit: ties (odd and even), small negatives (+0,
 * not -0), values at and past 2^51 units (left as they are, half units
 * too), infinities, every length's tail; in place and added to an
 * accumulator. */
static void test_quantize_same_bits(void **state)
{
    (void)state;
    train_quantize_fn *fast = train_quantize_pick();
    enum { N = 67 };
    double v[N], a[N], b[N], acc_a[N], acc_b[N];
    const double u = TRAIN_QUANTUM;
    const double special[] = {0.5 * u, 1.5 * u, 2.5 * u, -0.5 * u, -1.5 * u, -0.3 * u,
                              -0.0, 0.0, 0x1p23 + 0.5 * u, 0x1p23 + 1.5 * u, 0x1p24,
                              -0x1p24 - 0.5 * u, 0x1p26 + 0x1p-3, 1e300, -1e300,
                              INFINITY, -INFINITY, 0.999999999, 1.0 - 0.5 * u};
    size_t ns = sizeof special / sizeof special[0];
    for (size_t n = 0; n <= N; n += (n < 9 ? 1 : 29)) {
        for (size_t k = 0; k < N; k++) {
            v[k] = k < ns ? special[k] : rnd() * (k % 3 ? 1.0 : 1e-7);
            acc_a[k] = acc_b[k] = k * 0.25;
        }
        memcpy(a, v, sizeof v);
        memcpy(b, v, sizeof v);
        train_quantize_plain(NULL, a, n);
        fast(NULL, b, n);
        assert_memory_equal(a, b, sizeof a);
        for (size_t k = 0; k < n && k < ns; k++) {
            double q = train_quantize(v[k]);
            assert_memory_equal(&a[k], &q, sizeof q);
        }
        train_quantize_plain(acc_a, v, n);
        fast(acc_b, v, n);
        assert_memory_equal(acc_a, acc_b, sizeof acc_a);
    }
    /* ties go to even: 0.5 and 2.5 units down, 1.5 up; -0.3 units gives +0 */
    double t[4] = {0.5 * u, 1.5 * u, 2.5 * u, -0.3 * u};
    fast(NULL, t, 4);
    assert_true(t[0] == 0.0 && t[1] == 2 * u && t[2] == 2 * u && t[3] == 0.0 && !signbit(t[3]));
}

/* The objectives of one training, iteration by iteration. */
struct objectives {
    int n;
    double f[64];
};

static int on_objective(const struct crftag_progress *pr, void *user)
{
    struct objectives *o = user;
    if (o->n < 64)
        o->f[o->n++] = pr->objective;
    return 0;
}

/* A whole training (40 iterations, the correction pairs of L-BFGS in
 * float) runs the same for 1, 2 and 3 threads: the same objective at
 * every iteration, to the bit. */
static void test_threads_same_training(void **state)
{
    (void)state;
    struct crftag_corpus *c = load_corpus(SLICE);
    struct objectives o[3];
    for (int j = 0; j < 3; j++) {
        struct crftag_train_params p;
        crftag_train_params_init(&p);
        p.bias = NULL;
        p.max_iter = 40;
        p.threads = j + 1;
        p.progress = on_objective;
        memset(&o[j], 0, sizeof o[j]);
        p.user = &o[j];
        struct crftag_model *m;
        struct crftag_error err;
        assert_int_equal(crftag_train(c, &p, &m, &err), CRFTAG_OK);
        crftag_model_free(m);
    }
    assert_int_equal(o[0].n, 40);
    for (int j = 1; j < 3; j++) {
        assert_int_equal(o[j].n, o[0].n);
        assert_memory_equal(o[j].f, o[0].f, (size_t)o[0].n * sizeof o[0].f[0]);
    }
    crftag_corpus_free(c);
}

struct progress_log {
    int calls;
    int cancel_at;
    double last_f1;
    int plain_calls;           /* calls with dev_plain_tags set */
    double first_objective, last_objective;
};

static int on_progress(const struct crftag_progress *pr, void *user)
{
    struct progress_log *log = user;
    log->calls++;
    if (log->calls == 1)
        log->first_objective = pr->objective;
    log->last_objective = pr->objective;
    log->last_f1 = pr->dev_f1;
    log->plain_calls += pr->dev_plain_tags != 0;
    return log->cancel_at && pr->iteration >= log->cancel_at;
}

/* Tags every sentence of c with m; returns the fraction of correct tokens. */
static double train_accuracy(const struct crftag_model *m, const char *path)
{
    struct crftag_reader *r;
    struct crftag_error err;
    assert_int_equal(crftag_reader_open(path, &r, &err), CRFTAG_OK);
    struct crftag_tagger *t;
    assert_int_equal(crftag_tagger_new(m, &t), CRFTAG_OK);
    const char *const *cols;
    size_t n, ncols, right = 0, all = 0;
    uint32_t ids[4096];
    while (crftag_reader_next(r, &cols, &n, &ncols, &err) > 0) {
        assert_true(n <= 4096);
        assert_int_equal(crftag_tagger_tag(t, cols, n, ncols, ids, NULL, &err), CRFTAG_OK);
        for (size_t i = 0; i < n; i++)
            right += strcmp(crftag_model_label(m, ids[i]), cols[i * ncols + ncols - 1]) == 0;
        all += n;
    }
    crftag_tagger_free(t);
    crftag_reader_close(r);
    return (double)right / (double)all;
}

/* A real WikiSER slice is learnt: training accuracy near 100%, the objective
 * falls, dev F1 is reported, the model is IOB2-constrained. */
static void test_learns_slice(void **state)
{
    (void)state;
    struct crftag_corpus *c = load_corpus(SLICE);
    struct crftag_train_params p;
    crftag_train_params_init(&p);
    p.max_iter = 100;
    p.threads = 2;
    p.dev = c;
    struct progress_log log = {0};
    p.progress = on_progress;
    p.user = &log;
    struct crftag_model *m;
    struct crftag_error err;
    assert_int_equal(crftag_train(c, &p, &m, &err), CRFTAG_OK);
    assert_true(log.calls > 10);
    assert_true(log.last_objective < 0.2 * log.first_objective);
    assert_true(log.last_f1 > 90.0);
    assert_int_equal(log.plain_calls, 0);
    assert_true(train_accuracy(m, SLICE) > 0.99);
    struct crftag_model_info in;
    crftag_model_get_info(m, &in);
    assert_int_equal(in.bio_constrained, 1);
    assert_int_equal(in.plain_tags, 0);
    assert_int_equal(in.train_sentences, 30);
    assert_int_equal(in.num_columns, 1);
    assert_int_equal(in.iterations, (uint32_t)log.calls);
    crftag_model_free(m);
    crftag_corpus_free(c);
}

struct f1_log {
    int calls;
    double f1[1000];           /* dev F1 of iteration i + 1 */
};

static int on_f1(const struct crftag_progress *pr, void *user)
{
    struct f1_log *log = user;
    assert_int_equal(pr->iteration, log->calls + 1);
    assert_true(log->calls < 1000);
    log->f1[log->calls++] = pr->dev_f1;
    return 0;
}

static void tag_all(const struct crftag_model *m, const struct crftag_corpus *c, uint32_t *out)
{
    struct crftag_tagger *t;
    assert_int_equal(crftag_tagger_new(m, &t), CRFTAG_OK);
    size_t k = 0;
    for (size_t s = 0; s < c->nsent; s++) {
        struct sentence sen;
        corpus_sentence(c, s, &sen);
        assert_int_equal(crftag_tagger_tag(t, sen.cols, sen.n, sen.ncols, out + k, NULL, NULL),
                         CRFTAG_OK);
        k += sen.n;
    }
    crftag_tagger_free(t);
}

/* Entity F1 of m on corpus c, as crftag eval computes it. */
static double model_f1(const struct crftag_model *m, const struct crftag_corpus *c)
{
    uint32_t *ids = malloc(c->ntok * sizeof *ids);
    assert_non_null(ids);
    tag_all(m, c, ids);
    struct crftag_eval *ev;
    assert_int_equal(crftag_eval_new(&ev), CRFTAG_OK);
    for (size_t s = 0, k = 0; s < c->nsent; s++) {
        struct sentence sen;
        corpus_sentence(c, s, &sen);
        const char *gold[4096], *pred[4096];
        assert_true(sen.n <= 4096);
        for (size_t i = 0; i < sen.n; i++, k++) {
            gold[i] = sen.cols[i * sen.ncols + sen.ncols - 1];
            pred[i] = crftag_model_label(m, ids[k]);
        }
        assert_int_equal(crftag_eval_add(ev, gold, pred, sen.n), CRFTAG_OK);
    }
    double f1 = crftag_eval_f1(ev);
    crftag_eval_free(ev);
    free(ids);
    return f1;
}

/* Early stopping: training on half of the WikiSER slice with the other half
 * as dev data stops patience iterations after the best dev F1, and the model
 * holds the weights of that best iteration (its dev F1 is the best one). */
static void test_dev_patience(void **state)
{
    (void)state;
    struct crftag_corpus *all = load_corpus(SLICE), *tr = NULL, *dv = NULL;
    struct crftag_error err;
    /* the slice's sentences, alternately into training and dev data */
    assert_int_equal(crftag_corpus_new(&tr), CRFTAG_OK);
    assert_int_equal(crftag_corpus_new(&dv), CRFTAG_OK);
    for (size_t s = 0; s < all->nsent; s++) {
        struct sentence sen;
        corpus_sentence(all, s, &sen);
        assert_int_equal(corpus_add(s % 2 ? dv : tr, &sen, &err), CRFTAG_OK);
    }

    struct crftag_train_params p;
    crftag_train_params_init(&p);
    p.threads = 2;
    p.max_iter = 400;
    p.dev = dv;
    p.dev_patience = 5;
    static struct f1_log log;
    memset(&log, 0, sizeof log);
    p.progress = on_f1;
    p.user = &log;
    struct crftag_model *m;
    assert_int_equal(crftag_train(tr, &p, &m, &err), CRFTAG_OK);
    int best = 0;
    for (int i = 1; i < log.calls; i++)
        if (log.f1[i] > log.f1[best])
            best = i;
    assert_true(log.f1[best] > 10.0);
    assert_int_equal(log.calls, best + 1 + p.dev_patience);   /* stopped patience after */
    assert_true(log.calls < p.max_iter);
    struct crftag_model_info in;
    crftag_model_get_info(m, &in);
    assert_non_null(strstr(in.stop_reason, "early stopping: best dev F1"));
    assert_true(fabs(model_f1(m, dv) - log.f1[best]) < 0.02);  /* float weights */
    crftag_model_free(m);

    /* patience without dev data, and a negative one, are refused */
    p.dev = NULL;
    assert_int_equal(crftag_train(tr, &p, &m, &err), CRFTAG_ERR_INVALID);
    assert_non_null(strstr(err.msg, "needs dev data"));
    p.dev = dv;
    p.dev_patience = -1;
    assert_int_equal(crftag_train(tr, &p, &m, &err), CRFTAG_ERR_INVALID);

    crftag_corpus_free(tr);
    crftag_corpus_free(dv);
    crftag_corpus_free(all);
}

/* Plain tags (part-of-speech): the dev figure is token accuracy, flagged in
 * every progress line and named by the early-stopping reason; the model
 * says its labels are plain tags and is not BIO-constrained. */
static void test_dev_plain_tags(void **state)
{
    (void)state;
    char *path = temp_file("the\tDET\ndog\tNOUN\nruns\tVERB\n.\tPUNCT\n\n"
                           "a\tDET\ncat\tNOUN\nsleeps\tVERB\n.\tPUNCT\n\n"
                           "dogs\tNOUN\nrun\tVERB\nfast\tADV\n.\tPUNCT\n\n");
    struct crftag_corpus *c = load_corpus(path);
    struct crftag_train_params p;
    crftag_train_params_init(&p);
    p.threads = 1;
    p.max_iter = 200;
    p.dev = c;
    p.dev_patience = 3;
    struct progress_log log = {0};
    p.progress = on_progress;
    p.user = &log;
    struct crftag_model *m;
    struct crftag_error err;
    assert_int_equal(crftag_train(c, &p, &m, &err), CRFTAG_OK);
    assert_true(log.calls > 3);
    assert_int_equal(log.plain_calls, log.calls);
    struct crftag_model_info in;
    crftag_model_get_info(m, &in);
    assert_int_equal(in.plain_tags, 1);
    assert_int_equal(in.bio_constrained, 0);
    /* the weights kept are those of the best accuracy: 12 of 12 tokens */
    assert_non_null(strstr(in.stop_reason, "early stopping: best dev accuracy 100.00"));
    assert_true(train_accuracy(m, path) == 1.0);
    crftag_model_free(m);
    crftag_corpus_free(c);
    unlink(path);
    free(path);
}

static void test_cancel(void **state)
{
    (void)state;
    struct crftag_corpus *c = load_corpus(SLICE);
    struct crftag_train_params p;
    crftag_train_params_init(&p);
    struct progress_log log = {0};
    log.cancel_at = 3;
    p.progress = on_progress;
    p.user = &log;
    struct crftag_model *m = (struct crftag_model *)&log;
    struct crftag_error err;
    assert_int_equal(crftag_train(c, &p, &m, &err), CRFTAG_ERR_CANCELED);
    assert_null(m);
    assert_int_equal(log.calls, 3);
    crftag_corpus_free(c);
}

/* L1 (OWL-QN) leaves far fewer non-zero weights than L2 alone. */
static void test_l1_sparsity(void **state)
{
    (void)state;
    struct crftag_corpus *c = load_corpus(SLICE);
    struct crftag_train_params p;
    crftag_train_params_init(&p);
    p.max_iter = 60;
    struct crftag_model *m2, *m1;
    struct crftag_error err;
    assert_int_equal(crftag_train(c, &p, &m2, &err), CRFTAG_OK);
    p.c1 = 1.0;
    p.c2 = 0.0;
    assert_int_equal(crftag_train(c, &p, &m1, &err), CRFTAG_OK);
    struct crftag_model_info i1, i2;
    crftag_model_get_info(m1, &i1);
    crftag_model_get_info(m2, &i2);
    assert_true(i1.num_nonzero * 5 < i2.num_nonzero);
    assert_true(i1.num_features < i2.num_features);   /* zero weights are dropped */
    assert_true(train_accuracy(m1, SLICE) > 0.9);
    crftag_model_free(m1);
    crftag_model_free(m2);
    crftag_corpus_free(c);
}

/* IOB1 training labels (I- after O) turn the BIO restriction off. */
static void test_iob1_unconstrained(void **state)
{
    (void)state;
    char *path = temp_file("a O O\nb X I-LOC\nc X I-LOC\nd O O\n\ne X I-ORG\nf O O\n\n");
    struct crftag_corpus *c = load_corpus(path);
    struct crftag_train_params p;
    crftag_train_params_init(&p);
    p.max_iter = 20;
    struct crftag_model *m;
    struct crftag_error err;
    assert_int_equal(crftag_train(c, &p, &m, &err), CRFTAG_OK);
    struct crftag_model_info in;
    crftag_model_get_info(m, &in);
    assert_int_equal(in.bio_constrained, 0);
    /* the builtin features read column 0 only, whatever the file holds */
    assert_int_equal(in.num_columns, 1);
    crftag_model_free(m);
    crftag_corpus_free(c);
    unlink(path);
    free(path);
}

/* The parameters are the distinct (attribute, label) pairs seen in training
 * plus L * L transitions, counted here independently, with few labels (one
 * bit set of labels per attribute) and with more than 64 (sorted pairs).
 * With all_labels 1 every attribute has every label; with a threshold above
 * every attribute's count, none has. */
static void check_pair_count(size_t nlab)
{
    enum { NSENT = 40, NTOK = 9, NWORD = 13 };
    static unsigned char seen[NWORD][100];
    memset(seen, 0, sizeof seen);
    size_t cap = NSENT * (6 + NTOK * 16) + 1, len = 0, distinct = 0;
    char *text = malloc(cap);
    for (int s = 0; s < NSENT; s++) {
        len += (size_t)sprintf(text + len, "<s>\n");
        for (int j = 0; j < NTOK; j++) {
            int w = (j * 5 + s) % NWORD;
            int y = (int)((size_t)(j * 7 + s * 3) % nlab);
            if (!seen[w][y]) {
                seen[w][y] = 1;
                distinct++;
            }
            len += (size_t)sprintf(text + len, "w%d\tT%d\n", w, y);
        }
        len += (size_t)sprintf(text + len, "</s>\n");
    }
    assert_true(len < cap);
    char *path = temp_file(text);
    struct crftag_corpus *c = load_corpus(path);
    struct crftag_train_params p;
    crftag_train_params_init(&p);
    p.template_text = "U00:%x[0,0]\n";
    p.all_labels = 0;            /* the pairs seen (no O: AUTO would give every label) */
    size_t n = 0;
    struct crftag_error err;
    assert_int_equal(train_objective(c, &p, NULL, 0, NULL, NULL, &n, &err), CRFTAG_OK);
    /* every label occurs (j * 7 + s * 3 covers all residues) */
    assert_int_equal(n, distinct + nlab * nlab);
    p.all_labels = 1;
    assert_int_equal(train_objective(c, &p, NULL, 0, NULL, NULL, &n, &err), CRFTAG_OK);
    assert_int_equal(n, NWORD * nlab + nlab * nlab);
    p.all_labels = NSENT * NTOK;    /* a word occurs NSENT * NTOK / NWORD times */
    assert_int_equal(train_objective(c, &p, NULL, 0, NULL, NULL, &n, &err), CRFTAG_OK);
    assert_int_equal(n, distinct + nlab * nlab);
    crftag_corpus_free(c);
    unlink(path);
    free(path);
    free(text);
}

static void test_pair_count(void **state)
{
    (void)state;
    check_pair_count(20);
    check_pair_count(64);
    check_pair_count(65);
    check_pair_count(90);
}

/* A model holds at most MODEL_MAX_PAIRS (2^32 - 1) pairs: one more is
 * refused with a message, before anything of that size is allocated, both
 * as a count and as the pairs of a corpus: 4,096 labels (one token each)
 * and 256 attributes a token, every label for every attribute, are 2^32. */
static void test_pair_limit(void **state)
{
    (void)state;
    struct crftag_error err;
    struct crftag_model *m = model_new();
    assert_non_null(m);
    assert_int_equal(train_pairs_alloc(m, (size_t)MODEL_MAX_PAIRS + 1, 22, &err),
                     CRFTAG_ERR_INVALID);
    assert_non_null(strstr(err.msg, "a model holds at most 4294967295"));
    assert_null(m->pair_label);
    crftag_model_free(m);

    enum { NLAB = 4096, NATT = 256 };
    char (*att)[12] = malloc((size_t)NLAB * NATT * sizeof *att);
    const char **names = malloc((size_t)NLAB * NATT * sizeof *names);
    char (*lab)[12] = malloc(NLAB * sizeof *lab);
    const char *labels[NLAB];
    size_t natt[NLAB];
    assert_true(att && names && lab);
    for (size_t i = 0; i < (size_t)NLAB * NATT; i++) {
        snprintf(att[i], sizeof att[i], "a%zu", i);
        names[i] = att[i];
    }
    for (size_t t = 0; t < NLAB; t++) {
        snprintf(lab[t], sizeof lab[t], "L%zu", t);
        labels[t] = lab[t];
        natt[t] = NATT;
    }
    struct crftag_corpus *c;
    assert_int_equal(crftag_corpus_new(&c), CRFTAG_OK);
    assert_int_equal(crftag_corpus_add_attrs(c, NLAB, natt, names, NULL, labels, &err),
                     CRFTAG_OK);
    free(att);
    free(names);
    free(lab);
    struct crftag_train_params p;
    crftag_train_params_init(&p);
    p.bias = NULL;
    p.threads = 1;
    p.all_labels = 1;
    size_t n = 0;
    assert_int_equal(train_objective(c, &p, NULL, 0, NULL, NULL, &n, &err),
                     CRFTAG_ERR_INVALID);
    assert_non_null(strstr(err.msg, "4294967296 (attribute, label) pairs"));
    crftag_corpus_free(c);
}

static void test_errors(void **state)
{
    (void)state;
    struct crftag_train_params p;
    crftag_train_params_init(&p);
    struct crftag_model *m;
    struct crftag_error err;
    struct crftag_corpus *empty;
    assert_int_equal(crftag_corpus_new(&empty), CRFTAG_OK);
    assert_int_equal(crftag_train(empty, &p, &m, &err), CRFTAG_ERR_INVALID);
    assert_null(m);
    assert_non_null(strstr(err.msg, "no sentences"));
    crftag_corpus_free(empty);

    char *path = temp_file("<s>\nQEMU\nuses\n</s>\n");
    struct crftag_corpus *nolabel = load_corpus(path);
    assert_int_equal(crftag_train(nolabel, &p, &m, &err), CRFTAG_ERR_INVALID);
    assert_non_null(strstr(err.msg, "no label column"));
    crftag_corpus_free(nolabel);
    unlink(path);
    free(path);

    struct crftag_corpus *c = load_corpus(SLICE);
    p.template_text = "U00:%x[0,2]\n";
    p.template_name = "my.tpl";
    assert_int_equal(crftag_train(c, &p, &m, &err), CRFTAG_ERR_INVALID);
    assert_non_null(strstr(err.msg, "column 2"));
    assert_string_equal(err.file, "my.tpl");
    p.template_text = "U00:%x[0,0\n";
    assert_int_equal(crftag_train(c, &p, &m, &err), CRFTAG_ERR_PARSE);
    assert_int_equal(err.line, 1);
    p.template_text = NULL;
    p.c2 = -2;    /* negative, and not CRFTAG_TRAIN_AUTO (-1) */
    assert_int_equal(crftag_train(c, &p, &m, &err), CRFTAG_ERR_INVALID);
    p.c2 = NAN;
    assert_int_equal(crftag_train(c, &p, &m, &err), CRFTAG_ERR_INVALID);
    p.c2 = 1;
    assert_int_equal(crftag_train(c, &p, NULL, &err), CRFTAG_ERR_INVALID);
    assert_int_equal(crftag_train(NULL, &p, &m, &err), CRFTAG_ERR_INVALID);
    p.lexicon_folds = 65;
    assert_int_equal(crftag_train(c, &p, &m, &err), CRFTAG_ERR_INVALID);
    assert_non_null(strstr(err.msg, "lexicon folds"));
    p.lexicon_folds = -2;        /* negative, and not CRFTAG_LEXICON_FOLDS_AUTO (-1) */
    assert_int_equal(crftag_train(c, &p, &m, &err), CRFTAG_ERR_INVALID);
    crftag_corpus_free(c);
}

/* The lexicon is built by default, adds attributes, and travels through the
 * model file: the loaded model tags exactly as the trained one. */
static void test_lexicon_model(void **state)
{
    (void)state;
    struct crftag_corpus *c = load_corpus(SLICE);
    struct crftag_train_params p;
    crftag_train_params_init(&p);
    assert_int_equal(p.lexicon, 1);
    assert_int_equal(p.lexicon_folds, CRFTAG_LEXICON_FOLDS_AUTO);
    p.max_iter = 30;
    p.threads = 1;
    struct crftag_model *with, *without, *back;
    struct crftag_error err;
    assert_int_equal(crftag_train(c, &p, &with, &err), CRFTAG_OK);
    p.lexicon = 0;
    assert_int_equal(crftag_train(c, &p, &without, &err), CRFTAG_OK);
    struct crftag_model_info a, b;
    crftag_model_get_info(with, &a);
    crftag_model_get_info(without, &b);
    assert_true(a.num_attributes > b.num_attributes);
    char *path = temp_file("");
    assert_int_equal(crftag_model_save(with, path, &err), CRFTAG_OK);
    assert_int_equal(crftag_model_load(path, &back, &err), CRFTAG_OK);
    size_t ntok = c->ntok;
    uint32_t *y1 = malloc(ntok * sizeof *y1), *y2 = malloc(ntok * sizeof *y2);
    tag_all(with, c, y1);
    tag_all(back, c, y2);
    assert_memory_equal(y1, y2, ntok * sizeof *y1);
    free(y1);
    free(y2);
    unlink(path);
    free(path);
    crftag_model_free(with);
    crftag_model_free(without);
    crftag_model_free(back);
    crftag_corpus_free(c);
}

static int cmp_pair(const void *a, const void *b)
{
    const uint64_t *x = a, *y = b;
    return x[0] != y[0] ? (x[0] < y[0] ? -1 : 1) : (x[1] > y[1]) - (x[1] < y[1]);
}

/* --min-freq N: the model keeps exactly the attributes seen N times or more,
 * each with exactly the labels it was seen with, counted here from the
 * model's own feature extraction; with --all-labels K, the kept attributes
 * seen K times or more have every label. */
static void check_min_freq(uint32_t min_freq, uint32_t all_labels)
{
    struct crftag_corpus *c = load_corpus(SLICE);
    struct crftag_train_params p;
    crftag_train_params_init(&p);
    p.template_text = small_template;
    p.c1 = 0;    /* L2: every pair stays in the model (L1 drops the zero ones) */
    p.c2 = 1;
    p.min_freq = min_freq;
    p.all_labels = all_labels;
    p.max_iter = 3;
    p.threads = 2;
    struct crftag_model *m;
    struct crftag_error err;
    assert_int_equal(crftag_train(c, &p, &m, &err), CRFTAG_OK);

    /* (hash, label id) of every attribute occurrence, sorted */
    struct feat_buf fb = {0};
    uint64_t (*occ)[2] = NULL;
    size_t nocc = 0, cap = 0;
    for (size_t s = 0; s < c->nsent; s++) {
        struct sentence sen;
        corpus_sentence(c, s, &sen);
        assert_int_equal(feat_extract(&m->feat, sen.cols, sen.n, sen.ncols, &fb), CRFTAG_OK);
        for (size_t i = 0; i < sen.n; i++) {
            long y = labels_find(&m->labels, sen.cols[i * sen.ncols + sen.ncols - 1]);
            assert_true(y >= 0);
            for (size_t k = fb.start[i]; k < fb.start[i + 1]; k++) {
                if (nocc == cap) {
                    cap = cap ? 2 * cap : 1024;
                    occ = realloc(occ, cap * sizeof *occ);
                    assert_non_null(occ);
                }
                occ[nocc][0] = fb.ids[k];
                occ[nocc][1] = (uint64_t)y;
                nocc++;
            }
        }
    }
    feat_buf_free(&fb);
    qsort(occ, nocc, sizeof *occ, cmp_pair);

    /* walk the attributes of the data in hash order next to the model's */
    size_t kept = 0, pairs = 0, full = 0;
    uint64_t every = (UINT64_C(1) << m->labels.n) - 1;
    for (size_t i = 0; i < nocc;) {
        size_t j = i;
        while (j < nocc && occ[j][0] == occ[i][0])
            j++;
        uint32_t a;
        for (a = 0; a < m->nattr && m->attr_hash[a] != occ[i][0]; a++)
            ;
        if (j - i < min_freq) {
            assert_int_equal(a, m->nattr);             /* cut off */
        } else {
            assert_true(a < m->nattr);
            kept++;
            uint64_t seen = 0, model = 0;
            for (size_t k = i; k < j; k++)
                seen |= UINT64_C(1) << occ[k][1];
            for (uint32_t q = m->attr_off[a]; q < m->attr_off[a + 1]; q++) {
                model |= UINT64_C(1) << m->pair_label[q];
                /* runs ascend by label: a run of every label is 0 .. L-1, which
                 * the trainer relies on to walk it without pair_label */
                if (q > m->attr_off[a])
                    assert_true(m->pair_label[q] > m->pair_label[q - 1]);
            }
            if (all_labels && j - i >= all_labels) {
                assert_true(model == every);
                full++;
            } else {
                assert_true(seen == model);
            }
            pairs += (size_t)__builtin_popcountll(model);
        }
        i = j;
    }
    assert_int_equal(kept, m->nattr);
    assert_int_equal(pairs, m->npairs);
    print_message("  min-freq %u, all-labels %u: %zu attributes (%zu with every label), %zu pairs\n",
                  min_freq, all_labels, kept, full, pairs);
    if (min_freq > 1)
        assert_true(kept > 20);                        /* the slice is not all cut off */
    if (all_labels)
        assert_true(full > 5 && full < kept);          /* both kinds are checked */
    free(occ);
    crftag_model_free(m);
    crftag_corpus_free(c);
}

static void test_min_freq(void **state)
{
    (void)state;
    check_min_freq(1, 0);
    check_min_freq(2, 0);
    check_min_freq(5, 0);
    check_min_freq(1, 3);
    check_min_freq(2, 10);
}

/* A corpus of n sentences "w0 .. w4", word k labelled lab[k]. */
static struct crftag_corpus *labelled(size_t n, const char *const lab[5])
{
    struct crftag_corpus *c;
    assert_int_equal(crftag_corpus_new(&c), CRFTAG_OK);
    struct crftag_error err;
    static const char *w[5] = { "w0", "w1", "w2", "w3", "w4" };
    for (size_t s = 0; s < n; s++) {
        const char *cols[10];
        for (int k = 0; k < 5; k++) {
            cols[2 * k] = w[k];
            cols[2 * k + 1] = lab[k];
        }
        assert_int_equal(crftag_corpus_add_sentence(c, cols, 5, 2, &err), CRFTAG_OK);
    }
    return c;
}

/* all_labels CRFTAG_ALL_LABELS_AUTO: every label for the attributes seen
 * CRFTAG_ALL_LABELS_DENSE times with a template and c1 > 0 when fewer than
 * half the tokens are O, else none; a value given is kept. */
static void test_all_labels_auto(void **state)
{
    (void)state;
    static const char *dense[5] = { "B-NP", "I-NP", "B-VP", "O", "B-PP" };   /* O 1 of 5 */
    static const char *half[5] = { "B-NP", "O", "B-VP", "O", "O" };         /* 3 of 5 */
    struct crftag_corpus *cd = labelled(20, dense), *ch = labelled(20, half);
    struct crftag_error err;
    struct crftag_train_params p;
    crftag_train_params_init(&p);
    assert_true(p.all_labels == CRFTAG_ALL_LABELS_AUTO);
    p.template_text = "U00:%x[0,0]\nB\n";
    p.threads = 1;
    p.bias = NULL;
    struct crftag_train_params q = p;
    train_resolve(&q);
    assert_int_equal(train_resolve_labels(&q, cd, &err), CRFTAG_OK);
    assert_int_equal(q.all_labels, CRFTAG_ALL_LABELS_DENSE);
    q = p;
    train_resolve(&q);
    assert_int_equal(train_resolve_labels(&q, ch, &err), CRFTAG_OK);
    assert_int_equal(q.all_labels, 0);
    q = p;                                   /* L2 with a template: none */
    q.c1 = 0;
    train_resolve(&q);
    assert_int_equal(train_resolve_labels(&q, cd, &err), CRFTAG_OK);
    assert_int_equal(q.all_labels, 0);
    q = p;                                   /* the built-in features: none */
    q.template_text = NULL;
    train_resolve(&q);
    assert_int_equal(train_resolve_labels(&q, cd, &err), CRFTAG_OK);
    assert_int_equal(q.all_labels, 0);
    q = p;                                   /* given: kept */
    q.all_labels = 3;
    train_resolve(&q);
    assert_int_equal(train_resolve_labels(&q, ch, &err), CRFTAG_OK);
    assert_int_equal(q.all_labels, 3);

    /* in the training itself: AUTO builds the pairs of 10, not of 0 */
    size_t n_auto = 0, n_ten = 0, n_none = 0;
    assert_int_equal(train_objective(cd, &p, NULL, 0, NULL, NULL, &n_auto, &err), CRFTAG_OK);
    q = p;
    q.all_labels = CRFTAG_ALL_LABELS_DENSE;
    assert_int_equal(train_objective(cd, &q, NULL, 0, NULL, NULL, &n_ten, &err), CRFTAG_OK);
    q.all_labels = 0;
    assert_int_equal(train_objective(cd, &q, NULL, 0, NULL, NULL, &n_none, &err), CRFTAG_OK);
    /* 5 words seen 20 times, 5 labels: every label for each, against one */
    assert_int_equal(n_auto, n_ten);
    assert_int_equal(n_ten, 5 * 5 + 5 * 5);
    assert_int_equal(n_none, 5 + 5 * 5);
    crftag_corpus_free(cd);
    crftag_corpus_free(ch);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gradient_finite_differences),
        cmocka_unit_test(test_gradient_runs),
        cmocka_unit_test(test_gradient_mixed_runs),
        cmocka_unit_test(test_threads_invariance),
        cmocka_unit_test(test_quantize_same_bits),
        cmocka_unit_test(test_threads_same_training),
        cmocka_unit_test(test_learns_slice),
        cmocka_unit_test(test_dev_patience),
        cmocka_unit_test(test_dev_plain_tags),
        cmocka_unit_test(test_cancel),
        cmocka_unit_test(test_l1_sparsity),
        cmocka_unit_test(test_iob1_unconstrained),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_lexicon_model),
        cmocka_unit_test(test_pair_count),
        cmocka_unit_test(test_pair_limit),
        cmocka_unit_test(test_min_freq),
        cmocka_unit_test(test_all_labels_auto),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
