/*
 * test_memory.c - document memory (crftag_memory_*, src/memory.c): the
 * rules of crftag_memory_apply on a hand-made label set, the window stored
 * in the model (format 8) and refused when out of range, and training's
 * choice on held-out sentences: kept where a name's later mentions have no
 * cue of their own and where names never come back (no evidence either
 * way), not kept where a name's later mentions are not entities.
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
#include "labels.h"
#include "model.h"
#include "model_io.h"
#include "testutil.h"
#include "tmpfiles.h"

enum { O, BC, IC, BD, ID, NLAB };
static const char *lab_names[NLAB] = { "O", "B-Chemical", "I-Chemical", "B-Disease",
                                       "I-Disease" };

static struct crftag_model *bio_model(void)
{
    struct crftag_model *m = model_new();
    assert_non_null(m);
    for (int i = 0; i < NLAB; i++)
        assert_int_equal(labels_add(&m->labels, lab_names[i]), i);
    return m;
}

/* Applies mem to the sentence of space-separated tokens `text` with ids
 * (as many as tokens, changed in place); returns the labels changed. */
static size_t apply(struct crftag_memory *mem, const char *text, uint32_t *ids, size_t n)
{
    char buf[512];
    const char *tok[64];
    size_t len[64], k = 0;
    snprintf(buf, sizeof buf, "%s", text);
    for (char *p = strtok(buf, " "); p; p = strtok(NULL, " ")) {
        tok[k] = p;
        len[k++] = strlen(p);
    }
    assert_int_equal(k, n);
    size_t changed = 99;
    assert_int_equal(crftag_memory_apply(mem, tok, len, n, ids, &changed), CRFTAG_OK);
    return changed;
}

static void expect(const uint32_t *ids, const uint32_t *want, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (ids[i] != want[i])
            fail_msg("token %zu: %s, expected %s", i, lab_names[ids[i]], lab_names[want[i]]);
}

static void test_rules(void **state)
{
    (void)state;
    struct crftag_model *m = bio_model();
    struct crftag_memory *mem;
    assert_int_equal(crftag_memory_new(m, 2, 0, &mem), CRFTAG_OK);

    /* the tagger's own entities are remembered; another mention in the
     * same sentence that it left O is labelled too */
    uint32_t s1[] = { BC, O, BC, O, O, BD, ID, O, O };
    assert_int_equal(apply(mem, "nitroglycerin ( NTG ) and heart failure with NTG", s1, 9), 1);
    expect(s1, (const uint32_t[]){ BC, O, BC, O, O, BD, ID, O, BC }, 9);

    /* later mentions left O get the type; exact bytes only ("ntg", "Heart") */
    uint32_t s2[] = { O, O, O, O, O, O, O, O, O };
    assert_int_equal(apply(mem, "NTG ntg heart failure Heart failure nitroglycerin , heart", s2, 9),
                     4);
    expect(s2, (const uint32_t[]){ BC, O, BD, ID, O, O, BC, O, O }, 9);

    /* a token the tagger labelled is never changed, nor a run that
     * overlaps it */
    uint32_t s3[] = { O, BD, BC, O };
    assert_int_equal(apply(mem, "heart failure NTG nitroglycerin", s3, 4), 1);
    expect(s3, (const uint32_t[]){ O, BD, BC, BC }, 4);

    /* the window: s1 (3 sentences back) is forgotten, s2 added nothing of
     * its own, s3 remembers "failure" (Disease), "NTG" (Chemical) */
    uint32_t s4[] = { O, O, O };
    assert_int_equal(apply(mem, "nitroglycerin failure NTG", s4, 3), 2);
    expect(s4, (const uint32_t[]){ O, BD, BC }, 3);
    crftag_memory_clear(mem);
    uint32_t s5[] = { O, O };
    assert_int_equal(apply(mem, "failure NTG", s5, 2), 0);
    expect(s5, (const uint32_t[]){ O, O }, 2);
    crftag_memory_free(mem);

    /* the longest match wins; among several types the most frequent, then
     * the most recent */
    assert_int_equal(crftag_memory_new(m, 10, 0, &mem), CRFTAG_OK);
    uint32_t a1[] = { BD, BD, ID, BC };
    apply(mem, "renal renal failure lithium", a1, 4);
    uint32_t a2[] = { O, O, O };
    apply(mem, "renal failure x", a2, 3);
    expect(a2, (const uint32_t[]){ BD, ID, O }, 3);
    uint32_t b1[] = { BC, O };
    apply(mem, "lithium y", b1, 2);
    uint32_t b2[] = { BD, O };
    apply(mem, "lithium z", b2, 2);
    uint32_t b3[] = { O };
    apply(mem, "lithium", b3, 1);             /* Chemical twice, Disease once */
    expect(b3, (const uint32_t[]){ BC }, 1);
    uint32_t b4[] = { BD, O };
    apply(mem, "lithium w", b4, 2);           /* now two each: the most recent */
    uint32_t b5[] = { O };
    apply(mem, "lithium", b5, 1);
    expect(b5, (const uint32_t[]){ BD }, 1);
    /* NUL-terminated tokens without their lengths: the same */
    const char *lt[] = { "lithium", "v" };
    uint32_t b6[] = { O, O };
    size_t ch = 0;
    assert_int_equal(crftag_memory_apply(mem, lt, NULL, 2, b6, &ch), CRFTAG_OK);
    assert_int_equal(ch, 1);
    expect(b6, (const uint32_t[]){ BD, O }, 2);

    /* bad arguments */
    const char *tk[] = { "a" };
    size_t ln[] = { 1 };
    uint32_t bad[] = { NLAB };
    assert_int_equal(crftag_memory_apply(mem, tk, ln, 1, bad, NULL), CRFTAG_ERR_INVALID);
    assert_int_equal(crftag_memory_apply(NULL, tk, ln, 1, b5, NULL), CRFTAG_ERR_INVALID);
    assert_int_equal(crftag_memory_apply(mem, NULL, ln, 1, b5, NULL), CRFTAG_ERR_INVALID);
    assert_int_equal(crftag_memory_apply(mem, tk, ln, 0, NULL, NULL), CRFTAG_OK);
    crftag_memory_free(mem);
    assert_int_equal(crftag_memory_new(NULL, 2, 0, &mem), CRFTAG_ERR_INVALID);
    assert_null(mem);
    crftag_memory_free(NULL);
    crftag_memory_clear(NULL);
    crftag_model_free(m);
}

