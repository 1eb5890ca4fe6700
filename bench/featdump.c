/*
 * featdump.c - writes the attributes a crftag model computes for an annotated
 * file in CRFsuite's data format, so that CRFsuite trains and tags on exactly
 * the same features as crftag:
 *
 *   LABEL<TAB>ATTR<TAB>ATTR...      one line a token (ATTR = 16 hex digits,
 *   (blank line)                    the attribute's 64-bit hash)
 *
 *   featdump -m MODEL IN > OUT
 *
 * The features are the model's own: its template, or the built-in set with
 * the entity lexicon (and whatever else) the model carries, matched as when
 * the model tags (a model trained with held-out lexicon folds saw other
 * lexicon views on its training sentences).  The label is the last column
 * of IN.  Part of the benchmark only (bench/Makefile).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "corpus.h"
#include "featset.h"
#include "model.h"

int main(int argc, char **argv)
{
    const char *model = NULL, *in = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-m") && i + 1 < argc)
            model = argv[++i];
        else
            in = argv[i];
    }
    if (!model || !in) {
        fprintf(stderr, "usage: featdump -m MODEL IN > OUT\n");
        return 2;
    }
    struct crftag_error err;
    memset(&err, 0, sizeof err);
    struct crftag_model *m;
    if (crftag_model_load(model, &m, &err) != CRFTAG_OK) {
        fprintf(stderr, "featdump: %s: %s\n", model, err.msg);
        return 1;
    }
    const struct feat_config *fc = &m->feat;
    struct corpus_reader *r;
    if (corpus_reader_open(in, &r, &err) != CRFTAG_OK) {
        fprintf(stderr, "featdump: %s\n", err.msg);
        return 1;
    }
    struct feat_buf fb;
    memset(&fb, 0, sizeof fb);
    struct sentence s;
    int rc;
    static char obuf[1 << 16];
    setvbuf(stdout, obuf, _IOFBF, sizeof obuf);
    while ((rc = corpus_reader_next(r, &s, &err)) == 1) {
        if (s.ncols < 2) {
            fprintf(stderr, "featdump: %s: no label column\n", in);
            return 1;
        }
        if (feat_extract(fc, s.cols, s.n, s.ncols, &fb) != CRFTAG_OK) {
            fprintf(stderr, "featdump: out of memory\n");
            return 1;
        }
        for (size_t i = 0; i < s.n; i++) {
            fputs(s.cols[i * s.ncols + s.ncols - 1], stdout);
            for (size_t k = fb.start[i]; k < fb.start[i + 1]; k++)
                printf("\t%016llx", (unsigned long long)fb.ids[k]);
            putchar('\n');
        }
        putchar('\n');
    }
    if (rc < 0) {
        fprintf(stderr, "featdump: %s\n", err.msg);
        return 1;
    }
    corpus_reader_close(r);
    feat_buf_free(&fb);
    crftag_model_free(m);
    return fflush(stdout) ? 1 : 0;
}
