/*
 * test_filetype.c - filetype_*: ClamAV 1.4's typing of buffers (magic
 * order, text heuristics, tar checksum, OOXML, type signatures and their
 * priority rule, UTF-16 HTML), the names, the targets and the embedded
 * type scan. tests/cli/test_formats_vs_clamscan.py checks the same against
 * clamscan itself; these cases pin the rules down one by one.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "formats/filetype.h"
#include "t.h"

static uint8_t b[70000];

/* Type of a C string literal (its bytes, without the terminator). */
#define TYPE(s) filetype_detect((const uint8_t *)(s), sizeof(s) - 1)

static void
fill(uint8_t c, size_t n)
{
    memset(b, c, n);
}

static void
test_fixed_magic(void)
{
    T_EQ_INT(TYPE("MZ\x90\x00 anything"), FT_PE);
    T_EQ_INT(TYPE("\x7f" "ELF\x02\x01\x01"), FT_ELF);
    T_EQ_INT(TYPE("PK\x03\x04\x14\x00"), FT_ZIP);
    T_EQ_INT(TYPE("\x1f\x8b\x08\x00\x00\x00"), FT_GZIP);
    T_EQ_INT(TYPE("BZh91AY&SY"), FT_BZIP2);
    T_EQ_INT(TYPE("\xfd" "7zXZ\x00\x00"), FT_XZ);
    T_EQ_INT(TYPE("7z\xbc\xaf\x27\x1c\x00\x04"), FT_7Z);
    T_EQ_INT(TYPE("Rar!\x1a\x07\x00"), FT_RAR);
    T_EQ_INT(TYPE("MSCF\x00\x00\x00\x00\x01"), FT_CAB);
    T_EQ_INT(TYPE("MSCF\x01\x00\x00\x00\x01"), FT_BINARY); /* needs the zeros */
    T_EQ_INT(TYPE("\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\x00"), FT_OLE2);
    T_EQ_INT(TYPE("%PDF-1.4\n"), FT_PDF);
    T_EQ_INT(TYPE("{\\rtf1 x"), FT_RTF);
    T_EQ_INT(TYPE("FWS\x09\x00\x00"), FT_SWF);
    T_EQ_INT(TYPE("CWS\x09\x00\x00"), FT_SWF);
    T_EQ_INT(TYPE("\x89PNG\r\n\x1a\n"), FT_PNG);
    T_EQ_INT(TYPE("GIF89a...."), FT_GIF);
    T_EQ_INT(TYPE("\xff\xd8\xff\xe0JFIF"), FT_JPEG);
    T_EQ_INT(TYPE("II*\x00\x08\x00"), FT_TIFF);
    T_EQ_INT(TYPE("MM this is text"), FT_TIFF); /* "MM" alone is TIFF */
    T_EQ_INT(TYPE("BM this is text"), FT_GRAPHICS);
    T_EQ_INT(TYPE("ITSF\x03\x00"), FT_CHM);
    T_EQ_INT(TYPE("SZDD\x88\xf0'3A"), FT_SZDD);
    T_EQ_INT(TYPE("\x78\x9f\x3e\x22\x00\x00"), FT_TNEF);
    T_EQ_INT(TYPE("\x60\xea\x2c\x00\x1e"), FT_ARJ);
    T_EQ_INT(TYPE("(This file must be converted with BinHex 4.0)\r"), FT_BINHEX);
    T_EQ_INT(TYPE("070701000000"), FT_CPIO_NEWC);
    T_EQ_INT(TYPE("070707000000"), FT_CPIO_ODC);
    T_EQ_INT(TYPE("\xc7\x71\x00\x00\x00\x00"), FT_CPIO);
    T_EQ_INT(TYPE("\xcf\xfa\xed\xfe\x07\x00"), FT_MACHO);
    T_EQ_INT(TYPE("\xfe\xed\xfa\xce\x00\x00"), FT_MACHO);
    T_EQ_INT(TYPE("From someone Mon Jan 1\n"), FT_MAIL);
    T_EQ_INT(TYPE("Received: from x\n"), FT_MAIL);
    T_EQ_INT(TYPE("To: x\n"), FT_MAIL);
    T_EQ_INT(TYPE("begin 644 x\n"), FT_UUENCODED);
    T_EQ_INT(TYPE("ID3\x03\x00\x00"), FT_IGNORED);
    T_EQ_INT(TYPE("\x00\x00\x01\xba\x44\x00"), FT_BINARY); /* MPEG: a magic that gives binary data */
    T_EQ_INT(TYPE("!<arch>\ndebian"), FT_TEXT_ASCII); /* ClamAV 1.4 does not know ar */
}

