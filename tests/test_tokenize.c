/*
 * test_tokenize.c - unit tests of src/tokenize.c (raw text -> sentences ->
 * tokens with byte offsets).
 *
 * Oracles: a table of hand-written cases (input -> tokens joined by "|",
 * "||" before the first token of every sentence but the first); structural
 * invariants checked on every case and on random byte strings (offsets in
 * order, gaps are whitespace only, tokens hold no whitespace, no valid UTF-8
 * character is cut); exact offsets with multi-byte characters; and real
 * WikiSER sentences (tests/data/tokenize_wikiser_240.txt: the first 240
 * train sentences, tokens separated by TAB) that must come back as WikiSER
 * tokenized them after being joined with spaces.
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
#include "tokenize.h"
#include "testutil.h"

/* Length of the whitespace character at t[i] (see tokenize.c), else 0. */
static size_t ws_len(const unsigned char *t, size_t len, size_t i)
{
    unsigned c = t[i];
    if (c == 0 || c == ' ' || (c >= '\t' && c <= '\r'))
        return 1;
    if (c == 0xC2 && i + 1 < len && (t[i + 1] == 0x85 || t[i + 1] == 0xA0))
        return 2;
    if (i + 2 < len) {
        unsigned b = t[i + 1], d = t[i + 2];
        if (c == 0xE2 && b == 0x80 &&
            ((d >= 0x80 && d <= 0x8B) || d == 0xA8 || d == 0xA9 || d == 0xAF))
            return 3;
        if ((c == 0xE1 && b == 0x9A && d == 0x80) || (c == 0xE2 && b == 0x81 && d == 0x9F) ||
            (c == 0xE3 && b == 0x80 && d == 0x80) || (c == 0xEF && b == 0xBB && d == 0xBF))
            return 3;
    }
    return 0;
}

/* Length of the valid UTF-8 sequence at t[i], or 0 (invalid byte). */
static size_t utf8_len(const unsigned char *t, size_t len, size_t i)
{
    unsigned c = t[i];
    size_t need;
    unsigned lo = 0x80, hi = 0xBF;
    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF)
        need = 1;
    else if (c >= 0xE0 && c <= 0xEF)
        need = 2, lo = c == 0xE0 ? 0xA0 : 0x80, hi = c == 0xED ? 0x9F : 0xBF;
    else if (c >= 0xF0 && c <= 0xF4)
        need = 3, lo = c == 0xF0 ? 0x90 : 0x80, hi = c == 0xF4 ? 0x8F : 0xBF;
    else
        return 0;
    if (len - i - 1 < need)
        return 0;
    for (size_t k = 1; k <= need; k++) {
        if (t[i + k] < lo || t[i + k] > hi)
            return 0;
        lo = 0x80, hi = 0xBF;
    }
    return need + 1;
}

/* Checks the invariants of a tokenization of text[0..len). */
static void check_invariants(const char *text, size_t len, const struct crftag_token *tk, size_t n)
{
    const unsigned char *t = (const unsigned char *)text;
    /* boundaries of valid characters: cut[i] = 1 when i starts a character */
    unsigned char *cut = calloc(len + 1, 1);
    assert_non_null(cut);
    for (size_t i = 0; i < len;) {
        size_t l = utf8_len(t, len, i);
        cut[i] = 1;
        i += l ? l : 1;
    }
    cut[len] = 1;
    size_t pos = 0;
    for (size_t i = 0; i < n; i++) {
        assert_true(tk[i].start < tk[i].end);
        assert_true(tk[i].end <= len);
        assert_true(tk[i].start >= pos);
        assert_true(cut[tk[i].start] && cut[tk[i].end]);
        assert_int_equal(tk[i].sentence_start, i == 0 ? 1 : tk[i].sentence_start);
        assert_true(tk[i].sentence_start == 0 || tk[i].sentence_start == 1);
        for (size_t j = pos; j < tk[i].start;) {       /* the gap: whitespace */
            size_t l = ws_len(t, len, j);
            assert_true(l > 0);
            j += l;
        }
        for (size_t j = tk[i].start; j < tk[i].end; j++)  /* no whitespace inside */
            if (cut[j])
                assert_int_equal(ws_len(t, len, j), 0);
        pos = tk[i].end;
    }
    for (size_t j = pos; j < len;) {
        size_t l = ws_len(t, len, j);
        assert_true(l > 0);
        j += l;
    }
    free(cut);
}

