/*
 * scan_output.c - the lines `vigil scan` prints, exactly as clamscan prints
 * them, plus vigil's additions (documented in docs/CLI.md):
 *
 *   <path>: <Name> FOUND                  one per match (several with -z)
 *   <path>: OK
 *   <path>: OK (incomplete: MaxFileSize)  a limit cut the scan short
 *   <path>: Empty file | Excluded | Excluded (/proc) | Symbolic link |
 *           Access denied | Can't open directory.
 *   <path>: <message> ERROR
 *   <path>: Excluded (MaxDirRecursion) | Symbolic link loop |
 *           Directory loop | Broken symbolic link |
 *           Not supported file type                         (vigil only)
 *
 * Each file's lines are formatted first and written with one write() under
 * one lock, so lines from parallel workers never interleave, and the
 * progress line is erased first. The log (-l) receives what clamscan's log
 * receives: every line except plain OK lines, plus warnings and the summary.
 *
 * Paths and names are attacker-chosen bytes: in text output, control
 * characters are written as \xHH so that a file name cannot forge a line;
 * in JSON they are escaped as JSON requires (scan_json.c).
 */
#include "scan_output.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/buf.h"
#include "scan_json.h"

struct scan_output {
    pthread_mutex_t mu;
    const struct scan_cfg *cfg;
    int logfd;
    int log_failed;
    struct scan_progress *prog;
    struct scan_counts c;
};

/* A growable buffer whose first allocation failure sticks. */
struct ob {
    struct buf b;
    int oom;
};

/* What one report writes, in this order: stderr, then stdout; and the log. */
struct rec {
    struct ob err, out, log;
    int bell;
};

static void
put_n(struct ob *o, const char *s, size_t n)
{
    if (!o->oom && buf_append(&o->b, s, n) != VG_OK)
        o->oom = 1;
}

static void
put(struct ob *o, const char *s)
{
    put_n(o, s, strlen(s));
}

static void putf(struct ob *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
putf(struct ob *o, const char *fmt, ...)
{
    char small[256];
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(small, sizeof(small), fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n < sizeof(small)) {
        put_n(o, small, (size_t)n);
        return;
    }
    if (!o->oom) {
        va_start(ap, fmt);
        if (buf_reserve(&o->b, (size_t)n + 1) != VG_OK)
            o->oom = 1;
        else {
            vsnprintf((char *)o->b.p + o->b.len, (size_t)n + 1, fmt, ap);
            o->b.len += (size_t)n;
        }
        va_end(ap);
    }
}

/* Text-safe copy: control characters become \xHH, nothing else changes. */
static void
put_text(struct ob *o, const char *s)
{
    static const char hexd[] = "0123456789abcdef";
    const char *run = s;

    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;

        if (c < 0x20 || c == 0x7f) {
            char esc[4] = {'\\', 'x', hexd[c >> 4], hexd[c & 15]};

            put_n(o, run, (size_t)(s - run));
            put_n(o, esc, 4);
            run = s + 1;
        }
    }
    put_n(o, run, (size_t)(s - run));
}

static void
put_json(struct ob *o, const char *s, int *lossless)
{
    if (!o->oom && scan_json_str(&o->b, s, strlen(s), lossless) != VG_OK)
        o->oom = 1;
}

/* "path": ... and, when the path is not UTF-8, its bytes in hex. */
static void
put_json_path(struct ob *o, const char *path)
{
    int lossless = 1;

    put(o, "\"path\":");
    put_json(o, path, &lossless);
    if (!lossless) {
        put(o, ",\"path_hex\":");
        if (!o->oom && scan_json_hex(&o->b, path, strlen(path)) != VG_OK)
            o->oom = 1;
    }
}

static void
rec_free(struct rec *r)
{
    buf_free(&r->err.b);
    buf_free(&r->out.b);
    buf_free(&r->log.b);
}

