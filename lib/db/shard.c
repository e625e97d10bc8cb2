/*
 * shard.c - open and validate database images (see shard.h, image.h).
 *
 * Start-up cost is the point of the image: opening is bounded by the
 * number of records (a few integer comparisons each), the Hyperscan
 * deserialisation, and, when asked, one SHA-256 over the file.
 */
#include "db/shard.h"

#include <stdio.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <pcre2.h>

#include "core/buf.h"
#include "core/err.h"
#include "db/build.h"
#include "db/imgcache.h"
#include "match/hs_backend.h"
#include "match/pattern.h"

static uint32_t
u16(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8);
}

static uint32_t
u32(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

/* Validate a program [off, end of code) and return the offset after its
 * OP_END, or 0 on error. depth bounds alternative nesting. */
static size_t
prog_check(const uint8_t *code, size_t len, size_t off, uint32_t nclasses, int depth)
{
    if (depth > 16)
        return 0;
    while (off < len) {
        uint8_t op = code[off];
        size_t need;

        switch (op) {
        case OP_END:
            return off + 1;
        case OP_LIT:
        case OP_LITI:
            if (3 > len - off)
                return 0;
            need = 3 + (size_t)u16(code + off + 1);
            break;
        case OP_ANY:
            need = 3;
            break;
        case OP_SKIP:
            need = 5;
            break;
        case OP_MASK:
            need = 3;
            break;
        case OP_CLASS:
            if (3 > len - off || u16(code + off + 1) >= nclasses)
                return 0;
            need = 3;
            break;
        case OP_ASSERT_L:
        case OP_ASSERT_R:
            if (4 > len - off || u16(code + off + 1) >= nclasses)
                return 0;
            need = 4;
            break;
        case OP_AROUND:
            if (8 > len - off || u16(code + off + 2) >= nclasses)
                return 0;
            need = 8;
            break;
        case OP_ALT: {
            uint32_t nalts, body;
            size_t a, end;

            if (10 > len - off)
                return 0;
            nalts = u16(code + off + 2);
            body = u32(code + off + 6);
            if (body > len - off - 10)
                return 0;
            a = off + 10;
            end = a + body;
            for (uint32_t i = 0; i < nalts; i++) {
                uint32_t alen;
                size_t after;
                if (2 > end - a)
                    return 0;
                alen = u16(code + a);
                if (alen > end - a - 2)
                    return 0;
                after = prog_check(code, a + 2 + alen, a + 2, nclasses, depth + 1);
                if (after != a + 2 + alen)
                    return 0;
                a += 2 + alen;
            }
            if (a != end)
                return 0;
            off = end;
            continue;
        }
        default:
            return 0;
        }
        if (need > len - off)
            return 0;
        off += need;
    }
    return 0;
}

int
shard_prog_ok(const uint8_t *code, size_t code_len, size_t off, uint32_t nclasses)
{
    return off < code_len && prog_check(code, code_len, off, nclasses, 0) != 0;
}

const char *
shard_str(const struct shard *s, uint32_t off)
{
    return off < s->strtab_len ? s->strtab + off : "";
}

int
shard_ignores(const struct shard *s, const char *name)
{
    uint64_t h;
    size_t lo = 0, hi = s->nign;

    if (s->nign == 0)
        return 0;
    h = build_name_hash(name);
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (s->ign[mid] < h)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < s->nign && s->ign[lo] == h;
}

static vg_status
bad(vg_err *err, const char *what)
{
    return err_set(err, VG_EFORMAT, "corrupt database image: %s", what);
}

/* Point `*p` at section kind, checking its record size. Missing sections
 * are empty. */
static int
sec(const struct shard *s, uint32_t kind, size_t esz, const void **p, uint32_t *count)
{
    const struct img_header *h = s->hdr;

    *p = NULL;
    *count = 0;
    for (uint32_t i = 0; i < h->nsections; i++) {
        const struct img_secent *e = &h->sec[i];
        if (e->kind != kind)
            continue;
        if (e->off > s->size || e->len > s->size - e->off || (e->off & 7) != 0)
            return -1;
        if (esz > 1 && (uint64_t)e->count * esz != e->len)
            return -1;
        if (esz == 1 && e->count != e->len)
            return -1;
        *p = s->base + e->off;
        *count = e->count;
        return 0;
    }
    return 0;
}

static int
off_ok(const struct img_off *o)
{
    return o->kind <= OFF_SE && o->neg <= 1;
}

static vg_status
validate(struct shard *s, vg_err *err)
{
    const struct img_header *h = s->hdr;
    uint32_t n;
    const void *p;
    static const uint32_t hash_kind[3][3] = {
        {SEC_HASH_MD5, SEC_HASH_SHA1, SEC_HASH_SHA256},
        {SEC_SECT_MD5, SEC_SECT_SHA1, SEC_SECT_SHA256},
        {SEC_FP_MD5, SEC_FP_SHA1, SEC_FP_SHA256},
    };
    static const size_t hash_size[3] = {sizeof(struct img_h16), sizeof(struct img_h20),
                                        sizeof(struct img_h32)};

    if (h->nsections > IMG_MAX_SECTIONS)
        return bad(err, "section count");
    if (sec(s, SEC_STRTAB, 1, &p, &n) || n == 0 || ((const char *)p)[n - 1] != '\0')
        return bad(err, "string table");
    s->strtab = p;
    s->strtab_len = n;
#define SEC(kind, field, cnt, type)                                                                \
    do {                                                                                           \
        if (sec(s, kind, sizeof(type), &p, &n))                                                    \
            return bad(err, #field);                                                               \
        s->field = p;                                                                              \
        s->cnt = n;                                                                                \
    } while (0)
    SEC(SEC_SIGS, sigs, nsigs, struct img_sig);
    SEC(SEC_PATS, pats, npats, struct img_pat);
    SEC(SEC_PARTS, parts, nparts, struct img_part);
    SEC(SEC_ATOMS, atoms, natoms, struct img_atom);
    SEC(SEC_REFS, refs, nrefs, struct img_ref);
    SEC(SEC_LDBS, ldbs, nldbs, struct img_ldb);
    SEC(SEC_SUBS, subs, nsubs, struct img_sub);
    SEC(SEC_EXPR, exprs, nexprs, struct img_expr);
    SEC(SEC_PCRE, pcres, npcres, struct img_pcre);
    SEC(SEC_BCOMP, bcomps, nbcomps, struct img_bcomp);
    SEC(SEC_ALWAYS, always, nalways, uint32_t);
    SEC(SEC_CDB, cdbs, ncdbs, struct img_cdb);
    SEC(SEC_IGN, ign, nign, uint64_t);
#undef SEC
    if (sec(s, SEC_CODE, 1, &p, &n))
        return bad(err, "code");
    s->code = p;
    s->code_len = n;
    /* the count of the classes section is the number of 32-byte maps */
    if (sec(s, SEC_CLASSES, 32, &p, &n))
        return bad(err, "classes");
    s->classes = p;
    s->nclasses = n;
    if (sec(s, SEC_ATOMBYTES, 1, &p, &n))
        return bad(err, "atom bytes");
    s->atombytes = p;
    s->natombytes = n;
    if (sec(s, SEC_HSDB, 1, &p, &n))
        return bad(err, "hyperscan section");
    s->hsdb = p;
    s->hsdb_len = n;
    for (int k = 0; k < 3; k++)
        for (int a = 0; a < 3; a++)
            if (sec(s, hash_kind[k][a], hash_size[a], &s->hashes[k][a], &s->nhashes[k][a]))
                return bad(err, "hash table");

    /* records */
    for (uint32_t i = 0; i < s->nsigs; i++) {
        const struct img_sig *g = &s->sigs[i];
        if (g->name >= s->strtab_len || g->target > 14)
            return bad(err, "signature");
        if (g->kind == SIG_NDB ? g->ref >= s->npats : g->kind == SIG_LDB ? g->ref >= s->nldbs : 1)
            return bad(err, "signature reference");
    }
    for (uint32_t i = 0; i < s->nparts; i++) {
        const struct img_part *pt = &s->parts[i];
        if (!shard_prog_ok(s->code, s->code_len, pt->code, s->nclasses))
            return bad(err, "pattern program");
        if (pt->litlen && (pt->lit > s->code_len || pt->litlen > s->code_len - pt->lit))
            return bad(err, "pattern literal");
    }
    for (uint32_t i = 0; i < s->npats; i++) {
        const struct img_pat *pt = &s->pats[i];
        if (pt->sig >= s->nsigs || pt->nparts == 0 || pt->nparts > PAT_MAX_PARTS ||
            pt->first_part > s->nparts || pt->nparts > s->nparts - pt->first_part ||
            pt->anchor >= pt->nparts || !off_ok(&pt->off))
            return bad(err, "pattern");
    }
    for (uint32_t i = 0; i < s->natoms; i++) {
        const struct img_atom *a = &s->atoms[i];
        if (a->bytes > s->natombytes || a->len > s->natombytes - a->bytes || a->len == 0 ||
            a->first_ref > s->nrefs || a->nrefs > s->nrefs - a->first_ref)
            return bad(err, "atom");
    }
    for (uint32_t i = 0; i < s->nrefs; i++)
        if (s->refs[i].pat >= s->npats || s->refs[i].part >= s->pats[s->refs[i].pat].nparts)
            return bad(err, "atom reference");
    for (uint32_t i = 0; i < s->nexprs; i++) {
        const struct img_expr *e = &s->exprs[i];
        if (e->op == EX_LEAF) {
            if (e->a >= LDB_MAX_SUBS)
                return bad(err, "expression leaf");
        } else if (e->op == EX_AND || e->op == EX_OR) {
            /* children come first: a tree, no cycles */
            if (e->a >= i || e->b >= i)
                return bad(err, "expression node");
        } else {
            return bad(err, "expression op");
        }
    }
    for (uint32_t i = 0; i < s->nldbs; i++) {
        const struct img_ldb *l = &s->ldbs[i];
        if (l->sig >= s->nsigs || l->expr >= s->nexprs || l->nsubs == 0 || l->nsubs > LDB_MAX_SUBS ||
            l->first_sub > s->nsubs || l->nsubs > s->nsubs - l->first_sub ||
            l->ninter > LDB_MAX_INTERMED)
            return bad(err, "logical signature");
        for (uint32_t k = 0; k < l->nsubs; k++) {
            const struct img_sub *sb = &s->subs[l->first_sub + k];
            switch (sb->kind) {
            case SUB_CONTENT:
                if (sb->npats == 0 || sb->ref > s->npats || sb->npats > s->npats - sb->ref)
                    return bad(err, "subsignature patterns");
                for (uint32_t q = 0; q < sb->npats; q++)
                    if (s->pats[sb->ref + q].sig != l->sig || s->pats[sb->ref + q].sub != k)
                        return bad(err, "subsignature pattern owner");
                break;
            case SUB_PCRE:
                if (sb->ref >= s->npcres)
                    return bad(err, "PCRE subsignature");
                break;
            case SUB_BCOMP:
                if (sb->ref >= s->nbcomps || s->bcomps[sb->ref].trigger >= l->nsubs)
                    return bad(err, "byte compare subsignature");
                break;
            case SUB_MACRO:
                break;
            default:
                return bad(err, "subsignature kind");
            }
        }
    }
    for (uint32_t i = 0; i < s->npcres; i++) {
        const struct img_pcre *pc = &s->pcres[i];
        if (pc->trigger >= s->nexprs || pc->regex >= s->strtab_len || !off_ok(&pc->off))
            return bad(err, "PCRE");
    }
    for (uint32_t i = 0; i < s->nbcomps; i++) {
        const struct img_bcomp *bc = &s->bcomps[i];
        if (bc->ncmp < 1 || bc->ncmp > 2 || bc->len == 0 || bc->len > 64)
            return bad(err, "byte compare");
    }
    for (uint32_t i = 0; i < s->nalways; i++)
        if (s->always[i] >= s->nldbs)
            return bad(err, "always-evaluate list");
    for (uint32_t i = 0; i < s->ncdbs; i++) {
        const struct img_cdb *c = &s->cdbs[i];
        if (c->name >= s->strtab_len || (c->regex != UINT32_MAX && c->regex >= s->strtab_len))
            return bad(err, "container signature");
    }
    /* Hash tables are not walked here: a lookup in an unsorted table can
       only miss, and names are bounds-checked on use (shard_str), so a
       corrupt table cannot crash a scan; not touching them keeps start-up
       independent of the number of hash signatures. */
    return VG_OK;
}

/* Rebuild the Hyperscan database from the stored atoms for this CPU, or
 * take the one rebuilt before from the cache. */
static vg_status
recompile_hs(struct shard *s, vg_err *err)
{
    struct buf ser = {0};
    uint64_t tune, cpu;
    vg_status st;

    hsb_platform(&tune, &cpu);
    if (imgcache_hs_load(s->hdr->sha256, cpu, &ser) == 0 &&
        hsb_load(ser.p, ser.len, &s->hs, NULL) == VG_OK) {
        s->recompiled = 2;
        buf_free(&ser);
        return VG_OK;
    }
    ser.len = 0;
    if ((st = hsb_compile(s->atoms, s->natoms, s->atombytes, &ser, &tune, &cpu, err)) != VG_OK)
        goto out;
    if ((st = hsb_load(ser.p, ser.len, &s->hs, err)) != VG_OK)
        goto out;
    imgcache_hs_store(s->hdr->sha256, cpu, ser.p, ser.len);
    s->recompiled = 1;
out:
    buf_free(&ser);
    return st;
}

static vg_status
finish_open(struct shard *s, unsigned flags, const struct stat *file, vg_err *err)
{
    const struct img_header *h;
    vg_status st;

    if (s->size < sizeof(struct img_header))
        return bad(err, "truncated header");
    h = s->hdr = (const struct img_header *)s->base;
    if (memcmp(h->magic, IMG_MAGIC, 8) != 0)
        return err_set(err, VG_EFORMAT, "not a vigil database image (bad magic)");
    if (h->version != IMG_VERSION)
        return err_set(err, VG_EVERSION, "database image format version %u, this build reads %u",
                       h->version, IMG_VERSION);
    if (h->total_size != s->size)
        return err_set(err, VG_EFORMAT, "database image is truncated or padded (%llu bytes, header says %llu)",
                       (unsigned long long)s->size, (unsigned long long)h->total_size);
    if (h->shard[sizeof(h->shard) - 1] != '\0')
        return bad(err, "shard name");
    if ((flags & SHARD_VERIFY_ALWAYS) ||
        ((flags & SHARD_VERIFY_DIGEST) && !(file && imgcache_verified(h->sha256, file)))) {
        uint8_t d[32];
        unsigned int dl = 0;
        if (EVP_Digest(s->base + sizeof(*h), s->size - sizeof(*h), d, &dl, EVP_sha256(), NULL) != 1 ||
            memcmp(d, h->sha256, 32) != 0)
            return err_set(err, VG_EFORMAT, "database image digest mismatch (corrupt file)");
        if (file)
            imgcache_mark_verified(h->sha256, file);
    }
    if ((st = validate(s, err)) != VG_OK)
        return st;
    if (s->natoms > 0) {
        if (!hsb_platform_ok(h->hs_tune, h->hs_cpu_features) || s->hsdb_len == 0) {
            if ((st = recompile_hs(s, err)) != VG_OK)
                return st;
        } else if ((st = hsb_load(s->hsdb, s->hsdb_len, &s->hs, err)) != VG_OK) {
            if (st != VG_EPLATFORM && st != VG_EVERSION)
                return st;
            if ((st = recompile_hs(s, err)) != VG_OK)
                return st;
        }
    }
    if (s->npcres && (s->pcre_code = calloc(s->npcres, sizeof(*s->pcre_code))) == NULL)
        return VG_ENOMEM;
    if (s->ncdbs && (s->cdb_code = calloc(s->ncdbs, sizeof(*s->cdb_code))) == NULL)
        return VG_ENOMEM;
    return VG_OK;
}

vg_status
shard_open_mem(uint8_t *buf, size_t len, unsigned flags, struct shard **out, vg_err *err)
{
    struct shard *s;
    vg_status st;

    *out = NULL;
    if ((s = calloc(1, sizeof(*s))) == NULL) {
        free(buf);
        return VG_ENOMEM;
    }
    s->owned = buf;
    s->base = buf;
    s->size = len;
    if ((st = finish_open(s, flags, NULL, err)) != VG_OK) {
        shard_free(s);
        return st;
    }
    *out = s;
    return VG_OK;
}

vg_status
shard_open_file(const char *path, unsigned flags, struct shard **out, vg_err *err)
{
    struct shard *s = NULL;
    struct stat stt;
    int fd = -1;
    vg_status st;

    *out = NULL;
    if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
        return err_set(err, err_from_errno(errno), "%s: %s", path, strerror(errno));
    if (fstat(fd, &stt) != 0 || !S_ISREG(stt.st_mode)) {
        close(fd);
        return err_set(err, VG_ENOTFILE, "%s: not a regular file", path);
    }
    if ((s = calloc(1, sizeof(*s))) == NULL) {
        close(fd);
        return VG_ENOMEM;
    }
    s->size = (size_t)stt.st_size;
    if (s->size == 0) {
        st = err_set(err, VG_EFORMAT, "%s: empty database image", path);
        goto fail;
    }
    s->map = mmap(NULL, s->size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (s->map == MAP_FAILED) {
        s->map = NULL;
        st = err_set(err, VG_EIO, "%s: cannot map: %s", path, strerror(errno));
        goto fail;
    }
    s->base = s->map;
    close(fd);
    fd = -1;
    if ((st = finish_open(s, flags, &stt, err)) != VG_OK) {
        err_prefix(err, st, path);
        goto fail;
    }
    *out = s;
    return VG_OK;
fail:
    if (fd >= 0)
        close(fd);
    shard_free(s);
    return st;
}

void
shard_free(struct shard *s)
{
    if (s == NULL)
        return;
    hsb_free(s->hs);
    for (uint32_t i = 0; s->pcre_code && i < s->npcres; i++)
        pcre2_code_free(atomic_load(&s->pcre_code[i]));
    for (uint32_t i = 0; s->cdb_code && i < s->ncdbs; i++)
        pcre2_code_free(atomic_load(&s->cdb_code[i]));
    free(s->pcre_code);
    free(s->cdb_code);
    if (s->map)
        munmap(s->map, s->size);
    free(s->owned);
    free(s);
}
