/*
 * features.c - token windows -> hashed attribute ids (core layer).
 *
 *   sentence [n][stride] strings --feat_extract--> ids[start[i] .. start[i+1])
 *
 * Every attribute is one 64-bit hash, computed incrementally (hash.h):
 *
 *   id = hash_end( hash_begin(seed) -> hash_u64(kind id) -> bytes read ... )
 *
 * where every string read is followed by a separator byte 0x00 (tokens never
 * contain NUL, so the byte sequence of an attribute is unambiguous).  The
 * state after hash_u64(kind id) (and, for templates, the leading literal
 * text) is the same for every token, so it is computed once per config and
 * kept in fc->tpl[k].h0.  No feature string is ever built.
 *
 * Built-in set (FEAT_BUILTIN, builtin_version 4; 2 and 3 still read), column 0 only
 * ------------------------------------------------------------------------------------
 * Kind id = (1 << 32) | (builtin_version << 16) | kind, kind from enum
 * feat_bkind below.  Versions 2 and 3 extract the same attributes (under
 * their own kind ids); they differ only in how the lexicon compares tokens:
 * version 2 folds ASCII case, version 3 also a final plural 's' ("hash
 * tables" matches the entry "hash table"; LEX_FOLD_PLURAL in lexicon.h).
 * Version 4 folds as version 3 and adds the attributes marked [v4] below:
 * the lower-cased words at -2 and +2 and the lexicon match of w(-1) and
 * w(+1) (docs/ACCURACY.md, "Built-in feature set version 4").  New models
 * get version 4 (FEAT_BUILTIN_VERSION); a model stores its version and is
 * read with it (feat_config_builtin_version, feat_lex_fold), so a model of
 * version 2 or 3 extracts exactly the attributes it was trained with.
 * For token i, w(k) is the token at i+k, k in -2..+2.
 * Positions outside the sentence read a sentinel instead of a token: the 3
 * bytes {0x00, 'B', d} before the sentence and {0x00, 'E', d} after it, where
 * d = 1 for the first position outside, 2 for the next (CRF++'s _B-1/_B+1
 * numbering, but unforgeable because real tokens hold no NUL).  The sentinel
 * is also its own lower-cased form, shape and short shape; it has no flags.
 *
 *   count  attribute                          bytes hashed after the kind id
 *   1      bias                               -
 *   1      w(0)                               w(0) 0
 *   3      lw(k)  lower-cased (ASCII A-Z only), k = -1..1   lw(k) 0
 *   2      [v4] lw(k), k = -2, +2             lw(k) 0    (kinds BK_LW + 0, BK_LW + 4)
 *   3      s(k)   shape, k = -1..1            s(k) 0
 *   5      ss(k)  short shape, k = -2..2      ss(k) 0
 *   m      prefixes of w(0), 1..m chars       prefix 0       (one kind)
 *   m      suffixes of w(0), 1..m chars       suffix bytes in REVERSE order, 0
 *   2      suffix of 3 chars of w(-1), w(+1)  (reversed, as above; a shorter
 *                                             token or a sentinel: all of it)
 *   f      flags of w(0) that are true        -
 *   g      flags of w(-1), w(+1) that are true -
 *   8      lw(-1)|lw(0), lw(0)|lw(+1), lw(-2)|lw(-1), lw(+1)|lw(+2),
 *          ss(-1)|ss(0), ss(0)|ss(+1),
 *          lw(-1)|ss(0), ss(0)|lw(+1)         a 0 b 0
 *
 *   3      lexicon (lexicon.h), only when fc->lex is set and the token is
 *          in a match of position p (1 single, 2 first, 3 inside, 4 last),
 *          type name T, ratio bucket r, count bucket c (bytes):
 *            p T 0 r | p r c | T        (then 0, as every attribute)
 *   g'     [v4] the lexicon match of w(-1), of w(+1), when that token is in
 *          a match (g' <= 2, only when fc->lex is set), at its position p
 *          with type name T:  p T       (kinds BK_LEX_M1 = 64, BK_LEX_P1 = 65)
 *
 *   q      word clusters (clusters.h), only when fc->cl is set: for each of
 *          w(-1), w(0), w(+1) inside the sentence (kinds BK_CL_M1, BK_CL_0,
 *          BK_CL_P1), its cluster path P looked up with cl_lookup:
 *            P[0..4) | P[0..6) | P[0..10) | P[0..20) | P
 *          the prefixes only for bit-string paths and only when shorter than
 *          P (a prefix names a node of the cluster tree: the same bytes are
 *          the same node, at whatever length); a word not in the table reads
 *          the 2 bytes {0x00, 'U'} as its path.  Precomputed per path by
 *          feat_config_set_clusters.
 *
 *   2      user lexicon ("gazetteer", lexicon.h: lex_read_user), only when
 *          fc->ulex is set (a model trained with lexicon files) and the token
 *          is in a match of the user lexicon, matched like the lexicon above
 *          (its own longest-match pass) at position p, type name T (bytes):
 *            p T | T                    (kinds BK_ULEX_PT = 62, BK_ULEX_T = 63)
 *          A model without a user lexicon never has these kinds, so its
 *          attributes are the same as before they existed.
 *
 *   so a token has 23 + 2m + f + g (+ 3) (+ q <= 15) (+ 2) attributes, m = min(4, UTF-8 characters
 *   of w(0)); with version 4, 25 + 2m + f + g (+ 3 + g') (+ q <= 15) (+ 2).
 *   Characters: a new character starts at byte 0 and at every byte that is
 *   not a UTF-8 continuation byte (10xxxxxx).
 *
 *   Shape: per character A-Z -> 'X', a-z -> 'x', 0-9 -> 'd', ASCII
 *   punctuation -> itself, other ASCII (space, control) -> 'S', a non-ASCII
 *   character -> 'U'; at most 16 characters.  Short shape: the same mapping
 *   with runs collapsed ("Xxxxx" -> "Xx", "x86-64" -> "xd-d"), at most 16.
 *
 *   Flags of w(0) (f counts the true ones; exactly one length bucket is true
 *   for a non-empty token): all digits; has a digit; initial capital (first
 *   byte A-Z); all caps (>= 2 ASCII letters, none lower-case); mixed caps (an
 *   upper-case letter after the first byte and a lower-case letter anywhere:
 *   "MySQL", "iPhone", "GPLv3", not "Linux" or "LINUX"); has '-'; has '.';
 *   has '/'; has '+' or '#'; has '_'; all ASCII punctuation; has a non-ASCII
 *   byte; single character; length in characters 1, 2, 3-4, 5-8, 9+;
 *   initial capital at i == 0 (sentence-initial).
 *   Flags of w(-1) and w(+1) (g counts the true ones): initial capital, all
 *   caps.
 *
 * Hash version 2 (hash.h; feat_config.hash_version, models of format 7 on)
 * ---------------------------------------------------------------------------
 * The same attributes, each hashed as a sequence of pieces instead of bytes:
 *
 *   id = final( hash_begin(seed) -> kind id -> pieces ... )
 *
 * where -> x is hash2_add(h, x), a string piece [s] is hash2_str(s) (no
 * separator: a piece is hashed with its length) and an integer piece (a
 * lexicon position p or bucket r, c) is its value.  The kind ids are those
 * of version 1.  The pieces of each attribute:
 *
 *   bias, flags                       none (id = final(h0))
 *   w(0), lw(k), s(k), ss(k)          [the string]
 *   prefixes of w(0)                  [the first 1..m characters]
 *   suffixes of w(0)                  [the last 1..m characters], bytes in
 *                                     their natural order
 *   suffix of 3 chars of w(-1), w(+1) [its last 3 characters] (a shorter
 *                                     token or a sentinel: [all of it])
 *   bigrams a|b                       [a] [b]
 *   lexicon                           p [T] r | p r c | [T]
 *   [v4] neighbour lexicon matches    p [T]
 *   clusters                          [prefix or path]  ({0x00, 'U'} unknown)
 *   user lexicon                      p [T] | [T]
 *
 * Sentinels are the same 3 bytes as with version 1.  Each token's [w],
 * [lw], [s], [ss] and 3-character suffix are hashed once per sentence
 * (feat_tok) and reused by every window position that reads them.
 *
 * Templates (FEAT_TEMPLATE, CRF++ syntax) are parsed and extracted in
 * template.c, whose banner specifies their attributes.
 */
