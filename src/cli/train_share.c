/*
 * train_share.c - each rank's share of the training files, for
 * data-parallel training (crftag-mpi; see docs/SCALING.md).
 *
 * The ranks hold contiguous blocks of the sentences in the order one process
 * reads them (the files in command-line order), rank 0 the first block:
 *
 *   as many files as ranks or more: every file is read by one rank only, the
 *     files cut into contiguous runs of about equal bytes (on disk: a .gz
 *     file counts its compressed size);
 *   fewer files than ranks: every rank reads all the files twice, first
 *     counting their sentences, then keeping its block of them (rank r of R:
 *     sentences S*r/R .. S*(r+1)/R - 1 of S).  gzip input cannot be split by
 *     byte ranges, so this split is by sentence index while streaming; only
 *     the rank's own sentences are kept in memory.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"

/* The rank that reads file i of n (file sizes size[n], total bytes tot). */
static int share_owner(const uint64_t *size, int i, int n, uint64_t tot, int ranks)
{
    if (tot == 0)
        return (int)((long long)i * ranks / n);
    uint64_t before = 0;
    for (int k = 0; k < i; k++)
        before += size[k];
    /* the middle of the file: a large file leaves no rank without work */
    long double mid = (long double)before + (long double)size[i] / 2;
    int r = (int)(mid * ranks / (long double)tot);
    return r < ranks ? r : ranks - 1;
}

/* Every file with one rank; returns 1 when this rank failed. */
static int share_files(struct crftag_corpus *c, char **argv, int n, int rank, int ranks)
{
    uint64_t *size = calloc((size_t)n, sizeof *size), tot = 0;
    if (!size) {
        cli_errorf("out of memory");
        return 1;
    }
    for (int i = 0; i < n; i++) {
        struct stat st;
        size[i] = stat(argv[i], &st) == 0 ? (uint64_t)st.st_size : 0;
        tot += size[i];
    }
    int failed = 0;
    for (int i = 0; i < n && !failed; i++) {
        if (share_owner(size, i, n, tot, ranks) != rank)
            continue;
        struct crftag_error err;
        enum crftag_status st = crftag_corpus_read(c, argv[i], &err);
        if (st != CRFTAG_OK) {
            cli_error(&err, st);
            failed = 1;
        }
    }
    free(size);
    return failed;
}

/* Fewer files than ranks: a block of the sentences; 1 when this rank failed
 * (every rank meets an error of the counting pass: rank 0 prints it). */
static int share_sentences(struct crftag_corpus *c, char **argv, int n, int rank, int ranks)
{
    size_t *count = calloc((size_t)n, sizeof *count), total = 0;
    struct crftag_corpus *none = NULL;
    struct crftag_error err;
    int failed = !count || crftag_corpus_new(&none) != CRFTAG_OK;
    if (failed)
        cli_errorf("out of memory");
    for (int i = 0; i < n && !failed; i++) {
        enum crftag_status st = crftag_corpus_read_part(none, argv[i], SIZE_MAX, 0, &count[i],
                                                        &err);
        if (st != CRFTAG_OK) {
            if (rank == 0)
                cli_error(&err, st);
            failed = 1;
        }
        total += count[i];
    }
    crftag_corpus_free(none);
    size_t lo = (size_t)((unsigned long long)total * (unsigned)rank / (unsigned)ranks);
    size_t hi = (size_t)((unsigned long long)total * (unsigned)(rank + 1) / (unsigned)ranks);
    size_t f0 = 0;
    for (int i = 0; i < n && !failed; f0 += count[i], i++) {
        size_t a = lo > f0 ? lo : f0, b = hi < f0 + count[i] ? hi : f0 + count[i];
        if (a >= b)
            continue;
        enum crftag_status st = crftag_corpus_read_part(c, argv[i], a - f0, b - a, NULL, &err);
        if (st != CRFTAG_OK) {
            cli_error(&err, st);
            failed = 1;
        }
    }
    free(count);
    return failed;
}

int cli_read_share(struct crftag_corpus *c, char **argv, int n, int quiet)
{
    int rank = cli_dist_rank(), ranks = cli_dist_size();
    int failed = n >= ranks ? share_files(c, argv, n, rank, ranks)
                            : share_sentences(c, argv, n, rank, ranks);
    if (cli_dist_any(failed))
        return -1;
    size_t ns, nt;
    crftag_corpus_size(c, &ns, &nt);
    uint64_t v[2] = { ns, nt };
    const struct crftag_comm *comm = cli_dist_comm();
    if (comm && comm->allreduce(v, 2, CRFTAG_COMM_UINT64, CRFTAG_COMM_SUM, comm->user))
        return -1;
    if (!quiet && rank == 0)
        fprintf(stderr, "crftag: read %llu sentences, %llu tokens from %d file%s on %d rank%s "
                        "(%s)\n", (unsigned long long)v[0], (unsigned long long)v[1], n,
                n == 1 ? "" : "s", ranks, ranks == 1 ? "" : "s",
                n >= ranks ? "each file read by one rank" : "each rank keeps a block of the "
                                                            "sentences");
    return 0;
}
