/*
 * error.h - filling struct crftag_error (base layer).
 */
#ifndef CRFTAG_ERROR_H
#define CRFTAG_ERROR_H

#include "crftag.h"

/* Fills err (when not NULL) with code, file (may be NULL), line (0 = none)
 * and a printf-style message, truncated to fit; returns code so that callers
 * can write `return err_set(err, CRFTAG_ERR_PARSE, path, line, "...");`. */
enum crftag_status err_set(struct crftag_error *err, enum crftag_status code,
                           const char *file, long line, const char *fmt, ...)
#if defined(__GNUC__) || defined(__clang__)
    __attribute__((format(printf, 5, 6)))
#endif
    ;

/* Clears err (code CRFTAG_OK, empty strings). */
void err_clear(struct crftag_error *err);

#endif
