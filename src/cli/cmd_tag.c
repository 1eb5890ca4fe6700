/*
 * cmd_tag.c - `crftag tag -m MODEL [FILE]`: tag raw text or tokenized files.
 *
 * Input of every kind goes through crftag_input or crftag_reader: gzip is
 * decompressed whatever the name, and a line is handed on as soon as it has
 * arrived.
 * Raw text (default): paragraphs, ended by a blank line or the end of the
 * input (a line break inside one is a space, as for crftag_tagger_tag_text),
 * split into sentences and tokens (crftag_tokenize); with --lines every line
 * is a document.  Offsets are into the whole input: bytes, and in JSON
 * characters too.  At most RAW_CHUNK bytes are held: a longer paragraph is
 * tagged sentence by sentence as the tokenizer finds them, a longer sentence
 * cut at a space (or, failing that, a UTF-8 character boundary).
 * --tokenized: WikiSER or CoNLL input, one sentence at a time; conll output
 * writes every input column and the predicted label last.
 * --input-format jsonl: tag_jsonl.c.
 * Output is flushed after every sentence (every record in jsonl mode) when
 * stdout is not a regular file, so crftag answers as it reads inside a
 * pipeline.
 * --threads N > 1: the same readers queue whole units (paragraphs, lines,
 * sentences; records in tag_jsonl.c) into tag_mt.c's batches instead of
 * tagging them, and the workers run tag_text / tag_write on them with
 * contexts of their own, writing to the batch's buffer (cx->out); messages
 * of the reader wait until the output before them is written.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "confidence.h"
#include "json.h"
#include "output.h"
#include "tag_jsonl.h"
#include "tag_mt.h"

#define RAW_CHUNK ((size_t)1 << 20)
#define TAG_MAX_THREADS 1024

struct tag_opts {
    const char *model;
    const char *format;
    int tokenized;
    int no_constraint;
    const char *bias;
    const char *input_format;
    int lines;
    int marginals;
    int all_marginals;
    uint32_t nbest;
    int threads;
    const char *memory;
};

static const struct opt tag_table[] = {
    {"model", 'm', OPT_STRING, offsetof(struct tag_opts, model), "MODEL",
     "model file (default: $CRFTAG_MODEL, else the shipped " CLI_MODEL_NAME ", see crftag(1))"},
    {"format", 'f', OPT_STRING, offsetof(struct tag_opts, format), "FMT",
     "conll (token<TAB>TAG, default), spans (start end type text) or json"},
    {"tokenized", 'T', OPT_FLAG, offsetof(struct tag_opts, tokenized), NULL,
     "input is tokenized (WikiSER or CoNLL columns); conll output: its columns, the label last"},
    {"bias", 0, OPT_STRING, offsetof(struct tag_opts, bias), "SPEC",
     "label bias X or TYPE=X,... instead of the model's (\"0\": none)"},
    {"no-constraint", 0, OPT_FLAG, offsetof(struct tag_opts, no_constraint), NULL,
     "do not restrict decoding to valid BIO sequences"},
    {"input-format", 'J', OPT_STRING, offsetof(struct tag_opts, input_format), "FMT",
     "text (default) or jsonl: one JSON string or {\"text\": ...} per line, one JSON line out "
     "(the record's other members kept); with --tokenized: auto (default), conll or crfsuite "
     "(LABEL<TAB>ATTR..., the label ignored; one predicted label a line out, as CRFsuite's tag)"},
    {"lines", 'l', OPT_FLAG, offsetof(struct tag_opts, lines), NULL,
     "raw text: each line is a document, answered as soon as it is read (default: a blank "
     "line ends a paragraph, a line break inside one is a space)"},
    {"marginals", 'p', OPT_FLAG, offsetof(struct tag_opts, marginals), NULL,
     "probabilities: of each tag (conll: third column), entity and labelling"},
    {"all-marginals", 0, OPT_FLAG, offsetof(struct tag_opts, all_marginals), NULL,
     "--marginals, and every label's marginal (conll: LABEL/P columns)"},
    {"nbest", 'n', OPT_UINT, offsetof(struct tag_opts, nbest), "N",
     "the N most probable labellings per sentence (conll, json)"},
    {"threads", 'j', OPT_INT, offsetof(struct tag_opts, threads), "N",
     "tagging threads (0 = all cores); the output is the same, in input order"},
    {"memory", 0, OPT_STRING, offsetof(struct tag_opts, memory), "N",
     "document memory of N sentences instead of the model's (0: none): entities found in the "
     "last N sentences label their later mentions (not with --marginals or --nbest)"},
    {NULL, 0, OPT_FLAG, 0, NULL, NULL},
};

/* Per-sentence buffers, grown as needed. */
struct tag_bufs {
    char *strs;                  /* NUL-terminated copies of raw tokens */
    size_t strs_cap;
    const char **tok;
    size_t *tok_len, *start, *end;
    size_t *cstart, *cend;       /* character offsets of raw tokens */
    const char **tags;
    uint32_t *ids;
    struct crftag_chunk *chunks;
    size_t cap;
};

