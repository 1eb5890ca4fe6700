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
 *   one plain (uncompressed) file: rank r of R reads bytes B*r/R .. B*(r+1)/R
 *     of B, each end moved forward to the next sentence start (after an
 *     empty line; in WikiSER blocks, a "<s>" line), so that every sentence
 *     is read by one rank, the ranks in file order.  The rank seeks to its
 *     start and passes its bytes to the reader through a pipe; errors name
 *     the file and its line (the lines before the start are counted);
 *   fewer files than ranks otherwise: every rank reads all the files twice,
 *     first counting their sentences, then keeping its block of them (rank r
 *     of R: sentences S*r/R .. S*(r+1)/R - 1 of S).  gzip input cannot be
 *     split by byte ranges, so this split is by sentence index while
 *     streaming; only the rank's own sentences are kept in memory.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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
static int share_files(struct crftag_corpus *c, char **argv, int n, int informat, int rank,
                       int ranks)
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
        enum crftag_status st = crftag_corpus_read_format(c, argv[i], informat, &err);
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
static int share_sentences(struct crftag_corpus *c, char **argv, int n, int informat, int rank,
                           int ranks)
{
    size_t *count = calloc((size_t)n, sizeof *count), total = 0;
    struct crftag_corpus *none = NULL;
    struct crftag_error err;
    int failed = !count || crftag_corpus_new(&none) != CRFTAG_OK;
    if (failed)
        cli_errorf("out of memory");
    for (int i = 0; i < n && !failed; i++) {
        enum crftag_status st = crftag_corpus_read_part_format(none, argv[i], informat, SIZE_MAX, 0,
                                                               &count[i], &err);
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
        enum crftag_status st = crftag_corpus_read_part_format(c, argv[i], informat, a - f0, b - a,
                                                               NULL, &err);
        if (st != CRFTAG_OK) {
            cli_error(&err, st);
            failed = 1;
        }
    }
    free(count);
    return failed;
}

/* ---- one plain file, by byte ranges ------------------------------------ */

/* 1 when path is a regular file that is not gzip (by name or magic); *size
 * gets its size and *wikiser whether its first non-empty line is "<s>". */
static int share_plain(const char *path, uint64_t *size, int *wikiser)
{
    struct stat st;
    size_t len = strlen(path);
    if (stat(path, &st) != 0 || !S_ISREG(st.st_mode) || (len >= 3 && !strcmp(path + len - 3, ".gz")))
        return 0;
    FILE *f = fopen(path, "rb");
    if (!f)
        return 0;
    int a = getc(f), b = getc(f), plain = !(a == 0x1f && b == 0x8b);
    rewind(f);
    char line[64];
    *wikiser = 0;
    while (plain && fgets(line, sizeof line, f)) {
        if (!strcmp(line, "\n") || !strcmp(line, "\r\n"))
            continue;
        *wikiser = !strcmp(line, "<s>\n") || !strcmp(line, "<s>\r\n");
        break;
    }
    fclose(f);
    *size = (uint64_t)st.st_size;
    return plain;
}

/* Reads the line of f that starts at the current position into line
 * (at most cap - 1 bytes kept; the rest skipped); its length in bytes, 0 at
 * the end of the file. */
static uint64_t share_line(FILE *f, char *line, size_t cap)
{
    uint64_t n = 0;
    size_t k = 0;
    int ch;
    while ((ch = getc(f)) != EOF) {
        n++;
        if (k + 1 < cap)
            line[k++] = (char)ch;
        if (ch == '\n')
            break;
    }
    line[k] = '\0';
    return n;
}

/* The offset of the first sentence start at or after pos in f (size bytes):
 * the first line start >= pos that follows an empty line (WikiSER: that is
 * a "<s>" line); size when there is none.  Every rank computes the same. */
static uint64_t share_cut(FILE *f, uint64_t pos, uint64_t size, int wikiser)
{
    if (pos == 0)
        return 0;
    char line[16];
    uint64_t at = pos - 1;           /* the line holding byte pos - 1 ends it */
    if (fseeko(f, (off_t)at, SEEK_SET) != 0)
        return size;
    at += share_line(f, line, sizeof line);
    for (;;) {
        uint64_t n = share_line(f, line, sizeof line);
        if (n == 0)
            return size;
        if (wikiser && (!strcmp(line, "<s>\n") || !strcmp(line, "<s>\r\n")))
            return at;
        at += n;
        if (!wikiser && (!strcmp(line, "\n") || !strcmp(line, "\r\n")))
            return at;
    }
}

