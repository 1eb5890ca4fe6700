/*
 * cmd_clusters.c - `crftag clusters -o CLUSTERS [options] FILE...`
 *
 * Reads raw text (tokenized as `crftag tag` does) and/or annotated corpora
 * (their token column), learns word clusters and writes them as
 * "word<TAB>path<TAB>count" lines, atomically.  Ctrl-C (SIGINT) or SIGTERM
 * stops learning after the current pass; the output file is then not
 * written.
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

struct clusters_opts {
    const char *output;
    int num_clusters;
    uint32_t min_count;
    int max_iter;
    uint32_t max_words;
    int tokenized;
    int quiet;
};

static const struct opt clusters_table[] = {
    {"output", 'o', OPT_STRING, offsetof(struct clusters_opts, output), "FILE",
     "write the clusters to FILE (required; written atomically)"},
    {"clusters", 'c', OPT_INT, offsetof(struct clusters_opts, num_clusters), "N",
     "number of clusters (leaves of the cluster tree), 2..4096"},
    {"min-count", 0, OPT_UINT, offsetof(struct clusters_opts, min_count), "N",
     "cluster only words seen at least N times"},
    {"max-words", 0, OPT_UINT, offsetof(struct clusters_opts, max_words), "N",
     "cluster at most the N most frequent words (0: no limit)"},
    {"iter", 'i', OPT_INT, offsetof(struct clusters_opts, max_iter), "N",
     "at most N exchange passes"},
    {"tokenized", 0, OPT_FLAG, offsetof(struct clusters_opts, tokenized), NULL,
     "the files are annotated corpora (WikiSER blocks or CoNLL columns: the token column)"},
    {"quiet", 'q', OPT_FLAG, offsetof(struct clusters_opts, quiet), NULL, "no progress output"},
    {NULL, 0, OPT_FLAG, 0, NULL, NULL},
};

static int progress(const struct crftag_cluster_progress *p, void *user)
{
    const struct clusters_opts *o = user;
    if (!o->quiet) {
        if (strcmp(p->stage, "exchange") == 0)
            fprintf(stderr, "pass %3d  moved %8zu of %zu words  AMI %.4f bits  %7.1fs\n",
                    p->iteration, p->moves, p->words, p->ami, p->seconds);
        else
            fprintf(stderr, "cluster tree built  %7.1fs\n", p->seconds);
    }
    return cli_interrupted();
}

int cmd_clusters(int argc, char **argv)
{
    struct crftag_cluster_params p;
    crftag_cluster_params_init(&p);
    struct clusters_opts o = { NULL, p.num_clusters, p.min_count, p.max_iter, 0, 0, 0 };
    const char *usage = "-o CLUSTERS [options] FILE...";
    int npos = 0;
    int rc = opts_parse(clusters_table, &o, argc, argv, "clusters", usage, &npos);
    if (rc)
        return rc > 0 ? CLI_OK : CLI_USAGE;
    if (!o.output) {
        cli_errorf("clusters: no output file given (-o CLUSTERS)");
        return CLI_USAGE;
    }
    if (npos == 0) {
        cli_errorf("clusters: no input file given (usage: crftag clusters %s)", usage);
        return CLI_USAGE;
    }
    if (o.num_clusters < 2 || o.num_clusters > 4096) {
        cli_errorf("clusters: --clusters must be 2..4096, got %d", o.num_clusters);
        return CLI_USAGE;
    }
    if (o.min_count < 1) {
        cli_errorf("clusters: --min-count must be at least 1");
        return CLI_USAGE;
    }
    if (o.max_iter < 0) {
        cli_errorf("clusters: --iter must be at least 0, got %d", o.max_iter);
        return CLI_USAGE;
    }
    p.num_clusters = o.num_clusters;
    p.min_count = o.min_count;
    p.max_iter = o.max_iter;
    p.max_words = o.max_words;
    p.progress = progress;
    p.user = &o;

    int status = CLI_FAIL;
    struct crftag_clusterer *cl = NULL;
    struct crftag_clusters *k = NULL;
    struct crftag_error err;
    enum crftag_status st;
    if (crftag_clusterer_new(&cl) != CRFTAG_OK) {
        cli_errorf("out of memory");
        goto out;
    }
    for (int i = 1; i <= npos; i++) {
        st = crftag_clusterer_add_file(cl, argv[i], o.tokenized, &err);
        if (st != CRFTAG_OK) {
            cli_error(&err, st);
            goto out;
        }
        if (!o.quiet) {
            size_t ns, nt, nw;
            crftag_clusterer_size(cl, &ns, &nt, &nw);
            fprintf(stderr, "crftag: %s: now %zu sentences, %zu tokens, %zu distinct words\n",
                    argv[i], ns, nt, nw);
        }
    }
    cli_catch_interrupts();

    st = crftag_clusterer_learn(cl, &p, &k, &err);
    if (st == CRFTAG_ERR_CANCELED) {
        cli_errorf("interrupted; %s was not written", o.output);
        status = CLI_INTERRUPTED;
        goto out;
    }
    if (st != CRFTAG_OK) {
        cli_error(&err, st);
        goto out;
    }
    crftag_clusterer_free(cl);
    cl = NULL;
    st = crftag_clusters_write(k, o.output, &err);
    if (st != CRFTAG_OK) {
        cli_error(&err, st);
        goto out;
    }
    if (!o.quiet) {
        size_t nw, nc;
        crftag_clusters_size(k, &nw, &nc);
        fprintf(stderr, "crftag: %zu words in %zu clusters; wrote %s\n", nw, nc, o.output);
    }
    status = CLI_OK;
out:
    crftag_clusters_free(k);
    crftag_clusterer_free(cl);
    return status;
}
