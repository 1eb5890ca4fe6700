/*
 * test_hostile.c - hostile inputs and failing writes, through the library.
 *
 * Regression tests for bugs found by fuzzing and by the hostile-input tests
 * (tests/hostile.sh runs the same kind of inputs through the crftag
 * program):
 *   - saving over a device or FIFO wrote a temporary file and renamed it
 *     over the node (as root, `-o /dev/full` replaced /dev/full); now the
 *     node is written in place and a full device reports ENOSPC;
 *   - training on a single label failed with "L-BFGS failed: already
 *     minimized"; now it yields a model that tags everything with it.
 * And properties: a kill -9 in the middle of crftag_model_save leaves the
 * previous model intact; adversarial training data (one long sentence,
 * duplicated sentences, contradictory labels, no regularization) never puts
 * NaN/Inf into the weights and the model saves and loads; a diverging
 * optimization stops with the optimizer's reason.
 */
#define _XOPEN_SOURCE 700        /* mknod */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "crftag.h"
#include "io.h"
#include "model.h"
#include "testutil.h"

#define SLICE "tests/data/corpus_wikiser_30.txt"

/* A fresh temporary directory; caller removes it with rmtree(). */
static char *tmpdir(void)
{
    const char *base = getenv("TMPDIR");
    static char path[256];
    snprintf(path, sizeof path, "%s/crftag-hostile.XXXXXX", base ? base : "/tmp");
    assert_non_null(mkdtemp(path));
    return path;
}

static void rmtree(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    char p[512];
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        unlink(p);
    }
    closedir(d);
    rmdir(dir);
}

static unsigned char *read_bytes(const char *path, size_t *len)
{
    char *buf;
    assert_int_equal(io_read_all(path, &buf, len, NULL), CRFTAG_OK);
    return (unsigned char *)buf;
}

static struct crftag_model *train_file(const char *path, int max_iter, double c2)
{
    struct crftag_corpus *c = load_corpus(path);
    struct crftag_error err;
    struct crftag_train_params p;
    crftag_train_params_init(&p);
    p.max_iter = max_iter;
    p.c2 = c2;
    p.threads = 2;
    struct crftag_model *m = NULL;
    enum crftag_status st = crftag_train(c, &p, &m, &err);
    if (st != CRFTAG_OK)
        fail_msg("training %s: %s", path, err.msg);
    crftag_corpus_free(c);
    return m;
}

static void assert_weights_finite(const struct crftag_model *m)
{
    size_t L = m->labels.n;
    for (size_t k = 0; k < m->npairs; k++)
        assert_true(isfinite(m->pair_w[k]));
    for (size_t k = 0; k < L * L; k++)
        assert_true(isfinite(m->trans[k]));
}

/* Regression: a FIFO given as the output is written in place (not replaced
 * by a renamed regular file), and what arrives is the model's file. */
static void test_save_to_fifo(void **state)
{
    (void)state;
    char *dir = tmpdir();
    char fifo[300], reg[300];
    snprintf(fifo, sizeof fifo, "%s/out.fifo", dir);
    snprintf(reg, sizeof reg, "%s/out.crftag", dir);
    assert_int_equal(mkfifo(fifo, 0600), 0);
    struct crftag_model *m = train_file(SLICE, 3, 1.0);
    struct crftag_error err;
    assert_int_equal(crftag_model_save(m, reg, &err), CRFTAG_OK);

    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0)
        _exit(crftag_model_save(m, fifo, NULL) == CRFTAG_OK ? 0 : 1);
    /* non-blocking reader: before the fix the FIFO was never opened for
     * writing (a file was renamed over it), which must fail, not hang */
    int fd = open(fifo, O_RDONLY | O_NONBLOCK);
    assert_true(fd >= 0);
    size_t cap = 1 << 16, len = 0;
    unsigned char *got = malloc(cap);
    int status, exited = 0;
    for (int spins = 0; got && spins < 20000; spins++) {
        ssize_t r = read(fd, got + len, cap - len);
        if (r > 0) {
            len += (size_t)r;
            if (len == cap)
                got = realloc(got, cap *= 2);
            continue;
        }
        if (r < 0 && errno != EAGAIN)
            break;
        if (exited)              /* writer gone and nothing left */
            break;
        if (waitpid(pid, &status, WNOHANG) == pid)
            exited = 1;          /* one more read drains what it wrote */
        else
            nanosleep(&(struct timespec){ 0, 500000 }, NULL);
    }
    close(fd);
    if (!exited)
        assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);

    struct stat sb;
    assert_int_equal(stat(fifo, &sb), 0);
    assert_true(S_ISFIFO(sb.st_mode));          /* still the FIFO */
    size_t want_len;
    unsigned char *want = read_bytes(reg, &want_len);
    assert_non_null(got);
    assert_int_equal(len, want_len);
    assert_memory_equal(got, want, len);
    struct crftag_model *m2;
    assert_int_equal(crftag_model_load_mem(got, len, &m2, &err), CRFTAG_OK);
    crftag_model_free(m2);
    free(got);
    free(want);
    crftag_model_free(m);
    rmtree(dir);
}