/* Tokens joined by "|", with "||" before a sentence start (but the first). */
static char *render(const char *text, const struct crftag_token *tk, size_t n)
{
    size_t cap = 1;
    for (size_t i = 0; i < n; i++)
        cap += tk[i].end - tk[i].start + 2;
    char *s = malloc(cap), *p = s;
    assert_non_null(s);
    for (size_t i = 0; i < n; i++) {
        if (i > 0) {
            *p++ = '|';
            if (tk[i].sentence_start)
                *p++ = '|';
        }
        memcpy(p, text + tk[i].start, tk[i].end - tk[i].start);
        p += tk[i].end - tk[i].start;
    }
    *p = '\0';
    return s;
}

struct tcase {
    const char *in;
    size_t len;          /* 0: strlen(in) */
    const char *want;
};

static const struct tcase cases[] = {
    /* the brief's example */
    { "Azure Sphere runs a Linux kernel on ARM Cortex-A7 chips.", 0,
      "Azure|Sphere|runs|a|Linux|kernel|on|ARM|Cortex-A7|chips|." },
    /* software names stay whole */
    { "C++ and C# and F# use .NET, ASP.NET and Node.js or Vue.js.", 0,
      "C++|and|C#|and|F#|use|.NET|,|ASP.NET|and|Node.js|or|Vue.js|." },
    { "Wi-Fi, I/O and TCP/IP on x86-64 or x86_64 and GTK+ 3", 0,
      "Wi-Fi|,|I/O|and|TCP/IP|on|x86-64|or|x86_64|and|GTK+|3" },
    { "Python 3.5.1 and v2.0 cost 1,000 or 1,000,000 dollars", 0,
      "Python|3.5.1|and|v2.0|cost|1,000|or|1,000,000|dollars" },
    { "IEEE 802.11 on Windows 10 and Windows 10's shell", 0,
      "IEEE|802.11|on|Windows|10|and|Windows|10|'s|shell" },
    { "See https://example.org/a?b=c for more.", 0,
      "See|https://example.org/a?b=c|for|more|." },
    { "(https://en.wikipedia.org/wiki/C_(programming_language)), ok", 0,
      "(|https://en.wikipedia.org/wiki/C_(programming_language)|)|,|ok" },
    { "\"https://x.org/p\" and www.example.com. And ftp://host/x:", 0,
      "\"|https://x.org/p|\"|and|www.example.com|.||And|ftp://host/x|:" },
    { "Mail john.doe@example.com, or me@x.org.", 0,
      "Mail|john.doe@example.com|,|or|me@x.org|." },
    { "Edit config.sys, AUTOEXEC.BAT and foo_bar.py now", 0,
      "Edit|config.sys|,|AUTOEXEC.BAT|and|foo_bar.py|now" },
    { "#include <stdio.h> and @decorator and %PATH% and 60% and $1.16", 0,
      "#include|<stdio.h>|and|@decorator|and|%PATH%|and|60%|and|$1.16" },
    { "Note: at 10:30, use std::vector or C:\\DOS.", 0,
      "Note|:|at|10:30|,|use|std::vector|or|C:\\DOS|." },
    { "AT&T and and/or, OS/2 and CP/M and HTTP/1.1 and ../lib", 0,
      "AT&T|and|and/or|,|OS/2|and|CP/M|and|HTTP/1.1|and|../lib" },
    { "O'Reilly and rock'n'roll but cannot split", 0,
      "O'Reilly|and|rock'n'roll|but|cannot|split" },
    /* commas, semicolons, colons */
    { "Hello, world; bye: now", 0, "Hello|,|world|;|bye|:|now" },
    { "a,b 1,a ,5 1,000, x", 0, "a|,|b|1|,|a|,|5|1,000|,|x" },
    /* brackets and quotes */
    { "f(x) [1] {y} (GWS)", 0, "f|(|x|)|[|1|]|{|y|}|(|GWS|)" },
    { "\"GNU\" and \xe2\x80\x9cLinux\xe2\x80\x9d and 'BSD' and \xe2\x80\x98Mac\xe2\x80\x99", 0,
      "\"|GNU|\"|and|\xe2\x80\x9c|Linux|\xe2\x80\x9d|and|'|BSD|'|and|"
      "\xe2\x80\x98|Mac|\xe2\x80\x99" },
    { "\xc2\xabGo\xc2\xbb and `code` 1990\xe2\x80\x93" "2000 \xe2\x80\x94 ok", 0,
      "\xc2\xab|Go|\xc2\xbb|and|`|code|`|1990|\xe2\x80\x93|2000|\xe2\x80\x94|ok" },
    /* clitics */
    { "Apple's iOS isn't, doesn't, can't, won't; they're, we've, we'll, I'd, I'm", 0,
      "Apple|'s|iOS|is|n't|,|does|n't|,|ca|n't|,|wo|n't|;|they|'re|,|we|'ve|,|we|'ll|,"
      "|I|'d|,|I|'m" },
    { "Apple\xe2\x80\x99s and don\xe2\x80\x99t and users' files and O'Reilly's book", 0,
      "Apple|\xe2\x80\x99s|and|do|n\xe2\x80\x99t|and|users|'|files|and|O'Reilly|'s|book" },
    { "Dobb 's Journal and Apple Inc.'s iOS and 'BSD's' '90s", 0,
      "Dobb|'s|Journal|and|Apple|Inc.|'s|iOS|and|'|BSD|'s|'|'|90s" },
    { "APPLE'S IT'S DON'T", 0, "APPLE|'S|IT|'S|DO|N'T" },
    /* ellipses, ! and ? */
    { "Wait... what \xe2\x80\xa6 no.. yes", 0, "Wait|...|what|\xe2\x80\xa6|no|..|yes" },
    { "foo...bar and ....", 0, "foo|...|bar|and|...." },
    { "Really?! Yes!! Yahoo! Mail", 0, "Really|?!||Yes|!!||Yahoo|!||Mail" },
    /* trailing '.' and abbreviations */
    { "kernel.", 0, "kernel|." },
    { "Use v2.0. Or 3. Or foo.txt. Then C#.", 0,
      "Use|v2.0|.||Or|3|.||Or|foo.txt|.||Then|C#|." },
    { "e.g. Linux, i.e. Unix, etc. and Microsoft Corp. vs. Apple Inc. in the U.S. "
      "by Mr. Gates, Dr. Who, Acme Ltd. And a.k.a. Ph.D. Students", 0,
      "e.g.|Linux|,|i.e.|Unix|,|etc.|and|Microsoft|Corp.|vs.|Apple|Inc.|in|the|U.S.|"
      "by|Mr.|Gates|,|Dr.|Who|,|Acme|Ltd.|And|a.k.a.|Ph.D.|Students" },
    { "E.g., this (i.e.) works etc.", 0, "E.g.|,|this|(|i.e.|)|works|etc." },
    { "Dennis M. Ritchie wrote it. J. Smith agreed.", 0,
      "Dennis|M.|Ritchie|wrote|it|.||J.|Smith|agreed|." },
    { "It is written in C. Python is not. Java and C. Rust too", 0,
      "It|is|written|in|C|.||Python|is|not|.||Java|and|C|.||Rust|too" },
    { ".NET is a framework. We use .NET. .NET is fine", 0,
      ".NET|is|a|framework|.||We|use|.NET|.||.NET|is|fine" },
    /* sentence boundaries */
    { "It runs. It works! Does it? Yes... Maybe\xe2\x80\xa6 Done.", 0,
      "It|runs|.||It|works|!||Does|it|?||Yes|...||Maybe|\xe2\x80\xa6||Done|." },
    { "It runs. and works? maybe", 0, "It|runs|.|and|works|?|maybe" },
    { "Released in 2019. 2020 was next.", 0, "Released|in|2019|.||2020|was|next|." },
    { "It ended. \"Next\" came. (Yes) it did. [1] And", 0,
      "It|ended|.||\"|Next|\"|came|.||(|Yes|)|it|did|.||[|1|]|And" },
    { "He said \"stop.\" Then (see above.) Next", 0,
      "He|said|\"|stop|.|\"||Then|(|see|above|.|)||Next" },
    { "\xe2\x80\x9cStop.\xe2\x80\x9d Then", 0,
      "\xe2\x80\x9c|Stop|.|\xe2\x80\x9d||Then" },
    { "It ran.Then x", 0, "It|ran.Then|x" },
    { "Apple shipped it. iOS 7 came. eBay too. macOS not", 0,
      "Apple|shipped|it|.||iOS|7|came|.||eBay|too|.|macOS|not" },
    { "Done. \xc3\x89mile wrote. \xce\x91lpha and \xd0\x9c\xd0\xb8\xd1\x80", 0,
      "Done|.||\xc3\x89mile|wrote|.||\xce\x91lpha|and|\xd0\x9c\xd0\xb8\xd1\x80" },
    /* newlines: one does not end a sentence, a blank line does */
    { "It runs.\nand works\nOn ARM", 0, "It|runs|.|and|works|On|ARM" },
    { "no period here\n\nnext para", 0, "no|period|here||next|para" },
    { "one\r\n\r\ntwo\r\nthree\n \t\nfour\r\rfive", 0, "one||two|three||four||five" },
    { "a\xe2\x80\xa9" "b\xe2\x80\xa8" "c", 0, "a||b|c" },
    /* Unicode spaces */
    { "Windows\xc2\xa0" "10\xe3\x80\x80x\xe2\x80\x89y\xe2\x80\xaf" "z\xef\xbb\xbfw", 0,
      "Windows|10|x|y|z|w" },
    /* invalid UTF-8: letter-like single bytes */
    { "a\xff b\xc3 \x80" "c \xc0\xa9 x\xed\xa0\x80y", 0,
      "a\xff|b\xc3|\x80" "c|\xc0\xa9|x\xed\xa0\x80y" },
    { "(\xff) \xe2\x80) abc\xe2\x80", 0, "(|\xff|)|\xe2\x80|)|abc\xe2\x80" },
    { "\xf0\x9f\x92\xa3 and \xf0\x9f\x92", 0, "\xf0\x9f\x92\xa3|and|\xf0\x9f\x92" },
    /* NUL bytes are whitespace */
    { "a\0b\0\0c.\0D", 9, "a|b|c|.||D" },
    { "\0\0", 2, "" },
    /* empty and whitespace only */
    { "", 0, "" },
    { " \t\n\r\v\f\xc2\xa0\xe2\x80\x8b ", 0, "" },
    /* single punctuation */
    { ". , ; : ! ? ' \" ( ) - --", 0, ".|,|;|:|!|?||'|\"|(|)|-|--" },
};

