/*
 * model_read.c - model files: load and parse, checking everything (pipeline
 * layer).
 *
 *   file --mio_read_file--> bytes --model_io_parse--> struct crftag_model
 *   buffer -------------------^   (crftag_model_load_mem)
 *
 * The file format (versions 2 to 7) and the checks made on load, in their
 * order, are specified in docs/MODEL_FORMAT.md ("Validation on load"): the
 * header and CRC (mio_unpack), then the payload field by field, every count
 * checked against the bytes left before anything is allocated; finally the
 * feature configuration is rebuilt (feat_config_builtin_hv /
 * feat_config_template_hv, with the stored hash version: 1 for files older
 * than version 7) and must match the stored builtin_version and ncols, and
 * model_finish() builds the lookup tables.
 */
#define _DEFAULT_SOURCE          /* madvise, MADV_HUGEPAGE */
#include "model_io.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clusters.h"
#include "error.h"
#include "hash.h"
#include "lexicon.h"
#include "model.h"
#include "model_codec.h"
#include "model_crfsuite.h"
#include "model_names.h"
#include "util.h"

/* An array of n elements of size bytes for the model's weights (free()
 * frees it): from MIO_HUGE bytes on at a huge-page boundary and asked to
 * live on transparent huge pages, which fills its whole huge pages with a
 * page fault every 2 MiB instead of every 4 KiB (a hint: without it the
 * array works the same); the part after the last whole one is filled as
 * usual, which keeps the memory it takes to its size. */
#define MIO_HUGE ((size_t)2 << 20)
#define MIO_BIG MIO_HUGE

static void *mio_alloc(size_t n, size_t size)
{
    size_t bytes;
    if (util_mul(n, size, &bytes))
        return NULL;
#ifdef MADV_HUGEPAGE
    if (bytes >= MIO_BIG) {
        void *p;
        if (posix_memalign(&p, MIO_HUGE, bytes) != 0)
            return NULL;
        madvise(p, bytes, MADV_HUGEPAGE);
        return p;
    }
#endif
    return util_malloc(n, size);
}

/* A buffer of bytes that lives only while a file loads (the file, the
 * payload): from MIO_HUGE / 2 bytes on rounded up to whole huge pages, all
 * of them asked to be transparent huge pages, so that even its last part is
 * filled a huge page at a time.  The rounding costs no memory that stays:
 * the buffer is freed (or, the file's, shrunk to the attribute hashes,
 * mio_take_spare) before the model is done. */
static void *mio_alloc_transient(size_t bytes)
{
#ifdef MADV_HUGEPAGE
    if (bytes >= MIO_HUGE / 2 && bytes <= SIZE_MAX - MIO_HUGE) {
        size_t whole = (bytes + MIO_HUGE - 1) & ~(MIO_HUGE - 1);
        void *p;
        if (posix_memalign(&p, MIO_HUGE, whole) != 0)
            return NULL;
        madvise(p, whole, MADV_HUGEPAGE);
        return p;
    }
#endif
    return util_malloc(bytes, 1);
}

/* Reader: p[pos..n) is unread.  Callers check rd_has() before reading. */
struct mio_r {
    const unsigned char *p;
    size_t n, pos;
};

static int rd_has(const struct mio_r *r, uint64_t bytes)
{
    return bytes <= (uint64_t)(r->n - r->pos);
}

static uint8_t r_u8(struct mio_r *r) { return r->p[r->pos++]; }
static uint16_t r_u16(struct mio_r *r) { r->pos += 2; return get_u16(r->p + r->pos - 2); }
static uint32_t r_u32(struct mio_r *r) { r->pos += 4; return get_u32(r->p + r->pos - 4); }
static uint64_t r_u64(struct mio_r *r) { r->pos += 8; return get_u64(r->p + r->pos - 8); }
static double r_f64(struct mio_r *r) { return bits_f64(r_u64(r)); }

/* ------------------------------------------------------------------------ */
/* Parse                                                                    */
/* ------------------------------------------------------------------------ */

struct mio_parse {
    struct mio_r r;
    const char *name;            /* file name for messages */
    struct crftag_error *err;
    uint32_t version;            /* format version of the file */
    unsigned char *spare;        /* the file once inflated (NULL: none) */
    size_t spare_len;            /* its bytes */
    unsigned char *payload;      /* r.p, free()'d by mio_parse_file (NULL: none) */
};

#if defined(__GNUC__) || defined(__clang__)
__attribute__((format(printf, 3, 4)))
#endif
static enum crftag_status mio_fail(const struct mio_parse *ps, enum crftag_status code,
                                   const char *fmt, ...)
{
    char msg[sizeof ps->err->msg];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return err_set(ps->err, code, ps->name, 0, "%s", msg);
}

static enum crftag_status mio_short(const struct mio_parse *ps, const char *what)
{
    return mio_fail(ps, CRFTAG_ERR_MODEL_FORMAT,
                    "corrupt model: payload ends inside %s (offset %zu of %zu)", what,
                    ps->r.pos, ps->r.n);
}

/* An array of n elements of size bytes for the attribute hashes: the
 * inflated file's buffer, shrunk in place, when it is that large (its pages
 * are there already: a fresh array would be filled a page fault at a time),
 * else a new one. */
static void *mio_take_spare(struct mio_parse *ps, size_t n, size_t size)
{
    size_t bytes;
    if (!ps->spare || util_mul(n, size, &bytes) || bytes == 0 || bytes > ps->spare_len)
        return mio_alloc(n, size);
    void *p = realloc(ps->spare, bytes);
    if (!p)                      /* could not shrink: as large as it was */
        p = ps->spare;
    ps->spare = NULL;
    return p;
}

/* Reads a str of at most max bytes (no NUL inside) as a pointer into the
 * payload; the caller copies it. */
static enum crftag_status mio_str(struct mio_parse *ps, uint32_t max, const char *what,
                                  const char **s, uint32_t *len)
{
    if (!rd_has(&ps->r, 4))
        return mio_short(ps, what);
    uint32_t n = r_u32(&ps->r);
    if (n > max)
        return mio_fail(ps, CRFTAG_ERR_MODEL_FORMAT, "corrupt model: %s has %lu bytes (max %lu)",
                        what, (unsigned long)n, (unsigned long)max);
    if (!rd_has(&ps->r, n))
        return mio_short(ps, what);
    *s = (const char *)ps->r.p + ps->r.pos;
    if (memchr(*s, '\0', n))
        return mio_fail(ps, CRFTAG_ERR_MODEL_FORMAT, "corrupt model: NUL byte inside %s", what);
    ps->r.pos += n;
    *len = n;
    return CRFTAG_OK;
}

