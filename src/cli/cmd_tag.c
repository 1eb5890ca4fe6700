/*
 * cmd_tag.c - `crftag tag -m MODEL [FILE]`: tag raw text or tokenized files.
 *
 * Raw text (default): each input line is split into sentences and tokens
 * (crftag_tokenize); offsets are byte offsets into the whole input.  A line
 * longer than RAW_CHUNK is cut at a space (or, failing that, a UTF-8 character
 * boundary) so memory stays bounded on line-less input.
 * --tokenized: WikiSER or CoNLL input, one sentence at a time.
 * --input-format jsonl: one document per line, a JSON string or an object
 * with a string member "text"; one output line per record,
 *   {"entities":[{"start":S,"end":E,"type":"T","text":"..."},...]}
 * (byte offsets into the record's decoded UTF-8 text), or {"error":"..."}
 * for a malformed record (tagging goes on; the exit status is then 1).
 * Output is flushed after every sentence (every record in jsonl mode) when
 * stdout is not a regular file, so crftag answers sentence by sentence inside
 * a pipeline.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "json.h"
#include "output.h"

#define RAW_CHUNK ((size_t)1 << 20)

struct tag_opts {
    const char *model;
    const char *format;
    int tokenized;
    int no_constraint;
    const char *bias;
    const char *input_format;
};

static const struct opt tag_table[] = {
    {"model", 'm', OPT_STRING, offsetof(struct tag_opts, model), "MODEL", "model file (required)"},
    {"format", 'f', OPT_STRING, offsetof(struct tag_opts, format), "FMT",
     "conll (token<TAB>TAG, default), spans (start end type text) or json"},
    {"tokenized", 'T', OPT_FLAG, offsetof(struct tag_opts, tokenized), NULL,
     "input is tokenized (WikiSER or CoNLL columns); a label column is ignored"},
    {"bias", 0, OPT_STRING, offsetof(struct tag_opts, bias), "SPEC",
     "label bias X or TYPE=X,... instead of the model's (\"0\": none)"},
    {"no-constraint", 0, OPT_FLAG, offsetof(struct tag_opts, no_constraint), NULL,
     "do not restrict decoding to valid BIO sequences"},
    {"input-format", 'J', OPT_STRING, offsetof(struct tag_opts, input_format), "FMT",
     "text (default) or jsonl: one JSON string or {\"text\": ...} per line, one JSON line out; "
     "with --tokenized: auto (default), conll or crfsuite (LABEL<TAB>ATTR..., the label ignored; "
     "one predicted label a line out, as CRFsuite's tag)"},
    {NULL, 0, OPT_FLAG, 0, NULL, NULL},
};

/* Per-sentence buffers, grown as needed. */
struct tag_bufs {
    char *strs;                  /* NUL-terminated copies of raw tokens */
    size_t strs_cap;
    const char **tok;
    size_t *tok_len, *start, *end;
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
    if (!tok || !tl || !st || !en || !tags || !ids || !ch)
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
}

struct tag_ctx {
    const struct crftag_model *m;
    struct crftag_tagger *t;
    int plain;                   /* the model's labels are plain tags */
    enum out_format fmt;
    int flush;
    struct tag_bufs b;
    int informat;                /* --tokenized: enum crftag_input_format */
};

/* A sentence read in CRFsuite's format: its predicted labels, one a line,
 * and a blank line (CRFsuite's `tag`). */
static int tag_write_labels(struct tag_ctx *cx, size_t n)
{
    for (size_t i = 0; i < n; i++)
        printf("%s\n", crftag_model_label(cx->m, cx->b.ids[i]));
    if (putchar('\n') == EOF || (cx->flush && fflush(stdout))) {
        cli_errorf("writing output: %s", strerror(errno));
        return -1;
    }
    return 0;
}

