/*
 * clusters.c - distributional word clusters (core layer).
 *
 * The cluster table (clusters.h) and its file format, and the learner.
 *
 * Learning (cl_learn)
 * -------------------
 * 1. Vocabulary: the words seen at least min_count times (at most max_words
 *    of the most frequent), in order of decreasing count (ties: first seen
 *    first).  Two pseudo-words complete it: RARE stands for every other
 *    token, EOS for the boundary between sentences.  W = V + 2 words.
 * 2. Bigram counts n(u, w) of adjacent words (EOS before each sentence and
 *    after the last), as successor and predecessor lists per word.
 * 3. Exchange algorithm (Kneser and Ney 1993; Martin, Liermann and Ney
 *    1998): every word w has a class c(w) of C.  With N(c, d) the number of
 *    bigrams whose left word is in class c and right word in class d, and
 *    Nl(c), Nr(c) its row and column sums, the log-likelihood of the class
 *    bigram model P(w_i | w_i-1) = P(c_i | c_i-1) P(w_i | c_i) is, up to a
 *    term that no clustering changes,
 *
 *        Q = sum_cd f(N(c,d)) - sum_c f(Nl(c)) - sum_c f(Nr(c)),  f(x) = x ln x
 *
 *    (Q / T + ln T is the average mutual information of adjacent classes,
 *    T bigrams).  A pass takes the words in vocabulary order; each word is
 *    taken out of its class and put in the class where Q grows most (its
 *    own class on ties).  The change of Q for a candidate class only
 *    involves the classes of the word's neighbours, so a pass costs
 *    O(C x sum over words of their distinct neighbour classes).  Passes stop
 *    after max_iter, or when fewer than 0.1 % of the words moved.
 *    Initial classes: word of rank r in class r mod C.
 * 4. Tree: the non-empty classes are merged two at a time, always the pair
 *    whose merge loses the least Q (Brown et al. 1992; the losses of all
 *    pairs are kept in a table and corrected in O(1) per pair after each
 *    merge, as in Brown's algorithm), until one is left.  The first cluster
 *    of a merged pair (lower index) is the '0' branch, the other the '1'
 *    branch; a class's path is the string of branches from the root to it
 *    (at most CL_MAXPATH digits: deeper classes share the path of their
 *    ancestor at that depth), "0" when there is only one class.
 * 5. Table: the V vocabulary words (pseudo-words left out) with the path of
 *    their class, in path order, then by decreasing count.
 *
 * Everything is deterministic: the same text and parameters give the same
 * table, on any machine (floating-point ties are broken by index).  The
 * learner, like the table, tells words apart by a 64-bit hash of their bytes.
 *
 * File format (cl_read / cl_write): one word a line, fields split on TAB:
 * "WORD<TAB>PATH[<TAB>COUNT]"; Liang's wcluster "paths" order
 * "PATH<TAB>WORD<TAB>COUNT" is recognised on the first line (its first
 * field made of 0/1, its second not all digits) and then required of every
 * line.  PATH: 1..64 decimal digits.  COUNT: a decimal integer.
 */
#include "clusters.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "corpus.h"
#include "error.h"
#include "io.h"
#include "tokenize.h"
#include "util.h"

#define CL_SEED UINT64_C(0x636c757374657273)   /* "clusters" */
#define CL_EOS_MARK UINT32_MAX                 /* sentence end in the stream */
#define CL_FTAB 65536                          /* f(x) tabulated below this */
#define CL_PARA_MAX ((size_t)1 << 20)          /* raw text tokenized in blocks */

/* ------------------------------------------------------------------------ */
/* The table                                                                */
/* ------------------------------------------------------------------------ */

static uint64_t cl_hash(const char *w, size_t len, int fold)
{
    const unsigned char *p = (const unsigned char *)w;
    uint64_t h = hash_begin(CL_SEED);
    for (size_t i = 0; i < len; i++) {
        unsigned char b = p[i];
        if (fold && b >= 'A' && b <= 'Z')
            b = (unsigned char)(b + ('a' - 'A'));
        h = hash_byte(h, b);
    }
    return hash_end(h);
}

struct crftag_clusters *cl_new(void)
{
    return util_calloc(1, sizeof(struct crftag_clusters));
}

void cl_free(struct crftag_clusters *c)
{
    if (!c)
        return;
    free(c->word_off);
    free(c->word_path);
    free(c->word_count);
    free(c->text);
    free(c->path_off);
    free(c->ptext);
    htab_free(&c->index);
    htab_free(&c->pindex);
    free(c);
}

static int cl_is_bits(const char *s, size_t n)
{
    if (n == 0)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (s[i] != '0' && s[i] != '1')
            return 0;
    return 1;
}

static int cl_is_digits(const char *s, size_t n)
{
    if (n == 0)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return 0;
    return 1;
}

static int cl_word_ok(const char *w, size_t len)
{
    if (len == 0 || len > CL_MAXWORD)
        return 0;
    for (size_t i = 0; i < len; i++)
        if (w[i] == '\0' || w[i] == '\t' || w[i] == '\n' || w[i] == '\r')
            return 0;
    return 1;
}

/* Index of path[0..plen) (validated), added when new; -1 when out of memory. */
static long cl_path_id(struct crftag_clusters *c, const char *path, size_t plen)
{
    uint64_t h = cl_hash(path, plen, 0);
    uint32_t p = htab_get(&c->pindex, h);
    if (p != HTAB_NONE)
        return (long)p;
    void *q = c->ptext;
    if (util_grow(&q, &c->ptext_cap, c->ptext_len + plen + 1, 1))
        return -1;
    c->ptext = q;
    q = c->path_off;
    if (util_grow(&q, &c->paths_cap, c->npaths + 1, sizeof *c->path_off))
        return -1;
    c->path_off = q;
    if (!htab_put(&c->pindex, h, (uint32_t)c->npaths, NULL))
        return -1;
    c->path_off[c->npaths] = c->ptext_len;
    memcpy(c->ptext + c->ptext_len, path, plen);
    c->ptext[c->ptext_len + plen] = '\0';
    c->ptext_len += plen + 1;
    if (!cl_is_bits(path, plen))
        c->flat = 1;
    return (long)c->npaths++;
}

enum crftag_status cl_add_path(struct crftag_clusters *c, const char *path, size_t plen,
                               uint32_t *id)
{
    if (plen > CL_MAXPATH || !cl_is_digits(path, plen) ||
        htab_get(&c->pindex, cl_hash(path, plen, 0)) != HTAB_NONE)
        return CRFTAG_ERR_INVALID;
    long p = cl_path_id(c, path, plen);
    if (p < 0)
        return CRFTAG_ERR_NOMEM;
    *id = (uint32_t)p;
    return CRFTAG_OK;
}

