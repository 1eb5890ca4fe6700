/*
 * main.c - the crftag command: subcommand dispatch.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
    (void)sig;
    interrupted = 1;
}

void cli_catch_interrupts(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

int cli_interrupted(void)
{
    return interrupted != 0;
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
    {"clusters", cmd_clusters, "learn word clusters from text (for train --clusters)"},
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
