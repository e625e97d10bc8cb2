/*
 * pdf.c - PDF documents: every stream decoded through its filters, and
 * JavaScript held in strings, scanned as members (as clamscan's pdf.c).
 *
 * The reader does not trust the cross-reference table (hostile PDFs lie
 * in it and viewers repair them): it finds "N G obj" headers itself, then
 * walks the objects in file order. An object's dictionary runs to its
 * "stream" keyword or its "endobj"; a stream's data is /Length bytes when
 * that length (direct, or an indirect object's number) lands on
 * "endstream", else runs to the next "endstream". Stream data is never
 * searched for object headers, so bytes inside a stream cannot forge
 * objects.
 *
 * Filters: FlateDecode, ASCIIHexDecode, ASCII85Decode, LZWDecode and
 * RunLengthDecode, chained as /Filter lists them (at most 8); a filter
 * vigil does not decode (images, Crypt) ends the chain and what was
 * decoded so far is scanned. Names written with #xx escapes are decoded.
 * /JS strings, literal or hex, become members; so do those inside object
 * streams (/Type /ObjStm). A common name written with #xx escapes
 * (/Fl#61teDecode) raises Heuristics.PDF.ObfuscatedNameObject unless
 * heuristics are off, as in clamscan. An /Encrypt dictionary in a trailer or
 * cross-reference stream marks the document encrypted: its streams are
 * then scanned as they are, and Heuristics.Encrypted.PDF is raised when
 * VG_SCAN_ALERT_ENCRYPTED asks, unless the document opens with an empty
 * user password (owner-password protection only): then it is decrypted
 * (pdfcrypt.c) and scanned as clamscan does.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "containers/inflate.h"
#include "containers/pdfcrypt.h"
#include "containers/pdffilt.h"
#include "containers/sink.h"
#include "containers/walk.h"

#define MAX_OBJS (1u << 20)
#define MAX_FILTERS 8

struct hdr {
    uint32_t num, gen;
    size_t at;     /* where "N G obj" starts */
    size_t body;   /* after "obj" */
};

struct pdf {
    struct walk *w;
    const uint8_t *b;
    size_t len;
    struct hdr *h;
    size_t nh;
    const struct hdr **byn; /* h sorted by number, for lookup */
    int obfuscated;  /* a common name was written with #xx escapes */
    struct pdfcrypt crypt; /* method PDFC_NONE unless the document is decrypted */
    uint32_t encrypt_obj;  /* the /Encrypt dictionary's object (not decrypted) */
};

/* Names whose escaped spelling clamscan reports as
 * Heuristics.PDF.ObfuscatedNameObject. */
static const char *const common_names[] = {
    "AA", "AcroForm", "ASCII85Decode", "ASCIIHexDecode", "A85", "AHx", "CCITTFaxDecode",
    "Crypt", "DCTDecode", "EmbeddedFile", "EmbeddedFiles", "Encrypt", "FlateDecode", "Fl",
    "JavaScript", "JBIG2Decode", "JS", "Launch", "LZWDecode", "ObjStm", "OpenAction", "Page",
    "RichMedia", "RunLengthDecode", "URI", "XFA", "Filter", "Length", "Type", "Names", "Action",
};

static int
is_ws(uint8_t c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == 0;
}

static int
is_delim(uint8_t c)
{
    return is_ws(c) || c == '(' || c == ')' || c == '<' || c == '>' || c == '[' || c == ']' ||
           c == '{' || c == '}' || c == '/' || c == '%';
}

static int
is_digit(uint8_t c)
{
    return c >= '0' && c <= '9';
}

static const uint8_t *
find(const uint8_t *b, size_t from, size_t to, const char *s)
{
    size_t n = strlen(s);

    if (from >= to || to - from < n)
        return NULL;
    return memmem(b + from, to - from, s, n);
}

