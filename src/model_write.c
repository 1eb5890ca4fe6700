/*
 * model_write.c - model files: serialize and save (pipeline layer).
 *
 *   struct crftag_model --model_io_serialize--> bytes --io_atomic--> file
 *
 * The model is checked first (mio_check_model: everything model_read.c
 * would refuse is refused here, with CRFTAG_ERR_INVALID) and its payload
 * size computed, then written field by field into one buffer, compressed
 * and given its header.  The file format, version 7, is specified in
 * docs/MODEL_FORMAT.md; the writer writes the newest version (versions 5
 * and 6, which store no hash version, on request for a model of hash
 * version 1, for tests of the reader).  Version 6 stores the attributes in
 * increasing hash order (mio_plan_attrs), the hashes as differences, and
 * everything per attribute or pair in byte planes, with weights as exact
 * fixed-point integers when they are all multiples of one power of 2.
 */
#include "model_io.h"

#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "clusters.h"
#include "error.h"
#include "hash.h"
#include "io.h"
#include "lexicon.h"
#include "model.h"
#include "model_codec.h"
#include "model_names.h"
#include "util.h"

/* Writer over a buffer whose exact size was computed beforehand. */
/* The payload being written, and the byte planes to be stored uncompressed
 * (mio_store_plane): at most MIO_STORED of them, in payload order. */
#define MIO_STORED 32
struct mio_w {
    unsigned char *p;
    size_t pos;
    size_t nstored;
    size_t stored[MIO_STORED][2];         /* offset, length */
};

int mio_store_plane(const unsigned char *p, size_t n)
{
    if (n < MIO_STORE_MIN)
        return 0;
    size_t count[256] = { 0 };
    for (size_t i = 0; i < n; i++)
        count[p[i]]++;
    double bits = 0;                       /* order-0 entropy, bits a byte */
    for (int b = 0; b < 256; b++)
        if (count[b])
            bits -= (double)count[b] / (double)n * log2((double)count[b] / (double)n);
    return bits >= MIO_STORE_BITS;
}

/* Marks the width planes of n bytes each at w->pos to be stored when
 * mio_store_plane says so. */
static void w_store_planes(struct mio_w *w, size_t n, size_t width)
{
    for (size_t i = 0; i < width; i++)
        if (w->nstored < MIO_STORED && mio_store_plane(w->p + w->pos + i * n, n)) {
            w->stored[w->nstored][0] = w->pos + i * n;
            w->stored[w->nstored][1] = n;
            w->nstored++;
        }
}

static void w_u8(struct mio_w *w, unsigned v) { w->p[w->pos++] = (unsigned char)v; }
static void w_u16(struct mio_w *w, uint16_t v) { put_u16(w->p + w->pos, v); w->pos += 2; }
static void w_u32(struct mio_w *w, uint32_t v) { put_u32(w->p + w->pos, v); w->pos += 4; }
static void w_u64(struct mio_w *w, uint64_t v) { put_u64(w->p + w->pos, v); w->pos += 8; }
static void w_f32(struct mio_w *w, float v) { w_u32(w, f32_bits(v)); }
static void w_f64(struct mio_w *w, double v) { w_u64(w, f64_bits(v)); }

static void w_str(struct mio_w *w, const char *s)
{
    size_t n = s ? strlen(s) : 0;
    w_u32(w, (uint32_t)n);
    if (n)
        memcpy(w->p + w->pos, s, n);
    w->pos += n;
}

/* ------------------------------------------------------------------------ */
/* Serialize                                                                */
/* ------------------------------------------------------------------------ */

/* How the attributes are written. */
struct mio_plan {
    uint32_t version;
    uint32_t *order;     /* [nattr] attribute ids in increasing hash order (version 6) */
    unsigned lwidth;     /* bytes of a label id: 1 when L <= 256, else 2 */
    unsigned shift;      /* weights: k * 2^-shift, or MIO_W_F32 */
    unsigned wwidth;     /* bytes of zigzag(k) (4 for MIO_W_F32) */
};

