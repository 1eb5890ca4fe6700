/*
 * eval.c - conlleval-compatible chunk evaluation (pipeline layer).
 *
 * Reproduces the CoNLL `conlleval` script, version 2004-01-26, figure for
 * figure and byte for byte in its report.  Its rules, restated:
 *
 *   label split   /^([^-]*)-(.*)$/ : tag = before the first '-', type = the
 *                 rest (types may contain '-'); no '-': tag = label, type = "".
 *                 A type that Perl finds false ("0") becomes "".
 *   end of chunk  between prev and cur when (prev, cur) tags are one of
 *                 B>B B>O I>B I>O E>E E>I E>O; or prev tag is not O nor '.'
 *                 and the types differ; or prev tag is '[' or ']'.
 *   start         (prev, cur) one of B>B I>B O>B O>I E>E E>I O>E; or cur tag
 *                 is not O nor '.' and the types differ; or cur is '[' / ']'.
 *                 (There are no S- rules: S- only works through the type
 *                 rule, so S-X S-X is one chunk, as in the script.)
 *   counting      a gold (guessed) chunk is counted at its start, under the
 *                 start token's type.  A correct chunk starts in both with
 *                 equal types, stays in step (same end decisions, equal types
 *                 at every token) and ends in both with equal last types; it
 *                 is credited to the gold type of its last token.
 *   boundary      a sentence end is a pseudo-token O/O that is not counted;
 *                 crftag_eval_add() processes one after every sentence.  A
 *                 chunk still "correct so far" at the very end is credited
 *                 (to type "", the boundary's) when the totals are read.
 *   accuracy      tokens whose gold and guessed (tag, type) are equal.
 *   types listed  those that started a chunk in gold or guessed, sorted by
 *                 bytes (Perl `sort`); "" is listed twice when it started
 *                 chunks in both (the script's dedup treats "" as false).
 *
 * Plain tags (crftag_labels_plain's rule over the gold labels of every
 * sentence added; part-of-speech tags, say) have no chunks, and conlleval
 * would report "0 phrases".  So every token is also counted by its whole
 * label: tokens whose two labels are equal bytes, and per label other than
 * "O" its gold tokens, predicted tokens and tokens where both have it.  The
 * mode is decided when results are read, from the gold labels seen so far;
 * for plain tags the totals, the types listed and the report are these
 * per-token counts (token accuracy, per-tag precision / recall / F1), and
 * for anything else they are conlleval's, unchanged.
 *
 * Per-type (and per-tag) counts live in small arrays kept sorted by name
 * (types are few); lookups are binary searches.  Everything is O(n log T) per
 * sentence.
 */
#include "eval.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "labels.h"
#include "util.h"

/* Counts of one chunk type (of one plain tag: tokens instead of chunks). */
struct eval_type {
    char *name;              /* owned, NUL-terminated */
    size_t len;
    uint64_t found_correct;  /* gold chunks started with this type     */
    uint64_t found_guessed;  /* guessed chunks started with this type  */
    uint64_t correct;        /* correct chunks credited to this type   */
};

/* Types kept sorted by name (byte order). */
struct eval_table {
    struct eval_type *v;     /* [n] */
    size_t n, cap;
};

struct crftag_eval {
    struct eval_table types; /* chunk types, "" included */
    struct eval_table tags;  /* whole labels other than "O" (plain tags) */
    uint64_t tokens, correct_tokens;
    uint64_t found_correct, found_guessed, correct;
    /* plain tags: tokens with byte-equal labels; tokens not "O" in gold, in
     * the prediction, and in both with the same label */
    uint64_t equal_tokens, tag_gold, tag_guessed, tag_correct;
    int gold_chunk;          /* some gold label is a chunk label */
    int gold_other;          /* some gold label is not "O" */
    /* conlleval's running state; after each sentence (a boundary) the last
     * tags are "O" with type "" (static strings, never the caller's). */
    int in_correct;
    const char *last_c_tag, *last_c_type, *last_g_tag, *last_g_type;
    size_t last_c_tag_len, last_c_type_len, last_g_tag_len, last_g_type_len;
};

/* One label split into tag and type, by conlleval's rule. */
struct eval_label {
    const char *tag, *type;
    size_t tag_len, type_len;
};

static void eval_split(const char *label, struct eval_label *out)
{
    labels_split(label, &out->tag, &out->tag_len, &out->type, &out->type_len);
    /* `$type = $type ? $type : ""`: Perl's false strings are "" and "0" */
    if (out->type_len == 1 && out->type[0] == '0')
        out->type_len = 0;
}

