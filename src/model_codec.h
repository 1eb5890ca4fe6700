/*
 * model_codec.h - the byte codec of model files, shared by model_write.c
 * and model_read.c (pipeline layer, internal).
 *
 * Little-endian integers written and read byte by byte, the IEEE-754 bits of
 * float and double, the header's sizes and limits, and the header CRC.  The
 * format itself is specified in docs/MODEL_FORMAT.md.
 */
#ifndef CRFTAG_MODEL_CODEC_H
#define CRFTAG_MODEL_CODEC_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define MIO_MAGIC "\x89" "CRFTAG\n"
#define MIO_MAGIC_LEN 8
#define MIO_HEADER 36                       /* header bytes                  */
#define MIO_CRC_AT 32                       /* offset of the CRC field       */
#define MIO_LEVEL 6                         /* compress2 level (MODEL_FORMAT.md) */
#define MIO_STORE_MIN ((size_t)1 << 18)     /* byte planes written stored: bytes */
#define MIO_STORE_BITS 5.0                  /* and entropy, bits a byte (mio_store_plane) */
#define MIO_MAX_FILE ((uint64_t)2 << 30)    /* largest file loaded: 2 GiB    */
#define MIO_MAX_RATIO 1040u                 /* deflate expands <= 1032:1     */
#define MIO_MAX_LABELS 65535u
#define MIO_MAX_LABEL_LEN 4096u
#define MIO_MAX_TEMPLATE ((uint32_t)1 << 20)
#define MIO_MAX_REASON 4096u
#define MIO_MAX_LEXTYPE 4096u
#define MIO_META_FIXED 56u                  /* f64 x2, u32 x2, f64 x2, u64 x2 */
#define MIO_OLDEST 2                        /* oldest version read (no clusters) */
#define MIO_PLANES_VERSION 6                /* first version with sorted, packed attributes */
#define MIO_HASH_VERSION 7                  /* first version storing the feature hash version */
#define MIO_MEMORY_VERSION 8                /* first version storing the document memory */
#define MIO_MAX_SHIFT 31u                   /* fixed-point weights: k * 2^-shift   */
#define MIO_W_F32 255u                      /* weight shift: plain f32 weights     */

static inline void put_u16(unsigned char *p, uint16_t v)
{
    p[0] = (unsigned char)(v & 0xff);
    p[1] = (unsigned char)(v >> 8);
}

static inline void put_u32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (unsigned char)((v >> (8 * i)) & 0xff);
}

static inline void put_u64(unsigned char *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (unsigned char)((v >> (8 * i)) & 0xff);
}

static inline uint16_t get_u16(const unsigned char *p)
{
    return (uint16_t)(p[0] | (p[1] << 8));
}

static inline uint32_t get_u32(const unsigned char *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) |
           ((uint32_t)p[3] << 24);
}

static inline uint64_t get_u64(const unsigned char *p)
{
    return (uint64_t)get_u32(p) | ((uint64_t)get_u32(p + 4) << 32);
}

/* Arrays of n little-endian values into out[n]: a copy on a little-endian
 * host, byte by byte elsewhere. */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define MIO_HOST_LE 1
#else
#define MIO_HOST_LE 0
#endif

static inline void get_u16s(const unsigned char *p, size_t n, uint16_t *out)
{
    if (MIO_HOST_LE) {
        memcpy(out, p, n * 2);
        return;
    }
    for (size_t i = 0; i < n; i++)
        out[i] = get_u16(p + 2 * i);
}

static inline void get_u32s(const unsigned char *p, size_t n, uint32_t *out)
{
    if (MIO_HOST_LE) {
        memcpy(out, p, n * 4);
        return;
    }
    for (size_t i = 0; i < n; i++)
        out[i] = get_u32(p + 4 * i);
}

static inline void get_u64s(const unsigned char *p, size_t n, uint64_t *out)
{
    if (MIO_HOST_LE) {
        memcpy(out, p, n * 8);
        return;
    }
    for (size_t i = 0; i < n; i++)
        out[i] = get_u64(p + 8 * i);
}

