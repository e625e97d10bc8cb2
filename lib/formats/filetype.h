/*
 * filetype.h - what a buffer is, from its magic bytes.
 *
 * The type decides which target-typed signatures apply (ClamAV's Target
 * numbers), which container parser opens it, and what `Container:` and
 * `.cdb` rules see. Recognition follows ClamAV's built-in magic table and
 * its text heuristics closely enough that Target semantics agree.
 */
#ifndef VG_FORMATS_FILETYPE_H
#define VG_FORMATS_FILETYPE_H

#include <stddef.h>
#include <stdint.h>

enum ftype {
    FT_BINARY = 0,   /* CL_TYPE_BINARY_DATA: nothing recognised */
    FT_TEXT_ASCII,   /* CL_TYPE_TEXT_ASCII */
    FT_TEXT_UTF8,    /* CL_TYPE_TEXT_UTF8 */
    FT_TEXT_UTF16LE, /* CL_TYPE_TEXT_UTF16LE */
    FT_TEXT_UTF16BE, /* CL_TYPE_TEXT_UTF16BE */
    FT_HTML,         /* CL_TYPE_HTML */
    FT_HTML_UTF16,   /* CL_TYPE_HTML_UTF16 */
    FT_MAIL,         /* CL_TYPE_MAIL */
    FT_SCRIPT,       /* CL_TYPE_SCRIPT */
    FT_RTF,          /* CL_TYPE_RTF */
    FT_PE,           /* CL_TYPE_MSEXE */
    FT_ELF,          /* CL_TYPE_ELF */
    FT_MACHO,        /* CL_TYPE_MACHO */
    FT_MACHO_UNIBIN, /* CL_TYPE_MACHO_UNIBIN */
    FT_ZIP,          /* CL_TYPE_ZIP */
    FT_GZIP,         /* CL_TYPE_GZ */
    FT_BZIP2,        /* CL_TYPE_BZ */
    FT_XZ,           /* CL_TYPE_XZ */
    FT_ZSTD,         /* CL_TYPE_ZSTD */
    FT_7Z,           /* CL_TYPE_7Z */
    FT_RAR,          /* CL_TYPE_RAR */
    FT_TAR,          /* CL_TYPE_POSIX_TAR / CL_TYPE_OLD_TAR */
    FT_CAB,          /* CL_TYPE_MSCAB */
    FT_ISO9660,      /* CL_TYPE_ISO9660 */
    FT_CPIO,         /* CL_TYPE_CPIO_* */
    FT_AR,           /* ar / .deb: CL_TYPE_AR (vigil's own name) */
    FT_RPM,          /* CL_TYPE_RPM (vigil's own name) */
    FT_ARJ,          /* CL_TYPE_ARJ */
    FT_OLE2,         /* CL_TYPE_MSOLE2 */
    FT_PDF,          /* CL_TYPE_PDF */
    FT_SWF,          /* CL_TYPE_SWF */
    FT_JAVA,         /* CL_TYPE_JAVA */
    FT_GRAPHICS,     /* CL_TYPE_GRAPHICS (BMP, ...) */
    FT_PNG,          /* CL_TYPE_PNG */
    FT_GIF,          /* CL_TYPE_GIF */
    FT_JPEG,         /* CL_TYPE_JPEG */
    FT_TIFF,         /* CL_TYPE_TIFF */
    FT_BINHEX,       /* CL_TYPE_BINHEX */
    FT_CHM,          /* CL_TYPE_MSCHM */
    FT_SIS,          /* CL_TYPE_SIS */
    FT_SZDD,         /* CL_TYPE_MSSZDD */
    FT_TNEF,         /* CL_TYPE_TNEF */
    FT_OOXML_WORD,   /* CL_TYPE_OOXML_WORD (typed after opening the zip) */
    FT_OOXML_XL,     /* CL_TYPE_OOXML_XL */
    FT_OOXML_PPT,    /* CL_TYPE_OOXML_PPT */
    FT_IGNORED,      /* CL_TYPE_IGNORED: media that is not scanned further */
    FT_COUNT
};

/* Detect the type of a buffer (the first bytes are enough; pass the whole
 * mapping, at most the first 4 KiB are looked at except for TAR/ISO whose
 * magic sits further in). Pure: no allocation, no I/O. */
enum ftype filetype_detect(const uint8_t *buf, size_t len);

/* Short name for output ("PE", "ZIP", "TEXT"...). Static. */
const char *filetype_name(enum ftype t);

/* ClamAV's CL_TYPE_* name for the type. Static. */
const char *filetype_cltype(enum ftype t);

/* Parse a CL_TYPE_* name; returns 0 and sets *out, or -1 if unknown.
 * CL_TYPE_ANY is not a type: callers handle it. */
int filetype_from_cltype(const char *name, enum ftype *out);

/* Whether a signature with ClamAV target number `target` (0..14) applies to
 * a layer of type t in its raw form. Target 0 applies to everything; 1 PE,
 * 2 OLE2, 3 HTML, 4 mail, 5 graphics, 6 ELF, 7 ASCII text, 9 Mach-O, 10 PDF,
 * 11 SWF, 12 Java. */
int filetype_matches_target(enum ftype t, unsigned target);

/* Whether the type is text that ClamAV also scans in normalised form. */
int filetype_is_text(enum ftype t);

#endif
