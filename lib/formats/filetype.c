/*
 * filetype.c - a layer's type, the way ClamAV 1.4 decides it.
 *
 * filetype_detect() follows cli_filetype2() step by step, on the first
 * 1024 bytes (CL_FILE_MBUFF_SIZE):
 *
 *  1. the fixed-offset magic list (ftmagic_fixed); if nothing matches, the
 *     text heuristics (textdet_type);
 *  2. binary data: the tar header checksum (is_tar) gives OLD_TAR, or
 *     POSIX_TAR for GNU "ustar  " headers (POSIX "ustar" at 257 is already
 *     magic);
 *  3. ZIP: the names in the first three local headers found (looking past
 *     1024 bytes if needed) give OOXML Word/Excel/PowerPoint/HWP; if they
 *     only look like Office, the central directory decides;
 *  4. text or binary data: the type signatures run over the buffer
 *     (ftmagic_scan); whatever wins by ClamAV's priority rule becomes the
 *     type, unless it is an SFX archive: HTML tags, mail headers, an embedded PE ("MZ" ... "PE\0\0"),
 *     SFX archives, "%PDF-x." anywhere in the first 1 KiB, Office 2003 XML,
 *     MBR, Mach-O fat / Java class, ...;
 *  5. otherwise the buffer read as UTF-16LE pairs (cli_utf16toascii) and,
 *     when a UTF-16/UCS-4 byte-order mark or "<?" is seen, converted as
 *     that encoding: HTML tags there give HTML_UTF16 resp. HTML.
 *
 * Left out, on purpose or for lack of use:
 *  - daily.ftm: only the built-in table is known. A database's .ftm entries
 *    would add or override types (vigil does not load .ftm).
 *  - The central-directory walk of ClamAV's OOXML fallback follows the
 *    0.103 code (unzip_search); 1.4 reworked its edge checks, so ZIPs with
 *    a truncated central directory may type differently.
 *  - Step 5's conversion is done here instead of by iconv; invalid
 *    sequences resynchronise like ClamAV's loop (one raw byte), but
 *    iconv's handling of exotic UCS-4 byte orders is approximated.
 *  - Partition typing (CL_TYPE_PART_*) and the MBR/GPT re-check that
 *    ClamAV does only for fixed-magic MBR entries (none are built in).
 *
 * Types found inside a layer (SFX archives, ISO 9660 at 32 KiB, DMG at the
 * end, HTML beyond the first 1 KiB...) come from filetype_scan_embedded(),
 * which runs the same signatures over the whole layer as ClamAV's raw scan.
 */
#include "formats/filetype.h"

#include <string.h>

#include "formats/ftmagic.h"
#include "formats/textdet.h"

#define MBUFF_SIZE 1024  /* CL_FILE_MBUFF_SIZE */
#define ZIP_LHDR 30      /* SIZEOF_LOCAL_HEADER */
#define OOXML_MAXLEN 22  /* longest name in ooxml_names */
#define ZIP_REMAP 1028   /* MAGIC_BUFFER_SIZE: ClamAV's window when looking further */

/* ---- tar ------------------------------------------------------------------ */

/* ClamAV's from_oct(): octal digits after spaces, ending in NUL or space;
 * -1 if the field is blank or ends in something else. */
static long
tar_octal(const uint8_t *p, int digs)
{
    long v = 0;

    while (*p == ' ' || (*p >= '\t' && *p <= '\r')) {
        p++;
        if (--digs <= 0)
            return -1;
    }
    while (digs > 0 && *p >= '0' && *p <= '7') {
        v = (v << 3) | (*p++ - '0');
        --digs;
    }
    if (digs > 0 && *p && !(*p == ' ' || (*p >= '\t' && *p <= '\r')))
        return -1;
    return v;
}

/* is_tar(): 0 no, 1 old tar, 2 GNU "ustar  " header. The checksum covers
 * the 512-byte header with its own field counted as spaces. */
