/*
 * featset.h - token windows -> hashed attribute ids (core layer): the
 * feature sets, built-in (features.c) and CRF++ templates (template.c).
 *
 *   sentence [n][stride] strings --feat_extract--> attrs of token i:
 *       out->ids[out->start[i] .. out->start[i+1])  (64-bit hashes, never 0)
 *
 * Two kinds of configuration:
 *   builtin   the NER feature set (word, lower-cased word, shapes, prefixes
 *             and suffixes, flags, window -2..+2, word bigrams), reading
 *             column 0 only.
 *   template  CRF++ templates: lines "U<id>:%x[row,col]/%x[row,col]..."
 *             (literal text allowed between macros), "B" (label bigram,
 *             always modelled), "#" comments and blank lines.  Out-of-range
 *             rows read "_B-<k>" / "_B+<k>" sentinels as CRF++ does.
 *
 *   attrs     attribute strings given with the data (CRFsuite's format,
 *             attrs.c): column 0 holds a token's TAB-separated attribute
 *             fields, each "name" or "name:weight"; a weight scales the
 *             attribute's feature values (feat_buf.val).
 *
 * An attribute's hash is computed from (template number, the strings it
 * reads) with hash.h, never building a string: hash version 1 hashes the
 * bytes one by one, version 2 hashes each string once as a piece and
 * combines the pieces (feat_config.hash_version).
 */
#ifndef CRFTAG_FEATSET_H
#define CRFTAG_FEATSET_H

#include <stddef.h>
#include <stdint.h>
#include "crftag.h"

enum feat_kind { FEAT_BUILTIN = 1, FEAT_TEMPLATE = 2, FEAT_ATTRS = 3 };

struct feat_template;   /* parsed template line (template.h) */
struct lexicon;         /* lexicon.h */
struct crftag_clusters; /* clusters.h */

struct feat_config {
    enum feat_kind kind;
    uint32_t builtin_version;    /* version of the built-in set (FEAT_BUILTIN) */
    uint64_t seed;               /* hash seed */
    uint32_t hash_version;       /* HASH_VERSION_1 (FNV-1a, model formats <= 6) or
                                    HASH_VERSION_2 (pieces, hash.h) */
    char *template_text;         /* FEAT_TEMPLATE: the text, owned; else NULL */
    size_t ntemplates;           /* U lines (builtin: internal feature kinds) */
    struct feat_template *tpl;   /* [ntemplates] */
    size_t ncols;                /* input columns read: max col + 1 (builtin: 1) */
    struct lexicon *lex;         /* FEAT_BUILTIN: entity lexicon, owned, or NULL */
    struct lexicon *ulex;        /* FEAT_BUILTIN: user lexicon (lexicon.h), owned, or NULL */
    struct crftag_clusters *cl;  /* FEAT_BUILTIN: word clusters, owned, or NULL */
    uint64_t *clid;              /* [(npaths + 1) * 3 * FEAT_CL_MAXP] attributes of each
                                    path (+ unknown words) at -1, 0, +1 */
    unsigned char *clnum;        /* [npaths + 1] attributes per path and position */
};

#define FEAT_CL_MAXP 5           /* cluster attributes per token and position */

/* Gives the word clusters cl (owned from then on, also on failure) to a
 * built-in configuration and precomputes their attributes.  Returns
 * CRFTAG_OK, CRFTAG_ERR_NOMEM or CRFTAG_ERR_INVALID (not built-in). */
enum crftag_status feat_config_set_clusters(struct feat_config *fc, struct crftag_clusters *cl);

#define FEAT_HASH_VERSION 2          /* the hash version new models get (hash.h) */

#define FEAT_BUILTIN_VERSION 4       /* the built-in set new models get */
#define FEAT_BUILTIN_VERSION_MIN 2   /* the oldest one still read */

/* Built-in NER features (FEAT_BUILTIN_VERSION) with the given seed and hash
 * version FEAT_HASH_VERSION. */
enum crftag_status feat_config_builtin(struct feat_config *fc, uint64_t seed);

/* The same with an older version (FEAT_BUILTIN_VERSION_MIN ..
 * FEAT_BUILTIN_VERSION; CRFTAG_ERR_INVALID otherwise), for stored models. */
enum crftag_status feat_config_builtin_version(struct feat_config *fc, uint64_t seed,
                                               uint32_t version);