/* One text line "<path>: <what>" (what is trusted text) to stdout and/or log. */
static void
path_line(struct rec *r, const char *path, const char *what, int show, int log)
{
    struct ob line = {{0}, 0};

    put_text(&line, path);
    put(&line, ": ");
    put(&line, what);
    put(&line, "\n");
    if (line.oom) {
        r->out.oom = 1;
    } else {
        if (show)
            put_n(&r->out, (const char *)line.b.p, line.b.len);
        if (log)
            put_n(&r->log, (const char *)line.b.p, line.b.len);
    }
    buf_free(&line.b);
}

static void
write_all(int fd, const void *p, size_t n, int *failed)
{
    const char *c = p;

    while (n > 0) {
        ssize_t w = write(fd, c, n);

        if (w < 0) {
            if (errno == EINTR)
                continue;
            *failed = errno;
            return;
        }
        c += w;
        n -= (size_t)w;
    }
}

/* Write a report, with the lock held. */
static void
emit_locked(struct scan_output *o, struct rec *r)
{
    int failed = 0;

    if (r->err.oom || r->out.oom || r->log.oom) {
        static const char msg[] = "ERROR: out of memory while formatting a report\n";

        write_all(STDERR_FILENO, msg, sizeof(msg) - 1, &failed);
        o->c.hard_error = 1;
        return;
    }
    if (r->err.b.len == 0 && r->out.b.len == 0 && r->log.b.len == 0 && !r->bell)
        return;
    if (r->err.b.len > 0 || r->out.b.len > 0 || r->bell)
        scan_progress_clear(o->prog);
    if (r->err.b.len > 0)
        write_all(STDERR_FILENO, r->err.b.p, r->err.b.len, &failed);
    if (r->out.b.len > 0)
        write_all(STDOUT_FILENO, r->out.b.p, r->out.b.len, &failed);
    if (r->bell)
        write_all(STDERR_FILENO, "\a", 1, &failed);
    if (failed)
        o->c.hard_error = 1; /* output lost (a full disk, a closed pipe): say so in the exit code */
    if (o->logfd >= 0 && r->log.b.len > 0 && !o->log_failed) {
        write_all(o->logfd, r->log.b.p, r->log.b.len, &o->log_failed);
        if (o->log_failed) {
            char msg[256];
            int n = snprintf(msg, sizeof(msg), "ERROR: writing the log file %s: %s\n",
                             o->cfg->log_path, strerror(o->log_failed));

            if (n > 0)
                write_all(STDERR_FILENO, msg, (size_t)n < sizeof(msg) ? (size_t)n : sizeof(msg) - 1,
                          &failed);
            o->c.hard_error = 1;
        }
    }
}

int
scan_output_new(const struct scan_cfg *cfg, struct scan_output **out)
{
    static const char sep[] =
        "\n-------------------------------------------------------------------------------\n\n";
    struct scan_output *o;
    int failed = 0;

    *out = NULL;
    if ((o = calloc(1, sizeof(*o))) == NULL) {
        fprintf(stderr, "ERROR: out of memory\n");
        return -1;
    }
    pthread_mutex_init(&o->mu, NULL);
    o->cfg = cfg;
    o->logfd = -1;
    if (cfg->log_path != NULL) {
        o->logfd = open(cfg->log_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, 0666);
        if (o->logfd < 0) {
            fprintf(stderr, "ERROR: Failed to open log file %s: %s\n", cfg->log_path,
                    strerror(errno));
            scan_output_free(o);
            return -1;
        }
        write_all(o->logfd, sep, sizeof(sep) - 1, &failed);
        if (failed) {
            fprintf(stderr, "ERROR: writing the log file %s: %s\n", cfg->log_path,
                    strerror(failed));
            scan_output_free(o);
            return -1;
        }
    }
    *out = o;
    return 0;
}

void
scan_output_free(struct scan_output *o)
{
    if (o == NULL)
        return;
    if (o->logfd >= 0)
        close(o->logfd);
    pthread_mutex_destroy(&o->mu);
    free(o);
}

