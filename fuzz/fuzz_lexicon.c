/*
 * fuzz_lexicon.c - libFuzzer harness for the user lexicon reader
 * (lex_read_user: the files of `crftag train --lexicon FILE`, plain or gzip).
 *
 * Input: byte 0 selects the mode (bit 0: gzip-compress each file before
 * writing it, bit 1: the rest is split at form feeds into up to FL_MAXFILES
 * files, read as one lexicon, the last file taking any further form feed;
 * bit 2: fold LEX_FOLD_PLURAL instead of 0), the rest is the file(s).
 *
 * The harness cuts every file into lines as the reader does (one "\r"
 * before the end dropped, a byte order mark opening the file ignored) and
 * holds the reader to the format of lexicon.h:
 *
 *   success  every line that is not blank or a comment obeys the rules (no
 *            NUL, valid UTF-8, at most one TAB, a type of 1..LEX_MAXTYPELEN
 *            bytes, a name of 1..LEX_MAXTOK tokens of at most LEX_MAXTOKLEN
 *            bytes); its name, split by the tokenizer, is found by
 *            lex_lookup with a user value, also with the case of its ASCII
 *            letters swapped; the entries are, in order, the lines whose name
 *            was new, stored as written and with their own type; the other
 *            lines are the duplicates counted in *dups; each entry looks up
 *            to its own value; the lexicon is NULL when no line holds a name
 *   error    a message and the status in err.code; CRFTAG_ERR_PARSE names
 *            one of the files and a line of it that holds a name; the same
 *            files cut just before that line read without error, and the
 *            line breaks a rule, or else its name is new and its type would
 *            be one more than LEX_MAXTYPES; CRFTAG_ERR_IO only when a plain
 *            file opens with the gzip magic (the reader then decodes it)
 */
#include "fuzz_common.h"
#include "hash.h"
#include "lexicon.h"
#include "tokenize.h"

#define FL_MAXFILES 4

struct fl_file {
    const uint8_t *data;
    size_t len;
};

/* What fl_parse makes of a line. */
struct fl_line {
    size_t ntok;
    const char *tok[LEX_MAXTOK];
    char *buf;                   /* the tokens, NUL-terminated */
    const char *type;
    size_t tlen;
};

struct fl_state {
    struct crftag_token *toks;   /* tokenizer output, reused */
    size_t tok_cap;
    char *buf;                   /* fl_line.buf, reused */
    size_t buf_cap;
};

/* Next line of f from *pos as io_getline returns it (s[0..*n), one "\r"
 * before the end dropped) and the line's number in *lineno; the byte order
 * mark of line 1 is dropped.  Returns 0 at the end of the file. */
static int fl_next(const struct fl_file *f, size_t *pos, long *lineno, const char **s, size_t *n)
{
    if (*pos >= f->len)
        return 0;
    const char *p = (const char *)f->data + *pos;
    size_t rest = f->len - *pos;
    const char *nl = memchr(p, '\n', rest);
    size_t l = nl ? (size_t)(nl - p) : rest;
    *pos += nl ? l + 1 : l;
    if (l > 0 && p[l - 1] == '\r')
        l--;
    if (++*lineno == 1 && l >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0) {
        p += 3;
        l -= 3;
    }
    *s = p;
    *n = l;
    return 1;
}

/* The rules of lexicon.h applied to the line s[0..n).  Returns 0 for a blank
 * line or a comment, 1 for a valid line (filled into *ln), -1 for a line the
 * reader must refuse, -2 when out of memory. */
static int fl_parse(struct fl_state *fs, const char *s, size_t n, struct fl_line *ln)
{
    size_t blank = 0;
    while (blank < n && (s[blank] == ' ' || s[blank] == '\t'))
        blank++;
    if (blank == n || s[0] == '#')
        return 0;
    if (memchr(s, '\0', n) || tok_utf8_invalid(s, n) < n)
        return -1;
    const char *tab = memchr(s, '\t', n);
    size_t nlen = n;
    ln->type = LEX_USER_TYPE;
    ln->tlen = strlen(LEX_USER_TYPE);
    if (tab) {
        nlen = (size_t)(tab - s);
        ln->type = tab + 1;
        ln->tlen = n - nlen - 1;
        if (memchr(ln->type, '\t', ln->tlen))
            return -1;
        while (ln->tlen > 0 && ln->type[0] == ' ') {
            ln->type++;
            ln->tlen--;
        }
        while (ln->tlen > 0 && ln->type[ln->tlen - 1] == ' ')
            ln->tlen--;
        if (ln->tlen == 0 || ln->tlen > LEX_MAXTYPELEN)
            return -1;
    }
    size_t nt = 0;
    if (tok_split(s, nlen, &fs->toks, &nt, &fs->tok_cap) != CRFTAG_OK)
        return -2;
    if (nt == 0 || nt > LEX_MAXTOK)
        return -1;
    if (fs->buf_cap < nlen + LEX_MAXTOK) {
        char *b = realloc(fs->buf, nlen + LEX_MAXTOK);
        if (!b)
            return -2;
        fs->buf = b;
        fs->buf_cap = nlen + LEX_MAXTOK;
    }
    char *q = fs->buf;
    for (size_t k = 0; k < nt; k++) {
        size_t l = fs->toks[k].end - fs->toks[k].start;
        if (l > LEX_MAXTOKLEN)
            return -1;
        memcpy(q, s + fs->toks[k].start, l);
        q[l] = '\0';
        ln->tok[k] = q;
        q += l + 1;
    }
    ln->ntok = nt;
    ln->buf = fs->buf;
    return 1;
}

