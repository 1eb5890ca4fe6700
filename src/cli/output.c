/*
 * output.c - writers for tagged sentences: CoNLL, spans, JSON lines.
 *
 *   conll  token<TAB>TAG per line, a blank line after each sentence (for
 *          tokenized input every input column, then the predicted TAG)
 *   spans  start<TAB>end<TAB>type<TAB>text per entity (byte offsets)
 *   json   {"tokens":[...],"tags":[...],"offsets":[[s,e],...],"char_offsets":[[s,e],...],
 *           "entities":[{"start":s,"end":e,"type":"T","text":"...","start_byte":s,
 *                        "end_byte":e,"start_char":cs,"end_char":ce,"tokens":[b,e]}]}
 *          "offsets", "start" and "end" are byte offsets (kept as they were
 *          before the _byte and _char names); the _char ones count code points.
 * An entity is a chunk of the tags (conlleval's rules); for plain tags (not
 * BIO, e.g. part-of-speech tags) each token not tagged "O", its tag the type.
 */
#include <stdint.h>
#include <string.h>

#include "confidence.h"
#include "output.h"

/* Length of the valid UTF-8 character at p[i] (i < n), or 0 for an invalid
 * byte (not the start of a complete, shortest-form sequence of a code point
 * up to U+10FFFF that is not a surrogate). */
static size_t utf8_valid_len(const unsigned char *p, size_t i, size_t n)
{
    unsigned c = p[i];
    if (c < 0x80)
        return 1;
    size_t len = c >= 0xf0 && c < 0xf5 ? 4 : c >= 0xe0 && c < 0xf0 ? 3 : c >= 0xc2 && c < 0xe0 ? 2 : 0;
    int ok = len > 0 && i + len <= n;
    for (size_t k = 1; ok && k < len; k++)
        ok = (p[i + k] & 0xc0) == 0x80;
    if (ok && len == 3) {
        unsigned cp = (c & 0x0fu) << 12 | (p[i + 1] & 0x3fu) << 6 | (p[i + 2] & 0x3fu);
        ok = cp >= 0x800 && (cp < 0xd800 || cp > 0xdfff);
    } else if (ok && len == 4) {
        unsigned cp = (c & 0x07u) << 18 | (p[i + 1] & 0x3fu) << 12;
        ok = cp >= 0x10000 && cp <= 0x10ffff;
    }
    return ok ? len : 0;
}

size_t out_chars(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t chars = 0;
    for (size_t i = 0; i < n; chars++) {
        if (p[i] < 0x80) {
            i++;
            continue;
        }
        size_t l = utf8_valid_len(p, i, n);
        i += l ? l : 1;
    }
    return chars;
}

void out_char_offsets(const char *text, const size_t *start, const size_t *end, size_t n,
                      size_t *pos_b, size_t *pos_c, size_t *cstart, size_t *cend)
{
    for (size_t i = 0; i < n; i++) {
        *pos_c += out_chars(text + *pos_b, start[i] - *pos_b);
        cstart[i] = *pos_c;
        *pos_c += out_chars(text + start[i], end[i] - start[i]);
        cend[i] = *pos_c;
        *pos_b = end[i];
    }
}

/* Output is gathered here and written in few fwrite calls (the bytes are
 * the same as field by field). */
struct obuf {
    FILE *f;
    size_t len;
    char b[8192];
};

static void ob_flush(struct obuf *o)
{
    if (o->len)
        fwrite(o->b, 1, o->len, o->f);
    o->len = 0;
}

/* Where n <= sizeof o->b bytes can be written (o->len is moved by the
 * writer). */
static inline char *ob_room(struct obuf *o, size_t n)
{
    if (n > sizeof o->b - o->len)
        ob_flush(o);
    return o->b + o->len;
}

static inline void ob_put(struct obuf *o, const char *s, size_t n)
{
    if (n > sizeof o->b - o->len) {
        ob_flush(o);
        if (n > sizeof o->b) {
            fwrite(s, 1, n, o->f);
            return;
        }
    }
    memcpy(o->b + o->len, s, n);
    o->len += n;
}

static inline void ob_putc(struct obuf *o, char c)
{
    if (o->len == sizeof o->b)
        ob_flush(o);
    o->b[o->len++] = c;
}

static inline void ob_puts(struct obuf *o, const char *s)
{
    ob_put(o, s, strlen(s));
}

/* A string literal. */
#define OB_LIT(o, lit) ob_put(o, lit, sizeof lit - 1)