void
scan_output_set_progress(struct scan_output *o, struct scan_progress *p)
{
    pthread_mutex_lock(&o->mu);
    if (o->prog != NULL && o->prog != p)
        scan_progress_clear(o->prog);
    o->prog = p;
    pthread_mutex_unlock(&o->mu);
}

/* ERROR/WARNING lines: stderr, or stdout with --stdout; always logged. */
static void message(struct scan_output *o, const char *prefix, int hide, const char *fmt, va_list ap)
    __attribute__((format(printf, 4, 0)));

static void
message(struct scan_output *o, const char *prefix, int hide, const char *fmt, va_list ap)
{
    struct rec r;
    struct ob line = {{0}, 0};
    char small[1024];

    memset(&r, 0, sizeof(r));
    vsnprintf(small, sizeof(small), fmt, ap);
    put(&line, prefix);
    put_text(&line, small);
    put(&line, "\n");
    if (!line.oom) {
        if (!hide)
            put_n(o->cfg->to_stdout && !o->cfg->json ? &r.out : &r.err, (const char *)line.b.p,
                  line.b.len);
        put_n(&r.log, (const char *)line.b.p, line.b.len);
    } else
        r.err.oom = 1;
    buf_free(&line.b);
    pthread_mutex_lock(&o->mu);
    emit_locked(o, &r);
    pthread_mutex_unlock(&o->mu);
    rec_free(&r);
}

void
scan_output_error(struct scan_output *o, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    message(o, "ERROR: ", 0, fmt, ap);
    va_end(ap);
    pthread_mutex_lock(&o->mu);
    o->c.hard_error = 1;
    pthread_mutex_unlock(&o->mu);
}

void
scan_output_warning(struct scan_output *o, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    message(o, "WARNING: ", o->cfg->quiet, fmt, ap);
    va_end(ap);
}

/* The JSON status and, for exclusions, the reason, of a note. */
static const char *
note_status(enum scan_note n, const char **reason)
{
    *reason = NULL;
    switch (n) {
    case NOTE_EXCLUDED: *reason = "pattern"; return "excluded";
    case NOTE_EXCLUDED_FS: *reason = "other_filesystem"; return "excluded";
    case NOTE_EXCLUDED_PROC: *reason = "proc"; return "excluded";
    case NOTE_EXCLUDED_DEPTH: *reason = "max_dir_recursion"; return "excluded";
    case NOTE_SYMLINK: return "symlink";
    case NOTE_BROKEN_LINK: *reason = "broken"; return "symlink";
    case NOTE_LOOP: return "loop";
    case NOTE_UNSUPPORTED:
    case NOTE_ARG_UNSUPPORTED: return "unsupported";
    case NOTE_EMPTY: return "empty";
    case NOTE_ACCESS_DENIED: return "access_denied";
    case NOTE_MISSING: return "not_accessible";
    default: return "error";
    }
}

static void
json_begin(struct ob *o, const struct scan_item *it, const char *status)
{
    put(o, it->is_dir ? "{\"type\":\"dir\"," : "{\"type\":\"file\",");
    put_json_path(o, it->path);
    put(o, ",\"status\":\"");
    put(o, status);
    put(o, "\"");
}

static void
json_note(struct rec *r, const struct scan_item *it)
{
    const char *reason, *status = note_status(it->note, &reason);

    json_begin(&r->out, it, status);
    if (reason)
        putf(&r->out, ",\"reason\":\"%s\"", reason);
    if (it->err != 0) {
        put(&r->out, ",\"error\":");
        put_json(&r->out, strerror(it->err), NULL);
    }
    put(&r->out, "}\n");
}