#include "featset.h"
#include "feat_builtin.h"

#include <stdlib.h>
#include <string.h>
#include "clusters.h"
#include "error.h"
#include "hash.h"
#include "lexicon.h"
#include "template.h"
#include "util.h"


/* sentinels of positions -1, -2, n, n+1 */
static const char feat_sent[4][3] = { { 0, 'B', 1 }, { 0, 'B', 2 }, { 0, 'E', 1 }, { 0, 'E', 2 } };

/* h over s[n-1], s[n-2], ..., s[0] */
static inline uint64_t feat_hrev(uint64_t h, const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    while (n > 0)
        h = hash_byte(h, p[--n]);
    return h;
}

static inline uint64_t feat_end(uint64_t h)
{
    return hash_end(hash_byte(h, FEAT_SEP));
}

static void feat_sentinel(struct feat_tok *t, const char *s, uint32_t hv)
{
    memset(t, 0, sizeof *t);
    if (hv == HASH_VERSION_2)
        t->hw = t->hlw = t->hsh = t->hss = t->hs3 = hash2_str(s, 3);
    t->w = t->lw = t->sh = t->ss = s;
    t->cl = FEAT_CL_OUT;
    t->len = 3;
    t->shlen = t->sslen = 3;
    for (int k = 0; k < 4; k++)
        t->pre[k] = t->suf[k] = 3;
}

static char feat_shape_char(unsigned char c)
{
    if (c >= 'A' && c <= 'Z')
        return 'X';
    if (c >= 'a' && c <= 'z')
        return 'x';
    if (c >= '0' && c <= '9')
        return 'd';
    if (c >= 0x80)
        return 'U';
    if (c > 0x20 && c < 0x7f)
        return (char)c;          /* ASCII punctuation */
    return 'S';
}

