/*
 * train_init.h - continuing a training from a model's weights
 * (crftag_train_params.init; pipeline layer, internal).
 */
#ifndef CRFTAG_TRAIN_INIT_H
#define CRFTAG_TRAIN_INIT_H

#include "crftag.h"

/* Checks that init was trained with m's feature configuration (kind,
 * built-in version or template text, hash seed, word clusters), else
 * CRFTAG_ERR_INVALID saying what differs; then sets x (m's parameters: the
 * m->npairs pair weights in model order, then the L*L transitions) to init's
 * weights, matched by attribute hash and label name; parameters init lacks
 * are left as they are.  m is a training skeleton: labels, attr_hash,
 * attr_off and pair_label filled. */
enum crftag_status train_init_weights(const struct crftag_model *init,
                                      const struct crftag_model *m, double *x,
                                      struct crftag_error *err);

/* Gives m (trained with no bias) init's label bias, for bias "auto" with
 * init (train_bias.c): a label takes the bias of init's label of the same
 * name, else of one of the same type, else 0.  Returns CRFTAG_OK or
 * CRFTAG_ERR_NOMEM. */
enum crftag_status train_init_bias(const struct crftag_model *init, struct crftag_model *m,
                                   struct crftag_error *err);

#endif