static int
is_tar(const uint8_t *b, size_t len)
{
    long sum = 0, rec;
    size_t n;

    if (len < 512)
        return 0;
    rec = tar_octal(b + 148, 8);
    for (size_t i = 0; i < 512; i++)
        sum += b[i];
    for (size_t i = 148; i < 156; i++)
        sum -= b[i];
    sum += ' ' * 8;
    if (sum != rec)
        return 0;
    /* strcmp(magic, "ustar  "): the field may run on into uname. */
    for (n = 257; n < 512 && b[n] != 0; n++)
        ;
    if (n - 257 == 7 && memcmp(b + 257, "ustar  ", 7) == 0)
        return 2;
    return 1;
}

/* ---- OOXML ---------------------------------------------------------------- */

static const struct {
    const char *name;
    size_t len;
    enum ftype type; /* FT_ZIP: "looks like Office", not decisive */
} ooxml_names[] = {
    {"xl/", 3, FT_OOXML_XL},
    {"ppt/", 4, FT_OOXML_PPT},
    {"word/", 5, FT_OOXML_WORD},
    {"BinData", 7, FT_ZIP},
    {"mimetype", 8, FT_ZIP},
    {"Contents", 8, FT_ZIP},
    {"docProps/", 9, FT_ZIP},
    {"customXml/", 10, FT_ZIP},
    {"version.xml", 11, FT_ZIP},
    {"settings.xml", 12, FT_ZIP},
    {"_.rels/.rels", 12, FT_ZIP}, /* sic: ClamAV's table has this spelling */
    {"[ContentTypes].xml", 18, FT_ZIP},
    {"[Content_Types].xml", 19, FT_ZIP},
    {"Preview/PrvText.txt", 19, FT_ZIP},
    {"Contents/content.hpf", 20, FT_OOXML_HWP},
    {"META-INF/container.xml", 22, FT_ZIP},
};

/* The first occurrence of "PK\3\4" in [p, p + n), or NULL. */
static const uint8_t *
find_lhdr(const uint8_t *p, size_t n)
{
    while (n >= 4) {
        const uint8_t *q = memchr(p, 'P', n - 3);

        if (q == NULL)
            return NULL;
        if (q[1] == 'K' && q[2] == 3 && q[3] == 4)
            return q;
        n -= (size_t)(q - p) + 1;
        p = q + 1;
    }
    return NULL;
}

static uint32_t
le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* cli_ooxml_filetype(): the first central-directory entry whose name starts
 * with "xl/", "ppt/" or "word/", or is "Contents/content.hpf", decides.
 * The directory is found by the end record nearest the end of the file
 * (ClamAV's unzip_search; offsets are 32-bit, a directory at offset 0 is
 * "not found"). */
static enum ftype
ooxml_central(const uint8_t *buf, size_t len)
{
    static const struct {
        const char *name;
        size_t n;
        enum ftype type;
    } req[] = {
        {"xl/", 3, FT_OOXML_XL},
        {"ppt/", 4, FT_OOXML_PPT},
        {"word/", 5, FT_OOXML_WORD},
        {"Contents/content.hpf", 22, FT_OOXML_HWP},
    };
    size_t coff = 0;

    if (len < 46 || len > UINT32_MAX)
        return FT_ZIP;
    for (size_t c = len - 22; c > 0; c--) {
        uint32_t cd;

        if (le32(buf + c) != 0x06054b50)
            continue;
        cd = le32(buf + c + 16);
        if (cd < len && 46 <= len - cd) {
            coff = cd;
            break;
        }
    }
    while (coff != 0) {
        char name[1024];
        size_t flen, elen, clen, n;
        int last = 0;

        if (46 > len - coff || le32(buf + coff) != 0x02014b50)
            break;
        flen = (size_t)(buf[coff + 28] | buf[coff + 29] << 8);
        elen = (size_t)(buf[coff + 30] | buf[coff + 31] << 8);
        clen = (size_t)(buf[coff + 32] | buf[coff + 33] << 8);
        coff += 46;
        if (len - coff <= flen)
            break;
        n = flen < sizeof(name) ? flen : sizeof(name) - 1;
        memcpy(name, buf + coff, n);
        name[n] = '\0';
        coff += flen;
        if (len - coff <= elen)
            last = 1;
        coff += elen;
        if (!last && len - coff < clen)
            last = 1;
        coff += clen;
        if (last)
            break;
        for (size_t i = 0; i < sizeof(req) / sizeof(req[0]); i++)
            if (strncmp(req[i].name, name, req[i].n) == 0)
                return req[i].type;
    }
    return FT_ZIP;
}

