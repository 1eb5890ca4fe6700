/*
 * io.c - gzip-transparent line reader and atomic file writer (base layer).
 *
 * Reader: data starting with the gzip magic (1f 8b) is decompressed by
 * zlib's inflate (concatenated members too; bytes after the last member that
 * do not start another are ignored, as gunzip and gzread do), any other data
 * is read as it is, so one code path serves plain files, .gz files and stdin,
 * whatever their names.  read(2) is called directly rather than through
 * gzread, which waits until its whole buffer is full: a line is handed on as
 * soon as its "\n" has arrived, so a program writing to crftag through a pipe
 * gets each answer before it writes the next line.  Bytes are read in blocks
 * of up to IO_CHUNK; a line that lies wholly inside the block is returned in
 * place (its "\n" overwritten by NUL, no copy), a line that straddles blocks
 * is gathered in a growing line buffer.  Lines longer than IO_MAX_LINE are
 * refused, so a huge input without newlines fails cleanly instead of
 * exhausting memory.
 *
 * Writer: "<path>.tmp.<pid>.<n>" is created beside path (O_EXCL), written
 * through stdio with every call checked, then fflush + fsync + fclose +
 * rename; finally the directory is fsynced (best effort) so the rename
 * itself survives a crash.  An existing target that is not a regular file
 * (/dev/full, /dev/stdout, a FIFO) is written in place instead, so that a
 * device node is never replaced by a renamed file.
 */
#include "io.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "error.h"
#include "util.h"

#define IO_CHUNK (256u * 1024u)             /* bytes per read              */
#define IO_MAX_LINE ((size_t)64 << 20)      /* longest line accepted: 64 MiB */

enum { IO_UNKNOWN, IO_PLAIN, IO_GZIP, IO_DONE };

struct io_reader {
    int fd;                 /* -1 when closed */
    int mode;               /* IO_UNKNOWN until the first bytes are seen */
    z_stream zs;            /* IO_GZIP: the inflate state */
    int zs_live;            /* zs was initialized */
    unsigned char *zin;     /* [IO_CHUNK] raw bytes read from fd */
    size_t zpos, zend;      /* IO_PLAIN: unread raw bytes zin[zpos, zend) */
    int fd_eof;             /* read(2) returned 0 */
    int regular;            /* fd is a regular file: read(2) never waits */
    char *path;             /* as shown in messages ("<stdin>" for "-") */
    char *in;               /* [IO_CHUNK] block of decompressed input */
    size_t pos, end;        /* unread bytes are in[pos, end) */
    char *line;             /* [line_cap] buffer for lines straddling blocks */
    size_t line_cap;
    long lineno;            /* number of the line last returned */
    int eof;                /* the input has ended */
};

/* ------------------------------------------------------------------------ */
/* Reader                                                                   */
/* ------------------------------------------------------------------------ */

enum crftag_status io_open(const char *path, struct io_reader **out, struct crftag_error *err)
{
    *out = NULL;
    int is_stdin = strcmp(path, "-") == 0;
    const char *shown = is_stdin ? "<stdin>" : path;
    struct io_reader *r = util_calloc(1, sizeof *r);
    if (!r)
        return err_set(err, CRFTAG_ERR_NOMEM, shown, 0, "out of memory");
    r->fd = -1;
    r->path = util_strdup(shown);
    r->in = util_malloc(IO_CHUNK, 1);
    r->zin = util_malloc(IO_CHUNK, 1);
    if (!r->path || !r->in || !r->zin) {
        io_close(r);
        return err_set(err, CRFTAG_ERR_NOMEM, shown, 0, "out of memory");
    }
    if (is_stdin) {
        r->fd = fcntl(0, F_DUPFD_CLOEXEC, 0);
    } else {
        /* A directory opens fine with open(2) but fails on read: say so now. */
        struct stat st;
        if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
            errno = EISDIR;
        else
            r->fd = open(path, O_RDONLY | O_CLOEXEC);
    }
    if (r->fd < 0) {
        int e = errno;
        io_close(r);
        return err_set(err, CRFTAG_ERR_IO, shown, 0, "cannot open: %s", strerror(e));
    }
    struct stat fst;
    r->regular = fstat(r->fd, &fst) == 0 && S_ISREG(fst.st_mode);
    *out = r;
    return CRFTAG_OK;
}

