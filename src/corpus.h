/*
 * corpus.h - reading annotated sentences (core layer).
 *
 *   file (plain/.gz) --io_reader--> corpus_reader --next--> struct sentence
 *   sentences ------------------------------------------> struct crftag_corpus
 *
 * Formats (detected on the first non-empty line):
 *   WikiSER  "<s>" line, then one "TOKEN<TAB>TAG" line per token, then "</s>".
 *            The token may contain spaces; fields are split on TAB only.
 *            An unlabeled block ("TOKEN" lines without TAB) has 1 column.
 *   CoNLL    one token per line, columns split on TAB when the line holds a
 *            TAB, else on runs of spaces; a blank line ends a sentence;
 *            "-DOCSTART-" lines are skipped.  Every token of a file has the
 *            same number of columns.
 *   CRFsuite "LABEL<TAB>ATTR<TAB>ATTR..." lines, a blank line ends a sentence
 *            (attrs.h).  A token has 2 columns: its attributes in canonical
 *            form (attrs.h), then the label (may be empty).  Detected from
 *            the first 1000 lines, when they hold TABs and a field after the
 *            first has a weight or an escape, or every line's last field
 *            holds a '=', or the first fields take far fewer values than the
 *            last (corpus_detect).
 */
#ifndef CRFTAG_CORPUS_H
#define CRFTAG_CORPUS_H

#include <stddef.h>
#include <stdint.h>
#include "crftag.h"

enum corpus_format { CORPUS_UNKNOWN = 0, CORPUS_WIKISER = 1, CORPUS_CONLL = 2,
                     CORPUS_CRFSUITE = 3 };

/* One sentence: n tokens of ncols columns each.  cols[i * ncols + j] is
 * column j of token i, NUL-terminated; the strings and the array are owned
 * by whoever filled the sentence (reader or corpus). */
struct sentence {
    size_t n;
    size_t ncols;
    const char **cols;      /* [n][ncols] */
    long line;              /* line of the first token, for messages */
};

/* Streaming reader: one sentence at a time in memory. */
struct corpus_reader;

enum crftag_status corpus_reader_open(const char *path, struct corpus_reader **out,
                                      struct crftag_error *err);

/* Reads the next sentence into *s (valid until the next call or close).
 * Returns 1, 0 at end of input, or a negative status with err naming file
 * and line.  Empty sentences (e.g. "<s></s>") are skipped. */
int corpus_reader_next(struct corpus_reader *r, struct sentence *s, struct crftag_error *err);

/* 1 when a -DOCSTART- line came between the sentence corpus_reader_next
 * returned last and the one before it (or the start of the input). */
int corpus_reader_doc_start(const struct corpus_reader *r);

/* The same reading the format fmt: CORPUS_UNKNOWN detects any, CORPUS_CONLL
 * WikiSER or CoNLL columns (never CRFsuite), CORPUS_CRFSUITE only that. */
enum crftag_status corpus_reader_open_format(const char *path, enum corpus_format fmt,
                                             struct corpus_reader **out,
                                             struct crftag_error *err);

/* 1 when the next corpus_reader_next starts without waiting for input
 * (io_ready, or lines kept from the format detection, or the end or an
 * error already met); 0 when it may wait. */
int corpus_reader_ready(const struct corpus_reader *r);

enum corpus_format corpus_reader_format(const struct corpus_reader *r);
const char *corpus_reader_path(const struct corpus_reader *r);
void corpus_reader_close(struct corpus_reader *r);

/* A corpus in memory.  Strings live in one arena; sentence s has tokens
 * [sent_start[s], sent_start[s+1]).  doc[s] is 1 where a document starts:
 * at the first sentence read from a file and after a -DOCSTART- line (the
 * training's held-out scoring empties the document memory there). */
struct crftag_corpus {
    size_t ncols;            /* columns per token, label included; 0 = none yet */
    size_t nsent;
    size_t ntok;
    size_t *sent_start;      /* [nsent + 1] */
    size_t sent_cap;
    unsigned char *doc;      /* [nsent]: 1 where a document starts */
    size_t doc_cap;
    const char **cells;      /* [ntok][ncols], pointers into the arena */
    size_t cells_cap;
    struct corpus_block *arena;  /* chunked string storage (stable pointers) */
    int attrs;               /* 1: CRFsuite attributes (column 0 canonical, attrs.h) */
};

/* Appends a sentence (copies its strings).  Fails with CRFTAG_ERR_PARSE if
 * its column count differs from the corpus's. */
enum crftag_status corpus_add(struct crftag_corpus *c, const struct sentence *s,
                              struct crftag_error *err);

/* The reader format of a public enum crftag_input_format. */
enum corpus_format corpus_format_of(int format);

/* 1 when a document starts at sentence i (doc above). */
static inline int corpus_doc_start(const struct crftag_corpus *c, size_t i)
{
    return c->doc[i];
}

/* View of sentence i (cols point into the corpus). */
void corpus_sentence(const struct crftag_corpus *c, size_t i, struct sentence *out);

#endif