/* Tags one sentence whose token strings are in b->tok, and writes it. */
static int tag_write(struct tag_ctx *cx, const char *const *cols, size_t n, size_t stride,
                     const char *text, size_t base)
{
    struct crftag_error err;
    enum crftag_status st = crftag_tagger_tag(cx->t, cols, n, stride, cx->b.ids, NULL, &err);
    if (st != CRFTAG_OK) {
        cli_error(&err, st);
        return -1;
    }
    if (cx->informat == CRFTAG_INPUT_CRFSUITE)
        return tag_write_labels(cx, n);
    for (size_t i = 0; i < n; i++)
        cx->b.tags[i] = crftag_model_label(cx->m, cx->b.ids[i]);
    struct out_sentence s = {
        .n = n, .tok = cx->b.tok, .tok_len = cx->b.tok_len, .tags = cx->b.tags,
        .text = text, .start = cx->b.start, .end = cx->b.end, .base = base,
        .plain = cx->plain,
    };
    if (out_write(stdout, cx->fmt, &s, cx->b.chunks) || (cx->flush && fflush(stdout))) {
        cli_errorf("writing output: %s", strerror(errno));
        return -1;
    }
    return 0;
}

/* Tags the sentences of text[0..len) found at input offset base. */
static int tag_text(struct tag_ctx *cx, const char *text, size_t len, size_t base)
{
    struct crftag_token *toks = NULL;
    size_t nt = 0;
    if (crftag_tokenize(text, len, &toks, &nt) != CRFTAG_OK) {
        cli_errorf("out of memory");
        return -1;
    }
    int rc = 0;
    for (size_t s0 = 0; s0 < nt && rc == 0;) {
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
        rc = tag_write(cx, cx->b.tok, n, 1, text, base);
        s0 = s1;
    }
    crftag_tokens_free(toks);
    return rc;
}

static int tag_raw(struct tag_ctx *cx, const char *path)
{
    FILE *f = stdin;
    if (strcmp(path, "-") != 0 && !(f = fopen(path, "rb"))) {
        cli_errorf("%s: cannot open: %s", path, strerror(errno));
        return -1;
    }
    char *buf = malloc(RAW_CHUNK + 1);
    size_t have = 0, base = 0;
    int rc = buf ? 0 : -1, eof = 0;
    while (rc == 0 && !(eof && have == 0)) {
        if (!eof && have < RAW_CHUNK) {
            /* read up to the next newline, at most RAW_CHUNK bytes held */
            int c;
            while (have < RAW_CHUNK && (c = getc_unlocked(f)) != EOF) {
                buf[have++] = (char)c;
                if (c == '\n')
                    break;
            }
            if (ferror(f)) {
                cli_errorf("%s: read error: %s", path, strerror(errno));
                rc = -1;
                break;
            }
            if (feof(f))
                eof = 1;
        }
        size_t cut = have;
        if (have > 0 && buf[have - 1] != '\n' && !eof) {
            /* over-long line: cut at the last space, else at a UTF-8 boundary */
            size_t k = have;
            while (k > have / 2 && buf[k - 1] != ' ' && buf[k - 1] != '\t')
                k--;
            if (k <= have / 2) {
                k = have;
                while (k > 1 && ((unsigned char)buf[k] & 0xc0) == 0x80)
                    k--;
            }
            cut = k;
        }
        rc = tag_text(cx, buf, cut, base);
        memmove(buf, buf + cut, have - cut);
        have -= cut;
        base += cut;
    }
    free(buf);
    if (f != stdin)
        fclose(f);
    return rc;
}