/* read(2) of up to len bytes into zin[zend..): the count (0 at the end of
 * the file) or -1 with errno set.  Retried when a signal interrupts it. */
static ssize_t io_sysread(struct io_reader *r, size_t len)
{
    ssize_t n;
    do
        n = read(r->fd, r->zin + r->zend, len);
    while (n < 0 && errno == EINTR);
    if (n == 0)
        r->fd_eof = 1;
    if (n > 0)
        r->zend += (size_t)n;
    return n;
}

/* Reads until zin holds at least want unread bytes or the file ends. */
static int io_want(struct io_reader *r, size_t want, long line, struct crftag_error *err)
{
    if (r->zpos > 0 && r->zpos == r->zend)
        r->zpos = r->zend = 0;
    while (r->zend - r->zpos < want && !r->fd_eof) {
        if (r->zend == IO_CHUNK) {                /* make room at the front */
            memmove(r->zin, r->zin + r->zpos, r->zend - r->zpos);
            r->zend -= r->zpos;
            r->zpos = 0;
        }
        if (io_sysread(r, IO_CHUNK - r->zend) < 0)
            return err_set(err, CRFTAG_ERR_IO, r->path, line, "read error: %s", strerror(errno));
    }
    return 0;
}

/* At the start of the input or after a gzip member: is a gzip member next? */
static int io_gzip_next(struct io_reader *r, long line, struct crftag_error *err)
{
    int st = io_want(r, 2, line, err);
    if (st < 0)
        return st;
    return r->zend - r->zpos >= 2 && r->zin[r->zpos] == 0x1f && r->zin[r->zpos + 1] == 0x8b;
}

/* Inflates into buf: the count, 0 at the end of the last member, or a
 * negative status. */
static int io_inflate(struct io_reader *r, char *buf, unsigned len, long line,
                      struct crftag_error *err)
{
    for (;;) {
        if (r->zpos == r->zend && !r->fd_eof) {
            r->zpos = r->zend = 0;
            if (io_sysread(r, IO_CHUNK) < 0)
                return err_set(err, CRFTAG_ERR_IO, r->path, line, "read error: %s",
                               strerror(errno));
        }
        r->zs.next_in = r->zin + r->zpos;
        r->zs.avail_in = (uInt)(r->zend - r->zpos);
        r->zs.next_out = (unsigned char *)buf;
        r->zs.avail_out = len;
        int zr = inflate(&r->zs, Z_NO_FLUSH);
        r->zpos = r->zend - r->zs.avail_in;
        unsigned got = len - r->zs.avail_out;
        if (zr == Z_STREAM_END) {
            int next = io_gzip_next(r, line, err);
            if (next < 0)
                return next;
            if (next)
                inflateReset(&r->zs);
            else
                r->mode = IO_DONE;          /* what follows is not gzip: ignored */
            if (got > 0 || !next)
                return (int)got;
            continue;
        }
        if (zr == Z_MEM_ERROR)
            return err_set(err, CRFTAG_ERR_NOMEM, r->path, line, "out of memory");
        if (zr != Z_OK && !(zr == Z_BUF_ERROR && !(r->fd_eof && r->zpos == r->zend)))
            return err_set(err, CRFTAG_ERR_IO, r->path, line, "read error: %s",
                           zr == Z_BUF_ERROR ? "unexpected end of gzip data"
                           : r->zs.msg ? r->zs.msg : "corrupt gzip data");
        if (got > 0)
            return (int)got;
    }
}

/* Reads up to len bytes of the (decompressed) input into buf: the count,
 * which may be less than len (whatever has arrived, never waiting for
 * more), 0 at the end of the input, or a negative status with the error set
 * at line `line` of r's file. */
