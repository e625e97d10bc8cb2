/*
 * sig_ldb.c - logical signatures (.ldb/.ldu):
 *   Name;TargetDescriptionBlock;LogicalExpression;Subsig0;...;SubsigN
 *
 * Follows clamscan 1.4.6's loader: at most 64 subsignatures; the target
 * description block is comma-separated Key:Value pairs (Engine first when
 * present; FileSize, EntryPoint and NumberOfSections need Engine >= 51;
 * Target is required); each subsignature is, in this order of recognition,
 * a macro (${min-max}id$), a PCRE ([offset:]trigger/regex/flags), a byte
 * compare (trigger(<<N#opts len#cmp[,cmp])), a fuzzy image hash, or a
 * body pattern ([offset:]hex[::modifiers]).
 */
#include "db/sigread.h"

#include <stdio.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <pcre2.h>

#include "core/err.h"
#include "formats/filetype.h"
#include "match/lexpr.h"

#define LDB_LINE_MAX 65536

struct tdb {
    int have_engine, have_target;
    uint32_t eng_min, eng_max;
    uint32_t target;
    struct img_ldb l;
};

/* "x-y": clamscan accepts only a range for range attributes */
static int
parse_range(const char *v, uint32_t *lo, uint32_t *hi)
{
    char buf[64];
    char *dash;

    snprintf(buf, sizeof(buf), "%s", v);
    if ((dash = strchr(buf, '-')) == NULL)
        return -1;
    *dash = '\0';
    if (sig_u32(buf, lo) || sig_u32(dash + 1, hi))
        return -1;
    return 0;
}

static int
parse_cltype(const char *v, uint32_t *out)
{
    enum ftype t;

    if (strcmp(v, "CL_TYPE_ANY") == 0) {
        *out = UINT32_MAX;
        return 0;
    }
    if (filetype_from_cltype(v, &t) != 0)
        return -1;
    *out = (uint32_t)t;
    return 0;
}

/* Returns VG_OK; *skip set when the signature does not apply (Engine). */
static vg_status
parse_tdb(char *s, struct tdb *t, int *skip, vg_err *err)
{
    char *f[32];
    int n = sig_split(s, ',', f, 31);

    *skip = 0;
    if (n > 31)
        return err_set(err, VG_EFORMAT, "too many target description attributes");
    for (int i = 0; i < n; i++) {
        char *k = f[i], *v = strchr(k, ':');

        if (v == NULL)
            return err_set(err, VG_EFORMAT, "target description attribute '%.40s' has no ':'", k);
        *v++ = '\0';
        if (strcmp(k, "Engine") == 0) {
            if (i != 0)
                return err_set(err, VG_EFORMAT, "Engine must be the first target description attribute");
            if (parse_range(v, &t->eng_min, &t->eng_max))
                return err_set(err, VG_EFORMAT, "invalid Engine range '%.40s'", v);
            t->have_engine = 1;
            if (t->eng_min > VG_FLEVEL || t->eng_max < VG_FLEVEL)
                *skip = 1;
        } else if (strcmp(k, "Target") == 0) {
            if (sig_u32(v, &t->target) || t->target > 14)
                return err_set(err, VG_EFORMAT, "invalid Target '%.40s'", v);
            t->have_target = 1;
        } else if (strcmp(k, "FileSize") == 0) {
            if (parse_range(v, &t->l.fs_min, &t->l.fs_max))
                return err_set(err, VG_EFORMAT, "invalid FileSize '%.40s'", v);
            t->l.tdb |= TDB_FILESIZE;
        } else if (strcmp(k, "EntryPoint") == 0) {
            if (parse_range(v, &t->l.ep_min, &t->l.ep_max))
                return err_set(err, VG_EFORMAT, "invalid EntryPoint '%.40s'", v);
            t->l.tdb |= TDB_EP;
        } else if (strcmp(k, "NumberOfSections") == 0) {
            if (parse_range(v, &t->l.ns_min, &t->l.ns_max))
                return err_set(err, VG_EFORMAT, "invalid NumberOfSections '%.40s'", v);
            t->l.tdb |= TDB_NSECT;
        } else if (strcmp(k, "Container") == 0) {
            /* an unknown type loads in clamscan and never matches */
            if (parse_cltype(v, &t->l.container))
                t->l.container = LDB_TYPE_UNKNOWN;
            t->l.tdb |= TDB_CONTAINER;
        } else if (strcmp(k, "Intermediates") == 0) {
            char *g[LDB_MAX_INTERMED + 1];
            int m = sig_split(v, '>', g, LDB_MAX_INTERMED);
            if (m > LDB_MAX_INTERMED)
                return err_set(err, VG_EFORMAT, "too many Intermediates (max %d)", LDB_MAX_INTERMED);
            for (int j = 0; j < m; j++)
                if (parse_cltype(g[j], &t->l.inter[j]))
                    t->l.inter[j] = LDB_TYPE_UNKNOWN;
            t->l.ninter = (uint16_t)m;
            t->l.tdb |= TDB_INTERMED;
        } else {
            /* IconGroup1/2, HandlerType, Sect*: accepted, not evaluated;
               unknown keys are ignored, as clamscan ignores them */
        }
    }
    if (*skip)
        return VG_OK;
    if (!t->have_target)
        return err_set(err, VG_EFORMAT, "no Target in the target description block");
    if ((t->l.tdb & (TDB_FILESIZE | TDB_EP | TDB_NSECT)) && (!t->have_engine || t->eng_min < 51))
        return err_set(err, VG_EFORMAT,
                       "FileSize, EntryPoint and NumberOfSections need Engine:51 or higher");
    return VG_OK;
}

