/*
 * dist_none.c - the crftag program without MPI: one process, no
 * collectives (the MPI build, crftag-mpi, links mpi.c instead).
 */
#include "cli.h"

void cli_dist_init(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
}

void cli_dist_finish(void)
{
}

int cli_dist_rank(void)
{
    return 0;
}

int cli_dist_size(void)
{
    return 1;
}

const struct crftag_comm *cli_dist_comm(void)
{
    return NULL;
}

int cli_dist_any(int flag)
{
    return flag != 0;
}

void cli_dist_abort(int code)
{
    (void)code;
}

void cli_dist_report(double train_seconds)
{
    (void)train_seconds;
}
