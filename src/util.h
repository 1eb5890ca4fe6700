/*
 * util.h - checked allocation and overflow helpers (base layer).
 *
 * Allocation failures are returned (NULL), never fatal: the library reports
 * CRFTAG_ERR_NOMEM and leaves it to its caller.
 */
#ifndef CRFTAG_UTIL_H
#define CRFTAG_UTIL_H

#include <stddef.h>
#include <stdint.h>

/* a * b without overflow; returns 0 and sets *out, or -1 on overflow. */
int util_mul(size_t a, size_t b, size_t *out);

/* malloc(n * size) / calloc / realloc with the product checked for overflow;
 * NULL on overflow or when out of memory.  n * size == 0 allocates 1 byte. */
void *util_malloc(size_t n, size_t size);
void *util_calloc(size_t n, size_t size);
void *util_realloc(void *p, size_t n, size_t size);

/* Grows *p (an array of elements of size size, capacity *cap) to hold at
 * least need elements, doubling.  Returns 0, or -1 when out of memory (then
 * *p and *cap are unchanged). */
int util_grow(void **p, size_t *cap, size_t need, size_t size);

/* strdup / strndup that return NULL when out of memory. */
char *util_strdup(const char *s);
char *util_strndup(const char *s, size_t n);

/* Wall-clock seconds from a monotonic clock. */
double util_now(void);

/* Number of online CPUs (at least 1). */
int util_ncpu(void);

#endif
