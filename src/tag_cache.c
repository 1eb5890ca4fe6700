/*
 * tag_cache.c - a tagger's cache of per-word state rows (pipeline layer).
 *
 * Most of a token's built-in attributes are read from one token of its
 * window alone (feat_word_attrs): its own word (the word-local ones) or one
 * neighbour at offset k = -2..+2 (that word's lw, shapes, 3-character
 * suffix, flags and cluster as seen at k).  Their weight rows depend only on
 * (the word, k), and most tokens of a text repeat a word seen shortly
 * before.  The cache keeps, for recent words, one row per offset the word
 * plays: the sum of the weight rows of its attributes at that offset; and
 * the hash version 2 pieces of its lower-cased form and short shape.  Token
 * i's state row is then
 *
 *     row0(w_i) + row-1(w_{i-1}) + row+1(w_{i+1}) + row-2(w_{i-2}) + row+2(w_{i+2})
 *     + the weights of its attributes reading two tokens or the position
 *       (feat_pair_attrs: the sentence-initial flag, bigrams, lexicon, user
 *       lexicon and neighbours' lexicon matches)
 *
 * where a position outside the sentence reads its sentinel's rows, computed
 * once per table.  A word found is not extracted again: with hash version 2
 * its per-token data is only the two cached pieces (feat_tokens_part).
 *
 * Exactness.  The state score of a label is a sum of float weights in
 * double; the cache adds the same weights grouped and ordered differently,
 * which gives the same double only when every partial sum is exact.  It is
 * used only when the model's weights are fixed point (crftag_model.w_fixed:
 * a model file of format 6 or later storing them as k * 2^-s, one s <= 31,
 * with |k| <= 2^23: w_bytes <= 3, which every model this library trains
 * has) and the attributes are built-in (at most FEAT_BUILTIN_MAX = 84 a
 * token).  Each cached row sums the weights of some of token i's attributes
 * (those read from one word at one offset); the rows summed for token i and
 * its pair attributes are disjoint parts of its attributes (feat_word_attrs,
 * feat_pair_attrs), so every partial sum, within a row or across rows, sums
 * a part of the token's weights: K * 2^-s with K an integer, |K| <= 84 *
 * 2^23 < 2^31.  So a row is kept as the integers K (half the bytes of
 * doubles), the five rows of a token are summed as 32-bit integers without
 * overflow, and that sum times 2^-s, like every sum in double, is exact (a
 * double holds K * 2^-s exactly, far from the subnormals): the sum is the
 * same in any order or grouping.  No weight is -0 (k = 0 gives +0) and rows
 * start at +0, so no sum is -0 either.  Other models (float weights: older
 * formats, CRFsuite files, models trained in the same process; weights of
 * 4 bytes; templates; attribute strings) keep the order of feat_extract
 * and no cache.
 *
 * A sentence's lookups of the model (the pair attributes of every token
 * and the attributes of the rows to compute) are made by one call of
 * model_state_scatter, so that their cache misses overlap.
 *
 * The table: sets of 2 entries chosen by the word's hash (hash2_str), the
 * way used last kept; an entry holds the word's bytes (words of more than
 * maxlen bytes are not cached), compared in full, and TAGGER_WC_SLOTS rows.
 * A sentence first looks every token up, stamping the entries it finds;
 * then a token not found (unless an earlier token of the sentence stored its
 * word) gets its rows computed into the entry it replaces, stamped in turn,
 * or into a scratch, not kept, when that entry bears the sentence's stamp:
 * no entry a token of the sentence reads is replaced before the state rows
 * are summed, so a row read is always the row of its word.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "featset.h"
#include "feat_builtin.h"
#include "hash.h"
#include "model.h"
#include "tagger.h"
#include "util.h"

_Static_assert((uint64_t)FEAT_BUILTIN_MAX << 23 < (uint64_t)1 << 31,
               "sums of a token's fixed-point weights of 3 bytes fit in 32 bits");
_Static_assert(TAGGER_WC_ROW_BYTES / sizeof(int32_t) < TAGGER_WC_NEW,
               "entry numbers stay below TAGGER_WC_NEW");

void tagger_wc_free(struct tagger_wc *c)
{
    free(c->ent);
    free(c->mru);
    free(c->row);
    free(c->edge);
    free(c->tok);
    free(c->tokh);
    free(c->tlen);
    free(c->full);
    free(c->pieces);
    free(c->blk);
    free(c->tmp);
    free(c->tmpi);
    free(c->aid);
    free(c->adst);
    c->ent = NULL;
    c->mru = NULL;
    c->row = NULL;
    c->edge = NULL;
    c->tok = NULL;
    c->tokh = NULL;
    c->tlen = NULL;
    c->full = NULL;
    c->pieces = NULL;
    c->blk = NULL;
    c->tmp = NULL;
    c->tmpi = NULL;
    c->aid = NULL;
    c->adst = NULL;
    c->edge_ok = 0;
    c->epoch = 0;
    c->nent = c->tok_cap = c->tokh_cap = c->tlen_cap = c->full_cap = c->pieces_cap = 0;
    c->blk_cap = c->tmp_cap = c->tmpi_cap = c->aid_cap = c->adst_cap = 0;
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
    return t->wc.want > 0 && t->m->w_fixed && t->m->w_bytes <= 3
           && t->m->feat.kind == FEAT_BUILTIN;
}

/* Allocates the table for L labels: want entries, fewer when their rows
 * would take more than TAGGER_WC_ROW_BYTES.  0 or -1 (out of memory). */
