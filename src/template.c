/*
 * template.c - CRF++ templates: parsing and extraction (core layer).
 *
 *   template text --feat_config_template--> fc->tpl[] (one per U line)
 *   sentence [n][stride] strings --feat_template_sentence--> attribute ids
 *
 * Attributes are hashed as described at the top of features.c: the state
 * after the kind id and a line's leading literal text is kept in
 * fc->tpl[k].h0, and no feature string is ever built.  With hash version 2
 * (hash.h) every cell of a sentence that a macro reads is hashed once as a
 * piece, and so is every literal (once per configuration).
 *
 * Templates (FEAT_TEMPLATE), CRF++ syntax
 * ---------------------------------------
 * Kind id = 2 << 32.  A "U" line's attribute hashes the line's text with its
 * macros expanded: the literal text before the first macro (identifier
 * included, e.g. "U05:"), then for each macro its value, 0x00, and the
 * literal text after it.  So the identity of a feature is its CRF++ feature
 * string (reordering the lines of a template changes nothing), and two lines
 * with the same identifier may give the same attribute, as in CRF++.
 * Out-of-range rows read "_B-k" / "_B+k" (k = 1, 2, ... away from the
 * sentence), exactly as CRF++.
 *
 * Hash version 2 hashes the same strings as pieces (hash.h):
 *
 *   id = final( h0 -> [cell_1] -> [lit_1] -> ... -> [cell_m] -> [lit_m] )
 *   h0 = hash_begin(seed) -> (kind id 2 << 32) -> [leading literal]
 *
 * where -> x is hash2_add(h, x), [s] is hash2_str(s) (a piece), cell_j is
 * the value (or the sentinel) macro j reads and lit_j the literal text after
 * it (possibly empty: it is still a piece).  A token has at most ntemplates attributes:
 * one per U line, minus duplicates dropped when two lines share their
 * leading literal text (e.g. the same identifier).
 */
#include "template.h"

#include <stdlib.h>
#include <string.h>
#include "error.h"
#include "featname.h"
#include "hash.h"
#include "util.h"

#define FEAT_ROW_MAX 1000           /* fits feat_template.back and .ahead */
#define FEAT_COL_MAX 1000

/* ------------------------------------------------------------------------ */
/* Parsing                                                                  */
/* ------------------------------------------------------------------------ */

struct feat_parse {
    const char *name;
    struct crftag_error *err;
    uint64_t kstate;             /* state after the template kind id */
    uint32_t hv;                 /* hash version */
    struct feat_template *tv;
    size_t ntv, tv_cap;
    struct feat_macro *mv;
    size_t nmv, mv_cap;
    size_t maxcol;
    int anymacro;
};

static enum crftag_status feat_perr(struct feat_parse *ps, long line, const char *what,
                                    const char *s, size_t n)
{
    int shown = n > 40 ? 40 : (int)n;
    return err_set(ps->err, CRFTAG_ERR_PARSE, ps->name, line, "template: %s in '%.*s%s'",
                   what, shown, s, n > 40 ? "..." : "");
}

/* Parses an integer at s[*j..n): optional sign if sign_ok, then digits.
 * Returns 0 and *out (saturated at +-10^6), or -1 when no digit is found. */
static int feat_parse_int(const char *s, size_t n, size_t *j, int sign_ok, long *out)
{
    long sign = 1, v = 0;
    size_t k = *j;
    if (sign_ok && k < n && (s[k] == '-' || s[k] == '+')) {
        if (s[k] == '-')
            sign = -1;
        k++;
    }
    if (k >= n || s[k] < '0' || s[k] > '9')
        return -1;
    while (k < n && s[k] >= '0' && s[k] <= '9') {
        if (v < 1000000)
            v = v * 10 + (s[k] - '0');
        k++;
    }
    *j = k;
    *out = sign * v;
    return 0;
}

/* Parses the macro "%x[row,col]" starting at s[*j] (s[*j..] = "%x");
 * advances *j past it. */
