/*
 * model_crfsuite.h - CRFsuite model files read as crftag models (pipeline
 * layer; model_crfsuite.c describes the mapping and the layout read).
 */
#ifndef CRFTAG_MODEL_CRFSUITE_H
#define CRFTAG_MODEL_CRFSUITE_H

#include <stddef.h>
#include "crftag.h"

/* Whether buf starts as a CRFsuite model file does ("lCRF"). */
int model_crfsuite_is(const unsigned char *buf, size_t len);

/* Reads the CRFsuite model file buf[0..len) into a new model of attribute
 * strings (*out, free with crftag_model_free); name is used in messages.
 * Errors: CRFTAG_ERR_MODEL_FORMAT (a damaged or inconsistent file),
 * CRFTAG_ERR_MODEL_VERSION (another model type or version), CRFTAG_ERR_NOMEM. */
enum crftag_status model_crfsuite_parse(const unsigned char *buf, size_t len, const char *name,
                                        struct crftag_model **out, struct crftag_error *err);

#endif
