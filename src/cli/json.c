/*
 * json.c - the JSON of `crftag tag --input-format jsonl`: a record's text
 * read from one line (a JSON string or an object with a string member
 * "text", other members checked and skipped) and strings written back.
 * Strings must be valid UTF-8; \u escapes, surrogate pairs included, are
 * decoded to UTF-8.
 */
#include "json.h"

#include <stddef.h>
#include <stdio.h>
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

/* Skips one JSON value of an ignored member (strings checked, nesting
 * balanced, scalars taken up to the next , } ] or space). */
static const char *json_skip(const char **pp, const char *end)
{
    const char *p = *pp;
    size_t depth = 0, dummy;
    do {
        p = json_ws(p, end);
        if (p >= end)
            return "truncated value";
        if (*p == '"') {
            const char *e = json_string(&p, end, NULL, &dummy);
            if (e)
                return e;
        } else if (*p == '{' || *p == '[') {
            depth++;
            p++;
        } else if (*p == '}' || *p == ']') {
            if (depth == 0)
                return "unbalanced brackets";
            depth--;
            p++;
        } else if (*p == ',' || *p == ':') {
            if (depth == 0)
                return "missing value";
            p++;
        } else {
            const char *p0 = p;
            while (p < end && *p && !strchr(",}] \t\r\n", *p))
                p++;
            if (p == p0)
                return "unexpected character";
        }
    } while (depth > 0);
    *pp = p;
    return NULL;
}

/* The text of record line[0..len) into out (room for len bytes).  Returns
 * NULL, or a message. */
const char *json_record(const char *line, size_t len, char *out, size_t *out_len)
{
    const char *p = json_ws(line, line + len), *end = line + len, *e;
    int found = 0;
    if (p < end && *p == '"') {
        if ((e = json_string(&p, end, out, out_len)))
            return e;
        found = 1;
    } else if (p < end && *p == '{') {
        p = json_ws(p + 1, end);
        while (p < end && *p != '}') {
            size_t kl = 0;
            const char *k0 = p;
            if (*p != '"' || (e = json_string(&p, end, NULL, &kl)))
                return *p != '"' ? "expected a member name" : e;
            int is_text = kl == 4 && p - k0 == 6 && memcmp(k0, "\"text\"", 6) == 0;
            p = json_ws(p, end);
            if (p >= end || *p != ':')
                return "expected ':'";
            p = json_ws(p + 1, end);
            if (is_text) {
                if (p >= end || *p != '"')
                    return "\"text\" is not a string";
                if ((e = json_string(&p, end, out, out_len)))
                    return e;
                found = 1;
            } else if ((e = json_skip(&p, end))) {
                return e;
            }
            p = json_ws(p, end);
            if (p < end && *p == ',')
                p = json_ws(p + 1, end);
            else if (p >= end || *p != '}')
                return "expected ',' or '}'";
        }
        if (p >= end)
            return "unterminated object";
        p++;
        if (!found)
            return "no \"text\" member";
    } else {
        return "expected a JSON string or object";
    }
    p = json_ws(p, end);
    return p < end ? "trailing characters after the record" : NULL;
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
