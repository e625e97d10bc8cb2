/*
 * bodyscan.c - body patterns on one layer: Hyperscan finds atoms, each hit
 * is verified where the pattern would start, and split patterns (parts
 * joined by * and {n-m}) are chained after the scan.
 *
 * Semantics are clamscan 1.4.6's (matcher-ac.c): the offset condition of a
 * split pattern applies to its first part; part i+1 must start at or after
 * the end of part i, within the gap bounds (a bound of 0 means none); a
 * logical subsignature counts a match only when its offset is past the
 * last counted one (equal is allowed for split patterns). Hits arrive in
 * order of atom end, which keeps those counts in ClamAV's order for
 * fixed-length patterns.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "match/hs_backend.h"
#include "match/pattern.h"
#include "match/verify.h"
#include "scan/state.h"

#define SCANBUFF 131072u

struct ldbst *
bodyscan_ldbst(struct lscan *ls, uint32_t ldb)
{
    struct shard_state *st = ls->st;
    uint32_t sig = ls->sh->ldbs[ldb].sig;
    struct slot *sl = &st->sig[sig];
    struct ldbst *l;

    if (sl->epoch == st->epoch)
        return st->ldb[sl->idx];
    if (st->nldb == st->capldb) {
        size_t cap = st->capldb ? st->capldb * 2 : 64;
        struct ldbst **n = realloc(st->ldb, cap * sizeof(*n));
        if (n == NULL)
            return NULL;
        st->ldb = n;
        st->capldb = cap;
    }
    if ((l = arena_alloc(&st->arena, sizeof(*l))) == NULL)
        return NULL;
    for (int i = 0; i < LDB_MAX_SUBS; i++)
        l->last[i] = l->first[i] = OFF_NONE;
    if (vec_add(&st->touched, &ldb) != VG_OK)
        return NULL;
    st->ldb[st->nldb] = l;
    sl->idx = (uint32_t)st->nldb++;
    sl->epoch = st->epoch;
    return l;
}

void
bodyscan_count(struct lscan *ls, uint32_t ldb, uint32_t sub, uint64_t off, int partial)
{
    struct ldbst *l = bodyscan_ldbst(ls, ldb);

    if (l == NULL) {
        ls->err = VG_ENOMEM;
        return;
    }
    if (l->first[sub] == OFF_NONE)
        l->first[sub] = off;
    if (l->last[sub] != OFF_NONE && (partial ? off < l->last[sub] : off <= l->last[sub]))
        return;
    if (l->counts[sub] < UINT32_MAX)
        l->counts[sub]++;
    l->last[sub] = off;
}

/* The offset window of a body pattern: as bodyscan_offset_window, except
 * that in clamscan's in-memory buffer of normalised text relative offsets
 * are never computed, so such patterns cannot match there (as clamscan
 * 1.4.6: `0:EOF-5:...` never matches the normalised text scanned in
 * memory). */
static int
pat_window(const struct lscan *ls, const struct img_off *o, uint64_t *lo, uint64_t *hi)
{
    if (ls->normalized == NORM_MEMORY && o->kind != OFF_ABS)
        return 0;
    return bodyscan_offset_window(ls, o, lo, hi);
}

int
bodyscan_offset_window(const struct lscan *ls, const struct img_off *o, uint64_t *lo, uint64_t *hi)
{
    uint64_t base;
    const struct exe_info *x = ls->exe;

    switch (o->kind) {
    case OFF_ANY:
        *lo = 0;
        *hi = UINT64_MAX;
        return 1;
    case OFF_ABS:
        base = o->n;
        break;
    case OFF_EOF:
        /* relative offsets are void when the executable headers failed */
        if (x && x->kind == EXE_NONE)
            return 0;
        if (o->n > ls->len)
            return 0;
        base = ls->len - o->n;
        break;
    case OFF_EP:
        if (x == NULL || x->kind == EXE_NONE || !x->has_ep)
            return 0;
        if (o->neg) {
            if (o->n > x->ep)
                return 0;
            base = x->ep - o->n;
        } else {
            base = x->ep + o->n;
        }
        break;
    case OFF_SECT:
        if (x == NULL || x->kind == EXE_NONE || o->sect >= x->nrecorded)
            return 0;
        base = x->sections[o->sect].raw_off + o->n;
        break;
    case OFF_SLAST:
        if (x == NULL || x->kind == EXE_NONE || x->nrecorded == 0)
            return 0;
        base = x->sections[x->nrecorded - 1].raw_off + o->n;
        break;
    case OFF_SE:
        if (x == NULL || x->kind == EXE_NONE || o->sect >= x->nrecorded)
            return 0;
        *lo = x->sections[o->sect].raw_off;
        *hi = *lo + x->sections[o->sect].raw_size;
        return 1;
    default:
        return 0;
    }
    *lo = base;
    *hi = base + o->shift;
    return 1;
}

