/*
 * model_crfsuite.c - CRFsuite model files read as crftag models (pipeline
 * layer).
 *
 * crftag_model_load() and crftag_model_load_mem() take a model file written
 * by CRFsuite 0.12 (`crfsuite learn -m`, python-crfsuite, sklearn-crfsuite,
 * CRFsuite's other bindings: the first-order linear-chain CRF, "crf1d") as
 * well as crftag's own.  It becomes a model of attribute strings (feature
 * kind 3, src/attrs.h) that tags as CRFsuite does:
 *
 *   state feature (attribute a, label y), weight w  ->  pair (hash of a's name, y), w
 *   transition feature (label i -> label j), w      ->  trans[i][j] = w
 *
 * The score of a labelling is the same sum in both: each token's attributes
 * (scaled by their values) and each transition between neighbours; CRFsuite
 * has no start or end transitions and no BIO constraint, so the model is not
 * BIO-constrained (as if its labels were plain tags for decoding: `crftag tag`
 * decodes it as CRFsuite does, with or without `--no-constraint`).  Weights are stored as
 * floats (CRFsuite's are doubles), so a score moves by at most about 6e-8 of
 * its weights' magnitude: only labellings within that of each other can
 * come out differently.
 *
 * The layout read (CRFsuite's crf1d_model.c and cqdb.c write it; every
 * integer a little-endian u32, every weight an IEEE-754 double, little-endian):
 *
 *   header, 48 bytes: "lCRF", file size, "FOMC", version (100), number of
 *     features (0: CRFsuite does not fill it in), labels and attributes, then the offsets (from the file's
 *     start) of the features, the label table, the attribute table, and two
 *     reference chunks this reader does not need
 *   features: "FEAT", chunk size (12 + 20 count), count, then count records of 20 bytes:
 *     type (0 state, 1 transition), source, destination, weight; a state
 *     feature's source is an attribute id and its destination a label id, a
 *     transition's both are label ids
 *   label and attribute tables (CQDB): "CQDB", chunk size, flags, the
 *     byte-order mark 0x62445371, the size and offset of the backward array,
 *     256 hash-table references, records {id, key size, key with its NUL},
 *     the hash tables, the backward array: for each id the offset (from the
 *     table's start) of its record
 *
 * Every offset, count and size is checked against the file; a string must
 * be NUL-terminated where its record says and hold no other NUL.  Attributes
 * without a state feature are left out; duplicate features add up (as
 * CRFsuite's scoring would).  The model keeps the attributes' names (as
 * `crftag train --keep-names` does), so `crftag dump` shows them.
 */
#include "model_crfsuite.h"

#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "featset.h"
#include "hash.h"
#include "labels.h"
#include "model.h"
#include "util.h"

#define CS_HEADER 48
#define CS_CHUNK 12
#define CS_FEATURE 20
#define CS_VERSION 100
#define CQ_HEADER 24
#define CQ_DATA (CQ_HEADER + 256 * 8)
#define CQ_BYTEORDER UINT32_C(0x62445371)
#define CS_MAX_LABEL 4096          /* bytes, as crftag's own files allow */
#define CS_MAX_LABELS 65535        /* label ids are 16 bits (model.h) */

static uint32_t cs_u32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static double cs_f64(const unsigned char *p)
{
    uint64_t v = (uint64_t)cs_u32(p) | (uint64_t)cs_u32(p + 4) << 32;
    double d;
    memcpy(&d, &v, sizeof d);
    return d;
}

int model_crfsuite_is(const unsigned char *buf, size_t len)
{
    return len >= 4 && memcmp(buf, "lCRF", 4) == 0;
}

struct cs_parse {
    const unsigned char *p;
    size_t n;
    const char *name;
    struct crftag_error *err;
};

