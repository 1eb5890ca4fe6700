/*
 * fuzz_corpus.c - libFuzzer harness for the corpus reader (WikiSER and CoNLL,
 * plain and gzip).
 *
 * Input: byte 0 selects the mode (bit 0: gzip-compress the rest before
 * writing it, bit 1: also read it into a crftag_corpus), the rest is the
 * file.  Every sentence returned is walked cell by cell (so ASan sees any
 * out-of-bounds pointer) and checked for shape.
 */
#include "corpus.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > (1 << 20))
        return 0;
    unsigned mode = data[0];
    data++;
    size--;
    char path[256];
    unsigned char *gz = NULL;
    int rc;
    if (mode & 1) {
        size_t n = fuzz_gzip(data, size, &gz);
        if (!gz)
            return 0;
        rc = fuzz_write_temp(gz, n, ".gz", path);
    } else {
        rc = fuzz_write_temp(data, size, ".txt", path);
    }
    free(gz);
    if (rc != 0)
        return 0;

    struct corpus_reader *r = NULL;
    struct crftag_error err;
    if (corpus_reader_open(path, &r, &err) == CRFTAG_OK) {
        struct sentence s;
        size_t total = 0;
        int k;
        while ((k = corpus_reader_next(r, &s, &err)) == 1) {
            if (s.n == 0 || s.ncols == 0)
                abort();     /* a returned sentence is never empty */
            for (size_t i = 0; i < s.n * s.ncols; i++)
                total += strlen(s.cols[i]);
        }
        if (k < 0 && err.msg[0] == '\0')
            abort();         /* an error always explains itself */
        corpus_reader_close(r);
        (void)total;
    }
    if (mode & 2) {
        struct crftag_corpus *c = NULL;
        if (crftag_corpus_new(&c) == CRFTAG_OK) {
            crftag_corpus_read(c, path, &err);
            size_t ns, nt;
            crftag_corpus_size(c, &ns, &nt);
            crftag_corpus_free(c);
        }
    }
    unlink(path);
    return 0;
}
