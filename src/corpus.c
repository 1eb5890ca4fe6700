/*
 * corpus.c - reading annotated sentences (core layer).
 *
 *   io_reader --lines--> corpus_reader (format state machine) --> struct sentence
 *   struct sentence --corpus_add (copy into the arena)--> struct crftag_corpus
 *
 * The reader keeps only the sentence being built: its cells are copied into
 * one growing text buffer (text[], NUL-separated) and their offsets into
 * offs[]; cols[] is made from the offsets when the sentence is complete, so
 * memory is bounded by the longest sentence, not by the file.
 *
 * The corpus stores its strings in an arena of chunked blocks that never
 * move (pointers in cells[] stay valid as the corpus grows), and the cells
 * of all sentences in one array cells[ntok][ncols].
 */
#include "corpus.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attrs.h"
#include "error.h"
#include "io.h"
#include "util.h"

#define CORPUS_BLOCK ((size_t)1 << 20)   /* arena block size; larger strings get their own */

struct corpus_block {
    struct corpus_block *next;
    size_t used;
    size_t cap;
    char data[];            /* [cap] */
};

struct corpus_reader {
    struct io_reader *io;
    enum corpus_format fmt;
    size_t ncols;           /* columns of every token of this file; 0 until the first */
    long ncols_line;        /* line of the token that fixed ncols */
    int in_block;           /* WikiSER: inside <s> ... </s> */
    long block_line;        /* WikiSER: line of the open <s> */
    int done;               /* end of input returned */
    enum crftag_status failed;  /* sticky error */
    /* the sentence being built */
    size_t n;               /* tokens so far */
    long first_line;        /* line of its first token */
    char *text;             /* [text_cap] cells, each NUL-terminated */
    size_t text_len, text_cap;
    size_t *offs;           /* [n * ncols] offset of each cell in text */
    size_t noffs, offs_cap;
    const char **cols;      /* [n * ncols] built from offs when complete */
    size_t cols_cap;
    /* CRFsuite lines and format detection */
    enum corpus_format want;    /* CORPUS_UNKNOWN, CORPUS_CONLL (columns) or CRFSUITE */
    char *abuf;                 /* a token's attributes in canonical form */
    size_t abuf_cap;
    char *la;                   /* detection: the first sentence's lines, NUL-ended */
    size_t la_len, la_cap;
    size_t *la_off;             /* [la_n + 1] line k is la[la_off[k] .. la_off[k+1]-1) */
    size_t la_n, la_off_cap, la_i;
    long la_line0;              /* line number of la's first line */
    int tabs;                   /* CoNLL: the current line is split on TABs */
    int doc_start;              /* a -DOCSTART- line came before the sentence returned */
    int doc_next;               /* ... before the sentence to come */
};

/* ------------------------------------------------------------------------ */
/* Reader                                                                   */
/* ------------------------------------------------------------------------ */

enum crftag_status corpus_reader_open(const char *path, struct corpus_reader **out,
                                      struct crftag_error *err)
{
    return corpus_reader_open_format(path, CORPUS_UNKNOWN, out, err);
}

enum crftag_status corpus_reader_open_format(const char *path, enum corpus_format fmt,
                                             struct corpus_reader **out,
                                             struct crftag_error *err)
{
    *out = NULL;
    struct corpus_reader *r = util_calloc(1, sizeof *r);
    if (!r)
        return err_set(err, CRFTAG_ERR_NOMEM, path, 0, "out of memory");
    enum crftag_status st = io_open(path, &r->io, err);
    if (st != CRFTAG_OK) {
        free(r);
        return st;
    }
    r->want = fmt;
    if (fmt == CORPUS_CRFSUITE)
        r->fmt = CORPUS_CRFSUITE;
    *out = r;
    return CRFTAG_OK;
}

enum corpus_format corpus_reader_format(const struct corpus_reader *r)
{
    return r->fmt;
}

int corpus_reader_ready(const struct corpus_reader *r)
{
    return r->failed || r->done || r->la_i < r->la_n || io_ready(r->io);
}

const char *corpus_reader_path(const struct corpus_reader *r)
{
    return io_path(r->io);
}

void corpus_reader_close(struct corpus_reader *r)
{
    if (!r)
        return;
    io_close(r->io);
    free(r->text);
    free(r->offs);
    free(r->cols);
    free(r->abuf);
    free(r->la);
    free(r->la_off);
    free(r);
}

