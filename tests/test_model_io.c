/*
 * test_model_io.c - model files: round trips, atomic save, corrupt files.
 *
 * The file layout is re-implemented here from docs/MODEL_FORMAT.md (header
 * offsets, CRC coverage, payload field order), independently of
 * model_write.c, so that crafted files (other version, huge counts, NaN
 * weights, trailing bytes) carry a valid CRC and reach the check under test.
 * Corrupt-payload cases are tables of rows (struct corruption), one per change.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <fcntl.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "clusters.h"
#include "corpus.h"
#include "crftag.h"
#include "featset.h"
#include "hash.h"
#include "lexicon.h"
#include "model.h"
#include "model_codec.h"
#include "model_io.h"
#include "util.h"

#include "feats.h"
#include "testutil.h"

/* From the spec. */
#define HDR 36
#define CRC_AT 32

static const char TPL[] = "# test template\n"
                          "U00:%x[0,0]\n"
                          "U01:%x[-1,0]/%x[0,0]\n"
                          "U02:%x[0,1]\n"
                          "\n"
                          "B\n";
static const char *const LABELS[] = { "O", "B-PER", "I-PER", "B-ORG", "I-ORG" };
#define NL 5
#define NATTR 40

/* ------------------------------------------------------------------------ */
/* Fixtures                                                                 */
/* ------------------------------------------------------------------------ */

static uint32_t lcg(uint32_t *s)
{
    *s = *s * 1664525u + 1013904223u;
    return *s;
}

/* The lexicon of the built-in test model: two types, entries of 1 and 3
 * tokens (the 3-token one shares its first token with the 1-token one). */
static const char *const LEX_TOK[] = { "Alice", "Alice", "in", "Wonderland", "Bob" };
static const unsigned LEX_NTOK[] = { 1, 3, 1 };

#define LEXVAL(type, rb, cb) (1 + ((type) * LEX_NRB + (rb)) * LEX_NCB + (cb))

static unsigned lexval(unsigned type, unsigned rb, unsigned cb)
{
    return LEXVAL(type, rb, cb);
}

static void add_lexicon(struct crftag_model *m)
{
    assert_int_equal(feat_config_builtin(&m->feat, HASH_DEFAULT_SEED), CRFTAG_OK);
    struct lexicon *lx = lex_new(HASH_DEFAULT_SEED, feat_lex_fold(&m->feat));
    assert_non_null(lx);
    m->feat.lex = lx;
    assert_int_equal(lex_add_type(lx, "PER", 3), 0);
    assert_int_equal(lex_add_type(lx, "ORG", 3), 1);
    assert_int_equal(lex_add_type(lx, "PERX", 3), 0);     /* the first 3 bytes: PER */
    const char *const *t = LEX_TOK;
    for (size_t e = 0; e < 3; e++) {
        assert_int_equal(lex_add_entry(lx, t, LEX_NTOK[e], lexval((unsigned)e % 2, (unsigned)e, 2)),
                         CRFTAG_OK);
        t += LEX_NTOK[e];
    }
    /* an entry again (also in another case), a bad value, too many tokens: refused */
    assert_int_equal(lex_add_entry(lx, LEX_TOK, 1, lexval(1, 0, 0)), CRFTAG_ERR_INVALID);
    const char *upper[] = { "ALICE" };
    assert_int_equal(lex_add_entry(lx, upper, 1, lexval(1, 0, 0)), CRFTAG_ERR_INVALID);
    assert_int_equal(lex_add_entry(lx, LEX_TOK + 4, 1, lexval(2, 0, 0)), CRFTAG_ERR_INVALID);
    assert_int_equal(lex_add_entry(lx, LEX_TOK + 4, 1, 0), CRFTAG_ERR_INVALID);
    assert_int_equal(lex_add_entry(lx, LEX_TOK, LEX_MAXTOK + 1, lexval(0, 0, 0)),
                     CRFTAG_ERR_INVALID);
    assert_int_equal(lx->nent, 3);
}

/* Word clusters of the built-in model: paths 0110, 0111, 10, and a long one. */
static const char *const CL_WORDS[][2] = {
    { "Alice", "0110" }, { "Bob", "0111" }, { "in", "10" }, { "Wonderland", "110001010111" },
    { "Carol", "0110" },
};

static void add_clusters(struct crftag_model *m)
{
    struct crftag_clusters *cl = cl_new();
    assert_non_null(cl);
    for (size_t k = 0; k < sizeof CL_WORDS / sizeof CL_WORDS[0]; k++)
        assert_int_equal(cl_add(cl, CL_WORDS[k][0], strlen(CL_WORDS[k][0]), CL_WORDS[k][1],
                                strlen(CL_WORDS[k][1]), k + 1), CRFTAG_OK);
    assert_int_equal(cl->npaths, 4);
    assert_int_equal(feat_config_set_clusters(&m->feat, cl), CRFTAG_OK);
}

/* The user lexicon of the built-in model: two types of the same length,
 * entries of 1 and 3 tokens, two of the same length ("Rust", "Ruby"). */
static const char *const ULEX_TYPES[] = { "Language", "Software" };

static void add_user_lexicon(struct crftag_model *m)
{
    struct lexicon *ux = lex_new(HASH_DEFAULT_SEED, feat_lex_fold(&m->feat));
    assert_non_null(ux);
    m->feat.ulex = ux;
    assert_int_equal(lex_add_type(ux, ULEX_TYPES[0], 8), 0);
    assert_int_equal(lex_add_type(ux, ULEX_TYPES[1], 8), 1);
    const char *a[] = { "GNU/Linux" }, *b[] = { "Mac", "OS", "X" }, *c[] = { "Rust" },
               *d[] = { "Ruby" };
    assert_int_equal(lex_add_entry(ux, a, 1, lex_user_value(1)), CRFTAG_OK);
    assert_int_equal(lex_add_entry(ux, b, 3, lex_user_value(1)), CRFTAG_OK);
    assert_int_equal(lex_add_entry(ux, c, 1, lex_user_value(0)), CRFTAG_OK);
    assert_int_equal(lex_add_entry(ux, d, 1, lex_user_value(0)), CRFTAG_OK);
}

/* A small model built by hand: 5 IOB2 labels, NATTR attributes with 0..5
 * pairs each, weights including -0, a subnormal and +-FLT_MAX. */
static struct crftag_model *build_model(int use_template)
{
    struct crftag_model *m = model_new();
    assert_non_null(m);
    if (use_template)
        assert_int_equal(feat_config_template(&m->feat, TPL, strlen(TPL), "tpl",
                                              UINT64_C(0x1122334455667788), NULL), CRFTAG_OK);
    else {
        add_lexicon(m);
        add_clusters(m);
        add_user_lexicon(m);
    }
    if (!use_template) {             /* a label bias: 0, +1.5, -0.25, ... */
        m->label_bias = util_malloc(NL, sizeof *m->label_bias);
        for (int i = 0; i < NL; i++)
            m->label_bias[i] = i == 0 ? 0.0f : (float)(i % 2 ? 1.5 : -0.25);
    }
    for (int i = 0; i < NL; i++)
        assert_int_equal(labels_add(&m->labels, LABELS[i]), i);
    m->bio_constrained = 1;
    m->nattr = NATTR;
    m->attr_hash = util_malloc(NATTR, sizeof *m->attr_hash);
    m->attr_off = util_malloc(NATTR + 1, sizeof *m->attr_off);
    uint32_t np = 0;
    m->attr_off[0] = 0;
    for (uint32_t a = 0; a < NATTR; a++) {
        m->attr_hash[a] = hash_end(hash_u64(hash_begin(7), a));
        np += a % 6;
        m->attr_off[a + 1] = np;
    }
    m->npairs = np;
    m->pair_label = util_malloc(np, sizeof *m->pair_label);
    m->pair_w = util_malloc(np, sizeof *m->pair_w);
    uint32_t seed = 42;
    for (uint32_t a = 0; a < NATTR; a++) {
        for (uint32_t k = m->attr_off[a]; k < m->attr_off[a + 1]; k++) {
            m->pair_label[k] = (uint16_t)((a + k - m->attr_off[a]) % NL);
            m->pair_w[k] = ((float)(lcg(&seed) >> 8) / 16777216.0f - 0.5f) * 8.0f;
        }
    }
    m->pair_w[0] = -0.0f;
    m->pair_w[1] = FLT_MIN / 4;
    m->pair_w[2] = FLT_MAX;
    m->pair_w[3] = -FLT_MAX;
    m->trans = util_malloc(NL * NL, sizeof *m->trans);
    for (int i = 0; i < NL * NL; i++)
        m->trans[i] = (float)(i % 7) * 0.3f - 1.1f;
    m->meta.c1 = 0.05;
    m->meta.c2 = 1.5;
    m->meta.iterations = 123;
    m->meta.min_freq = 2;
    m->meta.train_seconds = 4.25;
    m->meta.final_objective = 12345.678;
    m->meta.train_sentences = 1000;
    m->meta.train_tokens = UINT64_C(0x123456789);
    m->meta.stop_reason = util_strdup("converged (delta)");
    m->meta.label_counts = util_malloc(NL, sizeof *m->meta.label_counts);
    for (int i = 0; i < NL; i++)
        m->meta.label_counts[i] = (uint64_t)(1000 * (i + 1));
    assert_int_equal(model_finish(m, NULL), CRFTAG_OK);
    return m;
}

static int same_bits(const void *a, const void *b, size_t n)
{
    return memcmp(a, b, n) == 0;
}

/* Two lexicons (learned or user) hold the same types and entries, in order;
 * both NULL is equal. */
static void assert_same_lexicon(const struct lexicon *x, const struct lexicon *y)
{
    if (!x) {
        assert_null(y);
        return;
    }
    assert_non_null(y);
    assert_int_equal(x->ntypes, y->ntypes);
    for (size_t t = 0; t < x->ntypes; t++)
        assert_string_equal(x->types[t], y->types[t]);
    assert_int_equal(x->nent, y->nent);
    for (size_t e = 0; e < x->nent; e++) {
        assert_int_equal(x->ent_ntok[e], y->ent_ntok[e]);
        assert_int_equal(lex_entry_value(x, e), lex_entry_value(y, e));
        const char *p = lex_entry_text(x, e), *q = lex_entry_text(y, e);
        for (size_t k = 0; k < x->ent_ntok[e]; k++) {
            assert_string_equal(p, q);
            p += strlen(p) + 1;
            q += strlen(q) + 1;
        }
    }
}

/* a and b hold the same attributes, each with the same run of labels and
 * weights (bit for bit) and the same name; b, when loaded from a file of
 * format 6 or later, holds them in increasing hash order, else in a's. */
static void assert_same_attributes(const struct crftag_model *a, const struct crftag_model *b)
{
    assert_int_equal(a->nattr, b->nattr);
    assert_int_equal(a->npairs, b->npairs);
    int sorted = b->format_version >= 6;
    for (uint32_t k = 0; k < a->nattr; k++) {
        uint32_t j = model_attr_id(b, a->attr_hash[k]);
        assert_true(j != HTAB_NONE);
        if (!sorted)
            assert_int_equal(j, k);
        assert_true(b->attr_hash[j] == a->attr_hash[k]);
        if (sorted && k > 0)
            assert_true(b->attr_hash[k] > b->attr_hash[k - 1]);
        uint32_t n = a->attr_off[k + 1] - a->attr_off[k];
        assert_int_equal(b->attr_off[j + 1] - b->attr_off[j], n);
        assert_true(same_bits(a->pair_label + a->attr_off[k], b->pair_label + b->attr_off[j],
                              n * sizeof *a->pair_label));
        assert_true(same_bits(a->pair_w + a->attr_off[k], b->pair_w + b->attr_off[j],
                              n * sizeof *a->pair_w));
        if (a->name_off) {
            assert_non_null(b->name_off);
            assert_string_equal(a->names + a->name_off[k], b->names + b->name_off[j]);
        } else {
            assert_null(b->name_off);
        }
    }
}

/* Every field of a and b is equal (floats bit for bit; attributes as in
 * assert_same_attributes), and both extract the same features and state
 * scores from a sample sentence. */