static enum crftag_status feat_parse_macro(struct feat_parse *ps, long line, const char *s,
                                           size_t n, size_t *j, long *row, long *col)
{
    size_t k = *j + 2, start = *j;
    size_t end = k;              /* extent shown in messages: up to ']' */
    while (end < n && s[end] != ']')
        end++;
    if (end < n)
        end++;
    const char *m = s + start;
    size_t mlen = end - start;

    if (k >= n || s[k] != '[')
        return feat_perr(ps, line, "malformed macro (expected '%x[row,col]')", m, mlen);
    k++;
    if (feat_parse_int(s, n, &k, 1, row))
        return feat_perr(ps, line, "malformed macro (row is not an integer)", m, mlen);
    if (k >= n || s[k] != ',')
        return feat_perr(ps, line, "malformed macro (expected ',' after the row)", m, mlen);
    k++;
    if (k < n && (s[k] == '-' || s[k] == '+'))
        return feat_perr(ps, line, "malformed macro (column must be an unsigned integer)",
                         m, mlen);
    if (feat_parse_int(s, n, &k, 0, col))
        return feat_perr(ps, line, "malformed macro (column is not an integer)", m, mlen);
    if (k >= n || s[k] != ']')
        return feat_perr(ps, line, "malformed macro (missing ']')", m, mlen);
    k++;
    if (*row < -FEAT_ROW_MAX || *row > FEAT_ROW_MAX)
        return feat_perr(ps, line, "row outside -1000..1000", m, mlen);
    if (*col > FEAT_COL_MAX)
        return feat_perr(ps, line, "column greater than 1000", m, mlen);
    *j = k;
    return CRFTAG_OK;
}

/* Finds the next "%x" in s[j..n), or n. */
static size_t feat_find_macro(const char *s, size_t n, size_t j)
{
    for (; j + 1 < n; j++) {
        if (s[j] == '%' && s[j + 1] == 'x')
            return j;
    }
    return n;
}

/* Parses one U line s[0..n) (trimmed, s[0] == 'U'). */
static enum crftag_status feat_parse_uline(struct feat_parse *ps, long line, const char *s,
                                           size_t n)
{
    if (UTIL_GROW(ps->tv, ps->tv_cap, ps->ntv + 1))
        return err_set(ps->err, CRFTAG_ERR_NOMEM, ps->name, line, "out of memory");
    struct feat_template *t = &ps->tv[ps->ntv];
    memset(t, 0, sizeof *t);
    t->line = line;
    t->m0 = ps->nmv;

    size_t j = feat_find_macro(s, n, 0);
    t->h0 = ps->hv == HASH_VERSION_2 ? hash2_add(ps->kstate, hash2_str(s, j))
                                     : feat_hstr(ps->kstate, s, j);
    t->lead = s;
    t->lead_len = j;
    while (j < n) {
        long row, col;
        enum crftag_status st = feat_parse_macro(ps, line, s, n, &j, &row, &col);
        if (st != CRFTAG_OK)
            return st;
        size_t lit = j;
        j = feat_find_macro(s, n, j);
        if (UTIL_GROW(ps->mv, ps->mv_cap, ps->nmv + 1))
            return err_set(ps->err, CRFTAG_ERR_NOMEM, ps->name, line, "out of memory");
        struct feat_macro *m = &ps->mv[ps->nmv++];
        m->row = (int32_t)row;
        m->col = (uint32_t)col;
        m->lit = s + lit;
        m->lit_len = j - lit;
        m->lit_h = hash2_str(m->lit, m->lit_len);
        t->nmacro++;
        if (row < 0 && -row > (long)t->back)
            t->back = (uint16_t)-row;
        if (row > 0 && row > (long)t->ahead)
            t->ahead = (uint16_t)row;
        if ((size_t)col > ps->maxcol)
            ps->maxcol = (size_t)col;
        ps->anymacro = 1;
    }
    t->id0 = hash_end(t->h0);
    for (size_t k = 0; k < ps->ntv; k++) {
        if (ps->tv[k].h0 == t->h0) {
            t->dedup = 1;
            break;
        }
    }
    ps->ntv++;
    return CRFTAG_OK;
}

