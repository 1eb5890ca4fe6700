/*
 * test_model_codec.c - the byte codec of model files (model_codec.h): byte
 * planes against a byte-by-byte reading of their definition, the CRC
 * against zlib's crc32, the inflation against zlib's compress2 and broken
 * streams.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "model_codec.h"

/* A deterministic byte stream (xorshift64*). */
static uint64_t rnd(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * UINT64_C(2685821657736338717);
}

/* Value i of n in planes p of width bytes, as MODEL_FORMAT.md defines it. */
static uint64_t plane_value(const unsigned char *p, size_t n, unsigned width, size_t i)
{
    uint64_t v = 0;
    for (unsigned b = 0; b < width; b++)
        v |= (uint64_t)p[b * n + i] << (8 * b);
    return v;
}

/* Every window [first, first + count) of arrays of sizes around the 16
 * values the vector path takes at a time, every width. */
static void test_planes(void **state)
{
    (void)state;
    static const size_t sizes[] = { 0, 1, 2, 15, 16, 17, 31, 32, 33, 47, 100, 1000 };
    uint64_t s = 0x9e3779b97f4a7c15u;
    for (size_t z = 0; z < sizeof sizes / sizeof *sizes; z++) {
        size_t n = sizes[z];
        unsigned char *p = malloc(8 * n + 1);
        uint64_t *o64 = malloc((n + 1) * sizeof *o64);
        uint32_t *o32 = malloc((n + 1) * sizeof *o32);
        assert_non_null(p);
        assert_non_null(o64);
        assert_non_null(o32);
        for (size_t i = 0; i < 8 * n; i++)
            p[i] = (unsigned char)rnd(&s);
        size_t step = n > 40 ? 7 : 1;
        for (size_t first = 0; first <= n; first += step) {
            for (size_t count = 0; first + count <= n; count += step) {
                for (unsigned w = 1; w <= 8; w++) {
                    get_planes64(p, n, w, first, count, o64);
                    for (size_t i = 0; i < count; i++)
                        assert_true(o64[i] == plane_value(p, n, w, first + i));
                }
                for (unsigned w = 1; w <= 4; w++) {
                    get_planes32(p, n, w, first, count, o32);
                    for (size_t i = 0; i < count; i++)
                        assert_int_equal(o32[i], plane_value(p, n, w, first + i));
                }
            }
        }
        /* put_plane writes what get_planes reads back */
        for (size_t i = 0; i < n; i++)
            put_plane(p, n, 8, i, ~(uint64_t)i * UINT64_C(0x0101010101010101));
        get_planes64(p, n, 8, 0, n, o64);
        for (size_t i = 0; i < n; i++)
            assert_true(o64[i] == ~(uint64_t)i * UINT64_C(0x0101010101010101));
        free(p);
        free(o64);
        free(o32);
    }
}

/* Array sizes around the 16 values the vector code takes at a time. */
static const size_t sum_sizes[] = { 0, 1, 2, 15, 16, 17, 31, 32, 33, 47, 48, 49, 100, 1000, 1024 };
#define NSUM_SIZES (sizeof sum_sizes / sizeof *sum_sizes)

/* Where to put an invalid value in an array of n: the ends and the edges of
 * the blocks of 16. */
static size_t bad_at(size_t n, int k)
{
    static const size_t at[] = { 0, 1, 14, 15, 16, 17, 31, 32, 33, 500, 1023 };
    if (k < 0)
        return n - 1;
    return (size_t)k < sizeof at / sizeof *at && at[k] < n ? at[k] : n;
}
#define NBAD_AT 12   /* k = -1 .. 10 */

/* mio_hash_sums(_plain) against the sums and checks made value by value;
 * returns what both return (asserting they are the same). */
static size_t check_hash_sums(const unsigned char *p, size_t n, uint64_t *o1, uint64_t *o2)
{
    size_t want = n;
    uint64_t h = 0;
    for (size_t a = 0; a < n; a++) {
        uint64_t d = plane_value(p, n, 8, a);
        if (d == 0 || h + d < h) {
            want = a;
            break;
        }
        h += d;
    }
    size_t r1 = mio_hash_sums(p, n, o1), r2 = mio_hash_sums_plain(p, n, o2);
    assert_true(r1 == want);
    assert_true(r2 == want);
    h = 0;
    for (size_t a = 0; a < want; a++) {
        h += plane_value(p, n, 8, a);
        assert_true(o1[a] == h);
        assert_true(o2[a] == h);
    }
    return want;
}

/* Hash differences: valid ones summed alike; a 0 or a sum past 2^64 - 1 at
 * any place found at that place by both. */