static void assert_models_equal(const struct crftag_model *a, const struct crftag_model *b)
{
    assert_int_equal(a->feat.kind, b->feat.kind);
    assert_int_equal(a->feat.builtin_version, b->feat.builtin_version);
    assert_true(a->feat.seed == b->feat.seed);
    assert_int_equal(a->feat.ncols, b->feat.ncols);
    assert_int_equal(a->feat.ntemplates, b->feat.ntemplates);
    if (a->feat.template_text)
        assert_string_equal(a->feat.template_text, b->feat.template_text);
    else
        assert_null(b->feat.template_text);
    assert_same_lexicon(a->feat.lex, b->feat.lex);
    assert_same_lexicon(a->feat.ulex, b->feat.ulex);
    if (a->feat.cl) {
        const struct crftag_clusters *x = a->feat.cl, *y = b->feat.cl;
        assert_non_null(y);
        assert_int_equal(x->npaths, y->npaths);
        for (size_t p = 0; p < x->npaths; p++)
            assert_string_equal(cl_path(x, p), cl_path(y, p));
        assert_int_equal(x->nwords, y->nwords);
        for (size_t w = 0; w < x->nwords; w++) {
            assert_string_equal(cl_word(x, w), cl_word(y, w));
            assert_int_equal(x->word_path[w], y->word_path[w]);
        }
        assert_int_equal(x->flat, y->flat);
    } else {
        assert_null(b->feat.cl);
    }
    assert_int_equal(a->labels.n, b->labels.n);
    size_t L = a->labels.n;
    for (size_t i = 0; i < L; i++)
        assert_string_equal(a->labels.names[i], b->labels.names[i]);
    assert_int_equal(a->bio_constrained, b->bio_constrained);
    assert_int_equal(a->nattr, b->nattr);
    assert_int_equal(a->npairs, b->npairs);
    assert_same_attributes(a, b);
    assert_true(same_bits(a->trans, b->trans, L * L * sizeof *a->trans));
    assert_true(same_bits(a->allowed, b->allowed, L * L));
    assert_true(same_bits(a->allowed_start, b->allowed_start, L));
    assert_true(same_bits(&a->meta.c1, &b->meta.c1, sizeof(double)));
    assert_true(same_bits(&a->meta.c2, &b->meta.c2, sizeof(double)));
    assert_int_equal(a->meta.iterations, b->meta.iterations);
    assert_int_equal(a->meta.min_freq, b->meta.min_freq);
    assert_true(same_bits(&a->meta.train_seconds, &b->meta.train_seconds, sizeof(double)));
    assert_true(same_bits(&a->meta.final_objective, &b->meta.final_objective, sizeof(double)));
    assert_true(a->meta.train_sentences == b->meta.train_sentences);
    assert_true(a->meta.train_tokens == b->meta.train_tokens);
    assert_string_equal(a->meta.stop_reason, b->meta.stop_reason);
    assert_true(same_bits(a->meta.label_counts, b->meta.label_counts, L * sizeof(uint64_t)));
    if (a->label_bias) {
        assert_non_null(b->label_bias);
        assert_true(same_bits(a->label_bias, b->label_bias, L * sizeof(float)));
    } else {
        assert_null(b->label_bias);
    }

    /* tagging sees the same features and scores */
    const char *cols[] = { "Alice", "NNP", "in", "IN", "Wonderland", "NNP", "Bob", "NNP",
                           "mac", "NNP", "OS", "NNP", "X", "NNP", "rust", "NN" };
    struct feat_buf fa, fb;
    memset(&fa, 0, sizeof fa);
    memset(&fb, 0, sizeof fb);
    assert_int_equal(feat_extract(&a->feat, cols, 8, 2, &fa), CRFTAG_OK);
    assert_int_equal(feat_extract(&b->feat, cols, 8, 2, &fb), CRFTAG_OK);
    assert_int_equal(fa.start[8], fb.start[8]);
    assert_true(fa.start[8] > 0);
    assert_true(same_bits(fa.ids, fb.ids, fa.start[8] * sizeof *fa.ids));
    double *sa = calloc(L, sizeof *sa), *sb = calloc(L, sizeof *sb);
    assert_true(sa && sb);
    model_state_scores(a, a->attr_hash, a->nattr, sa);
    model_state_scores(b, a->attr_hash, a->nattr, sb);
    assert_true(same_bits(sa, sb, L * sizeof *sa));
    free(sa);
    free(sb);
    feat_buf_free(&fa);
    feat_buf_free(&fb);
}

static unsigned char *serialize(const struct crftag_model *m, size_t *len)
{
    unsigned char *buf;
    assert_int_equal(model_io_serialize(m, &buf, len, NULL), CRFTAG_OK);
    return buf;
}

static unsigned char *dup_bytes(const unsigned char *p, size_t n)
{
    unsigned char *d = malloc(n ? n : 1);
    assert_non_null(d);
    if (n)
        memcpy(d, p, n);
    return d;
}

/* Loads buf[0..n) from an exactly sized copy (so ASan sees any over-read)
 * and expects refusal with code want (0 = any error); returns the code.
 * Failures name the case `what` when it is not NULL. */
static enum crftag_status refuse_named(const char *what, const unsigned char *buf, size_t n,
                                       enum crftag_status want, const char *msg_part)
{
    const char *sep = what ? ": " : "";
    if (!what)
        what = "";
    unsigned char *copy = dup_bytes(buf, n);
    struct crftag_model *m = (struct crftag_model *)1;
    struct crftag_error err;
    enum crftag_status st = crftag_model_load_mem(copy, n, &m, &err);
    free(copy);
    if (st == CRFTAG_OK) {
        crftag_model_free(m);
        fail_msg("%s%sloaded", what, sep);
    }
    assert_null(m);
    assert_int_equal(err.code, st);
    assert_string_equal(err.file, "<memory>");
    assert_true(err.msg[0] != '\0');
    if (want && st != want)
        fail_msg("%s%sstatus %d, not %d: %s", what, sep, (int)st, (int)want, err.msg);
    if (msg_part && !strstr(err.msg, msg_part))
        fail_msg("%s%smessage \"%s\" lacks \"%s\"", what, sep, err.msg, msg_part);
    return st;
}

static enum crftag_status refuse(const unsigned char *buf, size_t n, enum crftag_status want,
                                 const char *msg_part)
{
    return refuse_named(NULL, buf, n, want, msg_part);
}

/* ---- the format, re-implemented from the spec ---- */

static uint32_t rd32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void wr32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static void wr64(unsigned char *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static uint64_t rd64(const unsigned char *p)
{
    return (uint64_t)rd32(p) | (uint64_t)rd32(p + 4) << 32;
}

static void fix_crc(unsigned char *file, size_t len)
{
    uLong c = crc32(0L, Z_NULL, 0);
    c = crc32(c, file, CRC_AT);
    c = crc32(c, file + HDR, (uInt)(len - HDR));
    wr32(file + CRC_AT, (uint32_t)c);
}

static unsigned char *unpack(const unsigned char *file, size_t len, size_t *plen)
{
    assert_true(len > HDR);
    uLongf n = (uLongf)rd64(file + 16);
    unsigned char *p = malloc(n);
    assert_non_null(p);
    assert_int_equal(uncompress(p, &n, file + HDR, (uLong)(len - HDR)), Z_OK);
    *plen = n;
    return p;
}

static unsigned char *pack(const unsigned char *payload, size_t plen, uint32_t version,
                           size_t *flen)
{
    uLongf clen = compressBound((uLong)plen);
    unsigned char *f = malloc(HDR + clen);
    assert_non_null(f);
    assert_int_equal(compress2(f + HDR, &clen, payload, (uLong)plen, 6), Z_OK);
    memcpy(f, "\x89" "CRFTAG\n", 8);
    wr32(f + 8, version);
    wr32(f + 12, 0);
    wr64(f + 16, plen);
    wr64(f + 24, clen);
    *flen = HDR + clen;
    fix_crc(f, *flen);
    return f;
}

/* Offsets of the payload fields (see docs/MODEL_FORMAT.md). */
struct layout {
    size_t kind, hv, ncols, tpl, lex, nent, entries, clu, nwords, words, ulex, unent, uentries, L, bio, names, nattr, hashes, counts, lw, plabels, wcode, weights, trans,
        meta, reason, lcounts, bias, anames, memory, end;
    /* the first lexicon entries, cluster words and user lexicon entries (0: none) */
    size_t ent[4], word[4], uent[4];
    uint32_t nl, na, np;
};

/* The layout of payload p[0..n) of format version `version` (5, 6 or the
 * current one): version 6 stores the attributes as byte planes (hash
 * differences, counts), then a label width byte, the labels, a weight code
 * (shift, width) and the weights; version 7 the hash version after the
 * seed (o->hv; 0 before version 7). */
static void walk_v(const unsigned char *p, size_t n, uint32_t version, struct layout *o)
{
    o->kind = 0;
    o->hv = version >= 7 ? 16 : 0;
    o->ncols = version >= 7 ? 20 : 16;
    o->tpl = o->ncols + 4;
    o->lex = o->tpl + 4 + rd32(p + o->tpl);
    size_t q = o->lex + 4;
    for (uint32_t t = 0; t < rd32(p + o->lex); t++)
        q += 4 + rd32(p + q);
    o->nent = q;
    q += 4;
    o->entries = q;
    memset(o->ent, 0, sizeof o->ent);
    for (uint32_t e = 0; e < rd32(p + o->nent); e++) {
        if (e < 4)
            o->ent[e] = q;
        unsigned ntok = p[q++];
        for (unsigned k = 0; k < ntok; k++)
            q += 4 + rd32(p + q);
        q += 2;
    }
    o->clu = q;                                  /* word clusters (version 3) */
    q += 4;
    for (uint32_t k = 0; k < rd32(p + o->clu); k++)
        q += 4 + rd32(p + q);
    o->nwords = q;
    q += 4;
    o->words = q;
    memset(o->word, 0, sizeof o->word);
    for (uint32_t k = 0; k < rd32(p + o->nwords); k++) {
        if (k < 4)
            o->word[k] = q;
        q += 4 + rd32(p + q) + 4;
    }
    o->ulex = q;                                 /* user lexicon (version 4) */
    q += 4;
    for (uint32_t t = 0; t < rd32(p + o->ulex); t++)
        q += 4 + rd32(p + q);
    o->unent = q;
    q += 4;
    o->uentries = q;
    memset(o->uent, 0, sizeof o->uent);
    for (uint32_t e = 0; e < rd32(p + o->unent); e++) {
        if (e < 4)
            o->uent[e] = q;
        unsigned ntok = p[q++];
        for (unsigned k = 0; k < ntok; k++)
            q += 4 + rd32(p + q);
        q += 1;
    }
    o->L = q;
    o->nl = rd32(p + o->L);
    o->bio = o->L + 4;
    o->names = o->bio + 1;
    q = o->names;
    for (uint32_t i = 0; i < o->nl; i++)
        q += 4 + rd32(p + q);
    o->nattr = q;
    o->na = rd32(p + q);
    o->np = rd32(p + q + 4);
    o->hashes = q + 8;
    o->counts = o->hashes + 8 * (size_t)o->na;
    if (version >= 6) {
        o->lw = o->counts + 4 * (size_t)o->na;
        o->plabels = o->lw + 1;
        o->wcode = o->plabels + p[o->lw] * (size_t)o->np;
        o->weights = o->wcode + 2;
        o->trans = o->weights + p[o->wcode + 1] * (size_t)o->np;
    } else {
        o->lw = o->wcode = 0;
        o->plabels = o->counts + 4 * (size_t)o->na;
        o->weights = o->plabels + 2 * (size_t)o->np;
        o->trans = o->weights + 4 * (size_t)o->np;
    }
    o->meta = o->trans + 4 * (size_t)o->nl * o->nl;
    o->reason = o->meta + 56;
    o->lcounts = o->reason + 4 + rd32(p + o->reason);
    o->bias = o->lcounts + 8 * (size_t)o->nl;      /* label bias (version 3) */
    o->anames = o->bias + 1 + (p[o->bias] ? 4 * (size_t)o->nl : 0);   /* (version 5) */
    o->end = o->anames + 1 + (p[o->anames] ? 4 : 0);
    for (uint32_t a = 0; p[o->anames] && a < o->na; a++)
        o->end += 4 + rd32(p + o->end);
    o->memory = o->end;                              /* document memory (version 8) */
    if (version >= 8)
        o->end += 8;
    assert_int_equal(o->end, n);
}

static void walk(const unsigned char *p, size_t n, struct layout *o)
{
    walk_v(p, n, CRFTAG_MODEL_FORMAT_VERSION, o);
}

/* The inflated payload of model m's file in format `version` (5 or the
 * current one; malloc'd), with its layout when o is not NULL. */
static unsigned char *payload_of_v(const struct crftag_model *m, uint32_t version, size_t *plen,
                                   struct layout *o)
{
    size_t len;
    unsigned char *buf;
    /* formats 5 and 6 store no hash version and are written for hash version 1
     * only: a model of version 2 is written as if it were of version 1 (the
     * layout is the same; the file's attributes then hash otherwise) */
    struct crftag_model *mm = (struct crftag_model *)m;
    uint32_t hv = m->feat.hash_version;
    if (version < 7) {
        assert_int_equal(model_io_serialize_version(m, version, &buf, &len, NULL),
                         hv == 1 ? CRFTAG_OK : CRFTAG_ERR_INVALID);
        if (hv != 1)
            mm->feat.hash_version = 1;
    }
    assert_int_equal(model_io_serialize_version(m, version, &buf, &len, NULL), CRFTAG_OK);
    mm->feat.hash_version = hv;
    assert_int_equal(rd32(buf + 8), version);
    unsigned char *p = unpack(buf, len, plen);
    free(buf);
    if (o)
        walk_v(p, *plen, version, o);
    return p;
}

static unsigned char *payload_of(const struct crftag_model *m, size_t *plen, struct layout *o)
{
    return payload_of_v(m, CRFTAG_MODEL_FORMAT_VERSION, plen, o);
}

/* Packs payload (the current version) and expects refusal. */
static void refuse_payload(const unsigned char *p, size_t n, enum crftag_status want,
                           const char *msg_part)
{
    size_t flen;
    unsigned char *f = pack(p, n, CRFTAG_MODEL_FORMAT_VERSION, &flen);
    refuse(f, flen, want, msg_part);
    free(f);
}

/* One corruption of a valid payload: `width` bytes at layout field `field`
 * + `at` become `value` (little-endian) or, when `bytes` is set, the first
 * `width` bytes of `bytes`; loading must fail with CRFTAG_ERR_MODEL_FORMAT and
 * a message containing `msg` (NULL: any).  `what` names the row in failures. */
struct corruption {
    const char *what;
    size_t field, at;
    unsigned width;
    uint64_t value;
    const char *bytes;
    const char *msg;
};

/* The same for a value stored in byte planes (format 6) of `stride` values
 * each: byte k of the value goes `stride` bytes after byte k - 1. */
struct plane_corruption {
    const char *what;
    size_t field, at, stride;
    unsigned width;
    uint64_t value;
    const char *msg;
};
#define AT(f) offsetof(struct layout, f)
#define BYTES(s) (unsigned)(sizeof (s) - 1), 0, s    /* width, value, bytes */
#define NROWS(t) (sizeof (t) / sizeof (t)[0])

/* Applies each of the n rows to a fresh copy of payload p[0..plen) (layout
 * o) and expects refusal; a row must change at least one byte. */
/* Applies one row (as a plane_corruption; stride 1 for contiguous bytes) to
 * q, a copy of p[0..plen), and expects refusal; q is p again after. */
static void refuse_one(const unsigned char *p, unsigned char *q, size_t plen,
                       const struct layout *o, const struct plane_corruption *c,
                       const char *bytes)
{
    size_t at;
    memcpy(&at, (const char *)o + c->field, sizeof at);
    at += c->at;
    if (c->width < 1 || c->width > 8 || c->stride < 1 || at + (c->width - 1) * c->stride >= plen)
        fail_msg("%s: %u bytes at %zu, payload %zu", c->what, c->width, at, plen);
    int changed = 0;
    for (unsigned k = 0; k < c->width; k++) {
        size_t b = at + k * c->stride;
        q[b] = bytes ? (unsigned char)bytes[k] : (unsigned char)(c->value >> (8 * k));
        changed |= q[b] != p[b];
    }
    if (!changed)
        fail_msg("%s: changes nothing", c->what);
    size_t flen;
    unsigned char *f = pack(q, plen, CRFTAG_MODEL_FORMAT_VERSION, &flen);
    refuse_named(c->what, f, flen, CRFTAG_ERR_MODEL_FORMAT, c->msg);
    free(f);
    memcpy(q, p, plen);
}

static void refuse_corruptions(const unsigned char *p, size_t plen, const struct layout *o,
                               const struct corruption *c, size_t n)
{
    unsigned char *q = dup_bytes(p, plen);
    for (size_t i = 0; i < n; i++, c++) {
        struct plane_corruption pc = { c->what, c->field, c->at, 1, c->width, c->value, c->msg };
        refuse_one(p, q, plen, o, &pc, c->bytes);
    }
    free(q);
}

static void refuse_plane_corruptions(const unsigned char *p, size_t plen,
                                     const struct layout *o, const struct plane_corruption *c,
                                     size_t n)
{
    unsigned char *q = dup_bytes(p, plen);
    for (size_t i = 0; i < n; i++, c++)
        refuse_one(p, q, plen, o, c, NULL);
    free(q);
}

/* ------------------------------------------------------------------------ */
/* Round trips                                                              */
/* ------------------------------------------------------------------------ */

static void roundtrip_mem(int use_template)
{
    struct crftag_model *m = build_model(use_template);
    size_t len;
    unsigned char *buf = serialize(m, &len);
    struct crftag_model *back = NULL;
    struct crftag_error err;
    assert_int_equal(crftag_model_load_mem(buf, len, &back, &err), CRFTAG_OK);
    assert_models_equal(m, back);

    /* deterministic: the loaded model serializes to the same bytes */
    size_t len2;
    unsigned char *buf2 = serialize(back, &len2);
    assert_int_equal(len, len2);
    assert_memory_equal(buf, buf2, len);

    /* the format as specified: our own walk of the payload agrees */
    assert_memory_equal(buf, "\x89" "CRFTAG\n", 8);
    assert_int_equal(rd32(buf + 8), CRFTAG_MODEL_FORMAT_VERSION);
    assert_int_equal(rd64(buf + 24), len - HDR);
    size_t plen;
    unsigned char *p = unpack(buf, len, &plen);
    struct layout o;
    walk(p, plen, &o);
    assert_int_equal(o.nl, NL);
    assert_int_equal(o.na, NATTR);
    assert_int_equal(o.np, m->npairs);
    assert_int_equal(rd32(p + o.kind), use_template ? FEAT_TEMPLATE : FEAT_BUILTIN);
    print_message("  %s model: %zu bytes (payload %zu)\n", use_template ? "template" : "builtin",
                  len, plen);
    free(p);
    free(buf);
    free(buf2);
    crftag_model_free(back);
    crftag_model_free(m);
}

static void test_roundtrip_mem_template(void **state)
{
    (void)state;
    roundtrip_mem(1);
}

static void test_roundtrip_mem_builtin(void **state)
{
    (void)state;
    roundtrip_mem(0);
}

/* Optional fields: no stop reason and no label counts load as NULL / zeros;
 * a model without attributes round-trips. */
static void test_roundtrip_sparse(void **state)
{
    (void)state;
    struct crftag_model *m = model_new();
    assert_int_equal(feat_config_builtin(&m->feat, 1), CRFTAG_OK);
    assert_int_equal(labels_add(&m->labels, "X"), 0);
    m->trans = util_calloc(1, sizeof *m->trans);
    assert_int_equal(model_finish(m, NULL), CRFTAG_OK);
    size_t len;
    unsigned char *buf = serialize(m, &len);
    struct crftag_model *back;
    assert_int_equal(crftag_model_load_mem(buf, len, &back, NULL), CRFTAG_OK);
    assert_int_equal(back->labels.n, 1);
    assert_int_equal(back->nattr, 0);
    assert_int_equal(back->npairs, 0);
    assert_null(back->meta.stop_reason);
    assert_int_equal(crftag_model_label_count(back, 0), 0);
    assert_int_equal(back->bio_constrained, 0);
    free(buf);
    crftag_model_free(back);
    crftag_model_free(m);
}

static char *path_in(const char *dir, const char *name)
{
    char *p = malloc(strlen(dir) + strlen(name) + 2);
    assert_non_null(p);
    sprintf(p, "%s/%s", dir, name);
    return p;
}

static int count_entries(const char *dir)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
    closedir(d);
    return n;
}

