/*
 * ftmagic.c - ClamAV 1.4's built-in file-type magic and the matcher for its
 * type signatures.
 *
 * The tables are ClamAV 1.4.6's built-in filetype definitions (the strings
 * compiled into libclamav, "Loaded 255 filetype definitions"), restricted
 * to the entries active at functionality level 216:
 *
 *  - fixed[]: magic bytes at a fixed offset ("magic type 0"). ClamAV loads
 *    them into a list by prepending, so later table entries are tried
 *    first; fixed[] is the table reversed. The first hit decides. This is
 *    why "[aliases]" is a POSIX tar (the CVE-2012-1419 entry comes after the
 *    "mirc ini" one) and why "EFI PART" at 512 beats "MZ" at 0.
 *
 *  - sigs[]: body signatures with an offset ("magic type 1"). ClamAV adds
 *    them to its generic Aho-Corasick trie; in AC_SCAN_FT mode each match
 *    of one competes with the type found so far: it wins if its CL_TYPE
 *    value is larger, or if it is an SFX-class type (value >= CL_TYPE_SFX)
 *    or CL_TYPE_MSEXE, which always win; CL_TYPE_IGNORED ends the pass.
 *    The values are those of ClamAV 1.4's cli_file_t (cl field below).
 *
 * Every signature is PART1 [GAP PART2]: ClamAV splits a signature into
 * parts at `*`, `{n-m}`, `{-m}` and `{n}` with n >= 128 and reports the
 * match when the last part is found, so events are ordered by the start of
 * their last part. {n} with n < 128 stays inside a part (ANY here).
 *
 * ClamAV remembers up to nine first-part starts per signature (its
 * offmatrix slots) until a second part at the right distance completes the
 * match, and then records all of them; ftmagic_scan does the same.
 *
 * Workload: filetype_detect runs the pass over at most 1024 bytes per
 * layer; filetype_scan_embedded over whole layers, so the pass is linear:
 * at each position a 256-entry first-byte table picks the few signature
 * parts that can start there, and each check is bounded (fixed-length
 * parts, nine remembered starts). Positions where no part can start are
 * skipped with a filter on byte pairs (8 KiB, built once), which leaves a
 * few percent of the positions of typical binaries to the exact checks.
 */
#include "formats/ftmagic.h"

#include <pthread.h>
#include <string.h>

/* ---- fixed-offset magic -------------------------------------------------- */

struct fixed {
    uint16_t off;
    uint8_t len;
    const char *magic;
    enum ftype type;
};