/* v in decimal (as "%zu") at p, two digits at a time; returns the end. */
static inline char *put_uint(char *p, size_t v)
{
    static const char d2[] = "00010203040506070809101112131415161718192021222324"
                             "25262728293031323334353637383940414243444546474849"
                             "50515253545556575859606162636465666768697071727374"
                             "75767778798081828384858687888990919293949596979899";
    size_t n;
    if (v < 100000) {
        n = v < 100 ? 1 + (v >= 10) : v < 1000 ? 3 : 4 + (v >= 10000);
    } else {
        n = 6;
        for (size_t x = 1000000; n < 20 && v >= x; x *= 10)   /* 10^19 < 2^64 */
            n++;
    }
    char *q = p + n;
    for (; v > UINT32_MAX; q -= 2) {
        size_t r = v % 100;
        v /= 100;
        q[-2] = d2[2 * r];
        q[-1] = d2[2 * r + 1];
    }
    uint32_t w = (uint32_t)v;                 /* 32-bit divisions from here */
    for (; w >= 100; q -= 2) {
        uint32_t r = w % 100;
        w /= 100;
        q[-2] = d2[2 * r];
        q[-1] = d2[2 * r + 1];
    }
    if (w >= 10) {
        q[-2] = d2[2 * w];
        q[-1] = d2[2 * w + 1];
    } else {
        q[-1] = (char)('0' + w);
    }
    return p + n;
}

static void ob_uint(struct obuf *o, size_t v)
{
    char *p = ob_room(o, 20);
    o->len = (size_t)(put_uint(p, v) - o->b);
}

/* The bytes copied as they are into a JSON string: printable ASCII but '"'
 * and '\\'. */
static const unsigned char json_plain[256] = {
    [' '] = 1, ['!'] = 1, ['#'] = 1, ['$'] = 1, ['%'] = 1, ['&'] = 1, ['\''] = 1, ['('] = 1,
    [')'] = 1, ['*'] = 1, ['+'] = 1, [','] = 1, ['-'] = 1, ['.'] = 1, ['/'] = 1, ['0'] = 1,
    ['1'] = 1, ['2'] = 1, ['3'] = 1, ['4'] = 1, ['5'] = 1, ['6'] = 1, ['7'] = 1, ['8'] = 1,
    ['9'] = 1, [':'] = 1, [';'] = 1, ['<'] = 1, ['='] = 1, ['>'] = 1, ['?'] = 1, ['@'] = 1,
    ['A'] = 1, ['B'] = 1, ['C'] = 1, ['D'] = 1, ['E'] = 1, ['F'] = 1, ['G'] = 1, ['H'] = 1,
    ['I'] = 1, ['J'] = 1, ['K'] = 1, ['L'] = 1, ['M'] = 1, ['N'] = 1, ['O'] = 1, ['P'] = 1,
    ['Q'] = 1, ['R'] = 1, ['S'] = 1, ['T'] = 1, ['U'] = 1, ['V'] = 1, ['W'] = 1, ['X'] = 1,
    ['Y'] = 1, ['Z'] = 1, ['['] = 1, [']'] = 1, ['^'] = 1, ['_'] = 1, ['`'] = 1, ['a'] = 1,
    ['b'] = 1, ['c'] = 1, ['d'] = 1, ['e'] = 1, ['f'] = 1, ['g'] = 1, ['h'] = 1, ['i'] = 1,
    ['j'] = 1, ['k'] = 1, ['l'] = 1, ['m'] = 1, ['n'] = 1, ['o'] = 1, ['p'] = 1, ['q'] = 1,
    ['r'] = 1, ['s'] = 1, ['t'] = 1, ['u'] = 1, ['v'] = 1, ['w'] = 1, ['x'] = 1, ['y'] = 1,
    ['z'] = 1, ['{'] = 1, ['|'] = 1, ['}'] = 1, ['~'] = 1,
};

/* The escaped form of byte p[i] (not json_plain) of s[0..n) at q: \" \\,
 * \u00XX for a control byte, the whole UTF-8 character, or \ufffd for an
 * invalid byte; *i is moved past what it took, the end returned. */
static char *json_escape(char *q, const unsigned char *p, size_t *i, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    unsigned c = p[*i];
    size_t len;
    if (c == '"' || c == '\\') {
        *q++ = '\\';
        *q++ = (char)c;
        ++*i;
    } else if (c < 0x20 || c == 0x7f) {
        memcpy(q, "\\u00", 4);
        q[4] = hex[c >> 4];
        q[5] = hex[c & 15];
        q += 6;
        ++*i;
    } else if ((len = utf8_valid_len(p, *i, n)) != 0) {
        memcpy(q, p + *i, len);
        q += len;
        *i += len;
    } else {
        memcpy(q, "\\ufffd", 6);
        q += 6;
        ++*i;
    }
    return q;
}