static void test_table(void **state)
{
    (void)state;
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        const char *in = cases[c].in;
        size_t len = cases[c].len ? cases[c].len : strlen(in);
        struct crftag_token *tk = NULL;
        size_t n = 99;
        assert_int_equal(crftag_tokenize(in, len, &tk, &n), CRFTAG_OK);
        assert_true((n == 0) == (tk == NULL));
        check_invariants(in, len, tk, n);
        char *got = render(in, tk, n);
        if (strcmp(got, cases[c].want) != 0)
            print_error("case %zu: in   \"%s\"\n          want \"%s\"\n          got  \"%s\"\n",
                        c, in, cases[c].want, got);
        assert_string_equal(got, cases[c].want);
        free(got);
        crftag_tokens_free(tk);
    }
}

/* Exact byte offsets around multi-byte characters. */
static void test_offsets_multibyte(void **state)
{
    (void)state;
    /* bytes: n a \xc3\xaf v e ' ' c a f \xc3\xa9 \xe2\x80\x99 s ' ' \xe2\x80\x9c x \xe2\x80\x9d */
    const char *in = "na\xc3\xafve caf\xc3\xa9\xe2\x80\x99s \xe2\x80\x9cx\xe2\x80\x9d.";
    static const size_t want[][2] = { { 0, 6 }, { 7, 12 }, { 12, 16 }, { 17, 20 },
                                      { 20, 21 }, { 21, 24 }, { 24, 25 } };
    struct crftag_token *tk;
    size_t n;
    assert_int_equal(crftag_tokenize(in, strlen(in), &tk, &n), CRFTAG_OK);
    assert_int_equal(n, sizeof want / sizeof want[0]);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(tk[i].start, want[i][0]);
        assert_int_equal(tk[i].end, want[i][1]);
        assert_int_equal(tk[i].sentence_start, i == 0);
    }
    assert_memory_equal(in + tk[1].start, "caf\xc3\xa9", 5);
    assert_memory_equal(in + tk[2].start, "\xe2\x80\x99s", 4);
    crftag_tokens_free(tk);
}