void
scan_output_note(struct scan_output *o, const struct scan_item *it)
{
    const struct scan_cfg *cfg = o->cfg;
    int show = !cfg->quiet && !cfg->infected_only && !cfg->json;
    int json = cfg->json && !cfg->quiet && !cfg->infected_only;
    int error = 0, hard = 0;
    struct rec r;
    char what[512];
    const char *p = it->path;

    memset(&r, 0, sizeof(r));
    switch (it->note) {
    case NOTE_NONE:
        return;
    case NOTE_DIR_SCANNED:
        pthread_mutex_lock(&o->mu);
        o->c.dirs++;
        pthread_mutex_unlock(&o->mu);
        return;
    case NOTE_EXCLUDED:
    case NOTE_EXCLUDED_FS: path_line(&r, p, "Excluded", show, 1); break;
    case NOTE_EXCLUDED_PROC: path_line(&r, p, "Excluded (/proc)", show, 1); break;
    case NOTE_EXCLUDED_DEPTH: path_line(&r, p, "Excluded (MaxDirRecursion)", show, 1); break;
    case NOTE_SYMLINK: path_line(&r, p, "Symbolic link", show, 1); break;
    case NOTE_BROKEN_LINK: path_line(&r, p, "Broken symbolic link", show, 1); break;
    case NOTE_LOOP:
        path_line(&r, p, it->via_link ? "Symbolic link loop" : "Directory loop", show, 1);
        break;
    case NOTE_UNSUPPORTED: path_line(&r, p, "Not supported file type", show, 1); break;
    case NOTE_EMPTY: path_line(&r, p, "Empty file", show, 1); break;
    case NOTE_ACCESS_DENIED:
        path_line(&r, p, "Access denied", show, 1);
        error = 1;
        break;
    case NOTE_DIR_ERROR:
        path_line(&r, p, "Can't open directory.", show, 1);
        error = 1;
        break;
    case NOTE_OPEN_ERROR:
    case NOTE_STDIN_ERROR:
        snprintf(what, sizeof(what), "Can't %s: %s ERROR",
                 it->note == NOTE_STDIN_ERROR ? "read standard input"
                 : it->is_dir                 ? "read directory"
                                              : "open file",
                 strerror(it->err));
        path_line(&r, p, what, show, 1);
        error = 1;
        break;
    case NOTE_MISSING:
    case NOTE_ARG_UNSUPPORTED: {
        /* clamscan: perror() on stderr, then a warning */
        struct ob *wdst = cfg->to_stdout && !cfg->json ? &r.out : &r.err;

        if (it->note == NOTE_MISSING) {
            put_text(&r.err, p);
            putf(&r.err, ": %s\n", strerror(it->err));
        }
        if (!cfg->quiet) {
            put(wdst, "WARNING: ");
            put_text(wdst, p);
            put(wdst, it->note == NOTE_MISSING ? ": Can't access file\n" : ": Not supported file type\n");
        }
        put(&r.log, "WARNING: ");
        put_text(&r.log, p);
        put(&r.log, it->note == NOTE_MISSING ? ": Can't access file\n" : ": Not supported file type\n");
        hard = 1;
        break;
    }
    }
    if (json)
        json_note(&r, it);
    pthread_mutex_lock(&o->mu);
    if (error)
        o->c.errors++;
    if (hard)
        o->c.hard_error = 1;
    emit_locked(o, &r);
    pthread_mutex_unlock(&o->mu);
    rec_free(&r);
}

/* The name of each VG_LIMIT_* bit set in bits, joined by sep. */
static void
put_limits(struct ob *o, uint32_t bits, const char *sep, int json)
{
    int first = 1;

    for (unsigned i = 0; i < 32; i++) {
        uint32_t bit = 1u << i;
        const char *name;
        char fallback[24];

        if (!(bits & bit))
            continue;
        name = vg_limit_name(bit);
        if (name == NULL || *name == '\0') {
            snprintf(fallback, sizeof(fallback), "Limit0x%02x", (unsigned)bit);
            name = fallback;
        }
        if (!first)
            put(o, sep);
        if (json)
            put_json(o, name, NULL);
        else
            put_text(o, name);
        first = 0;
    }
}

