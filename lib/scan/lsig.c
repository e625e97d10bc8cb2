/*
 * lsig.c - logical signatures on one layer, after the body scan:
 * byte compares (counted as matches of their own subsignature when their
 * trigger matched and the comparison holds), PCRE sub-signatures (their
 * triggers use the counts so far, in subsig order), then the expression
 * and the target description block.
 *
 * Only signatures with a counter this layer, and those true with all
 * counts zero, can match; the rest are never looked at.
 */
#include <stdio.h>
#include <ctype.h>
#include <errno.h>
#include <string.h>

#include <pcre2.h>

#include "db/db.h"
#include "match/lexpr.h"
#include "scan/state.h"

/* Longest text field of a byte compare read here (clamscan allows 18
   hex digits; decimal fields this long cannot hold a long anyway). */
#define BCOMP_TEXT_MAX 64

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

/*
 * ClamAV's cli_strntol over s[0..n): leading white space, one sign, a "0x"
 * prefix in base 16 (only without a sign), then digits up to the first
 * byte that is not one. *end is the index after the digits, 0 when there
 * were none (the value is then 0). Returns 0 on overflow of a long, where
 * clamscan gives up on the compare.
 */
static int
ntol(const uint8_t *s, size_t n, int base, int64_t *val, size_t *end)
{
    size_t i = 0;
    int neg = 0, any = 0;
    uint64_t acc = 0, limit;
    uint8_t c;

    *val = 0;
    *end = 0;
    if (n == 0)
        return 1;
    while (i < n && isspace(s[i]))
        i++;
    if (i >= n)
        return 1;
    c = s[i];
    if (c == '-' || c == '+') {
        neg = c == '-';
        if (++i >= n)
            return 1;
    } else if (base == 16 && c == '0' && i + 1 < n && (s[i + 1] == 'x' || s[i + 1] == 'X')) {
        if (i + 2 >= n)
            return 1;
        i += 2;
    }
    limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
    for (; i < n; i++) {
        unsigned d;
        c = s[i];
        if (c >= '0' && c <= '9')
            d = (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'z')
            d = (unsigned)(c - 'a') + 10;
        else if (c >= 'A' && c <= 'Z')
            d = (unsigned)(c - 'A') + 10;
        else
            break;
        if (d >= (unsigned)base)
            break;
        if (any < 0 || acc > (limit - d) / (uint64_t)base)
            any = -1;
        else {
            any = 1;
            acc = acc * (uint64_t)base + d;
        }
    }
    if (any < 0)
        return 0;
    *val = neg ? (int64_t)(0 - acc) : (int64_t)acc;
    *end = any ? i : 0;
    return 1;
}

/*
 * ClamAV's little-endian hex text (cli_bcomp_normalize_buffer): the text
 * is padded to an even length with a leading '0' (a "0x" prefix becomes
 * "x00"; an even-length "0x" text "xx"), then its byte pairs are reversed.
 * A pair holding a byte that is neither a hex digit nor 'x' clears
 * everything written so far to '0' (and, as the pair's first byte, the
 * pair itself). Writes *outn bytes to out (which holds n + 1).
 */
static void
le_hex(const uint8_t *p, size_t n, uint8_t *out, size_t *outn)
{
    uint8_t hx[BCOMP_TEXT_MAX + 2];
    size_t norm = (n % 2) == 0 ? n : n + 1;
    int pre = n >= 3 && p[0] == '0' && (p[1] == 'x' || p[1] == 'X');

    memset(out, '0', norm + 1);
    memset(hx, '0', norm + 1);
    *outn = norm;
    if (n == 1) {
        out[0] = p[0];
        *outn = 1;
        return;
    }
    if (norm == n + 1) {
        if (pre) {
            memcpy(hx + 3, p + 2, n - 2);
            hx[0] = 'x';
        } else {
            memcpy(hx + 1, p, n);
        }
    } else {
        memcpy(hx, p, n);
        if (pre)
            hx[0] = 'x';
    }
    for (size_t i = 0; i < norm; i += 2) {
        uint8_t a = hx[norm - i - 2], b = hx[norm - i - 1];
        if (!isxdigit(a) && toupper(a) != 'X') {
            memset(out, '0', norm + 1);
            continue;
        }
        out[i] = a;
        if (!isxdigit(b) && toupper(b) != 'X')
            memset(out, '0', norm + 1);
        else
            out[i + 1] = b;
    }
}

