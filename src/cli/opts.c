/*
 * opts.c - table-driven option parsing for the crftag subcommands.
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* The hook of this thread (cli_error_hook), or NULL: messages to stderr. */
static _Thread_local void (*err_hook)(void *user, const char *msg);
static _Thread_local void *err_hook_user;

void cli_error_hook(void (*fn)(void *user, const char *msg), void *user)
{
    err_hook = fn;
    err_hook_user = user;
}

/* Writes "crftag: " + fmt's text + "\n" to stderr, or hands it to the hook. */
static void err_vput(const char *fmt, va_list ap)
{
    if (!err_hook) {
        fputs("crftag: ", stderr);
        vfprintf(stderr, fmt, ap);
        fputc('\n', stderr);
        return;
    }
    char small[512], *msg = small;
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    if (n >= 0 && (size_t)n >= sizeof small && (msg = malloc((size_t)n + 1)) != NULL)
        vsnprintf(msg, (size_t)n + 1, fmt, ap2);
    va_end(ap2);
    err_hook(err_hook_user, msg ? msg : small);
    if (msg != small)
        free(msg);
}

static void err_put(const char *fmt, ...)
#if defined(__GNUC__) || defined(__clang__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;

static void err_put(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    err_vput(fmt, ap);
    va_end(ap);
}

void cli_errorf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    err_vput(fmt, ap);
    va_end(ap);
}

void cli_error(const struct crftag_error *err, enum crftag_status st)
{
    if (err && err->msg[0]) {
        if (err->file[0] && err->line > 0)
            err_put("%s:%ld: %s", err->file, err->line, err->msg);
        else if (err->file[0])
            err_put("%s: %s", err->file, err->msg);
        else
            err_put("%s", err->msg);
    } else {
        err_put("%s", crftag_strerror(st));
    }
}

struct crftag_model *cli_model_load(const char *path)
{
    struct crftag_model *m;
    struct crftag_error err;
    enum crftag_status st = crftag_model_load(path, &m, &err);
    if (st != CRFTAG_OK) {
        cli_error(&err, st);
        return NULL;
    }
    return m;
}

char *cli_read_file(const char *path, size_t *len)
{
    struct crftag_input *in = NULL;
    struct crftag_error err;
    if (strcmp(path, "-") == 0) {   /* stdin is the corpus's */
        cli_errorf("-: a file name is needed here, not standard input");
        return NULL;
    }
    enum crftag_status st = crftag_input_open(path, &in, &err);
    if (st != CRFTAG_OK) {
        cli_error(&err, st);
        return NULL;
    }
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    while (buf) {
        if (n + 1 >= cap) {
            if (cap > (size_t)64 << 20) {
                cli_errorf("%s: file too large", path);
                free(buf);
                buf = NULL;
                break;
            }
            char *nb = realloc(buf, cap * 2);
            if (!nb) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = nb;
            cap *= 2;
        }
        size_t got = 0;
        int r = crftag_input_read(in, buf + n, cap - n - 1, &got, &err);
        if (r < 0) {
            cli_error(&err, (enum crftag_status)r);
            free(buf);
            buf = NULL;
            break;
        }
        if (r == 0)
            break;
        n += got;
    }
    crftag_input_close(in);
    if (!buf)
        return NULL;
    buf[n] = '\0';
    if (len)
        *len = n;
    return buf;
}

/* " (default X)" for an option with a value: X read from the options struct
 * as the command initialised it, so the help shows the defaults of the code
 * (a negative number, or the largest unsigned one, is a default resolved
 * later, CRFTAG_TRAIN_AUTO, CRFTAG_LEXICON_FOLDS_AUTO or CRFTAG_ALL_LABELS_AUTO:
 * the option's help says it). */
