/*
 * test_corpus.c - unit tests of src/corpus.c: format detection, the WikiSER
 * and CoNLL readers, every malformed-input error (code, file, line), and the
 * in-memory corpus (joining files, rollback, column checks).
 *
 * Fixtures (real data, cut from the shared corpora):
 *   corpus_wikiser_30.txt      first 30 sentences of WikiSER train (827 tokens)
 *   corpus_wikiser_spaces.txt  WikiSER train sentences 188, 6566, 7439, 7776:
 *                              tokens with inner and trailing spaces (147 tokens)
 *   corpus_conll_30.txt.gz     first 30 sentences of CoNLL-2000 train (808 tokens)
 * Malformed inputs are small strings written to a temp directory.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "corpus.h"
#include "testutil.h"
#include "tmpfiles.h"

#define WIK30 "tests/data/corpus_wikiser_30.txt"
#define WIKSP "tests/data/corpus_wikiser_spaces.txt"
#define CONLL30 "tests/data/corpus_conll_30.txt.gz"

/* Sentence lengths of the fixtures, counted with awk. */
static const size_t wik30_len[30] = {
    13, 12, 18, 27, 21, 14, 19, 58, 32, 39, 23, 18, 49, 9, 26,
    11, 27, 15, 37, 33, 72, 15, 22, 17, 35, 18, 37, 24, 71, 15,
};
static const size_t conll30_len[30] = {
    37, 27, 29, 36, 31, 36, 39, 25, 28, 24, 16, 25, 26, 47, 25,
    11, 32, 12, 18, 26, 26, 37, 37, 28, 26, 21, 18, 20, 41, 4,
};

/* ------------------------------------------------------------------------ */
/* helpers                                                                  */
/* ------------------------------------------------------------------------ */

/* Writes a string literal (which may hold NUL bytes) to a temp file. */
#define TMP_LIT(name, lit) write_tmp_n((name), (lit), sizeof(lit) - 1)

static const char *cell(const struct sentence *s, size_t tok, size_t col)
{
    assert_true(tok < s->n && col < s->ncols);
    return s->cols[tok * s->ncols + col];
}

/* Reads the whole file with the streaming reader and expects the error
 * code at line (file = path), after `good` complete sentences. */
static void expect_reader_error(const char *path, size_t good, enum crftag_status code,
                                long line, const char *msg)
{
    struct corpus_reader *r;
    struct crftag_error err;
    assert_int_equal(corpus_reader_open(path, &r, &err), CRFTAG_OK);
    struct sentence s;
    int st;
    size_t n = 0;
    while ((st = corpus_reader_next(r, &s, &err)) == 1)
        n++;
    assert_int_equal(st, code);
    assert_int_equal(n, good);
    assert_int_equal(err.code, code);
    assert_string_equal(err.file, path);
    assert_int_equal(err.line, line);
    if (msg)
        assert_string_equal(err.msg, msg);
    /* the error is sticky */
    assert_int_equal(corpus_reader_next(r, &s, &err), code);
    corpus_reader_close(r);

    /* crftag_corpus_read reports the same and keeps nothing of the file */
    struct crftag_corpus *c;
    assert_int_equal(crftag_corpus_new(&c), CRFTAG_OK);
    assert_int_equal(crftag_corpus_read(c, path, &err), code);
    assert_string_equal(err.file, path);
    assert_int_equal(err.line, line);
    size_t ns = 9, nt = 9;
    crftag_corpus_size(c, &ns, &nt);
    assert_int_equal(ns, 0);
    assert_int_equal(nt, 0);
    assert_int_equal(c->ncols, 0);
    crftag_corpus_free(c);
}

/* Reads path into a new corpus, expecting success. */
static struct crftag_corpus *read_ok(const char *path)
{
    struct crftag_corpus *c;
    struct crftag_error err;
    assert_int_equal(crftag_corpus_new(&c), CRFTAG_OK);
    enum crftag_status st = crftag_corpus_read(c, path, &err);
    if (st != CRFTAG_OK)
        fail_msg("%s:%ld: %s", err.file, err.line, err.msg);
    return c;
}

/* ------------------------------------------------------------------------ */
/* well-formed input                                                        */
/* ------------------------------------------------------------------------ */