enum crftag_status cl_add_word(struct crftag_clusters *c, const char *w, size_t wlen,
                               uint32_t p, uint64_t count)
{
    if (!cl_word_ok(w, wlen) || p >= c->npaths)
        return CRFTAG_ERR_INVALID;
    if (c->nwords >= UINT32_MAX - 1)
        return CRFTAG_ERR_NOMEM;
    uint64_t h = cl_hash(w, wlen, 0);
    if (htab_get(&c->index, h) != HTAB_NONE)
        return CRFTAG_ERR_INVALID;
    size_t n = c->nwords;
    void *q = c->text;
    if (util_grow(&q, &c->text_cap, c->text_len + wlen + 1, 1))
        return CRFTAG_ERR_NOMEM;
    c->text = q;
    size_t cap = c->words_cap;
    q = c->word_off;
    if (util_grow(&q, &cap, n + 1, sizeof *c->word_off))
        return CRFTAG_ERR_NOMEM;
    c->word_off = q;
    cap = c->words_cap;
    q = c->word_path;
    if (util_grow(&q, &cap, n + 1, sizeof *c->word_path))
        return CRFTAG_ERR_NOMEM;
    c->word_path = q;
    cap = c->words_cap;
    q = c->word_count;
    if (util_grow(&q, &cap, n + 1, sizeof *c->word_count))
        return CRFTAG_ERR_NOMEM;
    c->word_count = q;
    c->words_cap = cap;
    if (!htab_put(&c->index, h, (uint32_t)n, NULL))
        return CRFTAG_ERR_NOMEM;
    c->word_off[n] = c->text_len;
    memcpy(c->text + c->text_len, w, wlen);
    c->text[c->text_len + wlen] = '\0';
    c->text_len += wlen + 1;
    c->word_path[n] = p;
    c->word_count[n] = count;
    c->nwords++;
    return CRFTAG_OK;
}

enum crftag_status cl_add(struct crftag_clusters *c, const char *w, size_t wlen, const char *path,
                          size_t plen, uint64_t count)
{
    if (!cl_word_ok(w, wlen) || plen > CL_MAXPATH || !cl_is_digits(path, plen))
        return CRFTAG_ERR_INVALID;
    if (htab_get(&c->index, cl_hash(w, wlen, 0)) != HTAB_NONE)
        return CRFTAG_ERR_INVALID;
    long p = cl_path_id(c, path, plen);
    if (p < 0)
        return CRFTAG_ERR_NOMEM;
    return cl_add_word(c, w, wlen, (uint32_t)p, count);
}

uint32_t cl_lookup(const struct crftag_clusters *c, const char *w, size_t len)
{
    if (!c || c->nwords == 0)
        return CL_NONE;
    uint32_t v = htab_get(&c->index, cl_hash(w, len, 0));
    if (v != HTAB_NONE)
        return c->word_path[v];
    for (size_t i = 0; i < len; i++) {
        if (w[i] >= 'A' && w[i] <= 'Z') {
            v = htab_get(&c->index, cl_hash(w, len, 1));
            return v != HTAB_NONE ? c->word_path[v] : CL_NONE;
        }
    }
    return CL_NONE;
}

/* ------------------------------------------------------------------------ */
/* Cluster files                                                            */
/* ------------------------------------------------------------------------ */

static int cl_parse_count(const char *s, size_t n, uint64_t *out)
{
    if (!cl_is_digits(s, n))
        return -1;
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned d = (unsigned)(s[i] - '0');
        if (v > (UINT64_MAX - d) / 10)
            return -1;
        v = v * 10 + d;
    }
    *out = v;
    return 0;
}

/* Shows at most 40 bytes of s[0..n) in messages. */
#define CL_SHOW(s, n) ((n) > 40 ? 40 : (int)(n)), (s), ((n) > 40 ? "..." : "")

static enum crftag_status cl_read_line(struct crftag_clusters *c, const char *name, long ln,
                                       const char *line, size_t len, int *order,
                                       struct crftag_error *err)
{
    const char *f[3];
    size_t fl[3];
    int nf = 0;
    size_t start = 0;
    if (memchr(line, '\0', len))
        return err_set(err, CRFTAG_ERR_PARSE, name, ln, "NUL byte in the line");
    for (size_t i = 0; i <= len; i++) {
        if (i == len || line[i] == '\t') {
            if (nf == 3)
                return err_set(err, CRFTAG_ERR_PARSE, name, ln,
                               "more than 3 TAB-separated fields (expected "
                               "WORD<TAB>CLUSTER[<TAB>COUNT])");
            f[nf] = line + start;
            fl[nf] = i - start;
            nf++;
            start = i + 1;
        }
    }
    if (nf < 2)
        return err_set(err, CRFTAG_ERR_PARSE, name, ln,
                       "no TAB in the line (expected WORD<TAB>CLUSTER[<TAB>COUNT])");
    if (*order < 0)
        *order = cl_is_bits(f[0], fl[0]) && !cl_is_digits(f[1], fl[1]) ? 1 : 0;
    const char *w = f[*order ? 1 : 0], *p = f[*order ? 0 : 1];
    size_t wl = fl[*order ? 1 : 0], pl = fl[*order ? 0 : 1];
    if (wl == 0)
        return err_set(err, CRFTAG_ERR_PARSE, name, ln, "empty word");
    if (wl > CL_MAXWORD)
        return err_set(err, CRFTAG_ERR_PARSE, name, ln, "word longer than %d bytes",
                       CL_MAXWORD);
    if (!cl_is_digits(p, pl))
        return err_set(err, CRFTAG_ERR_PARSE, name, ln,
                       "cluster '%.*s%s' of '%.*s%s' is not a bit string or a number%s",
                       CL_SHOW(p, pl), CL_SHOW(w, wl),
                       *order ? " (the file has PATH<TAB>WORD<TAB>COUNT lines, as its first "
                                "line)" : "");
    if (pl > CL_MAXPATH)
        return err_set(err, CRFTAG_ERR_PARSE, name, ln, "cluster of '%.*s%s' has %zu digits "
                       "(at most %d)", CL_SHOW(w, wl), pl, CL_MAXPATH);
    uint64_t count = 0;
    if (nf == 3 && cl_parse_count(f[2], fl[2], &count))
        return err_set(err, CRFTAG_ERR_PARSE, name, ln, "count '%.*s%s' is not a number",
                       CL_SHOW(f[2], fl[2]));
    enum crftag_status st = cl_add(c, w, wl, p, pl, count);
    if (st == CRFTAG_ERR_NOMEM)
        return err_set(err, st, name, ln, "out of memory");
    if (st != CRFTAG_OK)
        return err_set(err, CRFTAG_ERR_PARSE, name, ln, "word '%.*s%s' is listed twice",
                       CL_SHOW(w, wl));
    return CRFTAG_OK;
}