/* 1 when entry e of lx holds exactly the tokens of ln. */
static int fl_is_entry(const struct lexicon *lx, size_t e, const struct fl_line *ln)
{
    if (lx->ent_ntok[e] != ln->ntok)
        return 0;
    const char *t = lex_entry_text(lx, e);
    for (size_t k = 0; k < ln->ntok; k++) {
        if (strcmp(t, ln->tok[k]) != 0)
            return 0;
        t += strlen(t) + 1;
    }
    return 1;
}

/* 1 when lx has the type name t[0..len). */
static int fl_has_type(const struct lexicon *lx, const char *t, size_t len)
{
    for (size_t i = 0; i < lx->ntypes; i++)
        if (strlen(lx->types[i]) == len && memcmp(lx->types[i], t, len) == 0)
            return 1;
    return 0;
}

/* Checks a lexicon read without error from files[0..nf) against their
 * lines (see the top of the file). */
static void fl_check_ok(struct fl_state *fs, const struct fl_file *files, size_t nf,
                        unsigned fold, const struct lexicon *lx, size_t dups)
{
    size_t e = 0, ndup = 0;
    for (size_t f = 0; f < nf; f++) {
        size_t pos = 0;
        long lineno = 0;
        const char *s;
        size_t n;
        while (fl_next(&files[f], &pos, &lineno, &s, &n)) {
            struct fl_line ln;
            int r = fl_parse(fs, s, n, &ln);
            if (r == 0)
                continue;
            if (r == -2)
                return;
            if (r < 0 || !lx)
                abort();         /* a line that breaks a rule was accepted */
            unsigned v = lex_lookup(lx, ln.tok, ln.ntok);
            if (v == 0 || v != lex_user_value(lex_type(v)) || lex_type(v) >= lx->ntypes)
                abort();         /* every accepted name is found, with its type */
            if (e < lx->nent && fl_is_entry(lx, e, &ln)) {
                const char *t = lx->types[lex_type(v)];
                if (strlen(t) != ln.tlen || memcmp(t, ln.type, ln.tlen) != 0)
                    abort();     /* a new name gets the type of its line */
                e++;
            } else {
                ndup++;
            }
            for (size_t k = 0; k < ln.ntok; k++)
                for (char *c = (char *)ln.tok[k]; *c; c++)
                    if ((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z'))
                        *c ^= 0x20;
            if (lex_lookup(lx, ln.tok, ln.ntok) != v)
                abort();         /* ASCII case is folded */
        }
    }
    if (!lx) {
        if (dups != 0)
            abort();
        return;
    }
    if (e != lx->nent || ndup != dups)
        abort();                 /* entries = new names in order, the rest dups */
    if (lx->fold != fold || lx->ntypes < 1 || lx->ntypes > LEX_MAXTYPES)
        abort();
    for (size_t i = 0; i < lx->nent; i++) {
        size_t nt = lx->ent_ntok[i];
        if (nt < 1 || nt > LEX_MAXTOK)
            abort();
        const char *tok[LEX_MAXTOK];
        const char *t = lex_entry_text(lx, i);
        for (size_t k = 0; k < nt; k++) {
            tok[k] = t;
            if (strlen(t) > LEX_MAXTOKLEN)
                abort();
            t += strlen(t) + 1;
        }
        unsigned v = lex_lookup(lx, tok, nt);
        if (v == 0 || v != lex_entry_value(lx, i))
            abort();
    }
}

/* Writes files[0..nf) (gzip-compressed when gz) to temporary files, reads
 * them with lex_read_user and removes them; paths receives their names.
 * Returns the status, or 1 when the files could not be written. */
static int fl_read(const struct fl_file *files, size_t nf, int gz, unsigned fold,
                   char paths[][256], struct lexicon **lx, size_t *dups,
                   struct crftag_error *err)
{
    size_t written = 0;
    int rc = 0;
    for (; written < nf && rc == 0; written++) {
        if (gz) {
            unsigned char *z = NULL;
            size_t zn = fuzz_gzip(files[written].data, files[written].len, &z);
            rc = z ? fuzz_write_temp(z, zn, ".gz", paths[written]) : -1;
            free(z);
        } else {
            rc = fuzz_write_temp(files[written].data, files[written].len, ".txt",
                                 paths[written]);
        }
    }
    if (rc != 0)
        written--;               /* the last one failed and left no file */
    int st = 1;
    if (rc == 0) {
        const char *p[FL_MAXFILES];
        for (size_t f = 0; f < nf; f++)
            p[f] = paths[f];
        memset(err, 0, sizeof *err);
        st = lex_read_user(p, nf, HASH_DEFAULT_SEED, fold, lx, dups, err);
    }
    for (size_t f = 0; f < written; f++)
        unlink(paths[f]);
    return st;
}

/* Checks the CRFTAG_ERR_PARSE error err of files[0..nf) (see the top);
 * known: the lines of the files are the bytes written. */
static void fl_check_parse(struct fl_state *fs, const struct fl_file *files, size_t nf, int gz,
                           unsigned fold, int known, char paths[][256],
                           const struct crftag_error *err)
{
    size_t f = 0;
    while (f < nf && strcmp(err->file, paths[f]) != 0)
        f++;
    if (f == nf || err->line < 1)
        abort();                 /* the error names one of the files, and a line */
    if (!known)
        return;
    size_t pos = 0, start = 0;
    long lineno = 0;
    const char *s = NULL;
    size_t n = 0;
    while (lineno < err->line) {
        start = pos;
        if (!fl_next(&files[f], &pos, &lineno, &s, &n))
            abort();             /* the file has no such line */
    }
    struct fl_line ln;
    int r = fl_parse(fs, s, n, &ln);
    if (r == 0)
        abort();                 /* a blank line or a comment is never wrong */
    if (r == -2)
        return;

    /* the files up to that line, cut before it, are read without error */
    struct fl_file cut[FL_MAXFILES];
    memcpy(cut, files, (f + 1) * sizeof *cut);
    cut[f].len = start;
    char cpaths[FL_MAXFILES][256];
    struct lexicon *lx = NULL;
    size_t dups = 0;
    struct crftag_error cerr;
    int st = fl_read(cut, f + 1, gz, fold, cpaths, &lx, &dups, &cerr);
    if (st == 1 || st == CRFTAG_ERR_NOMEM)
        return;
    if (st != CRFTAG_OK)
        abort();                 /* an earlier line was wrong: not the first error */
    fl_check_ok(fs, cut, f + 1, fold, lx, dups);
    if (r == 1) {
        /* a valid line: only the type limit is left */
        r = fl_parse(fs, s, n, &ln);     /* fl_check_ok reused the buffers */
        if (r != 1 || !lx || lx->ntypes != LEX_MAXTYPES || lex_lookup(lx, ln.tok, ln.ntok) != 0
            || fl_has_type(lx, ln.type, ln.tlen))
            abort();
    }
    lex_free(lx);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > (1 << 16))
        return 0;
    unsigned mode = data[0];
    data++;
    size--;
    int gz = mode & 1;
    unsigned fold = mode & 4 ? LEX_FOLD_PLURAL : 0;
    struct fl_file files[FL_MAXFILES];
    size_t nf = 0;
    for (;;) {
        const uint8_t *ff = (mode & 2) && nf + 1 < FL_MAXFILES ? memchr(data, '\f', size) : NULL;
        size_t len = ff ? (size_t)(ff - data) : size;
        files[nf].data = data;
        files[nf++].len = len;
        if (!ff)
            break;
        data += len + 1;
        size -= len + 1;
    }
    /* gzread decodes a plain file that opens with the gzip magic: its lines
     * are not the bytes written */
    int known = 1;
    for (size_t f = 0; f < nf; f++)
        if (!gz && files[f].len >= 2 && files[f].data[0] == 0x1f && files[f].data[1] == 0x8b)
            known = 0;

    char paths[FL_MAXFILES][256];
    struct lexicon *lx = NULL;
    size_t dups = 0;
    struct crftag_error err;
    int st = fl_read(files, nf, gz, fold, paths, &lx, &dups, &err);
    if (st == 1)
        return 0;
    struct fl_state fs;
    memset(&fs, 0, sizeof fs);
    if (st == CRFTAG_OK) {
        if (lx && lx->nent == 0)
            abort();             /* no entry: NULL, not an empty lexicon */
        if (known)
            fl_check_ok(&fs, files, nf, fold, lx, dups);
    } else {
        if (err.msg[0] == '\0' || err.code != (enum crftag_status)st)
            abort();             /* an error always explains itself */
        if (st == CRFTAG_ERR_PARSE)
            fl_check_parse(&fs, files, nf, gz, fold, known, paths, &err);
        else if (st == CRFTAG_ERR_IO ? known : st != CRFTAG_ERR_NOMEM)
            abort();             /* readable files give no other error */
    }
    lex_free(lx);
    free(fs.toks);
    free(fs.buf);
    return 0;
}
