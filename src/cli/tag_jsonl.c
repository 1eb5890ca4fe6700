/*
 * tag_jsonl.c - `crftag tag --input-format jsonl`: one document per line, a
 * JSON string or an object with a string member "text"; one JSON line out
 * per record, in the order read:
 *   {<the record's other members, byte for byte>,"entities":[{"start":S,
 *    "end":E,"type":"T","text":"...","start_byte":S,"end_byte":E,
 *    "start_char":C,"end_char":D,"tokens":[B,F]},...]}
 * start/end and *_byte are byte offsets, *_char code point offsets, into the
 * record's decoded text; tokens are token indices over the record.  With
 * --format conll or json, "tokens" and "tags" follow (and with json
 * "offsets", "char_offsets" and "sentences", each sentence's token range);
 * members of the record with those names are replaced.  A record that is not
 * valid JSON (RFC 8259), or has no string "text", is reported on stderr with
 * its line number and answered with {"error":"line N: ..."}; the others are
 * still tagged, and the exit status is then 1.  Blank lines are skipped.
 * A line longer than JSONL_MAX_LINE is refused the same way, read past in
 * bounded memory.
 */
#include "tag_jsonl.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "json.h"
#include "output.h"
#include "tag_mt.h"

#define JSONL_MAX_LINE ((size_t)64 << 20)

/* Per-record token arrays, grown as needed. */
struct doc {
    const char **tok;
    size_t *len, *cstart, *cend;
    uint32_t *ids;
    const char **tags;
    struct crftag_chunk *chunks;     /* entities, token indices over the record */
    size_t *sent;                    /* first token of each sentence */
    size_t cap, nchunks, nsent;
    struct crftag_memory *mem;       /* the record's document memory, or NULL */
};

static int doc_reserve(struct doc *d, size_t n)
{
    if (n <= d->cap)
        return 0;
    size_t cap = d->cap ? d->cap : 64;
    while (cap < n)
        cap *= 2;
#define GROW(f)                                                   \
    do {                                                          \
        void *p_ = realloc((void *)d->f, cap * sizeof *d->f);     \
        if (!p_)                                                  \
            return -1;                                            \
        d->f = p_;                                                \
    } while (0)
    GROW(tok);
    GROW(len);
    GROW(cstart);
    GROW(cend);
    GROW(ids);
    GROW(tags);
    GROW(chunks);
    GROW(sent);
#undef GROW
    d->cap = cap;
    return 0;
}

static void doc_free(struct doc *d)
{
    free((void *)d->tok);
    free(d->len);
    free(d->cstart);
    free(d->cend);
    free(d->ids);
    free((void *)d->tags);
    free(d->chunks);
    free(d->sent);
    crftag_memory_free(d->mem);
}

/* Tokenizes and tags text[0..n) into d; *toks holds the tokens. */
static int doc_tag(const struct jsonl_opts *o, struct doc *d, const char *text, size_t n,
                   struct crftag_token **toks, size_t *nt)
{
    if (crftag_tokenize(text, n, toks, nt) != CRFTAG_OK || doc_reserve(d, *nt)) {
        cli_errorf("out of memory");
        return -1;
    }
    const struct crftag_token *tk = *toks;
    size_t pos_b = 0, pos_c = 0;
    d->nchunks = d->nsent = 0;
    /* each record a text of its own: the memory starts empty */
    if (!d->mem && cli_memory_new(o->m, o->memory, &d->mem))
        return -1;
    crftag_memory_clear(d->mem);
    for (size_t i = 0; i < *nt; i++) {
        d->tok[i] = text + tk[i].start;
        d->len[i] = tk[i].end - tk[i].start;
        size_t s = tk[i].start, e = tk[i].end;
        out_char_offsets(text, &s, &e, 1, &pos_b, &pos_c, &d->cstart[i], &d->cend[i]);
    }
    for (size_t s0 = 0; s0 < *nt;) {
        size_t s1 = s0 + 1;
        while (s1 < *nt && !tk[s1].sentence_start)
            s1++;
        struct crftag_error err;
        enum crftag_status st = crftag_tagger_tag_tokens(o->t, d->tok + s0, d->len + s0, s1 - s0,
                                                         d->ids + s0, NULL, NULL, &err);
        if (st != CRFTAG_OK) {
            cli_error(&err, st);
            return -1;
        }
        if (d->mem && crftag_memory_apply(d->mem, d->tok + s0, d->len + s0, s1 - s0,
                                          d->ids + s0, NULL) != CRFTAG_OK) {
            cli_errorf("out of memory");
            return -1;
        }
        for (size_t i = s0; i < s1; i++)
            d->tags[i] = crftag_model_label(o->m, d->ids[i]);
        struct crftag_chunk *c = d->chunks + d->nchunks;
        size_t nc = o->plain ? crftag_chunks_plain(d->tags + s0, s1 - s0, c)
                             : crftag_chunks(d->tags + s0, s1 - s0, c);
        for (size_t k = 0; k < nc; k++) {
            c[k].begin += s0;
            c[k].end += s0;
        }
        d->nchunks += nc;
        d->sent[d->nsent++] = s0;
        s0 = s1;
    }
    return 0;
}

