/*
 * bodysig.c - compile ClamAV body ("hex") signatures into pattern programs.
 *
 * Syntax (ClamAV 1.4): hex bytes, nibble wildcards a? ?a, ??, {n} (n < 128,
 * stays inside a part), splits at * {n-m} {-n} {n-} and {n} with n >= 128,
 * single-byte anchors HEX[x-y]aa / aa[x-y]HEX, alternations (aa|bb),
 * !(aa|bb), fixed multi-byte and generic (variable, nested) alternatives,
 * and the character classes (B) (L) (W). See pattern.h for the program
 * format. The rules that make ClamAV reject a signature are reproduced here
 * (each part needs two consecutive fixed bytes; [x-y] needs y <= 32 and a
 * single byte on one side; negation only of fixed-length alternatives;
 * nesting at most 15), because a loader must refuse what ClamAV refuses.
 *
 * Signatures are compiled once (database build), never on the scan path,
 * so clarity wins over speed here.
 */
#include "core/hex.h"
#include "match/pattern.h"

#include <stdio.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "core/ckd.h"
#include "core/err.h"

#define ALT_MAX_NEST 15
#define INNER_RANGE_MAX 127
#define ANCHOR_RANGE_MAX 32

/* The (B) boundary table: bytes that may precede (L) or follow (R) a word. */
static int
boundary_left(unsigned c)
{
    return c == '.' || c == '<' || c == '@' || c == ' ' || c == '-' || c == '/' || c == '_';
}

static int
boundary_right(unsigned c)
{
    return c == '\n' || c == '\r' || c == '"' || c == '\'' || c == '=' || c == '>' || c == ' ' ||
           c == '-' || c == '/' || c == '_';
}

struct pp {
    const char *s;   /* the part's text */
    size_t n;
    size_t i;
    uint32_t mods;
    struct pattab *tab;
    vg_err *err;
    int depth;
    int first, last; /* part is the pattern's first / last: edges allowed */
};

/* What a parsed sequence looks like, for validation and alternation typing. */
struct seqinfo {
    uint32_t minlen, maxlen;
    uint32_t run, maxrun;   /* consecutive literal bytes: current, best */
    int only_lit;           /* nothing but literal bytes */
    int nonalt;             /* a token other than an alternation was emitted */
    int consumed;           /* some byte-consuming op was emitted */
    size_t last_op;         /* offset of the last op in the sequence buffer (coalescing) */
    int has_last;
};

static void
put_u16(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static uint32_t
get_u16(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8);
}

vg_status
bodysig_intern_class(struct pattab *tab, const uint8_t bits[32], uint32_t *idx)
{
    for (uint32_t i = 0; i < tab->nclasses; i++) {
        if (memcmp(tab->classes.p + (size_t)i * 32, bits, 32) == 0) {
            *idx = i;
            return VG_OK;
        }
    }
    if (tab->nclasses >= 0xffffu)
        return VG_ELIMIT;
    if (buf_append(&tab->classes, bits, 32) != VG_OK)
        return VG_ENOMEM;
    *idx = tab->nclasses++;
    return VG_OK;
}

void
pattab_free(struct pattab *tab)
{
    buf_free(&tab->code);
    buf_free(&tab->classes);
    tab->nclasses = 0;
}

static void
len_add(struct seqinfo *si, uint32_t lo, uint32_t hi)
{
    si->minlen = si->minlen + lo < si->minlen ? UINT32_MAX : si->minlen + lo;
    si->maxlen = si->maxlen + hi < si->maxlen ? UINT32_MAX : si->maxlen + hi;
    si->consumed = 1;
}

static void
run_break(struct seqinfo *si)
{
    si->run = 0;
}

static void
run_lit(struct seqinfo *si, uint32_t n)
{
    si->run += n;
    if (si->run > si->maxrun)
        si->maxrun = si->run;
}

