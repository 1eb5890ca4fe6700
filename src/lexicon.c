/*
 * lexicon.c - the entity lexicon of the built-in features (core layer).
 *
 * See lexicon.h for what an entry and its value are.  Building:
 *
 *   1. every labelled chunk of at most LEX_MAXTOK tokens becomes an entry
 *      (with all its prefixes as index nodes);
 *   2. per fold (contiguous block of sentences): entity occurrences of each
 *      entry per type, and all occurrences of its token sequence anywhere
 *      in the text (overlapping matches counted);
 *   3. per view: the counts of the folds it includes give the value.
 *
 * Chunks of the label column are conlleval's, found by crftag_chunks (eval.c),
 * the chunker that scores the model.
 */
#include "lexicon.h"

#include <stdlib.h>
#include <string.h>

#include "corpus.h"
#include "error.h"
#include "io.h"
#include "tokenize.h"
#include "util.h"

#define LEX_SEED_MIX UINT64_C(0x6c6578696b6f6e31)   /* "lexikon1" */

static const double lex_ratio_edges[LEX_NRB - 1] = { 0.1, 0.2, 0.35, 0.5, 0.7, 0.9 };

static inline uint64_t lex_h0(const struct lexicon *lx)
{
    return hash_begin(lx->seed ^ LEX_SEED_MIX);
}

/* Tokens are compared with ASCII letters folded to lower case: "Merge sort"
 * at the start of a sentence is the entry "merge sort" (WikiSER dev F1 +0.7
 * on a slice, and the dictionary alone goes from 60.1 to 61.0). */
static inline int lex_lower_letter(unsigned char c)
{
    c |= 0x20;
    return c >= 'a' && c <= 'z';
}

/* A final plural 's' (lexicon.h): "tables", "Kernels"; not "class", "virus",
 * "analysis", "GPUs", "DES" (too short) or "x86s". */
static inline int lex_plural(const char *s, size_t n)
{
    if (n < 4 || (s[n - 1] | 0x20) != 's' || !lex_lower_letter((unsigned char)s[n - 2]))
        return 0;
    char b = (char)(s[n - 2] | 0x20);
    return b != 's' && b != 'u' && b != 'i';
}

/* And with LEX_FOLD_PLURAL (built-in features version 3), a final plural 's'
 * ("hash tables" is the entry "hash table"): WikiSER dev F1 62.06 -> 62.98,
 * Algorithm 37.69 -> 41.32 (docs/ACCURACY.md). */
static inline uint64_t lex_htok(const struct lexicon *lx, uint64_t h, const char *s)
{
    size_t n = strlen(s);
    if ((lx->fold & LEX_FOLD_PLURAL) && lex_plural(s, n))
        n--;
    const unsigned char *p = (const unsigned char *)s;
    for (size_t j = 0; j < n; j++)
        h = hash_byte(h, (unsigned char)(p[j] >= 'A' && p[j] <= 'Z' ? p[j] + ('a' - 'A') : p[j]));
    return hash_byte(h, 0);
}

struct lexicon *lex_new(uint64_t seed, unsigned fold)
{
    struct lexicon *lx = util_calloc(1, sizeof *lx);
    if (lx) {
        lx->seed = seed;
        lx->fold = fold;
        lx->nviews = 1;
    }
    return lx;
}

void lex_free(struct lexicon *lx)
{
    if (!lx)
        return;
    for (size_t t = 0; t < lx->ntypes; t++)
        free(lx->types[t]);
    free(lx->types);
    free(lx->ent_ntok);
    free(lx->ent_text);
    free(lx->ent_node);
    free(lx->text);
    htab_free(&lx->index);
    free(lx->val);
    free(lx);
}

long lex_add_type(struct lexicon *lx, const char *name, size_t len)
{
    for (size_t t = 0; t < lx->ntypes; t++)
        if (strlen(lx->types[t]) == len && memcmp(lx->types[t], name, len) == 0)
            return (long)t;
    if (lx->ntypes >= LEX_MAXTYPES)
        return -1;
    char **v = util_realloc(lx->types, lx->ntypes + 1, sizeof *v);
    if (!v)
        return -1;
    lx->types = v;
    if (!(v[lx->ntypes] = util_strndup(name, len)))
        return -1;
    return (long)lx->ntypes++;
}

