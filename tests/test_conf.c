/*
 * test_conf.c - the tagger's confidence against brute-force enumeration:
 * lattice.c's log Z, marginals, path and span probabilities and n-best on
 * small random lattices (random and IOB2 masks, huge scores that force the
 * exact log-space steps), and the public calls (crftag_tagger_tag_prob,
 * _entity_prob, _nbest, _tag_tokens's marginals) on the shipped model with
 * the BIO constraint and a label bias.
 *
 * Data: models/wikiser.crftag.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "crftag.h"
#include "labels.h"
#include "lattice.h"
#include "model.h"
#include "tagger.h"
#include "testutil.h"

#define MODEL_PATH "models/wikiser.crftag"
#define TMAX 6
#define LMAX 5
#define PMAX 15625                       /* LMAX^TMAX */

static uint64_t rng;

/* Every path of a lattice, enumerated: score (-inf when forbidden). */
struct brute {
    size_t T, L, np;
    uint32_t y[PMAX][TMAX];
    double s[PMAX];
    double logz;
};

static double path_score(size_t T, size_t L, const double *state, const double *tm,
                         const unsigned char *start, const uint32_t *y)
{
    if (start && !start[y[0]])
        return -INFINITY;
    double s = 0.0;
    for (size_t t = 0; t < T; t++)
        s += state[t * L + y[t]];
    for (size_t t = 1; t < T; t++)
        s += tm[y[t - 1] * L + y[t]];
    return s;
}

static void brute_run(struct brute *b, size_t T, size_t L, const double *state,
                      const double *tm, const unsigned char *start)
{
    uint32_t y[TMAX] = {0};
    b->T = T;
    b->L = L;
    b->np = 0;
    double m = -INFINITY;
    for (;;) {
        memcpy(b->y[b->np], y, sizeof y);
        b->s[b->np] = path_score(T, L, state, tm, start, y);
        m = b->s[b->np] > m ? b->s[b->np] : m;
        b->np++;
        size_t t = 0;
        while (t < T && ++y[t] == L)
            y[t++] = 0;
        if (t == T)
            break;
    }
    double z = 0.0;
    for (size_t p = 0; p < b->np; p++)
        z += exp(b->s[p] - m);
    b->logz = m == -INFINITY ? m : m + log(z);
}

/* P(y_t = j) by enumeration. */
static double brute_marginal(const struct brute *b, size_t t, uint32_t j)
{
    double p = 0.0;
    for (size_t k = 0; k < b->np; k++)
        if (b->y[k][t] == j)
            p += exp(b->s[k] - b->logz);
    return p;
}

/* P(y_b..y_{e-1} = lab, y_e != excl) by enumeration. */
static double brute_span(const struct brute *b, size_t bg, size_t e, const uint32_t *lab,
                         uint32_t excl)
{
    double p = 0.0;
    for (size_t k = 0; k < b->np; k++) {
        int ok = e >= b->T || b->y[k][e] != excl;
        for (size_t t = bg; t < e && ok; t++)
            ok = b->y[k][t] == lab[t - bg];
        if (ok)
            p += exp(b->s[k] - b->logz);
    }
    return p;
}

static int cmp_desc(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? 1 : x > y ? -1 : 0;
}

/* A random lattice: tm = trans with about a third forbidden (or the IOB2
 * mask of B-X, I-X, B-Y, I-Y, O when bio), a random start mask. */
static void random_lattice(size_t T, size_t L, double scale, int bio, double *state, double *tm,
                           unsigned char *start)
{
    fill(&rng, state, T * L, -scale, scale);
    fill(&rng, tm, L * L, -scale, scale);
    if (bio) {
        static const char *names[] = {"B-X", "I-X", "B-Y", "I-Y", "O"};
        struct labels l;
        unsigned char allowed[LMAX * LMAX];
        labels_init(&l);
        for (size_t k = 0; k < L; k++)
            assert_int_equal(labels_add(&l, names[k]), (long)k);
        labels_bio_mask(&l, allowed, start);
        labels_free(&l);
        for (size_t k = 0; k < L * L; k++)
            if (!allowed[k])
                tm[k] = -INFINITY;
        return;
    }
    for (size_t k = 0; k < L * L; k++)
        if (rng_unif(&rng, 0, 1) < 0.3)
            tm[k] = -INFINITY;
    for (size_t j = 0; j < L; j++)
        start[j] = rng_unif(&rng, 0, 1) < 0.8;
}

