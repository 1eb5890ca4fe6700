/*
 * test_attrs.c - attribute strings (CRFsuite's data format, attrs.c): the
 * reader and its detection, escapes, weights and errors; sentences given in
 * memory (crftag_corpus_add_attrs) against the same file; weighted training
 * (weights 2 with c2 = 4 is the unweighted problem with c2 = 1, so the
 * marginals must agree); tagging (crftag_tagger_tag_attrs); model files
 * and buffers (crftag_model_save_mem).
 *
 * Data: tests/data/crfsuite_conll_30.txt, the 30 CoNLL-2000 sentences of
 * tests/data/corpus_conll_30.txt.gz with sklearn-crfsuite's tutorial
 * features written as CRFsuite attributes (tests/data/README.md).
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
#include "tmpfiles.h"
#include "train.h"

#define CS30 "tests/data/crfsuite_conll_30.txt"
#define CONLL30 "tests/data/corpus_conll_30.txt.gz"

/* ---- a CRFsuite file parsed here, independently of the library ---------- */

struct msent {
    size_t n;
    size_t *natt;
    char **names;         /* all attributes of the sentence, in order */
    double *w;
    char **labels;
    size_t total;
};

/* Unescapes field f (CRFsuite: "\:" colon, "\\" backslash), splitting the
 * weight at the first unescaped ':'. */
static void parse_field(const char *f, char **name, double *w)
{
    char *out = malloc(strlen(f) + 1), *o = out;
    assert_non_null(out);
    *w = 1.0;
    for (; *f; f++) {
        if (f[0] == '\\' && (f[1] == ':' || f[1] == '\\')) {
            *o++ = *++f;
        } else if (*f == ':') {
            *w = atof(f + 1);
            break;
        } else {
            *o++ = *f;
        }
    }
    *o = '\0';
    *name = out;
}

static size_t parse_file(const char *path, struct msent **out)
{
    FILE *fp = fopen(path, "r");
    assert_non_null(fp);
    struct msent *v = NULL;
    size_t ns = 0;
    char line[8192];
    int open = 0;
    while (fgets(line, sizeof line, fp)) {
        line[strcspn(line, "\n")] = '\0';
        if (!line[0]) {
            open = 0;
            continue;
        }
        if (!open) {
            v = realloc(v, (ns + 1) * sizeof *v);
            memset(&v[ns++], 0, sizeof *v);
            open = 1;
        }
        struct msent *s = &v[ns - 1];
        s->natt = realloc(s->natt, (s->n + 1) * sizeof *s->natt);
        s->labels = realloc(s->labels, (s->n + 1) * sizeof *s->labels);
        char *save, *f = strtok_r(line, "\t", &save);
        s->labels[s->n] = strdup(f);
        s->natt[s->n] = 0;
        while ((f = strtok_r(NULL, "\t", &save))) {
            s->names = realloc(s->names, (s->total + 1) * sizeof *s->names);
            s->w = realloc(s->w, (s->total + 1) * sizeof *s->w);
            parse_field(f, &s->names[s->total], &s->w[s->total]);
            s->total++;
            s->natt[s->n]++;
        }
        s->n++;
    }
    fclose(fp);
    *out = v;
    return ns;
}

static void free_sents(struct msent *v, size_t ns)
{
    for (size_t s = 0; s < ns; s++) {
        for (size_t k = 0; k < v[s].total; k++)
            free(v[s].names[k]);
        for (size_t i = 0; i < v[s].n; i++)
            free(v[s].labels[i]);
        free(v[s].names);
        free(v[s].w);
        free(v[s].labels);
        free(v[s].natt);
    }
    free(v);
}

static struct crftag_model *train(const struct crftag_corpus *c, double c2)
{
    struct crftag_train_params p;
    crftag_train_params_init(&p);
    p.c2 = c2;
    p.threads = 1;
    p.bias = "0";
    p.epsilon = 1e-8;
    p.delta = 1e-9;
    struct crftag_model *m;
    struct crftag_error err;
    enum crftag_status st = crftag_train(c, &p, &m, &err);
    if (st != CRFTAG_OK)
        fail_msg("train: %s", err.msg);
    return m;
}

