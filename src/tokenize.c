/*
 * tokenize.c - raw text -> sentences -> tokens with byte offsets (core layer).
 *
 * Turns raw UTF-8 text into tokens shaped like the WikiSER training tokens
 * (so that the tagger's features fire) and marks the first token of each
 * sentence.  Two linear passes over the input:
 *
 *   pass 1 (tok_scan)      text ─► tokens [start, end)
 *   pass 2 (tok_sentences) tokens + the gaps between them ─► sentence_start
 *
 * Pass 1, token rules (derived from WikiSER train.txt):
 *   - Whitespace separates tokens and is never part of one: ASCII space, \t,
 *     \n, \v, \f, \r, the NUL byte, U+0085, U+00A0, U+1680, U+2000..U+200B,
 *     U+2028, U+2029, U+202F, U+205F, U+3000, U+FEFF.
 *   - Always a token of their own ("split" characters): ( ) [ ] { } " ; `
 *     and the non-ASCII « » ‹ › “ ” „ ‟ – — ― … ¡ ¿, arrows U+2190..U+21FF
 *     and a few CJK / full-width brackets and punctuation.
 *   - ',' is a token, except between two digits (1,000).
 *   - Three or more '.' in a row are one token ("...").
 *   - URLs (scheme://... or www....) are one token up to whitespace, '"',
 *     '<', '>' or a split character other than brackets; trailing . , ; : ! ?
 *     ' and unbalanced ) ] } are given back to the normal rules.
 *   - Everything else is cut into "segments" at whitespace and the
 *     characters above.  In a segment, leading ' ‘ ’ are split off (opening
 *     quotes), and from the end, repeatedly: ':' ; a run of '!'/'?' ("?!");
 *     ".." ; a single '.' unless the segment is an abbreviation (list below,
 *     dotted "e.g."/"U.S."/"Ph.D." forms, or an initial "J." that follows
 *     the start of the text, a capitalized token or a terminal token and is
 *     followed by whitespace and an uppercase ASCII letter; abbreviations
 *     never end a sentence); closing ' ‘ ’ ; once, a clitic 's 'm 'd 're
 *     've 'll n't (also with ’, any case; "doesn't" -> does n't, "can't" ->
 *     ca n't, as WikiSER does).  Internal '.', ':', '!', '?', '\'', '-', '/',
 *     '+', '#', '@', '_' and all other characters stay in the token:
 *     C++, C#, .NET, ASP.NET, Node.js, Wi-Fi, I/O, x86-64, x86_64, 3.5.1,
 *     v2.0, 10:30, std::map, O'Reilly, #include, @decorator, e-mail
 *     addresses, config.sys.
 *   - Invalid UTF-8 bytes are single letter-like bytes; a valid multi-byte
 *     character is never split.
 *
 * Pass 2, sentence rules: a sentence ends after a terminal token (made only
 * of '.', '!', '?', '…') and any closing quotes/brackets glued to it, when
 * whitespace follows and the next token starts with an uppercase letter
 * (ASCII, Latin-1, Greek, Cyrillic), a digit, an opening quote or bracket,
 * ".X" (.NET) or a lowercase letter followed by an uppercase ASCII letter
 * (iOS, eBay).  A blank line (two line breaks in one gap; U+2029 counts as
 * two) always ends a sentence.  The first token of the call starts one.
 *
 * crftag_tokenize() returns *out_tokens = NULL exactly when there are no
 * tokens (len = 0, or whitespace / NUL bytes only).
 *
 * Cost: O(len) time; memory is the token array only (amortized doubling).
 */
#include "tokenize.h"

#include <stdint.h>
#include <stdlib.h>

#include "util.h"
#ifdef __SSE2__
#include <emmintrin.h>
#endif

/* Character classes of pass 1. */
enum {
    K_WORD = 0,   /* part of a segment                          */
    K_SPACE,      /* separates tokens                           */
    K_SPLIT,      /* always a one-character token               */
    K_COMMA,      /* ',' : a token unless between two digits    */
    K_DOT,        /* '.' : see the segment rules                */
    K_MB          /* a byte >= 0x80: decode the character       */
};

#define TOK_BAD 0xFFFFFFFFu   /* code point of an invalid byte */

/* The class of each byte: that of an ASCII character, K_MB for the others. */
#define TOK_MB16 K_MB, K_MB, K_MB, K_MB, K_MB, K_MB, K_MB, K_MB, \
                 K_MB, K_MB, K_MB, K_MB, K_MB, K_MB, K_MB, K_MB
