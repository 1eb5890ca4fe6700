/*
 * fuzz_tokenize.c - libFuzzer harness for the raw-text tokenizer.
 *
 * Checks the contract of crftag_tokenize on any bytes: tokens are non-empty,
 * inside the input, in order and non-overlapping, contain no whitespace or
 * NUL at their ends, and the first token starts a sentence.
 */
#include "crftag.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* an exact-size copy, so reading past len is caught by ASan */
    char *text = malloc(size ? size : 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    struct crftag_token *tok = NULL;
    size_t n = 0;
    enum crftag_status st = crftag_tokenize(text, size, &tok, &n);
    if (st == CRFTAG_OK) {
        if ((n == 0) != (tok == NULL))
            abort();
        size_t prev = 0;
        for (size_t i = 0; i < n; i++) {
            if (tok[i].start >= tok[i].end || tok[i].end > size || tok[i].start < prev)
                abort();
            unsigned char c0 = (unsigned char)text[tok[i].start];
            if (c0 == ' ' || c0 == '\n' || c0 == '\t' || c0 == '\0')
                abort();
            prev = tok[i].end;
        }
        if (n > 0 && !tok[0].sentence_start)
            abort();
    }
    crftag_tokens_free(tok);
    free(text);
    return 0;
}