/* CRFTAG_MEMORY_ABBREV: "X ( A )" after an entity X found makes A one of
 * X's type, remembered as the tagger's own; not without the flag, not
 * over a token the tagger labelled, not for a lower-case or too long A. */
static void test_abbreviations(void **state)
{
    (void)state;
    struct crftag_model *m = bio_model();
    struct crftag_memory *mem;
    assert_int_equal(crftag_memory_new(m, 5, 2, &mem), CRFTAG_ERR_INVALID);   /* no such flag */
    assert_null(mem);
    assert_int_equal(crftag_memory_new(m, 5, CRFTAG_MEMORY_ABBREV, &mem), CRFTAG_OK);
    uint32_t s1[] = { BD, ID, O, O, O, O, BC, O, O, O, O };
    assert_int_equal(apply(mem, "renal failure ( ARF ) and lithium ( li ) .", s1, 11), 1);
    expect(s1, (const uint32_t[]){ BD, ID, O, BD, O, O, BC, O, O, O, O }, 11);
    uint32_t s2[] = { O, O, O };
    assert_int_equal(apply(mem, "ARF with ARF", s2, 3), 2);     /* remembered as its own */
    expect(s2, (const uint32_t[]){ BD, O, BD }, 3);
    uint32_t s3[] = { BC, O, BD, O, BC, O, O, O };           /* labelled, too long: kept */
    assert_int_equal(apply(mem, "lithium ( NTG ) lithium ( ABCDEFGHIJK )", s3, 8), 0);
    expect(s3, (const uint32_t[]){ BC, O, BD, O, BC, O, O, O }, 8);
    crftag_memory_free(mem);
    assert_int_equal(crftag_memory_new(m, 5, 0, &mem), CRFTAG_OK);
    uint32_t s4[] = { BD, ID, O, O, O };
    assert_int_equal(apply(mem, "renal failure ( ARF )", s4, 5), 0);
    crftag_memory_free(mem);
    crftag_model_free(m);
}

/* A sentence of 5,000 one-token entities, then one of 20,000 of those tokens
 * left O: at most 1,024 entities are remembered and their copies are
 * compared once, so the work stays linear; every token gets the type. */
