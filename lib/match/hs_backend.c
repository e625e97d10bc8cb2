/*
 * hs_backend.c - Hyperscan block-mode literal matching.
 */
#include "match/hs_backend.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hs/hs.h>

#include "core/err.h"

struct hsb_db {
    hs_database_t *db;
};

struct hsb_scratch {
    hs_scratch_t *s;
};

vg_status
hsb_compile(const struct img_atom *atoms, uint32_t natoms, const uint8_t *bytes, struct buf *out,
            uint64_t *tune, uint64_t *cpu, vg_err *err)
{
    const char **exprs = NULL;
    unsigned *flags = NULL, *ids = NULL;
    size_t *lens = NULL;
    hs_database_t *db = NULL;
    hs_compile_error_t *cerr = NULL;
    hs_platform_info_t plat;
    char *ser = NULL;
    size_t serlen = 0;
    vg_status st = VG_ENOMEM;

    if (hs_populate_platform(&plat) != HS_SUCCESS)
        return err_set(err, VG_EINTERNAL, "hyperscan: cannot read this CPU's platform");
    *tune = plat.tune;
    *cpu = plat.cpu_features;
    if (natoms == 0)
        return VG_OK;
    if ((exprs = calloc(natoms, sizeof(*exprs))) == NULL || (flags = calloc(natoms, sizeof(*flags))) == NULL ||
        (ids = calloc(natoms, sizeof(*ids))) == NULL || (lens = calloc(natoms, sizeof(*lens))) == NULL)
        goto out;
    for (uint32_t i = 0; i < natoms; i++) {
        exprs[i] = (const char *)bytes + atoms[i].bytes;
        lens[i] = atoms[i].len;
        ids[i] = i;
        flags[i] = atoms[i].nocase ? HS_FLAG_CASELESS : 0;
    }
    if (hs_compile_lit_multi(exprs, flags, ids, lens, natoms, HS_MODE_BLOCK, &plat, &db, &cerr) !=
        HS_SUCCESS) {
        st = err_set(err, VG_EINTERNAL, "hyperscan compile failed: %s",
                     cerr && cerr->message ? cerr->message : "unknown error");
        hs_free_compile_error(cerr);
        goto out;
    }
    if (hs_serialize_database(db, &ser, &serlen) != HS_SUCCESS) {
        st = err_set(err, VG_EINTERNAL, "hyperscan: cannot serialise the database");
        goto out;
    }
    st = buf_append(out, ser, serlen);
out:
    free(ser);
    hs_free_database(db);
    free(exprs);
    free(flags);
    free(ids);
    free(lens);
    return st;
}

void
hsb_platform(uint64_t *tune, uint64_t *cpu)
{
    hs_platform_info_t plat;

    *tune = *cpu = 0;
    if (hs_populate_platform(&plat) == HS_SUCCESS) {
        *tune = plat.tune;
        *cpu = plat.cpu_features;
    }
}

int
hsb_platform_ok(uint64_t tune, uint64_t cpu)
{
    hs_platform_info_t plat;

    if (hs_populate_platform(&plat) != HS_SUCCESS)
        return 0;
    /* a database may use only features this CPU has */
    (void)tune;
    return (cpu & ~plat.cpu_features) == 0;
}

vg_status
hsb_load(const uint8_t *ser, size_t len, struct hsb_db **out, vg_err *err)
{
    struct hsb_db *d;
    hs_error_t e;

    *out = NULL;
    if ((d = calloc(1, sizeof(*d))) == NULL)
        return VG_ENOMEM;
    e = hs_deserialize_database((const char *)ser, len, &d->db);
    if (e != HS_SUCCESS) {
        free(d);
        if (e == HS_DB_PLATFORM_ERROR)
            return err_set(err, VG_EPLATFORM, "hyperscan database built for another CPU");
        if (e == HS_DB_VERSION_ERROR)
            return err_set(err, VG_EVERSION, "hyperscan database from another Hyperscan version");
        return err_set(err, VG_EFORMAT, "hyperscan database is corrupt (error %d)", (int)e);
    }
    *out = d;
    return VG_OK;
}

void
hsb_free(struct hsb_db *db)
{
    if (db == NULL)
        return;
    hs_free_database(db->db);
    free(db);
}

vg_status
hsb_scratch_for(struct hsb_db *db, struct hsb_scratch **s)
{
    if (*s == NULL && (*s = calloc(1, sizeof(**s))) == NULL)
        return VG_ENOMEM;
    if (hs_alloc_scratch(db->db, &(*s)->s) != HS_SUCCESS)
        return VG_ENOMEM;
    return VG_OK;
}

void
hsb_scratch_free(struct hsb_scratch *s)
{
    if (s == NULL)
        return;
    hs_free_scratch(s->s);
    free(s);
}

struct trampoline {
    hsb_hit_fn fn;
    void *ctx;
};

static int
on_match(unsigned int id, unsigned long long from, unsigned long long to, unsigned int flags,
         void *ctx)
{
    struct trampoline *t = ctx;

    (void)from;
    (void)flags;
    return t->fn(id, to, t->ctx);
}

vg_status
hsb_scan(struct hsb_db *db, struct hsb_scratch *s, const uint8_t *buf, size_t len, hsb_hit_fn fn,
         void *ctx)
{
    struct trampoline t = {fn, ctx};
    hs_error_t e;

    if (len > UINT32_MAX)
        return VG_EINVAL;
    e = hs_scan(db->db, (const char *)buf, (unsigned)len, 0, s->s, on_match, &t);
    if (e == HS_SUCCESS || e == HS_SCAN_TERMINATED)
        return VG_OK;
    return VG_EINTERNAL;
}