static void test_hash_sums(void **state)
{
    (void)state;
    uint64_t s = 0x243f6a8885a308d3u;
    for (size_t z = 0; z < NSUM_SIZES; z++) {
        size_t n = sum_sizes[z];
        unsigned char *p = malloc(8 * n + 1);
        uint64_t *o1 = malloc((n + 1) * sizeof *o1), *o2 = malloc((n + 1) * sizeof *o2);
        assert_non_null(p);
        assert_non_null(o1);
        assert_non_null(o2);
        /* differences of 1 to 2^53: the sum of 1,024 stays below 2^64, and
         * some of 1 byte or with zero bytes inside */
        for (size_t i = 0; i < n; i++) {
            uint64_t d = rnd(&s) >> (11 + rnd(&s) % 53);
            put_plane(p, n, 8, i, d ? d : 1);
        }
        assert_true(check_hash_sums(p, n, o1, o2) == n);
        if (n > 0) {
            /* the last difference taking the sum to 2^64 - 1, then to 2^64 */
            uint64_t before = 0, keep = plane_value(p, n, 8, n - 1);
            for (size_t i = 0; i + 1 < n; i++)
                before += plane_value(p, n, 8, i);
            put_plane(p, n, 8, n - 1, UINT64_MAX - before);
            assert_true(check_hash_sums(p, n, o1, o2) == n);
            assert_true(o1[n - 1] == UINT64_MAX);
            put_plane(p, n, 8, n - 1, UINT64_MAX - before + 1);
            assert_true(check_hash_sums(p, n, o1, o2) == n - 1);
            put_plane(p, n, 8, n - 1, keep);
        }
        for (int k = -1; k < NBAD_AT - 1 && n > 0; k++) {
            size_t at = bad_at(n, k);
            if (at >= n)
                continue;
            uint64_t keep = plane_value(p, n, 8, at);
            put_plane(p, n, 8, at, 0);
            assert_true(check_hash_sums(p, n, o1, o2) == at);
            /* past 2^64 there (the sum before is at least at), or at 0 the
             * next one */
            put_plane(p, n, 8, at, UINT64_MAX - (uint64_t)at / 2);
            assert_true(check_hash_sums(p, n, o1, o2) == (at > 0 ? at : n > 1 ? 1 : n));
            put_plane(p, n, 8, at, keep);
        }
        free(p);
        free(o1);
        free(o2);
    }
}

/* mio_count_sums(_plain) against the sums made value by value. */
static size_t check_count_sums(const unsigned char *p, size_t n, uint32_t limit, uint32_t *o1,
                               uint32_t *o2)
{
    size_t want = n;
    uint64_t off = 0;
    for (size_t a = 0; a < n; a++) {
        off += plane_value(p, n, 4, a);
        if (off > limit) {
            want = a;
            break;
        }
    }
    size_t r1 = mio_count_sums(p, n, limit, o1), r2 = mio_count_sums_plain(p, n, limit, o2);
    assert_true(r1 == want);
    assert_true(r2 == want);
    off = 0;
    for (size_t a = 0; a < want; a++) {
        off += plane_value(p, n, 4, a);
        assert_true(o1[a] == off);
        assert_true(o2[a] == off);
    }
    return want;
}

/* Pair counts: summed alike under every limit from their sum down, the
 * first sum past the limit found by both, a count of 2^32 - 1 too. */
static void test_count_sums(void **state)
{
    (void)state;
    uint64_t s = 0x13198a2e03707344u;
    for (size_t z = 0; z < NSUM_SIZES; z++) {
        size_t n = sum_sizes[z];
        unsigned char *p = malloc(4 * n + 1);
        uint32_t *o1 = malloc((n + 1) * sizeof *o1), *o2 = malloc((n + 1) * sizeof *o2);
        assert_non_null(p);
        assert_non_null(o1);
        assert_non_null(o2);
        uint64_t total = 0;
        for (size_t i = 0; i < n; i++) {
            uint32_t c = (uint32_t)(rnd(&s) % 4 == 0 ? 0 : rnd(&s) >> (40 + rnd(&s) % 24));
            put_plane(p, n, 4, i, c);
            total += c;
        }
        assert_true(total < UINT32_MAX);
        assert_true(check_count_sums(p, n, (uint32_t)total, o1, o2) == n);
        assert_true(check_count_sums(p, n, UINT32_MAX, o1, o2) == n);
        for (uint64_t lim = total; lim > 0 && lim + 64 > total; lim--)
            check_count_sums(p, n, (uint32_t)lim - 1, o1, o2);
        for (int k = -1; k < NBAD_AT - 1 && n > 0; k++) {
            size_t at = bad_at(n, k);
            if (at >= n)
                continue;
            uint64_t keep = plane_value(p, n, 4, at);
            put_plane(p, n, 4, at, UINT32_MAX);
            size_t r = check_count_sums(p, n, (uint32_t)total + 1000, o1, o2);
            assert_true(r == at);
            put_plane(p, n, 4, at, keep + total + 1);   /* just past the limit total */
            assert_true(check_count_sums(p, n, (uint32_t)total, o1, o2) == at);
            put_plane(p, n, 4, at, keep);
        }
        free(p);
        free(o1);
        free(o2);
    }
}