static enum crftag_status feat_parse_line(struct feat_parse *ps, long line, const char *s,
                                          size_t n)
{
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
        n--;
    while (n > 0 && (s[0] == ' ' || s[0] == '\t')) {
        s++;
        n--;
    }
    if (n == 0 || s[0] == '#')
        return CRFTAG_OK;
    if (memchr(s, '\0', n))
        return err_set(ps->err, CRFTAG_ERR_PARSE, ps->name, line,
                       "template: NUL byte in line");
    if (s[0] == 'B') {
        if (feat_find_macro(s, n, 0) < n)
            return feat_perr(ps, line,
                             "bigram templates with macros are not supported "
                             "(label bigrams are always modelled; use a plain 'B' line)",
                             s, n);
        return CRFTAG_OK;        /* label bigram: always modelled */
    }
    if (s[0] != 'U')
        return feat_perr(ps, line,
                         "unknown line type (expected 'U...', 'B', '#' or a blank line)",
                         s, n);
    return feat_parse_uline(ps, line, s, n);
}

enum crftag_status feat_template_check_wapiti(const char *text, size_t len, const char *name,
                                              struct crftag_error *err)
{
    long line = 1;
    for (size_t j = 0; j + 2 < len; j++) {
        if (text[j] == '\n')
            line++;
        if (text[j] != '%' || text[j + 2] != '[' || !strchr("XtTmM", text[j + 1]))
            continue;
        const char *what = text[j + 1] == 'X'               ? "case-folding macro"
                           : (text[j + 1] | 0x20) == 't' ? "regular-expression test macro"
                                                          : "regular-expression match macro";
        return err_set(err, CRFTAG_ERR_PARSE, name ? name : "template", line,
                       "template: Wapiti's %s '%%%c[...]' is not supported (CRF++ "
                       "templates: %%x[row,col] only)", what, text[j + 1]);
    }
    return CRFTAG_OK;
}

enum crftag_status feat_config_template(struct feat_config *fc, const char *text, size_t len,
                                        const char *name, uint64_t seed,
                                        struct crftag_error *err)
{
    return feat_config_template_hv(fc, text, len, name, seed, FEAT_HASH_VERSION, err);
}

enum crftag_status feat_config_template_hv(struct feat_config *fc, const char *text,
                                           size_t len, const char *name, uint64_t seed,
                                           uint32_t hash_version, struct crftag_error *err)
{
    memset(fc, 0, sizeof *fc);
    struct feat_parse ps;
    memset(&ps, 0, sizeof ps);
    ps.name = name ? name : "template";
    ps.err = err;
    if (hash_version != HASH_VERSION_1 && hash_version != HASH_VERSION_2)
        return err_set(err, CRFTAG_ERR_INVALID, ps.name, 0, "unknown hash version %lu",
                       (unsigned long)hash_version);
    ps.hv = hash_version;
    ps.kstate = feat_kind_state_hv(hash_version, seed, (uint64_t)FEAT_TEMPLATE << 32);

    enum crftag_status st = CRFTAG_OK;
    char *copy = util_strndup(text ? text : "", text ? len : 0);
    if (!copy)
        return err_set(err, CRFTAG_ERR_NOMEM, ps.name, 0, "out of memory");
    size_t pos = 0, clen = text ? len : 0;
    long line = 0;
    while (pos < clen && st == CRFTAG_OK) {
        const char *nl = memchr(copy + pos, '\n', clen - pos);
        size_t end = nl ? (size_t)(nl - copy) : clen;
        st = feat_parse_line(&ps, ++line, copy + pos, end - pos);
        pos = end + 1;
    }
    if (st == CRFTAG_OK && ps.ntv == 0)
        st = err_set(err, CRFTAG_ERR_PARSE, ps.name, 0, "template: no 'U' line");

    struct feat_template *tpl = NULL;
    if (st == CRFTAG_OK) {
        size_t a, b;
        if (util_mul(ps.ntv, sizeof *tpl, &a) || util_mul(ps.nmv, sizeof *ps.mv, &b)
            || a > SIZE_MAX - b || !(tpl = util_malloc(a + b, 1))) {
            st = err_set(err, CRFTAG_ERR_NOMEM, ps.name, 0, "out of memory");
        } else {
            struct feat_macro *mv = (struct feat_macro *)(void *)(tpl + ps.ntv);
            if (ps.nmv)
                memcpy(mv, ps.mv, b);
            for (size_t k = 0; k < ps.ntv; k++) {
                tpl[k] = ps.tv[k];
                tpl[k].macro = mv + tpl[k].m0;
            }
        }
    }
    free(ps.tv);
    free(ps.mv);
    if (st != CRFTAG_OK) {
        free(copy);
        return st;
    }
    fc->kind = FEAT_TEMPLATE;
    fc->seed = seed;
    fc->hash_version = hash_version;
    fc->template_text = copy;
    fc->ntemplates = ps.ntv;
    fc->tpl = tpl;
    fc->ncols = ps.anymacro ? ps.maxcol + 1 : 1;
    return CRFTAG_OK;
}