static int tag_tokenized(struct tag_ctx *cx, const char *path, size_t ncols_model)
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
    while ((rc = crftag_reader_next(r, &cols, &n, &ncols, &err)) > 0) {
        if (ncols < ncols_model) {
            cli_errorf("%s:%ld: %zu column%s per token, the model reads %zu",
                       strcmp(path, "-") ? path : "<stdin>", crftag_reader_line(r), ncols,
                       ncols == 1 ? "" : "s", ncols_model);
            status = -1;
            break;
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

static int tag_jsonl(struct tag_ctx *cx, const char *path)
{
    FILE *f = stdin;
    if (strcmp(path, "-") != 0 && !(f = fopen(path, "rb"))) {
        cli_errorf("%s: cannot open: %s", path, strerror(errno));
        return -1;
    }
    char *line = NULL, *text = NULL;
    size_t cap = 0, tcap = 0;
    long lineno = 0;
    int rc = 0, bad = 0;
    ssize_t got;
    while (rc == 0 && (got = getline(&line, &cap, f)) >= 0) {
        lineno++;
        size_t len = (size_t)got;
        if (json_ws(line, line + len) == line + len)
            continue;                       /* blank line: no record */
        if (len > tcap) {
            char *nt = realloc(text, len);
            if (!nt) {
                cli_errorf("out of memory");
                rc = -1;
                break;
            }
            text = nt;
            tcap = len;
        }
        size_t tl = 0;
        const char *msg = json_record(line, len, text, &tl);
        if (msg) {
            cli_errorf("%s:%ld: %s", strcmp(path, "-") ? path : "<stdin>", lineno, msg);
            char m[128];
            int ml = snprintf(m, sizeof m, "line %ld: %s", lineno, msg);
            fputs("{\"error\":", stdout);
            json_put(stdout, m, ml > 0 && (size_t)ml < sizeof m ? (size_t)ml : strlen(m));
            fputs("}\n", stdout);
            bad = 1;
        } else {
            struct crftag_span *sp;
            size_t ns;
            struct crftag_error err;
            enum crftag_status st =
                crftag_tagger_tag_text(cx->t, text, tl, &sp, &ns, NULL, NULL, &err);
            if (st != CRFTAG_OK) {
                cli_error(&err, st);
                rc = -1;
                break;
            }
            fputs("{\"entities\":[", stdout);
            for (size_t k = 0; k < ns; k++) {
                fprintf(stdout, "%s{\"start\":%zu,\"end\":%zu,\"type\":", k ? "," : "",
                        sp[k].start, sp[k].end);
                json_put(stdout, sp[k].type, sp[k].type_len);
                fputs(",\"text\":", stdout);
                json_put(stdout, text + sp[k].start, sp[k].end - sp[k].start);
                putc('}', stdout);
            }
            fputs("]}\n", stdout);
            crftag_spans_free(sp);
        }
        if (ferror(stdout) || (cx->flush && fflush(stdout))) {
            cli_errorf("writing output: %s", strerror(errno));
            rc = -1;
        }
    }
    if (rc == 0 && ferror(f)) {
        cli_errorf("%s: read error: %s", path, strerror(errno));
        rc = -1;
    }
    free(line);
    free(text);
    if (f != stdin)
        fclose(f);
    return rc == 0 && bad ? -1 : rc;
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
    }
    return 0;
}

int cmd_tag(int argc, char **argv)
{
    struct tag_opts o = {0};
    int npos = 0;
    const char *usage = "-m MODEL [options] [FILE]  (stdin when no FILE or FILE is -)";
    int rc = opts_parse(tag_table, &o, argc, argv, "tag", usage, &npos);
    if (rc)
        return rc > 0 ? CLI_OK : CLI_USAGE;
    if (!o.model) {
        cli_errorf("tag: no model given (-m MODEL)");
        return CLI_USAGE;
    }
    if (npos > 1) {
        cli_errorf("tag: expected at most one input file");
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
    const char *path = npos == 1 ? argv[1] : "-";
    struct crftag_model *m;
    struct crftag_error err;
    enum crftag_status st = crftag_model_load(o.model, &m, &err);
    if (st != CRFTAG_OK) {
        cli_error(&err, st);
        return CLI_FAIL;
    }
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
    if (crftag_tagger_new(m, &cx.t) != CRFTAG_OK) {
        cli_errorf("out of memory");
        crftag_model_free(m);
        return CLI_FAIL;
    }
    crftag_tagger_set_constrained(cx.t, !o.no_constraint);
    if (o.bias) {
        struct crftag_error berr;
        if (crftag_tagger_set_bias(cx.t, o.bias, &berr) != CRFTAG_OK) {
            cli_errorf("tag: --bias: %s", berr.msg);
            crftag_tagger_free(cx.t);
            crftag_model_free(m);
            return CLI_USAGE;
        }
    }
    struct stat sb;
    cx.flush = !(fstat(fileno(stdout), &sb) == 0 && S_ISREG(sb.st_mode));
    rc = o.tokenized ? tag_tokenized(&cx, path, info.num_columns)
         : jsonl     ? tag_jsonl(&cx, path)
                     : tag_raw(&cx, path);
    if (fflush(stdout) != 0 && rc == 0) {
        cli_errorf("writing output: %s", strerror(errno));
        rc = -1;
    }
    bufs_free(&cx.b);
    crftag_tagger_free(cx.t);
    crftag_model_free(m);
    return rc == 0 ? CLI_OK : CLI_FAIL;
}