/* Reads nent entries into lx, whose types are read: each a u8 token count
 * (1..LEX_MAXTOK) and the tokens, then for the learned lexicon (user == 0) its
 * u16 value, for the user lexicon (user != 0) the u8 index of its type, with
 * no empty token. */
static enum crftag_status mio_parse_lex_entries(struct mio_parse *ps, struct lexicon *lx,
                                                uint32_t nent, int user)
{
    const char *what = user ? "user lexicon" : "lexicon";
    const char *entry = user ? "a user lexicon entry" : "a lexicon entry";
    if (nent == 0)
        return CRFTAG_OK;
    /* the tokens of an entry, NUL-terminated, in one buffer for all entries */
    char *text = util_malloc(LEX_MAXTOK, LEX_MAXTOKLEN + 1);
    if (!text)
        return mio_fail(ps, CRFTAG_ERR_NOMEM, "out of memory (%s)", what);
    enum crftag_status st = CRFTAG_OK;
    for (uint32_t e = 0; e < nent && st == CRFTAG_OK; e++) {
        if (!rd_has(&ps->r, 1)) {
            st = mio_short(ps, entry);
            break;
        }
        unsigned ntok = r_u8(&ps->r);
        if (ntok < 1 || ntok > LEX_MAXTOK) {
            st = mio_fail(ps, CRFTAG_ERR_MODEL_FORMAT,
                          "corrupt model: %s entry %lu has %u tokens (1..%d)", what,
                          (unsigned long)e, ntok, LEX_MAXTOK);
            break;
        }
        const char *tok[LEX_MAXTOK];
        for (unsigned k = 0; k < ntok && st == CRFTAG_OK; k++) {
            const char *s;
            uint32_t n;
            st = mio_str(ps, LEX_MAXTOKLEN, user ? "a user lexicon token" : "a lexicon token",
                         &s, &n);
            if (st == CRFTAG_OK && user && n == 0)
                st = mio_fail(ps, CRFTAG_ERR_MODEL_FORMAT,
                              "corrupt model: user lexicon entry %lu has an empty token",
                              (unsigned long)e);
            if (st == CRFTAG_OK) {
                char *t = text + (size_t)k * (LEX_MAXTOKLEN + 1);
                memcpy(t, s, n);
                t[n] = '\0';
                tok[k] = t;
            }
        }
        if (st == CRFTAG_OK && !rd_has(&ps->r, user ? 1 : 2))
            st = mio_short(ps, entry);
        if (st != CRFTAG_OK)
            break;
        unsigned v;
        if (user) {
            unsigned t = r_u8(&ps->r);
            v = t < lx->ntypes ? lex_user_value(t) : 0;
            if (!v)
                st = mio_fail(ps, CRFTAG_ERR_MODEL_FORMAT,
                              "corrupt model: user lexicon entry %lu has type %u of %lu",
                              (unsigned long)e, t, (unsigned long)lx->ntypes);
        } else {
            v = r_u16(&ps->r);
            if (v == 0 || lex_type(v) >= lx->ntypes)
                st = mio_fail(ps, CRFTAG_ERR_MODEL_FORMAT,
                              "corrupt model: lexicon entry %lu has value %u",
                              (unsigned long)e, v);
        }
        if (st == CRFTAG_OK) {
            st = lex_add_entry(lx, tok, ntok, v);
            if (st == CRFTAG_ERR_NOMEM)
                st = mio_fail(ps, st, "out of memory (%s)", what);
            else if (st != CRFTAG_OK)
                st = mio_fail(ps, CRFTAG_ERR_MODEL_FORMAT,
                              "corrupt model: %s entry %lu repeats an earlier one", what,
                              (unsigned long)e);
        }
    }
    free(text);
    return st;
}

/* The lexicon block: types, then entries (see the format above). */
static enum crftag_status mio_parse_lexicon(struct mio_parse *ps, struct crftag_model *m,
                                            uint32_t kind)
{
    if (!rd_has(&ps->r, 4))
        return mio_short(ps, "the lexicon");
    uint32_t ntypes = r_u32(&ps->r);
    if (ntypes > LEX_MAXTYPES || (ntypes > 0 && kind != FEAT_BUILTIN))
        return mio_fail(ps, CRFTAG_ERR_MODEL_FORMAT, "corrupt model: %lu lexicon types%s",
                        (unsigned long)ntypes, kind != FEAT_BUILTIN ? " with a template" : "");
    struct lexicon *lx = NULL;
    enum crftag_status st;
    if (ntypes > 0) {
        if (!(lx = lex_new(m->feat.seed, feat_lex_fold(&m->feat))))
            return mio_fail(ps, CRFTAG_ERR_NOMEM, "out of memory (lexicon)");
        m->feat.lex = lx;
    }
    for (uint32_t t = 0; t < ntypes; t++) {
        const char *s;
        uint32_t n;
        st = mio_str(ps, MIO_MAX_LEXTYPE, "a lexicon type", &s, &n);
        if (st != CRFTAG_OK)
            return st;
        size_t before = lx->ntypes;
        if (lex_add_type(lx, s, n) < 0)
            return mio_fail(ps, CRFTAG_ERR_NOMEM, "out of memory (lexicon)");
        if (lx->ntypes == before)
            return mio_fail(ps, CRFTAG_ERR_MODEL_FORMAT,
                            "corrupt model: lexicon type %lu repeats an earlier one",
                            (unsigned long)t);
    }
    if (!rd_has(&ps->r, 4))
        return mio_short(ps, "the lexicon");
    uint32_t nent = r_u32(&ps->r);
    if (nent > 0 && ntypes == 0)
        return mio_fail(ps, CRFTAG_ERR_MODEL_FORMAT,
                        "corrupt model: lexicon entries without types");
    if (!rd_has(&ps->r, (uint64_t)nent * 7))   /* each: ntok, a token, value */
        return mio_short(ps, "the lexicon entries");
    return mio_parse_lex_entries(ps, lx, nent, 0);
}

