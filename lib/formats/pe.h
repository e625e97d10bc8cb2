/*
 * pe.h - the whole PE header as ClamAV 1.4's cli_peheader() keeps it, for
 * code that works on the image rather than on offsets (the unpackers in
 * lib/unpack). pe_parse (exe.h) reports the part the matcher needs; this
 * is the same parse with every field an unpacker reads: image base,
 * alignments, the aligned and the raw section values, the lowest and
 * highest section RVA, the overlay, the data directories.
 *
 * As in ClamAV, at most 96 sections are accepted (PE_MAXSECTIONS) and a
 * section's raw extent is cut at the end of the file.
 */
#ifndef VG_FORMATS_PE_H
#define VG_FORMATS_PE_H

#include <stddef.h>
#include <stdint.h>

#define PE_MAX_SECTIONS 96

/* One section, as cli_exe_section: rva/vsz/raw/rsz aligned (RVA and raw
 * offset down, sizes up; raw size cut at the end of the file), the u*
 * fields as written in the header (ursz cut at the end of the file). */
struct pe_sect {
    uint32_t rva, vsz, raw, rsz;
    uint32_t urva, uvsz, uraw, ursz;
    uint32_t chr;      /* Characteristics */
    char name[9];      /* NUL-terminated */
};

struct pe_image {
    uint32_t nsections;
    struct pe_sect sect[PE_MAX_SECTIONS];
    uint32_t e_lfanew;
    uint16_t machine;
    uint16_t opt_size;      /* SizeOfOptionalHeader */
    uint16_t characteristics;
    int pe64;               /* PE32+ */
    int is_dll;
    uint32_t vep;           /* AddressOfEntryPoint (RVA) */
    uint32_t ep;            /* its file offset */
    uint32_t image_base;    /* PE32 only (0 for PE32+) */
    uint32_t salign, falign;/* as stored; falign after ClamAV's 0x200 fallback */
    uint32_t hdr_size;      /* SizeOfHeaders rounded up to salign */
    uint32_t size_of_image;
    uint32_t min, max;      /* lowest section RVA; highest RVA + raw size */
    uint32_t overlay_start; /* raw end of the section that set max (0 if only one) */
    uint32_t overlay_size;  /* file size - overlay_start (32-bit, as ClamAV) */
    uint32_t ndirs;         /* data directories read (at most 16) */
    uint32_t dir_rva[16], dir_size[16];
    uint64_t sect_off;      /* file offset of the section table */
};

/* Parse buf as a PE the way cli_peheader() does (without its strict and
 * remove-missing-sections options). Returns 0 with *out filled, -1 where
 * ClamAV gives up. Pure. */
int pe_image_parse(const uint8_t *buf, size_t len, struct pe_image *out);

/* cli_rawaddr(): the file offset of an RVA through the image's sections
 * (the last one whose raw extent covers it), or the RVA itself below the
 * headers' size; -1 when neither maps it inside a file of flen bytes. */
int pe_image_rawaddr(const struct pe_image *pe, uint32_t rva, size_t flen, uint32_t *off);

#endif