/* Fills t for token w; lower/sh/ss point to len, 16 and 16 bytes of scratch. */
static void feat_tok_fill(struct feat_tok *t, const char *w, size_t len, char *lower,
                          char *sh, char *ss)
{
    const unsigned char *p = (const unsigned char *)w;
    size_t nch = 0, starts[4] = { 0, 0, 0, 0 };  /* ring: last 4 char starts */
    size_t nupper = 0, nlower = 0, ndigit = 0, npunct = 0;
    int upper_inside = 0, nonascii = 0;
    uint32_t f = 0;
    unsigned shlen = 0, sslen = 0;
    char last = 0;

    t->w = w;
    t->len = len;
    t->lw = w;
    t->lexpos = 0;
    t->lexval = 0;
    t->ulexpos = 0;
    t->ulexval = 0;
    t->cl = FEAT_CL_OUT;
    for (size_t j = 0; j < len; j++) {
        unsigned char c = p[j];
        if (j == 0 || (c & 0xC0) != 0x80) {
            /* a new character */
            if (nch >= 1 && nch <= 4)
                t->pre[nch - 1] = j;
            starts[nch & 3] = j;
            nch++;
            char sc = feat_shape_char(c);
            if (shlen < FEAT_SHAPE_MAX)
                sh[shlen++] = sc;
            if (sc != last && sslen < FEAT_SHAPE_MAX)
                ss[sslen++] = sc;
            last = sc;
        }
        if (c >= 'A' && c <= 'Z') {
            nupper++;
            if (j > 0)
                upper_inside = 1;
        } else if (c >= 'a' && c <= 'z') {
            nlower++;
        } else if (c >= '0' && c <= '9') {
            ndigit++;
        } else if (c >= 0x80) {
            nonascii = 1;
        } else if (c > 0x20 && c < 0x7f) {
            npunct++;
            switch (c) {
            case '-': f |= 1u << BF_HYPHEN; break;
            case '.': f |= 1u << BF_DOT; break;
            case '/': f |= 1u << BF_SLASH; break;
            case '+': case '#': f |= 1u << BF_PLUSHASH; break;
            case '_': f |= 1u << BF_UNDERSCORE; break;
            default: break;
            }
        }
    }
    for (size_t k = nch; k < 4; k++)
        t->pre[k] = len;
    if (nch >= 1 && nch <= 4)
        t->pre[nch - 1] = len;
    /* suf[k]: the last k+1 characters start at starts[(nch - 1 - k) & 3] */
    for (size_t k = 0; k < 4; k++)
        t->suf[k] = k < nch ? len - starts[(nch - 1 - k) & 3] : len;
    t->npre = (unsigned char)(nch < 4 ? nch : 4);

    if (nupper > 0) {
        for (size_t j = 0; j < len; j++) {
            unsigned char c = p[j];
            lower[j] = (char)(c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c);
        }
        t->lw = lower;
    }
    t->sh = sh;
    t->ss = ss;
    t->shlen = (unsigned char)shlen;
    t->sslen = (unsigned char)sslen;

    f |= (uint32_t)(len > 0 && ndigit == len) << BF_ALLDIGIT;
    f |= (uint32_t)(ndigit > 0) << BF_HASDIGIT;
    f |= (uint32_t)(len > 0 && p[0] >= 'A' && p[0] <= 'Z') << BF_INITCAP;
    f |= (uint32_t)(nupper >= 2 && nlower == 0) << BF_ALLCAPS;
    f |= (uint32_t)(upper_inside && nlower > 0) << BF_MIXED;
    f |= (uint32_t)(len > 0 && npunct == len) << BF_ALLPUNCT;
    f |= (uint32_t)nonascii << BF_NONASCII;
    f |= (uint32_t)(nch == 1) << BF_SINGLE;
    if (nch > 0)
        f |= 1u << (nch == 1 ? BF_LEN1 : nch == 2 ? BF_LEN2 : nch <= 4 ? BF_LEN3_4
                    : nch <= 8 ? BF_LEN5_8 : BF_LEN9P);
    t->flags = f;
}


enum crftag_status feat_config_builtin(struct feat_config *fc, uint64_t seed)
{
    return feat_config_builtin_version(fc, seed, FEAT_BUILTIN_VERSION);
}

unsigned feat_lex_fold(const struct feat_config *fc)
{
    return fc->kind == FEAT_BUILTIN && fc->builtin_version >= 3 ? LEX_FOLD_PLURAL : 0;
}

enum crftag_status feat_config_builtin_version(struct feat_config *fc, uint64_t seed,
                                               uint32_t version)
{
    return feat_config_builtin_hv(fc, seed, version, FEAT_HASH_VERSION);
}

enum crftag_status feat_config_builtin_hv(struct feat_config *fc, uint64_t seed,
                                          uint32_t version, uint32_t hash_version)
{
    memset(fc, 0, sizeof *fc);
    if (version < FEAT_BUILTIN_VERSION_MIN || version > FEAT_BUILTIN_VERSION)
        return CRFTAG_ERR_INVALID;
    if (hash_version != HASH_VERSION_1 && hash_version != HASH_VERSION_2)
        return CRFTAG_ERR_INVALID;
    struct feat_template *tpl = util_calloc(BK_COUNT, sizeof *tpl);
    if (!tpl)
        return CRFTAG_ERR_NOMEM;
    for (size_t k = 0; k < BK_COUNT; k++) {
        uint64_t id = ((uint64_t)FEAT_BUILTIN << 32)
                      | ((uint64_t)version << 16) | k;
        tpl[k].h0 = feat_kind_state_hv(hash_version, seed, id);
        tpl[k].id0 = hash_end(tpl[k].h0);
    }
    fc->kind = FEAT_BUILTIN;
    fc->builtin_version = version;
    fc->seed = seed;
    fc->hash_version = hash_version;
    fc->ntemplates = BK_COUNT;
    fc->tpl = tpl;
    fc->ncols = 1;
    return CRFTAG_OK;
}

enum crftag_status feat_config_set_clusters(struct feat_config *fc, struct crftag_clusters *cl)
{
    if (fc->kind != FEAT_BUILTIN || !cl) {
        cl_free(cl);
        return CRFTAG_ERR_INVALID;
    }
    size_t np = cl->npaths + 1;
    uint64_t *ids = util_calloc(np * 3 * FEAT_CL_MAXP, sizeof *ids);
    unsigned char *num = util_calloc(np, 1);
    if (!ids || !num) {
        free(ids);
        free(num);
        cl_free(cl);
        return CRFTAG_ERR_NOMEM;
    }
    /* a word not in the table reads the unforgeable path {0x00, 'U'} */
    static const char unknown[2] = { 0, 'U' };
    for (size_t p = 0; p < np; p++) {
        const char *path = p < cl->npaths ? cl_path(cl, p) : unknown;
        size_t len = p < cl->npaths ? strlen(path) : 2;
        for (int k = 0; k < 3; k++) {
            uint64_t h0 = fc->tpl[BK_CL_M1 + k].h0;
            uint64_t *o = ids + (p * 3 + (size_t)k) * FEAT_CL_MAXP;
            size_t m = 0;
            /* prefixes shorter than the path (bit strings only), the path */
            for (size_t j = 0; p < cl->npaths && !cl->flat && j < FEAT_CL_MAXP - 1; j++)
                if (feat_cl_pre[j] < len)
                    o[m++] = hash_end(feat_hpiece(fc->hash_version, h0, path, feat_cl_pre[j]));
            o[m++] = hash_end(feat_hpiece(fc->hash_version, h0, path, len));
            num[p] = (unsigned char)m;
        }
    }
    cl_free(fc->cl);
    free(fc->clid);
    free(fc->clnum);
    fc->cl = cl;
    fc->clid = ids;
    fc->clnum = num;
    return CRFTAG_OK;
}