/* ------------------------------------------------------------------------ */
/* Extraction                                                               */
/* ------------------------------------------------------------------------ */

/* "_B-k" / "_B+k" into buf (>= 24 bytes); returns its length. */
static size_t feat_crfpp_sentinel(char *buf, char sign, size_t k)
{
    char digits[24];
    size_t nd = 0;
    do {
        digits[nd++] = (char)('0' + k % 10);
        k /= 10;
    } while (k > 0 && nd < sizeof digits);
    buf[0] = '_';
    buf[1] = 'B';
    buf[2] = sign;
    for (size_t d = 0; d < nd; d++)
        buf[3 + d] = digits[nd - 1 - d];
    return 3 + nd;
}

/* Whether id is among the token's attributes so far, [first, end) (a line
 * whose h0 an earlier line shares may repeat its attribute). */
static int feat_seen(const uint64_t *first, const uint64_t *end, uint64_t id)
{
    for (const uint64_t *q = first; q < end; q++)
        if (*q == id)
            return 1;
    return 0;
}

/* The attribute of template t (with macros) at token i of n, its macros
 * reading inside the sentence or not (the bytes feat_template_token hashes
 * with the names). */
/* The piece a macro reading row r = i + mc->row of n reads (hash version 2):
 * the cell's hash, from cellh ([n][ncols] hashes of the cells, or NULL:
 * hashed here), or a sentinel's. */
static inline uint64_t feat_macro_piece(const struct feat_macro *mc, const char *const *cols,
                                        size_t n, size_t stride, size_t i,
                                        const uint64_t *cellh, size_t ncols)
{
    char buf[32];
    if (mc->row < 0 && (size_t)-(ptrdiff_t)mc->row > i)
        return hash2_str(buf, feat_crfpp_sentinel(buf, '-', (size_t)-(ptrdiff_t)mc->row - i));
    if (mc->row >= 0 && i + (size_t)mc->row >= n)
        return hash2_str(buf, feat_crfpp_sentinel(buf, '+', i + (size_t)mc->row - n + 1));
    size_t pos = (size_t)((ptrdiff_t)i + mc->row);
    if (cellh)
        return cellh[pos * ncols + mc->col];
    const char *s = cols[pos * stride + mc->col];
    return hash2_str(s, strlen(s));
}

/* The attribute of template t (hash version 2) at token i of n. */
static inline uint64_t feat_template_id2(const struct feat_template *t, const char *const *cols,
                                         size_t n, size_t stride, size_t i,
                                         const uint64_t *cellh, size_t ncols)
{
    uint64_t h = t->h0;
    for (size_t m = 0; m < t->nmacro; m++) {
        const struct feat_macro *mc = &t->macro[m];
        h = hash2_add(hash2_add(h, feat_macro_piece(mc, cols, n, stride, i, cellh, ncols)),
                      mc->lit_h);
    }
    return hash_end(h);
}

__attribute__((always_inline)) static inline uint64_t
feat_template_id(const struct feat_template *t, const char *const *cols, size_t n, size_t stride,
                 size_t i)
{
    char buf[32];
    uint64_t h = t->h0;
    for (size_t m = 0; m < t->nmacro; m++) {
        const struct feat_macro *mc = &t->macro[m];
        if (mc->row < 0 && (size_t)-(ptrdiff_t)mc->row > i) {
            size_t bl = feat_crfpp_sentinel(buf, '-', (size_t)-(ptrdiff_t)mc->row - i);
            h = feat_hstr(h, buf, bl);
        } else if (mc->row >= 0 && i + (size_t)mc->row >= n) {
            size_t bl = feat_crfpp_sentinel(buf, '+', i + (size_t)mc->row - n + 1);
            h = feat_hstr(h, buf, bl);
        } else {
            const unsigned char *s =
                (const unsigned char *)cols[((size_t)((ptrdiff_t)i + mc->row)) * stride + mc->col];
            for (; *s; s++)
                h = hash_byte(h, *s);
        }
        h = hash_byte(h, FEAT_SEP);
        h = feat_hstr(h, mc->lit, mc->lit_len);
    }
    return hash_end(h);
}

