/*
 * attrs.c - attribute strings given with the data (core layer): CRFsuite's
 * attribute fields, their canonical form (attrs.h) and the FEAT_ATTRS
 * feature kind.
 *
 * FEAT_ATTRS: kind id = 3 << 32; an attribute's id hashes its name (the
 * bytes after unescaping) after the kind id, so the same string gives the
 * same attribute whether it came from a file or from memory.  A token has
 * the attributes of its fields, in order, each with its weight
 * (feat_buf.val); a name given twice gives its id twice (the weights add
 * up, as in CRFsuite).  Hash version 1 hashes the name's bytes after the
 * kind id; version 2 (hash.h) combines the kind id and the name as one
 * piece: id = final(hash_begin(seed) -> kind id -> [name]).
 */
#include "attrs.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "featset.h"
#include "template.h"
#include "util.h"

static int attrs_put(char **buf, size_t *len, size_t *cap, const char *s, size_t n)
{
    if (*len > SIZE_MAX - n - 1 || UTIL_GROW(*buf, *cap, *len + n + 1))
        return -1;
    memcpy(*buf + *len, s, n);
    *len += n;
    (*buf)[*len] = '\0';
    return 0;
}

/* Parses a weight w[0..n): NULL and *out, or a message. */
static const char *attrs_weight(const char *w, size_t n, double *out)
{
    char tmp[64];
    *out = 1.0;
    if (n == 0)
        return NULL;
    if (n >= sizeof tmp)
        return "attribute weight too long (escape a ':' in a name as '\\:')";
    memcpy(tmp, w, n);
    tmp[n] = '\0';
    char *end;
    double v = strtod(tmp, &end);
    if (end == tmp || *end != '\0')
        return "attribute weight is not a number (escape a ':' in a name as '\\:')";
    if (!isfinite(v))
        return "attribute weight is not finite";
    *out = v;
    return NULL;
}

const char *attrs_file_field(const char *f, size_t n, char **buf, size_t *len, size_t *cap)
{
    size_t colon = n;
    for (size_t i = 0; i < n; i++) {
        if (f[i] == '\\' && i + 1 < n && (f[i + 1] == '\\' || f[i + 1] == ':')) {
            i++;
        } else if (f[i] == ':') {
            colon = i;
            break;
        }
    }
    if (colon == 0)
        return "empty attribute name";
    double w = 1.0;
    const char *msg = colon < n ? attrs_weight(f + colon + 1, n - colon - 1, &w) : NULL;
    if (msg)
        return msg;
    if (*len > 0 && attrs_put(buf, len, cap, "\t", 1))
        return "out of memory";
    /* the name: a lone backslash becomes "\\", the rest is already canonical */
    for (size_t i = 0; i < colon; i++) {
        if (f[i] == '\\' && i + 1 < colon && (f[i + 1] == '\\' || f[i + 1] == ':')) {
            if (attrs_put(buf, len, cap, f + i, 2))
                return "out of memory";
            i++;
        } else if (attrs_put(buf, len, cap, f[i] == '\\' ? "\\\\" : f + i, f[i] == '\\' ? 2 : 1)) {
            return "out of memory";
        }
    }
    if (colon < n && w != 1.0 && attrs_put(buf, len, cap, f + colon, n - colon))
        return "out of memory";
    return NULL;
}

const char *attrs_append(const char *name, size_t n, double w, char **buf, size_t *len,
                         size_t *cap)
{
    if (n == 0)
        return "empty attribute name";
    if (!isfinite(w))
        return "attribute weight is not finite";
    if (*len > 0 && attrs_put(buf, len, cap, "\t", 1))
        return "out of memory";
    for (size_t i = 0; i < n; i++) {
        const char *e = name[i] == '\\' ? "\\\\" : name[i] == ':' ? "\\:"
                      : name[i] == '\t' ? "\\t" : name[i] == '\n' ? "\\n" : NULL;
        if (e ? attrs_put(buf, len, cap, e, 2) : attrs_put(buf, len, cap, name + i, 1))
            return "out of memory";
    }
    if (w != 1.0) {
        char tmp[40];
        int k = snprintf(tmp, sizeof tmp, ":%.17g", w);
        if (attrs_put(buf, len, cap, tmp, (size_t)k))
            return "out of memory";
    }
    return NULL;
}

