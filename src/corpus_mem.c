/*
 * corpus_mem.c - sentences given in memory rather than read from files
 * (core layer): columns, or attribute strings (attrs.h), appended to a
 * corpus as the readers of corpus.c would.
 */
#include <stdlib.h>
#include <string.h>

#include "attrs.h"
#include "corpus.h"
#include "error.h"
#include "util.h"

enum crftag_status crftag_corpus_add_sentence(struct crftag_corpus *c, const char *const *cols,
                                              size_t n, size_t ncols, struct crftag_error *err)
{
    if (!c || (n > 0 && !cols) || ncols == 0)
        return err_set(err, CRFTAG_ERR_INVALID, NULL, 0,
                       "crftag_corpus_add_sentence: NULL argument or no column");
    if (c->attrs && c->nsent > 0)
        return err_set(err, CRFTAG_ERR_INVALID, NULL, 0,
                       "the corpus holds attribute strings, not columns");
    if (n == 0)
        return CRFTAG_OK;
    size_t cells;
    if (util_mul(n, ncols, &cells))
        return err_set(err, CRFTAG_ERR_NOMEM, NULL, 0, "sentence too large");
    for (size_t i = 0; i < cells; i++)
        if (!cols[i])
            return err_set(err, CRFTAG_ERR_INVALID, NULL, 0, "token %zu column %zu is NULL",
                           i / ncols, i % ncols);
    struct sentence s = { n, ncols, (const char **)(uintptr_t)cols, 0 };
    enum crftag_status st = corpus_add(c, &s, err);
    if (st == CRFTAG_OK)
        c->attrs = 0;
    return st;
}

/* Token i's attributes in canonical form into *tb (length *tl). */
static enum crftag_status corpus_attr_token(size_t i, size_t na, const char *const *names,
                                            const double *weights, char **tb, size_t *tl,
                                            size_t *tcap, struct crftag_error *err)
{
    *tl = 0;
    if (UTIL_GROW(*tb, *tcap, 1))
        return err_set(err, CRFTAG_ERR_NOMEM, NULL, 0, "out of memory");
    (*tb)[0] = '\0';
    for (size_t a = 0; a < na; a++) {
        if (!names[a])
            return err_set(err, CRFTAG_ERR_INVALID, NULL, 0, "token %zu: attribute %zu is NULL",
                           i, a);
        const char *msg = attrs_append(names[a], strlen(names[a]), weights ? weights[a] : 1.0,
                                       tb, tl, tcap);
        if (msg)
            return err_set(err, strcmp(msg, "out of memory") ? CRFTAG_ERR_INVALID
                                                             : CRFTAG_ERR_NOMEM,
                           NULL, 0, "token %zu: attribute %zu: %s", i, a, msg);
    }
    return CRFTAG_OK;
}

/* The cells of the sentence into *cells ([n][2]: attributes in canonical
 * form, label), their text in *text. */
static enum crftag_status corpus_attr_cells(size_t n, const size_t *natt,
                                            const char *const *names, const double *weights,
                                            const char *const *labels, char **text,
                                            const char ***cells, struct crftag_error *err)
{
    size_t len = 0, cap = 0, k = 0, tl = 0, tcap = 0;
    char *tb = NULL;
    size_t *off = util_malloc(n, sizeof *off);
    *cells = util_malloc(n, 2 * sizeof **cells);
    enum crftag_status st = CRFTAG_OK;
    if (!off || !*cells)
        st = err_set(err, CRFTAG_ERR_NOMEM, NULL, 0, "out of memory");
    for (size_t i = 0; i < n && st == CRFTAG_OK; i++) {
        if (!labels[i] || !labels[i][0]) {
            st = err_set(err, CRFTAG_ERR_INVALID, NULL, 0, "token %zu: no label", i);
            break;
        }
        st = corpus_attr_token(i, natt[i], names ? names + k : NULL,
                               weights ? weights + k : NULL, &tb, &tl, &tcap, err);
        k += natt[i];
        if (st == CRFTAG_OK && (len > SIZE_MAX - tl - 1 || UTIL_GROW(*text, cap, len + tl + 1)))
            st = err_set(err, CRFTAG_ERR_NOMEM, NULL, 0, "out of memory");
        if (st == CRFTAG_OK) {
            memcpy(*text + len, tb, tl + 1);
            off[i] = len;
            len += tl + 1;
        }
    }
    for (size_t i = 0; st == CRFTAG_OK && i < n; i++) {
        (*cells)[2 * i] = *text + off[i];
        (*cells)[2 * i + 1] = labels[i];
    }
    free(tb);
    free(off);
    return st;
}

enum crftag_status crftag_corpus_add_attrs(struct crftag_corpus *c, size_t n, const size_t *natt,
                                           const char *const *names, const double *weights,
                                           const char *const *labels, struct crftag_error *err)
{
    if (!c || (n > 0 && (!natt || !labels)))
        return err_set(err, CRFTAG_ERR_INVALID, NULL, 0, "crftag_corpus_add_attrs: NULL argument");
    if (!c->attrs && c->nsent > 0)
        return err_set(err, CRFTAG_ERR_INVALID, NULL, 0,
                       "the corpus holds columns, not attribute strings");
    if (n == 0)
        return CRFTAG_OK;
    size_t total = 0;
    for (size_t i = 0; i < n; i++) {
        if (natt[i] > SIZE_MAX - total)
            return err_set(err, CRFTAG_ERR_INVALID, NULL, 0, "too many attributes");
        total += natt[i];
    }
    if (total > 0 && !names)
        return err_set(err, CRFTAG_ERR_INVALID, NULL, 0, "crftag_corpus_add_attrs: NULL names");
    char *text = NULL;
    const char **cells = NULL;
    enum crftag_status st = corpus_attr_cells(n, natt, names, weights, labels, &text, &cells,
                                              err);
    if (st == CRFTAG_OK) {
        struct sentence s = { n, 2, cells, 0 };
        st = corpus_add(c, &s, err);
        if (st == CRFTAG_OK)
            c->attrs = 1;
    }
    free(text);
    free(cells);
    return st;
}

int crftag_corpus_attrs(const struct crftag_corpus *c)
{
    return c && c->nsent > 0 ? c->attrs : 0;
}
