/*
 * model.c - the in-memory model: building, compacting, scoring (core layer).
 *
 * The trainer and the loader fill the arrays of struct crftag_model (see
 * model.h) and call model_finish(), which builds the attribute index (or hash
 * table) and the BIO mask (the BIO constraint).  After that the model is
 * read-only.
 */
#include "model.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif
#include "clusters.h"
#include "error.h"
#include "lexicon.h"
#include "util.h"

size_t model_name_len(const char *s, size_t n)
{
    if (n <= MODEL_NAME_MAX)
        return n;
    n = MODEL_NAME_MAX;
    while (n > 1 && ((unsigned char)s[n] & 0xC0) == 0x80)
        n--;
    return n;
}

struct crftag_model *model_new(void)
{
    struct crftag_model *m = calloc(1, sizeof *m);
    if (m) {
        labels_init(&m->labels);
        m->dense_min = UINT32_MAX;
    }
    return m;
}

static void model_bucket_free(struct crftag_model *m)
{
    if (m->attr_bucket)
        htab_array_free(m->attr_bucket, ((size_t)1 << (64 - m->attr_shift)) + 1,
                        sizeof *m->attr_bucket);
    m->attr_bucket = NULL;
}

void crftag_model_free(struct crftag_model *m)
{
    if (!m)
        return;
    feat_config_free(&m->feat);
    labels_free(&m->labels);
    htab_free(&m->attrs);
    model_bucket_free(m);
    free(m->attr_off);
    free(m->attr_hash);
    free(m->pair_label);
    free(m->pair_w);
    free(m->dense_bits);
    free(m->dense_w);
    free(m->trans);
    free(m->warm_w);
    free(m->allowed);
    free(m->allowed_start);
    free(m->meta.stop_reason);
    free(m->meta.label_counts);
    free(m->label_bias);
    free(m->names);
    free(m->name_off);
    free(m->bias_cand);
    free(m);
}

/* A run of n pairs is scored from a dense row when adding L floats costs
 * less than n scattered adds (about three labels of a row for one pair). */
static uint32_t dense_min_run(size_t L)
{
    uint32_t k = (uint32_t)((L + 2) / 3);
    return k < 8 ? 8 : k;
}

/* Whether the labels of pairs [k0, k1) go strictly up (a label twice would
 * be added twice by the sparse loop: such a run keeps it). */
static int run_ascending(const uint16_t *label, uint32_t k0, uint32_t k1)
{
    for (uint32_t k = k0 + 1; k < k1; k++)
        if (label[k] <= label[k - 1])
            return 0;
    return 1;
}

/* Drops the dense rows: scoring then reads the runs alone. */
static void model_dense_free(struct crftag_model *m)
{
    free(m->dense_bits);
    free(m->dense_w);
    m->dense_bits = NULL;
    m->dense_rank = NULL;
    m->dense_w = NULL;
    m->dense_min = UINT32_MAX;
}

/* Builds the dense rows of the long runs (see model.h); 0, or -1 when out
 * of memory.  Without weights (a training skeleton) there are none. */
