/*
 * crftag.h - the public API of crftag, a linear-chain CRF sequence tagger.
 *
 * Overview
 * --------
 *   struct crftag_corpus   annotated sentences read from WikiSER (<s> ... </s>,
 *                          token<TAB>TAG) or CoNLL column files, plain or .gz.
 *   struct crftag_model    a trained model: labels, feature configuration,
 *                          weights.  Immutable once built or loaded, so one
 *                          model may be shared by any number of threads.
 *   struct crftag_tagger   the scratch buffers of one decoding thread; it
 *                          borrows its model, which must outlive it.
 *   struct crftag_eval     conlleval-compatible scoring of gold vs predicted
 *                          label sequences (token accuracy and per-tag
 *                          scores when the labels are plain tags, such as
 *                          part-of-speech tags: crftag_labels_plain).
 *
 * A minimal tagger:
 *
 *     struct crftag_model *m;
 *     struct crftag_tagger *t;
 *     struct crftag_error err;
 *     if (crftag_model_load("model.crftag", &m, &err) != CRFTAG_OK) { ...err.msg... }
 *     crftag_tagger_new(m, &t);
 *     const char *toks[] = { "QEMU", "uses", "SPICE", "." };
 *     uint32_t ids[4];
 *     crftag_tagger_tag(t, toks, 4, 1, ids, NULL, &err);
 *     for (int i = 0; i < 4; i++) puts(crftag_model_label(m, ids[i]));
 *     crftag_tagger_free(t);
 *     crftag_model_free(m);
 *
 * Conventions
 * -----------
 * - Every fallible call returns an enum crftag_status: CRFTAG_OK (0) or a
 *   negative error.  Outputs come last, through out_ pointers, and are set to
 *   NULL / 0 on failure.
 * - Every call that can fail for a reason worth explaining takes an optional
 *   struct crftag_error *err (NULL allowed) that receives the file, line and a
 *   one-line message.
 * - Every _new / _load has a matching _free; _free(NULL) does nothing.
 * - Strings returned by a model (label names, configuration) are borrowed and
 *   stay valid as long as the model lives.
 * - The library never prints, never exits, and keeps no global mutable state.
 * - Arrays the library allocates for the caller (tokens, spans, reports) are
 *   the caller's, freed with the matching _free call (or free() where said).
 *   Input pointers are only read during the call and never kept, except that
 *   a tagger keeps its model (borrowed) until crftag_tagger_free.
 * - NULL handles and NULL required pointers give CRFTAG_ERR_INVALID (or 0 /
 *   NULL from getters), never a crash.
 *
 * Binary compatibility
 * --------------------
 * Public structs only ever grow, at the end (a new field starts at or past
 * the previous sizeof, never in its tail padding).  The structs a caller
 * allocates and the library fills or reads (crftag_train_params,
 * crftag_model_info, crftag_eval_counts, crftag_cluster_params) travel with
 * their size: each such call is a function taking the caller's sizeof
 * (crftag_train_sz, crftag_model_get_info_sz, ...), and the usual name is a
 * macro of this header passing sizeof(struct ...) as the caller's program
 * was compiled with it.  So a program built against an older, shorter struct may run with
 * a newer library:
 * - the library writes only the first min(size, its own size) bytes of an
 *   output struct and zeroes the rest of the caller's size (fields this
 *   library does not know read as 0); it never writes past size;
 * - it reads only the first min(size, its own size) bytes of a params
 *   struct: the fields past the caller's size take their defaults (those of
 *   the _params_init call), and fields it does not know are ignored.
 * Call the macros (crftag_train(c, &p, &m, &err)); the _sz functions are
 * what the library exports, for bindings that mirror the structs by hand.
 * The structs the library allocates and only the caller reads
 * (crftag_progress, crftag_cluster_progress) may grow too.  Structs used in
 * arrays (crftag_token, crftag_span, crftag_chunk, crftag_bias_candidate,
 * crftag_contribution) and crftag_error keep their layout: changing it is an ABI break (a new
 * soname, libcrftag.so.N).
 *
 * Thread safety
 * -------------
 * - A loaded or trained model is immutable: every call taking a const model
 *   (crftag_model_num_labels, _label, _label_count, _get_info, _save,
 *   _bias_candidates, crftag_tagger_new, and crftag_model_attribute,
 *   _attribute_weight, _transition, _explain) may run concurrently from any
 *   number of threads.
 * - A tagger, reader, corpus or eval object belongs to one thread at a time
 *   (no internal locking); use one tagger per thread on a shared model.
 * - crftag_version, crftag_strerror, crftag_tokenize, crftag_chunks,
 *   crftag_chunks_plain, crftag_labels_plain, the load calls and
 *   crftag_train (on its own corpus and params) are reentrant.
 *
 * Embedding: link with `pkg-config --cflags --libs crftag`; raw text goes
 * through crftag_tagger_tag_text (spans with byte offsets), token arrays
 * through crftag_tagger_tag_tokens (label ids, score, marginals).
 */
#ifndef CRFTAG_H
#define CRFTAG_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__) || defined(__clang__)
#define CRFTAG_API __attribute__((visibility("default")))
#else
#define CRFTAG_API
#endif

#define CRFTAG_VERSION_MAJOR 0
#define CRFTAG_VERSION_MINOR 2
#define CRFTAG_VERSION_PATCH 0
#define CRFTAG_VERSION_STRING "0.2.0"

/* Version of the model file format written by this library.  Versions 2
 * (without word clusters, label bias and user lexicon), 3 (without user
 * lexicon), 4 (without attribute-string features and attribute names), 5
 * (attributes stored unsorted at full width) and 6 (feature hash version 1
 * only) are read too, and tag exactly as when they were written; files of
 * any other version are refused with CRFTAG_ERR_MODEL_VERSION.  Version 7
 * stores the feature hash version (crftag_model_info.hash_version): new
 * models use hash version 2, a model loaded from an older file keeps
 * version 1, also when saved again. */
#define CRFTAG_MODEL_FORMAT_VERSION 8

/* The library version at run time, e.g. "0.2.0". */
CRFTAG_API const char *crftag_version(void);

/* ------------------------------------------------------------------------ */
/* Errors                                                                   */
/* ------------------------------------------------------------------------ */

enum crftag_status {
    CRFTAG_OK = 0,
    CRFTAG_ERR_NOMEM = -1,          /* an allocation failed                 */
    CRFTAG_ERR_IO = -2,             /* open, read, write or rename failed   */
    CRFTAG_ERR_PARSE = -3,          /* malformed corpus or template         */
    CRFTAG_ERR_MODEL_FORMAT = -4,   /* not a model file, or inconsistent    */
    CRFTAG_ERR_MODEL_VERSION = -5,  /* model format version not supported   */
    CRFTAG_ERR_MODEL_CHECKSUM = -6, /* model file corrupt (CRC mismatch)    */
    CRFTAG_ERR_INVALID = -7,        /* invalid argument or parameter        */
    CRFTAG_ERR_CANCELED = -8,       /* the progress callback asked to stop  */
    CRFTAG_ERR_OPTIMIZER = -9       /* L-BFGS failed (see the message)      */
};

/* Detail of an error: where it happened and what it was.  file is empty and
 * line is 0 when they do not apply. */
struct crftag_error {
    enum crftag_status code;
    char file[256];
    long line;
    char msg[256];
};

/* A static, human-readable name of a status ("out of memory", ...).  Never
 * NULL, also for unknown values. */
CRFTAG_API const char *crftag_strerror(enum crftag_status status);

/* ------------------------------------------------------------------------ */
/* Corpora                                                                  */
/* ------------------------------------------------------------------------ */

struct crftag_corpus;

/* Creates an empty corpus.  Free it with crftag_corpus_free(). */
CRFTAG_API enum crftag_status crftag_corpus_new(struct crftag_corpus **out);

/* Reads an annotated file and appends its sentences to the corpus.  The
 * format is detected: a first non-empty line "<s>" means WikiSER blocks
 * (token<TAB>TAG lines, the token may contain spaces), anything else CoNLL
 * columns (blank line between sentences, the label in the last column; a
 * line holding a TAB is split on TABs, any other on runs of spaces; -DOCSTART-
 * lines skipped).  Files ending in .gz, or starting with the gzip magic, are
 * decompressed.  path "-" reads stdin.  All files of one corpus must have the
 * same number of columns.  On a malformed line, err names the file and line;
 * the corpus keeps the sentences of earlier files. */
CRFTAG_API enum crftag_status crftag_corpus_read(struct crftag_corpus *c, const char *path,
                                                 struct crftag_error *err);

/* As crftag_corpus_read, but appends only the sentences first .. first +
 * count - 1 of the file (0-based, in file order) and stops reading after
 * them; *out_seen (may be NULL) receives the number of sentences read, kept
 * or not (all of the file's when it ends before the range does).  Every
 * sentence read is checked.  For data-parallel training, where each process
 * keeps its share of one input; count 0 with first SIZE_MAX counts the
 * sentences of the file. */
CRFTAG_API enum crftag_status crftag_corpus_read_part(struct crftag_corpus *c, const char *path,
                                                      size_t first, size_t count,
                                                      size_t *out_seen,
                                                      struct crftag_error *err);

/* Number of sentences and tokens read so far (either pointer may be NULL). */
CRFTAG_API void crftag_corpus_size(const struct crftag_corpus *c, size_t *out_sentences,
                                   size_t *out_tokens);

CRFTAG_API void crftag_corpus_free(struct crftag_corpus *c);

/* Input formats (crftag_corpus_read_format, crftag_reader_open_format). */
enum crftag_input_format {
    CRFTAG_INPUT_AUTO = 0,     /* detected: WikiSER, CoNLL columns or CRFsuite   */
    CRFTAG_INPUT_COLUMNS = 1,  /* WikiSER or CoNLL columns (never CRFsuite)      */
    CRFTAG_INPUT_CRFSUITE = 2  /* CRFsuite's data format (below)                 */
};

