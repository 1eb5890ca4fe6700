/*
 * json.c - the JSON of `crftag tag --input-format jsonl`: a record read from
 * one line (a JSON string, or an object with a string member "text" whose
 * other members are kept, byte for byte, for the output) and strings written
 * back.  The whole line is checked against the grammar of RFC 8259: any
 * valid JSON value is accepted in the other members (nested up to
 * JSON_MAX_DEPTH), anything else refused with a message: bare words,
 * trailing commas, leading zeros, bad escapes, control characters in
 * strings.  Strings must be valid UTF-8 and \u escapes may not leave a lone
 * surrogate; escapes, surrogate pairs included, are decoded to UTF-8, member
 * names too ("te\u0078t" is "text").
 */
#include "json.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *json_ws(const char *p, const char *end)
{
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
        p++;
    return p;
}

static int hex4(const char *p, const char *end, unsigned *out)
{
    if (end - p < 4)
        return -1;
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        char c = p[i];
        v <<= 4;
        if (c >= '0' && c <= '9')
            v |= (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f')
            v |= (unsigned)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F')
            v |= (unsigned)(c - 'A' + 10);
        else
            return -1;
    }
    *out = v;
    return 0;
}

/* Length of the valid UTF-8 character at p (1..4), or 0. */
static size_t utf8_len(const unsigned char *p, const unsigned char *end)
{
    unsigned c = p[0];
    size_t len = c < 0x80 ? 1 : c >= 0xc2 && c < 0xe0 ? 2 : c >= 0xe0 && c < 0xf0 ? 3
               : c >= 0xf0 && c < 0xf5 ? 4 : 0;
    if (len == 0 || (size_t)(end - p) < len)
        return 0;
    for (size_t k = 1; k < len; k++)
        if ((p[k] & 0xc0) != 0x80)
            return 0;
    if (len == 3) {
        unsigned cp = (c & 0x0fu) << 12 | (p[1] & 0x3fu) << 6;
        if (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))
            return 0;
    } else if (len == 4) {
        unsigned cp = (c & 0x07u) << 18 | (p[1] & 0x3fu) << 12;
        if (cp < 0x10000 || cp > 0x10ffff)
            return 0;
    }
    return len;
}

/* Decodes the JSON string at *pp (at its opening quote) into out (room for
 * end - *pp bytes: escapes never grow), sets *out_len and moves *pp past the
 * closing quote.  Returns NULL or a message. */
const char *json_string(const char **pp, const char *end, char *out, size_t *out_len)
{
    const char *p = *pp + 1;
    size_t n = 0;
    for (;;) {
        if (p >= end)
            return "unterminated string";
        unsigned char c = (unsigned char)*p;
        if (c == '"')
            break;
        if (c < 0x20)
            return "control character in string";
        if (c != '\\') {
            size_t l = utf8_len((const unsigned char *)p, (const unsigned char *)end);
            if (l == 0)
                return "invalid UTF-8";
            if (out)
                memcpy(out + n, p, l);
            n += l;
            p += l;
            continue;
        }
        if (++p >= end)
            return "unterminated string";
        const char *simple = strchr("\"\\/bfnrt", *p), *to = "\"\\/\b\f\n\r\t";
        if (simple && *p) {
            if (out)
                out[n] = to[simple - "\"\\/bfnrt"];
            n++;
            p++;
            continue;
        }
        unsigned cp, lo;
        if (*p != 'u' || hex4(p + 1, end, &cp))
            return "bad escape";
        p += 5;
        if (cp >= 0xdc00 && cp <= 0xdfff)
            return "lone surrogate";
        if (cp >= 0xd800 && cp <= 0xdbff) {
            if (end - p < 6 || p[0] != '\\' || p[1] != 'u' || hex4(p + 2, end, &lo) ||
                lo < 0xdc00 || lo > 0xdfff)
                return "lone surrogate";
            cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
            p += 6;
        }
        char u[4];
        size_t ul;
        if (cp < 0x80) {
            u[0] = (char)cp;
            ul = 1;
        } else if (cp < 0x800) {
            u[0] = (char)(0xc0 | cp >> 6);
            u[1] = (char)(0x80 | (cp & 0x3f));
            ul = 2;
        } else if (cp < 0x10000) {
            u[0] = (char)(0xe0 | cp >> 12);
            u[1] = (char)(0x80 | (cp >> 6 & 0x3f));
            u[2] = (char)(0x80 | (cp & 0x3f));
            ul = 3;
        } else {
            u[0] = (char)(0xf0 | cp >> 18);
            u[1] = (char)(0x80 | (cp >> 12 & 0x3f));
            u[2] = (char)(0x80 | (cp >> 6 & 0x3f));
            u[3] = (char)(0x80 | (cp & 0x3f));
            ul = 4;
        }
        if (out)
            memcpy(out + n, u, ul);
        n += ul;
    }
    *pp = p + 1;
    *out_len = n;
    return NULL;
}

