"""exe_build.py - small, valid executables built byte by byte for the
differential tests.

Builds PE32, PE32+, ELF32, ELF64, Mach-O 32 and Mach-O 64 files whose
entry point and sections are chosen by the caller, so that offsets such as
EP+n, Sx+n, SL+n and SEx point to bytes the generator controls. Each builder
returns an Exe: the bytes (a bytearray the generator may overwrite inside the
section data), the file offset of the entry point and the raw (file offset,
size) of each section in the order ClamAV numbers them.

Workload: a few hundred files of a few KB per test run; clarity over speed.
Python 3 standard library only.
"""

import struct

PE_FILE_ALIGN = 0x200
PE_SECT_ALIGN = 0x1000


class Exe:
    """A built executable: data, kind, target type, entry point, sections."""

    def __init__(self, kind, target, data, ep, sections):
        self.kind = kind          # 'pe32', 'pe64', 'elf32', 'elf64', 'macho32', 'macho64'
        self.target = target      # ClamAV target type: 1 PE, 6 ELF, 9 Mach-O
        self.data = data          # bytearray
        self.ep = ep              # file offset of the entry point
        self.sections = sections  # [(raw offset, raw size)], ClamAV's numbering

    def section_data(self, i):
        off, size = self.sections[i]
        return bytes(self.data[off:off + size])


def _align(n, a):
    return (n + a - 1) // a * a


def build_pe(rng, bits, sect_sizes, ep_sect, ep_off):
    """PE32 (bits 32) or PE32+ (bits 64) with len(sect_sizes) sections of the
    given raw sizes (multiples of 0x200); entry point ep_off bytes into
    section ep_sect. Section contents are random."""
    nsect = len(sect_sizes)
    lfanew = 0x40 if rng.random() < 0.5 else 0x80
    opt_size = 0xE0 if bits == 32 else 0xF0
    hdr_end = lfanew + 4 + 20 + opt_size + 40 * nsect
    size_of_headers = _align(hdr_end, PE_FILE_ALIGN)
    raws = []
    off = size_of_headers
    for s in sect_sizes:
        raws.append((off, s))
        off += s
    total = off
    data = bytearray(rng.randbytes(total))
    # Headers are zero except what we set.
    data[0:size_of_headers] = bytes(size_of_headers)
    data[0:2] = b"MZ"
    struct.pack_into("<H", data, 2, 0x90)
    struct.pack_into("<H", data, 4, 3)
    struct.pack_into("<H", data, 8, 4)
    struct.pack_into("<H", data, 0x18, 0x40)
    struct.pack_into("<I", data, 0x3C, lfanew)
    p = lfanew
    data[p:p + 4] = b"PE\0\0"
    p += 4
    machine = 0x14C if bits == 32 else 0x8664
    chars = 0x0102 if bits == 32 else 0x0022
    struct.pack_into("<HHIIIHH", data, p, machine, nsect, 0x5F000000, 0, 0,
                     opt_size, chars)
    p += 20
    vas = [PE_SECT_ALIGN * (i + 1) for i in range(nsect)]
    size_of_image = PE_SECT_ALIGN * (nsect + 1)
    ep_rva = vas[ep_sect] + ep_off
    code_size = sect_sizes[0]
    opt = bytearray(opt_size)
    if bits == 32:
        struct.pack_into("<HBBIIIIII", opt, 0, 0x10B, 14, 0, code_size,
                         sum(sect_sizes) - code_size, 0, ep_rva, vas[0],
                         vas[-1])
        struct.pack_into("<III", opt, 28, 0x400000, PE_SECT_ALIGN,
                         PE_FILE_ALIGN)
        q = 40
        struct.pack_into("<HHHHHHI", opt, q, 6, 0, 0, 0, 6, 0, 0)
        q += 16
        struct.pack_into("<IIIHH", opt, q, size_of_image, size_of_headers,
                         0, 2, 0x8140)
        q += 16
        struct.pack_into("<IIIIII", opt, q, 0x100000, 0x1000, 0x100000,
                         0x1000, 0, 16)
    else:
        struct.pack_into("<HBBIIIII", opt, 0, 0x20B, 14, 0, code_size,
                         sum(sect_sizes) - code_size, 0, ep_rva, vas[0])
        struct.pack_into("<QII", opt, 24, 0x140000000, PE_SECT_ALIGN,
                         PE_FILE_ALIGN)
        q = 40
        struct.pack_into("<HHHHHHI", opt, q, 6, 0, 0, 0, 6, 0, 0)
        q += 16
        struct.pack_into("<IIIHH", opt, q, size_of_image, size_of_headers,
                         0, 3, 0x8160)
        q += 16
        struct.pack_into("<QQQQII", opt, q, 0x100000, 0x1000, 0x100000,
                         0x1000, 0, 16)
    data[p:p + opt_size] = opt
    p += opt_size
    for i in range(nsect):
        name = (b".s%d" % i).ljust(8, b"\0")
        ch = 0x60000020 if i == 0 else 0xC0000040
        struct.pack_into("<8sIIIIIIHHI", data, p, name, sect_sizes[i], vas[i],
                         sect_sizes[i], raws[i][0], 0, 0, 0, 0, ch)
        p += 40
    kind = "pe32" if bits == 32 else "pe64"
    return Exe(kind, 1, data, raws[ep_sect][0] + ep_off, raws)