/* The marginals of sentence s by m, into a new array [n * L]. */
static double *marginals(const struct crftag_model *m, const struct msent *s, double scale,
                         uint32_t *ids)
{
    size_t L = crftag_model_num_labels(m);
    double *mg = malloc(s->n * L * sizeof *mg), *w = malloc((s->total + 1) * sizeof *w);
    assert_non_null(mg);
    for (size_t k = 0; k < s->total; k++)
        w[k] = s->w[k] * scale;
    struct crftag_tagger *t;
    struct crftag_error err;
    assert_int_equal(crftag_tagger_new(m, &t), CRFTAG_OK);
    assert_int_equal(crftag_tagger_tag_attrs(t, s->n, s->natt, (const char *const *)s->names,
                                             w, ids, NULL, mg, &err), CRFTAG_OK);
    crftag_tagger_free(t);
    free(w);
    return mg;
}

/* ---- reading ------------------------------------------------------------ */

static void test_read_fixture(void **state)
{
    (void)state;
    struct crftag_corpus *c;
    struct crftag_error err;
    assert_int_equal(crftag_corpus_new(&c), CRFTAG_OK);
    assert_int_equal(crftag_corpus_attrs(c), 0);
    assert_int_equal(crftag_corpus_read(c, CS30, &err), CRFTAG_OK);   /* detected */
    size_t ns, nt;
    crftag_corpus_size(c, &ns, &nt);
    assert_int_equal(ns, 30);
    assert_int_equal(nt, 808);
    assert_int_equal(crftag_corpus_attrs(c), 1);
    struct sentence s;
    corpus_sentence(c, 0, &s);
    assert_int_equal(s.ncols, 2);
    /* "len:1" has weight 1 (dropped), "suf\:3=nce" keeps its escape */
    assert_string_equal(s.cols[0], "bias\tw=confidence\tsuf\\:3=nce\tpos=NN\tpos2=NN\ttitle\t"
                                   "len\tBOS\t+1w=in\t+1pos=IN");
    assert_string_equal(s.cols[1], "B-NP");
    assert_string_equal(s.cols[2 * 1 + 1], "B-PP");
    assert_non_null(strstr(s.cols[2], "\tlen:0.2\t"));
    /* columns then CRFsuite in one corpus: refused */
    assert_int_equal(crftag_corpus_read(c, CONLL30, &err), CRFTAG_ERR_PARSE);
    assert_non_null(strstr(err.msg, "CRFsuite's format and columns"));
    crftag_corpus_size(c, &ns, &nt);
    assert_int_equal(ns, 30);
    crftag_corpus_free(c);
    /* the column fixture stays columns */
    assert_int_equal(crftag_corpus_new(&c), CRFTAG_OK);
    assert_int_equal(crftag_corpus_read(c, CONLL30, &err), CRFTAG_OK);
    assert_int_equal(crftag_corpus_attrs(c), 0);
    assert_int_equal(crftag_corpus_read_format(c, CS30, CRFTAG_INPUT_CRFSUITE, &err),
                     CRFTAG_ERR_PARSE);
    crftag_corpus_free(c);
}

static void test_escapes_comments_weights(void **state)
{
    (void)state;
    const char *p = write_tmp("esc.txt",
                              "# a comment line\n"
                              "B-X\ta\\\\b\tc\\:d:2\t\tw=x\\y\t#rest:bad\tnot read\n"
                              "O\tnum:-0.5\tempty:\t\tlast:1e-1\n"
                              "\n\n"
                              "\tlabel-less\n");
    struct crftag_reader *r;
    struct crftag_error err;
    assert_int_equal(crftag_reader_open_format(p, CRFTAG_INPUT_CRFSUITE, &r, &err), CRFTAG_OK);
    const char *const *cols;
    size_t n, nc;
    assert_int_equal(crftag_reader_next(r, &cols, &n, &nc, &err), 1);
    assert_int_equal(n, 2);
    assert_int_equal(nc, 2);
    assert_int_equal(crftag_reader_line(r), 2);
    assert_string_equal(cols[0], "a\\\\b\tc\\:d:2\tw=x\\\\y");
    assert_string_equal(cols[1], "B-X");
    assert_string_equal(cols[2], "num:-0.5\tempty\tlast:1e-1");
    assert_int_equal(crftag_reader_next(r, &cols, &n, &nc, &err), 1);
    assert_int_equal(n, 1);
    assert_string_equal(cols[0], "label-less");
    assert_string_equal(cols[1], "");
    assert_int_equal(crftag_reader_next(r, &cols, &n, &nc, &err), 0);
    crftag_reader_close(r);

    /* errors name the file, the line and the field */
    static const struct { const char *text; long line; const char *msg; } bad[] = {
        { "B\ta\n\nB\tw=a:b\tnext\n", 3, "field 2 'w=a:b': attribute weight is not a number" },
        { "B\ta\nI\t:2\n", 2, "empty attribute name" },
        { "B\ta:inf\n", 1, "not finite" },
        { "B\thttp://x\n", 1, "escape a ':'" },
    };
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        struct crftag_corpus *c;
        assert_int_equal(crftag_corpus_new(&c), CRFTAG_OK);
        const char *f = write_tmp("bad.txt", bad[k].text);
        assert_int_equal(crftag_corpus_read_format(c, f, CRFTAG_INPUT_CRFSUITE, &err),
                         CRFTAG_ERR_PARSE);
        assert_int_equal(err.line, bad[k].line);
        assert_string_equal(err.file, f);
        if (!strstr(err.msg, bad[k].msg))
            fail_msg("case %zu: '%s' lacks '%s'", k, err.msg, bad[k].msg);
        crftag_corpus_free(c);
    }
}