#define JSON_MAX_DEPTH 512

static const char *json_value(const char **pp, const char *end, int depth);

/* number = [ "-" ] int [ frac ] [ exp ] (RFC 8259, section 6) */
static const char *json_number(const char **pp, const char *end)
{
    const char *p = *pp;
    if (p < end && *p == '-')
        p++;
    if (p >= end || *p < '0' || *p > '9')
        return "invalid number";
    if (*p == '0' && p + 1 < end && p[1] >= '0' && p[1] <= '9')
        return "invalid number (leading zero)";
    if (*p == '0')
        p++;
    else
        while (p < end && *p >= '0' && *p <= '9')
            p++;
    if (p < end && *p == '.') {
        if (++p >= end || *p < '0' || *p > '9')
            return "invalid number";
        while (p < end && *p >= '0' && *p <= '9')
            p++;
    }
    if (p < end && (*p == 'e' || *p == 'E')) {
        p++;
        if (p < end && (*p == '+' || *p == '-'))
            p++;
        if (p >= end || *p < '0' || *p > '9')
            return "invalid number";
        while (p < end && *p >= '0' && *p <= '9')
            p++;
    }
    *pp = p;
    return NULL;
}

/* The members (objects) or elements (arrays) after the opening bracket, up
 * to and past the closing one. */
static const char *json_container(const char **pp, const char *end, int depth)
{
    const char *p = *pp, *e;
    char close = *p == '{' ? '}' : ']';
    size_t dummy;
    if (depth >= JSON_MAX_DEPTH)
        return "nested too deeply";
    p = json_ws(p + 1, end);
    if (p < end && *p == close) {
        *pp = p + 1;
        return NULL;
    }
    for (;;) {
        if (close == '}') {
            if (p >= end || *p != '"')
                return "expected a member name";
            if ((e = json_string(&p, end, NULL, &dummy)))
                return e;
            p = json_ws(p, end);
            if (p >= end || *p != ':')
                return "expected ':'";
            p = json_ws(p + 1, end);
        }
        if ((e = json_value(&p, end, depth + 1)))
            return e;
        p = json_ws(p, end);
        if (p < end && *p == close) {
            *pp = p + 1;
            return NULL;
        }
        if (p >= end || *p != ',')
            return close == '}' ? "expected ',' or '}'" : "expected ',' or ']'";
        p = json_ws(p + 1, end);
        if (p < end && *p == close)
            return "trailing comma";
    }
}

/* Checks one JSON value at *pp (no white space before it) and moves *pp
 * past it.  Returns NULL or a message. */
static const char *json_value(const char **pp, const char *end, int depth)
{
    const char *p = *pp;
    size_t dummy;
    if (p >= end)
        return "expected a value";
    switch (*p) {
    case '"':
        return json_string(pp, end, NULL, &dummy);
    case '{':
    case '[':
        return json_container(pp, end, depth);
    case 't':
    case 'f':
    case 'n': {
        const char *w = *p == 't' ? "true" : *p == 'f' ? "false" : "null";
        size_t l = strlen(w);
        if ((size_t)(end - p) < l || memcmp(p, w, l) != 0)
            return "invalid literal";
        *pp = p + l;
        return NULL;
    }
    default:
        if (*p == '-' || (*p >= '0' && *p <= '9'))
            return json_number(pp, end);
        return "unexpected character";
    }
}

const char *json_check(const char *s, size_t len)
{
    const char *p = json_ws(s, s + len), *end = s + len, *e;
    if ((e = json_value(&p, end, 0)))
        return e;
    return json_ws(p, end) < end ? "trailing characters after the value" : NULL;
}