static void opts_default(char *buf, size_t len, const struct opt *o, const void *dst)
{
    const char *field = (const char *)dst + o->offset;
    buf[0] = '\0';
    if (o->type == OPT_INT && *(const int *)(const void *)field >= 0)
        snprintf(buf, len, " (default %d)", *(const int *)(const void *)field);
    else if (o->type == OPT_UINT && *(const unsigned *)(const void *)field != UINT_MAX)
        snprintf(buf, len, " (default %u)", *(const unsigned *)(const void *)field);
    else if (o->type == OPT_DOUBLE && *(const double *)(const void *)field >= 0)
        snprintf(buf, len, " (default %g)", *(const double *)(const void *)field);
    else if (o->type == OPT_STRING && *(const char *const *)(const void *)field)
        snprintf(buf, len, " (default %s)", *(const char *const *)(const void *)field);
}

void opts_usage(FILE *f, const struct opt *table, const void *dst, const char *cmd,
                const char *usage)
{
    fprintf(f, "usage: crftag %s %s\n\noptions:\n", cmd, usage);
    for (const struct opt *o = table; o->name; o++) {
        char left[64], def[300];
        if (o->short_name)
            snprintf(left, sizeof left, "-%c, --%s%s%s", o->short_name, o->name,
                     o->arg ? " " : "", o->arg ? o->arg : "");
        else
            snprintf(left, sizeof left, "    --%s%s%s", o->name, o->arg ? " " : "",
                     o->arg ? o->arg : "");
        opts_default(def, sizeof def, o, dst);
        fprintf(f, "  %-26s %s%s\n", left, o->help, def);
    }
    fprintf(f, "  %-26s %s\n", "-h, --help", "show this help");
}

static int opts_set(const struct opt *o, void *dst, const char *val, const char *cmd)
{
    char *p = (char *)dst + o->offset;
    char *end;
    errno = 0;
    switch (o->type) {
    case OPT_FLAG:
        *(int *)p = 1;
        return 0;
    case OPT_INT: {
        long v = strtol(val, &end, 10);
        if (*val == '\0' || *end != '\0' || errno || v < INT_MIN || v > INT_MAX) {
            cli_errorf("%s: --%s: expected an integer, got '%s'", cmd, o->name, val);
            return -1;
        }
        *(int *)p = (int)v;
        return 0;
    }
    case OPT_UINT: {
        unsigned long v = strtoul(val, &end, 10);
        if (*val == '\0' || *val == '-' || *end != '\0' || errno || v > UINT32_MAX) {
            cli_errorf("%s: --%s: expected a non-negative integer, got '%s'", cmd, o->name, val);
            return -1;
        }
        *(uint32_t *)p = (uint32_t)v;
        return 0;
    }
    case OPT_DOUBLE: {
        double v = strtod(val, &end);
        if (*val == '\0' || *end != '\0' || errno || !isfinite(v)) {
            cli_errorf("%s: --%s: expected a number, got '%s'", cmd, o->name, val);
            return -1;
        }
        *(double *)p = v;
        return 0;
    }
    case OPT_STRING:
        *(const char **)p = val;
        return 0;
    case OPT_LIST: {
        struct opt_list *l = (struct opt_list *)(void *)p;
        if (l->n >= OPT_LIST_MAX) {
            cli_errorf("%s: --%s given more than %d times", cmd, o->name, OPT_LIST_MAX);
            return -1;
        }
        l->v[l->n++] = val;
        return 0;
    }
    }
    return -1;
}

/* The option of table named name[0..len) exactly, or NULL; *prefix_of is
 * set to the one option that name is a prefix of (an abbreviation), or NULL
 * when none or several. */
static const struct opt *opts_long(const struct opt *table, const char *name, size_t len,
                                   const struct opt **prefix_of)
{
    const struct opt *o = NULL;
    size_t nprefix = 0;
    *prefix_of = NULL;
    for (const struct opt *t = table; t->name; t++) {
        if (strncmp(t->name, name, len) != 0)
            continue;
        if (strlen(t->name) == len)
            o = t;
        else if (nprefix++ == 0)
            *prefix_of = t;
    }
    if (nprefix != 1)
        *prefix_of = NULL;
    return o;
}