/* Whether "obj" at p closes an "N G obj" header; *start, *num set. */
static int
header_at(const uint8_t *b, size_t len, size_t p, size_t *start, uint32_t *num, uint32_t *gen)
{
    size_t i = p;
    uint64_t v = 0, mul = 1, g = 0, gmul = 1;

    if (p + 3 < len && !is_delim(b[p + 3]))
        return 0;
    if (i == 0 || !is_ws(b[i - 1]))
        return 0;
    while (i > 0 && is_ws(b[i - 1]))
        i--;
    if (i == 0 || !is_digit(b[i - 1]))
        return 0;
    while (i > 0 && is_digit(b[i - 1])) {
        i--;
        if (gmul <= 100000u)
            g += (uint64_t)(b[i] - '0') * gmul;
        gmul *= 10;
    }
    if (i == 0 || !is_ws(b[i - 1]))
        return 0;
    while (i > 0 && is_ws(b[i - 1]))
        i--;
    if (i == 0 || !is_digit(b[i - 1]))
        return 0;
    while (i > 0 && is_digit(b[i - 1])) {
        i--;
        if (mul <= 1000000000u)
            v += (uint64_t)(b[i] - '0') * mul;
        mul *= 10;
    }
    if (i > 0 && !is_delim(b[i - 1]))
        return 0;
    *start = i;
    *num = v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
    *gen = g > 65535 ? 65535 : (uint32_t)g;
    return 1;
}

static int
index_objects(struct pdf *d)
{
    size_t p = 0, cap = 0;

    while (d->nh < MAX_OBJS) {
        const uint8_t *q = find(d->b, p, d->len, "obj");
        size_t at, start;
        uint32_t num, gen;

        if (q == NULL)
            break;
        at = (size_t)(q - d->b);
        p = at + 3;
        if (!header_at(d->b, d->len, at, &start, &num, &gen))
            continue;
        if (d->nh == cap) {
            size_t nc = cap ? cap * 2 : 256;
            struct hdr *h = realloc(d->h, nc * sizeof(*h));
            if (h == NULL)
                return -1;
            d->h = h;
            cap = nc;
        }
        d->h[d->nh].num = num;
        d->h[d->nh].gen = gen;
        d->h[d->nh].at = start;
        d->h[d->nh].body = at + 3;
        d->nh++;
    }
    return 0;
}

/* Parse an unsigned integer at *p (after white space). */
static int
number(const uint8_t *b, size_t end, size_t *p, uint64_t *v)
{
    size_t i = *p;

    while (i < end && is_ws(b[i]))
        i++;
    if (i >= end || !is_digit(b[i]))
        return -1;
    *v = 0;
    while (i < end && is_digit(b[i])) {
        if (*v < (UINT64_MAX - 9) / 10)
            *v = *v * 10 + (uint64_t)(b[i] - '0');
        i++;
    }
    *p = i;
    return 0;
}

/* Read a name at *p (after '/'), decoding #xx escapes, into out. */
static void
name(const uint8_t *b, size_t end, size_t *p, char *out, size_t cap)
{
    size_t i = *p, k = 0;

    while (i < end && !is_delim(b[i])) {
        uint8_t c = b[i++];
        if (c == '#' && i + 1 < end) {
            static const char hx[] = "0123456789abcdef0123456789ABCDEF";
            const char *h1 = memchr(hx, b[i], 32), *h2 = memchr(hx, b[i + 1], 32);
            if (h1 && h2) {
                c = (uint8_t)(((h1 - hx) % 16) << 4 | ((h2 - hx) % 16));
                i += 2;
            }
        }
        if (k + 1 < cap)
            out[k++] = (char)c;
    }
    out[k] = '\0';
    *p = i;
}

/* The position just after key `/key` in [from, to) when the key is a
 * whole name (escapes decoded), or 0. */
static size_t
key(const uint8_t *b, size_t from, size_t to, const char *k)
{
    for (size_t i = from; i < to; i++) {
        char nm[64];
        size_t p;
        if (b[i] != '/')
            continue;
        p = i + 1;
        name(b, to, &p, nm, sizeof(nm));
        if (strcmp(nm, k) == 0)
            return p;
        i = p - 1;
    }
    return 0;
}

