/*
 * cmd_convert.c - `crftag convert MODEL -o OUT`: a model file (crftag's, of
 * any version this crftag reads, or CRFsuite's) written in the current
 * format; --no-names leaves out the attribute names.
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

struct convert_opts {
    const char *output;
    int quiet;
    int no_names;
};

static const struct opt convert_table[] = {
    {"output", 'o', OPT_STRING, offsetof(struct convert_opts, output), "OUT",
     "write the model to OUT (required; written atomically)"},
    {"no-names", 0, OPT_FLAG, offsetof(struct convert_opts, no_names), NULL,
     "leave out the attribute names (a smaller file; it tags the same; dump shows hashes)"},
    {"quiet", 'q', OPT_FLAG, offsetof(struct convert_opts, quiet), NULL,
     "do not print what was converted"},
    {NULL, 0, OPT_FLAG, 0, NULL, NULL},
};

int cmd_convert(int argc, char **argv)
{
    struct convert_opts o = {0};
    int npos = 0;
    const char *usage = "-o OUT [options] MODEL";
    int rc = opts_parse(convert_table, &o, argc, argv, "convert", usage, &npos);
    if (rc)
        return rc > 0 ? CLI_OK : CLI_USAGE;
    if (npos != 1 || !o.output) {
        cli_errorf("convert: give one MODEL and -o OUT (usage: crftag convert %s)", usage);
        return CLI_USAGE;
    }
    struct crftag_model *m = cli_model_load(argv[1]);
    if (!m)
        return CLI_FAIL;
    struct crftag_model_info in;
    crftag_model_get_info(m, &in);
    int had_names = crftag_model_has_names(m);
    if (o.no_names)
        crftag_model_drop_names(m);
    struct crftag_error err;
    enum crftag_status st = crftag_model_save(m, o.output, &err);
    if (st != CRFTAG_OK) {
        cli_error(&err, st);
        crftag_model_free(m);
        return CLI_FAIL;
    }
    if (!o.quiet)
        fprintf(stderr, "crftag: %s (%s format %u, %zu labels, %zu attributes) -> %s (crftag "
                "format %d%s)\n", argv[1], strcmp(in.file_format, "crfsuite") ? "crftag" : "CRFsuite",
                in.format_version, in.num_labels, in.num_attributes, o.output,
                CRFTAG_MODEL_FORMAT_VERSION, had_names && o.no_names ? ", names left out" : "");
    crftag_model_free(m);
    return CLI_OK;
}
