/*
 * test_leakage.c - nothing the trainer learns from the labels may see its
 * own sentence.
 *
 * A constructed corpus where every entity name occurs in exactly one
 * sentence (as at test time, where most names are new): each sentence puts
 * a fresh name in one of a few contexts ("we deployed NAME on ..."), and a
 * third of the training names are left unlabelled, as in real corpora.  The
 * entity lexicon learned from the labels holds every training name, but a
 * model may only learn from it what unseen text will show, i.e. nothing:
 * the default training (held-out lexicon folds) must find the new names of
 * new sentences by their form and context.  Matched against the training
 * sentences' own entities (lexicon_folds = 0) the lexicon predicts every
 * training label, the model leans on it, and on new names it finds far
 * fewer: the test checks both, so it fails if the default leaks again.
 * The label bias of the default training ("auto") is chosen on held-out
 * sentences too (test_auto_bias).
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

#include "crftag.h"
#include "train.h"
#include "tmpfiles.h"
#include "testutil.h"

static uint64_t rng = 0x9E3779B97F4A7C15ULL;
static unsigned rnd(unsigned n)   /* xorshift64, uniform in 0..n-1 */
{
    return (unsigned)((xorshift64(&rng) >> 11) % n);
}

/* A fresh name: capital letter, then 4..8 lower-case letters, never made
 * before (the counter is spelled into it). */
static void fresh_name(char *buf, unsigned serial)
{
    static const char cons[] = "bcdfgklmnprstvz", vow[] = "aeiou";
    size_t k = 0;
    unsigned len = 2 + rnd(3);
    for (unsigned i = 0; i < len; i++) {
        buf[k++] = cons[rnd(sizeof cons - 1)];
        buf[k++] = vow[rnd(sizeof vow - 1)];
    }
    for (unsigned s = serial + 1; s; s /= 15)     /* unique suffix */
        buf[k++] = cons[s % 15];
    buf[0] = (char)(buf[0] - 'a' + 'A');
    buf[k] = '\0';
}

/* Contexts: the name at %s; the type of the entity. */
static const struct { const char *text, *type; } ctx[] = {
    { "we deployed %s on the new servers .", "Application" },
    { "the team rewrote the parser in %s last year .", "Language" },
    { "our laptops now run %s instead of the old system .", "Operating_System" },
    { "the client talks %s to the gateway .", "Protocol" },
    { "a bug in %s crashed the build again .", "Application" },
    { "they ported the library to %s for speed .", "Language" },
};
#define NCTX (sizeof ctx / sizeof ctx[0])

/* Appends n sentences in column format (token TAB label) to f; names are
 * numbered from *serial on.  With missed > 0, that percentage of the names
 * is left unlabelled (O), as annotators of real corpora miss names: then
 * a name's form and context predict its label only most of the time, while
 * a lexicon that has seen the sentence's own labels predicts every label. */
static void write_sentences(FILE *f, size_t n, unsigned *serial, unsigned missed)
{
    for (size_t s = 0; s < n; s++) {
        unsigned c = rnd(NCTX);
        int labelled = rnd(100) >= missed;
        char name[64], text[256];
        fresh_name(name, (*serial)++);
        snprintf(text, sizeof text, ctx[c].text, name);
        for (char *tok = strtok(text, " "); tok; tok = strtok(NULL, " ")) {
            int ent = labelled && strcmp(tok, name) == 0;
            fprintf(f, "%s\t%s%s\n", tok, ent ? "B-" : "O", ent ? ctx[c].type : "");
        }
        fputc('\n', f);
    }
}

/* Writes n sentences (write_sentences) to the file tmpdir/name; its path
 * into path[len]. */