/* CRFsuite's data format: one token a line, "LABEL<TAB>ATTR<TAB>ATTR...", a
 * blank line after each sentence.  An ATTR is "name" or "name:weight" (a
 * decimal number; weight 1 when absent or empty); in names "\:" stands for
 * a colon and "\\" for a backslash.  A field starting with '#' comments out
 * the rest of the line (a line starting with one is skipped); empty fields
 * are skipped.  The LABEL may be empty in files only tagged.  The features
 * are the attributes themselves (crftag_model_info.features "attributes"):
 * the score of label y at a token is the sum over its attributes of
 * weight * w(name, y), so a weight scales its attribute's feature.  A token
 * read from such a file has 2 columns: its attributes in a canonical form
 * (TAB-separated, names escaped "\\", "\:", "\t", "\n", ":weight" when
 * not 1), then the label.  crftag_corpus_read detects the format when the
 * first lines hold TABs and a field after the first has a weight or an
 * escape, or the last field holds '=' on every line, or the first fields
 * take far fewer values than the last (labels come first); a file read as
 * CoNLL columns whose column count varies is refused with a message naming
 * the format (a varying count alone does not make a CRFsuite file).  A corpus holds one kind of input: mixing CRFsuite files
 * and column files fails with CRFTAG_ERR_PARSE. */

/* 1 when the corpus holds attribute strings (CRFsuite's format,
 * crftag_corpus_add_attrs), else 0 (also for NULL or an empty corpus). */
CRFTAG_API int crftag_corpus_attrs(const struct crftag_corpus *c);

/* crftag_corpus_read with the format given (enum crftag_input_format). */
CRFTAG_API enum crftag_status crftag_corpus_read_format(struct crftag_corpus *c,
                                                        const char *path, int format,
                                                        struct crftag_error *err);

/* crftag_corpus_read_part with the format given (enum crftag_input_format):
 * a block of the sentences of a file read as that format. */
CRFTAG_API enum crftag_status crftag_corpus_read_part_format(struct crftag_corpus *c,
                                                             const char *path, int format,
                                                             size_t first, size_t count,
                                                             size_t *out_seen,
                                                             struct crftag_error *err);

/* Appends one sentence of n tokens of ncols columns each, the label last
 * (cols[i * ncols + j], NUL-terminated; copied), as if read from a CoNLL
 * file: for training with the built-in features (ncols 2: token, label) or a
 * template.  Every sentence of a corpus has the same ncols.  n = 0 adds
 * nothing.  Returns CRFTAG_OK, CRFTAG_ERR_INVALID (NULL c or cols with
 * n > 0, ncols 0, a NULL cell, a corpus of attribute strings),
 * CRFTAG_ERR_PARSE (ncols differs from the corpus's) or CRFTAG_ERR_NOMEM;
 * on failure the corpus is unchanged. */
CRFTAG_API enum crftag_status crftag_corpus_add_sentence(struct crftag_corpus *c,
                                                         const char *const *cols, size_t n,
                                                         size_t ncols,
                                                         struct crftag_error *err);

/* Appends one sentence of n tokens given as attribute strings, as if read
 * from a CRFsuite file: token i has natt[i] attributes, taken in order from
 * names (NUL-terminated, any bytes, not empty) and weights (weights may be
 * NULL: every weight 1; weights must be finite), and the label labels[i]
 * (not empty).  All strings are copied.  A corpus holds either attribute
 * strings or columns.  n = 0 adds nothing.  Returns CRFTAG_OK,
 * CRFTAG_ERR_INVALID (a NULL argument with n > 0, an empty name or label, a
 * weight not finite, a corpus of columns) or CRFTAG_ERR_NOMEM; on failure
 * the corpus is unchanged. */
CRFTAG_API enum crftag_status crftag_corpus_add_attrs(struct crftag_corpus *c, size_t n,
                                                      const size_t *natt,
                                                      const char *const *names,
                                                      const double *weights,
                                                      const char *const *labels,
                                                      struct crftag_error *err);

/* Streaming reader: one sentence at a time, in bounded memory, from the same
 * formats as crftag_corpus_read (for tagging and scoring files of any size). */
struct crftag_reader;

CRFTAG_API enum crftag_status crftag_reader_open(const char *path, struct crftag_reader **out,
                                                 struct crftag_error *err);

/* Reads the next sentence: *out_cols holds *out_n rows of *out_ncols
 * NUL-terminated columns (row i, column j at [i * ncols + j]), valid until the
 * next call.  Returns 1, 0 at the end, or a negative enum crftag_status with
 * err naming the file and line. */
CRFTAG_API int crftag_reader_next(struct crftag_reader *r, const char *const **out_cols,
                                  size_t *out_n, size_t *out_ncols, struct crftag_error *err);

/* Line number of the first token of the sentence last returned. */
CRFTAG_API long crftag_reader_line(const struct crftag_reader *r);

/* 1 when a -DOCSTART- line (CoNLL columns) came between the sentence last
 * returned and the one before it, or the start of the input: a new
 * document starts there (crftag_memory_clear); 0 otherwise. */
CRFTAG_API int crftag_reader_doc_start(const struct crftag_reader *r);

/* 1 when the next crftag_reader_next starts without waiting for input to
 * arrive (lines are buffered, the input has ended or failed, or it is a
 * regular file), 0 when it may wait (a pipe or terminal with nothing to read
 * yet).  A program tagging from several threads hands on the sentences it
 * holds before a read that may wait, so that a program on the other end of
 * the pipe gets its answers.  NULL gives 1. */
CRFTAG_API int crftag_reader_ready(const struct crftag_reader *r);

CRFTAG_API void crftag_reader_close(struct crftag_reader *r);

/* crftag_reader_open with the format given (enum crftag_input_format); a
 * CRFsuite file gives 2 columns a token, as crftag_corpus_read_format. */
CRFTAG_API enum crftag_status crftag_reader_open_format(const char *path, int format,
                                                        struct crftag_reader **out,
                                                        struct crftag_error *err);

/* ------------------------------------------------------------------------ */
/* Models                                                                   */
/* ------------------------------------------------------------------------ */

struct crftag_model;

/* Loads a model file written by crftag_model_save() (or _save_mem).  The file's magic,
 * format version, sizes and CRC are checked; a corrupt or foreign file is
 * refused with CRFTAG_ERR_MODEL_* and a message naming the file.
 *
 * A model file written by CRFsuite 0.12 (crfsuite learn, python-crfsuite,
 * sklearn-crfsuite: a first-order linear-chain CRF, starting "lCRF") is read
 * too, every offset and string checked, as a model of attribute strings
 * (crftag_model_info.features "attributes", file_format "crfsuite") that
 * tags CRFsuite's data format as CRFsuite does: its state features become
 * (attribute, label) weights, its transitions the transition weights, and
 * decoding is not BIO-constrained.  Weights become floats, so only
 * labellings whose scores CRFsuite finds within about 1e-7 relative of each
 * other can come out differently.  crftag_model_save() writes it in crftag's
 * format (smaller, faster to load). */
CRFTAG_API enum crftag_status crftag_model_load(const char *path, struct crftag_model **out,
                                                struct crftag_error *err);

/* The same from a buffer holding a model file; the buffer is not kept. */
CRFTAG_API enum crftag_status crftag_model_load_mem(const void *buf, size_t len,
                                                    struct crftag_model **out,
                                                    struct crftag_error *err);

/* Writes the model atomically: to a temporary file beside path, flushed to
 * disk, then renamed over path.  On any failure the previous file at path is
 * left as it was. */
CRFTAG_API enum crftag_status crftag_model_save(const struct crftag_model *m, const char *path,
                                                struct crftag_error *err);

CRFTAG_API void crftag_model_free(struct crftag_model *m);

/* Serializes the model into a new buffer, the bytes crftag_model_save
 * writes (crftag_model_load_mem reads them back): *out_buf (free it with
 * free()) holds *out_len bytes.  Returns CRFTAG_OK, CRFTAG_ERR_INVALID
 * (NULL argument) or CRFTAG_ERR_NOMEM; on failure *out_buf is NULL. */
CRFTAG_API enum crftag_status crftag_model_save_mem(const struct crftag_model *m,
                                                    void **out_buf, size_t *out_len,
                                                    struct crftag_error *err);

/* Number of labels, and the name of label id (NULL when out of range). */
CRFTAG_API size_t crftag_model_num_labels(const struct crftag_model *m);
CRFTAG_API const char *crftag_model_label(const struct crftag_model *m, uint32_t id);

/* What a model holds, for `crftag info` and for callers that check a model
 * before use.  Strings are borrowed from the model. */
