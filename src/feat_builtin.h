/*
 * feat_builtin.h - what features.c and featname.c share about the built-in
 * feature set (core layer, internal): the feature kinds, the flags, the
 * per-token data computed once per sentence, and the function computing it.
 * The attributes themselves are specified at the top of features.c.
 */
#ifndef CRFTAG_FEAT_BUILTIN_H
#define CRFTAG_FEAT_BUILTIN_H

#include <stddef.h>
#include <stdint.h>
#include "featset.h"

#define FEAT_SHAPE_MAX 16
#define FEAT_WIN 2               /* window -2..+2 */

/* ------------------------------------------------------------------------ */
/* Built-in kinds                                                           */
/* ------------------------------------------------------------------------ */

/* Flags of one token, bit i <-> kind BK_FLAG + i (w(0) flags). */
enum {
    BF_ALLDIGIT, BF_HASDIGIT, BF_INITCAP, BF_ALLCAPS, BF_MIXED, BF_HYPHEN, BF_DOT,
    BF_SLASH, BF_PLUSHASH, BF_UNDERSCORE, BF_ALLPUNCT, BF_NONASCII, BF_SINGLE,
    BF_LEN1, BF_LEN2, BF_LEN3_4, BF_LEN5_8, BF_LEN9P,
    BF_COUNT
};

enum feat_bkind {
    BK_BIAS = 0,
    BK_W = 1,                    /* + k + 2, k = -2..2 */
    BK_LW = BK_W + 5,
    BK_SH = BK_LW + 5,
    BK_SS = BK_SH + 5,
    BK_PRE = BK_SS + 5,
    BK_SUF,
    BK_SUF3_PREV,
    BK_SUF3_NEXT,
    BK_FLAG,                     /* + BF_* */
    BK_INITCAP_FIRST = BK_FLAG + BF_COUNT,
    BK_PREV_INITCAP,
    BK_PREV_ALLCAPS,
    BK_NEXT_INITCAP,
    BK_NEXT_ALLCAPS,
    BK_LW_M1_0,
    BK_LW_0_P1,
    BK_LW_M2_M1,
    BK_LW_P1_P2,
    BK_SS_M1_0,
    BK_SS_0_P1,
    BK_LW_M1_SS_0,
    BK_SS_0_LW_P1,
    BK_LEX_PTR,                  /* lexicon: position, type, ratio bucket */
    BK_LEX_PRC,                  /* lexicon: position, ratio and count buckets */
    BK_LEX_T,                    /* lexicon: type */
    BK_CL_M1,                    /* clusters: path prefixes of w(-1), w(0), w(+1) */
    BK_CL_0,
    BK_CL_P1,
    BK_ULEX_PT,                  /* user lexicon: position, type */
    BK_ULEX_T,                   /* user lexicon: type */
    BK_LEX_M1,                   /* version 4: the lexicon match of w(-1), w(+1) */
    BK_LEX_P1,
    BK_COUNT
};

_Static_assert(BK_ULEX_PT == 62 && BK_ULEX_T == 63 && BK_LEX_M1 == 64 && BK_LEX_P1 == 65,
               "kind numbers documented in features.c");

/* Upper bound of the attributes of one token
 * (23 + 8 + 18 + 1 + 4 + 3 + 15 + 2, and version 4's 2 + 2). */
#define FEAT_BUILTIN_MAX 84

/* Prefix lengths of a bit-string cluster path used as attributes (Turian,
 * Ratinov and Bengio 2010), then the whole path. */
static const unsigned char feat_cl_pre[FEAT_CL_MAXP - 1] = { 4, 6, 10, 20 };
#define FEAT_CL_OUT UINT32_MAX   /* feat_tok.cl of a position outside the sentence */

/* Per-token data of the built-in set, computed once per sentence. */
struct feat_tok {
    const char *w, *lw, *sh, *ss;
    size_t len;                  /* bytes of w and lw */
    size_t pre[4];               /* bytes of the first k+1 characters (all if fewer) */
    size_t suf[4];               /* bytes of the last k+1 characters (all if fewer) */
    uint32_t flags;              /* 1 << BF_* */
    unsigned char shlen, sslen;
    unsigned char npre;          /* min(4, characters) */
    unsigned char lexpos;        /* lexicon match: 0 none, 1..4 (lexicon.h) */
    uint16_t lexval;             /* lexicon value of the match */
    unsigned char ulexpos;       /* user lexicon match: 0 none, 1..4 */
    uint16_t ulexval;            /* user lexicon value of the match */
    uint32_t cl;                 /* cluster path (npaths: not in the table) */
    /* hash version 2: the pieces (hash2_str) of w, lw, sh, ss and of the last
     * 3 characters of w (suf[2] bytes); unset with version 1 */
    uint64_t hw, hlw, hsh, hss, hs3;
};

/* The per-token data of a sentence cols [n][stride] (n > 0) with the built-in
 * configuration fc, lexicon matches in view `view` (0: the model's own) and
 * word clusters filled in, laid out in out's scratch: tk[-2 .. n+1], index 0
 * the first token.  NULL when out of memory. */
struct feat_tok *feat_tokens(const struct feat_config *fc, const char *const *cols, size_t n,
                             size_t stride, size_t view, struct feat_buf *out);

/* The same (lexicon view 0) for a caller that needs only the attributes of
 * feat_pair_attrs for the tokens i with full[i] == 0: with hash version 2
 * such a token gets only its pieces of lw and ss, read from pieces[2i] and
 * pieces[2i + 1], its initial-capital flag and its lexicon matches (no
 * strings, shapes or cluster); with version 1 all but its cluster. */
struct feat_tok *feat_tokens_part(const struct feat_config *fc, const char *const *cols,
                                  size_t n, size_t stride, const unsigned char *full,
                                  const uint64_t *pieces, struct feat_buf *out);

/* The built-in attributes of a token in parts, each depending on less than
 * the sentence (o holds FEAT_BUILTIN_MAX ids; both return the count).
 *
 * feat_word_attrs: those token j - k reads from its word at offset k (k in
 * -2..2) alone, which depend on tk[j] and k only: k = 0, the word-local
 * ones (bias, w(0), lw(0), s(0), ss(0), prefixes, suffixes, flags and
 * cluster of w(0); j in 0..n-1); k = +-1, lw, s, ss, the 3-character
 * suffix, the initial-capital and all-caps flags and the cluster of w(k);
 * k = +-2, ss and (version 4) lw of w(k).  j may be a sentinel (-2, -1, n,
 * n + 1) when k != 0.
 *
 * feat_pair_attrs: the rest of token i's: the sentence-initial flag, the
 * bigrams, the lexicon and user lexicon matches, the neighbours' lexicon
 * matches.
 *
 * Token i's attributes (feat_extract's, as a multiset) are the union of
 * feat_word_attrs(tk, i + k, k) for k = -2..2 and feat_pair_attrs(tk, i). */
size_t feat_word_attrs(const struct feat_config *fc, const struct feat_tok *tk, ptrdiff_t j,
                       int k, uint64_t *o);
size_t feat_pair_attrs(const struct feat_config *fc, const struct feat_tok *tk, size_t i,
                       uint64_t *o);

#endif