static int model_dense_build(struct crftag_model *m)
{
    model_dense_free(m);
    size_t L = m->labels.n;
    if (!m->pair_w || !m->attr_off || m->nattr == 0 || L == 0)
        return 0;
    uint32_t dmin = dense_min_run(L);
    const uint32_t *off = m->attr_off;
    /* the attributes that get a row, found in one pass over all of them */
    uint32_t *which = NULL;
    size_t rows = 0, wcap = 0;
    uint32_t n = m->nattr;
#ifdef __SSE2__
    /* four runs at a time skipped when all are shorter than dmin (most
     * are); the lengths compared unsigned, through a flipped top bit */
    const __m128i flip = _mm_set1_epi32(INT32_MIN);
    const __m128i lim = _mm_xor_si128(_mm_set1_epi32((int32_t)(dmin - 1)), flip);
#endif
    for (uint32_t a = 0; a < n;) {
#ifdef __SSE2__
        if (n - a >= 4) {
            __m128i lo = _mm_loadu_si128((const __m128i *)(const void *)(off + a));
            __m128i hi = _mm_loadu_si128((const __m128i *)(const void *)(off + a + 1));
            __m128i len = _mm_xor_si128(_mm_sub_epi32(hi, lo), flip);
            if (!_mm_movemask_epi8(_mm_cmpgt_epi32(len, lim))) {
                a += 4;
                continue;
            }
        }
#endif
        for (uint32_t end = n - a >= 4 ? a + 4 : n; a < end; a++) {
            uint32_t k0 = off[a], k1 = off[a + 1];
            if (k1 - k0 < dmin || !run_ascending(m->pair_label, k0, k1))
                continue;
            if (rows == wcap && UTIL_GROW(which, wcap, rows + 1)) {
                free(which);
                return -1;
            }
            which[rows++] = a;
        }
    }
    if (rows == 0)
        return 0;
    /* a bit for each attribute, and before each word of 64 bits the rows of
     * the attributes below it (rows go up with the attribute) */
    size_t nwords = ((size_t)m->nattr + 63) / 64, nw;
    if (util_mul(rows, L, &nw)) {
        free(which);
        return -1;
    }
    m->dense_bits = util_calloc(nwords, sizeof *m->dense_bits + sizeof *m->dense_rank);
    m->dense_w = util_calloc(nw, sizeof *m->dense_w);
    if (!m->dense_bits || !m->dense_w) {
        free(which);
        return -1;
    }
    m->dense_rank = (uint32_t *)(void *)(m->dense_bits + nwords);
    size_t w = 0;
    for (uint32_t r = 0; r < rows; r++) {
        uint32_t a = which[r], k0 = off[a], k1 = off[a + 1];
        while (w <= a / 64)              /* the words up to a's: r rows below them */
            m->dense_rank[w++] = r;
        m->dense_bits[a / 64] |= UINT64_C(1) << (a % 64);
        float *row = m->dense_w + (size_t)r * L;
        for (uint32_t k = k0; k < k1; k++)
            row[m->pair_label[k]] = m->pair_w[k];
    }
    while (w < nwords)
        m->dense_rank[w++] = (uint32_t)rows;
    free(which);
    m->dense_min = dmin;
    return 0;
}

/* The dense row of attribute a, NULL when it has none: the rows are in the
 * order of the attributes, so a's is the number of bits set below its own. */
static inline const float *dense_row(const struct crftag_model *m, uint32_t a)
{
    uint64_t w = m->dense_bits[a / 64], below = (UINT64_C(1) << (a % 64)) - 1;
    if (!(w >> (a % 64) & 1))
        return NULL;
    size_t r = m->dense_rank[a / 64] + (size_t)__builtin_popcountll(w & below);
    return m->dense_w + r * m->labels.n;
}

/* Builds attr_bucket (model.h) for a loaded model of one attribute or more
 * whose hashes go strictly up from 1 and whose buckets hold at most
 * MODEL_MAX_BUCKET hashes: 1; 0 when the model is not such a one
 * (attr_bucket stays NULL), -1 when out of memory.  A model built by the
 * trainer keeps the hash table: the trainer maps its dev data through attrs
 * (train.c). */
static int model_bucket_build(struct crftag_model *m)
{
    model_bucket_free(m);
    const uint64_t *h = m->attr_hash;
    uint32_t n = m->nattr;
    if (m->format_version == 0 || n == 0 || h[0] == 0)
        return 0;
    unsigned bits = 1;                   /* 2^bits >= n / 2, at least 2 buckets */
    while (bits < 31 && ((size_t)1 << bits) < n / 2)
        bits++;
    size_t nb = (size_t)1 << bits;
    unsigned shift = 64 - bits;
    uint32_t *b = htab_array_alloc(nb + 1, sizeof *b);
    if (!b)
        return -1;
    /* the size of each bucket, and whether the hashes go up */
    int down = 0;
    b[h[0] >> shift]++;
    for (uint32_t p = 1; p < n; p++) {
        down |= h[p] <= h[p - 1];
        b[h[p] >> shift]++;
    }
    /* where each bucket starts, and whether one holds too many */
    size_t j = 0;
    uint32_t start = 0, longest = 0;
#ifdef __SSE2__
    __m128i run = _mm_setzero_si128(), over = _mm_setzero_si128();
    const __m128i most = _mm_set1_epi32(MODEL_MAX_BUCKET);
    for (; n <= INT32_MAX && j + 4 <= nb; j += 4) {     /* counts <= n: signed compares */
        __m128i c = _mm_loadu_si128((const __m128i *)(const void *)(b + j));
        over = _mm_or_si128(over, _mm_cmpgt_epi32(c, most));
        __m128i x = _mm_add_epi32(c, _mm_slli_si128(c, 4));
        x = _mm_add_epi32(x, _mm_slli_si128(x, 8));       /* sums within the four */
        x = _mm_add_epi32(x, run);                          /* ends of bucket j..j+3 */
        _mm_storeu_si128((__m128i *)(void *)(b + j), _mm_sub_epi32(x, c));
        run = _mm_shuffle_epi32(x, 0xFF);
    }
    start = (uint32_t)_mm_cvtsi128_si32(run);
    longest = _mm_movemask_epi8(over) ? MODEL_MAX_BUCKET + 1 : 0;
#endif
    for (; j <= nb; j++) {
        uint32_t c = b[j];
        b[j] = start;
        start += c;
        longest = c > longest ? c : longest;
    }
    if (down || longest > MODEL_MAX_BUCKET) {
        htab_array_free(b, nb + 1, sizeof *b);
        return 0;
    }
    m->attr_bucket = b;
    m->attr_shift = shift;
    return 1;
}

