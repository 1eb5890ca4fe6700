/*
 * crftag.c - public entry points for tagging (pipeline layer).
 *
 *   tokens [n][stride] --feat_extract--> attribute hashes
 *          --model_state_scores--> state [n][L] --decode_viterbi--> label ids
 *
 * A tagger holds one thread's scratch buffers and borrows an immutable model.
 * Marginals (crftag_tagger_tag_tokens) come from the lattice that Viterbi
 * decodes (tag_conf.c): the same state scores with the label bias, the
 * transitions with the BIO mask when the tagger is constrained.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "corpus.h"
#include "decode.h"
#include "error.h"
#include "featset.h"
#include "model.h"
#include "tagger.h"
#include "util.h"

/* Sets the tagger's label bias to b[L] (NULL: none). */
static void tagger_use_bias(struct crftag_tagger *t, const float *b)
{
    t->bias_on = 0;
    for (size_t y = 0; y < t->m->labels.n; y++) {
        t->bias[y] = b ? b[y] : 0.0;
        t->bias_on |= t->bias[y] != 0;
    }
}

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
    t->plain = labels_plain((const char *const *)m->labels.names, L);
    t->trans = util_malloc(L * L, sizeof *t->trans);
    t->bias = util_calloc(L, sizeof *t->bias);
    if (!t->trans || !t->bias) {
        free(t->trans);
        free(t->bias);
        free(t);
        return CRFTAG_ERR_NOMEM;
    }
    for (size_t k = 0; k < L * L; k++)
        t->trans[k] = m->trans[k];
    if (tagger_conf_init(t)) {
        crftag_tagger_free(t);
        return CRFTAG_ERR_NOMEM;
    }
    tagger_use_bias(t, m->label_bias);
    tagger_wc_shape(t, TAGGER_WC_ENTRIES, TAGGER_WC_MAXLEN, UINT64_MAX);
    *out = t;
    return CRFTAG_OK;
}

void crftag_tagger_free(struct crftag_tagger *t)
{
    if (!t)
        return;
    free(t->trans);
    free(t->bias);
    free(t->state);
    feat_buf_free(&t->fb);
    decode_work_free(&t->dw);
    tagger_conf_free(t);
    free(t->strs);
    free(t->ptrs);
    free(t->ids);
    free(t->names);
    free(t->lens);
    free(t->chunks);
    crftag_memory_free(t->mem);
    tagger_wc_free(&t->wc);
    free(t);
}

void crftag_tagger_set_constrained(struct crftag_tagger *t, int on)
{
    if (t)
        t->constrained = on != 0;
}

enum crftag_status crftag_tagger_set_bias(struct crftag_tagger *t, const char *spec,
                                          struct crftag_error *err)
{
    if (!t)
        return err_set(err, CRFTAG_ERR_INVALID, NULL, 0, "no tagger");
    const struct crftag_model *m = t->m;
    if (!spec) {
        tagger_use_bias(t, m->label_bias);
        return CRFTAG_OK;
    }
    float *b = util_calloc(m->labels.n, sizeof *b);
    if (!b)
        return err_set(err, CRFTAG_ERR_NOMEM, NULL, 0, "out of memory");
    char msg[200];
    if (labels_bias_parse(&m->labels, spec, b, msg, sizeof msg)) {
        free(b);
        return err_set(err, CRFTAG_ERR_INVALID, NULL, 0, "%s", msg);
    }
    tagger_use_bias(t, b);
    free(b);
    return CRFTAG_OK;
}

/* Fills t->state [n][L] with the state scores of the sentence cols
 * [n][stride] (n > 0, every string non-NULL); forgets the lattice of the
 * previous sentence. */
enum crftag_status tagger_state(struct crftag_tagger *t, const char *const *cols, size_t n,
                                size_t stride, struct crftag_error *err)
{
    const struct crftag_model *m = t->m;
    size_t L = m->labels.n, nl;
    t->lat_ok = 0;
    if (util_mul(n, L, &nl) || UTIL_GROW(t->state, t->state_cap, nl))
        return err_set(err, CRFTAG_ERR_NOMEM, NULL, 0, "out of memory");
    if (tagger_wc_usable(t))
        return tagger_wc_state(t, cols, n, stride, err);
    if (feat_extract(&m->feat, cols, n, stride, &t->fb) != CRFTAG_OK)
        return err_set(err, CRFTAG_ERR_NOMEM, NULL, 0, "out of memory");
    memset(t->state, 0, nl * sizeof *t->state);
    for (size_t i = 0; i < n; i++) {
        size_t a = t->fb.start[i], na = t->fb.start[i + 1] - a;
        if (m->feat.kind == FEAT_ATTRS)
            model_state_scores_w(m, t->fb.ids + a, t->fb.val + a, na, t->state + i * L);
        else
            model_state_scores(m, t->fb.ids + a, na, t->state + i * L);
    }
    return CRFTAG_OK;
}