/* Later table entries are checked first. */
static void
test_magic_order(void)
{
    fill('A', 1024);
    memcpy(b, "MZ", 2);
    memcpy(b + 257, "ustar", 5);
    T_EQ_INT(filetype_detect(b, 1024), FT_TAR);
    fill(1, 1024);
    memcpy(b, "MZ", 2);
    memcpy(b + 512, "EFI PART", 8);
    T_EQ_INT(filetype_detect(b, 1024), FT_GPT);
    T_EQ_INT(filetype_detect(b, 519), FT_PE); /* the GPT magic must lie inside */
    T_EQ_INT(TYPE("[aliases]\nfoo=bar\n"), FT_TAR); /* not the "mirc ini" SCRIPT entry */
    memcpy(b, "\x00\x00\x00\x00\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", 12);
    T_EQ_INT(filetype_detect(b, 12), FT_HWPOLE2);
}

static void
test_text(void)
{
    T_EQ_INT(TYPE("Hello world, plain text.\r\n\tand a tab\x1b"), FT_TEXT_ASCII);
    T_EQ_INT(TYPE("Gr\xc3\xbc\xc3\x9f" "e"), FT_TEXT_ASCII); /* UTF-8 is "ASCII" */
    T_EQ_INT(TYPE("Gr\xfc\xdf" "e"), FT_TEXT_ASCII);         /* so is Latin-1 */
    T_EQ_INT(TYPE("text with a \x01 control"), FT_TEXT_UTF16BE); /* no BOM: read BE from byte 2 */
    T_EQ_INT(TYPE("ab\x00\x01"), FT_BINARY);
    T_EQ_INT(TYPE("\xff\xfeH\x00i\x00"), FT_TEXT_UTF16LE);
    T_EQ_INT(TYPE("\xfe\xff\x00H\x00i"), FT_TEXT_UTF16BE);
    T_EQ_INT(TYPE("H\x00i\x00!\x00"), FT_TEXT_UTF16BE); /* BOM-less LE looks BE */
    /* with a BOM, "half the units bad" can never be reached: units are
     * counted from byte 2, the threshold is half the length */
    T_EQ_INT(TYPE("\xff\xfe\x01\x00\x01\x00"), FT_TEXT_UTF16LE);
    T_EQ_INT(TYPE("\xff\xfe\xfe\xff\x41\x00"), FT_BINARY); /* U+FFFE */
    T_EQ_INT(filetype_detect(NULL, 0), FT_TEXT_ASCII);
}

static void
test_tar(void)
{
    unsigned sum = 0;

    memset(b, 0, 1024);
    memcpy(b, "file.txt", 8);
    memcpy(b + 100, "0000644", 7);
    memcpy(b + 124, "00000000012", 11);
    memset(b + 148, ' ', 8);
    for (int i = 0; i < 512; i++)
        sum += b[i];
    snprintf((char *)b + 148, 8, "%06o", sum);
    T_EQ_INT(filetype_detect(b, 1024), FT_OLD_TAR);
    T_EQ_INT(filetype_detect(b, 511), FT_BINARY); /* a whole header is needed */
    b[148] = '1';
    T_EQ_INT(filetype_detect(b, 1024), FT_BINARY);
    b[148] = '0';
    memcpy(b + 257, "ustar  ", 8); /* GNU magic: the checksum now differs */
    T_EQ_INT(filetype_detect(b, 1024), FT_TAR); /* ...but "ustar" at 257 is magic anyway */
}