/* err_set with the file's name and "CRFsuite model: " before the message */
#define CS_FAIL(cs, code, ...) cs_fail_at((cs), (code), __VA_ARGS__)
static enum crftag_status cs_fail_at(const struct cs_parse *cs, enum crftag_status code,
                                     const char *fmt, ...)
#if defined(__GNUC__) || defined(__clang__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
static enum crftag_status cs_fail_at(const struct cs_parse *cs, enum crftag_status code,
                                     const char *fmt, ...)
{
    char msg[240];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return err_set(cs->err, code, cs->name, 0, "CRFsuite model: %s", msg);
}

/* The strings of ids 0 .. n-1 of the CQDB table at offset off: (*out)[i]
 * points into the file, (*len)[i] is its length. */
static enum crftag_status cs_table(const struct cs_parse *cs, uint32_t off, uint32_t n,
                                   const char *what, const char ***out, uint32_t **out_len)
{
    *out = NULL;
    *out_len = NULL;
    if (off > cs->n || cs->n - off < CQ_DATA)
        return CS_FAIL(cs, CRFTAG_ERR_MODEL_FORMAT, "%s table at offset %lu outside the file "
                       "(%zu bytes)", what, (unsigned long)off, cs->n);
    const unsigned char *t = cs->p + off;
    uint32_t size = cs_u32(t + 4), order = cs_u32(t + 12);
    uint32_t bwd_size = cs_u32(t + 16), bwd_off = cs_u32(t + 20);
    if (memcmp(t, "CQDB", 4) != 0 || order != CQ_BYTEORDER)
        return CS_FAIL(cs, CRFTAG_ERR_MODEL_FORMAT, "%s table at offset %lu is not a CQDB "
                       "table", what, (unsigned long)off);
    if (size < CQ_DATA || size > cs->n - off)
        return CS_FAIL(cs, CRFTAG_ERR_MODEL_FORMAT, "%s table: size %lu, %zu bytes left in "
                       "the file", what, (unsigned long)size, cs->n - off);
    if (n > 0 && (bwd_off == 0 || bwd_size < n || bwd_off < CQ_DATA || bwd_off > size ||
                  (size - bwd_off) / 4 < n))
        return CS_FAIL(cs, CRFTAG_ERR_MODEL_FORMAT, "%s table: no room for the %lu ids of the "
                       "header in its id index (at %lu)", what, (unsigned long)n,
                       (unsigned long)bwd_off);
    const char **s = util_malloc(n ? n : 1, sizeof *s);
    uint32_t *sl = util_malloc(n ? n : 1, sizeof *sl);
    if (!s || !sl) {
        free(s);
        free(sl);
        return err_set(cs->err, CRFTAG_ERR_NOMEM, cs->name, 0, "out of memory");
    }
    for (uint32_t i = 0; i < n; i++) {
        uint32_t r = cs_u32(t + bwd_off + 4 * (size_t)i);
        uint32_t ks = r >= CQ_DATA && r <= size - 8 ? cs_u32(t + r + 4) : 0;
        if (r < CQ_DATA || r > size - 8 || cs_u32(t + r) != i || ks == 0 ||
            ks > size - 8 - r) {
            free(s);
            free(sl);
            return CS_FAIL(cs, CRFTAG_ERR_MODEL_FORMAT, "%s table: bad record for id %lu (at "
                           "%lu)", what, (unsigned long)i, (unsigned long)r);
        }
        const char *k = (const char *)(t + r + 8);
        if (k[ks - 1] != '\0' || memchr(k, '\0', ks - 1)) {
            free(s);
            free(sl);
            return CS_FAIL(cs, CRFTAG_ERR_MODEL_FORMAT, "%s table: the string of id %lu is not "
                           "terminated as its record says (%lu bytes)", what,
                           (unsigned long)i, (unsigned long)ks);
        }
        s[i] = k;
        sl[i] = ks - 1;
    }
    *out = s;
    *out_len = sl;
    return CRFTAG_OK;
}

