/*
 * lexpr.c - logical expressions, compiled to a tree that evaluates exactly
 * as ClamAV's recursive string evaluator (matcher-ac.c, cli_ac_chklsig).
 *
 * The scan of an expression [s, e) keeps ClamAV's state: depth, the first
 * top-level '&'/'|' (ends the scan), the last '&'/'|' at depth 1, the last
 * modifier character (any of > < = and also ')'), and a block modifier
 * recognised only when a closing parenthesis plus its "op n[,m]" reach
 * the end of the expression. Numbers are read like sscanf("%u").
 */
#include "match/lexpr.h"

#include <stdio.h>
#include <ctype.h>
#include <string.h>

#include "core/err.h"

#define LEXPR_MAX_DEPTH 64

struct lc {
    struct vec *nodes;
    uint32_t maxid;
    vg_err *err;
    int depth;
};

/* sscanf("%u")-like: optional spaces and sign, at least one digit; the
 * value wraps modulo 2^32 as the C library does for "-1". Returns 1 on a
 * conversion, 0 on a matching failure, -1 when the input ended first. */
static int
scan_u(const char *p, const char *end, uint32_t *v, const char **next)
{
    int neg = 0;
    uint32_t x = 0;

    while (p < end && isspace((unsigned char)*p))
        p++;
    if (p >= end)
        return -1;
    if (*p == '+' || *p == '-') {
        neg = *p == '-';
        p++;
    }
    if (p >= end || !isdigit((unsigned char)*p))
        return 0;
    while (p < end && isdigit((unsigned char)*p))
        x = x * 10u + (uint32_t)(*p++ - '0');
    *v = neg ? (uint32_t)(0u - x) : x;
    if (next)
        *next = p;
    return 1;
}

static vg_status
new_node(struct lc *c, const struct img_expr *n, uint32_t *idx)
{
    if (c->nodes->n >= UINT32_MAX)
        return VG_ELIMIT;
    *idx = (uint32_t)c->nodes->n;
    return vec_add(c->nodes, n);
}

static vg_status
compile(struct lc *c, const char *s, const char *e, uint32_t *out)
{
    size_t len = (size_t)(e - s), i;
    unsigned pth = 0;
    size_t opoff = 0, op1off = 0, modoff = 0, blkend = 0;
    char op = 0, op1 = 0, mod = 0, blkmod = 0;
    uint32_t modval1 = 0, modval2 = 0;
    const char *lstart = s, *rend = e;
    struct img_expr n;
    uint32_t l, r;
    vg_status st;

    if (++c->depth > LEXPR_MAX_DEPTH)
        return err_set(c->err, VG_EFORMAT, "logical expression nested too deeply");
    if (len == 0)
        return err_set(c->err, VG_EFORMAT, "empty logical (sub)expression");

    for (i = 0; i < len; i++) {
        switch (s[i]) {
        case '(':
            pth++;
            break;
        case ')':
            if (!pth)
                return err_set(c->err, VG_EFORMAT,
                               "missing '(' in logical expression");
            pth--;
            /* ')' also counts as the modifier position */
            __attribute__((fallthrough));
        case '>':
        case '<':
        case '=':
            mod = s[i];
            modoff = i;
            break;
        default:
            if (s[i] == '&' || s[i] == '|') {
                if (!pth) {
                    op = s[i];
                    opoff = i;
                } else if (pth == 1) {
                    op1 = s[i];
                    op1off = i;
                }
            }
        }
        if (op)
            break;
        if (op1 && !pth) {
            blkend = i;
            if (i + 1 < len && (s[i + 1] == '>' || s[i + 1] == '<' || s[i + 1] == '=')) {
                const char *nx;
                int r1;

                blkmod = s[i + 1];
                r1 = scan_u(s + i + 2, e, &modval1, &nx);
                if (r1 == 1 && nx < e && *nx == ',') {
                    uint32_t v2;
                    if (scan_u(nx + 1, e, &v2, NULL) == 1)
                        modval2 = v2;
                }
                if (r1 != 1)
                    return err_set(c->err, VG_EFORMAT,
                                   "missing number after '%c' in logical expression", s[i + 1]);
                for (i += 2; i + 1 < len && (isdigit((unsigned char)s[i + 1]) || s[i + 1] == ','); i++)
                    continue;
            }
            if (s + i + 1 == rend)
                break;
            blkmod = 0;
        }
    }
    if (pth)
        return err_set(c->err, VG_EFORMAT, "missing ')' in logical expression");

    memset(&n, 0, sizeof(n));
    if (!op && !op1) {
        uint32_t id;
        int rr;

        if (s[0] == '(') {
            if (len < 2)
                return err_set(c->err, VG_EFORMAT, "bad parenthesis in logical expression");
            st = compile(c, s + 1, e - 1, out);
            c->depth--;
            return st;
        }
        rr = scan_u(s, e, &id, NULL);
        if (rr != 1)
            return err_set(c->err, VG_EFORMAT, "can't parse '%.*s' in logical expression",
                           (int)(len > 40 ? 40 : len), s);
        n.op = EX_LEAF;
        n.a = id;
        if (mod) {
            if (scan_u(s + modoff + 1, e, &n.v1, NULL) != 1)
                return err_set(c->err, VG_EFORMAT,
                               "missing number after '%c' in logical expression", mod);
            n.mod = (uint8_t)mod;
        }
        if (id >= LDB_MAX_SUBS)
            return err_set(c->err, VG_EFORMAT, "subsignature %u out of range (max %d)", id,
                           LDB_MAX_SUBS - 1);
        if (id > c->maxid || c->nodes->n == 0)
            c->maxid = id > c->maxid ? id : c->maxid;
        c->depth--;
        return new_node(c, &n, out);
    }
    if (!op) {
        op = op1;
        opoff = op1off;
        lstart = s + 1;
        rend = s + blkend;
    }
    if (!opoff)
        return err_set(c->err, VG_EFORMAT, "missing left argument in logical expression");
    if (opoff + 1 == len)
        return err_set(c->err, VG_EFORMAT, "missing right argument in logical expression");
    if (lstart >= s + opoff || s + opoff + 1 >= rend)
        return err_set(c->err, VG_EFORMAT, "empty operand in logical expression");
    if ((st = compile(c, lstart, s + opoff, &l)) != VG_OK)
        return st;
    if ((st = compile(c, s + opoff + 1, rend, &r)) != VG_OK)
        return st;
    n.op = op == '&' ? EX_AND : EX_OR;
    n.a = l;
    n.b = r;
    if (blkmod) {
        n.mod = (uint8_t)blkmod;
        n.v1 = modval1;
        n.v2 = modval2;
    }
    c->depth--;
    return new_node(c, &n, out);
}

