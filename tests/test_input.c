/*
 * test_input.c - unit tests of crftag_input (src/input.c over io.c's
 * reader): gzip found by its magic whatever the name (files and stdin),
 * concatenated members, truncated and corrupt data, lines longer than the
 * caller's buffer, and a line handed on as soon as it has arrived through a
 * pipe whose writer keeps it open (plain and gzip); crftag_input_ready and
 * crftag_reader_ready say 0 exactly when the pipe holds nothing yet.
 * alarm() guards the pipe tests against a hang; nothing is timed.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "crftag.h"
#include "testutil.h"
#include "tmpfiles.h"

/* gzip of data[0..len) as one member into out (room for len + 64). */
static size_t gzip_mem(const char *data, size_t len, unsigned char *out, int flush)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    assert_int_equal(deflateInit2(&z, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY), Z_OK);
    z.next_in = (unsigned char *)data;
    z.avail_in = (uInt)len;
    z.next_out = out;
    z.avail_out = (uInt)(len + 64);
    int r = deflate(&z, flush);
    assert_true(r == Z_OK || r == Z_STREAM_END);
    size_t n = len + 64 - z.avail_out;
    deflateEnd(&z);
    return n;
}

/* Reads the whole input through buffers of cap bytes, into a string. */
static char *slurp(const char *path, size_t cap, int *status)
{
    struct crftag_input *in;
    struct crftag_error err;
    assert_int_equal(crftag_input_open(path, &in, &err), CRFTAG_OK);
    char *all = calloc(1, 1), *buf = malloc(cap);
    size_t n = 0, got;
    int r;
    while ((r = crftag_input_read(in, buf, cap, &got, &err)) > 0) {
        assert_true(got > 0 && got <= cap);
        /* a piece ends at its first "\n", if any */
        char *nl = memchr(buf, '\n', got);
        assert_true(nl == NULL || nl == buf + got - 1);
        all = realloc(all, n + got + 1);
        memcpy(all + n, buf, got);
        n += got;
        all[n] = '\0';
    }
    *status = r;
    if (r < 0)
        assert_non_null(strstr(err.msg, "read error"));
    free(buf);
    crftag_input_close(in);
    return all;
}

static void test_plain_and_gzip_by_magic(void **state)
{
    (void)state;
    const char *text = "QEMU uses SPICE.\n\nLinux\nlast line without newline";
    unsigned char z[256];
    size_t zn = gzip_mem(text, strlen(text), z, Z_FINISH);
    const char *names[] = {"a.txt", "b.gz"};
    for (int k = 0; k < 2; k++) {
        /* gzip data in a file not named .gz, plain text in a file named .gz */
        write_file(tmp_path(names[k]), z, zn);
        int st;
        char *got = slurp(tmp_path(names[k]), 5, &st);
        assert_int_equal(st, 0);
        assert_string_equal(got, text);
        free(got);
        write_file(tmp_path(names[!k]), text, strlen(text));
        got = slurp(tmp_path(names[!k]), 7, &st);
        assert_int_equal(st, 0);
        assert_string_equal(got, text);
        free(got);
    }
    /* one byte 0x1f, and an empty file, are plain */
    int st;
    write_file(tmp_path("one"), "\x1f", 1);
    char *got = slurp(tmp_path("one"), 4, &st);
    assert_int_equal(st, 0);
    assert_string_equal(got, "\x1f");
    free(got);
    write_file(tmp_path("empty"), "", 0);
    got = slurp(tmp_path("empty"), 4, &st);
    assert_int_equal(st, 0);
    assert_string_equal(got, "");
    free(got);
}

static void test_gzip_members_and_damage(void **state)
{
    (void)state;
    unsigned char z[512];
    size_t a = gzip_mem("first\n", 6, z, Z_FINISH);
    size_t b = gzip_mem("second\n", 7, z + a, Z_FINISH);
    memcpy(z + a + b, "trailing garbage", 16);
    int st;
    /* concatenated members: both; bytes after them that are not gzip: ignored (as gunzip) */
    write_file(tmp_path("two.gz"), z, a + b + 16);
    char *got = slurp(tmp_path("two.gz"), 64, &st);
    assert_int_equal(st, 0);
    assert_string_equal(got, "first\nsecond\n");
    free(got);
    /* truncated: an error naming the file, never a silent end */
    write_file(tmp_path("cut.gz"), z, a - 5);
    got = slurp(tmp_path("cut.gz"), 64, &st);
    assert_true(st < 0);
    free(got);
    /* corrupt deflate data */
    unsigned char bad[512];
    memcpy(bad, z, a);
    for (size_t i = 10; i < a - 8; i++)
        bad[i] = (unsigned char)~bad[i];
    write_file(tmp_path("bad.gz"), bad, a);
    got = slurp(tmp_path("bad.gz"), 64, &st);
    assert_true(st < 0);
    free(got);
}

static void test_errors_and_null(void **state)
{
    (void)state;
    struct crftag_input *in = (struct crftag_input *)1;
    struct crftag_error err;
    assert_int_equal(crftag_input_open(tmp_path("missing"), &in, &err), CRFTAG_ERR_IO);
    assert_null(in);
    assert_non_null(strstr(err.file, "missing"));
    assert_int_equal(crftag_input_open(tmpdir, &in, &err), CRFTAG_ERR_IO);
    assert_int_equal(crftag_input_open(NULL, &in, &err), CRFTAG_ERR_INVALID);
    size_t got = 9;
    char buf[4];
    assert_true(crftag_input_read(NULL, buf, sizeof buf, &got, &err) < 0);
    assert_int_equal(got, 0);
    write_file(tmp_path("x"), "x", 1);
    assert_int_equal(crftag_input_open(tmp_path("x"), &in, &err), CRFTAG_OK);
    assert_int_equal(crftag_input_read(in, buf, 0, &got, &err), CRFTAG_ERR_INVALID);
    crftag_input_close(in);
    crftag_input_close(NULL);
}

