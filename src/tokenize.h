/*
 * tokenize.h - raw text -> sentences -> tokens with byte offsets (core layer).
 *
 * Implements crftag_tokenize() (see include/crftag.h for the rules).
 */
#ifndef CRFTAG_TOKENIZE_H
#define CRFTAG_TOKENIZE_H

#include <stddef.h>
#include "crftag.h"

/* Appends the tokens of text[0..len) to *toks (capacity *cap, count *n),
 * growing the array; offsets are relative to text.  The first token gets
 * sentence_start = 1.  Returns CRFTAG_OK or CRFTAG_ERR_NOMEM.
 * The rules are listed at the top of tokenize.c.  NUL bytes in text count as
 * whitespace; len = 0 (text may then be NULL) appends nothing.  On
 * CRFTAG_ERR_NOMEM *n is restored (the array may have grown and stays the
 * caller's); NULL toks/n/cap, or NULL text with len > 0, give
 * CRFTAG_ERR_INVALID.  O(len) time, no allocation besides the array. */
enum crftag_status tok_split(const char *text, size_t len, struct crftag_token **toks,
                             size_t *n, size_t *cap);

/* Offset of the first byte of s[0..n) that does not start a valid, complete,
 * shortest-form UTF-8 sequence (no surrogates, <= U+10FFFF), or n when all
 * of it is valid UTF-8. */
size_t tok_utf8_invalid(const char *s, size_t n);

#endif