enum crftag_status cl_read(const char *path, struct crftag_clusters **out,
                           struct crftag_error *err)
{
    *out = NULL;
    struct io_reader *r;
    enum crftag_status st = io_open(path, &r, err);
    if (st != CRFTAG_OK)
        return st;
    struct crftag_clusters *c = cl_new();
    if (!c) {
        io_close(r);
        return err_set(err, CRFTAG_ERR_NOMEM, path, 0, "out of memory");
    }
    int order = -1, rc;
    char *line;
    size_t len;
    while (st == CRFTAG_OK && (rc = io_getline(r, &line, &len, err)) != 0) {
        if (rc < 0) {
            st = (enum crftag_status)rc;
            break;
        }
        size_t k = 0;
        while (k < len && line[k] == ' ')
            k++;
        if (k == len)
            continue;            /* blank line */
        st = cl_read_line(c, io_path(r), io_lineno(r), line, len, &order, err);
    }
    if (st == CRFTAG_OK && c->nwords == 0)
        st = err_set(err, CRFTAG_ERR_PARSE, io_path(r), 0, "no word in the cluster file");
    io_close(r);
    if (st != CRFTAG_OK) {
        cl_free(c);
        return st;
    }
    *out = c;
    return CRFTAG_OK;
}

enum crftag_status cl_write(const struct crftag_clusters *c, const char *path,
                            struct crftag_error *err)
{
    struct io_atomic *a;
    enum crftag_status st = io_atomic_open(path, &a, err);
    if (st != CRFTAG_OK)
        return st;
    size_t cap = 1 << 16, n = 0;
    char *buf = util_malloc(cap, 1);
    if (!buf) {
        io_atomic_abort(a);
        return err_set(err, CRFTAG_ERR_NOMEM, path, 0, "out of memory");
    }
    for (size_t w = 0; w < c->nwords && st == CRFTAG_OK; w++) {
        const char *word = cl_word(c, w), *p = cl_path(c, c->word_path[w]);
        size_t need = strlen(word) + strlen(p) + 24;
        if (n + need > cap) {
            st = io_atomic_write(a, buf, n, err);
            n = 0;
        }
        if (st == CRFTAG_OK)
            n += (size_t)snprintf(buf + n, cap - n, "%s\t%s\t%llu\n", word, p,
                                  (unsigned long long)c->word_count[w]);
    }
    if (st == CRFTAG_OK && n)
        st = io_atomic_write(a, buf, n, err);
    free(buf);
    if (st != CRFTAG_OK) {
        io_atomic_abort(a);
        return st;
    }
    return io_atomic_commit(a, err);
}

/* ------------------------------------------------------------------------ */
/* The text to learn from                                                   */
/* ------------------------------------------------------------------------ */

struct crftag_clusterer {
    struct htab index;           /* word hash -> id */
    char *text;                  /* words, NUL-terminated */
    size_t text_len, text_cap;
    size_t *off;                 /* [nw] */
    uint64_t *count;             /* [nw] */
    size_t nw, w_cap;
    uint32_t *stream;            /* word ids, CL_EOS_MARK after each sentence */
    size_t ns, s_cap;
    size_t nsent, ntok;
    struct crftag_token *toks;   /* scratch of add_text */
    size_t toks_cap;
};

struct crftag_clusterer *cl_learner_new(void)
{
    return util_calloc(1, sizeof(struct crftag_clusterer));
}

void cl_learner_free(struct crftag_clusterer *L)
{
    if (!L)
        return;
    htab_free(&L->index);
    free(L->text);
    free(L->off);
    free(L->count);
    free(L->stream);
    free(L->toks);
    free(L);
}

static long cl_word_id(struct crftag_clusterer *L, const char *w, size_t len)
{
    uint64_t h = cl_hash(w, len, 0);
    uint32_t v = htab_get(&L->index, h);
    if (v != HTAB_NONE) {
        L->count[v]++;
        return (long)v;
    }
    if (L->nw >= UINT32_MAX - 2)
        return -1;
    void *q = L->text;
    if (util_grow(&q, &L->text_cap, L->text_len + len + 1, 1))
        return -1;
    L->text = q;
    size_t cap = L->w_cap;
    q = L->off;
    if (util_grow(&q, &cap, L->nw + 1, sizeof *L->off))
        return -1;
    L->off = q;
    cap = L->w_cap;
    q = L->count;
    if (util_grow(&q, &cap, L->nw + 1, sizeof *L->count))
        return -1;
    L->count = q;
    L->w_cap = cap;
    if (!htab_put(&L->index, h, (uint32_t)L->nw, NULL))
        return -1;
    L->off[L->nw] = L->text_len;
    memcpy(L->text + L->text_len, w, len);
    L->text[L->text_len + len] = '\0';
    L->text_len += len + 1;
    L->count[L->nw] = 1;
    return (long)L->nw++;
}

enum crftag_status cl_learner_add(struct crftag_clusterer *L, const char *const *tok,
                                  const size_t *len, size_t n)
{
    size_t before = L->ns;
    void *q = L->stream;
    if (n >= SIZE_MAX - L->ns - 1 || util_grow(&q, &L->s_cap, L->ns + n + 1, sizeof *L->stream))
        return CRFTAG_ERR_NOMEM;
    L->stream = q;
    for (size_t i = 0; i < n; i++) {
        size_t l = len ? len[i] : strlen(tok[i]);
        if (l == 0)
            continue;
        long id = cl_word_id(L, tok[i], l);
        if (id < 0) {
            L->ns = before;      /* counts of the words before stay: harmless */
            return CRFTAG_ERR_NOMEM;
        }
        L->stream[L->ns++] = (uint32_t)id;
    }
    if (L->ns > before) {
        L->ntok += L->ns - before;
        L->stream[L->ns++] = CL_EOS_MARK;
        L->nsent++;
    }
    return CRFTAG_OK;
}

void cl_learner_size(const struct crftag_clusterer *L, size_t *sentences, size_t *tokens,
                     size_t *types)
{
    if (sentences)
        *sentences = L ? L->nsent : 0;
    if (tokens)
        *tokens = L ? L->ntok : 0;
    if (types)
        *types = L ? L->nw : 0;
}

/* ------------------------------------------------------------------------ */
/* Learning                                                                 */
/* ------------------------------------------------------------------------ */

