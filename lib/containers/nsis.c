/*
 * nsis.c - NSIS (Nullsoft Scriptable Install System) installers, read as
 * clamscan 1.4's cli_scannulsft reads them.
 *
 * An installer is a small PE stub followed by the archive. clamscan finds
 * the archive by its type signature (EF BE AD DE "NullsoftInst", the
 * second field of the 28-byte first header) inside a PE layer, and scans
 * the data from the first header (4 bytes before the signature) to the
 * end as a layer of type CL_TYPE_NULSFT; nsis_open does the same. Its
 * members are then:
 *   - non-solid: a chain of blocks, each a 32-bit size whose top bit says
 *     "compressed", every block compressed on its own;
 *   - solid: one compressed stream holding the same chain (size, data)
 *     uncompressed.
 * clamscan does not read the first header's flags: it guesses solid by
 * walking the chain of sizes (the chain leaves the archive: solid), and
 * the compressor from the first bytes of the blocks (nsis_detcomp: '1' is
 * bzip2's block byte; LZMA properties 0x5d with a dictionary whose low
 * 23 bits are zero, as makensis's 8 MiB default, are LZMA; anything else
 * is deflate), by majority over the blocks for non-solid archives. Members are named "headers" (the install script
 * and strings, matched as raw data only) and "content.NNN" (every block
 * after it, numbered from 1, empty blocks included in the count), and
 * scanned as new layers. Quirks kept for the same verdicts: the
 * compressor counters are 8 bits wide, a truncated archive with at least
 * two whole blocks is never solid, a damaged stream that produced output
 * is scanned as far as it went.
 *
 * Decoders: deflate (zlib, raw), LZMA (liblzma, raw LZMA1 with the
 * 5-byte properties in front; the dictionary is capped by what may be
 * decoded, so a hostile header cannot make it allocate gigabytes) and
 * NSIS's bzip2 variant (nsisbz.c). Each pulls output in pieces into the
 * member's bounded sink, so a solid archive costs one member at a time.
 */
#include "containers/walk.h"

#include <lzma.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#define ZLIB_CONST
#include <zlib.h>

#include "containers/nsisbz.h"
#include "containers/sink.h"
#include "core/rd.h"
#include "scan/state.h"

#define FH_LEN 0x1c
#define CHUNK 65536u
/* NSIS allows dictionaries up to 128 MiB */
#define DICT_MAX (256u << 20)
#define DICT_MIN 4096u
/* empty blocks in a row allowed when max_files is 0 */
#define EMPTY_MAX 10000u

enum comp { COMP_NONE, COMP_BZIP2, COMP_LZMA, COMP_ZLIB };
enum { PULL_MORE, PULL_END, PULL_TRUNC, PULL_BAD, PULL_NOMEM };

/* One compressed stream, read in pieces. */
struct pull {
    enum comp comp;
    z_stream z;
    lzma_stream lz;
    struct nsisbz *bz;
    int live;  /* z or lz needs ending */
    int state; /* PULL_MORE while more may come */
};

struct nsis {
    struct walk *w;
    const uint8_t *b;
    size_t len;
    uint32_t asz;  /* archive bytes left, as clamscan counts them */
    size_t pos;    /* next block (non-solid) or the solid stream */
    enum comp comp;
    int solid;
    uint32_t fno;  /* blocks taken so far */
    struct pull sp; /* the solid stream */
    int started;
    uint32_t empties;
    uint8_t *chunk;
};

static int
pull_init(struct pull *p, enum comp comp, const uint8_t *in, size_t n, uint64_t max_out)
{
    lzma_stream init = LZMA_STREAM_INIT;

    memset(p, 0, sizeof(*p));
    p->comp = comp;
    p->state = PULL_MORE;
    p->lz = init;
    if (n > UINT32_MAX)
        n = UINT32_MAX; /* asz is 32 bits: never more */
    switch (comp) {
    case COMP_BZIP2:
        if ((p->bz = nsisbz_new(in, n)) == NULL)
            return p->state = PULL_NOMEM;
        return PULL_MORE;
    case COMP_LZMA: {
        lzma_filter f[2] = {{LZMA_FILTER_LZMA1, NULL}, {LZMA_VLI_UNKNOWN, NULL}};
        lzma_options_lzma *o;
        lzma_ret r;
        uint64_t dict = max_out < DICT_MAX ? max_out : DICT_MAX;
        if (n < 5 || lzma_properties_decode(&f[0], NULL, in, 5) != LZMA_OK)
            return p->state = PULL_BAD;
        o = f[0].options;
        /* no match reaches further back than what is decoded */
        if (dict < DICT_MIN)
            dict = DICT_MIN;
        if (o->dict_size > dict)
            o->dict_size = (uint32_t)dict;
        r = lzma_raw_decoder(&p->lz, f);
        free(o);
        if (r != LZMA_OK)
            return p->state = r == LZMA_MEM_ERROR ? PULL_NOMEM : PULL_BAD;
        p->live = 1;
        p->lz.next_in = in + 5;
        p->lz.avail_in = n - 5;
        return PULL_MORE;
    }
    default:
        if (inflateInit2(&p->z, -MAX_WBITS) != Z_OK)
            return p->state = PULL_NOMEM;
        p->live = 1;
        p->z.next_in = in;
        p->z.avail_in = (uInt)n;
        return PULL_MORE;
    }
}

