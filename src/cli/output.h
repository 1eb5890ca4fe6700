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
    const struct out_conf *conf; /* probabilities to write (confidence.h), or NULL */
};

/* Writes the sentence; chunks needs room for n entries.  Returns 0, or -1
 * when the write failed. */
int out_write(FILE *f, enum out_format fmt, const struct out_sentence *s,
              struct crftag_chunk *chunks);

#endif