/* Attributes of token i with templates; returns the end of o.  With nm, the
 * name of each attribute kept is appended to nm too. */
static uint64_t *feat_template_token(const struct feat_config *fc, const char *const *cols,
                                     size_t n, size_t stride, size_t i, uint64_t *o,
                                     struct feat_names *nm)
{
    uint64_t *first = o;
    char buf[32];
    for (size_t k = 0; k < fc->ntemplates; k++) {
        const struct feat_template *t = &fc->tpl[k];
        uint64_t id;
        size_t mark = nm ? nm->len : 0;
        if (nm)
            feat_names_put(nm, t->lead, t->lead_len);
        if (t->nmacro == 0) {
            id = t->id0;
        } else if (fc->hash_version == HASH_VERSION_2) {
            /* the pieces of feat_template_id2, each string also appended to the name */
            uint64_t h = t->h0;
            for (size_t m = 0; m < t->nmacro; m++) {
                const struct feat_macro *mc = &t->macro[m];
                const char *s;
                size_t bl;
                if (mc->row < 0 && (size_t)-(ptrdiff_t)mc->row > i) {
                    bl = feat_crfpp_sentinel(buf, '-', (size_t)-(ptrdiff_t)mc->row - i);
                    s = buf;
                } else if (mc->row >= 0 && i + (size_t)mc->row >= n) {
                    bl = feat_crfpp_sentinel(buf, '+', i + (size_t)mc->row - n + 1);
                    s = buf;
                } else {
                    s = cols[(size_t)((ptrdiff_t)i + mc->row) * stride + mc->col];
                    bl = strlen(s);
                }
                if (nm) {
                    feat_names_put(nm, s, bl);
                    feat_names_put(nm, mc->lit, mc->lit_len);
                }
                h = hash2_add(hash2_add(h, hash2_str(s, bl)), mc->lit_h);
            }
            id = hash_end(h);
        } else if (!nm) {
            id = feat_template_id(t, cols, n, stride, i);
        } else {
            /* the same bytes as feat_template_id, each also appended to the name */
            uint64_t h = t->h0;
            for (size_t m = 0; m < t->nmacro; m++) {
                const struct feat_macro *mc = &t->macro[m];
                if (mc->row < 0 && (size_t)-(ptrdiff_t)mc->row > i) {
                    size_t away = (size_t)-(ptrdiff_t)mc->row - i;
                    size_t bl = feat_crfpp_sentinel(buf, '-', away);
                    h = feat_hstr(h, buf, bl);
                    feat_names_put(nm, buf, bl);
                } else if (mc->row >= 0 && i + (size_t)mc->row >= n) {
                    size_t away = i + (size_t)mc->row - n + 1;
                    size_t bl = feat_crfpp_sentinel(buf, '+', away);
                    h = feat_hstr(h, buf, bl);
                    feat_names_put(nm, buf, bl);
                } else {
                    size_t pos = (size_t)((ptrdiff_t)i + mc->row);
                    const unsigned char *s = (const unsigned char *)cols[pos * stride + mc->col];
                    feat_names_put(nm, (const char *)s, strlen((const char *)s));
                    for (; *s; s++)
                        h = hash_byte(h, *s);
                }
                h = hash_byte(h, FEAT_SEP);
                h = feat_hstr(h, mc->lit, mc->lit_len);
                feat_names_put(nm, mc->lit, mc->lit_len);
            }
            id = hash_end(h);
        }
        if (t->dedup && feat_seen(first, o, id)) {
            if (nm)
                nm->len = mark;
            continue;
        }
        *o++ = id;
        if (nm)
            feat_names_end(nm);
    }
    return o;
}

/* Cells of the macros of a sentence's tokens, as offsets from the token's
 * first cell (row * stride + col), for up to this many macros in all; with
 * more, every token goes through feat_template_token. */
#define FEAT_FAST_MACROS 64