/* The weight code of w[0..n) (finite): the smallest shift for which every
 * weight is an integer k times 2^-shift with |k| < 2^31, and the bytes of
 * the largest zigzag(k); MIO_W_F32 when there is none (or a weight is -0,
 * which fixed point would turn into +0), so that the encoding is exact. */
static void mio_weight_code(const float *w, size_t n, unsigned *shift, unsigned *width)
{
    int need = 0;
    *shift = MIO_W_F32;
    *width = 4;
    for (size_t i = 0; i < n; i++) {
        if (w[i] == 0.0f) {
            if (signbit(w[i]))
                return;
            continue;
        }
        int e;
        float mant = frexpf(w[i], &e);   /* w = mant * 2^e, 0.5 <= |mant| < 1 */
        uint32_t M = (uint32_t)fabsf(ldexpf(mant, 24));   /* w = +-M * 2^(e - 24) */
        int tz = 0;
        while (!(M & 1u)) {
            M >>= 1;
            tz++;
        }
        int s = 24 - e - tz;
        if (s > need)
            need = s;
        if (need > (int)MIO_MAX_SHIFT)
            return;
    }
    uint32_t zmax = 0;
    for (size_t i = 0; i < n; i++) {
        double k = ldexp((double)w[i], need);
        if (fabs(k) > 2147483647.0)
            return;
        uint32_t z = zigzag32((int32_t)k);
        if (z > zmax)
            zmax = z;
    }
    *shift = (unsigned)need;
    *width = zmax > 0xffffffu ? 4 : zmax > 0xffffu ? 3 : zmax > 0xffu ? 2 : 1;
}

struct mio_hash_id {
    uint64_t hash;
    uint32_t id;
};

static int mio_hash_cmp(const void *x, const void *y)
{
    uint64_t a = ((const struct mio_hash_id *)x)->hash, b = ((const struct mio_hash_id *)y)->hash;
    return a < b ? -1 : a > b;
}

/* Fills plan for m (checked: finite weights, non-zero hashes): the order of
 * the attributes by hash (refusing a hash seen twice), the label width and
 * the weight code. */
static enum crftag_status mio_plan_attrs(const struct crftag_model *m, struct mio_plan *plan,
                                         struct crftag_error *err)
{
    plan->order = NULL;
    plan->lwidth = m->labels.n <= 256 ? 1 : 2;
    mio_weight_code(m->pair_w, m->npairs, &plan->shift, &plan->wwidth);
    if (plan->version < MIO_PLANES_VERSION || m->nattr == 0)
        return CRFTAG_OK;
    struct mio_hash_id *hi = util_malloc(m->nattr, sizeof *hi);
    plan->order = util_malloc(m->nattr, sizeof *plan->order);
    if (!hi || !plan->order) {
        free(hi);
        free(plan->order);
        plan->order = NULL;
        return err_set(err, CRFTAG_ERR_NOMEM, NULL, 0, "out of memory (attribute order)");
    }
    for (uint32_t a = 0; a < m->nattr; a++) {
        hi[a].hash = m->attr_hash[a];
        hi[a].id = a;
    }
    qsort(hi, m->nattr, sizeof *hi, mio_hash_cmp);
    for (uint32_t a = 0; a < m->nattr; a++) {
        if (a > 0 && hi[a].hash == hi[a - 1].hash) {
            uint32_t x = hi[a - 1].id, y = hi[a].id;
            free(hi);
            free(plan->order);
            plan->order = NULL;
            return err_set(err, CRFTAG_ERR_INVALID, NULL, 0,
                           "attributes %u and %u have the same hash", x, y);
        }
        plan->order[a] = hi[a].id;
    }
    free(hi);
    return CRFTAG_OK;
}