/* Records a parse error at line, makes it sticky and returns it. */
#if defined(__GNUC__) || defined(__clang__)
__attribute__((format(printf, 4, 5)))
#endif
static int corpus_fail(struct corpus_reader *r, struct crftag_error *err, long line,
                       const char *fmt, ...)
{
    char msg[sizeof err->msg];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return r->failed = err_set(err, CRFTAG_ERR_PARSE, io_path(r->io), line, "%s", msg);
}

/* Appends cell p[0, len) to the sentence being built. */
static int corpus_cell(struct corpus_reader *r, const char *p, size_t len,
                       struct crftag_error *err)
{
    if (UTIL_GROW(r->text, r->text_cap, r->text_len + len + 1) ||
        UTIL_GROW(r->offs, r->offs_cap, r->noffs + 1))
        return r->failed = err_set(err, CRFTAG_ERR_NOMEM, io_path(r->io), io_lineno(r->io),
                                   "out of memory");
    memcpy(r->text + r->text_len, p, len);
    r->text[r->text_len + len] = '\0';
    r->offs[r->noffs++] = r->text_len;
    r->text_len += len + 1;
    return 0;
}

/* Called after the cells of one token were appended (noffs - before of
 * them): checks the column count against the file's and counts the token. */
static int corpus_token_done(struct corpus_reader *r, size_t before, long line,
                             struct crftag_error *err)
{
    size_t k = r->noffs - before;
    if (r->ncols == 0) {
        r->ncols = k;
        r->ncols_line = line;
    } else if (k != r->ncols) {
        return corpus_fail(r, err, line, "expected %zu column%s as on line %ld, found %zu%s",
                           r->ncols, r->ncols == 1 ? "" : "s", r->ncols_line, k,
                           r->fmt == CORPUS_CONLL && r->want == CORPUS_UNKNOWN && r->tabs
                               ? " (CRFsuite's LABEL<TAB>ATTR... format? "
                                 "use --input-format crfsuite)" : "");
    }
    if (r->n == 0)
        r->first_line = line;
    r->n++;
    return 0;
}

static int corpus_is_blank(const char *line, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (line[i] != ' ' && line[i] != '\t')
            return 0;
    return 1;
}

static int corpus_is(const char *line, size_t len, const char *word)
{
    size_t n = strlen(word);
    return len == n && memcmp(line, word, n) == 0;
}

/* One WikiSER line.  Returns 1 when a sentence is complete, 0 to go on,
 * or a negative status. */
static int corpus_wikiser_line(struct corpus_reader *r, const char *line, size_t len,
                               long ln, struct crftag_error *err)
{
    if (!r->in_block) {
        if (len == 0)
            return 0;                      /* blank lines between blocks are fine */
        if (corpus_is(line, len, "<s>")) {
            r->in_block = 1;
            r->block_line = ln;
            return 0;
        }
        if (corpus_is(line, len, "</s>"))
            return corpus_fail(r, err, ln, "</s> without <s>");
        return corpus_fail(r, err, ln, "token line outside a <s> block");
    }
    if (corpus_is(line, len, "</s>")) {
        r->in_block = 0;
        return r->n > 0;                   /* "<s></s>" is skipped */
    }
    if (corpus_is(line, len, "<s>"))
        return corpus_fail(r, err, ln, "<s> inside a block: missing </s> for the <s> on line %ld",
                           r->block_line);
    if (len == 0)
        return corpus_fail(r, err, ln, "blank line inside <s> block");
    size_t before = r->noffs;
    const char *tab = memchr(line, '\t', len);
    if (!tab) {                            /* unlabeled token: 1 column */
        if (corpus_cell(r, line, len, err))
            return r->failed;
    } else {
        size_t tok_len = (size_t)(tab - line);
        size_t tag_len = len - tok_len - 1;
        if (memchr(tab + 1, '\t', tag_len))
            return corpus_fail(r, err, ln, "more than 2 TAB-separated fields");
        if (tok_len == 0)
            return corpus_fail(r, err, ln, "empty token");
        if (tag_len == 0)
            return corpus_fail(r, err, ln, "empty tag");
        if (corpus_cell(r, line, tok_len, err) || corpus_cell(r, tab + 1, tag_len, err))
            return r->failed;
    }
    return corpus_token_done(r, before, ln, err) ? r->failed : 0;
}