/* The same with hash version hash_version (1 or 2; CRFTAG_ERR_INVALID
 * otherwise). */
enum crftag_status feat_config_builtin_hv(struct feat_config *fc, uint64_t seed,
                                          uint32_t version, uint32_t hash_version);

/* Token folding (LEX_FOLD_* bits, lexicon.h) of the lexicon of a built-in
 * configuration: versions 3 and 4 fold a final plural 's', version 2 only
 * case. */
unsigned feat_lex_fold(const struct feat_config *fc);

/* Parses a template (text[0..len)); name is used in error messages, which
 * give the template line.  Hash version FEAT_HASH_VERSION. */
enum crftag_status feat_config_template(struct feat_config *fc, const char *text, size_t len,
                                        const char *name, uint64_t seed,
                                        struct crftag_error *err);

/* The same with hash version hash_version (1 or 2; CRFTAG_ERR_INVALID
 * otherwise). */
enum crftag_status feat_config_template_hv(struct feat_config *fc, const char *text,
                                           size_t len, const char *name, uint64_t seed,
                                           uint32_t hash_version, struct crftag_error *err);

/* Refuses (CRFTAG_ERR_PARSE naming name and the line) a template that uses
 * Wapiti's macros, %X[..] (case-insensitive %x), %t[..] / %T[..] (regex
 * test) or %m[..] / %M[..] (regex match), which CRF++ templates do not have
 * and which feat_config_template would take as literal text.  For training
 * only: a stored model's template is read as it was trained. */
enum crftag_status feat_template_check_wapiti(const char *text, size_t len, const char *name,
                                              struct crftag_error *err);

void feat_config_free(struct feat_config *fc);

/* Growable output buffer; zero-initialize, reuse across sentences, free with
 * feat_buf_free. */
struct feat_buf {
    uint64_t *ids;       /* [start[n]] */
    size_t cap;
    size_t *start;       /* [n + 1] */
    size_t start_cap;
    char *scratch;       /* per-sentence scratch (lower-cased words etc.; attribute
                            strings: a name unescaped) */
    size_t scratch_cap;
    uint16_t *lexval;    /* [n] lexicon matches */
    unsigned char *lexpos;
    size_t lex_cap;
    uint16_t *ulexval;   /* [n] user lexicon matches */
    unsigned char *ulexpos;
    size_t ulex_cap;
    double *val;         /* FEAT_ATTRS: [start[n]] the weight of each id, else unused */
    size_t val_cap;
    uint64_t *piece;     /* templates with hash version 2: [n][ncols] the hashes of
                            a sentence's cells */
    size_t piece_cap;
};

/* Extracts the attributes of n tokens; cols[i * stride + j] is column j of
 * token i (stride >= fc->ncols).  Returns CRFTAG_OK, CRFTAG_ERR_NOMEM, or
 * CRFTAG_ERR_INVALID when n > 0 and stride < fc->ncols.  fc must come from
 * feat_config_builtin / feat_config_template (it holds precomputed hash
 * states); it is only read, so threads may share it, each with its own out.
 * The exact attributes are specified at the top of features.c (built-in)
 * and template.c (templates). */
enum crftag_status feat_extract(const struct feat_config *fc, const char *const *cols,
                                size_t n, size_t stride, struct feat_buf *out);

/* The same, matching the lexicon (if any) in view `view` (lexicon.h; 0 is
 * the model's own, feat_extract's). */
enum crftag_status feat_extract_view(const struct feat_config *fc, const char *const *cols,
                                     size_t n, size_t stride, size_t view,
                                     struct feat_buf *out);

void feat_buf_free(struct feat_buf *b);

/* Attribute strings (FEAT_ATTRS, attrs.c): the configuration, one
 * attribute's id (name[0..len), unescaped), and the extraction of a
 * sentence (feat_extract calls it; out->val gets the weights). */
void feat_config_attrs(struct feat_config *fc, uint64_t seed);
enum crftag_status feat_config_attrs_hv(struct feat_config *fc, uint64_t seed,
                                        uint32_t hash_version);
uint64_t feat_attr_id(const struct feat_config *fc, const char *name, size_t len);
enum crftag_status feat_attrs_sentence(const struct feat_config *fc, const char *const *cols,
                                       size_t n, size_t stride, struct feat_buf *out);

#endif