static int
by_num(const void *a, const void *b)
{
    const struct hdr *x = *(const struct hdr *const *)a, *y = *(const struct hdr *const *)b;

    if (x->num != y->num)
        return x->num < y->num ? -1 : 1;
    return x->at < y->at ? -1 : x->at > y->at;
}

/* The last object numbered num (a later definition wins, as in an
 * incremental update). Binary search over d->byn. */
static const struct hdr *
lookup(const struct pdf *d, uint32_t num)
{
    size_t lo = 0, hi = d->nh;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (d->byn[mid]->num <= num)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo > 0 && d->byn[lo - 1]->num == num ? d->byn[lo - 1] : NULL;
}

/* /Length, direct or through an indirect object; -1 if absent. */
static int
stream_length(const struct pdf *d, size_t from, size_t to, uint64_t *len)
{
    size_t p = key(d->b, from, to, "Length"), q;
    uint64_t a, g;

    if (p == 0 || number(d->b, to, &p, &a))
        return -1;
    q = p;
    if (number(d->b, to, &q, &g) == 0) {
        while (q < to && is_ws(d->b[q]))
            q++;
        if (q < to && d->b[q] == 'R') {
            const struct hdr *h = a <= UINT32_MAX ? lookup(d, (uint32_t)a) : NULL;
            size_t r;
            if (h == NULL)
                return -1;
            r = h->body;
            return number(d->b, d->len, &r, len);
        }
    }
    *len = a;
    return 0;
}

/* Filter names of the dictionary in [from, to). */
static int
filters(const uint8_t *b, size_t from, size_t to, char f[][24])
{
    size_t p = key(b, from, to, "Filter");
    int n = 0;

    if (p == 0)
        return 0;
    while (p < to && is_ws(b[p]))
        p++;
    if (p < to && b[p] == '/') {
        p++;
        name(b, to, &p, f[0], 24);
        return 1;
    }
    if (p >= to || b[p] != '[')
        return 0;
    p++;
    while (p < to && b[p] != ']' && n < MAX_FILTERS) {
        if (b[p] == '/') {
            p++;
            name(b, to, &p, f[n++], 24);
        } else {
            p++;
        }
    }
    return n;
}

static int
one_filter(const char *f, const uint8_t *in, size_t n, int early, struct sink *out)
{
    if (!strcmp(f, "FlateDecode") || !strcmp(f, "Fl"))
        return inflate_zlib(in, n, out, NULL);
    if (!strcmp(f, "ASCIIHexDecode") || !strcmp(f, "AHx"))
        return pdffilt_ahx(in, n, out);
    if (!strcmp(f, "ASCII85Decode") || !strcmp(f, "A85"))
        return pdffilt_a85(in, n, out);
    if (!strcmp(f, "LZWDecode") || !strcmp(f, "LZW"))
        return pdffilt_lzw(in, n, early, out);
    if (!strcmp(f, "RunLengthDecode") || !strcmp(f, "RL"))
        return pdffilt_rl(in, n, out);
    return -1;
}

/* Decode data through the chain into *out (which holds the result, or
 * the raw data when no filter applies). -1 on ENOMEM. */
static int
decode_chain(const uint8_t *b, size_t from, size_t to, const uint8_t *data, size_t n, size_t cap,
             struct sink *out, int *over)
{
    char f[MAX_FILTERS][24];
    int nf = filters(b, from, to, f), early = 1;
    size_t p = key(b, from, to, "EarlyChange");
    struct sink cur;