/* tok_split appends, with offsets relative to its own text, and marks its
 * first token as a sentence start. */
static void test_split_appends(void **state)
{
    (void)state;
    struct crftag_token *tk = NULL;
    size_t n = 0, cap = 0;
    const char *a = "It runs", *b = "  on ARM. Fine";
    assert_int_equal(tok_split(a, strlen(a), &tk, &n, &cap), CRFTAG_OK);
    assert_int_equal(n, 2);
    assert_true(cap >= n);
    assert_int_equal(tok_split(b, strlen(b), &tk, &n, &cap), CRFTAG_OK);
    assert_int_equal(n, 6);
    static const size_t want[][3] = { { 0, 2, 1 }, { 3, 7, 0 }, { 2, 4, 1 }, { 5, 8, 0 },
                                      { 8, 9, 0 }, { 10, 14, 1 } };
    for (size_t i = 0; i < 6; i++) {
        assert_int_equal(tk[i].start, want[i][0]);
        assert_int_equal(tk[i].end, want[i][1]);
        assert_int_equal(tk[i].sentence_start, (int)want[i][2]);
    }
    /* nothing appended for empty or blank text; the array is untouched */
    size_t n0 = n;
    assert_int_equal(tok_split("", 0, &tk, &n, &cap), CRFTAG_OK);
    assert_int_equal(tok_split(NULL, 0, &tk, &n, &cap), CRFTAG_OK);
    assert_int_equal(tok_split(" \n ", 3, &tk, &n, &cap), CRFTAG_OK);
    assert_int_equal(n, n0);
    assert_int_equal(tok_split(NULL, 3, &tk, &n, &cap), CRFTAG_ERR_INVALID);
    free(tk);
}

