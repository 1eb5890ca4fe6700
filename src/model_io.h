/*
 * model_io.h - model files (pipeline layer).
 *
 * Implements crftag_model_save (model_write.c) and crftag_model_load /
 * crftag_model_load_mem (model_read.c); both use the byte codec of
 * model_codec.h.  The file layout is specified in docs/MODEL_FORMAT.md.
 */
#ifndef CRFTAG_MODEL_IO_H
#define CRFTAG_MODEL_IO_H

#include <stddef.h>
#include <stdint.h>
#include "crftag.h"

/* Serializes m into a malloc'd buffer holding a whole model file. */
enum crftag_status model_io_serialize(const struct crftag_model *m, unsigned char **out,
                                      size_t *out_len, struct crftag_error *err);

/* The same in format version 5, 6 or CRFTAG_MODEL_FORMAT_VERSION (any other:
 * CRFTAG_ERR_INVALID); version 5 stores the attributes in the model's order,
 * hashes, counts, labels and weights at full width (for tests of the older
 * reader).  Versions 5 and 6 store no hash version: a model of feature hash
 * version 2 is refused (CRFTAG_ERR_INVALID). */
enum crftag_status model_io_serialize_version(const struct crftag_model *m, uint32_t version,
                                              unsigned char **out, size_t *out_len,
                                              struct crftag_error *err);

/* Parses a whole model file; name is used in messages. */
enum crftag_status model_io_parse(const unsigned char *buf, size_t len, const char *name,
                                  struct crftag_model **out, struct crftag_error *err);

#endif
