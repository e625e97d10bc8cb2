/*
 * sig_ndb.c - extended body signatures (.ndb/.ndu):
 *   Name:TargetType:Offset:HexSignature[:MinFL[:MaxFL]]
 *
 * As clamscan 1.4.6: 4 to 6 fields; the functionality-level filter runs
 * before the body is looked at (the official end-of-life signature relies
 * on it); target "*" is 0; targets beyond 14 are skipped; exe-relative
 * offsets need target 1, 6 or 9; macro members ($n offsets) never alert on
 * their own; plain byte strings that ClamAV gives its Boyer-Moore matcher
 * need at least 3 bytes, everything else 2 consecutive fixed bytes per part.
 */
#include "db/sigread.h"

#include <stdio.h>
#include <string.h>

#include "core/err.h"

#define NDB_MAX_TARGET 14

vg_status
sig_ndb_line(struct dbbuild *b, char *line, int official, vg_err *err)
{
    char copy[8192];
    char *f[7];
    int n, lvl, exe;
    uint32_t target = 0, name_off, pat;
    struct img_off off;
    struct img_sig *s;
    struct cpat cp;
    vg_status st;

    if (b->ign.n > 0) /* the whole line is needed only for "name:md5" ignores */
        snprintf(copy, sizeof(copy), "%s", line);
    n = sig_split(line, ':', f, 6);
    if (n < 4 || n > 6)
        return err_set(err, VG_EFORMAT, "expected 4 to 6 ':'-separated fields");
    lvl = build_flevel_ok(n > 4 ? f[4] : NULL, n > 5 ? f[5] : NULL);
    if (lvl < 0)
        return err_set(err, VG_EFORMAT, "invalid functionality level");
    if (lvl == 0)
        return VG_OK;
    if (!build_name_ok(f[0]))
        return err_set(err, VG_EFORMAT, "empty signature name");
    if (strcmp(f[1], "*") != 0 && sig_u32(f[1], &target) != 0)
        return err_set(err, VG_EFORMAT, "invalid target type '%.20s'", f[1]);
    if (target > NDB_MAX_TARGET)
        return VG_OK;
    /* macro group members ($n or $n$): only referenced from logical
       signatures, and ClamAV 1.4.6 never fires those; they never alert */
    if (f[2][0] == '$')
        return VG_OK;
    if (strcmp(f[2], "VI") == 0) {
        if (target != 1)
            return err_set(err, VG_EFORMAT, "offset 'VI' needs target 1");
        return VG_OK; /* PE VersionInfo matching is not implemented: never matches */
    }
    exe = target == 1 || target == 6 || target == 9;
    if ((st = build_parse_offset(f[2], exe, &off, err)) != VG_OK)
        return st;
    if (build_ignored(b, f[0], copy))
        return VG_OK;
    if ((st = build_name(b, f[0], official, &name_off)) != VG_OK)
        return err_set(err, st, "%s", vg_status_str(st));
    if (b->sigs.n >= UINT32_MAX)
        return err_set(err, VG_ELIMIT, "too many signatures");
    if ((st = build_add_pattern(b, (uint32_t)b->sigs.n, 0, f[3], 0, &off, &pat, &cp, err)) != VG_OK)
        return st;
    /* ClamAV's Boyer-Moore class: static bytes, generic or PE root (for PE
       only with a fixed, unshifted offset) */
    if (cp.is_static && (target == 0 || (target == 1 && off.kind != OFF_ANY && off.shift == 0)) &&
        cp.static_len < 3)
        return err_set(err, VG_EFORMAT, "body signature too short (static patterns need 3 bytes)");
    if ((st = vec_push(&b->sigs, (void **)&s)) != VG_OK)
        return err_set(err, st, "%s", vg_status_str(st));
    s->name = name_off;
    s->kind = SIG_NDB;
    s->target = (uint8_t)target;
    s->ref = pat;
    b->counts.body_sigs++;
    b->counts.signatures++;
    return VG_OK;
}