/* One CoNLL line.  Returns 1 when a sentence is complete, 0 to go on, or a
 * negative status. */
static int corpus_conll_line(struct corpus_reader *r, const char *line, size_t len,
                             long ln, struct crftag_error *err)
{
    if (corpus_is_blank(line, len))
        return r->n > 0;
    const char *end = line + len;
    int tabs = memchr(line, '\t', len) != NULL;
    r->tabs = tabs;
    /* the first column, to recognise -DOCSTART- */
    const char *p = line, *q;
    if (tabs) {
        q = memchr(line, '\t', len);
    } else {
        while (p < end && *p == ' ')
            p++;
        for (q = p; q < end && *q != ' ';)
            q++;
    }
    if (corpus_is(p, (size_t)(q - p), "-DOCSTART-")) {
        if (r->n > 0)                      /* ends the sentence; the next one starts a document */
            r->doc_next = 1;
        else
            r->doc_start = 1;
        return r->n > 0;                   /* the line is skipped */
    }
    size_t before = r->noffs;
    if (tabs) {                            /* split on every TAB, keep spaces */
        for (p = line;; p++) {
            q = memchr(p, '\t', (size_t)(end - p));
            if (!q)
                q = end;
            if (q == p)
                return corpus_fail(r, err, ln, "empty column %zu", r->noffs - before + 1);
            if (corpus_cell(r, p, (size_t)(q - p), err))
                return r->failed;
            p = q;
            if (p == end)
                break;
        }
    } else {                               /* split on runs of spaces */
        if (corpus_cell(r, p, (size_t)(q - p), err))   /* the first column, found above */
            return r->failed;
        for (p = q; p < end;) {
            while (p < end && *p == ' ')
                p++;
            if (p == end)
                break;
            q = p;
            while (q < end && *q != ' ')
                q++;
            if (corpus_cell(r, p, (size_t)(q - p), err))
                return r->failed;
            p = q;
        }
    }
    return corpus_token_done(r, before, ln, err) ? r->failed : 0;
}

/* One CRFsuite line.  Returns 1 when a sentence is complete, 0 to go on,
 * or a negative status. */
static int corpus_crfsuite_line(struct corpus_reader *r, const char *line, size_t len,
                                long ln, struct crftag_error *err)
{
    if (corpus_is_blank(line, len))
        return r->n > 0;
    const char *end = line + len, *tab = memchr(line, '\t', len);
    const char *lend = tab ? tab : end;
    if (lend > line && line[0] == '#')
        return 0;                          /* a comment line */
    size_t alen = 0;
    if (UTIL_GROW(r->abuf, r->abuf_cap, 1))
        return r->failed = err_set(err, CRFTAG_ERR_NOMEM, io_path(r->io), ln, "out of memory");
    r->abuf[0] = '\0';
    size_t field = 1;
    for (const char *p = tab; p && p < end;) {
        const char *f = p + 1, *q = memchr(f, '\t', (size_t)(end - f));
        if (!q)
            q = end;
        field++;
        if (q > f && f[0] == '#')
            break;                         /* a comment to the end of the line */
        if (q > f) {
            const char *msg = attrs_file_field(f, (size_t)(q - f), &r->abuf, &alen,
                                               &r->abuf_cap);
            if (msg && !strcmp(msg, "out of memory"))
                return r->failed = err_set(err, CRFTAG_ERR_NOMEM, io_path(r->io), ln, "%s",
                                           msg);
            if (msg)
                return corpus_fail(r, err, ln, "field %zu '%.*s': %s", field,
                                   q - f > 40 ? 40 : (int)(q - f), f, msg);
        }
        p = q < end ? q : NULL;
    }
    size_t before = r->noffs;
    if (corpus_cell(r, r->abuf, alen, err) || corpus_cell(r, line, (size_t)(lend - line), err))
        return r->failed;
    return corpus_token_done(r, before, ln, err) ? r->failed : 0;
}

/* Whether a field after the first, f[0..n), is CRFsuite syntax: an escape, or
 * an unescaped ':' followed by a number. */
