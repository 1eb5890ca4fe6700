/*
 * minimal.c - the smallest crftag program: load a model, tag tokens, print.
 *
 *   cc minimal.c $(pkg-config --cflags --libs crftag) -o minimal
 *   ./minimal MODEL [TOKEN...]
 *
 * Tokens are passed as pointer + length (they need not be NUL-terminated);
 * prints token<TAB>label<TAB>P(label) per line.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <crftag.h>

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s MODEL [TOKEN...]\n", argv[0]);
        return 2;
    }
    static const char *demo[] = {"QEMU", "uses", "SPICE", "on", "Linux", "."};
    const char *const *tok = argc > 2 ? (const char *const *)argv + 2 : demo;
    size_t n = argc > 2 ? (size_t)argc - 2 : sizeof demo / sizeof *demo;

    struct crftag_model *m;
    struct crftag_error err;
    enum crftag_status st = crftag_model_load(argv[1], &m, &err);
    if (st != CRFTAG_OK) {
        fprintf(stderr, "%s: %s: %s\n", argv[1], crftag_strerror(st), err.msg);
        return 1;
    }
    struct crftag_tagger *t;
    size_t L = crftag_model_num_labels(m);
    size_t *len = malloc(n * sizeof *len);
    uint32_t *ids = malloc(n * sizeof *ids);
    double *marg = malloc(n * L * sizeof *marg);
    if (!len || !ids || !marg || crftag_tagger_new(m, &t) != CRFTAG_OK) {
        fprintf(stderr, "out of memory\n");
        return 1;
    }
    for (size_t i = 0; i < n; i++)
        len[i] = strlen(tok[i]);
    st = crftag_tagger_tag_tokens(t, tok, len, n, ids, NULL, marg, &err);
    if (st != CRFTAG_OK) {
        fprintf(stderr, "tagging: %s\n", err.msg);
        return 1;
    }
    for (size_t i = 0; i < n; i++)
        printf("%s\t%s\t%.3f\n", tok[i], crftag_model_label(m, ids[i]), marg[i * L + ids[i]]);
    crftag_tagger_free(t);
    crftag_model_free(m);
    free(len);
    free(ids);
    free(marg);
    return 0;
}