struct crftag_model_info {
    uint32_t format_version;   /* of the file the model was loaded from (a    */
                               /* model trained here: the version written)    */
    size_t num_labels;
    size_t num_columns;        /* input columns the features read (1 = token) */
    const char *features;      /* "builtin", "template" or "attributes"       */
                               /* (attribute strings: CRFsuite's format,      */
                               /* crftag_corpus_add_attrs)                    */
    uint32_t builtin_version;  /* version of the built-in feature set (0 for  */
                               /* a template); older versions are still read  */
                               /* and tag as when the model was trained       */
    const char *template_text; /* the template, or "" for built-in features   */
    uint64_t hash_seed;
    size_t num_attributes;     /* distinct observation attributes             */
    size_t num_features;       /* stored (attribute, label) weights           */
    size_t num_nonzero;        /* non-zero weights, transitions included      */
    int bio_constrained;       /* 1: labels are IOB2, decoding is constrained */
    /* training */
    double c1, c2;
    uint32_t iterations;
    uint32_t min_freq;
    double train_seconds;
    double final_objective;
    size_t train_sentences;
    size_t train_tokens;
    const char *stop_reason;   /* why L-BFGS stopped, in words                */
    /* word clusters of the built-in features (0, 0 without) */
    size_t num_cluster_words;
    size_t num_clusters;
    /* user lexicon of the built-in features (crftag_train_params.         */
    /* lexicon_files; 0, 0 without): entries and their distinct types      */
    size_t num_user_lexicon_entries;
    size_t num_user_lexicon_types;
    /* appended after 0.1.0 (fields are only ever added at the end) */
    int plain_tags;            /* 1: the labels are plain tags, not BIO     */
                               /* (crftag_labels_plain): spans and entities */
                               /* are single tokens (crftag_chunks_plain)   */
    /* appended after 0.2.0 */
    size_t num_lexicon_entries; /* the lexicon learned from the training    */
    size_t num_lexicon_types;   /* labels (crftag_train_params.lexicon;     */
                                /* 0, 0 without): entries, entity types     */
    const char *file_format;    /* "crftag", or "crfsuite" for a CRFsuite   */
                                /* model file read as a model of attribute  */
                                /* strings (format_version is then its own  */
                                /* version, 100; no training figures)       */
    /* appended after model format 6 */
    uint32_t hash_version;      /* how attributes are hashed: 1 (models of  */
                                /* format 6 and older, byte by byte), 2     */
                                /* (format 7 on: strings hashed as pieces)  */
};

/* Fills *out (size = the caller's sizeof *out, see "Binary compatibility"
 * above); with a NULL m, *out is all zeros. */
CRFTAG_API void crftag_model_get_info_sz(const struct crftag_model *m,
                                         struct crftag_model_info *out, size_t size);
#define crftag_model_get_info(m, out) \
    crftag_model_get_info_sz((m), (out), sizeof(struct crftag_model_info))

/* Type i (0 .. num_user_lexicon_types - 1) of the model's user lexicon, in
 * order of first appearance in the lexicon files, and (when out_entries is
 * not NULL) how many entries have it; NULL (and 0) when out of range. */
CRFTAG_API const char *crftag_model_user_lexicon_type(const struct crftag_model *m, size_t i,
                                                      size_t *out_entries);

/* Training frequency of label id in the training data (0 when out of range). */
CRFTAG_API uint64_t crftag_model_label_count(const struct crftag_model *m, uint32_t id);

/* The model's bias of label id (crftag_train_params.bias; 0 when none or out
 * of range). */
CRFTAG_API double crftag_model_label_bias(const struct crftag_model *m, uint32_t id);

/* Why bias "auto" (crftag_train_params.bias) chose its bias: one candidate
 * X of the grid 0, 0.25, .., 2 (the bias of every label with a type) and
 * the entity scores (conlleval's, as crftag_eval) of the first training's
 * model, decoding with that bias, on the held-out 10 % of the training
 * sentences.  The bias chosen is the smallest X whose f1 is within
 * CRFTAG_BIAS_MARGIN (0.5) of the best f1 (differences that small are noise
 * of the sample), so it is not always the one of the best f1.  Data-parallel training (comm): the
 * counts of all the ranks.  An element of the arrays of
 * crftag_model_bias_candidates and crftag_progress.bias_candidates: its
 * layout never changes. */
#define CRFTAG_BIAS_MARGIN 0.5   /* F1 points */

struct crftag_bias_candidate {
    double bias;              /* X                                           */
    double precision;         /* held-out entity precision, percent          */
    double recall;            /* held-out entity recall, percent             */
    double f1;                /* their harmonic mean, percent (conlleval's   */
                              /*   FB1; 0 when no entity was found)          */
    uint64_t correct_chunks;  /* entities found with their span and type    */
    uint64_t pred_chunks;     /* entities found                              */
    uint64_t gold_chunks;     /* entities of the held-out labels (the same   */
                              /*   for every candidate)                      */
    int chosen;               /* 1 for the bias the model stores, else 0     */
};

/* The candidates bias "auto" scored when it trained m, in ascending bias,
 * exactly one of them chosen (the bias m stores): *out_n (when out_n is not
 * NULL) receives their number; the array returned is borrowed from m.  NULL
 * and 0 when m has none: a model trained with a given bias, or with "auto"
 * when it chose 0 without scoring (plain tags, fewer than 100 sentences, no
 * entity among the held-out sentences, crftag_train_params.init given), a
 * model whose first training was interrupted (CRFTAG_STOP_KEEP), and every
 * model loaded from a file: the figures are not stored in model files.  A
 * NULL m gives NULL and 0. */
CRFTAG_API const struct crftag_bias_candidate *
crftag_model_bias_candidates(const struct crftag_model *m, size_t *out_n);

/* The held-out entity F1 of the first training with held-out lexicon folds
 * (*out_folds) and with the training sentences' own entities (*out_own)
 * when training compared them (crftag_train_params.lexicon_folds
 * CRFTAG_LEXICON_FOLDS_AUTO with bias "auto"): returns 1 and sets those not
 * NULL, *out_chose_own 1 when the model was trained with its sentences' own
 * entities; 0 otherwise (a loaded model: the scores are not saved). */
CRFTAG_API int crftag_model_lexicon_scores(const struct crftag_model *m, double *out_folds,
                                           double *out_own, int *out_chose_own);

/* Looking inside a model (`crftag dump`, `crftag explain`).
 *
 * An attribute is one observation about a token ("the word is Linux", "the
 * previous word is capitalised"), hashed to 64 bits; the model holds, for
 * each attribute a (0 .. crftag_model_info.num_attributes - 1), a weight for
 * some labels.  The state score of label y at a token is the sum of the
 * weights (a, y) of the token's attributes, and the score of a label
 * sequence the sum of its state scores and of its transition weights.
 * Attributes are numbered in the order training first met them in a trained
 * model, and in increasing hash order in a model loaded from a file of format
 * version 6 or later (the order the file stores them in).
 *
 * Names: a model trained with crftag_train_params.keep_names keeps the readable name of every attribute: "w[0]=Linux", "lw[-1]=the",
 * "suf[0]=ux", "initcap[0]", "lw[-1]|lw[0]=the|linux" (built-in features,
 * see docs/GUIDE.md), or the CRF++ feature string "U02:Linux" (templates).
 * Models trained without it, and every model of format version 4 or older,
 * have hashes only. */

/* 1 when the model keeps attribute names, else 0 (also for a NULL m). */
CRFTAG_API int crftag_model_has_names(const struct crftag_model *m);

/* Forgets the model's attribute names (frees their memory): it tags as
 * before, and a file crftag_model_save writes from it has no names (smaller;
 * `crftag convert --no-names`).  No other thread may use m meanwhile.  NULL
 * or a model without names: nothing happens. */
CRFTAG_API void crftag_model_drop_names(struct crftag_model *m);

/* Attribute a: returns its name (borrowed from the model; NULL when the
 * model keeps no names or a is out of range); *out_hash (when out_hash is
 * not NULL) receives its hash and *out_nweights (when not NULL) the number
 * of its weights, both 0 when a is out of range. */
CRFTAG_API const char *crftag_model_attribute(const struct crftag_model *m, size_t a,
                                              uint64_t *out_hash, size_t *out_nweights);

/* Weight k (0 .. nweights - 1) of attribute a: returns it and puts its label
 * id in *out_label (when not NULL); 0 and UINT32_MAX when out of range. */
CRFTAG_API double crftag_model_attribute_weight(const struct crftag_model *m, size_t a,
                                                size_t k, uint32_t *out_label);

/* Transition weight of label j following label i (0 when out of range). */
CRFTAG_API double crftag_model_transition(const struct crftag_model *m, uint32_t i,
                                          uint32_t j);

/* The kind of a term of a path score. */
enum crftag_contribution_kind {
    CRFTAG_CONTRIB_FEATURE = 0,     /* weight of (attribute, label of token) */
    CRFTAG_CONTRIB_TRANSITION = 1   /* transition from the label before     */
};

/* One term of the score of a label sequence (an element of the array of
 * crftag_model_explain: its layout never changes). */
struct crftag_contribution {
    size_t token;                   /* the token i it belongs to             */
    int kind;                       /* enum crftag_contribution_kind         */
    uint32_t label;                 /* labels[i]                             */
    uint32_t prev_label;            /* transitions: labels[i-1]; else        */
                                    /*   UINT32_MAX                          */
    double value;                   /* its share of the score: the feature's */
                                    /*   value (1, but an attribute string's */
                                    /*   ":weight" in CRFsuite's format)     */
                                    /*   times the weight of (attribute,     */
                                    /*   labels[i]); or the transition weight */
    uint64_t hash;                  /* features: the attribute hash; else 0 */
    const char *name;               /* features: the attribute's name, made  */
                                    /*   from the input (also for a model    */
                                    /*   without stored names); else NULL    */
};

/* Splits the score of the label sequence labels[0..n) of a sentence
 * cols[n][stride] (as crftag_tagger_tag reads it) into its terms.  *out
 * (free it with crftag_contributions_free; the names live in the same
 * block) receives *out_n contributions, token by token; within a token the
 * transition from the previous label first (not for token 0), then the
 * features by decreasing |value|.  Attributes unknown to the model or
 * without a weight for labels[i] contribute nothing and are left out.  The
 * values sum to the path score crftag_tagger_tag reports for the same
 * labels (without the label bias, which is not part of the score), up to
 * rounding.  The labels may come from anywhere (the tagger, gold data).
 * For a model of attribute strings, cols holds each token's canonical
 * attributes (crftag_reader) and a name is the attribute's name, unescaped,
 * without its ":weight".
 * n = 0 gives *out NULL and *out_n 0.  Returns CRFTAG_OK, CRFTAG_ERR_INVALID
 * (NULL arguments, stride below crftag_model_info.num_columns, a label id
 * out of range) or CRFTAG_ERR_NOMEM; the
 * outputs are NULL / 0 on failure.
 * It only reads the model: any number of threads may call it. */