static int bufs_reserve(struct tag_bufs *b, size_t n)
{
    if (n <= b->cap)
        return 0;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < n)
        cap *= 2;
    const char **tok = realloc(b->tok, cap * sizeof *tok);
    if (tok)
        b->tok = tok;
    size_t *tl = realloc(b->tok_len, cap * sizeof *tl);
    if (tl)
        b->tok_len = tl;
    size_t *st = realloc(b->start, cap * sizeof *st);
    if (st)
        b->start = st;
    size_t *en = realloc(b->end, cap * sizeof *en);
    if (en)
        b->end = en;
    const char **tags = realloc(b->tags, cap * sizeof *tags);
    if (tags)
        b->tags = tags;
    uint32_t *ids = realloc(b->ids, cap * sizeof *ids);
    if (ids)
        b->ids = ids;
    struct crftag_chunk *ch = realloc(b->chunks, cap * sizeof *ch);
    if (ch)
        b->chunks = ch;
    size_t *cs = realloc(b->cstart, cap * sizeof *cs);
    if (cs)
        b->cstart = cs;
    size_t *ce = realloc(b->cend, cap * sizeof *ce);
    if (ce)
        b->cend = ce;
    if (!tok || !tl || !st || !en || !tags || !ids || !ch || !cs || !ce)
        return -1;
    b->cap = cap;
    return 0;
}

static void bufs_free(struct tag_bufs *b)
{
    free(b->strs);
    free(b->tok);
    free(b->tok_len);
    free(b->start);
    free(b->end);
    free(b->tags);
    free(b->ids);
    free(b->chunks);
    free(b->cstart);
    free(b->cend);
}

struct tag_ctx {
    const struct crftag_model *m;
    struct crftag_tagger *t;
    int plain;                   /* the model's labels are plain tags */
    enum out_format fmt;
    FILE *out;                   /* stdout, or a worker's batch buffer (tag_mt.c) */
    int flush;
    struct tag_bufs b;
    int conf_on;                 /* --marginals, --all-marginals or --nbest */
    struct tag_conf conf;
    int informat;                /* --tokenized: enum crftag_input_format */
    int no_constraint;           /* --no-constraint */
    const char *bias;            /* --bias, or NULL */
    const char **cols;           /* threads, --tokenized: a sentence's cells */
    size_t cols_cap;
    size_t mem_window;           /* document memory (0: none) ... */
    struct crftag_memory *mem;   /* ... over the sentences of the input */
};

/* A sentence read in CRFsuite's format: its predicted labels, one a line,
 * and a blank line (CRFsuite's `tag`). */
static int tag_write_labels(struct tag_ctx *cx, size_t n)
{
    for (size_t i = 0; i < n; i++)
        fprintf(cx->out, "%s\n", crftag_model_label(cx->m, cx->b.ids[i]));
    if (putc('\n', cx->out) == EOF || (cx->flush && fflush(cx->out))) {
        cli_errorf("writing output: %s", strerror(errno));
        return -1;
    }
    return 0;
}