/* In ClamAV's checking order (its table reversed). */
static const struct fixed fixed[] = {
    {0, 4, "ALZ\x01", FT_ALZ}, /* ALZ */
    {0, 4, "P\x01\x0d\x0a", FT_PYTHON_COMPILED}, /* PyPy 3.9 byte-compiled (.pyc) */
    {0, 4, "\x00\x01\x0d\x0a", FT_PYTHON_COMPILED}, /* PyPy 3.8 byte-compiled (.pyc) */
    {0, 4, "\xf0\x0d\x0d\x0a", FT_PYTHON_COMPILED}, /* PyPy 3.7 byte-compiled (.pyc) */
    {0, 4, "\x3f\x0d\x0d\x0a", FT_PYTHON_COMPILED}, /* Python 3.7 byte-compiled (.pyc) */
    {0, 4, ">\x0d\x0d\x0a", FT_PYTHON_COMPILED}, /* Python 3.7 byte-compiled (.pyc) */
    {0, 4, "3\x0d\x0d\x0a", FT_PYTHON_COMPILED}, /* Python 3.6 byte-compiled (.pyc) */
    {0, 4, "2\x0d\x0d\x0a", FT_PYTHON_COMPILED}, /* Python 3.6 byte-compiled (.pyc) */
    {0, 4, "1\x0d\x0d\x0a", FT_PYTHON_COMPILED}, /* Python 3.6 byte-compiled (.pyc) */
    {0, 4, "0\x0d\x0d\x0a", FT_PYTHON_COMPILED}, /* Python 3.6 byte-compiled (.pyc) */
    {0, 4, "/\x0d\x0d\x0a", FT_PYTHON_COMPILED}, /* Python 3.6 byte-compiled (.pyc) */
    {0, 4, "-\x0d\x0d\x0a", FT_PYTHON_COMPILED}, /* Python 3.6 byte-compiled (.pyc) */
    {0, 4, ",\x0d\x0d\x0a", FT_PYTHON_COMPILED}, /* Python 3.6 byte-compiled (.pyc) */
    {0, 4, "+\x0d\x0d\x0a", FT_PYTHON_COMPILED}, /* Python 3.6 byte-compiled (.pyc) */
    {0, 4, "*\x0d\x0d\x0a", FT_PYTHON_COMPILED}, /* Python 3.6 byte-compiled (.pyc) */
    {0, 4, "!\x0d\x0d\x0a", FT_PYTHON_COMPILED}, /* Python 3.6 byte-compiled (.pyc) */
    {0, 4, " \x0d\x0d\x0a", FT_PYTHON_COMPILED}, /* Python 3.6 byte-compiled (.pyc) */
    {0, 4, "\x17\x0d\x0d\x0a", FT_PYTHON_COMPILED}, /* Python 3.5.2+ byte-compiled (.pyc) */
    {0, 4, "\x16\x0d\x0d\x0a", FT_PYTHON_COMPILED}, /* Python 3.5.1- byte-compiled (.pyc) */
    {0, 4, "\x0c\x0d\x0d\x0a", FT_PYTHON_COMPILED}, /* Python 3.5.1- byte-compiled (.pyc) */
    {0, 4, "\x02\x0d\x0d\x0a", FT_PYTHON_COMPILED}, /* Python 3.5.1- byte-compiled (.pyc) */
    {0, 4, "\xf8\x0c\x0d\x0a", FT_PYTHON_COMPILED}, /* Python 3.5.1- byte-compiled (.pyc) */
    {0, 4, "\xee\x0c\x0d\x0a", FT_PYTHON_COMPILED}, /* Python 3.4 byte-compiled (.pyc) */
    {0, 4, "\xe4\x0c\x0d\x0a", FT_PYTHON_COMPILED}, /* Python 3.4 byte-compiled (.pyc) */
    {0, 4, "\xda\x0c\x0d\x0a", FT_PYTHON_COMPILED}, /* Python 3.4 byte-compiled (.pyc) */
    {0, 4, "\xd0\x0c\x0d\x0a", FT_PYTHON_COMPILED}, /* Python 3.4 byte-compiled (.pyc) */
    {0, 4, "\xc6\x0c\x0d\x0a", FT_PYTHON_COMPILED}, /* Python 3.4 byte-compiled (.pyc) */
    {0, 4, "\xbc\x0c\x0d\x0a", FT_PYTHON_COMPILED}, /* Python 3.4 byte-compiled (.pyc) */
    {0, 4, "\xb2\x0c\x0d\x0a", FT_PYTHON_COMPILED}, /* Python 3.4 byte-compiled (.pyc) */
    {0, 4, "\x9e\x0c\x0d\x0a", FT_PYTHON_COMPILED}, /* Python 3.3 byte-compiled (.pyc) */
    {0, 4, "\x94\x0c\x0d\x0a", FT_PYTHON_COMPILED}, /* Python 3.3 byte-compiled (.pyc) */
    {0, 4, "\x8a\x0c\x0d\x0a", FT_PYTHON_COMPILED}, /* Python 3.3 byte-compiled (.pyc) */
    {0, 4, "\x80\x0c\x0d\x0a", FT_PYTHON_COMPILED}, /* Python 3.3 byte-compiled (.pyc) */
    {0, 4, "v\x0c\x0d\x0a", FT_PYTHON_COMPILED}, /* Python 3.3 byte-compiled (.pyc) */
    {0, 4, "l\x0c\x0d\x0a", FT_PYTHON_COMPILED}, /* Python 3.2 byte-compiled (.pyc) */
    {0, 4, "b\x0c\x0d\x0a", FT_PYTHON_COMPILED}, /* Python 3.2 byte-compiled (.pyc) */
    {0, 4, "X\x0c\x0d\x0a", FT_PYTHON_COMPILED}, /* Python 3.2 byte-compiled (.pyc) */
    {0, 4, "O\x0c\x0d\x0a", FT_PYTHON_COMPILED}, /* Python 3.1 byte-compiled (.pyc) */
    {0, 4, "E\x0c\x0d\x0a", FT_PYTHON_COMPILED}, /* Python 3.1 byte-compiled (.pyc) */
    {0, 4, ";\x0c\x0d\x0a", FT_PYTHON_COMPILED}, /* Python 3.0 byte-compiled (.pyc) */
    {0, 4, "'\x0c\x0d\x0a", FT_PYTHON_COMPILED}, /* Python 3.0 byte-compiled (.pyc) */
    {0, 4, "\x1f\x0c\x0d\x0a", FT_PYTHON_COMPILED}, /* Python 3.0 byte-compiled (.pyc) */
    {0, 4, "\x1d\x0c\x0d\x0a", FT_PYTHON_COMPILED}, /* Python 3.0 byte-compiled (.pyc) */
    {0, 4, "\x13\x0c\x0d\x0a", FT_PYTHON_COMPILED}, /* Python 3.0 byte-compiled (.pyc) */
    {0, 4, "\x09\x0c\x0d\x0a", FT_PYTHON_COMPILED}, /* Python 3.0 byte-compiled (.pyc) */
    {0, 4, "\xff\x0b\x0d\x0a", FT_PYTHON_COMPILED}, /* Python 3.0 byte-compiled (.pyc) */
    {0, 4, "\xf5\x0b\x0d\x0a", FT_PYTHON_COMPILED}, /* Python 3.0 byte-compiled (.pyc) */
    {0, 4, "\xf4\x0b\x0d\x0a", FT_PYTHON_COMPILED}, /* Python 3.0 byte-compiled (.pyc) */
    {0, 4, "\xea\x0b\x0d\x0a", FT_PYTHON_COMPILED}, /* Python 3.0 byte-compiled (.pyc) */
    {0, 4, "\xe0\x0b\x0d\x0a", FT_PYTHON_COMPILED}, /* Python 3.0 byte-compiled (.pyc) */
    {0, 4, "\xd6\x0b\x0d\x0a", FT_PYTHON_COMPILED}, /* Python 3.0 byte-compiled (.pyc) */
    {0, 4, "\xcc\x0b\x0d\x0a", FT_PYTHON_COMPILED}, /* Python 3.0 byte-compiled (.pyc) */
    {0, 4, "\xc2\x0b\x0d\x0a", FT_PYTHON_COMPILED}, /* Python 3.0 byte-compiled (.pyc) */
    {0, 4, "\xb8\x0b\x0d\x0a", FT_PYTHON_COMPILED}, /* Python 3.0 byte-compiled (.pyc) */
    {0, 4, "\x0a\xf3\x0d\x0a", FT_PYTHON_COMPILED}, /* PyPy 2.7 byte-compiled (.pyc) */
    {0, 4, "\x04\xf3\x0d\x0a", FT_PYTHON_COMPILED}, /* Python 2.7 byte-compiled (.pyc) */
    {0, 4, "\x03\xf3\x0d\x0a", FT_PYTHON_COMPILED}, /* Python 2.7 byte-compiled (.pyc) */
    {0, 4, "\xf9\xf2\x0d\x0a", FT_PYTHON_COMPILED}, /* Python 2.7 byte-compiled (.pyc) */
    {0, 4, "\xef\xf2\x0d\x0a", FT_PYTHON_COMPILED}, /* Python 2.7 byte-compiled (.pyc) */
    {0, 4, "\xe5\xf2\x0d\x0a", FT_PYTHON_COMPILED}, /* Python 2.7 byte-compiled (.pyc) */
    {0, 4, "\xdb\xf2\x0d\x0a", FT_PYTHON_COMPILED}, /* Python 2.7 byte-compiled (.pyc) */
    {0, 4, "\xd2\xf2\x0d\x0a", FT_PYTHON_COMPILED}, /* Python 2.6 byte-compiled (.pyc) */
    {0, 4, "\xd1\xf2\x0d\x0a", FT_PYTHON_COMPILED}, /* Python 2.6 byte-compiled (.pyc) */
    {0, 4, "\xc7\xf2\x0d\x0a", FT_PYTHON_COMPILED}, /* Python 2.6 byte-compiled (.pyc) */
    {0, 4, "\xb4\xf2\x0d\x0a", FT_PYTHON_COMPILED}, /* Python 2.5 byte-compiled (.pyc) */
    {0, 4, "\xb3\xf2\x0d\x0a", FT_PYTHON_COMPILED}, /* Python 2.5 byte-compiled (.pyc) */
    {0, 4, "\xa9\xf2\x0d\x0a", FT_PYTHON_COMPILED}, /* Python 2.5 byte-compiled (.pyc) */
    {0, 4, "\x9f\xf2\x0d\x0a", FT_PYTHON_COMPILED}, /* Python 2.5 byte-compiled (.pyc) */
    {0, 4, "\x95\xf2\x0d\x0a", FT_PYTHON_COMPILED}, /* Python 2.5 byte-compiled (.pyc) */
    {0, 4, "\x8c\xf2\x0d\x0a", FT_PYTHON_COMPILED}, /* Python 2.5 byte-compiled (.pyc) */
    {0, 4, "\x8b\xf2\x0d\x0a", FT_PYTHON_COMPILED}, /* Python 2.5 byte-compiled (.pyc) */
    {0, 4, "\x81\xf2\x0d\x0a", FT_PYTHON_COMPILED}, /* Python 2.5 byte-compiled (.pyc) */
    {0, 4, "w\xf2\x0d\x0a", FT_PYTHON_COMPILED}, /* Python 2.5 byte-compiled (.pyc) */
    {0, 4, "n\xf2\x0d\x0a", FT_PYTHON_COMPILED}, /* Python 2.4 byte-compiled (.pyc) */
    {0, 4, "m\xf2\x0d\x0a", FT_PYTHON_COMPILED}, /* Python 2.4 byte-compiled (.pyc) */
    {0, 4, "c\xf2\x0d\x0a", FT_PYTHON_COMPILED}, /* Python 2.4 byte-compiled (.pyc) */
    {0, 4, "Y\xf2\x0d\x0a", FT_PYTHON_COMPILED}, /* Python 2.4 byte-compiled (.pyc) */
    {0, 4, "E\xf2\x0d\x0a", FT_PYTHON_COMPILED}, /* Python 2.3 byte-compiled (.pyc) */
    {0, 4, "<\xf2\x0d\x0a", FT_PYTHON_COMPILED}, /* Python 2.3 byte-compiled (.pyc) */
    {0, 4, ";\xf2\x0d\x0a", FT_PYTHON_COMPILED}, /* Python 2.3 byte-compiled (.pyc) */
    {0, 4, ".\xed\x0d\x0a", FT_PYTHON_COMPILED}, /* Python 2.2 byte-compiled (.pyc) */
    {0, 4, "-\xed\x0d\x0a", FT_PYTHON_COMPILED}, /* Python 2.2 byte-compiled (.pyc) */
    {0, 4, "+\xeb\x0d\x0a", FT_PYTHON_COMPILED}, /* Python 2.1 byte-compiled (.pyc) */
    {0, 4, "*\xeb\x0d\x0a", FT_PYTHON_COMPILED}, /* Python 2.1 byte-compiled (.pyc) */
    {0, 4, "\x88\xc6\x0d\x0a", FT_PYTHON_COMPILED}, /* Python 2.0 byte-compiled (.pyc) */
    {0, 4, "\x87\xc6\x0d\x0a", FT_PYTHON_COMPILED}, /* Python 2.0 byte-compiled (.pyc) */
    {0, 4, "\xfd\xc4\x0d\x0a", FT_PYTHON_COMPILED}, /* Python 1.6 byte-compiled (.pyc) */
    {0, 4, "\xfc\xc4\x0d\x0a", FT_PYTHON_COMPILED}, /* Python 1.6 byte-compiled (.pyc) */
    {0, 4, "\x99N\x0d\x0a", FT_PYTHON_COMPILED}, /* Python 1.5 byte-compiled (.pyc) */
    {0, 4, "\x04\x17\x0d\x0a", FT_PYTHON_COMPILED}, /* Python 1.4 byte-compiled (.pyc) */
    {0, 4, "\x89.\x0d\x0a", FT_PYTHON_COMPILED}, /* Python 1.3 byte-compiled (.pyc) */
    {0, 4, "\x03\x09\x99\x00", FT_PYTHON_COMPILED}, /* Python 1.1/1.2 byte-compiled (.pyc) */
    {0, 4, "\x02\x09\x99\x00", FT_PYTHON_COMPILED}, /* Python 1.0 byte-compiled (.pyc) */
    {0, 16, "\xe4R\x5c{\x8c\xd8\xa7M\xae\xb1Sx\xd0)\x96\xd3", FT_ONENOTE}, /* Microsoft OneNote Document */
    {0, 3, "ZWS", FT_SWF}, /* SWF (LZMA compressed) */
    {0, 24, "{\x0a  \x22Magic\x22:\x22" "CLAMJSONv0\x22", FT_INTERNAL}, /* Internal properties */
    {0, 2, "MM", FT_TIFF}, /* TIFF Big Endian */
    {0, 4, "II*\x00", FT_TIFF}, /* TIFF Little Endian */
    {0, 3, "\xff\xd8\xff", FT_JPEG}, /* JPEG */
    {0, 3, "GIF", FT_GIF}, /* GIF */
    {0, 4, "\x89PNG", FT_PNG}, /* PNG */
    {0, 4, "EGGA", FT_EGG}, /* Egg Archive */
    {0, 3, "CWS", FT_SWF}, /* SWF (zlib compressed) */
    {0, 20, "L\x00\x00\x00\x01\x14\x02\x00\x00\x00\x00\x00\xc0\x00\x00\x00\x00\x00\x00" "F", FT_LNK}, /* Microsoft Windows Shortcut File */
    {0, 11, "%!PS-Adobe-", FT_PS}, /* PostScript */
    {0, 4, "{\x5crt", FT_RTF}, /* RTF */
    {0, 30, "HWP Document File V3.00 \x1a\x01\x02\x03\x04\x05", FT_HWP3}, /* HWP3 Document */
    {4, 8, "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", FT_HWPOLE2}, /* HWP embedded OLE2 */
    {512, 8, "EFI PART", FT_GPT}, /* Disk Image - GUID Partition Table */
    {0, 6, "\xfd" "7zXZ\x00", FT_XZ}, /* XZ container file */
    {0, 4, "xar!", FT_XAR}, /* XAR container file */
    {0, 4, "\x00\x00\x01\xba", FT_BINARY}, /* MPEG sys stream */
    {0, 4, "\x00\x00\x01\xb3", FT_BINARY}, /* MPEG video stream */
    {0, 12, "\x00\x00\x00\x0cjP  \x0d\x0a\x87\x0a", FT_GRAPHICS}, /* JPEG2000 */
    {0, 9, "[aliases]", FT_TAR}, /* TAR-POSIX-CVE-2012-1419 */
    {0, 8, "MSCF\x00\x00\x00\x00", FT_CAB}, /* MS CAB */
    {0, 3, "FWS", FT_SWF}, /* SWF (uncompressed) */
    {0, 8, "\xd9\xd5\x05\xf9 \xa1" "c\xd7", FT_IGNORED}, /* SQLite journal */
    {0, 16, "SQLite format 3\x00", FT_IGNORED}, /* SQLite database */
    {0, 8, "7\x7f\x06\x83\x00-\xe2\x18", FT_IGNORED}, /* SQLite WAL */
    {0, 8, "7\x7f\x06\x82\x00-\xe2\x18", FT_IGNORED}, /* SQLite WAL */
    {0, 6, "SYMC\x01\x00", FT_IGNORED}, /* SYM DATFILE */
    {0, 5, "%PDF-", FT_PDF}, /* PDF document */
    {0, 2, "\xc7q", FT_CPIO}, /* CPIO OLD BINARY LE */
    {0, 2, "q\xc7", FT_CPIO}, /* CPIO OLD BINARY BE */
    {0, 6, "070707", FT_CPIO_ODC}, /* CPIO ODC */
    {0, 6, "070702", FT_CPIO_CRC}, /* CPIO CRC */
    {0, 6, "070701", FT_CPIO_NEWC}, /* CPIO NEWC */
    {0, 14, "Received-SPF: ", FT_MAIL}, /* Mail file */
    {0, 6, "7z\xbc\xaf'\x1c", FT_7Z}, /* 7zip */
    {0, 4, "\xfe\xed\xfa\xcf", FT_MACHO}, /* Mach-O BE 64-bit */
    {0, 4, "\xfe\xed\xfa\xce", FT_MACHO}, /* Mach-O BE */
    {0, 4, "\xcf\xfa\xed\xfe", FT_MACHO}, /* Mach-O LE 64-bit */
    {0, 4, "\xce\xfa\xed\xfe", FT_MACHO}, /* Mach-O LE */
    {0, 9, "[aliases]", FT_SCRIPT}, /* mirc ini */
    {257, 5, "ustar", FT_TAR}, /* TAR-POSIX */
    {0, 14, "SIP-HIT (SIP/H", FT_IGNORED}, /* SIP log */
    {0, 3, "\xff\xfb\x90", FT_IGNORED}, /* MP3 */
    {0, 8, "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", FT_OLE2}, /* OLE2 container */
    {0, 8, "\xb6\xb9\xac\xae\xfe\xff\xff\xff", FT_CRYPTFF}, /* CryptFF */
    {0, 4, "\x7f" "ELF", FT_ELF}, /* ELF */
    {0, 4, "x\x9f>\x22", FT_TNEF}, /* TNEF */
    {0, 14, "v:\x0d\x0aReceived: ", FT_MAIL}, /* VPOP3 Mail (DOS) */
    {0, 13, "v:\x0aReceived: ", FT_MAIL}, /* VPOP3 Mail (UNIX) */
    {0, 6, "begin ", FT_UUENCODED}, /* UUencoded */
    {0, 2, "`\xea", FT_ARJ}, /* ARJ */
    {0, 8, "X-UIDL: ", FT_MAIL}, /* Mail */
    {0, 11, "X-Symantec-", FT_MAIL}, /* Symantec */
    {0, 9, "X-Sieve: ", FT_MAIL}, /* Mail */
    {0, 11, "X-Real-To: ", FT_MAIL}, /* Mail */
    {0, 15, "X-Original-To: ", FT_MAIL}, /* Mail */
    {0, 17, "X-Envelope-From: ", FT_MAIL}, /* Mail */
    {0, 5, "X-EVS", FT_MAIL}, /* EVS mail */
    {0, 17, "X-Apparently-To: ", FT_MAIL}, /* Mail */
    {0, 4, "To: ", FT_MAIL}, /* Mail */
    {0, 9, "Subject: ", FT_MAIL}, /* Mail */
    {0, 4, "SZDD", FT_SZDD}, /* compress.exed */
    {0, 13, "Return-path: ", FT_MAIL}, /* Maildir */
    {0, 13, "Return-Path: ", FT_MAIL}, /* Maildir */
    {0, 10, "Received: ", FT_MAIL}, /* Raw mail */
    {0, 4, "Rar!", FT_RAR}, /* RAR */
    {0, 4, "RIFX", FT_RIFF}, /* RIFX */
    {0, 4, "RIFF", FT_RIFF}, /* RIFF */
    {0, 8, "PK00PK\x03\x04", FT_ZIP}, /* ZIP */
    {0, 4, "PK\x03\x04", FT_ZIP}, /* ZIP */
    {0, 4, "OggS", FT_IGNORED}, /* Ogg Stream */
    {0, 12, "Message-Id: ", FT_MAIL}, /* Mail */
    {0, 12, "Message-ID: ", FT_MAIL}, /* Mail */
    {0, 2, "MZ", FT_PE}, /* MS-EXE/DLL */
    {0, 4, "ITSF", FT_CHM}, /* MS CHM */
    {0, 3, "ID3", FT_IGNORED}, /* MP3 */
    {0, 26, "Hi. This is the qmail-send", FT_MAIL}, /* Qmail bounce */
    {0, 6, "From: ", FT_MAIL}, /* Exim mail */
    {0, 5, "From ", FT_MAIL}, /* MBox */
    {0, 5, "For: ", FT_MAIL}, /* Eserv mail */
    {0, 13, "Envelope-to: ", FT_MAIL}, /* Mail */
    {0, 15, "Delivery-date: ", FT_MAIL}, /* Mail */
    {0, 14, "Delivered-To: ", FT_MAIL}, /* Mail */
    {0, 6, "Date: ", FT_MAIL}, /* Mail */
    {0, 3, "BZh", FT_BZIP2}, /* BZip */
    {0, 2, "BM", FT_GRAPHICS}, /* BMP */
    {0, 6, ">From ", FT_MAIL}, /* Mail */
    {0, 4, ".RMF", FT_IGNORED}, /* Real Media File */
    {0, 45, "(This file must be converted with BinHex 4.0)", FT_BINHEX}, /* BinHex */
    {0, 4, "#@~^", FT_SCRENC}, /* SCRENC */
    {0, 2, "\x1f\x8b", FT_GZIP}, /* GZip */
};