static int corpus_crfsuite_field(const char *f, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (f[i] == '\\' && i + 1 < n && (f[i + 1] == '\\' || f[i + 1] == ':'))
            return 1;
        if (f[i] == ':' && i > 0 && i + 1 < n && n - i < 40) {
            char tmp[40], *e;
            memcpy(tmp, f + i + 1, n - i - 1);
            tmp[n - i - 1] = '\0';
            (void)strtod(tmp, &e);
            if (e > tmp && *e == '\0')
                return 1;
        }
    }
    return 0;
}

struct corpus_str {
    const char *p;
    size_t n;
};

static int corpus_str_cmp(const void *a, const void *b)
{
    const struct corpus_str *x = a, *y = b;
    size_t n = x->n < y->n ? x->n : y->n;
    int c = memcmp(x->p, y->p, n);
    return c ? c : (x->n > y->n) - (x->n < y->n);
}

/* Distinct strings of v[0..n) (sorts v). */
static size_t corpus_distinct(struct corpus_str *v, size_t n)
{
    qsort(v, n, sizeof *v, corpus_str_cmp);
    size_t d = 0;
    for (size_t i = 0; i < n; i++)
        d += i == 0 || corpus_str_cmp(&v[i - 1], &v[i]) != 0;
    return d;
}

/* Decides between CoNLL and CRFsuite from the lines kept in r->la (see
 * corpus.h): CRFsuite when a field after the first has a weight or an
 * escape, or every line's last field holds a '=', or over 20 lines the first
 * fields (CRFsuite's labels) take at most a quarter as many values as the
 * last (where CoNLL has its labels).  A varying field count alone decides
 * nothing: a column file with a missing column must fail, not be read as
 * CRFsuite's format (its message then suggests that format). */
static enum corpus_format corpus_detect(const struct corpus_reader *r, struct corpus_str *first,
                                        struct corpus_str *last)
{
    size_t nl = 0;
    int last_eq = 1;
    for (size_t k = 0; k < r->la_n; k++) {
        const char *line = r->la + r->la_off[k];
        size_t len = r->la_off[k + 1] - r->la_off[k] - 1;
        if (corpus_is_blank(line, len) || line[0] == '#')
            continue;                      /* comments decide nothing */
        if (!memchr(line, '\t', len))
            return CORPUS_CONLL;
        size_t nf = 0;
        const char *end = line + len, *lastp = line;
        for (const char *p = line; p <= end; nf++) {
            const char *q = memchr(p, '\t', (size_t)(end - p));
            if (!q)
                q = end;
            if (nf == 0)
                first[nl] = (struct corpus_str){ p, (size_t)(q - p) };
            else if (corpus_crfsuite_field(p, (size_t)(q - p)))
                return CORPUS_CRFSUITE;
            lastp = p;
            p = q + 1;
        }
        last[nl++] = (struct corpus_str){ lastp, (size_t)(end - lastp) };
        if (!memchr(lastp, '=', (size_t)(end - lastp)))
            last_eq = 0;
    }
    if (nl == 0)
        return CORPUS_CONLL;
    if (last_eq)
        return CORPUS_CRFSUITE;
    return nl > 20 && corpus_distinct(first, nl) * 4 <= corpus_distinct(last, nl)
               ? CORPUS_CRFSUITE : CORPUS_CONLL;
}

#define CORPUS_LOOKAHEAD 1000   /* lines read ahead to detect the format */

/* Keeps up to CORPUS_LOOKAHEAD lines from the first non-blank one,
 * line[0..len) at ln, and decides the format; corpus_getline then gives
 * them again. */
static int corpus_lookahead(struct corpus_reader *r, char *line, size_t len, long ln,
                            struct crftag_error *err)
{
    r->la_line0 = ln;
    for (int st = 1; st > 0 && r->la_n < CORPUS_LOOKAHEAD;) {
        if (UTIL_GROW(r->la, r->la_cap, r->la_len + len + 1) ||
            UTIL_GROW(r->la_off, r->la_off_cap, r->la_n + 2))
            return r->failed = err_set(err, CRFTAG_ERR_NOMEM, io_path(r->io), ln,
                                       "out of memory");
        memcpy(r->la + r->la_len, line, len);
        r->la[r->la_len + len] = '\0';
        r->la_off[r->la_n++] = r->la_len;
        r->la_len += len + 1;
        r->la_off[r->la_n] = r->la_len;
        if (r->la_n < CORPUS_LOOKAHEAD && (st = io_getline(r->io, &line, &len, err)) < 0)
            return r->failed = st;
    }
    struct corpus_str *v = util_malloc(2 * r->la_n, sizeof *v);
    if (!v)
        return r->failed = err_set(err, CRFTAG_ERR_NOMEM, io_path(r->io), ln, "out of memory");
    r->fmt = corpus_detect(r, v, v + r->la_n);
    free(v);
    return 0;
}