/* The word-cluster block (version 3): paths, then words. */
static enum crftag_status mio_parse_clusters(struct mio_parse *ps, struct crftag_model *m,
                                             uint32_t kind)
{
    if (ps->version < 3)
        return CRFTAG_OK;
    if (!rd_has(&ps->r, 4))
        return mio_short(ps, "the word clusters");
    uint32_t npaths = r_u32(&ps->r);
    if (npaths > 0 && kind != FEAT_BUILTIN)
        return mio_fail(ps, CRFTAG_ERR_MODEL_FORMAT,
                        "corrupt model: %lu word clusters with a template",
                        (unsigned long)npaths);
    if (!rd_has(&ps->r, (uint64_t)npaths * 5 + 4))   /* each: length + >= 1 digit */
        return mio_short(ps, "the cluster paths");
    if (npaths == 0) {
        uint32_t nwords = r_u32(&ps->r);
        if (nwords != 0)
            return mio_fail(ps, CRFTAG_ERR_MODEL_FORMAT,
                            "corrupt model: %lu cluster words without clusters",
                            (unsigned long)nwords);
        return CRFTAG_OK;
    }
    struct crftag_clusters *cl = cl_new();
    if (!cl)
        return mio_fail(ps, CRFTAG_ERR_NOMEM, "out of memory (word clusters)");
    enum crftag_status st = CRFTAG_OK;
    for (uint32_t p = 0; p < npaths && st == CRFTAG_OK; p++) {
        const char *s;
        uint32_t n, id;
        st = mio_str(ps, CL_MAXPATH, "a cluster path", &s, &n);
        if (st != CRFTAG_OK)
            break;
        st = cl_add_path(cl, s, n, &id);
        if (st == CRFTAG_ERR_NOMEM)
            st = mio_fail(ps, st, "out of memory (word clusters)");
        else if (st != CRFTAG_OK)
            st = mio_fail(ps, CRFTAG_ERR_MODEL_FORMAT,
                          "corrupt model: cluster path %lu is empty, not digits or repeated",
                          (unsigned long)p);
    }
    uint32_t nwords = 0;
    if (st == CRFTAG_OK && !rd_has(&ps->r, 4))
        st = mio_short(ps, "the cluster words");
    if (st == CRFTAG_OK) {
        nwords = r_u32(&ps->r);
        if (nwords == 0)
            st = mio_fail(ps, CRFTAG_ERR_MODEL_FORMAT, "corrupt model: clusters without words");
        else if (!rd_has(&ps->r, (uint64_t)nwords * 9))  /* length, >= 1 byte, path */
            st = mio_short(ps, "the cluster words");
    }
    for (uint32_t k = 0; k < nwords && st == CRFTAG_OK; k++) {
        const char *s;
        uint32_t n;
        st = mio_str(ps, CL_MAXWORD, "a cluster word", &s, &n);
        if (st == CRFTAG_OK && !rd_has(&ps->r, 4))
            st = mio_short(ps, "the cluster words");
        if (st != CRFTAG_OK)
            break;
        uint32_t p = r_u32(&ps->r);
        st = cl_add_word(cl, s, n, p, 0);
        if (st == CRFTAG_ERR_NOMEM)
            st = mio_fail(ps, st, "out of memory (word clusters)");
        else if (st != CRFTAG_OK)
            st = mio_fail(ps, CRFTAG_ERR_MODEL_FORMAT,
                          "corrupt model: cluster word %lu is empty, repeated, holds a TAB "
                          "or line break, or has path %lu of %lu",
                          (unsigned long)k, (unsigned long)p, (unsigned long)npaths);
    }
    if (st != CRFTAG_OK) {
        cl_free(cl);
        return st;
    }
    st = feat_config_set_clusters(&m->feat, cl);
    if (st != CRFTAG_OK)
        return mio_fail(ps, CRFTAG_ERR_NOMEM, "out of memory (word clusters)");
    return CRFTAG_OK;
}

/* The user lexicon block (version 4): types, then entries. */
static enum crftag_status mio_parse_user_lexicon(struct mio_parse *ps, struct crftag_model *m,
                                                 uint32_t kind)
{
    if (ps->version < 4)
        return CRFTAG_OK;
    if (!rd_has(&ps->r, 4))
        return mio_short(ps, "the user lexicon");
    uint32_t ntypes = r_u32(&ps->r);
    if (ntypes > LEX_MAXTYPES || (ntypes > 0 && kind != FEAT_BUILTIN))
        return mio_fail(ps, CRFTAG_ERR_MODEL_FORMAT, "corrupt model: %lu user lexicon types%s",
                        (unsigned long)ntypes, kind != FEAT_BUILTIN ? " with a template" : "");
    if (!rd_has(&ps->r, (uint64_t)ntypes * 5 + 4))   /* each: length + >= 1 byte */
        return mio_short(ps, "the user lexicon types");
    if (ntypes == 0) {
        uint32_t nent = r_u32(&ps->r);
        if (nent != 0)
            return mio_fail(ps, CRFTAG_ERR_MODEL_FORMAT,
                            "corrupt model: %lu user lexicon entries without types",
                            (unsigned long)nent);
        return CRFTAG_OK;
    }
    struct lexicon *ux = lex_new(m->feat.seed, feat_lex_fold(&m->feat));
    if (!ux)
        return mio_fail(ps, CRFTAG_ERR_NOMEM, "out of memory (user lexicon)");
    m->feat.ulex = ux;
    enum crftag_status st;
    for (uint32_t t = 0; t < ntypes; t++) {
        const char *s;
        uint32_t n;
        st = mio_str(ps, MIO_MAX_LEXTYPE, "a user lexicon type", &s, &n);
        if (st != CRFTAG_OK)
            return st;
        size_t before = ux->ntypes;
        if (n == 0)
            return mio_fail(ps, CRFTAG_ERR_MODEL_FORMAT,
                            "corrupt model: user lexicon type %lu is empty", (unsigned long)t);
        if (lex_add_type(ux, s, n) < 0)
            return mio_fail(ps, CRFTAG_ERR_NOMEM, "out of memory (user lexicon)");
        if (ux->ntypes == before)
            return mio_fail(ps, CRFTAG_ERR_MODEL_FORMAT,
                            "corrupt model: user lexicon type %lu repeats an earlier one",
                            (unsigned long)t);
    }
    if (!rd_has(&ps->r, 4))
        return mio_short(ps, "the user lexicon");
    uint32_t nent = r_u32(&ps->r);
    if (nent == 0)
        return mio_fail(ps, CRFTAG_ERR_MODEL_FORMAT,
                        "corrupt model: user lexicon types without entries");
    if (!rd_has(&ps->r, (uint64_t)nent * 7))   /* each: ntok, a token of >= 1 byte, type */
        return mio_short(ps, "the user lexicon entries");
    return mio_parse_lex_entries(ps, ux, nent, 1);
}

