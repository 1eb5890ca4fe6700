/*
 * test_model_crfsuite.c - CRFsuite model files read as crftag models
 * (src/model_crfsuite.c).  Files are written here as CRFsuite 0.12 lays
 * them out (header, feature chunk, two CQDB string tables with their id
 * index; the CQDB hash tables are left empty, which this reader does not
 * use): the weights and transitions arrive where they belong, duplicate
 * features add up, a model tags and saves, and every damaged field, every
 * truncation and every single-byte change is refused or read without a
 * fault.  tests/e2e.sh checks a model CRFsuite itself wrote
 * (tests/data/crfsuite_model_conll.crfsuite.gz) against CRFsuite's tags.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crftag.h"

struct cs_feat {
    uint32_t type, src, dst;
    double w;
};

struct buf {
    unsigned char *p;
    size_t n, cap;
};

static void put(struct buf *b, const void *p, size_t n)
{
    if (b->n + n > b->cap) {
        b->cap = (b->n + n) * 2;
        b->p = realloc(b->p, b->cap);
        assert_non_null(b->p);
    }
    memcpy(b->p + b->n, p, n);
    b->n += n;
}

static void put32(struct buf *b, uint32_t v)
{
    unsigned char x[4] = {(unsigned char)v, (unsigned char)(v >> 8), (unsigned char)(v >> 16),
                          (unsigned char)(v >> 24)};
    put(b, x, 4);
}

static void set32(struct buf *b, size_t at, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        b->p[at + (size_t)i] = (unsigned char)(v >> (8 * i));
}

static uint32_t get32(const struct buf *b, size_t at)
{
    return (uint32_t)b->p[at] | (uint32_t)b->p[at + 1] << 8 | (uint32_t)b->p[at + 2] << 16 |
           (uint32_t)b->p[at + 3] << 24;
}

/* A CQDB table of the strings s[0..n) (ids 0..n-1) at the end of b. */
static void put_cqdb(struct buf *b, const char *const *s, uint32_t n)
{
    size_t base = b->n;
    put(b, "CQDB", 4);
    put32(b, 0);              /* size, set below */
    put32(b, 0);              /* flags */
    put32(b, 0x62445371);
    put32(b, n);
    put32(b, 0);              /* backward array's offset, set below */
    for (int i = 0; i < 256; i++) {
        put32(b, 0);
        put32(b, 0);
    }
    uint32_t *rec = malloc((n ? n : 1) * sizeof *rec);
    assert_non_null(rec);
    for (uint32_t i = 0; i < n; i++) {
        rec[i] = (uint32_t)(b->n - base);
        put32(b, i);
        put32(b, (uint32_t)strlen(s[i]) + 1);
        put(b, s[i], strlen(s[i]) + 1);
    }
    set32(b, base + 20, (uint32_t)(b->n - base));
    for (uint32_t i = 0; i < n; i++)
        put32(b, rec[i]);
    set32(b, base + 4, (uint32_t)(b->n - base));
    free(rec);
}

/* Offsets of the parts of the file cs_file writes. */
struct cs_layout {
    size_t feat, labels, attrs;
};

static struct buf cs_file(const char *const *labels, uint32_t L, const char *const *attrs,
                          uint32_t A, const struct cs_feat *f, uint32_t nf, struct cs_layout *lay)
{
    struct buf b = {NULL, 0, 0};
    put(&b, "lCRF", 4);
    put32(&b, 0);              /* size */
    put(&b, "FOMC", 4);
    put32(&b, 100);
    put32(&b, 0);              /* number of features: CRFsuite leaves it 0 */
    put32(&b, L);
    put32(&b, A);
    for (int i = 0; i < 5; i++)
        put32(&b, 0);          /* offsets, set below */
    lay->feat = b.n;
    put(&b, "FEAT", 4);
    put32(&b, 12 + 20 * nf);
    put32(&b, nf);
    for (uint32_t k = 0; k < nf; k++) {
        put32(&b, f[k].type);
        put32(&b, f[k].src);
        put32(&b, f[k].dst);
        uint64_t u;
        memcpy(&u, &f[k].w, 8);
        put32(&b, (uint32_t)u);
        put32(&b, (uint32_t)(u >> 32));
    }
    lay->labels = b.n;
    put_cqdb(&b, labels, L);
    lay->attrs = b.n;
    put_cqdb(&b, attrs, A);
    set32(&b, 4, (uint32_t)b.n);
    set32(&b, 28, (uint32_t)lay->feat);
    set32(&b, 32, (uint32_t)lay->labels);
    set32(&b, 36, (uint32_t)lay->attrs);
    return b;
}

