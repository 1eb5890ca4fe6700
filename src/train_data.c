/*
 * train_data.c - the training problem built from a corpus (pipeline layer).
 *
 *   corpus --feat_extract--> attribute hashes --count, cut-off--> attribute ids
 *          --(attribute, label) pairs seen--> packed runs (model.h layout)
 *          --gold paths--> observed counts
 *
 * Everything here is done once, before the optimizer starts: the input is
 * checked, the feature configuration set up (a template, or the built-in
 * features with their lexicons and word clusters), the gold labels turned
 * into ids, the attributes of every token mapped to ids (dropping those
 * seen fewer than min_freq times) and packed (train_data.h), the pairs of
 * the model skeleton chosen (the labels each attribute was seen with, or
 * every label for the attributes seen all_labels times or more) and the
 * observed count of every parameter computed.  The objective that reads
 * all this is in train.c.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "clusters.h"
#include "corpus.h"
#include "error.h"
#include "featname.h"
#include "featset.h"
#include "hash.h"
#include "labels.h"
#include "lexicon.h"
#include "model.h"
#include "train_data.h"
#include "train_dist.h"
#include "util.h"

/* ---- checks, features, labels ----------------------------------------- */

/* The checks of a corpus of attribute strings (CRFsuite's format). */
static enum crftag_status train_check_attrs(const struct crftag_corpus *c,
                                            const struct crftag_train_params *p,
                                            struct crftag_error *err)
{
    if (p->dev && p->dev->attrs != c->attrs)
        return err_set(err, CRFTAG_ERR_INVALID, NULL, 0, "the dev data is %s, the training "
                       "data %s", p->dev->attrs ? "attribute strings" : "columns",
                       c->attrs ? "attribute strings" : "columns");
    if (!c->attrs)
        return CRFTAG_OK;
    if (p->template_text || p->clusters || p->num_lexicon_files > 0)
        return err_set(err, CRFTAG_ERR_INVALID, NULL, 0,
                       "the training data gives its attributes (CRFsuite's format): a template, "
                       "word clusters and lexicon files do not apply");
    for (size_t t = 0; t < c->ntok; t++)
        if (!c->cells[t * c->ncols + 1][0])
            return err_set(err, CRFTAG_ERR_INVALID, NULL, 0,
                           "token %zu of the training data has an empty label", t + 1);
    return CRFTAG_OK;
}

enum crftag_status train_check(const struct crftag_corpus *c,
                               const struct crftag_train_params *p,
                               struct crftag_error *err)
{
    if (!c || !p)
        return err_set(err, CRFTAG_ERR_INVALID, NULL, 0, "no corpus or parameters");
    /* with p->comm, dist_check makes the corpus checks over every rank */
    if (!p->comm && (c->nsent == 0 || c->ntok == 0))
        return err_set(err, CRFTAG_ERR_INVALID, NULL, 0, "the training data holds no sentences");
    if (!p->comm && c->ncols < 2)
        return err_set(err, CRFTAG_ERR_INVALID, NULL, 0,
                       "the training data has no label column (1 column per token)");
    if (!(p->c1 >= 0 && isfinite(p->c1)) || !(p->c2 >= 0 && isfinite(p->c2)))
        return err_set(err, CRFTAG_ERR_INVALID, NULL, 0, "c1 and c2 must be finite and >= 0");
    if (p->lexicon_folds < 0 || p->lexicon_folds > LEX_MAXFOLDS)
        return err_set(err, CRFTAG_ERR_INVALID, NULL, 0, "lexicon folds must be 0..%d",
                       LEX_MAXFOLDS);
    if (p->max_iter < 0 || p->period < 0 || !(p->delta >= 0) || !(p->epsilon >= 0))
        return err_set(err, CRFTAG_ERR_INVALID, NULL, 0,
                       "max-iter, period, delta and epsilon must be >= 0");
    if (p->threads < 0)
        return err_set(err, CRFTAG_ERR_INVALID, NULL, 0, "threads must be >= 0");
    if (p->memory != CRFTAG_MEMORY_AUTO && (p->memory < 0 || p->memory > MODEL_MAX_MEMORY))
        return err_set(err, CRFTAG_ERR_INVALID, NULL, 0,
                       "document memory must be 0..%d sentences", MODEL_MAX_MEMORY);
    if (p->memory_flags & ~(unsigned)CRFTAG_MEMORY_ABBREV)
        return err_set(err, CRFTAG_ERR_INVALID, NULL, 0, "document memory flags %#x",
                       p->memory_flags);
    if (p->dev_patience < 0)
        return err_set(err, CRFTAG_ERR_INVALID, NULL, 0, "dev patience must be >= 0");
    if (p->clusters && p->template_text)
        return err_set(err, CRFTAG_ERR_INVALID, p->clusters, 0,
                       "word clusters are features of the built-in set, not of templates");
    if (p->num_lexicon_files > 0 && p->template_text)
        return err_set(err, CRFTAG_ERR_INVALID, p->lexicon_files ? p->lexicon_files[0] : NULL,
                       0, "lexicon files are features of the built-in set, not of templates");
    if (p->num_lexicon_files > LEX_MAXFILES)
        return err_set(err, CRFTAG_ERR_INVALID, NULL, 0, "%zu lexicon files (at most %d)",
                       p->num_lexicon_files, LEX_MAXFILES);
    if (p->num_lexicon_files > 0 && !p->lexicon_files)
        return err_set(err, CRFTAG_ERR_INVALID, NULL, 0,
                       "num_lexicon_files is %zu but lexicon_files is NULL",
                       p->num_lexicon_files);
    /* with p->comm, dist_check: the dev data may be on one rank only */
    if (!p->comm && p->dev_patience > 0 && (!p->dev || p->dev->nsent == 0))
        return err_set(err, CRFTAG_ERR_INVALID, NULL, 0,
                       "early stopping (dev patience) needs dev data");
    if (!p->comm && c->ntok >= UINT32_MAX)
        return err_set(err, CRFTAG_ERR_INVALID, NULL, 0,
                       "the training data holds %zu tokens (at most 4294967294)", c->ntok);
    if (!p->comm && p->dev && p->dev->ncols != c->ncols)
        return err_set(err, CRFTAG_ERR_INVALID, NULL, 0,
                       "the dev data has %zu columns per token, the training data %zu",
                       p->dev->ncols, c->ncols);
    return train_check_attrs(c, p, err);
}