/* Lays out the scratch of a sentence: tk[-2 .. n+1] then lower-cased words,
 * shapes and short shapes; fills it (as feat_tokens_part with full and
 * pieces; both NULL: every token in full).  Returns tk (index 0 = token 0). */
static struct feat_tok *feat_prepare(const char *const *cols, size_t n, size_t stride,
                                     uint32_t hv, const unsigned char *full,
                                     const uint64_t *pieces, struct feat_buf *out)
{
    size_t ntk = n + 2 * FEAT_WIN, head, bytes = 0, need;
    if (util_mul(ntk, sizeof(struct feat_tok), &head))
        return NULL;
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(cols[i * stride]);
        if (len > SIZE_MAX - bytes - 2 * FEAT_SHAPE_MAX)
            return NULL;
        bytes += len + 2 * FEAT_SHAPE_MAX;
    }
    if (bytes > SIZE_MAX - head)
        return NULL;
    need = head + bytes;
    if (UTIL_GROW(out->scratch, out->scratch_cap, need))
        return NULL;

    struct feat_tok *tk = (struct feat_tok *)(void *)out->scratch + FEAT_WIN;
    char *s = out->scratch + head;
    feat_sentinel(&tk[-1], feat_sent[0], hv);
    feat_sentinel(&tk[-2], feat_sent[1], hv);
    feat_sentinel(&tk[n], feat_sent[2], hv);
    feat_sentinel(&tk[n + 1], feat_sent[3], hv);
    for (size_t i = 0; i < n; i++) {
        const char *w = cols[i * stride];
        size_t len = strlen(w);
        struct feat_tok *t = &tk[i];
        if (full && !full[i] && hv == HASH_VERSION_2) {
            /* what feat_pair_attrs reads: the pieces of lw and ss, the
             * initial capital (of token 0) */
            memset(t, 0, sizeof *t);
            t->w = t->lw = t->sh = t->ss = w;
            t->len = len;
            t->cl = FEAT_CL_OUT;
            t->flags = (uint32_t)(len > 0 && w[0] >= 'A' && w[0] <= 'Z') << BF_INITCAP;
            t->hlw = pieces[2 * i];
            t->hss = pieces[2 * i + 1];
            s += len + 2 * FEAT_SHAPE_MAX;
            continue;
        }
        feat_tok_fill(t, w, len, s, s + len, s + len + FEAT_SHAPE_MAX);
        s += len + 2 * FEAT_SHAPE_MAX;
        if (hv == HASH_VERSION_2) {
            t->hw = hash2_str(w, len);
            t->hlw = t->lw == w ? t->hw : hash2_str(t->lw, len);
            t->hsh = hash2_str(t->sh, t->shlen);
            t->hss = hash2_str(t->ss, t->sslen);
            t->hs3 = t->suf[2] == len ? t->hw : hash2_str(w + len - t->suf[2], t->suf[2]);
        }
    }
    return tk;
}

/* Which attributes of a token the extraction functions below give: those
 * read from the token's own bytes alone (word-local: the bias, w(0), lw(0),
 * s(0), ss(0), the prefixes, suffixes and flags of w(0), the cluster path of
 * w(0)), those read from one neighbour alone (the words, shapes, 3-character
 * suffixes, flags and clusters of w(-2), w(-1), w(+1), w(+2)), the others,
 * which read two tokens or the position (the sentence-initial flag, bigrams,
 * lexicon, neighbours' lexicon matches, user lexicon), or all of them in the
 * order specified at the top.  The functions take it as a constant and are
 * inlined, so each part is a copy of its own without a test. */
#define FEAT_PART_LOCAL 1u
#define FEAT_PART_NEIGH 2u
#define FEAT_PART_PAIR 4u
#define FEAT_PART_ALL 7u
#define FEAT_INLINE __attribute__((always_inline)) static inline

/* The flag attributes of token i (its flags, and those of its neighbours'
 * that the set reads): kind ids alone, the same in every hash version. */
FEAT_INLINE uint64_t *feat_flag_attrs(const struct feat_template *kt, const struct feat_tok *tk,
                                      size_t i, uint64_t *o, const unsigned part)
{
    const struct feat_tok *t0 = &tk[i], *tp = &tk[(ptrdiff_t)i - 1], *tn = &tk[i + 1];
    uint32_t f = t0->flags;
    for (int b = 0; f && (part & FEAT_PART_LOCAL); b++, f >>= 1) {
        if (f & 1u)
            *o++ = kt[BK_FLAG + b].id0;
    }
    if ((part & FEAT_PART_PAIR) && i == 0 && (t0->flags & (1u << BF_INITCAP)))
        *o++ = kt[BK_INITCAP_FIRST].id0;
    if (!(part & FEAT_PART_NEIGH))
        return o;
    if (tp->flags & (1u << BF_INITCAP))
        *o++ = kt[BK_PREV_INITCAP].id0;
    if (tp->flags & (1u << BF_ALLCAPS))
        *o++ = kt[BK_PREV_ALLCAPS].id0;
    if (tn->flags & (1u << BF_INITCAP))
        *o++ = kt[BK_NEXT_INITCAP].id0;
    if (tn->flags & (1u << BF_ALLCAPS))
        *o++ = kt[BK_NEXT_ALLCAPS].id0;
    return o;
}