static int io_src_read(struct io_reader *r, char *buf, unsigned len, long line,
                       struct crftag_error *err)
{
    if (r->mode == IO_UNKNOWN) {
        /* one byte that is not 0x1f is enough to know the data is not gzip */
        int st = io_want(r, 1, line, err);
        if (st >= 0 && r->zend > 0 && r->zin[0] == 0x1f)
            st = io_gzip_next(r, line, err);
        if (st < 0)
            return st;
        r->mode = st == 1 ? IO_GZIP : IO_PLAIN;
        if (r->mode == IO_GZIP) {
            if (inflateInit2(&r->zs, 16 + MAX_WBITS) != Z_OK)
                return err_set(err, CRFTAG_ERR_NOMEM, r->path, line, "out of memory");
            r->zs_live = 1;
        }
    }
    if (r->mode == IO_GZIP)
        return io_inflate(r, buf, len, line, err);
    if (r->mode == IO_DONE)
        return 0;
    if (r->zpos == r->zend) {
        if (r->fd_eof)
            return 0;
        r->zpos = r->zend = 0;
        if (io_sysread(r, IO_CHUNK) < 0)
            return err_set(err, CRFTAG_ERR_IO, r->path, line, "read error: %s", strerror(errno));
    }
    size_t n = r->zend - r->zpos;
    if (n > len)
        n = len;
    memcpy(buf, r->zin + r->zpos, n);
    r->zpos += n;
    return (int)n;
}

/* Fills in[] with the next block.  Returns 0 (check r->eof) or a status. */
static int io_fill(struct io_reader *r, struct crftag_error *err)
{
    r->pos = r->end = 0;
    int n = io_src_read(r, r->in, IO_CHUNK, r->lineno + 1, err);
    if (n < 0)
        return n;
    if (n == 0)
        r->eof = 1;
    r->end = (size_t)n;
    return 0;
}

/* Appends in[pos, pos+n) to the line buffer holding *acc bytes. */
static int io_append(struct io_reader *r, size_t *acc, size_t n, struct crftag_error *err)
{
    if (*acc + n > IO_MAX_LINE)
        return err_set(err, CRFTAG_ERR_IO, r->path, r->lineno + 1,
                       "line longer than %zu MiB", IO_MAX_LINE >> 20);
    size_t need = *acc + n + 1;
    if (need > r->line_cap) {             /* double, but never past the limit */
        size_t cap = r->line_cap ? 2 * r->line_cap : 4096;
        if (cap > IO_MAX_LINE + 1)
            cap = IO_MAX_LINE + 1;
        if (cap < need)
            cap = need;
        char *p = realloc(r->line, cap);
        if (!p)
            return err_set(err, CRFTAG_ERR_NOMEM, r->path, r->lineno + 1, "out of memory");
        r->line = p;
        r->line_cap = cap;
    }
    memcpy(r->line + *acc, r->in + r->pos, n);
    *acc += n;
    r->pos += n;
    return 0;
}

/* Drops one "\r" before the end of line[0, *len) and NUL-terminates it. */
static void io_chomp(char *line, size_t *len)
{
    if (*len > 0 && line[*len - 1] == '\r')
        (*len)--;
    line[*len] = '\0';
}

int io_getline(struct io_reader *r, char **line, size_t *len, struct crftag_error *err)
{
    size_t acc = 0;     /* bytes of a straddling line gathered in r->line */
    int partial = 0;
    for (;;) {
        if (r->pos >= r->end) {
            if (r->eof)
                break;
            int st = io_fill(r, err);
            if (st < 0)
                return st;
            if (r->eof)
                break;
        }
        char *start = r->in + r->pos;
        size_t avail = r->end - r->pos;
        char *nl = memchr(start, '\n', avail);
        if (!nl) {
            int st = io_append(r, &acc, avail, err);
            if (st < 0)
                return st;
            partial = 1;
            continue;
        }
        size_t n = (size_t)(nl - start);
        if (!partial) {                   /* fast path: the line is in in[] */
            r->lineno++;
            r->pos += n + 1;
            io_chomp(start, &n);
            *line = start;
            *len = n;
            return 1;
        }
        int st = io_append(r, &acc, n, err);
        if (st < 0)
            return st;
        r->lineno++;
        r->pos++;                         /* the "\n" */
        io_chomp(r->line, &acc);
        *line = r->line;
        *len = acc;
        return 1;
    }
    if (!partial)
        return 0;
    r->lineno++;                          /* final line without "\n" */
    io_chomp(r->line, &acc);
    *line = r->line;
    *len = acc;
    return 1;
}