/* Writes s[0..n) escaped for the inside of a JSON string; invalid UTF-8
 * becomes U+FFFD, one for each byte (so out_chars counts the characters of
 * the JSON string).  A byte takes 6 bytes at most. */
static void json_body(struct obuf *o, const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    for (size_t i = 0; i < n;) {
        size_t piece = n - i < sizeof o->b / 8 ? n - i : sizeof o->b / 8, end = i + piece;
        char *q0 = ob_room(o, 6 * piece), *q = q0;
        while (i < end) {  /* the last character may end past end: 6 bytes at most still */
            if (json_plain[p[i]])
                *q++ = (char)p[i++];
            else
                q = json_escape(q, p, &i, n);
        }
        o->len += (size_t)(q - q0);
    }
}

static void json_str(struct obuf *o, const char *s, size_t n)
{
    ob_putc(o, '"');
    json_body(o, s, n);
    ob_putc(o, '"');
}

void out_json_str(FILE *f, const char *s, size_t n)
{
    struct obuf o;
    o.f = f;
    o.len = 0;
    json_str(&o, s, n);
    ob_flush(&o);
}

/* Entity text without TAB or newline (spans format). */
static void plain_str(struct obuf *o, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        ob_putc(o, c < 0x20 ? ' ' : (char)c);
    }
}

static void chunk_offsets(const struct out_sentence *s, const struct crftag_chunk *c,
                          size_t *start, size_t *end)
{
    if (s->text) {
        *start = s->base + s->start[c->begin];
        *end = s->base + s->end[c->end - 1];
    } else {
        *start = s->base + c->begin;
        *end = s->base + c->end;
    }
}

/* Entity text: the raw bytes it spans, or its tokens joined by spaces. */
static void chunk_text(struct obuf *o, const struct out_sentence *s, const struct crftag_chunk *c,
                       void (*put)(struct obuf *, const char *, size_t))
{
    if (s->text) {
        put(o, s->text + s->start[c->begin], s->end[c->end - 1] - s->start[c->begin]);
        return;
    }
    for (size_t i = c->begin; i < c->end; i++) {
        if (i > c->begin)
            put(o, " ", 1);
        put(o, s->tok[i], s->tok_len[i]);
    }
}

static void json_text_joined(struct obuf *o, const struct out_sentence *s,
                             const struct crftag_chunk *c)
{
    if (s->text) {
        json_str(o, s->text + s->start[c->begin], s->end[c->end - 1] - s->start[c->begin]);
        return;
    }
    ob_putc(o, '"');
    for (size_t i = c->begin; i < c->end; i++) {
        if (i > c->begin)
            ob_putc(o, ' ');
        json_body(o, s->tok[i], s->tok_len[i]);
    }
    ob_putc(o, '"');
}

/* "[a,b]", after a ',' unless first. */
static void ob_pair(struct obuf *o, int first, size_t a, size_t b)
{
    char *p0 = ob_room(o, 44), *p = p0;
    if (!first)
        *p++ = ',';
    *p++ = '[';
    p = put_uint(p, a);
    *p++ = ',';
    p = put_uint(p, b);
    *p++ = ']';
    o->len += (size_t)(p - p0);
}

/* x as "%.6g". */
static void ob_g6(struct obuf *o, double x)
{
    char d[64];
    int k = snprintf(d, sizeof d, "%.6g", x);
    if (k > 0)
        ob_put(o, d, (size_t)k < sizeof d ? (size_t)k : sizeof d - 1);
}

/* token<TAB>tag<LF> */
static void conll_line(struct obuf *o, const char *tok, size_t len, const char *tag)
{
    ob_put(o, tok, len);
    ob_putc(o, '\t');
    ob_puts(o, tag);
    ob_putc(o, '\n');
}

/* The columns of token i and its tag, TAB-separated, and LF. */
static void cols_line(struct obuf *o, const char *const *cols, size_t ncols, const char *tag)
{
    for (size_t j = 0; j < ncols; j++) {
        ob_puts(o, cols[j]);
        ob_putc(o, '\t');
    }
    ob_puts(o, tag);
    ob_putc(o, '\n');
}

