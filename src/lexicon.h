/*
 * lexicon.h - the entity lexicon of the built-in features (core layer).
 *
 *   training corpus --lex_build--> entries: token sequence -> (type, how
 *   often the sequence is an entity, how often it is one at all)
 *   sentence --lex_match--> per token: lexicon value and position in the
 *                           longest match (0 = no match)
 *
 * An entry is a token sequence (1..LEX_MAXTOK tokens) that is an entity
 * somewhere in the training data.  Its value packs
 *
 *   type   the entity type it is labelled with most often (ties: the type
 *          seen first), an index into types[]
 *   rb     ratio bucket of  entity occurrences / all occurrences  of the
 *          sequence in the training text (labels are noisy: "Java" the
 *          language may also be left unlabelled)
 *   cb     count bucket of the entity occurrences: 1, 2..4, 5+
 *
 *   value = 1 + (type * LEX_NRB + rb) * LEX_NCB + cb     (0 = none)
 *
 * Held-out folds (folds > 0, the default of training): training sentences
 * are cut into K contiguous blocks; a sentence of block k is matched against
 * the lexicon built from the other blocks only (view 1 + k), so the model
 * learns how far an entry seen in *other* text can be trusted, and sees the
 * coverage that new text will have (no sentence sees its own labels).
 * Blocks, not every K-th sentence: the sentences of one document stay in one
 * block, since a document repeats its own names (on BC5CDR dev, F1 82.1 with
 * 10 blocks, 77.4 with every 10th sentence; docs/ACCURACY.md).  View 0, the
 * lexicon of all training data, is the one stored in the model and used for
 * tagging and for dev data.  Without folds (folds = 0) training sentences
 * see view 0, their own entities included.
 *
 * Matching: left to right, at each token the longest entry starting there
 * that has a value in the view; its tokens get positions 1 (single token),
 * 2 (first), 3 (inside), 4 (last), and matching resumes after it.
 * Tokens are compared with ASCII letters folded to lower case ("Merge sort"
 * matches the entry "merge sort"; entries differing only in case are one
 * entry, stored as first seen).  With LEX_FOLD_PLURAL (the lexicon of
 * built-in feature set version 3 and later) a final plural 's' is folded too:
 * a token of at least 4 bytes that ends in 's' or 'S' after an ASCII letter
 * other than s, u, i (either case) is compared without its last byte, so
 * "hash tables" matches "hash table" and "Kernels" "kernel", while "class",
 * "virus", "analysis", "GPUs", "x86s" and "DES" stay as they are.  Token
 * sequences are found through the 64-bit hash of their folded tokens (each
 * followed by a 0 byte) under the feature seed; every prefix of an entry is
 * in the index, so a scan stops at the first token that no entry continues.
 */
#ifndef CRFTAG_LEXICON_H
#define CRFTAG_LEXICON_H

#include <stddef.h>
#include <stdint.h>
#include "crftag.h"
#include "hash.h"

#define LEX_MAXTOK 8             /* longest entry, tokens */
#define LEX_MAXTOKLEN 4096       /* longest token of an entry, bytes */
#define LEX_MAXTYPES 255
#define LEX_NRB 7                /* ratio buckets */
#define LEX_NCB 3                /* count buckets */
#define LEX_MAXFOLDS 64
#define LEX_FOLD_PLURAL 1u       /* lexicon.fold: fold a final plural 's' */
#define LEX_MAXTYPELEN 256       /* longest type name of a user lexicon file, bytes */
#define LEX_MAXFILES 64          /* user lexicon files of one model */
#define LEX_USER_TYPE "ENTRY"    /* type of a user lexicon line without a TAB */

struct lexicon {
    uint64_t seed;
    unsigned fold;               /* LEX_FOLD_* besides ASCII case (always folded) */
    size_t ntypes;
    char **types;                /* [ntypes] entity type names, owned */
    /* entries, in insertion order (saved in this order) */
    size_t nent;
    uint8_t *ent_ntok;           /* [nent] */
    size_t *ent_text;            /* [nent] offset of the tokens in text */
    uint32_t *ent_node;          /* [nent] its node */
    char *text;                  /* tokens, each NUL-terminated */
    size_t text_len, text_cap;
    size_t ent_cap;
    /* nodes: every prefix of an entry; val[node * nviews + view] */
    struct htab index;           /* hash of the token sequence -> node */
    size_t nnodes, nodes_cap;
    size_t nviews;               /* 1 + folds (training) or 1 (loaded) */
    uint16_t *val;
    size_t folds;                /* K (0: no held-out folds) */
    size_t nsent;                /* sentences the folds were cut from */
    size_t sent0;                /* index among them of the first sentence of */
                                 /* this corpus (0; data-parallel: its rank's */
                                 /* first, lex_build_shared) */
};

/* Value decoding. */
static inline unsigned lex_type(unsigned v) { return (v - 1) / (LEX_NRB * LEX_NCB); }
static inline unsigned lex_rb(unsigned v) { return (v - 1) / LEX_NCB % LEX_NRB; }
static inline unsigned lex_cb(unsigned v) { return (v - 1) % LEX_NCB; }

/* Builds the lexicon of corpus c (labels in its last column, tokens in
 * column 0; chunks by conlleval's rules) with `folds` held-out folds (0..64)
 * and token folding `fold` (LEX_FOLD_* bits).  *out is NULL when the labels
 * hold no entity. */
