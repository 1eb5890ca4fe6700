/*
 * test_hash.c - golden values of the specified feature hash (src/hash.h) and
 * the behaviour of the hash -> id table.
 *
 * The expected values were computed independently of the C code with this
 * Python 3 transcription of the specification in src/hash.h:
 *
 *   M = (1 << 64) - 1
 *   def fmix(h):
 *       h ^= h >> 33; h = (h * 0xff51afd7ed558ccd) & M; h ^= h >> 33
 *       h = (h * 0xc4ceb9fe1a85ec53) & M; h ^= h >> 33
 *       return h
 *   def begin(seed): return fmix(seed) ^ 0x9e3779b97f4a7c15
 *   def byte(h, b):  return ((h ^ b) * 0x100000001b3) & M
 *   def bytes_(h, bs):
 *       for b in bs: h = byte(h, b)
 *       return h
 *   def u64(h, v):   return bytes_(h, v.to_bytes(8, 'little'))
 *   def end(h):
 *       h ^= h >> 33; h = (h * 0xff51afd7ed558ccd) & M; h ^= h >> 33
 *       h = (h * 0xc4ceb9fe1a85ec53) & M; h ^= h >> 33
 *       return h or 1
 *   print(hex(end(bytes_(begin(0x6372667461670001), b"QEMU"))))  # etc.
 *
 * and version 2 with this one (begin, end as above):
 *
 *   P, K0, K1, K2, K3, K4 = (0xa0761d6478bd642f, 0x243f6a8885a308d3,
 *       0xe7037ed1a0b428db, 0x8ebc6af09c88c6e3, 0x589965cc75374cc3,
 *       0x1d8e4e27c47d124f)
 *   def fold(a, b): r = a * b; return (r & M) ^ (r >> 64)
 *   def add(h, x): return fold(h ^ x, P)
 *   def r64(s, i): return int.from_bytes(s[i:i+8], 'little')
 *   def r32(s, i): return int.from_bytes(s[i:i+4], 'little')
 *   def str2(s):
 *       n = len(s); h = K0 ^ n
 *       if n >= 8:
 *           j = 0
 *           while j + 8 < n: h = fold(r64(s, j) ^ K1, h ^ K2); j += 8
 *           x = r64(s, n - 8)
 *       elif n >= 4: x = (r32(s, 0) << 32) | r32(s, n - 4)
 *       elif n > 0: x = (s[0] << 16) | (s[n // 2] << 8) | s[n - 1]
 *       else: return h
 *       return fold(x ^ K3, h ^ K4)
 *   print(hex(end(add(add(begin(0x6372667461670001), 42), str2(b"Node.js")))))
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include "hash.h"

#define D HASH_DEFAULT_SEED

static uint64_t hash_str(uint64_t seed, const char *s)
{
    return hash_end(hash_bytes(hash_begin(seed), s, strlen(s)));
}

static void test_golden_strings(void **state)
{
    (void)state;
    assert_true(hash_str(0, "") == UINT64_C(0x9ca066f1a4ab2eea));
    assert_true(hash_str(D, "") == UINT64_C(0x6f319b9ad099b77b));
    assert_true(hash_str(0, "a") == UINT64_C(0x8e30ba77257b12ab));
    assert_true(hash_str(D, "a") == UINT64_C(0x29778e5661c6065f));
    assert_true(hash_str(D, "QEMU") == UINT64_C(0x1feed3c4eda0ae32));
    assert_true(hash_str(1, "QEMU") == UINT64_C(0xaacc1354a5fa7542));
    assert_true(hash_str(UINT64_MAX, "QEMU") == UINT64_C(0xad2de9358653ce97));
    /* the un-finalized state, straight from the FNV-1a steps */
    assert_true(hash_bytes(hash_begin(D), "QEMU", 4) == UINT64_C(0xb77189fe7a70d84a));
    assert_true(hash_begin(0) == UINT64_C(0x9e3779b97f4a7c15));   /* fmix64(0) = 0 */
}