enum crftag_status model_finish(struct crftag_model *m, struct crftag_error *err)
{
    size_t L = m->labels.n;
    uint32_t dup;
    htab_free(&m->attrs);
    int rc = model_bucket_build(m);
    if (rc == 0)
        rc = htab_build(&m->attrs, m->attr_hash, m->nattr, &dup);
    else if (rc > 0)
        rc = 0;
    if (rc < 0)
        return err_set(err, CRFTAG_ERR_NOMEM, NULL, 0, "out of memory (attribute table)");
    if (rc > 0)
        return err_set(err, CRFTAG_ERR_MODEL_FORMAT, NULL, 0, "duplicate attribute hash %016llx",
                       (unsigned long long)m->attr_hash[dup]);
    free(m->allowed);
    free(m->allowed_start);
    m->allowed = util_malloc(L * L, 1);
    m->allowed_start = util_malloc(L, 1);
    if (!m->allowed || !m->allowed_start)
        return err_set(err, CRFTAG_ERR_NOMEM, NULL, 0, "out of memory");
    if (model_dense_build(m))
        return err_set(err, CRFTAG_ERR_NOMEM, NULL, 0, "out of memory (dense rows)");
    int bio = labels_bio_mask(&m->labels, m->allowed, m->allowed_start);
    if (!bio)
        m->bio_constrained = 0;
    if (!m->bio_constrained) {
        memset(m->allowed, 1, L * L);
        memset(m->allowed_start, 1, L);
    }
    return CRFTAG_OK;
}

void model_keep_warm_only(struct crftag_model *m)
{
    if (!m->warm_w)
        return;
    model_dense_free(m);
    free(m->pair_w);
    free(m->trans);
    m->pair_w = NULL;
    m->trans = NULL;
}

float model_weight_round(double x)
{
    const double scale = (double)(1u << MODEL_WEIGHT_SHIFT);
    if (!(fabs(x) < 1e15))           /* huge or not finite: as it is */
        return (float)x;
    double k = floor(fabs(x) * scale + 0.5);
    return (float)(copysign(k, x) / scale) + 0.0f;
}

enum crftag_status model_compact(struct crftag_model *m, struct crftag_error *err)
{
    uint32_t na = 0, np = 0, np0 = m->npairs;
    double *ww = m->warm_w;    /* compacted alike: pairs, then the transitions */
    for (uint32_t a = 0; a < m->nattr; a++) {
        uint32_t first = np;
        for (uint32_t k = m->attr_off[a]; k < m->attr_off[a + 1]; k++) {
            if (m->pair_w[k] != 0.0f) {
                m->pair_label[np] = m->pair_label[k];
                m->pair_w[np] = m->pair_w[k];
                if (ww)
                    ww[np] = ww[k];
                np++;
            }
        }
        if (np > first) {
            m->attr_off[na] = first;
            m->attr_hash[na] = m->attr_hash[a];
            if (m->name_off)
                m->name_off[na] = m->name_off[a];
            na++;
        }
    }
    m->attr_off[na] = np;
    m->nattr = na;
    m->npairs = np;
    if (ww)
        memmove(ww + np, ww + np0, m->labels.n * m->labels.n * sizeof *ww);
    return model_finish(m, err);
}

