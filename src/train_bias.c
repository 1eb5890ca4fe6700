/*
 * train_bias.c - crftag_train(), and the label bias it chooses when asked
 * for "auto" (pipeline layer).
 *
 *   crftag_train(c, p):  p->bias not "auto"  ->  train_fit(c, p, own)
 *   (crftag_train_take: the same, the corpus freed once the final
 *   training's data are built; the 90 % copy of step 2 goes the same way)
 *                        p->bias == "auto":
 *     1. hold out 5 blocks of 2 % of the sentences each: sentence s of N is
 *        held out when (s * 50 / N) % 10 == 9.  Blocks, not every k-th
 *        sentence, so that the sentences of one document stay on one side
 *        (abstracts and articles repeat their names: a held-out sentence
 *        whose neighbours were trained on looks easier than new text);
 *        spread over the corpus, so that one topic does not decide;
 *     2. train_fit on the other 90 % with the same parameters but a looser
 *        stopping rule (delta: 10x the final one, and at least 1e-3, the
 *        template default's own rule: with the built-in features' 1e-5 the
 *        held-out curve at 1e-3 is the one at 1e-4 within 0.3 points, for a
 *        quarter fewer iterations; docs/ACCURACY.md), no bias and no dev
 *        data; its progress lines have crftag_progress.phase 1;
 *     3. tag the held-out sentences with each bias X of bias_grid and keep
 *        the smallest X whose entity F1 (conlleval's, crftag_eval) is within
 *        BIAS_MARGIN (CRFTAG_BIAS_MARGIN, 0.5) points of the best: a flat curve is noise of the
 *        sample and keeps no bias (on BC5CDR the held-out F1 for 0 .. 0.75
 *        was 81.57 .. 81.96, and 0.75 cost 1.4 points on its dev file);
 *        the scores of every X (struct crftag_bias_candidate) go to the
 *        model (crftag_model_bias_candidates; not saved) and to the
 *        progress lines of step 4 (crftag_progress.bias_candidates, through
 *        a relay of the caller's callbacks);
 *     4. train_fit on all of c with bias "X", starting from the weights of
 *        step 2, unrounded (model warm_w, train_init.c): it is near the
 *        optimum of all of c, so the final training takes 26-31 % fewer
 *        iterations (CoNLL-2000 164 -> 113, WikiSER 479 -> 356, BC5CDR
 *        268 -> 189) and reaches the same optimum (CoNLL-2000's objective
 *        12769.0449 -> 12769.0348, the same test F1; docs/ACCURACY.md).
 *   Between 3 and 4, with p->memory CRFTAG_MEMORY_AUTO, the held-out
 *   sentences are tagged again at the chosen bias with a document memory of
 *   CRFTAG_MEMORY_WINDOW sentences (memory.c), each held-out block
 *   remembering its own sentences only, and each document (a file, or a part
 *   after a -DOCSTART- line: corpus.h) its own, without and with the
 *   abbreviations (CRFTAG_MEMORY_ABBREV), and the model keeps the one with
 *   the higher entity F1 when it is higher than without, and the memory
 *   alone when it changed no held-out label (no name came back there, so
 *   the sample cannot tell; docs/ACCURACY.md, "Document memory").
 *   With lexicon_folds CRFTAG_LEXICON_FOLDS_AUTO (the default; built-in
 *   features with the lexicon), steps 2 and 3 and the memory's scoring run a
 *   second time with the lexicon of the sentences' own entities
 *   (lexicon_folds 0; progress phase 2), and that model replaces the first
 *   one, with its bias and memory, and step 4 uses that lexicon, when its
 *   held-out entity F1 is higher by more than BIAS_MARGIN: neither lexicon
 *   holds the held-out labels, so this measures which generalises on the
 *   data at hand (noisy labels whose names recur: WikiSER; docs/ACCURACY.md,
 *   "The lexicon chosen on the held-out sentences").
 *   No bias (0) when the labels are plain tags (no entities to favour),
 *   when there are fewer than BIAS_MIN_SENT sentences, or when the held-out
 *   part has no entity.  The model stores the chosen bias as a fixed one.
 *
 *   Data-parallel (p->comm): the sentence numbers s and N are global (rank r
 *   holds the r-th block of the one sentence order), so the same sentences
 *   are held out whichever rank holds them; the first training runs over the
 *   ranks like any other, each rank scores its held-out sentences and the
 *   chunk counts (not the F1s) are summed over the ranks: every rank chooses
 *   the bias one process chooses.  The document memory is scored the same
 *   way, except that a held-out block split between two ranks is two texts
 *   (the second part starts with nothing remembered): at most ranks - 1
 *   cuts among 5 blocks, so the choice can differ from one process's only
 *   when the two F1s are that close.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "corpus.h"
#include "error.h"
#include "labels.h"
#include "hash.h"
#include "model.h"
#include "train.h"
#include "train_dist.h"
#include "train_init.h"
#include "util.h"

#define BIAS_BLOCKS 50           /* blocks of the corpus ... */
#define BIAS_EVERY 10            /* ... of which every 10th is held out */
#define BIAS_MIN_SENT 100        /* fewer sentences: no bias */
#define BIAS_DELTA_SCALE 10      /* the first training stops at 10x delta, */
#define BIAS_DELTA_MIN 1e-3      /* or at this when that is smaller */
#define BIAS_MARGIN CRFTAG_BIAS_MARGIN   /* F1 points: a bias must beat 0 by more */
#define BIAS_NCOUNT 5            /* bias_score's counts */

