/*
 * memory.c - document memory: the entities a tagger found in the last
 * sentences of a text label their later mentions (crftag_memory_*,
 * include/crftag.h; pipeline layer).
 *
 * A name is often found where its context gives it away ("treated with
 * nitroglycerin (NTG)", "the Rust compiler") and missed where it stands
 * alone a few sentences later.  The memory keeps the entities the tagger
 * output (its own labels, not those the memory added) for the last `window`
 * sentences; in a new sentence, a run of tokens that the tagger left O and
 * whose bytes are exactly those of a remembered entity gets that entity's
 * type (B-T, then I-T).  Longest match first, left to right; a span that
 * overlaps a found entity is not touched.  When the same tokens were found
 * with several types, the type found most often wins, ties going to the
 * most recent.  Measured in docs/ACCURACY.md ("Document memory"); training
 * decides whether a model uses it (crftag_train_params.memory).
 *
 * Cost: a sentence's token hashes; for each token left O, one bit of a
 * filter of the remembered entities' first tokens, and only when it is
 * set a pass over them (a few dozen; at most MEM_MAX_ENT, and a match is
 * compared once however many copies of it are remembered, so the work is
 * linear in the text whatever it holds).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crftag.h"
#include "hash.h"
#include "labels.h"
#include "model.h"
#include "util.h"

#define MEM_NONE UINT32_MAX
/* A filter of 4,096 bits on the remembered entities' first tokens (bit:
 * the hash's top 12 bits): a few dozen entities leave 99 % of the tokens
 * out at one test. */
#define MEM_FILT_BITS 4096
#define MEM_FILT_BIT(h) ((unsigned)((h) >> 52))
#define MEM_FILT_SET(f, h) ((f)[MEM_FILT_BIT(h) / 64] |= (uint64_t)1 << (MEM_FILT_BIT(h) % 64))
#define MEM_FILT_HAS(f, h) (((f)[MEM_FILT_BIT(h) / 64] >> (MEM_FILT_BIT(h) % 64)) & 1)
/* At most this many entities are remembered (the oldest go first): a few
 * dozen is the rule, and the bound keeps a text of huge sentences full of
 * entities linear. */
#define MEM_MAX_ENT 1024
#define MEM_TAB 2048             /* slots of the count table, >= 2 MEM_MAX_ENT */

/* One remembered entity: ntok tokens, token k's bytes at text + off[k]
 * (off[ntok] is the end), its type, the sentence it was found in. */
struct mem_ent {
    uint64_t sent;
    uint64_t h0;                 /* hash of its first token */
    uint64_t hs;                 /* hash of all its tokens and its type */
    uint32_t count;              /* entities of the same tokens and type (mem_count) */
    uint32_t type;
    uint32_t ntok;
    size_t *off;                 /* [ntok + 1] */
    char *text;
};

struct crftag_memory {
    size_t window;
    unsigned flags;              /* CRFTAG_MEMORY_ABBREV */
    size_t L;
    uint32_t *type_of;           /* [L] the type of a B-/I- label, MEM_NONE: O, other */
    unsigned char *is_begin;     /* [L] 1: B-, 0: I- (or none) */
    uint32_t ntypes;
    uint32_t *b_id, *i_id;       /* [ntypes] the labels B-T, I-T (MEM_NONE: absent) */
    uint64_t cur;                /* sentences seen */
    struct mem_ent *ent;         /* [nent], in the order found (oldest first) */
    size_t nent, ent_cap;
    uint64_t filt[MEM_FILT_BITS / 64];   /* the first tokens' hashes, as bits */
    struct {                     /* mem_count's table: (hs) -> count, valid when */
        uint64_t hs;             /* gen is the memory's                          */
        uint32_t count, gen;
    } tab[MEM_TAB];
    uint32_t gen;
    /* a sentence's scratch */
    uint64_t *th;
    size_t th_cap;
    size_t *lens;                /* tokens' lengths when the caller gave none */
    size_t lens_cap;
    uint32_t *span;              /* [3 * spans]: start, end, type of its own entities */
    size_t span_cap;
};

static const uint64_t mem_seed = 0x6d656d6f72790a01ULL;

static void ent_free(struct mem_ent *e)
{
    free(e->off);
    free(e->text);
}

void crftag_memory_clear(struct crftag_memory *mem)
{
    if (!mem)
        return;
    for (size_t k = 0; k < mem->nent; k++)
        ent_free(&mem->ent[k]);
    mem->nent = 0;
    mem->cur = 0;
}

void crftag_memory_free(struct crftag_memory *mem)
{
    if (!mem)
        return;
    crftag_memory_clear(mem);
    free(mem->ent);
    free(mem->type_of);
    free(mem->is_begin);
    free(mem->b_id);
    free(mem->i_id);
    free(mem->th);
    free(mem->lens);
    free(mem->span);
    free(mem);
}