/* Up to MODEL_BATCH attributes at a time in four passes, each issuing
 * independent loads: the index slots of all of them, then the lookups, then
 * the run offsets, then the runs.  The index and the runs are far larger
 * than the caches, so overlapping the misses is what sets the speed: the
 * more attributes a call is given (a whole sentence's, model_state_scatter),
 * the more misses overlap.  Each row receives its attributes' weights in the
 * order of ids, the same sums as one attribute after another. */
#define MODEL_BATCH 256

/* score[y] += row[y] for y < L, in double as the sparse adds (adding the
 * 0 of a label without a pair leaves the score as it was). */
static inline void add_row(double *restrict score, const float *restrict row, size_t L,
                           int nv)
{
    (void)nv;
    size_t y = 0;
#ifdef __SSE2__
    for (; y + 4 <= L; y += 4) {
        __m128d w0 = _mm_cvtps_pd(_mm_castsi128_ps(_mm_loadl_epi64((const __m128i *)(row + y))));
        __m128d w1 =
            _mm_cvtps_pd(_mm_castsi128_ps(_mm_loadl_epi64((const __m128i *)(row + y + 2))));
        _mm_storeu_pd(score + y, _mm_add_pd(_mm_loadu_pd(score + y), w0));
        _mm_storeu_pd(score + y + 2, _mm_add_pd(_mm_loadu_pd(score + y + 2), w1));
    }
#endif
    for (; y < L; y++)
        score[y] += row[y];
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define MODEL_AVX 1
#include <immintrin.h>

/* add_row for 4 <= L <= 4 NV: NV quadruples of sums, the last one at labels
 * L - 4 .. L - 1 (overlapping the one before when 4 does not divide L), all
 * loaded and added before any is stored, so an overlapped label is stored
 * twice with the same sum. */
__attribute__((target("avx"), always_inline)) static inline void
add_row_all_avx(double *restrict score, const float *restrict row, size_t L, const int NV)
{
#define AR_AT(k) (k < NV - 1 ? 4 * (size_t)(k) : L - 4)
#define AR_SUM(k) _mm256_add_pd(_mm256_loadu_pd(score + AR_AT(k)), \
                                _mm256_cvtps_pd(_mm_loadu_ps(row + AR_AT(k))))
    __m256d s0 = AR_SUM(0), z = _mm256_setzero_pd();
    __m256d s1 = NV > 1 ? AR_SUM(1) : z, s2 = NV > 2 ? AR_SUM(2) : z;
    __m256d s3 = NV > 3 ? AR_SUM(3) : z, s4 = NV > 4 ? AR_SUM(4) : z;
    __m256d s5 = NV > 5 ? AR_SUM(5) : z, s6 = NV > 6 ? AR_SUM(6) : z;
    __m256d s7 = NV > 7 ? AR_SUM(7) : z;
    _mm256_storeu_pd(score + AR_AT(0), s0);
    if (NV > 1)
        _mm256_storeu_pd(score + AR_AT(1), s1);
    if (NV > 2)
        _mm256_storeu_pd(score + AR_AT(2), s2);
    if (NV > 3)
        _mm256_storeu_pd(score + AR_AT(3), s3);
    if (NV > 4)
        _mm256_storeu_pd(score + AR_AT(4), s4);
    if (NV > 5)
        _mm256_storeu_pd(score + AR_AT(5), s5);
    if (NV > 6)
        _mm256_storeu_pd(score + AR_AT(6), s6);
    if (NV > 7)
        _mm256_storeu_pd(score + AR_AT(7), s7);
#undef AR_SUM
#undef AR_AT
}

/* add_row four labels at a time (VCVTPS2PD is exact, as the scalar
 * conversion): with nv > 0 (a constant, 4 <= L <= 4 nv) by add_row_all_avx. */
