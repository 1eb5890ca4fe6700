/*
 * cmd_train.c - `crftag train -o MODEL [options] FILE...`
 *
 * Reads the annotated files, trains, and writes the model atomically.  Ctrl-C
 * (SIGINT) or SIGTERM cancels training through the progress callback; the
 * previous model file, if any, is left untouched.
 */
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

#define LEXICON_FOLDS_UNSET INT_MIN   /* --lexicon-folds not given (cmd_train) */

/* The options: training parameters are parsed straight into p. */
struct train_opts {
    struct crftag_train_params p;
    const char *output;
    const char *template_path;
    const char *dev;
    const char *trace_path;
    FILE *trace;
    int quiet;
    int no_constraint;
    int no_lexicon;
    int no_clusters;
    struct opt_list lexicons;
    const char *init;
    int keep_names;
    int no_keep_names;
    const char *input_format;
    int informat;                /* enum crftag_input_format of input_format */
    int phase;                   /* crftag_progress.phase of the last line, -1 before */
    int bias_shown;              /* the held-out scores of --bias auto were printed */
    const char *memory;          /* --memory: auto or N */
    int abbreviations;           /* --abbreviations (with --memory N) */
};

static const struct opt train_table[] = {
    {"output", 'o', OPT_STRING, offsetof(struct train_opts, output), "MODEL",
     "write the model to MODEL (required; written atomically)"},
    {"input-format", 0, OPT_STRING, offsetof(struct train_opts, input_format), "FMT",
     "auto (default: detected), conll (WikiSER or columns) or crfsuite (LABEL<TAB>ATTR...)"},
    {"template", 't', OPT_STRING, offsetof(struct train_opts, template_path), "FILE",
     "CRF++ feature template (default: built-in NER features)"},
    {"dev", 'd', OPT_STRING, offsetof(struct train_opts, dev), "FILE",
     "report entity F1 (plain tags: token accuracy) on this annotated file after each iteration"},
    {"dev-patience", 0, OPT_INT, offsetof(struct train_opts, p.dev_patience), "N",
     "with --dev: stop when the dev F1 (accuracy) has not improved for N iterations, keep the best"},
    {"c1", 0, OPT_DOUBLE, offsetof(struct train_opts, p.c1), "X", "L1 coefficient, OWL-QN (0: off) (default: 0.1 with --template, else 0)"},
    {"c2", 0, OPT_DOUBLE, offsetof(struct train_opts, p.c2), "X", "L2 coefficient: adds X |w|^2 to the loss, as CRFsuite (default: 0.05 with --template, else 1)"},
    {"max-iter", 'i', OPT_INT, offsetof(struct train_opts, p.max_iter), "N",
     "at most N L-BFGS iterations"},
    {"delta", 0, OPT_DOUBLE, offsetof(struct train_opts, p.delta), "X",
     "stop when the objective improves less than X (relative) ... (default: 1e-3 with --template, else 1e-5)"},
    {"period", 0, OPT_INT, offsetof(struct train_opts, p.period), "N",
     "... over N iterations (0 turns the test off)"},
    {"epsilon", 0, OPT_DOUBLE, offsetof(struct train_opts, p.epsilon), "X",
     "stop when |grad| / max(1, |w|) < X"},
    {"threads", 'j', OPT_INT, offsetof(struct train_opts, p.threads), "N",
     "training threads (0 = all cores)"},
    {"min-freq", 0, OPT_UINT, offsetof(struct train_opts, p.min_freq), "N",
     "drop attributes seen fewer than N times"},
    {"all-labels", 0, OPT_UINT, offsetof(struct train_opts, p.all_labels), "N",
     "attributes seen N or more times get a weight for every label (0: off) (default: 10 with "
     "--template and --c1 > 0 when under half the tokens are labelled O, as chunks and "
     "part-of-speech tags, else 0)"},
    {"no-constraint", 0, OPT_FLAG, offsetof(struct train_opts, no_constraint), NULL,
     "do not restrict decoding to valid BIO sequences"},
    {"no-lexicon", 0, OPT_FLAG, offsetof(struct train_opts, no_lexicon), NULL,
     "built-in features without the entity lexicon of the training labels"},
    {"bias", 0, OPT_STRING, offsetof(struct train_opts, p.bias), "SPEC",
     "label bias stored in the model: X or TYPE=X,... added to entity label scores when decoding; "
     "auto: chosen on a held-out tenth of the training data; 0: none"},
    {"memory", 0, OPT_STRING, offsetof(struct train_opts, memory), "N",
     "document memory stored in the model: entities found in the last N sentences label "
     "their later mentions; auto (default, with --bias auto): 10 when it raises the held-out "
     "F1 (with abbreviations defined in a sentence when that raises it more), else none; 0: none"},
    {"abbreviations", 0, OPT_FLAG, offsetof(struct train_opts, abbreviations), NULL,
     "with --memory N: the memory also reads abbreviations defined in a sentence: in "
     "\"X ( A )\", A is an entity of the type of the entity X"},
    {"clusters", 0, OPT_STRING, offsetof(struct train_opts, p.clusters), "FILE",
     "word clusters (crftag clusters) as features; stored in the model (default: the "
     "shipped " CLI_CLUSTERS_NAME ", see crftag(1))"},
    {"no-clusters", 0, OPT_FLAG, offsetof(struct train_opts, no_clusters), NULL,
     "built-in features without word clusters"},
    {"lexicon", 0, OPT_LIST, offsetof(struct train_opts, lexicons), "FILE",
     "user lexicon: NAME or NAME<TAB>TYPE a line (repeatable); stored in the model"},
    {"lexicon-folds", 0, OPT_INT, offsetof(struct train_opts, p.lexicon_folds), "N",
     "held-out lexicon folds, 0..64: each training sentence sees the lexicon of the other folds "
     "(0: training sentences see their own entities) (default: 20, or 0 where --bias auto's "
     "held-out sentences score it higher by more than 0.5 F1)"},
    {"init", 0, OPT_STRING, offsetof(struct train_opts, init), "MODEL",
     "continue training from MODEL's weights (same features; --bias auto keeps its bias)"},
    {"keep-names", 0, OPT_FLAG, offsetof(struct train_opts, keep_names), NULL,
     "keep the readable name of every attribute in the model, for crftag dump (a larger model)"},
    {"no-keep-names", 0, OPT_FLAG, offsetof(struct train_opts, no_keep_names), NULL,
     "keep attribute hashes only (the default; crftag dump then shows hashes)"},
    {"quiet", 'q', OPT_FLAG, offsetof(struct train_opts, quiet), NULL, "no progress output"},
    {"trace", 0, OPT_STRING, offsetof(struct train_opts, trace_path), "FILE",
     "write each iteration to FILE: iteration, objective, |g|, active weights, seconds "
     "(TAB-separated, full precision)"},
    {NULL, 0, OPT_FLAG, 0, NULL, NULL},
};

