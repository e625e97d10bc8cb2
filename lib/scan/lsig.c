/*
 * lsig.c - logical signatures on one layer, after the body scan:
 * PCRE sub-signatures (their triggers use the counts so far, in subsig
 * order), byte compares (which, as in clamscan 1.4.6, alert the signature
 * directly when their trigger matched and the comparison holds), then the
 * expression and the target description block.
 *
 * Only signatures with a counter this layer, and those true with all
 * counts zero, can match; the rest are never looked at.
 */
#include <stdio.h>
#include <ctype.h>
#include <errno.h>
#include <string.h>

#include <pcre2.h>

#include "match/lexpr.h"
#include "scan/state.h"

static int
tdb_ok(const struct lscan *ls, const struct img_ldb *l)
{
    const struct layer_ctx *lc = ls->lc;

    if (l->tdb & TDB_CONTAINER) {
        uint32_t parent = lc->nparents ? (uint32_t)lc->parents[lc->nparents - 1] : UINT32_MAX;
        if (l->container != parent)
            return 0;
    }
    if (l->tdb & TDB_INTERMED) {
        if ((uint32_t)lc->nparents < l->ninter)
            return 0;
        for (uint32_t i = 0; i < l->ninter; i++) {
            uint32_t want = l->inter[i];
            uint32_t have = (uint32_t)lc->parents[lc->nparents - l->ninter + i];
            if (want != UINT32_MAX && want != have)
                return 0;
        }
    }
    /* the layer's size, also in the normalised pass */
    if ((l->tdb & TDB_FILESIZE) && (ls->rawlen < l->fs_min || ls->rawlen > l->fs_max))
        return 0;
    if (l->tdb & (TDB_EP | TDB_NSECT)) {
        const struct exe_info *x = ls->exe;
        if (x == NULL || x->kind == EXE_NONE)
            return 0;
        if ((l->tdb & TDB_EP) && (x->ep < l->ep_min || x->ep > l->ep_max))
            return 0;
        if ((l->tdb & TDB_NSECT) && (x->nsections < l->ns_min || x->nsections > l->ns_max))
            return 0;
    }
    return 1;
}

static pcre2_code *
pcre_get(const struct shard *sh, uint32_t i)
{
    void *c = atomic_load(&sh->pcre_code[i]);
    const struct img_pcre *pc = &sh->pcres[i];
    int ec;
    PCRE2_SIZE eo;
    void *expected = NULL;

    if (c)
        return c;
    c = pcre2_compile((PCRE2_SPTR)shard_str(sh, pc->regex), PCRE2_ZERO_TERMINATED, pc->options, &ec,
                      &eo, NULL);
    if (c == NULL)
        return NULL;
    pcre2_jit_compile(c, PCRE2_JIT_COMPLETE);
    if (!atomic_compare_exchange_strong(&sh->pcre_code[i], &expected, c)) {
        pcre2_code_free(c);
        c = expected;
    }
    return c;
}

/* ClamAV's PCRE run (matcher-pcre.c, cli_pcre_scanbuf). */
static void
run_pcre(struct lscan *ls, uint32_t ldb, uint32_t sub, const struct img_pcre *pc, uint32_t idx)
{
    pcre2_code *code = pcre_get(ls->sh, idx);
    pcre2_match_data *md = ls->sc->md;
    uint64_t adjbuf = 0, adjshift = 0, adjlen, lo, hi;
    uint32_t options = 0;
    int any = pc->off.kind == OFF_ANY;
    PCRE2_SIZE start = 0;

    if (code == NULL)
        return;
    if (!any) {
        if (!bodyscan_offset_window(ls, &pc->off, &lo, &hi))
            return;
        adjbuf = lo;
        adjshift = hi - lo;
    }
    if (!(pc->flags & PCREF_ROLLING) && adjshift == 0 && !any)
        options |= PCRE2_ANCHORED;
    if (adjbuf >= ls->len)
        return;
    if ((pc->flags & PCREF_ENCOMPASS) && adjshift != 0)
        adjlen = adjbuf + adjshift > ls->len ? ls->len - adjbuf : adjshift;
    else
        adjlen = ls->len - adjbuf;
    for (;;) {
        int rc = pcre2_match(code, ls->buf + adjbuf, (PCRE2_SIZE)adjlen, start, options, md,
                             ls->sc->mctx);
        PCRE2_SIZE *ov;

        if (rc <= 0)
            break;
        ov = pcre2_get_ovector_pointer(md);
        if (!(pc->flags & PCREF_ENCOMPASS) && adjshift && ov[0] > adjshift)
            break;
        bodyscan_count(ls, ldb, sub, adjbuf + ov[0], 0);
        if (!(pc->flags & PCREF_GLOBAL))
            break;
        /* continue after this match; an empty match moves on by one byte
           (clamscan would loop forever here) */
        start = ov[1] > ov[0] ? ov[1] : ov[0] + 1;
        if (start >= adjlen)
            break;
    }
}