static const char *const LAB[] = {"B-X", "I-X", "O"};
static const char *const ATT[] = {"w=the", "suf:3=he", "unused", "len"};
static const struct cs_feat FEAT[] = {
    {0, 0, 2, 1.5},           /* w=the -> O */
    {0, 0, 0, -0.5},          /* w=the -> B-X */
    {1, 2, 0, 0.75},          /* O -> B-X */
    {0, 1, 1, 2.0},           /* suf:3=he -> I-X */
    {0, 0, 2, 0.25},          /* w=the -> O again: adds up to 1.75 */
    {0, 3, 0, 3.0},           /* len -> B-X */
    {1, 0, 1, -1.25},         /* B-X -> I-X */
    {0, 1, 2, 0.0},           /* a zero weight: left out */
};
#define NFEAT (sizeof FEAT / sizeof FEAT[0])

static struct buf good_file(struct cs_layout *lay)
{
    return cs_file(LAB, 3, ATT, 4, FEAT, NFEAT, lay);
}

static void test_weights_where_they_belong(void **state)
{
    (void)state;
    struct cs_layout lay;
    struct buf b = good_file(&lay);
    struct crftag_model *m;
    struct crftag_error err;
    assert_int_equal(crftag_model_load_mem(b.p, b.n, &m, &err), CRFTAG_OK);
    struct crftag_model_info in;
    crftag_model_get_info(m, &in);
    assert_string_equal(in.file_format, "crfsuite");
    assert_string_equal(in.features, "attributes");
    assert_int_equal(in.format_version, 100);
    assert_int_equal(in.num_labels, 3);
    assert_int_equal(in.num_attributes, 3);   /* "unused" has no feature */
    assert_int_equal(in.num_features, 4);     /* the zero weight left out */
    assert_int_equal(in.bio_constrained, 0);
    for (uint32_t y = 0; y < 3; y++)
        assert_string_equal(crftag_model_label(m, y), LAB[y]);
    double w[3];
    assert_int_equal(crftag_model_attr_weights(m, "w=the", 5, w), 1);
    assert_true(w[0] == -0.5 && w[1] == 0.0 && w[2] == 1.75);
    assert_int_equal(crftag_model_attr_weights(m, "suf:3=he", 8, w), 1);
    assert_true(w[0] == 0.0 && w[1] == 2.0 && w[2] == 0.0);
    assert_int_equal(crftag_model_attr_weights(m, "len", 3, w), 1);
    assert_true(w[0] == 3.0);
    assert_int_equal(crftag_model_attr_weights(m, "unused", 6, w), 0);
    /* the names are kept: each attribute's name hashes to its hash */
    assert_int_equal(crftag_model_has_names(m), 1);
    size_t seen = 0;
    for (size_t a = 0; a < in.num_attributes; a++) {
        size_t nw;
        const char *name = crftag_model_attribute(m, a, NULL, &nw);
        assert_non_null(name);
        assert_int_equal(crftag_model_attr_weights(m, name, strlen(name), w), 1);
        seen += strcmp(name, "suf:3=he") == 0 && nw == 1;
    }
    assert_int_equal(seen, 1);
    assert_true(crftag_model_transition(m, 2, 0) == 0.75);
    assert_true(crftag_model_transition(m, 0, 1) == -1.25);
    assert_true(crftag_model_transition(m, 1, 0) == 0.0);

    /* tagging: "the" alone is O (1.75 > -0.5).  With len:0.9 before a token
     * of suffix "he", state scores B-X 2.2, O 1.75, then I-X 2.0: O I-X
     * scores 3.75, B-X I-X 2.2 + 2.0 - 1.25 = 2.95.  Unrestricted, as
     * CRFsuite decodes, O I-X wins (invalid BIO); the model has no BIO
     * restriction to turn on. */
    struct crftag_tagger *t;
    assert_int_equal(crftag_tagger_new(m, &t), CRFTAG_OK);
    uint32_t ids[2];
    const char *one[] = {"w=the"};
    assert_int_equal(crftag_tagger_tag(t, one, 1, 1, ids, NULL, &err), CRFTAG_OK);
    assert_int_equal(ids[0], 2);
    const char *two[] = {"w=the\tlen:0.9", "suf\\:3=he"};
    assert_int_equal(crftag_tagger_tag(t, two, 2, 1, ids, NULL, &err), CRFTAG_OK);
    assert_int_equal(ids[0], 2);
    assert_int_equal(ids[1], 1);
    crftag_tagger_set_constrained(t, 1);
    assert_int_equal(crftag_tagger_tag(t, two, 2, 1, ids, NULL, &err), CRFTAG_OK);
    assert_int_equal(ids[0], 2);
    assert_int_equal(ids[1], 1);
    crftag_tagger_free(t);

    /* saved in crftag's format and read back: the same weights, not a
     * CRFsuite file any more */
    void *out;
    size_t len;
    assert_int_equal(crftag_model_save_mem(m, &out, &len, &err), CRFTAG_OK);
    struct crftag_model *m2;
    assert_int_equal(crftag_model_load_mem(out, len, &m2, &err), CRFTAG_OK);
    crftag_model_get_info(m2, &in);
    assert_string_equal(in.file_format, "crftag");
    assert_int_equal(in.bio_constrained, 0);
    assert_int_equal(crftag_model_attr_weights(m2, "w=the", 5, w), 1);
    assert_true(w[0] == -0.5 && w[2] == 1.75);
    assert_true(crftag_model_transition(m2, 0, 1) == -1.25);
    crftag_model_free(m2);
    free(out);
    crftag_model_free(m);
    free(b.p);
}