static uint64_t
body_key(const struct lscan *ls, const struct img_pat *p, const struct img_sig *g, uint64_t s,
         uint64_t e)
{
    uint64_t chunk = e / SCANBUFF;
    uint64_t generic = g->target == 0 ? 1 : 0;
    uint64_t ac = (p->flags & PATF_STATIC) ? 0 : 1;
    uint64_t pos = ac ? e : s;

    (void)ls;
    if (chunk > 0x3fff)
        chunk = 0x3fff;
    return KEY(PH_BODY, (chunk << 42) | (generic << 41) | (ac << 40) | (pos & 0xffffffffffull));
}

/* An ndb match. First-match mode keeps the earliest (by key) per
 * signature; all-match mode reports every occurrence, as clamscan -z
 * does, up to NDB_MAX_OCC per signature and layer. */
#define NDB_MAX_OCC 256

static void
ndb_hit(struct lscan *ls, uint32_t patidx, uint64_t s, uint64_t e)
{
    const struct img_pat *p = &ls->sh->pats[patidx];
    const struct img_sig *g = &ls->sh->sigs[p->sig];
    struct shard_state *st = ls->st;
    struct slot *sl = &st->sig[p->sig];
    uint64_t key = body_key(ls, p, g, s, e);
    struct ndbhit h = {p->sig, s, key};

    if (sl->epoch == st->epoch) {
        struct ndbhit *first = VEC_AT(&st->hits, struct ndbhit, sl->idx & 0xffffff);
        uint32_t n = sl->idx >> 24;

        if (!ls->allmatch) {
            /* keep the earliest: that is the hit clamscan reports */
            if (key < first->key) {
                first->key = key;
                first->off = s;
            }
            return;
        }
        if (n + 1 >= NDB_MAX_OCC)
            return;
        sl->idx += 1u << 24;
    } else {
        if (st->hits.n >= 0xffffff) {
            ls->err = VG_ELIMIT;
            return;
        }
        sl->epoch = st->epoch;
        sl->idx = (uint32_t)st->hits.n;
    }
    if (vec_add(&st->hits, &h) != VG_OK)
        ls->err = VG_ENOMEM;
}

static void
single_match(struct lscan *ls, uint32_t patidx, uint64_t s, uint64_t e)
{
    const struct img_pat *p = &ls->sh->pats[patidx];
    const struct img_sig *g = &ls->sh->sigs[p->sig];

    if (g->kind == SIG_NDB)
        ndb_hit(ls, patidx, s, e);
    else
        bodyscan_count(ls, g->ref, p->sub, s, 0);
}

/* Append (s, e) to an arena-backed occurrence array; -1 when out of memory. */
static int
occ_push(struct arena *a, struct occ **v, uint32_t *n, uint32_t *cap, uint64_t s, uint64_t e)
{
    if (*n == *cap) {
        uint32_t nc = *cap ? *cap * 2 : 16;
        struct occ *nv;

        if (nc < *cap || (nv = arena_alloc(a, (size_t)nc * sizeof(*nv))) == NULL)
            return -1;
        if (*n)
            memcpy(nv, *v, (size_t)*n * sizeof(**v));
        *v = nv;
        *cap = nc;
    }
    (*v)[*n].s = s;
    (*v)[*n].e = e;
    (*n)++;
    return 0;
}