enum crftag_status train_features(struct crftag_model *m, const struct crftag_corpus *c,
                                  const struct crftag_train_params *p, int attrs,
                                  size_t ncols, struct crftag_error *err)
{
    enum crftag_status st;
    if (attrs) {
        feat_config_attrs(&m->feat, p->hash_seed);
        return CRFTAG_OK;
    }
    if (p->template_text) {
        st = feat_template_check_wapiti(p->template_text, strlen(p->template_text),
                                        p->template_name, err);
        if (st != CRFTAG_OK)
            return st;
        st = feat_config_template(&m->feat, p->template_text, strlen(p->template_text),
                                  p->template_name ? p->template_name : "template",
                                  p->hash_seed, err);
        if (st != CRFTAG_OK)
            return st;
        if (m->feat.ncols > ncols - 1)
            return err_set(err, CRFTAG_ERR_INVALID, p->template_name, 0,
                           "the template reads column %zu, but the training data has %zu "
                           "feature column%s (columns 0..%zu) before the label",
                           m->feat.ncols - 1, ncols - 1, ncols - 1 == 1 ? "" : "s",
                           ncols - 2);
        return CRFTAG_OK;
    }
    st = feat_config_builtin(&m->feat, p->hash_seed);
    if (st != CRFTAG_OK)
        return err_set(err, st, NULL, 0, "out of memory (built-in features)");
    if (p->lexicon) {
        st = p->comm ? dist_lexicon(c, p, feat_lex_fold(&m->feat), &m->feat.lex, err)
                     : lex_build(c, (size_t)p->lexicon_folds, feat_lex_fold(&m->feat),
                                 p->hash_seed, &m->feat.lex, err);
        if (st != CRFTAG_OK)
            return st;
    }
    if (p->clusters) {
        struct crftag_clusters *cl;
        st = cl_read(p->clusters, &cl, err);
        if (st != CRFTAG_OK)
            return st;
        st = feat_config_set_clusters(&m->feat, cl);
        if (st != CRFTAG_OK)
            return err_set(err, st, p->clusters, 0, "out of memory (word clusters)");
    }
    if (p->num_lexicon_files > 0) {
        st = lex_read_user(p->lexicon_files, p->num_lexicon_files, p->hash_seed,
                           feat_lex_fold(&m->feat), &m->feat.ulex, NULL, err);
        if (st != CRFTAG_OK)
            return st;
        if (!m->feat.ulex)
            return err_set(err, CRFTAG_ERR_PARSE, p->lexicon_files[0], 0,
                           "no entry in the lexicon file%s (only blank and '#' lines)",
                           p->num_lexicon_files == 1 ? "" : "s");
    }
    return CRFTAG_OK;
}

/* Gold labels of c as ids into m->labels; *iob2 tells whether every gold
 * sequence is valid IOB2. */