/* Candidates, ascending (ties go to the first). */
static const double bias_grid[] = { 0, 0.25, 0.5, 0.75, 1, 1.25, 1.5, 1.75, 2 };
#define BIAS_NGRID (sizeof bias_grid / sizeof bias_grid[0])

static int bias_held_out(size_t s, size_t n)
{
    return (size_t)((unsigned long long)s * BIAS_BLOCKS / n) % BIAS_EVERY == BIAS_EVERY - 1;
}

/* The sentences of this rank among all: s of c is sentence sent0 + s of
 * nsent (one process: 0 and c->nsent). */
struct bias_shares {
    size_t sent0, nsent;
};

/* Candidate bias x scored by the chunk counts k[3] (correct, predicted and
 * gold chunks): precision, recall and F1 in percent as crftag_eval_f1
 * computes them (conlleval: p and r first, then their harmonic mean). */
static struct crftag_bias_candidate bias_candidate(double x, const uint64_t k[3])
{
    struct crftag_bias_candidate bc;
    memset(&bc, 0, sizeof bc);
    bc.bias = x;
    bc.correct_chunks = k[0];
    bc.pred_chunks = k[1];
    bc.gold_chunks = k[2];
    double p = k[1] > 0 ? (double)(100 * k[0]) / (double)k[1] : 0.0;
    double r = k[2] > 0 ? (double)(100 * k[0]) / (double)k[2] : 0.0;
    bc.precision = p;
    bc.recall = r;
    bc.f1 = p + r > 0 ? 2 * p * r / (p + r) : 0.0;
    return bc;
}

/* The chunk counts of model m with bias spec on the held-out sentences of c
 * into n[BIAS_NCOUNT]: correct, predicted and gold chunks, 1 when the gold
 * labels are plain tags, and the labels the memory changed. */
