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

/* Checks that s[0..len) is one JSON value (RFC 8259), white space around
 * it allowed.  Returns NULL, or a message. */
const char *json_check(const char *s, size_t len);

/* A member of a record kept for the output: line[off, off + len), from the
 * opening quote of its name to the end of its value. */
struct json_range {
    size_t off, len;
};

/* A record and its buffers (reused from record to record; zero it first,
 * free it with json_rec_free). */
struct json_rec {
    char *text;                 /* the decoded text, text_len bytes */
    size_t text_len;
    int object;                 /* the record is an object (else a string) */
    struct json_range *keep;    /* object: its members in order, but those */
    size_t nkeep, nkeep_cap;    /*   named in `replaced` */
    char *key;                  /* scratch: a decoded member name */
    size_t cap;                 /* bytes of text and key */
};

/* Reads record line[0..len): a JSON string, or an object with a string
 * member "text" (once).  Members whose decoded name is in the
 * NULL-terminated list replaced (which the output writes anew) are checked
 * and left out of rec->keep.  Returns NULL, or a message. */
const char *json_record(const char *line, size_t len, struct json_rec *rec,
                        const char *const *replaced);

void json_rec_free(struct json_rec *rec);

/* Writes s[0..n) as a JSON string (s is valid UTF-8: it was decoded from
 * JSON). */
void json_put(FILE *f, const char *s, size_t n);

#endif