/* IEEE-754 bits of a float / double and back (no aliasing, no UB). */
_Static_assert(sizeof(float) == 4 && sizeof(double) == 8, "IEEE-754 binary32/64 expected");
static inline uint32_t f32_bits(float f) { uint32_t u; memcpy(&u, &f, 4); return u; }
static inline float bits_f32(uint32_t u) { float f; memcpy(&f, &u, 4); return f; }
static inline uint64_t f64_bits(double d) { uint64_t u; memcpy(&u, &d, 8); return u; }
static inline double bits_f64(uint64_t u) { double d; memcpy(&d, &u, 8); return d; }

/* Byte planes (format 6): byte b of value i of an array of n values of
 * width bytes is at p[b * n + i]; all first bytes, then all second bytes... */
static inline void put_plane(unsigned char *p, size_t n, unsigned width, size_t i, uint64_t v)
{
    for (unsigned b = 0; b < width; b++)
        p[b * n + i] = (unsigned char)((v >> (8 * b)) & 0xff);
}

#ifdef __SSE2__
#include <emmintrin.h>

/* 16 values of up to 4 bytes from the planes q[b * n + i], b < width (the
 * others read as 0), into 4 vectors of 4: bytes interleaved into 16-bit
 * halves, then halves into 32-bit values. */
static inline void planes32_16v(const unsigned char *q, size_t n, unsigned width, __m128i v[4])
{
    const __m128i z = _mm_setzero_si128();
    __m128i b0 = _mm_loadu_si128((const __m128i *)q);
    __m128i b1 = width > 1 ? _mm_loadu_si128((const __m128i *)(q + n)) : z;
    __m128i b2 = width > 2 ? _mm_loadu_si128((const __m128i *)(q + 2 * n)) : z;
    __m128i b3 = width > 3 ? _mm_loadu_si128((const __m128i *)(q + 3 * n)) : z;
    __m128i lo01 = _mm_unpacklo_epi8(b0, b1), hi01 = _mm_unpackhi_epi8(b0, b1);
    __m128i lo23 = _mm_unpacklo_epi8(b2, b3), hi23 = _mm_unpackhi_epi8(b2, b3);
    v[0] = _mm_unpacklo_epi16(lo01, lo23);
    v[1] = _mm_unpackhi_epi16(lo01, lo23);
    v[2] = _mm_unpacklo_epi16(hi01, hi23);
    v[3] = _mm_unpackhi_epi16(hi01, hi23);
}

/* The same into out[16]. */
static inline void planes32_16(const unsigned char *q, size_t n, unsigned width, uint32_t *out)
{
    __m128i v[4];
    planes32_16v(q, n, width, v);
    for (int k = 0; k < 4; k++)
        _mm_storeu_si128((__m128i *)(out + 4 * k), v[k]);
}

/* The same for 16 values of 8 bytes: the low and the high 4 bytes as
 * above, then the halves interleaved into 64-bit values. */
static inline void planes64_16(const unsigned char *q, size_t n, uint64_t *out)
{
    __m128i lo[4], hi[4];
    planes32_16v(q, n, 4, lo);
    planes32_16v(q + 4 * n, n, 4, hi);
    for (int k = 0; k < 4; k++) {
        _mm_storeu_si128((__m128i *)(out + 4 * k), _mm_unpacklo_epi32(lo[k], hi[k]));
        _mm_storeu_si128((__m128i *)(out + 4 * k + 2), _mm_unpackhi_epi32(lo[k], hi[k]));
    }
}
#endif

/* Values first .. first + count - 1 of the n in planes p, into out[count]:
 * the planes read side by side, 16 values at a time where SSE2 is there. */
static inline void get_planes64(const unsigned char *p, size_t n, unsigned width, size_t first,
                                size_t count, uint64_t *out)
{
    const unsigned char *q = p + first;
    size_t i = 0;
#ifdef __SSE2__
    if (width == 8)
        for (; i + 16 <= count; i += 16)
            planes64_16(q + i, n, out + i);
#endif
    for (; i < count; i++) {
        uint64_t v = 0;
        for (unsigned b = 0; b < width; b++)
            v |= (uint64_t)q[b * n + i] << (8 * b);
        out[i] = v;
    }
}