/* Viterbi over t->state (filled by tagger_state) into out_ids[n].  With a
 * label bias, the bias is added to t->state in place (no copy: sentences may
 * be long): the confidence calls (tag_conf.c) work on the biased state
 * that Viterbi decoded. */
enum crftag_status tagger_decode(struct crftag_tagger *t, size_t n, uint32_t *out_ids,
                                 double *out_score, struct crftag_error *err)
{
    const struct crftag_model *m = t->m;
    int use_mask = t->constrained && m->bio_constrained;
    size_t L = m->labels.n;
    if (t->bias_on) {
        /* decode state + bias; the score reported is the unbiased one */
        for (size_t i = 0; i < n; i++)
            for (size_t y = 0; y < L; y++)
                t->state[i * L + y] += t->bias[y];
    }
    /* t->tmask is t->trans masked by m->allowed (tagger_conf_init) */
    if (decode_viterbi_tm(n, L, t->state, t->trans, use_mask ? t->tmask : NULL,
                          use_mask ? m->allowed_start : NULL, out_ids, out_score, &t->dw))
        return err_set(err, CRFTAG_ERR_NOMEM, NULL, 0, "out of memory");
    if (t->bias_on && out_score)
        for (size_t i = 0; i < n; i++)
            *out_score -= t->bias[out_ids[i]];
    return CRFTAG_OK;
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
    enum crftag_status st = tagger_state(t, cols, n, stride, err);
    return st != CRFTAG_OK ? st : tagger_decode(t, n, out_ids, out_score, err);
}

enum crftag_status crftag_tagger_tag_tokens(struct crftag_tagger *t, const char *const *tok,
                                            const size_t *len, size_t n, uint32_t *out_ids,
                                            double *out_score, double *out_marginals,
                                            struct crftag_error *err)
{
    if (out_score)
        *out_score = 0.0;
    if (!t || (n > 0 && (!tok || !len || !out_ids)))
        return err_set(err, CRFTAG_ERR_INVALID, NULL, 0, "tagger, tokens or output missing");
    const struct crftag_model *m = t->m;
    if (m->feat.ncols > 1)
        return err_set(err, CRFTAG_ERR_INVALID, NULL, 0,
                       "the model reads %zu columns per token; use crftag_tagger_tag",
                       m->feat.ncols);
    if (m->feat.kind == FEAT_ATTRS)
        return err_set(err, CRFTAG_ERR_INVALID, NULL, 0,
                       "the model reads attribute strings; use crftag_tagger_tag_attrs");
    if (n == 0)
        return CRFTAG_OK;
    /* NUL-terminated copies: token i at strs[off_i], off_i = sum_{k<i} len[k] + 1 */
    size_t bytes = 0;
    for (size_t i = 0; i < n; i++) {
        if (!tok[i])
            return err_set(err, CRFTAG_ERR_INVALID, NULL, 0, "token %zu is NULL", i);
        if (len[i] > SIZE_MAX - 1 - bytes)
            return err_set(err, CRFTAG_ERR_INVALID, NULL, 0, "tokens too long");
        bytes += len[i] + 1;
    }
    if (UTIL_GROW(t->strs, t->strs_cap, bytes) ||
        UTIL_GROW(t->ptrs, t->ptrs_cap, n))
        return err_set(err, CRFTAG_ERR_NOMEM, NULL, 0, "out of memory");
    char *p = t->strs;
    for (size_t i = 0; i < n; i++) {
        if (len[i])
            memcpy(p, tok[i], len[i]);
        p[len[i]] = '\0';
        t->ptrs[i] = p;
        p += len[i] + 1;
    }
    enum crftag_status st = tagger_state(t, t->ptrs, n, 1, err);
    if (st == CRFTAG_OK)
        st = tagger_decode(t, n, out_ids, out_score, err);
    if (st == CRFTAG_OK && out_marginals) {
        /* P(y_i = y) over the lattice Viterbi decoded (mask and bias) */
        st = tagger_lattice(t, n, err);
        if (st == CRFTAG_OK)
            lattice_marginals(&t->lat, out_marginals);
    }
    return st;
}