/* log Z, marginals, path and span probabilities of lattice.c against
 * enumeration, on random lattices (scale 1e3: the exact log-space steps). */
static void check_lattices(double scale, double tol)
{
    static struct brute b;
    struct lattice w = {0};
    double state[TMAX * LMAX], tm[LMAX * LMAX], marg[TMAX * LMAX];
    unsigned char start[LMAX];
    for (size_t T = 1; T <= 5; T++)
        for (size_t L = 1; L <= LMAX; L++)
            for (int rep = 0; rep < 12; rep++) {
                int bio = L == LMAX && rep % 2 == 0;
                random_lattice(T, L, scale, bio, state, tm, start);
                brute_run(&b, T, L, state, tm, start);
                assert_int_equal(lattice_run(&w, T, L, state, tm, start), 0);
                if (b.logz == -INFINITY) {
                    assert_true(w.logz == -INFINITY);
                    continue;
                }
                assert_true(close_to(w.logz, b.logz, 1e-9));
                lattice_marginals(&w, marg);
                for (size_t t = 0; t < T; t++) {
                    double sum = 0.0;
                    for (uint32_t j = 0; j < L; j++) {
                        double p = brute_marginal(&b, t, j);
                        assert_true(fabs(marg[t * L + j] - p) <= tol);
                        if (p == 0.0)       /* forbidden: exactly 0 */
                            assert_true(marg[t * L + j] == 0.0);
                        sum += marg[t * L + j];
                    }
                    assert_true(fabs(sum - 1.0) <= 1e-12);
                }
                for (size_t k = 0; k < b.np; k += 7) {
                    double lp = lattice_path_logprob(&w, state, tm, b.y[k]);
                    if (b.s[k] == -INFINITY) {
                        assert_true(lp == -INFINITY);
                        continue;
                    }
                    assert_true(close_to(lp, b.s[k] - b.logz, 1e-9));
                    /* every span of this path, with and without an excluded next label */
                    for (size_t bg = 0; bg < T; bg++)
                        for (size_t e = bg + 1; e <= T; e++) {
                            uint32_t excl = (uint32_t)((bg + e + k) % (L + 1));
                            double p = brute_span(&b, bg, e, b.y[k] + bg, excl);
                            double q = exp(lattice_span_logprob(&w, state, tm, bg, e,
                                                                b.y[k] + bg, excl));
                            assert_true(fabs(p - q) <= tol);
                        }
                }
            }
    lattice_free(&w);
}

static void test_lattice_brute(void **unused)
{
    (void)unused;
    rng_seed(&rng, 4242);
    check_lattices(3.0, 1e-12);
}

static void test_lattice_huge_scores(void **unused)
{
    (void)unused;
    rng_seed(&rng, 99);
    check_lattices(1000.0, 1e-9);
}

/* n-best = the allowed paths sorted by score, each with its own score. */
static void test_nbest_brute(void **unused)
{
    (void)unused;
    static struct brute b;
    static double sorted[PMAX];
    static uint32_t ids[PMAX * TMAX];
    static double scores[PMAX];
    struct lattice w = {0};
    double state[TMAX * LMAX], tm[LMAX * LMAX];
    unsigned char start[LMAX];
    rng_seed(&rng, 31337);
    for (size_t T = 1; T <= TMAX; T++)
        for (size_t L = 1; L <= LMAX; L++)
            for (int rep = 0; rep < 6; rep++) {
                random_lattice(T, L, 2.0, L == LMAX && rep % 2, state, tm, start);
                brute_run(&b, T, L, state, tm, start);
                size_t nallowed = 0;
                for (size_t k = 0; k < b.np; k++)
                    if (b.s[k] != -INFINITY)
                        sorted[nallowed++] = b.s[k];
                qsort(sorted, nallowed, sizeof *sorted, cmp_desc);
                size_t k = rep == 0 ? nallowed + 3 : 1 + (size_t)rng_unif(&rng, 0, 40);
                size_t got;
                assert_int_equal(lattice_nbest(&w, T, L, state, tm, start, k, ids, scores, &got), 0);
                assert_int_equal(got, k < nallowed ? k : nallowed);
                for (size_t r = 0; r < got; r++) {
                    const uint32_t *y = ids + r * T;
                    assert_true(close_to(scores[r], sorted[r], 1e-12));
                    assert_true(close_to(path_score(T, L, state, tm, start, y), scores[r], 1e-12));
                    for (size_t q = 0; q < r; q++)      /* all distinct */
                        assert_true(memcmp(y, ids + q * T, T * sizeof *y) != 0);
                }
            }
    /* all scores equal: every path ties, the search stays depth first */
    memset(state, 0, sizeof state);
    memset(tm, 0, sizeof tm);
    size_t got;
    lattice_free(&w);
    assert_int_equal(lattice_nbest(&w, TMAX, LMAX, state, tm, NULL, 5, ids, scores, &got), 0);
    assert_int_equal(got, 5);
    assert_true(w.cap_nodes < 200);     /* breadth first would take LMAX^TMAX */
    lattice_free(&w);
}