static int finite_f32(const float *v, size_t n, size_t *bad)
{
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(v[i])) {
            *bad = i;
            return 0;
        }
    }
    return 1;
}

/* Checks the learned (user == 0) or user (user != 0) lexicon lx (NULL:
 * none) for writing and adds its block's size to *size.  The user lexicon
 * has at least one type and entry, no empty type name or token, and entry
 * values that name a type. */
static enum crftag_status mio_check_lexicon(const struct lexicon *lx, int user, uint64_t *size,
                                            struct crftag_error *err)
{
    *size += 8;
    if (!lx)
        return CRFTAG_OK;
    size_t min = user ? 1 : 0;
    if (lx->ntypes < min || lx->ntypes > LEX_MAXTYPES || lx->nent < min ||
        lx->nent > UINT32_MAX)
        return err_set(err, CRFTAG_ERR_INVALID, NULL, 0,
                       user ? "user lexicon empty or too large" : "lexicon too large");
    for (size_t t = 0; t < lx->ntypes; t++) {
        size_t n = strlen(lx->types[t]);
        if (n < min || n > MIO_MAX_LEXTYPE)
            return err_set(err, CRFTAG_ERR_INVALID, NULL, 0,
                           user ? "user lexicon type name empty or too long"
                                : "lexicon type name too long");
        *size += 4 + n;
    }
    for (size_t e = 0; e < lx->nent; e++) {
        const char *tok = lex_entry_text(lx, e);
        *size += user ? 2 : 3;   /* ntok, and the type (u8) or the value (u16) */
        for (size_t q = 0; q < lx->ent_ntok[e]; q++) {
            size_t n = strlen(tok);
            if (n < min || n > LEX_MAXTOKLEN)
                return err_set(err, CRFTAG_ERR_INVALID, NULL, 0,
                               user ? "user lexicon token empty or too long"
                                    : "lexicon token too long");
            *size += 4 + n;
            tok += n + 1;
        }
        unsigned v = lex_entry_value(lx, e);
        if (user && (v != lex_user_value(lex_type(v)) || lex_type(v) >= lx->ntypes))
            return err_set(err, CRFTAG_ERR_INVALID, NULL, 0,
                           "user lexicon entry %zu has value %u", e, v);
    }
    return CRFTAG_OK;
}

/* Checks that m can be written in a form model_io_parse accepts, plans its
 * attributes (plan->version set; plan->order to free) and puts the payload
 * size in *size. */
