/*
 * micro.c - the floor: crftag's inner loops alone, per token, on synthetic
 * data shaped like CoNLL-2000 chunking (no I/O, no strings, no hashing).
 *
 *   micro [L] [FEATS] [NATTR] [PAIRS_PER_ATTR] [SECONDS]
 *         defaults 23 20 340000 1.35 1.0
 *
 * A model of NATTR attributes, each with a packed run of about
 * PAIRS_PER_ATTR (label, weight) pairs (CoNLL-2000: 338,551 attributes,
 * 456,323 pairs), and sentences of 24 tokens with FEATS random attribute
 * ids each.  It times, per token:
 *
 *   state      state[t][y] = sum of the pair weights of the token's
 *              attributes (the training layout: uint32 ids, double weights)
 *   viterbi    decode_viterbi over the state lattice (BIO mask off)
 *   tag        state (float weights, as a loaded model) + viterbi: the
 *              decoding floor of `crftag tag`
 *   fb         crf_forward_backward with state and transition marginals
 *   train      state + fb + the gradient scatter of the state marginals:
 *              one sentence's share of an objective evaluation
 *
 * The CRF code is crftag's own (libcrftag.a); only the driver is here.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crf.h"
#include "decode.h"

#define T_SENT 24
#define NSENT 512

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static uint64_t rng = 88172645463325252ULL;
static uint64_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}
static double urand(void) { return (double)(rnd() >> 11) * (1.0 / 9007199254740992.0); }

struct synth {
    size_t L, F, nattr, npairs;
    uint32_t *off;            /* [nattr+1] */
    uint16_t *lab;            /* [npairs] */
    double *w;                /* [npairs] */
    float *wf;                /* [npairs] */
    double *trans;            /* [L][L] */
    uint32_t *ids;            /* [NSENT][T_SENT][F] */
};

static void state_d(const struct synth *s, const uint32_t *ids, double *row)
{
    memset(row, 0, s->L * sizeof *row);
    for (size_t k = 0; k < s->F; k++) {
        uint32_t a = ids[k];
        for (uint32_t q = s->off[a]; q < s->off[a + 1]; q++)
            row[s->lab[q]] += s->w[q];
    }
}

static void state_f(const struct synth *s, const uint32_t *ids, double *row)
{
    memset(row, 0, s->L * sizeof *row);
    for (size_t k = 0; k < s->F; k++) {
        uint32_t a = ids[k];
        for (uint32_t q = s->off[a]; q < s->off[a + 1]; q++)
            row[s->lab[q]] += s->wf[q];
    }
}

static volatile double sink;