/* Attributes of token i of n (without the names): the bytes of
 * feat_template_token.  cell[] holds the macros' cells as offsets from the
 * token's first one; when edge is 0 every macro of every template reads
 * inside the sentence, else each template is tested.  A cell's NUL
 * terminator is hashed as the separator that follows it (FEAT_SEP is 0). */
static uint64_t *feat_template_fast(const struct feat_config *fc, const char *const *cols,
                                    size_t n, size_t stride, size_t i, const ptrdiff_t *cell,
                                    int edge, uint64_t *o)
{
    uint64_t *first = o;
    const char *const *here = cols + i * stride;
    const ptrdiff_t *c = cell;
    for (const struct feat_template *t = fc->tpl, *te = t + fc->ntemplates; t < te; t++) {
        uint64_t id;
        if (t->nmacro == 0) {
            id = t->id0;
        } else if (edge && (i < t->back || i + t->ahead >= n)) {
            id = feat_template_id(t, cols, n, stride, i);
            c += t->nmacro;
        } else {
            uint64_t h = t->h0;
            for (const struct feat_macro *mc = t->macro, *me = mc + t->nmacro; mc < me;
                 mc++, c++) {
                const unsigned char *s = (const unsigned char *)here[*c];
                unsigned char b;
                do {
                    b = *s++;
                    h = hash_byte(h, b);
                } while (b);
                h = feat_hstr(h, mc->lit, mc->lit_len);
            }
            id = hash_end(h);
        }
        if (t->dedup && feat_seen(first, o, id))
            continue;
        *o++ = id;
    }
    return o;
}

_Static_assert(FEAT_SEP == 0, "feat_template_fast hashes the NUL as the separator");

/* A macro of the fast path of hash version 2: its cell as an offset from the
 * token's first cell hash, and the hash of the literal after it. */
struct feat_mac2 {
    ptrdiff_t off;
    uint64_t lit_h;
};

/* Attributes of the n tokens of a sentence with hash version 2: the cells
 * the macros read are hashed once each into out->piece, rows -back .. -1
 * and n .. n + ahead - 1 holding the hashes of their sentinels, then every
 * attribute combines hashes in one loop over the macros' precomputed
 * offsets (with more than FEAT_FAST_MACROS macros, feat_template_id2 reads
 * every cell through its row).  -1 when out of memory. */