/* io_getline, after the lines kept by corpus_lookahead; *ln gets the line
 * number. */
static int corpus_getline(struct corpus_reader *r, char **line, size_t *len, long *ln,
                          struct crftag_error *err)
{
    if (r->la_i < r->la_n) {
        *line = r->la + r->la_off[r->la_i];
        *len = r->la_off[r->la_i + 1] - r->la_off[r->la_i] - 1;
        *ln = r->la_line0 + (long)r->la_i++;
        return 1;
    }
    int st = io_getline(r->io, line, len, err);
    *ln = io_lineno(r->io);
    return st;
}

int corpus_reader_next(struct corpus_reader *r, struct sentence *s, struct crftag_error *err)
{
    memset(s, 0, sizeof *s);
    if (r->failed)
        return r->failed;
    if (r->done)
        return 0;
    r->doc_start = r->doc_next;
    r->doc_next = 0;
    r->n = 0;
    r->text_len = 0;
    r->noffs = 0;
    for (;;) {
        char *line;
        size_t len;
        long ln;
        int st = corpus_getline(r, &line, &len, &ln, err);
        if (st < 0)
            return r->failed = st;
        if (st == 0) {
            r->done = 1;
            if (r->in_block)
                return corpus_fail(r, err, r->block_line,
                                   "end of file inside the <s> block opened here (missing </s>)");
            if (r->n == 0)
                return 0;
            break;
        }
        if (memchr(line, '\0', len))
            return corpus_fail(r, err, ln, "NUL byte in line");
        if (r->fmt == CORPUS_UNKNOWN) {   /* detection: the first non-blank line */
            if (corpus_is_blank(line, len))
                continue;
            r->fmt = corpus_is(line, len, "<s>") ? CORPUS_WIKISER : CORPUS_CONLL;
            if (r->fmt == CORPUS_CONLL && r->want == CORPUS_UNKNOWN) {
                if (corpus_lookahead(r, line, len, ln, err))
                    return r->failed;
                continue;
            }
        }
        st = r->fmt == CORPUS_WIKISER ? corpus_wikiser_line(r, line, len, ln, err)
           : r->fmt == CORPUS_CRFSUITE ? corpus_crfsuite_line(r, line, len, ln, err)
                                       : corpus_conll_line(r, line, len, ln, err);
        if (st < 0)
            return st;
        if (st > 0)
            break;
    }
    /* the sentence is complete: turn offsets into pointers */
    if (UTIL_GROW(r->cols, r->cols_cap, r->noffs))
        return r->failed = err_set(err, CRFTAG_ERR_NOMEM, io_path(r->io), r->first_line,
                                   "out of memory");
    for (size_t i = 0; i < r->noffs; i++)
        r->cols[i] = r->text + r->offs[i];
    s->n = r->n;
    s->ncols = r->ncols;
    s->cols = r->cols;
    s->line = r->first_line;
    return 1;
}

/* ------------------------------------------------------------------------ */
/* Corpus                                                                   */
/* ------------------------------------------------------------------------ */

/* n bytes from the arena; NULL when out of memory.  Strings larger than a
 * quarter block get a block of their own, linked behind the current one so
 * that the current block keeps serving small strings. */
static char *corpus_alloc(struct crftag_corpus *c, size_t n)
{
    struct corpus_block *b = c->arena;
    if (b && b->cap - b->used >= n) {
        char *p = b->data + b->used;
        b->used += n;
        return p;
    }
    size_t cap = n > CORPUS_BLOCK / 4 ? n : CORPUS_BLOCK;
    if (cap > SIZE_MAX - sizeof *b)
        return NULL;
    struct corpus_block *nb = malloc(sizeof *nb + cap);
    if (!nb)
        return NULL;
    nb->cap = cap;
    nb->used = n;
    if (b && cap != CORPUS_BLOCK) {
        nb->next = b->next;
        b->next = nb;
    } else {
        nb->next = b;
        c->arena = nb;
    }
    return nb->data;
}

