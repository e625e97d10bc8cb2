/*
 * cdiff.c - verify .cdiff files and run their scripts on a database set.
 *
 * The script interpreter follows ClamAV's (libclamav_rust/src/cdiff.rs)
 * command by command, including its quirks where they are harmless: a DEL or
 * XCHG prefix is one space-free word, a later edit of the same line replaces
 * an earlier one, edits are applied in line order at CLOSE, ADD text keeps
 * the script line's newline. Where ClamAV would crash or touch the file
 * system outside the database (MOVE takes unchecked paths), we reject: every
 * name must be a plain file name, MOVE needs two different existing files,
 * and a script that ends with a file still open is an error rather than
 * silently losing its edits.
 *
 * Edit and ADD text points into the script buffer; nothing is copied until
 * CLOSE builds the new file. Work is linear in the sizes of the script and
 * the files it touches.
 */
#include "update/cdiff.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <zlib.h>

#include "core/err.h"
#include "update/clamsign.h"
#include "update/cvd.h"
#include "update/dsig.h"

/* ------------------------------------------------------------ container */

static int
parse_num(const uint8_t *s, size_t n, uint64_t max, uint64_t *out)
{
    uint64_t v = 0;

    if (n == 0 || n > 20)
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        if (v > (max - (uint64_t)(s[i] - '0')) / 10)
            return -1;
        v = v * 10 + (uint64_t)(s[i] - '0');
    }
    *out = v;
    return 0;
}

vg_status
cdiff_parse(const uint8_t *buf, size_t len, struct cdiff_header *h, vg_err *err)
{
    const uint8_t *c1, *c2, *c3, *last;
    size_t scan = len < 8192 ? len : 8192;
    uint64_t v;

    memset(h, 0, sizeof(*h));
    if (len < 12 || memcmp(buf, "ClamAV-Diff:", 12) != 0)
        return err_set(err, VG_EFORMAT, "not a cdiff (no ClamAV-Diff header)");
    c1 = buf + 11;
    if ((c2 = memchr(c1 + 1, ':', scan - 12)) == NULL ||
        (c3 = memchr(c2 + 1, ':', scan - (size_t)(c2 + 1 - buf))) == NULL)
        return err_set(err, VG_EFORMAT, "cdiff header: too few fields");
    if (parse_num(c1 + 1, (size_t)(c2 - c1 - 1), UINT32_MAX, &v) != 0)
        return err_set(err, VG_EFORMAT, "cdiff header: bad version");
    h->version = (uint32_t)v;
    if (parse_num(c2 + 1, (size_t)(c3 - c2 - 1), UINT64_MAX, &h->script_len) != 0)
        return err_set(err, VG_EFORMAT, "cdiff header: bad script length");
    h->gz_off = (size_t)(c3 + 1 - buf);
    /* The trailer: the last ':' (the dsig alphabet has none). */
    last = NULL;
    for (size_t i = len; i > h->gz_off; i--) {
        if (buf[i - 1] == ':') {
            last = buf + i - 1;
            break;
        }
    }
    h->signed_len = len;
    if (last && (size_t)(buf + len - last - 1) <= DSIG_MAX_LEN && buf + len - last - 1 > 0) {
        h->dsig = (const char *)last + 1;
        h->dsig_len = (size_t)(buf + len - last - 1);
        h->signed_len = (size_t)(last - buf);
    }
    return VG_OK;
}

vg_status
cdiff_verify(const uint8_t *buf, size_t len, const uint8_t *sign, size_t signlen, const char *cert_path,
             const char *what, vg_err *err)
{
    struct cdiff_header h;
    uint8_t digest[32];
    unsigned int dlen = 0;
    vg_status st;

    if ((st = cdiff_parse(buf, len, &h, err)) != VG_OK)
        return err_prefix(err, st, what);
    if (sign) {
        st = clamsign_verify(buf, len, sign, signlen, cert_path, ".sign", NULL, 0, err);
        if (st == VG_OK)
            return VG_OK;
        if (st != VG_EUNSUPPORTED)
            return err_prefix(err, st, what);
    }
    if (h.dsig == NULL)
        return err_set(err, VG_ESIGNATURE, "%s: no trailing digital signature", what);
    if (!EVP_Digest(buf, h.signed_len, digest, &dlen, EVP_sha256(), NULL))
        return err_set(err, VG_ENOMEM, "SHA-256 failed");
    if ((st = dsig_verify_pss(digest, h.dsig, h.dsig_len, DSIG_KEY_CDIFF, err)) != VG_OK)
        return err_prefix(err, st, what);
    return VG_OK;
}

