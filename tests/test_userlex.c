/*
 * test_userlex.c - user lexicon files ("gazetteers", lexicon.h:
 * lex_read_user): the file format (comments, blank lines, types, the
 * generic type, gzip, names split by the tokenizer, case-folded duplicates),
 * every error with its file and line, longest-match positions on fixed
 * tokens, the two attributes it adds (hashes as documented in features.c),
 * and training, saving and loading a model with one (tests/data slice).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "crftag.h"
#include "featset.h"
#include "hash.h"
#include "lexicon.h"
#include "model.h"

#define SLICE "tests/data/corpus_wikiser_30.txt"

#include "feats.h"
#include "tmpfiles.h"
#include "testutil.h"

static struct lexicon *read_ok(const char *const *paths, size_t n, size_t *dups)
{
    struct lexicon *lx = NULL;
    struct crftag_error err;
    enum crftag_status st = lex_read_user(paths, n, HASH_DEFAULT_SEED, 0, &lx, dups, &err);
    if (st != CRFTAG_OK)
        print_error("%s:%ld: %s\n", err.file, err.line, err.msg);
    assert_int_equal(st, CRFTAG_OK);
    assert_non_null(lx);
    return lx;
}

/* Value of the name given as tokens (NULL-terminated), 0 if absent. */
static unsigned value_of(const struct lexicon *lx, const char *const *tok)
{
    size_t n = 0;
    while (tok[n])
        n++;
    return lex_lookup(lx, tok, n);
}

static const char *type_of(const struct lexicon *lx, const char *const *tok)
{
    unsigned v = value_of(lx, tok);
    assert_true(v != 0);
    assert_int_equal(v, lex_user_value(lex_type(v)));
    return lx->types[lex_type(v)];
}

/* ------------------------------------------------------------------------ */
/* File format                                                              */
/* ------------------------------------------------------------------------ */

