/*
 * test_io.c - unit tests of src/io.c: the gzip-transparent line reader and
 * the atomic writer.  Inputs are written to a private temp directory; the
 * real fixture is tests/data/corpus_conll_30.txt.gz (first 30 sentences of
 * CoNLL-2000 train, 838 lines).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "io.h"
#include "testutil.h"
#include "tmpfiles.h"

#define CONLL_GZ "tests/data/corpus_conll_30.txt.gz"

/* ------------------------------------------------------------------------ */
/* helpers                                                                  */
/* ------------------------------------------------------------------------ */

static void write_gz(const char *path, const void *data, size_t len)
{
    gzFile g = gzopen(path, "wb");
    assert_non_null(g);
    assert_int_equal(gzwrite(g, data, (unsigned)len), (int)len);
    assert_int_equal(gzclose(g), Z_OK);
}

/* Writes a string literal (which may hold NUL bytes) to path. */
#define WRITE_LIT(path, lit) write_file((path), (lit), sizeof(lit) - 1)

/* Number of entries in tmpdir whose name starts with prefix. */
static int count_prefixed(const char *prefix)
{
    DIR *d = opendir(tmpdir);
    assert_non_null(d);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        if (strncmp(e->d_name, prefix, strlen(prefix)) == 0)
            n++;
    closedir(d);
    return n;
}

/* Reads the next line and checks its bytes and number. */
static void expect_line(struct io_reader *r, const char *want, size_t want_len, long lineno)
{
    struct crftag_error err;
    char *line;
    size_t len;
    assert_int_equal(io_getline(r, &line, &len, &err), 1);
    assert_int_equal(len, want_len);
    assert_memory_equal(line, want, want_len);
    assert_int_equal(line[len], '\0');
    assert_int_equal(io_lineno(r), lineno);
}

static void expect_eof(struct io_reader *r)
{
    struct crftag_error err;
    char *line;
    size_t len;
    assert_int_equal(io_getline(r, &line, &len, &err), 0);
    assert_int_equal(io_getline(r, &line, &len, &err), 0);
}

/* ------------------------------------------------------------------------ */
/* reader                                                                   */
/* ------------------------------------------------------------------------ */

static void test_lines_basic(void **state)
{
    (void)state;
    const char *p = tmp_path("basic.txt");
    WRITE_LIT(p, "a\nbb\n\n  ccc  \nlast");
    struct io_reader *r;
    struct crftag_error err;
    assert_int_equal(io_open(p, &r, &err), CRFTAG_OK);
    assert_string_equal(io_path(r), p);
    expect_line(r, "a", 1, 1);
    expect_line(r, "bb", 2, 2);
    expect_line(r, "", 0, 3);
    expect_line(r, "  ccc  ", 7, 4);
    expect_line(r, "last", 4, 5);      /* final line without "\n" */
    expect_eof(r);
    io_close(r);
}

static void test_lines_crlf(void **state)
{
    (void)state;
    const char *p = tmp_path("crlf.txt");
    /* one "\r" before "\n" is dropped; a second one and inner ones stay */
    WRITE_LIT(p, "a\r\nb\rc\r\n\r\nx\r\r\nend\r");
    struct io_reader *r;
    struct crftag_error err;
    assert_int_equal(io_open(p, &r, &err), CRFTAG_OK);
    expect_line(r, "a", 1, 1);
    expect_line(r, "b\rc", 3, 2);
    expect_line(r, "", 0, 3);
    expect_line(r, "x\r", 2, 4);
    expect_line(r, "end", 3, 5);
    expect_eof(r);
    io_close(r);
}