static void test_file_roundtrip_and_atomic_save(void **state)
{
    (void)state;
    char dir[] = "/tmp/crftag-test-model-io-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char *path = path_in(dir, "m.crftag");
    struct crftag_model *a = build_model(1), *b = build_model(0), *back;
    struct crftag_error err;

    assert_int_equal(crftag_model_save(a, path, &err), CRFTAG_OK);
    assert_int_equal(crftag_model_load(path, &back, &err), CRFTAG_OK);
    assert_models_equal(a, back);
    crftag_model_free(back);
    size_t flen, slen;
    unsigned char *fbytes = read_file(path, &flen), *sbytes = serialize(a, &slen);
    assert_int_equal(flen, slen);
    assert_memory_equal(fbytes, sbytes, flen);
    free(fbytes);
    free(sbytes);

    /* saving over an existing model replaces it */
    assert_int_equal(crftag_model_save(b, path, &err), CRFTAG_OK);
    assert_int_equal(crftag_model_load(path, &back, &err), CRFTAG_OK);
    assert_models_equal(b, back);
    crftag_model_free(back);
    unsigned char *before = read_file(path, &flen);

    /* failed saves leave the old file as it was and no temp files behind */
    char *nodir = path_in(dir, "missing/m.crftag");
    assert_int_equal(crftag_model_save(a, nodir, &err), CRFTAG_ERR_IO);
    assert_string_equal(err.file, nodir);
    char *sub = path_in(dir, "sub");
    assert_int_equal(mkdir(sub, 0700), 0);
    assert_int_not_equal(crftag_model_save(a, sub, &err), CRFTAG_OK);   /* rename onto a dir */
    a->pair_w[5] = NAN;
    assert_int_equal(crftag_model_save(a, path, &err), CRFTAG_ERR_INVALID);
    assert_string_equal(err.file, path);
    size_t alen;
    unsigned char *after = read_file(path, &alen);
    assert_int_equal(alen, flen);
    assert_memory_equal(before, after, flen);
    assert_int_equal(count_entries(dir), 2);   /* m.crftag and sub */

    /* loading: missing file, directory, oversized (sparse) file */
    char *missing = path_in(dir, "nope.crftag");
    back = (struct crftag_model *)1;
    assert_int_equal(crftag_model_load(missing, &back, &err), CRFTAG_ERR_IO);
    assert_null(back);
    assert_string_equal(err.file, missing);
    assert_int_equal(crftag_model_load(sub, &back, &err), CRFTAG_ERR_IO);
    char *big = path_in(dir, "big.crftag");
    int fd = open(big, O_CREAT | O_WRONLY | O_TRUNC, 0600);
    assert_true(fd >= 0);
    assert_int_equal(ftruncate(fd, (off_t)3 << 30), 0);
    close(fd);
    double t0 = util_now();
    assert_int_equal(crftag_model_load(big, &back, &err), CRFTAG_ERR_MODEL_FORMAT);
    assert_true(util_now() - t0 < 0.5);
    assert_non_null(strstr(err.msg, "too large"));
    assert_null(back);

    unlink(big);
    unlink(path);
    rmdir(sub);
    assert_int_equal(rmdir(dir), 0);
    free(before);
    free(after);
    free(missing);
    free(big);
    free(sub);
    free(nodir);
    free(path);
    crftag_model_free(a);
    crftag_model_free(b);
}

/* ------------------------------------------------------------------------ */
/* Corrupt files                                                            */
/* ------------------------------------------------------------------------ */

static void test_truncated_every_length(void **state)
{
    (void)state;
    struct crftag_model *m = build_model(1);
    size_t len;
    unsigned char *buf = serialize(m, &len);
    refuse(buf, 0, CRFTAG_ERR_MODEL_FORMAT, "truncated: 0 bytes, header needs 36");
    for (size_t n = 1; n < len; n++)
        refuse(buf, n, CRFTAG_ERR_MODEL_FORMAT, n < HDR ? "truncated" : NULL);
    struct crftag_model *out = (struct crftag_model *)1;
    assert_int_equal(crftag_model_load_mem(NULL, 0, &out, NULL), CRFTAG_ERR_MODEL_FORMAT);
    assert_null(out);
    free(buf);
    crftag_model_free(m);
}

static void test_every_bit_flip(void **state)
{
    (void)state;
    struct crftag_model *m = build_model(1);
    size_t len;
    unsigned char *buf = serialize(m, &len);
    size_t by_code[10] = { 0 };
    for (size_t i = 0; i < len; i++) {
        for (int bit = 0; bit < 8; bit++) {
            buf[i] ^= (unsigned char)(1u << bit);
            enum crftag_status st = refuse(buf, len, 0, NULL);
            buf[i] ^= (unsigned char)(1u << bit);
            by_code[-st]++;
            uint32_t v = i >= 8 && i < 12   /* the version the flip makes */
                             ? (uint32_t)CRFTAG_MODEL_FORMAT_VERSION ^ (1u << (8 * (i - 8) + bit))
                             : 0;
            if (i < 8)
                assert_int_equal(st, CRFTAG_ERR_MODEL_FORMAT);    /* magic */
            else if (i < 12)   /* 6 -> 2 or 4 is a version read too: then the CRC fails */
                assert_int_equal(st, v >= 2 && v <= CRFTAG_MODEL_FORMAT_VERSION
                                         ? CRFTAG_ERR_MODEL_CHECKSUM : CRFTAG_ERR_MODEL_VERSION);
            else if (i >= CRC_AT)
                assert_true(st == CRFTAG_ERR_MODEL_CHECKSUM);
        }
    }
    print_message("  %zu flips: %zu format, %zu version, %zu checksum\n", len * 8,
                  by_code[4], by_code[5], by_code[6]);
    free(buf);
    crftag_model_free(m);
}

static void test_bad_magic(void **state)
{
    (void)state;
    struct crftag_model *m = build_model(0);
    size_t len;
    unsigned char *buf = serialize(m, &len);
    buf[1] = 'c';
    fix_crc(buf, len);
    refuse(buf, len, CRFTAG_ERR_MODEL_FORMAT, "not a crftag model (bad magic)");
    const char text[] = "B-PER\tAlice\nO\tmet\n# this is a corpus, not a model\n";
    refuse((const unsigned char *)text, sizeof text, CRFTAG_ERR_MODEL_FORMAT, "bad magic");
    free(buf);
    crftag_model_free(m);
}

