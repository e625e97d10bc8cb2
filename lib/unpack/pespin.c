/*
 * pespin.c - PESpin 1.1 unpacking (see pespin.h).
 *
 * Offsets from the entry point (ep) into PESpin's section, in the order
 * they are used:
 *   0xdb  "mov ebx, key8"; 0xe0 "mov ecx, 0x11fe": 0x11fe bytes ending
 *         at 0x31e2 are xored with key8, key8 - 1, ... (from the end);
 *   0x26eb key32 and 0x26f0 the length 0x5a0 of the block at 0x2d5,
 *         xored with an LFSR (0x8c328834);
 *   0x429 the length not checksummed; 0x3217 the checksum less key;
 *   0x3207 the bitmap of sections xored with an LFSR (0xed43af31);
 *   0x644 the length 0x180 and 0x650 the key of the block at 0x28d3
 *         (LFSR 0xed43af32), which holds at 0x28dd the length 0x1a1 of
 *         the loader bytes at 0x6d4 the routine at 0x28ec decrypts;
 *   0x6f1 the bitmap of sections the routine at 0x755 decrypts;
 *   0x3061 the bitmap of compressed sections; 0x2fee the RVA where the
 *         resources' compressed part starts.
 */
#include "unpack/pespin.h"

#include <stdlib.h>
#include <string.h>

#include "unpack/aplib.h"
#include "unpack/pebuild.h"

#define MAX_ALLOC (1024u * 1024u * 1024u)

static uint32_t
get32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static int
contained(uint64_t len, uint64_t off, uint64_t n)
{
    return len > 0 && n > 0 && n <= len && off < len && n <= len - off;
}

static uint32_t
ror32(uint32_t v, uint32_t n)
{
    n &= 31;
    return n ? v >> n | v << (32 - n) : v;
}

static uint8_t
rot8(uint8_t v, unsigned n, int left)
{
    n &= 7;
    if (n == 0)
        return v;
    return left ? (uint8_t)(v << n | v >> (8 - n)) : (uint8_t)(v >> n | v << (8 - n));
}

/* The polymorphic routine: 0x24 bytes of x86 working on AL (the byte)
 * and CL (a counter), then stosb. code has 0x27 readable bytes. Returns
 * the byte; *fail on an opcode ClamAV does not know or a bad end. */
static uint8_t
exec86(uint8_t al, uint8_t cl, const uint8_t *code, int *fail)
{
    unsigned len = 0;

    *fail = 0;
    while (len < 0x24) {
        uint8_t op = code[len++];

        switch (op) {
        case 0xeb: /* jmp short: skips its operand and one more byte */
            len += 2;
            break;
        case 0x0a: /* a prefix ClamAV skips with its operand */
            len++;
            break;
        case 0x90:
        case 0xf8:
        case 0xf9:
            break;
        case 0x02: /* add al, cl */
            al = (uint8_t)(al + cl);
            len++;
            break;
        case 0x2a: /* sub al, cl */
            al = (uint8_t)(al - cl);
            len++;
            break;
        case 0x04: /* add al, imm8 */
            al = (uint8_t)(al + code[len++]);
            break;
        case 0x2c: /* sub al, imm8 */
            al = (uint8_t)(al - code[len++]);
            break;
        case 0x32: /* xor al, cl */
            al ^= cl;
            len++;
            break;
        case 0x34: /* xor al, imm8 */
            al ^= code[len++];
            break;
        case 0xfe: /* inc al / dec al */
            al = code[len] == 0xc0 ? (uint8_t)(al + 1) : (uint8_t)(al - 1);
            len++;
            break;
        case 0xc0: /* rol al, imm8 / ror al, imm8 */
            al = rot8(al, code[len + 1], code[len] == 0xc0);
            len += 2;
            break;
        default:
            *fail = 1;
            return al;
        }
    }
    if (len != 0x24 || code[len] != 0xaa)
        *fail = 1;
    return al;
}

/* ClamAV's checksum of the file's first n bytes. */
static uint32_t
summit(const uint8_t *p, uint32_t n)
{
    uint32_t eax = 0xffffffffu, ebx = 0xffffffffu;

    while (n--) {
        eax ^= (uint32_t)*p++ << 8 & 0xff00;
        eax = eax >> 3 & 0x1fffffff;
        for (int i = 0; i < 4; i++) {
            uint32_t t;

            eax ^= ebx >> 8 & 0xff;
            eax += 0x7801a108;
            eax ^= ebx;
            eax = ror32(eax, ebx & 0xff);
            t = eax;
            eax = ebx;
            ebx = t;
        }
    }
    return ebx;
}

/* Xor n bytes at p with an LFSR: shift right, xor poly when the bit
 * shifted out is (set ? 1 : 0). */
