/*
 * hash.h - the feature hash and the hash -> id table (base layer).
 *
 * The hash is specified so that models stay valid across machines:
 *
 *   state h0 = fmix64(seed) ^ 0x9e3779b97f4a7c15   (seeds are mixed first)
 *   per byte b (unsigned):  h = (h ^ b) * 0x100000001b3          (FNV-1a step)
 *   per u64 v:              8 little-endian bytes of v, as above
 *   final:                  fmix64(h) (MurmurHash3 finalizer); 0 maps to 1
 *
 * Golden values are pinned in tests/test_hash.c.
 */
#ifndef CRFTAG_HASH_H
#define CRFTAG_HASH_H

#include <stddef.h>
#include <stdint.h>

#define HASH_DEFAULT_SEED UINT64_C(0x6372667461670001)  /* "crftag" + 1 */

static inline uint64_t hash_fmix64(uint64_t h)
{
    /* MurmurHash3 finalizer, a bijection with fmix64(0) = 0 */
    h ^= h >> 33;
    h *= UINT64_C(0xff51afd7ed558ccd);
    h ^= h >> 33;
    h *= UINT64_C(0xc4ceb9fe1a85ec53);
    h ^= h >> 33;
    return h;
}

static inline uint64_t hash_begin(uint64_t seed)
{
    return hash_fmix64(seed) ^ UINT64_C(0x9e3779b97f4a7c15);
}

static inline uint64_t hash_byte(uint64_t h, unsigned char b)
{
    return (h ^ b) * UINT64_C(0x100000001b3);
}

uint64_t hash_bytes(uint64_t h, const void *p, size_t n);
uint64_t hash_u64(uint64_t h, uint64_t v);
/* The final mix; never 0. */
static inline uint64_t hash_end(uint64_t h)
{
    h = hash_fmix64(h);
    return h ? h : 1;
}

/* Open-addressing table from non-zero 64-bit keys to uint32 values, linear
 * probing, power-of-two capacity, load factor <= 1/2 (<= 3/5 when made by
 * htab_build). */
struct htab {
    uint64_t *keys;          /* [cap], 0 = empty */
    uint32_t *vals;          /* [cap] */
    size_t cap;              /* power of two */
    size_t n;
};

#define HTAB_NONE UINT32_MAX

/* Home slot of key in a table of mask + 1 slots (keys are already mixed). */
static inline size_t htab_slot(uint64_t key, size_t mask)
{
    return (size_t)(key ^ (key >> 32)) & mask;
}

/* Starts loading the home slot of key (a hint; no effect on results).  Lookups
 * issued after a batch of these overlap their cache misses. */
static inline void htab_prefetch(const struct htab *h, uint64_t key)
{
    if (h->cap) {
        size_t i = htab_slot(key, h->cap - 1);
        __builtin_prefetch(&h->keys[i]);
        __builtin_prefetch(&h->vals[i]);
    }
}

/* A zeroed array of n elements of size bytes for a large lookup-bound table
 * other than an htab (a model's attribute index): from 1 MiB on it is mapped
 * as the tables are (see hash.c), in whole 2 MiB huge pages.  NULL when out
 * of memory; free with htab_array_free(p, n, size). */
void *htab_array_alloc(size_t n, size_t size);
void htab_array_free(void *p, size_t n, size_t size);

/* Initializes for at least n keys without growing; 0 on success, -1 OOM. */
int htab_init(struct htab *h, size_t n);
void htab_free(struct htab *h);

/* Value of key, or HTAB_NONE (inline: one lookup per attribute of every
 * token when tagging). */
static inline uint32_t htab_get(const struct htab *h, uint64_t key)
{
    if (h->cap == 0 || key == 0)
        return HTAB_NONE;
    size_t mask = h->cap - 1;
    for (size_t i = htab_slot(key, mask);; i = (i + 1) & mask) {
        if (h->keys[i] == key)
            return h->vals[i];
        if (h->keys[i] == 0)
            return HTAB_NONE;
    }
}

/* Replaces h by a table of keys[i] -> i for i < n, at a load factor of at
 * most 3/5 (the keys inserted one by one with linear probing, in one pass;
 * htab_put doubles it at its first insertion if it is over 1/2).  0; 1 when
 * a key is 0 or repeated (*out_dup = its index); -1 when out of memory. */
int htab_build(struct htab *h, const uint64_t *keys, uint32_t n, uint32_t *out_dup);

/* Pointer to the value slot of key, inserting it with value val if absent
 * (then *inserted = 1).  Grows as needed.  NULL when out of memory. */
uint32_t *htab_put(struct htab *h, uint64_t key, uint32_t val, int *inserted);

#endif