static void test_parse(void **state)
{
    (void)state;
    const char *a = write_tmp("a.txt",
                              "# programming languages and systems\n"
                              "Python\tLanguage\n"
                              "\n"
                              "   \t \n"
                              "C++\tLanguage\r\n"
                              "Node.js\t Library \n"
                              "GNU/Linux\tOperating_System\n"
                              "Mac OS X\tOperating_System\n"
                              "  Visual Studio Code  \tApplication\n"
                              "QEMU\n"
                              "python\tApplication\n"        /* repeats Python: first type kept */
                              "#not a name\tLanguage\n");
    /* gzip: read through the io layer whatever the name */
    char gzpath[160];
    snprintf(gzpath, sizeof gzpath, "%s/b.txt", tmpdir);
    gzFile gz = gzopen(gzpath, "wb");
    assert_non_null(gz);
    const char gtext[] = "PYTHON\tLibrary\nRuby on Rails\tLibrary\nqemu\n";
    assert_int_equal(gzwrite(gz, gtext, sizeof gtext - 1), (int)sizeof gtext - 1);
    assert_int_equal(gzclose(gz), Z_OK);

    const char *paths[] = { a, gzpath };
    size_t dups = 0;
    struct lexicon *lx = read_ok(paths, 2, &dups);
    assert_int_equal(dups, 3);                   /* python, PYTHON, qemu */
    assert_int_equal(lx->nent, 8);
    assert_int_equal(lx->ntypes, 5);             /* in order of first use */
    assert_string_equal(lx->types[0], "Language");
    assert_string_equal(lx->types[1], "Library");
    assert_string_equal(lx->types[2], "Operating_System");
    assert_string_equal(lx->types[3], "Application");
    assert_string_equal(lx->types[4], LEX_USER_TYPE);
    assert_string_equal(LEX_USER_TYPE, "ENTRY");

    const char *py[] = { "Python", NULL }, *pyl[] = { "pYTHON", NULL };
    assert_string_equal(type_of(lx, py), "Language");
    assert_string_equal(type_of(lx, pyl), "Language");
    const char *cpp[] = { "C++", NULL }, *node[] = { "Node.js", NULL };
    assert_string_equal(type_of(lx, cpp), "Language");
    assert_string_equal(type_of(lx, node), "Library");
    /* the tokenizer's rules: "GNU/Linux" one token, "Mac OS X" three */
    const char *gnu[] = { "GNU/Linux", NULL }, *mac[] = { "Mac", "OS", "X", NULL };
    assert_string_equal(type_of(lx, gnu), "Operating_System");
    assert_string_equal(type_of(lx, mac), "Operating_System");
    const char *vsc[] = { "Visual", "Studio", "Code", NULL };
    assert_string_equal(type_of(lx, vsc), "Application");
    const char *qemu[] = { "qemu", NULL }, *ror[] = { "ruby", "on", "rails", NULL };
    assert_string_equal(type_of(lx, qemu), "ENTRY");
    assert_string_equal(type_of(lx, ror), "Library");
    /* prefixes of entries, comments and parts of tokens are not entries */
    const char *mac2[] = { "Mac", "OS", NULL }, *hash[] = { "#not", NULL },
               *gnu2[] = { "GNU", NULL };
    assert_int_equal(value_of(lx, mac2), 0);
    assert_int_equal(value_of(lx, hash), 0);
    assert_int_equal(value_of(lx, gnu2), 0);
    lex_free(lx);

    /* a byte order mark before a comment: still a comment */
    const char *bom = write_tmp("bom.txt", "\xef\xbb\xbf# names\nLinux\n");
    lx = read_ok(&bom, 1, NULL);
    assert_int_equal(lx->nent, 1);
    const char *linux_[] = { "linux", NULL };
    assert_string_equal(type_of(lx, linux_), "ENTRY");
    lex_free(lx);

    /* a file of comments only: no lexicon, no error */
    const char *c = write_tmp("c.txt", "# nothing\n\n");
    struct lexicon *none = (struct lexicon *)1;
    assert_int_equal(lex_read_user(&c, 1, HASH_DEFAULT_SEED, 0, &none, NULL, NULL), CRFTAG_OK);
    assert_null(none);
}

/* With the plural folding of built-in set version 3 a name matches its
 * plural and singular, and the two are one entry (the first line's type);
 * without it they are two names. */
static void test_plural_fold(void **state)
{
    (void)state;
    const char *p = write_tmp("pl.txt", "hash table\tData_Structure\nHash tables\tAlgorithm\n"
                                        "class\tLanguage\n");
    struct lexicon *lx = NULL;
    size_t dups = 9;
    assert_int_equal(lex_read_user(&p, 1, HASH_DEFAULT_SEED, LEX_FOLD_PLURAL, &lx, &dups, NULL),
                     CRFTAG_OK);
    assert_int_equal(lx->nent, 2);
    assert_int_equal(dups, 1);
    const char *pl[] = { "HASH", "TABLES", NULL }, *sg[] = { "hash", "table", NULL };
    assert_string_equal(type_of(lx, pl), "Data_Structure");
    assert_string_equal(type_of(lx, sg), "Data_Structure");
    const char *cl[] = { "class", NULL }, *cla[] = { "clas", NULL };
    assert_string_equal(type_of(lx, cl), "Language");   /* "ss" is not a plural */
    assert_int_equal(value_of(lx, cla), 0);
    lex_free(lx);
    lx = read_ok(&p, 1, &dups);                          /* no folding */
    assert_int_equal(lx->nent, 3);
    assert_int_equal(dups, 0);
    assert_string_equal(type_of(lx, pl), "Algorithm");
    assert_string_equal(type_of(lx, sg), "Data_Structure");
    lex_free(lx);
}

/* Expects lex_read_user on a one-file lexicon `text` to fail with st at
 * line `line`, the message containing part. */
