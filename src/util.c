/*
 * util.c - checked allocation and overflow helpers (base layer).
 */
#include "util.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int util_mul(size_t a, size_t b, size_t *out)
{
    if (a != 0 && b > SIZE_MAX / a)
        return -1;
    *out = a * b;
    return 0;
}

void *util_malloc(size_t n, size_t size)
{
    size_t bytes;
    if (util_mul(n, size, &bytes))
        return NULL;
    return malloc(bytes ? bytes : 1);
}

void *util_calloc(size_t n, size_t size)
{
    if (n == 0 || size == 0)
        return calloc(1, 1);
    return calloc(n, size);
}

void *util_realloc(void *p, size_t n, size_t size)
{
    size_t bytes;
    if (util_mul(n, size, &bytes))
        return NULL;
    return realloc(p, bytes ? bytes : 1);
}

void *util_grow(void *p, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap)
        return p;
    size_t ncap = *cap ? *cap : 16;
    while (ncap < need) {
        if (ncap > SIZE_MAX / 2)
            return p;
        ncap *= 2;
    }
    void *np = util_realloc(p, ncap, size);
    if (!np)
        return p;
    *cap = ncap;
    return np;
}

char *util_strndup(const char *s, size_t n)
{
    char *d = malloc(n + 1);
    if (!d)
        return NULL;
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

char *util_strdup(const char *s)
{
    return util_strndup(s, strlen(s));
}

double util_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int util_ncpu(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : (int)n;
}

void util_struct_out(void *dst, size_t caller_size, const void *src, size_t lib_size)
{
    size_t n = caller_size < lib_size ? caller_size : lib_size;
    memcpy(dst, src, n);
    if (caller_size > n)
        memset((char *)dst + n, 0, caller_size - n);
}

void util_struct_in(void *dst, size_t lib_size, const void *src, size_t caller_size)
{
    memcpy(dst, src, caller_size < lib_size ? caller_size : lib_size);
}
