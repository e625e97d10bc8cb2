/*
 * compile.c - turn a filled builder into a database image (see image.h).
 *
 * The expensive steps happen here, once: choosing one atom per pattern,
 * de-duplicating atoms, compiling them into a Hyperscan literal database,
 * sorting the hash tables, and laying out the sections. Workload: 10^5 body
 * patterns and 10^6 hashes must compile in seconds.
 */
#include "db/compile.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>

#include "core/ckd.h"
#include "core/err.h"
#include "match/atoms.h"
#include "match/hs_backend.h"

struct atomkey {
    uint32_t bytes; /* offset into atombytes */
    uint16_t len;
    uint16_t nocase;
    uint64_t hash;
};

struct atomtab {
    struct buf bytes;
    struct vec atoms;    /* struct img_atom */
    uint32_t *slots;     /* open addressing: atom index + 1, 0 = empty */
    size_t nslots;
};

static uint64_t
fnv(const uint8_t *p, size_t n, int nocase)
{
    uint64_t h = 1469598103934665603ull ^ (uint64_t)nocase;

    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= 1099511628211ull;
    }
    return h;
}

static vg_status
atom_intern(struct atomtab *t, const uint8_t *p, uint16_t len, int nocase, uint32_t *idx)
{
    uint64_t h = fnv(p, len, nocase);
    size_t mask = t->nslots - 1, i = (size_t)h & mask;
    struct img_atom *a;
    vg_status st;

    for (;;) {
        uint32_t s = t->slots[i];
        if (s == 0)
            break;
        a = VEC_AT(&t->atoms, struct img_atom, s - 1);
        if (a->len == len && a->nocase == nocase && memcmp(t->bytes.p + a->bytes, p, len) == 0) {
            *idx = s - 1;
            return VG_OK;
        }
        i = (i + 1) & mask;
    }
    if (t->bytes.len > UINT32_MAX - len || t->atoms.n >= UINT32_MAX - 1)
        return VG_ELIMIT;
    if ((st = vec_push(&t->atoms, (void **)&a)) != VG_OK)
        return st;
    a->bytes = (uint32_t)t->bytes.len;
    a->len = len;
    a->nocase = (uint16_t)nocase;
    if ((st = buf_append(&t->bytes, p, len)) != VG_OK)
        return st;
    t->slots[i] = (uint32_t)t->atoms.n;
    *idx = (uint32_t)t->atoms.n - 1;
    return VG_OK;
}

/* One atom per pattern from its best part; refs grouped by atom. */
static vg_status
choose_atoms(struct dbbuild *b, struct atomtab *t, struct vec *refs, vg_err *err)
{
    size_t npats = b->pats.n, slots = 16;
    uint32_t *patatom = NULL, *patpart = NULL, *count = NULL;
    vg_status st = VG_ENOMEM;

    while (slots < npats * 2 + 16)
        slots *= 2;
    if ((t->slots = calloc(slots, sizeof(*t->slots))) == NULL)
        return VG_ENOMEM;
    t->nslots = slots;
    if ((patatom = malloc((npats + 1) * sizeof(*patatom))) == NULL ||
        (patpart = malloc((npats + 1) * sizeof(*patpart))) == NULL)
        goto out;
    for (size_t i = 0; i < npats; i++) {
        struct img_pat *p = VEC_AT(&b->pats, struct img_pat, i);
        double best = -1;
        uint32_t bestpart = UINT32_MAX;

        for (uint32_t k = 0; k < p->nparts; k++) {
            const struct img_part *tmp = VEC_AT(&b->parts, struct img_part, p->first_part + k);
            double s = *VEC_AT(&b->part_score, double, p->first_part + k);
            if (tmp->litlen >= 2 && s > best + 1e-9) {
                best = s;
                bestpart = k;
            }
        }
        if (bestpart == UINT32_MAX) {
            st = err_set(err, VG_EINTERNAL, "pattern %zu has no literal", i);
            goto out;
        }
        {
            struct img_part *pt = VEC_AT(&b->parts, struct img_part, p->first_part + bestpart);
            if ((st = atom_intern(t, b->tab.code.p + pt->lit, pt->litlen, pt->litnocase,
                                  &patatom[i])) != VG_OK)
                goto out;
            patpart[i] = bestpart;
        }
    }
    /* group refs by atom: counting sort */
    if ((count = calloc(t->atoms.n + 1, sizeof(*count))) == NULL) {
        st = VG_ENOMEM;
        goto out;
    }
    for (size_t i = 0; i < npats; i++)
        count[patatom[i] + 1]++;
    for (size_t a = 0; a < t->atoms.n; a++) {
        struct img_atom *at = VEC_AT(&t->atoms, struct img_atom, a);
        at->nrefs = count[a + 1];
        count[a + 1] += count[a];
        at->first_ref = count[a];
    }
    refs->n = 0;
    for (size_t i = 0; i < npats; i++) {
        struct img_ref r = {0, 0};
        void *dummy;
        if ((st = vec_push(refs, &dummy)) != VG_OK)
            goto out;
        (void)r;
    }
    for (size_t i = 0; i < npats; i++) {
        struct img_ref *r = VEC_AT(refs, struct img_ref, count[patatom[i]]++);
        r->pat = (uint32_t)i;
        r->part = patpart[i];
    }
    st = VG_OK;
out:
    free(patatom);
    free(patpart);
    free(count);
    return st;
}