static const unsigned char tok_byte[256] = {
    [0x00] = K_SPACE, ['\t'] = K_SPACE, ['\n'] = K_SPACE, ['\v'] = K_SPACE,
    ['\f'] = K_SPACE, ['\r'] = K_SPACE, [' '] = K_SPACE,
    ['('] = K_SPLIT, [')'] = K_SPLIT, ['['] = K_SPLIT, [']'] = K_SPLIT,
    ['{'] = K_SPLIT, ['}'] = K_SPLIT, ['"'] = K_SPLIT, [';'] = K_SPLIT,
    ['`'] = K_SPLIT,
    [','] = K_COMMA, ['.'] = K_DOT,
    [0x80] = TOK_MB16, TOK_MB16, TOK_MB16, TOK_MB16, TOK_MB16, TOK_MB16, TOK_MB16, TOK_MB16,
};
#undef TOK_MB16

/* The ASCII characters of a URL scheme after its first letter:
 * [A-Za-z0-9+.-]. */
static const unsigned char tok_scheme[128] = {
    ['A'] = 1, ['B'] = 1, ['C'] = 1, ['D'] = 1, ['E'] = 1, ['F'] = 1, ['G'] = 1, ['H'] = 1,
    ['I'] = 1, ['J'] = 1, ['K'] = 1, ['L'] = 1, ['M'] = 1, ['N'] = 1, ['O'] = 1, ['P'] = 1,
    ['Q'] = 1, ['R'] = 1, ['S'] = 1, ['T'] = 1, ['U'] = 1, ['V'] = 1, ['W'] = 1, ['X'] = 1,
    ['Y'] = 1, ['Z'] = 1, ['a'] = 1, ['b'] = 1, ['c'] = 1, ['d'] = 1, ['e'] = 1, ['f'] = 1,
    ['g'] = 1, ['h'] = 1, ['i'] = 1, ['j'] = 1, ['k'] = 1, ['l'] = 1, ['m'] = 1, ['n'] = 1,
    ['o'] = 1, ['p'] = 1, ['q'] = 1, ['r'] = 1, ['s'] = 1, ['t'] = 1, ['u'] = 1, ['v'] = 1,
    ['w'] = 1, ['x'] = 1, ['y'] = 1, ['z'] = 1, ['0'] = 1, ['1'] = 1, ['2'] = 1, ['3'] = 1,
    ['4'] = 1, ['5'] = 1, ['6'] = 1, ['7'] = 1, ['8'] = 1, ['9'] = 1, ['+'] = 1, ['.'] = 1,
    ['-'] = 1,
};

/* Abbreviations (without their final '.') that keep their '.' and never end
 * a sentence; the first letter matches in either case (etc./Etc.). */
static const char *const tok_abbrevs[] = {
    "etc", "vs", "cf", "viz", "al", "approx", "ca", "incl", "esp", "resp",
    "Inc", "Corp", "Ltd", "Co", "Bros", "Mr", "Mrs", "Ms", "Dr", "Prof",
    "Sr", "Jr", "St", "Mt", "Gen", "Gov", "Sen", "Rev", "Lt", "Col", "Capt",
    "Sgt", "Fig", "Vol", "pp", "Jan", "Feb", "Mar", "Apr", "Jun", "Jul",
    "Aug", "Sep", "Sept", "Oct", "Nov", "Dec",
};

/* Pass-1 state: the input and the array being appended to. */
struct tok_ctx {
    const unsigned char *t;
    size_t len;
    struct crftag_token **toks;
    size_t *n;
    size_t *cap;
    size_t n0;          /* index of the first token of this call */
};

static int tok_is_digit(unsigned c) { return c >= '0' && c <= '9'; }
static int tok_is_upper(unsigned c) { return c >= 'A' && c <= 'Z'; }
static int tok_is_lower(unsigned c) { return c >= 'a' && c <= 'z'; }
static int tok_is_alpha(unsigned c) { return tok_is_upper(c) || tok_is_lower(c); }
static unsigned tok_lower(unsigned c) { return tok_is_upper(c) ? c + 32 : c; }

/* Decodes the code point at t[i] (i < len) into *cp and returns its length
 * in bytes.  A byte that does not start a valid, complete, shortest-form
 * sequence (no surrogates, <= U+10FFFF) gives TOK_BAD and length 1. */
