/*
 * cli.h - the crftag command: shared declarations of the subcommands.
 *
 * The CLI is a client of include/crftag.h only; all printing, exit codes and
 * signal handling live in src/cli/.
 */
#ifndef CRFTAG_CLI_H
#define CRFTAG_CLI_H

#include <stddef.h>
#include <stdio.h>
#include "crftag.h"

/* Exit codes */
#define CLI_OK 0
#define CLI_FAIL 1        /* bad input, bad model, I/O error */
#define CLI_USAGE 2       /* bad command line */
#define CLI_INTERRUPTED 130

/* The word clusters shipped with crftag (models/, installed into
 * $PREFIX/share/crftag/): the built-in features of `crftag train` use them
 * unless told otherwise (cmd_train.c). */
#define CLI_CLUSTERS_NAME "clusters-en.txt.gz"

int cmd_train(int argc, char **argv);
int cmd_tag(int argc, char **argv);
int cmd_eval(int argc, char **argv);
int cmd_info(int argc, char **argv);
int cmd_convert(int argc, char **argv);
int cmd_clusters(int argc, char **argv);
int cmd_dump(int argc, char **argv);
int cmd_explain(int argc, char **argv);

/* Prints "crftag: FILE:LINE: message" (or without FILE/LINE) to stderr. */
void cli_error(const struct crftag_error *err, enum crftag_status st);

/* The model file at path (crftag_model_load), or NULL after printing why not. */
struct crftag_model *cli_model_load(const char *path);
void cli_errorf(const char *fmt, ...)
#if defined(__GNUC__) || defined(__clang__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;

/* From now on this thread's cli_error and cli_errorf hand their message
 * (without "crftag: " and the newline) to fn(user, msg) instead of writing
 * it; fn NULL restores stderr.  Threads that write their output to a buffer
 * keep each message at its place in it (tag_mt.c). */
void cli_error_hook(void (*fn)(void *user, const char *msg), void *user);

/* The enum crftag_input_format named by an --input-format value s (NULL,
 * "auto", "conll" or "columns", "crfsuite"), or -1 after an error message
 * ("CMD: --input-format: expected auto, conll, crfsuite" + extra). */
int cli_input_format(const char *cmd, const char *s, const char *extra);

/* The document memory's window for model m and CMD's --memory value s
 * (NULL: the model's; "N": N sentences, 0 none) into *out_window: 0, or -1
 * after an error message. */
int cli_memory_window(const char *cmd, const char *s, const struct crftag_model *m,
                      size_t *out_window);

/* A memory of window sentences with m's flags into *out (NULL for window
 * 0): 0, or -1 after an error message. */
int cli_memory_new(const struct crftag_model *m, size_t window, struct crftag_memory **out);

/* ---- table-driven options (opts.c) ---- */

enum opt_type { OPT_FLAG, OPT_INT, OPT_UINT, OPT_DOUBLE, OPT_STRING, OPT_LIST };

/* OPT_LIST: a repeatable string option, each value appended (pointers into
 * argv, no allocation). */
#define OPT_LIST_MAX 64
struct opt_list {
    const char *v[OPT_LIST_MAX];
    size_t n;
};

struct opt {
    const char *name;      /* long name without "--" */
    char short_name;       /* 0 = none */
    enum opt_type type;
    size_t offset;         /* offsetof the field in the options struct */
    const char *arg;       /* argument name shown in help, NULL for flags */
    const char *help;
};

/* Parses argv[1..argc) into dst by table (terminated by a {NULL} entry), as
 * getopt_long does: "--name VALUE", "--name=VALUE", "-x VALUE", "-xVALUE",
 * bundled short flags ("-qo FILE", "-qj2"); options may follow positional
 * arguments.  Long options are never abbreviated ("--thread" is refused,
 * naming --threads), so a new option cannot change what a script means.
 * An empty string value is refused.  Positional arguments are compacted
 * into argv[1..*npos] order kept.  "-" alone is positional; "--" ends
 * options.  Returns 0, or prints an error naming cmd and the option and
 * returns -1.  "--help" / "-h" prints usage and returns 1. */
int opts_parse(const struct opt *table, void *dst, int argc, char **argv, const char *cmd,
               const char *usage, int *npos);