static void write_corpus(char *path, size_t len, const char *name, size_t n, unsigned *serial,
                         unsigned missed)
{
    snprintf(path, len, "%s/%s", tmpdir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    write_sentences(f, n, serial, missed);
    assert_int_equal(fclose(f), 0);
}

/* Entity F1 (percent) of model m on corpus file path. */
static double f1_on(const struct crftag_model *m, const char *path)
{
    struct crftag_error err;
    struct crftag_reader *r;
    struct crftag_tagger *t;
    struct crftag_eval *ev;
    assert_int_equal(crftag_reader_open(path, &r, &err), CRFTAG_OK);
    assert_int_equal(crftag_tagger_new(m, &t), CRFTAG_OK);
    assert_int_equal(crftag_eval_new(&ev), CRFTAG_OK);
    const char *const *cols;
    size_t n, ncols;
    int got;
    while ((got = crftag_reader_next(r, &cols, &n, &ncols, &err)) > 0) {
        uint32_t ids[64];
        const char *gold[64], *pred[64];
        assert_true(n <= 64);
        assert_int_equal(crftag_tagger_tag(t, cols, n, ncols, ids, NULL, &err), CRFTAG_OK);
        for (size_t i = 0; i < n; i++) {
            gold[i] = cols[i * ncols + ncols - 1];
            pred[i] = crftag_model_label(m, ids[i]);
        }
        assert_int_equal(crftag_eval_add(ev, gold, pred, n), CRFTAG_OK);
    }
    assert_int_equal(got, 0);
    double f1 = crftag_eval_f1(ev);
    crftag_eval_free(ev);
    crftag_tagger_free(t);
    crftag_reader_close(r);
    return f1;
}

static struct crftag_model *train(const char *path, int folds_default)
{
    struct crftag_corpus *c = load_corpus(path);
    struct crftag_error err;
    struct crftag_train_params p;
    crftag_train_params_init(&p);
    p.threads = 2;
    if (!folds_default)
        p.lexicon_folds = 0;     /* training sentences see their own names */
    struct crftag_model *m;
    assert_int_equal(crftag_train(c, &p, &m, &err), CRFTAG_OK);
    crftag_corpus_free(c);
    return m;
}

static void test_unseen_names(void **state)
{
    (void)state;
    unsigned serial = 0;
    char train_path[128], test_path[128];
    write_corpus(train_path, sizeof train_path, "train.txt", 600, &serial, 35);
    write_corpus(test_path, sizeof test_path, "test.txt", 300, &serial, 0);

    /* the default: the lexicon holds all 600 names, but the model learned
     * what a held-out fold shows of it (no training name recurs) */
    struct crftag_model *m = train(train_path, 1);
    double f1_default = f1_on(m, test_path);
    /* it compared the two lexicons on its held-out sentences, and the one of
     * the sentences' own names lost there too */
    double lf = 0, lo = 0;
    int own = -1;
    assert_int_equal(crftag_model_lexicon_scores(m, &lf, &lo, &own), 1);
    print_message("held-out F1 %.2f with held-out folds, %.2f with the sentences' own names\n",
                  lf, lo);
    assert_int_equal(own, 0);
    assert_true(lo < lf - 20.0);
    crftag_model_free(m);

    /* lexicon matched against the sentences it was learned from */
    m = train(train_path, 0);
    double f1_leaky = f1_on(m, test_path);
    assert_int_equal(crftag_model_lexicon_scores(m, NULL, NULL, NULL), 0);   /* given */
    crftag_model_free(m);

    print_message("unseen names: F1 %.2f by default, %.2f with the lexicon seeing its own "
                  "sentences\n", f1_default, f1_leaky);
    assert_true(f1_default >= 90.0);
    assert_true(f1_leaky <= f1_default - 20.0);
}

/* Progress of a --bias auto training: the phase of each line in order, the
 * number of bias candidates each line carried, and those of the first line
 * that carried any. */
struct phases {
    int seq[4096];
    size_t ncand[4096];
    int n;
    struct crftag_bias_candidate cand[16];
    size_t got;
};

static int record_phase(const struct crftag_progress *pr, void *user)
{
    struct phases *ph = user;
    assert_true((pr->bias_candidates != NULL) == (pr->num_bias_candidates > 0));
    if (ph->n < 4096) {
        ph->ncand[ph->n] = pr->num_bias_candidates;
        ph->seq[ph->n++] = pr->phase;
    }
    if (pr->num_bias_candidates > 0 && ph->got == 0 && pr->num_bias_candidates <= 16) {
        memcpy(ph->cand, pr->bias_candidates, pr->num_bias_candidates * sizeof ph->cand[0]);
        ph->got = pr->num_bias_candidates;
    }
    return 0;
}

/* The bias m stores for the entity labels (the last one's), 0 for O. */
static double entity_bias(const struct crftag_model *m)
{
    double b = 0;
    for (uint32_t y = 0; y < crftag_model_num_labels(m); y++) {
        if (strcmp(crftag_model_label(m, y), "O") == 0)
            assert_true(crftag_model_label_bias(m, y) == 0.0);
        else
            b = crftag_model_label_bias(m, y);
    }
    return b;
}

/* m was trained on c with p and bias auto, which chose b: its final
 * training started from the first training's weights, so it took fewer
 * iterations than a training from zero with bias b, to the same optimum. */
static void check_warm_start(struct crftag_corpus *c, struct crftag_train_params p,
                             const struct crftag_model *m, double b, const char *what)
{
    char spec[32];
    snprintf(spec, sizeof spec, "%g", b);
    p.bias = spec;
    struct crftag_model *mb;
    struct crftag_error err;
    assert_int_equal(crftag_train(c, &p, &mb, &err), CRFTAG_OK);
    size_t nn = 99;
    assert_null(crftag_model_bias_candidates(mb, &nn));      /* a bias given: none */
    assert_int_equal(nn, 0);
    struct crftag_model_info ia, ib;
    crftag_model_get_info(m, &ia);
    crftag_model_get_info(mb, &ib);
    print_message("%s, bias %g: final training %u iterations from the first's weights, %u "
                  "from zero; objective %.4f, %.4f\n", what, b, ia.iterations, ib.iterations,
                  ia.final_objective, ib.final_objective);
    assert_true(ia.iterations < ib.iterations);
    assert_true(fabs(ia.final_objective - ib.final_objective) <= 1e-3 * ib.final_objective);
    crftag_model_free(mb);
}

/* The held-out scores of bias auto (crftag_model_bias_candidates) of a
 * model whose stored bias is b for every label but O: the grid 0, 0.25, ..
 * 2, scores that agree with their counts, the one chosen the smallest within
 * CRFTAG_BIAS_MARGIN of the best F1, and that one the stored bias.  Returns the index of
 * the chosen one. */
static size_t check_candidates(const struct crftag_bias_candidate *bc, size_t n, double b)
{
    assert_int_equal(n, 9);
    size_t best = 0, chosen = n, nchosen = 0;
    for (size_t i = 0; i < n; i++) {
        print_message("  bias %4g: F1 %5.2f (P %5.2f R %5.2f; %llu of %llu found, %llu "
                      "gold)%s\n", bc[i].bias, bc[i].f1, bc[i].precision, bc[i].recall,
                      (unsigned long long)bc[i].correct_chunks,
                      (unsigned long long)bc[i].pred_chunks,
                      (unsigned long long)bc[i].gold_chunks, bc[i].chosen ? "  chosen" : "");
        assert_true(bc[i].bias == 0.25 * (double)i);
        assert_true(bc[i].gold_chunks > 0 && bc[i].gold_chunks == bc[0].gold_chunks);
        assert_true(bc[i].correct_chunks <= bc[i].pred_chunks &&
                    bc[i].correct_chunks <= bc[i].gold_chunks);
        double p = bc[i].pred_chunks ? 100.0 * (double)bc[i].correct_chunks /
                                       (double)bc[i].pred_chunks : 0.0;
        double r = 100.0 * (double)bc[i].correct_chunks / (double)bc[i].gold_chunks;
        assert_true(fabs(bc[i].precision - p) < 1e-9 && fabs(bc[i].recall - r) < 1e-9);
        assert_true(fabs(bc[i].f1 - (p + r > 0 ? 2 * p * r / (p + r) : 0.0)) < 1e-9);
        assert_true(bc[i].chosen == 0 || bc[i].chosen == 1);
        if (bc[i].chosen) {
            chosen = i;
            nchosen++;
        }
        if (bc[i].f1 > bc[best].f1)
            best = i;
    }
    assert_int_equal(nchosen, 1);
    assert_true(bc[chosen].bias == b);
    assert_true(bc[chosen].f1 >= bc[best].f1 - CRFTAG_BIAS_MARGIN);
    for (size_t i = 0; i < chosen; i++)
        assert_true(bc[i].f1 < bc[best].f1 - CRFTAG_BIAS_MARGIN);
    return chosen;
}

/* The automatic label bias is chosen on held-out sentences: where most
 * names are left unlabelled (60 %), the model alone finds none of the new
 * names (each is an entity in only 40 % of its contexts) and a positive bias
 * pays on the held-out sentences, so it is chosen, stored and finds them;
 * on plain tags (part of speech) no bias is chosen. */
static void test_auto_bias(void **state)
{
    (void)state;
    unsigned serial = 100000;
    char train_path[128], test_path[128];
    write_corpus(train_path, sizeof train_path, "sparse.txt", 600, &serial, 60);
    write_corpus(test_path, sizeof test_path, "sparse_test.txt", 300, &serial, 60);

    struct crftag_corpus *c = load_corpus(train_path);
    struct crftag_error err;
    struct crftag_train_params p;
    crftag_train_params_init(&p);
    p.threads = 2;
    struct crftag_model *m, *m0;
    static struct phases ph;
    memset(&ph, 0, sizeof ph);
    p.progress = record_phase;
    p.user = &ph;
    assert_int_equal(crftag_train(c, &p, &m, &err), CRFTAG_OK);
    p.progress = NULL;
    /* the three trainings report, the first one's lines (phase 1) first,
     * then those of the second, with the sentences' own names in the
     * lexicon (phase 2); every line of the final one carries the held-out
     * scores, none of the first two */
    int first = 0, second = 0, final = 0;
    for (int k = 0; k < ph.n; k++) {
        if (ph.seq[k] == 1) {
            assert_int_equal(second + final, 0);
            assert_int_equal(ph.ncand[k], 0);
            first++;
        } else if (ph.seq[k] == 2) {
            assert_int_equal(final, 0);
            assert_true(first > 0);
            assert_int_equal(ph.ncand[k], 0);
            second++;
        } else {
            assert_int_equal(ph.seq[k], 0);
            assert_int_equal(ph.ncand[k], 9);
            final++;
        }
    }
    struct crftag_model_info im;
    crftag_model_get_info(m, &im);
    print_message("progress lines: %d of the first training, %d of the second, %d of the "
                  "final one\n", first, second, final);
    assert_true(first > 0 && second > 0);
    assert_int_equal(final, (int)im.iterations);
    /* built-in features: the default regularization is L2, CRFsuite's */
    assert_true(im.c1 == 0.0 && im.c2 == 1.0);
    p.bias = NULL;
    assert_int_equal(crftag_train(c, &p, &m0, &err), CRFTAG_OK);
    double b = entity_bias(m);
    double f_auto = f1_on(m, test_path), f_none = f1_on(m0, test_path);
    print_message("auto bias %g: F1 %.2f, without a bias %.2f\n", b, f_auto, f_none);
    assert_true(b > 0 && b <= 2);
    assert_true(f_auto >= f_none + 20.0);
    /* the held-out scores it chose b by: the model's, the progress lines' */
    size_t nc;
    const struct crftag_bias_candidate *bc = crftag_model_bias_candidates(m, &nc);
    assert_non_null(bc);
    size_t chosen = check_candidates(bc, nc, b);
    assert_int_equal(ph.got, nc);
    assert_memory_equal(ph.cand, bc, nc * sizeof *bc);
    /* on this corpus the bias chosen is within the margin of the best
     * held-out F1 (check_candidates) and well above no bias (most names
     * unlabelled: the model alone finds few) */
    assert_true(bc[chosen].f1 >= bc[0].f1 + 10.0);
    assert_true(bc[chosen].recall > bc[0].recall && bc[chosen].precision < bc[0].precision);
    /* a model trained without "auto", and any model loaded, has none */
    size_t nn = 99;
    assert_null(crftag_model_bias_candidates(m0, &nn));
    assert_int_equal(nn, 0);
    void *buf;
    size_t len;
    struct crftag_model *ml;
    assert_int_equal(crftag_model_save_mem(m, &buf, &len, &err), CRFTAG_OK);
    assert_int_equal(crftag_model_load_mem(buf, len, &ml, &err), CRFTAG_OK);
    free(buf);
    nn = 99;
    assert_null(crftag_model_bias_candidates(ml, &nn));
    assert_int_equal(nn, 0);
    assert_true(crftag_model_label_bias(ml, 1) == crftag_model_label_bias(m, 1));
    crftag_model_free(ml);
    nn = 99;
    assert_null(crftag_model_bias_candidates(NULL, &nn));
    assert_int_equal(nn, 0);
    /* the final training starts from the weights of the training that chose
     * the bias */
    check_warm_start(c, p, m, b, "L2");
    crftag_corpus_free(c);
    crftag_model_free(m);
    crftag_model_free(m0);

    assert_int_equal(crftag_corpus_new(&c), CRFTAG_OK);
    assert_int_equal(crftag_corpus_read(c, "tests/data/ud_ewt_train_300.txt.gz", &err),
                     CRFTAG_OK);
    crftag_train_params_init(&p);
    p.threads = 2;
    p.max_iter = 20;
    assert_int_equal(crftag_train(c, &p, &m, &err), CRFTAG_OK);
    for (uint32_t y = 0; y < crftag_model_num_labels(m); y++)
        assert_true(crftag_model_label_bias(m, y) == 0.0);
    /* plain tags: no first training, nothing scored */
    nn = 99;
    assert_null(crftag_model_bias_candidates(m, &nn));
    assert_int_equal(nn, 0);
    crftag_model_free(m);
    crftag_corpus_free(c);
}

/* With L1 (--c1) the final training of bias auto starts from the first
 * one's weights too (those of the pairs L1 kept): fewer iterations than
 * from zero with the chosen bias, the same optimum. */
static void test_auto_bias_l1(void **state)
{
    (void)state;
    unsigned serial = 300000;
    char train_path[128];
    write_corpus(train_path, sizeof train_path, "sparse_l1.txt", 600, &serial, 60);
    struct crftag_corpus *c = load_corpus(train_path);
    struct crftag_error err;
    struct crftag_train_params p;
    crftag_train_params_init(&p);
    p.threads = 2;
    p.c1 = 0.1;
    p.c2 = 0.05;
    struct crftag_model *m;
    assert_int_equal(crftag_train(c, &p, &m, &err), CRFTAG_OK);
    double b = entity_bias(m);
    assert_true(b > 0);
    size_t nc;
    const struct crftag_bias_candidate *bc = crftag_model_bias_candidates(m, &nc);
    check_candidates(bc, nc, b);
    check_warm_start(c, p, m, b, "L1");
    crftag_corpus_free(c);
    crftag_model_free(m);
}

/* The default parameters hold no leakage: held-out folds on. */
static void test_default_folds(void **state)
{
    (void)state;
    struct crftag_train_params p;
    crftag_train_params_init(&p);
    /* held-out folds unless the held-out sentences show the sentences' own
     * lexicon better (test_unseen_names: not there) */
    assert_int_equal(p.lexicon_folds, CRFTAG_LEXICON_FOLDS_AUTO);
    assert_true(CRFTAG_LEXICON_FOLDS >= 2);
    struct crftag_train_params q = p;
    train_resolve(&q);
    assert_int_equal(q.lexicon_folds, CRFTAG_LEXICON_FOLDS);
    assert_string_equal(p.bias, CRFTAG_BIAS_AUTO);
    /* regularization by the kind of features, resolved by crftag_train */
    assert_true(p.c1 == CRFTAG_TRAIN_AUTO && p.c2 == CRFTAG_TRAIN_AUTO &&
                p.delta == CRFTAG_TRAIN_AUTO);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_default_folds),
        cmocka_unit_test(test_unseen_names),
        cmocka_unit_test(test_auto_bias),
        cmocka_unit_test(test_auto_bias_l1),
    };
    return cmocka_run_group_tests(tests, setup_dir, teardown_dir);
}