/* A local header naming `name`, then padding. */
static size_t
zip_entry(uint8_t *p, const char *name, size_t pad)
{
    size_t n = strlen(name);

    memset(p, 0, 30);
    memcpy(p, "PK\x03\x04", 4);
    p[26] = (uint8_t)n;
    memcpy(p + 30, name, n);
    memset(p + 30 + n, 'x', pad);
    return 30 + n + pad;
}

static void
test_ooxml(void)
{
    size_t n = 0;

    n += zip_entry(b + n, "[Content_Types].xml", 40);
    n += zip_entry(b + n, "word/document.xml", 40);
    T_EQ_INT(filetype_detect(b, n), FT_OOXML_WORD);
    n = zip_entry(b, "xl/workbook.xml", 80);
    T_EQ_INT(filetype_detect(b, n), FT_OOXML_XL);
    n = zip_entry(b, "ppt/slide.xml", 80);
    T_EQ_INT(filetype_detect(b, n), FT_OOXML_PPT);
    n = zip_entry(b, "Contents/content.hpf", 80);
    T_EQ_INT(filetype_detect(b, n), FT_OOXML_HWP);
    n = 0; /* the fourth header is not looked at... */
    n += zip_entry(b + n, "a", 600);
    n += zip_entry(b + n, "b", 600);
    n += zip_entry(b + n, "c", 600);
    n += zip_entry(b + n, "word/x", 600);
    T_EQ_INT(filetype_detect(b, n), FT_ZIP);
    n = 0; /* ...but the third is, past 1 KiB */
    n += zip_entry(b + n, "a", 600);
    n += zip_entry(b + n, "b", 600);
    n += zip_entry(b + n, "word/x", 600);
    T_EQ_INT(filetype_detect(b, n), FT_OOXML_WORD);
    n = zip_entry(b, "plain.txt", 10);
    T_EQ_INT(filetype_detect(b, n), FT_ZIP); /* too short to peek */
}

static void
test_type_signatures(void)
{
    T_EQ_INT(TYPE("some text <script>x</script>"), FT_HTML);
    T_EQ_INT(TYPE("text <A HREF=\"x\">"), FT_HTML);
    T_EQ_INT(TYPE("<br> <p> only"), FT_TEXT_ASCII); /* not in 1.4's table */
    T_EQ_INT(TYPE("garbage %PDF-1.4 stuff"), FT_PDF);
    T_EQ_INT(TYPE("garbage %PDF-14 stuff"), FT_TEXT_ASCII);
    T_EQ_INT(TYPE("junk\nFrom: a@b\nContent-Type: text/plain\n"), FT_MAIL);
    T_EQ_INT(TYPE("junk\nFrom: a@b\nContent-Type: text/html\n<html>"), FT_MAIL); /* MAIL > HTML */
    T_EQ_INT(TYPE("MIME-Version: 1.0\nContent-Type: x\n"), FT_MHTML);
    T_EQ_INT(TYPE("hi MZ" "0123456789012345678901234567890123456789012345678901234567890" "PE\0\0"),
             FT_PE);
    /* MSEXE always wins when it completes, later types above it win again */
    fill('x', 400);
    memcpy(b, "hello MZ", 8);
    memcpy(b + 110, "PE\0\0 <html>", 11);
    T_EQ_INT(filetype_detect(b, 400), FT_HTML);
    memcpy(b, "<html> MZ", 9);
    memcpy(b + 110, "PE\0\0 text..", 11);
    T_EQ_INT(filetype_detect(b, 400), FT_PE);
    /* an SFX archive is no type for the file itself */
    T_EQ_INT(TYPE("hello PK\x03\x04 zip"), FT_TEXT_UTF16BE);
    T_EQ_INT(TYPE("hello <html> PK\x03\x04 zip"), FT_TEXT_UTF16BE);
    T_EQ_INT(TYPE("\xca\xfe\xba\xbe\x00\x00\x00\x02"), FT_MACHO_UNIBIN);
    T_EQ_INT(TYPE("\xca\xfe\xba\xbe\x00\x00\x00\x34"), FT_JAVA);
    T_EQ_INT(TYPE("\xca\xfe\xba\xbe\x00\x00\x00\x41"), FT_BINARY); /* Java 21: not typed */
    T_EQ_INT(TYPE("x\r\r\nbad"), FT_PYTHON_COMPILED);
    fill('A', 600);
    b[510] = 0x55;
    b[511] = 0xaa;
    T_EQ_INT(filetype_detect(b, 600), FT_MBR);
    fill(0, 100);
    memcpy(b + 10, "/RGB\nID\n", 8);
    memset(b + 18, 0xff, 24);
    T_EQ_INT(filetype_detect(b, 100), FT_IGNORED);
    fill('A', 1100);
    memcpy(b + 1030, "%PDF-1.4", 8); /* beyond the first 1 KiB */
    T_EQ_INT(filetype_detect(b, 1100), FT_TEXT_ASCII);
}