static void
mp_add(struct lscan *ls, uint32_t patidx, uint32_t part, uint64_t s, uint64_t e)
{
    struct shard_state *st = ls->st;
    struct slot *sl = &st->pat[patidx];
    struct mpst *m;

    if (sl->epoch != st->epoch) {
        if (st->nmp == st->capmp) {
            size_t cap = st->capmp ? st->capmp * 2 : 64;
            struct mpst *n = realloc(st->mp, cap * sizeof(*n));
            if (n == NULL) {
                ls->err = VG_ENOMEM;
                return;
            }
            st->mp = n;
            st->capmp = cap;
        }
        if (vec_add(&st->mps, &patidx) != VG_OK) {
            ls->err = VG_ENOMEM;
            return;
        }
        memset(&st->mp[st->nmp], 0, sizeof(st->mp[0]));
        st->mp[st->nmp].part = part;
        sl->idx = (uint32_t)st->nmp++;
        sl->epoch = st->epoch;
    }
    m = &st->mp[sl->idx];
    if (m->n && m->v[m->n - 1].s == s)
        return;
    if (occ_push(&st->arena, &m->v, &m->n, &m->cap, s, e) != 0)
        ls->err = VG_ENOMEM;
}

static int
on_hit(unsigned id, unsigned long long end, void *ctx)
{
    struct lscan *ls = ctx;
    const struct shard *sh = ls->sh;
    const struct img_atom *a = &sh->atoms[id];

    for (uint32_t r = a->first_ref; r < a->first_ref + a->nrefs; r++) {
        const struct img_ref *ref = &sh->refs[r];
        const struct img_pat *p = &sh->pats[ref->pat];
        const struct img_part *pt = &sh->parts[p->first_part + ref->part];
        uint64_t smin, smax, lo, hi;

        if (!((ls->targets >> sh->sigs[p->sig].target) & 1))
            continue;
        if (end < pt->back_min)
            continue;
        smax = end - pt->back_min;
        smin = end > pt->back_max ? end - pt->back_max : 0;
        if (p->nparts == 1) {
            if (p->off.kind != OFF_ANY) {
                if (!pat_window(ls, &p->off, &lo, &hi))
                    continue;
                if (smin < lo)
                    smin = lo;
                if (smax > hi)
                    smax = hi;
            }
            for (uint64_t s = smin; s <= smax; s++) {
                size_t e;
                if (verify_at(sh->code + pt->code, sh->classes, ls->buf, ls->len, s, &e))
                    single_match(ls, ref->pat, s, e);
            }
        } else {
            for (uint64_t s = smin; s <= smax; s++) {
                size_t e;
                if (verify_at(sh->code + pt->code, sh->classes, ls->buf, ls->len, s, &e))
                    mp_add(ls, ref->pat, ref->part, s, e);
            }
        }
    }
    return ls->err != VG_OK;
}