    if (p) {
        uint64_t v;
        if (number(b, to, &p, &v) == 0)
            early = v != 0;
    }
    *over = 0;
    sink_init(out, cap);
    if (sink_write(out, data, n) && out->nomem)
        return -1;
    *over = out->over;
    for (int i = 0; i < nf; i++) {
        int r;
        sink_init(&cur, cap);
        r = one_filter(f[i], out->p, out->len, early, &cur);
        if (r < 0 || (cur.len == 0 && r != DEC_END)) {
            sink_free(&cur);
            break;
        }
        if (r == DEC_NOMEM) {
            sink_free(&cur);
            return -1;
        }
        sink_free(out);
        *out = cur;
        *over = cur.over;
    }
    return 0;
}

static vg_status
member(struct walk *w, const char *nm, const uint8_t *p, size_t n, uint64_t csize, int over)
{
    struct member m;
    int go;
    vg_status st;

    memset(&m, 0, sizeof(m));
    m.name = nm;
    m.csize = csize;
    if ((st = walk_announce(w, &m, &go)) != VG_OK || !go || n == 0)
        return st;
    return walk_scan(w, &m, p, n, over ? WALK_TRUNCATED : 0);
}

/* A PDF string at p: literal (escapes) or hex; appended to out. */
static void
pdf_string(const uint8_t *b, size_t end, size_t p, struct sink *out)
{
    while (p < end && is_ws(b[p]))
        p++;
    if (p >= end)
        return;
    if (b[p] == '<') {
        size_t q = p + 1;
        while (q < end && b[q] != '>')
            q++;
        pdffilt_ahx(b + p + 1, q - p - 1, out);
        return;
    }
    if (b[p] != '(')
        return;
    p++;
    for (int depth = 1; p < end; p++) {
        uint8_t c = b[p];
        if (c == '\\' && p + 1 < end) {
            uint8_t e = b[++p];
            int v = 0, k = 0;
            switch (e) {
            case 'n': c = '\n'; break;
            case 'r': c = '\r'; break;
            case 't': c = '\t'; break;
            case 'b': c = '\b'; break;
            case 'f': c = '\f'; break;
            case '\r':
            case '\n': continue;
            default:
                while (k < 3 && p < end && b[p] >= '0' && b[p] <= '7') {
                    v = v * 8 + (b[p] - '0');
                    p++;
                    k++;
                }
                if (k) {
                    p--;
                    c = (uint8_t)v;
                } else {
                    c = e;
                }
            }
        } else if (c == '(') {
            depth++;
        } else if (c == ')' && --depth == 0) {
            break;
        }
        if (sink_byte(out, c))
            return;
    }
}

/* Every /JS string in [from, to). */
static vg_status
js_strings(struct pdf *d, size_t from, size_t to, uint32_t num, uint32_t gen)
{
    vg_status st = VG_OK;
    unsigned k = 0;

    while (st == VG_OK && from < to && !walk_done(d->w)) {
        size_t p = key(d->b, from, to, "JS");
        struct sink s;
        char nm[48];

        if (p == 0)
            break;
        sink_init(&s, walk_cap(d->w, NULL));
        pdf_string(d->b, to, p, &s);
        if (!s.nomem && d->crypt.method != PDFC_NONE && s.len) {
            struct sink plain;
            sink_init(&plain, walk_cap(d->w, NULL));
            if (pdfcrypt_decrypt(&d->crypt, num, gen, s.p, s.len, &plain) == DEC_NOMEM)
                plain.nomem = 1;
            sink_free(&s);
            s = plain;
        }
        if (s.nomem) {
            sink_free(&s);
            return VG_ENOMEM;
        }
        snprintf(nm, sizeof(nm), "obj%u.js%u", num, k++);
        if (s.len)
            st = member(d->w, nm, s.p, s.len, 0, s.over);
        sink_free(&s);
        from = p;
    }
    return st;
}

static int
is_xref(const struct pdf *d, size_t from, size_t to)
{
    size_t t = key(d->b, from, to, "Type");
    char tn[16] = "";

    while (t && t < to && is_ws(d->b[t]))
        t++;
    if (t && t < to && d->b[t] == '/') {
        t++;
        name(d->b, to, &t, tn, sizeof(tn));
    }
    return strcmp(tn, "XRef") == 0;
}