/* mio_label_ids(_plain) against the ids read value by value. */
static size_t check_label_ids(const unsigned char *p, size_t n, unsigned width, size_t L,
                              uint16_t *o1, uint16_t *o2)
{
    size_t want = n;
    for (size_t k = 0; k < n; k++)
        if (plane_value(p, n, width, k) >= L) {
            want = k;
            break;
        }
    size_t r1 = mio_label_ids(p, n, width, L, o1), r2 = mio_label_ids_plain(p, n, width, L, o2);
    assert_true(r1 == want);
    assert_true(r2 == want);
    for (size_t k = 0; k < want; k++) {
        assert_int_equal(o1[k], plane_value(p, n, width, k));
        assert_int_equal(o2[k], plane_value(p, n, width, k));
    }
    return want;
}

/* Label ids of 1 and 2 bytes, for label counts at the edges of the bytes:
 * all ids below the count read alike; one id at or above it found by both
 * wherever it is. */
static void test_label_ids(void **state)
{
    (void)state;
    static const size_t counts1[] = { 1, 2, 22, 127, 128, 129, 255, 256 };
    static const size_t counts2[] = { 257, 300, 32767, 32768, 32769, 65535 };
    uint64_t s = 0xa4093822299f31d0u;
    for (size_t z = 0; z < NSUM_SIZES; z++) {
        size_t n = sum_sizes[z];
        unsigned char *p = malloc(2 * n + 1);
        uint16_t *o1 = malloc((n + 1) * sizeof *o1), *o2 = malloc((n + 1) * sizeof *o2);
        assert_non_null(p);
        assert_non_null(o1);
        assert_non_null(o2);
        for (unsigned width = 1; width <= 2; width++) {
            const size_t *cs = width == 1 ? counts1 : counts2;
            size_t ncs = width == 1 ? sizeof counts1 / sizeof *counts1
                                    : sizeof counts2 / sizeof *counts2;
            for (size_t c = 0; c < ncs; c++) {
                size_t L = cs[c];
                for (size_t k = 0; k < n; k++)
                    put_plane(p, n, width, k, k % 5 == 0 ? L - 1 : rnd(&s) % L);
                assert_true(check_label_ids(p, n, width, L, o1, o2) == n);
                for (int k = -1; k < NBAD_AT - 1 && n > 0; k++) {
                    size_t at = bad_at(n, k);
                    if (at >= n)
                        continue;
                    uint64_t keep = plane_value(p, n, width, at);
                    uint64_t top = width == 1 ? 255 : 65535;
                    put_plane(p, n, width, at, L <= top ? L : top);
                    assert_true(check_label_ids(p, n, width, L, o1, o2) == (L <= top ? at : n));
                    put_plane(p, n, width, at, top);
                    assert_true(check_label_ids(p, n, width, L, o1, o2) == (top < L ? n : at));
                    put_plane(p, n, width, at, keep);
                }
            }
        }
        free(p);
        free(o1);
        free(o2);
    }
}

/* Weights k * 2^-shift: every width and shift, k of every size and sign up
 * to the width's (the extremes of 4 bytes: -2^31 and 2^31 - 1), read alike
 * by both and as the definition says. */
static void test_weights(void **state)
{
    (void)state;
    uint64_t s = 0x082efa98ec4e6c89u;
    for (size_t z = 0; z < NSUM_SIZES; z++) {
        size_t n = sum_sizes[z];
        unsigned char *p = malloc(4 * n + 1);
        float *o1 = malloc((n + 1) * sizeof *o1), *o2 = malloc((n + 1) * sizeof *o2);
        assert_non_null(p);
        assert_non_null(o1);
        assert_non_null(o2);
        for (unsigned width = 1; width <= 4; width++) {
            uint32_t top = width == 4 ? UINT32_MAX : (UINT32_C(1) << (8 * width)) - 1;
            for (size_t i = 0; i < n; i++) {
                uint32_t zz = (uint32_t)(rnd(&s) >> (32 + rnd(&s) % 32)) & top;
                put_plane(p, n, width, i, i == 1 ? top : i == 2 ? top - 1 : zz);
            }
            for (unsigned shift = 0; shift <= MIO_MAX_SHIFT; shift++) {
                mio_weights(p, n, width, shift, o1);
                mio_weights_plain(p, n, width, shift, o2);
                for (size_t i = 0; i < n; i++) {
                    uint32_t zz = (uint32_t)plane_value(p, n, width, i);
                    double k = (zz & 1) ? -(double)(zz >> 1) - 1 : (double)(zz >> 1);
                    float want = (float)ldexp(k, -(int)shift);
                    assert_memory_equal(&o1[i], &want, sizeof want);
                    assert_memory_equal(&o2[i], &want, sizeof want);
                }
            }
        }
        free(p);
        free(o1);
        free(o2);
    }
}