/* Node of the sequence hashed to key, created (values 0) when absent. */
static long lex_node(struct lexicon *lx, uint64_t key)
{
    int inserted;
    uint32_t *slot = htab_put(&lx->index, key, (uint32_t)lx->nnodes, &inserted);
    if (!slot || lx->nnodes >= UINT32_MAX - 1)
        return -1;
    if (inserted) {
        if (UTIL_GROW(lx->val, lx->nodes_cap, (lx->nnodes + 1) * lx->nviews))
            return -1;   /* the slot stays: harmless, it points past nnodes */
        memset(lx->val + lx->nnodes * lx->nviews, 0, lx->nviews * sizeof *lx->val);
        lx->nnodes++;
    }
    return (long)*slot;
}

/* Node of the sequence tok[k * stride], k < ntok (created with its
 * prefixes when absent), or -1 when out of memory. */
static long lex_seq_node(struct lexicon *lx, const char *const *tok, size_t ntok, size_t stride)
{
    uint64_t h = lex_h0(lx);
    long node = -1;
    for (size_t k = 0; k < ntok; k++) {
        h = lex_htok(lx, h, tok[k * stride]);
        node = lex_node(lx, hash_end(h));
        if (node < 0)
            return -1;
    }
    return node;
}

/* Appends entry tok[k * stride], k < ntok, whose node is node. */
static enum crftag_status lex_append(struct lexicon *lx, const char *const *tok, size_t ntok,
                                     size_t stride, long node)
{
    size_t bytes = 0;
    for (size_t k = 0; k < ntok; k++)
        bytes += strlen(tok[k * stride]) + 1;
    if (UTIL_GROW(lx->text, lx->text_cap, lx->text_len + bytes))
        return CRFTAG_ERR_NOMEM;
    if (lx->nent == lx->ent_cap) {
        size_t cap = lx->ent_cap ? 2 * lx->ent_cap : 64;
        uint8_t *a = util_realloc(lx->ent_ntok, cap, sizeof *a);
        if (!a)
            return CRFTAG_ERR_NOMEM;
        lx->ent_ntok = a;
        size_t *b = util_realloc(lx->ent_text, cap, sizeof *b);
        if (!b)
            return CRFTAG_ERR_NOMEM;
        lx->ent_text = b;
        uint32_t *c = util_realloc(lx->ent_node, cap, sizeof *c);
        if (!c)
            return CRFTAG_ERR_NOMEM;
        lx->ent_node = c;
        lx->ent_cap = cap;
    }
    lx->ent_ntok[lx->nent] = (uint8_t)ntok;
    lx->ent_text[lx->nent] = lx->text_len;
    lx->ent_node[lx->nent] = (uint32_t)node;
    for (size_t k = 0; k < ntok; k++) {
        size_t l = strlen(tok[k * stride]) + 1;
        memcpy(lx->text + lx->text_len, tok[k * stride], l);
        lx->text_len += l;
    }
    lx->nent++;
    return CRFTAG_OK;
}

/* Adds the entry tok[k * stride], k < ntok, unless present; *e receives its
 * index.  *node_ent maps nodes to entries (UINT32_MAX: none). */
static enum crftag_status lex_new_entry(struct lexicon *lx, const char *const *tok, size_t ntok,
                                        size_t stride, uint32_t **node_ent, size_t *ne_cap,
                                        size_t *e)
{
    long node = lex_seq_node(lx, tok, ntok, stride);
    if (node < 0)
        return CRFTAG_ERR_NOMEM;
    size_t old = *ne_cap;
    if (UTIL_GROW(*node_ent, *ne_cap, lx->nnodes))
        return CRFTAG_ERR_NOMEM;
    for (size_t i = old; i < *ne_cap; i++)
        (*node_ent)[i] = UINT32_MAX;
    if ((*node_ent)[node] != UINT32_MAX) {
        *e = (*node_ent)[node];
        return CRFTAG_OK;
    }
    enum crftag_status st = lex_append(lx, tok, ntok, stride, node);
    if (st != CRFTAG_OK)
        return st;
    (*node_ent)[node] = (uint32_t)(lx->nent - 1);
    *e = lx->nent - 1;
    return CRFTAG_OK;
}

