/*
 * informat.c - the --input-format values of train, tag and eval that name
 * an annotated input format (enum crftag_input_format), and the --memory
 * value of tag and eval.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

int cli_input_format(const char *cmd, const char *s, const char *extra)
{
    if (!s || strcmp(s, "auto") == 0)
        return CRFTAG_INPUT_AUTO;
    if (strcmp(s, "columns") == 0 || strcmp(s, "conll") == 0)
        return CRFTAG_INPUT_COLUMNS;
    if (strcmp(s, "crfsuite") == 0)
        return CRFTAG_INPUT_CRFSUITE;
    cli_errorf("%s: --input-format: expected auto, conll, crfsuite%s, got '%s'", cmd,
               extra ? extra : "", s);
    return -1;
}

int cli_memory_window(const char *cmd, const char *s, const struct crftag_model *m,
                      size_t *out_window)
{
    size_t w = crftag_model_memory(m);
    if (s) {
        char *end;
        errno = 0;
        long v = strtol(s, &end, 10);
        if (end == s || *end || errno || v < 0 || v > 1000) {
            cli_errorf("%s: --memory: expected 0..1000 sentences, got '%s'", cmd, s);
            return -1;
        }
        w = (size_t)v;
    }
    *out_window = w;
    return 0;
}

int cli_memory_new(const struct crftag_model *m, size_t window, struct crftag_memory **out)
{
    *out = NULL;
    if (window == 0)
        return 0;
    if (crftag_memory_new(m, window, crftag_model_memory_flags(m), out) != CRFTAG_OK) {
        cli_errorf("out of memory");
        return -1;
    }
    return 0;
}
