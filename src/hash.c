/*
 * hash.c - the specified feature hash and the hash -> id table (base layer).
 */
#define _DEFAULT_SOURCE          /* madvise, MADV_HUGEPAGE, MAP_ANONYMOUS */
#include "hash.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include "util.h"

/* Tables of HTAB_MAP_CAP slots or more (keys of 2 MiB and up: a model's
 * attribute table, a training's attribute counts) are mapped straight from
 * the kernel.  Fresh pages are zero, so the keys need no memset (which
 * touched every page once more), and the arrays start on a huge-page
 * boundary: such tables are lookup-bound (a random slot for every attribute
 * of every token), and on Linux they are asked to live on transparent huge
 * pages, which saves most of the TLB misses of the lookups and the page
 * faults of filling the table.  Only a hint: without it (or when the kernel
 * declines) the table works the same.  Smaller tables come from malloc;
 * which of the two is known from the capacity alone. */
#define HTAB_HUGE ((size_t)2 << 20)
#ifdef MAP_ANONYMOUS
#define HTAB_MAP_CAP ((size_t)1 << 18)
#else
#define HTAB_MAP_CAP SIZE_MAX
#endif

#ifdef MAP_ANONYMOUS
/* bytes (a multiple of the page size) of zero pages at a huge-page
 * boundary; NULL when out of memory. */
static void *htab_map(size_t bytes)
{
    if (bytes > SIZE_MAX - HTAB_HUGE)
        return NULL;
    size_t len = bytes + HTAB_HUGE;
    void *m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED)
        return NULL;
    uintptr_t p = (uintptr_t)m;
    uintptr_t a = (p + HTAB_HUGE - 1) & ~(uintptr_t)(HTAB_HUGE - 1);
    if (a > p)
        munmap(m, a - p);
    if (p + len > a + bytes)
        munmap((void *)(a + bytes), p + len - (a + bytes));
#ifdef MADV_HUGEPAGE
    madvise((void *)a, bytes, MADV_HUGEPAGE);
#endif
    return (void *)a;
}
#endif

/* An array of cap elements of size bytes, zero when zero is set. */
static void *htab_alloc(size_t cap, size_t size, int zero)
{
    size_t bytes;
    if (util_mul(cap, size, &bytes))
        return NULL;
#ifdef MAP_ANONYMOUS
    if (cap >= HTAB_MAP_CAP)
        return htab_map(bytes);
#endif
    return zero ? util_calloc(cap, size) : util_malloc(cap, size);
}

/* Frees what htab_alloc(cap, size, _) returned (NULL: nothing). */
static void htab_release(void *p, size_t cap, size_t size)
{
#ifdef MAP_ANONYMOUS
    if (cap >= HTAB_MAP_CAP) {
        if (p)
            munmap(p, cap * size);
        return;
    }
#endif
    free(p);
}

/* The bytes htab_array_alloc maps for bytes of array: from HTAB_HUGE / 2 on,
 * a multiple of HTAB_HUGE (a huge page can only back a whole aligned 2 MiB);
 * 0 for a malloc'd array. */
static size_t array_mapped(size_t bytes)
{
#ifdef MAP_ANONYMOUS
    if (bytes >= HTAB_HUGE / 2 && bytes <= SIZE_MAX - HTAB_HUGE)
        return (bytes + HTAB_HUGE - 1) & ~(HTAB_HUGE - 1);
#endif
    return 0;
}

void *htab_array_alloc(size_t n, size_t size)
{
    size_t bytes;
    if (util_mul(n, size, &bytes))
        return NULL;
#ifdef MAP_ANONYMOUS
    size_t mapped = array_mapped(bytes);
    if (mapped)
        return htab_map(mapped);
#endif
    return util_calloc(n, size);
}

void htab_array_free(void *p, size_t n, size_t size)
{
    if (!p)
        return;
#ifdef MAP_ANONYMOUS
    size_t mapped = array_mapped(n * size);
    if (mapped) {
        munmap(p, mapped);
        return;
    }
#endif
    free(p);
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
        htab_release(h->keys, cap, sizeof *h->keys);
        htab_release(h->vals, cap, sizeof *h->vals);
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
    htab_release(h->keys, h->cap, sizeof *h->keys);
    htab_release(h->vals, h->cap, sizeof *h->vals);
    memset(h, 0, sizeof *h);
}

int htab_build(struct htab *h, const uint64_t *keys, uint32_t n, uint32_t *out_dup)
{
    htab_free(h);
    /* load factor <= 3/5 (htab_init's 1/2 would double the largest tables,
     * a model's, for a few more probes of the same cache lines) */
    size_t need = (size_t)n + (size_t)n * 2 / 3;
    if (htab_init(h, need / 2 + 1))
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
        htab_release(keys, ncap, sizeof *keys);
        htab_release(vals, ncap, sizeof *vals);
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
    htab_release(h->keys, h->cap, sizeof *h->keys);
    htab_release(h->vals, h->cap, sizeof *h->vals);
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