enum crftag_status lex_add_entry(struct lexicon *lx, const char *const *tok, size_t ntok,
                                 unsigned value)
{
    if (ntok < 1 || ntok > LEX_MAXTOK || value == 0 || lex_type(value) >= lx->ntypes ||
        lx->nviews != 1)
        return CRFTAG_ERR_INVALID;
    long node = lex_seq_node(lx, tok, ntok, 1);
    if (node < 0)
        return CRFTAG_ERR_NOMEM;
    /* every entry of a one-view lexicon has a value; prefixes have none */
    if (lx->val[node] != 0)
        return CRFTAG_ERR_INVALID;
    enum crftag_status st = lex_append(lx, tok, ntok, 1, node);
    if (st != CRFTAG_OK)
        return st;
    lx->val[node] = (uint16_t)value;
    return CRFTAG_OK;
}

unsigned lex_entry_value(const struct lexicon *lx, size_t e)
{
    return lx->val[(size_t)lx->ent_node[e] * lx->nviews];
}

size_t lex_train_view(const struct lexicon *lx, size_t s)
{
    if (lx->folds == 0 || lx->nsent == 0)
        return 0;
    return 1 + (size_t)((unsigned long long)(lx->sent0 + s) * lx->folds / lx->nsent);
}

/* The chunks of the labels lab[i * stride], by conlleval's rules (the
 * chunker of eval.c); labs has room for n labels.  Chunks without a type
 * name no entry. */
static size_t lex_chunks(const char *const *lab, size_t n, size_t stride, const char **labs,
                         struct crftag_chunk *out)
{
    for (size_t i = 0; i < n; i++)
        labs[i] = lab[i * stride];
    size_t nc = crftag_chunks(labs, n, out), k = 0;
    for (size_t q = 0; q < nc; q++)
        if (out[q].type_len > 0)
            out[k++] = out[q];
    return k;
}

/* Chunks that become entries: at most LEX_MAXTOK tokens of at most
 * LEX_MAXTOKLEN bytes. */
static int lex_chunk_ok(const struct sentence *sen, size_t stride, const struct crftag_chunk *ch)
{
    if (ch->end - ch->begin > LEX_MAXTOK)
        return 0;
    for (size_t i = ch->begin; i < ch->end; i++)
        if (strlen(sen->cols[i * stride]) > LEX_MAXTOKLEN)
            return 0;
    return 1;
}

static unsigned lex_value(const uint32_t *ent, size_t ntypes, uint64_t occ)
{
    uint64_t tot = 0;
    size_t best = 0;
    for (size_t t = 0; t < ntypes; t++) {
        tot += ent[t];
        if (ent[t] > ent[best])
            best = t;
    }
    if (tot == 0)
        return 0;
    double r = occ > 0 ? (double)tot / (double)occ : 1.0;
    unsigned rb = 0;
    while (rb < LEX_NRB - 1 && r >= lex_ratio_edges[rb])
        rb++;
    unsigned cb = tot == 1 ? 0 : tot <= 4 ? 1 : 2;
    return 1 + ((unsigned)best * LEX_NRB + rb) * LEX_NCB + cb;
}

/* Step 2 of lex_build for sentence sen of fold k (of K): counts in ent[e][k][t]
 * the chunks labelled with type t whose tokens are entry e, and in occ[e][k]
 * every occurrence of entry e's tokens, labelled or not.  node_ent[node]
 * (ne_cap of them) is the entry ending at a node of the index, or UINT32_MAX;
 * ch has room for the sentence's chunks. */
