/*
 * cmd_explain.c - `crftag explain -m MODEL [FILE]`: why each token got its
 * label.
 *
 * Reads text as `crftag tag` does (raw text, a line at a time, or with
 * --tokenized WikiSER / CoNLL sentences), tags each sentence and prints, for
 * every token, the label chosen, its marginal probability
 * (crftag_tagger_tag_prob), the transition weight from the
 * previous label and the K features that pushed it most
 * (crftag_model_explain: weight of (attribute, label), by |weight|).  The
 * sentence's score is printed with the sum of its terms.  --format json
 * writes one JSON object a sentence.
 */
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "json.h"

struct explain_opts {
    const char *model;
    const char *format;
    int top;
    int tokenized;
    int no_constraint;
};

static const struct opt explain_table[] = {
    {"model", 'm', OPT_STRING, offsetof(struct explain_opts, model), "MODEL",
     "model file (required)"},
    {"top", 'k', OPT_INT, offsetof(struct explain_opts, top), "K",
     "the K features of each token with the largest |contribution|"},
    {"format", 'f', OPT_STRING, offsetof(struct explain_opts, format), "FMT",
     "text (for people) or json (one object a sentence)"},
    {"tokenized", 'T', OPT_FLAG, offsetof(struct explain_opts, tokenized), NULL,
     "input is tokenized (WikiSER or CoNLL columns); a label column is ignored"},
    {"no-constraint", 0, OPT_FLAG, offsetof(struct explain_opts, no_constraint), NULL,
     "do not restrict decoding to valid BIO sequences"},
    {NULL, 0, OPT_FLAG, 0, NULL, NULL},
};

struct explain_ctx {
    const struct crftag_model *m;
    struct crftag_tagger *t;
    size_t L, ncols;
    int json, top;
    int attrs;                   /* a model of attribute strings: CRFsuite's input */
    size_t nsent;
    uint32_t *ids;
    double *marg;                /* [n][L] marginals */
    size_t cap;
};

static int ctx_reserve(struct explain_ctx *cx, size_t n)
{
    if (n <= cx->cap)
        return 0;
    size_t cap = cx->cap ? cx->cap : 64;
    while (cap < n)
        cap *= 2;
    if (cap > SIZE_MAX / sizeof(double) / cx->L)
        return -1;
    uint32_t *ids = realloc(cx->ids, cap * sizeof *ids);
    if (ids)
        cx->ids = ids;
    double *mg = realloc(cx->marg, cap * cx->L * sizeof *mg);
    if (mg)
        cx->marg = mg;
    if (!ids || !mg)
        return -1;
    cx->cap = cap;
    return 0;
}

static void put_text_token(const struct explain_ctx *cx, const char *tok, uint32_t y,
                           const double *p)
{
    printf("%s\t%s", tok, crftag_model_label(cx->m, y));
    if (p)
        printf("\tp=%.4f", *p);
    putchar('\n');
}

static void put_json_name(const char *s)
{
    json_put(stdout, s, strlen(s));
}

