/*
 * train_stop.c - how a training ended, in words (pipeline layer): the
 * optimizer's reason, early stopping and interruption, as `crftag info`
 * shows them (the model's stop reason).
 */
#include <stdio.h>

#include "train_stop.h"
#include "util.h"

char *train_stop_reason(const struct train_end *e)
{
    char why[320], kept[160] = "";
    const char *what = e->dev_plain ? "accuracy" : "F1";
    if (e->kept_best)
        snprintf(kept, sizeof kept, "; kept the weights of iteration %d (best dev %s %.2f, "
                 "objective %.4f)", e->best_iter, what, e->best_f1, e->best_objective);
    if (e->interrupted)
        snprintf(why, sizeof why, "interrupted after %d iteration%s%s", e->iterations,
                 e->iterations == 1 ? "" : "s", kept);
    else if (e->early_stopped)
        snprintf(why, sizeof why, "early stopping: best dev %s %.2f at iteration %d, none "
                 "better in %d more%s", what, e->best_f1, e->best_iter, e->patience, kept);
    else
        snprintf(why, sizeof why, "%s", e->reason);
    return util_strdup(why);
}

int train_poll_stop(const struct crftag_train_params *p, int *interrupted, int *canceled)
{
    if (!p->stop)
        return 0;
    int s = p->stop(p->user);
    if (s == 0)
        return 0;
    if (s == CRFTAG_STOP_KEEP)
        *interrupted = 1;
    else
        *canceled = 1;
    return 1;
}
