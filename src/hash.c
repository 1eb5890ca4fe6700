/*
 * hash.c - the specified feature hash and the hash -> id table (base layer).
 */
#define _DEFAULT_SOURCE          /* madvise, MADV_HUGEPAGE */
#include "hash.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include "util.h"

/* Tables of HTAB_HUGE bytes or more are lookup-bound (a random slot for
 * every attribute of every token): on Linux they are asked to live on
 * transparent huge pages, which saves most of the TLB misses of the lookups
 * and the page faults of filling the table.  Only a hint: without it (or
 * when the kernel declines) the table works the same. */
#define HTAB_HUGE ((size_t)2 << 20)

static void *htab_alloc(size_t n, size_t size, int zero)
{
    size_t bytes;
    if (util_mul(n, size, &bytes))
        return NULL;
#ifdef MADV_HUGEPAGE
    if (bytes >= HTAB_HUGE && !zero) {
        void *p;
        if (posix_memalign(&p, HTAB_HUGE, bytes) != 0)
            return NULL;
        madvise(p, bytes, MADV_HUGEPAGE);
        return p;
    }
    if (bytes >= HTAB_HUGE) {
        /* calloc: a block this large comes from fresh pages, already zero
         * (zeroing it again touched every page twice); the hint covers the
         * whole huge pages inside it */
        unsigned char *p = util_calloc(n, size);
        if (p) {
            uintptr_t a = ((uintptr_t)p + HTAB_HUGE - 1) & ~(uintptr_t)(HTAB_HUGE - 1);
            uintptr_t e = ((uintptr_t)p + bytes) & ~(uintptr_t)(HTAB_HUGE - 1);
            if (e > a)
                madvise((void *)a, e - a, MADV_HUGEPAGE);
        }
        return p;
    }
#endif
    return zero ? util_calloc(n, size) : util_malloc(n, size);
}

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
    h->keys = htab_alloc(cap, sizeof *h->keys, 1);
    h->vals = htab_alloc(cap, sizeof *h->vals, 0);
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

int htab_build(struct htab *h, const uint64_t *keys, uint32_t n, uint32_t *out_dup)
{
    htab_free(h);
    if (htab_init(h, n))
        return -1;
    size_t mask = h->cap - 1;
    uint64_t *hk = h->keys;
    for (uint32_t a = 0; a < n; a++) {
        if (a + 16 < n)              /* random slots: start the miss early */
            __builtin_prefetch(&hk[slot_of(keys[a + 16], mask)]);
        uint64_t key = keys[a];
        size_t i = slot_of(key, mask);
        while (hk[i] != 0 && hk[i] != key)
            i = (i + 1) & mask;
        if (hk[i] != 0 || key == 0) {
            h->n = a;
            *out_dup = a;
            return 1;
        }
        hk[i] = key;
        h->vals[i] = a;
    }
    h->n = n;
    return 0;
}

static int htab_rehash(struct htab *h, size_t ncap)
{
    uint64_t *keys = htab_alloc(ncap, sizeof *keys, 1);
    uint32_t *vals = htab_alloc(ncap, sizeof *vals, 0);
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
