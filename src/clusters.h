/*
 * clusters.h - distributional word clusters (core layer).
 *
 *   text --cl_learner_add--> token stream --cl_learn--> struct crftag_clusters
 *   cluster file (word<TAB>path[<TAB>count]) --cl_read--> struct crftag_clusters
 *   struct crftag_clusters --cl_write--> cluster file
 *
 * A cluster table maps words to clusters.  A cluster is named by its path:
 * 1..CL_MAXPATH decimal digits.  When every path of a table is made of '0'
 * and '1' only, the paths are bit strings naming leaves of a binary tree
 * (as Brown clustering writes them) and the built-in features use their
 * prefixes (features.c); otherwise they are flat cluster ids (the table's
 * `flat` is 1) and only the whole id is used.
 *
 * Learning (cl_learn, the algorithm is described at the top of
 * cluster_learn.c): the exchange algorithm puts every word seen at least
 * min_count times in one of C classes so as to maximise the likelihood of
 * a class bigram model of the text (Kneser and Ney 1993, Martin, Liermann
 * and Ney 1998), then the classes are merged bottom-up by Brown et al.'s
 * (1992) criterion, the smallest loss of average mutual information
 * between adjacent classes, which gives each class a bit-string path.
 *
 * Lookup (cl_lookup): the word as it is, else with ASCII letters folded to
 * lower case.  Words are found by a 64-bit hash of their bytes (htab); two
 * different words with the same hash cannot be in one table (cl_add refuses
 * the second, which has never been seen to happen).
 */
#ifndef CRFTAG_CLUSTERS_H
#define CRFTAG_CLUSTERS_H

#include <stddef.h>
#include <stdint.h>
#include "crftag.h"
#include "hash.h"

#define CL_MAXPATH 64            /* longest path (digits) */
#define CL_MAXWORD 4096          /* longest word (bytes) */
#define CL_MAXCLASSES 4096       /* most classes cl_learn makes */
#define CL_NONE UINT32_MAX       /* cl_lookup: word not in the table */

struct crftag_clusters {
    size_t nwords;
    size_t *word_off;            /* [nwords] offset of the word in text */
    uint32_t *word_path;         /* [nwords] its path */
    uint64_t *word_count;        /* [nwords] count in the learning text (0 unknown) */
    size_t words_cap;
    char *text;                  /* words, each NUL-terminated */
    size_t text_len, text_cap;
    size_t npaths;
    size_t *path_off;            /* [npaths] offset of the path in ptext */
    size_t paths_cap;
    char *ptext;                 /* paths, each NUL-terminated */
    size_t ptext_len, ptext_cap;
    int flat;                    /* 1: some path is not a bit string */
    struct htab index;           /* word hash -> word */
    struct htab pindex;          /* path hash -> path */
};

static inline const char *cl_word(const struct crftag_clusters *c, size_t w)
{
    return c->text + c->word_off[w];
}

static inline const char *cl_path(const struct crftag_clusters *c, size_t p)
{
    return c->ptext + c->path_off[p];
}

struct crftag_clusters *cl_new(void);
void cl_free(struct crftag_clusters *c);

/* Adds word w[0..wlen) in the cluster path[0..plen) with its count.
 * Returns CRFTAG_OK, CRFTAG_ERR_NOMEM, or CRFTAG_ERR_INVALID when the word
 * is empty, longer than CL_MAXWORD, holds a NUL, TAB, CR or LF byte, is
 * already in the table, or the path is not 1..CL_MAXPATH digits. */
enum crftag_status cl_add(struct crftag_clusters *c, const char *w, size_t wlen, const char *path,
                          size_t plen, uint64_t count);

/* Adds the path path[0..plen) (1..CL_MAXPATH digits) as path *id; returns
 * CRFTAG_ERR_INVALID when it is not valid or already present. */
enum crftag_status cl_add_path(struct crftag_clusters *c, const char *path, size_t plen,
                               uint32_t *id);

/* Adds word w[0..wlen) in the existing path p (< npaths); CRFTAG_ERR_INVALID
 * as cl_add for the word, or when p is out of range. */
enum crftag_status cl_add_word(struct crftag_clusters *c, const char *w, size_t wlen,
                               uint32_t p, uint64_t count);

/* Path index of word w[0..len) (as it is, else ASCII-lower-cased), or
 * CL_NONE. */
uint32_t cl_lookup(const struct crftag_clusters *c, const char *w, size_t len);

/* Reads a cluster file: one word a line, "WORD<TAB>PATH" or
 * "WORD<TAB>PATH<TAB>COUNT", or Liang's order "PATH<TAB>WORD<TAB>COUNT"
 * (chosen when the first line's first field is made of '0' and '1' and
 * its second field is not all digits); blank lines are skipped; plain or
 * gzip.  Errors name the file and line. */
enum crftag_status cl_read(const char *path, struct crftag_clusters **out, struct crftag_error *err);

/* Writes "WORD<TAB>PATH<TAB>COUNT" lines in table order, atomically. */
enum crftag_status cl_write(const struct crftag_clusters *c, const char *path,
                            struct crftag_error *err);

/* Whether w[0..len) can be a word of a table: 1..CL_MAXWORD bytes, none of
 * them NUL, TAB, CR or LF. */
int cl_word_ok(const char *w, size_t len);

/* ---- learning ---------------------------------------------------------- */

#define CL_EOS_MARK UINT32_MAX   /* sentence end in the learner's stream */

/* The text to learn from: filled by cl_learner_add (clusters.c), read by
 * cl_learn (cluster_learn.c). */
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

struct crftag_clusterer *cl_learner_new(void);
void cl_learner_free(struct crftag_clusterer *cr);

/* Appends one sentence of n tokens (tok[i][0..len[i]); len may be NULL for
 * NUL-terminated tokens).  Empty tokens are skipped. */
enum crftag_status cl_learner_add(struct crftag_clusterer *cr, const char *const *tok,
                                  const size_t *len, size_t n);

/* Sentences and tokens added, distinct words seen. */
void cl_learner_size(const struct crftag_clusterer *cr, size_t *sentences, size_t *tokens,
                     size_t *types);

/* Learns the clusters of the text added so far (see cluster_learn.c); p
 * must be valid (num_clusters 2..CL_MAXCLASSES, min_count >= 1, max_iter >= 0).
 * Fails with CRFTAG_ERR_INVALID when no word reaches min_count, and
 * CRFTAG_ERR_CANCELED when the progress callback asks to stop. */
enum crftag_status cl_learn(const struct crftag_clusterer *cr,
                            const struct crftag_cluster_params *p, struct crftag_clusters **out,
                            struct crftag_error *err);

#endif