/* --bias auto: the held-out scores of the first training's model with each
 * candidate bias, and the one chosen (crftag_bias_candidate). */
static void print_bias_table(const struct crftag_bias_candidate *bc, size_t n)
{
    size_t best = 0, chosen = 0;
    for (size_t i = 0; i < n; i++) {
        if (bc[i].f1 > bc[best].f1)
            best = i;
        if (bc[i].chosen)
            chosen = i;
    }
    fprintf(stderr, "crftag: label bias: the first training's model on the held-out 10 %% "
                    "(%llu entities):\n", (unsigned long long)bc[0].gold_chunks);
    for (size_t i = 0; i < n; i++)
        fprintf(stderr, "  bias %4g: F1 %5.2f (P %4.1f R %4.1f)\n", bc[i].bias, bc[i].f1,
                bc[i].precision, bc[i].recall);
    if (bc[chosen].f1 >= bc[best].f1)
        fprintf(stderr, "  bias chosen: %g (the best F1)\n", bc[chosen].bias);
    else
        fprintf(stderr, "  bias chosen: %g (the smallest within %g of the best F1, %.2f at "
                        "%g)\n", bc[chosen].bias, CRFTAG_BIAS_MARGIN, bc[best].f1, bc[best].bias);
}

static int progress(const struct crftag_progress *p, void *user)
{
    struct train_opts *o = user;
    if (!o->quiet && p->num_bias_candidates > 0 && !o->bias_shown) {
        print_bias_table(p->bias_candidates, p->num_bias_candidates);
        o->bias_shown = 1;
    }
    if (!o->quiet && p->phase != o->phase) {   /* --bias auto: say which training */
        if (p->phase == 1)
            fprintf(stderr, "crftag: first training, on 90 %% of the sentences, to choose "
                            "the label bias (--bias 0: none)\n");
        else if (p->phase == 2)
            fprintf(stderr, "crftag: the same with the lexicon of the sentences' own "
                            "entities, to compare (--lexicon-folds N: none)\n");
        else if (o->phase >= 1)
            fprintf(stderr, "crftag: training on all the sentences, from the first "
                            "training's weights\n");
    }
    o->phase = p->phase;
    if (o->trace && p->phase == 0) {   /* a line as soon as the iteration ends */
        fprintf(o->trace, "%d\t%.17g\t%.17g\t%zu\t%.3f\n", p->iteration, p->objective,
                p->gnorm, p->active, p->seconds);
        fflush(o->trace);
    }
    if (!o->quiet) {
        if (p->dev_f1 >= 0)
            fprintf(stderr, "iter %4d  objective %14.4f  |g| %11.4e  active %9zu  dev %s %6.2f  %7.1fs\n",
                    p->iteration, p->objective, p->gnorm, p->active,
                    p->dev_plain_tags ? "acc" : "F1", p->dev_f1, p->seconds);
        else
            fprintf(stderr, "iter %4d  objective %14.4f  |g| %11.4e  active %9zu  %7.1fs\n",
                    p->iteration, p->objective, p->gnorm, p->active, p->seconds);
    }
    return cli_interrupted() >= 2;
}

