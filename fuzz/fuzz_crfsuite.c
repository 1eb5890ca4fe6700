/*
 * fuzz_crfsuite.c - libFuzzer harness for CRFsuite's data format (attrs.c,
 * the CRFsuite reader of corpus.c) and its attribute-string features.
 *
 * Input: byte 0 selects the mode (bit 0: the format is given, not detected;
 * bit 1: train 3 iterations on the file when it has at most 200 tokens, then
 * tag every sentence through crftag_tagger_tag and check the label ids);
 * the rest is the file.  Every sentence read in CRFsuite's format has 2
 * columns, and the attributes extracted from its canonical cells are
 * walked (finite weights, ids never 0).
 */
#include <math.h>

#include "corpus.h"
#include "featset.h"
#include "fuzz_common.h"

static void fuzz_cs_train(const char *path)
{
    struct crftag_corpus *c = NULL;
    struct crftag_error err;
    if (crftag_corpus_new(&c) != CRFTAG_OK)
        return;
    size_t ns = 0, nt = 0;
    if (crftag_corpus_read_format(c, path, CRFTAG_INPUT_CRFSUITE, &err) == CRFTAG_OK)
        crftag_corpus_size(c, &ns, &nt);
    if (nt == 0 || nt > 200) {
        crftag_corpus_free(c);
        return;
    }
    struct crftag_train_params p;
    crftag_train_params_init(&p);
    p.max_iter = 3;
    p.threads = 1;
    p.bias = "0";
    struct crftag_model *m = NULL;
    enum crftag_status st = crftag_train(c, &p, &m, &err);
    if (st == CRFTAG_OK) {
        struct crftag_tagger *t = NULL;
        uint32_t ids[200];
        if (crftag_tagger_new(m, &t) == CRFTAG_OK) {
            for (size_t s = 0; s < c->nsent; s++) {
                struct sentence sen;
                corpus_sentence(c, s, &sen);
                if (crftag_tagger_tag(t, sen.cols, sen.n, sen.ncols, ids, NULL, &err)
                    != CRFTAG_OK)
                    abort();
                for (size_t i = 0; i < sen.n; i++)
                    if (ids[i] >= crftag_model_num_labels(m))
                        abort();
            }
            crftag_tagger_free(t);
        }
        crftag_model_free(m);
    } else if (err.msg[0] == '\0') {
        abort();
    }
    crftag_corpus_free(c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > (1 << 20))
        return 0;
    unsigned mode = data[0];
    char path[256];
    if (fuzz_write_temp(data + 1, size - 1, ".txt", path) != 0)
        return 0;
    struct corpus_reader *r = NULL;
    struct crftag_error err;
    struct feat_config fc;
    feat_config_attrs(&fc, 1);
    struct feat_buf fb;
    memset(&fb, 0, sizeof fb);
    enum corpus_format want = mode & 1 ? CORPUS_CRFSUITE : CORPUS_UNKNOWN;
    if (corpus_reader_open_format(path, want, &r, &err) == CRFTAG_OK) {
        struct sentence s;
        int k;
        while ((k = corpus_reader_next(r, &s, &err)) == 1) {
            if (s.n == 0 || s.ncols == 0)
                abort();
            if (corpus_reader_format(r) != CORPUS_CRFSUITE)
                continue;
            if (s.ncols != 2)
                abort();     /* attributes, label */
            if (feat_extract(&fc, s.cols, s.n, 2, &fb) != CRFTAG_OK)
                continue;
            for (size_t i = 0; i < fb.start[s.n]; i++)
                if (fb.ids[i] == 0 || !isfinite(fb.val[i]))
                    abort();
        }
        if (k < 0 && err.msg[0] == '\0')
            abort();
        corpus_reader_close(r);
    }
    if (mode & 2)
        fuzz_cs_train(path);
    feat_buf_free(&fb);
    feat_config_free(&fc);
    unlink(path);
    return 0;
}