static size_t tok_decode(const unsigned char *t, size_t len, size_t i, uint32_t *cp)
{
    unsigned c = t[i];
    unsigned lo = 0x80, hi = 0xBF;
    size_t need;
    uint32_t v;

    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    if (c >= 0xC2 && c <= 0xDF) {
        need = 1;
        v = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
        need = 2;
        v = c & 0x0F;
        if (c == 0xE0)
            lo = 0xA0;
        else if (c == 0xED)
            hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        need = 3;
        v = c & 0x07;
        if (c == 0xF0)
            lo = 0x90;
        else if (c == 0xF4)
            hi = 0x8F;
    } else {
        *cp = TOK_BAD;
        return 1;
    }
    if (len - i - 1 < need) {
        *cp = TOK_BAD;
        return 1;
    }
    for (size_t k = 1; k <= need; k++) {
        unsigned b = t[i + k];
        if (b < lo || b > hi) {
            *cp = TOK_BAD;
            return 1;
        }
        lo = 0x80;
        hi = 0xBF;
        v = (v << 6) | (b & 0x3F);
    }
    *cp = v;
    return need + 1;
}

/* Class of a non-ASCII code point (TOK_BAD is a letter). */
static int tok_uclass(uint32_t cp)
{
    switch (cp) {
    case 0x0085: case 0x00A0: case 0x1680: case 0x2028: case 0x2029:
    case 0x202F: case 0x205F: case 0x3000: case 0xFEFF:
        return K_SPACE;
    case 0x00A1: case 0x00AB: case 0x00BB: case 0x00BF:        /* ¡ « » ¿     */
    case 0x2013: case 0x2014: case 0x2015:                     /* – — ―       */
    case 0x201C: case 0x201D: case 0x201E: case 0x201F:        /* “ ” „ ‟     */
    case 0x2026: case 0x2039: case 0x203A:                     /* … ‹ ›       */
    case 0x3001: case 0x3002: case 0x300C: case 0x300D:        /* 、。「」    */
    case 0x300E: case 0x300F: case 0xFF01: case 0xFF08:        /* 『』！（    */
    case 0xFF09: case 0xFF0C: case 0xFF1F:                     /* ），？      */
        return K_SPLIT;
    default:
        break;
    }
    if (cp >= 0x2000 && cp <= 0x200B)
        return K_SPACE;
    if (cp >= 0x2190 && cp <= 0x21FF)
        return K_SPLIT;
    return K_WORD;
}

/* Class and byte length (*l) of the character at t[i], i < len. */
static inline int tok_class(const unsigned char *t, size_t len, size_t i, size_t *l)
{
    uint32_t cp;
    int cls = tok_byte[t[i]];
    if (cls != K_MB) {
        *l = 1;
        return cls;
    }
    *l = tok_decode(t, len, i, &cp);
    return cp == TOK_BAD ? K_WORD : tok_uclass(cp);
}

/* Makes room for one more token in the full array: 0, or -1 when out of
 * memory. */
static __attribute__((noinline)) int tok_grow(struct tok_ctx *k)
{
    return UTIL_GROW(*k->toks, *k->cap, *k->n + 1);
}

/* Appends token [s, e). */
static inline enum crftag_status tok_push(struct tok_ctx *k, size_t s, size_t e)
{
    size_t n = *k->n;
    if (n == *k->cap && tok_grow(k) != 0)
        return CRFTAG_ERR_NOMEM;
    (*k->toks)[n].start = s;
    (*k->toks)[n].end = e;
    (*k->toks)[n].sentence_start = 0;
    *k->n = n + 1;
    return CRFTAG_OK;
}

/* Length of a quote character ' ‘ ’ starting at s (< e), else 0. */
static inline size_t tok_quote_at(const unsigned char *t, size_t s, size_t e)
{
    if (t[s] == '\'')
        return 1;
    if (e - s >= 3 && t[s] == 0xE2 && t[s + 1] == 0x80 &&
        (t[s + 2] == 0x98 || t[s + 2] == 0x99))
        return 3;
    return 0;
}

/* Length of a quote character ' ‘ ’ ending at e (> s), else 0. */
static inline size_t tok_quote_before(const unsigned char *t, size_t s, size_t e)
{
    if (t[e - 1] == '\'')
        return 1;
    if (e - s >= 3 && t[e - 3] == 0xE2 && t[e - 2] == 0x80 &&
        (t[e - 1] == 0x98 || t[e - 1] == 0x99))
        return 3;
    return 0;
}