/* Append literal bytes, merging with a preceding literal op of the same kind. */
static vg_status
emit_lit(struct buf *b, struct seqinfo *si, const uint8_t *bytes, uint32_t n, int nocase)
{
    si->nonalt = 1;
    uint8_t op = nocase ? OP_LITI : OP_LIT;
    uint8_t hdr[3];
    uint8_t low[256];

    while (n > 0) {
        uint32_t k = n > 200 ? 200 : n;

        for (uint32_t j = 0; j < k; j++)
            low[j] = nocase ? (uint8_t)tolower(bytes[j]) : bytes[j];
        if (si->has_last && b->p[si->last_op] == op && get_u16(b->p + si->last_op + 1) + k < 0xff00u) {
            uint32_t old = get_u16(b->p + si->last_op + 1);
            if (buf_append(b, low, k) != VG_OK)
                return VG_ENOMEM;
            put_u16(b->p + si->last_op + 1, old + k);
        } else {
            hdr[0] = op;
            put_u16(hdr + 1, k);
            si->last_op = b->len;
            si->has_last = 1;
            if (buf_append(b, hdr, 3) != VG_OK || buf_append(b, low, k) != VG_OK)
                return VG_ENOMEM;
        }
        len_add(si, k, k);
        run_lit(si, k);
        bytes += k;
        n -= k;
    }
    return VG_OK;
}

static vg_status
emit_any(struct buf *b, struct seqinfo *si, uint32_t n)
{
    uint8_t hdr[3];

    if (n == 0)
        return VG_OK;
    si->only_lit = 0;
    si->nonalt = 1;
    run_break(si);
    if (si->has_last && b->p[si->last_op] == OP_ANY && get_u16(b->p + si->last_op + 1) + n < 0xff00u) {
        put_u16(b->p + si->last_op + 1, get_u16(b->p + si->last_op + 1) + n);
    } else {
        hdr[0] = OP_ANY;
        put_u16(hdr + 1, n);
        si->last_op = b->len;
        si->has_last = 1;
        if (buf_append(b, hdr, 3) != VG_OK)
            return VG_ENOMEM;
    }
    len_add(si, n, n);
    return VG_OK;
}

static vg_status
emit_simple(struct buf *b, struct seqinfo *si, const uint8_t *op, size_t n, uint32_t lo, uint32_t hi)
{
    si->only_lit = 0;
    run_break(si);
    si->last_op = b->len;
    si->has_last = 1;
    if (buf_append(b, op, n) != VG_OK)
        return VG_ENOMEM;
    if (hi > 0 || lo > 0)
        len_add(si, lo, hi);
    return VG_OK;
}

static vg_status
emit_class(struct pp *p, struct buf *b, struct seqinfo *si, const uint8_t bits[32])
{
    uint8_t op[3];
    uint32_t idx;
    vg_status st;

    if ((st = bodysig_intern_class(p->tab, bits, &idx)) != VG_OK)
        return err_set(p->err, st, "too many byte classes");
    op[0] = OP_CLASS;
    put_u16(op + 1, idx);
    return emit_simple(b, si, op, 3, 1, 1);
}

static vg_status
emit_assert(struct pp *p, struct buf *b, struct seqinfo *si, int right, const uint8_t bits[32],
            int edge)
{
    uint8_t op[4];
    uint32_t idx;
    vg_status st;

    if ((st = bodysig_intern_class(p->tab, bits, &idx)) != VG_OK)
        return err_set(p->err, st, "too many byte classes");
    op[0] = right ? OP_ASSERT_R : OP_ASSERT_L;
    put_u16(op + 1, idx);
    op[3] = (uint8_t)edge;
    si->last_op = b->len;
    si->has_last = 1;
    /* zero width: does not break or extend the literal run bookkeeping of
       consumed bytes, but a literal on either side is not "consecutive". */
    run_break(si);
    return buf_append(b, op, 4) == VG_OK ? VG_OK : VG_ENOMEM;
}

static void
bits_set(uint8_t bits[32], unsigned c)
{
    bits[c >> 3] |= (uint8_t)(1u << (c & 7));
}

static vg_status parse_seq(struct pp *p, struct buf *b, struct seqinfo *si, int in_alt);

/* A byte that, under nocase, stands for both cases. */
static void
bits_set_case(uint8_t bits[32], unsigned c, int nocase)
{
    bits_set(bits, c);
    if (nocase && isalpha((int)c)) {
        bits_set(bits, (unsigned)tolower((int)c));
        bits_set(bits, (unsigned)toupper((int)c));
    }
}

/*
 * Parse "(...)" starting at p->i (which points at '('). neg: a '!' preceded it.
 * Handles the (B) (L) (W) classes too; `at_start` / `at_end` say whether the
 * class sits at an edge of the whole pattern (then it is a zero-width check).
 */
