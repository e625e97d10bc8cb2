/*
 * sniff.c - container kind of a layer (see sniff.h).
 *
 * Magic numbers only, at fixed offsets; text layers are checked for the
 * mail headers and HTML tags ClamAV types them by (a short list: the full
 * typing is lib/formats' job).
 */
#include "containers/sniff.h"

#include <string.h>
#include <strings.h>

static int
at(const uint8_t *buf, size_t len, size_t off, const void *magic, size_t n)
{
    return off <= len && n <= len - off && memcmp(buf + off, magic, n) == 0;
}

static int
is_text(enum ftype t)
{
    return t == FT_TEXT_ASCII || t == FT_TEXT_UTF8 || t == FT_BINARY;
}

/* Mail: a header ClamAV's magic table types as mail at offset 0. */
static int
mail_magic(const uint8_t *buf, size_t len)
{
    static const char *const hdr[] = {
        "From ", "From: ", ">From ", "Received: ", "Return-Path: ", "Return-path: ",
        "Delivered-To: ", "Message-ID: ", "Message-Id: ", "Subject: ", "To: ", "Date: ",
        "X-UIDL: ", "X-Original-To: ", "X-Envelope-From: ", "X-Apparently-To: ",
        "X-Real-To: ", "X-Sieve: ", "Envelope-to: ", "Delivery-date: ", "Received-SPF: ",
        "X-Symantec-", "X-EVS", "For: ",
    };
    for (size_t i = 0; i < sizeof(hdr) / sizeof(hdr[0]); i++)
        if (at(buf, len, 0, hdr[i], strlen(hdr[i])))
            return 1;
    return 0;
}

/* HTML: one of the tags ClamAV's type signatures look for, in the first
 * KiB. */
static int
html_magic(const uint8_t *buf, size_t len)
{
    static const char *const tag[] = {"<html", "<head>", "<script", "<iframe", "<object",
                                      "<table", "<img", "<a ", "<body"};
    size_t n = len < 1024 ? len : 1024;

    for (size_t i = 0; i < n; i++) {
        if (buf[i] != '<')
            continue;
        for (size_t k = 0; k < sizeof(tag) / sizeof(tag[0]); k++) {
            size_t tl = strlen(tag[k]);
            if (tl <= len - i && strncasecmp((const char *)buf + i, tag[k], tl) == 0)
                return 1;
        }
    }
    return 0;
}

static int
pdf_magic(const uint8_t *buf, size_t len)
{
    size_t n = len < 1024 ? len : 1024;

    for (size_t i = 0; i + 5 <= n; i++)
        if (memcmp(buf + i, "%PDF-", 5) == 0)
            return 1;
    return 0;
}

static int
tar_magic(const uint8_t *buf, size_t len)
{
    unsigned sum = 0, want = 0;
    size_t i;

    if (at(buf, len, 257, "ustar", 5))
        return 1;
    /* pre-POSIX tar: the header checksum is the only mark */
    if (len < 512)
        return 0;
    for (i = 0; i < 512; i++)
        sum += (i >= 148 && i < 156) ? ' ' : buf[i];
    for (i = 148; i < 156 && buf[i] == ' '; i++)
        ;
    if (i == 156 || buf[i] < '0' || buf[i] > '7')
        return 0;
    for (; i < 156 && buf[i] >= '0' && buf[i] <= '7'; i++)
        want = want * 8 + (unsigned)(buf[i] - '0');
    if (i < 156 && buf[i] != ' ' && buf[i] != '\0')
        return 0;
    return sum == want && buf[0] != '\0';
}

static enum ftype
magic(const uint8_t *buf, size_t len, enum ftype type)
{
    if (at(buf, len, 0, "PK\x03\x04", 4) || at(buf, len, 0, "PK\x05\x06", 4) ||
        at(buf, len, 0, "PK00PK\x03\x04", 8))
        return FT_ZIP;
    if (at(buf, len, 0, "\x1f\x8b", 2))
        return FT_GZIP;
    if (at(buf, len, 0, "BZh", 3))
        return FT_BZIP2;
    if (at(buf, len, 0, "\xfd" "7zXZ\x00", 6))
        return FT_XZ;
    if (at(buf, len, 0, "\x28\xb5\x2f\xfd", 4))
        return FT_ZSTD;
    if (at(buf, len, 0, "7z\xbc\xaf\x27\x1c", 6))
        return FT_7Z;
    if (at(buf, len, 0, "Rar!\x1a\x07", 6))
        return FT_RAR;
    if (at(buf, len, 0, "MSCF\0\0\0\0", 8))
        return FT_CAB;
    if (at(buf, len, 0, "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", 8))
        return FT_OLE2;
    if (at(buf, len, 0, "!<arch>\n", 8))
        return FT_AR;
    if (at(buf, len, 0, "\xed\xab\xee\xdb", 4))
        return FT_RPM;
    if (at(buf, len, 0, "070707", 6) || at(buf, len, 0, "070701", 6) ||
        at(buf, len, 0, "070702", 6) || at(buf, len, 0, "\xc7\x71", 2) ||
        at(buf, len, 0, "\x71\xc7", 2))
        return FT_CPIO;
    if (at(buf, len, 0x8001, "CD001", 5))
        return FT_ISO9660;
    if (tar_magic(buf, len))
        return FT_TAR;
    if (pdf_magic(buf, len))
        return FT_PDF;
    if (is_text(type) && mail_magic(buf, len))
        return FT_MAIL;
    if (is_text(type) && html_magic(buf, len))
        return FT_HTML;
    return FT_BINARY;
}

enum ftype
sniff_container(const uint8_t *buf, size_t len, enum ftype type)
{
    switch (type) {
    case FT_ZIP:
    case FT_OOXML_WORD:
    case FT_OOXML_XL:
    case FT_OOXML_PPT:
        return FT_ZIP;
    case FT_GZIP:
    case FT_BZIP2:
    case FT_XZ:
    case FT_ZSTD:
    case FT_7Z:
    case FT_RAR:
    case FT_TAR:
    case FT_CAB:
    case FT_ISO9660:
    case FT_CPIO:
    case FT_AR:
    case FT_RPM:
    case FT_OLE2:
    case FT_PDF:
    case FT_MAIL:
    case FT_HTML:
        return type;
    case FT_BINARY:
    case FT_TEXT_ASCII:
    case FT_TEXT_UTF8:
        return magic(buf, len, type);
    default:
        return FT_BINARY;
    }
}

enum ftype
sniff_parent_type(enum ftype type, enum ftype kind)
{
    return (type == FT_BINARY || type == FT_TEXT_ASCII || type == FT_TEXT_UTF8) ? kind : type;
}

const char *
sniff_tag(enum ftype kind)
{
    switch (kind) {
    case FT_ZIP: return "ZIP";
    case FT_GZIP: return "GZIP";
    case FT_BZIP2: return "BZIP2";
    case FT_XZ: return "XZ";
    case FT_ZSTD: return "ZSTD";
    case FT_7Z: return "7Z";
    case FT_RAR: return "RAR";
    case FT_TAR: return "TAR";
    case FT_CAB: return "CAB";
    case FT_ISO9660: return "ISO9660";
    case FT_CPIO: return "CPIO";
    case FT_AR: return "AR";
    case FT_RPM: return "RPM";
    case FT_OLE2: return "OLE2";
    case FT_PDF: return "PDF";
    case FT_MAIL: return "MAIL";
    case FT_HTML: return "HTML";
    default: return "DATA";
    }
}
