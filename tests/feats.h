/*
 * feats.h - the attributes of one token as the library extracts them (test
 * helper; include after <cmocka.h> and "featset.h").
 */
#ifndef CRFTAG_TESTS_FEATS_H
#define CRFTAG_TESTS_FEATS_H

#include <string.h>

/* Attributes of token i of toks[0..n) (one column) with fc, in extraction
 * order, into out; returns their count. */
static size_t feats_of(const struct feat_config *fc, const char *const *toks, size_t n,
                       size_t i, uint64_t *out)
{
    struct feat_buf b;
    memset(&b, 0, sizeof b);
    assert_int_equal(feat_extract(fc, toks, n, 1, &b), CRFTAG_OK);
    size_t k = b.start[i + 1] - b.start[i];
    memcpy(out, b.ids + b.start[i], k * sizeof *out);
    feat_buf_free(&b);
    return k;
}

#endif
