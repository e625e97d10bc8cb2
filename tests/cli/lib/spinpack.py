"""spinpack.py - small PESpin 1.1-protected Windows executables for the
unpacker tests.

No PESpin runs on Linux, so this builds what it writes, as far as
ClamAV's unspin reads it: the program's sections encrypted with an LFSR
keyed by a value checked against a checksum of the file, then with a
polymorphic byte routine (x86 on AL and CL), some of them compressed
with the aPLib-style code (mewpack.aplib); PESpin's own section holding,
at fixed offsets from the entry point, the loader fields ClamAV requires
(mov ebx, key8; mov ecx, 0x11fe; the lengths 0x5a0, 0x180, 0x1a1), the
bitmaps and keys, under the loader's three encryption layers (a
counting-down byte key, two LFSRs) and the routine.

Library only (imported by tests/cli/test_unpack_mew_upack_pespin.py and
tests/fuzz/make_mew_upack_pespin_seeds.py). Python 3 standard library only.
"""

import struct

import mewpack

EP_SIG = b"\xe8\x00\x00\x00\x00\x8b\x1c\x24\x83\xc3"


def _align(v, a):
    return (v + a - 1) // a * a


def _rot8(v, n, left):
    n &= 7
    if not n:
        return v
    return ((v << n | v >> (8 - n)) if left else (v >> n | v << (8 - n))) & 0xFF


def exec86(al, cl, code):
    """ClamAV's emulation of the routine (code: 0x27 bytes)."""
    i = 0
    while i < 0x24:
        op = code[i]
        i += 1
        if op == 0xEB:
            i += 2
        elif op == 0x0A:
            i += 1
        elif op in (0x90, 0xF8, 0xF9):
            pass
        elif op == 0x02:
            al = (al + cl) & 0xFF
            i += 1
        elif op == 0x2A:
            al = (al - cl) & 0xFF
            i += 1
        elif op == 0x04:
            al = (al + code[i]) & 0xFF
            i += 1
        elif op == 0x2C:
            al = (al - code[i]) & 0xFF
            i += 1
        elif op == 0x32:
            al ^= cl
            i += 1
        elif op == 0x34:
            al ^= code[i]
            i += 1
        elif op == 0xFE:
            al = (al + 1 if code[i] == 0xC0 else al - 1) & 0xFF
            i += 1
        elif op == 0xC0:
            al = _rot8(al, code[i + 1], code[i] == 0xC0)
            i += 2
        else:
            raise ValueError("opcode %x" % op)
    assert i == 0x24 and code[i] == 0xAA
    return al


def routine(k):
    """A routine of 0x24 bytes + stosb, varied by k."""
    body = bytes([0x04, (0x37 + k) & 0xFF,       # add al, imm
                  0xC0, 0xC0, 3 + k % 4,         # rol al, n
                  0x32, 0xC1,                    # xor al, cl
                  0xFE, 0xC8,                    # dec al
                  0xEB, 0x00, 0x90,              # jmp short (skips 2)
                  0x0A, 0xC0,                    # (skipped with its operand)
                  0x2C, 0x11,                    # sub al, imm
                  0xC0, 0xC8, 1,                 # ror al, 1
                  0x02, 0xC1,                    # add al, cl
                  0x34, 0x5A,                    # xor al, imm
                  0x2A, 0xC1,                    # sub al, cl
                  0xFE, 0xC0,                    # inc al
                  0xF8, 0xF9])                   # clc, stc
    body += b"\x90" * (0x24 - len(body))
    return body + b"\xaa\x00\x00"


def unroutine(data, code):
    """Bytes the routine turns into data (cl counts down from len)."""
    out = bytearray(len(data))
    tables = {}
    for k, b in enumerate(data):
        cl = (len(data) - k) & 0xFF
        if cl not in tables:
            t = [0] * 256
            for v in range(256):
                t[exec86(v, cl, code)] = v
            tables[cl] = t
        out[k] = tables[cl][b]
    return bytes(out)


def lfsr(data, key, poly, set_):
    out = bytearray(data)
    for k in range(len(out)):
        b = key & 1
        key >>= 1
        if b == set_:
            key ^= poly
        out[k] ^= key & 0xFF
    return bytes(out)


def _ror32(v, n):
    n &= 31
    return ((v >> n) | (v << (32 - n))) & 0xFFFFFFFF if n else v


def summit(data):
    eax = ebx = 0xFFFFFFFF
    for c in data:
        eax ^= (c << 8) & 0xFF00
        eax = (eax >> 3) & 0x1FFFFFFF
        for _ in range(4):
            eax ^= (ebx >> 8) & 0xFF
            eax = (eax + 0x7801A108) & 0xFFFFFFFF
            eax ^= ebx
            eax = _ror32(eax, ebx & 0xFF)
            eax, ebx = ebx, eax
    return ebx