/* Attributes of token i with the built-in set (the part `part`); returns
 * the end of o. */
FEAT_INLINE uint64_t *feat_builtin_token(const struct feat_config *fc, const struct feat_tok *tk,
                                         size_t i, uint64_t *o, const unsigned part)
{
    const unsigned L = FEAT_PART_LOCAL, C = FEAT_PART_NEIGH;
    const struct feat_template *kt = fc->tpl;
    const struct lexicon *lx = fc->lex;
    const int v4 = fc->builtin_version >= 4;
    const struct feat_tok *t0 = &tk[i];
    uint64_t h;

    if (part & L)
        *o++ = kt[BK_BIAS].id0;
    for (int k = -FEAT_WIN; k <= FEAT_WIN; k++) {
        const struct feat_tok *t = &tk[(ptrdiff_t)i + k];
        const unsigned here = k == 0 ? L : C;
        /* the exact word only at 0, lower-cased word and shape at -1..+1,
         * short shape at -2..+2: fewer memorizing features generalize
         * better to unseen names (WikiSER dev F1 54.9 -> 56.2) */
        if (part & here) {
            if (k == 0)
                *o++ = feat_end(feat_hstr(kt[BK_W + k + 2].h0, t->w, t->len));
            if (k >= -1 && k <= 1) {
                *o++ = feat_end(feat_hstr(kt[BK_LW + k + 2].h0, t->lw, t->len));
                *o++ = feat_end(feat_hstr(kt[BK_SH + k + 2].h0, t->sh, t->shlen));
            }
            *o++ = feat_end(feat_hstr(kt[BK_SS + k + 2].h0, t->ss, t->sslen));
        }
        /* version 4: the lower-cased word at -2 and +2 too */
        if (v4 && (part & C) && (k == -2 || k == 2))
            *o++ = feat_end(feat_hstr(kt[BK_LW + k + 2].h0, t->lw, t->len));
    }

    if (part & L) {
        /* prefixes: one running state, an attribute at each character end */
        h = kt[BK_PRE].h0;
        size_t j = 0;
        for (int k = 0; k < t0->npre; k++) {
            h = feat_hstr(h, t0->w + j, t0->pre[k] - j);
            j = t0->pre[k];
            *o++ = feat_end(h);
        }
        /* suffixes: bytes from the end backwards */
        h = kt[BK_SUF].h0;
        j = 0;
        for (int k = 0; k < t0->npre; k++) {
            h = feat_hrev(h, t0->w + t0->len - t0->suf[k], t0->suf[k] - j);
            j = t0->suf[k];
            *o++ = feat_end(h);
        }
    }
    const struct feat_tok *tp = &tk[(ptrdiff_t)i - 1], *tn = &tk[i + 1];
    if (part & C) {
        *o++ = feat_end(feat_hrev(kt[BK_SUF3_PREV].h0, tp->w + tp->len - tp->suf[2],
                                  tp->suf[2]));
        *o++ = feat_end(feat_hrev(kt[BK_SUF3_NEXT].h0, tn->w + tn->len - tn->suf[2],
                                  tn->suf[2]));
    }

    o = feat_flag_attrs(kt, tk, i, o, part);
    if (!(part & FEAT_PART_PAIR))
        return o;

    /* bigrams a|b: a 0 b 0 */
    static const struct { int kind, a, b; } big[8] = {
        { BK_LW_M1_0, -1, 0 }, { BK_LW_0_P1, 0, 1 }, { BK_LW_M2_M1, -2, -1 },
        { BK_LW_P1_P2, 1, 2 }, { BK_SS_M1_0, -1, 0 }, { BK_SS_0_P1, 0, 1 },
        { BK_LW_M1_SS_0, -1, 0 }, { BK_SS_0_LW_P1, 0, 1 },
    };
    for (int k = 0; k < 8; k++) {
        const struct feat_tok *a = &tk[(ptrdiff_t)i + big[k].a];
        const struct feat_tok *b = &tk[(ptrdiff_t)i + big[k].b];
        /* which string each side reads: lower-cased word or short shape */
        int a_lw = k < 4 || k == 6, b_lw = k < 4 || k == 7;
        h = kt[big[k].kind].h0;
        h = a_lw ? feat_hstr(h, a->lw, a->len) : feat_hstr(h, a->ss, a->sslen);
        h = hash_byte(h, FEAT_SEP);
        h = b_lw ? feat_hstr(h, b->lw, b->len) : feat_hstr(h, b->ss, b->sslen);
        *o++ = feat_end(h);
    }

    if (t0->lexpos) {
        unsigned v = t0->lexval;
        const char *type = lx->types[lex_type(v)];
        size_t tlen = strlen(type);
        h = hash_byte(kt[BK_LEX_PTR].h0, t0->lexpos);
        h = hash_byte(feat_hstr(h, type, tlen), FEAT_SEP);
        *o++ = feat_end(hash_byte(h, (unsigned char)lex_rb(v)));
        h = hash_byte(kt[BK_LEX_PRC].h0, t0->lexpos);
        h = hash_byte(h, (unsigned char)lex_rb(v));
        *o++ = feat_end(hash_byte(h, (unsigned char)lex_cb(v)));
        *o++ = feat_end(feat_hstr(kt[BK_LEX_T].h0, type, tlen));
    }
    /* version 4: the lexicon match of each neighbour, its position and type */
    for (int d = -1; v4 && lx && d <= 1; d += 2) {
        const struct feat_tok *t = d < 0 ? tp : tn;
        if (!t->lexpos)
            continue;
        const char *type = lx->types[lex_type(t->lexval)];
        h = hash_byte(kt[d < 0 ? BK_LEX_M1 : BK_LEX_P1].h0, t->lexpos);
        *o++ = feat_end(feat_hstr(h, type, strlen(type)));
    }
    return o;
}