int
ftmagic_fixed(const uint8_t *buf, size_t len, enum ftype *out)
{
    for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++) {
        const struct fixed *f = &fixed[i];

        if (f->len > len || f->off > len - f->len)
            continue;
        if (memcmp(buf + f->off, f->magic, f->len) == 0) {
            *out = f->type;
            return 0;
        }
    }
    return -1;
}

/* ---- type signatures ----------------------------------------------------- */

/* ClamAV 1.4 cli_file_t values that take part in the priority rule. */
enum {
    CL_MSEXE = 506,
    CL_MACHO_UNIBIN = 509,
    CL_SIS = 525,
    CL_PDF = 536,
    CL_JAVA = 543,
    CL_PYTHON_COMPILED = 555,
    CL_LHA_LZH = 556,
    CL_MBR = 559,
    CL_HTML = 560,
    CL_MAIL = 561,
    CL_SFX = 562,
    CL_ZIPSFX = 563,
    CL_RARSFX = 564,
    CL_7ZSFX = 565,
    CL_CABSFX = 566,
    CL_ARJSFX = 567,
    CL_NULSFT = 569,
    CL_AUTOIT = 570,
    CL_ISHIELD_MSI = 571,
    CL_ISO9660 = 572,
    CL_DMG = 573,
    CL_APM = 575,
    CL_XDP = 576,
    CL_XML_WORD = 577,
    CL_XML_XL = 578,
    CL_XML_HWP = 579,
    CL_MHTML = 581,
    CL_UDF = 583,
    CL_IGNORED = 586,
};