/* All occurrences of a part in [from, to] (start positions), sorted. */
static struct occ *
find_part(struct lscan *ls, const struct img_part *pt, uint64_t from, uint64_t to, uint32_t *n)
{
    const struct shard *sh = ls->sh;
    const uint8_t *buf = ls->buf;
    size_t len = ls->len;
    uint32_t cnt = 0, cap = 0;
    struct occ *v = NULL;
    uint64_t last = OFF_NONE;

    *n = 0;
    if (from > len)
        return NULL;
    if (to > len)
        to = len;
    if (pt->litlen == 0) {
        /* a single-byte anchor part: test each position */
        for (uint64_t s = from; s <= to; s++) {
            size_t e;
            if (verify_at(sh->code + pt->code, sh->classes, buf, len, s, &e)) {
                if (occ_push(&ls->st->arena, &v, &cnt, &cap, s, e) != 0)
                    return NULL;
            }
        }
        *n = cnt;
        return v;
    }
    {
        const uint8_t *lit = sh->code + pt->lit;
        size_t ll = pt->litlen;
        uint64_t pos = from + (pt->back_min > ll ? pt->back_min - ll : 0);
        uint8_t lower[64];

        if (pt->litnocase)
            memcpy(lower, lit, ll < sizeof(lower) ? ll : sizeof(lower));
        while (pos + ll <= len) {
            const uint8_t *hit;
            uint64_t hend, smin, smax;

            if (pt->litnocase) {
                hit = NULL;
                for (uint64_t q = pos; q + ll <= len; q++) {
                    size_t k;
                    for (k = 0; k < ll; k++) {
                        uint8_t c = buf[q + k];
                        if (c >= 'A' && c <= 'Z')
                            c = (uint8_t)(c + 32);
                        if (c != lower[k])
                            break;
                    }
                    if (k == ll) {
                        hit = buf + q;
                        break;
                    }
                }
            } else {
                hit = memmem(buf + pos, len - pos, lit, ll);
            }
            if (hit == NULL)
                break;
            hend = (uint64_t)(hit - buf) + ll;
            pos = (uint64_t)(hit - buf) + 1;
            if (hend < pt->back_min)
                continue;
            smax = hend - pt->back_min;
            smin = hend > pt->back_max ? hend - pt->back_max : 0;
            if (smin < from)
                smin = from;
            if (smax > to)
                smax = to;
            for (uint64_t s = smin; s <= smax && smin <= smax; s++) {
                size_t e;
                if (last != OFF_NONE && s <= last)
                    continue;
                if (!verify_at(sh->code + pt->code, sh->classes, buf, len, s, &e))
                    continue;
                if (occ_push(&ls->st->arena, &v, &cnt, &cap, s, e) != 0)
                    return NULL;
                last = s;
            }
        }
    }
    *n = cnt;
    return v;
}

static int
cmp_occ_end(const void *a, const void *b)
{
    const struct occ *x = a, *y = b;
    return x->e < y->e ? -1 : x->e > y->e;
}

/* A split-pattern match of a logical subsignature, counted after all split
 * patterns are chained (see bodyscan_run). */
struct pend {
    uint32_t ldb, sub;
    uint64_t last;   /* start of the last part: clamscan's reporting order */
    uint64_t start;  /* the match offset counted */
    uint64_t seq;
};