static enum crftag_status mio_parse_features(struct mio_parse *ps, struct crftag_model *m)
{
    int has_hv = ps->version >= MIO_HASH_VERSION;
    if (!rd_has(&ps->r, has_hv ? 24 : 20))
        return mio_short(ps, "the feature configuration");
    uint32_t kind = r_u32(&ps->r);
    uint32_t bversion = r_u32(&ps->r);
    uint64_t seed = r_u64(&ps->r);
    /* format 7 stores the hash version; older files use version 1 */
    uint32_t hv = has_hv ? r_u32(&ps->r) : HASH_VERSION_1;
    uint32_t ncols = r_u32(&ps->r);
    if (hv != HASH_VERSION_1 && hv != HASH_VERSION_2)
        return mio_fail(ps, CRFTAG_ERR_MODEL_VERSION,
                        "model uses feature hash version %lu, this crftag reads versions 1 "
                        "and 2", (unsigned long)hv);
    const char *text;
    uint32_t tlen;
    enum crftag_status st = mio_str(ps, MIO_MAX_TEMPLATE, "the template", &text, &tlen);
    if (st != CRFTAG_OK)
        return st;
    if (kind == FEAT_BUILTIN) {
        if (tlen != 0)
            return mio_fail(ps, CRFTAG_ERR_MODEL_FORMAT,
                            "corrupt model: built-in features with a template");
        if (bversion < FEAT_BUILTIN_VERSION_MIN || bversion > FEAT_BUILTIN_VERSION)
            return mio_fail(ps, CRFTAG_ERR_MODEL_VERSION,
                            "model uses built-in feature set version %lu, this crftag reads "
                            "versions %d to %d", (unsigned long)bversion,
                            FEAT_BUILTIN_VERSION_MIN, FEAT_BUILTIN_VERSION);
        st = feat_config_builtin_hv(&m->feat, seed, bversion, hv);
        if (st != CRFTAG_OK)
            return mio_fail(ps, st, "cannot set up the built-in features: %s",
                            crftag_strerror(st));
    } else if (kind == FEAT_TEMPLATE) {
        struct crftag_error terr;
        err_clear(&terr);
        st = feat_config_template_hv(&m->feat, text, tlen, ps->name, seed, hv, &terr);
        if (st == CRFTAG_ERR_NOMEM)
            return mio_fail(ps, st, "out of memory (template)");
        if (st != CRFTAG_OK)
            return mio_fail(ps, CRFTAG_ERR_MODEL_FORMAT,
                            "corrupt model: stored template line %ld: %s", terr.line, terr.msg);
        m->feat.builtin_version = bversion;
    } else if (kind == FEAT_ATTRS && ps->version >= 5) {
        if (tlen != 0 || bversion != 0)
            return mio_fail(ps, CRFTAG_ERR_MODEL_FORMAT,
                            "corrupt model: attribute features with a template or version");
        feat_config_attrs_hv(&m->feat, seed, hv);
    } else {
        return mio_fail(ps, CRFTAG_ERR_MODEL_FORMAT, "corrupt model: unknown feature kind %lu",
                        (unsigned long)kind);
    }
    if (m->feat.ncols != ncols)
        return mio_fail(ps, CRFTAG_ERR_MODEL_FORMAT,
                        "corrupt model: features read %zu columns, model says %lu",
                        m->feat.ncols, (unsigned long)ncols);
    st = mio_parse_lexicon(ps, m, kind);
    if (st == CRFTAG_OK)
        st = mio_parse_clusters(ps, m, kind);
    if (st == CRFTAG_OK)
        st = mio_parse_user_lexicon(ps, m, kind);
    return st;
}

static enum crftag_status mio_parse_labels(struct mio_parse *ps, struct crftag_model *m)
{
    if (!rd_has(&ps->r, 5))
        return mio_short(ps, "the label set");
    uint32_t L = r_u32(&ps->r);
    uint8_t bio = r_u8(&ps->r);
    if (L < 1 || L > MIO_MAX_LABELS)
        return mio_fail(ps, CRFTAG_ERR_MODEL_FORMAT,
                        "corrupt model: %lu labels (1..%u allowed)", (unsigned long)L,
                        MIO_MAX_LABELS);
    if (!rd_has(&ps->r, (uint64_t)L * 5))   /* each name: length + >= 1 byte */
        return mio_short(ps, "the label names");
    if (bio > 1)
        return mio_fail(ps, CRFTAG_ERR_MODEL_FORMAT, "corrupt model: bio flag %u", bio);
    m->bio_constrained = bio;
    for (uint32_t i = 0; i < L; i++) {
        const char *s;
        uint32_t n;
        enum crftag_status st = mio_str(ps, MIO_MAX_LABEL_LEN, "a label name", &s, &n);
        if (st != CRFTAG_OK)
            return st;
        if (n == 0)
            return mio_fail(ps, CRFTAG_ERR_MODEL_FORMAT, "corrupt model: label %lu is empty",
                            (unsigned long)i);
        char *name = util_strndup(s, n);
        if (!name)
            return mio_fail(ps, CRFTAG_ERR_NOMEM, "out of memory (labels)");
        long id = labels_add(&m->labels, name);
        if (id < 0) {
            free(name);
            return mio_fail(ps, CRFTAG_ERR_NOMEM, "out of memory (labels)");
        }
        if ((uint32_t)id != i) {
            enum crftag_status e = mio_fail(ps, CRFTAG_ERR_MODEL_FORMAT,
                                            "corrupt model: duplicate label \"%.64s\"", name);
            free(name);
            return e;
        }
        free(name);
    }
    return CRFTAG_OK;
}