static int
cmp_h16(const void *a, const void *b)
{
    const struct img_h16 *x = a, *y = b;
    if (x->size != y->size)
        return x->size < y->size ? -1 : 1;
    return memcmp(x->d, y->d, 16);
}

static int
cmp_h20(const void *a, const void *b)
{
    const struct img_h20 *x = a, *y = b;
    if (x->size != y->size)
        return x->size < y->size ? -1 : 1;
    return memcmp(x->d, y->d, 20);
}

static int
cmp_h32(const void *a, const void *b)
{
    const struct img_h32 *x = a, *y = b;
    if (x->size != y->size)
        return x->size < y->size ? -1 : 1;
    return memcmp(x->d, y->d, 32);
}

static int
cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/*
 * Sort a hash table by (size, digest) and keep one entry per key: the one
 * loaded last, as clamscan does when two signatures share a hash and size.
 */
static int (*sort_cmp)(const void *, const void *);
static const uint8_t *sort_base;
static size_t sort_esz;

static int
cmp_idx(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    int c = sort_cmp(sort_base + (size_t)x * sort_esz, sort_base + (size_t)y * sort_esz);
    return c ? c : (x < y ? -1 : x > y);
}

static vg_status
sort_dedupe(struct vec *v, int (*cmp)(const void *, const void *))
{
    uint32_t *idx;
    uint8_t *out;
    size_t n = v->n, m = 0;

    if (n < 2)
        return VG_OK;
    if (n > UINT32_MAX)
        return VG_ELIMIT;
    if ((idx = malloc(n * sizeof(*idx))) == NULL)
        return VG_ENOMEM;
    if ((out = malloc(n * v->esz)) == NULL) {
        free(idx);
        return VG_ENOMEM;
    }
    for (size_t i = 0; i < n; i++)
        idx[i] = (uint32_t)i;
    /* compile runs in one thread; the statics only carry qsort's context */
    sort_cmp = cmp;
    sort_base = v->p;
    sort_esz = v->esz;
    qsort(idx, n, sizeof(*idx), cmp_idx);
    for (size_t i = 0; i < n; i++) {
        const uint8_t *e = (const uint8_t *)v->p + (size_t)idx[i] * v->esz;
        if (i + 1 < n && cmp(e, (const uint8_t *)v->p + (size_t)idx[i + 1] * v->esz) == 0)
            continue; /* a later duplicate follows: it wins */
        memcpy(out + m * v->esz, e, v->esz);
        m++;
    }
    free(v->p);
    v->p = out;
    v->n = m;
    v->cap = n;
    free(idx);
    return VG_OK;
}

struct layout {
    struct buf *out;
    struct img_header *hdr; /* re-fetched after each append (buffer may move) */
    uint32_t n;
};