CRFTAG_API enum crftag_status crftag_model_explain(const struct crftag_model *m,
                                                   const char *const *cols, size_t n,
                                                   size_t stride, const uint32_t *labels,
                                                   struct crftag_contribution **out,
                                                   size_t *out_n, struct crftag_error *err);

/* Frees an array of crftag_model_explain; NULL does nothing. */
CRFTAG_API void crftag_contributions_free(struct crftag_contribution *c);

/* For a model of attribute strings (features "attributes"): the weights of
 * the attribute name[0..len) for every label into out[L] (0 for the labels
 * without one).  Returns 1 when the model has the attribute, 0 when not, or
 * for another kind of model, or with a NULL argument (out, when not NULL,
 * all 0). */
CRFTAG_API int crftag_model_attr_weights(const struct crftag_model *m, const char *name,
                                         size_t len, double *out);

/* ------------------------------------------------------------------------ */
/* Training                                                                 */
/* ------------------------------------------------------------------------ */

/* One line of training progress, passed to the progress callback. */
struct crftag_progress {
    int iteration;        /* 1, 2, ...                                      */
    double objective;     /* negative log-likelihood + regularization      */
    double gnorm;         /* gradient norm                                  */
    double xnorm;         /* weight norm                                    */
    size_t active;        /* non-zero weights                               */
    double dev_f1;        /* entity F1 on the dev corpus (percent), or -1;  */
                          /*   token accuracy (percent) instead when the    */
                          /*   dev labels are plain tags (dev_plain_tags)   */
    double seconds;       /* wall time since training started              */
    /* appended after 0.1.0 (fields are only ever added at the end) */
    int dev_plain_tags;   /* 1: the dev labels are plain tags, not BIO      */
                          /*   (crftag_labels_plain): dev_f1 is accuracy    */
    /* appended after 0.2.0 */
    int phase;            /* 0: the training whose model is returned;       */
                          /*   1: the first training of bias "auto" (on 90 % */
                          /*   of the sentences, to choose the bias), whose  */
                          /*   lines come first; 2: its second first         */
                          /*   training, with the sentences' own entities in */
                          /*   the lexicon (lexicon_folds AUTO), after 1;    */
                          /*   iteration restarts at 1 for each phase,       */
                          /*   seconds counts from each start                */
    /* appended after 0.2.0, with crftag_model_bias_candidates */
    const struct crftag_bias_candidate *bias_candidates;
                          /* phase 0 after bias "auto" scored its          */
                          /*   candidates: the figures it chose the bias   */
                          /*   by (as crftag_model_bias_candidates gives   */
                          /*   them once training returns), on every line, */
                          /*   so that a caller can show them when the     */
                          /*   first training ends, at the first line of   */
                          /*   phase 0; valid during the call only.  NULL  */
                          /*   otherwise (phase 1, a given bias, "auto"    */
                          /*   without scoring)                            */
    size_t num_bias_candidates; /* entries of bias_candidates (0 with NULL) */
};

/* Data-parallel training (crftag_train_params.comm): the collective
 * operations of a group of processes ("ranks"), each holding a share of the
 * training sentences, provided by the caller (an MPI program wraps
 * MPI_Allreduce and MPI_Bcast; the library links no MPI).  Every rank calls
 * crftag_train with the same parameters, its own share as the corpus and the
 * same comm layout; the shares are contiguous blocks of the one sentence
 * order that a single process would read (rank 0 the first block, then rank
 * 1, ...; a share may be empty).  The ranks then merge what is learned from
 * the data (labels, attributes and their counts, the (attribute, label)
 * pairs, the entity lexicon with its held-out folds, label counts), sum loss
 * and gradient over the ranks at every evaluation and take the same
 * optimizer steps: every rank returns the model that one process would
 * train on all the sentences (the same bits: the terms of the sums are
 * rounded to multiples of 2^-28, whose sums are exact below 2^25).  The
 * callbacks return 0, or non-zero when the operation failed (crftag_train
 * then fails with CRFTAG_ERR_IO).  They are called in the same order on
 * every rank; a rank that fails between two calls leaves the others waiting
 * in the next one, so the caller must end the whole group when crftag_train
 * fails on any rank (MPI_Abort).  Every parameter works with comm: the
 * automatic label bias holds out the same global sentence numbers and sums
 * the held-out chunk counts over the ranks; dev data may be given to one rank
 * only (the one that reports progress): its F1 is passed to every rank, so
 * that early stopping (dev_patience) ends all at the same iteration.  The
 * answers of stop and progress are combined over the ranks at the end of
 * every iteration (the strongest wins), so that every rank stops at the same
 * one.  The layout of this struct is fixed (a change is an ABI break). */
enum crftag_comm_type { CRFTAG_COMM_DOUBLE = 0, CRFTAG_COMM_UINT64 = 1 };
enum crftag_comm_op { CRFTAG_COMM_SUM = 0, CRFTAG_COMM_MAX = 1, CRFTAG_COMM_BOR = 2 };
struct crftag_comm {
    int rank;             /* this process, 0 .. size - 1                     */
    int size;             /* number of processes                             */
    /* buf[0 .. count) of type becomes, on every rank, the element-wise op  */
    /* (BOR: bitwise or, uint64 only) over all ranks' buffers; every rank  */
    /* must receive the very same bits (MPI_Allreduce does)                */
    int (*allreduce)(void *buf, size_t count, enum crftag_comm_type type,
                     enum crftag_comm_op op, void *user);
    /* buf[0 .. len) of rank root is copied into buf of every other rank    */
    int (*bcast)(void *buf, size_t len, int root, void *user);
    void *user;
};

/* crftag_train_params.bias: choose the bias at training time (crftag_train). */
#define CRFTAG_BIAS_AUTO "auto"

/* crftag_train_params.c1, c2 and delta: the default for the kind of features
 * (crftag_train resolves it; the model stores the values used).  With a
 * template (template_text): the elastic net c1 = 0.1, c2 = 0.05, delta =
 * 1e-3 (a template's conjunctions are mostly noise, and L1 keeps the ones
 * that pay: CoNLL-2000 chunk F1 93.59 -> 93.91, a model 8x smaller);
 * otherwise (built-in features, attribute strings) c1 = 0, c2 = 1, delta =
 * 1e-5, CRFsuite's defaults.  docs/ACCURACY.md has the measurements. */
#define CRFTAG_TRAIN_AUTO (-1.0)