/* A state feature, then the attribute's hash. */
struct cs_pair {
    uint64_t hash;
    uint32_t attr;
    uint32_t label;
    double w;
};

static int cs_pair_cmp(const void *a, const void *b)
{
    const struct cs_pair *x = a, *y = b;
    if (x->hash != y->hash)
        return x->hash < y->hash ? -1 : 1;
    if (x->attr != y->attr)
        return x->attr < y->attr ? -1 : 1;
    return x->label < y->label ? -1 : x->label > y->label;
}

/* The names of the attributes kept (for `crftag dump` and `explain`), each
 * cut as model_name_len cuts them. */
static enum crftag_status cs_names(const struct cs_parse *cs, struct crftag_model *m,
                                   const struct cs_pair *pairs, size_t np,
                                   const char *const *attr, const uint32_t *attr_len)
{
    size_t total = 0;
    for (size_t i = 0; i < np; i++)
        if (i == 0 || pairs[i].attr != pairs[i - 1].attr)
            total += model_name_len(attr[pairs[i].attr], attr_len[pairs[i].attr]) + 1;
    m->names = util_malloc(total ? total : 1, 1);
    m->name_off = util_malloc(m->nattr ? m->nattr : 1, sizeof *m->name_off);
    if (!m->names || !m->name_off)
        return err_set(cs->err, CRFTAG_ERR_NOMEM, cs->name, 0, "out of memory");
    size_t len = 0, a = 0;
    for (size_t i = 0; i < np; i++) {
        if (i > 0 && pairs[i].attr == pairs[i - 1].attr)
            continue;
        const char *s = attr[pairs[i].attr];
        size_t n = model_name_len(s, attr_len[pairs[i].attr]);
        m->name_off[a++] = len;
        memcpy(m->names + len, s, n);
        m->names[len + n] = '\0';
        len += n + 1;
    }
    m->names_len = len;
    return CRFTAG_OK;
}

/* Fills m from the checked header fields; the caller frees m on failure. */
static enum crftag_status cs_build(const struct cs_parse *cs, struct crftag_model *m)
{
    const unsigned char *p = cs->p;
    uint32_t L = cs_u32(p + 20), nattr = cs_u32(p + 24);
    uint32_t off_feat = cs_u32(p + 28), off_lab = cs_u32(p + 32), off_attr = cs_u32(p + 36);
    if (L == 0 || L > CS_MAX_LABELS)
        return CS_FAIL(cs, CRFTAG_ERR_MODEL_FORMAT, "%lu labels (crftag takes 1 to %lu)",
                       (unsigned long)L, (unsigned long)CS_MAX_LABELS);
    /* (the count is the chunk's: CRFsuite leaves the header's at 0) */
    if (off_feat > cs->n || cs->n - off_feat < CS_CHUNK || memcmp(p + off_feat, "FEAT", 4) != 0)
        return CS_FAIL(cs, CRFTAG_ERR_MODEL_FORMAT, "no feature chunk at offset %lu",
                       (unsigned long)off_feat);
    uint32_t nfeat = cs_u32(p + off_feat + 8);
    if ((cs->n - off_feat - CS_CHUNK) / CS_FEATURE < nfeat ||
        cs_u32(p + off_feat + 4) != CS_CHUNK + (uint64_t)nfeat * CS_FEATURE)
        return CS_FAIL(cs, CRFTAG_ERR_MODEL_FORMAT, "feature chunk at offset %lu: %lu features "
                       "of %d bytes do not fit its size (%lu) or the file",
                       (unsigned long)off_feat, (unsigned long)nfeat, CS_FEATURE,
                       (unsigned long)cs_u32(p + off_feat + 4));

