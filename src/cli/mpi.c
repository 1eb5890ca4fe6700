/*
 * mpi.c - the collectives of data-parallel training over MPI, for
 * crftag-mpi (`make mpi`; the plain crftag links dist_none.c instead).
 *
 * The library links no MPI: crftag_train_params.comm carries these
 * callbacks, which wrap MPI_Allreduce and MPI_Bcast on MPI_COMM_WORLD (in
 * pieces of at most INT_MAX elements).  Each call is timed and its bytes
 * counted, for the report at the end of training (cli_dist_report).  Any
 * MPI error aborts the job (MPI_ERRORS_ARE_FATAL, the default), so a rank
 * that dies or fails takes the others down instead of leaving them waiting.
 */
#include <limits.h>
#include <mpi.h>
#include <stdint.h>
#include <stdio.h>

#include "cli.h"

static struct crftag_comm comm;
static struct {
    double seconds;          /* inside the collectives */
    unsigned long calls;
    uint64_t bytes;          /* this rank's buffers passed to them */
    unsigned long sums;      /* gradient sums: allreduce of doubles */
    uint64_t sum_bytes;      /* bytes of the last one */
} stats;

static int mpi_allreduce(void *buf, size_t count, enum crftag_comm_type type,
                         enum crftag_comm_op op, void *user)
{
    (void)user;
    MPI_Datatype dt = type == CRFTAG_COMM_DOUBLE ? MPI_DOUBLE : MPI_UINT64_T;
    MPI_Op mop = op == CRFTAG_COMM_SUM ? MPI_SUM : op == CRFTAG_COMM_MAX ? MPI_MAX : MPI_BOR;
    size_t elem = type == CRFTAG_COMM_DOUBLE ? sizeof(double) : sizeof(uint64_t);
    if (op == CRFTAG_COMM_BOR && type != CRFTAG_COMM_UINT64)
        return -1;
    double t0 = MPI_Wtime();
    for (size_t i = 0; i < count; i += INT_MAX) {
        size_t k = count - i < INT_MAX ? count - i : INT_MAX;
        if (MPI_Allreduce(MPI_IN_PLACE, (char *)buf + i * elem, (int)k, dt, mop,
                          MPI_COMM_WORLD) != MPI_SUCCESS)
            return -1;
    }
    stats.seconds += MPI_Wtime() - t0;
    stats.calls++;
    stats.bytes += count * elem;
    if (type == CRFTAG_COMM_DOUBLE && count > 1) {
        stats.sums++;
        stats.sum_bytes = count * elem;
    }
    return 0;
}

static int mpi_bcast(void *buf, size_t len, int root, void *user)
{
    (void)user;
    double t0 = MPI_Wtime();
    for (size_t i = 0; i < len; i += INT_MAX) {
        size_t k = len - i < INT_MAX ? len - i : INT_MAX;
        if (MPI_Bcast((char *)buf + i, (int)k, MPI_BYTE, root, MPI_COMM_WORLD) != MPI_SUCCESS)
            return -1;
    }
    stats.seconds += MPI_Wtime() - t0;
    stats.calls++;
    stats.bytes += len;
    return 0;
}

void cli_dist_init(int *argc, char ***argv)
{
    MPI_Init(argc, argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &comm.rank);
    MPI_Comm_size(MPI_COMM_WORLD, &comm.size);
    comm.allreduce = mpi_allreduce;
    comm.bcast = mpi_bcast;
}

void cli_dist_finish(void)
{
    MPI_Finalize();
}

int cli_dist_rank(void)
{
    return comm.rank;
}

int cli_dist_size(void)
{
    return comm.size;
}

const struct crftag_comm *cli_dist_comm(void)
{
    return &comm;
}

int cli_dist_any(int flag)
{
    int v = flag != 0, any = 0;
    MPI_Allreduce(&v, &any, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
    return any;
}

void cli_dist_abort(int code)
{
    fflush(stderr);
    MPI_Abort(MPI_COMM_WORLD, code);
}

void cli_dist_report(double train_seconds)
{
    double v[2] = { stats.seconds, train_seconds }, most[2];
    MPI_Reduce(v, most, 2, MPI_DOUBLE, MPI_MAX, 0, MPI_COMM_WORLD);
    if (comm.rank != 0)
        return;
    fprintf(stderr,
            "crftag: %d ranks; %lu gradient sums (allreduce) of %llu bytes each; "
            "rank 0: %lu collectives, %llu bytes, %.2f s of %.2f s in them (%.1f %%); "
            "the most over the ranks: %.2f s\n",
            comm.size, stats.sums, (unsigned long long)stats.sum_bytes, stats.calls,
            (unsigned long long)stats.bytes, stats.seconds, train_seconds,
            train_seconds > 0 ? 100.0 * stats.seconds / train_seconds : 0.0, most[0]);
}
