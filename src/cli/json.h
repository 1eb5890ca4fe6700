/*
 * json.h - reading the records of JSON lines, writing JSON strings (for
 * `crftag tag --input-format jsonl`).
 */
#ifndef CRFTAG_CLI_JSON_H
#define CRFTAG_CLI_JSON_H

#include <stddef.h>
#include <stdio.h>

/* The first byte of p[0..end) that is not JSON white space, or end. */
const char *json_ws(const char *p, const char *end);

/* Decodes the JSON string at *pp (at its opening quote) into out (room for
 * end - *pp bytes: escapes never grow; NULL: only check it), sets *out_len
 * and moves *pp past the closing quote.  Returns NULL or a message. */
const char *json_string(const char **pp, const char *end, char *out, size_t *out_len);

/* The text of record line[0..len) into out (room for len bytes).  Returns
 * NULL, or a message. */
const char *json_record(const char *line, size_t len, char *out, size_t *out_len);

/* Writes s[0..n) as a JSON string (s is valid UTF-8: it was decoded from
 * JSON). */
void json_put(FILE *f, const char *s, size_t n);

#endif