static void lex_count_sentence(const struct lexicon *lx, const struct sentence *sen,
                               size_t stride, size_t lab, const char **labs,
                               struct crftag_chunk *ch,
                               const uint32_t *node_ent, size_t ne_cap, size_t K, size_t k,
                               uint32_t *ent, uint32_t *occ)
{
    size_t NT = lx->ntypes;
    size_t nc = lex_chunks(sen->cols + lab, sen->n, stride, labs, ch);
    for (size_t q = 0; q < nc; q++) {
        if (!lex_chunk_ok(sen, stride, &ch[q]))
            continue;
        long t = -1;
        for (size_t u = 0; u < NT; u++)
            if (strlen(lx->types[u]) == ch[q].type_len &&
                memcmp(lx->types[u], ch[q].type, ch[q].type_len) == 0)
                t = (long)u;
        if (t < 0)
            continue;
        uint64_t h = lex_h0(lx);
        for (size_t i = ch[q].begin; i < ch[q].end; i++)
            h = lex_htok(lx, h, sen->cols[i * stride]);
        uint32_t node = htab_get(&lx->index, hash_end(h));
        if (node == HTAB_NONE || node_ent[node] == UINT32_MAX)
            continue;
        ent[((size_t)node_ent[node] * K + k) * NT + (size_t)t]++;
    }
    for (size_t i = 0; i < sen->n; i++) {
        uint64_t h = lex_h0(lx);
        for (size_t w = 0; w < LEX_MAXTOK && i + w < sen->n; w++) {
            h = lex_htok(lx, h, sen->cols[(i + w) * stride]);
            uint32_t node = htab_get(&lx->index, hash_end(h));
            if (node == HTAB_NONE)
                break;
            if (node < ne_cap && node_ent[node] != UINT32_MAX)
                occ[(size_t)node_ent[node] * K + k]++;
        }
    }
}

/* Step 3 of lex_build: the value of each entry in every view of lx (lx->val,
 * lx->nviews = 1 + folds set): view 0 from the counts of all K folds, view
 * 1 + k from all but fold k.  tot is scratch of lx->ntypes counts. */
static void lex_set_values(struct lexicon *lx, size_t folds, size_t K, const uint32_t *ent,
                           const uint32_t *occ, uint32_t *tot)
{
    size_t NT = lx->ntypes, nviews = lx->nviews;
    for (size_t e = 0; e < lx->nent; e++) {
        uint64_t otot = 0;
        memset(tot, 0, NT * sizeof *tot);
        for (size_t k = 0; k < K; k++) {
            otot += occ[e * K + k];
            for (size_t t = 0; t < NT; t++)
                tot[t] += ent[(e * K + k) * NT + t];
        }
        uint16_t *v = lx->val + (size_t)lx->ent_node[e] * nviews;
        v[0] = (uint16_t)lex_value(tot, NT, otot);
        for (size_t k = 0; k < folds; k++) {
            const uint32_t *ek = ent + (e * K + k) * NT;
            for (size_t t = 0; t < NT; t++)
                tot[t] -= ek[t];
            v[1 + k] = (uint16_t)lex_value(tot, NT, otot - occ[e * K + k]);
            for (size_t t = 0; t < NT; t++)
                tot[t] += ek[t];
        }
    }
}

/* Step 1 of lex_build: the entries (and types) of the labelled chunks of c
 * into lx; node_ent maps nodes to entries; ch and labs are scratch. */
static enum crftag_status lex_entries(struct lexicon *lx, const struct crftag_corpus *c,
                                      struct crftag_chunk **ch, size_t *ch_cap,
                                      const char ***labs, size_t *labs_cap,
                                      uint32_t **node_ent, size_t *ne_cap)
{
    size_t lab = c->ncols - 1, stride = c->ncols;
    for (size_t s = 0; s < c->nsent; s++) {
        struct sentence sen;
        corpus_sentence(c, s, &sen);
        if (UTIL_GROW(*ch, *ch_cap, sen.n) || UTIL_GROW(*labs, *labs_cap, sen.n))
            return CRFTAG_ERR_NOMEM;
        size_t nc = lex_chunks(sen.cols + lab, sen.n, stride, *labs, *ch);
        for (size_t k = 0; k < nc; k++) {
            const struct crftag_chunk *q = &(*ch)[k];
            if (!lex_chunk_ok(&sen, stride, q))
                continue;
            if (lex_add_type(lx, q->type, q->type_len) < 0) {
                if (lx->ntypes >= LEX_MAXTYPES)
                    continue;            /* more types than a lexicon holds */
                return CRFTAG_ERR_NOMEM;
            }
            size_t e;
            if (lex_new_entry(lx, sen.cols + q->begin * stride, q->end - q->begin, stride,
                              node_ent, ne_cap, &e) != CRFTAG_OK)
                return CRFTAG_ERR_NOMEM;
        }
    }
    return CRFTAG_OK;
}

/* The types and entries of lx as one blob: the type names, then an empty
 * string, then per entry its token count (one byte) and its tokens, each
 * NUL-terminated. */