static void put_pairs(FILE *f, const char *name, const size_t *a, const size_t *b, size_t n)
{
    fprintf(f, ",\"%s\":[", name);
    for (size_t i = 0; i < n; i++)
        fprintf(f, "%s[%zu,%zu]", i ? "," : "", a[i], b[i]);
    putc(']', f);
}

/* Writes the answer to record rec (read from line). */
static void doc_write(FILE *f, const struct jsonl_opts *o, const struct doc *d,
                      const struct crftag_token *toks, size_t nt, const char *line,
                      const struct json_rec *rec)
{
    putc('{', f);
    for (size_t k = 0; k < rec->nkeep; k++) {
        fwrite(line + rec->keep[k].off, 1, rec->keep[k].len, f);
        putc(',', f);
    }
    fputs("\"entities\":[", f);
    for (size_t k = 0; k < d->nchunks; k++) {
        const struct crftag_chunk *c = &d->chunks[k];
        size_t a = toks[c->begin].start, b = toks[c->end - 1].end;
        fprintf(f, "%s{\"start\":%zu,\"end\":%zu,\"type\":", k ? "," : "", a, b);
        out_json_str(f, c->type, c->type_len);
        fputs(",\"text\":", f);
        out_json_str(f, rec->text + a, b - a);
        fprintf(f, ",\"start_byte\":%zu,\"end_byte\":%zu,\"start_char\":%zu,\"end_char\":%zu,"
                "\"tokens\":[%zu,%zu]}", a, b, d->cstart[c->begin], d->cend[c->end - 1],
                c->begin, c->end);
    }
    putc(']', f);
    if (o->tokens) {
        fputs(",\"tokens\":[", f);
        for (size_t i = 0; i < nt; i++) {
            if (i)
                putc(',', f);
            out_json_str(f, d->tok[i], d->len[i]);
        }
        fputs("],\"tags\":[", f);
        for (size_t i = 0; i < nt; i++) {
            if (i)
                putc(',', f);
            out_json_str(f, d->tags[i], strlen(d->tags[i]));
        }
        putc(']', f);
    }
    if (o->offsets) {
        fputs(",\"offsets\":[", f);
        for (size_t i = 0; i < nt; i++)
            fprintf(f, "%s[%zu,%zu]", i ? "," : "", toks[i].start, toks[i].end);
        putc(']', f);
        put_pairs(f, "char_offsets", d->cstart, d->cend, nt);
        fputs(",\"sentences\":[", f);
        for (size_t s = 0; s < d->nsent; s++)
            fprintf(f, "%s[%zu,%zu]", s ? "," : "", d->sent[s],
                    s + 1 < d->nsent ? d->sent[s + 1] : nt);
        putc(']', f);
    }
    fputs("}\n", f);
}

/* Reads the next line into *buf (grown up to JSONL_MAX_LINE + 1 bytes):
 * 1 with *len bytes, 2 when the line is longer (the rest is skipped), 0 at
 * the end, -1 on a read error (reported). */
static int read_line(struct crftag_input *in, const char *shown, char **buf, size_t *cap,
                     size_t *len)
{
    size_t n = 0, got;
    struct crftag_error err;
    for (;;) {
        if (n == *cap) {
            size_t nc = *cap ? *cap * 2 : 65536;
            if (nc > JSONL_MAX_LINE + 1)
                nc = JSONL_MAX_LINE + 1;
            char *nb = n < nc ? realloc(*buf, nc) : NULL;
            if (!nb) {
                if (n < nc) {
                    cli_errorf("%s: out of memory", shown);
                    return -1;
                }
                break;                    /* the line is over the limit */
            }
            *buf = nb;
            *cap = nc;
        }
        int r = crftag_input_read(in, *buf + n, *cap - n, &got, &err);
        if (r < 0) {
            cli_error(&err, (enum crftag_status)r);
            return -1;
        }
        n += got;
        if (r == 0 || (*buf)[n - 1] == '\n') {
            *len = n;
            return n > 0;
        }
    }
    char skip[4096];                      /* read past the rest of the line */
    int r;
    while ((r = crftag_input_read(in, skip, sizeof skip, &got, &err)) > 0)
        if (skip[got - 1] == '\n')
            break;
    if (r < 0) {
        cli_error(&err, (enum crftag_status)r);
        return -1;
    }
    *len = n;
    return 2;
}

static void report(FILE *f, const char *shown, long lineno, const char *msg)
{
    cli_errorf("%s:%ld: %s", shown, lineno, msg);
    char m[160];
    int ml = snprintf(m, sizeof m, "line %ld: %s", lineno, msg);
    fputs("{\"error\":", f);
    json_put(f, m, ml > 0 && (size_t)ml < sizeof m ? (size_t)ml : strlen(m));
    fputs("}\n", f);
}

static const char *const names_spans[] = {"entities", NULL};
static const char *const names_tokens[] = {"entities", "tokens", "tags", NULL};
static const char *const names_json[] = {"entities", "tokens", "tags", "offsets",
                                         "char_offsets", "sentences", NULL};