/* Length of an apostrophe (' or ’) ending at e (> s), else 0. */
static inline size_t tok_apos_before(const unsigned char *t, size_t s, size_t e)
{
    if (t[e - 1] == '\'')
        return 1;
    if (e - s >= 3 && t[e - 3] == 0xE2 && t[e - 2] == 0x80 && t[e - 1] == 0x99)
        return 3;
    return 0;
}

/* Length of a clitic ending [s, e) that leaves at least one byte before it:
 * 's 'm 'd 're 've 'll n't (apostrophe ' or ’, letters in any case), else 0. */
static size_t tok_clitic(const unsigned char *t, size_t s, size_t e)
{
    static const char *const suf[] = { "s", "m", "d", "re", "ve", "ll" };
    size_t w = e - s;
    /* every clitic has an apostrophe whose last byte (' or that of ’) is
     * the second or third byte from the end */
    if (w < 3 || (t[e - 2] != '\'' && t[e - 2] != 0x99 && t[e - 3] != '\'' && t[e - 3] != 0x99))
        return 0;
    if (w >= 4 && tok_lower(t[e - 1]) == 't') {   /* n't */
        size_t a = tok_apos_before(t, s, e - 1);
        if (a && w >= a + 3 && tok_lower(t[e - 2 - a]) == 'n')
            return a + 2;
    }
    for (size_t i = 0; i < sizeof suf / sizeof suf[0]; i++) {
        size_t sl = suf[i][1] ? 2 : 1, j;
        if (w < sl + 2)
            continue;
        for (j = 0; j < sl; j++)
            if (tok_lower(t[e - sl + j]) != (unsigned char)suf[i][j])
                break;
        if (j < sl)
            continue;
        size_t a = tok_apos_before(t, s, e - sl);
        if (a && w > a + sl)
            return a + sl;
    }
    return 0;
}

/* 1 when [s, e) is exactly a clitic ('s 'm 'd 're 've 'll, with ' or ’),
 * so that its apostrophe is not taken for an opening quote. */
static int tok_is_clitic_word(const unsigned char *t, size_t s, size_t e)
{
    size_t a = tok_quote_at(t, s, e);
    if (a == 0 || (a == 3 && t[s + 2] != 0x99) || e - s <= a || e - s > a + 2)
        return 0;
    unsigned c0 = tok_lower(t[s + a]);
    if (e - s == a + 1)
        return c0 == 's' || c0 == 'm' || c0 == 'd';
    unsigned c1 = tok_lower(t[s + a + 1]);
    return (c0 == 'r' || c0 == 'v') ? c1 == 'e' : (c0 == 'l' && c1 == 'l');
}

/* 1 when [s, e) (ending in a single '.') keeps its '.': a listed
 * abbreviation, a dotted one (group of 1-2 letters, then 1-letter groups:
 * e.g. i.e. U.S. a.k.a. Ph.D.), or an initial "J." preceded by the start of
 * the text / a capitalized token / a terminal token and followed by
 * whitespace and an uppercase ASCII letter.  Looks at <= 13 bytes of the
 * segment (plus the whitespace after it for initials). */
static int tok_abbrev(const struct tok_ctx *k, size_t s, size_t e, size_t prev)
{
    const unsigned char *t = k->t;
    size_t wl = e - 1 - s;
    if (wl == 0 || wl > 12)
        return 0;
    for (size_t i = 0; i < sizeof tok_abbrevs / sizeof tok_abbrevs[0]; i++) {
        const char *a = tok_abbrevs[i];
        size_t j;
        if (tok_lower(t[s]) != tok_lower((unsigned char)a[0]))
            continue;
        for (j = 1; j < wl && a[j] && t[s + j] == (unsigned char)a[j]; j++)
            ;
        if (j == wl && a[j] == '\0')
            return 1;
    }
    /* dotted: group lengths 1-2, then 1, 1, ...; at least two groups */
    size_t groups = 0, glen = 0;
    int ok = 1;
    for (size_t i = s; i < e && ok; i++) {
        if (t[i] == '.') {
            if (glen == 0 || glen > (groups == 0 ? 2u : 1u))
                ok = 0;
            groups++;
            glen = 0;
        } else if (tok_is_alpha(t[i])) {
            glen++;
        } else {
            ok = 0;
        }
    }
    if (ok && groups >= 2)
        return 1;
    /* initial */
    if (wl == 1 && tok_is_upper(t[s])) {
        size_t i = e, l;
        if (i >= k->len || tok_class(t, k->len, i, &l) != K_SPACE)
            return 0;
        while (i < k->len && tok_class(t, k->len, i, &l) == K_SPACE)
            i += l;
        if (i >= k->len || !tok_is_upper(t[i]))
            return 0;
        if (prev == SIZE_MAX)
            return 1;
        const struct crftag_token *p = &(*k->toks)[prev];
        unsigned c = t[p->start];
        return tok_is_upper(c) || c == '.' || c == '!' || c == '?';
    }
    return 0;
}

