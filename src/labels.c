/*
 * labels.c - label dictionary and BIO parsing (base layer).
 */
#include "labels.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "hash.h"
#include "util.h"

#define LABELS_MAX 65535

static uint64_t label_key(const char *name)
{
    return hash_end(hash_bytes(hash_begin(0), name, strlen(name)));
}

void labels_init(struct labels *l)
{
    memset(l, 0, sizeof *l);
}

void labels_free(struct labels *l)
{
    if (!l)
        return;
    for (size_t i = 0; i < l->n; i++)
        free(l->names[i]);
    free(l->names);
    if (l->index) {
        htab_free(l->index);
        free(l->index);
    }
    memset(l, 0, sizeof *l);
}

long labels_find(const struct labels *l, const char *name)
{
    if (!l->index)
        return -1;
    uint64_t key = label_key(name);
    /* keys may collide: probe the chain of equal keys via linear scan */
    uint32_t id = htab_get(l->index, key);
    if (id == HTAB_NONE)
        return -1;
    if (strcmp(l->names[id], name) == 0)
        return (long)id;
    for (size_t i = 0; i < l->n; i++)   /* 64-bit collision: practically never */
        if (strcmp(l->names[i], name) == 0)
            return (long)i;
    return -1;
}

long labels_add(struct labels *l, const char *name)
{
    long id = labels_find(l, name);
    if (id >= 0)
        return id;
    if (l->n >= LABELS_MAX)
        return -1;
    if (!l->index) {
        l->index = calloc(1, sizeof *l->index);
        if (!l->index || htab_init(l->index, 64))
            return -1;
    }
    if (UTIL_GROW(l->names, l->cap, l->n + 1))
        return -1;
    char *copy = util_strdup(name);
    if (!copy)
        return -1;
    int inserted;
    if (!htab_put(l->index, label_key(name), (uint32_t)l->n, &inserted)) {
        free(copy);
        return -1;
    }
    l->names[l->n] = copy;
    return (long)l->n++;
}

void labels_split(const char *label, const char **tag, size_t *tag_len,
                  const char **type, size_t *type_len)
{
    const char *dash = strchr(label, '-');
    if (!dash) {
        *tag = label;
        *tag_len = strlen(label);
        *type = label + *tag_len;
        *type_len = 0;
        return;
    }
    *tag = label;
    *tag_len = (size_t)(dash - label);
    *type = dash + 1;
    *type_len = strlen(dash + 1);
}

int labels_is_chunk(const char *label)
{
    return label[0] != '\0' && strchr("BIES", label[0]) && label[1] == '-' &&
           label[2] != '\0';
}

int labels_plain(const char *const *names, size_t n)
{
    int other = 0;
    for (size_t i = 0; i < n; i++) {
        if (!names[i])
            continue;
        if (labels_is_chunk(names[i]))
            return 0;
        other |= strcmp(names[i], "O") != 0;
    }
    return other;
}

int labels_bio_mask(const struct labels *l, unsigned char *allowed, unsigned char *start)
{
    size_t L = l->n;
    int has_b = 0, has_i = 0, other = 0;
    for (size_t j = 0; j < L; j++) {
        const char *tag, *type;
        size_t tl, yl;
        labels_split(l->names[j], &tag, &tl, &type, &yl);
        if (tl == 1 && tag[0] == 'B' && yl > 0)
            has_b = 1;
        else if (tl == 1 && tag[0] == 'I' && yl > 0)
            has_i = 1;
        else if (!(tl == 1 && tag[0] == 'O' && yl == 0))
            other = 1;
    }
    int bio = (has_b || has_i) && !other;
    for (size_t j = 0; j < L; j++) {
        const char *tag, *type;
        size_t tl, yl;
        labels_split(l->names[j], &tag, &tl, &type, &yl);
        int is_i = bio && tl == 1 && tag[0] == 'I' && yl > 0;
        start[j] = !is_i;
        for (size_t i = 0; i < L; i++) {
            unsigned char ok = 1;
            if (is_i) {
                const char *ptag, *ptype;
                size_t ptl, pyl;
                labels_split(l->names[i], &ptag, &ptl, &ptype, &pyl);
                ok = ptl == 1 && (ptag[0] == 'B' || ptag[0] == 'I') && pyl == yl &&
                     memcmp(ptype, type, yl) == 0;
            }
            allowed[i * L + j] = ok;
        }
    }
    return bio;
}

int labels_bias_parse(const struct labels *l, const char *spec, float *out, char *msg,
                      size_t msg_len)
{
    for (size_t y = 0; y < l->n; y++)
        out[y] = 0;
    size_t slen = strlen(spec);
    if (slen && spec[slen - 1] == ',') {
        snprintf(msg, msg_len, "bias '%s': expected X or TYPE=X after the last ','",
                 slen > 40 ? spec + slen - 40 : spec);
        return -1;
    }
    const char *p = spec;
    while (*p) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        const char *eq = memchr(p, '=', len);
        const char *num = eq ? eq + 1 : p;
        size_t tlen = eq ? (size_t)(eq - p) : 0;
        char buf[64], *e;
        size_t nlen = len - (size_t)(num - p);
        if (nlen == 0 || nlen >= sizeof buf) {
            snprintf(msg, msg_len, "bias '%.*s': expected X or TYPE=X", (int)(len > 40 ? 40 : len), p);
            return -1;
        }
        memcpy(buf, num, nlen);
        buf[nlen] = '\0';
        double x = strtod(buf, &e);
        if (*e != '\0' || !(x >= -100 && x <= 100)) {
            snprintf(msg, msg_len, "bias '%.*s': '%s' is not a number in -100..100",
                     (int)(len > 40 ? 40 : len), p, buf);
            return -1;
        }
        if (eq && tlen == 0) {
            snprintf(msg, msg_len, "bias '%.*s': empty type", (int)(len > 40 ? 40 : len), p);
            return -1;
        }
        int found = 0;
        for (size_t y = 0; y < l->n; y++) {
            const char *tag, *type;
            size_t tag_len, type_len;
            labels_split(l->names[y], &tag, &tag_len, &type, &type_len);
            if (type_len == 0)
                continue;
            if (!eq || (type_len == tlen && memcmp(type, p, tlen) == 0)) {
                out[y] = (float)x;
                found = 1;
            }
        }
        if (!found && !(x == 0 && !eq)) {   /* "0" (none) fits any label set */
            snprintf(msg, msg_len, eq ? "bias: no label has the type '%.*s'"
                                      : "bias: no label has a type%.*s",
                     eq ? (int)(tlen > 40 ? 40 : tlen) : 0, p);
            return -1;
        }
        if (!end)
            break;
        p = end + 1;
    }
    return 0;
}