/* The same with hash version 2 (the pieces specified at the top). */
FEAT_INLINE uint64_t *feat_builtin_token2(const struct feat_config *fc,
                                          const struct feat_tok *tk, size_t i, uint64_t *o,
                                          const unsigned part)
{
    const unsigned L = FEAT_PART_LOCAL, C = FEAT_PART_NEIGH;
    const struct feat_template *kt = fc->tpl;
    const struct lexicon *lx = fc->lex;
    const int v4 = fc->builtin_version >= 4;
    const struct feat_tok *t0 = &tk[i];
    const struct feat_tok *tm2 = &tk[(ptrdiff_t)i - 2], *tp = &tk[(ptrdiff_t)i - 1];
    const struct feat_tok *tn = &tk[i + 1], *tn2 = &tk[i + 2];
    uint64_t h;

    /* in the order of feat_builtin_token */
    if (part & L)
        *o++ = kt[BK_BIAS].id0;
    if (part & C) {
        *o++ = hash_end(hash2_add(kt[BK_SS + 0].h0, tm2->hss));
        if (v4)
            *o++ = hash_end(hash2_add(kt[BK_LW + 0].h0, tm2->hlw));
        *o++ = hash_end(hash2_add(kt[BK_LW + 1].h0, tp->hlw));
        *o++ = hash_end(hash2_add(kt[BK_SH + 1].h0, tp->hsh));
        *o++ = hash_end(hash2_add(kt[BK_SS + 1].h0, tp->hss));
    }
    if (part & L) {
        *o++ = hash_end(hash2_add(kt[BK_W + 2].h0, t0->hw));
        *o++ = hash_end(hash2_add(kt[BK_LW + 2].h0, t0->hlw));
        *o++ = hash_end(hash2_add(kt[BK_SH + 2].h0, t0->hsh));
        *o++ = hash_end(hash2_add(kt[BK_SS + 2].h0, t0->hss));
    }
    if (part & C) {
        *o++ = hash_end(hash2_add(kt[BK_LW + 3].h0, tn->hlw));
        *o++ = hash_end(hash2_add(kt[BK_SH + 3].h0, tn->hsh));
        *o++ = hash_end(hash2_add(kt[BK_SS + 3].h0, tn->hss));
        *o++ = hash_end(hash2_add(kt[BK_SS + 4].h0, tn2->hss));
        if (v4)
            *o++ = hash_end(hash2_add(kt[BK_LW + 4].h0, tn2->hlw));
    }

    if (part & L) {
        /* prefixes and suffixes of w(0), each a piece */
        for (int k = 0; k < t0->npre; k++) {
            uint64_t x = t0->pre[k] == t0->len ? t0->hw : hash2_str(t0->w, t0->pre[k]);
            *o++ = hash_end(hash2_add(kt[BK_PRE].h0, x));
        }
        for (int k = 0; k < t0->npre; k++) {
            uint64_t x = t0->suf[k] == t0->len ? t0->hw
                         : k == 2 ? t0->hs3
                         : hash2_str(t0->w + t0->len - t0->suf[k], t0->suf[k]);
            *o++ = hash_end(hash2_add(kt[BK_SUF].h0, x));
        }
    }
    if (part & C) {
        *o++ = hash_end(hash2_add(kt[BK_SUF3_PREV].h0, tp->hs3));
        *o++ = hash_end(hash2_add(kt[BK_SUF3_NEXT].h0, tn->hs3));
    }

    o = feat_flag_attrs(kt, tk, i, o, part);
    if (!(part & FEAT_PART_PAIR))
        return o;

    /* bigrams a|b: [a] [b] */
    *o++ = hash_end(hash2_add(hash2_add(kt[BK_LW_M1_0].h0, tp->hlw), t0->hlw));
    *o++ = hash_end(hash2_add(hash2_add(kt[BK_LW_0_P1].h0, t0->hlw), tn->hlw));
    *o++ = hash_end(hash2_add(hash2_add(kt[BK_LW_M2_M1].h0, tm2->hlw), tp->hlw));
    *o++ = hash_end(hash2_add(hash2_add(kt[BK_LW_P1_P2].h0, tn->hlw), tn2->hlw));
    *o++ = hash_end(hash2_add(hash2_add(kt[BK_SS_M1_0].h0, tp->hss), t0->hss));
    *o++ = hash_end(hash2_add(hash2_add(kt[BK_SS_0_P1].h0, t0->hss), tn->hss));
    *o++ = hash_end(hash2_add(hash2_add(kt[BK_LW_M1_SS_0].h0, tp->hlw), t0->hss));
    *o++ = hash_end(hash2_add(hash2_add(kt[BK_SS_0_LW_P1].h0, t0->hss), tn->hlw));

    if (t0->lexpos) {
        unsigned v = t0->lexval;
        const char *type = lx->types[lex_type(v)];
        uint64_t ht = hash2_str(type, strlen(type));
        h = hash2_add(hash2_add(kt[BK_LEX_PTR].h0, t0->lexpos), ht);
        *o++ = hash_end(hash2_add(h, lex_rb(v)));
        h = hash2_add(hash2_add(kt[BK_LEX_PRC].h0, t0->lexpos), lex_rb(v));
        *o++ = hash_end(hash2_add(h, lex_cb(v)));
        *o++ = hash_end(hash2_add(kt[BK_LEX_T].h0, ht));
    }
    for (int d = -1; v4 && lx && d <= 1; d += 2) {
        const struct feat_tok *t = d < 0 ? tp : tn;
        if (!t->lexpos)
            continue;
        const char *type = lx->types[lex_type(t->lexval)];
        h = hash2_add(kt[d < 0 ? BK_LEX_M1 : BK_LEX_P1].h0, t->lexpos);
        *o++ = hash_end(hash2_add(h, hash2_str(type, strlen(type))));
    }
    return o;
}