static void test_wikiser_fixture_stream(void **state)
{
    (void)state;
    struct corpus_reader *r;
    struct crftag_error err;
    assert_int_equal(corpus_reader_open(WIK30, &r, &err), CRFTAG_OK);
    assert_int_equal(corpus_reader_format(r), CORPUS_UNKNOWN);
    struct sentence s;
    long line = 2;          /* each block takes n + 2 lines */
    for (size_t i = 0; i < 30; i++) {
        assert_int_equal(corpus_reader_next(r, &s, &err), 1);
        assert_int_equal(corpus_reader_format(r), CORPUS_WIKISER);
        assert_int_equal(s.n, wik30_len[i]);
        assert_int_equal(s.ncols, 2);
        assert_int_equal(s.line, line);
        line += (long)s.n + 2;
        if (i == 0) {
            assert_string_equal(cell(&s, 0, 0), ",");
            assert_string_equal(cell(&s, 0, 1), "O");
            assert_string_equal(cell(&s, 1, 0), "QEMU");
            assert_string_equal(cell(&s, 1, 1), "B-Application");
        }
        if (i == 29) {
            assert_string_equal(cell(&s, 13, 0), "Arizona");
            assert_string_equal(cell(&s, 14, 0), ".");
            assert_string_equal(cell(&s, 14, 1), "O");
        }
    }
    assert_int_equal(corpus_reader_next(r, &s, &err), 0);
    assert_int_equal(corpus_reader_next(r, &s, &err), 0);
    assert_string_equal(corpus_reader_path(r), WIK30);
    corpus_reader_close(r);
}

static void test_wikiser_fixture_corpus(void **state)
{
    (void)state;
    struct crftag_corpus *c = read_ok(WIK30);
    size_t ns, nt;
    crftag_corpus_size(c, &ns, &nt);
    assert_int_equal(ns, 30);
    assert_int_equal(nt, 827);
    assert_int_equal(c->ncols, 2);
    size_t tok = 0;
    for (size_t i = 0; i < 30; i++) {
        struct sentence s;
        corpus_sentence(c, i, &s);
        assert_int_equal(s.n, wik30_len[i]);
        assert_int_equal(s.ncols, 2);
        assert_int_equal(c->sent_start[i], tok);
        tok += s.n;
    }
    struct sentence s;
    corpus_sentence(c, 0, &s);
    assert_string_equal(cell(&s, 1, 0), "QEMU");
    assert_string_equal(cell(&s, 1, 1), "B-Application");
    crftag_corpus_free(c);
}

static void test_wikiser_spaces(void **state)
{
    (void)state;
    struct crftag_corpus *c = read_ok(WIKSP);
    size_t ns, nt;
    crftag_corpus_size(c, &ns, &nt);
    assert_int_equal(ns, 4);
    assert_int_equal(nt, 147);
    struct sentence s;
    corpus_sentence(c, 0, &s);
    assert_int_equal(s.n, 52);
    assert_string_equal(cell(&s, 2, 0), "gethostbyname( )");
    assert_string_equal(cell(&s, 4, 0), "gethostbyaddr( )");
    corpus_sentence(c, 1, &s);
    assert_string_equal(cell(&s, 18, 0), "( ");          /* trailing space kept */
    corpus_sentence(c, 2, &s);
    assert_string_equal(cell(&s, 11, 0), "[  ] ");
    assert_string_equal(cell(&s, 11, 1), "O");
    corpus_sentence(c, 3, &s);
    assert_string_equal(cell(&s, 5, 0), "O( ");
    assert_string_equal(cell(&s, 14, 0), "O(logM )");
    crftag_corpus_free(c);

    /* leading spaces, a lone space, TAB-only splitting */
    const char *p = TMP_LIT("lead.txt", "<s>\n  lead\tO\n \tO\ntrail  \tB-X\n a b \tI-X\n</s>\n");
    c = read_ok(p);
    corpus_sentence(c, 0, &s);
    assert_int_equal(s.n, 4);
    assert_string_equal(cell(&s, 0, 0), "  lead");
    assert_string_equal(cell(&s, 1, 0), " ");
    assert_string_equal(cell(&s, 2, 0), "trail  ");
    assert_string_equal(cell(&s, 2, 1), "B-X");
    assert_string_equal(cell(&s, 3, 0), " a b ");
    crftag_corpus_free(c);
}