enum crftag_status crftag_memory_new(const struct crftag_model *m, size_t window,
                                     unsigned flags, struct crftag_memory **out)
{
    if (!out)
        return CRFTAG_ERR_INVALID;
    *out = NULL;
    if (!m || m->labels.n == 0 || (flags & ~CRFTAG_MEMORY_ABBREV))
        return CRFTAG_ERR_INVALID;
    struct crftag_memory *mem = calloc(1, sizeof *mem);
    if (!mem)
        return CRFTAG_ERR_NOMEM;
    const struct labels *lb = &m->labels;
    size_t L = lb->n;
    mem->window = window;
    mem->flags = flags;
    mem->L = L;
    mem->type_of = util_malloc(L, sizeof *mem->type_of);
    mem->is_begin = calloc(L, 1);
    mem->b_id = util_malloc(L, sizeof *mem->b_id);
    mem->i_id = util_malloc(L, sizeof *mem->i_id);
    if (!mem->type_of || !mem->is_begin || !mem->b_id || !mem->i_id) {
        crftag_memory_free(mem);
        return CRFTAG_ERR_NOMEM;
    }
    /* only IOB2 label sets have entities to remember: B-T and I-T; a model
     * of plain tags (or with E-/S- labels) gets a memory that does nothing */
    int bio = !labels_plain((const char *const *)lb->names, L);
    for (size_t l = 0; l < L; l++) {
        const char *tg, *ty;
        size_t tl, yl;
        mem->type_of[l] = MEM_NONE;
        if (!labels_is_chunk(lb->names[l]))
            continue;
        labels_split(lb->names[l], &tg, &tl, &ty, &yl);
        if (tg[0] != 'B' && tg[0] != 'I')
            bio = 0;
    }
    /* a type per B-T label, with its I-T when the model has one; then an
     * I-T without B-T (it can only continue: nothing is added for it) */
    for (int pass = 0; bio && pass < 2; pass++) {
        for (size_t l = 0; l < L; l++) {
            const char *tg, *ty;
            size_t tl, yl;
            if (mem->type_of[l] != MEM_NONE || !labels_is_chunk(lb->names[l]))
                continue;
            labels_split(lb->names[l], &tg, &tl, &ty, &yl);
            if (tg[0] != (pass == 0 ? 'B' : 'I'))
                continue;
            uint32_t t = mem->ntypes++;
            mem->type_of[l] = t;
            mem->is_begin[l] = pass == 0;
            mem->b_id[t] = pass == 0 ? (uint32_t)l : MEM_NONE;
            mem->i_id[t] = pass == 0 ? MEM_NONE : (uint32_t)l;
            if (pass == 1)
                continue;
            char *in = malloc(yl + 3);
            if (!in) {
                crftag_memory_free(mem);
                return CRFTAG_ERR_NOMEM;
            }
            memcpy(in, "I-", 2);
            memcpy(in + 2, ty, yl);
            in[yl + 2] = '\0';
            long il = labels_find(lb, in);
            free(in);
            if (il >= 0) {
                mem->i_id[t] = (uint32_t)il;
                mem->type_of[il] = t;
            }
        }
    }
    if (!bio)
        mem->window = 0;
    *out = mem;
    return CRFTAG_OK;
}

/* 1 when tok[0..len) is the one byte c. */
static int mem_is(const char *tok, size_t len, char c)
{
    return len == 1 && tok[0] == c;
}

/* 1 when tok[0..len) can be an abbreviation: 2 to 10 bytes, an ASCII
 * upper-case letter among them ("NTG", "5-HT", "mRNA", "IL-2"). */
static int mem_abbrev(const char *tok, size_t len)
{
    if (len < 2 || len > 10)
        return 0;
    for (size_t k = 0; k < len; k++)
        if (tok[k] >= 'A' && tok[k] <= 'Z')
            return 1;
    return 0;
}

/* 1 when entity e's tokens are tok[i .. i + e->ntok) (i + ntok <= n). */
static int ent_matches(const struct mem_ent *e, const char *const *tok, const size_t *len,
                       size_t i)
{
    for (uint32_t k = 0; k < e->ntok; k++) {
        size_t l = e->off[k + 1] - e->off[k];
        if (len[i + k] != l || memcmp(tok[i + k], e->text + e->off[k], l) != 0)
            return 0;
    }
    return 1;
}

/* Sets each remembered entity's count: how many share its tokens and type
 * (their hs; a hash collision only merges two counts). */
