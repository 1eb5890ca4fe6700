/*
 * tagger.h - the tagger object behind struct crftag_tagger, shared by the
 * tagging entry points (crftag.c) and the confidence ones (tag_conf.c)
 * (pipeline layer).
 */
#ifndef CRFTAG_TAGGER_H
#define CRFTAG_TAGGER_H

#include <stddef.h>
#include <stdint.h>

#include "crftag.h"
#include "decode.h"
#include "featset.h"
#include "lattice.h"

/* A tagger's cache of per-word state rows (tag_cache.c): for a word, the
 * sums of the weight rows of the attributes a token reads from that word
 * alone, one row per offset the word plays (feat_word_attrs), [5][L]
 * multiples of 2^-s as 32-bit integers, and the hash version 2 pieces of its lower-cased form and short
 * shape.  2-way set associative, keyed by the word's bytes (compared in
 * full: a hash collision never changes a row), allocated on the first
 * sentence that uses it. */
#define TAGGER_WC_ENTRIES 16384      /* entries of a new tagger's cache */
#define TAGGER_WC_ROW_BYTES (8u << 20) /* at most this many bytes of rows: fewer
                                        entries when L is large */
#define TAGGER_WC_MAXLEN 28          /* longer words are not cached */
#define TAGGER_WC_SLOTS 5            /* rows of a word: as w(0), w(-1), w(+1), w(-2), w(+2) */

struct tagger_wc_entry {
    uint64_t hash;                   /* of the word, masked by hash_mask */
    uint64_t hlw, hss;               /* hash version 2: the pieces of its lw and ss */
    uint32_t len1;                   /* its length + 1; 0: empty */
    uint32_t stamp;                  /* tagger_wc.epoch of the last sentence reading it */
    char w[TAGGER_WC_MAXLEN];        /* its bytes */
};

struct tagger_wc {
    size_t want;                     /* entries to allocate (power of 2 >= 2); 0: no cache */
    size_t maxlen;                   /* longest word cached (<= TAGGER_WC_MAXLEN) */
    uint64_t hash_mask;              /* ANDed to every hash (all ones; tests force
                                        collisions with fewer bits) */
    size_t nent;                     /* entries allocated (0: none yet) */
    struct tagger_wc_entry *ent;     /* [nent], sets of 2 */
    unsigned char *mru;              /* [nent / 2] the way of a set used last */
    int32_t *row;                    /* [nent][TAGGER_WC_SLOTS][L] as multiples of 2^-s */
    int32_t *edge;                   /* [4][TAGGER_WC_SLOTS][L] the rows of the sentinels
                                        -2, -1, n, n + 1 (slot 0 unused) */
    int edge_ok;                     /* edge is filled */
    uint32_t epoch;                  /* sentences tagged (0 after wrapping: stamps cleared) */
    uint32_t *tok;                   /* [n] per token of the sentence: the entry found,
                                        TAGGER_WC_MISS or TAGGER_WC_LONG (not cached) */
    uint64_t *tokh;                  /* [n] the hash of its word */
    uint32_t *tlen;                  /* [n] its length */
    unsigned char *full;             /* [n] 1: not found, compute its rows */
    uint64_t *pieces;                /* [n][2] the cached hlw, hss of a token found */
    int32_t **blk;                   /* [n + 4] the rows of token j - 2 (sentinels at
                                        both ends) */
    double *tmp;                     /* [n][TAGGER_WC_SLOTS][L] rows computed */
    int32_t *tmpi;                   /* [n][TAGGER_WC_SLOTS][L] rows of tokens not kept */
    uint64_t *aid;                   /* [naid] the sentence's attributes to look up, */
    double **adst;                   /* [naid] each with the row it adds to */
    size_t tok_cap, tokh_cap, tlen_cap, full_cap, pieces_cap, blk_cap, tmp_cap, tmpi_cap;
    size_t aid_cap, adst_cap;
    uint64_t lookups, hits;          /* tokens looked up and found, since made */
};

#define TAGGER_WC_MISS UINT32_MAX
#define TAGGER_WC_LONG (UINT32_MAX - 1)
/* (within tagger_wc_state) rows computed into a scratch, or into entry e
 * for TAGGER_WC_NEW + e (entries are at most 2^30) */