static void test_detection(void **state)
{
    (void)state;
    struct crftag_error err;
    struct crftag_corpus *c;
    /* (a) constant field counts, no weight, no '=': labels first, hashed
     * attributes last (bench/featdump's files) */
    size_t cap = 64 * 1024, len = 0;
    char *buf = malloc(cap);
    assert_non_null(buf);
    for (int i = 0; i < 60; i++)
        len += (size_t)snprintf(buf + len, cap - len, "%s\t%016x\t%016x\n%s",
                                i % 3 ? "I-NP" : "B-NP", 7919 * i + 1, 104729 * i + 3,
                                i % 10 == 9 ? "\n" : "");
    len += (size_t)snprintf(buf + len, cap - len, "# a comment line first\n");
    memmove(buf + 23, buf, len - 23);
    memcpy(buf, "# a comment line first\n", 23);
    const char *p = write_tmp_n("hex.txt", buf, len);
    assert_int_equal(crftag_corpus_new(&c), CRFTAG_OK);
    assert_int_equal(crftag_corpus_read(c, p, &err), CRFTAG_OK);
    assert_int_equal(crftag_corpus_attrs(c), 1);
    crftag_corpus_free(c);
    /* (b) columns whose count changes after the lines detection reads: the
     * error suggests CRFsuite's format */
    len = 0;
    for (int i = 0; i < 1100; i++)
        len += (size_t)snprintf(buf + len, cap - len, "w%d\tNN\t%s\n%s", i, i % 2 ? "B-NP" : "O",
                                i % 10 == 9 ? "\n" : "");
    len += (size_t)snprintf(buf + len, cap - len, "w\tNN\tx\tB-NP\n");
    p = write_tmp_n("cols.txt", buf, len);
    assert_int_equal(crftag_corpus_new(&c), CRFTAG_OK);
    assert_int_equal(crftag_corpus_read(c, p, &err), CRFTAG_ERR_PARSE);
    assert_int_equal(err.line, 1211);
    assert_non_null(strstr(err.msg, "--input-format crfsuite"));
    /* given as columns: read as columns up to there, without the hint */
    assert_int_equal(crftag_corpus_read_format(c, p, CRFTAG_INPUT_COLUMNS, &err),
                     CRFTAG_ERR_PARSE);
    assert_null(strstr(err.msg, "crfsuite"));
    assert_int_equal(crftag_corpus_read_format(c, p, 7, &err), CRFTAG_ERR_INVALID);
    /* (c) a column file with a missing column is not read as CRFsuite's
     * format (its first column would become the labels): it fails */
    p = write_tmp("missing.txt", "The\tDT\tB-NP\ncat\tNN\nsat\tVBD\tB-VP\n.\t.\tO\n");
    assert_int_equal(crftag_corpus_read(c, p, &err), CRFTAG_ERR_PARSE);
    assert_int_equal(err.line, 2);
    assert_non_null(strstr(err.msg, "expected 3 columns as on line 1, found 2"));
    assert_non_null(strstr(err.msg, "--input-format crfsuite"));
    crftag_corpus_free(c);
    free(buf);
}