/* Names in [from, to) spelled with #xx escapes that decode to a common
 * name mark the document as obfuscated. */
static void
escaped_names(struct pdf *d, size_t from, size_t to)
{
    for (size_t i = from; i < to && !d->obfuscated; i++) {
        char nm[64];
        size_t p;
        int esc = 0;
        if (d->b[i] != '/')
            continue;
        for (p = i + 1; p < to && !is_delim(d->b[p]); p++)
            esc |= d->b[p] == '#';
        if (!esc)
            continue;
        p = i + 1;
        name(d->b, to, &p, nm, sizeof(nm));
        for (size_t k = 0; k < sizeof(common_names) / sizeof(common_names[0]); k++)
            if (strcmp(nm, common_names[k]) == 0)
                d->obfuscated = 1;
        i = p - 1;
    }
}

/* One object: its dictionary, its stream. Returns where the next object
 * search starts. */
static size_t
object(struct pdf *d, size_t i, vg_status *st)
{
    const struct hdr *h = &d->h[i];
    const uint8_t *b = d->b;
    size_t next = i + 1 < d->nh ? d->h[i + 1].at : d->len;
    size_t end = next, dend, data, dlen;
    const uint8_t *q;
    uint64_t l;
    char nm[32];
    struct sink out;
    int over;

    if ((q = find(b, h->body, next, "endobj")) != NULL)
        end = (size_t)(q - b);
    q = find(b, h->body, end, "stream");
    dend = q ? (size_t)(q - b) : end;
    escaped_names(d, h->body, dend);
    *st = js_strings(d, h->body, dend, h->num, h->gen);
    if (*st != VG_OK || q == NULL)
        return end;
    data = dend + 6;
    if (data < d->len && b[data] == '\r')
        data++;
    if (data < d->len && b[data] == '\n')
        data++;
    if (stream_length(d, h->body, dend, &l) == 0 && l <= d->len - data) {
        size_t e = data + (size_t)l;
        while (e < d->len && is_ws(b[e]))
            e++;
        if (find(b, e, d->len, "endstream") == b + e) {
            dlen = (size_t)l;
            goto have;
        }
    }
    q = find(b, data, d->len, "endstream");
    dlen = (q ? (size_t)(q - b) : d->len) - data;
    while (dlen > 0 && (b[data + dlen - 1] == '\n' || b[data + dlen - 1] == '\r'))
        dlen--;
have:
    if (d->crypt.method != PDFC_NONE && h->num != d->encrypt_obj && !is_xref(d, h->body, dend)) {
        struct sink plain;
        int r;
        sink_init(&plain, walk_cap(d->w, NULL));
        r = pdfcrypt_decrypt(&d->crypt, h->num, h->gen, b + data, dlen, &plain);
        if (r == DEC_NOMEM ||
            decode_chain(b, h->body, dend, plain.p, plain.len, walk_cap(d->w, NULL), &out, &over)) {
            sink_free(&plain);
            sink_free(&out);
            *st = VG_ENOMEM;
            return end;
        }
        sink_free(&plain);
    } else if (decode_chain(b, h->body, dend, b + data, dlen, walk_cap(d->w, NULL), &out, &over)) {
        sink_free(&out);
        *st = VG_ENOMEM;
        return end;
    }
    snprintf(nm, sizeof(nm), "obj%u", h->num);
    *st = member(d->w, nm, out.p, out.len, dlen, over);
    if (*st == VG_OK) {
        size_t t = key(b, h->body, dend, "Type"), tp = t;
        char tn[16] = "";
        while (t && tp < dend && is_ws(b[tp]))
            tp++;
        if (t && tp < dend && b[tp] == '/') {
            tp++;
            name(b, dend, &tp, tn, sizeof(tn));
        }
        if (!strcmp(tn, "ObjStm")) {
            struct pdf inner;
            memset(&inner, 0, sizeof(inner));
            inner.w = d->w;
            inner.b = out.p;
            inner.len = out.len;
            *st = js_strings(&inner, 0, out.len, h->num, h->gen);
        }
    }
    sink_free(&out);
    /* the next object starts after this stream */
    return data + dlen;
}