static enum crftag_status train_label_ids(struct crftag_model *m, const struct crftag_corpus *c,
                                          uint16_t **out, int *iob2, struct crftag_error *err)
{
    uint16_t *y = util_malloc(c->ntok, sizeof *y);
    if (!y)
        return err_set(err, CRFTAG_ERR_NOMEM, NULL, 0, "out of memory");
    for (size_t t = 0; t < c->ntok; t++) {
        long id = labels_add(&m->labels, c->cells[t * c->ncols + c->ncols - 1]);
        if (id < 0) {
            free(y);
            if (m->labels.n >= 65535)
                return err_set(err, CRFTAG_ERR_INVALID, NULL, 0,
                               "cannot add label (at most 65535 labels)");
            return err_set(err, CRFTAG_ERR_NOMEM, NULL, 0, "out of memory (labels)");
        }
        y[t] = (uint16_t)id;
    }
    /* Are the gold sequences valid IOB2?  Then decoding may be constrained. */
    size_t L = m->labels.n;
    unsigned char *allowed = util_malloc(L * L, 1), *start = util_malloc(L, 1);
    if (!allowed || !start) {
        free(allowed);
        free(start);
        free(y);
        return err_set(err, CRFTAG_ERR_NOMEM, NULL, 0, "out of memory");
    }
    int ok = labels_bio_mask(&m->labels, allowed, start);
    for (size_t s = 0; ok && s < c->nsent; s++)
        for (size_t t = c->sent_start[s]; ok && t < c->sent_start[s + 1]; t++)
            ok = t == c->sent_start[s] ? start[y[t]] : allowed[(size_t)y[t - 1] * L + y[t]];
    free(allowed);
    free(start);
    *iob2 = ok;
    *out = y;
    return CRFTAG_OK;
}

enum crftag_status train_label_meta(struct crftag_model *m, const struct crftag_corpus *c,
                                    const struct crftag_train_params *p, const uint16_t *y,
                                    int iob2, struct crftag_error *err)
{
    size_t L = m->labels.n;
    m->bio_constrained = iob2 && p->bio_constraint;
    /* "auto" is chosen by crftag_train (train_bias.c); the objective is the
     * same for every bias */
    if (p->bias && p->bias[0] && strcmp(p->bias, CRFTAG_BIAS_AUTO) != 0) {
        char msg[200];
        m->label_bias = util_calloc(L, sizeof *m->label_bias);
        if (!m->label_bias)
            return err_set(err, CRFTAG_ERR_NOMEM, NULL, 0, "out of memory");
        if (labels_bias_parse(&m->labels, p->bias, m->label_bias, msg, sizeof msg))
            return err_set(err, CRFTAG_ERR_INVALID, NULL, 0, "%s", msg);
    }
    m->meta.label_counts = util_calloc(L, sizeof *m->meta.label_counts);
    if (!m->meta.label_counts)
        return err_set(err, CRFTAG_ERR_NOMEM, NULL, 0, "out of memory");
    for (size_t t = 0; t < c->ntok; t++)
        m->meta.label_counts[y[t]]++;
    return CRFTAG_OK;
}

enum crftag_status train_labels(struct crftag_model *m, const struct crftag_corpus *c,
                                const struct crftag_train_params *p, uint16_t **out,
                                struct crftag_error *err)
{
    int iob2 = 0;
    enum crftag_status st = train_label_ids(m, c, out, &iob2, err);
    if (st != CRFTAG_OK)
        return st;
    return train_label_meta(m, c, p, *out, iob2, err);
}

/* ---- attribute ids ---------------------------------------------------- */

/* Sorts ids[0..n) (insertion sort: 20 to 50 ids) and appends them packed to
 * td->pk at *len (capacity *cap); with vals (their weights, moved along),
 * the weights go to td->val (capacity *vcap). */
int pk_append(struct tdata *td, size_t *len, size_t *cap, uint32_t *ids, size_t n,
              double *vals, size_t *vcap)
{
    for (size_t i = 1; i < n; i++) {
        uint32_t v = ids[i];
        double x = vals ? vals[i] : 0;
        size_t j = i;
        for (; j > 0 && ids[j - 1] > v; j--) {
            ids[j] = ids[j - 1];
            if (vals)
                vals[j] = vals[j - 1];
        }
        ids[j] = v;
        if (vals)
            vals[j] = x;
    }
    if (vals) {
        if (UTIL_GROW(td->val, *vcap, td->nids + n + 1))
            return -1;
        memcpy(td->val + td->nids, vals, n * sizeof *vals);
    }
    /* + 1: pk exists even when no token has an attribute (min-freq can drop
     * them all), so that td->pk + offset is never arithmetic on NULL */
    if (UTIL_GROW(td->pk, *cap, *len + 3 * n + 1))
        return -1;
    uint16_t *pk = td->pk;
    size_t q = *len;
    uint32_t prev = 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t a = ids[i];
        if (a - prev < 0xffff) {
            pk[q++] = (uint16_t)(a - prev);
        } else {
            pk[q++] = 0xffff;
            pk[q++] = (uint16_t)(a & 0xffff);
            pk[q++] = (uint16_t)(a >> 16);
        }
        prev = a;
    }
    *len = q;
    td->nids += n;
    return 0;
}

/* Gives back the slack of td->pk once it is complete. */
void pk_trim(struct tdata *td, size_t len)
{
    if (len > 0) {
        uint16_t *shrunk = realloc(td->pk, len * sizeof *td->pk);
        if (shrunk)
            td->pk = shrunk;
    }
}