static void test_version(void **state)
{
    (void)state;
    struct crftag_model *m = build_model(1);
    size_t plen, flen;
    unsigned char *p = payload_of(m, &plen, NULL);
    unsigned char *f = pack(p, plen, CRFTAG_MODEL_FORMAT_VERSION + 1, &flen);
    refuse(f, flen, CRFTAG_ERR_MODEL_VERSION,
           "model format version 9, this crftag reads versions 2 to 8");
    free(f);
    f = pack(p, plen, 0, &flen);
    refuse(f, flen, CRFTAG_ERR_MODEL_VERSION, "model format version 0");
    free(f);
    f = pack(p, plen, 1, &flen);
    refuse(f, flen, CRFTAG_ERR_MODEL_VERSION, "model format version 1");
    free(f);
    /* a feature hash version other than 1 and 2 (format 7 on) */
    struct layout o;
    walk(p, plen, &o);
    assert_int_equal(rd32(p + o.hv), 2);               /* a new model: version 2 */
    static const uint32_t bad_hv[] = { 0, 3, UINT32_MAX };
    for (size_t k = 0; k < 3; k++) {
        wr32(p + o.hv, bad_hv[k]);
        f = pack(p, plen, CRFTAG_MODEL_FORMAT_VERSION, &flen);
        char msg[80];
        snprintf(msg, sizeof msg, "feature hash version %lu, this crftag reads versions 1 and 2",
                 (unsigned long)bad_hv[k]);
        refuse(f, flen, CRFTAG_ERR_MODEL_VERSION, msg);
        free(f);
    }
    wr32(p + o.hv, 1);                 /* version 1 is read (as a format 6 file would be) */
    f = pack(p, plen, CRFTAG_MODEL_FORMAT_VERSION, &flen);
    struct crftag_model *v1m;
    assert_int_equal(crftag_model_load_mem(f, flen, &v1m, NULL), CRFTAG_OK);
    assert_int_equal(v1m->feat.hash_version, 1);
    crftag_model_free(v1m);
    free(f);
    wr32(p + o.hv, 2);
    /* the re-packed file itself is fine at the right version */
    f = pack(p, plen, CRFTAG_MODEL_FORMAT_VERSION, &flen);
    struct crftag_model *back;
    assert_int_equal(crftag_model_load_mem(f, flen, &back, NULL), CRFTAG_OK);
    crftag_model_free(back);
    free(f);
    free(p);
    crftag_model_free(m);
}

/* Counts far beyond the payload (template model). */
static const struct corruption huge_counts[] = {
    { "labels UINT32_MAX", AT(L), 0, 4, UINT32_MAX, NULL, "labels" },
    { "labels 65535", AT(L), 0, 4, 65535, NULL, "label names" },
    { "labels 0", AT(L), 0, 4, 0, NULL, "0 labels" },
    { "attributes and pairs UINT32_MAX", AT(nattr), 0, 8, UINT64_MAX, NULL, "do not fit" },
    { "template length UINT32_MAX", AT(tpl), 0, 4, UINT32_MAX, NULL, "template" },
    { "stop reason length 100000", AT(reason), 0, 4, 100000, NULL, "stop reason" },
};

/* Counts far beyond the payload are refused before any allocation. */
static void test_huge_counts(void **state)
{
    (void)state;
    struct crftag_model *m = build_model(1);
    size_t len, plen;
    unsigned char *buf = serialize(m, &len);
    unsigned char *p = unpack(buf, len, &plen);
    struct layout o;
    walk(p, plen, &o);
    double t0 = util_now();
    refuse_corruptions(p, plen, &o, huge_counts, NROWS(huge_counts));
    /* header claiming a 2^62-byte payload, CRC valid */
    wr64(buf + 16, UINT64_C(1) << 62);
    fix_crc(buf, len);
    refuse(buf, len, CRFTAG_ERR_MODEL_FORMAT, "implausible");
    /* payload size smaller or larger than the stream inflates to */
    wr64(buf + 16, plen - 1);
    fix_crc(buf, len);
    refuse(buf, len, CRFTAG_ERR_MODEL_FORMAT, "decompression");
    wr64(buf + 16, plen + 1);
    fix_crc(buf, len);
    refuse(buf, len, CRFTAG_ERR_MODEL_FORMAT, "decompression");
    assert_true(util_now() - t0 < 1.0);
    free(p);
    free(buf);
    crftag_model_free(m);
}

/* One field changed in the template model's payload (weights stored as
 * f32: the model has -0, a subnormal and FLT_MAX among them).  Values per
 * attribute are byte planes of NATTR bytes each. */
static const struct corruption bad_fields[] = {
    { "NaN weight", AT(weights), 4 * 7, 4, 0x7fc00000u, NULL, "weight 7 is not finite" },
    { "-Inf transition", AT(trans), 4 * 3, 4, 0xff800000u, NULL,
      "transition weight 3 is not finite" },
    { "label id out of range", AT(plabels), 0, 1, NL, NULL, "label id 5" },
    { "label ids of 2 bytes", AT(lw), 0, 1, 2, NULL, "label ids of 2 bytes for 5 labels" },
    { "label ids of 0 bytes", AT(lw), 0, 1, 0, NULL, "label ids of 0 bytes" },
    { "f32 weights of 3 bytes", AT(wcode), 1, 1, 3, NULL, "weight code 255, 3 bytes" },
    { "weight shift 32", AT(wcode), 0, 1, 32, NULL, "weight code 32" },
    { "pair count -> 6", AT(counts), 3, 1, 6, NULL, "pair counts" },
    { "offsets overflow", AT(counts), 3 * NATTR, 1, 0x80, NULL, "pair counts" },

    /* names: "O" (5 bytes with its length), "B-PER" (9), "I-PER" text at +18 */
    { "I-PER -> B-PER", AT(names), 18, BYTES("B"), "duplicate label \"B-PER\"" },
    { "B\\0PER", AT(names), 10, 1, 0, NULL, "NUL" },
    { "bio 2", AT(bio), 0, 1, 2, NULL, "bio" },
    { "feature kind 4", AT(kind), 0, 4, 4, NULL, "feature kind" },
    { "feature kind 3 (attribute strings) with a template", AT(kind), 0, 4, 3, NULL,
      "attribute features with" },
    { "5 columns", AT(ncols), 0, 4, 5, NULL, "columns" },
    { "c1 = NaN", AT(meta), 0, 8, 0xfff8000000000000u, NULL, "metadata" },
};

/* Hash differences (8 planes of NATTR bytes) changed in the template
 * model's payload. */
static const struct plane_corruption bad_hashes[] = {
    { "hash difference 0", AT(hashes), 1, NATTR, 8, 0, "attribute 1: hash difference 0" },
    { "first hash 0", AT(hashes), 0, NATTR, 8, 0, "attribute 0: hash difference 0" },
    { "hash past 2^64", AT(hashes), NATTR - 1, NATTR, 8, UINT64_MAX, "past 2^64" },
    { "a count of 2^31", AT(counts), 5, NATTR, 4, UINT32_C(1) << 31, "pair counts exceed" },
};

/* One field changed in an otherwise valid payload (CRC recomputed). */
static void test_bad_fields(void **state)
{
    (void)state;
    struct crftag_model *m = build_model(1);
    size_t len, plen;
    unsigned char *buf = serialize(m, &len);
    unsigned char *p = unpack(buf, len, &plen);
    struct layout o;
    walk(p, plen, &o);
    assert_true(p[o.counts + 3] < 6);          /* 0..5 pairs an attribute */
    assert_int_equal(p[o.lw], 1);
    assert_int_equal(p[o.wcode], 255);
    assert_int_equal(p[o.wcode + 1], 4);
    assert_memory_equal(p + o.names + 18, "I-PER", 5);
    refuse_corruptions(p, plen, &o, bad_fields, NROWS(bad_fields));
    refuse_plane_corruptions(p, plen, &o, bad_hashes, NROWS(bad_hashes));

    /* version 5: a hash repeated */
    size_t plen5;
    struct layout o5;
    unsigned char *p5 = payload_of_v(m, 5, &plen5, &o5);
    memcpy(p5 + o5.hashes + 8, p5 + o5.hashes, 8);
    size_t flen5;
    unsigned char *f5 = pack(p5, plen5, 5, &flen5);
    refuse(f5, flen5, CRFTAG_ERR_MODEL_FORMAT, "duplicate attribute");
    free(f5);

    /* not one field: the template's first '[' */
    unsigned char *q = dup_bytes(p5, plen5);
    wr32(q + o5.kind, 3);                /* attribute strings: not before format version 5 */
    {
        size_t flen4;
        unsigned char *f4 = pack(q, plen5, 4, &flen4);
        refuse(f4, flen4, CRFTAG_ERR_MODEL_FORMAT, "feature kind 3");
        free(f4);
    }
    free(q);
    free(p5);
    q = dup_bytes(p, plen);
    char *bracket = memchr(q + o.tpl + 4, '[', rd32(q + o.tpl));
    assert_non_null(bracket);
    *bracket = '(';                                        /* template must re-parse */
    refuse_payload(q, plen, CRFTAG_ERR_MODEL_FORMAT, "stored template line 2");
    free(q);

    /* trailing bytes: inside the payload, after the zlib stream, after the file */
    q = malloc(plen + 3);
    memcpy(q, p, plen);
    memcpy(q + plen, "xyz", 3);
    refuse_payload(q, plen + 3, CRFTAG_ERR_MODEL_FORMAT, "3 unexpected bytes");
    free(q);
    unsigned char *f = malloc(len + 4);
    memcpy(f, buf, len);
    memcpy(f + len, "\0\0\0\0", 4);
    refuse(f, len + 4, CRFTAG_ERR_MODEL_FORMAT, "size mismatch");
    wr64(f + 24, len + 4 - HDR);
    fix_crc(f, len + 4);
    refuse(f, len + 4, CRFTAG_ERR_MODEL_FORMAT, "decompression");
    free(f);
    /* unknown flag with a valid CRC */
    wr32(buf + 12, 1);
    fix_crc(buf, len);
    refuse(buf, len, CRFTAG_ERR_MODEL_FORMAT, "flags");

    free(p);
    free(buf);
    crftag_model_free(m);
}

/* The payload parser on its own: every prefix of the payload and every bit
 * flip of it, re-packed with a valid CRC.  Prefixes must all be refused;
 * flips may load (a weight bit, a hash bit) but must never crash or leak. */
static void payload_fuzz(int use_template)
{
    struct crftag_model *m = build_model(use_template);
    size_t plen;
    unsigned char *p = payload_of(m, &plen, NULL);
    for (size_t n = 1; n < plen; n++)
        refuse_payload(p, n, CRFTAG_ERR_MODEL_FORMAT, NULL);
    size_t loaded = 0;
    for (size_t i = 0; i < plen; i++) {
        for (int bit = 0; bit < 8; bit++) {
            p[i] ^= (unsigned char)(1u << bit);
            size_t flen;
            unsigned char *f = pack(p, plen, CRFTAG_MODEL_FORMAT_VERSION, &flen);
            struct crftag_model *out = NULL;
            enum crftag_status st = crftag_model_load_mem(f, flen, &out, NULL);
            if (st == CRFTAG_OK) {
                loaded++;
                crftag_model_free(out);
            } else {
                assert_null(out);
            }
            free(f);
            p[i] ^= (unsigned char)(1u << bit);
        }
    }
    print_message("  payload %zu bytes: %zu of %zu flips still load\n", plen, loaded, plen * 8);
    free(p);
    crftag_model_free(m);
}

static void test_payload_fuzz(void **state)
{
    (void)state;
    payload_fuzz(1);
    payload_fuzz(0);    /* with a lexicon */
}

/* The lexicon block of the built-in model (types "PER", "ORG"; entry 0:
 * u8 1, str "Alice", u16 value; entry 1: 3 tokens). */
static const struct corruption lexicon_fields[] = {
    { "entry 0 value 0", AT(ent[0]), 10, 2, 0, NULL, "lexicon entry 0 has value 0" },
    { "entry 0 type 2 of 2", AT(ent[0]), 10, 2, LEXVAL(2, 0, 0), NULL,
      "lexicon entry 0 has value" },
    { "entry 0 of 0 tokens", AT(ent[0]), 0, 1, 0, NULL, "lexicon entry 0 has 0 tokens" },
    { "entry 1 of 9 tokens", AT(ent[1]), 0, 1, LEX_MAXTOK + 1, NULL,
      "lexicon entry 1 has 9 tokens" },
    { "type ORG -> PER", AT(lex), 15, BYTES("PER"), "lexicon type 1 repeats" },
    { "Alice -> Bob\\0\\0", AT(ent[0]), 5, BYTES("Bob\0\0"), "NUL" },   /* must stay NUL-free */
    { "UINT32_MAX entries", AT(nent), 0, 4, UINT32_MAX, NULL, "lexicon entries" },
    { "256 types", AT(lex), 0, 4, LEX_MAXTYPES + 1, NULL, "256 lexicon types" },
};

/* A template model may not carry a lexicon. */
static const struct corruption lexicon_template[] = {
    { "a type", AT(lex), 0, 4, 1, NULL, "with a template" },
};

/* The lexicon block: its values, counts and entries are checked. */
static void test_lexicon_fields(void **state)
{
    (void)state;
    struct crftag_model *m = build_model(0);
    size_t plen;
    struct layout o;
    unsigned char *p = payload_of(m, &plen, &o);
    /* types "PER", "ORG", then 3 entries */
    assert_int_equal(rd32(p + o.lex), 2);
    assert_memory_equal(p + o.lex + 8, "PER", 3);
    assert_int_equal(rd32(p + o.nent), 3);
    size_t e0 = o.entries;                       /* u8 1, str "Alice", u16 value */
    assert_int_equal(p[e0], 1);
    assert_int_equal(rd32(p + e0 + 1), 5);
    assert_memory_equal(p + e0 + 5, "Alice", 5);
    size_t v0 = e0 + 10, e1 = v0 + 2;
    assert_int_equal(p[v0] | (p[v0 + 1] << 8), lexval(0, 0, 2));
    assert_int_equal(p[e1], 3);
    assert_int_equal(o.ent[0], e0);
    assert_int_equal(o.ent[1], e1);
    assert_memory_equal(p + o.lex + 15, "ORG", 3);
    refuse_corruptions(p, plen, &o, lexicon_fields, NROWS(lexicon_fields));

    /* the third entry ("Bob") turned into a copy of the first ("Alice", in
     * another case: entries are compared with ASCII case folded) */
    size_t e2 = e1 + 1;
    for (int k = 0; k < 3; k++)
        e2 += 4 + rd32(p + e2);
    e2 += 2;
    assert_int_equal(p[e2], 1);
    assert_int_equal(rd32(p + e2 + 1), 3);
    size_t ql = plen + 2;
    unsigned char *q = malloc(ql);
    memcpy(q, p, e2 + 1);
    wr32(q + e2 + 1, 5);
    memcpy(q + e2 + 5, "aLiCE", 5);
    memcpy(q + e2 + 10, p + e2 + 8, plen - (e2 + 8));
    refuse_payload(q, ql, CRFTAG_ERR_MODEL_FORMAT, "lexicon entry 2 repeats");
    free(q);

    /* a template model may not carry a lexicon */
    struct crftag_model *t = build_model(1);
    size_t tplen;
    struct layout to;
    unsigned char *tp = payload_of(t, &tplen, &to);
    assert_int_equal(rd32(tp + to.lex), 0);
    assert_int_equal(rd32(tp + to.nent), 0);
    refuse_corruptions(tp, tplen, &to, lexicon_template, NROWS(lexicon_template));
    free(tp);
    crftag_model_free(t);

    free(p);
    crftag_model_free(m);
}