/* Reads n f32 values into dst (the caller checked that they are there);
 * refuses NaN and infinities.  The bits are copied whole, then checked. */
static enum crftag_status mio_f32s(struct mio_parse *ps, float *dst, size_t n,
                                   const char *what)
{
    _Static_assert(sizeof(float) == sizeof(uint32_t), "f32 is 4 bytes");
    get_u32s(ps->r.p + ps->r.pos, n, (uint32_t *)(void *)dst);
    const unsigned char *b = (const unsigned char *)dst;
    size_t k = 0;
#ifdef __SSE2__
    const __m128i e = _mm_set1_epi32(0x7f800000);
    for (; k + 4 <= n; k += 4) {       /* 4 at a time up to a group with a culprit */
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(b + 4 * k));
        if (_mm_movemask_epi8(_mm_cmpeq_epi32(_mm_and_si128(v, e), e)))
            break;
    }
#endif
    for (; k < n; k++) {
        uint32_t u;
        memcpy(&u, b + 4 * k, 4);
        if ((u & 0x7f800000u) == 0x7f800000u)
            return mio_fail(ps, CRFTAG_ERR_MODEL_FORMAT,
                            "corrupt model: %s %zu is not finite", what, k);
    }
    ps->r.pos += 4 * n;
    return CRFTAG_OK;
}

/* The attributes and weights of format 6 (nattr, npairs read; the arrays
 * allocated but the weights'): hash differences, pair counts, label ids,
 * weights, all in byte planes (decoded and checked by model_codec.c), then
 * the transitions. */

static enum crftag_status mio_parse_planes(struct mio_parse *ps, struct crftag_model *m)
{
    size_t L = m->labels.n, na = m->nattr, np = m->npairs;
    const unsigned char *p = ps->r.p + ps->r.pos;
    size_t bad = mio_hash_sums(p, na, m->attr_hash);
    if (bad < na) {
        uint64_t d;
        get_planes64(p, na, 8, bad, 1, &d);
        return mio_fail(ps, CRFTAG_ERR_MODEL_FORMAT,
                        "corrupt model: attribute %zu: hash difference %s", bad,
                        d == 0 ? "0 (hashes not increasing)" : "past 2^64");
    }
    p += 8 * na;
    m->attr_off[0] = 0;
    /* np < 2^32: mio_parse_weights read it as a u32 */
    if (mio_count_sums(p, na, (uint32_t)np, m->attr_off + 1) < na)
        return mio_fail(ps, CRFTAG_ERR_MODEL_FORMAT,
                        "corrupt model: attribute pair counts exceed %zu pairs", np);
    uint64_t off = m->attr_off[na];
    if (off != np)
        return mio_fail(ps, CRFTAG_ERR_MODEL_FORMAT,
                        "corrupt model: attribute pair counts sum to %llu, not %zu pairs",
                        (unsigned long long)off, np);
    p += 4 * na;
    ps->r.pos = (size_t)(p - ps->r.p);
    unsigned lw = r_u8(&ps->r);
    if (lw != (L <= 256 ? 1u : 2u))
        return mio_fail(ps, CRFTAG_ERR_MODEL_FORMAT,
                        "corrupt model: label ids of %u bytes for %zu labels", lw, L);
    if (!rd_has(&ps->r, (uint64_t)np * lw + 2))
        return mio_short(ps, "the pair labels");
    p = ps->r.p + ps->r.pos;
    bad = mio_label_ids(p, np, lw, L, m->pair_label);
    if (bad < np) {
        uint32_t v;
        get_planes32(p, np, lw, bad, 1, &v);
        return mio_fail(ps, CRFTAG_ERR_MODEL_FORMAT,
                        "corrupt model: pair %zu has label id %lu, only %zu labels", bad,
                        (unsigned long)v, L);
    }
    ps->r.pos += np * lw;
    unsigned shift = r_u8(&ps->r), width = r_u8(&ps->r);
    if (shift == MIO_W_F32 ? width != 4 : shift > MIO_MAX_SHIFT || width < 1 || width > 4)
        return mio_fail(ps, CRFTAG_ERR_MODEL_FORMAT,
                        "corrupt model: weight code %u, %u bytes", shift, width);
    if (!rd_has(&ps->r, (uint64_t)np * width + (uint64_t)L * L * 4))
        return mio_short(ps, "the weights");
    /* The weights take the payload's first bytes when they end before the
     * weight planes begin (the bytes read so far are read no more, those of
     * the weight planes and after are not written): those pages are there
     * already, a fresh array would be filled a page fault at a time.
     * mio_parse_file then shrinks the payload to them. */
    if (ps->payload && ps->r.p == ps->payload && np > 0 && np <= ps->r.pos / 4)
        m->pair_w = (float *)(void *)ps->payload;
    else if (!(m->pair_w = mio_alloc(np, sizeof *m->pair_w)))
        return mio_fail(ps, CRFTAG_ERR_NOMEM, "out of memory (model weights)");
    enum crftag_status st = CRFTAG_OK;
    if (shift == MIO_W_F32) {
        st = mio_f32s(ps, m->pair_w, np, "weight");
    } else {
        /* k * 2^-shift, |k| < 2^31, rounded to a float: k rounded to 24
         * significant bits, still an integer of at most 2^31 */
        mio_weights(ps->r.p + ps->r.pos, np, width, shift, m->pair_w);
        ps->r.pos += np * width;
        m->w_fixed = 1;
        m->w_shift = shift;
        m->w_bytes = width;
    }
    if (st == CRFTAG_OK)
        st = mio_f32s(ps, m->trans, L * L, "transition weight");
    return st;
}

