/*
 * tag_conf.c - confidence of the tagger: marginals, the probability of the
 * labelling and of each entity, n-best labellings (pipeline layer).
 *
 * Everything comes from the lattice Viterbi decodes (lattice.c): the state
 * scores with the tagger's label bias, the transitions with the BIO mask
 * (-inf where forbidden, and no I- label first) when the tagger is
 * constrained.  So the Viterbi labelling is the most probable one, and the
 * probabilities are those of the labellings the tagger can output.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "labels.h"
#include "model.h"
#include "tagger.h"
#include "util.h"

int tagger_conf_init(struct crftag_tagger *t)
{
    const struct crftag_model *m = t->m;
    size_t L = m->labels.n;
    t->tmask = util_malloc(L * L, sizeof *t->tmask);
    t->cont = util_malloc(L, sizeof *t->cont);
    if (!t->tmask || !t->cont)
        return -1;
    for (size_t k = 0; k < L * L; k++)
        t->tmask[k] = m->bio_constrained && !m->allowed[k] ? -INFINITY : t->trans[k];
    /* cont[y]: the label I-TYPE for y = B-TYPE or I-TYPE (not for plain tags) */
    for (size_t y = 0; y < L; y++) {
        const char *tag, *type;
        size_t tl, yl;
        t->cont[y] = UINT32_MAX;
        labels_split(m->labels.names[y], &tag, &tl, &type, &yl);
        if (t->plain || tl != 1 || (tag[0] != 'B' && tag[0] != 'I') || yl == 0)
            continue;
        for (size_t j = 0; j < L; j++) {
            const char *tag2, *type2;
            size_t tl2, yl2;
            labels_split(m->labels.names[j], &tag2, &tl2, &type2, &yl2);
            if (tl2 == 1 && tag2[0] == 'I' && yl2 == yl && memcmp(type, type2, yl) == 0) {
                t->cont[y] = (uint32_t)j;
                break;
            }
        }
    }
    return 0;
}

void tagger_conf_free(struct crftag_tagger *t)
{
    free(t->tmask);
    free(t->cont);
    lattice_free(&t->lat);
}

enum crftag_status tagger_lattice(struct crftag_tagger *t, size_t n, struct crftag_error *err)
{
    const struct crftag_model *m = t->m;
    size_t L = m->labels.n;
    int use_mask = t->constrained && m->bio_constrained;
    t->lat_ok = 0;
    t->lat_tm = use_mask ? t->tmask : t->trans;
    t->lat_start = use_mask ? m->allowed_start : NULL;
    if (lattice_run(&t->lat, n, L, t->state, t->lat_tm, t->lat_start))
        return err_set(err, CRFTAG_ERR_NOMEM, NULL, 0, "out of memory");
    if (use_mask && t->lat.logz == -INFINITY) {
        /* no labelling satisfies the mask: Viterbi decoded without it */
        t->lat_tm = t->trans;
        t->lat_start = NULL;
        if (lattice_run(&t->lat, n, L, t->state, t->lat_tm, t->lat_start))
            return err_set(err, CRFTAG_ERR_NOMEM, NULL, 0, "out of memory");
    }
    t->lat_ok = 1;
    return CRFTAG_OK;
}

/* exp(x) clamped to [0, 1] (rounding may put a certain event a hair above 1). */
static double conf_prob(double logp)
{
    double p = exp(logp);
    return p > 1.0 ? 1.0 : p;
}

enum crftag_status crftag_tagger_tag_prob(struct crftag_tagger *t, const char *const *cols,
                                          size_t n, size_t stride, uint32_t *out_ids,
                                          double *out_prob, double *out_marginals,
                                          struct crftag_error *err)
{
    if (out_prob)
        *out_prob = 0.0;
    if (t)
        t->lat_ok = 0;
    enum crftag_status st = crftag_tagger_tag(t, cols, n, stride, out_ids, NULL, err);
    if (st != CRFTAG_OK || n == 0) {
        if (st == CRFTAG_OK && out_prob)
            *out_prob = 1.0;            /* the empty labelling */
        return st;
    }
    st = tagger_lattice(t, n, err);
    if (st != CRFTAG_OK)
        return st;
    if (out_prob)
        *out_prob = conf_prob(lattice_path_logprob(&t->lat, t->state, t->lat_tm, out_ids));
    if (out_marginals)
        lattice_marginals(&t->lat, out_marginals);
    return CRFTAG_OK;
}

enum crftag_status crftag_tagger_entity_prob(struct crftag_tagger *t, const uint32_t *ids,
                                             size_t begin, size_t end, double *out_prob,
                                             struct crftag_error *err)
{
    if (out_prob)
        *out_prob = 0.0;
    if (!t || !ids || !out_prob)
        return err_set(err, CRFTAG_ERR_INVALID, NULL, 0, "tagger, labels or output missing");
    if (!t->lat_ok)
        return err_set(err, CRFTAG_ERR_INVALID, NULL, 0,
                       "no sentence tagged by crftag_tagger_tag_prob or crftag_tagger_nbest");
    size_t T = t->lat.T, L = t->lat.L;
    if (begin >= end || end > T)
        return err_set(err, CRFTAG_ERR_INVALID, NULL, 0,
                       "tokens %zu..%zu are not a span of the %zu tokens tagged", begin, end, T);
    for (size_t i = begin; i < end; i++)
        if (ids[i] >= L)
            return err_set(err, CRFTAG_ERR_INVALID, NULL, 0, "label id %lu of token %zu: %zu labels",
                           (unsigned long)ids[i], i, L);
    *out_prob = conf_prob(lattice_span_logprob(&t->lat, t->state, t->lat_tm, begin, end,
                                               ids + begin, t->cont[ids[end - 1]]));
    return CRFTAG_OK;
}

enum crftag_status crftag_tagger_nbest(struct crftag_tagger *t, const char *const *cols,
                                       size_t n, size_t stride, size_t k, uint32_t *out_ids,
                                       double *out_probs, size_t *out_count,
                                       struct crftag_error *err)
{
    if (out_count)
        *out_count = 0;
    if (t)
        t->lat_ok = 0;
    if (!t || !out_count || (k > 0 && n > 0 && !out_ids))
        return err_set(err, CRFTAG_ERR_INVALID, NULL, 0, "tagger, labels or output missing");
    if (k == 0)
        return CRFTAG_OK;
    /* Viterbi first: it checks the input, fills and biases the state */
    enum crftag_status st = crftag_tagger_tag(t, cols, n, stride, out_ids, NULL, err);
    if (st != CRFTAG_OK)
        return st;
    if (n == 0) {
        if (out_probs)
            out_probs[0] = 1.0;         /* the empty labelling */
        *out_count = 1;
        return CRFTAG_OK;
    }
    size_t kn;
    if (util_mul(k, n, &kn))
        return err_set(err, CRFTAG_ERR_INVALID, NULL, 0, "n-best: %zu x %zu labels", k, n);
    st = tagger_lattice(t, n, err);
    if (st != CRFTAG_OK)
        return st;
    size_t got;
    if (lattice_nbest(&t->lat, n, t->lat.L, t->state, t->lat_tm, t->lat_start, k, out_ids,
                      out_probs, &got))
        return err_set(err, CRFTAG_ERR_NOMEM, NULL, 0, "out of memory");
    if (out_probs)
        for (size_t r = 0; r < got; r++)
            out_probs[r] = conf_prob(out_probs[r] - t->lat.logz);
    *out_count = got;
    return CRFTAG_OK;
}