static void
test_utf16_html(void)
{
    static const char html[] = "<html><body>hi</body></html>\n";
    size_t n = 0;

    for (size_t i = 0; i < sizeof(html) - 1; i++) { /* LE without BOM */
        b[n++] = (uint8_t)html[i];
        b[n++] = 0;
    }
    T_EQ_INT(filetype_detect(b, n), FT_HTML_UTF16);
    n = 0;
    b[n++] = 0xfe; /* BE with BOM: found by the BOM conversion, as HTML */
    b[n++] = 0xff;
    for (size_t i = 0; i < sizeof(html) - 1; i++) {
        b[n++] = 0;
        b[n++] = (uint8_t)html[i];
    }
    T_EQ_INT(filetype_detect(b, n), FT_HTML);
}

static void
test_names(void)
{
    for (unsigned t = 0; t < FT_COUNT; t++) {
        enum ftype back;

        T_CHECK(strcmp(filetype_name((enum ftype)t), "UNKNOWN") != 0);
        T_CHECK(strncmp(filetype_cltype((enum ftype)t), "CL_TYPE_", 8) == 0);
        if (t != FT_ZSTD && t != FT_AR && t != FT_RPM) {
            T_EQ_INT(filetype_from_cltype(filetype_cltype((enum ftype)t), &back), 0);
            T_EQ_INT(back, t);
        }
    }
    T_EQ_STR(filetype_cltype(FT_PE), "CL_TYPE_MSEXE");
    T_EQ_STR(filetype_cltype(FT_TAR), "CL_TYPE_POSIX_TAR");
    T_EQ_STR(filetype_name(FT_COUNT), "UNKNOWN");
}

