/*
 * mime.c - mail: mbox files, RFC 822 messages and MIME entities.
 *
 * A message is headers (folded lines joined) and a body. The headers that
 * matter are Content-Type (type, boundary, name), Content-Transfer-
 * Encoding and Content-Disposition (filename). A multipart body is split
 * at its "--boundary" lines and each part handled as an entity of its
 * own (nested multiparts to a depth of 32); a message/rfc822 part is a
 * member (scanned as mail again, one layer deeper); every other part is
 * decoded (base64, quoted-printable, uuencode, or as is) and scanned as a
 * member named by its filename. Text bodies are also searched for
 * uuencoded files ("begin 644 name"), as clamscan does. An mbox is split
 * at its "From " lines.
 *
 * Work is linear in the input: boundaries are found with memmem, each byte
 * of a part is decoded once, and at most 10000 parts are looked at per
 * message (more are counted as the MaxFiles limit).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "containers/inflate.h"
#include "containers/maildec.h"
#include "containers/sink.h"
#include "containers/walk.h"

#define MAX_DEPTH 32
#define MAX_PARTS 10000
#define VAL_MAX 256

struct hdrs {
    char type[VAL_MAX];     /* "multipart/mixed", lower case */
    char boundary[VAL_MAX];
    char name[VAL_MAX];     /* filename= or name= */
    char cte[64];           /* lower case */
};

struct mctx {
    struct walk *w;
    unsigned parts;
};

static size_t
line_end(const uint8_t *b, size_t n, size_t p, size_t *next)
{
    const uint8_t *q = p < n ? memchr(b + p, '\n', n - p) : NULL;
    size_t e = q ? (size_t)(q - b) : n;

    *next = q ? e + 1 : n;
    if (e > p && b[e - 1] == '\r')
        e--;
    return e;
}

static void
lower(char *s)
{
    for (; *s; s++)
        if (*s >= 'A' && *s <= 'Z')
            *s = (char)(*s - 'A' + 'a');
}

/* Value of parameter `key` in a header value like `x/y; key="v"`. */
static void
param(const char *v, const char *key, char *out, size_t cap)
{
    size_t kl = strlen(key);
    const char *p = v;

    while ((p = strchr(p, ';')) != NULL) {
        size_t k = 0;
        p++;
        while (*p == ' ' || *p == '\t')
            p++;
        if (strncasecmp(p, key, kl) != 0)
            continue;
        const char *q = p + kl;
        if (*q == '*') /* RFC 2231 form: take it raw */
            q++;
        while (*q == ' ' || *q == '\t')
            q++;
        if (*q != '=')
            continue;
        q++;
        while (*q == ' ' || *q == '\t')
            q++;
        if (*q == '"') {
            q++;
            while (*q && *q != '"' && k + 1 < cap)
                out[k++] = *q++;
        } else {
            while (*q && *q != ';' && *q != ' ' && *q != '\t' && k + 1 < cap)
                out[k++] = *q++;
        }
        out[k] = '\0';
        return;
    }
}

static void
header(struct hdrs *h, const char *line)
{
    const char *v = strchr(line, ':');
    size_t k = 0;

    if (v == NULL)
        return;
    v++;
    while (*v == ' ' || *v == '\t')
        v++;
    if (strncasecmp(line, "Content-Type:", 13) == 0) {
        while (v[k] && v[k] != ';' && v[k] != ' ' && k + 1 < sizeof(h->type)) {
            h->type[k] = v[k];
            k++;
        }
        h->type[k] = '\0';
        lower(h->type);
        param(v, "boundary", h->boundary, sizeof(h->boundary));
        if (!h->name[0])
            param(v, "name", h->name, sizeof(h->name));
    } else if (strncasecmp(line, "Content-Transfer-Encoding:", 26) == 0) {
        while (v[k] && v[k] != ' ' && v[k] != ';' && k + 1 < sizeof(h->cte)) {
            h->cte[k] = v[k];
            k++;
        }
        h->cte[k] = '\0';
        lower(h->cte);
    } else if (strncasecmp(line, "Content-Disposition:", 20) == 0) {
        char fn[VAL_MAX] = "";
        param(v, "filename", fn, sizeof(fn));
        if (fn[0])
            memcpy(h->name, fn, sizeof(fn));
    }
}

/* Parse headers from b; returns where the body starts. Folded lines are
 * joined (each kept to 2 KiB). */
static size_t
headers(const uint8_t *b, size_t n, struct hdrs *h)
{
    char cur[2048];
    size_t cl = 0, p = 0, next;

    memset(h, 0, sizeof(*h));
    while (p < n) {
        size_t e = line_end(b, n, p, &next);
        if (e == p) { /* blank line: end of headers */
            p = next;
            break;
        }
        if ((b[p] == ' ' || b[p] == '\t') && cl > 0) {
            for (size_t i = p; i < e && cl + 1 < sizeof(cur); i++)
                cur[cl++] = (char)b[i];
        } else {
            if (cl) {
                cur[cl] = '\0';
                header(h, cur);
            }
            cl = 0;
            for (size_t i = p; i < e && cl + 1 < sizeof(cur); i++)
                cur[cl++] = b[i] ? (char)b[i] : ' ';
        }
        p = next;
    }
    if (cl) {
        cur[cl] = '\0';
        header(h, cur);
    }
    return p;
}

/* A decoded part (or uuencoded file, uu != 0) as a member. clamscan matches
 * .cdb rules on MIME attachments with their decoded size, not on
 * uuencoded content. */