/* The fixture with CRLF line ends and without its final newline reads the same. */
static void test_crlf_and_final_newline(void **state)
{
    (void)state;
    FILE *f = fopen(WIK30, "rb");
    assert_non_null(f);
    static char plain[16384], crlf[32768];
    size_t n = fread(plain, 1, sizeof plain, f);
    fclose(f);
    assert_true(n > 8000 && n < sizeof plain);
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        if (plain[i] == '\n')
            crlf[m++] = '\r';
        crlf[m++] = plain[i];
    }
    const char *paths[3] = {
        write_tmp_n("crlf.txt", crlf, m),
        write_tmp_n("nofinal.txt", plain, n - 1),        /* ends in "</s>" */
        write_tmp_n("crlf-nofinal.txt", crlf, m - 2),    /* ends in "</s>" */
    };
    struct crftag_corpus *ref = read_ok(WIK30);
    for (int k = 0; k < 3; k++) {
        struct crftag_corpus *c = read_ok(paths[k]);
        assert_int_equal(c->nsent, 30);
        assert_int_equal(c->ntok, 827);
        for (size_t i = 0; i < c->ntok * 2; i++)
            assert_string_equal(c->cells[i], ref->cells[i]);
        crftag_corpus_free(c);
    }
    crftag_corpus_free(ref);

    const char *p = TMP_LIT("conll-nofinal.txt", "a B C\r\nd E F");
    struct crftag_corpus *c = read_ok(p);
    assert_int_equal(c->nsent, 1);
    assert_int_equal(c->ntok, 2);
    assert_string_equal(c->cells[2], "C");
    assert_string_equal(c->cells[5], "F");
    crftag_corpus_free(c);
}

static void test_conll_gz_fixture(void **state)
{
    (void)state;
    struct corpus_reader *r;
    struct crftag_error err;
    assert_int_equal(corpus_reader_open(CONLL30, &r, &err), CRFTAG_OK);
    struct sentence s;
    long line = 1;          /* each sentence takes n + 1 lines */
    for (size_t i = 0; i < 30; i++) {
        assert_int_equal(corpus_reader_next(r, &s, &err), 1);
        assert_int_equal(corpus_reader_format(r), CORPUS_CONLL);
        assert_int_equal(s.n, conll30_len[i]);
        assert_int_equal(s.ncols, 3);
        assert_int_equal(s.line, line);
        line += (long)s.n + 1;
        if (i == 0) {
            assert_string_equal(cell(&s, 0, 0), "Confidence");
            assert_string_equal(cell(&s, 0, 1), "NN");
            assert_string_equal(cell(&s, 0, 2), "B-NP");
            assert_string_equal(cell(&s, 1, 0), "in");
            assert_string_equal(cell(&s, 1, 2), "B-PP");
        }
        if (i == 29) {
            assert_string_equal(cell(&s, 2, 0), "Market");
            assert_string_equal(cell(&s, 3, 0), "Activity");
            assert_string_equal(cell(&s, 3, 1), "NN");
            assert_string_equal(cell(&s, 3, 2), "I-NP");
        }
    }
    assert_int_equal(corpus_reader_next(r, &s, &err), 0);
    corpus_reader_close(r);

    struct crftag_corpus *c = read_ok(CONLL30);
    size_t ns, nt;
    crftag_corpus_size(c, &ns, &nt);
    assert_int_equal(ns, 30);
    assert_int_equal(nt, 808);
    assert_int_equal(c->ncols, 3);
    crftag_corpus_free(c);
}

