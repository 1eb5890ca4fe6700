/*
 * tagger.h - the tagger object behind struct crftag_tagger, shared by the
 * tagging entry points (crftag.c) and the confidence ones (tag_conf.c)
 * (pipeline layer).
 */
#ifndef CRFTAG_TAGGER_H
#define CRFTAG_TAGGER_H

#include <stddef.h>
#include <stdint.h>

#include "crftag.h"
#include "decode.h"
#include "featset.h"
#include "lattice.h"

struct crftag_tagger {
    const struct crftag_model *m;
    int constrained;
    int plain;                   /* the model's labels are plain tags */
    double *trans;               /* [L][L] the model's transitions as double */
    double *bias;                /* [L] label bias (crftag_tagger_set_bias) */
    int bias_on;                 /* some bias is not 0 */
    double *state;               /* [n][L] */
    size_t state_cap;
    struct feat_buf fb;
    struct decode_work dw;
    char *strs;                  /* NUL-terminated copies of tokens */
    size_t strs_cap;
    const char **ptrs;           /* [n] into strs */
    size_t ptrs_cap;
    uint32_t *ids;               /* [n] labels of one sentence (tag_text) */
    const char **names;          /* [n] token pointers, then label names */
    size_t *lens;                /* [n] token lengths */
    struct crftag_chunk *chunks; /* [n] */
    size_t sent_cap;
    /* confidence (tag_conf.c) */
    double *tmask;               /* [L][L] trans with -inf where the BIO mask forbids */
    uint32_t *cont;              /* [L] I-TYPE continuing a chunk ending in B-/I-TYPE, or */
                                 /*     UINT32_MAX */
    struct lattice lat;          /* forward-backward of the last sentence */
    int lat_ok;                  /* lat, lat_tm, lat_start describe the state of the */
                                 /* last sentence tagged */
    const double *lat_tm;        /* tmask or trans */
    const unsigned char *lat_start;
};

/* Fills t->state [n][L] with the state scores of cols [n][stride] (n > 0,
 * every string non-NULL); forgets the lattice of the previous sentence. */
enum crftag_status tagger_state(struct crftag_tagger *t, const char *const *cols, size_t n,
                                size_t stride, struct crftag_error *err);

/* Viterbi over t->state into out_ids[n]; adds the label bias to t->state in
 * place. */
enum crftag_status tagger_decode(struct crftag_tagger *t, size_t n, uint32_t *out_ids,
                                 double *out_score, struct crftag_error *err);

/* Sets up the confidence fields of a new tagger (tmask, cont); 0 or -1 when
 * out of memory (the caller frees the tagger). */
int tagger_conf_init(struct crftag_tagger *t);

/* Frees the confidence fields. */
void tagger_conf_free(struct crftag_tagger *t);

/* Forward-backward over t->state [n][L] after tagger_decode (bias added),
 * with the BIO mask when the tagger is constrained (as Viterbi: without it
 * when no path satisfies it).  Sets t->lat_ok. */
enum crftag_status tagger_lattice(struct crftag_tagger *t, size_t n, struct crftag_error *err);

#endif
