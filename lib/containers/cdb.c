/*
 * cdb.c - .cdb matching, as clamscan's cli_matchmeta:
 *   ContainerType   the container layer's type, or any;
 *   ContainerSize   the container's size;
 *   FileNameREGEX   the member's name as the container stores it (no
 *                   name: never matches a regex);
 *   FileSizeInContainer / FileSizeReal  the member's stored and declared sizes;
 *   IsEncrypted     the member's flag;
 *   FilePos         its position in the container;
 *   Res1            the CRC-32 is documented for ZIP and RAR, but clamscan
 *                   1.4.6 never reads it from the line (cli_loadcdb skips
 *                   the field), so a rule's CRC never excludes a member;
 *                   vigil follows, so that verdicts agree.
 * A range x-y bounds the value; as in clamscan a bound of 0 is no bound.
 * The name regexes are PCRE2, compiled on first use and shared by threads.
 */
#include "containers/cdb.h"

#include <stdatomic.h>
#include <string.h>

#include <pcre2.h>

#include "db/db.h"
#include "db/shard.h"
#include "scan/state.h"

static int
in_range(const struct img_range *r, uint64_t v)
{
    if (r->lo > r->hi)
        return 1; /* any */
    if (r->lo == r->hi)
        return v == r->lo;
    return !((r->lo && r->lo > v) || (r->hi && r->hi < v));
}

static pcre2_code *
regex_get(const struct shard *sh, uint32_t i)
{
    void *c = atomic_load(&sh->cdb_code[i]);
    void *expected = NULL;
    int ec;
    PCRE2_SIZE eo;

    if (c)
        return c;
    c = pcre2_compile((PCRE2_SPTR)shard_str(sh, sh->cdbs[i].regex), PCRE2_ZERO_TERMINATED, 0, &ec,
                      &eo, NULL);
    if (c == NULL)
        return NULL;
    if (!atomic_compare_exchange_strong(&sh->cdb_code[i], &expected, c)) {
        pcre2_code_free(c);
        c = expected;
    }
    return c;
}

static int
name_ok(struct vg_scanner *sc, const struct shard *sh, uint32_t i, const char *name)
{
    pcre2_code *code;

    if (sh->cdbs[i].regex == UINT32_MAX)
        return 1;
    if (name == NULL || (code = regex_get(sh, i)) == NULL)
        return 0;
    return pcre2_match(code, (PCRE2_SPTR)name, strlen(name), 0, 0, sc->md, sc->mctx) >= 0;
}

vg_status
cdb_match(struct vg_scanner *sc, enum ftype ctype, uint64_t clen, const struct member *m,
          uint32_t pos, const char *path)
{
    const vg_db *db = sc->db;

    for (size_t s = 0; s < db->nshards; s++) {
        const struct shard *sh = db->shards[s];
        for (uint32_t i = 0; i < sh->ncdbs; i++) {
            const struct img_cdb *c = &sh->cdbs[i];
            if (c->ctype != UINT32_MAX && c->ctype != (uint32_t)ctype)
                continue;
            if (c->encrypted >= 0 && c->encrypted != (m->encrypted != 0))
                continue;
            if (!in_range(&c->csize, clen) || !in_range(&c->fsize_c, m->csize) ||
                !in_range(&c->fsize_r, m->usize) || !in_range(&c->fpos, pos) ||
                !name_ok(sc, sh, i, m->name))
                continue;
            if (scanner_alert(sc, shard_str(sh, c->name), OFF_NONE, path, KEY(PH_BODY, 0)) != VG_OK)
                return VG_ENOMEM;
        }
    }
    return VG_OK;
}