static enum crftag_status mio_check_model(const struct crftag_model *m, struct mio_plan *plan,
                                          uint64_t *size, struct crftag_error *err)
{
    size_t L = m->labels.n;
    size_t k;
    uint64_t s = 0;
    if (m->feat.kind != FEAT_BUILTIN && m->feat.kind != FEAT_TEMPLATE && m->feat.kind != FEAT_ATTRS)
        return err_set(err, CRFTAG_ERR_INVALID, NULL, 0, "model has no feature configuration");
    size_t tlen = m->feat.kind == FEAT_TEMPLATE && m->feat.template_text
                      ? strlen(m->feat.template_text) : 0;
    if (tlen > MIO_MAX_TEMPLATE)
        return err_set(err, CRFTAG_ERR_INVALID, NULL, 0, "template longer than %lu bytes",
                       (unsigned long)MIO_MAX_TEMPLATE);
    if (m->feat.ncols > UINT32_MAX)
        return err_set(err, CRFTAG_ERR_INVALID, NULL, 0, "too many feature columns");
    if (m->feat.hash_version != HASH_VERSION_1 && m->feat.hash_version != HASH_VERSION_2)
        return err_set(err, CRFTAG_ERR_INVALID, NULL, 0, "unknown feature hash version %lu",
                       (unsigned long)m->feat.hash_version);
    if (plan->version < MIO_HASH_VERSION && m->feat.hash_version != HASH_VERSION_1)
        return err_set(err, CRFTAG_ERR_INVALID, NULL, 0,
                       "model format version %lu has no feature hash version %lu",
                       (unsigned long)plan->version, (unsigned long)m->feat.hash_version);
    s += 24 + tlen + (plan->version >= MIO_HASH_VERSION ? 4 : 0);
    enum crftag_status st =
        mio_check_lexicon(m->feat.kind == FEAT_BUILTIN ? m->feat.lex : NULL, 0, &s, err);
    if (st != CRFTAG_OK)
        return st;
    const struct crftag_clusters *cl = m->feat.kind == FEAT_BUILTIN ? m->feat.cl : NULL;
    s += 8;
    if (cl) {
        if (cl->npaths > UINT32_MAX || cl->nwords > UINT32_MAX)
            return err_set(err, CRFTAG_ERR_INVALID, NULL, 0, "word clusters too large");
        s += cl->npaths * 4 + cl->ptext_len - cl->npaths;
        s += cl->nwords * 8 + cl->text_len - cl->nwords;
    }
    st = mio_check_lexicon(m->feat.kind == FEAT_BUILTIN ? m->feat.ulex : NULL, 1, &s, err);
    if (st != CRFTAG_OK)
        return st;
    if (L < 1 || L > MIO_MAX_LABELS)
        return err_set(err, CRFTAG_ERR_INVALID, NULL, 0, "model has %zu labels (1..%u allowed)",
                       L, MIO_MAX_LABELS);
    s += 5;
    for (size_t i = 0; i < L; i++) {
        size_t n = strlen(m->labels.names[i]);
        if (n < 1 || n > MIO_MAX_LABEL_LEN)
            return err_set(err, CRFTAG_ERR_INVALID, NULL, 0,
                           "label %zu has %zu bytes (1..%u allowed)", i, n, MIO_MAX_LABEL_LEN);
        s += 4 + n;
    }
    if (m->nattr && (!m->attr_off || !m->attr_hash))
        return err_set(err, CRFTAG_ERR_INVALID, NULL, 0, "model attributes missing");
    if ((m->attr_off ? m->attr_off[0] : 0) != 0 ||
        (m->attr_off ? m->attr_off[m->nattr] : 0) != m->npairs)
        return err_set(err, CRFTAG_ERR_INVALID, NULL, 0, "attribute offsets inconsistent");
    for (uint32_t a = 0; a < m->nattr; a++) {
        if (m->attr_off[a + 1] < m->attr_off[a] || m->attr_hash[a] == 0)
            return err_set(err, CRFTAG_ERR_INVALID, NULL, 0, "attribute %u inconsistent", a);
    }
    for (uint32_t p = 0; p < m->npairs; p++) {
        if (m->pair_label[p] >= L)
            return err_set(err, CRFTAG_ERR_INVALID, NULL, 0, "pair %u has label %u >= %zu", p,
                           m->pair_label[p], L);
    }
    if (m->npairs && !finite_f32(m->pair_w, m->npairs, &k))
        return err_set(err, CRFTAG_ERR_INVALID, NULL, 0, "weight %zu is not finite", k);
    if (!m->trans || !finite_f32(m->trans, L * L, &k))
        return err_set(err, CRFTAG_ERR_INVALID, NULL, 0, "transition weight missing or not finite");
    st = mio_plan_attrs(m, plan, err);
    if (st != CRFTAG_OK)
        return st;
    if (plan->version >= MIO_PLANES_VERSION)
        s += 8 + (uint64_t)m->nattr * 12 + 1 + (uint64_t)m->npairs * plan->lwidth + 2 +
             (uint64_t)m->npairs * plan->wwidth + (uint64_t)L * L * 4;
    else
        s += 8 + (uint64_t)m->nattr * 12 + (uint64_t)m->npairs * 6 + (uint64_t)L * L * 4;
    const struct model_meta *mt = &m->meta;
    if (!isfinite(mt->c1) || !isfinite(mt->c2) || mt->c1 < 0 || mt->c2 < 0 ||
        !isfinite(mt->train_seconds) || !isfinite(mt->final_objective))
        return err_set(err, CRFTAG_ERR_INVALID, NULL, 0, "training metadata not finite");
    size_t rlen = mt->stop_reason ? strlen(mt->stop_reason) : 0;
    if (rlen > MIO_MAX_REASON)
        return err_set(err, CRFTAG_ERR_INVALID, NULL, 0, "stop reason too long");
    s += MIO_META_FIXED + 4 + rlen + (uint64_t)L * 8;
    s += 1 + (m->label_bias ? (uint64_t)L * 4 : 0);
    if (m->label_bias && !finite_f32(m->label_bias, L, &k))
        return err_set(err, CRFTAG_ERR_INVALID, NULL, 0, "label bias %zu is not finite", k);
    uint64_t names = 0;
    st = mio_names_check(m, &names, err);
    if (st != CRFTAG_OK)
        return st;
    *size = s + names + (plan->version >= MIO_MEMORY_VERSION ? 8 : 0);
    if (m->mem.flags & ~(unsigned)CRFTAG_MEMORY_ABBREV)
        return err_set(err, CRFTAG_ERR_INVALID, NULL, 0, "document memory flags %#x",
                       m->mem.flags);
    if (m->mem.window > MODEL_MAX_MEMORY)
        return err_set(err, CRFTAG_ERR_INVALID, NULL, 0, "document memory of %zu sentences "
                       "(at most %u)", m->mem.window, MODEL_MAX_MEMORY);
    return CRFTAG_OK;
}