static vg_status
member(struct mctx *c, const char *name, const uint8_t *p, size_t n, int over, int uu)
{
    struct member m;
    int go;
    vg_status st;

    memset(&m, 0, sizeof(m));
    m.name = name;
    m.csize = m.usize = n;
    m.no_cdb = uu;
    if ((st = walk_announce(c->w, &m, &go)) != VG_OK || !go || n == 0)
        return st;
    return walk_scan(c->w, &m, p, n, over ? WALK_TRUNCATED : 0);
}

/* uuencoded files inside a text body. */
static vg_status
uu_blocks(struct mctx *c, const uint8_t *b, size_t n)
{
    size_t p = 0;
    vg_status st = VG_OK;

    while (p < n && st == VG_OK && !walk_done(c->w)) {
        char name[VAL_MAX];
        size_t data, used = 0, at = maildec_uu_find(b + p, n - p, name, sizeof(name), &data);
        struct sink s;

        if (at >= n - p)
            break;
        sink_init(&s, walk_cap(c->w, NULL));
        if (maildec_uu(b + p + data, n - p - data, &s, &used) == DEC_NOMEM) {
            sink_free(&s);
            return VG_ENOMEM;
        }
        st = member(c, name, s.p, s.len, s.over, 1);
        sink_free(&s);
        p += data + (used ? used : 1);
    }
    return st;
}

static vg_status entity(struct mctx *c, const uint8_t *b, size_t n, int depth);

static vg_status
leaf(struct mctx *c, const struct hdrs *h, const uint8_t *b, size_t n)
{
    struct sink s;
    char nm[32];
    const char *name = h->name;
    int r = DEC_END;
    vg_status st;

    if (!name[0]) {
        snprintf(nm, sizeof(nm), "part%u", c->parts);
        name = nm;
    }
    if (!strcmp(h->type, "message/rfc822"))
        return member(c, name, b, n, 0, 0);
    if (strstr(h->cte, "uuencode") || !strcmp(h->cte, "x-uue"))
        return uu_blocks(c, b, n);
    sink_init(&s, walk_cap(c->w, NULL));
    if (!strcmp(h->cte, "base64"))
        r = maildec_base64(b, n, &s);
    else if (!strcmp(h->cte, "quoted-printable"))
        r = maildec_qp(b, n, &s);
    else
        r = sink_write(&s, b, n) ? DEC_FULL : DEC_END;
    if (r == DEC_NOMEM || s.nomem) {
        sink_free(&s);
        return VG_ENOMEM;
    }
    st = member(c, name, s.p, s.len, s.over, 0);
    if (st == VG_OK && (h->type[0] == '\0' || !strncmp(h->type, "text/", 5)))
        st = uu_blocks(c, s.p, s.len);
    sink_free(&s);
    return st;
}

/* Split a multipart body at its boundary lines. */
static vg_status
multipart(struct mctx *c, const struct hdrs *h, const uint8_t *b, size_t n, int depth)
{
    char delim[VAL_MAX + 3];
    size_t dl, p = 0, start = SIZE_MAX;
    vg_status st = VG_OK;

    dl = (size_t)snprintf(delim, sizeof(delim), "--%s", h->boundary);
    while (p < n && st == VG_OK && !walk_done(c->w)) {
        const uint8_t *q = memmem(b + p, n - p, delim, dl);
        size_t at, next;

        if (q == NULL)
            break;
        at = (size_t)(q - b);
        p = at + dl;
        if (at > 0 && b[at - 1] != '\n')
            continue;
        if (start != SIZE_MAX) {
            size_t end = at;
            if (end > start && b[end - 1] == '\n')
                end--;
            if (end > start && b[end - 1] == '\r')
                end--;
            if (++c->parts > MAX_PARTS)
                return walk_limit(c->w, VG_LIMIT_FILES);
            st = entity(c, b + start, end - start, depth + 1);
        }
        if (p + 2 <= n && b[p] == '-' && b[p + 1] == '-')
            return st; /* closing delimiter */
        line_end(b, n, p, &next);
        start = next;
        p = next;
    }
    /* an unterminated last part still counts */
    if (st == VG_OK && start != SIZE_MAX && start < n && !walk_done(c->w)) {
        if (++c->parts > MAX_PARTS)
            return walk_limit(c->w, VG_LIMIT_FILES);
        st = entity(c, b + start, n - start, depth + 1);
    }
    return st;
}

/* One entity: headers and body. */
static vg_status
entity(struct mctx *c, const uint8_t *b, size_t n, int depth)
{
    struct hdrs h;
    size_t body = headers(b, n, &h);

    if (!strncmp(h.type, "multipart/", 10) && h.boundary[0] && depth < MAX_DEPTH)
        return multipart(c, &h, b + body, n - body, depth);
    return leaf(c, &h, b + body, n - body);
}

vg_status
mime_walk(struct walk *w)
{
    struct mctx c = {w, 0};
    const uint8_t *b = w->buf;
    size_t n = w->len, p = 0;
    vg_status st = VG_OK;

    /* an mbox: messages start at "From " lines */
    if (n >= 5 && memcmp(b, "From ", 5) == 0) {
        while (p < n && st == VG_OK && !walk_done(w)) {
            size_t next, start, end = n;
            const uint8_t *q;
            line_end(b, n, p, &next);
            start = next;
            if (start < n && (q = memmem(b + start, n - start, "\nFrom ", 6)) != NULL)
                end = (size_t)(q - b) + 1;
            st = entity(&c, b + start, end - start, 0);
            p = end;
        }
        return st;
    }
    return entity(&c, b, n, 0);
}