static void test_conll_docstart(void **state)
{
    (void)state;
    const char *p = TMP_LIT("docstart.txt",
                            "-DOCSTART- -X- O\n"
                            "\n"
                            "EU NNP B-ORG\n"
                            "rejects VBZ O\n"
                            "-DOCSTART- -X- O\n"
                            "German JJ B-MISC\n"
                            "\n"
                            "  -DOCSTART-  \n"
                            "x Y O\n");
    struct corpus_reader *r;
    struct crftag_error err;
    assert_int_equal(corpus_reader_open(p, &r, &err), CRFTAG_OK);
    struct sentence s;
    assert_int_equal(corpus_reader_next(r, &s, &err), 1);
    assert_int_equal(corpus_reader_format(r), CORPUS_CONLL);
    assert_int_equal(s.n, 2);
    assert_int_equal(s.line, 3);
    assert_string_equal(cell(&s, 0, 0), "EU");
    assert_string_equal(cell(&s, 1, 2), "O");
    assert_int_equal(corpus_reader_doc_start(r), 1);     /* each starts a document */
    assert_int_equal(corpus_reader_next(r, &s, &err), 1);
    assert_int_equal(s.n, 1);
    assert_int_equal(s.line, 6);
    assert_string_equal(cell(&s, 0, 0), "German");
    assert_int_equal(corpus_reader_doc_start(r), 1);
    assert_int_equal(corpus_reader_next(r, &s, &err), 1);
    assert_int_equal(s.n, 1);
    assert_int_equal(s.line, 9);
    assert_int_equal(corpus_reader_doc_start(r), 1);
    assert_int_equal(corpus_reader_next(r, &s, &err), 0);
    corpus_reader_close(r);
    /* sentences within one document, and the public call */
    p = TMP_LIT("docstart2.txt", "-DOCSTART- O\n\na O\n\nb O\n\n-DOCSTART- O\nc O\n");
    struct crftag_reader *pr;
    assert_int_equal(crftag_reader_open(p, &pr, &err), CRFTAG_OK);
    const char *const *cols;
    size_t n, nc;
    static const int want[] = { 1, 0, 1 };
    for (int k = 0; k < 3; k++) {
        assert_int_equal(crftag_reader_next(pr, &cols, &n, &nc, &err), 1);
        assert_int_equal(crftag_reader_doc_start(pr), want[k]);
    }
    assert_int_equal(crftag_reader_next(pr, &cols, &n, &nc, &err), 0);
    crftag_reader_close(pr);
    assert_int_equal(crftag_reader_doc_start(NULL), 0);
    /* read into a corpus: the documents are kept (corpus_doc_start), and
     * each file read is one, a sentence added by hand none */
    struct crftag_corpus *cd = read_ok(p);
    assert_int_equal(cd->nsent, 3);
    for (size_t k = 0; k < 3; k++)
        assert_int_equal(corpus_doc_start(cd, k), want[k]);
    p = TMP_LIT("docstart3.txt", "d O\n\ne O\n");
    assert_int_equal(crftag_corpus_read(cd, p, &err), CRFTAG_OK);
    const char *hand[] = { "f", "O" };
    assert_int_equal(crftag_corpus_add_sentence(cd, hand, 1, 2, &err), CRFTAG_OK);
    assert_int_equal(cd->nsent, 6);
    assert_int_equal(corpus_doc_start(cd, 3), 1);
    assert_int_equal(corpus_doc_start(cd, 4), 0);
    assert_int_equal(corpus_doc_start(cd, 5), 0);
    crftag_corpus_free(cd);

    /* TAB mode: -DOCSTART- is the whole first TAB field */
    p = TMP_LIT("docstart-tab.txt", "-DOCSTART-\tO\n\na b\tO\n");
    struct crftag_corpus *c = read_ok(p);
    assert_int_equal(c->nsent, 1);
    assert_string_equal(c->cells[0], "a b");
    crftag_corpus_free(c);
}