/* strtol limited to n bytes; *end set past the digits (or to s if none). */
static int64_t
ntol(const uint8_t *s, size_t n, const uint8_t **end, int base)
{
    size_t i = 0;
    int neg = 0;
    uint64_t v = 0;
    size_t digits_start;

    while (i < n && isspace(s[i]))
        i++;
    if (i < n && (s[i] == '+' || s[i] == '-')) {
        neg = s[i] == '-';
        i++;
    }
    if (base == 16 && i + 1 < n && s[i] == '0' && (s[i + 1] == 'x' || s[i + 1] == 'X'))
        i += 2;
    digits_start = i;
    while (i < n) {
        int d;
        if (s[i] >= '0' && s[i] <= '9')
            d = s[i] - '0';
        else if (base == 16 && s[i] >= 'a' && s[i] <= 'f')
            d = s[i] - 'a' + 10;
        else if (base == 16 && s[i] >= 'A' && s[i] <= 'F')
            d = s[i] - 'A' + 10;
        else
            break;
        v = v * (uint64_t)base + (uint64_t)d;
        i++;
    }
    *end = i == digits_start ? s : s + i;
    return neg ? -(int64_t)v : (int64_t)v;
}

/* ClamAV's byte compare (matcher-byte-comp.c). Returns 1 when it holds.
 * The bytes come from the layer's own bytes even in the normalised-text
 * pass (clamscan reads its file map there, at the normalised offset); text
 * without digits reads as 0, as strtol would. */
static int
bcomp_check(const struct lscan *ls, const struct img_bcomp *bc, uint64_t off)
{
    int64_t value = 0;
    uint64_t bin = 0;
    int binary = bc->base == 'i';
    uint64_t len = bc->len, at;
    uint8_t tmp[80];
    const uint8_t *p, *end;
    size_t pad = 0;
    char base = (char)bc->base;

    if (bc->rel > 0) {
        if (off + (uint64_t)bc->rel + len > ls->rawlen)
            return 0;
        at = off + (uint64_t)bc->rel;
    } else {
        if ((int64_t)off + bc->rel <= 0)
            return 0;
        at = off - (uint64_t)(-(int64_t)bc->rel);
        if (at > ls->rawlen || len > ls->rawlen - at)
            return 0;
    }
    p = ls->rawbuf + at;
    /* clamscan reads a value only for an explicit endianness ('d' implies
       big-endian); 'i', 'h' and 'a' without 'l' or 'b' never match */
    if (binary) {
        if (bc->endian != 'l' && bc->endian != 'b')
            return 0;
        for (uint64_t i = 0; i < len; i++) {
            uint64_t byte = p[bc->endian == 'l' ? len - 1 - i : i];
            bin = (bin << 8) | byte;
        }
    } else {
        size_t n = (size_t)len;
        while (pad < n && isspace(p[pad]))
            pad++;
        p += pad;
        n -= pad;
        if (bc->endian != 'l' && bc->endian != 'b')
            return 0;
        if (base == 'a')
            base = (n >= 3 && p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) ? 'h' : 'd';
        if (base == 'h' && bc->endian == 'l') {
            /* little-endian hex text: reverse the byte pairs */
            size_t m = n > sizeof(tmp) ? sizeof(tmp) : n, k = 0;
            for (size_t i = m; i >= 2; i -= 2) {
                tmp[k++] = p[i - 2];
                tmp[k++] = p[i - 1];
            }
            if (m & 1)
                tmp[k++] = p[0];
            value = ntol(tmp, k, &end, 16);
            if (bc->exact && (end != tmp + bc->len || pad != 0))
                return 0;
        } else if (base == 'h' && bc->endian == 'b') {
            value = ntol(p, n, &end, 16);
            if (bc->exact && (end != p + n || pad != 0))
                return 0;
        } else if (base == 'd' && bc->endian != 'l') {
            value = ntol(p, n, &end, 10);
            if (bc->exact && (end != p + n || pad != 0))
                return 0;
        } else {
            return 0;
        }
    }
    for (uint32_t i = 0; i < bc->ncmp; i++) {
        int ok;
        int64_t cv = (int64_t)bc->val[i];
        switch (bc->cmp[i]) {
        case '>': ok = binary ? bin > (uint64_t)cv : value > cv; break;
        case '<': ok = binary ? bin < (uint64_t)cv : value < cv; break;
        case '=': ok = binary ? bin == (uint64_t)cv : value == cv; break;
        default: ok = 0;
        }
        if (!ok)
            return 0;
    }
    return 1;
}

