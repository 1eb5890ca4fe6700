/*
 * train_dist.c - data-parallel training: the merge points (pipeline layer).
 *
 * See train_dist.h for what is merged.  Lists learned in order of first
 * appearance (labels, attribute hashes, lexicon entries) are merged by
 * broadcasting each rank's list in rank order and adding its new items in
 * list order: since rank r holds the r-th block of the sentences, that is
 * the order of first appearance in all the sentences, and the ids are those
 * of a single process.  Counts are summed; sets of labels are or-ed.  Every
 * collective here is called the same number of times on every rank, and
 * every rank reaches the same verdict on the shared checks.
 */
#include <stdlib.h>
#include <string.h>

#include "corpus.h"
#include "error.h"
#include "featset.h"
#include "hash.h"
#include "labels.h"
#include "lexicon.h"
#include "model.h"
#include "train_data.h"
#include "train_dist.h"
#include "util.h"

#define DIST_CHUNK ((size_t)1 << 20)     /* counts converted per allreduce */

static int dist_allreduce_u64(const struct crftag_comm *cm, uint64_t *buf, size_t n,
                              enum crftag_comm_op op)
{
    return n ? cm->allreduce(buf, n, CRFTAG_COMM_UINT64, op, cm->user) : 0;
}

int dist_sum(const struct crftag_comm *cm, double *buf, size_t n)
{
    return n ? cm->allreduce(buf, n, CRFTAG_COMM_DOUBLE, CRFTAG_COMM_SUM, cm->user) : 0;
}

int dist_sum_u64(const struct crftag_comm *cm, uint64_t *buf, size_t n)
{
    return dist_allreduce_u64(cm, buf, n, CRFTAG_COMM_SUM);
}

int dist_max_u64(const struct crftag_comm *cm, uint64_t *buf, size_t n)
{
    return dist_allreduce_u64(cm, buf, n, CRFTAG_COMM_MAX);
}

int dist_from_any(const struct crftag_comm *cm, int mine, double *v)
{
    uint64_t b = 0;
    if (mine)
        memcpy(&b, v, sizeof b);
    if (dist_allreduce_u64(cm, &b, 1, CRFTAG_COMM_MAX))
        return -1;
    memcpy(v, &b, sizeof b);
    return 0;
}

/* Rank root's blob mine[mine_len] into every rank's *buf[*len] (malloc'd). */
static int dist_bcast_blob(int root, const void *mine, size_t mine_len, void **buf, size_t *len,
                           void *user)
{
    const struct crftag_comm *cm = user;
    uint64_t n = cm->rank == root ? mine_len : 0;
    *buf = NULL;
    *len = 0;
    if (cm->bcast(&n, sizeof n, root, cm->user))
        return -1;
    char *b = malloc(n ? (size_t)n : 1);
    if (!b)
        return -1;
    if (cm->rank == root && n)
        memcpy(b, mine, (size_t)n);
    if (n && cm->bcast(b, (size_t)n, root, cm->user)) {
        free(b);
        return -1;
    }
    *buf = b;
    *len = (size_t)n;
    return 0;
}

/* Sums buf[n] over the ranks (through uint64, saturating at UINT32_MAX). */
static int dist_sum32(uint32_t *buf, size_t n, void *user)
{
    const struct crftag_comm *cm = user;
    uint64_t *t = util_malloc(n < DIST_CHUNK ? (n ? n : 1) : DIST_CHUNK, sizeof *t);
    if (!t)
        return -1;
    for (size_t i = 0; i < n; i += DIST_CHUNK) {
        size_t k = n - i < DIST_CHUNK ? n - i : DIST_CHUNK;
        for (size_t j = 0; j < k; j++)
            t[j] = buf[i + j];
        if (dist_allreduce_u64(cm, t, k, CRFTAG_COMM_SUM)) {
            free(t);
            return -1;
        }
        for (size_t j = 0; j < k; j++)
            buf[i + j] = t[j] > UINT32_MAX ? UINT32_MAX : (uint32_t)t[j];
    }
    free(t);
    return 0;
}

static enum crftag_status dist_failed(struct crftag_error *err)
{
    return err_set(err, CRFTAG_ERR_IO, NULL, 0, "the ranks could not exchange data");
}

/* ---- shares and checks ---------------------------------------------------- */