/* Writes the explanation of a sentence: c[0..nc) its contributions. */
static void explain_write(const struct explain_ctx *cx, const char *const *cols, size_t n,
                          size_t stride, double score, const struct crftag_contribution *c, size_t nc)
{
    double sum = 0, trans = 0;
    for (size_t k = 0; k < nc; k++) {
        sum += c[k].value;
        if (c[k].kind == CRFTAG_CONTRIB_TRANSITION)
            trans += c[k].value;
    }
    if (cx->json)
        printf("{\"sentence\":%zu,\"score\":%.17g,\"features\":%.17g,\"transitions\":%.17g,"
               "\"tokens\":[", cx->nsent, score, sum - trans, trans);
    else
        printf("# sentence %zu: score %.4f = features %.4f + transitions %.4f\n", cx->nsent,
               score, sum - trans, trans);
    size_t k = 0;
    char num[32];
    for (size_t i = 0; i < n; i++) {
        /* attribute strings have no token text: the token's place, "#1" .. */
        const char *tok = cols[i * stride];
        if (cx->attrs) {
            snprintf(num, sizeof num, "#%zu", i + 1);
            tok = num;
        }
        const double *p = &cx->marg[i * cx->L + cx->ids[i]];
        if (cx->json) {
            printf("%s{\"token\":", i ? "," : "");
            put_json_name(tok);
            printf(",\"label\":");
            put_json_name(crftag_model_label(cx->m, cx->ids[i]));
            if (p)
                printf(",\"p\":%.17g", *p);
            else
                printf(",\"p\":null");
        } else {
            put_text_token(cx, tok, cx->ids[i], p);
        }
        int shown = 0;
        double rest = 0;
        size_t nrest = 0;
        for (; k < nc && c[k].token == i; k++) {
            if (c[k].kind == CRFTAG_CONTRIB_TRANSITION) {
                const char *from = crftag_model_label(cx->m, c[k].prev_label);
                if (cx->json) {
                    printf(",\"transition\":{\"from\":");
                    put_json_name(from);
                    printf(",\"value\":%.17g}", c[k].value);
                } else {
                    printf("    %+9.4f  transition %s -> %s\n", c[k].value, from,
                           crftag_model_label(cx->m, c[k].label));
                }
                continue;
            }
            if (shown >= cx->top) {
                rest += c[k].value;
                nrest++;
                continue;
            }
            if (cx->json) {
                printf("%s{\"name\":", shown ? "," : ",\"features\":[");
                put_json_name(c[k].name);
                printf(",\"value\":%.17g}", c[k].value);
            } else {
                printf("    %+9.4f  %s\n", c[k].value, c[k].name);
            }
            shown++;
        }
        if (cx->json) {
            printf("%s,\"other_features\":%zu,\"other_value\":%.17g}", shown ? "]" : ",\"features\":[]",
                   nrest, rest);
        } else if (nrest) {
            printf("    %+9.4f  (%zu other feature%s)\n", rest, nrest, nrest == 1 ? "" : "s");
        }
    }
    printf(cx->json ? "]}\n" : "\n");
}

/* Tags and explains one sentence cols[n][stride]. */
static int explain_sentence(struct explain_ctx *cx, const char *const *cols, size_t n,
                            size_t stride)
{
    struct crftag_error err;
    enum crftag_status st;
    double score = 0;
    if (ctx_reserve(cx, n)) {
        cli_errorf("out of memory");
        return -1;
    }
    /* the path score, then each token's marginal (the same labels) */
    st = crftag_tagger_tag(cx->t, cols, n, stride, cx->ids, &score, &err);
    if (st == CRFTAG_OK)
        st = crftag_tagger_tag_prob(cx->t, cols, n, stride, cx->ids, NULL, cx->marg, &err);
    struct crftag_contribution *c = NULL;
    size_t nc = 0;
    if (st == CRFTAG_OK)
        st = crftag_model_explain(cx->m, cols, n, stride, cx->ids, &c, &nc, &err);
    if (st != CRFTAG_OK) {
        cli_error(&err, st);
        return -1;
    }
    cx->nsent++;
    explain_write(cx, cols, n, stride, score, c, nc);
    crftag_contributions_free(c);
    return ferror(stdout) ? -1 : 0;
}

/* Raw text: each line split into sentences and tokens. */
static int explain_raw(struct explain_ctx *cx, FILE *f, const char *path)
{
    char *line = NULL, *strs = NULL;
    const char **tok = NULL;
    size_t cap = 0;
    ssize_t got;
    int rc = 0;
    while (rc == 0 && (got = getline(&line, &cap, f)) >= 0) {
        struct crftag_token *tk = NULL;
        size_t nt = 0;
        char *ns = NULL;
        const char **nk = NULL;
        if (crftag_tokenize(line, (size_t)got, &tk, &nt) == CRFTAG_OK) {
            if ((ns = realloc(strs, (size_t)got + nt + 1)))
                strs = ns;
            if ((nk = realloc(tok, (nt ? nt : 1) * sizeof *tok)))
                tok = nk;
        }
        if (!ns || !nk) {
            cli_errorf("out of memory");
            crftag_tokens_free(tk);
            rc = -1;
            break;
        }
        char *p = strs;
        for (size_t i = 0; i < nt; i++) {
            size_t l = tk[i].end - tk[i].start;
            memcpy(p, line + tk[i].start, l);
            p[l] = '\0';
            tok[i] = p;
            p += l + 1;
        }
        for (size_t s0 = 0; s0 < nt && rc == 0;) {
            size_t s1 = s0 + 1;
            while (s1 < nt && !tk[s1].sentence_start)
                s1++;
            rc = explain_sentence(cx, tok + s0, s1 - s0, 1);
            s0 = s1;
        }
        crftag_tokens_free(tk);
    }
    if (rc == 0 && ferror(f)) {
        cli_errorf("%s: read error: %s", path, strerror(errno));
        rc = -1;
    }
    free(line);
    free(strs);
    free(tok);
    return rc;
}