/* The OOXML peek of cli_filetype2: walk the local headers found by their
 * magic (not by sizes), in windows of the file like ClamAV does. */
static enum ftype
ooxml_peek(const uint8_t *buf, size_t len, size_t bread)
{
    const uint8_t *zbuff = buf, *znamep = buf;
    size_t zread = bread, zoff = bread;
    long long zlen = (long long)bread;
    int lhc = 0, likely = 0;

    for (int zi = 0; zi < 32; zi++) {
        znamep = zlen > 0 ? find_lhdr(znamep, (size_t)zlen) : NULL;
        if (znamep != NULL) {
            znamep += ZIP_LHDR;
            zlen = (long long)zread - (long long)(znamep - zbuff);
            if (zlen > OOXML_MAXLEN) {
                for (size_t i = 0; i < sizeof(ooxml_names) / sizeof(ooxml_names[0]); i++) {
                    if (memcmp(znamep, ooxml_names[i].name, ooxml_names[i].len) != 0)
                        continue;
                    if (ooxml_names[i].type != FT_ZIP)
                        return ooxml_names[i].type;
                    likely = 1;
                }
                if (++lhc > 2)
                    return likely ? ooxml_central(buf, len) : FT_ZIP;
            } else {
                znamep = NULL;
            }
        }
        if (znamep == NULL) {
            if (len - zoff <= ZIP_LHDR)
                break;
            zoff -= ZIP_LHDR + OOXML_MAXLEN + 1;
            zread = len - zoff < ZIP_REMAP ? len - zoff : ZIP_REMAP;
            zbuff = buf + zoff;
            zoff += zread;
            znamep = zbuff;
            zlen = (long long)zread;
        }
    }
    return FT_ZIP;
}

/* ---- HTML in UTF-16 ------------------------------------------------------- */

/* Whether the type signatures over b[0..n) end with HTML. */
static int
html_sig(const uint8_t *b, size_t n)
{
    struct ftmagic_scan s;

    memset(&s, 0, sizeof(s));
    s.layer = FT_BINARY;
    ftmagic_scan(b, n, &s);
    return s.found && s.type == FT_HTML;
}

/* cli_utf16toascii: each byte pair (lo, hi) becomes (hi << 4) + lo. */
static size_t
utf16_pairs(const uint8_t *b, size_t n, uint8_t *out)
{
    size_t j = 0;

    for (size_t i = 0; i + 1 < n; i += 2)
        out[j++] = (uint8_t)((b[i + 1] << 4) + b[i]);
    return j;
}

enum enc { ENC_NONE, ENC_UTF16LE, ENC_UTF16BE, ENC_UCS4LE, ENC_UCS4BE };

/* encoding_detect_bom(): the multi-byte encodings ClamAV recognises from a
 * byte-order mark or from "<?" / "<" spelt in them. glibc reads ClamAV's
 * "UCS4" and "UCS-4" as big-endian UCS-4. */
static enum enc
detect_bom(const uint8_t *b, size_t n)
{
    if (n < 4)
        return ENC_NONE;
    switch (b[0]) {
    case 0x00:
        if (b[1] == 0x00) {
            if ((b[2] == 0xfe && b[3] == 0xff) || (b[2] == 0xff && b[3] == 0xfe) ||
                (b[2] == 0x00 && b[3] == 0x3c) || (b[2] == 0x3c && b[3] == 0x00))
                return ENC_UCS4BE;
        } else if (b[1] == 0x3c && b[2] == 0x00) {
            if (b[3] == 0x00)
                return ENC_UCS4BE;
            if (b[3] == 0x3f)
                return ENC_UTF16BE;
        }
        return ENC_NONE;
    case 0xff:
        if (b[1] == 0xfe)
            return b[2] == 0 && b[3] == 0 ? ENC_UCS4LE : ENC_UTF16LE;
        return ENC_NONE;
    case 0xfe:
        if (b[1] == 0xff)
            return b[2] == 0 && b[3] == 0 ? ENC_UCS4BE : ENC_UTF16BE;
        return ENC_NONE;
    case 0x3c:
        if (b[1] == 0x00 && b[2] == 0x00 && b[3] == 0x00)
            return ENC_UCS4LE;
        if (b[1] == 0x00 && b[2] == 0x3f && b[3] == 0x00)
            return ENC_UTF16LE;
        return ENC_NONE;
    default:
        return ENC_NONE;
    }
}

