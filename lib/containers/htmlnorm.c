/*
 * htmlnorm.c - HTML normalisation (see htmlnorm.h), written from the
 * behaviour of clamscan's normaliser:
 *   - line feeds count as spaces, carriage returns and NUL bytes vanish;
 *   - nocomment: everything in lower case; runs of white space become one
 *     space (none inside scripts); "<!...>" comments are dropped outside
 *     scripts; a tag is rewritten "<name arg="value" ...>" with quotes
 *     made double and white space around '<', '=' dropped; "&#N;",
 *     "&#xN;" and the common named references are decoded; inside
 *     scripts ' becomes ";
 *   - notags: text between tags, lower case, white space and control
 *     characters squeezed to one space, a space for each tag or reference;
 *     <a href> and <img src> targets are written out followed by a space;
 *   - script: what <script> elements contain;
 *   - data: URIs in attribute values are recorded for decoding.
 * Tag names, attribute names and values are kept to 1 KiB each. One pass,
 * a handful of states, every step consumes a byte or changes state once.
 */
#include "containers/htmlnorm.h"

#include <stdlib.h>
#include <string.h>

#include "containers/inflate.h"
#include "containers/maildec.h"

#define STR_MAX 1024

enum st { NORM, TAG, COMMENT, ARGNAME, ARGEQ, ARGVAL, AFTER };

struct tagbuf {
    char name[STR_MAX + 1];
    size_t nlen;
    char arg[STR_MAX + 1];
    size_t alen;
    char val[STR_MAX + 1];
    size_t vlen;
    char href[STR_MAX + 1];   /* href= or src= of the current tag */
    int quote;                /* 0, '\'' or '"' */
    size_t vstart;            /* where the value started in the input */
};

struct norm {
    struct htmlnorm *h;
    const uint8_t *in;
    size_t n;
    int in_script;
    size_t script_start;
    size_t tag_start;         /* the '<' of the tag being read */
    int text_space;           /* notags ends with a space already */
    int o2_space;             /* a space is pending in nocomment */
    int nomem;
};