/* Writes the learned (user == 0) or user (user != 0) lexicon block of lx
 * (NULL: an empty block); an entry ends with its value (u16) or, in the user
 * lexicon, its type (u8). */
static void w_lexicon(struct mio_w *w, const struct lexicon *lx, int user)
{
    w_u32(w, lx ? (uint32_t)lx->ntypes : 0);
    for (size_t t = 0; lx && t < lx->ntypes; t++)
        w_str(w, lx->types[t]);
    w_u32(w, lx ? (uint32_t)lx->nent : 0);
    for (size_t e = 0; lx && e < lx->nent; e++) {
        const char *tok = lex_entry_text(lx, e);
        w_u8(w, lx->ent_ntok[e]);
        for (size_t k = 0; k < lx->ent_ntok[e]; k++) {
            w_str(w, tok);
            tok += strlen(tok) + 1;
        }
        unsigned v = lex_entry_value(lx, e);
        if (user)
            w_u8(w, lex_type(v));
        else
            w_u16(w, (uint16_t)v);
    }
}

/* The attributes and their runs in format 6: attributes in plan->order,
 * hash differences, pair counts, labels and weights in byte planes. */
static void w_attrs_planes(struct mio_w *w, const struct crftag_model *m,
                           const struct mio_plan *plan)
{
    size_t na = m->nattr, np = m->npairs;
    uint64_t prev = 0;
    for (size_t i = 0; i < na; i++) {
        uint64_t h = m->attr_hash[plan->order[i]];
        put_plane(w->p + w->pos, na, 8, i, h - prev);
        prev = h;
    }
    w_store_planes(w, na, 8);
    w->pos += 8 * na;
    for (size_t i = 0; i < na; i++) {
        uint32_t a = plan->order[i];
        put_plane(w->p + w->pos, na, 4, i, m->attr_off[a + 1] - m->attr_off[a]);
    }
    w->pos += 4 * na;
    w_u8(w, plan->lwidth);
    size_t k = 0;
    for (size_t i = 0; i < na; i++) {
        uint32_t a = plan->order[i];
        for (uint32_t q = m->attr_off[a]; q < m->attr_off[a + 1]; q++)
            put_plane(w->p + w->pos, np, plan->lwidth, k++, m->pair_label[q]);
    }
    w->pos += plan->lwidth * np;
    w_u8(w, plan->shift);
    w_u8(w, plan->wwidth);
    k = 0;
    for (size_t i = 0; i < na; i++) {
        uint32_t a = plan->order[i];
        for (uint32_t q = m->attr_off[a]; q < m->attr_off[a + 1]; q++, k++) {
            if (plan->shift == MIO_W_F32) {
                put_u32(w->p + w->pos + 4 * k, f32_bits(m->pair_w[q]));
            } else {
                int32_t v = (int32_t)ldexp((double)m->pair_w[q], (int)plan->shift);
                put_plane(w->p + w->pos, np, plan->wwidth, k, zigzag32(v));
            }
        }
    }
    if (plan->shift != MIO_W_F32)
        w_store_planes(w, np, plan->wwidth);
    w->pos += plan->wwidth * np;
}