static void test_conll_tabs_and_spaces(void **state)
{
    (void)state;
    /* a line holding a TAB is split on TABs only, spaces stay in the field */
    const char *p = TMP_LIT("tabs.txt",
                            "New York\tNNP\tB-LOC\n"
                            " is \tVBZ\tO\n"
                            "\n"
                            "big  \t JJ\tO\n");
    struct crftag_corpus *c = read_ok(p);
    assert_int_equal(c->nsent, 2);
    assert_int_equal(c->ncols, 3);
    assert_string_equal(c->cells[0], "New York");
    assert_string_equal(c->cells[2], "B-LOC");
    assert_string_equal(c->cells[3], " is ");
    assert_string_equal(c->cells[6], "big  ");
    assert_string_equal(c->cells[7], " JJ");
    crftag_corpus_free(c);

    /* runs of spaces, leading and trailing spaces; blank runs and
     * whitespace-only lines separate sentences */
    p = TMP_LIT("spaces.txt",
                "\n \n"
                "  a   B  C  \n"
                "d E F\n"
                "\n\n   \n\n"
                "g H I\n"
                "\n\n");
    struct corpus_reader *r;
    struct crftag_error err;
    assert_int_equal(corpus_reader_open(p, &r, &err), CRFTAG_OK);
    struct sentence s;
    assert_int_equal(corpus_reader_next(r, &s, &err), 1);
    assert_int_equal(s.n, 2);
    assert_int_equal(s.ncols, 3);
    assert_int_equal(s.line, 3);
    assert_string_equal(cell(&s, 0, 0), "a");
    assert_string_equal(cell(&s, 0, 1), "B");
    assert_string_equal(cell(&s, 0, 2), "C");
    assert_string_equal(cell(&s, 1, 2), "F");
    assert_int_equal(corpus_reader_next(r, &s, &err), 1);
    assert_int_equal(s.n, 1);
    assert_int_equal(s.line, 9);
    assert_string_equal(cell(&s, 0, 1), "H");
    assert_int_equal(corpus_reader_next(r, &s, &err), 0);
    corpus_reader_close(r);
}

static void test_unlabeled_and_empty_blocks(void **state)
{
    (void)state;
    const char *p = TMP_LIT("unlabeled.txt", "\n<s>\n</s>\n<s>\nQEMU\nuses SPICE\n</s>\n\n<s>\nok\n</s>\n");
    struct corpus_reader *r;
    struct crftag_error err;
    assert_int_equal(corpus_reader_open(p, &r, &err), CRFTAG_OK);
    struct sentence s;
    assert_int_equal(corpus_reader_next(r, &s, &err), 1);   /* "<s></s>" skipped */
    assert_int_equal(corpus_reader_format(r), CORPUS_WIKISER);
    assert_int_equal(s.n, 2);
    assert_int_equal(s.ncols, 1);
    assert_int_equal(s.line, 5);
    assert_string_equal(cell(&s, 1, 0), "uses SPICE");
    assert_int_equal(corpus_reader_next(r, &s, &err), 1);
    assert_int_equal(s.line, 10);
    assert_int_equal(corpus_reader_next(r, &s, &err), 0);
    corpus_reader_close(r);
}

static void test_empty_files(void **state)
{
    (void)state;
    const char *p[3] = {
        TMP_LIT("empty.txt", ""),
        TMP_LIT("blank.txt", "\n\n  \n\t\n"),
        TMP_LIT("empty-blocks.txt", "<s>\n</s>\n"),
    };
    for (int k = 0; k < 3; k++) {
        struct corpus_reader *r;
        struct crftag_error err;
        assert_int_equal(corpus_reader_open(p[k], &r, &err), CRFTAG_OK);
        struct sentence s;
        assert_int_equal(corpus_reader_next(r, &s, &err), 0);
        assert_int_equal(corpus_reader_format(r), k == 2 ? CORPUS_WIKISER : CORPUS_UNKNOWN);
        corpus_reader_close(r);
        struct crftag_corpus *c = read_ok(p[k]);
        size_t ns = 9, nt = 9;
        crftag_corpus_size(c, &ns, &nt);
        assert_int_equal(ns, 0);
        assert_int_equal(nt, 0);
        assert_int_equal(c->ncols, 0);
        crftag_corpus_free(c);
    }
}

/* ------------------------------------------------------------------------ */
/* malformed input                                                          */
/* ------------------------------------------------------------------------ */

