/*
 * train_init.c - continuing a training from a model's weights (pipeline
 * layer): crftag_train_params.init.
 *
 *   init model --same feature configuration?--> weights matched into x:
 *     pair (attribute a, label y) of the new problem  <-  init's pair of the
 *       attribute with a's hash and the label named as y (else 0)
 *     transition (i, j)  <-  init's transition between the labels so named
 *
 * The optimizer then starts from x instead of 0.  Attributes and labels new
 * in the data start at 0; init's attributes and labels absent from the data
 * are dropped, as a training from scratch would never have seen them.
 */
#include <stdlib.h>
#include <string.h>

#include "clusters.h"
#include "error.h"
#include "hash.h"
#include "labels.h"
#include "model.h"
#include "train_init.h"
#include "util.h"

/* 1 when the two cluster tables (either may be NULL) are the same words in
 * the same clusters. */
static int init_same_clusters(const struct crftag_clusters *a, const struct crftag_clusters *b)
{
    if (!a || !b)
        return a == b;
    if (a->nwords != b->nwords || a->npaths != b->npaths)
        return 0;
    for (size_t i = 0; i < a->nwords; i++) {
        const char *wa = a->text + a->word_off[i], *wb = b->text + b->word_off[i];
        const char *pa = a->ptext + a->path_off[a->word_path[i]];
        const char *pb = b->ptext + b->path_off[b->word_path[i]];
        if (strcmp(wa, wb) != 0 || strcmp(pa, pb) != 0)
            return 0;
    }
    return 1;
}

static enum crftag_status init_check(const struct crftag_model *init,
                                     const struct crftag_model *m, struct crftag_error *err)
{
    const struct feat_config *a = &init->feat, *b = &m->feat;
    const char *why = NULL;
    if (a->kind != b->kind)
        why = a->kind == FEAT_TEMPLATE ? "was trained with a template, this training uses the "
                                         "built-in features"
                                       : "was trained with the built-in features, this "
                                         "training uses a template";
    else if (a->kind == FEAT_BUILTIN && a->builtin_version != b->builtin_version)
        return err_set(err, CRFTAG_ERR_INVALID, NULL, 0,
                       "the initial model has built-in feature set version %u, this training "
                       "version %u: train from scratch", a->builtin_version,
                       b->builtin_version);
    else if (a->kind == FEAT_TEMPLATE &&
             strcmp(a->template_text ? a->template_text : "",
                    b->template_text ? b->template_text : "") != 0)
        why = "was trained with another template";
    else if (a->seed != b->seed)
        why = "has another hash seed";
    else if (a->hash_version != b->hash_version)
        why = "hashes its attributes with another hash version (an older model format)";
    else if (!init_same_clusters(a->cl, b->cl))
        why = !a->cl   ? "has no word clusters, this training has (--no-clusters)"
              : !b->cl ? "has word clusters, this training has none"
                       : "has other word clusters than this training";
    if (why)
        return err_set(err, CRFTAG_ERR_INVALID, NULL, 0,
                       "the initial model %s; its weights do not fit (same features needed)",
                       why);
    return CRFTAG_OK;
}

enum crftag_status train_init_weights(const struct crftag_model *init,
                                      const struct crftag_model *m, double *x,
                                      struct crftag_error *err)
{
    enum crftag_status st = init_check(init, m, err);
    if (st != CRFTAG_OK)
        return st;
    size_t L = m->labels.n, IL = init->labels.n;
    long *map = util_malloc(L ? L : 1, sizeof *map);   /* m's label -> init's, or -1 */
    long *back = util_malloc(IL ? IL : 1, sizeof *back); /* init's label -> m's, or -1 */
    if (!map || !back) {
        free(map);
        free(back);
        return err_set(err, CRFTAG_ERR_NOMEM, NULL, 0, "out of memory");
    }
    for (size_t j = 0; j < IL; j++)
        back[j] = -1;
    for (size_t y = 0; y < L; y++) {
        map[y] = labels_find(&init->labels, m->labels.names[y]);
        if (map[y] >= 0)
            back[map[y]] = (long)y;
    }
    /* the first training of bias auto has freed its table (train_bias.c):
     * made again from its hashes, while the optimizer's memory is not yet
     * taken */
    struct htab made = {0};
    const struct htab *ids = &init->attrs;
    if (init->attrs.cap == 0 && init->nattr > 0) {
        if (htab_build(&made, init->attr_hash, init->nattr, NULL)) {
            free(map);
            free(back);
            return err_set(err, CRFTAG_ERR_NOMEM, NULL, 0, "out of memory");
        }
        ids = &made;
    }
    for (uint32_t a = 0; a < m->nattr; a++) {
        uint32_t ia = htab_get(ids, m->attr_hash[a]);
        if (ia == HTAB_NONE)
            continue;
        /* init's pairs of ia, by m's label (runs are short: at most L) */
        for (uint32_t k = init->attr_off[ia]; k < init->attr_off[ia + 1]; k++) {
            long y = back[init->pair_label[k]];
            if (y < 0)
                continue;
            for (uint32_t q = m->attr_off[a]; q < m->attr_off[a + 1]; q++) {
                if (m->pair_label[q] == (uint16_t)y) {
                    x[q] = init->warm_w ? init->warm_w[k] : init->pair_w[k];
                    break;
                }
            }
        }
    }
    double *trans = x + m->npairs;
    for (size_t i = 0; i < L; i++)
        for (size_t j = 0; j < L; j++)
            if (map[i] >= 0 && map[j] >= 0)
                trans[i * L + j] = init->warm_w
                    ? init->warm_w[init->npairs + (size_t)map[i] * IL + (size_t)map[j]]
                    : init->trans[(size_t)map[i] * IL + (size_t)map[j]];
    htab_free(&made);
    free(map);
    free(back);
    return CRFTAG_OK;
}

enum crftag_status train_init_bias(const struct crftag_model *init, struct crftag_model *m,
                                   struct crftag_error *err)
{
    size_t L = m->labels.n;
    if (!init->label_bias || m->label_bias || L == 0)
        return CRFTAG_OK;
    float *b = util_calloc(L, sizeof *b);
    if (!b)
        return err_set(err, CRFTAG_ERR_NOMEM, NULL, 0, "out of memory");
    int any = 0;
    for (size_t y = 0; y < L; y++) {
        long j = labels_find(&init->labels, m->labels.names[y]);
        if (j < 0) {             /* a new label: the bias of its type, if any */
            const char *tag, *type, *itag, *itype;
            size_t tl, yl, itl, iyl;
            labels_split(m->labels.names[y], &tag, &tl, &type, &yl);
            for (size_t k = 0; yl && k < init->labels.n && j < 0; k++) {
                labels_split(init->labels.names[k], &itag, &itl, &itype, &iyl);
                if (iyl == yl && memcmp(itype, type, yl) == 0)
                    j = (long)k;
            }
        }
        b[y] = j >= 0 ? init->label_bias[j] : 0.0f;
        any |= b[y] != 0.0f;
    }
    if (any)
        m->label_bias = b;
    else
        free(b);
    return CRFTAG_OK;
}
