/*
 * crftag.c - public entry points for tagging (pipeline layer).
 *
 *   tokens [n][stride] --feat_extract--> attribute hashes
 *          --model_state_scores--> state [n][L] --decode_viterbi--> label ids
 *
 * A tagger holds one thread's scratch buffers and borrows an immutable model.
 */
#include <stdlib.h>
#include <string.h>

#include "corpus.h"
#include "decode.h"
#include "error.h"
#include "features.h"
#include "model.h"
#include "util.h"

struct crftag_tagger {
    const struct crftag_model *m;
    int constrained;
    double *trans;               /* [L][L] the model's transitions as double */
    double *state;               /* [n][L] */
    size_t state_cap;
    struct feat_buf fb;
    struct decode_work dw;
};

enum crftag_status crftag_tagger_new(const struct crftag_model *m, struct crftag_tagger **out)
{
    if (!out)
        return CRFTAG_ERR_INVALID;
    *out = NULL;
    if (!m || m->labels.n == 0)
        return CRFTAG_ERR_INVALID;
    struct crftag_tagger *t = calloc(1, sizeof *t);
    if (!t)
        return CRFTAG_ERR_NOMEM;
    size_t L = m->labels.n;
    t->m = m;
    t->constrained = 1;
    t->trans = util_malloc(L * L, sizeof *t->trans);
    if (!t->trans) {
        free(t);
        return CRFTAG_ERR_NOMEM;
    }
    for (size_t k = 0; k < L * L; k++)
        t->trans[k] = m->trans[k];
    *out = t;
    return CRFTAG_OK;
}

void crftag_tagger_free(struct crftag_tagger *t)
{
    if (!t)
        return;
    free(t->trans);
    free(t->state);
    feat_buf_free(&t->fb);
    decode_work_free(&t->dw);
    free(t);
}

void crftag_tagger_set_constrained(struct crftag_tagger *t, int on)
{
    if (t)
        t->constrained = on != 0;
}

enum crftag_status crftag_tagger_tag(struct crftag_tagger *t, const char *const *cols, size_t n,
                                     size_t stride, uint32_t *out_ids, double *out_score,
                                     struct crftag_error *err)
{
    if (out_score)
        *out_score = 0.0;
    if (!t || (n > 0 && (!cols || !out_ids)))
        return err_set(err, CRFTAG_ERR_INVALID, NULL, 0, "tagger, tokens or output missing");
    const struct crftag_model *m = t->m;
    if (stride < m->feat.ncols || stride == 0)
        return err_set(err, CRFTAG_ERR_INVALID, NULL, 0,
                       "the model reads %zu column%s per token, the input has %zu",
                       m->feat.ncols, m->feat.ncols == 1 ? "" : "s", stride);
    if (n == 0)
        return CRFTAG_OK;
    for (size_t i = 0; i < n * stride; i++)
        if (!cols[i])
            return err_set(err, CRFTAG_ERR_INVALID, NULL, 0, "token %zu column %zu is NULL",
                           i / stride, i % stride);
    size_t L = m->labels.n;
    if (util_grow((void **)&t->state, &t->state_cap, n * L, sizeof *t->state))
        return err_set(err, CRFTAG_ERR_NOMEM, NULL, 0, "out of memory");
    if (feat_extract(&m->feat, cols, n, stride, &t->fb) != CRFTAG_OK)
        return err_set(err, CRFTAG_ERR_NOMEM, NULL, 0, "out of memory");
    memset(t->state, 0, n * L * sizeof *t->state);
    for (size_t i = 0; i < n; i++)
        model_state_scores(m, t->fb.ids + t->fb.start[i], t->fb.start[i + 1] - t->fb.start[i],
                           t->state + i * L);
    int use_mask = t->constrained && m->bio;
    if (decode_viterbi(n, L, t->state, t->trans, use_mask ? m->allowed : NULL,
                       use_mask ? m->allowed_start : NULL, out_ids, out_score, &t->dw))
        return err_set(err, CRFTAG_ERR_NOMEM, NULL, 0, "out of memory");
    return CRFTAG_OK;
}

/* ---- streaming reader: the public face of corpus_reader ---------------- */

struct crftag_reader {
    struct corpus_reader *r;
    struct sentence s;
};

enum crftag_status crftag_reader_open(const char *path, struct crftag_reader **out,
                                      struct crftag_error *err)
{
    if (!out)
        return err_set(err, CRFTAG_ERR_INVALID, NULL, 0, "no output pointer");
    *out = NULL;
    if (!path)
        return err_set(err, CRFTAG_ERR_INVALID, NULL, 0, "no path");
    struct crftag_reader *rd = calloc(1, sizeof *rd);
    if (!rd)
        return err_set(err, CRFTAG_ERR_NOMEM, path, 0, "out of memory");
    enum crftag_status st = corpus_reader_open(path, &rd->r, err);
    if (st != CRFTAG_OK) {
        free(rd);
        return st;
    }
    *out = rd;
    return CRFTAG_OK;
}

int crftag_reader_next(struct crftag_reader *r, const char *const **out_cols, size_t *out_n,
                       size_t *out_ncols, struct crftag_error *err)
{
    if (!r || !out_cols || !out_n || !out_ncols)
        return err_set(err, CRFTAG_ERR_INVALID, NULL, 0, "missing argument");
    int rc = corpus_reader_next(r->r, &r->s, err);
    if (rc <= 0) {
        *out_cols = NULL;
        *out_n = 0;
        *out_ncols = 0;
        return rc;
    }
    *out_cols = r->s.cols;
    *out_n = r->s.n;
    *out_ncols = r->s.ncols;
    return 1;
}

long crftag_reader_line(const struct crftag_reader *r)
{
    return r ? r->s.line : 0;
}

void crftag_reader_close(struct crftag_reader *r)
{
    if (!r)
        return;
    corpus_reader_close(r->r);
    free(r);
}