/* Prints the usage and the options of table, each with its default: the
 * value of its field in dst (the options struct before parsing). */
void opts_usage(FILE *f, const struct opt *table, const void *dst, const char *cmd,
                const char *usage);

/* From now on SIGINT and SIGTERM only set a flag, which cli_interrupted()
 * reads: long library calls poll it from their progress callbacks and stop
 * cleanly (nothing half-written). */
void cli_catch_interrupts(void);
int cli_interrupted(void);   /* signals received so far: 0, 1, or 2 (two or more) */

/* The same, writing note to stderr when the first signal arrives; with
 * abort_now not NULL, the second signal writes it and ends the process at
 * once (_exit, status 128 + the signal), so that aborting never waits for
 * a long computation.  The notes must stay valid. */
void cli_catch_interrupts_note(const char *note, const char *abort_now);

/* Holds (hold = 1) or releases SIGINT and SIGTERM: held while a file is
 * written, so that an abort never leaves a temporary file behind. */
void cli_hold_interrupts(int hold);

/* The exit status after an interruption: 128 + the signal, as shells give
 * (130 for SIGINT, 143 for SIGTERM). */
int cli_interrupt_status(void);

/* ---- data-parallel training: dist_none.c, or mpi.c in crftag-mpi ---- */

/* Start and end of the program (MPI_Init, MPI_Finalize). */
void cli_dist_init(int *argc, char ***argv);
void cli_dist_finish(void);
/* This process and the number of processes (0 and 1 without MPI). */
int cli_dist_rank(void);
int cli_dist_size(void);
/* The collectives for crftag_train_params.comm; NULL without MPI. */
const struct crftag_comm *cli_dist_comm(void);
/* Collective: 1 when flag is non-zero on any rank. */
int cli_dist_any(int flag);
/* Ends every rank of the job with status code (MPI_Abort). */
void cli_dist_abort(int code);
/* Prints what the collectives cost on this rank (rank 0: and the most over
 * the ranks): calls, bytes, seconds, against the seconds of training. */
void cli_dist_report(double train_seconds);

/* Reads this rank's share of the training files argv[0..n) into c
 * (train_share.c; informat: enum crftag_input_format): every file with one
 * rank; one plain file, a range of its bytes cut at sentence starts; fewer
 * files than ranks otherwise, a block of the sentences.  Collective; 0, or
 * -1 after an error message (on every rank, printed by the rank that met
 * it). */
int cli_read_share(struct crftag_corpus *c, char **argv, int n, int informat, int quiet);

/* Reads a whole (small) file, gzip or plain, into a NUL-terminated malloc'd
 * string; prints the error and returns NULL on failure. */
char *cli_read_file(const char *path, size_t *len);

/* ---- checks before any file is read (check.c) ---- */

/* 1 when a and b name the same existing file (st_dev and st_ino, so "./x",
 * "x" and hard links match); "-" matches nothing. */
int cli_same_file(const char *a, const char *b);

/* Refuses (message naming opt, -1) an output that is one of inputs[0..n). */
int cli_check_output(const char *cmd, const char *opt, const char *output,
                     const char *const *inputs, size_t n);

/* Checks the training options in p before anything is read: values in
 * range, --dev-patience with --dev (dev != 0), no --clusters or --lexicon
 * with a template (template != 0), a well-formed --bias.  Returns 0, or -1
 * after a message naming the option. */
int cli_check_train(const char *cmd, const struct crftag_train_params *p, int dev,
                    int template);

/* ---- shipped files (paths.c) ---- */

/* The model `crftag tag` uses without -m (the shipped WikiSER model). */
#define CLI_MODEL_NAME "wikiser.crftag"

/* The path of a file shipped with crftag: $env when set (empty: none), else
 * name in ../share/crftag/ (installed) or ../models/ (the source tree)
 * beside the program's directory; NULL when none is there.  buf holds the
 * path. */
const char *cli_shipped_file(const char *name, const char *env, char *buf, size_t len);

/* The default model ($CRFTAG_MODEL, else CLI_MODEL_NAME as above), or NULL
 * after a message naming cmd. */
const char *cli_default_model(char *buf, size_t len, const char *cmd);

#endif
