/*
 * confidence.c - `crftag tag` with probabilities (--marginals,
 * --all-marginals, --nbest N).
 *
 * Every probability comes from the library's crftag_tagger_tag_prob,
 * crftag_tagger_entity_prob and crftag_tagger_nbest: the lattice the tagger
 * decodes (BIO constraint and label bias included).  Numbers are printed
 * with %.6g.
 *
 *   conll   --marginals: "# p=P" (P(tags | tokens)) before each sentence, a
 *           third column with the marginal of the token's tag;
 *           --all-marginals: then one more column LABEL/P per label of the
 *           model, in the model's order (as CRF++ -v2);
 *           --nbest N: each labelling as a block "# n-best K p=P", the
 *           tokens (with the marginal column when asked), a blank line;
 *           K = 1 starts a sentence.
 *   spans   a fifth column: the entity's probability.
 *   json    "prob" in each entity and in the sentence; "marginals" (the
 *           tag's, per token), "all_marginals" (per token an object label:
 *           P), "nbest" ([{"prob":P,"tags":[...]},...]) when asked.
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "confidence.h"
#include "json.h"

static int conf_grow(void **p, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap)
        return 0;
    size_t c = *cap ? *cap : 64;
    while (c < need)
        c *= 2;
    if (c > SIZE_MAX / size)
        return -1;
    void *np = realloc(*p, c * size);
    if (!np)
        return -1;
    *p = np;
    *cap = c;
    return 0;
}

static int conf_reserve(struct tag_conf *c, size_t n, size_t L)
{
    if (n > SIZE_MAX / (L > CONF_NBEST_MAX ? L : CONF_NBEST_MAX))
        return -1;
    if (conf_grow((void **)&c->marg, &c->marg_cap, n * L, sizeof *c->marg) ||
        conf_grow((void **)&c->ent, &c->ent_cap, n, sizeof *c->ent))
        return -1;
    if (c->nbest && conf_grow((void **)&c->nb_ids, &c->nb_cap, c->nbest * n, sizeof *c->nb_ids))
        return -1;
    if (c->nbest && !c->nb_prob && !(c->nb_prob = malloc(c->nbest * sizeof *c->nb_prob)))
        return -1;
    if (!c->labels) {
        if (!(c->labels = malloc(L * sizeof *c->labels)))
            return -1;
    }
    return 0;
}

int conf_tag(struct tag_conf *c, struct crftag_tagger *t, const struct crftag_model *m,
             int plain, const char *const *cols, size_t n, size_t stride, uint32_t *ids,
             const char **tags, struct crftag_chunk *chunks, struct out_sentence *s)
{
    size_t L = crftag_model_num_labels(m);
    if (conf_reserve(c, n, L)) {
        cli_errorf("out of memory");
        return -1;
    }
    for (size_t y = 0; y < L; y++)
        c->labels[y] = crftag_model_label(m, (uint32_t)y);
    struct crftag_error err;
    double prob;
    enum crftag_status st = crftag_tagger_tag_prob(t, cols, n, stride, ids, &prob, c->marg, &err);
    if (st != CRFTAG_OK) {
        cli_error(&err, st);
        return -1;
    }
    for (size_t i = 0; i < n; i++)
        tags[i] = c->labels[ids[i]];
    size_t nc = plain ? crftag_chunks_plain(tags, n, chunks) : crftag_chunks(tags, n, chunks);
    for (size_t k = 0; k < nc && st == CRFTAG_OK; k++)
        st = crftag_tagger_entity_prob(t, ids, chunks[k].begin, chunks[k].end, &c->ent[k], &err);
    size_t got = 0;
    if (st == CRFTAG_OK && c->nbest)
        st = crftag_tagger_nbest(t, cols, n, stride, c->nbest, c->nb_ids, c->nb_prob, &got, &err);
    if (st != CRFTAG_OK) {
        cli_error(&err, st);
        return -1;
    }
    c->out = (struct out_conf){
        .prob = prob, .marginals = c->marginals, .marg = c->marg, .nlabels = L, .labels = c->labels,
        .all = c->all_marginals, .ids = ids, .ent = c->ent, .nbest = got,
        .nb_ids = c->nb_ids, .nb_prob = c->nb_prob,
    };
    s->conf = &c->out;
    return 0;
}

void conf_free(struct tag_conf *c)
{
    free(c->marg);
    free(c->ent);
    free(c->nb_ids);
    free(c->nb_prob);
    free(c->labels);
}

/* The tokens of one labelling ids[n], with marginal columns when asked
 * (marg is NULL when --marginals was not given). */
static void conf_conll_tokens(FILE *f, const struct out_sentence *s, const uint32_t *ids,
                              const double *marg)
{
    const struct out_conf *c = s->conf;
    for (size_t i = 0; i < s->n; i++) {
        if (s->cols) {          /* tokenized input: every column, then the tag */
            for (size_t j = 0; j < s->ncols; j++) {
                fputs(s->cols[i * s->ncols + j], f);
                fputc('\t', f);
            }
        } else {
            fwrite(s->tok[i], 1, s->tok_len[i], f);
            fputc('\t', f);
        }
        fputs(c->labels[ids[i]], f);
        if (marg) {
            const double *row = marg + i * c->nlabels;
            fprintf(f, "\t%.6g", row[ids[i]]);
            for (size_t y = 0; c->all && y < c->nlabels; y++)
                fprintf(f, "\t%s/%.6g", c->labels[y], row[y]);
        }
        fputc('\n', f);
    }
    fputc('\n', f);
}

void conf_write_conll(FILE *f, const struct out_sentence *s)
{
    const struct out_conf *c = s->conf;
    const double *marg = c->marg && c->marginals ? c->marg : NULL;
    if (c->nbest == 0) {
        fprintf(f, "# p=%.6g\n", c->prob);
        conf_conll_tokens(f, s, c->ids, marg);
        return;
    }
    for (size_t r = 0; r < c->nbest; r++) {
        fprintf(f, "# n-best %zu p=%.6g\n", r + 1, c->nb_prob[r]);
        conf_conll_tokens(f, s, c->nb_ids + r * s->n, marg);
    }
}

void conf_write_json(FILE *f, const struct out_sentence *s)
{
    const struct out_conf *c = s->conf;
    fprintf(f, ",\"prob\":%.6g", c->prob);
    if (c->marginals) {
        fputs(",\"marginals\":[", f);
        for (size_t i = 0; i < s->n; i++)
            fprintf(f, "%s%.6g", i ? "," : "", c->marg[i * c->nlabels + c->ids[i]]);
        fputc(']', f);
    }
    if (c->all) {
        fputs(",\"all_marginals\":[", f);
        for (size_t i = 0; i < s->n; i++) {
            fputs(i ? ",{" : "{", f);
            for (size_t y = 0; y < c->nlabels; y++) {
                if (y)
                    fputc(',', f);
                json_put(f, c->labels[y], strlen(c->labels[y]));
                fprintf(f, ":%.6g", c->marg[i * c->nlabels + y]);
            }
            fputc('}', f);
        }
        fputc(']', f);
    }
    if (c->nbest) {
        fputs(",\"nbest\":[", f);
        for (size_t r = 0; r < c->nbest; r++) {
            fprintf(f, "%s{\"prob\":%.6g,\"tags\":[", r ? "," : "", c->nb_prob[r]);
            for (size_t i = 0; i < s->n; i++) {
                const char *l = c->labels[c->nb_ids[r * s->n + i]];
                if (i)
                    fputc(',', f);
                json_put(f, l, strlen(l));
            }
            fputs("]}", f);
        }
        fputc(']', f);
    }
}