/* ---- training ------------------------------------------------------------ */

static void test_memory_equals_file(void **state)
{
    (void)state;
    struct msent *v;
    size_t ns = parse_file(CS30, &v);
    assert_int_equal(ns, 30);
    struct crftag_corpus *cf, *cm;
    struct crftag_error err;
    assert_int_equal(crftag_corpus_new(&cf), CRFTAG_OK);
    assert_int_equal(crftag_corpus_read(cf, CS30, &err), CRFTAG_OK);
    assert_int_equal(crftag_corpus_new(&cm), CRFTAG_OK);
    for (size_t s = 0; s < ns; s++)
        assert_int_equal(crftag_corpus_add_attrs(cm, v[s].n, v[s].natt,
                                                 (const char *const *)v[s].names, v[s].w,
                                                 (const char *const *)v[s].labels, &err),
                         CRFTAG_OK);
    struct crftag_model *mf = train(cf, 1.0), *mm = train(cm, 1.0);
    struct crftag_model_info info;
    crftag_model_get_info(mm, &info);
    assert_string_equal(info.features, "attributes");
    assert_int_equal(info.format_version, CRFTAG_MODEL_FORMAT_VERSION);
    size_t L = crftag_model_num_labels(mf);
    size_t correct = 0, total = 0;
    for (size_t s = 0; s < ns; s++) {
        uint32_t *a = malloc(v[s].n * sizeof *a), *b = malloc(v[s].n * sizeof *b);
        double *ma = marginals(mf, &v[s], 1.0, a), *mb = marginals(mm, &v[s], 1.0, b);
        for (size_t k = 0; k < v[s].n * L; k++)
            assert_true(ma[k] == mb[k]);
        for (size_t i = 0; i < v[s].n; i++) {
            assert_int_equal(a[i], b[i]);
            correct += strcmp(crftag_model_label(mf, a[i]), v[s].labels[i]) == 0;
        }
        total += v[s].n;
        free(a);
        free(b);
        free(ma);
        free(mb);
    }
    /* the training data is learnt: at least 95 % of its tokens right */
    assert_true(correct * 100 >= total * 95);
    /* the same through crftag_tagger_tag on the file's canonical columns */
    struct crftag_tagger *t;
    assert_int_equal(crftag_tagger_new(mf, &t), CRFTAG_OK);
    struct sentence sen;
    corpus_sentence(cf, 3, &sen);
    uint32_t ids[64], ids2[64];
    assert_int_equal(crftag_tagger_tag(t, sen.cols, sen.n, 2, ids, NULL, &err), CRFTAG_OK);
    double *mg = marginals(mf, &v[3], 1.0, ids2);
    assert_memory_equal(ids, ids2, sen.n * sizeof *ids);
    free(mg);
    /* token and text tagging do not apply */
    const char *tok[] = { "w=in" };
    size_t tl[] = { 4 };
    assert_int_equal(crftag_tagger_tag_tokens(t, tok, tl, 1, ids, NULL, NULL, &err),
                     CRFTAG_ERR_INVALID);
    crftag_tagger_free(t);
    crftag_model_free(mf);
    crftag_model_free(mm);
    crftag_corpus_free(cf);
    crftag_corpus_free(cm);
    free_sents(v, ns);
}

/* A small corpus of attribute strings in memory, each weight times scale
 * (all weights 1 when plain). */
static struct crftag_corpus *small_corpus(double scale, int plain)
{
    static const char *names[] = { "w=qemu", "pos=NN", "suf:3=emu", "w=uses", "pos=VBZ",
                                   "w=spice", "pos=NN", "w=.", "pos=.", "w=qemu", "pos=NN",
                                   "w=runs", "pos=VBZ", "w=fast", "pos=RB" };
    static const double w[] = { 1, 0.5, 2, 1, -1.5, 1, 0.5, 3, 1, 1, 0.5, 0.25, 1, 1, 2 };
    static const size_t natt1[] = { 3, 2, 2, 2 }, natt2[] = { 2, 2, 2 };
    static const char *lab1[] = { "B-App", "O", "B-Proto", "O" }, *lab2[] = { "B-App", "O", "O" };
    double ws[15];
    for (size_t k = 0; k < 15; k++)
        ws[k] = (plain ? 1.0 : w[k]) * scale;
    struct crftag_corpus *c;
    struct crftag_error err;
    assert_int_equal(crftag_corpus_new(&c), CRFTAG_OK);
    assert_int_equal(crftag_corpus_add_attrs(c, 4, natt1, names, ws, lab1, &err), CRFTAG_OK);
    assert_int_equal(crftag_corpus_add_attrs(c, 3, natt2, names + 9, ws + 9, lab2, &err),
                     CRFTAG_OK);
    return c;
}