/* 1 when the decoded name k[0..kl) is one of the NULL-terminated names. */
static int json_name_in(const char *k, size_t kl, const char *const *names)
{
    for (size_t i = 0; names && names[i]; i++)
        if (strlen(names[i]) == kl && memcmp(names[i], k, kl) == 0)
            return 1;
    return 0;
}

/* Parses object record line[0..len) (at '{').  See json_record. */
static const char *json_object(const char *line, size_t len, struct json_rec *rec,
                               const char *const *replaced)
{
    const char *p = line, *end = line + len, *e;
    int found = 0;
    if (rec->nkeep_cap < len / 6 + 1) {       /* "":0, is the shortest member */
        size_t cap = len / 6 + 1;
        struct json_range *k = realloc(rec->keep, cap * sizeof *k);
        if (!k)
            return "out of memory";
        rec->keep = k;
        rec->nkeep_cap = cap;
    }
    rec->nkeep = 0;
    p = json_ws(p + 1, end);
    if (p < end && *p == '}')
        p++;
    else
        for (;;) {
            const char *m0 = p;
            size_t kl = 0;
            if (p >= end || *p != '"')
                return "expected a member name";
            if ((e = json_string(&p, end, rec->key, &kl)))
                return e;
            int is_text = kl == 4 && memcmp(rec->key, "text", 4) == 0;
            int drop = json_name_in(rec->key, kl, replaced);
            p = json_ws(p, end);
            if (p >= end || *p != ':')
                return "expected ':'";
            p = json_ws(p + 1, end);
            if (is_text) {
                if (found)
                    return "two \"text\" members";
                if (p >= end || *p != '"')
                    return "\"text\" is not a string";
                if ((e = json_string(&p, end, rec->text, &rec->text_len)))
                    return e;
                found = 1;
            } else if ((e = json_value(&p, end, 1))) {
                return e;
            }
            if (!drop) {
                rec->keep[rec->nkeep].off = (size_t)(m0 - line);
                rec->keep[rec->nkeep].len = (size_t)(p - m0);
                rec->nkeep++;
            }
            p = json_ws(p, end);
            if (p < end && *p == '}') {
                p++;
                break;
            }
            if (p >= end || *p != ',')
                return "expected ',' or '}'";
            p = json_ws(p + 1, end);
            if (p < end && *p == '}')
                return "trailing comma";
        }
    if (!found)
        return "no \"text\" member";
    return json_ws(p, end) < end ? "trailing characters after the record" : NULL;
}

const char *json_record(const char *line, size_t len, struct json_rec *rec,
                        const char *const *replaced)
{
    if (len > rec->cap) {
        char *t = realloc(rec->text, len), *k = realloc(rec->key, len);
        if (t)
            rec->text = t;
        if (k)
            rec->key = k;
        if (!t || !k)
            return "out of memory";
        rec->cap = len;
    }
    rec->text_len = 0;
    rec->nkeep = 0;
    rec->object = 0;
    const char *p = json_ws(line, line + len), *end = line + len, *e;
    if (p < end && *p == '"') {
        if ((e = json_string(&p, end, rec->text, &rec->text_len)))
            return e;
        return json_ws(p, end) < end ? "trailing characters after the record" : NULL;
    }
    if (p < end && *p == '{') {
        rec->object = 1;
        if ((e = json_object(p, (size_t)(end - p), rec, replaced)))
            return e;
        for (size_t k = 0; k < rec->nkeep; k++)      /* offsets into line */
            rec->keep[k].off += (size_t)(p - line);
        return NULL;
    }
    /* say what is wrong when the line is JSON, but not a string or object */
    return json_check(p, (size_t)(end - p)) ? json_check(p, (size_t)(end - p))
                                            : "expected a JSON string or object";
}

void json_rec_free(struct json_rec *rec)
{
    free(rec->text);
    free(rec->key);
    free(rec->keep);
}

/* Writes s[0..n) as a JSON string (s is valid UTF-8: it was decoded from
 * JSON). */
void json_put(FILE *f, const char *s, size_t n)
{
    putc('"', f);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\')
            fprintf(f, "\\%c", c);
        else if (c < 0x20 || c == 0x7f)
            fprintf(f, "\\u%04x", c);
        else
            putc(c, f);
    }
    putc('"', f);
}
