/*
 * informat.c - the --input-format values of train, tag and eval that name
 * an annotated input format (enum crftag_input_format).
 */
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
