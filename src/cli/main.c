/*
 * main.c - the crftag command: subcommand dispatch.
 */
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

static atomic_int interrupted;               /* signals received, at most 2 */
static volatile sig_atomic_t last_signal;
static const char *interrupt_note;          /* said on the first signal */
static const char *abort_note;              /* said on the second, which then exits */

static void on_signal(int sig)
{
    last_signal = sig;
    /* training threads can take a signal each at the same time (the mask
     * below holds a second one back only on the thread handling the first):
     * the count is one atomic step, so each signal gets its own number.  A
     * lock-free atomic is async-signal-safe, as are write(2) and _exit(2);
     * stdio and exit(3) are not. */
    int n = atomic_fetch_add(&interrupted, 1) + 1;
    if (n > 2) {
        atomic_store(&interrupted, 2);
        n = 2;
    }
    const char *note = n == 1 ? interrupt_note : abort_note;
    if (note) {
        ssize_t r = write(STDERR_FILENO, note, strlen(note));
        (void)r;
    }
    if (n == 2 && abort_note)
        _exit(128 + sig);
}

void cli_catch_interrupts(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    /* on one thread, one handler at a time: a second signal waits until the
     * first one's note is written */
    sigemptyset(&sa.sa_mask);
    sigaddset(&sa.sa_mask, SIGINT);
    sigaddset(&sa.sa_mask, SIGTERM);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

void cli_catch_interrupts_note(const char *note, const char *abort_now)
{
    interrupt_note = note;
    abort_note = abort_now;
    cli_catch_interrupts();
}

void cli_hold_interrupts(int hold)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigprocmask(hold ? SIG_BLOCK : SIG_UNBLOCK, &set, NULL);
}

int cli_interrupted(void)
{
    return interrupted;
}

int cli_interrupt_status(void)
{
    return last_signal == SIGTERM ? 128 + SIGTERM : CLI_INTERRUPTED;
}

static const struct {
    const char *name;
    int (*fn)(int argc, char **argv);
    const char *help;
} commands[] = {
    {"train", cmd_train, "train a model from annotated files"},
    {"tag", cmd_tag, "tag raw text or tokenized files with a model"},
    {"eval", cmd_eval, "score a model on an annotated file (conlleval figures)"},
    {"info", cmd_info, "show what a model file holds"},
    {"convert", cmd_convert, "write a model (crftag's older formats, CRFsuite's) in this format"},
    {"clusters", cmd_clusters, "learn word clusters from text (for train --clusters)"},
    {"dump", cmd_dump, "show a model's transitions and strongest features"},
    {"explain", cmd_explain, "tag text and show the features behind each label"},
};

static void usage(FILE *f)
{
    fprintf(f, "usage: crftag COMMAND [options] [FILE...]\n\n"
               "crftag %s, a linear-chain CRF sequence tagger.\n\ncommands:\n",
            crftag_version());
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(f, "  %-8s %s\n", commands[i].name, commands[i].help);
    fprintf(f, "\n'crftag COMMAND --help' shows the options of a command.\n");
}

static int run(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return CLI_USAGE;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
        usage(stdout);
        return CLI_OK;
    }
    if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "version") == 0) {
        printf("crftag %s (model format %d)\n", crftag_version(), CRFTAG_MODEL_FORMAT_VERSION);
        return CLI_OK;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(cmd, commands[i].name) == 0)
            return commands[i].fn(argc - 1, argv + 1);
    fprintf(stderr, "crftag: unknown command '%s'\n", cmd);
    usage(stderr);
    return CLI_USAGE;
}

int main(int argc, char **argv)
{
    cli_dist_init(&argc, &argv);     /* crftag-mpi: MPI_Init */
    int rc = run(argc, argv);
    cli_dist_finish();
    return rc;
}