/* Loads payload p[0..n) packed as the current format; returns the model. */
static struct crftag_model *load_payload(const unsigned char *p, size_t n)
{
    size_t flen;
    unsigned char *f = pack(p, n, CRFTAG_MODEL_FORMAT_VERSION, &flen);
    struct crftag_model *m = NULL;
    struct crftag_error err;
    enum crftag_status st = crftag_model_load_mem(f, flen, &m, &err);
    free(f);
    if (st != CRFTAG_OK)
        fail_msg("load: %s", err.msg);
    return m;
}

/* The built-in feature set version: 2, 3 and 4 load, each with its own
 * lexicon folding (3 and 4 fold a plural 's': an entry "Alices" next to
 * "Alice" repeats it there, not in 2); others are refused. */
static void test_builtin_versions(void **state)
{
    (void)state;
    struct crftag_model *m = build_model(0);
    assert_int_equal(m->feat.builtin_version, FEAT_BUILTIN_VERSION);
    assert_int_equal(FEAT_BUILTIN_VERSION, 4);
    size_t plen;
    struct layout o;
    unsigned char *p = payload_of(m, &plen, &o);
    assert_int_equal(rd32(p + o.kind + 4), 4);
    unsigned char *q = dup_bytes(p, plen);
    const char *alice[] = { "Alice" }, *alices[] = { "ALICES" };
    uint16_t v;
    unsigned char pos;
    size_t n3 = 0;
    for (uint32_t ver = 2; ver <= 4; ver++) {
        wr32(q + o.kind + 4, ver);
        struct crftag_model *b = load_payload(q, plen);
        assert_int_equal(b->feat.builtin_version, ver);
        assert_int_equal(b->feat.lex->fold, ver >= 3 ? LEX_FOLD_PLURAL : 0);
        assert_int_equal(feat_lex_fold(&b->feat), b->feat.lex->fold);
        lex_match(b->feat.lex, 0, alice, 1, 1, &v, &pos);
        assert_int_equal(v, lexval(0, 0, 2));
        lex_match(b->feat.lex, 0, alices, 1, 1, &v, &pos);
        assert_int_equal(v, ver >= 3 ? lexval(0, 0, 2) : 0);
        /* the model extracts its version's attributes: those of a fresh
         * configuration of that version given the model's lexicon and
         * clusters; version 4 has lw(-2) and lw(+2) more */
        const char *sent[] = { "we", "saw", "it", "with", "Alice" };
        struct feat_config fresh;
        assert_int_equal(feat_config_builtin_hv(&fresh, b->feat.seed, ver, b->feat.hash_version),
                         CRFTAG_OK);
        fresh.lex = b->feat.lex;           /* borrowed, given back below */
        fresh.cl = b->feat.cl;
        fresh.clid = b->feat.clid;
        fresh.clnum = b->feat.clnum;
        struct feat_buf fb, fb2;
        memset(&fb, 0, sizeof fb);
        memset(&fb2, 0, sizeof fb2);
        assert_int_equal(feat_extract(&b->feat, sent, 5, 1, &fb), CRFTAG_OK);
        assert_int_equal(feat_extract(&fresh, sent, 5, 1, &fb2), CRFTAG_OK);
        assert_int_equal(fb.start[3] - fb.start[2], fb2.start[3] - fb2.start[2]);
        assert_memory_equal(fb.ids + fb.start[2], fb2.ids + fb2.start[2],
                            (fb.start[3] - fb.start[2]) * sizeof *fb.ids);
        if (ver == 3)
            n3 = fb.start[3] - fb.start[2];
        if (ver == 4)
            assert_int_equal(fb.start[3] - fb.start[2], n3 + 2);
        feat_buf_free(&fb);
        feat_buf_free(&fb2);
        fresh.lex = NULL;
        fresh.cl = NULL;
        fresh.clid = NULL;
        fresh.clnum = NULL;
        feat_config_free(&fresh);
        crftag_model_free(b);
    }
    for (uint32_t ver = 0; ver <= 6; ver++) {
        if (ver >= 2 && ver <= 4)
            continue;
        wr32(q + o.kind + 4, ver);
        char msg[64];
        snprintf(msg, sizeof msg, "feature set version %u, this crftag reads versions 2 to 4",
                 (unsigned)ver);
        refuse_payload(q, plen, CRFTAG_ERR_MODEL_VERSION, msg);
    }
    free(q);

    /* the third entry ("Bob") turned into "Alices": a repeat of "Alice" in
     * version 3, a new entry in version 2 */
    size_t e2 = o.entries + 13;          /* after the first entry, the ntok of the second */
    for (int k = 0; k < 3; k++)
        e2 += 4 + rd32(p + e2);
    e2 += 2;
    assert_int_equal(p[e2], 1);
    assert_int_equal(rd32(p + e2 + 1), 3);
    size_t ql = plen + 3;
    q = malloc(ql);
    memcpy(q, p, e2 + 1);
    wr32(q + e2 + 1, 6);
    memcpy(q + e2 + 5, "Alices", 6);
    memcpy(q + e2 + 11, p + e2 + 8, plen - (e2 + 8));
    refuse_payload(q, ql, CRFTAG_ERR_MODEL_FORMAT, "lexicon entry 2 repeats");
    wr32(q + o.kind + 4, 2);
    struct crftag_model *b = load_payload(q, ql);
    assert_int_equal(b->feat.lex->nent, 3);
    lex_match(b->feat.lex, 0, alices, 1, 1, &v, &pos);
    assert_int_equal(v, lexval(0, 2, 2));         /* the third entry's value */
    crftag_model_free(b);
    free(q);
    free(p);
    crftag_model_free(m);
}

/* The word-cluster block and the label bias of the built-in model (paths
 * "0110", "0111", ...; word 1 is "Bob", path 1; bias flag 1, 5 floats). */
static const struct corruption cluster_fields[] = {
    { "path 0110 -> x110", AT(clu), 8, BYTES("x"), "cluster path 0" },
    { "path 0111 -> 0110: repeated", AT(clu), 16, BYTES("0110"), "cluster path 1" },
    { "word 1 in path 4 of 4", AT(word[1]), 7, 4, 4, NULL, "cluster word 1" },
    { "UINT32_MAX words", AT(nwords), 0, 4, UINT32_MAX, NULL, "the cluster words" },
    { "UINT32_MAX paths", AT(clu), 0, 4, UINT32_MAX, NULL, "the cluster paths" },
    { "no words", AT(nwords), 0, 4, 0, NULL, "clusters without words" },
    { "a path of 65 digits", AT(clu), 4, 4, 65, NULL, "a cluster path has 65 bytes" },
    { "bias flag 2", AT(bias), 0, 1, 2, NULL, "label bias flag 2" },
    { "NaN bias", AT(bias), 1 + 4 * 2, 4, 0x7fc00000u, NULL, "label bias 2 is not finite" },
    /* the 20 bytes then read as the names flag, the memory's window and flags */
    { "no bias, then 20 stray bytes", AT(bias), 0, 1, 0, NULL, "document memory flags" },
};

/* A template model may carry no clusters. */
static const struct corruption cluster_template[] = {
    { "a path", AT(clu), 0, 4, 1, NULL, "with a template" },
    { "a word", AT(nwords), 0, 4, 1, NULL, "cluster words without clusters" },
};

/* The word-cluster block: version 2 files have none; every field checked. */
static void test_cluster_fields(void **state)
{
    (void)state;
    struct crftag_model *m = build_model(0);
    size_t plen;
    struct layout o;
    unsigned char *p = payload_of(m, &plen, &o);
    /* paths in order of first use, then the words with their path index */
    assert_int_equal(rd32(p + o.clu), 4);
    assert_int_equal(rd32(p + o.clu + 4), 4);
    assert_memory_equal(p + o.clu + 8, "0110", 4);
    assert_int_equal(rd32(p + o.nwords), 5);
    size_t w0 = o.words;                          /* str "Alice", u32 0 */
    assert_int_equal(rd32(p + w0), 5);
    assert_memory_equal(p + w0 + 4, "Alice", 5);
    assert_int_equal(rd32(p + w0 + 9), 0);
    size_t w1 = w0 + 13;                          /* "Bob", path 1 */
    assert_memory_equal(p + w1 + 4, "Bob", 3);
    assert_int_equal(rd32(p + w1 + 7), 1);

    /* a version 2 file: the same payload (attributes as in version 5) without
     * the clusters and the label bias loads without them */
    size_t plen5;
    struct layout o5;
    unsigned char *p5 = payload_of_v(m, 5, &plen5, &o5);
    size_t l2 = plen5 - (o5.L - o5.clu) - (o5.end - o5.bias);
    unsigned char *q = malloc(l2);
    memcpy(q, p5, o5.clu);
    memcpy(q + o5.clu, p5 + o5.L, o5.bias - o5.L);
    free(p5);
    size_t flen;
    unsigned char *f = pack(q, l2, 2, &flen);
    struct crftag_model *v2;
    assert_int_equal(crftag_model_load_mem(f, flen, &v2, NULL), CRFTAG_OK);
    assert_null(v2->feat.cl);
    assert_null(v2->label_bias);
    assert_true(crftag_model_label_bias(v2, 1) == 0.0);
    assert_true(crftag_model_label_bias(m, 1) == 1.5);
    assert_true(crftag_model_label_bias(m, 2) == -0.25);
    assert_true(crftag_model_label_bias(m, NL) == 0.0);
    struct crftag_model_info info;
    crftag_model_get_info(v2, &info);
    assert_int_equal(info.num_clusters, 0);
    assert_int_equal(info.format_version, 2);
    crftag_model_get_info(m, &info);
    assert_int_equal(info.format_version, CRFTAG_MODEL_FORMAT_VERSION);
    assert_int_equal(info.num_clusters, 4);
    assert_int_equal(info.num_cluster_words, 5);
    crftag_model_free(v2);
    free(f);
    /* ... but not as version 3 */
    refuse_payload(q, l2, CRFTAG_ERR_MODEL_FORMAT, NULL);
    free(q);

    assert_int_equal(o.word[1], w1);
    assert_int_equal(p[o.bias], 1);
    refuse_corruptions(p, plen, &o, cluster_fields, NROWS(cluster_fields));
    q = dup_bytes(p, plen);
    memcpy(q + w1 + 4, "Ali", 3);                 /* fine: another word */
    memcpy(q + w0 + 4, "Ali	x", 5);              /* a TAB in a word */
    refuse_payload(q, plen, CRFTAG_ERR_MODEL_FORMAT, "cluster word 0");
    free(q);
    /* the label bias cut short; none at all loads */
    refuse_payload(p, o.anames - 1, CRFTAG_ERR_MODEL_FORMAT, "label bias");
    refuse_payload(p, o.bias, CRFTAG_ERR_MODEL_FORMAT, "label bias");
    q = dup_bytes(p, plen);                       /* plen >= o.bias + 10: the memory follows */
    q[o.bias] = 0;
    q[o.bias + 1] = 0;                            /* nor names (version 5) */
    wr32(q + o.bias + 2, 0);                      /* nor memory (version 8) */
    wr32(q + o.bias + 6, 0);
    size_t fl0;
    unsigned char *f0 = pack(q, o.bias + 10, CRFTAG_MODEL_FORMAT_VERSION, &fl0);
    struct crftag_model *nb;
    assert_int_equal(crftag_model_load_mem(f0, fl0, &nb, NULL), CRFTAG_OK);
    assert_null(nb->label_bias);
    crftag_model_free(nb);
    free(f0);
    free(q);
    /* the block cut short anywhere: refused */
    for (size_t cut = o.clu; cut < o.L; cut++) {
        size_t lc = plen - (o.L - cut);
        q = malloc(lc);
        memcpy(q, p, cut);
        memcpy(q + cut, p + o.L, plen - o.L);
        refuse_payload(q, lc, CRFTAG_ERR_MODEL_FORMAT, NULL);
        free(q);
    }

    /* a template model may not carry clusters */
    struct crftag_model *t = build_model(1);
    size_t tplen;
    struct layout to;
    unsigned char *tp = payload_of(t, &tplen, &to);
    assert_int_equal(rd32(tp + to.clu), 0);
    assert_int_equal(rd32(tp + to.nwords), 0);
    refuse_corruptions(tp, tplen, &to, cluster_template, NROWS(cluster_template));
    free(tp);
    crftag_model_free(t);
    free(p);
    crftag_model_free(m);
}

