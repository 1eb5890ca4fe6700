/*
 * featdump.c - writes the attributes a crftag model computes for an annotated
 * file in CRFsuite's data format, so that CRFsuite trains and tags on exactly
 * the same features as crftag:
 *
 *   LABEL<TAB>ATTR<TAB>ATTR...      one line a token (ATTR = 16 hex digits,
 *   (blank line)                    the attribute's 64-bit hash)
 *
 *   featdump -m MODEL [--train [--folds K]] IN > OUT
 *
 * The features are the model's own: its template, or the built-in set with
 * the word clusters, user lexicons and entity lexicon the model carries.
 * Without --train the entity lexicon is the model's (all of its training
 * data), matched as when the model tags: for dev and test files.
 *
 * --train writes what the trainer saw on its training file IN (the file the
 * model was trained on, with --bias 0: one training on all of it): the
 * entity lexicon is built again from IN with K held-out folds (default 20,
 * `crftag train`'s --lexicon-folds), and each sentence is matched in the
 * view of its block (the lexicon of the other blocks), as train_data.c
 * does.  K = 0 gives every sentence the whole lexicon (--lexicon-folds 0).
 * A model without an entity lexicon gets the same lines either way.
 *
 * The label is the last column of IN.  Part of the benchmark only
 * (bench/Makefile).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "corpus.h"
#include "featset.h"
#include "lexicon.h"
#include "model.h"

static int usage(void)
{
    fprintf(stderr, "usage: featdump -m MODEL [--train [--folds K]] IN > OUT\n");
    return 2;
}

/* one sentence's lines; 0, or 1 on failure (reported) */
static int dump_sentence(const struct feat_config *fc, const struct sentence *s, size_t view,
                         const char *in, struct feat_buf *fb)
{
    if (s->ncols < 2) {
        fprintf(stderr, "featdump: %s: no label column\n", in);
        return 1;
    }
    if (feat_extract_view(fc, s->cols, s->n, s->ncols, view, fb) != CRFTAG_OK) {
        fprintf(stderr, "featdump: out of memory\n");
        return 1;
    }
    for (size_t i = 0; i < s->n; i++) {
        fputs(s->cols[i * s->ncols + s->ncols - 1], stdout);
        for (size_t k = fb->start[i]; k < fb->start[i + 1]; k++)
            printf("\t%016llx", (unsigned long long)fb->ids[k]);
        putchar('\n');
    }
    putchar('\n');
    return 0;
}

/* the model's features as tagging computes them, streamed */
static int dump_tagging(const struct feat_config *fc, const char *in, struct feat_buf *fb)
{
    struct crftag_error err;
    memset(&err, 0, sizeof err);
    struct corpus_reader *r;
    if (corpus_reader_open(in, &r, &err) != CRFTAG_OK) {
        fprintf(stderr, "featdump: %s\n", err.msg);
        return 1;
    }
    struct sentence s;
    int rc, bad = 0;
    while (!bad && (rc = corpus_reader_next(r, &s, &err)) == 1)
        bad = dump_sentence(fc, &s, 0, in, fb);
    if (!bad && rc < 0) {
        fprintf(stderr, "featdump: %s\n", err.msg);
        bad = 1;
    }
    corpus_reader_close(r);
    return bad;
}

/* the features the trainer computed on its training file: the entity
 * lexicon rebuilt from it with `folds` held-out blocks */
static int dump_training(const struct feat_config *model_fc, size_t folds, const char *in,
                         struct feat_buf *fb)
{
    struct crftag_error err;
    memset(&err, 0, sizeof err);
    struct crftag_corpus *c = NULL;
    if (crftag_corpus_new(&c) != CRFTAG_OK || crftag_corpus_read(c, in, &err) != CRFTAG_OK) {
        fprintf(stderr, "featdump: %s:%ld: %s\n", err.file, err.line, err.msg);
        crftag_corpus_free(c);
        return 1;
    }
    struct feat_config fc = *model_fc;   /* borrowed fields; only lex differs */
    struct lexicon *lx = NULL;
    if (model_fc->lex) {
        if (lex_build(c, folds, feat_lex_fold(model_fc), model_fc->seed, &lx, &err)
            != CRFTAG_OK) {
            fprintf(stderr, "featdump: %s\n", err.msg);
            crftag_corpus_free(c);
            return 1;
        }
        /* view 0 of the rebuilt lexicon is the model's: the same entries */
        if (!lx || lx->nent != model_fc->lex->nent) {
            fprintf(stderr, "featdump: %s: the lexicon built from it (%zu entries) is not "
                    "the model's (%zu entries): not the model's training file?\n", in,
                    lx ? lx->nent : 0, model_fc->lex->nent);
            lex_free(lx);
            crftag_corpus_free(c);
            return 1;
        }
        fc.lex = lx;
    }
    int bad = 0;
    for (size_t i = 0; !bad && i < c->nsent; i++) {
        struct sentence s;
        corpus_sentence(c, i, &s);
        bad = dump_sentence(&fc, &s, lx ? lex_train_view(lx, i) : 0, in, fb);
    }
    lex_free(lx);
    crftag_corpus_free(c);
    return bad;
}

int main(int argc, char **argv)
{
    const char *model = NULL, *in = NULL;
    int train = 0;
    long folds = 20;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-m") && i + 1 < argc) {
            model = argv[++i];
        } else if (!strcmp(argv[i], "--train")) {
            train = 1;
        } else if (!strcmp(argv[i], "--folds") && i + 1 < argc) {
            char *end;
            folds = strtol(argv[++i], &end, 10);
            if (*end || end == argv[i] || folds < 0 || folds > LEX_MAXFOLDS) {
                fprintf(stderr, "featdump: --folds %s: not a number 0..%d\n", argv[i],
                        LEX_MAXFOLDS);
                return 2;
            }
        } else if (argv[i][0] == '-' && argv[i][1]) {
            return usage();
        } else {
            in = argv[i];
        }
    }
    if (!model || !in)
        return usage();
    struct crftag_error err;
    memset(&err, 0, sizeof err);
    struct crftag_model *m;
    if (crftag_model_load(model, &m, &err) != CRFTAG_OK) {
        fprintf(stderr, "featdump: %s: %s\n", model, err.msg);
        return 1;
    }
    static char obuf[1 << 16];
    setvbuf(stdout, obuf, _IOFBF, sizeof obuf);
    struct feat_buf fb;
    memset(&fb, 0, sizeof fb);
    int bad = train ? dump_training(&m->feat, (size_t)folds, in, &fb)
                    : dump_tagging(&m->feat, in, &fb);
    feat_buf_free(&fb);
    crftag_model_free(m);
    if (fflush(stdout) && !bad) {
        fprintf(stderr, "featdump: write error\n");
        bad = 1;
    }
    return bad;
}
