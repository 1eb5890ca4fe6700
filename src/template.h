/*
 * template.h - what features.c and template.c share (core layer, internal):
 * the parsed template line, which the built-in set also uses for its feature
 * kinds, the hashing helpers, and template extraction.
 */
#ifndef CRFTAG_TEMPLATE_H
#define CRFTAG_TEMPLATE_H

#include <stddef.h>
#include <stdint.h>
#include "featset.h"
#include "hash.h"

#define FEAT_SEP 0x00

/* One %x[row,col] macro and the literal text that follows it. */
struct feat_macro {
    int32_t row;
    uint32_t col;
    const char *lit;             /* into fc->template_text, lit_len bytes */
    size_t lit_len;
    uint64_t lit_h;              /* hash version 2: hash2_str(lit, lit_len) */
};

/* A parsed U line, or (FEAT_BUILTIN) one feature kind. */
struct feat_template {
    uint64_t h0;                 /* state after kind id + leading literal (version 2: the
                                    kind id and the literal are two pieces) */
    uint64_t id0;                /* hash_end(h0): the attribute when nmacro == 0 */
    size_t nmacro;
    struct feat_macro *macro;    /* [nmacro] */
    size_t m0;                   /* parse-time index of macro[0] */
    long line;                   /* template line (1-based); builtin: 0 */
    int dedup;                   /* an earlier line has the same h0 */
    uint16_t back, ahead;        /* the farthest rows its macros read before and after the
                                    token (0 when none; at most FEAT_ROW_MAX): tokens i
                                    with back <= i and i + ahead < n read no sentinel */
    const char *lead;            /* the leading literal text (into fc->template_text; */
    size_t lead_len;             /*   builtin: NULL, 0), for attribute names */
};

_Static_assert(_Alignof(struct feat_macro) <= _Alignof(struct feat_template),
               "macros are stored right after the templates");

/* h over s[0..n) */
static inline uint64_t feat_hstr(uint64_t h, const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    for (size_t i = 0; i < n; i++)
        h = hash_byte(h, p[i]);
    return h;
}

/* The hash state after the seed and a kind id, shared by every attribute of
 * that kind (hash version 1). */
static inline uint64_t feat_kind_state(uint64_t seed, uint64_t kind_id)
{
    return hash_u64(hash_begin(seed), kind_id);
}

/* The same with hash version hv: version 2 takes the kind id as a piece. */
static inline uint64_t feat_kind_state_hv(uint32_t hv, uint64_t seed, uint64_t kind_id)
{
    return hv == HASH_VERSION_2 ? hash2_add(hash_begin(seed), kind_id)
                                : feat_kind_state(seed, kind_id);
}

/* State h followed by the string s[0..n) with hash version hv: version 1
 * its bytes then the separator 0x00, version 2 the string as one piece. */
static inline uint64_t feat_hpiece(uint32_t hv, uint64_t h, const char *s, size_t n)
{
    if (hv == HASH_VERSION_2)
        return hash2_add(h, hash2_str(s, n));
    return hash_byte(feat_hstr(h, s, n), FEAT_SEP);
}

/* Attributes of the n tokens of a sentence with the templates of fc into
 * out->ids, out->start[1..n] set (out->start[0] = 0 and the room for
 * n * fc->ntemplates ids are the caller's).  CRFTAG_OK or CRFTAG_ERR_NOMEM
 * (hash version 2 keeps the hashes of the cells in out->piece). */
enum crftag_status feat_template_sentence(const struct feat_config *fc, const char *const *cols,
                                          size_t n, size_t stride, struct feat_buf *out);

struct feat_names;   /* featname.h */

/* The same, also appending the name of each attribute to nm (its CRF++
 * feature string: the line with its macros expanded), in the order of the
 * ids; nm->start is the caller's. */
void feat_template_sentence_names(const struct feat_config *fc, const char *const *cols,
                                  size_t n, size_t stride, struct feat_buf *out,
                                  struct feat_names *nm);

#endif
