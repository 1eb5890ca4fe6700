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