/* Append one UTF-16BE code unit as encoding_normalize_toascii() folds it:
 * (hi << 4) + lo, NULs dropped. */
static void
put_unit(uint8_t *out, size_t *j, unsigned u)
{
    uint8_t c = (uint8_t)(((u >> 8) << 4) + (u & 0xff));

    if (c != 0)
        out[(*j)++] = c;
}

/* encoding_normalize_toascii(): convert to UTF-16BE (iconv) and fold each
 * unit to one byte. The input is cut to a multiple of 4 bytes; where the
 * converter fails, ClamAV emits the raw byte and resumes one byte later. */
static size_t
bom_to_ascii(const uint8_t *b, size_t n, enum enc e, uint8_t *out)
{
    size_t i = 0, j = 0, end = n - n % 4;
    int w = (e == ENC_UCS4LE || e == ENC_UCS4BE) ? 4 : 2;

    while (i < end) {
        uint32_t u, lo;

        if (end - i < (size_t)w)
            goto raw;
        if (w == 2) {
            u = e == ENC_UTF16LE ? (uint32_t)(b[i] | b[i + 1] << 8)
                                 : (uint32_t)(b[i] << 8 | b[i + 1]);
            if (u >= 0xdc00 && u < 0xe000)
                goto raw;
            if (u >= 0xd800 && u < 0xdc00) {
                if (end - i < 4)
                    goto raw;
                lo = e == ENC_UTF16LE ? (uint32_t)(b[i + 2] | b[i + 3] << 8)
                                      : (uint32_t)(b[i + 2] << 8 | b[i + 3]);
                if (lo < 0xdc00 || lo >= 0xe000)
                    goto raw;
                put_unit(out, &j, u);
                put_unit(out, &j, lo);
                i += 4;
                continue;
            }
            put_unit(out, &j, u);
            i += 2;
            continue;
        }
        u = e == ENC_UCS4LE ? (uint32_t)b[i] | (uint32_t)b[i + 1] << 8 |
                                  (uint32_t)b[i + 2] << 16 | (uint32_t)b[i + 3] << 24
                            : (uint32_t)b[i] << 24 | (uint32_t)b[i + 1] << 16 |
                                  (uint32_t)b[i + 2] << 8 | (uint32_t)b[i + 3];
        if (u > 0x10ffff || (u >= 0xd800 && u < 0xe000))
            goto raw;
        if (u >= 0x10000) {
            put_unit(out, &j, 0xd800 + ((u - 0x10000) >> 10));
            put_unit(out, &j, 0xdc00 + ((u - 0x10000) & 0x3ff));
        } else {
            put_unit(out, &j, u);
        }
        i += 4;
        continue;
    raw:
        put_unit(out, &j, b[i]);
        i++;
    }
    return j;
}

/* ---- detection -------------------------------------------------------------- */

static int
is_sfx(enum ftype t)
{
    return t == FT_ZIPSFX || t == FT_RARSFX || t == FT_7ZSFX || t == FT_CABSFX ||
           t == FT_ARJSFX || t == FT_EGGSFX;
}

static int
text_or_binary(enum ftype t)
{
    return t == FT_TEXT_ASCII || t == FT_TEXT_UTF8 || t == FT_TEXT_UTF16LE ||
           t == FT_TEXT_UTF16BE || t == FT_BINARY;
}