static void test_api_edges(void **state)
{
    (void)state;
    static struct crftag_token dummy;
    struct crftag_token *tk = &dummy;   /* must be overwritten */
    size_t n = 42;
    assert_int_equal(crftag_tokenize("", 0, &tk, &n), CRFTAG_OK);
    assert_null(tk);
    assert_int_equal(n, 0);
    n = 42;
    assert_int_equal(crftag_tokenize(NULL, 0, &tk, &n), CRFTAG_OK);
    assert_null(tk);
    assert_int_equal(n, 0);
    assert_int_equal(crftag_tokenize("  \t", 3, &tk, &n), CRFTAG_OK);
    assert_null(tk);
    assert_int_equal(n, 0);
    assert_int_equal(crftag_tokenize("x", 1, NULL, &n), CRFTAG_ERR_INVALID);
    assert_int_equal(crftag_tokenize("x", 1, &tk, NULL), CRFTAG_ERR_INVALID);
    assert_null(tk);
    assert_int_equal(crftag_tokenize(NULL, 5, &tk, &n), CRFTAG_ERR_INVALID);
    assert_null(tk);
    assert_int_equal(n, 0);
    crftag_tokens_free(NULL);
    /* len is honoured: bytes after len are not read as tokens */
    assert_int_equal(crftag_tokenize("abc def", 3, &tk, &n), CRFTAG_OK);
    assert_int_equal(n, 1);
    assert_int_equal(tk[0].end, 3);
    crftag_tokens_free(tk);
    /* a token ending exactly at len with a multi-byte character cut by len */
    assert_int_equal(crftag_tokenize("ab\xc3\xa9", 3, &tk, &n), CRFTAG_OK);
    assert_int_equal(n, 1);
    assert_int_equal(tk[0].end, 3);
    crftag_tokens_free(tk);
}

/* Random strings over a tricky alphabet (ASCII punctuation, multi-byte
 * quotes/dashes/spaces, invalid bytes, NUL) keep the invariants, and
 * tokenizing is deterministic. */