int io_read_upto(struct io_reader *r, char *buf, size_t cap, size_t *len,
                 struct crftag_error *err)
{
    size_t n = 0;
    while (n < cap) {
        if (r->pos >= r->end) {
            if (r->eof)
                break;
            int st = io_fill(r, err);
            if (st < 0)
                return st;
            if (r->eof)
                break;
        }
        size_t avail = r->end - r->pos, take = cap - n < avail ? cap - n : avail;
        const char *nl = memchr(r->in + r->pos, '\n', take);
        if (nl)
            take = (size_t)(nl - (r->in + r->pos)) + 1;
        memcpy(buf + n, r->in + r->pos, take);
        r->pos += take;
        n += take;
        if (nl) {
            r->lineno++;
            break;
        }
    }
    *len = n;
    return n > 0;
}

int io_ready(const struct io_reader *r)
{
    if (r->pos < r->end || r->eof || r->fd_eof || r->regular || r->mode == IO_DONE)
        return 1;
    if (r->mode == IO_PLAIN && r->zpos < r->zend)
        return 1;
    /* gzip with raw bytes left may still need more of them: ask the fd */
    struct pollfd p = {.fd = r->fd, .events = POLLIN};
    int n;
    do
        n = poll(&p, 1, 0);
    while (n < 0 && errno == EINTR);
    return n > 0;       /* data, end of file (POLLHUP) or an error to report */
}

long io_lineno(const struct io_reader *r)
{
    return r->lineno;
}

const char *io_path(const struct io_reader *r)
{
    return r->path;
}

void io_close(struct io_reader *r)
{
    if (!r)
        return;
    if (r->fd >= 0)
        close(r->fd);
    if (r->zs_live)
        inflateEnd(&r->zs);
    free(r->path);
    free(r->in);
    free(r->zin);
    free(r->line);
    free(r);
}

enum crftag_status io_read_all(const char *path, char **out, size_t *out_len,
                               struct crftag_error *err)
{
    *out = NULL;
    *out_len = 0;
    struct io_reader *r;
    enum crftag_status st = io_open(path, &r, err);
    if (st != CRFTAG_OK)
        return st;
    char *buf = NULL;
    size_t len = 0, cap = 0;
    for (;;) {
        if (UTIL_GROW(buf, cap, len + IO_CHUNK + 1)) {
            st = err_set(err, CRFTAG_ERR_NOMEM, r->path, 0, "out of memory");
            break;
        }
        int n = io_src_read(r, buf + len, IO_CHUNK, 0, err);
        if (n < 0) {
            st = (enum crftag_status)n;
            break;
        }
        if (n == 0)
            break;
        len += (size_t)n;
    }
    io_close(r);
    if (st != CRFTAG_OK) {
        free(buf);
        return st;
    }
    buf[len] = '\0';
    *out = buf;
    *out_len = len;
    return CRFTAG_OK;
}

/* ------------------------------------------------------------------------ */
/* Atomic writer                                                            */
/* ------------------------------------------------------------------------ */

struct io_atomic {
    FILE *f;
    char *path;     /* target */
    char *tmp;      /* "<path>.tmp.<pid>.<n>" */
    int direct;     /* path is a device or FIFO: written in place, no rename */
};

static void io_atomic_free(struct io_atomic *a)
{
    free(a->path);
    free(a->tmp);
    free(a);
}