/* Tags one sentence whose token strings are in b->tok, and writes it. */
static int tag_write(struct tag_ctx *cx, const char *const *cols, size_t n, size_t stride,
                     const char *text, size_t base)
{
    if (cx->informat == CRFTAG_INPUT_CRFSUITE) {
        struct crftag_error err;
        enum crftag_status st = crftag_tagger_tag(cx->t, cols, n, stride, cx->b.ids, NULL, &err);
        if (st != CRFTAG_OK) {
            cli_error(&err, st);
            return -1;
        }
        return tag_write_labels(cx, n);
    }
    struct out_sentence s = {
        .n = n, .tok = cx->b.tok, .tok_len = cx->b.tok_len, .tags = cx->b.tags,
        .text = text, .start = cx->b.start, .end = cx->b.end, .base = base,
        .plain = cx->plain,
        .cstart = text && cx->fmt == OUT_JSON ? cx->b.cstart : NULL,
        .cend = text && cx->fmt == OUT_JSON ? cx->b.cend : NULL,
        .cols = text ? NULL : cols, .ncols = stride,
    };
    if (cx->conf_on) {
        if (conf_tag(&cx->conf, cx->t, cx->m, cx->plain, cols, n, stride, cx->b.ids,
                     cx->b.tags, cx->b.chunks, &s))
            return -1;
    } else {
        struct crftag_error err;
        enum crftag_status st = crftag_tagger_tag(cx->t, cols, n, stride, cx->b.ids, NULL, &err);
        if (st != CRFTAG_OK) {
            cli_error(&err, st);
            return -1;
        }
        if (cx->mem && crftag_memory_apply(cx->mem, cx->b.tok, cx->b.tok_len, n, cx->b.ids,
                                           NULL) != CRFTAG_OK) {
            cli_errorf("out of memory");
            return -1;
        }
        for (size_t i = 0; i < n; i++)
            cx->b.tags[i] = crftag_model_label(cx->m, cx->b.ids[i]);
    }
    if (!cx->out)                /* a context unit (tag_mt.h): for the memory only */
        return 0;
    if (out_write(cx->out, cx->fmt, &s, cx->b.chunks) || (cx->flush && fflush(cx->out))) {
        cli_errorf("writing output: %s", strerror(errno));
        return -1;
    }
    return 0;
}

/* The index of the first token of the last sentence of toks[0..nt) (0
 * when there is none). */
static size_t raw_last_start(const struct crftag_token *toks, size_t nt)
{
    size_t stop = nt;
    while (stop > 0 && !toks[stop - 1].sentence_start)
        stop--;
    return stop > 0 ? stop - 1 : 0;
}

/* Tags the sentences of text[0..len), found at byte offset base and
 * character offset cbase of the input, and sets *done to the bytes tagged:
 * all of them, or when partial (more of the paragraph follows) those before
 * the last sentence start, which the text that follows may still change
 * (0 when text holds one sentence). */
static int tag_text(struct tag_ctx *cx, const char *text, size_t len, size_t base, size_t cbase,
                    int partial, size_t *done)
{
    struct crftag_token *toks = NULL;
    size_t nt = 0;
    *done = 0;
    if (crftag_tokenize(text, len, &toks, &nt) != CRFTAG_OK) {
        cli_errorf("out of memory");
        return -1;
    }
    size_t stop = partial ? raw_last_start(toks, nt) : nt;
    int rc = 0;
    size_t pos_b = 0, pos_c = cbase;
    for (size_t s0 = 0; s0 < stop && rc == 0;) {
        size_t s1 = s0 + 1;
        while (s1 < nt && !toks[s1].sentence_start)
            s1++;
        size_t n = s1 - s0, bytes = 0;
        for (size_t i = s0; i < s1; i++)
            bytes += toks[i].end - toks[i].start + 1;
        if (bytes > cx->b.strs_cap) {
            char *ns = realloc(cx->b.strs, bytes * 2);
            if (ns) {
                cx->b.strs = ns;
                cx->b.strs_cap = bytes * 2;
            }
        }
        if (bufs_reserve(&cx->b, n) || bytes > cx->b.strs_cap) {
            cli_errorf("out of memory");
            rc = -1;
            break;
        }
        char *p = cx->b.strs;
        for (size_t i = 0; i < n; i++) {
            const struct crftag_token *tk = &toks[s0 + i];
            size_t l = tk->end - tk->start;
            memcpy(p, text + tk->start, l);
            p[l] = '\0';
            cx->b.tok[i] = p;
            cx->b.tok_len[i] = l;
            cx->b.start[i] = tk->start;
            cx->b.end[i] = tk->end;
            p += l + 1;
        }
        if (cx->fmt == OUT_JSON)         /* character offsets: only JSON writes them */
            out_char_offsets(text, cx->b.start, cx->b.end, n, &pos_b, &pos_c, cx->b.cstart,
                             cx->b.cend);
        rc = tag_write(cx, cx->b.tok, n, 1, text, base);
        s0 = s1;
    }
    *done = !partial ? len : stop < nt ? toks[stop].start : 0;
    crftag_tokens_free(toks);
    return rc;
}