static void test_random_invariants(void **state)
{
    (void)state;
    static const char *const alpha[] = {
        "a", "Z", "7", ".", ",", ":", ";", "!", "?", "'", "\"", "(", ")", "[", "]", "{", "}",
        "-", "/", "+", "#", "@", "_", " ", "\n", "\t", "\r", "`", "s", "t", "n", "://",
        "http://", "www.", "\xe2\x80\x99", "\xe2\x80\x9c", "\xe2\x80\x93", "\xe2\x80\xa6",
        "\xc2\xa0", "\xe2\x80\xa9", "\xc3\xa9", "\xff", "\x80", "\xe2\x80", "\xf0\x9f\x92\xa3",
        "\xf0\x9f", "e.g.", "Inc.", "J.", "n't", "'s",
    };
    uint64_t rng = 0x9E3779B97F4A7C15ull;
    char buf[512];
    for (int iter = 0; iter < 3000; iter++) {
        size_t len = 0;
        size_t parts = (size_t)(lcg64(&rng) >> 33) % 60;
        for (size_t p = 0; p < parts; p++) {
            const char *s = alpha[(lcg64(&rng) >> 33) % (sizeof alpha / sizeof alpha[0])];
            size_t l = strlen(s);
            if (((rng >> 20) & 63) == 0)
                s = "\0", l = 1;
            memcpy(buf + len, s, l);
            len += l;
        }
        struct crftag_token *t1, *t2;
        size_t n1, n2;
        assert_int_equal(crftag_tokenize(buf, len, &t1, &n1), CRFTAG_OK);
        check_invariants(buf, len, t1, n1);
        assert_int_equal(crftag_tokenize(buf, len, &t2, &n2), CRFTAG_OK);
        assert_int_equal(n1, n2);
        for (size_t i = 0; i < n1; i++) {     /* field by field: not the padding */
            assert_int_equal(t1[i].start, t2[i].start);
            assert_int_equal(t1[i].end, t2[i].end);
            assert_int_equal(t1[i].sentence_start, t2[i].sentence_start);
        }
        crftag_tokens_free(t1);
        crftag_tokens_free(t2);
    }
}

/* Real WikiSER sentences, joined with single spaces, come back as WikiSER
 * tokenized them (all but a few: tokens holding spaces, "word." before a
 * closing quote, brackets glued inside a word). */
static void test_wikiser_roundtrip(void **state)
{
    (void)state;
    FILE *f = fopen("tests/data/tokenize_wikiser_240.txt", "rb");
    assert_non_null(f);
    char *line = NULL;
    size_t lcap = 0, total = 0, same = 0;
    ssize_t r;
    while ((r = getline(&line, &lcap, f)) > 0) {
        if (line[r - 1] == '\n')
            line[--r] = '\0';
        /* gold tokens are TAB-separated; the raw text joins them with spaces */
        size_t ngold = 1;
        for (ssize_t i = 0; i < r; i++)
            if (line[i] == '\t')
                ngold++;
        char *raw = malloc((size_t)r + 1);
        assert_non_null(raw);
        for (ssize_t i = 0; i <= r; i++)
            raw[i] = line[i] == '\t' ? ' ' : line[i];
        struct crftag_token *tk;
        size_t n;
        assert_int_equal(crftag_tokenize(raw, (size_t)r, &tk, &n), CRFTAG_OK);
        check_invariants(raw, (size_t)r, tk, n);
        int ok = n == ngold;
        size_t g = 0;   /* start of the current gold token in line */
        for (size_t i = 0; ok && i < n; i++) {
            size_t ge = g;
            while (ge < (size_t)r && line[ge] != '\t')
                ge++;
            ok = tk[i].start == g && tk[i].end == ge;
            g = ge + 1;
        }
        same += ok;
        total++;
        crftag_tokens_free(tk);
        free(raw);
    }
    free(line);
    fclose(f);
    assert_int_equal(total, 240);
    /* measured: 232 of 240 (96.7%); the misses are listed above */
    assert_true(same >= 228);
}

/* FNV-1a 64 of the tokens' (start, end, sentence_start), token by token. */
static uint64_t tokens_sum(const struct crftag_token *tk, size_t n)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < n; i++) {
        uint64_t v[3] = { tk[i].start, tk[i].end, (uint64_t)tk[i].sentence_start };
        for (int k = 0; k < 3; k++)
            for (int b = 0; b < 8; b++) {
                h ^= (v[k] >> (8 * b)) & 0xff;
                h *= 0x100000001b3ull;
            }
    }
    return h;
}

/* Tokenizes text[0..len), checks the invariants and returns the count and
 * tokens_sum of its tokens (*sum). */
static size_t tokenize_sum(const char *text, size_t len, uint64_t *sum)
{
    struct crftag_token *tk;
    size_t n;
    assert_int_equal(crftag_tokenize(text, len, &tk, &n), CRFTAG_OK);
    check_invariants(text, len, tk, n);
    *sum = tokens_sum(tk, n);
    crftag_tokens_free(tk);
    return n;
}

#define WHOLE_N_RAW 13547
#define WHOLE_SUM_RAW 0x701d6836e27cd6f0ull
#define WHOLE_SUM_CRLF 0xd4d6081c992d77bfull
#define WHOLE_SUM_BLANK 0x47a844c7283673a6ull
#define WHOLE_N_RANDOM 222916
#define WHOLE_SUM_RANDOM 0x7eaa229e1671d09aull