def _header(sections, ep, size=0x400, image_base=0x400000):
    lf = 0x80
    h = bytearray(size)
    h[0:2] = b"MZ"
    struct.pack_into("<I", h, 0x3C, lf)
    end = max(rva + vs for _, rva, vs, _, _, _ in sections)
    struct.pack_into("<4sHHIIIHH", h, lf, b"PE\0\0", 0x14C, len(sections), 0, 0, 0, 0xE0, 0x10F)
    struct.pack_into("<HBBIIIIIIIIIHHHHHHIIIIHHIIIIII", h, lf + 0x18,
                     0x10B, 0, 0, 0, 0, 0, ep, 0x1000, 0x1000, image_base,
                     0x1000, 0x200, 4, 0, 0, 0, 4, 0, 0,
                     _align(end, 0x1000), size, 0, 2, 0,
                     0x100000, 0x1000, 0x100000, 0x1000, 0, 16)
    so = lf + 0x18 + 0xE0
    for k, (name, rva, vs, raw, rs, chr_) in enumerate(sections):
        struct.pack_into("<8sIIIIIIHHI", h, so + 40 * k, name, vs, rva, rs, raw, 0, 0, 0, 0, chr_)
    return h


def build_pespin(parts, xor=None, poly=None, packed=None, res=None, key=0x1234ABCD, key8=0x91,
                 vsizes=None):
    """A PESpin-protected PE whose sections unpack to parts (one image
    per section). xor, poly, packed: which sections (indexes) the key's
    LFSR, the routine and the compression were applied to (default all
    for the first two, every other one for the third). res: (index,
    offset) of a section left uncompressed up to offset and compressed
    from there (the resources). vsizes: virtual sizes (default the
    parts' sizes rounded up to 4 KiB)."""
    n = len(parts)
    xor = set(range(n)) if xor is None else set(xor)
    poly = set(range(n)) if poly is None else set(poly)
    packed = set(range(0, n, 2)) if packed is None else set(packed)
    vsz = vsizes or [_align(max(len(p), 1), 0x1000) for p in parts]
    code = routine(1)
    e = 0x100
    loader_size = _align(e + 0x321B + 0x40, 0x200)
    raws, rva, at = [], 0x1000, 0x400
    secs, stored = [], []
    for i, p in enumerate(parts):
        if i in packed:
            body = mewpack.aplib(p)
        elif res is not None and res[0] == i:
            body = p[:res[1]] + mewpack.aplib(p[res[1]:])
        else:
            body = p
        rs = _align(len(body), 0x200)
        stored.append(body + bytes(rs - len(body)))
        secs.append((b".s%d" % i, rva, vsz[i], at, rs, 0xE0000060))
        at += rs
        rva += _align(vsz[i], 0x1000)
    spin_rva = rva
    secs.append((b" KuNgBiM", spin_rva, loader_size, at, loader_size, 0xE0000060))
    fsize = at + loader_size
    hdr = _header(secs, spin_rva + e)
    # the sections: compressed, then the routine, then the key's LFSR
    check = 0x400
    sk = key
    out = []
    for i, body in enumerate(stored):
        if i in poly:
            body = unroutine(body, code)
        if i in xor:
            body = lfsr(body, sk, 0xED43AF31, 0)
        out.append(body)
    # the loader's plain fields
    L = bytearray(loader_size)
    L[e:e + 4] = b"\x60\x90\x90\x90"
    L[e + 4:e + 14] = EP_SIG
    L[e + 0xDB] = 0xBB
    L[e + 0xDC] = key8
    L[e + 0xE0] = 0xB9
    struct.pack_into("<I", L, e + 0xE1, 0x11FE)
    key32a, key32c = 0x5EED1234, 0x0BADF00D
    struct.pack_into("<I", L, e + 0x26EB, key32a)
    struct.pack_into("<I", L, e + 0x26F0, 0x5A0)
    struct.pack_into("<I", L, e + 0x429, fsize - check)
    struct.pack_into("<I", L, e + 0x644, 0x180)
    struct.pack_into("<I", L, e + 0x650, key32c)
    struct.pack_into("<I", L, e + 0x28DD, 0x1A1)
    L[e + 0x28EC:e + 0x28EC + 0x27] = code
    bits = lambda s: sum(1 << i for i in s)  # noqa: E731
    struct.pack_into("<I", L, e + 0x3207, bits(xor))
    struct.pack_into("<I", L, e + 0x6F1, bits(poly))
    L[e + 0x755:e + 0x755 + 0x27] = code
    struct.pack_into("<I", L, e + 0x3061, bits(packed))
    struct.pack_into("<I", L, e + 0x2FEE, secs[res[0]][1] + res[1] if res else 0)
    struct.pack_into("<I", L, e + 0x3217, (key + summit(bytes(hdr[:check]))) & 0xFFFFFFFF)
    # the loader's layers, undone in reverse order
    a, b = e + 0x6D4, e + 0x6D4 + 0x1A1
    L[a:b] = unroutine(bytes(L[a:b]), code)
    a, b = e + 0x28D3, e + 0x28D3 + 0x180
    L[a:b] = lfsr(bytes(L[a:b]), key32c, 0xED43AF32, 1)
    a, b = e + 0x2D5, e + 0x2D5 + 0x5A0
    L[a:b] = lfsr(bytes(L[a:b]), key32a, 0x8C328834, 1)
    k8 = key8
    for t in range(e + 0x1FE5 + 0x11FE - 1, e + 0x1FE5 - 1, -1):
        L[t] ^= k8
        k8 = (k8 - 1) & 0xFF
    return bytes(hdr) + b"".join(out) + bytes(L)
