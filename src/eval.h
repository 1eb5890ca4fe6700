/*
 * eval.h - conlleval-compatible chunk evaluation (pipeline layer).
 *
 * Implements the crftag_eval_* and crftag_chunks calls of include/crftag.h.
 * The chunk rules are those of the CoNLL conlleval script (2004-01-26):
 * a chunk ends before B-, before O, before a different type and at a
 * sentence end (also E>E, E>I, and after [ or ]; never after a '.' tag);
 * it starts at B-, at I- after O or after a different type (also O>E, E>E,
 * E>I, at [ and ]).  The script has no S- rules: S- acts only through the
 * type rule, so S-X S-X (and B-X E-X B-X E-X) is one chunk.  Full rules in
 * eval.c.
 *
 * Plain tags (part-of-speech tags, say; labels.h labels_plain, the rule of
 * crftag_labels_plain) have no chunks: when the gold labels are plain tags,
 * the results are token accuracy and per-tag precision / recall / F1, each
 * token not tagged "O" counting as a one-token chunk (crftag_chunks_plain).
 */
#ifndef CRFTAG_EVAL_H
#define CRFTAG_EVAL_H

#include "crftag.h"

/* conlleval's endOfChunk / startOfChunk on (tag, type) pairs. */
int eval_end_of_chunk(const char *prev_tag, size_t prev_tag_len, const char *prev_type,
                      size_t prev_type_len, const char *tag, size_t tag_len,
                      const char *type, size_t type_len);
int eval_start_of_chunk(const char *prev_tag, size_t prev_tag_len, const char *prev_type,
                        size_t prev_type_len, const char *tag, size_t tag_len,
                        const char *type, size_t type_len);

#endif
