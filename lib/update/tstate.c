/*
 * tstate.c - parse and write the client's trust state.
 */
#include "update/tstate.h"

#include <string.h>

#include "core/err.h"
#include "update/lines.h"

uint32_t
tstate_clamav(const struct tstate *s, const char *db)
{
    for (size_t i = 0; i < s->nclamav; i++) {
        if (strcmp(s->clamav[i].name, db) == 0)
            return s->clamav[i].version;
    }
    return 0;
}

vg_status
tstate_set_clamav(struct tstate *s, const char *db, uint32_t version)
{
    size_t n = strlen(db);

    for (size_t i = 0; i < s->nclamav; i++) {
        if (strcmp(s->clamav[i].name, db) == 0) {
            s->clamav[i].version = version;
            return VG_OK;
        }
    }
    if (s->nclamav == TSTATE_MAX_CLAMAV || n == 0 || n >= sizeof(s->clamav[0].name))
        return VG_ELIMIT;
    memcpy(s->clamav[s->nclamav].name, db, n + 1);
    s->clamav[s->nclamav++].version = version;
    return VG_OK;
}

vg_status
tstate_parse(const uint8_t *buf, size_t len, struct tstate *out, vg_err *err)
{
    struct lines l;
    struct fields fl;
    vg_status st;
    int ended = 0;

    memset(out, 0, sizeof(*out));
    lines_init(&l, buf, len, "state");
    if ((st = lines_next(&l, &fl, err)) != VG_OK)
        return st == VG_ENOENT ? err_set(err, VG_EFORMAT, "state: empty") : st;
    if (fl.count != 2 || !lines_is(&fl, 0, "vigil-state") || !lines_is(&fl, 1, "1"))
        return lines_error(&l, err, "not a vigil state file");
    while (!ended && (st = lines_next(&l, &fl, err)) == VG_OK) {
        uint64_t v;

        if (fl.count == 1 && lines_is(&fl, 0, "end")) {
            ended = 1;
        } else if (fl.count == 3 && lines_is(&fl, 0, "manifest") && !out->have_manifest) {
            if (lines_u64(&fl, 1, INT64_MAX, &out->manifest_version) || lines_hex(&fl, 2, out->manifest_sha, 32))
                return lines_error(&l, err, "bad manifest line");
            out->have_manifest = 1;
        } else if (fl.count == 3 && lines_is(&fl, 0, "log") && out->log_n == 0) {
            if (lines_u64(&fl, 1, INT64_MAX, &out->log_n) || out->log_n == 0 || lines_hex(&fl, 2, out->log_head, 32))
                return lines_error(&l, err, "bad log line");
        } else if (fl.count == 3 && lines_is(&fl, 0, "clamav")) {
            char name[33];

            if (lines_name(&fl, 1, name, sizeof(name)) || lines_u64(&fl, 2, UINT32_MAX, &v) ||
                tstate_clamav(out, name) != 0 || tstate_set_clamav(out, name, (uint32_t)v) != VG_OK)
                return lines_error(&l, err, "bad clamav line");
        } else {
            return lines_error(&l, err, "unexpected line");
        }
    }
    if (!ended)
        return st == VG_ENOENT || st == VG_OK ? err_set(err, VG_EFORMAT, "state: incomplete (no 'end')") : st;
    if (l.off != len)
        return err_set(err, VG_EFORMAT, "state: data after 'end'");
    return VG_OK;
}

vg_status
tstate_format(const struct tstate *s, struct buf *out)
{
    vg_status st = buf_printf(out, "vigil-state 1\n");
    char hex[65];

    if (st == VG_OK && s->have_manifest) {
        lines_tohex(s->manifest_sha, 32, hex);
        st = buf_printf(out, "manifest %llu %s\n", (unsigned long long)s->manifest_version, hex);
    }
    if (st == VG_OK && s->log_n) {
        lines_tohex(s->log_head, 32, hex);
        st = buf_printf(out, "log %llu %s\n", (unsigned long long)s->log_n, hex);
    }
    for (size_t i = 0; i < s->nclamav && st == VG_OK; i++)
        st = buf_printf(out, "clamav %s %u\n", s->clamav[i].name, s->clamav[i].version);
    if (st == VG_OK)
        st = buf_printf(out, "end\n");
    return st;
}