static void mio_write_payload(const struct crftag_model *m, const struct mio_plan *plan,
                              struct mio_w *w)
{
    size_t L = m->labels.n;
    /* feature configuration */
    w_u32(w, (uint32_t)m->feat.kind);
    w_u32(w, m->feat.builtin_version);
    w_u64(w, m->feat.seed);
    if (plan->version >= MIO_HASH_VERSION)
        w_u32(w, m->feat.hash_version);
    w_u32(w, (uint32_t)m->feat.ncols);
    w_str(w, m->feat.kind == FEAT_TEMPLATE ? m->feat.template_text : NULL);
    /* lexicon */
    w_lexicon(w, m->feat.kind == FEAT_BUILTIN ? m->feat.lex : NULL, 0);
    /* word clusters */
    const struct crftag_clusters *cl = m->feat.kind == FEAT_BUILTIN ? m->feat.cl : NULL;
    w_u32(w, cl ? (uint32_t)cl->npaths : 0);
    for (size_t p = 0; cl && p < cl->npaths; p++)
        w_str(w, cl_path(cl, p));
    w_u32(w, cl ? (uint32_t)cl->nwords : 0);
    for (size_t k = 0; cl && k < cl->nwords; k++) {
        w_str(w, cl_word(cl, k));
        w_u32(w, cl->word_path[k]);
    }
    /* user lexicon (version 4) */
    w_lexicon(w, m->feat.kind == FEAT_BUILTIN ? m->feat.ulex : NULL, 1);
    /* labels */
    w_u32(w, (uint32_t)L);
    w_u8(w, m->bio_constrained ? 1 : 0);
    for (size_t i = 0; i < L; i++)
        w_str(w, m->labels.names[i]);
    /* attributes, column by column (compresses better than rows) */
    w_u32(w, m->nattr);
    w_u32(w, m->npairs);
    if (plan->version >= MIO_PLANES_VERSION) {
        w_attrs_planes(w, m, plan);
    } else {
        for (uint32_t a = 0; a < m->nattr; a++)
            w_u64(w, m->attr_hash[a]);
        for (uint32_t a = 0; a < m->nattr; a++)
            w_u32(w, m->attr_off[a + 1] - m->attr_off[a]);
        for (uint32_t p = 0; p < m->npairs; p++)
            w_u16(w, m->pair_label[p]);
        for (uint32_t p = 0; p < m->npairs; p++)
            w_f32(w, m->pair_w[p]);
    }
    for (size_t k = 0; k < L * L; k++)
        w_f32(w, m->trans[k]);
    /* training metadata */
    const struct model_meta *mt = &m->meta;
    w_f64(w, mt->c1);
    w_f64(w, mt->c2);
    w_u32(w, mt->iterations);
    w_u32(w, mt->min_freq);
    w_f64(w, mt->train_seconds);
    w_f64(w, mt->final_objective);
    w_u64(w, mt->train_sentences);
    w_u64(w, mt->train_tokens);
    w_str(w, mt->stop_reason);
    for (size_t i = 0; i < L; i++)
        w_u64(w, mt->label_counts ? mt->label_counts[i] : 0);
    /* label bias (version 3) */
    w_u8(w, m->label_bias ? 1 : 0);
    for (size_t i = 0; m->label_bias && i < L; i++)
        w_f32(w, m->label_bias[i]);
    /* attribute names (version 5) */
    w->pos += mio_names_write(m, plan->order, w->p + w->pos);
    /* document memory (version 8) */
    if (plan->version >= MIO_MEMORY_VERSION) {
        w_u32(w, (uint32_t)m->mem.window);
        w_u32(w, m->mem.flags);
    }
}