/* d f / d x_k by central differences equals g_k with weighted attributes. */
static void check_weighted_gradient(uint32_t min_freq)
{
    struct crftag_corpus *c = small_corpus(1.0, 0);
    struct crftag_train_params p;
    crftag_train_params_init(&p);
    p.c2 = 0.7;
    p.threads = 1;
    p.min_freq = min_freq;
    size_t n = 0;
    struct crftag_error err;
    assert_int_equal(train_objective(c, &p, NULL, 0, NULL, NULL, &n, &err), CRFTAG_OK);
    assert_true(n > 9);
    double *x = malloc(n * sizeof *x), *g = malloc(n * sizeof *g), *g2 = malloc(n * sizeof *g2);
    uint64_t r = 88172645463325252ULL;
    for (size_t k = 0; k < n; k++) {
        r ^= r << 13, r ^= r >> 7, r ^= r << 17;
        x[k] = (double)(r >> 11) / (double)(1ULL << 52) - 1.0;
    }
    double f;
    assert_int_equal(train_objective(c, &p, x, n, &f, g, NULL, &err), CRFTAG_OK);
    const double h = 1e-5;
    for (size_t k = 0; k < n; k++) {
        double xk = x[k], fp, fm;
        x[k] = xk + h;
        assert_int_equal(train_objective(c, &p, x, n, &fp, g2, NULL, &err), CRFTAG_OK);
        x[k] = xk - h;
        assert_int_equal(train_objective(c, &p, x, n, &fm, g2, NULL, &err), CRFTAG_OK);
        x[k] = xk;
        double fd = (fp - fm) / (2 * h);
        if (fabs(fd - g[k]) > 1e-5 * (1 + fabs(g[k])))
            fail_msg("parameter %zu: finite difference %g, gradient %g", k, fd, g[k]);
    }
    free(x);
    free(g);
    free(g2);
    crftag_corpus_free(c);
}

static void test_weighted_gradient(void **state)
{
    (void)state;
    check_weighted_gradient(1);
    check_weighted_gradient(2);   /* min-freq 2: the weights follow the repacked ids */
}

/* With min-freq 2 the objective is the one of the corpus holding only the
 * attributes seen twice (w=qemu, pos=NN, pos=VBZ), with their weights. */
static void test_weights_after_cutoff(void **state)
{
    (void)state;
    static const char *names[] = { "w=qemu", "pos=NN", "pos=VBZ", "pos=NN",
                                   "w=qemu", "pos=NN", "pos=VBZ" };
    static const double w[] = { 1, 0.5, -1.5, 0.5, 1, 0.5, 1 };
    static const size_t natt1[] = { 2, 1, 1, 0 }, natt2[] = { 2, 1, 0 };
    static const char *lab1[] = { "B-App", "O", "B-Proto", "O" }, *lab2[] = { "B-App", "O", "O" };
    struct crftag_corpus *kept, *all = small_corpus(1.0, 0);
    struct crftag_error err;
    assert_int_equal(crftag_corpus_new(&kept), CRFTAG_OK);
    assert_int_equal(crftag_corpus_add_attrs(kept, 4, natt1, names, w, lab1, &err), CRFTAG_OK);
    assert_int_equal(crftag_corpus_add_attrs(kept, 3, natt2, names + 4, w + 4, lab2, &err),
                     CRFTAG_OK);
    struct crftag_train_params p;
    crftag_train_params_init(&p);
    p.threads = 1;
    size_t n = 0, n2 = 0;
    assert_int_equal(train_objective(kept, &p, NULL, 0, NULL, NULL, &n, &err), CRFTAG_OK);
    p.min_freq = 2;
    assert_int_equal(train_objective(all, &p, NULL, 0, NULL, NULL, &n2, &err), CRFTAG_OK);
    assert_int_equal(n, n2);
    double *x = malloc(n * sizeof *x), *g = malloc(n * sizeof *g);
    for (size_t k = 0; k < n; k++)
        x[k] = 0.15 * (double)(k % 5) - 0.2;
    double f1, f2;
    assert_int_equal(train_objective(all, &p, x, n, &f2, g, NULL, &err), CRFTAG_OK);
    p.min_freq = 1;
    assert_int_equal(train_objective(kept, &p, x, n, &f1, g, NULL, &err), CRFTAG_OK);
    assert_true(fabs(f1 - f2) < 1e-12 * fabs(f1));
    free(x);
    free(g);
    crftag_corpus_free(kept);
    crftag_corpus_free(all);
}

