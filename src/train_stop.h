/*
 * train_stop.h - how a training ended, in words (pipeline layer, internal).
 */
#ifndef CRFTAG_TRAIN_STOP_H
#define CRFTAG_TRAIN_STOP_H

#include "crftag.h"


/* How a training ended, as train.c saw it. */
struct train_end {
    const char *reason;          /* the optimizer's stop, in words */
    int iterations;              /* iterations run */
    int early_stopped;           /* stopped by dev patience */
    int interrupted;             /* stopped by crftag_train_params.stop */
    int patience;                /* crftag_train_params.dev_patience */
    int kept_best;               /* the weights kept are those of best_iter */
    int best_iter;
    double best_f1;              /* dev F1 (accuracy: dev_plain) of best_iter */
    double best_objective;       /* the objective at best_iter */
    int dev_plain;
};

/* The model's stop reason (malloc'd; NULL when out of memory), e.g.
 *   "interrupted after 12 iterations; kept the weights of iteration 9 (best
 *    dev F1 71.20, objective 1234.5678)"
 *   "early stopping: best dev F1 71.20 at iteration 9, none better in 3
 *    more; kept the weights of iteration 9 (best dev F1 71.20, objective
 *    1234.5678)".
 * "; kept the weights of " appears exactly when the weights are not the last
 * iteration's (`crftag info` shows that part on a line of its own). */
char *train_stop_reason(const struct train_end *e);

/* Polls p->stop (when not NULL): returns 1 when training must end, with
 * *interrupted set (CRFTAG_STOP_KEEP: keep the weights) or *canceled set
 * (anything else non-zero: fail with CRFTAG_ERR_CANCELED); else 0. */
int train_poll_stop(const struct crftag_train_params *p, int *interrupted, int *canceled);

#endif