static void test_lines_nul_and_empty(void **state)
{
    (void)state;
    const char *p = tmp_path("nul.txt");
    WRITE_LIT(p, "a\0b\n\0\n");
    struct io_reader *r;
    struct crftag_error err;
    assert_int_equal(io_open(p, &r, &err), CRFTAG_OK);
    expect_line(r, "a\0b", 3, 1);
    expect_line(r, "\0", 1, 2);
    expect_eof(r);
    io_close(r);

    const char *e = tmp_path("empty.txt");
    write_file(e, "", 0);
    assert_int_equal(io_open(e, &r, &err), CRFTAG_OK);
    expect_eof(r);
    assert_int_equal(io_lineno(r), 0);
    io_close(r);
}

/* Lines longer than the 256 KiB read block, straddling block boundaries. */
static void test_lines_long(void **state)
{
    (void)state;
    size_t n1 = 1000003, n3 = 600001, total = n1 + 1 + 6 + n3;
    char *data = malloc(total);
    assert_non_null(data);
    for (size_t i = 0; i < n1; i++)
        data[i] = (char)('a' + i % 26);
    data[n1] = '\n';
    memcpy(data + n1 + 1, "short\n", 6);
    for (size_t i = 0; i < n3; i++)
        data[n1 + 7 + i] = (char)('A' + i % 26);
    const char *p = tmp_path("long.txt");
    write_file(p, data, total);
    const char *g = tmp_path("long.txt.gz");
    write_gz(g, data, total);
    const char *paths[2] = { p, g };
    for (int k = 0; k < 2; k++) {
        struct io_reader *r;
        struct crftag_error err;
        assert_int_equal(io_open(paths[k], &r, &err), CRFTAG_OK);
        expect_line(r, data, n1, 1);
        expect_line(r, "short", 5, 2);
        expect_line(r, data + n1 + 7, n3, 3);
        expect_eof(r);
        io_close(r);
    }
    free(data);
}