/*
 * ClamAV's byte compare (matcher-byte-comp.c, cli_bcomp_compare_check) on
 * the buffer being scanned (as clamscan 1.4.6: the normalised text in the
 * normalised pass), at `off`, the start of the trigger's last counted
 * match. Returns 1 when every comparison holds. The rules, each checked
 * against clamscan 1.4.6 (docs/internals/clamav-semantics.md):
 * - the bytes start at off + shift, which must be > 0, and must lie in the
 *   buffer;
 * - binary ('i') needs 'l' or 'b'; 1, 2 and 4 bytes read unsigned, 8
 *   bytes as a signed 64-bit value; comparisons are signed against the
 *   value as strtoll (base 0) read it;
 * - text: leading white space is skipped (and fails 'e'); 'a' decides hex
 *   (a "0x" prefix) or decimal only on 3 or more bytes, and without 'l'/'b'
 *   or as little-endian decimal nothing is read; hex and decimal read as
 *   cli_strntol, little-endian hex after le_hex(); 'e' wants the digits to
 *   end exactly at the field's end (so an odd little-endian field never
 *   matches exactly).
 */
static int
bcomp_check(const struct img_bcomp *bc, const uint8_t *buf, size_t blen, uint64_t off)
{
    int64_t value = 0, pos;
    uint64_t len = bc->len;
    const uint8_t *p;
    char base = (char)bc->base;

    if (off > (uint64_t)INT64_MAX / 2)
        return 0;
    pos = (int64_t)off + bc->rel;
    if (pos <= 0 || len > blen || (uint64_t)pos > blen - len)
        return 0;
    p = buf + pos;
    if (bc->endian != 'l' && bc->endian != 'b')
        return 0;
    if (base == 'i') {
        uint64_t u = 0;
        for (uint64_t i = 0; i < len; i++)
            u = (u << 8) | p[bc->endian == 'l' ? len - 1 - i : i];
        value = (int64_t)u; /* 8 bytes: two's complement, as clamscan */
    } else {
        size_t n = (size_t)len, pad = 0, end;
        uint8_t tmp[BCOMP_TEXT_MAX + 2];
        size_t tn;

        if (n > BCOMP_TEXT_MAX)
            return 0;
        while (pad < n && isspace(p[pad]))
            pad++;
        p += pad;
        n -= pad;
        if (base == 'a') {
            if (n < 3)
                return 0;
            base = (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) ? 'h' : 'd';
        }
        if (base == 'd' && bc->endian == 'l')
            return 0;
        if (base == 'h' && bc->endian == 'l') {
            le_hex(p, n, tmp, &tn);
            if (!ntol(tmp, tn, 16, &value, &end))
                return 0;
        } else if (!ntol(p, n, base == 'h' ? 16 : 10, &value, &end)) {
            return 0;
        }
        if (bc->exact && (end != n || pad != 0))
            return 0;
    }
    for (uint32_t i = 0; i < bc->ncmp && i < 2; i++) {
        int64_t cv = (int64_t)bc->val[i];
        int ok;
        switch (bc->cmp[i]) {
        case '>': ok = value > cv; break;
        case '<': ok = value < cv; break;
        case '=': ok = value == cv; break;
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

    if (!((ls->targets >> g->target) & 1))
        return;
    /* As clamscan 1.4.6 (matcher_run): byte compares first, then PCREs in
       subsignature order, each on the counts so far. A byte compare whose
       trigger matched and whose comparison holds counts as a match of its
       own subsignature (`0>5&1` does not detect); clamscan runs the byte
       compares of a target only when the database has a split pattern for
       that target (without one the root gets no offset matrix). */
    if (have && g->target < 32 && ((ls->sc->db->split_targets >> g->target) & 1)) {
        struct ldbst *c = st->ldb[st->sig[l->sig].idx];
        for (uint32_t k = 0; k < l->nsubs; k++) {
            const struct img_sub *sb = &sh->subs[l->first_sub + k];
            const struct img_bcomp *bc;

            if (sb->kind != SUB_BCOMP)
                continue;
            bc = &sh->bcomps[sb->ref];
            if (bc->trigger >= LDB_MAX_SUBS || c->counts[bc->trigger] == 0)
                continue;
            if (bcomp_check(bc, ls->buf, ls->len,
                            c->last[bc->trigger] == OFF_NONE ? 0 : c->last[bc->trigger]) &&
                c->counts[k] < UINT32_MAX)
                c->counts[k]++;
        }
    }
    for (uint32_t k = 0; k < l->nsubs && have; k++) {
        const struct img_sub *sb = &sh->subs[l->first_sub + k];

        if (sb->kind == SUB_PCRE) {
            const struct img_pcre *pc = &sh->pcres[sb->ref];
            struct ldbst *c = st->ldb[st->sig[l->sig].idx];
            /* a trigger over zero counts only holds for "=0" forms: see below */
            if (lexpr_eval(sh->exprs, pc->trigger, c->counts))
                run_pcre(ls, li, k, pc, sb->ref);
        }
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