__attribute__((target("avx"), always_inline)) static inline void
add_row_avx(double *restrict score, const float *restrict row, size_t L, const int nv)
{
    if (nv > 0) {
        add_row_all_avx(score, row, L, nv);
        return;
    }
    size_t y = 0;
    for (; y + 8 <= L; y += 8) {
        __m256d w0 = _mm256_cvtps_pd(_mm_loadu_ps(row + y));
        __m256d w1 = _mm256_cvtps_pd(_mm_loadu_ps(row + y + 4));
        _mm256_storeu_pd(score + y, _mm256_add_pd(_mm256_loadu_pd(score + y), w0));
        _mm256_storeu_pd(score + y + 4, _mm256_add_pd(_mm256_loadu_pd(score + y + 4), w1));
    }
    if (y + 4 <= L) {
        __m256d w0 = _mm256_cvtps_pd(_mm_loadu_ps(row + y));
        _mm256_storeu_pd(score + y, _mm256_add_pd(_mm256_loadu_pd(score + y), w0));
        y += 4;
    }
    for (; y < L; y++)
        score[y] += row[y];
}
#endif

/* model_state_scatter for runs of dense rows added by add(): attribute j's
 * weights into dst[j], or into score when dst is NULL. */
__attribute__((always_inline)) static inline void
state_scores(const struct crftag_model *m, const uint64_t *ids, size_t n, double *score,
             double *const *dst, void (*add)(double *restrict, const float *restrict, size_t, int),
             const int nv)
{
    uint32_t a[MODEL_BATCH], lo[MODEL_BATCH], hi[MODEL_BATCH];
    double *to[MODEL_BATCH];
    const float *dense[MODEL_BATCH];
    const uint32_t *bucket = m->attr_bucket;
    const uint64_t *hash = m->attr_hash;
    const unsigned shift = m->attr_shift;
    const size_t L = m->labels.n;
    for (size_t i0 = 0; i0 < n; i0 += MODEL_BATCH) {
        size_t nb = n - i0 < MODEL_BATCH ? n - i0 : MODEL_BATCH;
        const uint64_t *h = ids + i0;
        size_t na = 0;
        if (bucket) {
            for (size_t i = 0; i < nb; i++)
                __builtin_prefetch(bucket + (h[i] >> shift));
            for (size_t i = 0; i < nb; i++) {
                const uint32_t *b = bucket + (h[i] >> shift);
                lo[i] = b[0];
                hi[i] = b[1];
                __builtin_prefetch(&hash[lo[i]]);
            }
            for (size_t i = 0; i < nb; i++) {
                for (uint32_t p = lo[i]; p < hi[i]; p++) {
                    if (hash[p] == h[i]) {
                        __builtin_prefetch(&m->attr_off[p]);
                        to[na] = dst ? dst[i0 + i] : score;
                        a[na++] = p;
                        break;
                    }
                }
            }
        } else {
            for (size_t i = 0; i < nb; i++)
                htab_prefetch(&m->attrs, h[i]);
            for (size_t i = 0; i < nb; i++) {
                uint32_t x = htab_get(&m->attrs, h[i]);
                if (x == HTAB_NONE)
                    continue;
                __builtin_prefetch(&m->attr_off[x]);
                to[na] = dst ? dst[i0 + i] : score;
                a[na++] = x;
            }
        }
        /* a[j] becomes its run's first pair, hi[j] its length */
        for (size_t j = 0; j < na; j++) {
            uint32_t k0 = m->attr_off[a[j]], k1 = m->attr_off[a[j] + 1];
            const float *row = NULL;
            if (k1 - k0 >= m->dense_min && (row = dense_row(m, a[j])) != NULL) {
                __builtin_prefetch(row);
                __builtin_prefetch(row + L - 1);
            } else {
                __builtin_prefetch(&m->pair_label[k0]);
                __builtin_prefetch(&m->pair_w[k0]);
            }
            dense[j] = row;
            a[j] = k0;
            hi[j] = k1 - k0;
        }
        for (size_t j = 0; j < na; j++) {
            double *s = to[j];
            if (dense[j])
                add(s, dense[j], L, nv);
            else
                for (uint32_t k = a[j], e = a[j] + hi[j]; k < e; k++)
                    s[m->pair_label[k]] += m->pair_w[k];
        }
    }
}