/* mio_crc is zlib's crc32 of the header's first 32 bytes and the rest. */
static void test_crc(void **state)
{
    (void)state;
    uint64_t s = 42;
    static const size_t lens[] = { MIO_HEADER, MIO_HEADER + 1, MIO_HEADER + 15, 100, 4096,
                                   65536 + 37, 1000003 };
    for (size_t k = 0; k < sizeof lens / sizeof *lens; k++) {
        size_t len = lens[k];
        unsigned char *f = malloc(len);
        assert_non_null(f);
        for (size_t i = 0; i < len; i++)
            f[i] = (unsigned char)rnd(&s);
        uLong c = crc32(0L, Z_NULL, 0);
        c = crc32(c, f, MIO_CRC_AT);
        c = crc32_z(c, f + MIO_HEADER, len - MIO_HEADER);
        assert_int_equal(mio_crc(f, len), (uint32_t)c);
        free(f);
    }
}

/* What compress2 writes inflates back; a stream cut short, one with a byte
 * after it, one that does not fit and a bad zlib header are refused. */
static void test_inflate(void **state)
{
    (void)state;
    uint64_t s = 7;
    size_t n = 300000;
    unsigned char *src = malloc(n), *back = malloc(n + 16);
    uLongf clen = compressBound(n) + 1;
    unsigned char *z = malloc(clen);
    assert_non_null(src);
    assert_non_null(back);
    assert_non_null(z);
    for (size_t i = 0; i < n; i++)          /* compressible: small values, runs */
        src[i] = (unsigned char)(i % 977 < 500 ? 0 : rnd(&s) % 7);
    uLongf zl = compressBound(n);
    assert_int_equal(compress2(z, &zl, src, n, MIO_LEVEL), Z_OK);

    size_t dl = n, sl = zl;
    assert_int_equal(mio_inflate(back, &dl, z, &sl), MIO_INFLATE_OK);
    assert_int_equal(dl, n);
    assert_int_equal(sl, zl);
    assert_memory_equal(back, src, n);

    dl = n + 16;                            /* room to spare: the size is reported */
    sl = zl;
    assert_int_equal(mio_inflate(back, &dl, z, &sl), MIO_INFLATE_OK);
    assert_int_equal(dl, n);

    dl = n - 1;                             /* does not fit */
    sl = zl;
    assert_int_equal(mio_inflate(back, &dl, z, &sl), MIO_INFLATE_DATA);

    dl = n;                                 /* the Adler-32 cut off */
    sl = zl - 1;
    assert_int_equal(mio_inflate(back, &dl, z, &sl), MIO_INFLATE_DATA);

    dl = n;                                 /* the deflate data cut off */
    sl = zl / 2;
    assert_int_equal(mio_inflate(back, &dl, z, &sl), MIO_INFLATE_DATA);

    z[zl] = 0;                              /* a byte after the stream */
    dl = n;
    sl = zl + 1;
    assert_int_equal(mio_inflate(back, &dl, z, &sl), MIO_INFLATE_DATA);

    unsigned char h0 = z[0];                /* not deflate: method 7 */
    z[0] = (unsigned char)((h0 & 0xf0) | 7);
    dl = n;
    sl = zl;
    assert_int_equal(mio_inflate(back, &dl, z, &sl), MIO_INFLATE_DATA);
    z[0] = h0;
    z[1] ^= 1;                              /* header check bits wrong */
    dl = n;
    sl = zl;
    assert_int_equal(mio_inflate(back, &dl, z, &sl), MIO_INFLATE_DATA);

    free(src);
    free(back);
    free(z);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_planes),
        cmocka_unit_test(test_hash_sums),
        cmocka_unit_test(test_count_sums),
        cmocka_unit_test(test_label_ids),
        cmocka_unit_test(test_weights),
        cmocka_unit_test(test_crc),
        cmocka_unit_test(test_inflate),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
