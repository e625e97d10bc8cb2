/*
 * hashscan.c - hash signatures: whole-layer MD5/SHA-1/SHA-256 (.hdb/.hsb),
 * PE section hashes (.mdb/.msb) and allow lists (.fp/.sfp).
 *
 * A digest is computed only when some table holds an entry of this exact
 * size or a wildcard-size entry: most files are never hashed at all.
 * Tables are sorted by (size, digest), so each lookup is a binary search.
 */
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>

#include "db/build.h"
#include "db/db.h"
#include "scan/state.h"

static const size_t dlen_of[3] = {16, 20, 32};
static const size_t esz_of[3] = {sizeof(struct img_h16), sizeof(struct img_h20),
                                 sizeof(struct img_h32)};

/* First entry with (size, digest) >= key, as an index. */
static uint32_t
lower_bound(const uint8_t *t, uint32_t n, size_t esz, size_t dlen, uint32_t size, const uint8_t *d)
{
    uint32_t lo = 0, hi = n;

    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        const uint8_t *e = t + (size_t)mid * esz;
        uint32_t es;
        int c;

        memcpy(&es, e, 4);
        c = es < size ? -1 : es > size ? 1 : (d ? memcmp(e + 8, d, dlen) : 0);
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static int
has_size(const uint8_t *t, uint32_t n, size_t esz, uint32_t size)
{
    uint32_t i = lower_bound(t, n, esz, 0, size, NULL), es;

    if (i >= n)
        return 0;
    memcpy(&es, t + (size_t)i * esz, 4);
    return es == size;
}

/* Name offset of the entry (size, d), or -1. */
static int64_t
find(const uint8_t *t, uint32_t n, size_t esz, size_t dlen, uint32_t size, const uint8_t *d)
{
    uint32_t i = lower_bound(t, n, esz, dlen, size, d), es, name;

    if (i >= n)
        return -1;
    memcpy(&es, t + (size_t)i * esz, 4);
    if (es != size || memcmp(t + (size_t)i * esz + 8, d, dlen) != 0)
        return -1;
    memcpy(&name, t + (size_t)i * esz + 4, 4);
    return name;
}

static int
digest(struct vg_scanner *sc, int a, const uint8_t *buf, size_t len, uint8_t *out)
{
    static const EVP_MD *(*const mds[3])(void) = {EVP_md5, EVP_sha1, EVP_sha256};
    EVP_MD_CTX *c = sc->mdctx[a];
    unsigned int dl = 0;

    return EVP_DigestInit_ex(c, mds[a](), NULL) == 1 && EVP_DigestUpdate(c, buf, len) == 1 &&
           EVP_DigestFinal_ex(c, out, &dl) == 1;
}

/* Which algorithms a kind of table wants for this size, across shards. */
static unsigned
wanted(struct vg_scanner *sc, int kind, uint32_t size)
{
    unsigned want = 0;

    for (size_t s = 0; s < sc->db->nshards; s++) {
        const struct shard *sh = sc->db->shards[s];
        for (int a = 0; a < 3; a++) {
            uint32_t n = sh->nhashes[kind][a];
            const uint8_t *t = sh->hashes[kind][a];
            uint32_t last;
            if (n == 0)
                continue;
            memcpy(&last, t + (size_t)(n - 1) * esz_of[a], 4);
            if (last == HASH_ANY_SIZE || has_size(t, n, esz_of[a], size))
                want |= 1u << a;
        }
    }
    return want;
}

static void
match_tables(struct lscan *ls, int kind, uint32_t size, unsigned want, uint8_t d[3][32], int phase,
             uint64_t where)
{
    /* per algorithm: the entry of this size, then the any-size entry */
    for (size_t si = 0; si < ls->sc->db->nshards; si++)
    for (int a = 0; a < 3; a++)
    for (int w = 0; w < 2; w++) {
        const struct shard *sh = ls->sc->db->shards[si];
        uint32_t sz = w ? HASH_ANY_SIZE : size;
        int64_t name;
        if (!(want & (1u << a)) || sh->nhashes[kind][a] == 0 || (w && size == HASH_ANY_SIZE))
            continue;
        name = find(sh->hashes[kind][a], sh->nhashes[kind][a], esz_of[a], dlen_of[a], sz, d[a]);
        if (name < 0)
            continue;
        if (scanner_alert(ls->sc, shard_str(sh, (uint32_t)name), OFF_NONE, ls->lc->path,
                          KEY(phase, ((uint64_t)a << 40) | ((uint64_t)w << 32) | where)) != VG_OK) {
            ls->err = VG_ENOMEM;
            return;
        }
        if (!ls->allmatch)
            return;
    }
}

/* Runs once per layer over all shards (ls->sh is not used). */
void
hashscan_run(struct lscan *ls)
{
    struct vg_scanner *sc = ls->sc;
    uint32_t size = ls->len >= HASH_ANY_SIZE ? HASH_ANY_SIZE : (uint32_t)ls->len;
    unsigned want;
    uint8_t d[3][32];

    /* whole layer: each digest computed once, looked up in every shard */
    want = wanted(sc, HK_FILE, size);
    for (int a = 0; a < 3; a++)
        if ((want & (1u << a)) && !digest(sc, a, ls->buf, ls->len, d[a]))
            want &= ~(1u << a);
    if (want)
        match_tables(ls, HK_FILE, size, want, d, PH_HASH, 0);
    /* PE sections (PE32 and PE32+ alike, as clamscan 1.4.6) */
    if (ls->exe && ls->exe->kind == EXE_PE) {
        const struct exe_info *x = ls->exe;
        for (uint32_t i = 0; i < x->nrecorded && ls->err == VG_OK; i++) {
            const struct exe_section *s = &x->sections[i];
            uint32_t ssz;
            if (s->raw_size == 0 || s->raw_size >= HASH_ANY_SIZE || s->raw_off > ls->len ||
                s->raw_size > ls->len - s->raw_off)
                continue;
            ssz = (uint32_t)s->raw_size;
            want = wanted(sc, HK_SECT, ssz);
            for (int a = 0; a < 3; a++)
                if ((want & (1u << a)) && !digest(sc, a, ls->buf + s->raw_off, ssz, d[a]))
                    want &= ~(1u << a);
            if (want)
                match_tables(ls, HK_SECT, ssz, want, d, PH_SECT, i);
        }
    }
}

int
hashscan_allowed(struct vg_scanner *sc, const uint8_t *buf, size_t len)
{
    uint32_t size = len >= HASH_ANY_SIZE ? HASH_ANY_SIZE : (uint32_t)len;
    unsigned want = wanted(sc, HK_FP, size);
    uint8_t d[3][32];

    if (want == 0)
        return 0;
    for (int a = 0; a < 3; a++)
        if ((want & (1u << a)) && !digest(sc, a, buf, len, d[a]))
            want &= ~(1u << a);
    for (size_t s = 0; s < sc->db->nshards; s++) {
        const struct shard *sh = sc->db->shards[s];
        for (int a = 0; a < 3; a++) {
            if (!(want & (1u << a)) || sh->nhashes[HK_FP][a] == 0)
                continue;
            if (find(sh->hashes[HK_FP][a], sh->nhashes[HK_FP][a], esz_of[a], dlen_of[a], size, d[a]) >= 0 ||
                (size != HASH_ANY_SIZE &&
                 find(sh->hashes[HK_FP][a], sh->nhashes[HK_FP][a], esz_of[a], dlen_of[a], HASH_ANY_SIZE, d[a]) >= 0))
                return 1;
        }
    }
    return 0;
}