static void test_wikiser_errors(void **state)
{
    (void)state;
    const enum crftag_status P = CRFTAG_ERR_PARSE;
    expect_reader_error(TMP_LIT("w1.txt", "<s>\na\tO\n</s>\nb\tO\n"), 1, P, 4,
                        "token line outside a <s> block");
    expect_reader_error(TMP_LIT("w2.txt", "<s>\na\tO\n<s>\nb\tO\n</s>\n"), 0, P, 3,
                        "<s> inside a block: missing </s> for the <s> on line 1");
    expect_reader_error(TMP_LIT("w3.txt", "<s>\na\tO\n</s>\n</s>\n"), 1, P, 4,
                        "</s> without <s>");
    expect_reader_error(TMP_LIT("w4.txt", "<s>\na\tO\n</s>\n<s>\nb\tO\nc\tO\n"), 1, P, 4,
                        "end of file inside the <s> block opened here (missing </s>)");
    expect_reader_error(TMP_LIT("w5.txt", "<s>\na\tO\nb\tO\tX\n</s>\n"), 0, P, 3,
                        "more than 2 TAB-separated fields");
    expect_reader_error(TMP_LIT("w6.txt", "<s>\n\tO\n</s>\n"), 0, P, 2, "empty token");
    expect_reader_error(TMP_LIT("w7.txt", "<s>\na\t\n</s>\n"), 0, P, 2, "empty tag");
    expect_reader_error(TMP_LIT("w8.txt", "<s>\na\tO\n\nb\tO\n</s>\n"), 0, P, 3,
                        "blank line inside <s> block");
    expect_reader_error(TMP_LIT("w9.txt", "<s>\na\tO\n</s>\n<s>\na\0b\tO\n</s>\n"), 1, P, 5,
                        "NUL byte in line");
    expect_reader_error(TMP_LIT("w10.txt", "<s>\na\tO\n</s>\n<s>\nb\n</s>\n"), 1, P, 5,
                        "expected 2 columns as on line 2, found 1");
    expect_reader_error(TMP_LIT("w11.txt", "<s>\nb\nc\tO\n</s>\n"), 0, P, 3,
                        "expected 1 column as on line 2, found 2");
    /* CRLF does not shift line numbers; a stray "\r" elsewhere is data */
    expect_reader_error(TMP_LIT("w12.txt", "<s>\r\na\tO\r\n</s>\r\n\r\nx\r\n"), 1, P, 5,
                        "token line outside a <s> block");
}

static void test_conll_errors(void **state)
{
    (void)state;
    const enum crftag_status P = CRFTAG_ERR_PARSE;
    expect_reader_error(TMP_LIT("c1.txt", "a B C\nd E\n"), 0, P, 2,
                        "expected 3 columns as on line 1, found 2");
    expect_reader_error(TMP_LIT("c2.txt", "\n\na B C\n\nd E F\ng H I J\n"), 1, P, 6,
                        "expected 3 columns as on line 3, found 4");
    expect_reader_error(TMP_LIT("c3.txt", "a B C\n\nd\0 E F\n"), 1, P, 3, "NUL byte in line");
    expect_reader_error(TMP_LIT("c4.txt", "a\tB\tC\nd\t\tF\n"), 0, P, 2, "empty column 2");
    expect_reader_error(TMP_LIT("c5.txt", "a\tB\tC\t\n"), 0, P, 1, "empty column 4");
    /* a NUL in the very first line, before the format is known */
    expect_reader_error(TMP_LIT("c6.txt", "\0\n"), 0, P, 1, "NUL byte in line");
    /* gzip data that is corrupt is an I/O error naming the file */
    FILE *f = fopen(CONLL30, "rb");
    assert_non_null(f);
    static char gz[8192];
    size_t n = fread(gz, 1, sizeof gz, f);
    fclose(f);
    assert_true(n > 2000 && n < sizeof gz);
    const char *t = write_tmp_n("trunc.gz", gz, n / 2);
    struct crftag_corpus *c;
    struct crftag_error err;
    assert_int_equal(crftag_corpus_new(&c), CRFTAG_OK);
    assert_int_equal(crftag_corpus_read(c, t, &err), CRFTAG_ERR_IO);
    assert_string_equal(err.file, t);
    assert_int_equal(c->nsent, 0);
    /* a missing file */
    const char *missing = tmp_path("missing.txt");
    assert_int_equal(crftag_corpus_read(c, missing, &err), CRFTAG_ERR_IO);
    assert_string_equal(err.file, missing);
    assert_string_equal(err.msg, "cannot open: No such file or directory");
    crftag_corpus_free(c);
}

/* ------------------------------------------------------------------------ */
/* the corpus                                                               */
/* ------------------------------------------------------------------------ */

