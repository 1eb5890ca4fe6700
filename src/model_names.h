/*
 * model_names.h - the attribute-names block of model files (pipeline layer,
 * internal), shared by model_write.c and model_read.c.  The block (format
 * version 5) is specified in docs/MODEL_FORMAT.md ("Attribute names").
 */
#ifndef CRFTAG_MODEL_NAMES_H
#define CRFTAG_MODEL_NAMES_H

#include <stddef.h>
#include <stdint.h>
#include "crftag.h"

struct crftag_model;

#define MIO_MAX_NAME 4096u               /* bytes of one attribute name */
#define MIO_NAMES_VERSION 5              /* first format version with the block */

/* Checks m's names for writing and returns the block's size in *size. */
enum crftag_status mio_names_check(const struct crftag_model *m, uint64_t *size,
                                   struct crftag_error *err);

/* Writes the block at p (mio_names_check's size), the names of attributes
 * order[0], order[1], ... (order NULL: 0, 1, ...); returns the bytes written. */
size_t mio_names_write(const struct crftag_model *m, const uint32_t *order, unsigned char *p);

/* Parses the block from p[*pos..n) into m, whose attributes are read;
 * advances *pos.  On failure returns CRFTAG_ERR_MODEL_FORMAT or
 * CRFTAG_ERR_NOMEM with the problem in msg[msg_size]. */
enum crftag_status mio_names_parse(const unsigned char *p, size_t n, size_t *pos,
                                   struct crftag_model *m, char *msg, size_t msg_size);

#endif
