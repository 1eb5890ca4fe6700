/*
 * featdump.c - writes the attributes crftag computes for an annotated file
 * in CRFsuite's data format, so that CRFsuite trains and tags on exactly the
 * same features:
 *
 *   LABEL<TAB>ATTR<TAB>ATTR...      one line a token (ATTR = 16 hex digits,
 *   (blank line)                    the attribute's 64-bit hash)
 *
 *   featdump [--template FILE] IN > OUT
 *
 * Without --template the built-in NER set is used.  The label is the last
 * column of IN.  Part of the benchmark only (bench/Makefile).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "corpus.h"
#include "features.h"
#include "hash.h"
#include "io.h"

int main(int argc, char **argv)
{
    const char *tpl = NULL, *in = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--template") && i + 1 < argc)
            tpl = argv[++i];
        else
            in = argv[i];
    }
    if (!in) {
        fprintf(stderr, "usage: featdump [--template FILE] IN > OUT\n");
        return 2;
    }
    struct feat_config fc;
    memset(&fc, 0, sizeof fc);
    struct crftag_error err;
    memset(&err, 0, sizeof err);
    enum crftag_status st;
    if (tpl) {
        size_t len;
        char *text;
        if (io_read_all(tpl, &text, &len, &err) != CRFTAG_OK) {
            fprintf(stderr, "featdump: %s: %s\n", tpl, err.msg);
            return 1;
        }
        st = feat_config_template(&fc, text, len, tpl, HASH_DEFAULT_SEED, &err);
        free(text);
    } else {
        st = feat_config_builtin(&fc, HASH_DEFAULT_SEED);
    }
    if (st != CRFTAG_OK) {
        fprintf(stderr, "featdump: bad feature configuration: %s\n", err.msg);
        return 1;
    }
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
        if (feat_extract(&fc, s.cols, s.n, s.ncols, &fb) != CRFTAG_OK) {
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
    feat_config_free(&fc);
    return fflush(stdout) ? 1 : 0;
}
