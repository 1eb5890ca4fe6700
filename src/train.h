/*
 * train.h - internal entry points of the trainer (pipeline layer).
 *
 * crftag_train() and crftag_train_params_init() are public (crftag.h); this
 * header exposes the objective itself so that tests can check its gradient.
 */
#ifndef CRFTAG_TRAIN_H
#define CRFTAG_TRAIN_H

#include <stddef.h>
#include "crftag.h"

/* c1, c2 and delta that are CRFTAG_TRAIN_AUTO become the values for p's kind
 * of features (crftag.h: with a template the elastic net, else L2), and
 * lexicon_folds CRFTAG_LEXICON_FOLDS_AUTO CRFTAG_LEXICON_FOLDS (the choice
 * of bias auto is made before, in train_bias.c). */
void train_resolve(struct crftag_train_params *p);

/* And all_labels CRFTAG_ALL_LABELS_AUTO the value for c's labels (crftag.h),
 * counted over the ranks of p->comm; call it after train_resolve. */
enum crftag_status train_resolve_labels(struct crftag_train_params *p,
                                        const struct crftag_corpus *c,
                                        struct crftag_error *err);

/* Builds the training problem of c under p and, when x != NULL, evaluates
 * the objective f(x) and its gradient g[n] at x[n] (n must equal the number
 * of parameters, which *out_nparams receives when not NULL).  Parameters are
 * the (attribute, label) weights in model order, then the L*L transitions. */
enum crftag_status train_objective(const struct crftag_corpus *c,
                                   const struct crftag_train_params *p, const double *x,
                                   size_t n, double *f, double *g, size_t *out_nparams,
                                   struct crftag_error *err);

/* crftag_train() with a fixed label bias (p->bias is a spec or NULL, never
 * "auto"): builds the problem, minimises it and returns the model.  The
 * public crftag_train() chooses an "auto" bias first (train_bias.c). */
enum crftag_status train_fit(const struct crftag_corpus *c,
                             const struct crftag_train_params *p,
                             struct crftag_corpus **own,
                             struct crftag_model **out, struct crftag_error *err);

/* The train_fit* calls with *own == c (or own NULL): a corpus the caller
 * hands over.  It is freed, and *own set to NULL, as soon as the training
 * data are built (before the optimizer's memory is taken); on an earlier
 * failure it is left to the caller. */

/* train_fit for a first training of bias "auto": its progress lines have
 * crftag_progress.phase `phase` (1, or 2 for the second, crftag.h). */
enum crftag_status train_fit_first(const struct crftag_corpus *c,
                                   const struct crftag_train_params *p, int phase,
                                   struct crftag_corpus **own,
                                   struct crftag_model **out, struct crftag_error *err);

/* train_fit starting from the weights of *init (as p->init, which it
 * overrides), a model the caller hands over: it is freed, and *init set to
 * NULL, as soon as its weights are copied, before the optimizer's memory is
 * taken. */
enum crftag_status train_fit_from(const struct crftag_corpus *c,
                                  const struct crftag_train_params *p,
                                  struct crftag_corpus **own,
                                  struct crftag_model **init, struct crftag_model **out,
                                  struct crftag_error *err);

#endif