struct cl_ctx {
    const struct crftag_cluster_params *p;
    double t0;
    size_t W, V;                 /* words with the two pseudo-words, real words */
    uint32_t *vid;               /* [V] learner id of vocabulary word v */
    /* bigrams without self-pairs, by left word (succ) and right word (pred) */
    size_t *succ_start, *pred_start;  /* [W + 1] */
    uint32_t *succ_w, *pred_w;
    uint64_t *succ_n, *pred_n;
    uint64_t *self;              /* [W] n(w, w) */
    uint64_t *nl, *nr;           /* [W] bigrams with w left / right */
    uint64_t total;              /* bigrams */
    double *ftab;                /* [CL_FTAB] f(x) */
    /* exchange */
    size_t C;
    uint32_t *cls;               /* [W] */
    int64_t *N, *NT;             /* [C*C] N[c*C + d], NT[d*C + c] */
    int64_t *Nl, *Nr;            /* [C] */
};

static inline double cl_f(const struct cl_ctx *x, int64_t v)
{
    if (v < CL_FTAB)
        return x->ftab[v];
    double d = (double)v;
    return d * log(d);
}

/* f(a + b) - f(a) - f(b): 0 when a or b is 0 */
static inline double cl_g(const struct cl_ctx *x, int64_t a, int64_t b)
{
    if (a == 0 || b == 0)
        return 0.0;
    return cl_f(x, a + b) - cl_f(x, a) - cl_f(x, b);
}

static void cl_ctx_free(struct cl_ctx *x)
{
    free(x->vid);
    free(x->succ_start);
    free(x->pred_start);
    free(x->succ_w);
    free(x->pred_w);
    free(x->succ_n);
    free(x->pred_n);
    free(x->self);
    free(x->nl);
    free(x->nr);
    free(x->ftab);
    free(x->cls);
    free(x->N);
    free(x->NT);
    free(x->Nl);
    free(x->Nr);
}

struct cl_rank {
    uint64_t count;
    uint32_t id;
};

static int cl_rank_cmp(const void *a, const void *b)
{
    const struct cl_rank *x = a, *y = b;
    if (x->count != y->count)
        return x->count > y->count ? -1 : 1;
    return x->id < y->id ? -1 : x->id > y->id;
}

/* Step 1: the vocabulary; map[id] = its word (or RARE). */
static enum crftag_status cl_vocab(const struct crftag_clusterer *L, struct cl_ctx *x,
                                   uint32_t **map_out, struct crftag_error *err)
{
    const struct crftag_cluster_params *p = x->p;
    struct cl_rank *rk = util_malloc(L->nw, sizeof *rk);
    uint32_t *map = util_malloc(L->nw, sizeof *map);
    if (!rk || !map) {
        free(rk);
        free(map);
        return err_set(err, CRFTAG_ERR_NOMEM, NULL, 0, "out of memory (vocabulary)");
    }
    size_t nk = 0;
    for (size_t i = 0; i < L->nw; i++) {
        const char *w = L->text + L->off[i];
        if (L->count[i] >= p->min_count && cl_word_ok(w, strlen(w))) {
            rk[nk].count = L->count[i];
            rk[nk].id = (uint32_t)i;
            nk++;
        }
    }
    qsort(rk, nk, sizeof *rk, cl_rank_cmp);
    if (p->max_words && nk > p->max_words)
        nk = p->max_words;
    if (nk == 0) {
        free(rk);
        free(map);
        return err_set(err, CRFTAG_ERR_INVALID, NULL, 0,
                       "no word occurs %lu times or more in the text (%zu tokens)",
                       (unsigned long)p->min_count, L->ntok);
    }
    x->V = nk;
    x->W = nk + 2;
    x->vid = util_malloc(nk, sizeof *x->vid);
    if (!x->vid) {
        free(rk);
        free(map);
        return err_set(err, CRFTAG_ERR_NOMEM, NULL, 0, "out of memory (vocabulary)");
    }
    for (size_t i = 0; i < L->nw; i++)
        map[i] = (uint32_t)nk;   /* RARE */
    for (size_t v = 0; v < nk; v++) {
        x->vid[v] = rk[v].id;
        map[rk[v].id] = (uint32_t)v;
    }
    free(rk);
    *map_out = map;
    return CRFTAG_OK;
}

/* Fills start[W + 1], w[], n[] from pairs grouped by key (a or b). */
static int cl_csr(size_t W, size_t np, const uint32_t *key, const uint32_t *other,
                  const uint64_t *cnt, size_t **start, uint32_t **w, uint64_t **n)
{
    *start = util_calloc(W + 1, sizeof **start);
    *w = util_malloc(np, sizeof **w);
    *n = util_malloc(np, sizeof **n);
    if (!*start || !*w || !*n)
        return -1;
    size_t *s = *start;
    for (size_t k = 0; k < np; k++)
        s[key[k] + 1]++;
    for (size_t i = 0; i < W; i++)
        s[i + 1] += s[i];
    size_t *fill = util_malloc(W, sizeof *fill);
    if (!fill)
        return -1;
    memcpy(fill, s, W * sizeof *fill);
    for (size_t k = 0; k < np; k++) {
        size_t at = fill[key[k]]++;
        (*w)[at] = other[k];
        (*n)[at] = cnt[k];
    }
    free(fill);
    return 0;
}

/* Step 2: bigram counts. */
static enum crftag_status cl_bigrams(const struct crftag_clusterer *L, struct cl_ctx *x,
                                     const uint32_t *map, struct crftag_error *err)
{
    size_t W = x->W;
    uint32_t EOS = (uint32_t)(x->V + 1);
    struct htab pairs;
    memset(&pairs, 0, sizeof pairs);
    uint32_t *pa = NULL, *pb = NULL;
    uint64_t *pn = NULL;
    size_t np = 0, pcap = 0;
    enum crftag_status st = CRFTAG_OK;
    x->self = util_calloc(W, sizeof *x->self);
    x->nl = util_calloc(W, sizeof *x->nl);
    x->nr = util_calloc(W, sizeof *x->nr);
    if (!x->self || !x->nl || !x->nr || htab_init(&pairs, 1024))
        st = CRFTAG_ERR_NOMEM;
    uint32_t prev = EOS;
    for (size_t i = 0; i <= L->ns && st == CRFTAG_OK; i++) {
        uint32_t cur;
        if (i == L->ns) {
            if (prev == EOS)
                break;
            cur = EOS;
        } else {
            cur = L->stream[i] == CL_EOS_MARK ? EOS : map[L->stream[i]];
        }
        x->nl[prev]++;
        x->nr[cur]++;
        x->total++;
        if (cur == prev) {
            x->self[cur]++;
        } else {
            uint64_t key = (uint64_t)prev * W + cur + 1;
            int ins;
            uint32_t *slot = htab_put(&pairs, key, (uint32_t)np, &ins);
            if (!slot) {
                st = CRFTAG_ERR_NOMEM;
                break;
            }
            if (ins) {
                if (np == pcap) {
                    size_t c2 = pcap ? 2 * pcap : 4096;
                    void *q1 = util_realloc(pa, c2, sizeof *pa);
                    if (q1)
                        pa = q1;
                    void *q2 = util_realloc(pb, c2, sizeof *pb);
                    if (q2)
                        pb = q2;
                    void *q3 = util_realloc(pn, c2, sizeof *pn);
                    if (q3)
                        pn = q3;
                    if (!q1 || !q2 || !q3) {
                        st = CRFTAG_ERR_NOMEM;
                        break;
                    }
                    pcap = c2;
                }
                pa[np] = prev;
                pb[np] = cur;
                pn[np] = 0;
                np++;
            }
            pn[*slot]++;
        }
        prev = cur;
    }
    htab_free(&pairs);
    if (st == CRFTAG_OK &&
        (cl_csr(W, np, pa, pb, pn, &x->succ_start, &x->succ_w, &x->succ_n) ||
         cl_csr(W, np, pb, pa, pn, &x->pred_start, &x->pred_w, &x->pred_n)))
        st = CRFTAG_ERR_NOMEM;
    free(pa);
    free(pb);
    free(pn);
    if (st != CRFTAG_OK)
        return err_set(err, st, NULL, 0, "out of memory (bigram counts)");
    return CRFTAG_OK;
}