/* crftag_train_params.stop: the first SIGINT / SIGTERM stops training and
 * keeps the weights so far, a second one aborts.  (crftag-mpi: the library
 * combines the ranks' answers, so that all stop at the same iteration when
 * the signal reached one of them only.) */
static int stop_requested(void *user)
{
    (void)user;
    int n = cli_interrupted();
    return n >= 2 ? CRFTAG_STOP_ABORT : n == 1 ? CRFTAG_STOP_KEEP : 0;
}

/* Fails early, before hours of training, when the model's directory cannot
 * be written (the save itself still reports any later failure). */
static int check_output_dir(const char *path)
{
    const char *slash = strrchr(path, '/');
    char dir[4096];
    if (!slash)
        snprintf(dir, sizeof dir, ".");
    else if (slash == path)
        snprintf(dir, sizeof dir, "/");
    else
        snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
    if (access(dir, W_OK | X_OK) != 0) {
        cli_errorf("%s: cannot write the model there: %s", dir, strerror(errno));
        return -1;
    }
    return 0;
}

/* The shipped word clusters for the built-in features: $CRFTAG_CLUSTERS
 * (empty: none), else CLI_CLUSTERS_NAME in ../share/crftag/ (installed) or
 * ../models/ (the source tree) next to the program's directory; NULL when
 * none is there.  buf holds the path. */
static const char *default_clusters(char *buf, size_t len)
{
    return cli_shipped_file(CLI_CLUSTERS_NAME, "CRFTAG_CLUSTERS", buf, len);
}

static int read_corpus(struct crftag_corpus *c, const char *path, int informat)
{
    struct crftag_error err;
    enum crftag_status st = crftag_corpus_read_format(c, path, informat, &err);
    if (st != CRFTAG_OK) {
        cli_error(&err, st);
        return -1;
    }
    return 0;
}

/* Reads the training files argv[1..npos] into a new *c and the --dev file,
 * if any, into a new *dev (then o->p.dev); the caller frees both, also on
 * failure.  Returns 0, or -1 after an error message. */