/* -a: "<path>!<outer layers>!(<depth>)<innermost layer>: <Name> FOUND". */
static void
archive_line(struct rec *r, const char *path, const struct reply_match *m)
{
    const char *layer = m->layer ? m->layer : "";
    const char *last = strrchr(layer, '!');
    unsigned depth = 0;
    struct ob line = {{0}, 0};

    if (*layer) {
        depth = 1;
        for (const char *c = layer; *c; c++)
            depth += *c == '!';
    }
    put_text(&line, path);
    put(&line, "!");
    if (last != NULL) {
        char *outer = strndup(layer, (size_t)(last - layer));

        if (outer == NULL)
            line.oom = 1;
        else
            put_text(&line, outer);
        free(outer);
        put(&line, "!");
        last++;
    } else
        last = layer;
    putf(&line, "(%u)", depth);
    put_text(&line, last);
    put(&line, ": ");
    put_text(&line, m->name);
    put(&line, " FOUND\n");
    if (line.oom)
        r->out.oom = 1;
    put_n(&r->out, (const char *)line.b.p, line.b.len);
    put_n(&r->log, (const char *)line.b.p, line.b.len);
    buf_free(&line.b);
}

static void
text_result(struct rec *r, const struct scan_cfg *cfg, const struct scan_item *it,
            const struct scan_reply *rep)
{
    int show = !cfg->quiet;
    struct ob what = {{0}, 0};

    if (cfg->verbose) {
        struct ob line = {{0}, 0};

        put(&line, "Scanning ");
        put_text(&line, it->path);
        put(&line, "\n");
        if (show)
            put_n(&r->out, (const char *)line.b.p, line.b.len);
        put_n(&r->log, (const char *)line.b.p, line.b.len);
        if (line.oom)
            r->out.oom = 1;
        buf_free(&line.b);
    }
    if (rep->status != VG_OK) {
        put_text(&what, rep->error[0] ? rep->error : vg_status_str(rep->status));
        put(&what, " ERROR");
        put_n(&what, "", 1);
        if (!what.oom)
            path_line(r, it->path, (const char *)what.b.p, show && !cfg->infected_only, 1);
    } else if (rep->nmatches > 0) {
        for (size_t i = 0; i < rep->nmatches; i++) {
            what.b.len = 0;
            put_text(&what, rep->matches[i].name ? rep->matches[i].name : "");
            put(&what, " FOUND");
            put_n(&what, "", 1);
            if (!what.oom)
                path_line(r, it->path, (const char *)what.b.p, show, 1);
        }
        if (cfg->archive_verbose)
            for (size_t i = 0; i < rep->nmatches; i++)
                archive_line(r, it->path, &rep->matches[i]);
        r->bell = cfg->bell;
    } else if (rep->incomplete) {
        put(&what, "OK (incomplete: ");
        put_limits(&what, rep->incomplete, ", ", 0);
        put(&what, ")");
        put_n(&what, "", 1);
        if (!what.oom)
            path_line(r, it->path, (const char *)what.b.p, show && !cfg->infected_only, 1);
    } else {
        /* clamscan does not log OK lines */
        path_line(r, it->path, "OK", show && !cfg->infected_only && !cfg->suppress_ok, 0);
    }
    if (what.oom)
        r->out.oom = 1;
    buf_free(&what.b);
}