static vg_status
parse_group(struct pp *p, struct buf *b, struct seqinfo *si, int neg, int at_start)
{
    size_t open = p->i;
    size_t close;
    int depth = 0;
    uint32_t nalts = 0;
    struct buf alts = {0};
    struct seqinfo ai;
    uint32_t fixlen = 0, allfix = 1, allbyte = 1, alllit = 1;
    uint32_t amin = UINT32_MAX, amax = 0, maxrun_alt = 0;
    uint8_t single[32] = {0};
    vg_status st = VG_OK;
    struct pp sub;

    /* find the matching ')' */
    for (close = open; close < p->n; close++) {
        if (p->s[close] == '(')
            depth++;
        else if (p->s[close] == ')' && --depth == 0)
            break;
    }
    if (close >= p->n)
        return err_set(p->err, VG_EFORMAT, "unbalanced '(' in body signature");

    /* character classes */
    if (close == open + 2 && !neg) {
        char c = p->s[open + 1];
        uint8_t bits[32] = {0};
        int at_end = close + 1 == p->n;

        if (c == 'B' || c == 'L' || c == 'W') {
            p->i = close + 1;
            if (c == 'W') {
                for (unsigned k = 0; k < 256; k++)
                    if (!isalnum((int)k))
                        bits_set(bits, k);
            }
            if (at_start && p->first && !si->consumed) {
                if (c == 'B')
                    for (unsigned k = 0; k < 256; k++)
                        if (boundary_left(k))
                            bits_set(bits, k);
                if (c == 'L')
                    bits_set(bits, '\n');
                /* as clamscan 1.4.6 (AC_WORD_MARKER_LEFT with ::w): the word
                   check looks at the wide character before the match */
                if (c == 'W' && (p->mods & MOD_WIDE))
                    return emit_assert(p, b, si, 0, bits, ASSERT_EDGE | ASSERT_WIDE);
                return emit_assert(p, b, si, 0, bits, ASSERT_EDGE);
            }
            if (at_end && p->last && p->depth == 0) {
                if (c == 'B')
                    for (unsigned k = 0; k < 256; k++)
                        if (boundary_right(k))
                            bits_set(bits, k);
                /* as clamscan 1.4.6 (AC_LINE_MARKER_RIGHT): a line ends at
                   "\n", at "\r\n" or at the end; a lone "\r" does not. */
                if (c == 'L') {
                    bits_set(bits, '\n');
                    bits_set(bits, '\r');
                    return emit_assert(p, b, si, 1, bits, ASSERT_EDGE | ASSERT_CRLF);
                }
                if (c == 'W' && (p->mods & MOD_WIDE))
                    return emit_assert(p, b, si, 1, bits, ASSERT_EDGE | ASSERT_WIDE);
                return emit_assert(p, b, si, 1, bits, ASSERT_EDGE);
            }
            if (c == 'B')
                for (unsigned k = 0; k < 256; k++)
                    if (boundary_left(k) || boundary_right(k))
                        bits_set(bits, k);
            /* as clamscan 1.4.6: (L) inside a pattern matches one "\n" only
               ("ab\r\ncd" and "ab\rcd" do not match 6162(L)6364). */
            if (c == 'L')
                bits_set(bits, '\n');
            si->nonalt = 1;
            return emit_class(p, b, si, bits);
        }
    }

    if (p->depth >= ALT_MAX_NEST)
        return err_set(p->err, VG_EFORMAT, "alternatives nested too deeply (max %d)", ALT_MAX_NEST);

    /* each alternative: text between '|' at depth 1 */
    size_t start = open + 1;
    depth = 0;
    for (size_t k = open + 1; k <= close; k++) {
        char c = p->s[k];
        if (c == '(') {
            depth++;
            continue;
        }
        if (c == ')' && depth > 0) {
            depth--;
            continue;
        }
        if (k != close && !(c == '|' && depth == 0))
            continue;
        /* alternative [start, k) */
        if (k == start) {
            st = err_set(p->err, VG_EFORMAT, "empty alternative in body signature");
            goto out;
        }
        {
            struct buf ab = {0};
            uint8_t hdr[2];

            memset(&ai, 0, sizeof(ai));
            ai.only_lit = 1;
            sub = *p;
            sub.s = p->s + start;
            sub.n = k - start;
            sub.i = 0;
            sub.depth = p->depth + 1;
            if ((st = parse_seq(&sub, &ab, &ai, 1)) != VG_OK) {
                buf_free(&ab);
                goto out;
            }
            if (buf_append(&ab, (uint8_t[]){OP_END}, 1) != VG_OK || ab.len > 0xffffu) {
                buf_free(&ab);
                st = err_set(p->err, VG_EFORMAT, "alternative too long");
                goto out;
            }
            put_u16(hdr, (uint32_t)ab.len);
            if (buf_append(&alts, hdr, 2) != VG_OK || buf_append(&alts, ab.p, ab.len) != VG_OK) {
                buf_free(&ab);
                st = VG_ENOMEM;
                goto out;
            }
            /* a single literal byte? */
            if (ai.only_lit && ai.minlen == 1 && ab.p[0] == OP_LIT)
                bits_set_case(single, ab.p[3], (p->mods & MOD_NOCASE) != 0);
            else if (ai.only_lit && ai.minlen == 1 && ab.p[0] == OP_LITI)
                bits_set_case(single, ab.p[3], 1);
            else
                allbyte = 0;
            buf_free(&ab);
        }
        if (!ai.only_lit)
            alllit = 0;
        if (ai.minlen != ai.maxlen)
            allfix = 0;
        if (nalts == 0)
            fixlen = ai.minlen;
        else if (ai.minlen != fixlen || ai.maxlen != fixlen)
            allfix = 0;
        if (ai.minlen < amin)
            amin = ai.minlen;
        if (ai.maxlen > amax)
            amax = ai.maxlen;
        if (nalts == 0 || ai.maxrun < maxrun_alt)
            maxrun_alt = ai.maxrun; /* the guaranteed literal run is the weakest alternative's */
        nalts++;
        start = k + 1;
    }
    p->i = close + 1;

    if (nalts < 1) {
        st = err_set(p->err, VG_EFORMAT, "empty alternation");
        goto out;
    }
    if (neg && p->mods != 0) {
        st = err_set(p->err, VG_EFORMAT, "can't negate alternatives in a subsignature with modifiers");
        goto out;
    }
    if (!(allbyte && fixlen == 1) && p->depth == 0 && si->maxrun < 2 && si->nonalt) {
        /* clamscan's matcher cannot place a multi-byte alternation that
           follows other tokens before the pattern's first two fixed bytes */
        st = err_set(p->err, VG_EFORMAT,
                     "multi-byte alternation needs two fixed bytes before it in its part");
        goto out;
    }
    if (allbyte && fixlen == 1) {
        /* (aa|bb|cc) and !(aa|bb|cc): one byte from a set */
        if (neg)
            for (unsigned k = 0; k < 32; k++)
                single[k] = (uint8_t)~single[k];
        st = emit_class(p, b, si, single);
        goto out;
    }
    if (neg && !(allfix && alllit)) {
        st = err_set(p->err, VG_EFORMAT, "only fixed-length alternatives can be negated");
        goto out;
    }
    {
        uint8_t hdr[10];
        uint32_t fl = allfix ? fixlen : ALT_FIXLEN_VAR;

        if (alts.len > 0xffffffu || nalts > 0xffffu || (allfix && fixlen >= ALT_FIXLEN_VAR)) {
            st = err_set(p->err, VG_EFORMAT, "alternation too large");
            goto out;
        }
        hdr[0] = OP_ALT;
        hdr[1] = (uint8_t)(neg ? 1 : 0);
        put_u16(hdr + 2, nalts);
        put_u16(hdr + 4, fl);
        hdr[6] = (uint8_t)alts.len;
        hdr[7] = (uint8_t)(alts.len >> 8);
        hdr[8] = (uint8_t)(alts.len >> 16);
        hdr[9] = (uint8_t)(alts.len >> 24);
        if ((st = emit_simple(b, si, hdr, sizeof(hdr), 0, 0)) != VG_OK)
            goto out;
        if (buf_append(b, alts.p, alts.len) != VG_OK) {
            st = VG_ENOMEM;
            goto out;
        }
        len_add(si, amin, amax);
        (void)maxrun_alt;
    }
out:
    buf_free(&alts);
    return st;
}