static void test_golden_high_bytes(void **state)
{
    /* bytes >= 0x80 are hashed unsigned (no sign extension of char) */
    (void)state;
    const char s[] = "\xff\x80\xc3\xa9";
    assert_true(hash_str(D, s) == UINT64_C(0xea3c04e6e8dcb24b));
    uint64_t h = hash_begin(D);
    h = hash_byte(h, 0xff);
    h = hash_byte(h, 0x80);
    h = hash_byte(h, 0xc3);
    h = hash_byte(h, 0xa9);
    assert_true(h == UINT64_C(0x5fa3aa1f96310831));
}

static void test_golden_u64(void **state)
{
    (void)state;
    uint64_t v = UINT64_C(0x0123456789abcdef);
    assert_true(hash_end(hash_u64(hash_begin(D), v)) == UINT64_C(0x6d7c6ddabe7ea041));
    /* u64 = its 8 little-endian bytes */
    const unsigned char le[8] = { 0xef, 0xcd, 0xab, 0x89, 0x67, 0x45, 0x23, 0x01 };
    assert_true(hash_u64(hash_begin(D), v) == hash_bytes(hash_begin(D), le, 8));
    /* a kind id then a string, as the feature extractor uses it */
    uint64_t h = hash_bytes(hash_u64(hash_begin(0), 42), "Node.js", 7);
    assert_true(hash_end(h) == UINT64_C(0x0fc8ad32eb38e2db));
}

static void test_end_never_zero(void **state)
{
    (void)state;
    /* fmix64 is a bijection with fmix64(0) = 0, so 0 is the only input
     * that needs the 0 -> 1 rule */
    assert_true(hash_end(0) == 1);
    for (uint64_t x = 1; x < 100000; x++)
        assert_true(hash_end(x) != 0);
}

static void test_seed_low_byte(void **state)
{
    /* The seed is mixed (fmix64) before it meets the data, so seeds that
     * differ in their low byte do not just permute the first byte hashed:
     * seed ^ x with first byte b differs from seed with first byte b ^ x. */
    (void)state;
    for (uint64_t x = 1; x < 256; x++) {
        assert_true(hash_end(hash_byte(hash_begin(D ^ x), 'a'))
                    != hash_end(hash_byte(hash_begin(D), 'a' ^ (unsigned char)x)));
        assert_true(hash_str(D ^ x, "a") != hash_str(D, "a"));
    }
    assert_true(hash_str(D ^ ((uint64_t)1 << 40), "a") != hash_str(D, "a"));
}

/* ------------------------------------------------------------------------ */
/* Version 2                                                                */
/* ------------------------------------------------------------------------ */

static uint64_t s2(const char *s)
{
    return hash2_str(s, strlen(s));
}

