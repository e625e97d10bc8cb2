#!/usr/bin/python3
"""test_formats_vs_clamscan.py - the format layer (lib/formats) against
clamscan 1.4.6 on the same files.

tests/test_formats_dump (built from tests/unit/test_formats_dump.c) prints
what vigil's parsers make of a file; this script asks clamscan the same
questions and compares:

1. File type: clamscan --gen-json --debug prints the root layer's
   CL_TYPE_*. Files: Debian's clamav-testfiles, a few hundred generated
   ones (text, UTF-16, HTML and mail in many positions, SFX markers, tar
   variants, OOXML zips, magic collisions) and random data.
2. Executables: for every PE/ELF/Mach-O (real ones: the PE testfiles,
   packed or not, and ELF programs and libraries of this system; crafted
   ones with broken and odd headers) vigil's result becomes signatures:
   an .ldb with EntryPoint:E-E,NumberOfSections:N-N, .ndb EP+0, Sx+0 and
   SL+0 with the bytes vigil says are there; each must alert, and a file
   vigil rejects must not satisfy NumberOfSections:0-65535 (ClamAV could
   not parse it either) while a plain signature of the same target still
   alerts.
3. Normalised text: clamscan --leave-temps keeps the text cli_scanscript
   normalised; vigil's (textnorm_feed, with ClamAV's buffer flushes and
   with and without a target-7 signature setting the carried-over length)
   must equal it byte for byte. A target-7 signature that exists only in
   normalised form must alert.
4. Embedded types: SFX archives and ISO 9660 found inside other layers
   (JSON "EmbeddedObjects") against filetype_scan_embedded.
"""
import io
import os
import random
import re
import shutil
import struct
import subprocess
import sys
import tarfile
import tempfile
import zipfile

TESTFILES = "/usr/share/clamav-testfiles"
BUILD = os.environ.get("VG_BUILDDIR", "")
DUMP = os.path.join(BUILD, "tests", "test_formats_dump")
failures = []


def fail(msg):
    failures.append(msg)
    print("FAIL " + msg)


def run(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, **kw)


def dump(mode, paths):
    r = run([DUMP, mode] + paths, text=True)
    if r.returncode != 0:
        fail("%s %s: %s" % (DUMP, mode, r.stderr.strip()))
    return r.stdout.splitlines()


def write(d, name, data):
    p = os.path.join(d, name)
    with open(p, "wb") as f:
        f.write(data)
    return p


# ---------------------------------------------------------------- crafting

def mk_pe(nsect=1, pe64=False, magic=b"MZ", lfanew=0x80, optsize=None, ndirs=16,
          salign=0x1000, falign=0x200, hdrsize=0x400, ep=0x1000, sections=None, total=None,
          subsystem=2):
    """sections: (VirtualAddress, VirtualSize, SizeOfRawData, PointerToRawData)"""
    rnd = random.Random(nsect * 7919 + ep)
    if sections is None:
        sections = [(0x1000 * (i + 1), 0x1000, 0x200, 0x400 + 0x200 * i) for i in range(nsect)]
    std = 112 if pe64 else 96
    if optsize is None:
        optsize = std + 8 * min(ndirs, 16)
    hdr = bytearray(magic + b"\x90\x00" + bytes(60))
    struct.pack_into("<I", hdr, 60, lfanew)
    hdr += bytes(max(0, lfanew - len(hdr)))
    fh = b"PE\0\0" + struct.pack("<HHIIIHH", 0x8664 if pe64 else 0x14c, len(sections), 0, 0, 0,
                                 optsize, 0x102)
    opt = bytearray(max(std, optsize))
    struct.pack_into("<H", opt, 0, 0x20b if pe64 else 0x10b)
    struct.pack_into("<I", opt, 16, ep)
    struct.pack_into("<I", opt, 32, salign)
    struct.pack_into("<I", opt, 36, falign)
    struct.pack_into("<I", opt, 56, 0x10000)
    struct.pack_into("<I", opt, 60, hdrsize)
    struct.pack_into("<H", opt, 68, subsystem)
    struct.pack_into("<I", opt, 108 if pe64 else 92, ndirs)
    opt = opt[:optsize]
    sh = b"".join(struct.pack("<8sIIIIIIHHI", b".s%d" % i, vs, va, rs, rp, 0, 0, 0, 0, 0x60000020)
                  for i, (va, vs, rs, rp) in enumerate(sections))
    img = bytearray(hdr + fh + opt + sh)
    if total is None:
        total = max([rp + rs for (va, vs, rs, rp) in sections if rp + rs < 0x100000] + [len(img)])
    if len(img) < total:
        img += bytes(rnd.getrandbits(8) for _ in range(total - len(img)))
    return bytes(img[:total])