static void
json_result(struct rec *r, const struct scan_cfg *cfg, const struct scan_item *it,
            const struct scan_reply *rep)
{
    struct ob *o = &r->out;
    const char *status;

    if (rep->status != VG_OK)
        status = "error";
    else if (rep->nmatches > 0)
        status = "infected";
    else if (rep->incomplete)
        status = "incomplete";
    else
        status = "clean";
    if (cfg->quiet || (cfg->infected_only && rep->nmatches == 0) ||
        (cfg->suppress_ok && strcmp(status, "clean") == 0))
        return;
    json_begin(o, it, status);
    putf(o, ",\"size\":%llu", (unsigned long long)it->size);
    if (rep->status != VG_OK) {
        put(o, ",\"error\":");
        put_json(o, rep->error[0] ? rep->error : vg_status_str(rep->status), NULL);
        put(o, "}\n");
        return;
    }
    putf(o, ",\"bytes_scanned\":%llu,\"file_type\":", (unsigned long long)rep->bytes_scanned);
    put_json(o, rep->file_type, NULL);
    put(o, ",\"matches\":[");
    for (size_t i = 0; i < rep->nmatches; i++) {
        const struct reply_match *m = &rep->matches[i];

        put(o, i ? ",{\"name\":" : "{\"name\":");
        put_json(o, m->name ? m->name : "", NULL);
        if (m->offset == VG_NO_OFFSET)
            put(o, ",\"offset\":null");
        else
            putf(o, ",\"offset\":%llu", (unsigned long long)m->offset);
        put(o, ",\"layer\":");
        put_json(o, m->layer ? m->layer : "", NULL);
        put(o, "}");
    }
    put(o, "],\"incomplete\":[");
    put_limits(o, rep->incomplete, ",", 1);
    put(o, "]");
    if (rep->incomplete) {
        put(o, ",\"incomplete_where\":");
        put_json(o, rep->incomplete_where, NULL);
    }
    put(o, "}\n");
}

void
scan_output_result(struct scan_output *o, const struct scan_item *it, const struct scan_reply *rep)
{
    const struct scan_cfg *cfg = o->cfg;
    struct rec r;

    memset(&r, 0, sizeof(r));
    if (cfg->json) {
        struct rec text;

        /* the log keeps clamscan's text format in JSON mode too */
        memset(&text, 0, sizeof(text));
        text_result(&text, cfg, it, rep);
        r.log = text.log;
        r.bell = text.bell;
        buf_free(&text.out.b);
        buf_free(&text.err.b);
        if (text.out.oom)
            r.out.oom = 1;
        json_result(&r, cfg, it, rep);
    } else
        text_result(&r, cfg, it, rep);

    pthread_mutex_lock(&o->mu);
    o->c.bytes_read += it->size;
    o->c.blocks_read += it->size / 4096u;
    if (rep->status != VG_OK)
        o->c.errors++;
    else {
        o->c.files++;
        o->c.bytes_scanned += rep->bytes_scanned;
        o->c.blocks_scanned += rep->bytes_scanned / 4096u;
        if (rep->nmatches > 0)
            o->c.infected++;
        if (rep->incomplete)
            o->c.incomplete++;
    }
    emit_locked(o, &r);
    pthread_mutex_unlock(&o->mu);
    rec_free(&r);
}

static int
exit_code(const struct scan_counts *c)
{
    if (c->infected > 0)
        return 1;
    if (c->errors > 0 || c->hard_error)
        return 2;
    return 0;
}

int
scan_output_exit_code(struct scan_output *o)
{
    int rc;

    pthread_mutex_lock(&o->mu);
    rc = exit_code(&o->c);
    pthread_mutex_unlock(&o->mu);
    return rc;
}

void
scan_output_counts(struct scan_output *o, struct scan_counts *out)
{
    pthread_mutex_lock(&o->mu);
    *out = o->c;
    pthread_mutex_unlock(&o->mu);
}

static void
fmt_date(char *out, size_t len, time_t t)
{
    struct tm tm;

    if (localtime_r(&t, &tm) == NULL || strftime(out, len, "%Y:%m:%d %H:%M:%S", &tm) == 0)
        snprintf(out, len, "?");
}