    enum crftag_status st;
    const char **lab = NULL, **attr = NULL;
    uint32_t *lab_len = NULL, *attr_len = NULL;
    struct cs_pair *pairs = NULL;
    st = cs_table(cs, off_lab, L, "label", &lab, &lab_len);
    if (st == CRFTAG_OK)
        st = cs_table(cs, off_attr, nattr, "attribute", &attr, &attr_len);
    if (st != CRFTAG_OK)
        goto out;
    for (uint32_t y = 0; y < L; y++) {
        if (lab_len[y] == 0 || lab_len[y] > CS_MAX_LABEL) {
            st = CS_FAIL(cs, CRFTAG_ERR_MODEL_FORMAT, "label %lu has %lu bytes (1 to %d allowed)",
                         (unsigned long)y, (unsigned long)lab_len[y], CS_MAX_LABEL);
            goto out;
        }
        long id = labels_add(&m->labels, lab[y]);
        if (id < 0) {
            st = err_set(cs->err, CRFTAG_ERR_NOMEM, cs->name, 0, "out of memory");
            goto out;
        }
        if ((uint32_t)id != y) {
            st = CS_FAIL(cs, CRFTAG_ERR_MODEL_FORMAT, "label %lu repeats label %ld",
                         (unsigned long)y, id);
            goto out;
        }
    }

    m->trans = util_calloc((size_t)L * L, sizeof *m->trans);
    pairs = util_malloc(nfeat ? nfeat : 1, sizeof *pairs);
    if (!m->trans || !pairs) {
        st = err_set(cs->err, CRFTAG_ERR_NOMEM, cs->name, 0, "out of memory");
        goto out;
    }
    feat_config_attrs(&m->feat, HASH_DEFAULT_SEED);
    size_t np = 0;
    for (uint32_t k = 0; k < nfeat; k++) {
        const unsigned char *f = p + off_feat + CS_CHUNK + (size_t)k * CS_FEATURE;
        uint32_t type = cs_u32(f), src = cs_u32(f + 4), dst = cs_u32(f + 8);
        double w = cs_f64(f + 12);
        if (!isfinite(w) || fabs(w) > FLT_MAX) {
            st = CS_FAIL(cs, CRFTAG_ERR_MODEL_FORMAT, "feature %lu: weight not a finite float",
                         (unsigned long)k);
            goto out;
        }
        if (type == 1 && src < L && dst < L) {
            m->trans[(size_t)src * L + dst] += (float)w;
        } else if (type == 0 && src < nattr && dst < L) {
            if (w != 0.0)
                pairs[np++] = (struct cs_pair){
                    feat_attr_id(&m->feat, attr[src], attr_len[src]), src, dst, w };
        } else {
            st = CS_FAIL(cs, CRFTAG_ERR_MODEL_FORMAT, "feature %lu: type %lu (0 or 1), source "
                         "%lu, destination %lu: out of range", (unsigned long)k,
                         (unsigned long)type, (unsigned long)src, (unsigned long)dst);
            goto out;
        }
    }
    qsort(pairs, np, sizeof *pairs, cs_pair_cmp);