enum crftag_status corpus_add(struct crftag_corpus *c, const struct sentence *s,
                              struct crftag_error *err)
{
    if (s->n > 0 && s->ncols == 0)
        return err_set(err, CRFTAG_ERR_INVALID, NULL, s->line, "sentence without columns");
    size_t ncols = c->ncols ? c->ncols : s->ncols;
    if (s->n > 0 && s->ncols != ncols)
        return err_set(err, CRFTAG_ERR_PARSE, NULL, s->line,
                       "expected %zu columns as in the corpus, found %zu", ncols, s->ncols);
    size_t ncells, need;
    if (util_mul(s->n, s->ncols, &ncells) || util_mul(c->ntok + s->n, ncols ? ncols : 1, &need))
        return err_set(err, CRFTAG_ERR_NOMEM, NULL, s->line, "corpus too large");
    size_t bytes = 0;
    for (size_t i = 0; i < ncells; i++) {
        size_t l = strlen(s->cols[i]) + 1;
        if (bytes > SIZE_MAX - l)
            return err_set(err, CRFTAG_ERR_NOMEM, NULL, s->line, "corpus too large");
        bytes += l;
    }
    int fresh = c->sent_cap == 0;
    if (UTIL_GROW(c->sent_start, c->sent_cap, c->nsent + 2) ||
        UTIL_GROW(c->doc, c->doc_cap, c->nsent + 1) ||
        UTIL_GROW(c->cells, c->cells_cap, need))
        return err_set(err, CRFTAG_ERR_NOMEM, NULL, s->line, "out of memory");
    if (fresh)
        c->sent_start[0] = 0;
    char *dst = ncells ? corpus_alloc(c, bytes) : NULL;
    if (ncells && !dst)
        return err_set(err, CRFTAG_ERR_NOMEM, NULL, s->line, "out of memory");
    const char **cell = c->cells + c->ntok * ncols;
    for (size_t i = 0; i < ncells; i++) {
        size_t l = strlen(s->cols[i]) + 1;
        memcpy(dst, s->cols[i], l);
        cell[i] = dst;
        dst += l;
    }
    c->ncols = ncols;
    c->ntok += s->n;
    c->doc[c->nsent] = 0;
    c->nsent++;
    c->sent_start[c->nsent] = c->ntok;
    return CRFTAG_OK;
}

void corpus_sentence(const struct crftag_corpus *c, size_t i, struct sentence *out)
{
    size_t b = c->sent_start[i];
    out->n = c->sent_start[i + 1] - b;
    out->ncols = c->ncols;
    out->cols = c->cells ? c->cells + b * c->ncols : NULL;
    out->line = 0;
}

enum crftag_status crftag_corpus_new(struct crftag_corpus **out)
{
    if (!out)
        return CRFTAG_ERR_INVALID;
    *out = util_calloc(1, sizeof **out);
    return *out ? CRFTAG_OK : CRFTAG_ERR_NOMEM;
}

enum crftag_status crftag_corpus_read(struct crftag_corpus *c, const char *path,
                                      struct crftag_error *err)
{
    return crftag_corpus_read_format(c, path, CRFTAG_INPUT_AUTO, err);
}

enum corpus_format corpus_format_of(int format)
{
    return format == CRFTAG_INPUT_COLUMNS ? CORPUS_CONLL
         : format == CRFTAG_INPUT_CRFSUITE ? CORPUS_CRFSUITE : CORPUS_UNKNOWN;
}

static enum crftag_status corpus_read_range(struct crftag_corpus *c, const char *path,
                                            int format, size_t first, size_t count,
                                            size_t *out_seen, struct crftag_error *err);

enum crftag_status crftag_corpus_read_format(struct crftag_corpus *c, const char *path,
                                             int format, struct crftag_error *err)
{
    return corpus_read_range(c, path, format, 0, SIZE_MAX, NULL, err);
}