enum crftag_status crftag_tagger_tag_attrs(struct crftag_tagger *t, size_t n, const size_t *natt,
                                           const char *const *names, const double *weights,
                                           uint32_t *out_ids, double *out_score,
                                           double *out_marginals, struct crftag_error *err)
{
    if (out_score)
        *out_score = 0.0;
    if (!t || (n > 0 && (!natt || !out_ids)))
        return err_set(err, CRFTAG_ERR_INVALID, NULL, 0, "tagger, attributes or output missing");
    const struct crftag_model *m = t->m;
    if (m->feat.kind != FEAT_ATTRS)
        return err_set(err, CRFTAG_ERR_INVALID, NULL, 0,
                       "the model was not trained on attribute strings");
    size_t L = m->labels.n, nl, k = 0;
    if (n == 0)
        return CRFTAG_OK;
    if (util_mul(n, L, &nl) || UTIL_GROW(t->state, t->state_cap, nl))
        return err_set(err, CRFTAG_ERR_NOMEM, NULL, 0, "out of memory");
    memset(t->state, 0, nl * sizeof *t->state);
    for (size_t i = 0; i < n; i++) {
        for (size_t a = 0; a < natt[i]; a++, k++) {
            if (!names || !names[k])
                return err_set(err, CRFTAG_ERR_INVALID, NULL, 0,
                               "token %zu: attribute %zu is NULL", i, a);
            uint64_t id = feat_attr_id(&m->feat, names[k], strlen(names[k]));
            double w = weights ? weights[k] : 1.0;
            model_state_scores_w(m, &id, &w, 1, t->state + i * L);
        }
    }
    enum crftag_status st = tagger_decode(t, n, out_ids, out_score, err);
    if (st == CRFTAG_OK && out_marginals) {
        /* P(y_i = y) over the lattice Viterbi decoded (mask and bias) */
        st = tagger_lattice(t, n, err);
        if (st == CRFTAG_OK)
            lattice_marginals(&t->lat, out_marginals);
    }
    return st;
}

/* Tags the sentence of tokens toks[0..n) of text and appends its entities to
 * *spans (count *ns, capacity *cap); first is the index of toks[0]. */
static enum crftag_status tagger_text_sentence(struct crftag_tagger *t, const char *text,
                                               const struct crftag_token *toks, size_t n,
                                               size_t first, struct crftag_span **spans,
                                               size_t *ns, size_t *cap, struct crftag_error *err)
{
    size_t old = t->sent_cap;
    if (n > old) {
        size_t c = old ? old : 64;
        while (c < n)
            c = c > SIZE_MAX / 2 ? n : c * 2;
        uint32_t *ids = util_realloc(t->ids, c, sizeof *ids);
        if (ids)
            t->ids = ids;
        const char **names = util_realloc(t->names, c, sizeof *names);
        if (names)
            t->names = names;
        size_t *lens = util_realloc(t->lens, c, sizeof *lens);
        if (lens)
            t->lens = lens;
        struct crftag_chunk *ch = util_realloc(t->chunks, c, sizeof *ch);
        if (ch)
            t->chunks = ch;
        if (!ids || !names || !lens || !ch)
            return err_set(err, CRFTAG_ERR_NOMEM, NULL, 0, "out of memory");
        t->sent_cap = c;
    }
    for (size_t i = 0; i < n; i++) {
        t->names[i] = text + toks[i].start;
        t->lens[i] = toks[i].end - toks[i].start;
    }
    enum crftag_status st =
        crftag_tagger_tag_tokens(t, t->names, t->lens, n, t->ids, NULL, NULL, err);
    if (st == CRFTAG_OK && t->mem)
        st = crftag_memory_apply(t->mem, t->names, t->lens, n, t->ids, NULL);
    if (st != CRFTAG_OK)
        return st == CRFTAG_ERR_NOMEM ? err_set(err, st, NULL, 0, "out of memory") : st;
    for (size_t i = 0; i < n; i++)
        t->names[i] = crftag_model_label(t->m, t->ids[i]);
    size_t nc = t->plain ? crftag_chunks_plain(t->names, n, t->chunks)
                         : crftag_chunks(t->names, n, t->chunks);
    if (nc == 0)
        return CRFTAG_OK;
    if (UTIL_GROW(*spans, *cap, *ns + nc))
        return err_set(err, CRFTAG_ERR_NOMEM, NULL, 0, "out of memory");
    for (size_t k = 0; k < nc; k++) {
        const struct crftag_chunk *c = &t->chunks[k];
        struct crftag_span *sp = &(*spans)[(*ns)++];
        sp->start = toks[c->begin].start;
        sp->end = toks[c->end - 1].end;
        sp->token_begin = first + c->begin;
        sp->token_end = first + c->end;
        sp->type = c->type;
        sp->type_len = c->type_len;
    }
    return CRFTAG_OK;
}

