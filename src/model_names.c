/*
 * model_names.c - the attribute-names block of model files (pipeline layer).
 *
 *   u8 present (0: no names, nothing follows; 1: names follow)
 *   u32 count (= nattr), then count x str: the name of attribute a, in
 *   attribute order, 1..MIO_MAX_NAME bytes, no NUL
 *
 * The block ends the payload of format version 5 (docs/MODEL_FORMAT.md);
 * the names are what `crftag dump` shows (featname.h makes them).
 */
#include "model_names.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "model.h"
#include "model_codec.h"
#include "util.h"

enum crftag_status mio_names_check(const struct crftag_model *m, uint64_t *size,
                                   struct crftag_error *err)
{
    uint64_t s = 1;
    if (m->names && m->name_off) {
        s += 4;
        for (uint32_t a = 0; a < m->nattr; a++) {
            if (m->name_off[a] >= m->names_len)
                return err_set(err, CRFTAG_ERR_INVALID, NULL, 0, "attribute %u has no name", a);
            size_t n = strnlen(m->names + m->name_off[a], m->names_len - m->name_off[a]);
            if (n < 1 || n > MIO_MAX_NAME || m->name_off[a] + n >= m->names_len)
                return err_set(err, CRFTAG_ERR_INVALID, NULL, 0,
                               "the name of attribute %u has %zu bytes (1..%u allowed)", a, n,
                               MIO_MAX_NAME);
            s += 4 + n;
        }
    }
    *size = s;
    return CRFTAG_OK;
}

size_t mio_names_write(const struct crftag_model *m, const uint32_t *order, unsigned char *p)
{
    size_t q = 0;
    if (!m->names || !m->name_off) {
        p[q++] = 0;
        return q;
    }
    p[q++] = 1;
    put_u32(p + q, m->nattr);
    q += 4;
    for (uint32_t a = 0; a < m->nattr; a++) {
        const char *s = m->names + m->name_off[order ? order[a] : a];
        size_t n = strlen(s);
        put_u32(p + q, (uint32_t)n);
        memcpy(p + q + 4, s, n);
        q += 4 + n;
    }
    return q;
}

/* Checks the names at p[pos..n) and returns their total size in *bytes
 * (lengths plus a NUL each); 0 or a message. */
static int mio_names_scan(const unsigned char *p, size_t n, size_t pos, uint32_t count,
                          size_t *bytes, char *msg, size_t msg_size)
{
    size_t total = 0;
    for (uint32_t a = 0; a < count; a++) {
        if (n - pos < 4) {
            snprintf(msg, msg_size, "payload ends inside the name of attribute %u", a);
            return -1;
        }
        uint32_t len = get_u32(p + pos);
        pos += 4;
        if (len < 1 || len > MIO_MAX_NAME) {
            snprintf(msg, msg_size, "the name of attribute %u has %lu bytes (1..%u allowed)", a,
                     (unsigned long)len, MIO_MAX_NAME);
            return -1;
        }
        if (n - pos < len) {
            snprintf(msg, msg_size, "payload ends inside the name of attribute %u", a);
            return -1;
        }
        if (memchr(p + pos, '\0', len)) {
            snprintf(msg, msg_size, "NUL byte inside the name of attribute %u", a);
            return -1;
        }
        pos += len;
        total += (size_t)len + 1;
    }
    *bytes = total;
    return 0;
}

enum crftag_status mio_names_parse(const unsigned char *p, size_t n, size_t *pos,
                                   struct crftag_model *m, char *msg, size_t msg_size)
{
    size_t q = *pos;
    if (q >= n) {
        snprintf(msg, msg_size, "payload ends before the attribute names");
        return CRFTAG_ERR_MODEL_FORMAT;
    }
    unsigned present = p[q++];
    if (present > 1) {
        snprintf(msg, msg_size, "attribute names flag %u", present);
        return CRFTAG_ERR_MODEL_FORMAT;
    }
    if (present) {
        if (n - q < 4) {
            snprintf(msg, msg_size, "payload ends inside the attribute names");
            return CRFTAG_ERR_MODEL_FORMAT;
        }
        uint32_t count = get_u32(p + q);
        q += 4;
        if (count != m->nattr) {
            snprintf(msg, msg_size, "%lu attribute names for %lu attributes",
                     (unsigned long)count, (unsigned long)m->nattr);
            return CRFTAG_ERR_MODEL_FORMAT;
        }
        size_t bytes;
        if (mio_names_scan(p, n, q, count, &bytes, msg, msg_size))
            return CRFTAG_ERR_MODEL_FORMAT;
        m->names = util_malloc(bytes ? bytes : 1, 1);
        m->name_off = util_malloc(count ? count : 1, sizeof *m->name_off);
        if (!m->names || !m->name_off) {
            snprintf(msg, msg_size, "out of memory (attribute names)");
            return CRFTAG_ERR_NOMEM;
        }
        size_t o = 0;
        for (uint32_t a = 0; a < count; a++) {
            uint32_t len = get_u32(p + q);
            memcpy(m->names + o, p + q + 4, len);
            m->names[o + len] = '\0';
            m->name_off[a] = o;
            o += (size_t)len + 1;
            q += 4 + (size_t)len;
        }
        m->names_len = bytes;
    }
    *pos = q;
    return CRFTAG_OK;
}