static enum crftag_status mio_parse_weights(struct mio_parse *ps, struct crftag_model *m)
{
    size_t L = m->labels.n;
    if (!rd_has(&ps->r, 8))
        return mio_short(ps, "the attribute counts");
    uint32_t nattr = r_u32(&ps->r);
    uint32_t npairs = r_u32(&ps->r);
    int planes = ps->version >= MIO_PLANES_VERSION;
    /* format 6: label ids of at least 1 byte, weights of 1 to 4, 3 code bytes */
    if (!rd_has(&ps->r, (uint64_t)nattr * 12 + (uint64_t)npairs * (planes ? 2 : 6) +
                            (planes ? 3 : 0) + (uint64_t)L * L * 4))
        return mio_fail(ps, CRFTAG_ERR_MODEL_FORMAT,
                        "corrupt model: %lu attributes, %lu pairs and %zu labels do not fit "
                        "in the %zu bytes left", (unsigned long)nattr, (unsigned long)npairs, L,
                        ps->r.n - ps->r.pos);
    m->attr_hash = mio_take_spare(ps, nattr, sizeof *m->attr_hash);
    m->attr_off = mio_alloc((size_t)nattr + 1, sizeof *m->attr_off);
    m->pair_label = mio_alloc(npairs, sizeof *m->pair_label);
    m->trans = util_malloc(L * L, sizeof *m->trans);
    if (!m->attr_hash || !m->attr_off || !m->pair_label || !m->trans)
        return mio_fail(ps, CRFTAG_ERR_NOMEM, "out of memory (model weights)");
    m->nattr = nattr;
    m->npairs = npairs;
    if (planes)                  /* the weights allocated there */
        return mio_parse_planes(ps, m);
    if (!(m->pair_w = mio_alloc(npairs, sizeof *m->pair_w)))
        return mio_fail(ps, CRFTAG_ERR_NOMEM, "out of memory (model weights)");
    /* each array copied whole, then checked */
    get_u64s(ps->r.p + ps->r.pos, nattr, m->attr_hash);
    ps->r.pos += (size_t)nattr * 8;
    for (uint32_t a = 0; a < nattr; a++)
        if (m->attr_hash[a] == 0)
            return mio_fail(ps, CRFTAG_ERR_MODEL_FORMAT,
                            "corrupt model: attribute %lu has hash 0", (unsigned long)a);
    uint64_t off = 0;
    m->attr_off[0] = 0;
    get_u32s(ps->r.p + ps->r.pos, nattr, m->attr_off + 1);
    ps->r.pos += (size_t)nattr * 4;
    for (uint32_t a = 0; a < nattr; a++) {
        off += m->attr_off[a + 1];
        if (off > npairs)
            return mio_fail(ps, CRFTAG_ERR_MODEL_FORMAT,
                            "corrupt model: attribute pair counts exceed %lu pairs",
                            (unsigned long)npairs);
        m->attr_off[a + 1] = (uint32_t)off;
    }
    if (off != npairs)
        return mio_fail(ps, CRFTAG_ERR_MODEL_FORMAT,
                        "corrupt model: attribute pair counts sum to %llu, not %lu pairs",
                        (unsigned long long)off, (unsigned long)npairs);
    get_u16s(ps->r.p + ps->r.pos, npairs, m->pair_label);
    ps->r.pos += (size_t)npairs * 2;
    for (uint32_t p = 0; p < npairs; p++)
        if (m->pair_label[p] >= L)
            return mio_fail(ps, CRFTAG_ERR_MODEL_FORMAT,
                            "corrupt model: pair %lu has label id %u, only %zu labels",
                            (unsigned long)p, m->pair_label[p], L);
    enum crftag_status st = mio_f32s(ps, m->pair_w, npairs, "weight");
    if (st == CRFTAG_OK)
        st = mio_f32s(ps, m->trans, L * L, "transition weight");
    return st;
}

static enum crftag_status mio_parse_meta(struct mio_parse *ps, struct crftag_model *m)
{
    struct model_meta *mt = &m->meta;
    if (!rd_has(&ps->r, MIO_META_FIXED))
        return mio_short(ps, "the training metadata");
    mt->c1 = r_f64(&ps->r);
    mt->c2 = r_f64(&ps->r);
    mt->iterations = r_u32(&ps->r);
    mt->min_freq = r_u32(&ps->r);
    mt->train_seconds = r_f64(&ps->r);
    mt->final_objective = r_f64(&ps->r);
    mt->train_sentences = r_u64(&ps->r);
    mt->train_tokens = r_u64(&ps->r);
    if (!isfinite(mt->c1) || !isfinite(mt->c2) || !(mt->c1 >= 0) || !(mt->c2 >= 0) ||
        !isfinite(mt->train_seconds) || !isfinite(mt->final_objective))
        return mio_fail(ps, CRFTAG_ERR_MODEL_FORMAT,
                        "corrupt model: training metadata not finite");
    const char *s;
    uint32_t n;
    enum crftag_status st = mio_str(ps, MIO_MAX_REASON, "the stop reason", &s, &n);
    if (st != CRFTAG_OK)
        return st;
    if (n && !(mt->stop_reason = util_strndup(s, n)))
        return mio_fail(ps, CRFTAG_ERR_NOMEM, "out of memory");
    size_t L = m->labels.n;
    if (!rd_has(&ps->r, (uint64_t)L * 8))
        return mio_short(ps, "the label counts");
    mt->label_counts = util_malloc(L, sizeof *mt->label_counts);
    if (!mt->label_counts)
        return mio_fail(ps, CRFTAG_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < L; i++)
        mt->label_counts[i] = r_u64(&ps->r);
    if (ps->version < 3)
        return CRFTAG_OK;
    /* label bias (version 3) */
    if (!rd_has(&ps->r, 1))
        return mio_short(ps, "the label bias");
    uint8_t has = r_u8(&ps->r);
    if (has > 1)
        return mio_fail(ps, CRFTAG_ERR_MODEL_FORMAT, "corrupt model: label bias flag %u", has);
    if (has) {
        if (!rd_has(&ps->r, (uint64_t)L * 4))
            return mio_short(ps, "the label bias");
        m->label_bias = util_malloc(L, sizeof *m->label_bias);
        if (!m->label_bias)
            return mio_fail(ps, CRFTAG_ERR_NOMEM, "out of memory");
        st = mio_f32s(ps, m->label_bias, L, "label bias");
        if (st != CRFTAG_OK)
            return st;
    }
    return CRFTAG_OK;
}