enum ftype
filetype_detect(const uint8_t *buf, size_t len)
{
    size_t n = len < MBUFF_SIZE ? len : MBUFF_SIZE;
    uint8_t dec[2 * MBUFF_SIZE + 2];
    struct ftmagic_scan s;
    enum ftype t;
    enum enc e;

    if (ftmagic_fixed(buf, n, &t) != 0)
        t = textdet_type(buf, n);
    if (t == FT_BINARY) {
        int tar = is_tar(buf, n);

        if (tar == 1)
            return FT_OLD_TAR;
        if (tar == 2)
            return FT_TAR;
    } else if (t == FT_ZIP && n > 2 * (ZIP_LHDR + 5)) {
        return ooxml_peek(buf, len, n);
    }
    if (!text_or_binary(t))
        return t;

    memset(&s, 0, sizeof(s));
    s.layer = t;
    ftmagic_scan(buf, n, &s);
    /* An SFX archive found this early is no type for the file itself
     * (ClamAV skips CL_TYPE_ZIPSFX..CL_TYPE_EGGSFX here). */
    if (s.found && !is_sfx(s.type))
        return s.type;
    if (n >= 2 && html_sig(dec, utf16_pairs(buf, n, dec)))
        return FT_HTML_UTF16;
    if ((e = detect_bom(buf, n)) != ENC_NONE && html_sig(dec, bom_to_ascii(buf, n, e, dec)))
        return FT_HTML;
    return t;
}

enum ftype
filetype_extra_container(const uint8_t *buf, size_t len)
{
    if (len >= 4 && memcmp(buf, "\x28\xb5\x2f\xfd", 4) == 0)
        return FT_ZSTD;
    if (len >= 8 && memcmp(buf, "!<arch>\n", 8) == 0)
        return FT_AR;
    if (len >= 4 && memcmp(buf, "\xed\xab\xee\xdb", 4) == 0)
        return FT_RPM;
    return FT_BINARY;
}

size_t
filetype_scan_embedded(const uint8_t *buf, size_t len, enum ftype layer,
                       struct ft_embedded *out, size_t cap, enum ftype *final)
{
    struct ftmagic_scan s;

    memset(&s, 0, sizeof(s));
    s.with_eof = 1;
    s.layer = layer;
    s.rec = out;
    s.cap = out != NULL ? cap : 0;
    ftmagic_scan(buf, len, &s);
    if (final != NULL)
        *final = s.found ? s.type : FT_BINARY;
    return s.nrec;
}

/* ---- names -------------------------------------------------------------------- */

