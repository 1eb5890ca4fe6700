/*
 * output.h - writers for tagged sentences: CoNLL, spans, JSON lines.
 */
#ifndef CRFTAG_CLI_OUTPUT_H
#define CRFTAG_CLI_OUTPUT_H

#include <stdio.h>
#include "crftag.h"

enum out_format { OUT_CONLL, OUT_SPANS, OUT_JSON };

struct out_conf;

/* One tagged sentence.  tok[i] is token i (tok_len[i] bytes); tags[i] its
 * label.  When text != NULL (raw input), token i is text[start[i]..end[i])
 * and offsets are reported as base + start/end; otherwise offsets are token
 * indices counted from base.  plain: the tags are plain tags (not BIO), so
 * each token not tagged "O" is an entity of its own (crftag_chunks_plain). */
struct out_sentence {
    size_t n;
    const char *const *tok;
    const size_t *tok_len;
    const char *const *tags;
    const char *text;
    const size_t *start, *end;
    size_t base;
    int plain;
    const size_t *cstart, *cend;  /* raw input: token i is characters (code points)
                                   * [cstart[i], cend[i]) of the input (absolute), or NULL */
    const char *const *cols;      /* tokenized input: its ncols columns per token (row i */
    size_t ncols;                 /* at cols[i * ncols]), written before the tag by conll */
    const struct out_conf *conf; /* probabilities to write (confidence.h), or NULL */
};

/* Writes the sentence; chunks needs room for n entries.  Returns 0, or -1
 * when the write failed. */
int out_write(FILE *f, enum out_format fmt, const struct out_sentence *s,
              struct crftag_chunk *chunks);

/* Number of characters (code points) of s[0..n), each byte of invalid
 * UTF-8 counted as one (the U+FFFD it becomes in JSON). */
size_t out_chars(const char *s, size_t n);

/* Character offsets of the n tokens [start[i], end[i]) of text (byte
 * offsets into text, in order, from *pos_b on): the character count is
 * carried in *pos_c from byte *pos_b, and both are moved past the last
 * token. */
void out_char_offsets(const char *text, const size_t *start, const size_t *end, size_t n,
                      size_t *pos_b, size_t *pos_c, size_t *cstart, size_t *cend);

/* Writes s[0..n) as a JSON string (invalid UTF-8: U+FFFD per byte). */
void out_json_str(FILE *f, const char *s, size_t n);

#endif