static void expect_error_n(const char *text, size_t n, enum crftag_status want, long line,
                           const char *part)
{
    const char *p = write_tmp_n("bad.txt", text, n);
    struct lexicon *lx = (struct lexicon *)1;
    struct crftag_error err;
    enum crftag_status st = lex_read_user(&p, 1, HASH_DEFAULT_SEED, 0, &lx, NULL, &err);
    if (st != want || err.line != line || !strstr(err.msg, part))
        print_error("got %d at line %ld: %s\n", st, err.line, err.msg);
    assert_int_equal(st, want);
    assert_null(lx);
    assert_string_equal(err.file, p);
    assert_int_equal(err.line, line);
    assert_non_null(strstr(err.msg, part));
}

static void expect_error(const char *text, long line, const char *part)
{
    expect_error_n(text, strlen(text), CRFTAG_ERR_PARSE, line, part);
}

static void test_errors(void **state)
{
    (void)state;
    const char ok[] = "# list\nLinux\tOperating_System\n";      /* lines 1-2 */
    char buf[20000];
    expect_error_n("# list\nLi\0nux\n", 14, CRFTAG_ERR_PARSE, 2, "NUL byte");
    expect_error("# list\nLinux\nCaf\xe9\tLanguage\n", 3, "not valid UTF-8 (byte 0xe9 at column 4)");
    expect_error("x\n\xc0\x80\n", 2, "not valid UTF-8");              /* overlong */
    expect_error("x\n\xed\xa0\x80\n", 2, "not valid UTF-8");          /* surrogate */
    expect_error("x\nab\xf4\x90\x80\x80\n", 2, "column 3");            /* > U+10FFFF */
    expect_error("x\n\xe2\x82\n", 2, "not valid UTF-8");              /* cut short */
    snprintf(buf, sizeof buf, "%sLinux\tOS\tx\n", ok);
    expect_error(buf, 3, "more than one TAB");
    snprintf(buf, sizeof buf, "%sLinux\t  \n", ok);
    expect_error(buf, 3, "empty type");
    snprintf(buf, sizeof buf, "%s\tOperating_System\n", ok);
    expect_error(buf, 3, "empty name");
    snprintf(buf, sizeof buf, "%s \xc2\xa0 \tLanguage\n", ok);           /* NBSP only */
    expect_error(buf, 3, "empty name");
    snprintf(buf, sizeof buf, "%sa b c d e f g h i\tX\n", ok);
    expect_error(buf, 3, "has 9 tokens (at most 8)");
    /* 8 tokens are fine: the error is on the next line */
    snprintf(buf, sizeof buf, "%s( a b c d e f ) \nx\ty\tz\n", ok);
    expect_error(buf, 4, "more than one TAB");
    size_t at = (size_t)snprintf(buf, sizeof buf, "%s", ok);
    memset(buf + at, 'a', LEX_MAXTOKLEN + 1);
    at += LEX_MAXTOKLEN + 1;
    snprintf(buf + at, sizeof buf - at, "\tX\n");
    expect_error(buf, 3, "token 1 of the name has 4097 bytes");
    at = (size_t)snprintf(buf, sizeof buf, "%sLinux\t", ok);
    memset(buf + at, 'T', LEX_MAXTYPELEN + 1);
    at += LEX_MAXTYPELEN + 1;
    snprintf(buf + at, sizeof buf - at, "\n");
    expect_error(buf, 3, "type of 257 bytes");
    /* 255 types are fine, the 256th is not */
    at = 0;
    for (int t = 0; t <= LEX_MAXTYPES; t++)
        at += (size_t)snprintf(buf + at, sizeof buf - at, "name%d\tT%d\n", t, t);
    expect_error(buf, LEX_MAXTYPES + 1, "type 'T255' is one more than the 255 types");

    /* files: missing, none, too many */
    const char *missing = "/nonexistent/lexicon.txt";
    struct lexicon *lx = NULL;
    struct crftag_error err;
    assert_int_equal(lex_read_user(&missing, 1, 1, 0, &lx, NULL, &err), CRFTAG_ERR_IO);
    assert_string_equal(err.file, missing);
    assert_null(lx);
    assert_int_equal(lex_read_user(&missing, 0, 1, 0, &lx, NULL, &err), CRFTAG_ERR_INVALID);
    assert_int_equal(lex_read_user(NULL, 1, 1, 0, &lx, NULL, &err), CRFTAG_ERR_INVALID);
    /* an error in the second file names that file */
    const char *good = write_tmp("good.txt", ok);
    const char *bad = write_tmp("bad2.txt", "# x\n\n\tY\n");
    const char *two[] = { good, bad };
    assert_int_equal(lex_read_user(two, 2, 1, 0, &lx, NULL, &err), CRFTAG_ERR_PARSE);
    assert_string_equal(err.file, bad);
    assert_int_equal(err.line, 3);
    assert_null(lx);
}