/* Many lines crossing block boundaries at every possible offset. */
static void test_lines_many_gz(void **state)
{
    (void)state;
    size_t cap = 3u << 20, len = 0;
    char *data = malloc(cap);
    assert_non_null(data);
    long nlines = 0;
    while (len + 64 < cap) {
        int w = snprintf(data + len, 64, "line %ld %.*s\n", nlines, (int)(nlines % 37), "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
        len += (size_t)w;
        nlines++;
    }
    const char *g = tmp_path("many.gz");
    write_gz(g, data, len);
    struct io_reader *r;
    struct crftag_error err;
    assert_int_equal(io_open(g, &r, &err), CRFTAG_OK);
    char *line;
    size_t l;
    for (long i = 0; i < nlines; i++) {
        char want[64];
        int w = snprintf(want, sizeof want, "line %ld %.*s", i, (int)(i % 37), "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
        assert_int_equal(io_getline(r, &line, &l, &err), 1);
        assert_int_equal(l, (size_t)w);
        assert_memory_equal(line, want, l);
        assert_int_equal(io_lineno(r), i + 1);
    }
    expect_eof(r);
    io_close(r);
    free(data);
}

static void test_real_gz_fixture(void **state)
{
    (void)state;
    struct io_reader *r;
    struct crftag_error err;
    assert_int_equal(io_open(CONLL_GZ, &r, &err), CRFTAG_OK);
    expect_line(r, "Confidence NN B-NP", 18, 1);
    expect_line(r, "in IN B-PP", 10, 2);
    char *line;
    size_t len;
    long n = 2, blank = 0;
    while (io_getline(r, &line, &len, &err) == 1) {
        n++;
        blank += len == 0;
    }
    assert_int_equal(n, 838);        /* 808 tokens + 30 blank lines */
    assert_int_equal(blank, 30);
    assert_int_equal(io_lineno(r), 838);
    io_close(r);
}

static void test_gz_truncated_and_corrupt(void **state)
{
    (void)state;
    size_t len;
    char *gz = read_file(CONLL_GZ, &len);
    assert_true(len > 1000);

    const char *t = tmp_path("trunc.gz");
    write_file(t, gz, len - 200);
    const char *c = tmp_path("corrupt.gz");
    for (size_t i = len / 2; i < len / 2 + 64; i++)
        gz[i] = (char)~gz[i];
    write_file(c, gz, len);
    free(gz);

    const char *paths[2] = { t, c };
    for (int k = 0; k < 2; k++) {
        struct io_reader *r;
        struct crftag_error err;
        assert_int_equal(io_open(paths[k], &r, &err), CRFTAG_OK);
        char *line;
        size_t l;
        int st;
        long good = 0;
        while ((st = io_getline(r, &line, &l, &err)) == 1)
            good++;
        assert_int_equal(st, CRFTAG_ERR_IO);
        assert_int_equal(err.code, CRFTAG_ERR_IO);
        assert_string_equal(err.file, paths[k]);
        assert_non_null(strstr(err.msg, "read error"));
        assert_true(good < 838);
        io_close(r);

        char *buf;
        size_t blen;
        assert_int_equal(io_read_all(paths[k], &buf, &blen, &err), CRFTAG_ERR_IO);
        assert_null(buf);
        assert_string_equal(err.file, paths[k]);
    }
}

/* A file of 64 MiB + 1 bytes without a newline (sparse: costs no disk). */
static void test_line_too_long(void **state)
{
    (void)state;
    const char *p = tmp_path("huge.txt");
    FILE *f = fopen(p, "wb");
    assert_non_null(f);
    fputs("ok\nfine\n", f);
    assert_int_equal(fclose(f), 0);
    assert_int_equal(truncate(p, ((off_t)64 << 20) + 8 + 1), 0);
    struct io_reader *r;
    struct crftag_error err;
    assert_int_equal(io_open(p, &r, &err), CRFTAG_OK);
    expect_line(r, "ok", 2, 1);
    expect_line(r, "fine", 4, 2);
    char *line;
    size_t len;
    assert_int_equal(io_getline(r, &line, &len, &err), CRFTAG_ERR_IO);
    assert_string_equal(err.file, p);
    assert_int_equal(err.line, 3);
    assert_string_equal(err.msg, "line longer than 64 MiB");
    io_close(r);
    unlink(p);
}

static void test_open_errors(void **state)
{
    (void)state;
    struct io_reader *r = (struct io_reader *)1;
    struct crftag_error err;
    const char *p = tmp_path("does-not-exist.txt");
    assert_int_equal(io_open(p, &r, &err), CRFTAG_ERR_IO);
    assert_null(r);
    assert_int_equal(err.code, CRFTAG_ERR_IO);
    assert_string_equal(err.file, p);
    assert_string_equal(err.msg, "cannot open: No such file or directory");

    assert_int_equal(io_open(tmpdir, &r, &err), CRFTAG_ERR_IO);
    assert_string_equal(err.file, tmpdir);
    assert_string_equal(err.msg, "cannot open: Is a directory");

    char *buf = (char *)1;
    size_t len = 7;
    assert_int_equal(io_read_all(p, &buf, &len, &err), CRFTAG_ERR_IO);
    assert_null(buf);
    assert_int_equal(len, 0);
    assert_string_equal(err.msg, "cannot open: No such file or directory");
}

static void test_stdin_name(void **state)
{
    (void)state;
    struct io_reader *r;
    struct crftag_error err;
    assert_int_equal(io_open("-", &r, &err), CRFTAG_OK);
    assert_string_equal(io_path(r), "<stdin>");
    io_close(r);
}

static void test_read_all(void **state)
{
    (void)state;
    const char *p = tmp_path("all.txt");
    write_file(p, "x\0y\nz", 5);
    char *buf;
    size_t len;
    struct crftag_error err;
    assert_int_equal(io_read_all(p, &buf, &len, &err), CRFTAG_OK);
    assert_int_equal(len, 5);
    assert_memory_equal(buf, "x\0y\nz", 6);   /* NUL-terminated */
    free(buf);

    /* the gz fixture decompresses to the same bytes zlib gives */
    assert_int_equal(io_read_all(CONLL_GZ, &buf, &len, &err), CRFTAG_OK);
    gzFile g = gzopen(CONLL_GZ, "rb");
    assert_non_null(g);
    char *ref = malloc(len + 16);
    assert_non_null(ref);
    assert_int_equal(gzread(g, ref, (unsigned)len + 16), (int)len);
    gzclose(g);
    assert_memory_equal(buf, ref, len);
    assert_int_equal(buf[len - 1], '\n');
    assert_int_equal(buf[len], '\0');
    free(ref);
    free(buf);

    const char *e = tmp_path("all-empty.txt");
    write_file(e, "", 0);
    assert_int_equal(io_read_all(e, &buf, &len, &err), CRFTAG_OK);
    assert_int_equal(len, 0);
    assert_int_equal(buf[0], '\0');
    free(buf);
}

/* ------------------------------------------------------------------------ */
/* atomic writer                                                            */
/* ------------------------------------------------------------------------ */

static void expect_content(const char *path, const char *want)
{
    size_t len;
    char *got = read_file(path, &len);
    assert_int_equal(len, strlen(want));
    assert_memory_equal(got, want, len);
    free(got);
}

static void test_atomic_commit(void **state)
{
    (void)state;
    const char *p = tmp_path("target");
    write_file(p, "old content\n", 12);
    struct io_atomic *a;
    struct crftag_error err;
    assert_int_equal(io_atomic_open(p, &a, &err), CRFTAG_OK);
    assert_int_equal(count_prefixed("target.tmp."), 1);
    expect_content(p, "old content\n");           /* untouched until commit */
    assert_int_equal(io_atomic_write(a, "new ", 4, &err), CRFTAG_OK);
    assert_int_equal(io_atomic_write(a, "", 0, &err), CRFTAG_OK);
    assert_int_equal(io_atomic_write(a, "data\n", 5, &err), CRFTAG_OK);
    assert_int_equal(io_atomic_commit(a, &err), CRFTAG_OK);
    expect_content(p, "new data\n");
    assert_int_equal(count_prefixed("target.tmp."), 0);

    /* a new file, relative to no existing one */
    const char *q = tmp_path("fresh");
    assert_int_equal(io_atomic_open(q, &a, &err), CRFTAG_OK);
    assert_int_equal(io_atomic_write(a, "x", 1, &err), CRFTAG_OK);
    assert_int_equal(io_atomic_commit(a, &err), CRFTAG_OK);
    expect_content(q, "x");
}

static void test_atomic_abort(void **state)
{
    (void)state;
    const char *p = tmp_path("keep");
    write_file(p, "precious\n", 9);
    struct io_atomic *a, *b;
    struct crftag_error err;
    assert_int_equal(io_atomic_open(p, &a, &err), CRFTAG_OK);
    assert_int_equal(io_atomic_open(p, &b, &err), CRFTAG_OK);   /* distinct temp names */
    assert_int_equal(count_prefixed("keep.tmp."), 2);
    assert_int_equal(io_atomic_write(a, "garbage", 7, &err), CRFTAG_OK);
    io_atomic_abort(a);
    io_atomic_abort(b);
    io_atomic_abort(NULL);
    expect_content(p, "precious\n");
    assert_int_equal(count_prefixed("keep.tmp."), 0);
}

static void test_atomic_missing_dir(void **state)
{
    (void)state;
    const char *p = tmp_path("no/such/dir/model.bin");
    struct io_atomic *a = (struct io_atomic *)1;
    struct crftag_error err;
    assert_int_equal(io_atomic_open(p, &a, &err), CRFTAG_ERR_IO);
    assert_null(a);
    assert_string_equal(err.file, p);
    assert_string_equal(err.msg, "cannot create temporary file: No such file or directory");
}

static void test_atomic_readonly_dir(void **state)
{
    (void)state;
    if (geteuid() == 0)
        skip();          /* root ignores directory permissions */
    const char *d = tmp_path("ro");
    assert_int_equal(mkdir(d, 0755), 0);
    const char *p = tmp_path("ro/model.bin");
    write_file(p, "old", 3);
    assert_int_equal(chmod(d, 0555), 0);
    struct io_atomic *a;
    struct crftag_error err;
    assert_int_equal(io_atomic_open(p, &a, &err), CRFTAG_ERR_IO);
    assert_string_equal(err.file, p);
    assert_string_equal(err.msg, "cannot create temporary file: Permission denied");
    chmod(d, 0755);
    expect_content(p, "old");
    unlink(p);
    rmdir(d);
}

/* A full disk, simulated with RLIMIT_FSIZE (works as root too): writes past
 * the limit fail with EFBIG; the old file stays, the temp file goes. */
static void test_atomic_write_failure(void **state)
{
    (void)state;
    const char *p = tmp_path("full");
    write_file(p, "old\n", 4);
    struct rlimit old_lim, lim;
    assert_int_equal(getrlimit(RLIMIT_FSIZE, &old_lim), 0);
    void (*old_sig)(int) = signal(SIGXFSZ, SIG_IGN);

    static char block[64 * 1024];
    memset(block, 'z', sizeof block);
    struct io_atomic *a;
    struct crftag_error err;
    assert_int_equal(io_atomic_open(p, &a, &err), CRFTAG_OK);
    lim = old_lim;
    lim.rlim_cur = 10000;
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
    enum crftag_status st = CRFTAG_OK;
    for (int i = 0; i < 4 && st == CRFTAG_OK; i++)
        st = io_atomic_write(a, block, sizeof block, &err);
    if (st == CRFTAG_OK) {
        st = io_atomic_commit(a, &err);   /* the error may surface at fflush */
        assert_non_null(strstr(err.msg, "write failed"));
    } else {
        assert_string_equal(err.msg, "write failed: File too large");
        io_atomic_abort(a);
    }
    setrlimit(RLIMIT_FSIZE, &old_lim);
    signal(SIGXFSZ, old_sig);
    assert_int_equal(st, CRFTAG_ERR_IO);
    assert_string_equal(err.file, p);
    expect_content(p, "old\n");
    assert_int_equal(count_prefixed("full.tmp."), 0);

    /* commit itself failing (the data is still in stdio's buffer) */
    assert_int_equal(io_atomic_open(p, &a, &err), CRFTAG_OK);
    assert_int_equal(io_atomic_write(a, "hello", 5, &err), CRFTAG_OK);
    lim.rlim_cur = 0;
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
    old_sig = signal(SIGXFSZ, SIG_IGN);
    st = io_atomic_commit(a, &err);
    setrlimit(RLIMIT_FSIZE, &old_lim);
    signal(SIGXFSZ, old_sig);
    assert_int_equal(st, CRFTAG_ERR_IO);
    assert_string_equal(err.msg, "write failed: File too large");
    expect_content(p, "old\n");
    assert_int_equal(count_prefixed("full.tmp."), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lines_basic),
        cmocka_unit_test(test_lines_crlf),
        cmocka_unit_test(test_lines_nul_and_empty),
        cmocka_unit_test(test_lines_long),
        cmocka_unit_test(test_lines_many_gz),
        cmocka_unit_test(test_real_gz_fixture),
        cmocka_unit_test(test_gz_truncated_and_corrupt),
        cmocka_unit_test(test_line_too_long),
        cmocka_unit_test(test_open_errors),
        cmocka_unit_test(test_stdin_name),
        cmocka_unit_test(test_read_all),
        cmocka_unit_test(test_atomic_commit),
        cmocka_unit_test(test_atomic_abort),
        cmocka_unit_test(test_atomic_missing_dir),
        cmocka_unit_test(test_atomic_readonly_dir),
        cmocka_unit_test(test_atomic_write_failure),
    };
    return cmocka_run_group_tests(tests, setup_dir, teardown_dir);
}