def build_elf(rng, bits, sect_sizes, ep_sect, ep_off):
    """ELF32 or ELF64 executable (little endian, x86 / x86-64) with one
    PT_LOAD segment covering the file, a null section header at index 0 and
    one PROGBITS section per entry of sect_sizes; entry point ep_off bytes
    into section ep_sect (numbered from 1, as ClamAV numbers them, because
    index 0 is the null section)."""
    nsect = len(sect_sizes)
    ehsize = 52 if bits == 32 else 64
    phsize = 32 if bits == 32 else 56
    shsize = 40 if bits == 32 else 64
    base = 0x08048000 if bits == 32 else 0x400000
    off = _align(ehsize + phsize, 16)
    raws = [(0, 0)]  # index 0: the null section
    for s in sect_sizes:
        raws.append((off, s))
        off += s
    shoff = _align(off, 8)
    total = shoff + shsize * (nsect + 1)
    data = bytearray(rng.randbytes(total))
    data[0:raws[1][0]] = bytes(raws[1][0])
    data[shoff:] = bytes(total - shoff)
    ident = b"\x7fELF" + bytes([1 if bits == 32 else 2, 1, 1, 0]) + bytes(8)
    entry = base + raws[ep_sect][0] + ep_off
    if bits == 32:
        struct.pack_into("<16sHHIIIIIHHHHHH", data, 0, ident, 2, 3, 1, entry,
                         ehsize, shoff, 0, ehsize, phsize, 1, shsize,
                         nsect + 1, 0)
        struct.pack_into("<IIIIIIII", data, ehsize, 1, 0, base, base, total,
                         total, 5, 0x1000)
    else:
        struct.pack_into("<16sHHIQQQIHHHHHH", data, 0, ident, 2, 62, 1, entry,
                         ehsize, shoff, 0, ehsize, phsize, 1, shsize,
                         nsect + 1, 0)
        struct.pack_into("<IIQQQQQQ", data, ehsize, 1, 5, 0, base, base,
                         total, total, 0x1000)
    for i in range(1, nsect + 1):
        p = shoff + shsize * i
        o, s = raws[i]
        if bits == 32:
            struct.pack_into("<IIIIIIIIII", data, p, 0, 1, 6, base + o, o, s,
                             0, 0, 16, 0)
        else:
            struct.pack_into("<IIQQQQIIQQ", data, p, 0, 1, 6, base + o, o, s,
                             0, 0, 16, 0)
    kind = "elf32" if bits == 32 else "elf64"
    return Exe(kind, 6, data, raws[ep_sect][0] + ep_off, raws)