/* Where to cut text[0..have) (have > 1), one sentence longer than the
 * buffer: after the last space or tab of its second half, else at a UTF-8
 * character boundary. */
static size_t raw_cut(const char *buf, size_t have)
{
    size_t k = have;
    while (k > have / 2 && buf[k - 1] != ' ' && buf[k - 1] != '\t' && buf[k - 1] != '\n')
        k--;
    if (k > have / 2)
        return k;
    k = have - 1;           /* the character at k goes to the next piece */
    while (k > 1 && ((unsigned char)buf[k] & 0xc0) == 0x80)
        k--;
    return k;
}

/* 1 when line[0..n) is a blank line: only white space, then "\n". */
static int raw_blank(const char *line, size_t n)
{
    if (n == 0 || line[n - 1] != '\n')
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!strchr(" \t\r\v\f\n", line[i]))
            return 0;
    return 1;
}

/* With threads: queues what tag_text(buf[0..have), partial) and, when it
 * tags nothing, the tag_text of raw_cut's piece would tag, as one unit, and
 * sets *done as they do. */
static int raw_queue(struct mt *mt, const char *buf, size_t have, size_t base, size_t cbase,
                     int partial, size_t *done)
{
    size_t len = have;
    *done = have;
    if (partial) {
        struct crftag_token *toks = NULL;
        size_t nt = 0;
        if (crftag_tokenize(buf, have, &toks, &nt) != CRFTAG_OK) {
            cli_errorf("out of memory");
            return -1;
        }
        size_t stop = raw_last_start(toks, nt);
        *done = stop < nt ? toks[stop].start : 0;
        crftag_tokens_free(toks);
        if (*done == 0) {            /* one sentence fills the buffer */
            len = *done = raw_cut(buf, have);
            partial = 0;
        }
    }
    if (len == 0)
        return 0;
    struct mt_unit *u;
    char *d = mt_add(mt, len, &u);
    if (!d)
        return -1;
    memcpy(d, buf, len);
    u->a = base;
    u->b = cbase;
    u->kind = partial;
    return 0;
}

/* A worker tagging a raw text unit of raw_queue. */
static int raw_unit(void *w, const char *data, const struct mt_unit *u, FILE *out)
{
    struct tag_ctx *cx = w;
    size_t done;
    cx->out = out;
    if (u->first)                /* a batch starts: its context units come first */
        crftag_memory_clear(cx->mem);
    return tag_text(cx, data + u->off, u->len, u->a, u->b, u->kind, &done);
}

/* Raw text: paragraphs (ended by a blank line or the end of the input; a
 * line break inside is a space), or with lines one document per line.  At
 * most RAW_CHUNK bytes are held: a longer paragraph is tagged sentence by
 * sentence as the tokenizer finds them, a longer sentence cut by raw_cut. */