static int
is_exe_target(uint32_t t)
{
    return t == 1 || t == 6 || t == 9;
}

/* "${min-max}id$" */
static vg_status
parse_macro(const char *s, vg_err *err)
{
    unsigned a, b, id;
    char tail;
    size_t n = strlen(s);

    if (n < 2 || s[n - 1] != '$')
        return err_set(err, VG_EFORMAT, "macro subsignature is missing the '$' terminator");
    if (sscanf(s, "${%u-%u}%u%c", &a, &b, &id, &tail) != 4 || tail != '$')
        return err_set(err, VG_EFORMAT, "invalid macro subsignature '%.60s'", s);
    if (id >= 32)
        return err_set(err, VG_EFORMAT, "macro group %u out of range (max 31)", id);
    return VG_OK;
}

static vg_status
parse_pcre(struct dbbuild *b, char *s, uint32_t subidx, uint32_t exe_ok, struct img_sub *sub,
           vg_err *err)
{
    char *slash = strchr(s, '/'), *last = strrchr(s, '/'), *colon;
    const char *offs = NULL, *trigger = s, *flags;
    struct img_pcre pc;
    uint32_t root, maxid;
    vg_status st;
    int errcode;
    PCRE2_SIZE erroff;
    pcre2_code *code;

    memset(&pc, 0, sizeof(pc));
    if (slash == last)
        return err_set(err, VG_EFORMAT, "PCRE subsignature has mismatched '/' delimiters");
    if (s[0] == '/')
        return err_set(err, VG_EFORMAT, "PCRE subsignature must start with a logical trigger");
    /* an offset prefix "off:" before the trigger */
    *slash = '\0';
    if ((colon = strchr(s, ':')) != NULL) {
        *colon = '\0';
        offs = s;
        trigger = colon + 1;
    }
    *last = '\0';
    flags = last + 1;
    if (*trigger == '\0' || slash[1] == '\0')
        return err_set(err, VG_EFORMAT, "PCRE trigger or pattern is empty");
    if ((st = lexpr_compile(trigger, &b->exprs, &root, &maxid, err)) != VG_OK)
        return err_prefix(err, st, "PCRE trigger");
    if (maxid > subidx)
        return err_set(err, VG_EFORMAT, "PCRE subsignature %u trigger refers to later subsignature %u",
                       subidx, maxid);
    if (maxid == subidx)
        return err_set(err, VG_EFORMAT, "PCRE subsignature %u trigger refers to itself", subidx);
    pc.trigger = root;
    if (offs) {
        if ((st = build_parse_offset(offs, (int)exe_ok, &pc.off, err)) != VG_OK)
            return st;
        if (pc.off.kind != OFF_ANY)
            pc.flags |= PCREF_HASOFF;
    }
    for (const char *f = flags; *f; f++) {
        switch (*f) {
        case 'i': pc.options |= PCRE2_CASELESS; break;
        case 's': pc.options |= PCRE2_DOTALL; break;
        case 'm': pc.options |= PCRE2_MULTILINE; break;
        case 'x': pc.options |= PCRE2_EXTENDED; break;
        case 'A': pc.options |= PCRE2_ANCHORED; break;
        case 'E': pc.options |= PCRE2_DOLLAR_ENDONLY; break;
        case 'U': pc.options |= PCRE2_UNGREEDY; break;
        case 'g': pc.flags |= PCREF_GLOBAL; break;
        case 'r': pc.flags |= PCREF_ROLLING; break;
        case 'e': pc.flags |= PCREF_ENCOMPASS; break;
        default:
            return err_set(err, VG_EFORMAT, "unknown PCRE flag '%c'", *f);
        }
    }
    /* reject what will not compile now, not at scan time */
    code = pcre2_compile((PCRE2_SPTR)(slash + 1), PCRE2_ZERO_TERMINATED, pc.options, &errcode,
                         &erroff, NULL);
    if (code == NULL) {
        PCRE2_UCHAR msg[160];
        pcre2_get_error_message(errcode, msg, sizeof(msg));
        return err_set(err, VG_EFORMAT, "PCRE /%.60s/ does not compile at %zu: %s", slash + 1,
                       (size_t)erroff, (const char *)msg);
    }
    pcre2_code_free(code);
    if ((st = build_str(b, slash + 1, &pc.regex)) != VG_OK)
        return err_set(err, st, "%s", vg_status_str(st));
    sub->kind = SUB_PCRE;
    sub->ref = (uint32_t)b->pcres.n;
    return vec_add(&b->pcres, &pc);
}