enum crftag_status crftag_corpus_read_part(struct crftag_corpus *c, const char *path,
                                           size_t first, size_t count, size_t *out_seen,
                                           struct crftag_error *err)
{
    return corpus_read_range(c, path, CRFTAG_INPUT_AUTO, first, count, out_seen, err);
}

enum crftag_status crftag_corpus_read_part_format(struct crftag_corpus *c, const char *path,
                                                  int format, size_t first, size_t count,
                                                  size_t *out_seen, struct crftag_error *err)
{
    return corpus_read_range(c, path, format, first, count, out_seen, err);
}

/* Sentences first .. first + count - 1 of the file (counted from 0 in it)
 * appended to c; *out_seen (may be NULL) gets how many sentences were read. */
static enum crftag_status corpus_read_range(struct crftag_corpus *c, const char *path,
                                            int format, size_t first, size_t count,
                                            size_t *out_seen, struct crftag_error *err)
{
    size_t seen = 0, end = count > SIZE_MAX - first ? SIZE_MAX : first + count;
    if (out_seen)
        *out_seen = 0;
    if (!c || !path)
        return err_set(err, CRFTAG_ERR_INVALID, NULL, 0, "crftag_corpus_read: NULL argument");
    if (format < CRFTAG_INPUT_AUTO || format > CRFTAG_INPUT_CRFSUITE)
        return err_set(err, CRFTAG_ERR_INVALID, path, 0, "unknown input format %d", format);
    err_clear(err);
    size_t nsent0 = c->nsent, ntok0 = c->ntok, ncols0 = c->ncols;
    struct corpus_reader *r;
    enum crftag_status st = corpus_reader_open_format(path, corpus_format_of(format), &r, err);
    if (st != CRFTAG_OK)
        return st;
    struct sentence s;
    int got = 0;
    while (seen < end && (got = corpus_reader_next(r, &s, err)) > 0) {
        if (seen++ < first)
            continue;
        int attrs = corpus_reader_format(r) == CORPUS_CRFSUITE;
        if (c->nsent > 0 && attrs != c->attrs) {
            got = err_set(err, CRFTAG_ERR_PARSE, corpus_reader_path(r), s.line,
                          "CRFsuite's format and columns in one corpus");
            break;
        }
        c->attrs = attrs;
        if (c->ncols && s.ncols != c->ncols) {
            got = err_set(err, CRFTAG_ERR_PARSE, corpus_reader_path(r), s.line,
                          "expected %zu columns as in the files read before, found %zu",
                          c->ncols, s.ncols);
            break;
        }
        st = corpus_add(c, &s, err);
        if (st != CRFTAG_OK) {
            if (err)
                snprintf(err->file, sizeof err->file, "%s", corpus_reader_path(r));
            got = st;
            break;
        }
        /* a file is a document, and so is each part after -DOCSTART- */
        c->doc[c->nsent - 1] = c->nsent - 1 == nsent0 || corpus_reader_doc_start(r);
    }
    corpus_reader_close(r);
    if (out_seen)
        *out_seen = seen;
    if (got < 0) {          /* roll back this file; the arena keeps its bytes */
        c->nsent = nsent0;
        c->ntok = ntok0;
        c->ncols = ncols0;
        if (c->nsent == 0)
            c->attrs = 0;
        return (enum crftag_status)got;
    }
    /* give back what doubling left unused (a corpus is mostly read once) */
    size_t ncells = c->ntok * c->ncols;
    if (ncells > 0 && ncells < c->cells_cap) {
        const char **p = realloc(c->cells, ncells * sizeof *c->cells);
        if (p) {
            c->cells = p;
            c->cells_cap = ncells;
        }
    }
    return CRFTAG_OK;
}

void crftag_corpus_size(const struct crftag_corpus *c, size_t *out_sentences,
                        size_t *out_tokens)
{
    if (out_sentences)
        *out_sentences = c ? c->nsent : 0;
    if (out_tokens)
        *out_tokens = c ? c->ntok : 0;
}

void crftag_corpus_free(struct crftag_corpus *c)
{
    if (!c)
        return;
    struct corpus_block *b = c->arena;
    while (b) {
        struct corpus_block *next = b->next;
        free(b);
        b = next;
    }
    free(c->sent_start);
    free(c->doc);
    free(c->cells);
    free(c);
}

int corpus_reader_doc_start(const struct corpus_reader *r)
{
    return r->doc_start;
}