/* Parse "{...}" inside a part (p->i at '{'): {n} is n wildcard bytes; inside
 * alternatives {n-m}, {-n} are allowed too (at most 127). */
static vg_status
parse_inner_range(struct pp *p, struct buf *b, struct seqinfo *si, int in_alt)
{
    size_t k = p->i + 1;
    unsigned long lo = 0, hi;
    char *end;
    const char *t = p->s;

    if (k < p->n && t[k] == '-') {
        hi = strtoul(t + k + 1, &end, 10);
        if (end == t + k + 1) {
            return err_set(p->err, VG_EFORMAT, "bad range in body signature");
        }
        lo = 0;
    } else {
        lo = strtoul(t + k, &end, 10);
        if (end == t + k)
            return err_set(p->err, VG_EFORMAT, "bad range in body signature");
        if (*end == '-') {
            const char *q = end + 1;
            hi = strtoul(q, &end, 10);
            if (end == q)
                return err_set(p->err, VG_EFORMAT, "open range {n-} inside an alternative");
        } else {
            hi = lo;
        }
    }
    if ((size_t)(end - t) >= p->n || *end != '}')
        return err_set(p->err, VG_EFORMAT, "missing '}' in body signature");
    p->i = (size_t)(end - t) + 1;
    if (lo > hi)
        return err_set(p->err, VG_EFORMAT, "range {%lu-%lu} has min > max", lo, hi);
    if (hi > INNER_RANGE_MAX)
        return err_set(p->err, VG_EFORMAT, "range {%lu-%lu} too large here (max %d)", lo, hi,
                       INNER_RANGE_MAX);
    if (lo == hi)
        return emit_any(b, si, (uint32_t)lo);
    if (in_alt)
        return err_set(p->err, VG_EFORMAT, "ranges are not allowed inside alternatives");
    if (!in_alt)
        return err_set(p->err, VG_EFORMAT, "internal: variable range outside alternative");
    {
        uint8_t op[5];
        op[0] = OP_SKIP;
        put_u16(op + 1, (uint32_t)lo);
        put_u16(op + 3, (uint32_t)hi);
        si->only_lit = 0;
        run_break(si);
        si->last_op = b->len;
        si->has_last = 1;
        if (buf_append(b, op, 5) != VG_OK)
            return VG_ENOMEM;
        len_add(si, (uint32_t)lo, (uint32_t)hi);
    }
    return VG_OK;
}