    /* duplicates (same attribute and label) add up; count the attributes */
    size_t nout = 0, na = 0;
    for (size_t i = 0; i < np; i++) {
        if (nout > 0 && pairs[nout - 1].attr == pairs[i].attr &&
            pairs[nout - 1].label == pairs[i].label) {
            pairs[nout - 1].w += pairs[i].w;
            continue;
        }
        if (nout == 0 || pairs[nout - 1].attr != pairs[i].attr) {
            if (nout > 0 && pairs[nout - 1].hash == pairs[i].hash) {
                st = CS_FAIL(cs, CRFTAG_ERR_MODEL_FORMAT, "attributes %lu and %lu have the same "
                             "64-bit hash", (unsigned long)pairs[nout - 1].attr,
                             (unsigned long)pairs[i].attr);
                goto out;
            }
            na++;
        }
        pairs[nout++] = pairs[i];
    }
    if (nout > MODEL_MAX_PAIRS || na > UINT32_MAX - 1) {
        st = CS_FAIL(cs, CRFTAG_ERR_MODEL_FORMAT, "%zu state features (at most %lu)", nout,
                     (unsigned long)MODEL_MAX_PAIRS);
        goto out;
    }
    m->nattr = (uint32_t)na;
    m->npairs = (uint32_t)nout;
    m->attr_hash = util_malloc(na ? na : 1, sizeof *m->attr_hash);
    m->attr_off = util_malloc(na + 1, sizeof *m->attr_off);
    m->pair_label = util_malloc(nout ? nout : 1, sizeof *m->pair_label);
    m->pair_w = util_malloc(nout ? nout : 1, sizeof *m->pair_w);
    m->meta.label_counts = util_calloc(L, sizeof *m->meta.label_counts);
    m->meta.stop_reason = util_strdup("converted from a CRFsuite model file");
    if (!m->attr_hash || !m->attr_off || !m->pair_label || !m->pair_w ||
        !m->meta.label_counts || !m->meta.stop_reason) {
        st = err_set(cs->err, CRFTAG_ERR_NOMEM, cs->name, 0, "out of memory");
        goto out;
    }
    size_t a = 0;
    for (size_t i = 0; i < nout; i++) {
        if (i == 0 || pairs[i].attr != pairs[i - 1].attr) {
            m->attr_hash[a] = pairs[i].hash;
            m->attr_off[a++] = (uint32_t)i;
        }
        m->pair_label[i] = (uint16_t)pairs[i].label;
        m->pair_w[i] = (float)pairs[i].w;
    }
    m->attr_off[a] = (uint32_t)nout;
    st = cs_names(cs, m, pairs, nout, attr, attr_len);
    if (st != CRFTAG_OK)
        goto out;
    m->bio_constrained = 0;
    m->crfsuite_file = 1;
    m->format_version = CS_VERSION;
    st = CRFTAG_OK;
out:
    free(lab);
    free(lab_len);
    free(attr);
    free(attr_len);
    free(pairs);
    return st;
}

enum crftag_status model_crfsuite_parse(const unsigned char *buf, size_t len, const char *name,
                                        struct crftag_model **out, struct crftag_error *err)
{
    *out = NULL;
    struct cs_parse cs = { buf, len, name ? name : "<memory>", err };
    if (len < CS_HEADER)
        return CS_FAIL(&cs, CRFTAG_ERR_MODEL_FORMAT, "truncated: %zu bytes, the header needs %d",
                       len, CS_HEADER);
    if (memcmp(buf + 8, "FOMC", 4) != 0)
        return CS_FAIL(&cs, CRFTAG_ERR_MODEL_VERSION, "model type \"%.4s\", not a first-order "
                       "linear-chain CRF (\"FOMC\")", (const char *)buf + 8);
    if (cs_u32(buf + 12) != CS_VERSION)
        return CS_FAIL(&cs, CRFTAG_ERR_MODEL_VERSION, "version %lu (crftag reads version %d)",
                       (unsigned long)cs_u32(buf + 12), CS_VERSION);
    uint32_t size = cs_u32(buf + 4);
    if (size != len)
        return CS_FAIL(&cs, CRFTAG_ERR_MODEL_FORMAT, "%s: the header says %lu bytes, the file "
                       "has %zu", size > len ? "truncated" : "size mismatch",
                       (unsigned long)size, len);
    struct crftag_model *m = model_new();
    if (!m)
        return err_set(err, CRFTAG_ERR_NOMEM, cs.name, 0, "out of memory");
    enum crftag_status st = cs_build(&cs, m);
    if (st == CRFTAG_OK) {
        struct crftag_error ferr;
        err_clear(&ferr);
        st = model_finish(m, &ferr);
        if (st != CRFTAG_OK)
            st = err_set(err, st, cs.name, 0, "CRFsuite model: %s", ferr.msg);
    }
    if (st != CRFTAG_OK) {
        crftag_model_free(m);
        return st;
    }
    *out = m;
    return CRFTAG_OK;
}