/* compress2's zlib stream of payload[0..psize), but with the planes of
 * w->stored in stored blocks (level 0) and the rest at MIO_LEVEL: Z_OK and
 * *clen, or a zlib error. */
static int mio_compress_stored(unsigned char *dst, uLongf *clen, unsigned char *payload,
                               size_t psize, const struct mio_w *w)
{
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    int zr = deflateInit(&zs, MIO_LEVEL);
    if (zr != Z_OK)
        return zr;
    zs.next_out = dst;
    zs.avail_out = *clen < UINT_MAX ? (uInt)*clen : UINT_MAX;
    size_t at = 0;
    for (size_t k = 0; k <= w->nstored && zr == Z_OK; k++) {
        /* the compressed part before stored plane k (or the end), then the plane */
        size_t end = k < w->nstored ? w->stored[k][0] : psize;
        for (int part = 0; part < 2 && zr == Z_OK; part++) {
            if (part == 1) {
                if (k == w->nstored)
                    break;
                end = w->stored[k][0] + w->stored[k][1];
                zr = deflateParams(&zs, 0, Z_DEFAULT_STRATEGY);
            }
            while (zr == Z_OK && at < end) {       /* avail_in is 32 bits */
                size_t n = end - at < UINT_MAX ? end - at : UINT_MAX;
                zs.next_in = payload + at;
                zs.avail_in = (uInt)n;
                while (zr == Z_OK && zs.avail_in > 0)
                    zr = deflate(&zs, Z_NO_FLUSH);
                at += n - zs.avail_in;
            }
            if (part == 1 && zr == Z_OK)
                zr = deflateParams(&zs, MIO_LEVEL, Z_DEFAULT_STRATEGY);
        }
    }
    if (zr == Z_OK)
        zr = deflate(&zs, Z_FINISH);
    *clen = zs.total_out;
    deflateEnd(&zs);
    return zr == Z_STREAM_END ? Z_OK : zr == Z_OK ? Z_BUF_ERROR : zr;
}

enum crftag_status model_io_serialize(const struct crftag_model *m, unsigned char **out,
                                      size_t *out_len, struct crftag_error *err)
{
    return model_io_serialize_version(m, CRFTAG_MODEL_FORMAT_VERSION, out, out_len, err);
}

