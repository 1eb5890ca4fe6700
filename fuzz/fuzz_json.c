/*
 * fuzz_json.c - libFuzzer harness for the JSON lines reader of
 * `crftag tag --input-format jsonl` (src/cli/json.c, compiled in here).
 *
 * Checks on any bytes: json_record and json_check agree (a record accepted
 * is valid JSON; an object or string refused by json_check is refused as a
 * record); an accepted record's text is valid UTF-8 no longer than the line;
 * the members kept lie inside the line, in order, and put back between
 * braces are valid JSON again; the text written by json_put and read back
 * as a string record is the same text.
 */
#include "../src/cli/json.c"
#include "fuzz_common.h"

/* 1 when s[0..n) is valid UTF-8 (no surrogates, at most U+10FFFF). */
static int fuzz_utf8_ok(const unsigned char *s, size_t n)
{
    for (size_t i = 0; i < n;) {
        size_t l = utf8_len(s + i, s + n);
        if (l == 0)
            return 0;
        i += l;
    }
    return 1;
}

static void fuzz_json_text_roundtrip(const struct json_rec *rec)
{
    char *out = NULL;
    size_t olen = 0;
    FILE *f = open_memstream(&out, &olen);
    if (!f)
        return;
    json_put(f, rec->text, rec->text_len);
    fclose(f);
    struct json_rec back;
    memset(&back, 0, sizeof back);
    if (json_record(out, olen, &back, NULL) || back.text_len != rec->text_len ||
        memcmp(back.text, rec->text, rec->text_len) != 0)
        abort();
    json_rec_free(&back);
    free(out);
}

static void fuzz_json_kept(const char *line, size_t size, const struct json_rec *rec)
{
    size_t total = 2, prev = 0;
    for (size_t k = 0; k < rec->nkeep; k++) {
        const struct json_range *r = &rec->keep[k];
        if (r->off < prev || r->len == 0 || r->off + r->len > size || line[r->off] != '"')
            abort();
        prev = r->off + r->len;
        total += r->len + 1;
    }
    char *obj = malloc(total);
    if (!obj)
        return;
    size_t n = 0;
    obj[n++] = '{';
    for (size_t k = 0; k < rec->nkeep; k++) {
        if (k)
            obj[n++] = ',';
        memcpy(obj + n, line + rec->keep[k].off, rec->keep[k].len);
        n += rec->keep[k].len;
    }
    obj[n++] = '}';
    if (json_check(obj, n))
        abort();
    free(obj);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const replaced[] = {"entities", "tokens", NULL};
    char *line = malloc(size ? size : 1);     /* exact size: ASan sees overreads */
    if (!line)
        return 0;
    memcpy(line, data, size);
    const char *bad = json_check(line, size);
    struct json_rec rec;
    memset(&rec, 0, sizeof rec);
    const char *msg = json_record(line, size, &rec, size % 2 ? replaced : NULL);
    if (!msg) {
        if (bad || rec.text_len > size ||
            !fuzz_utf8_ok((const unsigned char *)rec.text, rec.text_len))
            abort();
        fuzz_json_kept(line, size, &rec);
        fuzz_json_text_roundtrip(&rec);
    }
    json_rec_free(&rec);
    free(line);
    return 0;
}