/* ------------------------------------------------------------------------ */
/* The feature kind                                                         */
/* ------------------------------------------------------------------------ */

void feat_config_attrs(struct feat_config *fc, uint64_t seed)
{
    feat_config_attrs_hv(fc, seed, FEAT_HASH_VERSION);
}

enum crftag_status feat_config_attrs_hv(struct feat_config *fc, uint64_t seed,
                                        uint32_t hash_version)
{
    memset(fc, 0, sizeof *fc);
    if (hash_version != HASH_VERSION_1 && hash_version != HASH_VERSION_2)
        return CRFTAG_ERR_INVALID;
    fc->kind = FEAT_ATTRS;
    fc->seed = seed;
    fc->hash_version = hash_version;
    fc->ncols = 1;
    return CRFTAG_OK;
}

/* The id of name[0 .. len) from h0, the state after the kind id. */
static uint64_t attr_id_from(uint32_t hash_version, uint64_t h0, const char *name, size_t len)
{
    if (hash_version == HASH_VERSION_2)
        return hash_end(hash2_add(h0, hash2_str(name, len)));
    return hash_end(feat_hstr(h0, name, len));
}

uint64_t feat_attr_id(const struct feat_config *fc, const char *name, size_t len)
{
    uint64_t h0 = feat_kind_state_hv(fc->hash_version, fc->seed, (uint64_t)FEAT_ATTRS << 32);
    return attr_id_from(fc->hash_version, h0, name, len);
}

const char *attrs_cell_field(const char *s, char **buf, size_t *cap, const char **name,
                             size_t *len, double *w)
{
    const char *start = s;
    int esc = 0;
    for (; *s && *s != '\t' && *s != ':'; s++) {
        if (*s == '\\' && s[1]) {
            esc = 1;
            s++;
        }
    }
    *name = start;
    *len = (size_t)(s - start);
    if (esc) {
        if (UTIL_GROW(*buf, *cap, *len))
            return NULL;
        size_t m = 0;
        for (const char *q = start; q < s; q++) {
            char c = *q;
            if (c == '\\' && q + 1 < s) {
                q++;
                c = *q == 't' ? '\t' : *q == 'n' ? '\n' : *q;
            }
            (*buf)[m++] = c;
        }
        *name = *buf;
        *len = m;
    }
    *w = 1.0;
    if (*s == ':') {
        char *end;
        *w = strtod(s + 1, &end);
        s = end;
        while (*s && *s != '\t')
            s++;
    }
    return *s == '\t' ? s + 1 : s;
}

/* The attributes of one canonical cell s into out->ids / out->val from *k;
 * -1 when out of memory. */
static int feat_attrs_cell(uint32_t hash_version, uint64_t h0, const char *s,
                           struct feat_buf *out, size_t *k)
{
    while (*s) {
        const char *name;
        size_t len;
        double w;
        s = attrs_cell_field(s, &out->scratch, &out->scratch_cap, &name, &len, &w);
        if (!s)
            return -1;
        out->ids[*k] = attr_id_from(hash_version, h0, name, len);
        out->val[*k] = w;
        (*k)++;
    }
    return 0;
}

enum crftag_status feat_attrs_sentence(const struct feat_config *fc, const char *const *cols,
                                       size_t n, size_t stride, struct feat_buf *out)
{
    size_t total = 0;
    for (size_t i = 0; i < n; i++) {
        const char *s = cols[i * stride];
        if (*s)
            total++;
        for (; *s; s++)
            total += *s == '\t';
    }
    if (UTIL_GROW(out->ids, out->cap, total ? total : 1) ||
        UTIL_GROW(out->val, out->val_cap, total ? total : 1))
        return CRFTAG_ERR_NOMEM;
    uint64_t h0 = feat_kind_state_hv(fc->hash_version, fc->seed, (uint64_t)FEAT_ATTRS << 32);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (feat_attrs_cell(fc->hash_version, h0, cols[i * stride], out, &k))
            return CRFTAG_ERR_NOMEM;
        out->start[i + 1] = k;
    }
    return CRFTAG_OK;
}