struct crftag_train_params {
    double c1;            /* L1 coefficient (OWL-QN); 0 = off.     default AUTO */
    double c2;            /* L2 coefficient: adds c2 * |w|^2, as   default AUTO */
                          /*   CRFsuite's c2 does                               */
    int max_iter;         /* L-BFGS iterations at most.            default 1000 */
    double delta;         /* stop when the objective improved by   default AUTO */
    int period;           /*   less than delta (relative) over     default 10   */
                          /*   this many iterations                             */
    double epsilon;       /* stop when |g| / max(1,|w|) < epsilon  default 1e-5 */
    int threads;          /* training threads (gradient, L-BFGS     default 0    */
                          /*   vector work); 0 = all cores                     */
    uint32_t min_freq;    /* drop attributes seen fewer times      default 1    */
    const char *template_text; /* CRF++ template, or NULL for the   default NULL */
                               /* built-in feature set                          */
    const char *template_name; /* file name used in template errors             */
    uint64_t hash_seed;   /* seed of the feature hash              default fixed */
    int bio_constraint;   /* 1: constrain decoding to valid BIO    default 1    */
                          /*    when the training labels are IOB2               */
    const struct crftag_corpus *dev; /* optional; F1 (token accuracy for plain */
                          /*   tags) reported in progress                       */
    /* Called once per iteration; a non-zero return cancels training, which
     * then fails with CRFTAG_ERR_CANCELED.  May be NULL. */
    int (*progress)(const struct crftag_progress *p, void *user);
    void *user;
    int lexicon;          /* built-in features: 1 = entity lexicon    default 1    */
                          /*   from the training labels, kept in the model      */
    int lexicon_folds;    /* held-out folds of the lexicon          default      */
                          /*   (CRFTAG_LEXICON_FOLDS_AUTO below, or 0..64:      */
                          /*   contiguous blocks: a training sentence sees the  */
                          /*   lexicon of the other blocks, so no sentence sees */
                          /*   its own labels; 0 = it sees its own entities).   */
                          /*   CRFTAG_LEXICON_FOLDS_AUTO: CRFTAG_LEXICON_FOLDS  */
                          /*   folds, except that with bias "auto" a second     */
                          /*   first training with 0 is scored on the held-out  */
                          /*   sentences too, and 0 is kept when its entity F1  */
                          /*   (bias and memory chosen) is higher by more than  */
                          /*   CRFTAG_BIAS_MARGIN (noisy labels whose names     */
                          /*   recur: WikiSER); crftag_model_lexicon_scores     */
                          /*   gives the two F1s                                */
    int dev_patience;     /* early stopping: with dev data, stop    default 0    */
                          /*   when the dev F1 (token accuracy for plain        */
                          /*   tags) has not improved for this many iterations  */
                          /*   and keep the weights of the best iteration;      */
                          /*   0 = off.  Needs dev.                             */
    const char *bias;     /* label bias stored in the model and     default      */
                          /*   added to the label scores when decoding (see    */
                          /*   crftag_tagger_set_bias): "X" for every label    */
                          /*   with a type, "TYPE=X" for one type, comma-      */
                          /*   separated, later items override.  X > 0 trades  */
                          /*   precision for recall.  NULL or "" = none.       */
                          /*   CRFTAG_BIAS_AUTO ("auto", the default): X from  */
                          /*   0, 0.25, .., 2, the smallest whose entity F1 is  */
                          /*   within 0.5 points of the best, for a model       */
                          /*   trained on 90 % of the sentences (stopping at    */
                          /*   10x delta, at least 1e-3), scored on the other   */
                          /*   10 % (5 blocks of 2 %); then training on all of  */
                          /*   them, from the first one's weights.  0 for       */
                          /*   plain tags or < 100 sentences.  Both trainings   */
                          /*   report progress                                  */
                          /*   (crftag_progress.phase); train_seconds covers    */
                          /*   both.  The held-out scores of every candidate:   */
                          /*   crftag_model_bias_candidates, and               */
                          /*   crftag_progress.bias_candidates in phase 0.      */
    const char *clusters; /* built-in features: path of a word-      default NULL */
                          /*   cluster file (crftag_clusters_write's format,    */
                          /*   or Liang's Brown-cluster "paths" file); adds     */
                          /*   cluster features and stores the table in the     */
                          /*   model.  NULL = none.                             */
    const char *const *lexicon_files; /* built-in features: user      default NULL */
                          /*   lexicon ("gazetteer") files, read in this order  */
                          /*   and merged: one name a line, NAME or NAME<TAB>   */
                          /*   TYPE (no TAB: type "ENTRY"); '#' lines and blank */
                          /*   lines skipped; plain or gzip.  Names are split   */
                          /*   by crftag_tokenize's rules and matched ASCII-    */
                          /*   case-insensitively, longest match first; a name  */
                          /*   keeps the type of its first line.  Adds position */
                          /*   + type and type attributes to matched tokens and */
                          /*   stores the entries in the model.  Bad lines fail */
                          /*   with CRFTAG_ERR_PARSE naming file and line; with */
                          /*   a template: CRFTAG_ERR_INVALID.                  */
    size_t num_lexicon_files; /* entries of lexicon_files, 0..64   default 0    */
    uint32_t all_labels;  /* an attribute seen at least this many  default     */
                          /*   times (CRFTAG_ALL_LABELS_AUTO below) gets a     */
                          /*   weight for every label, not only for the labels */
                          /*   seen with it, so training can                   */
                          /*   learn evidence against a label ("possible       */
                          /*   states").  Costs memory and time in proportion  */
                          /*   to the weights; with c1 > 0 the model stays     */
                          /*   small.  0 = off (only the pairs seen).          */
                          /*   CRFTAG_ALL_LABELS_AUTO: CRFTAG_ALL_LABELS_DENSE */
                          /*   with a template and c1 > 0 when fewer than half */
                          /*   the training tokens are labelled O (chunks,     */
                          /*   part-of-speech tags), else 0.                   */
    /* appended after 0.2.0 (fields are only ever added at the end) */
    /* Polled (with user) at the end of every iteration, also of the first  */
    /* training of bias "auto"; may be NULL.  It returns                     */
    /*   0                 go on;                                            */
    /*   CRFTAG_STOP_KEEP  stop now and return the model of the weights so  */
    /*                     far: with dev data, those of the best dev F1 so  */
    /*                     far; its stop reason says "interrupted after N   */
    /*                     iterations".  During the first training of bias  */
    /*                     "auto", that training's model (90 % of the       */
    /*                     sentences, no bias) is returned;                 */
    /*   CRFTAG_STOP_ABORT stop and fail with CRFTAG_ERR_CANCELED, no model */
    /*                     (any other value too).                           */
    /* The library installs no signal handler: a program's handler sets a   */
    /* volatile sig_atomic_t flag that this function reads.                 */
    int (*stop)(void *user);
    const struct crftag_model *init; /* continue training: start from this   */
                          /*   model's weights instead of 0 (default NULL).    */
                          /*   Its feature configuration must be the one p     */
                          /*   gives (same built-in set version, or the same   */
                          /*   template text; same hash seed; the same word    */
                          /*   clusters or none), else CRFTAG_ERR_INVALID.     */
                          /*   Weights are matched by attribute hash and label */
                          /*   name: attributes and labels new in the data     */
                          /*   start at 0, those absent from it are dropped.   */
                          /*   The learned lexicon is rebuilt from the data.   */
                          /*   With bias "auto", the model keeps the bias of   */
                          /*   init (no first training: init has seen the     */
                          /*   sentences it would hold out).  Borrowed for the */
                          /*   call.                                            */
    int keep_names;       /* 1: the model keeps the readable name  default 0    */
                          /*   of every attribute ("w[0]=Linux", "U02:in"),    */
                          /*   for crftag_model_attribute; 0: hashes only.     */
                          /*   Names make a WikiSER model file 45 % larger and */
                          /*   a loaded one take 60 % more memory (GUIDE.md)    */
    const struct crftag_comm *comm; /* data-parallel training over the ranks  */
                          /*   of comm (struct crftag_comm); NULL = this       */
                          /*   process alone.                  default NULL    */
    int memory;           /* document memory stored in the     default AUTO    */
                          /*   model (crftag_memory_new, crftag_model_memory): */
                          /*   N = 1..1000 sentences, 0 = none, with the flags */
                          /*   memory_flags.                                    */
                          /*   CRFTAG_MEMORY_AUTO: with bias "auto", the        */
                          /*   held-out sentences are tagged at the chosen bias */
                          /*   with a memory of CRFTAG_MEMORY_WINDOW (each      */
                          /*   held-out block remembering its own sentences),   */
                          /*   without and with CRFTAG_MEMORY_ABBREV: the best  */
                          /*   of none, the memory, the memory with the         */
                          /*   abbreviations, each only when its entity F1 is   */
                          /*   higher than those before, the memory alone also  */
                          /*   when it changes no held-out label (nothing there */
                          /*   to tell); none with any other                    */
                          /*   bias, for plain tags and for attribute strings;  */
                          /*   with init, init's.  crftag_model_memory_scores   */
                          /*   gives the three held-out F1s                     */
    unsigned memory_flags; /* with memory = N: 0 or CRFTAG_MEMORY_ABBREV       */
};

/* crftag_train_params.lexicon_folds: chosen on the held-out sentences (above),
 * and the folds it uses by default. */
#define CRFTAG_LEXICON_FOLDS_AUTO (-1)
#define CRFTAG_LEXICON_FOLDS 20

/* crftag_train_params.all_labels: chosen for the features and the labels
 * (above); the threshold it chooses for dense labels. */
#define CRFTAG_ALL_LABELS_AUTO UINT32_MAX
#define CRFTAG_ALL_LABELS_DENSE 10u

/* crftag_train_params.memory: choose on the held-out sentences of bias auto. */
#define CRFTAG_MEMORY_AUTO (-1)
/* The window it tries, in sentences (about an abstract's or a section's). */
#define CRFTAG_MEMORY_WINDOW 10

/* Return values of crftag_train_params.stop. */
#define CRFTAG_STOP_KEEP 1
#define CRFTAG_STOP_ABORT 2

/* Fills every field with its default.  Call it before setting fields.
 * (size: the caller's sizeof *p, see "Binary compatibility" above.) */
CRFTAG_API void crftag_train_params_init_sz(struct crftag_train_params *p, size_t size);
#define crftag_train_params_init(p) \
    crftag_train_params_init_sz((p), sizeof(struct crftag_train_params))

/* Trains a model on the corpus.  The corpus is not modified.  On success
 * *out holds a new model to be freed with crftag_model_free().  Fields of *p
 * past size (the caller's sizeof *p) take their defaults. */
CRFTAG_API enum crftag_status crftag_train_sz(const struct crftag_corpus *c,
                                              const struct crftag_train_params *p, size_t size,
                                              struct crftag_model **out,
                                              struct crftag_error *err);
#define crftag_train(c, p, out, err) \
    crftag_train_sz((c), (p), sizeof(struct crftag_train_params), (out), (err))

/* As crftag_train, but takes the corpus: c is freed by the call, on success
 * and on failure, as soon as training no longer needs its sentences (once
 * the training data of the final training are built, before the
 * optimizer's memory is taken), so that the corpus and the optimizer are
 * not in memory together.  The caller must not use c afterwards.  A dev
 * corpus (p->dev) stays the caller's; when it is c itself, c is freed at the
 * end. */
CRFTAG_API enum crftag_status crftag_train_take_sz(struct crftag_corpus *c,
                                                   const struct crftag_train_params *p,
                                                   size_t size, struct crftag_model **out,
                                                   struct crftag_error *err);
#define crftag_train_take(c, p, out, err) \
    crftag_train_take_sz((c), (p), sizeof(struct crftag_train_params), (out), (err))

/* ------------------------------------------------------------------------ */
/* Word clusters                                                            */
/* ------------------------------------------------------------------------ */

/* Distributional word clusters, learned from unlabeled text, for the
 * built-in features (crftag_train_params.clusters).  A cluster file has one
 * word a line: "WORD<TAB>PATH<TAB>COUNT", PATH a bit string (a leaf of the
 * cluster tree; its prefixes are coarser clusters) or a decimal cluster id.
 *
 *   struct crftag_clusterer *cl;
 *   crftag_clusterer_new(&cl);
 *   crftag_clusterer_add_file(cl, "text.txt.gz", 0, &err);   (any number)
 *   struct crftag_cluster_params p;
 *   crftag_cluster_params_init(&p);
 *   struct crftag_clusters *k;
 *   crftag_clusterer_learn(cl, &p, &k, &err);
 *   crftag_clusters_write(k, "clusters.txt", &err);
 */

struct crftag_clusterer;   /* the text to learn from */
struct crftag_clusters;    /* a cluster table */

/* Progress of crftag_clusterer_learn: one call per exchange pass (stage
 * "exchange") and one when the cluster tree is built (stage "tree"). */