static void
summary_text(struct ob *b, const struct scan_counts *c, uint64_t known, const struct scan_times *t,
             unsigned secs, unsigned ms)
{
    const double mb = 1024.0 * 1024.0;
    char sd[64], ed[64];

    fmt_date(sd, sizeof(sd), t->start_wall);
    fmt_date(ed, sizeof(ed), t->end_wall);
    put(b, "\n----------- SCAN SUMMARY -----------\n");
    putf(b, "Known viruses: %llu\n", (unsigned long long)known);
    putf(b, "Engine version: %s\n", vg_version());
    putf(b, "Scanned directories: %llu\n", (unsigned long long)c->dirs);
    putf(b, "Scanned files: %llu\n", (unsigned long long)c->files);
    putf(b, "Infected files: %llu\n", (unsigned long long)c->infected);
    if (c->errors > 0)
        putf(b, "Total errors: %llu\n", (unsigned long long)c->errors);
    /* clamscan counts whole 4 KiB blocks per file: small files count 0 */
    putf(b, "Data scanned: %2.2lf MB\n", (double)c->blocks_scanned * 4096.0 / mb);
    putf(b, "Data read: %2.2lf MB (ratio %.2f:1)\n", (double)c->blocks_read * 4096.0 / mb,
         c->blocks_read ? (double)c->blocks_scanned / (double)c->blocks_read : 0.0);
    putf(b, "Time: %u.%03u sec (%u m %u s)\n", secs, ms, secs / 60, secs % 60);
    putf(b, "Start Date: %s\n", sd);
    putf(b, "End Date:   %s\n", ed);
    if (c->incomplete > 0)
        putf(b, "Incomplete files: %llu\n", (unsigned long long)c->incomplete);
}

static void
summary_json(struct ob *b, const struct scan_counts *c, uint64_t known, const struct scan_times *t,
             unsigned secs, unsigned ms)
{
    put(b, "{\"type\":\"summary\"");
    putf(b, ",\"known_viruses\":%llu,\"engine_version\":", (unsigned long long)known);
    put_json(b, vg_version(), NULL);
    putf(b, ",\"scanned_directories\":%llu,\"scanned_files\":%llu,\"infected_files\":%llu",
         (unsigned long long)c->dirs, (unsigned long long)c->files, (unsigned long long)c->infected);
    putf(b, ",\"incomplete_files\":%llu,\"total_errors\":%llu", (unsigned long long)c->incomplete,
         (unsigned long long)c->errors);
    putf(b, ",\"data_scanned_bytes\":%llu,\"data_read_bytes\":%llu",
         (unsigned long long)c->bytes_scanned, (unsigned long long)c->bytes_read);
    putf(b, ",\"time_ms\":%llu,\"start_time\":%lld,\"end_time\":%lld,\"exit_code\":%d}\n",
         (unsigned long long)secs * 1000u + ms, (long long)t->start_wall, (long long)t->end_wall,
         exit_code(c));
}

void
scan_output_summary(struct scan_output *o, uint64_t known, const struct scan_times *t)
{
    const struct scan_cfg *cfg = o->cfg;
    struct scan_counts c;
    struct rec r;
    long long ds, dns;
    unsigned secs, ms;

    if (cfg->no_summary)
        return;
    ds = (long long)t->end_mono.tv_sec - (long long)t->start_mono.tv_sec;
    dns = (long long)t->end_mono.tv_nsec - (long long)t->start_mono.tv_nsec;
    if (dns < 0) {
        ds--;
        dns += 1000000000LL;
    }
    if (ds < 0)
        ds = dns = 0;
    secs = ds > (long long)UINT32_MAX ? UINT32_MAX : (unsigned)ds;
    ms = (unsigned)(dns / 1000000);

    memset(&r, 0, sizeof(r));
    pthread_mutex_lock(&o->mu);
    c = o->c;
    summary_text(&r.log, &c, known, t, secs, ms);
    if (!cfg->quiet) {
        if (cfg->json)
            summary_json(&r.out, &c, known, t, secs, ms);
        else
            put_n(&r.out, (const char *)r.log.b.p, r.log.b.len);
    }
    emit_locked(o, &r);
    pthread_mutex_unlock(&o->mu);
    rec_free(&r);
}

void
scan_output_tick(void *ctx)
{
    struct scan_output *o = ctx;

    pthread_mutex_lock(&o->mu);
    if (o->prog != NULL)
        scan_progress_draw(o->prog, o->c.files + o->c.errors, o->c.bytes_read);
    pthread_mutex_unlock(&o->mu);
}
