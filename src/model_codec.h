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
#define MIO_MAX_FILE ((uint64_t)2 << 30)    /* largest file loaded: 2 GiB    */
#define MIO_MAX_RATIO 1040u                 /* deflate expands <= 1032:1     */
#define MIO_MAX_LABELS 65535u
#define MIO_MAX_LABEL_LEN 4096u
#define MIO_MAX_TEMPLATE ((uint32_t)1 << 20)
#define MIO_MAX_REASON 4096u
#define MIO_MAX_LEXTYPE 4096u
#define MIO_META_FIXED 56u                  /* f64 x2, u32 x2, f64 x2, u64 x2 */
#define MIO_OLDEST 2                        /* oldest version read (no clusters) */

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

/* IEEE-754 bits of a float / double and back (no aliasing, no UB). */
_Static_assert(sizeof(float) == 4 && sizeof(double) == 8, "IEEE-754 binary32/64 expected");
static inline uint32_t f32_bits(float f) { uint32_t u; memcpy(&u, &f, 4); return u; }
static inline float bits_f32(uint32_t u) { float f; memcpy(&f, &u, 4); return f; }
static inline uint64_t f64_bits(double d) { uint64_t u; memcpy(&u, &d, 8); return u; }
static inline double bits_f64(uint64_t u) { double d; memcpy(&d, &u, 8); return d; }

/* CRC-32 (zlib crc32) of the header's first 32 bytes followed by the
 * compressed payload of the whole file file[0..len), len >= MIO_HEADER. */
uint32_t mio_crc(const unsigned char *file, size_t len);

/* Inflates the zlib stream src[0..*slen) into dst[0..*dlen) (uncompress2's
 * zlib codes and results) without computing its Adler-32, which the file's
 * CRC makes redundant; *dlen and *slen receive the bytes written and read. */
int mio_inflate(unsigned char *dst, size_t *dlen, const unsigned char *src, size_t *slen);

#endif