static void
test_from_cltype(void)
{
    /* every name of ClamAV 1.4's table, CL_TYPE_ANY aside */
    static const char *const names[] = {
        "CL_TYPE_TEXT_ASCII", "CL_TYPE_TEXT_UTF8", "CL_TYPE_TEXT_UTF16LE", "CL_TYPE_TEXT_UTF16BE",
        "CL_TYPE_BINARY_DATA", "CL_TYPE_IGNORED", "CL_TYPE_MSEXE", "CL_TYPE_ELF", "CL_TYPE_MACHO",
        "CL_TYPE_MACHO_UNIBIN", "CL_TYPE_POSIX_TAR", "CL_TYPE_OLD_TAR", "CL_TYPE_CPIO_OLD",
        "CL_TYPE_CPIO_ODC", "CL_TYPE_CPIO_NEWC", "CL_TYPE_CPIO_CRC", "CL_TYPE_GZ", "CL_TYPE_ZIP",
        "CL_TYPE_BZ", "CL_TYPE_RAR", "CL_TYPE_ARJ", "CL_TYPE_MSSZDD", "CL_TYPE_MSOLE2",
        "CL_TYPE_MSCAB", "CL_TYPE_MSCHM", "CL_TYPE_SIS", "CL_TYPE_SCRENC", "CL_TYPE_GRAPHICS",
        "CL_TYPE_GIF", "CL_TYPE_PNG", "CL_TYPE_JPEG", "CL_TYPE_TIFF", "CL_TYPE_RIFF",
        "CL_TYPE_BINHEX", "CL_TYPE_TNEF", "CL_TYPE_CRYPTFF", "CL_TYPE_PDF", "CL_TYPE_UUENCODED",
        "CL_TYPE_HTML_UTF16", "CL_TYPE_SCRIPT", "CL_TYPE_RTF", "CL_TYPE_HTML", "CL_TYPE_MAIL",
        "CL_TYPE_SFX", "CL_TYPE_ZIPSFX", "CL_TYPE_RARSFX", "CL_TYPE_CABSFX", "CL_TYPE_ARJSFX",
        "CL_TYPE_NULSFT", "CL_TYPE_AUTOIT", "CL_TYPE_ISHIELD_MSI", "CL_TYPE_7Z", "CL_TYPE_7ZSFX",
        "CL_TYPE_SWF", "CL_TYPE_ISO9660", "CL_TYPE_JAVA", "CL_TYPE_DMG", "CL_TYPE_MBR",
        "CL_TYPE_GPT", "CL_TYPE_APM", "CL_TYPE_XAR", "CL_TYPE_PART_ANY", "CL_TYPE_PART_HFSPLUS",
        "CL_TYPE_XZ", "CL_TYPE_OOXML_WORD", "CL_TYPE_OOXML_PPT", "CL_TYPE_OOXML_XL",
        "CL_TYPE_INTERNAL", "CL_TYPE_XDP", "CL_TYPE_XML_WORD", "CL_TYPE_XML_XL", "CL_TYPE_HWP3",
        "CL_TYPE_XML_HWP", "CL_TYPE_HWPOLE2", "CL_TYPE_OOXML_HWP", "CL_TYPE_PS", "CL_TYPE_MHTML",
        "CL_TYPE_LNK", "CL_TYPE_EGG", "CL_TYPE_EGGSFX", "CL_TYPE_UDF", "CL_TYPE_ALZ",
        "CL_TYPE_ONENOTE", "CL_TYPE_PYTHON_COMPILED", "CL_TYPE_LHA_LZH",
    };
    enum ftype t;

    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        T_EQ_INT(filetype_from_cltype(names[i], &t), 0);
        T_EQ_STR(filetype_cltype(t), names[i]);
    }
    T_EQ_INT(filetype_from_cltype("CL_TYPE_ANY", &t), -1);
    T_EQ_INT(filetype_from_cltype("CL_TYPE_ZSTD", &t), -1); /* not a 1.4 name */
    T_EQ_INT(filetype_from_cltype("CL_TYPE_AR", &t), -1);
    T_EQ_INT(filetype_from_cltype("cl_type_msexe", &t), -1);
    T_EQ_INT(filetype_from_cltype("", &t), -1);
    T_EQ_INT(filetype_from_cltype(NULL, &t), -1);
}

