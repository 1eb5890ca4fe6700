/*
 * test_oom.c - allocation failures: every malloc/calloc/realloc the library
 * makes, failed one at a time.
 *
 * This binary is linked with -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc
 * (see the Makefile), so every allocation made by libcrftag.a goes through
 * the wrappers below.  For an operation (read a corpus, train, load a model,
 * save it, tag raw text, ...) the test runs it with the 1st allocation
 * failing, then the 2nd, ... until a run makes no failed allocation.  Each
 * run must either report CRFTAG_ERR_NOMEM with a message saying "out of
 * memory", or succeed with exactly the result of the undisturbed run; it
 * must never crash.  Under `make asan` LeakSanitizer also checks that the
 * error paths free what they allocated.  Blocks from malloc come filled
 * with garbage, so that a result never depends on memory left unwritten.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crftag.h"

#define SLICE "tests/data/corpus_wikiser_30.txt"
#define CONLL "tests/data/corpus_conll_30.txt.gz"
#define TEMPLATE "tests/data/features_conll2000.tpl"
#define CRFSUITE "tests/data/crfsuite_conll_30.txt"

/* ---- the failing allocator ---------------------------------------------- */

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t n);

static atomic_long alloc_count;    /* allocations seen since arm() */
static atomic_long fail_at = -1;   /* the one to fail; -1: none    */
static atomic_int failed;          /* has it been failed?          */

static int should_fail(void)
{
    long at = atomic_load(&fail_at);
    if (at < 0)
        return 0;
    if (atomic_fetch_add(&alloc_count, 1) != at)
        return 0;
    atomic_store(&failed, 1);
    return 1;
}

/* A block malloc gives is filled with 0xa5 bytes, not left as the system
 * gives it (often zeros, or what a block freed just before held): a read
 * of memory never written then sees garbage. */
void *__wrap_malloc(size_t n)
{
    if (should_fail())
        return NULL;
    void *p = __real_malloc(n);
    if (p)
        memset(p, 0xa5, n);
    return p;
}

void *__wrap_calloc(size_t n, size_t size)
{
    return should_fail() ? NULL : __real_calloc(n, size);
}

void *__wrap_realloc(void *p, size_t n)
{
    return should_fail() ? NULL : __real_realloc(p, n);
}

static void arm(long at)
{
    atomic_store(&alloc_count, 0);
    atomic_store(&failed, 0);
    atomic_store(&fail_at, at);
}

static void disarm(void)
{
    atomic_store(&fail_at, -1);
}

/* ---- the walk ------------------------------------------------------------ */

/* An operation under test: runs, compares its result with the reference
 * run's (stored in ctx by the first, undisturbed call), frees everything,
 * and returns its status. */
typedef enum crftag_status (*op_fn)(void *ctx, int reference, struct crftag_error *err);

/* Fails allocation 0, 1, 2, ... of op until a run completes without a
 * failed allocation; at most max_runs runs (then every stride-th index is
 * tried so that long operations stay quick).  Returns the number of runs. */
static long walk(const char *name, op_fn op, void *ctx)
{
    struct crftag_error err;
    assert_int_equal(op(ctx, 1, &err), CRFTAG_OK);          /* reference */
    /* count the allocations of one run */
    arm(1L << 60);
    assert_int_equal(op(ctx, 0, &err), CRFTAG_OK);
    long total = atomic_load(&alloc_count);
    disarm();
    long stride = total > 4000 ? total / 4000 + 1 : 1;
    long runs = 0, nomem = 0, ok = 0;
    for (long at = 0;; at += stride) {
        memset(&err, 0, sizeof err);
        arm(at);
        enum crftag_status st = op(ctx, 0, &err);
        int hit = atomic_load(&failed);
        disarm();
        runs++;
        if (!hit) {
            assert_int_equal(st, CRFTAG_OK);
            break;
        }
        if (st == CRFTAG_OK) {
            ok++;             /* the failure was absorbed; op checked the result */
            continue;
        }
        if (st != CRFTAG_ERR_NOMEM || err.code != CRFTAG_ERR_NOMEM ||
            !strstr(err.msg, "out of memory"))
            fail_msg("%s: allocation %ld of %ld failed: status %d (%s), message \"%s\"", name,
                     at, total, (int)st, crftag_strerror(st), err.msg);
        nomem++;
    }
    print_message("  %s: %ld allocations, %ld runs (every %ld), %ld out of memory, %ld absorbed\n",
                  name, total, runs, stride, nomem, ok);
    assert_true(nomem > 0);
    return runs;
}