static enum crftag_status bias_score(const struct crftag_model *m,
                                     const struct crftag_corpus *c,
                                     const struct bias_shares *sh, const char *spec,
                                     size_t window, unsigned flags, uint64_t n[BIAS_NCOUNT],
                                     struct crftag_error *err)
{
    struct crftag_tagger *t = NULL;
    struct crftag_eval *ev = NULL;
    struct crftag_memory *mem = NULL;
    const char **gold = NULL, **pred = NULL;
    uint32_t *ids = NULL;
    size_t cap = 0, cap2 = 0, cap3 = 0, last = SIZE_MAX;
    uint64_t changed = 0;
    enum crftag_status st = crftag_tagger_new(m, &t);
    if (st != CRFTAG_OK)
        st = err_set(err, st, NULL, 0, "out of memory");
    else
        st = crftag_tagger_set_bias(t, spec, err);
    if (st == CRFTAG_OK && crftag_eval_new(&ev) != CRFTAG_OK)
        st = err_set(err, CRFTAG_ERR_NOMEM, NULL, 0, "out of memory");
    if (st == CRFTAG_OK && window > 0 && crftag_memory_new(m, window, flags, &mem) != CRFTAG_OK)
        st = err_set(err, CRFTAG_ERR_NOMEM, NULL, 0, "out of memory");
    if (st != CRFTAG_OK)
        goto out;
    for (size_t s = 0; s < c->nsent; s++) {
        if (!bias_held_out(sh->sent0 + s, sh->nsent))
            continue;
        struct sentence sen;
        corpus_sentence(c, s, &sen);
        if (UTIL_GROW(gold, cap, sen.n) ||
            UTIL_GROW(pred, cap2, sen.n) ||
            UTIL_GROW(ids, cap3, sen.n)) {
            st = err_set(err, CRFTAG_ERR_NOMEM, NULL, 0, "out of memory");
            goto out;
        }
        st = crftag_tagger_tag(t, sen.cols, sen.n, sen.ncols, ids, NULL, err);
        if (st != CRFTAG_OK)
            goto out;
        if (mem) {
            /* a held-out block remembers its own sentences only, and a
             * document (corpus.h) its own */
            if (s != last + 1 || corpus_doc_start(c, s))
                crftag_memory_clear(mem);
            last = s;
            for (size_t i = 0; i < sen.n; i++)
                gold[i] = sen.cols[i * sen.ncols];          /* the tokens, for now */
            size_t ch = 0;
            if (crftag_memory_apply(mem, gold, NULL, sen.n, ids, &ch) != CRFTAG_OK) {
                st = err_set(err, CRFTAG_ERR_NOMEM, NULL, 0, "out of memory");
                goto out;
            }
            changed += ch;
        }
        for (size_t i = 0; i < sen.n; i++) {
            gold[i] = sen.cols[i * sen.ncols + sen.ncols - 1];
            pred[i] = crftag_model_label(m, ids[i]);
        }
        if (crftag_eval_add(ev, gold, pred, sen.n) != CRFTAG_OK) {
            st = err_set(err, CRFTAG_ERR_NOMEM, NULL, 0, "out of memory");
            goto out;
        }
    }
    struct crftag_eval_counts tot;
    crftag_eval_total(ev, &tot);
    n[0] = tot.correct_chunks;
    n[1] = tot.pred_chunks;
    n[2] = tot.gold_chunks;
    n[3] = tot.plain_tags != 0;
    n[4] = changed;
out:
    crftag_tagger_free(t);
    crftag_eval_free(ev);
    crftag_memory_free(mem);
    free(gold);
    free(pred);
    free(ids);
    return st;
}

/* 1 when some label of c is a chunk label (B-X, I-X, ...; labels.h). */
static int bias_has_chunks(const struct crftag_corpus *c)
{
    for (size_t t = 0; t < c->ntok; t++) {
        const char *lab = c->cells[t * c->ncols + c->ncols - 1];
        if (strcmp(lab, "O") != 0 && !labels_plain(&lab, 1))
            return 1;
    }
    return 0;
}

/* The model of a first training that p->stop interrupted, handed back as
 * the result (its stop reason says which training it was). */
static enum crftag_status bias_interrupted(struct crftag_model *m, struct crftag_model **out,
                                           struct crftag_error *err)
{
    const char *what = " (the first training of bias auto, on 90 % of the sentences; no bias)";
    size_t n = strlen(m->meta.stop_reason) + strlen(what) + 1;
    char *why = malloc(n);
    if (!why) {
        crftag_model_free(m);
        return err_set(err, CRFTAG_ERR_NOMEM, NULL, 0, "out of memory");
    }
    snprintf(why, n, "%s%s", m->meta.stop_reason, what);
    free(m->meta.stop_reason);
    m->meta.stop_reason = why;
    *out = m;
    return CRFTAG_OK;
}

/* The global sentence numbers of c (sh) and whether some label of all
 * the sentences is a chunk label, over the ranks of p->comm when given. */