/* strtol(base 0)-like on a NUL-terminated token; returns 0 when the whole
 * token (after optional sign) was a number. */
static int
parse_num(const char *s, int64_t *v)
{
    char *end;
    long long x;

    if (*s == '\0')
        return -1;
    x = strtoll(s, &end, 0);
    if (*end != '\0')
        return -1;
    *v = x;
    return 0;
}

static vg_status
parse_bcomp(struct dbbuild *b, char *s, uint32_t subidx, struct img_sub *sub, vg_err *err)
{
    struct img_bcomp bc;
    char *open, *close, *t[4], *p;
    int64_t v;
    int n, have_base = 0, have_endian = 0;
    char *end;
    long ref;

    memset(&bc, 0, sizeof(bc));
    ref = strtol(s, &end, 10);
    if (end == s || *end != '(' || ref < 0)
        return err_set(err, VG_EFORMAT, "byte compare needs 'subsig(' at its start");
    if ((uint32_t)ref >= subidx)
        return err_set(err, VG_EFORMAT, "byte compare refers to subsignature %ld, not an earlier one",
                       ref);
    bc.trigger = (uint32_t)ref;
    open = end;
    if ((close = strchr(open, ')')) == NULL)
        return err_set(err, VG_EFORMAT, "byte compare is missing ')'");
    *close = '\0';
    n = sig_split(open + 1, '#', t, 3);
    if (n != 3)
        return err_set(err, VG_EFORMAT, "byte compare needs 3 '#'-separated parameters");
    /* offset: <<N or >>N or 0 or empty */
    p = t[0];
    if (p[0] == '<' && p[1] == '<') {
        if (parse_num(p + 2, &v) || v < 0 || v > INT32_MAX)
            return err_set(err, VG_EFORMAT, "invalid byte compare offset '%.20s'", p);
        bc.rel = (int32_t)-v;
    } else if (p[0] == '>' && p[1] == '>') {
        if (parse_num(p + 2, &v) || v < 0 || v > INT32_MAX)
            return err_set(err, VG_EFORMAT, "invalid byte compare offset '%.20s'", p);
        bc.rel = (int32_t)v;
    } else if (p[0] == '0' || p[0] == '\0') {
        bc.rel = 0;
    } else {
        return err_set(err, VG_EFORMAT, "invalid byte compare shift '%.20s'", p);
    }
    /* options then length */
    for (p = t[1]; *p && !isdigit((unsigned char)*p); p++) {
        switch (*p) {
        case 'h': case 'd': case 'i': case 'a':
            if (have_base)
                return err_set(err, VG_EFORMAT, "byte compare has conflicting base options");
            have_base = 1;
            bc.base = (uint8_t)*p;
            if (*p == 'd') {
                if (bc.endian == 'l')
                    return err_set(err, VG_EFORMAT, "byte compare: decimal cannot be little-endian");
                bc.endian = 'b';
            }
            break;
        case 'l':
            if (bc.endian == 'b' || bc.base == 'd')
                return err_set(err, VG_EFORMAT, "byte compare has conflicting endianness");
            bc.endian = 'l';
            have_endian = 1;
            break;
        case 'b':
            if (bc.endian == 'l')
                return err_set(err, VG_EFORMAT, "byte compare has conflicting endianness");
            bc.endian = 'b';
            have_endian = 1;
            break;
        case 'e':
            bc.exact = 1;
            break;
        default:
            return err_set(err, VG_EFORMAT, "invalid byte compare option '%c'", *p);
        }
    }
    (void)have_endian;
    if (parse_num(p, &v) || v <= 0 || v > 64)
        return err_set(err, VG_EFORMAT, "invalid byte compare length '%.20s'", p);
    bc.len = (uint32_t)v;
    if (bc.base == 'i' && bc.len != 1 && bc.len != 2 && bc.len != 4 && bc.len != 8)
        return err_set(err, VG_EFORMAT, "binary byte compare length must be 1, 2, 4 or 8");
    if (bc.base == 'h' && bc.len > 18)
        return err_set(err, VG_EFORMAT, "hex byte compare length too long");
    /* comparisons */
    {
        char *c[3];
        int m = sig_split(t[2], ',', c, 2);
        if (m > 2)
            return err_set(err, VG_EFORMAT, "too many byte comparisons (max 2)");
        for (int i = 0; i < m; i++) {
            if (c[i][0] != '<' && c[i][0] != '>' && c[i][0] != '=')
                return err_set(err, VG_EFORMAT, "byte comparison must start with <, > or =");
            bc.cmp[i] = (uint8_t)c[i][0];
            if (parse_num(c[i] + 1, &v))
                return err_set(err, VG_EFORMAT, "invalid byte comparison value '%.20s'", c[i] + 1);
            bc.val[i] = (uint64_t)v;
        }
        bc.ncmp = (uint8_t)m;
    }
    sub->kind = SUB_BCOMP;
    sub->ref = (uint32_t)b->bcomps.n;
    return vec_add(&b->bcomps, &bc);
}