/* A signed integer after /key in [from, to); 0 if absent. */
static int
int_value(const uint8_t *b, size_t from, size_t to, const char *k, int64_t *v)
{
    size_t p = key(b, from, to, k);
    uint64_t u;
    int neg = 0;

    if (p == 0)
        return -1;
    while (p < to && is_ws(b[p]))
        p++;
    if (p < to && (b[p] == '-' || b[p] == '+')) {
        neg = b[p] == '-';
        p++;
    }
    if (number(b, to, &p, &u))
        return -1;
    *v = neg ? -(int64_t)(u & 0x7fffffff) : (int64_t)(u & 0xffffffff);
    return 0;
}

/* A string after /key into out (at most cap bytes); its length or 0. */
static size_t
str_value(const uint8_t *b, size_t from, size_t to, const char *k, uint8_t *out, size_t cap)
{
    size_t p = key(b, from, to, k), n;
    struct sink s;

    if (p == 0)
        return 0;
    sink_init(&s, cap);
    pdf_string(b, to, p, &s);
    n = s.len;
    if (n)
        memcpy(out, s.p, n);
    sink_free(&s);
    return n;
}

/* The dictionary [*from, *to) an /Encrypt entry at p names: inline or an
 * indirect object. */
static int
encrypt_dict(const struct pdf *d, size_t p, size_t to, size_t *from, size_t *end, uint32_t *obj)
{
    uint64_t n, g;
    size_t q = p;

    *obj = UINT32_MAX;
    if (number(d->b, to, &q, &n) == 0 && number(d->b, to, &q, &g) == 0) {
        const struct hdr *h = n <= UINT32_MAX ? lookup(d, (uint32_t)n) : NULL;
        const uint8_t *e;
        if (h == NULL)
            return -1;
        *from = h->body;
        e = find(d->b, h->body, d->len, "endobj");
        *end = e ? (size_t)(e - d->b) : d->len;
        *obj = h->num;
        return 0;
    }
    while (q < to && is_ws(d->b[q]))
        q++;
    if (q + 1 < to && d->b[q] == '<' && d->b[q + 1] == '<') {
        *from = q;
        *end = to;
        return 0;
    }
    return -1;
}

/* The standard crypt filter's method, from /CFM in [from, to). */
static int
crypt_method(const uint8_t *b, size_t from, size_t to)
{
    size_t p = key(b, from, to, "CFM");
    char nm[16] = "";

    while (p && p < to && is_ws(b[p]))
        p++;
    if (p && p < to && b[p] == '/') {
        p++;
        name(b, to, &p, nm, sizeof(nm));
    }
    return !strcmp(nm, "V2") ? PDFC_RC4 : !strcmp(nm, "AESV2") ? PDFC_AESV2
           : !strcmp(nm, "AESV3") ? PDFC_AESV3 : !strcmp(nm, "None") ? PDFC_IDENTITY : 0;
}

/* Whether the document is encrypted (an /Encrypt entry in a trailer or a
 * cross-reference stream): 0 no, 1 yes and readable with the empty user
 * password (d->crypt set), 2 yes and not readable. */