static unsigned char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    size_t cap = 1 << 16, n = 0;
    unsigned char *buf = __real_malloc(cap);
    size_t r;
    while ((r = fread(buf + n, 1, cap - n, f)) > 0) {
        n += r;
        if (n == cap)
            buf = __real_realloc(buf, cap *= 2);
        assert_non_null(buf);
    }
    fclose(f);
    *len = n;
    return buf;
}

/* ---- corpora ------------------------------------------------------------- */

struct corpus_ctx {
    const char *path;
    size_t ns, nt;
};

static enum crftag_status op_corpus(void *vctx, int reference, struct crftag_error *err)
{
    struct corpus_ctx *x = vctx;
    struct crftag_corpus *c = NULL;
    enum crftag_status st = crftag_corpus_new(&c);
    if (st != CRFTAG_OK) {
        snprintf(err->msg, sizeof err->msg, "%s", "out of memory (corpus_new)");
        err->code = st;
        return st;
    }
    st = crftag_corpus_read(c, x->path, err);
    size_t ns, nt;
    crftag_corpus_size(c, &ns, &nt);
    if (st == CRFTAG_OK) {
        if (reference) {
            x->ns = ns;
            x->nt = nt;
        } else {
            assert_int_equal(ns, x->ns);
            assert_int_equal(nt, x->nt);
        }
    }
    crftag_corpus_free(c);
    return st;
}

static void test_corpus_read(void **state)
{
    (void)state;
    struct corpus_ctx w = { SLICE, 0, 0 }, g = { CONLL, 0, 0 }, a = { CRFSUITE, 0, 0 };
    walk("read WikiSER", op_corpus, &w);
    walk("read CoNLL .gz", op_corpus, &g);
    walk("read CRFsuite (detected)", op_corpus, &a);
}

struct reader_ctx {
    const char *path;
    size_t ns, nt;
};

static enum crftag_status op_reader(void *vctx, int reference, struct crftag_error *err)
{
    struct reader_ctx *x = vctx;
    struct crftag_reader *r = NULL;
    enum crftag_status st = crftag_reader_open(x->path, &r, err);
    if (st != CRFTAG_OK)
        return st;
    size_t ns = 0, nt = 0, n, nc;
    const char *const *cols;
    int k;
    while ((k = crftag_reader_next(r, &cols, &n, &nc, err)) == 1) {
        ns++;
        nt += n;
    }
    crftag_reader_close(r);
    if (k < 0)
        return (enum crftag_status)k;
    if (reference) {
        x->ns = ns;
        x->nt = nt;
    } else {
        assert_int_equal(ns, x->ns);
        assert_int_equal(nt, x->nt);
    }
    return CRFTAG_OK;
}

static void test_reader(void **state)
{
    (void)state;
    struct reader_ctx w = { SLICE, 0, 0 }, g = { CONLL, 0, 0 };
    walk("stream WikiSER", op_reader, &w);
    walk("stream CoNLL .gz", op_reader, &g);
}

/* ---- training ------------------------------------------------------------ */

struct train_ctx {
    struct crftag_corpus *c;
    const char *template_text;
    const char *lexicon;             /* a user lexicon file, or NULL */
    int threads;
    struct crftag_model_info ref;    /* of the undisturbed run */
};

/* Runs are deterministic (the threads' gradients are summed in a fixed
 * order): a run that succeeds must reach the reference run's model (sizes,
 * iterations, final objective bit for bit). */
static enum crftag_status op_train(void *vctx, int reference, struct crftag_error *err)
{
    struct train_ctx *x = vctx;
    struct crftag_train_params p;
    crftag_train_params_init(&p);
    p.max_iter = 3;
    p.threads = x->threads;
    p.template_text = x->template_text;
    if (x->lexicon) {
        p.lexicon_files = &x->lexicon;
        p.num_lexicon_files = 1;
    }
    struct crftag_model *m = NULL;
    enum crftag_status st = crftag_train(x->c, &p, &m, err);
    if (st != CRFTAG_OK) {
        assert_null(m);
        return st;
    }
    struct crftag_model_info mi;
    crftag_model_get_info(m, &mi);
    if (reference) {
        x->ref = mi;
    } else {
        assert_int_equal(mi.num_labels, x->ref.num_labels);
        assert_int_equal(mi.num_attributes, x->ref.num_attributes);
        assert_int_equal(mi.num_features, x->ref.num_features);
        assert_int_equal(mi.iterations, x->ref.iterations);
        assert_true(mi.final_objective == x->ref.final_objective);
    }
    crftag_model_free(m);
    return CRFTAG_OK;
}