static void
pull_end(struct pull *p)
{
    if (p->live && p->comp == COMP_LZMA)
        lzma_end(&p->lz);
    else if (p->live && p->comp != COMP_BZIP2)
        inflateEnd(&p->z);
    nsisbz_free(p->bz);
    p->bz = NULL;
    p->live = 0;
}

/* Input bytes the decoder has not taken yet (clamscan's avail_in). */
static size_t
pull_left(const struct pull *p)
{
    if (p->comp == COMP_LZMA)
        return p->lz.avail_in;
    if (p->comp == COMP_BZIP2)
        return nsisbz_left(p->bz);
    return p->z.avail_in;
}

static int
read_lzma(struct pull *p, uint8_t *out, size_t cap, size_t *got)
{
    lzma_ret r;

    p->lz.next_out = out;
    p->lz.avail_out = cap;
    while (p->lz.avail_out > 0) {
        size_t in0 = p->lz.avail_in, out0 = p->lz.avail_out;
        r = lzma_code(&p->lz, LZMA_RUN);
        if (r == LZMA_STREAM_END) {
            p->state = PULL_END;
            break;
        }
        if (r != LZMA_OK) {
            p->state = r == LZMA_MEM_ERROR ? PULL_NOMEM : p->lz.avail_in == 0 ? PULL_TRUNC : PULL_BAD;
            break;
        }
        /* the decoder stops short of a full buffer only for want of input */
        if (p->lz.avail_in == 0 && p->lz.avail_out > 0) {
            p->state = PULL_TRUNC;
            break;
        }
        if (p->lz.avail_in == in0 && p->lz.avail_out == out0) {
            p->state = PULL_BAD; /* no progress: never loop on it */
            break;
        }
    }
    *got = cap - p->lz.avail_out;
    return p->state;
}

static int
read_zlib(struct pull *p, uint8_t *out, size_t cap, size_t *got)
{
    int r;

    p->z.next_out = out;
    p->z.avail_out = (uInt)cap;
    while (p->z.avail_out > 0) {
        uInt before = p->z.avail_out, in0 = p->z.avail_in;
        r = inflate(&p->z, Z_NO_FLUSH);
        if (r == Z_STREAM_END) {
            p->state = PULL_END;
            break;
        }
        if (r == Z_MEM_ERROR) {
            p->state = PULL_NOMEM;
            break;
        }
        if (r != Z_OK && r != Z_BUF_ERROR) {
            p->state = PULL_BAD;
            break;
        }
        if (p->z.avail_out == before && (p->z.avail_in == 0 || p->z.avail_in == in0)) {
            /* no output and no input left, or no progress at all */
            p->state = p->z.avail_in == 0 ? PULL_TRUNC : PULL_BAD;
            break;
        }
    }
    *got = cap - p->z.avail_out;
    return p->state;
}

/* Up to cap (at most CHUNK) bytes of output. Returns the state after it:
 * PULL_MORE, or why nothing more will come (*got may still be > 0). */
static int
pull_read(struct pull *p, uint8_t *out, size_t cap, size_t *got)
{
    int r;

    *got = 0;
    if (p->state != PULL_MORE || cap == 0)
        return p->state;
    switch (p->comp) {
    case COMP_LZMA:
        return read_lzma(p, out, cap, got);
    case COMP_BZIP2:
        r = nsisbz_read(p->bz, out, cap, got);
        p->state = r == NSISBZ_MORE ? PULL_MORE : r == NSISBZ_END ? PULL_END
                   : r == NSISBZ_TRUNC ? PULL_TRUNC : r == NSISBZ_NOMEM ? PULL_NOMEM : PULL_BAD;
        return p->state;
    default:
        return read_zlib(p, out, cap, got);
    }
}

