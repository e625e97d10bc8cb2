/*
 * gen.c - parse and write GENERATION files.
 */
#include "update/gen.h"

#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "update/lines.h"

const struct gen_file *
gen_find(const struct generation *g, const char *name)
{
    for (size_t i = 0; i < g->n; i++) {
        if (strcmp(g->f[i].name, name) == 0)
            return &g->f[i];
    }
    return NULL;
}

vg_status
gen_add(struct generation *g, const struct gen_file *f, vg_err *err)
{
    if (!tar_name_ok(f->name) || strcmp(f->name, GEN_FILE) == 0)
        return err_set(err, VG_EINVAL, "invalid database file name '%s'", f->name);
    if (gen_find(g, f->name))
        return err_set(err, VG_EINVAL, "%s: two database files of this name", f->name);
    if (g->n == g->cap) {
        size_t ncap = g->cap ? g->cap * 2 : 16;
        struct gen_file *nf;

        if (ncap > GEN_MAX_FILES || (nf = realloc(g->f, ncap * sizeof(*nf))) == NULL)
            return err_set(err, VG_ELIMIT, "too many database files");
        g->f = nf;
        g->cap = ncap;
    }
    g->f[g->n++] = *f;
    return VG_OK;
}

void
gen_free(struct generation *g)
{
    free(g->f);
    memset(g, 0, sizeof(*g));
}

static int
token(const struct fields *fl, size_t i, char *out, size_t outsz)
{
    if (i >= fl->count || fl->n[i] == 0 || fl->n[i] >= outsz)
        return -1;
    memcpy(out, fl->f[i], fl->n[i]);
    out[fl->n[i]] = '\0';
    return 0;
}

vg_status
gen_parse(const uint8_t *buf, size_t len, struct generation *out, vg_err *err)
{
    struct lines l;
    struct fields fl;
    uint64_t v = 0;
    vg_status st;
    int step = 0, ended = 0;

    memset(out, 0, sizeof(*out));
    lines_init(&l, buf, len, GEN_FILE);
    while (!ended && (st = lines_next(&l, &fl, err)) == VG_OK) {
        struct gen_file f;

        switch (step++) {
        case 0:
            if (fl.count != 2 || !lines_is(&fl, 0, "vigil-generation") || !lines_is(&fl, 1, "1"))
                st = lines_error(&l, err, "not a generation file");
            break;
        case 1:
            if (fl.count != 2 || !lines_is(&fl, 0, "created") || lines_u64(&fl, 1, INT64_MAX, &v))
                st = lines_error(&l, err, "expected 'created <time>'");
            out->created = (int64_t)v;
            break;
        case 2:
            if (fl.count != 2 || !lines_is(&fl, 0, "manifest") || lines_u64(&fl, 1, INT64_MAX, &out->manifest_version))
                st = lines_error(&l, err, "expected 'manifest <version>'");
            break;
        default:
            if (fl.count == 1 && lines_is(&fl, 0, "end")) {
                ended = 1;
                break;
            }
            memset(&f, 0, sizeof(f));
            if (fl.count != 6 || !lines_is(&fl, 0, "file") || token(&fl, 1, f.name, sizeof(f.name)) ||
                lines_u64(&fl, 2, INT64_MAX, &f.size) || lines_hex(&fl, 3, f.sha256, 32) ||
                token(&fl, 4, f.kind, sizeof(f.kind)) || token(&fl, 5, f.key, sizeof(f.key))) {
                st = lines_error(&l, err, "expected 'file <name> <size> <sha256> <kind> <key>'");
                break;
            }
            if (gen_add(out, &f, NULL) != VG_OK)
                st = lines_error(&l, err, "bad or repeated file name");
            break;
        }
        if (st != VG_OK)
            break;
    }
    if (st == VG_OK && ended && l.off != len)
        st = err_set(err, VG_EFORMAT, "%s: data after 'end'", GEN_FILE);
    if (st == VG_OK && !ended)
        st = err_set(err, VG_EFORMAT, "%s: incomplete", GEN_FILE);
    if (st == VG_ENOENT)
        st = err_set(err, VG_EFORMAT, "%s: incomplete", GEN_FILE);
    if (st != VG_OK)
        gen_free(out);
    return st;
}

vg_status
gen_format(const struct generation *g, struct buf *out)
{
    vg_status st = buf_printf(out, "vigil-generation 1\ncreated %lld\nmanifest %llu\n", (long long)g->created,
                              (unsigned long long)g->manifest_version);

    for (size_t i = 0; i < g->n && st == VG_OK; i++) {
        char hex[65];

        lines_tohex(g->f[i].sha256, 32, hex);
        st = buf_printf(out, "file %s %llu %s %s %s\n", g->f[i].name, (unsigned long long)g->f[i].size, hex,
                        g->f[i].kind, g->f[i].key);
    }
    if (st == VG_OK)
        st = buf_printf(out, "end\n");
    return st;
}
