/*
 * fuzz_common.h - helpers shared by the libFuzzer harnesses in fuzz/.
 *
 * fuzz_write_temp() writes a fuzz input to a private temporary file (the
 * corpus reader takes a path) and returns its descriptor; the path is
 * unlinked by the caller.  fuzz_gzip() compresses an input into one gzip
 * member, for the readers that take plain or gzip files.
 */
#ifndef CRFTAG_FUZZ_COMMON_H
#define CRFTAG_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

/* Writes buf[0..len) to a fresh file "<tmpdir>/crftag-fuzz.XXXXXX";
 * path (size >= 256) receives its name.  Returns 0, or -1 on failure. */
static inline int fuzz_write_temp(const void *buf, size_t len, const char *suffix, char *path)
{
    const char *dir = getenv("TMPDIR");
    (void)suffix;            /* gzip is detected by its magic, not the name */
    snprintf(path, 256, "%s/crftag-fuzz.XXXXXX", dir ? dir : "/tmp");
    int fd = mkstemp(path);
    if (fd < 0)
        return -1;
    const unsigned char *p = buf;
    while (len > 0) {
        ssize_t w = write(fd, p, len);
        if (w <= 0) {
            close(fd);
            unlink(path);
            return -1;
        }
        p += w;
        len -= (size_t)w;
    }
    close(fd);
    return 0;
}

/* Compresses data[0..len) into one gzip member in *out (malloc'd, freed by
 * the caller) and returns its size; *out is NULL on failure. */
static inline size_t fuzz_gzip(const uint8_t *data, size_t len, unsigned char **out)
{
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    *out = NULL;
    if (deflateInit2(&zs, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return 0;
    size_t cap = deflateBound(&zs, (uLong)len) + 64;
    unsigned char *buf = malloc(cap);
    if (!buf) {
        deflateEnd(&zs);
        return 0;
    }
    zs.next_in = (Bytef *)data;
    zs.avail_in = (uInt)len;
    zs.next_out = buf;
    zs.avail_out = (uInt)cap;
    int rc = deflate(&zs, Z_FINISH);
    size_t n = zs.total_out;
    deflateEnd(&zs);
    if (rc != Z_STREAM_END) {
        free(buf);
        return 0;
    }
    *out = buf;
    return n;
}

#endif