/* Regression: saving to a full device (/dev/full, or a private node of it
 * when we may create one) fails with ENOSPC and leaves the node alone. */
static void test_save_to_dev_full(void **state)
{
    (void)state;
    char *dir = tmpdir();
    char node[300];
    snprintf(node, sizeof node, "%s/full", dir);
    const char *path = node;
    if (mknod(node, S_IFCHR | 0600, makedev(1, 7)) != 0) {
        if (getuid() == 0) {      /* root without CAP_MKNOD: do not touch /dev */
            rmtree(dir);
            skip();
        }
        path = "/dev/full";       /* not root: /dev is not writable, the fix */
    }                             /* is what makes this an ENOSPC */
    struct crftag_model *m = train_file(SLICE, 2, 1.0);
    struct crftag_error err;
    assert_int_equal(crftag_model_save(m, path, &err), CRFTAG_ERR_IO);
    assert_non_null(strstr(err.msg, strerror(ENOSPC)));
    struct stat sb;
    assert_int_equal(stat(path, &sb), 0);
    assert_true(S_ISCHR(sb.st_mode));
    /* a directory is refused with a clear message */
    assert_int_equal(crftag_model_save(m, dir, &err), CRFTAG_ERR_IO);
    assert_non_null(strstr(err.msg, strerror(EISDIR)));
    crftag_model_free(m);
    rmtree(dir);
}

/* Regression: a corpus with one label trains (the zero start is already
 * optimal) and the model tags every token with that label. */
static void test_one_label(void **state)
{
    (void)state;
    char *dir = tmpdir();
    char path[300];
    snprintf(path, sizeof path, "%s/one.txt", dir);
    const char *text = "<s>\nQEMU\tO\nuses\tO\nSPICE\tO\n</s>\n<s>\nLinux\tO\nruns\tO\n</s>\n";
    write_file(path, text, strlen(text));
    struct crftag_model *m = train_file(path, 10, 1.0);
    assert_int_equal(crftag_model_num_labels(m), 1);
    assert_weights_finite(m);
    struct crftag_tagger *t;
    assert_int_equal(crftag_tagger_new(m, &t), CRFTAG_OK);
    const char *toks[] = { "Linux", "uses", "QEMU", "today" };
    uint32_t ids[4] = { 9, 9, 9, 9 };
    struct crftag_error err;
    assert_int_equal(crftag_tagger_tag(t, toks, 4, 1, ids, NULL, &err), CRFTAG_OK);
    for (int i = 0; i < 4; i++)
        assert_int_equal(ids[i], 0);
    crftag_tagger_free(t);
    crftag_model_free(m);
    rmtree(dir);
}

/* Adversarial data, no L2 term: one 20,000-token sentence, the same
 * sentences 300 times, and the same tokens with contradictory labels.  The
 * weights stay finite and the model saves and loads. */
static void test_adversarial_numbers(void **state)
{
    (void)state;
    char *dir = tmpdir();
    char path[300], mpath[300];
    snprintf(path, sizeof path, "%s/adv.txt", dir);
    snprintf(mpath, sizeof mpath, "%s/adv.crftag", dir);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fputs("<s>\n", f);
    for (int i = 0; i < 20000; i++)
        fprintf(f, "w%d\t%s\n", i % 50, i % 3 == 0 ? "B-Application" : i % 3 == 1 ? "I-Application" : "O");
    fputs("</s>\n", f);
    for (int r = 0; r < 300; r++) {
        fputs("<s>\nQEMU\tB-Application\nuses\tO\nSPICE\tB-Protocol\n</s>\n", f);
        fputs("<s>\nQEMU\tO\nuses\tB-Protocol\nSPICE\tB-Application\n</s>\n", f);   /* contradicts */
    }
    assert_int_equal(fclose(f), 0);
    struct crftag_model *m = train_file(path, 40, 0.0);
    assert_weights_finite(m);
    struct crftag_error err;
    assert_int_equal(crftag_model_save(m, mpath, &err), CRFTAG_OK);
    struct crftag_model *m2;
    assert_int_equal(crftag_model_load(mpath, &m2, &err), CRFTAG_OK);
    assert_weights_finite(m2);
    crftag_model_free(m2);
    crftag_model_free(m);
    rmtree(dir);
}

/* A diverging optimization stops with the optimizer's reason, never with NaN/Inf
 * weights: (a) separable data without regularization and without the
 * epsilon and delta stopping tests, so the weights grow for as long as the
 * objective still falls (its infimum is at infinity): training stops on its
 * own, before max_iter, when the objective cannot fall any more, with finite
 * weights; (b) an absurd L2 coefficient makes every line-search step
 * overshoot: training fails with CRFTAG_ERR_OPTIMIZER and the reason. */