/* Appends name (cut by model_name_len) as the name of the next provisional
 * id; -1 when out of memory. */
static int tnames_add(struct tnames *tn, const char *name)
{
    size_t n = model_name_len(name, strlen(name)) + 1;
    if (n > SIZE_MAX - tn->len || UTIL_GROW(tn->text, tn->cap, tn->len + n) ||
        UTIL_GROW(tn->off, tn->off_cap, tn->n + 1))
        return -1;
    memcpy(tn->text + tn->len, name, n - 1);
    tn->text[tn->len + n - 1] = '\0';
    tn->off[tn->n++] = tn->len;
    tn->len += n;
    return 0;
}

/* The name of attribute k of the sentence (the names are made once a
 * sentence, *named tells whether they are) into the next provisional id. */
static enum crftag_status train_name(const struct feat_config *fc, const struct sentence *sen,
                                     size_t view, const struct feat_buf *fb, size_t k,
                                     struct feat_names *nm, int *named, struct tnames *tn,
                                     struct crftag_error *err)
{
    if (!*named) {
        enum crftag_status st = feat_names(fc, sen->cols, sen->n, sen->ncols, view, nm);
        if (st != CRFTAG_OK)
            return err_set(err, st, NULL, 0, "out of memory (attribute names)");
        if (nm->start[sen->n] != fb->start[sen->n])
            return err_set(err, CRFTAG_ERR_INVALID, NULL, 0,
                           "attribute names out of step with the attributes");
        *named = 1;
    }
    if (tnames_add(tn, feat_name(nm, k)))
        return err_set(err, CRFTAG_ERR_NOMEM, NULL, 0, "out of memory (attribute names)");
    return CRFTAG_OK;
}

enum crftag_status train_map(const struct feat_config *fc, const struct crftag_corpus *c,
                             struct htab *ids, int add, uint32_t **counts, size_t *counts_cap,
                             struct tdata *td, struct crftag_error *err)
{
    struct feat_buf fb = {0};
    struct feat_names nm = {0};
    size_t cap = 0, len = 0, tcap = 0;
    uint32_t *tok = NULL;        /* one token's ids */
    double *tokv = NULL;         /* FEAT_ATTRS: their weights */
    size_t vcap = 0, tvcap = 0;
    int weighted = 0;            /* a weight is not 1 */
    enum crftag_status st = CRFTAG_OK;
    td->nsent = c->nsent;
    td->ntok = c->ntok;
    td->sent_start = c->sent_start;
    td->nids = 0;
    td->tok_start = util_malloc(c->ntok + 1, sizeof *td->tok_start);
    if (fc->kind == FEAT_ATTRS && td->tok_start)
        td->val_start = util_malloc(c->ntok + 1, sizeof *td->val_start);
    if (!td->tok_start || (fc->kind == FEAT_ATTRS && !td->val_start))
        return err_set(err, CRFTAG_ERR_NOMEM, NULL, 0, "out of memory (training data)");
    td->tok_start[0] = 0;
    if (td->val_start)
        td->val_start[0] = 0;
    for (size_t s = 0; s < c->nsent; s++) {
        struct sentence sen;
        corpus_sentence(c, s, &sen);
        /* with held-out folds, training sentences see the other folds' lexicon */
        size_t view = add && fc->lex ? lex_train_view(fc->lex, s) : 0;
        st = feat_extract_view(fc, sen.cols, sen.n, sen.ncols, view, &fb);
        if (st != CRFTAG_OK) {
            err_set(err, st, NULL, 0, "out of memory (features)");
            goto out;
        }
        size_t t0 = c->sent_start[s];
        int named = 0;
        for (size_t i = 0; i < sen.n; i++) {
            size_t n = 0;
            if (UTIL_GROW(tok, tcap, fb.start[i + 1] - fb.start[i] + 1) ||
                (td->val_start && UTIL_GROW(tokv, tvcap, fb.start[i + 1] - fb.start[i] + 1))) {
                st = err_set(err, CRFTAG_ERR_NOMEM, NULL, 0, "out of memory (training data)");
                goto out;
            }
            for (size_t k = fb.start[i]; k < fb.start[i + 1]; k++) {
                uint32_t id;
                if (add) {
                    int inserted;
                    uint32_t *slot = htab_put(ids, fb.ids[k], (uint32_t)ids->n, &inserted);
                    if (!slot || ids->n >= UINT32_MAX - 1) {
                        st = err_set(err, CRFTAG_ERR_NOMEM, NULL, 0, "out of memory (attributes)");
                        goto out;
                    }
                    id = *slot;
                    if (inserted && td->names) {
                        st = train_name(fc, &sen, view, &fb, k, &nm, &named, td->names, err);
                        if (st != CRFTAG_OK)
                            goto out;
                    }
                    if (counts) {
                        if (UTIL_GROW(*counts, *counts_cap, ids->n)) {
                            st = err_set(err, CRFTAG_ERR_NOMEM, NULL, 0, "out of memory");
                            goto out;
                        }
                        if (inserted)
                            (*counts)[id] = 0;
                        (*counts)[id]++;
                    }
                } else {
                    id = htab_get(ids, fb.ids[k]);
                    if (id == HTAB_NONE)
                        continue;
                }
                if (tokv) {
                    tokv[n] = fb.val[k];
                    weighted |= fb.val[k] != 1.0;
                }
                tok[n++] = id;
            }
            if (pk_append(td, &len, &cap, tok, n, tokv, &vcap)) {
                st = err_set(err, CRFTAG_ERR_NOMEM, NULL, 0, "out of memory (training data)");
                goto out;
            }
            td->tok_start[t0 + i + 1] = len;
            if (td->val_start)
                td->val_start[t0 + i + 1] = td->nids;
        }
    }
    pk_trim(td, len);
    if (!weighted) {             /* every weight 1: the plain path */
        free(td->val);
        free(td->val_start);
        td->val = NULL;
        td->val_start = NULL;
    }
out:
    free(tok);
    free(tokv);
    feat_buf_free(&fb);
    feat_names_free(&nm);
    return st;
}