struct crftag_cluster_progress {
    const char *stage;    /* "exchange" or "tree"                              */
    int iteration;        /* exchange pass, 1, 2, ... (0 for "tree")           */
    size_t moves;         /* words that changed class in the pass              */
    size_t words;         /* words clustered                                   */
    double ami;           /* average mutual information of adjacent classes,  */
                          /*   bits                                            */
    double seconds;       /* wall time since learning started                  */
};

struct crftag_cluster_params {
    int num_clusters;     /* classes (leaves of the tree), 2..4096 default 256  */
    uint32_t min_count;   /* words seen fewer times are left out  default 3    */
    int max_iter;         /* exchange passes at most              default 20   */
                          /*   (stops earlier when < 0.1 % of the words move)  */
    size_t max_words;     /* keep at most this many of the most   default 0    */
                          /*   frequent words; 0 = no limit                    */
    /* Called after each pass; a non-zero return cancels learning, which then
     * fails with CRFTAG_ERR_CANCELED.  May be NULL. */
    int (*progress)(const struct crftag_cluster_progress *p, void *user);
    void *user;
};

/* Fills every field with its default (size: the caller's sizeof *p). */
CRFTAG_API void crftag_cluster_params_init_sz(struct crftag_cluster_params *p, size_t size);
#define crftag_cluster_params_init(p) \
    crftag_cluster_params_init_sz((p), sizeof(struct crftag_cluster_params))

CRFTAG_API enum crftag_status crftag_clusterer_new(struct crftag_clusterer **out);
CRFTAG_API void crftag_clusterer_free(struct crftag_clusterer *cl);

/* Adds the text of a file (plain or gzip, "-" = stdin).  Raw text is split
 * into sentences and tokens by crftag_tokenize, a blank line ending a
 * sentence, so the tokens are those `crftag tag` sees.  A file whose first
 * non-empty line is "<s>" is read as WikiSER blocks, and with tokenized = 1
 * every file is read as an annotated corpus (WikiSER blocks or CoNLL
 * columns, as crftag_corpus_read does); only the token (first) column is
 * used.  Errors name the file and line. */
CRFTAG_API enum crftag_status crftag_clusterer_add_file(struct crftag_clusterer *cl,
                                                        const char *path, int tokenized,
                                                        struct crftag_error *err);

/* Adds raw UTF-8 text (tokenized as above). */
CRFTAG_API enum crftag_status crftag_clusterer_add_text(struct crftag_clusterer *cl,
                                                        const char *text, size_t len);

/* Adds one tokenized sentence of n NUL-terminated tokens. */
CRFTAG_API enum crftag_status crftag_clusterer_add_sentence(struct crftag_clusterer *cl,
                                                            const char *const *tokens,
                                                            size_t n);

/* Sentences and tokens added so far, distinct words among them (any pointer
 * may be NULL). */
CRFTAG_API void crftag_clusterer_size(const struct crftag_clusterer *cl,
                                      size_t *out_sentences, size_t *out_tokens,
                                      size_t *out_words);

/* Learns clusters from the text added (deterministic: the same text and
 * parameters give the same table).  Fails with CRFTAG_ERR_INVALID for bad
 * parameters or when no word is seen min_count times.  Fields of *p past
 * size (the caller's sizeof *p) take their defaults. */
CRFTAG_API enum crftag_status crftag_clusterer_learn_sz(const struct crftag_clusterer *cl,
                                                        const struct crftag_cluster_params *p,
                                                        size_t size,
                                                        struct crftag_clusters **out,
                                                        struct crftag_error *err);
#define crftag_clusterer_learn(cl, p, out, err) \
    crftag_clusterer_learn_sz((cl), (p), sizeof(struct crftag_cluster_params), (out), (err))

/* Reads / writes a cluster file (see above; reading also takes Liang's
 * "PATH<TAB>WORD<TAB>COUNT" order; writing is atomic). */
CRFTAG_API enum crftag_status crftag_clusters_read(const char *path,
                                                   struct crftag_clusters **out,
                                                   struct crftag_error *err);
CRFTAG_API enum crftag_status crftag_clusters_write(const struct crftag_clusters *k,
                                                    const char *path,
                                                    struct crftag_error *err);

/* Words and distinct clusters (paths) of a table (either pointer may be
 * NULL). */
CRFTAG_API void crftag_clusters_size(const struct crftag_clusters *k, size_t *out_words,
                                     size_t *out_clusters);

/* The cluster path of a word (as crftag's features look it up: as it is,
 * else with ASCII letters lower-cased), or NULL when it has none.  Borrowed
 * from the table. */
CRFTAG_API const char *crftag_clusters_get(const struct crftag_clusters *k, const char *word);

CRFTAG_API void crftag_clusters_free(struct crftag_clusters *k);

/* ------------------------------------------------------------------------ */
/* Tagging                                                                  */
/* ------------------------------------------------------------------------ */

struct crftag_tagger;

/* Creates a tagger for model m into *out (free it with crftag_tagger_free).
 * A tagger may be used by one thread at a time; create one per thread (any
 * number of taggers may share one model).  The model is borrowed and must
 * outlive the tagger.  With a model of built-in features saved by this
 * library, a tagger keeps the state rows of the words it tagged last (up to
 * 16,384 words, 8 MiB of rows at most, filled as sentences come), so text
 * whose words repeat is tagged faster; the output is the same bit for bit.
 * Returns CRFTAG_OK, CRFTAG_ERR_INVALID (NULL m or out, a model without
 * labels; *out is then NULL) or CRFTAG_ERR_NOMEM. */
CRFTAG_API enum crftag_status crftag_tagger_new(const struct crftag_model *m,
                                                struct crftag_tagger **out);

CRFTAG_API void crftag_tagger_free(struct crftag_tagger *t);

/* Turns the BIO restriction of decoding on (the default for models trained on
 * IOB2 labels) or off.  It has no effect on models whose labels are not IOB2. */
CRFTAG_API void crftag_tagger_set_constrained(struct crftag_tagger *t, int on);

/* Sets the label bias of the tagger (a spec as crftag_train_params.bias;
 * NULL goes back to the model's own, "0" turns it off).  The bias is added to
 * the state score of each label at every token before Viterbi decoding, so a
 * positive bias makes the tagger find entities of that type more readily
 * (recall up, precision down).  Scores returned by the tag calls are those of
 * the unbiased model; the probabilities (marginals, crftag_tagger_tag_prob,
 * crftag_tagger_entity_prob, crftag_tagger_nbest) include the bias, as they
 * describe what the tagger outputs.  Returns CRFTAG_OK or
 * CRFTAG_ERR_INVALID (malformed spec, unknown type; err says which). */
CRFTAG_API enum crftag_status crftag_tagger_set_bias(struct crftag_tagger *t, const char *spec,
                                                     struct crftag_error *err);

/* Tags one sentence of n tokens.  cols holds n rows of stride strings each
 * (NUL-terminated): row i is token i's columns, column 0 the token itself.
 * stride must be at least crftag_model_info.num_columns; extra columns (a
 * gold label, say) are ignored.  out_ids[n] receives label ids; score, if not
 * NULL, the path's unnormalized log score.  n = 0 is allowed.  For a model of
 * attribute strings column 0 holds a token's attributes in the canonical
 * form of CRFsuite files (as crftag_reader_open_format returns them; see
 * crftag_corpus_read_format). */
CRFTAG_API enum crftag_status crftag_tagger_tag(struct crftag_tagger *t,
                                                const char *const *cols, size_t n,
                                                size_t stride, uint32_t *out_ids,
                                                double *out_score,
                                                struct crftag_error *err);

/* Tags one sentence of n tokens given as byte strings that need not be
 * NUL-terminated: token i is tok[i][0..len[i]) (a length of 0 is allowed;
 * the features see a token only up to a NUL byte inside it).  For models that read one
 * column per token (num_columns 1; others give CRFTAG_ERR_INVALID).
 *   out_ids[n]          receives the best label sequence (Viterbi; BIO
 *                       constrained when the tagger is, see
 *                       crftag_tagger_set_constrained);
 *   out_score           if not NULL, that path's unnormalized log score;
 *   out_marginals[n*L]  if not NULL (L = crftag_model_num_labels),
 *                       out_marginals[i * L + y] = P(y_i = y | tokens), the
 *                       per-token marginal probabilities over the labellings
 *                       the tagger can output: the BIO constraint and the
 *                       label bias apply to them as to decoding (see
 *                       "Confidence" below; a label the constraint forbids
 *                       at a token has 0).  Each row sums to 1.
 * The arrays are the caller's; nothing is kept after the call.  n = 0 is
 * allowed (nothing is written).  Returns CRFTAG_OK, CRFTAG_ERR_INVALID (t,
 * tok, len or out_ids NULL with n > 0, or a NULL tok[i]), or
 * CRFTAG_ERR_NOMEM.  Thread-safety: one thread at a time per tagger. */
CRFTAG_API enum crftag_status crftag_tagger_tag_tokens(struct crftag_tagger *t,
                                                       const char *const *tok,
                                                       const size_t *len, size_t n,
                                                       uint32_t *out_ids, double *out_score,
                                                       double *out_marginals,
                                                       struct crftag_error *err);

/* Confidence.  The probabilities below are those of the lattice Viterbi
 * decodes: the model's scores plus the tagger's label bias, over the
 * labellings the tagger can output (with the BIO constraint on, only valid
 * IOB2 sequences; when no labelling satisfies it, all of them, as Viterbi).
 * P(y | x) = exp(s(y) - log Z), s(y) the biased score, Z the sum of exp s
 * over those labellings (forward-backward in log space).  The labelling the
 * tag calls return is the most probable one; each token's marginal for its
 * label is usually, not always, the largest of its row.
 *
 * crftag_tagger_tag_prob tags like crftag_tagger_tag and also gives:
 *   out_prob            if not NULL, P(out_ids | tokens) (1 for n = 0);
 *   out_marginals[n*L]  if not NULL, P(y_i = y | tokens) as
 *                       crftag_tagger_tag_tokens's.
 * The tagger then keeps the sentence's lattice for crftag_tagger_entity_prob
 * until its next tag call.  Returns as crftag_tagger_tag. */