struct share_pipe {
    FILE *f;
    uint64_t left;                   /* bytes still to write */
    int fd;                          /* the pipe's write end */
    int short_read;                  /* the file ended or failed before the range did */
};

/* The thread that feeds bytes of the file to the pipe (it stops when the
 * reader closed its end: EPIPE, SIGPIPE blocked in this thread). */
static void *share_feed(void *arg)
{
    struct share_pipe *sp = arg;
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    char buf[1 << 16];
    while (sp->left > 0) {
        size_t k = fread(buf, 1, sp->left < sizeof buf ? (size_t)sp->left : sizeof buf, sp->f);
        if (k == 0) {
            sp->short_read = 1;
            break;
        }
        sp->left -= k;
        for (size_t o = 0; o < k;) {
            ssize_t w = write(sp->fd, buf + o, k - o);
            if (w < 0 && errno == EINTR)
                continue;
            if (w <= 0) {
                sp->left = 0;
                break;
            }
            o += (size_t)w;
        }
    }
    close(sp->fd);
    return NULL;
}

/* Lines before byte b of f (read from the start). */
static long share_lines_before(FILE *f, uint64_t b)
{
    long lines = 0;
    char buf[1 << 16];
    rewind(f);
    while (b > 0) {
        size_t k = fread(buf, 1, b < sizeof buf ? (size_t)b : sizeof buf, f);
        if (k == 0)
            break;
        for (char *p = buf; (p = memchr(p, '\n', (size_t)(buf + k - p))); p++)
            lines++;
        b -= k;
    }
    return lines;
}

/* One plain file: this rank's byte range; 1 when this rank failed. */
static int share_bytes(struct crftag_corpus *c, const char *path, int informat, uint64_t size,
                       int wikiser, int rank, int ranks)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        cli_errorf("%s: cannot open: %s", path, strerror(errno));
        return 1;
    }
    uint64_t b0 = share_cut(f, (uint64_t)((long double)size * rank / ranks), size, wikiser);
    uint64_t b1 = share_cut(f, (uint64_t)((long double)size * (rank + 1) / ranks), size, wikiser);
    if (b0 >= b1) {                  /* no sentence starts in this range */
        fclose(f);
        return 0;
    }
    long line0 = share_lines_before(f, b0);
    int fd[2];
    if (fseeko(f, (off_t)b0, SEEK_SET) != 0 || pipe(fd) != 0) {
        cli_errorf("%s: %s", path, strerror(errno));
        fclose(f);
        return 1;
    }
    struct share_pipe sp = { f, b1 - b0, fd[1], 0 };
    pthread_t th;
    if (pthread_create(&th, NULL, share_feed, &sp) != 0) {
        cli_errorf("cannot start a thread");
        close(fd[0]);
        close(fd[1]);
        fclose(f);
        return 1;
    }
    char dev[64];
    snprintf(dev, sizeof dev, "/dev/fd/%d", fd[0]);
    struct crftag_error err;
    enum crftag_status st = crftag_corpus_read_format(c, dev, informat, &err);
    close(fd[0]);                    /* a feeder still writing gets EPIPE */
    pthread_join(th, NULL);
    fclose(f);
    if (st != CRFTAG_OK) {
        if (!strcmp(err.file, dev)) {    /* the file and its line, not the pipe's */
            snprintf(err.file, sizeof err.file, "%s", path);
            if (err.line > 0)
                err.line += line0;
        }
        cli_error(&err, st);
        return 1;
    }
    if (sp.short_read) {             /* a truncated range must not pass for a whole one */
        cli_errorf("%s: read error or the file shrank while it was read", path);
        return 1;
    }
    return 0;
}

int cli_read_share(struct crftag_corpus *c, char **argv, int n, int informat, int quiet)
{
    int rank = cli_dist_rank(), ranks = cli_dist_size();
    uint64_t size = 0;
    int wikiser = 0;
    int bytes = n == 1 && ranks > 1 && share_plain(argv[0], &size, &wikiser);
    int failed = n >= ranks && !bytes ? share_files(c, argv, n, informat, rank, ranks)
                 : bytes ? share_bytes(c, argv[0], informat, size, wikiser, rank, ranks)
                         : share_sentences(c, argv, n, informat, rank, ranks);
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
                bytes ? "each rank reads a range of bytes"
                : n >= ranks ? "each file read by one rank"
                             : "each rank keeps a block of the sentences");
    return 0;
}