static int tag_raw(struct tag_ctx *cx, struct mt *mt, const char *path, int lines)
{
    struct crftag_input *in;
    struct crftag_error err;
    enum crftag_status st = crftag_input_open(path, &in, &err);
    if (st != CRFTAG_OK) {
        cli_error(&err, st);
        return -1;
    }
    char *buf = malloc(RAW_CHUNK + 1);
    size_t have = 0, base = 0, cbase = 0;
    int rc = buf ? 0 : -1, eof = 0;
    if (!buf)
        cli_errorf("out of memory");
    while (rc == 0 && !(eof && have == 0)) {
        size_t got = 0;
        if (!eof) {
            if (mt && !crftag_input_ready(in))
                mt_dispatch(mt);        /* answer all that was read before waiting */
            int r = crftag_input_read(in, buf + have, RAW_CHUNK - have, &got, &err);
            if (r < 0) {
                cli_error(&err, (enum crftag_status)r);
                rc = -1;
                break;
            }
            eof = r == 0;
            have += got;
        }
        int end = eof || (got > 0 && buf[have - 1] == '\n' &&
                          (lines || raw_blank(buf + have - got, got)));
        if (!end && have < RAW_CHUNK)
            continue;
        size_t done;
        if (mt)
            rc = raw_queue(mt, buf, have, base, cbase, !end, &done);
        else
            rc = tag_text(cx, buf, have, base, cbase, !end, &done);
        if (!mt && rc == 0 && !end && done == 0) {     /* one sentence fills the buffer */
            size_t cut = raw_cut(buf, have);
            rc = tag_text(cx, buf, cut, base, cbase, 0, &done);
        }
        if (cx->fmt == OUT_JSON)         /* character offsets: only JSON writes them */
            cbase += out_chars(buf, done);
        memmove(buf, buf + done, have - done);
        have -= done;
        base += done;
    }
    free(buf);
    crftag_input_close(in);
    return rc;
}

/* With threads: queues a sentence of tag_tokenized as one unit: its n *
 * ncols cells, each NUL-terminated. */
static int tok_queue(struct mt *mt, const char *const *cols, size_t n, size_t ncols,
                     size_t base, int doc)
{
    size_t bytes = 0;
    for (size_t i = 0; i < n * ncols; i++)
        bytes += strlen(cols[i]) + 1;
    struct mt_unit *u;
    char *d = mt_add(mt, bytes, &u);
    if (!d)
        return -1;
    for (size_t i = 0; i < n * ncols; i++) {
        size_t l = strlen(cols[i]) + 1;
        memcpy(d, cols[i], l);
        d += l;
    }
    u->a = n;
    u->b = ncols;
    u->c = base;
    u->kind = doc;               /* a document starts here (-DOCSTART-) */
    return 0;
}

/* A worker tagging a sentence of tok_queue. */
static int tok_unit(void *w, const char *data, const struct mt_unit *u, FILE *out)
{
    struct tag_ctx *cx = w;
    size_t n = u->a, ncols = u->b, nc = n * ncols;
    cx->out = out;
    if (u->first || u->kind)     /* a batch starts (its context units come first), */
        crftag_memory_clear(cx->mem);    /* or a document */
    if (nc > cx->cols_cap) {
        const char **c = realloc(cx->cols, nc * sizeof *c);
        if (!c) {
            cli_errorf("out of memory");
            return -1;
        }
        cx->cols = c;
        cx->cols_cap = nc;
    }
    if (bufs_reserve(&cx->b, n)) {
        cli_errorf("out of memory");
        return -1;
    }
    const char *p = data + u->off;
    for (size_t i = 0; i < nc; i++) {
        cx->cols[i] = p;
        p += strlen(p) + 1;
    }
    for (size_t i = 0; i < n; i++) {
        cx->b.tok[i] = cx->cols[i * ncols];
        cx->b.tok_len[i] = strlen(cx->cols[i * ncols]);
    }
    return tag_write(cx, cx->cols, n, ncols, NULL, u->c);
}