def mk_elf(bits=64, be=False, entry=0x401000, phdrs=None, shdrs=None, phnum=None, shnum=None,
           phentsize=None, shentsize=None, cls=None, data=None, size=0x3000, phoff=None,
           shoff=0x2000):
    """phdrs: (type, offset, vaddr, filesz, memsz); shdrs: (addr, offset, size)"""
    rnd = random.Random(bits * 31 + (entry & 0xffff) + size)
    e = ">" if be else "<"
    if phdrs is None:
        phdrs = [(1, 0, 0x400000, 0x2000, 0x2000)]
    if shdrs is None:
        shdrs = [(0, 0, 0), (0x401000, 0x1000, 0x100), (0x401100, 0x1100, 0x200)]
    ehsize, phes, shes = (64, 56, 64) if bits == 64 else (52, 32, 40)
    if phoff is None:
        phoff = ehsize
    ident = b"\x7fELF" + bytes([cls if cls is not None else (2 if bits == 64 else 1),
                                data if data is not None else (2 if be else 1), 1]) + bytes(9)
    fields = (2, 62 if bits == 64 else 3, 1, entry, phoff, shoff, 0, ehsize,
              phes if phentsize is None else phentsize, len(phdrs) if phnum is None else phnum,
              shes if shentsize is None else shentsize, len(shdrs) if shnum is None else shnum, 0)
    if bits == 64:
        h = ident + struct.pack(e + "HHIQQQIHHHHHH", *fields)
        ph = b"".join(struct.pack(e + "IIQQQQQQ", t, 5, o, v, v, fs, ms, 0x1000)
                      for (t, o, v, fs, ms) in phdrs)
        sh = b"".join(struct.pack(e + "IIQQQQIIQQ", 0, 1, 6, a, o, s, 0, 0, 16, 0)
                      for (a, o, s) in shdrs)
    else:
        h = ident + struct.pack(e + "HHIIIIIHHHHHH", *fields)
        ph = b"".join(struct.pack(e + "IIIIIIII", t, o, v, v, fs, ms, 5, 0x1000)
                      for (t, o, v, fs, ms) in phdrs)
        sh = b"".join(struct.pack(e + "IIIIIIIIII", 0, 1, 6, a, o, s, 0, 0, 16, 0)
                      for (a, o, s) in shdrs)
    img = bytearray(rnd.getrandbits(8) for _ in range(size))
    img[0:len(h)] = h
    if phoff < size:
        img[phoff:phoff + len(ph)] = ph
    if shoff < size:
        img[shoff:shoff + len(sh)] = sh
    return bytes(img[:size])


