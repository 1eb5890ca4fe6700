/*
 * io.h - gzip-transparent line reader and atomic file writer (base layer).
 *
 *   path / "-" --gzopen--> io_reader --io_getline--> lines with numbers
 *   bytes ------> io_atomic (temp file beside the target) --commit--> rename
 *
 * Only io.c and the model file modules (model_codec.c, model_read.c,
 * model_write.c) include <zlib.h>.
 */
#ifndef CRFTAG_IO_H
#define CRFTAG_IO_H

#include <stddef.h>
#include <stdio.h>
#include "crftag.h"

struct io_reader;

/* Opens path for reading; "-" is stdin.  Data starting with the gzip magic
 * is decompressed whatever the file's name; other data is read as it is.
 * Reads return what has arrived (a line as soon as its "\n" is read): the
 * reader never waits for more input than it hands on. */
enum crftag_status io_open(const char *path, struct io_reader **out, struct crftag_error *err);

/* Reads the next line.  On success returns 1 and sets *line to a
 * NUL-terminated buffer owned by the reader (valid until the next call) and
 * *len to its length, without the "\n" and without a "\r" before it.  A line
 * may contain NUL bytes (then strlen(*line) < *len).  Returns 0 at end of
 * file, or a negative status (read error, gzip error) with err filled. */
int io_getline(struct io_reader *r, char **line, size_t *len, struct crftag_error *err);

/* Reads bytes up to and including the next "\n", at most cap, into buf
 * (not NUL-terminated); sets *len.  Returns 1 (*len > 0), 0 at the end of
 * the input, or a negative status.  It returns as soon as the "\n" has been
 * read, never waiting for more input. */
int io_read_upto(struct io_reader *r, char *buf, size_t cap, size_t *len,
                 struct crftag_error *err);

/* Line number of the line last returned (1-based). */
/* 1 when the next read returns at least a byte, the end or an error
 * without waiting for input to arrive: bytes are buffered, the input has
 * ended, or it is a regular file; 0 when read(2) may wait (a pipe, terminal
 * or socket with nothing to read yet).  A gzip stream may report 0 although
 * its buffered bytes would inflate to more: never 1 wrongly. */
int io_ready(const struct io_reader *r);

long io_lineno(const struct io_reader *r);

/* The path given to io_open ("-" shown as "<stdin>"). */
const char *io_path(const struct io_reader *r);

void io_close(struct io_reader *r);

/* Reads a whole file ("-" = stdin, gzip decompressed) into a malloc'd,
 * NUL-terminated buffer. */
enum crftag_status io_read_all(const char *path, char **out, size_t *out_len,
                               struct crftag_error *err);

/* Atomic write: data goes to "<path>.tmp.<pid>.<n>" beside path; commit
 * flushes, fsyncs, closes and renames it over path; abort removes it.
 * Ownership: io_atomic_commit always frees a, whether it succeeds or not (on
 * failure the temp file is removed and path is left as it was), so never
 * call io_atomic_abort after it.  After a failed io_atomic_write the handle
 * is still valid and the caller calls io_atomic_abort.  Lines longer than
 * 64 MiB make io_getline fail with CRFTAG_ERR_IO naming file and line. */
struct io_atomic;
enum crftag_status io_atomic_open(const char *path, struct io_atomic **out,
                                  struct crftag_error *err);
enum crftag_status io_atomic_write(struct io_atomic *a, const void *buf, size_t len,
                                   struct crftag_error *err);
enum crftag_status io_atomic_commit(struct io_atomic *a, struct crftag_error *err);
void io_atomic_abort(struct io_atomic *a);   /* NULL ok */

#endif