/* Q / T + ln T in bits. */
static double cl_ami(const struct cl_ctx *x)
{
    size_t C = x->C;
    double q = 0;
    for (size_t k = 0; k < C * C; k++)
        q += cl_f(x, x->N[k]);
    for (size_t c = 0; c < C; c++)
        q -= cl_f(x, x->Nl[c]) + cl_f(x, x->Nr[c]);
    double T = (double)x->total;
    return (q / T + log(T)) / log(2.0);
}

/* Adds sign * (the bigrams of word w, whose neighbour class counts are
 * sd / pd over the lists S / P) to class c. */
static void cl_move(struct cl_ctx *x, size_t w, size_t c, int64_t sign, const int64_t *sd,
                    const uint32_t *S, size_t nS, const int64_t *pd, const uint32_t *P,
                    size_t nP)
{
    size_t C = x->C;
    for (size_t k = 0; k < nS; k++) {
        x->N[c * C + S[k]] += sign * sd[S[k]];
        x->NT[S[k] * C + c] += sign * sd[S[k]];
    }
    for (size_t k = 0; k < nP; k++) {
        x->N[P[k] * C + c] += sign * pd[P[k]];
        x->NT[c * C + P[k]] += sign * pd[P[k]];
    }
    x->N[c * C + c] += sign * (int64_t)x->self[w];
    x->NT[c * C + c] += sign * (int64_t)x->self[w];
    x->Nl[c] += sign * (int64_t)x->nl[w];
    x->Nr[c] += sign * (int64_t)x->nr[w];
}

/* Step 3: the exchange algorithm. */
static enum crftag_status cl_exchange(struct cl_ctx *x, struct crftag_error *err)
{
    size_t W = x->W, C = x->C;
    x->cls = util_malloc(W, sizeof *x->cls);
    x->N = util_calloc(C * C, sizeof *x->N);
    x->NT = util_calloc(C * C, sizeof *x->NT);
    x->Nl = util_calloc(C, sizeof *x->Nl);
    x->Nr = util_calloc(C, sizeof *x->Nr);
    int64_t *sd = util_calloc(C, sizeof *sd), *pd = util_calloc(C, sizeof *pd);
    uint32_t *S = util_malloc(C, sizeof *S), *P = util_malloc(C, sizeof *P);
    enum crftag_status st = CRFTAG_OK;
    if (!x->cls || !x->N || !x->NT || !x->Nl || !x->Nr || !sd || !pd || !S || !P) {
        st = err_set(err, CRFTAG_ERR_NOMEM, NULL, 0, "out of memory (%zu classes)", C);
        goto out;
    }
    for (size_t w = 0; w < W; w++)
        x->cls[w] = (uint32_t)(w % C);
    for (size_t w = 0; w < W; w++) {
        size_t c = x->cls[w];
        for (size_t k = x->succ_start[w]; k < x->succ_start[w + 1]; k++) {
            x->N[c * C + x->cls[x->succ_w[k]]] += (int64_t)x->succ_n[k];
            x->NT[x->cls[x->succ_w[k]] * C + c] += (int64_t)x->succ_n[k];
        }
        x->N[c * C + c] += (int64_t)x->self[w];
        x->NT[c * C + c] += (int64_t)x->self[w];
        x->Nl[c] += (int64_t)x->nl[w];
        x->Nr[c] += (int64_t)x->nr[w];
    }
    for (int it = 1; it <= x->p->max_iter; it++) {
        size_t moves = 0;
        for (size_t w = 0; w < W; w++) {
            size_t a = x->cls[w], nS = 0, nP = 0;
            for (size_t k = x->succ_start[w]; k < x->succ_start[w + 1]; k++) {
                uint32_t c = x->cls[x->succ_w[k]];
                if (sd[c] == 0)
                    S[nS++] = c;
                sd[c] += (int64_t)x->succ_n[k];
            }
            for (size_t k = x->pred_start[w]; k < x->pred_start[w + 1]; k++) {
                uint32_t c = x->cls[x->pred_w[k]];
                if (pd[c] == 0)
                    P[nP++] = c;
                pd[c] += (int64_t)x->pred_n[k];
            }
            cl_move(x, w, a, -1, sd, S, nS, pd, P, nP);
            int64_t self = (int64_t)x->self[w], nl = (int64_t)x->nl[w],
                    nr = (int64_t)x->nr[w];
            size_t best = a;
            double bestg = 0;
            for (size_t c0 = 0; c0 <= C; c0++) {
                /* the word's own class first, so that it wins ties */
                size_t c = c0 == 0 ? a : c0 - 1;
                if (c0 > 0 && c == a)
                    continue;
                const int64_t *row = x->N + c * C, *col = x->NT + c * C;
                double g = 0;
                for (size_t k = 0; k < nS; k++) {
                    int64_t v = row[S[k]];
                    g += cl_f(x, v + sd[S[k]]) - cl_f(x, v);
                }
                for (size_t k = 0; k < nP; k++) {
                    int64_t v = col[P[k]];
                    g += cl_f(x, v + pd[P[k]]) - cl_f(x, v);
                }
                int64_t v = row[c], s = sd[c], q = pd[c];
                if (s)
                    g -= cl_f(x, v + s) - cl_f(x, v);
                if (q)
                    g -= cl_f(x, v + q) - cl_f(x, v);
                g += cl_f(x, v + s + q + self) - cl_f(x, v);
                g -= cl_f(x, x->Nl[c] + nl) - cl_f(x, x->Nl[c]);
                g -= cl_f(x, x->Nr[c] + nr) - cl_f(x, x->Nr[c]);
                if (c0 == 0 || g > bestg + 1e-9 * (fabs(bestg) + 1.0)) {
                    bestg = g;
                    best = c;
                }
            }
            cl_move(x, w, best, +1, sd, S, nS, pd, P, nP);
            if (best != a) {
                x->cls[w] = (uint32_t)best;
                moves++;
            }
            for (size_t k = 0; k < nS; k++)
                sd[S[k]] = 0;
            for (size_t k = 0; k < nP; k++)
                pd[P[k]] = 0;
        }
        if (x->p->progress) {
            struct crftag_cluster_progress pr = { "exchange", it, moves, x->V, cl_ami(x),
                                                  util_now() - x->t0 };
            if (x->p->progress(&pr, x->p->user)) {
                st = err_set(err, CRFTAG_ERR_CANCELED, NULL, 0, "canceled");
                goto out;
            }
        }
        if (moves * 1000 < W)
            break;
    }
out:
    free(sd);
    free(pd);
    free(S);
    free(P);
    return st;
}