static int
encryption(struct pdf *d)
{
    size_t p = 0, from = 0, to = 0, e, ef, et;
    const uint8_t *q;
    struct pdfcrypt_params pp;
    int64_t v;

    while ((q = find(d->b, p, d->len, "trailer")) != NULL) {
        size_t t = (size_t)(q - d->b) + 7;
        size_t te = d->len - t > 4096 ? t + 4096 : d->len;
        if (key(d->b, t, te, "Encrypt")) {
            from = t;
            to = te;
        }
        p = t;
    }
    for (size_t i = 0; i < d->nh && to == 0; i++) {
        size_t oe = i + 1 < d->nh ? d->h[i + 1].at : d->len;
        const uint8_t *s = find(d->b, d->h[i].body, oe, "stream");
        size_t de = s ? (size_t)(s - d->b) : oe;
        if (is_xref(d, d->h[i].body, de) && key(d->b, d->h[i].body, de, "Encrypt")) {
            from = d->h[i].body;
            to = de;
        }
    }
    if (to == 0)
        return 0;
    e = key(d->b, from, to, "Encrypt");
    if (encrypt_dict(d, e, to, &ef, &et, &d->encrypt_obj))
        return 2;
    memset(&pp, 0, sizeof(pp));
    pp.v = int_value(d->b, ef, et, "V", &v) == 0 ? (int)v : 0;
    pp.r = int_value(d->b, ef, et, "R", &v) == 0 ? (int)v : 0;
    pp.length_bits = int_value(d->b, ef, et, "Length", &v) == 0 ? (int)v : 40;
    /* V 4 keys are 128 bits (a crypt filter's /Length, in bytes, may come
       first in the dictionary) */
    if (pp.v == 4)
        pp.length_bits = 128;
    pp.p = int_value(d->b, ef, et, "P", &v) == 0 ? (int32_t)v : 0;
    pp.encrypt_metadata = find(d->b, ef, et, "/EncryptMetadata false") == NULL;
    pp.cfm = crypt_method(d->b, ef, et);
    pp.olen = str_value(d->b, ef, et, "O", pp.o, sizeof(pp.o));
    pp.ulen = str_value(d->b, ef, et, "U", pp.u, sizeof(pp.u));
    pp.oelen = str_value(d->b, ef, et, "OE", pp.oe, sizeof(pp.oe));
    pp.uelen = str_value(d->b, ef, et, "UE", pp.ue, sizeof(pp.ue));
    {
        /* the first string of /ID [<...> <...>] */
        size_t ip = key(d->b, from, to, "ID");
        while (ip && ip < to && (is_ws(d->b[ip]) || d->b[ip] == '['))
            ip++;
        if (ip) {
            struct sink s;
            sink_init(&s, sizeof(pp.id));
            pdf_string(d->b, to, ip, &s);
            pp.idlen = s.len;
            if (s.len)
                memcpy(pp.id, s.p, s.len);
            sink_free(&s);
        }
    }
    if (pdfcrypt_open(&pp, &d->crypt) != 0) {
        memset(&d->crypt, 0, sizeof(d->crypt));
        return 2;
    }
    return 1;
}

vg_status
pdf_walk(struct walk *w)
{
    struct pdf d;
    vg_status st = VG_OK;
    size_t resume = 0;

    memset(&d, 0, sizeof(d));
    d.w = w;
    d.b = w->buf;
    d.len = w->len;
    d.encrypt_obj = UINT32_MAX;
    if (index_objects(&d) || (d.byn = malloc((d.nh + 1) * sizeof(*d.byn))) == NULL) {
        free(d.h);
        return VG_ENOMEM;
    }
    for (size_t i = 0; i < d.nh; i++)
        d.byn[i] = &d.h[i];
    qsort(d.byn, d.nh, sizeof(*d.byn), by_num);
    /* a document anyone may open is decrypted and scanned, as clamscan
       does; one that needs a password is reported */
    if (encryption(&d) == 2)
        st = walk_encrypted(w, NULL);
    for (size_t i = 0; i < d.nh && st == VG_OK && !walk_done(w); i++) {
        if (d.h[i].at < resume)
            continue; /* an "obj" inside the previous stream's data */
        resume = object(&d, i, &st);
    }
    /* as clamscan, once the objects have been extracted */
    if (st == VG_OK && d.obfuscated)
        st = walk_heuristic(w, "Heuristics.PDF.ObfuscatedNameObject");
    free(d.byn);
    free(d.h);
    return st;
}
