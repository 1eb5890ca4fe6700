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
                get_planes64(p, n, 8, first, count, o64);
                for (size_t i = 0; i < count; i++)
                    assert_true(o64[i] == plane_value(p, n, 8, first + i));
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
        cmocka_unit_test(test_crc),
        cmocka_unit_test(test_inflate),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
