/*
 * exe.h - what the executable parsers (pe.c, elf.c, macho.c) report.
 *
 * The matcher needs the entry point as a file offset (EP+n / EP-n,
 * EntryPoint:), the raw extent of each section (Sx+n, SL+n, SEx,
 * NumberOfSections:) and, for PE, the section data to hash (.mdb/.msb).
 * Parsers fill a caller-owned struct: no allocation, no I/O.
 *
 * The values are ClamAV 1.4's (cli_pe_targetinfo, cli_elfheader,
 * cli_machoheader): where ClamAV gives up, the parser fails and
 * exe-relative offsets must never match; where ClamAV keeps a value in 32
 * bits (every offset and size in struct cli_exe_info), so do these, and
 * ClamAV's offset arithmetic on them (EP+n, Sx+n) is 32-bit as well.
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
    uint64_t raw_off;  /* file offset of the section's data (PE: aligned down) */
    uint64_t raw_size; /* its size in the file (PE: SizeOfRawData aligned up,
                        * cut at the end of the file; 0 if it starts past it) */
    uint64_t rva;      /* virtual address, relative to the image base for PE */
    uint64_t vsize;    /* virtual size (0 for ELF, which ClamAV does not keep) */
};

struct exe_info {
    enum exe_kind kind;
    int has_ep;        /* the headers parsed: ep is ClamAV's entry point */
    uint64_t ep;       /* entry point as a file offset; may lie beyond the file,
                        * and is 0 where ClamAV finds none (ELF e_entry 0,
                        * most Mach-O files) */
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

/* One member of a Mach-O universal ("fat") binary. */
struct exe_fat_arch {
    uint64_t offset, size; /* as the fat header says; may run past the file */
};

/* The members of a universal binary, as ClamAV's cli_scanmacho_unibin
 * walks them: stores up to max in out, sets *n to the number of members
 * and returns 0; returns 1 for a Java class file that looked like one
 * (nothing to open), -1 if the fat header is broken. ClamAV scans each
 * member as a file of its own; the universal binary itself has no entry
 * point or sections (macho_parse fails on it). */
int macho_fat_parse(const uint8_t *buf, size_t len, struct exe_fat_arch *out, size_t max,
                    size_t *n);

#endif
