/*
 * explain.c - looking inside a model (pipeline layer): its attributes with
 * their names and weights, its transitions, and the terms of a sentence's
 * path score.
 *
 *   sentence [n][stride], labels y[n]
 *     --feat_extract / feat_names--> attributes of token i, with names
 *     --model--> weight(a, y_i) of each, trans[y_{i-1}][y_i]
 *     --> contributions, which sum to the path score of y
 *
 * Attributes are binary (value 1), so a feature's contribution is its
 * weight.  Names of the input's attributes are rendered from the input
 * (featname.h), so explaining needs no names stored in the model.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "featname.h"
#include "featset.h"
#include "model.h"
#include "util.h"

int crftag_model_has_names(const struct crftag_model *m)
{
    return m && m->names && m->name_off;
}

void crftag_model_drop_names(struct crftag_model *m)
{
    if (!m)
        return;
    free(m->names);
    free(m->name_off);
    m->names = NULL;
    m->name_off = NULL;
    m->names_len = 0;
}

const char *crftag_model_attribute(const struct crftag_model *m, size_t a, uint64_t *out_hash,
                                   size_t *out_nweights)
{
    if (out_hash)
        *out_hash = 0;
    if (out_nweights)
        *out_nweights = 0;
    if (!m || a >= m->nattr)
        return NULL;
    if (out_hash)
        *out_hash = m->attr_hash[a];
    if (out_nweights)
        *out_nweights = m->attr_off[a + 1] - m->attr_off[a];
    return crftag_model_has_names(m) ? m->names + m->name_off[a] : NULL;
}

double crftag_model_attribute_weight(const struct crftag_model *m, size_t a, size_t k,
                                     uint32_t *out_label)
{
    if (out_label)
        *out_label = UINT32_MAX;
    if (!m || a >= m->nattr || k >= (size_t)(m->attr_off[a + 1] - m->attr_off[a]))
        return 0.0;
    size_t q = m->attr_off[a] + k;
    if (out_label)
        *out_label = m->pair_label[q];
    return m->pair_w[q];
}

double crftag_model_transition(const struct crftag_model *m, uint32_t i, uint32_t j)
{
    if (!m || !m->trans || i >= m->labels.n || j >= m->labels.n)
        return 0.0;
    return m->trans[(size_t)i * m->labels.n + j];
}

/* A contribution while the names are still in the sentence's buffer. */
struct xc {
    struct crftag_contribution c;
    size_t name;                 /* index into the names (SIZE_MAX: none) */
};

static int xc_cmp(const void *pa, const void *pb)
{
    const struct xc *a = pa, *b = pb;
    if (a->c.token != b->c.token)
        return a->c.token < b->c.token ? -1 : 1;
    if (a->c.kind != b->c.kind)  /* the transition first */
        return a->c.kind == CRFTAG_CONTRIB_TRANSITION ? -1 : 1;
    double x = fabs(a->c.value), y = fabs(b->c.value);
    if (x != y)
        return x > y ? -1 : 1;
    return a->name < b->name ? -1 : a->name > b->name;
}

/* The weight of attribute hash h for label y into *w; 0 when it has none. */
static int xc_weight(const struct crftag_model *m, uint64_t h, uint32_t y, double *w)
{
    uint32_t a = model_attr_id(m, h);
    if (a == HTAB_NONE)
        return 0;
    for (uint32_t q = m->attr_off[a]; q < m->attr_off[a + 1]; q++) {
        if (m->pair_label[q] == y) {
            *w = m->pair_w[q];
            return 1;
        }
    }
    return 0;
}

/* Gathers the contributions of the sentence into *out (count *nx); the
 * names are nm's.  An attribute string's value (fb->val, FEAT_ATTRS) scales
 * its weight, as in the state scores. */