/* Splits segment [s, e) (no whitespace, split characters, delimiting
 * commas or "..." inside) by the segment rules and appends its tokens. */
static enum crftag_status tok_segment(struct tok_ctx *k, size_t s, size_t e)
{
    const unsigned char *t = k->t;
    enum crftag_status st;

    /* opening quotes */
    for (;;) {
        size_t ql = tok_quote_at(t, s, e);
        if (ql == 0 || s + ql >= e || tok_is_clitic_word(t, s, e))
            break;
        if ((st = tok_push(k, s, s + ql)) != CRFTAG_OK)
            return st;
        s += ql;
    }

    /* trailing pieces are appended in reverse order, then reversed */
    size_t nb = *k->n;
    size_t prev = nb > k->n0 ? nb - 1 : SIZE_MAX;
    int clitic = 0;
    while (e > s) {
        unsigned b = t[e - 1];
        size_t r = e - 1, ql;
        if (b == ':') {
            if (r == s)
                break;
        } else if (b == '!' || b == '?') {
            while (r > s && (t[r - 1] == '!' || t[r - 1] == '?'))
                r--;
            if (r == s)
                break;
        } else if (b == '.') {
            while (r > s && t[r - 1] == '.')
                r--;
            if (r == s)
                break;
            if (e - r == 1 && tok_abbrev(k, s, e, prev))
                break;
        } else if ((ql = tok_quote_before(t, s, e)) != 0) {
            if (e - ql == s)
                break;
            r = e - ql;
        } else if (!clitic && (ql = tok_clitic(t, s, e)) != 0) {
            clitic = 1;
            r = e - ql;
        } else {
            break;
        }
        if ((st = tok_push(k, r, e)) != CRFTAG_OK)
            return st;
        e = r;
    }
    if (e > s && (st = tok_push(k, s, e)) != CRFTAG_OK)
        return st;

    struct crftag_token *a = *k->toks;
    for (size_t i = nb, j = *k->n; i + 1 < j; i++, j--) {
        struct crftag_token x = a[i];
        a[i] = a[j - 1];
        a[j - 1] = x;
    }
    return CRFTAG_OK;
}

/* When a URL starts at i (scheme "[A-Za-z][A-Za-z0-9+.-]{0,15}://" or
 * "www." in any case, followed by a non-space), returns its end before the
 * trailing punctuation, else i. */
static size_t tok_url(const struct tok_ctx *k, size_t i)
{
    const unsigned char *t = k->t;
    size_t len = k->len, j = i, l;

    if (len - i >= 5 && tok_lower(t[i]) == 'w' && tok_lower(t[i + 1]) == 'w' &&
        tok_lower(t[i + 2]) == 'w' && t[i + 3] == '.') {
        j = i + 4;
    } else {
        if (!tok_is_alpha(t[i]))
            return i;
#ifdef __SSE2__
        /* the ':' after a scheme is one of t[i + 1 .. i + 17]: most words
         * have none */
        if (len - i >= 18 && t[i + 1] != ':') {
            __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(t + i + 2));
            if (!_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8(':'))))
                return i;
        }
