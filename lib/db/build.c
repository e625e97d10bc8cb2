/*
 * build.c - the builder the signature readers fill (see build.h).
 */
#include "db/build.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "core/err.h"
#include "match/atoms.h"

static const size_t hash_rec_size[3] = {sizeof(struct img_h16), sizeof(struct img_h20),
                                        sizeof(struct img_h32)};

void
build_init(struct dbbuild *b, uint32_t flags, const char *shard)
{
    memset(b, 0, sizeof(*b));
    b->flags = flags;
    snprintf(b->shard, sizeof(b->shard), "%s", shard ? shard : "main");
    b->sigs.esz = sizeof(struct img_sig);
    b->pats.esz = sizeof(struct img_pat);
    b->parts.esz = sizeof(struct img_part);
    b->part_score.esz = sizeof(double);
    b->ldbs.esz = sizeof(struct img_ldb);
    b->subs.esz = sizeof(struct img_sub);
    b->exprs.esz = sizeof(struct img_expr);
    b->pcres.esz = sizeof(struct img_pcre);
    b->bcomps.esz = sizeof(struct img_bcomp);
    b->always.esz = sizeof(uint32_t);
    b->cdbs.esz = sizeof(struct img_cdb);
    b->ign.esz = sizeof(struct ign_entry);
    b->ignhash.esz = sizeof(uint64_t);
    for (int k = 0; k < 3; k++)
        for (int a = 0; a < 3; a++)
            b->hashes[k][a].esz = hash_rec_size[a];
    /* offset 0 of the string table is the empty string */
    buf_append(&b->strtab, "", 1);
}

void
build_free(struct dbbuild *b)
{
    buf_free(&b->strtab);
    vec_free(&b->sigs);
    vec_free(&b->pats);
    vec_free(&b->parts);
    vec_free(&b->part_score);
    vec_free(&b->ldbs);
    vec_free(&b->subs);
    vec_free(&b->exprs);
    vec_free(&b->pcres);
    vec_free(&b->bcomps);
    vec_free(&b->always);
    vec_free(&b->cdbs);
    for (int k = 0; k < 3; k++)
        for (int a = 0; a < 3; a++)
            vec_free(&b->hashes[k][a]);
    for (size_t i = 0; i < b->ign.n; i++)
        free(VEC_AT(&b->ign, struct ign_entry, i)->name);
    vec_free(&b->ign);
    vec_free(&b->ignhash);
    pattab_free(&b->tab);
}

vg_status
build_str(struct dbbuild *b, const char *s, uint32_t *off)
{
    size_t n = strlen(s) + 1;

    if (b->strtab.len > UINT32_MAX - n)
        return VG_ELIMIT;
    *off = (uint32_t)b->strtab.len;
    return buf_append(&b->strtab, s, n);
}

vg_status
build_name(struct dbbuild *b, const char *name, int official, uint32_t *off)
{
    size_t n = strlen(name);
    vg_status st;

    if (official || (b->flags & VG_LOAD_OFFICIAL))
        return build_str(b, name, off);
    if (b->strtab.len > UINT32_MAX - n - 12)
        return VG_ELIMIT;
    *off = (uint32_t)b->strtab.len;
    if ((st = buf_append(&b->strtab, name, n)) != VG_OK)
        return st;
    return buf_append(&b->strtab, ".UNOFFICIAL", 12);
}

uint64_t
build_name_hash(const char *s)
{
    uint64_t h = 1469598103934665603ull;

    while (*s) {
        h ^= (uint8_t)*s++;
        h *= 1099511628211ull;
    }
    return h;
}

vg_status
build_add_ignore(struct dbbuild *b, const char *name, const uint8_t *md5)
{
    struct ign_entry *e;
    vg_status st;

    if ((st = vec_push(&b->ign, (void **)&e)) != VG_OK)
        return st;
    if ((e->name = strdup(name)) == NULL) {
        b->ign.n--;
        return VG_ENOMEM;
    }
    if (md5) {
        e->has_md5 = 1;
        memcpy(e->md5, md5, 16);
    }
    return VG_OK;
}

