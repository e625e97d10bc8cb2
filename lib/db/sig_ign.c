/*
 * sig_ign.c - ignore lists: .ign2 lines are "Name" or "Name:md5", where md5
 * is the MD5 of the whole signature line (the ignore lapses when the
 * signature changes); legacy .ign also accepts "dbname:line:Name". Names are
 * base names, without ".UNOFFICIAL". Unlike clamscan 1.4.6, a plain name
 * after a "Name:md5" line is accepted (1.4.6 aborts the load there, a bug).
 */
#include "db/sigread.h"

#include <stdio.h>
#include <string.h>

#include "core/err.h"

vg_status
sig_ign_line(struct dbbuild *b, char *line, vg_err *err)
{
    char *f[4];
    int n = sig_split(line, ':', f, 3);
    uint8_t md5[16];
    vg_status st;

    if (n > 3)
        return err_set(err, VG_EFORMAT, "expected Name, Name:md5 or db:line:Name");
    if (n == 3) {
        uint32_t ln;
        if (sig_u32(f[1], &ln) != 0)
            return err_set(err, VG_EFORMAT, "invalid line number '%.20s'", f[1]);
        if (!build_name_ok(f[2]))
            return err_set(err, VG_EFORMAT, "empty signature name");
        st = build_add_ignore(b, f[2], NULL);
    } else if (n == 2) {
        if (!build_name_ok(f[0]))
            return err_set(err, VG_EFORMAT, "empty signature name");
        if (sig_hex(f[1], md5, 16) != 0)
            return err_set(err, VG_EFORMAT, "'%.40s' is not an MD5 (32 hex digits)", f[1]);
        st = build_add_ignore(b, f[0], md5);
    } else {
        if (!build_name_ok(f[0]))
            return err_set(err, VG_EFORMAT, "empty signature name");
        st = build_add_ignore(b, f[0], NULL);
    }
    return st == VG_OK ? VG_OK : err_set(err, st, "%s", vg_status_str(st));
}
