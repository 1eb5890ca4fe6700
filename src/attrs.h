/*
 * attrs.h - attribute strings given with the data (core layer): CRFsuite's
 * attribute fields and the canonical form a corpus keeps them in.
 *
 * CRFsuite's data format (crftag --input-format crfsuite):
 *
 *   LABEL<TAB>ATTR<TAB>ATTR...      one line a token
 *   (blank line)                    after each sentence
 *
 * An ATTR field is "name" (weight 1) or "name:weight" (weight a decimal
 * number, as strtod reads it; an empty weight is 1).  In names "\:" is a
 * literal colon and "\\" a backslash; any other backslash is itself.  A
 * field starting with '#' comments out the rest of its line; a line whose
 * first field does is skipped.  Empty fields (TAB TAB) are skipped.
 *
 * Canonical form (column 0 of a corpus token): the fields separated by one
 * TAB, each the name escaped ("\\" backslash, "\:" colon, "\t" TAB, "\n"
 * newline), then ":weight" when the weight is not 1.  The reader and
 * crftag_corpus_add_attrs both write it, feat_attrs_sentence reads it.
 */
#ifndef CRFTAG_ATTRS_H
#define CRFTAG_ATTRS_H

#include <stddef.h>

/* Checks one field f[0..n) of a CRFsuite file (n > 0, no TAB) and appends
 * its canonical form to buf (*len bytes used, capacity *cap, grown as
 * needed; a TAB first when *len > 0).  Returns NULL, or a static message
 * ("out of memory" included). */
const char *attrs_file_field(const char *f, size_t n, char **buf, size_t *len, size_t *cap);

/* Appends name[0..n) with weight w in canonical form (as above). */
const char *attrs_append(const char *name, size_t n, double w, char **buf, size_t *len,
                         size_t *cap);

/* One field of the canonical cell at s (not at its end): *name and *len
 * receive the field's name with its escapes undone (pointing into the cell
 * when it holds none, else into *buf, grown as needed: *cap bytes) and *w
 * its weight (1 without one).  Returns the start of the next field (the
 * cell's NUL after the last one), or NULL when out of memory.  The one
 * reader of the form: the attributes' ids (feat_attrs_sentence) and their
 * names (featname.c) both walk a cell with it. */
const char *attrs_cell_field(const char *s, char **buf, size_t *cap, const char **name,
                             size_t *len, double *w);

#endif
