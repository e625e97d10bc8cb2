/*
 * exe.h - what the executable parsers (pe.c, elf.c, macho.c) report.
 *
 * The matcher needs the entry point as a file offset (EP+n / EP-n,
 * EntryPoint:), the raw extent of each section (Sx+n, SL+n, SEx,
 * NumberOfSections:) and, for PE, the section data to hash (.mdb/.msb).
 * Parsers fill a caller-owned struct: no allocation, no I/O.
 */
#ifndef VG_FORMATS_EXE_H
#define VG_FORMATS_EXE_H

#include <stddef.h>
#include <stdint.h>

/* At most this many sections are recorded; `nsections` still counts all of
 * them, and offsets naming a section beyond the cap never match. */
#define EXE_MAX_SECTIONS 256

enum exe_kind { EXE_NONE = 0, EXE_PE, EXE_ELF, EXE_MACHO };

struct exe_section {
    uint64_t raw_off;  /* file offset of the section's data */
    uint64_t raw_size; /* its size in the file (PE SizeOfRawData) */
    uint64_t rva;      /* virtual address, relative to the image base for PE */
    uint64_t vsize;    /* virtual size */
};

struct exe_info {
    enum exe_kind kind;
    int has_ep;        /* entry point known and inside the file */
    uint64_t ep;       /* entry point as a file offset */
    uint32_t nsections;          /* as the headers say */
    uint32_t nrecorded;          /* min(nsections, EXE_MAX_SECTIONS), those that parsed */
    struct exe_section sections[EXE_MAX_SECTIONS];
    int pe64;          /* PE32+ */
};

/* Each returns 0 on success with *out filled, -1 if the buffer is not that
 * format or its headers are broken (then *out->kind == EXE_NONE). */
int pe_parse(const uint8_t *buf, size_t len, struct exe_info *out);
int elf_parse(const uint8_t *buf, size_t len, struct exe_info *out);
int macho_parse(const uint8_t *buf, size_t len, struct exe_info *out);

#endif