static void test_v2_golden(void **state)
{
    (void)state;
    assert_true(hash2_str("", 0) == UINT64_C(0x243f6a8885a308d3));   /* K0 ^ 0 */
    assert_true(s2("a") == UINT64_C(0x1d2fb832488e0942));
    assert_true(s2("QEMU") == UINT64_C(0x68664740d90f6298));
    assert_true(s2("docker-compose") == UINT64_C(0xfcd90e3073648a89));
    assert_true(s2("\xff\x80\xc3\xa9") == UINT64_C(0xb6bb13136e9ae1f8));
    assert_true(s2("abcdefgh") == UINT64_C(0x33532c604c67694c));
    assert_true(s2("abcdefghi") == UINT64_C(0x4f7e30c667b3e3c2));
    unsigned char b40[40];
    for (int i = 0; i < 40; i++)
        b40[i] = (unsigned char)i;
    assert_true(hash2_str(b40, 40) == UINT64_C(0xc13849d631421d70));
    assert_true(hash2_add(hash_begin(D), 1) == UINT64_C(0xb72fd377e3878110));
    /* a kind id then a string piece, as the feature extractor uses them */
    assert_true(hash_end(hash2_add(hash2_add(hash_begin(D), 42), s2("Node.js")))
                == UINT64_C(0xc0dcf11fa1d08c6a));
    assert_true(hash_end(hash2_add(hash2_add(hash_begin(0), 42), s2("Node.js")))
                == UINT64_C(0x049460bd5639b1c8));
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* The number of values of v[0..n) that repeat an earlier one (v sorted). */
static size_t repeats(uint64_t *v, size_t n)
{
    qsort(v, n, sizeof *v, cmp_u64);
    size_t r = 0;
    for (size_t i = 1; i < n; i++)
        r += v[i] == v[i - 1];
    return r;
}

/* Every string of 0 to 3 bytes over 24 bytes (NUL, letters, digits,
 * punctuation, bytes >= 0x80) hashes differently, as a piece and as an
 * attribute (a kind id, then the piece). */
static void test_v2_short_strings(void **state)
{
    (void)state;
    static const unsigned char al[24] = { 0, 1, 'a', 'b', 'c', 'A', 'B', 'Z', '0', '1', '9', '-',
                                          '.', '_', '/', ' ', 0x7f, 0x80, 0x81, 0xc3, 0xa9, 0xe2,
                                          0xfe, 0xff };
    size_t n = 1 + 24 + 24 * 24 + 24 * 24 * 24, k = 0;
    uint64_t *v = malloc(n * sizeof *v), *a = malloc(n * sizeof *a);
    assert_non_null(v);
    assert_non_null(a);
    uint64_t h0 = hash2_add(hash_begin(D), 7);
    for (size_t len = 0; len <= 3; len++) {
        size_t count = len == 0 ? 1 : len == 1 ? 24 : len == 2 ? 576 : 13824;
        for (size_t c = 0; c < count; c++) {
            unsigned char s[3];
            size_t x = c;
            for (size_t j = 0; j < len; j++, x /= 24)
                s[j] = al[x % 24];
            v[k] = hash2_str(s, len);
            a[k] = hash_end(hash2_add(h0, v[k]));
            k++;
        }
    }
    assert_int_equal(k, n);
    assert_int_equal(repeats(v, n), 0);
    assert_int_equal(repeats(a, n), 0);
    free(v);
    free(a);
}

/* Flipping any one bit of a string of 1 to 40 bytes changes its hash, and
 * all those strings (6,600) hash differently. */
static void test_v2_bit_flips(void **state)
{
    (void)state;
    size_t n = 0;
    for (size_t len = 1; len <= 40; len++)
        n += 1 + 8 * len;
    uint64_t *v = malloc(n * sizeof *v);
    assert_non_null(v);
    uint64_t x = 0x243f6a8885a308d3u;
    size_t k = 0;
    for (size_t len = 1; len <= 40; len++) {
        /* exactly len bytes on the heap: any load past them is an error under
         * AddressSanitizer */
        unsigned char *s = malloc(len);
        assert_non_null(s);
        for (size_t j = 0; j < len; j++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            s[j] = (unsigned char)x;
        }
        v[k++] = hash2_str(s, len);
        for (size_t bit = 0; bit < 8 * len; bit++) {
            s[bit / 8] ^= (unsigned char)(1u << (bit % 8));
            v[k++] = hash2_str(s, len);
            s[bit / 8] ^= (unsigned char)(1u << (bit % 8));
        }
        free(s);
    }
    assert_int_equal(k, n);
    assert_int_equal(repeats(v, n), 0);
    free(v);
}

/* Combining pieces: the order matters, and every bit of every piece counts,
 * also the top bits of two pieces in a row (which cancel out in a plain
 * (h ^ x) * K step). */
static void test_v2_combine(void **state)
{
    (void)state;
    uint64_t h = hash_begin(D), a = s2("New"), b = s2("York");
    assert_true(hash2_add(hash2_add(h, a), b) != hash2_add(hash2_add(h, b), a));
    uint64_t base = hash_end(hash2_add(hash2_add(h, a), b));
    for (int i = 0; i < 64; i++) {
        uint64_t f = (uint64_t)1 << i;
        assert_true(hash_end(hash2_add(hash2_add(h, a ^ f), b)) != base);
        assert_true(hash_end(hash2_add(hash2_add(h, a), b ^ f)) != base);
        assert_true(hash_end(hash2_add(hash2_add(h, a ^ f), b ^ f)) != base);
        assert_true(hash_end(hash2_add(hash2_add(h ^ f, a), b)) != base);
    }
    /* a string piece (8 bytes and more: chunks) with the top bits of two
     * chunks flipped */
    char s[17] = "abcdefghijklmnop", t[17];
    memcpy(t, s, sizeof s);
    t[7] ^= (char)0x80;
    t[15] ^= (char)0x80;
    assert_true(hash2_str(s, 16) != hash2_str(t, 16));
    memcpy(t, s, sizeof s);
    t[7] ^= (char)0x80;
    t[12] ^= (char)0x80;            /* bit 63 of the last 8 bytes, s[5..13) */
    assert_true(hash2_str(s, 13) != hash2_str(t, 13));
}

static void test_htab_basic(void **state)
{
    (void)state;
    struct htab h;
    assert_int_equal(htab_init(&h, 10), 0);
    assert_true(h.cap >= 20);
    assert_true((h.cap & (h.cap - 1)) == 0);
    assert_true(htab_get(&h, 12345) == HTAB_NONE);
    int ins = -1;
    uint32_t *v = htab_put(&h, 12345, 7, &ins);
    assert_non_null(v);
    assert_int_equal(ins, 1);
    assert_int_equal(*v, 7);
    v = htab_put(&h, 12345, 99, &ins);
    assert_non_null(v);
    assert_int_equal(ins, 0);
    assert_int_equal(*v, 7);           /* existing value kept */
    *v = 8;                            /* slot is writable */
    assert_int_equal(htab_get(&h, 12345), 8);
    assert_int_equal(h.n, 1);
    /* key 0 is the empty marker: refused, never found */
    assert_null(htab_put(&h, 0, 1, &ins));
    assert_true(htab_get(&h, 0) == HTAB_NONE);
    assert_int_equal(h.n, 1);
    htab_free(&h);
    htab_free(&h);                     /* zeroed: freeing again is harmless */
    htab_free(NULL);
}

static void test_htab_zero_initialized(void **state)
{
    (void)state;
    struct htab h;
    memset(&h, 0, sizeof h);
    assert_true(htab_get(&h, 5) == HTAB_NONE);
    assert_non_null(htab_put(&h, 5, 3, NULL));
    assert_int_equal(htab_get(&h, 5), 3);
    htab_free(&h);
}

static void test_htab_many(void **state)
{
    (void)state;
    struct htab h;
    assert_int_equal(htab_init(&h, 0), 0);
    const uint32_t n = 100000;
    /* hashed keys (as the extractor produces) and also small dense keys,
     * which share low bits and stress linear probing */
    for (uint32_t i = 0; i < n; i++) {
        int ins;
        uint64_t k1 = hash_end(hash_u64(hash_begin(D), i));
        uint32_t *v = htab_put(&h, k1, i, &ins);
        assert_non_null(v);
        assert_int_equal(ins, 1);
        v = htab_put(&h, (uint64_t)i + 1, n + i, &ins);
        assert_non_null(v);
        assert_int_equal(ins, 1);
        assert_true(h.n * 2 <= h.cap);  /* load factor <= 1/2 */
    }
    assert_int_equal(h.n, 2 * (size_t)n);
    for (uint32_t i = 0; i < n; i++) {
        uint64_t k1 = hash_end(hash_u64(hash_begin(D), i));
        assert_int_equal(htab_get(&h, k1), i);
        assert_int_equal(htab_get(&h, (uint64_t)i + 1), n + i);
    }
    /* absent keys (not seed D + 1: seeds that differ only in the low byte
     * give the same states, permuted by the first byte hashed) */
    for (uint32_t i = 0; i < 1000; i++) {
        uint64_t k = hash_end(hash_u64(hash_begin(D), (uint64_t)n + i));
        assert_true(htab_get(&h, k) == HTAB_NONE);
        assert_true(htab_get(&h, (uint64_t)n + 1 + i) == HTAB_NONE);
    }
    htab_free(&h);
}

/* htab_build gives the table that inserting the keys one by one with linear
 * probing gives, at a load factor of at most 3/5 (16384 slots for 9000
 * keys, where htab_init(n) and htab_put keep 1/2: 32768), and finds a
 * repeated key. */
static void test_htab_build(void **state)
{
    (void)state;
    const uint32_t n = 9000;
    const size_t cap = 16384;
    uint64_t *keys = malloc(n * sizeof *keys);
    uint64_t *rk = calloc(cap, sizeof *rk);
    uint32_t *rv = calloc(cap, sizeof *rv);
    assert_non_null(keys);
    assert_non_null(rk);
    assert_non_null(rv);
    for (uint32_t i = 0; i < n; i++)
        keys[i] = i % 2 ? hash_end(hash_u64(hash_begin(D), i)) : (uint64_t)i + 1;
    for (uint32_t i = 0; i < n; i++) {        /* the reference, by hand */
        size_t j = htab_slot(keys[i], cap - 1);
        while (rk[j] != 0)
            j = (j + 1) & (cap - 1);
        rk[j] = keys[i];
        rv[j] = i;
    }
    struct htab a = {0};
    uint32_t dup = 0;
    assert_int_equal(htab_build(&a, keys, n, &dup), 0);
    assert_int_equal(a.n, n);
    assert_int_equal(a.cap, cap);
    assert_memory_equal(a.keys, rk, cap * sizeof *rk);
    for (size_t i = 0; i < cap; i++)
        if (a.keys[i])
            assert_int_equal(a.vals[i], rv[i]);
    for (uint32_t i = 0; i < n; i++)
        assert_int_equal(htab_get(&a, keys[i]), i);
    free(rk);
    free(rv);
    keys[4000] = keys[123];
    assert_int_equal(htab_build(&a, keys, n, &dup), 1);
    assert_int_equal(dup, 4000);
    keys[4000] = 0;
    assert_int_equal(htab_build(&a, keys, n, &dup), 1);
    assert_int_equal(dup, 4000);
    assert_int_equal(htab_build(&a, keys, 0, &dup), 0);
    assert_true(htab_get(&a, keys[1]) == HTAB_NONE);
    htab_free(&a);
    free(keys);
}

/* Tables of 2^18 slots and more live on pages mapped for them: one built
 * from 300,000 keys (2^19 slots), grown past them by htab_put (2^20), and
 * looked up all along; the sanitizers see any mismatch of how a table was
 * allocated and freed. */
static void test_htab_large(void **state)
{
    (void)state;
    const uint32_t n = 300000, more = 200000;
    uint64_t *keys = malloc((size_t)(n + more) * sizeof *keys);
    assert_non_null(keys);
    for (uint32_t i = 0; i < n + more; i++)
        keys[i] = hash_end(hash_u64(hash_begin(D), i));
    struct htab h = {0};
    uint32_t dup = 0;
    assert_int_equal(htab_build(&h, keys, n, &dup), 0);
    assert_int_equal(h.cap, (size_t)1 << 19);
    size_t used = 0;
    for (size_t i = 0; i < h.cap; i++)
        used += h.keys[i] != 0;             /* fresh pages: every other slot is 0 */
    assert_int_equal(used, n);
    for (uint32_t i = 0; i < n + more; i++)
        assert_true(htab_get(&h, keys[i]) == (i < n ? i : HTAB_NONE));
    for (uint32_t i = n; i < n + more; i++) {
        int ins;
        assert_non_null(htab_put(&h, keys[i], i, &ins));
        assert_int_equal(ins, 1);
    }
    assert_int_equal(h.cap, (size_t)1 << 20);
    for (uint32_t i = 0; i < n + more; i++)
        assert_int_equal(htab_get(&h, keys[i]), i);
    assert_int_equal(htab_build(&h, keys, 1000, &dup), 0);   /* replaced by a small one */
    assert_int_equal(h.cap, 2048);
    assert_int_equal(htab_get(&h, keys[999]), 999);
    assert_true(htab_get(&h, keys[1000]) == HTAB_NONE);
    htab_free(&h);
    free(keys);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_golden_strings),
        cmocka_unit_test(test_golden_high_bytes),
        cmocka_unit_test(test_golden_u64),
        cmocka_unit_test(test_end_never_zero),
        cmocka_unit_test(test_seed_low_byte),
        cmocka_unit_test(test_v2_golden),
        cmocka_unit_test(test_v2_short_strings),
        cmocka_unit_test(test_v2_bit_flips),
        cmocka_unit_test(test_v2_combine),
        cmocka_unit_test(test_htab_basic),
        cmocka_unit_test(test_htab_zero_initialized),
        cmocka_unit_test(test_htab_many),
        cmocka_unit_test(test_htab_build),
        cmocka_unit_test(test_htab_large),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