/* Cluster attributes of token i (after the others; the part `part`: w(0)'s
 * are word-local); returns the end of o. */
FEAT_INLINE uint64_t *feat_cluster_token(const struct feat_config *fc, const struct feat_tok *tk,
                                         size_t i, uint64_t *o, const unsigned part)
{
    for (int k = 0; k < 3; k++) {
        if (!(part & (k == 1 ? FEAT_PART_LOCAL : FEAT_PART_NEIGH)))
            continue;
        uint32_t p = tk[(ptrdiff_t)i + k - 1].cl;
        if (p == FEAT_CL_OUT)
            continue;
        const uint64_t *ids = fc->clid + ((size_t)p * 3 + (size_t)k) * FEAT_CL_MAXP;
        for (unsigned j = 0; j < fc->clnum[p]; j++)
            *o++ = ids[j];
    }
    return o;
}

/* User lexicon attributes of token t0 (after the others); returns the end of o. */
static uint64_t *feat_ulex_token(const struct feat_template *kt, uint32_t hv,
                                 const struct lexicon *ulx, const struct feat_tok *t0,
                                 uint64_t *o)
{
    if (!t0->ulexpos)
        return o;
    const char *type = ulx->types[lex_type(t0->ulexval)];
    size_t tlen = strlen(type);
    if (hv == HASH_VERSION_2) {
        uint64_t ht = hash2_str(type, tlen);
        *o++ = hash_end(hash2_add(hash2_add(kt[BK_ULEX_PT].h0, t0->ulexpos), ht));
        *o++ = hash_end(hash2_add(kt[BK_ULEX_T].h0, ht));
        return o;
    }
    uint64_t h = hash_byte(kt[BK_ULEX_PT].h0, t0->ulexpos);
    *o++ = feat_end(feat_hstr(h, type, tlen));
    *o++ = feat_end(feat_hstr(kt[BK_ULEX_T].h0, type, tlen));
    return o;
}

void feat_config_free(struct feat_config *fc)
{
    if (!fc)
        return;
    free(fc->template_text);
    free(fc->tpl);
    lex_free(fc->lex);
    lex_free(fc->ulex);
    cl_free(fc->cl);
    free(fc->clid);
    free(fc->clnum);
    memset(fc, 0, sizeof *fc);
}

/* ------------------------------------------------------------------------ */
/* Extraction                                                               */
/* ------------------------------------------------------------------------ */

enum crftag_status feat_extract(const struct feat_config *fc, const char *const *cols,
                                size_t n, size_t stride, struct feat_buf *out)
{
    return feat_extract_view(fc, cols, n, stride, 0, out);
}

/* Grows a sentence's match buffers val and pos (both of capacity *cap) to n
 * tokens and matches the sentence against view `view` of lx; -1 when out of
 * memory. */
static int feat_lex_match(const struct lexicon *lx, size_t view, const char *const *cols,
                          size_t n, size_t stride, uint16_t **val, unsigned char **pos,
                          size_t *cap)
{
    size_t vcap = *cap;
    if (UTIL_GROW(*val, vcap, n))
        return -1;
    if (UTIL_GROW(*pos, *cap, n))
        return -1;
    lex_match(lx, view, cols, n, stride, *val, *pos);
    return 0;
}

static struct feat_tok *feat_tokens_view(const struct feat_config *fc, const char *const *cols,
                                         size_t n, size_t stride, size_t view,
                                         const unsigned char *full, const uint64_t *pieces,
                                         struct feat_buf *out)
{
    struct feat_tok *tk = feat_prepare(cols, n, stride, fc->hash_version, full, pieces, out);
    if (!tk)
        return NULL;
    if (fc->lex) {
        if (feat_lex_match(fc->lex, view < fc->lex->nviews ? view : 0, cols, n, stride,
                           &out->lexval, &out->lexpos, &out->lex_cap))
            return NULL;
        for (size_t i = 0; i < n; i++) {
            tk[i].lexval = out->lexval[i];
            tk[i].lexpos = out->lexpos[i];
        }
    }
    if (fc->ulex) {
        if (feat_lex_match(fc->ulex, 0, cols, n, stride, &out->ulexval, &out->ulexpos,
                           &out->ulex_cap))
            return NULL;
        for (size_t i = 0; i < n; i++) {
            tk[i].ulexval = out->ulexval[i];
            tk[i].ulexpos = out->ulexpos[i];
        }
    }
    if (fc->cl) {
        for (size_t i = 0; i < n; i++) {
            if (full && !full[i])
                continue;
            uint32_t cp = cl_lookup(fc->cl, tk[i].w, tk[i].len);
            tk[i].cl = cp == CL_NONE ? (uint32_t)fc->cl->npaths : cp;
        }
    }
    return tk;
}

struct feat_tok *feat_tokens(const struct feat_config *fc, const char *const *cols, size_t n,
                             size_t stride, size_t view, struct feat_buf *out)
{
    return feat_tokens_view(fc, cols, n, stride, view, NULL, NULL, out);
}

struct feat_tok *feat_tokens_part(const struct feat_config *fc, const char *const *cols,
                                  size_t n, size_t stride, const unsigned char *full,
                                  const uint64_t *pieces, struct feat_buf *out)
{
    return feat_tokens_view(fc, cols, n, stride, 0, full, pieces, out);
}