static void
lfsr(uint8_t *p, uint32_t n, uint32_t key, uint32_t poly, int set)
{
    while (n--) {
        int b = key & 1;

        key >>= 1;
        if (b == set)
            key ^= poly;
        *p++ ^= (uint8_t)key;
    }
}

/* cli_unfsg: the aPLib code from src[0..slen) into dst[0..dlen). */
static int
unfsg(const uint8_t *src, uint32_t slen, uint8_t *dst, uint32_t dlen)
{
    uint8_t *tmp;
    size_t send, dend;
    int r;

    if (slen == 0 || dlen == 0 || slen > 0x7fffffffu || dlen > 0x7fffffffu)
        return -1;
    if ((tmp = calloc(1, (size_t)slen + dlen)) == NULL)
        return -2;
    memcpy(tmp, src, slen);
    memcpy(tmp + slen, dst, dlen);
    r = aplib_decode(tmp, (size_t)slen + dlen, 0, slen, slen, dlen, &send, &dend);
    if (r == 0)
        memcpy(dst, tmp + slen, dlen);
    free(tmp);
    return r;
}

/* Undo the loader's layers in a copy of PESpin's section and read the
 * program's key; *e is the entry point's offset in the file. */
static int
loader(const struct pespin_job *j, uint64_t *e, uint32_t *key)
{
    const struct pe_sect *last = &j->sect[j->n];
    uint32_t rsz = last->rsz, len, k;
    uint64_t ep;
    uint8_t *sp, k8;
    int r = -1;

    if (last->raw > j->ssize || rsz > j->ssize - last->raw || rsz == 0)
        return -1;
    if ((sp = malloc(rsz)) == NULL)
        return -2;
    memcpy(sp, j->src + last->raw, rsz);
    ep = (uint64_t)j->nep - last->rva;
    if (!contained(rsz, ep, 0x3217 + 4))
        goto out; /* (cli_scanpe's checks keep it inside) */
    if (sp[ep + 0xdb] != 0xbb || sp[ep + 0xe0] != 0xb9 || get32(sp + ep + 0xe1) != 0x11fe)
        goto out;
    k8 = sp[ep + 0xdc];
    for (uint64_t i = ep + 0x1fe5 + 0x11fe - 1; i >= ep + 0x1fe5; i--)
        sp[i] ^= k8--;
    k = get32(sp + ep + 0x26eb);
    if (get32(sp + ep + 0x26eb + 5) != 0x5a0)
        goto out;
    lfsr(sp + ep + 0x2d5, 0x5a0, k, 0x8c328834u, 1);
    len = j->ssize - get32(sp + ep + 0x429);
    if (len >= j->ssize)
        goto out;
    *key = get32(sp + ep + 0x3217) - summit(j->src, len);
    memcpy(j->src + last->raw, sp, rsz);
    *e = (uint64_t)j->nep + last->raw - last->rva;
    r = 0;
out:
    free(sp);
    return r;
}

/* The program's sections decrypted in place: the key's LFSR, then the
 * polymorphic routine (itself decrypted first). */
static int
decrypt(const struct pespin_job *j, uint64_t e, uint32_t key)
{
    uint8_t *s = j->src;
    uint32_t bitmap, len;
    int fail;

    if (!contained(j->ssize, e + 0x3207, 4))
        return -1;
    bitmap = get32(s + e + 0x3207);
    for (uint32_t i = 0; i < j->n; i++, bitmap >>= 1) {
        if (!(bitmap & 1))
            continue;
        if (!contained(j->ssize, j->sect[i].raw, j->sect[i].rsz))
            return -1;
        lfsr(s + j->sect[i].raw, j->sect[i].rsz, key, 0xed43af31u, 0);
    }
    if (get32(s + e + 0x644) != 0x180)
        return -1;
    lfsr(s + e + 0x28d3, 0x180, get32(s + e + 0x650), 0xed43af32u, 1);
    if ((len = get32(s + e + 0x28dd)) != 0x1a1)
        return -1;
    for (uint64_t i = 0; len; i++, len--) {
        s[e + 0x6d4 + i] = exec86(s[e + 0x6d4 + i], (uint8_t)len, s + e + 0x28ec, &fail);
        if (fail)
            return -1;
    }
    bitmap = get32(s + e + 0x6f1);
    for (uint32_t i = 0; i < j->n; i++, bitmap >>= 1) {
        uint8_t *p = s + j->sect[i].raw;

        if (!(bitmap & 1))
            continue;
        if (j->sect[i].rsz && !contained(j->ssize, j->sect[i].raw, j->sect[i].rsz))
            return -1;
        for (uint32_t n = j->sect[i].rsz; n; n--, p++) {
            *p = exec86(*p, (uint8_t)n, s + e + 0x755, &fail);
            if (fail)
                return -1;
        }
    }
    return 0;
}