static int eval_eq(const char *a, size_t alen, const char *b, size_t blen)
{
    return alen == blen && memcmp(a, b, alen) == 0;
}

/* tag equals the one-character tag c */
static int eval_is(const char *tag, size_t len, char c)
{
    return len == 1 && tag[0] == c;
}

/* label is "O", the label that is no tag of its own for plain tags */
static int eval_is_o(const char *label)
{
    return label[0] == 'O' && label[1] == '\0';
}

int eval_end_of_chunk(const char *prev_tag, size_t prev_tag_len, const char *prev_type,
                      size_t prev_type_len, const char *tag, size_t tag_len,
                      const char *type, size_t type_len)
{
    char p = prev_tag_len == 1 ? prev_tag[0] : '\0';
    char t = tag_len == 1 ? tag[0] : '\0';
    if (p == 'B' && (t == 'B' || t == 'O'))
        return 1;
    if (p == 'I' && (t == 'B' || t == 'O'))
        return 1;
    if (p == 'E' && (t == 'E' || t == 'I' || t == 'O'))
        return 1;
    if (!eval_is(prev_tag, prev_tag_len, 'O') && !eval_is(prev_tag, prev_tag_len, '.') &&
        !eval_eq(prev_type, prev_type_len, type, type_len))
        return 1;
    if (p == ']' || p == '[')
        return 1;
    return 0;
}

int eval_start_of_chunk(const char *prev_tag, size_t prev_tag_len, const char *prev_type,
                        size_t prev_type_len, const char *tag, size_t tag_len,
                        const char *type, size_t type_len)
{
    char p = prev_tag_len == 1 ? prev_tag[0] : '\0';
    char t = tag_len == 1 ? tag[0] : '\0';
    if (t == 'B' && (p == 'B' || p == 'I' || p == 'O'))
        return 1;
    if (p == 'O' && (t == 'I' || t == 'E'))
        return 1;
    if (p == 'E' && (t == 'E' || t == 'I'))
        return 1;
    if (!eval_is(tag, tag_len, 'O') && !eval_is(tag, tag_len, '.') &&
        !eval_eq(prev_type, prev_type_len, type, type_len))
        return 1;
    if (t == '[' || t == ']')
        return 1;
    return 0;
}

static int eval_end(const struct eval_label *prev, const struct eval_label *cur)
{
    return eval_end_of_chunk(prev->tag, prev->tag_len, prev->type, prev->type_len, cur->tag,
                             cur->tag_len, cur->type, cur->type_len);
}

static int eval_start(const struct eval_label *prev, const struct eval_label *cur)
{
    return eval_start_of_chunk(prev->tag, prev->tag_len, prev->type, prev->type_len, cur->tag,
                               cur->tag_len, cur->type, cur->type_len);
}

/* The label of the sentence-boundary pseudo-token, and of "before the first
 * token": tag O, type "". */
static const struct eval_label eval_outside = { "O", "", 1, 0 };

/* ------------------------------------------------------------------------ */
/* Chunks of one sequence                                                   */
/* ------------------------------------------------------------------------ */

/* A chunk opens at every start; it closes at an end, at the next start (the
 * two can differ for '.' and E-/B- tags), and at the end of the sequence.
 * So there are at most n chunks, and they do not overlap. */
size_t crftag_chunks(const char *const *labels, size_t n, struct crftag_chunk *out)
{
    if (!labels || !out)
        return 0;
    size_t k = 0;
    int open = 0;
    struct eval_label prev = eval_outside, cur;
    for (size_t i = 0; i < n; i++) {
        eval_split(labels[i], &cur);
        if (open && eval_end(&prev, &cur)) {
            out[k - 1].end = i;
            open = 0;
        }
        if (eval_start(&prev, &cur)) {
            if (open)
                out[k - 1].end = i;
            out[k].begin = i;
            out[k].end = i + 1;
            out[k].type = cur.type;
            out[k].type_len = cur.type_len;
            k++;
            open = 1;
        }
        prev = cur;
    }
    if (open)
        out[k - 1].end = n;
    return k;
}

int crftag_labels_plain(const char *const *labels, size_t n)
{
    return labels ? labels_plain(labels, n) : 0;
}

