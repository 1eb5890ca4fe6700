/*
 * static_link.c - a program that links the installed libcrftag.a statically
 * and defines functions of its own under the names the library uses
 * internally (io_open, model_new, pool_run, err_set, util_malloc).
 *
 *   static_link MODEL      tags "QEMU uses SPICE ." and prints token<TAB>label
 *
 * libcrftag.a defines only crftag_* global symbols (its internal ones are
 * local), so this program links (no "multiple definition") and each call
 * reaches its own function: the program's io_open here, the library's
 * inside crftag_model_load.  Built by `make examples`, run by tests/e2e.sh.
 */
#include <stdio.h>
#include <string.h>

#include <crftag.h>

/* The program's own functions, named as the library's internal ones. */
int io_open(const char *what);
int model_new(void);
int pool_run(int n);
int err_set(int code);
void *util_malloc(size_t n);

int io_open(const char *what) { return (int)strlen(what); }
int model_new(void) { return 7; }
int pool_run(int n) { return n + 1; }
int err_set(int code) { return -code; }
static char mine;
void *util_malloc(size_t n) { return n == 1 ? &mine : NULL; }

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s MODEL\n", argv[0]);
        return 2;
    }
    if (io_open("four") != 4 || model_new() != 7 || pool_run(1) != 2 || err_set(3) != -3 ||
        util_malloc(1) != &mine) {
        fprintf(stderr, "the program's own functions were not called\n");
        return 1;
    }
    struct crftag_model *m;
    struct crftag_tagger *t;
    struct crftag_error err;
    enum crftag_status st = crftag_model_load(argv[1], &m, &err);
    if (st != CRFTAG_OK) {
        fprintf(stderr, "%s: %s: %s\n", argv[1], crftag_strerror(st), err.msg);
        return 1;
    }
    if (crftag_tagger_new(m, &t) != CRFTAG_OK) {
        fprintf(stderr, "out of memory\n");
        crftag_model_free(m);
        return 1;
    }
    const char *tok[] = {"QEMU", "uses", "SPICE", "."};
    uint32_t ids[4];
    st = crftag_tagger_tag(t, tok, 4, 1, ids, NULL, &err);
    if (st == CRFTAG_OK)
        for (size_t i = 0; i < 4; i++)
            printf("%s\t%s\n", tok[i], crftag_model_label(m, ids[i]));
    else
        fprintf(stderr, "tagging: %s\n", err.msg);
    crftag_tagger_free(t);
    crftag_model_free(m);
    return st == CRFTAG_OK ? 0 : 1;
}
