/*
 * model_codec.c - the CRC and the inflation of model files (pipeline layer);
 * the rest of the byte codec is inline in model_codec.h.
 *
 * Both go through libdeflate: its CRC-32 is zlib's (the same polynomial and
 * results) with carry-less multiplication where the CPU has it, and its
 * whole-buffer inflate is about twice as fast as zlib's streaming one.  The
 * files are still written by zlib (model_write.c): any zlib stream reads.
 */
#include "model_codec.h"

#include <libdeflate.h>
#include <math.h>
#include <string.h>

uint32_t mio_crc(const unsigned char *file, size_t len)
{
    uint32_t c = libdeflate_crc32(0, file, MIO_CRC_AT);
    return libdeflate_crc32(c, file + MIO_HEADER, len - MIO_HEADER);
}

/* The deflate data after the 2-byte zlib header is inflated raw, and must
 * end exactly at the 4-byte Adler-32, which is not checked: the file's CRC,
 * checked before, covers every compressed byte, and the Adler-32 would be a
 * second pass over the payload. */
int mio_inflate(unsigned char *dst, size_t *dlen, const unsigned char *src, size_t *slen)
{
    size_t in = *slen, out = *dlen;
    *dlen = 0;
    *slen = 0;
    if (in < 6 || (src[0] & 0x0f) != 8 || (src[0] >> 4) > 7 || (src[1] & 0x20) ||
        ((unsigned)src[0] << 8 | src[1]) % 31 != 0)
        return MIO_INFLATE_DATA;
    struct libdeflate_decompressor *d = libdeflate_alloc_decompressor();
    if (!d)
        return MIO_INFLATE_NOMEM;
    size_t rin = 0, rout = 0;
    enum libdeflate_result r =
        libdeflate_deflate_decompress_ex(d, src + 2, in - 2, dst, out, &rin, &rout);
    libdeflate_free_decompressor(d);
    if (r != LIBDEFLATE_SUCCESS)
        return MIO_INFLATE_DATA;
    *dlen = rout;
    *slen = 2 + rin + (in - 2 - rin >= 4 ? 4 : 0);
    return in - 2 - rin == 4 ? MIO_INFLATE_OK : MIO_INFLATE_DATA;
}

/* mio_hash_sums_plain from value a on, h the sum of the values before it. */
static size_t hash_sums_from(const unsigned char *p, size_t n, size_t a, uint64_t h,
                             uint64_t *out)
{
    for (; a < n; a++) {
        uint64_t d = 0;
        for (unsigned b = 0; b < 8; b++)
            d |= (uint64_t)p[b * n + a] << (8 * b);
        if (d == 0 || d > UINT64_MAX - h)
            return a;
        h += d;
        out[a] = h;
    }
    return n;
}

size_t mio_hash_sums_plain(const unsigned char *p, size_t n, uint64_t *out)
{
    return hash_sums_from(p, n, 0, 0, out);
}

/* mio_count_sums_plain from value a on, off the sum of the counts before it. */
static size_t count_sums_from(const unsigned char *p, size_t n, size_t a, uint64_t off,
                              uint32_t limit, uint32_t *out)
{
    for (; a < n; a++) {
        uint32_t c = 0;
        for (unsigned b = 0; b < 4; b++)
            c |= (uint32_t)p[b * n + a] << (8 * b);
        off += c;
        if (off > limit)
            return a;
        out[a] = (uint32_t)off;
    }
    return n;
}

size_t mio_count_sums_plain(const unsigned char *p, size_t n, uint32_t limit, uint32_t *out)
{
    return count_sums_from(p, n, 0, 0, limit, out);
}

/* mio_label_ids_plain from value k on. */
static size_t label_ids_from(const unsigned char *p, size_t n, size_t k, unsigned width,
                             size_t nlabels, uint16_t *out)
{
    for (; k < n; k++) {
        unsigned v = p[k];
        if (width > 1)
            v |= (unsigned)p[n + k] << 8;
        if (v >= nlabels)
            return k;
        out[k] = (uint16_t)v;
    }
    return n;
}

size_t mio_label_ids_plain(const unsigned char *p, size_t n, unsigned width, size_t nlabels,
                           uint16_t *out)
{
    return label_ids_from(p, n, 0, width, nlabels, out);
}