/* Answers the record line[0..len) (line number lineno; too_long: the line
 * was longer than JSONL_MAX_LINE) to f: 0, 1 when it was refused (reported),
 * -1 after an error. */
static int answer(FILE *f, const struct jsonl_opts *o, const char *shown, const char *line,
                  size_t len, long lineno, int too_long, struct json_rec *rec, struct doc *d)
{
    const char *const *replaced = o->offsets ? names_json : o->tokens ? names_tokens
                                                                      : names_spans;
    if (too_long) {
        report(f, shown, lineno, "line longer than 64 MiB");
        return 1;
    }
    const char *msg = json_record(line, len, rec, replaced);
    if (msg) {
        report(f, shown, lineno, msg);
        return 1;
    }
    struct crftag_token *toks = NULL;
    size_t nt = 0;
    int rc = doc_tag(o, d, rec->text, rec->text_len, &toks, &nt);
    if (rc == 0)
        doc_write(f, o, d, toks, nt, line, rec);
    crftag_tokens_free(toks);
    return rc;
}

/* A worker of --threads: its own tagger, record and token arrays. */
struct jsonl_worker {
    struct jsonl_opts o;
    const char *shown;
    struct json_rec rec;
    struct doc d;
};

static void *jw_new(void *user)
{
    const struct jsonl_worker *main_w = user;
    struct jsonl_worker *w = calloc(1, sizeof *w);
    if (!w || crftag_tagger_new(main_w->o.m, &w->o.t) != CRFTAG_OK) {
        free(w);
        cli_errorf("out of memory");
        return NULL;
    }
    struct crftag_tagger *t = w->o.t;
    w->o = main_w->o;
    w->o.t = t;
    w->shown = main_w->shown;
    crftag_tagger_set_constrained(t, !w->o.no_constraint);
    struct crftag_error err;
    if (w->o.bias && crftag_tagger_set_bias(t, w->o.bias, &err) != CRFTAG_OK) {
        cli_errorf("tag: --bias: %s", err.msg);
        crftag_tagger_free(t);
        free(w);
        return NULL;
    }
    return w;
}

static void jw_free(void *p)
{
    struct jsonl_worker *w = p;
    crftag_tagger_free(w->o.t);
    json_rec_free(&w->rec);
    doc_free(&w->d);
    free(w);
}

static int jw_tag(void *p, const char *data, const struct mt_unit *u, FILE *out)
{
    struct jsonl_worker *w = p;
    return answer(out, &w->o, w->shown, data + u->off, u->len, u->line, u->kind, &w->rec,
                  &w->d);
}

int tag_jsonl(const struct jsonl_opts *o, const char *path)
{
    const char *shown = strcmp(path, "-") ? path : "<stdin>";
    struct mt *mt = NULL;
    if (o->threads > 1) {
        static const struct mt_ops ops = {jw_new, jw_free, jw_tag};
        struct jsonl_worker main_w = {.o = *o, .shown = shown};
        if (!(mt = mt_start(o->threads, &ops, &main_w, o->flush)))
            return -1;
    }
    struct crftag_input *in;
    struct crftag_error err;
    enum crftag_status st = crftag_input_open(path, &in, &err);
    if (st != CRFTAG_OK) {
        cli_error(&err, st);
        return -1;
    }
    char *line = NULL;
    size_t cap = 0, len;
    struct json_rec rec;
    struct doc d;
    memset(&rec, 0, sizeof rec);
    memset(&d, 0, sizeof d);
    long lineno = 0;
    int rc = 0, bad = 0, r;
    for (;;) {
        if (mt && !crftag_input_ready(in))
            mt_dispatch(mt);            /* answer all that was read before waiting */
        if (rc != 0 || (r = read_line(in, shown, &line, &cap, &len)) <= 0)
            break;
        lineno++;
        if (r != 2 && json_ws(line, line + len) == line + len)
            continue;                       /* blank line: no record */
        if (mt) {
            struct mt_unit *u;
            size_t n = r == 2 ? 0 : len;
            char *p = mt_add(mt, n, &u);
            if (!p) {
                rc = -1;
                break;
            }
            memcpy(p, line, n);
            u->line = lineno;
            u->kind = r == 2;
            continue;
        }
        int a = answer(stdout, o, shown, line, len, lineno, r == 2, &rec, &d);
        if (a > 0)
            bad = 1;
        else if (a < 0)
            rc = -1;
        if (rc == 0 && (ferror(stdout) || (o->flush && fflush(stdout)))) {
            cli_errorf("writing output: %s", strerror(errno));
            rc = -1;
        }
    }
    if (rc == 0 && r < 0)
        rc = -1;
    if (mt) {
        int m = mt_finish(mt);
        if (m < 0)
            rc = -1;
        else if (m > 0)
            bad = 1;
    }
    free(line);
    json_rec_free(&rec);
    doc_free(&d);
    crftag_input_close(in);
    return rc == 0 && bad ? -1 : rc;
}