static enum crftag_status bias_shares(const struct crftag_corpus *c,
                                      const struct crftag_train_params *p,
                                      struct bias_shares *sh, int *chunks,
                                      struct crftag_error *err)
{
    sh->sent0 = 0;
    sh->nsent = c->nsent;
    *chunks = bias_has_chunks(c);
    if (!p->comm)
        return CRFTAG_OK;
    struct dist_shares ds;
    enum crftag_status st = dist_check(c, p, &ds, err);
    if (st != CRFTAG_OK)
        return st;
    sh->sent0 = ds.sent0;
    sh->nsent = ds.nsent;
    uint64_t any = (uint64_t)*chunks;
    if (dist_max_u64(p->comm, &any, 1))
        return err_set(err, CRFTAG_ERR_IO, NULL, 0, "the ranks could not exchange data");
    *chunks = any != 0;
    return CRFTAG_OK;
}

/* The chunk counts of m with bias spec on the held-out sentences, with a
 * memory of window sentences (0: none), summed over the ranks of p->comm. */
static enum crftag_status bias_score_all(const struct crftag_model *m,
                                         const struct crftag_corpus *c,
                                         const struct crftag_train_params *p,
                                         const struct bias_shares *sh, const char *spec,
                                         size_t window, unsigned flags, uint64_t k[BIAS_NCOUNT],
                                         struct crftag_error *err)
{
    enum crftag_status st = bias_score(m, c, sh, spec, window, flags, k, err);
    /* data-parallel: the counts of every rank (a rank that failed sends
     * its zeros and stops after the sum, the others with it) */
    uint64_t bad = st != CRFTAG_OK;
    if (p->comm && (dist_sum_u64(p->comm, k, BIAS_NCOUNT) || dist_max_u64(p->comm, &bad, 1)))
        return err_set(err, CRFTAG_ERR_IO, NULL, 0, "the ranks could not exchange data");
    if (st == CRFTAG_OK && bad)
        st = err_set(err, CRFTAG_ERR_NOMEM, NULL, 0, "another rank failed to tag its "
                     "held-out sentences");
    return st;
}

/* A first training: m trained under p (bias ignored, a looser stopping
 * rule) on the sentences of c that sh does not hold out, its progress lines
 * of phase `phase`.  When p->stop interrupts it, *out_interrupted gets its
 * model and *m stays NULL. */
static enum crftag_status bias_first(const struct crftag_corpus *c,
                                     const struct crftag_train_params *p, int phase,
                                     const struct bias_shares *sh, struct crftag_model **m,
                                     struct crftag_model **out_interrupted,
                                     struct crftag_error *err)
{
    *m = NULL;
    struct crftag_corpus *rest = NULL;
    enum crftag_status st = crftag_corpus_new(&rest);
    if (st != CRFTAG_OK)
        return err_set(err, st, NULL, 0, "out of memory");
    rest->attrs = c->attrs;          /* the same kind of features */
    for (size_t s = 0; s < c->nsent && st == CRFTAG_OK; s++) {
        if (bias_held_out(sh->sent0 + s, sh->nsent))
            continue;
        struct sentence sen;
        corpus_sentence(c, s, &sen);
        st = corpus_add(rest, &sen, err);
    }
    if (st == CRFTAG_OK) {
        struct crftag_train_params q = *p;
        q.bias = NULL;
        q.dev = NULL;
        q.dev_patience = 0;
        q.keep_names = 0;        /* this model is only scored */
        /* a looser stopping rule: the held-out F1 is flat long before the
         * objective settles, and this training only ranks the biases */
        q.delta = p->delta * BIAS_DELTA_SCALE;
        if (!(q.delta >= BIAS_DELTA_MIN))
            q.delta = BIAS_DELTA_MIN;
        /* rest goes once its training data are built */
        st = train_fit_first(rest, &q, phase, &rest, m, err);   /* progress: phase 1, 2 */
    }
    crftag_corpus_free(rest);
    if (st != CRFTAG_OK)
        return st;
    if ((*m)->meta.interrupted) {
        struct crftag_model *mi = *m;
        *m = NULL;
        return bias_interrupted(mi, out_interrupted, err);
    }
    return CRFTAG_OK;
}

/* What a first training's model scores on the held-out sentences: the
 * bias chosen (spec, cand[BIAS_NGRID] and *ncand as bias_choose gives them)
 * and the document memory (mem), and *best the held-out F1 of the two
 * together (-1 when nothing was scored). */
