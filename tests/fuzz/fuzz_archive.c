/*
 * fuzz_archive.c - the libarchive-backed reader (archive.c) and the small
 * format readers (szdd, binhex, tnef, rtf, sis, arj) on hostile bytes; the
 * first byte picks the format, the rest is the container.
 */
#include "fuzz_walkctx.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const enum ftype kinds[] = {FT_GZIP, FT_BZIP2, FT_XZ, FT_ZSTD, FT_7Z, FT_RAR,
                                   FT_TAR, FT_CAB, FT_ISO9660, FT_CPIO, FT_AR, FT_RPM};

static vg_status
by_kind(struct walk *w)
{
    return archive_walk(w, w->ctype);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t nk = sizeof(kinds) / sizeof(kinds[0]);
    unsigned sel;

    if (size < 1)
        return 0;
    sel = data[0] % (nk + 6);
    if (sel < nk)
        fuzz_walk_as(data + 1, size - 1, kinds[sel], by_kind);
    else if (sel == nk)
        fuzz_walk_as(data + 1, size - 1, FT_SZDD, szdd_walk);
    else if (sel == nk + 1)
        fuzz_walk_as(data + 1, size - 1, FT_BINHEX, binhex_walk);
    else if (sel == nk + 2)
        fuzz_walk_as(data + 1, size - 1, FT_TNEF, tnef_walk);
    else if (sel == nk + 3)
        fuzz_walk_as(data + 1, size - 1, FT_RTF, rtf_walk);
    else if (sel == nk + 4)
        fuzz_walk_as(data + 1, size - 1, FT_SIS, sis_walk);
    else
        fuzz_walk_as(data + 1, size - 1, FT_ARJ, arj_walk);
    return 0;
}