/* Q change of merging clusters i and j (active[]) of the K x K matrix M. */
static double cl_merge_delta(const struct cl_ctx *x, const int64_t *M, const int64_t *Ml,
                             const int64_t *Mr, const unsigned char *active, size_t K,
                             size_t i, size_t j)
{
    double d = 0;
    for (size_t c = 0; c < K; c++) {
        if (!active[c] || c == i || c == j)
            continue;
        d += cl_g(x, M[i * K + c], M[j * K + c]) + cl_g(x, M[c * K + i], M[c * K + j]);
    }
    int64_t ii = M[i * K + i], ij = M[i * K + j], ji = M[j * K + i], jj = M[j * K + j];
    d += cl_f(x, ii + ij + ji + jj) - cl_f(x, ii) - cl_f(x, ij) - cl_f(x, ji) - cl_f(x, jj);
    d -= cl_g(x, Ml[i], Ml[j]) + cl_g(x, Mr[i], Mr[j]);
    return d;
}

/* Step 4: the tree over the non-empty classes; path[c] (CL_MAXPATH + 1
 * bytes each) for every class c. */
static enum crftag_status cl_tree(struct cl_ctx *x, char *path, struct crftag_error *err)
{
    size_t C = x->C, K = 0;
    enum crftag_status st = CRFTAG_OK;
    size_t *kc = util_malloc(C, sizeof *kc);        /* cluster k -> class */
    size_t *ck = util_malloc(C, sizeof *ck);        /* class -> cluster k */
    int64_t *cnt = util_calloc(C, sizeof *cnt);
    if (!kc || !ck || !cnt) {
        free(kc);
        free(ck);
        free(cnt);
        return err_set(err, CRFTAG_ERR_NOMEM, NULL, 0, "out of memory (cluster tree)");
    }
    for (size_t w = 0; w < x->W; w++)
        cnt[x->cls[w]]++;
    for (size_t c = 0; c < C; c++) {
        ck[c] = SIZE_MAX;
        if (cnt[c]) {
            ck[c] = K;
            kc[K++] = c;
        }
    }
    free(cnt);
    int64_t *M = util_malloc(K * K, sizeof *M), *Ml = util_malloc(K, sizeof *Ml),
            *Mr = util_malloc(K, sizeof *Mr);
    double *D = util_malloc(K * K, sizeof *D);
    unsigned char *active = util_malloc(K, 1);
    /* tree nodes: leaves 0..K-1, merges K..2K-2 */
    size_t *node = util_malloc(K, sizeof *node), *left = util_malloc(2 * K, sizeof *left),
           *right = util_malloc(2 * K, sizeof *right), *stack = util_malloc(2 * K, sizeof *stack);
    unsigned char *depth = util_malloc(2 * K, 1);
    char *npath = util_malloc(2 * K, CL_MAXPATH + 1);
    if (!M || !Ml || !Mr || !D || !active || !node || !left || !right || !stack || !depth ||
        !npath) {
        st = err_set(err, CRFTAG_ERR_NOMEM, NULL, 0, "out of memory (cluster tree)");
        goto out;
    }
    for (size_t i = 0; i < K; i++) {
        for (size_t j = 0; j < K; j++)
            M[i * K + j] = x->N[kc[i] * C + kc[j]];
        Ml[i] = x->Nl[kc[i]];
        Mr[i] = x->Nr[kc[i]];
        active[i] = 1;
        node[i] = i;
    }
    for (size_t i = 0; i < K; i++)
        for (size_t j = i + 1; j < K; j++)
            D[i * K + j] = cl_merge_delta(x, M, Ml, Mr, active, K, i, j);
    size_t nnode = K;
    for (size_t step = 0; step + 1 < K; step++) {
        size_t a = SIZE_MAX, b = SIZE_MAX;
        double best = 0;
        for (size_t i = 0; i < K; i++) {
            if (!active[i])
                continue;
            for (size_t j = i + 1; j < K; j++) {
                if (active[j] && (a == SIZE_MAX || D[i * K + j] > best)) {
                    best = D[i * K + j];
                    a = i;
                    b = j;
                }
            }
        }
        /* O(1) corrections of the other pairs: their terms in columns / rows
         * a and b become one term in the merged column / row */
        for (size_t i = 0; i < K; i++) {
            if (!active[i] || i == a || i == b)
                continue;
            for (size_t j = i + 1; j < K; j++) {
                if (!active[j] || j == a || j == b)
                    continue;
                int64_t ia = M[i * K + a], ja = M[j * K + a], ib = M[i * K + b],
                        jb = M[j * K + b];
                int64_t ai = M[a * K + i], aj = M[a * K + j], bi = M[b * K + i],
                        bj = M[b * K + j];
                D[i * K + j] += cl_g(x, ia + ib, ja + jb) - cl_g(x, ia, ja) - cl_g(x, ib, jb) +
                                cl_g(x, ai + bi, aj + bj) - cl_g(x, ai, aj) - cl_g(x, bi, bj);
            }
        }
        for (size_t c = 0; c < K; c++)
            M[a * K + c] += M[b * K + c];
        for (size_t c = 0; c < K; c++)
            M[c * K + a] += M[c * K + b];
        Ml[a] += Ml[b];
        Mr[a] += Mr[b];
        active[b] = 0;
        left[nnode] = node[a];
        right[nnode] = node[b];
        node[a] = nnode++;
        for (size_t j = 0; j < K; j++) {
            if (!active[j] || j == a)
                continue;
            double d = cl_merge_delta(x, M, Ml, Mr, active, K, a < j ? a : j, a < j ? j : a);
            D[(a < j ? a : j) * K + (a < j ? j : a)] = d;
        }
    }
    /* paths, root first */
    size_t root = nnode - 1, top = 0;
    depth[root] = 0;
    npath[root * (CL_MAXPATH + 1)] = '\0';
    stack[top++] = root;
    while (top) {
        size_t v = stack[--top];
        if (v < K)
            continue;
        char *pv = npath + v * (CL_MAXPATH + 1);
        size_t d = depth[v];
        for (int side = 0; side < 2; side++) {
            size_t u = side ? right[v] : left[v];
            char *pu = npath + u * (CL_MAXPATH + 1);
            memcpy(pu, pv, d);
            size_t du = d;
            if (du < CL_MAXPATH)
                pu[du++] = (char)('0' + side);
            pu[du] = '\0';
            depth[u] = (unsigned char)du;
            stack[top++] = u;
        }
    }
    for (size_t c = 0; c < C; c++) {
        char *dst = path + c * (CL_MAXPATH + 1);
        if (ck[c] == SIZE_MAX)
            dst[0] = '\0';
        else if (K == 1)
            strcpy(dst, "0");
        else
            strcpy(dst, npath + ck[c] * (CL_MAXPATH + 1));
    }
    if (x->p->progress) {
        struct crftag_cluster_progress pr = { "tree", 0, 0, x->V, cl_ami(x),
                                              util_now() - x->t0 };
        if (x->p->progress(&pr, x->p->user))
            st = err_set(err, CRFTAG_ERR_CANCELED, NULL, 0, "canceled");
    }
out:
    free(kc);
    free(ck);
    free(M);
    free(Ml);
    free(Mr);
    free(D);
    free(active);
    free(node);
    free(left);
    free(right);
    free(stack);
    free(depth);
    free(npath);
    return st;
}