int main(int argc, char **argv)
{
    struct synth s;
    s.L = argc > 1 ? (size_t)atoi(argv[1]) : 23;
    s.F = argc > 2 ? (size_t)atoi(argv[2]) : 20;
    s.nattr = argc > 3 ? (size_t)atol(argv[3]) : 340000;
    double ppa = argc > 4 ? atof(argv[4]) : 1.35;
    double secs = argc > 5 ? atof(argv[5]) : 1.0;
    if (s.L < 2 || s.L > 1000 || s.F < 1 || s.nattr < 1 || ppa < 1 || ppa > (double)s.L) {
        fprintf(stderr, "micro: bad arguments\n");
        return 2;
    }
    size_t L = s.L;
    s.off = malloc((s.nattr + 1) * sizeof *s.off);
    size_t cap = (size_t)(ppa * (double)s.nattr * 1.2) + L;
    s.lab = malloc(cap * sizeof *s.lab);
    s.w = malloc(cap * sizeof *s.w);
    s.wf = malloc(cap * sizeof *s.wf);
    s.trans = malloc(L * L * sizeof *s.trans);
    s.ids = malloc((size_t)NSENT * T_SENT * s.F * sizeof *s.ids);
    double *state = malloc(T_SENT * L * sizeof *state);
    double *mstate = malloc(T_SENT * L * sizeof *mstate);
    double *mtrans = calloc(L * L, sizeof *mtrans);
    double *grad = calloc(cap, sizeof *grad);
    uint32_t *path = malloc(T_SENT * sizeof *path);
    if (!s.off || !s.lab || !s.w || !s.wf || !s.trans || !s.ids || !state || !mstate ||
        !mtrans || !grad || !path) {
        fprintf(stderr, "micro: out of memory\n");
        return 1;
    }
    /* runs: 1 pair, plus more with probability so that the mean is ppa */
    size_t q = 0;
    for (size_t a = 0; a < s.nattr; a++) {
        s.off[a] = (uint32_t)q;
        size_t n = 1;
        while (n < L && urand() < (ppa - 1.0) / ppa)
            n++;
        if (q + n > cap)
            n = 1;
        size_t y0 = rnd() % L;
        for (size_t k = 0; k < n; k++, q++) {
            s.lab[q] = (uint16_t)((y0 + k * 3) % L);
            s.w[q] = urand() * 2 - 1;
            s.wf[q] = (float)s.w[q];
        }
    }
    s.off[s.nattr] = (uint32_t)q;
    s.npairs = q;
    for (size_t k = 0; k < L * L; k++)
        s.trans[k] = urand() * 4 - 2;
    /* attribute ids: Zipf-like (many tokens share frequent attributes) */
    for (size_t k = 0; k < (size_t)NSENT * T_SENT * s.F; k++) {
        double u = urand();
        s.ids[k] = (uint32_t)((double)s.nattr * u * u * u) % (uint32_t)s.nattr;
    }
    struct crf_work cw;
    memset(&cw, 0, sizeof cw);
    struct decode_work dw;
    memset(&dw, 0, sizeof dw);

    printf("micro: L=%zu, %zu attributes a token, %zu attributes, %zu pairs, "
           "sentences of %d tokens\n", L, s.F, s.nattr, s.npairs, T_SENT);
    printf("%-8s %12s %14s\n", "loop", "ns/token", "tokens/s");
    const char *names[] = { "state", "viterbi", "tag", "fb", "train" };
    for (int kind = 0; kind < 5; kind++) {
        size_t tokens = 0;
        double t0 = now(), t1;
        size_t sent = 0;
        /* warm-up sentence so buffers are allocated */
        for (int warm = 1; warm >= 0; warm--) {
            t0 = now();
            tokens = 0;
            do {
                for (int rep = 0; rep < 64; rep++, sent++) {
                    const uint32_t *ids = s.ids + (sent % NSENT) * T_SENT * s.F;
                    if (kind != 1) {
                        for (size_t t = 0; t < T_SENT; t++) {
                            if (kind == 2)
                                state_f(&s, ids + t * s.F, state + t * L);
                            else
                                state_d(&s, ids + t * s.F, state + t * L);
                        }
                    } else {
                        /* viterbi alone: a fixed lattice */
                        for (size_t t = 0; t < T_SENT * L; t++)
                            state[t] = (double)((t * 7919) % 101) * 0.01;
                    }
                    if (kind == 1 || kind == 2) {
                        if (decode_viterbi(T_SENT, L, state, s.trans, NULL, NULL, path, NULL, &dw))
                            return 1;
                        sink = path[0];
                    } else if (kind >= 3) {
                        double logz;
                        if (crf_forward_backward(T_SENT, L, state, s.trans, &logz, mstate, mtrans,
                                                 &cw))
                            return 1;
                        sink = logz;
                        if (kind == 4) {
                            for (size_t t = 0; t < T_SENT; t++) {
                                const double *mrow = mstate + t * L;
                                const uint32_t *ti = ids + t * s.F;
                                for (size_t k = 0; k < s.F; k++) {
                                    uint32_t a = ti[k];
                                    for (uint32_t p = s.off[a]; p < s.off[a + 1]; p++)
                                        grad[p] += mrow[s.lab[p]];
                                }
                            }
                        }
                    } else {
                        sink = state[0];
                    }
                    tokens += T_SENT;
                }
                t1 = now();
            } while (t1 - t0 < (warm ? 0.1 : secs));
        }
        double ns = (t1 - t0) * 1e9 / (double)tokens;
        printf("%-8s %12.1f %14.0f\n", names[kind], ns, 1e9 / ns);
    }
    crf_work_free(&cw);
    decode_work_free(&dw);
    free(s.off);
    free(s.lab);
    free(s.w);
    free(s.wf);
    free(s.trans);
    free(s.ids);
    free(state);
    free(mstate);
    free(mtrans);
    free(grad);
    free(path);
    return 0;
}