static const struct {
    const char *name;
    const char *cltype;
    int clam; /* a name ClamAV 1.4 accepts */
} info[FT_COUNT] = {
    [FT_BINARY] = {"BINARY", "CL_TYPE_BINARY_DATA", 1},
    [FT_TEXT_ASCII] = {"TEXT", "CL_TYPE_TEXT_ASCII", 1},
    [FT_TEXT_UTF8] = {"TEXT-UTF8", "CL_TYPE_TEXT_UTF8", 1},
    [FT_TEXT_UTF16LE] = {"TEXT-UTF16LE", "CL_TYPE_TEXT_UTF16LE", 1},
    [FT_TEXT_UTF16BE] = {"TEXT-UTF16BE", "CL_TYPE_TEXT_UTF16BE", 1},
    [FT_HTML] = {"HTML", "CL_TYPE_HTML", 1},
    [FT_HTML_UTF16] = {"HTML-UTF16", "CL_TYPE_HTML_UTF16", 1},
    [FT_MAIL] = {"MAIL", "CL_TYPE_MAIL", 1},
    [FT_SCRIPT] = {"SCRIPT", "CL_TYPE_SCRIPT", 1},
    [FT_RTF] = {"RTF", "CL_TYPE_RTF", 1},
    [FT_PE] = {"PE", "CL_TYPE_MSEXE", 1},
    [FT_ELF] = {"ELF", "CL_TYPE_ELF", 1},
    [FT_MACHO] = {"MACH-O", "CL_TYPE_MACHO", 1},
    [FT_MACHO_UNIBIN] = {"MACH-O-FAT", "CL_TYPE_MACHO_UNIBIN", 1},
    [FT_ZIP] = {"ZIP", "CL_TYPE_ZIP", 1},
    [FT_GZIP] = {"GZIP", "CL_TYPE_GZ", 1},
    [FT_BZIP2] = {"BZIP2", "CL_TYPE_BZ", 1},
    [FT_XZ] = {"XZ", "CL_TYPE_XZ", 1},
    [FT_ZSTD] = {"ZSTD", "CL_TYPE_ZSTD", 0},
    [FT_7Z] = {"7Z", "CL_TYPE_7Z", 1},
    [FT_RAR] = {"RAR", "CL_TYPE_RAR", 1},
    [FT_TAR] = {"TAR", "CL_TYPE_POSIX_TAR", 1},
    [FT_CAB] = {"CAB", "CL_TYPE_MSCAB", 1},
    [FT_ISO9660] = {"ISO9660", "CL_TYPE_ISO9660", 1},
    [FT_CPIO] = {"CPIO", "CL_TYPE_CPIO_OLD", 1},
    [FT_AR] = {"AR", "CL_TYPE_AR", 0},
    [FT_RPM] = {"RPM", "CL_TYPE_RPM", 0},
    [FT_ARJ] = {"ARJ", "CL_TYPE_ARJ", 1},
    [FT_OLE2] = {"OLE2", "CL_TYPE_MSOLE2", 1},
    [FT_PDF] = {"PDF", "CL_TYPE_PDF", 1},
    [FT_SWF] = {"SWF", "CL_TYPE_SWF", 1},
    [FT_JAVA] = {"JAVA", "CL_TYPE_JAVA", 1},
    [FT_GRAPHICS] = {"GRAPHICS", "CL_TYPE_GRAPHICS", 1},
    [FT_PNG] = {"PNG", "CL_TYPE_PNG", 1},
    [FT_GIF] = {"GIF", "CL_TYPE_GIF", 1},
    [FT_JPEG] = {"JPEG", "CL_TYPE_JPEG", 1},
    [FT_TIFF] = {"TIFF", "CL_TYPE_TIFF", 1},
    [FT_BINHEX] = {"BINHEX", "CL_TYPE_BINHEX", 1},
    [FT_CHM] = {"CHM", "CL_TYPE_MSCHM", 1},
    [FT_SIS] = {"SIS", "CL_TYPE_SIS", 1},
    [FT_SZDD] = {"SZDD", "CL_TYPE_MSSZDD", 1},
    [FT_TNEF] = {"TNEF", "CL_TYPE_TNEF", 1},
    [FT_OOXML_WORD] = {"OOXML-WORD", "CL_TYPE_OOXML_WORD", 1},
    [FT_OOXML_XL] = {"OOXML-XL", "CL_TYPE_OOXML_XL", 1},
    [FT_OOXML_PPT] = {"OOXML-PPT", "CL_TYPE_OOXML_PPT", 1},
    [FT_IGNORED] = {"IGNORED", "CL_TYPE_IGNORED", 1},
    [FT_OLD_TAR] = {"TAR-OLD", "CL_TYPE_OLD_TAR", 1},
    [FT_CPIO_ODC] = {"CPIO-ODC", "CL_TYPE_CPIO_ODC", 1},
    [FT_CPIO_NEWC] = {"CPIO-NEWC", "CL_TYPE_CPIO_NEWC", 1},
    [FT_CPIO_CRC] = {"CPIO-CRC", "CL_TYPE_CPIO_CRC", 1},
    [FT_SFX] = {"SFX", "CL_TYPE_SFX", 1},
    [FT_ZIPSFX] = {"ZIP-SFX", "CL_TYPE_ZIPSFX", 1},
    [FT_RARSFX] = {"RAR-SFX", "CL_TYPE_RARSFX", 1},
    [FT_CABSFX] = {"CAB-SFX", "CL_TYPE_CABSFX", 1},
    [FT_ARJSFX] = {"ARJ-SFX", "CL_TYPE_ARJSFX", 1},
    [FT_7ZSFX] = {"7Z-SFX", "CL_TYPE_7ZSFX", 1},
    [FT_EGGSFX] = {"EGG-SFX", "CL_TYPE_EGGSFX", 1},
    [FT_NULSFT] = {"NSIS", "CL_TYPE_NULSFT", 1},
    [FT_AUTOIT] = {"AUTOIT", "CL_TYPE_AUTOIT", 1},
    [FT_ISHIELD_MSI] = {"ISHIELD-MSI", "CL_TYPE_ISHIELD_MSI", 1},
    [FT_SCRENC] = {"SCRENC", "CL_TYPE_SCRENC", 1},
    [FT_UUENCODED] = {"UUENCODED", "CL_TYPE_UUENCODED", 1},
    [FT_RIFF] = {"RIFF", "CL_TYPE_RIFF", 1},
    [FT_CRYPTFF] = {"CRYPTFF", "CL_TYPE_CRYPTFF", 1},
    [FT_PS] = {"POSTSCRIPT", "CL_TYPE_PS", 1},
    [FT_MHTML] = {"MHTML", "CL_TYPE_MHTML", 1},
    [FT_XDP] = {"XDP", "CL_TYPE_XDP", 1},
    [FT_XML_WORD] = {"XML-WORD", "CL_TYPE_XML_WORD", 1},
    [FT_XML_XL] = {"XML-XL", "CL_TYPE_XML_XL", 1},
    [FT_XML_HWP] = {"XML-HWP", "CL_TYPE_XML_HWP", 1},
    [FT_HWP3] = {"HWP3", "CL_TYPE_HWP3", 1},
    [FT_HWPOLE2] = {"HWP-OLE2", "CL_TYPE_HWPOLE2", 1},
    [FT_OOXML_HWP] = {"OOXML-HWP", "CL_TYPE_OOXML_HWP", 1},
    [FT_MBR] = {"MBR", "CL_TYPE_MBR", 1},
    [FT_GPT] = {"GPT", "CL_TYPE_GPT", 1},
    [FT_APM] = {"APM", "CL_TYPE_APM", 1},
    [FT_DMG] = {"DMG", "CL_TYPE_DMG", 1},
    [FT_UDF] = {"UDF", "CL_TYPE_UDF", 1},
    [FT_XAR] = {"XAR", "CL_TYPE_XAR", 1},
    [FT_LNK] = {"LNK", "CL_TYPE_LNK", 1},
    [FT_EGG] = {"EGG", "CL_TYPE_EGG", 1},
    [FT_ALZ] = {"ALZ", "CL_TYPE_ALZ", 1},
    [FT_ONENOTE] = {"ONENOTE", "CL_TYPE_ONENOTE", 1},
    [FT_PYTHON_COMPILED] = {"PYC", "CL_TYPE_PYTHON_COMPILED", 1},
    [FT_LHA_LZH] = {"LHA", "CL_TYPE_LHA_LZH", 1},
    [FT_INTERNAL] = {"INTERNAL", "CL_TYPE_INTERNAL", 1},
    [FT_PART_ANY] = {"PARTITION", "CL_TYPE_PART_ANY", 1},
    [FT_PART_HFSPLUS] = {"HFS+", "CL_TYPE_PART_HFSPLUS", 1},
};