enum crftag_status model_io_serialize_version(const struct crftag_model *m, uint32_t version,
                                              unsigned char **out, size_t *out_len,
                                              struct crftag_error *err)
{
    *out = NULL;
    *out_len = 0;
    if (version < 5 || version > CRFTAG_MODEL_FORMAT_VERSION)
        return err_set(err, CRFTAG_ERR_INVALID, NULL, 0, "cannot write model format version %lu",
                       (unsigned long)version);
    uint64_t psize64 = 0;
    struct mio_plan plan = { version, NULL, 2, MIO_W_F32, 4 };
    enum crftag_status st = mio_check_model(m, &plan, &psize64, err);
    if (st == CRFTAG_OK && (psize64 > SIZE_MAX || psize64 > ULONG_MAX))
        st = err_set(err, CRFTAG_ERR_INVALID, NULL, 0, "model too large to save");
    unsigned char *payload = st == CRFTAG_OK ? util_malloc((size_t)psize64, 1) : NULL;
    if (st == CRFTAG_OK && !payload)
        st = err_set(err, CRFTAG_ERR_NOMEM, NULL, 0, "out of memory (model payload)");
    if (st != CRFTAG_OK) {
        free(plan.order);
        return st;
    }
    size_t psize = (size_t)psize64;
    struct mio_w w = { payload, 0, 0, {{0}} };
    mio_write_payload(m, &plan, &w);
    free(plan.order);
    /* w.pos == psize: mio_check_model counted the same fields */
    uLong bound = compressBound((uLong)psize) + 64 * (w.nstored + 1);  /* block ends */
    unsigned char *file = bound <= SIZE_MAX - MIO_HEADER
                              ? util_malloc((size_t)bound + MIO_HEADER, 1) : NULL;
    if (!file) {
        free(payload);
        return err_set(err, CRFTAG_ERR_NOMEM, NULL, 0, "out of memory (model file)");
    }
    uLongf clen = bound;
    int zr = w.nstored ? mio_compress_stored(file + MIO_HEADER, &clen, payload, psize, &w)
                       : compress2(file + MIO_HEADER, &clen, payload, (uLong)psize, MIO_LEVEL);
    free(payload);
    if (zr != Z_OK) {
        free(file);
        return err_set(err, zr == Z_MEM_ERROR ? CRFTAG_ERR_NOMEM : CRFTAG_ERR_INVALID, NULL, 0,
                       "zlib compression failed (%d)", zr);
    }
    memcpy(file, MIO_MAGIC, MIO_MAGIC_LEN);
    put_u32(file + 8, version);
    put_u32(file + 12, 0);
    put_u64(file + 16, (uint64_t)psize);
    put_u64(file + 24, (uint64_t)clen);
    size_t len = MIO_HEADER + (size_t)clen;
    put_u32(file + MIO_CRC_AT, mio_crc(file, len));
    unsigned char *shrunk = realloc(file, len);
    *out = shrunk ? shrunk : file;
    *out_len = len;
    return CRFTAG_OK;
}

/* ------------------------------------------------------------------------ */
/* Files                                                                    */
/* ------------------------------------------------------------------------ */

enum crftag_status crftag_model_save(const struct crftag_model *m, const char *path,
                                     struct crftag_error *err)
{
    if (!m || !path)
        return err_set(err, CRFTAG_ERR_INVALID, NULL, 0, "crftag_model_save: NULL argument");
    unsigned char *buf;
    size_t len;
    enum crftag_status st = model_io_serialize(m, &buf, &len, err);
    if (st != CRFTAG_OK) {
        if (err)
            snprintf(err->file, sizeof err->file, "%s", path);
        return st;
    }
    struct io_atomic *a;
    st = io_atomic_open(path, &a, err);
    if (st == CRFTAG_OK) {
        st = io_atomic_write(a, buf, len, err);
        if (st == CRFTAG_OK)
            st = io_atomic_commit(a, err);   /* consumes a */
        else
            io_atomic_abort(a);
    }
    free(buf);
    if (st == CRFTAG_OK)
        err_clear(err);
    return st;
}

enum crftag_status crftag_model_save_mem(const struct crftag_model *m, void **out_buf,
                                         size_t *out_len, struct crftag_error *err)
{
    if (out_buf)
        *out_buf = NULL;
    if (out_len)
        *out_len = 0;
    if (!m || !out_buf || !out_len)
        return err_set(err, CRFTAG_ERR_INVALID, NULL, 0,
                       "crftag_model_save_mem: NULL argument");
    unsigned char *buf;
    enum crftag_status st = model_io_serialize(m, &buf, out_len, err);
    if (st == CRFTAG_OK) {
        *out_buf = buf;
        err_clear(err);
    }
    return st;
}
