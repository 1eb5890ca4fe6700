/*
 * fuzz_common.h - helpers shared by the libFuzzer harnesses in fuzz/.
 *
 * fuzz_write_temp() writes a fuzz input to a private temporary file (the
 * corpus reader takes a path) and returns its descriptor; the path is
 * unlinked by the caller.
 */
#ifndef CRFTAG_FUZZ_COMMON_H
#define CRFTAG_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

#endif