static void
test_targets(void)
{
    for (unsigned t = 0; t < FT_COUNT; t++)
        T_EQ_INT(filetype_matches_target((enum ftype)t, 0), 1);
    T_EQ_INT(filetype_matches_target(FT_PE, 1), 1);
    T_EQ_INT(filetype_matches_target(FT_ELF, 1), 0);
    T_EQ_INT(filetype_matches_target(FT_OLE2, 2), 1);
    T_EQ_INT(filetype_matches_target(FT_HTML, 3), 1);
    T_EQ_INT(filetype_matches_target(FT_HTML_UTF16, 3), 0);
    T_EQ_INT(filetype_matches_target(FT_MAIL, 4), 1);
    T_EQ_INT(filetype_matches_target(FT_GRAPHICS, 5), 1);
    T_EQ_INT(filetype_matches_target(FT_PNG, 5), 1);
    T_EQ_INT(filetype_matches_target(FT_GIF, 5), 1);
    T_EQ_INT(filetype_matches_target(FT_JPEG, 5), 1);
    T_EQ_INT(filetype_matches_target(FT_TIFF, 5), 1);
    T_EQ_INT(filetype_matches_target(FT_ELF, 6), 1);
    for (unsigned t = 0; t < FT_COUNT; t++) /* target 7: normalised text only */
        T_EQ_INT(filetype_matches_target((enum ftype)t, 7), 0);
    T_EQ_INT(filetype_matches_target(FT_MACHO, 9), 1);
    T_EQ_INT(filetype_matches_target(FT_MACHO_UNIBIN, 9), 1);
    T_EQ_INT(filetype_matches_target(FT_PDF, 10), 1);
    T_EQ_INT(filetype_matches_target(FT_SWF, 11), 1);
    T_EQ_INT(filetype_matches_target(FT_JAVA, 12), 1);
    T_EQ_INT(filetype_matches_target(FT_INTERNAL, 13), 1);
    T_EQ_INT(filetype_matches_target(FT_BINARY, 14), 1);
    T_EQ_INT(filetype_matches_target(FT_TEXT_ASCII, 14), 0);
    T_EQ_INT(filetype_matches_target(FT_PE, 8), 0);
    T_EQ_INT(filetype_matches_target(FT_PE, 15), 0);
    T_EQ_INT(filetype_is_text(FT_TEXT_ASCII), 1);
    T_EQ_INT(filetype_is_text(FT_TEXT_UTF16BE), 1);
    T_EQ_INT(filetype_is_text(FT_SCRIPT), 1);
    T_EQ_INT(filetype_is_text(FT_HTML), 0);
    T_EQ_INT(filetype_is_text(FT_BINARY), 0);
}

static void
test_extra_container(void)
{
    T_EQ_INT(filetype_extra_container((const uint8_t *)"\x28\xb5\x2f\xfd\x00", 5), FT_ZSTD);
    T_EQ_INT(filetype_extra_container((const uint8_t *)"!<arch>\ndebian", 14), FT_AR);
    T_EQ_INT(filetype_extra_container((const uint8_t *)"\xed\xab\xee\xdb\x03", 5), FT_RPM);
    T_EQ_INT(filetype_extra_container((const uint8_t *)"!<arch>", 7), FT_BINARY);
    T_EQ_INT(filetype_extra_container(NULL, 0), FT_BINARY);
}