static void test_many(void **state)
{
    (void)state;
    struct crftag_model *m = bio_model();
    struct crftag_memory *mem;
    assert_int_equal(crftag_memory_new(m, 10, CRFTAG_MEMORY_ABBREV, &mem), CRFTAG_OK);
    enum { N1 = 5000, N2 = 20000 };
    const char **tok = malloc(N2 * sizeof *tok);
    size_t *len = malloc(N2 * sizeof *len);
    uint32_t *ids = malloc(N2 * sizeof *ids);
    for (size_t i = 0; i < N2; i++) {
        tok[i] = "A";
        len[i] = 1;
        ids[i] = BC;
    }
    size_t changed = 99;
    assert_int_equal(crftag_memory_apply(mem, tok, len, N1, ids, &changed), CRFTAG_OK);
    assert_int_equal(changed, 0);
    for (size_t i = 0; i < N2; i++)
        ids[i] = O;
    assert_int_equal(crftag_memory_apply(mem, tok, len, N2, ids, &changed), CRFTAG_OK);
    assert_int_equal(changed, N2);
    for (size_t i = 0; i < N2; i++)
        assert_int_equal(ids[i], BC);
    free(tok);
    free(len);
    free(ids);
    crftag_memory_free(mem);
    crftag_model_free(m);
}

/* Plain tags (part of speech): nothing to remember, nothing changed. */
static void test_plain(void **state)
{
    (void)state;
    struct crftag_model *m = model_new();
    const char *pos[] = { "NOUN", "VERB", "B-X" };
    for (int i = 0; i < 2; i++)
        assert_int_equal(labels_add(&m->labels, pos[i]), i);
    struct crftag_memory *mem;
    assert_int_equal(crftag_memory_new(m, 5, 0, &mem), CRFTAG_OK);
    uint32_t s1[] = { 0, 1 }, s2[] = { 1, 1 };
    apply(mem, "dogs bark", s1, 2);
    assert_int_equal(apply(mem, "dogs bark", s2, 2), 0);
    assert_true(s2[0] == 1 && s2[1] == 1);
    crftag_memory_free(mem);
    crftag_model_free(m);
}

/* A constructed corpus of documents of 6 sentences about one fresh name
 * each: the first sentence names it with a cue ("the drug NAME was
 * given"); in each later one, "after W the patients slept .", W is the name
 * again (one time in five, labelled) or another fresh word of the same
 * form (O): nothing but the document tells them apart.  With repeat == 0
 * the name never comes back (W is always another word); with repeat == 2 it
 * comes back as often but is not an entity there (O). */
static uint64_t rng = 0x243F6A8885A308D3ULL;

static void fresh(char *buf)
{
    static const char *syl[] = { "ka", "lo", "mi", "zen", "tor", "vi", "bu", "sa", "rex", "fo" };
    buf[0] = '\0';
    for (int k = 0; k < 4; k++)
        strcat(buf, syl[(xorshift64(&rng) >> 11) % 10]);
}

static struct crftag_corpus *documents(size_t ndoc, int repeat)
{
    struct crftag_corpus *c;
    assert_int_equal(crftag_corpus_new(&c), CRFTAG_OK);
    struct crftag_error err;
    for (size_t d = 0; d < ndoc; d++) {
        char name[64];
        fresh(name);
        const char *first[] = { "the", "drug", name, "was", "given", ".",
                                "O", "O", "B-Chemical", "O", "O", "O" };
        const char *cols[12];
        for (int i = 0; i < 6; i++) {
            cols[2 * i] = first[i];
            cols[2 * i + 1] = first[6 + i];
        }
        assert_int_equal(crftag_corpus_add_sentence(c, cols, 6, 2, &err), CRFTAG_OK);
        for (int s = 0; s < 5; s++) {
            int named = repeat && (xorshift64(&rng) >> 11) % 5 == 0;
            char other[64];
            fresh(other);
            const char *w = named ? name : other;
            const char *lab = named && repeat == 1 ? "B-Chemical" : "O";
            const char *sent[] = { "after", w, "the", "patients", "slept", ".",
                                   "O", lab, "O", "O", "O", "O" };
            for (int i = 0; i < 6; i++) {
                cols[2 * i] = sent[i];
                cols[2 * i + 1] = sent[6 + i];
            }
            assert_int_equal(crftag_corpus_add_sentence(c, cols, 6, 2, &err), CRFTAG_OK);
        }
    }
    return c;
}

static struct crftag_model *train(struct crftag_corpus *c, int memory)
{
    struct crftag_train_params p;
    crftag_train_params_init(&p);
    p.threads = 1;
    p.lexicon = 0;               /* the form and context alone */
    if (memory >= 0)
        p.memory = memory;
    struct crftag_model *m = NULL;
    struct crftag_error err;
    enum crftag_status st = crftag_train(c, &p, &m, &err);
    if (st != CRFTAG_OK)
        fail_msg("training: %s", err.msg);
    return m;
}

