/*
 * sig_hash.c - hash signature lines: .hdb/.hsb (whole file), .mdb/.msb (PE
 * section), .fp/.sfp (allow lists), with clamscan 1.4.6's rules: the hash
 * type follows from the hex length (32 MD5, 40 SHA-1, 64 SHA-256) in every
 * one of these files; the size is decimal, nonzero and below 0xffffffff,
 * or "*" which needs a minimum functionality level of 73 or more; 3 to 5
 * fields; the level filter applies before anything else is checked.
 */
#include "core/hex.h"
#include "db/sigread.h"

#include <stdio.h>
#include <ctype.h>
#include <string.h>

#include "core/err.h"

int
sig_split(char *s, char sep, char **fields, int max)
{
    int n = 0;

    fields[n++] = s;
    for (char *p = s; *p; p++) {
        if (*p != sep)
            continue;
        if (n == max)
            return max + 1;
        *p = '\0';
        fields[n++] = p + 1;
    }
    return n;
}

int
sig_u32(const char *s, uint32_t *v)
{
    unsigned long long x = 0;

    if (!isdigit((unsigned char)*s))
        return -1;
    for (; *s; s++) {
        if (!isdigit((unsigned char)*s))
            return -1;
        x = x * 10 + (unsigned)(*s - '0');
        if (x > UINT32_MAX)
            return -1;
    }
    *v = (uint32_t)x;
    return 0;
}

int
sig_hex(const char *s, uint8_t *out, size_t n)
{
    return hex_decode(s, out, n) == 0 && s[2 * n] == '\0' ? 0 : -1;
}

vg_status
sig_hash_line(struct dbbuild *b, int kind, char *line, int official, vg_err *err)
{
    char copy[8192];
    char *f[6];
    const char *hash, *size_s, *name;
    int n, lvl;
    uint8_t d[32];
    size_t dlen;
    uint32_t size, name_off = 0;
    vg_status st;

    if (b->ign.n > 0) /* the whole line is needed only for "name:md5" ignores */
        snprintf(copy, sizeof(copy), "%s", line);
    n = sig_split(line, ':', f, 5);
    if (n < 3 || n > 5)
        return err_set(err, VG_EFORMAT, "expected 3 to 5 ':'-separated fields, found %s",
                       n > 5 ? "more" : n == 1 ? "1" : "2");
    if (kind == HK_SECT) {
        size_s = f[0];
        hash = f[1];
    } else {
        hash = f[0];
        size_s = f[1];
    }
    name = f[2];
    lvl = build_flevel_ok(n > 3 ? f[3] : NULL, n > 4 ? f[4] : NULL);
    if (lvl < 0)
        return err_set(err, VG_EFORMAT, "invalid functionality level");
    if (lvl == 0)
        return VG_OK;
    dlen = strlen(hash) / 2;
    if ((dlen != 16 && dlen != 20 && dlen != 32) || strlen(hash) != dlen * 2)
        return err_set(err, VG_EFORMAT, "hash '%.80s' is not 32, 40 or 64 hex digits", hash);
    if (sig_hex(hash, d, dlen) != 0)
        return err_set(err, VG_EFORMAT, "hash '%.80s' is not hexadecimal", hash);
    if (strcmp(size_s, "*") == 0) {
        uint32_t minfl;
        if (n < 4 || sig_u32(f[3], &minfl) != 0 || minfl < 73)
            return err_set(err, VG_EFORMAT,
                           "size '*' needs a minimum functionality level of 73 or more");
        size = HASH_ANY_SIZE;
    } else if (sig_u32(size_s, &size) != 0 || size == 0 || size == UINT32_MAX) {
        return err_set(err, VG_EFORMAT, "invalid size '%.40s'", size_s);
    }
    if (!build_name_ok(name))
        return err_set(err, VG_EFORMAT, "empty signature name");
    if (kind != HK_FP && build_ignored(b, name, copy))
        return VG_OK;
    if (kind != HK_FP && (st = build_name(b, name, official, &name_off)) != VG_OK)
        return err_set(err, st, "%s", vg_status_str(st));
    if ((st = build_add_hash(b, kind, d, dlen, size, name_off)) != VG_OK)
        return err_set(err, st, "%s", vg_status_str(st));
    if (kind == HK_FILE) {
        b->counts.hash_sigs++;
        b->counts.signatures++;
    } else if (kind == HK_SECT) {
        b->counts.section_sigs++;
        b->counts.signatures++;
    } else {
        /* clamscan counts allow-list entries among its "Known viruses" */
        b->counts.allow_entries++;
        b->counts.signatures++;
    }
    return VG_OK;
}