def mk_macho(bits=64, be=False, cpu=0x1000007, cmds=None, ncmds=None, size=0x3000):
    """cmds: ('seg', [(addr, size, offset, align)]) | ('thread', state) | ('raw', cmd, payload)"""
    rnd = random.Random(bits * 13 + cpu + size)
    e = ">" if be else "<"
    if cmds is None:
        cmds = [("seg", [(0x1000, 0x100, 0x1000, 4), (0x1100, 0x80, 0x1100, 4)])]
    body = b""
    for c in cmds:
        if c[0] == "seg":
            if bits == 64:
                sb = b"".join(struct.pack(e + "16s16sQQIIIIIIII", b"__text", b"__TEXT", a, s, o, al,
                                          0, 0, 0, 0, 0, 0) for (a, s, o, al) in c[1])
                seg = struct.pack(e + "16sQQQQiiII", b"__TEXT", 0, 0x10000, 0, 0x3000, 7, 5,
                                  len(c[1]), 0)
                body += struct.pack(e + "II", 0x19, 8 + len(seg) + len(sb)) + seg + sb
            else:
                sb = b"".join(struct.pack(e + "16s16sIIIIIIIII", b"__text", b"__TEXT", a, s, o, al,
                                          0, 0, 0, 0, 0) for (a, s, o, al) in c[1])
                seg = struct.pack(e + "16sIIIIiiII", b"__TEXT", 0, 0x10000, 0, 0x3000, 7, 5,
                                  len(c[1]), 0)
                body += struct.pack(e + "II", 0x1, 8 + len(seg) + len(sb)) + seg + sb
        elif c[0] == "thread":
            body += struct.pack(e + "IIII", 5, 16 + len(c[1]), 1, len(c[1]) // 4) + c[1]
        else:
            body += struct.pack(e + "II", c[1], 8 + len(c[2])) + c[2]
    hdr = struct.pack(e + "IIIIIII", 0xfeedfacf if bits == 64 else 0xfeedface, cpu, 3, 2,
                      len(cmds) if ncmds is None else ncmds, len(body), 0)
    if bits == 64:
        hdr += bytes(4)
    img = bytearray(rnd.getrandbits(8) for _ in range(size))
    img[0:len(hdr) + len(body)] = hdr + body
    return bytes(img[:size])


def crafted_exes(d):
    w = lambda n, b: write(d, n, b)  # noqa: E731
    out = [
        w("pe_basic.exe", mk_pe(3)),
        w("pe64_basic.exe", mk_pe(3, pe64=True)),
        w("pe_ep_hdr.exe", mk_pe(2, ep=0x100)),
        w("pe_ep_hdr_beyond.exe", mk_pe(1, ep=0x3ff, total=0x300,
                                        sections=[(0x1000, 0x1000, 0x200, 0x200)])),
        w("pe_ep_nomap.exe", mk_pe(2, ep=0x9000)),
        w("pe_ep_lastsect.exe", mk_pe(2, ep=0x1010, sections=[(0x1000, 0x1000, 0x200, 0x400),
                                                             (0x1000, 0x1000, 0x200, 0x600)])),
        w("pe_sect_beyond.exe", mk_pe(2, total=0x800, sections=[(0x1000, 0x1000, 0x200, 0x400),
                                                               (0x2000, 0x1000, 0x200, 0x8000)])),
        w("pe_sect_trunc.exe", mk_pe(2, total=0x900, sections=[(0x1000, 0x1000, 0x200, 0x400),
                                                              (0x2000, 0x1000, 0x2000, 0x600)])),
        w("pe_ep_trunc.exe", mk_pe(2, ep=0x2100, total=0x900,
                                   sections=[(0x1000, 0x1000, 0x200, 0x400),
                                             (0x2000, 0x1000, 0x2000, 0x600)])),
        w("pe_ep_cut.exe", mk_pe(2, ep=0x2400, total=0x900,
                                 sections=[(0x1000, 0x1000, 0x200, 0x400),
                                           (0x2000, 0x1000, 0x2000, 0x600)])),
        w("pe_signbit.exe", mk_pe(2, sections=[(0x1000, 0x1000, 0x200, 0x400),
                                               (0x80002000, 0x1000, 0x200, 0x600)])),
        w("pe_signbit_vs.exe", mk_pe(2, sections=[(0x1000, 0x1000, 0x200, 0x400),
                                                  (0x2000, 0x80001000, 0x200, 0x600)])),
        w("pe_signbit_raw0.exe", mk_pe(2, sections=[(0x1000, 0x1000, 0x200, 0x400),
                                                    (0x2000, 0x1000, 0, 0x80000600)])),
        w("pe_nosect.exe", mk_pe(0, sections=[])),
        w("pe_optsmall.exe", mk_pe(1, optsize=95)),
        w("pe64_optsmall.exe", mk_pe(1, pe64=True, optsize=0xe0)),
        w("pe_ndirs100.exe", mk_pe(1, ndirs=100, optsize=96 + 8 * 16)),
        w("pe_ndirs100_small.exe", mk_pe(1, ndirs=100, optsize=96 + 8 * 15)),
        w("pe_ndirs3.exe", mk_pe(1, ndirs=3)),
        w("pe_optbig.exe", mk_pe(1, optsize=96 + 8 * 16 + 64)),
        w("pe_falign_fallback.exe", mk_pe(2, falign=0x1000, hdrsize=0x1000,
                                          sections=[(0x1000, 0x1000, 0x200, 0x1000),
                                                    (0x2000, 0x1000, 0x300, 0x1400)])),
        w("pe_falign_odd.exe", mk_pe(2, falign=0x1000, hdrsize=0x1000,
                                     sections=[(0x1000, 0x1000, 0x200, 0x1000),
                                               (0x2000, 0x1000, 0x300, 0x1010)])),
        w("pe_falign0.exe", mk_pe(2, falign=0, sections=[(0x1000, 0x1000, 0x123, 0x401),
                                                         (0x2000, 0x1000, 0x300, 0x777)])),
        w("pe_salign0.exe", mk_pe(2, salign=0, ep=0x1234,
                                  sections=[(0x1000, 0x1000, 0x400, 0x400),
                                            (0x2000, 0x1000, 0x300, 0x800)])),
        w("pe_salign_odd.exe", mk_pe(2, salign=0x300, ep=0x1234, hdrsize=0x123,
                                     sections=[(0x1000, 0x1000, 0x400, 0x400),
                                               (0x2000, 0x1000, 0x300, 0x800)])),
        w("pe_lfanew_big.exe", mk_pe(1)[:0x3c] + struct.pack("<I", 0x7fffffff) + mk_pe(1)[0x40:]),
        w("pe_lfanew0.exe", mk_pe(1)[:0x3c] + struct.pack("<I", 0) + mk_pe(1)[0x40:]),
        w("pe_sect_table_cut.exe", mk_pe(8, total=0x80 + 24 + 224 + 40 * 3)),
        w("pe_vsize0.exe", mk_pe(2, sections=[(0x1000, 0, 0x200, 0x400), (0x2000, 0, 0x300, 0x600)])),
        w("pe_ep_in_rawless.exe", mk_pe(2, ep=0x2010, sections=[(0x1000, 0x1000, 0x200, 0x400),
                                                               (0x2000, 0x1000, 0, 0x600)])),
        w("pe_native.exe", mk_pe(2, subsystem=1, salign=0x20, falign=0x20,
                                 sections=[(0x1000, 0x1000, 0x200, 0x400),
                                           (0x2000, 0x1000, 0x300, 0x600)])),
        w("pe_rawsize_wrap.exe", mk_pe(2, total=0x1000, sections=[(0x1000, 0x1000, 0x200, 0x400),
                                                                 (0x2000, 0x1000, 0xffffff00, 0x600)])),
    ]
    for n in (95, 96, 97, 300):  # no limit on NumberOfSections in 1.4
        out.append(w("pe_n%d.exe" % n, mk_pe(sections=[(0x1000 * (i + 1), 0x1000, 0x200, 0x4000 + 0x200 * i)
                                                      for i in range(n)], hdrsize=0x4000)))
    elf = [
        ("elf64le.elf", mk_elf(64, False)), ("elf64be.elf", mk_elf(64, True)),
        ("elf32le.elf", mk_elf(32, False)), ("elf32be.elf", mk_elf(32, True)),
        ("elf_entry0.elf", mk_elf(64, entry=0)),
        ("elf_phnum0.elf", mk_elf(64, phdrs=[])),
        ("elf_phnum128.elf", mk_elf(64, phdrs=[(1, 0, 0x400000, 0x2000, 0x2000)] * 128)),
        ("elf_phnum129.elf", mk_elf(64, phdrs=[(1, 0, 0x400000, 0x2000, 0x2000)] * 129)),
        ("elf_phnum129_entry0.elf", mk_elf(64, entry=0, phdrs=[(1, 0, 0x400000, 0x2000, 0x2000)] * 129)),
        ("elf_shnum256.elf", mk_elf(32, shdrs=[(i, 0x10 * i, 8) for i in range(256)], shoff=0x1000,
                                    size=0x4000)),
        ("elf_shnum257.elf", mk_elf(32, shdrs=[(i, 0x10 * i, 8) for i in range(257)], shoff=0x1000,
                                    size=0x4000)),
        ("elf_shnum0.elf", mk_elf(64, shdrs=[])),
        ("elf_shnum0_shentsize0.elf", mk_elf(64, shdrs=[], shentsize=0)),
        ("elf_shentsize_bad.elf", mk_elf(64, shentsize=40)),
        ("elf_phentsize_bad.elf", mk_elf(64, phentsize=32)),
        ("elf_phentsize_bad_entry0.elf", mk_elf(64, entry=0, phentsize=32)),
        ("elf_ep_nomap.elf", mk_elf(64, entry=0x900000)),
        ("elf_ep_second.elf", mk_elf(64, entry=0x500010, phdrs=[(6, 0x40, 0x400040, 0x38, 0x38),
                                                                (1, 0x100, 0x500000, 0x100, 0x100)])),
        ("elf_ep_any_type.elf", mk_elf(32, entry=0x400050, phdrs=[(0x6474e551, 0x800, 0x400000, 0, 0x1000),
                                                                  (1, 0, 0x400000, 0x2000, 0x2000)])),
        ("elf_class3.elf", mk_elf(64, cls=3)),
        ("elf_data0.elf", mk_elf(64, data=0)),
        ("elf_data7.elf", mk_elf(32, be=True, data=7)),
        ("elf_sh_cut.elf", mk_elf(64, shoff=0x2fc0)),
        ("elf_ph_cut.elf", mk_elf(64, phoff=0x2ff0)),
        ("elf32_short.elf", mk_elf(32)[:51]),
        ("elf64_short.elf", mk_elf(64)[:60]),
        ("elf32_phoff_wrap.elf", mk_elf(32, phoff=0xffffffe0, entry=0x400010,
                                        phdrs=[(1, 0, 0x400000, 0x2000, 0x2000)] * 3)),
        ("elf64_ep_high.elf", mk_elf(64, entry=0x400000010,
                                     phdrs=[(1, 0x100000000 - 0x10, 0x400000000, 0x100, 0x100)])),
        ("elf32_memsz_wrap.elf", mk_elf(32, entry=0x10, phdrs=[(1, 0x100, 0xfffff000, 0x100, 0x2000)])),
        ("elf_shoff_huge.elf", mk_elf(64, shoff=0x7fffffffffff)),
    ]
    out += [w(n, b) for n, b in elf]
    ppc = lambda pc: struct.pack(">40I", pc, *([0] * 39))  # noqa: E731
    macho = [
        ("m64_x86_lcmain.macho", mk_macho(64, cmds=[("seg", [(0x1000, 0x100, 0x1000, 4), (0x1100, 0x80, 0x1100, 4)]),
                                                     ("raw", 0x80000028, struct.pack("<QQ", 0x1000, 0))])),
        ("m32_x86_thread.macho", mk_macho(32, cpu=7, cmds=[("seg", [(0x1000, 0x100, 0x1000, 2)]),
                                                            ("thread", struct.pack("<16I", *([0] * 10 + [0x1010] + [0] * 5)))])),
        ("m32_ppc.macho", mk_macho(32, be=True, cpu=18, cmds=[("seg", [(0x1000, 0x100, 0x1000, 2), (0x2000, 0x100, 0x2000, 2)]),
                                                               ("thread", ppc(0x2010))])),
        ("m32_ppc_nomap.macho", mk_macho(32, be=True, cpu=18, cmds=[("seg", [(0x1000, 0x100, 0x1000, 2)]),
                                                                     ("thread", ppc(0x9010))])),
        ("m32_ppc_nosect.macho", mk_macho(32, be=True, cpu=18, cmds=[("thread", ppc(0x9010))])),
        ("m64_ppc64.macho", mk_macho(64, be=True, cpu=18 | 0x1000000,
                                     cmds=[("seg", [(0x1000, 0x100, 0x1000, 3)]),
                                           ("thread", struct.pack(">Q", 0x1020) + bytes(304))])),
        ("m_ncmds0.macho", mk_macho(64, ncmds=0)),
        ("m_ncmds1025.macho", mk_macho(64, ncmds=1025)),
        ("m_nsect255.macho", mk_macho(32, cpu=7, cmds=[("seg", [(0x1000 + i, 1, 0x100 + i, 0) for i in range(255)])],
                                      size=0x6000)),
        ("m_nsect256.macho", mk_macho(32, cpu=7, cmds=[("seg", [(0x1000 + i, 1, 0x100 + i, 0) for i in range(256)])],
                                      size=0x6000)),
        ("m32_two_segments.macho", mk_macho(32, cpu=7, cmds=[("seg", [(0x1000, 0x100, 0x400, 2)]), ("raw", 0x2, bytes(16)),
                                                              ("seg", [(0x3000, 0x100, 0x800, 2), (0x3100, 0x20, 0x900, 2)])])),
        ("m64_ignores_segment32.macho", mk_macho(64, cmds=[("raw", 0x1, bytes(48)), ("seg", [(0x1000, 0x100, 0x1000, 4)])])),
        ("m_cut.macho", mk_macho(64, cmds=[("seg", [(0x1000, 0x100, 0x1000, 4)] * 3)])[:0x60]),
        ("m64_offset_huge.macho", mk_macho(64, cmds=[("seg", [(0x1000, 0x100, 0xfffff000, 4)])])),
        ("m64_addr_high.macho", mk_macho(64, cmds=[("seg", [(0x100001000, 0x10, 0x1000, 4)])])),
    ]
    for bits, size, align in ((32, 0x123, 0), (32, 0x123, 31), (32, 0x123, 32), (32, 0xfffffff1, 4),
                              (32, 0xfffffff0, 4), (32, 0xffffffff, 0), (64, 0x123, 31), (64, 0x123, 32),
                              (64, 0x123, 40), (64, 0x100000000, 0), (64, 0xffffffff, 0),
                              (64, 0xfffffff1, 4), (64, 0x80000001, 31)):
        macho.append(("m%d_size%x_align%d.macho" % (bits, size, align),
                      mk_macho(bits, cpu=7 if bits == 32 else 0x1000007,
                               cmds=[("seg", [(0x1000, size, 0x1000, align), (0x2000, 0x10, 0x1200, 0)])])))
    macho.append(("fat.macho", struct.pack(">II", 0xcafebabe, 2) + struct.pack(">5I", 7, 3, 0x1000, 0x3000, 12) +
                  struct.pack(">5I", 18, 0, 0x4000, 0x3000, 12) + bytes(0x1000 - 48) +
                  mk_macho(64) + bytes(0x1000) + mk_macho(32, be=True, cpu=18)))
    out += [w(n, b) for n, b in macho]
    return out


# ---------------------------------------------------------------- 1. types

def type_corpus(d):
    rnd = random.Random(7)
    f = {}
    for i in range(60):
        n = rnd.choice([6, 7, 10, 50, 100, 500, 1000, 1023, 1024, 1025, 3000])
        f["rand%02d.bin" % i] = bytes(rnd.getrandbits(8) for _ in range(n))
    for i in range(15):
        f["zeros%02d.bin" % i] = bytes(rnd.choice([0, 0, 0, rnd.getrandbits(8)]) for _ in range(800))
    for i in range(15):
        f["text%02d.txt" % i] = bytes(rnd.choice(b"abc XYZ\t\r\n\x01\x7f\x80\xe9<>") for _ in range(700))
    txt = b"Hello world, this is some text.\n" * 20
    f.update({
        "ascii.txt": txt, "ctrl.txt": txt + b"\x01" + txt,
        "utf8.txt": "Grüße aus Köln\n".encode() * 30, "latin1.txt": "Grüße aus Köln\n".encode("latin1") * 30,
        "u16le_bom.txt": "\ufeffHello world text\n".encode("utf-16-le") * 10,
        "u16be_bom.txt": "\ufeffHello world text\n".encode("utf-16-be") * 10,
        "u16le.txt": "Hello world text\n".encode("utf-16-le") * 10,
        "u16be.txt": "Hello world text\n".encode("utf-16-be") * 10,
        "h_u16le_bom.html": "\ufeff<html><body>hi</body></html>\n".encode("utf-16-le"),
        "h_u16be_bom.html": "\ufeff<html><body>hi</body></html>\n".encode("utf-16-be"),
        "h_u16le.html": "<html><body>hi</body></html>\n".encode("utf-16-le"),
        "h_u16be.html": "x<html><body>hi</body></html>\n".encode("utf-16-be"),
        "h_xml16.html": '<?xml version="1.0"?><html><body>hi</body></html>\n'.encode("utf-16-le"),
        "h_ucs4.html": "<html><body>hi</body></html>\n".encode("utf-32-le"),
        "h_late.html": b"A" * 1100 + b"<html>", "h_early.html": b"some text <script>x</script>",
        "h_ahref.html": b'text <a foo="1" href="x">', "h_AHREF.html": b'text <A HREF="x">',
        "h_asp.html": b"<%@ LANGUAGE = VBScript %>", "h_bin.html": b"\x00\x01\x02<html>\x00\x00",
        "m_from.eml": b"From: a@b\nTo: c@d\nSubject: x\n\nbody\n",
        "m_hdr2.eml": b"X-Foo: bar\nFrom: a@b\nSubject: x\nContent-Type: text/plain\n\nbody\n",
        "m_mime.eml": b"MIME-Version: 1.0\nContent-Type: text/plain\n\nbody\n",
        "m_mime2.eml": b"junk\nMIME-Version: 1.0\nContent-Type: text/plain\n\nbody\n",
        "m_msgid.eml": b"junk\nMessage-Id: <x@y>\nfoo\nContent-Type: text/plain\n\nbody\n",
        "m_recv.eml": b"junk\nreceived: from x\nContent-type: text/plain\n",
        "m_deliv.eml": b"xx Delivered-To: x\nReceived: y\n",
        "m_html.eml": b"junk\nFrom: a@b\nContent-Type: text/html\n\n<html><body>x</body></html>",
        "pe_in_text.txt": b"hello MZ" + b"x" * 100 + b"PE\x00\x00 more text",
        "pe_then_html.txt": b"hello MZ" + b"x" * 100 + b"PE\x00\x00 <html> text",
        "html_then_pe.txt": b"<html> MZ" + b"x" * 200 + b"PE\x00\x00 text",
        "mz_html_pe.txt": b"MZ <html>" + b"x" * 200 + b"PE\x00\x00 text",
        "pdf_mid.txt": b"garbage garbage %PDF-1.4 stuff", "pdf_lower.txt": b"garbage %pdf-1.4 stuff",
        "pdf_late.txt": b"A" * 1030 + b"%PDF-1.4 stuff",
        "zipsfx.txt": b"hello PK\x03\x04 zip", "zipsfx_html.txt": b"hello PK\x03\x04 zip <html>",
        "html_zipsfx.txt": b"hello <html> PK\x03\x04 zip",
        "rarsfx.bin": b"\x00\x01Rar!\x1a\x07\x00xx", "cabsfx.bin": b"\x00\x01MSCF\x00\x00\x00\x00xx",
        "7zsfx.bin": b"\x00\x017z\xbc\xaf\x27\x1cxx", "arjsfx.bin": b"\x00\x01\x60\xea1234567\x00\x02xx",
        "xdp.txt": b"hello <xdp:xdp> world",
        "xmlword.xml": b'<?xml version="1.0" encoding="x"?><w:wordDocument>',
        "xmlxl.xml": b'<?xml version="1.0"?>\n<Workbook>', "xmlplain.xml": b'<?xml version="1.0"?>\n<foo>',
        "mhtml.mht": b"MIME-Version: 1.0\nContent-Type: multipart/related\n",
        "java.class": b"\xca\xfe\xba\xbe\x00\x00\x00\x34" + bytes(100),
        "java21.class": b"\xca\xfe\xba\xbe\x00\x00\x00\x41" + bytes(100),
        "fat.bin": b"\xca\xfe\xba\xbe\x00\x00\x00\x02" + bytes(100),
        "pyc.bin": b"\x55\x0d\x0d\x0a" + bytes(100), "pyc2.bin": b"\x99\x0d\x0d\x0a" + bytes(100),
        "lha.bin": b"\x00\x00-lh5-" + bytes(100), "sis.bin": bytes(10) + b"\x19\x04\x00\x10" + bytes(100),
        "udf.bin": bytes(100) + b"\x00BEA01" + bytes(100),
        "apm.bin": b"ER" + bytes(510) + b"PM\x00\x00" + bytes(100),
        "mbr_text.txt": b"A" * 510 + b"\x55\xaa" + b"A" * 100,
        "pdfimage.bin": bytes(10) + b"/RGB\nID\n" + b"\xff" * 24 + bytes(10),
        "tiff_mm.txt": b"MM this is text", "bmp.txt": b"BM this is text", "to.txt": b"To: this is text",
        "crcrlf.txt": b"x\r\r\nbad", "hwpml.xml": b'\xef\xbb\xbf<?xml version="1.0" encoding="UTF-8"?><HWPML>',
        "aliases.ini": b"[aliases]\nfoo=bar\n",
        "mz_ustar.bin": b"MZ" + b"A" * 255 + b"ustar" + b"A" * 762,
        "mz_gpt.bin": b"MZ" + b"\x01" * 510 + b"EFI PART" + b"\x01" * 504,
    })

    def tar(fmt):
        bio = io.BytesIO()
        with tarfile.open(fileobj=bio, mode="w", format=fmt) as t:
            ti = tarfile.TarInfo("MZfile.txt")
            data = b"hello" * 10
            ti.size = len(data)
            t.addfile(ti, io.BytesIO(data))
        return bio.getvalue()
    f["gnu.tar"] = tar(tarfile.GNU_FORMAT)
    f["ustar.tar"] = tar(tarfile.USTAR_FORMAT)
    v7 = bytearray(tar(tarfile.USTAR_FORMAT))
    v7[257:265] = bytes(8)
    s = sum(v7[:148]) + sum(v7[156:512]) + 256
    v7[148:156] = ("%06o\x00 " % s).encode()
    f["v7.tar"] = bytes(v7)

    def zf(names, pad=0):
        bio = io.BytesIO()
        with zipfile.ZipFile(bio, "w") as z:
            for n in names:
                z.writestr(n, b"x" * pad)
        return bio.getvalue()
    f.update({
        "word.zip": zf(["[Content_Types].xml", "_rels/.rels", "word/document.xml"]),
        "xl.zip": zf(["xl/workbook.xml"]), "ppt.zip": zf(["[Content_Types].xml", "ppt/x.xml"]),
        "likely.zip": zf(["[Content_Types].xml", "_rels/.rels", "docProps/app.xml", "word/document.xml"]),
        "late.zip": zf(["a.txt", "b.txt", "word/document.xml"], pad=600),
        "later.zip": zf(["a.txt", "b.txt", "c.txt", "word/document.xml"], pad=600),
        "plain.zip": zf(["a.txt", "b.txt"], pad=10), "hpf.zip": zf(["Contents/content.hpf"]),
    })
    return [write(d, n, b) for n, b in sorted(f.items())]


def clam_types(paths):
    """Root CL_TYPE_* per file name, from clamscan --gen-json --debug."""
    db = write(os.path.dirname(paths[0]), "none.ndb", b"Vg.None:0:*:00ff00ff00ff00ff00ff7e7e7e\n")
    r = run(["clamscan", "--gen-json", "--debug", "-d", db] + paths, text=True, errors="replace")
    types, cur = {}, None
    for line in r.stderr.splitlines():
        m = re.search(r'"RootFileType":"([A-Z0-9_]+)"', line)
        if m:
            cur = m.group(1)
        m = re.search(r'"FileName":"([^"]*)"', line)
        if m and cur:
            types[m.group(1)] = cur
            cur = None
    os.unlink(db)
    return types


def check_types(work):
    paths = type_corpus(work)
    if os.path.isdir(TESTFILES):
        paths += sorted(os.path.join(TESTFILES, n) for n in os.listdir(TESTFILES))
    paths = [p for p in paths if os.path.getsize(p) > 5]  # ClamAV skips smaller files
    clam = clam_types(paths)
    mine = dump("type", paths)
    same = 0
    for p, t in zip(paths, mine):
        c = clam.get(os.path.basename(p))
        # ClamAV's OLE2 parser renames the root type in its JSON (MSWORD, ...)
        if c in ("CL_TYPE_MSWORD", "CL_TYPE_MSPPT", "CL_TYPE_MSXL"):
            c = "CL_TYPE_MSOLE2"
        if c == t:
            same += 1
        else:
            fail("type %s: clamscan %s, vigil %s" % (os.path.basename(p), c, t))
    print("types: %d files, %d agree" % (len(paths), same))


# ---------------------------------------------------------------- 2. executables

def system_elves():
    """ELF programs and shared libraries of this system (no fixed paths)."""
    out = []
    cands = [shutil.which(p) for p in ("ls", "cat", "bash", "clamscan", "cmake", "gzip")]
    cands.append(sys.executable)
    with open("/proc/self/maps") as f:
        cands += [line.split()[-1] for line in f if ".so" in line]
    for p in cands:
        if not p or not os.path.isfile(p) or os.path.realpath(p) in out:
            continue
        with open(p, "rb") as fh:
            if fh.read(4) == b"\x7fELF":
                out.append(os.path.realpath(p))
    return out[:14]


def check_exes(work):
    paths = crafted_exes(work)
    if os.path.isdir(TESTFILES):
        paths += sorted(os.path.join(TESTFILES, n) for n in os.listdir(TESTFILES) if n.endswith(".exe"))
    paths += system_elves()
    tgt = {"pe": 1, "elf": 6, "macho": 9}
    lines = dump("exe", paths)
    dbdir = os.path.join(work, "exedb")
    os.makedirs(dbdir)
    n = ok = 0
    for p, line in zip(paths, lines):
        f = line.split()
        if f[0] == "none":
            fail("exe %s: vigil does not type it as an executable" % p)
            continue
        with open(p, "rb") as fh:
            data = fh.read()
        t = tgt[f[0]]
        first = data[:4].hex()
        ldb = ["Vg.C;Engine:51-255,Target:%d;0;0:%s" % (t, first)]
        ndb = []
        want = {"Vg.C"}
        if f[1] == "fail":
            ldb.append("Vg.F;Engine:51-255,Target:%d,NumberOfSections:0-65535;0;0:%s" % (t, first))
        else:
            ep, ns = int(f[2]), int(f[3])
            secs = [tuple(map(int, s.split(":"))) for s in f[4:]]
            ldb.append("Vg.E;Engine:51-255,Target:%d,EntryPoint:%d-%d,NumberOfSections:%d-%d;0;0:%s"
                       % (t, ep, ep, ns, ns, first))
            want.add("Vg.E")
            if ep + 8 <= len(data):
                ndb.append("Vg.P:%d:EP+0:%s" % (t, data[ep:ep + 8].hex()))
                want.add("Vg.P")
            for i, (raw, _) in enumerate(secs[:40]):
                if raw + 8 <= len(data):
                    ndb.append("Vg.S%d:%d:S%d+0:%s" % (i, t, i, data[raw:raw + 8].hex()))
                    want.add("Vg.S%d" % i)
            # (ClamAV 1.4 crashes on SL+n when a parsed ELF has no sections)
            if ns and ns == len(secs) and secs[-1][0] + 8 <= len(data):
                ndb.append("Vg.L:%d:SL+0:%s" % (t, data[secs[-1][0]:secs[-1][0] + 8].hex()))
                want.add("Vg.L")
        args = ["clamscan", "--no-summary", "--allmatch"]
        write(dbdir, "t.ldb", ("\n".join(ldb) + "\n").encode())
        args += ["-d", os.path.join(dbdir, "t.ldb")]
        if ndb:
            write(dbdir, "t.ndb", ("\n".join(ndb) + "\n").encode())
            args += ["-d", os.path.join(dbdir, "t.ndb")]
        elif os.path.exists(os.path.join(dbdir, "t.ndb")):
            os.unlink(os.path.join(dbdir, "t.ndb"))
        r = run(args + [p], text=True, errors="replace")
        got = set(re.findall(r": (\S+)\.UNOFFICIAL FOUND", r.stdout))
        n += 1
        if got == want and r.returncode == 1:
            ok += 1
        else:
            fail("exe %s (vigil: %s): clamscan rc %d, missing %s, unexpected %s"
                 % (os.path.basename(p), line[:70], r.returncode, sorted(want - got), sorted(got - want)))
    print("executables: %d files, %d agree" % (n, ok))


# ---------------------------------------------------------------- 3. normalised text

def check_textnorm(work):
    rnd = random.Random(11)
    words = [b"Word", b"ABC", b"x", b"\t\t", b"  ", b" \r\n", b"\x01", b"\xe9", b"Zz9", b"!?", b"\x0b\x0c",
             b"QuOtE\"", b"\x00", b"\x7f\x1b"]
    # The type comes from the first 1 KiB: keep it text, so the layer gets
    # the normalised pass; control and high bytes follow.
    head = b"Plain Text Header\tLine\n" * 50
    samples = {
        "small.txt": b"Some Text: HELLO   World\t\n\n  Again\n",
        "u16le.txt": "Some Text: HELLO   World\n".encode("utf-16-le") * 20,
        "u16be_bom.txt": "\ufeffMixed CASE\ttext\n".encode("utf-16-be") * 20,
        "latin1.txt": "Ærø Ünïcødé ÀB\n".encode("latin1") * 50,
        "mid.txt": head + b"".join(rnd.choice(words) for _ in range(20000)),
        "big.txt": head + b"".join(rnd.choice(words) for _ in range(250000)),  # several flushes
    }
    target7 = write(work, "t7.ndb", b"Vg.T7:7:*:717171717171717171717171717171717171\n")
    none = write(work, "none7.ndb", b"Vg.None:0:*:00ff00ff00ff00ff00ff7e7e7e\n")
    for name, data in sorted(samples.items()):
        p = write(work, name, data)
        for db in (none, target7):
            tmp = tempfile.mkdtemp(prefix="norm-", dir=work)
            r = run(["clamscan", "--no-summary", "--debug", "--leave-temps", "--tempdir", tmp, "-d", db, p],
                    text=True, errors="replace")
            saved = re.findall(r"cli_scanscript: saving normalized file to (\S+)", r.stderr)
            maxpat = re.findall(r"Matcher\[7\]: ASCII: .* maxpatlen (\d+)", r.stderr)
            if len(saved) != 1 or not maxpat:
                fail("textnorm %s: clamscan did not normalise it (%d files)" % (name, len(saved)))
                continue
            with open(saved[0], "rb") as fh:
                clam = fh.read()
            mine = run([DUMP, "scanscript", maxpat[0], p]).stdout
            if clam != mine:
                k = next((i for i in range(min(len(clam), len(mine))) if clam[i] != mine[i]),
                         min(len(clam), len(mine)))
                fail("textnorm %s (maxpatlen %s): differs at byte %d (clamscan %d bytes, vigil %d)"
                     % (name, maxpat[0], k, len(clam), len(mine)))
            shutil.rmtree(tmp, ignore_errors=True)
        # the plain one-shot form is what a layer that fits in one buffer gets
        if len(data) < 100000:
            one = run([DUMP, "norm", p]).stdout
            flushed = run([DUMP, "scanscript", "0", p]).stdout
            if one != flushed:
                fail("textnorm %s: one-shot and buffered forms differ" % name)
    # a target-7 signature that only the normalised form contains
    p = write(work, "t7.txt", b"Some text:\tHELLO   World\r\n")
    sig = write(work, "t7only.ndb", b"Vg.Norm:7:*:%s\n" % b"hello world".hex().encode())
    r = run(["clamscan", "--no-summary", "-d", sig, p], text=True)
    if "Vg.Norm.UNOFFICIAL FOUND" not in r.stdout:
        fail("textnorm: clamscan did not match the normalised target-7 signature: %s" % r.stdout)
    if b"hello world" not in run([DUMP, "norm", p]).stdout:
        fail("textnorm: vigil's normalised text lacks 'hello world'")
    print("textnorm: %d samples compared" % len(samples))


# ---------------------------------------------------------------- 4. embedded types

def clam_embedded(path):
    """Root-level EmbeddedObjects (type, offset) from clamscan's JSON."""
    db = path + ".ndb"
    write(os.path.dirname(path), os.path.basename(db), b"Vg.None:0:*:00ff00ff00ff00ff00ff7e7e7e\n")
    r = run(["clamscan", "--gen-json", "--debug", "-d", db, path], text=True, errors="replace")
    os.unlink(db)
    out, inside = [], False
    typ = None
    for line in r.stderr.splitlines():
        if line == '  "EmbeddedObjects":[':
            inside = True
        elif inside and line.startswith("  ]"):
            break
        elif inside:
            m = re.match(r'      "FileType":"([A-Z0-9_]+)"', line)
            if m:
                typ = m.group(1)
            m = re.match(r'      "Offset":(\d+)', line)
            if m and typ:
                out.append((typ, int(m.group(1))))
                typ = None
    return out


def check_embedded(work):
    rnd = random.Random(5)
    blob = lambda n: bytes(rnd.getrandbits(8) for _ in range(n))  # noqa: E731
    iso = bytearray(0x9000)
    iso[0x8000:0x8006] = b"\x01CD001"
    iso[0x8800:0x8806] = b"\xffCD001"
    cases = {
        "emb_zip.bin": blob(3000) + b"PK\x03\x04" + blob(200),
        "emb_two.bin": blob(500) + b"MSCF\x00\x00\x00\x00" + blob(300) + b"7z\xbc\xaf\x27\x1c" + blob(300),
        "emb_arj.bin": blob(100) + b"\x60\xea1234567\x01\x02" + blob(100),
        "emb_iso.bin": bytes(iso),
        "emb_text.txt": b"plain text " * 200 + b"PK\x03\x04 and more text " * 3,
    }
    n = ok = 0
    for name, data in sorted(cases.items()):
        p = write(work, name, data)
        lines = dump("embedded", [p])
        mine = [(ln.split()[0], int(ln.split()[1])) for ln in lines[1:]]
        # ClamAV acts on the entries not at offset 0
        mine = [m for m in mine if m[1] != 0]
        clam = clam_embedded(p)
        n += 1
        if mine == clam:
            ok += 1
        else:
            fail("embedded %s: clamscan %s, vigil %s" % (name, clam, mine))
    print("embedded: %d files, %d agree" % (n, ok))


def main():
    if not BUILD or not os.path.exists(DUMP) or shutil.which("clamscan") is None:
        print("needs $VG_BUILDDIR/tests/test_formats_dump and clamscan")
        return 1
    work = tempfile.mkdtemp(prefix="vgfmt-")
    try:
        for step in (check_types, check_exes, check_textnorm, check_embedded):
            d = os.path.join(work, step.__name__)
            os.makedirs(d)
            step(d)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print("%d failures" % len(failures))
    return 1 if failures else 0


sys.exit(main())