static int read_corpora(struct train_opts *o, char **argv, int npos, struct crftag_corpus **c,
                        struct crftag_corpus **dev)
{
    if (crftag_corpus_new(c) != CRFTAG_OK) {
        cli_errorf("out of memory");
        return -1;
    }
    if (cli_dist_comm()) {       /* crftag-mpi: this rank's share */
        if (cli_read_share(*c, argv + 1, npos, o->informat, o->quiet))
            return -1;
    } else {
        for (int i = 1; i <= npos; i++)
            if (read_corpus(*c, argv[i], o->informat))
                return -1;
    }
    size_t ns, nt;
    crftag_corpus_size(*c, &ns, &nt);
    int bad = 0;
    if (o->dev && cli_dist_rank() == 0) {    /* progress, scored on rank 0 */
        if (crftag_corpus_new(dev) != CRFTAG_OK || read_corpus(*dev, o->dev, o->informat))
            bad = 1;
        else
            o->p.dev = *dev;
    }
    if (cli_dist_any(bad))       /* crftag-mpi: every rank stops */
        return -1;
    if (!o->quiet && !cli_dist_comm())
        fprintf(stderr, "crftag: read %zu sentences, %zu tokens from %d file%s\n", ns, nt, npos,
                npos == 1 ? "" : "s");
    return 0;
}

/* The last lines of a training: what was trained and written, and the label
 * bias when --bias auto chose it (with its held-out scores when no progress
 * line has shown them: a final training that stopped before its first
 * iteration). */
static void print_summary(const struct crftag_model *m, const char *output, int auto_bias,
                          int init, int bias_shown)
{
    size_t ncand;
    const struct crftag_bias_candidate *bc = crftag_model_bias_candidates(m, &ncand);
    if (ncand > 0 && !bias_shown)
        print_bias_table(bc, ncand);
    struct crftag_model_info info;
    crftag_model_get_info(m, &info);
    fprintf(stderr,
            "crftag: %u iterations in %.1f s (%s); %zu labels, %zu attributes, "
            "%zu features; wrote %s\n",
            info.iterations, info.train_seconds, info.stop_reason, info.num_labels,
            info.num_attributes, info.num_features, output);
    if (auto_bias && !info.plain_tags) {
        double b = 0;
        for (uint32_t y = 0; y < info.num_labels; y++)
            if (crftag_model_label_bias(m, y) != 0)
                b = crftag_model_label_bias(m, y);
        if (init)
            fprintf(stderr, "crftag: label bias %g, kept from the --init model (--bias X: "
                            "another)\n", b);
        else if (ncand > 0)
            fprintf(stderr, "crftag: label bias %g, chosen by a first training on 90 %% of the "
                            "sentences, scored on the other 10 %% (--bias 0: none)\n", b);
        else
            fprintf(stderr, "crftag: label bias %g: --bias auto scored none (it needs 100 "
                            "sentences and entities among the held-out 10 %%)\n", b);
    }
    double f0, f1, f2;
    size_t w = crftag_model_memory(m);
    int abbrev = (crftag_model_memory_flags(m) & CRFTAG_MEMORY_ABBREV) != 0;
    double lf, lo;
    int own;
    if (crftag_model_lexicon_scores(m, &lf, &lo, &own))
        fprintf(stderr, "crftag: entity lexicon: held-out F1 %.2f with %d held-out folds, %.2f "
                        "with the sentences' own entities: %s (--lexicon-folds N: given)\n", lf,
                CRFTAG_LEXICON_FOLDS, lo, own ? "their own" : "folds");
    /* kept at the same F1: it changed no held-out label (train_bias.c) */
    if (crftag_model_memory_scores(m, &f0, &f1, &f2))
        fprintf(stderr, "crftag: document memory: held-out F1 %.2f without, %.2f with %d "
                        "sentences, %.2f with abbreviations too: %s (--memory 0: none)\n", f0,
                f1, CRFTAG_MEMORY_WINDOW, f2,
                !w ? "none" : abbrev ? "kept, with abbreviations" :
                f1 == f0 ? "kept, no held-out name came back to tell" : "kept");
    else if (w)
        fprintf(stderr, "crftag: document memory of %zu sentences%s\n", w,
                abbrev ? ", with abbreviations" : "");
}