/* ClamAV's limits on recorded embedded objects (MAX_EMBEDDED_OBJ, and the
 * default MaxFiles that bounds some types instead). */
#define EMB_MAX 10
#define EMB_MAX_FILES 10000

/* One element of a signature part. */
enum { E_LIT, E_ALT, E_ANY, E_NIB };
struct pel {
    uint8_t kind;
    uint8_t n;         /* LIT: bytes; ALT: alternatives (one byte each); ANY: count */
    uint8_t val, mask; /* NIB: (byte & mask) == val */
    const char *s;
};

#define LIT(str) {E_LIT, sizeof(str) - 1, 0, 0, str}
#define ALT(str) {E_ALT, sizeof(str) - 1, 0, 0, str}
#define ANY(k) {E_ANY, k, 0, 0, NULL}
#define NIB(v, m) {E_NIB, 1, v, m, NULL}
#define PART(...) (const struct pel[]){__VA_ARGS__}, \
                  (uint8_t)(sizeof((const struct pel[]){__VA_ARGS__}) / sizeof(struct pel))
#define NOPART NULL, 0
#define INF UINT32_MAX

/* Where a signature may start: anywhere, in [off, off + shift], or at
 * len - off (EOF-n, ClamAV's relative offset). */
enum { W_ANY, W_ABS, W_EOF };

