/*
 * check.c - checks of the command line made before any file is read: option
 * values in range, options that go together, an output that is not one of
 * the inputs.  Each failure prints a message naming the option (a usage
 * error, exit status 2).
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"

int cli_same_file(const char *a, const char *b)
{
    struct stat sa, sb;
    if (!a || !b || strcmp(a, "-") == 0 || strcmp(b, "-") == 0)
        return 0;
    if (stat(a, &sa) != 0 || stat(b, &sb) != 0)
        return 0;
    return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

int cli_check_output(const char *cmd, const char *opt, const char *output,
                     const char *const *inputs, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (cli_same_file(output, inputs[i])) {
            cli_errorf("%s: %s %s is the input file %s: refusing to overwrite it", cmd, opt,
                       output, inputs[i]);
            return -1;
        }
    }
    return 0;
}

/* A bias spec: "auto", or comma-separated items X or TYPE=X, X a number
 * in -100..100 (the library checks the types against the labels later). */
static int check_bias(const char *spec)
{
    if (strcmp(spec, CRFTAG_BIAS_AUTO) == 0)
        return 0;
    const char *s = spec;
    for (;;) {
        const char *end = strchr(s, ',');
        size_t len = end ? (size_t)(end - s) : strlen(s);
        const char *eq = memchr(s, '=', len);
        const char *num = eq ? eq + 1 : s;
        char buf[64];
        size_t nlen = len - (size_t)(num - s);
        if ((eq && eq == s) || nlen == 0 || nlen >= sizeof buf)
            return -1;
        memcpy(buf, num, nlen);
        buf[nlen] = '\0';
        char *e;
        errno = 0;
        double v = strtod(buf, &e);
        if (*e != '\0' || errno || !(v >= -100 && v <= 100))
            return -1;
        if (!end)
            return 0;
        s = end + 1;
    }
}

int cli_check_train(const char *cmd, const struct crftag_train_params *p, int dev,
                    int template)
{
    static const struct {
        const char *name;
        size_t offset;
        int is_int;
        double max;
    } nonneg[] = {
        {"--c1", offsetof(struct crftag_train_params, c1), 0, HUGE_VAL},
        {"--c2", offsetof(struct crftag_train_params, c2), 0, HUGE_VAL},
        {"--max-iter", offsetof(struct crftag_train_params, max_iter), 1, HUGE_VAL},
        {"--delta", offsetof(struct crftag_train_params, delta), 0, HUGE_VAL},
        {"--period", offsetof(struct crftag_train_params, period), 1, HUGE_VAL},
        {"--epsilon", offsetof(struct crftag_train_params, epsilon), 0, HUGE_VAL},
        {"--threads", offsetof(struct crftag_train_params, threads), 1, HUGE_VAL},
        {"--dev-patience", offsetof(struct crftag_train_params, dev_patience), 1, HUGE_VAL},
        {"--lexicon-folds", offsetof(struct crftag_train_params, lexicon_folds), 1, 64},
    };
    for (size_t k = 0; k < sizeof nonneg / sizeof nonneg[0]; k++) {
        const char *f = (const char *)p + nonneg[k].offset;
        double v = nonneg[k].is_int ? *(const int *)(const void *)f
                                    : *(const double *)(const void *)f;
        if (v < 0 || v > nonneg[k].max) {
            if (nonneg[k].max < HUGE_VAL)
                cli_errorf("%s: %s: must be 0..%g, got %g", cmd, nonneg[k].name,
                           nonneg[k].max, v);
            else
                cli_errorf("%s: %s: must be >= 0, got %g", cmd, nonneg[k].name, v);
            return -1;
        }
    }
    if (p->dev_patience > 0 && !dev) {
        cli_errorf("%s: --dev-patience needs --dev FILE (the data it watches)", cmd);
        return -1;
    }
    if (template && p->clusters) {
        cli_errorf("%s: --clusters: word clusters are features of the built-in set, not of "
                   "--template", cmd);
        return -1;
    }
    if (template && p->num_lexicon_files) {
        cli_errorf("%s: --lexicon: lexicons are features of the built-in set, not of "
                   "--template", cmd);
        return -1;
    }
    if (p->bias && check_bias(p->bias)) {
        cli_errorf("%s: --bias: expected auto, X or TYPE=X,... (X a number in -100..100), got '%s'", cmd,
                   p->bias);
        return -1;
    }
    return 0;
}
