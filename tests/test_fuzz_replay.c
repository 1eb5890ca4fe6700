/*
 * test_fuzz_replay.c - the libFuzzer harnesses of fuzz/ as regression tests.
 *
 * The eight harnesses are compiled in here (their entry points renamed) and
 * every file of fuzz/seeds/<target>/ and tests/data/fuzz/<target>/ is fed to
 * its harness, without libFuzzer and with the ordinary compiler, so that
 * `make check` and `make asan` replay the seeds, the corpus the fuzzers
 * reached (merged, minimized) and every input that once crashed.  A harness
 * aborts when an invariant breaks; ASan/UBSan (make asan) stop on any memory
 * or undefined-behaviour error.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LLVMFuzzerTestOneInput fuzz_corpus_one
#include "../fuzz/fuzz_corpus.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_template_one
#include "../fuzz/fuzz_template.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_tokenize_one
#include "../fuzz/fuzz_tokenize.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_model_one
#include "../fuzz/fuzz_model.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_tag_one
#define LLVMFuzzerInitialize fuzz_tag_init
#include "../fuzz/fuzz_tag.c"
#undef LLVMFuzzerTestOneInput
#undef LLVMFuzzerInitialize
#define LLVMFuzzerTestOneInput fuzz_lexicon_one
#include "../fuzz/fuzz_lexicon.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_train_one
#include "../fuzz/fuzz_train.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_json_one
#include "../fuzz/fuzz_json.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_crfsuite_one
#include "../fuzz/fuzz_crfsuite.c"
#undef LLVMFuzzerTestOneInput

typedef int (*harness_fn)(const uint8_t *data, size_t size);

/* Reads path whole into an exactly sized buffer (so ASan sees overreads). */
static uint8_t *read_input(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    size_t cap = 4096, n = 0, r;
    uint8_t *buf = malloc(cap);
    assert_non_null(buf);
    while ((r = fread(buf + n, 1, cap - n, f)) > 0) {
        n += r;
        if (n == cap) {
            buf = realloc(buf, cap *= 2);
            assert_non_null(buf);
        }
    }
    fclose(f);
    uint8_t *exact = malloc(n ? n : 1);
    assert_non_null(exact);
    memcpy(exact, buf, n);
    free(buf);
    *len = n;
    return exact;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Feeds every regular file of dir (in name order) to fn; returns how many.
 * A missing directory holds no inputs. */
static size_t replay_dir(const char *dir, harness_fn fn)
{
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        if (n == cap) {
            cap = cap ? 2 * cap : 64;
            names = realloc(names, cap * sizeof *names);
            assert_non_null(names);
        }
        names[n] = malloc(strlen(dir) + strlen(e->d_name) + 2);
        assert_non_null(names[n]);
        sprintf(names[n], "%s/%s", dir, e->d_name);
        n++;
    }
    closedir(d);
    if (n)
        qsort(names, n, sizeof *names, by_name);
    for (size_t i = 0; i < n; i++) {
        size_t len;
        uint8_t *data = read_input(names[i], &len);
        assert_int_equal(fn(data, len), 0);
        free(data);
        free(names[i]);
    }
    free(names);
    return n;
}

static void replay(const char *target, harness_fn fn)
{
    char seeds[256], data[256];
    snprintf(seeds, sizeof seeds, "fuzz/seeds/%s", target);
    snprintf(data, sizeof data, "tests/data/fuzz/%s", target);
    size_t a = replay_dir(seeds, fn);
    size_t b = replay_dir(data, fn);
    print_message("  %s: %zu seeds, %zu from tests/data/fuzz\n", target, a, b);
    assert_true(a > 0);
}

static void test_corpus(void **state)
{
    (void)state;
    replay("corpus", fuzz_corpus_one);
}

static void test_template(void **state)
{
    (void)state;
    replay("template", fuzz_template_one);
}

static void test_tokenize(void **state)
{
    (void)state;
    replay("tokenize", fuzz_tokenize_one);
}

static void test_model(void **state)
{
    (void)state;
    replay("model", fuzz_model_one);
}

static void test_tag(void **state)
{
    (void)state;
    assert_int_equal(fuzz_tag_init(NULL, NULL), 0);
    replay("tag", fuzz_tag_one);
    crftag_tagger_free(fuzz_tagger);
    crftag_model_free(fuzz_model);
}

static void test_lexicon(void **state)
{
    (void)state;
    replay("lexicon", fuzz_lexicon_one);
}

static void test_train(void **state)
{
    (void)state;
    replay("train", fuzz_train_one);
}

static void test_json(void **state)
{
    (void)state;
    replay("json", fuzz_json_one);
}

static void test_crfsuite(void **state)
{
    (void)state;
    replay("crfsuite", fuzz_crfsuite_one);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_corpus),
        cmocka_unit_test(test_template),
        cmocka_unit_test(test_tokenize),
        cmocka_unit_test(test_model),
        cmocka_unit_test(test_tag),
        cmocka_unit_test(test_lexicon),
        cmocka_unit_test(test_train),
        cmocka_unit_test(test_json),
        cmocka_unit_test(test_crfsuite),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
