/*
 * model_codec.c - the CRC of model files (pipeline layer); the rest of the
 * byte codec is inline in model_codec.h.
 */
#include "model_codec.h"

#include <zlib.h>

uint32_t mio_crc(const unsigned char *file, size_t len)
{
    uLong c = crc32_z(0L, Z_NULL, 0);
    c = crc32_z(c, file, MIO_CRC_AT);
    c = crc32_z(c, file + MIO_HEADER, len - MIO_HEADER);
    return (uint32_t)c;
}