/* Plain tags: each token not tagged "O" is a chunk of its own. */
size_t crftag_chunks_plain(const char *const *labels, size_t n, struct crftag_chunk *out)
{
    if (!labels || !out)
        return 0;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (!labels[i] || eval_is_o(labels[i]))
            continue;
        out[k].begin = i;
        out[k].end = i + 1;
        out[k].type = labels[i];
        out[k].type_len = strlen(labels[i]);
        k++;
    }
    return k;
}

/* ------------------------------------------------------------------------ */
/* Per-type table                                                           */
/* ------------------------------------------------------------------------ */

/* Byte-order comparison of (a, alen) with (b, blen), like Perl's cmp. */
static int eval_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
    int c = memcmp(a, b, alen < blen ? alen : blen);
    if (c)
        return c;
    return alen < blen ? -1 : alen > blen;
}

/* Index of the first type not less than (name, len); *found tells equality. */
static size_t eval_lower_bound(const struct eval_table *tb, const char *name, size_t len,
                               int *found)
{
    size_t lo = 0, hi = tb->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (eval_cmp(tb->v[mid].name, tb->v[mid].len, name, len) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    *found = lo < tb->n && eval_cmp(tb->v[lo].name, tb->v[lo].len, name, len) == 0;
    return lo;
}

/* Adds type (name, len) if absent, keeping the order.  0, or -1 on OOM. */
static int eval_intern(struct eval_table *tb, const char *name, size_t len)
{
    int found;
    size_t at = eval_lower_bound(tb, name, len, &found);
    if (found)
        return 0;
    if (UTIL_GROW(tb->v, tb->cap, tb->n + 1))
        return -1;
    char *copy = util_strndup(name, len);
    if (!copy)
        return -1;
    memmove(tb->v + at + 1, tb->v + at, (tb->n - at) * sizeof *tb->v);
    memset(&tb->v[at], 0, sizeof tb->v[at]);
    tb->v[at].name = copy;
    tb->v[at].len = len;
    tb->n++;
    return 0;
}

/* The entry of an interned type (it must be present). */
static struct eval_type *eval_get(struct eval_table *tb, const char *name, size_t len)
{
    int found;
    size_t at = eval_lower_bound(tb, name, len, &found);
    return found ? &tb->v[at] : NULL;
}

static void eval_table_free(struct eval_table *tb)
{
    for (size_t i = 0; i < tb->n; i++)
        free(tb->v[i].name);
    free(tb->v);
}

/* The gold labels seen are plain tags: crftag_labels_plain's rule. */
static int eval_plain(const struct crftag_eval *e)
{
    return !e->gold_chunk && e->gold_other;
}

/* ------------------------------------------------------------------------ */
/* Accumulation                                                             */
/* ------------------------------------------------------------------------ */

enum crftag_status crftag_eval_new(struct crftag_eval **out)
{
    if (!out)
        return CRFTAG_ERR_INVALID;
    *out = NULL;
    struct crftag_eval *e = calloc(1, sizeof *e);
    if (!e)
        return CRFTAG_ERR_NOMEM;
    /* "" is the boundary's type: the end-of-input credit may go to it */
    if (eval_intern(&e->types, "", 0)) {
        crftag_eval_free(e);
        return CRFTAG_ERR_NOMEM;
    }
    e->last_c_tag = e->last_g_tag = eval_outside.tag;
    e->last_c_tag_len = e->last_g_tag_len = eval_outside.tag_len;
    e->last_c_type = e->last_g_type = eval_outside.type;
    e->last_c_type_len = e->last_g_type_len = eval_outside.type_len;
    *out = e;
    return CRFTAG_OK;
}

void crftag_eval_free(struct crftag_eval *e)
{
    if (!e)
        return;
    eval_table_free(&e->types);
    eval_table_free(&e->tags);
    free(e);
}

/* One step of conlleval's main loop: token (c, g) after the state's last
 * labels.  counted = 0 for the boundary pseudo-token.  All types met here
 * were interned beforehand, so this cannot fail. */
static void eval_step(struct crftag_eval *e, const struct eval_label *c,
                      const struct eval_label *g, int counted)
{
    struct eval_label lc = { e->last_c_tag, e->last_c_type, e->last_c_tag_len,
                             e->last_c_type_len };
    struct eval_label lg = { e->last_g_tag, e->last_g_type, e->last_g_tag_len,
                             e->last_g_type_len };
    int same_type = eval_eq(g->type, g->type_len, c->type, c->type_len);
    if (e->in_correct) {
        int ec = eval_end(&lc, c), eg = eval_end(&lg, g);
        if (ec && eg && eval_eq(lg.type, lg.type_len, lc.type, lc.type_len)) {
            e->in_correct = 0;
            e->correct++;
            eval_get(&e->types, lc.type, lc.type_len)->correct++;
        } else if (ec != eg || !same_type) {
            e->in_correct = 0;
        }
    }
    int sc = eval_start(&lc, c), sg = eval_start(&lg, g);
    if (sc && sg && same_type)
        e->in_correct = 1;
    if (sc) {
        e->found_correct++;
        eval_get(&e->types, c->type, c->type_len)->found_correct++;
    }
    if (sg) {
        e->found_guessed++;
        eval_get(&e->types, g->type, g->type_len)->found_guessed++;
    }
    if (counted) {
        e->tokens++;
        if (same_type && eval_eq(c->tag, c->tag_len, g->tag, g->tag_len))
            e->correct_tokens++;
    }
    e->last_c_tag = c->tag;
    e->last_c_tag_len = c->tag_len;
    e->last_c_type = c->type;
    e->last_c_type_len = c->type_len;
    e->last_g_tag = g->tag;
    e->last_g_tag_len = g->tag_len;
    e->last_g_type = g->type;
    e->last_g_type_len = g->type_len;
}

/* Counts token (gold, pred) by its whole labels, for plain tags.  Both
 * labels other than "O" were interned beforehand. */
static void eval_tag_step(struct crftag_eval *e, const char *gold, const char *pred)
{
    int equal = strcmp(gold, pred) == 0;
    e->equal_tokens += (uint64_t)equal;
    e->gold_chunk |= labels_is_chunk(gold);
    if (!eval_is_o(gold)) {
        struct eval_type *t = eval_get(&e->tags, gold, strlen(gold));
        e->gold_other = 1;
        e->tag_gold++;
        t->found_correct++;
        if (equal) {
            e->tag_correct++;
            t->correct++;
        }
    }
    if (!eval_is_o(pred)) {
        e->tag_guessed++;
        eval_get(&e->tags, pred, strlen(pred))->found_guessed++;
    }
}

enum crftag_status crftag_eval_add(struct crftag_eval *e, const char *const *gold,
                                   const char *const *pred, size_t n)
{
    if (!e || (n > 0 && (!gold || !pred)))
        return CRFTAG_ERR_INVALID;
    /* pass 1: check the labels and intern every type and tag, so that pass 2
     * needs no allocation and a failure leaves the counts untouched */
    for (size_t i = 0; i < n; i++) {
        if (!gold[i] || !pred[i])
            return CRFTAG_ERR_INVALID;
    }
    for (size_t i = 0; i < n; i++) {
        struct eval_label c, g;
        eval_split(gold[i], &c);
        eval_split(pred[i], &g);
        if (eval_intern(&e->types, c.type, c.type_len) ||
            eval_intern(&e->types, g.type, g.type_len) ||
            (!eval_is_o(gold[i]) && eval_intern(&e->tags, gold[i], strlen(gold[i]))) ||
            (!eval_is_o(pred[i]) && eval_intern(&e->tags, pred[i], strlen(pred[i]))))
            return CRFTAG_ERR_NOMEM;
    }
    /* pass 2: conlleval's loop over the tokens, then the sentence boundary */
    for (size_t i = 0; i < n; i++) {
        struct eval_label c, g;
        eval_split(gold[i], &c);
        eval_split(pred[i], &g);
        eval_step(e, &c, &g, 1);
        eval_tag_step(e, gold[i], pred[i]);
    }
    eval_step(e, &eval_outside, &eval_outside, 0);
    return CRFTAG_OK;
}

/* ------------------------------------------------------------------------ */
/* Results                                                                  */
/* ------------------------------------------------------------------------ */

/* A chunk still correct at the end of input counts (the script's final
 * `if ($inCorrect)`), credited to the last gold type: "" after a boundary. */
static uint64_t eval_pending(const struct crftag_eval *e, const struct eval_type *t)
{
    if (!e->in_correct)
        return 0;
    if (!t)
        return 1;
    return eval_eq(t->name, t->len, e->last_c_type, e->last_c_type_len) ? 1 : 0;
}

/* The overall counts into a whole struct of this library's size. */
static void eval_total_fill(const struct crftag_eval *e, struct crftag_eval_counts *out)
{
    memset(out, 0, sizeof *out);
    if (!e)
        return;
    out->tokens = e->tokens;
    if (eval_plain(e)) {
        out->correct_tokens = e->equal_tokens;
        out->gold_chunks = e->tag_gold;
        out->pred_chunks = e->tag_guessed;
        out->correct_chunks = e->tag_correct;
        out->plain_tags = 1;
    } else {
        out->correct_tokens = e->correct_tokens;
        out->gold_chunks = e->found_correct;
        out->pred_chunks = e->found_guessed;
        out->correct_chunks = e->correct + eval_pending(e, NULL);
    }
    /* as the report computes it, so the two agree to the last bit */
    if (out->tokens > 0)
        out->accuracy = (double)(100 * out->correct_tokens) / (double)out->tokens;
}

void crftag_eval_total_sz(const struct crftag_eval *e, struct crftag_eval_counts *out,
                          size_t size)
{
    struct crftag_eval_counts c;
    if (!out)
        return;
    eval_total_fill(e, &c);
    util_struct_out(out, size, &c, sizeof c);
}

/* precision, recall and FB1 in percent, with the script's zero rules:
 *   p = 100*correct/found_guessed (0 if none found), r likewise,
 *   F = 2*p*r/(p+r) (0 if p+r == 0), evaluated in this order. */
static void eval_prf(uint64_t correct, uint64_t found_guessed, uint64_t found_correct,
                     double *p, double *r, double *f)
{
    *p = found_guessed > 0 ? (double)(100 * correct) / (double)found_guessed : 0.0;
    *r = found_correct > 0 ? (double)(100 * correct) / (double)found_correct : 0.0;
    *f = *p + *r > 0 ? 2 * *p * *r / (*p + *r) : 0.0;
}

double crftag_eval_f1(const struct crftag_eval *e)
{
    struct crftag_eval_counts c;
    double p, r, f;
    if (!e)
        return 0.0;
    crftag_eval_total(e, &c);
    eval_prf(c.correct_chunks, c.pred_chunks, c.gold_chunks, &p, &r, &f);
    return f;
}

/* A type is listed when it started a chunk in gold or guessed (a tag: when
 * a gold or a predicted token has it). */
static int eval_listed(const struct eval_type *t)
{
    return t->found_correct > 0 || t->found_guessed > 0;
}

/* The table the results list: plain tags or chunk types. */
static const struct eval_table *eval_listing(const struct crftag_eval *e)
{
    return eval_plain(e) ? &e->tags : &e->types;
}

size_t crftag_eval_num_types(const struct crftag_eval *e)
{
    size_t k = 0;
    if (!e)
        return 0;
    const struct eval_table *tb = eval_listing(e);
    for (size_t i = 0; i < tb->n; i++)
        if (eval_listed(&tb->v[i]))
            k++;
    return k;
}

/* Type i and its counts into a whole struct of this library's size. */
static const char *eval_type_fill(const struct crftag_eval *e, size_t i,
                                  struct crftag_eval_counts *out)
{
    if (out)
        memset(out, 0, sizeof *out);
    if (!e)
        return NULL;
    int plain = eval_plain(e);
    const struct eval_table *tb = eval_listing(e);
    for (size_t j = 0; j < tb->n; j++) {
        const struct eval_type *t = &tb->v[j];
        if (!eval_listed(t))
            continue;
        if (i-- > 0)
            continue;
        if (out) {
            out->gold_chunks = t->found_correct;
            out->pred_chunks = t->found_guessed;
            out->correct_chunks = t->correct + (plain ? 0 : eval_pending(e, t));
            out->plain_tags = plain;
        }
        return t->name;
    }
    return NULL;
}

const char *crftag_eval_type_sz(const struct crftag_eval *e, size_t i,
                                struct crftag_eval_counts *out, size_t size)
{
    struct crftag_eval_counts c;
    const char *name = eval_type_fill(e, i, &c);
    if (out)
        util_struct_out(out, size, &c, sizeof c);
    return name;
}

/* A growable string; on OOM it records the failure and stops growing. */
struct eval_buf {
    char *s;
    size_t len, cap;
    int failed;
};

#if defined(__GNUC__) || defined(__clang__)
__attribute__((format(printf, 2, 3)))
#endif
static void eval_printf(struct eval_buf *b, const char *fmt, ...)
{
    if (b->failed)
        return;
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(b->s + b->len, b->cap - b->len, fmt, ap);
    va_end(ap);
    if (k < 0) {
        b->failed = 1;
        return;
    }
    if ((size_t)k >= b->cap - b->len) {
        if (UTIL_GROW(b->s, b->cap, b->len + (size_t)k + 1)) {
            b->failed = 1;
            return;
        }
        va_start(ap, fmt);
        vsnprintf(b->s + b->len, b->cap - b->len, fmt, ap);
        va_end(ap);
    }
    b->len += (size_t)k;
}

/* conlleval's report, byte for byte. */
static void eval_report_chunks(const struct crftag_eval *e, const struct crftag_eval_counts *c,
                               struct eval_buf *b)
{
    double p, r, f;
    eval_printf(b, "processed %" PRIu64 " tokens with %" PRIu64 " phrases; ", c->tokens,
                c->gold_chunks);
    eval_printf(b, "found: %" PRIu64 " phrases; correct: %" PRIu64 ".\n", c->pred_chunks,
                c->correct_chunks);
    if (c->tokens > 0) {
        eval_prf(c->correct_chunks, c->pred_chunks, c->gold_chunks, &p, &r, &f);
        eval_printf(b, "accuracy: %6.2f%%; ", c->accuracy);
        eval_printf(b, "precision: %6.2f%%; recall: %6.2f%%; FB1: %6.2f\n", p, r, f);
    }
    for (size_t i = 0; i < e->types.n; i++) {
        const struct eval_type *t = &e->types.v[i];
        if (!eval_listed(t))
            continue;
        uint64_t correct = t->correct + eval_pending(e, t);
        eval_prf(correct, t->found_guessed, t->found_correct, &p, &r, &f);
        /* the script's dedup `not($lastType) or $lastType ne $i` lets a
         * second "" through when both gold and guessed started "" chunks */
        int times = (t->len == 0 && t->found_correct > 0 && t->found_guessed > 0) ? 2 : 1;
        for (int k = 0; k < times; k++)
            eval_printf(b, "%17s: precision: %6.2f%%; recall: %6.2f%%; FB1: %6.2f  %" PRIu64
                           "\n", t->name, p, r, f, t->found_guessed);
    }
}

/* The report for plain tags, in conlleval's layout but token by token:
 *   processed N tokens (plain tags, not BIO: scored token by token); correct: K.
 *   token accuracy: AAA.AA%
 * then one line per tag other than "O", sorted by bytes: precision, recall
 * and FB1 as conlleval's type lines, then its gold, predicted ("found") and
 * correct token counts. */
static void eval_report_plain(const struct crftag_eval *e, const struct crftag_eval_counts *c,
                              struct eval_buf *b)
{
    eval_printf(b, "processed %" PRIu64 " tokens (plain tags, not BIO: scored token by token); "
                   "correct: %" PRIu64 ".\n", c->tokens, c->correct_tokens);
    eval_printf(b, "token accuracy: %6.2f%%\n", c->accuracy);
    for (size_t i = 0; i < e->tags.n; i++) {
        const struct eval_type *t = &e->tags.v[i];
        double p, r, f;
        if (!eval_listed(t))
            continue;
        eval_prf(t->correct, t->found_guessed, t->found_correct, &p, &r, &f);
        eval_printf(b, "%17s: precision: %6.2f%%; recall: %6.2f%%; FB1: %6.2f  gold: %" PRIu64
                       "; found: %" PRIu64 "; correct: %" PRIu64 "\n", t->name, p, r, f,
                    t->found_correct, t->found_guessed, t->correct);
    }
}

enum crftag_status crftag_eval_report(const struct crftag_eval *e, char **out)
{
    if (!out)
        return CRFTAG_ERR_INVALID;
    *out = NULL;
    if (!e)
        return CRFTAG_ERR_INVALID;
    struct eval_buf b = { NULL, 0, 0, 0 };
    if (UTIL_GROW(b.s, b.cap, 256))
        return CRFTAG_ERR_NOMEM;
    b.s[0] = '\0';

    struct crftag_eval_counts c;
    crftag_eval_total(e, &c);
    if (c.plain_tags)
        eval_report_plain(e, &c, &b);
    else
        eval_report_chunks(e, &c, &b);
    if (b.failed) {
        free(b.s);
        return CRFTAG_ERR_NOMEM;
    }
    *out = b.s;
    return CRFTAG_OK;
}