enum crftag_status dist_check(const struct crftag_corpus *c,
                              const struct crftag_train_params *p,
                              struct dist_shares *out, struct crftag_error *err)
{
    const struct crftag_comm *cm = p->comm;
    size_t R = (size_t)cm->size;
    memset(out, 0, sizeof *out);
    if (cm->size < 1 || cm->rank < 0 || cm->rank >= cm->size || !cm->allreduce || !cm->bcast)
        return err_set(err, CRFTAG_ERR_INVALID, NULL, 0, "invalid comm (rank %d of %d)",
                       cm->rank, cm->size);
    /* [sentences of each rank] [tokens of each rank] [max columns] [~min columns]
     * [dev data] [CRFsuite's format] [~ the same] (empty shares say nothing) */
    uint64_t *v = util_calloc(2 * R + 5, sizeof *v);
    if (!v)
        return err_set(err, CRFTAG_ERR_NOMEM, NULL, 0, "out of memory");
    v[cm->rank] = c->nsent;
    v[R + (size_t)cm->rank] = c->ntok;
    v[2 * R] = c->nsent ? c->ncols : 0;
    v[2 * R + 1] = c->nsent ? ~(uint64_t)c->ncols : 0;
    v[2 * R + 2] = p->dev && p->dev->nsent > 0;
    v[2 * R + 3] = c->nsent && c->attrs;
    v[2 * R + 4] = c->nsent && !c->attrs;
    if (dist_allreduce_u64(cm, v, 2 * R, CRFTAG_COMM_SUM) ||
        dist_allreduce_u64(cm, v + 2 * R, 5, CRFTAG_COMM_MAX)) {
        free(v);
        return dist_failed(err);
    }
    enum crftag_status st = CRFTAG_OK;
    uint64_t big = 0;
    for (size_t r = 0; r < R; r++) {
        if (r < (size_t)cm->rank)
            out->sent0 += v[r];
        out->nsent += v[r];
        out->ntok += v[R + r];
        if (v[R + r] > big)
            big = v[R + r];
    }
    out->ncols = v[2 * R];
    out->has_dev = v[2 * R + 2] != 0;
    out->attrs = v[2 * R + 3] != 0;
    if (out->nsent == 0 || out->ntok == 0)
        st = err_set(err, CRFTAG_ERR_INVALID, NULL, 0, "the training data holds no sentences");
    else if (~v[2 * R + 1] != v[2 * R])
        st = err_set(err, CRFTAG_ERR_INVALID, NULL, 0,
                     "the shares of the ranks have %zu and %zu columns per token",
                     (size_t)~v[2 * R + 1], out->ncols);
    else if (v[2 * R + 3] && v[2 * R + 4])
        st = err_set(err, CRFTAG_ERR_INVALID, NULL, 0,
                     "the shares of the ranks mix CRFsuite's format and columns");
    else if (out->ncols < 2)
        st = err_set(err, CRFTAG_ERR_INVALID, NULL, 0,
                     "the training data has no label column (1 column per token)");
    else if (big >= UINT32_MAX)
        st = err_set(err, CRFTAG_ERR_INVALID, NULL, 0,
                     "a rank holds %zu tokens (at most 4294967294)", (size_t)big);
    else if (p->dev_patience > 0 && !out->has_dev)
        st = err_set(err, CRFTAG_ERR_INVALID, NULL, 0,
                     "early stopping (dev patience) needs dev data on one of the ranks");
    else if (p->dev && p->dev->nsent > 0 && p->dev->ncols != out->ncols)
        st = err_set(err, CRFTAG_ERR_INVALID, NULL, 0,
                     "the dev data has %zu columns per token, the training data %zu",
                     p->dev->ncols, out->ncols);
    free(v);
    return st;
}

enum crftag_status dist_lexicon(const struct crftag_corpus *c,
                                const struct crftag_train_params *p, unsigned fold,
                                struct lexicon **out, struct crftag_error *err)
{
    struct dist_shares sh;
    enum crftag_status st = dist_check(c, p, &sh, err);
    if (st != CRFTAG_OK)
        return st;
    struct lex_share ls = { sh.sent0, sh.nsent, p->comm->size, dist_bcast_blob, dist_sum32,
                            (void *)p->comm };
    return lex_build_shared(c, (size_t)p->lexicon_folds, fold, p->hash_seed, &ls, out, err);
}

/* ---- labels ------------------------------------------------------------ */

/* Adds the labels of every rank to m->labels in rank order; map[i] receives
 * the id of this rank's label i of loc. */