static void test_join_files(void **state)
{
    (void)state;
    struct crftag_corpus *c = read_ok(WIK30);
    struct crftag_error err;
    assert_int_equal(crftag_corpus_read(c, WIKSP, &err), CRFTAG_OK);
    size_t ns, nt;
    crftag_corpus_size(c, &ns, &nt);
    assert_int_equal(ns, 34);
    assert_int_equal(nt, 827 + 147);
    struct sentence s;
    corpus_sentence(c, 0, &s);
    assert_string_equal(cell(&s, 1, 0), "QEMU");
    corpus_sentence(c, 30, &s);
    assert_int_equal(s.n, 52);
    assert_string_equal(cell(&s, 2, 0), "gethostbyname( )");
    corpus_sentence(c, 33, &s);
    assert_string_equal(cell(&s, 14, 0), "O(logM )");
    assert_int_equal(c->sent_start[34], 974);
    crftag_corpus_free(c);
}

static void test_column_mismatch_between_files(void **state)
{
    (void)state;
    struct crftag_corpus *c = read_ok(WIK30);
    struct crftag_error err;
    assert_int_equal(crftag_corpus_read(c, CONLL30, &err), CRFTAG_ERR_PARSE);
    assert_string_equal(err.file, CONLL30);
    assert_int_equal(err.line, 1);
    assert_string_equal(err.msg, "expected 2 columns as in the files read before, found 3");
    size_t ns, nt;
    crftag_corpus_size(c, &ns, &nt);
    assert_int_equal(ns, 30);
    assert_int_equal(nt, 827);
    assert_int_equal(c->ncols, 2);
    /* the corpus still works: a 2-column CoNLL file joins it */
    const char *p = TMP_LIT("two-cols.txt", "Linux B-OS\nrocks O\n");
    assert_int_equal(crftag_corpus_read(c, p, &err), CRFTAG_OK);
    assert_int_equal(err.code, CRFTAG_OK);
    assert_int_equal(c->nsent, 31);
    struct sentence s;
    corpus_sentence(c, 30, &s);
    assert_string_equal(cell(&s, 0, 1), "B-OS");
    crftag_corpus_free(c);
}

/* A file failing midway leaves the corpus as it was before the file. */
static void test_rollback(void **state)
{
    (void)state;
    struct crftag_corpus *c = read_ok(WIK30);
    const char *bad = TMP_LIT("bad.txt", "<s>\nx\tO\n</s>\n<s>\ny\tO\nz\tB-A\n</s>\n<s>\nw\tO\n");
    struct crftag_error err;
    assert_int_equal(crftag_corpus_read(c, bad, &err), CRFTAG_ERR_PARSE);
    assert_string_equal(err.file, bad);
    assert_int_equal(err.line, 8);
    assert_int_equal(c->nsent, 30);
    assert_int_equal(c->ntok, 827);
    assert_int_equal(crftag_corpus_read(c, WIKSP, &err), CRFTAG_OK);
    assert_int_equal(c->nsent, 34);
    assert_int_equal(c->ntok, 974);
    struct sentence s;
    corpus_sentence(c, 30, &s);
    assert_int_equal(s.n, 52);
    assert_string_equal(cell(&s, 0, 0), c->cells[827 * 2]);
    assert_string_equal(cell(&s, 2, 0), "gethostbyname( )");
    crftag_corpus_free(c);

    /* a first file failing leaves the corpus empty, column count unset */
    assert_int_equal(crftag_corpus_new(&c), CRFTAG_OK);
    assert_int_equal(crftag_corpus_read(c, bad, &err), CRFTAG_ERR_PARSE);
    assert_int_equal(c->ncols, 0);
    assert_int_equal(crftag_corpus_read(c, CONLL30, &err), CRFTAG_OK);
    assert_int_equal(c->ncols, 3);
    assert_int_equal(c->nsent, 30);
    crftag_corpus_free(c);
}

/* Many sentences (several arena blocks) and one token bigger than a block:
 * every pointer still holds its string after the corpus grew. */
