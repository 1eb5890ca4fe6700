/*
 * fuzz_train.c - libFuzzer harness for training: any bytes as a corpus file,
 * trained for a few iterations under option combinations picked by byte 0,
 * then the model tags the corpus's first sentence.
 *
 * Byte 0: bit 0 two threads (else one), bit 1 L1 (c1 = 0.1, crftag's
 * OWL-QN; else L2 alone, its L-BFGS), bit 2 every label for every
 * attribute (all_labels = 1), bit 3 min_freq 2, bit 4 c2 = 0 (no
 * regularization, the weights may run off), bit 5 a CRF++ template on
 * column 0 instead of the built-in features, bit 6 a dev set (the corpus
 * itself) with early stopping.  The rest is the corpus file (at most 8 KB, so
 * that an execution stays short).
 *
 * Checks: training either succeeds, with every weight finite, a label for
 * every label id, at most max_iter iterations and a stop reason, and the
 * model tags a sentence into valid label ids; or it fails with one of the
 * statuses training documents and a message.  It never crashes.
 */
#include <math.h>

#include "corpus.h"
#include "crftag.h"
#include "fuzz_common.h"
#include "model.h"

#define FUZZ_TRAIN_MAX (8 << 10)
#define FUZZ_TRAIN_ITER 4

static int fuzz_train_progress(const struct crftag_progress *p, void *user)
{
    (void)user;
    if (!isfinite(p->objective) || !(p->gnorm >= 0) || p->iteration < 1 ||
        p->iteration > FUZZ_TRAIN_ITER)
        abort();
    return 0;
}

static void fuzz_train_check(const struct crftag_model *m, const struct crftag_corpus *c)
{
    size_t L = m->labels.n;
    if (L == 0)
        abort();
    for (size_t k = 0; k < m->npairs; k++)
        if (!isfinite(m->pair_w[k]))
            abort();
    for (size_t k = 0; k < L * L; k++)
        if (!isfinite(m->trans[k]))
            abort();
    for (uint32_t k = 0; k < L; k++)
        if (!crftag_model_label(m, k))
            abort();
    struct crftag_model_info mi;
    crftag_model_get_info(m, &mi);
    if (mi.iterations > FUZZ_TRAIN_ITER || !mi.stop_reason || !mi.stop_reason[0])
        abort();

    /* tag the first sentence (its columns but the label) */
    size_t t0 = c->sent_start[0], n = c->sent_start[1] - t0;
    struct crftag_tagger *t = NULL;
    struct crftag_error err;
    uint32_t *ids = malloc(n * sizeof *ids);
    if (!ids || crftag_tagger_new(m, &t) != CRFTAG_OK) {
        free(ids);
        return;    /* out of memory */
    }
    double score;
    enum crftag_status st =
        crftag_tagger_tag(t, c->cells + t0 * c->ncols, n, c->ncols, ids, &score, &err);
    if (st == CRFTAG_OK) {
        for (size_t i = 0; i < n; i++)
            if (ids[i] >= L)
                abort();
        if (!isfinite(score))
            abort();
    } else if (st != CRFTAG_ERR_NOMEM && st != CRFTAG_ERR_INVALID) {
        abort();
    }
    crftag_tagger_free(t);
    free(ids);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > FUZZ_TRAIN_MAX)
        return 0;
    unsigned mode = data[0];
    char path[256];
    if (fuzz_write_temp(data + 1, size - 1, ".txt", path) != 0)
        return 0;
    struct crftag_corpus *c = NULL;
    struct crftag_error err;
    if (crftag_corpus_new(&c) != CRFTAG_OK) {
        unlink(path);
        return 0;
    }
    enum crftag_status st = crftag_corpus_read(c, path, &err);
    unlink(path);
    if (st != CRFTAG_OK) {
        if (err.msg[0] == '\0')
            abort();
        crftag_corpus_free(c);
        return 0;
    }

    struct crftag_train_params p;
    crftag_train_params_init(&p);
    p.max_iter = FUZZ_TRAIN_ITER;
    p.threads = mode & 1 ? 2 : 1;
    if (mode & 2)
        p.c1 = 0.1;
    if (mode & 4)
        p.all_labels = 1;
    if (mode & 8)
        p.min_freq = 2;
    if (mode & 16)
        p.c2 = 0.0;
    if (mode & 32)
        p.template_text = "U00:%x[0,0]\nU01:%x[-1,0]/%x[0,0]\nU02:%x[1,0]\nB\n";
    if (mode & 64) {
        p.dev = c;
        p.dev_patience = 2;
    }
    p.progress = fuzz_train_progress;
    struct crftag_model *m = NULL;
    st = crftag_train(c, &p, &m, &err);
    if (st == CRFTAG_OK) {
        if (!m)
            abort();
        fuzz_train_check(m, c);
        crftag_model_free(m);
    } else {
        if (m || err.msg[0] == '\0')
            abort();
        if (st != CRFTAG_ERR_INVALID && st != CRFTAG_ERR_OPTIMIZER && st != CRFTAG_ERR_NOMEM &&
            st != CRFTAG_ERR_PARSE)
            abort();
    }
    crftag_corpus_free(c);
    return 0;
}