static void
alert_ldb(struct lscan *ls, const struct img_ldb *l, uint64_t key)
{
    const struct img_sig *g = &ls->sh->sigs[l->sig];

    if (scanner_alert(ls->sc, shard_str(ls->sh, g->name), OFF_NONE, ls->lc->path, key) != VG_OK)
        ls->err = VG_ENOMEM;
}

static void
eval_one(struct lscan *ls, uint32_t li)
{
    const struct shard *sh = ls->sh;
    const struct img_ldb *l = &sh->ldbs[li];
    const struct img_sig *g = &sh->sigs[l->sig];
    struct shard_state *st = ls->st;
    static const uint32_t zero[LDB_MAX_SUBS];
    const uint32_t *counts = zero;
    int have = st->sig[l->sig].epoch == st->epoch;
    int bcomp_hit = 0;

    if (!((ls->targets >> g->target) & 1))
        return;
    /* PCRE and byte compare need the counters (triggers reference earlier subsigs) */
    for (uint32_t k = 0; k < l->nsubs; k++) {
        const struct img_sub *sb = &sh->subs[l->first_sub + k];
        struct ldbst *c;

        if (sb->kind == SUB_PCRE) {
            const struct img_pcre *pc = &sh->pcres[sb->ref];
            if (!have)
                continue; /* a trigger over zero counts only holds for "=0" forms: see below */
            c = st->ldb[st->sig[l->sig].idx];
            if (lexpr_eval(sh->exprs, pc->trigger, c->counts))
                run_pcre(ls, li, k, pc, sb->ref);
        } else if (sb->kind == SUB_BCOMP) {
            const struct img_bcomp *bc = &sh->bcomps[sb->ref];
            /* clamscan never runs the byte compares of ASCII-text (target 7)
               signatures */
            if (!have || g->target == 7)
                continue;
            c = st->ldb[st->sig[l->sig].idx];
            if (c->counts[bc->trigger] == 0)
                continue;
            if (bcomp_check(ls, bc, c->last[bc->trigger] == OFF_NONE ? 0 : c->last[bc->trigger]))
                bcomp_hit = 1;
        }
    }
    if (bcomp_hit) {
        alert_ldb(ls, l, KEY(PH_BCOMP, li));
        return;
    }
    if (have)
        counts = st->ldb[st->sig[l->sig].idx]->counts;
    if (!lexpr_eval(sh->exprs, l->expr, counts))
        return;
    if (!tdb_ok(ls, l))
        return;
    alert_ldb(ls, l, KEY(PH_LSIG, ((uint64_t)(g->target == 0) << 32) | li));
}

void
lsig_run(struct lscan *ls)
{
    const struct shard *sh = ls->sh;
    struct shard_state *st = ls->st;

    /* touched ones first (their PCREs may add counts), then the always-true */
    for (size_t i = 0; i < st->touched.n && ls->err == VG_OK; i++)
        eval_one(ls, *VEC_AT(&st->touched, uint32_t, i));
    for (uint32_t i = 0; i < sh->nalways && ls->err == VG_OK; i++) {
        uint32_t li = sh->always[i];
        if (st->sig[sh->ldbs[li].sig].epoch != st->epoch)
            eval_one(ls, li);
    }
    (void)errno;
}