static enum crftag_status bias_rank(const struct crftag_model *m,
                                    const struct crftag_corpus *c,
                                    const struct crftag_train_params *p,
                                    const struct bias_shares *sh, char *spec, size_t len,
                                    struct crftag_bias_candidate *cand, size_t *ncand,
                                    struct model_memory *mem, double *best_out,
                                    struct crftag_error *err)
{
    enum crftag_status st = CRFTAG_OK;
    snprintf(spec, len, "0");
    *ncand = 0;
    *best_out = -1.0;
    double best = -1.0;
    size_t n = 0;
    for (; n < BIAS_NGRID; n++) {
        char x[32];
        uint64_t k[BIAS_NCOUNT] = {0, 0, 0, 0, 0};
        snprintf(x, sizeof x, "%g", bias_grid[n]);
        st = bias_score_all(m, c, p, sh, x, 0, 0, k, err);
        if (st != CRFTAG_OK || k[3] || k[2] == 0)   /* plain tags, or no entity */
            break;
        cand[n] = bias_candidate(bias_grid[n], k);
        if (cand[n].f1 > best)
            best = cand[n].f1;
    }
    /* the smallest bias within BIAS_MARGIN of the best: differences that
     * small are noise of the held-out sample, and no bias is the simpler
     * model */
    size_t chosen = 0;
    if (st == CRFTAG_OK && n == BIAS_NGRID) {
        for (size_t k = 0; k < n; k++) {
            if (cand[k].f1 >= best - BIAS_MARGIN) {
                snprintf(spec, len, "%g", bias_grid[k]);
                cand[k].chosen = 1;
                chosen = k;
                break;
            }
        }
        *ncand = n;
        *best_out = cand[chosen].f1;
    }
    /* the document memory, with the chosen bias: none, the memory, the
     * memory with the abbreviations, each kept only when it scores better
     * than those before on the held-out sentences, the memory alone also
     * when it changed none of them (tokens in column 0: not for attribute
     * strings) */
    if (st == CRFTAG_OK && *ncand > 0 && p->memory == CRFTAG_MEMORY_AUTO && !c->attrs) {
        mem->f1[0] = cand[chosen].f1;
        double best_f1 = mem->f1[0];
        for (unsigned v = 0; v < 2 && st == CRFTAG_OK; v++) {
            uint64_t k[BIAS_NCOUNT] = {0, 0, 0, 0, 0};
            unsigned flags = v ? CRFTAG_MEMORY_ABBREV : 0;
            st = bias_score_all(m, c, p, sh, spec, CRFTAG_MEMORY_WINDOW, flags, k, err);
            if (st != CRFTAG_OK)
                break;
            mem->f1[1 + v] = bias_candidate(bias_grid[chosen], k).f1;
            /* the memory alone is kept also when it changed no held-out
             * label: those sentences name nothing twice, so they cannot
             * tell, and on the dev splits of every entity corpus it gained
             * (docs/ACCURACY.md, "Document memory") */
            if (mem->f1[1 + v] > best_f1 || (v == 0 && k[4] == 0)) {
                best_f1 = mem->f1[1 + v];
                mem->window = CRFTAG_MEMORY_WINDOW;
                mem->flags = flags;
            }
        }
        mem->scored = st == CRFTAG_OK;
        *best_out = best_f1;
    }
    return st;
}

/* A first training's model once bias_rank has scored it: only its weights
 * are wanted now (the final training starts from them), so the rest goes
 * before the next training takes its memory, and its attribute table too
 * (train_init_weights makes it again once the final training's own is
 * freed). */
static void bias_keep_weights(struct crftag_model *m)
{
    model_keep_warm_only(m);
    htab_free(&m->attrs);
}

/* Chooses the bias of c under p (bias ignored) into spec[len]; *out_first
 * gets the model of the first training (NULL when there was none).  When
 * p->stop interrupts the first training, *out_interrupted gets its model.
 * cand[BIAS_NGRID] receives the candidates scored, *ncand their number
 * (BIAS_NGRID, the chosen one marked, or 0 when none was scored).  With
 * lex_auto, a second first training with the lexicon of the training
 * sentences' own entities (lexicon_folds 0) is ranked too, and replaces the
 * first when its held-out F1 (bias and memory chosen) is higher by more
 * than BIAS_MARGIN; lex gets the two F1s and the choice. */
