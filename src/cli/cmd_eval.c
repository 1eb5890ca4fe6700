/*
 * cmd_eval.c - `crftag eval -m MODEL FILE...` and `crftag eval --pred FILE...`
 *
 * With a model: tags each annotated file (the gold label is the last column)
 * and prints conlleval's report for gold against predicted labels.
 * With --pred: scores files that already hold gold and predicted labels in
 * their last two columns, as conlleval does.
 * When the gold labels are plain tags (not BIO; part-of-speech tags, say),
 * the report is token accuracy and per-tag scores (crftag_eval_report).
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"

struct eval_opts {
    const char *model;
    int pred;
    int no_constraint;
    const char *bias;
    int quiet;
    const char *input_format;
    const char *memory;
};

static const struct opt eval_table[] = {
    {"model", 'm', OPT_STRING, offsetof(struct eval_opts, model), "MODEL",
     "tag the files with MODEL and score its labels against the last column"},
    {"pred", 'p', OPT_FLAG, offsetof(struct eval_opts, pred), NULL,
     "the files hold gold and predicted labels in their last two columns"},
    {"bias", 0, OPT_STRING, offsetof(struct eval_opts, bias), "SPEC",
     "with -m: label bias X or TYPE=X,... instead of the model's (\"0\": none)"},
    {"no-constraint", 0, OPT_FLAG, offsetof(struct eval_opts, no_constraint), NULL,
     "do not restrict decoding to valid BIO sequences"},
    {"memory", 0, OPT_STRING, offsetof(struct eval_opts, memory), "N",
     "with -m: document memory of N sentences instead of the model's (0: none)"},
    {"quiet", 'q', OPT_FLAG, offsetof(struct eval_opts, quiet), NULL,
     "do not print the tagging speed on stderr"},
    {"input-format", 0, OPT_STRING, offsetof(struct eval_opts, input_format), "FMT",
     "auto (default: detected; crfsuite for a model of attribute strings), conll or crfsuite"},
    {NULL, 0, OPT_FLAG, 0, NULL, NULL},
};

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static const char *shown(const char *path)
{
    return strcmp(path, "-") ? path : "<stdin>";
}

/* Scores one file into ev; t == NULL means --pred. */
static int eval_file(const char *path, int informat, struct crftag_eval *ev,
                     struct crftag_tagger *t, const struct crftag_model *m, size_t model_cols,
                     struct crftag_memory *mem, size_t *ntok)
{
    struct crftag_reader *r;
    struct crftag_error err;
    enum crftag_status st = crftag_reader_open_format(path, informat, &r, &err);
    if (st != CRFTAG_OK) {
        cli_error(&err, st);
        return -1;
    }
    const char *const *cols;
    const char **gold = NULL, **pred = NULL;
    uint32_t *ids = NULL;
    size_t cap = 0, n, ncols;
    int rc, status = 0;
    crftag_memory_clear(mem);    /* each file a text of its own */
    while ((rc = crftag_reader_next(r, &cols, &n, &ncols, &err)) > 0) {
        size_t need = t ? model_cols + 1 : 2;
        if (ncols < need) {
            cli_errorf("%s:%ld: %zu column%s per token; %s", shown(path), crftag_reader_line(r),
                       ncols, ncols == 1 ? "" : "s",
                       t ? "expected the model's input columns and a gold label"
                         : "expected gold and predicted labels in the last two columns");
            status = -1;
            break;
        }
        if (n > cap) {
            cap = n * 2;
            const char **g2 = realloc(gold, cap * sizeof *g2);
            if (g2)
                gold = g2;
            const char **p2 = realloc(pred, cap * sizeof *p2);
            if (p2)
                pred = p2;
            uint32_t *i2 = realloc(ids, cap * sizeof *i2);
            if (i2)
                ids = i2;
            if (!g2 || !p2 || !i2) {
                cli_errorf("out of memory");
                status = -1;
                break;
            }
        }
        for (size_t i = 0; i < n; i++) {
            gold[i] = cols[i * ncols + (t ? ncols - 1 : ncols - 2)];
            if (!t)
                pred[i] = cols[i * ncols + ncols - 1];
        }
        if (t) {
            st = crftag_tagger_tag(t, cols, n, ncols, ids, NULL, &err);
            if (st != CRFTAG_OK) {
                cli_error(&err, st);
                status = -1;
                break;
            }
            if (mem) {
                if (crftag_reader_doc_start(r))      /* -DOCSTART-: a new document */
                    crftag_memory_clear(mem);
                for (size_t i = 0; i < n; i++)
                    pred[i] = cols[i * ncols];       /* the tokens */
                if (crftag_memory_apply(mem, pred, NULL, n, ids, NULL) != CRFTAG_OK) {
                    cli_errorf("out of memory");
                    status = -1;
                    break;
                }
            }
            for (size_t i = 0; i < n; i++)
                pred[i] = crftag_model_label(m, ids[i]);
        }
        if (crftag_eval_add(ev, gold, pred, n) != CRFTAG_OK) {
            cli_errorf("out of memory");
            status = -1;
            break;
        }
        *ntok += n;
    }
    if (rc < 0) {
        cli_error(&err, (enum crftag_status)rc);
        status = -1;
    }
    free(gold);
    free(pred);
    free(ids);
    crftag_reader_close(r);
    return status;
}

