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
};

/* ------------------------------------------------------------------------ */
/* Reader                                                                   */
/* ------------------------------------------------------------------------ */

enum crftag_status corpus_reader_open(const char *path, struct corpus_reader **out,
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
    *out = r;
    return CRFTAG_OK;
}

enum corpus_format corpus_reader_format(const struct corpus_reader *r)
{
    return r->fmt;
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
        return corpus_fail(r, err, line, "expected %zu column%s as on line %ld, found %zu",
                           r->ncols, r->ncols == 1 ? "" : "s", r->ncols_line, k);
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
    if (corpus_is(p, (size_t)(q - p), "-DOCSTART-"))
        return r->n > 0;                   /* ends the sentence, the line is skipped */
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
        for (p = line; p < end;) {
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

int corpus_reader_next(struct corpus_reader *r, struct sentence *s, struct crftag_error *err)
{
    memset(s, 0, sizeof *s);
    if (r->failed)
        return r->failed;
    if (r->done)
        return 0;
    r->n = 0;
    r->text_len = 0;
    r->noffs = 0;
    for (;;) {
        char *line;
        size_t len;
        int st = io_getline(r->io, &line, &len, err);
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
        long ln = io_lineno(r->io);
        if (memchr(line, '\0', len))
            return corpus_fail(r, err, ln, "NUL byte in line");
        if (r->fmt == CORPUS_UNKNOWN) {   /* detection: the first non-blank line */
            if (corpus_is_blank(line, len))
                continue;
            r->fmt = corpus_is(line, len, "<s>") ? CORPUS_WIKISER : CORPUS_CONLL;
        }
        st = r->fmt == CORPUS_WIKISER ? corpus_wikiser_line(r, line, len, ln, err)
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
    return crftag_corpus_read_part(c, path, 0, SIZE_MAX, NULL, err);
}

enum crftag_status crftag_corpus_read_part(struct crftag_corpus *c, const char *path,
                                           size_t first, size_t count, size_t *out_seen,
                                           struct crftag_error *err)
{
    size_t seen = 0, end = count > SIZE_MAX - first ? SIZE_MAX : first + count;
    if (out_seen)
        *out_seen = 0;
    if (!c || !path)
        return err_set(err, CRFTAG_ERR_INVALID, NULL, 0, "crftag_corpus_read: NULL argument");
    err_clear(err);
    size_t nsent0 = c->nsent, ntok0 = c->ntok, ncols0 = c->ncols;
    struct corpus_reader *r;
    enum crftag_status st = corpus_reader_open(path, &r, err);
    if (st != CRFTAG_OK)
        return st;
    struct sentence s;
    int got = 0;
    while (seen < end && (got = corpus_reader_next(r, &s, err)) > 0) {
        if (seen++ < first)
            continue;
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
    }
    corpus_reader_close(r);
    if (out_seen)
        *out_seen = seen;
    if (got < 0) {          /* roll back this file; the arena keeps its bytes */
        c->nsent = nsent0;
        c->ntok = ntok0;
        c->ncols = ncols0;
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
    free(c->cells);
    free(c);
}