static enum crftag_status lex_pack(const struct lexicon *lx, char **out, size_t *out_len)
{
    size_t len = 1 + lx->nent + lx->text_len;
    for (size_t t = 0; t < lx->ntypes; t++)
        len += strlen(lx->types[t]) + 1;
    char *b = util_malloc(len, 1), *q = b;
    if (!b)
        return CRFTAG_ERR_NOMEM;
    for (size_t t = 0; t < lx->ntypes; t++)
        q += strlen(strcpy(q, lx->types[t])) + 1;
    *q++ = '\0';
    for (size_t e = 0; e < lx->nent; e++) {
        const char *tok = lex_entry_text(lx, e);
        size_t n = 0;
        for (size_t k = 0; k < lx->ent_ntok[e]; k++)
            n += strlen(tok + n) + 1;
        *q++ = (char)lx->ent_ntok[e];
        memcpy(q, tok, n);
        q += n;
    }
    *out = b;
    *out_len = (size_t)(q - b);
    return CRFTAG_OK;
}

/* Adds the types and entries of a lex_pack blob b[len] to lx (those not in
 * it yet, in blob order).  CRFTAG_ERR_PARSE when the blob is malformed. */
static enum crftag_status lex_unpack(struct lexicon *lx, const char *b, size_t len,
                                     uint32_t **node_ent, size_t *ne_cap)
{
    const char *q = b, *end = b + len;
    while (q < end && *q) {
        size_t n = strnlen(q, (size_t)(end - q));
        if (n == (size_t)(end - q))
            return CRFTAG_ERR_PARSE;
        if (lex_add_type(lx, q, n) < 0 && lx->ntypes < LEX_MAXTYPES)
            return CRFTAG_ERR_NOMEM;
        q += n + 1;
    }
    if (q++ >= end)
        return CRFTAG_ERR_PARSE;
    const char *tok[LEX_MAXTOK];
    while (q < end) {
        size_t ntok = (unsigned char)*q++;
        if (ntok < 1 || ntok > LEX_MAXTOK)
            return CRFTAG_ERR_PARSE;
        for (size_t k = 0; k < ntok; k++) {
            size_t n = q < end ? strnlen(q, (size_t)(end - q)) : 0;
            if (q >= end || n == (size_t)(end - q))
                return CRFTAG_ERR_PARSE;
            tok[k] = q;
            q += n + 1;
        }
        size_t e;
        if (lex_new_entry(lx, tok, ntok, 1, node_ent, ne_cap, &e) != CRFTAG_OK)
            return CRFTAG_ERR_NOMEM;
    }
    return CRFTAG_OK;
}

/* Replaces *lx by the union of every rank's lexicon (entries and types in
 * rank order, so in the order of the sentences); *node_ent is rebuilt. */
static enum crftag_status lex_merge(struct lexicon **lx, const struct lex_share *sh,
                                    uint32_t **node_ent, size_t *ne_cap)
{
    char *mine = NULL;
    size_t mine_len = 0;
    enum crftag_status st = lex_pack(*lx, &mine, &mine_len);
    if (st != CRFTAG_OK)
        return st;
    struct lexicon *all = lex_new((*lx)->seed, (*lx)->fold);
    free(*node_ent);
    *node_ent = NULL;
    *ne_cap = 0;
    if (!all)
        st = CRFTAG_ERR_NOMEM;
    for (int r = 0; r < sh->nranks && st == CRFTAG_OK; r++) {
        void *b = NULL;
        size_t len = 0;
        if (sh->bcast(r, mine, mine_len, &b, &len, sh->user))
            st = CRFTAG_ERR_IO;
        else
            st = lex_unpack(all, b, len, node_ent, ne_cap);
        free(b);
    }
    free(mine);
    lex_free(*lx);
    *lx = all;
    return st;
}

enum crftag_status lex_build(const struct crftag_corpus *c, size_t folds, unsigned fold,
                             uint64_t seed, struct lexicon **out, struct crftag_error *err)
{
    return lex_build_shared(c, folds, fold, seed, NULL, out, err);
}

