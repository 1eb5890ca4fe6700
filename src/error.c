/*
 * error.c - filling struct crftag_error, status names (base layer).
 */
#include "error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

enum crftag_status err_set(struct crftag_error *err, enum crftag_status code,
                           const char *file, long line, const char *fmt, ...)
{
    if (!err)
        return code;
    err->code = code;
    snprintf(err->file, sizeof err->file, "%s", file ? file : "");
    err->line = line;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
    return code;
}

void err_clear(struct crftag_error *err)
{
    if (!err)
        return;
    memset(err, 0, sizeof *err);
}

const char *crftag_strerror(enum crftag_status status)
{
    switch (status) {
    case CRFTAG_OK: return "success";
    case CRFTAG_ERR_NOMEM: return "out of memory";
    case CRFTAG_ERR_IO: return "input/output error";
    case CRFTAG_ERR_PARSE: return "malformed input";
    case CRFTAG_ERR_MODEL_FORMAT: return "not a valid crftag model";
    case CRFTAG_ERR_MODEL_VERSION: return "unsupported model format version";
    case CRFTAG_ERR_MODEL_CHECKSUM: return "model file corrupt (checksum mismatch)";
    case CRFTAG_ERR_INVALID: return "invalid argument";
    case CRFTAG_ERR_CANCELED: return "canceled";
    case CRFTAG_ERR_OPTIMIZER: return "optimizer failed";
    }
    return "unknown error";
}

const char *crftag_version(void)
{
    return CRFTAG_VERSION_STRING;
}