static int explain_tokenized(struct explain_ctx *cx, const char *path)
{
    struct crftag_reader *r;
    struct crftag_error err;
    enum crftag_status st = cx->attrs ? crftag_reader_open_format(path, CRFTAG_INPUT_CRFSUITE,
                                                                  &r, &err)
                                      : crftag_reader_open(path, &r, &err);
    if (st != CRFTAG_OK) {
        cli_error(&err, st);
        return -1;
    }
    const char *const *cols;
    size_t n, ncols;
    int rc, status = 0;
    while ((rc = crftag_reader_next(r, &cols, &n, &ncols, &err)) > 0) {
        if (ncols < cx->ncols) {
            cli_errorf("%s:%ld: %zu column%s per token, the model reads %zu",
                       strcmp(path, "-") ? path : "<stdin>", crftag_reader_line(r), ncols,
                       ncols == 1 ? "" : "s", cx->ncols);
            status = -1;
            break;
        }
        if (explain_sentence(cx, cols, n, ncols)) {
            status = -1;
            break;
        }
    }
    if (rc < 0) {
        cli_error(&err, (enum crftag_status)rc);
        status = -1;
    }
    crftag_reader_close(r);
    return status;
}

static int explain_run(struct explain_ctx *cx, const struct explain_opts *o, const char *path)
{
    if (o->tokenized)
        return explain_tokenized(cx, path);
    FILE *f = stdin;
    if (strcmp(path, "-") != 0 && !(f = fopen(path, "rb"))) {
        cli_errorf("%s: cannot open: %s", path, strerror(errno));
        return -1;
    }
    int rc = explain_raw(cx, f, path);
    if (f != stdin)
        fclose(f);
    return rc;
}

int cmd_explain(int argc, char **argv)
{
    struct explain_opts o = { NULL, "text", 5, 0, 0 };
    int npos = 0;
    const char *usage = "-m MODEL [options] [FILE]  (stdin when no FILE or FILE is -)";
    int rc = opts_parse(explain_table, &o, argc, argv, "explain", usage, &npos);
    if (rc)
        return rc > 0 ? CLI_OK : CLI_USAGE;
    if (!o.model) {
        cli_errorf("explain: no model given (-m MODEL)");
        return CLI_USAGE;
    }
    if (npos > 1) {
        cli_errorf("explain: expected at most one input file");
        return CLI_USAGE;
    }
    if (o.top < 0) {
        cli_errorf("explain: --top must be >= 0");
        return CLI_USAGE;
    }
    int json = strcmp(o.format, "json") == 0;
    if (!json && strcmp(o.format, "text") != 0) {
        cli_errorf("explain: --format: expected text or json, got '%s'", o.format);
        return CLI_USAGE;
    }
    struct crftag_model *m = cli_model_load(o.model);
    if (!m)
        return CLI_FAIL;
    struct crftag_model_info info;
    crftag_model_get_info(m, &info);
    int attrs = strcmp(info.features, "attributes") == 0;
    if (attrs)                  /* its input is CRFsuite's format, tokenized */
        o.tokenized = 1;
    if (!o.tokenized && info.num_columns > 1) {
        cli_errorf("explain: %s reads %zu columns per token; raw text has only the token "
                   "(use --tokenized with column input)", o.model, info.num_columns);
        crftag_model_free(m);
        return CLI_USAGE;
    }
    struct explain_ctx cx;
    memset(&cx, 0, sizeof cx);
    cx.m = m;
    cx.L = info.num_labels;
    cx.ncols = info.num_columns;
    cx.json = json;
    cx.top = o.top;
    cx.attrs = attrs;
    if (crftag_tagger_new(m, &cx.t) != CRFTAG_OK) {
        cli_errorf("out of memory");
        crftag_model_free(m);
        return CLI_FAIL;
    }
    crftag_tagger_set_constrained(cx.t, !o.no_constraint);
    rc = explain_run(&cx, &o, npos == 1 ? argv[1] : "-");
    if (fflush(stdout) != 0 && rc == 0) {
        cli_errorf("writing output: %s", strerror(errno));
        rc = -1;
    }
    free(cx.ids);
    free(cx.marg);
    crftag_tagger_free(cx.t);
    crftag_model_free(m);
    return rc == 0 ? CLI_OK : CLI_FAIL;
}
