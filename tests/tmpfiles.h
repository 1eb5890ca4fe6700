/*
 * tmpfiles.h - a temporary directory for a cmocka test group and files
 * written into it (test helper; include after <cmocka.h>).
 *
 *   cmocka_run_group_tests(tests, setup_dir, teardown_dir)
 *   tmp_path("name.txt") -> "/tmp/crftag-test-XXXXXX/name.txt"
 *   write_tmp("name.txt", "text") -> the same path, the file written
 *
 * The returned paths are static: the last four stay valid.
 */
#ifndef CRFTAG_TESTS_TMPFILES_H
#define CRFTAG_TESTS_TMPFILES_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char tmpdir[64];

static int setup_dir(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof tmpdir, "/tmp/crftag-test-XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown_dir(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

/* The path of name in tmpdir. */
static inline const char *tmp_path(const char *name)
{
    static char path[4][512];
    static int k;
    char *p = path[k++ % 4];
    snprintf(p, sizeof path[0], "%s/%s", tmpdir, name);
    return p;
}

/* Writes n bytes of text to tmpdir/name; returns the path. */
static const char *write_tmp_n(const char *name, const char *text, size_t n)
{
    const char *p = tmp_path(name);
    FILE *f = fopen(p, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(text, 1, n, f), n);
    assert_int_equal(fclose(f), 0);
    return p;
}

static inline const char *write_tmp(const char *name, const char *text)
{
    return write_tmp_n(name, text, strlen(text));
}

#endif