/* Up to want bytes of the stream into s (bounded by it). */
static int
pull_sink(struct nsis *n, struct pull *p, uint64_t want, struct sink *s)
{
    while (want > 0 && p->state == PULL_MORE && !s->over && !s->nomem) {
        size_t got, ask = want < CHUNK ? (size_t)want : CHUNK;
        (void)pull_read(p, n->chunk, ask, &got);
        if (got > 0)
            (void)sink_write(s, n->chunk, got);
        want -= got;
    }
    return p->state;
}

/* clamscan's nsis_detcomp on the 4 bytes at p */
static enum comp
detcomp(const uint8_t *p)
{
    uint32_t v = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;

    if (p[0] == '1')
        return COMP_BZIP2;
    if ((v & 0x7fffffffu) == 0x5d)
        return COMP_LZMA;
    return COMP_ZLIB;
}

/* Solid or not, and the compressor, from the chain of block sizes.
 * -1 when the chain cannot be read (clamscan gives up then). */
static int
guess(struct nsis *n, int trunc)
{
    uint8_t comps[4] = {0, 0, 0, 0}; /* 8 bits, as clamscan's */
    uint32_t pos, next;
    uint64_t at = FH_LEN;
    unsigned i;

    for (i = 0, pos = 0; pos < n->asz - 4; i++) {
        int64_t sz;
        if (rd_u32le(n->b, n->len, at, &next))
            return -1;
        if (i == 0)
            n->comp = detcomp(n->b + at);
        at += 4;
        sz = (int64_t)(next & 0x7fffffffu);
        if (next & 0x80000000u) {
            if (!rd_ok(n->len, at, 4))
                return -1;
            comps[detcomp(n->b + at)]++;
            sz -= 4;
            pos += 4;
            at += 4;
        }
        pos += (uint32_t)(4 + sz); /* 32-bit wrap, as clamscan */
        if (pos > n->asz) {
            n->solid = 1;
            break;
        }
        at = (uint64_t)((int64_t)at + sz); /* sz >= -4 and at >= 8 here */
    }
    if (trunc && i >= 2)
        n->solid = 0;
    if (!n->solid)
        n->comp = comps[1] < comps[2] ? (comps[2] < comps[3] ? COMP_ZLIB : COMP_LZMA)
                                      : (comps[1] < comps[3] ? COMP_ZLIB : COMP_BZIP2);
    return 0;
}

/* Largest output a decoder may have to hold in its window. */
static uint64_t
out_bound(const struct nsis *n, const struct member *m)
{
    const struct vg_scanner *sc = n->w->sc;

    if (!n->solid)
        return walk_cap(n->w, m);
    if (sc->opts.max_scansize == 0)
        return DICT_MAX;
    return sc->scanned < sc->opts.max_scansize ? sc->opts.max_scansize - sc->scanned + CHUNK : CHUNK;
}

/* Scan one extracted member: the first ("headers") as raw data only, as
 * clamscan's cli_scan_desc; the others through the whole pipeline. */
static vg_status
scan_member(struct nsis *n, const struct member *m, const struct sink *s)
{
    if (s->over)
        return walk_scan(n->w, m, s->p, s->len, WALK_TRUNCATED);
    if (n->fno == 1)
        return walk_scan_text(n->w, m->name, s->p, s->len, FT_BINARY);
    return walk_scan(n->w, m, s->p, s->len, 0);
}

/* The next block of a non-solid archive. 1: the archive ends here. */
static int
next_plain(struct nsis *n, const char *name, vg_status *st)
{
    struct walk *w = n->w;
    struct member m;
    struct sink s;
    struct pull p;
    uint32_t raw, size;
    int go, r = PULL_MORE;

    if (rd_u32le(n->b, n->len, n->pos, &raw))
        return 1;
    n->pos += 4;
    if (n->asz == 4) /* the CRC */
        return 1;
    if ((size = raw & 0x7fffffffu) == 0)
        return 0;
    if (n->asz < 4 || size > n->asz - 4 || !rd_ok(n->len, n->pos, size))
        return 1;
    n->asz -= size + 4;
    memset(&m, 0, sizeof(m));
    m.name = name;
    m.csize = size;
    m.usize = raw == size ? size : 0;
    n->pos += size;
    if ((*st = walk_announce(w, &m, &go)) != VG_OK || !go)
        return *st != VG_OK;
    sink_init(&s, walk_cap(w, &m));
    if (raw == size) {
        (void)sink_write(&s, n->b + n->pos - size, size);
    } else {
        r = pull_init(&p, n->comp, n->b + n->pos - size, size, out_bound(n, &m));
        if (r == PULL_MORE)
            r = pull_sink(n, &p, UINT64_MAX, &s);
        pull_end(&p);
    }
    if (s.nomem || r == PULL_NOMEM)
        *st = VG_ENOMEM;
    else if (s.len > 0 || s.over || raw == size)
        *st = scan_member(n, &m, &s); /* a damaged stream with output: what came */
    sink_free(&s);
    return *st != VG_OK;
}