/* After the model was written: the summary, or (also with --quiet) that it
 * is the model of an interrupted training.  Returns the exit status. */
static int report_written(const struct crftag_model *m, const struct train_opts *o,
                          int auto_bias, int interrupted)
{
    if (interrupted) {
        struct crftag_model_info info;
        crftag_model_get_info(m, &info);
        cli_errorf("%s; wrote %s", info.stop_reason, o->output);
        return cli_interrupt_status();
    }
    if (!o->quiet)
        print_summary(m, o->output, auto_bias, o->init != NULL, o->bias_shown);
    return CLI_OK;
}

/* Every option checked before any file is read (check.c), and -o MODEL
 * must not be one of the files read. */
static int train_check_args(const struct train_opts *o, char **argv, int npos)
{
    struct crftag_train_params q = o->p;
    q.num_lexicon_files = o->lexicons.n;
    if (q.lexicon_folds == LEXICON_FOLDS_UNSET)      /* not given: a valid default */
        q.lexicon_folds = CRFTAG_LEXICON_FOLDS;
    if (cli_check_train("train", &q, o->dev != NULL, o->template_path != NULL))
        return -1;
    if (o->no_clusters && q.clusters) {
        cli_errorf("train: --clusters and --no-clusters together");
        return -1;
    }
    const char *in[] = { o->dev, o->template_path, o->p.clusters };
    if (cli_check_output("train", "-o", o->output, (const char *const *)argv + 1,
                         (size_t)npos) ||
        cli_check_output("train", "-o", o->output, in, sizeof in / sizeof in[0]) ||
        cli_check_output("train", "-o", o->output, o->lexicons.v, o->lexicons.n))
        return -1;
    return 0;
}

/* --init MODEL: loads it into *init (then o->p.init) and refuses a model
 * whose kind of features differs from what this training uses (the library
 * checks the rest: built-in version, seed, word clusters). */
static int load_init(struct train_opts *o, struct crftag_model **init)
{
    struct crftag_error err;
    enum crftag_status st = crftag_model_load(o->init, init, &err);
    if (st != CRFTAG_OK) {
        cli_error(&err, st);
        return -1;
    }
    struct crftag_model_info in;
    crftag_model_get_info(*init, &in);
    int tpl = strcmp(in.features, "template") == 0;
    if (tpl != (o->p.template_text != NULL) ||
        (tpl && strcmp(in.template_text, o->p.template_text) != 0)) {
        cli_errorf("%s: --init: the model was trained with %s; this training uses %s (same "
                   "features needed)", o->init, tpl ? "a template" : "the built-in features",
                   !o->p.template_text ? "the built-in features"
                   : tpl ? "another template" : "a template");
        return -1;
    }
    if ((in.num_clusters != 0) != (o->p.clusters != NULL)) {
        cli_errorf("%s: --init: the model was trained %s word clusters, this training %s "
                   "(same features needed%s)", o->init, in.num_clusters ? "with" : "without",
                   o->p.clusters ? "has some" : "has none",
                   o->p.clusters ? ": --no-clusters" : ": --clusters FILE, the same file");
        return -1;
    }
    o->p.init = *init;
    return 0;
}

/* crftag-mpi: what data-parallel training does not do (the same verdict on
 * every rank, so each returns without a collective).  1 after a message. */
static int dist_usage(char **argv, int npos)
{
    const char *why = NULL;
    for (int i = 1; i <= npos && !why; i++)
        if (strcmp(argv[i], "-") == 0)
            why = "crftag-mpi reads no training data from stdin (-)";
    if (why && cli_dist_rank() == 0)
        cli_errorf("train: %s", why);
    return why != NULL;
}

/* Closes --trace FILE; status, or CLI_FAIL when the file could not be written. */
static int close_trace(struct train_opts *o, int status)
{
    if (o->trace && fclose(o->trace) != 0 && status == CLI_OK) {
        cli_errorf("%s: %s", o->trace_path, strerror(errno));
        return CLI_FAIL;
    }
    return status;
}