struct sig {
    uint8_t where;
    uint32_t off, shift;
    const struct pel *p1;
    uint8_t n1;
    uint32_t glo, ghi; /* gap between the parts; ghi == INF: `*` */
    const struct pel *p2;
    uint8_t n2; /* 0: one part */
    enum ftype type;
    uint16_t cl;
};

#define AT_ANY W_ANY, 0, 0
#define AT(o) W_ABS, o, 0
#define AT_RANGE(o, s) W_ABS, o, s
#define AT_EOF(o) W_EOF, o, 0
#define ONE 0, 0, NOPART
#define HREF_EF PART(ALT("hH"), ALT("rR"), LIT("EF"))
#define HREF_ef PART(ALT("hH"), ALT("rR"), LIT("ef"))
#define CTYPE PART(LIT("\n"), ALT("Cc"), LIT("ontent-"), ALT("Tt"), LIT("ype: "))
#define MIMEVER ALT("Mm"), ALT("Ii"), ALT("Mm"), ALT("Ee"), LIT("-"), ALT("Vv"), LIT("ersion: ")
#define XMLDECL LIT("<?xml version=\"1.0\"")

/* ClamAV 1.4's built-in type signatures, in table order (which breaks ties
 * between matches reported at the same position). */
static const struct sig sigs[] = {
    {AT_ANY, PART(LIT("<A ")), 0, INF, HREF_EF, FT_HTML, CL_HTML},
    {AT_ANY, PART(LIT("<A ")), 0, INF, HREF_ef, FT_HTML, CL_HTML},
    {AT_ANY, PART(LIT("<HEAD>")), ONE, FT_HTML, CL_HTML},
    {AT_ANY, PART(LIT("<HTML>")), ONE, FT_HTML, CL_HTML},
    {AT_ANY, PART(LIT("<Head>")), ONE, FT_HTML, CL_HTML},
    {AT_ANY, PART(LIT("<Html>")), ONE, FT_HTML, CL_HTML},
    {AT_ANY, PART(LIT("<IFRAME")), ONE, FT_HTML, CL_HTML},
    {AT_ANY, PART(LIT("<IMG")), ONE, FT_HTML, CL_HTML},
    {AT_ANY, PART(LIT("<Img")), ONE, FT_HTML, CL_HTML},
    {AT_ANY, PART(LIT("<OBJECT")), ONE, FT_HTML, CL_HTML},
    {AT_ANY, PART(LIT("<Object")), ONE, FT_HTML, CL_HTML},
    {AT_ANY, PART(LIT("<SCRIPT")), ONE, FT_HTML, CL_HTML},
    {AT_ANY, PART(LIT("<Script")), ONE, FT_HTML, CL_HTML},
    {AT_ANY, PART(LIT("<TABLE")), ONE, FT_HTML, CL_HTML},
    {AT_ANY, PART(LIT("<a ")), 0, INF, HREF_EF, FT_HTML, CL_HTML},
    {AT_ANY, PART(LIT("<a ")), 0, INF, HREF_ef, FT_HTML, CL_HTML},
    {AT_ANY, PART(LIT("<head>")), ONE, FT_HTML, CL_HTML},
    {AT_ANY, PART(LIT("<html>")), ONE, FT_HTML, CL_HTML},
    {AT_ANY, PART(LIT("<iframe")), ONE, FT_HTML, CL_HTML},
    {AT_ANY, PART(LIT("<img")), ONE, FT_HTML, CL_HTML},
    {AT_ANY, PART(LIT("<object")), ONE, FT_HTML, CL_HTML},
    {AT_ANY, PART(LIT("<script")), ONE, FT_HTML, CL_HTML},
    {AT_ANY, PART(LIT("<table")), ONE, FT_HTML, CL_HTML},
    {AT_ANY, PART(LIT("MZ")), 60, 300, PART(LIT("PE\0\0")), FT_PE, CL_MSEXE},
    {AT_ANY, PART(LIT("PK\3\4")), ONE, FT_ZIPSFX, CL_ZIPSFX},
    {AT_ANY, PART(LIT("Rar!\x1a\x07\0")), ONE, FT_RARSFX, CL_RARSFX},
    {AT_ANY, PART(LIT("\x60\xea"), ANY(7), LIT("\0\x02")), ONE, FT_ARJSFX, CL_ARJSFX},
    {AT_ANY, PART(LIT("\x60\xea"), ANY(7), LIT("\x01\x02")), ONE, FT_ARJSFX, CL_ARJSFX},
    {AT_ANY, PART(LIT("\x60\xea"), ANY(7), LIT("\x02\x02")), ONE, FT_ARJSFX, CL_ARJSFX},
    {AT_ANY,
     PART(LIT("\xa3\x48\x4b\xbe\x98\x6c\x4a\xa9\x99\x4c\x53\x0a\x86\xd6\x48\x7d" "AU3!EA0"),
          ALT("56")),
     ONE, FT_AUTOIT, CL_AUTOIT},
    {AT_ANY, PART(LIT("\xef\xbe\xad\xde" "NullsoftInst")), ONE, FT_NULSFT, CL_NULSFT},
    {AT(0), PART(LIT("<%@ LANGUAGE =")), ONE, FT_HTML, CL_HTML},
    {AT_RANGE(0, 1024), PART(LIT("\n"), ALT("Ff"), LIT("rom: ")), 0, 1024,
     PART(LIT("\n"), MIMEVER), FT_MAIL, CL_MAIL},
    {AT_RANGE(0, 1024), PART(LIT("\n"), ALT("Ff"), LIT("rom: ")), 0, 2048, CTYPE, FT_MAIL,
     CL_MAIL},
    {AT_RANGE(0, 1024), PART(LIT("\n"), MIMEVER), 0, 2048, CTYPE, FT_MAIL, CL_MAIL},
    {AT_RANGE(0, 1024), PART(LIT("\n"), ALT("Mm"), LIT("essage-"), ALT("Ii"), LIT("d: ")), 0,
     1024, CTYPE, FT_MAIL, CL_MAIL},
    {AT_RANGE(0, 2048), PART(LIT("\n"), ALT("Rr"), LIT("eceived: ")), 0, 2048, CTYPE, FT_MAIL,
     CL_MAIL},
    {AT_ANY, PART(LIT("InstallShield\0")), 292, 292,
     PART(LIT("\x06\0\0\0\0\0\0\0"), ANY(8), LIT("\0\0\0\0\x01")), FT_ISHIELD_MSI,
     CL_ISHIELD_MSI},
    {AT_ANY, PART(LIT("%PDF-"), ANY(1), LIT(".")), ONE, FT_PDF, CL_PDF},
    {AT_ANY, PART(LIT("%pdf-"), ANY(1), LIT(".")), ONE, FT_PDF, CL_PDF},
    {AT_RANGE(0, 128),
     PART(LIT("/RGB\nID\n\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff"
              "\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff")),
     ONE, FT_IGNORED, CL_IGNORED},
    {AT_ANY, PART(LIT("MSCF\0\0\0\0")), ONE, FT_CABSFX, CL_CABSFX},
    {AT_ANY, PART(LIT("\x01" "CD001")), 2043, 2443, PART(LIT("CD001")), FT_ISO9660, CL_ISO9660},
    {AT_RANGE(0, 32768), PART(LIT("\0BEA01")), ONE, FT_UDF, CL_UDF},
    {AT_RANGE(8, 12), PART(LIT("\x19\x04\x00\x10")), ONE, FT_SIS, CL_SIS},
    {AT_RANGE(0, 1024), PART(LIT("Delivered-To:")), 0, 256, PART(LIT("Received:")), FT_MAIL,
     CL_MAIL},
    {AT(0), PART(LIT("\xca\xfe\xba\xbe\0\0\0"), NIB(0x00, 0xf0)), ONE, FT_MACHO_UNIBIN,
     CL_MACHO_UNIBIN},
    {AT(0), PART(LIT("\xca\xfe\xba\xbe\0\0\0"), NIB(0x10, 0xf0)), ONE, FT_MACHO_UNIBIN,
     CL_MACHO_UNIBIN},
    {AT(0), PART(LIT("\xca\xfe\xba\xbe\0\0\0"), NIB(0x20, 0xf0)), ONE, FT_JAVA, CL_JAVA},
    {AT(0), PART(LIT("\xca\xfe\xba\xbe\0\0\0"), NIB(0x30, 0xf0)), ONE, FT_JAVA, CL_JAVA},
    {AT_EOF(512), PART(LIT("koly")), ONE, FT_DMG, CL_DMG},
    {AT(0), PART(XMLDECL), 0, 1024, PART(LIT("<Workbook")), FT_XML_XL, CL_XML_XL},
    {AT(0), PART(XMLDECL), 0, 1024, PART(LIT("<wordDocument")), FT_XML_WORD, CL_XML_WORD},
    {AT(0), PART(XMLDECL), 0, 1024, PART(LIT("<"), ANY(1), LIT(":Workbook")), FT_XML_XL,
     CL_XML_XL},
    {AT(0), PART(XMLDECL), 0, 1024, PART(LIT("<"), ANY(1), LIT(":wordDocument")), FT_XML_WORD,
     CL_XML_WORD},
    {AT_ANY, PART(LIT("<xdp:xdp")), ONE, FT_XDP, CL_XDP},
    {AT(0), PART(LIT("ER")), 510, 510, PART(LIT("PM\0\0")), FT_APM, CL_APM},
    {AT(510), PART(LIT("\x55\xaa")), ONE, FT_MBR, CL_MBR},
    {AT(0), PART(LIT("\xef\xbb\xbf"), XMLDECL), 0, INF, PART(LIT("<HWPML")), FT_XML_HWP,
     CL_XML_HWP},
    {AT(0), PART(MIMEVER), 0, 1024, CTYPE, FT_MHTML, CL_MHTML},
    {AT_ANY, PART(LIT("\n"), MIMEVER), 0, 1024, CTYPE, FT_MHTML, CL_MHTML},
    {AT_ANY, PART(LIT("7z\xbc\xaf\x27\x1c")), ONE, FT_7ZSFX, CL_7ZSFX},
    {AT(0), PART(XMLDECL), 0, 1024, PART(LIT("progid=\"Word.Document\"?>")), FT_XML_WORD,
     CL_XML_WORD},
    {AT(0), PART(ANY(1), LIT("\r\r\n")), ONE, FT_PYTHON_COMPILED, CL_PYTHON_COMPILED},
    {AT(2), PART(LIT("-lh"), ALT("01234567dx"), LIT("-")), ONE, FT_LHA_LZH, CL_LHA_LZH},
    {AT(2), PART(LIT("-lz"), ALT("s45"), LIT("-")), ONE, FT_LHA_LZH, CL_LHA_LZH},
    {AT(2), PART(LIT("-pm0-")), ONE, FT_LHA_LZH, CL_LHA_LZH},
};

