/*
 * cmd_dump.c - `crftag dump [--top N] MODEL`: what a model has learned.
 *
 * Prints the transition weights (a label x label table) and, for every label,
 * the N attributes with the largest positive and the N with the largest
 * negative weight for it, by name when the model keeps names
 * (crftag_model_has_names), else by hash.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

struct dump_opts {
    int top;
    const char *label;
};

static const struct opt dump_table[] = {
    {"top", 'n', OPT_INT, offsetof(struct dump_opts, top), "N",
     "the N largest positive and N largest negative weights of each label (0: none)"},
    {"label", 'l', OPT_STRING, offsetof(struct dump_opts, label), "LABEL",
     "only this label's weights"},
    {NULL, 0, OPT_FLAG, 0, NULL, NULL},
};

/* One (attribute, label) weight. */
struct dump_w {
    uint32_t label;
    uint32_t attr;
    double w;
};

static int dump_cmp(const void *pa, const void *pb)
{
    const struct dump_w *a = pa, *b = pb;
    if (a->label != b->label)
        return a->label < b->label ? -1 : 1;
    if (a->w != b->w)
        return a->w > b->w ? -1 : 1;
    return a->attr < b->attr ? -1 : a->attr > b->attr;
}

static void dump_transitions(const struct crftag_model *m, size_t L)
{
    size_t wid = 5;
    for (size_t i = 0; i < L; i++) {
        size_t n = strlen(crftag_model_label(m, (uint32_t)i));
        if (n > wid)
            wid = n;
    }
    printf("transitions: the weight of label TO (columns, by number) after label FROM (rows)\n");
    printf("%*s", (int)wid + 6, "");
    for (size_t j = 0; j < L; j++)
        printf(" %7zu", j);
    putchar('\n');
    for (size_t i = 0; i < L; i++) {
        printf("%4zu  %-*s", i, (int)wid, crftag_model_label(m, (uint32_t)i));
        for (size_t j = 0; j < L; j++)
            printf(" %7.3f", crftag_model_transition(m, (uint32_t)i, (uint32_t)j));
        putchar('\n');
    }
}

static void dump_one(const struct crftag_model *m, const struct dump_w *d)
{
    uint64_t h;
    const char *name = crftag_model_attribute(m, d->attr, &h, NULL);
    if (name)
        printf("  %+9.4f  %s\n", d->w, name);
    else
        printf("  %+9.4f  attribute %016llx\n", d->w, (unsigned long long)h);
}

/* The top weights of label y, whose weights are d[0..n), largest first. */
static void dump_label(const struct crftag_model *m, uint32_t y, const struct dump_w *d,
                       size_t n, size_t top)
{
    size_t npos = 0, nneg = 0;
    for (size_t k = 0; k < n; k++) {
        npos += d[k].w > 0;
        nneg += d[k].w < 0;
    }
    printf("\nlabel %s: %zu weights, %zu positive, %zu negative\n", crftag_model_label(m, y), n,
           npos, nneg);
    size_t np = npos < top ? npos : top, nn = nneg < top ? nneg : top;
    if (np)
        printf(" largest positive:\n");
    for (size_t k = 0; k < np; k++)
        dump_one(m, &d[k]);
    if (nn)
        printf(" largest negative:\n");
    for (size_t k = 0; k < nn; k++)
        dump_one(m, &d[n - 1 - k]);
}

/* Every weight of the model (of label `only` when it is not UINT32_MAX),
 * sorted by label then weight, into *out; -1 when out of memory. */
static int dump_collect(const struct crftag_model *m, size_t nattr, uint32_t only,
                        struct dump_w **out, size_t *out_n)
{
    size_t n = 0, cap = 0;
    struct dump_w *d = NULL;
    for (size_t a = 0; a < nattr; a++) {
        size_t nw;
        crftag_model_attribute(m, a, NULL, &nw);
        for (size_t k = 0; k < nw; k++) {
            uint32_t y;
            double w = crftag_model_attribute_weight(m, a, k, &y);
            if (only != UINT32_MAX && y != only)
                continue;
            if (n == cap) {
                size_t nc = cap ? cap * 2 : 1024;
                struct dump_w *nd = realloc(d, nc * sizeof *nd);
                if (!nd) {
                    free(d);
                    return -1;
                }
                d = nd;
                cap = nc;
            }
            d[n].label = y;
            d[n].attr = (uint32_t)a;
            d[n].w = w;
            n++;
        }
    }
    qsort(d, n, sizeof *d, dump_cmp);
    *out = d;
    *out_n = n;
    return 0;
}

static int dump_model(const struct crftag_model *m, const char *path, const struct dump_opts *o)
{
    struct crftag_model_info in;
    crftag_model_get_info(m, &in);
    size_t L = in.num_labels;
    uint32_t only = UINT32_MAX;
    if (o->label) {
        for (size_t y = 0; y < L; y++)
            if (strcmp(crftag_model_label(m, (uint32_t)y), o->label) == 0)
                only = (uint32_t)y;
        if (only == UINT32_MAX) {
            cli_errorf("dump: %s has no label '%s' (crftag info --labels %s lists them)", path,
                       o->label, path);
            return CLI_USAGE;
        }
    }
    printf("model: %s (%zu labels, %zu attributes, %zu weights; %s features)\n", path, L,
           in.num_attributes, in.num_features, in.features);
    if (!crftag_model_has_names(m))
        printf("note: this model keeps no attribute names (trained without --keep-names,\n"
               "      converted with --no-names, or written in model format 4 or older),\n"
               "      so attributes show as hashes;\n"
               "      retrain it with crftag train --keep-names to see names, or run\n"
               "      crftag explain, which names the attributes of its input\n");
    dump_transitions(m, L);
    if (o->top == 0)
        return CLI_OK;
    struct dump_w *d;
    size_t n;
    if (dump_collect(m, in.num_attributes, only, &d, &n)) {
        cli_errorf("out of memory");
        return CLI_FAIL;
    }
    for (size_t k0 = 0; k0 < n;) {
        size_t k1 = k0;
        while (k1 < n && d[k1].label == d[k0].label)
            k1++;
        dump_label(m, d[k0].label, d + k0, k1 - k0, (size_t)o->top);
        k0 = k1;
    }
    free(d);
    return CLI_OK;
}

int cmd_dump(int argc, char **argv)
{
    struct dump_opts o = { 20, NULL };
    int npos = 0;
    int rc = opts_parse(dump_table, &o, argc, argv, "dump", "[options] MODEL", &npos);
    if (rc)
        return rc > 0 ? CLI_OK : CLI_USAGE;
    if (npos != 1) {
        cli_errorf("dump: expected one model file (usage: crftag dump [options] MODEL)");
        return CLI_USAGE;
    }
    if (o.top < 0) {
        cli_errorf("dump: --top must be >= 0");
        return CLI_USAGE;
    }
    struct crftag_model *m = cli_model_load(argv[1]);
    if (!m)
        return CLI_FAIL;
    rc = dump_model(m, argv[1], &o);
    crftag_model_free(m);
    if (rc == CLI_OK && (fflush(stdout) != 0 || ferror(stdout))) {
        cli_errorf("writing output: %s", strerror(errno));
        rc = CLI_FAIL;
    }
    return rc;
}
