/*
 * model_codec.c - the CRC and the inflation of model files (pipeline layer);
 * the rest of the byte codec is inline in model_codec.h.
 */
#include "model_codec.h"

#include <string.h>
#include <zlib.h>

uint32_t mio_crc(const unsigned char *file, size_t len)
{
    uLong c = crc32_z(0L, Z_NULL, 0);
    c = crc32_z(c, file, MIO_CRC_AT);
    c = crc32_z(c, file + MIO_HEADER, len - MIO_HEADER);
    return (uint32_t)c;
}

/* Inflates the zlib stream src[0..*slen) into dst[0..*dlen) as uncompress2
 * does (the same results and zlib codes), but without the stream's Adler-32
 * of the payload, a second pass over it: the file's CRC, checked before,
 * covers every compressed byte.  So the deflate data after the 2-byte zlib
 * header is inflated raw, and must end exactly at the 4-byte Adler-32. */
int mio_inflate(unsigned char *dst, size_t *dlen, const unsigned char *src, size_t *slen)
{
    size_t in = *slen, left = *dlen;
    *dlen = 0;
    *slen = 0;
    if (in < 6 || (src[0] & 0x0f) != Z_DEFLATED || (src[0] >> 4) > 7 || (src[1] & 0x20) ||
        ((unsigned)src[0] << 8 | src[1]) % 31 != 0)
        return Z_DATA_ERROR;
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    int zr = inflateInit2(&zs, -15);
    if (zr != Z_OK)
        return zr;
    const uInt max = (uInt)-1;
    in -= 2;
    zs.next_in = (Bytef *)(uintptr_t)(src + 2);
    zs.next_out = dst;
    do {
        if (zs.avail_out == 0) {
            zs.avail_out = left > max ? max : (uInt)left;
            left -= zs.avail_out;
        }
        if (zs.avail_in == 0) {
            zs.avail_in = in > max ? max : (uInt)in;
            in -= zs.avail_in;
        }
        zr = inflate(&zs, Z_NO_FLUSH);
    } while (zr == Z_OK);
    *dlen = zs.total_out;
    in += zs.avail_in;                  /* not read */
    *slen = 2 + zs.total_in + (zr == Z_STREAM_END && in >= 4 ? 4 : 0);
    inflateEnd(&zs);
    if (zr == Z_STREAM_END)
        return in == 4 ? Z_OK : Z_DATA_ERROR;
    if (zr == Z_NEED_DICT || (zr == Z_BUF_ERROR && left + zs.avail_out))
        return Z_DATA_ERROR;
    return zr;
}