enum crftag_status lex_build(const struct crftag_corpus *c, size_t folds, unsigned fold,
                             uint64_t seed, struct lexicon **out, struct crftag_error *err);

/* Data-parallel building (lex_build_shared): this process's corpus holds
 * the sentences sent0 .. sent0 + its nsent - 1 of nsent in all; bcast gives
 * rank root's blob (*buf, malloc'd: the caller frees it; mine[mine_len] is
 * this rank's, sent when it is root) and sum32 sums n counts over the ranks
 * in place; each returns non-zero on failure. */
struct lex_share {
    size_t sent0, nsent;
    int nranks;
    int (*bcast)(int root, const void *mine, size_t mine_len, void **buf, size_t *len,
                 void *user);
    int (*sum32)(uint32_t *buf, size_t n, void *user);
    void *user;
};

/* lex_build over the sentences of every rank of sh (lex_build when sh is
 * NULL): entries and types merged in rank order, counts summed, folds cut
 * from the sentences of all ranks; every rank gets the same lexicon, the
 * one lex_build gives on all the sentences.  c may be empty (a rank
 * without sentences). */
enum crftag_status lex_build_shared(const struct crftag_corpus *c, size_t folds, unsigned fold,
                                    uint64_t seed, const struct lex_share *sh,
                                    struct lexicon **out, struct crftag_error *err);

/* An empty lexicon with one view and token folding `fold` (for the model
 * loader). */
struct lexicon *lex_new(uint64_t seed, unsigned fold);

/* Adds a type name; returns its index or -1 (out of memory, too many). */
long lex_add_type(struct lexicon *lx, const char *name, size_t len);

/* Adds an entry of ntok tokens (1..LEX_MAXTOK) with its view-0 value.
 * Returns CRFTAG_OK, CRFTAG_ERR_NOMEM, or CRFTAG_ERR_INVALID when the entry
 * is already present or the value is not valid. */
enum crftag_status lex_add_entry(struct lexicon *lx, const char *const *tok, size_t ntok,
                                 unsigned value);

/* Tokens of entry e: ntok NUL-terminated strings one after the other. */
static inline const char *lex_entry_text(const struct lexicon *lx, size_t e)
{
    return lx->text + lx->ent_text[e];
}

/* View of training sentence s (of nsent): 1 + its fold, or 0 without folds. */
size_t lex_train_view(const struct lexicon *lx, size_t s);

/* Value of entry e in view 0. */
unsigned lex_entry_value(const struct lexicon *lx, size_t e);

/* Matches n tokens (cols[i * stride]) in view `view`; fills val[n] (entry
 * value, 0 = none) and pos[n] (1 single, 2 first, 3 inside, 4 last). */
void lex_match(const struct lexicon *lx, size_t view, const char *const *cols, size_t n,
               size_t stride, uint16_t *val, unsigned char *pos);

void lex_free(struct lexicon *lx);

/*
 * User lexicons ("gazetteers") of the built-in features: name lists given
 * by the user (crftag_train_params.lexicon_files), stored in the model and
 * matched like the learned lexicon, but a separate struct lexicon with its
 * own attribute kinds (features.c).  An entry's value only names its type:
 *
 *   value = lex_user_value(type) = 1 + type * LEX_NRB * LEX_NCB
 *
 * (so lex_type() gives the type; the ratio and count buckets are 0).
 *
 * File format: UTF-8 text, plain or gzip, one entry a line:
 *
 *   NAME<TAB>TYPE     NAME of type TYPE (surrounding spaces of TYPE dropped)
 *   NAME              NAME of type LEX_USER_TYPE ("ENTRY")
 *
 * Blank lines (spaces and tabs only) and lines whose first byte is '#' are
 * skipped (a UTF-8 byte order mark opening a file is ignored).  NAME is split
 * into tokens by crftag's tokenizer (tokenize.c), as
 * raw text is when tagging ("GNU/Linux" is one token, "Mac OS X" three);
 * it must give 1..LEX_MAXTOK tokens of at most LEX_MAXTOKLEN bytes.  TYPE:
 * 1..LEX_MAXTYPELEN bytes, no TAB; at most LEX_MAXTYPES types over all the
 * files.  A name already in the lexicon (ASCII case folded: from an earlier
 * line or file) keeps its first type; later lines are counted as
 * duplicates.  Errors name the file and line: NUL byte, invalid UTF-8, more
 * than one TAB, empty name or type, too many tokens, a token or type too
 * long, too many types.
 */
static inline unsigned lex_user_value(unsigned type) { return 1 + type * LEX_NRB * LEX_NCB; }

/* Reads the user lexicon files paths[0..npaths) (1..LEX_MAXFILES) into one
 * lexicon (*out; NULL when the files hold no entry), names compared with
 * the folding fold (LEX_FOLD_*, as the learned lexicon of the same model).
 * *dups (may be NULL) receives the number of lines whose name was already
 * present.  Errors:
 * CRFTAG_ERR_IO, CRFTAG_ERR_PARSE (file:line), CRFTAG_ERR_NOMEM,
 * CRFTAG_ERR_INVALID (no or too many files). */
enum crftag_status lex_read_user(const char *const *paths, size_t npaths, uint64_t seed,
                                 unsigned fold, struct lexicon **out, size_t *dups,
                                 struct crftag_error *err);

/* Value of the entry tok[0..ntok) in view 0, 0 when it is not an entry. */
unsigned lex_lookup(const struct lexicon *lx, const char *const *tok, size_t ntok);

#endif
