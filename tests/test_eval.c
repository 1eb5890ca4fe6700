/*
 * test_eval.c - unit tests of src/eval.c (conlleval-compatible evaluation).
 *
 * Oracles: the exact output of the official conlleval script (2004-01-26) on
 * the fixtures tests/data/eval_* (compared byte for byte), counts worked out
 * by hand from the script's rules (reasoning in the comments), and a brute
 * force cross-check: on random B/I/E/S/O sequences, chunk spans matched as
 * sets must give the same counts as the script's state machine.  Plain tags
 * (part-of-speech tags): token accuracy and per-tag counts worked out by
 * hand, and the rule that tells them from chunk labels.
 *
 * Extra use (development): `test_eval FILE EXPECTED` scores FILE (a conlleval
 * input, TAB-delimited if its name contains ".tsv") and compares the report
 * with EXPECTED, printing both on a mismatch.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "crftag.h"
#include "eval.h"
#include "testutil.h"

/* ------------------------------------------------------------------------ */
/* Helpers                                                                  */
/* ------------------------------------------------------------------------ */

/* Whole file (plain or .gz) as a NUL-terminated string, or NULL. */
static char *slurp(const char *path)
{
    gzFile f = gzopen(path, "rb");
    if (!f)
        return NULL;
    size_t len = 0, cap = 4096;
    char *s = malloc(cap);
    int k;
    while (s && (k = gzread(f, s + len, (unsigned)(cap - len - 1))) > 0) {
        len += (size_t)k;
        if (cap - len < 2) {
            char *t = realloc(s, cap * 2);
            if (!t) {
                free(s);
                s = NULL;
                break;
            }
            s = t;
            cap *= 2;
        }
    }
    gzclose(f);
    if (s)
        s[len] = '\0';
    return s;
}

/* A sentence under construction: owned label copies. */
struct sent {
    char **gold, **pred;
    size_t n, cap;
};

static void sent_push(struct sent *s, const char *g, size_t glen, const char *p, size_t plen)
{
    if (s->n == s->cap) {
        s->cap = s->cap ? 2 * s->cap : 64;
        s->gold = realloc(s->gold, s->cap * sizeof *s->gold);
        s->pred = realloc(s->pred, s->cap * sizeof *s->pred);
        assert_non_null(s->gold);
        assert_non_null(s->pred);
    }
    s->gold[s->n] = strndup(g, glen);
    s->pred[s->n] = strndup(p, plen);
    s->n++;
}

static void sent_flush(struct sent *s, struct crftag_eval *e)
{
    assert_int_equal(crftag_eval_add(e, (const char *const *)s->gold,
                                     (const char *const *)s->pred, s->n), CRFTAG_OK);
    for (size_t i = 0; i < s->n; i++) {
        free(s->gold[i]);
        free(s->pred[i]);
    }
    s->n = 0;
}

/* Feeds a conlleval input file to e: columns split on delim, the last
 * column is the prediction, the one before it the gold label, a blank line
 * ends a sentence. */
static void feed_file(struct crftag_eval *e, const char *path, char delim)
{
    gzFile f = gzopen(path, "rb");
    assert_non_null(f);
    static char line[1 << 16];
    struct sent s = { 0 };
    while (gzgets(f, line, sizeof line)) {
        size_t len = strlen(line);
        assert_true(len + 1 < sizeof line);   /* no line was cut */
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            line[--len] = '\0';
        if (len == 0) {
            sent_flush(&s, e);
            continue;
        }
        char *last = strrchr(line, delim);
        assert_non_null(last);
        *last = '\0';
        char *prev = strrchr(line, delim);
        const char *gold = prev ? prev + 1 : line;
        sent_push(&s, gold, strlen(gold), last + 1, strlen(last + 1));
    }
    sent_flush(&s, e);
    gzclose(f);
    free(s.gold);
    free(s.pred);
}

/* Report of the evaluation of path (new struct crftag_eval); caller frees. */
static char *report_of_file(const char *path)
{
    struct crftag_eval *e;
    char *rep;
    assert_int_equal(crftag_eval_new(&e), CRFTAG_OK);
    feed_file(e, path, strstr(path, ".tsv") ? '\t' : ' ');
    assert_int_equal(crftag_eval_report(e, &rep), CRFTAG_OK);
    crftag_eval_free(e);
    return rep;
}

static void check_fixture(const char *input, const char *expected_path)
{
    char *expected = slurp(expected_path);
    assert_non_null(expected);
    char *rep = report_of_file(input);
    assert_string_equal(rep, expected);
    free(rep);
    free(expected);
}

/* Evaluates sentences given as space-separated label strings ("B-X I-X O"). */
static void split_labels(const char *text, char ***out, size_t *n)
{
    size_t cap = 16;
    char **v = malloc(cap * sizeof *v);
    *n = 0;
    const char *p = text;
    while (*p) {
        while (*p == ' ')
            p++;
        if (!*p)
            break;
        const char *q = p;
        while (*q && *q != ' ')
            q++;
        if (*n == cap) {
            cap *= 2;
            v = realloc(v, cap * sizeof *v);
        }
        v[(*n)++] = strndup(p, (size_t)(q - p));
        p = q;
    }
    *out = v;
}