/* The user lexicon block of the built-in model (types "Language",
 * "Software"; entry 2: u8 1, str "Rust", u8 type 0; entry 3 "Ruby"). */
static const struct corruption user_lexicon_fields[] = {
    { "entry 2 type 2 of 2", AT(uent[2]), 9, 1, 2, NULL,
      "user lexicon entry 2 has type 2 of 2" },
    { "Ruby -> RUST: repeated", AT(uent[3]), 5, BYTES("RUST"), "user lexicon entry 3 repeats" },
    { "type Software -> Language", AT(ulex), 8 + 12, BYTES("Language"),
      "user lexicon type 1 repeats" },
    { "entry 2 of 0 tokens", AT(uent[2]), 0, 1, 0, NULL, "user lexicon entry 2 has 0 tokens" },
    { "entry 2 of 9 tokens", AT(uent[2]), 0, 1, LEX_MAXTOK + 1, NULL,
      "user lexicon entry 2 has 9 tokens" },
    { "NUL inside a token", AT(uent[2]), 5, 1, 0, NULL, "NUL byte inside a user lexicon token" },
    { "256 types", AT(ulex), 0, 4, LEX_MAXTYPES + 1, NULL, "256 user lexicon types" },
    { "200 types", AT(ulex), 0, 4, 200, NULL, "user lexicon" },
    { "UINT32_MAX entries", AT(unent), 0, 4, UINT32_MAX, NULL, "the user lexicon entries" },
    { "no entries", AT(unent), 0, 4, 0, NULL, "user lexicon types without entries" },
    { "an empty type name", AT(ulex), 4, 4, 0, NULL, NULL },
};

/* A template model may not carry a user lexicon. */
static const struct corruption user_lexicon_template[] = {
    { "a type", AT(ulex), 0, 4, 1, NULL, "user lexicon types with a template" },
    { "an entry", AT(unent), 0, 4, 1, NULL, "1 user lexicon entries without types" },
};

/* The user lexicon block (version 4): layout, version 3 files without it,
 * every field checked, cut short anywhere. */
static void test_user_lexicon_fields(void **state)
{
    (void)state;
    struct crftag_model *m = build_model(0);
    size_t plen;
    struct layout o;
    unsigned char *p = payload_of(m, &plen, &o);
    assert_int_equal(rd32(p + o.ulex), 2);                 /* types */
    assert_int_equal(rd32(p + o.ulex + 4), 8);
    assert_memory_equal(p + o.ulex + 8, "Language", 8);
    assert_int_equal(rd32(p + o.unent), 4);                /* entries */
    size_t e0 = o.uentries;                                /* 1, "GNU/Linux", type 1 */
    assert_int_equal(p[e0], 1);
    assert_int_equal(rd32(p + e0 + 1), 9);
    assert_memory_equal(p + e0 + 5, "GNU/Linux", 9);
    assert_int_equal(p[e0 + 14], 1);
    size_t e1 = e0 + 15;                                   /* 3, Mac, OS, X, type 1 */
    assert_int_equal(p[e1], 3);
    size_t e2 = e1 + 1 + 7 + 6 + 5 + 1;                    /* 1, "Rust", type 0 */
    assert_memory_equal(p + e2 + 5, "Rust", 4);
    assert_int_equal(p[e2 + 9], 0);
    size_t e3 = e2 + 10;                                   /* 1, "Ruby", type 0 */
    assert_memory_equal(p + e3 + 5, "Ruby", 4);
    assert_int_equal(e3 + 10, o.L);

    struct crftag_model_info info;
    crftag_model_get_info(m, &info);
    assert_int_equal(info.num_user_lexicon_entries, 4);
    assert_int_equal(info.num_user_lexicon_types, 2);
    size_t ne = 99;
    assert_string_equal(crftag_model_user_lexicon_type(m, 0, &ne), "Language");
    assert_int_equal(ne, 2);
    assert_string_equal(crftag_model_user_lexicon_type(m, 1, NULL), "Software");
    assert_null(crftag_model_user_lexicon_type(m, 2, &ne));
    assert_int_equal(ne, 0);

    /* a version 3 file: the payload (attributes as in version 5) without the
     * block loads without a user lexicon, and its features are those of the
     * model without one; as version 4 the same bytes are refused */
    size_t plen5;
    struct layout o5;
    unsigned char *p5 = payload_of_v(m, 5, &plen5, &o5);
    size_t l3 = o5.anames - (o5.L - o5.ulex);
    unsigned char *q = malloc(l3);
    memcpy(q, p5, o5.ulex);
    memcpy(q + o5.ulex, p5 + o5.L, o5.anames - o5.L);
    size_t flen;
    /* both files of hash version 1 (formats 3 and 5 store none): m as a
     * version 5 file is the model with the user lexicon to compare with */
    unsigned char *f = pack(p5, plen5, 5, &flen);
    struct crftag_model *m5;
    assert_int_equal(crftag_model_load_mem(f, flen, &m5, NULL), CRFTAG_OK);
    assert_int_equal(m5->feat.hash_version, 1);
    free(f);
    free(p5);
    f = pack(q, l3, 3, &flen);
    struct crftag_model *v3;
    assert_int_equal(crftag_model_load_mem(f, flen, &v3, NULL), CRFTAG_OK);
    assert_null(v3->feat.ulex);
    assert_non_null(v3->feat.cl);
    assert_non_null(v3->label_bias);
    crftag_model_get_info(v3, &info);
    assert_int_equal(info.format_version, 3);
    assert_int_equal(info.num_user_lexicon_entries, 0);
    assert_null(crftag_model_user_lexicon_type(v3, 0, NULL));
    const char *toks[] = { "Ruby", "on", "GNU/Linux", "and", "Mac", "OS", "X" };
    uint64_t fv3[128], fv4[128];
    struct lexicon *keep = m5->feat.ulex;
    for (size_t i = 0; i < 7; i++) {
        size_t n4 = feats_of(&m5->feat, toks, 7, i, fv4);
        size_t n3 = feats_of(&v3->feat, toks, 7, i, fv3);
        assert_int_equal(n4, n3 + (i == 1 || i == 3 ? 0 : 2));   /* "on", "and": no match */
        assert_memory_equal(fv3, fv4, n3 * sizeof *fv3);          /* appended at the end */
        m5->feat.ulex = NULL;                                     /* m without it = v3 */
        assert_int_equal(feats_of(&m5->feat, toks, 7, i, fv4), n3);
        assert_memory_equal(fv3, fv4, n3 * sizeof *fv3);
        m5->feat.ulex = keep;
    }
    crftag_model_free(m5);
    crftag_model_free(v3);
    free(f);
    refuse_payload(q, l3, CRFTAG_ERR_MODEL_FORMAT, NULL);
    free(q);

    assert_int_equal(o.uent[2], e2);
    assert_int_equal(o.uent[3], e3);
    assert_memory_equal(p + o.ulex + 8 + 12, "Software", 8);
    refuse_corruptions(p, plen, &o, user_lexicon_fields, NROWS(user_lexicon_fields));
    /* an empty token (its length 0, the 9 bytes then misread): refused */
    q = malloc(plen - 9);
    memcpy(q, p, e0 + 1);
    wr32(q + e0 + 1, 0);
    memcpy(q + e0 + 5, p + e0 + 14, plen - e0 - 14);
    refuse_payload(q, plen - 9, CRFTAG_ERR_MODEL_FORMAT, "user lexicon entry 0 has an empty token");
    free(q);
    /* the block cut short anywhere: refused */
    for (size_t cut = o.ulex; cut < o.L; cut++) {
        size_t lc = plen - (o.L - cut);
        q = malloc(lc);
        memcpy(q, p, cut);
        memcpy(q + cut, p + o.L, plen - o.L);
        refuse_payload(q, lc, CRFTAG_ERR_MODEL_FORMAT, NULL);
        free(q);
    }
    /* every byte of the block flipped: refused or loaded, never a crash */
    for (size_t at = o.ulex; at < o.L; at++) {
        q = dup_bytes(p, plen);
        q[at] ^= 0x41;
        size_t fl;
        unsigned char *ff = pack(q, plen, CRFTAG_MODEL_FORMAT_VERSION, &fl);
        struct crftag_model *x = NULL;
        enum crftag_status st = crftag_model_load_mem(ff, fl, &x, NULL);
        assert_true(st == CRFTAG_OK ? x != NULL : x == NULL);
        crftag_model_free(x);
        free(ff);
        free(q);
    }

    /* a template model may not carry a user lexicon */
    struct crftag_model *t = build_model(1);
    size_t tplen;
    struct layout to;
    unsigned char *tp = payload_of(t, &tplen, &to);
    assert_int_equal(rd32(tp + to.ulex), 0);
    assert_int_equal(rd32(tp + to.unent), 0);
    refuse_corruptions(tp, tplen, &to, user_lexicon_template, NROWS(user_lexicon_template));
    free(tp);
    crftag_model_free(t);
    free(p);
    crftag_model_free(m);
}

/* The document memory (version 8): the window round trip, refused past
 * 1000 or cut short, none in a version 7 file. */
static void test_memory_field(void **state)
{
    (void)state;
    struct crftag_model *m = build_model(0);
    m->mem.window = 10;
    m->mem.flags = CRFTAG_MEMORY_ABBREV;
    size_t plen, flen;
    struct layout o;
    unsigned char *p = payload_of(m, &plen, &o);
    assert_int_equal(o.memory + 8, plen);
    assert_int_equal(rd32(p + o.memory), 10);
    assert_int_equal(rd32(p + o.memory + 4), CRFTAG_MEMORY_ABBREV);
    struct crftag_model *b = load_payload(p, plen);
    assert_int_equal(crftag_model_memory(b), 10);
    assert_int_equal(crftag_model_memory_flags(b), CRFTAG_MEMORY_ABBREV);
    crftag_model_free(b);
    unsigned char *q = dup_bytes(p, plen);
    wr32(q + o.memory, 1000);
    wr32(q + o.memory + 4, 0);
    b = load_payload(q, plen);
    assert_int_equal(crftag_model_memory(b), 1000);
    assert_int_equal(crftag_model_memory_flags(b), 0);
    crftag_model_free(b);
    wr32(q + o.memory, 1001);
    refuse_payload(q, plen, CRFTAG_ERR_MODEL_FORMAT, "document memory of 1001 sentences");
    wr32(q + o.memory, 10);
    wr32(q + o.memory + 4, 2);
    refuse_payload(q, plen, CRFTAG_ERR_MODEL_FORMAT, "document memory flags 0x2");
    free(q);
    for (size_t cut = o.memory; cut < plen; cut++)
        refuse_payload(p, cut, CRFTAG_ERR_MODEL_FORMAT, "payload ends");
    free(p);
    /* version 7: no field, no memory */
    size_t plen7;
    struct layout o7;
    unsigned char *p7 = payload_of_v(m, 7, &plen7, &o7);
    assert_int_equal(o7.end, plen7);
    assert_int_equal(plen7 + 8, plen);
    unsigned char *f = pack(p7, plen7, 7, &flen);
    assert_int_equal(crftag_model_load_mem(f, flen, &b, NULL), CRFTAG_OK);
    assert_int_equal(crftag_model_memory(b), 0);
    crftag_model_free(b);
    free(f);
    free(p7);
    crftag_model_free(m);
}

/* The attribute names block (version 5): round trip, every field checked,
 * and a version 4 file (no block) loads without names. */