enum crftag_status lex_build_shared(const struct crftag_corpus *c, size_t folds, unsigned fold,
                                    uint64_t seed, const struct lex_share *sh,
                                    struct lexicon **out, struct crftag_error *err)
{
    *out = NULL;
    if (folds > LEX_MAXFOLDS)
        return err_set(err, CRFTAG_ERR_INVALID, NULL, 0, "at most %d lexicon folds",
                       LEX_MAXFOLDS);
    if (!sh && (c->ncols < 2 || c->nsent == 0))
        return CRFTAG_OK;
    struct lexicon *lx = lex_new(seed, fold);
    struct crftag_chunk *ch = NULL;
    const char **labs = NULL;
    uint32_t *node_ent = NULL, *ent = NULL, *occ = NULL, *tot = NULL;
    size_t ne_cap = 0, ch_cap = 0, labs_cap = 0, lab = c->ncols - 1, stride = c->ncols;
    size_t K = folds ? folds : 1, sent0 = sh ? sh->sent0 : 0, nsent = sh ? sh->nsent : c->nsent;
    enum crftag_status st = CRFTAG_OK;
    if (!lx)
        goto nomem;

    /* 1. entries (of every rank) */
    if (c->nsent > 0 && lex_entries(lx, c, &ch, &ch_cap, &labs, &labs_cap, &node_ent,
                                    &ne_cap) != CRFTAG_OK)
        goto nomem;
    if (sh && (st = lex_merge(&lx, sh, &node_ent, &ne_cap)) != CRFTAG_OK)
        goto fail;
    lx->folds = folds;
    lx->nsent = nsent;
    lx->sent0 = sent0;
    if (lx->nent == 0) {
        lex_free(lx);
        free(ch);
        free(labs);
        free(node_ent);
        return CRFTAG_OK;
    }

    /* 2. counts per fold (summed over the ranks) */
    size_t NT = lx->ntypes, nent_k, nent_kt;
    if (util_mul(lx->nent, K, &nent_k) || util_mul(nent_k, NT, &nent_kt))
        goto nomem;
    ent = util_calloc(nent_kt, sizeof *ent);
    occ = util_calloc(nent_k, sizeof *occ);
    tot = util_calloc(NT, sizeof *tot);
    if (!ent || !occ || !tot || UTIL_GROW(ch, ch_cap, 1) || UTIL_GROW(labs, labs_cap, 1))
        goto nomem;
    for (size_t s = 0; s < c->nsent; s++) {
        struct sentence sen;
        corpus_sentence(c, s, &sen);
        if (UTIL_GROW(ch, ch_cap, sen.n) || UTIL_GROW(labs, labs_cap, sen.n))
            goto nomem;
        size_t k = folds ? (size_t)((unsigned long long)(sent0 + s) * folds / nsent) : 0;
        lex_count_sentence(lx, &sen, stride, lab, labs, ch, node_ent, ne_cap, K, k, ent, occ);
    }
    if (sh && (sh->sum32(ent, nent_kt, sh->user) || sh->sum32(occ, nent_k, sh->user))) {
        st = CRFTAG_ERR_IO;
        goto fail;
    }

    /* 3. values per view */
    size_t nviews = 1 + folds, nval;
    if (util_mul(lx->nnodes, nviews, &nval))
        goto nomem;
    uint16_t *val = util_calloc(nval, sizeof *val);
    if (!val)
        goto nomem;
    free(lx->val);
    lx->val = val;
    lx->nviews = nviews;
    lx->nodes_cap = nval;
    lex_set_values(lx, folds, K, ent, occ, tot);
    free(ch);
    free(labs);
    free(node_ent);
    free(ent);
    free(occ);
    free(tot);
    *out = lx;
    return CRFTAG_OK;

nomem:
    st = CRFTAG_ERR_NOMEM;
fail:
    free(ch);
    free(labs);
    free(node_ent);
    free(ent);
    free(occ);
    free(tot);
    lex_free(lx);
    if (st == CRFTAG_ERR_IO)
        return err_set(err, st, NULL, 0, "the ranks could not exchange the lexicon");
    if (st == CRFTAG_ERR_PARSE)
        return err_set(err, CRFTAG_ERR_INVALID, NULL, 0, "malformed lexicon from another rank");
    return err_set(err, CRFTAG_ERR_NOMEM, NULL, 0, "out of memory (lexicon)");
}