static int
cmp_pend(const void *a, const void *b)
{
    const struct pend *x = a, *y = b;

    if (x->ldb != y->ldb)
        return x->ldb < y->ldb ? -1 : 1;
    if (x->sub != y->sub)
        return x->sub < y->sub ? -1 : 1;
    if (x->last != y->last)
        return x->last < y->last ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Chain a split pattern's parts; report each valid last-part occurrence
 * (logical subsignatures: into pend, counted later). */
static void
mp_eval(struct lscan *ls, uint32_t patidx, const struct mpst *m, struct vec *pend)
{
    const struct shard *sh = ls->sh;
    const struct img_pat *p = &sh->pats[patidx];
    const struct img_sig *g = &sh->sigs[p->sig];
    struct occ *prev = NULL;      /* valid occurrences of the previous part, by end */
    uint64_t *prev_a = NULL;      /* their anchor starts */
    uint32_t nprev = 0;
    uint64_t lo = 0, hi = UINT64_MAX;

    if (p->off.kind != OFF_ANY && !pat_window(ls, &p->off, &lo, &hi))
        return;
    for (uint32_t j = 0; j < p->nparts; j++) {
        const struct img_part *pt = &sh->parts[p->first_part + j];
        struct occ *occ;
        uint32_t nocc, nvalid = 0;
        uint64_t *va;
        struct occ *valid;

        if (j == m->part) {
            occ = m->v;
            nocc = m->n;
        } else {
            occ = find_part(ls, pt, 0, ls->len, &nocc);
            if (occ == NULL && nocc == 0 && ls->err == VG_OK) {
                return;
            }
        }
        if (nocc == 0)
            return;
        valid = arena_alloc(&ls->st->arena, (size_t)nocc * sizeof(*valid));
        va = arena_alloc(&ls->st->arena, (size_t)nocc * sizeof(*va));
        if (valid == NULL || va == NULL) {
            ls->err = VG_ENOMEM;
            return;
        }
        for (uint32_t i = 0; i < nocc; i++) {
            const struct occ *o = &occ[i];
            uint64_t astart = OFF_NONE;

            if (j > 0) {
                /* some previous occurrence must end in [o.s - maxgap, o.s - mingap] */
                uint64_t wlo, whi;
                uint32_t a = 0, b = nprev;
                int ok = 0;

                if (o->s < pt->mingap)
                    continue;
                whi = o->s - pt->mingap;
                wlo = (pt->maxgap == GAP_INF || o->s < pt->maxgap) ? 0 : o->s - pt->maxgap;
                while (a < b) {
                    uint32_t mid = a + (b - a) / 2;
                    if (prev[mid].e < wlo)
                        a = mid + 1;
                    else
                        b = mid;
                }
                for (uint32_t k = a; k < nprev && prev[k].e <= whi; k++) {
                    if (!ok || prev_a[k] < astart)
                        astart = prev_a[k];
                    ok = 1;
                }
                if (!ok)
                    continue;
            }
            if (j == p->anchor) {
                if (o->s < lo || o->s > hi)
                    continue;
                astart = o->s;
            }
            valid[nvalid] = *o;
            va[nvalid] = astart;
            nvalid++;
        }
        if (nvalid == 0)
            return;
        if (j + 1 < p->nparts) {
            /* by end, for the window search of the next part (anchor starts move along) */
            struct occ *tmp = arena_alloc(&ls->st->arena, (size_t)nvalid * (sizeof(*tmp) + 8));
            if (tmp == NULL) {
                ls->err = VG_ENOMEM;
                return;
            }
            for (uint32_t i = 0; i < nvalid; i++) {
                tmp[i].s = va[i];   /* carry the anchor start in s */
                tmp[i].e = valid[i].e;
            }
            qsort(tmp, nvalid, sizeof(*tmp), cmp_occ_end);
            for (uint32_t i = 0; i < nvalid; i++) {
                valid[i].e = tmp[i].e;
                va[i] = tmp[i].s;
            }
        }
        prev = valid;
        prev_a = va;
        nprev = nvalid;
    }
    /* prev now holds the valid last-part occurrences (by start) */
    if (g->kind == SIG_NDB) {
        for (uint32_t i = 0; i < nprev; i++)
            ndb_hit(ls, patidx, prev_a[i], prev[i].e);
    } else {
        for (uint32_t i = 0; i < nprev && ls->err == VG_OK; i++) {
            struct pend pe = {g->ref, p->sub, prev[i].s, prev_a[i], (uint64_t)pend->n};
            if (vec_add(pend, &pe) != VG_OK)
                ls->err = VG_ENOMEM;
        }
    }
}

void
bodyscan_run(struct lscan *ls)
{
    struct shard_state *st = ls->st;
    const struct shard *sh = ls->sh;
    struct vec pend = VEC_INIT(struct pend);

    /* the scratch was sized for every shard when the scanner was made */
    if (sh->hs == NULL || ls->len == 0)
        return;
    st->mps.n = 0;
    st->nmp = 0;
    if (hsb_scan(sh->hs, ls->sc->hs, ls->buf, ls->len, on_hit, ls) != VG_OK && ls->err == VG_OK)
        ls->err = VG_EINTERNAL;
    for (size_t i = 0; i < st->mps.n && ls->err == VG_OK; i++) {
        uint32_t pi = *VEC_AT(&st->mps, uint32_t, i);
        mp_eval(ls, pi, &st->mp[st->pat[pi].idx], &pend);
    }
    /* As clamscan 1.4.6, which finds the last parts of all patterns in one
       pass over the buffer: the matches of a subsignature's patterns (two
       for ::wa) are counted in the order of their last parts, so the
       counting rule (an offset past the last counted one) sees them
       interleaved. (A split `...::wa` subsignature matching ASCII at 736,
       wide at 900, ASCII at 1470 counts 3, not 2.) */
    if (pend.n > 1)
        qsort(pend.p, pend.n, sizeof(struct pend), cmp_pend);
    for (size_t i = 0; i < pend.n && ls->err == VG_OK; i++) {
        const struct pend *pe = VEC_AT(&pend, struct pend, i);
        bodyscan_count(ls, pe->ldb, pe->sub, pe->start, 1);
    }
    vec_free(&pend);
}
