/*
 * fuzz_model.c - libFuzzer harness for the model loader (from memory).
 *
 * Byte 0 selects the mode: even, the rest is a whole model file; odd, the
 * rest is an uncompressed payload, wrapped here in a valid header (magic,
 * version, sizes, CRC) and zlib stream so that mutations reach the payload
 * parser instead of stopping at the checksum.  The file is given to
 * crftag_model_load_mem; a model that loads is inspected (info, every label
 * name) and used to tag a short sentence, with the returned label ids
 * checked against the label count.
 */
#include <zlib.h>

#include "crftag.h"
#include "fuzz_common.h"

static void fuzz_put(unsigned char *p, uint64_t v, int n)
{
    for (int i = 0; i < n; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

/* A model file around payload[0..len): header + compress2(payload). */
static unsigned char *fuzz_wrap(const uint8_t *payload, size_t len, size_t *out_len)
{
    uLongf clen = compressBound((uLong)len);
    unsigned char *f = malloc(36 + clen);
    if (!f || compress2(f + 36, &clen, payload, (uLong)len, 1) != Z_OK) {
        free(f);
        return NULL;
    }
    memcpy(f, "\x89" "CRFTAG\n", 8);
    fuzz_put(f + 8, CRFTAG_MODEL_FORMAT_VERSION, 4);
    fuzz_put(f + 12, 0, 4);
    fuzz_put(f + 16, len, 8);
    fuzz_put(f + 24, clen, 8);
    uLong crc = crc32(0L, Z_NULL, 0);
    crc = crc32(crc, f, 32);
    crc = crc32(crc, f + 36, (uInt)clen);
    fuzz_put(f + 32, crc, 4);
    *out_len = 36 + clen;
    return f;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > (1 << 20))
        return 0;
    unsigned char *file = NULL;
    size_t flen = size - 1;
    if (data[0] & 1) {
        file = fuzz_wrap(data + 1, size - 1, &flen);
        if (!file)
            return 0;
    } else {
        file = malloc(flen ? flen : 1);     /* exact size: ASan sees overreads */
        if (!file)
            return 0;
        memcpy(file, data + 1, flen);
    }
    struct crftag_model *m = NULL;
    struct crftag_error err;
    enum crftag_status st = crftag_model_load_mem(file, flen, &m, &err);
    free(file);
    if (st != CRFTAG_OK) {
        if (m != NULL || err.msg[0] == '\0')
            abort();
        return 0;
    }
    struct crftag_model_info info;
    crftag_model_get_info(m, &info);
    size_t L = crftag_model_num_labels(m);
    for (uint32_t i = 0; i < L; i++)
        if (!crftag_model_label(m, i))
            abort();
    if (info.num_columns > 16) {
        crftag_model_free(m);
        return 0;
    }
    static const char *const words[] = { "QEMU", "uses", "SPICE", "on", "Linux", "." };
    size_t n = 6, stride = info.num_columns ? info.num_columns : 1;
    const char *cols[6 * 16];
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < stride; j++)
            cols[i * stride + j] = words[(i + j) % n];
    struct crftag_tagger *t = NULL;
    if (crftag_tagger_new(m, &t) == CRFTAG_OK) {
        uint32_t ids[6];
        double score;
        for (int c = 0; c < 2; c++) {
            crftag_tagger_set_constrained(t, c);
            if (crftag_tagger_tag(t, cols, n, stride, ids, &score, &err) == CRFTAG_OK)
                for (size_t i = 0; i < n; i++)
                    if (ids[i] >= L)
                        abort();
        }
        crftag_tagger_free(t);
    }
    crftag_model_free(m);
    return 0;
}