static void test_names_block(void **state)
{
    (void)state;
    struct crftag_model *m = build_model(0);
    size_t plen, flen;
    struct layout o;
    unsigned char *p = payload_of(m, &plen, &o);
    assert_int_equal(p[o.anames], 0);                      /* no names: one byte */
    assert_int_equal(o.anames + 1 + 8, plen);              /* then the memory */
    free(p);
    m->names = util_malloc(NATTR * 8, 1);
    m->name_off = util_malloc(NATTR, sizeof *m->name_off);
    for (uint32_t a = 0; a < NATTR; a++) {
        m->name_off[a] = m->names_len;
        m->names_len += (size_t)sprintf(m->names + m->names_len, "w[0]=%u", a) + 1;
    }
    p = payload_of(m, &plen, &o);
    struct crftag_model *b = load_payload(p, plen);
    assert_true(crftag_model_has_names(b) && !crftag_model_has_names(NULL));
    uint64_t h;
    size_t nw;
    uint32_t b39 = model_attr_id(b, m->attr_hash[39]);  /* b's attributes: hash order */
    assert_true(b39 != HTAB_NONE);
    assert_string_equal(crftag_model_attribute(b, b39, &h, &nw), "w[0]=39");
    assert_true(h == m->attr_hash[39] && nw == 39 % 6);
    assert_null(crftag_model_attribute(b, NATTR, &h, &nw));
    for (uint32_t a = 0; a < NATTR; a++)
        assert_string_equal(crftag_model_attribute(b, model_attr_id(b, m->attr_hash[a]), NULL,
                                                   NULL),
                            m->names + m->name_off[a]);
    size_t l1, l2;                                          /* saved again: same bytes */
    unsigned char *s1 = serialize(m, &l1), *s2 = serialize(b, &l2);
    assert_int_equal(l1, l2);
    assert_memory_equal(s1, s2, l1);
    free(s1);
    free(s2);
    crftag_model_free(b);
    uint32_t n0 = rd32(p + o.anames + 5);                 /* the first name's length */
    assert_true(n0 == 6 || n0 == 7);                        /* w[0]=N, N < 40 */
    const struct { size_t at; uint32_t v; int u8; const char *msg; } bad[] = {
        { 0, 2, 1, "attribute names flag 2" },
        { 1, NATTR - 1, 0, "39 attribute names for 40 attributes" },
        { 5, 0, 0, "the name of attribute 0 has 0 bytes" },
        { 5, 4097, 0, "the name of attribute 0 has 4097 bytes" },
        { 5, 100000, 0, "the name of attribute 0 has 100000 bytes" },
        { 5 + 4 + 2, 0, 1, "NUL byte inside the name of attribute 0" },
        { 5, n0 + 1, 0, "the name of attribute 1 has" },          /* eats the next length */
    };
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        unsigned char *q = dup_bytes(p, plen);
        if (bad[k].u8)
            q[o.anames + bad[k].at] = (unsigned char)bad[k].v;
        else
            wr32(q + o.anames + bad[k].at, bad[k].v);
        refuse_payload(q, plen, CRFTAG_ERR_MODEL_FORMAT, bad[k].msg);
        free(q);
    }
    for (size_t cut = o.anames; cut < plen; cut++)         /* cut short anywhere */
        refuse_payload(p, cut, CRFTAG_ERR_MODEL_FORMAT, "payload ends");
    unsigned char *q = malloc(plen + 1);                   /* a stray byte after */
    memcpy(q, p, plen);
    q[plen] = 0;
    refuse_payload(q, plen + 1, CRFTAG_ERR_MODEL_FORMAT, "unexpected bytes");
    free(q);
    /* version 4: no block (attributes as in version 5, in the model's order) */
    size_t plen5;
    struct layout o5;
    unsigned char *p5 = payload_of_v(m, 5, &plen5, &o5);
    unsigned char *f = pack(p5, o5.anames, 4, &flen);
    assert_int_equal(crftag_model_load_mem(f, flen, &b, NULL), CRFTAG_OK);
    assert_false(crftag_model_has_names(b));
    assert_null(crftag_model_attribute(b, 0, &h, NULL));
    assert_true(h == m->attr_hash[0]);
    crftag_model_free(b);
    free(f);
    /* version 5: the names in the model's order */
    f = pack(p5, plen5, 5, &flen);
    assert_int_equal(crftag_model_load_mem(f, flen, &b, NULL), CRFTAG_OK);
    for (uint32_t a = 0; a < NATTR; a++)
        assert_string_equal(crftag_model_attribute(b, a, NULL, NULL), m->names + m->name_off[a]);
    crftag_model_free(b);
    free(f);
    free(p5);
    free(p);
    crftag_model_free(m);
}

static void test_save_refuses_invalid(void **state)
{
    (void)state;
    struct crftag_model *m = build_model(1);
    unsigned char *buf = (unsigned char *)1;
    size_t len = 1;
    m->trans[0] = INFINITY;
    assert_int_equal(model_io_serialize(m, &buf, &len, NULL), CRFTAG_ERR_INVALID);
    assert_null(buf);
    assert_int_equal(len, 0);
    m->trans[0] = 0;
    m->pair_label[0] = NL;
    assert_int_equal(model_io_serialize(m, &buf, &len, NULL), CRFTAG_ERR_INVALID);
    m->pair_label[0] = 0;
    m->attr_off[NATTR] -= 1;
    assert_int_equal(model_io_serialize(m, &buf, &len, NULL), CRFTAG_ERR_INVALID);
    m->attr_off[NATTR] += 1;
    assert_int_equal(model_io_serialize(m, &buf, &len, NULL), CRFTAG_OK);
    free(buf);
    assert_int_equal(crftag_model_save(NULL, "x", NULL), CRFTAG_ERR_INVALID);
    assert_int_equal(crftag_model_load(NULL, NULL, NULL), CRFTAG_ERR_INVALID);
    crftag_model_free(m);
}


/* ------------------------------------------------------------------------ */
/* Weights as fixed-point integers; version 5 files                         */
/* ------------------------------------------------------------------------ */

/* The model of build_model with the weights a training gives: multiples of
 * 2^-MODEL_WEIGHT_SHIFT (model_weight_round), one of them 0 and one over 2^7. */
static struct crftag_model *build_model_rounded(int use_template)
{
    struct crftag_model *m = build_model(use_template);
    for (uint32_t k = 0; k < m->npairs; k++)
        m->pair_w[k] = model_weight_round((double)m->pair_w[k] / 3.0);
    m->pair_w[0] = model_weight_round(-1e-9);               /* 0, never -0 */
    m->pair_w[1] = model_weight_round(-300.123456);
    m->pair_w[2] = model_weight_round(1.0 / 16384);
    m->pair_w[3] = model_weight_round(2.5);
    assert_false(signbit(m->pair_w[0]));
    assert_true(m->pair_w[0] == 0.0f);
    assert_true(m->pair_w[2] == 1.0f / 16384);
    return m;
}

/* Weight code rows of the rounded template model (weights in 3 planes). */
static const struct corruption fixed_fields[] = {
    { "weights of 0 bytes", AT(wcode), 1, 1, 0, NULL, "weight code 14, 0 bytes" },
    { "weights of 5 bytes", AT(wcode), 1, 1, 5, NULL, "weight code 14, 5 bytes" },
    { "weight shift 32", AT(wcode), 0, 1, 32, NULL, "weight code 32, 3 bytes" },
    { "weight shift 254", AT(wcode), 0, 1, 254, NULL, "weight code 254" },
};

/* The template model with na attributes and np pairs (np / na or one more
 * each), weights of -4 to 4 rounded to multiples of 2^-14 or not. */
static struct crftag_model *build_sized(uint32_t na, uint32_t np, int rounded)
{
    struct crftag_model *m = build_model(1);
    free(m->attr_hash);
    free(m->attr_off);
    free(m->pair_label);
    free(m->pair_w);
    m->nattr = na;
    m->npairs = np;
    m->attr_hash = util_malloc(na, sizeof *m->attr_hash);
    m->attr_off = util_malloc((size_t)na + 1, sizeof *m->attr_off);
    m->pair_label = util_malloc(np, sizeof *m->pair_label);
    m->pair_w = util_malloc(np, sizeof *m->pair_w);
    assert_true(m->attr_hash && m->attr_off && m->pair_label && m->pair_w);
    uint32_t seed = 7, k = 0;
    m->attr_off[0] = 0;
    for (uint32_t a = 0; a < na; a++) {
        m->attr_hash[a] = hash_end(hash_u64(hash_begin(11), a));
        for (uint32_t q = 0; q < np / na + (a < np % na); q++, k++) {
            m->pair_label[k] = (uint16_t)((a + q) % NL);
            float w = ((float)(lcg(&seed) >> 8) / 16777216.0f - 0.5f) * 8.0f;
            m->pair_w[k] = rounded ? model_weight_round(w) : w;
        }
        m->attr_off[a + 1] = k;
    }
    assert_int_equal(k, np);
    if (!rounded && np > 0)
        m->pair_w[np - 1] = FLT_MAX;     /* not k * 2^-s: stored as f32 */
    assert_int_equal(model_finish(m, NULL), CRFTAG_OK);
    return m;
}

/* The loader may decode the weights into the first bytes of the payload
 * when they end before the weight planes begin (4 np <= the planes'
 * offset), which the planes of the later weights and what follows them must
 * survive.  Pair counts on both sides of that bound and far past it, weights
 * in 3 planes and as f32 (the last one FLT_MAX), load as they were saved; a corrupt transition
 * weight after them is still refused. */
static void test_weights_in_payload(void **state)
{
    (void)state;
    const uint32_t na = 2000;
    for (int rounded = 0; rounded < 2; rounded++) {
        /* the planes' offset is c + np (label ids of 1 byte) */
        struct crftag_model *m = build_sized(na, na, rounded);
        size_t len, plen;
        unsigned char *buf = serialize(m, &len);
        unsigned char *p = unpack(buf, len, &plen);
        struct layout o;
        walk(p, plen, &o);
        size_t c = o.weights - na;
        assert_int_equal(p[o.wcode + 1], rounded ? 3 : 4);
        free(p);
        free(buf);
        crftag_model_free(m);
        const size_t nps[] = { c / 3 - 2, c / 3 - 1, c / 3, c / 3 + 1, c / 3 + 2,
                               c / 2, 3 * c / 4, c, 2 * c };
        for (size_t i = 0; i < sizeof nps / sizeof *nps; i++) {
            m = build_sized(na, (uint32_t)nps[i], rounded);
            buf = serialize(m, &len);
            p = unpack(buf, len, &plen);
            walk(p, plen, &o);
            assert_int_equal(o.weights, c + nps[i]);
            struct crftag_model *back = NULL;
            assert_int_equal(crftag_model_load_mem(buf, len, &back, NULL), CRFTAG_OK);
            assert_models_equal(m, back);
            size_t len2;
            unsigned char *buf2 = serialize(back, &len2);
            assert_int_equal(len, len2);
            assert_memory_equal(buf, buf2, len);
            free(buf2);
            crftag_model_free(back);
            wr32(p + o.trans + 4 * 2, 0x7fc00000u);
            size_t flen;
            unsigned char *f = pack(p, plen, CRFTAG_MODEL_FORMAT_VERSION, &flen);
            refuse(f, flen, CRFTAG_ERR_MODEL_FORMAT, "transition weight 2 is not finite");
            free(f);
            free(p);
            free(buf);
            crftag_model_free(m);
        }
    }
}

/* Rounded weights are stored as integers k, weight = k * 2^-14, in the
 * fewest bytes (3 here: |k| < 2^23), exactly; the spec's decoding of the
 * planes (zigzag) gives each weight of the run of each attribute in hash
 * order; the code is checked; -0 or an unrounded weight falls back to f32. */
static void test_fixed_weights(void **state)
{
    (void)state;
    struct crftag_model *m = build_model_rounded(1);
    size_t len, plen;
    unsigned char *buf = serialize(m, &len);
    struct crftag_model *back;
    assert_int_equal(crftag_model_load_mem(buf, len, &back, NULL), CRFTAG_OK);
    assert_models_equal(m, back);
    unsigned char *p = unpack(buf, len, &plen);
    struct layout o;
    walk(p, plen, &o);
    assert_int_equal(p[o.wcode], MODEL_WEIGHT_SHIFT);
    assert_int_equal(p[o.wcode + 1], 3);
    /* decoded here from the spec: hashes, counts, labels and weights */
    uint64_t h = 0;
    size_t k = 0;
    for (uint32_t i = 0; i < o.na; i++) {
        uint64_t d = 0;
        uint32_t cnt = 0;
        for (int b = 0; b < 8; b++)
            d |= (uint64_t)p[o.hashes + (size_t)b * o.na + i] << (8 * b);
        for (int b = 0; b < 4; b++)
            cnt |= (uint32_t)p[o.counts + (size_t)b * o.na + i] << (8 * b);
        h += d;
        uint32_t a = model_attr_id(m, h);
        assert_true(a != HTAB_NONE);
        assert_int_equal(cnt, m->attr_off[a + 1] - m->attr_off[a]);
        for (uint32_t q = m->attr_off[a]; q < m->attr_off[a + 1]; q++, k++) {
            uint32_t z = 0;
            for (int b = 0; b < 3; b++)
                z |= (uint32_t)p[o.weights + (size_t)b * o.np + k] << (8 * b);
            double v = (z & 1) ? -(double)(z >> 1) - 1 : (double)(z >> 1);
            assert_true((float)ldexp(v, -MODEL_WEIGHT_SHIFT) == m->pair_w[q]);
            assert_int_equal(p[o.plabels + k], m->pair_label[q]);
        }
    }
    assert_int_equal(k, o.np);
    refuse_corruptions(p, plen, &o, fixed_fields, NROWS(fixed_fields));
    /* saved again: the same bytes */
    size_t len2;
    unsigned char *buf2 = serialize(back, &len2);
    assert_int_equal(len, len2);
    assert_memory_equal(buf, buf2, len);
    free(buf2);
    free(p);
    free(buf);
    crftag_model_free(back);

    /* small weights need fewer bytes; a weight off the grid or -0 needs f32 */
    static const struct { float w; unsigned shift, width; } codes[] = {
        { 0.5f, 1, 1 }, { 1.0f / 1024, 10, 1 }, { 100.0f, 0, 1 }, { 1e6f, 0, 3 },
        { 0.1f, 27, 4 }, { 1e-20f, 255, 4 }, { -0.0f, 255, 4 }, { 3e9f, 255, 4 },
    };
    for (size_t c = 0; c < sizeof codes / sizeof codes[0]; c++) {
        for (uint32_t q = 0; q < m->npairs; q++)
            m->pair_w[q] = q % 2 ? codes[c].w : 0.0f;
        unsigned char *pc = payload_of(m, &plen, &o);
        assert_int_equal(pc[o.wcode], codes[c].shift);
        assert_int_equal(pc[o.wcode + 1], codes[c].width);
        free(pc);
        buf = serialize(m, &len);
        assert_int_equal(crftag_model_load_mem(buf, len, &back, NULL), CRFTAG_OK);
        assert_models_equal(m, back);
        crftag_model_free(back);
        free(buf);
    }
    crftag_model_free(m);
}