/* A weight scales its feature: with every weight 2 (the weighted path) the
 * objective at x is the one of weights 1 (the plain path) at x with the
 * attribute weights doubled (c2 = 0; transitions unchanged). */
static void test_weights_scale_features(void **state)
{
    (void)state;
    struct crftag_corpus *c1 = small_corpus(1.0, 1), *c2 = small_corpus(2.0, 1);
    struct crftag_train_params p;
    crftag_train_params_init(&p);
    p.c2 = 0;
    p.threads = 1;
    size_t n = 0, n2 = 0, L2 = 9;   /* 3 labels */
    struct crftag_error err;
    assert_int_equal(train_objective(c1, &p, NULL, 0, NULL, NULL, &n, &err), CRFTAG_OK);
    assert_int_equal(train_objective(c2, &p, NULL, 0, NULL, NULL, &n2, &err), CRFTAG_OK);
    assert_int_equal(n, n2);
    double *x = malloc(n * sizeof *x), *x2 = malloc(n * sizeof *x), *g = malloc(n * sizeof *g);
    for (size_t k = 0; k < n; k++) {
        x[k] = 0.1 * (double)(k % 7) - 0.3;
        x2[k] = k < n - L2 ? 2 * x[k] : x[k];
    }
    double f1, f2, f3;
    assert_int_equal(train_objective(c2, &p, x, n, &f2, g, NULL, &err), CRFTAG_OK);
    assert_int_equal(train_objective(c1, &p, x2, n, &f1, g, NULL, &err), CRFTAG_OK);
    assert_true(fabs(f1 - f2) < 1e-9 * fabs(f1));
    assert_int_equal(train_objective(c1, &p, x, n, &f3, g, NULL, &err), CRFTAG_OK);
    assert_true(fabs(f3 - f2) > 1e-3);          /* the weights do matter */
    free(x);
    free(x2);
    free(g);
    crftag_corpus_free(c1);
    crftag_corpus_free(c2);
}

static void test_model_mem_and_file(void **state)
{
    (void)state;
    struct crftag_corpus *c;
    struct crftag_error err;
    assert_int_equal(crftag_corpus_new(&c), CRFTAG_OK);
    assert_int_equal(crftag_corpus_read(c, CS30, &err), CRFTAG_OK);
    struct crftag_model *m = train(c, 1.0), *m2, *m3;
    void *buf;
    size_t len;
    assert_int_equal(crftag_model_save_mem(m, &buf, &len, &err), CRFTAG_OK);
    assert_true(len > 32);
    assert_memory_equal(buf, "\x89" "CRFTAG", 7);
    assert_int_equal(crftag_model_load_mem(buf, len, &m2, &err), CRFTAG_OK);
    const char *path = tmp_path("m.crftag");
    assert_int_equal(crftag_model_save(m2, path, &err), CRFTAG_OK);
    assert_int_equal(crftag_model_load(path, &m3, &err), CRFTAG_OK);
    void *buf3;
    size_t len3;
    assert_int_equal(crftag_model_save_mem(m3, &buf3, &len3, &err), CRFTAG_OK);
    assert_int_equal(len3, len);
    assert_memory_equal(buf3, buf, len);
    struct crftag_model_info info;
    crftag_model_get_info(m3, &info);
    assert_string_equal(info.features, "attributes");
    assert_int_equal(info.num_columns, 1);
    free(buf);
    free(buf3);
    assert_int_equal(crftag_model_save_mem(NULL, &buf, &len, &err), CRFTAG_ERR_INVALID);
    assert_null(buf);
    assert_int_equal(len, 0);
    crftag_model_free(m);
    crftag_model_free(m2);
    crftag_model_free(m3);
    crftag_corpus_free(c);
}

