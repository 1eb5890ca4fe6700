/*
 * featname.c - readable names of attributes (core layer).
 *
 *   sentence --feat_tokens (features.c)--> per-token data --> names
 *
 * The built-in set is named here, attribute by attribute in exactly the
 * order of feat_builtin_token, feat_cluster_token and feat_ulex_token in
 * features.c (tests/test_featname.c checks the count of every token and
 * re-hashes the names of the kinds that read a string); templates are named
 * by the template extractor itself (template.c).  Names of the built-in set:
 *
 *   bias                          w[0]=Docker
 *   lw[k]=docker  (k = -1..+1; version 4 also -2, +2)    shape[k]=Xxxxxx  (k = -1..+1)
 *   sshape[k]=Xx  (k = -2..+2)    pre[0]=D .. pre[0]=Dock, suf[0]=r .. suf[0]=cker
 *   suf3[-1]=the  suf3[+1]=ing    FLAG[0] (alldigit, hasdigit, initcap, allcaps,
 *                                 mixedcaps, hyphen, dot, slash, plus-or-hash,
 *                                 underscore, allpunct, nonascii, single, len1,
 *                                 len2, len3-4, len5-8, len9+), initcap[0]@start,
 *                                 initcap[-1], allcaps[-1], initcap[+1], allcaps[+1]
 *   lw[-1]|lw[0]=the|docker (and the other bigrams: lw[0]|lw[+1], lw[-2]|lw[-1],
 *   lw[+1]|lw[+2], sshape[-1]|sshape[0], sshape[0]|sshape[+1], lw[-1]|sshape[0],
 *   sshape[0]|lw[+1])
 *   lex[0]=TYPE/POS/rR  lex[0]=POS/rR/cC  lex[0]=TYPE  (POS: single, first,
 *                       inside, last; R, C: the ratio and count buckets)
 *   lex[-1]=TYPE/POS  lex[+1]=TYPE/POS  (version 4: the neighbours' lexicon matches)
 *   cl[k]=PATH-OR-PREFIX (k = -1..+1; cl[k]=<unknown> for a word not in the table)
 *   ulex[0]=TYPE/POS  ulex[0]=TYPE
 *
 * Positions outside the sentence read _B-1, _B-2 (before) and _E+1, _E+2
 * (after).
 */
#include "featname.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "attrs.h"
#include "clusters.h"
#include "feat_builtin.h"
#include "lexicon.h"
#include "template.h"
#include "util.h"

void feat_names_put(struct feat_names *nm, const char *s, size_t n)
{
    if (nm->oom || n > SIZE_MAX - nm->len - 1 || UTIL_GROW(nm->text, nm->cap, nm->len + n + 1)) {
        nm->oom = 1;
        return;
    }
    if (n)
        memcpy(nm->text + nm->len, s, n);
    nm->len += n;
}

static void nm_puts(struct feat_names *nm, const char *s)
{
    feat_names_put(nm, s, strlen(s));
}

void feat_names_end(struct feat_names *nm)
{
    feat_names_put(nm, "", 0);   /* room for the NUL */
    if (nm->oom || UTIL_GROW(nm->off, nm->off_cap, nm->noff + 1)) {
        nm->oom = 1;
        return;
    }
    nm->text[nm->len++] = '\0';
    nm->off[nm->noff++] = nm->cur;
    nm->cur = nm->len;
}

/* Token text of kind `which` (0 word, 1 lower-cased, 2 shape, 3 short shape);
 * a sentinel as _B-1, _B-2, _E+1, _E+2. */
static void nm_tok(struct feat_names *nm, const struct feat_tok *t, int which)
{
    if (t->len == 3 && t->w[0] == '\0') {
        char s[5] = { '_', t->w[1], t->w[1] == 'B' ? '-' : '+', (char)('0' + t->w[2]), 0 };
        nm_puts(nm, s);
        return;
    }
    switch (which) {
    case 0: feat_names_put(nm, t->w, t->len); break;
    case 1: feat_names_put(nm, t->lw, t->len); break;
    case 2: feat_names_put(nm, t->sh, t->shlen); break;
    default: feat_names_put(nm, t->ss, t->sslen); break;
    }
}