enum crftag_status crftag_tagger_tag_text(struct crftag_tagger *t, const char *text, size_t len,
                                          struct crftag_span **out_spans, size_t *out_n,
                                          struct crftag_token **out_tokens, size_t *out_ntokens,
                                          struct crftag_error *err)
{
    if (out_spans)
        *out_spans = NULL;
    if (out_n)
        *out_n = 0;
    if (out_tokens)
        *out_tokens = NULL;
    if (out_ntokens)
        *out_ntokens = 0;
    if (!t || !out_spans || !out_n || (!text && len > 0) || (out_tokens && !out_ntokens))
        return err_set(err, CRFTAG_ERR_INVALID, NULL, 0, "tagger, text or output missing");
    if (t->m->feat.ncols > 1)
        return err_set(err, CRFTAG_ERR_INVALID, NULL, 0,
                       "the model reads %zu columns per token; raw text has one",
                       t->m->feat.ncols);
    /* the model's document memory over the sentences of this text */
    if (t->m->mem.window > 0 && !t->mem &&
        crftag_memory_new(t->m, t->m->mem.window, t->m->mem.flags, &t->mem) != CRFTAG_OK)
        return err_set(err, CRFTAG_ERR_NOMEM, NULL, 0, "out of memory");
    crftag_memory_clear(t->mem);
    struct crftag_token *toks = NULL;
    size_t nt = 0;
    if (len > 0 && crftag_tokenize(text, len, &toks, &nt) != CRFTAG_OK)
        return err_set(err, CRFTAG_ERR_NOMEM, NULL, 0, "out of memory");
    struct crftag_span *spans = NULL;
    size_t ns = 0, cap = 0;
    enum crftag_status st = CRFTAG_OK;
    for (size_t s0 = 0; s0 < nt && st == CRFTAG_OK;) {
        size_t s1 = s0 + 1;
        while (s1 < nt && !toks[s1].sentence_start)
            s1++;
        st = tagger_text_sentence(t, text, toks + s0, s1 - s0, s0, &spans, &ns, &cap, err);
        s0 = s1;
    }
    if (st != CRFTAG_OK) {
        free(spans);
        crftag_tokens_free(toks);
        return st;
    }
    *out_spans = spans;
    *out_n = ns;
    if (out_tokens) {
        *out_tokens = toks;
        *out_ntokens = nt;
    } else {
        crftag_tokens_free(toks);
    }
    return CRFTAG_OK;
}

void crftag_spans_free(struct crftag_span *spans)
{
    free(spans);
}

/* ---- streaming reader: the public face of corpus_reader ---------------- */

struct crftag_reader {
    struct corpus_reader *r;
    struct sentence s;
};

enum crftag_status crftag_reader_open(const char *path, struct crftag_reader **out,
                                      struct crftag_error *err)
{
    return crftag_reader_open_format(path, CRFTAG_INPUT_AUTO, out, err);
}

enum crftag_status crftag_reader_open_format(const char *path, int format,
                                             struct crftag_reader **out, struct crftag_error *err)
{
    if (!out)
        return err_set(err, CRFTAG_ERR_INVALID, NULL, 0, "no output pointer");
    *out = NULL;
    if (!path)
        return err_set(err, CRFTAG_ERR_INVALID, NULL, 0, "no path");
    if (format < CRFTAG_INPUT_AUTO || format > CRFTAG_INPUT_CRFSUITE)
        return err_set(err, CRFTAG_ERR_INVALID, path, 0, "unknown input format %d", format);
    struct crftag_reader *rd = calloc(1, sizeof *rd);
    if (!rd)
        return err_set(err, CRFTAG_ERR_NOMEM, path, 0, "out of memory");
    enum crftag_status st = corpus_reader_open_format(path, corpus_format_of(format), &rd->r,
                                                      err);
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

int crftag_reader_doc_start(const struct crftag_reader *r)
{
    return r ? corpus_reader_doc_start(r->r) : 0;
}

long crftag_reader_line(const struct crftag_reader *r)
{
    return r ? r->s.line : 0;
}

int crftag_reader_ready(const struct crftag_reader *r)
{
    return r ? corpus_reader_ready(r->r) : 1;
}

void crftag_reader_close(struct crftag_reader *r)
{
    if (!r)
        return;
    corpus_reader_close(r->r);
    free(r);
}