struct cl_out {
    const char *path;
    uint32_t v;
};

static int cl_out_cmp(const void *a, const void *b)
{
    const struct cl_out *x = a, *y = b;
    int r = strcmp(x->path, y->path);
    if (r)
        return r;
    return x->v < y->v ? -1 : x->v > y->v;   /* vocabulary order: by count */
}

enum crftag_status cl_learn(const struct crftag_clusterer *L, const struct crftag_cluster_params *p,
                            struct crftag_clusters **out, struct crftag_error *err)
{
    *out = NULL;
    struct cl_ctx x;
    memset(&x, 0, sizeof x);
    x.p = p;
    x.t0 = util_now();
    uint32_t *map = NULL;
    char *path = NULL;
    struct cl_out *ord = NULL;
    struct crftag_clusters *c = NULL;
    enum crftag_status st = cl_vocab(L, &x, &map, err);
    if (st == CRFTAG_OK)
        st = cl_bigrams(L, &x, map, err);
    free(map);
    if (st != CRFTAG_OK)
        goto out;
    x.ftab = util_malloc(CL_FTAB, sizeof *x.ftab);
    if (!x.ftab) {
        st = err_set(err, CRFTAG_ERR_NOMEM, NULL, 0, "out of memory");
        goto out;
    }
    x.ftab[0] = 0;
    for (size_t v = 1; v < CL_FTAB; v++)
        x.ftab[v] = (double)v * log((double)v);
    x.C = (size_t)p->num_clusters < x.W ? (size_t)p->num_clusters : x.W;
    st = cl_exchange(&x, err);
    if (st != CRFTAG_OK)
        goto out;
    path = util_malloc(x.C, CL_MAXPATH + 1);
    ord = util_malloc(x.V, sizeof *ord);
    c = cl_new();
    if (!path || !ord || !c) {
        st = err_set(err, CRFTAG_ERR_NOMEM, NULL, 0, "out of memory");
        goto out;
    }
    st = cl_tree(&x, path, err);
    if (st != CRFTAG_OK)
        goto out;
    for (size_t v = 0; v < x.V; v++) {
        ord[v].path = path + x.cls[v] * (CL_MAXPATH + 1);
        ord[v].v = (uint32_t)v;
    }
    qsort(ord, x.V, sizeof *ord, cl_out_cmp);
    for (size_t k = 0; k < x.V && st == CRFTAG_OK; k++) {
        uint32_t id = x.vid[ord[k].v];
        const char *w = L->text + L->off[id];
        st = cl_add(c, w, strlen(w), ord[k].path, strlen(ord[k].path), L->count[id]);
        if (st != CRFTAG_OK)
            st = err_set(err, CRFTAG_ERR_NOMEM, NULL, 0, "out of memory (cluster table)");
    }
out:
    cl_ctx_free(&x);
    free(path);
    free(ord);
    if (st != CRFTAG_OK) {
        cl_free(c);
        return st;
    }
    *out = c;
    return CRFTAG_OK;
}

/* ------------------------------------------------------------------------ */
/* Public API                                                               */
/* ------------------------------------------------------------------------ */

void crftag_cluster_params_init_sz(struct crftag_cluster_params *dst, size_t size)
{
    struct crftag_cluster_params params, *p = &params;
    if (!dst)
        return;
    memset(p, 0, sizeof *p);
    p->num_clusters = 256;
    p->min_count = 3;
    p->max_iter = 20;
    p->max_words = 0;
    util_struct_out(dst, size, p, sizeof *p);
}

enum crftag_status crftag_clusterer_new(struct crftag_clusterer **out)
{
    if (!out)
        return CRFTAG_ERR_INVALID;
    *out = cl_learner_new();
    return *out ? CRFTAG_OK : CRFTAG_ERR_NOMEM;
}

void crftag_clusterer_free(struct crftag_clusterer *cl)
{
    cl_learner_free(cl);
}

enum crftag_status crftag_clusterer_add_sentence(struct crftag_clusterer *cl,
                                                 const char *const *tokens, size_t n)
{
    if (!cl || (n && !tokens))
        return CRFTAG_ERR_INVALID;
    for (size_t i = 0; i < n; i++)
        if (!tokens[i])
            return CRFTAG_ERR_INVALID;
    return cl_learner_add(cl, tokens, NULL, n);
}

enum crftag_status crftag_clusterer_add_text(struct crftag_clusterer *cl, const char *text,
                                             size_t len)
{
    if (!cl || (len && !text))
        return CRFTAG_ERR_INVALID;
    size_t n = 0;
    enum crftag_status st = tok_split(text, len, &cl->toks, &n, &cl->toks_cap);
    if (st != CRFTAG_OK)
        return st;
    const char *tok[256];
    size_t tl[256], k = 0;
    for (size_t i = 0; i <= n && st == CRFTAG_OK; i++) {
        /* a sentence ends before a sentence start; long ones are cut into
         * pieces of 256 tokens (one lost bigram each) */
        if (k && (i == n || cl->toks[i].sentence_start || k == 256)) {
            st = cl_learner_add(cl, tok, tl, k);
            k = 0;
        }
        if (i < n) {
            tok[k] = text + cl->toks[i].start;
            tl[k] = cl->toks[i].end - cl->toks[i].start;
            k++;
        }
    }
    return st;
}