static void test_training_chooses(void **state)
{
    (void)state;
    /* later mentions without a cue: the memory finds them */
    struct crftag_corpus *c = documents(60, 1);
    struct crftag_model *m = train(c, -1);
    double without = 0, with = 0, abbrev = -1;
    assert_int_equal(crftag_model_memory_scores(m, &without, &with, &abbrev), 1);
    if (!(with > without + 10))
        fail_msg("held-out F1 %.2f without, %.2f with the memory", without, with);
    assert_int_equal(crftag_model_memory(m), CRFTAG_MEMORY_WINDOW);
    /* no "( A )" in these documents: the abbreviations change nothing, and
     * a tie keeps the simpler memory */
    assert_true(abbrev == with);
    assert_int_equal(crftag_model_memory_flags(m), 0);

    /* stored (format 8) and read back; refused beyond 1000; a format-7
     * file has none */
    void *buf;
    size_t len;
    struct crftag_error err;
    assert_int_equal(crftag_model_save_mem(m, &buf, &len, &err), CRFTAG_OK);
    struct crftag_model *back = NULL;
    assert_int_equal(crftag_model_load_mem(buf, len, &back, &err), CRFTAG_OK);
    assert_int_equal(crftag_model_memory(back), CRFTAG_MEMORY_WINDOW);
    assert_int_equal(crftag_model_memory_scores(back, NULL, NULL, NULL), 0);   /* not saved */
    free(buf);
    crftag_model_free(back);
    unsigned char *b7;
    size_t l7;
    assert_int_equal(model_io_serialize_version(m, 7, &b7, &l7, &err), CRFTAG_OK);
    assert_int_equal(crftag_model_load_mem(b7, l7, &back, &err), CRFTAG_OK);
    assert_int_equal(crftag_model_memory(back), 0);
    free(b7);
    crftag_model_free(back);
    m->mem.window = 1001;
    assert_int_equal(crftag_model_save_mem(m, &buf, &len, &err), CRFTAG_ERR_INVALID);
    assert_non_null(strstr(err.msg, "document memory"));
    crftag_model_free(m);

    /* a window given is stored as given, also without bias auto */
    m = train(c, 0);
    assert_int_equal(crftag_model_memory(m), 0);
    crftag_model_free(m);
    struct crftag_train_params p;
    crftag_train_params_init(&p);
    p.bias = "0";
    p.memory = 3;
    p.memory_flags = CRFTAG_MEMORY_ABBREV;
    p.threads = 1;
    assert_int_equal(crftag_train(c, &p, &m, &err), CRFTAG_OK);
    assert_int_equal(crftag_model_memory(m), 3);
    assert_int_equal(crftag_model_memory_flags(m), CRFTAG_MEMORY_ABBREV);
    assert_int_equal(crftag_model_memory_scores(m, NULL, NULL, NULL), 0);
    crftag_model_free(m);
    p.memory_flags = 4;
    assert_int_equal(crftag_train(c, &p, &m, &err), CRFTAG_ERR_INVALID);
    p.memory_flags = 0;
    p.memory = 1001;
    assert_int_equal(crftag_train(c, &p, &m, &err), CRFTAG_ERR_INVALID);
    p.memory = -2;
    assert_int_equal(crftag_train(c, &p, &m, &err), CRFTAG_ERR_INVALID);
    crftag_corpus_free(c);

    /* names that never come back: the memory changes no held-out label, the
     * sample cannot tell, and the memory alone is kept */
    c = documents(60, 0);
    m = train(c, -1);
    assert_int_equal(crftag_model_memory_scores(m, &without, &with, &abbrev), 1);
    assert_true(with == without && abbrev == without);
    assert_int_equal(crftag_model_memory(m), CRFTAG_MEMORY_WINDOW);
    assert_int_equal(crftag_model_memory_flags(m), 0);
    crftag_model_free(m);
    crftag_corpus_free(c);

    /* names that come back as something else: the memory labels them
     * wrongly, its held-out F1 falls, and the model has none */
    c = documents(60, 2);
    m = train(c, -1);
    assert_int_equal(crftag_model_memory_scores(m, &without, &with, NULL), 1);
    if (!(with < without - 5))
        fail_msg("held-out F1 %.2f without, %.2f with the memory", without, with);
    assert_int_equal(crftag_model_memory(m), 0);
    crftag_model_free(m);
    crftag_corpus_free(c);
}