/* ---- the public calls on the shipped model --------------------------- */

static const char *const SENT[] = {"QEMU", "supports", "SPICE", "and", "VNC", "on", "Linux", "."};
#define NS (sizeof SENT / sizeof *SENT)

static struct crftag_model *load_model(void)
{
    struct crftag_model *m;
    struct crftag_error err;
    assert_int_equal(crftag_model_load(MODEL_PATH, &m, &err), CRFTAG_OK);
    return m;
}

/* Marginals: rows sum to 1, an I- label first or after O has 0, the
 * Viterbi label is the row's max here, tag_tokens gives the same, and the
 * bias moves them. */
static void test_tag_prob(void **unused)
{
    (void)unused;
    struct crftag_model *m = load_model();
    struct crftag_tagger *t;
    assert_int_equal(crftag_tagger_new(m, &t), CRFTAG_OK);
    size_t L = crftag_model_num_labels(m);
    uint32_t ids[NS], ids2[NS];
    double p, *marg = malloc(NS * L * sizeof *marg), *marg2 = malloc(NS * L * sizeof *marg);
    size_t lens[NS];
    for (size_t i = 0; i < NS; i++)
        lens[i] = strlen(SENT[i]);
    assert_int_equal(crftag_tagger_tag_prob(t, SENT, NS, 1, ids, &p, marg, NULL), CRFTAG_OK);
    assert_true(p > 0.0 && p <= 1.0);
    for (size_t i = 0; i < NS; i++) {
        double sum = 0.0;
        for (size_t y = 0; y < L; y++) {
            sum += marg[i * L + y];
            if (y != ids[i])
                assert_true(marg[i * L + y] < marg[i * L + ids[i]]);
        }
        assert_true(fabs(sum - 1.0) < 1e-12);
        assert_true(marg[i * L + ids[i]] >= p);   /* the path is one of its label's */
    }
    /* no I- label first; without the constraint they have some mass */
    double unc[LMAX * 25];
    crftag_tagger_set_constrained(t, 0);
    assert_int_equal(crftag_tagger_tag_prob(t, SENT, 1, 1, ids2, NULL, unc, NULL), CRFTAG_OK);
    crftag_tagger_set_constrained(t, 1);
    int seen_i = 0;
    for (size_t y = 0; y < L; y++)
        if (crftag_model_label(m, (uint32_t)y)[0] == 'I') {
            assert_true(marg[y] == 0.0);
            assert_true(unc[y] > 0.0);
            seen_i = 1;
        }
    assert_true(seen_i);
    assert_int_equal(crftag_tagger_tag_tokens(t, SENT, lens, NS, ids2, NULL, marg2, NULL),
                     CRFTAG_OK);
    assert_memory_equal(ids, ids2, sizeof ids);
    for (size_t k = 0; k < NS * L; k++)
        assert_true(marg[k] == marg2[k]);
    /* a bias on every entity label raises their marginals */
    assert_int_equal(crftag_tagger_set_bias(t, "2", NULL), CRFTAG_OK);
    assert_int_equal(crftag_tagger_tag_prob(t, SENT, NS, 1, ids2, NULL, marg2, NULL), CRFTAG_OK);
    for (size_t i = 0; i < NS; i++)
        assert_true(marg2[i * L + 0] < marg[i * L + 0]);   /* label 0 is O */
    assert_string_equal(crftag_model_label(m, 0), "O");
    /* n = 0, and errors */
    assert_int_equal(crftag_tagger_tag_prob(t, SENT, 0, 1, ids, &p, NULL, NULL), CRFTAG_OK);
    assert_true(p == 1.0);
    assert_int_equal(crftag_tagger_tag_prob(NULL, SENT, NS, 1, ids, &p, NULL, NULL),
                     CRFTAG_ERR_INVALID);
    assert_true(p == 0.0);
    free(marg);
    free(marg2);
    crftag_tagger_free(t);
    crftag_model_free(m);
}