/* ignhash holds (hash << 20 | index) sorted, rebuilt when entries were added */
static int
cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static void
ign_index(struct dbbuild *b)
{
    if (b->ign_indexed == b->ign.n)
        return;
    b->ignhash.n = 0;
    for (size_t i = 0; i < b->ign.n && i < (1u << 20); i++) {
        uint64_t k = (build_name_hash(VEC_AT(&b->ign, struct ign_entry, i)->name) << 20) | i;
        if (vec_add(&b->ignhash, &k) != VG_OK)
            break;
    }
    qsort(b->ignhash.p, b->ignhash.n, sizeof(uint64_t), cmp_u64);
    b->ign_indexed = b->ign.n;
}

int
build_ignored(struct dbbuild *b, const char *name, const char *line)
{
    uint64_t h;
    size_t lo, hi;

    if (b->ign.n == 0)
        return 0;
    ign_index(b);
    h = build_name_hash(name) << 20;
    lo = 0;
    hi = b->ignhash.n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if ((*VEC_AT(&b->ignhash, uint64_t, mid) & ~(uint64_t)0xfffff) < h)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (size_t i = lo; i < b->ignhash.n; i++) {
        uint64_t k = *VEC_AT(&b->ignhash, uint64_t, i);
        struct ign_entry *e;

        if ((k & ~(uint64_t)0xfffff) != h)
            break;
        e = VEC_AT(&b->ign, struct ign_entry, k & 0xfffff);
        if (strcmp(e->name, name) != 0)
            continue;
        if (e->has_md5) {
            uint8_t d[16];
            unsigned int dl = 0;
            if (EVP_Digest(line, strlen(line), d, &dl, EVP_md5(), NULL) != 1 ||
                memcmp(d, e->md5, 16) != 0)
                continue;
        }
        b->counts.ignored++;
        return 1;
    }
    return 0;
}

vg_status
build_add_hash(struct dbbuild *b, int kind, const uint8_t *digest, size_t dlen, uint32_t size,
               uint32_t name)
{
    int a = dlen == 16 ? HA_MD5 : dlen == 20 ? HA_SHA1 : dlen == 32 ? HA_SHA256 : -1;
    void *rec;
    vg_status st;

    if (a < 0 || kind < 0 || kind > 2)
        return VG_EINVAL;
    if ((st = vec_push(&b->hashes[kind][a], &rec)) != VG_OK)
        return st;
    /* all three record types start with size, name, digest */
    memcpy(rec, &size, 4);
    memcpy((char *)rec + 4, &name, 4);
    memcpy((char *)rec + 8, digest, dlen);
    return VG_OK;
}

vg_status
build_add_pattern(struct dbbuild *b, uint32_t sig, uint32_t sub, const char *hex, uint32_t mods,
                  const struct img_off *off, uint32_t *patidx, struct cpat *cp, vg_err *err)
{
    struct img_pat *p;
    vg_status st;
    size_t first_part = b->parts.n;

    if ((st = bodysig_compile(hex, mods, &b->tab, cp, err)) != VG_OK)
        return st;
    if (b->pats.n >= UINT32_MAX || b->parts.n + cp->nparts >= UINT32_MAX)
        return err_set(err, VG_ELIMIT, "too many patterns");
    for (uint32_t i = 0; i < cp->nparts; i++) {
        struct img_part *pt;

        if ((st = vec_push(&b->parts, (void **)&pt)) != VG_OK)
            return st;
        pt->code = cp->parts[i].code;
        pt->mingap = cp->parts[i].mingap;
        pt->maxgap = cp->parts[i].maxgap;
        pt->minlen = cp->parts[i].minlen;
        pt->maxlen = cp->parts[i].maxlen;
        {
            double score = atoms_choose(b->tab.code.p, pt);
            if ((st = vec_add(&b->part_score, &score)) != VG_OK)
                return st;
        }
    }
    if ((st = vec_push(&b->pats, (void **)&p)) != VG_OK)
        return st;
    p->sig = sig;
    p->first_part = (uint32_t)first_part;
    p->nparts = (uint8_t)cp->nparts;
    p->anchor = (uint8_t)cp->anchor;
    p->sub = (uint8_t)sub;
    p->flags = cp->is_static ? PATF_STATIC : 0;
    p->off = *off;
    *patidx = (uint32_t)(b->pats.n - 1);
    return VG_OK;
}