static int wc_alloc(struct tagger_wc *c, size_t L)
{
    size_t e = c->want, sl = TAGGER_WC_SLOTS * L, nl;
    while (e > 2 && e * sl > TAGGER_WC_ROW_BYTES / sizeof *c->row)
        e /= 2;
    if (util_mul(e, sl, &nl))
        return -1;
    c->ent = util_calloc(e, sizeof *c->ent);
    c->mru = util_calloc(e / 2, 1);
    c->row = util_malloc(nl, sizeof *c->row);
    c->edge = util_malloc(4 * sl, sizeof *c->edge);
    if (!c->ent || !c->mru || !c->row || !c->edge) {
        tagger_wc_free(c);               /* (keeps want, maxlen, hash_mask) */
        return -1;
    }
    c->nent = e;
    c->edge_ok = 0;
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

/* The offsets of a word's rows (TAGGER_WC_SLOTS). */
static const int wc_off[TAGGER_WC_SLOTS] = { 0, -1, 1, -2, 2 };

/* The rows of the sentinel tk[j] (j < 0 or j >= n) at every offset but 0
 * (a sentinel is never token 0 of a window), summed from 0 into blk
 * [TAGGER_WC_SLOTS][L]; a token's rows are gathered with the sentence's
 * other lookups in tagger_wc_state. */
static void wc_edge_rows(const struct crftag_model *m, const struct feat_tok *tk, ptrdiff_t j,
                         double *blk)
{
    size_t L = m->labels.n;
    uint64_t ids[FEAT_BUILTIN_MAX];
    memset(blk, 0, TAGGER_WC_SLOTS * L * sizeof *blk);
    for (size_t k = 1; k < TAGGER_WC_SLOTS; k++)
        model_state_scores(m, ids, feat_word_attrs(&m->feat, tk, j, wc_off[k], ids), blk + k * L);
}

/* Room in aid and adst for FEAT_BUILTIN_MAX more after the first na: 0, or
 * -1 when out of memory. */
static int wc_room(struct tagger_wc *c, size_t na)
{
    size_t want = na + FEAT_BUILTIN_MAX;
    if (want <= c->aid_cap && want <= c->adst_cap)
        return 0;
    want += want / 2;
    return UTIL_GROW(c->aid, c->aid_cap, want) || UTIL_GROW(c->adst, c->adst_cap, want) ? -1 : 0;
}

typedef int32_t wc_v4i __attribute__((vector_size(16)));
typedef double wc_v4d __attribute__((vector_size(32)));

/* dst[0..k) = src[0..k) * up (up = 2^s, src[j] multiples of 2^-s whose
 * multiple fits in 32 bits), exact */
static void wc_fixed(int32_t *restrict dst, const double *restrict src, size_t k, double up)
{
    size_t j = 0;
    for (; j + 4 <= k; j += 4) {
        wc_v4d x;
        memcpy(&x, src + j, sizeof x);
        wc_v4i y = __builtin_convertvector(x * up, wc_v4i);
        memcpy(dst + j, &y, sizeof y);
    }
    for (; j < k; j++)
        dst[j] = (int32_t)(src[j] * up);
}

/* row[0..L) += (r0 + r1 + r2 + r3 + r4) * down, four labels at a time: the
 * integer sums are those of some of one token's attributes (no overflow,
 * tagger_wc_usable), their product with down = 2^-s exact */
static inline void wc_add5(double *restrict row, const int32_t *r0, const int32_t *r1,
                           const int32_t *r2, const int32_t *r3, const int32_t *r4, size_t L,
                           double down)
{
    size_t y = 0;
    for (; y + 4 <= L; y += 4) {
        wc_v4i a, b, c, d, e;
        wc_v4d f;
        memcpy(&a, r0 + y, sizeof a);
        memcpy(&b, r1 + y, sizeof b);
        memcpy(&c, r2 + y, sizeof c);
        memcpy(&d, r3 + y, sizeof d);
        memcpy(&e, r4 + y, sizeof e);
        memcpy(&f, row + y, sizeof f);
        f += __builtin_convertvector(a + b + c + d + e, wc_v4d) * down;
        memcpy(row + y, &f, sizeof f);
    }
    for (; y < L; y++)
        row[y] += (double)(r0[y] + r1[y] + r2[y] + r3[y] + r4[y]) * down;
}

/* Out of memory while a sentence's rows were being gathered: the entries
 * its tokens took (TAGGER_WC_NEW + e) have no rows yet, so they are
 * emptied; every other entry is as it was. */
static enum crftag_status wc_unclaim(struct tagger_wc *c, size_t n, struct crftag_error *err)
{
    for (size_t i = 0; i < n; i++)
        if (c->tok[i] >= TAGGER_WC_NEW && c->tok[i] < TAGGER_WC_CALC)
            c->ent[c->tok[i] - TAGGER_WC_NEW].len1 = 0;
    return err_set(err, CRFTAG_ERR_NOMEM, NULL, 0, "out of memory");
}

enum crftag_status tagger_wc_state(struct crftag_tagger *t, const char *const *cols, size_t n,
                                   size_t stride, struct crftag_error *err)
{
    const struct crftag_model *m = t->m;
    struct tagger_wc *c = &t->wc;
    size_t L = m->labels.n, SL = TAGGER_WC_SLOTS * L, ntmp;
    const double up = ldexp(1.0, (int)m->w_shift), down = ldexp(1.0, -(int)m->w_shift);
    if ((!c->nent && wc_alloc(c, L)) || util_mul(n, SL, &ntmp)
        || UTIL_GROW(c->tok, c->tok_cap, n) || UTIL_GROW(c->tokh, c->tokh_cap, n)
        || UTIL_GROW(c->tlen, c->tlen_cap, n)
        || UTIL_GROW(c->full, c->full_cap, n) || UTIL_GROW(c->pieces, c->pieces_cap, 2 * n)
        || UTIL_GROW(c->blk, c->blk_cap, n + 4) || UTIL_GROW(c->tmp, c->tmp_cap, ntmp)
        || UTIL_GROW(c->tmpi, c->tmpi_cap, ntmp))
        return err_set(err, CRFTAG_ERR_NOMEM, NULL, 0, "out of memory");

    /* the entries this sentence reads or writes have stamp == epoch */
    if (++c->epoch == 0) {
        for (size_t e = 0; e < c->nent; e++)
            c->ent[e].stamp = 0;
        c->epoch = 1;
    }
    /* every token's set first (their lines loading), then the lookups; a
     * word found starts loading its rows, read once the lookups of the
     * model are done */
    for (size_t i = 0; i < n; i++) {
        const char *w = cols[i * stride];
        size_t len = strlen(w);
        c->lookups++;
        c->full[i] = 1;
        if (len > c->maxlen) {
            c->tok[i] = TAGGER_WC_LONG;
            continue;
        }
        uint64_t h = hash2_str(w, len) & c->hash_mask;
        const struct tagger_wc_entry *e = &c->ent[wc_set(c, h)];
        __builtin_prefetch(e);
        __builtin_prefetch(e + 1);
        c->tok[i] = TAGGER_WC_MISS;
        c->tokh[i] = h;
        c->tlen[i] = (uint32_t)len;
    }
    for (size_t i = 0; i < n; i++) {
        if (c->tok[i] == TAGGER_WC_LONG)
            continue;
        const char *w = cols[i * stride];
        uint64_t h = c->tokh[i];
        size_t s = wc_set(c, h);
        for (size_t way = 0; way < 2; way++) {
            const struct tagger_wc_entry *e = &c->ent[s + way];
            if (wc_holds(e, h, w, c->tlen[i])) {
                c->tok[i] = (uint32_t)(s + way);
                c->full[i] = 0;
                c->pieces[2 * i] = e->hlw;
                c->pieces[2 * i + 1] = e->hss;
                c->mru[s / 2] = (unsigned char)way;
                c->ent[s + way].stamp = c->epoch;
                c->hits++;
                const char *r = (const char *)(c->row + (s + way) * SL);
                for (size_t b = 0; b < SL * sizeof *c->row; b += 64)
                    __builtin_prefetch(r + b);
                break;
            }
        }
    }
    const struct feat_tok *tk = feat_tokens_part(&m->feat, cols, n, stride, c->full,
                                                 c->pieces, &t->fb);
    if (!tk)
        return err_set(err, CRFTAG_ERR_NOMEM, NULL, 0, "out of memory");

    /* the sentinels' rows, the same in every sentence */
    if (!c->edge_ok) {
        for (size_t k = 0; k < 4; k++) {
            wc_edge_rows(m, tk, k < 2 ? (ptrdiff_t)k - 2 : (ptrdiff_t)(n + k - 2), c->tmp);
            wc_fixed(c->edge + k * SL, c->tmp, SL, up);
        }
        c->edge_ok = 1;
    }
    /* the rows of every token: its entry's, or computed into the entry it
     * replaces, or into a scratch when that entry is one this sentence reads
     * (then not kept) or the word is too long; a row computed is summed in
     * tmp with the sentence's other lookups, then made fixed point */
    const int hv2 = m->feat.hash_version == HASH_VERSION_2;
    int32_t **blk = c->blk + 2;
    size_t na = 0;                   /* attributes in aid, adst */
    blk[-2] = c->edge;
    blk[-1] = c->edge + SL;
    blk[n] = c->edge + 2 * SL;
    blk[n + 1] = c->edge + 3 * SL;
    for (size_t i = 0; i < n; i++) {
        if (c->tok[i] < TAGGER_WC_LONG) {
            blk[i] = c->row + (size_t)c->tok[i] * SL;
            continue;
        }
        int32_t *r = c->tmpi + i * SL;
        uint32_t slot = TAGGER_WC_CALC;
        if (c->tok[i] == TAGGER_WC_MISS) {
            const char *w = cols[i * stride];
            size_t len = tk[i].len, s = wc_set(c, c->tokh[i]), way;
            /* the word's own entry when an earlier token stored it */
            if (wc_holds(&c->ent[s], c->tokh[i], w, len)) {
                blk[i] = c->row + s * SL;
                continue;
            }
            if (wc_holds(&c->ent[s + 1], c->tokh[i], w, len)) {
                blk[i] = c->row + (s + 1) * SL;
                continue;
            }
            way = c->mru[s / 2] ^ 1u;
            struct tagger_wc_entry *e = &c->ent[s + way];
            if (e->stamp != c->epoch) {
                e->hash = c->tokh[i];
                e->hlw = hv2 ? tk[i].hlw : 0;
                e->hss = hv2 ? tk[i].hss : 0;
                e->len1 = (uint32_t)len + 1;
                e->stamp = c->epoch;
                memcpy(e->w, w, len);
                c->mru[s / 2] = (unsigned char)way;
                r = c->row + (s + way) * SL;
                slot = TAGGER_WC_NEW + (uint32_t)(s + way);
            }
        }
        c->tok[i] = slot;
        double *d = c->tmp + i * SL;
        memset(d, 0, SL * sizeof *d);
        for (size_t k = 0; k < TAGGER_WC_SLOTS; k++) {
            if (wc_room(c, na))
                return wc_unclaim(c, n, err);
            size_t nk = feat_word_attrs(&m->feat, tk, (ptrdiff_t)i, wc_off[k], c->aid + na);
            for (size_t j = 0; j < nk; j++)
                c->adst[na + j] = d + k * L;
            na += nk;
        }
        blk[i] = r;
    }
    /* the attributes reading two tokens or the position, into token i's row */
    memset(t->state, 0, n * L * sizeof *t->state);
    for (size_t i = 0; i < n; i++) {
        if (wc_room(c, na))
            return wc_unclaim(c, n, err);
        size_t nk = feat_pair_attrs(&m->feat, tk, i, c->aid + na);
        for (size_t j = 0; j < nk; j++)
            c->adst[na + j] = t->state + i * L;
        na += nk;
    }
    model_state_scatter(m, c->aid, c->adst, na);
    for (size_t i = 0; i < n; i++)
        if (c->tok[i] >= TAGGER_WC_NEW && c->tok[i] <= TAGGER_WC_CALC)
            wc_fixed(blk[i], c->tmp + i * SL, SL, up);
    /* token i: w(0)'s row 0, w(-1)'s row 1, w(+1)'s row 2, w(-2)'s row 3,
     * w(+2)'s row 4 */
    for (size_t i = 0; i < n; i++) {
        const int32_t *r0 = blk[i], *r1 = blk[(ptrdiff_t)i - 1] + L, *r2 = blk[i + 1] + 2 * L;
        const int32_t *r3 = blk[(ptrdiff_t)i - 2] + 3 * L, *r4 = blk[i + 2] + 4 * L;
        wc_add5(t->state + i * L, r0, r1, r2, r3, r4, L, down);
    }
    return CRFTAG_OK;
}