/* mio_weights_plain from value k on, scale = 2^-shift. */
static void weights_from(const unsigned char *p, size_t n, size_t k, unsigned width,
                         double scale, float *out)
{
    for (; k < n; k++) {
        uint32_t z = 0;
        for (unsigned b = 0; b < width; b++)
            z |= (uint32_t)p[b * n + k] << (8 * b);
        out[k] = (float)((double)unzigzag32(z) * scale);
    }
}

/* k * 2^-shift: a product by a power of 2, exact for |k| < 2^31. */
void mio_weights_plain(const unsigned char *p, size_t n, unsigned width, unsigned shift,
                       float *out)
{
    weights_from(p, n, 0, width, ldexp(1.0, -(int)shift), out);
}

#ifdef __SSE2__
/* Each block of 16 values is decoded by the vector code and summed or
 * checked without a branch; a block with an invalid value is gone over again
 * by the plain code, which finds the first. */

#if defined(__clang__)
#define MIO_UNROLL _Pragma("unroll 16")
#elif defined(__GNUC__)
#define MIO_UNROLL _Pragma("GCC unroll 16")
#else
#define MIO_UNROLL
#endif

/* The sums 2 at a time: (d0, d1) + (0, d0) + (s, s), s the last sum before.
 * The differences are checked over the whole array: none is 0, and their
 * total, as the totals of their high and low 32-bit halves (no lane of
 * which can pass 2^64 for fewer than 2^32 values), is below 2^64; then no
 * sum passes 2^64 - 1, since the sums go up.  An array that fails is gone
 * over again by the plain code, which finds the first culprit. */
size_t mio_hash_sums(const unsigned char *p, size_t n, uint64_t *out)
{
    const __m128i z = _mm_setzero_si128(), low = _mm_set1_epi64x(0xffffffff);
    __m128i s = z, zero = z, his = z, los = z;
    size_t a = 0;
    for (; a + 16 <= n; a += 16) {
        __m128i lo[4], hi[4];
        planes32_16v(p + a, n, 4, lo);
        planes32_16v(p + 4 * n + a, n, 4, hi);
        MIO_UNROLL
        for (int k = 0; k < 4; k++) {
            zero = _mm_or_si128(zero, _mm_cmpeq_epi32(_mm_or_si128(lo[k], hi[k]), z));
            his = _mm_add_epi64(his, _mm_add_epi64(_mm_and_si128(hi[k], low),
                                                   _mm_srli_epi64(hi[k], 32)));
            los = _mm_add_epi64(los, _mm_add_epi64(_mm_and_si128(lo[k], low),
                                                   _mm_srli_epi64(lo[k], 32)));
            __m128i d0 = _mm_unpacklo_epi32(lo[k], hi[k]), d1 = _mm_unpackhi_epi32(lo[k], hi[k]);
            __m128i s0 = _mm_add_epi64(_mm_add_epi64(d0, _mm_slli_si128(d0, 8)), s);
            s = _mm_unpackhi_epi64(s0, s0);
            __m128i s1 = _mm_add_epi64(_mm_add_epi64(d1, _mm_slli_si128(d1, 8)), s);
            s = _mm_unpackhi_epi64(s1, s1);
            _mm_storeu_si128((__m128i *)(void *)(out + a + 4 * k), s0);
            _mm_storeu_si128((__m128i *)(void *)(out + a + 4 * k + 2), s1);
        }
    }
    uint64_t h = 0;
    if (a > 0) {
        uint64_t hs[2], ls[2];
        _mm_storeu_si128((__m128i *)(void *)hs, his);
        _mm_storeu_si128((__m128i *)(void *)ls, los);
        uint64_t H = hs[0] + hs[1], Lo = ls[0] + ls[1];
        if (_mm_movemask_epi8(zero) || H + (Lo >> 32) > UINT32_MAX)
            return mio_hash_sums_plain(p, n, out);
        h = out[a - 1];
    }
    return hash_sums_from(p, n, a, h, out);
}