static int tag_tokenized(struct tag_ctx *cx, struct mt *mt, const char *path,
                         size_t ncols_model)
{
    struct crftag_reader *r;
    struct crftag_error err;
    enum crftag_status st = crftag_reader_open_format(path, cx->informat, &r, &err);
    if (st != CRFTAG_OK) {
        cli_error(&err, st);
        return -1;
    }
    const char *const *cols;
    size_t n, ncols, base = 0;
    int rc, status = 0;
    for (;;) {
        if (mt && !crftag_reader_ready(r))
            mt_dispatch(mt);            /* answer all that was read before waiting */
        if ((rc = crftag_reader_next(r, &cols, &n, &ncols, &err)) <= 0)
            break;
        if (ncols < ncols_model) {
            cli_errorf("%s:%ld: %zu column%s per token, the model reads %zu",
                       strcmp(path, "-") ? path : "<stdin>", crftag_reader_line(r), ncols,
                       ncols == 1 ? "" : "s", ncols_model);
            status = -1;
            break;
        }
        int doc = crftag_reader_doc_start(r);       /* -DOCSTART-: the memory starts empty */
        if (mt) {
            if (tok_queue(mt, cols, n, ncols, base, doc)) {
                status = -1;
                break;
            }
            base += n;
            continue;
        }
        if (bufs_reserve(&cx->b, n)) {
            cli_errorf("out of memory");
            status = -1;
            break;
        }
        for (size_t i = 0; i < n; i++) {
            cx->b.tok[i] = cols[i * ncols];
            cx->b.tok_len[i] = strlen(cols[i * ncols]);
        }
        if (doc)
            crftag_memory_clear(cx->mem);
        if (tag_write(cx, cols, n, ncols, NULL, base)) {
            status = -1;
            break;
        }
        base += n;
    }
    if (rc < 0) {
        cli_error(&err, (enum crftag_status)rc);
        status = -1;
    }
    crftag_reader_close(r);
    return status;
}

/* cx->t: a tagger of cx->m with --no-constraint and --bias; 0, or -1 after
 * an error message (CLI_USAGE in *code for a bad --bias, else CLI_FAIL). */
static int tag_ctx_tagger(struct tag_ctx *cx, int *code)
{
    *code = CLI_FAIL;
    if (crftag_tagger_new(cx->m, &cx->t) != CRFTAG_OK) {
        cli_errorf("out of memory");
        return -1;
    }
    crftag_tagger_set_constrained(cx->t, !cx->no_constraint);
    if (cx->bias) {
        struct crftag_error berr;
        if (crftag_tagger_set_bias(cx->t, cx->bias, &berr) != CRFTAG_OK) {
            cli_errorf("tag: --bias: %s", berr.msg);
            crftag_tagger_free(cx->t);
            cx->t = NULL;
            *code = CLI_USAGE;
            return -1;
        }
    }
    return 0;
}

/* mt_ops.worker_new: a context like the main one (user), with its own
 * tagger and buffers. */
static void *tag_worker_new(void *user)
{
    const struct tag_ctx *main_cx = user;
    struct tag_ctx *cx = calloc(1, sizeof *cx);
    int code;
    if (!cx) {
        cli_errorf("out of memory");
        return NULL;
    }
    cx->m = main_cx->m;
    cx->plain = main_cx->plain;
    cx->fmt = main_cx->fmt;
    cx->conf_on = main_cx->conf_on;
    cx->conf.marginals = main_cx->conf.marginals;
    cx->conf.all_marginals = main_cx->conf.all_marginals;
    cx->conf.nbest = main_cx->conf.nbest;
    cx->informat = main_cx->informat;
    cx->no_constraint = main_cx->no_constraint;
    cx->bias = main_cx->bias;
    cx->mem_window = main_cx->mem_window;
    if (tag_ctx_tagger(cx, &code)) {
        free(cx);
        return NULL;
    }
    if (cli_memory_new(cx->m, cx->mem_window, &cx->mem)) {
        crftag_tagger_free(cx->t);
        free(cx);
        return NULL;
    }
    return cx;
}

static void tag_worker_free(void *w)
{
    struct tag_ctx *cx = w;
    bufs_free(&cx->b);
    conf_free(&cx->conf);
    crftag_tagger_free(cx->t);
    crftag_memory_free(cx->mem);
    free(cx->cols);
    free(cx);
}