/* The class of one single-byte token text ("aa", "a?", "?a", "??"). */
static int
byte_token_class(const char *t, uint8_t bits[32])
{
    int h = hex_digit(t[0]), l = hex_digit(t[1]);

    memset(bits, 0, 32);
    for (unsigned v = 0; v < 256; v++) {
        int ok = (t[0] == '?' || (h >= 0 && (v >> 4) == (unsigned)h)) &&
                 (t[1] == '?' || (l >= 0 && (v & 15) == (unsigned)l));
        if ((t[0] != '?' && h < 0) || (t[1] != '?' && l < 0))
            return -1;
        if (ok)
            bits_set(bits, v);
    }
    return 0;
}

/*
 * "aa[x-y]MAIN" and "MAIN[x-y]aa": a single byte x..y bytes away from the
 * main pattern, which alone defines the match position (clamscan reports
 * and checks offsets for MAIN). Compiled to a zero-width look-around.
 * p->i points at '['.
 */
static vg_status
parse_around(struct pp *p, struct buf *b, struct seqinfo *si)
{
    const char *s = p->s;
    unsigned long x, y;
    char *end;
    uint8_t bits[32], op[8];
    uint32_t cls;
    vg_status st;
    int behind;

    x = strtoul(s + p->i + 1, &end, 10);
    if (end == s + p->i + 1 || *end != '-')
        return err_set(p->err, VG_EFORMAT, "malformed [x-y] in body signature");
    {
        const char *q = end + 1;
        y = strtoul(q, &end, 10);
        if (end == q || (size_t)(end - s) >= p->n || *end != ']')
            return err_set(p->err, VG_EFORMAT, "malformed [x-y] in body signature");
    }
    if (x > y || y > ANCHOR_RANGE_MAX)
        return err_set(p->err, VG_EFORMAT, "[%lu-%lu] range invalid (max %d)", x, y, ANCHOR_RANGE_MAX);
    behind = si->minlen == 1 && si->maxlen == 1 && p->i == 2 && b->len > 0;
    if (behind) {
        if (byte_token_class(s, bits) != 0)
            return err_set(p->err, VG_EFORMAT, "[x-y] needs a single byte before it");
        b->len = 0; /* the byte becomes the look-behind */
        memset(si, 0, sizeof(*si));
        si->only_lit = 0;
        p->i = (size_t)(end - s) + 1;
    } else {
        size_t rest = (size_t)(end - s) + 1;
        if (p->n - rest != 2 || byte_token_class(s + rest, bits) != 0)
            return err_set(p->err, VG_EFORMAT,
                           "[x-y] needs a single byte on one side of the pattern");
        p->i = p->n;
    }
    if ((st = bodysig_intern_class(p->tab, bits, &cls)) != VG_OK)
        return err_set(p->err, st, "too many byte classes");
    op[0] = OP_AROUND;
    op[1] = (uint8_t)(behind ? 0 : 1);
    put_u16(op + 2, cls);
    put_u16(op + 4, (uint32_t)x);
    put_u16(op + 6, (uint32_t)y);
    si->only_lit = 0;
    run_break(si);
    si->last_op = b->len;
    si->has_last = 1;
    return buf_append(b, op, 8) == VG_OK ? VG_OK : VG_ENOMEM;
}