static void mem_count(struct crftag_memory *mem)
{
    if (++mem->gen == 0) {       /* wrapped: every slot is stale */
        memset(mem->tab, 0, sizeof mem->tab);
        mem->gen = 1;
    }
    for (int pass = 0; pass < 2; pass++) {
        for (size_t k = 0; k < mem->nent; k++) {
            uint64_t hs = mem->ent[k].hs;
            size_t s = (size_t)(hs >> 40) & (MEM_TAB - 1);
            while (mem->tab[s].gen == mem->gen && mem->tab[s].hs != hs)
                s = (s + 1) & (MEM_TAB - 1);
            if (pass == 0) {
                if (mem->tab[s].gen != mem->gen) {
                    mem->tab[s].gen = mem->gen;
                    mem->tab[s].hs = hs;
                    mem->tab[s].count = 0;
                }
                mem->tab[s].count++;
            } else {
                mem->ent[k].count = mem->tab[s].count;
            }
        }
    }
}

/* Remembers tokens [a, b) of the sentence as an entity of type t. */
static int mem_add(struct crftag_memory *mem, const char *const *tok, const size_t *len,
                   size_t a, size_t b, uint32_t t, uint64_t h0)
{
    if (UTIL_GROW(mem->ent, mem->ent_cap, mem->nent + 1))
        return -1;
    struct mem_ent *e = &mem->ent[mem->nent];
    size_t bytes = 0;
    for (size_t i = a; i < b; i++)
        bytes += len[i];
    e->off = util_malloc(b - a + 1, sizeof *e->off);
    e->text = malloc(bytes ? bytes : 1);
    if (!e->off || !e->text) {
        free(e->off);
        free(e->text);
        return -1;
    }
    e->off[0] = 0;
    for (size_t i = a; i < b; i++) {
        memcpy(e->text + e->off[i - a], tok[i], len[i]);
        e->off[i - a + 1] = e->off[i - a] + len[i];
    }
    e->ntok = (uint32_t)(b - a);
    e->type = t;
    e->sent = mem->cur;
    e->h0 = h0;
    e->hs = hash_end(hash_bytes(mem_seed ^ t, e->text, e->off[e->ntok]) ^ e->ntok);
    for (uint32_t k = 1; k < e->ntok; k++)  /* the token boundaries */
        e->hs = hash_end(e->hs ^ e->off[k]);
    e->count = 1;
    mem->nent++;
    return 0;
}