/* One damaged field: where (offset in the file, or relative to a part),
 * the value written there, the status wanted, a word of its message. */
enum part { P_FILE, P_FEAT, P_LABELS, P_ATTRS };
struct damage {
    enum part part;
    size_t at;
    uint32_t value;
    enum crftag_status code;
    const char *msg;
};

static const struct damage DAMAGE[] = {
    {P_FILE, 8, 0x434d4f46 ^ 1, CRFTAG_ERR_MODEL_VERSION, "not a first-order"},
    {P_FILE, 12, 101, CRFTAG_ERR_MODEL_VERSION, "version 101"},
    {P_FILE, 4, 1000000, CRFTAG_ERR_MODEL_FORMAT, "truncated"},
    {P_FILE, 4, 100, CRFTAG_ERR_MODEL_FORMAT, "size mismatch"},
    {P_FILE, 20, 0, CRFTAG_ERR_MODEL_FORMAT, "0 labels"},
    {P_FILE, 20, 70000, CRFTAG_ERR_MODEL_FORMAT, "70000 labels"},
    {P_FILE, 20, 4, CRFTAG_ERR_MODEL_FORMAT, "label table"},
    {P_FILE, 24, 5, CRFTAG_ERR_MODEL_FORMAT, "attribute table"},
    {P_FILE, 28, 0xfffffff0u, CRFTAG_ERR_MODEL_FORMAT, "no feature chunk"},
    {P_FILE, 28, 52, CRFTAG_ERR_MODEL_FORMAT, "no feature chunk"},
    {P_FILE, 32, 48, CRFTAG_ERR_MODEL_FORMAT, "not a CQDB"},
    {P_FILE, 36, 0xffffff00u, CRFTAG_ERR_MODEL_FORMAT, "outside the file"},
    {P_FEAT, 8, 9, CRFTAG_ERR_MODEL_FORMAT, "do not fit"},
    {P_FEAT, 8, 0x10000000, CRFTAG_ERR_MODEL_FORMAT, "do not fit"},
    {P_FEAT, 4, 0, CRFTAG_ERR_MODEL_FORMAT, "do not fit"},
    {P_FEAT, 12, 2, CRFTAG_ERR_MODEL_FORMAT, "type 2"},
    {P_FEAT, 16, 4, CRFTAG_ERR_MODEL_FORMAT, "source 4"},
    {P_FEAT, 20, 3, CRFTAG_ERR_MODEL_FORMAT, "destination 3"},
    {P_FEAT, 12 + 2 * 20 + 4, 3, CRFTAG_ERR_MODEL_FORMAT, "source 3"},   /* a transition */
    {P_FEAT, 12 + 16, 0x7ff80000u, CRFTAG_ERR_MODEL_FORMAT, "not a finite"}, /* NaN */
    {P_FEAT, 12 + 16, 0x7ff00000u, CRFTAG_ERR_MODEL_FORMAT, "not a finite"}, /* +inf */
    {P_FEAT, 12 + 16, 0x47f00000u, CRFTAG_ERR_MODEL_FORMAT, "not a finite"}, /* 2^128 */
    {P_LABELS, 12, 0x62445372, CRFTAG_ERR_MODEL_FORMAT, "not a CQDB"},
    {P_LABELS, 4, 10, CRFTAG_ERR_MODEL_FORMAT, "label table: size"},
    {P_LABELS, 4, 0xfffff000u, CRFTAG_ERR_MODEL_FORMAT, "label table: size"},
    {P_LABELS, 20, 0, CRFTAG_ERR_MODEL_FORMAT, "no room"},
    {P_LABELS, 16, 2, CRFTAG_ERR_MODEL_FORMAT, "no room"},
    {P_LABELS, 20, 0xfffffff0u, CRFTAG_ERR_MODEL_FORMAT, "no room"},
    {P_LABELS, 2072, 1, CRFTAG_ERR_MODEL_FORMAT, "bad record for id 0"},        /* its id */
    {P_LABELS, 2076, 0, CRFTAG_ERR_MODEL_FORMAT, "bad record for id 0"},        /* size 0 */
    {P_LABELS, 2076, 0xffffffffu, CRFTAG_ERR_MODEL_FORMAT, "bad record for id 0"},
    {P_LABELS, 2076, 3, CRFTAG_ERR_MODEL_FORMAT, "not terminated"},            /* "B-X" */
    {P_LABELS, 2076, 5, CRFTAG_ERR_MODEL_FORMAT, "not terminated"},
    {P_LABELS, 2076, 6, CRFTAG_ERR_MODEL_FORMAT, "not terminated"},   /* a NUL inside */
    {P_ATTRS, 2072, 7, CRFTAG_ERR_MODEL_FORMAT, "attribute table: bad record"},
};