enum crftag_status io_atomic_open(const char *path, struct io_atomic **out,
                                  struct crftag_error *err)
{
    *out = NULL;
    struct io_atomic *a = util_calloc(1, sizeof *a);
    size_t tmp_len = strlen(path) + 64;
    if (!a || !(a->path = util_strdup(path)) || !(a->tmp = util_malloc(tmp_len, 1))) {
        if (a)
            io_atomic_free(a);
        return err_set(err, CRFTAG_ERR_NOMEM, path, 0, "out of memory");
    }
    /* An existing path that is not a regular file (/dev/full, /dev/stdout, a
     * FIFO) is written in place: renaming a temporary file over it would
     * replace the device node.  A directory is refused. */
    struct stat sb;
    if (stat(path, &sb) == 0 && !S_ISREG(sb.st_mode)) {
        int fd = S_ISDIR(sb.st_mode) ? -1 : open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
        int e = S_ISDIR(sb.st_mode) ? EISDIR : errno;
        if (fd < 0 || !(a->f = fdopen(fd, "wb"))) {
            e = fd < 0 ? e : errno;
            if (fd >= 0)
                close(fd);
            io_atomic_free(a);
            return err_set(err, CRFTAG_ERR_IO, path, 0, "cannot open for writing: %s",
                           strerror(e));
        }
        a->direct = 1;
        *out = a;
        return CRFTAG_OK;
    }
    /* <n> mixes this struct's address with the clock: unique per process
     * without any global counter; O_EXCL catches the unlikely clash. */
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    uint64_t n = (uint64_t)(uintptr_t)a ^ ((uint64_t)ts.tv_nsec << 20) ^ (uint64_t)ts.tv_sec;
    int fd = -1;
    for (int attempt = 0; attempt < 16 && fd < 0; attempt++, n = n * 6364136223846793005u + 1) {
        snprintf(a->tmp, tmp_len, "%s.tmp.%ld.%llx", path, (long)getpid(),
                 (unsigned long long)(n & 0xffffffffffffu));
        fd = open(a->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        if (fd < 0 && errno != EEXIST)
            break;
    }
    if (fd < 0) {
        int e = errno;
        io_atomic_free(a);
        return err_set(err, CRFTAG_ERR_IO, path, 0, "cannot create temporary file: %s",
                       strerror(e));
    }
    a->f = fdopen(fd, "wb");
    if (!a->f) {
        int e = errno;
        close(fd);
        unlink(a->tmp);
        io_atomic_free(a);
        return err_set(err, CRFTAG_ERR_IO, path, 0, "cannot open temporary file: %s",
                       strerror(e));
    }
    *out = a;
    return CRFTAG_OK;
}

enum crftag_status io_atomic_write(struct io_atomic *a, const void *buf, size_t len,
                                   struct crftag_error *err)
{
    if (len == 0)
        return CRFTAG_OK;
    errno = 0;
    if (fwrite(buf, 1, len, a->f) != len) {
        int e = errno ? errno : EIO;
        return err_set(err, CRFTAG_ERR_IO, a->path, 0, "write failed: %s", strerror(e));
    }
    return CRFTAG_OK;
}

/* fsync of the directory holding path, so that the rename is durable.
 * Best effort: some file systems refuse fsync on directories. */
static void io_sync_dir(const char *path)
{
    const char *slash = strrchr(path, '/');
    char *dir;
    if (!slash)
        dir = util_strdup(".");
    else if (slash == path)
        dir = util_strdup("/");
    else
        dir = util_strndup(path, (size_t)(slash - path));
    if (!dir)
        return;
    int fd = open(dir, O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        (void)fsync(fd);
        close(fd);
    }
    free(dir);
}

enum crftag_status io_atomic_commit(struct io_atomic *a, struct crftag_error *err)
{
    const char *what = NULL;
    int e = 0;
    errno = 0;
    if (fflush(a->f) != 0) {
        what = "write failed";
        e = errno;
    } else if (!a->direct && fsync(fileno(a->f)) != 0) {
        what = "fsync failed";
        e = errno;
    }
    errno = 0;
    if (fclose(a->f) != 0 && !what) {
        what = "close failed";
        e = errno;
    }
    a->f = NULL;
    if (!what && !a->direct && rename(a->tmp, a->path) != 0) {
        what = "cannot rename temporary file";
        e = errno;
    }
    if (what) {
        if (!a->direct)
            unlink(a->tmp);
        enum crftag_status st = err_set(err, CRFTAG_ERR_IO, a->path, 0, "%s: %s", what,
                                        strerror(e ? e : EIO));
        io_atomic_free(a);
        return st;
    }
    if (!a->direct)
        io_sync_dir(a->path);
    io_atomic_free(a);
    return CRFTAG_OK;
}

void io_atomic_abort(struct io_atomic *a)
{
    if (!a)
        return;
    if (a->f)
        fclose(a->f);
    if (!a->direct)
        unlink(a->tmp);
    io_atomic_free(a);
}