/* Opens --trace FILE on rank 0; -1 after a message. */
static int open_trace(struct train_opts *o)
{
    if (o->trace_path && cli_dist_rank() == 0 && !(o->trace = fopen(o->trace_path, "w"))) {
        cli_errorf("%s: %s", o->trace_path, strerror(errno));
        cli_dist_abort(CLI_FAIL);
        return -1;
    }
    return 0;
}

/* crftag-mpi: the cost of the collectives (every rank takes part). */
static void dist_report(const struct crftag_model *m)
{
    struct crftag_model_info info;
    crftag_model_get_info(m, &info);
    cli_dist_report(info.train_seconds);
}

/* From now on the first SIGINT / SIGTERM stops training, a second aborts
 * (crftag-mpi: rank 0 says so; the others stop, and abort, silently). */
static void catch_signals(const struct train_opts *o)
{
    int say = cli_dist_rank() == 0;
    cli_catch_interrupts_note(say ? "\ncrftag: interrupted: stopping at the end of this "
                                    "iteration and writing the model (again: abort, write "
                                    "nothing)\n" : "",
                              say ? "\ncrftag: training aborted; no model was written\n" : "");
    if (!o->quiet)
        fprintf(stderr, "crftag: training (Ctrl-C: stop and write the model so far; twice: "
                        "abort)\n");
}