/* --marginals, --all-marginals, --nbest into cx; -1 after printing a usage
 * error. */
static int tag_conf_opts(struct tag_ctx *cx, const struct tag_opts *o, int jsonl)
{
    cx->conf_on = o->marginals || o->all_marginals || o->nbest;
    cx->conf.marginals = o->marginals || o->all_marginals;
    cx->conf.all_marginals = o->all_marginals;
    cx->conf.nbest = o->nbest;
    if (cx->conf_on && jsonl) {
        cli_errorf("tag: --marginals, --all-marginals and --nbest do not apply to "
                   "--input-format jsonl");
        return -1;
    }
    if (o->nbest > CONF_NBEST_MAX) {
        cli_errorf("tag: --nbest: at most %d, got %lu", CONF_NBEST_MAX, (unsigned long)o->nbest);
        return -1;
    }
    if (o->nbest && cx->fmt == OUT_SPANS) {
        cli_errorf("tag: --nbest writes labellings: use --format conll or json, not spans");
        return -1;
    }
    return 0;
}

/* A model of attribute strings reads CRFsuite's format (tokenized), and only
 * it does: sets cx->informat and o->tokenized, or returns -1 after an error
 * message. */
static int tag_input_of_model(struct tag_ctx *cx, struct tag_opts *o, int jsonl,
                              const struct crftag_model_info *info)
{
    if (strcmp(info->features, "attributes") == 0) {
        if (jsonl || cx->informat == CRFTAG_INPUT_COLUMNS) {
            cli_errorf("tag: %s was trained on attribute strings: its input is CRFsuite's "
                       "format (LABEL<TAB>ATTR...), not %s", o->model,
                       jsonl ? "JSON lines" : "columns");
            return -1;
        }
        o->tokenized = 1;
        cx->informat = CRFTAG_INPUT_CRFSUITE;
    } else if (cx->informat == CRFTAG_INPUT_CRFSUITE) {
        cli_errorf("tag: %s reads %s features, not CRFsuite attributes", o->model,
                   info->features);
        return -1;
    } else {
        /* columns: no look-ahead to detect CRFsuite's format, so a co-process
         * gets each sentence's answer as soon as it is read */
        cx->informat = CRFTAG_INPUT_COLUMNS;
    }
    return 0;
}