enum crftag_status feat_extract_view(const struct feat_config *fc, const char *const *cols,
                                     size_t n, size_t stride, size_t view,
                                     struct feat_buf *out)
{
    size_t per = fc->kind == FEAT_BUILTIN ? FEAT_BUILTIN_MAX : fc->ntemplates;
    size_t cap_need;

    if (n > 0 && stride < fc->ncols)
        return CRFTAG_ERR_INVALID;
    if (fc->kind == FEAT_ATTRS) {
        if (n == SIZE_MAX || UTIL_GROW(out->start, out->start_cap, n + 1))
            return CRFTAG_ERR_NOMEM;
        out->start[0] = 0;
        return feat_attrs_sentence(fc, cols, n, stride, out);
    }
    if (n == SIZE_MAX || util_mul(n, per, &cap_need))
        return CRFTAG_ERR_NOMEM;
    if (UTIL_GROW(out->start, out->start_cap, n + 1))
        return CRFTAG_ERR_NOMEM;
    if (UTIL_GROW(out->ids, out->cap, cap_need ? cap_need : 1))
        return CRFTAG_ERR_NOMEM;

    uint64_t *o = out->ids;
    out->start[0] = 0;
    if (fc->kind == FEAT_BUILTIN) {
        if (n == 0)
            return CRFTAG_OK;
        struct feat_tok *tk = feat_tokens(fc, cols, n, stride, view, out);
        if (!tk)
            return CRFTAG_ERR_NOMEM;
        for (size_t i = 0; i < n; i++) {
            o = fc->hash_version == HASH_VERSION_2
                    ? feat_builtin_token2(fc, tk, i, o, FEAT_PART_ALL)
                    : feat_builtin_token(fc, tk, i, o, FEAT_PART_ALL);
            if (fc->cl)
                o = feat_cluster_token(fc, tk, i, o, FEAT_PART_ALL);
            if (fc->ulex)
                o = feat_ulex_token(fc->tpl, fc->hash_version, fc->ulex, &tk[i], o);
            out->start[i + 1] = (size_t)(o - out->ids);
        }
    } else {
        return feat_template_sentence(fc, cols, n, stride, out);
    }
    return CRFTAG_OK;
}

size_t feat_word_attrs(const struct feat_config *fc, const struct feat_tok *tk, ptrdiff_t j,
                       int k, uint64_t *o)
{
    const struct feat_template *kt = fc->tpl;
    const struct feat_tok *t = &tk[j];
    const int hv2 = fc->hash_version == HASH_VERSION_2;
    uint64_t *o0 = o;
    if (k == 0) {
        o = hv2 ? feat_builtin_token2(fc, tk, (size_t)j, o, FEAT_PART_LOCAL)
                : feat_builtin_token(fc, tk, (size_t)j, o, FEAT_PART_LOCAL);
        if (fc->cl)
            o = feat_cluster_token(fc, tk, (size_t)j, o, FEAT_PART_LOCAL);
        return (size_t)(o - o0);
    }
    /* the kinds of a string read at offset k are BK_LW, BK_SH, BK_SS + k + 2 */
#define FEAT_PIECE(kind, s, n, hp) \
    (hv2 ? hash_end(hash2_add(kt[kind].h0, (hp))) : feat_end(feat_hstr(kt[kind].h0, (s), (n))))
    *o++ = FEAT_PIECE(BK_SS + k + 2, t->ss, t->sslen, t->hss);
    if (k == -2 || k == 2) {
        if (fc->builtin_version >= 4)
            *o++ = FEAT_PIECE(BK_LW + k + 2, t->lw, t->len, t->hlw);
        return (size_t)(o - o0);
    }
    *o++ = FEAT_PIECE(BK_LW + k + 2, t->lw, t->len, t->hlw);
    *o++ = FEAT_PIECE(BK_SH + k + 2, t->sh, t->shlen, t->hsh);
#undef FEAT_PIECE
    uint64_t h0 = kt[k < 0 ? BK_SUF3_PREV : BK_SUF3_NEXT].h0;
    *o++ = hv2 ? hash_end(hash2_add(h0, t->hs3))
               : feat_end(feat_hrev(h0, t->w + t->len - t->suf[2], t->suf[2]));
    if (t->flags & (1u << BF_INITCAP))
        *o++ = kt[k < 0 ? BK_PREV_INITCAP : BK_NEXT_INITCAP].id0;
    if (t->flags & (1u << BF_ALLCAPS))
        *o++ = kt[k < 0 ? BK_PREV_ALLCAPS : BK_NEXT_ALLCAPS].id0;
    if (fc->cl && t->cl != FEAT_CL_OUT) {
        const uint64_t *ids = fc->clid + ((size_t)t->cl * 3 + (k < 0 ? 0u : 2u)) * FEAT_CL_MAXP;
        for (unsigned m = 0; m < fc->clnum[t->cl]; m++)
            *o++ = ids[m];
    }
    return (size_t)(o - o0);
}

size_t feat_pair_attrs(const struct feat_config *fc, const struct feat_tok *tk, size_t i,
                       uint64_t *o)
{
    uint64_t *o0 = o;
    o = fc->hash_version == HASH_VERSION_2 ? feat_builtin_token2(fc, tk, i, o, FEAT_PART_PAIR)
                                           : feat_builtin_token(fc, tk, i, o, FEAT_PART_PAIR);
    if (fc->ulex)
        o = feat_ulex_token(fc->tpl, fc->hash_version, fc->ulex, &tk[i], o);
    return (size_t)(o - o0);
}

void feat_buf_free(struct feat_buf *b)
{
    if (!b)
        return;
    free(b->ids);
    free(b->start);
    free(b->scratch);
    free(b->lexval);
    free(b->lexpos);
    free(b->ulexval);
    free(b->ulexpos);
    free(b->val);
    free(b->piece);
    memset(b, 0, sizeof *b);
}