/* crftag_tagger_tag_text applies the model's memory within one call. */
static void test_tag_text(void **state)
{
    (void)state;
    struct crftag_corpus *c = documents(60, 1);
    struct crftag_model *m = train(c, -1);
    crftag_corpus_free(c);
    struct crftag_tagger *t;
    assert_int_equal(crftag_tagger_new(m, &t), CRFTAG_OK);
    const char *text = "the drug bukamifo was given . after bukamifo the patients slept .";
    struct crftag_span *sp;
    size_t n;
    struct crftag_error err;
    assert_int_equal(crftag_tagger_tag_text(t, text, strlen(text), &sp, &n, NULL, NULL, &err),
                     CRFTAG_OK);
    assert_int_equal(n, 2);
    assert_int_equal(sp[1].start, strlen("the drug bukamifo was given . after "));
    crftag_spans_free(sp);
    /* the second sentence alone, in a call of its own: nothing remembered */
    const char *later = "after bukamifo the patients slept .";
    assert_int_equal(crftag_tagger_tag_text(t, later, strlen(later), &sp, &n, NULL, NULL, &err),
                     CRFTAG_OK);
    assert_int_equal(n, 0);
    crftag_spans_free(sp);
    crftag_tagger_free(t);
    crftag_model_free(m);
}

/* Documents of a CoNLL file, each after a -DOCSTART- line (docstart 1) or
 * not (0): document d names its own drug with a cue, then says "after W
 * the patients slept ." twice, W the drug of document d - 1 (not an
 * entity there: O) and a fresh word.  Within a document no name comes
 * back. */
static const char *docstart_file(const char *name, int docstart)
{
    size_t cap = 1 << 20, len = 0;
    char *text = malloc(cap), prev[64] = "", drug[64];
    assert_non_null(text);
    rng = 0x13198A2E03707344ULL;        /* the same documents both ways */
    for (int d = 0; d < 100; d++) {
        fresh(drug);
        len += (size_t)snprintf(text + len, cap - len, "%sthe O\ndrug O\n%s B-Chemical\n"
                                "was O\ngiven O\n. O\n\n",
                                docstart ? "-DOCSTART- O\n\n" : "", drug);
        for (int s = 0; s < 2; s++) {
            char other[64];
            fresh(other);
            len += (size_t)snprintf(text + len, cap - len, "after O\n%s O\nthe O\npatients O\n"
                                    "slept O\n. O\n\n", s == 0 && d > 0 ? prev : other);
        }
        snprintf(prev, sizeof prev, "%s", drug);
    }
    assert_true(len < cap);
    const char *p = write_tmp_n(name, text, len);
    free(text);
    return p;
}

/* The held-out scoring of training empties the memory where a document
 * starts (-DOCSTART-), as crftag tag and eval do. */
static void test_training_documents(void **state)
{
    (void)state;
    struct crftag_error err;
    double without = 0, with = 0;
    for (int docstart = 1; docstart >= 0; docstart--) {
        struct crftag_corpus *c;
        assert_int_equal(crftag_corpus_new(&c), CRFTAG_OK);
        const char *p = docstart_file(docstart ? "docs.txt" : "nodocs.txt", docstart);
        assert_int_equal(crftag_corpus_read(c, p, &err), CRFTAG_OK);
        size_t nsent = 0;
        crftag_corpus_size(c, &nsent, NULL);
        assert_int_equal(nsent, 300);
        struct crftag_model *m = train(c, -1);
        assert_int_equal(crftag_model_memory_scores(m, &without, &with, NULL), 1);
        if (docstart) {
            /* nothing carried over a document's start: no label changed */
            assert_true(with == without);
            assert_int_equal(crftag_model_memory(m), CRFTAG_MEMORY_WINDOW);
        } else {
            /* one text: the drug of the last document is labelled again */
            if (!(with < without - 5))
                fail_msg("held-out F1 %.2f without, %.2f with the memory", without, with);
            assert_int_equal(crftag_model_memory(m), 0);
        }
        crftag_model_free(m);
        crftag_corpus_free(c);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rules),
        cmocka_unit_test(test_plain),
        cmocka_unit_test(test_abbreviations),
        cmocka_unit_test(test_many),
        cmocka_unit_test(test_training_chooses),
        cmocka_unit_test(test_tag_text),
        cmocka_unit_test(test_training_documents),
    };
    return cmocka_run_group_tests(tests, setup_dir, teardown_dir);
}