vg_status
lexpr_compile(const char *expr, struct vec *nodes, uint32_t *root, uint32_t *maxid, vg_err *err)
{
    struct lc c = {nodes, 0, err, 0};
    size_t first = nodes->n;
    vg_status st;

    st = compile(&c, expr, expr + strlen(expr), root);
    if (st != VG_OK) {
        nodes->n = first;
        return st;
    }
    *maxid = c.maxid;
    return VG_OK;
}

static int
eval(const struct img_expr *nodes, uint32_t idx, const uint32_t *counts, uint32_t *cnt,
     uint64_t *ids)
{
    const struct img_expr *n = &nodes[idx];

    if (n->op == EX_LEAF) {
        uint32_t val = counts[n->a];

        if (n->mod) {
            switch (n->mod) {
            case '=':
                if (val != n->v1)
                    return 0;
                break;
            case '<':
                if (val >= n->v1)
                    return 0;
                break;
            case '>':
                if (val <= n->v1)
                    return 0;
                break;
            default:
                return 0;
            }
            *cnt += val;
            *ids |= (uint64_t)1 << n->a;
            return 1;
        }
        if (!val)
            return 0;
        *cnt += val;
        *ids |= (uint64_t)1 << n->a;
        return 1;
    }
    {
        uint32_t lcnt = 0, rcnt = 0, tcnt;
        uint64_t lids = 0, rids = 0, tids;
        int lval = eval(nodes, n->a, counts, &lcnt, &lids);
        int rval = eval(nodes, n->b, counts, &rcnt, &rids);
        int ret = n->op == EX_AND ? (lval && rval) : (lval || rval);

        if (!n->mod) {
            if (ret) {
                *cnt += lcnt + rcnt;
                *ids |= lids | rids;
            }
            return ret;
        }
        tcnt = ret ? lcnt + rcnt : 0;
        tids = ret ? (lids | rids) : 0;
        switch (n->mod) {
        case '=':
            if (tcnt != n->v1)
                return 0;
            break;
        case '<':
            if (tcnt >= n->v1)
                return 0;
            break;
        case '>':
            if (tcnt <= n->v1)
                return 0;
            break;
        default:
            return 0;
        }
        if (n->v2 && (uint32_t)__builtin_popcountll(tids) < n->v2)
            return 0;
        *cnt += tcnt;
        return 1;
    }
}

int
lexpr_eval_full(const struct img_expr *nodes, uint32_t root, const uint32_t *counts, uint32_t *cnt,
                uint64_t *ids)
{
    *cnt = 0;
    *ids = 0;
    return eval(nodes, root, counts, cnt, ids);
}

int
lexpr_eval(const struct img_expr *nodes, uint32_t root, const uint32_t *counts)
{
    uint32_t cnt;
    uint64_t ids;

    return lexpr_eval_full(nodes, root, counts, &cnt, &ids);
}