vg_status
cdiff_script(const uint8_t *buf, size_t len, const struct cdiff_header *h, struct buf *out, vg_err *err)
{
    uint64_t max = h->script_len < CDIFF_MAX_SCRIPT ? h->script_len : CDIFF_MAX_SCRIPT;
    size_t end = h->dsig ? h->signed_len : len;
    z_stream zs;
    vg_status st = VG_OK;
    int rc = Z_OK;

    if (h->script_len > CDIFF_MAX_SCRIPT)
        return err_set(err, VG_ELIMIT, "cdiff script of %llu bytes is larger than %u",
                       (unsigned long long)h->script_len, CDIFF_MAX_SCRIPT);
    if (end < h->gz_off || end - h->gz_off > UINT32_MAX)
        return err_set(err, VG_EFORMAT, "cdiff: bad layout");
    memset(&zs, 0, sizeof(zs));
    if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK)
        return err_set(err, VG_ENOMEM, "cannot start decompression");
    zs.next_in = (Bytef *)(uintptr_t)(buf + h->gz_off);
    zs.avail_in = (uInt)(end - h->gz_off);
    while (rc != Z_STREAM_END) {
        size_t room = 16384;

        if ((st = buf_reserve(out, room)) != VG_OK) {
            err_set(err, st, "out of memory");
            break;
        }
        zs.next_out = out->p + out->len;
        zs.avail_out = (uInt)room;
        rc = inflate(&zs, Z_NO_FLUSH);
        out->len += room - zs.avail_out;
        if (out->len > max) {
            st = err_set(err, VG_EFORMAT, "cdiff script is longer than its declared %llu bytes",
                         (unsigned long long)h->script_len);
            break;
        }
        if (rc == Z_BUF_ERROR && zs.avail_in == 0) {
            st = err_set(err, VG_EFORMAT, "cdiff script is truncated");
            break;
        }
        if (rc != Z_OK && rc != Z_STREAM_END) {
            st = err_set(err, VG_EFORMAT, "cdiff script is corrupt (%s)", zs.msg ? zs.msg : "inflate error");
            break;
        }
    }
    inflateEnd(&zs);
    return st;
}

/* ------------------------------------------------------------ the script */

struct edit {
    uint64_t line_no;
    size_t seq;
    const uint8_t *orig;
    size_t origlen;
    const uint8_t *repl; /* NULL: delete */
    size_t repllen;
};

struct run {
    struct dbset *db;
    char open[TAR_NAME_MAX + 1];
    int is_open;
    struct edit *edits;
    size_t nedits, cap;
    struct buf add;
    unsigned line;
    vg_err *err;
};

/* A space-separated token cursor over one command's arguments. */
struct tok {
    const uint8_t *p;
    size_t n, off;
    int done;
};

static int
tok_next(struct tok *t, const uint8_t **s, size_t *n)
{
    const uint8_t *sp;

    if (t->done)
        return 0;
    *s = t->p + t->off;
    sp = memchr(*s, ' ', t->n - t->off);
    if (sp == NULL) {
        *n = t->n - t->off;
        t->done = 1;
    } else {
        *n = (size_t)(sp - *s);
        t->off += *n + 1;
    }
    return 1;
}

/* The rest of the input, from the cursor. */
static void
tok_rest(struct tok *t, const uint8_t **s, size_t *n)
{
    *s = t->p + t->off;
    *n = t->done ? 0 : t->n - t->off;
    t->done = 1;
}

static vg_status
fail(struct run *r, vg_status st, const char *what)
{
    return err_set(r->err, st, "cdiff script line %u: %s", r->line, what);
}