size_t mio_count_sums(const unsigned char *p, size_t n, uint32_t limit, uint32_t *out)
{
    uint64_t off = 0;
    size_t a = 0;
    for (; a + 16 <= n; a += 16) {
        uint32_t *o = out + a;
        uint64_t s = off;
        planes32_16(p + a, n, 4, o);
        MIO_UNROLL
        for (int j = 0; j < 16; j++) {
            s += o[j];
            o[j] = (uint32_t)s;
        }
        if (s > limit)           /* the sums go up: the last is the largest */
            break;
        off = s;
    }
    return count_sums_from(p, n, a, off, limit, out);
}

size_t mio_label_ids(const unsigned char *p, size_t n, unsigned width, size_t nlabels,
                     uint16_t *out)
{
    /* ids above top are invalid: a saturated subtraction leaves them
     * non-zero (top = 65535: none, nlabels is at least 1) */
    const __m128i top = _mm_set1_epi16((short)(uint16_t)(nlabels > 65536 ? 65535 : nlabels - 1));
    const __m128i z = _mm_setzero_si128();
    size_t k = 0;
    for (; k + 16 <= n; k += 16) {
        __m128i b0 = _mm_loadu_si128((const __m128i *)(const void *)(p + k));
        __m128i b1 = width > 1 ? _mm_loadu_si128((const __m128i *)(const void *)(p + n + k)) : z;
        __m128i lo = _mm_unpacklo_epi8(b0, b1), hi = _mm_unpackhi_epi8(b0, b1);
        __m128i over = _mm_or_si128(_mm_subs_epu16(lo, top), _mm_subs_epu16(hi, top));
        if (_mm_movemask_epi8(_mm_cmpeq_epi16(over, z)) != 0xffff)
            break;
        _mm_storeu_si128((__m128i *)(void *)(out + k), lo);
        _mm_storeu_si128((__m128i *)(void *)(out + k + 8), hi);
    }
    return label_ids_from(p, n, k, width, nlabels, out);
}
/* Rounding k to a float first gives the same float: scaling by a power of
 * 2 commutes with rounding while the result is normal (here at least 2^-31
 * in magnitude), so 4 at a time in floats. */
#if defined(__GNUC__) || defined(__clang__)
#define MIO_INLINE __attribute__((always_inline)) inline
#else
#define MIO_INLINE inline
#endif

/* The blocks of 16 of mio_weights, for a width known where it is inlined. */
static MIO_INLINE size_t weights16(const unsigned char *p, size_t n, unsigned width, __m128 fs,
                                   float *out)
{
    const __m128i one = _mm_set1_epi32(1), z = _mm_setzero_si128();
    size_t k = 0;
    for (; k + 16 <= n; k += 16) {
        __m128i v[4];
        planes32_16v(p + k, n, width, v);
        MIO_UNROLL
        for (int j = 0; j < 4; j++) {
            /* zigzag: (z >> 1) ^ -(z & 1) */
            __m128i i = _mm_xor_si128(_mm_srli_epi32(v[j], 1),
                                      _mm_sub_epi32(z, _mm_and_si128(v[j], one)));
            _mm_storeu_ps(out + k + 4 * j, _mm_mul_ps(_mm_cvtepi32_ps(i), fs));
        }
    }
    return k;
}

void mio_weights(const unsigned char *p, size_t n, unsigned width, unsigned shift, float *out)
{
    const double scale = ldexp(1.0, -(int)shift);
    const __m128 fs = _mm_set1_ps((float)scale);
    size_t k;
    switch (width) {
    case 1: k = weights16(p, n, 1, fs, out); break;
    case 2: k = weights16(p, n, 2, fs, out); break;
    case 3: k = weights16(p, n, 3, fs, out); break;
    default: k = weights16(p, n, 4, fs, out); break;
    }
    weights_from(p, n, k, width, scale, out);
}
#else
void mio_weights(const unsigned char *p, size_t n, unsigned width, unsigned shift, float *out)
{
    mio_weights_plain(p, n, width, shift, out);
}

size_t mio_hash_sums(const unsigned char *p, size_t n, uint64_t *out)
{
    return mio_hash_sums_plain(p, n, out);
}

size_t mio_count_sums(const unsigned char *p, size_t n, uint32_t limit, uint32_t *out)
{
    return mio_count_sums_plain(p, n, limit, out);
}

size_t mio_label_ids(const unsigned char *p, size_t n, unsigned width, size_t nlabels,
                     uint16_t *out)
{
    return mio_label_ids_plain(p, n, width, nlabels, out);
}
#endif
