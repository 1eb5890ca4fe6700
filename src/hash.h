/*
 * hash.h - the feature hash and the hash -> id table (base layer).
 *
 * The hash is specified so that models stay valid across machines.  A model
 * stores its hash version (feat_config.hash_version): models of format 6 and
 * older use version 1, new models version 2.
 *
 * Version 1 (FNV-1a over the bytes of an attribute):
 *
 *   state h0 = fmix64(seed) ^ 0x9e3779b97f4a7c15   (seeds are mixed first)
 *   per byte b (unsigned):  h = (h ^ b) * 0x100000001b3          (FNV-1a step)
 *   per u64 v:              8 little-endian bytes of v, as above
 *   final:                  fmix64(h) (MurmurHash3 finalizer); 0 maps to 1
 *
 * Version 2 (pieces): an attribute is a sequence of pieces, each either a
 * string, hashed as a unit by hash2_str, or a u64 integer (a kind id, a
 * lexicon position...), taken as it is; pieces are combined in order:
 *
 *   fold(a, b)          = lo ^ hi of the 128-bit product a * b
 *   state h0            = fmix64(seed) ^ 0x9e3779b97f4a7c15   (as version 1)
 *   per piece x (u64):  h = fold(h ^ x, HASH2_P)              (hash2_add)
 *   final:              fmix64(h); 0 maps to 1                 (as version 1)
 *
 * hash2_str(s, len), with little-endian loads r64 / r32 at byte offsets,
 * never reading outside s[0 .. len):
 *
 *   h = HASH2_K0 ^ len
 *   len >= 8:   for each j = 0, 8, 16, ... with j + 8 < len:
 *                   h = fold(r64(s + j) ^ HASH2_K1, h ^ HASH2_K2)
 *               then h = fold(r64(s + len - 8) ^ HASH2_K3, h ^ HASH2_K4)
 *               (the last 8 bytes, overlapping the previous chunk)
 *   4 <= len < 8:  h = fold((r32(s) << 32 | r32(s + len - 4)) ^ HASH2_K3, h ^ HASH2_K4)
 *   1 <= len < 4:  h = fold((s[0] << 16 | s[len / 2] << 8 | s[len - 1]) ^ HASH2_K3,
 *                           h ^ HASH2_K4)
 *   len == 0:      h as initialized
 *
 * The multiplication spreads every input bit over the 128-bit product and
 * the fold keeps both halves, so every bit of every piece reaches the
 * result, and the order of the pieces matters.  Pieces are hashed once and
 * reused: a word read by several attributes of a token, or by several
 * tokens, is hashed once (features.c, template.c).
 *
 * Golden values of both versions are pinned in tests/test_hash.c.
 */
#ifndef CRFTAG_HASH_H
#define CRFTAG_HASH_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

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

/* ------------------------------------------------------------------------ */
/* Version 2                                                                */
/* ------------------------------------------------------------------------ */

#define HASH_VERSION_1 1u
#define HASH_VERSION_2 2u

#define HASH2_P  UINT64_C(0xa0761d6478bd642f)
#define HASH2_K0 UINT64_C(0x243f6a8885a308d3)
#define HASH2_K1 UINT64_C(0xe7037ed1a0b428db)
#define HASH2_K2 UINT64_C(0x8ebc6af09c88c6e3)
#define HASH2_K3 UINT64_C(0x589965cc75374cc3)
#define HASH2_K4 UINT64_C(0x1d8e4e27c47d124f)

/* lo ^ hi of the 128-bit product a * b */
static inline uint64_t hash2_fold(uint64_t a, uint64_t b)
{
#ifdef __SIZEOF_INT128__
    unsigned __int128 r = (unsigned __int128)a * b;
    return (uint64_t)r ^ (uint64_t)(r >> 64);
#else
    uint64_t al = (uint32_t)a, ah = a >> 32, bl = (uint32_t)b, bh = b >> 32;
    uint64_t ll = al * bl, lh = al * bh, hl = ah * bl, hh = ah * bh;
    uint64_t mid = (ll >> 32) + (uint32_t)lh + (uint32_t)hl;
    uint64_t lo = (mid << 32) | (uint32_t)ll;
    uint64_t hi = hh + (lh >> 32) + (hl >> 32) + (mid >> 32);
    return lo ^ hi;
#endif
}

/* Combines piece x into state h (order-sensitive). */
static inline uint64_t hash2_add(uint64_t h, uint64_t x)
{
    return hash2_fold(h ^ x, HASH2_P);
}

/* Little-endian unaligned loads (memcpy: one load instruction). */
static inline uint64_t hash2_r64(const unsigned char *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    v = __builtin_bswap64(v);
#endif
    return v;
}

static inline uint64_t hash2_r32(const unsigned char *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    v = __builtin_bswap32(v);
#endif
    return v;
}

/* The hash of the string piece s[0 .. len) (see above). */
static inline uint64_t hash2_str(const void *s, size_t len)
{
    const unsigned char *p = s;
    uint64_t h = HASH2_K0 ^ (uint64_t)len, x;
    if (len >= 8) {
        size_t j = 0;
        for (; j + 8 < len; j += 8)
            h = hash2_fold(hash2_r64(p + j) ^ HASH2_K1, h ^ HASH2_K2);
        x = hash2_r64(p + len - 8);
    } else if (len >= 4) {
        x = hash2_r32(p) << 32 | hash2_r32(p + len - 4);
    } else if (len > 0) {
        x = (uint64_t)p[0] << 16 | (uint64_t)p[len / 2] << 8 | p[len - 1];
    } else {
        return h;
    }
    return hash2_fold(x ^ HASH2_K3, h ^ HASH2_K4);
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
