/*
 * mew.c - MEW 11 SE unpacking (see mew.h).
 *
 * All offsets are into the one buffer; the values read from it are
 * virtual addresses, turned into offsets by subtracting vma (image base
 * + first section's RVA) in 32-bit arithmetic, as the stub does.
 */
#include "unpack/mew.h"

#include <stdlib.h>

#include "unpack/aplib.h"
#include "unpack/mewlz.h"
#include "unpack/pebuild.h"

#define MAX_SECTIONS 96u

static uint32_t
get32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* ClamAV's CLI_ISCONTAINED for [off, off + n) in a buffer of len bytes. */
static int
contained(uint64_t len, uint64_t off, uint64_t n)
{
    return len > 0 && n > 0 && n <= len && off < len && n <= len - off;
}

static uint32_t
align_up(uint32_t o, uint32_t a)
{
    return (uint32_t)((o / a + (o % a != 0)) * a);
}

int
mew_unpack(const struct mew_job *job, uint8_t **out, size_t *outlen)
{
    struct pebuild_sect sect[MAX_SECTIONS + 1];
    uint8_t *buf = job->buf;
    uint32_t vma = job->base + job->vadd, size_sum = job->ssize + job->dsize;
    uint32_t ep, t, lesi, ledi, loc_ss, loc_ds, n = 0;
    size_t f1 = 0, f2 = 0;
    int r;

    *out = NULL;
    *outlen = 0;
    if (vma < job->base || size_sum < job->ssize)
        return -1;
    if (!contained(size_sum, job->offdiff, 12) || job->offdiff > job->ssize ||
        job->ssize - job->offdiff < 12)
        return -1;
    lesi = job->dsize + job->offdiff;
    ep = get32(buf + lesi + 4);
    t = get32(buf + lesi + 8);
    lesi += 12;
    ledi = t - vma;
    loc_ds = size_sum - ledi;
    loc_ss = job->ssize - 12 - job->offdiff;
    for (;;) {
        if (!contained(size_sum, lesi, loc_ss) || !contained(size_sum, ledi, loc_ds))
            return -1;
        if (aplib_decode(buf, size_sum, lesi, loc_ss, ledi, loc_ds, &f1, &f2) != 0)
            return -1;
        if (!contained(size_sum, f1, 4))
            return -1;
        loc_ss -= (uint32_t)(f1 + 4 - lesi);
        lesi = (uint32_t)f1 + 4;
        t = get32(buf + f1);
        ledi = t - vma;
        loc_ds = size_sum - ledi;
        if (!job->uselzma) {
            uint32_t val = align_up((uint32_t)f2, 0x1000);

            /* ClamAV would fail to rebuild more sections than this */
            if (n >= MAX_SECTIONS || (n && val < sect[n].raw))
                return -1;
            sect[0].raw = 0;
            sect[0].rva = job->vadd;
            sect[n + 1].raw = val;
            sect[n + 1].rva = val + job->vadd;
            sect[n].rsz = sect[n].vsz = n ? val - sect[n].raw : val;
            if ((uint64_t)sect[n].raw + sect[n].rsz > job->dsize)
                return -1;
        }
        n++;
        if (t == 0)
            break;
    }
    if (job->uselzma) {
        /* the stub's "push eax" says whether calls were filtered */
        if (!contained(size_sum, (uint64_t)job->uselzma + 8, 1))
            return -1;
        if (!contained(size_sum, f1 + 4, 20 + 4 + 5))
            return -1;
        if (mewlz_decode(buf, size_sum, f1 + 4, vma, buf[job->uselzma + 8] == 0x50) != 0)
            return -1;
        n = 1;
        sect[0].raw = 0;
        sect[0].rva = job->vadd;
        sect[0].rsz = sect[0].vsz = job->dsize;
    }
    r = pebuild_write(buf, size_sum, sect, n, job->base, ep - job->base, 0x1000, out, outlen);
    return r == -2 ? -2 : r;
}