/* Exact tokens and sentence starts of whole texts, against the counts and
 * checksums of the tokenization the rules above define: real WikiSER text
 * (tests/data/tokenize_wikiser_240.txt with spaces for TABs, one sentence a
 * line), the same with CRLF line ends and with blank lines between the
 * sentences, and long random texts over the tricky alphabet with long
 * tokens (ASCII, UTF-8, dots and commas) and runs of line breaks. */
static void test_whole_texts(void **state)
{
    (void)state;
    size_t len;
    char *raw = read_file("tests/data/tokenize_wikiser_240.txt", &len);
    for (size_t i = 0; i < len; i++)
        if (raw[i] == '\t')
            raw[i] = ' ';
    char *crlf = malloc(2 * len + 1), *blank = malloc(2 * len + 1);
    assert_non_null(crlf);
    assert_non_null(blank);
    size_t lc = 0, lb = 0;
    for (size_t i = 0; i < len; i++) {
        if (raw[i] == '\n') {
            crlf[lc++] = '\r';
            blank[lb++] = '\n';
        }
        crlf[lc++] = raw[i];
        blank[lb++] = raw[i];
    }
    uint64_t sum;
    size_t n = tokenize_sum(raw, len, &sum);
    assert_int_equal(n, WHOLE_N_RAW);
    assert_int_equal(sum, WHOLE_SUM_RAW);
    n = tokenize_sum(crlf, lc, &sum);
    assert_int_equal(n, WHOLE_N_RAW);
    assert_int_equal(sum, WHOLE_SUM_CRLF);
    n = tokenize_sum(blank, lb, &sum);
    assert_int_equal(n, WHOLE_N_RAW);
    assert_int_equal(sum, WHOLE_SUM_BLANK);
    free(raw);
    free(crlf);
    free(blank);

    static const char *const alpha[] = {
        "a", "Z", "7", ".", ",", ":", ";", "!", "?", "'", "\"", "(", ")", "[", "]", "{", "}",
        "-", "/", "+", "#", "@", "_", " ", " ", " ", "\n", "\n\n", "\r\n", "\t", "\r", "`",
        "s", "t", "n", "://", "http://", "www.", "\xe2\x80\x99", "\xe2\x80\x98",
        "\xe2\x80\x9c", "\xe2\x80\x93", "\xe2\x80\xa6", "\xc2\xa0", "\xe2\x80\xa9",
        "\xe2\x80\xa8", "\xc2\x85", "\xc3\xa9", "\xc3\x89", "\xce\x91", "\xff", "\x80",
        "\xe2\x80", "\xf0\x9f\x92\xa3", "\xf0\x9f", "e.g.", "Inc.", "J.", "n't", "'s",
        "'ll", "...", "..", "?!", "1,000", "Node.js", "The", "word", "software",
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789",
        "\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82",
    };
    size_t na = sizeof alpha / sizeof alpha[0];
    uint64_t rng = 0x2545F4914F6CDD1Dull, all = 0xcbf29ce484222325ull;
    size_t total = 0, cap = 1 << 16;
    char *buf = malloc(cap);
    assert_non_null(buf);
    for (int iter = 0; iter < 200; iter++) {
        size_t parts = (size_t)(lcg64(&rng) >> 33) % 2000, l = 0;
        for (size_t p = 0; p < parts; p++) {
            uint64_t r = lcg64(&rng) >> 33;
            const char *s = alpha[r % na];
            size_t sl = strlen(s), rep = (r >> 12) % 64 == 0 ? 40 + (r >> 18) % 300 : 1;
            if ((r >> 8) % 97 == 0)
                s = "\0", sl = 1;
            for (size_t k = 0; k < rep && l + sl <= cap; k++) {  /* a long token */
                memcpy(buf + l, s, sl);
                l += sl;
            }
        }
        total += tokenize_sum(buf, l, &sum);
        all = (all ^ sum) * 0x100000001b3ull;
    }
    free(buf);
    assert_int_equal(total, WHOLE_N_RANDOM);
    assert_int_equal(all, WHOLE_SUM_RANDOM);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table),
        cmocka_unit_test(test_offsets_multibyte),
        cmocka_unit_test(test_split_appends),
        cmocka_unit_test(test_api_edges),
        cmocka_unit_test(test_random_invariants),
        cmocka_unit_test(test_wikiser_roundtrip),
        cmocka_unit_test(test_whole_texts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