static const char *const nm_pos[5] = { "[-2]", "[-1]", "[0]", "[+1]", "[+2]" };
static const char *const nm_which[4] = { "w", "lw", "shape", "sshape" };

/* One attribute "KIND[k]=TEXT". */
static void nm_one(struct feat_names *nm, const struct feat_tok *tk, size_t i, int which, int k)
{
    nm_puts(nm, nm_which[which]);
    nm_puts(nm, nm_pos[k + 2]);
    feat_names_put(nm, "=", 1);
    nm_tok(nm, &tk[(ptrdiff_t)i + k], which);
    feat_names_end(nm);
}

static const char *const nm_flag[BF_COUNT] = {
    "alldigit", "hasdigit", "initcap", "allcaps", "mixedcaps", "hyphen", "dot", "slash",
    "plus-or-hash", "underscore", "allpunct", "nonascii", "single", "len1", "len2",
    "len3-4", "len5-8", "len9+",
};

static const char *const nm_lexpos[5] = { "?", "single", "first", "inside", "last" };

/* Prefixes and suffixes of w(0), suffixes of 3 characters of w(-1), w(+1). */
static void nm_affixes(struct feat_names *nm, const struct feat_tok *tk, size_t i)
{
    const struct feat_tok *t0 = &tk[i];
    for (int k = 0; k < t0->npre; k++) {
        nm_puts(nm, "pre[0]=");
        feat_names_put(nm, t0->w, t0->pre[k]);
        feat_names_end(nm);
    }
    for (int k = 0; k < t0->npre; k++) {
        nm_puts(nm, "suf[0]=");
        feat_names_put(nm, t0->w + t0->len - t0->suf[k], t0->suf[k]);
        feat_names_end(nm);
    }
    for (int d = -1; d <= 1; d += 2) {
        const struct feat_tok *t = &tk[(ptrdiff_t)i + d];
        nm_puts(nm, d < 0 ? "suf3[-1]=" : "suf3[+1]=");
        if (t->len == 3 && t->w[0] == '\0')
            nm_tok(nm, t, 0);
        else
            feat_names_put(nm, t->w + t->len - t->suf[2], t->suf[2]);
        feat_names_end(nm);
    }
}

static void nm_flags(struct feat_names *nm, const struct feat_tok *tk, size_t i)
{
    const struct feat_tok *t0 = &tk[i], *tp = &tk[(ptrdiff_t)i - 1], *tn = &tk[i + 1];
    uint32_t f = t0->flags;
    for (int b = 0; f; b++, f >>= 1) {
        if (f & 1u) {
            nm_puts(nm, nm_flag[b]);
            nm_puts(nm, "[0]");
            feat_names_end(nm);
        }
    }
    static const struct { int d; int bit; const char *name; } nb[5] = {
        { 0, BF_INITCAP, "initcap[0]@start" }, { -1, BF_INITCAP, "initcap[-1]" },
        { -1, BF_ALLCAPS, "allcaps[-1]" }, { 1, BF_INITCAP, "initcap[+1]" },
        { 1, BF_ALLCAPS, "allcaps[+1]" },
    };
    for (int k = 0; k < 5; k++) {
        const struct feat_tok *t = nb[k].d < 0 ? tp : nb[k].d > 0 ? tn : t0;
        if ((k > 0 || i == 0) && (t->flags & (1u << nb[k].bit))) {
            nm_puts(nm, nb[k].name);
            feat_names_end(nm);
        }
    }
}