static vg_status
parse_content(struct dbbuild *b, char *s, uint32_t sig, uint32_t subidx, int exe_ok,
              struct img_sub *sub, vg_err *err)
{
    char *t[6];
    int n = sig_split(s, ':', t, 5);
    const char *offs = "*", *hex, *opts = NULL;
    uint32_t mods = 0, pat;
    struct img_off off;
    struct cpat cp;
    vg_status st;

    if (n > 5)
        n = 5;
    if (n % 2 == 0)
        offs = t[0];
    if (n == 3)
        opts = t[2];
    else if (n == 4)
        opts = t[3];
    hex = (n % 2) ? t[0] : t[1];
    if (opts) {
        for (const char *o = opts; *o; o++) {
            switch (*o) {
            case 'i': mods |= MOD_NOCASE; break;
            case 'w': mods |= MOD_WIDE; break;
            case 'f': mods |= MOD_FULLWORD; break;
            case 'a': mods |= MOD_ASCII; break;
            default:
                return err_set(err, VG_EFORMAT, "invalid subsignature modifier '%c'", *o);
            }
        }
    }
    if ((st = build_parse_offset(offs, exe_ok, &off, err)) != VG_OK)
        return st;
    sub->kind = SUB_CONTENT;
    sub->ref = (uint32_t)b->pats.n;
    sub->npats = 0;
    if (mods & MOD_WIDE) {
        if ((st = build_add_pattern(b, sig, subidx, hex, mods, &off, &pat, &cp, err)) !=
            VG_OK)
            return st;
        sub->npats++;
        if (!(mods & MOD_ASCII))
            return VG_OK;
    }
    if ((st = build_add_pattern(b, sig, subidx, hex, mods & ~MOD_WIDE, &off, &pat,
                                &cp, err)) != VG_OK)
        return st;
    sub->npats++;
    return VG_OK;
}