void lex_match(const struct lexicon *lx, size_t view, const char *const *cols, size_t n,
               size_t stride, uint16_t *val, unsigned char *pos)
{
    memset(val, 0, n * sizeof *val);
    memset(pos, 0, n);
    uint64_t h0 = lex_h0(lx);
    size_t i = 0;
    while (i < n) {
        uint64_t h = h0;
        size_t best = 0;
        unsigned bv = 0;
        for (size_t w = 0; w < LEX_MAXTOK && i + w < n; w++) {
            h = lex_htok(lx, h, cols[(i + w) * stride]);
            uint32_t node = htab_get(&lx->index, hash_end(h));
            if (node == HTAB_NONE)
                break;
            unsigned v = lx->val[(size_t)node * lx->nviews + view];
            if (v) {
                best = w + 1;
                bv = v;
            }
        }
        if (best == 0) {
            i++;
            continue;
        }
        for (size_t k = 0; k < best; k++) {
            val[i + k] = (uint16_t)bv;
            pos[i + k] = best == 1 ? 1 : k == 0 ? 2 : k + 1 == best ? 4 : 3;
        }
        i += best;
    }
}

/* ------------------------------------------------------------------------ */
/* User lexicons                                                            */
/* ------------------------------------------------------------------------ */

unsigned lex_lookup(const struct lexicon *lx, const char *const *tok, size_t ntok)
{
    if (ntok < 1 || ntok > LEX_MAXTOK)
        return 0;
    uint64_t h = lex_h0(lx);
    for (size_t k = 0; k < ntok; k++)
        h = lex_htok(lx, h, tok[k]);
    uint32_t node = htab_get(&lx->index, hash_end(h));
    if (node == HTAB_NONE || node >= lx->nnodes)
        return 0;
    return lx->val[(size_t)node * lx->nviews];
}

struct lex_reader {
    struct lexicon *lx;
    struct crftag_token *toks;
    size_t tok_cap;
    char *buf;                   /* NUL-terminated copies of a name's tokens */
    size_t buf_cap;
    size_t dups;
};

/* One line s[0..n) of file path (line number line). */
static enum crftag_status lex_user_line(struct lex_reader *rd, const char *path, long line,
                                        char *s, size_t n, struct crftag_error *err)
{
    size_t blank = 0;
    while (blank < n && (s[blank] == ' ' || s[blank] == '\t'))
        blank++;
    if (blank == n || s[0] == '#')
        return CRFTAG_OK;
    if (memchr(s, '\0', n))
        return err_set(err, CRFTAG_ERR_PARSE, path, line, "lexicon: NUL byte in the line");
    size_t bad = tok_utf8_invalid(s, n);
    if (bad < n)
        return err_set(err, CRFTAG_ERR_PARSE, path, line,
                       "lexicon: not valid UTF-8 (byte 0x%02x at column %zu)",
                       (unsigned)(unsigned char)s[bad], bad + 1);
    const char *type = LEX_USER_TYPE;
    size_t tlen = strlen(LEX_USER_TYPE), nlen = n;
    char *tab = memchr(s, '\t', n);
    if (tab) {
        nlen = (size_t)(tab - s);
        type = tab + 1;
        tlen = n - nlen - 1;
        if (memchr(type, '\t', tlen))
            return err_set(err, CRFTAG_ERR_PARSE, path, line,
                           "lexicon: more than one TAB (expected NAME or NAME<TAB>TYPE)");
        while (tlen > 0 && type[0] == ' ') {
            type++;
            tlen--;
        }
        while (tlen > 0 && type[tlen - 1] == ' ')
            tlen--;
        if (tlen == 0)
            return err_set(err, CRFTAG_ERR_PARSE, path, line,
                           "lexicon: empty type after the TAB");
        if (tlen > LEX_MAXTYPELEN)
            return err_set(err, CRFTAG_ERR_PARSE, path, line,
                           "lexicon: type of %zu bytes (at most %d)", tlen, LEX_MAXTYPELEN);
    }
    size_t ntok = 0;
    if (tok_split(s, nlen, &rd->toks, &ntok, &rd->tok_cap) != CRFTAG_OK)
        return err_set(err, CRFTAG_ERR_NOMEM, path, line, "out of memory (lexicon)");
    if (ntok == 0)
        return err_set(err, CRFTAG_ERR_PARSE, path, line, "lexicon: empty name");
    if (ntok > LEX_MAXTOK)
        return err_set(err, CRFTAG_ERR_PARSE, path, line,
                       "lexicon: name '%.*s%s' has %zu tokens (at most %d)",
                       (int)(nlen > 60 ? 60 : nlen), s, nlen > 60 ? "..." : "", ntok,
                       LEX_MAXTOK);
    size_t bytes = 0;
    for (size_t k = 0; k < ntok; k++) {
        size_t l = rd->toks[k].end - rd->toks[k].start;
        if (l > LEX_MAXTOKLEN)
            return err_set(err, CRFTAG_ERR_PARSE, path, line,
                           "lexicon: token %zu of the name has %zu bytes (at most %d)", k + 1,
                           l, LEX_MAXTOKLEN);
        bytes += l + 1;
    }
    if (UTIL_GROW(rd->buf, rd->buf_cap, bytes))
        return err_set(err, CRFTAG_ERR_NOMEM, path, line, "out of memory (lexicon)");
    const char *tok[LEX_MAXTOK];
    char *q = rd->buf;
    for (size_t k = 0; k < ntok; k++) {
        size_t l = rd->toks[k].end - rd->toks[k].start;
        memcpy(q, s + rd->toks[k].start, l);
        q[l] = '\0';
        tok[k] = q;
        q += l + 1;
    }
    struct lexicon *lx = rd->lx;
    if (lex_lookup(lx, tok, ntok) != 0) {
        rd->dups++;
        return CRFTAG_OK;
    }
    size_t before = lx->ntypes;
    long t = lex_add_type(lx, type, tlen);
    if (t < 0) {
        if (before >= LEX_MAXTYPES)
            return err_set(err, CRFTAG_ERR_PARSE, path, line,
                           "lexicon: type '%.*s' is one more than the %d types allowed",
                           (int)(tlen > 60 ? 60 : tlen), type, LEX_MAXTYPES);
        return err_set(err, CRFTAG_ERR_NOMEM, path, line, "out of memory (lexicon)");
    }
    enum crftag_status st = lex_add_entry(lx, tok, ntok, lex_user_value((unsigned)t));
    if (st != CRFTAG_OK)   /* not a duplicate (looked up above): out of memory */
        return err_set(err, CRFTAG_ERR_NOMEM, path, line, "out of memory (lexicon)");
    return CRFTAG_OK;
}