const char *
filetype_name(enum ftype t)
{
    return (unsigned)t < FT_COUNT && info[t].name != NULL ? info[t].name : "UNKNOWN";
}

const char *
filetype_cltype(enum ftype t)
{
    return (unsigned)t < FT_COUNT && info[t].cltype != NULL ? info[t].cltype
                                                           : "CL_TYPE_BINARY_DATA";
}

int
filetype_from_cltype(const char *name, enum ftype *out)
{
    if (name == NULL)
        return -1;
    for (unsigned t = 0; t < FT_COUNT; t++) {
        if (info[t].clam && info[t].cltype != NULL && strcmp(info[t].cltype, name) == 0) {
            *out = (enum ftype)t;
            return 0;
        }
    }
    return -1;
}

/* ---- targets --------------------------------------------------------------------- */

int
filetype_matches_target(enum ftype t, unsigned target)
{
    switch (target) {
    case 0:
        return 1;
    case 1:
        return t == FT_PE;
    case 2:
        return t == FT_OLE2;
    case 3:
        return t == FT_HTML;
    case 4:
        return t == FT_MAIL;
    case 5:
        return t == FT_GRAPHICS || t == FT_GIF || t == FT_PNG || t == FT_JPEG || t == FT_TIFF;
    case 6:
        return t == FT_ELF;
    case 9:
        return t == FT_MACHO || t == FT_MACHO_UNIBIN;
    case 10:
        return t == FT_PDF;
    case 11:
        return t == FT_SWF;
    case 12:
        return t == FT_JAVA;
    case 13:
        return t == FT_INTERNAL;
    case 14:
        return t == FT_BINARY;
    default: /* 7: only normalised text; 8: unused */
        return 0;
    }
}

int
filetype_is_text(enum ftype t)
{
    return t == FT_TEXT_ASCII || t == FT_TEXT_UTF8 || t == FT_TEXT_UTF16LE ||
           t == FT_TEXT_UTF16BE || t == FT_SCRIPT;
}