enum crftag_status crftag_memory_apply(struct crftag_memory *mem, const char *const *tok,
                                       const size_t *len, size_t n, uint32_t *ids,
                                       size_t *out_changed)
{
    if (out_changed)
        *out_changed = 0;
    if (!mem || (n > 0 && (!tok || !ids)) || n >= UINT32_MAX)   /* spans: 32 bits */
        return CRFTAG_ERR_INVALID;
    for (size_t i = 0; i < n; i++)
        if (!tok[i] || ids[i] >= mem->L)
            return CRFTAG_ERR_INVALID;
    if (mem->window == 0 || n == 0)
        return CRFTAG_OK;
    if (!len) {                  /* NUL-terminated tokens */
        if (UTIL_GROW(mem->lens, mem->lens_cap, n))
            return CRFTAG_ERR_NOMEM;
        for (size_t i = 0; i < n; i++)
            mem->lens[i] = strlen(tok[i]);
        len = mem->lens;
    }
    if (UTIL_GROW(mem->th, mem->th_cap, n) || UTIL_GROW(mem->span, mem->span_cap, 3 * n))
        return CRFTAG_ERR_NOMEM;
    /* the sentence's own entities, before anything is added (an I-T that
     * does not continue a T starts one, as conlleval reads it) */
    size_t nspan = 0;
    for (size_t i = 0; i < n;) {
        uint32_t t = mem->type_of[ids[i]];
        if (t == MEM_NONE) {
            i++;
            continue;
        }
        size_t j = i + 1;
        while (j < n && !mem->is_begin[ids[j]] && mem->type_of[ids[j]] == t)
            j++;
        mem->span[3 * nspan] = (uint32_t)i;
        mem->span[3 * nspan + 1] = (uint32_t)j;
        mem->span[3 * nspan + 2] = t;
        nspan++;
        i = j;
    }
    /* abbreviations defined right after an entity: "X ( A )" with X found,
     * A left O, 2 to 10 bytes with an upper-case letter: A is an X too */
    size_t nown = nspan;
    for (size_t s = 0; (mem->flags & CRFTAG_MEMORY_ABBREV) && s < nown; s++) {
        size_t p = mem->span[3 * s + 1];
        uint32_t t = mem->span[3 * s + 2];
        if (p + 2 >= n || mem->b_id[t] == MEM_NONE || !mem_is(tok[p], len[p], '(') ||
            !mem_is(tok[p + 2], len[p + 2], ')') || mem->type_of[ids[p + 1]] != MEM_NONE ||
            !mem_abbrev(tok[p + 1], len[p + 1]))
            continue;
        mem->span[3 * nspan] = (uint32_t)(p + 1);
        mem->span[3 * nspan + 1] = (uint32_t)(p + 2);
        mem->span[3 * nspan + 2] = t;
        nspan++;
    }
    /* forget the entities of the sentences before the last `window` */
    size_t drop = 0;
    while (drop < mem->nent && mem->ent[drop].sent + mem->window < mem->cur)
        ent_free(&mem->ent[drop++]);
    if (drop) {
        memmove(mem->ent, mem->ent + drop, (mem->nent - drop) * sizeof *mem->ent);
        mem->nent -= drop;
    }
    for (size_t i = 0; i < n; i++)
        mem->th[i] = hash_end(hash_bytes(mem_seed, tok[i], len[i]));
    /* remember the sentence's own entities (its other mentions count too),
     * all or none */
    size_t old = mem->nent;
    for (size_t s = 0; s < nspan; s++) {
        size_t a = mem->span[3 * s], b = mem->span[3 * s + 1];
        if (mem_add(mem, tok, len, a, b, mem->span[3 * s + 2], mem->th[a])) {
            while (mem->nent > old)
                ent_free(&mem->ent[--mem->nent]);
            return CRFTAG_ERR_NOMEM;
        }
    }
    if (mem->nent > MEM_MAX_ENT) {               /* the oldest go */
        size_t over = mem->nent - MEM_MAX_ENT;
        for (size_t k = 0; k < over; k++)
            ent_free(&mem->ent[k]);
        memmove(mem->ent, mem->ent + over, MEM_MAX_ENT * sizeof *mem->ent);
        mem->nent = MEM_MAX_ENT;
    }
    int counted = 0;
    size_t changed = 0;
    for (size_t s = nown; s < nspan; s++) {          /* the abbreviations */
        ids[mem->span[3 * s]] = mem->b_id[mem->span[3 * s + 2]];
        changed++;
    }
    /* a bit per remembered first token: most tokens are no entity's */
    memset(mem->filt, 0, sizeof mem->filt);
    for (size_t k = 0; k < mem->nent; k++)
        MEM_FILT_SET(mem->filt, mem->ent[k].h0);
    size_t free_to = 0;
    for (size_t i = 0; i < n && mem->nent > 0;) {
        if (mem->type_of[ids[i]] != MEM_NONE) {
            i++;
            continue;
        }
        if (!MEM_FILT_HAS(mem->filt, mem->th[i])) {
            i++;
            continue;
        }
        /* the tokens left O from i on: [i, free_to) */
        if (free_to <= i) {
            free_to = i;
            while (free_to < n && mem->type_of[ids[free_to]] == MEM_NONE)
                free_to++;
        }
        /* the longest remembered entity there; its type by count, then
         * the most recent */
        uint32_t best_len = 0, best_type = MEM_NONE;
        uint64_t best_sent = 0, best_hs = 0;
        size_t best_count = 0;
        for (size_t k = mem->nent; k-- > 0;) {
            const struct mem_ent *e = &mem->ent[k];
            if (e->h0 != mem->th[i] || e->ntok < best_len || i + e->ntok > free_to ||
                (e->ntok == best_len && e->hs == best_hs))   /* a newer copy was it */
                continue;
            if (mem->b_id[e->type] == MEM_NONE ||
                (e->ntok > 1 && mem->i_id[e->type] == MEM_NONE))
                continue;
            if (!ent_matches(e, tok, len, i))
                continue;
            if (!counted) {          /* once a sentence, at its first match */
                mem_count(mem);
                counted = 1;
            }
            size_t count = e->count;
            if (e->ntok > best_len || count > best_count ||
                (count == best_count && e->sent > best_sent)) {
                best_len = e->ntok;
                best_type = e->type;
                best_count = count;
                best_sent = e->sent;
                best_hs = e->hs;
            }
        }
        if (best_len == 0) {
            i++;
            continue;
        }
        ids[i] = mem->b_id[best_type];
        for (uint32_t k = 1; k < best_len; k++)
            ids[i + k] = mem->i_id[best_type];
        changed += best_len;
        i += best_len;
    }
    mem->cur++;
    if (out_changed)
        *out_changed = changed;
    return CRFTAG_OK;
}

size_t crftag_model_memory(const struct crftag_model *m)
{
    return m ? m->mem.window : 0;
}

unsigned crftag_model_memory_flags(const struct crftag_model *m)
{
    return m ? m->mem.flags : 0;
}

int crftag_model_memory_scores(const struct crftag_model *m, double *out_without,
                               double *out_with, double *out_with_abbrev)
{
    if (!m || !m->mem.scored)
        return 0;
    if (out_without)
        *out_without = m->mem.f1[0];
    if (out_with)
        *out_with = m->mem.f1[1];
    if (out_with_abbrev)
        *out_with_abbrev = m->mem.f1[2];
    return 1;
}