static int
is_space(uint8_t c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static uint8_t
low(uint8_t c)
{
    return (c >= 'A' && c <= 'Z') ? (uint8_t)(c - 'A' + 'a') : c;
}

static void
put(struct norm *z, struct sink *s, uint8_t c)
{
    if (sink_byte(s, c) && s->nomem)
        z->nomem = 1;
}

static void
o2(struct norm *z, uint8_t c)
{
    if (z->o2_space) {
        z->o2_space = 0;
        put(z, &z->h->nocomment, ' ');
    }
    put(z, &z->h->nocomment, c);
}

static void
text_space(struct norm *z)
{
    if (!z->text_space && !z->in_script) {
        put(z, &z->h->notags, ' ');
        z->text_space = 1;
    }
}

static const struct {
    const char *name;
    uint8_t c;
} entities[] = {{"amp", '&'}, {"lt", '<'}, {"gt", '>'}, {"quot", '"'}, {"apos", '\''},
                {"nbsp", ' '}};

/* A character reference at in[p] (after '&'): its byte value, or -1, and
 * *used the bytes it took (including ';' if present). */
static int
charref(const uint8_t *in, size_t n, size_t p, size_t *used)
{
    size_t i = p;
    uint64_t v = 0;

    if (i < n && in[i] == '#') {
        int hex = 0, digits = 0;
        i++;
        if (i < n && (in[i] == 'x' || in[i] == 'X')) {
            hex = 1;
            i++;
        }
        for (; i < n; i++) {
            uint8_t c = in[i];
            int d = (c >= '0' && c <= '9') ? c - '0'
                    : hex && (low(c) >= 'a' && low(c) <= 'f') ? low(c) - 'a' + 10 : -1;
            if (d < 0)
                break;
            if (v < 0x110000)
                v = v * (hex ? 16 : 10) + (uint64_t)d;
            digits++;
        }
        if (!digits)
            return -1;
        if (i < n && in[i] == ';')
            i++;
        *used = i - p;
        return v < 0x80 ? (int)low((uint8_t)v) : (v < 0x100 ? (int)v : '?');
    }
    for (size_t k = 0; k < sizeof(entities) / sizeof(entities[0]); k++) {
        size_t l = strlen(entities[k].name);
        if (l < n - p && memcmp(in + p, entities[k].name, l) == 0 && in[p + l] == ';') {
            *used = l + 1;
            return entities[k].c;
        }
    }
    return -1;
}

static void
tag_done(struct norm *z, struct tagbuf *t)
{
    t->name[t->nlen] = '\0';
    if (!strcmp(t->name, "/script")) {
        if (z->in_script) {
            /* the script ran up to the "</script" just closed */
            size_t end = z->tag_start;
            if (end > z->script_start && sink_write(&z->h->script, z->in + z->script_start,
                                                    end - z->script_start) && z->h->script.nomem)
                z->nomem = 1;
            put(z, &z->h->script, '\n');
        }
        z->in_script = 0;
    } else if (!strcmp(t->name, "script")) {
        z->in_script = 1;
    } else if ((!strcmp(t->name, "a") || !strcmp(t->name, "img")) && t->href[0] && !z->in_script) {
        for (const char *p = t->href; *p; p++)
            put(z, &z->h->notags, (uint8_t)*p);
        put(z, &z->h->notags, ' ');
        z->text_space = 1;
    }
}

static void
arg_done(struct tagbuf *t, const char *tagname)
{
    t->arg[t->alen] = '\0';
    t->val[t->vlen] = '\0';
    if ((!strcmp(tagname, "a") && !strcmp(t->arg, "href")) ||
        (!strcmp(tagname, "img") && !strcmp(t->arg, "src")))
        memcpy(t->href, t->val, t->vlen + 1);
    t->alen = 0;
    t->vlen = 0;
}

/* A data: URI starting at in[p] (the value after its quote, if any);
 * returns where it ends. */
static size_t
data_uri(struct norm *z, size_t p, int quote)
{
    const uint8_t *in = z->in;
    size_t n = z->n, comma = 0, i;
    int b64 = 0;

    for (i = p + 5; i < n; i++) {
        uint8_t c = in[i];
        if ((quote && c == quote) || (!quote && (is_space(c) || c == '>')))
            return i;
        if (c == ',')
            break;
        if (c == ';' && i + 7 <= n && memcmp(in + i, ";base64", 7) == 0)
            b64 = 1;
    }
    if (i >= n)
        return n;
    comma = i + 1;
    for (i = comma; i < n; i++) {
        uint8_t c = in[i];
        if ((quote && c == quote) || (!quote && (is_space(c) || c == '>')))
            break;
    }
    if (z->h->nuri < HTMLNORM_MAX_URIS) {
        struct htmlnorm_uri *u = &z->h->uri[z->h->nuri++];
        u->off = comma;
        u->len = i - comma;
        u->base64 = b64;
    }
    return i;
}

int
htmlnorm_run(const uint8_t *in, size_t n, struct htmlnorm *h)
{
    struct norm z;
    struct tagbuf *t = calloc(1, sizeof(*t));
    enum st s = NORM;
    size_t p = 0;

    if (t == NULL)
        return -1;
    memset(&z, 0, sizeof(z));
    z.h = h;
    z.in = in;
    z.n = n;
    while (p < n && !z.nomem) {
        uint8_t c = in[p];
        size_t used;
        int v;

        if (c == '\r' || c == 0) {
            p++;
            continue;
        }
        if (c == '\n')
            c = ' ';
        switch (s) {
        case NORM:
            if (c == '<') {
                o2(&z, '<');
                text_space(&z);
                z.tag_start = p;
                t->nlen = 0;
                t->href[0] = '\0';
                s = TAG;
                p++;
                while (p < n && is_space(in[p]))
                    p++;
                continue;
            }
            if (is_space(c)) {
                text_space(&z);
                if (!z.in_script)
                    z.o2_space = 1;
                p++;
                continue;
            }
            if (c == '&' && (v = charref(in, n, p + 1, &used)) >= 0) {
                text_space(&z);
                o2(&z, (uint8_t)v);
                p += 1 + used;
                continue;
            }
            c = low(c);
            if (z.in_script && c == '\'')
                c = '"';
            o2(&z, c);
            if (!z.in_script) {
                if (c < 0x20) {
                    text_space(&z);
                } else {
                    put(&z, &h->notags, c);
                    z.text_space = 0;
                }
            }
            p++;
            break;
        case TAG:
            if (t->nlen == 0 && c == '!') {
                if (!z.in_script && h->nocomment.len > 0)
                    h->nocomment.len--; /* take back the '<' */
                else
                    o2(&z, '!');
                s = COMMENT;
                p++;
                break;
            }
            if (c == '>') {
                o2(&z, '>');
                tag_done(&z, t);
                if (z.in_script && !strcmp(t->name, "script"))
                    z.script_start = p + 1;
                s = NORM;
                p++;
                while (p < n && is_space(in[p]))
                    p++;
                break;
            }
            if (!is_space(c)) {
                o2(&z, low(c));
                if (z.in_script && t->nlen == 0 && c != '/') {
                    s = NORM; /* a '<' inside a script */
                    p++;
                    break;
                }
                if (t->nlen < STR_MAX)
                    t->name[t->nlen++] = (char)low(c);
                p++;
                break;
            }
            t->name[t->nlen] = '\0';
            while (p < n && is_space(in[p]))
                p++;
            t->alen = t->vlen = 0;
            s = z.in_script ? AFTER : ARGNAME;
            break;
        case COMMENT:
            if (z.in_script && !is_space(c))
                o2(&z, c == '\'' ? '"' : low(c));
            if (c == '>') {
                s = NORM;
                p++;
                while (p < n && is_space(in[p]))
                    p++;
                continue;
            }
            p++;
            break;
        case AFTER:
            /* the rest of a tag inside a script: up to '>' */
            p++;
            if (c == '>') {
                o2(&z, '>');
                tag_done(&z, t);
                s = NORM;
                while (p < n && is_space(in[p]))
                    p++;
            }
            break;
        case ARGNAME:
            if (c == '>') {
                if (t->alen)
                    arg_done(t, t->name);
                o2(&z, '>');
                tag_done(&z, t);
                if (z.in_script && !strcmp(t->name, "script"))
                    z.script_start = p + 1;
                s = NORM;
                p++;
                while (p < n && is_space(in[p]))
                    p++;
                break;
            }
            if (c == '=') {
                o2(&z, '=');
                t->vlen = 0;
                t->quote = 0;
                s = ARGVAL;
                p++;
                while (p < n && is_space(in[p]))
                    p++;
                t->vstart = p;
                break;
            }
            if (is_space(c)) {
                while (p < n && is_space(in[p]))
                    p++;
                s = ARGEQ;
                break;
            }
            if (t->alen == 0)
                o2(&z, ' ');
            o2(&z, low(c));
            if (t->alen < STR_MAX)
                t->arg[t->alen++] = (char)low(c);
            p++;
            break;
        case ARGEQ:
            if (c == '=') {
                s = ARGNAME;
                break;
            }
            if (t->alen)
                arg_done(t, t->name);
            s = ARGNAME;
            break;
        case ARGVAL:
            if (p == t->vstart && (c == '"' || c == '\'')) {
                t->quote = c;
                o2(&z, '"');
                p++;
                t->vstart = p;
                if (n - p >= 5 && memcmp(in + p, "data:", 5) == 0)
                    p = data_uri(&z, p, c);
                break;
            }
            if (p == t->vstart && n - p >= 5 && memcmp(in + p, "data:", 5) == 0) {
                p = data_uri(&z, p, 0);
                break;
            }
            if ((t->quote && c == t->quote) || (!t->quote && (is_space(c) || c == '>'))) {
                if (t->quote) {
                    o2(&z, '"');
                    p++;
                }
                arg_done(t, t->name);
                while (p < n && is_space(in[p]))
                    p++;
                s = ARGNAME;
                break;
            }
            if (c == '&' && (v = charref(in, n, p + 1, &used)) >= 0) {
                c = (uint8_t)v;
                p += 1 + used;
            } else {
                p++;
            }
            o2(&z, low(c));
            if (t->vlen < STR_MAX)
                t->val[t->vlen++] = (char)c;
            break;
        }
    }
    /* an unterminated script still counts */
    if (z.in_script && z.script_start < n &&
        sink_write(&h->script, in + z.script_start, n - z.script_start) && h->script.nomem)
        z.nomem = 1;
    free(t);
    return z.nomem ? -1 : 0;
}

int
htmlnorm_uri_decode(const uint8_t *in, size_t n, const struct htmlnorm_uri *u, struct sink *out)
{
    const uint8_t *d = in + u->off;
    size_t len = u->len;

    if (u->off > n || len > n - u->off)
        return DEC_BAD;
    if (u->base64)
        return maildec_base64(d, len, out);
    for (size_t i = 0; i < len; i++) {
        uint8_t c = d[i];
        if (c == '%' && i + 2 < len) {
            static const char hx[] = "0123456789abcdef";
            const char *a = memchr(hx, low(d[i + 1]), 16), *b = memchr(hx, low(d[i + 2]), 16);
            if (a && b) {
                c = (uint8_t)((a - hx) << 4 | (b - hx));
                i += 2;
            }
        }
        if (sink_byte(out, c))
            return out->nomem ? DEC_NOMEM : DEC_FULL;
    }
    return DEC_END;
}