int tdata_own(struct tdata *td)
{
    if (td->sent_own || !td->sent_start)
        return 0;
    size_t *own = util_malloc(td->nsent + 1, sizeof *own);
    if (!own)
        return -1;
    memcpy(own, td->sent_start, (td->nsent + 1) * sizeof *own);
    td->sent_own = own;
    td->sent_start = own;
    return 0;
}

void tdata_shrink(struct tdata *td)
{
    if (!td->val) {
        free(td->label);
        td->label = NULL;
    }
    if (td->tok32 || !td->tok_start || td->tok_start[td->ntok] > UINT32_MAX)
        return;
    uint32_t *o = util_malloc(td->ntok + 1, sizeof *o);
    if (!o)
        return;
    for (size_t t = 0; t <= td->ntok; t++)
        o[t] = (uint32_t)td->tok_start[t];
    free(td->tok_start);
    td->tok_start = NULL;
    td->tok32 = o;
}

void tdata_free(struct tdata *td)
{
    free(td->sent_own);
    free(td->tok_start);
    free(td->tok32);
    free(td->val_start);
    free(td->val);
    free(td->pk);
    free(td->label);
    memset(td, 0, sizeof *td);
}

/* ---- (attribute, label) pairs and observed counts --------------------- */

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* Whether np pairs fit a model (MODEL_MAX_PAIRS) and, with the L * L
 * transitions, the optimizer's size_t count of parameters. */
static enum crftag_status train_pairs_fit(size_t np, size_t L, struct crftag_error *err)
{
    if (np > MODEL_MAX_PAIRS || L * L > SIZE_MAX - np)
        return err_set(err, CRFTAG_ERR_INVALID, NULL, 0,
                       "too many features: %zu (attribute, label) pairs, a model holds at "
                       "most %lu", np, (unsigned long)MODEL_MAX_PAIRS);
    return CRFTAG_OK;
}

/* Allocates the pair labels of m for np pairs (the weights, pair_w, once the
 * optimizer is done with its own copy). */
enum crftag_status train_pairs_alloc(struct crftag_model *m, size_t np, size_t L,
                                     struct crftag_error *err)
{
    enum crftag_status st = train_pairs_fit(np, L, err);
    if (st != CRFTAG_OK)
        return st;
    m->npairs = (uint32_t)np;
    m->pair_label = util_malloc(np, sizeof *m->pair_label);
    if (!m->pair_label)
        return err_set(err, CRFTAG_ERR_NOMEM, NULL, 0, "out of memory (features)");
    return CRFTAG_OK;
}

/* Whether attribute a gets a pair for every label (all_labels > 0 and a was
 * seen at least all_labels times). */
static inline int train_all_labels(const uint32_t *acount, uint32_t all_labels, uint32_t a)
{
    return all_labels && acount[a] >= all_labels;
}

/* L <= 64: one bit set of labels per attribute (8 bytes an attribute rather
 * than 8 bytes an attribute occurrence). */