static void nm_bigrams(struct feat_names *nm, const struct feat_tok *tk, size_t i)
{
    static const struct { int a, b; } big[8] = {
        { -1, 0 }, { 0, 1 }, { -2, -1 }, { 1, 2 }, { -1, 0 }, { 0, 1 }, { -1, 0 }, { 0, 1 },
    };
    for (int k = 0; k < 8; k++) {
        /* which string each side reads: lower-cased word (1) or short shape (3) */
        int wa = k < 4 || k == 6 ? 1 : 3, wb = k < 4 || k == 7 ? 1 : 3;
        nm_puts(nm, nm_which[wa]);
        nm_puts(nm, nm_pos[big[k].a + 2]);
        feat_names_put(nm, "|", 1);
        nm_puts(nm, nm_which[wb]);
        nm_puts(nm, nm_pos[big[k].b + 2]);
        feat_names_put(nm, "=", 1);
        nm_tok(nm, &tk[(ptrdiff_t)i + big[k].a], wa);
        feat_names_put(nm, "|", 1);
        nm_tok(nm, &tk[(ptrdiff_t)i + big[k].b], wb);
        feat_names_end(nm);
    }
}

static void nm_lexicon(struct feat_names *nm, const struct lexicon *lx, const struct feat_tok *t0)
{
    unsigned v = t0->lexval;
    const char *type = lx->types[lex_type(v)];
    const char *pos = nm_lexpos[t0->lexpos <= 4 ? t0->lexpos : 0];
    char buf[64];
    snprintf(buf, sizeof buf, "/%s/r%u", pos, (unsigned)lex_rb(v));
    nm_puts(nm, "lex[0]=");
    nm_puts(nm, type);
    nm_puts(nm, buf);
    feat_names_end(nm);
    snprintf(buf, sizeof buf, "lex[0]=%s/r%u/c%u", pos, (unsigned)lex_rb(v), (unsigned)lex_cb(v));
    nm_puts(nm, buf);
    feat_names_end(nm);
    nm_puts(nm, "lex[0]=");
    nm_puts(nm, type);
    feat_names_end(nm);
}

/* Cluster names of token i, as feat_config_set_clusters lays them out. */
static void nm_clusters(struct feat_names *nm, const struct crftag_clusters *cl,
                        const struct feat_tok *tk, size_t i)
{
    for (int k = 0; k < 3; k++) {
        const char *at = nm_pos[k + 1];
        uint32_t p = tk[(ptrdiff_t)i + k - 1].cl;
        if (p == FEAT_CL_OUT)
            continue;
        const char *path = p < cl->npaths ? cl_path(cl, p) : "<unknown>";
        size_t len = strlen(path);
        for (size_t j = 0; p < cl->npaths && !cl->flat && j < FEAT_CL_MAXP - 1; j++) {
            if (feat_cl_pre[j] < len) {
                nm_puts(nm, "cl");
                nm_puts(nm, at);
                feat_names_put(nm, "=", 1);
                feat_names_put(nm, path, feat_cl_pre[j]);
                feat_names_end(nm);
            }
        }
        nm_puts(nm, "cl");
        nm_puts(nm, at);
        feat_names_put(nm, "=", 1);
        feat_names_put(nm, path, len);
        feat_names_end(nm);
    }
}