static vg_status
add_section(struct buf *out, uint32_t kind, const void *data, size_t len, size_t count)
{
    struct img_header *h;
    vg_status st;
    size_t off;

    if ((st = buf_align(out, 8)) != VG_OK)
        return st;
    off = out->len;
    if ((st = buf_append(out, data, len)) != VG_OK)
        return st;
    h = (struct img_header *)out->p;
    if (h->nsections >= IMG_MAX_SECTIONS || count > UINT32_MAX)
        return VG_ELIMIT;
    h->sec[h->nsections].kind = kind;
    h->sec[h->nsections].count = (uint32_t)count;
    h->sec[h->nsections].off = off;
    h->sec[h->nsections].len = len;
    h->nsections++;
    return VG_OK;
}

static vg_status
add_vec(struct buf *out, uint32_t kind, const struct vec *v)
{
    size_t len;

    if (ckd_mul(&len, v->n, v->esz))
        return VG_ELIMIT;
    return add_section(out, kind, v->p, len, v->n);
}

/* The pattern half of a compile: atoms, references, Hyperscan. It only
 * reads the builder's patterns, parts and programs, so it can run in a
 * thread while the loader goes on reading hash signatures. */
struct patjob {
    struct dbbuild *b;
    struct atomtab t;
    struct vec refs;
    struct buf hs;
    uint64_t tune, cpu;
    vg_status st;
    vg_err err;
    pthread_t thread;
    int threaded;
};

static void *
patjob_run(void *arg)
{
    struct patjob *j = arg;

    j->st = choose_atoms(j->b, &j->t, &j->refs, &j->err);
    if (j->st == VG_OK)
        j->st = hsb_compile(j->t.atoms.p, (uint32_t)j->t.atoms.n, j->t.bytes.p, &j->hs, &j->tune,
                            &j->cpu, &j->err);
    return NULL;
}

static struct patjob *
patjob_new(struct dbbuild *b)
{
    struct patjob *j = calloc(1, sizeof(*j));

    if (j == NULL)
        return NULL;
    j->b = b;
    j->t.atoms.esz = sizeof(struct img_atom);
    j->refs.esz = sizeof(struct img_ref);
    return j;
}

void
compile_job_free(struct dbbuild *b)
{
    struct patjob *j = b->patjob;

    if (j == NULL)
        return;
    if (j->threaded)
        pthread_join(j->thread, NULL);
    buf_free(&j->t.bytes);
    vec_free(&j->t.atoms);
    free(j->t.slots);
    vec_free(&j->refs);
    buf_free(&j->hs);
    free(j);
    b->patjob = NULL;
}

vg_status
compile_patterns_start(struct dbbuild *b)
{
    struct patjob *j;

    if (b->patjob != NULL)
        return VG_OK;
    if ((j = patjob_new(b)) == NULL)
        return VG_ENOMEM;
    b->patjob = j;
    if (pthread_create(&j->thread, NULL, patjob_run, j) == 0)
        j->threaded = 1;
    else
        patjob_run(j); /* no thread: do it now */
    return VG_OK;
}