/* Parse a sequence of tokens until the end of p->s. */
static vg_status
parse_seq(struct pp *p, struct buf *b, struct seqinfo *si, int in_alt)
{
    const char *s = p->s;
    int nocase = (p->mods & MOD_NOCASE) != 0;
    vg_status st;

    while (p->i < p->n) {
        char c = s[p->i];

        if (c == '(' || (c == '!' && p->i + 1 < p->n && s[p->i + 1] == '(')) {
            int neg = c == '!';
            int at_start = p->depth == 0 && !si->consumed && p->i == 0;

            if (neg)
                p->i++;
            if ((st = parse_group(p, b, si, neg, at_start)) != VG_OK)
                return st;
            continue;
        }
        if (c == '{') {
            if ((st = parse_inner_range(p, b, si, in_alt)) != VG_OK)
                return st;
            continue;
        }
        if (c == '[') {
            if (in_alt)
                return err_set(p->err, VG_EFORMAT, "[x-y] inside an alternative");
            if ((st = parse_around(p, b, si)) != VG_OK)
                return st;
            continue;
        }
        if (p->i + 1 >= p->n)
            return err_set(p->err, VG_EFORMAT, "odd number of hex digits in body signature");
        {
            char c2 = s[p->i + 1];
            int h = hex_digit(c), l = hex_digit(c2);

            if (c != '?' || c2 != '?')
                si->nonalt = 1;
            if (c == '?' && c2 == '?') {
                st = emit_any(b, si, 1);
            } else if (c == '?' && l >= 0) {
                uint8_t op[3] = {OP_MASK, 0x0f, (uint8_t)l};
                st = emit_simple(b, si, op, 3, 1, 1);
            } else if (h >= 0 && c2 == '?') {
                uint8_t op[3] = {OP_MASK, 0xf0, (uint8_t)(h << 4)};
                st = emit_simple(b, si, op, 3, 1, 1);
            } else if (h >= 0 && l >= 0) {
                uint8_t byte = (uint8_t)(h << 4 | l);
                st = emit_lit(b, si, &byte, 1, nocase);
            } else {
                return err_set(p->err, VG_EFORMAT, "invalid character '%c' in body signature",
                               (h < 0 && c != '?') ? c : c2);
            }
            if (st != VG_OK)
                return st;
            p->i += 2;
        }
    }
    return VG_OK;
}

/* Wide variant: every consumed byte is followed by a zero byte. Works on the
 * hex text, as ClamAV widens the signature before compiling it. */