static void test_invalid(void **state)
{
    (void)state;
    struct crftag_corpus *c, *cols;
    struct crftag_error err;
    assert_int_equal(crftag_corpus_new(&c), CRFTAG_OK);
    const char *names[] = { "a", "b", "c" };
    const char *labels[] = { "X", "Y" };
    size_t natt[] = { 2, 1 };
    double w[] = { 1, NAN, 1 };
    assert_int_equal(crftag_corpus_add_attrs(c, 2, natt, names, w, labels, &err),
                     CRFTAG_ERR_INVALID);
    assert_non_null(strstr(err.msg, "not finite"));
    const char *nul[] = { "a", NULL, "c" };
    assert_int_equal(crftag_corpus_add_attrs(c, 2, natt, nul, NULL, labels, &err),
                     CRFTAG_ERR_INVALID);
    const char *nolabel[] = { "X", "" };
    assert_int_equal(crftag_corpus_add_attrs(c, 2, natt, names, NULL, nolabel, &err),
                     CRFTAG_ERR_INVALID);
    const char *empty[] = { "a", "", "c" };
    assert_int_equal(crftag_corpus_add_attrs(c, 2, natt, empty, NULL, labels, &err),
                     CRFTAG_ERR_INVALID);
    assert_int_equal(crftag_corpus_add_attrs(c, 2, NULL, names, NULL, labels, &err),
                     CRFTAG_ERR_INVALID);
    size_t ns = 9;
    crftag_corpus_size(c, &ns, NULL);
    assert_int_equal(ns, 0);
    /* names with any bytes: TAB, colon, backslash, newline */
    const char *odd[] = { "a\tb", "c:d\\", "e\nf" };
    assert_int_equal(crftag_corpus_add_attrs(c, 2, natt, odd, NULL, labels, &err), CRFTAG_OK);
    struct sentence s;
    corpus_sentence(c, 0, &s);
    assert_string_equal(s.cols[0], "a\\tb\tc\\:d\\\\");
    assert_string_equal(s.cols[2], "e\\nf");
    /* columns into a corpus of attributes, and the other way round */
    const char *cl[] = { "tok", "X" };
    assert_int_equal(crftag_corpus_add_sentence(c, cl, 1, 2, &err), CRFTAG_ERR_INVALID);
    assert_int_equal(crftag_corpus_new(&cols), CRFTAG_OK);
    assert_int_equal(crftag_corpus_add_sentence(cols, cl, 1, 2, &err), CRFTAG_OK);
    assert_int_equal(crftag_corpus_add_attrs(cols, 2, natt, names, NULL, labels, &err),
                     CRFTAG_ERR_INVALID);
    /* a template does not apply to attribute strings */
    struct crftag_train_params p;
    crftag_train_params_init(&p);
    p.template_text = "U00:%x[0,0]\n";
    struct crftag_model *m;
    assert_int_equal(crftag_train(c, &p, &m, &err), CRFTAG_ERR_INVALID);
    assert_null(m);
    /* tag_attrs on a model of columns */
    crftag_train_params_init(&p);
    p.bias = "0";
    p.lexicon = 0;
    assert_int_equal(crftag_train(cols, &p, &m, &err), CRFTAG_OK);
    struct crftag_tagger *t;
    assert_int_equal(crftag_tagger_new(m, &t), CRFTAG_OK);
    uint32_t ids[2];
    assert_int_equal(crftag_tagger_tag_attrs(t, 2, natt, names, NULL, ids, NULL, NULL, &err),
                     CRFTAG_ERR_INVALID);
    crftag_tagger_free(t);
    crftag_model_free(m);
    crftag_corpus_free(cols);
    crftag_corpus_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_read_fixture),
        cmocka_unit_test(test_escapes_comments_weights),
        cmocka_unit_test(test_detection),
        cmocka_unit_test(test_memory_equals_file),
        cmocka_unit_test(test_weighted_gradient),
        cmocka_unit_test(test_weights_after_cutoff),
        cmocka_unit_test(test_weights_scale_features),
        cmocka_unit_test(test_model_mem_and_file),
        cmocka_unit_test(test_invalid),
    };
    return cmocka_run_group_tests(tests, setup_dir, teardown_dir);
}