static enum crftag_status dist_label_merge(struct crftag_model *m, const struct labels *loc,
                                           const struct crftag_comm *cm, uint16_t *map,
                                           struct crftag_error *err)
{
    size_t len = 0;
    for (size_t i = 0; i < loc->n; i++)
        len += strlen(loc->names[i]) + 1;
    char *mine = util_malloc(len ? len : 1, 1), *q = mine;
    if (!mine)
        return err_set(err, CRFTAG_ERR_NOMEM, NULL, 0, "out of memory");
    for (size_t i = 0; i < loc->n; i++)
        q += strlen(strcpy(q, loc->names[i])) + 1;
    enum crftag_status st = CRFTAG_OK;
    for (int r = 0; r < cm->size && st == CRFTAG_OK; r++) {
        void *b;
        size_t n;
        if (dist_bcast_blob(r, mine, len, &b, &n, (void *)cm)) {
            st = dist_failed(err);
            break;
        }
        for (const char *s = b; s < (const char *)b + n && st == CRFTAG_OK; s += strlen(s) + 1)
            if (labels_add(&m->labels, s) < 0)
                st = err_set(err, CRFTAG_ERR_INVALID, NULL, 0,
                             "cannot add label (at most 65535 labels, or out of memory)");
        free(b);
    }
    free(mine);
    for (size_t i = 0; i < loc->n && st == CRFTAG_OK; i++)
        map[i] = (uint16_t)labels_find(&m->labels, loc->names[i]);
    return st;
}

/* Whether the gold sequences of every rank are valid IOB2 (y: label ids). */
static enum crftag_status dist_iob2(const struct crftag_model *m, const struct crftag_corpus *c,
                                    const uint16_t *y, const struct crftag_comm *cm, int *iob2,
                                    struct crftag_error *err)
{
    size_t L = m->labels.n;
    unsigned char *allowed = util_malloc(L * L, 1), *start = util_malloc(L, 1);
    if (!allowed || !start) {
        free(allowed);
        free(start);
        return err_set(err, CRFTAG_ERR_NOMEM, NULL, 0, "out of memory");
    }
    int ok = labels_bio_mask(&m->labels, allowed, start);
    for (size_t s = 0; ok && s < c->nsent; s++)
        for (size_t t = c->sent_start[s]; ok && t < c->sent_start[s + 1]; t++)
            ok = t == c->sent_start[s] ? start[y[t]] : allowed[(size_t)y[t - 1] * L + y[t]];
    free(allowed);
    free(start);
    uint64_t bad = !ok;
    if (dist_allreduce_u64(cm, &bad, 1, CRFTAG_COMM_MAX))
        return dist_failed(err);
    *iob2 = !bad;
    return CRFTAG_OK;
}

enum crftag_status dist_labels(struct crftag_model *m, const struct crftag_corpus *c,
                               const struct crftag_train_params *p, uint16_t **out,
                               struct crftag_error *err)
{
    const struct crftag_comm *cm = p->comm;
    struct labels loc;
    labels_init(&loc);
    uint16_t *y = util_malloc(c->ntok ? c->ntok : 1, sizeof *y), *map = NULL;
    enum crftag_status st = CRFTAG_OK;
    if (!y)
        st = err_set(err, CRFTAG_ERR_NOMEM, NULL, 0, "out of memory");
    for (size_t t = 0; t < c->ntok && st == CRFTAG_OK; t++) {
        long id = labels_add(&loc, c->cells[t * c->ncols + c->ncols - 1]);
        if (id < 0)
            st = err_set(err, CRFTAG_ERR_INVALID, NULL, 0,
                         "cannot add label (at most 65535 labels, or out of memory)");
        else
            y[t] = (uint16_t)id;
    }
    if (st == CRFTAG_OK && !(map = util_malloc(loc.n ? loc.n : 1, sizeof *map)))
        st = err_set(err, CRFTAG_ERR_NOMEM, NULL, 0, "out of memory");
    if (st == CRFTAG_OK)
        st = dist_label_merge(m, &loc, cm, map, err);
    for (size_t t = 0; t < c->ntok && st == CRFTAG_OK; t++)
        y[t] = map[y[t]];
    free(map);
    labels_free(&loc);
    int iob2 = 0;
    if (st == CRFTAG_OK)
        st = dist_iob2(m, c, y, cm, &iob2, err);
    if (st != CRFTAG_OK) {
        free(y);
        return st;
    }
    *out = y;
    size_t L = m->labels.n;
    st = train_label_meta(m, c, p, y, iob2, err);
    if (st != CRFTAG_OK)
        return st;
    if (dist_allreduce_u64(cm, m->meta.label_counts, L, CRFTAG_COMM_SUM))
        return dist_failed(err);
    return CRFTAG_OK;
}

/* ---- attributes and pairs ---------------------------------------------- */