static void free_labels(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

static void add_sentence(struct crftag_eval *e, const char *gold, const char *pred)
{
    char **g, **p;
    size_t ng, np;
    split_labels(gold, &g, &ng);
    split_labels(pred, &p, &np);
    assert_int_equal(ng, np);
    assert_int_equal(crftag_eval_add(e, (const char *const *)g, (const char *const *)p, ng),
                     CRFTAG_OK);
    free_labels(g, ng);
    free_labels(p, np);
}

static void check_total(const struct crftag_eval *e, uint64_t tokens, uint64_t correct_tokens,
                        uint64_t gold, uint64_t pred, uint64_t correct)
{
    struct crftag_eval_counts c;
    crftag_eval_total(e, &c);
    assert_int_equal(c.tokens, tokens);
    assert_int_equal(c.correct_tokens, correct_tokens);
    assert_int_equal(c.gold_chunks, gold);
    assert_int_equal(c.pred_chunks, pred);
    assert_int_equal(c.correct_chunks, correct);
}

static void check_type(const struct crftag_eval *e, size_t i, const char *name, uint64_t gold,
                       uint64_t pred, uint64_t correct)
{
    struct crftag_eval_counts c;
    const char *t = crftag_eval_type(e, i, &c);
    assert_non_null(t);
    assert_string_equal(t, name);
    assert_int_equal(c.gold_chunks, gold);
    assert_int_equal(c.pred_chunks, pred);
    assert_int_equal(c.correct_chunks, correct);
}

static void check_report(const struct crftag_eval *e, const char *expected)
{
    char *rep;
    assert_int_equal(crftag_eval_report(e, &rep), CRFTAG_OK);
    assert_string_equal(rep, expected);
    free(rep);
}

/* One sentence pair evaluated alone; returns the eval (caller frees). */
static struct crftag_eval *eval_one(const char *gold, const char *pred)
{
    struct crftag_eval *e;
    assert_int_equal(crftag_eval_new(&e), CRFTAG_OK);
    add_sentence(e, gold, pred);
    return e;
}

/* ------------------------------------------------------------------------ */
/* Fixtures with the official output                                        */
/* ------------------------------------------------------------------------ */

static void test_fixture_tricky(void **state)
{
    (void)state;
    check_fixture("tests/data/eval_tricky.txt", "tests/data/eval_tricky.expected");
}

static void test_fixture_raw_iob1(void **state)
{
    (void)state;
    check_fixture("tests/data/eval_raw-iob1.txt", "tests/data/eval_raw-iob1.expected");
}

static void test_fixture_wikiser(void **state)
{
    (void)state;
    check_fixture("tests/data/eval_wikiser-dev-20k.tsv.gz",
                  "tests/data/eval_wikiser-dev-20k.expected");
}

/* ------------------------------------------------------------------------ */
/* Hand-computed cases                                                      */
/* ------------------------------------------------------------------------ */

static void test_iob1_vs_iob2(void **state)
{
    (void)state;
    /* gold (IOB2) B-X I-X O B-X B-X: chunks [0,2) [3,4) [4,5).
     * pred (IOB1) I-X I-X O I-X B-X: I after O starts [0,2); O ends it;
     * I after O starts [3,4); B after I ends it and starts [4,5).
     * 3 gold, 3 found, 3 correct.  Tokens equal: 1, 2, 4 -> 3 of 5. */
    struct crftag_eval *e = eval_one("B-X I-X O B-X B-X", "I-X I-X O I-X B-X");
    check_total(e, 5, 3, 3, 3, 3);
    check_report(e,
                 "processed 5 tokens with 3 phrases; found: 3 phrases; correct: 3.\n"
                 "accuracy:  60.00%; precision: 100.00%; recall: 100.00%; FB1: 100.00\n"
                 "                X: precision: 100.00%; recall: 100.00%; FB1: 100.00  3\n");
    assert_true(crftag_eval_f1(e) == 100.0);
    crftag_eval_free(e);
}

static void test_i_after_o(void **state)
{
    (void)state;
    /* gold O I-X I-X O and pred O B-X I-X O: both one chunk [1,3) -> correct.
     * Token 1 differs (I vs B): 3 of 4 tokens. */
    struct crftag_eval *e = eval_one("O I-X I-X O", "O B-X I-X O");
    check_total(e, 4, 3, 1, 1, 1);
    crftag_eval_free(e);
}

static void test_type_change_inside(void **state)
{
    (void)state;
    /* gold B-X I-X I-X: one X chunk [0,3).
     * pred B-X I-X I-Y: the type change ends X at 2 and starts Y [2,3).
     * gold 1, found 2, correct 0; X: 1/1/0, Y: 0/1/0.  Tokens: 2 of 3. */
    struct crftag_eval *e = eval_one("B-X I-X I-X", "B-X I-X I-Y");
    check_total(e, 3, 2, 1, 2, 0);
    assert_int_equal(crftag_eval_num_types(e), 2);
    check_type(e, 0, "X", 1, 1, 0);
    check_type(e, 1, "Y", 0, 1, 0);
    check_report(e,
                 "processed 3 tokens with 1 phrases; found: 2 phrases; correct: 0.\n"
                 "accuracy:  66.67%; precision:   0.00%; recall:   0.00%; FB1:   0.00\n"
                 "                X: precision:   0.00%; recall:   0.00%; FB1:   0.00  1\n"
                 "                Y: precision:   0.00%; recall:   0.00%; FB1:   0.00  1\n");
    crftag_eval_free(e);
}

static void test_b_after_i_same_type(void **state)
{
    (void)state;
    /* gold B-X I-X B-X I-X: B after I splits -> [0,2) [2,4).
     * pred B-X I-X I-X I-X: one chunk [0,4).  gold 2, found 1, correct 0.
     * precision 0/1, recall 0/2 -> all 0.  Tokens: 3 of 4. */
    struct crftag_eval *e = eval_one("B-X I-X B-X I-X", "B-X I-X I-X I-X");
    check_total(e, 4, 3, 2, 1, 0);
    assert_true(crftag_eval_f1(e) == 0.0);
    crftag_eval_free(e);
}

static void test_chunk_at_sentence_end(void **state)
{
    (void)state;
    struct crftag_eval *e;
    /* Sentence 1 "O B-X" / "O B-X": chunk [1,2) ends at the sentence end.
     * Sentence 2 "I-X O" / "I-X O": I-X after the boundary starts a new
     * chunk.  Two separate correct chunks (joined they would make one). */
    assert_int_equal(crftag_eval_new(&e), CRFTAG_OK);
    add_sentence(e, "O B-X", "O B-X");
    add_sentence(e, "I-X O", "I-X O");
    check_total(e, 4, 4, 2, 2, 2);
    crftag_eval_free(e);

    /* Sentence 1 "B-X" / "B-X" is correct by itself; sentence 2 gold "I-X",
     * pred "O": a gold chunk missed.  gold 2, found 1, correct 1:
     * P 100, R 50, F 2*100*50/150 = 66.67. */
    assert_int_equal(crftag_eval_new(&e), CRFTAG_OK);
    add_sentence(e, "B-X", "B-X");
    add_sentence(e, "I-X", "O");
    check_total(e, 2, 1, 2, 1, 1);
    check_report(e,
                 "processed 2 tokens with 2 phrases; found: 1 phrases; correct: 1.\n"
                 "accuracy:  50.00%; precision: 100.00%; recall:  50.00%; FB1:  66.67\n"
                 "                X: precision: 100.00%; recall:  50.00%; FB1:  66.67  1\n");
    crftag_eval_free(e);

    /* A chunk running up to the last token: the boundary ends it in both,
     * so "O B-X I-X" / "O B-X I-X" has one correct chunk [1,3). */
    e = eval_one("O B-X I-X", "O B-X I-X");
    check_total(e, 3, 3, 1, 1, 1);
    crftag_eval_free(e);
}

static void test_iobes(void **state)
{
    (void)state;
    /* conlleval 2004-01-26 has E- rules but no S- rules:
     *   S-X after O starts (type rule: X != ""), O after S-X ends (type rule);
     *   B-Y starts, E-Y continues (B>E is neither end nor start);
     *   S-X after E-Y: end and start by the type rule;
     *   S-X after S-X of the same type: neither -> the two S-X merge.
     * gold chunks: X[0,1) Y[2,4) X[4,6) = 3; pred identical -> 3 correct. */
    const char *lab[] = { "S-X", "O", "B-Y", "E-Y", "S-X", "S-X" };
    struct crftag_chunk ch[6];
    size_t k = crftag_chunks(lab, 6, ch);
    assert_int_equal(k, 3);
    assert_int_equal(ch[0].begin, 0);
    assert_int_equal(ch[0].end, 1);
    assert_int_equal(ch[1].begin, 2);
    assert_int_equal(ch[1].end, 4);
    assert_int_equal(ch[2].begin, 4);
    assert_int_equal(ch[2].end, 6);
    struct crftag_eval *e = eval_one("S-X O B-Y E-Y S-X S-X", "S-X O B-Y E-Y S-X S-X");
    check_total(e, 6, 6, 3, 3, 3);
    crftag_eval_free(e);

    /* IOE: E>E and E>I end and start; O>E starts.
     * I-X E-X E-X I-X E-X: [0,2) [2,3) [3,5) = 3 chunks.
     * pred I-X I-X E-X I-X E-X: [0,3) [3,5): the first differs, the second
     * matches.  gold 3, found 2, correct 1.  Tokens: 4 of 5. */
    const char *ioe[] = { "I-X", "E-X", "E-X", "I-X", "E-X" };
    k = crftag_chunks(ioe, 5, ch);
    assert_int_equal(k, 3);
    assert_int_equal(ch[1].begin, 2);
    assert_int_equal(ch[1].end, 3);
    e = eval_one("I-X E-X E-X I-X E-X", "I-X I-X E-X I-X E-X");
    check_total(e, 5, 4, 3, 2, 1);
    crftag_eval_free(e);

    /* E>B is not in either rule list: B-X E-X B-X E-X is ONE chunk. */
    const char *ebe[] = { "B-X", "E-X", "B-X", "E-X" };
    k = crftag_chunks(ebe, 4, ch);
    assert_int_equal(k, 1);
    assert_int_equal(ch[0].end, 4);
}

static void test_hyphenated_types(void **state)
{
    (void)state;
    /* The split is /^([^-]*)-(.*)$/: "B-Data-Structure" -> B, Data-Structure.
     * gold B-Data-Structure I-Data-Structure: one chunk [0,2).
     * pred B-Data-Structure I-Data: types differ -> [0,1) and Data [1,2).
     * gold 1, found 2, correct 0.  Sorted: "Data" < "Data-Structure". */
    struct crftag_eval *e = eval_one("B-Data-Structure I-Data-Structure",
                                     "B-Data-Structure I-Data");
    check_total(e, 2, 1, 1, 2, 0);
    assert_int_equal(crftag_eval_num_types(e), 2);
    check_type(e, 0, "Data", 0, 1, 0);
    check_type(e, 1, "Data-Structure", 1, 1, 0);
    crftag_eval_free(e);

    /* Byte order, as Perl's sort: upper case before '_' before lower case. */
    e = eval_one("B-b B-_ B-a B-B B-A", "O O O O O");
    assert_int_equal(crftag_eval_num_types(e), 5);
    check_type(e, 0, "A", 1, 0, 0);
    check_type(e, 1, "B", 1, 0, 0);
    check_type(e, 2, "_", 1, 0, 0);
    check_type(e, 3, "a", 1, 0, 0);
    check_type(e, 4, "b", 1, 0, 0);
    crftag_eval_free(e);
}

static void test_empty(void **state)
{
    (void)state;
    struct crftag_eval *e;
    assert_int_equal(crftag_eval_new(&e), CRFTAG_OK);
    /* Nothing added: the script prints only the first line. */
    check_report(e, "processed 0 tokens with 0 phrases; found: 0 phrases; correct: 0.\n");
    assert_int_equal(crftag_eval_num_types(e), 0);
    assert_null(crftag_eval_type(e, 0, NULL));
    assert_true(crftag_eval_f1(e) == 0.0);
    /* Empty sentences change nothing, also between two halves of a chunk
     * pair (the boundary they add is already there). */
    assert_int_equal(crftag_eval_add(e, NULL, NULL, 0), CRFTAG_OK);
    add_sentence(e, "B-X I-X", "B-X I-X");
    assert_int_equal(crftag_eval_add(e, NULL, NULL, 0), CRFTAG_OK);
    assert_int_equal(crftag_eval_add(e, NULL, NULL, 0), CRFTAG_OK);
    add_sentence(e, "B-X", "I-X");
    check_total(e, 3, 2, 2, 2, 2);
    crftag_eval_free(e);
}

static void test_unseen_gold_type(void **state)
{
    (void)state;
    /* gold B-NP I-LST O, pred B-NP O O (LST never predicted, as in
     * CoNLL-2000 test): NP [0,1) correct; LST [1,2) missed (I after B of a
     * different type starts it).  gold 2, found 1, correct 1.
     * overall P 100, R 50, F 66.67; LST listed with 0.00 and count 0. */
    struct crftag_eval *e = eval_one("B-NP I-LST O", "B-NP O O");
    check_total(e, 3, 2, 2, 1, 1);
    check_report(e,
                 "processed 3 tokens with 2 phrases; found: 1 phrases; correct: 1.\n"
                 "accuracy:  66.67%; precision: 100.00%; recall:  50.00%; FB1:  66.67\n"
                 "              LST: precision:   0.00%; recall:   0.00%; FB1:   0.00  0\n"
                 "               NP: precision: 100.00%; recall: 100.00%; FB1: 100.00  1\n");
    crftag_eval_free(e);
}

static void test_zero_predictions(void **state)
{
    (void)state;
    /* All predictions O: found 0 -> precision 0 (no division), recall 0/2,
     * FB1 0 (p + r == 0).  Tokens equal: the two O -> 2 of 5. */
    struct crftag_eval *e = eval_one("B-X I-X O B-Y O", "O O O O O");
    check_total(e, 5, 2, 2, 0, 0);
    assert_true(crftag_eval_f1(e) == 0.0);
    check_report(e,
                 "processed 5 tokens with 2 phrases; found: 0 phrases; correct: 0.\n"
                 "accuracy:  40.00%; precision:   0.00%; recall:   0.00%; FB1:   0.00\n"
                 "                X: precision:   0.00%; recall:   0.00%; FB1:   0.00  0\n"
                 "                Y: precision:   0.00%; recall:   0.00%; FB1:   0.00  0\n");
    crftag_eval_free(e);

    /* Nothing in gold either: only O tokens, no types. */
    e = eval_one("O O", "O O");
    check_report(e,
                 "processed 2 tokens with 0 phrases; found: 0 phrases; correct: 0.\n"
                 "accuracy: 100.00%; precision:   0.00%; recall:   0.00%; FB1:   0.00\n");
    crftag_eval_free(e);
}

static void test_perl_quirks(void **state)
{
    (void)state;
    /* "B-0": the type "0" is false in Perl and becomes "" ; "B" has type ""
     * too.  Both start a "" chunk (O>B), equal types -> correct at the
     * boundary (B>O ends both).  Tags B = B and types "" = "" -> the token
     * counts as correct.  "" started chunks in gold and guessed, and the
     * script's dedup (`not($lastType) or ...`) lets it through twice. */
    struct crftag_eval *e = eval_one("B-0", "B");
    check_total(e, 1, 1, 1, 1, 1);
    check_report(e,
                 "processed 1 tokens with 1 phrases; found: 1 phrases; correct: 1.\n"
                 "accuracy: 100.00%; precision: 100.00%; recall: 100.00%; FB1: 100.00\n"
                 "                 : precision: 100.00%; recall: 100.00%; FB1: 100.00  1\n"
                 "                 : precision: 100.00%; recall: 100.00%; FB1: 100.00  1\n");
    crftag_eval_free(e);

    /* A type longer than 17 bytes is not cut (%17s). */
    e = eval_one("B-Very_Long_Type_Name_X", "B-Very_Long_Type_Name_X");
    check_report(e,
                 "processed 1 tokens with 1 phrases; found: 1 phrases; correct: 1.\n"
                 "accuracy: 100.00%; precision: 100.00%; recall: 100.00%; FB1: 100.00\n"
                 "Very_Long_Type_Name_X: precision: 100.00%; recall: 100.00%; FB1: 100.00  1\n");
    crftag_eval_free(e);
}

static void test_rules_table(void **state)
{
    (void)state;
#define END(pt, py, t, y) \
    eval_end_of_chunk(pt, strlen(pt), py, strlen(py), t, strlen(t), y, strlen(y))
#define START(pt, py, t, y) \
    eval_start_of_chunk(pt, strlen(pt), py, strlen(py), t, strlen(t), y, strlen(y))
    /* explicit pairs, same type */
    assert_true(END("B", "X", "B", "X") && START("B", "X", "B", "X"));
    assert_true(END("I", "X", "B", "X") && START("I", "X", "B", "X"));
    assert_true(!END("B", "X", "I", "X") && !START("B", "X", "I", "X"));
    assert_true(!END("I", "X", "I", "X") && !START("I", "X", "I", "X"));
    assert_true(END("E", "X", "E", "X") && START("E", "X", "E", "X"));
    assert_true(END("E", "X", "I", "X") && START("E", "X", "I", "X"));
    assert_true(!END("E", "X", "B", "X") && !START("E", "X", "B", "X"));
    assert_true(!END("S", "X", "S", "X") && !START("S", "X", "S", "X"));
    assert_true(START("O", "", "E", "X") && START("O", "", "I", "X"));
    assert_true(END("B", "X", "O", "") && END("I", "X", "O", "") && END("E", "X", "O", ""));
    assert_true(!START("B", "X", "O", ""));
    /* type rule, and its O / '.' exceptions */
    assert_true(END("I", "X", "I", "Y") && START("I", "X", "I", "Y"));
    assert_true(!END(".", "X", "I", "Y") && START(".", "X", "I", "Y"));
    assert_true(!START("I", "X", ".", "Y") && END("I", "X", ".", "Y"));
    assert_true(!START("I", "X", "O", "Y"));
    assert_true(!END("O", "X", "I", "X") && START("O", "X", "I", "X"));
    /* brackets are one-token chunks */
    assert_true(END("[", "X", "I", "X") && END("]", "X", "I", "X"));
    assert_true(START("I", "X", "[", "X") && START("I", "X", "]", "X"));
    /* a multi-character tag is none of the one-letter ones */
    assert_true(!END("BB", "X", "B", "X") && !START("BB", "X", "II", "X"));
#undef END
#undef START
}

static void test_chunks_spans(void **state)
{
    (void)state;
    const char *lab[] = { "B-PER", "I-PER", "O", "I-LOC", "B-LOC", "I-ORG-X", "O",
                          "B-PER" };
    struct crftag_chunk ch[8];
    size_t k = crftag_chunks(lab, 8, ch);
    /* B-PER I-PER | O | I-LOC (I after O) | B-LOC (B after I) | I-ORG-X
     * (type change) | O | B-PER at the end of the sequence */
    assert_int_equal(k, 5);
    size_t want[5][3] = { { 0, 2, 0 }, { 3, 4, 3 }, { 4, 5, 4 }, { 5, 6, 5 }, { 7, 8, 7 } };
    const char *types[5] = { "PER", "LOC", "LOC", "ORG-X", "PER" };
    for (size_t i = 0; i < 5; i++) {
        assert_int_equal(ch[i].begin, want[i][0]);
        assert_int_equal(ch[i].end, want[i][1]);
        /* the type points into the start token's label, after the '-' */
        assert_ptr_equal(ch[i].type, lab[want[i][2]] + 2);
        assert_int_equal(ch[i].type_len, strlen(types[i]));
        assert_memory_equal(ch[i].type, types[i], ch[i].type_len);
    }
    assert_int_equal(crftag_chunks(lab, 0, ch), 0);
    assert_int_equal(crftag_chunks(NULL, 3, ch), 0);

    /* '.' never ends a chunk nor starts one: B-X .-X O -> [0,3), closed at
     * the sequence end; '[' and ']' make one-token chunks. */
    const char *dot[] = { "B-X", ".-X", "O" };
    k = crftag_chunks(dot, 3, ch);
    assert_int_equal(k, 1);
    assert_int_equal(ch[0].end, 3);
    const char *br[] = { "[-X", "[-X", "]-X" };
    k = crftag_chunks(br, 3, ch);
    assert_int_equal(k, 3);
    assert_int_equal(ch[2].begin, 2);
    assert_int_equal(ch[2].end, 3);
}

static void test_args(void **state)
{
    (void)state;
    struct crftag_eval *e;
    char *rep = (char *)"x";
    assert_int_equal(crftag_eval_new(NULL), CRFTAG_ERR_INVALID);
    assert_int_equal(crftag_eval_new(&e), CRFTAG_OK);
    const char *g[] = { "B-X", NULL };
    const char *p[] = { "B-X", "O" };
    assert_int_equal(crftag_eval_add(NULL, g, p, 1), CRFTAG_ERR_INVALID);
    assert_int_equal(crftag_eval_add(e, NULL, p, 1), CRFTAG_ERR_INVALID);
    assert_int_equal(crftag_eval_add(e, g, p, 2), CRFTAG_ERR_INVALID);
    check_total(e, 0, 0, 0, 0, 0);     /* a refused sentence counts nothing */
    assert_int_equal(crftag_eval_report(NULL, &rep), CRFTAG_ERR_INVALID);
    assert_null(rep);
    assert_int_equal(crftag_eval_report(e, NULL), CRFTAG_ERR_INVALID);
    assert_null(crftag_eval_type(e, 3, NULL));
    crftag_eval_free(e);
    crftag_eval_free(NULL);
}

/* ------------------------------------------------------------------------ */
/* Plain tags (not BIO)                                                     */
/* ------------------------------------------------------------------------ */

static void test_labels_plain_rule(void **state)
{
    (void)state;
    const char *pos[] = { "NOUN", "VERB", "PUNCT" };
    assert_int_equal(crftag_labels_plain(pos, 3), 1);
    /* hyphens elsewhere, or before something other than one of B I E S */
    const char *ptb[] = { "-LRB-", "PRP$", "NN", "X-Y", "BB-X", "b-X", "B-" };
    assert_int_equal(crftag_labels_plain(ptb, 7), 1);
    /* one chunk label is enough to make a chunk set, whatever its letter */
    const char *mixed[] = { "NOUN", "B-NP" };
    assert_int_equal(crftag_labels_plain(mixed, 2), 0);
    const char *e[] = { "E-X", "O" }, *s[] = { "S-X" }, *i[] = { "I-LOC" };
    assert_int_equal(crftag_labels_plain(e, 2), 0);
    assert_int_equal(crftag_labels_plain(s, 1), 0);
    assert_int_equal(crftag_labels_plain(i, 1), 0);
    /* only "O", nothing, NULL: not plain (conlleval's report stays) */
    const char *o[] = { "O", NULL, "O" };
    assert_int_equal(crftag_labels_plain(o, 3), 0);
    assert_int_equal(crftag_labels_plain(o, 0), 0);
    assert_int_equal(crftag_labels_plain(NULL, 3), 0);
    const char *on[] = { "O", NULL, "NOUN" };
    assert_int_equal(crftag_labels_plain(on, 3), 1);
}

static void test_chunks_plain(void **state)
{
    (void)state;
    /* every token not tagged "O" is a one-token chunk typed by its label */
    const char *lab[] = { "DET", "O", "NOUN", "B-X" };
    struct crftag_chunk ch[4];
    size_t k = crftag_chunks_plain(lab, 4, ch);
    assert_int_equal(k, 3);
    assert_int_equal(ch[0].begin, 0);
    assert_int_equal(ch[0].end, 1);
    assert_ptr_equal(ch[0].type, lab[0]);
    assert_int_equal(ch[0].type_len, 3);
    assert_int_equal(ch[1].begin, 2);
    assert_int_equal(ch[1].end, 3);
    assert_ptr_equal(ch[1].type, lab[2]);
    assert_int_equal(ch[2].begin, 3);
    assert_int_equal(ch[2].type_len, 3);     /* the whole label "B-X" */
    assert_int_equal(crftag_chunks_plain(lab, 0, ch), 0);
    assert_int_equal(crftag_chunks_plain(NULL, 4, ch), 0);
    assert_int_equal(crftag_chunks_plain(lab, 4, NULL), 0);
}

static void test_plain_tags(void **state)
{
    (void)state;
    struct crftag_eval *e;
    assert_int_equal(crftag_eval_new(&e), CRFTAG_OK);
    /* Three sentences of UPOS tags; the differing tokens are marked *.
     *   DET NOUN* VERB ADP DET NOUN PUNCT   pred NOUN -> VERB
     *   PRON AUX* ADJ PUNCT                 pred AUX -> VERB
     *   INTJ*                               pred INTJ -> NOUN
     * 12 tokens, 9 equal: accuracy 75.00.  Per tag (gold, found, correct):
     *   ADJ 1 1 1, ADP 1 1 1, DET 2 2 2, PRON 1 1 1, PUNCT 2 2 2: P = R = F = 100
     *   AUX 1 0 0, INTJ 1 0 0: nothing found -> P 0, R 0, F 0
     *   NOUN 2 2 1 (gold tokens 2 and 6; found 6 and the INTJ): P 50, R 50, F 50
     *   VERB 1 3 1 (found: its own token and the two errors):
     *        P 33.33, R 100, F 2 * 33.33 * 100 / 133.33 = 50.00
     * No "O": the one-token chunks are all tokens, so the micro F1 is the
     * accuracy (gold 12, found 12, correct 9). */
    add_sentence(e, "DET NOUN VERB ADP DET NOUN PUNCT", "DET VERB VERB ADP DET NOUN PUNCT");
    add_sentence(e, "PRON AUX ADJ PUNCT", "PRON VERB ADJ PUNCT");
    add_sentence(e, "INTJ", "NOUN");
    check_total(e, 12, 9, 12, 12, 9);
    struct crftag_eval_counts c;
    crftag_eval_total(e, &c);
    assert_int_equal(c.plain_tags, 1);
    assert_true(c.accuracy == 75.0);
    assert_true(crftag_eval_f1(e) == 75.0);
    assert_int_equal(crftag_eval_num_types(e), 9);
    check_type(e, 0, "ADJ", 1, 1, 1);
    check_type(e, 2, "AUX", 1, 0, 0);
    check_type(e, 4, "INTJ", 1, 0, 0);
    check_type(e, 5, "NOUN", 2, 2, 1);
    check_type(e, 8, "VERB", 1, 3, 1);
    assert_null(crftag_eval_type(e, 9, NULL));
    crftag_eval_type(e, 8, &c);
    assert_int_equal(c.plain_tags, 1);
    check_report(e,
        "processed 12 tokens (plain tags, not BIO: scored token by token); correct: 9.\n"
        "token accuracy:  75.00%\n"
        "              ADJ: precision: 100.00%; recall: 100.00%; FB1: 100.00  gold: 1; found: 1; correct: 1\n"
        "              ADP: precision: 100.00%; recall: 100.00%; FB1: 100.00  gold: 1; found: 1; correct: 1\n"
        "              AUX: precision:   0.00%; recall:   0.00%; FB1:   0.00  gold: 1; found: 0; correct: 0\n"
        "              DET: precision: 100.00%; recall: 100.00%; FB1: 100.00  gold: 2; found: 2; correct: 2\n"
        "             INTJ: precision:   0.00%; recall:   0.00%; FB1:   0.00  gold: 1; found: 0; correct: 0\n"
        "             NOUN: precision:  50.00%; recall:  50.00%; FB1:  50.00  gold: 2; found: 2; correct: 1\n"
        "             PRON: precision: 100.00%; recall: 100.00%; FB1: 100.00  gold: 1; found: 1; correct: 1\n"
        "            PUNCT: precision: 100.00%; recall: 100.00%; FB1: 100.00  gold: 2; found: 2; correct: 2\n"
        "             VERB: precision:  33.33%; recall: 100.00%; FB1:  50.00  gold: 1; found: 3; correct: 1\n");

    /* One gold chunk label later turns the whole evaluation back into
     * conlleval's: the POS tags have no chunks, B-X is one, found by none. */
    add_sentence(e, "B-X", "O");
    crftag_eval_total(e, &c);
    assert_int_equal(c.plain_tags, 0);
    check_total(e, 13, 9, 1, 0, 0);
    check_report(e,
        "processed 13 tokens with 1 phrases; found: 0 phrases; correct: 0.\n"
        "accuracy:  69.23%; precision:   0.00%; recall:   0.00%; FB1:   0.00\n"
        "                X: precision:   0.00%; recall:   0.00%; FB1:   0.00  0\n");
    crftag_eval_free(e);
}

static void test_plain_tags_with_o(void **state)
{
    (void)state;
    /* gold O NOUN O VERB, pred NOUN NOUN O B-X: tokens 1 and 2 equal ->
     * accuracy 50.00.  "O" is no tag: gold has NOUN, VERB (2); pred has
     * NOUN, NOUN, B-X (3, a chunk label only in the prediction does not
     * change the mode); correct: token 1.  Micro P 33.33, R 50, F 40.
     * NOUN: gold 1, found 2, correct 1 -> P 50, R 100, F 66.67;
     * B-X: 0 1 0; VERB: 1 0 0; O not listed. */
    struct crftag_eval *e = eval_one("O NOUN O VERB", "NOUN NOUN O B-X");
    check_total(e, 4, 2, 2, 3, 1);
    struct crftag_eval_counts c;
    crftag_eval_total(e, &c);
    assert_int_equal(c.plain_tags, 1);
    assert_true(c.accuracy == 50.0);
    assert_true(fabs(crftag_eval_f1(e) - 40.0) < 1e-12);
    assert_int_equal(crftag_eval_num_types(e), 3);
    check_type(e, 0, "B-X", 0, 1, 0);
    check_type(e, 1, "NOUN", 1, 2, 1);
    check_type(e, 2, "VERB", 1, 0, 0);
    check_report(e,
        "processed 4 tokens (plain tags, not BIO: scored token by token); correct: 2.\n"
        "token accuracy:  50.00%\n"
        "              B-X: precision:   0.00%; recall:   0.00%; FB1:   0.00  gold: 0; found: 1; correct: 0\n"
        "             NOUN: precision:  50.00%; recall: 100.00%; FB1:  66.67  gold: 1; found: 2; correct: 1\n"
        "             VERB: precision:   0.00%; recall:   0.00%; FB1:   0.00  gold: 1; found: 0; correct: 0\n");
    crftag_eval_free(e);

    /* BIO labels: the appended fields say so, accuracy as conlleval's */
    e = eval_one("B-X I-X O B-X B-X", "I-X I-X O I-X B-X");
    crftag_eval_total(e, &c);
    assert_int_equal(c.plain_tags, 0);
    assert_true(c.accuracy == 60.0);
    crftag_eval_free(e);
}

/* ------------------------------------------------------------------------ */
/* Random cross-check against span matching                                 */
/* ------------------------------------------------------------------------ */

static uint64_t rng_state = 0x853c49e6748fea9bULL;

static uint32_t rng(void)
{
    return (uint32_t)(lcg64(&rng_state) >> 33);
}

/* With tags B, I, E, S and a bare O, conlleval's ends and starts coincide
 * (see test_iobes), so its counts must equal set operations on the spans of
 * crftag_chunks: correct = chunks equal in begin, end and type. */
static void test_random_vs_spans(void **state)
{
    (void)state;
    static const char *pool[] = { "O", "O", "O", "B-X", "I-X", "E-X", "S-X", "B-Y", "I-Y",
                                  "E-Y", "S-Y", "B-X-Y", "I-X-Y" };
    const size_t npool = sizeof pool / sizeof pool[0];
    for (int round = 0; round < 200; round++) {
        struct crftag_eval *e;
        assert_int_equal(crftag_eval_new(&e), CRFTAG_OK);
        uint64_t tok = 0, ctok = 0, ng = 0, np = 0, nc = 0;
        uint64_t per[3][3] = { { 0 } };   /* [X, Y, X-Y][gold, pred, correct] */
        int nsent = 1 + (int)(rng() % 4);
        for (int s = 0; s < nsent; s++) {
            size_t n = rng() % 12;
            const char *g[12], *p[12];
            for (size_t i = 0; i < n; i++) {
                g[i] = pool[rng() % npool];
                p[i] = (rng() % 3) ? g[i] : pool[rng() % npool];
                tok++;
                ctok += strcmp(g[i], p[i]) == 0;
            }
            struct crftag_chunk gc[12], pc[12];
            size_t kg = crftag_chunks(g, n, gc), kp = crftag_chunks(p, n, pc);
            ng += kg;
            np += kp;
            for (size_t a = 0; a < kg; a++) {
                size_t ta = gc[a].type_len == 1 ? (size_t)(gc[a].type[0] - 'X') : 2;
                per[ta][0]++;
                for (size_t b = 0; b < kp; b++) {
                    if (gc[a].begin == pc[b].begin && gc[a].end == pc[b].end &&
                        gc[a].type_len == pc[b].type_len &&
                        memcmp(gc[a].type, pc[b].type, gc[a].type_len) == 0) {
                        nc++;
                        per[ta][2]++;
                    }
                }
            }
            for (size_t b = 0; b < kp; b++)
                per[pc[b].type_len == 1 ? (size_t)(pc[b].type[0] - 'X') : 2][1]++;
            assert_int_equal(crftag_eval_add(e, g, p, n), CRFTAG_OK);
        }
        check_total(e, tok, ctok, ng, np, nc);
        const char *names[3] = { "X", "X-Y", "Y" };  /* sorted order */
        const size_t idx[3] = { 0, 2, 1 };
        size_t listed = 0;
        for (size_t t = 0; t < 3; t++) {
            const uint64_t *c = per[idx[t]];
            if (c[0] || c[1])
                check_type(e, listed++, names[t], c[0], c[1], c[2]);
        }
        assert_int_equal(crftag_eval_num_types(e), listed);
        crftag_eval_free(e);
    }
}

/* ------------------------------------------------------------------------ */

static int compare_files(const char *input, const char *expected_path)
{
    char *expected = slurp(expected_path);
    if (!expected) {
        fprintf(stderr, "cannot read %s\n", expected_path);
        return 2;
    }
    char *rep = report_of_file(input);
    int same = strcmp(rep, expected) == 0;
    if (!same)
        printf("MISMATCH\n--- got:\n%s--- expected:\n%s", rep, expected);
    else
        printf("identical (%zu bytes)\n", strlen(rep));
    free(rep);
    free(expected);
    return same ? 0 : 1;
}

int main(int argc, char **argv)
{
    if (argc == 3)
        return compare_files(argv[1], argv[2]);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fixture_tricky),
        cmocka_unit_test(test_fixture_raw_iob1),
        cmocka_unit_test(test_fixture_wikiser),
        cmocka_unit_test(test_iob1_vs_iob2),
        cmocka_unit_test(test_i_after_o),
        cmocka_unit_test(test_type_change_inside),
        cmocka_unit_test(test_b_after_i_same_type),
        cmocka_unit_test(test_chunk_at_sentence_end),
        cmocka_unit_test(test_iobes),
        cmocka_unit_test(test_hyphenated_types),
        cmocka_unit_test(test_empty),
        cmocka_unit_test(test_unseen_gold_type),
        cmocka_unit_test(test_zero_predictions),
        cmocka_unit_test(test_perl_quirks),
        cmocka_unit_test(test_rules_table),
        cmocka_unit_test(test_chunks_spans),
        cmocka_unit_test(test_args),
        cmocka_unit_test(test_labels_plain_rule),
        cmocka_unit_test(test_chunks_plain),
        cmocka_unit_test(test_plain_tags),
        cmocka_unit_test(test_plain_tags_with_o),
        cmocka_unit_test(test_random_vs_spans),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
