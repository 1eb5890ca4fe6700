/*
 * cmd_info.c - `crftag info MODEL`: what a model file holds.
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

struct info_opts {
    int labels_only;
};

static const struct opt info_table[] = {
    {"labels", 'l', OPT_FLAG, offsetof(struct info_opts, labels_only), NULL,
     "print only the labels, one per line"},
    {NULL, 0, OPT_FLAG, 0, NULL, NULL},
};

/* The label bias in one line: none, one value X for every label but O
 * (bias X and --bias auto's choice), or per label (listed below it). */
static void print_bias(const struct crftag_model *m, size_t nlabels)
{
    double x = 0;
    int first = 1, same = 1, any = 0;
    for (size_t i = 0; i < nlabels; i++) {
        double b = crftag_model_label_bias(m, (uint32_t)i);
        any |= b != 0;
        if (strcmp(crftag_model_label(m, (uint32_t)i), "O") == 0)
            same &= b == 0;
        else if (first) {
            x = b;
            first = 0;
        } else {
            same &= b == x;
        }
    }
    if (!any)
        printf("label bias:      none\n");
    else if (same)
        printf("label bias:      %+g on every label but O\n", x);
    else
        printf("label bias:      per label (below)\n");
}

/* The training lines: parameters, how it stopped, which weights, the data. */
static void print_training(const struct crftag_model_info *in)
{
    printf("training:        c1 %g, c2 %g, min-freq %u\n", in->c1, in->c2, in->min_freq);
    printf("                 %u iterations, %.1f s, final objective %.4f\n", in->iterations,
           in->train_seconds, in->final_objective);
    const char *kept = strstr(in->stop_reason, "; kept the weights of ");
    printf("                 stopped: %.*s\n",
           kept ? (int)(kept - in->stop_reason) : (int)strlen(in->stop_reason), in->stop_reason);
    if (kept)
        printf("                 weights: %s\n", kept + strlen("; kept the weights of "));
    else
        printf("                 weights: of the last iteration (%u)\n", in->iterations);
    printf("training data:   %zu sentences, %zu tokens\n", in->train_sentences,
           in->train_tokens);
}

int cmd_info(int argc, char **argv)
{
    struct info_opts o = {0};
    int npos = 0;
    int rc = opts_parse(info_table, &o, argc, argv, "info", "[options] MODEL", &npos);
    if (rc)
        return rc > 0 ? CLI_OK : CLI_USAGE;
    if (npos != 1) {
        cli_errorf("info: expected one model file (usage: crftag info MODEL)");
        return CLI_USAGE;
    }
    struct crftag_model *m = cli_model_load(argv[1]);
    if (!m)
        return CLI_FAIL;
    struct crftag_model_info in;
    crftag_model_get_info(m, &in);
    if (o.labels_only) {
        for (size_t i = 0; i < in.num_labels; i++)
            printf("%s\n", crftag_model_label(m, (uint32_t)i));
        crftag_model_free(m);
        return CLI_OK;
    }
    printf("model:           %s\n", argv[1]);
    int cs = in.file_format && strcmp(in.file_format, "crfsuite") == 0;
    if (cs)
        printf("format:          CRFsuite model file, version %u (crftag tags with it as "
               "CRFsuite does)\n", in.format_version);
    else
        printf("format version:  %u\n", in.format_version);
    printf("features:        %s", in.features);
    if (strcmp(in.features, "builtin") == 0)
        printf(" (NER feature set version %u, reads column 0)\n", in.builtin_version);
    else
        printf(" (reads %zu column%s)\n", in.num_columns, in.num_columns == 1 ? "" : "s");
    if (in.num_clusters)
        printf("word clusters:   %zu words in %zu clusters\n", in.num_cluster_words,
               in.num_clusters);
    if (in.num_lexicon_entries)
        printf("lexicon:         %zu entries of %zu entity type%s, learned from the training "
               "labels\n", in.num_lexicon_entries, in.num_lexicon_types,
               in.num_lexicon_types == 1 ? "" : "s");
    if (in.num_user_lexicon_entries) {
        printf("user lexicon:    %zu entries, %zu type%s:", in.num_user_lexicon_entries,
               in.num_user_lexicon_types, in.num_user_lexicon_types == 1 ? "" : "s");
        for (size_t t = 0; t < in.num_user_lexicon_types; t++) {
            size_t ne;
            const char *name = crftag_model_user_lexicon_type(m, t, &ne);
            printf("%s %s %zu", t ? "," : "", name, ne);
        }
        printf("\n");
    }
    printf("hash seed:       0x%016llx\n", (unsigned long long)in.hash_seed);
    printf("hash version:    %u (%s)\n", (unsigned)in.hash_version,
           in.hash_version == 1 ? "FNV-1a, byte by byte" : "strings hashed as pieces");
    printf("attributes:      %zu\n", in.num_attributes);
    printf("features:        %zu (attribute, label) weights + %zu transitions\n",
           in.num_features, in.num_labels * in.num_labels);
    printf("non-zero:        %zu\n", in.num_nonzero);
    printf("decoding:        %s\n", in.bio_constrained ? "restricted to valid BIO (IOB2) sequences"
                                                       : "unrestricted");
    print_bias(m, in.num_labels);
    if (crftag_model_memory(m))
        printf("document memory: %zu sentences%s (entities found there label later mentions)\n",
               crftag_model_memory(m),
               crftag_model_memory_flags(m) & CRFTAG_MEMORY_ABBREV ? ", abbreviations" : "");
    else
        printf("document memory: none\n");
    if (cs)
        printf("training:        by CRFsuite (the file holds no training figures)\n");
    else
        print_training(&in);
    printf("labels:          %zu\n", in.num_labels);
    for (size_t i = 0; i < in.num_labels; i++) {
        double b = crftag_model_label_bias(m, (uint32_t)i);
        if (cs)
            printf("  %s", crftag_model_label(m, (uint32_t)i));
        else
            printf("  %-24s %10llu", crftag_model_label(m, (uint32_t)i),
                   (unsigned long long)crftag_model_label_count(m, (uint32_t)i));
        if (b != 0)
            printf("  bias %+g", b);
        printf("\n");
    }
    if (in.template_text[0]) {
        printf("template:\n");
        const char *s = in.template_text;
        while (*s) {
            const char *nl = strchr(s, '\n');
            size_t len = nl ? (size_t)(nl - s) : strlen(s);
            printf("  %.*s\n", (int)len, s);
            s += len + (nl != NULL);
        }
    }
    crftag_model_free(m);
    return CLI_OK;
}