#define NSIGS (sizeof(sigs) / sizeof(sigs[0]))
_Static_assert(NSIGS <= 128, "the first-byte table holds 128 signatures");

/* Bytes a part spans (parts have a fixed length). */
static size_t
part_len(const struct pel *el, size_t n)
{
    size_t l = 0;

    for (size_t i = 0; i < n; i++)
        l += (el[i].kind == E_LIT || el[i].kind == E_ANY) ? el[i].n : 1;
    return l;
}

/* Whether a part matches at pos; the caller checked pos + part_len <= len. */
static int
part_match(const struct pel *el, size_t n, const uint8_t *b, size_t pos)
{
    for (size_t i = 0; i < n; i++) {
        const struct pel *e = &el[i];

        switch (e->kind) {
        case E_LIT:
            if (memcmp(b + pos, e->s, e->n) != 0)
                return 0;
            pos += e->n;
            break;
        case E_ALT:
            if (memchr(e->s, b[pos], e->n) == NULL)
                return 0;
            pos++;
            break;
        case E_ANY:
            pos += e->n;
            break;
        default: /* E_NIB */
            if ((b[pos] & e->mask) != e->val)
                return 0;
            pos++;
            break;
        }
    }
    return 1;
}

/* Dispatch: the signatures whose part (first or second) may start with
 * each byte value, and a byte summary for skipping. A first part that
 * starts with a wildcard is kept apart (wild1) and tried only where it may
 * start (such signatures are anchored near the start; last_wild is the
 * last such position). */
