/*
 * sniff.c - container kind of a layer (see sniff.h): the layer's type
 * from lib/formats, its extra containers (zstd, ar, rpm), ISO 9660 by its
 * volume descriptor, and for text layers the type the embedded type
 * signatures end with (HTML, mail), as ClamAV re-parses them.
 */
#include "containers/sniff.h"

#include <string.h>

static int
at(const uint8_t *buf, size_t len, size_t off, const void *magic, size_t n)
{
    return off <= len && n <= len - off && memcmp(buf + off, magic, n) == 0;
}

/* Mail: a header ClamAV's magic table types as mail at offset 0. */
/* HTML: one of the tags ClamAV's type signatures look for, in the first
 * KiB. */
static int
text_layer(enum ftype t)
{
    return t == FT_TEXT_ASCII || t == FT_TEXT_UTF8 || t == FT_TEXT_UTF16LE || t == FT_TEXT_UTF16BE;
}

enum ftype
sniff_container(const uint8_t *buf, size_t len, enum ftype type)
{
    enum ftype k;

    switch (type) {
    case FT_ZIP:
    case FT_OOXML_WORD:
    case FT_OOXML_XL:
    case FT_OOXML_PPT:
    case FT_OOXML_HWP:
        return FT_ZIP;
    case FT_OLD_TAR:
        return FT_TAR;
    case FT_CPIO_ODC:
    case FT_CPIO_NEWC:
    case FT_CPIO_CRC:
        return FT_CPIO;
    case FT_HWPOLE2:
        return FT_OLE2;
    case FT_MHTML:
        return FT_MAIL;
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
    case FT_SZDD:
    case FT_BINHEX:
    case FT_TNEF:
    case FT_RTF:
    case FT_SIS:
    case FT_ARJ:
    case FT_CHM:
    case FT_NULSFT:
        return type;
    case FT_BINARY:
        if ((k = filetype_extra_container(buf, len)) != FT_BINARY)
            return k;
        /* ClamAV finds ISO 9660 inside the file; its volume descriptor sits
           at a fixed offset */
        return at(buf, len, 0x8001, "CD001", 5) ? FT_ISO9660 : FT_BINARY;
    default:
        /* ClamAV parses a text layer as HTML or mail when its type
           signatures say so (the scan's final type) */
        if (text_layer(type)) {
            enum ftype fin = FT_BINARY;
            (void)filetype_scan_embedded(buf, len, type, NULL, 0, &fin);
            if (fin == FT_HTML || fin == FT_MAIL)
                return fin;
            if ((k = filetype_extra_container(buf, len)) != FT_BINARY)
                return k;
        }
        return FT_BINARY;
    }
}

enum ftype
sniff_parent_type(enum ftype type, enum ftype kind)
{
    return (type == FT_BINARY || text_layer(type)) ? kind : type;
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
    case FT_SZDD: return "SZDD";
    case FT_BINHEX: return "BINHEX";
    case FT_TNEF: return "TNEF";
    case FT_RTF: return "RTF";
    case FT_SIS: return "SIS";
    case FT_ARJ: return "ARJ";
    case FT_CHM: return "CHM";
    case FT_NULSFT: return "NSIS";
    default: return "DATA";
    }
}