int cmd_eval(int argc, char **argv)
{
    struct eval_opts o = {0};
    int npos = 0;
    const char *usage = "(-m MODEL | --pred) [options] FILE...";
    int rc = opts_parse(eval_table, &o, argc, argv, "eval", usage, &npos);
    if (rc)
        return rc > 0 ? CLI_OK : CLI_USAGE;
    if (!o.model == !o.pred) {
        cli_errorf("eval: give either -m MODEL or --pred (usage: crftag eval %s)", usage);
        return CLI_USAGE;
    }
    if (npos == 0) {
        cli_errorf("eval: no file given (usage: crftag eval %s)", usage);
        return CLI_USAGE;
    }
    int informat = cli_input_format("eval", o.input_format, NULL);
    if (informat < 0)
        return CLI_USAGE;
    struct crftag_model *m = NULL;
    struct crftag_tagger *t = NULL;
    struct crftag_eval *ev = NULL;
    struct crftag_memory *mem = NULL;
    struct crftag_error err;
    size_t model_cols = 0, ntok = 0;
    int status = CLI_FAIL;
    if (o.model) {
        enum crftag_status st = crftag_model_load(o.model, &m, &err);
        if (st != CRFTAG_OK) {
            cli_error(&err, st);
            return CLI_FAIL;
        }
        struct crftag_model_info info;
        crftag_model_get_info(m, &info);
        model_cols = info.num_columns;
        if (strcmp(info.features, "attributes") == 0)
            informat = CRFTAG_INPUT_CRFSUITE;
        if (crftag_tagger_new(m, &t) != CRFTAG_OK) {
            cli_errorf("out of memory");
            goto out;
        }
        crftag_tagger_set_constrained(t, !o.no_constraint);
        if (o.bias) {
            struct crftag_error berr;
            if (crftag_tagger_set_bias(t, o.bias, &berr) != CRFTAG_OK) {
                cli_errorf("eval: --bias: %s", berr.msg);
                status = CLI_USAGE;
                goto out;
            }
        }
        /* attribute strings have no tokens to remember */
        size_t window = 0;
        if (informat != CRFTAG_INPUT_CRFSUITE &&
            cli_memory_window("eval", o.memory, m, &window)) {
            status = CLI_USAGE;
            goto out;
        }
        if (cli_memory_new(m, window, &mem))
            goto out;
    }
    if (crftag_eval_new(&ev) != CRFTAG_OK) {
        cli_errorf("out of memory");
        goto out;
    }
    double t0 = now();
    for (int i = 1; i <= npos; i++)
        if (eval_file(argv[i], informat, ev, t, m, model_cols, mem, &ntok))
            goto out;
    double secs = now() - t0;
    char *report = NULL;
    if (crftag_eval_report(ev, &report) != CRFTAG_OK) {
        cli_errorf("out of memory");
        goto out;
    }
    fputs(report, stdout);
    free(report);
    if (fflush(stdout) != 0) {
        cli_errorf("writing output failed");
        goto out;
    }
    if (t && !o.quiet)
        fprintf(stderr, "crftag: tagged %zu tokens in %.2f s (%.0f tokens/s, reading included)\n",
                ntok, secs, secs > 0 ? (double)ntok / secs : 0.0);
    status = CLI_OK;
out:
    crftag_eval_free(ev);
    crftag_memory_free(mem);
    crftag_tagger_free(t);
    crftag_model_free(m);
    return status;
}