static enum crftag_status train_pairs_mask(struct crftag_model *m, const struct tdata *td,
                                           const uint32_t *acount, uint32_t all_labels,
                                           struct crftag_error *err)
{
    uint32_t na = m->nattr;
    uint64_t *mask = util_calloc(na ? na : 1, sizeof *mask);
    if (!mask)
        return err_set(err, CRFTAG_ERR_NOMEM, NULL, 0, "out of memory (features)");
    for (size_t t = 0; t < td->ntok; t++) {
        uint64_t bit = UINT64_C(1) << td->label[t];
        struct pk_iter it;
        for (pk_iter_init(&it, td, t); pk_iter_next(&it);)
            mask[it.id] |= bit;
    }
    if (all_labels) {
        size_t L = m->labels.n;
        uint64_t every = L >= 64 ? ~UINT64_C(0) : (UINT64_C(1) << L) - 1;
        for (uint32_t a = 0; a < na; a++)
            if (train_all_labels(acount, all_labels, a))
                mask[a] = every;
    }
    size_t np = 0;
    for (uint32_t a = 0; a < na; a++) {
        uint32_t c = (uint32_t)__builtin_popcountll(mask[a]);
        m->attr_off[a + 1] = m->attr_off[a] + c;
        np += c;
    }
    enum crftag_status st = train_pairs_alloc(m, np, m->labels.n, err);
    if (st == CRFTAG_OK) {
        size_t q = 0;
        for (uint32_t a = 0; a < na; a++)
            for (uint64_t b = mask[a]; b; b &= b - 1)
                m->pair_label[q++] = (uint16_t)__builtin_ctzll(b);
    }
    free(mask);
    return st;
}

/* Any L: sort the keys a << 16 | y of every occurrence (and of every label
 * of an all-labels attribute), keep the distinct. */
static enum crftag_status train_pairs_sort(struct crftag_model *m, const struct tdata *td,
                                           size_t L, const uint32_t *acount, uint32_t all_labels,
                                           struct crftag_error *err)
{
    size_t nall = 0;    /* pairs of the all-labels attributes: distinct already */
    for (uint32_t a = 0; a < m->nattr; a++)
        if (train_all_labels(acount, all_labels, a))
            nall += L;
    enum crftag_status st = train_pairs_fit(nall, L, err);    /* before sorting them */
    if (st != CRFTAG_OK)
        return st;
    size_t nkeys = td->nids + nall;
    uint64_t *pairs = util_malloc(nkeys ? nkeys : 1, sizeof *pairs);
    if (!pairs)
        return err_set(err, CRFTAG_ERR_NOMEM, NULL, 0, "out of memory (features)");
    size_t np = 0;
    for (size_t t = 0; t < td->ntok; t++) {
        struct pk_iter it;
        for (pk_iter_init(&it, td, t); pk_iter_next(&it);)
            pairs[np++] = (uint64_t)it.id << 16 | td->label[t];
    }
    for (uint32_t a = 0; a < m->nattr; a++)
        if (train_all_labels(acount, all_labels, a))
            for (size_t y = 0; y < L; y++)
                pairs[np++] = (uint64_t)a << 16 | y;
    qsort(pairs, np, sizeof *pairs, cmp_u64);
    size_t u = 0;
    for (size_t i = 0; i < np; i++)
        if (u == 0 || pairs[i] != pairs[u - 1])
            pairs[u++] = pairs[i];
    st = train_pairs_alloc(m, u, L, err);
    if (st == CRFTAG_OK) {
        for (size_t i = 0; i < u; i++) {
            uint32_t a = (uint32_t)(pairs[i] >> 16);
            m->pair_label[i] = (uint16_t)(pairs[i] & 0xffff);
            m->attr_off[a + 1]++;
        }
        for (uint32_t a = 0; a < m->nattr; a++)
            m->attr_off[a + 1] += m->attr_off[a];
    }
    free(pairs);
    return st;
}

enum crftag_status tdata_repack(struct tdata *td, const uint32_t *remap,
                                struct crftag_error *err)
{
    enum crftag_status st = CRFTAG_OK;
    struct tdata nt = *td;
    size_t len = 0, cap = 0, tcap = 0, vcap = 0, tvcap = 0;
    uint32_t *tok = NULL;
    double *tokv = NULL;
    nt.pk = NULL;
    nt.val = NULL;
    nt.nids = 0;
    for (size_t t = 0; t < td->ntok && st == CRFTAG_OK; t++) {
        size_t n = 0, j = td->val ? td->val_start[t] : 0;
        struct pk_iter it;
        for (pk_iter_init(&it, td, t); pk_iter_next(&it); j++) {
            if (remap[it.id] == UINT32_MAX)
                continue;
            if (UTIL_GROW(tok, tcap, n + 1) || (td->val && UTIL_GROW(tokv, tvcap, n + 1))) {
                st = CRFTAG_ERR_NOMEM;
                break;
            }
            if (td->val)
                tokv[n] = td->val[j];
            tok[n++] = remap[it.id];
        }
        size_t start = len;
        if (st == CRFTAG_OK && pk_append(&nt, &len, &cap, tok, n, tokv, &vcap))
            st = CRFTAG_ERR_NOMEM;
        td->tok_start[t] = start;        /* token t + 1 is read through the old offsets */
        if (td->val)
            td->val_start[t] = nt.nids - n;
    }
    td->tok_start[td->ntok] = len;
    if (td->val)
        td->val_start[td->ntok] = nt.nids;
    free(tok);
    free(tokv);
    if (st != CRFTAG_OK) {
        free(nt.pk);
        free(nt.val);
        return err_set(err, CRFTAG_ERR_NOMEM, NULL, 0, "out of memory (training data)");
    }
    pk_trim(&nt, len);
    free(td->pk);
    td->pk = nt.pk;
    if (td->val) {
        free(td->val);
        td->val = nt.val;
    }
    td->nids = nt.nids;
    return CRFTAG_OK;
}