/* ------------------------------------------------------------------------ */
/* Matching and features                                                    */
/* ------------------------------------------------------------------------ */

static const char LEX_TEXT[] = "Mac OS\tOperating_System\n"
                               "Mac OS X\tOperating_System\n"
                               "OS X Server\tApplication\n"
                               "Linux\tOperating_System\n"
                               "X\tLanguage\n";

static void test_match(void **state)
{
    (void)state;
    const char *p = write_tmp("m.txt", LEX_TEXT);
    struct lexicon *lx = read_ok(&p, 1, NULL);
    /* longest match left to right: "Mac OS X" wins over "Mac OS", and then
     * "OS X Server" cannot start inside it; "X" alone at the end */
    const char *toks[] = { "mac", "OS", "X", "Server", "and", "LINUX", "on", "Mac", "OS",
                           "on", "X" };
    size_t n = sizeof toks / sizeof toks[0];
    uint16_t val[16];
    unsigned char pos[16];
    lex_match(lx, 0, toks, n, 1, val, pos);
    const unsigned char wpos[] = { 2, 3, 4, 0, 0, 1, 0, 2, 4, 0, 1 };
    const char *wtype[] = { "Operating_System", "Operating_System", "Operating_System", NULL,
                            NULL, "Operating_System", NULL, "Operating_System",
                            "Operating_System", NULL, "Language" };
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(pos[i], wpos[i]);
        if (wtype[i])
            assert_string_equal(lx->types[lex_type(val[i])], wtype[i]);
        else
            assert_int_equal(val[i], 0);
    }
    /* "OS X Server" when nothing longer starts before it */
    const char *t2[] = { "OS", "X", "Server" };
    lex_match(lx, 0, t2, 3, 1, val, pos);
    assert_int_equal(pos[0], 2);
    assert_int_equal(pos[2], 4);
    assert_string_equal(lx->types[lex_type(val[1])], "Application");
    lex_free(lx);
}

/* The documented attribute of the default built-in set with hash version 1:
 * hash_end(hash of the kind id, then the bytes, then 0x00). */
static uint64_t attr(uint64_t kind, const char *bytes, size_t n)
{
    uint64_t id = (UINT64_C(1) << 32) | ((uint64_t)FEAT_BUILTIN_VERSION << 16) | kind;
    uint64_t h = hash_u64(hash_begin(HASH_DEFAULT_SEED), id);
    for (size_t i = 0; i < n; i++)
        h = hash_byte(h, (unsigned char)bytes[i]);
    return hash_end(hash_byte(h, 0));
}

/* The same with hash version 2: the kind id, the position p when p > 0 (a
 * piece), then the type name (a piece). */
static uint64_t attr2(uint64_t kind, unsigned p, const char *type)
{
    uint64_t id = (UINT64_C(1) << 32) | ((uint64_t)FEAT_BUILTIN_VERSION << 16) | kind;
    uint64_t h = hash2_add(hash_begin(HASH_DEFAULT_SEED), id);
    if (p)
        h = hash2_add(h, p);
    return hash_end(hash2_add(h, hash2_str(type, strlen(type))));
}