#ifdef MODEL_AVX
__attribute__((target("avx,popcnt"))) static void state_scores_avx(const struct crftag_model *m,
                                                                   const uint64_t *ids, size_t n,
                                                                   double *score,
                                                                   double *const *dst)
{
    /* the quadruples of a dense row, a constant in each copy of the loop */
    size_t L = m->labels.n;
    switch (L >= 4 && L <= 32 ? (L + 3) / 4 : 0) {
    case 1: state_scores(m, ids, n, score, dst, add_row_avx, 1); return;
    case 2: state_scores(m, ids, n, score, dst, add_row_avx, 2); return;
    case 3: state_scores(m, ids, n, score, dst, add_row_avx, 3); return;
    case 4: state_scores(m, ids, n, score, dst, add_row_avx, 4); return;
    case 5: state_scores(m, ids, n, score, dst, add_row_avx, 5); return;
    case 6: state_scores(m, ids, n, score, dst, add_row_avx, 6); return;
    case 7: state_scores(m, ids, n, score, dst, add_row_avx, 7); return;
    case 8: state_scores(m, ids, n, score, dst, add_row_avx, 8); return;
    default: state_scores(m, ids, n, score, dst, add_row_avx, 0); return;
    }
}
#endif

static void state_scores_any(const struct crftag_model *m, const uint64_t *ids, size_t n,
                             double *score, double *const *dst)
{
#ifdef MODEL_AVX
    if (__builtin_cpu_supports("avx") && __builtin_cpu_supports("popcnt")) {
        state_scores_avx(m, ids, n, score, dst);
        return;
    }
#endif
    state_scores(m, ids, n, score, dst, add_row, 0);
}

void model_state_scores(const struct crftag_model *m, const uint64_t *ids, size_t n,
                        double *score)
{
    state_scores_any(m, ids, n, score, NULL);
}

void model_state_scatter(const struct crftag_model *m, const uint64_t *ids, double *const *dst,
                         size_t n)
{
    if (n)
        state_scores_any(m, ids, n, NULL, dst);
}

size_t crftag_model_num_labels(const struct crftag_model *m)
{
    return m ? m->labels.n : 0;
}

const char *crftag_model_label(const struct crftag_model *m, uint32_t id)
{
    if (!m || id >= m->labels.n)
        return NULL;
    return m->labels.names[id];
}

uint64_t crftag_model_label_count(const struct crftag_model *m, uint32_t id)
{
    if (!m || id >= m->labels.n || !m->meta.label_counts)
        return 0;
    return m->meta.label_counts[id];
}

/* How many of w[0..n) are not 0 (nor -0): 4 at a time with SSE2.  `crftag
 * tag` asks for the model's info too, so this is part of every start-up. */
static size_t count_nonzero(const float *w, size_t n)
{
    size_t zeros = 0, k = 0;
#ifdef __SSE2__
    const __m128 z = _mm_setzero_ps();
    while (n - k >= 4) {
        /* each lane counts its zeros (minus one for each), in rounds of at
         * most 2^30 groups of 4, which no 32-bit lane overflows */
        size_t groups = (n - k) / 4;
        if (groups > ((size_t)1 << 30))
            groups = (size_t)1 << 30;
        __m128i acc = _mm_setzero_si128();
        for (size_t g = 0; g < groups; g++, k += 4)
            acc = _mm_sub_epi32(acc, _mm_castps_si128(_mm_cmpeq_ps(_mm_loadu_ps(w + k), z)));
        uint32_t lane[4];
        _mm_storeu_si128((__m128i *)(void *)lane, acc);
        zeros += (size_t)lane[0] + lane[1] + lane[2] + lane[3];
    }
#endif
    for (; k < n; k++)
        zeros += w[k] == 0.0f;
    return n - zeros;
}

