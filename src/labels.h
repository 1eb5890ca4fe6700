/*
 * labels.h - label dictionary and BIO parsing (base layer).
 *
 * Shared by training (label ids), decoding (the BIO constraint) and
 * evaluation (chunk rules).
 */
#ifndef CRFTAG_LABELS_H
#define CRFTAG_LABELS_H

#include <stddef.h>
#include <stdint.h>

struct labels {
    size_t n;
    char **names;            /* [n], owned */
    size_t cap;
    struct htab *index;      /* hash(name) -> id */
};

void labels_init(struct labels *l);
void labels_free(struct labels *l);

/* Id of name, adding it if absent.  Returns the id, or -1 when out of memory
 * (or when there would be more than 65535 labels). */
long labels_add(struct labels *l, const char *name);

/* Id of name, or -1 when absent. */
long labels_find(const struct labels *l, const char *name);

/* Splits a label by conlleval's rule /^([^-]*)-(.*)$/: *tag is the part
 * before the first '-' ("B", "I", "E", "S", ...) and *type the rest; a label
 * without '-' has tag = the whole label and an empty type ("O" -> "O", ""). */
void labels_split(const char *label, const char **tag, size_t *tag_len,
                  const char **type, size_t *type_len);

/* 1 when label is a chunk label: "P-TYPE" with P one of the letters B, I,
 * E, S (upper case, alone before the first '-') and TYPE not empty ("B-PER",
 * "S-Data-Structure"); 0 otherwise ("O", "NOUN", "-LRB-", "B-"). */
int labels_is_chunk(const char *label);

/* 1 when names[0..n) are plain tags (part-of-speech tags, say): none is a
 * chunk label and at least one is not "O"; 0 otherwise.  The rule of
 * crftag_labels_plain (include/crftag.h); NULL entries are skipped. */
int labels_plain(const char *const *names, size_t n);

/* Fills allowed[L*L] (allowed[i*L+j]: label j may follow label i) and
 * start[L] (label j may start a sentence) with the IOB2 rules: I-X only
 * after B-X or I-X.  Returns 1 when the label set is BIO-like (has B-/I-
 * labels), 0 otherwise (then everything is allowed). */
int labels_bio_mask(const struct labels *l, unsigned char *allowed, unsigned char *start);

/* Parses a label bias spec into out[n]: comma-separated items "X" (every
 * label with a type, i.e. every label but "O"-like ones) or "TYPE=X" (the
 * labels of that type), later items overriding earlier ones; X a finite
 * number in -100..100.  Returns 0, or -1 with a message in msg[msg_len]. */
int labels_bias_parse(const struct labels *l, const char *spec, float *out, char *msg,
                      size_t msg_len);

#endif
