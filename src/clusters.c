/*
 * clusters.c - distributional word clusters (core layer).
 *
 * The cluster table (clusters.h): adding words and paths, lookup, the
 * cluster file reader and writer; and the learner's text (struct
 * crftag_clusterer): sentences, raw text and files turned into a stream of
 * word ids with their counts.  Learning from that text is in
 * cluster_learn.c.
 *
 * File format (cl_read / cl_write): one word a line, fields split on TAB:
 * "WORD<TAB>PATH[<TAB>COUNT]"; Liang's wcluster "paths" order
 * "PATH<TAB>WORD<TAB>COUNT" is recognised on the first line (its first
 * field made of 0/1, its second not all digits) and then required of every
 * line.  PATH: 1..64 decimal digits.  COUNT: a decimal integer.
 */
#include "clusters.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "corpus.h"
#include "error.h"
#include "io.h"
#include "tokenize.h"
#include "util.h"

#define CL_SEED UINT64_C(0x636c757374657273)   /* "clusters" */
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

int cl_word_ok(const char *w, size_t len)
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
    if (UTIL_GROW(c->ptext, c->ptext_cap, c->ptext_len + plen + 1))
        return -1;
    if (UTIL_GROW(c->path_off, c->paths_cap, c->npaths + 1))
        return -1;
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
    if (UTIL_GROW(c->text, c->text_cap, c->text_len + wlen + 1))
        return CRFTAG_ERR_NOMEM;
    size_t cap = c->words_cap;
    if (UTIL_GROW(c->word_off, cap, n + 1))
        return CRFTAG_ERR_NOMEM;
    cap = c->words_cap;
    if (UTIL_GROW(c->word_path, cap, n + 1))
        return CRFTAG_ERR_NOMEM;
    cap = c->words_cap;
    if (UTIL_GROW(c->word_count, cap, n + 1))
        return CRFTAG_ERR_NOMEM;
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

struct crftag_clusterer *cl_learner_new(void)
{
    return util_calloc(1, sizeof(struct crftag_clusterer));
}

void cl_learner_free(struct crftag_clusterer *cr)
{
    if (!cr)
        return;
    htab_free(&cr->index);
    free(cr->text);
    free(cr->off);
    free(cr->count);
    free(cr->stream);
    free(cr->toks);
    free(cr);
}

static long cl_word_id(struct crftag_clusterer *cr, const char *w, size_t len)
{
    uint64_t h = cl_hash(w, len, 0);
    uint32_t v = htab_get(&cr->index, h);
    if (v != HTAB_NONE) {
        cr->count[v]++;
        return (long)v;
    }
    if (cr->nw >= UINT32_MAX - 2)
        return -1;
    if (UTIL_GROW(cr->text, cr->text_cap, cr->text_len + len + 1))
        return -1;
    size_t cap = cr->w_cap;
    if (UTIL_GROW(cr->off, cap, cr->nw + 1))
        return -1;
    cap = cr->w_cap;
    if (UTIL_GROW(cr->count, cap, cr->nw + 1))
        return -1;
    cr->w_cap = cap;
    if (!htab_put(&cr->index, h, (uint32_t)cr->nw, NULL))
        return -1;
    cr->off[cr->nw] = cr->text_len;
    memcpy(cr->text + cr->text_len, w, len);
    cr->text[cr->text_len + len] = '\0';
    cr->text_len += len + 1;
    cr->count[cr->nw] = 1;
    return (long)cr->nw++;
}

enum crftag_status cl_learner_add(struct crftag_clusterer *cr, const char *const *tok,
                                  const size_t *len, size_t n)
{
    size_t before = cr->ns;
    if (n >= SIZE_MAX - cr->ns - 1 || UTIL_GROW(cr->stream, cr->s_cap, cr->ns + n + 1))
        return CRFTAG_ERR_NOMEM;
    for (size_t i = 0; i < n; i++) {
        size_t l = len ? len[i] : strlen(tok[i]);
        if (l == 0)
            continue;
        long id = cl_word_id(cr, tok[i], l);
        if (id < 0) {
            cr->ns = before;      /* counts of the words before stay: harmless */
            return CRFTAG_ERR_NOMEM;
        }
        cr->stream[cr->ns++] = (uint32_t)id;
    }
    if (cr->ns > before) {
        cr->ntok += cr->ns - before;
        cr->stream[cr->ns++] = CL_EOS_MARK;
        cr->nsent++;
    }
    return CRFTAG_OK;
}

void cl_learner_size(const struct crftag_clusterer *cr, size_t *sentences, size_t *tokens,
                     size_t *types)
{
    if (sentences)
        *sentences = cr ? cr->nsent : 0;
    if (tokens)
        *tokens = cr ? cr->ntok : 0;
    if (types)
        *types = cr ? cr->nw : 0;
}

/* ------------------------------------------------------------------------ */
/* Public API                                                               */
/* ------------------------------------------------------------------------ */

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
        if (UTIL_GROW(tok, cap, s.n)) {
            rc = err_set(err, CRFTAG_ERR_NOMEM, corpus_reader_path(r), s.line, "out of memory");
            break;
        }
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
        if (UTIL_GROW(buf, bcap, blen + len + 1)) {
            rc = err_set(err, CRFTAG_ERR_NOMEM, io_path(r), io_lineno(r), "out of memory");
            break;
        }
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

void crftag_clusterer_size(const struct crftag_clusterer *cl, size_t *out_sentences,
                           size_t *out_tokens, size_t *out_words)
{
    cl_learner_size(cl, out_sentences, out_tokens, out_words);
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

void crftag_clusters_size(const struct crftag_clusters *k, size_t *out_words,
                          size_t *out_clusters)
{
    if (out_words)
        *out_words = k ? k->nwords : 0;
    if (out_clusters)
        *out_clusters = k ? k->npaths : 0;
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