static void test_train(void **state)
{
    (void)state;
    struct train_ctx x;
    memset(&x, 0, sizeof x);
    struct crftag_error err;
    /* the first 8 sentences of the slice keep each run short */
    char path[256];
    snprintf(path, sizeof path, "%s/crftag-oom.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    size_t len;
    unsigned char *all = slurp(SLICE, &len);
    size_t cut = 0;
    for (int s = 0; s < 8; s++) {
        char *e = strstr((char *)all + cut, "</s>\n");
        assert_non_null(e);
        cut = (size_t)(e - (char *)all) + 5;
    }
    assert_int_equal(write(fd, all, cut), (ssize_t)cut);
    close(fd);
    free(all);
    assert_int_equal(crftag_corpus_new(&x.c), CRFTAG_OK);
    assert_int_equal(crftag_corpus_read(x.c, path, &err), CRFTAG_OK);
    unlink(path);
    x.threads = 1;
    walk("train, built-in features", op_train, &x);
    x.threads = 2;
    walk("train, built-in features, 2 threads", op_train, &x);
    /* a user lexicon file */
    char lpath[256];
    snprintf(lpath, sizeof lpath, "%s/crftag-oom-lex.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    int lfd = mkstemp(lpath);
    assert_true(lfd >= 0);
    static const char lex[] = "# names\nLinux\tOperating_System\nMac OS X\tOperating_System\n"
                              "QEMU\nNode.js\tLibrary\n";
    assert_int_equal(write(lfd, lex, sizeof lex - 1), (ssize_t)(sizeof lex - 1));
    close(lfd);
    x.lexicon = lpath;
    x.threads = 1;
    walk("train, built-in features, user lexicon", op_train, &x);
    x.lexicon = NULL;
    unlink(lpath);
    crftag_corpus_free(x.c);

    /* template features on CoNLL */
    size_t tlen;
    unsigned char *tpl = slurp(TEMPLATE, &tlen);
    char *text = __real_malloc(tlen + 1);
    memcpy(text, tpl, tlen);
    text[tlen] = '\0';
    free(tpl);
    x.template_text = text;
    x.threads = 1;
    assert_int_equal(crftag_corpus_new(&x.c), CRFTAG_OK);
    assert_int_equal(crftag_corpus_read(x.c, CONLL, &err), CRFTAG_OK);
    walk("train, CRF++ template", op_train, &x);
    crftag_corpus_free(x.c);
    free(text);
}

/* ---- models -------------------------------------------------------------- */

static const char RAW[] = "QEMU uses SPICE on Linux. Azure Sphere runs a Linux kernel on "
                          "ARM Cortex-A7 chips; it supports Wi-Fi and TLS 1.3.";

/* Tags RAW with m; the spans as a string "start-end:type;..." (caller frees). */
static enum crftag_status tag_raw(const struct crftag_model *m, char **out,
                                  struct crftag_error *err)
{
    *out = NULL;
    struct crftag_tagger *t = NULL;
    enum crftag_status st = crftag_tagger_new(m, &t);
    if (st != CRFTAG_OK) {
        err->code = st;
        snprintf(err->msg, sizeof err->msg, "out of memory (tagger_new)");
        return st;
    }
    struct crftag_span *sp = NULL;
    struct crftag_token *tk = NULL;
    size_t n = 0, ntok = 0;
    st = crftag_tagger_tag_text(t, RAW, sizeof RAW - 1, &sp, &n, &tk, &ntok, err);
    if (st == CRFTAG_OK) {
        size_t cap = 64 + n * 64;
        char *s = __real_malloc(cap);
        assert_non_null(s);
        size_t at = (size_t)snprintf(s, cap, "%zu tokens:", ntok);
        for (size_t i = 0; i < n; i++)
            at += (size_t)snprintf(s + at, cap - at, "%zu-%zu:%.*s;", sp[i].start, sp[i].end,
                                   (int)sp[i].type_len, sp[i].type);
        *out = s;
    } else {
        assert_null(sp);
        assert_null(tk);
    }
    crftag_spans_free(sp);
    crftag_tokens_free(tk);
    crftag_tagger_free(t);
    return st;
}

struct model_ctx {
    const char *path;
    unsigned char *buf;
    size_t len;
    char *tags;          /* reference tagging of RAW */
    char *save_path;
};

static void check_tags(struct model_ctx *x, const struct crftag_model *m, int reference)
{
    struct crftag_error err;
    char *tags;
    assert_int_equal(tag_raw(m, &tags, &err), CRFTAG_OK);
    if (reference) {
        free(x->tags);
        x->tags = tags;
    } else {
        assert_string_equal(tags, x->tags);
        free(tags);
    }
}

static enum crftag_status op_load_mem(void *vctx, int reference, struct crftag_error *err)
{
    struct model_ctx *x = vctx;
    struct crftag_model *m = NULL;
    enum crftag_status st = crftag_model_load_mem(x->buf, x->len, &m, err);
    if (st != CRFTAG_OK) {
        assert_null(m);
        return st;
    }
    long keep = atomic_load(&fail_at);
    disarm();                  /* check the loaded model undisturbed */
    check_tags(x, m, reference);
    if (keep >= 0)
        atomic_store(&fail_at, keep);
    crftag_model_free(m);
    return CRFTAG_OK;
}

static enum crftag_status op_load_file(void *vctx, int reference, struct crftag_error *err)
{
    struct model_ctx *x = vctx;
    struct crftag_model *m = NULL;
    enum crftag_status st = crftag_model_load(x->path, &m, err);
    if (st != CRFTAG_OK) {
        assert_null(m);
        return st;
    }
    long keep = atomic_load(&fail_at);
    disarm();
    check_tags(x, m, reference);
    if (keep >= 0)
        atomic_store(&fail_at, keep);
    crftag_model_free(m);
    return CRFTAG_OK;
}

/* Tagging raw text with a loaded model: tagger_new + tag_text. */
struct tag_ctx {
    struct crftag_model *m;
    char *tags;
};

static enum crftag_status op_tag(void *vctx, int reference, struct crftag_error *err)
{
    struct tag_ctx *x = vctx;
    char *tags;
    enum crftag_status st = tag_raw(x->m, &tags, err);
    if (st != CRFTAG_OK)
        return st;
    if (reference) {
        x->tags = tags;
    } else {
        assert_string_equal(tags, x->tags);
        free(tags);
    }
    return CRFTAG_OK;
}

/* The confidence calls: tag_prob with marginals, entity_prob, nbest; the
 * result as a string "ids p=P marginal; entity P; n-best P ids ...". */
static enum crftag_status op_conf(void *vctx, int reference, struct crftag_error *err)
{
    struct tag_ctx *x = vctx;
    static const char *const toks[] = {"QEMU", "uses", "SPICE", "on", "Linux", "."};
    enum { N = 6, K = 4 };
    struct crftag_tagger *t = NULL;
    enum crftag_status st = crftag_tagger_new(x->m, &t);
    if (st != CRFTAG_OK) {
        err->code = st;
        snprintf(err->msg, sizeof err->msg, "out of memory (tagger_new)");
        return st;
    }
    size_t L = crftag_model_num_labels(x->m);
    double *marg = __real_malloc(N * L * sizeof *marg), p = 0, pe = 0, probs[K];
    uint32_t ids[N], nb[K * N];
    size_t got = 0;
    assert_non_null(marg);
    st = crftag_tagger_tag_prob(t, toks, N, 1, ids, &p, marg, err);
    if (st == CRFTAG_OK)
        st = crftag_tagger_entity_prob(t, ids, 0, 1, &pe, err);
    if (st == CRFTAG_OK)
        st = crftag_tagger_nbest(t, toks, N, 1, K, nb, probs, &got, err);
    if (st == CRFTAG_OK) {
        char *s = __real_malloc(4096);
        assert_non_null(s);
        size_t at = 0;
        for (size_t i = 0; i < N; i++)
            at += (size_t)snprintf(s + at, 4096 - at, "%u:%.17g ", (unsigned)ids[i],
                                   marg[i * L + ids[i]]);
        at += (size_t)snprintf(s + at, 4096 - at, "p=%.17g e=%.17g;", p, pe);
        for (size_t r = 0; r < got; r++) {
            at += (size_t)snprintf(s + at, 4096 - at, " %.17g", probs[r]);
            for (size_t i = 0; i < N; i++)
                at += (size_t)snprintf(s + at, 4096 - at, " %u", (unsigned)nb[r * N + i]);
        }
        if (reference) {
            x->tags = s;
        } else {
            assert_string_equal(s, x->tags);
            free(s);
        }
    }
    free(marg);
    crftag_tagger_free(t);
    return st;
}

/* Saving: on failure the previous file is byte for byte intact. */
static enum crftag_status op_save(void *vctx, int reference, struct crftag_error *err)
{
    struct model_ctx *x = vctx;
    long keep = atomic_load(&fail_at);
    disarm();
    struct crftag_model *m = NULL;
    assert_int_equal(crftag_model_load_mem(x->buf, x->len, &m, err), CRFTAG_OK);
    if (reference) {
        /* the previous model at save_path: the same file */
        FILE *f = fopen(x->save_path, "wb");
        assert_non_null(f);
        assert_int_equal(fwrite(x->buf, 1, x->len, f), x->len);
        assert_int_equal(fclose(f), 0);
    }
    if (keep >= 0)
        atomic_store(&fail_at, keep);
    enum crftag_status st = crftag_model_save(m, x->save_path, err);
    disarm();
    size_t len;
    unsigned char *now = slurp(x->save_path, &len);
    assert_int_equal(len, x->len);            /* saved or intact: same bytes */
    assert_memory_equal(now, x->buf, len);
    free(now);
    crftag_model_free(m);
    if (keep >= 0)
        atomic_store(&fail_at, keep);
    return st;
}

static void test_models(void **state)
{
    (void)state;
    struct model_ctx x;
    memset(&x, 0, sizeof x);
    struct crftag_error err;
    struct crftag_corpus *c;
    assert_int_equal(crftag_corpus_new(&c), CRFTAG_OK);
    assert_int_equal(crftag_corpus_read(c, SLICE, &err), CRFTAG_OK);
    struct crftag_train_params p;
    crftag_train_params_init(&p);
    p.max_iter = 10;
    p.threads = 1;
    struct crftag_model *m;
    assert_int_equal(crftag_train(c, &p, &m, &err), CRFTAG_OK);
    crftag_corpus_free(c);

    char dir[256];
    snprintf(dir, sizeof dir, "%s/crftag-oom.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    assert_non_null(mkdtemp(dir));
    char path[300], save[300];
    snprintf(path, sizeof path, "%s/m.crftag", dir);
    snprintf(save, sizeof save, "%s/s.crftag", dir);
    assert_int_equal(crftag_model_save(m, path, &err), CRFTAG_OK);
    x.path = path;
    x.save_path = save;
    x.buf = slurp(path, &x.len);

    walk("load a model from memory", op_load_mem, &x);
    walk("load a model file", op_load_file, &x);
    walk("save a model over the previous one", op_save, &x);
    struct tag_ctx t = { m, NULL };
    walk("tagger_new + tag_text", op_tag, &t);
    free(t.tags);
    struct tag_ctx tc = { m, NULL };
    walk("tagger_new + tag_prob + entity_prob + nbest", op_conf, &tc);
    free(tc.tags);

    crftag_model_free(m);
    free(x.buf);
    free(x.tags);
    unlink(path);
    unlink(save);
    rmdir(dir);
}

/* ---- attribute names: training, loading, explaining ----------------------- */

struct names_ctx {
    struct crftag_corpus *c;
    const char *template_text;
    size_t nattr;
    unsigned char *buf;          /* a model file with names */
    size_t len;
    char first[256];             /* its first attribute's name */
};

static enum crftag_status op_train_names(void *vctx, int reference, struct crftag_error *err)
{
    struct names_ctx *x = vctx;
    struct crftag_train_params p;
    crftag_train_params_init(&p);
    p.max_iter = 2;
    p.threads = 1;
    p.bias = NULL;
    p.keep_names = 1;
    p.template_text = x->template_text;
    struct crftag_model *m = NULL;
    enum crftag_status st = crftag_train(x->c, &p, &m, err);
    if (st != CRFTAG_OK)
        return st;
    struct crftag_model_info in;
    crftag_model_get_info(m, &in);
    assert_true(crftag_model_has_names(m));
    if (reference)
        x->nattr = in.num_attributes;
    else
        assert_int_equal(in.num_attributes, x->nattr);
    crftag_model_free(m);
    return CRFTAG_OK;
}

static enum crftag_status op_load_names(void *vctx, int reference, struct crftag_error *err)
{
    struct names_ctx *x = vctx;
    struct crftag_model *m = NULL;
    enum crftag_status st = crftag_model_load_mem(x->buf, x->len, &m, err);
    if (st != CRFTAG_OK)
        return st;
    const char *name = crftag_model_attribute(m, 0, NULL, NULL);
    assert_non_null(name);
    if (reference)
        snprintf(x->first, sizeof x->first, "%s", name);
    else
        assert_string_equal(name, x->first);
    crftag_model_free(m);
    return CRFTAG_OK;
}

static void test_names(void **state)
{
    (void)state;
    struct names_ctx x;
    memset(&x, 0, sizeof x);
    struct crftag_error err;
    assert_int_equal(crftag_corpus_new(&x.c), CRFTAG_OK);
    assert_int_equal(crftag_corpus_read(x.c, SLICE, &err), CRFTAG_OK);
    walk("train keeping names, built-in features", op_train_names, &x);
    crftag_corpus_free(x.c);
    size_t tlen;
    unsigned char *tpl = slurp(TEMPLATE, &tlen);
    char *text = __real_malloc(tlen + 1);
    memcpy(text, tpl, tlen);
    text[tlen] = '\0';
    free(tpl);
    x.template_text = text;
    assert_int_equal(crftag_corpus_new(&x.c), CRFTAG_OK);
    assert_int_equal(crftag_corpus_read(x.c, CONLL, &err), CRFTAG_OK);
    walk("train keeping names, CRF++ template", op_train_names, &x);
    /* a model file with names, loaded */
    struct crftag_train_params p;
    crftag_train_params_init(&p);
    p.max_iter = 2;
    p.keep_names = 1;
    p.template_text = text;
    struct crftag_model *m;
    assert_int_equal(crftag_train(x.c, &p, &m, &err), CRFTAG_OK);
    char path[256];
    snprintf(path, sizeof path, "%s/crftag-oom-names.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    assert_int_equal(crftag_model_save(m, path, &err), CRFTAG_OK);
    x.buf = slurp(path, &x.len);
    unlink(path);
    walk("load a model with names", op_load_names, &x);
    crftag_model_free(m);
    free(x.buf);
    free(text);
    crftag_corpus_free(x.c);
}

/* ---- explaining a sentence ----------------------------------------------- */

struct explain_ctx {
    const struct crftag_model *m;
    size_t n;                    /* contributions of the reference run */
    double sum;
    char names[4096];            /* the first names, joined */
};

static enum crftag_status op_explain(void *vctx, int reference, struct crftag_error *err)
{
    struct explain_ctx *x = vctx;
    static const char *toks[] = { "QEMU", "runs", "on", "Linux", "and", "speaks", "HTTP", "." };
    uint32_t ids[8] = { 0 };     /* "O" everywhere: many weights */
    struct crftag_contribution *c;
    size_t n;
    enum crftag_status st = crftag_model_explain(x->m, toks, 8, 1, ids, &c, &n, err);
    if (st != CRFTAG_OK)
        return st;
    double sum = 0;
    char names[4096] = "";
    for (size_t k = 0; k < n; k++) {
        sum += c[k].value;
        if (c[k].name && strlen(names) + strlen(c[k].name) + 2 < sizeof names) {
            strcat(names, c[k].name);
            strcat(names, " ");
        }
    }
    if (reference) {
        x->n = n;
        x->sum = sum;
        memcpy(x->names, names, sizeof names);
    } else {
        assert_int_equal(n, x->n);
        assert_true(sum == x->sum);
        assert_string_equal(names, x->names);
    }
    crftag_contributions_free(c);
    return CRFTAG_OK;
}

static void test_explain(void **state)
{
    (void)state;
    struct crftag_error err;
    struct crftag_corpus *c;
    assert_int_equal(crftag_corpus_new(&c), CRFTAG_OK);
    assert_int_equal(crftag_corpus_read(c, SLICE, &err), CRFTAG_OK);
    struct crftag_train_params p;
    crftag_train_params_init(&p);
    p.max_iter = 10;
    p.threads = 1;
    p.bias = NULL;
    p.keep_names = 1;
    struct crftag_model *m;
    assert_int_equal(crftag_train(c, &p, &m, &err), CRFTAG_OK);
    crftag_corpus_free(c);
    assert_true(crftag_model_has_names(m));
    struct explain_ctx x;
    memset(&x, 0, sizeof x);
    x.m = m;
    walk("explain a sentence", op_explain, &x);
    assert_true(x.n > 100);
    crftag_model_free(m);
}

/* ---- evaluation ---------------------------------------------------------- */

static enum crftag_status op_eval(void *vctx, int reference, struct crftag_error *err)
{
    char **ref = vctx;
    static const char *gold[] = { "B-Application", "I-Application", "O", "B-Protocol", "O",
                                  "B-OS", "O" };
    static const char *pred[] = { "B-Application", "O", "O", "B-Protocol", "B-OS",
                                  "I-OS", "O" };
    struct crftag_eval *e = NULL;
    enum crftag_status st = crftag_eval_new(&e);
    if (st == CRFTAG_OK)
        st = crftag_eval_add(e, gold, pred, 7);
    char *report = NULL;
    if (st == CRFTAG_OK)
        st = crftag_eval_report(e, &report);
    crftag_eval_free(e);
    if (st != CRFTAG_OK) {
        err->code = st;
        snprintf(err->msg, sizeof err->msg, "out of memory (eval)");
        return st;
    }
    if (reference) {
        *ref = report;
    } else {
        assert_string_equal(report, *ref);
        free(report);
    }
    return CRFTAG_OK;
}

/* ---- attribute strings in memory: corpus, training, tagging, buffers ---- */

struct attrs_ctx {
    double objective;
    uint32_t ids[4];
    double marg[4 * 8];
};

/* Builds a corpus of attribute strings in memory, trains 3 iterations,
 * tags a sentence with marginals, and round-trips the model through a
 * buffer; a run that succeeds gives the reference's results. */
static enum crftag_status op_attrs(void *vctx, int reference, struct crftag_error *err)
{
    struct attrs_ctx *x = vctx;
    static const char *names[] = { "w=qemu", "pos=NN", "suf:3=emu", "w=uses", "pos=VBZ",
                                   "w=spice", "pos=NN", "w=.", "pos=.", "w=linux", "pos=NN",
                                   "w=runs", "pos=VBZ", "w=fast", "pos=RB" };
    static const double w[] = { 1, 0.5, 2, 1, -1.5, 1, 0.5, 3, 1, 1, 0.5, 0.25, 1, 1, 2 };
    static const size_t natt1[] = { 3, 2, 2, 2 }, natt2[] = { 2, 2, 2 };
    static const char *lab1[] = { "B-App", "O", "B-Proto", "O" };
    static const char *lab2[] = { "B-OS", "O", "O" };
    struct crftag_corpus *c = NULL;
    struct crftag_model *m = NULL, *m2 = NULL;
    struct crftag_tagger *t = NULL;
    void *buf = NULL;
    size_t len = 0;
    uint32_t ids[4];
    double marg[4 * 8];
    enum crftag_status st = crftag_corpus_new(&c);
    if (st != CRFTAG_OK) {
        err->code = st;
        snprintf(err->msg, sizeof err->msg, "out of memory (corpus_new)");
        return st;
    }
    st = crftag_corpus_add_attrs(c, 4, natt1, names, w, lab1, err);
    if (st == CRFTAG_OK)
        st = crftag_corpus_add_attrs(c, 3, natt2, names + 9, w + 9, lab2, err);
    struct crftag_train_params p;
    crftag_train_params_init(&p);
    p.max_iter = 3;
    p.threads = 1;
    p.bias = "0";
    if (st == CRFTAG_OK)
        st = crftag_train(c, &p, &m, err);
    if (st == CRFTAG_OK)
        st = crftag_model_save_mem(m, &buf, &len, err);
    if (st == CRFTAG_OK)
        st = crftag_model_load_mem(buf, len, &m2, err);
    if (st == CRFTAG_OK && (st = crftag_tagger_new(m2, &t)) != CRFTAG_OK) {
        err->code = st;
        snprintf(err->msg, sizeof err->msg, "out of memory (tagger_new)");
    }
    if (st == CRFTAG_OK)
        st = crftag_tagger_tag_attrs(t, 4, natt1, names, w, ids, NULL, marg, err);
    if (st == CRFTAG_OK) {
        struct crftag_model_info mi;
        crftag_model_get_info(m, &mi);
        size_t L = crftag_model_num_labels(m2);
        assert_true(L <= 8);
        if (reference) {
            x->objective = mi.final_objective;
            memcpy(x->ids, ids, sizeof ids);
            memcpy(x->marg, marg, 4 * L * sizeof *marg);
        } else {
            assert_true(mi.final_objective == x->objective);
            assert_memory_equal(ids, x->ids, sizeof ids);
            assert_memory_equal(marg, x->marg, 4 * L * sizeof *marg);
        }
    }
    crftag_tagger_free(t);
    free(buf);
    crftag_model_free(m2);
    crftag_model_free(m);
    crftag_corpus_free(c);
    return st;
}

static void test_attrs(void **state)
{
    (void)state;
    struct attrs_ctx x;
    memset(&x, 0, sizeof x);
    walk("attribute strings: corpus, train, save_mem, load_mem, tag_attrs", op_attrs, &x);
}

static void test_eval(void **state)
{
    (void)state;
    char *ref = NULL;
    walk("eval + report", op_eval, &ref);
    free(ref);
}

/* ---- a tagger used again after running out of memory ----------------- */

/* A tagger whose sentence ran out of memory tags it again, and as a fresh
 * tagger does (labels and the score's bits): with the shipped model (fixed
 * point weights, built-in features) the tagger's word cache takes entries
 * for new words before their rows are summed, and a failure in between
 * must leave no entry without its rows. */
static void test_tagger_again(void **state)
{
    (void)state;
    static const char TEXT[] =
        "Azure Sphere runs a custom Linux kernel on MediaTek MT3620 chips , and its "
        "SDK builds C applications with CMake and GCC for the ARM Cortex-A7 core ; "
        "Kubernetes schedules Docker containers while PostgreSQL stores data and "
        "NGINX terminates TLS 1.3 over HTTP/2 for the REST API written in Rust .";
    enum { MAXTOK = 128 };
    const char *tok[MAXTOK];
    size_t len[MAXTOK], n = 0;
    char buf[sizeof TEXT];
    memcpy(buf, TEXT, sizeof TEXT);
    for (char *p = strtok(buf, " "); p; p = strtok(NULL, " ")) {
        assert_true(n < MAXTOK);
        tok[n] = p;
        len[n++] = strlen(p);
    }
    struct crftag_error err;
    struct crftag_model *m;
    assert_int_equal(crftag_model_load("models/wikiser.crftag", &m, &err), CRFTAG_OK);
    struct crftag_tagger *t;
    uint32_t ref[MAXTOK], ids[MAXTOK];
    double ref_score, score;
    assert_int_equal(crftag_tagger_new(m, &t), CRFTAG_OK);
    assert_int_equal(crftag_tagger_tag_tokens(t, tok, len, n, ref, &ref_score, NULL, &err),
                     CRFTAG_OK);
    crftag_tagger_free(t);
    long runs = 0, failures = 0;
    for (long at = 0;; at++) {
        runs++;
        assert_int_equal(crftag_tagger_new(m, &t), CRFTAG_OK);
        arm(at);
        enum crftag_status st = crftag_tagger_tag_tokens(t, tok, len, n, ids, &score, NULL, &err);
        int hit = atomic_load(&failed);
        disarm();
        if (st != CRFTAG_OK) {
            assert_int_equal(st, CRFTAG_ERR_NOMEM);
            failures++;
        } else {
            assert_memory_equal(ids, ref, n * sizeof *ids);
            assert_memory_equal(&score, &ref_score, sizeof score);
        }
        for (int again = 0; again < 2; again++) {
            assert_int_equal(crftag_tagger_tag_tokens(t, tok, len, n, ids, &score, NULL, &err),
                             CRFTAG_OK);
            assert_memory_equal(ids, ref, n * sizeof *ids);
            assert_memory_equal(&score, &ref_score, sizeof score);
        }
        crftag_tagger_free(t);
        if (!hit)
            break;
    }
    assert_true(failures > 5);
    print_message("  tagger used again after a failed allocation: %ld runs, %ld out of memory\n",
                  runs, failures);
    crftag_model_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_corpus_read),
        cmocka_unit_test(test_reader),
        cmocka_unit_test(test_train),
        cmocka_unit_test(test_models),
        cmocka_unit_test(test_eval),
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_explain),
        cmocka_unit_test(test_attrs),
        cmocka_unit_test(test_tagger_again),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