CRFTAG_API enum crftag_status crftag_tagger_tag_prob(struct crftag_tagger *t,
                                                     const char *const *cols, size_t n,
                                                     size_t stride, uint32_t *out_ids,
                                                     double *out_prob, double *out_marginals,
                                                     struct crftag_error *err);

/* The probability of an entity of the sentence last tagged by
 * crftag_tagger_tag_prob, crftag_tagger_nbest or crftag_tagger_tag_tokens
 * with marginals: ids[0..n) is a labelling of that sentence (the tag call's
 * out_ids, or one of the n-best) and [begin, end) a chunk of it (as
 * crftag_chunks finds them).  *out_prob receives
 *   P(y_begin..y_{end-1} = ids[begin..end) and y_end != I-TYPE | tokens)
 * where I-TYPE is the label continuing a chunk whose last label is
 * ids[end-1] (B-TYPE or I-TYPE; for other labels and for plain tags there
 * is no condition on y_end, nor when end = n): the probability that tokens
 * begin..end-1 carry exactly these labels and the chunk ends there.  With
 * the BIO constraint on, that is the probability that the tagger's output
 * has exactly this entity (same tokens, same type); for plain tags, the
 * marginal of the token's tag.  Returns CRFTAG_OK, or CRFTAG_ERR_INVALID
 * (NULL t, ids or out_prob, no such sentence, begin >= end, end past the
 * sentence, a label id out of range); *out_prob is 0 on failure. */
CRFTAG_API enum crftag_status crftag_tagger_entity_prob(struct crftag_tagger *t,
                                                        const uint32_t *ids, size_t begin,
                                                        size_t end, double *out_prob,
                                                        struct crftag_error *err);

/* The k most probable labellings of one sentence (input as
 * crftag_tagger_tag), most probable first: labelling r (r < *out_count) in
 * out_ids[r * n .. r * n + n), its probability P(y | tokens) in
 * out_probs[r] (out_probs may be NULL).  *out_count is k, or fewer when the
 * tagger can output fewer labellings.  Exact (A* search with the Viterbi
 * scores as heuristic); labellings of equal probability come in an
 * unspecified order, so the first is the tag calls' labelling unless it ties.
 * out_ids needs room for k * n ids.  Afterwards crftag_tagger_entity_prob
 * answers for this sentence.  k = 0 returns CRFTAG_OK with *out_count 0; n
 * = 0 gives one (empty) labelling of probability 1.  Returns CRFTAG_OK,
 * CRFTAG_ERR_INVALID (as crftag_tagger_tag; k * n overflowing) or
 * CRFTAG_ERR_NOMEM.  Memory: O(k n L) in the tagger, kept for reuse. */
CRFTAG_API enum crftag_status crftag_tagger_nbest(struct crftag_tagger *t,
                                                  const char *const *cols, size_t n,
                                                  size_t stride, size_t k, uint32_t *out_ids,
                                                  double *out_probs, size_t *out_count,
                                                  struct crftag_error *err);

/* Tags one sentence of n tokens given as attribute strings, for a model of
 * attribute strings (crftag_model_info.features "attributes"; others give
 * CRFTAG_ERR_INVALID): token i has natt[i] attributes, taken in order from
 * names (NUL-terminated) and weights (NULL: every weight 1), as in
 * crftag_corpus_add_attrs; attributes the model does not know are ignored.
 * out_ids, out_score and out_marginals are as for crftag_tagger_tag_tokens.
 * Returns CRFTAG_OK, CRFTAG_ERR_INVALID (a NULL argument with n > 0, NULL
 * names with a token that has attributes, a NULL name) or
 * CRFTAG_ERR_NOMEM.  Thread-safety: one thread at a time per tagger. */
CRFTAG_API enum crftag_status crftag_tagger_tag_attrs(struct crftag_tagger *t, size_t n,
                                                      const size_t *natt,
                                                      const char *const *names,
                                                      const double *weights,
                                                      uint32_t *out_ids, double *out_score,
                                                      double *out_marginals,
                                                      struct crftag_error *err);

/* ------------------------------------------------------------------------ */
/* Raw text                                                                 */
/* ------------------------------------------------------------------------ */

/* A token of raw text: bytes [start, end) of the input. */
struct crftag_token {
    size_t start;
    size_t end;
    int sentence_start;   /* 1 for the first token of a sentence */
};

/* Splits UTF-8 text into sentences and tokens.  Software names stay whole
 * (C++, C#, .NET, Node.js, Wi-Fi, I/O, x86-64, 3.5.1, URLs, e-mail
 * addresses); sentence punctuation, brackets, quotes and 's are split off.
 * *out_tokens (free with crftag_tokens_free) holds *out_n tokens; it is
 * NULL when the text holds no token.  NUL bytes count as whitespace.
 * Sentences: a line break is a space (text wrapped at a fixed width keeps
 * its sentences, and a name cut by a line break stays one name); a blank
 * line (two line breaks with only white space between them; U+2029 counts
 * as two) always ends a sentence; otherwise a sentence ends after . ! ? or
 * ... (and the closing quotes or brackets glued to it) when white space and
 * a token that may start a sentence (a capital, a digit, an opening quote or
 * bracket, iOS, .NET) follow.  crftag_tagger_tag_text, the Python binding
 * and `crftag tag` all split text by this rule. */
CRFTAG_API enum crftag_status crftag_tokenize(const char *text, size_t len,
                                              struct crftag_token **out_tokens,
                                              size_t *out_n);

CRFTAG_API void crftag_tokens_free(struct crftag_token *tokens);

/* An entity found in raw text: bytes [start, end) of the input, made of its
 * tokens [token_begin, token_end) (token indices count from 0 over the whole
 * text, in the order crftag_tokenize returns them).  type[0..type_len) is the
 * entity type (the label without its B-/I- prefix; for a model of plain tags,
 * crftag_model_info.plain_tags, the whole label of a one-token span); it is
 * NOT NUL-terminated and points into the model's label names, so it stays
 * valid as long as the model lives. */
struct crftag_span {
    size_t start;
    size_t end;
    size_t token_begin;
    size_t token_end;
    const char *type;
    size_t type_len;
};

/* Tags raw UTF-8 text: crftag_tokenize, then crftag_tagger_tag_tokens on each
 * sentence, then crftag_chunks on its labels (crftag_chunks_plain for a model
 * of plain tags: every token not tagged "O" is a span).  On success *out_spans (free it
 * with crftag_spans_free) holds *out_n spans in text order; it is NULL when
 * no entity was found.  Optionally (out_tokens not NULL) *out_tokens gets the
 * tokens too, with *out_ntokens set (free them with crftag_tokens_free; NULL
 * when the text holds no token).  len = 0 is allowed (text may then be NULL).
 * Returns CRFTAG_OK, CRFTAG_ERR_INVALID (NULL t, out_spans or out_n, NULL
 * text with len > 0, out_tokens without out_ntokens, a model reading more
 * than one column) or CRFTAG_ERR_NOMEM; on failure the outputs are NULL / 0.
 * Thread-safety: one thread at a time per tagger. */
CRFTAG_API enum crftag_status crftag_tagger_tag_text(struct crftag_tagger *t, const char *text,
                                                     size_t len,
                                                     struct crftag_span **out_spans,
                                                     size_t *out_n,
                                                     struct crftag_token **out_tokens,
                                                     size_t *out_ntokens,
                                                     struct crftag_error *err);

/* Frees spans returned by crftag_tagger_tag_text; NULL does nothing. */
CRFTAG_API void crftag_spans_free(struct crftag_span *spans);

/* Document memory.  A name is often found where its context gives it away
 * ("treated with nitroglycerin (NTG)") and missed where it stands alone a
 * few sentences later.  A memory keeps the entities the tagger output for
 * the last `window` sentences of a text; in each new sentence, a run of
 * tokens the tagger left "O" whose bytes are exactly those of a remembered
 * entity gets its type (B-T, I-T): longest match first, left to right,
 * never over a token the tagger labelled; when the same tokens were found
 * with several types, the most frequent wins, then the most recent.  Only
 * the tagger's own entities are remembered, not those the memory added,
 * and at most 1,024 of them (the oldest go first).
 * With CRFTAG_MEMORY_ABBREV a memory also reads abbreviations defined in
 * the sentence: "X ( A )" with X an entity the tagger found and A a token
 * it left O, of 2 to 10 bytes with an ASCII upper-case letter, makes A an
 * entity of X's type ("nitroglycerin ( NTG )"), remembered as the
 * tagger's own.
 * Training decides whether a model uses one, on held-out sentences
 * (crftag_train_params.memory; docs/ACCURACY.md, "Document memory");
 * crftag_model_memory tells the window it chose.  The programs `crftag tag`
 * and `crftag eval` apply it over their input's sentences in order (a
 * -DOCSTART- line, crftag_reader_doc_start, empties it), and
 * crftag_tagger_tag_text over the sentences of one call; with the other tag
 * calls the caller applies it (crftag_memory_apply after each sentence's
 * crftag_tagger_tag), so sentences tagged in any order or on many threads
 * stay independent unless the caller chains them.  For a model whose labels
 * are not IOB2 (plain tags; E-/S- labels) a memory changes nothing. */
struct crftag_memory;

/* crftag_memory_new's flags: abbreviations defined in a sentence. */
#define CRFTAG_MEMORY_ABBREV 1u

/* The window the model was trained to use, in sentences: 0 for none (and
 * for models saved before format 8); crftag_model_memory_flags its flags. */
CRFTAG_API size_t crftag_model_memory(const struct crftag_model *m);
CRFTAG_API unsigned crftag_model_memory_flags(const struct crftag_model *m);