/* Builds attributes (with the min_freq cut-off) and the (attribute, label)
 * pairs seen in training (every label, for the attributes seen at least
 * all_labels times) into the model skeleton, and rewrites the ids of td to
 * the final attribute ids. */
static enum crftag_status train_build(struct crftag_model *m, struct tdata *td,
                                      const struct crftag_train_params *p, struct htab *prov,
                                      const uint32_t *counts, struct crftag_error *err)
{
    size_t nprov = prov->n;
    uint32_t min_freq = p->min_freq ? p->min_freq : 1;
    uint32_t *remap = util_malloc(nprov, sizeof *remap);
    uint64_t *prov_hash = util_malloc(nprov, sizeof *prov_hash);
    uint32_t *acount = NULL;
    enum crftag_status st = CRFTAG_OK;
    if (!remap || !prov_hash) {
        st = err_set(err, CRFTAG_ERR_NOMEM, NULL, 0, "out of memory (attributes)");
        goto out;
    }
    for (size_t i = 0; i < prov->cap; i++)
        if (prov->keys[i])
            prov_hash[prov->vals[i]] = prov->keys[i];
    uint32_t na = 0;
    for (size_t a = 0; a < nprov; a++)
        remap[a] = counts[a] >= min_freq ? na++ : UINT32_MAX;
    m->nattr = na;
    m->attr_hash = util_malloc(na, sizeof *m->attr_hash);
    m->attr_off = util_calloc((size_t)na + 1, sizeof *m->attr_off);
    if (!m->attr_hash || !m->attr_off) {
        st = err_set(err, CRFTAG_ERR_NOMEM, NULL, 0, "out of memory (attributes)");
        goto out;
    }
    for (size_t a = 0; a < nprov; a++)
        if (remap[a] != UINT32_MAX)
            m->attr_hash[remap[a]] = prov_hash[a];
    if (td->names && td->names->n == nprov) {
        /* the model takes the names; those of dropped attributes stay unused */
        m->name_off = util_malloc(na ? na : 1, sizeof *m->name_off);
        if (!m->name_off) {
            st = err_set(err, CRFTAG_ERR_NOMEM, NULL, 0, "out of memory (attribute names)");
            goto out;
        }
        for (size_t a = 0; a < nprov; a++)
            if (remap[a] != UINT32_MAX)
                m->name_off[remap[a]] = td->names->off[a];
        m->names = td->names->text;
        m->names_len = td->names->len;
        td->names->text = NULL;
    }
    /* (train_resolve_labels has resolved AUTO: none when it has not) */
    uint32_t all_labels = p->all_labels == CRFTAG_ALL_LABELS_AUTO ? 0 : p->all_labels;
    if (all_labels) {
        acount = util_malloc(na ? na : 1, sizeof *acount);
        if (!acount) {
            st = err_set(err, CRFTAG_ERR_NOMEM, NULL, 0, "out of memory (attributes)");
            goto out;
        }
        for (size_t a = 0; a < nprov; a++)
            if (remap[a] != UINT32_MAX)
                acount[remap[a]] = counts[a];
    }

    /* with a cut-off, repack the ids (the remap keeps their order) */
    if (na < nprov && (st = tdata_repack(td, remap, err)) != CRFTAG_OK)
        goto out;

    /* distinct (attribute, label) pairs, by attribute then label */
    size_t L = m->labels.n;
    st = L <= 64 ? train_pairs_mask(m, td, acount, all_labels, err)
                 : train_pairs_sort(m, td, L, acount, all_labels, err);
out:
    free(acount);
    free(remap);
    free(prov_hash);
    return st;
}

enum crftag_status train_attributes(struct crftag_model *m, const struct crftag_corpus *c,
                                    const struct crftag_train_params *p, struct tdata *td,
                                    struct crftag_error *err)
{
    struct htab prov = {0};      /* attribute hash -> provisional id */
    uint32_t *counts = NULL;     /* [prov.n] occurrences */
    size_t counts_cap = 0;
    struct tnames tn = {0};
    /* names for the feature kinds featname.h can name; others keep none */
    int nameable = m->feat.kind == FEAT_BUILTIN || m->feat.kind == FEAT_TEMPLATE ||
                   m->feat.kind == FEAT_ATTRS;
    td->names = p->keep_names && nameable ? &tn : NULL;
    enum crftag_status st = train_map(&m->feat, c, &prov, 1, &counts, &counts_cap, td, err);
    if (st == CRFTAG_OK)
        st = train_build(m, td, p, &prov, counts, err);
    td->names = NULL;
    free(tn.text);
    free(tn.off);
    htab_free(&prov);
    free(counts);
    return st;
}