static int has(const uint64_t *v, size_t n, uint64_t x)
{
    for (size_t i = 0; i < n; i++)
        if (v[i] == x)
            return 1;
    return 0;
}

static void check_features(uint32_t hv)
{
    const char *p = write_tmp("f.txt", LEX_TEXT);
    struct feat_config plain, fc;
    assert_int_equal(feat_config_builtin_hv(&plain, HASH_DEFAULT_SEED, FEAT_BUILTIN_VERSION, hv),
                     CRFTAG_OK);
    assert_int_equal(feat_config_builtin_hv(&fc, HASH_DEFAULT_SEED, FEAT_BUILTIN_VERSION, hv),
                     CRFTAG_OK);
    assert_int_equal(lex_read_user(&p, 1, HASH_DEFAULT_SEED, feat_lex_fold(&fc), &fc.ulex, NULL, NULL), CRFTAG_OK);
    const char *toks[] = { "We", "run", "Mac", "OS", "X", "and", "Linux", "." };
    size_t n = sizeof toks / sizeof toks[0];
    uint64_t a[128], b[128];
    for (size_t i = 0; i < n; i++) {
        size_t na = feats_of(&plain, toks, n, i, a);
        size_t nb = feats_of(&fc, toks, n, i, b);
        int matched = (i >= 2 && i <= 4) || i == 6;
        /* the other attributes unchanged, in the same order; two more at the end */
        assert_int_equal(nb, na + (matched ? 2 : 0));
        assert_memory_equal(a, b, na * sizeof *a);
        if (!matched)
            continue;
        unsigned char ps = i == 2 ? 2 : i == 3 ? 3 : i == 4 ? 4 : 1;
        char pt[64];
        pt[0] = (char)ps;
        memcpy(pt + 1, "Operating_System", 16);
        if (hv == 1) {
            assert_true(b[na] == attr(62, pt, 17));           /* position + type */
            assert_true(b[na + 1] == attr(63, pt + 1, 16));   /* type */
        } else {
            assert_true(b[na] == attr2(62, ps, "Operating_System"));
            assert_true(b[na + 1] == attr2(63, 0, "Operating_System"));
        }
        assert_false(has(a, na, b[na]));
    }
    /* "Linux" (single) and "Mac" (first) share the type attribute, not the
     * position + type one */
    size_t n2 = feats_of(&fc, toks, n, 2, a), n6 = feats_of(&fc, toks, n, 6, b);
    assert_true(a[n2 - 1] == b[n6 - 1]);
    assert_true(a[n2 - 2] != b[n6 - 2]);
    feat_config_free(&plain);
    feat_config_free(&fc);
}

static void test_features(void **state)
{
    (void)state;
    check_features(1);
    check_features(2);
}

/* ------------------------------------------------------------------------ */
/* Training                                                                 */
/* ------------------------------------------------------------------------ */