static void nm_builtin_token(const struct feat_config *fc, const struct feat_tok *tk, size_t i,
                             struct feat_names *nm)
{
    const int v4 = fc->builtin_version >= 4;
    nm_puts(nm, "bias");
    feat_names_end(nm);
    for (int k = -2; k <= 2; k++) {
        if (k == 0)
            nm_one(nm, tk, i, 0, k);
        if (k >= -1 && k <= 1) {
            nm_one(nm, tk, i, 1, k);
            nm_one(nm, tk, i, 2, k);
        }
        nm_one(nm, tk, i, 3, k);
        if (v4 && (k == -2 || k == 2))
            nm_one(nm, tk, i, 1, k);
    }
    nm_affixes(nm, tk, i);
    nm_flags(nm, tk, i);
    nm_bigrams(nm, tk, i);
    if (tk[i].lexpos)
        nm_lexicon(nm, fc->lex, &tk[i]);
    for (int d = -1; v4 && fc->lex && d <= 1; d += 2) {
        const struct feat_tok *t = &tk[(ptrdiff_t)i + d];
        if (!t->lexpos)
            continue;
        nm_puts(nm, d < 0 ? "lex[-1]=" : "lex[+1]=");
        nm_puts(nm, fc->lex->types[lex_type(t->lexval)]);
        feat_names_put(nm, "/", 1);
        nm_puts(nm, nm_lexpos[t->lexpos <= 4 ? t->lexpos : 0]);
        feat_names_end(nm);
    }
    if (fc->cl)
        nm_clusters(nm, fc->cl, tk, i);
    if (fc->ulex && tk[i].ulexpos) {
        const char *type = fc->ulex->types[lex_type(tk[i].ulexval)];
        nm_puts(nm, "ulex[0]=");
        nm_puts(nm, type);
        feat_names_put(nm, "/", 1);
        nm_puts(nm, nm_lexpos[tk[i].ulexpos <= 4 ? tk[i].ulexpos : 0]);
        feat_names_end(nm);
        nm_puts(nm, "ulex[0]=");
        nm_puts(nm, type);
        feat_names_end(nm);
    }
}

/* The names of the attributes of one canonical cell of attribute strings
 * (attrs.h), in the order feat_attrs_sentence gives their ids. */
static void nm_attrs_cell(struct feat_names *nm, const char *s)
{
    while (*s && !nm->oom) {
        const char *name;
        size_t len;
        double w;
        s = attrs_cell_field(s, &nm->fb.scratch, &nm->fb.scratch_cap, &name, &len, &w);
        if (!s) {
            nm->oom = 1;
            return;
        }
        feat_names_put(nm, name, len);
        feat_names_end(nm);
    }
}

enum crftag_status feat_names(const struct feat_config *fc, const char *const *cols, size_t n,
                              size_t stride, size_t view, struct feat_names *out)
{
    out->len = out->cur = out->noff = 0;
    out->oom = 0;
    if (fc->kind != FEAT_BUILTIN && fc->kind != FEAT_TEMPLATE && fc->kind != FEAT_ATTRS)
        return CRFTAG_ERR_INVALID;
    if (n > 0 && stride < fc->ncols)
        return CRFTAG_ERR_INVALID;
    if (n == SIZE_MAX || UTIL_GROW(out->start, out->start_cap, n + 1))
        return CRFTAG_ERR_NOMEM;
    out->start[0] = 0;
    if (n == 0)
        return CRFTAG_OK;
    if (fc->kind == FEAT_ATTRS) {
        for (size_t i = 0; i < n; i++) {
            nm_attrs_cell(out, cols[i * stride]);
            out->start[i + 1] = out->noff;
        }
    } else if (fc->kind == FEAT_BUILTIN) {
        const struct feat_tok *tk = feat_tokens(fc, cols, n, stride, view, &out->fb);
        if (!tk)
            return CRFTAG_ERR_NOMEM;
        for (size_t i = 0; i < n; i++) {
            nm_builtin_token(fc, tk, i, out);
            out->start[i + 1] = out->noff;
        }
    } else {
        size_t need;
        if (util_mul(n, fc->ntemplates, &need) || UTIL_GROW(out->fb.ids, out->fb.cap, need) ||
            UTIL_GROW(out->fb.start, out->fb.start_cap, n + 1))
            return CRFTAG_ERR_NOMEM;
        out->fb.start[0] = 0;
        feat_template_sentence_names(fc, cols, n, stride, &out->fb, out);
        for (size_t i = 0; i < n; i++)
            out->start[i + 1] = out->fb.start[i + 1];
    }
    return out->oom ? CRFTAG_ERR_NOMEM : CRFTAG_OK;
}

void feat_names_free(struct feat_names *nm)
{
    if (!nm)
        return;
    free(nm->text);
    free(nm->off);
    free(nm->start);
    feat_buf_free(&nm->fb);
    memset(nm, 0, sizeof *nm);
}
