/*
 * tag_cache.c - a tagger's cache of word-local state rows (pipeline layer).
 *
 * About half of a token's built-in attributes are computed from the token's
 * own bytes alone (feat_extract_split), and most tokens of a text repeat a
 * word seen shortly before.  The cache keeps, for recent words, the sum of
 * the weight rows of their word-local attributes; a token whose word is
 * there starts its state row from that sum and only extracts, looks up and
 * adds its context attributes.
 *
 * Exactness.  The state score of a label is a sum of float weights in
 * double; the cache adds the same weights grouped and ordered differently,
 * which gives the same double only when every partial sum is exact.  It is
 * used only when the model's weights are fixed point (crftag_model.w_fixed:
 * a model file of format 6 or later storing them as k * 2^-s, one s <= 31,
 * |k| <= 2^31 after rounding to a float) and the attributes are built-in
 * (at most FEAT_BUILTIN_MAX = 84 a token).  Then every partial sum of a
 * token's weights is K * 2^-s with K an integer, |K| <= 84 * 2^31 < 2^53:
 * a double holds it exactly (2^-s is far from the subnormals), so every
 * addition is exact and the sum is the same in any order or grouping.  No
 * weight is -0 (k = 0 gives +0) and rows start at +0, so no sum is -0
 * either.  Other models (float weights: older formats, CRFsuite files,
 * models trained in the same process; templates; attribute strings) keep
 * the order of feat_extract and no cache.
 *
 * The table: sets of 2 entries chosen by the word's hash (hash2_str), the
 * way used last kept; an entry holds the word's bytes (words of more than
 * maxlen bytes are not cached), compared in full.  A sentence first looks
 * every token up; the tokens found copy their rows before any token not
 * found computes and stores its own (which may replace an entry a token of
 * the same sentence found), so a row read is always the row of its word.
 * A word missing twice in one sentence is computed twice.
 */
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "featset.h"
#include "feat_builtin.h"
#include "hash.h"
#include "model.h"
#include "tagger.h"
#include "util.h"

_Static_assert((uint64_t)FEAT_BUILTIN_MAX << 31 < (uint64_t)1 << 53,
               "sums of a token's fixed-point weights are exact in double");

void tagger_wc_free(struct tagger_wc *c)
{
    free(c->ent);
    free(c->mru);
    free(c->row);
    free(c->tok);
    free(c->tokh);
    free(c->local);
    c->ent = NULL;
    c->mru = NULL;
    c->row = NULL;
    c->tok = NULL;
    c->tokh = NULL;
    c->local = NULL;
    c->nent = c->tok_cap = c->tokh_cap = c->local_cap = 0;
}

void tagger_wc_shape(struct crftag_tagger *t, size_t entries, size_t maxlen,
                     uint64_t hash_mask)
{
    struct tagger_wc *c = &t->wc;
    tagger_wc_free(c);
    size_t e = 0;
    if (entries > 0) {
        e = 2;
        while (e < entries && e <= (size_t)1 << 30)
            e *= 2;
    }
    c->want = e;
    c->maxlen = maxlen < TAGGER_WC_MAXLEN ? maxlen : TAGGER_WC_MAXLEN;
    c->hash_mask = hash_mask;
}

int tagger_wc_usable(const struct crftag_tagger *t)
{
    return t->wc.want > 0 && t->m->w_fixed && t->m->feat.kind == FEAT_BUILTIN;
}

/* Allocates the table for L labels: want entries, fewer when their rows
 * would take more than TAGGER_WC_ROW_BYTES.  0 or -1 (out of memory). */
static int wc_alloc(struct tagger_wc *c, size_t L)
{
    size_t e = c->want;
    while (e > 2 && e * L > TAGGER_WC_ROW_BYTES / sizeof(double))
        e /= 2;
    size_t nl;
    if (util_mul(e, L, &nl))
        return -1;
    c->ent = util_calloc(e, sizeof *c->ent);
    c->mru = util_calloc(e / 2, 1);
    c->row = util_malloc(nl, sizeof *c->row);
    if (!c->ent || !c->mru || !c->row) {
        free(c->ent);
        free(c->mru);
        free(c->row);
        c->ent = NULL;
        c->mru = NULL;
        c->row = NULL;
        return -1;
    }
    c->nent = e;
    return 0;
}