vg_status
compile_image(struct dbbuild *b, struct buf *out, vg_err *err)
{
    struct patjob *j;
    struct vec ignh = VEC_INIT(uint64_t);
    struct img_header hdr;
    vg_status st;
    static const int hash_sec[3][3] = {
        {SEC_HASH_MD5, SEC_HASH_SHA1, SEC_HASH_SHA256},
        {SEC_SECT_MD5, SEC_SECT_SHA1, SEC_SECT_SHA256},
        {SEC_FP_MD5, SEC_FP_SHA1, SEC_FP_SHA256},
    };
    int (*cmps[3])(const void *, const void *) = {cmp_h16, cmp_h20, cmp_h32};

    out->len = 0;
    if (b->patjob == NULL) {
        if ((b->patjob = patjob_new(b)) == NULL)
            return VG_ENOMEM;
        patjob_run(b->patjob);
    }
    j = b->patjob;
    /* the hash tables are sorted while the patterns compile */
    for (int k = 0; k < 3; k++)
        for (int a = 0; a < 3; a++)
            if ((st = sort_dedupe(&b->hashes[k][a], cmps[a])) != VG_OK)
                goto out;
    if (j->threaded) {
        pthread_join(j->thread, NULL);
        j->threaded = 0;
    }
    if ((st = j->st) != VG_OK) {
        if (err)
            *err = j->err;
        goto out;
    }
    for (size_t i = 0; i < b->ign.n; i++) {
        uint64_t h = build_name_hash(VEC_AT(&b->ign, struct ign_entry, i)->name);
        if ((st = vec_add(&ignh, &h)) != VG_OK)
            goto out;
    }
    if (ignh.n > 1)
        qsort(ignh.p, ignh.n, sizeof(uint64_t), cmp_u64);

    memset(&hdr, 0, sizeof(hdr));
    memcpy(hdr.magic, IMG_MAGIC, 8);
    hdr.version = IMG_VERSION;
    snprintf(hdr.shard, sizeof(hdr.shard), "%s", b->shard);
    hdr.hs_tune = j->tune;
    hdr.hs_cpu_features = j->cpu;
    hdr.build_time = (int64_t)time(NULL);
    hdr.counts = b->counts;
    if ((st = buf_append(out, &hdr, sizeof(hdr))) != VG_OK)
        goto out;
    if ((st = add_section(out, SEC_STRTAB, b->strtab.p, b->strtab.len, b->strtab.len)) != VG_OK ||
        (st = add_vec(out, SEC_SIGS, &b->sigs)) != VG_OK ||
        (st = add_vec(out, SEC_PATS, &b->pats)) != VG_OK ||
        (st = add_vec(out, SEC_PARTS, &b->parts)) != VG_OK ||
        (st = add_section(out, SEC_CODE, b->tab.code.p, b->tab.code.len, b->tab.code.len)) != VG_OK ||
        (st = add_section(out, SEC_CLASSES, b->tab.classes.p, b->tab.classes.len, b->tab.nclasses)) != VG_OK ||
        (st = add_vec(out, SEC_ATOMS, &j->t.atoms)) != VG_OK ||
        (st = add_section(out, SEC_ATOMBYTES, j->t.bytes.p, j->t.bytes.len, j->t.bytes.len)) != VG_OK ||
        (st = add_vec(out, SEC_REFS, &j->refs)) != VG_OK ||
        (st = add_vec(out, SEC_LDBS, &b->ldbs)) != VG_OK ||
        (st = add_vec(out, SEC_SUBS, &b->subs)) != VG_OK ||
        (st = add_vec(out, SEC_EXPR, &b->exprs)) != VG_OK ||
        (st = add_vec(out, SEC_PCRE, &b->pcres)) != VG_OK ||
        (st = add_vec(out, SEC_BCOMP, &b->bcomps)) != VG_OK ||
        (st = add_vec(out, SEC_ALWAYS, &b->always)) != VG_OK ||
        (st = add_vec(out, SEC_CDB, &b->cdbs)) != VG_OK ||
        (st = add_vec(out, SEC_IGN, &ignh)) != VG_OK)
        goto fail;
    for (int k = 0; k < 3; k++)
        for (int a = 0; a < 3; a++)
            if ((st = add_vec(out, (uint32_t)hash_sec[k][a], &b->hashes[k][a])) != VG_OK)
                goto fail;
    if ((st = add_section(out, SEC_HSDB, j->hs.p, j->hs.len, j->hs.len)) != VG_OK)
        goto fail;
    if ((st = buf_align(out, 8)) != VG_OK)
        goto fail;
    {
        struct img_header *h = (struct img_header *)out->p;
        unsigned int dl = 0;
        h->total_size = out->len;
        if (EVP_Digest(out->p + sizeof(*h), out->len - sizeof(*h), h->sha256, &dl, EVP_sha256(),
                       NULL) != 1) {
            st = err_set(err, VG_EINTERNAL, "SHA-256 failed");
            goto out;
        }
    }
    st = VG_OK;
    goto out;
fail:
    err_set(err, st, "database image: %s", vg_status_str(st));
out:
    compile_job_free(b);
    vec_free(&ignh);
    return st;
}