/* The attribute hashes of every rank, in rank order, into g (hash -> global
 * provisional id) and *ghash ([g->n]); lg[i] receives the global id of this
 * rank's provisional id i (of prov). */
static enum crftag_status dist_attr_merge(const struct crftag_comm *cm, const struct htab *prov,
                                          struct htab *g, uint64_t **ghash, uint32_t *lg,
                                          struct crftag_error *err)
{
    size_t n = prov->n, cap = 0;
    uint64_t *mine = util_malloc(n ? n : 1, sizeof *mine);
    if (!mine)
        return err_set(err, CRFTAG_ERR_NOMEM, NULL, 0, "out of memory (attributes)");
    for (size_t i = 0; i < prov->cap; i++)
        if (prov->keys[i])
            mine[prov->vals[i]] = prov->keys[i];
    enum crftag_status st = CRFTAG_OK;
    for (int r = 0; r < cm->size && st == CRFTAG_OK; r++) {
        void *b;
        size_t len;
        if (dist_bcast_blob(r, mine, n * sizeof *mine, &b, &len, (void *)cm)) {
            st = dist_failed(err);
            break;
        }
        const uint64_t *h = b;
        for (size_t i = 0; i < len / sizeof *h; i++) {
            int ins;
            uint32_t *slot = htab_put(g, h[i], (uint32_t)g->n, &ins);
            if (!slot || g->n >= UINT32_MAX - 1 || (ins && UTIL_GROW(*ghash, cap, g->n))) {
                st = err_set(err, CRFTAG_ERR_NOMEM, NULL, 0, "out of memory (attributes)");
                break;
            }
            if (ins)
                (*ghash)[*slot] = h[i];
            if (r == cm->rank)
                lg[i] = *slot;
        }
        free(b);
    }
    free(mine);
    return st;
}

/* The final attributes of m (global counts gc[ng] >= min_freq; ghash their
 * hashes) into remap[ng] and m; *acount (all_labels) their counts. */
static enum crftag_status dist_attr_ids(struct crftag_model *m, const struct crftag_train_params *p,
                                        const uint64_t *gc, const uint64_t *ghash, size_t ng,
                                        uint32_t *remap, uint32_t **acount,
                                        struct crftag_error *err)
{
    uint32_t min_freq = p->min_freq ? p->min_freq : 1, na = 0;
    for (size_t a = 0; a < ng; a++)
        remap[a] = gc[a] >= min_freq ? na++ : UINT32_MAX;
    m->nattr = na;
    m->attr_hash = util_malloc(na ? na : 1, sizeof *m->attr_hash);
    m->attr_off = util_calloc((size_t)na + 1, sizeof *m->attr_off);
    *acount = p->all_labels ? util_malloc(na ? na : 1, sizeof **acount) : NULL;
    if (!m->attr_hash || !m->attr_off || (p->all_labels && !*acount))
        return err_set(err, CRFTAG_ERR_NOMEM, NULL, 0, "out of memory (attributes)");
    for (size_t a = 0; a < ng; a++) {
        if (remap[a] == UINT32_MAX)
            continue;
        m->attr_hash[remap[a]] = ghash[a];
        if (*acount)
            (*acount)[remap[a]] = gc[a] > UINT32_MAX ? UINT32_MAX : (uint32_t)gc[a];
    }
    return CRFTAG_OK;
}

/* Rewrites the provisional ids of td (nprov of them) to final ones
 * (remap[lg[id]]), weights along. */
static enum crftag_status dist_repack(struct tdata *td, size_t nprov, const uint32_t *lg,
                                      const uint32_t *remap, struct crftag_error *err)
{
    uint32_t *to = util_malloc(nprov ? nprov : 1, sizeof *to);
    if (!to)
        return err_set(err, CRFTAG_ERR_NOMEM, NULL, 0, "out of memory (training data)");
    for (size_t i = 0; i < nprov; i++)
        to[i] = remap[lg[i]];
    enum crftag_status st = tdata_repack(td, to, err);
    free(to);
    return st;
}

/* The (attribute, label) pairs of every rank: label sets of W words per
 * attribute, or-ed over the ranks (every label for the attributes seen
 * all_labels times), then packed by attribute then label. */
