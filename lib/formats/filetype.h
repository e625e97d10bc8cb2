/*
 * filetype.h - what a buffer is, from its magic bytes.
 *
 * The type decides which target-typed signatures apply (ClamAV's Target
 * numbers), which container parser opens it, and what `Container:` and
 * `.cdb` rules see. Recognition reproduces ClamAV 1.4's cli_filetype2()
 * with its built-in magic table (no daily.ftm): the fixed-offset magic
 * list, the text heuristics of textdet.c, the tar checksum, the OOXML
 * peek into ZIP local headers, and the on-the-fly type signatures
 * (HTML tags, mail headers, embedded PE/SFX, PDF...) over the first
 * 1024 bytes, including their priority rule. filetype.c has the details
 * and lists what is left out.
 */
#ifndef VG_FORMATS_FILETYPE_H
#define VG_FORMATS_FILETYPE_H

#include <stddef.h>
#include <stdint.h>

enum ftype {
    FT_BINARY = 0,   /* CL_TYPE_BINARY_DATA: nothing recognised */
    FT_TEXT_ASCII,   /* CL_TYPE_TEXT_ASCII (ClamAV also gives this to UTF-8 text) */
    FT_TEXT_UTF8,    /* CL_TYPE_TEXT_UTF8 (never produced by ClamAV 1.4's heuristics) */
    FT_TEXT_UTF16LE, /* CL_TYPE_TEXT_UTF16LE */
    FT_TEXT_UTF16BE, /* CL_TYPE_TEXT_UTF16BE (also most random binary data) */
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
    FT_ZSTD,         /* CL_TYPE_ZSTD (ClamAV 1.6; only from filetype_extra_container) */
    FT_7Z,           /* CL_TYPE_7Z */
    FT_RAR,          /* CL_TYPE_RAR */
    FT_TAR,          /* CL_TYPE_POSIX_TAR ("ustar" at 257) */
    FT_CAB,          /* CL_TYPE_MSCAB */
    FT_ISO9660,      /* CL_TYPE_ISO9660 (found inside the file, see filetype_scan_embedded) */
    FT_CPIO,         /* CL_TYPE_CPIO_OLD (binary, either byte order) */
    FT_AR,           /* ar / .deb: CL_TYPE_AR (vigil's own name; filetype_extra_container) */
    FT_RPM,          /* CL_TYPE_RPM (vigil's own name; filetype_extra_container) */
    FT_ARJ,          /* CL_TYPE_ARJ */
    FT_OLE2,         /* CL_TYPE_MSOLE2 */
    FT_PDF,          /* CL_TYPE_PDF */
    FT_SWF,          /* CL_TYPE_SWF */
    FT_JAVA,         /* CL_TYPE_JAVA */
    FT_GRAPHICS,     /* CL_TYPE_GRAPHICS (BMP, JPEG 2000) */
    FT_PNG,          /* CL_TYPE_PNG */
    FT_GIF,          /* CL_TYPE_GIF */
    FT_JPEG,         /* CL_TYPE_JPEG */
    FT_TIFF,         /* CL_TYPE_TIFF */
    FT_BINHEX,       /* CL_TYPE_BINHEX */
    FT_CHM,          /* CL_TYPE_MSCHM */
    FT_SIS,          /* CL_TYPE_SIS */
    FT_SZDD,         /* CL_TYPE_MSSZDD */
    FT_TNEF,         /* CL_TYPE_TNEF */
    FT_OOXML_WORD,   /* CL_TYPE_OOXML_WORD */
    FT_OOXML_XL,     /* CL_TYPE_OOXML_XL */
    FT_OOXML_PPT,    /* CL_TYPE_OOXML_PPT */
    FT_IGNORED,      /* CL_TYPE_IGNORED: media that is not scanned further */
    /* Added with the ClamAV 1.4 table; every CL_TYPE_* name of 1.4 maps to one. */
    FT_OLD_TAR,      /* CL_TYPE_OLD_TAR (pre-POSIX tar, by header checksum) */
    FT_CPIO_ODC,     /* CL_TYPE_CPIO_ODC */
    FT_CPIO_NEWC,    /* CL_TYPE_CPIO_NEWC */
    FT_CPIO_CRC,     /* CL_TYPE_CPIO_CRC */
    FT_SFX,          /* CL_TYPE_SFX (a marker, never detected) */
    FT_ZIPSFX,       /* CL_TYPE_ZIPSFX */
    FT_RARSFX,       /* CL_TYPE_RARSFX */
    FT_CABSFX,       /* CL_TYPE_CABSFX */
    FT_ARJSFX,       /* CL_TYPE_ARJSFX */
    FT_7ZSFX,        /* CL_TYPE_7ZSFX */
    FT_EGGSFX,       /* CL_TYPE_EGGSFX */
    FT_NULSFT,       /* CL_TYPE_NULSFT (NSIS) */
    FT_AUTOIT,       /* CL_TYPE_AUTOIT */
    FT_ISHIELD_MSI,  /* CL_TYPE_ISHIELD_MSI */
    FT_SCRENC,       /* CL_TYPE_SCRENC */
    FT_UUENCODED,    /* CL_TYPE_UUENCODED */
    FT_RIFF,         /* CL_TYPE_RIFF */
    FT_CRYPTFF,      /* CL_TYPE_CRYPTFF */
    FT_PS,           /* CL_TYPE_PS */
    FT_MHTML,        /* CL_TYPE_MHTML */
    FT_XDP,          /* CL_TYPE_XDP */
    FT_XML_WORD,     /* CL_TYPE_XML_WORD */
    FT_XML_XL,       /* CL_TYPE_XML_XL */
    FT_XML_HWP,      /* CL_TYPE_XML_HWP */
    FT_HWP3,         /* CL_TYPE_HWP3 */
    FT_HWPOLE2,      /* CL_TYPE_HWPOLE2 */
    FT_OOXML_HWP,    /* CL_TYPE_OOXML_HWP */
    FT_MBR,          /* CL_TYPE_MBR */
    FT_GPT,          /* CL_TYPE_GPT */
    FT_APM,          /* CL_TYPE_APM */
    FT_DMG,          /* CL_TYPE_DMG */
    FT_UDF,          /* CL_TYPE_UDF */
    FT_XAR,          /* CL_TYPE_XAR */
    FT_LNK,          /* CL_TYPE_LNK */
    FT_EGG,          /* CL_TYPE_EGG */
    FT_ALZ,          /* CL_TYPE_ALZ */
    FT_ONENOTE,      /* CL_TYPE_ONENOTE */
    FT_PYTHON_COMPILED, /* CL_TYPE_PYTHON_COMPILED */
    FT_LHA_LZH,      /* CL_TYPE_LHA_LZH */
    FT_INTERNAL,     /* CL_TYPE_INTERNAL (ClamAV's own JSON metadata) */
    FT_PART_ANY,     /* CL_TYPE_PART_ANY (partition typing only) */
    FT_PART_HFSPLUS, /* CL_TYPE_PART_HFSPLUS (partition typing only) */
    FT_COUNT
};