static size_t part_base(const struct cs_layout *lay, enum part p)
{
    return p == P_FEAT ? lay->feat : p == P_LABELS ? lay->labels : p == P_ATTRS ? lay->attrs : 0;
}

static void test_damaged_fields_refused(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof DAMAGE / sizeof DAMAGE[0]; i++) {
        const struct damage *d = &DAMAGE[i];
        struct cs_layout lay;
        struct buf b = good_file(&lay);
        size_t at = part_base(&lay, d->part) + d->at;
        assert_true(at + 4 <= b.n);
        assert_true(get32(&b, at) != d->value);   /* each row changes the file */
        set32(&b, at, d->value);
        struct crftag_model *m = (struct crftag_model *)&b;
        struct crftag_error err;
        enum crftag_status st = crftag_model_load_mem(b.p, b.n, &m, &err);
        if (st != d->code || !strstr(err.msg, d->msg) || !strstr(err.msg, "CRFsuite model: "))
            fail_msg("row %zu: status %d (want %d), message \"%s\" (want \"%s\")", i, (int)st,
                     (int)d->code, err.msg, d->msg);
        assert_null(m);
        free(b.p);
    }
}

static void test_duplicate_label_refused(void **state)
{
    (void)state;
    static const char *const lab[] = {"A", "B", "A"};
    struct cs_layout lay;
    struct buf b = cs_file(lab, 3, ATT, 4, FEAT, NFEAT, &lay);
    struct crftag_model *m;
    struct crftag_error err;
    assert_int_equal(crftag_model_load_mem(b.p, b.n, &m, &err), CRFTAG_ERR_MODEL_FORMAT);
    assert_non_null(strstr(err.msg, "label 2 repeats label 0"));
    free(b.p);
    static const char *const empty[] = {"A", ""};
    b = cs_file(empty, 2, ATT, 4, FEAT, 0, &lay);
    assert_int_equal(crftag_model_load_mem(b.p, b.n, &m, &err), CRFTAG_ERR_MODEL_FORMAT);
    assert_non_null(strstr(err.msg, "label 1 has 0 bytes"));
    free(b.p);
}