/* The lattice of a 3-token sentence built here from the model (its scores
 * from pass 0, the bias from the spec's rule, the BIO mask from
 * m->allowed): its 25^3 labellings enumerated give P(y), the entity
 * probabilities and the n-best. */
static void test_public_brute(void **unused)
{
    (void)unused;
    static struct brute b;
    static double sorted[PMAX];
    static const char *const S3[] = {"Install", "Docker", "Engine"};
    struct crftag_model *m = load_model();
    struct crftag_tagger *t;
    assert_int_equal(crftag_tagger_new(m, &t), CRFTAG_OK);
    assert_int_equal(crftag_tagger_set_bias(t, "0", NULL), CRFTAG_OK);  /* not the model's */
    size_t L = crftag_model_num_labels(m);
    assert_true(L <= 25);
    double state0[3 * 25], state[3 * 25], tm[25 * 25];
    for (int pass = 0; pass < 3; pass++) {
        if (pass == 1)
            assert_int_equal(crftag_tagger_set_bias(t, "1.5,Device=-1", NULL), CRFTAG_OK);
        if (pass == 2)
            crftag_tagger_set_constrained(t, 0);
        uint32_t ids[3], nb[20 * 3];
        double p, probs[20];
        size_t got;
        assert_int_equal(crftag_tagger_tag_prob(t, S3, 3, 1, ids, &p, NULL, NULL), CRFTAG_OK);
        if (pass == 0)          /* the tagger's bias is off: these are the model's scores */
            memcpy(state0, t->state, sizeof state0);
        for (size_t y = 0; y < L; y++) {
            const char *name = crftag_model_label(m, (uint32_t)y);
            double bias = pass == 0 || strcmp(name, "O") == 0 ? 0.0
                          : strstr(name, "-Device") ? -1.0 : 1.5;
            for (size_t i = 0; i < 3; i++)
                state[i * L + y] = state0[i * L + y] + bias;
        }
        int masked = pass < 2;
        for (size_t k = 0; k < L * L; k++)
            tm[k] = masked && !m->allowed[k] ? -INFINITY : (double)m->trans[k];
        const unsigned char *start = masked ? m->allowed_start : NULL;
        struct brute *bb = &b;
        uint32_t y[3];
        double mx = -INFINITY, z = 0.0;
        size_t np = 0;
        for (y[0] = 0; y[0] < L; y[0]++)
            for (y[1] = 0; y[1] < L; y[1]++)
                for (y[2] = 0; y[2] < L; y[2]++) {
                    double s = path_score(3, L, state, tm, start, y);
                    memcpy(bb->y[np], y, sizeof y);
                    bb->s[np++] = s;
                    mx = s > mx ? s : mx;
                }
        for (size_t k = 0; k < np; k++)
            z += exp(bb->s[k] - mx);
        bb->np = np;
        bb->T = 3;
        bb->logz = mx + log(z);
        double ps = path_score(3, L, state, tm, start, ids);
        assert_true(close_to(ps, mx, 1e-12));          /* Viterbi is the argmax */
        assert_true(close_to(p, exp(ps - bb->logz), 1e-9));
        /* every span of the Viterbi labelling */
        for (size_t bg = 0; bg < 3; bg++)
            for (size_t e = bg + 1; e <= 3; e++) {
                double q;
                assert_int_equal(crftag_tagger_entity_prob(t, ids, bg, e, &q, NULL), CRFTAG_OK);
                assert_true(fabs(q - brute_span(bb, bg, e, ids + bg, t->cont[ids[e - 1]])) < 1e-9);
                if (e == 3 || ids[e] != t->cont[ids[e - 1]])  /* the path is in it */
                    assert_true(q >= p * (1 - 1e-12));
            }
        assert_int_equal(crftag_tagger_nbest(t, S3, 3, 1, 20, nb, probs, &got, NULL), CRFTAG_OK);
        assert_int_equal(got, 20);
        size_t na = 0;
        for (size_t k = 0; k < np; k++)
            if (bb->s[k] != -INFINITY)
                sorted[na++] = bb->s[k];
        qsort(sorted, na, sizeof *sorted, cmp_desc);
        assert_memory_equal(nb, ids, sizeof ids);    /* the first is Viterbi's */
        for (size_t r = 0; r < got; r++) {
            assert_true(close_to(probs[r], exp(sorted[r] - bb->logz), 1e-9));
            assert_true(r == 0 || probs[r] <= probs[r - 1]);
        }
        /* entity_prob answers for the n-best's sentence too */
        double q;
        assert_int_equal(crftag_tagger_entity_prob(t, nb + 3, 0, 1, &q, NULL), CRFTAG_OK);
        assert_true(fabs(q - brute_span(bb, 0, 1, nb + 3, t->cont[nb[3]])) < 1e-9);
    }
    crftag_tagger_free(t);
    crftag_model_free(m);
}