static void test_diverging_optimizer(void **state)
{
    (void)state;
    char *dir = tmpdir();
    char path[300];
    snprintf(path, sizeof path, "%s/sep.txt", dir);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    for (int r = 0; r < 50; r++)
        fputs("<s>\nQEMU\tB-Application\nuses\tO\nSPICE\tB-Protocol\n</s>\n", f);
    assert_int_equal(fclose(f), 0);
    struct crftag_corpus *c = load_corpus(path);
    struct crftag_error err;

    struct crftag_train_params p;
    crftag_train_params_init(&p);
    p.c2 = 0.0;
    p.epsilon = 0.0;
    p.delta = 0.0;
    p.max_iter = 100000;
    p.threads = 1;
    struct crftag_model *m = NULL;
    assert_int_equal(crftag_train(c, &p, &m, &err), CRFTAG_OK);
    assert_weights_finite(m);
    struct crftag_model_info mi;
    crftag_model_get_info(m, &mi);
    print_message("  c2 = 0, separable: %u iterations, objective %g, stopped: %s\n",
                  mi.iterations, mi.final_objective, mi.stop_reason);
    assert_true(mi.iterations > 0 && mi.iterations < (uint32_t)p.max_iter);
    assert_true(isfinite(mi.final_objective) && mi.final_objective > -1e-9);  /* rounding */
    assert_null(strstr(mi.stop_reason, "maximum number of iterations"));
    assert_null(strstr(mi.stop_reason, "unknown"));
    /* it went all the way down: the objective's infimum, 0, is at infinity */
    assert_true(mi.final_objective < 1e-6);
    crftag_model_free(m);

    crftag_train_params_init(&p);
    p.c2 = 1e50;
    p.max_iter = 100;
    p.threads = 1;
    m = (struct crftag_model *)&p;        /* must be reset to NULL */
    assert_int_equal(crftag_train(c, &p, &m, &err), CRFTAG_ERR_OPTIMIZER);
    assert_null(m);
    print_message("  c2 = 1e50: %s\n", err.msg);
    assert_non_null(strstr(err.msg, "L-BFGS failed: line search step became smaller than the minimum"));
    crftag_corpus_free(c);
    rmtree(dir);
}

/* Is there a "<base>.tmp.*" file in dir? */
static int has_temp(const char *dir, const char *base)
{
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    struct dirent *e;
    size_t bl = strlen(base);
    int found = 0;
    while (!found && (e = readdir(d)) != NULL)
        found = strncmp(e->d_name, base, bl) == 0 && strncmp(e->d_name + bl, ".tmp.", 5) == 0;
    closedir(d);
    return found;
}

/* kill -9 while crftag_model_save is writing (its temporary file exists):
 * the previous model at the path is byte for byte intact and loads. */
static void test_kill9_mid_save(void **state)
{
    (void)state;
    char *dir = tmpdir();
    char path[300];
    snprintf(path, sizeof path, "%s/m.crftag", dir);
    struct crftag_model *small = train_file(SLICE, 2, 1.0), *big;
    struct crftag_error err;
    assert_int_equal(crftag_model_save(small, path, &err), CRFTAG_OK);
    size_t old_len;
    unsigned char *old = read_bytes(path, &old_len);
    /* a bigger model makes the write window longer */
    assert_int_equal(crftag_model_load("models/wikiser.crftag", &big, &err), CRFTAG_OK);

    int hits = 0;
    for (int attempt = 0; attempt < 30 && hits < 3; attempt++) {
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0)
            _exit(crftag_model_save(big, path, NULL) == CRFTAG_OK ? 0 : 1);
        int status, done = 0;
        while (!has_temp(dir, "m.crftag")) {
            if (waitpid(pid, &status, WNOHANG) == pid) {
                done = 1;
                break;
            }
        }
        if (!done) {
            kill(pid, SIGKILL);
            assert_int_equal(waitpid(pid, &status, 0), pid);
        }
        size_t len;
        unsigned char *now = read_bytes(path, &len);
        if (!done && WIFSIGNALED(status) && len == old_len && memcmp(now, old, len) == 0
            && has_temp(dir, "m.crftag"))
            hits++;             /* killed mid-save: temp written, target untouched */
        free(now);
        struct crftag_model *m;
        assert_int_equal(crftag_model_load(path, &m, &err), CRFTAG_OK);   /* loads */
        crftag_model_free(m);
        /* restore the small model and drop any leftover temp file */
        rmtree(dir);
        assert_int_equal(mkdir(dir, 0700), 0);
        assert_int_equal(crftag_model_save(small, path, &err), CRFTAG_OK);
    }
    print_message("kill -9 mid-save: %d hits\n", hits);
    assert_true(hits >= 1);
    free(old);
    crftag_model_free(big);
    crftag_model_free(small);
    rmtree(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_save_to_fifo),
        cmocka_unit_test(test_save_to_dev_full),
        cmocka_unit_test(test_one_label),
        cmocka_unit_test(test_adversarial_numbers),
        cmocka_unit_test(test_diverging_optimizer),
        cmocka_unit_test(test_kill9_mid_save),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
