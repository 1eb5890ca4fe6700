/*
 * test_json.c - unit tests of src/cli/json.c (compiled in here): the JSON
 * grammar of RFC 8259 (values accepted and refused, after the y_ and n_
 * cases of the JSONTestSuite), and the records of `crftag tag -J jsonl`:
 * the text decoded, escaped member names, the other members kept byte for
 * byte, the replaced ones left out, and the messages of refused records.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../src/cli/json.c"

static const char *check(const char *s)
{
    return json_check(s, strlen(s));
}

static void test_valid_values(void **state)
{
    (void)state;
    static const char *const yes[] = {
        "0", "-0", "1", "-1.5", "0.5e10", "1E400", "1e-7", "1E+2", "123456789012345678901234567890",
        "true", "false", "null", "\"\"", "\"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\"",
        "\"\\u00e9\\ud83d\\ude00\"", "\"\xc3\xa9\xf0\x9f\x98\x80\"", "\"\x7f\"",
        "[]", "{}", " [ 1 , [ ] , { } ] ", "{\"a\":{\"b\":[null,{\"c\":\"}\"}]}}",
        "{\"a\":1,\"a\":2}", "\r\n\t[1]\r\n", "[\"\\u0000\"]",
    };
    for (size_t i = 0; i < sizeof yes / sizeof *yes; i++) {
        const char *m = check(yes[i]);
        if (m)
            fail_msg("refused %s: %s", yes[i], m);
    }
}

static void test_invalid_values(void **state)
{
    (void)state;
    static const char *const no[] = {
        "", " ", "foo", "tru", "nul", "True", "NaN", "Infinity", "-", "+1", "01", "-01", "1.",
        ".5", "1e", "1e+", "0x10", "[1,]", "[,1]", "{\"a\":1,}", "{,}", "{\"a\"}", "{\"a\" 1}",
        "{a:1}", "{'a':1}", "['a']", "[1 2]", "[1", "{\"a\":1", "\"abc", "\"\\q\"", "\"\\u12\"",
        "\"\\u12G4\"", "\"\\ud800\"", "\"\\ud800\\u0041\"", "\"\\udc00\"", "\"a\tb\"", "\"a\nb\"",
        "\"\x01\"", "\"\xff\"", "\"\xc3\"", "\"\xc0\x80\"", "\"\xed\xa0\x80\"", "\"\xf4\x90\x80\x80\"",
        "1 2", "[] []", "{}x", "\xef\xbb\xbf{}", "[\x00]",
    };
    for (size_t i = 0; i < sizeof no / sizeof *no; i++)
        if (!check(no[i]))
            fail_msg("accepted %s", no[i]);
    assert_null(json_check("[0]", 3));
    assert_non_null(json_check("[0]\0", 4));     /* a NUL byte is not white space */
}

static void test_depth(void **state)
{
    (void)state;
    char deep[2 * JSON_MAX_DEPTH + 8];
    size_t n = 0;
    for (int i = 0; i < JSON_MAX_DEPTH; i++)
        deep[n++] = '[';
    for (int i = 0; i < JSON_MAX_DEPTH; i++)
        deep[n++] = ']';
    assert_null(json_check(deep, n));
    char deeper[2 * JSON_MAX_DEPTH + 8];
    n = 0;
    for (int i = 0; i <= JSON_MAX_DEPTH; i++)
        deeper[n++] = '[';
    for (int i = 0; i <= JSON_MAX_DEPTH; i++)
        deeper[n++] = ']';
    assert_string_equal(json_check(deeper, n), "nested too deeply");
}

static const char *rec_of(struct json_rec *rec, const char *line, const char *const *replaced)
{
    return json_record(line, strlen(line), rec, replaced);
}

static void test_records(void **state)
{
    (void)state;
    static const char *const replaced[] = {"entities", "tags", NULL};
    struct json_rec rec;
    memset(&rec, 0, sizeof rec);
    const char *line = "{\"id\": 7, \"te\\u0078t\":\"caf\\u00e9 \\ud83d\\ude00\" ,\"meta\":{\"k\":[1,\"}\"]},"
                       "\"ent\\u0069ties\":[],\"tags\":null, \"z\":-1.5e3}\n";
    assert_null(rec_of(&rec, line, replaced));
    assert_int_equal(rec.object, 1);
    assert_int_equal(rec.text_len, strlen("caf\xc3\xa9 \xf0\x9f\x98\x80"));
    assert_memory_equal(rec.text, "caf\xc3\xa9 \xf0\x9f\x98\x80", rec.text_len);
    /* kept: id, text, meta, z, byte for byte; "entities" (escaped) and "tags" left out */
    assert_int_equal(rec.nkeep, 4);
    const char *want[] = {"\"id\": 7", "\"te\\u0078t\":\"caf\\u00e9 \\ud83d\\ude00\"",
                          "\"meta\":{\"k\":[1,\"}\"]}", "\"z\":-1.5e3"};
    for (size_t k = 0; k < 4; k++) {
        assert_int_equal(rec.keep[k].len, strlen(want[k]));
        assert_memory_equal(line + rec.keep[k].off, want[k], strlen(want[k]));
    }
    /* a string record: its text, nothing kept */
    assert_null(rec_of(&rec, " \"QEMU\\tLinux\" \r\n", replaced));
    assert_int_equal(rec.object, 0);
    assert_int_equal(rec.nkeep, 0);
    assert_int_equal(rec.text_len, 10);
    assert_memory_equal(rec.text, "QEMU\tLinux", 10);
    /* member order does not matter */
    assert_null(rec_of(&rec, "{\"text\":\"a\",\"id\":\"b\"}", NULL));
    assert_int_equal(rec.nkeep, 2);
    json_rec_free(&rec);
}

static void test_refused_records(void **state)
{
    (void)state;
    struct json_rec rec;
    memset(&rec, 0, sizeof rec);
    static const struct {
        const char *line, *msg;
    } bad[] = {
        {"{\"id\":foo,\"text\":\"x\"}", "invalid literal"},
        {"{\"text\":\"a\",}", "trailing comma"},
        {"{\"text\":\"a\",\"x\":[1,]}", "trailing comma"},
        {"{\"text\":\"\\q\"}", "bad escape"},
        {"{\"text\":\"\\ud800\"}", "lone surrogate"},
        {"{\"text\":\"a\tb\"}", "control character in string"},
        {"{\"text\":\"\xff\"}", "invalid UTF-8"},
        {"{\"text\":5}", "\"text\" is not a string"},
        {"{\"id\":1}", "no \"text\" member"},
        {"{\"text\":\"a\",\"te\\u0078t\":\"b\"}", "two \"text\" members"},
        {"{\"text\":\"a\",\"n\":01}", "invalid number (leading zero)"},
        {"{\"text\":\"a\"} x", "trailing characters after the record"},
        {"[\"a\"]", "expected a JSON string or object"},
        {"{\"text\":\"a\"", "expected ',' or '}'"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        const char *m = rec_of(&rec, bad[i].line, NULL);
        if (!m || strcmp(m, bad[i].msg) != 0)
            fail_msg("%s: got %s, want %s", bad[i].line, m ? m : "(accepted)", bad[i].msg);
    }
    json_rec_free(&rec);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_values),
        cmocka_unit_test(test_invalid_values),
        cmocka_unit_test(test_depth),
        cmocka_unit_test(test_records),
        cmocka_unit_test(test_refused_records),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