static enum crftag_status xc_gather(const struct crftag_model *m, const struct feat_buf *fb,
                                    size_t n, const uint32_t *labels, struct xc **out,
                                    size_t *nx)
{
    size_t L = m->labels.n, cap = 0, k = 0;
    struct xc *x = NULL;
    for (size_t i = 0; i < n; i++) {
        size_t need = k + 1 + (fb->start[i + 1] - fb->start[i]);
        if (UTIL_GROW(x, cap, need)) {
            free(x);
            return CRFTAG_ERR_NOMEM;
        }
        if (i > 0) {
            struct xc *t = &x[k++];
            memset(t, 0, sizeof *t);
            t->c.token = i;
            t->c.kind = CRFTAG_CONTRIB_TRANSITION;
            t->c.label = labels[i];
            t->c.prev_label = labels[i - 1];
            t->c.value = m->trans[(size_t)labels[i - 1] * L + labels[i]];
            t->name = SIZE_MAX;
        }
        for (size_t j = fb->start[i]; j < fb->start[i + 1]; j++) {
            double w;
            if (!xc_weight(m, fb->ids[j], labels[i], &w))
                continue;
            struct xc *f = &x[k++];
            memset(f, 0, sizeof *f);
            f->c.token = i;
            f->c.kind = CRFTAG_CONTRIB_FEATURE;
            f->c.label = labels[i];
            f->c.prev_label = UINT32_MAX;
            f->c.value = m->feat.kind == FEAT_ATTRS ? fb->val[j] * w : w;
            f->c.hash = fb->ids[j];
            f->name = j;
        }
    }
    *out = x;
    *nx = k;
    return CRFTAG_OK;
}

/* Copies the contributions and their names into one block. */
static enum crftag_status xc_pack(const struct xc *x, size_t nx, const struct feat_names *nm,
                                  struct crftag_contribution **out)
{
    size_t bytes = 0, head;
    for (size_t k = 0; k < nx; k++)
        if (x[k].name != SIZE_MAX)
            bytes += strlen(feat_name(nm, x[k].name)) + 1;
    if (util_mul(nx ? nx : 1, sizeof **out, &head) || bytes > SIZE_MAX - head)
        return CRFTAG_ERR_NOMEM;
    struct crftag_contribution *c = util_malloc(head + bytes, 1);
    if (!c)
        return CRFTAG_ERR_NOMEM;
    char *s = (char *)c + head;
    for (size_t k = 0; k < nx; k++) {
        c[k] = x[k].c;
        c[k].name = NULL;
        if (x[k].name != SIZE_MAX) {
            const char *name = feat_name(nm, x[k].name);
            size_t len = strlen(name) + 1;
            memcpy(s, name, len);
            c[k].name = s;
            s += len;
        }
    }
    *out = c;
    return CRFTAG_OK;
}

enum crftag_status crftag_model_explain(const struct crftag_model *m, const char *const *cols,
                                        size_t n, size_t stride, const uint32_t *labels,
                                        struct crftag_contribution **out, size_t *out_n,
                                        struct crftag_error *err)
{
    if (out)
        *out = NULL;
    if (out_n)
        *out_n = 0;
    if (!m || !out || !out_n || (n > 0 && (!cols || !labels)))
        return err_set(err, CRFTAG_ERR_INVALID, NULL, 0, "model, tokens, labels or output missing");
    if (stride < m->feat.ncols || stride == 0)
        return err_set(err, CRFTAG_ERR_INVALID, NULL, 0,
                       "the model reads %zu column%s per token, the input has %zu",
                       m->feat.ncols, m->feat.ncols == 1 ? "" : "s", stride);
    for (size_t i = 0; i < n * stride; i++)
        if (!cols[i])
            return err_set(err, CRFTAG_ERR_INVALID, NULL, 0, "token %zu column %zu is NULL",
                           i / stride, i % stride);
    for (size_t i = 0; i < n; i++)
        if (labels[i] >= m->labels.n)
            return err_set(err, CRFTAG_ERR_INVALID, NULL, 0, "label %lu of token %zu: the model "
                           "has %zu labels", (unsigned long)labels[i], i, m->labels.n);
    if (n == 0)
        return CRFTAG_OK;
    struct feat_buf fb = {0};
    struct feat_names nm = {0};
    struct xc *x = NULL;
    size_t nx = 0;
    enum crftag_status st = feat_extract(&m->feat, cols, n, stride, &fb);
    if (st == CRFTAG_OK)
        st = feat_names(&m->feat, cols, n, stride, 0, &nm);
    if (st == CRFTAG_OK && nm.start[n] != fb.start[n])
        st = CRFTAG_ERR_INVALID;     /* cannot happen: test_featname checks it */
    if (st == CRFTAG_OK)
        st = xc_gather(m, &fb, n, labels, &x, &nx);
    if (st == CRFTAG_OK) {
        qsort(x, nx, sizeof *x, xc_cmp);
        st = xc_pack(x, nx, &nm, out);
    }
    free(x);
    feat_buf_free(&fb);
    feat_names_free(&nm);
    if (st != CRFTAG_OK)
        return err_set(err, st, NULL, 0, st == CRFTAG_ERR_NOMEM ? "out of memory"
                                                               : "cannot name the attributes");
    *out_n = nx;
    return CRFTAG_OK;
}

void crftag_contributions_free(struct crftag_contribution *c)
{
    free(c);
}