#endif
        for (j = i + 1; j < len && j - i <= 16; j++)
            if (t[j] >= 0x80 || !tok_scheme[t[j]])
                break;
        if (len - j < 4 || t[j] != ':' || t[j + 1] != '/' || t[j + 2] != '/')
            return i;
        j += 3;
    }
    if (tok_class(t, len, j, &l) != K_WORD)
        return i;

    /* extent: up to whitespace, '"', '<', '>', or a non-bracket split char */
    long paren = 0, brack = 0, brace = 0;
    while (j < len) {
        unsigned c = t[j];
        int cls = tok_class(t, len, j, &l);
        if (cls == K_SPACE || c == '"' || c == '<' || c == '>' || c == '`')
            break;
        if (cls == K_SPLIT && c >= 0x80)
            break;
        paren += (c == '(') - (c == ')');
        brack += (c == '[') - (c == ']');
        brace += (c == '{') - (c == '}');
        j += l;
    }
    /* give back trailing punctuation and unbalanced closers */
    while (j > i) {
        unsigned c = t[j - 1];
        if (c == '.' || c == ',' || c == ';' || c == ':' || c == '!' || c == '?' || c == '\'') {
            j--;
        } else if (c == ')' && paren < 0) {
            paren++;
            j--;
        } else if (c == ']' && brack < 0) {
            brack++;
            j--;
        } else if (c == '}' && brace < 0) {
            brace++;
            j--;
        } else if (j - i >= 3 && tok_quote_before(t, i, j) == 3) {
            j -= 3;
        } else {
            break;
        }
    }
    return j;
}

/* Pass 1: appends the tokens of the whole text. */
static enum crftag_status tok_scan(struct tok_ctx *k)
{
    const unsigned char *t = k->t;
    size_t len = k->len, i = 0, l;
    enum crftag_status st;

    while (i < len) {
        int cls = tok_class(t, len, i, &l);
        if (cls == K_SPACE) {
            i += l;
            continue;
        }
        if (cls == K_SPLIT || cls == K_COMMA) {
            if ((st = tok_push(k, i, i + l)) != CRFTAG_OK)
                return st;
            i += l;
            continue;
        }
        if (cls == K_DOT) {
            size_t r = i;
            while (r < len && t[r] == '.')
                r++;
            if (r - i >= 3) {
                if ((st = tok_push(k, i, r)) != CRFTAG_OK)
                    return st;
                i = r;
                continue;
            }
        } else {
            size_t u = tok_url(k, i);
            if (u > i) {
                if ((st = tok_push(k, i, u)) != CRFTAG_OK)
                    return st;
                i = u;
                continue;
            }
        }
        /* a segment: up to whitespace, a split char, a delimiting comma or
         * a run of three or more dots */
        size_t j = i;
        while (j < len) {
            while (j < len && tok_byte[t[j]] == K_WORD)     /* the common case */
                j++;
            if (j == len)
                break;
            unsigned c = t[j];
            cls = tok_class(t, len, j, &l);
            if (cls == K_SPACE || cls == K_SPLIT)
                break;
            if (cls == K_COMMA) {
                if (j > i && tok_is_digit(t[j - 1]) && j + 1 < len && tok_is_digit(t[j + 1])) {
                    j++;
                    continue;
                }
                break;
            }
            if (c == '.') {
                size_t r = j;
                while (r < len && t[r] == '.')
                    r++;
                if (r - j >= 3)
                    break;
                j = r;
                continue;
            }
            j += l;
        }
        if ((st = tok_segment(k, i, j)) != CRFTAG_OK)
            return st;
        i = j;
    }
    return CRFTAG_OK;
}

/* 1 when token [s, e) is made only of '.', '!', '?' and '…'. */
static int tok_is_terminal(const unsigned char *t, size_t s, size_t e)
{
    while (s < e) {
        if (t[s] == '.' || t[s] == '!' || t[s] == '?') {
            s++;
        } else if (e - s >= 3 && t[s] == 0xE2 && t[s + 1] == 0x80 && t[s + 2] == 0xA6) {
            s += 3;
        } else {
            return 0;
        }
    }
    return 1;
}

/* 1 when token [s, e) is a single closing quote or bracket. */
static int tok_is_closer(const unsigned char *t, size_t s, size_t e)
{
    uint32_t cp;
    if (tok_decode(t, e, s, &cp) != e - s)
        return 0;
    switch (cp) {
    case '"': case '\'': case ')': case ']': case '}':
    case 0x2019: case 0x201D: case 0x00BB: case 0x203A:   /* ’ ” » › */
        return 1;
    default:
        return 0;
    }
}