/* stdin is a pipe the test writes to and keeps open: each line must come
 * back before the next is written (a read waiting for more would hang,
 * and alarm() would end the test). */
static void pipe_lines(int gz)
{
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    int saved = dup(0);
    assert_true(saved >= 0);
    assert_int_equal(dup2(fds[0], 0), 0);
    close(fds[0]);
    z_stream z;
    memset(&z, 0, sizeof z);
    if (gz)
        assert_int_equal(deflateInit2(&z, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY),
                         Z_OK);
    struct crftag_input *in;
    struct crftag_error err;
    alarm(20);
    assert_int_equal(crftag_input_open("-", &in, &err), CRFTAG_OK);
    const char *lines[] = {"QEMU runs on Linux.\n", "second\n", "third\n"};
    for (int i = 0; i < 3; i++) {
        unsigned char out[256];
        size_t n = strlen(lines[i]);
        if (gz) {
            z.next_in = (unsigned char *)lines[i];
            z.avail_in = (uInt)n;
            z.next_out = out;
            z.avail_out = sizeof out;
            assert_int_equal(deflate(&z, Z_SYNC_FLUSH), Z_OK);
            n = sizeof out - z.avail_out;
        } else {
            memcpy(out, lines[i], n);
        }
        assert_int_equal(crftag_input_ready(in), 0);     /* the pipe is empty */
        assert_int_equal(write(fds[1], out, n), (ssize_t)n);
        assert_int_equal(crftag_input_ready(in), 1);
        char buf[64];
        size_t got;
        assert_int_equal(crftag_input_read(in, buf, sizeof buf, &got, &err), 1);
        assert_int_equal(got, strlen(lines[i]));
        assert_memory_equal(buf, lines[i], got);
    }
    if (gz)
        deflateEnd(&z);
    assert_int_equal(crftag_input_ready(in), 0);
    close(fds[1]);
    assert_int_equal(crftag_input_ready(in), 1);         /* the end: no wait */
    char buf[8];
    size_t got;
    /* the writer closed: the end (a gzip stream cut after a sync flush is
     * truncated: an error, not a silent end) */
    int r = crftag_input_read(in, buf, sizeof buf, &got, &err);
    assert_int_equal(r, gz ? CRFTAG_ERR_IO : 0);
    alarm(0);
    crftag_input_close(in);
    assert_int_equal(dup2(saved, 0), 0);
    close(saved);
}

/* Two lines written at once: the second is buffered (ready) after the
 * first is read; a regular file is always ready; NULL is. */
static void test_ready_buffered_and_files(void **state)
{
    (void)state;
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    int saved = dup(0);
    assert_int_equal(dup2(fds[0], 0), 0);
    close(fds[0]);
    alarm(20);
    struct crftag_input *in;
    struct crftag_error err;
    assert_int_equal(crftag_input_open("-", &in, &err), CRFTAG_OK);
    assert_int_equal(write(fds[1], "one\ntwo\n", 8), 8);
    char buf[16];
    size_t got;
    assert_int_equal(crftag_input_read(in, buf, sizeof buf, &got, &err), 1);
    assert_int_equal(got, 4);
    assert_int_equal(crftag_input_ready(in), 1);
    assert_int_equal(crftag_input_read(in, buf, sizeof buf, &got, &err), 1);
    assert_int_equal(crftag_input_ready(in), 0);
    crftag_input_close(in);
    close(fds[1]);

    /* a sentence reader over a pipe: ready once a sentence has arrived */
    assert_int_equal(pipe(fds), 0);
    assert_int_equal(dup2(fds[0], 0), 0);
    close(fds[0]);
    struct crftag_reader *r;
    assert_int_equal(crftag_reader_open_format("-", CRFTAG_INPUT_COLUMNS, &r, &err), CRFTAG_OK);
    assert_int_equal(crftag_reader_ready(r), 0);
    assert_int_equal(write(fds[1], "QEMU\tB-App\nruns\tO\n\n", 19), 19);
    assert_int_equal(crftag_reader_ready(r), 1);
    const char *const *cols;
    size_t n, ncols;
    assert_int_equal(crftag_reader_next(r, &cols, &n, &ncols, &err), 1);
    assert_int_equal(n, 2);
    assert_int_equal(crftag_reader_ready(r), 0);
    close(fds[1]);
    assert_int_equal(crftag_reader_ready(r), 1);
    assert_int_equal(crftag_reader_next(r, &cols, &n, &ncols, &err), 0);
    crftag_reader_close(r);
    alarm(0);
    assert_int_equal(dup2(saved, 0), 0);
    close(saved);

    const char *path = write_tmp("ready.txt", "x\n");
    assert_int_equal(crftag_input_open(path, &in, &err), CRFTAG_OK);
    assert_int_equal(crftag_input_ready(in), 1);      /* a regular file never waits */
    crftag_input_close(in);
    assert_int_equal(crftag_input_ready(NULL), 1);
    assert_int_equal(crftag_reader_ready(NULL), 1);
}

static void test_pipe_plain(void **state)
{
    (void)state;
    pipe_lines(0);
}

static void test_pipe_gzip(void **state)
{
    (void)state;
    pipe_lines(1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain_and_gzip_by_magic),
        cmocka_unit_test(test_gzip_members_and_damage),
        cmocka_unit_test(test_errors_and_null),
        cmocka_unit_test(test_pipe_plain),
        cmocka_unit_test(test_pipe_gzip),
        cmocka_unit_test(test_ready_buffered_and_files),
    };
    return cmocka_run_group_tests(tests, setup_dir, teardown_dir);
}