/* The model's info into a whole struct of this library's size. */
static void model_info_fill(const struct crftag_model *m, struct crftag_model_info *out)
{
    memset(out, 0, sizeof *out);
    if (!m)
        return;
    out->format_version = m->format_version ? m->format_version : CRFTAG_MODEL_FORMAT_VERSION;
    out->num_labels = m->labels.n;
    out->num_columns = m->feat.ncols;
    out->features = m->feat.kind == FEAT_TEMPLATE ? "template"
                  : m->feat.kind == FEAT_ATTRS ? "attributes" : "builtin";
    out->builtin_version = m->feat.kind == FEAT_TEMPLATE ? 0 : m->feat.builtin_version;
    out->template_text = m->feat.template_text ? m->feat.template_text : "";
    out->hash_seed = m->feat.seed;
    out->hash_version = m->feat.hash_version;
    out->num_attributes = m->nattr;
    out->num_features = m->npairs;
    size_t L = m->labels.n;
    out->num_nonzero = count_nonzero(m->pair_w, m->npairs) + count_nonzero(m->trans, L * L);
    out->bio_constrained = m->bio_constrained;
    out->c1 = m->meta.c1;
    out->c2 = m->meta.c2;
    out->iterations = m->meta.iterations;
    out->min_freq = m->meta.min_freq;
    out->train_seconds = m->meta.train_seconds;
    out->final_objective = m->meta.final_objective;
    out->train_sentences = m->meta.train_sentences;
    out->train_tokens = m->meta.train_tokens;
    out->stop_reason = m->meta.stop_reason ? m->meta.stop_reason : "";
    if (m->feat.cl) {
        out->num_cluster_words = m->feat.cl->nwords;
        out->num_clusters = m->feat.cl->npaths;
    }
    if (m->feat.ulex) {
        out->num_user_lexicon_entries = m->feat.ulex->nent;
        out->num_user_lexicon_types = m->feat.ulex->ntypes;
    }
    out->plain_tags = labels_plain((const char *const *)m->labels.names, m->labels.n);
    if (m->feat.lex) {
        out->num_lexicon_entries = m->feat.lex->nent;
        out->num_lexicon_types = m->feat.lex->ntypes;
    }
    out->file_format = m->crfsuite_file ? "crfsuite" : "crftag";
}

void crftag_model_get_info_sz(const struct crftag_model *m, struct crftag_model_info *out,
                              size_t size)
{
    struct crftag_model_info info;
    if (!out)
        return;
    model_info_fill(m, &info);
    util_struct_out(out, size, &info, sizeof info);
}

const char *crftag_model_user_lexicon_type(const struct crftag_model *m, size_t i,
                                           size_t *out_entries)
{
    if (out_entries)
        *out_entries = 0;
    if (!m || !m->feat.ulex || i >= m->feat.ulex->ntypes)
        return NULL;
    const struct lexicon *ux = m->feat.ulex;
    if (out_entries) {
        size_t c = 0;
        for (size_t e = 0; e < ux->nent; e++)
            c += lex_type(lex_entry_value(ux, e)) == i;
        *out_entries = c;
    }
    return ux->types[i];
}

double crftag_model_label_bias(const struct crftag_model *m, uint32_t id)
{
    if (!m || id >= m->labels.n || !m->label_bias)
        return 0.0;
    return m->label_bias[id];
}

const struct crftag_bias_candidate *crftag_model_bias_candidates(const struct crftag_model *m,
                                                                size_t *out_n)
{
    if (out_n)
        *out_n = m ? m->nbias_cand : 0;
    return m && m->nbias_cand ? m->bias_cand : NULL;
}

int crftag_model_lexicon_scores(const struct crftag_model *m, double *out_folds,
                                double *out_own, int *out_chose_own)
{
    if (!m || !m->lexchoice.scored)
        return 0;
    if (out_folds)
        *out_folds = m->lexchoice.f1[0];
    if (out_own)
        *out_own = m->lexchoice.f1[1];
    if (out_chose_own)
        *out_chose_own = m->lexchoice.own;
    return 1;
}

void model_state_scores_w(const struct crftag_model *m, const uint64_t *ids, const double *val,
                          size_t n, double *score)
{
    for (size_t i = 0; i < n; i++) {
        uint32_t x = model_attr_id(m, ids[i]);
        if (x == HTAB_NONE)
            continue;
        for (uint32_t k = m->attr_off[x]; k < m->attr_off[x + 1]; k++)
            score[m->pair_label[k]] += val[i] * m->pair_w[k];
    }
}

int crftag_model_attr_weights(const struct crftag_model *m, const char *name, size_t len,
                              double *out)
{
    if (!m || !out)
        return 0;
    for (size_t y = 0; y < m->labels.n; y++)
        out[y] = 0.0;
    if (!name || m->feat.kind != FEAT_ATTRS)
        return 0;
    uint32_t x = model_attr_id(m, feat_attr_id(&m->feat, name, len));
    if (x == HTAB_NONE)
        return 0;
    for (uint32_t k = m->attr_off[x]; k < m->attr_off[x + 1]; k++)
        out[m->pair_label[k]] = m->pair_w[k];
    return 1;
}