int cmd_tag(int argc, char **argv)
{
    struct tag_opts o = {.threads = 1};
    int npos = 0;
    const char *usage = "[-m MODEL] [options] [FILE]  (stdin when no FILE or FILE is -)";
    int rc = opts_parse(tag_table, &o, argc, argv, "tag", usage, &npos);
    if (rc)
        return rc > 0 ? CLI_OK : CLI_USAGE;
    char model_path[4200];
    if (!o.model && !(o.model = cli_default_model(model_path, sizeof model_path, "tag")))
        return CLI_USAGE;
    if (npos > 1) {
        cli_errorf("tag: expected at most one input file");
        return CLI_USAGE;
    }
    if (o.threads < 0 || o.threads > TAG_MAX_THREADS) {
        cli_errorf("tag: --threads: must be 0..%d (0 = all cores), got %d", TAG_MAX_THREADS,
                   o.threads);
        return CLI_USAGE;
    }
    struct tag_ctx cx;
    memset(&cx, 0, sizeof cx);
    if (!o.format || strcmp(o.format, "conll") == 0)
        cx.fmt = OUT_CONLL;
    else if (strcmp(o.format, "spans") == 0)
        cx.fmt = OUT_SPANS;
    else if (strcmp(o.format, "json") == 0)
        cx.fmt = OUT_JSON;
    else {
        cli_errorf("tag: --format: expected conll, spans or json, got '%s'", o.format);
        return CLI_USAGE;
    }
    int jsonl = 0;
    if (o.input_format && strcmp(o.input_format, "jsonl") == 0)
        jsonl = 1;
    else if (o.input_format && strcmp(o.input_format, "text") != 0) {
        cx.informat = cli_input_format("tag", o.input_format, ", text or jsonl");
        if (cx.informat < 0)
            return CLI_USAGE;
        if (cx.informat == CRFTAG_INPUT_CRFSUITE)
            o.tokenized = 1;        /* CRFsuite's format is tokenized */
        else if (!o.tokenized) {
            cli_errorf("tag: --input-format %s needs --tokenized", o.input_format);
            return CLI_USAGE;
        }
    }
    if (jsonl && o.tokenized) {
        cli_errorf("tag: --input-format jsonl reads raw text; it cannot be --tokenized");
        return CLI_USAGE;
    }
    if (tag_conf_opts(&cx, &o, jsonl))
        return CLI_USAGE;
    const char *path = npos == 1 ? argv[1] : "-";
    struct crftag_model *m = cli_model_load(o.model);
    if (!m)
        return CLI_FAIL;
    struct crftag_model_info info;
    crftag_model_get_info(m, &info);
    if (tag_input_of_model(&cx, &o, jsonl, &info)) {
        crftag_model_free(m);
        return CLI_USAGE;
    }
    if (!o.tokenized && info.num_columns > 1) {
        cli_errorf("tag: %s reads %zu columns per token; raw text has only the token "
                   "(use --tokenized with column input)", o.model, info.num_columns);
        crftag_model_free(m);
        return CLI_USAGE;
    }
    cx.m = m;
    cx.plain = info.plain_tags;
    cx.out = stdout;
    cx.no_constraint = o.no_constraint;
    cx.bias = o.bias;
    /* the document memory: over the sentences of the input, in order (not
     * for attribute strings, nor with the probabilities, which describe the
     * model's own labellings) */
    size_t window = 0;
    if (cli_memory_window("tag", o.memory, m, &window)) {
        crftag_model_free(m);
        return CLI_USAGE;
    }
    if (cx.conf_on || cx.informat == CRFTAG_INPUT_CRFSUITE)
        window = 0;
    cx.mem_window = jsonl ? 0 : window;
    int code;
    if (tag_ctx_tagger(&cx, &code)) {
        crftag_model_free(m);
        return code;
    }
    if (cli_memory_new(m, cx.mem_window, &cx.mem)) {
        crftag_tagger_free(cx.t);
        crftag_model_free(m);
        return CLI_FAIL;
    }
    struct stat sb;
    cx.flush = !(fstat(fileno(stdout), &sb) == 0 && S_ISREG(sb.st_mode));
    struct jsonl_opts jo = {
        .t = cx.t, .m = m, .plain = cx.plain, .flush = cx.flush,
        .tokens = o.format && cx.fmt != OUT_SPANS, .offsets = cx.fmt == OUT_JSON,
        .no_constraint = o.no_constraint, .bias = o.bias,
        .threads = mt_threads(o.threads),
        .memory = jsonl ? window : 0,
    };
    struct mt *mt = NULL;
    if (jo.threads > 1 && !jsonl) {
        static const struct mt_ops raw_ops = {tag_worker_new, tag_worker_free, raw_unit};
        static const struct mt_ops tok_ops = {tag_worker_new, tag_worker_free, tok_unit};
        mt = mt_start(jo.threads, o.tokenized ? &tok_ops : &raw_ops, &cx, cx.flush);
        if (!mt) {
            crftag_tagger_free(cx.t);
            crftag_memory_free(cx.mem);
            crftag_model_free(m);
            return CLI_FAIL;
        }
        mt_context(mt, cx.mem_window);   /* each unit holds one sentence or more */
    }
    rc = o.tokenized ? tag_tokenized(&cx, mt, path, info.num_columns)
         : jsonl     ? tag_jsonl(&jo, path)
                     : tag_raw(&cx, mt, path, o.lines);
    if (mt && mt_finish(mt) != 0)
        rc = -1;
    if (fflush(stdout) != 0 && rc == 0) {
        cli_errorf("writing output: %s", strerror(errno));
        rc = -1;
    }
    bufs_free(&cx.b);
    conf_free(&cx.conf);
    crftag_tagger_free(cx.t);
    crftag_memory_free(cx.mem);
    crftag_model_free(m);
    return rc == 0 ? CLI_OK : CLI_FAIL;
}
