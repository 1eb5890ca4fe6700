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

/* Grows the array p (elements of size size, capacity *cap) to hold at least
 * need elements, doubling the capacity from 16, and returns it (moved or
 * not).  When out of memory, or when the capacity would overflow, returns p
 * itself and leaves *cap unchanged: *cap < need then tells the failure.
 * Call it through UTIL_GROW, which does that test. */
void *util_grow(void *p, size_t *cap, size_t need, size_t size);

/* UTIL_GROW(ptr, cap, need): grows the array ptr of capacity cap (both
 * lvalues) to hold at least need elements of sizeof *ptr, assigning the new
 * block to ptr.  Returns 0, or -1 when out of memory (then ptr and cap are
 * unchanged and ptr is still valid).  ptr, cap and need are evaluated more
 * than once: pass expressions without side effects. */
#define UTIL_GROW(ptr, cap, need)                                              \
    ((need) <= (cap) ? 0                                                       \
     : ((ptr) = util_grow((ptr), &(cap), (need), sizeof *(ptr)), (cap) < (need) ? -1 : 0))

/* strdup / strndup that return NULL when out of memory. */
char *util_strdup(const char *s);
char *util_strndup(const char *s, size_t n);

/* Wall-clock seconds from a monotonic clock. */
double util_now(void);

/* Number of online CPUs (at least 1). */
int util_ncpu(void);

/* Public structs across versions ("Binary compatibility" in crftag.h): the
 * caller's struct has size caller_size, the library's has size lib_size.
 * util_struct_out copies the library's struct src into the caller's dst:
 * the first min(caller_size, lib_size) bytes, and zeros for the rest of
 * caller_size; nothing past caller_size is written.  util_struct_in copies
 * the caller's src over the library's dst (already holding the defaults):
 * the first min(caller_size, lib_size) bytes; nothing past caller_size is
 * read. */
void util_struct_out(void *dst, size_t caller_size, const void *src, size_t lib_size);
void util_struct_in(void *dst, size_t lib_size, const void *src, size_t caller_size);

#endif