enum crftag_status lex_read_user(const char *const *paths, size_t npaths, uint64_t seed,
                                 unsigned fold, struct lexicon **out, size_t *dups,
                                 struct crftag_error *err)
{
    *out = NULL;
    if (dups)
        *dups = 0;
    if (!paths || npaths < 1 || npaths > LEX_MAXFILES)
        return err_set(err, CRFTAG_ERR_INVALID, NULL, 0, "1..%d lexicon files expected",
                       LEX_MAXFILES);
    struct lex_reader rd;
    memset(&rd, 0, sizeof rd);
    if (!(rd.lx = lex_new(seed, fold)))
        return err_set(err, CRFTAG_ERR_NOMEM, NULL, 0, "out of memory (lexicon)");
    enum crftag_status st = CRFTAG_OK;
    for (size_t f = 0; f < npaths && st == CRFTAG_OK; f++) {
        if (!paths[f]) {
            st = err_set(err, CRFTAG_ERR_INVALID, NULL, 0, "lexicon file %zu is NULL", f);
            break;
        }
        struct io_reader *r;
        st = io_open(paths[f], &r, err);
        if (st != CRFTAG_OK)
            break;
        char *line;
        size_t len;
        int rc;
        while ((rc = io_getline(r, &line, &len, err)) > 0) {
            if (io_lineno(r) == 1 && len >= 3 && memcmp(line, "\xef\xbb\xbf", 3) == 0) {
                line += 3;               /* a UTF-8 byte order mark */
                len -= 3;
            }
            st = lex_user_line(&rd, io_path(r), io_lineno(r), line, len, err);
            if (st != CRFTAG_OK)
                break;
        }
        if (rc < 0 && st == CRFTAG_OK)
            st = (enum crftag_status)rc;
        io_close(r);
    }
    free(rd.toks);
    free(rd.buf);
    if (st != CRFTAG_OK || rd.lx->nent == 0) {
        lex_free(rd.lx);
        return st;
    }
    *out = rd.lx;
    if (dups)
        *dups = rd.dups;
    return CRFTAG_OK;
}