static enum crftag_status bias_choose(const struct crftag_corpus *c,
                                      const struct crftag_train_params *p, int lex_auto,
                                      char *spec, size_t len,
                                      struct crftag_bias_candidate *cand, size_t *ncand,
                                      struct model_memory *mem, struct model_lexchoice *lex,
                                      struct crftag_model **out_interrupted,
                                      struct crftag_model **out_first, struct crftag_error *err)
{
    snprintf(spec, len, "0");
    *ncand = 0;
    struct bias_shares sh;
    int chunks;
    enum crftag_status st = bias_shares(c, p, &sh, &chunks, err);
    if (st != CRFTAG_OK || sh.nsent < BIAS_MIN_SENT || !chunks)
        return st;
    struct crftag_model *m = NULL;
    double f_folds = -1.0;
    st = bias_first(c, p, 1, &sh, &m, out_interrupted, err);
    if (st == CRFTAG_OK && m)
        st = bias_rank(m, c, p, &sh, spec, len, cand, ncand, mem, &f_folds, err);
    if (st == CRFTAG_OK && m)
        bias_keep_weights(m);
    /* the lexicon of the sentences' own entities, ranked the same way */
    if (st == CRFTAG_OK && m && lex_auto && *ncand > 0 && p->lexicon && !p->template_text &&
        !c->attrs) {
        struct crftag_train_params q = *p;
        q.lexicon_folds = 0;
        struct crftag_model *m0 = NULL;
        char spec0[32];
        struct crftag_bias_candidate cand0[BIAS_NGRID];
        size_t ncand0 = 0;
        struct model_memory mem0 = { 0, 0, 0, { 0, 0, 0 } };
        double f_own = -1.0;
        st = bias_first(c, &q, 2, &sh, &m0, out_interrupted, err);
        if (st == CRFTAG_OK && m0)
            st = bias_rank(m0, c, &q, &sh, spec0, sizeof spec0, cand0, &ncand0, &mem0,
                           &f_own, err);
        if (st == CRFTAG_OK && m0)
            bias_keep_weights(m0);
        if (st == CRFTAG_OK && m0 && ncand0 > 0) {
            lex->scored = 1;
            lex->f1[0] = f_folds;
            lex->f1[1] = f_own;
            if (f_own > f_folds + BIAS_MARGIN) {
                lex->own = 1;
                crftag_model_free(m);
                m = m0;
                m0 = NULL;
                snprintf(spec, len, "%s", spec0);
                memcpy(cand, cand0, sizeof cand0);
                *ncand = ncand0;
                *mem = mem0;
            }
        }
        crftag_model_free(m0);
        if (st == CRFTAG_OK && *out_interrupted) {       /* stopped in the second */
            crftag_model_free(m);
            return CRFTAG_OK;
        }
    }
    if (st == CRFTAG_OK)
        *out_first = m;          /* NULL when interrupted */
    else
        crftag_model_free(m);
    return st;
}

/* The final training's progress and stop callbacks: the caller's, its
 * progress lines carrying the candidates scored (crftag_progress.
 * bias_candidates). */
struct bias_relay {
    const struct crftag_train_params *p;      /* the caller's callbacks */
    const struct crftag_bias_candidate *cand;
    size_t ncand;
};

static int bias_relay_progress(const struct crftag_progress *pr, void *user)
{
    const struct bias_relay *r = user;
    struct crftag_progress q = *pr;
    q.bias_candidates = r->cand;
    q.num_bias_candidates = r->ncand;
    return r->p->progress(&q, r->p->user);
}

static int bias_relay_stop(void *user)
{
    const struct bias_relay *r = user;
    return r->p->stop(r->p->user);
}