/* Every prefix (with the header's size made to match, so that the parts
 * are what is checked) and every byte changed: an error or a model, never a
 * fault (the address sanitizer build runs this too); a model that loads
 * tags. */
static void test_every_cut_and_byte(void **state)
{
    (void)state;
    struct cs_layout lay;
    struct buf good = good_file(&lay);
    size_t loaded = 0, refused = 0;
    for (size_t n = 0; n <= good.n; n++) {
        unsigned char *p = malloc(n ? n : 1);
        assert_non_null(p);
        memcpy(p, good.p, n);
        if (n >= 8)
            for (int i = 0; i < 4; i++)
                p[4 + i] = (unsigned char)(n >> (8 * i));
        struct crftag_model *m;
        struct crftag_error err;
        if (crftag_model_load_mem(p, n, &m, &err) == CRFTAG_OK) {
            loaded++;
            crftag_model_free(m);
        } else {
            refused++;
            assert_true(err.msg[0] != '\0');
        }
        free(p);
    }
    assert_int_equal(loaded, 1);   /* the whole file only */
    for (size_t at = 0; at < good.n; at++) {
        for (int v = 0; v < 2; v++) {
            unsigned char *p = malloc(good.n);
            assert_non_null(p);
            memcpy(p, good.p, good.n);
            p[at] = v ? (unsigned char)~p[at] : (unsigned char)(p[at] + 1);
            struct crftag_model *m;
            struct crftag_error err;
            if (crftag_model_load_mem(p, good.n, &m, &err) == CRFTAG_OK) {
                struct crftag_tagger *t;
                assert_int_equal(crftag_tagger_new(m, &t), CRFTAG_OK);
                const char *x[] = {"w=the\tlen:0.9", "suf\\:3=he"};
                uint32_t ids[2];
                assert_int_equal(crftag_tagger_tag(t, x, 2, 1, ids, NULL, &err), CRFTAG_OK);
                assert_true(ids[0] < crftag_model_num_labels(m));
                assert_true(ids[1] < crftag_model_num_labels(m));
                crftag_tagger_free(t);
                crftag_model_free(m);
            }
            free(p);
        }
    }
    (void)refused;
    free(good.p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_weights_where_they_belong),
        cmocka_unit_test(test_damaged_fields_refused),
        cmocka_unit_test(test_duplicate_label_refused),
        cmocka_unit_test(test_every_cut_and_byte),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