struct dispatch {
    uint64_t first1[256][2], first2[256][2], wild1[2];
    uint64_t second1[256][2], second2[256][2]; /* the same for the next byte */
    uint8_t any[256];
    uint8_t pair[65536 / 8]; /* bit b0 << 8 | b1: some part may start "b0 b1" */
    size_t last_wild;
    size_t l1[NSIGS], l2[NSIGS]; /* part lengths */
};

/* Built once (pthread_once): the scan itself keeps no global state. */
static struct dispatch disp;
static pthread_once_t disp_once = PTHREAD_ONCE_INIT;

/* The byte values a part allows at its byte k; 0 if k is past its end. */
static int
part_byte_set(const struct pel *el, size_t n, size_t k, uint8_t set[256])
{
    for (size_t i = 0; i < n; i++) {
        const struct pel *e = &el[i];
        size_t span = (e->kind == E_LIT || e->kind == E_ANY) ? e->n : 1;

        if (k >= span) {
            k -= span;
            continue;
        }
        memset(set, e->kind == E_LIT || e->kind == E_ALT ? 0 : 1, 256);
        if (e->kind == E_LIT)
            set[(uint8_t)e->s[k]] = 1;
        else if (e->kind == E_ALT)
            for (size_t j = 0; j < e->n; j++)
                set[(uint8_t)e->s[j]] = 1;
        else if (e->kind == E_NIB)
            for (size_t b = 0; b < 256; b++)
                set[b] = (b & e->mask) == e->val;
        return 1;
    }
    return 0;
}

static void
dispatch_tables(void)
{
    struct dispatch *d = &disp;

    memset(d, 0, sizeof(*d));
    for (size_t i = 0; i < NSIGS; i++) {
        uint64_t bit = (uint64_t)1 << (i % 64);

        for (int part = 0; part < 2; part++) {
            const struct pel *e = part == 0 ? &sigs[i].p1[0] : &sigs[i].p2[0];
            uint64_t(*tab)[2] = part == 0 ? d->first1 : d->first2;

            if (part == 1 && sigs[i].n2 == 0)
                continue;
            if (e->kind == E_LIT) {
                tab[(uint8_t)e->s[0]][i / 64] |= bit;
            } else if (e->kind == E_ALT) {
                for (size_t k = 0; k < e->n; k++)
                    tab[(uint8_t)e->s[k]][i / 64] |= bit;
            } else if (part == 0 && sigs[i].where == W_ABS) {
                size_t last = (size_t)sigs[i].off + sigs[i].shift;

                d->wild1[i / 64] |= bit;
                if (last > d->last_wild)
                    d->last_wild = last;
            } else {
                for (size_t b = 0; b < 256; b++)
                    tab[b][i / 64] |= bit;
            }
        }
    }
    for (size_t i = 0; i < NSIGS; i++) {
        uint64_t bit = (uint64_t)1 << (i % 64);
        uint8_t set[256];

        for (int part = 0; part < 2; part++) {
            uint64_t(*tab)[2] = part == 0 ? d->second1 : d->second2;
            const struct pel *el = part == 0 ? sigs[i].p1 : sigs[i].p2;
            size_t n = part == 0 ? sigs[i].n1 : sigs[i].n2;

            if (!part_byte_set(el, n, 1, set))
                memset(set, 1, sizeof(set)); /* one-byte part: no filter */
            for (size_t b = 0; b < 256; b++)
                if (set[b])
                    tab[b][i / 64] |= bit;
        }
    }
    for (size_t b = 0; b < 256; b++)
        d->any[b] = (d->first1[b][0] | d->first1[b][1] | d->first2[b][0] | d->first2[b][1]) != 0;
    for (size_t b0 = 0; b0 < 256; b0++)
        for (size_t b1 = 0; b1 < 256; b1++) {
            uint64_t m = 0;

            for (size_t w = 0; w < 2; w++)
                m |= (d->first1[b0][w] & d->second1[b1][w]) | (d->first2[b0][w] & d->second2[b1][w]);
            if (m != 0)
                d->pair[(b0 << 8 | b1) >> 3] |= (uint8_t)(1u << (b1 & 7));
        }
    for (size_t i = 0; i < NSIGS; i++) {
        d->l1[i] = part_len(sigs[i].p1, sigs[i].n1);
        d->l2[i] = part_len(sigs[i].p2, sigs[i].n2);
    }
}

/* ClamAV's partial-match tracking for a two-part signature: the starts of
 * first-part matches since the signature last matched, in its slots 1..9
 * (slot 1 keeps the first one; after nine, slots 2..9 are reused in turn). */
struct track {
    size_t slot[10];
    unsigned n, used;
};

/* Everything one pass keeps. */
struct pass {
    const uint8_t *b;
    size_t len;
    struct ftmagic_scan *s;
    uint16_t cl; /* current winner, as a cli_file_t value; 0: none */
    size_t nemb; /* objects ClamAV would have recorded (its count) */
    int stop;
    struct track tr[NSIGS];
};

/* Record an embedded object as ac_addtype() does. */
static void
record(struct pass *p, const struct sig *g, size_t start)
{
    struct ftmagic_scan *s = p->s;