/* Detect the type of a buffer as ClamAV 1.4 types a file (cli_filetype2
 * with the built-in table): pass the whole mapping. At most the first
 * 1024 bytes decide, except that a ZIP's first local headers are looked for
 * further in (OOXML typing). Pure: no allocation, no I/O. */
enum ftype filetype_detect(const uint8_t *buf, size_t len);

/* Formats vigil opens that ClamAV 1.4 does not recognise: FT_ZSTD, FT_AR
 * ("!<arch>\n", .deb) and FT_RPM; FT_BINARY otherwise. The layer keeps the
 * type filetype_detect gives it (that is what Target semantics depend on);
 * this only tells the pipeline that a container parser may open it. */
enum ftype filetype_extra_container(const uint8_t *buf, size_t len);

/* A type signature found inside a layer by filetype_scan_embedded. */
struct ft_embedded {
    enum ftype type;
    uint64_t offset; /* where the match (its first part) starts */
};

/* ClamAV's raw scan of a layer also runs the type signatures over the whole
 * layer (cli_scan_fmap with AC_SCAN_FT). This reproduces that: it stores in
 * out[0..cap) the (type, offset) pairs ClamAV records for embedded-object
 * handling of a layer typed `layer` (SFX archives, ISO 9660, MHTML, XDP,
 * Office XML, MBR/DMG, PDF inside other data, and PE files inside PE, ZIP
 * and OLE2 layers; at most 10 except ZIP-SFX), in ClamAV's order, and
 * returns how many it stored. *final receives the type the scan ends with
 * by ClamAV's priority rule (FT_HTML or FT_MAIL here make ClamAV re-parse
 * a text layer as HTML or mail), or FT_BINARY when no type signature
 * matched. Offsets near the end of the layer (DMG's EOF-512) are included.
 * Pure; time linear in len. */
size_t filetype_scan_embedded(const uint8_t *buf, size_t len, enum ftype layer,
                              struct ft_embedded *out, size_t cap, enum ftype *final);

/* Short name for output ("PE", "ZIP", "TEXT"...). Static. */
const char *filetype_name(enum ftype t);

/* ClamAV's CL_TYPE_* name for the type. Static. */
const char *filetype_cltype(enum ftype t);

/* Parse a CL_TYPE_* name; returns 0 and sets *out, or -1 if unknown.
 * Accepts exactly the names ClamAV 1.4 accepts (its ftmap), each mapped to
 * its enum value. CL_TYPE_ANY is not a type: callers handle it (-1). */
int filetype_from_cltype(const char *name, enum ftype *out);

/* Whether a signature with ClamAV target number `target` (0..14) applies to
 * the raw bytes of a layer of type t, as in ClamAV's cli_mtargets table:
 * 0 everything; 1 PE; 2 OLE2; 3 HTML; 4 mail; 5 graphics (GRAPHICS, GIF,
 * PNG, JPEG, TIFF); 6 ELF; 7 none in raw form (see below); 8 nothing;
 * 9 Mach-O and universal binaries; 10 PDF; 11 SWF; 12 Java; 13 ClamAV's
 * internal JSON; 14 binary data (ClamAV gives CL_TYPE_BINARY_DATA layers a
 * second matcher pass typed CL_TYPE_OTHER).
 *
 * Target 7 and ASCII text: ClamAV's raw pass over a CL_TYPE_TEXT_ASCII
 * layer is made untyped (generic signatures only); target 7 signatures see
 * only the normalised text (textnorm.h, textnorm_target). Likewise HTML is
 * only matched after HTML normalisation in ClamAV 1.4 (raw HTML is skipped
 * by default); that is the pipeline's business, this says which target a
 * buffer of type t belongs to. */
int filetype_matches_target(enum ftype t, unsigned target);

/* Whether the type is text that ClamAV also scans in normalised form
 * (ASCII, UTF-8, UTF-16LE/BE text and CL_TYPE_SCRIPT). */
int filetype_is_text(enum ftype t);

#endif
