/*
 * hash.c - the specified feature hash and the hash -> id table (base layer).
 */
#include "hash.h"

#include <stdlib.h>
#include <string.h>
#include "util.h"

uint64_t hash_bytes(uint64_t h, const void *p, size_t n)
{
    const unsigned char *s = p;
    for (size_t i = 0; i < n; i++)
        h = hash_byte(h, s[i]);
    return h;
}

uint64_t hash_u64(uint64_t h, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        h = hash_byte(h, (unsigned char)(v >> (8 * i)));
    return h;
}

uint64_t hash_end(uint64_t h)
{
    h = hash_fmix64(h);
    return h ? h : 1;
}

static size_t slot_of(uint64_t key, size_t mask)
{
    return htab_slot(key, mask);
}

int htab_init(struct htab *h, size_t n)
{
    size_t cap = 16;
    while (cap < n * 2) {
        if (cap > SIZE_MAX / 4)
            return -1;
        cap *= 2;
    }
    h->keys = util_calloc(cap, sizeof *h->keys);
    h->vals = util_malloc(cap, sizeof *h->vals);
    if (!h->keys || !h->vals) {
        free(h->keys);
        free(h->vals);
        memset(h, 0, sizeof *h);
        return -1;
    }
    h->cap = cap;
    h->n = 0;
    return 0;
}

void htab_free(struct htab *h)
{
    if (!h)
        return;
    free(h->keys);
    free(h->vals);
    memset(h, 0, sizeof *h);
}

uint32_t htab_get(const struct htab *h, uint64_t key)
{
    if (h->cap == 0 || key == 0)
        return HTAB_NONE;
    size_t mask = h->cap - 1;
    for (size_t i = slot_of(key, mask);; i = (i + 1) & mask) {
        if (h->keys[i] == key)
            return h->vals[i];
        if (h->keys[i] == 0)
            return HTAB_NONE;
    }
}

static int htab_rehash(struct htab *h, size_t ncap)
{
    uint64_t *keys = util_calloc(ncap, sizeof *keys);
    uint32_t *vals = util_malloc(ncap, sizeof *vals);
    if (!keys || !vals) {
        free(keys);
        free(vals);
        return -1;
    }
    size_t mask = ncap - 1;
    for (size_t i = 0; i < h->cap; i++) {
        if (h->keys[i] == 0)
            continue;
        size_t j = slot_of(h->keys[i], mask);
        while (keys[j] != 0)
            j = (j + 1) & mask;
        keys[j] = h->keys[i];
        vals[j] = h->vals[i];
    }
    free(h->keys);
    free(h->vals);
    h->keys = keys;
    h->vals = vals;
    h->cap = ncap;
    return 0;
}

uint32_t *htab_put(struct htab *h, uint64_t key, uint32_t val, int *inserted)
{
    if (key == 0)
        return NULL;
    if (h->cap == 0 && htab_init(h, 16))
        return NULL;
    if ((h->n + 1) * 2 > h->cap) {
        if (h->cap > SIZE_MAX / 2 || htab_rehash(h, h->cap * 2))
            return NULL;
    }
    size_t mask = h->cap - 1;
    size_t i = slot_of(key, mask);
    while (h->keys[i] != 0) {
        if (h->keys[i] == key) {
            if (inserted)
                *inserted = 0;
            return &h->vals[i];
        }
        i = (i + 1) & mask;
    }
    h->keys[i] = key;
    h->vals[i] = val;
    h->n++;
    if (inserted)
        *inserted = 1;
    return &h->vals[i];
}