/* The next member of a solid archive. 1: the archive ends here. */
static int
next_solid(struct nsis *n, const char *name, vg_status *st)
{
    struct walk *w = n->w;
    struct member m;
    struct sink s;
    uint8_t hdr[4];
    size_t got = 0, g;
    uint32_t size;
    int go, r, over;

    if (!n->started) {
        n->started = 1;
        if (!rd_ok(n->len, n->pos, n->asz))
            return 1;
        memset(&m, 0, sizeof(m));
        if (pull_init(&n->sp, n->comp, n->b + n->pos, n->asz, out_bound(n, &m)) != PULL_MORE) {
            *st = n->sp.state == PULL_NOMEM ? VG_ENOMEM : VG_OK;
            return 1;
        }
    }
    if (n->sp.state != PULL_MORE || pull_left(&n->sp) <= 4)
        return 1;
    while (got < 4 && n->sp.state == PULL_MORE) {
        (void)pull_read(&n->sp, hdr + got, 4 - got, &g);
        got += g;
    }
    if (got < 4) {
        *st = n->sp.state == PULL_NOMEM ? VG_ENOMEM : VG_OK;
        return 1;
    }
    size = (uint32_t)hdr[0] | (uint32_t)hdr[1] << 8 | (uint32_t)hdr[2] << 16 | (uint32_t)hdr[3] << 24;
    if (size == 0) {
        const vg_scan_opts *o = &w->sc->opts;
        /* each takes only 4 bytes of output: bound them like members */
        if (++n->empties > (o->max_files ? o->max_files : EMPTY_MAX)) {
            *st = walk_limit(w, VG_LIMIT_FILES);
            return 1;
        }
        return 0;
    }
    memset(&m, 0, sizeof(m));
    m.name = name;
    m.usize = size;
    if ((*st = walk_announce(w, &m, &go)) != VG_OK || !go)
        return 1; /* clamscan stops the solid stream at a skipped member */
    sink_init(&s, walk_cap(w, &m));
    r = pull_sink(n, &n->sp, size, &s);
    over = s.over;
    if (s.nomem || r == PULL_NOMEM)
        *st = VG_ENOMEM;
    else if (s.len > 0 || s.over)
        *st = scan_member(n, &m, &s);
    sink_free(&s);
    /* a member cut by a limit or a damaged stream ends the archive */
    return *st != VG_OK || over || r != PULL_MORE;
}

vg_status
nsis_walk(struct walk *w)
{
    struct nsis n;
    uint32_t declared;
    int trunc = 0;
    vg_status st = VG_OK;
    char name[32];

    memset(&n, 0, sizeof(n));
    n.w = w;
    n.b = w->buf;
    n.len = w->len;
    if (rd_u32le(n.b, n.len, 0x18, &declared))
        return VG_OK;
    n.asz = declared;
    if (n.len < declared) { /* truncated: read what is there */
        n.asz = (uint32_t)n.len;
        trunc = 1;
    }
    n.asz -= FH_LEN; /* wraps for a nonsense size: the chain is then unreadable */
    if (guess(&n, trunc) != 0)
        return VG_OK;
    if ((n.chunk = malloc(CHUNK)) == NULL)
        return VG_ENOMEM;
    n.pos = FH_LEN;
    while (st == VG_OK && !walk_done(w)) {
        int end;
        if (n.fno == 0)
            snprintf(name, sizeof(name), "headers");
        else
            snprintf(name, sizeof(name), "content.%03u", (unsigned)n.fno);
        n.fno++;
        end = n.solid ? next_solid(&n, name, &st) : next_plain(&n, name, &st);
        if (end)
            break;
    }
    pull_end(&n.sp);
    free(n.chunk);
    return st != VG_OK ? st : w->err;
}

vg_status
nsis_open(struct vg_scanner *sc, const uint8_t *buf, size_t len, size_t off, enum ftype type,
          const struct layer_ctx *lc)
{
    struct walk w;
    struct member m;
    char name[32];
    int go;
    vg_status st;

    if (off >= len)
        return VG_OK;
    walk_start(&w, sc, lc, buf, len, type, "NSIS");
    snprintf(name, sizeof(name), "@%zu", off);
    memset(&m, 0, sizeof(m));
    m.name = name;
    m.csize = m.usize = len - off;
    if ((st = walk_announce(&w, &m, &go)) != VG_OK || !go)
        return st != VG_OK ? st : w.err;
    st = walk_scan_typed(&w, &m, buf + off, len - off, FT_NULSFT);
    return st != VG_OK ? st : w.err;
}