/* A memory of window sentences for model m's labels (window 0: it changes
 * nothing, abbreviations included) with flags (0 or CRFTAG_MEMORY_ABBREV);
 * free it with crftag_memory_free.  The model is borrowed and must outlive
 * the memory.  The model's own: crftag_memory_new(m, crftag_model_memory(m),
 * crftag_model_memory_flags(m), &mem).  Returns CRFTAG_OK,
 * CRFTAG_ERR_INVALID (NULL m or out, a model without labels, another flag)
 * or CRFTAG_ERR_NOMEM. */
CRFTAG_API enum crftag_status crftag_memory_new(const struct crftag_model *m, size_t window,
                                                unsigned flags, struct crftag_memory **out);

/* Applies the memory to one sentence and then remembers its entities: the n
 * tokens tok[i][0..len[i]) (not NUL-terminated; compared byte for byte;
 * len NULL: each tok[i] is NUL-terminated) and
 * the label ids the tagger gave them, ids[n], changed in place where a
 * remembered entity applies; *out_changed (if not NULL) gets the number of
 * labels changed.  Call it for each sentence in text order.  Returns
 * CRFTAG_OK, CRFTAG_ERR_INVALID (NULL mem; NULL tok or ids or a NULL
 * tok[i] with n > 0; an id >= the model's labels; n >= 2^32) or CRFTAG_ERR_NOMEM (ids
 * unchanged, the sentence not remembered). */
CRFTAG_API enum crftag_status crftag_memory_apply(struct crftag_memory *mem,
                                                  const char *const *tok, const size_t *len,
                                                  size_t n, uint32_t *ids, size_t *out_changed);

/* The held-out entity F1 without the memory (*out_without), with it
 * (*out_with) and with it and the abbreviations (*out_with_abbrev) when
 * training chose it (crftag_train_params.memory CRFTAG_MEMORY_AUTO):
 * returns 1 and sets those not NULL; 0 otherwise (a loaded model: the
 * scores are not saved). */
CRFTAG_API int crftag_model_memory_scores(const struct crftag_model *m, double *out_without,
                                          double *out_with, double *out_with_abbrev);

/* Forgets every sentence (a new document starts). */
CRFTAG_API void crftag_memory_clear(struct crftag_memory *mem);

CRFTAG_API void crftag_memory_free(struct crftag_memory *mem);

/* Raw input read as it arrives: a file, or stdin for path "-"; data that
 * starts with the gzip magic (1f 8b) is decompressed, whatever the name
 * (concatenated members too), like every file the library reads.
 * crftag_input_open returns CRFTAG_OK, CRFTAG_ERR_IO (err names the file:
 * cannot open, a directory), CRFTAG_ERR_INVALID (NULL path or out) or
 * CRFTAG_ERR_NOMEM; free the handle with crftag_input_close.  One thread at
 * a time per handle. */
struct crftag_input;

CRFTAG_API enum crftag_status crftag_input_open(const char *path, struct crftag_input **out,
                                                struct crftag_error *err);

/* Reads the next bytes of the input up to and including the next "\n", at
 * most cap (> 0) of them, into buf (the caller's; not NUL-terminated) and
 * sets *out_len.  Returns 1 (*out_len > 0: a whole line, its "\n" last; the
 * first cap bytes of a longer line; or the last line without "\n"), 0 at
 * the end of the input, or a negative enum crftag_status (read error, corrupt
 * or truncated gzip data; err names the file) with *out_len 0.  It returns as
 * soon as the "\n" has been read and never waits for more input, so a
 * program on the other end of a pipe can read the answer to one line before
 * it writes the next. */
CRFTAG_API int crftag_input_read(struct crftag_input *in, char *buf, size_t cap,
                                 size_t *out_len, struct crftag_error *err);

/* 1 when the next crftag_input_read returns without waiting for input to
 * arrive (bytes are buffered, the input has ended, or it is a regular file),
 * 0 when it may wait (a pipe or terminal with nothing to read yet; gzip data
 * may give 0 although its buffered bytes would inflate to more).  NULL
 * gives 1.  As crftag_reader_ready. */
CRFTAG_API int crftag_input_ready(const struct crftag_input *in);

CRFTAG_API void crftag_input_close(struct crftag_input *in);

/* ------------------------------------------------------------------------ */
/* Chunks and evaluation (conlleval rules)                                  */
/* ------------------------------------------------------------------------ */

/* A chunk (entity): tokens [begin, end) of type type[0..type_len). */
struct crftag_chunk {
    size_t begin;
    size_t end;
    const char *type;     /* points into the label string */
    size_t type_len;
};

/* Finds the chunks of a label sequence by conlleval's rules: B-/I-/O, IOB1
 * and IOB2 (and E- ends a chunk; like conlleval, S- is not special).  out
 * must have room for n chunks; the number found is returned. */
CRFTAG_API size_t crftag_chunks(const char *const *labels, size_t n,
                                struct crftag_chunk *out);

/* Plain tags.  A label is a chunk label when it is "P-TYPE" with P one of
 * the letters B, I, E, S (upper case, alone before the first '-') and TYPE
 * not empty: "B-PER", "I-NP", "S-Data-Structure".  A set of labels is plain
 * tags (part-of-speech tags such as NOUN, VERB, PUNCT; "-LRB-" and "PRP$"
 * too) when none of its labels is a chunk label and at least one is not "O".
 * Any other set (a single chunk label is enough; so is a set of only "O") is
 * chunked and scored by conlleval's rules.  For plain tags every token not
 * tagged "O" is a chunk of its own, its type the whole label.
 *
 * crftag_labels_plain returns 1 when labels[0..n) are plain tags by this
 * rule, else 0 (NULL entries are skipped; NULL labels gives 0). */
CRFTAG_API int crftag_labels_plain(const char *const *labels, size_t n);

/* The chunks of plain tags: one per token whose label is not "O", in token
 * order, with type = the whole label (type points to the label string).  out
 * must have room for n chunks; the number written is returned. */
CRFTAG_API size_t crftag_chunks_plain(const char *const *labels, size_t n,
                                      struct crftag_chunk *out);

/* Evaluation.  Which rules score the labels is decided from the gold labels
 * of every sentence added (crftag_labels_plain's rule, applied when results
 * are read):
 * - chunk labels (BIO, IOB1, IOBES, ...): conlleval's counts and report,
 *   byte for byte;
 * - plain tags: token by token.  A "chunk" is a token whose label is not
 *   "O" and its type is the whole label, so precision, recall and F1 are
 *   per tag (crftag_eval_type) and micro-averaged over the tags other than
 *   "O" (crftag_eval_total, crftag_eval_f1); the headline figure is the
 *   token accuracy (crftag_eval_counts.accuracy), which equals that F1 when
 *   no label is "O". */
struct crftag_eval;

struct crftag_eval_counts {
    uint64_t tokens;          /* tokens scored                          */
    uint64_t correct_tokens;  /* tokens whose two labels are equal      */
                              /*   (conlleval's tag and type equality;  */
                              /*   plain tags: equal bytes)             */
    uint64_t gold_chunks;     /* chunks in the gold labels              */
    uint64_t pred_chunks;     /* chunks in the predicted labels         */
    uint64_t correct_chunks;  /* chunks equal in span and type          */
    /* appended after 0.1.0 (fields are only ever added at the end) */
    int plain_tags;           /* 1: the gold labels are plain tags and   */
                              /*   the counts are per token (see above) */
    double accuracy;          /* 100 * correct_tokens / tokens (0 with  */
                              /*   no token); crftag_eval_total only    */
};

CRFTAG_API enum crftag_status crftag_eval_new(struct crftag_eval **out);
CRFTAG_API void crftag_eval_free(struct crftag_eval *e);

/* Adds one sentence of n gold and predicted labels. */
CRFTAG_API enum crftag_status crftag_eval_add(struct crftag_eval *e,
                                              const char *const *gold,
                                              const char *const *pred, size_t n);

/* Overall counts (size: the caller's sizeof *out, see "Binary
 * compatibility" above), and entity micro F1 in percent (0 when nothing
 * found; for plain tags the F1 of the tags other than "O"). */
CRFTAG_API void crftag_eval_total_sz(const struct crftag_eval *e, struct crftag_eval_counts *out,
                                     size_t size);
#define crftag_eval_total(e, out) \
    crftag_eval_total_sz((e), (out), sizeof(struct crftag_eval_counts))
CRFTAG_API double crftag_eval_f1(const struct crftag_eval *e);

/* Chunk types seen (in gold or predicted), sorted as conlleval sorts them;
 * for plain tags the tags other than "O" seen, sorted by bytes, with their
 * gold, predicted and correct token counts (into *out when not NULL; size:
 * the caller's sizeof *out). */
CRFTAG_API size_t crftag_eval_num_types(const struct crftag_eval *e);
CRFTAG_API const char *crftag_eval_type_sz(const struct crftag_eval *e, size_t i,
                                           struct crftag_eval_counts *out, size_t size);
#define crftag_eval_type(e, i, out) \
    crftag_eval_type_sz((e), (i), (out), sizeof(struct crftag_eval_counts))

/* The report conlleval prints for the same input, byte for byte, as a
 * NUL-terminated string to be freed with free().  For plain tags a report in
 * the same layout, token by token:
 *   processed N tokens (plain tags, not BIO: scored token by token); correct: K.
 *   token accuracy: AAA.AA%
 *   TAG: precision: PP.PP%; recall: RR.RR%; FB1: FF.FF  gold: G; found: F; correct: C
 * one TAG line per tag other than "O" (as crftag_eval_type lists them, the
 * name right-aligned in 17 columns as conlleval's types). */
CRFTAG_API enum crftag_status crftag_eval_report(const struct crftag_eval *e, char **out);

#ifdef __cplusplus
}
#endif

#endif /* CRFTAG_H */