static int
parse_u32(const char *s, const char **end, uint32_t *v)
{
    unsigned long long x = 0;
    const char *p = s;

    if (!isdigit((unsigned char)*p))
        return -1;
    while (isdigit((unsigned char)*p)) {
        x = x * 10 + (unsigned)(*p - '0');
        if (x > UINT32_MAX)
            return -1;
        p++;
    }
    *v = (uint32_t)x;
    *end = p;
    return 0;
}

vg_status
build_parse_offset(const char *s, int exe_ok, struct img_off *o, vg_err *err)
{
    const char *p = s, *e;
    int exe = 0;

    memset(o, 0, sizeof(*o));
    if (strcmp(s, "*") == 0) {
        o->kind = OFF_ANY;
        return VG_OK;
    }
    if (strncmp(p, "EOF-", 4) == 0) {
        o->kind = OFF_EOF;
        if (parse_u32(p + 4, &e, &o->n))
            goto bad;
        p = e;
    } else if (strncmp(p, "EP+", 3) == 0 || strncmp(p, "EP-", 3) == 0) {
        o->kind = OFF_EP;
        o->neg = p[2] == '-';
        if (parse_u32(p + 3, &e, &o->n))
            goto bad;
        p = e;
        exe = 1;
    } else if (strncmp(p, "SL+", 3) == 0) {
        o->kind = OFF_SLAST;
        if (parse_u32(p + 3, &e, &o->n))
            goto bad;
        p = e;
        exe = 1;
    } else if (strncmp(p, "SE", 2) == 0) {
        uint32_t x;
        o->kind = OFF_SE;
        if (parse_u32(p + 2, &e, &x) || x > 0xffff)
            goto bad;
        o->sect = (uint16_t)x;
        p = e;
        exe = 1;
    } else if (p[0] == 'S' && isdigit((unsigned char)p[1])) {
        uint32_t x;
        o->kind = OFF_SECT;
        if (parse_u32(p + 1, &e, &x) || x > 0xffff || *e != '+')
            goto bad;
        o->sect = (uint16_t)x;
        if (parse_u32(e + 1, &e, &o->n))
            goto bad;
        p = e;
        exe = 1;
    } else if (isdigit((unsigned char)*p)) {
        o->kind = OFF_ABS;
        if (parse_u32(p, &e, &o->n))
            goto bad;
        p = e;
    } else {
        goto bad;
    }
    if (*p == ',') {
        if (parse_u32(p + 1, &e, &o->shift))
            goto bad;
        p = e;
    }
    if (*p != '\0')
        goto bad;
    if (exe && !exe_ok)
        return err_set(err, VG_EFORMAT, "offset '%s' needs an executable target (1, 6 or 9)", s);
    return VG_OK;
bad:
    return err_set(err, VG_EFORMAT, "invalid offset '%s'", s);
}

static int
parse_level(const char *s, uint32_t *v)
{
    const char *e;

    return parse_u32(s, &e, v) == 0 && *e == '\0' ? 0 : -1;
}

int
build_flevel_ok(const char *min, const char *max)
{
    uint32_t lo, hi;

    if (min && *min) {
        if (parse_level(min, &lo))
            return -1;
        if (lo > VG_FLEVEL)
            return 0;
    }
    if (max && *max) {
        if (parse_level(max, &hi))
            return -1;
        if (hi < VG_FLEVEL)
            return 0;
    }
    return 1;
}

int
build_name_ok(const char *name)
{
    return name && *name;
}