static void test_train(void **state)
{
    (void)state;
    const char *lexf = write_tmp("t.txt", "# a few names of the slice and others\n"
                                          "Linux\tOperating_System\n"
                                          "Windows\tOperating_System\n"
                                          "Python\tLanguage\n"
                                          "Java\n");
    struct crftag_corpus *c = load_corpus(SLICE);
    struct crftag_error err;
    struct crftag_train_params p;
    crftag_train_params_init(&p);
    assert_null(p.lexicon_files);
    assert_int_equal(p.num_lexicon_files, 0);
    p.max_iter = 15;
    p.threads = 1;
    struct crftag_model *plain = NULL, *m = NULL;
    assert_int_equal(crftag_train(c, &p, &plain, &err), CRFTAG_OK);
    const char *files[] = { lexf };
    p.lexicon_files = files;
    p.num_lexicon_files = 1;
    assert_int_equal(crftag_train(c, &p, &m, &err), CRFTAG_OK);
    struct crftag_model_info mi, pi;
    crftag_model_get_info(m, &mi);
    crftag_model_get_info(plain, &pi);
    assert_int_equal(mi.num_user_lexicon_entries, 4);
    assert_int_equal(mi.num_user_lexicon_types, 3);
    assert_int_equal(pi.num_user_lexicon_entries, 0);
    size_t ne;
    assert_string_equal(crftag_model_user_lexicon_type(m, 2, &ne), "ENTRY");
    assert_int_equal(ne, 1);
    /* the slice mentions Linux and Windows: their attributes get weights */
    assert_true(mi.num_attributes > pi.num_attributes);

    /* saved and loaded, it tags as before */
    char path[160];
    snprintf(path, sizeof path, "%s/m.crftag", tmpdir);
    assert_int_equal(crftag_model_save(m, path, &err), CRFTAG_OK);
    struct crftag_model *back = NULL;
    assert_int_equal(crftag_model_load(path, &back, &err), CRFTAG_OK);
    crftag_model_get_info(back, &pi);
    assert_int_equal(pi.format_version, CRFTAG_MODEL_FORMAT_VERSION);
    assert_int_equal(pi.num_user_lexicon_entries, 4);
    const char text[] = "Python runs on Linux and Windows, and Java on Linux too.";
    struct crftag_span *s1, *s2;
    size_t n1, n2;
    struct crftag_tagger *t1, *t2;
    assert_int_equal(crftag_tagger_new(m, &t1), CRFTAG_OK);
    assert_int_equal(crftag_tagger_new(back, &t2), CRFTAG_OK);
    assert_int_equal(crftag_tagger_tag_text(t1, text, sizeof text - 1, &s1, &n1, NULL, NULL,
                                            &err), CRFTAG_OK);
    assert_int_equal(crftag_tagger_tag_text(t2, text, sizeof text - 1, &s2, &n2, NULL, NULL,
                                            &err), CRFTAG_OK);
    assert_int_equal(n1, n2);
    for (size_t i = 0; i < n1; i++) {
        assert_int_equal(s1[i].start, s2[i].start);
        assert_int_equal(s1[i].end, s2[i].end);
        assert_int_equal(s1[i].type_len, s2[i].type_len);
        assert_memory_equal(s1[i].type, s2[i].type, s1[i].type_len);
    }
    crftag_spans_free(s1);
    crftag_spans_free(s2);
    crftag_tagger_free(t1);
    crftag_tagger_free(t2);
    crftag_model_free(back);
    crftag_model_free(m);
    crftag_model_free(plain);

    /* refused: with a template, a bad line, only comments, too many files */
    m = (struct crftag_model *)1;
    p.template_text = "U00:%x[0,0]\n";
    assert_int_equal(crftag_train(c, &p, &m, &err), CRFTAG_ERR_INVALID);
    assert_non_null(strstr(err.msg, "not of templates"));
    assert_null(m);
    p.template_text = NULL;
    const char *bad = write_tmp("tb.txt", "Linux\tOperating_System\n\tLanguage\n");
    files[0] = bad;
    assert_int_equal(crftag_train(c, &p, &m, &err), CRFTAG_ERR_PARSE);
    assert_string_equal(err.file, bad);
    assert_int_equal(err.line, 2);
    assert_null(m);
    const char *empty = write_tmp("te.txt", "# only a comment\n");
    files[0] = empty;
    assert_int_equal(crftag_train(c, &p, &m, &err), CRFTAG_ERR_PARSE);
    assert_non_null(strstr(err.msg, "no entry"));
    assert_null(m);
    p.num_lexicon_files = LEX_MAXFILES + 1;
    assert_int_equal(crftag_train(c, &p, &m, &err), CRFTAG_ERR_INVALID);
    assert_null(m);
    crftag_corpus_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_plural_fold),
        cmocka_unit_test(test_match),
        cmocka_unit_test(test_features),
        cmocka_unit_test(test_train),
    };
    return cmocka_run_group_tests(tests, setup_dir, teardown_dir);
}
