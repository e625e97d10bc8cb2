/*
 * formats_stub.c - placeholder file-type and executable parsers, replaced
 * by filetype.c, pe.c, elf.c, macho.c and textnorm.c.
 */
#include <ctype.h>
#include <string.h>

#include "formats/exe.h"
#include "formats/filetype.h"
#include "formats/textnorm.h"

enum ftype
filetype_detect(const uint8_t *buf, size_t len)
{
    size_t n = len < 4096 ? len : 4096;

    if (len >= 4 && memcmp(buf, "\x7f" "ELF", 4) == 0)
        return FT_ELF;
    if (len >= 2 && buf[0] == 'M' && buf[1] == 'Z')
        return FT_PE;
    for (size_t i = 0; i < n; i++)
        if (buf[i] < 7 || (buf[i] > 13 && buf[i] < 32 && buf[i] != 27) || buf[i] > 126)
            return FT_BINARY;
    return len ? FT_TEXT_ASCII : FT_BINARY;
}

const char *
filetype_name(enum ftype t)
{
    return t == FT_PE ? "PE" : t == FT_ELF ? "ELF" : t == FT_TEXT_ASCII ? "TEXT" : "BINARY";
}

const char *
filetype_cltype(enum ftype t)
{
    return t == FT_PE ? "CL_TYPE_MSEXE" : t == FT_ELF ? "CL_TYPE_ELF" : "CL_TYPE_BINARY_DATA";
}

int
filetype_from_cltype(const char *name, enum ftype *out)
{
    if (strcmp(name, "CL_TYPE_ZIP") == 0) {
        *out = FT_ZIP;
        return 0;
    }
    if (strcmp(name, "CL_TYPE_MSEXE") == 0) {
        *out = FT_PE;
        return 0;
    }
    return -1;
}

int
filetype_matches_target(enum ftype t, unsigned target)
{
    return (target == 1 && t == FT_PE) || (target == 6 && t == FT_ELF) ||
           (target == 7 && t == FT_TEXT_ASCII);
}

int
filetype_is_text(enum ftype t)
{
    return t == FT_TEXT_ASCII;
}

int
pe_parse(const uint8_t *buf, size_t len, struct exe_info *out)
{
    (void)buf;
    (void)len;
    out->kind = EXE_NONE;
    return -1;
}

int
elf_parse(const uint8_t *buf, size_t len, struct exe_info *out)
{
    (void)buf;
    (void)len;
    out->kind = EXE_NONE;
    return -1;
}

int
macho_parse(const uint8_t *buf, size_t len, struct exe_info *out)
{
    (void)buf;
    (void)len;
    out->kind = EXE_NONE;
    return -1;
}

size_t
textnorm_normalize(const uint8_t *in, size_t len, uint8_t *out, size_t cap)
{
    size_t n = 0;
    int space = 0;

    for (size_t i = 0; i < len && n < cap; i++) {
        uint8_t c = in[i];
        if (isspace(c)) {
            if (!space)
                out[n++] = ' ';
            space = 1;
            continue;
        }
        space = 0;
        if (c < 32 || c > 126)
            continue;
        out[n++] = (uint8_t)tolower(c);
    }
    return n;
}