int cmd_train(int argc, char **argv)
{
    struct train_opts o = {0};
    crftag_train_params_init(&o.p);
    /* NaN until given (the parser takes finite numbers only), so that a
     * given -1 is refused, not taken for CRFTAG_TRAIN_AUTO; likewise
     * CRFTAG_LEXICON_FOLDS_AUTO, the lexicon folds' */
    o.p.c1 = o.p.c2 = o.p.delta = NAN;
    o.p.lexicon_folds = LEXICON_FOLDS_UNSET;
    const char *usage = "-o MODEL [options] FILE...";
    int npos = 0;
    int rc = opts_parse(train_table, &o, argc, argv, "train", usage, &npos);
    if (rc)
        return rc > 0 ? CLI_OK : CLI_USAGE;
    if (!o.output) {
        cli_errorf("train: no output model given (-o MODEL)");
        return CLI_USAGE;
    }
    if (npos == 0) {
        cli_errorf("train: no training file given (usage: crftag train %s)", usage);
        return CLI_USAGE;
    }
    if (train_check_args(&o, argv, npos) ||
        (o.informat = cli_input_format("train", o.input_format, NULL)) < 0)
        return CLI_USAGE;
    struct crftag_train_params *p = &o.p;
    if (isnan(p->c1))    /* not given: the library's default for the features */
        p->c1 = CRFTAG_TRAIN_AUTO;
    if (isnan(p->c2))
        p->c2 = CRFTAG_TRAIN_AUTO;
    if (isnan(p->delta))
        p->delta = CRFTAG_TRAIN_AUTO;
    if (p->lexicon_folds == LEXICON_FOLDS_UNSET)
        p->lexicon_folds = CRFTAG_LEXICON_FOLDS_AUTO;
    p->bio_constraint = !o.no_constraint;
    p->lexicon = !o.no_lexicon;
    if (o.keep_names && o.no_keep_names) {
        cli_errorf("train: --keep-names and --no-keep-names contradict each other");
        return CLI_USAGE;
    }
    p->keep_names = o.keep_names;
    if (o.memory && strcmp(o.memory, "auto") != 0) {
        char *end;
        errno = 0;
        long v = strtol(o.memory, &end, 10);
        if (end == o.memory || *end || errno || v < 0 || v > 1000) {
            cli_errorf("train: --memory: expected auto or 0..1000 sentences, got '%s'",
                       o.memory);
            return CLI_USAGE;
        }
        p->memory = (int)v;
    }
    if (o.abbreviations) {
        if (p->memory < 1) {
            cli_errorf("train: --abbreviations needs --memory N (N >= 1)");
            return CLI_USAGE;
        }
        p->memory_flags = CRFTAG_MEMORY_ABBREV;
    }
    p->lexicon_files = o.lexicons.v;
    p->num_lexicon_files = o.lexicons.n;
    p->progress = progress;
    p->stop = stop_requested;
    p->user = &o;
    o.phase = -1;
    p->comm = cli_dist_comm();   /* crftag-mpi; NULL in crftag */

    int status = CLI_FAIL;
    char *tpl = NULL;
    struct crftag_corpus *c = NULL, *dev = NULL;
    struct crftag_model *m = NULL, *init = NULL;
    struct crftag_error err;
    int quiet = o.quiet;
    if (cli_dist_comm() && dist_usage(argv, npos))
        return CLI_USAGE;
    o.quiet |= cli_dist_rank() > 0;  /* rank 0 reports */
    if (cli_dist_any(cli_dist_rank() == 0 && check_output_dir(o.output)))
        goto out;
    if (o.template_path) {
        tpl = cli_read_file(o.template_path, NULL);
        if (!tpl)
            goto out;
        p->template_text = tpl;
        p->template_name = o.template_path;
    }
    char clpath[4200];
    if (o.no_clusters && p->clusters) {
        cli_errorf("train: --clusters and --no-clusters together");
        status = CLI_USAGE;
        goto out;
    }
    if (read_corpora(&o, argv, npos, &c, &dev))
        goto out;
    /* the shipped word clusters, for the built-in features (not attribute strings) */
    if (!o.template_path && !o.no_clusters && !p->clusters &&
        !cli_dist_any(crftag_corpus_attrs(c))) {     /* crftag-mpi: a share may be empty */
        p->clusters = default_clusters(clpath, sizeof clpath);
        if (p->clusters && !o.quiet)
            fprintf(stderr, "crftag: word clusters from %s (--no-clusters: none)\n", p->clusters);
        else if (!p->clusters && !getenv("CRFTAG_CLUSTERS"))
            fprintf(stderr, "crftag: warning: training without word clusters: "
                    CLI_CLUSTERS_NAME " is neither in ../share/crftag/ nor in ../models/ beside "
                    "the crftag program (models then find fewer unseen words; --clusters FILE "
                    "gives them, --no-clusters or CRFTAG_CLUSTERS= silences this)\n");
    }
    if ((o.init && load_init(&o, &init)) || open_trace(&o))
        goto out;

    catch_signals(&o);

    int auto_bias = p->bias && strcmp(p->bias, CRFTAG_BIAS_AUTO) == 0;
    /* the library frees the corpus once the training data are built */
    enum crftag_status st = crftag_train_take(c, p, &m, &err);
    c = NULL;
    if (st == CRFTAG_ERR_CANCELED || (st == CRFTAG_OK && cli_interrupted() >= 2)) {
        if (cli_dist_rank() == 0)
            cli_errorf("training aborted; %s was not written", o.output);
        status = cli_interrupt_status();
        goto out;
    }
    if (st != CRFTAG_OK) {
        cli_error(&err, st);
        cli_dist_abort(CLI_FAIL);    /* the other ranks may wait in a collective */
        goto out;
    }
    crftag_corpus_free(dev);
    dev = NULL;
    /* crftag-mpi: a signal that reached some ranks only counts for all */
    int interrupted = cli_dist_any(cli_interrupted() != 0);
    if (cli_dist_comm() && !quiet)
        dist_report(m);
    if (cli_dist_rank() > 0) {   /* rank 0 writes the model */
        status = interrupted ? cli_interrupt_status() : CLI_OK;
        goto out;
    }
    cli_hold_interrupts(1);      /* a second signal waits for the atomic save */
    st = crftag_model_save(m, o.output, &err);
    cli_catch_interrupts_note(NULL, NULL);   /* written (or not): no abort from here */
    cli_hold_interrupts(0);
    if (st != CRFTAG_OK) {
        cli_error(&err, st);
        goto out;
    }
    status = report_written(m, &o, auto_bias, interrupted);
out:
    crftag_model_free(init);
    status = close_trace(&o, status);
    crftag_model_free(m);
    crftag_corpus_free(c);
    crftag_corpus_free(dev);
    free(tpl);
    return status;
}