static void
test_embedded(void)
{
    struct ft_embedded e[64];
    enum ftype fin;
    size_t n;

    fill(0, 5000); /* two archives at their offsets */
    memcpy(b + 1000, "PK\x03\x04", 4);
    memcpy(b + 3000, "MSCF\0\0\0\0", 8);
    n = filetype_scan_embedded(b, 5000, FT_BINARY, e, 64, &fin);
    T_EQ_INT(n, 2);
    T_EQ_INT(e[0].type, FT_ZIPSFX);
    T_EQ_INT(e[0].offset, 1000);
    T_EQ_INT(e[1].type, FT_CABSFX);
    T_EQ_INT(e[1].offset, 3000);
    T_EQ_INT(fin, FT_CABSFX);
    /* ISO 9660 volume descriptors 2 KiB apart */
    fill(0, 0x9000);
    memcpy(b + 0x8000, "\x01" "CD001", 6);
    memcpy(b + 0x8801, "CD001", 5);
    n = filetype_scan_embedded(b, 0x9000, FT_BINARY, e, 64, &fin);
    T_EQ_INT(n, 1);
    T_EQ_INT(e[0].type, FT_ISO9660);
    T_EQ_INT(e[0].offset, 0x8000);
    /* PE in PE is recorded, PE in text is not (only typed) */
    fill('x', 1000);
    memcpy(b, "MZ", 2);
    memcpy(b + 100, "PE\0\0", 4);
    memcpy(b + 500, "MZ", 2);
    memcpy(b + 520, "MZ", 2);
    memcpy(b + 700, "PE\0\0", 4);
    n = filetype_scan_embedded(b, 1000, FT_PE, e, 64, &fin);
    T_EQ_INT(n, 3); /* the second match records both tracked starts */
    T_EQ_INT(e[0].offset, 0);
    T_EQ_INT(e[1].offset, 500);
    T_EQ_INT(e[2].offset, 520);
    T_EQ_INT(filetype_scan_embedded(b, 1000, FT_TEXT_ASCII, e, 64, &fin), 0);
    T_EQ_INT(fin, FT_PE);
    /* ten objects at most, except ZIP-SFX */
    fill(0, 4000);
    for (int i = 0; i < 15; i++)
        memcpy(b + 100 + 200 * i, "MSCF\0\0\0\0", 8);
    T_EQ_INT(filetype_scan_embedded(b, 4000, FT_BINARY, e, 64, &fin), 10);
    fill(0, 4000);
    for (int i = 0; i < 15; i++)
        memcpy(b + 100 + 200 * i, "PK\x03\x04", 4);
    T_EQ_INT(filetype_scan_embedded(b, 4000, FT_BINARY, e, 64, &fin), 15);
    T_EQ_INT(filetype_scan_embedded(b, 4000, FT_BINARY, e, 4, &fin), 4); /* cap */
    T_EQ_INT(filetype_scan_embedded(b, 4000, FT_BINARY, NULL, 0, NULL), 0);
    /* DMG's trailer 512 bytes before the end; HTML later in a text */
    fill('a', 2000);
    memcpy(b + 2000 - 512, "koly", 4);
    T_EQ_INT(filetype_scan_embedded(b, 2000, FT_TEXT_ASCII, e, 64, &fin), 1);
    T_EQ_INT(e[0].type, FT_DMG);
    memcpy(b + 1800, "<html>", 6); /* after an SFX-class type, HTML cannot win */
    filetype_scan_embedded(b, 2000, FT_TEXT_ASCII, e, 64, &fin);
    T_EQ_INT(fin, FT_DMG);
    memcpy(b + 2000 - 512, "xxxx", 4);
    filetype_scan_embedded(b, 2000, FT_TEXT_ASCII, e, 64, &fin);
    T_EQ_INT(fin, FT_HTML);
    fill('a', 2000);
    T_EQ_INT(filetype_scan_embedded(b, 2000, FT_TEXT_ASCII, e, 64, &fin), 0);
    T_EQ_INT(fin, FT_BINARY);
}

/* Worst cases stay linear: every position a candidate, many first parts. */
static void
test_dense_input(void)
{
    struct ft_embedded e[16];
    enum ftype fin;

    for (size_t i = 0; i + 1 < sizeof(b); i += 2) {
        b[i] = '\n';
        b[i + 1] = 'M';
    }
    filetype_scan_embedded(b, sizeof(b), FT_TEXT_ASCII, e, 16, &fin);
    for (size_t i = 0; i + 3 < sizeof(b); i += 3)
        memcpy(b + i, "<A ", 3);
    filetype_scan_embedded(b, sizeof(b), FT_TEXT_ASCII, e, 16, &fin);
    T_EQ_INT(fin, FT_BINARY);
    memset(b, 'M', sizeof(b));
    for (size_t i = 1; i < sizeof(b); i += 2)
        b[i] = 'Z';
    filetype_scan_embedded(b, sizeof(b), FT_PE, e, 16, &fin);
    T_EQ_INT(filetype_detect(b, sizeof(b)), FT_PE);
}

int
main(void)
{
    T_RUN(test_fixed_magic);
    T_RUN(test_magic_order);
    T_RUN(test_text);
    T_RUN(test_tar);
    T_RUN(test_ooxml);
    T_RUN(test_type_signatures);
    T_RUN(test_utf16_html);
    T_RUN(test_names);
    T_RUN(test_from_cltype);
    T_RUN(test_targets);
    T_RUN(test_extra_container);
    T_RUN(test_embedded);
    T_RUN(test_dense_input);
    T_DONE();
}