int out_write(FILE *f, enum out_format fmt, const struct out_sentence *s,
              struct crftag_chunk *chunks)
{
    size_t nc = 0;
    if (fmt != OUT_CONLL)
        nc = s->plain ? crftag_chunks_plain(s->tags, s->n, chunks)
                      : crftag_chunks(s->tags, s->n, chunks);
    struct obuf o;
    o.f = f;
    o.len = 0;
    switch (fmt) {
    case OUT_CONLL:
        if (s->conf) {
            conf_write_conll(f, s);
            break;
        }
        for (size_t i = 0; i < s->n; i++) {
            if (s->cols) {
                cols_line(&o, s->cols + i * s->ncols, s->ncols, s->tags[i]);
                continue;
            }
            conll_line(&o, s->tok[i], s->tok_len[i], s->tags[i]);
        }
        ob_putc(&o, '\n');
        break;
    case OUT_SPANS:
        for (size_t k = 0; k < nc; k++) {
            size_t a, b;
            chunk_offsets(s, &chunks[k], &a, &b);
            ob_uint(&o, a);
            ob_putc(&o, '\t');
            ob_uint(&o, b);
            ob_putc(&o, '\t');
            ob_put(&o, chunks[k].type, chunks[k].type_len);
            ob_putc(&o, '\t');
            chunk_text(&o, s, &chunks[k], plain_str);
            if (s->conf) {
                ob_putc(&o, '\t');
                ob_g6(&o, s->conf->ent[k]);
            }
            ob_putc(&o, '\n');
        }
        break;
    case OUT_JSON:
        OB_LIT(&o, "{\"tokens\":[");
        for (size_t i = 0; i < s->n; i++) {
            if (i)
                ob_putc(&o, ',');
            json_str(&o, s->tok[i], s->tok_len[i]);
        }
        OB_LIT(&o, "],\"tags\":[");
        for (size_t i = 0; i < s->n; i++) {
            if (i)
                ob_putc(&o, ',');
            json_str(&o, s->tags[i], strlen(s->tags[i]));
        }
        ob_putc(&o, ']');
        if (s->text) {
            OB_LIT(&o, ",\"offsets\":[");
            for (size_t i = 0; i < s->n; i++)
                ob_pair(&o, i == 0, s->base + s->start[i], s->base + s->end[i]);
            ob_putc(&o, ']');
        }
        if (s->text && s->cstart) {
            OB_LIT(&o, ",\"char_offsets\":[");
            for (size_t i = 0; i < s->n; i++)
                ob_pair(&o, i == 0, s->cstart[i], s->cend[i]);
            ob_putc(&o, ']');
        }
        OB_LIT(&o, ",\"entities\":[");
        for (size_t k = 0; k < nc; k++) {
            size_t a, b;
            chunk_offsets(s, &chunks[k], &a, &b);
            ob_puts(&o, k ? ",{" : "{");
            if (s->text) {
                OB_LIT(&o, "\"start\":");
                ob_uint(&o, a);
                OB_LIT(&o, ",\"end\":");
                ob_uint(&o, b);
                ob_putc(&o, ',');
            }
            OB_LIT(&o, "\"type\":");
            json_str(&o, chunks[k].type, chunks[k].type_len);
            OB_LIT(&o, ",\"text\":");
            json_text_joined(&o, s, &chunks[k]);
            if (s->text && s->cstart) {
                OB_LIT(&o, ",\"start_byte\":");
                ob_uint(&o, a);
                OB_LIT(&o, ",\"end_byte\":");
                ob_uint(&o, b);
                OB_LIT(&o, ",\"start_char\":");
                ob_uint(&o, s->cstart[chunks[k].begin]);
                OB_LIT(&o, ",\"end_char\":");
                ob_uint(&o, s->cend[chunks[k].end - 1]);
            }
            OB_LIT(&o, ",\"tokens\":[");
            ob_uint(&o, chunks[k].begin);
            ob_putc(&o, ',');
            ob_uint(&o, chunks[k].end);
            ob_putc(&o, ']');
            if (s->conf) {
                OB_LIT(&o, ",\"prob\":");
                ob_g6(&o, s->conf->ent[k]);
            }
            ob_putc(&o, '}');
        }
        ob_putc(&o, ']');
        if (s->conf) {
            ob_flush(&o);
            conf_write_json(f, s);
        }
        OB_LIT(&o, "}\n");
        break;
    }
    ob_flush(&o);
    return ferror(f) ? -1 : 0;
}