static char *
widen(const char *hex)
{
    size_t n = strlen(hex), cap;
    char *out, *o;
    size_t i = 0;

    if (ckd_mul(&cap, n, 3) || ckd_add(&cap, cap, 1))
        return NULL;
    if ((out = malloc(cap)) == NULL)
        return NULL;
    o = out;
    while (i < n) {
        char c = hex[i];
        if (c == '(' || c == ')' || c == '|' || c == '!' || c == '*') {
            *o++ = c;
            i++;
        } else if (c == '{' || c == '[') {
            /* ClamAV turns [x-y] into {x-y} when widening (two bytes per char now) */
            char close = c == '{' ? '}' : ']';
            *o++ = '{';
            i++;
            while (i < n && hex[i] != close)
                *o++ = hex[i++];
            if (i < n) {
                *o++ = '}';
                i++;
            }
        } else if (i + 1 < n) {
            *o++ = hex[i];
            *o++ = hex[i + 1];
            *o++ = '0';
            *o++ = '0';
            i += 2;
        } else {
            *o++ = hex[i++];
        }
    }
    *o = '\0';
    return out;
}

/* Compile one part's text into the code area. */
static vg_status
compile_part(const char *txt, size_t n, uint32_t mods, int first, int last, struct pattab *tab,
             struct part *out, struct seqinfo *si, vg_err *err)
{
    struct pp p = {txt, n, 0, mods, tab, err, 0, first, last};
    struct buf b = {0};
    vg_status st;
    size_t off;

    memset(si, 0, sizeof(*si));
    si->only_lit = 1;
    if (n == 0) {
        return err_set(err, VG_EFORMAT, "empty part in body signature");
    }
    if ((st = parse_seq(&p, &b, si, 0)) != VG_OK)
        goto out;
    if (buf_append(&b, (uint8_t[]){OP_END}, 1) != VG_OK) {
        st = VG_ENOMEM;
        goto out;
    }
    off = tab->code.len;
    if (off > UINT32_MAX - b.len) {
        st = err_set(err, VG_ELIMIT, "pattern code area full");
        goto out;
    }
    if (buf_append(&tab->code, b.p, b.len) != VG_OK) {
        st = VG_ENOMEM;
        goto out;
    }
    out->code = (uint32_t)off;
    out->minlen = si->minlen;
    out->maxlen = si->maxlen;
    st = VG_OK;
out:
    buf_free(&b);
    return st;
}

/* Parse the text of a top-level split marker at hex[i] ('*' or '{'):
 * sets the gap and the index after it. Returns 1 if it is a split, 0 if it
 * is a {n} with n < 128 that stays inside the part, -1 on error. */
static int
split_marker(const char *hex, size_t i, uint32_t *mingap, uint32_t *maxgap, size_t *next,
             vg_err *err)
{
    unsigned long lo = 0, hi = 0;
    const char *q;
    char *end;

    if (hex[i] == '*') {
        *mingap = 0;
        *maxgap = GAP_INF;
        *next = i + 1;
        return 1;
    }
    q = hex + i + 1;
    if (*q == '-') {
        hi = strtoul(q + 1, &end, 10);
        if (end == q + 1 || *end != '}') {
            err_set(err, VG_EFORMAT, "bad range in body signature");
            return -1;
        }
        lo = 0;
    } else {
        if (!isdigit((unsigned char)*q)) {
            err_set(err, VG_EFORMAT, "bad range in body signature");
            return -1;
        }
        lo = strtoul(q, &end, 10);
        if (*end == '-') {
            const char *r = end + 1;
            if (*r == '}') {
                hi = 0; /* open: {n-} */
                end = (char *)(uintptr_t)r;
            } else {
                hi = strtoul(r, &end, 10);
                if (end == r) {
                    err_set(err, VG_EFORMAT, "bad range in body signature");
                    return -1;
                }
            }
        } else if (*end == '}') {
            if (lo > 0 && lo < 128)
                return 0;
            hi = lo;
        }
        if (*end != '}') {
            err_set(err, VG_EFORMAT, "missing '}' in body signature");
            return -1;
        }
    }
    if (lo > UINT32_MAX - 1 || hi > UINT32_MAX - 1) {
        err_set(err, VG_EFORMAT, "range too large in body signature");
        return -1;
    }
    /* ClamAV's chain check treats a distance of 0 as "no bound" */
    *mingap = (uint32_t)lo;
    *maxgap = hi == 0 ? GAP_INF : (uint32_t)hi;
    if (hi != 0 && lo > hi) {
        err_set(err, VG_EFORMAT, "range {%lu-%lu} has min > max", lo, hi);
        return -1;
    }
    *next = (size_t)(end - hex) + 1;
    return 1;
}