static void test_arena_big(void **state)
{
    (void)state;
    size_t big = 1500000, nsent = 3000;
    size_t cap = big + nsent * 400 + 64, len = 0;
    char *data = malloc(cap);
    assert_non_null(data);
    for (size_t i = 0; i < nsent; i++) {
        len += (size_t)sprintf(data + len, "<s>\n");
        for (int t = 0; t < 3; t++)
            len += (size_t)sprintf(data + len, "tok%zu_%d_%0100d\tO\n", i, t, 0);
        if (i == 1000) {
            memset(data + len, 'Q', big);
            len += big;
            len += (size_t)sprintf(data + len, "\tB-Big\n");
        }
        len += (size_t)sprintf(data + len, "</s>\n");
    }
    assert_true(len < cap);
    const char *p = write_tmp_n("big.txt", data, len);
    free(data);
    struct crftag_corpus *c = read_ok(p);
    assert_int_equal(c->nsent, nsent);
    assert_int_equal(c->ntok, nsent * 3 + 1);
    for (size_t i = 0; i < nsent; i++) {
        struct sentence s;
        corpus_sentence(c, i, &s);
        assert_int_equal(s.n, i == 1000 ? 4 : 3);
        char want[160];
        sprintf(want, "tok%zu_2_%0100d", i, 0);
        assert_string_equal(cell(&s, 2, 0), want);
        if (i == 1000) {
            const char *q = cell(&s, 3, 0);
            assert_int_equal(strlen(q), big);
            assert_int_equal(q[0], 'Q');
            assert_int_equal(q[big - 1], 'Q');
            assert_string_equal(cell(&s, 3, 1), "B-Big");
        }
    }
    crftag_corpus_free(c);
}

static void test_corpus_add_direct(void **state)
{
    (void)state;
    struct crftag_corpus *c;
    assert_int_equal(crftag_corpus_new(&c), CRFTAG_OK);
    const char *cols2[4] = { "a", "O", "b", "B-X" };
    const char *cols3[3] = { "a", "N", "O" };
    struct sentence s2 = { 2, 2, cols2, 7 }, s3 = { 1, 3, cols3, 9 };
    struct crftag_error err;
    assert_int_equal(corpus_add(c, &s2, &err), CRFTAG_OK);
    assert_int_equal(corpus_add(c, &s3, &err), CRFTAG_ERR_PARSE);
    assert_int_equal(err.line, 9);
    assert_int_equal(c->nsent, 1);
    assert_int_equal(c->ntok, 2);
    struct sentence v;
    corpus_sentence(c, 0, &v);
    assert_int_equal(v.n, 2);
    assert_string_equal(v.cols[3], "B-X");
    assert_true(v.cols[0] != cols2[0]);          /* copied */
    crftag_corpus_free(c);
}

static void test_null_safety(void **state)
{
    (void)state;
    crftag_corpus_free(NULL);
    size_t ns = 5, nt = 5;
    crftag_corpus_size(NULL, &ns, &nt);
    assert_int_equal(ns, 0);
    assert_int_equal(nt, 0);
    struct crftag_corpus *c;
    assert_int_equal(crftag_corpus_new(&c), CRFTAG_OK);
    crftag_corpus_size(c, NULL, NULL);
    assert_int_equal(crftag_corpus_read(c, NULL, NULL), CRFTAG_ERR_INVALID);
    assert_int_equal(crftag_corpus_read(NULL, WIK30, NULL), CRFTAG_ERR_INVALID);
    assert_int_equal(crftag_corpus_read(c, WIK30, NULL), CRFTAG_OK);   /* err optional */
    assert_int_equal(crftag_corpus_new(NULL), CRFTAG_ERR_INVALID);
    crftag_corpus_free(c);
    corpus_reader_close(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_wikiser_fixture_stream),
        cmocka_unit_test(test_wikiser_fixture_corpus),
        cmocka_unit_test(test_wikiser_spaces),
        cmocka_unit_test(test_crlf_and_final_newline),
        cmocka_unit_test(test_conll_gz_fixture),
        cmocka_unit_test(test_conll_docstart),
        cmocka_unit_test(test_conll_tabs_and_spaces),
        cmocka_unit_test(test_unlabeled_and_empty_blocks),
        cmocka_unit_test(test_empty_files),
        cmocka_unit_test(test_wikiser_errors),
        cmocka_unit_test(test_conll_errors),
        cmocka_unit_test(test_join_files),
        cmocka_unit_test(test_column_mismatch_between_files),
        cmocka_unit_test(test_rollback),
        cmocka_unit_test(test_arena_big),
        cmocka_unit_test(test_corpus_add_direct),
        cmocka_unit_test(test_null_safety),
    };
    return cmocka_run_group_tests(tests, setup_dir, teardown_dir);
}
