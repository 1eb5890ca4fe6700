/*
 * input.c - crftag_input: raw input (a file or stdin, gzip or not) read line
 * by line in bounded memory, for programs that tag text as it arrives
 * (pipeline layer over io.c's reader).
 */
#include "crftag.h"

#include <stdlib.h>

#include "error.h"
#include "io.h"
#include "util.h"

struct crftag_input {
    struct io_reader *r;
};

enum crftag_status crftag_input_open(const char *path, struct crftag_input **out,
                                     struct crftag_error *err)
{
    if (out)
        *out = NULL;
    if (!path || !out)
        return err_set(err, CRFTAG_ERR_INVALID, "", 0, "NULL argument");
    struct crftag_input *in = util_calloc(1, sizeof *in);
    if (!in)
        return err_set(err, CRFTAG_ERR_NOMEM, path, 0, "out of memory");
    enum crftag_status st = io_open(path, &in->r, err);
    if (st != CRFTAG_OK) {
        free(in);
        return st;
    }
    *out = in;
    return CRFTAG_OK;
}

int crftag_input_read(struct crftag_input *in, char *buf, size_t cap, size_t *out_len,
                      struct crftag_error *err)
{
    if (out_len)
        *out_len = 0;
    if (!in || !buf || cap == 0 || !out_len)
        return err_set(err, CRFTAG_ERR_INVALID, "", 0, "NULL argument or no room");
    return io_read_upto(in->r, buf, cap, out_len, err);
}

int crftag_input_ready(const struct crftag_input *in)
{
    return in ? io_ready(in->r) : 1;
}

void crftag_input_close(struct crftag_input *in)
{
    if (!in)
        return;
    io_close(in->r);
    free(in);
}