#define TAGGER_WC_CALC (UINT32_MAX - 2)
#define TAGGER_WC_NEW (UINT32_C(1) << 31)

struct crftag_tagger {
    const struct crftag_model *m;
    int constrained;
    int plain;                   /* the model's labels are plain tags */
    double *trans;               /* [L][L] the model's transitions as double */
    double *bias;                /* [L] label bias (crftag_tagger_set_bias) */
    int bias_on;                 /* some bias is not 0 */
    double *state;               /* [n][L] */
    size_t state_cap;
    struct feat_buf fb;
    struct decode_work dw;
    char *strs;                  /* NUL-terminated copies of tokens */
    size_t strs_cap;
    const char **ptrs;           /* [n] into strs */
    size_t ptrs_cap;
    uint32_t *ids;               /* [n] labels of one sentence (tag_text) */
    const char **names;          /* [n] token pointers, then label names */
    size_t *lens;                /* [n] token lengths */
    struct crftag_chunk *chunks; /* [n] */
    size_t sent_cap;
    struct crftag_memory *mem;   /* tag_text's document memory (the model's window;
                                    made on first use, cleared at each call) */
    /* confidence (tag_conf.c) */
    double *tmask;               /* [L][L] trans with -inf where the BIO mask forbids */
    uint32_t *cont;              /* [L] I-TYPE continuing a chunk ending in B-/I-TYPE, or */
                                 /*     UINT32_MAX */
    struct lattice lat;          /* forward-backward of the last sentence */
    int lat_ok;                  /* lat, lat_tm, lat_start describe the state of the */
                                 /* last sentence tagged */
    const double *lat_tm;        /* tmask or trans */
    const unsigned char *lat_start;
    struct tagger_wc wc;         /* word-local state rows (tag_cache.c) */
};

/* Sets the word cache's shape: entries (rounded up to a power of 2, at
 * least 2; 0: no cache), the longest word cached (at most
 * TAGGER_WC_MAXLEN) and the mask of its hashes.  Frees the cache, which the
 * next sentence allocates anew.  crftag_tagger_new sets TAGGER_WC_ENTRIES,
 * TAGGER_WC_MAXLEN and all ones. */
void tagger_wc_shape(struct crftag_tagger *t, size_t entries, size_t maxlen,
                     uint64_t hash_mask);

/* Frees the word cache's arrays (not its shape). */
void tagger_wc_free(struct tagger_wc *c);

/* 1 when tagger_state uses the word cache with t's model (see tag_cache.c). */
int tagger_wc_usable(const struct crftag_tagger *t);

/* tagger_state with the word cache (tagger_wc_usable(t); t->state grown to
 * n * L). */
enum crftag_status tagger_wc_state(struct crftag_tagger *t, const char *const *cols, size_t n,
                                   size_t stride, struct crftag_error *err);

/* Fills t->state [n][L] with the state scores of cols [n][stride] (n > 0,
 * every string non-NULL); forgets the lattice of the previous sentence. */
enum crftag_status tagger_state(struct crftag_tagger *t, const char *const *cols, size_t n,
                                size_t stride, struct crftag_error *err);

/* Viterbi over t->state into out_ids[n]; adds the label bias to t->state in
 * place. */
enum crftag_status tagger_decode(struct crftag_tagger *t, size_t n, uint32_t *out_ids,
                                 double *out_score, struct crftag_error *err);

/* Sets up the confidence fields of a new tagger (tmask, cont); 0 or -1 when
 * out of memory (the caller frees the tagger). */
int tagger_conf_init(struct crftag_tagger *t);

/* Frees the confidence fields. */
void tagger_conf_free(struct crftag_tagger *t);

/* Forward-backward over t->state [n][L] after tagger_decode (bias added),
 * with the BIO mask when the tagger is constrained (as Viterbi: without it
 * when no path satisfies it).  Sets t->lat_ok. */
enum crftag_status tagger_lattice(struct crftag_tagger *t, size_t n, struct crftag_error *err);

#endif