static void test_entity_prob_errors(void **unused)
{
    (void)unused;
    struct crftag_model *m = load_model();
    struct crftag_tagger *t;
    struct crftag_error err;
    assert_int_equal(crftag_tagger_new(m, &t), CRFTAG_OK);
    uint32_t ids[NS];
    double q = 5;
    /* no sentence yet */
    assert_int_equal(crftag_tagger_entity_prob(t, ids, 0, 1, &q, &err), CRFTAG_ERR_INVALID);
    assert_true(q == 0.0);
    assert_non_null(strstr(err.msg, "no sentence"));
    assert_int_equal(crftag_tagger_tag_prob(t, SENT, NS, 1, ids, NULL, NULL, NULL), CRFTAG_OK);
    assert_int_equal(crftag_tagger_entity_prob(t, ids, 0, NS + 1, &q, &err), CRFTAG_ERR_INVALID);
    assert_int_equal(crftag_tagger_entity_prob(t, ids, 2, 2, &q, &err), CRFTAG_ERR_INVALID);
    assert_int_equal(crftag_tagger_entity_prob(t, NULL, 0, 1, &q, &err), CRFTAG_ERR_INVALID);
    uint32_t bad[NS];
    memcpy(bad, ids, sizeof bad);
    bad[1] = 9999;
    assert_int_equal(crftag_tagger_entity_prob(t, bad, 0, 2, &q, &err), CRFTAG_ERR_INVALID);
    assert_int_equal(crftag_tagger_entity_prob(t, ids, 0, 1, &q, &err), CRFTAG_OK);
    /* a plain tag call forgets the lattice */
    assert_int_equal(crftag_tagger_tag(t, SENT, NS, 1, ids, NULL, NULL), CRFTAG_OK);
    assert_int_equal(crftag_tagger_entity_prob(t, ids, 0, 1, &q, &err), CRFTAG_ERR_INVALID);
    /* n-best corner cases */
    size_t got = 7;
    double pr[2];
    assert_int_equal(crftag_tagger_nbest(t, SENT, NS, 1, 0, NULL, NULL, &got, NULL), CRFTAG_OK);
    assert_int_equal(got, 0);
    assert_int_equal(crftag_tagger_nbest(t, SENT, 0, 1, 2, ids, pr, &got, NULL), CRFTAG_OK);
    assert_int_equal(got, 1);
    assert_true(pr[0] == 1.0);
    assert_int_equal(crftag_tagger_nbest(t, SENT, NS, 1, 2, NULL, pr, &got, NULL),
                     CRFTAG_ERR_INVALID);
    assert_int_equal(crftag_tagger_nbest(NULL, SENT, NS, 1, 2, ids, pr, &got, NULL),
                     CRFTAG_ERR_INVALID);
    crftag_tagger_free(t);
    crftag_model_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lattice_brute),
        cmocka_unit_test(test_lattice_huge_scores),
        cmocka_unit_test(test_nbest_brute),
        cmocka_unit_test(test_tag_prob),
        cmocka_unit_test(test_public_brute),
        cmocka_unit_test(test_entity_prob_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