static int feat_template_sentence2(const struct feat_config *fc, const char *const *cols,
                                   size_t n, size_t stride, struct feat_buf *out)
{
    size_t nc = fc->ncols, need;
    /* the columns read (a column no macro reads is never hashed), the macros
     * in template order, and the farthest rows read */
    unsigned char used[FEAT_COL_MAX + 1];
    struct feat_mac2 mac[FEAT_FAST_MACROS];
    size_t nm = 0, back = 0, ahead = 0;
    int fast = 1;
    memset(used, 0, nc);
    for (const struct feat_template *t = fc->tpl, *te = t + fc->ntemplates; t < te; t++) {
        for (size_t m = 0; m < t->nmacro; m++) {
            const struct feat_macro *mc = &t->macro[m];
            used[mc->col] = 1;
            if (nm < FEAT_FAST_MACROS) {
                mac[nm].off = (ptrdiff_t)mc->row * (ptrdiff_t)nc + (ptrdiff_t)mc->col;
                mac[nm++].lit_h = mc->lit_h;
            } else {
                fast = 0;
            }
        }
        back = t->back > back ? t->back : back;
        ahead = t->ahead > ahead ? t->ahead : ahead;
    }
    /* back, ahead <= FEAT_ROW_MAX: no overflow before the multiplication */
    if (util_mul(n + back + ahead, nc, &need)
        || UTIL_GROW(out->piece, out->piece_cap, need ? need : 1))
        return -1;
    uint64_t *cellh = out->piece + back * nc;           /* row 0 */
    for (size_t k = 1; k <= back || k <= ahead; k++) {
        char buf[32];
        uint64_t sb = hash2_str(buf, feat_crfpp_sentinel(buf, '-', k));
        uint64_t sa = hash2_str(buf, feat_crfpp_sentinel(buf, '+', k));
        for (size_t c = 0; c < nc; c++) {
            if (k <= back)
                cellh[-(ptrdiff_t)(k * nc) + (ptrdiff_t)c] = sb;     /* row -k */
            if (k <= ahead)
                cellh[(n + k - 1) * nc + c] = sa;                  /* row n + k - 1 */
        }
    }
    for (size_t c = 0; c < nc; c++) {
        if (!used[c])
            continue;
        for (size_t i = 0; i < n; i++) {
            const char *s = cols[i * stride + c];
            cellh[i * nc + c] = hash2_str(s, strlen(s));
        }
    }
    const struct feat_template *const tb = fc->tpl, *const te = tb + fc->ntemplates;
    uint64_t *o = out->ids;
    for (size_t i = 0; i < n; i++) {
        uint64_t *first = o;
        if (!fast) {
            for (const struct feat_template *t = tb; t < te; t++) {
                uint64_t id = t->nmacro ? feat_template_id2(t, cols, n, stride, i, cellh, nc)
                                        : t->id0;
                if (t->dedup && feat_seen(first, o, id))
                    continue;
                *o++ = id;
            }
        } else {
            const uint64_t *here = cellh + i * nc;
            const struct feat_mac2 *mc = mac;
            for (const struct feat_template *t = tb; t < te; t++) {
                uint64_t h = t->h0, id;
                /* lines of 1 to 3 macros (most) straight, without a loop */
                switch (t->nmacro) {
                case 0:
                    id = t->id0;
                    break;
                case 3:
                    h = hash2_add(hash2_add(h, here[mc->off]), mc->lit_h);
                    mc++;
                    /* fall through */
                case 2:
                    h = hash2_add(hash2_add(h, here[mc->off]), mc->lit_h);
                    mc++;
                    /* fall through */
                case 1:
                    h = hash2_add(hash2_add(h, here[mc->off]), mc->lit_h);
                    mc++;
                    id = hash_end(h);
                    break;
                default:
                    for (size_t k = t->nmacro; k > 0; k--, mc++)
                        h = hash2_add(hash2_add(h, here[mc->off]), mc->lit_h);
                    id = hash_end(h);
                    break;
                }
                if (t->dedup && feat_seen(first, o, id))
                    continue;
                *o++ = id;
            }
        }
        out->start[i + 1] = (size_t)(o - out->ids);
    }
    return 0;
}

enum crftag_status feat_template_sentence(const struct feat_config *fc, const char *const *cols,
                                          size_t n, size_t stride, struct feat_buf *out)
{
    if (fc->hash_version == HASH_VERSION_2)
        return feat_template_sentence2(fc, cols, n, stride, out) ? CRFTAG_ERR_NOMEM : CRFTAG_OK;
    uint64_t *o = out->ids;
    /* the cells of all macros in template order, and the farthest rows read */
    ptrdiff_t cell[FEAT_FAST_MACROS];
    size_t nc = 0, back = 0, ahead = 0;
    int fast = 1;
    for (size_t k = 0; k < fc->ntemplates && fast; k++) {
        const struct feat_template *t = &fc->tpl[k];
        if (t->nmacro > FEAT_FAST_MACROS - nc) {
            fast = 0;
            break;
        }
        for (size_t m = 0; m < t->nmacro; m++)
            cell[nc++] = (ptrdiff_t)t->macro[m].row * (ptrdiff_t)stride
                         + (ptrdiff_t)t->macro[m].col;
        if (t->nmacro) {
            back = t->back > back ? t->back : back;
            ahead = t->ahead > ahead ? t->ahead : ahead;
        }
    }
    for (size_t i = 0; i < n; i++) {
        if (fast)
            o = feat_template_fast(fc, cols, n, stride, i, cell, i < back || i + ahead >= n, o);
        else
            o = feat_template_token(fc, cols, n, stride, i, o, NULL);
        out->start[i + 1] = (size_t)(o - out->ids);
    }
    return CRFTAG_OK;
}

void feat_template_sentence_names(const struct feat_config *fc, const char *const *cols,
                                  size_t n, size_t stride, struct feat_buf *out,
                                  struct feat_names *nm)
{
    uint64_t *o = out->ids;
    for (size_t i = 0; i < n; i++) {
        o = feat_template_token(fc, cols, n, stride, i, o, nm);
        out->start[i + 1] = (size_t)(o - out->ids);
    }
}