/* ClamAV's rule for OPEN/UNLINK names ([A-Za-z0-9._]), and ours for files. */
static vg_status
db_name(struct run *r, const uint8_t *s, size_t n, char *out)
{
    if (n == 0 || n > TAR_NAME_MAX)
        return fail(r, VG_EFORMAT, "invalid database name");
    for (size_t i = 0; i < n; i++) {
        uint8_t c = s[i];

        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
              c == '_'))
            return err_set(r->err, VG_EFORMAT,
                           "cdiff script line %u: invalid database name (characters must be alphanumeric, '.' or '_')",
                           r->line);
    }
    memcpy(out, s, n);
    out[n] = '\0';
    if (!tar_name_ok(out))
        return fail(r, VG_EFORMAT, "invalid database name");
    return VG_OK;
}

static vg_status
line_no(struct run *r, const uint8_t *s, size_t n, uint64_t *out)
{
    if (n && s[0] == '+') {
        s++;
        n--;
    }
    if (parse_num(s, n, UINT64_MAX, out) != 0)
        return fail(r, VG_EFORMAT, "invalid line number");
    return VG_OK;
}

static vg_status
add_edit(struct run *r, uint64_t no, const uint8_t *orig, size_t origlen, const uint8_t *repl, size_t repllen)
{
    struct edit *e;

    if (!r->is_open)
        return fail(r, VG_EFORMAT, repl ? "no database open for XCHG" : "no database open for DEL");
    if (r->nedits == r->cap) {
        size_t ncap = r->cap ? r->cap * 2 : 64;
        struct edit *ne = realloc(r->edits, ncap * sizeof(*ne));

        if (ne == NULL)
            return fail(r, VG_ENOMEM, "out of memory");
        r->edits = ne;
        r->cap = ncap;
    }
    e = &r->edits[r->nedits];
    e->line_no = no;
    e->seq = r->nedits++;
    e->orig = orig;
    e->origlen = origlen;
    e->repl = repl;
    e->repllen = repllen;
    return VG_OK;
}