static enum crftag_status dist_pairs(struct crftag_model *m, const struct tdata *td,
                                     const struct crftag_train_params *p, const uint32_t *acount,
                                     struct crftag_error *err)
{
    size_t L = m->labels.n, W = (L + 63) / 64, na = m->nattr, nw;
    if (util_mul(na ? na : 1, W, &nw))
        return err_set(err, CRFTAG_ERR_NOMEM, NULL, 0, "out of memory (features)");
    uint64_t *set = util_calloc(nw, sizeof *set);
    if (!set)
        return err_set(err, CRFTAG_ERR_NOMEM, NULL, 0, "out of memory (features)");
    for (size_t t = 0; t < td->ntok; t++) {
        size_t y = td->label[t];
        struct pk_iter it;
        for (pk_iter_init(&it, td, t); pk_iter_next(&it);)
            set[(size_t)it.id * W + y / 64] |= UINT64_C(1) << (y % 64);
    }
    for (size_t a = 0; a < na; a++)
        if (p->all_labels && acount[a] >= p->all_labels)
            for (size_t y = 0; y < L; y++)
                set[a * W + y / 64] |= UINT64_C(1) << (y % 64);
    if (dist_allreduce_u64(p->comm, set, na * W, CRFTAG_COMM_BOR)) {
        free(set);
        return dist_failed(err);
    }
    size_t np = 0;
    for (size_t a = 0; a < na; a++) {
        uint32_t k = 0;
        for (size_t w = 0; w < W; w++)
            k += (uint32_t)__builtin_popcountll(set[a * W + w]);
        m->attr_off[a + 1] = m->attr_off[a] + k;
        np += k;
    }
    enum crftag_status st = train_pairs_alloc(m, np, L, err);
    if (st == CRFTAG_OK) {
        size_t q = 0;
        for (size_t a = 0; a < na; a++)
            for (size_t w = 0; w < W; w++)
                for (uint64_t b = set[a * W + w]; b; b &= b - 1)
                    m->pair_label[q++] = (uint16_t)(w * 64 + (size_t)__builtin_ctzll(b));
    }
    free(set);
    return st;
}

enum crftag_status dist_attributes(struct crftag_model *m, const struct crftag_corpus *c,
                                   const struct crftag_train_params *p, struct tdata *td,
                                   struct crftag_error *err)
{
    struct htab prov = {0}, g = {0};
    uint32_t *counts = NULL, *lg = NULL, *remap = NULL, *acount = NULL;
    uint64_t *ghash = NULL, *gc = NULL;
    size_t counts_cap = 0;
    enum crftag_status st = train_map(&m->feat, c, &prov, 1, &counts, &counts_cap, td, err);
    size_t nprov = prov.n;
    if (st == CRFTAG_OK && !(lg = util_malloc(prov.n ? prov.n : 1, sizeof *lg)))
        st = err_set(err, CRFTAG_ERR_NOMEM, NULL, 0, "out of memory (attributes)");
    if (st == CRFTAG_OK)
        st = dist_attr_merge(p->comm, &prov, &g, &ghash, lg, err);
    size_t ng = g.n;
    if (st == CRFTAG_OK && (!(gc = util_calloc(ng ? ng : 1, sizeof *gc)) ||
                            !(remap = util_malloc(ng ? ng : 1, sizeof *remap))))
        st = err_set(err, CRFTAG_ERR_NOMEM, NULL, 0, "out of memory (attributes)");
    if (st == CRFTAG_OK) {
        for (size_t i = 0; i < prov.n; i++)
            gc[lg[i]] += counts[i];
        if (dist_allreduce_u64(p->comm, gc, ng, CRFTAG_COMM_SUM))
            st = dist_failed(err);
    }
    htab_free(&prov);
    htab_free(&g);
    free(counts);
    if (st == CRFTAG_OK)
        st = dist_attr_ids(m, p, gc, ghash, ng, remap, &acount, err);
    free(gc);
    free(ghash);
    if (st == CRFTAG_OK)
        st = dist_repack(td, nprov, lg, remap, err);
    free(lg);
    free(remap);
    if (st == CRFTAG_OK)
        st = dist_pairs(m, td, p, acount, err);
    free(acount);
    return st;
}

/* ---- the weights ------------------------------------------------------- */

enum crftag_status dist_same(const struct crftag_comm *cm, const double *x, size_t n,
                             struct crftag_error *err)
{
    uint64_t h = hash_end(hash_bytes(hash_begin(0), x, n * sizeof *x));
    uint64_t v[2] = { h, ~h };
    if (dist_allreduce_u64(cm, v, 2, CRFTAG_COMM_MAX))
        return dist_failed(err);
    if (v[0] != h || v[1] != ~h)
        return err_set(err, CRFTAG_ERR_OPTIMIZER, NULL, 0,
                       "the ranks ended with different weights (the sums of the "
                       "allreduce differ between ranks)");
    return CRFTAG_OK;
}