void train_observed(const struct crftag_model *m, const struct tdata *td, uint32_t *obs)
{
    size_t L = m->labels.n;
    for (size_t s = 0; s < td->nsent; s++) {
        for (size_t t = td->sent_start[s]; t < td->sent_start[s + 1]; t++) {
            uint16_t y = td->label[t];
            struct pk_iter it;
            /* weighted attributes: observed values are not counts (tdata_gold) */
            for (pk_iter_init(&it, td, t); !td->val && pk_iter_next(&it);) {
                uint32_t a = it.id;
                for (uint32_t q = m->attr_off[a]; q < m->attr_off[a + 1]; q++)
                    if (m->pair_label[q] == y) {
                        obs[q]++;
                        break;
                    }
            }
            if (t > td->sent_start[s])
                obs[m->npairs + (size_t)td->label[t - 1] * L + y]++;
        }
    }
}

/* ---- weighted attributes (CRFsuite's name:weight) ---------------------- */

void tdata_token_w(const struct crftag_model *m, const struct tdata *td, size_t t, double *v,
                   double *row, int mode)
{
    const double *w = td->val + td->val_start[t];
    struct pk_iter it;
    for (pk_iter_init(&it, td, t); pk_iter_next(&it); w++) {
        double a = *w;
        uint32_t q0 = m->attr_off[it.id], q1 = m->attr_off[it.id + 1];
        if (mode == 0)
            for (uint32_t q = q0; q < q1; q++)
                row[m->pair_label[q]] += a * v[q];
        else    /* rounded: the sums are exact (train_quantize) */
            for (uint32_t q = q0; q < q1; q++)
                v[q] += train_quantize(a * row[m->pair_label[q]]);
    }
}

double tdata_gold(const struct tdata *td, size_t t0, size_t T, size_t L, const double *state,
                  double *mstate)
{
    double s = 0.0;
    for (size_t i = 0; i < T; i++) {
        size_t k = i * L + td->label[t0 + i];
        s += state[k];
        mstate[k] -= 1.0;
    }
    return s;
}

/* ---- rounding many terms (train_quantize) ------------------------------ */

void train_quantize_plain(double *restrict acc, double *restrict v, size_t n)
{
    if (acc)
        for (size_t k = 0; k < n; k++)
            acc[k] += train_quantize(v[k]);
    else
        for (size_t k = 0; k < n; k++)
            v[k] = train_quantize(v[k]);
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__)) && FLT_EVAL_METHOD == 0
#include <immintrin.h>

/* train_quantize's own steps on four values: r = v * 2^28, where |r| < 2^51
 * (r + 1.5 * 2^52) - 1.5 * 2^52 (the nearest integer, ties to even; +0 for
 * -0 and small negatives), elsewhere r as it is (NaN too), times 2^-28. */
__attribute__((target("avx"))) static inline __m256d quantize4(__m256d v)
{
    const __m256d big = _mm256_set1_pd(0x1.8p52), lim = _mm256_set1_pd(0x1p51);
    __m256d r = _mm256_mul_pd(v, _mm256_set1_pd(268435456.0));
    __m256d in = _mm256_and_pd(_mm256_cmp_pd(r, lim, _CMP_LT_OQ),
                               _mm256_cmp_pd(r, _mm256_sub_pd(_mm256_setzero_pd(), lim),
                                             _CMP_GT_OQ));
    __m256d rr = _mm256_sub_pd(_mm256_add_pd(r, big), big);
    r = _mm256_or_pd(_mm256_and_pd(in, rr), _mm256_andnot_pd(in, r));   /* (a blend gcc
                                                                           * 12 made lane by lane) */
    return _mm256_mul_pd(r, _mm256_set1_pd(TRAIN_QUANTUM));
}

__attribute__((target("avx"))) static void train_quantize_avx(double *restrict acc,
                                                              double *restrict v, size_t n)
{
    size_t k = 0;
    if (acc)
        for (; k + 4 <= n; k += 4)
            _mm256_storeu_pd(acc + k, _mm256_add_pd(_mm256_loadu_pd(acc + k),
                                                    quantize4(_mm256_loadu_pd(v + k))));
    else
        for (; k + 4 <= n; k += 4)
            _mm256_storeu_pd(v + k, quantize4(_mm256_loadu_pd(v + k)));
    train_quantize_plain(acc ? acc + k : NULL, v + k, n - k);
}

train_quantize_fn *train_quantize_pick(void)
{
    return __builtin_cpu_supports("avx") ? train_quantize_avx : train_quantize_plain;
}
#else
train_quantize_fn *train_quantize_pick(void)
{
    return train_quantize_plain;
}
#endif