static inline void get_planes32(const unsigned char *p, size_t n, unsigned width, size_t first,
                                size_t count, uint32_t *out)
{
    const unsigned char *q = p + first;
    size_t i = 0;
#ifdef __SSE2__
    for (; i + 16 <= count; i += 16)
        planes32_16(q + i, n, width, out + i);
#endif
    for (; i < count; i++) {
        uint32_t v = 0;
        for (unsigned b = 0; b < width && b < 4; b++)
            v |= (uint32_t)q[b * n + i] << (8 * b);
        out[i] = v;
    }
}

/* The arrays of format 6 decoded from their byte planes and checked in the
 * same pass.  Each returns n when all n values are valid, else the index of
 * the first that is not; out[] then holds the values before it (and
 * possibly more).  The _plain versions read the planes a byte at a time and
 * are the definition; the others (SSE2: 16 values at a time where the CPU
 * has it) give the same results, and the same index, on every input.
 *
 * mio_hash_sums: n hash differences in 8 byte planes, summed into out[n]; a
 * difference of 0, or a sum past 2^64 - 1, is invalid. */
size_t mio_hash_sums(const unsigned char *p, size_t n, uint64_t *out);
size_t mio_hash_sums_plain(const unsigned char *p, size_t n, uint64_t *out);

/* mio_count_sums: n pair counts in 4 byte planes, summed into out[n]; a sum
 * past limit (< 2^32) is invalid. */
size_t mio_count_sums(const unsigned char *p, size_t n, uint32_t limit, uint32_t *out);
size_t mio_count_sums_plain(const unsigned char *p, size_t n, uint32_t limit, uint32_t *out);

/* mio_label_ids: n label ids in width (1 or 2) byte planes into out[n]; an
 * id of nlabels or more is invalid. */
size_t mio_label_ids(const unsigned char *p, size_t n, unsigned width, size_t nlabels,
                     uint16_t *out);
size_t mio_label_ids_plain(const unsigned char *p, size_t n, unsigned width, size_t nlabels,
                           uint16_t *out);

/* mio_weights: n weights k * 2^-shift (shift <= MIO_MAX_SHIFT), k zigzag
 * coded in width (1 to 4) byte planes, into out[n] as floats (always
 * valid). */
void mio_weights(const unsigned char *p, size_t n, unsigned width, unsigned shift, float *out);
void mio_weights_plain(const unsigned char *p, size_t n, unsigned width, unsigned shift,
                       float *out);

/* Signed integers as unsigned ones, small magnitudes small: 0, -1, 1, -2 ->
 * 0, 1, 2, 3. */
static inline uint32_t zigzag32(int32_t k)
{
    return k < 0 ? 2u * (uint32_t)(-(k + 1)) + 1u : 2u * (uint32_t)k;
}

static inline int64_t unzigzag32(uint32_t z)
{
    return (z & 1u) ? -(int64_t)(z >> 1) - 1 : (int64_t)(z >> 1);
}

/* CRC-32 (zlib's crc32: the IEEE polynomial) of the header's first 32 bytes
 * followed by the compressed payload of the whole file file[0..len),
 * len >= MIO_HEADER. */
uint32_t mio_crc(const unsigned char *file, size_t len);

/* Results of mio_inflate. */
enum { MIO_INFLATE_OK = 0, MIO_INFLATE_NOMEM = -1, MIO_INFLATE_DATA = -2 };

/* Inflates the zlib stream src[0..*slen) into dst[0..*dlen) without checking
 * its Adler-32, which the file's CRC makes redundant; *dlen and *slen receive
 * the bytes written and read.  MIO_INFLATE_OK when the stream is valid, fits
 * in dst and ends exactly at the end of src; MIO_INFLATE_DATA when it is not,
 * MIO_INFLATE_NOMEM when out of memory. */
int mio_inflate(unsigned char *dst, size_t *dlen, const unsigned char *src, size_t *slen);

/* 1 when the writer puts the byte plane p[0..n) in stored (uncompressed)
 * blocks of the zlib stream: at least MIO_STORE_MIN bytes whose order-0
 * entropy is MIO_STORE_BITS bits a byte or more.  Deflate keeps about 2/3 of
 * such a plane or more and takes about 19 instructions a byte to inflate it,
 * where a stored block is copied; readers see the same payload. */
int mio_store_plane(const unsigned char *p, size_t n);

#endif
