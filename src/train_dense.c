/*
 * train_dense.c - dense rows for the frequent long pair runs of training
 * (pipeline layer; see train_dense.h).
 */
#include "train_dense.h"

#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "util.h"

void tdense_free(struct tdense *d)
{
    free(d->attr);
    free(d->bits);
    free(d->rank);
    free(d->x);
    memset(d, 0, sizeof *d);
}

struct cand {
    uint64_t score;
    uint32_t a;
};

/* most pair occurrences first, then the lower attribute */
static int cand_cmp(const void *pa, const void *pb)
{
    const struct cand *a = pa, *b = pb;
    if (a->score != b->score)
        return a->score > b->score ? -1 : 1;
    return (a->a > b->a) - (a->a < b->a);
}

static int u32_cmp(const void *pa, const void *pb)
{
    uint32_t a = *(const uint32_t *)pa, b = *(const uint32_t *)pb;
    return (a > b) - (a < b);
}

void tdense_build(struct tdense *d, const struct crftag_model *m, const uint32_t *obs,
                  size_t cells)
{
    memset(d, 0, sizeof *d);
    size_t L = m->labels.n, lp = (L + 3) & ~(size_t)3;
    size_t minrun = L / 4 > 4 ? L / 4 : 4;
    size_t maxrows = lp ? cells / lp : 0;
    if (maxrows == 0 || m->nattr == 0)
        return;
    size_t nc = 0;
    for (uint32_t a = 0; a < m->nattr; a++) {
        size_t r = m->attr_off[a + 1] - m->attr_off[a];
        nc += r >= minrun && r < L;
    }
    if (nc == 0)
        return;
    struct cand *c = util_malloc(nc, sizeof *c);
    if (!c)
        return;
    nc = 0;
    for (uint32_t a = 0; a < m->nattr; a++) {
        uint32_t q0 = m->attr_off[a], q1 = m->attr_off[a + 1];
        if (q1 - q0 < minrun || q1 - q0 >= L)
            continue;
        uint64_t occ = 0;
        for (uint32_t q = q0; q < q1; q++)
            occ += obs[q];
        if (occ > 1)
            c[nc++] = (struct cand){occ * (q1 - q0), a};
    }
    if (nc > maxrows) {
        qsort(c, nc, sizeof *c, cand_cmp);
        nc = maxrows;
    }
    size_t nw = (size_t)m->nattr / 64 + 1, nx;
    d->attr = util_malloc(nc ? nc : 1, sizeof *d->attr);
    d->bits = util_calloc(nw, sizeof *d->bits);
    d->rank = util_malloc(nw, sizeof *d->rank);
    d->x = util_mul(nc, lp, &nx) ? NULL : util_malloc(nx ? nx : 1, sizeof *d->x);
    if (!d->attr || !d->bits || !d->rank || !d->x) {
        free(c);
        tdense_free(d);
        return;
    }
    for (size_t i = 0; i < nc; i++)
        d->attr[i] = c[i].a;
    free(c);
    qsort(d->attr, nc, sizeof *d->attr, u32_cmp);
    for (size_t i = 0; i < nc; i++)
        d->bits[d->attr[i] >> 6] |= UINT64_C(1) << (d->attr[i] & 63);
    uint32_t k = 0;
    for (size_t i = 0; i < nw; i++) {
        d->rank[i] = k;
        k += (uint32_t)__builtin_popcountll(d->bits[i]);
    }
    d->n = nc;
    d->L = L;
    d->lp = lp;
}

void tdense_fill(struct tdense *d, const struct crftag_model *m, const double *x)
{
    for (size_t i = 0; i < d->n; i++) {
        double *row = d->x + i * d->lp;
        uint32_t a = d->attr[i];
        memset(row, 0, d->lp * sizeof *row);
        for (uint32_t q = m->attr_off[a]; q < m->attr_off[a + 1]; q++)
            row[m->pair_label[q]] = x[q];
    }
}

void tdense_fold(const struct tdense *d, const struct crftag_model *m, const double *dg,
                 double *g)
{
    for (size_t i = 0; i < d->n; i++) {
        const double *row = dg + i * d->lp;
        uint32_t a = d->attr[i];
        for (uint32_t q = m->attr_off[a]; q < m->attr_off[a + 1]; q++)
            g[q] += row[m->pair_label[q]];
    }
}