/* The first entry of the set of hash h. */
static inline size_t wc_set(const struct tagger_wc *c, uint64_t h)
{
    return (size_t)((h * UINT64_C(0x9e3779b97f4a7c15)) >> 32) & (c->nent - 2);
}

static inline int wc_holds(const struct tagger_wc_entry *e, uint64_t h, const char *w,
                           size_t len)
{
    return e->len1 == len + 1 && e->hash == h && memcmp(e->w, w, len) == 0;
}

enum crftag_status tagger_wc_state(struct crftag_tagger *t, const char *const *cols, size_t n,
                                   size_t stride, struct crftag_error *err)
{
    const struct crftag_model *m = t->m;
    struct tagger_wc *c = &t->wc;
    size_t L = m->labels.n;
    if ((!c->nent && wc_alloc(c, L)) || UTIL_GROW(c->tok, c->tok_cap, n)
        || UTIL_GROW(c->tokh, c->tokh_cap, n) || UTIL_GROW(c->local, c->local_cap, n))
        return err_set(err, CRFTAG_ERR_NOMEM, NULL, 0, "out of memory");

    for (size_t i = 0; i < n; i++) {
        const char *w = cols[i * stride];
        size_t len = strlen(w);
        c->lookups++;
        c->local[i] = 1;
        if (len > c->maxlen) {
            c->tok[i] = TAGGER_WC_LONG;
            continue;
        }
        uint64_t h = hash2_str(w, len) & c->hash_mask;
        size_t s = wc_set(c, h);
        c->tok[i] = TAGGER_WC_MISS;
        c->tokh[i] = h;
        for (size_t way = 0; way < 2; way++) {
            if (wc_holds(&c->ent[s + way], h, w, len)) {
                c->tok[i] = (uint32_t)(s + way);
                c->local[i] = 0;
                c->mru[s / 2] = (unsigned char)way;
                c->hits++;
                break;
            }
        }
    }
    if (feat_extract_split(&m->feat, cols, n, stride, c->local, &t->fb) != CRFTAG_OK)
        return err_set(err, CRFTAG_ERR_NOMEM, NULL, 0, "out of memory");

    const uint64_t *ids = t->fb.ids;
    const size_t *start = t->fb.start, *mid = t->fb.mid;
    /* the tokens found, before any entry changes */
    for (size_t i = 0; i < n; i++) {
        if (c->tok[i] >= TAGGER_WC_LONG)
            continue;
        double *row = t->state + i * L;
        memcpy(row, c->row + (size_t)c->tok[i] * L, L * sizeof *row);
        model_state_scores(m, ids + mid[i], start[i + 1] - mid[i], row);
    }
    /* the others: their word-local sums, stored, then their context */
    for (size_t i = 0; i < n; i++) {
        if (c->tok[i] < TAGGER_WC_LONG)
            continue;
        double *row = t->state + i * L;
        memset(row, 0, L * sizeof *row);
        model_state_scores(m, ids + start[i], mid[i] - start[i], row);
        if (c->tok[i] == TAGGER_WC_MISS) {
            const char *w = cols[i * stride];
            size_t len = strlen(w), s = wc_set(c, c->tokh[i]), way;
            /* the word's own entry when an earlier token stored it */
            if (wc_holds(&c->ent[s], c->tokh[i], w, len))
                way = 0;
            else if (wc_holds(&c->ent[s + 1], c->tokh[i], w, len))
                way = 1;
            else
                way = c->mru[s / 2] ^ 1u;
            struct tagger_wc_entry *e = &c->ent[s + way];
            e->hash = c->tokh[i];
            e->len1 = (uint32_t)len + 1;
            memcpy(e->w, w, len);
            memcpy(c->row + (s + way) * L, row, L * sizeof *row);
            c->mru[s / 2] = (unsigned char)way;
        }
        model_state_scores(m, ids + mid[i], start[i + 1] - mid[i], row);
    }
    return CRFTAG_OK;
}