/* Rounding: to the nearest multiple of 2^-14, halves away from 0, never -0. */
static void test_weight_round(void **state)
{
    (void)state;
    const double u = 1.0 / 16384;
    assert_true(model_weight_round(0.0) == 0.0f);
    assert_false(signbit(model_weight_round(-0.4 * u)));
    assert_true(model_weight_round(0.5 * u) == (float)u);
    assert_true(model_weight_round(-0.5 * u) == (float)-u);
    assert_true(model_weight_round(0.49 * u) == 0.0f);
    assert_true(model_weight_round(1.0 + 0.6 * u) == (float)(1.0 + u));
    assert_true(model_weight_round(-3.25) == -3.25f);
    assert_true(model_weight_round(1e30) == 1e30f);            /* off the grid's range: as is */
    for (int i = -1000; i <= 1000; i++) {
        double x = i * 0.0123456789;
        float r = model_weight_round(x);
        assert_true(fabs((double)r - x) <= 0.5 * u);
        double k = ldexp((double)r, MODEL_WEIGHT_SHIFT);
        assert_true(k == floor(k));
    }
}

/* A model file of format version 5 (tests/data/model_template_v5.crftag,
 * trained with --keep-names on corpus_conll_30.txt.gz by the release that
 * wrote version 5) loads with its attributes in its own order; saved again it
 * is a file of the current version, still of hash version 1, that loads with
 * the same attributes (hash order), names and weights, and tags the 30
 * sentences with the same labels and the same scores, bit for bit.  Without the names, the version 6 file is smaller
 * (the names themselves compress less well in hash order than in the order
 * training met them). */
static void test_version5_file(void **state)
{
    (void)state;
    const char *path = "tests/data/model_template_v5.crftag";
    struct crftag_model *v5, *v6;
    struct crftag_error err;
    assert_int_equal(crftag_model_load(path, &v5, &err), CRFTAG_OK);
    assert_int_equal(v5->format_version, 5);
    assert_true(v5->nattr > 5000 && crftag_model_has_names(v5));
    size_t flen, len;
    unsigned char *file = read_file(path, &flen);
    unsigned char *buf = serialize(v5, &len);
    assert_int_equal(rd32(buf + 8), CRFTAG_MODEL_FORMAT_VERSION);
    print_message("  version 5: %zu bytes, saved as version 7: %zu bytes\n", flen, len);
    assert_int_equal(crftag_model_load_mem(buf, len, &v6, &err), CRFTAG_OK);
    assert_int_equal(v5->feat.hash_version, 1);
    assert_int_equal(v6->feat.hash_version, 1);
    assert_models_equal(v5, v6);
    size_t unsorted = 0;
    for (uint32_t a = 1; a < v5->nattr; a++)
        unsorted += v5->attr_hash[a] < v5->attr_hash[a - 1];
    assert_true(unsorted > 0);                   /* the order did change */
    assert_null(v5->attr_bucket);                /* v5: the table; v6: the buckets */
    assert_non_null(v6->attr_bucket);

    struct crftag_corpus *c;
    assert_int_equal(crftag_corpus_new(&c), CRFTAG_OK);
    assert_int_equal(crftag_corpus_read(c, "tests/data/corpus_conll_30.txt.gz", &err),
                     CRFTAG_OK);
    assert_int_equal(c->nsent, 30);
    struct crftag_tagger *t5, *t6;
    assert_int_equal(crftag_tagger_new(v5, &t5), CRFTAG_OK);
    assert_int_equal(crftag_tagger_new(v6, &t6), CRFTAG_OK);
    size_t tokens = 0;
    for (size_t i = 0; i < c->nsent; i++) {
        struct sentence sen;
        corpus_sentence(c, i, &sen);
        uint32_t ids5[256], ids6[256];
        double s5, s6;
        assert_true(sen.n <= 256);
        assert_int_equal(crftag_tagger_tag(t5, sen.cols, sen.n, sen.ncols, ids5, &s5, NULL),
                         CRFTAG_OK);
        assert_int_equal(crftag_tagger_tag(t6, sen.cols, sen.n, sen.ncols, ids6, &s6, NULL),
                         CRFTAG_OK);
        assert_memory_equal(ids5, ids6, sen.n * sizeof *ids5);
        assert_true(same_bits(&s5, &s6, sizeof s5));
        tokens += sen.n;
    }
    assert_int_equal(tokens, 808);
    crftag_tagger_free(t5);
    crftag_tagger_free(t6);
    crftag_corpus_free(c);

    /* without names: smaller in version 6 */
    free(v5->names);
    free(v5->name_off);
    v5->names = NULL;
    v5->name_off = NULL;
    size_t l5, l6;
    unsigned char *b5, *b6;
    assert_int_equal(model_io_serialize_version(v5, 5, &b5, &l5, NULL), CRFTAG_OK);
    assert_int_equal(model_io_serialize_version(v5, 6, &b6, &l6, NULL), CRFTAG_OK);
    print_message("  without names: version 5 %zu bytes, version 6 %zu bytes\n", l5, l6);
    assert_true(l6 < l5);
    free(b5);
    free(b6);
    free(buf);
    free(file);
    crftag_model_free(v6);
    crftag_model_free(v5);
}

/* The models of format version 6 (feature hash version 1) in tests/data,
 * built-in and template, saved again are files of the current version that
 * keep hash version 1 and tag their corpus with the same labels and scores,
 * bit for bit (tests/e2e.sh checks their output against the release that
 * wrote them).  A model of hash version 2 cannot be saved in format 6. */
static void test_version6_files(void **state)
{
    (void)state;
    static const struct { const char *model, *corpus; } f[2] = {
        { "tests/data/model_builtin_v6.crftag", "tests/data/corpus_wikiser_30.txt" },
        { "tests/data/model_template_v6.crftag", "tests/data/corpus_conll_30.txt.gz" },
    };
    for (int k = 0; k < 2; k++) {
        struct crftag_model *old, *again;
        struct crftag_error err;
        assert_int_equal(crftag_model_load(f[k].model, &old, &err), CRFTAG_OK);
        assert_int_equal(old->format_version, 6);
        assert_int_equal(old->feat.hash_version, 1);
        size_t len;
        unsigned char *buf = serialize(old, &len);
        assert_int_equal(rd32(buf + 8), CRFTAG_MODEL_FORMAT_VERSION);
        assert_int_equal(crftag_model_load_mem(buf, len, &again, &err), CRFTAG_OK);
        free(buf);
        assert_int_equal(again->feat.hash_version, 1);
        struct crftag_model_info info;
        crftag_model_get_info(again, &info);
        assert_int_equal(info.hash_version, 1);
        assert_models_equal(old, again);

        struct crftag_corpus *c;
        assert_int_equal(crftag_corpus_new(&c), CRFTAG_OK);
        assert_int_equal(crftag_corpus_read(c, f[k].corpus, &err), CRFTAG_OK);
        struct crftag_tagger *t1, *t2;
        assert_int_equal(crftag_tagger_new(old, &t1), CRFTAG_OK);
        assert_int_equal(crftag_tagger_new(again, &t2), CRFTAG_OK);
        size_t tokens = 0;
        for (size_t i = 0; i < c->nsent; i++) {
            struct sentence sen;
            corpus_sentence(c, i, &sen);
            uint32_t ids1[512], ids2[512];
            double s1, s2;
            assert_true(sen.n <= 512);
            assert_int_equal(crftag_tagger_tag(t1, sen.cols, sen.n, sen.ncols, ids1, &s1, NULL),
                             CRFTAG_OK);
            assert_int_equal(crftag_tagger_tag(t2, sen.cols, sen.n, sen.ncols, ids2, &s2, NULL),
                             CRFTAG_OK);
            assert_memory_equal(ids1, ids2, sen.n * sizeof *ids1);
            assert_true(same_bits(&s1, &s2, sizeof s1));
            tokens += sen.n;
        }
        assert_true(tokens > 500);
        crftag_tagger_free(t1);
        crftag_tagger_free(t2);
        crftag_corpus_free(c);
        /* format 6 is written for hash version 1 only */
        assert_int_equal(model_io_serialize_version(old, 6, &buf, &len, NULL), CRFTAG_OK);
        free(buf);
        again->feat.hash_version = 2;
        assert_int_equal(model_io_serialize_version(again, 6, &buf, &len, NULL),
                         CRFTAG_ERR_INVALID);
        again->feat.hash_version = 1;
        crftag_model_free(old);
        crftag_model_free(again);
    }
}

/* The byte planes the writer stores uncompressed: long enough and of an
 * order-0 entropy of MIO_STORE_BITS (5) bits a byte or more. */
static void test_store_plane(void **state)
{
    (void)state;
    size_t n = MIO_STORE_MIN;
    unsigned char *p = malloc(n);
    assert_non_null(p);
    uint32_t seed = 5;
    for (size_t i = 0; i < n; i++)
        p[i] = (unsigned char)(lcg(&seed) >> 13);
    assert_true(mio_store_plane(p, n));                   /* about 8 bits */
    assert_false(mio_store_plane(p, n - 1));              /* too short */
    for (size_t i = 0; i < n; i++)
        p[i] = (unsigned char)(3 * (i % 32));              /* 5 bits exactly */
    assert_true(mio_store_plane(p, n));
    for (size_t i = 0; i < n; i++)
        p[i] = (unsigned char)(i % 31);                     /* 4.95 bits */
    assert_false(mio_store_plane(p, n));
    memset(p, 0, n);
    assert_false(mio_store_plane(p, n));
    free(p);
}

/* A model without such a plane is written as compress2 writes its payload,
 * byte for byte.  One with a 600,000-byte weight plane of 64 values (6
 * bits a byte, which deflate would keep at about 3/4) has it stored:
 * its stream is longer than compress2's by most of the quarter, and the
 * model loads as it was and saves to the same bytes again; a byte changed
 * in the stored part is refused. */
static void test_stored_planes(void **state)
{
    (void)state;
    struct crftag_model *small = build_model(0);
    size_t len, plen;
    unsigned char *buf = serialize(small, &len);
    unsigned char *p = unpack(buf, len, &plen);
    uLongf zlen = compressBound((uLong)plen);
    unsigned char *z = malloc(zlen);
    assert_non_null(z);
    assert_int_equal(compress2(z, &zlen, p, (uLong)plen, 6), Z_OK);
    assert_int_equal(len - HDR, zlen);
    assert_memory_equal(buf + HDR, z, zlen);
    free(z);
    free(p);
    free(buf);
    crftag_model_free(small);

    const uint32_t na = 1000, np = 600000;
    struct crftag_model *m = build_sized(na, np, 1);
    uint32_t seed = 9;
    for (uint32_t k = 0; k < np; k++)   /* multiples of 2^-14: codes 0, 2, ..., 126 */
        m->pair_w[k] = (float)((lcg(&seed) >> 24) % 64) / 16384.0f;
    assert_int_equal(model_finish(m, NULL), CRFTAG_OK);
    buf = serialize(m, &len);
    p = unpack(buf, len, &plen);
    zlen = compressBound((uLong)plen);
    z = malloc(zlen);
    assert_non_null(z);
    assert_int_equal(compress2(z, &zlen, p, (uLong)plen, 6), Z_OK);
    print_message("  stored weight plane: %zu bytes, compress2 %lu\n", len - HDR,
                  (unsigned long)zlen);
    assert_true(len - HDR > zlen + np / 8);
    free(z);
    free(p);
    struct crftag_model *back = NULL;
    struct crftag_error err;
    assert_int_equal(crftag_model_load_mem(buf, len, &back, &err), CRFTAG_OK);
    assert_models_equal(m, back);
    size_t len2;
    unsigned char *buf2 = serialize(back, &len2);
    assert_int_equal(len, len2);
    assert_memory_equal(buf, buf2, len);
    buf2[len2 - len2 / 4] ^= 0x10;       /* inside the stored plane */
    assert_int_equal(refuse(buf2, len2, CRFTAG_ERR_MODEL_CHECKSUM, "checksum mismatch"),
                     CRFTAG_ERR_MODEL_CHECKSUM);
    free(buf2);
    free(buf);
    crftag_model_free(back);
    crftag_model_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_roundtrip_mem_template),
        cmocka_unit_test(test_roundtrip_mem_builtin),
        cmocka_unit_test(test_roundtrip_sparse),
        cmocka_unit_test(test_file_roundtrip_and_atomic_save),
        cmocka_unit_test(test_truncated_every_length),
        cmocka_unit_test(test_every_bit_flip),
        cmocka_unit_test(test_bad_magic),
        cmocka_unit_test(test_version),
        cmocka_unit_test(test_huge_counts),
        cmocka_unit_test(test_bad_fields),
        cmocka_unit_test(test_payload_fuzz),
        cmocka_unit_test(test_lexicon_fields),
        cmocka_unit_test(test_builtin_versions),
        cmocka_unit_test(test_cluster_fields),
        cmocka_unit_test(test_user_lexicon_fields),
        cmocka_unit_test(test_save_refuses_invalid),
        cmocka_unit_test(test_names_block),
        cmocka_unit_test(test_memory_field),
        cmocka_unit_test(test_fixed_weights),
        cmocka_unit_test(test_weights_in_payload),
        cmocka_unit_test(test_weight_round),
        cmocka_unit_test(test_version5_file),
        cmocka_unit_test(test_version6_files),
        cmocka_unit_test(test_store_plane),
        cmocka_unit_test(test_stored_planes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
