/*
 * sig_cdb.c - container metadata signatures (.cdb):
 *   Name:ContainerType:ContainerSize:FileNameREGEX:FileSizeInContainer:
 *   FileSizeReal:IsEncrypted:FilePos:Res1:Res2[:MinFL[:MaxFL]]
 * exactly 10 fields plus the optional levels, as clamscan 1.4.6 requires.
 * Sizes and positions are "*", "n" or "x-y"; the regex is matched against
 * the member's name inside its container (containers are opened by
 * lib/containers). The regex text is stored and compiled with PCRE2.
 */
#include "db/sigread.h"

#include <stdio.h>
#include <string.h>

#include <pcre2.h>

#include "core/err.h"
#include "formats/filetype.h"

static int
parse_rng(const char *s, struct img_range *r)
{
    uint32_t lo, hi;
    char buf[48];
    char *d;

    if (strcmp(s, "*") == 0) {
        r->lo = 1;
        r->hi = 0; /* any */
        return 0;
    }
    snprintf(buf, sizeof(buf), "%s", s);
    if ((d = strchr(buf, '-')) != NULL) {
        *d = '\0';
        if (sig_u32(buf, &lo) || sig_u32(d + 1, &hi) || lo > hi)
            return -1;
    } else {
        if (sig_u32(buf, &lo))
            return -1;
        hi = lo;
    }
    r->lo = lo;
    r->hi = hi;
    return 0;
}

vg_status
sig_cdb_line(struct dbbuild *b, char *line, int official, vg_err *err)
{
    char *f[13];
    int n = sig_split(line, ':', f, 12), lvl;
    struct img_cdb c;
    vg_status st;

    if (n < 10 || n > 12)
        return err_set(err, VG_EFORMAT, "expected 10 ':'-separated fields (plus optional levels), found %d", n > 12 ? 13 : n);
    lvl = build_flevel_ok(n > 10 ? f[10] : NULL, n > 11 ? f[11] : NULL);
    if (lvl < 0)
        return err_set(err, VG_EFORMAT, "invalid functionality level");
    if (lvl == 0)
        return VG_OK;
    memset(&c, 0, sizeof(c));
    if (!build_name_ok(f[0]))
        return err_set(err, VG_EFORMAT, "empty signature name");
    if (strcmp(f[1], "*") == 0) {
        c.ctype = UINT32_MAX;
    } else {
        enum ftype t;
        if (filetype_from_cltype(f[1], &t) != 0)
            return err_set(err, VG_EFORMAT, "unknown container type '%.40s'", f[1]);
        c.ctype = (uint32_t)t;
    }
    if (parse_rng(f[2], &c.csize))
        return err_set(err, VG_EFORMAT, "invalid container size '%.40s'", f[2]);
    if (parse_rng(f[4], &c.fsize_c))
        return err_set(err, VG_EFORMAT, "invalid file size in container '%.40s'", f[4]);
    if (parse_rng(f[5], &c.fsize_r))
        return err_set(err, VG_EFORMAT, "invalid real file size '%.40s'", f[5]);
    if (strcmp(f[6], "*") == 0)
        c.encrypted = -1;
    else if (strcmp(f[6], "0") == 0 || strcmp(f[6], "1") == 0)
        c.encrypted = f[6][0] - '0';
    else
        return err_set(err, VG_EFORMAT, "invalid encryption flag '%.10s'", f[6]);
    if (parse_rng(f[7], &c.fpos))
        return err_set(err, VG_EFORMAT, "invalid file position '%.40s'", f[7]);
    if (strcmp(f[8], "*") == 0) {
        c.res1.lo = 1;
        c.res1.hi = 0;
    } else {
        uint8_t crc[4];
        if (sig_hex(f[8], crc, 4) != 0)
            return err_set(err, VG_EFORMAT, "invalid CRC '%.20s'", f[8]);
        c.res1.lo = c.res1.hi = ((uint64_t)crc[0] << 24) | ((uint64_t)crc[1] << 16) | ((uint64_t)crc[2] << 8) | crc[3];
    }
    if (strcmp(f[3], "*") == 0) {
        c.regex = UINT32_MAX;
    } else {
        int ec;
        PCRE2_SIZE eo;
        pcre2_code *code = pcre2_compile((PCRE2_SPTR)f[3], PCRE2_ZERO_TERMINATED, 0, &ec, &eo, NULL);
        if (code == NULL)
            return err_set(err, VG_EFORMAT, "file name regex '%.60s' does not compile", f[3]);
        pcre2_code_free(code);
        if ((st = build_str(b, f[3], &c.regex)) != VG_OK)
            return err_set(err, st, "%s", vg_status_str(st));
    }
    if (build_ignored(b, f[0], line))
        return VG_OK;
    if ((st = build_name(b, f[0], official, &c.name)) != VG_OK)
        return err_set(err, st, "%s", vg_status_str(st));
    b->counts.signatures++;
    return vec_add(&b->cdbs, &c);
}
