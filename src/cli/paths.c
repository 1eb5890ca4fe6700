/*
 * paths.c - the files crftag ships, found without the source tree: the
 * default model of `crftag tag` (and, in cmd_train.c, the word clusters),
 * in ../share/crftag/ (installed by make install) or ../models/ (the
 * source tree) beside the directory of the running program.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

const char *cli_shipped_file(const char *name, const char *env, char *buf, size_t len)
{
    const char *e = env ? getenv(env) : NULL;
    if (e)
        return e[0] ? e : NULL;
    char exe[4096];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0)
        return NULL;
    exe[n] = '\0';
    char *slash = strrchr(exe, '/');
    if (!slash)
        return NULL;
    *slash = '\0';
    static const char *const rel[] = { "/../share/crftag/", "/../models/" };
    for (size_t k = 0; k < sizeof rel / sizeof rel[0]; k++) {
        int w = snprintf(buf, len, "%s%s%s", exe, rel[k], name);
        if (w > 0 && (size_t)w < len && access(buf, R_OK) == 0)
            return buf;
    }
    return NULL;
}

const char *cli_default_model(char *buf, size_t len, const char *cmd)
{
    const char *m = cli_shipped_file(CLI_MODEL_NAME, "CRFTAG_MODEL", buf, len);
    if (!m)
        cli_errorf("%s: no model given (-m MODEL), and no default model: neither "
                   "$CRFTAG_MODEL nor " CLI_MODEL_NAME " in ../share/crftag/ or ../models/ "
                   "beside the crftag program", cmd);
    return m;
}