static enum crftag_status mio_parse_payload(struct mio_parse *ps, struct crftag_model *m)
{
    enum crftag_status st = mio_parse_features(ps, m);
    if (st == CRFTAG_OK)
        st = mio_parse_labels(ps, m);
    if (st == CRFTAG_OK)
        st = mio_parse_weights(ps, m);
    if (st == CRFTAG_OK)
        st = mio_parse_meta(ps, m);
    if (st == CRFTAG_OK && ps->version >= MIO_NAMES_VERSION) {
        char msg[200];
        st = mio_names_parse(ps->r.p, ps->r.n, &ps->r.pos, m, msg, sizeof msg);
        if (st != CRFTAG_OK)
            return mio_fail(ps, st, "%s%s", st == CRFTAG_ERR_NOMEM ? "" : "corrupt model: ", msg);
    }
    if (st == CRFTAG_OK && ps->version >= MIO_MEMORY_VERSION) {
        if (!rd_has(&ps->r, 8))
            return mio_short(ps, "the document memory");
        uint32_t w = r_u32(&ps->r), f = r_u32(&ps->r);
        if (w > MODEL_MAX_MEMORY)
            return mio_fail(ps, CRFTAG_ERR_MODEL_FORMAT, "corrupt model: document memory of %lu "
                            "sentences (at most %u)", (unsigned long)w, MODEL_MAX_MEMORY);
        if (f & ~(uint32_t)CRFTAG_MEMORY_ABBREV)
            return mio_fail(ps, CRFTAG_ERR_MODEL_FORMAT, "corrupt model: document memory flags "
                            "%#lx", (unsigned long)f);
        m->mem.window = w;
        m->mem.flags = f;
    }
    if (st != CRFTAG_OK)
        return st;
    if (ps->r.pos != ps->r.n)
        return mio_fail(ps, CRFTAG_ERR_MODEL_FORMAT,
                        "corrupt model: %zu unexpected bytes after the payload",
                        ps->r.n - ps->r.pos);
    return CRFTAG_OK;
}

/* The lookup tables of a parsed model (model_finish), built after the file
 * and the payload are freed, which keeps them out of the peak memory. */
static enum crftag_status mio_finish(struct mio_parse *ps, struct crftag_model *m)
{
    struct crftag_error ferr;
    err_clear(&ferr);
    enum crftag_status st = model_finish(m, &ferr);
    if (st != CRFTAG_OK)
        return mio_fail(ps, st, "%s%s", st == CRFTAG_ERR_MODEL_FORMAT ? "corrupt model: " : "",
                        ferr.msg);
    return CRFTAG_OK;
}

/* Checks the header and the CRC, and inflates the payload into *out. */
static enum crftag_status mio_unpack(const unsigned char *buf, size_t len, struct mio_parse *ps,
                                     unsigned char **out, size_t *out_len)
{
    *out = NULL;
    if (len < MIO_HEADER)
        return mio_fail(ps, CRFTAG_ERR_MODEL_FORMAT, "truncated: %zu bytes, header needs %d",
                        len, MIO_HEADER);
    if (memcmp(buf, MIO_MAGIC, MIO_MAGIC_LEN) != 0)
        return mio_fail(ps, CRFTAG_ERR_MODEL_FORMAT, "not a crftag model (bad magic)");
    uint32_t version = get_u32(buf + 8);
    if (version < MIO_OLDEST || version > CRFTAG_MODEL_FORMAT_VERSION)
        return mio_fail(ps, CRFTAG_ERR_MODEL_VERSION,
                        "model format version %lu, this crftag reads versions %d to %d",
                        (unsigned long)version, MIO_OLDEST, CRFTAG_MODEL_FORMAT_VERSION);
    ps->version = version;
    uint32_t flags = get_u32(buf + 12);
    uint64_t psize = get_u64(buf + 16);
    uint64_t csize = get_u64(buf + 24);
    if (csize != (uint64_t)(len - MIO_HEADER))
        return mio_fail(ps, CRFTAG_ERR_MODEL_FORMAT,
                        "%s: header says %llu compressed bytes, file has %zu after the header",
                        csize > len - MIO_HEADER ? "truncated" : "size mismatch",
                        (unsigned long long)csize, len - MIO_HEADER);
    if (csize > MIO_MAX_FILE || psize == 0 || psize / MIO_MAX_RATIO > csize ||
        psize > SIZE_MAX || psize > ULONG_MAX)
        return mio_fail(ps, CRFTAG_ERR_MODEL_FORMAT,
                        "corrupt model: implausible sizes (%llu bytes compressed to %llu)",
                        (unsigned long long)psize, (unsigned long long)csize);
    uint32_t stored = get_u32(buf + MIO_CRC_AT);
    uint32_t crc = mio_crc(buf, len);
    if (crc != stored)
        return mio_fail(ps, CRFTAG_ERR_MODEL_CHECKSUM,
                        "checksum mismatch (stored %08lx, computed %08lx): file corrupt",
                        (unsigned long)stored, (unsigned long)crc);
    if (flags != 0)
        return mio_fail(ps, CRFTAG_ERR_MODEL_FORMAT, "unknown flags %08lx",
                        (unsigned long)flags);
    unsigned char *payload = mio_alloc_transient((size_t)psize);
    if (!payload)
        return mio_fail(ps, CRFTAG_ERR_NOMEM, "out of memory (%llu byte payload)",
                        (unsigned long long)psize);
    size_t dlen = (size_t)psize, slen = (size_t)csize;
    int zr = mio_inflate(payload, &dlen, buf + MIO_HEADER, &slen);
    if (zr != MIO_INFLATE_OK || dlen != psize || slen != csize) {
        free(payload);
        if (zr == MIO_INFLATE_NOMEM)
            return mio_fail(ps, CRFTAG_ERR_NOMEM, "out of memory (inflate)");
        return mio_fail(ps, CRFTAG_ERR_MODEL_FORMAT,
                        "corrupt model: decompression failed (%s, %lu of %llu bytes)",
                        zr != MIO_INFLATE_OK ? "not a valid zlib stream of that size"
                                             : "wrong size",
                        (unsigned long)dlen, (unsigned long long)psize);
    }
    *out = payload;
    *out_len = (size_t)psize;
    return CRFTAG_OK;
}

/* model_io_parse; when owned, buf is no longer read once inflated, and
 * becomes the attribute hashes' array (mio_take_spare) or is freed; the
 * payload becomes the weights' array (mio_parse_planes) or is freed. */