static enum crftag_status cl_add_corpus(struct crftag_clusterer *cl, const char *path,
                                        struct crftag_error *err)
{
    struct corpus_reader *r;
    enum crftag_status st = corpus_reader_open(path, &r, err);
    if (st != CRFTAG_OK)
        return st;
    struct sentence s;
    const char **tok = NULL;
    size_t cap = 0;
    int rc;
    while ((rc = corpus_reader_next(r, &s, err)) > 0) {
        void *q = tok;
        if (util_grow(&q, &cap, s.n, sizeof *tok)) {
            rc = err_set(err, CRFTAG_ERR_NOMEM, corpus_reader_path(r), s.line, "out of memory");
            break;
        }
        tok = q;
        for (size_t i = 0; i < s.n; i++)
            tok[i] = s.cols[i * s.ncols];
        st = cl_learner_add(cl, tok, NULL, s.n);
        if (st != CRFTAG_OK) {
            rc = err_set(err, st, corpus_reader_path(r), s.line, "out of memory");
            break;
        }
    }
    free(tok);
    corpus_reader_close(r);
    return rc < 0 ? (enum crftag_status)rc : CRFTAG_OK;
}

enum crftag_status crftag_clusterer_add_file(struct crftag_clusterer *cl, const char *path,
                                             int tokenized, struct crftag_error *err)
{
    if (!cl || !path)
        return err_set(err, CRFTAG_ERR_INVALID, NULL, 0, "NULL argument");
    if (tokenized)
        return cl_add_corpus(cl, path, err);
    struct io_reader *r;
    enum crftag_status st = io_open(path, &r, err);
    if (st != CRFTAG_OK)
        return st;
    char *buf = NULL, *line;
    size_t blen = 0, bcap = 0, len;
    int rc, first = 1;
    while ((rc = io_getline(r, &line, &len, err)) > 0) {
        size_t k = 0;
        while (k < len && (line[k] == ' ' || line[k] == '\t'))
            k++;
        if (first && k < len) {
            first = 0;
            if (len - k >= 3 && memcmp(line + k, "<s>", 3) == 0 && strcmp(path, "-") != 0) {
                size_t e = len;
                while (e > k + 3 && (line[e - 1] == ' ' || line[e - 1] == '\t'))
                    e--;
                if (e == k + 3) {
                    io_close(r);
                    free(buf);
                    return cl_add_corpus(cl, path, err);
                }
            }
        }
        /* a paragraph ends at a blank line (which also ends a sentence) */
        if ((k == len && blen) || blen + len + 1 > CL_PARA_MAX) {
            st = crftag_clusterer_add_text(cl, buf, blen);
            blen = 0;
            if (st != CRFTAG_OK) {
                rc = err_set(err, st, io_path(r), io_lineno(r), "out of memory");
                break;
            }
        }
        if (k == len)
            continue;
        void *q = buf;
        if (util_grow(&q, &bcap, blen + len + 1, 1)) {
            rc = err_set(err, CRFTAG_ERR_NOMEM, io_path(r), io_lineno(r), "out of memory");
            break;
        }
        buf = q;
        memcpy(buf + blen, line, len);
        blen += len;
        buf[blen++] = '\n';
    }
    if (rc == 0 && blen) {
        st = crftag_clusterer_add_text(cl, buf, blen);
        if (st != CRFTAG_OK)
            rc = err_set(err, st, io_path(r), io_lineno(r), "out of memory");
    }
    free(buf);
    io_close(r);
    return rc < 0 ? (enum crftag_status)rc : CRFTAG_OK;
}

void crftag_clusterer_size(const struct crftag_clusterer *cl, size_t *sentences,
                           size_t *tokens, size_t *words)
{
    cl_learner_size(cl, sentences, tokens, words);
}

enum crftag_status crftag_clusterer_learn_sz(const struct crftag_clusterer *cl,
                                             const struct crftag_cluster_params *params,
                                             size_t size, struct crftag_clusters **out,
                                             struct crftag_error *err)
{
    /* the caller's params over the defaults: fields past its size keep them */
    struct crftag_cluster_params whole, *p = NULL;
    if (params) {
        crftag_cluster_params_init(&whole);
        util_struct_in(&whole, sizeof whole, params, size);
        p = &whole;
    }
    if (out)
        *out = NULL;
    if (!cl || !p || !out)
        return err_set(err, CRFTAG_ERR_INVALID, NULL, 0, "NULL argument");
    if (p->num_clusters < 2 || p->num_clusters > CL_MAXCLASSES)
        return err_set(err, CRFTAG_ERR_INVALID, NULL, 0, "number of clusters must be 2..%d",
                       CL_MAXCLASSES);
    if (p->min_count < 1)
        return err_set(err, CRFTAG_ERR_INVALID, NULL, 0, "minimum count must be at least 1");
    if (p->max_iter < 0)
        return err_set(err, CRFTAG_ERR_INVALID, NULL, 0, "passes must be at least 0");
    if (cl->ntok == 0)
        return err_set(err, CRFTAG_ERR_INVALID, NULL, 0, "no text to learn clusters from");
    enum crftag_status st = cl_learn(cl, p, out, err);
    if (st == CRFTAG_OK)
        err_clear(err);
    return st;
}

enum crftag_status crftag_clusters_read(const char *path, struct crftag_clusters **out,
                                        struct crftag_error *err)
{
    if (out)
        *out = NULL;
    if (!path || !out)
        return err_set(err, CRFTAG_ERR_INVALID, NULL, 0, "NULL argument");
    enum crftag_status st = cl_read(path, out, err);
    if (st == CRFTAG_OK)
        err_clear(err);
    return st;
}

enum crftag_status crftag_clusters_write(const struct crftag_clusters *k, const char *path,
                                         struct crftag_error *err)
{
    if (!k || !path)
        return err_set(err, CRFTAG_ERR_INVALID, NULL, 0, "NULL argument");
    enum crftag_status st = cl_write(k, path, err);
    if (st == CRFTAG_OK)
        err_clear(err);
    return st;
}

void crftag_clusters_size(const struct crftag_clusters *k, size_t *words, size_t *clusters)
{
    if (words)
        *words = k ? k->nwords : 0;
    if (clusters)
        *clusters = k ? k->npaths : 0;
}

const char *crftag_clusters_get(const struct crftag_clusters *k, const char *word)
{
    if (!k || !word)
        return NULL;
    uint32_t p = cl_lookup(k, word, strlen(word));
    return p == CL_NONE ? NULL : cl_path(k, p);
}

void crftag_clusters_free(struct crftag_clusters *k)
{
    cl_free(k);
}