    if (s->rec != NULL && s->nrec < s->cap) {
        s->rec[s->nrec].type = g->type;
        s->rec[s->nrec].offset = start;
        s->nrec++;
    }
    p->nemb++;
}

/* Whether ClamAV records a match of g at all: supported types (MBR, the
 * SFX class, PE inside PE, ZIP or OLE2) while the list is not full (ten
 * objects; ZIP-SFX, and PE inside PE, up to MaxFiles). One match records
 * all its remembered starts, even past the limit. */
static int
recordable(const struct pass *p, const struct sig *g)
{
    enum ftype layer = p->s->layer;
    int pe_in = layer == FT_PE || layer == FT_ZIP || layer == FT_OLE2;

    if (!(g->cl == CL_MBR || g->cl >= CL_SFX || (g->cl == CL_MSEXE && pe_in)))
        return 0;
    if (p->nemb == 0)
        return 1;
    if (g->cl == CL_ZIPSFX || (g->cl == CL_MSEXE && layer == FT_PE))
        return p->nemb < EMB_MAX_FILES;
    return p->nemb < EMB_MAX;
}

/* A match reported: apply ClamAV's priority rule and record the object at
 * each of starts[0..n). */
static void
emit(struct pass *p, const struct sig *g, const size_t *starts, size_t n)
{
    struct ftmagic_scan *s = p->s;

    if (g->cl == CL_IGNORED) {
        p->cl = CL_IGNORED;
        s->type = FT_IGNORED;
        p->stop = 1;
        return;
    }
    if (!(g->cl > p->cl || g->cl >= CL_SFX || g->cl == CL_MSEXE))
        return;
    p->cl = g->cl;
    s->type = g->type;
    if (recordable(p, g))
        for (size_t k = 0; k < n; k++)
            record(p, g, starts[k]);
}

/* Whether signature g may start at pos. */
static int
start_ok(const struct pass *p, const struct sig *g, size_t pos)
{
    switch (g->where) {
    case W_ABS:
        return pos >= g->off && pos - g->off <= g->shift;
    case W_EOF:
        return p->s->with_eof && p->len >= g->off && pos == p->len - g->off;
    default:
        return 1;
    }
}

/* Signature i's first part at pos: a match, or a start to remember. */
static void
try_part1(struct pass *p, uint16_t i, size_t pos)
{
    const struct sig *g = &sigs[i];
    size_t l1 = disp.l1[i];
    struct track *t = &p->tr[i];

    if (!start_ok(p, g, pos) || l1 > p->len || pos > p->len - l1 ||
        !part_match(g->p1, g->n1, p->b, pos))
        return;
    if (g->n2 == 0) {
        emit(p, g, &pos, 1);
        return;
    }
    if (t->n == 9)
        t->n = 1; /* wraps; ends up at 2 */
    t->n++;
    t->slot[t->n] = pos;
    if (t->n > t->used)
        t->used = t->n;
}

/* Signature i's second part at pos: the signature matches if a remembered
 * first part ends at the right distance before it (ClamAV's unsigned
 * difference); then ClamAV records every remembered start and forgets
 * them. */
static void
try_part2(struct pass *p, uint16_t i, size_t pos)
{
    const struct sig *g = &sigs[i];
    size_t l1 = disp.l1[i], l2 = disp.l2[i];
    struct track *t = &p->tr[i];
    int found = 0;

    if (t->used == 0 || l2 > p->len || pos > p->len - l2 || !part_match(g->p2, g->n2, p->b, pos))
        return;
    for (unsigned j = 1; j <= t->used && !found; j++) {
        size_t end = t->slot[j] + l1;
        size_t d = pos >= end ? pos - end : SIZE_MAX;

        found = (g->ghi == INF || d <= g->ghi) && d >= g->glo;
    }
    if (!found)
        return;
    emit(p, g, &t->slot[1], t->used);
    t->n = 0;
    t->used = 0;
}

/* The first position at or after pos where some part may start: its two
 * bytes pass the pair filter (the last byte: the one-byte summary); len if
 * none. This loop is where the pass spends its time over whole layers. */
static size_t
skip_to_candidate(const struct dispatch *d, const uint8_t *b, size_t pos, size_t len)
{
#define PAIR_HIT(q) ((d->pair[((unsigned)b[q] << 5) | (b[(q) + 1] >> 3)] >> (b[(q) + 1] & 7)) & 1u)
    /* eight positions per test: independent loads, one branch */
    for (; len - pos > 8; pos += 8) {
        unsigned any = PAIR_HIT(pos) | PAIR_HIT(pos + 1) | PAIR_HIT(pos + 2) | PAIR_HIT(pos + 3) |
                       PAIR_HIT(pos + 4) | PAIR_HIT(pos + 5) | PAIR_HIT(pos + 6) | PAIR_HIT(pos + 7);
        if (any)
            break;
    }
    for (; pos + 1 < len; pos++)
        if (PAIR_HIT(pos))
            return pos;
#undef PAIR_HIT
    return pos < len && d->any[b[pos]] ? pos : len;
}

void
ftmagic_scan(const uint8_t *buf, size_t len, struct ftmagic_scan *s)
{
    struct pass p;
    const struct dispatch *d = &disp;

    memset(&p, 0, sizeof(p));
    s->nrec = 0;
    s->found = 0;
    s->type = FT_BINARY;
    p.b = buf;
    p.len = len;
    p.s = s;
    (void)pthread_once(&disp_once, dispatch_tables);
    for (size_t pos = 0; pos < len && !p.stop; pos++) {
        int wild = pos <= d->last_wild;

        if (!wild && (pos = skip_to_candidate(d, buf, pos, len)) >= len)
            break;
        /* Second parts first: a first part at pos cannot end before pos. */
        for (int part = 1; part >= 0; part--) {
            for (size_t w = 0; w < 2 && !p.stop; w++) {
                uint64_t m = (part ? d->first2 : d->first1)[buf[pos]][w];

                /* A part that fits needs its second byte too. */
                if (pos + 1 < len)
                    m &= (part ? d->second2 : d->second1)[buf[pos + 1]][w];
                if (part == 0 && wild)
                    m |= d->wild1[w];
                while (m != 0 && !p.stop) {
                    uint16_t i = (uint16_t)(w * 64 + (unsigned)__builtin_ctzll(m));

                    m &= m - 1;
                    if (part)
                        try_part2(&p, i, pos);
                    else
                        try_part1(&p, i, pos);
                }
            }
        }
    }
    s->found = p.cl != 0;
    if (!s->found)
        s->type = FT_BINARY;
}