static enum crftag_status mio_parse_file(unsigned char *owned, const unsigned char *buf,
                                         size_t len, const char *name,
                                         struct crftag_model **out, struct crftag_error *err)
{
    *out = NULL;
    if (model_crfsuite_is(buf, len)) {
        enum crftag_status cst = model_crfsuite_parse(buf, len, name, out, err);
        free(owned);
        return cst;
    }
    struct mio_parse ps = { { NULL, 0, 0 }, name ? name : "<memory>", err, 0, owned,
                            owned ? len : 0, NULL };
    unsigned char *payload = NULL;
    size_t plen = 0;
    enum crftag_status st = mio_unpack(buf, len, &ps, &payload, &plen);
    if (st != CRFTAG_OK) {
        free(owned);
        return st;
    }
    struct crftag_model *m = model_new();
    if (!m) {
        free(payload);
        free(owned);
        return mio_fail(&ps, CRFTAG_ERR_NOMEM, "out of memory");
    }
    ps.r.p = payload;
    ps.r.n = plen;
    ps.payload = payload;
    m->format_version = ps.version;
    st = mio_parse_payload(&ps, m);
    if (m->pair_w == (float *)(void *)payload && st == CRFTAG_OK) {
        /* the weights are the payload's first bytes (mio_parse_planes) */
        void *w = realloc(payload, (size_t)m->npairs * sizeof *m->pair_w);
        if (w)                   /* else as large as it was */
            m->pair_w = w;
    } else {
        if (m->pair_w == (float *)(void *)payload)
            m->pair_w = NULL;
        free(payload);
    }
    free(ps.spare);
    if (st == CRFTAG_OK)
        st = mio_finish(&ps, m);
    if (st != CRFTAG_OK) {
        crftag_model_free(m);
        return st;
    }
    *out = m;
    return CRFTAG_OK;
}

enum crftag_status model_io_parse(const unsigned char *buf, size_t len, const char *name,
                                  struct crftag_model **out, struct crftag_error *err)
{
    return mio_parse_file(NULL, buf, len, name, out, err);
}

/* ------------------------------------------------------------------------ */
/* Files                                                                    */
/* ------------------------------------------------------------------------ */

/* Reads the whole file at path (at most MIO_MAX_FILE bytes). */
static enum crftag_status mio_read_file(const char *path, unsigned char **out, size_t *out_len,
                                        struct crftag_error *err)
{
    *out = NULL;
    *out_len = 0;
    int fd;
    do {
        fd = open(path, O_RDONLY | O_CLOEXEC);
    } while (fd < 0 && errno == EINTR);
    if (fd < 0)
        return err_set(err, CRFTAG_ERR_IO, path, 0, "cannot open: %s", strerror(errno));
    struct stat sb;
    if (fstat(fd, &sb) != 0) {
        int e = errno;
        close(fd);
        return err_set(err, CRFTAG_ERR_IO, path, 0, "cannot stat: %s", strerror(e));
    }
    if (S_ISDIR(sb.st_mode)) {
        close(fd);
        return err_set(err, CRFTAG_ERR_IO, path, 0, "is a directory, not a model file");
    }
    if (S_ISREG(sb.st_mode) && (uint64_t)sb.st_size > MIO_MAX_FILE) {
        close(fd);
        return err_set(err, CRFTAG_ERR_MODEL_FORMAT, path, 0,
                       "file too large for a model: %llu bytes (limit %llu)",
                       (unsigned long long)sb.st_size, (unsigned long long)MIO_MAX_FILE);
    }
    /* Regular files: one buffer of the file's size (+1 to see growth);
     * pipes and devices: grow as data comes. */
    size_t cap = S_ISREG(sb.st_mode) ? (size_t)sb.st_size + 1 : 65536;
    size_t len = 0;
    unsigned char *buf = S_ISREG(sb.st_mode) ? mio_alloc_transient(cap) : util_malloc(cap, 1);
    enum crftag_status st = CRFTAG_OK;
    if (!buf)
        st = err_set(err, CRFTAG_ERR_NOMEM, path, 0, "out of memory (%zu bytes)", cap);
    while (st == CRFTAG_OK) {
        if (len == cap && UTIL_GROW(buf, cap, len + 1)) {
            st = err_set(err, CRFTAG_ERR_NOMEM, path, 0, "out of memory");
            break;
        }
        ssize_t n = read(fd, buf + len, cap - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            st = err_set(err, CRFTAG_ERR_IO, path, 0, "read error: %s", strerror(errno));
            break;
        }
        if (n == 0)
            break;
        len += (size_t)n;
        if ((uint64_t)len > MIO_MAX_FILE)
            st = err_set(err, CRFTAG_ERR_MODEL_FORMAT, path, 0,
                         "file too large for a model (limit %llu bytes)",
                         (unsigned long long)MIO_MAX_FILE);
    }
    close(fd);
    if (st != CRFTAG_OK) {
        free(buf);
        return st;
    }
    *out = buf;
    *out_len = len;
    return CRFTAG_OK;
}

enum crftag_status crftag_model_load(const char *path, struct crftag_model **out,
                                     struct crftag_error *err)
{
    if (out)
        *out = NULL;
    if (!path || !out)
        return err_set(err, CRFTAG_ERR_INVALID, NULL, 0, "crftag_model_load: NULL argument");
    unsigned char *buf;
    size_t len;
    enum crftag_status st = mio_read_file(path, &buf, &len, err);
    if (st != CRFTAG_OK)
        return st;
    st = mio_parse_file(buf, buf, len, path, out, err);
    if (st == CRFTAG_OK)
        err_clear(err);
    return st;
}

enum crftag_status crftag_model_load_mem(const void *buf, size_t len, struct crftag_model **out,
                                         struct crftag_error *err)
{
    if (out)
        *out = NULL;
    if (!out || (!buf && len))
        return err_set(err, CRFTAG_ERR_INVALID, NULL, 0,
                       "crftag_model_load_mem: NULL argument");
    static const unsigned char empty[1] = { 0 };
    enum crftag_status st = model_io_parse(buf ? buf : empty, len, "<memory>", out, err);
    if (st == CRFTAG_OK)
        err_clear(err);
    return st;
}
