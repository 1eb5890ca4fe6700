/*
 * testutil.h - helpers shared by the unit tests (test helper; include after
 * <cmocka.h>).
 *
 *   xorshift64(&s)                 next state of Marsaglia's xorshift64
 *   lcg64(&s)                      next state of Knuth's MMIX LCG
 *   rng_seed(&s, 12345)            xorshift64* seeded (0 picks a fixed seed)
 *   rng_unif(&s, lo, hi)           uniform in [lo, hi)
 *   fill(&s, a, n, lo, hi)         n such numbers into a
 *   close_to(a, b, 1e-9)           |a - b| within a relative tolerance
 *   direct_score(T, L, ...)        score of one path of a lattice
 *   write_file(path, data, len)    writes bytes, asserting success
 *   read_file(path, &len)          the first MiB of a file, malloc'd
 *   load_corpus(path)              a corpus read from path, asserting success
 *
 * The generators keep their state in the caller's uint64_t, so each test
 * file draws the same sequence from the same seed.
 */
#ifndef CRFTAG_TESTS_TESTUTIL_H
#define CRFTAG_TESTS_TESTUTIL_H

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "crftag.h"

/* xorshift64 (shifts 13, 7, 17): steps *s and returns it. */
static inline uint64_t xorshift64(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

/* The 64-bit LCG of Knuth's MMIX: steps *s and returns it (use the high
 * bits: the low ones have short periods). */
static inline uint64_t lcg64(uint64_t *s)
{
    *s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
    return *s;
}

/* xorshift64*: seeds *st with s (0 is not a valid state: a fixed one instead). */
static inline void rng_seed(uint64_t *st, uint64_t s)
{
    *st = s ? s : 0x9e3779b97f4a7c15ULL;
}

/* xorshift64*: uniform in [lo, hi), from the top 53 bits. */
static inline double rng_unif(uint64_t *st, double lo, double hi)
{
    *st ^= *st >> 12;
    *st ^= *st << 25;
    *st ^= *st >> 27;
    uint64_t r = *st * 0x2545f4914f6cdd1dULL;
    return lo + (hi - lo) * ((double)(r >> 11) / 9007199254740992.0);
}

static inline void fill(uint64_t *st, double *a, size_t n, double lo, double hi)
{
    for (size_t k = 0; k < n; k++)
        a[k] = rng_unif(st, lo, hi);
}

/* |a - b| <= rel * max(|b|, 1). */
static inline int close_to(double a, double b, double rel)
{
    double d = fabs(a - b), s = fabs(b) > 1.0 ? fabs(b) : 1.0;
    return d <= rel * s;
}

/* Direct score of path y[0..T) in a lattice of L labels: all states
 * state[T][L], then all transitions trans[L][L]. */
static inline double direct_score(size_t T, size_t L, const double *state, const double *trans,
                                  const uint32_t *y)
{
    double s = 0.0;
    for (size_t t = 0; t < T; t++)
        s += state[t * L + y[t]];
    for (size_t t = 1; t < T; t++)
        s += trans[y[t - 1] * L + y[t]];
    return s;
}

/* Writes data[0..len) to path, asserting success. */
static inline void write_file(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
}

/* The first MiB of path into a malloc'd buffer (not NUL-terminated); its
 * length into *len.  The caller frees it. */
static inline void *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    char *buf = malloc(1 << 20);
    assert_non_null(buf);
    *len = fread(buf, 1, 1 << 20, f);
    fclose(f);
    return buf;
}

/* A new corpus read from path, asserting success; crftag_corpus_free it. */
static inline struct crftag_corpus *load_corpus(const char *path)
{
    struct crftag_corpus *c;
    struct crftag_error err;
    assert_int_equal(crftag_corpus_new(&c), CRFTAG_OK);
    assert_int_equal(crftag_corpus_read(c, path, &err), CRFTAG_OK);
    return c;
}

#endif