/* The sections as they will be rebuilt: decompressed (own[i] set) into
 * their own buffer, else pointing into the file. */
static int
grow(const struct pespin_job *j, uint64_t e, uint8_t **sects, uint8_t *own)
{
    const uint8_t *s = j->src;
    uint32_t bitmap = get32(s + e + 0x3061), res;
    uint64_t total = 0;
    int failed = 0, r;

    if (j->maxfilesize) {
        uint32_t b = bitmap;
        for (uint32_t i = 0; i < j->n; i++, b >>= 1) {
            if (!(b & 1))
                continue;
            if (total > j->maxfilesize || j->sect[i].vsz > j->maxfilesize - total)
                return -3;
            total += j->sect[i].vsz;
        }
    }
    for (uint32_t i = 0; i < j->n; i++, bitmap >>= 1) {
        if (!(bitmap & 1)) {
            sects[i] = j->src + j->sect[i].raw;
            continue;
        }
        if (j->sect[i].vsz == 0 || j->sect[i].vsz > MAX_ALLOC)
            return -1;
        if ((sects[i] = calloc(1, j->sect[i].vsz)) == NULL)
            return -2;
        own[i] = 1;
        if (!contained(j->ssize, j->sect[i].raw, j->sect[i].rsz))
            r = -1;
        else
            r = unfsg(s + j->sect[i].raw, j->sect[i].rsz, sects[i], j->sect[i].vsz);
        if (r == -2)
            return -2;
        failed |= r != 0;
    }
    if (failed)
        return -1;
    /* resources compressed from an RVA on (ClamAV keeps the sections'
       state in a 32-bit mask: sections past the 32nd are left alone) */
    if ((res = get32(s + e + 0x2fee)) != 0) {
        uint32_t i, off;

        for (i = 0; i < j->n; i++) {
            const struct pe_sect *t = &j->sect[i];
            if (t->rva <= res && res - t->rva < t->vsz && t->rsz && res - t->rva &&
                res - t->rva <= t->rsz)
                break;
        }
        if (i != j->n && i < 32 && !own[i] && contained(j->ssize, j->sect[i].raw, j->sect[i].rsz)) {
            const struct pe_sect *t = &j->sect[i];
            uint8_t *c;

            off = res - t->rva;
            if ((c = calloc(1, t->vsz)) == NULL)
                return -2;
            memcpy(c, s + t->raw, off);
            r = unfsg(s + t->raw + off, t->rsz - off, c + off, t->vsz - off);
            if (r == -2) {
                free(c);
                return -2;
            }
            if (r != 0) {
                free(c); /* left compressed, as ClamAV goes on */
            } else {
                sects[i] = c;
                own[i] = 1;
            }
        }
    }
    return 0;
}

int
pespin_unpack(const struct pespin_job *j, uint8_t **out, size_t *outlen)
{
    struct pebuild_sect *reb = NULL;
    uint8_t **sects = NULL, *blob = NULL, *own = NULL;
    uint32_t key = 0;
    uint64_t e = 0, total = 0;
    int r;

    *out = NULL;
    *outlen = 0;
    if (j->n == 0 || j->n >= PE_MAX_SECTIONS)
        return -1;
    if ((r = loader(j, &e, &key)) != 0 || (r = decrypt(j, e, key)) != 0)
        return r;
    if ((sects = calloc(j->n, sizeof(*sects))) == NULL ||
        (reb = calloc(j->n, sizeof(*reb))) == NULL || (own = calloc(j->n, 1)) == NULL) {
        r = -2;
        goto out;
    }
    if ((r = grow(j, e, sects, own)) != 0)
        goto out;
    for (uint32_t i = 0; i < j->n; i++) {
        if (!own[i] && (j->sect[i].raw > j->ssize || j->sect[i].rsz > j->ssize - j->sect[i].raw)) {
            r = -1;
            goto out;
        }
        reb[i].raw = (uint32_t)total;
        reb[i].rsz = own[i] ? j->sect[i].vsz : j->sect[i].rsz;
        reb[i].rva = j->sect[i].rva;
        reb[i].vsz = j->sect[i].vsz;
        total += reb[i].rsz;
        if (total > MAX_ALLOC) {
            r = -1;
            goto out;
        }
    }
    if (total == 0) {
        r = -1;
        goto out;
    }
    if ((blob = malloc(total)) == NULL) {
        r = -2;
        goto out;
    }
    for (uint32_t i = 0; i < j->n; i++)
        memcpy(blob + reb[i].raw, sects[i], reb[i].rsz);
    r = pebuild_write(blob, total, reb, j->n, 0x400000, 0x1000, 0, out, outlen);
out:
    if (sects && own)
        for (uint32_t i = 0; i < j->n; i++)
            if (own[i])
                free(sects[i]);
    free(own);
    free(sects);
    free(reb);
    free(blob);
    return r;
}
