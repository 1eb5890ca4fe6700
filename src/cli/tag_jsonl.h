/*
 * tag_jsonl.h - `crftag tag --input-format jsonl`: one JSON record in, one
 * JSON line out.
 */
#ifndef CRFTAG_CLI_TAG_JSONL_H
#define CRFTAG_CLI_TAG_JSONL_H

#include "crftag.h"

struct jsonl_opts {
    struct crftag_tagger *t;
    const struct crftag_model *m;
    int plain;          /* the model's labels are plain tags */
    int tokens;         /* write "tokens" and "tags" (--format conll or json) */
    int offsets;        /* also "offsets", "char_offsets", "sentences" (json) */
    int flush;          /* flush stdout after every record */
    int no_constraint;  /* --no-constraint, --bias (or NULL): for the taggers of */
    const char *bias;   /* threads > 1 (tag_mt.c), each its own; t serves one */
    int threads;
    size_t memory;      /* document memory of each record, in sentences (0: none) */
};

/* Tags the records of path ("-": stdin; gzip or not).  Returns 0, or -1
 * when a record was refused (reported, the others answered) or reading or
 * writing failed. */
int tag_jsonl(const struct jsonl_opts *o, const char *path);

#endif