/* crftag_train_sz, and crftag_train_take_sz when own is given (*own == c) */
static enum crftag_status train_any(const struct crftag_corpus *c, struct crftag_corpus **own,
                                    const struct crftag_train_params *params, size_t size,
                                    struct crftag_model **out, struct crftag_error *err)
{
    /* the caller's params over the defaults: fields past its size keep them */
    struct crftag_train_params whole, *p = NULL;
    int lex_auto = 0;
    if (params) {
        crftag_train_params_init(&whole);
        util_struct_in(&whole, sizeof whole, params, size);
        lex_auto = whole.lexicon_folds == CRFTAG_LEXICON_FOLDS_AUTO;
        train_resolve(&whole);    /* c1, c2, delta: AUTO -> the kind's values */
        p = &whole;
        enum crftag_status st = train_resolve_labels(&whole, c, err);
        if (st != CRFTAG_OK)
            return st;
    }
    if (!p || !c || !p->bias || strcmp(p->bias, CRFTAG_BIAS_AUTO) != 0) {
        enum crftag_status st = train_fit(c, p, own, out, err);
        /* no held-out sentences to choose on: only a window given */
        if (st == CRFTAG_OK && p && p->memory > 0) {
            (*out)->mem.window = (size_t)p->memory;
            (*out)->mem.flags = p->memory_flags;
        }
        return st;
    }
    if (out)
        *out = NULL;
    err_clear(err);
    if (!out)
        return err_set(err, CRFTAG_ERR_INVALID, NULL, 0, "no output model pointer");
    double t0 = util_now();
    char spec[32] = "0";
    enum crftag_status st = CRFTAG_OK;
    /* with init: its bias (it has seen the sentences bias_choose holds out) */
    struct crftag_model *first = NULL;
    struct crftag_bias_candidate cand[BIAS_NGRID];
    size_t ncand = 0;
    struct model_memory mem = { 0, 0, 0, { 0, 0, 0 } };
    struct model_lexchoice lex = { 0, 0, { 0, 0 } };
    if (!p->init)
        st = bias_choose(c, p, lex_auto, spec, sizeof spec, cand, &ncand, &mem, &lex, out,
                         &first, err);
    /* the model's copy, taken now rather than after the final training */
    struct crftag_bias_candidate *kept = NULL;
    if (st == CRFTAG_OK && !*out && ncand > 0 && !(kept = util_malloc(ncand, sizeof *kept)))
        st = err_set(err, CRFTAG_ERR_NOMEM, NULL, 0, "out of memory");
    if (st != CRFTAG_OK || *out) {
        crftag_model_free(first);
        free(kept);
        return st;
    }
    if (kept)
        memcpy(kept, cand, ncand * sizeof *kept);
    struct crftag_train_params q = *p;
    q.bias = strcmp(spec, "0") == 0 ? NULL : spec;   /* no entity type: no bias */
    if (lex.own)
        q.lexicon_folds = 0;     /* the first training's lexicon won */
    struct bias_relay relay = { p, kept, ncand };
    if (kept) {
        q.user = &relay;
        q.progress = p->progress ? bias_relay_progress : NULL;
        q.stop = p->stop ? bias_relay_stop : NULL;
    }
    st = train_fit_from(c, &q, own, &first, out, err);
    crftag_model_free(first);   /* when train_fit_from failed before taking it */
    if (st == CRFTAG_OK) {
        (*out)->bias_cand = kept;
        (*out)->nbias_cand = ncand;
        kept = NULL;
        (*out)->mem = mem;
        (*out)->lexchoice = lex;
        if (p->memory >= 0) {
            (*out)->mem.window = (size_t)p->memory;
            (*out)->mem.flags = p->memory_flags;
        } else if (p->init) {        /* as its bias */
            (*out)->mem.window = p->init->mem.window;
            (*out)->mem.flags = p->init->mem.flags;
        }
    }
    free(kept);
    if (st == CRFTAG_OK && p->init && (st = train_init_bias(p->init, *out, err)) != CRFTAG_OK) {
        crftag_model_free(*out);
        *out = NULL;
    }
    if (st == CRFTAG_OK)         /* both trainings */
        (*out)->meta.train_seconds = util_now() - t0;
    return st;
}

enum crftag_status crftag_train_sz(const struct crftag_corpus *c,
                                   const struct crftag_train_params *params, size_t size,
                                   struct crftag_model **out, struct crftag_error *err)
{
    return train_any(c, NULL, params, size, out, err);
}

enum crftag_status crftag_train_take_sz(struct crftag_corpus *c,
                                        const struct crftag_train_params *params, size_t size,
                                        struct crftag_model **out, struct crftag_error *err)
{
    struct crftag_corpus *own = c;
    enum crftag_status st = train_any(c, &own, params, size, out, err);
    crftag_corpus_free(own);     /* NULL when the training freed it */
    return st;
}