vg_status
sig_ldb_line(struct dbbuild *b, char *line, int official, vg_err *err)
{
    char *copy = NULL;
    char *f[LDB_MAX_SUBS + 4];
    int n, skip;
    struct tdb t;
    struct img_ldb *l;
    struct img_sig *s;
    uint32_t sigidx, root, maxid, nsubs, name_off;
    vg_status st;
    size_t first_sub;

    if (strlen(line) >= LDB_LINE_MAX)
        return err_set(err, VG_EFORMAT, "logical signature line too long");
    if ((copy = strdup(line)) == NULL)
        return VG_ENOMEM;
    n = sig_split(line, ';', f, LDB_MAX_SUBS + 3);
    if (n > LDB_MAX_SUBS + 3) {
        st = err_set(err, VG_EFORMAT, "too many subsignatures (max %d)", LDB_MAX_SUBS);
        goto out;
    }
    if (n < 4) {
        st = err_set(err, VG_EFORMAT, "expected name;target;expression;subsignature...");
        goto out;
    }
    if (!build_name_ok(f[0])) {
        st = err_set(err, VG_EFORMAT, "empty signature name");
        goto out;
    }
    memset(&t, 0, sizeof(t));
    t.l.container = UINT32_MAX;
    if ((st = parse_tdb(f[1], &t, &skip, err)) != VG_OK || skip)
        goto out;
    nsubs = (uint32_t)(n - 3);
    {
        size_t mark = b->exprs.n;
        if ((st = lexpr_compile(f[2], &b->exprs, &root, &maxid, err)) != VG_OK) {
            st = err_prefix(err, st, "logical expression");
            goto out;
        }
        (void)mark;
    }
    if (maxid >= nsubs) {
        st = err_set(err, VG_EFORMAT, "logical expression uses subsignature %u but only %u given",
                     maxid, nsubs);
        goto out;
    }
    if (build_ignored(b, f[0], copy)) {
        st = VG_OK;
        goto out;
    }
    sigidx = (uint32_t)b->sigs.n;
    first_sub = b->subs.n;
    for (uint32_t i = 0; i < nsubs; i++) {
        struct img_sub sub;
        char *ss = f[3 + i];

        memset(&sub, 0, sizeof(sub));
        if (*ss == '\0') {
            st = err_set(err, VG_EFORMAT, "subsignature %u is empty", i);
            goto out;
        }
        if (ss[0] == '$') {
            if ((st = parse_macro(ss, err)) != VG_OK)
                goto sub_err;
            sub.kind = SUB_MACRO;
        } else if (strchr(ss, '/')) {
            if ((st = parse_pcre(b, ss, i, (uint32_t)is_exe_target(t.target), &sub, err)) != VG_OK)
                goto sub_err;
        } else if (strchr(ss, '(') && strchr(ss, '#') && strchr(ss, '#') != strrchr(ss, '#')) {
            if ((st = parse_bcomp(b, ss, i, &sub, err)) != VG_OK)
                goto sub_err;
        } else if (strncmp(ss, "fuzzy_img#", 10) == 0) {
            sub.kind = SUB_MACRO; /* image fuzzy hashes are not computed: never matches */
        } else {
            if ((st = parse_content(b, ss, sigidx, i, is_exe_target(t.target), &sub, err)) != VG_OK)
                goto sub_err;
        }
        if ((st = vec_add(&b->subs, &sub)) != VG_OK)
            goto out;
        continue;
sub_err:
        st = err_prefix(err, st, i == 0 ? "subsignature 0" : "subsignature");
        goto out;
    }
    if ((st = build_name(b, f[0], official, &name_off)) != VG_OK)
        goto out;
    if ((st = vec_push(&b->ldbs, (void **)&l)) != VG_OK)
        goto out;
    *l = t.l;
    l->sig = sigidx;
    l->expr = root;
    l->first_sub = (uint32_t)first_sub;
    l->nsubs = (uint16_t)nsubs;
    if ((st = vec_push(&b->sigs, (void **)&s)) != VG_OK)
        goto out;
    s->name = name_off;
    s->kind = SIG_LDB;
    s->target = (uint8_t)t.target;
    s->ref = (uint32_t)(b->ldbs.n - 1);
    {
        uint32_t zero[LDB_MAX_SUBS] = {0};
        if (lexpr_eval(b->exprs.p, root, zero)) {
            uint32_t li = (uint32_t)(b->ldbs.n - 1);
            if ((st = vec_add(&b->always, &li)) != VG_OK)
                goto out;
        }
    }
    b->counts.logical_sigs++;
    b->counts.signatures++;
    st = VG_OK;
out:
    free(copy);
    return st;
}