/* Split on top-level * and {..} ranges and compile each part. */
static vg_status
compile_parts(const char *hex, uint32_t mods, struct pattab *tab, struct cpat *out,
              uint32_t first_mingap, uint32_t first_maxgap, vg_err *err)
{
    size_t n = strlen(hex), i = 0, start = 0;
    int depth = 0;
    uint32_t mingap = first_mingap, maxgap = first_maxgap;
    struct seqinfo si;
    vg_status st;
    /* ClamAV expands {n} (0 < n < 128) into n wildcards only while it is
       the first '{' left in the pattern; once a real range has split the
       pattern, every later {n} splits it too. */
    int expanding = 1;
    /* text of the current part with {n<128} kept in place */
    while (i <= n) {
        int split = 0;
        uint32_t g0 = 0, g1 = 0;
        size_t next = i + 1;

        if (i < n) {
            char c = hex[i];
            if (c == '(')
                depth++;
            else if (c == ')')
                depth--;
            if (depth == 0 && (c == '*' || c == '{')) {
                int r = split_marker(hex, i, &g0, &g1, &next, err);
                if (r < 0)
                    return VG_EFORMAT;
                if (r == 0 && !expanding) {
                    /* a small {n} after a range: a split with an exact gap */
                    const char *e = strchr(hex + i, '}');
                    g0 = g1 = (uint32_t)strtoul(hex + i + 1, NULL, 10);
                    next = (size_t)(e - hex) + 1;
                    r = 1;
                }
                if (c == '{' && r == 1)
                    expanding = 0;
                if (r == 0) {
                    /* {n}: skip past it, stays in the part */
                    const char *e = strchr(hex + i, '}');
                    i = (size_t)(e - hex) + 1;
                    continue;
                }
                split = 1;
            }
        }
        if (i == n || split) {
            struct part *pt;

            if (out->nparts >= PAT_MAX_PARTS)
                return err_set(err, VG_EFORMAT, "too many parts in body signature (max %d)",
                               PAT_MAX_PARTS);
            pt = &out->parts[out->nparts];
            if ((st = compile_part(hex + start, i - start, mods, out->nparts == 0, i == n, tab, pt,
                                   &si, err)) != VG_OK)
                return st;
            if (si.maxrun < 2)
                return err_set(err, VG_EFORMAT,
                               "body signature part too short (needs 2 consecutive fixed bytes)");
            pt->mingap = mingap;
            pt->maxgap = maxgap;
            out->nparts++;
            if (i == n)
                break;
            mingap = g0;
            maxgap = g1;
            i = next;
            start = next;
            continue;
        }
        i++;
    }
    return VG_OK;
}

vg_status
bodysig_compile(const char *hex, uint32_t mods, struct pattab *tab, struct cpat *out, vg_err *err)
{
    char *wide = NULL;
    vg_status st;
    size_t n = strlen(hex);

    memset(out, 0, sizeof(*out));
    if (n == 0)
        return err_set(err, VG_EFORMAT, "empty body signature");
    if (mods & MOD_WIDE) {
        if ((wide = widen(hex)) == NULL)
            return VG_ENOMEM;
        hex = wide;
    }
    if (mods & MOD_FULLWORD) {
        /* as clamscan: the pattern is framed by (W) on both ends, which
           at the edges are checks on the bytes around the match */
        size_t hl = strlen(hex);
        char *fw = malloc(hl + 7);
        if (fw == NULL) {
            free(wide);
            return VG_ENOMEM;
        }
        memcpy(fw, "(W)", 3);
        memcpy(fw + 3, hex, hl);
        memcpy(fw + 3 + hl, "(W)", 4);
        free(wide);
        wide = fw;
        hex = fw;
    }
    st = compile_parts(hex, mods, tab, out, 0, 0, err);
    if (st == VG_OK && out->nparts == 1) {
        const uint8_t *c = tab->code.p + out->parts[0].code;
        /* static: one literal op then END */
        if (c[0] == OP_LIT && c[3 + get_u16(c + 1)] == OP_END) {
            out->is_static = 1;
            out->static_len = get_u16(c + 1);
        }
    }
    free(wide);
    return st;
}