static const struct opt *opts_short(const struct opt *table, char c)
{
    for (const struct opt *t = table; t->name; t++)
        if (t->short_name == c)
            return t;
    return NULL;
}

/* Sets option o from val (NULL: the next argument, which *i moves past). */
static int opts_take(const struct opt *o, void *dst, const char *val, int argc, char **argv,
                     int *i, const char *cmd)
{
    if (o->type == OPT_FLAG) {
        if (val) {
            cli_errorf("%s: --%s takes no value", cmd, o->name);
            return -1;
        }
    } else if (!val) {
        if (*i + 1 >= argc) {
            cli_errorf("%s: --%s needs a value (%s)", cmd, o->name, o->arg);
            return -1;
        }
        val = argv[++*i];
    }
    if (val && val[0] == '\0' && (o->type == OPT_STRING || o->type == OPT_LIST)) {
        cli_errorf("%s: --%s: empty value (expected %s)", cmd, o->name, o->arg);
        return -1;
    }
    return opts_set(o, dst, val, cmd);
}

/* "--name" or "--name=value" at a. */
static int opts_long_arg(const struct opt *table, void *dst, const char *a, int argc,
                         char **argv, int *i, const char *cmd)
{
    const char *name = a + 2;
    const char *eq = strchr(name, '=');
    size_t len = eq ? (size_t)(eq - name) : strlen(name);
    const struct opt *prefix_of;
    const struct opt *o = opts_long(table, name, len, &prefix_of);
    if (!o) {
        if (prefix_of)
            cli_errorf("%s: unknown option '%.*s' (did you mean --%s? options are not "
                       "abbreviated)", cmd, (int)(len + 2), a, prefix_of->name);
        else
            cli_errorf("%s: unknown option '%.*s' (see 'crftag %s --help')", cmd,
                       (int)(len + 2), a, cmd);
        return -1;
    }
    return opts_take(o, dst, eq ? eq + 1 : NULL, argc, argv, i, cmd);
}

/* "-x", "-xVALUE", or bundled flags "-qx VALUE" / "-qxVALUE" at a. */
static int opts_short_arg(const struct opt *table, void *dst, const char *a, int argc,
                          char **argv, int *i, const char *cmd)
{
    for (size_t j = 1; a[j]; j++) {
        const struct opt *o = opts_short(table, a[j]);
        if (!o) {
            if (j == 1)
                cli_errorf("%s: unknown option '%s' (see 'crftag %s --help')", cmd, a, cmd);
            else
                cli_errorf("%s: unknown option '-%c' in '%s' (see 'crftag %s --help')", cmd,
                           a[j], a, cmd);
            return -1;
        }
        if (o->type == OPT_FLAG) {
            if (opts_take(o, dst, NULL, argc, argv, i, cmd))
                return -1;
            continue;
        }
        /* an option with a value takes the rest of the word, else the next */
        return opts_take(o, dst, a[j + 1] ? a + j + 1 : NULL, argc, argv, i, cmd);
    }
    return 0;
}

int opts_parse(const struct opt *table, void *dst, int argc, char **argv, const char *cmd,
               const char *usage, int *npos)
{
    int np = 0, only_pos = 0;
    /* --help first, so that the defaults it shows are not the values of
     * options before it */
    for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            opts_usage(stdout, table, dst, cmd, usage);
            return 1;
        }
    }
    for (int i = 1; i < argc; i++) {
        char *a = argv[i];
        if (only_pos || a[0] != '-' || a[1] == '\0') {
            argv[1 + np++] = a;
            continue;
        }
        if (strcmp(a, "--") == 0) {
            only_pos = 1;
            continue;
        }
        int rc = a[1] == '-' ? opts_long_arg(table, dst, a, argc, argv, &i, cmd)
                             : opts_short_arg(table, dst, a, argc, argv, &i, cmd);
        if (rc)
            return -1;
    }
    *npos = np;
    return 0;
}
