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

/* Writes s[0..n) escaped for the inside of a JSON string; invalid UTF-8
 * becomes U+FFFD, one for each byte (so out_chars counts the characters of
 * the JSON string). */
static void json_body(FILE *f, const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    for (size_t i = 0; i < n;) {
        unsigned c = p[i];
        if (c == '"' || c == '\\') {
            fputc('\\', f);
            fputc((int)c, f);
            i++;
        } else if (c < 0x20 || c == 0x7f) {
            fprintf(f, "\\u%04x", c);
            i++;
        } else if (c < 0x80) {
            fputc((int)c, f);
            i++;
        } else {
            size_t len = utf8_valid_len(p, i, n);
            if (len) {
                fwrite(p + i, 1, len, f);
                i += len;
            } else {
                fputs("\\ufffd", f);
                i++;
            }
        }
    }
}

void out_json_str(FILE *f, const char *s, size_t n)
{
    fputc('"', f);
    json_body(f, s, n);
    fputc('"', f);
}

#define json_str out_json_str

/* Entity text without TAB or newline (spans format). */
static void plain_str(FILE *f, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        fputc(c < 0x20 ? ' ' : (int)c, f);
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
static void chunk_text(FILE *f, const struct out_sentence *s, const struct crftag_chunk *c,
                       void (*put)(FILE *, const char *, size_t))
{
    if (s->text) {
        put(f, s->text + s->start[c->begin], s->end[c->end - 1] - s->start[c->begin]);
        return;
    }
    for (size_t i = c->begin; i < c->end; i++) {
        if (i > c->begin)
            put(f, " ", 1);
        put(f, s->tok[i], s->tok_len[i]);
    }
}

static void json_text_joined(FILE *f, const struct out_sentence *s, const struct crftag_chunk *c)
{
    if (s->text) {
        json_str(f, s->text + s->start[c->begin], s->end[c->end - 1] - s->start[c->begin]);
        return;
    }
    fputc('"', f);
    for (size_t i = c->begin; i < c->end; i++) {
        if (i > c->begin)
            fputc(' ', f);
        json_body(f, s->tok[i], s->tok_len[i]);
    }
    fputc('"', f);
}

/* A sentence's CoNLL lines are gathered here and written in few fwrite calls
 * (the bytes are the same as field by field). */
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

static void ob_put(struct obuf *o, const char *s, size_t n)
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

static void ob_putc(struct obuf *o, char c)
{
    if (o->len == sizeof o->b)
        ob_flush(o);
    o->b[o->len++] = c;
}

/* token<TAB>tag<LF> */
static void conll_line(struct obuf *o, const char *tok, size_t len, const char *tag)
{
    ob_put(o, tok, len);
    ob_putc(o, '\t');
    ob_put(o, tag, strlen(tag));
    ob_putc(o, '\n');
}

/* The columns of token i and its tag, TAB-separated, and LF. */
static void cols_line(struct obuf *o, const char *const *cols, size_t ncols, const char *tag)
{
    for (size_t j = 0; j < ncols; j++) {
        ob_put(o, cols[j], strlen(cols[j]));
        ob_putc(o, '\t');
    }
    ob_put(o, tag, strlen(tag));
    ob_putc(o, '\n');
}

int out_write(FILE *f, enum out_format fmt, const struct out_sentence *s,
              struct crftag_chunk *chunks)
{
    size_t nc = 0;
    if (fmt != OUT_CONLL)
        nc = s->plain ? crftag_chunks_plain(s->tags, s->n, chunks)
                      : crftag_chunks(s->tags, s->n, chunks);
    switch (fmt) {
    case OUT_CONLL:
        if (s->conf) {
            conf_write_conll(f, s);
            break;
        }
        {
            struct obuf o;
            o.f = f;
            o.len = 0;
            for (size_t i = 0; i < s->n; i++) {
                if (s->cols) {
                    cols_line(&o, s->cols + i * s->ncols, s->ncols, s->tags[i]);
                    continue;
                }
                conll_line(&o, s->tok[i], s->tok_len[i], s->tags[i]);
            }
            ob_putc(&o, '\n');
            ob_flush(&o);
        }
        break;
    case OUT_SPANS:
        for (size_t k = 0; k < nc; k++) {
            size_t a, b;
            chunk_offsets(s, &chunks[k], &a, &b);
            fprintf(f, "%zu\t%zu\t%.*s\t", a, b, (int)chunks[k].type_len, chunks[k].type);
            chunk_text(f, s, &chunks[k], plain_str);
            if (s->conf)
                fprintf(f, "\t%.6g", s->conf->ent[k]);
            fputc('\n', f);
        }
        break;
    case OUT_JSON:
        fputs("{\"tokens\":[", f);
        for (size_t i = 0; i < s->n; i++) {
            if (i)
                fputc(',', f);
            json_str(f, s->tok[i], s->tok_len[i]);
        }
        fputs("],\"tags\":[", f);
        for (size_t i = 0; i < s->n; i++) {
            if (i)
                fputc(',', f);
            json_str(f, s->tags[i], strlen(s->tags[i]));
        }
        fputc(']', f);
        if (s->text) {
            fputs(",\"offsets\":[", f);
            for (size_t i = 0; i < s->n; i++)
                fprintf(f, "%s[%zu,%zu]", i ? "," : "", s->base + s->start[i], s->base + s->end[i]);
            fputc(']', f);
        }
        if (s->text && s->cstart) {
            fputs(",\"char_offsets\":[", f);
            for (size_t i = 0; i < s->n; i++)
                fprintf(f, "%s[%zu,%zu]", i ? "," : "", s->cstart[i], s->cend[i]);
            fputc(']', f);
        }
        fputs(",\"entities\":[", f);
        for (size_t k = 0; k < nc; k++) {
            size_t a, b;
            chunk_offsets(s, &chunks[k], &a, &b);
            fprintf(f, "%s{", k ? "," : "");
            if (s->text)
                fprintf(f, "\"start\":%zu,\"end\":%zu,", a, b);
            fputs("\"type\":", f);
            json_str(f, chunks[k].type, chunks[k].type_len);
            fputs(",\"text\":", f);
            json_text_joined(f, s, &chunks[k]);
            if (s->text && s->cstart)
                fprintf(f, ",\"start_byte\":%zu,\"end_byte\":%zu,\"start_char\":%zu,"
                        "\"end_char\":%zu", a, b, s->cstart[chunks[k].begin],
                        s->cend[chunks[k].end - 1]);
            fprintf(f, ",\"tokens\":[%zu,%zu]", chunks[k].begin, chunks[k].end);
            if (s->conf)
                fprintf(f, ",\"prob\":%.6g", s->conf->ent[k]);
            fputc('}', f);
        }
        fputc(']', f);
        if (s->conf)
            conf_write_json(f, s);
        fputs("}\n", f);
        break;
    }
    return ferror(f) ? -1 : 0;
}
