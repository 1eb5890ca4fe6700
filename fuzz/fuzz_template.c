/*
 * fuzz_template.c - libFuzzer harness for the CRF++ template parser and the
 * template feature extractor.
 *
 * Input: "<template text>" [ "\0" "<sentence>" ].  The sentence is split into
 * tokens on spaces (or a fixed sentence is used when absent); every token is
 * given stride columns (the template's column count, at most 64), column j of
 * token i being token i + j (mod n), so templates reading any column get
 * real strings.
 */
#include "featset.h"
#include "fuzz_common.h"

#define FUZZ_MAXTOK 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > (1 << 16))
        return 0;
    const char *text = (const char *)data;
    const uint8_t *nul = memchr(data, 0, size);
    size_t tlen = nul ? (size_t)(nul - data) : size;

    struct feat_config fc;
    struct crftag_error err;
    if (feat_config_template(&fc, text, tlen, "fuzz.tpl", 42, &err) != CRFTAG_OK) {
        if (err.msg[0] == '\0')
            abort();
        return 0;
    }
    if (fc.ncols == 0)
        abort();
    if (fc.ncols > 64) {
        feat_config_free(&fc);
        return 0;
    }

    /* the sentence's tokens */
    char sbuf[1024];
    const char *defs = "QEMU uses SPICE on Linux .";
    size_t slen;
    if (nul) {
        slen = size - tlen - 1;
        if (slen >= sizeof sbuf)
            slen = sizeof sbuf - 1;
        memcpy(sbuf, nul + 1, slen);
    } else {
        slen = strlen(defs);
        memcpy(sbuf, defs, slen);
    }
    sbuf[slen] = '\0';
    const char *tok[FUZZ_MAXTOK];
    size_t n = 0;
    char *p = sbuf;
    while (n < FUZZ_MAXTOK) {
        char *sp = memchr(p, ' ', (size_t)(sbuf + slen - p));
        tok[n++] = p;
        if (!sp)
            break;
        *sp = '\0';
        p = sp + 1;
    }

    size_t stride = fc.ncols;
    const char **cols = malloc(n * stride * sizeof *cols);
    if (cols) {
        for (size_t i = 0; i < n; i++)
            for (size_t j = 0; j < stride; j++)
                cols[i * stride + j] = tok[(i + j) % n];
        struct feat_buf fb;
        memset(&fb, 0, sizeof fb);
        for (size_t m = 0; m <= n; m += n ? n : 1) {     /* n tokens, and 0 tokens */
            if (feat_extract(&fc, cols, m == 0 ? 0 : n, stride, &fb) == CRFTAG_OK) {
                size_t k = m == 0 ? 0 : n;
                uint64_t acc = 0;
                for (size_t i = 0; i < fb.start[k]; i++)
                    acc ^= fb.ids[i];
                (void)acc;
            }
            if (n == 0)
                break;
        }
        feat_extract(&fc, cols, 0, stride, &fb);
        feat_buf_free(&fb);
        free(cols);
    }
    feat_config_free(&fc);
    return 0;
}