def build_macho(rng, bits, sect_sizes, ep_sect, ep_off):
    """Mach-O 32 (i386) or 64 (x86-64) executable: one segment with one
    section per entry of sect_sizes and an LC_UNIXTHREAD whose instruction
    pointer is ep_off bytes into section ep_sect."""
    nsect = len(sect_sizes)
    hsize = 28 if bits == 32 else 32
    segsize = (56 + 68 * nsect) if bits == 32 else (72 + 80 * nsect)
    thsize = (16 + 16 * 4) if bits == 32 else (16 + 42 * 4)
    cmds_end = hsize + segsize + thsize
    off = _align(cmds_end, 16)
    raws = []
    for s in sect_sizes:
        raws.append((off, s))
        off += s
    total = off
    base = 0x1000 if bits == 32 else 0x100000000
    data = bytearray(rng.randbytes(total))
    data[0:raws[0][0]] = bytes(raws[0][0])
    if bits == 32:
        struct.pack_into("<IiiIIII", data, 0, 0xFEEDFACE, 7, 3, 2, 2,
                         segsize + thsize, 0)
    else:
        struct.pack_into("<IiiIIIII", data, 0, 0xFEEDFACF, 0x01000007, 3, 2,
                         2, segsize + thsize, 0, 0)
    p = hsize
    if bits == 32:
        struct.pack_into("<II16sIIIIiiII", data, p, 1, segsize, b"__TEXT",
                         base, total, 0, total, 7, 5, nsect, 0)
        q = p + 56
        for i in range(nsect):
            o, s = raws[i]
            struct.pack_into("<16s16sIIIIIIIII", data, q, b"__s%d" % i,
                             b"__TEXT", base + o, s, o, 4, 0, 0, 0, 0, 0)
            q += 68
    else:
        struct.pack_into("<II16sQQQQiiII", data, p, 0x19, segsize, b"__TEXT",
                         base, total, 0, total, 7, 5, nsect, 0)
        q = p + 72
        for i in range(nsect):
            o, s = raws[i]
            struct.pack_into("<16s16sQQIIIIIIII", data, q, b"__s%d" % i,
                             b"__TEXT", base + o, s, o, 4, 0, 0, 0, 0, 0, 0)
            q += 80
    p += segsize
    entry = base + raws[ep_sect][0] + ep_off
    if bits == 32:
        struct.pack_into("<IIII", data, p, 5, thsize, 1, 16)
        struct.pack_into("<I", data, p + 16 + 10 * 4, entry)
    else:
        struct.pack_into("<IIII", data, p, 5, thsize, 4, 42)
        struct.pack_into("<Q", data, p + 16 + 16 * 8, entry)
    kind = "macho32" if bits == 32 else "macho64"
    return Exe(kind, 9, data, raws[ep_sect][0] + ep_off, raws)


EXE_KINDS = ("pe32", "pe64", "elf32", "elf64", "macho32", "macho64")


def build_random(rng, kind):
    """An executable of the given kind with 1-5 random sections and a random
    entry point inside one of them."""
    nsect = rng.randint(1, 5)
    if kind.startswith("pe"):
        sizes = [PE_FILE_ALIGN * rng.randint(1, 3) for _ in range(nsect)]
    else:
        sizes = [rng.randrange(64, 1024, 16) for _ in range(nsect)]
    if kind.startswith("elf"):
        ep_sect = rng.randint(1, nsect)
        ep_off = rng.randrange(0, sizes[ep_sect - 1] - 16)
    else:
        ep_sect = rng.randrange(nsect)
        ep_off = rng.randrange(0, sizes[ep_sect] - 16)
    bits = 32 if kind.endswith("32") else 64
    if kind.startswith("pe"):
        return build_pe(rng, bits, sizes, ep_sect, ep_off)
    if kind.startswith("elf"):
        return build_elf(rng, bits, sizes, ep_sect, ep_off)
    return build_macho(rng, bits, sizes, ep_sect, ep_off)
