/*
 * confidence.h - `crftag tag --marginals`, `--all-marginals`, `--nbest N`:
 * tagging with probabilities and writing them (confidence.c).
 */
#ifndef CRFTAG_CLI_CONFIDENCE_H
#define CRFTAG_CLI_CONFIDENCE_H

#include <stdint.h>
#include <stdio.h>

#include "crftag.h"
#include "output.h"

/* Largest --nbest. */
#define CONF_NBEST_MAX 1000

/* The probabilities of one tagged sentence (struct out_sentence's conf). */
struct out_conf {
    double prob;                 /* P(tags | tokens) */
    int marginals;               /* write the marginals */
    const double *marg;          /* [n][nlabels] P(y_i = y | tokens) */
    size_t nlabels;
    const char *const *labels;   /* [nlabels] the model's label names */
    int all;                     /* write every label's marginal */
    const uint32_t *ids;         /* [n] label ids of the tags */
    const double *ent;           /* [chunks] probability of each entity */
    size_t nbest;                /* labellings in nb_ids, nb_prob (0: not asked) */
    const uint32_t *nb_ids;      /* [nbest][n] */
    const double *nb_prob;       /* [nbest] */
};

/* What was asked, and per-sentence buffers grown as needed. */
struct tag_conf {
    int marginals;               /* --marginals (--all-marginals sets it too) */
    int all_marginals;           /* --all-marginals */
    uint32_t nbest;              /* --nbest N, 0 = not asked */
    double *marg;                /* [n][L] */
    size_t marg_cap;
    double *ent;                 /* [n] entity probabilities */
    size_t ent_cap;
    uint32_t *nb_ids;            /* [nbest][n] */
    size_t nb_cap;
    double *nb_prob;             /* [nbest] */
    const char **labels;         /* [L] */
    struct out_conf out;
};

/* Tags one sentence (cols as crftag_tagger_tag) into ids[n] and tags[n],
 * with the probabilities asked for, and points the confidence fields of s
 * at them (chunks: room for n, as out_write's).  Returns 0, or -1 after
 * printing an error. */
int conf_tag(struct tag_conf *c, struct crftag_tagger *t, const struct crftag_model *m,
             int plain, const char *const *cols, size_t n, size_t stride, uint32_t *ids,
             const char **tags, struct crftag_chunk *chunks, struct out_sentence *s);

void conf_free(struct tag_conf *c);

/* The conll format with probabilities (s->conf set): see confidence.c. */
void conf_write_conll(FILE *f, const struct out_sentence *s);

/* The members a JSON sentence object gains (after "entities", before '}'). */
void conf_write_json(FILE *f, const struct out_sentence *s);

#endif
