/*
 * fuzz_tag.c - libFuzzer harness for the tag path end to end: raw bytes ->
 * crftag_tokenize -> token strings -> crftag_tagger_tag, with a small model
 * trained once at start-up on an embedded WikiSER sample (built-in
 * features, IOB2 labels, so BIO-constrained decoding is exercised).
 *
 * Checks: every label id is in range, and constrained decoding never
 * produces I-X after O or after B-Y/I-Y of another type.  The constrained
 * pass goes again through crftag_tagger_tag_tokens (pointer + length, with marginals):
 * the same labels and score, every marginal finite in [0, 1], each row
 * summing to 1.  Finally crftag_tagger_tag_text tags the whole input: spans
 * in order, inside the text, on token boundaries.
 */
#include <math.h>

#include "crftag.h"
#include "fuzz_common.h"

static const char fuzz_train_text[] =
    "<s>\nQEMU\tB-Application\nuses\tO\nSPICE\tB-Protocol\non\tO\nLinux\tB-Operating_System\n.\tO\n</s>\n"
    "<s>\nMicrosoft\tB-Organization\nreleased\tO\nVisual\tB-Application\nStudio\tI-Application\n"
    "Code\tI-Application\nin\tO\n2015\tO\n.\tO\n</s>\n"
    "<s>\nThe\tO\nserver\tO\nruns\tO\nApache\tB-Application\nHTTP\tI-Application\nServer\tI-Application\n"
    "over\tO\nTLS\tB-Protocol\n.\tO\n</s>\n"
    "<s>\nWrite\tO\nit\tO\nin\tO\nC++\tB-Programming_Language\nor\tO\nRust\tB-Programming_Language\n.\tO\n</s>\n"
    "<s>\nWindows\tB-Operating_System\n10\tI-Operating_System\nsupports\tO\nWi-Fi\tB-Protocol\n.\tO\n</s>\n";

static struct crftag_model *fuzz_model;
static struct crftag_tagger *fuzz_tagger;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    char path[256];
    if (fuzz_write_temp(fuzz_train_text, sizeof fuzz_train_text - 1, ".txt", path) != 0)
        abort();
    struct crftag_corpus *c = NULL;
    struct crftag_error err;
    if (crftag_corpus_new(&c) != CRFTAG_OK || crftag_corpus_read(c, path, &err) != CRFTAG_OK)
        abort();
    unlink(path);
    struct crftag_train_params p;
    crftag_train_params_init(&p);
    p.max_iter = 30;
    p.threads = 1;
    if (crftag_train(c, &p, &fuzz_model, &err) != CRFTAG_OK)
        abort();
    crftag_corpus_free(c);
    if (crftag_tagger_new(fuzz_model, &fuzz_tagger) != CRFTAG_OK)
        abort();
    return 0;
}

/* The sentence again through crftag_tagger_tag_tokens, with marginals. */
static void fuzz_check_tokens(const char *const *tok, size_t n, const uint32_t *want,
                              double want_score)
{
    size_t L = crftag_model_num_labels(fuzz_model);
    size_t *len = malloc((n ? n : 1) * sizeof *len);
    uint32_t *ids = malloc((n ? n : 1) * sizeof *ids);
    double *marg = malloc((n ? n : 1) * L * sizeof *marg);
    if (!len || !ids || !marg)
        abort();
    for (size_t i = 0; i < n; i++)
        len[i] = strlen(tok[i]);
    struct crftag_error err;
    double score;
    if (crftag_tagger_tag_tokens(fuzz_tagger, tok, len, n, ids, &score, marg, &err) != CRFTAG_OK)
        abort();
    if (n > 0 && (memcmp(ids, want, n * sizeof *ids) != 0 || score != want_score))
        abort();
    for (size_t i = 0; i < n; i++) {
        double sum = 0;
        for (size_t y = 0; y < L; y++) {
            double p = marg[i * L + y];
            if (!(p >= 0.0 && p <= 1.0 + 1e-9))
                abort();
            sum += p;
        }
        if (fabs(sum - 1.0) > 1e-6)
            abort();
    }
    free(len);
    free(ids);
    free(marg);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > (1 << 16))
        return 0;
    struct crftag_token *tok = NULL;
    size_t n = 0;
    if (crftag_tokenize((const char *)data, size, &tok, &n) != CRFTAG_OK)
        return 0;
    /* token strings: one buffer, NUL-separated */
    char *buf = malloc(size + n + 1);
    const char **cols = malloc((n ? n : 1) * sizeof *cols);
    uint32_t *ids = malloc((n ? n : 1) * sizeof *ids);
    if (!buf || !cols || !ids)
        goto done;
    size_t pos = 0, s0 = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i == n || (i > s0 && tok[i].sentence_start)) {
            /* tag sentence [s0, i) */
            for (int c = 0; c < 2; c++) {
                crftag_tagger_set_constrained(fuzz_tagger, c);
                struct crftag_error err;
                double score;
                if (crftag_tagger_tag(fuzz_tagger, cols + s0, i - s0, 1, ids + s0, &score,
                                      &err) != CRFTAG_OK)
                    abort();
                size_t L = crftag_model_num_labels(fuzz_model);
                const char *prev = "O";
                for (size_t k = s0; k < i; k++) {
                    if (ids[k] >= L)
                        abort();
                    const char *lab = crftag_model_label(fuzz_model, ids[k]);
                    if (c == 1 && lab[0] == 'I'
                        && (prev[0] == 'O' || strcmp(prev + 1, lab + 1) != 0))
                        abort();
                    prev = lab;
                }
                if (c == 1)
                    fuzz_check_tokens(cols + s0, i - s0, ids + s0, score);
            }
            s0 = i;
        }
        if (i == n)
            break;
        size_t len = tok[i].end - tok[i].start;
        memcpy(buf + pos, data + tok[i].start, len);
        buf[pos + len] = '\0';
        cols[i] = buf + pos;
        pos += len + 1;
    }
done:
    free(buf);
    free(cols);
    free(ids);
    crftag_tokens_free(tok);

    struct crftag_span *sp = NULL;
    struct crftag_token *tk = NULL;
    size_t ns = 0, ntk = 0;
    struct crftag_error err;
    crftag_tagger_set_constrained(fuzz_tagger, 1);
    if (crftag_tagger_tag_text(fuzz_tagger, (const char *)data, size, &sp, &ns, &tk, &ntk,
                               &err) != CRFTAG_OK)
        abort();
    if (ntk != n)
        abort();
    size_t last_end = 0, last_tok = 0;
    for (size_t i = 0; i < ns; i++) {
        if (sp[i].start < last_end || sp[i].end > size || sp[i].start >= sp[i].end
            || sp[i].token_begin < last_tok || sp[i].token_end > ntk
            || sp[i].token_begin >= sp[i].token_end
            || sp[i].start != tk[sp[i].token_begin].start
            || sp[i].end != tk[sp[i].token_end - 1].end || sp[i].type == NULL)
            abort();
        last_end = sp[i].end;
        last_tok = sp[i].token_end;
    }
    crftag_spans_free(sp);
    crftag_tokens_free(tk);
    return 0;
}