/* 1 when token [s, e) may start a sentence after a terminal token. */
static int tok_is_starter(const unsigned char *t, size_t s, size_t e)
{
    uint32_t cp;
    unsigned c = t[s];
    if (tok_is_upper(c) || tok_is_digit(c))
        return 1;
    switch (c) {
    case '"': case '\'': case '(': case '[': case '{': case '`':
        return 1;
    case '.':
        return e - s >= 2 && tok_is_upper(t[s + 1]);
    default:
        break;
    }
    if (tok_is_lower(c))
        return e - s >= 2 && tok_is_upper(t[s + 1]);
    if (c < 0x80)
        return 0;
    tok_decode(t, e, s, &cp);
    if ((cp >= 0xC0 && cp <= 0xDE && cp != 0xD7) ||   /* Latin-1 capitals  */
        (cp >= 0x391 && cp <= 0x3A9) ||               /* Greek capitals    */
        (cp >= 0x400 && cp <= 0x42F))                  /* Cyrillic capitals */
        return 1;
    switch (cp) {
    case 0x2018: case 0x201C: case 0x201E: case 0x00AB: case 0x2039: /* ‘ “ „ « ‹ */
    case 0x00BF: case 0x00A1:                                        /* ¿ ¡       */
        return 1;
    default:
        return 0;
    }
}

/* Line breaks in the whitespace gap [s, e): \n, \r (\r\n once), \v, \f,
 * U+0085, U+2028 count one; U+2029 (paragraph separator) counts two. */
static int tok_breaks(const unsigned char *t, size_t s, size_t e)
{
    int nb = 0;
    for (size_t i = s; i < e && nb < 2; i++) {
        unsigned c = t[i];
        if (c == '\n' || c == '\v' || c == '\f') {
            nb++;
        } else if (c == '\r') {
            if (i + 1 >= e || t[i + 1] != '\n')
                nb++;
        } else if (c == 0xC2 && i + 1 < e && t[i + 1] == 0x85) {
            nb++;
        } else if (c == 0xE2 && i + 2 < e && t[i + 1] == 0x80 && t[i + 2] == 0xA8) {
            nb++;
        } else if (c == 0xE2 && i + 2 < e && t[i + 1] == 0x80 && t[i + 2] == 0xA9) {
            nb += 2;
        }
    }
    return nb;
}

/* Pass 2: sets sentence_start on toks[n0..n).  term is 1 after a terminal
 * token and the closers glued to it. */
static void tok_sentences(const unsigned char *t, struct crftag_token *a, size_t n0, size_t n)
{
    int term = 0;
    for (size_t i = n0; i < n; i++) {
        size_t s = a[i].start, e = a[i].end;
        int ss;
        if (i == n0) {
            ss = 1;
        } else {
            size_t gap = a[i - 1].end;
            int ws = s > gap;
            /* two line breaks take two bytes at least */
            ss = (s - gap >= 2 && tok_breaks(t, gap, s) >= 2) ||
                 (term && ws && tok_is_starter(t, s, e));
            if (!(term && !ws && tok_is_closer(t, s, e)))
                term = 0;
        }
        a[i].sentence_start = ss;
        if (tok_is_terminal(t, s, e))
            term = 1;
    }
}

size_t tok_utf8_invalid(const char *s, size_t n)
{
    const unsigned char *t = (const unsigned char *)s;
    size_t i = 0;
    while (i < n) {
        uint32_t cp;
        size_t l = tok_decode(t, n, i, &cp);
        if (cp == TOK_BAD)
            return i;
        i += l;
    }
    return n;
}

enum crftag_status tok_split(const char *text, size_t len, struct crftag_token **toks,
                             size_t *n, size_t *cap)
{
    if (!toks || !n || !cap || (!text && len > 0))
        return CRFTAG_ERR_INVALID;
    struct tok_ctx k = { (const unsigned char *)text, len, toks, n, cap, *n };
    enum crftag_status st = tok_scan(&k);
    if (st != CRFTAG_OK) {
        *n = k.n0;
        return st;
    }
    tok_sentences(k.t, *toks, k.n0, *n);
    return CRFTAG_OK;
}

enum crftag_status crftag_tokenize(const char *text, size_t len,
                                   struct crftag_token **out_tokens, size_t *out_n)
{
    struct crftag_token *toks = NULL;
    size_t n = 0, cap = 0;
    enum crftag_status st;

    if (out_tokens)
        *out_tokens = NULL;
    if (out_n)
        *out_n = 0;
    if (!out_tokens || !out_n)
        return CRFTAG_ERR_INVALID;
    st = tok_split(text, len, &toks, &n, &cap);
    if (st != CRFTAG_OK) {
        free(toks);
        return st;
    }
    *out_tokens = toks;
    *out_n = n;
    return CRFTAG_OK;
}

void crftag_tokens_free(struct crftag_token *tokens)
{
    free(tokens);
}
