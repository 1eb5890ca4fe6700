/*
 * featname.h - readable names of attributes (core layer, internal).
 *
 *   sentence [n][stride] strings --feat_names--> name of every attribute,
 *       in the order of feat_extract_view's ids:
 *       feat_name(nm, k) is the name of out->ids[k], k in
 *       [nm->start[i], nm->start[i+1]) for token i
 *
 * Attributes are hashed without building strings (featset.h); their names
 * are made on demand, by a second pass over the same sentence that renders
 * each attribute as a string (built-in: featname.c, e.g. "w[0]=Docker",
 * "suf[0]=ker", "lw[-1]|lw[0]=the|docker", "lex[0]=Application/first/r6";
 * templates: the CRF++ feature string, "U02:Confidence/in", rendered by the
 * template extractor itself).  A name is for people: it is not what is
 * hashed, and two attributes may share one.  Training keeps the names of
 * the attributes it sees (train_data.c), `crftag explain` renders those of
 * its input (explain.c).
 */
#ifndef CRFTAG_FEATNAME_H
#define CRFTAG_FEATNAME_H

#include <stddef.h>
#include <stdint.h>
#include "crftag.h"
#include "featset.h"

/* Names of a sentence's attributes; zero-initialize, reuse, free with
 * feat_names_free. */
struct feat_names {
    char *text;          /* the names, each NUL-terminated */
    size_t len, cap;     /* bytes used, allocated */
    size_t cur;          /* start of the name being built */
    size_t *off;         /* [start[n]] name k at text + off[k] */
    size_t noff, off_cap;
    size_t *start;       /* [n + 1] as feat_buf.start */
    size_t start_cap;
    struct feat_buf fb;  /* scratch: per-token data, template ids */
    int oom;             /* an append failed */
};

/* Names of the attributes of n tokens, matching the lexicon in view `view`
 * (as feat_extract_view).  Returns CRFTAG_OK, CRFTAG_ERR_NOMEM, or
 * CRFTAG_ERR_INVALID for a configuration it cannot name (or stride too
 * small). */
enum crftag_status feat_names(const struct feat_config *fc, const char *const *cols, size_t n,
                              size_t stride, size_t view, struct feat_names *out);

static inline const char *feat_name(const struct feat_names *nm, size_t k)
{
    return nm->text + nm->off[k];
}

void feat_names_free(struct feat_names *nm);

/* Building a name: appends s[0..n) to the current name / ends it (its
 * offset is recorded).  A failure sets nm->oom. */
void feat_names_put(struct feat_names *nm, const char *s, size_t n);
void feat_names_end(struct feat_names *nm);

#endif