static int
edit_cmp(const void *a, const void *b)
{
    const struct edit *x = a, *y = b;

    if (x->line_no != y->line_no)
        return x->line_no < y->line_no ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static int
starts_with(const uint8_t *s, size_t n, const uint8_t *prefix, size_t plen)
{
    return plen <= n && memcmp(s, prefix, plen) == 0;
}

/* Apply the sorted edits to f's lines into out. */
static vg_status
apply_edits(struct run *r, const struct dbfile *f, struct buf *out)
{
    size_t off = 0, k = 0;
    uint64_t no = 0;
    vg_status st;

    while (off < f->len) {
        const uint8_t *s = f->data + off, *nl = memchr(s, '\n', f->len - off);
        size_t n;
        const struct edit *e;

        if (nl == NULL)
            return err_set(r->err, VG_EFORMAT, "cdiff script line %u: %s: no final newline", r->line, f->name);
        n = (size_t)(nl - s);
        off += n + 1;
        no++;
        e = k < r->nedits ? &r->edits[k] : NULL;
        if (e && e->line_no == no) {
            if (!starts_with(s, n, e->orig, e->origlen))
                return err_set(r->err, VG_EFORMAT,
                               "cdiff script line %u: cannot %s line %llu of %s: pattern does not match",
                               r->line, e->repl ? "exchange" : "delete", (unsigned long long)no, f->name);
            k++;
            if (e->repl == NULL)
                continue;
            s = e->repl;
            n = e->repllen;
        }
        if ((st = buf_append(out, s, n)) != VG_OK || (st = buf_append(out, "\n", 1)) != VG_OK)
            return fail(r, st, "out of memory");
    }
    if (k < r->nedits)
        return err_set(r->err, VG_EFORMAT, "cdiff script line %u: %s: not all edits processed at file end "
                       "(line %llu is past the end)", r->line, f->name,
                       (unsigned long long)r->edits[k].line_no);
    return VG_OK;
}

static vg_status
cmd_close(struct run *r)
{
    struct dbfile *f;
    struct buf out = {0};
    vg_status st = VG_OK;

    if (!r->is_open)
        return fail(r, VG_EFORMAT, "no database open for CLOSE");
    f = dbset_find(r->db, r->open);
    if (r->nedits) {
        size_t w = 0;

        if (f == NULL)
            return err_set(r->err, VG_EFORMAT, "cdiff script line %u: %s: no such database file", r->line,
                           r->open);
        /* Line order; of several edits of one line, the last one wins. */
        qsort(r->edits, r->nedits, sizeof(*r->edits), edit_cmp);
        for (size_t i = 0; i < r->nedits; i++) {
            if (w && r->edits[w - 1].line_no == r->edits[i].line_no)
                w--;
            r->edits[w++] = r->edits[i];
        }
        r->nedits = w;
        if ((st = apply_edits(r, f, &out)) != VG_OK)
            goto out;
        if (out.p == NULL && (out.p = calloc(1, 1)) == NULL) {
            st = fail(r, VG_ENOMEM, "out of memory");
            goto out;
        }
        if ((st = dbset_put_owned(r->db, r->open, out.p, out.len, r->err)) != VG_OK) {
            out.p = NULL;
            goto out;
        }
        out.p = NULL;
        f = dbset_find(r->db, r->open);
    }
    if (r->add.len) {
        struct buf nb = {0};

        if (f && (st = buf_append(&nb, f->data, f->len)) != VG_OK) {
            fail(r, st, "out of memory");
            goto out;
        }
        if ((st = buf_append(&nb, r->add.p, r->add.len)) != VG_OK) {
            buf_free(&nb);
            fail(r, st, "out of memory");
            goto out;
        }
        if ((st = dbset_put_owned(r->db, r->open, nb.p, nb.len, r->err)) != VG_OK)
            goto out;
    }
    r->is_open = 0;
    r->nedits = 0;
    r->add.len = 0;
out:
    buf_free(&out);
    return st;
}

static vg_status
cmd_move(struct run *r, struct tok *t)
{
    const uint8_t *a[6];
    size_t n[6];
    char src[TAR_NAME_MAX + 1], dst[TAR_NAME_MAX + 1];
    uint64_t start = 0, end = 0, no = 0;
    struct dbfile *fs, *fd;
    struct buf keep = {0}, moved = {0};
    enum { INIT, MOVE, END } state = INIT;
    size_t off = 0;
    vg_status st;

    for (int i = 0; i < 6; i++) {
        if (!tok_next(t, &a[i], &n[i]))
            return fail(r, VG_EFORMAT, "MOVE needs src dst start_no start_prefix end_no end_prefix");
    }
    if ((st = db_name(r, a[0], n[0], src)) != VG_OK || (st = db_name(r, a[1], n[1], dst)) != VG_OK ||
        (st = line_no(r, a[2], n[2], &start)) != VG_OK || (st = line_no(r, a[4], n[4], &end)) != VG_OK)
        return st;
    if (r->is_open)
        return fail(r, VG_EFORMAT, "a database must be closed before MOVE");
    if (strcmp(src, dst) == 0)
        return fail(r, VG_EFORMAT, "MOVE within one file");
    if ((fd = dbset_find(r->db, dst)) == NULL)
        return fail(r, VG_EFORMAT, "MOVE destination does not exist");
    if ((fs = dbset_find(r->db, src)) == NULL)
        return fail(r, VG_EFORMAT, "MOVE source does not exist");
    if ((st = buf_append(&moved, fd->data, fd->len)) != VG_OK)
        goto oom;
    while (off < fs->len) {
        const uint8_t *s = fs->data + off, *nl = memchr(s, '\n', fs->len - off);
        size_t len = nl ? (size_t)(nl - s) + 1 : fs->len - off;

        off += len;
        no++;
        if (state == INIT && no == start) {
            if (!starts_with(s, len, a[3], n[3])) {
                st = err_set(r->err, VG_EFORMAT, "cdiff script line %u: MOVE: line %llu of %s: pattern does not match",
                             r->line, (unsigned long long)no, src);
                goto out;
            }
            state = MOVE;
            if ((st = buf_append(&moved, s, len)) != VG_OK)
                goto oom;
        } else if (state == MOVE) {
            if ((st = buf_append(&moved, s, len)) != VG_OK)
                goto oom;
            if (no == end) {
                if (!starts_with(s, len, a[5], n[5])) {
                    st = err_set(r->err, VG_EFORMAT,
                                 "cdiff script line %u: MOVE: line %llu of %s: pattern does not match", r->line,
                                 (unsigned long long)no, src);
                    goto out;
                }
                state = END;
            }
        } else if ((st = buf_append(&keep, s, len)) != VG_OK) {
            goto oom;
        }
    }
    if (state != END) {
        st = fail(r, VG_EFORMAT, "MOVE failed: line range not found");
        goto out;
    }
    if ((st = dbset_put_owned(r->db, dst, moved.p, moved.len, r->err)) != VG_OK) {
        moved.p = NULL;
        goto out;
    }
    moved.p = NULL;
    st = dbset_put_owned(r->db, src, keep.p ? keep.p : calloc(1, 1), keep.len, r->err);
    keep.p = NULL;
    goto out;
oom:
    st = fail(r, VG_ENOMEM, "out of memory");
out:
    buf_free(&keep);
    buf_free(&moved);
    return st;
}

/* One command line (without a leading '#'); s/n exclude nothing: the
 * trailing '\n', if any, is part of it. */
static vg_status
run_line(struct run *r, const uint8_t *s, size_t n)
{
    size_t cl = 0;
    const uint8_t *rest_nl = NULL, *rest = NULL;
    size_t rest_nl_len = 0, rest_len = 0;
    struct tok t;
    const uint8_t *a, *b;
    size_t an, bn;
    uint64_t no = 0;
    char name[TAR_NAME_MAX + 1];
    vg_status st;

    while (cl < n && s[cl] != ' ' && s[cl] != '\n')
        cl++;
    if (cl < n) {
        /* As ClamAV: the arguments with and without the final newline. */
        rest_nl = s + cl + 1;
        rest_nl_len = n - cl - 1;
        if (rest_nl_len && rest_nl[rest_nl_len - 1] == '\n') {
            rest = rest_nl;
            rest_len = rest_nl_len - 1;
        } else if (s[cl] == ' ') {
            rest = rest_nl; /* last line without a newline */
            rest_len = rest_nl_len;
        }
    }
    t.p = rest;
    t.n = rest_len;
    t.off = 0;
    t.done = rest == NULL;

#define IS(c) (cl == sizeof(c) - 1 && memcmp(s, c, sizeof(c) - 1) == 0)
    if (IS("OPEN")) {
        if (rest == NULL)
            return fail(r, VG_EFORMAT, "OPEN needs a database name");
        if (r->is_open)
            return err_set(r->err, VG_EFORMAT, "cdiff script line %u: %s not closed before opening another",
                           r->line, r->open);
        if ((st = db_name(r, rest, rest_len, r->open)) != VG_OK)
            return st;
        r->is_open = 1;
        r->nedits = 0;
        r->add.len = 0;
        return VG_OK;
    }
    if (IS("ADD")) {
        if (rest_nl == NULL)
            return fail(r, VG_EFORMAT, "ADD needs a line");
        if (!r->is_open)
            return fail(r, VG_EFORMAT, "no database open for ADD");
        if ((st = buf_append(&r->add, rest_nl, rest_nl_len)) != VG_OK)
            return fail(r, st, "out of memory");
        if (r->add.len > r->db->limit)
            return fail(r, VG_ELIMIT, "ADD lines exceed the database size limit");
        return VG_OK;
    }
    if (IS("DEL")) {
        if (!tok_next(&t, &a, &an) || !tok_next(&t, &b, &bn))
            return fail(r, VG_EFORMAT, "DEL needs a line number and a prefix");
        if ((st = line_no(r, a, an, &no)) != VG_OK)
            return st;
        return add_edit(r, no, b, bn, NULL, 0);
    }
    if (IS("XCHG")) {
        const uint8_t *c;
        size_t cn;

        if (!tok_next(&t, &a, &an) || !tok_next(&t, &b, &bn) || t.done)
            return fail(r, VG_EFORMAT, "XCHG needs a line number, a prefix and a new line");
        tok_rest(&t, &c, &cn);
        if ((st = line_no(r, a, an, &no)) != VG_OK)
            return st;
        return add_edit(r, no, b, bn, c ? c : (const uint8_t *)"", cn);
    }
    if (IS("MOVE"))
        return cmd_move(r, &t);
    if (IS("CLOSE"))
        return cmd_close(r);
    if (IS("UNLINK")) {
        if (!tok_next(&t, &a, &an))
            return fail(r, VG_EFORMAT, "UNLINK needs a database name");
        if ((st = db_name(r, a, an, name)) != VG_OK)
            return st;
        if (r->is_open)
            return err_set(r->err, VG_EFORMAT, "cdiff script line %u: %s is still open", r->line, r->open);
        if (dbset_remove(r->db, name, NULL) != VG_OK)
            return err_set(r->err, VG_EFORMAT, "cdiff script line %u: UNLINK %s: no such file", r->line, name);
        return VG_OK;
    }
#undef IS
    return err_set(r->err, VG_EFORMAT, "cdiff script line %u: unknown command '%.*s'", r->line,
                   (int)(cl < 32 ? cl : 32), (const char *)s);
}

vg_status
cdiff_run(struct dbset *db, const uint8_t *script, size_t len, vg_err *err)
{
    struct run r;
    size_t off = 0;
    vg_status st = VG_OK;

    memset(&r, 0, sizeof(r));
    r.db = db;
    r.err = err;
    if (len > CDIFF_MAX_SCRIPT)
        return err_set(err, VG_ELIMIT, "cdiff script too large");
    while (off < len && st == VG_OK) {
        const uint8_t *s = script + off, *nl = memchr(s, '\n', len - off);
        size_t n = nl ? (size_t)(nl - s) + 1 : len - off;

        off += n;
        r.line++;
        if (s[0] == '#')
            continue;
        st = run_line(&r, s, n);
    }
    if (st == VG_OK && r.is_open)
        st = err_set(err, VG_EFORMAT, "cdiff script ends with %s still open", r.open);
    free(r.edits);
    buf_free(&r.add);
    return st;
}

static vg_status
db_version(struct dbset *db, uint32_t *version, vg_err *err)
{
    struct dbfile *info = cvd_find_info(db);
    struct cvd_header h;
    size_t n;
    vg_status st;

    if (info == NULL)
        return err_set(err, VG_EFORMAT, "database has no single .info file");
    n = 0;
    while (n < info->len && info->data[n] != '\n')
        n++;
    if (n >= CVD_HEADER_SIZE)
        return err_set(err, VG_EFORMAT, "%s: header line too long", info->name);
    if ((st = cvd_parse_header(info->data, n, &h, err)) != VG_OK)
        return err_prefix(err, st, info->name);
    *version = h.version;
    return VG_OK;
}

vg_status
cdiff_apply(struct dbset *db, const uint8_t *buf, size_t len, const uint8_t *sign, size_t signlen,
            const char *cert_path, const char *what, vg_err *err)
{
    struct cdiff_header h;
    struct buf script = {0};
    uint32_t have, now;
    vg_status st;

    if ((st = cdiff_verify(buf, len, sign, signlen, cert_path, what, err)) != VG_OK)
        return st;
    if ((st = cdiff_parse(buf, len, &h, err)) != VG_OK)
        return err_prefix(err, st, what);
    if ((st = db_version(db, &have, err)) != VG_OK)
        return st;
    if (have == UINT32_MAX || h.version != have + 1)
        return err_set(err, VG_EFORMAT, "%s: updates to version %u, but the database is version %u", what,
                       h.version, have);
    if ((st = cdiff_script(buf, len, &h, &script, err)) != VG_OK) {
        err_prefix(err, st, what);
        goto out;
    }
    if ((st = cdiff_run(db, script.p, script.len, err)) != VG_OK) {
        err_prefix(err, st, what);
        goto out;
    }
    if ((st = db_version(db, &now, err)) != VG_OK) {
        err_prefix(err, st, what);
        goto out;
    }
    if (now != h.version)
        st = err_set(err, VG_EFORMAT, "%s: after applying, the database says version %u, not %u", what, now,
                     h.version);
out:
    buf_free(&script);
    return st;
}
